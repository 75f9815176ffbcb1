//! Import and export: round trips through every format that can carry a kg
//! graph, golden files for each export format, bad rows, type inference and
//! Neo4j typed headers.
//!
//! Regenerate the goldens with `KG_UPDATE_GOLDENS=1 cargo test --test io_roundtrip`.

use std::path::{Path, PathBuf};
use std::process::Command;

use kg::io::read::{run_cypher_script, InputFormat};
use kg::io::{export, export_csv, import, ExportFormat, ImportOptions, Input, Selection};
use kg::store::{Alias, Citation, Graph, NewEntity};
use kg::value::{Date, Value, ValueMap};

// ----- helpers -------------------------------------------------------------------

fn seed() -> Graph {
    kg::facts::seed_graph().expect("the seed graph loads")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kg-io-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn sorted_props(p: &ValueMap) -> String {
    let mut v: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    v.sort();
    v.join(", ")
}

/// A description of the graph independent of ids and creation order.
fn canon(g: &Graph) -> (Vec<String>, Vec<String>) {
    let ident = |id| {
        let e = g.entity(id).expect("relation end exists");
        match &e.key {
            Some(k) => format!("key:{k}"),
            None => format!("{:?} {}", e.labels, sorted_props(&e.props)),
        }
    };
    let mut es: Vec<String> = g
        .entities()
        .map(|e| {
            format!(
                "{:?} {:?} {{{}}} aliases={:?} sources={:?}",
                e.key,
                e.labels,
                sorted_props(&e.props),
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
                "{} -[{} {{{}}} {:?}]-> {}",
                ident(r.from),
                r.rel_type,
                sorted_props(&r.props),
                r.sources,
                ident(r.to)
            )
        })
        .collect();
    rs.sort();
    (es, rs)
}

fn assert_same(a: &Graph, b: &Graph, what: &str) {
    let (ea, ra) = canon(a);
    let (eb, rb) = canon(b);
    assert_eq!(ea.len(), eb.len(), "{what}: entity count");
    for (x, y) in ea.iter().zip(&eb) {
        assert_eq!(x, y, "{what}: entities differ");
    }
    assert_eq!(ra.len(), rb.len(), "{what}: relation count");
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(x, y, "{what}: relations differ");
    }
    b.check_indexes().expect("indexes consistent after import");
}

fn to_string(g: &Graph, f: ExportFormat) -> String {
    let mut out = Vec::new();
    export(g, &Selection::all(g), f, &mut out).expect("export");
    String::from_utf8(out).expect("utf-8 export")
}

/// The CSV pair, with `|` inside arrays: the seed has list elements holding `;`.
fn write_csv_pair(g: &Graph, neo4j: bool, dir: &Path) -> (PathBuf, PathBuf) {
    let (mut n, mut e) = (Vec::new(), Vec::new());
    export_csv(g, &Selection::all(g), neo4j, b'|', &mut n, &mut e).expect("csv export");
    let (np, ep) = (dir.join("nodes.csv"), dir.join("edges.csv"));
    std::fs::write(&np, n).expect("write nodes");
    std::fs::write(&ep, e).expect("write edges");
    (np, ep)
}

fn import_files(inputs: &[Input], opts: &ImportOptions) -> Graph {
    match import(Graph::new(), inputs, opts) {
        Ok((g, _)) => g,
        Err(e) => panic!("import failed:\n{e}"),
    }
}

fn via(g: &Graph, f: ExportFormat, name: &str) -> Graph {
    let dir = tmpdir(name);
    let opts = ImportOptions {
        array_delimiter: b'|',
        ..ImportOptions::default()
    };
    match f {
        ExportFormat::Neo4j | ExportFormat::Csv => {
            let (n, e) = write_csv_pair(g, f == ExportFormat::Neo4j, &dir);
            import_files(&[Input::nodes(&n, None), Input::edges(&e, None)], &opts)
        }
        ExportFormat::Cypher => {
            let text = to_string(g, f);
            run_cypher_script("export.cypher", &text).expect("script runs on kg")
        }
        _ => {
            let p = dir.join(format!("g.{}", f.name()));
            std::fs::write(&p, to_string(g, f)).expect("write");
            import_files(&[Input::any(&p, None)], &opts)
        }
    }
}

