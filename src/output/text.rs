//! Cypher-style text for values, as the table and Markdown formats show them.
//!
//! - nodes: `(morocco:Country {name: 'Morocco'})`: the entity key sits where
//!   a Cypher variable would (backquoted when it is not a plain identifier),
//!   then the labels, then the properties; a node without key is `(:Country {…})`;
//! - relationships: `[:CO_CHAIRS {since: 2016}]`;
//! - paths: `(a)-[:T]->(b)<-[:U]-(c)`, each node and relationship in full;
//! - lists `[1, 'a']`, maps `{name: 'x'}`, `null`, `true`;
//! - strings quoted (`'It\'s'`) when nested, bare at the top level ([`render_top`]);
//! - dates in ISO 8601 (`2016`, `2016-09`, `2016-09-12`);
//! - floats always with a decimal point (`1.0`, `1.0e16`), `NaN`, `Infinity`.
//!
//! Graph elements that no longer exist (deleted by the query that returned
//! them) render as `(<deleted node 42>)` and `[<deleted relationship 7>]`.

use std::fmt::Write as _;

use crate::store::{Entity, EntityId, Graph, Relation, RelationId};
use crate::value::{Path, Value, ValueMap};

/// The value as Cypher-style text, strings quoted (as inside a list).
pub fn render(graph: &Graph, value: &Value) -> String {
    let mut out = String::new();
    push_value(graph, value, &mut out);
    out
}

/// The value as Cypher-style text, with a top-level string left bare and a
/// top-level date or float written as in [`render`]. Nested strings are quoted.
/// `null` is `null` (formats choose their own display for a top-level null).
pub fn render_top(graph: &Graph, value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => render(graph, other),
    }
}

/// A float as text: always with a decimal point (`1.0`, `-0.5`, `1.0e16`,
/// `1.5e-7`), or `NaN`, `Infinity`, `-Infinity`. Round-trips exactly.
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    // Debug gives the shortest round-tripping digits, and uses an exponent
    // for very large and very small magnitudes (`1e16`, `1e-7`).
    let s = format!("{x:?}");
    match s.find('e') {
        Some(pos) if !s[..pos].contains('.') => format!("{}.0{}", &s[..pos], &s[pos..]),
        _ if !s.contains('.') => format!("{s}.0"),
        _ => s,
    }
}

/// True when `s` can stand unquoted as a Cypher name (variable, label, key).
pub fn is_plain_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// A Cypher name, backquoted (with backquotes doubled) unless it is a plain
/// identifier.
pub fn quote_name(s: &str) -> String {
    let mut out = String::new();
    push_name(s, &mut out);
    out
}

fn push_name(s: &str, out: &mut String) {
    if is_plain_identifier(s) {
        out.push_str(s);
    } else {
        out.push('`');
        for c in s.chars() {
            if c == '`' {
                out.push_str("``");
            } else {
                push_escaped_char(c, out);
            }
        }
        out.push('`');
    }
}

/// A string as a single-quoted Cypher literal: `\` `'` and control characters
/// escaped (`\n`, `\t`, `\r`, `\u001B`).
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_string(s, &mut out);
    out
}

fn push_string(s: &str, out: &mut String) {
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c => push_escaped_char(c, out),
        }
    }
    out.push('\'');
}

/// Pushes `c`, writing control characters as backslash escapes so that no
/// raw control character (a newline, an ESC) ever reaches the output.
fn push_escaped_char(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => {
            let _ = write!(out, "\\u{:04X}", c as u32);
        }
        c => out.push(c),
    }
}

/// Replaces control characters with visible escapes (`\n`, `\t`, `\r`,
/// `\u001B`), for text shown in a terminal cell.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        push_escaped_char(c, &mut out);
    }
    out
}

fn push_value(graph: &Graph, value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(x) => out.push_str(&format_float(*x)),
        Value::String(s) => push_string(s, out),
        Value::Date(d) => {
            let _ = write!(out, "{d}");
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_value(graph, item, out);
            }
            out.push(']');
        }
        Value::Map(map) => push_map(graph, map, out),
        Value::Node(id) => push_node(graph, *id, out),
        Value::Relationship(id) => push_rel(graph, *id, out),
        Value::Path(path) => push_path(graph, path, out),
    }
}

