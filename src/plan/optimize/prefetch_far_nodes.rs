//! Rule `prefetch_far_nodes`: a single hop whose far node's properties are
//! read right above it fetches those nodes' records a few rows ahead.
//!
//! On a large graph each far node's record is a cache miss; asking for
//! the next ones while the current row is processed hides most of that
//! latency. The walk looks through projections, extensions, filters,
//! aggregates and sorts (collecting the variables whose properties they
//! read), and through distincts, selections, skips and limits. A wrong
//! mark costs only some hints, never an answer.
//!
//! ```text
//! before                                   after
//! Projection: x.name AS name               Projection: x.name AS name
//! └─ Expand: (s)-->(x)                     └─ Expand: (s)-->(x) (prefetch far nodes)
//! ```

use std::collections::BTreeSet;

use super::Rule;
use crate::plan::expr::children;
use crate::plan::{Op, Plan};
use crate::syntax::ast::{Expr, ExprKind};

/// See the module documentation.
pub struct PrefetchFarNodes;

impl Rule for PrefetchFarNodes {
    fn name(&self) -> &'static str {
        "prefetch_far_nodes"
    }

    fn rewrite(&self, mut plan: Plan) -> Plan {
        mark(&mut plan, BTreeSet::new());
        plan
    }
}

/// Marks the expansions under `plan`; `reads` holds the variables (in
/// `plan`'s scope) whose properties the operators above read.
fn mark(plan: &mut Plan, reads: BTreeSet<String>) {
    crate::syntax::with_stack(|| mark_here(plan, reads))
}

fn mark_here(plan: &mut Plan, reads: BTreeSet<String>) {
    let scope = &plan.scope;
    match &mut plan.op {
        Op::Project { input, items } => {
            // Names above refer to the items; see through plain renames.
            let mut next = BTreeSet::new();
            for (name, e) in items.iter() {
                prop_owners(e, &mut next);
                if let (true, ExprKind::Variable(v)) = (reads.contains(name), &e.kind) {
                    next.insert(v.clone());
                }
            }
            mark(input, next);
        }
        Op::Extend { input, items } => {
            let mut next = reads;
            items.iter().for_each(|(_, e)| prop_owners(e, &mut next));
            mark(input, next);
        }
        Op::Filter { input, predicate } => {
            let mut next = reads;
            prop_owners(predicate, &mut next);
            mark(input, next);
        }
        Op::Aggregate { input, keys, aggs } => {
            // An output row is its group's first input row plus the
            // aggregates, so names above still mean the input's variables.
            let mut next = reads;
            keys.iter().for_each(|k| prop_owners(k, &mut next));
            aggs.iter()
                .flat_map(|a| a.args.iter())
                .for_each(|e| prop_owners(e, &mut next));
            mark(input, next);
        }
        Op::Sort { input, keys } => {
            let mut next = reads;
            keys.iter().for_each(|(k, _)| prop_owners(k, &mut next));
            mark(input, next);
        }
        Op::Distinct { input, .. }
        | Op::Select { input, .. }
        | Op::Skip { input, .. }
        | Op::Limit { input, .. } => mark(input, reads),
        Op::Expand { input, spec } => {
            let mut reads = reads;
            if let Some(f) = &spec.filter {
                prop_owners(f, &mut reads);
            }
            if spec.var.is_none() && reads.iter().any(|n| scope.slot(n) == Some(spec.to)) {
                spec.fetch_far = true;
            }
            mark(input, reads);
        }
        other => {
            for c in other.children_mut() {
                mark(c, BTreeSet::new());
            }
        }
    }
}

/// Adds to `out` every variable `e` reads a property of (`v.key`).
fn prop_owners(e: &Expr, out: &mut BTreeSet<String>) {
    if let ExprKind::Property(inner, _) = &e.kind {
        if let ExprKind::Variable(v) = &inner.kind {
            out.insert(v.clone());
        }
    }
    for c in children(e) {
        prop_owners(c, out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expands, planned};
    use super::*;

    fn marks(q: &str) -> Vec<bool> {
        let plan = PrefetchFarNodes.rewrite(planned(q));
        expands(&plan).iter().map(|e| e.fetch_far).collect()
    }

    #[test]
    fn far_nodes_whose_properties_are_read_are_fetched_ahead() {
        assert_eq!(marks("MATCH (s:A)-->(x) RETURN x.name"), [true]);
        assert_eq!(
            marks("MATCH (s:A)-->(x) WHERE x.v > 2 RETURN count(*)"),
            [true]
        );
        assert_eq!(
            marks("MATCH (s:A)-->(x) WITH x AS y RETURN y.name ORDER BY y.name"),
            [true]
        );
    }

    #[test]
    fn far_nodes_not_read_are_not() {
        assert_eq!(marks("MATCH (s:A)-->(x) RETURN s.name, x"), [false]);
        assert_eq!(marks("MATCH (s:A)-[*]->(x) RETURN x.name"), [false]);
    }
}
