//! `WITH` and `RETURN`: items, aliases, column names, aggregation and
//! grouping keys, `ORDER BY`, `SKIP`/`LIMIT` and `WHERE`.

use std::collections::HashSet;

use crate::error::{Result, Span};
use crate::syntax::ast::{Expr, ExprKind, Literal, Projection, ProjectionItem, UnaryOp};

use super::expr::{contains_aggregate, first_variable, is_aggregate_call, syntax, Agg, Cx};
use super::scope::{Scope, Ty};
use super::Checker;

/// What a projection leaves behind.
pub(crate) struct Projected {
    /// The variables visible after it (for `WITH`).
    pub(crate) scope: Scope,
    /// Its column names, in order.
    pub(crate) columns: Vec<String>,
}

/// The column name of an item: its alias, its variable, or its text.
fn column(item: &ProjectionItem) -> String {
    match (&item.alias, &item.expr.kind) {
        (Some(a), _) => a.name.clone(),
        (None, ExprKind::Variable(v)) => v.clone(),
        (None, _) => item.text.trim().to_string(),
    }
}

/// True for a grouping key an aggregating expression may reuse: a variable
/// or a property of one (`n`, `n.name`).
fn simple_key(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Variable(_) => true,
        ExprKind::Property(b, _) => simple_key(b),
        _ => false,
    }
}

/// In an expression that aggregates, the first place outside the aggregate
/// calls that reads a variable which is not a grouping key: such an
/// expression has no single value per group.
fn ambiguous(
    e: &Expr,
    keys: &[&Expr],
    group_vars: &HashSet<&str>,
    locals: &mut Vec<String>,
) -> Option<Span> {
    if is_aggregate_call(e)
        || keys
            .iter()
            .any(|k| simple_key(k) && super::expr::same(k, e))
    {
        return None;
    }
    if !contains_aggregate(e) {
        // Point at the whole value that is outside the aggregates.
        return offending(e, keys, group_vars, locals).map(|_| e.span);
    }
    offending(e, keys, group_vars, locals)
}

/// The first variable in `e` (outside aggregates and grouping keys) that
/// is not a grouping variable.
fn offending(
    e: &Expr,
    keys: &[&Expr],
    group_vars: &HashSet<&str>,
    locals: &mut Vec<String>,
) -> Option<Span> {
    if is_aggregate_call(e)
        || keys
            .iter()
            .any(|k| simple_key(k) && super::expr::same(k, e))
    {
        return None;
    }
    match &e.kind {
        ExprKind::Variable(v) => {
            if locals.iter().any(|l| l == v) || group_vars.contains(v.as_str()) {
                None
            } else {
                Some(e.span)
            }
        }
        ExprKind::ListComprehension {
            variable,
            list,
            predicate,
            projection,
        } => {
            if let Some(s) = ambiguous(list, keys, group_vars, locals) {
                return Some(s);
            }
            locals.push(variable.name.clone());
            let r = predicate
                .iter()
                .chain(projection.iter())
                .find_map(|x| ambiguous(x, keys, group_vars, locals));
            locals.pop();
            r
        }
        ExprKind::Quantified {
            variable,
            list,
            predicate,
            ..
        } => {
            if let Some(s) = ambiguous(list, keys, group_vars, locals) {
                return Some(s);
            }
            locals.push(variable.name.clone());
            let r = predicate
                .iter()
                .find_map(|x| ambiguous(x, keys, group_vars, locals));
            locals.pop();
            r
        }
        ExprKind::Reduce {
            accumulator,
            init,
            variable,
            list,
            expr,
        } => {
            if let Some(s) = ambiguous(init, keys, group_vars, locals)
                .or_else(|| ambiguous(list, keys, group_vars, locals))
            {
                return Some(s);
            }
            locals.push(accumulator.name.clone());
            locals.push(variable.name.clone());
            let r = ambiguous(expr, keys, group_vars, locals);
            locals.pop();
            locals.pop();
            r
        }
        ExprKind::PatternComprehension { .. } | ExprKind::Pattern(_) | ExprKind::Exists(_) => None,
        _ => super::expr::children(e)
            .into_iter()
            .find_map(|c| ambiguous(c, keys, group_vars, locals)),
    }
}

