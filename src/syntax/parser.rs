//! Builds the AST from pest pairs: statements, clauses and patterns.
//! Expressions are in [`super::expr`].

use pest::iterators::{Pair, Pairs};
use pest::Parser as _;
use pest_derive::Parser;

use super::ast::*;
use super::errors;
use super::expr;
use crate::error::{Error, Result, Span};

/// The pest parser generated from `grammar/cypher.pest`.
#[derive(Parser)]
#[grammar = "grammar/cypher.pest"]
pub(crate) struct CypherParser;

/// A pest pair of the Cypher grammar.
pub(crate) type P<'i> = Pair<'i, Rule>;

/// The span of a pair.
pub(crate) fn span(p: &P) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

/// An error for a pair shape the grammar should have ruled out: a bug in kg.
pub(crate) fn internal(what: &str, at: Span) -> Error {
    Error::internal(format!("query parser: unexpected shape ({what})")).at(at)
}

/// The children of a pair, consumed in order, with errors instead of panics
/// when the grammar and this code disagree.
pub(crate) struct Children<'i> {
    it: std::iter::Peekable<Pairs<'i, Rule>>,
    span: Span,
}

impl<'i> Children<'i> {
    /// The children of `p`.
    pub(crate) fn of(p: P<'i>) -> Children<'i> {
        let span = span(&p);
        Children {
            it: p.into_inner().peekable(),
            span,
        }
    }

    /// The next child, which must exist.
    pub(crate) fn next(&mut self, what: &str) -> Result<P<'i>> {
        self.it.next().ok_or_else(|| internal(what, self.span))
    }

    /// The next child, which must have rule `rule`.
    pub(crate) fn expect(&mut self, rule: Rule) -> Result<P<'i>> {
        match self.it.next() {
            Some(p) if p.as_rule() == rule => Ok(p),
            Some(p) => Err(internal(
                &format!("{rule:?}, found {:?}", p.as_rule()),
                span(&p),
            )),
            None => Err(internal(&format!("{rule:?}"), self.span)),
        }
    }

    /// The next child if it has rule `rule`.
    pub(crate) fn take(&mut self, rule: Rule) -> Option<P<'i>> {
        if self.peek() == Some(rule) {
            self.it.next()
        } else {
            None
        }
    }

    /// The rule of the next child.
    pub(crate) fn peek(&mut self) -> Option<Rule> {
        self.it.peek().map(|p| p.as_rule())
    }

    /// Whether the next child has rule `rule` (and consumes it if so).
    pub(crate) fn eat(&mut self, rule: Rule) -> bool {
        self.take(rule).is_some()
    }

    /// The remaining children.
    pub(crate) fn rest(self) -> impl Iterator<Item = P<'i>> {
        self.it
    }
}

/// Parses a whole statement.
pub(crate) fn parse_statement(text: &str) -> Result<Statement> {
    errors::precheck(text)?;
    errors::configure_pest();
    let mut pairs = expr::with_stack(|| CypherParser::parse(Rule::statement, text))
        .map_err(|e| errors::detailed_error(text, &e))?;
    let stmt = pairs
        .next()
        .ok_or_else(|| internal("statement", Span::new(0, text.len())))?;
    build_statement(stmt)
}

fn build_statement(p: P) -> Result<Statement> {
    let sp = span(&p);
    let mut c = Children::of(p);
    let mode = if c.eat(Rule::kw_explain) {
        if c.eat(Rule::kw_verbose) {
            StatementMode::ExplainVerbose
        } else {
            StatementMode::Explain
        }
    } else if c.eat(Rule::kw_profile) {
        StatementMode::Profile
    } else {
        StatementMode::Run
    };
    let query = build_query(c.expect(Rule::query)?)?;
    Ok(Statement {
        mode,
        query,
        span: sp,
    })
}

/// Builds a `query` pair (single queries joined by `UNION`).
pub(crate) fn build_query(p: P) -> Result<Query> {
    expr::with_stack(|| build_query_unguarded(p))
}

fn build_query_unguarded(p: P) -> Result<Query> {
    let sp = span(&p);
    let mut c = Children::of(p);
    let first = build_single_query(c.expect(Rule::single_query)?)?;
    let mut unions = Vec::new();
    for u in c.rest() {
        let mut uc = Children::of(u);
        uc.expect(Rule::kw_union)?;
        let all = uc.eat(Rule::kw_all);
        unions.push((all, build_single_query(uc.expect(Rule::single_query)?)?));
    }
    Ok(Query {
        first,
        unions,
        span: sp,
    })
}

