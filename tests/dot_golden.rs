//! DOT export goldens on a small graph drawn from the seed articles.
//!
//! `tests/golden/dot/kg-sample.dot` (and `kg-sample-clusters.dot` beside it) are the
//! goldens; run with `KG_UPDATE_GOLDENS=1` to rewrite them, and to re-render
//! `tests/golden/dot/kg-sample.svg` when Graphviz is installed.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use kg::output::dot::{graph_to_dot, result_to_dot, ClusterBy, DotOptions, RankDir};
use kg::store::{Alias, Citation, EntityId, NewEntity};
use kg::value::{Date, Path, ValueMap};
use kg::{Graph, QueryResult, Value};

fn props(pairs: &[(&str, Value)]) -> ValueMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn cite(article: &str, sentence: u32) -> Vec<Citation> {
    vec![Citation {
        article: article.into(),
        sentence,
    }]
}

fn add(g: &mut Graph, key: &str, label: &str, name: &str, aliases: &[(&str, &str)]) -> EntityId {
    g.add_entity(NewEntity {
        key: Some(key.into()),
        labels: vec![label.into()],
        props: props(&[("name", Value::from(name))]),
        aliases: aliases
            .iter()
            .map(|(t, l)| Alias {
                text: (*t).into(),
                lang: Some((*l).into()),
            })
            .collect(),
        sources: cite("000_82e1541b34cdbfbf.txt", 1),
    })
    .expect("sample entity")
}

/// A dozen entities and relations about the GCTF and UNOCT meetings.
pub fn sample() -> Graph {
    let mut g = Graph::new();
    let ma = add(
        &mut g,
        "morocco",
        "Country",
        "Morocco",
        &[("Maroc", "fr"), ("المغرب", "ar")],
    );
    let eu = add(
        &mut g,
        "eu",
        "Organization",
        "Union Européenne",
        &[("UE", "fr")],
    );
    let gctf = add(
        &mut g,
        "gctf",
        "Organization",
        "Global Counterterrorism Forum",
        &[("GCTF", "en"), ("المنتدى العالمي لمكافحة الإرهاب", "ar")],
    );
    let hedayah = add(&mut g, "hedayah", "Organization", "هداية (Hedayah)", &[]);
    let unoct = add(&mut g, "unoct", "Organization", "UNOCT", &[("ONUCT", "fr")]);
    let kuwait = add(&mut g, "kuwait", "Country", "Koweït", &[("Kuwait", "en")]);
    let bourita = add(&mut g, "bourita", "Person", "Nasser Bourita", &[]);
    let voronkov = add(&mut g, "voronkov", "Person", "Vladimir Voronkov", &[]);
    let chekkori = add(
        &mut g,
        "chekkori",
        "Person",
        "Ismail Chekkori",
        &[("إسماعيل الشقوري", "ar")],
    );
    let dushanbe = add(
        &mut g,
        "dushanbe-4",
        "Event",
        "4e Conférence de haut niveau\n(Processus de Douchanbé)",
        &[],
    );
    g.add_label(bourita, "Minister").expect("label");
    let mut rel = |from, to, t: &str, p: &[(&str, Value)]| {
        g.add_relation(from, to, t, props(p), cite("003_ebba732b25a93973.txt", 2))
            .expect("sample relation");
    };
    rel(ma, gctf, "CO_CHAIRS", &[("role", "co-president".into())]);
    rel(
        ma,
        eu,
        "CO_CHAIRS_WITH",
        &[(
            "date",
            Value::Date(Date::parse("2023-03-20").expect("date")),
        )],
    );
    rel(hedayah, gctf, "INSTITUTION_OF", &[]);
    rel(
        bourita,
        ma,
        "MINISTER_OF",
        &[("role", "Affaires étrangères".into())],
    );
    rel(
        chekkori,
        ma,
        "WORKS_FOR",
        &[("role", "Directeur des questions globales".into())],
    );
    rel(
        voronkov,
        unoct,
        "HEADS",
        &[("role", "Secrétaire général adjoint".into())],
    );
    rel(bourita, voronkov, "CO_CHAIRS_WITH", &[]);
    rel(ma, unoct, "PARTNER_OF", &[("since", Value::Int(2023))]);
    rel(kuwait, dushanbe, "HOSTED", &[]);
    rel(ma, dushanbe, "PARTICIPATED_IN", &[]);
    g
}

/// Where the sample drawings live: they test the DOT writer on a synthetic
/// graph, so they are test data, not examples of the seed graph.
fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/dot")
}

fn updating() -> bool {
    std::env::var("KG_UPDATE_GOLDENS").is_ok_and(|v| v == "1")
}

