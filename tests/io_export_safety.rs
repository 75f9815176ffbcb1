//! Export safety: every exporter escapes every string for its format.
//!
//! A property test builds graphs whose labels, relation types, property
//! names, property values, entity keys, aliases and citations are made of
//! hostile pieces (quotes, backslashes, newlines, `*/`, `//`, `}`, XML
//! metacharacters, control characters including NUL, Arabic, emoji, the
//! names of kg's own helpers) and round-trips them through JSON lines, Neo4j
//! CSV and the Cypher script (each read back by kg into an equal graph), and
//! plain CSV (structure and strings). GraphML is read by networkx and
//! N-Triples by rdflib (and by oxttl in-process) and compared with the graph.
//!
//! The Python readers run through `$KG_PYTHON` (default `python3`); when it
//! lacks networkx or rdflib those checks are skipped with a printed reason,
//! unless `KG_REQUIRE_TOOLS=1`, when they fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

use kg::io::read::{run_cypher_script, InputFormat};
use kg::io::{export, export_csv, import, ExportFormat, ImportOptions, Input, Selection};
use kg::store::{Alias, Citation, Graph, NewEntity};
use kg::value::{Date, Value, ValueMap};

// ----- hostile graphs ----------------------------------------------------------

/// Pieces hostile strings are made of.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "'",
    "\"",
    "\\",
    "\\n",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "*/",
    "/*",
    "//",
    "}",
    "{",
    "]",
    "<",
    ">",
    "&",
    "&amp;",
    "]]>",
    "<!--",
    ";",
    ":",
    ",",
    "|",
    "`",
    "$x",
    "#",
    "%20",
    "^^",
    "@en",
    " ",
    "\0",
    "\u{1}",
    "\u{1b}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{feff}",
    "المغرب",
    "🇲🇦",
    "👍🏽",
    "é",
    "_key",
    "_kgid",
    "_KgImport",
    "_aliases",
    "_sources",
    "labels",
    "id",
    "1",
    "-2.5",
    "true",
    "null",
    "NaN",
];

fn hostile_string() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 1..5).prop_map(|v| v.concat())
}

/// A label, type or property name: hostile, non-empty, without surrounding
/// whitespace (CSV headers and label lists are trimmed, see LOSSES).
fn hostile_name() -> impl Strategy<Value = String> {
    hostile_string().prop_map(|s| if s.trim() != s { format!("x{s}x") } else { s })
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => hostile_string().prop_map(Value::String),
        1 => any::<i64>().prop_map(Value::Int),
        1 => prop_oneof![
            Just(0.5),
            Just(-0.0),
            Just(1e300),
            Just(f64::MIN_POSITIVE),
            Just(123456789.0),
            any::<f64>().prop_filter("finite", |x| x.is_finite()),
        ]
        .prop_map(Value::Float),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => (1i32..3000, 0u8..13, 0u8..29).prop_map(|(year, m, d)| Value::Date(Date {
            year,
            month: (m > 0).then_some(m),
            day: (m > 0 && d > 0).then_some(d),
        })),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => scalar(),
        1 => prop::collection::vec(hostile_string().prop_map(Value::String), 1..4).prop_map(Value::List),
        1 => prop::collection::vec(any::<i64>().prop_map(Value::Int), 1..4).prop_map(Value::List),
    ]
}

fn props() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec((hostile_name(), value()), 0..4)
}

fn citations() -> impl Strategy<Value = Vec<(String, u32)>> {
    prop::collection::vec((hostile_string(), 1u32..500), 0..3)
}

