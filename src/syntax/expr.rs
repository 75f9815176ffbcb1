//! Expressions: operator precedence with pest's Pratt parser, atoms,
//! literals, and the checks that keep the tree shallow and pattern
//! predicates where they belong.
//!
//! Precedence, loosest first (openCypher): `OR`, `XOR`, `AND`, `NOT`,
//! comparisons (`=`, `<>`, `<`, `<=`, `>`, `>=`, chained), string/list/null
//! predicates (`IN`, `STARTS WITH`, `ENDS WITH`, `CONTAINS`, `=~`,
//! `IS [NOT] NULL`), `+ -`, `* / %`, `^`, unary `- +`, then property
//! access, indexing, slicing and label predicates.

use std::sync::LazyLock;

use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::*;
use super::literal::{self, Radix};
use super::parser::{
    build_labels, build_pattern, build_pattern_element, build_query, build_where, ident, internal,
    name_ident, span, Children, Rule, P,
};
use crate::error::{Error, Result, Span};

/// The deepest expression tree accepted. Later stages walk expressions
/// recursively, so this keeps them far from the end of the stack.
pub(crate) const MAX_EXPR_DEPTH: usize = 250;

/// The most prefix operators accepted in a row (`NOT NOT ... x`).
const MAX_PREFIX_RUN: usize = 64;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    use Assoc::Left;
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Left))
        .op(Op::infix(Rule::op_xor, Left))
        .op(Op::infix(Rule::op_and, Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Left)
            | Op::infix(Rule::op_ne, Left)
            | Op::infix(Rule::op_lt, Left)
            | Op::infix(Rule::op_le, Left)
            | Op::infix(Rule::op_gt, Left)
            | Op::infix(Rule::op_ge, Left))
        .op(Op::infix(Rule::op_in, Left)
            | Op::infix(Rule::op_starts_with, Left)
            | Op::infix(Rule::op_ends_with, Left)
            | Op::infix(Rule::op_contains, Left)
            | Op::infix(Rule::op_regex, Left)
            | Op::postfix(Rule::is_null)
            | Op::postfix(Rule::is_not_null))
        .op(Op::infix(Rule::op_add, Left) | Op::infix(Rule::op_sub, Left))
        .op(Op::infix(Rule::op_mul, Left)
            | Op::infix(Rule::op_div, Left)
            | Op::infix(Rule::op_mod, Left))
        .op(Op::infix(Rule::op_pow, Left))
        .op(Op::prefix(Rule::op_neg) | Op::prefix(Rule::op_pos))
        .op(Op::postfix(Rule::property_lookup)
            | Op::postfix(Rule::subscript)
            | Op::postfix(Rule::label_predicate))
});

/// An expression under construction by the Pratt parser.
struct PExpr {
    expr: Expr,
    /// The depth of `expr`.
    depth: usize,
    /// For an unparenthesized comparison (or chain of them): its last right
    /// operand, so `a < b < c` can become `a < b AND b < c`.
    chain: Option<Expr>,
}

fn too_deep(at: Span) -> Error {
    Error::syntax(
        "UnexpectedSyntax",
        format!("expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)"),
        at,
    )
    .with_help("split it up with WITH, or simplify it")
}

fn plain(expr: Expr, depth: usize) -> Result<PExpr> {
    if depth > MAX_EXPR_DEPTH {
        return Err(too_deep(expr.span));
    }
    Ok(PExpr {
        expr,
        depth,
        chain: None,
    })
}

/// Runs `f` with at least 256 KiB of stack left, moving to a fresh segment
/// when needed, so nesting allowed by the limits never overflows the stack.
pub(crate) fn with_stack<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, f)
}

/// Builds an `expression` pair used as a value (anywhere but a `WHERE`):
/// relationship patterns may only appear in it as predicates.
pub(crate) fn build_value(p: P) -> Result<Expr> {
    let e = build(p)?;
    check_pattern_predicates(&e, false)?;
    Ok(e)
}

/// Builds an `expression` pair.
pub(crate) fn build(p: P) -> Result<Expr> {
    with_stack(|| build_unguarded(p))
}

