//! Grouping and aggregation.

use std::collections::VecDeque;

use indexmap::IndexMap;

use super::values::{group_key, key, Aggregator, HashKey};
use super::{BoxOp, Ctx, Operator, Prepared, Row};
use crate::error::Result;
use crate::eval::compare::FxBuild;
use crate::eval::AggregateKind;
use crate::limits::{row_size, value_size};
use crate::plan::{AggCall, Scope};
use crate::syntax::ast::Expr;
use crate::value::Value;

/// Groups rows by keys and computes aggregates per group. Each output row is
/// the group's first input row followed by the aggregate values, so the
/// projection after it can read both the grouping keys and the aggregates.
pub struct AggregateOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    keys: Vec<Prepared<'p>>,
    aggs: &'p [AggCall],
    args: Vec<Vec<Prepared<'p>>>,
    /// Per aggregate: whether it keeps the values it is fed (`collect`,
    /// percentiles, `DISTINCT`), so they count against the memory budget.
    keeps: Vec<bool>,
    /// Per aggregate: its accumulator kind, resolved once (`None` for a
    /// name the registry does not know; making its accumulator fails).
    kinds: Vec<Option<AggregateKind>>,
    out: Option<VecDeque<Row>>,
    /// The memory charged while grouping, given back once every group is out.
    charged: u64,
}

/// An estimate of the memory of one group's accumulators.
const GROUP_BYTES: u64 = std::mem::size_of::<Aggregator>() as u64;

/// The accumulator kind of an aggregate call: `count` without arguments
/// is `count(*)`.
fn kind_of(a: &AggCall) -> Option<AggregateKind> {
    if a.name == "count" && a.args.is_empty() {
        return Some(AggregateKind::CountStar);
    }
    AggregateKind::from_name(&a.name)
}

