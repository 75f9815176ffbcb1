//! Syntax errors in words a user knows: pest's expected rules and tokens are
//! translated into names like "an expression" or "`)`", the caret points at
//! the offending token, and deep or huge input is refused up front.

use std::num::NonZeroUsize;
use std::sync::{Mutex, Once};

use pest::error::{ErrorVariant, InputLocation};
use pest::Parser as _;

use super::parser::{CypherParser, Rule};
use crate::error::{Error, Result, Span};

/// The deepest nesting of brackets accepted before parsing.
pub(crate) const MAX_NESTING: usize = 100;

/// The budget of pest calls for one parse: a few hundred kilobytes of
/// ordinary Cypher fit in it; pathological backtracking stops within
/// seconds (in a release build).
const CALL_LIMIT: usize = 50_000_000;

/// Sets pest's call budget (a process-wide switch) once.
pub(crate) fn configure_pest() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        pest::set_call_limit(NonZeroUsize::new(CALL_LIMIT));
    });
}

/// Parses `text` again, this time collecting the literal tokens pest tried
/// (`)`, `]`, ...), and translates the failure. Collecting them slows
/// parsing, so it is only switched on (process-wide, under a lock so that
/// messages do not depend on other threads) for a query that already failed.
pub(crate) fn detailed_error(text: &str, first: &pest::error::Error<Rule>) -> Error {
    detailed_error_for(Rule::statement, text, first)
}

/// [`detailed_error`] for text parsed as `rule`.
pub(crate) fn detailed_error_for(
    rule: Rule,
    text: &str,
    first: &pest::error::Error<Rule>,
) -> Error {
    static DETAIL: Mutex<()> = Mutex::new(());
    let guard = DETAIL.lock().unwrap_or_else(|p| p.into_inner());
    pest::set_error_detail(true);
    let again = super::expr::with_stack(|| CypherParser::parse(rule, text));
    pest::set_error_detail(false);
    drop(guard);
    match again {
        Err(e) => from_pest(&e, text),
        Ok(_) => from_pest(first, text),
    }
}

