//! Rule `count_expand_rows`: `count(*)` of the rows of a single hop is
//! counted by the hop, without building them.
//!
//! Applies to an aggregate with no grouping keys and one plain `count(*)`
//! over a single-hop expansion (optionally under a filter, which the
//! count then tests per candidate), seen through selections and through
//! projections whose items cannot fail (plain variables, parameters,
//! literals): a projection that may raise an error, such as `1/0`, must
//! still be evaluated, so it keeps the ordinary operators.
//!
//! ```text
//! before                                   after
//! Aggregate: count(*)                      Count expand rows: (a)-->(b) WHERE a <> b
//! └─ Projection: a, b                      └─ Label scan: (a:A)
//!    └─ Filter: a <> b                        └─ Unit
//!       └─ Expand: (a)-->(b)
//!          └─ Label scan: (a:A)
//!             └─ Unit
//! ```

use super::analysis::{cannot_fail, fold_hop, transform_up};
use super::Rule;
use crate::plan::{Op, Plan};

/// See the module documentation.
pub struct CountExpandRows;

impl Rule for CountExpandRows {
    fn name(&self) -> &'static str {
        "count_expand_rows"
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

/// The plan under the selections and infallible projections on top of
/// `plan`.
fn through_projections(mut plan: &Plan) -> &Plan {
    loop {
        match &plan.op {
            Op::Project { input, items } if items.iter().all(|(_, e)| cannot_fail(e)) => {
                plan = input
            }
            Op::Select { input, .. } => plan = input,
            _ => return plan,
        }
    }
}

fn applies(plan: &Plan) -> bool {
    let Op::Aggregate { input, keys, aggs } = &plan.op else {
        return false;
    };
    let [agg] = aggs.as_slice() else { return false };
    if !keys.is_empty() || agg.name != "count" || agg.distinct || !agg.args.is_empty() {
        return false;
    }
    let below = through_projections(input);
    let expand = match &below.op {
        Op::Filter { input, .. } => input,
        _ => below,
    };
    matches!(&expand.op, Op::Expand { spec, .. } if spec.var.is_none() && spec.filter.is_none())
}

fn replace(plan: Plan) -> Plan {
    let Plan { op, scope, id } = plan;
    let Op::Aggregate { input, .. } = op else {
        return Plan { op, scope, id };
    };
    let mut below = *input;
    while matches!(below.op, Op::Project { .. } | Op::Select { .. }) {
        below = match below.op {
            Op::Project { input, .. } | Op::Select { input, .. } => *input,
            op => Plan { op, ..below },
        };
    }
    match fold_hop(below) {
        Ok(hop) => Plan {
            op: Op::CountExpandRows {
                input: hop.input,
                spec: hop.spec,
                hop_scope: hop.scope,
            },
            scope,
            id,
        },
        // (Not reached: `applies` checked the shape.)
        Err(below) => *below,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{count_ops, planned};
    use super::*;

    fn counted(q: &str) -> bool {
        let plan = CountExpandRows.rewrite(planned(q));
        count_ops(&plan, |op| matches!(op, Op::CountExpandRows { .. })) == 1
    }

    #[test]
    fn rows_of_one_hop_are_counted_by_the_hop() {
        for q in [
            "MATCH (a)-->(b) RETURN count(*)",
            "MATCH (a:A)-[r:R]->(b) WHERE r.w > 2 RETURN count(*)",
            "MATCH (a)-->(b) WITH a, b RETURN count(*)",
            "MATCH (a)-->(b) WITH a, b, 1 AS one RETURN count(*)",
        ] {
            assert!(counted(q), "{q}");
        }
    }

    #[test]
    fn rows_that_may_fail_or_differ_are_built() {
        for q in [
            "MATCH (a)-->(b) WITH a, b, 1/0 AS z RETURN count(*)",
            "MATCH (a)-->(b) RETURN count(b)",
            "MATCH (a)-->(b) RETURN a, count(*)",
            "MATCH (a)-[*]->(b) RETURN count(*)",
            "MATCH (a)-->(b) WITH DISTINCT b RETURN count(*)",
        ] {
            assert!(!counted(q), "{q}");
        }
    }
}
