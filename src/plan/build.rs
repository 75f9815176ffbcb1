//! AST → logical plan.
//!
//! Each clause becomes a few operators on top of the plan so far. MATCH
//! patterns are first collected into a small pattern graph ([`PGraph`]: named
//! nodes merged, anonymous ones named by the planner), then placed one
//! element at a time: expand along a relationship with a bound end when
//! there is one, else start a new component at its most selective anchor
//! (key or alias index, a seek through a declared property index, the
//! smallest label, all nodes; or a relationship found through a declared
//! index when that is expected to produce fewer rows). WHERE is
//! split into conjuncts, each placed right after the operator that binds
//! the last variable it reads.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use super::explain::{arrow, expr_text, name_text, node_text};
use super::expr::{conjuncts, contains_aggregate, free_vars, is_aggregate_call, rewrite, var};
use super::{
    AggCall, CreateItem, Dir, Expand, NodeCheck, Op, PathStep, Plan, Procedure, PropSpec,
    QueryPlan, RelRef, RelRefs, Scope, Seek, SetOp, Shortest, TypeSet, VarLength, HIDDEN,
};
use crate::error::{Error, ErrorKind, Phase, Result, Span};
use crate::store::Graph;
use crate::syntax::ast::{
    Call, ClauseKind, Direction, ExistsBody, Expr, ExprKind, Ident, NodePattern, PathKind, Pattern,
    PatternElement, PatternPart, Projection, Query, RelPattern, RemoveItem, SetItem, SingleQuery,
    Statement,
};

/// Plans a checked statement against the graph (whose label counts guide
/// the choice of anchors). The plan is not yet optimized: see
/// [`super::optimize::optimize`].
pub fn build(statement: &Statement, graph: &Graph) -> Result<QueryPlan> {
    build_with(statement, graph, true)
}

/// [`build`], with or without seeks through declared property indexes
/// (`kg --no-optimize` plans without them: see [`super::index_seek`]).
pub fn build_with(statement: &Statement, graph: &Graph, indexes: bool) -> Result<QueryPlan> {
    let mut b = Builder::new(graph);
    b.indexes = indexes;
    let (mut root, columns, returns) = b.query(&statement.query, None)?;
    root.renumber();
    Ok(QueryPlan {
        root,
        columns,
        returns,
        first_write: first_write(&statement.query),
    })
}

/// Plans the match of one pattern element from rows of `scope` (for pattern
/// predicates and comprehensions): the plan starts from `Argument`, and binds
/// every variable of the pattern (and `path_var`) not already in `scope`.
/// `known_labels` (the labels of nodes the rows hold) guide estimates;
/// `where_` (a comprehension's predicate) is planned into the match.
pub fn build_pattern(
    graph: &Graph,
    scope: &Scope,
    known_labels: HashMap<String, Vec<String>>,
    element: &PatternElement,
    path_var: Option<&str>,
    where_: Option<&Expr>,
    indexes: bool,
) -> Result<Plan> {
    let mut b = Builder::new(graph);
    b.known_labels = known_labels;
    b.indexes = indexes;
    let part = PatternPart {
        variable: path_var.map(|n| Ident {
            name: n.to_string(),
            span: element.span,
        }),
        kind: PathKind::Normal,
        element: element.clone(),
        span: element.span,
    };
    let g = b.collect(std::slice::from_ref(&part))?;
    let arg = leaf(Op::Argument, scope.clone());
    let mut plan = b.match_graph(arg, &g, where_)?;
    plan.renumber();
    Ok(plan)
}

/// Plans `EXISTS { ... }` from rows of `scope`: the plan starts from
/// `Argument`; the subquery holds when it produces a row. `known_labels`
/// as for [`build_pattern`]; `indexes`: anchors may be index seeks.
pub fn build_exists(
    graph: &Graph,
    scope: &Scope,
    known_labels: HashMap<String, Vec<String>>,
    body: &ExistsBody,
    indexes: bool,
) -> Result<Plan> {
    let mut b = Builder::new(graph);
    b.known_labels = known_labels;
    b.indexes = indexes;
    let mut plan = match body {
        ExistsBody::Pattern(p, where_) => {
            let g = b.collect(&p.parts)?;
            let arg = leaf(Op::Argument, scope.clone());
            b.match_graph(arg, &g, where_.as_deref())?
        }
        ExistsBody::Query(q) => b.query(q, Some(scope))?.0,
    };
    plan.renumber();
    Ok(plan)
}

fn first_write(q: &Query) -> Option<Span> {
    std::iter::once(&q.first)
        .chain(q.unions.iter().map(|(_, s)| s))
        .flat_map(|s| s.clauses.iter())
        .find(|c| {
            matches!(
                c.kind,
                ClauseKind::Create(_)
                    | ClauseKind::Merge(_)
                    | ClauseKind::Set(_)
                    | ClauseKind::Remove(_)
                    | ClauseKind::Delete(_)
            )
        })
        .map(|c| c.span)
}

fn leaf(op: Op, scope: Scope) -> Plan {
    Plan { op, scope, id: 0 }
}

fn wrap(op: Op, scope: Scope) -> Plan {
    Plan { op, scope, id: 0 }
}

fn syntax(code: &'static str, message: impl Into<String>, span: Span) -> Error {
    Error::syntax(code, message, span)
}

/// A node of a pattern graph: every occurrence of a named node merged.
#[derive(Debug, Clone)]
pub(crate) struct PNode {
    pub name: String,
    pub check: NodeCheck,
    /// The first occurrence's properties (for CREATE / MERGE).
    pub props: Option<Expr>,
    pub text: String,
    pub span: Span,
}

/// A relationship of a pattern graph, between two of its nodes.
#[derive(Debug, Clone)]
pub(crate) struct PRel {
    pub name: String,
    pub left: usize,
    pub right: usize,
    /// Direction from `left` to `right`.
    pub dir: Dir,
    pub types: Vec<String>,
    pub props: Vec<PropSpec>,
    pub props_expr: Option<Expr>,
    pub length: Option<(u64, Option<u64>)>,
    pub part: usize,
    pub span: Span,
    pub text: String,
}

/// One pattern part: a path through the pattern graph.
#[derive(Debug, Clone)]
pub(crate) struct PPart {
    pub var: Option<String>,
    pub kind: PathKind,
    pub start: usize,
    pub steps: Vec<(usize, usize)>,
    pub span: Span,
}

/// A pattern as a graph of named nodes and relationships.
#[derive(Debug, Clone, Default)]
pub(crate) struct PGraph {
    pub nodes: Vec<PNode>,
    pub rels: Vec<PRel>,
    pub parts: Vec<PPart>,
    /// The index in `nodes` of each node name.
    pub by_name: HashMap<String, usize>,
}

impl PGraph {
    /// The index of the node called `name`.
    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

fn prop_specs(e: &Option<Expr>) -> Vec<PropSpec> {
    match e {
        None => vec![],
        Some(Expr {
            kind: ExprKind::Map(entries),
            ..
        }) => entries
            .iter()
            .map(|(k, v)| PropSpec::Key(k.name.clone(), v.clone()))
            .collect(),
        Some(e) => vec![PropSpec::Map(e.clone())],
    }
}

fn dir_of(d: Direction) -> Dir {
    match d {
        Direction::Outgoing => Dir::Out,
        Direction::Incoming => Dir::In,
        Direction::Both => Dir::Both,
    }
}

/// The display name of a pattern variable ("" for invented ones).
fn shown(name: &str) -> String {
    if super::is_hidden(name) {
        String::new()
    } else {
        name_text(name)
    }
}

pub(crate) struct Builder<'g> {
    graph: &'g Graph,
    hidden: usize,
    /// The labels a node variable is known to carry from where it was
    /// matched (an earlier clause, or the row a subquery is handed): for
    /// estimates only, never for what a pattern matches.
    known_labels: HashMap<String, Vec<String>>,
    /// Whether anchors may be seeks through declared property indexes.
    indexes: bool,
}

