//! Wrong answers that fast paths once gave (issue 15), each run where the
//! fast path applies and compared with what the general path answers.

use kg::engine::{Engine, ADJACENCY_MIN_RELATIONS};
use kg::eval::Params;
use kg::value::Value;

/// A graph big enough for the compact adjacency layout (and with it the
/// integer property columns): a chain of `:Link` nodes plus ten `:Iso`
/// nodes without relationships, `v` = 1..10.
fn big_graph() -> Engine {
    let mut e = Engine::with_graph(kg::store::Graph::new());
    let n = ADJACENCY_MIN_RELATIONS + 10;
    e.run(
        &format!(
            "UNWIND range(0, {n}) AS i CREATE (l:Link {{v: i}}) \
             WITH collect(l) AS ls UNWIND range(0, size(ls) - 2) AS i \
             WITH ls[i] AS a, ls[i + 1] AS b CREATE (a)-[:NEXT]->(b)"
        ),
        &Params::new(),
    )
    .expect("chain created");
    e.run(
        "UNWIND range(1, 10) AS i CREATE (:Iso {v: i})",
        &Params::new(),
    )
    .expect("isolated nodes created");
    assert!(e.graph().relation_count() >= ADJACENCY_MIN_RELATIONS);
    e
}

fn count_of(e: &mut Engine, q: &str) -> i64 {
    let r = e
        .run(q, &Params::new())
        .unwrap_or_else(|err| panic!("{q}: {err}"));
    match r.rows.first().and_then(|row| row.last()) {
        Some(Value::Int(n)) => *n,
        other => panic!("{q}: {other:?}"),
    }
}

#[test]
fn reading_a_deleted_node_is_an_error_with_property_columns_too() {
    let mut e = big_graph();
    // A traversal builds the adjacency layout (and with it the columns).
    assert!(count_of(&mut e, "MATCH (a:Link)-->(b) WHERE b.v > 5 RETURN count(*)") > 0);
    assert!(e.graph().adjacency().is_some(), "the fast layout is in use");
    let err = e
        .run(
            "MATCH (n:Iso) DELETE n WITH n WHERE n.v > 5 RETURN count(*)",
            &Params::new(),
        )
        .expect_err("reading a deleted node's property fails");
    assert!(err.to_string().contains("deleted"), "{err}");
    // The failed statement changed nothing.
    assert_eq!(count_of(&mut e, "MATCH (n:Iso) RETURN count(n)"), 10);
    // The same in a comparison whose bitmap is built after many rows.
    let err = e
        .run(
            "MATCH (n:Link) WITH n ORDER BY n.v LIMIT 200 DETACH DELETE n \
             WITH n WHERE n.v >= 0 RETURN count(*)",
            &Params::new(),
        )
        .expect_err("reading deleted nodes fails");
    assert!(err.to_string().contains("deleted"), "{err}");
    assert_eq!(
        count_of(&mut e, "MATCH (n:Link) RETURN count(n)") as usize,
        ADJACENCY_MIN_RELATIONS + 11
    );
}

#[test]
fn reading_a_deleted_node_is_an_error_in_kg_batch() {
    let n = ADJACENCY_MIN_RELATIONS + 10;
    let requests = [
        format!(
            "UNWIND range(0, {n}) AS i CREATE (l:Link {{v: i}}) \
             WITH collect(l) AS ls UNWIND range(0, size(ls) - 2) AS i \
             WITH ls[i] AS a, ls[i + 1] AS b CREATE (a)-[:NEXT]->(b)"
        ),
        "UNWIND range(1, 10) AS i CREATE (:Iso {v: i})".to_string(),
        "MATCH (a:Link)-->(b) RETURN count(*)".to_string(),
        "MATCH (n:Iso) DELETE n WITH n WHERE n.v > 5 RETURN count(*)".to_string(),
        "MATCH (n:Iso) RETURN count(n) AS c".to_string(),
    ];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kg"))
        .arg("batch")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("kg batch runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        for q in &requests {
            let line = serde_json::json!({ "query": q });
            writeln!(stdin, "{line}").expect("request written");
        }
    }
    let out = child.wait_with_output().expect("kg batch ends");
    let text = String::from_utf8_lossy(&out.stdout);
    let answers: Vec<serde_json::Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).expect("a JSON answer"))
        .collect();
    assert_eq!(answers.len(), requests.len(), "{text}");
    for a in &answers[..3] {
        assert!(a["error"].is_null(), "{a}");
    }
    let error = answers[3]["error"].to_string();
    assert!(error.contains("deleted"), "{}", answers[3]);
    assert_eq!(
        answers[4]["rows"][0][0], 10,
        "nothing was deleted: {}",
        answers[4]
    );
}

