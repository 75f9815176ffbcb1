//! `kg generate`: a synthetic knowledge graph of the benchmark's shape
//! (`../shared/bench`: seven labels, eleven relation types between fixed
//! label pairs, Zipf-skewed degrees), for benchmarks.
//!
//! Output: `nodes.csv` (`id,label,name,year`) and `edges.csv`
//! (`src,dst,type,since`), with a header line; empty field = no value. The
//! same arguments always give the same files (fixed seed, own generator).

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The arguments of `kg generate`.
#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Number of nodes.
    #[arg(long, default_value_t = 10_000)]
    pub nodes: usize,
    /// Number of edges (fewer when the graph is too small to hold them).
    #[arg(long, default_value_t = 50_000)]
    pub edges: usize,
    /// The directory to write `nodes.csv` and `edges.csv` into (created).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// One node of a generated graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GenNode {
    /// The unique id, e.g. `country_17` (prefix by label, then the index).
    pub id: String,
    /// The label.
    pub label: &'static str,
    /// The unique name.
    pub name: String,
    /// The year (Events only).
    pub year: Option<i64>,
}

/// One edge of a generated graph (ends are node indexes).
#[derive(Debug, Clone, PartialEq)]
pub struct GenEdge {
    /// The source node's index.
    pub src: usize,
    /// The target node's index.
    pub dst: usize,
    /// The relation type.
    pub rel_type: &'static str,
    /// The `since` year, on some relation types.
    pub since: Option<i64>,
}

/// A generated graph: nodes and edges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Generated {
    /// The nodes; edges refer to them by index.
    pub nodes: Vec<GenNode>,
    /// The edges: no self-loops, `(src, dst, type)` unique.
    pub edges: Vec<GenEdge>,
}

/// Labels: (name, id prefix, share in per mille, Zipf exponent).
const LABELS: [(&str, &str, u32, f64); 7] = [
    ("Country", "country", 10, 1.0),
    ("Organization", "org", 90, 0.8),
    ("Person", "person", 300, 0.6),
    ("Event", "event", 250, 0.7),
    ("Place", "place", 120, 0.7),
    ("Initiative", "init", 80, 0.9),
    ("Document", "doc", 150, 0.5),
];

/// Relation types: (type, source label, target label, weight, has `since`).
const RELS: [(&str, usize, usize, u32, bool); 24] = [
    ("co_chairs", 0, 1, 2, true),
    ("hosts", 4, 3, 6, false),
    ("hosts", 0, 3, 3, false),
    ("participates_in", 0, 3, 10, false),
    ("participates_in", 1, 3, 8, false),
    ("participates_in", 2, 3, 12, false),
    ("launched_by", 5, 0, 3, true),
    ("launched_by", 5, 1, 3, true),
    ("launched_by", 6, 1, 2, false),
    ("member_of", 0, 1, 8, true),
    ("member_of", 2, 1, 8, true),
    ("led_by", 1, 2, 3, true),
    ("led_by", 5, 2, 1, true),
    ("located_in", 4, 0, 4, false),
    ("located_in", 3, 4, 6, false),
    ("located_in", 1, 4, 2, false),
    ("part_of", 3, 5, 3, false),
    ("part_of", 6, 5, 2, false),
    ("part_of", 6, 3, 2, false),
    ("part_of", 1, 1, 2, true),
    ("part_of", 4, 4, 1, false),
    ("represents", 2, 0, 5, true),
    ("represents", 2, 1, 3, true),
    ("partner_of", 0, 0, 4, true),
];

const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mi", "ra", "te", "xi", "bo", "du", "ne", "sa", "vi", "zu", "or", "an", "el", "di",
];

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize % n.max(1)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The nodes of one label with a Zipf distribution over their popularity
/// ranks (a random permutation of the nodes).
struct Pool {
    /// Node indexes by popularity rank.
    by_rank: Vec<usize>,
    /// Cumulative weights by rank.
    cdf: Vec<f64>,
}

