//! Cardinality estimates for choosing where a pattern starts.
//!
//! The planner starts each connected pattern at the node expected to match
//! the fewest nodes. The estimate starts from the smallest label count (or
//! the node count), then narrows it: a string property equal to a literal
//! is counted exactly through the graph's property index (built once per
//! label and key, kept until entities change), and every other condition
//! on the node alone (`WHERE` conjuncts that read only it) multiplies the
//! estimate by a fixed selectivity per kind of predicate, in the manner of
//! System R's defaults.

use crate::store::Graph;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal, UnaryOp};

use super::expr::free_vars;
use super::{NodeCheck, PropSpec};

/// From this many candidate nodes on, a string equality is counted through
/// the property index rather than guessed.
const COUNT_FROM: usize = 512;

/// The fraction of rows a predicate is expected to keep.
pub fn selectivity(e: &Expr) -> f64 {
    match &e.kind {
        ExprKind::Binary(op, l, r) => match op {
            BinaryOp::And => selectivity(l) * selectivity(r),
            BinaryOp::Or => (selectivity(l) + selectivity(r)).min(1.0),
            BinaryOp::Eq => 0.05,
            BinaryOp::Ne => 0.9,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 0.3,
            BinaryOp::StartsWith | BinaryOp::EndsWith | BinaryOp::Contains | BinaryOp::Regex => 0.1,
            BinaryOp::In => match &r.kind {
                ExprKind::List(items) => (0.05 * items.len() as f64).min(1.0),
                _ => 0.3,
            },
            _ => 0.5,
        },
        ExprKind::Unary(UnaryOp::Not, inner) => (1.0 - selectivity(inner)).max(0.1),
        ExprKind::IsNull(_, negated) => {
            if *negated {
                0.9
            } else {
                0.1
            }
        }
        _ => 0.5,
    }
}

/// The expected number of nodes matching `check`, times `filtered` (the
/// selectivity of the other conditions on the node alone). Property
/// constraints that read variables count as equalities.
pub fn node_rows(graph: &Graph, check: &NodeCheck, filtered: f64) -> f64 {
    let label = check.labels.iter().min_by_key(|l| graph.label_count(l));
    let base = label.map_or(graph.entity_count(), |l| graph.label_count(l));
    let mut rows = base as f64;
    for p in &check.props {
        match p {
            PropSpec::Key(k, e) => {
                rows = match (&e.kind, base >= COUNT_FROM) {
                    (ExprKind::Literal(Literal::String(v)), true) => {
                        rows.min(graph.count_by_string_prop(label.map(String::as_str), k, v) as f64)
                    }
                    _ => rows * 0.05,
                };
            }
            PropSpec::Map(_) => rows *= 0.05,
        }
    }
    rows * filtered
}

/// The expected number of rows one bound node yields when expanded over
/// relationships of `types` (any type when empty) in direction `dir` from
/// a node with `from_labels` to a node with `to_labels`, times `narrowed`
/// (the selectivity of conditions on the relationship and the far node).
///
/// Per type, from the relation statistics ([`Graph::rel_stats`]): the
/// relationships of that type at nodes of the start's most selective label,
/// per node of that label, times the fraction of that type's relationships
/// whose far end carries each of the far node's labels (the ends are taken
/// as independent, as Neo4j's estimates do). An unlabelled start counts
/// the type's relationships per node of the graph. Both directions add up.
pub fn fan_out(
    graph: &Graph,
    from_labels: &[String],
    to_labels: &[String],
    types: &[String],
    dir: super::Dir,
    narrowed: f64,
) -> f64 {
    use crate::store::stats::End;
    let all: Vec<String>;
    let types = if types.is_empty() {
        all = graph.relation_types().map(str::to_string).collect();
        &all[..]
    } else {
        types
    };
    let ends = match dir {
        super::Dir::Out => &[(End::Start, End::Finish)][..],
        super::Dir::In => &[(End::Finish, End::Start)][..],
        super::Dir::Both => &[(End::Start, End::Finish), (End::Finish, End::Start)][..],
    };
    let mut rows = 0.0;
    for t in types {
        let total = graph.type_count(t) as f64;
        if total == 0.0 {
            continue;
        }
        for &(near, far) in ends {
            let per_node = from_labels
                .iter()
                .map(|l| graph.rel_count_at(t, l, near) as f64 / graph.label_count(l).max(1) as f64)
                .min_by(f64::total_cmp)
                .unwrap_or(total / graph.entity_count().max(1) as f64);
            let reaching = to_labels
                .iter()
                .map(|l| graph.rel_count_at(t, l, far) as f64 / total)
                .min_by(f64::total_cmp)
                .unwrap_or(1.0);
            rows += per_node * reaching;
        }
    }
    rows * narrowed
}

