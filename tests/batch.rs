//! `kg batch`: one answer line per request, errors and timeouts reported in
//! the answer, and the loop going on after them.

use std::io::Write;
use std::process::{Command, Stdio};

fn batch(input: &str) -> Vec<serde_json::Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kg"))
        .arg("batch")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kg runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write requests");
    let out = child.wait_with_output().expect("kg ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn ready_then_one_answer_per_request() {
    let lines = batch(
        "{\"id\": \"q1\", \"query\": \"MATCH (c:Country) RETURN count(c) AS n\", \"timeout_ms\": 10000}\n\
         \n\
         {\"id\": 7, \"query\": \"MATCH (c:Country {key: 'morocco'}) RETURN c.name AS name, [1, 2.5, null] AS l\"}\n",
    );
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["ready"], true);
    assert!(lines[0]["load_ms"].as_f64().is_some());
    assert_eq!(lines[1]["id"], "q1");
    assert_eq!(lines[1]["columns"], serde_json::json!(["n"]));
    assert!(lines[1]["rows"][0][0].as_i64().is_some_and(|n| n > 0));
    assert_eq!(lines[1]["error"], serde_json::Value::Null);
    assert_eq!(lines[1]["timeout"], false);
    assert!(lines[1]["exec_ms"].as_f64().is_some());
    assert_eq!(lines[2]["id"], 7);
    assert_eq!(
        lines[2]["rows"],
        serde_json::json!([["Morocco", [1, 2.5, null]]])
    );
}

#[test]
fn errors_and_timeouts_do_not_stop_the_loop() {
    let lines = batch(
        "this is not json\n\
         {\"id\": \"nq\"}\n\
         {\"id\": \"syntax\", \"query\": \"RETURN 1 +\"}\n\
         {\"id\": \"slow\", \"query\": \"MATCH (a), (b), (c), (d), (e) RETURN count(*)\", \"timeout_ms\": 50}\n\
         {\"id\": \"p\", \"query\": \"RETURN $x + 1 AS y\", \"params\": {\"x\": 41}}\n\
         {\"id\": \"bad\", \"query\": \"RETURN 1\", \"timeout_ms\": -3}\n",
    );
    assert_eq!(lines.len(), 7);
    assert!(lines[1]["error"]
        .as_str()
        .is_some_and(|e| e.contains("not JSON")));
    assert_eq!(lines[2]["id"], "nq");
    assert!(lines[2]["error"]
        .as_str()
        .is_some_and(|e| e.contains("query")));
    assert_eq!(lines[3]["id"], "syntax");
    assert!(lines[3]["error"]
        .as_str()
        .is_some_and(|e| e.starts_with("syntax error")));
    assert_eq!(lines[3]["timeout"], false);
    assert_eq!(lines[4]["id"], "slow");
    assert_eq!(lines[4]["timeout"], true);
    assert_eq!(lines[4]["rows"], serde_json::json!([]));
    assert_eq!(lines[5]["rows"], serde_json::json!([[42]]));
    assert!(lines[6]["error"].as_str().is_some());
}

#[test]
fn shortest_path_as_an_expression() {
    let lines = batch(
        "{\"id\": 1, \"query\": \"MATCH (a {key: 'morocco'}), (b {key: 'kuwait'}) RETURN length(shortestPath((a)-[*]-(b))) AS len, length(shortestPath((a)-[*..1]-(b))) AS short\"}\n\
         {\"id\": 2, \"query\": \"RETURN shortestPath((a)-[*]->(b)) AS p\"}\n",
    );
    let len = lines[1]["rows"][0][0].as_i64();
    assert!(len.is_some_and(|n| n >= 1), "{:?}", lines[1]);
    // With at most one hop there may be no path: then null, never an error.
    let short = &lines[1]["rows"][0][1];
    assert!(short.is_null() || short.as_i64() == Some(1), "{short}");
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("`a`")),
        "{:?}",
        lines[2]
    );
}

/// Runs `kg batch ARGS` on the raw bytes `input`; returns the answer lines
/// and the exit code.
fn batch_raw(args: &[&str], input: Vec<u8>) -> (Vec<serde_json::Value>, Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kg"))
        .arg("batch")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kg runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("kg ends");
    let _ = feeder.join();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    (lines, out.status.code(), stderr)
}

/// The error of an answer, or a failure showing the answer.
fn error_of(answer: &serde_json::Value) -> String {
    match answer["error"].as_str() {
        Some(e) => e.to_string(),
        None => panic!("expected an error answer, got {answer}"),
    }
}

