//! The oracle of declared property indexes: random predicates (`=`, `IN`,
//! ranges, `STARTS WITH`, pattern maps) over properties holding mixed
//! integers, floats (NaN and -0.0 among them), strings, booleans, lists and
//! nulls, on random graphs, answered by an engine that seeks through
//! `CREATE INDEX` indexes and by one running as built with no index and no
//! fast path (`--no-optimize`). Rows, errors and the graph afterwards must
//! agree; writes (every kind, failed ones rolled back included) run on both
//! in turn, and the indexes must match a fresh build after each of them.

use kg::engine::{Engine, RunOptions};
use kg::eval::Params;
use kg::store::{Graph, NewEntity};
use kg::value::{Value, ValueMap};

mod support;
use support::Rng;

/// A stored property value: mostly small numbers (integers, and floats
/// some of which equal integers), strings sharing prefixes, sometimes a
/// boolean, a list, NaN or -0.0.
fn stored(rng: &mut Rng) -> Value {
    match rng.below(20) {
        0..=6 => Value::Int(rng.below(12) as i64 - 3),
        7..=9 => Value::Float((rng.below(24) as f64 - 6.0) / 2.0),
        10..=14 => Value::String(
            ["", "a", "ab", "abc", "b", "ba", "x1", "x10", "A"][rng.below(9) as usize].into(),
        ),
        15 => Value::Bool(rng.chance(50)),
        16 => Value::List(vec![Value::Int(1), Value::Int(rng.below(3) as i64)]),
        17 => Value::Float(f64::NAN),
        18 => Value::Float(-0.0),
        _ => Value::Int(i64::MAX - rng.below(2) as i64),
    }
}

/// A value as a literal in a query.
fn literal(rng: &mut Rng) -> String {
    rng.pick(&[
        "0",
        "1",
        "2",
        "3",
        "-1",
        "7",
        "1.0",
        "2.5",
        "-0.0",
        "0.0",
        "3.0",
        "1.5",
        "'a'",
        "'ab'",
        "'b'",
        "''",
        "'x1'",
        "'A'",
        "true",
        "false",
        "null",
        "[1, 1]",
        "[1, 2]",
        "0.0/0.0",
        "9223372036854775807",
        "9.3e18",
        "$p",
        "$s",
    ])
    .to_string()
}

fn random_graph(rng: &mut Rng, nodes: u64, rels: u64) -> Graph {
    let mut g = Graph::new();
    let mut ids = Vec::new();
    for k in 0..nodes {
        let mut labels = Vec::new();
        match rng.below(6) {
            0..=2 => labels.push("A".to_string()),
            3 | 4 => labels.push("B".to_string()),
            _ => labels.extend(["A".to_string(), "B".to_string()]),
        }
        let mut props = ValueMap::new();
        props.insert("k", Value::Int(k as i64));
        if rng.chance(85) {
            props.insert("p", stored(rng));
        }
        if rng.chance(50) {
            props.insert("q", Value::Int(rng.below(5) as i64));
        }
        let id = g
            .add_entity(NewEntity {
                labels,
                props,
                ..NewEntity::default()
            })
            .expect("add entity");
        ids.push(id);
    }
    for _ in 0..rels {
        let a = ids[rng.below(ids.len() as u64) as usize];
        let b = if rng.chance(5) {
            a
        } else {
            ids[rng.below(ids.len() as u64) as usize]
        };
        let mut props = ValueMap::new();
        if rng.chance(85) {
            props.insert("w", stored(rng));
        }
        let rel_type = if rng.chance(70) { "R" } else { "S" };
        g.add_relation(a, b, rel_type, props, Vec::new())
            .expect("add relation");
    }
    g
}

