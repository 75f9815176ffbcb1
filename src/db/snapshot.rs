//! Snapshot files: a 40-byte header (magic, version, generation, body length,
//! body checksum, header checksum) and a body (symbol table, next ids,
//! entities, relations). See the module documentation of [`crate::db`].

use std::fs::File;
use std::path::{Path, PathBuf};

use super::codec::{Dec, DecodeError, Enc};
use super::{io_error, DbError, DbErrorKind};
use crate::store::{Graph, Relation};

/// The first eight bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"\x89KGSNAP\n";
/// The snapshot format version this build writes and reads.
pub const VERSION: u32 = 1;
/// The header length in bytes.
pub const HEADER_LEN: usize = 40;

/// Encodes a graph as a complete snapshot file (header and body).
pub(crate) fn encode(graph: &Graph, generation: u64) -> Vec<u8> {
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
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&generation.to_le_bytes());
    out.extend_from_slice(&(body_len as u64).to_le_bytes());
    out.extend_from_slice(&body_crc.to_le_bytes());
    let header_crc = crc32fast::hash(&out[..36]);
    out.extend_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(&table.buf);
    out.extend_from_slice(&data.buf);
    out
}

fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
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
pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<(Graph, u64), DbError> {
    let t0 = std::time::Instant::now();
    if let Some(e) = foreign(path, bytes) {
        return Err(e);
    }
    let name = path.display();
    let corrupt = |msg: String| DbError::new(DbErrorKind::Corrupt, format!("{name}: {msg}"));
    if bytes.len() < HEADER_LEN {
        return Err(corrupt(format!(
            "truncated header ({} of {HEADER_LEN} bytes)",
            bytes.len()
        )));
    }
    let header_crc = le_u32(&bytes[36..40]);
    if crc32fast::hash(&bytes[..36]) != header_crc {
        return Err(corrupt(
            "the header checksum does not match (offsets 0 to 39): the file is damaged".into(),
        ));
    }
    let version = le_u32(&bytes[8..12]);
    if version != VERSION {
        return Err(DbError::new(
            DbErrorKind::Version,
            format!("{name}: snapshot format version {version}; this kg reads version {VERSION}"),
        ));
    }
    let generation = le_u64(&bytes[16..24]);
    let body_len = le_u64(&bytes[24..32]);
    let body_crc = le_u32(&bytes[32..36]);
    let body = &bytes[HEADER_LEN..];
    if body.len() as u64 != body_len {
        return Err(corrupt(format!(
            "the body should be {body_len} bytes long but is {} (the file was truncated or extended)",
            body.len()
        )));
    }
    if crc32fast::hash(body) != body_crc {
        return Err(corrupt(format!(
            "the body checksum does not match (offsets {HEADER_LEN} to {}): the file is damaged",
            bytes.len()
        )));
    }
    let bad =
        |e: super::codec::DecodeError| corrupt(format!("at offset {}: {}", e.offset, e.message));
    crate::trace::phase("snapshot: checksum", t0);
    let mut d = Dec::new(body, HEADER_LEN as u64);
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
    let d = d.map_err(|_| corrupt("the decoder thread failed".into()))?;
    if !d.at_end() {
        if let Err(e) = d.err::<()>("data after the last relation") {
            return Err(bad(e));
        }
    }
    Ok((graph, generation))
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

/// Reads and decodes a snapshot file (without its log).
pub(crate) fn read(path: &Path) -> Result<(Graph, u64), DbError> {
    let t0 = std::time::Instant::now();
    let bytes = super::direct::read(path, super::direct::DIRECT_MIN)
        .map_err(|e| io_error(path, "read", e))?;
    crate::trace::phase("snapshot: file read", t0);
    let decoded = decode(path, &bytes)?;
    crate::trace::phase("snapshot: decoded", t0);
    Ok(decoded)
}

/// The temporary file a snapshot is written to before it is renamed.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "graph".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// The directory holding `path` (for fsync after a rename).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Fsyncs a directory, so a rename or a new file in it survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), DbError> {
    // Opening a directory read-only and calling fsync works on Unix; other
    // systems do not need (or allow) it.
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(|e| io_error(dir, "open directory", e))?;
        d.sync_all()
            .map_err(|e| io_error(dir, "sync directory", e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `graph` atomically: a temporary file beside `path`, fsynced, renamed
/// over `path`, then the directory fsynced.
pub(crate) fn write_atomic(graph: &Graph, path: &Path, generation: u64) -> Result<(), DbError> {
    let t0 = std::time::Instant::now();
    let bytes = encode(graph, generation);
    crate::trace::phase("snapshot: encoded", t0);
    let tmp = temp_path(path);
    let result = (|| {
        super::direct::write(&tmp, &bytes, super::direct::DIRECT_MIN)
            .map_err(|e| io_error(&tmp, "write", e))?;
        crate::trace::phase("snapshot: written and synced", t0);
        std::fs::rename(&tmp, path).map_err(|e| io_error(path, "replace", e))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    sync_dir(&parent_dir(path))
}
