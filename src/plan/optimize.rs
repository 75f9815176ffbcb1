//! Plan rewrites that depend on what follows a MATCH.
//!
//! A variable-length expansion normally enumerates every relationship
//! trail, which can explode on dense graphs. When the rows are later made
//! distinct (`RETURN DISTINCT b`, `count(DISTINCT b)`, `min`/`max`), how many
//! trails reach a node does not matter, and a breadth-first search with a
//! visited set finds each far node once instead.

use super::expr::{children, is_aggregate_call};
use std::collections::BTreeSet;

use super::Slot;
use crate::syntax::ast::{Clause, ClauseKind, Expr, ExprKind, Projection};

/// True when the rows produced before `rest` only matter up to duplicates:
/// the next projection is `DISTINCT` or aggregates only with functions
/// that ignore duplicates, and nothing in between counts or limits rows.
pub fn distinct_downstream(rest: &[Clause]) -> bool {
    for clause in rest {
        match &clause.kind {
            ClauseKind::Match(_) | ClauseKind::Unwind(_) => continue,
            ClauseKind::With(p) | ClauseKind::Return(p) => {
                let mut aggs = Vec::new();
                for it in &p.items {
                    collect_aggs(&it.expr, &mut aggs);
                }
                for s in &p.order_by {
                    collect_aggs(&s.expr, &mut aggs);
                }
                if !aggs.is_empty() {
                    return aggs.iter().all(|a| duplicate_insensitive(a));
                }
                if p.distinct {
                    return true;
                }
                if matches!(clause.kind, ClauseKind::With(_)) && passes_rows_through(p) {
                    continue;
                }
                return false;
            }
            _ => return false,
        }
    }
    false
}

fn passes_rows_through(p: &Projection) -> bool {
    p.skip.is_none() && p.limit.is_none()
}

fn collect_aggs<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    if is_aggregate_call(e) {
        out.push(e);
        return;
    }
    for c in children(e) {
        collect_aggs(c, out);
    }
}

fn duplicate_insensitive(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Function { name, distinct, .. } => {
            *distinct
                || name
                    .first()
                    .is_some_and(|n| matches!(n.name.to_lowercase().as_str(), "min" | "max"))
        }
        _ => false,
    }
}

/// Marks single-hop expansions whose rows matter only up to duplicates.
///
/// Walks the plan from the root, carrying `needed`: `Some(slots)` when the
/// operators above only ever look at these slots of a row and would drop a
/// row equal on them to an earlier one (a `DISTINCT`, or aggregates that
/// ignore duplicates), `None` otherwise. An `Expand` reached with `needed`
/// that leaves out its relationship gets [`super::Expand::dedupe`]: rows
/// agreeing on the needed input slots and on the far node are then
/// interchangeable, so the expansion may skip repeats (the `DISTINCT` above
/// still runs; this only saves building rows it would drop).
pub fn mark_distinct_ends(plan: &mut super::Plan, needed: Option<BTreeSet<Slot>>) {
    crate::syntax::with_stack(|| mark_distinct_ends_here(plan, needed))
}

fn mark_distinct_ends_here(plan: &mut super::Plan, needed: Option<BTreeSet<Slot>>) {
    use super::Op;
    let width = plan.scope.width();
    match &mut plan.op {
        Op::Distinct { input, slots, .. } => {
            // Only when the distinct rows are all there is (nothing else of
            // the row is read above).
            let all = slots.len() == width;
            let next = all.then(|| slots.iter().copied().collect());
            mark_distinct_ends(input, next);
        }
        Op::Aggregate { input, keys, aggs } => {
            let insensitive = aggs
                .iter()
                .all(|a| a.distinct || matches!(a.name.as_str(), "min" | "max"));
            let next = if insensitive {
                let mut exprs: Vec<&Expr> = keys.iter().collect();
                exprs.extend(aggs.iter().flat_map(|a| a.args.iter()));
                slots_of(&input.scope, exprs)
            } else {
                None
            };
            mark_distinct_ends(input, next);
        }
        Op::Project { input, items } => {
            let next = needed.and_then(|n| {
                slots_of(
                    &input.scope,
                    items
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| n.contains(i))
                        .map(|(_, (_, e))| e),
                )
            });
            mark_distinct_ends(input, next);
        }
        Op::Select { input, slots } => {
            let next = needed.map(|n| {
                slots
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| n.contains(i))
                    .map(|(_, s)| *s)
                    .collect()
            });
            mark_distinct_ends(input, next);
        }
        Op::Filter { input, predicate } => {
            let next = needed.and_then(|mut n| {
                let more = slots_of(&input.scope, [&*predicate])?;
                n.extend(more);
                Some(n)
            });
            mark_distinct_ends(input, next);
        }
        Op::Expand { input, spec } => {
            let in_width = input.scope.width();
            let next = match needed {
                Some(n) if spec.var.is_none() && !spec.to_bound && !spec.rel_bound => {
                    let drops_rel = !n.contains(&spec.rel);
                    // Every needed slot other than the new ones comes from the input.
                    let group: Vec<Slot> = n
                        .iter()
                        .copied()
                        .filter(|s| *s != spec.to && *s != spec.rel)
                        .collect();
                    let from_input = group.iter().all(|s| *s < in_width);
                    if drops_rel && from_input {
                        spec.dedupe = Some(group.clone());
                    }
                    // What the expansion itself reads from its input row.
                    let mut reads: BTreeSet<Slot> = group.into_iter().collect();
                    reads.insert(spec.from);
                    reads.extend(spec.unique.iter().map(|u| u.slot));
                    let props = spec.rel_props.iter().chain(&spec.check.props);
                    let exprs = props.map(|p| match p {
                        super::PropSpec::Key(_, e) | super::PropSpec::Map(e) => e,
                    });
                    slots_of(&input.scope, exprs).map(|more| {
                        reads.extend(more);
                        reads
                    })
                }
                _ => None,
            };
            mark_distinct_ends(input, next);
        }
        other => {
            // Anything else: no assumption about what above reads.
            for c in other.children_mut() {
                mark_distinct_ends(c, None);
            }
        }
    }
}