type EntitySpec = (
    Option<String>,
    Vec<String>,
    Vec<(String, Value)>,
    Vec<(String, Option<&'static str>)>,
    Vec<(String, u32)>,
);
type RelationSpec = (
    usize,
    usize,
    String,
    Vec<(String, Value)>,
    Vec<(String, u32)>,
);

fn entity_spec() -> impl Strategy<Value = EntitySpec> {
    (
        prop::option::weighted(0.8, hostile_string()),
        prop::collection::vec(hostile_name(), 0..3),
        props(),
        prop::collection::vec(
            (
                hostile_string(),
                prop::option::of(prop::sample::select(&["fr", "ar", "en-GB"][..])),
            ),
            0..3,
        ),
        citations(),
    )
}

fn relation_spec() -> impl Strategy<Value = RelationSpec> {
    (
        any::<usize>(),
        any::<usize>(),
        hostile_name(),
        props(),
        citations(),
    )
}

fn to_map(props: Vec<(String, Value)>) -> ValueMap {
    let mut m = ValueMap::default();
    for (k, v) in props {
        m.insert(k, v);
    }
    m
}

fn to_citations(c: Vec<(String, u32)>) -> Vec<Citation> {
    c.into_iter()
        .map(|(article, sentence)| Citation { article, sentence })
        .collect()
}

fn build(entities: Vec<EntitySpec>, relations: Vec<RelationSpec>) -> Graph {
    let mut g = Graph::new();
    let mut ids = Vec::new();
    for (key, mut labels, props, aliases, sources) in entities {
        labels.sort();
        labels.dedup();
        let new = NewEntity {
            key,
            labels,
            props: to_map(props),
            aliases: aliases
                .into_iter()
                .map(|(text, lang)| Alias {
                    text,
                    lang: lang.map(String::from),
                })
                .collect(),
            sources: to_citations(sources),
        };
        // A key drawn twice: keep the entity without it.
        let id = match g.add_entity(new.clone()) {
            Ok(id) => id,
            Err(_) => g
                .add_entity(NewEntity { key: None, ..new })
                .expect("an entity without a key is always added"),
        };
        ids.push(id);
    }
    for (a, b, ty, props, sources) in relations {
        if ids.is_empty() {
            break;
        }
        let (from, to) = (ids[a % ids.len()], ids[b % ids.len()]);
        g.add_relation(from, to, ty.as_str(), to_map(props), to_citations(sources))
            .expect("relation added");
    }
    g
}

fn hostile_graph() -> impl Strategy<Value = Graph> {
    (
        prop::collection::vec(entity_spec(), 1..6),
        prop::collection::vec(relation_spec(), 0..8),
    )
        .prop_map(|(e, r)| build(e, r))
}

// ----- comparing graphs -----------------------------------------------------------

/// A value's exact description (floats by their bits).
fn exact(v: &Value) -> String {
    match v {
        Value::Float(x) => format!("Float({:#x})", x.to_bits()),
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(exact).collect::<Vec<_>>().join(", ")
        ),
        v => format!("{v:?}"),
    }
}

fn props_text(p: &ValueMap) -> BTreeMap<String, String> {
    p.iter().map(|(k, v)| (k.to_string(), exact(v))).collect()
}

/// The graph as sorted descriptions, independent of ids and order. Key-less
/// entities are told apart by their labels and properties.
fn canon(g: &Graph) -> (Vec<String>, Vec<String>) {
    let ident = |id| {
        let e = g.entity(id).expect("relation end exists");
        match &e.key {
            Some(k) => format!("key {k:?}"),
            None => format!("{:?} {:?}", e.labels, props_text(&e.props)),
        }
    };
    let mut es: Vec<String> = g
        .entities()
        .map(|e| {
            let mut labels = e.labels.clone();
            labels.sort();
            format!(
                "{:?} {labels:?} {:?} aliases={:?} sources={:?}",
                e.key,
                props_text(&e.props),
                e.aliases,
                e.sources
            )
        })
        .collect();
    es.sort();
    let mut rs: Vec<String> = g
        .relations()
        .map(|r| {
            format!(
                "{} -[{:?} {:?} {:?}]-> {}",
                ident(r.from),
                r.rel_type.as_str(),
                props_text(&r.props),
                r.sources,
                ident(r.to)
            )
        })
        .collect();
    rs.sort();
    (es, rs)
}

fn same(a: &Graph, b: &Graph, what: &str) -> Result<(), TestCaseError> {
    let (ea, ra) = canon(a);
    let (eb, rb) = canon(b);
    prop_assert_eq!(ea, eb, "{}: entities differ", what);
    prop_assert_eq!(ra, rb, "{}: relations differ", what);
    Ok(())
}

// ----- round trips through kg's importers --------------------------------------------

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kg-safety-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn to_bytes(g: &Graph, f: ExportFormat) -> Vec<u8> {
    let mut out = Vec::new();
    export(g, &Selection::all(g), f, &mut out).expect("export");
    out
}

