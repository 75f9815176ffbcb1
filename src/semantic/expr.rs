//! The expression walker: variables in scope, aggregation placement,
//! function names and argument counts, and the types that are wrong from the
//! query text alone (`123 AND true`, `labels(path)`, `x.prop` on a number).

use crate::builtins::{CypherType, Function, FunctionKind, Returns};
use crate::error::{Error, ErrorKind, Phase, Result, Span};
use crate::syntax::ast::{
    BinaryOp, ExistsBody, Expr, ExprKind, FunctionName, Ident, Literal, PatternElement, UnaryOp,
};

use super::pattern::PatMode;
use super::scope::{Scope, Ty};
use super::Checker;

/// Where aggregate functions may appear.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Agg {
    /// Here (a `WITH`/`RETURN` item, or `ORDER BY` after an aggregation).
    Allowed,
    /// Inside the arguments of an aggregate: another one would be nested.
    Inside,
    /// Not here; the words say where "here" is ("in WHERE").
    Forbidden(&'static str),
}

/// The context an expression is checked in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cx<'a> {
    /// Whether aggregates may appear.
    pub(crate) agg: Agg,
    /// A predicate position (`WHERE`, operands of `AND`/`OR`/`XOR`/`NOT`):
    /// pattern expressions are allowed here and nowhere else.
    pub(crate) predicate: bool,
    /// Expressions of the preceding projection that stand for its columns
    /// (in `ORDER BY` and `WHERE` after `DISTINCT` or an aggregation, where
    /// only the columns remain).
    pub(crate) columns: &'a [&'a Expr],
}

impl<'a> Cx<'a> {
    /// A value position where aggregates are not allowed.
    pub(crate) fn value(place: &'static str) -> Cx<'a> {
        Cx {
            agg: Agg::Forbidden(place),
            predicate: false,
            columns: &[],
        }
    }

    /// A predicate position where aggregates are not allowed.
    pub(crate) fn predicate(place: &'static str) -> Cx<'a> {
        Cx {
            agg: Agg::Forbidden(place),
            predicate: true,
            columns: &[],
        }
    }

    fn with_predicate(self, predicate: bool) -> Cx<'a> {
        Cx { predicate, ..self }
    }

    fn with_agg(self, agg: Agg) -> Cx<'a> {
        Cx { agg, ..self }
    }
}

/// Runs `f` with enough stack left for the deepest nesting the parser
/// accepts, moving to a fresh segment when needed.
pub(crate) fn with_stack<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(256 * 1024, 2 * 1024 * 1024, f)
}

/// A compile-time `SyntaxError`.
pub(crate) fn syntax(code: &'static str, message: impl Into<String>, span: Span) -> Error {
    Error::syntax(code, message, span)
}

/// A compile-time `TypeError`.
pub(crate) fn type_error(code: &'static str, message: impl Into<String>, span: Span) -> Error {
    Error::new(ErrorKind::Type, Phase::Compile, code, message).at(span)
}

/// The function's name as written, dotted parts joined.
pub(crate) fn function_name(name: &[Ident]) -> String {
    name.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// The span of a function's name.
fn name_span(name: &[Ident], whole: Span) -> Span {
    match (name.first(), name.last()) {
        (Some(a), Some(b)) => a.span.merge(b.span),
        _ => whole,
    }
}

/// True when `e` is a call of an aggregate function (or `count(*)`).
pub(crate) fn is_aggregate_call(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::CountStar => true,
        ExprKind::Function { name, .. } => name.function().is_some_and(Function::is_aggregate),
        _ => false,
    }
}

/// True when `e` calls an aggregate function somewhere (not looking into
/// `EXISTS` subqueries).
pub(crate) fn contains_aggregate(e: &Expr) -> bool {
    let mut found = false;
    visit(e, &mut |x| {
        if is_aggregate_call(x) {
            found = true;
        }
    });
    found
}