fn build_single_query(p: P) -> Result<SingleQuery> {
    let sp = span(&p);
    let mut clauses = Vec::new();
    for cl in p.into_inner() {
        clauses.push(build_clause(cl)?);
    }
    if clauses.len() > 1 {
        for cl in &clauses {
            if let ClauseKind::Call(call) = &cl.kind {
                if call.yield_star {
                    return Err(Error::syntax(
                        "UnexpectedSyntax",
                        "`YIELD *` is only allowed when CALL is the whole query",
                        cl.span,
                    )
                    .with_help("list the columns to yield: `YIELD a, b`"));
                }
            }
        }
    }
    Ok(SingleQuery { clauses, span: sp })
}

fn build_clause(p: P) -> Result<Clause> {
    let sp = span(&p);
    let kind = match p.as_rule() {
        Rule::match_clause => {
            let mut c = Children::of(p);
            let optional = c.eat(Rule::kw_optional);
            c.expect(Rule::kw_match)?;
            let pattern = build_pattern(c.expect(Rule::pattern)?)?;
            let where_ = c.take(Rule::where_clause).map(build_where).transpose()?;
            ClauseKind::Match(Match {
                optional,
                pattern,
                where_,
            })
        }
        Rule::unwind_clause => {
            let mut c = Children::of(p);
            c.expect(Rule::kw_unwind)?;
            let e = expr::build_value(c.expect(Rule::expression)?)?;
            c.expect(Rule::kw_as)?;
            let variable = ident(c.expect(Rule::variable)?)?;
            ClauseKind::Unwind(Unwind { expr: e, variable })
        }
        Rule::with_clause => {
            let mut c = Children::of(p);
            c.expect(Rule::kw_with)?;
            let mut proj = build_projection(c.expect(Rule::projection_body)?)?;
            proj.where_ = c.take(Rule::where_clause).map(build_where).transpose()?;
            ClauseKind::With(proj)
        }
        Rule::return_clause => {
            let mut c = Children::of(p);
            c.expect(Rule::kw_return)?;
            ClauseKind::Return(build_projection(c.expect(Rule::projection_body)?)?)
        }
        Rule::create_clause => {
            let mut c = Children::of(p);
            c.expect(Rule::kw_create)?;
            ClauseKind::Create(build_pattern(c.expect(Rule::pattern)?)?)
        }
        Rule::merge_clause => {
            let mut c = Children::of(p);
            c.expect(Rule::kw_merge)?;
            let part = build_pattern_part(c.expect(Rule::pattern_part)?)?;
            let mut actions = Vec::new();
            for a in c.rest() {
                let mut ac = Children::of(a);
                ac.expect(Rule::kw_on)?;
                let on_create = if ac.eat(Rule::kw_create) {
                    true
                } else {
                    ac.expect(Rule::kw_match)?;
                    false
                };
                ac.expect(Rule::kw_set)?;
                let items = ac.rest().map(build_set_item).collect::<Result<_>>()?;
                actions.push(MergeAction { on_create, items });
            }
            ClauseKind::Merge(Merge { part, actions })
        }
        Rule::set_clause => {
            let mut c = Children::of(p);
            c.expect(Rule::kw_set)?;
            ClauseKind::Set(c.rest().map(build_set_item).collect::<Result<_>>()?)
        }
        Rule::remove_clause => {
            let mut c = Children::of(p);
            c.expect(Rule::kw_remove)?;
            ClauseKind::Remove(c.rest().map(build_remove_item).collect::<Result<_>>()?)
        }
        Rule::delete_clause => {
            let mut c = Children::of(p);
            let detach = c.eat(Rule::kw_detach);
            c.expect(Rule::kw_delete)?;
            let exprs = c.rest().map(expr::build_value).collect::<Result<_>>()?;
            ClauseKind::Delete(Delete { detach, exprs })
        }
        Rule::call_clause => ClauseKind::Call(build_call(p)?),
        other => return Err(internal(&format!("clause {other:?}"), sp)),
    };
    Ok(Clause { kind, span: sp })
}

/// Builds a `WHERE` predicate; pattern predicates are allowed in it.
pub(crate) fn build_where(p: P) -> Result<Expr> {
    let mut c = Children::of(p);
    c.expect(Rule::kw_where)?;
    let e = expr::build(c.expect(Rule::expression)?)?;
    expr::check_pattern_predicates(&e, true)?;
    Ok(e)
}