/// An array delimiter that no label or list element of `g` contains.
fn free_delimiter(g: &Graph) -> Option<u8> {
    let mut used = BTreeSet::new();
    for e in g.entities() {
        for l in &e.labels {
            used.extend(l.bytes());
        }
    }
    let lists = g
        .entities()
        .flat_map(|e| e.props.iter().map(|(_, v)| v))
        .chain(g.relations().flat_map(|r| r.props.iter().map(|(_, v)| v)));
    for v in lists {
        if let Value::List(items) = v {
            for it in items {
                if let Value::String(s) = it {
                    used.extend(s.bytes());
                }
            }
        }
    }
    b";|^~!?+=".iter().copied().find(|b| !used.contains(b))
}

fn csv_round_trip(g: &Graph, neo4j: bool, dir: &Path) -> Result<Option<Graph>, TestCaseError> {
    let Some(ad) = free_delimiter(g) else {
        return Ok(None);
    };
    let (mut n, mut e) = (Vec::new(), Vec::new());
    export_csv(g, &Selection::all(g), neo4j, ad, &mut n, &mut e).expect("csv export");
    let (np, ep) = (dir.join("nodes.csv"), dir.join("edges.csv"));
    std::fs::write(&np, n).expect("write");
    std::fs::write(&ep, e).expect("write");
    let opts = ImportOptions {
        array_delimiter: ad,
        strings: !neo4j,
        ..ImportOptions::default()
    };
    // Plain CSV names ending in `:int` or `:ID` look like Neo4j headers (see LOSSES).
    let format = Some(if neo4j {
        InputFormat::Neo4j
    } else {
        InputFormat::Csv
    });
    match import(
        Graph::new(),
        &[Input::nodes(&np, format), Input::edges(&ep, format)],
        &opts,
    ) {
        Ok((back, _)) => Ok(Some(back)),
        Err(err) => Err(TestCaseError::fail(format!("CSV import failed: {err}"))),
    }
}

/// Property names plain CSV reads as its own columns (see LOSSES).
const PLAIN_COLUMNS: &[&str] = &[
    "id", "label", "labels", "src", "source", "from", "start", "dst", "target", "to", "end",
    "type", "_key", "_aliases", "_sources",
];

/// `g` with only the string properties plain CSV carries (read back with
/// `--strings`; see LOSSES for types), minus the names it reads as columns.
fn without_plain_csv_columns(g: &Graph) -> Graph {
    let keep = |p: &ValueMap| {
        let mut m = ValueMap::default();
        for (k, v) in p {
            if matches!(v, Value::String(_))
                && !PLAIN_COLUMNS.contains(&k.to_ascii_lowercase().as_str())
            {
                m.insert(k.to_string(), v.clone());
            }
        }
        m
    };
    let mut out = Graph::new();
    let mut ids = BTreeMap::new();
    for e in g.entities() {
        let id = out
            .add_entity(NewEntity {
                key: e.key.clone(),
                labels: e.labels.clone(),
                props: keep(&e.props),
                aliases: e.aliases.clone(),
                sources: e.sources.clone(),
            })
            .expect("copy entity");
        ids.insert(e.id, id);
    }
    for r in g.relations() {
        out.add_relation(
            ids[&r.from],
            ids[&r.to],
            r.rel_type,
            keep(&r.props),
            r.sources.to_vec(),
        )
        .expect("copy relation");
    }
    out
}

/// What plain CSV promises: every entity with its labels, key and string
/// properties, every relation with its type and ends.
fn plain_view(g: &Graph) -> (Vec<String>, Vec<String>) {
    let skip = ["id", "_key", "_aliases", "_sources"];
    let strings = |p: &ValueMap| -> BTreeMap<String, String> {
        p.iter()
            .filter(|(k, _)| !skip.contains(&k.as_ref()))
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k.to_string(), s.clone())),
                _ => None,
            })
            .collect()
    };
    let key = |id| {
        let e = g.entity(id).expect("end");
        e.key.clone().unwrap_or_else(|| format!("_{}", e.id))
    };
    let mut es: Vec<String> = g
        .entities()
        .map(|e| {
            let mut labels = e.labels.clone();
            labels.sort();
            format!("{:?} {labels:?} {:?}", key(e.id), strings(&e.props))
        })
        .collect();
    es.sort();
    let mut rs: Vec<String> = g
        .relations()
        .map(|r| {
            format!(
                "{:?} {:?} {:?}",
                key(r.from),
                r.rel_type.as_str(),
                key(r.to)
            )
        })
        .collect();
    rs.sort();
    (es, rs)
}

