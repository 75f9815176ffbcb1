//! What several rules need: walking a plan, and knowing which slots of a
//! row the operators above still read.

use std::collections::BTreeSet;

use super::super::expr::children;
use super::super::{Expand, NodeCheck, Op, Plan, PropSpec, Scope, Seek, Slot};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal, UnaryOp};

/// A plan with no rows of interest, left behind while a rule moves the
/// real one.
fn placeholder() -> Plan {
    Plan {
        op: Op::Unit,
        scope: Scope::new(),
        id: 0,
    }
}

/// Rewrites every node of `plan`, children first: `f` sees each node with
/// its children already rewritten.
pub fn transform_up(plan: Plan, f: &mut dyn FnMut(Plan) -> Plan) -> Plan {
    crate::syntax::with_stack(move || {
        let mut plan = plan;
        for child in plan.op.children_mut() {
            let taken = std::mem::replace(child, placeholder());
            *child = transform_up(taken, f);
        }
        f(plan)
    })
}

/// Visits every node of `plan`, parents first, mutably.
#[cfg(test)]
pub fn visit_down(plan: &mut Plan, f: &mut dyn FnMut(&mut Plan)) {
    crate::syntax::with_stack(|| {
        f(plan);
        for child in plan.op.children_mut() {
            visit_down(child, f);
        }
    })
}

/// A single hop taken out of its plan, with a filter right above it
/// folded into it.
pub struct Hop {
    /// The hop's input.
    pub input: Box<Plan>,
    /// The hop, its `filter` set from the filter above it (if any).
    pub spec: Box<Expand>,
    /// The scope of the rows the hop produces (what the filter reads).
    pub scope: Scope,
}

/// `plan` as a [`Hop`] when it is an expansion, or a filter right above
/// an expansion with no folded filter yet; the plan back otherwise.
pub fn fold_hop(plan: Plan) -> Result<Hop, Box<Plan>> {
    let Plan { op, scope, id } = plan;
    match op {
        Op::Filter { input, predicate } if matches!(&input.op, Op::Expand { spec, .. } if spec.filter.is_none()) =>
        {
            let Plan {
                op: inner,
                scope: hop_scope,
                id: inner_id,
            } = *input;
            match inner {
                Op::Expand { input, mut spec } => {
                    spec.filter = Some(predicate);
                    Ok(Hop {
                        input,
                        spec,
                        scope: hop_scope,
                    })
                }
                inner => Err(Box::new(Plan {
                    op: Op::Filter {
                        input: Box::new(Plan {
                            op: inner,
                            scope: hop_scope,
                            id: inner_id,
                        }),
                        predicate,
                    },
                    scope,
                    id,
                })),
            }
        }
        Op::Expand { input, spec } => Ok(Hop { input, spec, scope }),
        op => Err(Box::new(Plan { op, scope, id })),
    }
}

/// Calls `f` on every expansion of `plan` (those inside the operators
/// that fold hops in too).
pub fn each_expand(plan: &Plan, f: &mut dyn FnMut(&Expand)) {
    crate::syntax::with_stack(|| {
        match &plan.op {
            Op::Expand { spec, .. }
            | Op::CountExpandRows { spec, .. }
            | Op::GroupCountExpand { spec, .. }
            | Op::CountDistinctEnds { spec, .. } => f(spec),
            Op::ExpandIntersect { first, closing, .. } => {
                f(first);
                f(closing);
            }
            _ => {}
        }
        for child in plan.op.children() {
            each_expand(child, f);
        }
    })
}

/// What the operators above a plan node ask of its rows: which slots they
/// read (`None`: any of them), and whether they would notice a row that
/// repeats another on those slots (a `DISTINCT` or a duplicate-insensitive
/// aggregate above does not).
#[derive(Debug, Clone)]
struct Demand {
    reads: Option<BTreeSet<Slot>>,
    dups_matter: bool,
}

