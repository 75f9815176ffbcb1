//! Injected I/O faults, for tests: every operation that changes a graph file
//! or its log passes through [`point`] first, so a test can make any one of
//! them fail with EIO or ENOSPC, or "stop the process" right there (that
//! operation and every later one is refused, as if kg had been killed, while
//! what reached the files stays). This is how SQLite tests its pager.
//!
//! Outside `cfg(test)` builds [`point`] is an empty inline function and
//! [`write_all`] a plain `write_all`.

use std::io::{self, Write};

/// The kind of file operation at a fault point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Creating or truncating a file.
    Create,
    /// Writing bytes.
    Write,
    /// `fsync`/`fdatasync` of a file.
    Sync,
    /// Renaming a file over another.
    Rename,
    /// `fsync` of a directory after a rename.
    SyncDir,
    /// Cutting a file's length.
    Truncate,
    /// Removing a file.
    Remove,
}

#[cfg(test)]
pub(crate) use plan::{arm, count, disarm, stopped, Fault};

/// Checks the fault plan before an operation: `Err` when the test armed a
/// fault for this point (or the simulated process has stopped).
#[cfg(test)]
pub(crate) fn point(op: Op) -> io::Result<()> {
    plan::hit(op).map_err(|(e, _)| e)
}

/// Checks the fault plan before an operation (no plan outside tests).
#[cfg(not(test))]
#[inline(always)]
pub(crate) fn point(_op: Op) -> io::Result<()> {
    Ok(())
}

/// Writes all of `bytes` to `w`, through a fault point. A simulated crash
/// at this point writes the first half of the bytes first (a torn write).
pub(crate) fn write_all(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    #[cfg(test)]
    if let Err((e, torn)) = plan::hit(Op::Write) {
        if torn {
            w.write_all(&bytes[..bytes.len() / 2])?;
            w.flush()?;
        }
        return Err(e);
    }
    w.write_all(bytes)
}

#[cfg(test)]
mod plan {
    use super::Op;
    use std::cell::RefCell;
    use std::io;

    /// What an armed fault does.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Fault {
        /// The operation fails with EIO; later ones succeed.
        Eio,
        /// The operation fails with ENOSPC; later ones succeed.
        NoSpace,
        /// The process stops here: this operation (a write: half of it)
        /// and every later one never happen.
        Crash,
    }

    #[derive(Default)]
    struct Plan {
        /// Points passed since the plan was armed.
        seen: usize,
        /// The point that fails, and how.
        target: Option<(usize, Fault)>,
        /// Set once a crash point was reached.
        stopped: bool,
    }

    thread_local! {
        static PLAN: RefCell<Plan> = RefCell::new(Plan::default());
    }

    /// Arms a fault at the `n`th point from now (0 = the next one); with
    /// `None`, only counts points.
    pub(crate) fn arm(target: Option<(usize, Fault)>) {
        PLAN.with(|p| {
            *p.borrow_mut() = Plan {
                seen: 0,
                target,
                stopped: false,
            }
        });
    }

    /// Removes the fault plan (and a simulated stop).
    pub(crate) fn disarm() {
        arm(None);
    }

    /// True once an armed crash point was reached.
    pub(crate) fn stopped() -> bool {
        PLAN.with(|p| p.borrow().stopped)
    }

    /// How many points were passed since the plan was armed.
    pub(crate) fn count() -> usize {
        PLAN.with(|p| p.borrow().seen)
    }

    /// Passes one point: the error to return (and whether a write should
    /// be torn) when it fails.
    pub(super) fn hit(_op: Op) -> Result<(), (io::Error, bool)> {
        PLAN.with(|p| {
            let mut p = p.borrow_mut();
            if p.stopped {
                return Err((
                    io::Error::other("the process has stopped (injected)"),
                    false,
                ));
            }
            let n = p.seen;
            p.seen += 1;
            match p.target {
                Some((at, fault)) if at == n => match fault {
                    Fault::Eio => Err((io::Error::from_raw_os_error(5), false)),
                    Fault::NoSpace => Err((io::Error::from_raw_os_error(28), false)),
                    Fault::Crash => {
                        p.stopped = true;
                        Err((io::Error::other("the process stops here (injected)"), true))
                    }
                },
                _ => Ok(()),
            }
        })
    }
}
