//! Property tests: the parser never panics, whatever the input, and its
//! errors always point inside the text and speak in plain words.

use kg::syntax::parse;
use proptest::prelude::*;

/// Valid queries to mutate.
const SEEDS: &[&str] = &[
    "MATCH (n:Person {name: 'Alice'})-[r:KNOWS*1..3]->(m) WHERE m.age > 30 RETURN m.name AS name ORDER BY name DESC SKIP 1 LIMIT 10",
    "OPTIONAL MATCH p = shortestPath((a)-[*]-(b)) RETURN nodes(p), length(p)",
    "UNWIND [1, 2, 3] AS x WITH x, x * 2 AS y WHERE y > 2 RETURN collect(DISTINCT y)",
    "CREATE (a:A {k: $v})-[:T {w: 1.5e3}]->(b:B) MERGE (a)-[:U]->(c) ON CREATE SET c.x = 0x1F ON MATCH SET c += {y: -1}",
    "MATCH (n) SET n:L:M, n.p = [x IN range(0, 10) WHERE x % 2 = 0 | x ^ 2] REMOVE n.q, n:N DETACH DELETE n",
    "RETURN CASE WHEN 1 < 2 <= 3 THEN 'a\\n' ELSE \"b\\u0041\" END, reduce(s = 0, x IN [1,2] | s + x), all(x IN [] WHERE x)",
    "MATCH (a) WHERE (a)-->() AND NOT exists { MATCH (a)<--(b) RETURN b } RETURN [(a)-->(b) | b.name][..2]",
    "CALL db.labels() YIELD label AS l WHERE l STARTS WITH 'A' RETURN l UNION ALL RETURN 'x' AS l",
    "EXPLAIN MATCH (`weird name`:`Label`) RETURN `weird name`.`key` IS NOT NULL, count(*) // done",
];

/// Fragments inserted by mutations.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "..",
    "*",
    "-",
    "->",
    "<-",
    "|",
    "=",
    "<>",
    "'",
    "\"",
    "`",
    "\\",
    "$",
    "0x",
    "1e999",
    "9223372036854775808",
    "MATCH",
    "RETURN",
    "WHERE",
    "WITH",
    "AS",
    "NOT",
    "CASE",
    "END",
    "IN",
    "IS NULL",
    "/*",
    "*/",
    "//",
    "\n",
    " ",
    "—",
    "é",
    "🧐",
    "\u{0}",
];

/// Applies one mutation chosen by `kind` at byte position `at` (adjusted to
/// a character boundary).
fn mutate(text: &str, kind: u8, at: usize, len: usize, token: &str) -> String {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut end = (at + len).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match kind % 4 {
        0 => format!("{}{}", &text[..at], &text[end..]),
        1 => format!("{}{}{}", &text[..at], token, &text[at..]),
        2 => format!("{}{}{}", &text[..at], token, &text[end..]),
        _ => format!("{}{}{}", &text[..end], &text[at..end], &text[end..]),
    }
}

/// The AST's debug form without positions and verbatim column texts.
fn shape(s: &kg::syntax::ast::Statement) -> String {
    let spans = regex::Regex::new(r"span: Span \{ start: \d+, end: \d+ \}").expect("regex");
    let texts = regex::Regex::new(r#"text: "(?:[^"\\]|\\.)*""#).expect("regex");
    let d = format!("{s:?}");
    let d = spans.replace_all(&d, "");
    texts.replace_all(&d, "").into_owned()
}

/// Parses and checks the error, if any; a parsed query must print back to
/// Cypher that parses to the same tree.
fn check(text: &str) -> Result<(), TestCaseError> {
    if let Ok(ast) = parse(text) {
        let printed = ast.to_string();
        match parse(&printed) {
            Ok(again) => prop_assert_eq!(shape(&ast), shape(&again), "printed: {}", printed),
            Err(e) => prop_assert!(false, "printed form fails: {}", e.render("p", &printed)),
        }
    }
    if let Err(e) = parse(text) {
        let span = e
            .span
            .ok_or_else(|| TestCaseError::fail("error without a span"))?;
        prop_assert!(
            span.start <= span.end && span.end <= text.len(),
            "span {span:?} outside text"
        );
        prop_assert!(!e.message.is_empty());
        for internal in ["kw_", "_clause", "_literal", "EOI", "Rule::"] {
            prop_assert!(
                !e.message.contains(internal),
                "internal name in message: {}",
                e.message
            );
        }
        prop_assert_ne!(
            e.kind,
            kg::ErrorKind::Internal,
            "internal error: {}",
            e.message
        );
        let rendered = e.render("q", text);
        prop_assert!(rendered.contains('^'));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn cypher_like_text_never_panics(text in "[()\\[\\]{}:.,*<>=\\-+'\"`$a-zA-Z0-9 \\n|/\\\\]{0,60}") {
        check(&text)?;
    }

    #[test]
    fn mutated_queries_never_panic(
        seed in 0..SEEDS.len(),
        edits in proptest::collection::vec((any::<u8>(), any::<usize>(), 0usize..8, 0..TOKENS.len()), 1..4),
    ) {
        let mut text = SEEDS[seed].to_string();
        for (kind, at, len, tok) in edits {
            text = mutate(&text, kind, at, len, TOKENS[tok]);
        }
        check(&text)?;
    }
}

#[test]
fn seeds_parse() {
    for s in SEEDS {
        if let Err(e) = parse(s) {
            panic!("{}", e.render("seed", s));
        }
    }
}