fn build_projection(p: P) -> Result<Projection> {
    let mut c = Children::of(p);
    let distinct = c.eat(Rule::kw_distinct);
    let mut star = false;
    let mut items = Vec::new();
    for it in Children::of(c.expect(Rule::projection_items)?).rest() {
        match it.as_rule() {
            Rule::star => star = true,
            Rule::projection_item => {
                let mut ic = Children::of(it);
                let e = ic.expect(Rule::expression)?;
                let text = e.as_str().to_string();
                let e = expr::build_value(e)?;
                let alias = if ic.eat(Rule::kw_as) {
                    Some(ident(ic.expect(Rule::variable)?)?)
                } else {
                    None
                };
                items.push(ProjectionItem {
                    expr: e,
                    alias,
                    text,
                });
            }
            other => return Err(internal(&format!("projection item {other:?}"), span(&it))),
        }
    }
    let mut order_by = Vec::new();
    if let Some(o) = c.take(Rule::order_by) {
        let mut oc = Children::of(o);
        oc.expect(Rule::kw_order)?;
        oc.expect(Rule::kw_by)?;
        for s in oc.rest() {
            let mut sc = Children::of(s);
            let e = expr::build_value(sc.expect(Rule::expression)?)?;
            let descending = matches!(sc.peek(), Some(Rule::kw_desc | Rule::kw_descending));
            order_by.push(SortItem {
                expr: e,
                descending,
            });
        }
    }
    let skip = match c.take(Rule::skip) {
        Some(s) => {
            let mut sc = Children::of(s);
            sc.expect(Rule::kw_skip)?;
            Some(expr::build_value(sc.expect(Rule::expression)?)?)
        }
        None => None,
    };
    let limit = match c.take(Rule::limit) {
        Some(s) => {
            let mut sc = Children::of(s);
            sc.expect(Rule::kw_limit)?;
            Some(expr::build_value(sc.expect(Rule::expression)?)?)
        }
        None => None,
    };
    Ok(Projection {
        distinct,
        star,
        items,
        order_by,
        skip,
        limit,
        where_: None,
    })
}

/// Splits a `property_expression` pair into the target and the last key.
fn build_property_target(p: P) -> Result<(Expr, Ident)> {
    let sp = span(&p);
    let mut c = Children::of(p);
    let mut target = expr::build_atom(c.next("property target")?)?;
    let lookups: Vec<P> = c.rest().collect();
    let n = lookups.len();
    let mut last = None;
    for (i, l) in lookups.into_iter().enumerate() {
        let lsp = span(&l);
        let key = ident(Children::of(l).expect(Rule::schema_name)?)?;
        if i + 1 == n {
            last = Some(key);
        } else {
            let s = target.span.merge(lsp);
            target = Expr::new(ExprKind::Property(Box::new(target), key), s);
        }
    }
    let key = last.ok_or_else(|| internal("property key", sp))?;
    Ok((target, key))
}

fn build_set_item(p: P) -> Result<SetItem> {
    let sp = span(&p);
    match p.as_rule() {
        Rule::set_property => {
            let mut c = Children::of(p);
            let (target, key) = build_property_target(c.expect(Rule::property_expression)?)?;
            let value = expr::build_value(c.expect(Rule::expression)?)?;
            Ok(SetItem::Property {
                target,
                key,
                value,
                span: sp,
            })
        }
        Rule::set_variable => {
            let mut c = Children::of(p);
            let variable = ident(c.expect(Rule::variable)?)?;
            let merge = c.eat(Rule::plus_eq);
            if !merge {
                c.expect(Rule::eq_sign)?;
            }
            let value = expr::build_value(c.expect(Rule::expression)?)?;
            Ok(SetItem::Variable {
                variable,
                value,
                merge,
                span: sp,
            })
        }
        Rule::set_labels => {
            let mut c = Children::of(p);
            let variable = ident(c.expect(Rule::variable)?)?;
            let labels = build_labels(c.expect(Rule::node_labels)?)?;
            Ok(SetItem::Labels {
                variable,
                labels,
                span: sp,
            })
        }
        other => Err(internal(&format!("set item {other:?}"), sp)),
    }
}