impl Demand {
    /// Everything is read, every row counts (the result of a statement).
    fn all() -> Demand {
        Demand {
            reads: None,
            dups_matter: true,
        }
    }

    /// Also reads `more` (`None`: something not tracked, so everything).
    fn and_reads(self, more: Option<BTreeSet<Slot>>) -> Demand {
        let reads = match (self.reads, more) {
            (Some(mut r), Some(m)) => {
                r.extend(m);
                Some(r)
            }
            _ => None,
        };
        Demand { reads, ..self }
    }

    /// Without the slots an operator adds (its input does not have them).
    fn without(mut self, added: &[Slot]) -> Demand {
        if let Some(r) = &mut self.reads {
            r.retain(|s| !added.contains(s));
        }
        self
    }
}

/// The slots of the relationships `spec` must differ from that could be
/// of its types (only those are read to tell it apart).
pub fn repeatable(spec: &Expand) -> impl Iterator<Item = Slot> + '_ {
    let types = super::super::TypeSet::of(&spec.types);
    spec.unique
        .iter()
        .filter(move |u| u.may_be(types))
        .map(|u| u.slot)
}

/// What the operators above an expansion read of its rows.
pub struct Needed<'a> {
    /// The slots read above, and by the expansion's own filter.
    pub all: &'a BTreeSet<Slot>,
    /// The slots read above, not counting the expansion's own filter
    /// (which is tested on each candidate inside the expansion).
    pub above: &'a BTreeSet<Slot>,
}

/// Walks `plan` from the top carrying what the operators above read of
/// each row and whether they notice repeated rows. `visit` is called on
/// every expansion whose rows only matter up to duplicates on a known set
/// of slots (with those slots and the width of the expansion's input
/// rows) before the walk goes on below it.
///
/// Rows below a `DISTINCT` (or an aggregate that ignores duplicates:
/// `DISTINCT` ones, `min`, `max`) matter only up to duplicates on the slots
/// read above, so an expansion there may drop repeats of its far node, and
/// a variable-length one may find each far node once instead of once per
/// trail.
pub fn walk_needed(plan: &mut Plan, visit: &mut dyn FnMut(&mut Expand, &Needed, usize)) {
    walk(plan, Demand::all(), visit)
}

fn walk(plan: &mut Plan, demand: Demand, visit: &mut dyn FnMut(&mut Expand, &Needed, usize)) {
    crate::syntax::with_stack(|| walk_here(plan, demand, visit))
}

