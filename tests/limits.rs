//! Per-statement resource limits (issue 14, items 11 and 13): a memory
//! budget that ends a statement cleanly instead of aborting the process,
//! time limits and cancellation that reach inside long expressions, and
//! `UNWIND range(...)` without building the list. Elapsed-time bounds here
//! are hang guards, not speed claims.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kg::shell::session::Session;
use kg::{Engine, ErrorKind, Params, RunOptions, Value};

const MB: u64 = 1 << 20;

fn memory(bytes: u64) -> RunOptions {
    RunOptions {
        max_memory: Some(bytes),
        ..RunOptions::default()
    }
}

fn time(ms: u64) -> RunOptions {
    RunOptions {
        timeout: Some(Duration::from_millis(ms)),
        ..RunOptions::default()
    }
}

fn fails(e: &mut Engine, query: &str, options: &RunOptions) -> (kg::Error, Duration) {
    let start = Instant::now();
    let err = e
        .run_with(query, &Params::new(), options)
        .expect_err("the statement must be stopped");
    (err, start.elapsed())
}

fn rows(e: &mut Engine, query: &str, options: &RunOptions) -> Vec<Vec<Value>> {
    e.run_with(query, &Params::new(), options)
        .unwrap_or_else(|err| panic!("{query}: {err}"))
        .rows
}

/// A hang guard for statements that should stop within milliseconds.
const PROMPTLY: Duration = Duration::from_secs(5);

#[test]
fn string_doubling_ends_with_a_memory_error() {
    let mut e = Engine::new();
    let (err, took) = fails(
        &mut e,
        "RETURN size(reduce(s = 'x', i IN range(1, 31) | s + s))",
        &memory(64 * MB),
    );
    assert_eq!(err.kind, ErrorKind::MemoryLimit, "{err}");
    assert!(err.message.contains("more than 64 MB"), "{}", err.message);
    assert!(err.span.is_some(), "the error points at the concatenation");
    assert!(took < PROMPTLY, "{took:?}");
    // Below the budget the same shape of query still runs.
    assert_eq!(
        rows(
            &mut e,
            "RETURN size(reduce(s = 'x', i IN range(1, 10) | s + s))",
            &memory(64 * MB)
        ),
        vec![vec![Value::Int(1024)]]
    );
}

#[test]
fn a_sorted_limit_keeps_only_its_rows() {
    // ORDER BY ... LIMIT keeps the best rows in a bounded buffer (the
    // optimizer's top_k rule): two million rows fit in a 16 MB budget.
    let mut e = Engine::new();
    let q = "UNWIND range(1, 2000000) AS i RETURN i ORDER BY -i SKIP 1 LIMIT 2";
    assert_eq!(
        rows(&mut e, q, &memory(16 * MB)),
        vec![vec![Value::Int(1_999_999)], vec![Value::Int(1_999_998)]]
    );
    // The plan as built sorts every row, which the budget refuses.
    let plain = RunOptions {
        no_optimize: true,
        ..memory(16 * MB)
    };
    let (err, _) = fails(&mut e, q, &plain);
    assert_eq!(err.kind, ErrorKind::MemoryLimit, "{err}");
}

#[test]
fn list_building_is_held_to_the_budget() {
    let mut e = Engine::new();
    for query in [
        // A list doubling itself.
        "RETURN size(reduce(l = [1], i IN range(1, 40) | l + l))",
        // A materialised range too big for the budget.
        "RETURN size(range(1, 100000000))",
        // A comprehension of big lists.
        "RETURN size([x IN range(1, 1000) | range(1, 100000)])",
        // A huge collect.
        "UNWIND range(1, 100000000) AS i RETURN size(collect(i))",
        // A sort buffer (every row is kept: no LIMIT).
        "UNWIND range(1, 10000000) AS i RETURN i ORDER BY -i SKIP 9999999",
        // DISTINCT keeps every key it has seen.
        "UNWIND range(1, 10000000) AS i WITH DISTINCT toString(i) AS s RETURN count(s)",
        // Grouping keeps every group.
        "UNWIND range(1, 10000000) AS i RETURN i % 5000000 AS k, count(*) AS n ORDER BY n LIMIT 1",
        // split() into one string per character.
        "RETURN size(split(reduce(s = 'ab', i IN range(1, 22) | s + s), ''))",
        // replace() that multiplies a string.
        "WITH reduce(s = 'ab', i IN range(1, 16) | s + s) AS s RETURN size(replace(s, 'a', s))",
    ] {
        let (err, took) = fails(&mut e, query, &memory(64 * MB));
        assert_eq!(err.kind, ErrorKind::MemoryLimit, "{query}: {err}");
        assert!(took < Duration::from_secs(60), "{query}: {took:?}");
    }
}

