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
//! A graph `FILE` is a snapshot plus a write-ahead log `FILE.wal` beside it
//! (beside the real file when `FILE` is a symbolic link). Only regular
//! files are read or replaced; FIFOs, devices and directories are refused.
//!
//! The snapshot starts with a 64-byte header, integers little-endian:
//! magic `\x89KGSNAP\n` (8 bytes), format version (u32, 2), flags (u32, 0),
//! generation (u64, random for every snapshot written), body length (u64),
//! CRC-32 of the body (u32), then the snapshot whose log this one absorbed
//! (its body CRC u32 and generation u64), the sequence number of the last
//! log record it holds (u64), whether it has such a parent (u32), and the
//! CRC-32 of the 60 header bytes before it (u32). The body: a symbol table
//! (count, then length-prefixed UTF-8 strings: labels, relation types,
//! property keys, article names, alias languages), the next entity id and
//! next relation id (ids are never reused), the entities (id, key, labels,
//! properties, aliases, citations) and the relations (id, from, to, type,
//! properties, citations). Numbers are LEB128 varints (signed ones zigzag),
//! floats are 8 bytes, values carry a one-byte tag. A graph with declared
//! property indexes is written as format version 3: version 2 with, after
//! the relations, the count of index definitions and each one (name,
//! nodes 0 / relationships 1, label or type, property); their contents are
//! rebuilt on opening. Version 1 files (a
//! 40-byte header without the parent) are read and rewritten as version 2
//! by the first session that opens them for writing.
//!
//! The log names the snapshot it continues (generation and body CRC) and
//! holds one record per committed write statement, numbered, with a
//! checksum of the record's frame and of its payload (see [`wal`]). A
//! statement is acknowledged only after its record is written and fsynced.
//!
//! # Opening
//!
//! Opening replays the log over the snapshot when the log continues that
//! snapshot, or, when it continues the snapshot's parent (a checkpoint was
//! cut short between replacing the snapshot and starting a new log), the
//! records numbered after the last one the snapshot holds. A log that
//! belongs to neither, and holds records, is refused with both files left
//! as they are; so is a log whose graph file is missing.
//!
//! A torn tail (an incomplete last record, from a crash while appending) is
//! dropped with a warning. Damage (a checksum mismatch over complete data,
//! a record out of sequence, a damaged header with records after it) is
//! never dropped: a writer refuses to open the graph, naming the file and
//! offset, and changes nothing; a reader shows the graph up to the damage
//! with a warning.
//!
//! # Checkpoints
//!
//! A checkpoint writes the whole graph to a temporary file beside the real
//! one, fsyncs it, locks it, renames it over `FILE` and fsyncs the
//! directory; then a new, empty log for the new snapshot is written the
//! same way (temporary file, rename) over `FILE.wal`.
//!
//! # Locks
//!
//! A writer holds an exclusive lock on the graph file itself (its inode,
//! so every name and link of it shares the lock; a checkpoint's new file is
//! locked before it replaces the old) for its whole session; a second
//! writer is refused. A graph file with several hard links is refused for
//! writing (a checkpoint would split them). Readers take no lock: they read
//! the log, then the snapshot (a checkpoint in between leaves a snapshot
//! that absorbed the log read), and start over when two checkpoints came
//! in between, so they only ever see a committed state.

mod codec;
mod direct;
pub(crate) mod fault;
mod file;
pub mod params;
pub mod snapshot;
pub mod wal;

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::facts;
use crate::store::{Graph, Mutation};

use fault::Op;
use file::Resolved;
use snapshot::{Header, Lineage, SnapId};
use wal::{End, Log};

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
    // A user names the graph, not its log: say whose log it is.
    let shown = match path.to_str().and_then(|p| p.strip_suffix(".wal")) {
        Some(graph) => format!("the log of graph {graph} ({})", path.display()),
        None => path.display().to_string(),
    };
    let hint = match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            " (to read the graph without writing to it, add --readonly)"
        }
        _ => "",
    };
    DbError::new(kind, format!("cannot {what} {shown}: {e}{hint}"))
}

/// True when `path` is a regular file that starts with the snapshot magic
/// bytes (anything else, a FIFO included, is never opened for this).
pub fn is_snapshot(path: &Path) -> bool {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = [0u8; 8];
    file::open_regular(path, path)
        .ok()
        .is_some_and(|mut f| f.read_exact(&mut head).is_ok() && head == snapshot::MAGIC)
}