const HOSTILE: &[&str] = &[
    "it's \"quoted\"",
    "a,b;c",
    "line1\nline2\r\nline3",
    "back\\slash \\n not a newline",
    "المغرب",
    "emoji 🇲🇦 👍🏽",
    "tab\there",
    "<tag attr=\"x\">&amp;</tag>",
    "`backtick` and {braces}",
    "  spaced  ",
];

/// A graph of hostile strings: in keys, labels, types, property values,
/// aliases and citations. Empty strings only where the format can carry them
/// (see `with_empty`).
fn hostile(with_empty: bool) -> Graph {
    let mut g = Graph::new();
    let mut ids = Vec::new();
    for (i, s) in HOSTILE.iter().enumerate() {
        let mut props = ValueMap::default();
        props.insert("name", Value::String(s.to_string()));
        props.insert("n", Value::Int(i as i64 - 3));
        props.insert("x", Value::Float(i as f64 / 4.0 + 1.0));
        props.insert("ok", Value::Bool(i % 2 == 0));
        props.insert(
            "when",
            Value::Date(Date {
                year: 2000 + i as i32,
                month: (i % 3 > 0).then_some(3),
                day: (i % 3 > 1).then_some(9),
            }),
        );
        props.insert(
            "tags",
            Value::List(vec![
                Value::String(format!("t{i}")),
                Value::String("ü".into()),
            ]),
        );
        props.insert(
            "nums",
            Value::List(vec![Value::Int(1), Value::Int(i as i64)]),
        );
        if with_empty && i == 0 {
            props.insert("empty", Value::String(String::new()));
        }
        let id = g
            .add_entity(NewEntity {
                key: (i != 3).then(|| format!("k{i} {s}")),
                labels: vec![format!("L {}", i % 3), "Thing".into()],
                props,
                aliases: vec![
                    Alias {
                        text: s.to_string(),
                        lang: Some("ar".into()),
                    },
                    Alias {
                        text: format!("{s} alt"),
                        lang: None,
                    },
                ],
                sources: vec![Citation {
                    article: format!("00{i}_a,b \"c\".txt"),
                    sentence: i as u32 + 1,
                }],
            })
            .expect("add entity");
        ids.push(id);
    }
    for i in 0..ids.len() {
        let mut props = ValueMap::default();
        props.insert(
            "note",
            Value::String(HOSTILE[(i + 3) % HOSTILE.len()].into()),
        );
        props.insert("w", Value::Float(0.1 * i as f64));
        g.add_relation(
            ids[i],
            ids[(i + 1) % ids.len()],
            if i % 2 == 0 { "REL_A" } else { "rel b`x" },
            props,
            vec![Citation {
                article: "x.txt".into(),
                sentence: 7,
            }],
        )
        .expect("add relation");
    }
    g
}

// ----- round trips -------------------------------------------------------------------

#[test]
fn seed_round_trips_through_jsonl_neo4j_csv_and_cypher() {
    let g = seed();
    assert!(g.entity_count() > 50 && g.relation_count() > 100);
    for f in [
        ExportFormat::Jsonl,
        ExportFormat::Neo4j,
        ExportFormat::Cypher,
    ] {
        let back = via(&g, f, &format!("seed-{}", f.name()));
        assert_same(&g, &back, f.name());
        // kg data survives: aliases resolve, citations are there.
        assert_eq!(back.resolve("Maroc").len(), 1, "{}", f.name());
        assert_eq!(
            back.resolve("المغرب"),
            back.resolve("Morocco"),
            "{}",
            f.name()
        );
    }
}

#[test]
fn hostile_strings_round_trip() {
    let g = hostile(true);
    for f in [ExportFormat::Jsonl, ExportFormat::Cypher] {
        let back = via(&g, f, &format!("hostile-{}", f.name()));
        assert_same(&g, &back, f.name());
    }
    // CSV cannot tell an empty string from no value (see LOSSES).
    let g = hostile(false);
    let back = via(&g, ExportFormat::Neo4j, "hostile-neo4j");
    assert_same(&g, &back, "neo4j");
}

