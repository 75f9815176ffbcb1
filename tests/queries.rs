//! Knowledge-graph queries on the seed graph (seeds/morocco-ct.kg): entity
//! lookup by alias in any language and script, by key, and typical
//! questions over the cooperation network.

use kg::engine::{Engine, QueryResult};
use kg::{Params, Value};

fn seed() -> Engine {
    match kg::facts::seed_graph() {
        Ok(g) => Engine::with_graph(g),
        Err(errors) => panic!("the seed graph does not load: {} error(s)", errors.len()),
    }
}

fn run(e: &mut Engine, q: &str) -> QueryResult {
    match e.run(q, &Params::new()) {
        Ok(r) => r,
        Err(err) => panic!("query failed: {q}\n{}", err.render("query", q)),
    }
}

fn strings(r: &QueryResult) -> Vec<String> {
    r.rows
        .iter()
        .map(|row| match row.first() {
            Some(Value::String(s)) => s.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn aliases_in_every_script_find_the_same_entity() {
    let mut e = seed();
    for alias in [
        "Morocco",
        "MOROCCO",
        "Maroc",
        "royaume du maroc",
        "المغرب",
        "المَغْرِب",
        "Kingdom of Morocco",
    ] {
        let q = format!("MATCH (c {{alias: '{alias}'}}) RETURN c.name");
        let r = run(&mut e, &q);
        assert_eq!(strings(&r), vec!["Morocco"], "{alias}");
    }
    let r = run(&mut e, "MATCH (c:Country {alias: 'Koweit'}) RETURN c.name");
    assert_eq!(strings(&r), vec!["Kuwait"]);
    let r = run(
        &mut e,
        "MATCH (c:Country {alias: 'Atlantis'}) RETURN c.name",
    );
    assert!(r.rows.is_empty());
}

#[test]
fn keys_find_entities_exactly() {
    let mut e = seed();
    let r = run(&mut e, "MATCH (o {key: 'gctf'}) RETURN o.name");
    assert_eq!(strings(&r), vec!["Global Counterterrorism Forum"]);
    let r = run(&mut e, "MATCH (o {key: 'GCTF'}) RETURN o.name");
    assert!(r.rows.is_empty(), "keys are exact");
    let plan = run(
        &mut e,
        "EXPLAIN MATCH (o {key: 'gctf'})<-[:CO_CHAIRS]-(c) RETURN c",
    )
    .plan
    .unwrap_or_default();
    assert!(plan.contains("Key index seek"), "{plan}");
}

#[test]
fn who_co_chairs_the_forum_with_the_netherlands() {
    let mut e = seed();
    let r = run(
        &mut e,
        "MATCH (a {alias: 'Pays-Bas'})-[:CO_CHAIRS]->(g {alias: 'GCTF'})<-[:CO_CHAIRS]-(b)
         RETURN b.name ORDER BY b.name",
    );
    let names = strings(&r);
    assert!(names.contains(&"Morocco".to_string()), "{names:?}");
    assert!(!names.contains(&"Netherlands".to_string()), "{names:?}");
    let plan = run(
        &mut e,
        "EXPLAIN MATCH (a {alias: 'Pays-Bas'})-[:CO_CHAIRS]->(g {alias: 'GCTF'}) RETURN g",
    )
    .plan
    .unwrap_or_default();
    assert!(plan.contains("Alias index seek"), "{plan}");
}

#[test]
fn neighbourhoods_and_paths() {
    let mut e = seed();
    let r = run(
        &mut e,
        "MATCH (m {key: 'morocco'})-[*1..2]-(x) RETURN count(DISTINCT x) AS n",
    );
    let Some(Value::Int(n)) = r.rows.first().and_then(|row| row.first()) else {
        panic!("no count: {:?}", r.rows);
    };
    assert!(*n > 3, "Morocco's two-hop neighbourhood has {n} entities");
    let r = run(
        &mut e,
        "MATCH (a {key: 'netherlands'}), (b {key: 'hedayah'})
         MATCH p = shortestPath((a)-[*..6]-(b)) RETURN length(p) AS l",
    );
    assert_eq!(r.rows.len(), 1, "{:?}", r.rows);
    let r = run(
        &mut e,
        "MATCH (c:Country) RETURN count(c) AS n, collect(c.name) AS names",
    );
    assert_eq!(r.rows.len(), 1);
    let r = run(
        &mut e,
        "CALL db.labels() YIELD label RETURN label ORDER BY label",
    );
    assert!(strings(&r).contains(&"Country".to_string()));
}