/// Refuses input nested too deeply for the parser's recursion to be safe.
/// Strings, backquoted names and comments are skipped.
pub(crate) fn precheck(text: &str) -> Result<()> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    if bytes[i] == b'\\' && q != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Error::syntax(
                        "UnexpectedSyntax",
                        format!("the query is nested too deeply (more than {MAX_NESTING} levels of brackets)"),
                        Span::new(i, i + 1),
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// An error for a string, backquoted name or block comment that is never
/// closed: it swallows the rest of the query, so pest's own position would
/// be the end of the input.
fn unclosed(text: &str) -> Option<Error> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => {
                let open = i;
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    if bytes[i] == b'\\' && q != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= bytes.len() {
                    let (what, close) = match q {
                        b'`' => ("name", "`"),
                        b'"' => ("string", "\""),
                        _ => ("string", "'"),
                    };
                    return Some(
                        Error::syntax(
                            "UnexpectedSyntax",
                            format!("this {what} is never closed"),
                            Span::new(open, open + 1),
                        )
                        .with_help(format!("add the closing `{close}`")),
                    );
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let open = i;
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                if i + 1 >= bytes.len() {
                    return Some(
                        Error::syntax(
                            "UnexpectedSyntax",
                            "this comment is never closed",
                            Span::new(open, open + 2),
                        )
                        .with_help("add the closing `*/`"),
                    );
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// What a rule stands for in an error message, or `None` to leave it out
/// (operators are summed up as "an operator").
fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of input",
        WHITESPACE | COMMENT | ident_char | exponent => return None,
        clause => "a clause",
        set_item => "a property, variable or label to set",
        remove_item => "a property or label to remove",
        dash => "`-`",
        prefix_op | atom => "an expression",
        postfix_op | infix_op => "an operator",
        symbolic_name => "a name",
        comprehension_head | special_head => return None,
        statement | query | single_query => "a clause",
        semicolon => "`;`",
        union_part | kw_union => "UNION",
        match_clause | unwind_clause | with_clause | return_clause | create_clause
        | merge_clause | set_clause | remove_clause | delete_clause | call_clause => "a clause",
        where_clause | kw_where | filter_where => "WHERE",
        projection_body | projection_items => "an expression or `*`",
        star => "`*`",
        projection_item => "an expression",
        order_by | kw_order => "ORDER BY",
        sort_item => "an expression",
        skip | kw_skip => "SKIP",
        limit | kw_limit => "LIMIT",
        merge_action | kw_on => "ON CREATE SET or ON MATCH SET",
        set_property | set_variable | set_labels => "a property, variable or label to set",
        plus_eq => "`+=`",
        eq_sign => "`=`",
        property_expression => "a property such as `n.name`",
        remove_labels | remove_property => "a property or label to remove",
        procedure_name => "a procedure name",
        call_args => "`(`",
        yield_clause | kw_yield => "YIELD",
        yield_item => "a column name",
        pattern | pattern_part | pattern_element | shortest_path | all_shortest_paths => {
            "a pattern such as `(n)`"
        }
        node_pattern => "a node pattern such as `(n)`",
        node_labels | node_label | label_predicate => "a label such as `:Person`",
        properties => "a property map such as `{name: 'x'}`",
        rel_pattern | relationships_pattern => "a relationship pattern such as `-[:KNOWS]->`",
        left_arrow => "a relationship pattern such as `-[:KNOWS]->`",
        right_arrow => "`>`",
        rel_detail => "`[`",
        rel_types => "a relationship type such as `:KNOWS`",
        range_spec => "a length such as `*1..3`",
        invalid_range => return None,
        range_lo | range_hi => "a number",
        range_dots => "`..`",
        expression | slice_from | slice_to => "an expression",
        op_not => "NOT",
        op_neg | op_pos => "an expression",
        property_lookup => "`.`",
        subscript => "`[`",
        is_null | is_not_null => "IS NULL",
        op_or | op_xor | op_and | op_ne | op_le | op_ge | op_lt | op_gt | op_regex | op_eq
        | op_in | op_starts_with | op_ends_with | op_contains | op_add | op_sub | op_mul
        | op_div | op_mod | op_pow => "an operator",
        parenthesized => "an expression",
        list_literal => "a list",
        map_literal => "a map such as `{key: value}`",
        map_entry => "a map entry such as `key: value`",
        parameter => "a parameter such as `$name`",
        param_number => "a name",
        case_expr | kw_case => "CASE",
        case_when | kw_when => "WHEN",
        case_else | kw_else => "ELSE",
        count_star => "count(*)",
        list_comprehension | pattern_comprehension => "an expression",
        projection_bar => "`|`",
        quantifier | reduce_expr | exists_subquery | function_call => "an expression",
        function_name => "a function name",
        number_literal | neg_sign | hex_int | octal_int | float_lit | dec_int | invalid_number => {
            "a number"
        }
        string_literal | sq_body | dq_body => "a string",
        variable => "a variable name",
        schema_name | plain_name | escaped_name | escaped_body | reserved => "a name",
        schema_head | schema_statement | create_index | drop_index | show_indexes => {
            "CREATE INDEX, DROP INDEX or SHOW INDEXES"
        }
        index_name => "an index name",
        if_not_exists => "IF NOT EXISTS",
        if_exists => "IF EXISTS",
        index_node => "a node pattern such as `(n:Label)`",
        index_rel => "a relationship pattern such as `()-[r:TYPE]-()`",
        index_property => "a property such as `n.name`",
        kw_index => "INDEX",
        kw_indexes => "INDEXES",
        kw_drop => "DROP",
        kw_show => "SHOW",
        kw_for => "FOR",
        kw_if => "IF",
        kw_range => "RANGE",
        kw_all => "ALL",
        kw_all_shortest_paths => "allShortestPaths",
        kw_and => "AND",
        kw_any => "ANY",
        kw_as => "AS",
        kw_asc => "ASC",
        kw_ascending => "ASCENDING",
        kw_by => "BY",
        kw_call => "CALL",
        kw_contains => "CONTAINS",
        kw_count => "count",
        kw_create => "CREATE",
        kw_delete => "DELETE",
        kw_desc => "DESC",
        kw_descending => "DESCENDING",
        kw_detach => "DETACH",
        kw_distinct => "DISTINCT",
        kw_end => "END",
        kw_ends => "ENDS WITH",
        kw_exists => "EXISTS",
        kw_explain => "EXPLAIN",
        kw_verbose => "VERBOSE",
        kw_false => "false",
        kw_in => "IN",
        kw_is => "IS",
        kw_match => "MATCH",
        kw_merge => "MERGE",
        kw_none => "NONE",
        kw_not => "NOT",
        kw_null => "null",
        kw_optional => "OPTIONAL MATCH",
        kw_or => "OR",
        kw_profile => "PROFILE",
        kw_reduce => "reduce",
        kw_remove => "REMOVE",
        kw_return => "RETURN",
        kw_set => "SET",
        kw_shortest_path => "shortestPath",
        kw_single => "SINGLE",
        kw_starts => "STARTS WITH",
        kw_then => "THEN",
        kw_true => "true",
        kw_unwind => "UNWIND",
        kw_with => "WITH",
        kw_xor => "XOR",
    })
}

/// The order descriptions are listed in: closing punctuation first, then
/// specific words, then broad categories, then end of input.
fn rank(desc: &str) -> u8 {
    match desc {
        "`)`" | "`]`" | "`}`" => 0,
        "`,`" | "`:`" | "`|`" | "`=`" => 1,
        "end of input" => 9,
        "a clause" => 7,
        "an operator" => 6,
        "an expression" => 5,
        d if d.starts_with('`') => 2,
        d if d.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => 3,
        _ => 4,
    }
}

/// Joins descriptions: "A", "A or B", "A, B or C".
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// The token at byte `pos` of `text`, for "found ..." and the caret.
fn token_at(text: &str, pos: usize) -> (Span, String) {
    let rest = text.get(pos..).unwrap_or("");
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return (Span::new(pos, pos), "end of input".to_string());
    };
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let len = if is_word(first) {
        rest.find(|c: char| !is_word(c)).unwrap_or(rest.len())
    } else if first == '\'' || first == '"' {
        first.len_utf8()
    } else {
        let two = rest.get(..2).unwrap_or("");
        if ["<>", "<=", ">=", "=~", "+=", "->", "<-", "..", "--"].contains(&two) {
            2
        } else {
            first.len_utf8()
        }
    };
    let tok = &rest[..len];
    (Span::new(pos, pos + len), format!("`{tok}`"))
}