fn push_map(graph: &Graph, map: &ValueMap, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_name(k, out);
        out.push_str(": ");
        push_value(graph, v, out);
    }
    out.push('}');
}

/// Cypher-style text for one entity.
pub fn render_entity(graph: &Graph, entity: &Entity) -> String {
    let mut out = String::new();
    push_entity(graph, entity, &mut out);
    out
}

/// Cypher-style text for one relation (without its endpoints).
pub fn render_relation(graph: &Graph, relation: &Relation) -> String {
    let mut out = String::new();
    push_relation(graph, relation, &mut out);
    out
}

fn push_entity(graph: &Graph, e: &Entity, out: &mut String) {
    out.push('(');
    if let Some(k) = &e.key {
        push_name(k, out);
    }
    for l in &e.labels {
        out.push(':');
        push_name(l, out);
    }
    if !e.props.is_empty() {
        if e.key.is_some() || !e.labels.is_empty() {
            out.push(' ');
        }
        push_map(graph, &e.props, out);
    }
    out.push(')');
}

fn push_relation(graph: &Graph, r: &Relation, out: &mut String) {
    out.push_str("[:");
    push_name(&r.rel_type, out);
    if !r.props.is_empty() {
        out.push(' ');
        push_map(graph, &r.props, out);
    }
    out.push(']');
}

fn push_node(graph: &Graph, id: EntityId, out: &mut String) {
    match graph.entity(id) {
        Some(e) => push_entity(graph, e, out),
        None => {
            let _ = write!(out, "(<deleted node {id}>)");
        }
    }
}

fn push_rel(graph: &Graph, id: RelationId, out: &mut String) {
    match graph.relation(id) {
        Some(r) => push_relation(graph, r, out),
        None => {
            let _ = write!(out, "[<deleted relationship {id}>]");
        }
    }
}

fn push_path(graph: &Graph, path: &Path, out: &mut String) {
    let Some(first) = path.nodes.first() else {
        out.push_str("<empty path>");
        return;
    };
    push_node(graph, *first, out);
    for (i, rid) in path.rels.iter().enumerate() {
        let Some(next) = path.nodes.get(i + 1) else {
            break;
        };
        // The relationship points forward when it leaves the node before it.
        let forward = graph.relation(*rid).is_none_or(|r| r.from == path.nodes[i]);
        out.push_str(if forward { "-" } else { "<-" });
        push_rel(graph, *rid, out);
        out.push_str(if forward { "->" } else { "-" });
        push_node(graph, *next, out);
    }
}

/// A value's type, for the type row of a table: Cypher type names
/// (`INTEGER`, `STRING`, `LIST<STRING>`, `NODE`, ...), merged over a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueType {
    /// No value seen yet (the element type of an empty list).
    Nothing,
    /// Only nulls.
    Null,
    /// Booleans.
    Boolean,
    /// Integers.
    Integer,
    /// Floats.
    Float,
    /// Strings.
    String,
    /// Dates.
    Date,
    /// Maps.
    Map,
    /// Nodes.
    Node,
    /// Relationships.
    Relationship,
    /// Paths.
    Path,
    /// Lists of an element type.
    List(Box<ValueType>),
    /// A mix of types.
    Any,
}

impl ValueType {
    /// The type of one value.
    pub fn of(value: &Value) -> ValueType {
        match value {
            Value::Null => ValueType::Null,
            Value::Bool(_) => ValueType::Boolean,
            Value::Int(_) => ValueType::Integer,
            Value::Float(_) => ValueType::Float,
            Value::String(_) => ValueType::String,
            Value::Date(_) => ValueType::Date,
            Value::Map(_) => ValueType::Map,
            Value::Node(_) => ValueType::Node,
            Value::Relationship(_) => ValueType::Relationship,
            Value::Path(_) => ValueType::Path,
            Value::List(items) => ValueType::List(Box::new(
                items
                    .iter()
                    .fold(ValueType::Nothing, |t, v| t.merge(ValueType::of(v))),
            )),
        }
    }

