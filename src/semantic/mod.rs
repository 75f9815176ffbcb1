//! Stage 2: static checks on the AST, before planning: variable scopes and
//! kinds, aggregation rules, argument counts, literal types, and the other
//! compile-time errors of the openCypher TCK.
//!
//! The checker is a pure function of the AST. It walks the clauses in order
//! with a [`Scope`](scope::Scope) of the variables bound so far and what
//! each holds (node, relationship, path, list, literal type, or unknown),
//! and reports the first problem with the span of the offending text:
//!
//! - `pattern`: what `MATCH`, `CREATE`, `MERGE` and pattern expressions bind;
//! - `projection`: `WITH`/`RETURN` items, grouping, `ORDER BY`, `SKIP`/`LIMIT`;
//! - `expr`: variables, aggregates, functions and statically wrong types.

mod expr;
mod pattern;
mod projection;
mod scope;

use std::collections::HashMap;

use crate::error::{Result, Span};
use crate::syntax::ast::{
    Call, Clause, ClauseKind, Delete, ExprKind, Query, RemoveItem, SetItem, SingleQuery, Statement,
};

use expr::{syntax, Cx};
use pattern::PatMode;
use scope::{Scope, Ty};

/// Checks a parsed statement; the first error found is returned with its span.
pub fn check(statement: &Statement) -> Result<()> {
    let mut checker = Checker::default();
    checker
        .query(&statement.query, &Scope::default(), QueryKind::Top)
        .map(|_| ())
}

/// The most clauses plus nodes and relationships of matched patterns
/// (`MATCH`, `MERGE`, pattern predicates, `EXISTS`) one statement may have.
/// Each becomes at least one operator of a chain that later stages walk
/// recursively, so a bound keeps planning and execution fast and their
/// recursion far from the end of the stack; real queries stay far below it.
/// Nodes and relationships that `CREATE` makes do not count.
pub const MAX_STATEMENT_SIZE: usize = 1_000;

/// The walker's state beyond the scope, which is passed explicitly.
#[derive(Default)]
pub(crate) struct Checker {
    /// Clauses and matched pattern nodes and relationships seen so far.
    size: usize,
    /// Variables local to an expression (list comprehension, quantifier,
    /// `reduce`), innermost last.
    locals: Vec<(String, Ty)>,
    /// Variables that went out of scope at the last projection, with the
    /// reason, for the help of an "undefined variable" error.
    dropped: HashMap<String, String>,
}

/// Where a query appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueryKind {
    /// The statement itself.
    Top,
    /// Inside `EXISTS { ... }`: read-only, and need not end with `RETURN`.
    Exists,
}

fn clause_name(kind: &ClauseKind) -> &'static str {
    match kind {
        ClauseKind::Match(m) if m.optional => "OPTIONAL MATCH",
        ClauseKind::Match(_) => "MATCH",
        ClauseKind::Unwind(_) => "UNWIND",
        ClauseKind::With(_) => "WITH",
        ClauseKind::Return(_) => "RETURN",
        ClauseKind::Create(_) => "CREATE",
        ClauseKind::Merge(_) => "MERGE",
        ClauseKind::Set(_) => "SET",
        ClauseKind::Remove(_) => "REMOVE",
        ClauseKind::Delete(d) if d.detach => "DETACH DELETE",
        ClauseKind::Delete(_) => "DELETE",
        ClauseKind::Call(_) => "CALL",
    }
}

fn updates(kind: &ClauseKind) -> bool {
    matches!(
        kind,
        ClauseKind::Create(_)
            | ClauseKind::Merge(_)
            | ClauseKind::Set(_)
            | ClauseKind::Remove(_)
            | ClauseKind::Delete(_)
    )
}

impl Checker {
    /// Counts `n` more clauses or pattern parts, refusing a statement that
    /// grows past [`MAX_STATEMENT_SIZE`] at `span`.
    pub(crate) fn count(&mut self, n: usize, span: Span) -> Result<()> {
        self.size = self.size.saturating_add(n);
        if self.size > MAX_STATEMENT_SIZE {
            return Err(syntax(
                "StatementTooLarge",
                format!(
                    "the statement is too large: more than {MAX_STATEMENT_SIZE} clauses and matched pattern nodes and relationships"
                ),
                span,
            )
            .with_help("split it into several statements, or pass long lists of values as a parameter and UNWIND them"));
        }
        Ok(())
    }

    /// Checks a query seen from `outer`; returns its columns when known.
    fn query(&mut self, q: &Query, outer: &Scope, kind: QueryKind) -> Result<Option<Vec<String>>> {
        expr::with_stack(|| self.query_unguarded(q, outer, kind))
    }

