//! Stage 4: the executor: runs a plan over the [`crate::store::Graph`] and
//! streams rows of [`crate::value::Value`]s.
//!
//! Every plan node becomes an [`Operator`] that is *pulled*: `next` returns
//! the next row, asking its input for rows only as needed. So `LIMIT` stops
//! upstream work, and queries without sorting or aggregation hold only a
//! few rows at a time. Operators keep no reference to the graph; it comes
//! with each call in the [`Ctx`], mutable for the writing operators, which
//! read all their input rows before writing anything (Cypher's clause-by-
//! clause semantics: `MATCH (n) CREATE (m)` creates one node per node that
//! existed before).
//!
//! One file per operator family: [`scan`] (leaves and node scans),
//! [`expand`] (relationships, variable length, shortest paths),
//! [`rows`] (filter, projection, sort, limits, unwind, union, optional),
//! [`aggregate`], [`write`] (create, merge, set, delete) and [`call`].

pub mod aggregate;
pub mod call;
pub mod count;
pub mod expand;
pub mod index_seek;
pub mod intersect;
pub mod rows;
pub mod scan;
pub mod values;
pub mod write;

#[cfg(test)]
mod tests;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use crate::engine::QueryStats;
use crate::error::{Error, ErrorKind, Result, Span};
use crate::eval::{Env, Params};
use crate::plan::explain::OpFigures;
use crate::plan::expr::{element_vars, free_vars, query_vars};
use crate::plan::{Op, Plan, Scope};
use crate::store::{Graph, Relation, RelationId, StoreError};
use crate::syntax::ast::{ExistsBody, Expr, PatternElement};
use crate::value::Value;

/// A row: one value per slot of the producing operator's scope.
pub type Row = Vec<Value>;

thread_local! {
    /// Buffers of rows that operators consumed, for the next rows built:
    /// the rows of a long scan reuse a few allocations instead of one each.
    static ROW_POOL: RefCell<Vec<Row>> = const { RefCell::new(Vec::new()) };
}

/// A new row holding a copy of `values`, in a recycled buffer when there
/// is one.
pub fn row_from(values: &[Value]) -> Row {
    let pooled = ROW_POOL.with(|p| p.borrow_mut().pop());
    match pooled {
        Some(mut row) => {
            row.extend_from_slice(values);
            row
        }
        None => values.to_vec(),
    }
}

/// Gives back a row that is no longer needed, so its buffer can be reused.
pub fn recycle(mut row: Row) {
    if row.capacity() == 0 || row.capacity() > 64 {
        return;
    }
    row.clear();
    ROW_POOL.with(|p| {
        let mut pool = p.borrow_mut();
        if pool.len() < 64 {
            pool.push(row);
        }
    });
}

/// A pull-based operator.
pub trait Operator {
    /// The next row, or `None` when there are no more.
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>>;
}

/// A boxed operator borrowing its plan.
pub type BoxOp<'p> = Box<dyn Operator + 'p>;

pub use crate::limits::Guard;

enum GraphRef<'g> {
    Read(&'g Graph),
    Write(&'g mut Graph),
}

/// What operators run against: the graph, parameters, counters, the guard.
pub struct Ctx<'g> {
    graph: GraphRef<'g>,
    /// The query parameters.
    pub params: &'g Params,
    /// What the statement changed so far.
    pub stats: QueryStats,
    /// Cancellation and timeout.
    pub guard: &'g Guard,
    profile: Option<Rc<RefCell<Vec<OpFigures>>>>,
    alias_props: Cell<Option<(bool, bool)>>,
    /// Relationships deleted by this statement (`type(r)` still works on them).
    pub deleted: HashMap<RelationId, Relation>,
    plans: Rc<RefCell<HashMap<PlanKey, Rc<Plan>>>>,
    /// Run without the data-dependent fast paths (see [`Ctx::plain`]).
    plain: bool,
}

/// Identifies a sub-plan (pattern predicate, comprehension, EXISTS) within
/// a statement: where it is written, its path variable, and which
/// variables are bound when it runs.
type PlanKey = (u8, Span, Option<String>, Vec<String>);

