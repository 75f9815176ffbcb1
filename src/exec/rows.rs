//! Row operators: filter, OPTIONAL MATCH, projection, distinct, sort,
//! skip / limit, unwind, union, eager.

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::rc::Rc;

use super::values::{key, order, HashKey};
use super::{build, BoxOp, Ctx, Operator, Prepared, Row};
use crate::error::{Error, ErrorKind, Phase, Result};
use crate::limits::row_size;
use crate::plan::explain::OpFigures;
use crate::plan::{Plan, Scope, Slot};
use crate::store::EntityId;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind};
use crate::value::Value;

/// True when bit `i` of the bitmap `bits` is set (false past its end).
pub fn bit_set(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

/// A `WHERE` predicate prepared for rows of one scope.
pub struct Predicate<'p> {
    scope: &'p Scope,
    predicate: &'p Expr,
    /// A comparison of two simple operands (variables, properties of
    /// variables, literals), evaluated without the general evaluator.
    compare: Option<(BinaryOp, Prepared<'p>, Prepared<'p>)>,
    /// `var.key IS [NOT] NULL` (`true`: NOT), answered from an integer
    /// column when there is one.
    null_test: Option<(Prepared<'p>, bool)>,
    /// `var.key IN [integer literals]`, answered from an integer column
    /// when there is one.
    int_list: Option<(Prepared<'p>, Vec<i64>)>,
    /// For `n.key op integer` over many rows: one bit per entity slot, set
    /// where the predicate holds, built from the integer column after
    /// [`Predicate::MASK_AFTER`] rows (a bit test stays in cache where the
    /// column read would not).
    passing: std::cell::OnceCell<Option<(u64, Vec<u64>)>>,
    evaluated: std::cell::Cell<u32>,
}

impl<'p> Predicate<'p> {
    /// How many rows are tested one by one before the bitmap is built.
    const MASK_AFTER: u32 = 4096;

    /// Prepares `predicate` for rows of `scope`.
    pub fn new(scope: &'p Scope, predicate: &'p Expr) -> Self {
        let compare = match &predicate.kind {
            ExprKind::Binary(
                op @ (BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge),
                lhs,
                rhs,
            ) => {
                let l = Prepared::new(scope, lhs);
                let r = Prepared::new(scope, rhs);
                let simple = |p: &Prepared<'_>| !matches!(p, Prepared::Expr(_));
                (simple(&l) && simple(&r)).then_some((*op, l, r))
            }
            _ => None,
        };
        let int_list = match &predicate.kind {
            ExprKind::Binary(BinaryOp::In, lhs, rhs) => {
                match (Prepared::new(scope, lhs), &rhs.kind) {
                    (p @ Prepared::Prop(..), ExprKind::List(items)) => items
                        .iter()
                        .map(|i| match i.kind {
                            ExprKind::Literal(crate::syntax::ast::Literal::Int(k)) => Some(k),
                            _ => None,
                        })
                        .collect::<Option<Vec<i64>>>()
                        .map(|ks| (p, ks)),
                    _ => None,
                }
            }
            _ => None,
        };
        let null_test = match &predicate.kind {
            ExprKind::IsNull(inner, negated) => match Prepared::new(scope, inner) {
                p @ Prepared::Prop(..) => Some((p, *negated)),
                _ => None,
            },
            _ => None,
        };
        Predicate {
            scope,
            predicate,
            compare,
            null_test,
            int_list,
            passing: std::cell::OnceCell::new(),
            evaluated: std::cell::Cell::new(0),
        }
    }

    /// The answer from the bitmap of passing entities, once there is one.
    fn by_mask(&self, ctx: &Ctx<'_>, row: &[Value]) -> Option<bool> {
        let (op, l, r) = self.compare.as_ref()?;
        let (prop, k, flipped) = match (l, r) {
            (p @ Prepared::Prop(..), Prepared::Lit(Value::Int(k))) => (p, *k, false),
            (Prepared::Lit(Value::Int(k)), p @ Prepared::Prop(..)) => (p, *k, true),
            _ => return None,
        };
        let Prepared::Prop(slot, ..) = prop else {
            return None;
        };
        let Some(Value::Node(id)) = row.get(*slot) else {
            return None;
        };
        if self.passing.get().is_none() {
            let n = self.evaluated.get();
            if n < Self::MASK_AFTER {
                self.evaluated.set(n + 1);
                return None;
            }
        }
        let generation = ctx.graph().entity_generation();
        let mask = self.passing.get_or_init(|| {
            let column = prop.int_column(ctx)?;
            let mut bits = vec![0u64; column.len().div_ceil(64)];
            for slot in 0..column.len() {
                let id = crate::store::EntityId(slot as u64);
                let holds = column.get(id).is_some_and(|v| {
                    if flipped {
                        int_holds(*op, k, v)
                    } else {
                        int_holds(*op, v, k)
                    }
                });
                if holds {
                    bits[slot / 64] |= 1 << (slot % 64);
                }
            }
            Some((generation, bits))
        });
        // A bitmap of an earlier state of the entities says nothing now.
        let (built, bits) = mask.as_ref()?;
        if *built != generation {
            return None;
        }
        let i = id.0 as usize;
        if bit_set(bits, i) {
            return Some(true);
        }
        // A node deleted by this statement is reported by the general path.
        ctx.graph().contains_entity(*id).then_some(false)
    }

    /// The bitmap of entities passing this predicate, when it tests only
    /// the node in `slot` (`n.key op integer`) and the bitmap is built: a
    /// caller that fills `slot` itself may test the bit instead of the row.
    pub fn node_mask(&self, ctx: &Ctx<'_>, slot: usize) -> Option<&[u64]> {
        let (_, l, r) = self.compare.as_ref()?;
        let tested = match (l, r) {
            (Prepared::Prop(s, ..), Prepared::Lit(Value::Int(_)))
            | (Prepared::Lit(Value::Int(_)), Prepared::Prop(s, ..)) => *s,
            _ => return None,
        };
        if tested != slot {
            return None;
        }
        let (built, bits) = self.passing.get()?.as_ref()?;
        (*built == ctx.graph().entity_generation()).then_some(bits.as_slice())
    }

    /// True when the predicate holds for `row` (null and false reject).
    pub fn accepts(&self, ctx: &Ctx<'_>, row: &[Value]) -> Result<bool> {
        if let Some((prop, ks)) = &self.int_list {
            if let Some(v) = prop.prop_int(ctx, row) {
                return Ok(v.is_some_and(|v| ks.contains(&v)));
            }
        }
        if let Some((prop, negated)) = &self.null_test {
            if let Some(v) = prop.prop_int(ctx, row) {
                return Ok(v.is_some() == *negated);
            }
        }
        let Some((op, l, r)) = &self.compare else {
            return ctx.test(self.scope, row, self.predicate);
        };
        if let Some(holds) = self.by_mask(ctx, row) {
            return Ok(holds);
        }
        // An integer property against an integer literal, from the column.
        if let (Prepared::Lit(Value::Int(k)), Some(v)) = (r, l.prop_int(ctx, row)) {
            return Ok(v.is_some_and(|v| int_holds(*op, v, *k)));
        }
        if let (Prepared::Lit(Value::Int(k)), Some(v)) = (l, r.prop_int(ctx, row)) {
            return Ok(v.is_some_and(|v| int_holds(*op, *k, v)));
        }
        let a = l.eval_ref(ctx, self.scope, row)?;
        let b = r.eval_ref(ctx, self.scope, row)?;
        Ok(match op {
            BinaryOp::Eq => crate::eval::compare::equals(&a, &b) == Some(true),
            BinaryOp::Ne => crate::eval::compare::equals(&a, &b) == Some(false),
            _ => {
                let v = crate::eval::compare::compare_op(*op, &a, &b)
                    .map_err(|e| e.or_at(self.predicate.span))?;
                matches!(v, Value::Bool(true))
            }
        })
    }
}

/// `a op b` on two integers.
fn int_holds(op: BinaryOp, a: i64, b: i64) -> bool {
    match op {
        BinaryOp::Eq => a == b,
        BinaryOp::Ne => a != b,
        BinaryOp::Lt => a < b,
        BinaryOp::Le => a <= b,
        BinaryOp::Gt => a > b,
        BinaryOp::Ge => a >= b,
        _ => false,
    }
}

/// Keeps rows for which a predicate is true.
pub struct FilterOp<'p> {
    input: BoxOp<'p>,
    predicate: Predicate<'p>,
}

impl<'p> FilterOp<'p> {
    /// Filters rows of `scope`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, predicate: &'p Expr) -> Self {
        FilterOp {
            input,
            predicate: Predicate::new(scope, predicate),
        }
    }
}