/// A condition on `v.prop`.
fn condition(rng: &mut Rng, v: &str, prop: &str) -> String {
    let x = literal(rng);
    let y = literal(rng);
    match rng.below(11) {
        0 | 1 => format!("{v}.{prop} = {x}"),
        2 => format!("{x} = {v}.{prop}"),
        3 => format!("{v}.{prop} IN [{x}, {y}]"),
        4 => format!("{v}.{prop} IN $list"),
        5 => format!("{v}.{prop} {} {x}", rng.pick(&["<", "<=", ">", ">="])),
        6 => format!("{x} {} {v}.{prop}", rng.pick(&["<", "<=", ">", ">="])),
        7 => format!(
            "{v}.{prop} {} {x} AND {v}.{prop} {} {y}",
            rng.pick(&[">", ">="]),
            rng.pick(&["<", "<="])
        ),
        8 => format!(
            "{v}.{prop} STARTS WITH {}",
            rng.pick(&["'a'", "'x1'", "''", "'b'", "$s", "null", "'zz'"])
        ),
        9 => format!("{v}.{prop} = {x} OR {v}.{prop} = {y}"),
        _ => format!("{v}.{prop} >= {x} AND {v}.q = {}", rng.below(5)),
    }
}

/// A read query using node or relationship property conditions.
fn read(rng: &mut Rng) -> String {
    let label = rng.pick(&["A", "B"]);
    match rng.below(8) {
        0..=2 => format!(
            "MATCH (n:{label}) WHERE {} RETURN n.k, n.p",
            condition(rng, "n", "p")
        ),
        3 => format!(
            "MATCH (n:{label} {{p: {}}}) RETURN n.k",
            rng.pick(&["1", "1.0", "'a'", "null", "true", "[1, 1]", "$p"])
        ),
        4 => format!(
            "MATCH (a:A)-[r:R]->(b:{label}) WHERE {} RETURN a.k, r.w, b.k",
            condition(rng, "b", "p")
        ),
        5 => format!(
            "MATCH (a)-[r:{}]{}(b) WHERE {} RETURN a.k, r.w, b.k",
            rng.pick(&["R", "S"]),
            rng.pick(&["->", "-"]),
            condition(rng, "r", "w")
        ),
        6 => format!(
            "MATCH (a:A), (b:B) WHERE a.k = {} AND b.p = a.p RETURN b.k",
            rng.below(40)
        ),
        _ => format!(
            "MATCH (n:{label}) WHERE {} RETURN count(*), count(DISTINCT n.p)",
            condition(rng, "n", "p")
        ),
    }
}

/// A write: every kind that can move an entity into or out of an index,
/// some failing (then rolled back).
fn write(rng: &mut Rng, nodes: u64) -> String {
    let k = rng.below(nodes);
    let x = literal(rng);
    match rng.below(12) {
        0 => format!("MATCH (n {{k: {k}}}) SET n.p = {x}"),
        1 => format!("MATCH (n {{k: {k}}}) REMOVE n.p"),
        2 => format!("MATCH (n {{k: {k}}}) SET n:{}", rng.pick(&["A", "B"])),
        3 => format!("MATCH (n {{k: {k}}}) REMOVE n:{}", rng.pick(&["A", "B"])),
        4 => format!("MATCH (n {{k: {k}}}) DETACH DELETE n"),
        5 => format!("CREATE (:A:B {{k: {}, p: {x}}})", nodes + k),
        6 => format!("MERGE (n:A {{p: {x}}}) ON CREATE SET n.k = {}", nodes + k),
        7 => format!("MATCH (n {{k: {k}}}) SET n.p = {x} WITH n RETURN 1 / 0"),
        8 => format!("MATCH (n {{k: {k}}}) DETACH DELETE n WITH 1 AS one RETURN 1 / 0"),
        9 => format!("MATCH ()-[r:R]->({{k: {k}}}) SET r.w = {x}"),
        10 => format!(
            "MATCH (a {{k: {k}}}), (b {{k: {}}}) CREATE (a)-[:R {{w: {x}}}]->(b)",
            rng.below(nodes)
        ),
        _ => format!("MATCH (n {{k: {k}}}) SET n += {{p: {x}}} WITH n RETURN n.k / 0"),
    }
}

