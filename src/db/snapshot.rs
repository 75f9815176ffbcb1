//! Snapshot files: a header (magic, version, generation, body length and
//! checksum, the log this snapshot absorbed, header checksum) and a body
//! (symbol table, next ids, entities, relations). See the module
//! documentation of [`crate::db`].

use std::fs::File;
use std::path::{Path, PathBuf};

use super::codec::{le_u32, le_u64, Dec, DecodeError, Enc};
use super::file::{self, Resolved};
use super::{io_error, DbError, DbErrorKind};
use crate::store::{Graph, Relation};

/// The first eight bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"\x89KGSNAP\n";
/// The snapshot format version this build writes for graphs without
/// declared indexes (it reads 1 to 3).
pub const VERSION: u32 = 2;
/// The format version of a graph with declared indexes: version 2 with
/// the index definitions after the relations (older builds refuse it by
/// its version instead of misreading it).
pub const INDEX_VERSION: u32 = 3;
/// The header length in bytes (format version 2).
pub const HEADER_LEN: usize = 64;
/// The header length of format version 1.
const HEADER_LEN_V1: usize = 40;

/// Which snapshot a file holds: its generation (random, new for every
/// snapshot written) and the CRC-32 of its body. A log names the snapshot
/// it continues by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SnapId {
    /// The generation number.
    pub generation: u64,
    /// The body's CRC-32.
    pub crc: u32,
}

/// What a snapshot's header says of where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Lineage {
    /// The snapshot whose log this one absorbed (written by a checkpoint);
    /// `None` for a snapshot made from scratch.
    pub parent: Option<SnapId>,
    /// The sequence number of the last log record whose change this
    /// snapshot holds: records of the parent's log up to it are in the
    /// snapshot, and the next log starts after it.
    pub lsn: u64,
}

/// A decoded snapshot header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// The format version (1 or 2).
    pub version: u32,
    /// This snapshot's identity.
    pub id: SnapId,
    /// Where it comes from (version 1: nothing).
    pub lineage: Lineage,
}

/// Encodes a graph as a complete snapshot file (header and body) with a
/// new `generation`; returns the bytes and the snapshot's identity.
pub(crate) fn encode(graph: &Graph, generation: u64, lineage: Lineage) -> (Vec<u8>, SnapId) {
    let mut data = Enc::with_symbols();
    let (next_entity, next_relation) = graph.next_ids();
    data.varint(next_entity);
    data.varint(next_relation);
    data.varint(graph.entity_count() as u64);
    for e in graph.entities() {
        data.entity(e);
    }
    data.varint(graph.relation_count() as u64);
    for r in graph.relations() {
        data.relation(r);
    }
    let defs: Vec<&crate::store::IndexDef> = graph.index_defs().collect();
    let version = if defs.is_empty() {
        VERSION
    } else {
        data.varint(defs.len() as u64);
        for d in defs {
            data.index_def(d);
        }
        INDEX_VERSION
    };
    let syms = data.syms.take().unwrap_or_default();
    let mut table = Enc::inline();
    table.varint(syms.len() as u64);
    for s in &syms {
        table.str(s);
    }
    let body_len = table.buf.len() + data.buf.len();
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&table.buf);
    hasher.update(&data.buf);
    let body_crc = hasher.finalize();
    let mut out = Vec::with_capacity(HEADER_LEN + body_len);
    out.extend_from_slice(&versioned_header(
        version,
        generation,
        lineage,
        body_len as u64,
        body_crc,
    ));
    out.extend_from_slice(&table.buf);
    out.extend_from_slice(&data.buf);
    let id = SnapId {
        generation,
        crc: body_crc,
    };
    (out, id)
}

/// The header of a snapshot whose body is `body_len` bytes long with
/// checksum `body_crc`.
pub(crate) fn header(
    generation: u64,
    lineage: Lineage,
    body_len: u64,
    body_crc: u32,
) -> [u8; HEADER_LEN] {
    versioned_header(VERSION, generation, lineage, body_len, body_crc)
}