fn build_remove_item(p: P) -> Result<RemoveItem> {
    let sp = span(&p);
    match p.as_rule() {
        Rule::remove_property => {
            let mut c = Children::of(p);
            let (target, key) = build_property_target(c.expect(Rule::property_expression)?)?;
            Ok(RemoveItem::Property {
                target,
                key,
                span: sp,
            })
        }
        Rule::remove_labels => {
            let mut c = Children::of(p);
            let variable = ident(c.expect(Rule::variable)?)?;
            let labels = build_labels(c.expect(Rule::node_labels)?)?;
            Ok(RemoveItem::Labels {
                variable,
                labels,
                span: sp,
            })
        }
        other => Err(internal(&format!("remove item {other:?}"), sp)),
    }
}

fn build_call(p: P) -> Result<Call> {
    let mut c = Children::of(p);
    c.expect(Rule::kw_call)?;
    let procedure = Children::of(c.expect(Rule::procedure_name)?)
        .rest()
        .map(name_ident)
        .collect::<Result<Vec<_>>>()?;
    let args = match c.take(Rule::call_args) {
        Some(a) => {
            let args = Children::of(a)
                .rest()
                .map(expr::build_value)
                .collect::<Result<Vec<_>>>()?;
            Some(args)
        }
        None => None,
    };
    let mut yield_star = false;
    let mut yields = Vec::new();
    let mut where_ = None;
    if let Some(y) = c.take(Rule::yield_clause) {
        let mut yc = Children::of(y);
        yc.expect(Rule::kw_yield)?;
        for item in yc.rest() {
            match item.as_rule() {
                Rule::star => yield_star = true,
                Rule::yield_item => {
                    let mut ic = Children::of(item);
                    let field = name_ident(ic.next("yield field")?)?;
                    let alias = if ic.eat(Rule::kw_as) {
                        Some(ident(ic.expect(Rule::variable)?)?)
                    } else {
                        None
                    };
                    yields.push((field, alias));
                }
                Rule::where_clause => where_ = Some(build_where(item)?),
                other => return Err(internal(&format!("yield {other:?}"), span(&item))),
            }
        }
    }
    Ok(Call {
        procedure,
        args,
        yield_star,
        yields,
        where_,
    })
}

/// Builds a `pattern` pair.
pub(crate) fn build_pattern(p: P) -> Result<Pattern> {
    let sp = span(&p);
    let parts = p
        .into_inner()
        .map(build_pattern_part)
        .collect::<Result<Vec<_>>>()?;
    Ok(Pattern { parts, span: sp })
}

fn build_pattern_part(p: P) -> Result<PatternPart> {
    let sp = span(&p);
    let mut c = Children::of(p);
    let variable = c.take(Rule::variable).map(ident).transpose()?;
    let inner = c.next("pattern part")?;
    let (kind, element) = match inner.as_rule() {
        Rule::shortest_path | Rule::all_shortest_paths => {
            let kind = if inner.as_rule() == Rule::shortest_path {
                PathKind::Shortest
            } else {
                PathKind::AllShortest
            };
            let mut ic = Children::of(inner);
            ic.next("shortestPath keyword")?;
            (
                kind,
                build_pattern_element(ic.expect(Rule::pattern_element)?)?,
            )
        }
        Rule::pattern_element => (PathKind::Normal, build_pattern_element(inner)?),
        other => return Err(internal(&format!("pattern part {other:?}"), sp)),
    };
    Ok(PatternPart {
        variable,
        kind,
        element,
        span: sp,
    })
}

/// Builds a `pattern_element` or `relationships_pattern` pair.
pub(crate) fn build_pattern_element(p: P) -> Result<PatternElement> {
    let sp = span(&p);
    let mut c = Children::of(p);
    if c.peek() == Some(Rule::pattern_element) {
        let mut inner = build_pattern_element(c.expect(Rule::pattern_element)?)?;
        inner.span = sp;
        return Ok(inner);
    }
    let start = build_node(c.expect(Rule::node_pattern)?)?;
    let mut chain = Vec::new();
    while c.peek().is_some() {
        let rel = build_rel(c.expect(Rule::rel_pattern)?)?;
        let node = build_node(c.expect(Rule::node_pattern)?)?;
        chain.push((rel, node));
    }
    Ok(PatternElement {
        start,
        chain,
        span: sp,
    })
}

fn build_properties(p: P) -> Result<Expr> {
    let mut c = Children::of(p);
    let inner = c.next("properties")?;
    let e = expr::build_atom(inner)?;
    Ok(e)
}