/// What is only passed through, or seen again, is not charged: many rows
/// with few distinct values fit in a small budget.
#[test]
fn repeated_values_are_charged_once() {
    let mut e = Engine::new();
    for (query, answer) in [
        (
            "UNWIND range(1, 4000000) AS i RETURN count(DISTINCT i % 3) AS n",
            3,
        ),
        (
            "UNWIND range(1, 4000000) AS i WITH DISTINCT i % 5 AS k RETURN count(*) AS n",
            5,
        ),
        (
            "UNWIND range(1, 4000000) AS i WITH i % 2 AS k, count(*) AS c RETURN count(*) AS n",
            2,
        ),
        (
            "UNWIND range(1, 4000000) AS i RETURN size(collect(CASE WHEN i % 1000000 = 0 THEN i END)) AS n",
            4,
        ),
    ] {
        assert_eq!(
            rows(&mut e, query, &memory(64 * MB)),
            vec![vec![Value::Int(answer)]],
            "{query}"
        );
    }
}

#[test]
fn a_cartesian_product_collected_hits_the_budget() {
    let mut e = Engine::new();
    rows(
        &mut e,
        "UNWIND range(1, 200) AS i CREATE (:N {i: i})",
        &RunOptions::default(),
    );
    let (err, _) = fails(
        &mut e,
        "MATCH (a:N), (b:N), (c:N) RETURN size(collect([a.i, b.i, c.i]))",
        &memory(64 * MB),
    );
    assert_eq!(err.kind, ErrorKind::MemoryLimit, "{err}");
    let (err, took) = fails(
        &mut e,
        "MATCH (a), (b), (c), (d) RETURN count(*)",
        &time(100),
    );
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(took < PROMPTLY, "{took:?}");
}

#[test]
fn unwind_range_streams() {
    let mut e = Engine::new();
    let start = Instant::now();
    let r = rows(
        &mut e,
        "UNWIND range(1, 100000000) AS i RETURN i LIMIT 3",
        &memory(16 * MB),
    );
    assert_eq!(
        r,
        vec![
            vec![Value::Int(1)],
            vec![Value::Int(2)],
            vec![Value::Int(3)]
        ]
    );
    assert!(start.elapsed() < PROMPTLY, "{:?}", start.elapsed());
    // The streamed range gives what the list gives, steps and edges included.
    for args in [
        "1, 10",
        "10, 1, -3",
        "0, 0",
        "5, 1",
        "1, 5, -1",
        "-9223372036854775808, -9223372036854775806",
        "9223372036854775805, 9223372036854775807, 2",
        "1, null",
    ] {
        let streamed = rows(
            &mut e,
            &format!("UNWIND range({args}) AS i RETURN collect(i) AS l"),
            &RunOptions::default(),
        );
        let listed = rows(
            &mut e,
            &format!("WITH range({args}) AS r UNWIND r AS i RETURN collect(i) AS l"),
            &RunOptions::default(),
        );
        assert_eq!(streamed, listed, "range({args})");
    }
    // Bad arguments fail as they do for the list.
    for (args, kind) in [
        ("1, 'x'", ErrorKind::Argument),
        ("1, 10, 0", ErrorKind::Argument),
        ("1.5, 3", ErrorKind::Argument),
    ] {
        let (err, _) = fails(
            &mut e,
            &format!("UNWIND range({args}) AS i RETURN i"),
            &RunOptions::default(),
        );
        assert_eq!(err.kind, kind, "range({args}): {err}");
        let (listed, _) = fails(
            &mut e,
            &format!("RETURN range({args})"),
            &RunOptions::default(),
        );
        assert_eq!(err.code, listed.code, "range({args})");
    }
}

#[test]
fn timeouts_reach_inside_long_expressions() {
    let mut e = Engine::new();
    for query in [
        "UNWIND range(1, 1000000000000) AS i RETURN count(*)",
        "RETURN size(range(1, 100000000))",
        "RETURN size([x IN range(1, 30000000) | x * 2])",
        "RETURN reduce(s = 0, i IN range(1, 30000000) | s + i)",
        "RETURN all(x IN range(1, 30000000) WHERE x > 0)",
        "UNWIND range(1, 3000000) AS i RETURN i ORDER BY -i LIMIT 1",
        "RETURN size(reduce(s = 'x', i IN range(1, 40) | s + s))",
    ] {
        let (err, took) = fails(&mut e, query, &time(100));
        assert_eq!(err.kind, ErrorKind::Timeout, "{query}: {err}");
        assert!(took < PROMPTLY, "{query}: {took:?}");
    }
}