/// Writes `graph` to `path` as a new snapshot, atomically (temporary file,
/// fsync, rename, directory fsync). Only a kg graph file, an empty regular
/// file or a new path is replaced (never a FIFO, a device or another kind of
/// file); a graph another process has open for writing is refused. The log
/// of the graph it replaces is retired with it.
pub fn write_snapshot(graph: &Graph, path: &Path) -> Result<(), DbError> {
    let target = file::resolve(path)?;
    let wal_path = wal::path_for(&target.real);
    let mut lineage = Lineage::default();
    let mut _lock = None;
    if target.exists {
        let mut f = file::open_regular(&target.real, path)?;
        if let Some(e) = not_a_graph(path, &mut f)? {
            return Err(DbError::new(
                e.kind,
                format!("refusing to overwrite {}: {}", path.display(), e.message),
            ));
        }
        _lock = Some(file::lock_graph(&target.real, path)?);
    }
    let mut retire_log = false;
    if let Some(log) = read_log(&wal_path)? {
        if log.is_empty() {
            retire_log = true;
        } else if !target.exists {
            return Err(orphan_log(path, &wal_path, &log));
        } else if let (End::Clean | End::Torn { .. }, Some(c)) = (&log.end, log.continues) {
            // The new snapshot supersedes every record of the old log, so a
            // crash before the log is removed leaves a consistent pair.
            lineage = Lineage {
                parent: Some(SnapId {
                    generation: c.generation,
                    crc: c.crc.unwrap_or(0),
                }),
                lsn: log.last_lsn().unwrap_or(0),
            };
            retire_log = true;
        } else {
            // A damaged log of the graph being replaced: it goes first.
            file::remove(&wal_path).map_err(|e| io_error(&wal_path, "remove", e))?;
        }
    }
    let written = snapshot::write_atomic(graph, &target, path, fresh_generation(), lineage, false)
        .map_err(|f| f.error)?;
    if retire_log {
        file::remove(&wal_path).map_err(|e| io_error(&wal_path, "remove", e))?;
        file::sync_dir(&snapshot::parent_dir(&target.real))?;
    }
    drop(written.lock);
    Ok(())
}

/// Why the open file `f` (at `path`) is not a kg graph file, judged by its
/// first bytes; `None` for a snapshot or an empty file.
fn not_a_graph(path: &Path, f: &mut File) -> Result<Option<DbError>, DbError> {
    let mut head = vec![0u8; 4096];
    let n = read_up_to(f, &mut head).map_err(|e| io_error(path, "read", e))?;
    if n == 0 {
        return Ok(None);
    }
    head.truncate(n);
    Ok(snapshot::foreign(path, &head))
}

/// Reads a graph file (its snapshot with its log replayed) without writing
/// anything. Warnings (damage in the log) go to standard error.
pub fn read_snapshot(path: &Path) -> Result<Graph, DbError> {
    let opened = Db::open(path, true)?;
    for w in &opened.warnings {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "kg: warning: {w}");
    }
    Ok(opened.graph)
}

/// Loads a graph for reading: the built-in seed when `path` is `None`, a
/// graph file (snapshot and log, read-only) when `path` starts with the
/// snapshot header, otherwise the fact file at `path`. Only regular files
/// are read. Errors are ready to print.
pub fn read_graph(path: Option<&Path>) -> Result<Graph, String> {
    match path {
        None => facts::load_named(facts::SEED_NAME, facts::SEED),
        Some(p) if is_snapshot(p) => read_snapshot(p).map_err(String::from),
        Some(p) => {
            let meta = std::fs::metadata(p)
                .map_err(|e| format!("kg: cannot read {}: {e}", p.display()))?;
            file::require_regular(p, &meta).map_err(String::from)?;
            let mut f = file::open_regular(p, p).map_err(String::from)?;
            let bytes = file::read_all(&mut f, p).map_err(String::from)?;
            let text = String::from_utf8(bytes).map_err(|e| {
                format!(
                    "kg: {} is neither a kg graph file nor a fact file (not UTF-8 text at byte {})",
                    p.display(),
                    e.utf8_error().valid_up_to()
                )
            })?;
            facts::load_named(&p.display().to_string(), &text)
        }
    }
}