impl<'g> Builder<'g> {
    pub(crate) fn new(graph: &'g Graph) -> Builder<'g> {
        Builder {
            graph,
            hidden: 0,
            known_labels: HashMap::new(),
            indexes: true,
        }
    }

    /// The labels that count for `n` in estimates: its own, else those it
    /// is known to carry.
    fn labels_of<'a>(&'a self, n: &'a PNode) -> &'a [String] {
        if n.check.labels.is_empty() {
            self.known_labels.get(&n.name).map_or(&[], Vec::as_slice)
        } else {
            &n.check.labels
        }
    }

    /// Keeps the known labels of the variables a projection passes on
    /// (under their new names), and forgets the rest.
    fn project_labels(&mut self, p: &Projection) {
        if p.star {
            return;
        }
        let mut kept = HashMap::new();
        for item in &p.items {
            if let ExprKind::Variable(v) = &item.expr.kind {
                if let Some(l) = self.known_labels.get(v) {
                    kept.insert(item.column_name().to_string(), l.clone());
                }
            }
        }
        self.known_labels = kept;
    }

    fn hidden(&mut self, what: &str) -> String {
        self.hidden += 1;
        format!("{HIDDEN}{what}{}", self.hidden)
    }

    // ----- queries ------------------------------------------------------

    /// Plans a query; `arg` is the scope of the enclosing row for subqueries.
    fn query(&mut self, q: &Query, arg: Option<&Scope>) -> Result<(Plan, Vec<String>, bool)> {
        let start = |arg: Option<&Scope>| match arg {
            Some(s) => leaf(Op::Argument, s.clone()),
            None => leaf(Op::Unit, Scope::new()),
        };
        let (first, columns, returns) = self.single(&q.first, start(arg))?;
        if q.unions.is_empty() {
            return Ok((first, columns, returns));
        }
        let mut parts = vec![first];
        let mut all = true;
        for (is_all, sq) in &q.unions {
            let (p, cols, _) = self.single(sq, start(arg))?;
            if cols != columns {
                return Err(syntax(
                    "DifferentColumnsInUnion",
                    "all queries in a UNION must return the same column names",
                    sq.span,
                ));
            }
            all &= *is_all;
            parts.push(p);
        }
        let mut scope = Scope::new();
        for c in &columns {
            scope.push(c);
        }
        Ok((wrap(Op::Union { parts, all }, scope), columns, returns))
    }

    fn single(&mut self, sq: &SingleQuery, input: Plan) -> Result<(Plan, Vec<String>, bool)> {
        let mut plan = input;
        let mut wrote = false;
        let mut columns = Vec::new();
        let mut returns = false;
        let n = sq.clauses.len();
        for clause in &sq.clauses {
            plan = match &clause.kind {
                ClauseKind::Match(m) => {
                    let g = self.collect(&m.pattern.parts)?;
                    if m.optional {
                        let arg = leaf(Op::Argument, plan.scope.clone());
                        let inner = self.match_graph(arg, &g, m.where_.as_ref())?;
                        let scope = inner.scope.clone();
                        wrap(
                            Op::Optional {
                                input: Box::new(plan),
                                inner: Box::new(inner),
                            },
                            scope,
                        )
                    } else {
                        self.match_graph(plan, &g, m.where_.as_ref())?
                    }
                }
                ClauseKind::Unwind(u) => {
                    let mut scope = plan.scope.clone();
                    let slot = scope.push(&u.variable.name);
                    wrap(
                        Op::Unwind {
                            input: Box::new(plan),
                            expr: u.expr.clone(),
                            slot,
                        },
                        scope,
                    )
                }
                ClauseKind::With(p) => {
                    self.project_labels(p);
                    self.projection(plan, p, false, wrote, clause.span)?.0
                }
                ClauseKind::Return(p) => {
                    let (pl, cols) = self.projection(plan, p, true, wrote, clause.span)?;
                    columns = cols;
                    returns = true;
                    pl
                }
                ClauseKind::Create(pattern) => {
                    wrote = true;
                    self.create(plan, pattern)?
                }
                ClauseKind::Merge(m) => {
                    wrote = true;
                    self.merge(plan, m)?
                }
                ClauseKind::Set(items) => {
                    wrote = true;
                    let ops = items
                        .iter()
                        .map(|it| set_op(it, &plan.scope))
                        .collect::<Result<Vec<_>>>()?;
                    let scope = plan.scope.clone();
                    wrap(
                        Op::Set {
                            input: Box::new(plan),
                            ops,
                        },
                        scope,
                    )
                }
                ClauseKind::Remove(items) => {
                    wrote = true;
                    let ops = items
                        .iter()
                        .map(|it| remove_op(it, &plan.scope))
                        .collect::<Result<Vec<_>>>()?;
                    let scope = plan.scope.clone();
                    wrap(
                        Op::Set {
                            input: Box::new(plan),
                            ops,
                        },
                        scope,
                    )
                }
                ClauseKind::Delete(d) => {
                    wrote = true;
                    let scope = plan.scope.clone();
                    wrap(
                        Op::Delete {
                            input: Box::new(plan),
                            exprs: d.exprs.clone(),
                            detach: d.detach,
                        },
                        scope,
                    )
                }
                ClauseKind::Call(c) => {
                    let standalone = n == 1;
                    let (pl, cols) = self.call(plan, c, standalone, clause.span)?;
                    if standalone {
                        columns = cols;
                        returns = true;
                    }
                    pl
                }
            };
        }
        Ok((plan, columns, returns))
    }

    // ----- patterns -----------------------------------------------------

    /// Collects pattern parts into a pattern graph.
    pub(crate) fn collect(&mut self, parts: &[PatternPart]) -> Result<PGraph> {
        let mut g = PGraph::default();
        for (pi, part) in parts.iter().enumerate() {
            let start = self.node(&mut g, &part.element.start);
            let mut steps = Vec::new();
            let mut left = start;
            for (r, n) in &part.element.chain {
                let right = self.node(&mut g, n);
                let ri = self.rel(&mut g, r, left, right, pi);
                steps.push((ri, right));
                left = right;
            }
            g.parts.push(PPart {
                var: part.variable.as_ref().map(|v| v.name.clone()),
                kind: part.kind,
                start,
                steps,
                span: part.span,
            });
        }
        Ok(g)
    }

    fn node(&mut self, g: &mut PGraph, n: &NodePattern) -> usize {
        let labels: Vec<String> = n.labels.iter().map(|l| l.name.clone()).collect();
        let props = prop_specs(&n.properties);
        if let Some(v) = &n.variable {
            if let Some(i) = g.node_index(&v.name) {
                let node = &mut g.nodes[i];
                for l in labels {
                    if !node.check.labels.contains(&l) {
                        node.check.labels.push(l);
                    }
                }
                node.check.props.extend(props);
                if node.props.is_none() {
                    node.props = n.properties.clone();
                }
                return i;
            }
        }
        let name = match &n.variable {
            Some(v) => v.name.clone(),
            None => self.hidden("node"),
        };
        g.by_name.insert(name.clone(), g.nodes.len());
        g.nodes.push(PNode {
            name,
            check: NodeCheck { labels, props },
            props: n.properties.clone(),
            text: node_text(n),
            span: n.span,
        });
        g.nodes.len() - 1
    }

    fn rel(
        &mut self,
        g: &mut PGraph,
        r: &RelPattern,
        left: usize,
        right: usize,
        part: usize,
    ) -> usize {
        let name = match &r.variable {
            Some(v) => v.name.clone(),
            None => self.hidden("rel"),
        };
        let mut inner = shown(&name);
        for (i, t) in r.types.iter().enumerate() {
            inner.push(if i == 0 { ':' } else { '|' });
            inner.push_str(&name_text(&t.name));
        }
        if let Some(len) = r.length {
            inner.push('*');
            match (len.min, len.max) {
                (None, None) => {}
                (a, b) => {
                    inner.push_str(&a.map(|x| x.to_string()).unwrap_or_default());
                    if a != b || a.is_none() {
                        inner.push_str("..");
                        inner.push_str(&b.map(|x| x.to_string()).unwrap_or_default());
                    }
                }
            }
        }
        g.rels.push(PRel {
            name,
            left,
            right,
            dir: dir_of(r.direction),
            types: r.types.iter().map(|t| t.name.clone()).collect(),
            props: prop_specs(&r.properties),
            props_expr: r.properties.clone(),
            length: r.length.map(|l| (l.min.unwrap_or(1), l.max)),
            part,
            span: r.span,
            text: inner,
        });
        g.rels.len() - 1
    }

    /// Plans the match of a pattern graph on top of `input`, with the WHERE
    /// conjuncts pushed down.
    pub(crate) fn match_graph(
        &mut self,
        input: Plan,
        g: &PGraph,
        where_: Option<&Expr>,
    ) -> Result<Plan> {
        let mut m = Matcher {
            scope: input.scope.clone(),
            plan: input,
            views: Vec::new(),
            bound: HashSet::new(),
            pending: Vec::new(),
            unique: Vec::new(),
        };
        m.bound = m.scope.vars().map(|(n, _)| n.to_string()).collect();
        let mut universe: HashSet<String> = m.bound.clone();
        universe.extend(g.nodes.iter().map(|n| n.name.clone()));
        universe.extend(g.rels.iter().map(|r| r.name.clone()));
        universe.extend(g.parts.iter().filter_map(|p| p.var.clone()));
        let mut g = g.clone();
        let g = &mut g;
        if let Some(w) = where_ {
            for c in conjuncts(w) {
                // `n.k = value` and `n:Label` on a node this MATCH binds
                // become part of the node pattern (so they can pick the
                // anchor: label scans, name seeks).
                if absorb(&c, g, &m.bound) {
                    continue;
                }
                let mut fv = BTreeSet::new();
                free_vars(&c, &mut fv);
                let needs: BTreeSet<String> = if fv.iter().any(|v| super::is_hidden(v)) {
                    universe.iter().cloned().collect()
                } else {
                    fv.into_iter().filter(|v| universe.contains(v)).collect()
                };
                m.pending.push((c, needs));
            }
        }
        // Constraints on nodes bound by earlier clauses.
        for n in &g.nodes {
            if m.bound.contains(&n.name) && !n.check.is_empty() {
                let slot = m.slot(&n.name)?;
                m.push(|input| Op::CheckNode {
                    input,
                    slot,
                    check: n.check.clone(),
                    text: n.text.clone(),
                });
            }
        }
        m.place_filters();
        // Relationships bound by earlier clauses still count for uniqueness
        // only once they are matched here; nothing to do yet.
        // How much the WHERE conditions on each node alone narrow it.
        let filtered: HashMap<&str, f64> = g
            .nodes
            .iter()
            .map(|n| {
                let sel = super::estimate::filtered_by(&n.name, m.pending.iter().map(|(c, _)| c));
                (n.name.as_str(), sel)
            })
            .collect();
        let narrowed = |n: &PNode| filtered.get(n.name.as_str()).copied().unwrap_or(1.0);
        // The expected rows per bound node of each relationship, from
        // either end: the cheaper steps are taken first.
        let fan_outs: Vec<[u64; 2]> = g
            .rels
            .iter()
            .map(|r| {
                let on_rel =
                    super::estimate::filtered_by(&r.name, m.pending.iter().map(|(c, _)| c))
                        * 0.05f64.powi(r.props.len() as i32);
                let step = |from: &PNode, to: &PNode, dir: Dir| {
                    // The far node's labels count in the fan-out; its
                    // other conditions narrow.
                    let far = narrowed(to) * 0.05f64.powi(to.check.props.len() as i32);
                    let rows = super::estimate::fan_out(
                        self.graph,
                        self.labels_of(from),
                        self.labels_of(to),
                        &r.types,
                        dir,
                        on_rel * far,
                    );
                    (rows * 1000.0).ceil() as u64
                };
                let (left, right) = (&g.nodes[r.left], &g.nodes[r.right]);
                [step(left, right, r.dir), step(right, left, r.dir.reverse())]
            })
            .collect();
        let mut next = Frontier::new(g, &m.bound, fan_outs, |n| {
            self.static_anchor_cost(n, narrowed(n), &m.pending)
        });
        loop {
            // 1. A relationship with a bound end.
            if let Some(i) = next.best_rel() {
                self.expand(&mut m, g, i)?;
                next.placed(g, i, &m.bound);
                continue;
            }
            // 2. A new component: its cheapest node, or a relationship
            // found through an index when that is cheaper.
            let best = next.best_anchor(g, |n| {
                self.anchor_cost(n, &m.bound, narrowed(n), &m.pending)
            });
            if let Some(i) = self.rel_anchor(&m, g, best, |n| {
                self.anchor_cost(n, &m.bound, narrowed(n), &m.pending)
            }) {
                self.rel_index_seek(&mut m, g, i)?;
                next.placed(g, i, &m.bound);
                continue;
            }
            match best {
                Some(i) => {
                    self.anchor(&mut m, &g.nodes[i])?;
                    next.bound(g, i, &m.bound);
                }
                None => break,
            }
        }
        // Shortest paths, between ends bound by now (or anchored here).
        for part in g.parts.iter().filter(|p| p.kind != PathKind::Normal) {
            let Some(&(ri, right)) = part.steps.first() else {
                return Err(syntax(
                    "InvalidShortestPath",
                    "shortestPath needs a pattern with one relationship",
                    part.span,
                ));
            };
            if part.steps.len() != 1 {
                return Err(syntax(
                    "InvalidShortestPath",
                    "shortestPath needs a pattern with exactly one relationship",
                    part.span,
                ));
            }
            for ni in [part.start, right] {
                if !m.bound.contains(&g.nodes[ni].name) {
                    self.anchor(&mut m, &g.nodes[ni])?;
                }
            }
            let r = &g.rels[ri];
            let from = m.slot(&g.nodes[part.start].name)?;
            let to = m.slot(&g.nodes[right].name)?;
            let rel = m.bind(&r.name);
            let path_name = match &part.var {
                Some(v) => v.clone(),
                None => self.hidden("path"),
            };
            let path = m.bind(&path_name);
            let (min, max) = r.length.unwrap_or((1, Some(1)));
            let spec = Shortest {
                from,
                to,
                rel,
                path,
                dir: r.dir,
                types: r.types.clone(),
                rel_props: r.props.clone(),
                min: min.min(1),
                max,
                all: part.kind == PathKind::AllShortest,
                text: format!(
                    "({}){}({})",
                    shown(&g.nodes[part.start].name),
                    arrow(r.dir, &r.text),
                    shown(&g.nodes[right].name)
                ),
            };
            m.push(|input| Op::ShortestPath {
                input,
                spec: Box::new(spec),
            });
            m.bound.insert(r.name.clone());
            m.bound.insert(path_name);
            m.place_filters();
        }
        // Named paths.
        for part in g.parts.iter().filter(|p| p.kind == PathKind::Normal) {
            let Some(name) = &part.var else { continue };
            let start = m.slot(&g.nodes[part.start].name)?;
            let mut steps = Vec::new();
            for &(ri, ni) in &part.steps {
                let rs = m.slot(&g.rels[ri].name)?;
                let ns = m.slot(&g.nodes[ni].name)?;
                steps.push(if g.rels[ri].length.is_some() {
                    PathStep::Multi(rs, ns)
                } else {
                    PathStep::Single(rs, ns)
                });
            }
            let slot = m.bind(name);
            let name = name.clone();
            m.push(|input| Op::BuildPath {
                input,
                slot,
                start,
                steps,
                name: name.clone(),
            });
            m.bound.insert(name);
            m.place_filters();
        }
        // Whatever is left reads variables bound nowhere in this match.
        let rest: Vec<Expr> = m.pending.drain(..).map(|(e, _)| e).collect();
        for predicate in rest {
            m.push(|input| Op::Filter { input, predicate });
        }
        for n in g.nodes.iter().filter(|n| !n.check.labels.is_empty()) {
            self.known_labels
                .entry(n.name.clone())
                .or_default()
                .extend(n.check.labels.iter().cloned());
        }
        Ok(m.finish())
    }

    /// How many rows starting a component at `n` is expected to produce.
    /// The cost of starting a component at `n`: 1 for an index seek, else
    /// 2 plus the expected number of matching nodes (see
    /// [`super::estimate`]); `filtered` is the selectivity of the WHERE
    /// conditions on `n` alone.
    fn anchor_cost(
        &self,
        n: &PNode,
        bound: &HashSet<String>,
        filtered: f64,
        pending: &[(Expr, BTreeSet<String>)],
    ) -> u64 {
        if seek_of(n, bound).is_some() {
            return 1;
        }
        if let Some((_, rows)) = self.node_index_seek(n, bound, pending) {
            return 2 + rows.ceil() as u64;
        }
        let rows = super::estimate::node_rows(self.graph, &n.check, filtered);
        2 + rows.ceil() as u64
    }

    /// The anchor cost of `n` when it cannot depend on what is bound (no
    /// index-seek property reads a variable); `None` when it can.
    fn static_anchor_cost(
        &self,
        n: &PNode,
        filtered: f64,
        pending: &[(Expr, BTreeSet<String>)],
    ) -> Option<u64> {
        let reads_vars = n.check.props.iter().any(|p| match p {
            PropSpec::Key(k, e) if SEEK_KEYS.contains(&k.as_str()) => {
                let mut fv = BTreeSet::new();
                free_vars(e, &mut fv);
                !fv.is_empty()
            }
            _ => false,
        });
        (!reads_vars).then(|| self.anchor_cost(n, &HashSet::new(), filtered, pending))
    }

    fn anchor(&mut self, m: &mut Matcher, n: &PNode) -> Result<()> {
        let slot = m.bind(&n.name);
        let text = n.text.clone();
        if let Some(seek) = seek_of(n, &m.bound) {
            let check = n.check.clone();
            m.push(|input| Op::NodeSeek {
                input,
                slot,
                seek,
                check,
                text,
            });
        } else if let Some((seek, _)) = self.node_index_seek(n, &m.bound, &m.pending) {
            let check = n.check.clone();
            m.push(|input| Op::NodeIndexSeek {
                input,
                slot,
                seek,
                check,
                text,
            });
        } else if let Some(label) = n
            .check
            .labels
            .iter()
            .min_by_key(|l| self.graph.label_count(l))
            .cloned()
        {
            let mut check = n.check.clone();
            check.labels.retain(|l| *l != label);
            m.push(|input| Op::LabelScan {
                input,
                slot,
                label,
                check,
                text,
            });
        } else {
            let check = n.check.clone();
            m.push(|input| Op::AllNodes {
                input,
                slot,
                check,
                text,
            });
        }
        m.bound.insert(n.name.clone());
        m.place_filters();
        Ok(())
    }

    /// The best seek through a declared node index for `n` (see
    /// [`super::index_seek`]), with its expected rows; `None` when indexes
    /// are off or none applies.
    fn node_index_seek(
        &self,
        n: &PNode,
        bound: &HashSet<String>,
        pending: &[(Expr, BTreeSet<String>)],
    ) -> Option<(super::index_seek::IndexSeek, f64)> {
        if !self.indexes {
            return None;
        }
        super::index_seek::best_seek(
            self.graph,
            crate::store::IndexTarget::Node,
            &n.name,
            &n.check.labels,
            &n.check.props,
            pending.iter().map(|(c, _)| c),
            bound,
        )
    }

    /// The best seek through a declared relationship index for `r` (single
    /// hop, one type, two distinct unbound ends), with its expected rows.
    fn rel_seek_of(
        &self,
        g: &PGraph,
        r: &PRel,
        m: &Matcher,
    ) -> Option<(super::index_seek::IndexSeek, f64)> {
        let ends_free = r.left != r.right
            && !m.bound.contains(&g.nodes[r.left].name)
            && !m.bound.contains(&g.nodes[r.right].name)
            && !m.bound.contains(&r.name);
        if !self.indexes
            || !ends_free
            || r.length.is_some()
            || r.types.len() != 1
            || g.parts[r.part].kind != PathKind::Normal
        {
            return None;
        }
        super::index_seek::best_seek(
            self.graph,
            crate::store::IndexTarget::Relationship,
            &r.name,
            &r.types,
            &r.props,
            m.pending.iter().map(|(c, _)| c),
            &m.bound,
        )
    }

    /// The relationship to start a new component at through an index,
    /// when one is expected to produce fewer rows than anchoring node
    /// `best` (whose cost `cost` gives).
    fn rel_anchor(
        &self,
        m: &Matcher,
        g: &PGraph,
        best: Option<usize>,
        cost: impl Fn(&PNode) -> u64,
    ) -> Option<usize> {
        if !self.indexes
            || !self
                .graph
                .index_defs()
                .any(|d| d.target == crate::store::IndexTarget::Relationship)
        {
            return None;
        }
        let node_cost = best.map_or(u64::MAX, |i| cost(&g.nodes[i]));
        let mut pick: Option<(u64, usize)> = None;
        for (i, r) in g.rels.iter().enumerate() {
            if let Some((_, rows)) = self.rel_seek_of(g, r, m) {
                let c = 2 + rows.ceil() as u64;
                if c < node_cost && pick.is_none_or(|(b, _)| c < b) {
                    pick = Some((c, i));
                }
            }
        }
        pick.map(|(_, i)| i)
    }

    /// Starts a component at relationship `i` through its index seek,
    /// binding both ends and the relationship.
    fn rel_index_seek(&mut self, m: &mut Matcher, g: &PGraph, i: usize) -> Result<()> {
        let r = &g.rels[i];
        let Some((seek, _)) = self.rel_seek_of(g, r, m) else {
            return Err(Error::internal("planner lost a relationship index seek"));
        };
        let (left, right) = (&g.nodes[r.left], &g.nodes[r.right]);
        let left_slot = m.bind(&left.name);
        let rel_slot = m.bind(&r.name);
        let right_slot = m.bind(&right.name);
        let spec = super::RelSeek {
            seek,
            left: left_slot,
            rel: rel_slot,
            right: right_slot,
            dir: r.dir,
            rel_props: r.props.clone(),
            left_check: left.check.clone(),
            right_check: right.check.clone(),
            // Set when the match is finished (`Matcher::freeze`).
            unique: RelRefs::default(),
            text: format!(
                "({}){}({})",
                shown(&left.name),
                arrow(r.dir, &r.text),
                shown(&right.name)
            ),
        };
        m.push(|input| Op::RelIndexSeek {
            input,
            spec: Box::new(spec),
        });
        m.unique.push(RelRef {
            slot: rel_slot,
            list: false,
            types: TypeSet::of(&r.types),
        });
        m.bound.insert(left.name.clone());
        m.bound.insert(r.name.clone());
        m.bound.insert(right.name.clone());
        m.place_filters();
        Ok(())
    }

    fn expand(&mut self, m: &mut Matcher, g: &PGraph, i: usize) -> Result<()> {
        let r = &g.rels[i];
        let (from, to, dir, reverse) = if m.bound.contains(&g.nodes[r.left].name) {
            (&g.nodes[r.left], &g.nodes[r.right], r.dir, false)
        } else {
            (&g.nodes[r.right], &g.nodes[r.left], r.dir.reverse(), true)
        };
        let from_slot = m.slot(&from.name)?;
        let to_bound = m.bound.contains(&to.name);
        let rel_bound = m.bound.contains(&r.name);
        let rel_slot = if rel_bound {
            m.slot(&r.name)?
        } else {
            m.bind(&r.name)
        };
        let to_slot = if to_bound {
            m.slot(&to.name)?
        } else {
            m.bind(&to.name)
        };
        // Every trail, until the rule `var_length_bfs` finds that only the
        // distinct far nodes matter.
        let var = r.length.map(|(min, max)| VarLength {
            min,
            max,
            bfs: false,
        });
        let spec = Expand {
            from: from_slot,
            rel: rel_slot,
            to: to_slot,
            dir,
            types: r.types.clone(),
            rel_props: r.props.clone(),
            to_bound,
            rel_bound,
            check: if to_bound {
                NodeCheck::default()
            } else {
                to.check.clone()
            },
            // Set when the match is finished (`Matcher::freeze`).
            unique: RelRefs::default(),
            var,
            reverse,
            dedupe: None,
            fetch_far: false,
            first_only: false,
            each_rel: None,
            filter: None,
            text: format!(
                "({}){}({})",
                shown(&from.name),
                arrow(dir, &r.text),
                shown(&to.name)
            ),
        };
        m.push(|input| Op::Expand {
            input,
            spec: Box::new(spec),
        });
        m.unique.push(RelRef {
            slot: rel_slot,
            list: r.length.is_some(),
            types: TypeSet::of(&r.types),
        });
        m.bound.insert(r.name.clone());
        m.bound.insert(to.name.clone());
        m.place_filters();
        Ok(())
    }

    // ----- projections --------------------------------------------------

    /// Plans WITH / RETURN; returns the plan and the column names.
    fn projection(
        &mut self,
        input: Plan,
        p: &Projection,
        is_return: bool,
        wrote: bool,
        span: Span,
    ) -> Result<(Plan, Vec<String>)> {
        let mut items: Vec<(String, Expr)> = Vec::new();
        if p.star {
            let mut vis: Vec<String> = input.scope.visible().map(|(n, _)| n.to_string()).collect();
            if is_return {
                vis.sort();
            }
            for v in vis {
                let e = var(&v, span);
                items.push((v, e));
            }
        }
        for it in &p.items {
            let name = it.column_name().to_string();
            items.push((name, it.expr.clone()));
        }
        let mut order: Vec<(Expr, bool)> = p
            .order_by
            .iter()
            .map(|s| (s.expr.clone(), s.descending))
            .collect();
        let mut where_expr: Option<Expr> = if is_return { None } else { p.where_.clone() };
        let mut input = input;
        {
            let mut exprs: Vec<&mut Expr> = items.iter_mut().map(|(_, e)| e).collect();
            exprs.extend(order.iter_mut().map(|(e, _)| e));
            exprs.extend(where_expr.as_mut());
            input = self.lift_shortest(input, exprs)?;
        }
        // Sort keys written as a projected expression read the projected value.
        let item_texts: Vec<(String, String)> = items
            .iter()
            .map(|(n, e)| (expr_text(e), n.clone()))
            .collect();
        for (e, _) in &mut order {
            *e = rewrite(e, &mut |x| {
                if matches!(x.kind, ExprKind::Variable(_)) {
                    return None;
                }
                let t = expr_text(x);
                item_texts
                    .iter()
                    .find(|(it, _)| *it == t)
                    .map(|(_, n)| var(n, x.span))
            });
        }
        let aggregating = items.iter().any(|(_, e)| contains_aggregate(e))
            || order.iter().any(|(e, _)| contains_aggregate(e));
        let mut plan = input;
        if aggregating {
            let keys: Vec<Expr> = items
                .iter()
                .filter(|(_, e)| !contains_aggregate(e))
                .map(|(_, e)| e.clone())
                .collect();
            let mut aggs: Vec<AggCall> = Vec::new();
            let mut names: Vec<String> = Vec::new();
            let mut scope = plan.scope.clone();
            let lift = |e: &Expr, aggs: &mut Vec<AggCall>, names: &mut Vec<String>| {
                rewrite(e, &mut |x| {
                    if !is_aggregate_call(x) {
                        return None;
                    }
                    let text = expr_text(x);
                    if let Some(i) = aggs.iter().position(|a| a.text == text) {
                        return Some(var(&names[i], x.span));
                    }
                    let (name, distinct, args) = match &x.kind {
                        ExprKind::Function {
                            name,
                            distinct,
                            args,
                        } => (
                            name.first()
                                .map(|n| n.name.to_lowercase())
                                .unwrap_or_default(),
                            *distinct,
                            args.clone(),
                        ),
                        _ => ("count".to_string(), false, Vec::new()),
                    };
                    let hidden = format!("{HIDDEN}{text}");
                    aggs.push(AggCall {
                        name,
                        distinct,
                        args,
                        text,
                        span: x.span,
                    });
                    names.push(hidden.clone());
                    Some(var(&hidden, x.span))
                })
            };
            for (_, e) in &mut items {
                *e = lift(e, &mut aggs, &mut names);
            }
            for (e, _) in &mut order {
                *e = lift(e, &mut aggs, &mut names);
            }
            for n in &names {
                scope.push(n);
            }
            plan = wrap(
                Op::Aggregate {
                    input: Box::new(plan),
                    keys,
                    aggs,
                },
                scope,
            );
        }
        let columns: Vec<String> = items.iter().map(|(n, _)| n.clone()).collect();
        // WITH ... WHERE sees the projected names and the variables before
        // the WITH; it filters after ORDER BY / SKIP / LIMIT.
        let where_ = where_expr.as_ref();
        if order.is_empty() && where_.is_none() {
            let mut scope = Scope::new();
            for c in &columns {
                scope.push(c);
            }
            plan = wrap(
                Op::Project {
                    input: Box::new(plan),
                    items,
                },
                scope,
            );
            if p.distinct {
                let slots = (0..columns.len()).collect();
                let scope = plan.scope.clone();
                plan = wrap(
                    Op::Distinct {
                        input: Box::new(plan),
                        slots,
                    },
                    scope,
                );
            }
            plan = self.skip_limit(plan, p, wrote);
        } else {
            let mut scope = plan.scope.clone();
            let slots: Vec<usize> = columns.iter().map(|c| scope.push(c)).collect();
            plan = wrap(
                Op::Extend {
                    input: Box::new(plan),
                    items,
                },
                scope,
            );
            if p.distinct {
                let scope = plan.scope.clone();
                plan = wrap(
                    Op::Distinct {
                        input: Box::new(plan),
                        slots: slots.clone(),
                    },
                    scope,
                );
            }
            if !order.is_empty() {
                let scope = plan.scope.clone();
                plan = wrap(
                    Op::Sort {
                        input: Box::new(plan),
                        keys: order,
                    },
                    scope,
                );
            }
            plan = self.skip_limit(plan, p, wrote);
            if let Some(w) = where_ {
                let scope = plan.scope.clone();
                plan = wrap(
                    Op::Filter {
                        input: Box::new(plan),
                        predicate: w.clone(),
                    },
                    scope,
                );
            }
            let mut out = Scope::new();
            for c in &columns {
                out.push(c);
            }
            plan = wrap(
                Op::Select {
                    input: Box::new(plan),
                    slots,
                },
                out,
            );
        }
        Ok((plan, columns))
    }

    /// `shortestPath(pattern)` used as an expression: each call becomes an
    /// optional shortest-path search bound to an invented variable, which
    /// the expression then reads (null when there is no path).
    fn lift_shortest(&mut self, mut plan: Plan, exprs: Vec<&mut Expr>) -> Result<Plan> {
        let mut lifted: Vec<(String, PatternElement, Span)> = Vec::new();
        for e in exprs {
            *e = rewrite(e, &mut |x| {
                let ExprKind::Function { name, args, .. } = &x.kind else {
                    return None;
                };
                if name.len() != 1 || !name[0].name.eq_ignore_ascii_case("shortestPath") {
                    return None;
                }
                let [Expr {
                    kind: ExprKind::Pattern(el),
                    ..
                }] = args.as_slice()
                else {
                    return None;
                };
                self.hidden += 1;
                let hidden = format!("{HIDDEN}shortest{}", self.hidden);
                lifted.push((hidden.clone(), (**el).clone(), x.span));
                Some(var(&hidden, x.span))
            });
        }
        for (name, element, span) in lifted {
            let part = PatternPart {
                variable: Some(Ident { name, span }),
                kind: PathKind::Shortest,
                element,
                span,
            };
            let g = self.collect(std::slice::from_ref(&part))?;
            let arg = leaf(Op::Argument, plan.scope.clone());
            let inner = self.match_graph(arg, &g, None)?;
            let scope = inner.scope.clone();
            plan = wrap(
                Op::Optional {
                    input: Box::new(plan),
                    inner: Box::new(inner),
                },
                scope,
            );
        }
        Ok(plan)
    }

    fn skip_limit(&mut self, mut plan: Plan, p: &Projection, wrote: bool) -> Plan {
        if let Some(s) = &p.skip {
            let scope = plan.scope.clone();
            plan = wrap(
                Op::Skip {
                    input: Box::new(plan),
                    count: s.clone(),
                },
                scope,
            );
        }
        if let Some(l) = &p.limit {
            let scope = plan.scope.clone();
            plan = wrap(
                Op::Limit {
                    input: Box::new(plan),
                    count: l.clone(),
                    drain: wrote,
                },
                scope,
            );
        }
        plan
    }

    // ----- writes -------------------------------------------------------

    fn create(&mut self, input: Plan, pattern: &Pattern) -> Result<Plan> {
        let g = self.collect(&pattern.parts)?;
        let mut scope = input.scope.clone();
        let items = create_items(&g, &input.scope, &mut scope, false)?;
        Ok(wrap(
            Op::Create {
                input: Box::new(input),
                items,
            },
            scope,
        ))
    }

    fn merge(&mut self, input: Plan, m: &crate::syntax::ast::Merge) -> Result<Plan> {
        let g = self.collect(std::slice::from_ref(&m.part))?;
        let arg = leaf(Op::Argument, input.scope.clone());
        let matcher = self.match_graph(arg, &g, None)?;
        let mut scope = matcher.scope.clone();
        let create = create_items(&g, &input.scope, &mut scope, true)?;
        let mut not_null = Vec::new();
        for n in &g.nodes {
            if input.scope.contains(&n.name) {
                continue;
            }
            for p in &n.check.props {
                if let PropSpec::Key(k, e) = p {
                    not_null.push((k.clone(), e.clone()));
                }
            }
        }
        for r in &g.rels {
            for p in &r.props {
                if let PropSpec::Key(k, e) = p {
                    not_null.push((k.clone(), e.clone()));
                }
            }
        }
        let mut on_create = Vec::new();
        let mut on_match = Vec::new();
        for a in &m.actions {
            for it in &a.items {
                let op = set_op(it, &scope)?;
                if a.on_create {
                    on_create.push(op);
                } else {
                    on_match.push(op);
                }
            }
        }
        Ok(wrap(
            Op::Merge {
                input: Box::new(input),
                matcher: Box::new(matcher),
                create,
                not_null,
                on_create,
                on_match,
            },
            scope,
        ))
    }

    fn call(
        &mut self,
        input: Plan,
        c: &Call,
        standalone: bool,
        span: Span,
    ) -> Result<(Plan, Vec<String>)> {
        let name: Vec<&str> = c.procedure.iter().map(|i| i.name.as_str()).collect();
        let name = name.join(".");
        let Some(procedure) = Procedure::by_name(&name) else {
            return Err(Error::new(
                ErrorKind::Procedure,
                Phase::Compile,
                "ProcedureNotFound",
                format!("there is no procedure `{name}`"),
            )
            .at(span)
            .with_help(crate::builtins::procedures::help()));
        };
        if let Some(args) = &c.args {
            if !args.is_empty() {
                return Err(syntax(
                    "InvalidNumberOfArguments",
                    format!("`{name}` takes no arguments, but {} were given", args.len()),
                    span,
                ));
            }
        }
        let outputs = procedure.outputs();
        let mut scope = input.scope.clone();
        let mut yields = Vec::new();
        let mut columns = Vec::new();
        if c.yields.is_empty() {
            if !standalone && !c.yield_star {
                // In a larger query without YIELD: the outputs are not bound.
            } else {
                for (i, o) in outputs.iter().enumerate() {
                    scope.push(o);
                    yields.push(i);
                    columns.push(o.to_string());
                }
            }
        } else {
            for (out, alias) in &c.yields {
                let Some(i) = outputs.iter().position(|o| *o == out.name) else {
                    return Err(syntax(
                        "UndefinedVariable",
                        format!(
                            "`{name}` has no output `{}`; it yields {}",
                            out.name,
                            outputs.join(", ")
                        ),
                        out.span,
                    ));
                };
                let v = alias.as_ref().unwrap_or(out);
                scope.push(&v.name);
                yields.push(i);
                columns.push(v.name.clone());
            }
        }
        let mut plan = wrap(
            Op::Call {
                input: Box::new(input),
                procedure,
                yields,
            },
            scope,
        );
        if let Some(w) = &c.where_ {
            let scope = plan.scope.clone();
            plan = wrap(
                Op::Filter {
                    input: Box::new(plan),
                    predicate: w.clone(),
                },
                scope,
            );
        }
        Ok((plan, columns))
    }
}

/// Moves a WHERE conjunct into the node pattern it constrains, when it is
/// `n.key = value` (with `value` reading only variables bound before this
/// MATCH; not the `key` / `alias` properties, which patterns resolve through
/// the indexes) or `n:Label`, for a node `n` this MATCH binds.
fn absorb(c: &Expr, g: &mut PGraph, bound: &HashSet<String>) -> bool {
    let new_node = |name: &str, g: &PGraph| {
        if bound.contains(name) {
            return None;
        }
        g.node_index(name)
    };
    match &c.kind {
        ExprKind::Binary(crate::syntax::ast::BinaryOp::Eq, a, b) => {
            for (lhs, value) in [(a, b), (b, a)] {
                let ExprKind::Property(target, key) = &lhs.kind else {
                    continue;
                };
                let ExprKind::Variable(v) = &target.kind else {
                    continue;
                };
                if key.name == "key" || key.name == "alias" {
                    continue;
                }
                let Some(i) = new_node(v, g) else { continue };
                let mut fv = BTreeSet::new();
                free_vars(value, &mut fv);
                if !fv.iter().all(|x| bound.contains(x)) {
                    continue;
                }
                g.nodes[i]
                    .check
                    .props
                    .push(PropSpec::Key(key.name.clone(), (**value).clone()));
                return true;
            }
            false
        }
        ExprKind::HasLabels(target, labels) => {
            let ExprKind::Variable(v) = &target.kind else {
                return false;
            };
            let Some(i) = new_node(v, g) else {
                return false;
            };
            for l in labels {
                if !g.nodes[i].check.labels.contains(&l.name) {
                    g.nodes[i].check.labels.push(l.name.clone());
                }
            }
            true
        }
        _ => false,
    }
}

/// The node properties an index seek can use.
const SEEK_KEYS: [&str; 3] = ["key", "alias", "name"];

/// The index seek a node pattern allows, if its `key` / `alias` value reads
/// only bound variables.
fn seek_of(n: &PNode, bound: &HashSet<String>) -> Option<Seek> {
    let ready = |e: &Expr| {
        let mut fv = BTreeSet::new();
        free_vars(e, &mut fv);
        fv.iter().all(|v| bound.contains(v))
    };
    let find = |key: &str| {
        n.check.props.iter().find_map(|p| match p {
            PropSpec::Key(k, e) if k == key && ready(e) => Some(e.clone()),
            _ => None,
        })
    };
    debug_assert_eq!(SEEK_KEYS, ["key", "alias", "name"]);
    find("key")
        .map(Seek::Key)
        .or_else(|| find("alias").map(Seek::Alias))
        .or_else(|| find("name").map(Seek::Name))
}

/// What `match_graph` can place next, kept up to date as variables are
/// bound, so that each step costs about the logarithm of the pattern's size
/// instead of a scan of the whole pattern (a pattern of thousands of parts
/// plans in linear time).
///
/// The choice is the same as a full scan's: the relationship with a bound
/// end of the lowest score (both ends bound, then fixed length, then
/// variable length), the first one on ties; else the unbound node of
/// lowest anchor cost, the first one on ties.
struct Frontier {
    /// `(score, index)` of each unplaced relationship of a normal part with
    /// a bound end; the score is the kind of step (closing a cycle first,
    /// then single hops, then variable length) and its expected fan-out.
    rels: BTreeSet<((u8, u64), usize)>,
    /// The current entry of each relationship in `rels`.
    rel_score: Vec<Option<(u8, u64)>>,
    /// The expected rows per bound node of each relationship, expanded
    /// from its left and from its right end (times 1000).
    fan_outs: Vec<[u64; 2]>,
    /// The relationships expanded already.
    done: Vec<bool>,
    /// Relationships of normal parts touching each node.
    incident: Vec<Vec<usize>>,
    /// `(cost, index)` of the unbound nodes of normal parts whose anchor
    /// cost cannot change.
    fixed: BTreeSet<(u64, usize)>,
    /// The fixed cost of each node in `fixed`.
    node_cost: Vec<Option<u64>>,
    /// Unbound nodes of normal parts whose cost depends on what is bound.
    varying: BTreeSet<usize>,
}

impl Frontier {
    fn new(
        g: &PGraph,
        bound: &HashSet<String>,
        fan_outs: Vec<[u64; 2]>,
        static_cost: impl Fn(&PNode) -> Option<u64>,
    ) -> Frontier {
        let mut normal = vec![false; g.nodes.len()];
        for p in g.parts.iter().filter(|p| p.kind == PathKind::Normal) {
            normal[p.start] = true;
            for &(_, n) in &p.steps {
                normal[n] = true;
            }
        }
        let mut f = Frontier {
            rels: BTreeSet::new(),
            rel_score: vec![None; g.rels.len()],
            done: vec![false; g.rels.len()],
            incident: vec![Vec::new(); g.nodes.len()],
            fixed: BTreeSet::new(),
            node_cost: vec![None; g.nodes.len()],
            varying: BTreeSet::new(),
            fan_outs,
        };
        for (i, r) in g.rels.iter().enumerate() {
            if g.parts[r.part].kind == PathKind::Normal {
                f.incident[r.left].push(i);
                if r.right != r.left {
                    f.incident[r.right].push(i);
                }
                f.rescore(g, i, bound);
            }
        }
        for (i, n) in g.nodes.iter().enumerate() {
            if !normal[i] || bound.contains(&n.name) {
                continue;
            }
            match static_cost(n) {
                Some(c) => {
                    f.node_cost[i] = Some(c);
                    f.fixed.insert((c, i));
                }
                None => {
                    f.varying.insert(i);
                }
            }
        }
        f
    }

