//! The write-ahead log: a header naming the snapshot it continues, then one
//! record per committed statement, each with a sequence number and two
//! checksums, so that reading it can tell a torn tail (the last write cut
//! short by a crash, which is dropped) from damage (which is never dropped
//! silently: a writer refuses the graph, a reader stops there with a
//! warning).
//!
//! Format version 2 (all integers little-endian):
//!
//! ```text
//! header (32 bytes): magic "\x89KGWAL\n\0" | version u32 = 2 | flags u32 = 0
//!                    | snapshot generation u64 | snapshot body CRC-32 u32
//!                    | CRC-32 of the 28 bytes before it u32
//! record:            payload length u32 | sequence number u64
//!                    | CRC-32 of the payload u32
//!                    | CRC-32 of (snapshot generation, length, sequence,
//!                      payload CRC) u32 | payload
//! ```
//!
//! Sequence numbers are consecutive; the first record after a snapshot is
//! numbered one past the snapshot's own number (see
//! [`Lineage`](super::snapshot::Lineage)). Format version 1 (a 24-byte
//! header with the generation only, records of length, CRC and payload) is
//! still read; its records count from 1.

use std::path::{Path, PathBuf};

use super::codec::{le_u32, le_u64, Dec, Enc};
use super::snapshot::SnapId;
use super::{DbError, DbErrorKind};
use crate::store::Mutation;

/// The first eight bytes of every log.
pub const MAGIC: [u8; 8] = *b"\x89KGWAL\n\0";
/// The log format version this build writes (it reads 1 and 2).
pub const VERSION: u32 = 2;
/// The header length in bytes.
pub const HEADER_LEN: u64 = 32;
/// The length of a record's frame (before its payload).
pub const FRAME_LEN: usize = 20;
const HEADER_LEN_V1: usize = 24;

/// The log beside a graph file: `FILE.wal`.
pub fn path_for(graph: &Path) -> PathBuf {
    let mut name = graph
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".wal");
    graph.with_file_name(name)
}

/// A log header for the snapshot `snap`.
pub(crate) fn header(snap: SnapId) -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    h[..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[16..24].copy_from_slice(&snap.generation.to_le_bytes());
    h[24..28].copy_from_slice(&snap.crc.to_le_bytes());
    let crc = crc32fast::hash(&h[..28]);
    h[28..32].copy_from_slice(&crc.to_le_bytes());
    h
}

fn frame_crc(generation: u64, len: u32, lsn: u64, payload_crc: u32) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&generation.to_le_bytes());
    h.update(&len.to_le_bytes());
    h.update(&lsn.to_le_bytes());
    h.update(&payload_crc.to_le_bytes());
    h.finalize()
}

/// One statement's mutations as record number `lsn` of a log continuing
/// `snap`.
pub(crate) fn record(snap: SnapId, lsn: u64, mutations: &[Mutation]) -> Vec<u8> {
    let mut payload = Enc::inline();
    payload.varint(mutations.len() as u64);
    for m in mutations {
        payload.mutation(m);
    }
    let len = payload.buf.len() as u32;
    let payload_crc = crc32fast::hash(&payload.buf);
    let mut out = Vec::with_capacity(payload.buf.len() + FRAME_LEN);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&lsn.to_le_bytes());
    out.extend_from_slice(&payload_crc.to_le_bytes());
    out.extend_from_slice(&frame_crc(snap.generation, len, lsn, payload_crc).to_le_bytes());
    out.extend_from_slice(&payload.buf);
    out
}

/// Which snapshot a log says it continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Continues {
    /// The snapshot's generation.
    pub generation: u64,
    /// The snapshot's body checksum (format 1 logs do not record it).
    pub crc: Option<u32>,
}

impl Continues {
    /// True when this names the snapshot `id`.
    pub fn is(&self, id: SnapId) -> bool {
        self.generation == id.generation && self.crc.is_none_or(|c| c == id.crc)
    }
}