impl Operator for FilterOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        while let Some(row) = self.input.next(ctx)? {
            ctx.guard.check()?;
            if self.predicate.accepts(ctx, &row)? {
                return Ok(Some(row));
            }
            super::recycle(row);
        }
        Ok(None)
    }
}

/// OPTIONAL MATCH: a left-outer apply.
pub struct OptionalOp<'p> {
    input: BoxOp<'p>,
    inner: &'p Plan,
    profile: Option<Rc<RefCell<Vec<OpFigures>>>>,
    cur: Option<(BoxOp<'p>, Row, bool)>,
}

impl<'p> OptionalOp<'p> {
    /// Runs `inner` for each input row.
    pub fn new(
        input: BoxOp<'p>,
        inner: &'p Plan,
        profile: Option<Rc<RefCell<Vec<OpFigures>>>>,
    ) -> Self {
        OptionalOp {
            input,
            inner,
            profile,
            cur: None,
        }
    }
}

impl Operator for OptionalOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            if let Some((op, row, any)) = &mut self.cur {
                if let Some(r) = op.next(ctx)? {
                    *any = true;
                    return Ok(Some(r));
                }
                let any = *any;
                let mut row = std::mem::take(row);
                self.cur = None;
                if !any {
                    row.resize(self.inner.scope.width(), Value::Null);
                    return Ok(Some(row));
                }
            }
            let Some(row) = self.input.next(ctx)? else {
                return Ok(None);
            };
            let op = build(self.inner, Some(&row), self.profile.as_ref());
            self.cur = Some((op, row, false));
        }
    }
}

