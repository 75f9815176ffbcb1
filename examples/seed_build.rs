//! Times building the seed graph (parse + load) from the embedded fact file.
//!
//! `cargo run --release --example seed_build [N]` (target: under 2 ms a build).

use std::time::{Duration, Instant};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let mut times: Vec<Duration> = Vec::with_capacity(n);
    let mut entities = 0;
    for _ in 0..n.max(1) {
        let start = Instant::now();
        match kg::facts::seed_graph() {
            Ok(g) => entities = g.entity_count(),
            Err(errors) => {
                eprintln!("the seed does not load: {} errors", errors.len());
                std::process::exit(1);
            }
        }
        times.push(start.elapsed());
    }
    times.sort();
    let total: Duration = times.iter().sum();
    let mean = total / times.len() as u32;
    let median = times[times.len() / 2];
    let min = times[0];
    println!(
        "seed graph ({entities} entities, {} bytes): {} builds, min {:.3} ms, median {:.3} ms, mean {:.3} ms",
        kg::facts::SEED.len(),
        times.len(),
        min.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3
    );
}
