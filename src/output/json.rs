//! JSON text for values, written by hand so that map and property order is
//! kept (insertion order) and nothing is ever truncated.
//!
//! - integers → JSON integers; finite floats → JSON numbers that always carry
//!   a decimal point or exponent (`1.0`, `1.0e16`); `NaN`, `Infinity`,
//!   `-Infinity` → the strings `"NaN"`, `"Infinity"`, `"-Infinity"`;
//! - dates → ISO 8601 strings (`"2016-09-12"`, `"2016"`);
//! - nodes → `{"id", "key", "labels", "properties", "sources"}`;
//! - relationships → `{"id", "type", "start", "end", "properties", "sources"}`
//!   (`start` and `end` are node ids);
//! - paths → `{"nodes": [...], "relationships": [...]}`;
//! - sources → `[{"article": "000_x.txt", "sentence": 3}]`;
//! - a node or relationship deleted by the query → `{"id": 7, "deleted": true}`.

use std::fmt::Write as _;

use crate::store::{Citation, Entity, EntityId, Graph, Relation, RelationId};
use crate::value::{Value, ValueMap};

use super::text::format_float;

/// The value as compact JSON text.
pub fn to_json(graph: &Graph, value: &Value) -> String {
    let mut out = String::new();
    push_value(graph, value, &mut out);
    out
}

/// One result row as a compact JSON object, keys in column order.
pub fn row_to_json(graph: &Graph, columns: &[String], row: &[Value]) -> String {
    let mut out = String::from("{");
    for (i, name) in columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(name, &mut out);
        out.push(':');
        push_value(graph, row.get(i).unwrap_or(&Value::Null), &mut out);
    }
    out.push('}');
    out
}

/// Pushes `s` as a JSON string literal.
pub fn push_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn push_value(graph: &Graph, value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(x) if x.is_finite() => out.push_str(&format_float(*x)),
        Value::Float(x) => push_string(&format_float(*x), out),
        Value::String(s) => push_string(s, out),
        Value::Date(d) => push_string(&d.to_string(), out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_value(graph, item, out);
            }
            out.push(']');
        }
        Value::Map(map) => push_map(graph, map, out),
        Value::Node(id) => push_node(graph, *id, out),
        Value::Relationship(id) => push_rel(graph, *id, out),
        Value::Path(path) => {
            out.push_str("{\"nodes\":[");
            for (i, id) in path.nodes.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_node(graph, *id, out);
            }
            out.push_str("],\"relationships\":[");
            for (i, id) in path.rels.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_rel(graph, *id, out);
            }
            out.push_str("]}");
        }
    }
}

fn push_map(graph: &Graph, map: &ValueMap, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(k, out);
        out.push(':');
        push_value(graph, v, out);
    }
    out.push('}');
}

fn push_sources(sources: &[Citation], out: &mut String) {
    out.push('[');
    for (i, c) in sources.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"article\":");
        push_string(&c.article, out);
        let _ = write!(out, ",\"sentence\":{}}}", c.sentence);
    }
    out.push(']');
}

fn push_node(graph: &Graph, id: EntityId, out: &mut String) {
    match graph.entity(id) {
        Some(e) => push_entity(graph, e, out),
        None => {
            let _ = write!(out, "{{\"id\":{id},\"deleted\":true}}");
        }
    }
}

fn push_rel(graph: &Graph, id: RelationId, out: &mut String) {
    match graph.relation(id) {
        Some(r) => push_relation(graph, r, out),
        None => {
            let _ = write!(out, "{{\"id\":{id},\"deleted\":true}}");
        }
    }
}

fn push_entity(graph: &Graph, e: &Entity, out: &mut String) {
    let _ = write!(out, "{{\"id\":{},\"key\":", e.id);
    match &e.key {
        Some(k) => push_string(k, out),
        None => out.push_str("null"),
    }
    out.push_str(",\"labels\":[");
    for (i, l) in e.labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(l, out);
    }
    out.push_str("],\"properties\":");
    push_map(graph, &e.props, out);
    out.push_str(",\"sources\":");
    push_sources(&e.sources, out);
    out.push('}');
}