proptest! {
    #![proptest_config(Config::with_cases(96))]

    #[test]
    fn hostile_graphs_round_trip_through_every_readable_format(g in hostile_graph()) {
        let dir = tmpdir("rt");
        // JSON lines.
        let p = dir.join("g.jsonl");
        std::fs::write(&p, to_bytes(&g, ExportFormat::Jsonl)).expect("write");
        let back = import(Graph::new(), &[Input::any(&p, None)], &ImportOptions::default())
            .map_err(|e| TestCaseError::fail(format!("jsonl import: {e}")))?
            .0;
        same(&g, &back, "jsonl")?;
        // The Cypher script.
        let text = String::from_utf8(to_bytes(&g, ExportFormat::Cypher)).expect("utf-8");
        let back = run_cypher_script("g.cypher", &text)
            .map_err(|e| TestCaseError::fail(format!("cypher import: {e}\n{text}")))?;
        same(&g, &back, "cypher")?;
        // Neo4j CSV, then plain CSV.
        if let Some(back) = csv_round_trip(&g, true, &dir)? {
            same(&g, &back, "neo4j")?;
        }
        let plain = without_plain_csv_columns(&g);
        if let Some(back) = csv_round_trip(&plain, false, &dir)? {
            prop_assert_eq!(plain_view(&plain), plain_view(&back), "plain csv");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

// ----- GraphML through networkx, N-Triples through rdflib and oxttl -------------------

/// The Python interpreter: `$KG_PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("KG_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// True when the Python has `module`; otherwise prints why the check is
/// skipped, or fails under `KG_REQUIRE_TOOLS=1`.
fn python_has(module: &str) -> bool {
    let ok = Command::new(python())
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("KG_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!(
                "{} cannot import {module} (KG_REQUIRE_TOOLS=1); install it (pip install {module}) \
                 or point KG_PYTHON at a Python that has it",
                python()
            );
        }
        eprintln!(
            "skipping the {module} check: {} cannot import {module} \
             (set KG_PYTHON, or KG_REQUIRE_TOOLS=1 to fail instead)",
            python()
        );
    }
    ok
}

/// Runs a Python program on `args`; its standard output is JSON.
fn run_python(program: &str, args: &[&Path]) -> serde_json::Value {
    let out = Command::new(python())
        .arg("-c")
        .arg(program)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python printed JSON")
}

/// A fixed sample of hostile graphs (the Python readers start slowly, so
/// they read a batch at once).
fn sample(n: usize) -> Vec<Graph> {
    let mut runner = TestRunner::deterministic();
    let strategy = hostile_graph();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).expect("a graph").current())
        .collect()
}

/// Characters XML 1.0 cannot hold, which GraphML export drops (see LOSSES).
fn xml_visible(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            !((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')
                || c == '\u{fffe}'
                || c == '\u{ffff}')
        })
        .collect()
}

const NETWORKX: &str = r#"
import json, sys, networkx as nx
def enc(v):
    if isinstance(v, bool): return ["b", "true" if v else "false"]
    if isinstance(v, int): return ["i", str(v)]
    if isinstance(v, float): return ["f", repr(v)]
    return ["s", v]
out = []
for path in sys.argv[1:]:
    g = nx.read_graphml(path, force_multigraph=True)
    nodes = {n: {k: enc(v) for k, v in d.items()} for n, d in g.nodes(data=True)}
    edges = {k: [u, v, {a: enc(x) for a, x in d.items()}] for u, v, k, d in g.edges(keys=True, data=True)}
    out.append({"nodes": nodes, "edges": edges})
print(json.dumps(out))
"#;

/// A value as networkx reads it from kg's GraphML: (kind, text).
fn graphml_expected(v: &Value) -> (String, String) {
    let json_text = |v: &Value| -> String {
        match v {
            Value::Int(i) => i.to_string(),
            Value::String(s) => serde_json::to_string(s).expect("json"),
            other => panic!("unexpected list element {other:?}"),
        }
    };
    match v {
        Value::String(s) => ("s".into(), xml_visible(s)),
        Value::Int(i) => ("i".into(), i.to_string()),
        Value::Float(x) => ("f".into(), format!("{:#x}", x.to_bits())),
        Value::Bool(b) => ("b".into(), b.to_string()),
        Value::Date(d) => ("s".into(), d.to_string()),
        Value::List(items) => (
            "s".into(),
            xml_visible(&format!(
                "[{}]",
                items.iter().map(json_text).collect::<Vec<_>>().join(",")
            )),
        ),
        other => panic!("unexpected value {other:?}"),
    }
}

