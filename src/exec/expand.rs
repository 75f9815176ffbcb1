//! Relationship operators: single-hop expand, variable-length expand (depth
//! first over relationship trails, or breadth first when only distinct far
//! ends matter), shortest paths, and named-path building.

use std::collections::{HashMap, HashSet, VecDeque};

use super::scan::{resolve, Resolved};
use super::values::equal;
use super::{BoxOp, Ctx, Operator, Row};
use crate::error::{Error, ErrorKind, Result};
use crate::eval::compare::FxBuild;
use crate::plan::{Dir, Expand, PathStep, PropSpec, RelRef, Scope, Shortest, Slot};
use crate::store::adjacency::{Adj, Adjacency};
use crate::store::{EntityId, Graph, Relation, RelationId};
use crate::value::{Path, Value};

/// Relationship property constraints evaluated for one input row.
#[derive(Debug, Default)]
pub struct RelProps {
    props: Vec<(String, Value)>,
    impossible: bool,
}

impl RelProps {
    /// Evaluates `specs` against `row`.
    pub fn resolve(
        ctx: &Ctx<'_>,
        scope: &Scope,
        row: &[Value],
        specs: &[PropSpec],
    ) -> Result<RelProps> {
        let mut r = RelProps::default();
        for p in specs {
            match p {
                PropSpec::Key(k, e) => r.props.push((k.clone(), ctx.eval(scope, row, e)?)),
                PropSpec::Map(e) => match ctx.eval(scope, row, e)? {
                    Value::Map(m) => r
                        .props
                        .extend(m.into_iter().map(|(k, v)| (k.to_string(), v))),
                    Value::Null => r.impossible = true,
                    other => {
                        return Err(Error::runtime(
                            ErrorKind::Type,
                            "InvalidArgumentType",
                            format!(
                                "pattern properties must be a map, not a value of type {}",
                                other.type_name()
                            ),
                        )
                        .at(e.span))
                    }
                },
            }
        }
        Ok(r)
    }

    /// True when there is no constraint at all.
    fn is_empty(&self) -> bool {
        self.props.is_empty() && !self.impossible
    }

    /// True when `rel` satisfies every constraint.
    pub fn accepts(&self, rel: &Relation) -> bool {
        !self.impossible
            && self.props.iter().all(|(k, v)| {
                rel.props
                    .get(k)
                    .is_some_and(|actual| equal(actual, v) == Some(true))
            })
    }
}

/// The relationships leaving `id` in direction `dir` with an allowed type
/// and properties, each with the node at its other end.
pub(super) fn edges(
    ctx: &Ctx<'_>,
    id: EntityId,
    dir: Dir,
    types: &[String],
    props: &RelProps,
) -> Vec<(RelationId, EntityId)> {
    let mut out = Vec::new();
    edges_into(ctx, id, dir, types, props, &mut out);
    out
}

/// The relationships of [`edges`] whose other end is `to`, appended to
/// `out` in the same order, found by binary search in the compact layout
/// (an expansion into a bound node: closing a cycle on a hub costs a few
/// comparisons, not a scan of its relationships). False when the layout
/// cannot answer (it is absent, or relationship properties are checked):
/// the caller then filters [`edges`].
pub(super) fn edges_to(
    ctx: &Ctx<'_>,
    id: EntityId,
    to: EntityId,
    dir: Dir,
    types: &[String],
    props: &RelProps,
    out: &mut Vec<(RelationId, EntityId)>,
) -> bool {
    let Some(adj) = ctx.adjacency().filter(|_| props.is_empty()) else {
        return false;
    };
    let lists = [
        (Dir::Out, adj.outgoing(id), false),
        (Dir::In, adj.incoming(id), dir == Dir::Both),
    ];
    for (d, list, skip_loops) in lists {
        if !(dir == d || dir == Dir::Both) || (skip_loops && to == id) {
            continue;
        }
        let mut push = |run: &[Adj]| {
            out.extend(
                Adjacency::with_other(run, to)
                    .iter()
                    .map(|a| (a.rel_id(), a.other_id())),
            )
        };
        if types.is_empty() {
            Adjacency::type_runs(list).for_each(&mut push);
        } else {
            for (i, t) in types.iter().enumerate() {
                if types[..i].contains(t) {
                    continue;
                }
                if let Some(sym) = adj.symbol(t) {
                    push(Adjacency::of_type(list, sym));
                }
            }
        }
    }
    true
}

