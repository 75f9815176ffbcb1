//! Graph files: opening a graph for the CLI and the shell (the built-in seed,
//! a fact file, or a durable graph file).

use std::path::Path;

use crate::facts;
use crate::store::Graph;

/// Loads a graph for reading: the built-in seed when `path` is `None`,
/// otherwise the fact file at `path`. Errors are ready to print.
pub fn read_graph(path: Option<&Path>) -> Result<Graph, String> {
    match path {
        None => facts::load_named(facts::SEED_NAME, facts::SEED),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("kg: cannot read {}: {e}", p.display()))?;
            facts::load_named(&p.display().to_string(), &text)
        }
    }
}
