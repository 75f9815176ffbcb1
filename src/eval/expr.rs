//! The tree-walking evaluator for [`Expr`] and the local-variable overlay.

use crate::builtins::{Arity, Implementation, ScalarCall};
use crate::error::{Error, ErrorKind, Phase, Result};
use crate::limits::{value_size, Guard};
use crate::store::{Citation, Entity, Graph, Relation, RelationId};
use crate::syntax::ast::{
    BinaryOp, ExistsBody, Expr, ExprKind, FunctionName, Ident, Literal, PatternElement, Quantifier,
    UnaryOp,
};
use crate::value::{Value, ValueMap};

use super::compare::{describe, equals, truthy};
use super::errors::{deleted, invalid_type, missing_parameter};
use super::{ops, Env, Params};

/// An [`Env`] with local variables (comprehension, quantifier and `reduce`
/// variables) laid over another one. Later bindings shadow earlier ones and
/// the parent's.
pub(crate) struct Scope<'a> {
    parent: &'a dyn Env,
    vars: Vec<(String, Value)>,
}

impl<'a> Scope<'a> {
    /// A scope with the given variables, all `null` at first.
    pub(crate) fn new(parent: &'a dyn Env, names: &[&str]) -> Scope<'a> {
        Scope {
            parent,
            vars: names.iter().map(|n| (n.to_string(), Value::Null)).collect(),
        }
    }

    /// A scope binding the variables of one pattern match.
    fn with_bindings(parent: &'a dyn Env, vars: Vec<(String, Value)>) -> Scope<'a> {
        Scope { parent, vars }
    }

    /// Sets the `i`-th variable.
    pub(crate) fn set(&mut self, i: usize, value: Value) {
        if let Some(slot) = self.vars.get_mut(i) {
            slot.1 = value;
        }
    }

    /// Takes the `i`-th variable's value out, leaving `null`.
    fn take(&mut self, i: usize) -> Value {
        self.vars.get_mut(i).map_or(Value::Null, |slot| {
            std::mem::replace(&mut slot.1, Value::Null)
        })
    }
}

impl Env for Scope<'_> {
    fn graph(&self) -> &Graph {
        self.parent.graph()
    }

    fn params(&self) -> &Params {
        self.parent.params()
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Some(v),
            None => self.parent.lookup(name),
        }
    }

    fn match_pattern(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        scope: &dyn Env,
    ) -> Result<Vec<Vec<(String, Value)>>> {
        self.parent.match_pattern(pattern, path_variable, scope)
    }

    fn match_pattern_where(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        predicate: Option<&Expr>,
        scope: &dyn Env,
    ) -> Result<Vec<Vec<(String, Value)>>> {
        self.parent
            .match_pattern_where(pattern, path_variable, predicate, scope)
    }

    fn pattern_exists(&self, pattern: &PatternElement, scope: &dyn Env) -> Result<bool> {
        self.parent.pattern_exists(pattern, scope)
    }

    fn count_pattern(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        predicate: Option<&Expr>,
        scope: &dyn Env,
    ) -> Result<usize> {
        self.parent
            .count_pattern(pattern, path_variable, predicate, scope)
    }

    fn exists(&self, body: &ExistsBody, scope: &dyn Env) -> Result<bool> {
        self.parent.exists(body, scope)
    }

    fn aggregate(&self, expr: &Expr) -> Option<Value> {
        self.parent.aggregate(expr)
    }

    fn deleted_relation(&self, id: RelationId) -> Option<&Relation> {
        self.parent.deleted_relation(id)
    }

    fn guard(&self) -> Option<&Guard> {
        self.parent.guard()
    }
}

/// One step of a loop inside an expression: stops the statement when its
/// time is up or it was cancelled.
fn tick(guard: Option<&Guard>) -> Result<()> {
    match guard {
        Some(g) => g.check(),
        None => Ok(()),
    }
}

/// A list being built element by element (a comprehension), held to the
/// statement's memory budget.
struct Growing<'g> {
    guard: Option<&'g Guard>,
    bytes: u64,
}

