//! Expression helpers for the planner: free variables, conjunct splitting,
//! aggregate detection and rewriting.

use std::collections::BTreeSet;

use crate::syntax::ast::{
    BinaryOp, ClauseKind, ExistsBody, Expr, ExprKind, NodePattern, PatternElement, Query,
    RelPattern, RemoveItem, SetItem,
};

/// Adds to `out` every variable name `e` may read: variables, and the
/// variables of patterns inside it. Conservative: names bound locally (by
/// comprehensions) are included too, which only delays predicate placement.
pub fn free_vars(e: &Expr, out: &mut BTreeSet<String>) {
    match &e.kind {
        ExprKind::Variable(name) => {
            out.insert(name.clone());
        }
        ExprKind::Pattern(p) => element_vars(p, out),
        ExprKind::PatternComprehension {
            variable,
            pattern,
            predicate,
            projection,
        } => {
            if let Some(v) = variable {
                out.insert(v.name.clone());
            }
            element_vars(pattern, out);
            if let Some(p) = predicate {
                free_vars(p, out);
            }
            free_vars(projection, out);
        }
        ExprKind::Exists(body) => match body {
            ExistsBody::Pattern(p, w) => {
                for part in &p.parts {
                    element_vars(&part.element, out);
                }
                if let Some(w) = w {
                    free_vars(w, out);
                }
            }
            // A subquery may read any outer variable: everything it names.
            ExistsBody::Query(q) => query_vars(q, out),
        },
        _ => {
            for c in children(e) {
                free_vars(c, out);
            }
        }
    }
}

/// The variables named in a pattern element, and those its property maps read.
pub fn element_vars(p: &PatternElement, out: &mut BTreeSet<String>) {
    node_vars(&p.start, out);
    for (r, n) in &p.chain {
        rel_vars(r, out);
        node_vars(n, out);
    }
}

fn node_vars(n: &NodePattern, out: &mut BTreeSet<String>) {
    if let Some(v) = &n.variable {
        out.insert(v.name.clone());
    }
    if let Some(p) = &n.properties {
        free_vars(p, out);
    }
}

fn rel_vars(r: &RelPattern, out: &mut BTreeSet<String>) {
    if let Some(v) = &r.variable {
        out.insert(v.name.clone());
    }
    if let Some(p) = &r.properties {
        free_vars(p, out);
    }
}

/// The direct sub-expressions of `e` (not those inside patterns).
pub fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Literal(_)
        | ExprKind::Parameter(_)
        | ExprKind::Variable(_)
        | ExprKind::CountStar
        | ExprKind::Pattern(_)
        | ExprKind::Exists(_) => vec![],
        ExprKind::List(items) => items.iter().collect(),
        ExprKind::Map(entries) => entries.iter().map(|(_, v)| v).collect(),
        ExprKind::Property(t, _) => vec![t],
        ExprKind::Index(a, b) => vec![a, b],
        ExprKind::Slice(a, b, c) => {
            let mut v: Vec<&Expr> = vec![a];
            v.extend(b.as_deref());
            v.extend(c.as_deref());
            v
        }
        ExprKind::Unary(_, a) => vec![a],
        ExprKind::Binary(_, a, b) => vec![a, b],
        ExprKind::IsNull(a, _) => vec![a],
        ExprKind::HasLabels(a, _) => vec![a],
        ExprKind::Function { args, .. } => args.iter().collect(),
        ExprKind::Case {
            subject,
            whens,
            otherwise,
        } => {
            let mut v: Vec<&Expr> = Vec::new();
            v.extend(subject.as_deref());
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
            let mut v: Vec<&Expr> = Vec::new();
            v.extend(predicate.as_deref());
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

/// Splits a predicate into its top-level `AND` operands.
pub fn conjuncts(e: &Expr) -> Vec<Expr> {
    match &e.kind {
        ExprKind::Binary(BinaryOp::And, a, b) => {
            let mut v = conjuncts(a);
            v.extend(conjuncts(b));
            v
        }
        _ => vec![e.clone()],
    }
}

/// True when `e` is a call of an aggregate function (or `count(*)`).
pub fn is_aggregate_call(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::CountStar => true,
        ExprKind::Function { name, .. } => {
            name.len() == 1 && crate::eval::is_aggregate(&name[0].name)
        }
        _ => false,
    }
}

/// True when `e` contains an aggregate call anywhere (outside nested queries).
pub fn contains_aggregate(e: &Expr) -> bool {
    is_aggregate_call(e) || children(e).into_iter().any(contains_aggregate)
}

