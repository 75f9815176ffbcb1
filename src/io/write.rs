//! Writing graphs: CSV (plain or Neo4j admin headers), APOC JSON lines,
//! GraphML, N-Triples and Cypher scripts.
//!
//! N-Triples IRI scheme: an entity is `urn:kg:entity:<key>` (percent-encoded;
//! `urn:kg:node:<id>` when it has no key); labels are `rdf:type
//! <urn:kg:label:L>`; properties `<urn:kg:prop:NAME>` with literals typed
//! xsd:integer, xsd:double, xsd:boolean, xsd:date (xsd:gYear, xsd:gYearMonth
//! for partial dates) or plain strings, one triple per list element; the key
//! is `<urn:kg:key>`, aliases are `skos:altLabel` literals tagged with their
//! language, citations `<urn:kg:source> <urn:kg:source:ARTICLE#SENTENCE>`.
//! A relation is the triple `<from> <urn:kg:rel:TYPE> <to>`, plus, when it has
//! properties or citations, a reification node `urn:kg:relation:<id>`
//! (`rdf:subject`, `rdf:predicate`, `rdf:object`) carrying them.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::path::Path;

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{Literal, NamedNode, Subject, Term, Triple};

use super::cypher_names::{fresh_name, CypherNames};
use super::{aliases_json, sources_json, ALIASES_PROP, KEY_PROP, SOURCES_PROP};
use crate::store::{Entity, EntityId, Graph, Relation, RelationId};
use crate::value::{Value, ValueMap};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Plain CSV pair (`id,label,...` and `src,dst,type,...`).
    Csv,
    /// CSV pair with Neo4j admin-import headers.
    Neo4j,
    /// APOC-style JSON lines.
    Jsonl,
    /// GraphML with typed keys.
    Graphml,
    /// N-Triples.
    Ntriples,
    /// A Cypher script of CREATE statements.
    Cypher,
}

impl ExportFormat {
    /// Parses a `--format` value.
    pub fn parse(s: &str) -> Result<ExportFormat, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "neo4j" => Ok(ExportFormat::Neo4j),
            "jsonl" | "json" | "ndjson" | "apoc" => Ok(ExportFormat::Jsonl),
            "graphml" => Ok(ExportFormat::Graphml),
            "ntriples" | "nt" | "n-triples" => Ok(ExportFormat::Ntriples),
            "cypher" | "cypherl" => Ok(ExportFormat::Cypher),
            _ => Err(format!(
                "kg export: unknown format `{s}`; expected csv, neo4j, jsonl, graphml, ntriples or cypher"
            )),
        }
    }

    /// The format an output path's extension suggests.
    pub fn from_path(p: &Path) -> Option<ExportFormat> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "jsonl" | "json" | "ndjson" => Some(ExportFormat::Jsonl),
            "graphml" | "xml" => Some(ExportFormat::Graphml),
            "nt" => Some(ExportFormat::Ntriples),
            "cypher" | "cypherl" | "cql" => Some(ExportFormat::Cypher),
            _ => None,
        }
    }

    /// The format's name as `--format` spells it.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Neo4j => "neo4j",
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Graphml => "graphml",
            ExportFormat::Ntriples => "ntriples",
            ExportFormat::Cypher => "cypher",
        }
    }
}

/// The entities and relations to export, in order; every relation's ends are
/// among the entities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Entities in export order.
    pub entities: Vec<EntityId>,
    /// Relations in export order.
    pub relations: Vec<RelationId>,
}

impl Selection {
    /// The whole graph, in creation order.
    pub fn all(g: &Graph) -> Selection {
        Selection {
            entities: g.entities().map(|e| e.id).collect(),
            relations: g.relations().map(|r| r.id).collect(),
        }
    }

    /// Every node, relationship and path inside query result rows, plus the
    /// ends of the relationships.
    pub fn from_rows(g: &Graph, rows: &[Vec<Value>]) -> Selection {
        let el = crate::output::dot::collect_elements(rows);
        let mut seen: HashSet<EntityId> = el.entities.iter().copied().collect();
        let mut entities = el.entities;
        let mut relations = Vec::new();
        for rid in el.relations {
            let Some(r) = g.relation(rid) else { continue };
            relations.push(rid);
            for end in [r.from, r.to] {
                if seen.insert(end) {
                    entities.push(end);
                }
            }
        }
        entities.retain(|id| g.entity(*id).is_some());
        Selection {
            entities,
            relations,
        }
    }

