//! Grouping and aggregation.

use std::collections::VecDeque;

use indexmap::IndexMap;

use super::values::{key, Aggregator, HashKey};
use super::{BoxOp, Ctx, Operator, Prepared, Row};
use crate::error::Result;
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
    out: Option<VecDeque<Row>>,
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
            out: None,
        }
    }

    fn fresh(&self) -> Result<Vec<Aggregator>> {
        self.aggs
            .iter()
            .map(|a| {
                let name = if a.name == "count" && a.args.is_empty() {
                    "*"
                } else {
                    a.name.as_str()
                };
                Aggregator::new(name, a.distinct).map_err(|e| e.or_at(a.span))
            })
            .collect()
    }

    fn run(&mut self, ctx: &mut Ctx<'_>) -> Result<VecDeque<Row>> {
        let mut groups: IndexMap<HashKey, (Row, Vec<Aggregator>)> = IndexMap::new();
        while let Some(row) = self.input.next(ctx)? {
            ctx.guard.check()?;
            let mut values = Vec::with_capacity(self.keys.len());
            for k in &self.keys {
                values.push(k.eval(ctx, self.scope, &row)?);
            }
            let key = key(values);
            if !groups.contains_key(&key) {
                let fresh = self.fresh()?;
                groups.insert(key.clone(), (row.clone(), fresh));
            }
            let Some((_, accs)) = groups.get_mut(&key) else {
                continue;
            };
            for ((a, prepared), acc) in self.aggs.iter().zip(&self.args).zip(accs.iter_mut()) {
                let mut args = Vec::with_capacity(prepared.len());
                for e in prepared {
                    args.push(e.eval(ctx, self.scope, &row)?);
                }
                acc.update(&args).map_err(|e| e.or_at(a.span))?;
            }
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
            let out = self.run(ctx)?;
            self.out = Some(out);
        }
        Ok(self.out.as_mut().and_then(VecDeque::pop_front))
    }
}