/// The error for an aggregating expression that reads a non-grouping value.
fn ambiguous_error(span: Span) -> crate::error::Error {
    syntax(
        "AmbiguousAggregationExpression",
        "this value is used next to an aggregate but is not a grouping key, so the expression has no single value per group",
        span,
    )
    .with_help("project this value on its own in the same clause so that it becomes a grouping key, or aggregate in a preceding WITH")
}

impl Checker {
    /// Checks a `WITH` (`is_with`) or `RETURN` body against `scope`.
    pub(crate) fn projection(
        &mut self,
        p: &Projection,
        is_with: bool,
        scope: &Scope,
        span: Span,
    ) -> Result<Projected> {
        let clause = if is_with { "WITH" } else { "RETURN" };
        if p.star && !is_with && scope.is_empty() {
            return Err(syntax(
                "NoVariablesInScope",
                format!("{clause} * needs variables in scope, but there are none"),
                span,
            ));
        }
        let item_cx = Cx {
            agg: Agg::Allowed,
            predicate: false,
            columns: &[],
        };
        let mut tys = Vec::with_capacity(p.items.len());
        for item in &p.items {
            tys.push(self.expr(&item.expr, scope, item_cx)?);
        }
        let aggregating = p.items.iter().any(|i| contains_aggregate(&i.expr));

        // Grouping keys: the items without aggregates (and `*`).
        let keys: Vec<&Expr> = p
            .items
            .iter()
            .filter(|i| !contains_aggregate(&i.expr))
            .map(|i| &i.expr)
            .collect();
        if aggregating {
            let mut group_vars: HashSet<&str> = HashSet::new();
            if p.star {
                group_vars.extend(scope.names());
            }
            for k in &keys {
                if let ExprKind::Variable(v) = &k.kind {
                    group_vars.insert(v);
                }
            }
            for item in p.items.iter().filter(|i| contains_aggregate(&i.expr)) {
                if let Some(s) = ambiguous(&item.expr, &keys, &group_vars, &mut Vec::new()) {
                    return Err(ambiguous_error(s));
                }
            }
        }

        // Columns and the scope after the projection.
        let mut columns: Vec<String> = Vec::new();
        let mut after = Scope::default();
        if p.star {
            for name in scope.sorted_names() {
                columns.push(name);
            }
            for (name, var) in scope.iter() {
                after.bind(name, var.ty.clone());
            }
        }
        let mut seen: HashSet<String> = HashSet::with_capacity(p.items.len());
        for (item, ty) in p.items.iter().zip(&tys) {
            let name = column(item);
            if !seen.insert(name.clone()) {
                let at = item.alias.as_ref().map_or(item.expr.span, |a| a.span);
                return Err(syntax(
                    "ColumnNameConflict",
                    format!("column `{name}` is defined more than once in this {clause}"),
                    at,
                )
                .with_help("give each column a different name with AS"));
            }
            let named = item.alias.is_some() || matches!(item.expr.kind, ExprKind::Variable(_));
            if named || !is_with {
                after.bind(&name, ty.clone());
            }
            columns.push(name);
        }

        // ORDER BY and WHERE see the columns and, unless DISTINCT or an
        // aggregation removed them, the variables from before.
        let restricted = p.distinct || aggregating;
        let item_exprs: Vec<&Expr> = p.items.iter().map(|i| &i.expr).collect();
        let (visible, column_exprs): (Scope, &[&Expr]) = if restricted {
            (after.clone(), &item_exprs)
        } else {
            let mut merged = scope.clone();
            for (n, v) in after.iter() {
                merged.bind(n, v.ty.clone());
            }
            (merged, &[])
        };
        let saved = std::mem::take(&mut self.dropped);
        if restricted {
            let why = if aggregating {
                "an aggregation"
            } else {
                "DISTINCT"
            };
            for name in scope.names().filter(|n| !after.contains(n)) {
                self.dropped.insert(
                    name.to_string(),
                    format!("after {why}, only the columns of the {clause} can be used here"),
                );
            }
        }
        let r = self.order_where(
            p,
            &visible,
            column_exprs,
            aggregating,
            &keys,
            &after,
            clause,
        );
        self.dropped = saved;
        r?;

        for (e, what) in [(&p.skip, "SKIP"), (&p.limit, "LIMIT")] {
            if let Some(e) = e {
                self.skip_limit(e, what)?;
            }
        }

        if is_with {
            if let Some(item) = p
                .items
                .iter()
                .find(|i| i.alias.is_none() && !matches!(i.expr.kind, ExprKind::Variable(_)))
            {
                return Err(syntax(
                    "NoExpressionAlias",
                    format!("expression `{}` in WITH must be aliased", item.text.trim()),
                    item.expr.span,
                )
                .with_help(format!("name it: `{} AS name`", item.text.trim())));
            }
            self.dropped.clear();
            for name in scope.names().filter(|n| !after.contains(n)) {
                self.dropped.insert(
                    name.to_string(),
                    format!("`{name}` is not carried over by the preceding WITH; add it there to keep it"),
                );
            }
        }
        Ok(Projected {
            scope: after,
            columns,
        })
    }

