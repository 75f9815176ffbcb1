//! Shared code of the workload benchmarks: the graph (generated, or the
//! bench harness's CSV files), the workload's parameters and query texts.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use kg::store::{EntityId, Graph, NewEntity};
use kg::value::{Value, ValueMap};

/// The portable openCypher workload (a copy of ../shared/bench/queries/cypher.txt).
pub const WORKLOAD: &str = include_str!("workload.cypher");

/// A node the workload starts from: label and `id` property.
#[derive(Debug, Clone)]
pub struct Ends {
    pub hub: (String, String),
    pub mid: (String, String),
    pub name: String,
    pub src: (String, String),
    pub dst: (String, String),
}

/// The graph of `KG_BENCH_DATA` (a directory with nodes.csv, edges.csv and
/// params.json made by the harness's gen.py), else a generated one.
pub fn graph_and_ends(nodes: usize, edges: usize) -> (Graph, Ends) {
    match std::env::var_os("KG_BENCH_DATA") {
        Some(dir) => {
            let dir = Path::new(&dir);
            let g = load_csv(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let ends = read_params(dir).unwrap_or_else(|| compute_ends(&g));
            (g, ends)
        }
        None => {
            let g = kg::generate::to_graph(&kg::generate::generate(nodes, edges, 42))
                .expect("a generated graph is valid");
            let ends = compute_ends(&g);
            (g, ends)
        }
    }
}

/// Loads the harness's CSV files (`id,label,name,year`, `src,dst,type,since`)
/// as `kg import` does: id → key and `id` property; edges grouped by source.
pub fn load_csv(dir: &Path) -> Result<Graph, String> {
    let mut g = Graph::new();
    let mut by_id: HashMap<String, EntityId> = HashMap::new();
    let mut r = csv::Reader::from_path(dir.join("nodes.csv")).map_err(|e| e.to_string())?;
    for rec in r.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let (id, label, name, year) = (&rec[0], &rec[1], &rec[2], &rec[3]);
        let mut props = ValueMap::default();
        props.insert("id", Value::String(id.into()));
        props.insert("name", Value::String(name.into()));
        if let Ok(y) = year.parse::<i64>() {
            props.insert("year", Value::Int(y));
        }
        let e = g
            .add_entity(NewEntity {
                key: Some(id.into()),
                labels: vec![label.into()],
                props,
                ..NewEntity::default()
            })
            .map_err(|e| e.to_string())?;
        by_id.insert(id.into(), e);
    }
    let mut r = csv::Reader::from_path(dir.join("edges.csv")).map_err(|e| e.to_string())?;
    let mut edges = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let a = by_id[&rec[0]];
        let b = by_id[&rec[1]];
        edges.push((a, b, rec[2].to_string(), rec[3].parse::<i64>().ok()));
    }
    edges.sort_by_key(|e| e.0);
    for (a, b, t, since) in edges {
        let mut props = ValueMap::default();
        if let Some(s) = since {
            props.insert("since", Value::Int(s));
        }
        g.add_relation(a, b, &t, props, Vec::new())
            .map_err(|e| e.to_string())?;
    }
    Ok(g)
}

fn read_params(dir: &Path) -> Option<Ends> {
    let text = std::fs::read_to_string(dir.join("params.json")).ok()?;
    let p: serde_json::Value = serde_json::from_str(&text).ok()?;
    let pair = |k: &str| -> Option<(String, String)> {
        Some((
            p[k]["label"].as_str()?.to_string(),
            p[k]["id"].as_str()?.to_string(),
        ))
    };
    Some(Ends {
        hub: pair("hub")?,
        mid: pair("mid")?,
        name: p["lookup_name"].as_str()?.to_string(),
        src: pair("path_src")?,
        dst: pair("path_dst")?,
    })
}

fn label_and_id(g: &Graph, e: EntityId) -> (String, String) {
    let ent = g.entity(e).expect("exists");
    let id = match ent.props.get("id") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    (ent.labels[0].clone(), id)
}

/// Picks the workload's parameters as gen.py does (hub, mid, farthest node).
pub fn compute_ends(g: &Graph) -> Ends {
    let id_of = |e: EntityId| label_and_id(g, e).1;
    let hub = g
        .entities_with_label("Country")
        .max_by(|a, b| {
            g.degree(*a)
                .cmp(&g.degree(*b))
                .then_with(|| id_of(*b).cmp(&id_of(*a)))
        })
        .expect("a country");
    let mut orgs: Vec<(usize, String, EntityId)> = g
        .entities_with_label("Organization")
        .filter(|o| g.outgoing(*o).any(|r| &*r.rel_type == "participates_in"))
        .map(|o| (g.degree(o), id_of(o), o))
        .collect();
    orgs.sort();
    let mid = orgs[orgs.len() / 2].2;
    let mut dist: HashMap<EntityId, usize> = HashMap::from([(mid, 0)]);
    let mut queue = VecDeque::from([mid]);
    while let Some(n) = queue.pop_front() {
        let d = dist[&n];
        for r in g.outgoing(n) {
            dist.entry(r.to).or_insert_with(|| {
                queue.push_back(r.to);
                d + 1
            });
        }
    }
    let far = dist
        .iter()
        .map(|(n, d)| (*d, std::cmp::Reverse(id_of(*n)), *n))
        .max()
        .expect("mid is reached")
        .2;
    let name = match g.entity(mid).and_then(|e| e.props.get("name")) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    Ends {
        hub: label_and_id(g, hub),
        mid: label_and_id(g, mid),
        name,
        src: label_and_id(g, mid),
        dst: label_and_id(g, far),
    }
}

/// The workload's runs (`Q1`, `Q2.hub`, `Q2.mid`, ...) with their query texts.
pub fn queries(ends: &Ends) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, String)> = None;
    let mut blocks = Vec::new();
    for line in WORKLOAD.lines() {
        if let Some(id) = line.strip_prefix("-- ") {
            if let Some(c) = cur.take() {
                blocks.push(c);
            }
            cur = Some((id.trim().to_string(), String::new()));
        } else if line.starts_with('#') || line.trim().is_empty() {
            continue;
        } else if let Some((_, text)) = &mut cur {
            text.push_str(line);
            text.push('\n');
        }
    }
    blocks.extend(cur);
    for (id, text) in blocks {
        let bind = |t: &str, start: Option<&(String, String)>| {
            let mut t = t
                .replace("{{name}}", &ends.name)
                .replace("{{src_label}}", &ends.src.0)
                .replace("{{src_id}}", &ends.src.1)
                .replace("{{dst_label}}", &ends.dst.0)
                .replace("{{dst_id}}", &ends.dst.1);
            if let Some((l, i)) = start {
                t = t.replace("{{start_label}}", l).replace("{{start_id}}", i);
            }
            t
        };
        if text.contains("{{start_id}}") {
            out.push((format!("{id}.hub"), bind(&text, Some(&ends.hub))));
            out.push((format!("{id}.mid"), bind(&text, Some(&ends.mid))));
        } else {
            out.push((id, bind(&text, None)));
        }
    }
    out
}

/// Resident memory now and at its peak, in MB (Linux; 0 elsewhere).
pub fn rss_mb() -> (f64, f64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