#[test]
fn cancellation_reaches_inside_long_expressions() {
    let mut e = Engine::new();
    let flag = Arc::new(AtomicBool::new(false));
    let options = RunOptions {
        cancel: Some(Arc::clone(&flag)),
        ..RunOptions::default()
    };
    let setter = {
        let flag = Arc::clone(&flag);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            flag.store(true, Ordering::SeqCst);
        })
    };
    let (err, took) = fails(
        &mut e,
        "RETURN reduce(s = 0, i IN range(1, 50000000) | s + i)",
        &options,
    );
    let _ = setter.join();
    assert_eq!(err.kind, ErrorKind::Cancelled, "{err}");
    assert!(took < PROMPTLY, "{took:?}");
}

#[test]
fn regex_bombs_end_cleanly() {
    let mut e = Engine::new();
    let (err, _) = fails(
        &mut e,
        "RETURN 'a' =~ '((a{100}){100}){100}'",
        &RunOptions::default(),
    );
    assert_eq!(err.kind, ErrorKind::Argument, "{err}");
    // Backtracking classics over a long string: linear, so quick.
    let start = Instant::now();
    let r = rows(
        &mut e,
        "WITH reduce(s = 'a', i IN range(1, 20) | s + s) AS s \
         RETURN s =~ '(a+)+b' AS x, s =~ '(a|aa)*c' AS y, s =~ '(.*a){20}x' AS z",
        &time(30_000),
    );
    assert_eq!(
        r,
        vec![vec![
            Value::Bool(false),
            Value::Bool(false),
            Value::Bool(false)
        ]]
    );
    assert!(start.elapsed() < Duration::from_secs(30));
}

/// The same statements give the same answers with a tight-enough budget,
/// with a time limit, and with no limits at all.
#[test]
fn results_are_unchanged_under_limits() {
    let graph = kg::facts::seed_graph().expect("the seed graph loads");
    let mut e = Engine::with_graph(graph);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut queries: Vec<String> = Vec::new();
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .expect("the examples directory")
        .filter_map(|d| d.ok().map(|d| d.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "kgq"))
        .collect();
    scripts.sort();
    for path in scripts {
        let text = std::fs::read_to_string(&path).expect("an example script");
        for piece in kg::script::split(&text) {
            if piece.kind == kg::script::PieceKind::Statement {
                queries.push(piece.text);
            }
        }
    }
    assert!(!queries.is_empty(), "the examples have statements");
    queries.extend(
        [
            "MATCH (n) RETURN labels(n) AS l, count(*) AS c ORDER BY c DESC, l",
            "MATCH (n) WITH DISTINCT labels(n) AS l RETURN l ORDER BY l",
            "MATCH (n) RETURN collect(n.name)[0..5] AS names",
            "MATCH (a)-[r]->(b) RETURN type(r) AS t, count(*) AS c ORDER BY t",
            "UNWIND range(1, 1000) AS i RETURN sum(i), collect(i % 7)[0..10]",
            "RETURN [x IN range(1, 20) WHERE x % 3 = 0 | x * x] AS l",
            "RETURN reduce(s = '', w IN split('a b c d', ' ') | s + w + '-') AS s",
            "RETURN replace('banana', 'a', 'oo'), split('a,b,,c', ','), split('abc', '')",
            "UNWIND range(10, 1, -2) AS i RETURN i ORDER BY i",
            "UNWIND [3, 1, 2, 3, 1] AS x RETURN DISTINCT x ORDER BY x",
            "RETURN [1, 2] + [3] + 4 AS l, 'n' + 1 AS s",
        ]
        .map(String::from),
    );
    let unlimited = memory(u64::MAX);
    let limited = RunOptions {
        max_memory: Some(256 * MB),
        timeout: Some(Duration::from_secs(60)),
        ..RunOptions::default()
    };
    for q in &queries {
        let a = rows(&mut e, q, &unlimited);
        let b = rows(&mut e, q, &limited);
        let c = rows(&mut e, q, &RunOptions::default());
        assert_eq!(a, b, "{q}");
        assert_eq!(a, c, "{q}");
    }
}