/// Decodes a snapshot file's bytes into a graph, as opening a graph file
/// would (for fuzzing and tools).
pub fn decode_snapshot_bytes(bytes: &[u8]) -> Result<Graph, DbError> {
    snapshot::decode(Path::new("<bytes>"), bytes).map(|(g, _)| g)
}

/// `body` behind a snapshot header whose lengths and checksums match it
/// (for fuzzing the body decoder past the checksums).
pub fn snapshot_with_body(body: &[u8]) -> Vec<u8> {
    let h = snapshot::header(
        1,
        Lineage::default(),
        body.len() as u64,
        crc32fast::hash(body),
    );
    let mut out = Vec::with_capacity(h.len() + body.len());
    out.extend_from_slice(&h);
    out.extend_from_slice(body);
    out
}

/// A write-ahead log whose records carry `payloads`, with valid headers,
/// sequence numbers and checksums (for fuzzing the record decoder past the
/// checksums).
pub fn log_with_payloads(payloads: &[&[u8]]) -> Vec<u8> {
    wal::with_payloads(
        SnapId {
            generation: 1,
            crc: 0,
        },
        payloads,
    )
}

/// Reads a write-ahead log's bytes as opening would, without a snapshot:
/// returns how many whole statement records it holds (for fuzzing and
/// tools).
pub fn decode_log_bytes(bytes: &[u8]) -> Result<usize, DbError> {
    wal::decode_standalone(Path::new("<bytes>"), bytes)
}

/// A generation number for a new snapshot: random, so that no two
/// snapshots (and the logs that continue them) share one.
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

/// The default log size that triggers a checkpoint.
pub const DEFAULT_CHECKPOINT_BYTES: u64 = 64 << 20;

/// An open graph file: where it is, its log, and (for writers) the lock.
#[derive(Debug)]
pub struct Db {
    /// The path as the user gave it (for messages).
    path: PathBuf,
    /// The real path of the graph file (links resolved).
    real: PathBuf,
    wal_path: PathBuf,
    /// The graph file, locked exclusively; `None` when read-only.
    lock: Option<File>,
    /// The log, open for appending; `None` when read-only.
    wal: Option<File>,
    /// The snapshot the log on disk continues.
    continues: SnapId,
    /// The snapshot now in the graph file.
    snapshot: SnapId,
    /// The sequence number the next record gets.
    next_lsn: u64,
    wal_len: u64,
    /// A checkpoint runs when the log grows past this many bytes.
    pub checkpoint_bytes: u64,
    /// Set when the log can no longer be trusted; writes are refused.
    broken: Option<String>,
    /// The graph file is in an older format: rewrite it at the next
    /// checkpoint.
    upgrade: bool,
}

/// A graph file just opened: the session handle, the graph, and warnings
/// to show the user (a dropped torn tail, damage seen by a reader).
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

/// How a log relates to the snapshot beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// No log, or one with nothing in it.
    Empty,
    /// It continues this snapshot: every record applies.
    Continues,
    /// It continues the snapshot this one replaced: the records numbered
    /// after the snapshot's own number apply.
    ContinuesParent,
    /// It has no records and continues another snapshot (a writer may
    /// replace it; a reader that sees it has raced a checkpoint).
    Unrelated,
}

/// What opening found: which records to apply, and how the log ends.
struct Recovery {
    relation: Relation,
    /// Records numbered up to this are in the snapshot already.
    after_lsn: u64,
}

