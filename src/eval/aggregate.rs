//! Aggregate accumulators (`count`, `sum`, `avg`, `min`, `max`, `collect`,
//! `percentileDisc`, `percentileCont`, `stDev`, `stDevP`, with `DISTINCT`)
//! and helpers to find aggregate calls inside expressions.
//!
//! The executor groups rows; for each group and each aggregate call it keeps
//! one [`Aggregator`], feeds it the call's evaluated arguments row by row
//! ([`Aggregator::update`]) and reads the result with
//! [`Aggregator::finish`].

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::syntax::ast::{Expr, ExprKind};
use crate::value::Value;

use super::compare::{describe, order, HashKey};
use super::errors::{argument, arithmetic, invalid_type, unknown_function};
use super::ops::as_f64;

/// Which aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateKind {
    /// `count(*)`: counts rows.
    CountStar,
    /// `count(x)`: counts non-null values.
    Count,
    /// `sum(x)`.
    Sum,
    /// `avg(x)`.
    Avg,
    /// `min(x)`, by the total order.
    Min,
    /// `max(x)`, by the total order.
    Max,
    /// `collect(x)`: non-null values, in row order.
    Collect,
    /// `percentileDisc(x, p)`.
    PercentileDisc,
    /// `percentileCont(x, p)`.
    PercentileCont,
    /// `stDev(x)`: sample standard deviation.
    StDev,
    /// `stDevP(x)`: population standard deviation.
    StDevP,
}

impl AggregateKind {
    /// The aggregate with this (case-insensitive) name; `count` means
    /// `count(x)` (use [`AggregateKind::CountStar`] for `count(*)`).
    pub fn from_name(name: &str) -> Option<AggregateKind> {
        crate::builtins::functions::lookup(name).and_then(|f| f.aggregate_kind())
    }

    /// True when the accumulator keeps the values it is fed (`collect`,
    /// the percentiles), so its memory grows with the group.
    pub fn keeps_values(self) -> bool {
        matches!(
            self,
            AggregateKind::Collect | AggregateKind::PercentileDisc | AggregateKind::PercentileCont
        )
    }

    fn name(self) -> &'static str {
        match self {
            AggregateKind::CountStar => "count(*)",
            AggregateKind::Count => "count",
            AggregateKind::Sum => "sum",
            AggregateKind::Avg => "avg",
            AggregateKind::Min => "min",
            AggregateKind::Max => "max",
            AggregateKind::Collect => "collect",
            AggregateKind::PercentileDisc => "percentileDisc",
            AggregateKind::PercentileCont => "percentileCont",
            AggregateKind::StDev => "stDev",
            AggregateKind::StDevP => "stDevP",
        }
    }
}

/// How many distinct nodes a group tracks in a hash set before switching
/// to a bitmap over node ids.
const NODE_BITS_FROM: usize = 4096;

/// The accumulator of one aggregate call for one group.
#[derive(Debug, Clone)]
pub struct Aggregator {
    kind: AggregateKind,
    distinct: bool,
    seen: HashSet<HashKey, super::compare::FxBuild>,
    /// DISTINCT over nodes and relationships: their ids (cheaper than
    /// [`HashKey`]s; a node and a relationship never share a key).
    seen_ids: HashSet<(bool, u64), super::compare::FxBuild>,
    /// DISTINCT over many nodes: one bit per node id, used instead of
    /// `seen_ids` once a group has seen [`NODE_BITS_FROM`] nodes.
    node_bits: Vec<u64>,
    count: u64,
    int_sum: i128,
    float_sum: f64,
    saw_float: bool,
    best: Option<Value>,
    values: Vec<Value>,
    percentile: Option<f64>,
    // Welford's running mean and sum of squared deviations.
    mean: f64,
    m2: f64,
}