    fn entities<'g>(&'g self, g: &'g Graph) -> impl Iterator<Item = &'g Entity> + 'g {
        self.entities.iter().filter_map(move |id| g.entity(*id))
    }

    fn relations<'g>(&'g self, g: &'g Graph) -> impl Iterator<Item = &'g Relation> + 'g {
        self.relations.iter().filter_map(move |id| g.relation(*id))
    }
}

/// Writes a one-stream format (everything but the CSV pair).
pub fn export(
    g: &Graph,
    sel: &Selection,
    format: ExportFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ExportFormat::Jsonl => jsonl(g, sel, out),
        ExportFormat::Graphml => graphml(g, sel, out),
        ExportFormat::Ntriples => ntriples(g, sel, out),
        ExportFormat::Cypher => cypher(g, sel, out),
        ExportFormat::Csv | ExportFormat::Neo4j => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "CSV export writes two files; use export_csv",
        )),
    }
}

// ----- column typing (CSV, GraphML) -------------------------------------------

/// The type of a property column: one per name, widened when values differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColTy {
    Int,
    Float,
    Bool,
    Str,
    Date,
}

impl ColTy {
    fn of(v: &Value) -> ColTy {
        match v {
            Value::Int(_) => ColTy::Int,
            Value::Float(_) => ColTy::Float,
            Value::Bool(_) => ColTy::Bool,
            Value::Date(_) => ColTy::Date,
            _ => ColTy::Str,
        }
    }

    fn widen(self, other: ColTy) -> ColTy {
        match (self, other) {
            (a, b) if a == b => a,
            (ColTy::Int, ColTy::Float) | (ColTy::Float, ColTy::Int) => ColTy::Float,
            _ => ColTy::Str,
        }
    }

    fn neo4j(self) -> &'static str {
        match self {
            ColTy::Int => "long",
            ColTy::Float => "double",
            ColTy::Bool => "boolean",
            ColTy::Str => "string",
            ColTy::Date => "date",
        }
    }
}

/// A property column: its type and whether it holds lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ColSpec {
    ty: ColTy,
    list: bool,
}

/// The column (type, list) a value belongs in.
fn spec_of(v: &Value) -> ColSpec {
    match v {
        Value::List(items) => ColSpec {
            ty: items
                .iter()
                .map(ColTy::of)
                .reduce(ColTy::widen)
                .unwrap_or(ColTy::Str),
            list: true,
        },
        v => ColSpec {
            ty: ColTy::of(v),
            list: false,
        },
    }
}

/// The property columns of `maps`, in first-seen order. With `split`, a
/// property whose values have several types gets one column per type (the
/// same name twice, typed differently); without, one column whose type is
/// widened (Integer and Float to Float, anything else to String).
fn column_specs<'a>(
    maps: impl Iterator<Item = &'a ValueMap>,
    split: bool,
) -> Vec<(String, ColSpec)> {
    let mut cols: Vec<(String, ColSpec)> = Vec::new();
    let mut index: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for m in maps {
        for (k, v) in m {
            let spec = spec_of(v);
            let slots = index.entry(k.to_string()).or_default();
            if split {
                if !slots.iter().any(|&i| cols[i].1 == spec) {
                    slots.push(cols.len());
                    cols.push((k.to_string(), spec));
                }
            } else if let Some(&i) = slots.first() {
                let c = &mut cols[i].1;
                if c.list != spec.list {
                    c.ty = ColTy::Str;
                    c.list = false;
                } else if !matches!(v, Value::List(x) if x.is_empty()) {
                    c.ty = c.ty.widen(spec.ty);
                }
            } else {
                slots.push(cols.len());
                cols.push((k.to_string(), spec));
            }
        }
    }
    cols
}

/// The value of property `name` if it belongs in column `c`.
fn value_for<'a>(props: &'a ValueMap, name: &str, c: &ColSpec, split: bool) -> Option<&'a Value> {
    props.get(name).filter(|v| !split || spec_of(v) == *c)
}

fn float_text(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => float_text(*x),
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => d.to_string(),
        other => serde_json::to_string(&json_value(other)).unwrap_or_default(),
    }
}

// ----- CSV ----------------------------------------------------------------------

fn plain_id(e: &Entity) -> String {
    e.key.clone().unwrap_or_else(|| format!("_{}", e.id))
}