fn build_unguarded(p: P) -> Result<Expr> {
    if p.as_rule() != Rule::expression {
        return Err(internal("expression", span(&p)));
    }
    // Long runs of prefix operators would recurse deeply in the Pratt parser.
    let mut run = 0;
    for q in p.clone().into_inner() {
        if matches!(q.as_rule(), Rule::op_not | Rule::op_neg | Rule::op_pos) {
            run += 1;
            if run > MAX_PREFIX_RUN {
                return Err(too_deep(span(&q)));
            }
        } else {
            run = 0;
        }
    }
    PRATT
        .map_primary(|a| {
            let e = build_atom(a)?;
            let d = depth(&e, MAX_EXPR_DEPTH + 1);
            plain(e, d)
        })
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let sp = span(&op).merge(rhs.expr.span);
            let uop = match op.as_rule() {
                Rule::op_not => UnaryOp::Not,
                Rule::op_neg => UnaryOp::Neg,
                Rule::op_pos => UnaryOp::Plus,
                other => return Err(internal(&format!("prefix {other:?}"), sp)),
            };
            plain(
                Expr::new(ExprKind::Unary(uop, Box::new(rhs.expr)), sp),
                rhs.depth + 1,
            )
        })
        .map_postfix(postfix)
        .map_infix(infix)
        .parse(p.into_inner())
        .map(|pe| pe.expr)
}

fn postfix(lhs: Result<PExpr>, op: P) -> Result<PExpr> {
    let lhs = lhs?;
    let sp = lhs.expr.span.merge(span(&op));
    let l = Box::new(lhs.expr);
    let (kind, extra) = match op.as_rule() {
        Rule::property_lookup => {
            let key = ident(Children::of(op).expect(Rule::schema_name)?)?;
            (ExprKind::Property(l, key), 0)
        }
        Rule::subscript => {
            let mut from = None;
            let mut to = None;
            let mut is_slice = false;
            let mut d = 0;
            for part in op.into_inner() {
                match part.as_rule() {
                    Rule::slice_from | Rule::slice_to => {
                        let is_from = part.as_rule() == Rule::slice_from;
                        let e = build(Children::of(part).expect(Rule::expression)?)?;
                        d = d.max(depth(&e, MAX_EXPR_DEPTH + 1));
                        if is_from {
                            from = Some(Box::new(e));
                        } else {
                            to = Some(Box::new(e));
                        }
                    }
                    Rule::range_dots => is_slice = true,
                    other => return Err(internal(&format!("subscript {other:?}"), sp)),
                }
            }
            match (is_slice, from) {
                (true, from) => (ExprKind::Slice(l, from, to), d),
                (false, Some(i)) => (ExprKind::Index(l, i), d),
                (false, None) => return Err(internal("empty subscript", sp)),
            }
        }
        Rule::label_predicate => (ExprKind::HasLabels(l, build_labels(op)?), 0),
        Rule::is_null => (ExprKind::IsNull(l, false), 0),
        Rule::is_not_null => (ExprKind::IsNull(l, true), 0),
        other => return Err(internal(&format!("postfix {other:?}"), sp)),
    };
    plain(Expr::new(kind, sp), lhs.depth.max(extra) + 1)
}

fn infix(lhs: Result<PExpr>, op: P, rhs: Result<PExpr>) -> Result<PExpr> {
    let lhs = lhs?;
    let rhs = rhs?;
    let bop = match op.as_rule() {
        Rule::op_or => BinaryOp::Or,
        Rule::op_xor => BinaryOp::Xor,
        Rule::op_and => BinaryOp::And,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_le => BinaryOp::Le,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_in => BinaryOp::In,
        Rule::op_starts_with => BinaryOp::StartsWith,
        Rule::op_ends_with => BinaryOp::EndsWith,
        Rule::op_contains => BinaryOp::Contains,
        Rule::op_regex => BinaryOp::Regex,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        Rule::op_mod => BinaryOp::Mod,
        Rule::op_pow => BinaryOp::Pow,
        other => return Err(internal(&format!("infix {other:?}"), span(&op))),
    };
    let comparison = matches!(
        bop,
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
    );
    let sp = lhs.expr.span.merge(rhs.expr.span);
    match (comparison, lhs.chain) {
        (true, Some(middle)) => {
            // a < b < c  ==>  (a < b) AND (b < c)
            let mdepth = depth(&middle, MAX_EXPR_DEPTH + 1);
            let right_sp = middle.span.merge(rhs.expr.span);
            let last = rhs.expr.clone();
            let right = Expr::new(
                ExprKind::Binary(bop, Box::new(middle), Box::new(rhs.expr)),
                right_sp,
            );
            let d = lhs.depth.max(mdepth.max(rhs.depth) + 1) + 1;
            let mut out = plain(
                Expr::new(
                    ExprKind::Binary(BinaryOp::And, Box::new(lhs.expr), Box::new(right)),
                    sp,
                ),
                d,
            )?;
            out.chain = Some(last);
            Ok(out)
        }
        _ => {
            let last = comparison.then(|| rhs.expr.clone());
            let d = lhs.depth.max(rhs.depth) + 1;
            let mut out = plain(
                Expr::new(
                    ExprKind::Binary(bop, Box::new(lhs.expr), Box::new(rhs.expr)),
                    sp,
                ),
                d,
            )?;
            out.chain = last;
            Ok(out)
        }
    }
}