/// networkx's (kind, text) with floats by their bits.
fn graphml_actual(v: &serde_json::Value) -> (String, String) {
    let kind = v[0].as_str().expect("kind").to_string();
    let text = v[1].as_str().expect("text");
    if kind == "f" {
        let x: f64 = text.parse().expect("a float");
        return (kind, format!("{:#x}", x.to_bits()));
    }
    (kind, text.to_string())
}

#[test]
fn graphml_reads_back_through_networkx() {
    if !python_has("networkx") {
        return;
    }
    let dir = tmpdir("graphml");
    let graphs = sample(24);
    let paths: Vec<PathBuf> = graphs
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let p = dir.join(format!("g{i}.graphml"));
            std::fs::write(&p, to_bytes(g, ExportFormat::Graphml)).expect("write");
            p
        })
        .collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let read = run_python(NETWORKX, &refs);
    for (i, g) in graphs.iter().enumerate() {
        let got = &read[i];
        let nodes = got["nodes"].as_object().expect("nodes");
        assert_eq!(nodes.len(), g.entity_count(), "graph {i}: node count");
        for e in g.entities() {
            let data = nodes[&format!("n{}", e.id)].as_object().expect("node data");
            // Every property, typed as declared.
            for (k, v) in &e.props {
                let actual = data.get(&xml_visible(k)).map(graphml_actual);
                assert_eq!(
                    actual,
                    Some(graphml_expected(v)),
                    "graph {i} node {} `{k}`",
                    e.id
                );
            }
            // The labels, key, aliases and citations under their (free) names.
            let labels: String = e
                .labels
                .iter()
                .map(|l| format!(":{}", xml_visible(l)))
                .collect();
            let kg_values: BTreeSet<String> = data
                .iter()
                .filter(|(k, _)| !e.props.contains_key(k.as_str()))
                .map(|(_, v)| graphml_actual(v).1)
                .collect();
            assert!(
                kg_values.contains(&labels),
                "graph {i}: labels {labels:?} in {kg_values:?}"
            );
            if let Some(k) = &e.key {
                assert!(kg_values.contains(&xml_visible(k)), "graph {i}: key {k:?}");
            }
        }
        let edges = got["edges"].as_object().expect("edges");
        assert_eq!(edges.len(), g.relation_count(), "graph {i}: edge count");
        for r in g.relations() {
            let edge = &edges[&format!("e{}", r.id)];
            assert_eq!(edge[0], format!("n{}", r.from), "graph {i}: source");
            assert_eq!(edge[1], format!("n{}", r.to), "graph {i}: target");
            let data = edge[2].as_object().expect("edge data");
            for (k, v) in &r.props {
                let actual = data.get(&xml_visible(k)).map(graphml_actual);
                assert_eq!(
                    actual,
                    Some(graphml_expected(v)),
                    "graph {i} edge {} `{k}`",
                    r.id
                );
            }
            let ty = xml_visible(&r.rel_type);
            assert!(
                data.iter()
                    .any(|(k, v)| !r.props.contains_key(k.as_str()) && graphml_actual(v).1 == ty),
                "graph {i}: type {ty:?}"
            );
        }
    }
}

const RDFLIB: &str = r#"
import json, sys, rdflib
def term(t):
    if isinstance(t, rdflib.Literal):
        dt = str(t.datatype) if t.datatype else ""
        plain = dt in ("", "http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
        return ["lit", str(t) if plain else "", "" if plain else dt, (t.language or "").lower()]
    return ["iri", str(t)]
out = []
for path in sys.argv[1:]:
    g = rdflib.Graph()
    g.parse(path, format="nt")
    out.append(sorted([term(s)[1], term(p)[1], term(o)] for s, p, o in g))
print(json.dumps(out))
"#;

/// A term as both checks describe it: IRIs by text, plain and tagged
/// literals by text and language, typed literals by datatype only.
fn rdf_term(t: &oxrdf::Term) -> serde_json::Value {
    use oxrdf::Term;
    match t {
        Term::NamedNode(n) => serde_json::json!(["iri", n.as_str()]),
        Term::Literal(l) => {
            let dt = l.datatype().as_str();
            let plain = l.language().is_some() || dt == "http://www.w3.org/2001/XMLSchema#string";
            serde_json::json!([
                "lit",
                if plain { l.value() } else { "" },
                if plain { "" } else { dt },
                l.language().unwrap_or("").to_lowercase()
            ])
        }
        other => panic!("unexpected term {other}"),
    }
}

/// The triples of an N-Triples text as oxttl parses them.
fn oxttl_triples(text: &[u8]) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = oxttl::NTriplesParser::new()
        .for_slice(text)
        .map(|t| {
            let t = t.expect("oxttl parses kg's N-Triples");
            let s = match &t.subject {
                oxrdf::Subject::NamedNode(n) => n.as_str().to_string(),
                other => panic!("unexpected subject {other}"),
            };
            serde_json::json!([s, t.predicate.as_str(), rdf_term(&t.object)])
        })
        .collect();
    out.sort_by_key(|v| v.to_string());
    out.dedup();
    out
}

