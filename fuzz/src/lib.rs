//! What the fuzz targets share: the seed graph they query, the caps that
//! keep one input from running away, the AST shape used by the print → parse
//! check, and the scratch files the importers read.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use kg::engine::RunOptions;
use kg::io::read::{import, ImportFailure, ImportOptions, Input, InputFormat};
use kg::store::Graph;
use kg::{Engine, Error, Params, QueryResult, Value};

/// The longest query text the executing targets run (longer inputs are
/// skipped: planning huge queries is known to be slow, see issue 14 item 10).
pub const MAX_EXEC_QUERY: usize = 1024;

/// The time cap of one executed statement (the engine's own timeout).
pub const EXEC_TIMEOUT: Duration = Duration::from_millis(500);

/// The built-in seed graph, loaded once.
pub fn seed_graph() -> &'static Graph {
    static SEED: OnceLock<Graph> = OnceLock::new();
    SEED.get_or_init(|| match kg::facts::seed_graph() {
        Ok(g) => g,
        Err(errors) => panic!("the seed graph does not load: {errors:?}"),
    })
}

/// An engine over a fresh copy of the seed graph (so writes of one input
/// never leak into the next).
pub fn fresh_engine() -> Engine {
    Engine::with_graph(seed_graph().clone())
}

/// A few parameters of every kind, for queries that use `$x`.
pub fn params() -> Params {
    let mut p = Params::new();
    p.insert("x".into(), Value::Int(1));
    p.insert("n".into(), Value::Int(3));
    p.insert("s".into(), Value::String("Morocco".into()));
    p.insert("f".into(), Value::Float(2.5));
    p.insert("b".into(), Value::Bool(true));
    p.insert("nil".into(), Value::Null);
    p.insert(
        "l".into(),
        Value::List(vec![Value::Int(1), Value::String("a".into()), Value::Null]),
    );
    let mut m = kg::value::ValueMap::default();
    m.insert("name", Value::String("Rabat".into()));
    m.insert("k", Value::Int(7));
    p.insert("m".into(), Value::Map(m));
    p
}

/// The run options of an executed statement: the time cap, nothing else.
pub fn capped() -> RunOptions {
    RunOptions {
        timeout: Some(EXEC_TIMEOUT),
        ..RunOptions::default()
    }
}

/// Runs `text` on `engine` with the time cap and renders every value of the
/// result (as JSON and as text), so output code runs on whatever came back.
pub fn run_and_render(
    engine: &mut Engine,
    text: &str,
    options: &RunOptions,
) -> kg::error::Result<QueryResult> {
    let result = engine.run_with(text, &params(), options);
    match &result {
        Ok(r) => {
            let g = engine.graph();
            for row in &r.rows {
                assert_eq!(
                    row.len(),
                    r.columns.len(),
                    "a row's width differs from the columns"
                );
                for v in row {
                    let _ = kg::output::json::to_json(g, v);
                    let _ = kg::output::text::render(g, v);
                }
            }
        }
        Err(e) => check_error(e, text),
    }
    result
}

/// An error about `text` must point inside it and render without panicking.
pub fn check_error(e: &Error, text: &str) {
    if let Some(span) = e.span {
        assert!(
            span.start <= span.end && span.end <= text.len(),
            "error span {span:?} outside a text of {} bytes: {e}",
            text.len()
        );
    }
    assert!(!e.message.is_empty(), "an error without a message");
    let _ = e.render("fuzz", text);
    let _ = e.to_string();
}