/// The depth of `e`, counting at most `limit` levels (so it never recurses
/// deeper than that).
pub(crate) fn depth(e: &Expr, limit: usize) -> usize {
    if limit == 0 {
        return 0;
    }
    let sub = limit - 1;
    let max_of = |es: &mut dyn Iterator<Item = &Expr>| es.map(|x| depth(x, sub)).max().unwrap_or(0);
    1 + match &e.kind {
        ExprKind::Literal(_)
        | ExprKind::Parameter(_)
        | ExprKind::Variable(_)
        | ExprKind::CountStar => 0,
        ExprKind::List(items) => max_of(&mut items.iter()),
        ExprKind::Map(entries) => max_of(&mut entries.iter().map(|(_, v)| v)),
        ExprKind::Property(x, _)
        | ExprKind::Unary(_, x)
        | ExprKind::IsNull(x, _)
        | ExprKind::HasLabels(x, _) => depth(x, sub),
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => depth(a, sub).max(depth(b, sub)),
        ExprKind::Slice(a, b, c) => max_of(
            &mut std::iter::once(&**a)
                .chain(b.as_deref())
                .chain(c.as_deref()),
        ),
        ExprKind::Function { args, .. } => max_of(&mut args.iter()),
        ExprKind::Case {
            subject,
            whens,
            otherwise,
        } => max_of(
            &mut subject
                .as_deref()
                .into_iter()
                .chain(whens.iter().flat_map(|(a, b)| [a, b]))
                .chain(otherwise.as_deref()),
        ),
        ExprKind::ListComprehension {
            list,
            predicate,
            projection,
            ..
        } => max_of(
            &mut std::iter::once(&**list)
                .chain(predicate.as_deref())
                .chain(projection.as_deref()),
        ),
        ExprKind::PatternComprehension {
            predicate,
            projection,
            ..
        } => 1 + max_of(&mut predicate.as_deref().into_iter().chain([&**projection])),
        ExprKind::Quantified {
            list, predicate, ..
        } => max_of(&mut std::iter::once(&**list).chain(predicate.as_deref())),
        ExprKind::Reduce {
            init, list, expr, ..
        } => max_of(&mut [&**init, &**list, &**expr].into_iter()),
        ExprKind::Pattern(_) => 1,
        ExprKind::Exists(_) => 2,
    }
}

fn children_exprs(c: Children) -> Result<Vec<Expr>> {
    c.rest().map(build).collect()
}