    /// The common type of two types: nulls and `Nothing` give way to anything,
    /// lists merge element types, other differences give `Any`.
    pub fn merge(self, other: ValueType) -> ValueType {
        use ValueType::*;
        match (self, other) {
            (Nothing, t) | (t, Nothing) => t,
            (Null, t) | (t, Null) => t,
            (List(a), List(b)) => List(Box::new(a.merge(*b))),
            (a, b) if a == b => a,
            _ => Any,
        }
    }

    /// True for integers and floats (right-aligned in tables).
    pub fn is_numeric(&self) -> bool {
        matches!(self, ValueType::Integer | ValueType::Float)
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            ValueType::Nothing => "NOTHING",
            ValueType::Null => "NULL",
            ValueType::Boolean => "BOOLEAN",
            ValueType::Integer => "INTEGER",
            ValueType::Float => "FLOAT",
            ValueType::String => "STRING",
            ValueType::Date => "DATE",
            ValueType::Map => "MAP",
            ValueType::Node => "NODE",
            ValueType::Relationship => "RELATIONSHIP",
            ValueType::Path => "PATH",
            ValueType::Any => "ANY",
            ValueType::List(t) => return write!(f, "LIST<{t}>"),
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Citation, NewEntity};
    use crate::value::Date;

    fn map(pairs: &[(&str, Value)]) -> ValueMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn sample() -> (Graph, EntityId, EntityId, EntityId, RelationId, RelationId) {
        let mut g = Graph::new();
        let ma = g
            .add_entity(NewEntity {
                key: Some("morocco".into()),
                labels: vec!["Country".into()],
                props: map(&[("name", "Morocco".into())]),
                ..NewEntity::default()
            })
            .unwrap();
        let eu = g
            .add_entity(NewEntity {
                key: Some("eu-1".into()),
                labels: vec!["Organization".into(), "Union".into()],
                props: map(&[("name", "Union Européenne".into())]),
                ..NewEntity::default()
            })
            .unwrap();
        let anon = g.add_entity(NewEntity::default()).unwrap();
        let r1 = g
            .add_relation(
                ma,
                eu,
                "CO_CHAIRS",
                map(&[("since", Value::Int(2016))]),
                vec![Citation {
                    article: "a.txt".into(),
                    sentence: 1,
                }],
            )
            .unwrap();
        let r2 = g
            .add_relation(anon, eu, "MEMBER_OF", ValueMap::default(), vec![])
            .unwrap();
        (g, ma, eu, anon, r1, r2)
    }

    #[test]
    fn scalars() {
        let g = Graph::new();
        assert_eq!(render(&g, &Value::Null), "null");
        assert_eq!(render(&g, &Value::Bool(true)), "true");
        assert_eq!(render(&g, &Value::Int(-42)), "-42");
        assert_eq!(render(&g, &Value::Float(1.0)), "1.0");
        assert_eq!(render(&g, &Value::Float(-0.5)), "-0.5");
        assert_eq!(render(&g, &Value::Float(f64::NAN)), "NaN");
        assert_eq!(render(&g, &Value::Float(f64::INFINITY)), "Infinity");
        assert_eq!(render(&g, &Value::Float(f64::NEG_INFINITY)), "-Infinity");
        assert_eq!(
            render(&g, &Value::Date(Date::parse("2016-09").unwrap())),
            "2016-09"
        );
        assert_eq!(render(&g, &Value::from("It's")), r"'It\'s'");
        assert_eq!(render_top(&g, &Value::from("It's")), "It's");
    }

    #[test]
    fn floats_keep_a_decimal_point_and_round_trip() {
        for x in [1e16, 1e300, 1e-7, 123456.0, 0.1, -3.0, 5e-324] {
            let s = format_float(x);
            assert!(s.contains('.'), "{s}");
            assert_eq!(s.parse::<f64>().unwrap(), x, "{s}");
        }
        assert_eq!(format_float(1e16), "1.0e16");
        assert_eq!(format_float(1.5e-7), "1.5e-7");
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(quote_string("a\\b'c\nd\te\u{1b}"), r"'a\\b\'c\nd\te\u001B'");
        assert_eq!(escape_controls("x\ny\u{7}"), r"x\ny\u0007");
        assert_eq!(escape_controls("plain المغرب"), "plain المغرب");
    }