/// Writes the CSV pair: `nodes` gets the entities, `edges` the relations.
/// `neo4j` selects Neo4j admin-import headers (typed columns, `:ID` = entity
/// id, `_key` column) instead of plain `id,label,...` / `src,dst,type,...`.
pub fn export_csv(
    g: &Graph,
    sel: &Selection,
    neo4j: bool,
    array_delimiter: u8,
    nodes: &mut dyn Write,
    edges: &mut dyn Write,
) -> io::Result<()> {
    let ad = (array_delimiter as char).to_string();
    // A label holding the delimiter would come back split: refuse it.
    if let Some(l) = sel
        .entities(g)
        .flat_map(|e| e.labels.iter())
        .find(|l| l.contains(array_delimiter as char))
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the label `{l}` contains the array delimiter `{ad}`, which separates labels; \
                 choose another with --array-delimiter"
            ),
        ));
    }
    let node_cols = column_specs(sel.entities(g).map(|e| &e.props), neo4j);
    let node_cols: Vec<(String, ColSpec)> = node_cols
        .into_iter()
        .filter(|(k, _)| neo4j || k != "id")
        .collect();
    let has_aliases = sel.entities(g).any(|e| !e.aliases.is_empty());
    let has_sources = sel.entities(g).any(|e| !e.sources.is_empty());
    let mut w = csv::WriterBuilder::new().from_writer(nodes);
    let header = |name: &str, c: &ColSpec| {
        if neo4j {
            format!("{name}:{}{}", c.ty.neo4j(), if c.list { "[]" } else { "" })
        } else {
            name.to_string()
        }
    };
    let mut row: Vec<String> = if neo4j {
        vec![":ID".into(), ":LABEL".into(), KEY_PROP.into()]
    } else {
        vec!["id".into(), "label".into()]
    };
    row.extend(node_cols.iter().map(|(k, c)| header(k, c)));
    if has_aliases {
        row.push(ALIASES_PROP.into());
    }
    if has_sources {
        row.push(SOURCES_PROP.into());
    }
    w.write_record(&row)?;
    for e in sel.entities(g) {
        row.clear();
        if neo4j {
            row.push(e.id.to_string());
            row.push(e.labels.join(&ad));
            row.push(e.key.clone().unwrap_or_default());
        } else {
            row.push(plain_id(e));
            row.push(e.labels.join(&ad));
        }
        for (k, c) in &node_cols {
            row.push(cell(value_for(&e.props, k, c, neo4j), c, neo4j, &ad));
        }
        if has_aliases {
            row.push(if e.aliases.is_empty() {
                String::new()
            } else {
                aliases_json(&e.aliases)
            });
        }
        if has_sources {
            row.push(if e.sources.is_empty() {
                String::new()
            } else {
                sources_json(&e.sources)
            });
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    drop(w);

    let rel_cols = column_specs(sel.relations(g).map(|r| &r.props), neo4j);
    let has_sources = sel.relations(g).any(|r| !r.sources.is_empty());
    let mut w = csv::WriterBuilder::new().from_writer(edges);
    row = if neo4j {
        vec![":START_ID".into(), ":END_ID".into(), ":TYPE".into()]
    } else {
        vec!["src".into(), "dst".into(), "type".into()]
    };
    row.extend(rel_cols.iter().map(|(k, c)| header(k, c)));
    if has_sources {
        row.push(SOURCES_PROP.into());
    }
    w.write_record(&row)?;
    for r in sel.relations(g) {
        row.clear();
        let end = |id: EntityId| match g.entity(id) {
            Some(e) if !neo4j => plain_id(e),
            _ => id.to_string(),
        };
        row.push(end(r.from));
        row.push(end(r.to));
        row.push(r.rel_type.to_string());
        for (k, c) in &rel_cols {
            row.push(cell(value_for(&r.props, k, c, neo4j), c, neo4j, &ad));
        }
        if has_sources {
            row.push(if r.sources.is_empty() {
                String::new()
            } else {
                sources_json(&r.sources)
            });
        }
        w.write_record(&row)?;
    }
    w.flush()
}

fn cell(v: Option<&Value>, c: &ColSpec, neo4j: bool, ad: &str) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::List(items)) if neo4j && c.list => {
            items.iter().map(scalar_text).collect::<Vec<_>>().join(ad)
        }
        Some(v) if neo4j && c.ty == ColTy::Float => match v {
            Value::Int(i) => float_text(*i as f64),
            v => scalar_text(v),
        },
        Some(v) => scalar_text(v),
    }
}

