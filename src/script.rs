//! Scripts: splitting text into statements and shell commands.
//!
//! Shared by the REPL (is the input complete yet?), `kg -f FILE`, `:source`
//! and the examples test. Statements end at `;` outside strings, backquoted
//! names and comments; end of input ends the last statement. A line whose
//! first non-blank character is `:` (at a statement boundary) is a shell
//! command such as `:param x => 1` and ends at the end of its line.

/// What a piece of a script is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    /// A Cypher statement (without its terminating `;`).
    Statement,
    /// A shell command line starting with `:` (without a trailing `;`).
    Command,
}

/// One statement or command of a script, with where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Statement or command.
    pub kind: PieceKind,
    /// The text, trimmed of surrounding white space.
    pub text: String,
    /// The byte offset of `text` in the script.
    pub offset: usize,
    /// The 1-based line where `text` starts.
    pub line: usize,
}

/// Lexical state while scanning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    Str(char),
    Backquote,
    LineComment,
    BlockComment,
}

/// Splits a script into statements and commands. Empty statements and
/// comment-only statements are dropped.
pub fn split(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut state = State::Code;
    let mut start = 0;
    let mut iter = text.char_indices().peekable();
    let mut escaped = false;
    while let Some((i, c)) = iter.next() {
        match state {
            State::Code => {
                if text[start..i].trim().is_empty() && c == ':' {
                    // A command: up to the end of the line.
                    let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                    push(&mut pieces, text, i, end, PieceKind::Command);
                    while iter.peek().is_some_and(|(j, _)| *j < end) {
                        iter.next();
                    }
                    start = end;
                    continue;
                }
                match c {
                    '\'' | '"' => state = State::Str(c),
                    '`' => state = State::Backquote,
                    '/' if iter.peek().is_some_and(|(_, n)| *n == '/') => {
                        iter.next();
                        state = State::LineComment;
                    }
                    '/' if iter.peek().is_some_and(|(_, n)| *n == '*') => {
                        iter.next();
                        state = State::BlockComment;
                    }
                    ';' => {
                        push(&mut pieces, text, start, i, PieceKind::Statement);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            State::Str(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    state = State::Code;
                }
            }
            State::Backquote => {
                if c == '`' {
                    state = State::Code;
                }
            }
            State::LineComment => {
                if c == '\n' {
                    state = State::Code;
                }
            }
            State::BlockComment => {
                if c == '*' && iter.peek().is_some_and(|(_, n)| *n == '/') {
                    iter.next();
                    state = State::Code;
                }
            }
        }
    }
    // A comment, string or backquoted name left open swallows the rest of
    // the script: the last piece goes to the parser even when it looks like
    // a comment, so that it is reported (with the line where it opened)
    // instead of silently skipped.
    let open = state != State::Code && state != State::LineComment;
    push_piece(
        &mut pieces,
        text,
        start,
        text.len(),
        PieceKind::Statement,
        open,
    );
    pieces
}

fn push(pieces: &mut Vec<Piece>, text: &str, start: usize, end: usize, kind: PieceKind) {
    push_piece(pieces, text, start, end, kind, false);
}

fn push_piece(
    pieces: &mut Vec<Piece>,
    text: &str,
    start: usize,
    end: usize,
    kind: PieceKind,
    keep: bool,
) {
    let raw = &text[start..end];
    let lead = raw.len() - raw.trim_start().len();
    let body = raw.trim();
    let body = if kind == PieceKind::Command {
        body.trim_end_matches(';').trim_end()
    } else {
        body
    };
    if body.is_empty() || (!keep && kind == PieceKind::Statement && only_comments(body)) {
        return;
    }
    let offset = start + lead;
    pieces.push(Piece {
        kind,
        text: body.to_string(),
        offset,
        line: text[..offset].matches('\n').count() + 1,
    });
}

/// True when `text` holds nothing but comments and white space.
fn only_comments(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if rest.is_empty() {
            return true;
        }
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |n| &r[n..]).trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            match r.find("*/") {
                Some(n) => rest = r[n + 2..].trim_start(),
                None => return true,
            }
        } else {
            return false;
        }
    }
}