    fn query_unguarded(
        &mut self,
        q: &Query,
        outer: &Scope,
        kind: QueryKind,
    ) -> Result<Option<Vec<String>>> {
        if let Some((first_all, _)) = q.unions.first() {
            if let Some((_, part)) = q.unions.iter().find(|(all, _)| all != first_all) {
                return Err(syntax(
                    "InvalidClauseComposition",
                    "UNION and UNION ALL cannot be mixed in one query",
                    part.span,
                )
                .with_help("use UNION everywhere (removing duplicates) or UNION ALL everywhere"));
            }
        }
        let standalone =
            q.unions.is_empty() && q.first.clauses.len() == 1 && kind == QueryKind::Top;
        let columns = self.single(&q.first, outer, kind, standalone)?;
        for (_, part) in &q.unions {
            let other = self.single(part, outer, kind, false)?;
            if let (Some(a), Some(b)) = (&columns, &other) {
                if a != b {
                    return Err(syntax(
                        "DifferentColumnsInUnion",
                        format!(
                            "all parts of a UNION must return the same columns: ({}) vs ({})",
                            a.join(", "),
                            b.join(", ")
                        ),
                        part.span,
                    ));
                }
            }
        }
        Ok(columns)
    }

    /// A subquery (`EXISTS { MATCH ... }`) that sees `scope`.
    pub(crate) fn subquery(&mut self, q: &Query, scope: &Scope) -> Result<()> {
        let saved = std::mem::take(&mut self.dropped);
        let r = self.query(q, scope, QueryKind::Exists);
        self.dropped = saved;
        r.map(|_| ())
    }

    /// Checks the clauses of one part of a query, in order.
    fn single(
        &mut self,
        sq: &SingleQuery,
        outer: &Scope,
        kind: QueryKind,
        standalone: bool,
    ) -> Result<Option<Vec<String>>> {
        let mut scope = outer.clone();
        let mut columns = None;
        self.dropped.clear();
        let mut previous: Option<&Clause> = None;
        for clause in &sq.clauses {
            if let Some(Clause {
                kind: ClauseKind::Return(_),
                ..
            }) = previous
            {
                return Err(syntax(
                    "InvalidClauseComposition",
                    format!(
                        "{} cannot follow RETURN: RETURN must be the last clause",
                        clause_name(&clause.kind)
                    ),
                    clause.span,
                ));
            }
            if kind == QueryKind::Exists && updates(&clause.kind) {
                return Err(syntax(
                    "InvalidClauseComposition",
                    format!(
                        "an EXISTS subquery cannot change the graph, so {} is not allowed in it",
                        clause_name(&clause.kind)
                    ),
                    clause.span,
                ));
            }
            if let Some(cols) = self.clause(clause, &mut scope, standalone)? {
                columns = Some(cols);
            }
            previous = Some(clause);
        }
        if let Some(last) = sq.clauses.last() {
            let ends_well = match &last.kind {
                ClauseKind::Return(_) => true,
                ClauseKind::Call(_) => true,
                k => kind == QueryKind::Exists || updates(k),
            };
            if !ends_well {
                return Err(syntax(
                    "InvalidClauseComposition",
                    format!(
                        "a query cannot end with {}: it must end with RETURN or a clause that changes the graph",
                        clause_name(&last.kind)
                    ),
                    last.span,
                )
                .with_help("add a RETURN clause"));
            }
        }
        Ok(columns)
    }