/// Builds one atom (a literal, variable, function call, ...). Each form has
/// its own function so that this dispatcher's stack frame stays small:
/// nested expressions recurse through it.
pub(crate) fn build_atom(p: P) -> Result<Expr> {
    let sp = span(&p);
    let kind = match p.as_rule() {
        Rule::number_literal => return number(p),
        Rule::invalid_number => return Err(invalid_number(&p)),
        Rule::string_literal => string_atom(p)?,
        Rule::kw_true => ExprKind::Literal(Literal::Bool(true)),
        Rule::kw_false => ExprKind::Literal(Literal::Bool(false)),
        Rule::kw_null => ExprKind::Literal(Literal::Null),
        Rule::parameter => parameter(p)?,
        Rule::case_expr => case_atom(p)?,
        Rule::count_star => ExprKind::CountStar,
        Rule::list_comprehension => list_comprehension(p)?,
        Rule::pattern_comprehension => pattern_comprehension(p)?,
        Rule::list_literal => ExprKind::List(children_exprs(Children::of(p))?),
        Rule::map_literal => map_atom(p)?,
        Rule::quantifier => quantifier(p)?,
        Rule::reduce_expr => reduce(p)?,
        Rule::exists_subquery => exists(p)?,
        Rule::relationships_pattern => ExprKind::Pattern(Box::new(build_pattern_element(p)?)),
        Rule::function_call => function(p)?,
        Rule::parenthesized => {
            // The span includes the parentheses, so `(a + b) * c` spans it all.
            let mut e = build(Children::of(p).expect(Rule::expression)?)?;
            e.span = sp;
            return Ok(e);
        }
        Rule::variable => ExprKind::Variable(ident(p)?.name),
        other => return Err(internal(&format!("atom {other:?}"), sp)),
    };
    Ok(Expr::new(kind, sp))
}

fn invalid_number(p: &P) -> Error {
    Error::syntax(
        "InvalidNumberLiteral",
        format!("invalid number `{}`", p.as_str()),
        span(p),
    )
    .with_help(
        "numbers are written 42, -7, 3.14, 6.02e23, 0x2A (hex) or 0o52 (octal); a name cannot start with a digit",
    )
}

fn string_atom(p: P) -> Result<ExprKind> {
    let body = Children::of(p).next("string body")?;
    let start = body.as_span().start();
    Ok(ExprKind::Literal(Literal::String(literal::string(
        body.as_str(),
        start,
    )?)))
}

fn parameter(p: P) -> Result<ExprKind> {
    let inner = Children::of(p).next("parameter name")?;
    let name = match inner.as_rule() {
        Rule::param_number => inner.as_str().to_string(),
        _ => name_ident(inner)?.name,
    };
    Ok(ExprKind::Parameter(name))
}

fn case_atom(p: P) -> Result<ExprKind> {
    let sp = span(&p);
    let mut c = Children::of(p);
    c.expect(Rule::kw_case)?;
    let subject = c
        .take(Rule::expression)
        .map(build)
        .transpose()?
        .map(Box::new);
    let mut whens = Vec::new();
    let mut otherwise = None;
    for part in c.rest() {
        match part.as_rule() {
            Rule::case_when => {
                let mut wc = Children::of(part);
                wc.expect(Rule::kw_when)?;
                let w = build(wc.expect(Rule::expression)?)?;
                wc.expect(Rule::kw_then)?;
                let t = build(wc.expect(Rule::expression)?)?;
                whens.push((w, t));
            }
            Rule::case_else => {
                let mut ec = Children::of(part);
                ec.expect(Rule::kw_else)?;
                otherwise = Some(Box::new(build(ec.expect(Rule::expression)?)?));
            }
            Rule::kw_end => {}
            other => return Err(internal(&format!("case {other:?}"), sp)),
        }
    }
    Ok(ExprKind::Case {
        subject,
        whens,
        otherwise,
    })
}

fn list_comprehension(p: P) -> Result<ExprKind> {
    let mut c = Children::of(p);
    let variable = ident(c.expect(Rule::variable)?)?;
    c.expect(Rule::kw_in)?;
    let list = Box::new(build(c.expect(Rule::expression)?)?);
    let predicate = c.take(Rule::filter_where).map(build_filter).transpose()?;
    let projection = c.take(Rule::projection_bar).map(build_bar).transpose()?;
    Ok(ExprKind::ListComprehension {
        variable,
        list,
        predicate,
        projection,
    })
}

fn pattern_comprehension(p: P) -> Result<ExprKind> {
    let mut c = Children::of(p);
    let variable = c.take(Rule::variable).map(ident).transpose()?;
    let pattern = Box::new(build_pattern_element(
        c.expect(Rule::relationships_pattern)?,
    )?);
    let predicate = c.take(Rule::filter_where).map(build_filter).transpose()?;
    let projection = build_bar(c.expect(Rule::projection_bar)?)?;
    Ok(ExprKind::PatternComprehension {
        variable,
        pattern,
        predicate,
        projection,
    })
}

