//! Counting without rows.
//!
//! `count(DISTINCT x)` over the far ends of one expansion (a single hop, or
//! a breadth-first variable-length one) is the number of distinct far
//! nodes, which the expansion can count itself instead of building a row
//! per far node for the aggregate to dedupe ([`CountEndsOp`]). The shape
//! replaced (no grouping keys, nothing else read):
//!
//! ```text
//! Aggregate: count(DISTINCT x)
//! └─ [Filter: x <> s]                 optional
//!    └─ Expand (s)-[..]-(x)           one hop, or BFS with distinct ends
//! ```
//!
//! And `count(*)` over a single hop, seen through projections and
//! distincts already known to hold ([`CountRowsOp`]), is the number of
//! rows the hop would produce, which it counts without building them.
//!
//! Grouped counts work the same way ([`GroupCountOp`]): when the grouping
//! keys read only what the hop starts from, each input row of the hop is
//! one group's contribution, counted from its far nodes.
//!
//! Under PROFILE the ordinary operators run, so their figures show.

use super::expand::{edges, RelProps, SeenEnds};
use super::scan::resolve;
use super::{BoxOp, Ctx, Operator, Row};
use crate::error::Result;
use std::collections::HashSet;

use indexmap::IndexMap;

use super::expand::ExpandOp;
use super::values::{group_key, HashKey};
use super::Prepared;
use crate::eval::compare::FxBuild;
use crate::plan::{AggCall, Expand, Op, Plan, Scope};
use crate::store::EntityId;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind};
use crate::value::Value;

/// A count as a value (saturating at `i64::MAX`).
fn count_value(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The row a counting shortcut produces, shaped as an aggregate's is:
/// `width` nulls (the group's representative row), then the count.
pub(super) fn count_row(width: usize, n: u64) -> Row {
    let mut row = vec![Value::Null; width];
    row.push(count_value(n));
    row
}

/// True for expressions whose evaluation cannot raise an error (a
/// variable, a parameter, a literal).
fn cannot_fail(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Variable(_) | ExprKind::Parameter(_) | ExprKind::Literal(_)
    )
}

/// `plan` without a `Filter` at its top, and that filter's predicate.
fn split_filter(plan: &Plan) -> (&Plan, Option<&Expr>) {
    match &plan.op {
        Op::Filter { input, predicate } => (input, Some(predicate)),
        _ => (plan, None),
    }
}

/// Counts the distinct far nodes of an expansion over all its input rows.
pub struct CountEndsOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    spec: &'p Expand,
    /// `x <> s`: the start node itself is never counted.
    exclude_start: bool,
    width: usize,
    done: bool,
}

impl<'p> CountEndsOp<'p> {
    /// The expansion (and its input plan) when the aggregate over `input`
    /// has the shape this operator replaces, with whether the start is
    /// excluded.
    pub fn matches(
        input: &'p Plan,
        keys: &[Expr],
        aggs: &[AggCall],
    ) -> Option<(&'p Plan, &'p Expand, bool)> {
        let [agg] = aggs else { return None };
        let [arg] = agg.args.as_slice() else {
            return None;
        };
        if !keys.is_empty() || agg.name != "count" || !agg.distinct {
            return None;
        }
        let ExprKind::Variable(x) = &arg.kind else {
            return None;
        };
        let x = input.scope.slot(x)?;
        let (expand_plan, exclude) = split_filter(input);
        let Op::Expand {
            input: source,
            spec,
        } = &expand_plan.op
        else {
            return None;
        };
        let plain = spec.to == x
            && !spec.to_bound
            && !spec.rel_bound
            && spec.unique.is_empty()
            && spec.var.is_none_or(|v| v.bfs && v.min <= 1);
        if !plain {
            return None;
        }
        let exclude_start = match exclude {
            None => false,
            Some(p) => {
                let ExprKind::Binary(BinaryOp::Ne, l, r) = &p.kind else {
                    return None;
                };
                let var = |e: &Expr| match &e.kind {
                    ExprKind::Variable(v) => expand_plan.scope.slot(v),
                    _ => None,
                };
                let (l, r) = (var(l)?, var(r)?);
                if !((l == x && r == spec.from) || (l == spec.from && r == x)) {
                    return None;
                }
                true
            }
        };
        // Without the filter, a BFS with minimum length 1 may also reach
        // the start through a cycle; that case keeps the ordinary operators.
        if !exclude_start && spec.var.is_some_and(|v| v.min == 1) {
            return None;
        }
        Some((source, spec, exclude_start))
    }