impl<'g> Ctx<'g> {
    /// A context that may write to `graph`.
    pub fn writer(graph: &'g mut Graph, params: &'g Params, guard: &'g Guard) -> Ctx<'g> {
        Ctx {
            graph: GraphRef::Write(graph),
            params,
            stats: QueryStats::default(),
            guard,
            profile: None,
            alias_props: Cell::new(None),
            deleted: HashMap::new(),
            plans: Rc::default(),
            plain: false,
        }
    }

    /// A read-only context.
    pub fn reader(graph: &'g Graph, params: &'g Params, guard: &'g Guard) -> Ctx<'g> {
        Ctx {
            graph: GraphRef::Read(graph),
            params,
            stats: QueryStats::default(),
            guard,
            profile: None,
            alias_props: Cell::new(None),
            deleted: HashMap::new(),
            plans: Rc::default(),
            plain: false,
        }
    }

    /// Runs without the executor's data-dependent fast paths: no compact
    /// adjacency layout, no integer property columns, no label or
    /// predicate bitmaps (`kg --no-optimize`, the oracle of the fast paths).
    pub fn plain(&mut self) {
        self.plain = true;
    }

    /// True when running without fast paths (see [`Ctx::plain`]); plans
    /// built while running (pattern predicates, EXISTS) then use no
    /// declared index either.
    pub fn is_plain(&self) -> bool {
        self.plain
    }

    /// The compact adjacency layout, when it is built and fast paths are
    /// on. Traversals read it instead of petgraph's lists; it also gates
    /// the label bitmap and the integer property columns, which only pay
    /// off on graphs large enough to have it.
    pub fn adjacency(&self) -> Option<&crate::store::adjacency::Adjacency> {
        if self.plain {
            None
        } else {
            self.graph().adjacency()
        }
    }

    /// Collects per-operator figures (PROFILE) for a plan of `size` nodes.
    pub fn enable_profile(&mut self, size: usize) {
        self.profile = Some(Rc::new(RefCell::new(vec![OpFigures::default(); size])));
    }

    /// The figures collected so far.
    pub fn figures(&self) -> Option<Vec<OpFigures>> {
        self.profile.as_ref().map(|p| p.borrow().clone())
    }

    /// The graph.
    pub fn graph(&self) -> &Graph {
        match &self.graph {
            GraphRef::Read(g) => g,
            GraphRef::Write(g) => g,
        }
    }

    /// The graph, for writing.
    pub fn graph_mut(&mut self) -> Result<&mut Graph> {
        match &mut self.graph {
            GraphRef::Write(g) => Ok(g),
            GraphRef::Read(_) => Err(Error::internal(
                "a read-only sub-query tried to write to the graph",
            )),
        }
    }

    /// Whether any entity has a real `key` / `alias` property (then pattern
    /// maps compare that property instead of using the index). Computed
    /// once per statement, on first use.
    pub fn has_index_props(&self) -> (bool, bool) {
        if let Some(v) = self.alias_props.get() {
            return v;
        }
        let mut key = false;
        let mut alias = false;
        for e in self.graph().entities() {
            key |= e.props.contains_key("key");
            alias |= e.props.contains_key("alias");
        }
        self.alias_props.set(Some((key, alias)));
        (key, alias)
    }

    /// Starts from facts computed earlier (by a statement that did not write).
    pub fn set_index_props(&mut self, v: Option<(bool, bool)>) {
        self.alias_props.set(v);
    }

    /// The facts computed so far (see [`Ctx::has_index_props`]).
    pub fn index_props(&self) -> Option<(bool, bool)> {
        self.alias_props.get()
    }

    /// Forgets cached facts about the graph after a write.
    pub fn graph_changed(&self) {
        self.alias_props.set(None);
    }

    /// Evaluates `e` against `row` (whose variables are in `scope`).
    pub fn eval(&self, scope: &Scope, row: &[Value], e: &Expr) -> Result<Value> {
        let env = RowEnv {
            ctx: self,
            scope,
            row,
        };
        crate::eval::eval(e, &env)
    }

    /// Evaluates a predicate: true only for `true`.
    pub fn test(&self, scope: &Scope, row: &[Value], e: &Expr) -> Result<bool> {
        let v = self.eval(scope, row, e)?;
        crate::eval::compare::truthy(&v).map_err(|err| err.or_at(e.span))
    }

    /// The plan cached under `key`, or the one `make` builds (then cached).
    fn plan(&self, key: PlanKey, make: impl FnOnce() -> Result<Plan>) -> Result<Rc<Plan>> {
        if let Some(p) = self.plans.borrow().get(&key) {
            return Ok(Rc::clone(p));
        }
        let p = Rc::new(make()?);
        self.plans.borrow_mut().insert(key, Rc::clone(&p));
        Ok(p)
    }

    /// `plan` (a subquery's) after the optimizer's rules, unless the
    /// statement runs plain.
    fn optimize_subplan(&self, plan: Plan) -> Plan {
        if self.plain {
            plan
        } else {
            crate::plan::optimize::optimize_subplan(plan)
        }
    }

    fn sub(&self) -> Ctx<'_> {
        Ctx {
            graph: GraphRef::Read(self.graph()),
            params: self.params,
            stats: QueryStats::default(),
            guard: self.guard,
            profile: None,
            alias_props: Cell::new(self.alias_props.get()),
            deleted: HashMap::new(),
            plans: Rc::clone(&self.plans),
            plain: self.plain,
        }
    }
}

/// An integer column of the graph and the entity generation it was read
/// at (see [`Graph::entity_generation`]).
pub type CachedColumn = (u64, Option<Arc<crate::store::labels::PropColumn>>);

/// An expression prepared for the scope it is evaluated in: a plain
/// variable reads its slot directly, a property of a variable reads the
/// entity's property map directly, a literal is a value; anything else
/// goes to the evaluator.
pub enum Prepared<'p> {
    /// A variable in the scope.
    Slot(usize),
    /// `var.key` for a variable in the scope (the expression is kept for
    /// values that are not nodes or relationships).
    /// The two cells cache the integer columns for nodes and for
    /// relationships.
    Prop(
        usize,
        &'p str,
        &'p Expr,
        std::cell::OnceCell<CachedColumn>,
        std::cell::OnceCell<CachedColumn>,
    ),
    /// A literal scalar.
    Lit(Value),
    /// Any other expression.
    Expr(&'p Expr),
}

impl<'p> Prepared<'p> {
    /// Prepares `e` for rows of `scope`.
    pub fn new(scope: &Scope, e: &'p Expr) -> Prepared<'p> {
        use crate::syntax::ast::{ExprKind, Literal};
        match &e.kind {
            ExprKind::Variable(name) => {
                if let Some(slot) = scope.slot(name) {
                    return Prepared::Slot(slot);
                }
            }
            ExprKind::Property(target, key) => {
                if let ExprKind::Variable(name) = &target.kind {
                    if let Some(slot) = scope.slot(name) {
                        return Prepared::Prop(
                            slot,
                            &key.name,
                            e,
                            std::cell::OnceCell::new(),
                            std::cell::OnceCell::new(),
                        );
                    }
                }
            }
            ExprKind::Literal(lit) => {
                return Prepared::Lit(match lit {
                    Literal::Null => Value::Null,
                    Literal::Bool(b) => Value::Bool(*b),
                    Literal::Int(i) => Value::Int(*i),
                    Literal::Float(f) => Value::Float(*f),
                    Literal::String(s) => Value::String(s.clone()),
                })
            }
            _ => {}
        }
        Prepared::Expr(e)
    }

    /// The value for `row`.
    pub fn eval(&self, ctx: &Ctx<'_>, scope: &Scope, row: &[Value]) -> Result<Value> {
        Ok(self.eval_ref(ctx, scope, row)?.into_owned())
    }

    /// For `var.key` on a node or relationship of a large read-only graph
    /// whose property `key` only ever holds integers: `Some(value)`, read
    /// from the dense column (`Some(None)` when it lacks the property).
    /// `None` otherwise, including for one that no longer exists (the
    /// general path then reports it).
    pub fn prop_int(&self, ctx: &Ctx<'_>, row: &[Value]) -> Option<Option<i64>> {
        let Prepared::Prop(s, ..) = self else {
            return None;
        };
        match row.get(*s) {
            Some(Value::Node(id)) => match self.int_column(ctx)?.get(*id) {
                Some(v) => Some(Some(v)),
                None if ctx.graph().contains_entity(*id) => Some(None),
                None => None,
            },
            Some(Value::Relationship(id)) => match self.rel_int_column(ctx)?.at(id.0 as usize) {
                Some(v) => Some(Some(v)),
                None if ctx.graph().contains_relation(*id) => Some(None),
                None => None,
            },
            _ => None,
        }
    }

    /// For `var.key` on relationships: the graph's integer column of
    /// relationship property `key`, on large read-only graphs when the
    /// property only ever holds integers; `None` once relations changed
    /// since the column was read.
    pub fn rel_int_column(&self, ctx: &Ctx<'_>) -> Option<&Arc<crate::store::labels::PropColumn>> {
        let Prepared::Prop(_, key, _, _, column) = self else {
            return None;
        };
        let g = ctx.graph();
        let (generation, column) = column.get_or_init(|| {
            let column = ctx.adjacency().and_then(|_| g.rel_prop_column(key));
            (g.relation_generation(), column)
        });
        if *generation != g.relation_generation() {
            return None;
        }
        column.as_ref()
    }

    /// For `var.key`: the graph's integer column of `key`, on large
    /// read-only graphs when the property only ever holds integers; `None`
    /// once the entities changed since the column was read.
    pub fn int_column(&self, ctx: &Ctx<'_>) -> Option<&Arc<crate::store::labels::PropColumn>> {
        let Prepared::Prop(_, key, _, column, _) = self else {
            return None;
        };
        let g = ctx.graph();
        let (generation, column) = column.get_or_init(|| {
            let column = ctx.adjacency().and_then(|_| g.prop_column(key));
            (g.entity_generation(), column)
        });
        if *generation != g.entity_generation() {
            return None;
        }
        column.as_ref()
    }

    /// The value for `row`, borrowed from the row or the graph when it can be.
    pub fn eval_ref<'a>(
        &'a self,
        ctx: &'a Ctx<'_>,
        scope: &Scope,
        row: &'a [Value],
    ) -> Result<std::borrow::Cow<'a, Value>> {
        use std::borrow::Cow;
        match self {
            Prepared::Slot(s) => Ok(row.get(*s).map_or(Cow::Owned(Value::Null), Cow::Borrowed)),
            Prepared::Prop(s, key, e, ..) => {
                if let Some(v) = self.prop_int(ctx, row) {
                    return Ok(Cow::Owned(v.map_or(Value::Null, Value::Int)));
                }
                let stored = match row.get(*s) {
                    Some(Value::Node(id)) => ctx.graph().entity(*id).map(|n| &n.props),
                    Some(Value::Relationship(id)) => ctx.graph().relation(*id).map(|r| &r.props),
                    _ => None,
                };
                match stored.and_then(|props| props.get(key)) {
                    Some(v) => Ok(Cow::Borrowed(v)),
                    None => Ok(Cow::Owned(ctx.eval(scope, row, e)?)),
                }
            }
            Prepared::Lit(v) => Ok(Cow::Borrowed(v)),
            Prepared::Expr(e) => Ok(Cow::Owned(ctx.eval(scope, row, e)?)),
        }
    }
}

