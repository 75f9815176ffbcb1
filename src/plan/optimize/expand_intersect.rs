//! Rule `expand_intersect`: a hop that binds a new node, closed right
//! after on a node bound before it, becomes one operator that intersects
//! the new node's candidates from both bound ends.
//!
//! A cycle such as `(a)-->(b)-->(c)-->(a)` is planned as a hop binding `c`
//! from `b`, then a hop from `c` into the bound `a`. Built as written,
//! every candidate `c` of `b` becomes a row (its filters evaluated) before
//! the closing hop drops those not joined to `a`. `ExpandIntersect` reads
//! both candidate lists, `b`'s and `a`'s, and builds rows only for the
//! nodes in both: the binary intersection step of a worst-case-optimal
//! join (Kuzu, and Graphflow before it, intersect the same way).
//!
//! ```text
//! before                                          after
//! Expand (into): (c)-[r3]->(a) WHERE r3.w > 1     Expand intersect: (b)-[r2]->(c) WHERE r2.w > 1
//! └─ Filter: r2.w > 1                                   and (c)-[r3]->(a) WHERE r3.w > 1
//!    └─ Expand: (b)-[r2]->(c)                     └─ Expand: (a)-[r1]->(b)
//!       └─ Expand: (a)-[r1]->(b)                     └─ ...
//!          └─ ...
//! ```
//!
//! The first hop's filters are then tested only on the intersected
//! candidates, so the rule applies only when they cannot raise an error
//! (comparisons of properties of the hop's nodes and relationships with
//! each other, literals and parameters, combined with AND, OR, NOT): a
//! filter that may fail must still see every candidate. The closing hop's
//! relationship properties are resolved once per input row, so they too
//! must not fail or read what the first hop binds. Both hops are single,
//! and the rule runs before the rules that mark expansions.

use std::collections::BTreeSet;

use super::analysis::{boolean_safe, fold_hop, transform_up, value_safe, Hop};
use super::Rule;
use crate::plan::{Expand, Op, Plan, PropSpec, Scope};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind};

/// See the module documentation.
pub struct ExpandIntersect;

impl Rule for ExpandIntersect {
    fn name(&self) -> &'static str {
        "expand_intersect"
    }

    fn rewrite(&self, plan: Plan) -> Plan {
        transform_up(plan, &mut |plan| {
            if applies(&plan) {
                replace(plan)
            } else {
                plan
            }
        })
    }
}

/// The filters stacked right above an expansion, bottom first, and the
/// expansion.
fn filters_over(mut plan: &Plan) -> (Vec<&Expr>, &Plan) {
    let mut filters = Vec::new();
    while let Op::Filter { input, predicate } = &plan.op {
        filters.push(predicate);
        plan = input;
    }
    filters.reverse();
    (filters, plan)
}

fn single(spec: &Expand) -> bool {
    spec.var.is_none() && spec.dedupe.is_none() && !spec.rel_bound
}

fn applies(plan: &Plan) -> bool {
    // The closing hop, with at most one filter folded in.
    let closing_plan = match &plan.op {
        Op::Filter { input, .. } => input,
        _ => plan,
    };
    let Op::Expand {
        input: below,
        spec: closing,
    } = &closing_plan.op
    else {
        return false;
    };
    if !single(closing) || !closing.to_bound {
        return false;
    }
    let (filters, first_plan) = filters_over(below);
    let Op::Expand { input, spec: first } = &first_plan.op else {
        return false;
    };
    let in_width = input.scope.width();
    // The closing hop joins the new node and a node bound before, written
    // either way round.
    let (new_end, bound_end) = if closing.from == first.to {
        (closing.from, closing.to)
    } else {
        (closing.to, closing.from)
    };
    let closes_on_new = new_end == first.to && first.to >= in_width;
    let other_bound = bound_end < in_width;
    if !single(first) || first.to_bound || !closes_on_new || !other_bound {
        return false;
    }
    if first.filter.is_some() && !filters.is_empty() {
        return false;
    }
    // What the first hop's filters may read without failing.
    let scope = &first_plan.scope;
    let entities = names_of(
        scope,
        [first.from, first.rel, first.to, closing.to].into_iter(),
    );
    let first_filters = filters.into_iter().chain(first.filter.as_ref());
    if !first_filters
        .into_iter()
        .all(|f| boolean_safe(f, &entities))
    {
        return false;
    }
    // The closing relationship's properties, resolved per input row.
    closing.rel_props.iter().all(|p| match p {
        PropSpec::Key(_, e) | PropSpec::Map(e) => {
            value_safe(e, &BTreeSet::new())
                && super::analysis::slots_of(&input.scope, [e]).is_some()
        }
    })
}

