//! Drawings of the seed graph (issue 16): every label has one fill and shape
//! and every relation type one line in all drawings, no two alike; and the
//! whole-graph drawing at the default settings puts no edge label on top of a
//! node or of another edge label (measured in Graphviz's SVG).

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

mod support;
use support::{dot_installed, render_svg};

const KG: &str = env!("CARGO_BIN_EXE_kg");

/// The DOT `kg dot ARGS` writes.
fn kg_dot(args: &[&str]) -> String {
    let out = Command::new(KG)
        .arg("dot")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kg runs");
    assert!(
        out.status.success(),
        "kg dot {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("DOT is UTF-8")
}

/// The value of attribute `name` in a node or edge statement.
fn attr<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    [format!("[{name}=\""), format!(", {name}=\"")]
        .iter()
        .find_map(|key| line.find(key.as_str()).map(|i| i + key.len()))
        .and_then(|start| {
            let rest = &line[start..];
            rest.find('"').map(|end| &rest[..end])
        })
}

/// A label's look: (fill, shape).
type NodeLook = (String, String);
/// A relation type's look: (colour, line style, arrowhead).
type EdgeLook = (String, String, String);

/// The look of each drawn node's first label and of each drawn edge's type,
/// failing when one drawing gives a label or a type two looks.
fn looks(dot: &str) -> (BTreeMap<String, NodeLook>, BTreeMap<String, EdgeLook>) {
    const LABELS: &str = "<FONT POINT-SIZE=\"9\" COLOR=\"#333333\">";
    let mut nodes = BTreeMap::new();
    let mut edges = BTreeMap::new();
    for line in dot.lines().map(str::trim_start) {
        if !line.starts_with("\"n") {
            continue;
        }
        if line.contains("\" -> \"") {
            let rel_type = line
                .split("[label=<")
                .nth(1)
                .expect("an edge has an HTML label")
                .split(['<', '>'])
                .next()
                .expect("an edge label starts with its type")
                .to_string();
            let look = (
                attr(line, "color").expect("color").to_string(),
                attr(line, "style").expect("style").to_string(),
                attr(line, "arrowhead").expect("arrowhead").to_string(),
            );
            let old = edges.insert(rel_type.clone(), look.clone());
            assert!(
                old.is_none_or(|o| o == look),
                "{rel_type} drawn two ways in one drawing"
            );
        } else if let Some(i) = line.find(LABELS) {
            let rest = &line[i + LABELS.len()..];
            let labels = &rest[..rest.find("</FONT>").expect("the labels end")];
            let first = labels.split(" · ").next().unwrap_or("").to_string();
            let look = (
                attr(line, "fillcolor").expect("fillcolor").to_string(),
                attr(line, "shape").expect("shape").to_string(),
            );
            let old = nodes.insert(first.clone(), look.clone());
            assert!(
                old.is_none_or(|o| o == look),
                "{first} drawn two ways in one drawing"
            );
        }
    }
    (nodes, edges)
}

#[test]
fn labels_and_types_look_the_same_in_every_drawing_and_unlike_each_other() {
    let drawings: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--layout", "fdp"],
        vec!["-c", "MATCH (g {key: 'gctf'})-[r]-(x) RETURN g, r, x"],
        vec!["-c", "MATCH (p:Person)-[r]->(x) RETURN p, r, x"],
        vec![
            "-c",
            "MATCH (c:Country)-[r:PARTICIPATES_IN]->(e) RETURN c, r, e",
        ],
        vec!["-c", "MATCH p = (a)-[:PART_OF*1..2]->(b) RETURN p"],
        vec![
            "-c",
            "MATCH (o:Office)-[r]-(x) RETURN o, r, x",
            "--rankdir",
            "TB",
        ],
        vec![
            "-c",
            "MATCH (e:Event)<-[r:PARTICIPATES_IN]-(x) RETURN e, r, x",
        ],
        vec![
            "-c",
            "MATCH (d:Document)-[r]-(x) RETURN d, r, x",
            "--cluster-by",
            "label",
        ],
    ];
    let mut node_looks: BTreeMap<String, NodeLook> = BTreeMap::new();
    let mut edge_looks: BTreeMap<String, EdgeLook> = BTreeMap::new();
    let mut whole = None;
    for args in &drawings {
        let (nodes, edges) = looks(&kg_dot(args));
        assert!(!nodes.is_empty(), "{args:?} draws nodes");
        for (label, look) in &nodes {
            let first = node_looks.entry(label.clone()).or_insert(look.clone());
            assert_eq!(first, look, "{label} looks different in `kg dot {args:?}`");
        }
        for (rel_type, look) in &edges {
            let first = edge_looks.entry(rel_type.clone()).or_insert(look.clone());
            assert_eq!(
                first, look,
                "{rel_type} looks different in `kg dot {args:?}`"
            );
        }
        if args.is_empty() {
            whole = Some((nodes, edges));
        }
    }
    // The queries above drew a part of the graph each; the whole graph has
    // every first label and type, and no two share a look (not even a fill
    // or a colour-and-line pair).
    let (nodes, edges) = whole.expect("the whole graph was drawn");
    assert_eq!(node_looks.len(), nodes.len());
    assert_eq!(edge_looks.len(), edges.len());
    assert!(nodes.len() >= 8 && edges.len() >= 20, "{nodes:?} {edges:?}");
    let mut fills: BTreeMap<&str, &str> = BTreeMap::new();
    for (label, (fill, _)) in &nodes {
        if let Some(other) = fills.insert(fill, label) {
            panic!("{label} and {other} share the fill {fill}");
        }
    }
    assert_ne!(nodes["Country"].0, nodes["Person"].0);
    let mut lines: BTreeMap<&EdgeLook, &str> = BTreeMap::new();
    for (rel_type, look) in &edges {
        if let Some(other) = lines.insert(look, rel_type) {
            panic!("{rel_type} and {other} share the line {look:?}");
        }
    }
}