/// The first variable `e` reads, if any (for constant-only positions).
pub(crate) fn first_variable(e: &Expr) -> Option<(&str, Span)> {
    let mut found: Option<(&str, Span)> = None;
    visit(e, &mut |x| {
        if let (None, ExprKind::Variable(v)) = (&found, &x.kind) {
            found = Some((v.as_str(), x.span));
        }
    });
    found
}

/// Calls `f` on `e` and every expression nested in it (not inside patterns
/// or subqueries).
pub(crate) fn visit<'e>(e: &'e Expr, f: &mut dyn FnMut(&'e Expr)) {
    f(e);
    for c in children(e) {
        visit(c, f);
    }
}

/// The direct sub-expressions of `e` (not those inside patterns or subqueries).
pub(crate) fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Literal(_)
        | ExprKind::Parameter(_)
        | ExprKind::Variable(_)
        | ExprKind::CountStar
        | ExprKind::Pattern(_)
        | ExprKind::Exists(_) => vec![],
        ExprKind::List(items) => items.iter().collect(),
        ExprKind::Map(entries) => entries.iter().map(|(_, v)| v).collect(),
        ExprKind::Property(b, _) => vec![b],
        ExprKind::Index(a, b) => vec![a, b],
        ExprKind::Slice(a, b, c) => {
            let mut v: Vec<&Expr> = vec![a];
            v.extend(b.as_deref());
            v.extend(c.as_deref());
            v
        }
        ExprKind::Unary(_, a) | ExprKind::IsNull(a, _) | ExprKind::HasLabels(a, _) => vec![a],
        ExprKind::Binary(_, a, b) => vec![a, b],
        ExprKind::Function { args, .. } => args.iter().collect(),
        ExprKind::Case {
            subject,
            whens,
            otherwise,
        } => {
            let mut v: Vec<&Expr> = subject.as_deref().into_iter().collect();
            for (w, t) in whens {
                v.push(w);
                v.push(t);
            }
            v.extend(otherwise.as_deref());
            v
        }
        ExprKind::ListComprehension {
            list,
            predicate,
            projection,
            ..
        } => {
            let mut v: Vec<&Expr> = vec![list];
            v.extend(predicate.as_deref());
            v.extend(projection.as_deref());
            v
        }
        ExprKind::PatternComprehension {
            predicate,
            projection,
            ..
        } => {
            let mut v: Vec<&Expr> = predicate.as_deref().into_iter().collect();
            v.push(projection);
            v
        }
        ExprKind::Quantified {
            list, predicate, ..
        } => {
            let mut v: Vec<&Expr> = vec![list];
            v.extend(predicate.as_deref());
            v
        }
        ExprKind::Reduce {
            init, list, expr, ..
        } => vec![init, list, expr],
    }
}