/// The environment expressions see: a row and its scope.
pub struct RowEnv<'a, 'g> {
    ctx: &'a Ctx<'g>,
    scope: &'a Scope,
    row: &'a [Value],
}

impl Env for RowEnv<'_, '_> {
    fn graph(&self) -> &Graph {
        self.ctx.graph()
    }

    fn params(&self) -> &Params {
        self.ctx.params
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        self.scope.slot(name).and_then(|s| self.row.get(s))
    }

    fn match_pattern(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        scope: &dyn Env,
    ) -> Result<Vec<Vec<(String, Value)>>> {
        self.match_pattern_where(pattern, path_variable, None, scope)
    }

    fn match_pattern_where(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        predicate: Option<&Expr>,
        scope: &dyn Env,
    ) -> Result<Vec<Vec<(String, Value)>>> {
        let (plan, arg_scope, arg_row) =
            self.pattern_plan(pattern, path_variable, predicate, scope)?;
        let mut sub = self.ctx.sub();
        let mut op = build(&plan, Some(&arg_row), None);
        let new: Vec<(String, usize)> = plan
            .scope
            .visible()
            .filter(|(n, _)| !arg_scope.contains(n))
            .map(|(n, s)| (n.to_string(), s))
            .collect();
        let mut out = Vec::new();
        let mut bytes = 0u64;
        while let Some(row) = op.next(&mut sub)? {
            self.ctx.guard.check()?;
            bytes = bytes.saturating_add(crate::limits::row_size(&row));
            self.ctx.guard.fits(bytes)?;
            out.push(
                new.iter()
                    .map(|(n, s)| (n.clone(), row.get(*s).cloned().unwrap_or(Value::Null)))
                    .collect(),
            );
        }
        Ok(out)
    }