/// [`edges`], appended to `out` (whose allocation a caller may reuse).
pub(super) fn edges_into(
    ctx: &Ctx<'_>,
    id: EntityId,
    dir: Dir,
    types: &[String],
    props: &RelProps,
    out: &mut Vec<(RelationId, EntityId)>,
) {
    let graph = ctx.graph();
    if props.is_empty() {
        if let Some(adj) = ctx.adjacency() {
            let mut push = |list: &[Adj], skip_loops: bool| {
                out.extend(
                    list.iter()
                        .filter(|a| !(skip_loops && a.other_id() == id))
                        .map(|a| (a.rel_id(), a.other_id())),
                );
            };
            let lists = [
                (Dir::Out, adj.outgoing(id), false),
                (Dir::In, adj.incoming(id), dir == Dir::Both),
            ];
            for (d, list, skip_loops) in lists {
                if !(dir == d || dir == Dir::Both) {
                    continue;
                }
                if types.is_empty() {
                    push(list, skip_loops);
                } else {
                    for (i, t) in types.iter().enumerate() {
                        if types[..i].contains(t) {
                            continue;
                        }
                        if let Some(sym) = adj.symbol(t) {
                            push(Adjacency::of_type(list, sym), skip_loops);
                        }
                    }
                }
            }
            return;
        }
    }
    let ok = |r: &Relation| {
        (types.is_empty() || types.iter().any(|t| *t == r.rel_type)) && props.accepts(r)
    };
    if matches!(dir, Dir::Out | Dir::Both) {
        out.extend(graph.outgoing(id).filter(|r| ok(r)).map(|r| (r.id, r.to)));
    }
    if matches!(dir, Dir::In | Dir::Both) {
        out.extend(
            graph
                .incoming(id)
                .filter(|r| ok(r) && !(dir == Dir::Both && r.from == r.to))
                .map(|r| (r.id, r.from)),
        );
    }
}

/// The relationships already used in the row by the same MATCH.
fn used(row: &[Value], unique: &[RelRef]) -> HashSet<RelationId> {
    let mut out = HashSet::new();
    out.extend(used_list(row, unique));
    out
}

