//! Reading `kg batch` requests: one line each, of bounded length, and text
//! only. A line that is too long or not UTF-8 is read to its end (so the
//! next request starts where it should) and reported, never fatal.

use std::io::{self, BufRead};

/// One input line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The line's text, without its line ending.
    Text(String),
    /// The line was longer than the limit; this many bytes were skipped.
    TooLong {
        /// The line's length in bytes.
        bytes: u64,
    },
    /// The line is not UTF-8: the first bad byte is at this offset.
    NotUtf8 {
        /// The byte offset (from 0) of the first invalid byte.
        at: usize,
    },
}

/// Reads lines of at most `limit` bytes from a [`BufRead`].
pub struct LineReader<R> {
    input: R,
    limit: usize,
}

impl<R: BufRead> LineReader<R> {
    /// Lines from `input`, each at most `limit` bytes (without the `\n`).
    pub fn new(input: R, limit: usize) -> LineReader<R> {
        LineReader { input, limit }
    }

    /// The next line, or `None` at the end of the input. Only a failure to
    /// read the input is an error.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        let mut buf = Vec::new();
        let mut total: u64 = 0;
        let mut too_long = false;
        let mut seen_any = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                if !seen_any {
                    return Ok(None);
                }
                break;
            }
            seen_any = true;
            let (chunk, used, ended) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            total += chunk.len() as u64;
            if !too_long && buf.len() + chunk.len() <= self.limit {
                buf.extend_from_slice(chunk);
            } else if !too_long {
                too_long = true;
                buf = Vec::new();
            }
            self.input.consume(used);
            if ended {
                break;
            }
        }
        if too_long {
            return Ok(Some(Line::TooLong { bytes: total }));
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some(match String::from_utf8(buf) {
            Ok(text) => Line::Text(text),
            Err(e) => Line::NotUtf8 {
                at: e.utf8_error().valid_up_to(),
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<Line> {
        let mut r = LineReader::new(io::BufReader::with_capacity(4, input), limit);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(l);
        }
        out
    }

    #[test]
    fn lines_long_lines_and_bad_bytes() {
        let got = lines(b"ab\r\n0123456789\n\xffx\nlast", 8);
        assert_eq!(
            got,
            vec![
                Line::Text("ab".into()),
                Line::TooLong { bytes: 10 },
                Line::NotUtf8 { at: 0 },
                Line::Text("last".into()),
            ]
        );
        assert_eq!(lines(b"", 8), vec![]);
        assert_eq!(lines(b"\n", 8), vec![Line::Text(String::new())]);
        assert_eq!(lines(b"12345678\n", 8), vec![Line::Text("12345678".into())]);
        assert_eq!(
            lines("é\u{1F600}\n".as_bytes(), 100),
            vec![Line::Text("é\u{1F600}".into())]
        );
    }
}
