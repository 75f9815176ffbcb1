//! End-to-end tests of the planner and executor: Cypher text through
//! `Engine::run` on small graphs built with CREATE.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kg::engine::{Engine, QueryResult, RunOptions};
use kg::store::{Alias, NewEntity};
use kg::{ErrorKind, Params, Value};

fn run(e: &mut Engine, q: &str) -> QueryResult {
    match e.run(q, &Params::new()) {
        Ok(r) => r,
        Err(err) => panic!("query failed: {q}\n{}", err.render("query", q)),
    }
}

fn fails(e: &mut Engine, q: &str) -> kg::Error {
    match e.run(q, &Params::new()) {
        Ok(r) => panic!("query should fail: {q}\ngot {:?}", r.rows),
        Err(err) => err,
    }
}

fn s(x: &str) -> Value {
    Value::String(x.to_string())
}

fn i(x: i64) -> Value {
    Value::Int(x)
}

/// The rows as sorted debug strings, for order-insensitive comparison.
fn sorted(rows: &[Vec<Value>]) -> Vec<String> {
    let mut v: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
    v.sort();
    v
}

fn people() -> Engine {
    let mut e = Engine::new();
    run(
        &mut e,
        "CREATE (a:Person {name: 'Ann', age: 31}), (b:Person {name: 'Bob', age: 25}),
                (c:Person {name: 'Cid', age: 40}), (d:City {name: 'Rabat'}),
                (a)-[:KNOWS {since: 2010}]->(b), (b)-[:KNOWS {since: 2015}]->(c),
                (a)-[:LIVES_IN]->(d), (c)-[:LIVES_IN]->(d)",
    );
    e
}

#[test]
fn create_counts_and_match_returns_rows() {
    let mut e = Engine::new();
    let r = run(
        &mut e,
        "CREATE (a:Person {name: 'Ann'})-[:KNOWS]->(b:Person {name: 'Bob'})",
    );
    assert_eq!(r.stats.nodes_created, 2);
    assert_eq!(r.stats.relationships_created, 1);
    assert_eq!(r.stats.properties_set, 2);
    assert_eq!(r.stats.labels_added, 2);
    assert!(r.columns.is_empty() && r.rows.is_empty());
    assert!(!r.mutations.is_empty());
    let r = run(
        &mut e,
        "MATCH (a:Person)-[:KNOWS]->(b) RETURN a.name AS a, b.name AS b",
    );
    assert_eq!(r.columns, vec!["a", "b"]);
    assert_eq!(r.rows, vec![vec![s("Ann"), s("Bob")]]);
}

#[test]
fn where_filters_and_directions() {
    let mut e = people();
    let r = run(
        &mut e,
        "MATCH (a:Person)-[:KNOWS]-(b:Person) WHERE a.age > 30 RETURN a.name, b.name",
    );
    assert_eq!(
        sorted(&r.rows),
        sorted(&[vec![s("Ann"), s("Bob")], vec![s("Cid"), s("Bob")]])
    );
    let r = run(
        &mut e,
        "MATCH (a)<-[:KNOWS]-(b) RETURN a.name ORDER BY a.name",
    );
    assert_eq!(r.rows, vec![vec![s("Bob")], vec![s("Cid")]]);
}

#[test]
fn optional_match_produces_nulls() {
    let mut e = people();
    let r = run(
        &mut e,
        "MATCH (p:Person) OPTIONAL MATCH (p)-[:LIVES_IN]->(c) RETURN p.name, c.name ORDER BY p.name",
    );
    assert_eq!(
        r.rows,
        vec![
            vec![s("Ann"), s("Rabat")],
            vec![s("Bob"), Value::Null],
            vec![s("Cid"), s("Rabat")]
        ]
    );
}

