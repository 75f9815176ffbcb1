//! Whole-file reads and writes for snapshots, with direct I/O for big
//! files on Linux.
//!
//! A snapshot is read once into the graph and written once per checkpoint,
//! so the kernel's page cache only keeps a second copy of it. For files of
//! [`DIRECT_MIN`] bytes and more, kg bypasses the cache (`O_DIRECT`): the
//! bytes go between the disk and an aligned buffer of kg's own. Where the
//! file system refuses direct I/O (tmpfs, some network file systems),
//! or on other systems, the ordinary buffered calls are used.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use super::fault::{self, Op};

/// Files from this size on use direct I/O (where available).
pub(crate) const DIRECT_MIN: usize = 64 << 20;

/// The alignment direct I/O needs for buffers, lengths and offsets (the
/// largest logical block size in common use).
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
const ALIGN: usize = 4096;

/// The bytes of a file: an ordinary vector or an aligned buffer.
pub(crate) enum FileBytes {
    /// Read through the page cache.
    Plain(Vec<u8>),
    /// Read with direct I/O.
    #[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
    Aligned(AlignedBuf),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Plain(v) => v,
            FileBytes::Aligned(b) => b.filled(),
        }
    }
}

/// A zero-filled heap buffer aligned to [`ALIGN`], with a count of the
/// bytes filled so far.
pub(crate) struct AlignedBuf {
    ptr: std::ptr::NonNull<u8>,
    layout: std::alloc::Layout,
    len: usize,
}

#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
impl AlignedBuf {
    /// A buffer of at least `size` bytes (rounded up to [`ALIGN`]), or
    /// `None` when memory is short.
    fn zeroed(size: usize) -> Option<AlignedBuf> {
        let size = size.max(1).checked_next_multiple_of(ALIGN)?;
        let layout = std::alloc::Layout::from_size_align(size, ALIGN).ok()?;
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        std::ptr::NonNull::new(ptr).map(|ptr| AlignedBuf {
            ptr,
            layout,
            len: 0,
        })
    }

    /// The whole buffer, filled or not.
    fn all_mut(&mut self) -> &mut [u8] {
        // SAFETY: `ptr` points to `layout.size()` initialized (zeroed)
        // bytes that this buffer owns; `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.layout.size()) }
    }

    /// The bytes filled so far.
    fn filled(&self) -> &[u8] {
        // SAFETY: `len <= layout.size()`, and the bytes are initialized.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        // SAFETY: allocated in `zeroed` with this very layout.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

/// Reads the whole file at `path`; direct I/O from `min` bytes on.
pub(crate) fn read(path: &Path, min: usize) -> io::Result<FileBytes> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let len = std::fs::metadata(path)?.len();
        if len >= min as u64 {
            if let Some(bytes) = read_direct(path, len) {
                return Ok(FileBytes::Aligned(bytes));
            }
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = min;
    std::fs::read(path).map(FileBytes::Plain)
}

/// Reads `path` with `O_DIRECT`; `None` when the system or the file system
/// does not allow it (the caller then reads it the ordinary way).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn read_direct(path: &Path, len: u64) -> Option<AlignedBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = File::options()
        .read(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .ok()?;
    // One block more than the file, so that a file that grew meanwhile is
    // noticed (the read then falls back rather than truncating).
    let mut buf = AlignedBuf::zeroed(usize::try_from(len).ok()?.checked_add(ALIGN)?)?;
    let mut filled = 0;
    loop {
        let room = &mut buf.all_mut()[filled..];
        if room.is_empty() {
            return None;
        }
        match f.read(room) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
        if filled % ALIGN != 0 {
            // Only the end of the file may be short; another short read
            // would leave the next offset unaligned.
            match f.read(&mut buf.all_mut()[filled..]) {
                Ok(0) => break,
                _ => return None,
            }
        }
    }
    buf.len = filled;
    Some(buf)
}

/// Creates (or truncates) `path`, writes `bytes` and fsyncs the file;
/// direct I/O from `min` bytes on.
pub(crate) fn write(path: &Path, bytes: &[u8], min: usize) -> io::Result<()> {
    fault::point(Op::Create)?;
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if bytes.len() >= min {
        if let Some(result) = write_direct(path, bytes) {
            return result;
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = min;
    let mut f = File::create(path)?;
    fault::write_all(&mut f, bytes)?;
    fault::point(Op::Sync)?;
    f.sync_all()
}

/// Writes `path` with `O_DIRECT`, through an aligned buffer, padding the
/// last block and then cutting the file back to its length. `None` when
/// direct I/O is refused before anything depends on it (the caller then
/// writes the ordinary way, truncating what was written).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn write_direct(path: &Path, bytes: &[u8]) -> Option<io::Result<()>> {
    use std::os::unix::fs::OpenOptionsExt;
    const CHUNK: usize = 8 << 20;
    let mut f = File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .ok()?;
    let mut buf = AlignedBuf::zeroed(CHUNK)?;
    if let Err(e) = fault::point(Op::Write) {
        return Some(Err(e));
    }
    for chunk in bytes.chunks(CHUNK) {
        let padded = chunk.len().next_multiple_of(ALIGN);
        let all = buf.all_mut();
        all[..chunk.len()].copy_from_slice(chunk);
        all[chunk.len()..padded].fill(0);
        match f.write_all(&all[..padded]) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => return None,
            Err(e) => return Some(Err(e)),
        }
    }
    Some(
        f.set_len(bytes.len() as u64)
            .and_then(|()| fault::point(Op::Sync))
            .and_then(|()| f.sync_all()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size round-trips, on whichever path the file system allows,
    /// and an existing longer file is replaced, not overlaid.
    #[test]
    fn round_trips_at_every_size() {
        let dir = std::env::temp_dir().join(format!("kg-direct-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        std::fs::write(&path, vec![7u8; 3 * ALIGN + 5]).unwrap();
        for size in [0, 1, ALIGN - 1, ALIGN, ALIGN + 1, (8 << 20) + 3, 2 * ALIGN] {
            let bytes: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            for min in [0, usize::MAX] {
                write(&path, &bytes, min).unwrap();
                assert_eq!(
                    std::fs::read(&path).unwrap(),
                    bytes,
                    "size {size}, min {min}"
                );
                for read_min in [0, usize::MAX] {
                    assert_eq!(&*read(&path, read_min).unwrap(), &bytes[..], "size {size}");
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
