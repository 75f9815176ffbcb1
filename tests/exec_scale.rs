//! Queries over a generated graph large enough for the fast paths (compact
//! adjacency, property index, bidirectional shortest path), checked against
//! answers computed directly from the store's own relation lists.

use std::collections::{HashSet, VecDeque};

use kg::engine::Engine;
use kg::eval::Params;
use kg::store::{EntityId, Graph};
use kg::value::Value;

fn engine() -> Engine {
    let g = kg::generate::to_graph(&kg::generate::generate(3000, 15_000, 11)).expect("valid");
    assert!(g.relation_count() >= kg::engine::ADJACENCY_MIN_RELATIONS);
    Engine::with_graph(g)
}

fn one(e: &mut Engine, q: &str) -> Value {
    let r = e
        .run(q, &Params::new())
        .unwrap_or_else(|err| panic!("{q}: {err}"));
    assert_eq!(r.rows.len(), 1, "{q}");
    r.rows[0][0].clone()
}

fn id_prop(g: &Graph, n: EntityId) -> String {
    match g.entity(n).and_then(|e| e.props.get("id")) {
        Some(Value::String(s)) => s.clone(),
        _ => panic!("no id"),
    }
}

fn hub(g: &Graph) -> EntityId {
    g.entities_with_label("Country")
        .max_by_key(|c| g.degree(*c))
        .expect("countries")
}

fn out(g: &Graph, n: EntityId) -> Vec<EntityId> {
    g.outgoing(n).map(|r| r.to).collect()
}

fn both(g: &Graph, n: EntityId) -> Vec<EntityId> {
    g.outgoing(n)
        .map(|r| r.to)
        .chain(g.incoming(n).map(|r| r.from))
        .collect()
}

/// Plain BFS distances from `s`, following `step`.
fn distances(g: &Graph, s: EntityId, step: Step) -> std::collections::HashMap<EntityId, i64> {
    let mut dist = std::collections::HashMap::from([(s, 0i64)]);
    let mut q = VecDeque::from([s]);
    while let Some(n) = q.pop_front() {
        for m in step(g, n) {
            if !dist.contains_key(&m) {
                dist.insert(m, dist[&n] + 1);
                q.push_back(m);
            }
        }
    }
    dist
}

/// Nodes within `1..=k` steps (excluding the start).
fn reach(g: &Graph, s: EntityId, k: usize, step: Step) -> usize {
    let mut seen = HashSet::from([s]);
    let mut layer = vec![s];
    for _ in 0..k {
        let mut next = Vec::new();
        for n in layer {
            for m in step(g, n) {
                if seen.insert(m) {
                    next.push(m);
                }
            }
        }
        layer = next;
    }
    seen.len() - 1
}

#[test]
fn frontiers_and_reachability_match_the_store() {
    let mut e = engine();
    let g = e.graph().clone();
    let h = hub(&g);
    let hid = id_prop(&g, h);
    // Walk frontiers F2 and F3.
    let mut f: HashSet<EntityId> = HashSet::from([h]);
    let mut sizes = Vec::new();
    for _ in 0..3 {
        f = f.iter().flat_map(|n| out(&g, *n)).collect();
        sizes.push(f.len() as i64);
    }
    let q3 = format!("MATCH (s:Country {{id: '{hid}'}})-->(a) WITH DISTINCT a MATCH (a)-->(b) RETURN count(DISTINCT b) AS n");
    assert_eq!(one(&mut e, &q3), Value::Int(sizes[1]));
    let q4 = format!("MATCH (s:Country {{id: '{hid}'}})-->(a) WITH DISTINCT a MATCH (a)-->(b) WITH DISTINCT b MATCH (b)-->(c) RETURN count(DISTINCT c) AS n");
    assert_eq!(one(&mut e, &q4), Value::Int(sizes[2]));
    let q5 = format!(
        "MATCH (s:Country {{id: '{hid}'}})-[*1..3]->(x) WHERE x <> s RETURN count(DISTINCT x) AS n"
    );
    assert_eq!(one(&mut e, &q5), Value::Int(reach(&g, h, 3, out) as i64));
    let q10 = format!(
        "MATCH (s:Country {{id: '{hid}'}})-[*1..2]-(x) WHERE x <> s RETURN count(DISTINCT x) AS n"
    );
    assert_eq!(one(&mut e, &q10), Value::Int(reach(&g, h, 2, both) as i64));
    // Typed steps in both directions.
    let mut pairs = HashSet::new();
    for a in g.entities_with_label("Country") {
        for r in g.outgoing(a).filter(|r| r.rel_type == "co_chairs") {
            for r2 in g.incoming(r.to).filter(|r2| r2.rel_type == "co_chairs") {
                if r2.from != a {
                    pairs.insert((a, r2.from));
                }
            }
        }
    }
    assert!(!pairs.is_empty());
    let q8 = "MATCH (a:Country)-[:co_chairs]->(o:Organization)<-[:co_chairs]-(b:Country) WHERE a <> b WITH DISTINCT a, b RETURN count(*) AS pairs";
    assert_eq!(one(&mut e, q8), Value::Int(pairs.len() as i64));
    assert!(e.graph().adjacency().is_some());
}

