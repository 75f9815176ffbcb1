//! Rule `top_k`: `ORDER BY ... [SKIP s] LIMIT k` keeps the best `s + k`
//! rows in a heap instead of sorting every row.
//!
//! Sorting n rows to keep k costs O(n log n) time and O(n) memory; a
//! bounded heap costs O(n log k) and O(k). Ties keep their input order,
//! as the stable sort does, so the answer is the same row for row; the
//! counts are evaluated in the same order (LIMIT, then SKIP) before any
//! input row is read, and a limit of zero reads none, as before.
//!
//! ```text
//! before                                   after
//! Limit: 5                                 Top 5 (skip 2): c DESC, k
//! └─ Skip: 2                               └─ Compute: ...
//!    └─ Sort: c DESC, k
//!       └─ Compute: ...
//! ```

use super::analysis::transform_up;
use super::Rule;
use crate::plan::{Op, Plan};

/// See the module documentation.
pub struct TopK;

impl Rule for TopK {
    fn name(&self) -> &'static str {
        "top_k"
    }

    fn rewrite(&self, plan: Plan) -> Plan {
        transform_up(plan, &mut |plan| {
            if !applies(&plan) {
                return plan;
            }
            let Plan { op, scope, id } = plan;
            let Op::Limit {
                input,
                count: limit,
                ..
            } = op
            else {
                return Plan { op, scope, id };
            };
            let (sort, skip) = match input.op {
                Op::Skip { input, count } => (*input, Some(count)),
                op => (Plan { op, ..*input }, None),
            };
            match sort.op {
                Op::Sort { input, keys } => Plan {
                    op: Op::TopK {
                        input,
                        keys,
                        skip,
                        limit,
                    },
                    scope,
                    id,
                },
                op => Plan { op, ..sort },
            }
        })
    }
}

fn applies(plan: &Plan) -> bool {
    let Op::Limit {
        input,
        drain: false,
        ..
    } = &plan.op
    else {
        return false;
    };
    let below = match &input.op {
        Op::Skip { input, .. } => input,
        _ => input,
    };
    matches!(below.op, Op::Sort { .. })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{count_ops, planned};
    use super::*;

    fn top(q: &str) -> bool {
        let plan = TopK.rewrite(planned(q));
        count_ops(&plan, |op| matches!(op, Op::TopK { .. })) == 1
            && count_ops(&plan, |op| matches!(op, Op::Sort { .. })) == 0
    }

    #[test]
    fn sorted_limits_keep_a_heap() {
        assert!(top("MATCH (n) RETURN n.v AS v ORDER BY v LIMIT 3"));
        assert!(top(
            "MATCH (n) RETURN n.v AS v ORDER BY v DESC SKIP 2 LIMIT 3"
        ));
        assert!(top("MATCH (n) WITH n ORDER BY n.v LIMIT 3 RETURN n"));
    }

    #[test]
    fn other_sorts_stay() {
        assert!(!top("MATCH (n) RETURN n.v AS v ORDER BY v"));
        assert!(!top("MATCH (n) RETURN n.v AS v ORDER BY v SKIP 3"));
        assert!(!top("MATCH (n) RETURN n.v AS v LIMIT 3"));
    }
}