/// A new row of computed values (or the input row extended with them).
pub struct ProjectOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    items: Vec<Prepared<'p>>,
    extend: bool,
    /// When every item is a distinct variable: their slots, so a row is
    /// rearranged in its own buffer instead of copied into a new one.
    moves: Option<Vec<Slot>>,
    scratch: Vec<Value>,
}

impl<'p> ProjectOp<'p> {
    /// Projects (or, with `extend`, appends) `items` evaluated on rows of `scope`.
    pub fn new(
        input: BoxOp<'p>,
        scope: &'p Scope,
        items: &'p [(String, Expr)],
        extend: bool,
    ) -> Self {
        let items: Vec<Prepared<'p>> = items.iter().map(|(_, e)| Prepared::new(scope, e)).collect();
        let slots: Vec<Slot> = items
            .iter()
            .filter_map(|p| match p {
                Prepared::Slot(s) => Some(*s),
                _ => None,
            })
            .collect();
        let distinct = slots.iter().collect::<HashSet<_>>().len() == slots.len();
        let moves = (!extend && slots.len() == items.len() && distinct).then_some(slots);
        ProjectOp {
            input,
            scope,
            items,
            extend,
            moves,
            scratch: Vec::new(),
        }
    }
}

impl Operator for ProjectOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        let Some(row) = self.input.next(ctx)? else {
            return Ok(None);
        };
        if self.extend {
            let mut values = Vec::with_capacity(self.items.len());
            for e in &self.items {
                values.push(e.eval(ctx, self.scope, &row)?);
            }
            let mut r = row;
            r.resize(self.scope.width(), Value::Null);
            r.extend(values);
            return Ok(Some(r));
        }
        if let Some(moves) = &self.moves {
            let mut row = row;
            self.scratch.clear();
            for s in moves {
                let v = row.get_mut(*s).map_or(Value::Null, std::mem::take);
                self.scratch.push(v);
            }
            row.clear();
            row.append(&mut self.scratch);
            return Ok(Some(row));
        }
        let mut out = Vec::with_capacity(self.items.len());
        for e in &self.items {
            out.push(e.eval(ctx, self.scope, &row)?);
        }
        Ok(Some(out))
    }
}