    /// Recomputes the entry of unplaced relationship `i`.
    fn rescore(&mut self, g: &PGraph, i: usize, bound: &HashSet<String>) {
        if let Some(s) = self.rel_score[i].take() {
            self.rels.remove(&(s, i));
        }
        let r = &g.rels[i];
        let lb = bound.contains(&g.nodes[r.left].name);
        let rb = bound.contains(&g.nodes[r.right].name);
        let fan_out = self.fan_outs.get(i).copied().unwrap_or_default();
        let score = match (lb, rb) {
            (false, false) => return,
            (true, true) => (0, 0),
            (true, false) if r.length.is_none() => (1, fan_out[0]),
            (false, true) if r.length.is_none() => (1, fan_out[1]),
            _ => (2, 0),
        };
        self.rel_score[i] = Some(score);
        self.rels.insert((score, i));
    }

    /// The relationship to expand next, if one has a bound end.
    fn best_rel(&self) -> Option<usize> {
        self.rels.first().map(|&(_, i)| i)
    }

    /// The node to anchor a new component at, given the cost of the nodes
    /// whose cost varies.
    fn best_anchor(&self, g: &PGraph, cost: impl Fn(&PNode) -> u64) -> Option<usize> {
        let mut best = self.fixed.first().copied();
        for &i in &self.varying {
            let c = (cost(&g.nodes[i]), i);
            if best.is_none_or(|b| c < b) {
                best = Some(c);
            }
        }
        best.map(|(_, i)| i)
    }