    /// Counts over the rows of `input` (of `scope`); the output row is
    /// `width` nulls followed by the count, as an aggregate's is.
    pub fn new(
        input: BoxOp<'p>,
        scope: &'p Scope,
        spec: &'p Expand,
        exclude_start: bool,
        width: usize,
    ) -> Self {
        CountEndsOp {
            input,
            scope,
            spec,
            exclude_start,
            width,
            done: false,
        }
    }

    /// Adds the far nodes reached from the start in `row` to `counted`.
    fn count_from(
        &self,
        ctx: &mut Ctx<'_>,
        row: &[Value],
        counted: &mut SeenEnds,
        visited: &mut Option<SeenEnds>,
        n: &mut u64,
    ) -> Result<()> {
        let s = self.spec;
        let Some(Value::Node(start)) = row.get(s.from) else {
            return Ok(());
        };
        let start = *start;
        let props = RelProps::resolve(ctx, self.scope, row, &s.rel_props)?;
        let check = if s.check.is_empty() {
            None
        } else {
            Some(resolve(ctx, self.scope, row, &s.check)?)
        };
        let mut count = |ctx: &Ctx<'_>, m: EntityId| {
            if (self.exclude_start && m == start)
                || !check.as_ref().is_none_or(|c| c.accepts(ctx, m))
            {
                return;
            }
            if counted.first(m) {
                *n += 1;
            }
        };
        let Some(var) = s.var else {
            for (_, m) in edges(ctx.graph(), start, s.dir, &s.types, &props) {
                count(ctx, m);
            }
            return Ok(());
        };
        // Breadth first, each node expanded once; nodes at the maximum
        // depth are counted but not expanded.
        let seen = visited.get_or_insert_with(|| SeenEnds::for_graph(ctx.graph()));
        seen.restart();
        seen.first(start);
        if var.min == 0 {
            count(ctx, start);
        }
        let mut frontier = vec![start];
        let mut next = Vec::new();
        let mut depth = 0u64;
        while !frontier.is_empty() && var.max.is_none_or(|m| depth < m) {
            for &a in &frontier {
                ctx.guard.check()?;
                for (_, m) in edges(ctx.graph(), a, s.dir, &s.types, &props) {
                    if seen.first(m) {
                        count(ctx, m);
                        next.push(m);
                    }
                }
            }
            std::mem::swap(&mut frontier, &mut next);
            next.clear();
            depth += 1;
        }
        Ok(())
    }
}

impl Operator for CountEndsOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let mut counted = SeenEnds::for_graph(ctx.graph());
        let mut visited = None;
        let mut n = 0u64;
        while let Some(row) = self.input.next(ctx)? {
            ctx.guard.check()?;
            self.count_from(ctx, &row, &mut counted, &mut visited, &mut n)?;
        }
        Ok(Some(count_row(self.width, n)))
    }
}

/// A single hop found under an aggregate: the plan it reads, its spec, its
/// output scope and the filter right above it.
pub struct Hop<'p> {
    /// The hop's input.
    pub source: &'p Plan,
    /// The hop.
    pub spec: &'p Expand,
    /// The hop's output scope (what the filter reads).
    pub scope: &'p Scope,
    /// A `WHERE` right above the hop.
    pub filter: Option<&'p Expr>,
}