#[test]
fn aggregation_groups_by_the_other_items() {
    let mut e = people();
    let r = run(
        &mut e,
        "MATCH (p:Person)-[:LIVES_IN]->(c) RETURN c.name AS city, count(*) AS n, collect(p.name) AS who",
    );
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0][0], s("Rabat"));
    assert_eq!(r.rows[0][1], i(2));
    let r = run(&mut e, "MATCH (n:Nothing) RETURN count(n) AS c");
    assert_eq!(r.rows, vec![vec![i(0)]]);
    let r = run(&mut e, "MATCH (n:Nothing) RETURN n.x AS x, count(n) AS c");
    assert!(r.rows.is_empty());
    let r = run(
        &mut e,
        "MATCH (p:Person) RETURN count(*) + 1 AS n, max(p.age) AS oldest",
    );
    assert_eq!(r.rows, vec![vec![i(4), i(40)]]);
}

#[test]
fn order_skip_limit() {
    let mut e = people();
    let r = run(
        &mut e,
        "MATCH (p:Person) RETURN p.name AS name ORDER BY p.age DESC SKIP 1 LIMIT 1",
    );
    assert_eq!(r.rows, vec![vec![s("Ann")]]);
    let mut params = Params::new();
    params.insert("n".into(), Value::Int(-1));
    let err = e
        .run("MATCH (p) RETURN p LIMIT $n", &params)
        .expect_err("negative limit");
    assert_eq!(err.code, "NegativeIntegerArgument");
}

#[test]
fn with_projection_and_distinct() {
    let mut e = people();
    let r = run(
        &mut e,
        "MATCH (p:Person)-[:LIVES_IN]->(c) WITH DISTINCT c RETURN c.name",
    );
    assert_eq!(r.rows, vec![vec![s("Rabat")]]);
    let r = run(
        &mut e,
        "MATCH (p:Person) WITH p.age AS age WHERE age < 35 RETURN age ORDER BY age",
    );
    assert_eq!(r.rows, vec![vec![i(25)], vec![i(31)]]);
}

#[test]
fn unwind_and_union() {
    let mut e = Engine::new();
    let r = run(&mut e, "UNWIND [1, 2, 2] AS x RETURN x");
    assert_eq!(r.rows, vec![vec![i(1)], vec![i(2)], vec![i(2)]]);
    let r = run(&mut e, "RETURN 1 AS x UNION RETURN 1 AS x");
    assert_eq!(r.rows, vec![vec![i(1)]]);
    let r = run(&mut e, "RETURN 1 AS x UNION ALL RETURN 1 AS x");
    assert_eq!(r.rows.len(), 2);
}

#[test]
fn variable_length_and_paths() {
    let mut e = Engine::new();
    run(
        &mut e,
        "CREATE (a:N {v: 1})-[:R]->(b:N {v: 2})-[:R]->(c:N {v: 3})-[:R]->(d:N {v: 4})",
    );
    let r = run(
        &mut e,
        "MATCH (a:N {v: 1})-[:R*]->(x) RETURN x.v ORDER BY x.v",
    );
    assert_eq!(r.rows, vec![vec![i(2)], vec![i(3)], vec![i(4)]]);
    let r = run(
        &mut e,
        "MATCH p = (a:N {v: 1})-[:R*2..3]->(x) RETURN length(p) AS l ORDER BY l",
    );
    assert_eq!(r.rows, vec![vec![i(2)], vec![i(3)]]);
    let r = run(&mut e, "MATCH (a:N {v: 2})-[*0..1]-(x) RETURN count(*)");
    assert_eq!(r.rows, vec![vec![i(3)]]);
    let r = run(
        &mut e,
        "MATCH (a:N {v: 1}), (d:N {v: 4}) MATCH p = shortestPath((a)-[*]-(d)) RETURN length(p)",
    );
    assert_eq!(r.rows, vec![vec![i(3)]]);
}