/// Keeps some slots.
pub struct SelectOp<'p> {
    input: BoxOp<'p>,
    slots: &'p [Slot],
}

impl<'p> SelectOp<'p> {
    /// Keeps `slots`, in order.
    pub fn new(input: BoxOp<'p>, slots: &'p [Slot]) -> Self {
        SelectOp { input, slots }
    }
}

impl Operator for SelectOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        let Some(row) = self.input.next(ctx)? else {
            return Ok(None);
        };
        Ok(Some(
            self.slots
                .iter()
                .map(|s| row.get(*s).cloned().unwrap_or(Value::Null))
                .collect(),
        ))
    }
}

/// Drops rows equivalent (on some slots) to an earlier one.
pub struct DistinctOp<'p> {
    input: BoxOp<'p>,
    slots: &'p [Slot],
    seen: HashSet<HashKey, crate::eval::compare::FxBuild>,
    /// Keys made of two nodes (the common `DISTINCT a, b`), without a list.
    pairs: HashSet<(EntityId, EntityId), crate::eval::compare::FxBuild>,
}

impl<'p> DistinctOp<'p> {
    /// Distinct on `slots`.
    pub fn new(input: BoxOp<'p>, slots: &'p [Slot]) -> Self {
        DistinctOp {
            input,
            slots,
            seen: HashSet::default(),
            pairs: HashSet::default(),
        }
    }
}

impl Operator for DistinctOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        while let Some(row) = self.input.next(ctx)? {
            ctx.guard.check()?;
            if let [a, b] = self.slots {
                if let (Some(Value::Node(x)), Some(Value::Node(y))) = (row.get(*a), row.get(*b)) {
                    if self.pairs.insert((*x, *y)) {
                        ctx.guard.charge(32)?;
                        return Ok(Some(row));
                    }
                    continue;
                }
            }
            let k = match self.slots {
                // One slot: the value itself is the key (no list to build).
                [s] => HashKey::new(row.get(*s).cloned().unwrap_or(Value::Null)),
                _ => key(self
                    .slots
                    .iter()
                    .map(|s| row.get(*s).cloned().unwrap_or(Value::Null))
                    .collect()),
            };
            let bytes = crate::limits::value_size(k.value()) + 16;
            if self.seen.insert(k) {
                ctx.guard.charge(bytes)?;
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

/// Sorts all rows (stable).
pub struct SortOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    keys: &'p [(Expr, bool)],
    prepared: Vec<Prepared<'p>>,
    sorted: Option<VecDeque<Row>>,
    /// The memory charged for the buffered rows, given back once they are
    /// all out.
    charged: u64,
}

impl<'p> SortOp<'p> {
    /// Sorts rows of `scope` by `keys`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, keys: &'p [(Expr, bool)]) -> Self {
        SortOp {
            input,
            scope,
            keys,
            prepared: keys.iter().map(|(e, _)| Prepared::new(scope, e)).collect(),
            sorted: None,
            charged: 0,
        }
    }
}