impl Growing<'_> {
    /// Counts `v`, about to be added; fails when the list no longer fits.
    fn add(&mut self, v: &Value) -> Result<()> {
        if let Some(g) = self.guard {
            self.bytes = self.bytes.saturating_add(value_size(v));
            g.fits(self.bytes)?;
        }
        Ok(())
    }
}

/// Evaluates `expr`; errors get the span of the innermost expression that
/// raised them.
pub(crate) fn eval_expr(expr: &Expr, env: &dyn Env) -> Result<Value> {
    eval_kind(expr, env).map_err(|e| e.or_at(expr.span))
}

fn eval_kind(expr: &Expr, env: &dyn Env) -> Result<Value> {
    match &expr.kind {
        ExprKind::Literal(lit) => Ok(literal(lit)),
        ExprKind::Parameter(name) => env
            .params()
            .get(name)
            .cloned()
            .ok_or_else(|| missing_parameter(name)),
        ExprKind::Variable(name) => env
            .lookup(name)
            .cloned()
            .ok_or_else(|| Error::internal(format!("variable `{name}` is not bound in this row"))),
        ExprKind::List(items) => Ok(Value::List(
            items
                .iter()
                .map(|e| eval_expr(e, env))
                .collect::<Result<_>>()?,
        )),
        ExprKind::Map(entries) => {
            let mut map = Vec::with_capacity(entries.len());
            for (key, e) in entries {
                map.push((key.name.as_str(), eval_expr(e, env)?));
            }
            Ok(Value::Map(map.into_iter().collect()))
        }
        ExprKind::Property(target, key) => {
            let v = eval_expr(target, env)?;
            property(&v, &key.name, env)
        }
        ExprKind::Index(target, index) => {
            let v = eval_expr(target, env)?;
            let i = eval_expr(index, env)?;
            index_value(&v, &i, env)
        }
        ExprKind::Slice(target, from, to) => {
            let v = eval_expr(target, env)?;
            let from = from.as_ref().map(|e| eval_expr(e, env)).transpose()?;
            let to = to.as_ref().map(|e| eval_expr(e, env)).transpose()?;
            slice(&v, from.as_ref(), to.as_ref())
        }
        ExprKind::Unary(op, operand) => {
            let v = eval_expr(operand, env)?;
            match op {
                UnaryOp::Not => ops::not(&v),
                UnaryOp::Neg => ops::negate(&v),
                UnaryOp::Plus => ops::plus(&v),
            }
        }
        ExprKind::Binary(op, lhs, rhs) => binary(*op, lhs, rhs, env),
        ExprKind::IsNull(operand, negated) => {
            let v = eval_expr(operand, env)?;
            Ok(Value::Bool(v.is_null() != *negated))
        }
        ExprKind::HasLabels(target, labels) => {
            let v = eval_expr(target, env)?;
            has_labels(&v, labels, env)
        }
        ExprKind::Function {
            name,
            distinct: _,
            args,
        } => match counted_comprehension(name, args) {
            // `size([pattern WHERE ... | x])` with a projection that cannot
            // fail: the matches are counted, not built.
            Some((pattern, path_var, predicate)) => Ok(Value::Int(
                env.count_pattern(pattern, path_var, predicate, env)? as i64,
            )),
            None => call(expr, name, args, env),
        },
        ExprKind::CountStar => aggregate_value(expr, "count(*)", env),
        ExprKind::Case {
            subject,
            whens,
            otherwise,
        } => {
            match subject {
                Some(subject) => {
                    let s = eval_expr(subject, env)?;
                    for (w, t) in whens {
                        let v = eval_expr(w, env)?;
                        if equals(&s, &v) == Some(true) {
                            return eval_expr(t, env);
                        }
                    }
                }
                None => {
                    for (w, t) in whens {
                        let c = eval_expr(w, env)?;
                        if truthy(&c).map_err(|e| e.or_at(w.span))? {
                            return eval_expr(t, env);
                        }
                    }
                }
            }
            match otherwise {
                Some(e) => eval_expr(e, env),
                None => Ok(Value::Null),
            }
        }
        ExprKind::ListComprehension {
            variable,
            list,
            predicate,
            projection,
        } => {
            let Some(items) = list_operand(list, env, "a list comprehension")? else {
                return Ok(Value::Null);
            };
            let guard = env.guard();
            let mut grown = Growing { guard, bytes: 0 };
            let mut scope = Scope::new(env, &[&variable.name]);
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                tick(guard)?;
                scope.set(0, item);
                if let Some(p) = predicate {
                    let keep = eval_expr(p, &scope)?;
                    if !truthy(&keep).map_err(|e| e.or_at(p.span))? {
                        continue;
                    }
                }
                match projection {
                    Some(proj) => {
                        let v = eval_expr(proj, &scope)?;
                        grown.add(&v)?;
                        out.push(v);
                    }
                    None => out.push(scope.take(0)),
                }
            }
            Ok(Value::List(out))
        }
        ExprKind::PatternComprehension {
            variable,
            pattern,
            predicate,
            projection,
        } => {
            let path_var = variable.as_ref().map(|v| v.name.as_str());
            // Only the matches the predicate keeps.
            let matches = env.match_pattern_where(pattern, path_var, predicate.as_deref(), env)?;
            let guard = env.guard();
            let mut grown = Growing { guard, bytes: 0 };
            let mut out = Vec::with_capacity(matches.len());
            for row in matches {
                tick(guard)?;
                let scope = Scope::with_bindings(env, row);
                let v = eval_expr(projection, &scope)?;
                grown.add(&v)?;
                out.push(v);
            }
            Ok(Value::List(out))
        }
        ExprKind::Quantified {
            quantifier,
            variable,
            list,
            predicate,
        } => quantified(*quantifier, variable, list, predicate.as_deref(), env),
        ExprKind::Reduce {
            accumulator,
            init,
            variable,
            list,
            expr: step,
        } => {
            let acc = eval_expr(init, env)?;
            let Some(items) = list_operand(list, env, "reduce")? else {
                return Ok(Value::Null);
            };
            let guard = env.guard();
            let mut scope = Scope::new(env, &[&accumulator.name, &variable.name]);
            scope.set(0, acc);
            for item in items {
                tick(guard)?;
                scope.set(1, item);
                let next = eval_expr(step, &scope)?;
                scope.set(0, next);
            }
            Ok(scope.take(0))
        }
        ExprKind::Pattern(pattern) => Ok(Value::Bool(env.pattern_exists(pattern, env)?)),
        ExprKind::Exists(body) => Ok(Value::Bool(env.exists(body, env)?)),
    }
}