/// [`used`] as a list (no hashing: a single hop checks a handful).
pub(super) fn used_list(row: &[Value], unique: &[RelRef]) -> Vec<RelationId> {
    let mut out = Vec::new();
    for u in unique {
        match row.get(u.slot) {
            Some(Value::Relationship(r)) => {
                out.push(*r);
            }
            Some(Value::List(items)) if u.list => {
                for i in items {
                    if let Value::Relationship(r) = i {
                        out.push(*r);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub(super) fn node_at(row: &[Value], slot: Slot) -> Option<EntityId> {
    match row.get(slot) {
        Some(Value::Node(id)) => Some(*id),
        _ => None,
    }
}

fn put(row: &mut Row, slot: Slot, v: Value) {
    if row.len() <= slot {
        row.resize(slot + 1, Value::Null);
    }
    row[slot] = v;
}

/// One hop along a relationship.
pub struct ExpandOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    spec: &'p Expand,
    /// The current input row widened to the output scope; each candidate
    /// is written into it, and only rows that pass are copied out.
    cur: Option<Row>,
    out: Vec<(RelationId, EntityId)>,
    pos: usize,
    ends: Option<SeenEnds>,
    /// A `WHERE` on the expanded rows, tested before a row is built.
    filter: Option<super::rows::Predicate<'p>>,
}

/// The far nodes an expansion with [`Expand::dedupe`] already produced in
/// the current run of input rows (rows agreeing on the group slots). Small
/// runs use a hash set; once one grows past [`SeenEnds::DENSE_FROM`] ids, a
/// stamp per entity slot takes over, so starting a new run is O(1).
#[derive(Debug, Default)]
pub(super) struct SeenEnds {
    group: Vec<Value>,
    small: HashSet<EntityId, FxBuild>,
    stamps: Vec<u32>,
    stamp: u32,
    dense: bool,
    started: bool,
    /// How many entity slots the graph has: the stamp array's size.
    slots: usize,
}

impl SeenEnds {
    /// From this many ids in one run on, the stamp array is used.
    const DENSE_FROM: usize = 2048;

    /// An empty set for ids of `graph`.
    pub(super) fn for_graph(graph: &crate::store::Graph) -> SeenEnds {
        let mut seen = SeenEnds::default();
        seen.slots = graph.next_ids().0 as usize;
        // A stamp array left by an earlier query costs nothing to reuse.
        let pooled = STAMP_POOL.with(|p| !p.borrow().is_empty());
        if pooled {
            seen.go_dense();
        }
        seen
    }

    /// Makes room for id slot `i` (the whole graph at once, so the array
    /// is allocated once per query).
    fn room(&mut self, i: usize) {
        if i >= self.stamps.len() {
            self.stamps.resize((i + 1 + i / 2).max(self.slots), 0);
        }
    }

    /// Starts using the stamp array: one left by an earlier query on this
    /// thread when there is one (its stamps stay valid: the next stamp is
    /// one past the last it used), else a zeroed one.
    fn go_dense(&mut self) {
        self.dense = true;
        let pooled = STAMP_POOL.with(|p| p.borrow_mut().pop());
        let (stamps, last) = pooled.unwrap_or_default();
        self.stamps = stamps;
        self.stamp = last;
        self.next_stamp();
    }

    /// Moves to a fresh stamp, zeroing the array when the counter wraps.
    fn next_stamp(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.stamps.iter_mut().for_each(|s| *s = 0);
            self.stamp = 1;
        }
    }

    /// Forgets every id (a new run, whatever the row).
    pub(super) fn restart(&mut self) {
        if self.dense {
            self.next_stamp();
        } else {
            self.small.clear();
        }
    }

    /// Starts a new run unless `row` agrees with the current one on `slots`.
    fn enter(&mut self, row: &[Value], slots: &[Slot]) {
        let same = self.started
            && slots.len() == self.group.len()
            && slots
                .iter()
                .zip(&self.group)
                .all(|(s, v)| row.get(*s).is_some_and(|x| same_value(x, v)));
        if same {
            return;
        }
        self.started = true;
        self.group.clear();
        self.group.extend(
            slots
                .iter()
                .map(|s| row.get(*s).cloned().unwrap_or(Value::Null)),
        );
        self.restart();
    }

    /// True the first time `id` is seen in the current run.
    pub(super) fn first(&mut self, id: EntityId) -> bool {
        if !self.dense {
            if self.small.len() < Self::DENSE_FROM {
                return self.small.insert(id);
            }
            // Switch to stamps, carrying over the ids of this run.
            self.go_dense();
            let small = std::mem::take(&mut self.small);
            for seen in small {
                let i = seen.0 as usize;
                self.room(i);
                self.stamps[i] = self.stamp;
            }
        }
        let i = id.0 as usize;
        self.room(i);
        if self.stamps[i] == self.stamp {
            return false;
        }
        self.stamps[i] = self.stamp;
        true
    }
}

thread_local! {
    /// Stamp arrays of finished queries, with the last stamp each used, so
    /// that a query does not allocate and zero one per expansion.
    static STAMP_POOL: std::cell::RefCell<Vec<(Vec<u32>, u32)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl Drop for SeenEnds {
    fn drop(&mut self) {
        if self.dense && !self.stamps.is_empty() {
            let stamps = std::mem::take(&mut self.stamps);
            let last = self.stamp;
            STAMP_POOL.with(|p| {
                let mut pool = p.borrow_mut();
                if pool.len() < 4 {
                    pool.push((stamps, last));
                }
            });
        }
    }
}

/// Identity of two row values for grouping runs: the same node or
/// relationship, or structurally equal other values.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Node(x), Value::Node(y)) => x == y,
        (Value::Relationship(x), Value::Relationship(y)) => x == y,
        _ => a == b,
    }
}

impl<'p> ExpandOp<'p> {
    /// Expands rows of `scope` along `spec`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, spec: &'p Expand) -> Self {
        ExpandOp {
            input,
            scope,
            spec,
            cur: None,
            out: Vec::new(),
            pos: 0,
            ends: None,
            filter: None,
        }
    }

    /// Also keeps only the rows for which `filter` holds (a `Filter` right
    /// above the expansion, over the expansion's output scope), so rejected
    /// rows are never built.
    pub fn filtered(mut self, filter: super::rows::Predicate<'p>) -> Self {
        self.filter = Some(filter);
        self
    }

    /// The hop's candidates from `row`, in `out` (cleared first).
    fn candidates(
        &self,
        ctx: &Ctx<'_>,
        row: &[Value],
        out: &mut Vec<(RelationId, EntityId)>,
    ) -> Result<()> {
        out.clear();
        let s = self.spec;
        let Some(from) = node_at(row, s.from) else {
            return Ok(());
        };
        let props = RelProps::resolve(ctx, self.scope, row, &s.rel_props)?;
        let check: Option<Resolved> = if s.to_bound || s.check.is_empty() {
            None
        } else {
            Some(resolve(ctx, self.scope, row, &s.check)?)
        };
        let bound_to = if s.to_bound {
            match node_at(row, s.to) {
                Some(id) => Some(id),
                None => return Ok(()),
            }
        } else {
            None
        };
        let bound_rel = if s.rel_bound {
            match row.get(s.rel) {
                Some(Value::Relationship(r)) => Some(*r),
                _ => return Ok(()),
            }
        } else {
            None
        };
        let used = used_list(row, &s.unique);
        // A long variable-length list is checked through a set.
        let used_set: Option<HashSet<RelationId>> =
            (used.len() > 16).then(|| used.iter().copied().collect());
        let found = match bound_to {
            Some(to) => edges_to(ctx, from, to, s.dir, &s.types, &props, out),
            None => false,
        };
        if !found {
            edges_into(ctx, from, s.dir, &s.types, &props, out);
        }
        out.retain(|(r, other)| {
            !used_set
                .as_ref()
                .map_or_else(|| used.contains(r), |set| set.contains(r))
                && bound_rel.is_none_or(|b| b == *r)
                && bound_to.is_none_or(|b| b == *other)
                && check.as_ref().is_none_or(|c| c.accepts(ctx, *other))
        });
        Ok(())
    }
}

impl ExpandOp<'_> {
    /// The number of rows the expansion would produce, without building
    /// them.
    pub fn count_rows(&mut self, ctx: &mut Ctx<'_>) -> Result<u64> {
        let mut n = 0u64;
        while self.advance(ctx, |_| n += 1)? {}
        Ok(n)
    }

    /// Pulls the next input row and adds the far node of every row the
    /// expansion would produce from it to `ends`, without building those
    /// rows. Returns the input row (widened to the output scope), or `None`
    /// at the end of the input.
    pub fn next_run(
        &mut self,
        ctx: &mut Ctx<'_>,
        ends: &mut Vec<EntityId>,
    ) -> Result<Option<&Row>> {
        if self.advance(ctx, |m| ends.push(m))? {
            Ok(self.cur.as_ref())
        } else {
            Ok(None)
        }
    }

    /// Pulls the next input row and calls `each` with the far node of every
    /// row the expansion would produce from it (the filter applied), without
    /// building those rows. False at the end of the input.
    fn advance(&mut self, ctx: &mut Ctx<'_>, mut each: impl FnMut(EntityId)) -> Result<bool> {
        ctx.guard.check()?;
        let Some(row) = self.input.next(ctx)? else {
            self.cur = None;
            return Ok(false);
        };
        self.start(ctx, row)?;
        let Some(row) = &mut self.cur else {
            return Ok(false);
        };
        let mask = self
            .filter
            .as_ref()
            .and_then(|f| f.node_mask(ctx, self.spec.to));
        // (Counting operators never carry `first_only`: the rule marks
        // plain expansions only.)
        debug_assert!(!self.spec.first_only);
        match (&self.filter, mask) {
            (None, _) => self.out.iter().for_each(|(_, m)| each(*m)),
            (Some(_), Some(bits)) => {
                for &(_, m) in &self.out {
                    if super::rows::bit_set(bits, m.0 as usize) {
                        each(m);
                    }
                }
            }
            (Some(f), None) => {
                for &(r, m) in &self.out {
                    row[self.spec.rel] = Value::Relationship(r);
                    row[self.spec.to] = Value::Node(m);
                    if f.accepts(ctx, row)? {
                        each(m);
                    }
                }
            }
        }
        self.pos = self.out.len();
        row[self.spec.rel] = Value::Null;
        row[self.spec.to] = Value::Null;
        Ok(true)
    }

    /// Takes `row` as the current input row: its candidates, deduplicated
    /// when asked, and the row widened to the output scope.
    fn start(&mut self, ctx: &mut Ctx<'_>, row: Row) -> Result<()> {
        let mut out = std::mem::take(&mut self.out);
        let found = self.candidates(ctx, &row, &mut out);
        self.out = out;
        found?;
        if let Some(group) = self.spec.dedupe.as_ref() {
            let ends = self
                .ends
                .get_or_insert_with(|| SeenEnds::for_graph(ctx.graph()));
            ends.enter(&row, group);
            self.out.retain(|(_, n)| ends.first(*n));
        }
        self.pos = 0;
        let mut row = row;
        let width = row.len().max(self.spec.rel + 1).max(self.spec.to + 1);
        row.resize(width, Value::Null);
        self.cur = Some(row);
        Ok(())
    }
}

impl Operator for ExpandOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            ctx.guard.check()?;
            if let Some(row) = &mut self.cur {
                while let Some(&(r, n)) = self.out.get(self.pos) {
                    if self.spec.fetch_far && self.out.len() > PREFETCH_FROM {
                        // The far nodes' records and properties are likely
                        // read next (projections, filters): fetch ahead.
                        let g = ctx.graph();
                        for (step, ahead) in [(0, 12), (1, 8), (2, 4)] {
                            if let Some(&(_, m)) = self.out.get(self.pos + ahead) {
                                g.prefetch_entity(m, step);
                            }
                        }
                    }
                    self.pos += 1;
                    row[self.spec.rel] = Value::Relationship(r);
                    row[self.spec.to] = Value::Node(n);
                    if let Some(f) = &self.filter {
                        if !f.accepts(ctx, row)? {
                            ctx.guard.check()?;
                            continue;
                        }
                    }
                    if self.spec.first_only {
                        // A semi-join: this input row is produced once.
                        self.pos = self.out.len();
                    }
                    return Ok(Some(super::row_from(row)));
                }
            }
            self.cur = None;
            let Some(row) = self.input.next(ctx)? else {
                return Ok(None);
            };
            self.start(ctx, row)?;
        }
    }
}