#[test]
fn counting_rows_evaluates_the_projection_it_counts() {
    let mut e = big_graph();
    for q in [
        "MATCH (a)-->(b) WITH a, b, 1/0 AS z RETURN count(*)",
        "MATCH (a:Link)-->(b) WITH a, b, 1/0 AS z RETURN count(*)",
        "MATCH (a)-->(b) WITH b, toInteger('x') + 1/0 AS z RETURN count(*)",
    ] {
        let err = e.run(q, &Params::new()).expect_err(q);
        assert!(err.to_string().contains("zero"), "{q}: {err}");
        let err = e.run(&format!("PROFILE {q}"), &Params::new()).expect_err(q);
        assert!(err.to_string().contains("zero"), "PROFILE {q}: {err}");
    }
    // A projection of plain variables is still counted without rows, and
    // gives the same count as the plan as built.
    let q = "MATCH (a)-->(b) WITH a, b RETURN count(*)";
    let plain = e
        .run_with(
            q,
            &Params::new(),
            &kg::engine::RunOptions {
                no_optimize: true,
                ..kg::engine::RunOptions::default()
            },
        )
        .expect("counts");
    assert_eq!(plain.rows[0][0], Value::Int(count_of(&mut e, q)));
    let explained = e
        .run(&format!("EXPLAIN {q}"), &Params::new())
        .expect("explains")
        .plan
        .unwrap_or_default();
    assert!(explained.contains("Count expand rows"), "{explained}");
}

#[test]
fn zero_length_bound_never_reaches_the_start_through_a_cycle() {
    let mut e = Engine::with_graph(kg::store::Graph::new());
    e.run("CREATE (c {name: 'c'})-[:R]->(c)", &Params::new())
        .expect("self loop");
    e.run(
        "CREATE (a {name: 'a'})-[:R]->(b {name: 'b'})-[:R]->(d {name: 'd'})-[:R]->(a)",
        &Params::new(),
    )
    .expect("triangle");
    for (start, max) in [("c", 0), ("c", 1), ("a", 0), ("a", 2), ("a", 3)] {
        for dir in ["-", "->"] {
            let pattern = format!("(s {{name: '{start}'}})-[*..{max}]{dir}(b)");
            let distinct = e
                .run(
                    &format!("MATCH {pattern} RETURN DISTINCT b.name AS n ORDER BY n"),
                    &Params::new(),
                )
                .expect("distinct ends");
            let all = e
                .run(
                    &format!("MATCH {pattern} RETURN b.name AS n ORDER BY n"),
                    &Params::new(),
                )
                .expect("all paths");
            let mut expected: Vec<Value> =
                all.rows.iter().filter_map(|r| r.first().cloned()).collect();
            expected.dedup();
            let got: Vec<Value> = distinct
                .rows
                .iter()
                .filter_map(|r| r.first().cloned())
                .collect();
            assert_eq!(got, expected, "{pattern}");
            let counted = count_of(&mut e, &format!("MATCH {pattern} RETURN count(b)"));
            assert_eq!(counted as usize, all.rows.len(), "{pattern}");
            if max == 0 {
                assert!(got.is_empty(), "{pattern}: {got:?}");
            }
        }
    }
}

/// `size()` of a pattern comprehension counts its matches without building
/// them when the projection cannot fail: the same numbers as a projection
/// that must be built, with and without a WHERE and a path variable.
#[test]
fn counted_comprehensions_agree_with_built_ones() {
    let mut e = Engine::with_graph(kg::facts::seed_graph().expect("the seed graph builds"));
    for (counted, built) in [
        ("size([(a)--(b) | b])", "size([(a)--(b) | [b]])"),
        (
            "size([(a)-->(b) WHERE b.name STARTS WITH 'G' | 1])",
            "size([(a)-->(b) WHERE b.name STARTS WITH 'G' | b.name])",
        ),
        (
            "size([p = (a)-[*1..2]->(b) | $x])",
            "size([p = (a)-[*1..2]->(b) | length(p)])",
        ),
    ] {
        let q = format!(
            "MATCH (a) WITH a, {counted} AS n, {built} AS m \
             RETURN count(*) AS rows, sum(n) AS total, sum(CASE WHEN n = m THEN 0 ELSE 1 END) AS differ"
        );
        let mut params = Params::new();
        params.insert("x".into(), Value::Int(7));
        let r = e
            .run(&q, &params)
            .unwrap_or_else(|err| panic!("{q}: {err}"));
        let row = &r.rows[0];
        assert!(matches!(row[0], Value::Int(n) if n > 10), "{q}: {row:?}");
        assert!(matches!(row[1], Value::Int(n) if n > 0), "{q}: {row:?}");
        assert_eq!(row[2], Value::Int(0), "{q}: {row:?}");
    }
}