/// One BFS step: the neighbours of a node along some direction.
type Step = fn(&Graph, EntityId) -> Vec<EntityId>;

/// Checks `shortestPath((a)LEFT[*]RIGHT(b))` from the hub to every
/// `stride`-th entity against BFS distances along `step`; returns how many
/// targets were reachable.
fn check_shortest_paths(
    e: &mut Engine,
    g: &Graph,
    (left, right, step): (&str, &str, Step),
    stride: usize,
) -> usize {
    let h = hub(g);
    let dist = distances(g, h, step);
    let mut found = 0;
    for t in g.entities().map(|x| x.id).step_by(stride) {
        if t == h {
            continue;
        }
        let text = format!(
            "MATCH (a {{id: '{}'}}), (b {{id: '{}'}}) RETURN length(shortestPath((a){left}[*]{right}(b))) AS len",
            id_prop(g, h),
            id_prop(g, t)
        );
        let want = dist.get(&t).map_or(Value::Null, |d| Value::Int(*d));
        found += usize::from(!want.is_null());
        assert_eq!(one(e, &text), want, "{text}");
    }
    found
}

#[test]
fn shortest_path_lengths_match_a_plain_search() {
    let mut e = engine();
    let g = e.graph().clone();
    assert!(check_shortest_paths(&mut e, &g, ("-", "->", out), 97) > 3);
}

#[test]
fn writes_refresh_the_fast_paths() {
    let mut e = engine();
    let g = e.graph().clone();
    let h = hub(&g);
    let hid = id_prop(&g, h);
    let ev = id_prop(&g, g.entities_with_label("Event").nth(5).expect("events"));
    let count = format!("MATCH (s:Country {{id: '{hid}'}})-->(x) RETURN count(x) AS n");
    let before = one(&mut e, &count);
    assert_eq!(before, Value::Int(out(&g, h).len() as i64));
    one(&mut e, &format!("MATCH (s:Country {{id: '{hid}'}}), (t:Event {{id: '{ev}'}}) CREATE (s)-[:visits]->(t) RETURN 1 AS done"));
    assert_eq!(one(&mut e, &count), Value::Int(out(&g, h).len() as i64 + 1));
    let typed = format!("MATCH (s:Country {{id: '{hid}'}})-[:visits]->(x) RETURN x.id AS id");
    assert_eq!(one(&mut e, &typed), Value::String(ev.clone()));
    // The property index follows SET.
    one(
        &mut e,
        &format!("MATCH (n:Event {{id: '{ev}'}}) SET n.id = 'renamed' RETURN 1 AS done"),
    );
    let r = e
        .run(
            &format!("MATCH (n:Event {{id: '{ev}'}}) RETURN n"),
            &Params::new(),
        )
        .expect("runs");
    assert!(r.rows.is_empty());
    assert_eq!(
        one(
            &mut e,
            "MATCH (n:Event {id: 'renamed'}) RETURN count(n) AS c"
        ),
        Value::Int(1)
    );
    assert_eq!(
        one(&mut e, "MATCH (n {id: 'renamed'}) RETURN count(n) AS c"),
        Value::Int(1)
    );
}

/// Both sizes: above the fast-path threshold, and below it (plain paths).
fn engines() -> Vec<Engine> {
    let small = kg::generate::to_graph(&kg::generate::generate(300, 1_500, 5)).expect("valid");
    assert!(small.relation_count() < kg::engine::ADJACENCY_MIN_RELATIONS);
    vec![engine(), Engine::with_graph(small)]
}