#[test]
fn bfs_is_used_for_distinct_far_ends_and_agrees() {
    let mut e = Engine::new();
    // A dense little graph: every node linked to every other, both ways.
    run(&mut e, "UNWIND range(1, 7) AS i CREATE (:D {i: i})");
    run(
        &mut e,
        "MATCH (a:D), (b:D) WHERE a.i < b.i CREATE (a)-[:L]->(b), (b)-[:L]->(a)",
    );
    let q = "MATCH (a:D {i: 1})-[:L*]->(b) RETURN DISTINCT b.i AS i ORDER BY i";
    let plan = e
        .run(&format!("EXPLAIN {q}"), &Params::new())
        .map(|r| r.plan.unwrap_or_default())
        .unwrap_or_default();
    assert!(plan.contains("BFS"), "{plan}");
    let r = run(&mut e, q);
    let want: Vec<Vec<Value>> = (1..=7).map(|x| vec![i(x)]).collect();
    assert_eq!(r.rows, want);
    let r = run(
        &mut e,
        "MATCH (a:D {i: 1})-[:L*1..1]->(b) RETURN count(DISTINCT b) AS n",
    );
    assert_eq!(r.rows, vec![vec![i(6)]]);
}

#[test]
fn limit_stops_upstream_work() {
    let mut e = Engine::new();
    run(&mut e, "UNWIND range(1, 2000) AS i CREATE (:P {i: i})");
    let start = Instant::now();
    let r = run(&mut e, "MATCH (a), (b), (c) RETURN a.i, b.i, c.i LIMIT 1");
    assert_eq!(r.rows.len(), 1);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn failed_statement_rolls_back() {
    let mut e = people();
    let before = e.graph().entity_count();
    let err = fails(
        &mut e,
        "CREATE (:Temp) WITH 1 AS x MATCH (p:Person {name: 'Ann'}) DELETE p",
    );
    assert_eq!(err.kind, ErrorKind::Constraint);
    assert_eq!(err.code, "DeleteConnectedNode");
    assert_eq!(e.graph().entity_count(), before);
    assert_eq!(e.graph().label_count("Temp"), 0);
    e.graph().check_indexes().expect("indexes consistent");
    let r = run(&mut e, "MATCH (p:Person {name: 'Ann'}) DETACH DELETE p");
    assert_eq!(r.stats.nodes_deleted, 1);
    assert_eq!(r.stats.relationships_deleted, 2);
}

#[test]
fn writes_see_clause_order() {
    let mut e = Engine::new();
    run(&mut e, "CREATE (), (), ()");
    let r = run(&mut e, "MATCH (n) CREATE (m)");
    assert_eq!(r.stats.nodes_created, 3);
    assert_eq!(e.graph().entity_count(), 6);
    let r = run(
        &mut e,
        "UNWIND [1, 1, 2] AS k MERGE (x:K {k: k}) RETURN count(*) AS c",
    );
    assert_eq!(r.stats.nodes_created, 2);
    assert_eq!(r.rows, vec![vec![i(3)]]);
    let r = run(&mut e, "MATCH (n) DELETE n RETURN 42 AS x LIMIT 0");
    assert!(r.rows.is_empty());
    assert_eq!(e.graph().entity_count(), 0);
}

#[test]
fn merge_on_create_and_on_match() {
    let mut e = Engine::new();
    let q = "MERGE (n:Fruit {name: 'fig'}) ON CREATE SET n.made = true ON MATCH SET n.seen = true RETURN n.made, n.seen";
    let r = run(&mut e, q);
    assert_eq!(r.rows, vec![vec![Value::Bool(true), Value::Null]]);
    let r = run(&mut e, q);
    assert_eq!(r.rows, vec![vec![Value::Bool(true), Value::Bool(true)]]);
    assert_eq!(e.graph().entity_count(), 1);
    let err = fails(&mut e, "MERGE (n {num: null})");
    assert_eq!(err.code, "MergeReadOwnWrites");
}

#[test]
fn set_and_remove() {
    let mut e = Engine::new();
    run(&mut e, "CREATE (:A {x: 1, y: 2})");
    let r = run(
        &mut e,
        "MATCH (n:A) SET n.x = 5, n:B REMOVE n:A, n.y RETURN n.x",
    );
    assert_eq!(r.rows, vec![vec![i(5)]]);
    assert_eq!(r.stats.labels_added, 1);
    assert_eq!(r.stats.labels_removed, 1);
    let r = run(&mut e, "MATCH (n:B) SET n = {z: 3} RETURN keys(n)");
    assert_eq!(r.rows, vec![vec![Value::List(vec![s("z")])]]);
    let r = run(&mut e, "MATCH (n:B) SET n += {w: 4} RETURN n.z, n.w");
    assert_eq!(r.rows, vec![vec![i(3), i(4)]]);
}

#[test]
fn procedures() {
    let mut e = people();
    let r = run(&mut e, "CALL db.labels()");
    assert_eq!(r.columns, vec!["label"]);
    assert_eq!(
        sorted(&r.rows),
        sorted(&[vec![s("Person")], vec![s("City")]])
    );
    let r = run(
        &mut e,
        "CALL db.relationshipTypes() YIELD relationshipType AS t RETURN t ORDER BY t",
    );
    assert_eq!(r.rows, vec![vec![s("KNOWS")], vec![s("LIVES_IN")]]);
    let err = fails(&mut e, "CALL db.nothing()");
    assert_eq!(err.kind, ErrorKind::Procedure);
}

#[test]
fn readonly_refuses_writes() {
    let mut e = people();
    let ro = RunOptions {
        readonly: true,
        ..RunOptions::default()
    };
    let err = e
        .run_with("MATCH (n) SET n.x = 1", &Params::new(), &ro)
        .expect_err("read-only");
    assert!(err.message.contains("read-only"), "{}", err.message);
    assert!(err.span.is_some());
    let r = e
        .run_with("MATCH (n:Person) RETURN count(n)", &Params::new(), &ro)
        .expect("reads are fine");
    assert_eq!(r.rows, vec![vec![i(3)]]);
}

#[test]
fn cancellation_and_timeout() {
    let mut e = Engine::new();
    run(&mut e, "UNWIND range(1, 300) AS i CREATE (:P {i: i})");
    let flag = Arc::new(AtomicBool::new(true));
    let opts = RunOptions {
        cancel: Some(flag),
        ..RunOptions::default()
    };
    let err = e
        .run_with("MATCH (a), (b), (c) RETURN count(*)", &Params::new(), &opts)
        .expect_err("cancelled");
    assert_eq!(err.kind, ErrorKind::Cancelled);
    let opts = RunOptions {
        timeout: Some(Duration::from_millis(100)),
        ..RunOptions::default()
    };
    let start = Instant::now();
    let err = e
        .run_with(
            "MATCH (a), (b), (c), (d) RETURN count(*)",
            &Params::new(),
            &opts,
        )
        .expect_err("timed out");
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn explain_and_profile() {
    let mut e = people();
    let r = run(
        &mut e,
        "EXPLAIN MATCH (a:Person)-[:KNOWS]->(b) WHERE b.age > 20 RETURN b.name",
    );
    assert!(r.rows.is_empty());
    let plan = r.plan.expect("a plan");
    // Where it starts depends on the estimates; what it does does not.
    assert!(plan.contains("scan"), "{plan}");
    assert!(plan.contains("Expand"), "{plan}");
    assert!(plan.contains("b.age > 20"), "{plan}");
    let r = run(&mut e, "EXPLAIN CREATE (:Ghost)");
    assert!(r.plan.is_some());
    assert_eq!(e.graph().label_count("Ghost"), 0);
    let r = run(&mut e, "PROFILE MATCH (a:Person) RETURN a.name");
    assert_eq!(r.rows.len(), 3);
    let plan = r.plan.expect("a plan");
    assert!(plan.contains("rows=3"), "{plan}");
}

#[test]
fn anchors_on_the_smallest_label() {
    let mut e = Engine::new();
    run(&mut e, "UNWIND range(1, 50) AS i CREATE (:Many {i: i})");
    run(&mut e, "CREATE (:Few)");
    let r = run(&mut e, "EXPLAIN MATCH (a:Many:Few) RETURN a");
    let plan = r.plan.unwrap_or_default();
    assert!(plan.contains("Label scan :Few"), "{plan}");
}

fn kg_graph() -> Engine {
    let mut e = Engine::new();
    let g = e.graph_mut();
    let mut props = kg::value::ValueMap::default();
    props.insert("name", s("Morocco"));
    let ma = g
        .add_entity(NewEntity {
            key: Some("morocco".into()),
            labels: vec!["Country".into()],
            props,
            aliases: vec![
                Alias {
                    text: "المغرب".into(),
                    lang: Some("ar".into()),
                },
                Alias {
                    text: "Maroc".into(),
                    lang: Some("fr".into()),
                },
            ],
            ..NewEntity::default()
        })
        .expect("entity");
    let mut props = kg::value::ValueMap::default();
    props.insert("name", s("Global Counterterrorism Forum"));
    let gctf = g
        .add_entity(NewEntity {
            key: Some("gctf".into()),
            labels: vec!["Organization".into()],
            props,
            ..NewEntity::default()
        })
        .expect("entity");
    g.add_relation(ma, gctf, "CO_CHAIRS", Default::default(), vec![])
        .expect("relation");
    e
}

#[test]
fn alias_and_key_properties_use_the_indexes() {
    let mut e = kg_graph();
    for q in [
        "MATCH (c {alias: 'المغرب'}) RETURN c.name",
        "MATCH (c {alias: 'maroc'}) RETURN c.name",
        "MATCH (c {alias: 'MOROCCO'}) RETURN c.name",
        "MATCH (c:Country {key: 'morocco'}) RETURN c.name",
    ] {
        let r = run(&mut e, q);
        assert_eq!(r.rows, vec![vec![s("Morocco")]], "{q}");
    }
    let r = run(
        &mut e,
        "MATCH (c {alias: 'المغرب'})-[:CO_CHAIRS]->(o) RETURN o.name",
    );
    assert_eq!(r.rows, vec![vec![s("Global Counterterrorism Forum")]]);
    let plan = run(&mut e, "EXPLAIN MATCH (c {alias: 'Maroc'}) RETURN c")
        .plan
        .unwrap_or_default();
    assert!(plan.contains("Alias index seek"), "{plan}");
    let plan = run(&mut e, "EXPLAIN MATCH (c {key: 'gctf'}) RETURN c")
        .plan
        .unwrap_or_default();
    assert!(plan.contains("Key index seek"), "{plan}");
    // A real `alias` property wins over the index.
    run(&mut e, "CREATE (:Thing {alias: 'maroc'})");
    let r = run(&mut e, "MATCH (c {alias: 'maroc'}) RETURN labels(c)");
    assert_eq!(r.rows.len(), 2);
}

#[test]
fn relationship_uniqueness_within_a_match() {
    let mut e = Engine::new();
    run(&mut e, "CREATE (a:A)-[:R]->(b:B)");
    let r = run(&mut e, "MATCH (a)-[r1]-(b)-[r2]-(c) RETURN count(*)");
    assert_eq!(r.rows, vec![vec![i(0)]]);
    let r = run(
        &mut e,
        "MATCH (a)-[r1]-(b) MATCH (b)-[r2]-(c) RETURN count(*)",
    );
    assert_eq!(r.rows, vec![vec![i(2)]]);
}

#[test]
fn pattern_predicates_and_comprehensions() {
    let mut e = people();
    let r = run(
        &mut e,
        "MATCH (p:Person) WHERE (p)-[:LIVES_IN]->() RETURN p.name ORDER BY p.name",
    );
    assert_eq!(r.rows, vec![vec![s("Ann")], vec![s("Cid")]]);
    let r = run(
        &mut e,
        "MATCH (p:Person {name: 'Ann'}) RETURN [(p)-[:KNOWS]->(f) | f.name] AS friends",
    );
    assert_eq!(r.rows, vec![vec![Value::List(vec![s("Bob")])]]);
}

#[test]
fn where_equalities_and_labels_join_the_pattern() {
    let mut e = people();
    let plan = run(
        &mut e,
        "EXPLAIN MATCH (n) WHERE n.name = 'Bob' RETURN n.age",
    )
    .plan
    .unwrap_or_default();
    assert!(plan.contains("Name index seek"), "{plan}");
    let r = run(&mut e, "MATCH (n) WHERE n.name = 'Bob' RETURN n.age");
    assert_eq!(r.rows, vec![vec![i(25)]]);
    let r = run(&mut e, "MATCH (n) WHERE 'BOB' = n.name RETURN n.age");
    assert!(r.rows.is_empty(), "name seeks stay exact: {:?}", r.rows);
    let plan = run(&mut e, "EXPLAIN MATCH (n) WHERE n:City RETURN n")
        .plan
        .unwrap_or_default();
    assert!(plan.contains("Label scan :City"), "{plan}");
    // Inside OPTIONAL MATCH the predicate stays part of the optional pattern.
    let r = run(
        &mut e,
        "MATCH (p:Person {name: 'Bob'}) OPTIONAL MATCH (p)-[:KNOWS]->(f) WHERE f.name = 'Ann' RETURN f",
    );
    assert_eq!(r.rows, vec![vec![Value::Null]]);
}

#[test]
fn all_shortest_paths() {
    let mut e = Engine::new();
    run(
        &mut e,
        "CREATE (a:S), (b:M1), (c:M2), (d:T), (a)-[:R]->(b), (a)-[:R]->(c), (b)-[:R]->(d), (c)-[:R]->(d), (a)-[:R]->(x)-[:R]->(y)-[:R]->(d)",
    );
    let r = run(
        &mut e,
        "MATCH (a:S), (d:T) MATCH p = allShortestPaths((a)-[:R*]->(d)) RETURN length(p) AS l",
    );
    assert_eq!(r.rows, vec![vec![i(2)], vec![i(2)]]);
    let r = run(
        &mut e,
        "MATCH (a:S), (d:T) MATCH p = shortestPath((d)-[:R*]->(a)) RETURN p",
    );
    assert!(r.rows.is_empty());
}

#[test]
fn bound_relationships_and_cycles() {
    let mut e = Engine::new();
    run(&mut e, "CREATE (a:A)-[:R]->(b:B)-[:R]->(a)");
    let r = run(&mut e, "MATCH (a:A)-->(b)-->(a) RETURN count(*)");
    assert_eq!(r.rows, vec![vec![i(1)]]);
    let r = run(
        &mut e,
        "MATCH ()-[r]->(b:B) WITH r MATCH (x)-[r]->(y) RETURN labels(x), labels(y)",
    );
    assert_eq!(
        r.rows,
        vec![vec![Value::List(vec![s("A")]), Value::List(vec![s("B")])]]
    );
}

#[test]
fn repeated_scans_use_a_property_index() {
    let mut e = Engine::new();
    run(
        &mut e,
        "UNWIND range(1, 3000) AS i CREATE (:Item {id: i, half: i / 2})",
    );
    let start = Instant::now();
    let r = run(
        &mut e,
        "UNWIND range(1, 3000) AS i MATCH (n:Item {id: i}) RETURN count(n) AS c, sum(n.id) AS s",
    );
    assert_eq!(r.rows, vec![vec![i(3000), i(3000 * 3001 / 2)]]);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    // Cypher equality through the index: 2.0 finds 2, null finds nothing.
    let r = run(
        &mut e,
        "UNWIND [1, 2.0, null, 'x', 3, 4] AS v MATCH (n:Item {half: v}) RETURN count(n)",
    );
    assert_eq!(r.rows, vec![vec![i(2 + 2 + 2 + 2)]]);
}