/// User labels and properties named like the Cypher export's helpers
/// (`_kgid`, `:_KgImport`) and kg-data carriers (`_key`, `_aliases`,
/// `_sources`) are carried like any other.
#[test]
fn cypher_export_helpers_never_collide_with_user_names() {
    let mut g = Graph::new();
    let mut ids = Vec::new();
    for i in 0..4i64 {
        let mut props = ValueMap::default();
        // `_kgid` values that are other entities' ids: a clash would swap ends.
        props.insert("_kgid", Value::Int(3 - i));
        props.insert("_kgid_1", Value::String(format!("u{i}")));
        // The same `_key` property on two key-less entities.
        props.insert("_key", Value::String("same".into()));
        props.insert("_aliases", Value::String("not json".into()));
        props.insert("_sources", Value::List(vec![Value::Int(i)]));
        let id = g
            .add_entity(NewEntity {
                key: (i % 2 == 0).then(|| format!("k{i}")),
                labels: vec!["_KgImport".into(), format!("L{i}")],
                props,
                aliases: vec![Alias {
                    text: format!("a{i}"),
                    lang: Some("fr".into()),
                }],
                sources: vec![Citation {
                    article: "a.txt".into(),
                    sentence: 1,
                }],
            })
            .expect("add entity");
        ids.push(id);
    }
    for i in 0..ids.len() {
        let mut props = ValueMap::default();
        props.insert("_sources", Value::String("user".into()));
        props.insert("_kgid", Value::Int(i as i64));
        g.add_relation(
            ids[i],
            ids[(i + 1) % ids.len()],
            "NEXT",
            props,
            vec![Citation {
                article: "b.txt".into(),
                sentence: 2,
            }],
        )
        .expect("add relation");
    }
    let text = to_string(&g, ExportFormat::Cypher);
    assert!(
        text.contains("// kg-names: id=_kgid_2 label=_KgImport_1 key=_key_1 aliases=_aliases_1 sources=_sources_1"),
        "{text}"
    );
    let back = run_cypher_script("helpers.cypher", &text).expect("script runs on kg");
    assert_same(&g, &back, "cypher with helper-named user data");
    // No helper is left behind.
    assert!(back.entities().all(|e| !e.props.contains_key("_kgid_2")));
    assert_eq!(back.label_count("_KgImport_1"), 0);
    assert_eq!(back.label_count("_KgImport"), 4);
}

#[test]
fn plain_csv_keeps_structure_and_kg_data() {
    let g = seed();
    let back = via(&g, ExportFormat::Csv, "seed-csv");
    assert_eq!(back.entity_count(), g.entity_count());
    assert_eq!(back.relation_count(), g.relation_count());
    for e in g.entities() {
        let key = e.key.as_deref().expect("seed entities have keys");
        let id = back.entity_by_key(key).expect("key survives");
        let b = back.entity(id).expect("entity");
        assert_eq!(b.labels, e.labels);
        assert_eq!(b.aliases, e.aliases);
        assert_eq!(b.sources, e.sources);
        // The id column also becomes an `id` property.
        assert_eq!(b.props.get("id"), Some(&Value::String(key.into())));
        assert_eq!(b.props.get("name"), e.props.get("name"));
        assert_eq!(back.outgoing(id).count(), g.outgoing(e.id).count(), "{key}");
    }
}

#[test]
fn query_result_export_holds_the_returned_elements() {
    let g = seed();
    let mut engine = kg::Engine::with_graph(g);
    let res = engine
        .run(
            "MATCH (a {name: 'Morocco'})-[r]->(b) RETURN r LIMIT 3",
            &Default::default(),
        )
        .expect("query");
    let g = engine.into_graph();
    let sel = Selection::from_rows(&g, &res.rows);
    assert_eq!(sel.relations.len(), 3);
    // Morocco plus the distinct targets.
    assert!(sel.entities.len() >= 2 && sel.entities.len() <= 4);
    let mut out = Vec::new();
    export(&g, &sel, ExportFormat::Jsonl, &mut out).expect("export");
    let text = String::from_utf8(out).expect("utf8");
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("\"relationship\""))
            .count(),
        3
    );
    assert!(text.contains("\"key\":\"morocco\""));
}

// ----- goldens --------------------------------------------------------------------------

