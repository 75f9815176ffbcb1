//! `kg batch`: a JSON-lines request/response loop over one loaded graph, for
//! benchmark harnesses and other programs.
//!
//! On start the graph is loaded and one line `{"ready": true, "load_ms": N}`
//! is printed. Then each input line is a request
//! `{"id": ..., "query": "...", "timeout_ms": N, "params": {...}}` (only
//! `query` is required; see [`request`] for what each field may hold) and
//! gets exactly one answer line
//! `{"id", "columns", "rows", "exec_ms", "error", "timeout"}`, flushed at
//! once. A request that fails (not JSON, not UTF-8, too long, a field of the
//! wrong kind, a syntax error, a timeout) is answered with `error` set and
//! the loop goes on. Values in `rows` are rendered as by `--format json`.
//!
//! The graph is held in memory and never saved. So with `--snapshot FILE`
//! (or `--readonly`) statements that write are refused with an error
//! answer, rather than answered as if they had changed FILE; on the
//! built-in seed graph they change this session's copy only.
//!
//! When the reader of the answers goes away, the loop ends quietly (see
//! [`crate::output::sink`]).

pub mod lines;
pub mod request;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::engine::{Engine, RunOptions};
use crate::error::ErrorKind;
use crate::output::json::{push_string, to_json};
use crate::output::sink;
use crate::store::Graph;
use lines::{Line, LineReader};

/// The default longest request line, in bytes (64 MiB).
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 64 << 20;

/// The arguments of `kg batch`.
#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// The graph to serve (a graph file), read-only: statements that write
    /// are refused, since nothing would save them. Default: the built-in
    /// seed graph, in memory.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// Refuse statements that write.
    #[arg(long)]
    pub readonly: bool,
    /// Answer longer request lines with an error instead of reading them.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_REQUEST_BYTES)]
    pub max_request_bytes: usize,
    /// The time limit of requests without `timeout_ms`, e.g. 30s, 5m, off
    /// [default: off].
    #[arg(long, value_name = "DURATION", value_parser = crate::limits::TimeLimit::parse)]
    pub timeout: Option<crate::limits::TimeLimit>,
    /// Stop a request that needs more memory than SIZE (estimated), e.g.
    /// 512MB, 4GB [default: 80% of the memory kg may use].
    #[arg(long, value_name = "SIZE", value_parser = crate::limits::parse_size)]
    pub max_memory: Option<u64>,
}

/// How a `kg batch` session answers: which writes it takes, and its limits.
/// The default takes writes (in memory), with no time limit and the default
/// memory budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// Whether statements that write are refused, and why.
    pub writes: Writes,
    /// The time limit of requests without `timeout_ms`.
    pub timeout: Option<Duration>,
    /// The memory budget of each request (`None`: the default).
    pub max_memory: Option<u64>,
}

/// Why statements that write are refused, if they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writes {
    /// Writes change the in-memory graph (the built-in seed's copy).
    Allowed,
    /// `--readonly`.
    Refused,
    /// `--snapshot FILE`: a write would never reach FILE.
    NotSaved(PathBuf),
}

impl Default for Served {
    fn default() -> Served {
        Served {
            writes: Writes::Allowed,
            timeout: None,
            max_memory: None,
        }
    }
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
    let served = Served {
        writes: match &args.snapshot {
            _ if args.readonly => Writes::Refused,
            Some(path) => Writes::NotSaved(path.clone()),
            None => Writes::Allowed,
        },
        timeout: args.timeout.and_then(|t| t.0),
        max_memory: args.max_memory,
    };
    let mut out = sink::stdout();
    // A failed write is recorded by the sink and reported when kg ends
    // (quietly when the reader has gone).
    let mut say = |mut line: String| -> Result<(), String> {
        line.push('\n');
        out.print(&line)
            .map_err(|e| format!("kg batch: cannot write the answer: {e}"))
    };
    say(format!(
        "{{\"ready\":true,\"load_ms\":{}}}",
        round3(load_ms)
    ))?;
    let stdin = std::io::stdin();
    let mut input = LineReader::new(stdin.lock(), args.max_request_bytes);
    while let Some(line) = input
        .next_line()
        .map_err(|e| format!("kg batch: cannot read a request: {e}"))?
    {
        let answer = match line {
            Line::Text(text) if text.trim().is_empty() => continue,
            Line::Text(text) => answer(&mut engine, &text, &served),
            Line::TooLong { bytes } => failure(
                &serde_json::Value::Null,
                &format!(
                    "the request is {bytes} bytes long, more than --max-request-bytes {}",
                    args.max_request_bytes
                ),
                false,
                0.0,
            ),
            Line::NotUtf8 { at } => failure(
                &serde_json::Value::Null,
                &format!("the request is not UTF-8 text (byte {at} of the line)"),
                false,
                0.0,
            ),
        };
        say(answer)?;
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

/// The answer line for one request line, with writes and limits as
/// `served` says.
pub fn answer(engine: &mut Engine, line: &str, served: &Served) -> String {
    let request::Request {
        id,
        query,
        timeout,
        params,
        optimize,
    } = match request::parse(line) {
        Ok(r) => r,
        Err(refused) => return failure(&refused.id, &refused.message, false, 0.0),
    };
    let options = RunOptions {
        timeout: timeout.or(served.timeout),
        readonly: served.writes != Writes::Allowed,
        max_memory: served.max_memory,
        no_optimize: !optimize,
        ..RunOptions::default()
    };
    let started = Instant::now();
    let result = engine.run_with(&query, &params, &options);
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
        Err(e) => {
            let message = match &served.writes {
                Writes::NotSaved(path) if e.code == READ_ONLY_VIOLATION => format!(
                    "this statement writes, but kg batch --snapshot serves {} read-only: \
                     a change would never be saved; change the graph with \
                     kg {} -c '...' (or :open it in the shell)",
                    path.display(),
                    path.display()
                ),
                _ => e.to_string(),
            };
            failure(&id, &message, e.kind == ErrorKind::Timeout, exec_ms)
        }
    }
}

/// The [`crate::Error::code`] of a write refused in read-only mode.
const READ_ONLY_VIOLATION: &str = "ReadOnlyViolation";

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