/// Structural equality, ignoring positions (and the case of function names).
pub(crate) fn same(a: &Expr, b: &Expr) -> bool {
    use ExprKind as K;
    let opt = |x: &Option<Box<Expr>>, y: &Option<Box<Expr>>| match (x, y) {
        (None, None) => true,
        (Some(x), Some(y)) => same(x, y),
        _ => false,
    };
    let all =
        |x: &[Expr], y: &[Expr]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q));
    match (&a.kind, &b.kind) {
        (K::Literal(x), K::Literal(y)) => x == y,
        (K::Parameter(x), K::Parameter(y)) | (K::Variable(x), K::Variable(y)) => x == y,
        (K::List(x), K::List(y)) => all(x, y),
        (K::Map(x), K::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
        }
        (K::Property(x, k1), K::Property(y, k2)) => k1 == k2 && same(x, y),
        (K::Index(x1, x2), K::Index(y1, y2)) => same(x1, y1) && same(x2, y2),
        (K::Slice(x, x1, x2), K::Slice(y, y1, y2)) => same(x, y) && opt(x1, y1) && opt(x2, y2),
        (K::Unary(o1, x), K::Unary(o2, y)) => o1 == o2 && same(x, y),
        (K::Binary(o1, x1, x2), K::Binary(o2, y1, y2)) => o1 == o2 && same(x1, y1) && same(x2, y2),
        (K::IsNull(x, n1), K::IsNull(y, n2)) => n1 == n2 && same(x, y),
        (K::HasLabels(x, l1), K::HasLabels(y, l2)) => l1 == l2 && same(x, y),
        (
            K::Function {
                name: n1,
                distinct: d1,
                args: a1,
            },
            K::Function {
                name: n2,
                distinct: d2,
                args: a2,
            },
        ) => function_name(n1).eq_ignore_ascii_case(&function_name(n2)) && d1 == d2 && all(a1, a2),
        (K::CountStar, K::CountStar) => true,
        (
            K::Case {
                subject: s1,
                whens: w1,
                otherwise: o1,
            },
            K::Case {
                subject: s2,
                whens: w2,
                otherwise: o2,
            },
        ) => {
            opt(s1, s2)
                && opt(o1, o2)
                && w1.len() == w2.len()
                && w1
                    .iter()
                    .zip(w2)
                    .all(|((a, b), (c, d))| same(a, c) && same(b, d))
        }
        (
            K::ListComprehension {
                variable: v1,
                list: l1,
                predicate: p1,
                projection: r1,
            },
            K::ListComprehension {
                variable: v2,
                list: l2,
                predicate: p2,
                projection: r2,
            },
        ) => v1 == v2 && same(l1, l2) && opt(p1, p2) && opt(r1, r2),
        (
            K::Quantified {
                quantifier: q1,
                variable: v1,
                list: l1,
                predicate: p1,
            },
            K::Quantified {
                quantifier: q2,
                variable: v2,
                list: l2,
                predicate: p2,
            },
        ) => q1 == q2 && v1 == v2 && same(l1, l2) && opt(p1, p2),
        (
            K::Reduce {
                accumulator: a1,
                init: i1,
                variable: v1,
                list: l1,
                expr: e1,
            },
            K::Reduce {
                accumulator: a2,
                init: i2,
                variable: v2,
                list: l2,
                expr: e2,
            },
        ) => a1 == a2 && v1 == v2 && same(i1, i2) && same(l1, l2) && same(e1, e2),
        _ => false,
    }
}

/// The static type of a literal.
fn literal_type(l: &Literal) -> Ty {
    match l {
        Literal::Null => Ty::Null,
        Literal::Bool(_) => Ty::Bool,
        Literal::Int(_) => Ty::Int,
        Literal::Float(_) => Ty::Float,
        Literal::String(_) => Ty::Str,
    }
}

/// The checker's type for a registry type.
fn ty_of(t: &CypherType) -> Ty {
    match t {
        CypherType::Boolean => Ty::Bool,
        CypherType::Integer => Ty::Int,
        CypherType::Float => Ty::Float,
        CypherType::String => Ty::Str,
        CypherType::Map => Ty::Map,
        CypherType::Node => Ty::Node,
        CypherType::Relationship => Ty::Rel,
        CypherType::Path => Ty::Path,
        CypherType::List(e) => Ty::list(ty_of(e)),
        CypherType::Any | CypherType::Date => Ty::Any,
    }
}

/// True when a value of checker type `t` is certainly not one of `types`
/// (the types a function's first argument may have; empty: any).
/// `Any` and `null` always pass.
fn rejects(types: &[CypherType], t: &Ty) -> bool {
    if types.is_empty() || matches!(t, Ty::Any | Ty::Null) {
        return false;
    }
    !types.iter().any(|c| match (c, t) {
        (CypherType::List(_), Ty::List(_)) => true,
        (c, t) => ty_of(c) == *t,
    })
}

/// The result type of a function, from the registry and its argument types.
fn function_type(function: &Function, args: &[Ty]) -> Ty {
    let first = args.first().cloned().unwrap_or(Ty::Any);
    match function.returns {
        Returns::Type(t) => ty_of(&t),
        Returns::Unchecked(_) => Ty::Any,
        Returns::FirstArgument => first,
        Returns::ElementOfFirst => first.elem(),
        Returns::ListOfFirst => Ty::list(if first == Ty::Null { Ty::Any } else { first }),
    }
}