fn small() -> Graph {
    kg::facts::load(
        r#"
article 000 = "000_example.txt"
entity morocco :Country "Morocco"
  aka fr "Maroc"
  aka ar "المغرب"
  iso = "MA"
  @000#1
entity gctf :Organization "Global Counterterrorism Forum"
  aka en "GCTF"
  members = 30
  @000#2
rel morocco -[CO_CHAIRS]-> gctf
  since = date(2022-03)
  topics = ["terrorism", "détention"]
  @000#2
"#,
    )
    .expect("small graph loads")
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/io")
        .join(name);
    if std::env::var_os("KG_UPDATE_GOLDENS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("golden dir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (KG_UPDATE_GOLDENS=1 creates it)", path.display()));
    assert_eq!(actual, expected, "{name} differs from its golden file");
}

#[test]
fn export_formats_match_goldens() {
    let g = small();
    for (f, name) in [
        (ExportFormat::Jsonl, "small.jsonl"),
        (ExportFormat::Graphml, "small.graphml"),
        (ExportFormat::Ntriples, "small.nt"),
        (ExportFormat::Cypher, "small.cypher"),
    ] {
        golden(name, &to_string(&g, f));
    }
    for (neo4j, prefix) in [(false, "small.csv"), (true, "small.neo4j")] {
        let (mut n, mut e) = (Vec::new(), Vec::new());
        export_csv(&g, &Selection::all(&g), neo4j, b';', &mut n, &mut e).expect("csv");
        golden(
            &format!("{prefix}.nodes.csv"),
            &String::from_utf8(n).expect("utf8"),
        );
        golden(
            &format!("{prefix}.edges.csv"),
            &String::from_utf8(e).expect("utf8"),
        );
    }
}

#[test]
fn ntriples_parse_back_with_typed_and_tagged_literals() {
    let g = hostile(true);
    let text = to_string(&g, ExportFormat::Ntriples);
    let triples: Vec<_> = oxttl::NTriplesParser::new()
        .for_slice(text.as_bytes())
        .collect::<Result<_, _>>()
        .expect("valid N-Triples");
    assert_eq!(triples.len(), text.lines().count());
    let find = |pred: &str| {
        triples
            .iter()
            .filter(|t| t.predicate.as_str() == pred)
            .map(|t| t.object.to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        find("http://www.w3.org/2004/02/skos/core#altLabel").contains(&"\"المغرب\"@ar".to_string())
    );
    assert!(find("urn:kg:prop:n")
        .contains(&"\"-3\"^^<http://www.w3.org/2001/XMLSchema#integer>".to_string()));
    assert!(find("urn:kg:prop:when")
        .iter()
        .any(|o| o.ends_with("#gYear>")));
    assert!(find("urn:kg:prop:when")
        .iter()
        .any(|o| o.ends_with("#date>")));
    assert!(find("urn:kg:prop:ok")
        .contains(&"\"true\"^^<http://www.w3.org/2001/XMLSchema#boolean>".to_string()));
    // One plain relation triple per relation, plus reification for the props.
    assert_eq!(find("urn:kg:rel:REL_A").len(), 5);
    assert_eq!(
        find("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject").len(),
        10
    );
}

#[test]
fn graphml_is_well_formed_with_declared_typed_keys() {
    let g = hostile(true);
    let text = to_string(&g, ExportFormat::Graphml);
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut nodes, mut edges, mut keys) = (0, 0, Vec::new());
    let mut data_text = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                match e.name().as_ref() {
                    b"node" => nodes += 1,
                    b"edge" => edges += 1,
                    b"key" => {
                        let get = |n: &[u8]| {
                            e.attributes()
                                .flatten()
                                .find(|a| a.key.as_ref() == n)
                                .map(|a| String::from_utf8_lossy(&a.value).to_string())
                        };
                        keys.push((get(b"attr.name"), get(b"attr.type")));
                    }
                    _ => {}
                }
            }
            Ok(quick_xml::events::Event::Text(t)) => {
                data_text.push(t.decode().map(|s| s.to_string()).unwrap_or_default())
            }
            Ok(_) => {}
            Err(e) => panic!("GraphML is not well-formed: {e}\n{text}"),
        }
    }
    assert_eq!((nodes, edges), (10, 10));
    assert!(keys.contains(&(Some("n".into()), Some("long".into()))));
    assert!(keys.contains(&(Some("x".into()), Some("double".into()))));
    assert!(keys.contains(&(Some("ok".into()), Some("boolean".into()))));
    assert!(keys.contains(&(Some("w".into()), Some("double".into()))));
}

// ----- bad rows, inference, Neo4j headers -------------------------------------------------

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write input");
    p
}