/// `count(*)` of the rows of a single-hop expansion (optionally filtered),
/// seen through row-preserving operators.
pub struct CountRowsOp<'p> {
    expand: super::expand::ExpandOp<'p>,
    width: usize,
    done: bool,
}

impl<'p> CountRowsOp<'p> {
    /// The expansion (its input plan, its spec and its output scope) and
    /// the filter right above it, when the aggregate over `input` is a
    /// plain `count(*)` of its rows.
    pub fn matches(input: &'p Plan, keys: &[Expr], aggs: &[AggCall]) -> Option<Hop<'p>> {
        let [agg] = aggs else { return None };
        if !keys.is_empty() || agg.name != "count" || agg.distinct || !agg.args.is_empty() {
            return None;
        }
        let mut plan = input;
        loop {
            match &plan.op {
                // A projection is looked through only when none of its
                // items can fail (`1/0` must still raise its error).
                Op::Project { input, items } if items.iter().all(|(_, e)| cannot_fail(e)) => {
                    plan = input
                }
                Op::Select { input, .. } => plan = input,
                Op::Distinct {
                    input, known: true, ..
                } => plan = input,
                _ => break,
            }
        }
        let (expand, filter) = split_filter(plan);
        match &expand.op {
            Op::Expand { input, spec } if spec.var.is_none() => Some(Hop {
                source: input,
                spec,
                scope: &expand.scope,
                filter,
            }),
            _ => None,
        }
    }

    /// Counts the rows of `expand`; the output row is `width` nulls followed
    /// by the count, as an aggregate's is.
    pub fn new(expand: super::expand::ExpandOp<'p>, width: usize) -> Self {
        CountRowsOp {
            expand,
            width,
            done: false,
        }
    }
}

impl Operator for CountRowsOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let n = self.expand.count_rows(ctx)?;
        Ok(Some(count_row(self.width, n)))
    }
}

/// What one aggregate of a [`GroupCountOp`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// `count(*)`, or `count(x)` of the far node (never null): every row.
    Rows,
    /// `count(DISTINCT x)` of the far node.
    DistinctEnds,
}

/// One group's count of distinct far nodes: the far nodes of its first
/// input row while they are known to be distinct, a set once another input
/// row joins the group.
#[derive(Debug, Default)]
struct DistinctEnds {
    first: Vec<EntityId>,
    set: Option<HashSet<EntityId, FxBuild>>,
}

impl DistinctEnds {
    fn add(&mut self, ends: &[EntityId], distinct: bool) {
        match &mut self.set {
            None if self.first.is_empty() && distinct => self.first.extend_from_slice(ends),
            None => {
                let mut set: HashSet<EntityId, FxBuild> = self.first.drain(..).collect();
                set.extend(ends.iter().copied());
                self.set = Some(set);
            }
            Some(set) => set.extend(ends.iter().copied()),
        }
    }

    fn count(&self) -> usize {
        self.set.as_ref().map_or(self.first.len(), HashSet::len)
    }
}

/// `count`s grouped by keys that read only the input of a single hop
/// (optionally filtered): per input row, the keys are computed once and
/// the hop's far nodes counted, without a row per far node.
pub struct GroupCountOp<'p> {
    expand: ExpandOp<'p>,
    scope: &'p Scope,
    keys: Vec<Prepared<'p>>,
    counted: Vec<Counted>,
    /// The hop drops repeated far nodes within an input row.
    deduped: bool,
    out: Option<std::collections::VecDeque<Row>>,
}