/// Marks expansions whose far node has properties read by the operators
/// above them (projections, extensions, filters, aggregates and sorts,
/// through distincts, selections, skips and limits; `reads` holds the
/// variables whose properties are read there, in `plan`'s scope). Those
/// expansions fetch the far nodes' records ahead of their rows
/// ([`super::Expand::fetch_far`]). A wrong mark only costs some hints.
pub fn mark_far_reads(plan: &mut super::Plan, reads: BTreeSet<String>) {
    crate::syntax::with_stack(|| mark_far_reads_here(plan, reads))
}

fn mark_far_reads_here(plan: &mut super::Plan, reads: BTreeSet<String>) {
    use super::Op;
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
            mark_far_reads(input, next);
        }
        Op::Extend { input, items } => {
            let mut next = reads;
            items.iter().for_each(|(_, e)| prop_owners(e, &mut next));
            mark_far_reads(input, next);
        }
        Op::Filter { input, predicate } => {
            let mut next = reads;
            prop_owners(predicate, &mut next);
            mark_far_reads(input, next);
        }
        Op::Aggregate { input, keys, aggs } => {
            // An output row is its group's first input row plus the
            // aggregates, so names above still mean the input's variables.
            let mut next = reads;
            keys.iter().for_each(|k| prop_owners(k, &mut next));
            aggs.iter()
                .flat_map(|a| a.args.iter())
                .for_each(|e| prop_owners(e, &mut next));
            mark_far_reads(input, next);
        }
        Op::Sort { input, keys } => {
            let mut next = reads;
            keys.iter().for_each(|(k, _)| prop_owners(k, &mut next));
            mark_far_reads(input, next);
        }
        Op::Distinct { input, .. }
        | Op::Select { input, .. }
        | Op::Skip { input, .. }
        | Op::Limit { input, .. } => mark_far_reads(input, reads),
        Op::Expand { input, spec } => {
            if spec.var.is_none() && reads.iter().any(|n| scope.slot(n) == Some(spec.to)) {
                spec.fetch_far = true;
            }
            mark_far_reads(input, reads);
        }
        other => {
            for c in other.children_mut() {
                mark_far_reads(c, BTreeSet::new());
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
    for c in super::expr::children(e) {
        prop_owners(c, out);
    }
}

/// Marks `Distinct` operators whose input is already distinct on the
/// compared slots, so they compare nothing.
///
/// That holds when, below projections and filters, an expansion with
/// distinct ends ([`super::Expand::dedupe`]) produces the compared slots
/// (its group and its far node), and each group value comes in one run:
/// the group is one node from a scan that runs once, and everything
/// between the scan and the expansion emits the rows of one input row
/// together. Then no (group, far node) pair repeats anywhere.
pub fn mark_known_distinct(plan: &mut super::Plan) {
    crate::syntax::with_stack(|| mark_known_distinct_here(plan))
}

fn mark_known_distinct_here(plan: &mut super::Plan) {
    use super::Op;
    if let Op::Distinct {
        input,
        slots,
        known,
    } = &mut plan.op
    {
        let compared: BTreeSet<Slot> = slots.iter().copied().collect();
        *known = distinct_below(input, compared);
    }
    for child in plan.op.children_mut() {
        mark_known_distinct(child);
    }
}

/// True when the rows of `plan` are distinct on `slots` (see
/// [`mark_known_distinct`]).
fn distinct_below(plan: &super::Plan, slots: BTreeSet<Slot>) -> bool {
    crate::syntax::with_stack(|| distinct_below_here(plan, slots))
}

fn distinct_below_here(plan: &super::Plan, slots: BTreeSet<Slot>) -> bool {
    use super::Op;
    match &plan.op {
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
    }
}

/// True when every value of node slot `slot` comes in a single run of
/// consecutive rows of `plan`.
fn one_run_each(plan: &super::Plan, slot: Slot) -> bool {
    crate::syntax::with_stack(|| one_run_each_here(plan, slot))
}

fn one_run_each_here(plan: &super::Plan, slot: Slot) -> bool {
    use super::Op;
    match &plan.op {
        Op::LabelScan { input, slot: s, .. }
        | Op::AllNodes { input, slot: s, .. }
        | Op::NodeSeek { input, slot: s, .. } => *s == slot && matches!(input.op, Op::Unit),
        Op::Expand { input, .. } | Op::Filter { input, .. } | Op::CheckNode { input, .. } => {
            slot < input.scope.width() && one_run_each(input, slot)
        }
        _ => false,
    }
}

/// The slots of every variable the expressions read, or `None` when one
/// of them is not a slot of `scope` (or reads something else, such as a
/// pattern or a sub-query, whose inputs are not tracked here).
fn slots_of<'a>(
    scope: &super::Scope,
    exprs: impl IntoIterator<Item = &'a Expr>,
) -> Option<BTreeSet<Slot>> {
    let mut names = BTreeSet::new();
    for e in exprs {
        if reads_subquery(e) {
            return None;
        }
        super::expr::free_vars(e, &mut names);
    }
    names.iter().map(|n| scope.slot(n)).collect()
}

/// True when `e` reads a pattern or a sub-query (whose inputs are not tracked
/// by variable).
pub(crate) fn reads_subquery(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Pattern(_) | ExprKind::Exists(_) | ExprKind::PatternComprehension { .. }
    ) || children(e).into_iter().any(reads_subquery)
}