    /// Relationship `i` was expanded (binding its far end).
    fn placed(&mut self, g: &PGraph, i: usize, bound: &HashSet<String>) {
        self.done[i] = true;
        if let Some(s) = self.rel_score[i].take() {
            self.rels.remove(&(s, i));
        }
        let r = &g.rels[i];
        for n in [r.left, r.right] {
            self.bound(g, n, bound);
        }
    }

    /// Node `n` may have become bound: it is no anchor candidate any more,
    /// and its relationships are scored again.
    fn bound(&mut self, g: &PGraph, n: usize, bound: &HashSet<String>) {
        if !bound.contains(&g.nodes[n].name) {
            return;
        }
        if let Some(c) = self.node_cost[n].take() {
            self.fixed.remove(&(c, n));
        }
        self.varying.remove(&n);
        for k in 0..self.incident[n].len() {
            let i = self.incident[n][k];
            if !self.done[i] {
                self.rescore(g, i, bound);
            }
        }
    }
}

/// The state of placing one MATCH.
///
/// The operators placed share one scope map (each sees a prefix of it) and
/// one list of relationships to keep distinct; both are handed out when the
/// match is finished ([`Matcher::finish`]), or earlier when a variable is
/// shadowed ([`Matcher::freeze`]).
struct Matcher {
    plan: Plan,
    /// The scope after the operators placed so far.
    scope: Scope,
    /// For each operator placed since the last freeze, bottom first: the
    /// number of variables and the row width of its scope, and how many
    /// relationships it must keep distinct from.
    views: Vec<(usize, usize, usize)>,
    bound: HashSet<String>,
    /// WHERE conjuncts not placed yet, with the variables they need.
    pending: Vec<(Expr, BTreeSet<String>)>,
    unique: Vec<RelRef>,
}

impl Matcher {
    fn slot(&self, name: &str) -> Result<usize> {
        self.scope
            .slot(name)
            .ok_or_else(|| Error::internal(format!("planner lost variable `{name}`")))
    }