fn walk_here(plan: &mut Plan, demand: Demand, visit: &mut dyn FnMut(&mut Expand, &Needed, usize)) {
    let out_scope = plan.scope.clone();
    match &mut plan.op {
        Op::Distinct { input, slots } => {
            let compared: BTreeSet<Slot> = slots.iter().copied().collect();
            // Only when nothing but the compared slots is read above (the
            // other slots of a kept row are those of whichever row came
            // first).
            let whole_row = compared.len() == out_scope.width();
            let only_compared = whole_row
                || demand
                    .reads
                    .as_ref()
                    .is_some_and(|r| r.is_subset(&compared));
            let next = if only_compared {
                Demand {
                    reads: Some(compared),
                    dups_matter: false,
                }
            } else {
                demand.and_reads(Some(compared))
            };
            walk(input, next, visit);
        }
        Op::Aggregate { input, keys, aggs } => {
            let insensitive = aggs
                .iter()
                .all(|a| a.distinct || matches!(a.name.as_str(), "min" | "max"));
            let mut exprs: Vec<&Expr> = keys.iter().collect();
            exprs.extend(aggs.iter().flat_map(|a| a.args.iter()));
            let reads = slots_of(&input.scope, exprs);
            let next = Demand {
                dups_matter: !(insensitive && reads.is_some()),
                reads,
            };
            walk(input, next, visit);
        }
        Op::Project { input, items } => {
            let read: Vec<&Expr> = items
                .iter()
                .enumerate()
                .filter(|(i, _)| demand.reads.as_ref().is_none_or(|r| r.contains(i)))
                .map(|(_, (_, e))| e)
                .collect();
            let next = Demand {
                reads: slots_of(&input.scope, read),
                dups_matter: demand.dups_matter,
            };
            walk(input, next, visit);
        }
        Op::Extend { input, items } => {
            let width = input.scope.width();
            let read: Vec<&Expr> = items
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    demand
                        .reads
                        .as_ref()
                        .is_none_or(|r| r.contains(&(width + i)))
                })
                .map(|(_, (_, e))| e)
                .collect();
            let added: Vec<Slot> = (width..width + items.len()).collect();
            let more = slots_of(&input.scope, read);
            walk(input, demand.without(&added).and_reads(more), visit);
        }
        Op::Select { input, slots } => {
            let reads = Some(match &demand.reads {
                Some(r) => r.iter().filter_map(|i| slots.get(*i).copied()).collect(),
                None => slots.iter().copied().collect(),
            });
            let next = Demand {
                reads,
                dups_matter: demand.dups_matter,
            };
            walk(input, next, visit);
        }
        Op::Sort { input, keys } => {
            let more = slots_of(&input.scope, keys.iter().map(|(k, _)| k));
            walk(input, demand.and_reads(more), visit);
        }
        Op::Filter { input, predicate } => {
            let more = slots_of(&input.scope, [&*predicate]);
            walk(input, demand.and_reads(more), visit);
        }
        Op::Skip { input, .. } | Op::Limit { input, .. } => {
            // They count rows.
            let next = Demand {
                dups_matter: true,
                ..demand
            };
            walk(input, next, visit);
        }
        Op::Unwind { input, expr, slot } => {
            let more = slots_of(&input.scope, [&*expr]);
            walk(input, demand.without(&[*slot]).and_reads(more), visit);
        }
        Op::Expand { input, spec } => {
            let in_width = input.scope.width();
            let above = demand.reads.clone();
            // A folded filter reads the expansion's own rows: what it reads
            // is needed as much as what the operators above read.
            let demand = match &spec.filter {
                Some(f) => demand.and_reads(slots_of(&out_scope, [f])),
                None => demand,
            };
            if let (Some(all), Some(above), false, false, false) = (
                &demand.reads,
                &above,
                demand.dups_matter,
                spec.to_bound,
                spec.rel_bound,
            ) {
                visit(spec, &Needed { all, above }, in_width);
            }
            // What the expansion itself reads from its input row.
            let mut own: BTreeSet<Slot> = BTreeSet::from([spec.from]);
            if spec.to_bound {
                own.insert(spec.to);
            }
            if spec.rel_bound {
                own.insert(spec.rel);
            }
            own.extend(repeatable(spec));
            let exprs = spec
                .rel_props
                .iter()
                .map(|p| match p {
                    PropSpec::Key(_, e) | PropSpec::Map(e) => e,
                })
                .chain(check_exprs(&spec.check));
            // A predicate on each relationship reads the input row too.
            let each = spec.each_rel.as_ref().map(|e| {
                slots_of(&e.scope, [&e.predicate]).map(|mut s| {
                    s.remove(&(e.scope.width() - 1));
                    s
                })
            });
            let more = slots_of(&input.scope, exprs).and_then(|mut s| {
                s.extend(own);
                match each {
                    Some(Some(e)) => s.extend(e),
                    Some(None) => return None,
                    None => {}
                }
                Some(s)
            });
            let added: Vec<Slot> = [spec.rel, spec.to]
                .into_iter()
                .filter(|s| *s >= in_width)
                .collect();
            walk(input, demand.without(&added).and_reads(more), visit);
        }
        Op::LabelScan {
            input, slot, check, ..
        }
        | Op::AllNodes {
            input, slot, check, ..
        } => {
            let more = slots_of(&input.scope, check_exprs(check));
            walk(input, demand.without(&[*slot]).and_reads(more), visit);
        }
        Op::NodeSeek {
            input,
            slot,
            check,
            seek,
            ..
        } => {
            let (Seek::Key(e) | Seek::Alias(e) | Seek::Name(e)) = &*seek;
            let exprs = check_exprs(check).chain(std::iter::once(e));
            let more = slots_of(&input.scope, exprs);
            walk(input, demand.without(&[*slot]).and_reads(more), visit);
        }
        Op::CheckNode {
            input, slot, check, ..
        } => {
            let more = slots_of(&input.scope, check_exprs(check)).map(|mut s| {
                s.insert(*slot);
                s
            });
            walk(input, demand.and_reads(more), visit);
        }
        other => {
            // Anything else: no assumption about what above reads.
            for c in other.children_mut() {
                walk(c, Demand::all(), visit);
            }
        }
    }
}

