//! Executor tests that bypass the static checks (for plan features the
//! checker does not accept yet) or look at plan shapes directly.

use super::{collect, Ctx, Guard, Row};
use crate::engine::Engine;
use crate::eval::Params;
use crate::plan::Op;
use crate::value::Value;

fn engine(setup: &str) -> Engine {
    let mut e = Engine::new();
    if let Err(err) = e.run(setup, &Params::new()) {
        panic!("{}", err.render("setup", setup));
    }
    e
}

/// Plans and runs a statement without the static checks.
fn run_statement(e: &mut Engine, st: &crate::syntax::ast::Statement) -> Vec<Row> {
    let plan = crate::plan::build(st, e.graph()).unwrap_or_else(|err| panic!("{err}"));
    let params = Params::new();
    let guard = Guard::default();
    let mut ctx = Ctx::writer(e.graph_mut(), &params, &guard);
    collect(&plan.root, &mut ctx).unwrap_or_else(|err| panic!("{err}"))
}

fn parse(q: &str) -> crate::syntax::ast::Statement {
    crate::syntax::parse(q).unwrap_or_else(|err| panic!("{}", err.render("q", q)))
}

/// `RETURN f(shortestPath(<pattern>))`: the parser does not accept a
/// pattern as a function argument yet, so the call's argument is swapped
/// for the pattern of a MATCH.
fn with_shortest(q: &str, pattern: &str) -> crate::syntax::ast::Statement {
    use crate::syntax::ast::{ClauseKind, Expr, ExprKind};
    let mut st = parse(q);
    let m = parse(&format!("MATCH {pattern} RETURN 1"));
    let ClauseKind::Match(mm) = &m.query.first.clauses[0].kind else {
        panic!("not a match");
    };
    let el = mm.pattern.parts[0].element.clone();
    fn swap(e: &mut Expr, el: &crate::syntax::ast::PatternElement) {
        if let ExprKind::Function { name, args, .. } = &mut e.kind {
            if name[0].name == "shortestPath" {
                args[0] = Expr::new(ExprKind::Pattern(Box::new(el.clone())), args[0].span);
                return;
            }
            for a in args {
                swap(a, el);
            }
        }
    }
    for c in &mut st.query.first.clauses {
        if let ClauseKind::Return(p) = &mut c.kind {
            for it in &mut p.items {
                swap(&mut it.expr, &el);
            }
        }
    }
    st
}

#[test]
fn shortest_path_as_an_expression() {
    let mut e =
        engine("CREATE (a:A)-[:R]->(:M)-[:R]->(b:B), (a)-[:R]->(:M)-[:R]->(:M)-[:R]->(b), (:C)");
    let st = with_shortest(
        "MATCH (a:A), (b:B) RETURN length(shortestPath(a)) AS len",
        "(a)-[*]->(b)",
    );
    assert_eq!(run_statement(&mut e, &st), vec![vec![Value::Int(2)]]);
    let st = with_shortest(
        "MATCH (a:A), (b:C) RETURN shortestPath(a) AS p",
        "(a)-[*]->(b)",
    );
    assert_eq!(run_statement(&mut e, &st), vec![vec![Value::Null]]);
}

#[test]
fn plans_number_their_nodes() {
    let e = engine("CREATE (:A)");
    let st = crate::syntax::parse("MATCH (a:A) OPTIONAL MATCH (a)-->(b) RETURN a, b")
        .unwrap_or_else(|err| panic!("{err}"));
    let plan = crate::plan::build(&st, e.graph()).unwrap_or_else(|err| panic!("{err}"));
    let mut ids = Vec::new();
    fn walk(p: &crate::plan::Plan, ids: &mut Vec<usize>) {
        ids.push(p.id);
        for c in p.op.children() {
            walk(c, ids);
        }
    }
    walk(&plan.root, &mut ids);
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "ids are unique");
    assert_eq!(plan.root.size(), n);
    assert!(matches!(plan.root.op, Op::Project { .. }));
}

/// The optimized plan of `q` over an empty graph.
fn optimized(q: &str) -> crate::plan::Plan {
    let e = Engine::new();
    let plan = crate::plan::build(&parse(q), e.graph()).unwrap_or_else(|err| panic!("{err}"));
    crate::plan::optimize::optimize(plan).root
}

/// Whether the `count(DISTINCT x)` rule replaced the aggregate nearest
/// the plan's root.
fn count_ends_applies(q: &str) -> bool {
    count_shortcut(q) == "ends"
}

