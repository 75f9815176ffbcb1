//! Graphviz DOT export, written by hand so that every string is escaped for
//! the place it goes.
//!
//! - Node ids are synthetic and always quoted (`"n42"`, from the entity id):
//!   user text never becomes an id, so keywords (`node`, `graph`), ports
//!   (`a:b`) and numerals cannot break the file.
//! - Labels are HTML-like labels: `& < > "` become entities, line breaks
//!   become `<BR/>`, `]` becomes `&#93;` (dot 2.43 rejects a text that
//!   starts with it), and `\` is doubled (Graphviz still expands `\N`, `\G`
//!   inside HTML labels). Tooltips are quoted strings with `\` and `"`
//!   escaped and line breaks as `\n`. Other control characters are dropped
//!   everywhere (a tab becomes a space).
//! - A node shows its canonical name (else its key, else `Label:id`) with its
//!   labels underneath; fill and shape come from its first label, from the
//!   colour-blind-safe Okabe–Ito palette in three tints (21 distinct fills);
//!   each relation type has its own colour and line style (solid, dashed,
//!   dotted, bold: 28 distinct styles, then arrowheads vary too); edge labels
//!   show the type and the qualifiers `since`, `until`, `date`, `year`,
//!   `role` when present.
//! - Styles are assigned from the sorted labels and types of the *whole*
//!   graph, never of the drawn part, so a label keeps its fill and a type its
//!   line in every drawing of the same graph (a query's result, `:dot`, the
//!   whole graph).
//! - A legend cluster lists the labels and relation types drawn.
//! - [`ClusterBy::Label`] puts each node in exactly one cluster, its first
//!   label's (Graphviz silently drops a node from a second cluster).
//! - Output is deterministic, byte for byte: nodes sorted by key then id,
//!   edges by (source key, type, target key, id).
//! - More than [`DotOptions::max_nodes`] nodes is an error
//!   ([`DotError::TooManyNodes`]) rather than an unreadable picture.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::str::FromStr;

use crate::engine::QueryResult;
use crate::store::{Entity, EntityId, Graph, Relation, RelationId};
use crate::value::Value;

use super::text::{render_entity, render_relation, render_top};

/// The font list: DejaVu Sans covers Latin, Greek, Cyrillic and Arabic;
/// the others are fallbacks where it is missing (SVG viewers read the list
/// as a CSS `font-family`; Pango falls back per glyph by itself).
pub const FONT: &str = "DejaVu Sans,Noto Sans,sans-serif";

/// The Okabe–Ito colour-blind-safe palette, without black.
const OKABE_ITO: [&str; 7] = [
    "#E69F00", // orange
    "#56B4E9", // sky blue
    "#009E73", // bluish green
    "#F0E442", // yellow
    "#0072B2", // blue
    "#D55E00", // vermillion
    "#CC79A7", // reddish purple
];

/// How much white is mixed into a label's palette colour for its fill, one
/// tint per round through the palette: labels 0–6 get the first, 7–13 the
/// second, 14–20 the third, so 21 labels get 21 different fills.
const FILL_TINTS: [f64; 3] = [0.55, 0.82, 0.3];

/// Edge colours: Okabe–Ito without yellow (too faint as a line on white),
/// plus black.
const EDGE_COLOURS: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];
/// Line styles (Graphviz `style`) with the legend's picture of them, one per
/// round through [`EDGE_COLOURS`].
const EDGE_STYLES: [(&str, &str); 4] = [
    ("solid", "───"),
    ("dashed", "┄┄┄"),
    ("dotted", "┈┈┈"),
    ("bold", "━━━"),
];
/// Arrowheads (Graphviz `arrowhead`) with the legend's picture of them, one
/// per round through every colour and line style.
const ARROWHEADS: [(&str, &str); 5] = [
    ("normal", "▶"),
    ("vee", "›"),
    ("diamond", "◆"),
    ("dot", "●"),
    ("box", "■"),
];
const SHAPES: [&str; 8] = [
    "box",
    "ellipse",
    "hexagon",
    "octagon",
    "cylinder",
    "parallelogram",
    "house",
    "component",
];
const EDGE_QUALIFIERS: [&str; 5] = ["since", "until", "date", "year", "role"];

/// The direction of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RankDir {
    /// Left to right (the default: reads well for labelled edges).
    #[default]
    LR,
    /// Top to bottom.
    TB,
}

impl FromStr for RankDir {
    type Err = String;

    /// `LR` or `TB`, case-insensitive.
    fn from_str(s: &str) -> Result<RankDir, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "LR" => Ok(RankDir::LR),
            "TB" => Ok(RankDir::TB),
            _ => Err(format!("unknown rank direction `{s}`; valid: LR, TB")),
        }
    }
}