    fn count_pattern(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        predicate: Option<&Expr>,
        scope: &dyn Env,
    ) -> Result<usize> {
        let (plan, _, arg_row) = self.pattern_plan(pattern, path_variable, predicate, scope)?;
        let mut sub = self.ctx.sub();
        let mut op = build(&plan, Some(&arg_row), None);
        let mut n = 0;
        while op.next(&mut sub)?.is_some() {
            self.ctx.guard.check()?;
            n += 1;
        }
        Ok(n)
    }

    fn pattern_exists(&self, pattern: &PatternElement, scope: &dyn Env) -> Result<bool> {
        let (plan, _, arg_row) = self.pattern_plan(pattern, None, None, scope)?;
        let mut sub = self.ctx.sub();
        let mut op = build(&plan, Some(&arg_row), None);
        Ok(op.next(&mut sub)?.is_some())
    }

    fn exists(&self, body: &ExistsBody, scope: &dyn Env) -> Result<bool> {
        let mut names = BTreeSet::new();
        match body {
            ExistsBody::Pattern(p, w) => {
                for part in &p.parts {
                    element_vars(&part.element, &mut names);
                }
                if let Some(w) = w {
                    free_vars(w, &mut names);
                }
            }
            ExistsBody::Query(q) => query_vars(q, &mut names),
        }
        let (arg_scope, arg_row) = bindings(&names, scope);
        let span = match body {
            ExistsBody::Pattern(p, _) => p.span,
            ExistsBody::Query(q) => q.span,
        };
        let key = (
            1,
            span,
            None,
            arg_scope.vars().map(|(n, _)| n.to_string()).collect(),
        );
        let plan = self.ctx.plan(key, || {
            let labels = node_labels(self.ctx.graph(), &arg_scope, &arg_row);
            let plan = crate::plan::build::build_exists(
                self.ctx.graph(),
                &arg_scope,
                labels,
                body,
                !self.ctx.is_plain(),
            )?;
            Ok(self.ctx.optimize_subplan(plan))
        })?;
        let mut sub = self.ctx.sub();
        let mut op = build(&plan, Some(&arg_row), None);
        Ok(op.next(&mut sub)?.is_some())
    }

