//! Seeks through declared property indexes: the keys a seek reads for one
//! input row, and the relationship index seek operator (the node one is a
//! mode of [`super::scan::NodeScan`]).
//!
//! A seek only narrows the candidates: the condition it answers stays in
//! the plan (as a filter or in the node check) and decides. When the value
//! looked up is one the index cannot hold (a list, a date, NaN, a map) or
//! the index is gone, the seek reads every node of the label (relationship
//! of the type) instead, so the answer is always the unindexed one.

use std::ops::Bound;

use super::expand::RelProps;
use super::scan::resolve;
use super::{BoxOp, Ctx, Operator, Row};
use crate::error::Result;
use crate::plan::index_seek::{IndexSeek, SeekKeys};
use crate::plan::{Dir, RelSeek, Scope};
use crate::store::{EntityId, IndexKey, IndexTarget, KeyRange, RelationId};
use crate::value::Value;

/// What one seek reads for one input row.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// These keys of the index.
    Keys(KeyRange),
    /// Nothing can match (a `null` key, a comparison with NaN).
    Nothing,
    /// Every entity of the label or type (the key is not indexable).
    Scan,
}

/// The keys `keys` reads for `row`.
pub fn lookup(ctx: &Ctx<'_>, scope: &Scope, row: &[Value], keys: &SeekKeys) -> Result<Lookup> {
    Ok(match keys {
        SeekKeys::Equal(e) => match ctx.eval(scope, row, e)? {
            Value::Null => Lookup::Nothing,
            v => match IndexKey::of(&v) {
                Some(k) => Lookup::Keys(KeyRange::Values(vec![k])),
                None => Lookup::Scan,
            },
        },
        SeekKeys::In(e) => match ctx.eval(scope, row, e)? {
            Value::Null => Lookup::Nothing,
            Value::List(items) => {
                let mut ks = Vec::with_capacity(items.len());
                for v in items.iter().filter(|v| !v.is_null()) {
                    match IndexKey::of(v) {
                        Some(k) => ks.push(k),
                        None => return Ok(Lookup::Scan),
                    }
                }
                Lookup::Keys(KeyRange::Values(ks))
            }
            _ => Lookup::Scan,
        },
        SeekKeys::Prefix(e) => match ctx.eval(scope, row, e)? {
            Value::Null => Lookup::Nothing,
            Value::String(s) => Lookup::Keys(KeyRange::Prefix(s)),
            _ => Lookup::Scan,
        },
        SeekKeys::Range { lower, upper } => {
            let mut bounds = [Bound::Unbounded, Bound::Unbounded];
            for (i, b) in [lower, upper].into_iter().enumerate() {
                let Some((e, inclusive)) = b else { continue };
                let v = ctx.eval(scope, row, e)?;
                let k = match &v {
                    Value::Null => return Ok(Lookup::Nothing),
                    Value::Float(f) if f.is_nan() => return Ok(Lookup::Nothing),
                    v => match IndexKey::of(v) {
                        Some(k) => k,
                        None => return Ok(Lookup::Scan),
                    },
                };
                bounds[i] = if *inclusive {
                    Bound::Included(k)
                } else {
                    Bound::Excluded(k)
                };
            }
            let [lo, hi] = bounds;
            Lookup::Keys(KeyRange::between(lo, hi))
        }
    })
}

/// The ids of the `target` entities `seek` finds for `row`, ascending.
pub fn seek_ids(
    ctx: &Ctx<'_>,
    scope: &Scope,
    row: &[Value],
    target: IndexTarget,
    seek: &IndexSeek,
) -> Result<Vec<u64>> {
    let g = ctx.graph();
    let index = g.property_index(target, &seek.token, &seek.property);
    let found = match (lookup(ctx, scope, row, &seek.keys)?, index) {
        (Lookup::Nothing, _) => Vec::new(),
        (Lookup::Keys(range), Some(index)) => index.ids(&range),
        (Lookup::Scan, _) | (Lookup::Keys(_), None) => match target {
            IndexTarget::Node => g.entities_with_label(&seek.token).map(|i| i.0).collect(),
            IndexTarget::Relationship => g.relations_with_type(&seek.token).map(|i| i.0).collect(),
        },
    };
    Ok(found)
}

/// Binds `(left)-[rel]-(right)` for every relationship a declared index
/// finds, for each input row.
pub struct RelIndexSeekOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    spec: &'p RelSeek,
    /// The current input row and its pending outputs.
    out: Vec<Row>,
}

impl<'p> RelIndexSeekOp<'p> {
    /// The seek of `spec` over rows of `scope`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, spec: &'p RelSeek) -> Self {
        RelIndexSeekOp {
            input,
            scope,
            spec,
            out: Vec::new(),
        }
    }

    /// The output rows of one input row, in reverse order (popped).
    fn expand(&self, ctx: &Ctx<'_>, row: &Row) -> Result<Vec<Row>> {
        let s = self.spec;
        let ids = seek_ids(ctx, self.scope, row, IndexTarget::Relationship, &s.seek)?;
        let props = RelProps::resolve(ctx, self.scope, row, &s.rel_props)?;
        let left = resolve(ctx, self.scope, row, &s.left_check)?;
        let right = resolve(ctx, self.scope, row, &s.right_check)?;
        let used: Vec<RelationId> = s
            .unique
            .iter()
            .filter_map(|u| match row.get(u.slot) {
                Some(Value::Relationship(r)) => Some(*r),
                _ => None,
            })
            .collect();
        let used_lists: Vec<RelationId> = s
            .unique
            .iter()
            .filter(|u| u.list)
            .filter_map(|u| match row.get(u.slot) {
                Some(Value::List(items)) => Some(items),
                _ => None,
            })
            .flatten()
            .filter_map(|v| match v {
                Value::Relationship(r) => Some(*r),
                _ => None,
            })
            .collect();
        let width = row.len().max(s.left.max(s.rel).max(s.right) + 1);
        let mut out = Vec::new();
        for id in ids {
            ctx.guard.check()?;
            let id = RelationId(id);
            let Some(r) = ctx.graph().relation(id) else {
                continue;
            };
            if r.rel_type.as_str() != s.seek.token
                || !props.accepts(r)
                || used.contains(&id)
                || used_lists.contains(&id)
            {
                continue;
            }
            let mut ends: Vec<(EntityId, EntityId)> = Vec::with_capacity(2);
            if matches!(s.dir, Dir::Out | Dir::Both) {
                ends.push((r.from, r.to));
            }
            if s.dir == Dir::In || (s.dir == Dir::Both && r.from != r.to) {
                ends.push((r.to, r.from));
            }
            for (a, b) in ends {
                if !left.accepts(ctx, a) || !right.accepts(ctx, b) {
                    continue;
                }
                let mut o = Vec::with_capacity(width);
                o.extend_from_slice(row);
                o.resize(width, Value::Null);
                o[s.left] = Value::Node(a);
                o[s.rel] = Value::Relationship(id);
                o[s.right] = Value::Node(b);
                out.push(o);
            }
        }
        out.reverse();
        Ok(out)
    }
}

impl Operator for RelIndexSeekOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            if let Some(row) = self.out.pop() {
                return Ok(Some(row));
            }
            let Some(row) = self.input.next(ctx)? else {
                return Ok(None);
            };
            self.out = self.expand(ctx, &row)?;
        }
    }
}