impl Operator for SortOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.sorted.is_none() {
            let mut keyed: Vec<(Vec<Value>, Row)> = Vec::new();
            while let Some(row) = self.input.next(ctx)? {
                ctx.guard.check()?;
                let k = sort_key(ctx, self.scope, &self.prepared, &row)?;
                let bytes = row_size(&k) + row_size(&row);
                ctx.guard.charge(bytes)?;
                self.charged += bytes;
                keyed.push((k, row));
            }
            let keys = self.keys;
            // Sorting many rows takes a while: the comparisons watch the
            // guard too, and once it says stop they all answer "equal" (the
            // sort then ends quickly) and the error is returned.
            let guard = ctx.guard;
            let mut stopped = None;
            keyed.sort_by(|(a, _), (b, _)| {
                if stopped.is_some() {
                    return std::cmp::Ordering::Equal;
                }
                if let Err(e) = guard.check() {
                    stopped = Some(e);
                    return std::cmp::Ordering::Equal;
                }
                compare_keys(keys, a, b)
            });
            if let Some(e) = stopped {
                return Err(e);
            }
            self.sorted = Some(keyed.into_iter().map(|(_, r)| r).collect());
        }
        let next = self.sorted.as_mut().and_then(VecDeque::pop_front);
        if next.is_none() {
            ctx.guard.release(std::mem::take(&mut self.charged));
        }
        Ok(next)
    }
}

/// The values of the sort keys for `row`.
fn sort_key(
    ctx: &Ctx<'_>,
    scope: &Scope,
    prepared: &[Prepared<'_>],
    row: &[Value],
) -> Result<Vec<Value>> {
    prepared.iter().map(|e| e.eval(ctx, scope, row)).collect()
}

/// Orders two rows' sort-key values by `keys` (`true`: descending).
fn compare_keys(keys: &[(Expr, bool)], a: &[Value], b: &[Value]) -> std::cmp::Ordering {
    for (i, (_, desc)) in keys.iter().enumerate() {
        let o = order(&a[i], &b[i]);
        let o = if *desc { o.reverse() } else { o };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

/// The best rows in sort order (`ORDER BY ... [SKIP s] LIMIT k`), kept in a
/// buffer of at most twice `s + k` rows that is sorted and cut back to
/// `s + k` whenever it fills: O(n log k) time, O(k) memory. The sort is
/// stable, so ties keep their input order, as [`SortOp`]'s do.
pub struct TopKOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    keys: &'p [(Expr, bool)],
    prepared: Vec<Prepared<'p>>,
    skip: Option<&'p Expr>,
    limit: &'p Expr,
    out: Option<VecDeque<Row>>,
    charged: u64,
}

impl<'p> TopKOp<'p> {
    /// The first `limit` rows of `scope` after `skip`, in the order of `keys`.
    pub fn new(
        input: BoxOp<'p>,
        scope: &'p Scope,
        keys: &'p [(Expr, bool)],
        skip: Option<&'p Expr>,
        limit: &'p Expr,
    ) -> Self {
        TopKOp {
            input,
            scope,
            keys,
            prepared: keys.iter().map(|(e, _)| Prepared::new(scope, e)).collect(),
            skip,
            limit,
            out: None,
            charged: 0,
        }
    }

    fn sort(&self, buf: &mut [(Vec<Value>, Row)]) {
        buf.sort_by(|(a, _), (b, _)| compare_keys(self.keys, a, b));
    }

    fn fill(&mut self, ctx: &mut Ctx<'_>) -> Result<VecDeque<Row>> {
        // The counts first, LIMIT before SKIP, as the operators they
        // replace evaluate them; a limit of zero reads no input.
        let limit = count_of(ctx, self.limit, "LIMIT")?;
        if limit == 0 {
            return Ok(VecDeque::new());
        }
        let skip = match self.skip {
            Some(e) => count_of(ctx, e, "SKIP")?,
            None => 0,
        };
        let keep = usize::try_from(skip.saturating_add(limit)).unwrap_or(usize::MAX);
        let cut_at = keep.saturating_mul(2).max(64);
        let mut buf: Vec<(Vec<Value>, Row)> = Vec::new();
        while let Some(row) = self.input.next(ctx)? {
            ctx.guard.check()?;
            let k = sort_key(ctx, self.scope, &self.prepared, &row)?;
            let bytes = row_size(&k) + row_size(&row);
            ctx.guard.charge(bytes)?;
            self.charged += bytes;
            buf.push((k, row));
            if buf.len() >= cut_at {
                self.sort(&mut buf);
                for (k, row) in buf.drain(keep..) {
                    let bytes = row_size(&k) + row_size(&row);
                    ctx.guard.release(bytes);
                    self.charged = self.charged.saturating_sub(bytes);
                }
            }
        }
        self.sort(&mut buf);
        buf.truncate(keep);
        let skip = usize::try_from(skip).unwrap_or(usize::MAX).min(buf.len());
        Ok(buf.into_iter().skip(skip).map(|(_, r)| r).collect())
    }
}

impl Operator for TopKOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.out.is_none() {
            let rows = self.fill(ctx)?;
            self.out = Some(rows);
        }
        let next = self.out.as_mut().and_then(VecDeque::pop_front);
        if next.is_none() {
            ctx.guard.release(std::mem::take(&mut self.charged));
        }
        Ok(next)
    }
}