/// Case-insensitive edit distance, for "did you mean" hints on keywords.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The words that cannot be variable names unless backquoted (the
/// grammar's `reserved` rule).
pub(super) const RESERVED: &[&str] = &[
    "AND",
    "AS",
    "ASC",
    "ASCENDING",
    "BY",
    "CALL",
    "CASE",
    "CONTAINS",
    "CREATE",
    "DELETE",
    "DESC",
    "DESCENDING",
    "DETACH",
    "DISTINCT",
    "ELSE",
    "END",
    "ENDS",
    "FALSE",
    "IN",
    "IS",
    "LIMIT",
    "MATCH",
    "MERGE",
    "NOT",
    "NULL",
    "ON",
    "OPTIONAL",
    "OR",
    "ORDER",
    "REMOVE",
    "RETURN",
    "SET",
    "SKIP",
    "STARTS",
    "THEN",
    "TRUE",
    "UNION",
    "UNWIND",
    "WHEN",
    "WHERE",
    "WITH",
    "XOR",
    "YIELD",
];

const KEYWORDS: &[&str] = &[
    "MATCH", "OPTIONAL", "WHERE", "RETURN", "WITH", "UNWIND", "CREATE", "MERGE", "SET", "REMOVE",
    "DELETE", "DETACH", "CALL", "YIELD", "UNION", "ORDER", "SKIP", "LIMIT", "DISTINCT", "AS",
    "AND", "OR", "XOR", "NOT", "CONTAINS", "STARTS", "ENDS", "CASE", "WHEN", "THEN", "ELSE", "END",
];