impl Pool {
    fn pick(&self, rng: &mut Rng) -> Option<usize> {
        let total = *self.cdf.last()?;
        let x = rng.unit() * total;
        let rank = self.cdf.partition_point(|c| *c <= x);
        self.by_rank.get(rank.min(self.by_rank.len() - 1)).copied()
    }
}

/// Generates a graph of `nodes` nodes and (up to) `edges` edges.
pub fn generate(nodes: usize, edges: usize, seed: u64) -> Generated {
    let mut rng = Rng(seed ^ 0x6B67_5F67_656E);
    let mut g = Generated::default();
    let mut pools: Vec<Pool> = Vec::with_capacity(LABELS.len());
    let mut start = 0usize;
    for (i, (label, prefix, share, exponent)) in LABELS.iter().enumerate() {
        let count = if i + 1 == LABELS.len() {
            nodes.saturating_sub(start)
        } else {
            (nodes * *share as usize / 1000).max(usize::from(nodes >= LABELS.len()))
        };
        let count = count.min(nodes.saturating_sub(start));
        let mut by_rank: Vec<usize> = (start..start + count).collect();
        for k in (1..by_rank.len()).rev() {
            let j = rng.below(k + 1);
            by_rank.swap(k, j);
        }
        let mut cdf = Vec::with_capacity(count);
        let mut acc = 0.0;
        for r in 0..count {
            acc += 1.0 / ((r + 1) as f64).powf(*exponent);
            cdf.push(acc);
        }
        for n in start..start + count {
            let word: String = (0..2 + rng.below(2))
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect();
            let mut word = word;
            if let Some(first) = word.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            let (name, year) = match *label {
                "Organization" => (format!("{word} Institute {n}"), None),
                "Event" => {
                    let y = 2000 + rng.below(26) as i64;
                    (format!("{word} Meeting {y} {n}"), Some(y))
                }
                "Place" => (format!("{word} City {n}"), None),
                "Initiative" => (format!("{word} Initiative {n}"), None),
                "Document" => (format!("{word} Report {n}"), None),
                _ => (format!("{word} {n}"), None),
            };
            g.nodes.push(GenNode {
                id: format!("{prefix}_{n}"),
                label,
                name,
                year,
            });
        }
        pools.push(Pool { by_rank, cdf });
        start += count;
    }
    let total_weight: u32 = RELS.iter().map(|r| r.3).sum();
    let mut seen: HashSet<u64> = HashSet::with_capacity(edges);
    let mut attempts = 0usize;
    while g.edges.len() < edges && attempts < edges.saturating_mul(20) + 1000 {
        attempts += 1;
        let mut w = rng.below(total_weight as usize) as u32;
        let mut k = 0;
        while k + 1 < RELS.len() && w >= RELS[k].3 {
            w -= RELS[k].3;
            k += 1;
        }
        let (rel_type, from, to, _, has_since) = RELS[k];
        let (Some(src), Some(dst)) = (pools[from].pick(&mut rng), pools[to].pick(&mut rng)) else {
            continue;
        };
        if src == dst {
            continue;
        }
        let key = ((src as u64) << 34) ^ ((dst as u64) << 5) ^ k as u64;
        if !seen.insert(key) {
            continue;
        }
        let since = (has_since && rng.unit() < 0.6).then(|| 1990 + rng.below(36) as i64);
        g.edges.push(GenEdge {
            src,
            dst,
            rel_type,
            since,
        });
    }
    g
}