impl Aggregator {
    /// True the first time node `id` is seen (DISTINCT): a hash set for
    /// the first nodes, then a bitmap over node ids.
    fn first_node(&mut self, id: u64) -> bool {
        if self.node_bits.is_empty() {
            if self.seen_ids.len() < NODE_BITS_FROM {
                return self.seen_ids.insert((true, id));
            }
            let nodes: Vec<u64> = self
                .seen_ids
                .iter()
                .filter(|(node, _)| *node)
                .map(|(_, id)| *id)
                .collect();
            self.seen_ids.retain(|(node, _)| !*node);
            self.node_bits.push(0);
            for n in nodes {
                self.set_node_bit(n);
            }
        }
        self.set_node_bit(id)
    }

    /// Sets the bit of node `id`; true when it was clear.
    fn set_node_bit(&mut self, id: u64) -> bool {
        let (word, bit) = ((id / 64) as usize, id % 64);
        if word >= self.node_bits.len() {
            self.node_bits.resize(word + 1 + word / 2, 0);
        }
        let fresh = self.node_bits[word] & (1 << bit) == 0;
        self.node_bits[word] |= 1 << bit;
        fresh
    }

    /// An accumulator for aggregate `name` (case-insensitive; `count(*)` or
    /// `*` for count-star), with `DISTINCT` or not. An unknown name is an
    /// `UnknownFunction` error.
    pub fn new(name: &str, distinct: bool) -> Result<Aggregator> {
        let kind = if name == "*" || name.eq_ignore_ascii_case("count(*)") {
            AggregateKind::CountStar
        } else {
            AggregateKind::from_name(name).ok_or_else(|| unknown_function(name))?
        };
        Ok(Aggregator::of_kind(kind, distinct))
    }

    /// An accumulator for `kind`.
    pub fn of_kind(kind: AggregateKind, distinct: bool) -> Aggregator {
        Aggregator {
            kind,
            distinct,
            seen: HashSet::default(),
            seen_ids: HashSet::default(),
            node_bits: Vec::new(),
            count: 0,
            int_sum: 0,
            float_sum: 0.0,
            saw_float: false,
            best: None,
            values: Vec::new(),
            percentile: None,
            mean: 0.0,
            m2: 0.0,
        }
    }

    /// The accumulator for an aggregate call expression (`count(*)`,
    /// `sum(DISTINCT x)`, ...); an error if `expr` is not one. The error
    /// carries the expression's span.
    pub fn for_expr(expr: &Expr) -> Result<Aggregator> {
        match aggregate_call(expr) {
            Some(call) => Ok(Aggregator::of_kind(call.kind, call.distinct)),
            None => Err(Error::internal("not an aggregate call").at(expr.span)),
        }
    }

    /// Which aggregate this is.
    pub fn kind(&self) -> AggregateKind {
        self.kind
    }

    /// How many values the accumulator holds on to (collected values and
    /// values seen by `DISTINCT`): it grows when a value is kept, which is
    /// what the memory budget charges for.
    pub fn kept(&self) -> usize {
        self.values.len() + self.seen.len() + self.seen_ids.len()
    }

