//! Counting without rows: the operators of the counting rules
//! ([`crate::plan::optimize::count_distinct_ends`],
//! [`crate::plan::optimize::count_expand_rows`],
//! [`crate::plan::optimize::group_count_expand`]).
//!
//! - [`CountEndsOp`]: `count(DISTINCT x)` over the far nodes of one
//!   expansion (a single hop, or a breadth-first variable-length one),
//!   counted by the expansion instead of a row per far node.
//! - [`CountRowsOp`]: `count(*)` of a single hop's rows, counted without
//!   building them.
//! - [`GroupCountOp`]: grouped counts whose keys read only what the hop
//!   starts from; each input row of the hop adds its far nodes to its group.

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
use crate::plan::{Counted, Expand, Scope};
use crate::store::EntityId;
use crate::syntax::ast::Expr;
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
            for (_, m) in edges(ctx, start, s.dir, &s.types, &props) {
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
                for (_, m) in edges(ctx, a, s.dir, &s.types, &props) {
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

/// `count(*)` of the rows of a single-hop expansion (optionally filtered),
/// seen through row-preserving operators.
pub struct CountRowsOp<'p> {
    expand: super::expand::ExpandOp<'p>,
    width: usize,
    done: bool,
}

impl<'p> CountRowsOp<'p> {
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