/// The AST's debug form without positions and verbatim projection texts:
/// two parses of equivalent text have the same shape.
pub fn shape(s: &kg::syntax::ast::Statement) -> String {
    static PATTERNS: OnceLock<(regex::Regex, regex::Regex)> = OnceLock::new();
    let (spans, texts) = PATTERNS.get_or_init(|| {
        (
            regex::Regex::new(r"span: Span \{ start: \d+, end: \d+ \}").expect("a valid regex"),
            regex::Regex::new(r#"text: "(?:[^"\\]|\\.)*""#).expect("a valid regex"),
        )
    });
    let d = format!("{s:?}");
    let d = spans.replace_all(&d, "");
    texts.replace_all(&d, "").into_owned()
}

/// A directory for this fuzzing process's scratch files (in memory when
/// /dev/shm exists), created empty; remove it when done with it, since
/// libFuzzer's fork mode starts a new process (a new directory) per job.
pub fn scratch_dir() -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("kg-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the scratch directory can be created");
    dir
}

/// One import case decoded from fuzz bytes: the first byte holds option
/// flags, the rest is the node file, then (after the first NUL byte, if
/// any) the relationship file.
///
/// Flags: bit 0 `skip_bad`, bit 1 `strings`, bit 2 roles read from the
/// files instead of given, bit 3 `;` as the field delimiter, bit 4 `|` as
/// the array delimiter, bit 5 import into the seed graph instead of an
/// empty one.
pub fn import_case(data: &[u8], format: InputFormat) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (nodes, edges) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    // Written out in full, but open to options other helpers add.
    #[allow(clippy::needless_update)]
    let opts = ImportOptions {
        skip_bad: flags & 1 != 0,
        strings: flags & 2 != 0,
        delimiter: if flags & 8 != 0 { b';' } else { b',' },
        array_delimiter: if flags & 16 != 0 { b'|' } else { b';' },
        progress: false,
        ..ImportOptions::default()
    };
    let by_header = flags & 4 != 0;
    let dir = scratch_dir();
    let ext = if format == InputFormat::Jsonl {
        "jsonl"
    } else {
        "csv"
    };
    let mut inputs = Vec::new();
    let nodes_path = dir.join(format!("nodes.{ext}"));
    std::fs::write(&nodes_path, nodes).expect("a scratch file can be written");
    let given = if by_header { None } else { Some(format) };
    inputs.push(match (format, by_header) {
        (InputFormat::Jsonl, _) | (_, true) => Input::any(&nodes_path, given),
        _ => Input::nodes(&nodes_path, given),
    });
    if let Some(edges) = edges {
        let edges_path = dir.join(format!("edges.{ext}"));
        std::fs::write(&edges_path, edges).expect("a scratch file can be written");
        inputs.push(match (format, by_header) {
            (InputFormat::Jsonl, _) | (_, true) => Input::any(&edges_path, given),
            _ => Input::edges(&edges_path, given),
        });
    }
    let base = if flags & 32 != 0 {
        seed_graph().clone()
    } else {
        Graph::default()
    };
    let outcome = import(base, &inputs, &opts);
    // Remove the scratch files before anything can panic below.
    let _ = std::fs::remove_dir_all(&dir);
    match outcome {
        Ok((graph, report)) => {
            assert!(
                report.errors.len() <= report.skipped,
                "more errors kept than rows skipped"
            );
            query_imported(graph);
        }
        Err(ImportFailure::Rows { errors, total }) => {
            assert!(
                !errors.is_empty() && errors.len() <= total,
                "{} errors of {total}",
                errors.len()
            );
            let _ = ImportFailure::Rows { errors, total }.to_string();
        }
        Err(failure) => {
            let _ = failure.to_string();
        }
    }
}

/// A graph an importer or decoder accepted must answer queries: every
/// entity, relation and property is read back.
pub fn query_imported(graph: Graph) {
    let mut engine = Engine::with_graph(graph);
    for q in [
        "MATCH (n) RETURN n, labels(n), properties(n) LIMIT 200",
        "MATCH (a)-[r]->(b) RETURN a, type(r), properties(r), b LIMIT 200",
        "MATCH (n) RETURN count(n)",
    ] {
        if let Err(e) = run_and_render(&mut engine, q, &capped()) {
            assert!(
                matches!(e.kind, kg::ErrorKind::Timeout),
                "a query over an accepted graph fails: {e}"
            );
        }
    }
}