/// The words a Cypher statement of a script may begin with.
const FIRST_WORDS: &[&str] = &[
    "MATCH", "OPTIONAL", "CREATE", "MERGE", "RETURN", "WITH", "UNWIND", "CALL", "EXPLAIN",
    "PROFILE", "DELETE", "DETACH", "SET", "REMOVE", "FOREACH", "USE", "UNION",
];

/// Why `text` is not a kg script, if it is plainly not one: binary data, or
/// text whose first statement starts with no Cypher clause and no
/// `:command`. Used before running a file given to `:source`, so that
/// running, say, `/etc/passwd` says so instead of quoting its first line in
/// a syntax error.
pub fn not_a_script(text: &str) -> Option<&'static str> {
    if text.contains('\0') {
        return Some("it holds binary data");
    }
    let first = split(text).into_iter().next()?;
    if first.kind == PieceKind::Command {
        return None;
    }
    let mut rest = first.text.as_str();
    // Skip leading comments.
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |n| &r[n..]);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |n| &r[n + 2..]);
        } else {
            break;
        }
    }
    let word: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
    if rest.starts_with('(') || FIRST_WORDS.iter().any(|w| w.eq_ignore_ascii_case(&word)) {
        None
    } else {
        Some("it does not begin with a Cypher clause or a :command")
    }
}

/// True when `text` holds a shell command (a line starting with `:` at a
/// statement boundary).
pub fn has_command(text: &str) -> bool {
    split(text).iter().any(|p| p.kind == PieceKind::Command)
}

/// What the REPL needs to know about unfinished input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// Ready to run: ends with `;` outside strings and comments, or is a
    /// `:command`, or is empty.
    Complete,
    /// More lines are needed: no terminating `;` yet, or a string, backquote,
    /// comment or bracket is still open.
    Incomplete,
}