// ----- JSON lines -----------------------------------------------------------------

fn json_value(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s.clone()),
        Value::Date(d) => J::String(d.to_string()),
        Value::List(items) => J::Array(items.iter().map(json_value).collect()),
        Value::Map(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.to_string(), json_value(v)))
                .collect(),
        ),
        Value::Node(id) => J::from(id.0),
        Value::Relationship(id) => J::from(id.0),
        Value::Path(_) => J::Null,
    }
}

fn json_props(props: &ValueMap) -> (serde_json::Value, Vec<String>) {
    let mut dates = Vec::new();
    let mut map = serde_json::Map::new();
    for (k, v) in props {
        let is_date = match v {
            Value::Date(_) => true,
            Value::List(items) => {
                !items.is_empty() && items.iter().all(|x| matches!(x, Value::Date(_)))
            }
            _ => false,
        };
        if is_date {
            dates.push(k.to_string());
        }
        map.insert(k.to_string(), json_value(v));
    }
    (serde_json::Value::Object(map), dates)
}

fn jsonl(g: &Graph, sel: &Selection, out: &mut dyn Write) -> io::Result<()> {
    use serde_json::json;
    for e in sel.entities(g) {
        let (props, dates) = json_props(&e.props);
        let mut obj = json!({
            "type": "node",
            "id": e.id.to_string(),
            "labels": e.labels,
            "properties": props,
        });
        if let Some(o) = obj.as_object_mut() {
            if let Some(k) = &e.key {
                o.insert("key".into(), json!(k));
            }
            if !e.aliases.is_empty() {
                o.insert("aliases".into(), json!(e.aliases));
            }
            if !e.sources.is_empty() {
                o.insert("sources".into(), json!(e.sources));
            }
            if !dates.is_empty() {
                o.insert("dates".into(), json!(dates));
            }
        }
        serde_json::to_writer(&mut *out, &obj)?;
        out.write_all(b"\n")?;
    }
    for r in sel.relations(g) {
        let (props, dates) = json_props(&r.props);
        let end = |id: EntityId| {
            let labels = g.entity(id).map(|e| e.labels.clone()).unwrap_or_default();
            json!({"id": id.to_string(), "labels": labels})
        };
        let mut obj = json!({
            "type": "relationship",
            "id": r.id.to_string(),
            "label": r.rel_type,
            "start": end(r.from),
            "end": end(r.to),
            "properties": props,
        });
        if let Some(o) = obj.as_object_mut() {
            if !r.sources.is_empty() {
                o.insert("sources".into(), json!(r.sources));
            }
            if !dates.is_empty() {
                o.insert("dates".into(), json!(dates));
            }
        }
        serde_json::to_writer(&mut *out, &obj)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

// ----- GraphML ------------------------------------------------------------------

/// Escapes text for XML content or a double-quoted attribute; characters
/// XML cannot hold (C0 controls other than tab, newline, CR) are dropped.
fn xml_escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A scalar as GraphML text; non-finite doubles as XML Schema spells them
/// (`NaN`, `INF`, `-INF`).
fn graphml_scalar(v: &Value) -> String {
    match v {
        Value::Float(x) if x.is_nan() => "NaN".into(),
        Value::Float(x) if x.is_infinite() => if *x > 0.0 { "INF" } else { "-INF" }.into(),
        v => scalar_text(v),
    }
}

/// A list as JSON text; non-finite doubles as `NaN`, `Infinity` and
/// `-Infinity` (which JSON lacks, but Python's and most JSON5 readers take).
fn graphml_list(items: &[Value]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|v| match v {
            Value::Float(x) if x.is_nan() => "NaN".into(),
            Value::Float(x) if x.is_infinite() => {
                if *x > 0.0 { "Infinity" } else { "-Infinity" }.into()
            }
            v => serde_json::to_string(&json_value(v)).unwrap_or_default(),
        })
        .collect();
    format!("[{}]", parts.join(","))
}

fn graphml_type(c: &ColSpec) -> &'static str {
    match c.ty {
        ColTy::Int => "long",
        ColTy::Float => "double",
        ColTy::Bool => "boolean",
        ColTy::Str | ColTy::Date => "string",
    }
}