/// Evaluates a SKIP / LIMIT count (once, with no variables in scope).
fn count_of(ctx: &Ctx<'_>, e: &Expr, what: &str) -> Result<u64> {
    let v = ctx.eval(&Scope::new(), &[], e)?;
    match v {
        Value::Int(i) if i >= 0 => Ok(i as u64),
        Value::Int(i) => Err(Error::new(
            ErrorKind::Syntax,
            Phase::Runtime,
            "NegativeIntegerArgument",
            format!("{what} must be zero or more, not {i}"),
        )
        .at(e.span)),
        other => Err(Error::new(
            ErrorKind::Syntax,
            Phase::Runtime,
            "InvalidArgumentType",
            format!(
                "{what} must be an integer, not a value of type {}",
                other.type_name()
            ),
        )
        .at(e.span)),
    }
}

/// Skips the first rows.
pub struct SkipOp<'p> {
    input: BoxOp<'p>,
    count: &'p Expr,
    done: bool,
}

impl<'p> SkipOp<'p> {
    /// Skips `count` rows.
    pub fn new(input: BoxOp<'p>, _scope: &'p Scope, count: &'p Expr) -> Self {
        SkipOp {
            input,
            count,
            done: false,
        }
    }
}

impl Operator for SkipOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if !self.done {
            self.done = true;
            let n = count_of(ctx, self.count, "SKIP")?;
            for _ in 0..n {
                ctx.guard.check()?;
                if self.input.next(ctx)?.is_none() {
                    return Ok(None);
                }
            }
        }
        self.input.next(ctx)
    }
}

/// Stops after some rows.
pub struct LimitOp<'p> {
    input: BoxOp<'p>,
    count: &'p Expr,
    left: Option<u64>,
    drain: bool,
}

impl<'p> LimitOp<'p> {
    /// Passes `count` rows; with `drain`, still reads (and drops) the rest.
    pub fn new(input: BoxOp<'p>, _scope: &'p Scope, count: &'p Expr, drain: bool) -> Self {
        LimitOp {
            input,
            count,
            left: None,
            drain,
        }
    }
}

impl Operator for LimitOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        let left = match self.left {
            Some(l) => l,
            None => count_of(ctx, self.count, "LIMIT")?,
        };
        if left == 0 {
            self.left = Some(0);
            if self.drain {
                while self.input.next(ctx)?.is_some() {
                    ctx.guard.check()?;
                }
                self.drain = false;
            }
            return Ok(None);
        }
        match self.input.next(ctx)? {
            Some(r) => {
                self.left = Some(left - 1);
                Ok(Some(r))
            }
            None => {
                self.left = Some(0);
                self.drain = false;
                Ok(None)
            }
        }
    }
}

/// One row per list element. `UNWIND range(...)` walks the range without
/// building the list.
pub struct UnwindOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    expr: &'p Expr,
    /// The arguments of `range(...)` when the expression is that call.
    range_args: Option<&'p [Expr]>,
    cur: Option<(Row, Elements)>,
}