/// [`header`] with a given format version (2, or 3 for a body with index
/// definitions).
fn versioned_header(
    version: u32,
    generation: u64,
    lineage: Lineage,
    body_len: u64,
    body_crc: u32,
) -> [u8; HEADER_LEN] {
    let parent = lineage.parent.unwrap_or_default();
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&version.to_le_bytes());
    h[16..24].copy_from_slice(&generation.to_le_bytes());
    h[24..32].copy_from_slice(&body_len.to_le_bytes());
    h[32..36].copy_from_slice(&body_crc.to_le_bytes());
    h[36..40].copy_from_slice(&parent.crc.to_le_bytes());
    h[40..48].copy_from_slice(&parent.generation.to_le_bytes());
    h[48..56].copy_from_slice(&lineage.lsn.to_le_bytes());
    h[56..60].copy_from_slice(&u32::from(lineage.parent.is_some()).to_le_bytes());
    let crc = crc32fast::hash(&h[..HEADER_LEN - 4]);
    h[60..64].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Why `bytes` is not a kg snapshot at all (foreign or a text file), or `None`
/// when it starts with the snapshot magic.
pub(crate) fn foreign(path: &Path, bytes: &[u8]) -> Option<DbError> {
    if bytes.starts_with(&MAGIC) {
        return None;
    }
    let name = path.display();
    if bytes.starts_with(&super::wal::MAGIC) {
        return Some(DbError::new(
            DbErrorKind::Foreign,
            format!("{name} is a kg write-ahead log, not a graph: open the graph file beside it"),
        ));
    }
    let head = &bytes[..bytes.len().min(4096)];
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the 4096-byte mark is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    if text && !bytes.is_empty() {
        Some(DbError::new(
            DbErrorKind::FactFile,
            format!(
                "{name} is a text file, not a kg graph file; to query a fact file use \
                 `kg --facts {name}`, or turn it into a graph with `kg import`"
            ),
        ))
    } else {
        Some(DbError::new(
            DbErrorKind::Foreign,
            format!("{name} is not a kg graph file (no kg snapshot header at offset 0)"),
        ))
    }
}