/// Decides how `log` (beside the snapshot with `header`) is recovered, or
/// why it cannot be: a log that belongs to another snapshot, or whose
/// numbers do not follow the snapshot's, is refused.
fn recovery(
    shown: &Path,
    wal_path: &Path,
    header: &Header,
    log: Option<&Log>,
) -> Result<Recovery, DbError> {
    let after_lsn = header.lineage.lsn;
    let Some(log) = log else {
        return Ok(Recovery {
            relation: Relation::Empty,
            after_lsn,
        });
    };
    let relation = match log.continues {
        Some(c) if c.is(header.id) => Relation::Continues,
        Some(c) if header.lineage.parent.is_some_and(|p| c.is(p)) => Relation::ContinuesParent,
        Some(_) if log.records.is_empty() => Relation::Unrelated,
        Some(c) => {
            return Err(DbError::new(
                DbErrorKind::Corrupt,
                format!(
                    "{} does not belong to {}: the log continues the snapshot of generation {:016x}, \
                     the graph file is generation {:016x}{}; the log holds {} statement(s) that are not \
                     in the graph file. kg has changed neither file. If the graph file was restored \
                     from an older copy, put back the copy that goes with this log (or move the log \
                     away, losing those statements).",
                    wal_path.display(),
                    shown.display(),
                    c.generation,
                    header.id.generation,
                    match header.lineage.parent {
                        Some(p) => format!(" (made from generation {:016x})", p.generation),
                        None => String::new(),
                    },
                    log.records.len()
                ),
            ))
        }
        None => Relation::Empty,
    };
    // Sequence numbers must follow on from the snapshot's.
    let first_new = log.records.iter().find(|r| r.lsn > after_lsn);
    let gap = match relation {
        Relation::Continues => log.records.first().is_some_and(|r| r.lsn != after_lsn + 1),
        Relation::ContinuesParent => first_new.is_some_and(|r| r.lsn != after_lsn + 1),
        Relation::Empty | Relation::Unrelated => false,
    };
    if gap {
        let r = first_new.or(log.records.first());
        return Err(DbError::new(
            DbErrorKind::Corrupt,
            format!(
                "{}: the record at offset {} is number {}, but {} holds the statements up to number {}: \
                 the log does not follow the graph file. kg has changed neither file.",
                wal_path.display(),
                r.map_or(0, |r| r.offset),
                r.map_or(0, |r| r.lsn),
                shown.display(),
                after_lsn
            ),
        ));
    }
    Ok(Recovery {
        relation,
        after_lsn,
    })
}

/// The error for a log damaged at `offset`, for a writer.
fn damaged(shown: &Path, wal_path: &Path, log: &Log, offset: u64, what: &str) -> DbError {
    let rest = log.file_len.saturating_sub(offset);
    DbError::new(
        DbErrorKind::Corrupt,
        format!(
            "{} is damaged at offset {offset}: {what}; the {} statement(s) before it are intact, \
             {rest} byte(s) from there on cannot be trusted{}. kg will not open {} for writing \
             and has changed neither file: `kg --readonly {}` shows the graph as of the last intact \
             statement (to export it), or restore both files from a backup.",
            wal_path.display(),
            log.records.len(),
            match log.intact_after {
                0 => String::new(),
                n => format!(" (the damage is not at the end: {n} whole statement(s) follow it)"),
            },
            shown.display(),
            shown.display()
        ),
    )
}

/// The error for a log whose graph file is gone.
fn orphan_log(shown: &Path, wal_path: &Path, log: &Log) -> DbError {
    DbError::new(
        DbErrorKind::NotFound,
        format!(
            "{} does not exist, but its log {} does and holds {} statement(s){}: kg will not \
             start a new graph over it. Restore the graph file, or move the log away to start a \
             new graph.",
            shown.display(),
            wal_path.display(),
            log.records.len(),
            if matches!(log.end, End::Damaged { .. }) {
                " and damaged data"
            } else {
                ""
            }
        ),
    )
}

/// Reads the log at `wal_path`: `None` when there is none. Only a regular
/// file (not a link, a FIFO or a device) is read.
fn read_log(wal_path: &Path) -> Result<Option<Log>, DbError> {
    match std::fs::symlink_metadata(wal_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(wal_path, "open", e)),
        Ok(meta) => {
            file::require_regular(wal_path, &meta)?;
            let mut f = file::open_regular(wal_path, wal_path)?;
            let bytes = file::read_all(&mut f, wal_path)?;
            wal::read(wal_path, &bytes).map(Some)
        }
    }
}

/// Applies the records of `log` numbered after `after_lsn` to `graph`.
fn replay(graph: &mut Graph, wal_path: &Path, log: &Log, after_lsn: u64) -> Result<(), DbError> {
    for r in log.records.iter().filter(|r| r.lsn > after_lsn) {
        for m in &r.mutations {
            graph.apply(m).map_err(|e| {
                DbError::new(
                    DbErrorKind::Corrupt,
                    format!(
                        "{}: the record at offset {} does not fit the graph file ({e}); \
                         kg has changed neither file",
                        wal_path.display(),
                        r.offset
                    ),
                )
            })?;
        }
    }
    Ok(())
}

