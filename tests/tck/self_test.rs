//! Tests of the TCK runner's own parts (`cargo test --test tck_values`): the
//! value parser and comparison rules, feature expansion, error matching,
//! side-effect counting and the conversion of kg values.

// Each part is shared with the runner, which uses some items this file does not.
#![allow(dead_code)]

#[path = "features.rs"]
mod features;
#[path = "run.rs"]
mod run;
#[path = "values.rs"]
mod values;

use kg::error::Phase;
use kg::store::NewEntity;
use kg::value::{Path as KgPath, ValueMap};
use kg::{Error, ErrorKind, Graph, Value};
use values::{compare_table, parse_value, sort_lists, TValue, TableMode};

fn p(text: &str) -> TValue {
    match parse_value(text) {
        Ok(v) => v,
        Err(e) => panic!("`{text}` should parse: {e}"),
    }
}

fn eq(a: &str, b: &str) -> bool {
    p(a) == p(b)
}

#[test]
fn scalars() {
    assert!(matches!(p("1"), TValue::Int(1)));
    assert!(matches!(p("  -42 "), TValue::Int(-42)));
    assert!(matches!(p("-9223372036854775808"), TValue::Int(i64::MIN)));
    assert!(matches!(p("9223372036854775807"), TValue::Int(i64::MAX)));
    assert!(parse_value("9223372036854775808").is_err());
    assert!(parse_value("-9223372036854775809").is_err());
    assert!(matches!(p("true"), TValue::Bool(true)));
    assert!(matches!(p("false"), TValue::Bool(false)));
    assert!(matches!(p("null"), TValue::Null));
    assert!(matches!(p("NaN"), TValue::Float(x) if x.is_nan()));
}

#[test]
fn floats() {
    assert!(matches!(p("1.5"), TValue::Float(x) if x == 1.5));
    assert!(matches!(p(".5"), TValue::Float(x) if x == 0.5));
    assert!(matches!(p("-.5"), TValue::Float(x) if x == -0.5));
    assert!(matches!(p("1e-305"), TValue::Float(x) if x == 1e-305));
    assert!(matches!(p("1.2635418652381264e305"), TValue::Float(x) if x == 1.2635418652381264e305));
    assert!(matches!(p("-1.5E3"), TValue::Float(x) if x == -1500.0));
    assert!(matches!(p("2e3"), TValue::Float(x) if x == 2000.0));
    for bad in ["1.", "1e", "-", "1.e5", "Inf", "-Inf", "--1"] {
        assert!(parse_value(bad).is_err(), "`{bad}` should not parse");
    }
    // Integer and float are different types; -0.0 equals 0.0; NaN equals NaN.
    assert!(!eq("1", "1.0"));
    assert!(eq("1.0", "1.00"));
    assert!(eq("-0.0", "0.0"));
    assert!(eq("NaN", "NaN"));
    assert!(!eq("NaN", "0.0"));
    assert!(eq("[NaN, -0.0]", "[NaN, 0.0]"));
}