/// An axis-aligned box: (left, top, right, bottom) in SVG units.
#[derive(Debug, Clone, Copy)]
struct Box2 {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Box2 {
    fn around(points: &[(f64, f64)]) -> Option<Box2> {
        let first = points.first()?;
        Some(points.iter().fold(
            Box2 {
                x0: first.0,
                y0: first.1,
                x1: first.0,
                y1: first.1,
            },
            |b, &(x, y)| Box2 {
                x0: b.x0.min(x),
                y0: b.y0.min(y),
                x1: b.x1.max(x),
                y1: b.y1.max(y),
            },
        ))
    }

    fn union(self, o: Box2) -> Box2 {
        Box2 {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    fn overlaps(&self, o: &Box2) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// A box with the `<title>` of its node or edge.
type Titled = (String, Box2);

/// The value of attribute `name` in an SVG tag.
fn svg_attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let rest = &tag[start..];
    Some(&rest[..rest.find('"')?])
}

/// Every number in `s` (SVG point lists and path data), in order.
fn numbers(s: &str) -> Vec<f64> {
    s.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter_map(|t| t.parse().ok())
        .collect()
}

/// A text's width in DejaVu Sans, estimated per character from its advance
/// width (narrow punctuation and i, l, t; wide m, w; capitals; the rest).
/// It errs on the wide side: Graphviz's own measure of the seed's edge
/// labels is within a few points of it.
fn text_width(text: &str, font_size: f64) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | 'I' | 'f' | 't' | 'r' | ' ' | '.' | ',' | ':' | ';' | '\'' | '|'
            | '!' | '(' | ')' | '[' | ']' | '-' => 0.36,
            'm' | 'w' | 'M' | 'W' => 0.9,
            c if c.is_uppercase() || c == '_' => 0.7,
            _ => 0.62,
        })
        .sum();
    em * font_size
}

/// The box of one `<text ...>content</text>`.
fn text_box(tag: &str, content: &str) -> Option<Box2> {
    let x: f64 = svg_attr(tag, "x")?.parse().ok()?;
    let y: f64 = svg_attr(tag, "y")?.parse().ok()?;
    let size: f64 = svg_attr(tag, "font-size")?.parse().ok()?;
    let text = content
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&quot;", "\"");
    let w = text_width(&text, size);
    let x0 = match svg_attr(tag, "text-anchor") {
        Some("middle") => x - w / 2.0,
        Some("end") => x - w,
        _ => x,
    };
    Some(Box2 {
        x0,
        y0: y - 0.8 * size,
        x1: x0 + w,
        y1: y + 0.25 * size,
    })
}

/// The tags named `name` in `body` with their content up to `</name>`
/// (empty for self-closing tags).
fn tags<'a>(body: &'a str, name: &str) -> Vec<(&'a str, &'a str)> {
    let open = format!("<{name} ");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.ends_with('/') {
            out.push((tag, ""));
        } else if let Some(j) = rest.find(&close) {
            out.push((tag, &rest[..j]));
            rest = &rest[j + close.len()..];
        }
    }
    out
}

