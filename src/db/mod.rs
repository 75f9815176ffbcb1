//! Graph files: opening a graph for the CLI and the shell (the built-in seed,
//! a fact file, or a durable graph file), snapshots and the write-ahead log.
//!
//! The API other modules use:
//!
//! ```text
//! kg::db::write_snapshot(graph: &Graph, path: &Path) -> Result<(), DbError>  // atomic: temp + fsync + rename
//! kg::db::read_snapshot(path: &Path) -> Result<Graph, DbError>               // snapshot + its log, read-only
//! kg::db::read_graph(path: Option<&Path>) -> Result<Graph, String>           // seed, fact file or graph file
//! kg::db::Db::open(path: &Path, readonly: bool) -> Result<Opened, DbError>   // a durable session
//! ```
//!
//! # Files
//!
//! A graph `FILE` is a snapshot plus a write-ahead log `FILE.wal` beside it.
//!
//! The snapshot starts with a 40-byte header, integers little-endian:
//! magic `\x89KGSNAP\n` (8 bytes), format version (u32, 1), flags (u32, 0),
//! generation (u64), body length (u64), CRC-32 of the body (u32), CRC-32 of
//! the 36 header bytes before it (u32). The body: a symbol table (count, then
//! length-prefixed UTF-8 strings: labels, relation types, property keys,
//! article names, alias languages), the next entity id and next relation id
//! (ids are never reused), the entities (id, key, labels, properties,
//! aliases, citations) and the relations (id, from, to, type, properties,
//! citations). Numbers are LEB128 varints (signed ones zigzag), floats are
//! 8 bytes, values carry a one-byte tag.
//!
//! The log starts with a 24-byte header: magic `\x89KGWAL\n\0`, version (u32),
//! the generation of the snapshot it continues (u64), CRC-32 of the first 20
//! bytes (u32). Then one record per committed write statement: payload length
//! (u32), CRC-32 of the payload (u32), payload (a count, then the statement's
//! store mutations). A statement is acknowledged only after its record is
//! written and fsynced.
//!
//! Opening replays the log over the snapshot; a torn or damaged tail (a crash
//! mid-write) is dropped with a warning. A checkpoint writes the whole graph
//! to a temporary file, fsyncs it, renames it over `FILE`, fsyncs the
//! directory, then resets the log with the new generation. A log whose
//! generation differs from the snapshot's is stale (a checkpoint was cut
//! short after the rename) and is ignored.
//!
//! A writer holds an exclusive lock on `FILE.wal` for its whole session; a
//! second writer is refused. A read-only session takes a shared lock while it
//! loads, never writes, never checkpoints, and may open a graph another
//! process is writing (it sees the statements committed so far).

mod codec;
mod direct;
pub mod params;
pub mod snapshot;
pub mod wal;

use std::fmt;
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::facts;
use crate::store::{Graph, Mutation};

/// What kind of failure a [`DbError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbErrorKind {
    /// Reading or writing a file failed.
    Io,
    /// The graph file does not exist (and may not be created).
    NotFound,
    /// The file is not a kg graph (or log) at all.
    Foreign,
    /// The file is text (probably a fact file), not a graph.
    FactFile,
    /// The file is a kg file but damaged.
    Corrupt,
    /// The file was written by an incompatible version of kg.
    Version,
    /// Another process has the graph open for writing.
    Locked,
    /// The session is read-only.
    ReadOnly,
}

/// A graph-file error; the message names the file (and offset when useful).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    /// The kind of failure.
    pub kind: DbErrorKind,
    /// The message, ready to print after `kg: `.
    pub message: String,
}

impl DbError {
    /// An error of `kind` with `message`.
    pub fn new(kind: DbErrorKind, message: impl Into<String>) -> DbError {
        DbError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}

impl From<DbError> for String {
    fn from(e: DbError) -> String {
        format!("kg: {e}")
    }
}

/// An I/O error on `path` while doing `what`.
pub(crate) fn io_error(path: &Path, what: &str, e: std::io::Error) -> DbError {
    let kind = if e.kind() == std::io::ErrorKind::NotFound {
        DbErrorKind::NotFound
    } else {
        DbErrorKind::Io
    };
    DbError::new(kind, format!("cannot {what} {}: {e}", path.display()))
}

/// True when the file at `path` starts with the snapshot magic bytes.
pub fn is_snapshot(path: &Path) -> bool {
    let mut head = [0u8; 8];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| head == snapshot::MAGIC)
}

