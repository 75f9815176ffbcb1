//! The optimizer's oracle: random queries, including writes, run on random
//! graphs twice, once as planned and optimized and once as built with the
//! fast paths off (`kg --no-optimize`), must give the same rows, the same
//! errors and the same graph afterwards.
//!
//! The graphs cross the executor's switch points: the largest has more
//! relations than [`ADJACENCY_MIN_RELATIONS`] (compact adjacency, label
//! bitmaps, integer property columns) and filters see more candidates than
//! the predicate bitmaps wait for. The queries mix the shapes the rules
//! rewrite (counts over hops, distinct ends, breadth-first variable length,
//! filters on hops) with the ones they must leave alone (failing
//! projections, counted trails, reads after deletes).
//!
//! Each statement runs on both engines in turn, so a write changes both
//! graphs the same way (or fails on both) and later statements see it.
//! Together the tests run over 10,000 pairs; `KG_ORACLE_PAIRS` scales them.

use kg::engine::{Engine, RunOptions, ADJACENCY_MIN_RELATIONS};
use kg::eval::Params;
use kg::store::{Graph, NewEntity};
use kg::value::{Value, ValueMap};
use std::time::Duration;

mod support;
use support::Rng;

/// A random graph: `nodes` nodes with labels among A, B, C (C rare), an
/// integer key `k` (unique), an integer `v` (sometimes missing), a `name`;
/// `rels` relationships of types R, S, T, with self-loops and parallel
/// relationships, some with an integer `w`.
fn random_graph(rng: &mut Rng, nodes: u64, rels: u64) -> Graph {
    let mut g = Graph::new();
    let mut ids = Vec::new();
    for k in 0..nodes {
        let mut labels = Vec::new();
        match rng.below(10) {
            0..=4 => labels.push("A".to_string()),
            5..=7 => labels.push("B".to_string()),
            8 => labels.extend(["A".to_string(), "B".to_string()]),
            _ => {}
        }
        if rng.chance(5) {
            labels.push("C".to_string());
        }
        let mut props = ValueMap::new();
        props.insert("k", Value::Int(k as i64));
        if rng.chance(85) {
            props.insert("v", Value::Int(rng.below(20) as i64));
        }
        props.insert(
            "name",
            Value::String(format!("n{}", rng.below(nodes / 2 + 1))),
        );
        let id = g
            .add_entity(NewEntity {
                labels,
                props,
                ..NewEntity::default()
            })
            .expect("a valid node");
        ids.push(id);
    }
    for _ in 0..rels {
        let a = ids[rng.below(nodes) as usize];
        // Some locality, so that paths close into cycles.
        let b = if rng.chance(30) {
            a
        } else {
            ids[rng.below(nodes) as usize]
        };
        let b = if rng.chance(90) && a == b {
            ids[rng.below(nodes) as usize]
        } else {
            b
        };
        let t = rng.pick(&["R", "R", "S", "T"]);
        let mut props = ValueMap::new();
        if rng.chance(50) {
            props.insert("w", Value::Int(rng.below(10) as i64));
        }
        g.add_relation(a, b, t, props, Vec::new())
            .expect("a valid relationship");
    }
    g
}

/// Random statements over graphs of `random_graph`'s shape. `big`: start
/// variable-length patterns from few nodes, so that each query stays fast.
struct Queries<'r> {
    rng: &'r mut Rng,
    nodes: u64,
    big: bool,
}