/// The Graphviz layout engine the DOT asks for (the `layout` graph attribute,
/// honoured by `dot -Tsvg` and other Graphviz front ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// Layered (`dot`): the default; best for query results and chains.
    #[default]
    Dot,
    /// Force-directed (`fdp`): compact for a whole graph with hubs; keeps
    /// clusters, but Graphviz places its edge labels without avoiding
    /// nodes or other labels.
    Fdp,
    /// Spring model (`neato`).
    Neato,
    /// Multiscale force-directed (`sfdp`), for large graphs.
    Sfdp,
    /// Circular (`circo`).
    Circo,
}

impl Layout {
    /// The Graphviz engine name.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Dot => "dot",
            Layout::Fdp => "fdp",
            Layout::Neato => "neato",
            Layout::Sfdp => "sfdp",
            Layout::Circo => "circo",
        }
    }
}

impl FromStr for Layout {
    type Err = String;

    /// `dot`, `fdp`, `neato`, `sfdp` or `circo`, case-insensitive.
    fn from_str(s: &str) -> Result<Layout, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dot" => Ok(Layout::Dot),
            "fdp" => Ok(Layout::Fdp),
            "neato" => Ok(Layout::Neato),
            "sfdp" => Ok(Layout::Sfdp),
            "circo" => Ok(Layout::Circo),
            _ => Err(format!(
                "unknown layout `{s}`; valid: dot, fdp, neato, sfdp, circo"
            )),
        }
    }
}

/// How nodes are grouped into boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClusterBy {
    /// No clusters.
    #[default]
    None,
    /// One cluster per label, each node in its first label's cluster.
    Label,
}

impl FromStr for ClusterBy {
    type Err = String;

    /// `none` or `label`, case-insensitive.
    fn from_str(s: &str) -> Result<ClusterBy, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(ClusterBy::None),
            "label" => Ok(ClusterBy::Label),
            _ => Err(format!("unknown clustering `{s}`; valid: none, label")),
        }
    }
}

/// Options for DOT export. Expanding a result by some hops is done by the
/// caller, before export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DotOptions {
    /// Layout direction (`rankdir`). Default [`RankDir::LR`].
    pub rankdir: RankDir,
    /// Clustering. Default [`ClusterBy::None`].
    pub cluster_by: ClusterBy,
    /// Refuse to draw more nodes than this. Default 500.
    pub max_nodes: usize,
    /// Draw a legend of the labels and relation types used. Default true.
    pub legend: bool,
    /// The layout engine. Default [`Layout::Dot`].
    pub layout: Layout,
    /// Wrap entity names longer than this many characters onto several
    /// lines, at spaces (0 = never). Default 24.
    pub wrap: usize,
}

impl Default for DotOptions {
    fn default() -> DotOptions {
        DotOptions {
            rankdir: RankDir::LR,
            cluster_by: ClusterBy::None,
            max_nodes: 500,
            legend: true,
            layout: Layout::Dot,
            wrap: 24,
        }
    }
}

/// Why a graph was not exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DotError {
    /// More nodes than [`DotOptions::max_nodes`].
    TooManyNodes {
        /// How many nodes the export would draw.
        nodes: usize,
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for DotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DotError::TooManyNodes { nodes, max } => write!(
                f,
                "the drawing would have {nodes} nodes, more than the limit of {max}; \
                 narrow the query (a WHERE clause, a LIMIT, fewer hops) \
                 or raise the limit with --max-nodes {nodes}"
            ),
        }
    }
}

impl std::error::Error for DotError {}

/// The nodes and relationships found in result rows, each once, in order of
/// first appearance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Elements {
    /// The nodes.
    pub entities: Vec<EntityId>,
    /// The relationships.
    pub relations: Vec<RelationId>,
}

/// Collects every node, relationship and path element inside `rows`,
/// looking through lists and maps at any depth.
pub fn collect_elements(rows: &[Vec<Value>]) -> Elements {
    let mut seen_e = BTreeSet::new();
    let mut seen_r = BTreeSet::new();
    let mut out = Elements::default();
    let mut stack: Vec<&Value> = rows.iter().rev().flat_map(|r| r.iter().rev()).collect();
    while let Some(v) = stack.pop() {
        match v {
            Value::Node(id) => push_new(&mut seen_e, &mut out.entities, *id),
            Value::Relationship(id) => push_new(&mut seen_r, &mut out.relations, *id),
            Value::Path(p) => {
                for id in &p.nodes {
                    push_new(&mut seen_e, &mut out.entities, *id);
                }
                for id in &p.rels {
                    push_new(&mut seen_r, &mut out.relations, *id);
                }
            }
            Value::List(items) => stack.extend(items.iter().rev()),
            Value::Map(m) => stack.extend(m.values().rev()),
            _ => {}
        }
    }
    out
}

