//! Rule `filter_into_expand`: a filter right above a single hop is tested
//! by the hop on each candidate, before its row is built. The closing hop
//! of an `ExpandIntersect` takes a filter right above it the same way.
//!
//! ```text
//! before                                   after
//! Filter: b.v > 5                          Expand: (a)-->(b) WHERE b.v > 5
//! └─ Expand: (a)-->(b)                     └─ Label scan: (a:A)
//!    └─ Label scan: (a:A)
//! ```

use super::analysis::transform_up;
use super::Rule;
use crate::plan::{Op, Plan};

/// See the module documentation.
pub struct FilterIntoExpand;

impl Rule for FilterIntoExpand {
    fn name(&self) -> &'static str {
        "filter_into_expand"
    }

    fn rewrite(&self, plan: Plan) -> Plan {
        transform_up(plan, &mut |plan| {
            let fits = matches!(&plan.op, Op::Filter { input, .. }
                if matches!(&input.op, Op::Expand { spec, .. } | Op::ExpandIntersect { closing: spec, .. }
                    if spec.var.is_none() && spec.filter.is_none()));
            if !fits {
                return plan;
            }
            let Plan { op, scope, id } = plan;
            let Op::Filter { input, predicate } = op else {
                return Plan { op, scope, id };
            };
            let expand = *input;
            match expand.op {
                Op::Expand { input, mut spec } => {
                    spec.filter = Some(predicate);
                    Plan {
                        op: Op::Expand { input, spec },
                        scope,
                        id,
                    }
                }
                Op::ExpandIntersect {
                    input,
                    first,
                    first_scope,
                    mut closing,
                } => {
                    closing.filter = Some(predicate);
                    Plan {
                        op: Op::ExpandIntersect {
                            input,
                            first,
                            first_scope,
                            closing,
                        },
                        scope,
                        id,
                    }
                }
                op => Plan { op, ..expand },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{count_ops, expands, planned};
    use super::*;

    #[test]
    fn a_filter_on_a_hop_moves_into_it() {
        let plan = FilterIntoExpand.rewrite(planned("MATCH (a:A)-->(b) WHERE b.v > 5 RETURN b"));
        assert_eq!(count_ops(&plan, |op| matches!(op, Op::Filter { .. })), 0);
        assert!(expands(&plan)[0].filter.is_some());
    }

    #[test]
    fn a_filter_on_a_closing_hop_moves_into_it() {
        let q = "MATCH (a:A)-[r1]->(b)-[r2]->(c)-[r3]->(a) WHERE r3.w > 1 RETURN c";
        let plan = super::super::expand_intersect::ExpandIntersect.rewrite(planned(q));
        assert_eq!(count_ops(&plan, |op| matches!(op, Op::Filter { .. })), 1);
        let plan = FilterIntoExpand.rewrite(plan);
        assert_eq!(count_ops(&plan, |op| matches!(op, Op::Filter { .. })), 0);
        assert_eq!(
            count_ops(&plan, |op| matches!(op, Op::ExpandIntersect { closing, .. }
                if closing.filter.is_some())),
            1
        );
    }

    #[test]
    fn other_filters_stay() {
        for q in [
            "MATCH (a:A)-[*]->(b) WHERE b.v > 5 RETURN b",
            "MATCH (a:A) WHERE a.v > 5 RETURN a",
        ] {
            let plan = FilterIntoExpand.rewrite(planned(q));
            assert_eq!(
                count_ops(&plan, |op| matches!(op, Op::Filter { .. })),
                1,
                "{q}"
            );
        }
    }
}
