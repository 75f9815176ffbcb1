//! The seed graph's diagrams in examples/: the whole graph and query
//! diagrams, as DOT (checked byte for byte against what `kg dot` writes now)
//! and as SVG (checked to draw exactly the nodes and edges of that DOT).
//!
//! Regenerate both after a change to the seed graph or the DOT writer with
//! `KG_UPDATE_GOLDENS=1 cargo test --test dot_examples` (rendering the SVGs
//! needs Graphviz). Each diagram is the output of the `kg` command shown in
//! [`DIAGRAMS`], so a user gets the same picture from the shell.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

mod support;
use support::dot_installed;

/// `dot -Tsvg` of `dot`, which must not warn.
fn render_svg(dot: &str) -> String {
    let (svg, warnings) = support::render_svg(dot);
    assert!(warnings.is_empty(), "dot warned: {warnings}");
    svg
}

/// (file stem in examples/, `kg` arguments).
const DIAGRAMS: &[(&str, &[&str])] = &[
    ("seed-graph", &["dot"]),
    (
        "gctf",
        &[
            "dot",
            "-c",
            "MATCH (g {key: 'gctf'})-[r]-(x) RETURN g, r, x",
        ],
    ),
    (
        "dushanbe-process",
        &[
            "dot",
            "-c",
            "MATCH (c {key: 'kuwait_conference'})-[r]-(x) \
             OPTIONAL MATCH (x)-[r2]-(y) WHERE NOT x.key IN ['morocco', 'voronkov'] AND y <> c \
             RETURN c, r, x, r2, y",
        ],
    ),
];

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn updating() -> bool {
    std::env::var("KG_UPDATE_GOLDENS").is_ok_and(|v| v == "1")
}

fn kg_dot(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kg"))
        .args(args)
        .output()
        .expect("run kg");
    assert!(
        out.status.success(),
        "kg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("DOT is UTF-8")
}

/// The node ids and `a->b` edges a DOT text declares.
fn dot_elements(dot: &str) -> (BTreeSet<String>, Vec<String>) {
    let mut nodes = BTreeSet::new();
    let mut edges = Vec::new();
    for line in dot.lines().map(str::trim_start) {
        let Some(rest) = line.strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find('"') else { continue };
        let id = &rest[..end];
        let after = &rest[end + 1..];
        if let Some(target) = after.strip_prefix(" -> \"") {
            let to = &target[..target.find('"').unwrap_or(target.len())];
            edges.push(format!("{id}->{to}"));
        } else if after.starts_with(" [") {
            nodes.insert(id.to_string());
        }
    }
    edges.sort();
    (nodes, edges)
}

/// The node and edge titles an SVG drew.
fn svg_elements(svg: &str) -> (BTreeSet<String>, Vec<String>) {
    let mut nodes = BTreeSet::new();
    let mut edges = Vec::new();
    let mut lines = svg.lines();
    while let Some(line) = lines.next() {
        let is_node = line.contains("class=\"node\"");
        let is_edge = line.contains("class=\"edge\"");
        if !(is_node || is_edge) {
            continue;
        }
        let Some(title) = lines.next() else { break };
        let title = title
            .trim()
            .trim_start_matches("<title>")
            .trim_end_matches("</title>")
            .replace("&#45;", "-")
            .replace("&gt;", ">");
        if is_node {
            nodes.insert(title);
        } else {
            edges.push(title);
        }
    }
    edges.sort();
    (nodes, edges)
}

#[test]
fn diagrams_are_up_to_date() {
    let render = dot_installed();
    if !render {
        eprintln!("Graphviz `dot` is not installed: checking the .dot files only");
    }
    for (stem, args) in DIAGRAMS {
        let dot = kg_dot(args);
        let dot_path = examples_dir().join(format!("{stem}.dot"));
        let svg_path = examples_dir().join(format!("{stem}.svg"));
        if updating() {
            std::fs::write(&dot_path, &dot).expect("write .dot");
            if render {
                std::fs::write(&svg_path, render_svg(&dot)).expect("write .svg");
            }
        }
        let golden = std::fs::read_to_string(&dot_path)
            .unwrap_or_else(|e| panic!("{}: {e}", dot_path.display()));
        assert!(
            golden == dot,
            "{} is out of date: `kg {}` writes something else; \
             rerun with KG_UPDATE_GOLDENS=1",
            dot_path.display(),
            args.join(" ")
        );
        let svg = std::fs::read_to_string(&svg_path)
            .unwrap_or_else(|e| panic!("{}: {e}", svg_path.display()));
        let (nodes, edges) = dot_elements(&dot);
        assert!(!nodes.is_empty() && !edges.is_empty(), "{stem}: empty DOT");
        let (svg_nodes, svg_edges) = svg_elements(&svg);
        assert_eq!(
            svg_nodes,
            nodes,
            "{} does not draw the nodes of {}; rerun with KG_UPDATE_GOLDENS=1",
            svg_path.display(),
            dot_path.display()
        );
        assert_eq!(
            svg_edges,
            edges,
            "{} does not draw the edges of {}; rerun with KG_UPDATE_GOLDENS=1",
            svg_path.display(),
            dot_path.display()
        );
        if render {
            // The committed SVG is what this Graphviz draws from the DOT
            // (compared by elements: layouts differ between versions).
            assert_eq!(svg_elements(&render_svg(&dot)), (svg_nodes, svg_edges));
        }
    }
}

#[test]
fn whole_graph_diagram_has_every_entity_and_relation() {
    let dot = kg_dot(DIAGRAMS[0].1);
    let (nodes, edges) = dot_elements(&dot);
    let graph = kg::facts::seed_graph().expect("the seed graph loads");
    let entity_nodes = nodes.iter().filter(|n| n.starts_with('n')).count();
    let relation_edges = edges.iter().filter(|e| !e.starts_with("legend")).count();
    assert_eq!(entity_nodes, graph.entity_count());
    assert_eq!(relation_edges, graph.relation_count());
}

#[test]
fn query_diagrams_draw_what_the_query_returns() {
    let dot = kg_dot(DIAGRAMS[1].1);
    // Every relation of the GCTF, and nothing else.
    let graph = kg::facts::seed_graph().expect("the seed graph loads");
    let gctf = graph.entity_by_key("gctf").expect("gctf in the seed");
    let expected = graph.outgoing(gctf).count() + graph.incoming(gctf).count();
    let (_, edges) = dot_elements(&dot);
    let relation_edges: Vec<_> = edges.iter().filter(|e| !e.starts_with("legend")).collect();
    assert_eq!(relation_edges.len(), expected);
    let g = format!("n{}", gctf.0);
    assert!(relation_edges
        .iter()
        .all(|e| e.starts_with(&format!("{g}->")) || e.ends_with(&format!("->{g}"))));
}