/// Keywords that start a clause: when several are expected, they are
/// summed up as "a clause".
const CLAUSE_WORDS: &[&str] = &[
    "MATCH",
    "OPTIONAL MATCH",
    "UNWIND",
    "WITH",
    "RETURN",
    "CREATE",
    "MERGE",
    "SET",
    "REMOVE",
    "DELETE",
    "DETACH",
    "CALL",
];

/// What may follow an expression, covered by "an operator" when that is
/// expected too.
const OPERATOR_WORDS: &[&str] = &[
    "`:`",
    "`=`",
    "`.`",
    "`[`",
    "a label such as `:Person`",
    "IS NULL",
    "AND",
    "OR",
    "XOR",
    "IN",
    "IS",
    "CONTAINS",
    "STARTS WITH",
    "ENDS WITH",
];

/// What may start an expression, covered by "an expression" when that is
/// expected too.
const EXPRESSION_STARTS: &[&str] = &[
    "a number",
    "a string",
    "a list",
    "a variable name",
    "NOT",
    "CASE",
    "count(*)",
    "count",
    "reduce",
    "EXISTS",
    "ALL",
    "ANY",
    "NONE",
    "SINGLE",
    "a function name",
    "a node pattern such as `(n)`",
    "a parameter such as `$name`",
    "a map such as `{key: value}`",
    "true",
    "false",
    "null",
    "`(`",
    "`[`",
    "`{`",
    "`-`",
    "`+`",
    "`$`",
];

/// The descriptions of what was expected at `pos`: from the rules pest
/// tried there, and from the punctuation it tried there.
fn expected(
    positives: &[Rule],
    attempts: Option<&(usize, Vec<String>)>,
    pos: usize,
) -> Vec<&'static str> {
    let mut descs: Vec<&'static str> = Vec::new();
    let mut add = |d: &'static str| {
        if !descs.contains(&d) {
            descs.push(d);
        }
    };
    for r in positives {
        if let Some(d) = describe(*r) {
            add(d);
        }
    }
    if let Some((_, tokens)) = attempts.filter(|a| a.0 == pos) {
        let only_tokens = positives.is_empty();
        for t in tokens {
            let d = match t.as_str() {
                ")" => "`)`",
                "]" => "`]`",
                "}" => "`}`",
                "," => "`,`",
                ":" => "`:`",
                "|" => "`|`",
                "=" => "`=`",
                "(" if only_tokens => "`(`",
                "[" if only_tokens => "`[`",
                "{" if only_tokens => "`{`",
                "*" if only_tokens => "`*`",
                ".." if only_tokens => "`..`",
                "-" if only_tokens => "`-`",
                ">" if only_tokens => "`>`",
                "BY" if only_tokens => "BY",
                "WITH" if only_tokens => "WITH",
                "NULL" if only_tokens => "NULL",
                "MATCH" if only_tokens => "MATCH",
                "SET" if only_tokens => "SET",
                "DELETE" if only_tokens => "DELETE",
                _ => continue,
            };
            add(d);
        }
    }
    let clause_words = descs.iter().filter(|d| CLAUSE_WORDS.contains(d)).count();
    if clause_words >= 2 {
        descs.retain(|d| !CLAUSE_WORDS.contains(d));
        descs.push("a clause");
    }
    if descs.contains(&"a clause") {
        descs.retain(|d| !matches!(*d, "UNION" | "`;`" | "EXPLAIN" | "PROFILE"));
        if !descs.contains(&"end of input") && positives.contains(&Rule::EOI) {
            descs.push("end of input");
        }
    }
    if descs.contains(&"an operator") {
        descs.retain(|d| !OPERATOR_WORDS.contains(d));
    }
    if descs.contains(&"an expression") {
        descs.retain(|d| !EXPRESSION_STARTS.contains(d));
    }
    if descs.contains(&"a label such as `:Person`") {
        descs.retain(|d| *d != "`:`");
    }
    let mut seen = Vec::new();
    descs.retain(|d| {
        let fresh = !seen.contains(d);
        seen.push(*d);
        fresh
    });
    descs.sort_by_key(|d| rank(d));
    descs
}