/// A new, empty log for snapshot `snap`, put in place atomically
/// (temporary file, fsync, rename, directory fsync). On failure, says
/// whether the new log replaced the old one (only the directory fsync
/// failed) and hands over its handle.
fn new_log(wal_path: &Path, snap: SnapId) -> Result<File, (DbError, Option<File>)> {
    let tmp = file::temp_path(wal_path);
    let f = match file::write_new(&tmp, &wal::header(snap)) {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err((io_error(wal_path, "write a new", e), None));
        }
    };
    if let Err(e) = file::rename(&tmp, wal_path) {
        let _ = std::fs::remove_file(&tmp);
        return Err((io_error(wal_path, "replace", e), None));
    }
    match file::sync_dir(&snapshot::parent_dir(wal_path)) {
        Ok(()) => Ok(f),
        Err(e) => Err((e, Some(f))),
    }
}

impl Db {
    /// Opens (or, unless `readonly`, creates) the graph file at `path`.
    ///
    /// A writer locks the graph file, drops a torn log tail and refuses a
    /// damaged or foreign log; a reader changes nothing on disk. See the
    /// module documentation for the rules.
    pub fn open(path: &Path, readonly: bool) -> Result<Opened, DbError> {
        let target = file::resolve(path)?;
        let wal_path = wal::path_for(&target.real);
        if !target.exists {
            if readonly {
                return Err(DbError::new(
                    DbErrorKind::NotFound,
                    format!(
                        "{} does not exist (a read-only session cannot create it)",
                        path.display()
                    ),
                ));
            }
            return Self::create(path, target, wal_path);
        }
        // Refuse foreign files before locking or reading all of them.
        if let Some(e) = not_a_graph(path, &mut file::open_regular(&target.real, path)?)? {
            return Err(e);
        }
        if readonly {
            return Self::open_reader(path, &target, wal_path);
        }
        let lock = file::lock_graph(&target.real, path)?;
        let links = file::link_count(&lock);
        if links > 1 {
            return Err(DbError::new(
                DbErrorKind::Locked,
                format!(
                    "{} has {links} hard links: a checkpoint replaces the file, which would split \
                     them into different graphs; open it with --readonly, or give it a single name",
                    path.display()
                ),
            ));
        }
        let (mut graph, header) = snapshot::read(&target.real, path)?;
        let log = read_log(&wal_path)?;
        let plan = recovery(path, &wal_path, &header, log.as_ref())?;
        let mut warnings = Vec::new();
        if let Some(log) = &log {
            if let End::Damaged { offset, what } = &log.end {
                return Err(damaged(path, &wal_path, log, *offset, what));
            }
            replay(&mut graph, &wal_path, log, plan.after_lsn)?;
        }
        let mut db = Db {
            path: path.to_path_buf(),
            real: target.real.clone(),
            wal_path: wal_path.clone(),
            lock: Some(lock),
            wal: None,
            continues: header.id,
            snapshot: header.id,
            next_lsn: header.lineage.lsn + 1,
            wal_len: wal::HEADER_LEN,
            checkpoint_bytes: DEFAULT_CHECKPOINT_BYTES,
            broken: None,
            upgrade: header.version < snapshot::VERSION,
        };
        let keep = log.as_ref().filter(|log| {
            log.version == wal::VERSION
                && match plan.relation {
                    Relation::Continues => true,
                    Relation::ContinuesParent => log.last_lsn() > Some(plan.after_lsn),
                    Relation::Empty | Relation::Unrelated => false,
                }
        });
        match keep {
            Some(log) => {
                let f = File::options()
                    .read(true)
                    .write(true)
                    .open(&wal_path)
                    .map_err(|e| io_error(&wal_path, "open", e))?;
                if let End::Torn { offset, what } = &log.end {
                    fault::point(Op::Truncate)
                        .and_then(|()| f.set_len(log.good_len))
                        .and_then(|()| f.sync_all())
                        .map_err(|e| io_error(&wal_path, "cut the torn tail of", e))?;
                    warnings.push(format!(
                        "{}: dropped {} byte(s) at offset {offset}: {what} (the last write was cut \
                         short, e.g. by a crash); every statement before it is kept",
                        wal_path.display(),
                        log.file_len - offset
                    ));
                }
                if plan.relation == Relation::ContinuesParent {
                    if let Some(c) = log.continues {
                        db.continues = SnapId {
                            generation: c.generation,
                            crc: c.crc.unwrap_or(0),
                        };
                    }
                }
                db.next_lsn = log.last_lsn().map_or(db.next_lsn, |l| l + 1);
                db.wal_len = log.good_len;
                db.wal = Some(f);
            }
            None => {
                let has_records = log
                    .as_ref()
                    .is_some_and(|l| l.records.iter().any(|r| r.lsn > plan.after_lsn));
                if has_records {
                    // An older log format with statements to keep: the
                    // snapshot takes them in before a new log starts.
                    db.upgrade = true;
                    let written = snapshot::write_atomic(
                        &graph,
                        &target,
                        path,
                        fresh_generation(),
                        Lineage {
                            parent: Some(header.id),
                            lsn: log.as_ref().and_then(|l| l.last_lsn()).unwrap_or(0),
                        },
                        false,
                    )
                    .map_err(|f| f.error)?;
                    db.lock = Some(written.lock);
                    db.snapshot = written.id;
                    db.continues = written.id;
                    db.upgrade = false;
                    db.next_lsn = log.as_ref().and_then(|l| l.last_lsn()).unwrap_or(0) + 1;
                }
                let f = new_log(&wal_path, db.snapshot).map_err(|(e, _)| e)?;
                db.continues = db.snapshot;
                db.wal = Some(f);
            }
        }
        Ok(Opened {
            db,
            graph,
            warnings,
            created: false,
        })
    }