/// Writes `graph` to `path` as a snapshot, atomically (temporary file, fsync,
/// rename, directory fsync). An existing file that is not a kg graph is never
/// overwritten; a graph another process has open for writing is refused. A
/// stale log beside `path` is removed.
pub fn write_snapshot(graph: &Graph, path: &Path) -> Result<(), DbError> {
    if let Some(e) = refuse_overwrite(path) {
        return Err(e);
    }
    let wal_path = wal::path_for(path);
    let lock = match File::options().read(true).write(true).open(&wal_path) {
        Ok(f) => {
            lock_exclusive(&f, path)?;
            Some(f)
        }
        Err(_) => None,
    };
    snapshot::write_atomic(graph, path, fresh_generation())?;
    if lock.is_some() {
        // The log belonged to the previous content; its generation no longer
        // matches, so it would be ignored anyway.
        let _ = std::fs::remove_file(&wal_path);
    }
    Ok(())
}

/// An error when `path` exists and holds something other than a kg snapshot
/// (an empty file may be overwritten).
fn refuse_overwrite(path: &Path) -> Option<DbError> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_dir() {
        return Some(DbError::new(
            DbErrorKind::Foreign,
            format!("{} is a directory", path.display()),
        ));
    }
    if meta.len() == 0 {
        return None;
    }
    let mut head = vec![0u8; 4096];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    head.truncate(n);
    snapshot::foreign(path, &head).map(|e| {
        DbError::new(
            e.kind,
            format!("refusing to overwrite {}: {}", path.display(), e.message),
        )
    })
}

/// Reads a graph file (its snapshot with its log replayed) without writing
/// anything. Warnings (a dropped log tail) go to standard error.
pub fn read_snapshot(path: &Path) -> Result<Graph, DbError> {
    let opened = Db::open(path, true)?;
    for w in &opened.warnings {
        eprintln!("kg: warning: {w}");
    }
    Ok(opened.graph)
}

/// Loads a graph for reading: the built-in seed when `path` is `None`, a
/// graph file (snapshot and log, read-only) when `path` starts with the
/// snapshot header, otherwise the fact file at `path`. Errors are ready to
/// print.
pub fn read_graph(path: Option<&Path>) -> Result<Graph, String> {
    match path {
        None => facts::load_named(facts::SEED_NAME, facts::SEED),
        Some(p) if is_snapshot(p) => read_snapshot(p).map_err(String::from),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("kg: cannot read {}: {e}", p.display()))?;
            facts::load_named(&p.display().to_string(), &text)
        }
    }
}

/// Decodes a snapshot file's bytes into a graph, as opening a graph file
/// would (for fuzzing and tools).
pub fn decode_snapshot_bytes(bytes: &[u8]) -> Result<Graph, DbError> {
    snapshot::decode(Path::new("<bytes>"), bytes).map(|(g, _)| g)
}

/// Reads a write-ahead log's bytes as opening would, without a snapshot:
/// returns how many statement records it holds (for fuzzing and tools).
pub fn decode_log_bytes(bytes: &[u8]) -> Result<usize, DbError> {
    wal::decode_standalone(Path::new("<bytes>"), bytes)
}

/// A generation number for a snapshot that continues no log.
fn fresh_generation() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(nanos);
    h.write_u32(std::process::id());
    h.finish()
}

fn lock_exclusive(f: &File, graph: &Path) -> Result<(), DbError> {
    match f.try_lock() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(DbError::new(
            DbErrorKind::Locked,
            format!(
                "{} is locked: another kg process has it open for writing \
                 (add --readonly to read it anyway)",
                graph.display()
            ),
        )),
        Err(TryLockError::Error(e)) => Err(io_error(graph, "lock", e)),
    }
}

/// The default log size that triggers a checkpoint.
pub const DEFAULT_CHECKPOINT_BYTES: u64 = 64 << 20;

/// An open graph file: where it is, its log, and (for writers) the lock.
#[derive(Debug)]
pub struct Db {
    path: PathBuf,
    wal_path: PathBuf,
    /// The log, open for appending and locked; `None` when read-only.
    wal: Option<File>,
    generation: u64,
    wal_len: u64,
    /// A checkpoint runs when the log grows past this many bytes.
    pub checkpoint_bytes: u64,
    /// Set when the log can no longer be trusted (a failed reset); writes are refused.
    broken: Option<String>,
}