/// Translates a pest error into a kg syntax error.
fn from_pest(e: &pest::error::Error<Rule>, text: &str) -> Error {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives: Vec<Rule> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { message } => {
            // pest's own limits: call budget or native stack.
            return Error::syntax(
                "UnexpectedSyntax",
                format!("the query is too long or too complex to parse ({message})"),
                Span::new(pos.min(text.len()), pos.min(text.len())),
            );
        }
    };
    // Literal tokens (`)`, `]`, ...) are not rules; when one was the last
    // thing tried, pest's token tracking knows the furthest position.
    let attempts = e.parse_attempts().map(|a| {
        let tokens: Vec<String> = a.expected_tokens().iter().map(|t| t.to_string()).collect();
        (a.max_position, tokens)
    });
    let frontier = match &attempts {
        Some((max, _)) if *max > pos && *max <= text.len() => {
            let descs = expected(&[], attempts.as_ref(), *max);
            (!descs.is_empty()).then_some((*max, descs))
        }
        _ => None,
    };
    let (pos, descs) = match frontier {
        Some(f) => f,
        None => (pos, expected(&positives, attempts.as_ref(), pos)),
    };
    let (tok_span, found) = token_at(text, pos);

    if let Some(err) = unclosed(text) {
        return err;
    }

    // A character that only looks like an operator: `—` for `-`, `’` for `'`, ...
    if let Some(c) = text.get(pos..).and_then(|r| r.chars().next()) {
        if !c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace() {
            let suggestion = match c {
                '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
                    Some("-")
                }
                '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => Some("'"),
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => Some("\""),
                '\u{2264}' => Some("<="),
                '\u{2265}' => Some(">="),
                '\u{2260}' => Some("<>"),
                '\u{00D7}' => Some("*"),
                '\u{00F7}' => Some("/"),
                _ => None,
            };
            let err = Error::syntax(
                "InvalidUnicodeCharacter",
                format!(
                    "unexpected character `{c}` (U+{:04X}) outside a string",
                    u32::from(c)
                ),
                Span::new(pos, pos + c.len_utf8()),
            );
            return match suggestion {
                Some(s) => err.with_help(format!("did you mean `{s}`?")),
                None => err,
            };
        }
    }

    let message = if descs.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&descs))
    };
    let mut err = Error::syntax("UnexpectedSyntax", message, tok_span);
    if text.get(..pos).is_some_and(|t| t.trim_end().ends_with(';')) {
        return err.with_help("run one statement at a time: each query ends at its `;`");
    }
    let word = found.trim_matches('`');
    if descs
        .iter()
        .any(|d| *d == "a variable name" || *d == "a name")
        && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
    {
        return err.with_help(format!(
            "{word} is a reserved word; to use it as a name, write it in backquotes: `{word}`"
        ));
    }
    if found.len() > 4 {
        if text.get(..pos).is_some_and(|t| t.trim_end().ends_with(';')) {
            return err.with_help("run one statement at a time: each query ends at its `;`");
        }
        let word = found.trim_matches('`');
        if word.chars().all(|c| c.is_ascii_alphabetic()) {
            if let Some(k) = KEYWORDS
                .iter()
                .filter(|k| !k.eq_ignore_ascii_case(word))
                .find(|k| distance(k, word) <= if word.len() > 4 { 2 } else { 1 })
            {
                err = err.with_help(format!("did you mean `{k}`?"));
            }
        }
    }
    err
}