    fn deleted_relation(&self, id: RelationId) -> Option<&Relation> {
        self.ctx.deleted.get(&id)
    }

    fn guard(&self) -> Option<&Guard> {
        Some(self.ctx.guard)
    }
}

impl RowEnv<'_, '_> {
    /// The plan matching `pattern` (and `predicate`) from the bindings seen
    /// through `scope`, with those bindings as a scope and a row. Plans are
    /// cached per pattern and set of bound names, and optimized unless the
    /// statement runs plain.
    fn pattern_plan(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        predicate: Option<&Expr>,
        scope: &dyn Env,
    ) -> Result<(Rc<Plan>, Scope, Row)> {
        let mut names = BTreeSet::new();
        element_vars(pattern, &mut names);
        if let Some(p) = predicate {
            free_vars(p, &mut names);
        }
        let (arg_scope, arg_row) = bindings(&names, scope);
        let key = (
            if predicate.is_some() { 2 } else { 0 },
            pattern.span,
            path_variable.map(str::to_string),
            arg_scope.vars().map(|(n, _)| n.to_string()).collect(),
        );
        let plan = self.ctx.plan(key, || {
            let labels = node_labels(self.ctx.graph(), &arg_scope, &arg_row);
            let plan = crate::plan::build::build_pattern(
                self.ctx.graph(),
                &arg_scope,
                labels,
                pattern,
                path_variable,
                predicate,
                !self.ctx.is_plain(),
            )?;
            Ok(self.ctx.optimize_subplan(plan))
        })?;
        Ok((plan, arg_scope, arg_row))
    }
}