impl Checker {
    /// The type of a variable visible here (local ones first).
    pub(crate) fn lookup(&self, name: &str, scope: &Scope) -> Option<Ty> {
        if let Some((_, t)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return Some(t.clone());
        }
        scope.get(name).map(|v| v.ty.clone())
    }

    /// A scope holding `scope` and the local variables visible here.
    pub(crate) fn with_locals(&self, scope: &Scope) -> Scope {
        let mut s = scope.clone();
        for (n, t) in &self.locals {
            s.bind(n, t.clone());
        }
        s
    }

    /// The error for a variable that is not defined, with a suggestion.
    pub(crate) fn undefined(&self, name: &str, span: Span, scope: &Scope) -> Error {
        let err = syntax(
            "UndefinedVariable",
            format!("variable `{name}` is not defined"),
            span,
        );
        if let Some(why) = self.dropped.get(name) {
            return err.with_help(why.clone());
        }
        let candidates = scope
            .names()
            .chain(self.locals.iter().map(|(n, _)| n.as_str()));
        if let Some(c) = super::scope::closest(name, candidates) {
            return err.with_help(format!("did you mean `{c}`?"));
        }
        err
    }

    /// Checks an expression and returns its static type.
    pub(crate) fn expr(&mut self, e: &Expr, scope: &Scope, cx: Cx) -> Result<Ty> {
        with_stack(|| self.expr_unguarded(e, scope, cx))
    }