#[test]
fn the_shell_sets_its_limits() {
    let mut s = Session::new(Engine::new());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let script = ":set max-memory 64MB\n\
                  RETURN size(reduce(s = 'x', i IN range(1, 31) | s + s));\n";
    let r = s.run_script("t", script, false, &mut out, &mut err);
    let err_text = String::from_utf8_lossy(&err);
    assert!(r.is_err());
    assert!(err_text.contains("more than 64 MB"), "{err_text}");
    assert_eq!(s.max_memory, Some(64 * MB));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let script = ":set timeout 100ms\nUNWIND range(1, 1000000000000) AS i RETURN count(*);\n";
    let start = Instant::now();
    let r = s.run_script("t", script, false, &mut out, &mut err);
    assert!(r.is_err());
    assert!(start.elapsed() < PROMPTLY);
    let err_text = String::from_utf8_lossy(&err);
    assert!(err_text.contains("time limit (100 ms)"), "{err_text}");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    s.run_script("t", ":set", false, &mut out, &mut err)
        .expect(":set shows the limits");
    let shown = String::from_utf8_lossy(&out);
    assert!(shown.contains("timeout: 100 ms"), "{shown}");
    assert!(shown.contains("max-memory: 64 MB"), "{shown}");
}

fn kg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kg"))
}

#[test]
fn the_command_line_reports_limits_instead_of_aborting() {
    let start = Instant::now();
    let out = kg()
        .args([
            "--max-memory",
            "64MB",
            "-c",
            "RETURN size(reduce(s = 'x', i IN range(1, 31) | s + s))",
        ])
        .output()
        .expect("kg runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("needs more than 64 MB") && stderr.contains("--max-memory"),
        "{stderr}"
    );
    let out = kg()
        .args([
            "--timeout",
            "100ms",
            "-c",
            "UNWIND range(1, 1000000000000) AS i RETURN count(*)",
        ])
        .output()
        .expect("kg runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("time limit"), "{stderr}");
    assert!(start.elapsed() < Duration::from_secs(30));
    let out = kg()
        .args(["--max-memory", "lots", "-c", "RETURN 1"])
        .output()
        .expect("kg runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a memory size"));
}

/// Under an address-space cap (`ulimit -v`), the default budget is a share
/// of the cap: the doubling ends with an error, not an abort (SIGABRT, 134).
#[cfg(target_os = "linux")]
#[test]
fn an_address_space_cap_lowers_the_default_budget() {
    if Command::new("sh").arg("-c").arg("true").status().is_err() {
        println!("skipped: no sh to set ulimit -v");
        return;
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4000000 && exec \"$0\" -c \"$1\"")
        .arg(env!("CARGO_BIN_EXE_kg"))
        .arg("RETURN size(reduce(s = 'x', i IN range(1, 33) | s + s))")
        .output()
        .expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("memory limit"), "{stderr}");
}

#[test]
fn batch_applies_its_default_limits() {
    let mut child = kg()
        .args(["batch", "--timeout", "100ms", "--max-memory", "64MB"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kg batch starts");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        let requests = [
            r#"{"id":1,"query":"UNWIND range(1, 1000000000000) AS i RETURN count(*)"}"#,
            r#"{"id":2,"query":"RETURN size(reduce(s = 'x', i IN range(1, 31) | s + s))","timeout_ms":60000}"#,
            r#"{"id":3,"query":"RETURN 1 AS one"}"#,
        ];
        for r in requests {
            writeln!(stdin, "{r}").expect("a request is written");
        }
    }
    let out = child.wait_with_output().expect("kg batch ends");
    let text = String::from_utf8_lossy(&out.stdout);
    let answers: Vec<serde_json::Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).expect("an answer is JSON"))
        .collect();
    assert_eq!(answers.len(), 3, "{text}");
    assert_eq!(answers[0]["timeout"], true, "{text}");
    let memory_error = answers[1]["error"].as_str().unwrap_or_default();
    assert!(memory_error.contains("more than 64 MB"), "{text}");
    assert_eq!(answers[2]["rows"], serde_json::json!([[1]]), "{text}");
}

/// `kg import` holds its inputs whole: an input larger than the memory kg
/// may use is refused with an error, not read until the process aborts.
#[cfg(target_os = "linux")]
#[test]
fn import_refuses_inputs_larger_than_memory() {
    let dir = std::env::temp_dir().join(format!("kg-limits-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let input = dir.join("huge.jsonl");
    // Sparse: no disk space is used.
    let f = std::fs::File::create(&input).expect("the input is created");
    f.set_len(600 << 20).expect("the input is sized");
    drop(f);
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 600000 && exec \"$0\" import \"$1\" --out \"$2\"")
        .arg(env!("CARGO_BIN_EXE_kg"))
        .arg(&input)
        .arg(dir.join("g.kgdb"))
        .output()
        .expect("sh runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("more than the memory kg may use"),
        "{stderr}"
    );
}