fn check_golden(name: &str, actual: &str) {
    let path = examples_dir().join(name);
    if updating() {
        std::fs::create_dir_all(examples_dir()).expect("examples dir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with KG_UPDATE_GOLDENS=1)", path.display()));
    assert_eq!(
        actual,
        expected,
        "{} differs (run with KG_UPDATE_GOLDENS=1 after checking the change)",
        path.display()
    );
}

/// Runs `dot -T<format>` on `dot`; `None` when Graphviz is not installed
/// (a failure instead when `KG_REQUIRE_TOOLS=1`).
fn run_dot(dot: &str, format: &str) -> Option<(bool, Vec<u8>, String)> {
    let child = Command::new("dot")
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("KG_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
                panic!("Graphviz `dot` is required (KG_REQUIRE_TOOLS=1) but could not run: {e}");
            }
            eprintln!("skipping: Graphviz `dot` is not installed ({e})");
            return None;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(dot.as_bytes()).expect("write to dot");
    }
    let out = child.wait_with_output().expect("dot output");
    Some((
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn whole_graph_golden() {
    let g = sample();
    let dot = graph_to_dot(&g, &DotOptions::default()).expect("dot");
    check_golden("kg-sample.dot", &dot);
    if let Some((ok, svg, stderr)) = run_dot(&dot, "svg") {
        assert!(ok && stderr.is_empty(), "dot failed or warned: {stderr}");
        let svg = String::from_utf8(svg).expect("utf-8 svg");
        for text in [
            "Morocco",
            "هداية (Hedayah)",
            "Union Européenne",
            "CO_CHAIRS",
            "Legend",
        ] {
            assert!(
                svg.contains(&format!(">{text}</text>")),
                "{text} missing from the SVG"
            );
        }
        if updating() {
            std::fs::write(examples_dir().join("kg-sample.svg"), &svg).expect("write svg");
        }
    }
}

#[test]
fn clustered_top_to_bottom_golden() {
    let g = sample();
    let opts = DotOptions {
        rankdir: RankDir::TB,
        cluster_by: ClusterBy::Label,
        ..DotOptions::default()
    };
    let dot = graph_to_dot(&g, &opts).expect("dot");
    check_golden("kg-sample-clusters.dot", &dot);
    // Every node is declared exactly once, inside one cluster.
    for id in 0..g.entity_count() {
        let decl = format!("\"n{id}\" [");
        let count = dot
            .lines()
            .filter(|l| l.trim_start().starts_with(&decl))
            .count();
        assert_eq!(count, 1, "n{id}");
    }
    if let Some((ok, _, stderr)) = run_dot(&dot, "svg") {
        assert!(ok && stderr.is_empty(), "dot failed or warned: {stderr}");
    }
}

#[test]
fn result_subgraph_is_the_elements_in_the_rows() {
    let g = sample();
    let ma = g.entity_by_key("morocco").expect("morocco");
    let gctf = g.entity_by_key("gctf").expect("gctf");
    let r = g
        .outgoing(ma)
        .find(|r| r.to == gctf)
        .map(|r| r.id)
        .expect("relation");
    let result = QueryResult {
        columns: vec!["p".into(), "xs".into()],
        rows: vec![vec![
            Value::Path(Box::new(Path {
                nodes: vec![ma, gctf],
                rels: vec![r],
            })),
            Value::List(vec![Value::Int(1)]),
        ]],
        ..QueryResult::default()
    };
    let dot = result_to_dot(&g, &result, &DotOptions::default()).expect("dot");
    assert!(
        dot.starts_with("// kg export: 2 nodes, 1 relationships\n"),
        "{dot}"
    );
    assert!(dot.contains(&format!("\"n{}\" -> \"n{}\"", ma, gctf)));
    // The legend lists only what is drawn.
    assert!(dot.contains("label=<Country>") && dot.contains("label=<Organization>"));
    assert!(!dot.contains("label=<Person>") && !dot.contains(">HEADS<"));
    // Colours come from the whole graph: Organization keeps its colour.
    let whole = graph_to_dot(&g, &DotOptions::default()).expect("dot");
    let line_of = |d: &str, id: EntityId| {
        d.lines()
            .find(|l| l.trim_start().starts_with(&format!("\"n{id}\" [")))
            .map(|l| l.split("tooltip").next().unwrap_or("").to_string())
    };
    assert_eq!(line_of(&dot, gctf), line_of(&whole, gctf));
}

#[test]
fn sample_renders_to_png_without_warnings() {
    let g = sample();
    let dot = graph_to_dot(&g, &DotOptions::default()).expect("dot");
    if let Some((ok, png, stderr)) = run_dot(&dot, "png") {
        assert!(
            ok && stderr.is_empty(),
            "dot -Tpng failed or warned: {stderr}"
        );
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    }
}