    fn expr_unguarded(&mut self, e: &Expr, scope: &Scope, cx: Cx) -> Result<Ty> {
        if cx.columns.iter().any(|c| same(c, e)) {
            return Ok(Ty::Any);
        }
        let span = e.span;
        match &e.kind {
            ExprKind::Literal(l) => Ok(literal_type(l)),
            ExprKind::Parameter(_) => Ok(Ty::Any),
            ExprKind::Variable(name) => match self.lookup(name, scope) {
                Some(t) => Ok(t),
                None => Err(self.undefined(name, span, scope)),
            },
            ExprKind::List(items) => {
                let mut elem = Ty::Null;
                let cx = cx.with_predicate(false);
                for (i, item) in items.iter().enumerate() {
                    let t = self.expr(item, scope, cx)?;
                    elem = if i == 0 { t } else { elem.join(&t) };
                }
                if items.is_empty() {
                    elem = Ty::Any;
                }
                Ok(Ty::list(elem))
            }
            ExprKind::Map(entries) => {
                for (_, v) in entries {
                    self.expr(v, scope, cx.with_predicate(false))?;
                }
                Ok(Ty::Map)
            }
            ExprKind::Property(base, key) => {
                let t = self.expr(base, scope, cx.with_predicate(false))?;
                if matches!(
                    t,
                    Ty::Bool | Ty::Int | Ty::Float | Ty::Str | Ty::List(_) | Ty::Path
                ) {
                    let message = format!(
                        "cannot read property `{}` of {}: only nodes, relationships and maps have properties",
                        key.name,
                        t.describe()
                    );
                    // The TCK files a path's missing properties under
                    // SyntaxError, a literal's under TypeError.
                    return Err(if t == Ty::Path {
                        syntax("InvalidArgumentType", message, span)
                    } else {
                        type_error("InvalidArgumentType", message, span)
                    });
                }
                Ok(Ty::Any)
            }
            ExprKind::Index(base, index) => {
                let cx = cx.with_predicate(false);
                let t = self.expr(base, scope, cx)?;
                let i = self.expr(index, scope, cx)?;
                if matches!(t, Ty::Bool | Ty::Int | Ty::Float | Ty::Str | Ty::Path) {
                    return Err(type_error(
                        "InvalidArgumentType",
                        format!(
                            "cannot index {}: only lists, maps, nodes and relationships can be indexed",
                            t.describe()
                        ),
                        base.span,
                    ));
                }
                if matches!(t, Ty::List(_))
                    && matches!(i, Ty::Bool | Ty::Float | Ty::Str | Ty::List(_) | Ty::Map)
                {
                    return Err(type_error(
                        "InvalidArgumentType",
                        format!("a list index must be an integer, not {}", i.describe()),
                        index.span,
                    ));
                }
                Ok(t.elem())
            }
            ExprKind::Slice(base, from, to) => {
                let cx = cx.with_predicate(false);
                let t = self.expr(base, scope, cx)?;
                for b in [from, to].into_iter().flatten() {
                    self.expr(b, scope, cx)?;
                }
                Ok(t)
            }
            ExprKind::Unary(op, a) => self.unary(*op, a, scope, cx, span),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, scope, cx, span),
            ExprKind::IsNull(a, _) => {
                self.expr(a, scope, cx.with_predicate(false))?;
                Ok(Ty::Bool)
            }
            ExprKind::HasLabels(a, _) => {
                self.expr(a, scope, cx.with_predicate(false))?;
                Ok(Ty::Bool)
            }
            ExprKind::Function {
                name,
                distinct: _,
                args,
            } => self.function(e, name, args, scope, cx),
            ExprKind::CountStar => {
                self.aggregate_allowed("count", span, cx)?;
                Ok(Ty::Int)
            }
            ExprKind::Case {
                subject,
                whens,
                otherwise,
            } => {
                let vcx = cx.with_predicate(false);
                if let Some(s) = subject {
                    self.expr(s, scope, vcx)?;
                }
                let mut result = Ty::Null;
                let mut first = true;
                for (w, t) in whens {
                    self.expr(w, scope, cx.with_predicate(subject.is_none()))?;
                    let rt = self.expr(t, scope, vcx)?;
                    result = if first { rt } else { result.join(&rt) };
                    first = false;
                }
                if let Some(o) = otherwise {
                    let ot = self.expr(o, scope, vcx)?;
                    result = result.join(&ot);
                }
                Ok(result)
            }
            ExprKind::ListComprehension {
                variable,
                list,
                predicate,
                projection,
            } => {
                let lt = self.expr(list, scope, cx.with_predicate(false))?;
                let inner = cx.with_agg(Agg::Forbidden("inside a list comprehension"));
                self.locals.push((variable.name.clone(), lt.elem()));
                let r = (|| {
                    if let Some(p) = predicate {
                        self.expr(p, scope, inner.with_predicate(true))?;
                    }
                    match projection {
                        Some(p) => self.expr(p, scope, inner.with_predicate(false)),
                        None => Ok(lt.elem()),
                    }
                })();
                self.locals.pop();
                Ok(Ty::list(r?))
            }
            ExprKind::Quantified {
                quantifier: _,
                variable,
                list,
                predicate,
            } => {
                let lt = self.expr(list, scope, cx.with_predicate(false))?;
                let inner = cx.with_agg(Agg::Forbidden("inside a quantifier"));
                self.locals.push((variable.name.clone(), lt.elem()));
                let r = match predicate {
                    Some(p) => self.predicate_expr(p, scope, inner),
                    None => Ok(()),
                };
                self.locals.pop();
                r?;
                Ok(Ty::Bool)
            }
            ExprKind::Reduce {
                accumulator,
                init,
                variable,
                list,
                expr,
            } => {
                let vcx = cx.with_predicate(false);
                self.expr(init, scope, vcx)?;
                let lt = self.expr(list, scope, vcx)?;
                let inner = vcx.with_agg(Agg::Forbidden("inside reduce()"));
                self.locals.push((accumulator.name.clone(), Ty::Any));
                self.locals.push((variable.name.clone(), lt.elem()));
                let r = self.expr(expr, scope, inner);
                self.locals.pop();
                self.locals.pop();
                r?;
                Ok(Ty::Any)
            }
            ExprKind::PatternComprehension {
                variable,
                pattern,
                predicate,
                projection,
            } => {
                let mut local = self.with_locals(scope);
                self.bind_element(
                    variable.as_ref(),
                    pattern,
                    &mut local,
                    PatMode::Local,
                    &mut Vec::new(),
                )?;
                self.element_properties(pattern, &local, PatMode::Local)?;
                let inner = Cx {
                    agg: Agg::Forbidden("inside a pattern comprehension"),
                    predicate: false,
                    columns: &[],
                };
                let saved = std::mem::take(&mut self.locals);
                let r = (|| {
                    if let Some(p) = predicate {
                        self.predicate_expr(p, &local, inner)?;
                    }
                    self.expr(projection, &local, inner)
                })();
                self.locals = saved;
                Ok(Ty::list(r?))
            }
            ExprKind::Pattern(element) => {
                if !cx.predicate {
                    return Err(syntax(
                        "UnexpectedSyntax",
                        "a pattern can only be used as a predicate (in WHERE or inside EXISTS); use a pattern comprehension `[(a)-->(b) | b]` for a list of matches",
                        span,
                    ));
                }
                self.pattern_predicate(element, scope, span)?;
                Ok(Ty::Bool)
            }
            ExprKind::Exists(body) => {
                self.exists(body, scope)?;
                Ok(Ty::Bool)
            }
        }
    }

    /// Checks an expression used as a condition: it must be able to be a
    /// boolean.
    pub(crate) fn predicate_expr(&mut self, e: &Expr, scope: &Scope, cx: Cx) -> Result<()> {
        let t = self.expr(e, scope, cx.with_predicate(true))?;
        if t.is_known_non_boolean() {
            return Err(syntax(
                "InvalidArgumentType",
                format!(
                    "a condition must be a boolean, but this is {}",
                    t.describe()
                ),
                e.span,
            ));
        }
        Ok(())
    }

    /// A pattern used as a predicate: it may not introduce variables.
    fn pattern_predicate(
        &mut self,
        element: &PatternElement,
        scope: &Scope,
        span: Span,
    ) -> Result<()> {
        if element.chain.is_empty() {
            return Err(syntax(
                "InvalidArgumentType",
                "a single node is not a predicate: a pattern predicate needs at least one relationship",
                span,
            ));
        }
        let mut local = self.with_locals(scope);
        self.bind_element(
            None,
            element,
            &mut local,
            PatMode::Predicate,
            &mut Vec::new(),
        )?;
        self.element_properties(element, &local, PatMode::Predicate)
    }

    /// `shortestPath(pattern)` used as an expression: one relationship
    /// between two nodes; the ends are usually bound already.
    fn shortest_expr(&mut self, element: &PatternElement, scope: &Scope, span: Span) -> Result<()> {
        if element.chain.len() != 1 {
            return Err(syntax(
                "InvalidShortestPath",
                "shortestPath needs a pattern with exactly one relationship",
                span,
            ));
        }
        let mut local = self.with_locals(scope);
        self.bind_element(
            None,
            element,
            &mut local,
            PatMode::Predicate,
            &mut Vec::new(),
        )?;
        self.element_properties(element, &local, PatMode::Predicate)
    }

    /// `EXISTS { ... }`: a pattern or a read-only subquery that sees the
    /// variables in scope.
    fn exists(&mut self, body: &ExistsBody, scope: &Scope) -> Result<()> {
        let mut local = self.with_locals(scope);
        let saved = std::mem::take(&mut self.locals);
        let r = match body {
            ExistsBody::Pattern(pattern, predicate) => (|| {
                self.bind_pattern(&pattern.parts, &mut local, PatMode::Local)?;
                self.pattern_properties(&pattern.parts, &local, PatMode::Local)?;
                if let Some(p) = predicate {
                    self.predicate_expr(p, &local, Cx::predicate("in WHERE"))?;
                }
                Ok(())
            })(),
            ExistsBody::Query(q) => self.subquery(q, &local),
        };
        self.locals = saved;
        r
    }

    fn unary(&mut self, op: UnaryOp, a: &Expr, scope: &Scope, cx: Cx, span: Span) -> Result<Ty> {
        match op {
            UnaryOp::Not => {
                let t = self.expr(a, scope, cx.with_predicate(cx.predicate))?;
                if t.is_known_non_boolean() {
                    return Err(syntax(
                        "InvalidArgumentType",
                        format!("NOT needs a boolean, but its operand is {}", t.describe()),
                        span,
                    ));
                }
                Ok(Ty::Bool)
            }
            UnaryOp::Neg | UnaryOp::Plus => {
                let t = self.expr(a, scope, cx.with_predicate(false))?;
                if !matches!(t, Ty::Any | Ty::Null | Ty::Int | Ty::Float) {
                    let sign = if op == UnaryOp::Neg { "-" } else { "+" };
                    return Err(syntax(
                        "InvalidArgumentType",
                        format!(
                            "unary `{sign}` needs a number, but its operand is {}",
                            t.describe()
                        ),
                        span,
                    ));
                }
                Ok(t)
            }
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        a: &Expr,
        b: &Expr,
        scope: &Scope,
        cx: Cx,
        span: Span,
    ) -> Result<Ty> {
        use BinaryOp as B;
        let logical = matches!(op, B::And | B::Or | B::Xor);
        let inner = cx.with_predicate(logical && cx.predicate);
        let ta = self.expr(a, scope, inner)?;
        let tb = self.expr(b, scope, inner)?;
        let word = |op: BinaryOp| match op {
            B::And => "AND",
            B::Or => "OR",
            B::Xor => "XOR",
            B::Sub => "-",
            B::Mul => "*",
            B::Div => "/",
            B::Mod => "%",
            B::Pow => "^",
            B::Add => "+",
            B::In => "IN",
            _ => "operator",
        };
        match op {
            B::And | B::Or | B::Xor => {
                for (t, side) in [(&ta, a), (&tb, b)] {
                    if t.is_known_non_boolean() {
                        return Err(syntax(
                            "InvalidArgumentType",
                            format!(
                                "{} needs booleans, but this operand is {}",
                                word(op),
                                t.describe()
                            ),
                            side.span,
                        ));
                    }
                }
                Ok(Ty::Bool)
            }
            B::In => {
                if !matches!(tb, Ty::Any | Ty::Null | Ty::List(_)) {
                    return Err(syntax(
                        "InvalidArgumentType",
                        format!(
                            "the right-hand side of IN must be a list, but it is {}",
                            tb.describe()
                        ),
                        b.span,
                    ));
                }
                Ok(Ty::Bool)
            }
            B::Sub | B::Mul | B::Div | B::Mod | B::Pow => {
                for (t, side) in [(&ta, a), (&tb, b)] {
                    if !matches!(t, Ty::Any | Ty::Null | Ty::Int | Ty::Float) {
                        return Err(syntax(
                            "InvalidArgumentType",
                            format!(
                                "`{}` needs numbers, but this operand is {}",
                                word(op),
                                t.describe()
                            ),
                            side.span,
                        ));
                    }
                }
                Ok(match (&ta, &tb) {
                    (Ty::Int, Ty::Int) => Ty::Int,
                    (x, y) if x.is_number() && y.is_number() => Ty::Float,
                    _ => Ty::Any,
                })
            }
            B::Add => {
                let flexible = |t: &Ty| matches!(t, Ty::Any | Ty::Null | Ty::Str | Ty::List(_));
                if !(flexible(&ta) || flexible(&tb) || (ta.is_number() && tb.is_number())) {
                    return Err(syntax(
                        "InvalidArgumentType",
                        format!("cannot add {} and {}", ta.describe(), tb.describe()),
                        span,
                    ));
                }
                Ok(match (&ta, &tb) {
                    (Ty::Int, Ty::Int) => Ty::Int,
                    (x, y) if x.is_number() && y.is_number() => Ty::Float,
                    (Ty::List(x), Ty::List(y)) => Ty::list(x.join(y)),
                    (Ty::Str, t) | (t, Ty::Str) if !matches!(t, Ty::List(_) | Ty::Any) => Ty::Str,
                    _ => Ty::Any,
                })
            }
            _ => Ok(Ty::Bool),
        }
    }

    /// Fails unless an aggregate may be called here.
    fn aggregate_allowed(&self, name: &str, span: Span, cx: Cx) -> Result<()> {
        match cx.agg {
            Agg::Allowed => Ok(()),
            Agg::Inside => Err(syntax(
                "NestedAggregation",
                format!(
                    "aggregate function `{name}` cannot be used inside another aggregate function"
                ),
                span,
            )),
            Agg::Forbidden(place) => Err(syntax(
                "InvalidAggregation",
                format!("aggregate function `{name}` cannot be used {place}"),
                span,
            )
            .with_help("aggregate in a WITH clause first, then use the alias")),
        }
    }

    /// A function call: its name must have resolved to a function a query
    /// can call, with an argument count the registry accepts.
    fn function(
        &mut self,
        e: &Expr,
        name: &FunctionName,
        args: &[Expr],
        scope: &Scope,
        cx: Cx,
    ) -> Result<Ty> {
        let full = name.text();
        let function = name.function();
        if let Some(f) = function.filter(|f| f.kind == FunctionKind::PathSearch) {
            if let [Expr {
                kind: ExprKind::Pattern(element),
                span,
            }] = args
            {
                // Only `shortestPath` is planned as an expression so far.
                if f.name == "shortestPath" {
                    self.shortest_expr(element, scope, *span)?;
                    return Ok(Ty::Path);
                }
            }
        }
        let Some(function) = function.filter(|f| f.is_callable()) else {
            let err = syntax(
                "UnknownFunction",
                format!("unknown function `{full}`"),
                name_span(name, e.span),
            );
            return Err(
                match super::scope::closest(full, crate::builtins::functions::callable_names()) {
                    Some(c) => err.with_help(format!("did you mean `{c}`?")),
                    None => err,
                },
            );
        };
        let aggregate = function.is_aggregate();
        if aggregate {
            self.aggregate_allowed(full, e.span, cx)?;
        }
        let n = args.len();
        if !function.arity.accepts(n) {
            let expected = function.arity.describe();
            return Err(syntax(
                "InvalidNumberOfArguments",
                format!(
                    "function `{full}` takes {expected} argument{}, but {n} {} given",
                    if expected == "1" { "" } else { "s" },
                    if n == 1 { "was" } else { "were" }
                ),
                e.span,
            ));
        }
        let mut tys = Vec::with_capacity(args.len());
        if aggregate {
            for a in args {
                let mut nondeterministic = None;
                visit(a, &mut |x| {
                    if let ExprKind::Function { name, .. } = &x.kind {
                        if name.function().is_some_and(|f| f.name == "rand")
                            && nondeterministic.is_none()
                        {
                            nondeterministic = Some(x.span);
                        }
                    }
                });
                if let Some(s) = nondeterministic {
                    return Err(syntax(
                        "NonConstantExpression",
                        format!("the argument of aggregate function `{full}` cannot use rand()"),
                        s,
                    ));
                }
                tys.push(self.expr(a, scope, cx.with_agg(Agg::Inside).with_predicate(false))?);
            }
            return Ok(function_type(function, &tys));
        }
        let arg_predicate = function.name == "exists";
        for a in args {
            tys.push(self.expr(a, scope, cx.with_predicate(arg_predicate))?);
        }
        if let (Some(t), Some(a)) = (tys.first(), args.first()) {
            if rejects(function.first_argument, t) {
                return Err(syntax(
                    "InvalidArgumentType",
                    format!(
                        "function `{full}` cannot take {} as its argument",
                        t.describe()
                    ),
                    a.span,
                ));
            }
        }
        Ok(function_type(function, &tys))
    }
}