    /// Adds a slot for `name` to the scope of the next operator.
    fn bind(&mut self, name: &str) -> Slot {
        if self.scope.contains(name) {
            // Shadowing reorders the map: the views so far are taken first.
            self.freeze();
        }
        self.scope.push(name)
    }

    /// Puts `make(input)` on top of the plan; its scope is the current one.
    fn push(&mut self, make: impl FnOnce(Box<Plan>) -> Op) {
        let input = std::mem::replace(&mut self.plan, leaf(Op::Unit, Scope::new()));
        self.plan = wrap(make(Box::new(input)), Scope::new());
        self.views
            .push((self.scope.len(), self.scope.width(), self.unique.len()));
    }

    /// Gives the operators placed since the last freeze their scopes and
    /// relationship lists (views of the shared ones).
    fn freeze(&mut self) {
        let unique = Arc::new(self.unique.clone());
        let mut node = Some(&mut self.plan);
        for &(len, width, distinct) in self.views.iter().rev() {
            let Some(plan) = node else { break };
            plan.scope = self.scope.prefix(len, width);
            if let Op::Expand { spec, .. } = &mut plan.op {
                spec.unique = RelRefs::prefix(&unique, distinct);
            }
            if let Op::RelIndexSeek { spec, .. } = &mut plan.op {
                spec.unique = RelRefs::prefix(&unique, distinct);
            }
            node = plan.op.children_mut().into_iter().next();
        }
        self.views.clear();
    }

