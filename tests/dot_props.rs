//! Property test: DOT export survives hostile names. Graphs whose names,
//! keys, labels, relation types and qualifiers hold quotes, backslashes,
//! `\N`, newlines, `<&>`, DOT keywords, Arabic, emoji and empty strings are
//! exported, run through the real `dot -Tsvg`, and must render with exit
//! status 0, nothing on stderr, and every displayed name present in the
//! SVG's text (compared after XML unescaping and whitespace folding).
//!
//! Without Graphviz the test prints why it skips and passes, unless
//! `KG_REQUIRE_TOOLS=1`, when it fails.

use std::io::Write as _;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use kg::output::dot::{graph_to_dot, wrap_words, ClusterBy, DotOptions, RankDir};
use kg::store::{Alias, NewEntity};
use kg::value::ValueMap;
use kg::{Graph, Value};

const FRAGMENTS: &[&str] = &[
    "\"",
    "\\",
    "\\N",
    "\\G",
    "\\l",
    "\\\"",
    "\n",
    "\r\n",
    "\t",
    "<&>",
    "&amp;",
    "&#92;",
    "<B>",
    "</TABLE>",
    "]]>",
    "node",
    "subgraph",
    "graph",
    "edge",
    "digraph",
    "strict",
    "a:b",
    "2a",
    "->",
    "--",
    "{",
    "}",
    ";",
    "[",
    "]",
    "=",
    "'",
    "المغرب",
    "الاتحاد الأوروبي",
    "😀",
    "👩\u{200D}👩\u{200D}👧",
    "中文",
    "Ünïcödé",
    "",
    " ",
    "  ",
    "\u{1b}[31m",
    "\u{7}",
    "x",
    "Morocco",
];

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..4).prop_map(|v| v.concat())
}

