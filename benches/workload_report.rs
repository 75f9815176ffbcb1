//! Runs the bench workload once per query like the harness does (1 warm-up,
//! `KG_RUNS` timed runs, default 5) and prints load time, memory, median and
//! min per query and each answer. Over `KG_BENCH_DATA` (gen.py's CSV files)
//! or a generated graph (`KG_NODES`, `KG_EDGES`).
//! `KG_BENCH_DATA=.../data/medium cargo bench --bench workload_report`.
//! With `KG_SNAPSHOT=FILE` it only writes the graph there as a snapshot.

use std::time::Instant;

use kg::engine::Engine;
use kg::eval::Params;
use kg::value::Value;

mod common;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn summary(rows: &[Vec<Value>]) -> String {
    match rows {
        [row] if row.len() == 1 => format!("{:?}", row[0]),
        _ => format!("{} rows", rows.len()),
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let t = Instant::now();
    let (g, ends) = common::graph_and_ends(env("KG_NODES", 20_000), env("KG_EDGES", 100_000));
    let load = t.elapsed();
    let (rss, peak) = common::rss_mb();
    println!(
        "load {:.2} s, {} nodes, {} edges, RSS {rss:.1} MB, peak {peak:.1} MB",
        load.as_secs_f64(),
        g.entity_count(),
        g.relation_count()
    );
    if let Some(path) = std::env::var_os("KG_SNAPSHOT") {
        // Until `kg import` exists: write the graph as a snapshot for `kg batch`.
        let t = Instant::now();
        kg::db::write_snapshot(&g, std::path::Path::new(&path)).expect("snapshot written");
        println!("snapshot written in {:.2} s", t.elapsed().as_secs_f64());
        return;
    }
    let mut engine = Engine::with_graph(g);
    let runs = env("KG_RUNS", 5);
    let only = std::env::var("KG_QUERIES").ok();
    let params = Params::new();
    for (id, text) in common::queries(&ends) {
        if only.as_ref().is_some_and(|o| {
            !o.split(',')
                .any(|q| q == id || id.starts_with(&format!("{q}.")))
        }) {
            continue;
        }
        let answer = match engine.run(&text, &params) {
            Ok(r) => summary(&r.rows),
            Err(e) => format!("ERROR {e}"),
        };
        let mut times = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let _ = engine.run(&text, &params);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let median = times.get(times.len() / 2).copied().unwrap_or(f64::NAN);
        let min = times.first().copied().unwrap_or(f64::NAN);
        println!("{id:8} median {median:10.3} ms  min {min:10.3} ms  {answer}");
    }
    let (rss, peak) = common::rss_mb();
    println!("end: RSS {rss:.1} MB, peak {peak:.1} MB");
}