/// The labels of the nodes in `row` (of `scope`), by variable: a subquery
/// is planned when first needed, with the labels of the nodes it is handed
/// then guiding its estimates.
fn node_labels(graph: &Graph, scope: &Scope, row: &[Value]) -> HashMap<String, Vec<String>> {
    scope
        .vars()
        .filter_map(|(n, s)| match row.get(s) {
            Some(Value::Node(id)) => graph.entity(*id).map(|e| (n.to_string(), e.labels.clone())),
            _ => None,
        })
        .collect()
}

/// The variables among `names` that `scope` binds, as a scope and a row.
fn bindings(names: &BTreeSet<String>, scope: &dyn Env) -> (Scope, Row) {
    let mut s = Scope::new();
    let mut row = Vec::new();
    for n in names {
        if let Some(v) = scope.lookup(n) {
            s.push(n);
            row.push(v.clone());
        }
    }
    (s, row)
}

/// Turns a store refusal into a runtime error.
pub fn store_error(e: StoreError, span: Option<Span>) -> Error {
    let err = match &e {
        StoreError::NoEntity(_) | StoreError::NoRelation(_) => Error::runtime(
            ErrorKind::EntityNotFound,
            "DeletedEntityAccess",
            format!("{e} (it was deleted)"),
        ),
        StoreError::DuplicateKey(_) => {
            Error::runtime(ErrorKind::Constraint, "DuplicateKey", e.to_string())
        }
        StoreError::HasRelations(id, n) => Error::runtime(
            ErrorKind::Constraint,
            "DeleteConnectedNode",
            format!("cannot delete node {id}: it still has {n} relationship(s)"),
        )
        .with_help("use DETACH DELETE to delete a node with its relationships"),
        StoreError::NotStorable(..) => {
            Error::runtime(ErrorKind::Type, "InvalidPropertyType", e.to_string())
        }
        StoreError::IndexNameTaken(_) | StoreError::IndexExists(..) => {
            Error::runtime(ErrorKind::Constraint, "IndexAlreadyExists", e.to_string())
        }
        StoreError::NoIndex(_) => {
            Error::runtime(ErrorKind::Constraint, "IndexDropFailed", e.to_string())
        }
    };
    match span {
        Some(s) => err.at(s),
        None => err,
    }
}

/// The single-hop expansion of `spec` over `input`, testing its filter
/// (which reads rows of `hop_scope`) on each candidate.
fn single_hop<'p>(
    input: BoxOp<'p>,
    input_scope: &'p Scope,
    spec: &'p crate::plan::Expand,
    hop_scope: &'p Scope,
) -> expand::ExpandOp<'p> {
    let op = expand::ExpandOp::new(input, input_scope, spec);
    match &spec.filter {
        Some(predicate) => op.filtered(rows::Predicate::new(hop_scope, predicate)),
        None => op,
    }
}

/// Builds the operator tree for `plan`. `arg` is the row `Argument` leaves
/// produce; `profile` collects per-operator figures.
pub fn build<'p>(
    plan: &'p Plan,
    arg: Option<&[Value]>,
    profile: Option<&Rc<RefCell<Vec<OpFigures>>>>,
) -> BoxOp<'p> {
    // One frame per operator: deep plans move to a fresh stack segment.
    crate::syntax::with_stack(|| build_here(plan, arg, profile))
}