/// A hop with more candidates than this fetches its far nodes ahead.
const PREFETCH_FROM: usize = 64;

struct Frame {
    edges: Vec<(RelationId, EntityId)>,
    idx: usize,
}

/// The per-row state of a variable-length expansion.
struct VarState {
    row: Row,
    props: RelProps,
    check: Option<Resolved>,
    bound_to: Option<EntityId>,
    used: HashSet<RelationId>,
    stack: Vec<Frame>,
    path: Vec<RelationId>,
    zero: Option<EntityId>,
    /// The input row with one slot more, where `Expand::each_rel`'s
    /// predicate sees the relationship it tests.
    probe: Row,
}

/// A variable-length expansion: every relationship trail of allowed length
/// (no relationship twice), depth first.
pub struct VarExpand<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    spec: &'p Expand,
    /// `spec.each_rel`, prepared.
    each: Option<super::rows::Predicate<'p>>,
    min: u64,
    max: Option<u64>,
    state: Option<VarState>,
}

impl<'p> VarExpand<'p> {
    /// Expands rows of `scope` along `spec` (which has a length).
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, spec: &'p Expand) -> Self {
        let (min, max) = spec.var.map_or((1, Some(1)), |v| (v.min, v.max));
        VarExpand {
            input,
            scope,
            spec,
            each: spec
                .each_rel
                .as_ref()
                .map(|e| super::rows::Predicate::new(&e.scope, &e.predicate)),
            min,
            max,
            state: None,
        }
    }

    fn start(&self, ctx: &Ctx<'_>, row: Row) -> Result<Option<VarState>> {
        let s = self.spec;
        let Some(from) = node_at(&row, s.from) else {
            return Ok(None);
        };
        let bound_to = if s.to_bound {
            match node_at(&row, s.to) {
                Some(id) => Some(id),
                None => return Ok(None),
            }
        } else {
            None
        };
        let props = RelProps::resolve(ctx, self.scope, &row, &s.rel_props)?;
        let check = if s.to_bound || s.check.is_empty() {
            None
        } else {
            Some(resolve(ctx, self.scope, &row, &s.check)?)
        };
        let used = used(&row, &s.unique);
        let edges = if self.max == Some(0) {
            Vec::new()
        } else {
            edges(ctx, from, s.dir, &s.types, &props)
        };
        Ok(Some(VarState {
            props,
            check,
            bound_to,
            used,
            stack: vec![Frame { edges, idx: 0 }],
            path: Vec::new(),
            zero: (self.min == 0).then_some(from),
            probe: match &s.each_rel {
                Some(each) => {
                    let width = each.scope.width();
                    let mut probe: Row = row.iter().take(width - 1).cloned().collect();
                    probe.resize(width, Value::Null);
                    probe
                }
                None => Row::new(),
            },
            row,
        }))
    }

    fn end_ok(&self, ctx: &Ctx<'_>, st: &VarState, end: EntityId) -> bool {
        st.bound_to.is_none_or(|b| b == end)
            && st.check.as_ref().is_none_or(|c| c.accepts(ctx, end))
    }

    fn emit(&self, st: &VarState, rels: &[RelationId], end: EntityId) -> Row {
        let mut list: Vec<Value> = rels.iter().map(|r| Value::Relationship(*r)).collect();
        if self.spec.reverse {
            list.reverse();
        }
        let mut out = st.row.clone();
        put(&mut out, self.spec.rel, Value::List(list));
        put(&mut out, self.spec.to, Value::Node(end));
        out
    }

    /// A bound relationship list: checks that it is a trail from `from`.
    fn check_bound(&self, ctx: &Ctx<'_>, row: &Row) -> Result<Option<Row>> {
        let s = self.spec;
        let Some(from) = node_at(row, s.from) else {
            return Ok(None);
        };
        let Some(Value::List(items)) = row.get(s.rel) else {
            return Ok(None);
        };
        let mut rels: Vec<RelationId> = Vec::new();
        for i in items {
            match i {
                Value::Relationship(r) => rels.push(*r),
                _ => return Ok(None),
            }
        }
        if s.reverse {
            rels.reverse();
        }
        let n = rels.len() as u64;
        if n < self.min || self.max.is_some_and(|m| n > m) {
            return Ok(None);
        }
        let props = RelProps::resolve(ctx, self.scope, row, &s.rel_props)?;
        let mut cur = from;
        for r in &rels {
            let ok = edges(ctx, cur, s.dir, &s.types, &props)
                .into_iter()
                .find(|(id, _)| id == r);
            match ok {
                Some((_, next)) => cur = next,
                None => return Ok(None),
            }
        }
        let end_ok = if s.to_bound {
            node_at(row, s.to) == Some(cur)
        } else {
            s.check.is_empty() || resolve(ctx, self.scope, row, &s.check)?.accepts(ctx, cur)
        };
        if !end_ok {
            return Ok(None);
        }
        let mut out = row.clone();
        put(&mut out, s.to, Value::Node(cur));
        Ok(Some(out))
    }
}