/// The boxes of the nodes (shape outlines and their text) and of the edge
/// labels (all text lines of one edge together) in a Graphviz SVG, each with
/// its `<title>`.
fn svg_boxes(svg: &str) -> (Vec<Titled>, Vec<Titled>) {
    let mut nodes = Vec::new();
    let mut labels = Vec::new();
    // Graphviz writes each node and edge as `<!-- title -->` followed by its
    // `<g class="node|edge">` group.
    for chunk in svg.split("<!-- ").skip(1) {
        let kind = if chunk.contains("class=\"node\"") {
            "node"
        } else if chunk.contains("class=\"edge\"") {
            "edge"
        } else {
            continue;
        };
        let title = chunk
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap_or("")
            .replace("&#45;&gt;", "->");
        let texts: Vec<Box2> = tags(chunk, "text")
            .into_iter()
            .filter_map(|(tag, content)| text_box(tag, content))
            .collect();
        if kind == "edge" {
            if let Some(b) = texts.into_iter().reduce(Box2::union) {
                labels.push((title, b));
            }
            continue;
        }
        let mut points: Vec<(f64, f64)> = Vec::new();
        for (tag, _) in tags(chunk, "polygon") {
            let n = numbers(svg_attr(tag, "points").unwrap_or(""));
            points.extend(n.chunks_exact(2).map(|p| (p[0], p[1])));
        }
        for (tag, _) in tags(chunk, "path") {
            let n = numbers(svg_attr(tag, "d").unwrap_or(""));
            points.extend(n.chunks_exact(2).map(|p| (p[0], p[1])));
        }
        for (tag, _) in tags(chunk, "ellipse") {
            let get = |a| svg_attr(tag, a).and_then(|v| v.parse::<f64>().ok());
            if let (Some(cx), Some(cy), Some(rx), Some(ry)) =
                (get("cx"), get("cy"), get("rx"), get("ry"))
            {
                points.extend([(cx - rx, cy - ry), (cx + rx, cy + ry)]);
            }
        }
        let shape = Box2::around(&points);
        let b = texts.into_iter().fold(shape, |acc, t| match acc {
            Some(a) => Some(a.union(t)),
            None => Some(t),
        });
        if let Some(b) = b {
            nodes.push((title, b));
        }
    }
    (nodes, labels)
}

#[test]
fn the_whole_graph_drawing_puts_no_edge_label_over_a_node_or_a_label() {
    if !dot_installed() {
        return;
    }
    let dot = kg_dot(&[]);
    let (svg, _) = render_svg(&dot);
    let (nodes, labels) = svg_boxes(&svg);
    let drawn_edges = dot.matches("\" -> \"").count();
    // Every entity, the legend's entries, and one label per relation.
    assert!(nodes.len() >= 67, "{} nodes found in the SVG", nodes.len());
    assert_eq!(labels.len(), drawn_edges, "one label per edge");
    let mut overlaps = Vec::new();
    for (i, (edge, label)) in labels.iter().enumerate() {
        for (node, b) in &nodes {
            if label.overlaps(b) {
                overlaps.push(format!("the label of {edge} covers node {node}"));
            }
        }
        for (other, b) in &labels[i + 1..] {
            if label.overlaps(b) {
                overlaps.push(format!("the labels of {edge} and {other} overlap"));
            }
        }
    }
    assert!(
        overlaps.is_empty(),
        "{} overlaps:\n{}",
        overlaps.len(),
        overlaps.join("\n")
    );
}

#[test]
fn the_overlap_measure_sees_an_overlap() {
    // The measure itself: a label placed on a node is found, one beside it
    // is not (so the test above can fail).
    let svg = "<svg>\n<!-- a -->\n<g id=\"node1\" class=\"node\">\n<title>a</title>\n\
        <polygon fill=\"none\" points=\"0,0 100,0 100,-40 0,-40 0,0\"/>\n</g>\n\
        <!-- a&#45;&gt;b -->\n<g id=\"edge1\" class=\"edge\">\n<title>a&#45;&gt;b</title>\n\
        <text text-anchor=\"middle\" x=\"50\" y=\"-20\" font-size=\"10.00\">PART_OF</text>\n</g>\n\
        <!-- b&#45;&gt;c -->\n<g id=\"edge2\" class=\"edge\">\n<title>b&#45;&gt;c</title>\n\
        <text text-anchor=\"start\" x=\"140\" y=\"-20\" font-size=\"10.00\">PART_OF</text>\n</g>\n</svg>\n";
    let (nodes, labels) = svg_boxes(svg);
    assert_eq!(nodes.len(), 1);
    assert_eq!(labels.len(), 2);
    assert!(labels[0].1.overlaps(&nodes[0].1), "{labels:?} {nodes:?}");
    assert!(!labels[1].1.overlaps(&nodes[0].1), "{labels:?} {nodes:?}");
    assert!(text_width("PARTICIPATES_IN", 10.0) > text_width("role", 10.0));
}