fn build_node(p: P) -> Result<NodePattern> {
    let sp = span(&p);
    let mut c = Children::of(p);
    let variable = c.take(Rule::variable).map(ident).transpose()?;
    let labels = match c.take(Rule::node_labels) {
        Some(l) => build_labels(l)?,
        None => Vec::new(),
    };
    let properties = c.take(Rule::properties).map(build_properties).transpose()?;
    Ok(NodePattern {
        variable,
        labels,
        properties,
        span: sp,
    })
}

/// Builds `:A:B` (a `node_labels` or `label_predicate` pair).
pub(crate) fn build_labels(p: P) -> Result<Vec<Ident>> {
    p.into_inner()
        .map(|l| ident(Children::of(l).expect(Rule::schema_name)?))
        .collect()
}

fn build_rel(p: P) -> Result<RelPattern> {
    let sp = span(&p);
    let mut c = Children::of(p);
    let left = c.eat(Rule::left_arrow);
    let mut variable = None;
    let mut types = Vec::new();
    let mut length = None;
    let mut properties = None;
    if let Some(d) = c.take(Rule::rel_detail) {
        for part in d.into_inner() {
            match part.as_rule() {
                Rule::variable => variable = Some(ident(part)?),
                Rule::rel_types => {
                    for t in part.into_inner() {
                        types.push(ident(t)?);
                    }
                }
                Rule::range_spec => length = Some(build_range(part)?),
                Rule::invalid_range => {
                    return Err(Error::syntax(
                        "InvalidRelationshipPattern",
                        format!("invalid variable-length bounds `{}`", part.as_str()),
                        span(&part),
                    )
                    .with_help("write `*`, `*2`, `*1..3`, `*..3` or `*2..`"))
                }
                Rule::properties => properties = Some(build_properties(part)?),
                other => return Err(internal(&format!("relationship {other:?}"), span(&part))),
            }
        }
    }
    let right = c.eat(Rule::right_arrow);
    let direction = match (left, right) {
        (true, false) => Direction::Incoming,
        (false, true) => Direction::Outgoing,
        _ => Direction::Both,
    };
    Ok(RelPattern {
        variable,
        types,
        direction,
        length,
        properties,
        span: sp,
    })
}

fn build_range(p: P) -> Result<Range> {
    let mut min = None;
    let mut max = None;
    let mut dots = false;
    for part in p.into_inner() {
        let bound = |q: &P| {
            q.as_str().parse::<u64>().map_err(|_| {
                Error::syntax(
                    "InvalidRelationshipPattern",
                    "relationship length bound is too large",
                    span(q),
                )
            })
        };
        match part.as_rule() {
            Rule::range_lo => min = Some(bound(&part)?),
            Rule::range_hi => max = Some(bound(&part)?),
            Rule::range_dots => dots = true,
            other => return Err(internal(&format!("range {other:?}"), span(&part))),
        }
    }
    if !dots {
        max = min;
    }
    Ok(Range { min, max })
}

/// An identifier from a `variable`, `schema_name`, `plain_name` or
/// `escaped_name` pair.
pub(crate) fn ident(p: P) -> Result<Ident> {
    match p.as_rule() {
        Rule::variable | Rule::schema_name => {
            let sp = span(&p);
            let inner = Children::of(p).next("name")?;
            let mut id = name_ident(inner)?;
            id.span = sp;
            Ok(id)
        }
        _ => name_ident(p),
    }
}

/// An identifier from a `plain_name` or `escaped_name` pair.
pub(crate) fn name_ident(p: P) -> Result<Ident> {
    let sp = span(&p);
    match p.as_rule() {
        Rule::plain_name => Ok(Ident {
            name: p.as_str().to_string(),
            span: sp,
        }),
        Rule::escaped_name => {
            let body = Children::of(p).expect(Rule::escaped_body)?;
            if body.as_str().is_empty() {
                // As in Neo4j: no variable, label, type, property or alias
                // is the empty name (a map literal's key may be: see
                // `map_atom`).
                return Err(Error::syntax(
                    "UnexpectedSyntax",
                    "a name cannot be empty: `` names nothing",
                    sp,
                )
                .with_help("write a name between the backquotes"));
            }
            Ok(Ident {
                name: body.as_str().replace("``", "`"),
                span: sp,
            })
        }
        Rule::variable | Rule::schema_name => ident(p),
        other => Err(internal(&format!("name {other:?}"), sp)),
    }
}