#[test]
fn label_counts_match_the_store() {
    for mut e in engines() {
        let g = e.graph().clone();
        for label in ["Person", "Country", "Nothing"] {
            let n = g.entities().filter(|x| x.has_label(label)).count() as i64;
            for q in [
                format!("MATCH (p:{label}) RETURN count(p) AS n"),
                format!("MATCH (p:{label}) RETURN count(*) AS n"),
                format!("MATCH (p:{label}) RETURN count(DISTINCT p) AS n"),
                format!("MATCH (p:{label}) WHERE p.name IS NOT NULL RETURN count(p) AS n"),
            ] {
                assert_eq!(one(&mut e, &q), Value::Int(n), "{q}");
            }
        }
        // The plan as built (a scan and an aggregate): same answer.
        let r = e
            .run_with(
                "MATCH (p:Person) RETURN count(p) AS n",
                &Params::new(),
                &kg::engine::RunOptions {
                    no_optimize: true,
                    ..kg::engine::RunOptions::default()
                },
            )
            .expect("runs");
        assert_eq!(
            r.rows,
            vec![vec![Value::Int(g.label_count("Person") as i64)]]
        );
    }
}

#[test]
fn pairs_sharing_a_neighbour_match_the_store() {
    for mut e in engines() {
        let g = e.graph().clone();
        let mut pairs = HashSet::new();
        let mut triples = 0i64;
        for a in g.entities_with_label("Country") {
            for r in g.outgoing(a).filter(|r| r.rel_type == "member_of") {
                let o = r.to;
                if !g.entity(o).is_some_and(|x| x.has_label("Organization")) {
                    continue;
                }
                for r2 in g.incoming(o).filter(|r2| r2.rel_type == "member_of") {
                    let b = r2.from;
                    if r2.id != r.id
                        && b != a
                        && g.entity(b).is_some_and(|x| x.has_label("Country"))
                    {
                        pairs.insert((a, b));
                        triples += 1;
                    }
                }
            }
        }
        assert!(triples > pairs.len() as i64, "the data must have repeats");
        let q = "MATCH (a:Country)-[:member_of]->(o:Organization)<-[:member_of]-(b:Country) \
                 WHERE a <> b WITH DISTINCT a, b RETURN count(*) AS pairs";
        assert_eq!(one(&mut e, q), Value::Int(pairs.len() as i64), "{q}");
        // Without DISTINCT every match counts.
        let q = "MATCH (a:Country)-[:member_of]->(o:Organization)<-[:member_of]-(b:Country) \
                 WHERE a <> b RETURN count(*) AS n";
        assert_eq!(one(&mut e, q), Value::Int(triples), "{q}");
        // The middle node is read above: no rows may be dropped.
        let q = "MATCH (a:Country)-[:member_of]->(o:Organization)<-[:member_of]-(b:Country) \
                 WHERE a <> b WITH DISTINCT a, b, o RETURN count(*) AS n";
        let with_o: HashSet<_> = g
            .entities_with_label("Country")
            .flat_map(|a| {
                let g = &g;
                g.outgoing(a)
                    .filter(|r| r.rel_type == "member_of")
                    .flat_map(move |r| {
                        g.incoming(r.to)
                            .filter(move |r2| r2.rel_type == "member_of" && r2.id != r.id)
                            .map(move |r2| (a, r.to, r2.from))
                    })
            })
            .filter(|(a, o, b)| {
                a != b
                    && g.entity(*o).is_some_and(|x| x.has_label("Organization"))
                    && g.entity(*b).is_some_and(|x| x.has_label("Country"))
            })
            .collect();
        assert_eq!(one(&mut e, q), Value::Int(with_o.len() as i64), "{q}");
    }
}

