//! The write-ahead log: a 24-byte header (magic, version, the generation of
//! the snapshot it continues, checksum), then one record per committed
//! statement: payload length (u32 LE), CRC-32 of the payload (u32 LE), and the
//! payload (a count and the statement's store mutations).

use std::path::{Path, PathBuf};

use super::codec::{Dec, Enc};
use super::{DbError, DbErrorKind};
use crate::store::Mutation;

/// The first eight bytes of every log.
pub const MAGIC: [u8; 8] = *b"\x89KGWAL\n\0";
/// The log format version.
pub const VERSION: u32 = 1;
/// The header length in bytes.
pub const HEADER_LEN: u64 = 24;

/// The log beside a graph file: `FILE.wal`.
pub fn path_for(graph: &Path) -> PathBuf {
    let mut name = graph
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".wal");
    graph.with_file_name(name)
}

/// A log header for a snapshot generation.
pub(crate) fn header(generation: u64) -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    h[..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..20].copy_from_slice(&generation.to_le_bytes());
    let crc = crc32fast::hash(&h[..20]);
    h[20..24].copy_from_slice(&crc.to_le_bytes());
    h
}

/// One statement's mutations as a log record (length, checksum, payload).
pub(crate) fn record(mutations: &[Mutation]) -> Vec<u8> {
    let mut payload = Enc::inline();
    payload.varint(mutations.len() as u64);
    for m in mutations {
        payload.mutation(m);
    }
    let mut out = Vec::with_capacity(payload.buf.len() + 8);
    out.extend_from_slice(&(payload.buf.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload.buf).to_le_bytes());
    out.extend_from_slice(&payload.buf);
    out
}

/// What reading a log found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// The statements' mutations, in commit order, each with its file offset.
    pub records: Vec<(u64, Vec<Mutation>)>,
    /// The length of the valid prefix (header and whole records); 0 when the
    /// header itself must be rewritten.
    pub good_len: u64,
    /// Anything worth telling the user (a dropped tail, a stale log).
    pub warnings: Vec<String>,
}

/// Reads a log's bytes, keeping the records that continue snapshot
/// `generation`. A torn or damaged tail is dropped with a warning; a file
/// that is not a kg log is refused.
pub(crate) fn scan(path: &Path, bytes: &[u8], generation: u64) -> Result<Scan, DbError> {
    let name = path.display();
    let mut scan = Scan::default();
    let hl = HEADER_LEN as usize;
    if bytes.is_empty() {
        return Ok(scan);
    }
    // A header cut short or never written (a crash while the log was being
    // reset, when it held no records).
    let torn_header = |scan: &mut Scan| {
        scan.warnings.push(format!(
            "{name}: the log header is incomplete or damaged (a crash during a checkpoint?); \
             the log is empty"
        ));
    };
    if bytes.len() < hl {
        let n = bytes.len();
        if bytes == &MAGIC[..n.min(8)] || bytes.iter().all(|b| *b == 0) || bytes.starts_with(&MAGIC)
        {
            torn_header(&mut scan);
            return Ok(scan);
        }
        return Err(not_a_log(path));
    }
    if bytes[..hl].iter().all(|b| *b == 0) {
        torn_header(&mut scan);
        return Ok(scan);
    }
    if !bytes.starts_with(&MAGIC) {
        return Err(not_a_log(path));
    }
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&bytes[20..24]);
    if crc32fast::hash(&bytes[..20]) != u32::from_le_bytes(crc) {
        torn_header(&mut scan);
        return Ok(scan);
    }
    let mut v = [0u8; 4];
    v.copy_from_slice(&bytes[8..12]);
    let version = u32::from_le_bytes(v);
    if version != VERSION {
        return Err(DbError::new(
            DbErrorKind::Version,
            format!("{name}: log format version {version}; this kg reads version {VERSION}"),
        ));
    }
    let mut g = [0u8; 8];
    g.copy_from_slice(&bytes[12..20]);
    let log_generation = u64::from_le_bytes(g);
    if log_generation != generation {
        // The snapshot was replaced after this log was written (a checkpoint
        // interrupted before the log was reset): its records are in the
        // snapshot already.
        if bytes.len() > hl {
            scan.warnings.push(format!(
                "{name}: the log predates the snapshot (an interrupted checkpoint); \
                 its changes are already in the snapshot, the log is reset"
            ));
        }
        return Ok(scan);
    }
    let mut pos = hl;
    let mut dropped: Option<String> = None;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.len() < 8 {
            dropped = Some("an incomplete record header".into());
            break;
        }
        let mut l = [0u8; 4];
        l.copy_from_slice(&rest[..4]);
        let len = u32::from_le_bytes(l) as usize;
        let mut c = [0u8; 4];
        c.copy_from_slice(&rest[4..8]);
        let crc = u32::from_le_bytes(c);
        if rest.len() - 8 < len {
            dropped = Some(format!(
                "an incomplete record ({} of {len} bytes)",
                rest.len() - 8
            ));
            break;
        }
        let payload = &rest[8..8 + len];
        if crc32fast::hash(payload) != crc {
            dropped = Some("a record whose checksum does not match".into());
            break;
        }
        let mut d = Dec::new(payload, (pos + 8) as u64);
        let decoded = (|| {
            let n = d.count()?;
            let mut ms = Vec::with_capacity(n);
            for _ in 0..n {
                ms.push(d.mutation()?);
            }
            if !d.at_end() {
                return d.err("data after the last change");
            }
            Ok(ms)
        })();
        match decoded {
            Ok(ms) => scan.records.push((pos as u64, ms)),
            Err(e) => {
                dropped = Some(format!(
                    "a record that cannot be read (offset {}: {})",
                    e.offset, e.message
                ));
                break;
            }
        }
        pos += 8 + len;
    }
    if let Some(what) = dropped {
        scan.warnings.push(format!(
            "{name}: dropped {} bytes at offset {pos}: {what} (the last write was cut short, \
             e.g. by a crash); every statement before it is kept",
            bytes.len() - pos
        ));
    }
    scan.good_len = pos as u64;
    Ok(scan)
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

/// Scans a log's bytes for whatever generation its header names (for
/// fuzzing): the number of statement records kept.
pub(crate) fn decode_standalone(path: &Path, bytes: &[u8]) -> Result<usize, DbError> {
    let generation = if bytes.len() >= HEADER_LEN as usize {
        let mut g = [0u8; 8];
        g.copy_from_slice(&bytes[12..20]);
        u64::from_le_bytes(g)
    } else {
        0
    };
    scan(path, bytes, generation).map(|s| s.records.len())
}