    /// Feeds one row's evaluated arguments: none for `count(*)`, the value
    /// for the others, the value and the percentile for the percentiles.
    /// Nulls are skipped (counted by `count(*)` only).
    pub fn update(&mut self, args: &[Value]) -> Result<()> {
        if self.kind == AggregateKind::CountStar {
            self.count += 1;
            return Ok(());
        }
        if matches!(
            self.kind,
            AggregateKind::PercentileDisc | AggregateKind::PercentileCont
        ) {
            let p = args.get(1).unwrap_or(&Value::Null);
            let p = match p {
                Value::Int(_) | Value::Float(_) => as_f64(p),
                other => {
                    return Err(invalid_type(format!(
                        "{}(): the percentile must be a number, got {}",
                        self.kind.name(),
                        describe(other)
                    )))
                }
            };
            if !(0.0..=1.0).contains(&p) {
                return Err(argument(
                    "NumberOutOfRange",
                    format!(
                        "{}(): the percentile must be between 0.0 and 1.0, got {p}",
                        self.kind.name()
                    ),
                ));
            }
            self.percentile = Some(p);
        }
        let v = args.first().unwrap_or(&Value::Null);
        if v.is_null() {
            return Ok(());
        }
        if self.distinct {
            let fresh = match v {
                Value::Node(id) => self.first_node(id.0),
                Value::Relationship(id) => self.seen_ids.insert((false, id.0)),
                _ => self.seen.insert(HashKey::new(v.clone())),
            };
            if !fresh {
                return Ok(());
            }
        }
        match self.kind {
            AggregateKind::CountStar | AggregateKind::Count => self.count += 1,
            AggregateKind::Collect => self.values.push(v.clone()),
            AggregateKind::Min | AggregateKind::Max => {
                let better = match &self.best {
                    None => true,
                    Some(b) => {
                        let o = order(v, b);
                        if self.kind == AggregateKind::Min {
                            o == Ordering::Less
                        } else {
                            o == Ordering::Greater
                        }
                    }
                };
                if better {
                    self.best = Some(v.clone());
                }
            }
            AggregateKind::Sum | AggregateKind::Avg => {
                self.number(v)?;
                self.count += 1;
                match v {
                    Value::Int(i) => self.int_sum += i128::from(*i),
                    _ => {
                        self.saw_float = true;
                        self.float_sum += as_f64(v);
                    }
                }
            }
            AggregateKind::StDev | AggregateKind::StDevP => {
                self.number(v)?;
                self.count += 1;
                let x = as_f64(v);
                let delta = x - self.mean;
                self.mean += delta / self.count as f64;
                self.m2 += delta * (x - self.mean);
            }
            AggregateKind::PercentileDisc | AggregateKind::PercentileCont => {
                self.number(v)?;
                self.values.push(v.clone());
            }
        }
        Ok(())
    }

    fn number(&self, v: &Value) -> Result<()> {
        match v {
            Value::Int(_) | Value::Float(_) => Ok(()),
            other => Err(invalid_type(format!(
                "{}() needs numbers, got {}",
                self.kind.name(),
                describe(other)
            ))),
        }
    }

    /// The aggregate's value over everything fed so far.
    pub fn finish(&self) -> Result<Value> {
        Ok(match self.kind {
            AggregateKind::CountStar | AggregateKind::Count => Value::Int(self.count as i64),
            AggregateKind::Collect => Value::List(self.values.clone()),
            AggregateKind::Min | AggregateKind::Max => self.best.clone().unwrap_or(Value::Null),
            AggregateKind::Sum => {
                if self.saw_float {
                    Value::Float(self.int_sum as f64 + self.float_sum)
                } else {
                    Value::Int(i64::try_from(self.int_sum).map_err(|_| {
                        arithmetic(
                            "IntegerOverflow",
                            format!("sum(): {} does not fit in a 64-bit integer", self.int_sum),
                        )
                    })?)
                }
            }
            AggregateKind::Avg => {
                if self.count == 0 {
                    Value::Null
                } else {
                    Value::Float((self.int_sum as f64 + self.float_sum) / self.count as f64)
                }
            }
            AggregateKind::StDev => Value::Float(if self.count < 2 {
                0.0
            } else {
                (self.m2 / (self.count - 1) as f64).sqrt()
            }),
            AggregateKind::StDevP => Value::Float(if self.count == 0 {
                0.0
            } else {
                (self.m2 / self.count as f64).sqrt()
            }),
            AggregateKind::PercentileDisc | AggregateKind::PercentileCont => {
                if self.values.is_empty() {
                    return Ok(Value::Null);
                }
                let p = self.percentile.unwrap_or(0.0);
                let mut sorted = self.values.clone();
                sorted.sort_by(order);
                let n = sorted.len();
                if self.kind == AggregateKind::PercentileDisc {
                    let idx = if p >= 1.0 || n == 1 {
                        n - 1
                    } else {
                        let float_idx = p * n as f64;
                        let i = float_idx as usize;
                        if float_idx != i as f64 || i == 0 {
                            i
                        } else {
                            i - 1
                        }
                    };
                    sorted[idx.min(n - 1)].clone()
                } else {
                    let float_idx = p * (n - 1) as f64;
                    let lo = float_idx.floor() as usize;
                    let hi = float_idx.ceil() as usize;
                    if lo == hi || hi >= n {
                        Value::Float(as_f64(&sorted[lo.min(n - 1)]))
                    } else {
                        let (a, b) = (as_f64(&sorted[lo]), as_f64(&sorted[hi]));
                        Value::Float(a * (hi as f64 - float_idx) + b * (float_idx - lo as f64))
                    }
                }
            }
        })
    }
}