impl Operator for VarExpand<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            ctx.guard.check()?;
            let Some(mut st) = self.state.take() else {
                let Some(row) = self.input.next(ctx)? else {
                    return Ok(None);
                };
                if self.spec.rel_bound {
                    if let Some(out) = self.check_bound(ctx, &row)? {
                        return Ok(Some(out));
                    }
                    continue;
                }
                self.state = self.start(ctx, row)?;
                continue;
            };
            if let Some(from) = st.zero.take() {
                if self.end_ok(ctx, &st, from) {
                    let out = self.emit(&st, &[], from);
                    self.state = Some(st);
                    return Ok(Some(out));
                }
            }
            let mut result = None;
            while result.is_none() {
                ctx.guard.check()?;
                let Some(top) = st.stack.last_mut() else {
                    break;
                };
                let Some(&(r, other)) = top.edges.get(top.idx) else {
                    st.stack.pop();
                    st.path.pop();
                    continue;
                };
                top.idx += 1;
                if st.path.contains(&r) || st.used.contains(&r) {
                    continue;
                }
                if let Some(each) = &self.each {
                    // A trail is cut at a relationship that fails.
                    if let Some(last) = st.probe.last_mut() {
                        *last = Value::Relationship(r);
                    }
                    if !each.accepts(ctx, &st.probe)? {
                        continue;
                    }
                }
                st.path.push(r);
                let depth = st.path.len() as u64;
                let deeper = self.max.is_none_or(|m| depth < m);
                if depth >= self.min && self.end_ok(ctx, &st, other) {
                    result = Some(self.emit(&st, &st.path, other));
                }
                if deeper {
                    let e = edges(ctx, other, self.spec.dir, &self.spec.types, &st.props);
                    st.stack.push(Frame { edges: e, idx: 0 });
                } else {
                    st.path.pop();
                }
            }
            if result.is_some() {
                self.state = Some(st);
                return Ok(result);
            }
        }
    }
}

