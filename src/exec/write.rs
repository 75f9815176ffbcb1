//! Writing operators: CREATE, MERGE, SET / REMOVE, [DETACH] DELETE.
//!
//! Each reads *all* its input rows before writing anything, then applies
//! its writes row by row, in order (so MERGE sees what earlier rows
//! created), then produces its rows. This is Cypher's clause-by-clause
//! semantics: reads before a write clause never see its effects, reads
//! after it see all of them.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use indexmap::IndexSet;

use super::expand::build_path;
use super::rows::drain_all;
use super::{build, store_error, BoxOp, Ctx, Operator, Row};
use crate::error::{Error, ErrorKind, Phase, Result, Span};
use crate::plan::explain::OpFigures;
use crate::plan::{CreateItem, Plan, Scope, SetOp};
use crate::store::{EntityId, NewEntity, RelationId};
use crate::syntax::ast::Expr;
use crate::value::{Value, ValueMap};

fn put(row: &mut Row, slot: usize, v: Value) {
    if row.len() <= slot {
        row.resize(slot + 1, Value::Null);
    }
    row[slot] = v;
}

/// Evaluates a property map for CREATE (nulls dropped).
fn props_of(ctx: &Ctx<'_>, scope: &Scope, row: &[Value], e: &Option<Expr>) -> Result<ValueMap> {
    let Some(e) = e else {
        return Ok(ValueMap::default());
    };
    match ctx.eval(scope, row, e)? {
        Value::Map(m) => Ok(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        Value::Null => Ok(ValueMap::default()),
        other => Err(Error::runtime(
            ErrorKind::Type,
            "InvalidArgumentType",
            format!(
                "properties must be given as a map, not a value of type {}",
                other.type_name()
            ),
        )
        .at(e.span)),
    }
}

fn check_storable(props: &ValueMap, span: Span) -> Result<()> {
    for (k, v) in props {
        if !v.is_storable() {
            return Err(Error::runtime(
                ErrorKind::Type,
                "InvalidPropertyType",
                format!(
                    "property `{k}` cannot hold a value of type {}; properties hold numbers, strings, booleans, dates and lists of those",
                    v.type_name()
                ),
            )
            .at(span));
        }
    }
    Ok(())
}

/// Creates the items of a CREATE (or of a MERGE that matched nothing),
/// filling their slots in `row`.
fn create(ctx: &mut Ctx<'_>, scope: &Scope, row: &mut Row, items: &[CreateItem]) -> Result<()> {
    for item in items {
        ctx.guard.check()?;
        match item {
            CreateItem::Node {
                slot,
                labels,
                props,
                span,
            } => {
                let props = props_of(ctx, scope, row, props)?;
                check_storable(&props, *span)?;
                let n_props = props.len();
                let id = ctx
                    .graph_mut()?
                    .add_entity(NewEntity {
                        labels: labels.clone(),
                        props,
                        ..NewEntity::default()
                    })
                    .map_err(|e| store_error(e, Some(*span)))?;
                ctx.stats.nodes_created += 1;
                ctx.stats.labels_added += labels.len();
                ctx.stats.properties_set += n_props;
                put(row, *slot, Value::Node(id));
            }
            CreateItem::Rel {
                slot,
                from,
                to,
                rel_type,
                props,
                span,
            } => {
                let props = props_of(ctx, scope, row, props)?;
                check_storable(&props, *span)?;
                let ends = (row.get(*from), row.get(*to));
                let (Some(Value::Node(a)), Some(Value::Node(b))) = ends else {
                    return Err(Error::runtime(
                        ErrorKind::Semantic,
                        "CreateNullNode",
                        "a relationship cannot be created with a missing (null) end node",
                    )
                    .at(*span));
                };
                let (a, b) = (*a, *b);
                let n_props = props.len();
                let id = ctx
                    .graph_mut()?
                    .add_relation(a, b, rel_type, props, Vec::new())
                    .map_err(|e| store_error(e, Some(*span)))?;
                ctx.stats.relationships_created += 1;
                ctx.stats.properties_set += n_props;
                put(row, *slot, Value::Relationship(id));
            }
            CreateItem::Path { slot, start, steps } => {
                let p = build_path(ctx.graph(), row, *start, steps)
                    .map_or(Value::Null, |p| Value::Path(Box::new(p)));
                put(row, *slot, p);
            }
        }
    }
    Ok(())
}

/// CREATE.
pub struct CreateOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    items: &'p [CreateItem],
    out: Option<VecDeque<Row>>,
}