fn push_new<T: Ord + Copy>(seen: &mut BTreeSet<T>, list: &mut Vec<T>, id: T) {
    if seen.insert(id) {
        list.push(id);
    }
}

/// The whole graph as DOT.
pub fn graph_to_dot(graph: &Graph, opts: &DotOptions) -> Result<String, DotError> {
    let entities: Vec<&Entity> = graph.entities().collect();
    let relations: Vec<&Relation> = graph.relations().collect();
    render(graph, entities, relations, opts)
}

/// The subgraph made of `entities` and `relations` as DOT. The endpoints of
/// every relation are drawn even when not listed; ids that do not exist
/// (any more) are skipped.
pub fn subgraph_to_dot(
    graph: &Graph,
    entities: &[EntityId],
    relations: &[RelationId],
    opts: &DotOptions,
) -> Result<String, DotError> {
    let rels: Vec<&Relation> = relations
        .iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter_map(|id| graph.relation(*id))
        .collect();
    let ids: BTreeSet<EntityId> = entities
        .iter()
        .copied()
        .chain(rels.iter().flat_map(|r| [r.from, r.to]))
        .collect();
    let ents: Vec<&Entity> = ids.into_iter().filter_map(|id| graph.entity(id)).collect();
    render(graph, ents, rels, opts)
}

/// The subgraph of every node, relationship and path in a query result.
pub fn result_to_dot(
    graph: &Graph,
    result: &QueryResult,
    opts: &DotOptions,
) -> Result<String, DotError> {
    let els = collect_elements(&result.rows);
    subgraph_to_dot(graph, &els.entities, &els.relations, opts)
}

// ----- escaping ------------------------------------------------------------

/// Escapes text for a double-quoted DOT string that Graphviz reads as an
/// escString (tooltips, plain labels): `\` → `\\`, `"` → `\"`, line breaks →
/// `\n`, tab → space, other control characters dropped.
pub fn escape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() || is_xml_invalid(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for the inside of an HTML-like label: `&` `<` `>` `"` `]` as
/// entities, `\` doubled (Graphviz expands `\N` even there), line breaks as
/// `<BR/>`, tab → space, other control characters dropped.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Graphviz 2.43 rejects a text that starts with `]` (`<B>]</B>`).
            ']' => out.push_str("&#93;"),
            '\\' => out.push_str("\\\\"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("<BR/>");
                }
            }
            '\n' => out.push_str("<BR/>"),
            '\t' => out.push(' '),
            c if c.is_control() || is_xml_invalid(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Characters XML (and so Graphviz's HTML-label parser) rejects outright.
fn is_xml_invalid(c: char) -> bool {
    matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// `<TAG attrs>text</TAG>`, or nothing when the escaped text is empty
/// (Graphviz rejects empty elements such as `<B></B>`).
fn html_elem(open: &str, close: &str, text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("{open}{text}{close}")
    }
}

/// An HTML-like label value (`<…>`), never empty inside.
fn html_label(inner: &str) -> String {
    if inner.is_empty() {
        "<&nbsp;>".to_string()
    } else {
        format!("<{inner}>")
    }
}

// ----- styling -------------------------------------------------------------

/// `colour` mixed with white (`amount` of white, 0 to 1), as `#RRGGBB`.
fn tint(colour: &str, amount: f64) -> String {
    mix(colour, 255.0, amount)
}

/// `colour` mixed with black (`amount` of black, 0 to 1), as `#RRGGBB`.
fn shade(colour: &str, amount: f64) -> String {
    mix(colour, 0.0, amount)
}

fn mix(colour: &str, target: f64, amount: f64) -> String {
    let hex = colour.trim_start_matches('#');
    let channel = |i: usize| {
        let v = hex
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
        let mixed = f64::from(v) + (target - f64::from(v)) * amount;
        mixed.round().clamp(0.0, 255.0) as u8
    };
    format!("#{:02X}{:02X}{:02X}", channel(0), channel(2), channel(4))
}

#[derive(Debug, Clone)]
struct NodeStyle {
    shape: &'static str,
    fill: String,
    border: String,
}

impl NodeStyle {
    /// The style of the label at position `i` among the graph's sorted
    /// labels (`None`: no label). Each round through the palette uses the
    /// next tint and starts three colours further on, so that labels `i` and
    /// `i + 7` differ in hue as well as in lightness.
    fn for_index(i: Option<usize>) -> NodeStyle {
        match i {
            Some(i) => {
                let round = i / OKABE_ITO.len();
                let colour = OKABE_ITO[(i + 3 * round) % OKABE_ITO.len()];
                NodeStyle {
                    shape: SHAPES[i % SHAPES.len()],
                    fill: tint(colour, FILL_TINTS[round % FILL_TINTS.len()]),
                    // A darker outline: yellow and sky blue are faint on white.
                    border: shade(colour, 0.25),
                }
            }
            None => NodeStyle {
                shape: "box",
                fill: "#EEEEEE".to_string(),
                border: "#777777".to_string(),
            },
        }
    }

    fn style_attr(&self) -> &'static str {
        if self.shape == "box" {
            "rounded,filled"
        } else {
            "filled"
        }
    }
}

#[derive(Debug, Clone)]
struct EdgeStyle {
    colour: &'static str,
    /// A darker shade of `colour` for label text, legible on white.
    text: String,
    style: &'static str,
    arrowhead: &'static str,
    /// The legend's picture of the line and its head.
    glyph: String,
}

impl EdgeStyle {
    /// The style of the relation type at position `i` among the graph's
    /// sorted types: colour first, then line style, then arrowhead, so the
    /// first 140 types all look different.
    fn for_index(i: usize) -> EdgeStyle {
        let colours = EDGE_COLOURS.len();
        let lines = EDGE_STYLES.len();
        let (style, line) = EDGE_STYLES[(i / colours) % lines];
        let (arrowhead, head) = ARROWHEADS[(i / (colours * lines)) % ARROWHEADS.len()];
        let colour = EDGE_COLOURS[i % colours];
        EdgeStyle {
            colour,
            text: shade(colour, 0.35),
            style,
            arrowhead,
            glyph: format!("{line}{head}"),
        }
    }
}

// ----- rendering -----------------------------------------------------------

/// What a node is called in the drawing: its canonical name, else its key,
/// else `Label:id`.
fn display_name(e: &Entity) -> String {
    if let Some(n) = e.name().filter(|n| !n.trim().is_empty()) {
        return n.to_string();
    }
    if let Some(k) = e.key.as_deref().filter(|k| !k.trim().is_empty()) {
        return k.to_string();
    }
    match e.labels.first() {
        Some(l) => format!("{l}:{}", e.id),
        None => format!("#{}", e.id),
    }
}

/// Splits `text` into lines of at most `width` characters at spaces (a word
/// longer than `width` gets a line of its own); `width` 0 keeps one line.
/// The words and their order are kept, so the text is the lines joined by
/// spaces. Text with control characters (newlines) is left as it is.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    if width == 0
        || text.chars().count() <= width
        || !text.contains(' ')
        || text.contains(|c: char| c.is_control())
    {
        return vec![text.to_string()];
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if line.is_empty() || fits {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(word);
        }
    }
    lines.push(line);
    lines
}