/// Decides whether REPL input is complete: it ends with `;` outside
/// strings and comments. A bracket left open does not hold the statement
/// back (the parser reports it), nor does a closer with no opener.
pub fn completeness(text: &str) -> Completeness {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with(':') {
        return Completeness::Complete;
    }
    let mut state = State::Code;
    let mut depth: i64 = 0;
    let mut last_code_char = None;
    let mut escaped = false;
    // Only white space since the start or the last `;`: a `:` here starts a
    // command that runs to the end of its line (as `split` reads it).
    let mut at_boundary = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if state == State::Code && depth == 0 && !c.is_whitespace() {
            if at_boundary && c == ':' {
                while chars.next_if(|&c| c != '\n').is_some() {}
                last_code_char = Some(';');
                continue;
            }
            at_boundary = c == ';';
        }
        match state {
            State::Code => match c {
                '\'' | '"' => state = State::Str(c),
                '`' => state = State::Backquote,
                '/' if chars.peek() == Some(&'/') => {
                    chars.next();
                    state = State::LineComment;
                }
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    state = State::BlockComment;
                }
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = (depth - 1).max(0),
                c if !c.is_whitespace() => last_code_char = Some(c),
                _ => {}
            },
            State::Str(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    state = State::Code;
                }
            }
            State::Backquote => {
                if c == '`' {
                    state = State::Code;
                }
            }
            State::LineComment => {
                if c == '\n' {
                    state = State::Code;
                }
            }
            State::BlockComment => {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    state = State::Code;
                }
            }
        }
    }
    let open = matches!(
        state,
        State::Str(_) | State::Backquote | State::BlockComment
    );
    // A `;` outside strings and comments ends the statement even inside an
    // open bracket (as in DuckDB's shell): the parser then shows where the
    // bracket is missing instead of the shell waiting for more lines.
    let terminated = last_code_char == Some(';');
    if !open && (terminated || only_comments(trimmed)) {
        Completeness::Complete
    } else {
        Completeness::Incomplete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(script: &str) -> Vec<(PieceKind, String)> {
        split(script)
            .into_iter()
            .map(|p| (p.kind, p.text))
            .collect()
    }

    #[test]
    fn splits_on_semicolons_outside_strings_and_comments() {
        let script = "MATCH (n) RETURN 'a;b';\n// c; d\nRETURN \"x\\\";\" /* ; */ ;RETURN `we;ird`";
        assert_eq!(
            texts(script),
            vec![
                (PieceKind::Statement, "MATCH (n) RETURN 'a;b'".to_string()),
                (
                    PieceKind::Statement,
                    "// c; d\nRETURN \"x\\\";\" /* ; */".to_string()
                ),
                (PieceKind::Statement, "RETURN `we;ird`".to_string()),
            ]
        );
    }

    #[test]
    fn commands_end_at_the_line_end() {
        let script = ":param x => 1\nRETURN $x;\n  :format csv;\nRETURN 2";
        assert_eq!(
            texts(script),
            vec![
                (PieceKind::Command, ":param x => 1".to_string()),
                (PieceKind::Statement, "RETURN $x".to_string()),
                (PieceKind::Command, ":format csv".to_string()),
                (PieceKind::Statement, "RETURN 2".to_string()),
            ]
        );
    }

    #[test]
    fn an_unclosed_comment_or_string_is_kept_for_the_parser() {
        for script in [
            "RETURN 1;\n/* never closed;\nRETURN 2;",
            "RETURN 1;\nRETURN 'never closed;\nRETURN 2;",
            "RETURN 1;\nRETURN `never closed;",
        ] {
            let pieces = split(script);
            assert_eq!(pieces.len(), 2, "{script:?}");
            assert_eq!(pieces[1].line, 2, "{script:?}");
        }
        // A closed comment at the end is still dropped.
        assert_eq!(split("RETURN 1;\n/* closed */").len(), 1);
    }

    #[test]
    fn files_that_are_not_scripts_are_told_apart() {
        assert_eq!(not_a_script("MATCH (n) RETURN n;"), None);
        assert_eq!(
            not_a_script("// c\n/* d */ optional match (n) return n"),
            None
        );
        assert_eq!(not_a_script(":param x => 1\nRETURN $x"), None);
        assert_eq!(not_a_script(""), None);
        assert!(not_a_script("root:x:0:0:root:/root:/bin/bash\n").is_some());
        assert!(not_a_script("RETURN 1\0\u{1}").is_some());
        assert!(has_command("RETURN 1; :source x"));
        assert!(!has_command("MATCH (n\n:Person) RETURN n"));
    }

    #[test]
    fn empty_and_comment_only_statements_are_dropped() {
        assert!(split(" ; ;\n// only a comment\n/* and this */ ;").is_empty());
    }

    #[test]
    fn offsets_and_lines_point_at_the_statement() {
        let script = "RETURN 1;\n\n  RETURN 2;";
        let pieces = split(script);
        assert_eq!(pieces[1].line, 3);
        assert_eq!(&script[pieces[1].offset..pieces[1].offset + 8], "RETURN 2");
    }

    #[test]
    fn a_command_after_a_statement_on_one_line_completes_the_input() {
        assert_eq!(completeness("RETURN 1; :timing on"), Completeness::Complete);
        assert_eq!(
            texts("RETURN 1; :timing on"),
            vec![
                (PieceKind::Statement, "RETURN 1".to_string()),
                (PieceKind::Command, ":timing on".to_string()),
            ]
        );
        // A statement after the command still needs its `;`.
        assert_eq!(
            completeness("RETURN 1; :timing on\nMATCH (n)"),
            Completeness::Incomplete
        );
        // A label on a continuation line is not a command.
        assert_eq!(
            completeness("MATCH (n\n:Person) RETURN n"),
            Completeness::Incomplete
        );
        assert_eq!(
            completeness("MATCH (n\n:Person) RETURN n;"),
            Completeness::Complete
        );
    }

    #[test]
    fn completeness_tracks_strings_comments_and_brackets() {
        assert_eq!(completeness("RETURN 1;"), Completeness::Complete);
        assert_eq!(completeness("RETURN 1"), Completeness::Incomplete);
        assert_eq!(completeness("RETURN ';'"), Completeness::Incomplete);
        assert_eq!(completeness("RETURN 'abc;"), Completeness::Incomplete);
        assert_eq!(completeness("MATCH (n;"), Completeness::Complete);
        assert_eq!(completeness("MATCH (n"), Completeness::Incomplete);
        assert_eq!(completeness("RETURN [1, 2];"), Completeness::Complete);
        assert_eq!(completeness("RETURN 1 /* ; */"), Completeness::Incomplete);
        assert_eq!(completeness("RETURN 1; // done"), Completeness::Complete);
        assert_eq!(completeness(":help"), Completeness::Complete);
        assert_eq!(completeness(""), Completeness::Complete);
        assert_eq!(completeness("RETURN 1 )];"), Completeness::Complete);
    }
}