#[test]
fn bad_rows_fail_with_file_line_or_are_skipped_and_counted() {
    let dir = tmpdir("bad");
    let nodes = write(
        &dir,
        "nodes.csv",
        "id,label,name,year\na,Person,Ann,1990\nb,Person,Bob\na,Person,Again,1\nc,Person,Cy,2000\n",
    );
    let edges = write(
        &dir,
        "edges.csv",
        "src,dst,type,since\na,c,KNOWS,2001\na,zz,KNOWS,\n,c,KNOWS,\nc,a,,3\nc,a,LIKES,4\n",
    );
    let inputs = [Input::nodes(&nodes, None), Input::edges(&edges, None)];
    let err = import(Graph::new(), &inputs, &ImportOptions::default())
        .expect_err("bad rows fail the import")
        .to_string();
    let n = nodes.display();
    let e = edges.display();
    assert!(
        err.contains(&format!("{n}:3: expected 4 fields, found 3")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{n}:4: column `id`: duplicate node id `a`")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{e}:3: column `dst`: unknown node id `zz`")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{e}:4: column `src`: empty node id")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{e}:5: column `type`: empty relationship type")),
        "{err}"
    );
    assert!(err.contains("5 bad rows"), "{err}");

    let opts = ImportOptions {
        skip_bad: true,
        ..ImportOptions::default()
    };
    let (g, report) = import(Graph::new(), &inputs, &opts).expect("skips");
    assert_eq!(report.skipped, 5);
    assert_eq!((g.entity_count(), g.relation_count()), (2, 2));
    assert_eq!(report.errors.len(), 5);
}

