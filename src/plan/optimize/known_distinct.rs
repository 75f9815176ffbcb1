//! Rule `known_distinct`: a `Distinct` whose input is already distinct on
//! the compared slots is removed.
//!
//! That holds when, below projections and filters, an expansion with
//! distinct ends (`Expand::dedupe`, rule [`super::distinct_ends`])
//! produces the compared slots (its group and its far node), and each
//! group value comes in one run: the group is one node from a scan that
//! runs once, and everything between the scan and the expansion emits the
//! rows of one input row together. Then no (group, far node) pair repeats.
//!
//! ```text
//! before                                   after
//! Distinct                                 Projection: s, x
//! └─ Projection: s, x                      └─ Expand: (s)-->(x) (distinct ends per (s))
//!    └─ Expand: (s)-->(x) (distinct ...)      └─ Label scan: (s:A)
//!       └─ Label scan: (s:A)
//! ```

use std::collections::BTreeSet;

use super::analysis::transform_up;
use super::Rule;
use crate::plan::{Op, Plan, Slot};
use crate::syntax::ast::ExprKind;

/// See the module documentation.
pub struct KnownDistinct;

impl Rule for KnownDistinct {
    fn name(&self) -> &'static str {
        "known_distinct"
    }

    fn rewrite(&self, plan: Plan) -> Plan {
        transform_up(plan, &mut |plan| match plan.op {
            Op::Distinct { input, slots }
                if distinct_below(&input, slots.iter().copied().collect()) =>
            {
                *input
            }
            op => Plan { op, ..plan },
        })
    }
}

/// True when the rows of `plan` are distinct on `slots`.
fn distinct_below(plan: &Plan, slots: BTreeSet<Slot>) -> bool {
    crate::syntax::with_stack(|| match &plan.op {
        Op::Filter { input, .. } => distinct_below(input, slots),
        Op::Select { input, slots: kept } => {
            let mapped: Option<BTreeSet<Slot>> =
                slots.iter().map(|s| kept.get(*s).copied()).collect();
            mapped.is_some_and(|m| distinct_below(input, m))
        }
        Op::Project { input, items } => {
            // Only the items that are plain variables carry over; rows
            // distinct on those are distinct on all the compared slots.
            let mapped: BTreeSet<Slot> = slots
                .iter()
                .filter_map(|s| match &items.get(*s)?.1.kind {
                    ExprKind::Variable(v) => input.scope.slot(v),
                    _ => None,
                })
                .collect();
            distinct_below(input, mapped)
        }
        Op::Expand { input, spec } => match &spec.dedupe {
            Some(group) if spec.var.is_none() => {
                let covered = slots.contains(&spec.to) && group.iter().all(|g| slots.contains(g));
                covered && matches!(group.as_slice(), [g] if one_run_each(input, *g))
            }
            _ => false,
        },
        _ => false,
    })
}

/// True when every value of node slot `slot` comes in a single run of
/// consecutive rows of `plan`.
fn one_run_each(plan: &Plan, slot: Slot) -> bool {
    crate::syntax::with_stack(|| match &plan.op {
        Op::LabelScan { input, slot: s, .. }
        | Op::AllNodes { input, slot: s, .. }
        | Op::NodeSeek { input, slot: s, .. } => *s == slot && matches!(input.op, Op::Unit),
        Op::Expand { input, .. } | Op::Filter { input, .. } | Op::CheckNode { input, .. } => {
            slot < input.scope.width() && one_run_each(input, slot)
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::super::distinct_ends::DistinctEnds;
    use super::super::tests::{count_ops, planned};
    use super::*;

    fn distincts(q: &str) -> (usize, usize) {
        let plan = DistinctEnds.rewrite(planned(q));
        let before = count_ops(&plan, |op| matches!(op, Op::Distinct { .. }));
        let after = KnownDistinct.rewrite(plan);
        (
            before,
            count_ops(&after, |op| matches!(op, Op::Distinct { .. })),
        )
    }

    #[test]
    fn distinct_ends_per_scanned_node_need_no_distinct() {
        assert_eq!(distincts("MATCH (s:A)-->(x) RETURN DISTINCT s, x"), (1, 0));
        assert_eq!(
            distincts("MATCH (s:A)-->(x) WHERE x.v > 1 RETURN DISTINCT x, s"),
            (1, 0)
        );
    }

    #[test]
    fn other_distincts_stay() {
        for q in [
            // The far node alone repeats across start nodes.
            "MATCH (s:A)-->(x) RETURN DISTINCT x",
            // The start comes from a hop: it may come in several runs.
            "MATCH (t)-->(s)-->(x) RETURN DISTINCT s, x",
            // A computed column.
            "MATCH (s:A)-->(x) RETURN DISTINCT s, x.v",
            "UNWIND [1, 1] AS i RETURN DISTINCT i",
        ] {
            let (before, after) = distincts(q);
            assert_eq!(before, after, "{q}");
            assert!(before >= 1, "{q}");
        }
    }
}
