//! Where exporters may write: the one check every writer of a user-named
//! file goes through (`kg export -o`, the CSV pair, `kg dot -o` and its
//! rendering).
//!
//! A file is replaced only when it is a regular file (or does not exist yet)
//! that is neither a kg graph file, nor a graph's write-ahead log, nor one of
//! the files being read. FIFOs, devices, sockets and directories are refused
//! (writing to them would block, destroy a device node or fail half-way).

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::db::{snapshot, wal};

/// Whether a symbolic link at the output path may be followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Follow it (the user named this path, like a shell redirection does).
    Follow,
    /// Refuse it (a file kg names itself inside a directory, such as
    /// `DIR/nodes.csv`: a planted link must not redirect the write).
    Refuse,
}

/// The files an export reads, which it must never write over.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    files: Vec<(PathBuf, u64, u64)>,
}

impl Inputs {
    /// The inputs of a command reading `graph` (a graph file or fact file):
    /// the file itself and, for a graph file, its log.
    pub fn reading(graph: Option<&Path>) -> Inputs {
        let mut inputs = Inputs::default();
        if let Some(g) = graph {
            inputs.add(g);
            inputs.add(&wal::path_for(g));
        }
        inputs
    }

    /// Adds a file being read (ignored when it does not exist).
    pub fn add(&mut self, path: &Path) {
        if let Ok(meta) = std::fs::metadata(path) {
            if let Some((dev, ino)) = identity(&meta) {
                self.files.push((path.to_path_buf(), dev, ino));
            }
        }
    }

    fn same_as(&self, meta: &Metadata) -> Option<&Path> {
        let id = identity(meta)?;
        self.files
            .iter()
            .find(|(_, dev, ino)| (*dev, *ino) == id)
            .map(|(p, _, _)| p.as_path())
    }
}

#[cfg(unix)]
fn identity(meta: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_meta: &Metadata) -> Option<(u64, u64)> {
    None
}

/// What a non-regular file is, for error messages.
fn kind_of(meta: &Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "a directory";
    }
    if ft.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// Checks that `path` may be created or replaced by an export; the error
/// names the file and says why not.
pub fn check(path: &Path, links: Links, inputs: &Inputs) -> Result<(), String> {
    let shown = path.display();
    let meta = match links {
        Links::Follow => std::fs::metadata(path),
        Links::Refuse => std::fs::symlink_metadata(path),
    };
    let meta = match meta {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling link would create its target somewhere else.
            if links == Links::Refuse || std::fs::symlink_metadata(path).is_err() {
                return check_new(path);
            }
            return Err(format!(
                "refusing to write {shown}: it is a symbolic link to a missing file"
            ));
        }
        Err(e) => return Err(format!("cannot write {shown}: {e}")),
    };
    check_existing(path, &meta, inputs)
}

/// A new file is refused only when it would sit where a graph's log goes.
fn check_new(path: &Path) -> Result<(), String> {
    if let Some(graph) = graph_of_wal_path(path) {
        if starts_with(&graph, &snapshot::MAGIC) {
            return Err(format!(
                "refusing to write {}: it is the write-ahead log of the graph file {}",
                path.display(),
                graph.display()
            ));
        }
    }
    Ok(())
}

fn check_existing(path: &Path, meta: &Metadata, inputs: &Inputs) -> Result<(), String> {
    let shown = path.display();
    if !meta.file_type().is_file() {
        return Err(format!(
            "refusing to write {shown}: it is {}; only regular files are replaced",
            kind_of(meta)
        ));
    }
    if starts_with(path, &snapshot::MAGIC) {
        return Err(format!("refusing to write {shown}: it is a kg graph file"));
    }
    if starts_with(path, &wal::MAGIC) {
        return Err(format!(
            "refusing to write {shown}: it is a kg graph's write-ahead log"
        ));
    }
    if let Some(input) = inputs.same_as(meta) {
        return Err(format!(
            "refusing to write {shown}: it is {}, which this command reads",
            if input == path {
                "the input file".to_string()
            } else {
                format!("the input file {}", input.display())
            }
        ));
    }
    check_new(path)
}

/// `G` when `path` is `G.wal`.
fn graph_of_wal_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".wal").filter(|s| !s.is_empty())?;
    Some(path.with_file_name(stem))
}

/// True when the regular file at `path` begins with `magic`.
fn starts_with(path: &Path, magic: &[u8]) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.file_type().is_file() => {}
        _ => return false,
    }
    let mut head = vec![0u8; magic.len()];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| head == magic)
}

/// Opens `path` for writing after [`check`]ing it, truncating only once the
/// opened file itself is confirmed to be a regular file that is not a
/// graph and not an input (so a swap between the check and the open is
/// caught too).
pub fn create(path: &Path, links: Links, inputs: &Inputs) -> Result<File, String> {
    check(path, links, inputs)?;
    let mut opts = File::options();
    opts.write(true).create(true);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never block on a FIFO swapped in; never follow a planted link.
        let mut flags = libc::O_NONBLOCK;
        if links == Links::Refuse {
            flags |= libc::O_NOFOLLOW;
        }
        opts.custom_flags(flags);
    }
    let file = opts
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    check_existing(path, &meta, inputs)?;
    file.set_len(0)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(file)
}

/// Writes `bytes` to `path` through [`create`].
pub fn write(path: &Path, links: Links, inputs: &Inputs, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut f = create(path, links, inputs)?;
    f.write_all(bytes)
        .and_then(|()| f.flush())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_path_of_a_graph() {
        assert_eq!(
            graph_of_wal_path(Path::new("d/g.kgdb.wal")),
            Some(PathBuf::from("d/g.kgdb"))
        );
        assert_eq!(graph_of_wal_path(Path::new("d/.wal")), None);
        assert_eq!(graph_of_wal_path(Path::new("d/g.kgdb")), None);
    }
}