/// The pattern, path variable and predicate of `size([...])` over a
/// pattern comprehension whose projection cannot fail (a variable, a
/// parameter or a literal).
fn counted_comprehension<'e>(
    name: &crate::syntax::ast::FunctionName,
    args: &'e [Expr],
) -> Option<(&'e PatternElement, Option<&'e str>, Option<&'e Expr>)> {
    if !name.text().eq_ignore_ascii_case("size") {
        return None;
    }
    let [Expr {
        kind:
            ExprKind::PatternComprehension {
                variable,
                pattern,
                predicate,
                projection,
            },
        ..
    }] = args
    else {
        return None;
    };
    matches!(
        projection.kind,
        ExprKind::Variable(_) | ExprKind::Parameter(_) | ExprKind::Literal(_)
    )
    .then(|| {
        (
            &**pattern,
            variable.as_ref().map(|v| v.name.as_str()),
            predicate.as_deref(),
        )
    })
}

/// The matches (bindings over `scope`) for which `predicate` holds.
pub(crate) fn keep_matching(
    matches: Vec<Vec<(String, Value)>>,
    predicate: &Expr,
    scope: &dyn Env,
) -> Result<Vec<Vec<(String, Value)>>> {
    let mut out = Vec::with_capacity(matches.len());
    for row in matches {
        tick(scope.guard())?;
        let bound = Scope::with_bindings(scope, row);
        let keep = eval_expr(predicate, &bound)?;
        if truthy(&keep).map_err(|e| e.or_at(predicate.span))? {
            out.push(bound.vars);
        }
    }
    Ok(out)
}