impl<'p> AggregateOp<'p> {
    /// Aggregates rows of `scope`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, keys: &'p [Expr], aggs: &'p [AggCall]) -> Self {
        AggregateOp {
            input,
            scope,
            keys: keys.iter().map(|k| Prepared::new(scope, k)).collect(),
            aggs,
            args: aggs
                .iter()
                .map(|a| a.args.iter().map(|e| Prepared::new(scope, e)).collect())
                .collect(),
            keeps: aggs
                .iter()
                .map(|a| a.distinct || kind_of(a).is_some_and(AggregateKind::keeps_values))
                .collect(),
            kinds: aggs.iter().map(kind_of).collect(),
            out: None,
            charged: 0,
        }
    }

    fn fresh(&self) -> Result<Vec<Aggregator>> {
        self.aggs
            .iter()
            .zip(&self.kinds)
            .map(|(a, kind)| match kind {
                Some(k) => Ok(Aggregator::of_kind(*k, a.distinct)),
                None => Aggregator::new(&a.name, a.distinct).map_err(|e| e.or_at(a.span)),
            })
            .collect()
    }

    fn run(&mut self, ctx: &mut Ctx<'_>) -> Result<VecDeque<Row>> {
        let mut groups: IndexMap<HashKey, (Row, Vec<Aggregator>), FxBuild> = IndexMap::default();
        // Without grouping keys there is one group: no key to build or hash.
        let mut single: Option<(Row, Vec<Aggregator>)> = None;
        let mut args = Vec::new();
        // The slots the keys read, when every key is a variable or a
        // property of one (then equal nodes in them mean equal keys).
        let key_slots: Option<Vec<usize>> = self
            .keys
            .iter()
            .map(|k| match k {
                Prepared::Slot(s) | Prepared::Prop(s, ..) => Some(*s),
                _ => None,
            })
            .collect();
        let mut last_slots: Vec<Value> = Vec::new();
        let mut last_group: Option<usize> = None;
        while let Some(row) = self.input.next(ctx)? {
            ctx.guard.check()?;
            let accs = if self.keys.is_empty() {
                if single.is_none() {
                    single = Some((row.clone(), self.fresh()?));
                }
                match single.as_mut() {
                    Some((_, accs)) => accs,
                    None => continue,
                }
            } else {
                // Rows come in runs with the same nodes in the key slots
                // (one input row expanded): such a row joins the group of
                // the one before, with no key to compute.
                let same_run = key_slots.as_ref().is_some_and(|slots| {
                    !last_slots.is_empty()
                        && slots
                            .iter()
                            .zip(&last_slots)
                            .all(|(s, v)| row.get(*s).is_some_and(|x| same_entity(x, v)))
                });
                let index = match last_group {
                    Some(i) if same_run => i,
                    _ => {
                        let mut values = Vec::with_capacity(self.keys.len());
                        for k in &self.keys {
                            values.push(k.eval(ctx, self.scope, &row)?);
                        }
                        let key = group_key(values);
                        let index = match groups.get_index_of(&key) {
                            Some(i) => i,
                            None => {
                                ctx.guard.charge(
                                    row_size(&row)
                                        + value_size(key.value())
                                        + GROUP_BYTES * self.aggs.len() as u64,
                                )?;
                                groups.insert_full(key, (row.clone(), self.fresh()?)).0
                            }
                        };
                        if let Some(slots) = &key_slots {
                            last_slots.clear();
                            last_slots.extend(
                                slots
                                    .iter()
                                    .map(|s| row.get(*s).cloned().unwrap_or(Value::Null)),
                            );
                        }
                        last_group = Some(index);
                        index
                    }
                };
                match groups.get_index_mut(index) {
                    Some((_, (_, accs))) => accs,
                    None => continue,
                }
            };
            for (((a, prepared), acc), keeps) in self
                .aggs
                .iter()
                .zip(&self.args)
                .zip(accs.iter_mut())
                .zip(&self.keeps)
            {
                args.clear();
                for e in prepared {
                    args.push(e.eval(ctx, self.scope, &row)?);
                }
                if *keeps {
                    let before = acc.kept();
                    acc.update(&args).map_err(|e| e.or_at(a.span))?;
                    if acc.kept() > before {
                        ctx.guard.charge(args.iter().map(value_size).sum())?;
                    }
                } else {
                    acc.update(&args).map_err(|e| e.or_at(a.span))?;
                }
            }
            super::recycle(row);
        }
        if let Some(group) = single {
            groups.insert(key(Vec::new()), group);
        }
        if groups.is_empty() && self.keys.is_empty() {
            let rep = vec![Value::Null; self.scope.width()];
            groups.insert(key(Vec::new()), (rep, self.fresh()?));
        }
        let mut out = VecDeque::with_capacity(groups.len());
        for (_, (mut row, accs)) in groups {
            row.resize(self.scope.width(), Value::Null);
            for (a, acc) in self.aggs.iter().zip(accs) {
                row.push(acc.finish().map_err(|e| e.or_at(a.span))?);
            }
            out.push_back(row);
        }
        Ok(out)
    }
}

impl Operator for AggregateOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.out.is_none() {
            let before = ctx.guard.memory_used();
            let out = self.run(ctx)?;
            self.charged = ctx.guard.memory_used().saturating_sub(before);
            self.out = Some(out);
        }
        let next = self.out.as_mut().and_then(VecDeque::pop_front);
        if next.is_none() {
            ctx.guard.release(std::mem::take(&mut self.charged));
        }
        Ok(next)
    }
}

/// True when `a` and `b` are the same node or the same relationship.
fn same_entity(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Node(x), Value::Node(y)) => x == y,
        (Value::Relationship(x), Value::Relationship(y)) => x == y,
        _ => false,
    }
}

/// `MATCH (n:Label) RETURN count(n)` (or `count(*)`): the size of the label
/// index, without scanning. The output row has the shape [`AggregateOp`]
/// gives it (the input's width, then the count).
pub struct CountLabelOp<'p> {
    label: &'p str,
    width: usize,
    done: bool,
}

impl<'p> CountLabelOp<'p> {
    /// Counts the nodes of `label`; the output row is `width` nulls
    /// followed by the count, as an aggregate's is.
    pub fn new(label: &'p str, width: usize) -> Self {
        CountLabelOp {
            label,
            width,
            done: false,
        }
    }
}

impl Operator for CountLabelOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let n = ctx.graph().label_count(self.label) as u64;
        Ok(Some(super::count::count_row(self.width, n)))
    }
}