impl Queries<'_> {
    fn label(&mut self) -> &'static str {
        self.rng.pick(&["", ":A", ":B", ":C", ":A:B"])
    }

    fn start(&mut self) -> String {
        if self.big {
            match self.rng.below(3) {
                0 => "(a:C)".into(),
                1 => format!("(a {{k: {}}})", self.rng.below(self.nodes)),
                _ => format!("(a:C{})", self.label().replace(":C", "")),
            }
        } else {
            format!("(a{})", self.label())
        }
    }

    fn rel(&mut self, var: &str) -> String {
        let types = self.rng.pick(&["", ":R", ":S|T", ":R|S", ":T"]);
        let props = if self.rng.chance(15) {
            format!(" {{w: {}}}", self.rng.below(10))
        } else {
            String::new()
        };
        format!("{var}{types}{props}")
    }

    fn hop(&mut self, var: &str) -> (String, String) {
        let inner = self.rel(var);
        match self.rng.below(3) {
            0 => (format!("-[{inner}]->"), "out".into()),
            1 => (format!("<-[{inner}]-"), "in".into()),
            _ => (format!("-[{inner}]-"), "both".into()),
        }
    }

    fn var_hop(&mut self) -> String {
        let types = self.rng.pick(&["", ":R", ":S|T"]);
        let (lo, hi) = (0, 3);
        let min = self.rng.below(3);
        let max = min + self.rng.below(hi - lo);
        let bounds = match self.rng.below(5) {
            0 => format!("*{min}..{max}"),
            1 => format!("*..{}", self.rng.below(hi)),
            2 => format!("*{}", self.rng.below(hi) + 1),
            3 => format!("*{min}..{}", max.min(2)),
            // Unbounded lengths enumerate every trail on the plain path:
            // exponential on these dense little graphs.
            _ => "*1..2".into(),
        };
        match self.rng.below(3) {
            0 => format!("-[{types}{bounds}]->"),
            1 => format!("<-[{types}{bounds}]-"),
            _ => format!("-[{types}{bounds}]-"),
        }
    }

    fn int_filter(&mut self, var: &str) -> String {
        let op = self.rng.pick(&["<", "<=", ">", ">=", "=", "<>"]);
        let n = self.rng.below(22) as i64 - 1;
        if self.rng.chance(50) {
            format!("{var}.v {op} {n}")
        } else {
            format!("{n} {op} {var}.v")
        }
    }

    fn read(&mut self) -> String {
        let start = self.start();
        let (h1, _) = self.hop("r");
        let (h2, _) = self.hop("");
        let far = self.label();
        let f = self.int_filter("b");
        let fa = self.int_filter("a");
        let vh = self.var_hop();
        let n = self.rng.below(self.nodes);
        match self.rng.below(44) {
            0 => format!("MATCH {start}{h1}(b{far}) RETURN count(*)"),
            1 => format!("MATCH {start}{h1}(b{far}) WHERE {f} RETURN count(*)"),
            2 => format!("MATCH {start}{h1}(b) RETURN count(DISTINCT b)"),
            3 => format!("MATCH {start}{h1}(b) WHERE b <> a RETURN count(DISTINCT b)"),
            4 => format!("MATCH {start}{vh}(b) RETURN count(DISTINCT b)"),
            5 => format!("MATCH {start}{vh}(b) WHERE b <> a RETURN count(DISTINCT b)"),
            6 => format!("MATCH {start}{vh}(b) RETURN DISTINCT b.k AS k ORDER BY k"),
            7 => format!("MATCH {start}{vh}(b) RETURN count(b)"),
            8 => format!("MATCH {start}{h1}(b) RETURN a.k AS k, count(*) AS c, count(DISTINCT b) AS d ORDER BY k"),
            9 => format!("MATCH {start}{h1}(b) WHERE {f} RETURN a.k AS k, count(b) AS c ORDER BY k"),
            10 => format!("MATCH {start}{h1}(m){h2}(b) RETURN DISTINCT b.k AS k ORDER BY k"),
            11 => format!("MATCH {start}{h1}(m) WITH DISTINCT m MATCH (m){h2}(b) RETURN count(DISTINCT b)"),
            12 => format!("MATCH {start}{h1}(b) WITH a, b, {} AS z RETURN count(*)", self.risky()),
            13 => format!("MATCH {start}{h1}(b) WITH a, b RETURN count(*)"),
            14 => format!("MATCH {start}{h1}(b) WHERE {f} AND {fa} RETURN DISTINCT a.k AS a, b.k AS b ORDER BY a, b"),
            15 => format!("MATCH (a{}) RETURN count(a)", self.label()),
            16 => format!("MATCH (a{}) WHERE {fa} RETURN count(*)", self.label()),
            17 => format!("MATCH {start}{h1}(b) RETURN min(b.v) AS lo, max(b.v) AS hi"),
            18 => format!("MATCH {start} OPTIONAL MATCH (a){h1}(b) WHERE {f} RETURN a.k AS k, count(b) AS c ORDER BY k"),
            19 => format!("MATCH {start}{h1}(b) RETURN b.k AS k, count(*) AS c ORDER BY c DESC, k LIMIT 5"),
            20 => format!("MATCH p = {start}{vh}(b) RETURN count(DISTINCT b) AS d, count(p) AS c"),
            21 => format!("MATCH {start}{h1}(b{far}) WITH DISTINCT a, b RETURN count(*)"),
            22 => format!("MATCH {start}{h1}(b) WHERE b.k = {n} OR {f} RETURN count(*)"),
            23 => format!("MATCH {start}{vh}(b) RETURN DISTINCT b.k AS k ORDER BY k DESC SKIP {} LIMIT {}", n % 4, n % 5),
            24 => format!("MATCH {start}{h1}(b) WITH b ORDER BY b.k LIMIT {} RETURN b.k AS k, b.v AS v ORDER BY v, k", n % 7),
            25 => format!("UNWIND range(0, 3) AS i MATCH {start}{h1}(b) WHERE b.v > i RETURN i, count(DISTINCT b) AS d ORDER BY i"),
            // Cycles: a hop closed on a bound node (intersections).
            26 => {
                let (h3, _) = self.hop("r3");
                let (h2n, _) = self.hop("r2");
                format!("MATCH {start}{h1}(b){h2n}(c{far}){h3}(a) RETURN count(*)")
            }
            27 => {
                let (h3, _) = self.hop("r3");
                let (h2n, _) = self.hop("r2");
                let w = self.rng.below(10);
                let fc = self.int_filter("c");
                format!("MATCH {start}{h1}(b){h2n}(c){h3}(a) WHERE r2.w >= {w} AND {fc} AND c <> b RETURN DISTINCT a.k AS a, b.k AS b, c.k AS c ORDER BY a, b, c")
            }
            28 => {
                let (h3, _) = self.hop("r3");
                let (h4, _) = self.hop("r4");
                let fc = self.int_filter("c");
                format!("MATCH {start}{h1}(b){h2}(c){h3}(d){h4}(a) WHERE {fc} OR r4.w IS NULL RETURN count(*) AS n, count(DISTINCT d) AS d")
            }
            29 => {
                let (h3, _) = self.hop("r3");
                let risky = self.risky().replace("b.", "c.");
                format!("MATCH {start}{h1}(b){h2}(c){h3}(a) WHERE {risky} > 0 RETURN count(*)")
            }
            30 => {
                let (h2n, _) = self.hop("r2");
                let risky = self.risky().replace("b.", "r2.");
                format!("MATCH {start}{h1}(b){h2n}(a) WITH a, b, r, r2 WHERE r <> r2 RETURN count(*), collect(DISTINCT {risky} > 0) AS z")
            }
            // Hops tested only for existence (semi-joins).
            31 => format!("MATCH {start}{h1}(b{far}) WHERE {f} RETURN DISTINCT a.k AS k ORDER BY k"),
            32 => {
                let w = self.rng.below(10);
                format!("MATCH {start}{h1}(b){h2}(c) WHERE r.w > {w} OR c.v < {n} RETURN count(DISTINCT a) AS a, count(DISTINCT b) AS b")
            }
            // Subqueries: comprehensions with WHERE, pattern predicates.
            33 => format!("MATCH {start} RETURN a.k AS k, size([(a){h1}(b) WHERE {f} | b.k]) AS n ORDER BY k"),
            34 => {
                let (h3, _) = self.hop("");
                format!("MATCH {start}{h1}(b) WHERE (b){h2}(){h3}(a) RETURN count(*) AS n, count(DISTINCT b) AS d")
            }
            35 => format!("MATCH {start} WHERE NOT (a){h1}(:B) AND {fa} RETURN count(a)"),
            36 => {
                let w = self.rng.below(10);
                format!("MATCH {start}{h1}(b) WHERE r.w IS NOT NULL AND r.w <= {w} RETURN r.w AS w, count(*) AS n ORDER BY w")
            }
            37 => format!("MATCH {start}{h1}(b) WHERE r.w IS NULL RETURN count(*) AS n"),
            38 => {
                let (x, y) = (self.rng.below(20), self.rng.below(10));
                format!("MATCH {start}{h1}(b) WHERE b.v IN [{x}, -1, {y}] AND r.w IN [{y}, 3] RETURN b.v AS v, count(*) AS n ORDER BY v")
            }
            // A predicate on every relationship of a variable-length path.
            39 => {
                let w = self.rng.below(10);
                format!("MATCH p = {start}{vh}(b) WHERE all(x IN relationships(p) WHERE x.w >= {w} OR x.w IS NULL) RETURN count(*) AS n, count(DISTINCT b) AS d")
            }
            40 => {
                let w = self.rng.below(10);
                format!("MATCH p = {start}{vh}(b) WHERE all(x IN relationships(p) WHERE x.w < a.v + {w}) RETURN b.k AS k, length(p) AS l ORDER BY k, l")
            }
            41 => {
                let t = self.rng.pick(&["['R', 'S']", "['T']", "['S', 'X']", "['R', 'T', 'R']"]);
                format!("MATCH {start}{h1}(b) WHERE type(r) IN {t} RETURN type(r) AS t, count(DISTINCT b) AS d ORDER BY t")
            }
            // Integer equalities inside node checks.
            42 => {
                // `k` is never written as text: its column survives writes.
                let (x, y) = (self.rng.below(self.nodes), self.rng.below(20));
                format!("UNWIND [{x}, {y}, 3, -1] AS i MATCH {start}{h1}(b{far} {{k: i}}) RETURN i, count(*) AS n ORDER BY i")
            }
            _ => {
                let fa2 = self.int_filter("a");
                format!("MATCH {start}{h1}(b) WITH a, b MATCH (b){h2}(c)-[r3:R]-(a) WHERE {fa2} OR c.v > r3.w RETURN a.k AS a, count(c) AS n ORDER BY a LIMIT 7")
            }
        }
    }

    /// An expression that may fail on some rows.
    fn risky(&mut self) -> String {
        self.rng
            .pick(&[
                "1/0",
                "b.v / (b.v - b.v)",
                "toInteger(b.name) + 1",
                "b.v + 1",
                "a.k",
            ])
            .to_string()
    }

    fn write(&mut self) -> String {
        let start = self.start();
        let (h1, _) = self.hop("r");
        let f = self.int_filter("a");
        let n = self.rng.below(self.nodes);
        let m = self.rng.below(self.nodes);
        match self.rng.below(13) {
            11 => format!("MATCH {start}{h1}(b) WHERE {f} SET r.w = {} RETURN count(*)", n % 12),
            12 => format!("MATCH {start}{h1}(b) WHERE r.w > {} DELETE r RETURN count(*)", n % 9),
            9 => format!("MATCH (a) WHERE a.k % 31 = {} AND NOT (a)--() DELETE a WITH a WHERE a.v > 5 RETURN count(*)", n % 31),
            10 => format!("MATCH (a) WHERE a.k % 31 = {} AND NOT (a)--() DELETE a WITH a RETURN count(a)", n % 31),
            0 => format!("MATCH {start} WHERE {f} SET a.v = a.v + 1 RETURN count(*)"),
            1 => format!("MATCH (a {{k: {n}}}) DETACH DELETE a"),
            2 => format!(
                "MATCH (a {{k: {n}}}), (b {{k: {m}}}) CREATE (a)-[:R {{w: {}}}]->(b)",
                self.rng.below(10)
            ),
            3 => format!("CREATE (:A:C {{k: {}, v: {}}})", self.nodes + n, n % 20),
            4 => format!("MATCH (a{}) WHERE a.k % 97 = {} DELETE a WITH a WHERE a.v > 5 RETURN count(*)", self.label(), n % 97),
            5 => format!("MATCH {start}{h1}(b) DELETE r WITH a, b MATCH (a){h1}(b) RETURN count(*)"),
            6 => format!("MATCH (a {{k: {n}}}) SET a.v = null"),
            7 => format!("MATCH {start}{h1}(b) WHERE {f} SET b:C RETURN count(DISTINCT b)"),
            _ => format!("MATCH (a {{k: {n}}}) SET a.v = 'text' RETURN a.v"),
        }
    }
}

