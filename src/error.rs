//! Errors with positions, and their rendering with a caret under the spot.
//!
//! Every stage (fact loading, parsing, semantic checks, execution) reports an
//! [`Error`]: a kind, a detail code (the openCypher TCK's names where one
//! applies: `UndefinedVariable`, `InvalidArgumentType`, ...), a message in
//! plain words, and an optional [`Span`] into the text that was being read.
//! [`Error::render`] turns it into `file:line:col`, the offending line and a
//! caret; rendering happens only at the edges (CLI, REPL, tests).

use std::fmt;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A byte range in a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte (equal to `start` for a point).
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn merge(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// What went wrong, in the openCypher TCK's vocabulary where it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text is not valid syntax, or fails a static check the TCK files
    /// under `SyntaxError` (undefined variables, misused aggregation, ...).
    Syntax,
    /// A static error the TCK files under `SemanticError`.
    Semantic,
    /// A value of the wrong type.
    Type,
    /// A bad argument value (`ArgumentError`).
    Argument,
    /// Access to an entity that was deleted (`EntityNotFound`).
    EntityNotFound,
    /// A constraint would break (`ConstraintVerificationFailed`), e.g.
    /// deleting a node that still has relationships.
    Constraint,
    /// A `$parameter` was used but not given (`ParameterMissing`).
    ParameterMissing,
    /// An unknown or failing procedure (`ProcedureError`).
    Procedure,
    /// Arithmetic overflow or similar (`ArithmeticError`).
    Arithmetic,
    /// Bad input data: a fact file, a CSV, a snapshot.
    Data,
    /// A file could not be read or written.
    Io,
    /// The query was cancelled (Ctrl-C).
    Cancelled,
    /// The query ran past its time limit.
    Timeout,
    /// The query needed more memory than its limit.
    MemoryLimit,
    /// A bug in kg: never the user's fault.
    Internal,
}

impl ErrorKind {
    /// The openCypher TCK error type name (`SyntaxError`, `TypeError`, ...).
    pub fn tck_name(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "SyntaxError",
            ErrorKind::Semantic => "SemanticError",
            ErrorKind::Type => "TypeError",
            ErrorKind::Argument => "ArgumentError",
            ErrorKind::EntityNotFound => "EntityNotFound",
            ErrorKind::Constraint => "ConstraintVerificationFailed",
            ErrorKind::ParameterMissing => "ParameterMissing",
            ErrorKind::Procedure => "ProcedureError",
            ErrorKind::Arithmetic => "ArithmeticError",
            ErrorKind::Data => "DataError",
            ErrorKind::Io => "IoError",
            ErrorKind::Cancelled => "Cancelled",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::MemoryLimit => "MemoryLimit",
            ErrorKind::Internal => "InternalError",
        }
    }

    /// A short heading for messages (`syntax error`, `type error`, ...).
    pub fn heading(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax error",
            ErrorKind::Semantic => "semantic error",
            ErrorKind::Type => "type error",
            ErrorKind::Argument => "argument error",
            ErrorKind::EntityNotFound => "entity not found",
            ErrorKind::Constraint => "constraint violated",
            ErrorKind::ParameterMissing => "missing parameter",
            ErrorKind::Procedure => "procedure error",
            ErrorKind::Arithmetic => "arithmetic error",
            ErrorKind::Data => "data error",
            ErrorKind::Io => "i/o error",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Timeout => "timeout",
            ErrorKind::MemoryLimit => "memory limit",
            ErrorKind::Internal => "internal error",
        }
    }
}

/// When an error was raised: before execution (from the text alone) or during it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Parsing and static checks: the TCK's `compile time`.
    Compile,
    /// Execution: the TCK's `runtime`.
    Runtime,
}

/// An error from any stage of kg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind of error.
    pub kind: ErrorKind,
    /// When it was raised.
    pub phase: Phase,
    /// A detail code, e.g. `UndefinedVariable` (the TCK's names where one applies).
    pub code: &'static str,
    /// What went wrong, in words a user knows.
    pub message: String,
    /// Where, in the text being read.
    pub span: Option<Span>,
    /// A hint: "did you mean ...", or how to fix it.
    pub help: Option<String>,
}