/// The per-row state of a breadth-first expansion.
struct BfsState {
    row: Row,
    start: EntityId,
    props: RelProps,
    check: Option<Resolved>,
    queue: VecDeque<(EntityId, u64)>,
    visited: SeenEnds,
    ready: VecDeque<EntityId>,
    start_done: bool,
    start_cycle: bool,
}

/// A variable-length expansion that reports each reachable far node once
/// (breadth first with a visited set). Used when only distinct far ends
/// matter and the minimum length is 0 or 1.
pub struct BfsExpand<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    spec: &'p Expand,
    min: u64,
    max: Option<u64>,
    state: Option<Box<BfsState>>,
}

impl<'p> BfsExpand<'p> {
    /// Expands rows of `scope` along `spec`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, spec: &'p Expand) -> Self {
        let (min, max) = spec.var.map_or((1, None), |v| (v.min, v.max));
        BfsExpand {
            input,
            scope,
            spec,
            min,
            max,
            state: None,
        }
    }

    fn emit(&self, st: &BfsState, end: EntityId) -> Row {
        let width = st.row.len().max(self.spec.rel + 1).max(self.spec.to + 1);
        let mut out = Vec::with_capacity(width);
        out.extend_from_slice(&st.row);
        put(&mut out, self.spec.rel, Value::List(Vec::new()));
        put(&mut out, self.spec.to, Value::Node(end));
        out
    }

    /// Undirected: is there a closed trail through `start` of length <= max?
    fn undirected_cycle(&self, ctx: &Ctx<'_>, st: &BfsState) -> Result<bool> {
        if self.max == Some(0) {
            return Ok(false);
        }
        let s = self.spec;
        let incident = edges(ctx, st.start, Dir::Both, &s.types, &st.props);
        for (rid, y) in &incident {
            if *y == st.start {
                return Ok(true);
            }
            // A path from y back to start avoiding this edge.
            let limit = self.max.map(|m| m.saturating_sub(1));
            if limit == Some(0) {
                continue;
            }
            let mut seen: HashSet<EntityId, FxBuild> = HashSet::default();
            seen.insert(*y);
            let mut q = VecDeque::from([(*y, 0u64)]);
            while let Some((n, d)) = q.pop_front() {
                ctx.guard.check()?;
                // Nodes reached at the last allowed step are only checked
                // for being the start, never expanded or remembered.
                let last = limit.is_some_and(|l| d + 1 >= l);
                for (r, m) in edges(ctx, n, Dir::Both, &s.types, &st.props) {
                    if r == *rid {
                        continue;
                    }
                    if m == st.start {
                        return Ok(true);
                    }
                    if !last && seen.insert(m) {
                        q.push_back((m, d + 1));
                    }
                }
            }
        }
        Ok(false)
    }
}