#[test]
fn hostile_requests_get_one_error_answer_each_and_the_session_goes_on() {
    // (request line, the field its error must name)
    let hostile: &[(&[u8], &str)] = &[
        (
            br#"{"id": 1, "query": "RETURN 1", "timeout_ms": 1e300}"#,
            "\"timeout_ms\"",
        ),
        (
            br#"{"id": 2, "query": "RETURN 1", "timeout_ms": -1}"#,
            "\"timeout_ms\"",
        ),
        (
            br#"{"id": 3, "query": "RETURN 1", "timeout_ms": 18446744073709551615}"#,
            "\"timeout_ms\"",
        ),
        (
            br#"{"id": 4, "query": "RETURN 1", "timeout_ms": "10"}"#,
            "\"timeout_ms\"",
        ),
        (
            br#"{"id": 5, "query": "RETURN 1", "timeout_ms": 1e400}"#,
            "not JSON",
        ),
        (
            br#"{"id": 6, "query": "RETURN 1", "timeout_ms": NaN}"#,
            "not JSON",
        ),
        (br#"{"id": 7, "query": ["RETURN 1"]}"#, "\"query\""),
        (br#"{"id": 8}"#, "\"query\""),
        (
            br#"{"id": 9, "query": "RETURN $x", "params": [1]}"#,
            "\"params\"",
        ),
        (
            br#"{"id": 10, "query": "RETURN $x", "params": {"x": 9223372036854775808}}"#,
            "parameter `x`",
        ),
        (
            br#"{"id": 11, "query": "RETURN $x", "params": {"x": [1, -99999999999999999999]}}"#,
            "parameter `x` (at x[1])",
        ),
        (br#"{"id": {"a": 1}, "query": "RETURN 1"}"#, "\"id\""),
        (
            br#"{"id": 100000000000000000000, "query": "RETURN 1"}"#,
            "\"id\"",
        ),
        (
            br#"{"id": 14, "query": "RETURN 1", "timeuot_ms": 5}"#,
            "\"timeuot_ms\"",
        ),
        (br#"[{"id": 15, "query": "RETURN 1"}]"#, "JSON object"),
        (br#""RETURN 1""#, "JSON object"),
        (b"{\"id\": 17, \"query\": \"RETURN '\xff'\"}", "UTF-8"),
        (br#"{"id": 18, "query": "RETURN 1""#, "not JSON"),
        (br#"{"id": 19, "query": ""}"#, "syntax"),
    ];
    let mut input = Vec::new();
    for (line, _) in hostile {
        input.extend_from_slice(line);
        input.push(b'\n');
    }
    input.extend_from_slice(b"{\"id\": \"last\", \"query\": \"RETURN 40 + 2 AS n\"}\n");
    let (lines, code, stderr) = batch_raw(&[], input);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(lines.len(), hostile.len() + 2, "{lines:?}");
    assert_eq!(lines[0]["ready"], true);
    for (i, (line, field)) in hostile.iter().enumerate() {
        let answer = &lines[i + 1];
        let error = error_of(answer);
        assert!(
            error.contains(field),
            "{}: the error must name {field}: {error}",
            String::from_utf8_lossy(line)
        );
        assert_eq!(answer["rows"], serde_json::json!([]));
        assert_eq!(answer["timeout"], false);
    }
    // Answers echo the id when it is usable.
    assert_eq!(lines[1]["id"], 1);
    assert_eq!(lines[10]["id"], 10);
    assert_eq!(lines[12]["id"], serde_json::Value::Null);
    let last = lines.last().expect("the last answer");
    assert_eq!(last["id"], "last");
    assert_eq!(last["rows"], serde_json::json!([[42]]));
    assert_eq!(last["error"], serde_json::Value::Null);
}

#[test]
fn a_huge_request_line_is_refused_and_the_next_one_answered() {
    // A 100 MB line (over the default limit of 64 MiB) and a small limit.
    let mut input = Vec::with_capacity(101 << 20);
    input.extend_from_slice(b"{\"id\": 1, \"query\": \"RETURN 1\", \"params\": {\"s\": \"");
    input.resize(input.len() + (100 << 20), b'x');
    input.extend_from_slice(b"\"}}\n{\"id\": 2, \"query\": \"RETURN 2 AS two\"}\n");
    let (lines, code, stderr) = batch_raw(&[], input);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(lines.len(), 3);
    assert!(
        error_of(&lines[1]).contains("--max-request-bytes"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["rows"], serde_json::json!([[2]]));

    let long = format!(
        "{{\"id\": 1, \"query\": \"RETURN '{}'\"}}\n",
        "y".repeat(5000)
    );
    let input = format!("{long}{{\"id\": 2, \"query\": \"RETURN 2\"}}\n").into_bytes();
    let (lines, _, _) = batch_raw(&["--max-request-bytes", "1000"], input);
    assert!(error_of(&lines[1]).contains("bytes long"), "{}", lines[1]);
    assert_eq!(lines[2]["id"], 2);
    assert_eq!(lines[2]["error"], serde_json::Value::Null);
}

#[test]
fn writes_under_snapshot_are_refused_and_the_file_is_unchanged() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("batch-snapshot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let graph = dir.join("g.kgdb");
    let graph_arg = graph.to_str().expect("utf-8 path");
    let made = Command::new(env!("CARGO_BIN_EXE_kg"))
        .args([graph_arg, "-c", "CREATE (:X {i: 1})"])
        .output()
        .expect("kg runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let input = b"{\"id\": 1, \"query\": \"CREATE (:X {i: 2})\"}\n\
                  {\"id\": 2, \"query\": \"MATCH (n:X) SET n.i = 5\"}\n\
                  {\"id\": 3, \"query\": \"MATCH (n:X) RETURN count(n) AS n, sum(n.i) AS s\"}\n"
        .to_vec();
    let (lines, code, stderr) = batch_raw(&["--snapshot", graph_arg], input.clone());
    assert_eq!(code, Some(0), "{stderr}");
    for answer in &lines[1..3] {
        let error = error_of(answer);
        assert!(error.contains("read-only"), "{error}");
        assert!(error.contains("never be saved"), "{error}");
        assert!(error.contains(graph_arg), "{error}");
    }
    assert_eq!(lines[3]["rows"], serde_json::json!([[1, 1]]));
    // A second session sees the file as it was.
    let (lines, _, _) = batch_raw(&["--snapshot", graph_arg], input);
    assert_eq!(lines[3]["rows"], serde_json::json!([[1, 1]]));
}
