//! Rule `path_predicate_into_expand`: a predicate that every relationship
//! of a variable-length path must satisfy is tested while the trails are
//! followed, cutting a trail at the first relationship that fails it.
//!
//! `all(r IN relationships(p) WHERE q)` over a path `p` of one
//! variable-length step holds exactly for the trails whose relationships
//! all satisfy `q`; a trail with a failing relationship can never be
//! extended into one that holds. The expansion tests `q` on each
//! relationship before it follows it (`Expand::each_rel`) and the filter
//! goes away. Applies when `q` cannot fail (comparisons of the
//! relationship's properties with literals, parameters and variables
//! bound before the expansion) and reads nothing the path binds but `r`.
//!
//! ```text
//! before                                              after
//! Filter: all(r IN relationships(p) WHERE r.w > 1)   Build path: p
//! └─ Build path: p                                    └─ Var-length expand: (a)-[*1..3]->(b), each relationship: r.w > 1
//!    └─ Var-length expand: (a)-[*1..3]->(b)              └─ Label scan: (a:A)
//!       └─ Label scan: (a:A)
//! ```

use std::collections::BTreeSet;

use super::analysis::{boolean_safe, transform_up};
use super::Rule;
use crate::plan::{EachRel, Op, PathStep, Plan};
use crate::syntax::ast::{Expr, ExprKind, Quantifier};

/// See the module documentation.
pub struct PathPredicateIntoExpand;

impl Rule for PathPredicateIntoExpand {
    fn name(&self) -> &'static str {
        "path_predicate_into_expand"
    }

    fn rewrite(&self, plan: Plan) -> Plan {
        transform_up(plan, &mut |mut plan| {
            let Op::Filter { input, predicate } = &mut plan.op else {
                return plan;
            };
            if !push_down(input, predicate) {
                return plan;
            }
            match plan.op {
                Op::Filter { input, .. } => *input,
                op => Plan { op, ..plan },
            }
        })
    }
}

/// `(r, p, q)` of `all(r IN relationships(p) WHERE q)`.
fn each_relationship(e: &Expr) -> Option<(&str, &str, &Expr)> {
    let ExprKind::Quantified {
        quantifier: Quantifier::All,
        variable,
        list,
        predicate: Some(q),
    } = &e.kind
    else {
        return None;
    };
    let ExprKind::Function {
        name,
        args,
        distinct: false,
    } = &list.kind
    else {
        return None;
    };
    if !name.text().eq_ignore_ascii_case("relationships") {
        return None;
    }
    match args.as_slice() {
        [Expr {
            kind: ExprKind::Variable(p),
            ..
        }] => Some((variable.name.as_str(), p.as_str(), q)),
        _ => None,
    }
}

/// `f` of the plan under the filters on top of `plan`.
fn under_filters<R>(plan: &mut Plan, f: impl FnOnce(&mut Plan) -> R) -> R {
    match &mut plan.op {
        Op::Filter { input, .. } => under_filters(input, f),
        _ => f(plan),
    }
}

/// Moves `predicate` into the expansion of the path it tests, below
/// `plan` (through filters); true when it did.
fn push_down(plan: &mut Plan, predicate: &Expr) -> bool {
    let Some((r, path, q)) = each_relationship(predicate) else {
        return false;
    };
    under_filters(plan, |below| {
        let Op::BuildPath {
            input, steps, name, ..
        } = &mut below.op
        else {
            return false;
        };
        let [PathStep::Multi(rel, _)] = steps.as_slice() else {
            return false;
        };
        if name != path {
            return false;
        }
        let rel = *rel;
        under_filters(input, |below| {
            let Op::Expand { input, spec } = &mut below.op else {
                return false;
            };
            let plain_trails = spec.var.is_some_and(|v| !v.bfs);
            if spec.rel != rel || !plain_trails || spec.rel_bound || spec.each_rel.is_some() {
                return false;
            }
            // The start node is a node (or null): its properties are safe.
            let start = input
                .scope
                .vars()
                .find(|(_, s)| *s == spec.from)
                .map(|(n, _)| n.to_string());
            match each_rel(r, q, &input.scope, start) {
                Some(each) => {
                    spec.each_rel = Some(each);
                    true
                }
                None => false,
            }
        })
    })
}

/// `q` tested on relationship `r` after rows of `scope`, when it reads
/// nothing else the path binds and cannot fail (properties of `r` and of
/// the `start` node only).
fn each_rel(
    r: &str,
    q: &Expr,
    scope: &crate::plan::Scope,
    start: Option<String>,
) -> Option<EachRel> {
    // What `q` reads besides `r` must be bound before the expansion.
    let mut reads = BTreeSet::new();
    crate::plan::expr::free_vars(q, &mut reads);
    reads.remove(r);
    if scope.contains(r) || !reads.iter().all(|v| scope.contains(v)) {
        return None;
    }
    let mut entities: BTreeSet<String> = start.into_iter().collect();
    entities.insert(r.to_string());
    if !boolean_safe(q, &entities) {
        return None;
    }
    let mut scope = scope.clone();
    scope.push(r);
    Some(EachRel {
        predicate: q.clone(),
        scope,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{count_ops, expands, planned};
    use super::*;

    fn pushed(q: &str) -> bool {
        let plan = PathPredicateIntoExpand.rewrite(planned(q));
        let moved = expands(&plan).iter().any(|e| e.each_rel.is_some());
        let filters = count_ops(
            &plan,
            |op| matches!(op, Op::Filter { predicate, .. } if each_relationship(predicate).is_some()),
        );
        if moved {
            assert_eq!(filters, 0, "{q}: the filter stayed");
        }
        moved
    }

    #[test]
    fn a_predicate_on_every_relationship_cuts_trails() {
        for q in [
            "MATCH p = (a:A)-[:R*1..3]->(b) WHERE all(r IN relationships(p) WHERE r.w >= 2) RETURN count(DISTINCT b)",
            "MATCH p = (a:A)-[*]-(b:B) WHERE a.x > 1 AND all(r IN relationships(p) WHERE r.w = a.x OR r.w IS NULL) RETURN p",
            "MATCH p = (a:A)<-[*0..2]-(b) WHERE all(r IN relationships(p) WHERE NOT r.w < $min) RETURN b",
        ] {
            assert!(pushed(q), "{q}");
        }
    }

    #[test]
    fn other_path_predicates_stay() {
        for q in [
            // Reads the far node.
            "MATCH p = (a:A)-[*1..3]->(b) WHERE all(r IN relationships(p) WHERE r.w = b.w) RETURN b",
            // May fail.
            "MATCH p = (a:A)-[*1..3]->(b) WHERE all(r IN relationships(p) WHERE 1 / r.w > 0) RETURN b",
            // Another quantifier, the nodes of the path, a fixed-length path.
            "MATCH p = (a:A)-[*1..3]->(b) WHERE any(r IN relationships(p) WHERE r.w > 1) RETURN b",
            "MATCH p = (a:A)-[*1..3]->(b) WHERE all(n IN nodes(p) WHERE n.w > 1) RETURN b",
            "MATCH p = (a:A)-[:R]->(b) WHERE all(r IN relationships(p) WHERE r.w > 1) RETURN b",
            // A path of two steps.
            "MATCH p = (a:A)-[*1..2]->(b)-[*1..2]->(c) WHERE all(r IN relationships(p) WHERE r.w > 1) RETURN c",
        ] {
            assert!(!pushed(q), "{q}");
        }
    }
}