    #[test]
    fn names_are_backquoted_when_needed() {
        assert_eq!(quote_name("morocco"), "morocco");
        assert_eq!(quote_name("المغرب"), "المغرب");
        assert_eq!(quote_name("eu-1"), "`eu-1`");
        assert_eq!(quote_name("a`b"), "`a``b`");
        assert_eq!(quote_name("1x"), "`1x`");
        assert_eq!(quote_name(""), "``");
    }

    #[test]
    fn lists_and_maps_quote_nested_strings() {
        let g = Graph::new();
        let v = Value::List(vec![
            Value::from("a"),
            Value::Int(1),
            Value::Null,
            Value::Map(map(&[("k", "v".into()), ("two words", Value::Float(2.0))])),
        ]);
        assert_eq!(render(&g, &v), "['a', 1, null, {k: 'v', `two words`: 2.0}]");
        assert_eq!(render_top(&g, &v), render(&g, &v));
        assert_eq!(render(&g, &Value::List(vec![])), "[]");
        assert_eq!(render(&g, &Value::Map(ValueMap::default())), "{}");
    }

    #[test]
    fn nodes_and_relationships() {
        let (g, ma, eu, anon, r1, r2) = sample();
        assert_eq!(
            render(&g, &Value::Node(ma)),
            "(morocco:Country {name: 'Morocco'})"
        );
        assert_eq!(
            render(&g, &Value::Node(eu)),
            "(`eu-1`:Organization:Union {name: 'Union Européenne'})"
        );
        assert_eq!(render(&g, &Value::Node(anon)), "()");
        assert_eq!(
            render(&g, &Value::Relationship(r1)),
            "[:CO_CHAIRS {since: 2016}]"
        );
        assert_eq!(render(&g, &Value::Relationship(r2)), "[:MEMBER_OF]");
        assert_eq!(
            render(&g, &Value::Node(EntityId(99))),
            "(<deleted node 99>)"
        );
        assert_eq!(
            render(&g, &Value::Relationship(RelationId(99))),
            "[<deleted relationship 99>]"
        );
    }

    #[test]
    fn paths_show_direction() {
        let (g, ma, eu, anon, r1, r2) = sample();
        let p = Value::Path(Box::new(Path {
            nodes: vec![ma, eu, anon],
            rels: vec![r1, r2],
        }));
        assert_eq!(
            render(&g, &p),
            "(morocco:Country {name: 'Morocco'})-[:CO_CHAIRS {since: 2016}]->\
             (`eu-1`:Organization:Union {name: 'Union Européenne'})<-[:MEMBER_OF]-()"
        );
        let single = Value::Path(Box::new(Path {
            nodes: vec![anon],
            rels: vec![],
        }));
        assert_eq!(render(&g, &single), "()");
    }

    #[test]
    fn types_merge() {
        let t = |v: &Value| ValueType::of(v);
        assert_eq!(t(&Value::Int(1)).to_string(), "INTEGER");
        assert_eq!(
            t(&Value::List(vec![Value::from("a"), Value::Null])).to_string(),
            "LIST<STRING>"
        );
        assert_eq!(
            t(&Value::List(vec![Value::from("a"), Value::Int(1)])).to_string(),
            "LIST<ANY>"
        );
        assert_eq!(t(&Value::List(vec![])).to_string(), "LIST<NOTHING>");
        let merged = t(&Value::List(vec![])).merge(t(&Value::List(vec![Value::Int(1)])));
        assert_eq!(merged.to_string(), "LIST<INTEGER>");
        assert_eq!(ValueType::Null.merge(ValueType::Float).to_string(), "FLOAT");
        assert_eq!(
            ValueType::Integer.merge(ValueType::Float).to_string(),
            "ANY"
        );
    }
}