/// The selectivity of the conditions among `conditions` that read only
/// the variable `name` (and no other).
pub fn filtered_by<'a>(name: &str, conditions: impl IntoIterator<Item = &'a Expr>) -> f64 {
    conditions
        .into_iter()
        .filter(|c| {
            let mut vars = std::collections::BTreeSet::new();
            free_vars(c, &mut vars);
            vars.len() == 1 && vars.contains(name)
        })
        .map(selectivity)
        .product()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn where_of(q: &str) -> Expr {
        let st = crate::syntax::parse(&format!("MATCH (n) WHERE {q} RETURN n"))
            .unwrap_or_else(|e| panic!("{e}"));
        match &st.query.first.clauses[0].kind {
            crate::syntax::ast::ClauseKind::Match(m) => m.where_.clone().expect("a WHERE"),
            _ => panic!("not a MATCH"),
        }
    }

    #[test]
    fn narrow_predicates_keep_fewer_rows() {
        let eq = selectivity(&where_of("n.a = 1"));
        let contains = selectivity(&where_of("n.name CONTAINS 'x'"));
        let range = selectivity(&where_of("n.a > 1"));
        let ne = selectivity(&where_of("n.a <> 1"));
        assert!(
            eq < contains && contains < range && range < ne,
            "{eq} {contains} {range} {ne}"
        );
        let both = selectivity(&where_of("n.a > 1 AND n.name CONTAINS 'x'"));
        assert!((both - range * contains).abs() < 1e-9);
        assert!(selectivity(&where_of("n.a > 1 OR n.a < 0")) <= 1.0);
    }

    #[test]
    fn a_string_equality_is_counted_exactly_on_large_labels() {
        let mut g = Graph::new();
        for i in 0..1000 {
            let mut props = crate::value::ValueMap::new();
            props.insert(
                "id",
                crate::value::Value::from(format!("x{}", i % 100).as_str()),
            );
            g.add_entity(crate::store::NewEntity {
                labels: vec!["L".into()],
                props,
                ..Default::default()
            })
            .expect("added");
        }
        let check = |value: &str| NodeCheck {
            labels: vec!["L".into()],
            props: vec![PropSpec::Key(
                "id".into(),
                where_of(&format!("n.id = '{value}'")).clone(),
            )],
        };
        // (The expression is the whole comparison here; only literals count.)
        let lit = |v: &str| {
            let mut c = check(v);
            if let PropSpec::Key(_, e) = &mut c.props[0] {
                if let ExprKind::Binary(_, _, r) = &e.kind {
                    *e = (**r).clone();
                }
            }
            c
        };
        assert_eq!(node_rows(&g, &lit("x7"), 1.0), 10.0);
        assert_eq!(node_rows(&g, &lit("absent"), 1.0), 0.0);
        assert_eq!(
            node_rows(
                &g,
                &NodeCheck {
                    labels: vec!["L".into()],
                    props: vec![]
                },
                0.5
            ),
            500.0
        );
    }
}