/// The result type used across kg.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error with no position.
    pub fn new(
        kind: ErrorKind,
        phase: Phase,
        code: &'static str,
        message: impl Into<String>,
    ) -> Error {
        Error {
            kind,
            phase,
            code,
            message: message.into(),
            span: None,
            help: None,
        }
    }

    /// A compile-time `SyntaxError` with a detail code, at `span`.
    pub fn syntax(code: &'static str, message: impl Into<String>, span: Span) -> Error {
        Error::new(ErrorKind::Syntax, Phase::Compile, code, message).at(span)
    }

    /// A runtime error of `kind` with a detail code.
    pub fn runtime(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Error {
        Error::new(kind, Phase::Runtime, code, message)
    }

    /// A bug in kg.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, Phase::Runtime, "Internal", message)
    }

    /// Sets the position.
    pub fn at(mut self, span: Span) -> Error {
        self.span = Some(span);
        self
    }

    /// Sets the position if none is set yet.
    pub fn or_at(mut self, span: Span) -> Error {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }

    /// Renders the error against the text it refers to:
    ///
    /// ```text
    /// syntax error: expected `)` or a relationship pattern
    ///  --> query:1:17
    ///   |
    /// 1 | MATCH (n:Person RETURN n
    ///   |                 ^
    ///   = help: ...
    /// ```
    pub fn render(&self, source_name: &str, source: &str) -> String {
        let mut out = format!("{}: {}\n", self.kind.heading(), self.message);
        if let Some(span) = self.span {
            let (line_no, col, line) = locate(source, span.start);
            let gutter = line_no.to_string().len();
            let pad = " ".repeat(gutter);
            out.push_str(&format!("{pad}--> {source_name}:{line_no}:{col}\n"));
            out.push_str(&format!("{pad} |\n"));
            let start = byte_col(line, col);
            let end_in_line =
                (span.end.min(span.start + line.len() - start)).saturating_sub(span.start);
            let end = (start + end_in_line).min(line.len());
            let (shown, indent, width) = window(&line.replace('\t', " "), start, end);
            out.push_str(&format!("{line_no} | {shown}\n"));
            out.push_str(&format!(
                "{pad} | {}{}\n",
                " ".repeat(indent),
                "^".repeat(width)
            ));
        }
        if let Some(help) = &self.help {
            let pad = " ".repeat(
                self.span
                    .map_or(0, |s| locate(source, s.start).0.to_string().len()),
            );
            out.push_str(&format!("{pad} = help: {help}\n"));
        }
        out
    }
}

/// Line number (1-based), column (1-based, in characters) and the text of the
/// line holding byte `offset` of `source`.
pub fn locate(source: &str, offset: usize) -> (usize, usize, &str) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let line_no = source[..line_start].matches('\n').count() + 1;
    let col = source[line_start..offset].chars().count() + 1;
    let line = source[line_start..line_end].trim_end_matches('\r');
    (line_no, col, line)
}

/// Lines up to this display width are shown whole under an error.
const MAX_SHOWN_WIDTH: usize = 100;

/// How much of a long line is shown before the marked text.
const SHOWN_BEFORE: usize = 40;

/// How much of a long line is shown from the marked text on.
const SHOWN_FROM: usize = 40;

/// The part of `line` to show under an error marking bytes `start..end`
/// (char boundaries), with the caret's indentation and width, in display
/// columns. A long line (a 2 MB one-line query) is clipped to a window
/// around the mark, with `…` where text was left out.
fn window(line: &str, start: usize, end: usize) -> (String, usize, usize) {
    let width = |s: &str| UnicodeWidthStr::width(s);
    let (before, marked, after) = (&line[..start], &line[start..end], &line[end..]);
    if width(line) <= MAX_SHOWN_WIDTH {
        return (line.to_string(), width(before), width(marked).max(1));
    }
    // The end of `before` that fits in SHOWN_BEFORE columns.
    let mut cut = before.len();
    let mut used = 0;
    for (i, c) in before.char_indices().rev() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > SHOWN_BEFORE {
            break;
        }
        used += w;
        cut = i;
    }
    let mut shown = String::new();
    if cut > 0 {
        shown.push('…');
    }
    shown.push_str(&before[cut..]);
    let indent = width(&shown);
    // Then the mark and what follows, up to SHOWN_FROM columns.
    let mut room = SHOWN_FROM;
    let mut mark_width = 0;
    let mut clipped = false;
    for (i, c) in marked
        .char_indices()
        .chain(after.char_indices().map(|(i, c)| (i + marked.len(), c)))
    {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if w > room {
            clipped = true;
            break;
        }
        room -= w;
        if i < marked.len() {
            mark_width += w;
        }
        shown.push(c);
    }
    if clipped {
        shown.push('…');
    }
    (shown, indent, mark_width.max(1))
}