fn map_atom(p: P) -> Result<ExprKind> {
    let mut entries = Vec::new();
    for e in p.into_inner() {
        let mut ec = Children::of(e);
        let key = ec.expect(Rule::schema_name)?;
        // The openCypher TCK takes `{``: 1}` as a map with the empty key,
        // the one place an empty backquoted name is accepted.
        let key = if key.as_str() == "``" {
            Ident {
                name: String::new(),
                span: span(&key),
            }
        } else {
            ident(key)?
        };
        let value = build(ec.expect(Rule::expression)?)?;
        entries.push((key, value));
    }
    Ok(ExprKind::Map(entries))
}

fn quantifier(p: P) -> Result<ExprKind> {
    let sp = span(&p);
    let mut c = Children::of(p);
    let quantifier = match c.next("quantifier")?.as_rule() {
        Rule::kw_all => Quantifier::All,
        Rule::kw_any => Quantifier::Any,
        Rule::kw_none => Quantifier::None,
        Rule::kw_single => Quantifier::Single,
        other => return Err(internal(&format!("quantifier {other:?}"), sp)),
    };
    let variable = ident(c.expect(Rule::variable)?)?;
    c.expect(Rule::kw_in)?;
    let list = Box::new(build(c.expect(Rule::expression)?)?);
    let predicate = c.take(Rule::filter_where).map(build_filter).transpose()?;
    Ok(ExprKind::Quantified {
        quantifier,
        variable,
        list,
        predicate,
    })
}

fn reduce(p: P) -> Result<ExprKind> {
    let mut c = Children::of(p);
    c.expect(Rule::kw_reduce)?;
    let accumulator = ident(c.expect(Rule::variable)?)?;
    let init = Box::new(build(c.expect(Rule::expression)?)?);
    let variable = ident(c.expect(Rule::variable)?)?;
    c.expect(Rule::kw_in)?;
    let list = Box::new(build(c.expect(Rule::expression)?)?);
    let expr = Box::new(build(c.expect(Rule::expression)?)?);
    Ok(ExprKind::Reduce {
        accumulator,
        init,
        variable,
        list,
        expr,
    })
}

fn exists(p: P) -> Result<ExprKind> {
    let sp = span(&p);
    let mut c = Children::of(p);
    c.expect(Rule::kw_exists)?;
    let body = c.next("exists body")?;
    match body.as_rule() {
        Rule::query => Ok(ExprKind::Exists(ExistsBody::Query(Box::new(build_query(
            body,
        )?)))),
        Rule::pattern => {
            let pattern = build_pattern(body)?;
            let w = c
                .take(Rule::where_clause)
                .map(build_where)
                .transpose()?
                .map(Box::new);
            Ok(ExprKind::Exists(ExistsBody::Pattern(pattern, w)))
        }
        other => Err(internal(&format!("exists {other:?}"), sp)),
    }
}

fn function(p: P) -> Result<ExprKind> {
    let mut c = Children::of(p);
    let name = Children::of(c.expect(Rule::function_name)?)
        .rest()
        .map(name_ident)
        .collect::<Result<Vec<_>>>()?;
    let distinct = c.eat(Rule::kw_distinct);
    let args = children_exprs(c)?;
    Ok(ExprKind::Function {
        name: FunctionName::new(name),
        distinct,
        args,
    })
}

fn build_filter(p: P) -> Result<Box<Expr>> {
    let mut c = Children::of(p);
    c.expect(Rule::kw_where)?;
    let e = build(c.expect(Rule::expression)?)?;
    check_pattern_predicates(&e, true)?;
    Ok(Box::new(e))
}

fn build_bar(p: P) -> Result<Box<Expr>> {
    let mut c = Children::of(p);
    Ok(Box::new(build(c.expect(Rule::expression)?)?))
}

fn number(p: P) -> Result<Expr> {
    let sp = span(&p);
    let mut c = Children::of(p);
    let negative = c.eat(Rule::neg_sign);
    let body = c.next("number")?;
    let text = body.as_str();
    let lit = match body.as_rule() {
        Rule::dec_int => Literal::Int(literal::integer(text, Radix::Decimal, negative, sp)?),
        Rule::hex_int => Literal::Int(literal::integer(
            text.get(2..).unwrap_or(""),
            Radix::Hex,
            negative,
            sp,
        )?),
        Rule::octal_int => Literal::Int(literal::integer(
            text.get(2..).unwrap_or(""),
            Radix::Octal,
            negative,
            sp,
        )?),
        Rule::float_lit => Literal::Float(literal::float(text, negative, sp)?),
        other => return Err(internal(&format!("number {other:?}"), sp)),
    };
    Ok(Expr::new(ExprKind::Literal(lit), sp))
}