/// The elements of one unwound value.
enum Elements {
    List(std::vec::IntoIter<Value>),
    Range(crate::eval::IntRange),
}

impl Iterator for Elements {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        match self {
            Elements::List(items) => items.next(),
            Elements::Range(r) => r.next().map(Value::Int),
        }
    }
}

impl<'p> UnwindOp<'p> {
    /// Unwinds `expr` for rows of `scope`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, expr: &'p Expr) -> Self {
        let range_args = match &expr.kind {
            ExprKind::Function {
                name,
                distinct: false,
                args,
            } if matches!(name.as_slice(), [n] if n.name.eq_ignore_ascii_case("range"))
                && (2..=3).contains(&args.len()) =>
            {
                Some(args.as_slice())
            }
            _ => None,
        };
        UnwindOp {
            input,
            scope,
            expr,
            range_args,
            cur: None,
        }
    }

    /// The elements `expr` gives for `row`.
    fn elements(&self, ctx: &Ctx<'_>, row: &[Value]) -> Result<Elements> {
        if let Some(args) = self.range_args {
            let mut values = Vec::with_capacity(args.len());
            for a in args {
                values.push(ctx.eval(self.scope, row, a)?);
            }
            return match crate::eval::IntRange::new(&values).map_err(|e| e.or_at(self.expr.span))? {
                Some(r) => Ok(Elements::Range(r)),
                None => Ok(Elements::List(Vec::new().into_iter())),
            };
        }
        Ok(Elements::List(
            match ctx.eval(self.scope, row, self.expr)? {
                Value::List(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            }
            .into_iter(),
        ))
    }
}

impl Operator for UnwindOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            ctx.guard.check()?;
            if let Some((row, items)) = &mut self.cur {
                if let Some(v) = items.next() {
                    let mut out = row.clone();
                    out.resize(self.scope.width(), Value::Null);
                    out.push(v);
                    return Ok(Some(out));
                }
            }
            self.cur = None;
            let Some(row) = self.input.next(ctx)? else {
                return Ok(None);
            };
            let items = self.elements(ctx, &row)?;
            self.cur = Some((row, items));
        }
    }
}

/// The rows of several queries, one after the other.
pub struct UnionOp<'p> {
    parts: VecDeque<BoxOp<'p>>,
    seen: Option<HashSet<HashKey>>,
}

impl<'p> UnionOp<'p> {
    /// The union of `parts` (distinct unless `all`).
    pub fn new(parts: Vec<BoxOp<'p>>, all: bool) -> Self {
        UnionOp {
            parts: parts.into(),
            seen: (!all).then(HashSet::new),
        }
    }
}

impl Operator for UnionOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            let Some(part) = self.parts.front_mut() else {
                return Ok(None);
            };
            match part.next(ctx)? {
                Some(row) => {
                    if let Some(seen) = &mut self.seen {
                        if !seen.insert(key(row.clone())) {
                            continue;
                        }
                        ctx.guard.charge(row_size(&row))?;
                    }
                    return Ok(Some(row));
                }
                None => {
                    self.parts.pop_front();
                }
            }
        }
    }
}

/// Reads every input row before producing any.
pub struct EagerOp<'p> {
    input: BoxOp<'p>,
    rows: Option<VecDeque<Row>>,
}

impl<'p> EagerOp<'p> {
    /// Buffers all rows of `input`.
    pub fn new(input: BoxOp<'p>) -> Self {
        EagerOp { input, rows: None }
    }
}

/// Reads all rows of `input`.
pub fn drain_all(input: &mut BoxOp<'_>, ctx: &mut Ctx<'_>) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    while let Some(r) = input.next(ctx)? {
        ctx.guard.check()?;
        ctx.guard.charge(row_size(&r))?;
        rows.push(r);
    }
    Ok(rows)
}

impl Operator for EagerOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.rows.is_none() {
            self.rows = Some(drain_all(&mut self.input, ctx)?.into());
        }
        Ok(self.rows.as_mut().and_then(VecDeque::pop_front))
    }
}