impl<'p> CreateOp<'p> {
    /// Creates `items` for each row; `scope` is the output scope.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, items: &'p [CreateItem]) -> Self {
        CreateOp {
            input,
            scope,
            items,
            out: None,
        }
    }
}

impl Operator for CreateOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.out.is_none() {
            let rows = drain_all(&mut self.input, ctx)?;
            let mut out = VecDeque::with_capacity(rows.len());
            for mut row in rows {
                row.resize(self.scope.width(), Value::Null);
                create(ctx, self.scope, &mut row, self.items)?;
                out.push_back(row);
            }
            ctx.graph_changed();
            self.out = Some(out);
        }
        Ok(self.out.as_mut().and_then(VecDeque::pop_front))
    }
}

/// Applies one SET / REMOVE assignment to a row.
pub fn apply_set(ctx: &mut Ctx<'_>, scope: &Scope, row: &[Value], op: &SetOp) -> Result<()> {
    match op {
        SetOp::Prop {
            target,
            key,
            value,
            span,
        } => {
            let t = ctx.eval(scope, row, target)?;
            let v = match value {
                Some(e) => ctx.eval(scope, row, e)?,
                None => Value::Null,
            };
            if !v.is_null() && !v.is_storable() {
                return Err(Error::runtime(
                    ErrorKind::Type,
                    "InvalidPropertyType",
                    format!(
                        "property `{key}` cannot hold a value of type {}",
                        v.type_name()
                    ),
                )
                .at(*span));
            }
            let g = ctx.graph_mut()?;
            let changed = match t {
                Value::Node(id) => g
                    .set_entity_prop(id, key, Some(v.clone()))
                    .map_err(|e| store_error(e, Some(*span)))?,
                Value::Relationship(id) => g
                    .set_relation_prop(id, key, Some(v.clone()))
                    .map_err(|e| store_error(e, Some(*span)))?,
                Value::Null => return Ok(()),
                other => {
                    return Err(Error::runtime(
                        ErrorKind::Type,
                        "InvalidArgumentType",
                        format!(
                            "only nodes and relationships have properties to set, not a value of type {}",
                            other.type_name()
                        ),
                    )
                    .at(target.span))
                }
            };
            if value.is_some() || changed.is_some() {
                ctx.stats.properties_set += 1;
            }
        }
        SetOp::Props {
            slot,
            value,
            merge,
            span,
        } => {
            let target = row.get(*slot).cloned().unwrap_or(Value::Null);
            let new: ValueMap = match ctx.eval(scope, row, value)? {
                Value::Map(m) => m,
                Value::Node(id) => ctx
                    .graph()
                    .entity(id)
                    .map(|e| e.props.clone())
                    .unwrap_or_default(),
                Value::Relationship(id) => ctx
                    .graph()
                    .relation(id)
                    .map(|r| r.props.clone())
                    .unwrap_or_default(),
                Value::Null => ValueMap::default(),
                other => {
                    return Err(Error::runtime(
                        ErrorKind::Type,
                        "InvalidArgumentType",
                        format!(
                            "properties can only be set from a map, not a value of type {}",
                            other.type_name()
                        ),
                    )
                    .at(value.span))
                }
            };
            for (k, v) in &new {
                if !v.is_null() && !v.is_storable() {
                    return Err(Error::runtime(
                        ErrorKind::Type,
                        "InvalidPropertyType",
                        format!(
                            "property `{k}` cannot hold a value of type {}",
                            v.type_name()
                        ),
                    )
                    .at(*span));
                }
            }
            let old_keys: Vec<String> = match &target {
                Value::Node(id) => ctx
                    .graph()
                    .entity(*id)
                    .map(|e| e.props.keys().map(|k| k.to_string()).collect())
                    .ok_or_else(|| store_error(crate::store::StoreError::NoEntity(*id), Some(*span)))?,
                Value::Relationship(id) => ctx
                    .graph()
                    .relation(*id)
                    .map(|r| r.props.keys().map(|k| k.to_string()).collect())
                    .ok_or_else(|| {
                        store_error(crate::store::StoreError::NoRelation(*id), Some(*span))
                    })?,
                Value::Null => return Ok(()),
                other => {
                    return Err(Error::runtime(
                        ErrorKind::Type,
                        "InvalidArgumentType",
                        format!(
                            "only nodes and relationships have properties to set, not a value of type {}",
                            other.type_name()
                        ),
                    )
                    .at(*span))
                }
            };
            let mut writes: Vec<(String, Option<Value>)> = Vec::new();
            if !merge {
                for k in old_keys {
                    if !new.contains_key(&k) {
                        writes.push((k, None));
                    }
                }
            }
            for (k, v) in new {
                writes.push((k.to_string(), (!v.is_null()).then_some(v)));
            }
            let g = ctx.graph_mut()?;
            let mut n = 0;
            for (k, v) in writes {
                let was_set = v.is_some();
                let old = match target {
                    Value::Node(id) => g.set_entity_prop(id, &k, v),
                    Value::Relationship(id) => g.set_relation_prop(id, &k, v),
                    _ => Ok(None),
                }
                .map_err(|e| store_error(e, Some(*span)))?;
                if was_set || old.is_some() {
                    n += 1;
                }
            }
            ctx.stats.properties_set += n;
        }
        SetOp::Labels {
            slot,
            labels,
            add,
            span,
        } => {
            let id = match row.get(*slot) {
                Some(Value::Node(id)) => *id,
                Some(Value::Null) | None => return Ok(()),
                Some(other) => {
                    return Err(Error::runtime(
                        ErrorKind::Type,
                        "InvalidArgumentType",
                        format!(
                            "only nodes have labels, not a value of type {}",
                            other.type_name()
                        ),
                    )
                    .at(*span))
                }
            };
            let g = ctx.graph_mut()?;
            let mut n = 0;
            for l in labels {
                let changed = if *add {
                    g.add_label(id, l)
                } else {
                    g.remove_label(id, l)
                }
                .map_err(|e| store_error(e, Some(*span)))?;
                if changed {
                    n += 1;
                }
            }
            if *add {
                ctx.stats.labels_added += n;
            } else {
                ctx.stats.labels_removed += n;
            }
        }
    }
    Ok(())
}