/// The value of a literal.
pub(crate) fn literal(lit: &Literal) -> Value {
    match lit {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => Value::Int(*i),
        Literal::Float(f) => Value::Float(*f),
        Literal::String(s) => Value::String(s.clone()),
    }
}

/// Evaluates the list operand of a comprehension, quantifier or `reduce`:
/// `None` for `null`, a type error for anything but a list.
fn list_operand(list: &Expr, env: &dyn Env, what: &str) -> Result<Option<Vec<Value>>> {
    match eval_expr(list, env)? {
        Value::Null => Ok(None),
        Value::List(items) => Ok(Some(items)),
        other => Err(invalid_type(format!(
            "{what} needs a list after `IN`, got {}",
            describe(&other)
        ))
        .at(list.span)),
    }
}

fn binary(op: BinaryOp, lhs: &Expr, rhs: &Expr, env: &dyn Env) -> Result<Value> {
    let a = eval_expr(lhs, env)?;
    // Short-circuit AND/OR once the left side decides.
    match (op, &a) {
        (BinaryOp::And, Value::Bool(false)) => return Ok(Value::Bool(false)),
        (BinaryOp::Or, Value::Bool(true)) => return Ok(Value::Bool(true)),
        (BinaryOp::And | BinaryOp::Or | BinaryOp::Xor, _) => {
            let name = match op {
                BinaryOp::And => "AND",
                BinaryOp::Or => "OR",
                _ => "XOR",
            };
            ops::logic_operand(&a, name).map_err(|e| e.at(lhs.span))?;
            let b = eval_expr(rhs, env)?;
            ops::logic_operand(&b, name).map_err(|e| e.at(rhs.span))?;
            return ops::binary(op, &a, &b);
        }
        _ => {}
    }
    let b = eval_expr(rhs, env)?;
    match op {
        BinaryOp::Add => {
            if let Some(bytes) = concat_size(&a, &b) {
                if let Some(g) = env.guard() {
                    g.before_building(bytes)?;
                }
            }
        }
        BinaryOp::Regex => {
            // Matching is linear but not interruptible: look at the clock
            // before a long string.
            if let (Value::String(s), Some(g)) = (&a, env.guard()) {
                if s.len() >= 1 << 16 {
                    g.check_now()?;
                }
            }
        }
        _ => {}
    }
    ops::binary(op, &a, &b)
}

/// The size of what `a + b` builds when it concatenates strings or lists
/// (`None` for arithmetic).
fn concat_size(a: &Value, b: &Value) -> Option<u64> {
    match (a, b) {
        (Value::String(s), Value::String(t)) => Some((s.len() + t.len()) as u64),
        (Value::String(s), Value::Int(_) | Value::Float(_))
        | (Value::Int(_) | Value::Float(_), Value::String(s)) => Some(s.len() as u64 + 32),
        (Value::List(_), _) | (_, Value::List(_)) => Some(value_size(a) + value_size(b)),
        _ => None,
    }
}

fn quantified(
    q: Quantifier,
    variable: &Ident,
    list: &Expr,
    predicate: Option<&Expr>,
    env: &dyn Env,
) -> Result<Value> {
    let Some(items) = list_operand(list, env, "a quantifier")? else {
        return Ok(Value::Null);
    };
    let guard = env.guard();
    let mut scope = Scope::new(env, &[&variable.name]);
    let (mut trues, mut nulls, mut falses) = (0usize, 0usize, 0usize);
    for item in items {
        tick(guard)?;
        scope.set(0, item);
        let v = match predicate {
            Some(p) => eval_expr(p, &scope)?,
            None => scope.take(0),
        };
        match v {
            Value::Bool(true) => trues += 1,
            Value::Bool(false) => falses += 1,
            Value::Null => nulls += 1,
            other => {
                return Err(invalid_type(format!(
                    "a quantifier predicate must be Boolean, got {}",
                    describe(&other)
                ))
                .at(predicate.map_or(list.span, |p| p.span)))
            }
        }
        // Early exits that no later element can change.
        match q {
            Quantifier::All if falses > 0 => return Ok(Value::Bool(false)),
            Quantifier::Any if trues > 0 => return Ok(Value::Bool(true)),
            Quantifier::None if trues > 0 => return Ok(Value::Bool(false)),
            Quantifier::Single if trues > 1 => return Ok(Value::Bool(false)),
            _ => {}
        }
    }
    let unknown = nulls > 0;
    let r = match q {
        Quantifier::All | Quantifier::None | Quantifier::Any if unknown => None,
        Quantifier::All | Quantifier::None => Some(true),
        Quantifier::Any => Some(false),
        Quantifier::Single if unknown => None,
        Quantifier::Single => Some(trues == 1),
    };
    Ok(r.map_or(Value::Null, Value::Bool))
}