/// One statement's record.
#[derive(Debug)]
pub(crate) struct Record {
    /// Where it starts in the file.
    pub offset: u64,
    /// Its sequence number.
    pub lsn: u64,
    /// The statement's changes.
    pub mutations: Vec<Mutation>,
}

/// How a log ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum End {
    /// After its last whole record.
    Clean,
    /// With an incomplete last write (a crash while appending): what
    /// follows `offset` is dropped.
    Torn {
        /// Where the incomplete write starts.
        offset: u64,
        /// What was found.
        what: String,
    },
    /// With damage: bytes that a crash cannot explain (a checksum that does
    /// not match over complete data, a sequence number out of order).
    Damaged {
        /// Where the damage is.
        offset: u64,
        /// What was found.
        what: String,
    },
}

/// A log as read from its bytes.
#[derive(Debug)]
pub(crate) struct Log {
    /// The format version (0 when the file holds no header at all).
    pub version: u32,
    /// The snapshot it continues (`None`: no usable header).
    pub continues: Option<Continues>,
    /// The whole records before the end, in order.
    pub records: Vec<Record>,
    /// How it ends.
    pub end: End,
    /// The length of the header and the whole records.
    pub good_len: u64,
    /// The file's length.
    pub file_len: u64,
    /// After damage: whole, numbered records found further on (how many),
    /// which tells damage in the middle of a log from a bad last record.
    pub intact_after: usize,
}

impl Log {
    /// The sequence number of the last whole record.
    pub fn last_lsn(&self) -> Option<u64> {
        self.records.last().map(|r| r.lsn)
    }

    /// True when the file holds nothing worth keeping: no records and no
    /// damage (empty, a header only, or a header cut short).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && !matches!(self.end, End::Damaged { .. })
    }
}

/// Reads a log's bytes. A file that is not a kg log (or of an unknown
/// version) is an error; anything else is described by the [`Log`].
pub(crate) fn read(path: &Path, bytes: &[u8]) -> Result<Log, DbError> {
    let file_len = bytes.len() as u64;
    let mut log = Log {
        version: 0,
        continues: None,
        records: Vec::new(),
        end: End::Clean,
        good_len: 0,
        file_len,
        intact_after: 0,
    };
    if bytes.is_empty() {
        return Ok(log);
    }
    let short = bytes.len() < HEADER_LEN_V1;
    if short || bytes[..HEADER_LEN_V1].iter().all(|b| *b == 0) {
        // A header cut short or never written: a crash while the log was
        // created. Nothing can follow it unless the file was damaged.
        let head_ok =
            bytes.iter().all(|b| *b == 0) || MAGIC.starts_with(&bytes[..bytes.len().min(8)]);
        if short && !head_ok {
            return Err(not_a_log(path));
        }
        if bytes.iter().all(|b| *b == 0) || short {
            log.end = End::Torn {
                offset: 0,
                what: format!("an incomplete log header ({} bytes)", bytes.len()),
            };
            return Ok(log);
        }
        log.end = End::Damaged {
            offset: 0,
            what: "the log header is zeroed but data follow it".into(),
        };
        return Ok(log);
    }
    if !bytes.starts_with(&MAGIC) {
        return Err(not_a_log(path));
    }
    let version = le_u32(&bytes[8..12]);
    log.version = version;
    match version {
        1 => read_v1(bytes, &mut log),
        2 => read_v2(bytes, &mut log),
        _ => {
            let damaged = [HEADER_LEN_V1, HEADER_LEN as usize].iter().all(|&n| {
                bytes.len() < n || crc32fast::hash(&bytes[..n - 4]) != le_u32(&bytes[n - 4..n])
            });
            if damaged {
                log.end = End::Damaged {
                    offset: 8,
                    what: "the log header's checksum does not match".into(),
                };
                return Ok(log);
            }
            return Err(DbError::new(
                DbErrorKind::Version,
                format!(
                    "{}: log format version {version}; this kg reads versions 1 and {VERSION}",
                    path.display()
                ),
            ));
        }
    }
    Ok(log)
}