impl Operator for BfsExpand<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            ctx.guard.check()?;
            let Some(mut st) = self.state.take() else {
                let Some(row) = self.input.next(ctx)? else {
                    return Ok(None);
                };
                let Some(start) = node_at(&row, self.spec.from) else {
                    continue;
                };
                let props = RelProps::resolve(ctx, self.scope, &row, &self.spec.rel_props)?;
                let check = if self.spec.check.is_empty() {
                    None
                } else {
                    Some(resolve(ctx, self.scope, &row, &self.spec.check)?)
                };
                let mut ready = VecDeque::new();
                if self.min == 0 {
                    ready.push_back(start);
                }
                self.state = Some(Box::new(BfsState {
                    row,
                    start,
                    props,
                    check,
                    queue: VecDeque::from([(start, 0)]),
                    visited: {
                        let mut v = SeenEnds::for_graph(ctx.graph());
                        v.first(start);
                        v
                    },
                    ready,
                    start_done: self.min == 0,
                    start_cycle: false,
                }));
                continue;
            };
            while let Some(n) = st.ready.pop_front() {
                if st.check.as_ref().is_none_or(|c| c.accepts(ctx, n)) {
                    let out = self.emit(&st, n);
                    self.state = Some(st);
                    return Ok(Some(out));
                }
            }
            if let Some((n, d)) = st.queue.pop_front() {
                if self.max.is_some_and(|m| d >= m) {
                    self.state = Some(st);
                    continue;
                }
                for (_, m) in edges(ctx, n, self.spec.dir, &self.spec.types, &st.props) {
                    if m == st.start {
                        st.start_cycle = true;
                    }
                    if st.visited.first(m) {
                        // Nodes at the maximum depth are never expanded.
                        if self.max.is_none_or(|max| d + 1 < max) {
                            st.queue.push_back((m, d + 1));
                        }
                        st.ready.push_back(m);
                    }
                }
                self.state = Some(st);
                continue;
            }
            // Exhausted: the start node itself, when a cycle returns to it.
            if !st.start_done {
                st.start_done = true;
                let cycle = if self.spec.dir == Dir::Both {
                    self.undirected_cycle(ctx, &st)?
                } else {
                    st.start_cycle
                };
                if cycle {
                    st.ready.push_back(st.start);
                    self.state = Some(st);
                    continue;
                }
            }
        }
    }
}

/// `shortestPath` / `allShortestPaths` between two bound nodes.
pub struct ShortestOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    spec: &'p Shortest,
    ready: VecDeque<Row>,
}

impl<'p> ShortestOp<'p> {
    /// Searches paths for rows of `scope`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, spec: &'p Shortest) -> Self {
        ShortestOp {
            input,
            scope,
            spec,
            ready: VecDeque::new(),
        }
    }

    fn search(&mut self, ctx: &Ctx<'_>, row: Row) -> Result<()> {
        let s = self.spec;
        let (Some(from), Some(to)) = (node_at(&row, s.from), node_at(&row, s.to)) else {
            return Ok(());
        };
        let props = RelProps::resolve(ctx, self.scope, &row, &s.rel_props)?;
        let mut paths: Vec<(Vec<EntityId>, Vec<RelationId>)> = Vec::new();
        if from == to {
            if s.min == 0 {
                paths.push((vec![from], vec![]));
            }
        } else if !s.all && ctx.adjacency().is_some() {
            if let Some(p) = bidirectional(ctx, from, to, s, &props)? {
                paths.push(p);
            }
        } else {
            // Layered BFS with every parent on a shortest path.
            let mut parents: HashMap<EntityId, Vec<(RelationId, EntityId)>, FxBuild> =
                HashMap::default();
            let mut depth: HashMap<EntityId, u64, FxBuild> = HashMap::from_iter([(from, 0)]);
            let mut layer = vec![from];
            let mut d = 0u64;
            let mut found = false;
            while !layer.is_empty() && !found && s.max.is_none_or(|m| d < m) {
                let mut next = Vec::new();
                for &n in &layer {
                    ctx.guard.check()?;
                    for (r, m) in edges(ctx, n, s.dir, &s.types, &props) {
                        match depth.get(&m) {
                            None => {
                                depth.insert(m, d + 1);
                                parents.insert(m, vec![(r, n)]);
                                next.push(m);
                            }
                            Some(&dm) if dm == d + 1 && s.all => {
                                if let Some(p) = parents.get_mut(&m) {
                                    p.push((r, n));
                                }
                            }
                            _ => {}
                        }
                        if m == to {
                            found = true;
                        }
                    }
                }
                layer = next;
                d += 1;
            }
            if found {
                // Walk parents back from `to`.
                let mut stack: Vec<(EntityId, Vec<EntityId>, Vec<RelationId>)> =
                    vec![(to, vec![to], vec![])];
                while let Some((n, nodes, rels)) = stack.pop() {
                    ctx.guard.check()?;
                    if n == from {
                        let mut nodes = nodes;
                        let mut rels = rels;
                        nodes.reverse();
                        rels.reverse();
                        paths.push((nodes, rels));
                        if !s.all {
                            break;
                        }
                        continue;
                    }
                    for (r, p) in parents.get(&n).into_iter().flatten() {
                        let mut ns = nodes.clone();
                        ns.push(*p);
                        let mut rs = rels.clone();
                        rs.push(*r);
                        stack.push((*p, ns, rs));
                        if !s.all {
                            break;
                        }
                    }
                }
            }
        }
        for (nodes, rels) in paths {
            let mut out = row.clone();
            put(
                &mut out,
                s.rel,
                Value::List(rels.iter().map(|r| Value::Relationship(*r)).collect()),
            );
            put(
                &mut out,
                s.path,
                Value::Path(Box::new(Path { nodes, rels })),
            );
            self.ready.push_back(out);
        }
        Ok(())
    }
}