/// Calls the function `name` was resolved to when it was parsed: no name
/// is looked at again, row after row.
fn call(expr: &Expr, name: &FunctionName, args: &[Expr], env: &dyn Env) -> Result<Value> {
    let Some(function) = name.function() else {
        return Err(super::errors::unknown_function(name.text()));
    };
    let implementation = match function.implementation {
        Implementation::Aggregate(_) => return aggregate_value(expr, name.text(), env),
        Implementation::Syntax => return Err(super::errors::unknown_function(name.text())),
        other => other,
    };
    if !function.arity.accepts(args.len()) {
        let Arity { min, max } = function.arity;
        return Err(super::errors::arity(name.text(), min, max, args.len()));
    }
    let f = match implementation {
        Implementation::Scalar(f) => f,
        Implementation::Lazy(f) => return f(args, env),
        Implementation::Aggregate(_) | Implementation::Syntax => {
            return Err(super::errors::unknown_function(name.text()))
        }
    };
    let one;
    let many;
    let values: &[Value] = match args {
        [] => &[],
        [a] => {
            one = [eval_expr(a, env)?];
            &one
        }
        _ => {
            many = args
                .iter()
                .map(|a| eval_expr(a, env))
                .collect::<Result<Vec<_>>>()?;
            &many
        }
    };
    let call = ScalarCall {
        name: name.text(),
        args: values,
        env,
    };
    // Blame the call when the message is about an argument's value.
    f(&call).map_err(|e| e.or_at(expr.span))
}

fn aggregate_value(expr: &Expr, display: &str, env: &dyn Env) -> Result<Value> {
    env.aggregate(expr).ok_or_else(|| {
        Error::new(
            ErrorKind::Syntax,
            Phase::Compile,
            "InvalidAggregation",
            format!("the aggregate `{display}` cannot be used here"),
        )
    })
}

/// The entity behind a node id, or the right error for a deleted one.
pub(crate) fn entity(env: &dyn Env, id: crate::store::EntityId) -> Result<&Entity> {
    env.graph()
        .entity(id)
        .ok_or_else(|| deleted(&format!("node {id}")))
}

/// The relation behind a relationship id, or the right error for a deleted one.
pub(crate) fn relation(env: &dyn Env, id: RelationId) -> Result<&Relation> {
    env.graph()
        .relation(id)
        .ok_or_else(|| deleted(&format!("relationship {id}")))
}

/// A citation as a map `{article, sentence}`.
pub(crate) fn citation_value(c: &Citation) -> Value {
    let mut m = ValueMap::default();
    m.insert("article".to_string(), Value::String(c.article.clone()));
    m.insert("sentence".to_string(), Value::Int(i64::from(c.sentence)));
    Value::Map(m)
}

/// The citations as a list of maps.
pub(crate) fn sources_value(sources: &[Citation]) -> Value {
    Value::List(sources.iter().map(citation_value).collect())
}