#[test]
fn cli_refuses_to_change_the_target_on_bad_rows() {
    let kg = env!("CARGO_BIN_EXE_kg");
    let dir = tmpdir("cli");
    let good = write(&dir, "good.csv", "id,label\nx,A\ny,A\n");
    let bad = write(&dir, "bad.csv", "id,label,n:int\nz,B,notanumber\n");
    let out = dir.join("g.kg");
    let run = |args: &[&str]| {
        Command::new(kg)
            .arg("import")
            .args(args)
            .output()
            .expect("kg runs")
    };
    let o = run(&[
        "--nodes",
        good.to_str().unwrap_or(""),
        "--out",
        out.to_str().unwrap_or(""),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = std::fs::read(&out).expect("graph written");
    // Exists: refused without --force / --into-existing.
    let o = run(&[
        "--nodes",
        good.to_str().unwrap_or(""),
        "--out",
        out.to_str().unwrap_or(""),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    // A bad row: fails and leaves the file alone.
    let o = run(&[
        "--nodes",
        bad.to_str().unwrap_or(""),
        "--out",
        out.to_str().unwrap_or(""),
        "--force",
    ]);
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("bad.csv:2: column `n:int`: `notanumber` is not an integer"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&out).expect("still there"), before);
    // --skip-bad: the row is skipped and counted, the rest added.
    let o = run(&[
        "--nodes",
        bad.to_str().unwrap_or(""),
        "--out",
        out.to_str().unwrap_or(""),
        "--force",
        "--skip-bad",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("skipped 1 bad rows"));
    // --into-existing adds to the graph file.
    let o = run(&[
        "--nodes",
        good.to_str().unwrap_or("").replace("good", "more").as_str(),
        "--out",
        out.to_str().unwrap_or(""),
        "--into-existing",
    ]);
    assert!(!o.status.success(), "more.csv does not exist");
    let more = write(
        &dir,
        "more.csv",
        "id,label
w,C
",
    );
    let o = run(&[
        "--nodes",
        more.to_str().unwrap_or(""),
        "--out",
        out.to_str().unwrap_or(""),
        "--into-existing",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let g = kg::db::read_graph(Some(&out)).expect("graph file reads");
    // The skip-bad run kept nothing (its only row was bad); w was added to it.
    assert_eq!(g.entity_count(), 1);
    assert!(g.entity_by_key("w").is_some() && g.entity_by_key("z").is_none());
    // A duplicate key against the existing graph is a bad row; the file stays.
    let before = std::fs::read(&out).expect("graph");
    let o = run(&[
        "--nodes",
        more.to_str().unwrap_or(""),
        "--out",
        out.to_str().unwrap_or(""),
        "--into-existing",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("more.csv:2: column `id`: duplicate node id `w`"));
    assert_eq!(std::fs::read(&out).expect("graph"), before);
}

#[test]
fn plain_csv_inference_and_strings() {
    let dir = tmpdir("infer");
    let nodes = write(
        &dir,
        "n.csv",
        "id,label,i,f,s,e\n1,A,10,1.5,x,\n2,A;B,-3,2,007a,\n3,A,,1e3,3,\n",
    );
    let g = import_files(&[Input::nodes(&nodes, None)], &ImportOptions::default());
    let e = |k: &str| {
        g.entity(g.entity_by_key(k).expect("key"))
            .expect("entity")
            .clone()
    };
    assert_eq!(e("1").props.get("id"), Some(&Value::Int(1)));
    assert_eq!(e("1").props.get("i"), Some(&Value::Int(10)));
    assert_eq!(e("2").props.get("f"), Some(&Value::Float(2.0)));
    assert_eq!(e("3").props.get("f"), Some(&Value::Float(1000.0)));
    assert_eq!(e("3").props.get("s"), Some(&Value::String("3".into())));
    assert_eq!(e("3").props.get("i"), None, "empty field = no property");
    assert_eq!(e("1").props.get("e"), None);
    assert_eq!(e("2").labels, vec!["A".to_string(), "B".to_string()]);
    let opts = ImportOptions {
        strings: true,
        ..ImportOptions::default()
    };
    let g = import_files(&[Input::nodes(&nodes, None)], &opts);
    let e = g
        .entity(g.entity_by_key("1").expect("key"))
        .expect("entity");
    assert_eq!(e.props.get("i"), Some(&Value::String("10".into())));
    assert_eq!(e.props.get("id"), Some(&Value::String("1".into())));
}

#[test]
fn neo4j_typed_headers_arrays_and_id_spaces() {
    let dir = tmpdir("neo4j");
    let people = write(
        &dir,
        "people.csv",
        "pid:ID(Person),name,born:int,score:float,ok:boolean,tags:string[],d:date,:LABEL,skip:IGNORE\n\
         1,Ann,1990,1.5,true,a;b;c,2018-09,Person;Author,zzz\n\
         2,Bob,,2,FALSE,,,Person,\n",
    );
    let movies = write(
        &dir,
        "movies.csv",
        ":ID(Movie),title,years:int[]\n1,Heat,1995;2020\n",
    );
    let acted = write(
        &dir,
        "acted.csv",
        ":START_ID(Person),:END_ID(Movie),:TYPE,role\n1,1,ACTED_IN,Lead\n2,1,ACTED_IN,\n",
    );
    let g = import_files(
        &[
            Input::nodes(&people, None),
            Input::nodes(&movies, None),
            Input::edges(&acted, Some(InputFormat::Neo4j)),
        ],
        &ImportOptions::default(),
    );
    assert_eq!((g.entity_count(), g.relation_count()), (3, 2));
    let ann = g
        .entities()
        .find(|e| e.props.get("name") == Some(&Value::String("Ann".into())))
        .expect("Ann");
    assert_eq!(ann.labels, vec!["Person".to_string(), "Author".to_string()]);
    assert_eq!(ann.props.get("pid"), Some(&Value::String("1".into())));
    assert_eq!(ann.props.get("born"), Some(&Value::Int(1990)));
    assert_eq!(ann.props.get("score"), Some(&Value::Float(1.5)));
    assert_eq!(ann.props.get("ok"), Some(&Value::Bool(true)));
    assert_eq!(
        ann.props.get("tags"),
        Some(&Value::List(vec!["a".into(), "b".into(), "c".into()]))
    );
    assert!(matches!(ann.props.get("d"), Some(Value::Date(d)) if d.month == Some(9)));
    assert_eq!(ann.props.get("skip"), None);
    let heat = g
        .entities()
        .find(|e| e.props.contains_key("title"))
        .expect("Heat");
    assert_eq!(
        heat.props.get("years"),
        Some(&Value::List(vec![Value::Int(1995), Value::Int(2020)]))
    );
    // Person 1 and Movie 1 are different nodes: the edge goes from Ann to Heat.
    let r = g.outgoing(ann.id).next().expect("Ann acted");
    assert_eq!(r.to, heat.id);
    assert_eq!(r.props.get("role"), Some(&Value::String("Lead".into())));
    // A bad typed value names file, line and column.
    let bad = write(&dir, "bad.csv", ":ID,n:int\n1,x\n");
    let err = import(
        Graph::new(),
        &[Input::nodes(&bad, None)],
        &ImportOptions::default(),
    )
    .expect_err("bad int")
    .to_string();
    assert!(
        err.contains(&format!(
            "{}:2: column `n:int`: `x` is not an integer",
            bad.display()
        )),
        "{err}"
    );
}

#[test]
fn jsonl_apoc_lines_and_bad_lines() {
    let dir = tmpdir("jsonl");
    let p = write(
        &dir,
        "g.jsonl",
        r#"{"type":"node","id":"1","labels":["User"],"properties":{"name":"Ann","age":42,"w":1.0,"tags":["x","y"]}}
{"type":"node","id":2,"labels":["User"],"properties":{"name":"Bob"}}
{"type":"relationship","id":"0","label":"KNOWS","start":{"id":"1","labels":["User"]},"end":{"id":"2","labels":["User"]},"properties":{"since":2020}}
"#,
    );
    let g = import_files(&[Input::any(&p, None)], &ImportOptions::default());
    assert_eq!((g.entity_count(), g.relation_count()), (2, 1));
    let ann = g.entities().next().expect("Ann");
    assert_eq!(ann.props.get("age"), Some(&Value::Int(42)));
    assert_eq!(ann.props.get("w"), Some(&Value::Float(1.0)));
    let r = g.relations().next().expect("rel");
    assert_eq!(r.props.get("since"), Some(&Value::Int(2020)));
    let bad = write(
        &dir,
        "bad.jsonl",
        "{\"type\":\"node\",\"id\":\"1\"}\nnot json\n{\"type\":\"relationship\",\"label\":\"R\",\"start\":{\"id\":\"1\"},\"end\":{\"id\":\"9\"}}\n",
    );
    let err = import(
        Graph::new(),
        &[Input::any(&bad, None)],
        &ImportOptions::default(),
    )
    .expect_err("bad lines")
    .to_string();
    assert!(
        err.contains(&format!("{}:2: invalid JSON", bad.display())),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}:3: unknown node id `9`", bad.display())),
        "{err}"
    );
}

#[test]
fn fact_files_import_like_the_loader() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/morocco-ct.kg");
    let g = import_files(&[Input::any(&p, None)], &ImportOptions::default());
    assert_same(&seed(), &g, "facts");
}

// ----- refusals instead of quiet losses ---------------------------------------------

fn import_error(files: &[Input]) -> String {
    match import(Graph::new(), files, &ImportOptions::default()) {
        Ok(_) => panic!("import of {files:?} should fail"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_repeated_csv_column_is_refused_with_file_line_and_column() {
    let dir = tmpdir("dup-header");
    let plain = write(&dir, "plain.csv", "id,label,name,name\nx,A,first,second\n");
    let err = import_error(&[Input::nodes(&plain, None)]);
    assert!(
        err.contains("plain.csv:1: column `name`: column 4 repeats column 3"),
        "{err}"
    );
    let neo = write(&dir, "neo.csv", ":ID,n:int,n:int\n1,2,3\n");
    let err = import_error(&[Input::nodes(&neo, None)]);
    assert!(
        err.contains("neo.csv:1: column `n:int`: column 3 repeats column 2"),
        "{err}"
    );
}

#[test]
fn temporal_and_spatial_column_types_are_refused() {
    let dir = tmpdir("types");
    for t in [
        "point",
        "datetime",
        "localdatetime",
        "time",
        "localtime",
        "duration",
        "DateTime[]",
    ] {
        let f = write(
            &dir,
            "t.csv",
            &format!(":ID,when:{t}\n1,2020-01-01T00:00:00Z\n"),
        );
        let err = import_error(&[Input::nodes(&f, None)]);
        assert!(
            err.contains(&format!(
                "t.csv:1: column `when:{t}`: column type `{t}` is not supported"
            )),
            "{err}"
        );
    }
}

#[test]
fn json_integers_beyond_64_bits_are_refused_with_the_line() {
    let dir = tmpdir("bigint");
    let f = write(
        &dir,
        "big.jsonl",
        "{\"type\":\"node\",\"id\":\"a\",\"properties\":{\"n\":9223372036854775807}}\n\
         {\"type\":\"node\",\"id\":\"b\",\"properties\":{\"n\":9223372036854775808}}\n\
         {\"type\":\"node\",\"id\":\"c\",\"properties\":{\"n\":[1, -99999999999999999999]}}\n",
    );
    let err = import_error(&[Input::any(&f, None)]);
    assert!(
        err.contains("big.jsonl:2: the integer 9223372036854775808 does not fit"),
        "{err}"
    );
    assert!(
        err.contains("big.jsonl:3: the integer -99999999999999999999 does not fit"),
        "{err}"
    );
    assert!(!err.contains("big.jsonl:1:"), "{err}");
}

#[test]
fn csv_export_refuses_a_label_holding_the_array_delimiter() {
    let mut g = Graph::new();
    g.add_entity(NewEntity {
        key: Some("k".into()),
        labels: vec!["A;B".into()],
        ..NewEntity::default()
    })
    .expect("entity");
    for neo4j in [false, true] {
        let (mut n, mut e) = (Vec::new(), Vec::new());
        let err =
            export_csv(&g, &Selection::all(&g), neo4j, b';', &mut n, &mut e).expect_err("refused");
        assert!(err
            .to_string()
            .contains("the label `A;B` contains the array delimiter `;`"));
        // Another delimiter carries it.
        let back = via(
            &g,
            if neo4j {
                ExportFormat::Neo4j
            } else {
                ExportFormat::Csv
            },
            "label-delim",
        );
        assert_eq!(
            back.entities().next().map(|e| e.labels.clone()),
            Some(vec!["A;B".to_string()])
        );
    }
}

#[test]
fn cypher_export_of_a_huge_list_reads_back() {
    let mut g = Graph::new();
    let mut props = ValueMap::default();
    props.insert("big", Value::List((0..400_000).map(Value::Int).collect()));
    props.insert("small", Value::List(vec![Value::Int(1)]));
    let a = g
        .add_entity(NewEntity {
            key: Some("a".into()),
            labels: vec!["L".into()],
            props,
            ..NewEntity::default()
        })
        .expect("entity");
    let b = g
        .add_entity(NewEntity {
            key: Some("b".into()),
            ..NewEntity::default()
        })
        .expect("entity");
    for i in 0..2 {
        let mut props = ValueMap::default();
        props.insert(
            "words",
            Value::List(
                (0..12_000)
                    .map(|j| Value::String(format!("w{i}-{j}")))
                    .collect(),
            ),
        );
        g.add_relation(a, b, "R", props, Vec::new())
            .expect("relation");
    }
    let text = to_string(&g, ExportFormat::Cypher);
    let longest = text.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 300_000, "statements stay small: {longest} bytes");
    let back = run_cypher_script("big.cypher", &text).expect("the script reads back");
    assert_same(&g, &back, "cypher with a 400k-element list");
    assert!(
        back.relations().all(|r| r.props.len() == 1),
        "no helper left on relations"
    );
}

#[test]
fn an_unclosed_quote_is_reported_where_it_opens_and_counts_every_lost_row() {
    let dir = tmpdir("quote");
    let nodes = write(
        &dir,
        "q.csv",
        "id,label,name\na,A,x\nb,A,\"unclosed\nc,A,y\nd,A,z\n",
    );
    let err = import_error(&[Input::nodes(&nodes, None)]);
    assert!(
        err.contains("q.csv:3: column `name`: a quoted field opened here is never closed, so the rest of the file (3 lines)"),
        "{err}"
    );
    let opts = ImportOptions {
        skip_bad: true,
        ..ImportOptions::default()
    };
    let (g, report) = import(Graph::new(), &[Input::nodes(&nodes, None)], &opts).expect("skips");
    assert_eq!((g.entity_count(), report.skipped), (1, 3));
    // The same in a relationship file; quoted newlines and doubled quotes stay fine.
    let ok = write(
        &dir,
        "n.csv",
        "id,label,name\na,A,\"two\nlines\"\nb,A,\"it\"\"s\"\nc,A,w\n",
    );
    let edges = write(&dir, "e.csv", "src,dst,type\na,b,R\nb,c,\"R\nc,a,R\n");
    let (g, report) = import(
        Graph::new(),
        &[Input::nodes(&ok, None), Input::edges(&edges, None)],
        &opts,
    )
    .expect("skips");
    assert_eq!((g.entity_count(), g.relation_count()), (3, 1));
    assert_eq!(report.skipped, 2);
    assert_eq!(report.errors[0].line, 3);
    assert_eq!(report.errors[0].column.as_deref(), Some("type"));
}
