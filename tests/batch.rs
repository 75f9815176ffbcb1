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