    /// `ORDER BY` and `WITH ... WHERE`.
    #[allow(clippy::too_many_arguments)]
    fn order_where(
        &mut self,
        p: &Projection,
        visible: &Scope,
        column_exprs: &[&Expr],
        aggregating: bool,
        keys: &[&Expr],
        after: &Scope,
        clause: &'static str,
    ) -> Result<()> {
        let order_cx = Cx {
            agg: if aggregating {
                Agg::Allowed
            } else if clause == "WITH" {
                Agg::Forbidden("in ORDER BY when the WITH does not aggregate")
            } else {
                Agg::Forbidden("in ORDER BY when the RETURN does not aggregate")
            },
            predicate: false,
            columns: column_exprs,
        };
        for s in &p.order_by {
            self.expr(&s.expr, visible, order_cx)?;
            if aggregating && contains_aggregate(&s.expr) {
                let group_vars: HashSet<&str> = after.names().collect();
                if let Some(span) = ambiguous(&s.expr, keys, &group_vars, &mut Vec::new()) {
                    return Err(ambiguous_error(span));
                }
            }
        }
        if let Some(w) = &p.where_ {
            let cx = Cx {
                agg: Agg::Forbidden("in WHERE"),
                predicate: true,
                columns: column_exprs,
            };
            self.predicate_expr(w, visible, cx)?;
        }
        Ok(())
    }

    /// `SKIP` and `LIMIT` take a constant, non-negative integer.
    fn skip_limit(&mut self, e: &Expr, what: &'static str) -> Result<()> {
        if let Some((name, span)) = first_variable(e) {
            return Err(syntax(
                "NonConstantExpression",
                format!("{what} must be a constant, but it reads variable `{name}`"),
                span,
            )
            .with_help("use a literal or a parameter"));
        }
        let place = if what == "SKIP" {
            "in SKIP"
        } else {
            "in LIMIT"
        };
        let t = self.expr(e, &Scope::default(), Cx::value(place))?;
        let negative = match &e.kind {
            ExprKind::Literal(Literal::Int(i)) => *i < 0,
            ExprKind::Unary(UnaryOp::Neg, x) => {
                matches!(x.kind, ExprKind::Literal(Literal::Int(i)) if i > 0)
            }
            _ => false,
        };
        if negative {
            return Err(syntax(
                "NegativeIntegerArgument",
                format!("{what} cannot be negative"),
                e.span,
            ));
        }
        if !matches!(t, Ty::Any | Ty::Null | Ty::Int) {
            return Err(syntax(
                "InvalidArgumentType",
                format!("{what} needs a non-negative integer, not {}", t.describe()),
                e.span,
            ));
        }
        Ok(())
    }
}