/// What a statement did, in a form two runs can be compared by.
#[derive(Debug, PartialEq)]
enum Outcome {
    Rows(Vec<String>),
    Error(&'static str),
    Timeout,
}

fn run(engine: &mut Engine, q: &str, plain: bool) -> Outcome {
    let options = RunOptions {
        timeout: Some(Duration::from_secs(20)),
        no_optimize: plain,
        ..RunOptions::default()
    };
    match engine.run_with(q, &Params::new(), &options) {
        Ok(r) => {
            let mut rows: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
            if !q.contains("ORDER BY") {
                rows.sort();
            }
            rows.push(format!("{:?}", r.stats));
            Outcome::Rows(rows)
        }
        Err(e) if e.code == "Timeout" => Outcome::Timeout,
        Err(e) => Outcome::Error(e.code),
    }
}

/// Every node and relationship with its labels, type and properties.
fn dump(engine: &mut Engine) -> Vec<String> {
    let q = "MATCH (n) OPTIONAL MATCH (n)-[r]->(m) \
             RETURN n.k, labels(n), n.v, n.name, type(r), r.w, m.k";
    let r = engine
        .run_with(
            q,
            &Params::new(),
            &RunOptions {
                no_optimize: true,
                ..RunOptions::default()
            },
        )
        .expect("the dump runs");
    let mut rows: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
    rows.sort();
    rows
}

/// Runs `pairs` random statements (about one in `write_every` a write)
/// on two copies of a random graph, optimized and plain; panics on the
/// first difference.
fn compare(seed: u64, nodes: u64, rels: u64, pairs: usize, write_every: u64) -> Tally {
    let mut rng = Rng(seed);
    let graph = random_graph(&mut rng, nodes, rels);
    let mut fast = Engine::with_graph(graph.clone());
    let mut plain = Engine::with_graph(graph);
    let big = rels >= ADJACENCY_MIN_RELATIONS as u64;
    let mut tally = Tally::default();
    let mut wrote = false;
    for i in 0..pairs {
        let q = {
            let mut gen = Queries {
                rng: &mut rng,
                nodes,
                big,
            };
            if gen.rng.below(write_every) == 0 {
                gen.write()
            } else {
                gen.read()
            }
        };
        if i % 10 == 0 {
            let explained = fast
                .run(&format!("EXPLAIN VERBOSE {q}"), &Params::new())
                .ok()
                .and_then(|r| r.plan)
                .unwrap_or_default();
            tally.rewritten += usize::from(explained.contains("After rule"));
            tally.intersected += usize::from(explained.contains("Expand intersect"));
            tally.explained += 1;
        }
        let a = run(&mut fast, &q, false);
        tally.layout |= fast.graph().adjacency().is_some();
        let b = run(&mut plain, &q, true);
        assert!(
            plain.graph().adjacency().is_none(),
            "the plain engine never builds the compact layout"
        );
        match &a {
            Outcome::Error(_) => tally.errors += 1,
            Outcome::Rows(rows) => tally.rows += usize::from(rows.len() > 1),
            Outcome::Timeout => {}
        }
        if a == Outcome::Timeout || b == Outcome::Timeout {
            tally.timeouts += 1;
            // The two graphs may now differ: start again from a copy.
            let g = plain.graph().clone();
            fast = Engine::with_graph(g.clone());
            plain = Engine::with_graph(g);
            continue;
        }
        assert_eq!(a, b, "seed {seed}, pair {i}: {q}");
        if kg_writes(&q) {
            wrote = true;
            if i % 5 == 0 {
                assert_eq!(
                    dump(&mut fast),
                    dump(&mut plain),
                    "seed {seed}, pair {i}: {q}"
                );
            }
        }
    }
    if wrote {
        assert_eq!(dump(&mut fast), dump(&mut plain), "seed {seed}: at the end");
    }
    tally.pairs = pairs;
    tally
}

/// What the pairs of [`compare`] did.
#[derive(Debug, Default)]
struct Tally {
    pairs: usize,
    /// Pairs that timed out (skipped).
    timeouts: usize,
    /// Pairs that failed (the same way on both sides).
    errors: usize,
    /// Pairs that returned at least one row.
    rows: usize,
    /// Of the statements explained (one in ten), how many a rule rewrote.
    explained: usize,
    rewritten: usize,
    /// Of those, how many closed a cycle by intersection.
    intersected: usize,
    /// The optimized engine ran with the compact adjacency layout.
    layout: bool,
}

impl Tally {
    /// Checks that the pairs were worth comparing: most returned rows,
    /// some failed, the rules rewrote many of the plans.
    fn check(&self, seed: u64) {
        assert!(self.rows * 2 >= self.pairs, "seed {seed}: {self:?}");
        assert!(self.errors > 0, "seed {seed}: {self:?}");
        assert!(
            self.rewritten * 4 >= self.explained,
            "seed {seed}: {self:?}"
        );
    }
}

fn kg_writes(q: &str) -> bool {
    ["SET ", "DELETE ", "CREATE "].iter().any(|w| q.contains(w))
}

/// The number of pairs a test runs: `n` scaled by `KG_ORACLE_PAIRS` (a
/// percentage, default 100).
fn scaled(n: usize) -> usize {
    let pct: usize = std::env::var("KG_ORACLE_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    (n * pct / 100).max(1)
}

#[test]
fn tiny_graphs_agree() {
    let mut intersected = 0;
    for seed in 0..20 {
        let tally = compare(seed, 12, 30, scaled(200), 6);
        tally.check(seed);
        intersected += tally.intersected;
        assert_eq!(tally.timeouts, 0, "seed {seed}");
        assert!(!tally.layout, "too small for the compact layout");
    }
    assert!(intersected > 0, "no plan closed a cycle by intersection");
}

#[test]
fn small_graphs_agree() {
    let mut intersected = 0;
    for seed in 100..108 {
        let tally = compare(seed, 150, 300, scaled(500), 8);
        tally.check(seed);
        intersected += tally.intersected;
        assert_eq!(tally.timeouts, 0, "seed {seed}");
    }
    assert!(intersected > 0, "no plan closed a cycle by intersection");
}

#[test]
fn graphs_past_the_fast_path_thresholds_agree() {
    let mut intersected = 0;
    let rels = ADJACENCY_MIN_RELATIONS as u64 + 1500;
    for seed in 200..202 {
        let tally = compare(seed, 2500, rels, scaled(1000), 10);
        tally.check(seed);
        intersected += tally.intersected;
        assert!(tally.timeouts <= 2, "seed {seed}: {tally:?}");
        assert!(
            tally.layout,
            "seed {seed}: the optimized engine used the compact layout"
        );
        eprintln!("seed {seed}: {tally:?}");
    }
    assert!(intersected > 0, "no plan closed a cycle by intersection");
}