/// The byte offset in `line` of 1-based character column `col`.
fn byte_col(line: &str, col: usize) -> usize {
    line.char_indices()
        .nth(col - 1)
        .map_or(line.len(), |(i, _)| i)
}

/// The Levenshtein distance between two strings, in characters: how close a
/// misspelt name is to a known one, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let old = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = old;
        }
    }
    row[b.len()]
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.heading(), self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_clipped_around_the_caret() {
        // 2.7 MB on one line, the error in the middle, wide characters
        // before it: the shown line stays short and the caret under the spot.
        let half = "RETURN [".to_string() + &"'مغرب', 1, ".repeat(120_000);
        let src = format!("{half}@@ {}]", "2, ".repeat(120_000));
        let at = half.len();
        let e = Error::syntax("UnexpectedSyntax", "unexpected `@`", Span::new(at, at + 2));
        let text = e.render("query", &src);
        assert!(text.len() < 400, "{} bytes", text.len());
        let lines: Vec<&str> = text.lines().collect();
        let shown = lines[3].split_once(" | ").map_or("", |(_, s)| s);
        let caret = lines[4].split_once(" | ").map_or("", |(_, s)| s);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(UnicodeWidthStr::width(shown) <= SHOWN_BEFORE + SHOWN_FROM + 2);
        let indent = caret.len() - caret.trim_start().len();
        assert_eq!(caret.trim_start(), "^^");
        // The columns before the caret hold exactly the text before `@@`.
        let mut cols = 0;
        let mut rest = shown;
        while cols < indent {
            let c = rest.chars().next().unwrap_or(' ');
            cols += UnicodeWidthChar::width(c).unwrap_or(0);
            rest = &rest[c.len_utf8()..];
        }
        assert!(rest.starts_with("@@ 2, "), "{rest}");
        // Short lines are shown whole.
        let e = Error::syntax("UnexpectedSyntax", "x", Span::new(7, 8));
        assert!(e
            .render("q", "RETURN @")
            .contains("1 | RETURN @\n  |        ^\n"));
    }

    #[test]
    fn caret_points_at_the_spot() {
        let src = "MATCH (n)\nRETURN m";
        let e = Error::syntax(
            "UndefinedVariable",
            "variable `m` is not defined",
            Span::new(17, 18),
        )
        .with_help("did you mean `n`?");
        let text = e.render("query", src);
        assert_eq!(
            text,
            "syntax error: variable `m` is not defined\n --> query:2:8\n  |\n2 | RETURN m\n  |        ^\n  = help: did you mean `n`?\n"
        );
    }

    #[test]
    fn caret_aligns_after_wide_characters() {
        let src = "RETURN 'المغرب' + x";
        let at = src.find('x').unwrap();
        let text = Error::syntax("X", "bad", Span::new(at, at + 1)).render("q", src);
        let lines: Vec<&str> = text.lines().collect();
        let caret = lines[4].find('^').unwrap();
        let code_col = UnicodeWidthStr::width(&lines[3][..lines[3].find('x').unwrap()]);
        assert_eq!(caret, code_col);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("المغرب", "المغرب"), 0);
    }

    #[test]
    fn end_of_input_gets_a_caret() {
        let src = "MATCH (n";
        let text = Error::syntax("X", "expected `)`", Span::new(8, 8)).render("q", src);
        assert!(text.contains("1 | MATCH (n\n  |         ^"), "{text}");
    }
}
