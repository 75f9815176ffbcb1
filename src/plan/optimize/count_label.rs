//! Rule `count_label`: counting the nodes of one label reads the label
//! index instead of scanning.
//!
//! Applies to an aggregate with no grouping keys and one non-distinct
//! `count(*)` or `count(n)` of the scanned node, over a label scan with no
//! other condition at the start of a query.
//!
//! ```text
//! before                                   after
//! Aggregate: count(p)                      Count label: Person
//! └─ Label scan: (p:Person)                └─ Unit
//!    └─ Unit
//! ```

use super::analysis::{transform_up, variable_slot};
use super::Rule;
use crate::plan::{Op, Plan};

/// See the module documentation.
pub struct CountLabel;

impl Rule for CountLabel {
    fn name(&self) -> &'static str {
        "count_label"
    }

    fn rewrite(&self, plan: Plan) -> Plan {
        transform_up(plan, &mut |plan| {
            let Op::Aggregate { input, keys, aggs } = &plan.op else {
                return plan;
            };
            let Op::LabelScan {
                input: leaf,
                slot,
                label,
                check,
                ..
            } = &input.op
            else {
                return plan;
            };
            let [agg] = aggs.as_slice() else { return plan };
            let counts_rows = match agg.args.as_slice() {
                [] => true,
                [arg] => variable_slot(&input.scope, arg) == Some(*slot),
                _ => false,
            };
            let plain = keys.is_empty() && agg.name == "count" && !agg.distinct && counts_rows;
            if !(plain && check.is_empty() && matches!(leaf.op, Op::Unit)) {
                return plan;
            }
            let label = label.clone();
            let Op::Aggregate { input, .. } = plan.op else {
                return plan;
            };
            let Op::LabelScan { input: leaf, .. } = input.op else {
                return Plan {
                    op: Op::Unit,
                    ..plan
                };
            };
            Plan {
                op: Op::CountLabel { input: leaf, label },
                ..plan
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{count_ops, planned};
    use super::*;

    fn counted(q: &str) -> bool {
        let plan = CountLabel.rewrite(planned(q));
        count_ops(&plan, |op| matches!(op, Op::CountLabel { .. })) == 1
    }

    #[test]
    fn counts_of_a_label_read_the_index() {
        assert!(counted("MATCH (p:Person) RETURN count(p)"));
        assert!(counted("MATCH (p:Person) RETURN count(*) AS n"));
    }

    #[test]
    fn other_counts_scan() {
        for q in [
            "MATCH (p:Person) RETURN count(DISTINCT p)",
            "MATCH (p:Person) RETURN count(p.name)",
            "MATCH (p:Person {name: 'x'}) RETURN count(p)",
            "MATCH (p:Person) RETURN p.name, count(p)",
            "MATCH (p:Person) RETURN count(p), count(*)",
            "UNWIND [1, 2] AS i MATCH (p:Person) RETURN count(p)",
        ] {
            assert!(!counted(q), "{q}");
        }
    }
}