/// The expressions of a node check's property constraints.
fn check_exprs(check: &NodeCheck) -> impl Iterator<Item = &Expr> {
    check.props.iter().map(|p| match p {
        PropSpec::Key(_, e) | PropSpec::Map(e) => e,
    })
}

/// The slots of every variable the expressions read, or `None` when one
/// of them is not a slot of `scope` (or reads something else, such as a
/// pattern or a sub-query, whose inputs are not tracked here).
pub fn slots_of<'a>(
    scope: &Scope,
    exprs: impl IntoIterator<Item = &'a Expr>,
) -> Option<BTreeSet<Slot>> {
    let mut names = BTreeSet::new();
    for e in exprs {
        if reads_subquery(e) {
            return None;
        }
        super::super::expr::free_vars(e, &mut names);
    }
    names.iter().map(|n| scope.slot(n)).collect()
}

/// True when `e` reads a pattern or a sub-query (whose inputs are not
/// tracked by variable).
pub(crate) fn reads_subquery(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Pattern(_) | ExprKind::Exists(_) | ExprKind::PatternComprehension { .. }
    ) || children(e).into_iter().any(reads_subquery)
}

/// True for expressions whose evaluation cannot raise an error (a
/// variable, a parameter, a literal).
pub fn cannot_fail(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Variable(_) | ExprKind::Parameter(_) | ExprKind::Literal(_)
    )
}

/// The slot `e` names, when it is a plain variable of `scope`.
pub fn variable_slot(scope: &Scope, e: &Expr) -> Option<Slot> {
    match &e.kind {
        ExprKind::Variable(v) => scope.slot(v),
        _ => None,
    }
}

/// True for a predicate that yields true, false or null for any values of
/// its variables (nodes and relationships among `entities`), never an
/// error.
pub fn boolean_safe(e: &Expr, entities: &BTreeSet<String>) -> bool {
    match &e.kind {
        ExprKind::Binary(BinaryOp::And | BinaryOp::Or | BinaryOp::Xor, l, r) => {
            boolean_safe(l, entities) && boolean_safe(r, entities)
        }
        ExprKind::Binary(
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::StartsWith
            | BinaryOp::EndsWith
            | BinaryOp::Contains,
            l,
            r,
        ) => value_safe(l, entities) && value_safe(r, entities),
        ExprKind::Binary(BinaryOp::In, l, r) => {
            value_safe(l, entities)
                && matches!(&r.kind, ExprKind::List(items)
                    if items.iter().all(|i| matches!(i.kind, ExprKind::Literal(_))))
        }
        ExprKind::Unary(UnaryOp::Not, x) => boolean_safe(x, entities),
        ExprKind::IsNull(x, _) => value_safe(x, entities),
        ExprKind::Literal(Literal::Bool(_) | Literal::Null) => true,
        _ => false,
    }
}

/// True for a value read without error: a literal, a parameter, a
/// variable, or a property of one of `entities`.
pub fn value_safe(e: &Expr, entities: &BTreeSet<String>) -> bool {
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Parameter(_) | ExprKind::Variable(_) => true,
        ExprKind::Property(base, _) => {
            matches!(&base.kind, ExprKind::Variable(v) if entities.contains(v))
        }
        _ => false,
    }
}
