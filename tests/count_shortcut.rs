//! Counts over one expansion are answered without building rows (the
//! counting rules of the optimizer). Every query here is run both ways,
//! optimized and as built (`--no-optimize`), and the counts must agree, on
//! a generated graph (compact adjacency) and on a small one with loops and
//! cycles.

use kg::engine::{Engine, RunOptions};
use kg::eval::Params;
use kg::value::Value;

/// Runs `q`, optimized unless `plain`.
fn rows_of(e: &mut Engine, q: &str, plain: bool) -> Vec<Vec<Value>> {
    let options = RunOptions {
        no_optimize: plain,
        ..RunOptions::default()
    };
    e.run_with(q, &Params::new(), &options)
        .unwrap_or_else(|err| panic!("{q}: {err}"))
        .rows
}

fn count_with(e: &mut Engine, q: &str, plain: bool) -> Value {
    let rows = rows_of(e, q, plain);
    assert_eq!(rows.len(), 1, "{q}");
    rows[0].last().cloned().expect("a column")
}

fn count(e: &mut Engine, q: &str) -> Value {
    count_with(e, q, false)
}

fn agree(e: &mut Engine, q: &str) -> i64 {
    let fast = count(e, q);
    let slow = count_with(e, q, true);
    assert_eq!(fast, slow, "{q}");
    match fast {
        Value::Int(n) => n,
        other => panic!("{q}: {other:?}"),
    }
}

const SHAPES: &[&str] = &[
    "MATCH (s:Country)-->(x) RETURN count(DISTINCT x)",
    "MATCH (s:Country)-->(x) WHERE x <> s RETURN count(DISTINCT x)",
    "MATCH (s:Country)<--(x) WHERE s <> x RETURN count(DISTINCT x)",
    "MATCH (s:Country)--(x) RETURN count(DISTINCT x)",
    "MATCH (s:Country)-[:participates_in]->(x:Event) RETURN count(DISTINCT x)",
    "MATCH (s:Organization)-[:participates_in|member_of]-(x) RETURN count(DISTINCT x)",
    "MATCH (s:Country)-->(a) WITH DISTINCT a MATCH (a)-->(b) RETURN count(DISTINCT b)",
    "MATCH (s:Person)-[*1..2]->(x) WHERE x <> s RETURN count(DISTINCT x)",
    "MATCH (s:Person)-[*0..2]->(x) RETURN count(DISTINCT x)",
    "MATCH (s:Place)-[*1..3]-(x) WHERE x <> s RETURN count(DISTINCT x)",
    "MATCH (s:Country)-[*1..2]->(x:Event) WHERE x <> s RETURN count(DISTINCT x)",
    "MATCH (s:Country)-[:located_in*1..3]-(x) WHERE s <> x RETURN count(DISTINCT x)",
    "MATCH (s:Country)-[r]->(x) RETURN count(DISTINCT x)",
    "MATCH (s:Event {year: 2020})-->(x) RETURN count(DISTINCT x)",
];

#[test]
fn generated_graph_counts_agree_with_the_ordinary_operators() {
    let g = kg::generate::to_graph(&kg::generate::generate(2000, 10_000, 7)).expect("valid");
    assert!(g.relation_count() >= kg::engine::ADJACENCY_MIN_RELATIONS);
    let mut e = Engine::with_graph(g);
    let mut nonzero = 0;
    for q in SHAPES {
        nonzero += usize::from(agree(&mut e, q) > 0);
    }
    assert!(nonzero >= SHAPES.len() - 2, "most shapes find something");
}