/// The rest of a format 2 log, after the magic and version.
fn read_v2(bytes: &[u8], log: &mut Log) {
    let hl = HEADER_LEN as usize;
    if bytes.len() < hl {
        log.end = End::Torn {
            offset: 0,
            what: format!("an incomplete log header ({} of {hl} bytes)", bytes.len()),
        };
        return;
    }
    if crc32fast::hash(&bytes[..28]) != le_u32(&bytes[28..32]) {
        log.end = End::Damaged {
            offset: 0,
            what: "the log header's checksum does not match (bytes 0 to 31)".into(),
        };
        return;
    }
    let generation = le_u64(&bytes[16..24]);
    log.continues = Some(Continues {
        generation,
        crc: Some(le_u32(&bytes[24..28])),
    });
    let mut pos = hl;
    let mut expected: Option<u64> = None;
    log.end = loop {
        let rest = &bytes[pos..];
        if rest.is_empty() {
            break End::Clean;
        }
        if rest.iter().all(|b| *b == 0) {
            break End::Torn {
                offset: pos as u64,
                what: format!("{} zero bytes where a record was being written", rest.len()),
            };
        }
        if rest.len() < FRAME_LEN {
            break End::Torn {
                offset: pos as u64,
                what: format!(
                    "an incomplete record header ({} of {FRAME_LEN} bytes)",
                    rest.len()
                ),
            };
        }
        let len = le_u32(&rest[0..4]);
        let lsn = le_u64(&rest[4..12]);
        let payload_crc = le_u32(&rest[12..16]);
        if frame_crc(generation, len, lsn, payload_crc) != le_u32(&rest[16..20]) {
            break End::Damaged {
                offset: pos as u64,
                what: "a record header whose checksum does not match".into(),
            };
        }
        if expected.is_some_and(|e| e != lsn) {
            break End::Damaged {
                offset: pos as u64,
                what: format!(
                    "record number {lsn} where number {} was expected",
                    expected.unwrap_or_default()
                ),
            };
        }
        let body = &rest[FRAME_LEN..];
        if (body.len() as u64) < u64::from(len) {
            break End::Torn {
                offset: pos as u64,
                what: format!("an incomplete record ({} of {len} bytes)", body.len()),
            };
        }
        let name = format!("record number {lsn}");
        match whole_record(
            &body[..len as usize],
            payload_crc,
            pos,
            FRAME_LEN,
            lsn,
            &name,
        ) {
            Ok(r) => log.records.push(r),
            Err(end) => break end,
        }
        expected = lsn.checked_add(1);
        pos += FRAME_LEN + len as usize;
    };
    log.good_len = pos as u64;
    if matches!(log.end, End::Damaged { .. }) {
        log.intact_after = count_intact(bytes, pos + 1, generation, expected.unwrap_or(0));
    }
}

/// Counts the whole records (frame and payload checksums matching, numbered
/// from `min_lsn` on) that start at or after `from`, resynchronising on the
/// first frame found.
fn count_intact(bytes: &[u8], from: usize, generation: u64, min_lsn: u64) -> usize {
    let whole = |at: usize| -> Option<(u64, usize)> {
        let rest = bytes.get(at..)?;
        if rest.len() < FRAME_LEN {
            return None;
        }
        let len = le_u32(&rest[0..4]);
        let lsn = le_u64(&rest[4..12]);
        let payload_crc = le_u32(&rest[12..16]);
        if lsn < min_lsn || frame_crc(generation, len, lsn, payload_crc) != le_u32(&rest[16..20]) {
            return None;
        }
        let payload = rest.get(FRAME_LEN..FRAME_LEN + len as usize)?;
        (crc32fast::hash(payload) == payload_crc).then_some((lsn, FRAME_LEN + len as usize))
    };
    let Some(mut at) = (from..bytes.len()).find(|&at| whole(at).is_some()) else {
        return 0;
    };
    let mut n = 0;
    while let Some((_, size)) = whole(at) {
        n += 1;
        at += size;
    }
    n
}