    /// Creates a new, empty graph file (and its log) at `target`.
    fn create(path: &Path, target: Resolved, wal_path: PathBuf) -> Result<Opened, DbError> {
        if let Some(log) = read_log(&wal_path)? {
            if !log.is_empty() {
                return Err(orphan_log(path, &wal_path, &log));
            }
        }
        let graph = Graph::new();
        let written = snapshot::write_atomic(
            &graph,
            &target,
            path,
            fresh_generation(),
            Lineage::default(),
            true,
        )
        .map_err(|f| f.error)?;
        let f = match new_log(&wal_path, written.id) {
            Ok(f) => f,
            Err((e, _)) => {
                // Leave nothing half made: the new graph goes again.
                let _ = std::fs::remove_file(&target.real);
                let _ = std::fs::remove_file(&wal_path);
                return Err(e);
            }
        };
        Ok(Opened {
            db: Db {
                path: path.to_path_buf(),
                real: target.real,
                wal_path,
                lock: Some(written.lock),
                wal: Some(f),
                continues: written.id,
                snapshot: written.id,
                next_lsn: 1,
                wal_len: wal::HEADER_LEN,
                checkpoint_bytes: DEFAULT_CHECKPOINT_BYTES,
                broken: None,
                upgrade: false,
            },
            graph,
            warnings: Vec::new(),
            created: true,
        })
    }

