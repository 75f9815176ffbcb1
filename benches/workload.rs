//! The bench harness's ten workload queries (../shared/bench, Q1–Q10) over a
//! generated graph of 20,000 nodes and 100,000 edges (or the CSV files in
//! `KG_BENCH_DATA`), through the whole pipeline (parse, plan, execute).
//! `cargo bench --bench workload`.

use std::sync::{Mutex, OnceLock};

use kg::engine::Engine;
use kg::eval::Params;

mod common;

/// The engine and the workload's runs with their texts.
type State = (Engine, Vec<(String, String)>);

fn setup() -> &'static Mutex<State> {
    static S: OnceLock<Mutex<State>> = OnceLock::new();
    S.get_or_init(|| {
        let (g, ends) = common::graph_and_ends(20_000, 100_000);
        Mutex::new((Engine::with_graph(g), common::queries(&ends)))
    })
}

const RUNS: [&str; 15] = [
    "Q1", "Q2.hub", "Q2.mid", "Q3.hub", "Q3.mid", "Q4.hub", "Q4.mid", "Q5.hub", "Q5.mid", "Q6",
    "Q7", "Q8", "Q9", "Q10.hub", "Q10.mid",
];

#[divan::bench(args = RUNS, sample_count = 10)]
fn query(bencher: divan::Bencher, run: &str) {
    let mut s = setup().lock().expect("not poisoned");
    let text =
        s.1.iter()
            .find(|(id, _)| id == run)
            .map(|(_, t)| t.clone())
            .expect("a workload run");
    let params = Params::new();
    bencher.bench_local(|| {
        let r = s.0.run(&text, &params).expect("the query runs");
        divan::black_box(r.rows.len())
    });
}

fn main() {
    divan::main();
}
