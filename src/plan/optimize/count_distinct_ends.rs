//! Rule `count_distinct_ends`: `count(DISTINCT x)` of the far nodes of one
//! expansion is counted by the expansion itself, without a row per far
//! node for the aggregate to dedupe.
//!
//! Applies to an aggregate with no grouping keys and one `count(DISTINCT
//! x)`, where `x` is the far node of a single hop or of a breadth-first
//! variable-length expansion starting at most one hop out (rule
//! [`super::var_length_bfs`]), optionally under a filter `x <> s` that
//! excludes the start node. Without that filter, a breadth-first search
//! from one hop out may reach its start through a cycle; that shape keeps
//! the ordinary operators.
//!
//! ```text
//! before                                   after
//! Aggregate: count(DISTINCT x)             Count distinct ends: (s)-[*1..4]->(x), start excluded
//! └─ Filter: x <> s                        └─ Node seek: (s {id: ...})
//!    └─ Expand: (s)-[*1..4]->(x) (bfs)        └─ Unit
//!       └─ Node seek: (s {id: ...})
//!          └─ Unit
//! ```

use super::analysis::{transform_up, variable_slot};
use super::Rule;
use crate::plan::{Op, Plan};
use crate::syntax::ast::{BinaryOp, ExprKind};

/// See the module documentation.
pub struct CountDistinctEnds;

impl Rule for CountDistinctEnds {
    fn name(&self) -> &'static str {
        "count_distinct_ends"
    }

    fn rewrite(&self, plan: Plan) -> Plan {
        transform_up(plan, &mut |plan| match applies(&plan) {
            Some(exclude_start) => replace(plan, exclude_start),
            None => plan,
        })
    }
}

/// `Some(exclude_start)` when `plan` has the shape this rule replaces.
fn applies(plan: &Plan) -> Option<bool> {
    let Op::Aggregate { input, keys, aggs } = &plan.op else {
        return None;
    };
    let [agg] = aggs.as_slice() else { return None };
    let [arg] = agg.args.as_slice() else {
        return None;
    };
    if !keys.is_empty() || agg.name != "count" || !agg.distinct {
        return None;
    }
    let x = variable_slot(&input.scope, arg)?;
    let (expand, exclude) = match &input.op {
        Op::Filter { input, predicate } => (&**input, Some(predicate)),
        _ => (&**input, None),
    };
    let Op::Expand { spec, .. } = &expand.op else {
        return None;
    };
    let plain = spec.to == x
        && !spec.to_bound
        && !spec.rel_bound
        && spec.unique.is_empty()
        && spec.filter.is_none()
        && spec.var.is_none_or(|v| v.bfs && v.min <= 1);
    if !plain {
        return None;
    }
    let exclude_start = match exclude {
        None => false,
        Some(p) => {
            let ExprKind::Binary(BinaryOp::Ne, l, r) = &p.kind else {
                return None;
            };
            let l = variable_slot(&expand.scope, l)?;
            let r = variable_slot(&expand.scope, r)?;
            if !((l == x && r == spec.from) || (l == spec.from && r == x)) {
                return None;
            }
            true
        }
    };
    if !exclude_start && spec.var.is_some_and(|v| v.min == 1) {
        return None;
    }
    Some(exclude_start)
}

fn replace(plan: Plan, exclude_start: bool) -> Plan {
    let Plan { op, scope, id } = plan;
    let Op::Aggregate { input, .. } = op else {
        return Plan { op, scope, id };
    };
    let expand = match input.op {
        Op::Filter { input, .. } => *input,
        op => Plan { op, ..*input },
    };
    match expand.op {
        Op::Expand { input, spec } => Plan {
            op: Op::CountDistinctEnds {
                input,
                spec,
                exclude_start,
            },
            scope,
            id,
        },
        op => Plan { op, ..expand },
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{count_ops, planned};
    use super::super::var_length_bfs::VarLengthBfs;
    use super::*;

    fn counted(q: &str) -> bool {
        let plan = CountDistinctEnds.rewrite(VarLengthBfs.rewrite(planned(q)));
        count_ops(&plan, |op| matches!(op, Op::CountDistinctEnds { .. })) == 1
    }

    #[test]
    fn distinct_far_nodes_are_counted_by_the_expansion() {
        for q in [
            "MATCH (s:A)-->(x) RETURN count(DISTINCT x)",
            "MATCH (s:A)-->(x) WHERE x <> s RETURN count(DISTINCT x)",
            "MATCH (s:A)-[*1..4]->(x) WHERE s <> x RETURN count(DISTINCT x)",
            "MATCH (s:A)-[*0..2]-(x) RETURN count(DISTINCT x)",
        ] {
            assert!(counted(q), "{q}");
        }
    }

    #[test]
    fn other_counts_keep_the_aggregate() {
        for q in [
            "MATCH (s:A)-->(x) RETURN count(x)",
            "MATCH (s:A)-->(x) RETURN s, count(DISTINCT x)",
            "MATCH (s:A)-->(x) WHERE x.v > 1 RETURN count(DISTINCT x)",
            // From one hop out, a cycle may lead back to the start.
            "MATCH (s:A)-[*1..4]->(x) RETURN count(DISTINCT x)",
            "MATCH (s:A)-[*2..4]->(x) WHERE x <> s RETURN count(DISTINCT x)",
            "MATCH (s:A)-->(m)-->(x) RETURN count(DISTINCT x)",
        ] {
            assert!(!counted(q), "{q}");
        }
    }
}