#[test]
fn loops_cycles_and_missing_starts() {
    let mut e = Engine::with_graph(kg::store::Graph::new());
    e.run(
        "CREATE (a:N {k: 1})-[:T]->(b:N {k: 2})-[:T]->(c:N {k: 3})-[:T]->(a),
                (a)-[:T]->(a), (c)-[:U]->(d:M {k: 4}), (d)-[:T]->(d)",
        &Params::new(),
    )
    .expect("create");
    for q in [
        "MATCH (s:N)-->(x) RETURN count(DISTINCT x)",
        "MATCH (s:N)-->(x) WHERE x <> s RETURN count(DISTINCT x)",
        "MATCH (s:N {k: 1})-[*1..5]->(x) WHERE x <> s RETURN count(DISTINCT x)",
        "MATCH (s:N {k: 1})-[*0..1]-(x) RETURN count(DISTINCT x)",
        "MATCH (s:M)-[*0..3]-(x) RETURN count(DISTINCT x)",
        "MATCH (s:M)--(x) RETURN count(DISTINCT x)",
        "MATCH (s:N)-[:T*1..2]->(x:N) WHERE x <> s RETURN count(DISTINCT x)",
        "MATCH (s:N)-[:U]->(x) WHERE x <> s RETURN count(DISTINCT x)",
        "MATCH (s:Nothing)-->(x) RETURN count(DISTINCT x)",
        "OPTIONAL MATCH (s:Nothing) MATCH (s)-->(x) RETURN count(DISTINCT x)",
    ] {
        agree(&mut e, q);
    }
    let n = agree(
        &mut e,
        "MATCH (s:N {k: 1})-[*1..5]->(x) WHERE x <> s RETURN count(DISTINCT x)",
    );
    assert_eq!(
        n, 3,
        "b, c and d; the start is excluded though a cycle returns to it"
    );
    let n = agree(&mut e, "MATCH (s:N {k: 1})-->(x) RETURN count(DISTINCT x)");
    assert_eq!(n, 2, "b, and a itself through its loop");
}

/// The same count with the shortcuts defeated: an `UNWIND` of one element
/// in front gives the scan an input of its own (so no distinct is known in
/// advance) and the aggregate sees a plain row stream.
fn agree_unwound(e: &mut Engine, q: &str) -> i64 {
    let n = agree(e, q);
    let slow = count(e, &format!("UNWIND [1] AS one {q}"));
    assert_eq!(Value::Int(n), slow, "{q}");
    n
}

const ROW_COUNTS: &[&str] = &[
    "MATCH (a:Country)-[:co_chairs]->(o:Organization)<-[:co_chairs]-(b:Country) WHERE a <> b WITH DISTINCT a, b RETURN count(*) AS pairs",
    "MATCH (a:Country)-[:co_chairs]->(o)<-[:co_chairs]-(b) WITH DISTINCT a, b RETURN count(*)",
    "MATCH (a:Country)-->(o)<--(b) WITH DISTINCT b, a RETURN count(*)",
    "MATCH (a:Country)-->(o)-->(b) WITH DISTINCT a, b, o RETURN count(*)",
    "MATCH (a:Country)-->(o)-->(b) WITH DISTINCT a, b.name AS n RETURN count(*)",
    "MATCH (c:Country)-[:participates_in]->(e:Event) WHERE e.year >= 2020 RETURN count(*)",
    "MATCH (c:Country)-[:participates_in]->(e:Event) WHERE e.year < 2010 RETURN count(*)",
    "MATCH (c:Country)-[r:participates_in]->(e) WHERE r.since > 2015 RETURN count(*)",
    "MATCH (c:Country)-->(e) RETURN count(*)",
];

#[test]
fn row_counts_and_known_distincts_agree_on_a_generated_graph() {
    let g = kg::generate::to_graph(&kg::generate::generate(2000, 10_000, 5)).expect("valid");
    let mut e = Engine::with_graph(g);
    let mut nonzero = 0;
    for q in ROW_COUNTS {
        nonzero += usize::from(agree_unwound(&mut e, q) > 0);
    }
    assert!(
        nonzero >= ROW_COUNTS.len() - 1,
        "most shapes find something"
    );
    // The co-chair pairs: distinct already, so nothing is compared.
    let plan = e
        .run(&format!("EXPLAIN {}", ROW_COUNTS[0]), &Params::new())
        .expect("explain")
        .plan
        .expect("a plan");
    assert!(!plan.contains("Distinct"), "{plan}");
    let verbose = e
        .run(
            &format!("EXPLAIN VERBOSE {}", ROW_COUNTS[0]),
            &Params::new(),
        )
        .expect("explain")
        .plan
        .expect("a plan");
    assert!(verbose.contains("After rule known_distinct:"), "{verbose}");
    let plan = e
        .run(
            &format!("EXPLAIN UNWIND [1] AS one {}", ROW_COUNTS[0]),
            &Params::new(),
        )
        .expect("explain")
        .plan
        .expect("a plan");
    assert!(plan.contains("Distinct"), "{plan}");
}