/// One shortest path from `from` to `to` (distinct nodes) by a
/// bidirectional breadth-first search: each round expands one whole layer
/// of the smaller frontier; the first round in which the two searches meet
/// gives the shortest length (the best meeting point of that round).
fn bidirectional(
    ctx: &Ctx<'_>,
    from: EntityId,
    to: EntityId,
    s: &Shortest,
    props: &RelProps,
) -> Result<Option<(Vec<EntityId>, Vec<RelationId>)>> {
    type Seen = HashMap<EntityId, (u64, Option<(RelationId, EntityId)>), FxBuild>;
    let back = match s.dir {
        Dir::Out => Dir::In,
        Dir::In => Dir::Out,
        Dir::Both => Dir::Both,
    };
    let mut seen: [Seen; 2] = [
        HashMap::from_iter([(from, (0, None))]),
        HashMap::from_iter([(to, (0, None))]),
    ];
    let mut layers = [vec![from], vec![to]];
    let mut depth = [0u64, 0u64];
    loop {
        if layers[0].is_empty() || layers[1].is_empty() {
            return Ok(None);
        }
        if s.max.is_some_and(|m| depth[0] + depth[1] >= m) {
            return Ok(None);
        }
        let side = usize::from(layers[1].len() < layers[0].len());
        let dir = if side == 0 { s.dir } else { back };
        let mut next = Vec::new();
        let mut best: Option<(u64, EntityId)> = None;
        // The first meeting is a shortest one: every node the other side
        // reached before its current frontier was expanded already, so a
        // meeting here is always at the other side's full depth.
        'layer: for &n in &layers[side] {
            ctx.guard.check()?;
            for (r, m) in edges(ctx, n, dir, &s.types, props) {
                if seen[side].contains_key(&m) {
                    continue;
                }
                seen[side].insert(m, (depth[side] + 1, Some((r, n))));
                next.push(m);
                if let Some((d, _)) = seen[1 - side].get(&m) {
                    best = Some((depth[side] + 1 + d, m));
                    break 'layer;
                }
            }
        }
        depth[side] += 1;
        layers[side] = next;
        if let Some((total, meet)) = best {
            if s.max.is_some_and(|m| total > m) {
                return Ok(None);
            }
            let mut nodes = vec![meet];
            let mut rels = Vec::new();
            let mut n = meet;
            while let Some((_, Some((r, p)))) = seen[0].get(&n) {
                rels.push(*r);
                nodes.push(*p);
                n = *p;
            }
            nodes.reverse();
            rels.reverse();
            let mut n = meet;
            while let Some((_, Some((r, p)))) = seen[1].get(&n) {
                rels.push(*r);
                nodes.push(*p);
                n = *p;
            }
            return Ok(Some((nodes, rels)));
        }
    }
}

impl Operator for ShortestOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            if let Some(r) = self.ready.pop_front() {
                return Ok(Some(r));
            }
            let Some(row) = self.input.next(ctx)? else {
                return Ok(None);
            };
            self.search(ctx, row)?;
        }
    }
}

/// Builds a named path from the slots the match filled.
pub struct BuildPathOp<'p> {
    input: BoxOp<'p>,
    slot: Slot,
    start: Slot,
    steps: &'p [PathStep],
}

impl<'p> BuildPathOp<'p> {
    /// Builds into `slot` from `start` and `steps`.
    pub fn new(input: BoxOp<'p>, slot: Slot, start: Slot, steps: &'p [PathStep]) -> Self {
        BuildPathOp {
            input,
            slot,
            start,
            steps,
        }
    }
}

/// Builds the path for one row; `None` when an element is missing (null).
pub fn build_path(graph: &Graph, row: &[Value], start: Slot, steps: &[PathStep]) -> Option<Path> {
    let mut cur = node_at(row, start)?;
    let mut nodes = vec![cur];
    let mut rels = Vec::new();
    for step in steps {
        match *step {
            PathStep::Single(r, n) => {
                let Some(Value::Relationship(rid)) = row.get(r) else {
                    return None;
                };
                rels.push(*rid);
                cur = node_at(row, n)?;
                nodes.push(cur);
            }
            PathStep::Multi(r, n) => {
                let Some(Value::List(items)) = row.get(r) else {
                    return None;
                };
                for i in items {
                    let Value::Relationship(rid) = i else {
                        return None;
                    };
                    let rel = graph.relation(*rid)?;
                    cur = rel.other(cur);
                    rels.push(*rid);
                    nodes.push(cur);
                }
                let end = node_at(row, n)?;
                if end != cur {
                    return None;
                }
            }
        }
    }
    Some(Path { nodes, rels })
}

impl Operator for BuildPathOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        let Some(mut row) = self.input.next(ctx)? else {
            return Ok(None);
        };
        let v = build_path(ctx.graph(), &row, self.start, self.steps)
            .map_or(Value::Null, |p| Value::Path(Box::new(p)));
        put(&mut row, self.slot, v);
        Ok(Some(row))
    }
}