/// The generated graph as a kg graph, mapped as `kg import` maps the CSV
/// files: the node `id` becomes the key and the `id` property, `name` and
/// `year` are properties, the label the only label; `since` is a relation
/// property.
pub fn to_graph(g: &Generated) -> Result<crate::store::Graph, crate::store::StoreError> {
    use crate::store::{Graph, NewEntity};
    use crate::value::{Value, ValueMap};
    let mut graph = Graph::new();
    let mut ids = Vec::with_capacity(g.nodes.len());
    for n in &g.nodes {
        let mut props = ValueMap::default();
        props.insert("id", Value::String(n.id.clone()));
        props.insert("name", Value::String(n.name.clone()));
        if let Some(y) = n.year {
            props.insert("year", Value::Int(y));
        }
        ids.push(graph.add_entity(NewEntity {
            key: Some(n.id.clone()),
            labels: vec![n.label.to_string()],
            props,
            ..NewEntity::default()
        })?);
    }
    let mut order: Vec<&GenEdge> = g.edges.iter().collect();
    order.sort_by_key(|e| e.src);
    for e in order {
        let mut props = ValueMap::default();
        if let Some(s) = e.since {
            props.insert("since", Value::Int(s));
        }
        graph.add_relation(ids[e.src], ids[e.dst], e.rel_type, props, Vec::new())?;
    }
    Ok(graph)
}

/// `kg generate`: writes `nodes.csv` and `edges.csv` into `--out`.
pub fn run(args: &GenerateArgs) -> Result<ExitCode, String> {
    let g = generate(args.nodes, args.edges, args.seed);
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("kg generate: cannot create {}: {e}", args.out.display()))?;
    let write = |name: &str, body: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| {
        let path = args.out.join(name);
        let file = std::fs::File::create(&path)
            .map_err(|e| format!("kg generate: cannot create {}: {e}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        body(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| format!("kg generate: cannot write {}: {e}", path.display()))
    };
    let opt = |v: Option<i64>| v.map(|y| y.to_string()).unwrap_or_default();
    write("nodes.csv", &|w| {
        writeln!(w, "id,label,name,year")?;
        for n in &g.nodes {
            writeln!(w, "{},{},{},{}", n.id, n.label, n.name, opt(n.year))?;
        }
        Ok(())
    })?;
    write("edges.csv", &|w| {
        writeln!(w, "src,dst,type,since")?;
        for e in &g.edges {
            let (Some(a), Some(b)) = (g.nodes.get(e.src), g.nodes.get(e.dst)) else {
                continue;
            };
            writeln!(w, "{},{},{},{}", a.id, b.id, e.rel_type, opt(e.since))?;
        }
        Ok(())
    })?;
    let _ = writeln!(
        crate::output::sink::stderr(),
        "kg generate: {} nodes, {} edges in {}",
        g.nodes.len(),
        g.edges.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_unique_and_skewed() {
        let a = generate(2000, 10_000, 7);
        let b = generate(2000, 10_000, 7);
        assert_eq!(a, b);
        assert_eq!(a.nodes.len(), 2000);
        assert_eq!(a.edges.len(), 10_000);
        let ids: HashSet<&str> = a.nodes.iter().map(|n| n.id.as_str()).collect();
        let names: HashSet<&str> = a.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(ids.len(), 2000);
        assert_eq!(names.len(), 2000);
        let triples: HashSet<(usize, usize, &str)> =
            a.edges.iter().map(|e| (e.src, e.dst, e.rel_type)).collect();
        assert_eq!(triples.len(), a.edges.len());
        assert!(a.edges.iter().all(|e| e.src != e.dst));
        // Label pairs follow the table.
        for e in &a.edges {
            let pair = (a.nodes[e.src].label, a.nodes[e.dst].label);
            assert!(
                RELS.iter()
                    .any(|r| r.0 == e.rel_type && (LABELS[r.1].0, LABELS[r.2].0) == pair),
                "{pair:?} {}",
                e.rel_type
            );
        }
        // Skew: the busiest country has far more than the average degree.
        let mut degree = vec![0usize; 2000];
        for e in &a.edges {
            degree[e.src] += 1;
            degree[e.dst] += 1;
        }
        let max = a
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.label == "Country")
            .map(|(i, _)| degree[i])
            .max()
            .unwrap_or(0);
        assert!(max > 10 * 10, "max country degree {max}");
        assert!(a
            .nodes
            .iter()
            .all(|n| n.year.is_some() == (n.label == "Event")));
        assert!(a.edges.iter().any(|e| e.since.is_some()));
    }
}