#[test]
fn parallel_relationships_and_shared_middles_stay_distinct() {
    let mut e = Engine::with_graph(kg::store::Graph::new());
    e.run(
        "CREATE (a:C {n: 'a'}), (b:C {n: 'b'}), (c:C {n: 'c'}), (o1:O), (o2:O),
                (a)-[:T]->(o1), (a)-[:T]->(o1), (a)-[:T]->(o2),
                (b)-[:T]->(o1), (b)-[:T]->(o2), (c)-[:T]->(o2), (c)-[:T]->(c)",
        &Params::new(),
    )
    .expect("create");
    let pairs = agree_unwound(
        &mut e,
        "MATCH (x:C)-[:T]->(o:O)<-[:T]-(y:C) WHERE x <> y WITH DISTINCT x, y RETURN count(*)",
    );
    assert_eq!(pairs, 6, "a-b, a-c, b-a, b-c, c-a, c-b");
    let rows = agree_unwound(&mut e, "MATCH (x:C)-[:T]->(o) RETURN count(*)");
    assert_eq!(rows, 7, "every relationship, parallel ones included");
}

/// Every row of `q`, sorted, as text.
fn sorted_rows_with(e: &mut Engine, q: &str, plain: bool) -> Vec<String> {
    let mut rows: Vec<String> = rows_of(e, q, plain)
        .iter()
        .map(|row| format!("{row:?}"))
        .collect();
    rows.sort();
    rows
}

fn sorted_rows(e: &mut Engine, q: &str) -> Vec<String> {
    sorted_rows_with(e, q, false)
}

const GROUPED: &[&str] = &[
    "MATCH (c:Country)-[:participates_in]->(e:Event) WHERE e.year >= 2020 RETURN c.name AS name, count(DISTINCT e) AS n",
    "MATCH (c:Country)-[:participates_in]->(e:Event) RETURN c, count(*) AS n, count(e) AS m",
    "MATCH (c:Country)-->(e) RETURN labels(c)[0] AS l, count(DISTINCT e) AS n",
    "MATCH (o:Organization)<--(x) RETURN o.name AS o, count(DISTINCT x), count(*)",
    "MATCH (c:Country)-[r]->(e) WHERE r.since > 2010 RETURN c.name, count(e)",
    "MATCH (p:Person)-[:member_of]->(o) RETURN p.name CONTAINS '1' AS k, count(DISTINCT o) AS n",
];

#[test]
fn grouped_counts_agree_with_the_ordinary_operators() {
    let g = kg::generate::to_graph(&kg::generate::generate(2000, 10_000, 3)).expect("valid");
    let mut e = Engine::with_graph(g);
    for q in GROUPED {
        let fast = sorted_rows(&mut e, q);
        let slow = sorted_rows_with(&mut e, q, true);
        assert!(!fast.is_empty(), "{q}");
        assert_eq!(fast, slow, "{q}");
    }
    // Two start nodes sharing a key: their far nodes are counted once.
    let mut e = Engine::with_graph(kg::store::Graph::new());
    e.run(
        "CREATE (a:C {k: 'same'}), (b:C {k: 'same'}), (c:C {k: 'other'}), (x:E), (y:E),
                (a)-[:T]->(x), (a)-[:T]->(x), (a)-[:T]->(y), (b)-[:T]->(x), (c)-[:T]->(y)",
        &Params::new(),
    )
    .expect("create");
    let q =
        "MATCH (s:C)-[:T]->(t) RETURN s.k AS k, count(DISTINCT t) AS d, count(*) AS n ORDER BY k";
    let rows = sorted_rows(&mut e, q);
    assert_eq!(rows, sorted_rows_with(&mut e, q, true));
    assert_eq!(
        rows,
        [
            r#"[String("other"), Int(1), Int(1)]"#,
            r#"[String("same"), Int(2), Int(4)]"#
        ]
    );
    let q = "MATCH (s:C)-[:T]->(t) RETURN s.k AS k, count(DISTINCT t) AS d ORDER BY k";
    assert_eq!(
        sorted_rows(&mut e, q),
        [
            r#"[String("other"), Int(1)]"#,
            r#"[String("same"), Int(2)]"#
        ]
    );
}