fn replace(plan: Plan) -> Plan {
    let Plan { op, scope, id } = plan;
    let whole = Plan { op, scope, id };
    let (top_id, top_scope) = (whole.id, whole.scope.clone());
    let closing = match fold_hop(whole) {
        Ok(hop) => hop,
        Err(plan) => return *plan,
    };
    let Hop {
        input: below,
        spec: mut closing_spec,
        scope: closing_scope,
    } = closing;
    // The filters under the closing hop fold into the first hop, as one
    // conjunction (none of them can fail, so their order does not matter).
    let mut below = *below;
    let mut conjuncts = Vec::new();
    while let Op::Filter { .. } = below.op {
        let Plan { op, .. } = below;
        let Op::Filter { input, predicate } = op else {
            unreachable!("matched a filter")
        };
        conjuncts.push(predicate);
        below = *input;
    }
    let Plan {
        op: Op::Expand { input, mut spec },
        scope: first_scope,
        ..
    } = below
    else {
        // (Not reached: `applies` checked the shape.)
        return below;
    };
    if let Some(f) = spec.filter.take() {
        conjuncts.push(f);
    }
    if closing_spec.to == spec.to {
        // Written from the bound node into the new one: the same single
        // hop taken the other way round.
        std::mem::swap(&mut closing_spec.from, &mut closing_spec.to);
        closing_spec.dir = closing_spec.dir.reverse();
    }
    spec.filter = conjoin(conjuncts);
    debug_assert_eq!(top_scope.width(), closing_scope.width());
    Plan {
        op: Op::ExpandIntersect {
            input,
            first: spec,
            first_scope,
            closing: closing_spec,
        },
        scope: closing_scope,
        id: top_id,
    }
}

/// `a AND b AND ...`, or `None` for no conjuncts.
fn conjoin(mut conjuncts: Vec<Expr>) -> Option<Expr> {
    conjuncts.reverse();
    let mut acc = conjuncts.pop()?;
    while let Some(next) = conjuncts.pop() {
        let span = acc.span;
        acc = Expr {
            kind: ExprKind::Binary(BinaryOp::And, Box::new(acc), Box::new(next)),
            span,
        };
    }
    Some(acc)
}

/// The names of `slots` in `scope`.
fn names_of(scope: &Scope, slots: impl Iterator<Item = usize>) -> BTreeSet<String> {
    let slots: BTreeSet<usize> = slots.collect();
    scope
        .vars()
        .filter(|(_, s)| slots.contains(s))
        .map(|(n, _)| n.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{count_ops, planned};
    use super::*;

    fn intersected(q: &str) -> bool {
        let plan = ExpandIntersect.rewrite(planned(q));
        count_ops(&plan, |op| matches!(op, Op::ExpandIntersect { .. })) == 1
    }

    #[test]
    fn a_hop_closed_on_a_bound_node_is_intersected() {
        for q in [
            "MATCH (a:A)-[:R]->(b)-[:R]->(c)-[:R]->(a) RETURN a, b, c",
            "MATCH (a:A)-[r1]->(b)-[r2]->(c)-[r3]->(a) WHERE r2.w >= 2 AND c <> a AND r3.w < 5 RETURN count(*)",
            "MATCH (a:A)-[:R]-(b)-[:R]-(c)-[:R]-(a) RETURN count(*)",
            "MATCH (a:A)-->(b)-->(c)-->(d)-->(a) WHERE NOT c.x = 1 OR c.y IS NULL RETURN count(*)",
            "MATCH (a:A)-->(b)-->(c)-[{w: 1}]->(a) RETURN count(*)",
            "MATCH (a:A)-->(b)-->(c)-->(a) WHERE c.x IN [1, 2] RETURN count(*)",
            // The closing hop written from the bound node.
            "MATCH (a:A)-[:R]->(o)<-[:R]-(b)-[:R]->(a) RETURN count(*)",
        ] {
            assert!(intersected(q), "{q}");
        }
    }

    #[test]
    fn filters_that_may_fail_keep_the_plain_plan() {
        for q in [
            // Division may fail on a candidate the intersection drops.
            "MATCH (a:A)-->(b)-->(c)-->(a) WHERE 10 / c.w > 1 RETURN count(*)",
            // NOT of a non-boolean property fails.
            "MATCH (a:A)-->(b)-->(c)-->(a) WHERE NOT c.flag RETURN count(*)",
            // A property of a value that may not be an entity.
            "WITH {w: 1} AS m MATCH (a:A)-->(b)-->(c)-->(a) WHERE c.w > m.w RETURN count(*)",
            // The closing relationship's properties read the new node.
            "MATCH (a:A)-->(b)-->(c)-[{w: c.w}]->(a) RETURN count(*)",
            // Nothing to close: a path.
            "MATCH (a:A)-->(b)-->(c) RETURN count(*)",
            // Variable length.
            "MATCH (a:A)-->(b)-[*1..2]->(c)-->(a) RETURN count(*)",
        ] {
            assert!(!intersected(q), "{q}");
        }
    }
}
