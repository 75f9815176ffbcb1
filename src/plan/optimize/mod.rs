//! Stage 3b: the optimizer, an ordered list of named rewrite rules.
//!
//! The builder ([`super::build`]) produces a plan that answers the query
//! as written. Each rule here is a pure `Plan -> Plan` rewrite, kept in its
//! own file with a doc comment showing a plan before and after and its own
//! tests; [`RULES`] lists them in the order they run. A rule either marks
//! an operator (a choice EXPLAIN shows on that operator's line) or
//! replaces a shape with an operator of its own name.
//!
//! `kg --no-optimize` (and `"optimize": false` in `kg batch`) skips them
//! all, and with them the data-dependent fast paths of the executor (the
//! compact adjacency layout, integer property columns, label and predicate
//! bitmaps): the plain path is then the oracle the optimized one is tested
//! against. `EXPLAIN VERBOSE` prints the plan after each rule that changed
//! it.
//!
//! Plans that write are left as built: the rules reason about rows that
//! only matter up to duplicates, which writes do not allow.

mod analysis;
pub mod count_distinct_ends;
pub mod count_expand_rows;
pub mod count_label;
pub mod distinct_ends;
pub mod exists_hop;
pub mod expand_intersect;
pub mod filter_into_expand;
pub mod group_count_expand;
pub mod known_distinct;
pub mod path_predicate_into_expand;
pub mod prefetch_far_nodes;
pub mod top_k;
pub mod type_filter_into_expand;
pub mod var_length_bfs;

#[cfg(test)]
mod tests;

use super::{Plan, QueryPlan};

/// One rewrite of a plan.
pub trait Rule: Sync {
    /// The rule's name, as `EXPLAIN VERBOSE` shows it.
    fn name(&self) -> &'static str;

    /// The plan rewritten; the same plan when the rule does not apply.
    fn rewrite(&self, plan: Plan) -> Plan;
}

/// The rules, in the order they run.
///
/// The order matters where one rule reads what another leaves: the
/// breadth-first choice and the intersection of closing hops come first
/// (the later rules leave an intersection's hops alone), the distinct-ends
/// marks come before the rules that look for them, and filters are folded
/// into expansions after the counting rules have matched the filters they
/// absorb (and before the semi-join mark, which tests them per candidate).
pub static RULES: &[&dyn Rule] = &[
    &var_length_bfs::VarLengthBfs,
    &expand_intersect::ExpandIntersect,
    &path_predicate_into_expand::PathPredicateIntoExpand,
    &type_filter_into_expand::TypeFilterIntoExpand,
    &distinct_ends::DistinctEnds,
    &known_distinct::KnownDistinct,
    &prefetch_far_nodes::PrefetchFarNodes,
    &count_label::CountLabel,
    &count_distinct_ends::CountDistinctEnds,
    &count_expand_rows::CountExpandRows,
    &group_count_expand::GroupCountExpand,
    &filter_into_expand::FilterIntoExpand,
    &exists_hop::ExistsHop,
    &top_k::TopK,
];

/// The plan after one rule that changed it (for `EXPLAIN VERBOSE`).
#[derive(Debug, Clone)]
pub struct Step {
    /// The rule's name.
    pub rule: &'static str,
    /// The whole plan after the rule.
    pub plan: Plan,
}

/// Runs every rule in order over a plan that does not write.
pub fn optimize(plan: QueryPlan) -> QueryPlan {
    run(plan, None)
}

/// Runs every rule in order over the plan of a subquery (a pattern
/// predicate, a pattern comprehension, `EXISTS`), whose rows are all read.
pub fn optimize_subplan(plan: Plan) -> Plan {
    let query = QueryPlan {
        root: plan,
        columns: Vec::new(),
        returns: true,
        first_write: None,
    };
    run(query, None).root
}

/// [`optimize`], also returning the plan after each rule that changed it.
pub fn optimize_traced(plan: QueryPlan) -> (QueryPlan, Vec<Step>) {
    let mut steps = Vec::new();
    let plan = run(plan, Some(&mut steps));
    (plan, steps)
}

fn run(mut plan: QueryPlan, mut steps: Option<&mut Vec<Step>>) -> QueryPlan {
    if plan.root.writes() {
        return plan;
    }
    for rule in RULES {
        let before = steps.as_ref().map(|_| plan.root.clone());
        let mut root = rule.rewrite(plan.root);
        root.renumber();
        if let (Some(steps), Some(before)) = (steps.as_deref_mut(), before) {
            if before != root {
                steps.push(Step {
                    rule: rule.name(),
                    plan: root.clone(),
                });
            }
        }
        plan.root = root;
    }
    plan
}

/// The rule called `name`, if there is one.
pub fn rule(name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.name() == name)
}