    /// Checks one clause, updating the scope; returns the columns of a `RETURN`.
    fn clause(
        &mut self,
        clause: &Clause,
        scope: &mut Scope,
        standalone: bool,
    ) -> Result<Option<Vec<String>>> {
        self.count(1, clause.span)?;
        match &clause.kind {
            ClauseKind::Match(m) => {
                self.bind_pattern(&m.pattern.parts, scope, PatMode::Match)?;
                self.pattern_properties(&m.pattern.parts, scope, PatMode::Match)?;
                if let Some(w) = &m.where_ {
                    self.predicate_expr(w, scope, Cx::predicate("in WHERE"))?;
                }
            }
            ClauseKind::Unwind(u) => {
                let t = self.expr(&u.expr, scope, Cx::value("in UNWIND"))?;
                if scope.contains(&u.variable.name) {
                    return Err(syntax(
                        "VariableAlreadyBound",
                        format!(
                            "variable `{}` is already bound; UNWIND needs a new variable",
                            u.variable.name
                        ),
                        u.variable.span,
                    ));
                }
                scope.bind(&u.variable.name, t.elem());
            }
            ClauseKind::With(p) => {
                let projected = self.projection(p, true, scope, clause.span)?;
                *scope = projected.scope;
            }
            ClauseKind::Return(p) => {
                let projected = self.projection(p, false, scope, clause.span)?;
                return Ok(Some(projected.columns));
            }
            ClauseKind::Create(pattern) => {
                self.bind_pattern(&pattern.parts, scope, PatMode::Create)?;
                self.pattern_properties(&pattern.parts, scope, PatMode::Create)?;
            }
            ClauseKind::Merge(m) => {
                let parts = std::slice::from_ref(&m.part);
                self.bind_pattern(parts, scope, PatMode::Merge)?;
                self.pattern_properties(parts, scope, PatMode::Merge)?;
                for action in &m.actions {
                    for item in &action.items {
                        self.set_item(item, scope)?;
                    }
                }
            }
            ClauseKind::Set(items) => {
                for item in items {
                    self.set_item(item, scope)?;
                }
            }
            ClauseKind::Remove(items) => {
                for item in items {
                    match item {
                        RemoveItem::Property { target, .. } => {
                            self.expr(target, scope, Cx::value("in REMOVE"))?;
                        }
                        RemoveItem::Labels { variable, .. } => {
                            self.bound(variable, scope)?;
                        }
                    }
                }
            }
            ClauseKind::Delete(d) => self.delete(d, scope)?,
            ClauseKind::Call(c) => self.call(c, scope, standalone)?,
        }
        Ok(None)
    }

    /// Fails unless the variable is bound.
    fn bound(&self, v: &crate::syntax::ast::Ident, scope: &Scope) -> Result<Ty> {
        self.lookup(&v.name, scope)
            .ok_or_else(|| self.undefined(&v.name, v.span, scope))
    }

    fn set_item(&mut self, item: &SetItem, scope: &Scope) -> Result<()> {
        let cx = Cx::value("in SET");
        match item {
            SetItem::Property { target, value, .. } => {
                self.expr(target, scope, cx)?;
                self.expr(value, scope, cx)?;
            }
            SetItem::Variable {
                variable, value, ..
            } => {
                self.bound(variable, scope)?;
                self.expr(value, scope, cx)?;
            }
            SetItem::Labels { variable, .. } => {
                self.bound(variable, scope)?;
            }
        }
        Ok(())
    }

    fn delete(&mut self, d: &Delete, scope: &Scope) -> Result<()> {
        for e in &d.exprs {
            if let ExprKind::HasLabels(_, _) = e.kind {
                return Err(syntax(
                    "InvalidDelete",
                    "DELETE removes nodes and relationships, not labels or types",
                    e.span,
                )
                .with_help("use REMOVE n:Label to remove a label"));
            }
            let t = self.expr(e, scope, Cx::value("in DELETE"))?;
            if matches!(t, Ty::Bool | Ty::Int | Ty::Float | Ty::Str | Ty::Map) {
                return Err(syntax(
                    "InvalidArgumentType",
                    format!(
                        "DELETE needs a node, a relationship or a path, but this is {}",
                        t.describe()
                    ),
                    e.span,
                ));
            }
        }
        Ok(())
    }

    fn call(&mut self, c: &Call, scope: &mut Scope, standalone: bool) -> Result<()> {
        let name = expr::function_name(&c.procedure);
        let span = match (c.procedure.first(), c.procedure.last()) {
            (Some(a), Some(b)) => a.span.merge(b.span),
            _ => Default::default(),
        };
        match &c.args {
            Some(args) => {
                for a in args {
                    self.expr(a, scope, Cx::value("in procedure arguments"))?;
                }
            }
            None if !standalone => {
                return Err(syntax(
                    "InvalidArgumentPassingMode",
                    format!(
                        "procedure `{name}` must be called with parentheses inside a larger query"
                    ),
                    span,
                )
                .with_help(format!("write `CALL {name}(...)` with its arguments")));
            }
            None => {}
        }
        if c.yield_star && !standalone {
            return Err(syntax(
                "UnexpectedSyntax",
                "YIELD * is only allowed when CALL is the whole query; name the columns to yield",
                span,
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for (column, alias) in &c.yields {
            let out = alias.as_ref().unwrap_or(column);
            if scope.contains(&out.name) || seen.contains(&out.name.as_str()) {
                return Err(syntax(
                    "VariableAlreadyBound",
                    format!(
                        "variable `{}` is already bound; yield it under another name with AS",
                        out.name
                    ),
                    out.span,
                ));
            }
            seen.push(&out.name);
        }
        for name in seen {
            scope.bind(name, Ty::Any);
        }
        if let Some(w) = &c.where_ {
            self.predicate_expr(w, scope, Cx::predicate("in WHERE"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
