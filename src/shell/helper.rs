//! The rustyline helper: schema-aware completion and syntax highlighting
//! for the REPL.

use std::borrow::Cow;

use indexmap::{IndexMap, IndexSet};
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use crate::shell::command::COMMANDS;
use crate::store::Graph;
use crate::value::Value;

/// Cypher keywords offered by completion and coloured by the highlighter.
pub const KEYWORDS: &[&str] = &[
    "MATCH",
    "OPTIONAL",
    "WHERE",
    "RETURN",
    "WITH",
    "DISTINCT",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "ASCENDING",
    "DESCENDING",
    "SKIP",
    "LIMIT",
    "UNWIND",
    "AS",
    "UNION",
    "ALL",
    "CREATE",
    "MERGE",
    "ON",
    "SET",
    "REMOVE",
    "DELETE",
    "DETACH",
    "CALL",
    "YIELD",
    "AND",
    "OR",
    "XOR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "TRUE",
    "FALSE",
    "STARTS",
    "ENDS",
    "CONTAINS",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "EXISTS",
    "EXPLAIN",
    "PROFILE",
    "COUNT",
];

/// What completion knows about the graph; rebuilt after writes.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Labels in use.
    pub labels: Vec<String>,
    /// Relation types in use.
    pub types: Vec<String>,
    /// Property keys of entities, per label.
    pub keys_by_label: IndexMap<String, IndexSet<String>>,
    /// Every property key of entities and relations.
    pub keys: IndexSet<String>,
    /// Entity names, keys and aliases, as written.
    pub names: IndexSet<String>,
}

/// How many entities per label are sampled for property keys.
const KEY_SAMPLE: usize = 2_000;
/// How many names completion keeps.
const NAME_LIMIT: usize = 50_000;

impl Schema {
    /// Reads the schema off a graph (sampling large labels).
    pub fn of(graph: &Graph) -> Schema {
        let mut s = Schema {
            labels: graph.labels().map(str::to_string).collect(),
            types: graph.relation_types().map(str::to_string).collect(),
            ..Schema::default()
        };
        for label in &s.labels {
            let keys = s.keys_by_label.entry(label.clone()).or_default();
            for id in graph.entities_with_label(label).take(KEY_SAMPLE) {
                if let Some(e) = graph.entity(id) {
                    keys.extend(e.props.keys().map(|k| k.to_string()));
                }
            }
        }
        for keys in s.keys_by_label.values() {
            s.keys.extend(keys.iter().cloned());
        }
        for r in graph.relations().take(KEY_SAMPLE * 4) {
            s.keys.extend(r.props.keys().map(|k| k.to_string()));
        }
        for e in graph.entities() {
            if s.names.len() >= NAME_LIMIT {
                break;
            }
            if let Some(Value::String(n)) = e.props.get("name") {
                s.names.insert(n.clone());
            }
            if let Some(k) = &e.key {
                s.names.insert(k.clone());
            }
            s.names.extend(e.aliases.iter().map(|a| a.text.clone()));
        }
        s
    }
}

/// The REPL's rustyline helper.
pub struct KgHelper {
    /// The schema used for completion.
    pub schema: Schema,
    /// Whether to colour the input.
    pub color: bool,
    /// The earlier lines of the statement being typed (the REPL sets it
    /// before each continuation line), so `m.` completes the keys of a label
    /// given on a previous line.
    pub context: String,
    files: FilenameCompleter,
}

impl KgHelper {
    /// A helper over a schema.
    pub fn new(schema: Schema, color: bool) -> KgHelper {
        KgHelper {
            schema,
            color,
            context: String::new(),
            files: FilenameCompleter::new(),
        }
    }