    /// Opens for reading: the log, then the snapshot; when checkpoints of a
    /// writer made the two not fit, over again, so that only a committed
    /// state is ever seen.
    fn open_reader(path: &Path, target: &Resolved, wal_path: PathBuf) -> Result<Opened, DbError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The log first: a checkpoint that comes between the two reads
            // leaves a snapshot that absorbed this log (its parent), which
            // is consistent; only two checkpoints in between need a retry.
            let before = file::identity(&target.real);
            let log = read_log(&wal_path)?;
            let (mut graph, header) = snapshot::read(&target.real, path)?;
            let raced = || {
                let again = attempt < 100 && file::identity(&target.real) != before;
                if again {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                again
            };
            let plan = match recovery(path, &wal_path, &header, log.as_ref()) {
                Ok(p) if p.relation == Relation::Unrelated && raced() => continue,
                Ok(p) => p,
                Err(_) if raced() => continue,
                Err(e) => return Err(e),
            };
            let mut warnings = Vec::new();
            if let Some(log) = &log {
                if let End::Damaged { offset, what } = &log.end {
                    warnings.push(format!(
                        "{} is damaged at offset {offset}: {what}; showing the graph as of the last \
                         intact statement ({} of the log's statements); opening it for writing is \
                         refused until the damage is dealt with",
                        wal_path.display(),
                        log.records.len()
                    ));
                }
                replay(&mut graph, &wal_path, log, plan.after_lsn)?;
            }
            return Ok(Opened {
                db: Db {
                    path: path.to_path_buf(),
                    real: target.real.clone(),
                    wal_path,
                    lock: None,
                    wal: None,
                    continues: header.id,
                    snapshot: header.id,
                    next_lsn: header.lineage.lsn + 1,
                    wal_len: 0,
                    checkpoint_bytes: DEFAULT_CHECKPOINT_BYTES,
                    broken: None,
                    upgrade: false,
                },
                graph,
                warnings,
                created: false,
            });
        }
    }

    /// The graph file's path (as given when it was opened).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The graph file's real path (symbolic links resolved).
    pub fn real_path(&self) -> &Path {
        &self.real
    }

    /// The log's path (`FILE.wal`, beside the real file).
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

    /// True when the graph file does not yet hold everything: the log has
    /// statements, or the file is in an older format.
    pub fn has_unsaved_log(&self) -> bool {
        self.wal.is_some()
            && (self.wal_len > wal::HEADER_LEN || self.upgrade || self.continues != self.snapshot)
    }

    /// True when the log has grown past [`Db::checkpoint_bytes`].
    pub fn needs_checkpoint(&self) -> bool {
        self.wal.is_some() && self.wal_len > self.checkpoint_bytes
    }

    fn writable(&mut self) -> Result<&mut File, DbError> {
        if let Some(why) = &self.broken {
            return Err(DbError::new(DbErrorKind::Io, why.clone()));
        }
        match self.wal.as_mut() {
            Some(wal) => Ok(wal),
            None => Err(DbError::new(
                DbErrorKind::ReadOnly,
                format!("{} is open read-only", self.path.display()),
            )),
        }
    }

    /// Appends one committed statement's mutations to the log and fsyncs it.
    /// Only after this returns may the statement be reported as done. On
    /// failure the log is cut back to its previous length (or, when even
    /// that fails, further writes are refused).
    pub fn log(&mut self, mutations: &[Mutation]) -> Result<(), DbError> {
        if mutations.is_empty() {
            return Ok(());
        }
        let rec = wal::record(self.continues, self.next_lsn, mutations);
        let at = self.wal_len;
        let wal = self.writable()?;
        let result = wal
            .seek(SeekFrom::Start(at))
            .and_then(|_| fault::write_all(wal, &rec))
            .and_then(|_| fault::point(Op::Sync))
            .and_then(|_| wal.sync_data());
        match result {
            Ok(()) => {
                self.wal_len += rec.len() as u64;
                self.next_lsn += 1;
                Ok(())
            }
            Err(e) => {
                let undone = fault::point(Op::Truncate)
                    .and_then(|()| wal.set_len(at))
                    .and_then(|()| wal.sync_data());
                let err = io_error(&self.wal_path, "write", e);
                if let Err(e2) = undone {
                    self.broken = Some(format!(
                        "{}; cutting the failed record off the log failed too ({e2}): further \
                         writes are refused, reopen the graph",
                        err.message
                    ));
                }
                Err(err)
            }
        }
    }

    /// Writes the whole graph as a new snapshot (atomically) and starts a
    /// new, empty log for it.
    pub fn checkpoint(&mut self, graph: &Graph) -> Result<(), DbError> {
        self.writable()?;
        let lineage = Lineage {
            parent: Some(self.continues),
            lsn: self.next_lsn - 1,
        };
        let target = Resolved {
            real: self.real.clone(),
            exists: true,
        };
        let written = match snapshot::write_atomic(
            graph,
            &target,
            &self.path,
            fresh_generation(),
            lineage,
            false,
        ) {
            Ok(w) => w,
            Err(f) => {
                if let Some(w) = f.replaced {
                    // The new snapshot is in place; the log goes on
                    // continuing its parent, which stays consistent.
                    self.lock = Some(w.lock);
                    self.snapshot = w.id;
                }
                return Err(f.error);
            }
        };
        self.lock = Some(written.lock);
        self.snapshot = written.id;
        self.upgrade = false;
        match new_log(&self.wal_path, written.id) {
            Ok(f) => {
                self.wal = Some(f);
                self.continues = written.id;
                self.wal_len = wal::HEADER_LEN;
                Ok(())
            }
            Err((e, None)) => {
                // The old log is still in place and continues the new
                // snapshot's parent: appending to it stays consistent.
                Err(e)
            }
            Err((e, Some(f))) => {
                self.wal = Some(f);
                self.continues = written.id;
                self.wal_len = wal::HEADER_LEN;
                let why = format!(
                    "{}; the graph file is safe but further writes are refused",
                    e.message
                );
                self.broken = Some(why.clone());
                Err(DbError::new(e.kind, why))
            }
        }
    }
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

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod recovery_tests;
#[cfg(test)]
mod tests;