fn node_sort_key(e: &Entity) -> (bool, &str, EntityId) {
    (e.key.is_none(), e.key.as_deref().unwrap_or(""), e.id)
}

fn render(
    graph: &Graph,
    mut entities: Vec<&Entity>,
    relations: Vec<&Relation>,
    opts: &DotOptions,
) -> Result<String, DotError> {
    if entities.len() > opts.max_nodes {
        return Err(DotError::TooManyNodes {
            nodes: entities.len(),
            max: opts.max_nodes,
        });
    }
    entities.sort_by(|a, b| node_sort_key(a).cmp(&node_sort_key(b)));
    let keyed: BTreeMap<EntityId, &Entity> = entities.iter().map(|e| (e.id, *e)).collect();
    let sort_key_of = |id: EntityId| keyed.get(&id).map(|e| node_sort_key(e));
    let mut relations: Vec<&Relation> = relations
        .into_iter()
        .filter(|r| keyed.contains_key(&r.from) && keyed.contains_key(&r.to))
        .collect();
    relations.sort_by(|a, b| {
        (
            sort_key_of(a.from),
            a.rel_type.as_str(),
            sort_key_of(a.to),
            a.id,
        )
            .cmp(&(
                sort_key_of(b.from),
                b.rel_type.as_str(),
                sort_key_of(b.to),
                b.id,
            ))
    });

    // A label's fill and shape and a relation type's colour and line come
    // from the whole graph's sorted labels and types, never from what is
    // drawn, so a label or a type looks the same in every drawing of one
    // graph (and no two of them look alike, see the palettes).
    let all_labels: BTreeSet<&str> = graph.labels().collect();
    let label_index: BTreeMap<&str, usize> = all_labels
        .iter()
        .enumerate()
        .map(|(i, l)| (*l, i))
        .collect();
    let all_types: BTreeSet<&str> = graph.relation_types().collect();
    let type_index: BTreeMap<&str, usize> =
        all_types.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    // Labels and types missing from the graph's indexes (not expected) get
    // indexes after the known ones.
    let label_style = |l: Option<&String>| -> NodeStyle {
        NodeStyle::for_index(l.map(|l| {
            label_index
                .get(l.as_str())
                .copied()
                .unwrap_or(label_index.len())
        }))
    };
    let edge_style = |t: &str| -> EdgeStyle {
        EdgeStyle::for_index(type_index.get(t).copied().unwrap_or(type_index.len()))
    };

    let mut out = String::new();
    let _ = writeln!(
        out,
        "// kg export: {} nodes, {} relationships",
        entities.len(),
        relations.len()
    );
    out.push_str("digraph \"kg\" {\n");
    let rankdir = match opts.rankdir {
        RankDir::LR => "LR",
        RankDir::TB => "TB",
    };
    let _ = writeln!(
        out,
        "  graph [rankdir=\"{rankdir}\", charset=\"UTF-8\", fontname=\"{FONT}\", fontsize=\"11\", \
         nodesep=\"0.35\", ranksep=\"0.7\", pad=\"0.3\", bgcolor=\"white\"];"
    );
    if opts.layout != Layout::Dot {
        // Force-directed engines: keep nodes apart and route edges around them.
        let _ = writeln!(
            out,
            "  graph [layout=\"{}\", overlap=\"false\", splines=\"true\", sep=\"+6\"];",
            opts.layout.name()
        );
    }
    let _ = writeln!(
        out,
        "  node [fontname=\"{FONT}\", fontsize=\"12\", penwidth=\"1.4\", margin=\"0.15,0.07\"];"
    );
    let _ = writeln!(
        out,
        "  edge [fontname=\"{FONT}\", fontsize=\"10\", penwidth=\"1.3\", arrowsize=\"0.8\"];"
    );

    // Nodes, grouped into clusters when asked.
    let node_line = |e: &Entity| -> String {
        let st = label_style(e.labels.first());
        let mut inner = String::new();
        for line in wrap_words(&display_name(e), opts.wrap) {
            let line = html_elem("<B>", "</B>", &escape_html(&line));
            if !line.is_empty() {
                if !inner.is_empty() {
                    inner.push_str("<BR/>");
                }
                inner.push_str(&line);
            }
        }
        let labels = escape_html(&e.labels.join(" · "));
        if !labels.is_empty() {
            if !inner.is_empty() {
                inner.push_str("<BR/>");
            }
            inner.push_str(&html_elem(
                "<FONT POINT-SIZE=\"9\" COLOR=\"#333333\">",
                "</FONT>",
                &labels,
            ));
        }
        let mut tip = render_entity(graph, e);
        if !e.aliases.is_empty() {
            let aliases: Vec<&str> = e.aliases.iter().map(|a| a.text.as_str()).collect();
            tip.push_str("\naliases: ");
            tip.push_str(&aliases.join(", "));
        }
        push_sources(
            &mut tip,
            e.sources.iter().map(|c| (c.article.as_str(), c.sentence)),
        );
        format!(
            "\"n{}\" [label={}, shape=\"{}\", style=\"{}\", fillcolor=\"{}\", color=\"{}\", tooltip=\"{}\"];",
            e.id,
            html_label(&inner),
            st.shape,
            st.style_attr(),
            st.fill,
            st.border,
            escape_quoted(&tip)
        )
    };
    match opts.cluster_by {
        ClusterBy::None => {
            for e in &entities {
                let _ = writeln!(out, "  {}", node_line(e));
            }
        }
        ClusterBy::Label => {
            let mut clusters: BTreeMap<&str, Vec<&Entity>> = BTreeMap::new();
            let mut loose: Vec<&Entity> = Vec::new();
            for e in &entities {
                match e.labels.first() {
                    Some(l) => clusters.entry(l.as_str()).or_default().push(e),
                    None => loose.push(e),
                }
            }
            for (i, (label, members)) in clusters.iter().enumerate() {
                let st = label_style(members.first().and_then(|e| e.labels.first()));
                let _ = writeln!(out, "  subgraph \"cluster_label_{i}\" {{");
                let title = html_elem("<B>", "</B>", &escape_html(label));
                let _ = writeln!(
                    out,
                    "    label={}; style=\"rounded,dashed\"; color=\"{}\"; fontcolor=\"#333333\";",
                    html_label(&title),
                    st.border
                );
                for e in members {
                    let _ = writeln!(out, "    {}", node_line(e));
                }
                out.push_str("  }\n");
            }
            for e in loose {
                let _ = writeln!(out, "  {}", node_line(e));
            }
        }
    }

    // Edges.
    for r in &relations {
        let st = edge_style(&r.rel_type);
        let mut inner = html_elem("", "", &escape_html(&r.rel_type));
        let quals: Vec<String> = EDGE_QUALIFIERS
            .iter()
            .filter_map(|k| {
                r.props
                    .get(k)
                    .filter(|v| !v.is_null())
                    .map(|v| format!("{k}: {}", render_top(graph, v)))
            })
            .collect();
        if !quals.is_empty() {
            if !inner.is_empty() {
                inner.push_str("<BR/>");
            }
            inner.push_str(&html_elem(
                "<FONT POINT-SIZE=\"9\">",
                "</FONT>",
                &escape_html(&quals.join(", ")),
            ));
        }
        let mut tip = render_relation(graph, r);
        push_sources(
            &mut tip,
            r.sources.iter().map(|c| (c.article.as_str(), c.sentence)),
        );
        let _ = writeln!(
            out,
            "  \"n{}\" -> \"n{}\" [label={}, color=\"{}\", fontcolor=\"{}\", style=\"{}\", arrowhead=\"{}\", tooltip=\"{}\"];",
            r.from,
            r.to,
            html_label(&inner),
            st.colour,
            st.text,
            st.style,
            st.arrowhead,
            escape_quoted(&tip)
        );
    }

    if opts.legend && !entities.is_empty() {
        let used_labels: BTreeSet<&str> = entities
            .iter()
            .filter_map(|e| e.labels.first())
            .map(String::as_str)
            .collect();
        let used_types: BTreeSet<&str> = relations.iter().map(|r| r.rel_type.as_str()).collect();
        // Labels as small nodes in their own shape and colours (the shape is
        // the cue that does not depend on colour vision); relation types as
        // a table of coloured arrows whose dashes match the edges.
        let mut legend = String::new();
        for (i, l) in used_labels.iter().enumerate() {
            let st = label_style(Some(&(*l).to_string()));
            let _ = writeln!(
                legend,
                "    \"legend_label_{i}\" [label=<{}>, shape=\"{}\", style=\"{}\", fillcolor=\"{}\", \
                 color=\"{}\", fontsize=\"10\", height=\"0.3\", margin=\"0.1,0.03\"];",
                non_empty_html(l),
                st.shape,
                st.style_attr(),
                st.fill,
                st.border
            );
        }
        let mut rows = String::new();
        for t in &used_types {
            let st = edge_style(t);
            let _ = write!(
                rows,
                "<TR><TD><FONT COLOR=\"{}\">{}</FONT></TD><TD ALIGN=\"LEFT\"><FONT COLOR=\"{}\">{}</FONT></TD></TR>",
                st.colour,
                st.glyph,
                st.text,
                non_empty_html(t)
            );
        }
        if !rows.is_empty() {
            let _ = writeln!(
                legend,
                "    \"legend_types\" [shape=\"plaintext\", fontsize=\"10\", label=<<TABLE BORDER=\"0\" \
                 CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"1\">{rows}</TABLE>>];"
            );
        }
        if !legend.is_empty() {
            // With LR the entries already stack in order in one column; with
            // TB an invisible chain in one rank keeps the row in order.
            let mut ids: Vec<String> = (0..used_labels.len())
                .map(|i| format!("\"legend_label_{i}\""))
                .collect();
            if !rows.is_empty() {
                ids.push("\"legend_types\"".to_string());
            }
            out.push_str("  subgraph \"cluster_legend\" {\n");
            out.push_str(
                "    label=<<B>Legend</B>>; style=\"rounded\"; color=\"#BBBBBB\"; fontcolor=\"#555555\";\n",
            );
            out.push_str(&legend);
            if opts.rankdir == RankDir::TB && ids.len() > 1 {
                let _ = writeln!(out, "    {{ rank=\"same\"; {}; }}", ids.join("; "));
                let _ = writeln!(out, "    {} [style=\"invis\"];", ids.join(" -> "));
            }
            out.push_str("  }\n");
        }
    }
    out.push_str("}\n");
    Ok(out)
}

