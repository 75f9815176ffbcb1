//! `kg batch`: a JSON-lines request/response loop over one loaded graph, for
//! benchmark harnesses and other programs.
//!
//! On start the graph is loaded and one line `{"ready": true, "load_ms": N}`
//! is printed. Then each input line is a request
//! `{"id": ..., "query": "...", "timeout_ms": N, "params": {...}}` (only
//! `query` is required) and gets exactly one answer line
//! `{"id", "columns", "rows", "exec_ms", "error", "timeout"}`, flushed at
//! once. A request that fails (bad JSON, a syntax error, a timeout) is
//! answered with `error` set and the loop goes on. Values in `rows` are
//! rendered as by `--format json`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::engine::{Engine, RunOptions};
use crate::error::ErrorKind;
use crate::eval::Params;
use crate::output::json::{push_string, to_json};
use crate::store::Graph;
use crate::value::Value;

/// The arguments of `kg batch`.
#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// The graph to load (a graph file); the built-in seed graph when absent.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// Refuse statements that write.
    #[arg(long)]
    pub readonly: bool,
}

/// `kg batch`: loads the graph, then answers requests from standard input
/// until it ends.
pub fn run(args: &BatchArgs) -> Result<ExitCode, String> {
    let started = Instant::now();
    let graph = load(args.snapshot.as_deref())?;
    crate::trace::phase("batch: graph loaded", started);
    // Build the traversal layout now, as part of loading, rather than in
    // the first query.
    if graph.relation_count() >= crate::engine::ADJACENCY_MIN_RELATIONS {
        graph.prepare_adjacency();
    }
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    crate::trace::phase("batch: adjacency built", started);
    let mut engine = Engine::with_graph(graph);
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let say = |out: &mut std::io::StdoutLock<'_>, line: &str| -> Result<(), String> {
        out.write_all(line.as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush())
            .map_err(|e| format!("kg batch: cannot write the answer: {e}"))
    };
    say(
        &mut out,
        &format!("{{\"ready\":true,\"load_ms\":{}}}", round3(load_ms)),
    )?;
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| format!("kg batch: cannot read a request: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = answer(&mut engine, &line, args.readonly);
        say(&mut out, &answer)?;
    }
    // The process ends here and nothing is saved (batch graphs are held in
    // memory only): freeing a big graph piece by piece would only delay
    // the exit (about a second for ten million relations).
    std::mem::forget(engine);
    Ok(ExitCode::SUCCESS)
}

/// Loads the graph `kg batch` serves.
fn load(path: Option<&Path>) -> Result<Graph, String> {
    crate::db::read_graph(path)
}

fn round3(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// The answer line for one request line.
pub fn answer(engine: &mut Engine, line: &str, readonly: bool) -> String {
    let request: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            return failure(
                &serde_json::Value::Null,
                &format!("the request is not JSON: {e}"),
                false,
                0.0,
            )
        }
    };
    let id = request
        .get("id")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    let Some(query) = request.get("query").and_then(|q| q.as_str()) else {
        return failure(&id, "the request has no \"query\" string", false, 0.0);
    };
    let timeout = match request.get("timeout_ms") {
        None | Some(serde_json::Value::Null) => None,
        // A limit so far off that no clock can hold its deadline is refused
        // like a negative one (converting it would panic).
        Some(t) => match t
            .as_f64()
            .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
            .filter(|d| Instant::now().checked_add(*d).is_some())
        {
            Some(d) => Some(d),
            None => return failure(
                &id,
                "\"timeout_ms\" must be a non-negative number of milliseconds, below about 9e21",
                false,
                0.0,
            ),
        },
    };
    let params = match request.get("params") {
        None | Some(serde_json::Value::Null) => Params::new(),
        Some(serde_json::Value::Object(m)) => {
            m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()
        }
        Some(_) => return failure(&id, "\"params\" must be an object", false, 0.0),
    };
    let options = RunOptions {
        timeout,
        readonly,
        ..RunOptions::default()
    };
    let started = Instant::now();
    let result = engine.run_with(query, &params, &options);
    let exec_ms = round3(started.elapsed().as_secs_f64() * 1000.0);
    match result {
        Ok(r) => {
            let mut out = String::from("{\"id\":");
            out.push_str(&id.to_string());
            out.push_str(",\"columns\":[");
            for (i, c) in r.columns.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_string(c, &mut out);
            }
            out.push_str("],\"rows\":[");
            let graph = engine.graph();
            for (i, row) in r.rows.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                for (j, v) in row.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push_str(&to_json(graph, v));
                }
                out.push(']');
            }
            out.push_str(&format!(
                "],\"exec_ms\":{exec_ms},\"error\":null,\"timeout\":false}}"
            ));
            out
        }
        Err(e) => failure(&id, &e.to_string(), e.kind == ErrorKind::Timeout, exec_ms),
    }
}

fn failure(id: &serde_json::Value, message: &str, timeout: bool, exec_ms: f64) -> String {
    let mut out = String::from("{\"id\":");
    out.push_str(&id.to_string());
    out.push_str(",\"columns\":[],\"rows\":[],\"exec_ms\":");
    out.push_str(&exec_ms.to_string());
    out.push_str(",\"error\":");
    push_string(message, &mut out);
    out.push_str(&format!(",\"timeout\":{timeout}}}"));
    out
}

/// A request parameter as a kg value (objects become maps, in their order).
fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::List(a.iter().map(from_json).collect()),
        serde_json::Value::Object(m) => {
            Value::Map(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}