/// `v.key`: a property of a node or relationship (with kg's virtual
/// properties `sources`, `key`, `aliases` when no real property has that
/// name), a map entry, or a date field. `null` in, `null` out.
pub fn property(v: &Value, key: &str, env: &dyn Env) -> Result<Value> {
    match v {
        Value::Null => Ok(Value::Null),
        Value::Map(m) => Ok(m.get(key).cloned().unwrap_or(Value::Null)),
        Value::Node(id) => {
            let e = entity(env, *id)?;
            if let Some(p) = e.props.get(key) {
                return Ok(p.clone());
            }
            Ok(match key {
                "sources" => sources_value(&e.sources),
                "key" => e.key.clone().map_or(Value::Null, Value::String),
                "aliases" => Value::List(
                    e.aliases
                        .iter()
                        .map(|a| Value::String(a.text.clone()))
                        .collect(),
                ),
                _ => Value::Null,
            })
        }
        Value::Relationship(id) => {
            let r = relation(env, *id)?;
            if let Some(p) = r.props.get(key) {
                return Ok(p.clone());
            }
            Ok(match key {
                "sources" => sources_value(&r.sources),
                _ => Value::Null,
            })
        }
        Value::Date(d) => Ok(super::dates::field(d, key)),
        other => Err(invalid_type(format!(
            "cannot read property `{key}` of {}: only nodes, relationships and maps have properties",
            describe(other)
        ))),
    }
}

/// `v[i]`: list element (negative indexes count from the end; out of range
/// is `null`), or dynamic property/map access with a string key.
pub fn index_value(v: &Value, i: &Value, env: &dyn Env) -> Result<Value> {
    match (v, i) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::List(items), Value::Int(ix)) => {
            let len = items.len() as i64;
            let ix = if *ix < 0 { len + ix } else { *ix };
            Ok(if (0..len).contains(&ix) {
                items[ix as usize].clone()
            } else {
                Value::Null
            })
        }
        (Value::List(_), other) => Err(Error::runtime(
            ErrorKind::Type,
            "ListElementAccessByNonInteger",
            format!("a list index must be an Integer, got {}", describe(other)),
        )),
        (
            Value::Map(_) | Value::Node(_) | Value::Relationship(_) | Value::Date(_),
            Value::String(k),
        ) => property(v, k, env),
        (Value::Map(_) | Value::Node(_) | Value::Relationship(_) | Value::Date(_), other) => {
            Err(Error::runtime(
                ErrorKind::Type,
                "MapElementAccessByNonString",
                format!(
                    "a map or property key must be a String, got {}",
                    describe(other)
                ),
            ))
        }
        (other, _) => Err(invalid_type(format!(
            "cannot index into {}: only lists, maps, nodes and relationships can be indexed",
            describe(other)
        ))),
    }
}

fn slice_bound(v: Option<&Value>, default: i64, len: i64) -> Result<Option<i64>> {
    match v {
        None => Ok(Some(default)),
        Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(if *i < 0 {
            (len + i).max(0)
        } else {
            (*i).min(len)
        })),
        Some(other) => Err(Error::runtime(
            ErrorKind::Type,
            "ListElementAccessByNonInteger",
            format!("a slice bound must be an Integer, got {}", describe(other)),
        )),
    }
}

/// `v[from..to]`: a sub-list; negative bounds count from the end, bounds are
/// clipped, an empty or inverted range is `[]`, a `null` bound gives `null`.
pub fn slice(v: &Value, from: Option<&Value>, to: Option<&Value>) -> Result<Value> {
    let items = match v {
        Value::Null => return Ok(Value::Null),
        Value::List(items) => items,
        other => {
            return Err(invalid_type(format!(
                "cannot slice {}: only lists can be sliced",
                describe(other)
            )))
        }
    };
    let len = items.len() as i64;
    let (Some(a), Some(b)) = (slice_bound(from, 0, len)?, slice_bound(to, len, len)?) else {
        return Ok(Value::Null);
    };
    if a >= b {
        return Ok(Value::List(Vec::new()));
    }
    Ok(Value::List(items[a as usize..b as usize].to_vec()))
}

fn has_labels(v: &Value, labels: &[Ident], env: &dyn Env) -> Result<Value> {
    match v {
        Value::Null => Ok(Value::Null),
        Value::Node(id) => {
            let e = entity(env, *id)?;
            Ok(Value::Bool(labels.iter().all(|l| e.has_label(&l.name))))
        }
        Value::Relationship(id) => {
            let r = relation(env, *id)?;
            Ok(Value::Bool(labels.iter().all(|l| l.name == r.rel_type)))
        }
        other => Err(invalid_type(format!(
            "cannot test labels of {}: only nodes have labels",
            describe(other)
        ))),
    }
}
