//! Rule `group_count_expand`: counts grouped by what a single hop starts
//! from are counted per input row of the hop, without its rows.
//!
//! Applies to an aggregate whose grouping keys read only the hop's input
//! (not its relationship or far node) and whose aggregates are all
//! `count(*)`, `count(x)` or `count(DISTINCT x)` of the far node `x`, over
//! a single-hop expansion, optionally under a filter. Each input row of
//! the hop then adds its far nodes to its group's counts.
//!
//! ```text
//! before                                   after
//! Aggregate: c.name; count(DISTINCT e)     Group count expand: (c)-[:p]->(e:Event) WHERE e.year >= 2020; c.name; count(DISTINCT e)
//! └─ Filter: e.year >= 2020                └─ Label scan: (c:Country)
//!    └─ Expand: (c)-[:p]->(e:Event)           └─ Unit
//!       └─ Label scan: (c:Country)
//!          └─ Unit
//! ```

use std::collections::BTreeSet;

use super::analysis::{fold_hop, reads_subquery, transform_up, variable_slot};
use super::Rule;
use crate::plan::{Counted, Op, Plan};

/// See the module documentation.
pub struct GroupCountExpand;

impl Rule for GroupCountExpand {
    fn name(&self) -> &'static str {
        "group_count_expand"
    }

    fn rewrite(&self, plan: Plan) -> Plan {
        transform_up(plan, &mut |plan| match applies(&plan) {
            Some(counted) => replace(plan, counted),
            None => plan,
        })
    }
}

/// What each aggregate counts, when `plan` has the shape this rule replaces.
fn applies(plan: &Plan) -> Option<Vec<Counted>> {
    let Op::Aggregate { input, keys, aggs } = &plan.op else {
        return None;
    };
    if keys.is_empty() || aggs.is_empty() {
        return None;
    }
    let expand = match &input.op {
        Op::Filter { input, .. } => input,
        _ => input,
    };
    let Op::Expand {
        input: source,
        spec,
    } = &expand.op
    else {
        return None;
    };
    if spec.var.is_some() || spec.to_bound || spec.rel_bound || spec.filter.is_some() {
        return None;
    }
    // The keys read only what the hop starts from.
    let mut names = BTreeSet::new();
    for k in keys {
        if reads_subquery(k) {
            return None;
        }
        crate::plan::expr::free_vars(k, &mut names);
    }
    if !names.iter().all(|n| source.scope.slot(n).is_some()) {
        return None;
    }
    aggs.iter()
        .map(|a| {
            if a.name != "count" {
                return None;
            }
            match a.args.as_slice() {
                [] if !a.distinct => Some(Counted::Rows),
                [arg] if variable_slot(&input.scope, arg) == Some(spec.to) => Some(if a.distinct {
                    Counted::DistinctEnds
                } else {
                    Counted::Rows
                }),
                _ => None,
            }
        })
        .collect()
}

fn replace(plan: Plan, counted: Vec<Counted>) -> Plan {
    let Plan { op, scope, id } = plan;
    let Op::Aggregate { input, keys, aggs } = op else {
        return Plan { op, scope, id };
    };
    match fold_hop(*input) {
        Ok(hop) => Plan {
            op: Op::GroupCountExpand {
                input: hop.input,
                spec: hop.spec,
                hop_scope: hop.scope,
                keys,
                counted,
                agg_texts: aggs.into_iter().map(|a| a.text).collect(),
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
        let plan = GroupCountExpand.rewrite(planned(q));
        count_ops(&plan, |op| matches!(op, Op::GroupCountExpand { .. })) == 1
    }

    #[test]
    fn counts_per_start_are_counted_per_input_row() {
        for q in [
            "MATCH (c:C)-[:P]->(e:E) WHERE e.year >= 2020 RETURN c.name, count(DISTINCT e)",
            "MATCH (c:C)-->(e) RETURN c, count(*), count(e)",
        ] {
            assert!(counted(q), "{q}");
        }
    }

    #[test]
    fn other_groupings_aggregate_rows() {
        for q in [
            "MATCH (c:C)-->(e) RETURN e, count(*)",
            "MATCH (c:C)-[r]->(e) RETURN c, count(r)",
            "MATCH (c:C)-->(e) RETURN c, sum(e.v)",
            "MATCH (c:C)-->(e) RETURN count(*)",
            "MATCH (c:C)-[*]->(e) RETURN c, count(*)",
        ] {
            assert!(!counted(q), "{q}");
        }
    }
}
