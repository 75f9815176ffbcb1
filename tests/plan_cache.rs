//! The engine reuses the plan of a statement text it has run before, until
//! the graph changes; parameter values never come from the cache.

use std::time::Duration;

use kg::engine::Engine;
use kg::eval::Params;
use kg::value::Value;

fn count(e: &mut Engine, q: &str, params: &Params) -> (Value, Duration) {
    let r = e.run(q, params).unwrap_or_else(|err| panic!("{q}: {err}"));
    (r.rows[0][0].clone(), r.timings.parse)
}

#[test]
fn plans_are_reused_until_the_graph_changes() {
    let mut e = Engine::new();
    let none = Params::new();
    let q = "MATCH (n:A) RETURN count(n) AS c";
    let (c, parse) = count(&mut e, q, &none);
    assert_eq!(c, Value::Int(0));
    assert!(parse > Duration::ZERO, "first run parses");
    let (c, parse) = count(&mut e, q, &none);
    assert_eq!(c, Value::Int(0));
    assert_eq!(parse, Duration::ZERO, "second run reuses the plan");
    e.run("CREATE (:A {x: 1}), (:A {x: 2})", &none)
        .expect("writes");
    let (c, parse) = count(&mut e, q, &none);
    assert_eq!(c, Value::Int(2), "the write is seen");
    assert!(parse > Duration::ZERO, "a write drops the cached plans");
    // Parameter values are read at run time, not planned in.
    let q = "MATCH (n:A) WHERE n.x = $v RETURN count(n) AS c";
    for (v, want) in [(1, 1), (3, 0), (2, 1)] {
        let params: Params = [("v".to_string(), Value::Int(v))].into_iter().collect();
        assert_eq!(count(&mut e, q, &params).0, Value::Int(want), "v = {v}");
    }
    // A failed write leaves the graph, and so the cache, as it was.
    assert!(e
        .run("CREATE (:A) WITH 1 AS one RETURN 1 / 0", &none)
        .is_err());
    assert_eq!(
        count(&mut e, "MATCH (n:A) RETURN count(n) AS c", &none).0,
        Value::Int(2)
    );
    // Direct changes through graph_mut() drop the plans too.
    let (_, parse) = count(&mut e, "MATCH (n:A) RETURN count(n) AS c", &none);
    assert_eq!(parse, Duration::ZERO);
    let _ = e.graph_mut();
    let (_, parse) = count(&mut e, "MATCH (n:A) RETURN count(n) AS c", &none);
    assert!(parse > Duration::ZERO);
}

/// EXPLAIN marks an expansion `(distinct ends)` only where the rows above
/// look at its far node up to duplicates and never at its relationship.
#[test]
fn distinct_ends_are_marked_only_where_duplicates_do_not_matter() {
    let mut e = Engine::new();
    let plan = |e: &mut Engine, q: &str| {
        e.run(&format!("EXPLAIN {q}"), &Params::new())
            .unwrap_or_else(|err| panic!("{q}: {err}"))
            .plan
            .unwrap_or_default()
    };
    let marked = |p: &str| p.matches("(distinct ends)").count();
    for (q, want) in [
        (
            "MATCH (s)-->(a) WITH DISTINCT a MATCH (a)-->(b) RETURN count(DISTINCT b) AS n",
            2,
        ),
        (
            "MATCH (a:A)-->(o)<--(b:A) WHERE a <> b WITH DISTINCT a, b RETURN count(*) AS n",
            1,
        ),
        ("MATCH (s)-->(a) RETURN DISTINCT a.name AS name", 1),
        (
            "MATCH (c)-->(e) RETURN c.name AS name, count(DISTINCT e) AS n",
            1,
        ),
        // Counting every row: nothing may be dropped.
        ("MATCH (s)-->(a) RETURN count(a) AS n", 0),
        // The relationship is read above.
        ("MATCH (s)-[r]->(a) RETURN DISTINCT a, r.since AS since", 0),
        // The middle node is kept by the DISTINCT: only the second hop may
        // drop repeats (parallel relationships between the same o and b);
        // the first hop's relationship is read by the second (uniqueness).
        (
            "MATCH (a)-->(o)<--(b) WITH DISTINCT a, o, b RETURN count(*) AS n",
            1,
        ),
        // LIMIT before the DISTINCT counts rows.
        ("MATCH (s)-->(a) WITH a LIMIT 5 RETURN DISTINCT a", 0),
    ] {
        let p = plan(&mut e, q);
        assert_eq!(marked(&p), want, "{q}\n{p}");
    }
}