fn build_here<'p>(
    plan: &'p Plan,
    arg: Option<&[Value]>,
    profile: Option<&Rc<RefCell<Vec<OpFigures>>>>,
) -> BoxOp<'p> {
    let child = |p: &'p Plan| build(p, arg, profile);
    let op: BoxOp<'p> = match &plan.op {
        Op::Unit => Box::new(scan::Once::new(Vec::new())),
        Op::Argument => Box::new(scan::Once::new(
            arg.map(<[Value]>::to_vec).unwrap_or_default(),
        )),
        Op::AllNodes {
            input, slot, check, ..
        } => Box::new(scan::NodeScan::all(
            child(input),
            &input.scope,
            *slot,
            check,
        )),
        Op::LabelScan {
            input,
            slot,
            label,
            check,
            ..
        } => Box::new(scan::NodeScan::label(
            child(input),
            &input.scope,
            *slot,
            label,
            check,
        )),
        Op::NodeSeek {
            input,
            slot,
            seek,
            check,
            ..
        } => Box::new(scan::NodeScan::seek(
            child(input),
            &input.scope,
            *slot,
            seek,
            check,
        )),
        Op::NodeIndexSeek {
            input,
            slot,
            seek,
            check,
            ..
        } => Box::new(scan::NodeScan::index_seek(
            child(input),
            &input.scope,
            *slot,
            seek,
            check,
        )),
        Op::RelIndexSeek { input, spec } => Box::new(index_seek::RelIndexSeekOp::new(
            child(input),
            &input.scope,
            spec,
        )),
        Op::CheckNode {
            input, slot, check, ..
        } => Box::new(scan::CheckNode::new(
            child(input),
            &input.scope,
            *slot,
            check,
        )),
        Op::Expand { input, spec } => match spec.var {
            None => Box::new(single_hop(child(input), &input.scope, spec, &plan.scope)),
            Some(v) if v.bfs => Box::new(expand::BfsExpand::new(child(input), &input.scope, spec)),
            Some(_) => Box::new(expand::VarExpand::new(child(input), &input.scope, spec)),
        },
        Op::ExpandIntersect {
            input,
            first,
            first_scope,
            closing,
        } => Box::new(intersect::IntersectOp::new(
            child(input),
            &input.scope,
            first,
            first_scope,
            closing,
            &plan.scope,
        )),
        Op::ShortestPath { input, spec } => {
            Box::new(expand::ShortestOp::new(child(input), &input.scope, spec))
        }
        Op::BuildPath {
            input,
            slot,
            start,
            steps,
            ..
        } => Box::new(expand::BuildPathOp::new(child(input), *slot, *start, steps)),
        Op::Filter { input, predicate } => {
            Box::new(rows::FilterOp::new(child(input), &input.scope, predicate))
        }
        Op::Optional { input, inner } => {
            Box::new(rows::OptionalOp::new(child(input), inner, profile.cloned()))
        }
        Op::Project { input, items } => Box::new(rows::ProjectOp::new(
            child(input),
            &input.scope,
            items,
            false,
        )),
        Op::Extend { input, items } => Box::new(rows::ProjectOp::new(
            child(input),
            &input.scope,
            items,
            true,
        )),
        Op::Select { input, slots } => Box::new(rows::SelectOp::new(child(input), slots)),
        Op::Aggregate { input, keys, aggs } => Box::new(aggregate::AggregateOp::new(
            child(input),
            &input.scope,
            keys,
            aggs,
        )),
        Op::CountLabel { label, .. } => Box::new(aggregate::CountLabelOp::new(
            label,
            plan.scope.width().saturating_sub(1),
        )),
        Op::CountExpandRows {
            input,
            spec,
            hop_scope,
        } => Box::new(count::CountRowsOp::new(
            single_hop(child(input), &input.scope, spec, hop_scope),
            plan.scope.width().saturating_sub(1),
        )),
        Op::GroupCountExpand {
            input,
            spec,
            hop_scope,
            keys,
            counted,
            ..
        } => Box::new(count::GroupCountOp::new(
            single_hop(child(input), &input.scope, spec, hop_scope),
            hop_scope,
            keys,
            counted.clone(),
            spec.dedupe.is_some(),
        )),
        Op::CountDistinctEnds {
            input,
            spec,
            exclude_start,
        } => Box::new(count::CountEndsOp::new(
            child(input),
            &input.scope,
            spec,
            *exclude_start,
            plan.scope.width().saturating_sub(1),
        )),
        Op::Distinct { input, slots } => Box::new(rows::DistinctOp::new(child(input), slots)),
        Op::Sort { input, keys } => Box::new(rows::SortOp::new(child(input), &plan.scope, keys)),
        Op::TopK {
            input,
            keys,
            skip,
            limit,
        } => Box::new(rows::TopKOp::new(
            child(input),
            &plan.scope,
            keys,
            skip.as_ref(),
            limit,
        )),
        Op::Skip { input, count } => Box::new(rows::SkipOp::new(child(input), &input.scope, count)),
        Op::Limit {
            input,
            count,
            drain,
        } => Box::new(rows::LimitOp::new(
            child(input),
            &input.scope,
            count,
            *drain,
        )),
        Op::Unwind { input, expr, .. } => {
            Box::new(rows::UnwindOp::new(child(input), &input.scope, expr))
        }
        Op::Union { parts, all } => {
            Box::new(rows::UnionOp::new(parts.iter().map(child).collect(), *all))
        }
        Op::Eager { input } => Box::new(rows::EagerOp::new(child(input))),
        Op::Create { input, items } => {
            Box::new(write::CreateOp::new(child(input), &plan.scope, items))
        }
        Op::Merge {
            input,
            matcher,
            create,
            not_null,
            on_create,
            on_match,
        } => Box::new(write::MergeOp::new(
            child(input),
            &input.scope,
            matcher,
            write::MergeSpec {
                create,
                not_null,
                on_create,
                on_match,
            },
            profile.cloned(),
        )),
        Op::Set { input, ops } => Box::new(write::SetOpExec::new(child(input), &input.scope, ops)),
        Op::Delete {
            input,
            exprs,
            detach,
        } => Box::new(write::DeleteOp::new(
            child(input),
            &input.scope,
            exprs,
            *detach,
        )),
        Op::Call {
            input,
            procedure,
            yields,
        } => Box::new(call::CallOp::new(child(input), *procedure, yields)),
    };
    match profile {
        Some(p) => Box::new(Profiled {
            inner: op,
            id: plan.id,
            figures: Rc::clone(p),
        }),
        None => op,
    }
}

