//! Times building the seed graph from the embedded fact file: a full build
//! (parse + load, what the first `seed_graph()` call does) and the copy that
//! later `seed_graph()` calls return.
//!
//! `cargo run --release --example seed_build [N]` (target: a build under 2 ms).

use std::time::{Duration, Instant};

/// Runs `f` `n` times; returns (min, median, mean).
fn time(n: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    let mut times: Vec<Duration> = (0..n.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let total: Duration = times.iter().sum();
    (
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(total) / times.len() as f64,
    )
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let graph = match kg::facts::load(kg::facts::SEED) {
        Ok(g) => g,
        Err(errors) => {
            eprintln!("the seed does not load: {} errors", errors.len());
            std::process::exit(1);
        }
    };
    println!(
        "seed: {} bytes, {} entities, {} relations",
        kg::facts::SEED.len(),
        graph.entity_count(),
        graph.relation_count()
    );
    let report = |what: &str, (min, median, mean): (f64, f64, f64)| {
        println!("{what:<28} {n} runs: min {min:.3} ms, median {median:.3} ms, mean {mean:.3} ms");
    };
    report(
        "parse (text -> AST)",
        time(n, || drop(kg::facts::parse(kg::facts::SEED))),
    );
    let (file, _) = kg::facts::parse(kg::facts::SEED);
    report(
        "load (AST -> graph)",
        time(n, || drop(kg::facts::load::build(&file, kg::facts::SEED))),
    );
    report(
        "build (parse + load)",
        time(n, || drop(kg::facts::load(kg::facts::SEED))),
    );
    report(
        "seed_graph() (cached copy)",
        time(n, || drop(kg::facts::seed_graph())),
    );
}
