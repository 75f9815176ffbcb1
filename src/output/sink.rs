//! kg's standard output and standard error as writers that remember their
//! first failure, so that a command stops printing and the process ends
//! once, at the top ([`finish`]): quietly with exit code 0 when the reader
//! closed the pipe (`kg dot | head -1`), with the one line
//! `kg: cannot write to standard output: No space left on device` and exit
//! code 1 for anything else (a full disk, an I/O error).
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with
//! [`io::ErrorKind::BrokenPipe`] instead of killing the process. kg keeps it
//! that way: a reader going away must never interrupt the writing of a
//! graph file.
//!
//! Every piece of kg that prints to the standard streams goes through
//! [`stdout`] and [`stderr`] (never `print!` or `eprintln!`, which panic
//! when the stream fails). A caller that sees a write fail may stop at
//! once: the failure is already recorded, and reporting it is [`finish`]'s
//! job.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;

/// One of the two standard streams kg prints to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output: results, DOT, exports, batch answers.
    Output,
    /// Standard error: messages, warnings, timings.
    Error,
}

impl Stream {
    /// The stream's name in messages (`standard output`, `standard error`).
    pub fn name(self) -> &'static str {
        match self {
            Stream::Output => "standard output",
            Stream::Error => "standard error",
        }
    }
}

/// A write to a standard stream that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The stream that failed.
    pub stream: Stream,
    /// The kind of the I/O error.
    pub kind: io::ErrorKind,
    /// The system's description, without the `(os error N)` suffix.
    pub reason: String,
}

impl Failure {
    /// A failure of `stream` with the I/O error `error`.
    pub fn new(stream: Stream, error: &io::Error) -> Failure {
        let text = error.to_string();
        let reason = match text.rfind(" (os error ") {
            Some(at) if text.ends_with(')') => text[..at].to_string(),
            _ => text,
        };
        Failure {
            stream,
            kind: error.kind(),
            reason,
        }
    }

    /// True when the reader went away (a closed pipe): kg then ends quietly.
    pub fn is_closed_pipe(&self) -> bool {
        self.kind == io::ErrorKind::BrokenPipe
    }

    /// The one-line message, e.g.
    /// `kg: cannot write to standard output: No space left on device`.
    pub fn message(&self) -> String {
        format!(
            "kg: cannot write to {}: {}",
            self.stream.name(),
            self.reason
        )
    }

    /// The exit code: 0 for a closed pipe (the reader has all it wanted),
    /// 1 for anything else.
    pub fn exit_code(&self) -> ExitCode {
        if self.is_closed_pipe() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// The first failure of either stream since the process started.
static FIRST_FAILURE: Mutex<Option<Failure>> = Mutex::new(None);

/// Records `error` as a failure of `stream` unless one is already recorded.
/// An interrupted write is retried by its caller, so it is no failure.
pub fn record(stream: Stream, error: &io::Error) {
    if error.kind() == io::ErrorKind::Interrupted {
        return;
    }
    let mut first = FIRST_FAILURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if first.is_none() {
        *first = Some(Failure::new(stream, error));
    }
}

/// The first failure recorded by a [`Sink`] (or [`record`]), if any.
pub fn failure() -> Option<Failure> {
    FIRST_FAILURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// True once a write to standard output or standard error has failed:
/// there is no point in going on with the work whose results they carry.
pub fn failed() -> bool {
    failure().is_some()
}

/// A standard stream as a [`Write`] that records its failures (see the
/// module doc). Cheap to create; each call locks the stream.
#[derive(Debug, Clone, Copy)]
pub struct Sink {
    stream: Stream,
}

/// Standard output, recording failures.
pub fn stdout() -> Sink {
    Sink {
        stream: Stream::Output,
    }
}

/// Standard error, recording failures.
pub fn stderr() -> Sink {
    Sink {
        stream: Stream::Error,
    }
}

impl Sink {
    /// Which stream this is.
    pub fn stream(&self) -> Stream {
        self.stream
    }

    /// True when the stream is a terminal.
    pub fn is_terminal(&self) -> bool {
        match self.stream {
            Stream::Output => io::stdout().is_terminal(),
            Stream::Error => io::stderr().is_terminal(),
        }
    }

    /// Writes `text` and flushes it.
    pub fn print(&mut self, text: &str) -> io::Result<()> {
        self.write_all(text.as_bytes())?;
        self.flush()
    }

    fn noted<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            record(self.stream, e);
        }
        result
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = match self.stream {
            Stream::Output => io::stdout().lock().write(buf),
            Stream::Error => io::stderr().lock().write(buf),
        };
        self.noted(result)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let result = match self.stream {
            Stream::Output => io::stdout().lock().write_all(buf),
            Stream::Error => io::stderr().lock().write_all(buf),
        };
        self.noted(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = match self.stream {
            Stream::Output => io::stdout().lock().flush(),
            Stream::Error => io::stderr().lock().flush(),
        };
        self.noted(result)
    }
}

/// Ends the process's output: flushes standard output and, when a write to
/// either stream failed, decides the exit code: 0 for a closed pipe (the
/// command stopped because its reader left), else the command's own code
/// when it is already a failure (e.g. 2 for a usage error), else 1. The
/// message goes to standard error unless the pipe was closed or standard
/// error is what failed. Call it last, with the exit code the command
/// chose.
pub fn finish(code: ExitCode) -> ExitCode {
    let _ = stdout().flush();
    let _ = stderr().flush();
    match failure() {
        None => code,
        Some(f) => {
            if !f.is_closed_pipe() && f.stream == Stream::Output {
                // Best effort: standard error may be broken as well.
                let _ = writeln!(io::stderr().lock(), "{}", f.message());
            }
            if f.is_closed_pipe() || code == ExitCode::SUCCESS {
                f.exit_code()
            } else {
                code
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_stream_without_the_os_error_number() {
        let full = io::Error::from_raw_os_error(28);
        let f = Failure::new(Stream::Output, &full);
        assert!(!f.is_closed_pipe());
        assert_eq!(
            f.message(),
            "kg: cannot write to standard output: No space left on device"
        );
        let f = Failure::new(Stream::Error, &io::Error::other("odd (thing)"));
        assert_eq!(
            f.message(),
            "kg: cannot write to standard error: odd (thing)"
        );
    }

    #[test]
    fn a_closed_pipe_is_quiet_and_successful() {
        let pipe = io::Error::from(io::ErrorKind::BrokenPipe);
        let f = Failure::new(Stream::Output, &pipe);
        assert!(f.is_closed_pipe());
        assert_eq!(f.exit_code(), ExitCode::SUCCESS);
        let full = Failure::new(Stream::Output, &io::Error::from_raw_os_error(28));
        assert_eq!(full.exit_code(), ExitCode::FAILURE);
    }
}
