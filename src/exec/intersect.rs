//! `ExpandIntersect`: a hop binding a new node, closed on a bound node by a
//! second hop, answered by intersecting the new node's candidates from
//! both bound ends (see [`crate::plan::optimize::expand_intersect`]).

use super::expand::{edges_into, node_at, used_list, RelProps};
use super::rows::Predicate;
use super::scan::resolve;
use super::{BoxOp, Ctx, Operator, Row};
use crate::error::Result;
use crate::plan::{Expand, Scope};
use crate::store::{EntityId, RelationId};
use crate::value::Value;

/// See the module documentation.
pub struct IntersectOp<'p> {
    input: BoxOp<'p>,
    in_scope: &'p Scope,
    first: &'p Expand,
    first_filter: Option<Predicate<'p>>,
    closing: &'p Expand,
    closing_filter: Option<Predicate<'p>>,
    /// The first hop's candidates `(relationship, new node)` for the
    /// current input row.
    firsts: Vec<(RelationId, EntityId)>,
    /// The closing hop's candidates from the bound end, sorted by the node
    /// at their other end (stable: ties keep their order).
    closings: Vec<(RelationId, EntityId)>,
    /// Rows ready to hand out, last first.
    ready: Vec<Row>,
}

impl<'p> IntersectOp<'p> {
    /// Intersects `first` (rows of `first_scope`) and `closing` (rows of
    /// `out_scope`) over rows of `in_scope`.
    pub fn new(
        input: BoxOp<'p>,
        in_scope: &'p Scope,
        first: &'p Expand,
        first_scope: &'p Scope,
        closing: &'p Expand,
        out_scope: &'p Scope,
    ) -> Self {
        IntersectOp {
            input,
            in_scope,
            first,
            first_filter: first
                .filter
                .as_ref()
                .map(|f| Predicate::new(first_scope, f)),
            closing,
            closing_filter: closing
                .filter
                .as_ref()
                .map(|f| Predicate::new(out_scope, f)),
            firsts: Vec::new(),
            closings: Vec::new(),
            ready: Vec::new(),
        }
    }

    /// Fills `ready` with the rows `row` yields.
    fn start(&mut self, ctx: &mut Ctx<'_>, row: Row) -> Result<()> {
        let (f, c) = (self.first, self.closing);
        // What the first hop resolves per input row, in the order the plain
        // hop does (an error surfaces as it would there).
        let Some(from) = node_at(&row, f.from) else {
            return Ok(());
        };
        let first_props = RelProps::resolve(ctx, self.in_scope, &row, &f.rel_props)?;
        let check = if f.check.is_empty() {
            None
        } else {
            Some(resolve(ctx, self.in_scope, &row, &f.check)?)
        };
        let Some(bound) = node_at(&row, c.to) else {
            return Ok(());
        };
        self.firsts.clear();
        edges_into(ctx, from, f.dir, &f.types, &first_props, &mut self.firsts);
        if self.firsts.is_empty() {
            return Ok(());
        }
        let closing_props = RelProps::resolve(ctx, self.in_scope, &row, &c.rel_props)?;
        self.closings.clear();
        edges_into(
            ctx,
            bound,
            c.dir.reverse(),
            &c.types,
            &closing_props,
            &mut self.closings,
        );
        if self.closings.is_empty() {
            return Ok(());
        }
        self.closings.sort_by_key(|&(_, n)| n);
        let used = used_list(&row, &f.unique);
        let width = row.len().max(f.rel + 1).max(f.to + 1).max(c.rel + 1);
        let mut base = row;
        base.resize(width, Value::Null);
        for i in 0..self.firsts.len() {
            let (r, n) = self.firsts[i];
            let lo = self.closings.partition_point(|&(_, m)| m < n);
            let hi = lo + self.closings[lo..].partition_point(|&(_, m)| m == n);
            if lo == hi || used.contains(&r) || check.as_ref().is_some_and(|k| !k.accepts(ctx, n)) {
                continue;
            }
            ctx.guard.check()?;
            base[f.rel] = Value::Relationship(r);
            base[f.to] = Value::Node(n);
            if let Some(filter) = &self.first_filter {
                if !filter.accepts(ctx, &base)? {
                    continue;
                }
            }
            let closing_used = used_list(&base, &c.unique);
            for j in lo..hi {
                let (r3, _) = self.closings[j];
                if closing_used.contains(&r3) {
                    continue;
                }
                base[c.rel] = Value::Relationship(r3);
                if let Some(filter) = &self.closing_filter {
                    if !filter.accepts(ctx, &base)? {
                        continue;
                    }
                }
                self.ready.push(super::row_from(&base));
            }
        }
        self.ready.reverse();
        Ok(())
    }
}

impl Operator for IntersectOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            ctx.guard.check()?;
            if let Some(row) = self.ready.pop() {
                return Ok(Some(row));
            }
            let Some(row) = self.input.next(ctx)? else {
                return Ok(None);
            };
            self.start(ctx, row)?;
        }
    }
}