/// Escaped HTML text, or a non-breaking space for an empty string.
fn non_empty_html(s: &str) -> String {
    let e = escape_html(s);
    if e.is_empty() {
        "&nbsp;".to_string()
    } else {
        e
    }
}

fn push_sources<'a>(tip: &mut String, sources: impl Iterator<Item = (&'a str, u32)>) {
    let list: Vec<String> = sources.map(|(a, s)| format!("{a} #{s}")).collect();
    if !list.is_empty() {
        tip.push_str("\nsources: ");
        tip.push_str(&list.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewEntity;
    use crate::value::{Path, ValueMap};

    fn entity(g: &mut Graph, key: Option<&str>, label: &str, name: &str) -> EntityId {
        let mut props = ValueMap::default();
        if !name.is_empty() {
            props.insert("name", Value::from(name));
        }
        g.add_entity(NewEntity {
            key: key.map(str::to_string),
            labels: if label.is_empty() {
                vec![]
            } else {
                vec![label.into()]
            },
            props,
            ..NewEntity::default()
        })
        .unwrap()
    }

    #[test]
    fn quoted_escaping() {
        assert_eq!(escape_quoted(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_quoted("x\r\ny\nz\rw"), r"x\ny\nz\nw");
        assert_eq!(escape_quoted("t\tab\u{0}\u{1b}\u{7f}"), "t ab");
        assert_eq!(escape_quoted(r"\N"), r"\\N");
        assert_eq!(escape_quoted("trailing\\"), "trailing\\\\");
    }

    #[test]
    fn html_escaping() {
        assert_eq!(escape_html("<A & B>"), "&lt;A &amp; B&gt;");
        assert_eq!(escape_html("\"q\""), "&quot;q&quot;");
        assert_eq!(escape_html("]"), "&#93;");
        assert_eq!(escape_html(r"\N\G"), r"\\N\\G");
        assert_eq!(escape_html("a\nb"), "a<BR/>b");
        assert_eq!(escape_html("a\u{7}\u{FFFF}b"), "ab");
        assert_eq!(escape_html("المغرب"), "المغرب");
    }

    #[test]
    fn tints() {
        assert_eq!(tint("#000000", 0.5), "#808080");
        assert_eq!(tint("#FFFFFF", 0.5), "#FFFFFF");
        assert_eq!(tint("#E69F00", 0.0), "#E69F00");
    }

    #[test]
    fn collects_elements_through_lists_maps_and_paths() {
        let mut g = Graph::new();
        let a = entity(&mut g, Some("a"), "X", "A");
        let b = entity(&mut g, Some("b"), "X", "B");
        let c = entity(&mut g, Some("c"), "Y", "C");
        let r1 = g
            .add_relation(a, b, "T", ValueMap::default(), vec![])
            .unwrap();
        let r2 = g
            .add_relation(b, c, "U", ValueMap::default(), vec![])
            .unwrap();
        let mut m = ValueMap::default();
        m.insert(
            "deep",
            Value::List(vec![Value::Relationship(r2), Value::Node(c)]),
        );
        let rows = vec![
            vec![Value::Node(b), Value::Map(m)],
            vec![
                Value::Path(Box::new(Path {
                    nodes: vec![a, b],
                    rels: vec![r1],
                })),
                Value::Int(3),
            ],
        ];
        let els = collect_elements(&rows);
        assert_eq!(els.entities, vec![b, c, a]);
        assert_eq!(els.relations, vec![r2, r1]);
    }

    #[test]
    fn output_is_sorted_and_ids_are_synthetic() {
        let mut g = Graph::new();
        let z = entity(&mut g, Some("zeta"), "Country", "Zeta");
        let a = entity(&mut g, Some("alpha"), "Country", "node");
        let anon = entity(&mut g, None, "", "");
        g.add_relation(z, a, "T", ValueMap::default(), vec![])
            .unwrap();
        g.add_relation(a, z, "T", ValueMap::default(), vec![])
            .unwrap();
        g.add_relation(anon, a, "S", ValueMap::default(), vec![])
            .unwrap();
        let dot = graph_to_dot(&g, &DotOptions::default()).unwrap();
        let pos = |s: &str| {
            dot.find(s)
                .unwrap_or_else(|| panic!("{s} missing in\n{dot}"))
        };
        // alpha (n1) before zeta (n0) before the keyless node (n2).
        assert!(pos("\"n1\" [") < pos("\"n0\" ["));
        assert!(pos("\"n0\" [") < pos("\"n2\" ["));
        // Edges by source key: alpha->zeta, zeta->alpha, then the keyless one.
        assert!(pos("\"n1\" -> \"n0\"") < pos("\"n0\" -> \"n1\""));
        assert!(pos("\"n0\" -> \"n1\"") < pos("\"n2\" -> \"n1\""));
        assert!(
            dot.contains("<B>#2</B>"),
            "keyless unlabelled node falls back to #id"
        );
        // Byte-identical on a second run.
        assert_eq!(dot, graph_to_dot(&g, &DotOptions::default()).unwrap());
    }

    #[test]
    fn subgraph_adds_endpoints_and_skips_missing_ids() {
        let mut g = Graph::new();
        let a = entity(&mut g, Some("a"), "X", "A");
        let b = entity(&mut g, Some("b"), "X", "B");
        let _c = entity(&mut g, Some("c"), "X", "C");
        let r = g
            .add_relation(a, b, "T", ValueMap::default(), vec![])
            .unwrap();
        let dot = subgraph_to_dot(
            &g,
            &[EntityId(77)],
            &[r, RelationId(5)],
            &DotOptions::default(),
        )
        .unwrap();
        assert!(dot.contains("\"n0\" ["));
        assert!(dot.contains("\"n1\" ["));
        assert!(!dot.contains("\"n2\" ["));
        assert!(dot.contains("\"n0\" -> \"n1\""));
        assert!(dot.starts_with("// kg export: 2 nodes, 1 relationships\n"));
    }

    #[test]
    fn too_many_nodes_is_an_error_with_advice() {
        let mut g = Graph::new();
        for i in 0..4 {
            entity(&mut g, Some(&format!("k{i}")), "X", "n");
        }
        let opts = DotOptions {
            max_nodes: 3,
            ..DotOptions::default()
        };
        let err = graph_to_dot(&g, &opts).unwrap_err();
        assert_eq!(err, DotError::TooManyNodes { nodes: 4, max: 3 });
        let msg = err.to_string();
        assert!(msg.contains("--max-nodes"), "{msg}");
        assert!(msg.contains("LIMIT"), "{msg}");
    }

    #[test]
    fn clusters_hold_each_node_once() {
        let mut g = Graph::new();
        let a = entity(&mut g, Some("a"), "Person", "A");
        g.add_label(a, "Minister").unwrap();
        entity(&mut g, Some("b"), "Minister", "B");
        let opts = DotOptions {
            cluster_by: ClusterBy::Label,
            ..DotOptions::default()
        };
        let dot = graph_to_dot(&g, &opts).unwrap();
        assert_eq!(dot.matches("\"n0\" [").count(), 1);
        assert_eq!(dot.matches("subgraph \"cluster_label_").count(), 2);
        // n0 sits in the Person cluster (its first label), which sorts second.
        let person = dot.find("<B>Person</B>").unwrap();
        assert!(dot.find("\"n0\" [").unwrap() > person);
    }

    #[test]
    fn edge_labels_show_qualifiers() {
        let mut g = Graph::new();
        let a = entity(&mut g, Some("a"), "X", "A");
        let b = entity(&mut g, Some("b"), "X", "B");
        let mut props = ValueMap::default();
        props.insert("role", Value::from("co-chair"));
        props.insert("since", Value::Int(2016));
        props.insert("other", Value::Int(1));
        g.add_relation(a, b, "CO_CHAIRS", props, vec![]).unwrap();
        let dot = graph_to_dot(&g, &DotOptions::default()).unwrap();
        assert!(
            dot.contains(
                "label=<CO_CHAIRS<BR/><FONT POINT-SIZE=\"9\">since: 2016, role: co-chair</FONT>>"
            ),
            "{dot}"
        );
    }

    #[test]
    fn options_parse() {
        assert_eq!("lr".parse::<RankDir>(), Ok(RankDir::LR));
        assert_eq!("TB".parse::<RankDir>(), Ok(RankDir::TB));
        assert!("XY".parse::<RankDir>().unwrap_err().contains("LR, TB"));
        assert_eq!("label".parse::<ClusterBy>(), Ok(ClusterBy::Label));
        assert!("x".parse::<ClusterBy>().is_err());
    }

    #[test]
    fn long_names_wrap_at_spaces_and_keep_every_word() {
        let name = "Partnership between the GCTF, its specialized institutions and the UN";
        let lines = wrap_words(name, 24);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.chars().count() <= 24));
        assert_eq!(lines.join(" "), name);
        assert_eq!(wrap_words("Morocco", 24), vec!["Morocco"]);
        assert_eq!(wrap_words(name, 0), vec![name]);
        // A word longer than the width gets its own line, uncut.
        let long = "a Counterterrorismcoordinationcompact b";
        assert_eq!(
            wrap_words(long, 10),
            vec!["a", "Counterterrorismcoordinationcompact", "b"]
        );
        // Newlines are left to the escaping.
        assert_eq!(wrap_words("x y z\nw v u t s r q", 4).len(), 1);
    }

    #[test]
    fn layout_engines_parse_and_force_directed_ones_are_declared() {
        assert_eq!("FDP".parse::<Layout>(), Ok(Layout::Fdp));
        assert!("spring".parse::<Layout>().unwrap_err().contains("fdp"));
        let g = crate::facts::seed_graph().expect("seed");
        let fdp = DotOptions {
            layout: Layout::Fdp,
            ..DotOptions::default()
        };
        let text = graph_to_dot(&g, &fdp).expect("dot");
        assert!(text.contains("layout=\"fdp\""));
        let plain = graph_to_dot(&g, &DotOptions::default()).expect("dot");
        assert!(!plain.contains("layout="));
    }
}