/// SET / REMOVE.
pub struct SetOpExec<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    ops: &'p [SetOp],
    out: Option<VecDeque<Row>>,
}

impl<'p> SetOpExec<'p> {
    /// Applies `ops` to each row of `scope`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, ops: &'p [SetOp]) -> Self {
        SetOpExec {
            input,
            scope,
            ops,
            out: None,
        }
    }
}

impl Operator for SetOpExec<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.out.is_none() {
            let rows = drain_all(&mut self.input, ctx)?;
            for row in &rows {
                ctx.guard.check()?;
                for op in self.ops {
                    apply_set(ctx, self.scope, row, op)?;
                }
            }
            ctx.graph_changed();
            self.out = Some(rows.into());
        }
        Ok(self.out.as_mut().and_then(VecDeque::pop_front))
    }
}

/// What MERGE does besides matching.
pub struct MergeSpec<'p> {
    /// What to create when nothing matches.
    pub create: &'p [CreateItem],
    /// Property values that must not be null.
    pub not_null: &'p [(String, Expr)],
    /// ON CREATE SET.
    pub on_create: &'p [SetOp],
    /// ON MATCH SET.
    pub on_match: &'p [SetOp],
}

/// MERGE.
pub struct MergeOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    matcher: &'p Plan,
    spec: MergeSpec<'p>,
    profile: Option<Rc<RefCell<Vec<OpFigures>>>>,
    out: Option<VecDeque<Row>>,
}

impl<'p> MergeOp<'p> {
    /// Merges for each row of `scope` (the input scope).
    pub fn new(
        input: BoxOp<'p>,
        scope: &'p Scope,
        matcher: &'p Plan,
        spec: MergeSpec<'p>,
        profile: Option<Rc<RefCell<Vec<OpFigures>>>>,
    ) -> Self {
        MergeOp {
            input,
            scope,
            matcher,
            spec,
            profile,
            out: None,
        }
    }