#[derive(Debug, Clone)]
struct Spec {
    nodes: Vec<(Option<String>, Vec<String>, String, String)>,
    edges: Vec<(usize, usize, String, Option<String>)>,
    rankdir: RankDir,
    cluster_by: ClusterBy,
    legend: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    let node = (
        prop::option::of(name()),
        prop::collection::vec(name(), 0..3),
        name(),
        name(),
    );
    (
        prop::collection::vec(node, 1..7),
        prop::collection::vec(
            (0usize..7, 0usize..7, name(), prop::option::of(name())),
            0..9,
        ),
        prop::bool::ANY,
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(|(nodes, edges, lr, cluster, legend)| Spec {
            nodes,
            edges,
            rankdir: if lr { RankDir::LR } else { RankDir::TB },
            cluster_by: if cluster {
                ClusterBy::Label
            } else {
                ClusterBy::None
            },
            legend,
        })
}

/// Builds the graph; returns it with the texts that must be visible.
fn build(spec: &Spec) -> (Graph, Vec<String>) {
    let mut g = Graph::new();
    let mut ids = Vec::new();
    let mut expect = Vec::new();
    for (key, labels, name, alias) in &spec.nodes {
        // Keys are unique in the store: suffix duplicates.
        let key = key.as_ref().map(|k| format!("{k}#{}", ids.len()));
        let mut props = ValueMap::default();
        props.insert("name", Value::from(name.as_str()));
        let id = g
            .add_entity(NewEntity {
                key: key.clone(),
                labels: labels.clone(),
                props,
                aliases: vec![Alias {
                    text: alias.clone(),
                    lang: None,
                }],
                sources: vec![],
            })
            .expect("entity");
        ids.push(id);
        // The displayed name: the name, else the key, else a fallback.
        if !name.trim().is_empty() {
            expect.push(name.clone());
        } else if let Some(k) = key.filter(|k| !k.trim().is_empty()) {
            expect.push(k);
        }
        let mut seen = Vec::new();
        for l in labels {
            if !seen.contains(l) {
                seen.push(l.clone());
                expect.push(l.clone());
            }
        }
    }
    for (a, b, t, role) in &spec.edges {
        let (Some(from), Some(to)) = (ids.get(a % ids.len()), ids.get(b % ids.len())) else {
            continue;
        };
        let mut props = ValueMap::default();
        if let Some(r) = role {
            props.insert("role", Value::from(r.as_str()));
        }
        g.add_relation(*from, *to, t, props, vec![])
            .expect("relation");
        expect.push(t.clone());
    }
    (g, expect)
}

/// Decodes the XML entities Graphviz writes in SVG text.
fn xml_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let Some(end) = rest.find(';') else {
            break;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whitespace (including no-break spaces) folded to single spaces, trimmed.
fn fold(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text content of every `<text>` element of an SVG, unescaped and folded.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let Some(close) = rest.find("</text>") else {
            break;
        };
        if open_end < close {
            texts.push(fold(&xml_unescape(&rest[open_end + 1..close])));
        }
        rest = &rest[close + 7..];
    }
    texts
}

/// The lines a name is drawn as: control characters dropped (a tab is a
/// space), split at line breaks, folded, blank lines left out.
fn expected_lines(s: &str) -> Vec<String> {
    let cleaned: String = s
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    cleaned
        .split('\n')
        .map(fold)
        .filter(|l| !l.is_empty())
        .collect()
}

enum Dot {
    Missing,
    Ran {
        ok: bool,
        stdout: String,
        stderr: String,
    },
}

fn run_dot(input: &str) -> Dot {
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return Dot::Missing;
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).expect("write to dot");
    }
    let out = child.wait_with_output().expect("dot output");
    Dot::Ran {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn dot_available() -> bool {
    if let Dot::Ran { ok: true, .. } = run_dot("digraph { a }") {
        return true;
    }
    if std::env::var("KG_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("Graphviz `dot` is required (KG_REQUIRE_TOOLS=1) but is not installed");
    }
    eprintln!("skipping: Graphviz `dot` is not installed (set KG_REQUIRE_TOOLS=1 to fail instead)");
    false
}

fn check(spec: &Spec) -> Result<(), TestCaseError> {
    let (g, expect) = build(spec);
    let opts = DotOptions {
        rankdir: spec.rankdir,
        cluster_by: spec.cluster_by,
        legend: spec.legend,
        ..DotOptions::default()
    };
    let dot = graph_to_dot(&g, &opts).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let Dot::Ran { ok, stdout, stderr } = run_dot(&dot) else {
        return Err(TestCaseError::fail("dot disappeared"));
    };
    prop_assert!(ok, "dot failed: {stderr}\n--- input ---\n{dot}");
    prop_assert!(
        stderr.is_empty(),
        "dot warned: {stderr}\n--- input ---\n{dot}"
    );
    let texts = svg_texts(&stdout);
    let all = texts.join("\n");
    for name in &expect {
        // Labels and types appear in the legend only when it is drawn, but
        // also under each node name / on each edge, so always somewhere.
        // Long names are wrapped at spaces: look for each piece.
        let pieces = wrap_words(name, opts.wrap);
        for line in pieces.iter().flat_map(|p| expected_lines(p)) {
            prop_assert!(
                texts.iter().any(|t| t.contains(&line)),
                "{line:?} (from {name:?}) is not in the SVG text:\n{all}\n--- input ---\n{dot}"
            );
        }
    }
    Ok(())
}

#[test]
fn hostile_names_render_cleanly() {
    if !dot_available() {
        return;
    }
    // 32 cases by default (each runs `dot`); PROPTEST_CASES overrides.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(32);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(e) = runner.run(&spec(), |s| check(&s)) {
        panic!("{e}");
    }
}

#[test]
fn every_fragment_alone_as_every_kind_of_name() {
    if !dot_available() {
        return;
    }
    for f in FRAGMENTS {
        let s = f.to_string();
        let spec = Spec {
            nodes: vec![
                (Some(s.clone()), vec![s.clone()], s.clone(), s.clone()),
                (None, vec![], s.clone(), s.clone()),
            ],
            edges: vec![(0, 1, s.clone(), Some(s.clone())), (1, 1, s.clone(), None)],
            rankdir: RankDir::LR,
            cluster_by: ClusterBy::Label,
            legend: true,
        };
        if let Err(e) = check(&spec) {
            panic!("fragment {f:?}: {e}");
        }
    }
}

#[test]
fn unescape_and_fold() {
    assert_eq!(
        xml_unescape("a &amp; &lt;b&gt; &#45; &#x41; &#160;"),
        "a & <b> - A \u{a0}"
    );
    assert_eq!(fold("  a \u{a0} b\n"), "a b");
    assert_eq!(expected_lines("x\r\ny\t z\u{1b}"), vec!["x", "y z"]);
}