/// Rebuilds `e`, replacing every sub-expression for which `f` returns a
/// replacement (outermost first; replacements are not visited again).
pub fn rewrite(e: &Expr, f: &mut dyn FnMut(&Expr) -> Option<Expr>) -> Expr {
    if let Some(r) = f(e) {
        return r;
    }
    let mut go = |x: &Expr| rewrite(x, f);
    let kind = match &e.kind {
        ExprKind::Literal(_)
        | ExprKind::Parameter(_)
        | ExprKind::Variable(_)
        | ExprKind::CountStar
        | ExprKind::Pattern(_)
        | ExprKind::Exists(_) => e.kind.clone(),
        ExprKind::List(items) => ExprKind::List(items.iter().map(&mut go).collect()),
        ExprKind::Map(entries) => {
            ExprKind::Map(entries.iter().map(|(k, v)| (k.clone(), go(v))).collect())
        }
        ExprKind::Property(t, k) => ExprKind::Property(Box::new(go(t)), k.clone()),
        ExprKind::Index(a, b) => ExprKind::Index(Box::new(go(a)), Box::new(go(b))),
        ExprKind::Slice(a, b, c) => ExprKind::Slice(
            Box::new(go(a)),
            b.as_ref().map(|x| Box::new(go(x))),
            c.as_ref().map(|x| Box::new(go(x))),
        ),
        ExprKind::Unary(op, a) => ExprKind::Unary(*op, Box::new(go(a))),
        ExprKind::Binary(op, a, b) => ExprKind::Binary(*op, Box::new(go(a)), Box::new(go(b))),
        ExprKind::IsNull(a, not) => ExprKind::IsNull(Box::new(go(a)), *not),
        ExprKind::HasLabels(a, l) => ExprKind::HasLabels(Box::new(go(a)), l.clone()),
        ExprKind::Function {
            name,
            distinct,
            args,
        } => ExprKind::Function {
            name: name.clone(),
            distinct: *distinct,
            args: args.iter().map(&mut go).collect(),
        },
        ExprKind::Case {
            subject,
            whens,
            otherwise,
        } => ExprKind::Case {
            subject: subject.as_ref().map(|x| Box::new(go(x))),
            whens: whens.iter().map(|(w, t)| (go(w), go(t))).collect(),
            otherwise: otherwise.as_ref().map(|x| Box::new(go(x))),
        },
        ExprKind::ListComprehension {
            variable,
            list,
            predicate,
            projection,
        } => ExprKind::ListComprehension {
            variable: variable.clone(),
            list: Box::new(go(list)),
            predicate: predicate.as_ref().map(|x| Box::new(go(x))),
            projection: projection.as_ref().map(|x| Box::new(go(x))),
        },
        ExprKind::PatternComprehension {
            variable,
            pattern,
            predicate,
            projection,
        } => ExprKind::PatternComprehension {
            variable: variable.clone(),
            pattern: pattern.clone(),
            predicate: predicate.as_ref().map(|x| Box::new(go(x))),
            projection: Box::new(go(projection)),
        },
        ExprKind::Quantified {
            quantifier,
            variable,
            list,
            predicate,
        } => ExprKind::Quantified {
            quantifier: *quantifier,
            variable: variable.clone(),
            list: Box::new(go(list)),
            predicate: predicate.as_ref().map(|x| Box::new(go(x))),
        },
        ExprKind::Reduce {
            accumulator,
            init,
            variable,
            list,
            expr,
        } => ExprKind::Reduce {
            accumulator: accumulator.clone(),
            init: Box::new(go(init)),
            variable: variable.clone(),
            list: Box::new(go(list)),
            expr: Box::new(go(expr)),
        },
    };
    Expr::new(kind, e.span)
}

/// A variable reference expression.
pub fn var(name: &str, span: crate::error::Span) -> Expr {
    Expr::new(ExprKind::Variable(name.to_string()), span)
}

/// Adds every variable name a query mentions (conservatively: names it
/// binds itself too), for subqueries that read outer variables.
pub fn query_vars(q: &Query, out: &mut BTreeSet<String>) {
    for sq in std::iter::once(&q.first).chain(q.unions.iter().map(|(_, s)| s)) {
        for c in &sq.clauses {
            let mut exprs: Vec<&Expr> = Vec::new();
            match &c.kind {
                ClauseKind::Match(m) => {
                    for p in &m.pattern.parts {
                        element_vars(&p.element, out);
                    }
                    exprs.extend(m.where_.as_ref());
                }
                ClauseKind::Unwind(u) => exprs.push(&u.expr),
                ClauseKind::With(p) | ClauseKind::Return(p) => {
                    exprs.extend(p.items.iter().map(|i| &i.expr));
                    exprs.extend(p.order_by.iter().map(|s| &s.expr));
                    exprs.extend(p.skip.as_ref());
                    exprs.extend(p.limit.as_ref());
                    exprs.extend(p.where_.as_ref());
                }
                ClauseKind::Create(p) => {
                    for part in &p.parts {
                        element_vars(&part.element, out);
                    }
                }
                ClauseKind::Merge(m) => {
                    element_vars(&m.part.element, out);
                    for a in &m.actions {
                        for it in &a.items {
                            set_item_exprs(it, &mut exprs, out);
                        }
                    }
                }
                ClauseKind::Set(items) => {
                    for it in items {
                        set_item_exprs(it, &mut exprs, out);
                    }
                }
                ClauseKind::Remove(items) => {
                    for it in items {
                        match it {
                            RemoveItem::Property { target, .. } => exprs.push(target),
                            RemoveItem::Labels { variable, .. } => {
                                out.insert(variable.name.clone());
                            }
                        }
                    }
                }
                ClauseKind::Delete(d) => exprs.extend(d.exprs.iter()),
                ClauseKind::Call(c) => {
                    if let Some(args) = &c.args {
                        exprs.extend(args.iter());
                    }
                    exprs.extend(c.where_.as_ref());
                }
            }
            for e in exprs {
                free_vars(e, out);
            }
        }
    }
}

fn set_item_exprs<'a>(it: &'a SetItem, exprs: &mut Vec<&'a Expr>, out: &mut BTreeSet<String>) {
    match it {
        SetItem::Property { target, value, .. } => {
            exprs.push(target);
            exprs.push(value);
        }
        SetItem::Variable {
            variable, value, ..
        } => {
            out.insert(variable.name.clone());
            exprs.push(value);
        }
        SetItem::Labels { variable, .. } => {
            out.insert(variable.name.clone());
        }
    }
}