#[test]
fn strings_and_escapes() {
    assert!(matches!(p("''"), TValue::String(s) if s.is_empty()));
    assert!(matches!(p(r"'\''"), TValue::String(s) if s == "'"));
    assert!(matches!(p(r"'a\\b'"), TValue::String(s) if s == r"a\b"));
    // Other backslashes are kept as written.
    assert!(matches!(p(r"'a\nb'"), TValue::String(s) if s == r"a\nb"));
    // Literals6 [5], after the Gherkin layer.
    assert!(
        matches!(p(r#"'a\\bcn5t\'"\\//\\"\''"#), TValue::String(s) if s == r#"a\bcn5t'"\//\"'"#)
    );
    // Real newlines (String8-10 cells after `\n` is unescaped by Gherkin).
    assert!(matches!(p("'\nFoo\n'"), TValue::String(s) if s == "\nFoo\n"));
    assert!(matches!(p("'🧐🍌❖⋙⚐'"), TValue::String(s) if s == "🧐🍌❖⋙⚐"));
    assert!(matches!(p("'a, b]'"), TValue::String(s) if s == "a, b]"));
    assert!(parse_value("'abc").is_err());
    assert!(parse_value(r"'abc\'").is_err());
    assert!(!eq("'a'", "'A'"));
}

#[test]
fn lists_and_maps() {
    let v = p("[1, [2, {a: [3, 'x'], b: null}], {}, []]");
    let TValue::List(items) = &v else {
        panic!("a list")
    };
    assert_eq!(items.len(), 4);
    assert!(eq("{a: 1, b: 'foo'}", "{b: 'foo', a: 1}"));
    assert!(!eq("{a: 1}", "{a: 1, b: null}"));
    assert!(!eq("[1, 2]", "[2, 1]"));
    assert!(eq("{ $x_1 : [ 1 ,2 ] }", "{$x_1: [1, 2]}"));
    for bad in [
        "[1,",
        "[1 2]",
        "{a 1}",
        "{a: 1,}",
        "{a: 1, a: 2}",
        "{: 1}",
        "nul",
        "nullx",
        "[1]]",
    ] {
        assert!(parse_value(bad).is_err(), "`{bad}` should not parse");
    }
}

#[test]
fn graph_elements() {
    assert!(eq(
        "(:A:B {name: 'x', num: 1})",
        "(:B:A {num: 1, name: 'x'})"
    ));
    assert!(!eq("(:A)", "(:A:B)"));
    assert!(!eq("()", "({a: 1})"));
    assert!(matches!(p("()"), TValue::Node(n) if n.labels.is_empty() && n.props.is_empty()));
    assert!(matches!(p("[:T {k: 1}]"), TValue::Rel(r) if r.rel_type == "T" && r.props.len() == 1));
    assert!(matches!(p("[ :T]"), TValue::Rel(_)));
    assert!(matches!(p("[1]"), TValue::List(_)));
    assert!(!eq("[:T]", "[:U]"));
    assert!(!eq("(:A)", "[:A]"));
    assert!(parse_value("[:T, 1]").is_err());
    assert!(parse_value("[:]").is_err());
    assert!(parse_value("(: A)").is_err());
}

#[test]
fn paths() {
    let TValue::Path(path) = p("<(:A)-[:T]->(:B)<-[:R {k: 1}]-()>") else {
        panic!("a path")
    };
    assert_eq!(path.steps.len(), 2);
    assert!(path.steps[0].forward);
    assert!(!path.steps[1].forward);
    assert!(matches!(p("<(:A)>"), TValue::Path(z) if z.steps.is_empty()));
    assert!(matches!(p("< ( :A ) - [:T] -> ( ) >"), TValue::Path(z) if z.steps.len() == 1));
    assert!(!eq("<(:A)-[:T]->(:B)>", "<(:A)<-[:T]-(:B)>"));
    assert!(!eq("<(:A)-[:T]->(:B)>", "<(:B)<-[:T]-(:A)>"));
    assert!(eq("<({a: 1})-[:T]->()>", "<({a: 1})-[:T]->()>"));
    for bad in [
        "<(:A)",
        "<(:A)-[:T]-(:B)>",
        "<(:A)-[:T]>",
        "<>",
        "<(:A)->(:B)>",
    ] {
        assert!(parse_value(bad).is_err(), "`{bad}` should not parse");
    }
}

#[test]
fn rendering_reads_back() {
    for text in [
        "[1, 1.0, -0.5, 1e-305, 1.2635418652381264e305, NaN, -9223372036854775808]",
        r#"{a: 'it\'s', b: 'back\\slash', c: [true, null]}"#,
        "(:A:B {name: 'x'})",
        "[:T {k: [1, 2]}]",
        "<(:A)-[:T]->(:B)<-[:R {k: 1}]-()>",
    ] {
        let v = p(text);
        let again = p(&v.to_string());
        assert!(v == again, "{text} rendered as {v} reads back as {again}");
    }
    // Newlines render as `\n` (one line per message); the rendering stays
    // distinct from a backslash followed by `n`.
    assert_eq!(p("'a\nb'").to_string(), "'a\\nb'");
    assert_eq!(
        p("'a\nb'").to_string().len(),
        p("'a\\nb'").to_string().len() - 1
    );
}

#[test]
fn ignoring_list_order() {
    let a = sort_lists(&p("[[2, 1], ['b', 'a'], {k: [3, 1, 2]}]"));
    let b = sort_lists(&p("[{k: [2, 3, 1]}, ['a', 'b'], [1, 2]]"));
    assert!(a == b, "{a} vs {b}");
    // Multisets: duplicates matter.
    assert!(sort_lists(&p("[1, 1, 2]")) != sort_lists(&p("[1, 2, 2]")));
    // Still typed.
    assert!(sort_lists(&p("[1, 2]")) != sort_lists(&p("[2.0, 1]")));
    // -0.0 and 0.0 sort alike.
    assert!(sort_lists(&p("[0.0, -1.0, -0.0]")) == sort_lists(&p("[-0.0, 0.0, -1.0]")));
}

fn rows(cells: &[&[&str]]) -> Vec<Vec<TValue>> {
    cells
        .iter()
        .map(|r| r.iter().map(|c| p(c)).collect())
        .collect()
}

fn cols(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn tables() {
    let any = TableMode {
        ordered: false,
        ignore_list_order: false,
    };
    let ordered = TableMode {
        ordered: true,
        ignore_list_order: false,
    };
    let lists = TableMode {
        ordered: false,
        ignore_list_order: true,
    };
    let c = cols(&["n", "count(*)"]);
    let exp = rows(&[&["1", "2"], &["1", "2"], &["3", "4"]]);
    let perm = rows(&[&["3", "4"], &["1", "2"], &["1", "2"]]);
    assert!(compare_table(&c, &exp, &c, &perm, any).is_ok());
    assert!(compare_table(&c, &exp, &c, &perm, ordered).is_err());
    assert!(compare_table(&c, &exp, &c, &exp, ordered).is_ok());
    // Duplicates matter.
    let dup = rows(&[&["1", "2"], &["3", "4"], &["3", "4"]]);
    assert!(compare_table(&c, &exp, &c, &dup, any).is_err());
    // Fewer or more rows.
    assert!(compare_table(&c, &exp, &c, &exp[..2], any).is_err());
    assert!(compare_table(&c, &exp[..2], &c, &exp, ordered).is_err());
    // Columns must match exactly, in order.
    let swapped = cols(&["count(*)", "n"]);
    assert!(compare_table(&c, &exp, &swapped, &exp, any).is_err());
    // Header-only table: zero rows expected.
    assert!(compare_table(&c, &[], &c, &[], any).is_ok());
    assert!(compare_table(&c, &[], &c, &exp, any).is_err());
    // Lists as multisets only when asked.
    let one = cols(&["keys(n)"]);
    let e = rows(&[&["['a', 'b']"]]);
    let a = rows(&[&["['b', 'a']"]]);
    assert!(compare_table(&one, &e, &one, &a, any).is_err());
    assert!(compare_table(&one, &e, &one, &a, lists).is_ok());
    // A row of the wrong width.
    assert!(compare_table(&one, &e, &one, &rows(&[&["1", "2"]]), any).is_err());
}

#[test]
fn table_line_escapes() {
    use features::escape_table_lines;
    // Literals6 [4] and [5]: unknown escapes are doubled, known pairs kept.
    assert_eq!(
        escape_table_lines("      | '\\''    |\n"),
        "      | '\\\\''    |\n"
    );
    assert_eq!(
        escape_table_lines(r#"      | 'a\\\\bcn5t\'"\\\\//\\\\"\'' |"#),
        r#"      | 'a\\\\bcn5t\\'"\\\\//\\\\"\\'' |"#
    );
    // Only table lines are touched; `\n` and `\|` stay.
    assert_eq!(
        escape_table_lines("RETURN '\\'' AS x\n"),
        "RETURN '\\'' AS x\n"
    );
    assert_eq!(escape_table_lines("| '\\nFoo\\|' |"), "| '\\nFoo\\|' |");
}

#[test]
fn placeholders() {
    use features::substitute;
    let h = cols(&["a", "exampleName"]);
    let r = cols(&["<b>", "x"]);
    assert_eq!(
        substitute("RETURN <a> AS <c>, <exampleName>", &h, &r),
        "RETURN <b> AS <c>, x"
    );
    assert_eq!(substitute("1 < 2 AND <a>", &h, &r), "1 < 2 AND <b>");
}

const FEATURE: &str = "#encoding: utf-8\r
Feature: Demo\r
\r
  Background:\r
    Given an empty graph\r
\r
  Scenario: [1] Plain\r
    And having executed:\r
      \"\"\"\r
      CREATE (:A)\r
      \"\"\"\r
    When executing query:\r
      \"\"\"\r
      MATCH (n)\r
      RETURN n\r
      \"\"\"\r
    Then the result should be, in any order:\r
      | n    |\r
      | (:A) |\r
    And no side effects\r
\r
  @ignore\r
  Scenario Outline: [2] Outline #Example: <name>\r
    When executing query:\r
      \"\"\"\r
      RETURN <expr> AS v\r
      \"\"\"\r
    Then the result should be, in any order:\r
      | v        |\r
      | <result> |\r
\r
    Examples:\r
      | name | expr  | result |\r
      | one  | 1     | 1      |\r
      | pipe | 'a\\|' | 'a\\|'  |\r
      | q    | '\\''  | '\\''   |\r
";

#[test]
fn expansion() {
    let s = match features::expand("clauses/match/Demo.feature", FEATURE) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(s.len(), 4);
    assert_eq!(s[0].id, "clauses/match/Demo.feature [1] Plain");
    assert!(s[0].core && !s[0].ignored);
    let texts: Vec<&str> = s[0].steps.iter().map(|st| st.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "an empty graph",
            "having executed:",
            "executing query:",
            "the result should be, in any order:",
            "no side effects"
        ]
    );
    assert_eq!(s[0].steps[2].doc.as_deref(), Some("MATCH (n)\nRETURN n"));
    assert_eq!(
        s[1].id,
        "clauses/match/Demo.feature [2] Outline #Example: one #1"
    );
    assert!(s[1].ignored);
    assert_eq!(s[1].steps.len(), 3, "background prepended");
    assert_eq!(
        s[1].steps[1].doc.as_deref().map(str::trim),
        Some("RETURN 1 AS v")
    );
    let table = s[2].steps[2].table.clone().unwrap_or_default();
    assert_eq!(table, vec![vec!["v".to_string()], vec!["'a|'".to_string()]]);
    let table = s[3].steps[2].table.clone().unwrap_or_default();
    assert_eq!(table[1], vec![r"'\''".to_string()]);
    assert!(matches!(parse_value(&table[1][0]), Ok(TValue::String(x)) if x == "'"));
    assert!(!features::is_core("expressions/temporal/Temporal1.feature"));
    assert!(features::is_core("expressions/graph/Graph3.feature"));
    assert!(!features::is_core("expressions/graph/Graph5.feature"));
}

#[test]
fn error_matching() {
    let e = Error::syntax("UndefinedVariable", "x", kg::Span::new(0, 1));
    assert!(run::error_matches(
        &e,
        "SyntaxError",
        "compile time",
        "UndefinedVariable"
    ));
    assert!(run::error_matches(&e, "Error", "any time", "*"));
    assert!(!run::error_matches(
        &e,
        "TypeError",
        "compile time",
        "UndefinedVariable"
    ));
    assert!(!run::error_matches(
        &e,
        "SyntaxError",
        "runtime",
        "UndefinedVariable"
    ));
    assert!(!run::error_matches(
        &e,
        "SyntaxError",
        "compile time",
        "VariableAlreadyBound"
    ));
    let rt = Error::new(
        ErrorKind::Type,
        Phase::Runtime,
        "InvalidArgumentValue",
        "bad",
    );
    assert!(run::error_matches(
        &rt,
        "TypeError",
        "runtime",
        "InvalidArgumentValue"
    ));
    assert!(run::error_matches(&rt, "TypeError", "any time", "*"));
    // Internal errors and timeouts never count.
    let internal = Error::internal("not built");
    assert!(!run::error_matches(&internal, "Error", "any time", "*"));
    let timeout = Error::runtime(ErrorKind::Timeout, "Timeout", "slow");
    assert!(!run::error_matches(&timeout, "Error", "any time", "*"));
}

fn ent(g: &mut Graph, labels: &[&str], props: &[(&str, Value)]) -> kg::store::EntityId {
    let new = NewEntity {
        labels: labels.iter().map(|s| s.to_string()).collect(),
        props: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        ..NewEntity::default()
    };
    match g.add_entity(new) {
        Ok(id) => id,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn side_effects() {
    let mut g = Graph::new();
    let a = ent(&mut g, &["L"], &[("x", Value::Int(1))]);
    let before = run::snapshot(&g);
    // Two more nodes with the same label: +nodes 2, +labels 0.
    let b = ent(&mut g, &["L"], &[]);
    ent(&mut g, &["L", "M"], &[("y", Value::Int(2))]);
    let d = run::diff(&before, &run::snapshot(&g));
    assert_eq!(d["+nodes"], 2);
    assert_eq!(d["+labels"], 1);
    assert_eq!(d["+properties"], 1);
    // Changing a value counts -1 and +1; setting the same value counts 0.
    let before = run::snapshot(&g);
    let set = |g: &mut Graph, v: i64| {
        if let Err(e) = g.set_entity_prop(a, "x", Some(Value::Int(v))) {
            panic!("{e}");
        }
    };
    set(&mut g, 1);
    assert!(run::diff(&before, &run::snapshot(&g))
        .values()
        .all(|n| *n == 0));
    set(&mut g, 5);
    let d = run::diff(&before, &run::snapshot(&g));
    assert_eq!((d["+properties"], d["-properties"]), (1, 1));
    // A relationship, then deleting a node with a property.
    let before = run::snapshot(&g);
    if let Err(e) = g.add_relation(a, b, "T", ValueMap::default(), vec![]) {
        panic!("{e}");
    }
    let d = run::diff(&before, &run::snapshot(&g));
    assert_eq!(d["+relationships"], 1);
    let before = run::snapshot(&g);
    let c = kg::store::EntityId(2);
    if let Err(e) = g.remove_entity(c) {
        panic!("{e}");
    }
    let d = run::diff(&before, &run::snapshot(&g));
    assert_eq!((d["-nodes"], d["-properties"], d["-labels"]), (1, 1, 1));
    // Transient changes are not side effects.
    let before = run::snapshot(&g);
    let t = ent(&mut g, &["Tmp"], &[("z", Value::Int(0))]);
    if let Err(e) = g.remove_entity(t) {
        panic!("{e}");
    }
    assert!(run::diff(&before, &run::snapshot(&g))
        .values()
        .all(|n| *n == 0));
}

#[test]
fn kg_values_convert() {
    let mut g = Graph::new();
    let a = ent(&mut g, &["B", "A"], &[("name", Value::from("a"))]);
    let b = ent(&mut g, &[], &[]);
    let mut props = ValueMap::default();
    props.insert("k", Value::Int(1));
    let r = match g.add_relation(b, a, "R", props, vec![]) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let conv = |v: &Value| match run::to_tck(&g, v) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    assert!(conv(&Value::Node(a)) == p("(:A:B {name: 'a'})"));
    assert!(conv(&Value::Relationship(r)) == p("[:R {k: 1}]"));
    // Walked against the relationship's direction.
    let path = Value::Path(Box::new(KgPath {
        nodes: vec![a, b],
        rels: vec![r],
    }));
    assert!(conv(&path) == p("<(:A:B {name: 'a'})<-[:R {k: 1}]-()>"));
    assert!(conv(&path) != p("<(:A:B {name: 'a'})-[:R {k: 1}]->()>"));
    let back = Value::Path(Box::new(KgPath {
        nodes: vec![b, a],
        rels: vec![r],
    }));
    assert!(conv(&back) == p("<()-[:R {k: 1}]->(:A:B {name: 'a'})>"));
    // Malformed paths and dangling ids are reported, not panicked on.
    let bad = Value::Path(Box::new(KgPath {
        nodes: vec![a],
        rels: vec![r],
    }));
    assert!(run::to_tck(&g, &bad).is_err());
    assert!(run::to_tck(&g, &Value::Node(kg::store::EntityId(99))).is_err());
    // Scalars keep their types; dates become strings.
    assert!(matches!(conv(&Value::Float(1.0)), TValue::Float(x) if x == 1.0));
    assert!(conv(&Value::Int(1)) != p("1.0"));
    let date = match kg::value::Date::parse("1984-10-11") {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    assert!(conv(&Value::Date(date)) == p("'1984-10-11'"));
    let mut m = ValueMap::default();
    m.insert("l", Value::List(vec![Value::Null, Value::Float(f64::NAN)]));
    assert!(conv(&Value::Map(m)) == p("{l: [null, NaN]}"));
}

#[test]
fn parameters_convert() {
    let v = match run::to_kg(&p("{a: [1, 2.5, 'x', null, true]}")) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    };
    let mut m = ValueMap::default();
    m.insert(
        "a",
        Value::List(vec![
            Value::Int(1),
            Value::Float(2.5),
            Value::from("x"),
            Value::Null,
            Value::Bool(true),
        ]),
    );
    assert_eq!(v, Value::Map(m));
    assert!(run::to_kg(&p("(:A)")).is_err());
}