    fn merge_row(&self, ctx: &mut Ctx<'_>, row: Row, out: &mut VecDeque<Row>) -> Result<()> {
        for (k, e) in self.spec.not_null {
            if ctx.eval(self.scope, &row, e)?.is_null() {
                return Err(Error::new(
                    ErrorKind::Semantic,
                    Phase::Runtime,
                    "MergeReadOwnWrites",
                    format!("cannot merge a pattern whose property `{k}` is null"),
                )
                .at(e.span)
                .with_help(
                    "MERGE needs every property value it matches on; filter out nulls first",
                ));
            }
        }
        let mut matches = Vec::new();
        {
            let mut op = build(self.matcher, Some(&row), self.profile.as_ref());
            while let Some(m) = op.next(ctx)? {
                ctx.guard.check()?;
                matches.push(m);
            }
        }
        let out_scope = &self.matcher.scope;
        if matches.is_empty() {
            let mut new = row;
            new.resize(out_scope.width(), Value::Null);
            create(ctx, out_scope, &mut new, self.spec.create)?;
            for op in self.spec.on_create {
                apply_set(ctx, out_scope, &new, op)?;
            }
            out.push_back(new);
        } else {
            for m in matches {
                for op in self.spec.on_match {
                    apply_set(ctx, out_scope, &m, op)?;
                }
                out.push_back(m);
            }
        }
        ctx.graph_changed();
        Ok(())
    }
}

impl Operator for MergeOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.out.is_none() {
            let rows = drain_all(&mut self.input, ctx)?;
            let mut out = VecDeque::new();
            for row in rows {
                self.merge_row(ctx, row, &mut out)?;
            }
            self.out = Some(out);
        }
        Ok(self.out.as_mut().and_then(VecDeque::pop_front))
    }
}

/// [DETACH] DELETE.
pub struct DeleteOp<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    exprs: &'p [Expr],
    detach: bool,
    out: Option<VecDeque<Row>>,
}

impl<'p> DeleteOp<'p> {
    /// Deletes what `exprs` evaluate to, for each row of `scope`.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, exprs: &'p [Expr], detach: bool) -> Self {
        DeleteOp {
            input,
            scope,
            exprs,
            detach,
            out: None,
        }
    }
}

fn targets(
    v: Value,
    span: Span,
    nodes: &mut IndexSet<EntityId>,
    rels: &mut IndexSet<RelationId>,
) -> Result<()> {
    match v {
        Value::Null => {}
        Value::Node(id) => {
            nodes.insert(id);
        }
        Value::Relationship(id) => {
            rels.insert(id);
        }
        Value::Path(p) => {
            rels.extend(p.rels);
            nodes.extend(p.nodes);
        }
        Value::List(items) => {
            for i in items {
                targets(i, span, nodes, rels)?;
            }
        }
        other => {
            return Err(Error::runtime(
                ErrorKind::Type,
                "InvalidArgumentType",
                format!(
                    "DELETE takes nodes, relationships or paths, not a value of type {}",
                    other.type_name()
                ),
            )
            .at(span))
        }
    }
    Ok(())
}

impl Operator for DeleteOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        if self.out.is_none() {
            let rows = drain_all(&mut self.input, ctx)?;
            let mut nodes: IndexSet<EntityId> = IndexSet::new();
            let mut rels: IndexSet<RelationId> = IndexSet::new();
            let mut first_span = None;
            for row in &rows {
                for e in self.exprs {
                    let v = ctx.eval(self.scope, row, e)?;
                    first_span.get_or_insert(e.span);
                    targets(v, e.span, &mut nodes, &mut rels)?;
                }
            }
            let span = first_span;
            for r in rels {
                ctx.guard.check()?;
                if ctx.graph().relation(r).is_some() {
                    let rel = ctx
                        .graph_mut()?
                        .remove_relation(r)
                        .map_err(|e| store_error(e, span))?;
                    ctx.deleted.insert(r, rel);
                    ctx.stats.relationships_deleted += 1;
                }
            }
            for n in nodes {
                ctx.guard.check()?;
                if ctx.graph().entity(n).is_none() {
                    continue;
                }
                if self.detach {
                    let attached: IndexSet<RelationId> = ctx
                        .graph()
                        .outgoing(n)
                        .chain(ctx.graph().incoming(n))
                        .map(|r| r.id)
                        .collect();
                    for r in attached {
                        let rel = ctx
                            .graph_mut()?
                            .remove_relation(r)
                            .map_err(|e| store_error(e, span))?;
                        ctx.deleted.insert(r, rel);
                        ctx.stats.relationships_deleted += 1;
                    }
                }
                ctx.graph_mut()?
                    .remove_entity(n)
                    .map_err(|e| store_error(e, span))?;
                ctx.stats.nodes_deleted += 1;
            }
            ctx.graph_changed();
            self.out = Some(rows.into());
        }
        Ok(self.out.as_mut().and_then(VecDeque::pop_front))
    }
}