fn params(rng: &mut Rng) -> Params {
    let mut p = Params::new();
    let pool = [
        Value::Int(1),
        Value::Float(2.5),
        Value::String("ab".into()),
        Value::Null,
        Value::Bool(true),
    ];
    p.insert("p".into(), pool[rng.below(5) as usize].clone());
    p.insert(
        "s".into(),
        [Value::String("a".into()), Value::Int(1), Value::Null][rng.below(3) as usize].clone(),
    );
    p.insert(
        "list".into(),
        match rng.below(4) {
            0 => Value::Null,
            1 => Value::Int(3),
            _ => Value::List(vec![pool[rng.below(5) as usize].clone(), Value::Int(-1)]),
        },
    );
    p
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Rows(Vec<String>),
    Error(&'static str),
}

fn run(engine: &mut Engine, q: &str, params: &Params, plain: bool) -> Outcome {
    let options = RunOptions {
        no_optimize: plain,
        ..RunOptions::default()
    };
    match engine.run_with(q, params, &options) {
        Ok(r) => {
            let mut rows: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
            rows.sort();
            rows.push(format!("{:?}", r.stats));
            Outcome::Rows(rows)
        }
        Err(e) => Outcome::Error(e.code),
    }
}

fn dump(engine: &mut Engine) -> Vec<String> {
    let q = "MATCH (n) OPTIONAL MATCH (n)-[r]->(m) RETURN n.k, labels(n), n.p, type(r), r.w, m.k";
    let options = RunOptions {
        no_optimize: true,
        ..RunOptions::default()
    };
    let r = engine
        .run_with(q, &Params::new(), &options)
        .expect("the dump runs");
    let mut rows: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
    rows.sort();
    rows
}

/// Runs `pairs` random statements on an indexed engine and a plain one;
/// returns how many the indexed engine answered through an index seek.
fn compare(seed: u64, nodes: u64, rels: u64, pairs: usize) -> usize {
    let mut rng = Rng(seed);
    let graph = random_graph(&mut rng, nodes, rels);
    let mut fast = Engine::with_graph(graph.clone());
    let mut plain = Engine::with_graph(graph);
    let none = Params::new();
    for q in [
        "CREATE INDEX FOR (n:A) ON (n.p)",
        "CREATE INDEX bp FOR (n:B) ON (n.p)",
        "CREATE INDEX rw FOR ()-[r:R]-() ON (r.w)",
    ] {
        fast.run(q, &none).expect("create index");
    }
    fast.graph().check_indexes().expect("built indexes");
    let mut seeks = 0;
    for i in 0..pairs {
        let is_write = rng.chance(15);
        let q = if is_write {
            write(&mut rng, nodes)
        } else {
            read(&mut rng)
        };
        let p = params(&mut rng);
        if !is_write {
            let plan = fast
                .run_with(&format!("EXPLAIN {q}"), &p, &RunOptions::default())
                .ok()
                .and_then(|r| r.plan)
                .unwrap_or_default();
            seeks += usize::from(
                plan.contains("Node index seek") || plan.contains("Relationship index seek"),
            );
            let plain_plan = plain
                .run_with(
                    &format!("EXPLAIN {q}"),
                    &p,
                    &RunOptions {
                        no_optimize: true,
                        ..RunOptions::default()
                    },
                )
                .ok()
                .and_then(|r| r.plan)
                .unwrap_or_default();
            assert!(
                !plain_plan.contains("Node index seek")
                    && !plain_plan.contains("Relationship index seek"),
                "--no-optimize seeks: {q}\n{plain_plan}"
            );
        }
        let a = run(&mut fast, &q, &p, false);
        let b = run(&mut plain, &q, &p, true);
        assert_eq!(a, b, "seed {seed}, pair {i}: {q} with {p:?}");
        if is_write {
            if let Err(e) = fast.graph().check_indexes() {
                panic!("seed {seed}, pair {i}: {q}: {e}");
            }
        }
        if i % 50 == 49 {
            // Drop and declare again: the rebuilt index serves the same.
            fast.run("DROP INDEX bp", &none).expect("drop");
            fast.run("CREATE INDEX bp FOR (n:B) ON (n.p)", &none)
                .expect("create again");
        }
    }
    assert_eq!(dump(&mut fast), dump(&mut plain), "seed {seed}: at the end");
    seeks
}

#[test]
fn indexed_answers_equal_unindexed_ones_on_small_graphs() {
    for seed in 0..12 {
        let seeks = compare(seed, 40, 60, 250);
        assert!(seeks > 60, "seed {seed}: only {seeks} index seeks");
    }
}

#[test]
fn indexed_answers_equal_unindexed_ones_on_larger_graphs() {
    for seed in 100..103 {
        let seeks = compare(seed, 700, 1200, 300);
        assert!(seeks > 80, "seed {seed}: only {seeks} index seeks");
    }
}
