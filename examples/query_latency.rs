//! Times every query of the `examples/*.kgq` scripts on the seed graph
//! (parse, check, plan and execute; output formatting excluded).
//!
//! `cargo run --release --example query_latency [RUNS]` (target: each under 1 ms).

use std::time::Instant;

use kg::script::{split, PieceKind};
use kg::{Engine, Params};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let graph = match kg::facts::seed_graph() {
        Ok(g) => g,
        Err(errors) => {
            eprintln!("the seed graph does not load: {} errors", errors.len());
            std::process::exit(1);
        }
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    scripts.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "kgq"));
    scripts.sort();
    let mut engine = Engine::with_graph(graph);
    let params = Params::new();
    println!(
        "{:<34} {:>10} {:>10} {:>6}",
        "query", "min ms", "median ms", "rows"
    );
    for path in scripts {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for piece in split(&text)
            .into_iter()
            .filter(|p| p.kind == PieceKind::Statement)
        {
            let mut times = Vec::with_capacity(runs);
            let mut rows = 0;
            for _ in 0..runs {
                let start = Instant::now();
                match engine.run(&piece.text, &params) {
                    Ok(r) => rows = r.rows.len(),
                    Err(e) => {
                        eprintln!("{}", e.render(&path.display().to_string(), &piece.text));
                        std::process::exit(1);
                    }
                }
                times.push(start.elapsed().as_secs_f64() * 1e3);
            }
            times.sort_by(f64::total_cmp);
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            println!(
                "{name:<34} {:>10.4} {:>10.4} {rows:>6}",
                times[0],
                times[times.len() / 2]
            );
        }
    }
}