fn push_relation(graph: &Graph, r: &Relation, out: &mut String) {
    let _ = write!(out, "{{\"id\":{},\"type\":", r.id);
    push_string(&r.rel_type, out);
    let _ = write!(
        out,
        ",\"start\":{},\"end\":{},\"properties\":",
        r.from, r.to
    );
    push_map(graph, &r.props, out);
    out.push_str(",\"sources\":");
    push_sources(&r.sources, out);
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewEntity;
    use crate::value::{Date, Path};

    fn parse(s: &str) -> serde_json::Value {
        match serde_json::from_str(s) {
            Ok(v) => v,
            Err(e) => panic!("invalid JSON {s}: {e}"),
        }
    }

    #[test]
    fn scalars_are_typed() {
        let g = Graph::new();
        assert_eq!(to_json(&g, &Value::Int(7)), "7");
        assert_eq!(to_json(&g, &Value::Float(7.0)), "7.0");
        assert!(parse(&to_json(&g, &Value::Float(7.0))).is_f64());
        assert!(parse(&to_json(&g, &Value::Float(1e300))).is_f64());
        assert_eq!(to_json(&g, &Value::Float(f64::NAN)), "\"NaN\"");
        assert_eq!(
            to_json(&g, &Value::Float(f64::NEG_INFINITY)),
            "\"-Infinity\""
        );
        assert_eq!(
            to_json(&g, &Value::Date(Date::parse("2016-09-12").unwrap())),
            "\"2016-09-12\""
        );
        assert_eq!(to_json(&g, &Value::Null), "null");
    }

    #[test]
    fn hostile_strings_round_trip() {
        let g = Graph::new();
        for s in [
            "a\"b",
            "back\\slash",
            "new\nline\r\t",
            "\u{0}\u{1f}\u{7f}",
            "المغرب 😀",
        ] {
            let v = parse(&to_json(&g, &Value::from(s)));
            assert_eq!(v.as_str(), Some(s));
        }
    }

    #[test]
    fn graph_elements() {
        let mut g = Graph::new();
        let mut props = ValueMap::default();
        props.insert("name", "Morocco".into());
        let a = g
            .add_entity(NewEntity {
                key: Some("morocco".into()),
                labels: vec!["Country".into()],
                props,
                aliases: vec![],
                sources: vec![Citation {
                    article: "x.txt".into(),
                    sentence: 2,
                }],
            })
            .unwrap();
        let b = g.add_entity(NewEntity::default()).unwrap();
        let r = g
            .add_relation(a, b, "T", ValueMap::default(), vec![])
            .unwrap();
        assert_eq!(
            to_json(&g, &Value::Node(a)),
            r#"{"id":0,"key":"morocco","labels":["Country"],"properties":{"name":"Morocco"},"sources":[{"article":"x.txt","sentence":2}]}"#
        );
        assert_eq!(
            to_json(&g, &Value::Relationship(r)),
            r#"{"id":0,"type":"T","start":0,"end":1,"properties":{},"sources":[]}"#
        );
        let p = parse(&to_json(
            &g,
            &Value::Path(Box::new(Path {
                nodes: vec![a, b],
                rels: vec![r],
            })),
        ));
        assert_eq!(p["nodes"][1]["key"], serde_json::Value::Null);
        assert_eq!(p["relationships"][0]["type"], "T");
        assert_eq!(
            to_json(&g, &Value::Node(EntityId(9))),
            r#"{"id":9,"deleted":true}"#
        );
    }

    #[test]
    fn rows_keep_column_order() {
        let g = Graph::new();
        let cols = vec!["z".to_string(), "a".to_string()];
        assert_eq!(
            row_to_json(&g, &cols, &[Value::Int(1), Value::from("x")]),
            r#"{"z":1,"a":"x"}"#
        );
        // A short row is padded with nulls rather than failing.
        assert_eq!(row_to_json(&g, &cols, &[]), r#"{"z":null,"a":null}"#);
    }
}
