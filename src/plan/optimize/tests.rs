//! Helpers shared by the rules' tests, and tests of the rule list.

use super::*;
use crate::plan::{Expand, Op};

/// The plan of `q`, as built (not optimized), over an empty graph.
pub fn planned(q: &str) -> Plan {
    planned_query(q).root
}

fn planned_query(q: &str) -> QueryPlan {
    let statement = crate::syntax::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    crate::semantic::check(&statement).unwrap_or_else(|e| panic!("{q}: {e}"));
    crate::plan::build(&statement, &crate::store::Graph::new())
        .unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// Every expansion of `plan`, parents first.
pub fn expands(plan: &Plan) -> Vec<Expand> {
    let mut out = Vec::new();
    analysis::each_expand(plan, &mut |e| out.push(e.clone()));
    out
}

/// How many operators of `plan` satisfy `f`.
pub fn count_ops(plan: &Plan, f: fn(&Op) -> bool) -> usize {
    usize::from(f(&plan.op))
        + plan
            .op
            .children()
            .iter()
            .map(|c| count_ops(c, f))
            .sum::<usize>()
}

#[test]
fn rule_names_are_unique_and_found() {
    let mut names: Vec<&str> = RULES.iter().map(|r| r.name()).collect();
    for n in &names {
        assert!(rule(n).is_some_and(|r| r.name() == *n));
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), RULES.len());
    assert!(rule("no_such_rule").is_none());
}

#[test]
fn traced_steps_name_the_rules_that_changed_the_plan() {
    let q = "MATCH (s:A)-[*1..3]->(x) WHERE x <> s RETURN count(DISTINCT x)";
    let (plan, steps) = optimize_traced(planned_query(q));
    let names: Vec<&str> = steps.iter().map(|s| s.rule).collect();
    assert_eq!(names, ["var_length_bfs", "count_distinct_ends"]);
    assert_eq!(steps.last().map(|s| &s.plan), Some(&plan.root));
    // Ids are renumbered in pre-order after each rule.
    let mut ids = Vec::new();
    analysis::visit_down(&mut plan.root.clone(), &mut |p| ids.push(p.id));
    assert_eq!(ids, (0..ids.len()).collect::<Vec<_>>());
    assert_eq!(optimize(planned_query(q)), plan);
}

#[test]
fn plans_that_write_are_left_as_built() {
    let q = "MATCH (p:Person) SET p.seen = true WITH p RETURN count(p)";
    let built = planned_query(q);
    let (plan, steps) = optimize_traced(built.clone());
    assert_eq!(plan, built);
    assert!(steps.is_empty());
}

#[test]
fn a_rule_that_does_not_apply_leaves_the_plan_unchanged() {
    let built = planned("MATCH (n) RETURN n.name ORDER BY n.name");
    for rule in RULES {
        assert_eq!(rule.rewrite(built.clone()), built, "{}", rule.name());
    }
}