    /// The plan, every operator with its scope.
    fn finish(mut self) -> Plan {
        self.freeze();
        self.plan
    }

    fn place_filters(&mut self) {
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].1.iter().all(|v| self.bound.contains(v)) {
                let (predicate, _) = self.pending.remove(i);
                self.push(|input| Op::Filter { input, predicate });
            } else {
                i += 1;
            }
        }
    }
}

/// What CREATE (or MERGE, when nothing matches) makes for a pattern graph.
/// Names in `input` exist already; the others are created into their slot
/// in `scope` (added when missing).
fn create_items(
    g: &PGraph,
    input: &Scope,
    scope: &mut Scope,
    merge: bool,
) -> Result<Vec<CreateItem>> {
    let mut items = Vec::new();
    let mut made: HashSet<usize> = HashSet::new();
    let mut node = |i: usize, scope: &mut Scope, items: &mut Vec<CreateItem>| -> Slot {
        let n = &g.nodes[i];
        if input.contains(&n.name) || made.contains(&i) {
            return scope.slot(&n.name).unwrap_or(0);
        }
        made.insert(i);
        let slot = match scope.slot(&n.name) {
            Some(s) if merge => s,
            _ => scope.push(&n.name),
        };
        items.push(CreateItem::Node {
            slot,
            labels: n.check.labels.clone(),
            props: n.props.clone(),
            span: n.span,
        });
        slot
    };
    for part in &g.parts {
        if part.kind != PathKind::Normal {
            return Err(syntax(
                "InvalidShortestPath",
                "shortestPath cannot be used to create a pattern",
                part.span,
            ));
        }
        let start = node(part.start, scope, &mut items);
        let mut left = start;
        let mut steps = Vec::new();
        for &(ri, ni) in &part.steps {
            let right = node(ni, scope, &mut items);
            let r = &g.rels[ri];
            if r.length.is_some() {
                return Err(syntax(
                    "CreatingVarLength",
                    "variable-length relationships cannot be created",
                    r.span,
                ));
            }
            if r.types.len() != 1 {
                return Err(syntax(
                    "NoSingleRelationshipType",
                    "a relationship to create needs exactly one type",
                    r.span,
                ));
            }
            let (from, to) = match r.dir {
                Dir::Out => (left, right),
                Dir::In => (right, left),
                Dir::Both if merge => (left, right),
                Dir::Both => {
                    return Err(syntax(
                        "RequiresDirectedRelationship",
                        "a relationship to create needs a direction (-> or <-)",
                        r.span,
                    ))
                }
            };
            let slot = if input.contains(&r.name) {
                return Err(syntax(
                    "VariableAlreadyBound",
                    format!(
                        "relationship `{}` already exists; it cannot be created",
                        r.name
                    ),
                    r.span,
                ));
            } else {
                match scope.slot(&r.name) {
                    Some(s) if merge => s,
                    _ => scope.push(&r.name),
                }
            };
            items.push(CreateItem::Rel {
                slot,
                from,
                to,
                rel_type: r.types[0].clone(),
                props: r.props_expr.clone(),
                span: r.span,
            });
            steps.push(PathStep::Single(slot, right));
            left = right;
        }
        if let Some(v) = &part.var {
            let slot = match scope.slot(v) {
                Some(s) if merge => s,
                _ => scope.push(v),
            };
            items.push(CreateItem::Path { slot, start, steps });
        }
    }
    Ok(items)
}