/// The plain and language-tagged literals kg writes for `g`: keys, string
/// property values (list elements one by one), aliases.
fn expected_literals(g: &Graph) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let strings = |p: &ValueMap, out: &mut BTreeSet<(String, String)>| {
        for (_, v) in p {
            match v {
                Value::String(s) => {
                    out.insert((s.clone(), String::new()));
                }
                Value::List(items) => {
                    for it in items {
                        if let Value::String(s) = it {
                            out.insert((s.clone(), String::new()));
                        }
                    }
                }
                _ => {}
            }
        }
    };
    for e in g.entities() {
        if let Some(k) = &e.key {
            out.insert((k.clone(), String::new()));
        }
        strings(&e.props, &mut out);
        for a in &e.aliases {
            out.insert((
                a.text.clone(),
                a.lang.clone().unwrap_or_default().to_lowercase(),
            ));
        }
    }
    for r in g.relations() {
        strings(&r.props, &mut out);
    }
    out
}

#[test]
fn ntriples_read_back_through_oxttl_and_rdflib() {
    let dir = tmpdir("nt");
    let graphs = sample(24);
    let mut paths = Vec::new();
    let mut parsed = Vec::new();
    for (i, g) in graphs.iter().enumerate() {
        let text = to_bytes(g, ExportFormat::Ntriples);
        let triples = oxttl_triples(&text);
        let literals: BTreeSet<(String, String)> = triples
            .iter()
            .filter(|t| t[2][0] == "lit" && t[2][2] == "")
            .map(|t| {
                (
                    t[2][1].as_str().unwrap_or_default().to_string(),
                    t[2][3].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        assert_eq!(literals, expected_literals(g), "graph {i}: literals");
        let p = dir.join(format!("g{i}.nt"));
        std::fs::write(&p, &text).expect("write");
        paths.push(p);
        parsed.push(triples);
    }
    if !python_has("rdflib") {
        return;
    }
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let read = run_python(RDFLIB, &refs);
    for (i, ours) in parsed.iter().enumerate() {
        let mut theirs: Vec<serde_json::Value> =
            read[i].as_array().expect("a list of triples").clone();
        theirs.sort_by_key(|v| v.to_string());
        theirs.dedup();
        assert_eq!(
            &theirs, ours,
            "graph {i}: rdflib and oxttl read different triples"
        );
    }
}

#[test]
fn graphml_writes_non_finite_doubles_as_xml_schema_and_keeps_them_in_lists() {
    let mut props = ValueMap::default();
    props.insert("inf", Value::Float(f64::INFINITY));
    props.insert("ninf", Value::Float(f64::NEG_INFINITY));
    props.insert("nan", Value::Float(f64::NAN));
    props.insert(
        "list",
        Value::List(vec![
            Value::Float(f64::NAN),
            Value::Float(f64::INFINITY),
            Value::Float(-1.5),
        ]),
    );
    let mut g = Graph::new();
    g.add_entity(NewEntity {
        props,
        ..NewEntity::default()
    })
    .expect("entity");
    let text = String::from_utf8(to_bytes(&g, ExportFormat::Graphml)).expect("utf-8");
    for data in [
        ">INF</data>",
        ">-INF</data>",
        ">NaN</data>",
        ">[NaN,Infinity,-1.5]</data>",
    ] {
        assert!(text.contains(data), "{data} in\n{text}");
    }
    assert!(!text.contains("null") && !text.contains(">inf<"), "{text}");
    // The list column is declared a string holding doubles.
    assert!(
        text.contains(r#"attr.name="list" attr.type="string" attr.list="double""#),
        "{text}"
    );
}