    /// Completion candidates for `line` with the cursor at `pos`: the start of
    /// the word being replaced and the candidates.
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        // Inside a quoted string: entity names and aliases.
        // The candidate is written back escaped, so `'Centre d` completes to
        // `'Centre d\'Excellence Hedayah'`, a string the parser reads back.
        if let Some((q, quote_at)) = open_quote(before) {
            let typed = unescape(&before[quote_at + 1..]);
            let norm = crate::store::normalize(&typed);
            let mut out: Vec<String> = self
                .schema
                .names
                .iter()
                .filter(|n| crate::store::normalize(n).starts_with(&norm))
                .map(|n| format!("{}{q}", escape(n, q)))
                .collect();
            out.sort();
            out.dedup();
            return (quote_at + 1, out);
        }
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &before[start..];
        let prefix_char = before[..start].chars().last();
        let lower = word.to_lowercase();
        let matching = |items: &mut dyn Iterator<Item = &str>| -> Vec<String> {
            let mut v: Vec<String> = items
                .filter(|c| c.to_lowercase().starts_with(&lower))
                .map(str::to_string)
                .collect();
            v.sort();
            v.dedup();
            v
        };
        match prefix_char {
            Some(':') if before[..start].trim_start() == ":" => {
                (start, matching(&mut COMMANDS.iter().map(|c| c.0)))
            }
            Some(':') => {
                if innermost_open_bracket(&before[..start]) == Some('[') {
                    (
                        start,
                        matching(&mut self.schema.types.iter().map(String::as_str)),
                    )
                } else {
                    (
                        start,
                        matching(&mut self.schema.labels.iter().map(String::as_str)),
                    )
                }
            }
            Some('.') => {
                let var_end = start - 1;
                let var_start = before[..var_end]
                    .char_indices()
                    .rev()
                    .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
                    .map_or(0, |(i, c)| i + c.len_utf8());
                let var = &before[var_start..var_end];
                let label = label_of(line, var).or_else(|| label_of(&self.context, var));
                let mut keys: Vec<&str> =
                    match label.and_then(|l| self.schema.keys_by_label.get(&l)) {
                        Some(keys) => keys.iter().map(String::as_str).collect(),
                        None => self.schema.keys.iter().map(String::as_str).collect(),
                    };
                // kg's virtual properties of every entity.
                keys.extend(["key", "aliases", "sources"]);
                (start, matching(&mut keys.into_iter()))
            }
            // A key of a map in a pattern: `(m {na` or `{name: 'x', al`.
            _ if innermost_open_bracket(&before[..start]) == Some('{')
                && matches!(before[..start].trim_end().chars().last(), Some('{' | ',')) =>
            {
                let mut keys: Vec<&str> = self.schema.keys.iter().map(String::as_str).collect();
                keys.extend(["alias", "key"]);
                let mut out = matching(&mut keys.into_iter());
                if word.is_empty() {
                    out.clear();
                }
                (start, out)
            }
            _ => {
                let mut words: Vec<&str> = KEYWORDS.to_vec();
                words.extend(crate::builtins::functions::all_names());
                words.extend(crate::builtins::procedures::names());
                let mut out = matching(&mut words.into_iter());
                if word.is_empty() {
                    out.clear();
                }
                (start, out)
            }
        }
    }
}

/// The quote character and byte offset of a string left open in `text`.
fn open_quote(text: &str) -> Option<(char, usize)> {
    let mut open: Option<(char, usize)> = None;
    let mut escaped = false;
    let mut in_comment = false;
    let mut prev = '\0';
    for (i, c) in text.char_indices() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
            }
        } else if let Some((q, _)) = open {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                open = None;
            }
        } else if c == '/' && prev == '/' {
            in_comment = true;
        } else if c == '\'' || c == '"' {
            open = Some((c, i));
        }
        prev = c;
    }
    open
}