/// Counts rows and time of the operator it wraps (PROFILE).
struct Profiled<'p> {
    inner: BoxOp<'p>,
    id: usize,
    figures: Rc<RefCell<Vec<OpFigures>>>,
}

impl Operator for Profiled<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        let start = Instant::now();
        let r = self.inner.next(ctx);
        let spent = start.elapsed();
        if let Some(f) = self.figures.borrow_mut().get_mut(self.id) {
            f.time += spent;
            if matches!(r, Ok(Some(_))) {
                f.rows += 1;
            }
        }
        r
    }
}

/// Runs a plan to the end, collecting its rows.
pub fn collect(plan: &Plan, ctx: &mut Ctx<'_>) -> Result<Vec<Row>> {
    run(plan, ctx, true)
}

/// Runs a plan to the end; keeps its rows only when `keep` (a statement
/// without RETURN runs for its effects).
pub fn run(plan: &Plan, ctx: &mut Ctx<'_>, keep: bool) -> Result<Vec<Row>> {
    let profile = ctx.profile.clone();
    let mut op = build(plan, None, profile.as_ref());
    let mut out = Vec::new();
    while let Some(row) = op.next(ctx)? {
        ctx.guard.check()?;
        if keep {
            ctx.guard.charge(crate::limits::row_size(&row))?;
            out.push(row);
        }
    }
    Ok(out)
}