fn pattern_not_allowed(at: Span) -> Error {
    Error::syntax(
        "UnexpectedSyntax",
        "a pattern can only be used as a predicate here (in WHERE, or combined with AND, OR, XOR, NOT)",
        at,
    )
    .with_help("to get a list of matches, use a pattern comprehension: `[p = (a)-->(b) | p]`")
}

/// Checks that relationship patterns used as expressions (`(a)-->(b)`) only
/// appear as predicates: at the top of a `WHERE`, under `AND`/`OR`/`XOR`/
/// `NOT` there, in `exists(...)`, or in generic `CASE WHEN` conditions.
/// `allowed` tells whether `e` itself is in such a position.
pub(crate) fn check_pattern_predicates(e: &Expr, allowed: bool) -> Result<()> {
    match &e.kind {
        ExprKind::Pattern(_) => {
            if allowed {
                Ok(())
            } else {
                Err(pattern_not_allowed(e.span))
            }
        }
        ExprKind::Literal(_)
        | ExprKind::Parameter(_)
        | ExprKind::Variable(_)
        | ExprKind::CountStar
        | ExprKind::Exists(_) => Ok(()),
        // The WHERE was checked when it was built.
        ExprKind::PatternComprehension { projection, .. } => {
            check_pattern_predicates(projection, false)
        }
        ExprKind::List(items) => items
            .iter()
            .try_for_each(|x| check_pattern_predicates(x, false)),
        ExprKind::Map(entries) => entries
            .iter()
            .try_for_each(|(_, x)| check_pattern_predicates(x, false)),
        ExprKind::Unary(UnaryOp::Not, x) => check_pattern_predicates(x, allowed),
        ExprKind::Binary(BinaryOp::And | BinaryOp::Or | BinaryOp::Xor, a, b) => {
            check_pattern_predicates(a, allowed)?;
            check_pattern_predicates(b, allowed)
        }
        ExprKind::Property(x, _)
        | ExprKind::Unary(_, x)
        | ExprKind::IsNull(x, _)
        | ExprKind::HasLabels(x, _) => check_pattern_predicates(x, false),
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
            check_pattern_predicates(a, false)?;
            check_pattern_predicates(b, false)
        }
        ExprKind::Slice(a, b, c) => {
            check_pattern_predicates(a, false)?;
            if let Some(b) = b {
                check_pattern_predicates(b, false)?;
            }
            if let Some(c) = c {
                check_pattern_predicates(c, false)?;
            }
            Ok(())
        }
        ExprKind::Function { name, args, .. } => {
            let one = |n: &str| name.len() == 1 && name[0].name.eq_ignore_ascii_case(n);
            // `shortestPath((a)-[*]->(b))` used as an expression takes a
            // pattern as its argument.
            let takes_pattern = one("exists") || (one("shortestPath") && args.len() == 1);
            args.iter()
                .try_for_each(|x| check_pattern_predicates(x, takes_pattern))
        }
        ExprKind::Case {
            subject,
            whens,
            otherwise,
        } => {
            if let Some(s) = subject {
                check_pattern_predicates(s, false)?;
            }
            for (w, t) in whens {
                check_pattern_predicates(w, subject.is_none())?;
                check_pattern_predicates(t, false)?;
            }
            if let Some(o) = otherwise {
                check_pattern_predicates(o, false)?;
            }
            Ok(())
        }
        ExprKind::ListComprehension {
            list, projection, ..
        } => {
            // The WHERE was checked when it was built.
            check_pattern_predicates(list, false)?;
            if let Some(p) = projection {
                check_pattern_predicates(p, false)?;
            }
            Ok(())
        }
        ExprKind::Quantified { list, .. } => check_pattern_predicates(list, false),
        ExprKind::Reduce {
            init, list, expr, ..
        } => {
            check_pattern_predicates(init, false)?;
            check_pattern_predicates(list, false)?;
            check_pattern_predicates(expr, false)
        }
    }
}