/// The text of a string literal's body as typed so far, escapes decoded
/// (`d\'E` → `d'E`); a trailing lone `\` is dropped.
fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(e) => out.push(e),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` written for the inside of a string literal quoted with `q`.
fn escape(text: &str, q: char) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' || c == q {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The innermost bracket still open in `text` (strings ignored).
fn innermost_open_bracket(text: &str) -> Option<char> {
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => stack.push(c),
                ')' | ']' | '}' => {
                    stack.pop();
                }
                _ => {}
            },
        }
    }
    stack.last().copied()
}

/// The label a variable is given in the line, as in `(m:Country` → `Country`.
fn label_of(line: &str, var: &str) -> Option<String> {
    if var.is_empty() {
        return None;
    }
    let needle = format!("{var}:");
    let mut from = 0;
    while let Some(i) = line[from..].find(&needle) {
        let at = from + i;
        let ok_before = line[..at]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if ok_before {
            let rest = &line[at + needle.len()..];
            let label: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !label.is_empty() {
                return Some(label);
            }
        }
        from = at + needle.len();
    }
    None
}

impl Completer for KgHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let trimmed = line.trim_start();
        for cmd in [":source ", ":read ", ":save ", ":open "] {
            if trimmed.starts_with(cmd) {
                return self.files.complete(line, pos, ctx);
            }
        }
        let (start, words) = self.candidates(line, pos);
        Ok((
            start,
            words
                .into_iter()
                .map(|w| Pair {
                    display: w.clone(),
                    replacement: w,
                })
                .collect(),
        ))
    }
}

impl Hinter for KgHelper {
    type Hint = String;
}

/// Every line is accepted as typed: the REPL loop itself decides whether a
/// statement is complete ([`crate::script::completeness`]) and asks for more
/// lines with a continuation prompt, which rustyline cannot draw for input it
/// holds open itself.
impl Validator for KgHelper {
    fn validate(&self, _ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(ValidationResult::Valid(None))
    }
}

impl Highlighter for KgHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight(line))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

impl Helper for KgHelper {}

const KEYWORD_STYLE: &str = "\x1b[1;34m";
const STRING_STYLE: &str = "\x1b[32m";
const NUMBER_STYLE: &str = "\x1b[36m";
const PARAM_STYLE: &str = "\x1b[35m";
const COMMENT_STYLE: &str = "\x1b[2;37m";
const ERROR_STYLE: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// Colours a line of Cypher with ANSI escapes: keywords, strings, numbers,
/// parameters, comments, and brackets that have no partner.
pub fn highlight(line: &str) -> String {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let unmatched = unmatched_brackets(line);
    let mut out = String::with_capacity(line.len() * 2);
    let mut i = 0;
    let end_of = |k: usize| chars.get(k).map_or(line.len(), |(b, _)| *b);
    while i < chars.len() {
        let (b, c) = chars[i];
        if c == '/' && chars.get(i + 1).is_some_and(|(_, n)| *n == '/') {
            out.push_str(COMMENT_STYLE);
            out.push_str(&line[b..]);
            out.push_str(RESET);
            break;
        }
        if c == '\'' || c == '"' {
            let mut j = i + 1;
            let mut escaped = false;
            while j < chars.len() {
                let cj = chars[j].1;
                if escaped {
                    escaped = false;
                } else if cj == '\\' {
                    escaped = true;
                } else if cj == c {
                    break;
                }
                j += 1;
            }
            let stop = end_of((j + 1).min(chars.len()));
            out.push_str(STRING_STYLE);
            out.push_str(&line[b..stop]);
            out.push_str(RESET);
            i = j + 1;
            continue;
        }
        if c == '$' || c.is_alphabetic() || c == '_' {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].1.is_alphanumeric() || chars[j].1 == '_') {
                j += 1;
            }
            let word = &line[b..end_of(j)];
            let prev = line[..b].chars().last();
            if c == '$' {
                out.push_str(PARAM_STYLE);
                out.push_str(word);
                out.push_str(RESET);
            } else if prev != Some('.')
                && prev != Some(':')
                && KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
                && !is_function_call(word, &line[end_of(j)..])
            {
                out.push_str(KEYWORD_STYLE);
                out.push_str(word);
                out.push_str(RESET);
            } else {
                out.push_str(word);
            }
            i = j;
            continue;
        }
        if c.is_ascii_digit() {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].1.is_ascii_alphanumeric() || chars[j].1 == '.') {
                j += 1;
            }
            out.push_str(NUMBER_STYLE);
            out.push_str(&line[b..end_of(j)]);
            out.push_str(RESET);
            i = j;
            continue;
        }
        if unmatched.contains(&b) {
            out.push_str(ERROR_STYLE);
            out.push(c);
            out.push_str(RESET);
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Whether `word`, followed by `rest`, is a call of a function that shares
/// its name with a keyword (`count(`, `exists(`, `all(`): coloured as a name,
/// not a keyword.
fn is_function_call(word: &str, rest: &str) -> bool {
    rest.trim_start().starts_with('(') && crate::builtins::functions::lookup(word).is_some()
}

/// Byte offsets of brackets without a partner (outside strings and comments).
fn unmatched_brackets(line: &str) -> Vec<usize> {
    let mut stack: Vec<(usize, char)> = Vec::new();
    let mut bad = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev = '\0';
    for (i, c) in line.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c == '/' && prev == '/' {
            break;
        }
        prev = c;
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => stack.push((i, c)),
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match stack.last() {
                    Some((_, open)) if *open == want => {
                        stack.pop();
                    }
                    _ => bad.push(i),
                }
            }
            _ => {}
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Alias, NewEntity};
    use crate::value::ValueMap;

    fn schema() -> Schema {
        let mut g = Graph::new();
        let mut props = ValueMap::default();
        props.insert("name", Value::from("Morocco"));
        props.insert("capital", Value::from("Rabat"));
        let ma = g
            .add_entity(NewEntity {
                key: Some("morocco".into()),
                labels: vec!["Country".into()],
                props,
                aliases: vec![
                    Alias {
                        text: "Maroc".into(),
                        lang: Some("fr".into()),
                    },
                    Alias {
                        text: "المغرب".into(),
                        lang: Some("ar".into()),
                    },
                ],
                sources: vec![],
            })
            .unwrap();
        let mut props = ValueMap::default();
        props.insert("name", Value::from("GCTF"));
        props.insert("founded", Value::Int(2011));
        let gctf = g
            .add_entity(NewEntity {
                key: Some("gctf".into()),
                labels: vec!["Organization".into()],
                props,
                ..Default::default()
            })
            .unwrap();
        g.add_relation(ma, gctf, "CO_CHAIRS", ValueMap::default(), vec![])
            .unwrap();
        Schema::of(&g)
    }

    fn complete(line: &str) -> Vec<String> {
        KgHelper::new(schema(), false)
            .candidates(line, line.len())
            .1
    }

    #[test]
    fn completes_labels_types_and_keys() {
        assert_eq!(complete("MATCH (m:Cou"), vec!["Country"]);
        assert_eq!(complete("MATCH (:"), vec!["Country", "Organization"]);
        assert_eq!(complete("MATCH (m)-[r:CO"), vec!["CO_CHAIRS"]);
        assert_eq!(complete("MATCH (m)-[:"), vec!["CO_CHAIRS"]);
        assert_eq!(
            complete("MATCH (m:Country) RETURN m."),
            vec!["aliases", "capital", "key", "name", "sources"]
        );
        assert_eq!(complete("RETURN m.ke"), vec!["key"]);
        // Inside a pattern map: property keys, `alias` and `key`.
        assert_eq!(complete("MATCH (m {al"), vec!["alias"]);
        assert_eq!(complete("MATCH (m {name: 'x', ca"), vec!["capital"]);
        assert_eq!(complete("MATCH (m {k"), vec!["key"]);
        // A value position in a map is not a key.
        assert!(!complete("MATCH (m {name: na").contains(&"name".to_string()));
        assert_eq!(
            complete("MATCH (o:Organization) RETURN o.f"),
            vec!["founded"]
        );
        assert_eq!(complete("MATCH (x) RETURN x.f"), vec!["founded"]);
    }

    #[test]
    fn completes_keywords_functions_and_commands() {
        assert_eq!(complete("MAT"), vec!["MATCH"]);
        assert!(complete("RETURN toU").contains(&"toUpper".to_string()));
        assert_eq!(complete(":sch"), vec!["schema"]);
    }

    #[test]
    fn completes_every_name_of_the_registries() {
        for f in crate::builtins::functions::FUNCTIONS {
            // The first letters of a name offer it, whatever their case.
            let typed: String = f.name.chars().take(3).collect();
            for t in [typed.clone(), typed.to_uppercase()] {
                let got = complete(&format!("RETURN {t}"));
                assert!(got.contains(&f.name.to_string()), "{t}: {got:?}");
            }
            assert!(
                is_function_call(&f.name.to_uppercase(), "(x)"),
                "{}",
                f.name
            );
        }
        for p in crate::builtins::procedures::PROCEDURES {
            let got = complete("CALL db");
            assert!(got.contains(&p.name.to_string()), "{got:?}");
        }
        assert!(!is_function_call("nope", "(x)"));
    }

    #[test]
    fn completes_names_and_arabic_aliases_in_quotes() {
        assert_eq!(complete("MATCH (m {alias: 'Mar"), vec!["Maroc'"]);
        assert_eq!(complete("MATCH (m {alias: 'المغ"), vec!["المغرب'"]);
        assert_eq!(
            complete("MATCH (m {alias: \"mor"),
            vec!["Morocco\"", "morocco\""]
        );
    }

    #[test]
    fn names_with_the_quote_character_are_escaped() {
        let mut g = Graph::new();
        let mut props = ValueMap::default();
        props.insert("name", Value::from("Centre d'Excellence"));
        g.add_entity(NewEntity {
            key: Some("hedayah".into()),
            labels: vec!["Organization".into()],
            props,
            ..Default::default()
        })
        .unwrap();
        let h = KgHelper::new(Schema::of(&g), false);
        let got = |line: &str| h.candidates(line, line.len());
        assert_eq!(
            got("MATCH (o {alias: 'Centre d"),
            (18, vec!["Centre d\\'Excellence'".to_string()])
        );
        // Typed with its escape, the name still matches.
        assert_eq!(
            got("MATCH (o {alias: 'Centre d\\'Ex").1,
            vec!["Centre d\\'Excellence'"]
        );
        // Inside double quotes the apostrophe needs no escape.
        assert_eq!(
            got("MATCH (o {alias: \"centre").1,
            vec!["Centre d'Excellence\""]
        );
        // The completed literal parses back to the name.
        let line = format!("RETURN '{}", got("RETURN 'Centre").1[0]);
        let mut engine = crate::Engine::with_graph(Graph::new());
        let r = engine.run(&line, &crate::Params::new()).unwrap();
        assert_eq!(r.rows[0][0], Value::from("Centre d'Excellence"));
    }

    #[test]
    fn quotes_inside_strings_do_not_confuse_brackets() {
        assert_eq!(
            complete("MATCH (m {alias: 'a\\'[b'})-[:C"),
            vec!["CO_CHAIRS"]
        );
        assert_eq!(
            complete("MATCH (m {alias: 'a)'}) WHERE m:Co"),
            vec!["Country"]
        );
    }

    #[test]
    fn keys_use_a_label_given_on_an_earlier_line() {
        let mut h = KgHelper::new(schema(), false);
        assert_eq!(
            h.candidates("RETURN o.", 9).1,
            vec!["aliases", "capital", "founded", "key", "name", "sources"]
        );
        h.context = "MATCH (o:Organization)".into();
        assert_eq!(
            h.candidates("RETURN o.", 9).1,
            vec!["aliases", "founded", "key", "name", "sources"]
        );
    }

    #[test]
    fn nothing_is_offered_for_an_empty_word_or_unknown_prefix() {
        assert!(complete("MATCH (n) ").is_empty());
        assert!(complete("MATCH (n:Zz").is_empty());
        assert!(complete("MATCH (n {alias: 'zzz").is_empty());
        assert_eq!(complete(":").len(), COMMANDS.len());
    }

    #[test]
    fn arabic_aliases_match_without_diacritics_and_keep_their_spelling() {
        // Typed with a vowel mark, the alias is still found and is offered
        // exactly as the graph spells it.
        assert_eq!(complete("MATCH (m {alias: 'المَغ"), vec!["المغرب'"]);
        let (start, _) =
            KgHelper::new(schema(), false).candidates("RETURN 'المغ", "RETURN 'المغ".len());
        assert_eq!(start, "RETURN '".len());
    }

    #[test]
    fn source_and_open_complete_file_paths() {
        let dir = std::env::temp_dir().join(format!("kg-helper-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("only-script.kgq"), "RETURN 1;").unwrap();
        let h = KgHelper::new(schema(), false);
        let history = rustyline::history::MemHistory::new();
        let ctx = Context::new(&history);
        for cmd in [":source", ":open", ":read"] {
            let line = format!("{cmd} {}/only-scr", dir.display());
            let (start, pairs) = h.complete(&line, line.len(), &ctx).unwrap();
            let replaced: Vec<&str> = pairs.iter().map(|p| p.replacement.as_str()).collect();
            assert_eq!(start, cmd.len() + 1, "{cmd}");
            assert_eq!(
                replaced,
                vec![format!("{}/only-script.kgq", dir.display())],
                "{cmd}"
            );
        }
        // Elsewhere a path-like word is not completed as a file.
        let (_, pairs) = h.complete("RETURN only", 11, &ctx).unwrap();
        assert!(pairs.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn highlights_and_flags_unmatched_brackets() {
        let h = highlight("MATCH (n) RETURN 'x', 1, $p // c");
        assert!(h.contains("\x1b[1;34mMATCH\x1b[0m"));
        assert!(h.contains("\x1b[32m'x'\x1b[0m"));
        assert!(h.contains("\x1b[36m1\x1b[0m"));
        assert!(h.contains("\x1b[35m$p\x1b[0m"));
        assert!(h.contains("\x1b[2;37m// c\x1b[0m"));
        assert!(highlight("RETURN 1)").contains("\x1b[1;31m)\x1b[0m"));
        assert!(!highlight("RETURN (1)").contains("\x1b[1;31m"));
        assert!(!highlight("RETURN ')'").contains("\x1b[1;31m"));
        // property names that are keywords stay plain
        assert!(!highlight("RETURN n.count").contains("\x1b[1;34mcount"));
        // so do calls of functions named like keywords, but not the keywords
        let h = highlight("RETURN count(n), exists (n.x)");
        assert!(!h.contains("\x1b[1;34mcount") && !h.contains("\x1b[1;34mexists"));
        assert!(highlight("RETURN count { MATCH (n) }").contains("\x1b[1;34mcount\x1b[0m"));
        assert!(highlight("MATCH (n) WHERE n.x IN [1]").contains("\x1b[1;34mIN\x1b[0m"));
    }
}