/// Decodes a snapshot file's bytes; returns the graph and its generation.
pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<(Graph, Header), DbError> {
    let t0 = std::time::Instant::now();
    if let Some(e) = foreign(path, bytes) {
        return Err(e);
    }
    let name = path.display();
    let corrupt = |msg: String| DbError::new(DbErrorKind::Corrupt, format!("{name}: {msg}"));
    if bytes.len() < 12 {
        return Err(corrupt(format!(
            "truncated header ({} of {HEADER_LEN} bytes)",
            bytes.len()
        )));
    }
    let version = le_u32(&bytes[8..12]);
    let header_len = match version {
        1 => HEADER_LEN_V1,
        2 | INDEX_VERSION => HEADER_LEN,
        _ => {
            // The version field is covered by the header checksum of every
            // known layout; damage there is reported as such.
            let damaged = [HEADER_LEN_V1, HEADER_LEN].iter().all(|&n| {
                bytes.len() < n || crc32fast::hash(&bytes[..n - 4]) != le_u32(&bytes[n - 4..n])
            });
            if damaged {
                return Err(corrupt(
                    "the header checksum does not match: the file is damaged".into(),
                ));
            }
            return Err(DbError::new(
                DbErrorKind::Version,
                format!("{name}: snapshot format version {version}; this kg reads versions 1 to {INDEX_VERSION}"),
            ));
        }
    };
    if bytes.len() < header_len {
        return Err(corrupt(format!(
            "truncated header ({} of {header_len} bytes)",
            bytes.len()
        )));
    }
    let header_crc = le_u32(&bytes[header_len - 4..header_len]);
    if crc32fast::hash(&bytes[..header_len - 4]) != header_crc {
        return Err(corrupt(format!(
            "the header checksum does not match (offsets 0 to {}): the file is damaged",
            header_len - 1
        )));
    }
    let generation = le_u64(&bytes[16..24]);
    let body_len = le_u64(&bytes[24..32]);
    let body_crc = le_u32(&bytes[32..36]);
    let lineage = if version >= 2 {
        let has_parent = le_u32(&bytes[56..60]) != 0;
        Lineage {
            parent: has_parent.then(|| SnapId {
                crc: le_u32(&bytes[36..40]),
                generation: le_u64(&bytes[40..48]),
            }),
            lsn: le_u64(&bytes[48..56]),
        }
    } else {
        Lineage::default()
    };
    let header = Header {
        version,
        id: SnapId {
            generation,
            crc: body_crc,
        },
        lineage,
    };
    let body = &bytes[header_len..];
    if body.len() as u64 != body_len {
        return Err(corrupt(format!(
            "the body should be {body_len} bytes long but is {} (the file was truncated or extended)",
            body.len()
        )));
    }
    if crc32fast::hash(body) != body_crc {
        return Err(corrupt(format!(
            "the body checksum does not match (offsets {header_len} to {}): the file is damaged",
            bytes.len()
        )));
    }
    let bad =
        |e: super::codec::DecodeError| corrupt(format!("at offset {}: {}", e.offset, e.message));
    crate::trace::phase("snapshot: checksum", t0);
    let mut d = Dec::new(body, header_len as u64);
    let n = d.count().map_err(bad)?;
    let mut syms = Vec::with_capacity(n);
    for _ in 0..n {
        syms.push(d.str().map_err(bad)?.into());
    }
    d.syms = Some(syms);
    let next_entity = d.varint().map_err(bad)?;
    let next_relation = d.varint().map_err(bad)?;
    let entities = d.count().map_err(bad)?;
    // Ids are never reused, so the next ids may exceed the counts, but not
    // absurdly (a guard against allocating for a crafted header).
    if next_entity > entities as u64 + (1 << 26) || next_relation > body.len() as u64 + (1 << 26) {
        return Err(corrupt("implausible next ids".into()));
    }
    let mut graph = Graph::bulk_start(next_entity, next_relation);
    graph.bulk_reserve(entities, 0);
    // A second thread decodes, in batches, while this one inserts
    // (decoding is about a third of the work).
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Decoded, DecodeError>>(8);
    let (failure, d) = std::thread::scope(|scope| {
        let decoder = scope.spawn(move || {
            decode_batches(&mut d, entities, &tx);
            d
        });
        let mut failure = None;
        for batch in rx {
            let inserted = match batch {
                Ok(Decoded::Entities(es)) => es
                    .into_iter()
                    .try_for_each(|e| graph.bulk_entity(e))
                    .map_err(corrupt),
                Ok(Decoded::RelationCount(n)) => {
                    crate::trace::phase("snapshot: entities decoded", t0);
                    graph.bulk_reserve(0, n);
                    Ok(())
                }
                Ok(Decoded::Relations(rs)) => graph.bulk_relations(rs).map_err(corrupt),
                Err(e) => Err(bad(e)),
            };
            if let Err(e) = inserted {
                failure = Some(e);
                break;
            }
        }
        (failure, decoder.join())
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let mut d = d.map_err(|_| corrupt("the decoder thread failed".into()))?;
    if version >= INDEX_VERSION {
        let n = d.count().map_err(bad)?;
        for _ in 0..n {
            let def = d.index_def().map_err(bad)?;
            let shown = def.name.clone();
            graph
                .create_index(def)
                .map_err(|e| corrupt(format!("index `{shown}`: {e}")))?;
        }
    }
    if !d.at_end() {
        if let Err(e) = d.err::<()>("data after the last relation") {
            return Err(bad(e));
        }
    }
    Ok((graph, header))
}

/// What the decoder thread hands over, in file order.
enum Decoded {
    Entities(Vec<crate::store::Entity>),
    /// The number of relations, read between the entities and them.
    RelationCount(usize),
    Relations(Vec<Relation>),
}

/// Decodes `entities` entities, the relation count and the relations, in
/// batches sent to `tx`; stops at the first error (sent too) or when the
/// receiver is gone.
fn decode_batches<'b>(
    d: &mut Dec<'b>,
    entities: usize,
    tx: &std::sync::mpsc::SyncSender<Result<Decoded, DecodeError>>,
) {
    const BATCH: usize = 8192;
    fn batches<'b, T>(
        d: &mut Dec<'b>,
        count: usize,
        item: impl Fn(&mut Dec<'b>) -> Result<T, DecodeError>,
        wrap: impl Fn(Vec<T>) -> Decoded,
        tx: &std::sync::mpsc::SyncSender<Result<Decoded, DecodeError>>,
    ) -> bool {
        let mut left = count;
        while left > 0 {
            let n = left.min(BATCH);
            let mut batch = Vec::with_capacity(n);
            for _ in 0..n {
                match item(d) {
                    Ok(x) => batch.push(x),
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return false;
                    }
                }
            }
            left -= n;
            if tx.send(Ok(wrap(batch))).is_err() {
                return false;
            }
        }
        true
    }
    if !batches(d, entities, Dec::entity, Decoded::Entities, tx) {
        return;
    }
    let relations = match d.count() {
        Ok(n) => n,
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    if tx.send(Ok(Decoded::RelationCount(relations))).is_err() {
        return;
    }
    batches(d, relations, Dec::relation, Decoded::Relations, tx);
}

/// Reads and decodes a snapshot file (without its log); `shown` is the
/// path for messages.
pub(crate) fn read(path: &Path, shown: &Path) -> Result<(Graph, Header), DbError> {
    let t0 = std::time::Instant::now();
    let bytes = super::direct::read(path, super::direct::DIRECT_MIN)
        .map_err(|e| io_error(shown, "read", e))?;
    crate::trace::phase("snapshot: file read", t0);
    let decoded = decode(shown, &bytes)?;
    crate::trace::phase("snapshot: decoded", t0);
    Ok(decoded)
}

/// The directory holding `path` (for fsync after a rename).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A snapshot written over its path by [`write_atomic`].
#[derive(Debug)]
pub(crate) struct Written {
    /// The new file, locked exclusively (it was locked before it replaced
    /// the old one, so no other process can take it over in between).
    pub lock: File,
    /// Its identity.
    pub id: SnapId,
}

/// Why [`write_atomic`] failed, and whether the new file replaced the old.
#[derive(Debug)]
pub(crate) struct WriteFailure {
    /// The error.
    pub error: DbError,
    /// `Some` when the rename happened (only the directory fsync failed):
    /// the new file is in place, and this is its lock and identity.
    pub replaced: Option<Written>,
}

/// Writes `graph` as a snapshot over the regular file (or new path)
/// `target`, atomically: a temporary file beside it, fsynced, locked,
/// renamed over it (with `create_new`, linked in place instead, so that a
/// file another process created meanwhile is never replaced), then the
/// directory fsynced.
pub(crate) fn write_atomic(
    graph: &Graph,
    target: &Resolved,
    shown: &Path,
    generation: u64,
    lineage: Lineage,
    create_new: bool,
) -> Result<Written, WriteFailure> {
    let fail = |error| WriteFailure {
        error,
        replaced: None,
    };
    let t0 = std::time::Instant::now();
    let (bytes, id) = encode(graph, generation, lineage);
    crate::trace::phase("snapshot: encoded", t0);
    let real = &target.real;
    let tmp = file::temp_path(real);
    let result = (|| {
        super::direct::write(&tmp, &bytes, super::direct::DIRECT_MIN)
            .map_err(|e| io_error(shown, "write a new snapshot of", e))?;
        crate::trace::phase("snapshot: written and synced", t0);
        let lock =
            File::open(&tmp).map_err(|e| io_error(shown, "reopen the new snapshot of", e))?;
        lock.try_lock()
            .map_err(|e| io_error(shown, "lock the new snapshot of", e.into()))?;
        if create_new {
            file::link_new(&tmp, real).map_err(|e| io_error(shown, "create", e))?;
            let _ = std::fs::remove_file(&tmp);
        } else {
            file::rename(&tmp, real).map_err(|e| io_error(shown, "replace", e))?;
        }
        Ok(lock)
    })();
    let lock = match result {
        Ok(lock) => lock,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e));
        }
    };
    match file::sync_dir(&parent_dir(real)) {
        Ok(()) => Ok(Written { lock, id }),
        Err(error) => Err(WriteFailure {
            error,
            replaced: Some(Written { lock, id }),
        }),
    }
}