/// An aggregate call found in an expression.
#[derive(Debug, Clone, Copy)]
pub struct AggregateCall<'a> {
    /// Which aggregate.
    pub kind: AggregateKind,
    /// `DISTINCT` was written.
    pub distinct: bool,
    /// The arguments to evaluate for each row (empty for `count(*)`).
    pub args: &'a [Expr],
}

/// If `expr` itself is an aggregate call, what it is.
pub fn aggregate_call(expr: &Expr) -> Option<AggregateCall<'_>> {
    match &expr.kind {
        ExprKind::CountStar => Some(AggregateCall {
            kind: AggregateKind::CountStar,
            distinct: false,
            args: &[],
        }),
        ExprKind::Function {
            name,
            distinct,
            args,
        } => name
            .function()
            .and_then(|f| f.aggregate_kind())
            .map(|kind| AggregateCall {
                kind,
                distinct: *distinct,
                args,
            }),
        _ => None,
    }
}

/// The aggregate calls inside `expr` (outermost ones; the search does not
/// descend into an aggregate's arguments), in evaluation order.
pub fn aggregates_in(expr: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    collect_aggregates(expr, &mut out);
    out
}

/// True when `expr` contains an aggregate call.
pub fn contains_aggregate(expr: &Expr) -> bool {
    !aggregates_in(expr).is_empty()
}

fn collect_aggregates<'a>(expr: &'a Expr, out: &mut Vec<&'a Expr>) {
    if aggregate_call(expr).is_some() {
        out.push(expr);
        return;
    }
    for child in children(expr) {
        collect_aggregates(child, out);
    }
}

/// The direct sub-expressions of `expr` (not those inside patterns or
/// `EXISTS` subqueries).
pub fn children(expr: &Expr) -> Vec<&Expr> {
    let mut v: Vec<&Expr> = Vec::new();
    match &expr.kind {
        ExprKind::Literal(_)
        | ExprKind::Parameter(_)
        | ExprKind::Variable(_)
        | ExprKind::CountStar
        | ExprKind::Pattern(_)
        | ExprKind::Exists(_) => {}
        ExprKind::List(items) => v.extend(items),
        ExprKind::Map(entries) => v.extend(entries.iter().map(|(_, e)| e)),
        ExprKind::Property(e, _) | ExprKind::IsNull(e, _) | ExprKind::HasLabels(e, _) => v.push(e),
        ExprKind::Unary(_, e) => v.push(e),
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
            v.push(a);
            v.push(b);
        }
        ExprKind::Slice(a, b, c) => {
            v.push(a);
            v.extend(b.as_deref());
            v.extend(c.as_deref());
        }
        ExprKind::Function { args, .. } => v.extend(args),
        ExprKind::Case {
            subject,
            whens,
            otherwise,
        } => {
            v.extend(subject.as_deref());
            for (w, t) in whens {
                v.push(w);
                v.push(t);
            }
            v.extend(otherwise.as_deref());
        }
        ExprKind::ListComprehension {
            list,
            predicate,
            projection,
            ..
        } => {
            v.push(list);
            v.extend(predicate.as_deref());
            v.extend(projection.as_deref());
        }
        ExprKind::PatternComprehension {
            predicate,
            projection,
            ..
        } => {
            v.extend(predicate.as_deref());
            v.push(projection);
        }
        ExprKind::Quantified {
            list, predicate, ..
        } => {
            v.push(list);
            v.extend(predicate.as_deref());
        }
        ExprKind::Reduce {
            init, list, expr, ..
        } => {
            v.push(init);
            v.push(list);
            v.push(expr);
        }
    }
    v
}