/// The rest of a format 1 log: records of length, CRC and payload; they are
/// numbered from 1.
fn read_v1(bytes: &[u8], log: &mut Log) {
    let hl = HEADER_LEN_V1;
    if crc32fast::hash(&bytes[..20]) != le_u32(&bytes[20..24]) {
        log.end = End::Damaged {
            offset: 0,
            what: "the log header's checksum does not match (bytes 0 to 23)".into(),
        };
        return;
    }
    log.continues = Some(Continues {
        generation: le_u64(&bytes[12..20]),
        crc: None,
    });
    let mut pos = hl;
    let mut lsn = 1;
    log.end = loop {
        let rest = &bytes[pos..];
        if rest.is_empty() {
            break End::Clean;
        }
        if rest.len() < 8 {
            break End::Torn {
                offset: pos as u64,
                what: "an incomplete record header".into(),
            };
        }
        let len = le_u32(&rest[..4]) as usize;
        let crc = le_u32(&rest[4..8]);
        if rest.len() - 8 < len {
            break End::Torn {
                offset: pos as u64,
                what: format!("an incomplete record ({} of {len} bytes)", rest.len() - 8),
            };
        }
        match whole_record(&rest[8..8 + len], crc, pos, 8, lsn, "a record") {
            Ok(r) => log.records.push(r),
            Err(end) => break end,
        }
        lsn += 1;
        pos += 8 + len;
    };
    log.good_len = pos as u64;
}

/// The record at `offset` whose payload (after a frame of `frame` bytes)
/// must have checksum `crc`: decoded, or the damage it shows (`name` says
/// which record, in messages).
fn whole_record(
    payload: &[u8],
    crc: u32,
    offset: usize,
    frame: usize,
    lsn: u64,
    name: &str,
) -> Result<Record, End> {
    let damaged = |what: String| End::Damaged {
        offset: offset as u64,
        what,
    };
    if crc32fast::hash(payload) != crc {
        return Err(damaged(format!("{name} whose checksum does not match")));
    }
    let mutations = decode_payload(payload, (offset + frame) as u64)
        .map_err(|what| damaged(format!("{name} cannot be read ({what})")))?;
    Ok(Record {
        offset: offset as u64,
        lsn,
        mutations,
    })
}

/// Decodes a record's payload: a count, then that many mutations.
fn decode_payload(payload: &[u8], base: u64) -> Result<Vec<Mutation>, String> {
    let mut d = Dec::new(payload, base);
    let decoded = (|| {
        let n = d.count()?;
        let mut ms = Vec::with_capacity(n.min(payload.len()));
        for _ in 0..n {
            ms.push(d.mutation()?);
        }
        if !d.at_end() {
            return d.err("data after the last change");
        }
        Ok(ms)
    })();
    decoded.map_err(|e| format!("offset {}: {}", e.offset, e.message))
}

fn not_a_log(path: &Path) -> DbError {
    DbError::new(
        DbErrorKind::Foreign,
        format!(
            "{} is not a kg write-ahead log (unknown header at offset 0); move it away to open the graph",
            path.display()
        ),
    )
}

/// A log continuing `snap` whose records carry the given payloads, each
/// with matching frame and checksums (for fuzzing the record decoder).
pub(crate) fn with_payloads(snap: SnapId, payloads: &[&[u8]]) -> Vec<u8> {
    let mut out = header(snap).to_vec();
    for (i, payload) in payloads.iter().enumerate() {
        let len = payload.len() as u32;
        let lsn = i as u64 + 1;
        let payload_crc = crc32fast::hash(payload);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&lsn.to_le_bytes());
        out.extend_from_slice(&payload_crc.to_le_bytes());
        out.extend_from_slice(&frame_crc(snap.generation, len, lsn, payload_crc).to_le_bytes());
        out.extend_from_slice(payload);
    }
    out
}

/// Reads a log's bytes (for fuzzing): the number of whole records.
pub(crate) fn decode_standalone(path: &Path, bytes: &[u8]) -> Result<usize, DbError> {
    read(path, bytes).map(|log| log.records.len())
}
