//! Snapshot tests of rendered syntax errors for typical mistakes: the
//! message says what was expected in plain words and the caret points at the
//! offending token.

use kg::syntax::parse;

/// Renders the error for `query`, or fails if it parses.
fn render(query: &str) -> String {
    match parse(query) {
        Ok(_) => panic!("expected a syntax error for: {query}"),
        Err(e) => format!("[{}]\n{}", e.code, e.render("query", query)),
    }
}

macro_rules! snap {
    ($name:ident, $query:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), render($query), $query);
        }
    };
}

snap!(unclosed_node_pattern, "MATCH (n:Person RETURN n");
snap!(missing_return_items, "MATCH (n) RETURN");
snap!(misspelled_keyword, "MATCH (n) RETRUN n");
snap!(unclosed_relationship, "MATCH (a)-[r:KNOWS->(b) RETURN a");
snap!(dangling_operator, "RETURN 1 +");
snap!(unclosed_list, "RETURN [1, 2");
snap!(map_without_colon, "RETURN {name 'x'}");
snap!(order_without_by, "MATCH (n) RETURN n ORDER n.x");
snap!(unclosed_string, "MATCH (n) WHERE n.name = 'Alice RETURN n");
snap!(doubled_operator, "MATCH (n) WHERE n.age >> 3 RETURN n");
snap!(missing_assignment, "MATCH (n) SET n.x RETURN n");
snap!(two_expressions, "RETURN 1 2");
snap!(unwind_without_as, "UNWIND [1, 2] x RETURN x");
snap!(missing_node_after_arrow, "MATCH (a)-[:T]-> RETURN a");
snap!(empty_query, "");
snap!(integer_overflow, "RETURN 9223372036854775808");
snap!(unicode_dash, "RETURN 42 — 41");
snap!(bad_unicode_escape, "RETURN 'caf\\u00g9'");
snap!(invalid_number, "RETURN 12abc");
snap!(
    multiline_caret,
    "MATCH (a:Person)\nWHERE a.age > 30\nRETURN a.name AS name,\n       a.age AS\nORDER BY name"
);
snap!(pattern_in_return, "MATCH (n) RETURN (n)-->()");
snap!(bad_var_length, "MATCH (a)-[:KNOWS..3]->(b) RETURN b");
snap!(unclosed_comment, "MATCH (n) /* find them all RETURN n");
snap!(reserved_word_as_alias, "MATCH (n) RETURN n.x AS order");
snap!(two_statements, "MATCH (n) RETURN n; MATCH (m) RETURN m");
snap!(merge_action_without_set, "MERGE (a:A) ON CREATE a.x = 1");

#[test]
fn empty_backquoted_names_are_refused_where_they_stand() {
    for (query, at) in [
        ("MATCH (n:``) RETURN n", 9),
        ("RETURN 1 AS ``", 12),
        ("MATCH ()-[r:``]->() RETURN r", 12),
        ("MATCH (``) RETURN 1", 7),
        ("RETURN $``", 8),
        ("MATCH (n) RETURN n.``", 19),
    ] {
        let e = match parse(query) {
            Ok(_) => panic!("accepted: {query}"),
            Err(e) => e,
        };
        assert_eq!(e.code, "UnexpectedSyntax", "{query}");
        assert!(
            e.message.contains("cannot be empty"),
            "{query}: {}",
            e.message
        );
        assert_eq!(e.span.map(|s| s.start), Some(at), "{query}");
    }
    // A backquoted name with an escaped backquote is still a name, and a
    // map literal may have the empty key (as the openCypher TCK expects).
    assert!(parse("RETURN 1 AS `a``b`").is_ok());
    assert!(parse("RETURN {``: 1} AS m").is_ok());
}