impl<'p> GroupCountOp<'p> {
    /// The hop (its input plan, spec and output scope), the filter right
    /// above it and what each aggregate counts, when the aggregate over
    /// `input` has this shape.
    #[allow(clippy::type_complexity)]
    pub fn matches(
        input: &'p Plan,
        keys: &[Expr],
        aggs: &[AggCall],
    ) -> Option<(Hop<'p>, Vec<Counted>)> {
        if keys.is_empty() || aggs.is_empty() {
            return None;
        }
        let (expand, filter) = split_filter(input);
        let Op::Expand {
            input: source,
            spec,
        } = &expand.op
        else {
            return None;
        };
        if spec.var.is_some() || spec.to_bound || spec.rel_bound {
            return None;
        }
        // The keys read only what the hop starts from.
        let mut names = std::collections::BTreeSet::new();
        for k in keys {
            if crate::plan::optimize::reads_subquery(k) {
                return None;
            }
            crate::plan::expr::free_vars(k, &mut names);
        }
        if !names.iter().all(|n| source.scope.slot(n).is_some()) {
            return None;
        }
        let mut counted = Vec::with_capacity(aggs.len());
        for a in aggs {
            if a.name != "count" {
                return None;
            }
            let c = match a.args.as_slice() {
                [] if !a.distinct => Counted::Rows,
                [arg] => {
                    let ExprKind::Variable(v) = &arg.kind else {
                        return None;
                    };
                    if input.scope.slot(v) != Some(spec.to) {
                        return None;
                    }
                    if a.distinct {
                        Counted::DistinctEnds
                    } else {
                        Counted::Rows
                    }
                }
                _ => return None,
            };
            counted.push(c);
        }
        Some((
            Hop {
                source,
                spec,
                scope: &expand.scope,
                filter,
            },
            counted,
        ))
    }

    /// Groups the rows of `expand` by `keys` (of `scope`, the aggregate's
    /// input scope), counting as `counted` says.
    pub fn new(
        expand: ExpandOp<'p>,
        scope: &'p Scope,
        keys: &'p [Expr],
        counted: Vec<Counted>,
        deduped: bool,
    ) -> Self {
        GroupCountOp {
            expand,
            scope,
            keys: keys.iter().map(|k| Prepared::new(scope, k)).collect(),
            counted,
            deduped,
            out: None,
        }
    }

    fn run(&mut self, ctx: &mut Ctx<'_>) -> Result<std::collections::VecDeque<Row>> {
        type Group = (Row, Vec<u64>, Vec<DistinctEnds>);
        let mut groups: IndexMap<HashKey, Group, FxBuild> = IndexMap::default();
        let mut ends = Vec::new();
        let distincts = self
            .counted
            .iter()
            .filter(|c| **c == Counted::DistinctEnds)
            .count();
        loop {
            ends.clear();
            let Some(row) = self.expand.next_run(ctx, &mut ends)? else {
                break;
            };
            if ends.is_empty() {
                continue;
            }
            let mut values = Vec::with_capacity(self.keys.len());
            for k in &self.keys {
                values.push(k.eval(ctx, self.scope, row)?);
            }
            let group = groups.entry(group_key(values)).or_insert_with(|| {
                (
                    row.clone(),
                    vec![0; self.counted.len()],
                    (0..distincts).map(|_| DistinctEnds::default()).collect(),
                )
            });
            let mut d = 0;
            for (c, total) in self.counted.iter().zip(group.1.iter_mut()) {
                match c {
                    Counted::Rows => *total += ends.len() as u64,
                    Counted::DistinctEnds => {
                        if let Some(set) = group.2.get_mut(d) {
                            set.add(&ends, self.deduped);
                            *total = set.count() as u64;
                        }
                        d += 1;
                    }
                }
            }
        }
        let mut out = std::collections::VecDeque::with_capacity(groups.len());
        for (_, (mut row, totals, _)) in groups {
            row.resize(self.scope.width(), Value::Null);
            row.extend(totals.into_iter().map(count_value));
            out.push_back(row);
        }
        Ok(out)
    }
}

impl Operator for GroupCountOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.out.is_none() {
            let out = self.run(ctx)?;
            self.out = Some(out);
        }
        Ok(self
            .out
            .as_mut()
            .and_then(std::collections::VecDeque::pop_front))
    }
}
