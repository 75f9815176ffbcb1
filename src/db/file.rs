//! The files of a graph on disk: resolving the path through links, refusing
//! anything that is not a regular file (FIFOs, devices, directories), the
//! writer's lock on the graph file itself (its inode, not its name), and
//! replacing a file atomically (temporary file, fsync, rename, directory
//! fsync), each step through a [`fault`](super::fault) point.

use std::fs::{File, Metadata, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::fault::{self, Op};
use super::{io_error, DbError, DbErrorKind};

/// A graph path as the user gave it and as it really is.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// The path with every symbolic link resolved: where the graph file is
    /// (or will be created), so its log, temporary files and lock are beside
    /// the real file.
    pub real: PathBuf,
    /// True when the file exists (a regular file).
    pub exists: bool,
}

/// What kind of thing `meta` describes, for messages ("a FIFO").
fn kind_name(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// An error when `meta` is not a regular file.
pub(crate) fn require_regular(path: &Path, meta: &Metadata) -> Result<(), DbError> {
    if meta.is_file() {
        return Ok(());
    }
    Err(DbError::new(
        DbErrorKind::Foreign,
        format!(
            "{} is {}, not a graph file (kg only reads and replaces regular files)",
            path.display(),
            kind_name(meta)
        ),
    ))
}

/// Resolves `path`: follows symbolic links (a link to a missing file is
/// refused), and refuses an existing path that is not a regular file.
pub(crate) fn resolve(path: &Path) -> Result<Resolved, DbError> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => {
            let real = std::fs::canonicalize(path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    DbError::new(
                        DbErrorKind::NotFound,
                        format!(
                            "{} is a symbolic link to a file that does not exist",
                            path.display()
                        ),
                    )
                } else {
                    io_error(path, "resolve", e)
                }
            })?;
            let meta = std::fs::metadata(&real).map_err(|e| io_error(path, "open", e))?;
            require_regular(path, &meta)?;
            Ok(Resolved { real, exists: true })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = super::snapshot::parent_dir(path);
            let dir = std::fs::canonicalize(&parent).map_err(|e| {
                DbError::new(
                    DbErrorKind::NotFound,
                    format!(
                        "cannot create {}: {}: {e}",
                        path.display(),
                        parent.display()
                    ),
                )
            })?;
            let name = path.file_name().ok_or_else(|| {
                DbError::new(
                    DbErrorKind::Foreign,
                    format!("{} does not name a file", path.display()),
                )
            })?;
            Ok(Resolved {
                real: dir.join(name),
                exists: false,
            })
        }
        Err(e) => Err(io_error(path, "open", e)),
    }
}

/// Opens an existing file for reading without ever blocking (a FIFO put in
/// its place after a check would block a plain open) and checks that what
/// was opened is a regular file.
pub(crate) fn open_regular(path: &Path, shown: &Path) -> Result<File, DbError> {
    let mut opts = File::options();
    opts.read(true);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path).map_err(|e| io_error(shown, "open", e))?;
    let meta = f.metadata().map_err(|e| io_error(shown, "open", e))?;
    require_regular(shown, &meta)?;
    Ok(f)
}

/// Reads a whole open file.
pub(crate) fn read_all(f: &mut File, shown: &Path) -> Result<Vec<u8>, DbError> {
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)
        .map_err(|e| io_error(shown, "read", e))?;
    Ok(bytes)
}

/// True when `f` is the file `path` names now (same device and inode).
pub(crate) fn is_current(f: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (f.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (f, path);
        true
    }
}

/// The number of names (hard links) the open file has.
pub(crate) fn link_count(f: &File) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        f.metadata().map(|m| m.nlink()).unwrap_or(1)
    }
    #[cfg(not(unix))]
    {
        let _ = f;
        1
    }
}

/// The "locked by another process" error for the graph shown as `shown`.
pub(crate) fn locked(shown: &Path) -> DbError {
    DbError::new(
        DbErrorKind::Locked,
        format!(
            "{} is locked: another kg process has it open for writing \
             (add --readonly to read it anyway)",
            shown.display()
        ),
    )
}

/// Takes the writer's lock on the graph file at `real` (an exclusive lock
/// on the file itself, so every name of it, through any link, shares the
/// lock). Returns the locked handle, checked to still be the file `real`
/// names (a checkpoint of another process may replace it meanwhile).
///
/// A lock held elsewhere is waited for up to [`LOCK_WAIT`]: a lock can
/// outlive its holder's handle for a moment when a child process was
/// started while the file was open (the child shares the descriptor until
/// it runs its program), and that is not another writer.
pub(crate) fn lock_graph(real: &Path, shown: &Path) -> Result<File, DbError> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    let mut replaced = 0;
    loop {
        let f = open_regular(real, shown)?;
        match f.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                if std::time::Instant::now() >= deadline {
                    return Err(locked(shown));
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
                continue;
            }
            Err(TryLockError::Error(e)) => return Err(io_error(shown, "lock", e)),
        }
        if is_current(&f, real) {
            return Ok(f);
        }
        // The file was replaced between the open and the lock: the handle
        // holds a file no longer in the directory. Try again.
        replaced += 1;
        if replaced >= 20 {
            return Err(locked(shown));
        }
    }
}

/// How long [`lock_graph`] waits for a lock held elsewhere.
pub(crate) const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(300);

/// Creates `tmp` (replacing a leftover), writes `bytes`, and fsyncs it.
pub(crate) fn write_new(tmp: &Path, bytes: &[u8]) -> std::io::Result<File> {
    fault::point(Op::Create)?;
    let mut f = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(tmp)?;
    fault::write_all(&mut f, bytes)?;
    fault::point(Op::Sync)?;
    f.sync_all()?;
    Ok(f)
}

/// Renames `from` over `to` (a fault point).
pub(crate) fn rename(from: &Path, to: &Path) -> std::io::Result<()> {
    fault::point(Op::Rename)?;
    std::fs::rename(from, to)
}

/// Puts `from` in place as the new file `to`, failing when `to` exists
/// (a fault point). Where hard links are not supported, a rename (which
/// would replace a file created meanwhile) is used instead.
pub(crate) fn link_new(from: &Path, to: &Path) -> std::io::Result<()> {
    fault::point(Op::Rename)?;
    match std::fs::hard_link(from, to) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if !to.exists() => std::fs::rename(from, to),
        other => other,
    }
}

/// The device and inode of the file at `path` (`None` when it cannot be
/// read), to notice that it was replaced.
pub(crate) fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Removes a file (a fault point); a file already gone is not an error.
pub(crate) fn remove(path: &Path) -> std::io::Result<()> {
    fault::point(Op::Remove)?;
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Fsyncs a directory, so a rename or a new file in it survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), DbError> {
    fault::point(Op::SyncDir).map_err(|e| io_error(dir, "sync directory", e))?;
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

/// A temporary name beside `path` for a file about to replace it.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "graph".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}