fn graphml(g: &Graph, sel: &Selection, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:kg="urn:kg:graphml">"#
    )?;
    let node_cols = column_specs(sel.entities(g).map(|e| &e.props), true);
    let rel_cols = column_specs(sel.relations(g).map(|r| &r.props), true);
    // kg's own keys take names no property uses.
    let node_names: HashSet<&str> = node_cols.iter().map(|(k, _)| k.as_str()).collect();
    let edge_names: HashSet<&str> = rel_cols.iter().map(|(k, _)| k.as_str()).collect();
    let all_names: HashSet<&str> = node_names.union(&edge_names).copied().collect();
    for (id, what, name, taken) in [
        ("labels", "node", "labels", &node_names),
        ("kg_key", "node", KEY_PROP, &node_names),
        ("kg_aliases", "node", ALIASES_PROP, &node_names),
        ("kg_sources", "all", SOURCES_PROP, &all_names),
        ("label", "edge", "label", &edge_names),
    ] {
        writeln!(
            out,
            r#"<key id="{id}" for="{what}" attr.name="{}" attr.type="string"/>"#,
            xml_escape(&fresh_name(name, taken), true)
        )?;
    }
    for (prefix, what, cols) in [("n", "node", &node_cols), ("e", "edge", &rel_cols)] {
        for (i, (name, c)) in cols.iter().enumerate() {
            // A list is JSON text, its elements' type in attr.list.
            write!(
                out,
                r#"<key id="{prefix}{i}" for="{what}" attr.name="{}" attr.type="{}""#,
                xml_escape(name, true),
                if c.list { "string" } else { graphml_type(c) }
            )?;
            if c.list {
                write!(out, r#" attr.list="{}""#, graphml_type(c))?;
            }
            if c.ty == ColTy::Date {
                write!(out, r#" kg:type="date""#)?;
            }
            writeln!(out, "/>")?;
        }
    }
    writeln!(out, r#"<graph id="G" edgedefault="directed">"#)?;
    let data = |out: &mut dyn Write, key: &str, text: &str| -> io::Result<()> {
        writeln!(
            out,
            r#"  <data key="{key}">{}</data>"#,
            xml_escape(text, false)
        )
    };
    let value_text = |v: &Value, c: &ColSpec| match (v, c.list) {
        (Value::List(items), true) => graphml_list(items),
        (v, _) => graphml_scalar(v),
    };
    for e in sel.entities(g) {
        let labels: String = e.labels.iter().map(|l| format!(":{l}")).collect();
        writeln!(
            out,
            r#"<node id="n{}" labels="{}">"#,
            e.id,
            xml_escape(&labels, true)
        )?;
        data(out, "labels", &labels)?;
        if let Some(k) = &e.key {
            data(out, "kg_key", k)?;
        }
        for (i, (name, c)) in node_cols.iter().enumerate() {
            if let Some(v) = value_for(&e.props, name, c, true) {
                data(out, &format!("n{i}"), &value_text(v, c))?;
            }
        }
        if !e.aliases.is_empty() {
            data(out, "kg_aliases", &aliases_json(&e.aliases))?;
        }
        if !e.sources.is_empty() {
            data(out, "kg_sources", &sources_json(&e.sources))?;
        }
        writeln!(out, "</node>")?;
    }
    for r in sel.relations(g) {
        writeln!(
            out,
            r#"<edge id="e{}" source="n{}" target="n{}" label="{}">"#,
            r.id,
            r.from,
            r.to,
            xml_escape(&r.rel_type, true)
        )?;
        data(out, "label", &r.rel_type)?;
        for (i, (name, c)) in rel_cols.iter().enumerate() {
            if let Some(v) = value_for(&r.props, name, c, true) {
                data(out, &format!("e{i}"), &value_text(v, c))?;
            }
        }
        if !r.sources.is_empty() {
            data(out, "kg_sources", &sources_json(&r.sources))?;
        }
        writeln!(out, "</edge>")?;
    }
    writeln!(out, "</graph>\n</graphml>")
}

// ----- N-Triples ------------------------------------------------------------------

/// Percent-encodes everything but ASCII letters, digits, `-._~` and
/// non-ASCII letters and digits.
fn iri_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric()
            || matches!(c, '-' | '.' | '_' | '~')
            || (!c.is_ascii() && c.is_alphanumeric())
        {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn iri(s: String) -> NamedNode {
    match NamedNode::new(s.clone()) {
        Ok(n) => n,
        // Only reachable for exotic characters iri_part kept; encode them all.
        Err(_) => NamedNode::new_unchecked(
            s.bytes()
                .map(|b| {
                    if b.is_ascii_graphic()
                        && !matches!(
                            b,
                            b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'`'
                        )
                    {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>(),
        ),
    }
}

/// The IRI of an entity in N-Triples exports.
pub fn entity_iri(e: &Entity) -> String {
    match &e.key {
        Some(k) => format!("urn:kg:entity:{}", iri_part(k)),
        None => format!("urn:kg:node:{}", e.id),
    }
}

fn literals(v: &Value) -> Vec<Literal> {
    match v {
        Value::String(s) => vec![Literal::new_simple_literal(s.clone())],
        Value::Int(i) => vec![Literal::new_typed_literal(i.to_string(), xsd::INTEGER)],
        Value::Float(x) => {
            let text = if x.is_nan() {
                "NaN".to_string()
            } else if x.is_infinite() {
                if *x > 0.0 { "INF" } else { "-INF" }.to_string()
            } else {
                format!("{x:E}")
            };
            vec![Literal::new_typed_literal(text, xsd::DOUBLE)]
        }
        Value::Bool(b) => vec![Literal::new_typed_literal(b.to_string(), xsd::BOOLEAN)],
        Value::Date(d) => {
            let ty = match (d.month, d.day) {
                (Some(_), Some(_)) => xsd::DATE,
                (Some(_), None) => xsd::G_YEAR_MONTH,
                _ => xsd::G_YEAR,
            };
            vec![Literal::new_typed_literal(d.to_string(), ty)]
        }
        Value::List(items) => items.iter().flat_map(literals).collect(),
        other => vec![Literal::new_simple_literal(scalar_text(other))],
    }
}

fn ntriples(g: &Graph, sel: &Selection, out: &mut dyn Write) -> io::Result<()> {
    let mut w = oxttl::NTriplesSerializer::new().for_writer(out);
    let alt_label = NamedNode::new_unchecked("http://www.w3.org/2004/02/skos/core#altLabel");
    let key_p = NamedNode::new_unchecked("urn:kg:key");
    let source_p = NamedNode::new_unchecked("urn:kg:source");
    let emit = |w: &mut oxttl::ntriples::WriterNTriplesSerializer<&mut dyn Write>,
                s: &Subject,
                p: &NamedNode,
                o: Term|
     -> io::Result<()> { w.serialize_triple(&Triple::new(s.clone(), p.clone(), o)) };
    let props_and_sources = |w: &mut oxttl::ntriples::WriterNTriplesSerializer<&mut dyn Write>,
                             s: &Subject,
                             props: &ValueMap,
                             sources: &[crate::store::Citation]|
     -> io::Result<()> {
        for (k, v) in props {
            let p = iri(format!("urn:kg:prop:{}", iri_part(k)));
            for lit in literals(v) {
                emit(w, s, &p, lit.into())?;
            }
        }
        for c in sources {
            let o = iri(format!(
                "urn:kg:source:{}#{}",
                iri_part(&c.article),
                c.sentence
            ));
            emit(w, s, &source_p, o.into())?;
        }
        Ok(())
    };
    for e in sel.entities(g) {
        let s: Subject = iri(entity_iri(e)).into();
        for l in &e.labels {
            let o = iri(format!("urn:kg:label:{}", iri_part(l)));
            emit(&mut w, &s, &rdf::TYPE.into_owned(), o.into())?;
        }
        if let Some(k) = &e.key {
            emit(
                &mut w,
                &s,
                &key_p,
                Literal::new_simple_literal(k.clone()).into(),
            )?;
        }
        props_and_sources(&mut w, &s, &e.props, &e.sources)?;
        for a in &e.aliases {
            let lit = match &a.lang {
                Some(lang) => Literal::new_language_tagged_literal(a.text.clone(), lang.clone())
                    .unwrap_or_else(|_| Literal::new_simple_literal(a.text.clone())),
                None => Literal::new_simple_literal(a.text.clone()),
            };
            emit(&mut w, &s, &alt_label, lit.into())?;
        }
    }
    for r in sel.relations(g) {
        let (Some(a), Some(b)) = (g.entity(r.from), g.entity(r.to)) else {
            continue;
        };
        let s: Subject = iri(entity_iri(a)).into();
        let p = iri(format!("urn:kg:rel:{}", iri_part(&r.rel_type)));
        let o = iri(entity_iri(b));
        emit(&mut w, &s, &p, o.clone().into())?;
        if !r.props.is_empty() || !r.sources.is_empty() {
            let st: Subject = iri(format!("urn:kg:relation:{}", r.id)).into();
            emit(
                &mut w,
                &st,
                &rdf::TYPE.into_owned(),
                rdf::STATEMENT.into_owned().into(),
            )?;
            emit(
                &mut w,
                &st,
                &rdf::SUBJECT.into_owned(),
                Term::from(s.clone()),
            )?;
            emit(&mut w, &st, &rdf::PREDICATE.into_owned(), p.into())?;
            emit(&mut w, &st, &rdf::OBJECT.into_owned(), o.into())?;
            props_and_sources(&mut w, &st, &r.props, &r.sources)?;
        }
    }
    w.finish();
    Ok(())
}

// ----- Cypher ---------------------------------------------------------------------

/// A Cypher string literal (single-quoted, backslash escapes).
pub fn cypher_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A Cypher name: bare when it is a plain identifier, else backquoted.
pub fn cypher_name(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        s.to_string()
    } else {
        format!("`{}`", s.replace('`', "``"))
    }
}

fn cypher_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) if *i == i64::MIN => format!("({} - 1)", i64::MIN + 1),
        Value::Int(i) => i.to_string(),
        Value::Float(x) if x.is_nan() => "(0.0 / 0.0)".into(),
        Value::Float(x) if x.is_infinite() => if *x > 0.0 {
            "(1.0 / 0.0)"
        } else {
            "(-1.0 / 0.0)"
        }
        .into(),
        Value::Float(x) => {
            let s = format!("{x:?}");
            if s.contains(['.', 'e', 'E']) {
                s
            } else {
                format!("{s}.0")
            }
        }
        Value::String(s) => cypher_string(s),
        Value::Date(d) => format!("date({})", cypher_string(&d.to_string())),
        Value::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(cypher_value)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => cypher_string(&scalar_text(other)),
    }
}

fn cypher_map(entries: &[(String, String)]) -> String {
    let body: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{}: {v}", cypher_name(k)))
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// Rows per statement at most.
const BATCH: usize = 500;
/// Bytes per statement, roughly at most (a row is never split): parsers
/// budget their work per statement.
const STATEMENT_BYTES: usize = 256 << 10;
/// List elements written with the row; longer lists are appended to in
/// statements of this many elements.
const LIST_CHUNK: usize = 10_000;

/// Consecutive runs of `rows` of at most [`BATCH`] rows and about
/// [`STATEMENT_BYTES`] bytes.
fn statement_batches(rows: &[String]) -> Vec<&[String]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        if i > start && (i - start == BATCH || bytes + row.len() > STATEMENT_BYTES) {
            out.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += row.len() + 2;
    }
    if start < rows.len() {
        out.push(&rows[start..]);
    }
    out
}

fn cypher_list(items: &[Value]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(cypher_value)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The map entries of `props`, lists cut to [`LIST_CHUNK`] elements; the
/// rest of each long list goes to `rest` as (name, remaining elements).
fn cypher_entries<'a>(
    props: &'a ValueMap,
    entries: &mut Vec<(String, String)>,
    rest: &mut Vec<(String, &'a [Value])>,
) {
    for (k, v) in props {
        match v {
            Value::List(items) if items.len() > LIST_CHUNK => {
                entries.push((k.to_string(), cypher_list(&items[..LIST_CHUNK])));
                rest.push((k.to_string(), &items[LIST_CHUNK..]));
            }
            v => entries.push((k.to_string(), cypher_value(v))),
        }
    }
}

fn cypher(g: &Graph, sel: &Selection, out: &mut dyn Write) -> io::Result<()> {
    // Helper and kg-data names that no label or property of the graph uses.
    let labels = sel
        .entities(g)
        .flat_map(|e| e.labels.iter().map(String::as_str));
    let props = sel
        .entities(g)
        .flat_map(|e| e.props.keys())
        .chain(sel.relations(g).flat_map(|r| r.props.keys()))
        .map(|k| k.as_ref());
    let names = CypherNames::avoiding(labels, props);
    let (id_prop, import_label) = (
        cypher_name(&names.id_prop),
        cypher_name(&names.import_label),
    );
    writeln!(out, "// kg export: run with cypher-shell, mgconsole, redis-cli GRAPH.QUERY or kg import --format cypher.")?;
    writeln!(
        out,
        "// Nodes carry a temporary :{import_label} label and {id_prop} property, removed at the end;"
    )?;
    writeln!(
        out,
        "// keys, aliases and citations are the properties named below (names no label or property uses)."
    )?;
    writeln!(out, "{}", names.declaration())?;
    writeln!(out, "// in Neo4j first run: CREATE INDEX kg_import IF NOT EXISTS FOR (n:{import_label}) ON (n.{id_prop});")?;
    // Nodes, batched by label list (labels cannot be parameters); the tails
    // of long lists are appended by later statements.
    let mut appends: Vec<String> = Vec::new();
    let mut groups: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for e in sel.entities(g) {
        let mut entries: Vec<(String, String)> = vec![(names.id_prop.clone(), e.id.to_string())];
        let mut rest = Vec::new();
        cypher_entries(&e.props, &mut entries, &mut rest);
        for (k, items) in rest {
            let k = cypher_name(&k);
            for chunk in items.chunks(LIST_CHUNK) {
                appends.push(format!(
                    "MATCH (n:{import_label} {{{id_prop}: {}}}) SET n.{k} = n.{k} + {};",
                    e.id,
                    cypher_list(chunk)
                ));
            }
        }
        if let Some(k) = &e.key {
            entries.push((names.key_prop.clone(), cypher_string(k)));
        }
        if !e.aliases.is_empty() {
            entries.push((
                names.aliases_prop.clone(),
                cypher_string(&aliases_json(&e.aliases)),
            ));
        }
        if !e.sources.is_empty() {
            entries.push((
                names.sources_prop.clone(),
                cypher_string(&sources_json(&e.sources)),
            ));
        }
        let row = cypher_map(&entries);
        match groups.iter_mut().find(|(l, _)| *l == e.labels) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((e.labels.clone(), vec![row])),
        }
    }
    for (labels, rows) in &groups {
        let mut label_text: String = labels
            .iter()
            .map(|l| format!(":{}", cypher_name(l)))
            .collect();
        label_text.push_str(&format!(":{import_label}"));
        for chunk in statement_batches(rows) {
            writeln!(
                out,
                "UNWIND [{}] AS row CREATE (n{label_text}) SET n = row;",
                chunk.join(", ")
            )?;
        }
    }
    for a in appends.drain(..) {
        writeln!(out, "{a}")?;
    }
    // Relations, batched by type.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut tagged_relations = false;
    for r in sel.relations(g) {
        let mut entries: Vec<(String, String)> = Vec::new();
        let mut rest = Vec::new();
        cypher_entries(&r.props, &mut entries, &mut rest);
        if !rest.is_empty() {
            // Found again by a temporary id, removed at the end.
            entries.push((names.id_prop.clone(), r.id.to_string()));
            tagged_relations = true;
        }
        for (k, items) in rest {
            let k = cypher_name(&k);
            for chunk in items.chunks(LIST_CHUNK) {
                appends.push(format!(
                    "MATCH ()-[r:{} {{{id_prop}: {}}}]->() SET r.{k} = r.{k} + {};",
                    cypher_name(&r.rel_type),
                    r.id,
                    cypher_list(chunk)
                ));
            }
        }
        if !r.sources.is_empty() {
            entries.push((
                names.sources_prop.clone(),
                cypher_string(&sources_json(&r.sources)),
            ));
        }
        let row = format!(
            "{{f: {}, t: {}, p: {}}}",
            r.from,
            r.to,
            cypher_map(&entries)
        );
        match groups.iter_mut().find(|(t, _)| *t == r.rel_type) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((r.rel_type.to_string(), vec![row])),
        }
    }
    for (rel_type, rows) in &groups {
        for chunk in statement_batches(rows) {
            writeln!(
                out,
                "UNWIND [{}] AS row MATCH (a:{import_label} {{{id_prop}: row.f}}), (b:{import_label} {{{id_prop}: row.t}}) CREATE (a)-[r:{}]->(b) SET r = row.p;",
                chunk.join(", "),
                cypher_name(rel_type)
            )?;
        }
    }
    for a in &appends {
        writeln!(out, "{a}")?;
    }
    if tagged_relations {
        writeln!(
            out,
            "MATCH ()-[r]->() WHERE r.{id_prop} IS NOT NULL REMOVE r.{id_prop};"
        )?;
    }
    writeln!(
        out,
        "MATCH (n:{import_label}) REMOVE n:{import_label}, n.{id_prop};"
    )
}