/// A graph file just opened: the session handle, the graph, and warnings
/// to show the user (a dropped log tail, a stale log).
#[derive(Debug)]
pub struct Opened {
    /// The handle (log, lock).
    pub db: Db,
    /// The graph: the snapshot with the log replayed.
    pub graph: Graph,
    /// Things the user should know, without the `kg: warning:` prefix.
    pub warnings: Vec<String>,
    /// True when the file did not exist and was created empty.
    pub created: bool,
}

impl Db {
    /// Opens (or, unless `readonly`, creates) the graph file at `path`.
    ///
    /// A writer locks the log exclusively, drops a torn log tail from the
    /// file and resets a stale log. A reader changes nothing on disk.
    pub fn open(path: &Path, readonly: bool) -> Result<Opened, DbError> {
        let wal_path = wal::path_for(path);
        let exists = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(DbError::new(
                    DbErrorKind::Foreign,
                    format!("{} is a directory, not a graph file", path.display()),
                ))
            }
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_error(path, "open", e)),
        };
        if exists {
            // Refuse foreign files before creating anything beside them.
            let mut head = vec![0u8; 4096];
            let mut f = File::open(path).map_err(|e| io_error(path, "open", e))?;
            let n = read_up_to(&mut f, &mut head).map_err(|e| io_error(path, "read", e))?;
            head.truncate(n);
            if let Some(e) = snapshot::foreign(path, &head) {
                return Err(e);
            }
        } else if readonly {
            return Err(DbError::new(
                DbErrorKind::NotFound,
                format!(
                    "{} does not exist (a read-only session cannot create it)",
                    path.display()
                ),
            ));
        }
        if readonly {
            return Self::open_reader(path, wal_path);
        }
        let mut wal = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&wal_path)
            .map_err(|e| io_error(&wal_path, "open", e))?;
        lock_exclusive(&wal, path)?;
        let mut warnings = Vec::new();
        let created = !path.exists();
        let (mut graph, generation) = if created {
            let g = Graph::new();
            let generation = fresh_generation();
            snapshot::write_atomic(&g, path, generation)?;
            (g, generation)
        } else {
            snapshot::read(path)?
        };
        let mut bytes = Vec::new();
        wal.read_to_end(&mut bytes)
            .map_err(|e| io_error(&wal_path, "read", e))?;
        let scan = wal::scan(&wal_path, &bytes, generation)?;
        replay(&mut graph, &wal_path, &scan)?;
        warnings.extend(scan.warnings);
        let wal_len = if scan.good_len < wal::HEADER_LEN {
            // Empty, torn header or stale: start a fresh log for this generation.
            reset_log(&mut wal, &wal_path, generation)?;
            snapshot::sync_dir(&snapshot::parent_dir(path))?;
            wal::HEADER_LEN
        } else {
            if scan.good_len < bytes.len() as u64 {
                wal.set_len(scan.good_len)
                    .and_then(|_| wal.sync_all())
                    .map_err(|e| io_error(&wal_path, "truncate", e))?;
            }
            scan.good_len
        };
        Ok(Opened {
            db: Db {
                path: path.to_path_buf(),
                wal_path,
                wal: Some(wal),
                generation,
                wal_len,
                checkpoint_bytes: DEFAULT_CHECKPOINT_BYTES,
                broken: None,
            },
            graph,
            warnings,
            created,
        })
    }

    fn open_reader(path: &Path, wal_path: PathBuf) -> Result<Opened, DbError> {
        let mut warnings = Vec::new();
        // A shared lock while loading, when no writer holds the graph; with a
        // writer active the committed prefix of its log is read all the same.
        let wal = File::open(&wal_path).ok();
        if let Some(f) = &wal {
            if let Err(TryLockError::WouldBlock) = f.try_lock_shared() {
                warnings.push(format!(
                    "{} is open for writing by another process; reading the statements it has committed so far",
                    path.display()
                ));
            }
        }
        let (mut graph, generation) = snapshot::read(path)?;
        if let Some(mut f) = wal {
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes)
                .map_err(|e| io_error(&wal_path, "read", e))?;
            let scan = wal::scan(&wal_path, &bytes, generation)?;
            replay(&mut graph, &wal_path, &scan)?;
            warnings.extend(scan.warnings);
        }
        Ok(Opened {
            db: Db {
                path: path.to_path_buf(),
                wal_path,
                wal: None,
                generation,
                wal_len: 0,
                checkpoint_bytes: DEFAULT_CHECKPOINT_BYTES,
                broken: None,
            },
            graph,
            warnings,
            created: false,
        })
    }

    /// The graph file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log's path (`FILE.wal`).
    pub fn wal_path(&self) -> &Path {
        &self.wal_path
    }

    /// True for a read-only session.
    pub fn is_readonly(&self) -> bool {
        self.wal.is_none()
    }

    /// The log's length in bytes (header included; 0 when read-only).
    pub fn wal_len(&self) -> u64 {
        self.wal_len
    }

    /// True when the log holds statements not yet in the snapshot.
    pub fn has_unsaved_log(&self) -> bool {
        self.wal.is_some() && self.wal_len > wal::HEADER_LEN
    }

    /// True when the log has grown past [`Db::checkpoint_bytes`].
    pub fn needs_checkpoint(&self) -> bool {
        self.wal.is_some() && self.wal_len > self.checkpoint_bytes
    }

    /// Appends one committed statement's mutations to the log and fsyncs it.
    /// Only after this returns may the statement be reported as done. On
    /// failure the log is cut back to its previous length.
    pub fn log(&mut self, mutations: &[Mutation]) -> Result<(), DbError> {
        if mutations.is_empty() {
            return Ok(());
        }
        if let Some(why) = &self.broken {
            return Err(DbError::new(DbErrorKind::Io, why.clone()));
        }
        let Some(wal) = self.wal.as_mut() else {
            return Err(DbError::new(
                DbErrorKind::ReadOnly,
                format!("{} is open read-only", self.path.display()),
            ));
        };
        let rec = wal::record(mutations);
        let result = wal
            .seek(SeekFrom::Start(self.wal_len))
            .and_then(|_| wal.write_all(&rec))
            .and_then(|_| wal.sync_data());
        match result {
            Ok(()) => {
                self.wal_len += rec.len() as u64;
                Ok(())
            }
            Err(e) => {
                let _ = wal.set_len(self.wal_len);
                let _ = wal.sync_data();
                Err(io_error(&self.wal_path, "write", e))
            }
        }
    }

    /// Writes the whole graph as a new snapshot (atomically) and resets the log.
    pub fn checkpoint(&mut self, graph: &Graph) -> Result<(), DbError> {
        if let Some(why) = &self.broken {
            return Err(DbError::new(DbErrorKind::Io, why.clone()));
        }
        let Some(wal) = self.wal.as_mut() else {
            return Err(DbError::new(
                DbErrorKind::ReadOnly,
                format!("{} is open read-only", self.path.display()),
            ));
        };
        let next = self.generation.wrapping_add(1);
        snapshot::write_atomic(graph, &self.path, next)?;
        // From here the snapshot holds everything; the old log is stale.
        self.generation = next;
        if let Err(e) = reset_log(wal, &self.wal_path, next) {
            let why = format!(
                "{}; the graph file is safe but further writes are refused",
                e.message
            );
            self.broken = Some(why.clone());
            return Err(DbError::new(e.kind, why));
        }
        self.wal_len = wal::HEADER_LEN;
        Ok(())
    }
}

/// Empties the log and writes a header for `generation`, fsynced.
fn reset_log(wal: &mut File, wal_path: &Path, generation: u64) -> Result<(), DbError> {
    wal.set_len(0)
        .and_then(|_| wal.seek(SeekFrom::Start(0)))
        .and_then(|_| wal.write_all(&wal::header(generation)))
        .and_then(|_| wal.sync_all())
        .map_err(|e| io_error(wal_path, "reset", e))
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Redoes the log's records over the snapshot.
fn replay(graph: &mut Graph, wal_path: &Path, scan: &wal::Scan) -> Result<(), DbError> {
    for (offset, mutations) in &scan.records {
        for m in mutations {
            graph.apply(m).map_err(|e| {
                DbError::new(
                    DbErrorKind::Corrupt,
                    format!(
                        "{}: the record at offset {offset} does not fit the snapshot ({e}); \
                         the log does not belong to this graph",
                        wal_path.display()
                    ),
                )
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