use super::Slot;

fn var_slot(scope: &Scope, v: &Ident) -> Result<Slot> {
    scope.slot(&v.name).ok_or_else(|| {
        syntax(
            "UndefinedVariable",
            format!("variable `{}` is not defined", v.name),
            v.span,
        )
    })
}

fn set_op(item: &SetItem, scope: &Scope) -> Result<SetOp> {
    Ok(match item {
        SetItem::Property {
            target,
            key,
            value,
            span,
        } => SetOp::Prop {
            target: target.clone(),
            key: key.name.clone(),
            value: Some(value.clone()),
            span: *span,
        },
        SetItem::Variable {
            variable,
            value,
            merge,
            span,
        } => SetOp::Props {
            slot: var_slot(scope, variable)?,
            value: value.clone(),
            merge: *merge,
            span: *span,
        },
        SetItem::Labels {
            variable,
            labels,
            span,
        } => SetOp::Labels {
            slot: var_slot(scope, variable)?,
            labels: labels.iter().map(|l| l.name.clone()).collect(),
            add: true,
            span: *span,
        },
    })
}

fn remove_op(item: &RemoveItem, scope: &Scope) -> Result<SetOp> {
    Ok(match item {
        RemoveItem::Property { target, key, span } => SetOp::Prop {
            target: target.clone(),
            key: key.name.clone(),
            value: None,
            span: *span,
        },
        RemoveItem::Labels {
            variable,
            labels,
            span,
        } => SetOp::Labels {
            slot: var_slot(scope, variable)?,
            labels: labels.iter().map(|l| l.name.clone()).collect(),
            add: false,
            span: *span,
        },
    })
}