#[test]
fn count_distinct_ends_shortcut_applies_to_its_shape_only() {
    for q in [
        "MATCH (s:A)-->(x) RETURN count(DISTINCT x)",
        "MATCH (s:A)-[:T]-(x:B) WHERE x <> s RETURN count(DISTINCT x) AS n",
        "MATCH (s:A)-[*1..3]->(x) WHERE s <> x RETURN count(DISTINCT x)",
        "MATCH (s:A)-[*0..2]-(x) RETURN count(DISTINCT x)",
        "MATCH (s:A)-->(a) WITH DISTINCT a MATCH (a)-->(b) RETURN count(DISTINCT b)",
    ] {
        assert!(count_ends_applies(q), "{q}");
    }
    for q in [
        // Not distinct, grouped, another aggregate, or another filter.
        "MATCH (s:A)-->(x) RETURN count(x)",
        "MATCH (s:A)-->(x) RETURN s, count(DISTINCT x)",
        "MATCH (s:A)-->(x) RETURN count(DISTINCT x), count(*)",
        "MATCH (s:A)-->(x) WHERE x.k > 1 RETURN count(DISTINCT x)",
        // The start may come back through a cycle: no filter excludes it.
        "MATCH (s:A)-[*1..3]->(x) RETURN count(DISTINCT x)",
        // Trails, not reachability (a relationship variable is kept).
        "MATCH (s:A)-[r*1..3]->(x) RETURN count(DISTINCT x)",
        // A second relationship in the same MATCH constrains uniqueness.
        "MATCH (s:A)-->(m)-->(x) RETURN count(DISTINCT x)",
    ] {
        assert!(!count_ends_applies(q), "{q}");
    }
}

/// Which counting operator the optimizer put where the aggregate nearest
/// the root was: `ends`, `rows`, `groups` or `none`.
fn count_shortcut(q: &str) -> &'static str {
    fn find(p: &crate::plan::Plan) -> Option<&'static str> {
        match &p.op {
            Op::CountDistinctEnds { .. } => Some("ends"),
            Op::CountExpandRows { .. } => Some("rows"),
            Op::GroupCountExpand { .. } => Some("groups"),
            Op::Aggregate { .. } => Some("none"),
            _ => p.op.children().into_iter().find_map(find),
        }
    }
    find(&optimized(q)).unwrap_or_else(|| panic!("no aggregate in {q}"))
}

#[test]
fn row_and_group_count_shortcuts_apply_to_their_shapes() {
    for (q, want) in [
        ("MATCH (a:A)-->(b) RETURN count(*)", "rows"),
        ("MATCH (a:A)-->(b) WHERE b.x > 1 RETURN count(*)", "rows"),
        (
            "MATCH (a:A)-->(o)<--(b) WHERE a <> b WITH DISTINCT a, b RETURN count(*)",
            "rows",
        ),
        (
            "MATCH (a:A)-->(b) RETURN a.name, count(DISTINCT b)",
            "groups",
        ),
        (
            "MATCH (a:A)-->(b:B) WHERE b.y >= 2 RETURN a, count(*), count(b)",
            "groups",
        ),
        // Keys reading the far node, other aggregates, variable length.
        ("MATCH (a:A)-->(b) RETURN b.name, count(*)", "none"),
        ("MATCH (a:A)-->(b) RETURN a, collect(b)", "none"),
        ("MATCH (a:A)-[*1..2]->(b) RETURN a, count(*)", "none"),
        ("MATCH (a:A)-->(b) RETURN a, count(DISTINCT b.name)", "none"),
        // A distinct not known to hold.
        (
            "UNWIND [1, 2] AS i MATCH (a:A)-->(o)<--(b) WITH DISTINCT a, b RETURN count(*)",
            "none",
        ),
    ] {
        assert_eq!(count_shortcut(q), want, "{q}");
    }
}

/// The far-node flags of a statement's single-hop expansions (those the
/// counting rules folded into their operators too), bottom up.
fn far_fetches(q: &str) -> Vec<bool> {
    fn find(p: &crate::plan::Plan, out: &mut Vec<bool>) {
        for c in p.op.children() {
            find(c, out);
        }
        match &p.op {
            Op::Expand { spec, .. }
            | Op::CountExpandRows { spec, .. }
            | Op::GroupCountExpand { spec, .. }
            | Op::CountDistinctEnds { spec, .. }
                if spec.var.is_none() =>
            {
                out.push(spec.fetch_far)
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    find(&optimized(q), &mut out);
    out
}

#[test]
fn expansions_fetch_far_nodes_whose_properties_are_read() {
    for (q, want) in [
        (
            "MATCH (s:A)-[:T]->(x) RETURN DISTINCT x.name AS name",
            vec![true],
        ),
        ("MATCH (s:A)-->(x) WHERE x.k > 1 RETURN x", vec![true]),
        ("MATCH (s:A)-->(x) WITH x AS y RETURN y.name", vec![true]),
        ("MATCH (s:A)-->(x) RETURN x ORDER BY x.k", vec![true]),
        ("MATCH (s:A)-->(x) RETURN x.k, count(*)", vec![true]),
        // Only the start's properties, or no properties, are read.
        ("MATCH (s:A)-->(x) RETURN s.name, count(x)", vec![false]),
        ("MATCH (s:A)-->(x) RETURN x", vec![false]),
        (
            "MATCH (s:A)-->(a) WITH DISTINCT a MATCH (a)-->(b) RETURN count(DISTINCT b)",
            vec![false, false],
        ),
        ("MATCH (s:A)-->(a)-->(b) RETURN b.name", vec![false, true]),
        // A renamed variable is another node above the projection.
        ("MATCH (s:A)-->(x) WITH s AS x RETURN x.name", vec![false]),
    ] {
        assert_eq!(far_fetches(q), want, "{q}");
    }
}