#[test]
fn grouped_distinct_counts_with_a_property_filter_match_the_store() {
    for mut e in engines() {
        let g = e.graph().clone();
        let mut expected: Vec<(String, i64)> = g
            .entities_with_label("Country")
            .map(|c| {
                let events: HashSet<EntityId> = g
                    .outgoing(c)
                    .filter(|r| r.rel_type == "participates_in")
                    .map(|r| r.to)
                    .filter(|t| {
                        g.entity(*t).is_some_and(|x| {
                            x.has_label("Event")
                                && matches!(x.props.get("year"), Some(Value::Int(y)) if *y >= 2015)
                        })
                    })
                    .collect();
                let name = match g.entity(c).and_then(|x| x.props.get("name")) {
                    Some(Value::String(s)) => s.clone(),
                    _ => String::new(),
                };
                (name, events.len() as i64)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        expected.truncate(10);
        let q = "MATCH (c:Country)-[:participates_in]->(e:Event) WHERE e.year >= 2015 \
                 RETURN c.name AS name, count(DISTINCT e) AS n ORDER BY n DESC, name ASC LIMIT 10";
        let r = e.run(q, &Params::new()).expect("runs");
        let got: Vec<(String, i64)> = r
            .rows
            .iter()
            .map(|row| match (&row[0], &row[1]) {
                (Value::String(s), Value::Int(n)) => (s.clone(), *n),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(got, expected, "{q}");
        // A property no entity has compares as null: no rows.
        let q = "MATCH (c:Country)-->(e:Event) WHERE e.nothing >= 1 RETURN count(*) AS n";
        assert_eq!(one(&mut e, q), Value::Int(0), "{q}");
    }
}

#[test]
fn label_and_property_changes_reach_the_fast_paths() {
    let mut e = engine();
    let g = e.graph().clone();
    let h = hub(&g);
    let hid = id_prop(&g, h);
    let targets: HashSet<EntityId> = out(&g, h).into_iter().collect();
    let q = format!("MATCH (s:Country {{id: '{hid}'}})-->(x:Marked) RETURN count(DISTINCT x) AS n");
    assert_eq!(one(&mut e, &q), Value::Int(0));
    one(
        &mut e,
        &format!("MATCH (s:Country {{id: '{hid}'}})-->(x) SET x:Marked, x.score = 7 RETURN count(*) AS n"),
    );
    assert_eq!(one(&mut e, &q), Value::Int(targets.len() as i64));
    let q = format!(
        "MATCH (s:Country {{id: '{hid}'}})-->(x) WHERE x.score = 7 RETURN count(DISTINCT x) AS n"
    );
    assert_eq!(one(&mut e, &q), Value::Int(targets.len() as i64));
    one(
        &mut e,
        "MATCH (x:Marked) REMOVE x:Marked, x.score RETURN count(*) AS n",
    );
    assert_eq!(one(&mut e, &q), Value::Int(0));
}

#[test]
fn undirected_and_incoming_shortest_paths_match_a_plain_search() {
    let mut e = engine();
    let g = e.graph().clone();
    let ins = |g: &Graph, n: EntityId| -> Vec<EntityId> { g.incoming(n).map(|r| r.from).collect() };
    let steps: [(&str, &str, Step); 2] = [("-", "-", both), ("<-", "-", ins)];
    for (left, right, step) in steps {
        let found = check_shortest_paths(&mut e, &g, (left, right, step), 61);
        assert!(found > 10, "{left}{right}: paths found");
    }
}

#[test]
fn integer_comparisons_over_many_rows_match_the_general_evaluator() {
    let mut e = engine();
    let mut checked = 0;
    for cmp in [
        "e.year >= 2015",
        "e.year < 2010",
        "e.year = 2020",
        "e.year <> 2020",
        "2012 > e.year",
        "2018 <= e.year",
        "e.since > 2000",
    ] {
        // `+ 0` keeps the comparison away from the integer fast paths.
        let slow_cmp = cmp
            .replace("e.year", "(e.year + 0)")
            .replace("e.since", "(e.since + 0)");
        let fast = one(
            &mut e,
            &format!("MATCH (x)-->(e) WHERE {cmp} RETURN count(*) AS n"),
        );
        let slow = one(
            &mut e,
            &format!("MATCH (x)-->(e) WHERE {slow_cmp} RETURN count(*) AS n"),
        );
        assert_eq!(fast, slow, "{cmp}");
        let fast = one(
            &mut e,
            &format!("MATCH (x)-->(e) WHERE {cmp} RETURN count(DISTINCT x) AS n"),
        );
        let slow = one(
            &mut e,
            &format!("MATCH (x)-->(e) WHERE {slow_cmp} RETURN count(DISTINCT x) AS n"),
        );
        assert_eq!(fast, slow, "{cmp}");
        checked += usize::from(fast != Value::Int(0));
    }
    assert!(checked >= 5);
}
