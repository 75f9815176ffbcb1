//! Scalar functions: graph, list, string, numeric, conversion, date, and
//! kg's provenance and alias functions. Each is one function the registry
//! ([`crate::builtins::functions`]) points to; its arguments arrive
//! evaluated and counted.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::builtins::ScalarCall;
use crate::error::Result;
use crate::limits::{Guard, VALUE_SLOT};
use crate::syntax::ast::{Expr, ExprKind};
use crate::value::Value;

use super::compare::describe;
use super::errors::{argument, arithmetic, invalid_type, invalid_value};
use super::expr::{entity, eval_expr, relation, sources_value};
use super::ops::{as_f64, format_float};
use super::{dates, Env};

impl<'a> ScalarCall<'a> {
    /// The first argument (`null` when there is none).
    fn first(&self) -> &'a Value {
        self.args.first().unwrap_or(&Value::Null)
    }

    /// The first argument with the function's name, for messages.
    fn one(&self) -> Fn1<'a> {
        Fn1 {
            name: self.name,
            arg: self.first(),
        }
    }
}

// ----- graph ---------------------------------------------------------------

/// `id(x)`.
pub(crate) fn id(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Node(id) => Ok(Value::Int(id.0 as i64)),
        Value::Relationship(id) => Ok(Value::Int(id.0 as i64)),
        _ => Err(f.bad_value("a node or a relationship")),
    }
}

/// `elementId(x)`.
pub(crate) fn element_id(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Node(id) => Ok(Value::String(format!("n{}", id.0))),
        Value::Relationship(id) => Ok(Value::String(format!("r{}", id.0))),
        _ => Err(f.bad_value("a node or a relationship")),
    }
}

/// `labels(n)`.
pub(crate) fn labels(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Node(id) => Ok(strings(entity(c.env, *id)?.labels.iter().cloned())),
        _ => Err(f.bad_value("a node")),
    }
}

/// `type(r)`: also for a relationship deleted earlier in the query.
pub(crate) fn rel_type(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Relationship(id) => match c.env.graph().relation(*id) {
            Some(r) => Ok(Value::String(r.rel_type.to_string())),
            None => match c.env.deleted_relation(*id) {
                Some(r) => Ok(Value::String(r.rel_type.to_string())),
                None => Err(super::errors::deleted(&format!("relationship {id}"))),
            },
        },
        _ => Err(f.bad_value("a relationship")),
    }
}

/// `keys(x)`.
pub(crate) fn keys(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Map(m) => Ok(strings(m.keys().map(|k| k.to_string()))),
        Value::Node(id) => Ok(strings(
            entity(c.env, *id)?.props.keys().map(|k| k.to_string()),
        )),
        Value::Relationship(id) => Ok(strings(
            relation(c.env, *id)?.props.keys().map(|k| k.to_string()),
        )),
        _ => Err(f.bad_value("a node, a relationship or a map")),
    }
}

/// `properties(x)`.
pub(crate) fn properties(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Map(_) => Ok(f.arg.clone()),
        Value::Node(id) => Ok(Value::Map(entity(c.env, *id)?.props.clone())),
        Value::Relationship(id) => Ok(Value::Map(relation(c.env, *id)?.props.clone())),
        _ => Err(f.bad_value("a node, a relationship or a map")),
    }
}

/// `nodes(path)`.
pub(crate) fn nodes(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Path(p) => Ok(Value::List(
            p.nodes.iter().map(|n| Value::Node(*n)).collect(),
        )),
        _ => Err(f.bad_value("a path")),
    }
}

/// `relationships(path)`.
pub(crate) fn relationships(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Path(p) => Ok(Value::List(
            p.rels.iter().map(|r| Value::Relationship(*r)).collect(),
        )),
        _ => Err(f.bad_value("a path")),
    }
}

/// `length(path)` (also of a list or a string).
pub(crate) fn length(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Path(p) => Ok(Value::Int(p.rels.len() as i64)),
        Value::List(l) => Ok(Value::Int(l.len() as i64)),
        Value::String(s) => Ok(Value::Int(s.chars().count() as i64)),
        _ => Err(f.bad_value("a path")),
    }
}

/// `startNode(r)`.
pub(crate) fn start_node(c: &ScalarCall) -> Result<Value> {
    end_of(c, true)
}

/// `endNode(r)`.
pub(crate) fn end_node(c: &ScalarCall) -> Result<Value> {
    end_of(c, false)
}

fn end_of(c: &ScalarCall, start: bool) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Relationship(id) => {
            let r = relation(c.env, *id)?;
            Ok(Value::Node(if start { r.from } else { r.to }))
        }
        _ => Err(f.bad_value("a relationship")),
    }
}

/// `exists(x)`: a pattern argument is the pattern predicate itself; any
/// other argument is tested for `null`.
pub(crate) fn exists(args: &[Expr], env: &dyn Env) -> Result<Value> {
    let Some(a) = args.first() else {
        return Ok(Value::Bool(false));
    };
    if matches!(a.kind, ExprKind::Pattern(_)) {
        return eval_expr(a, env);
    }
    Ok(Value::Bool(!eval_expr(a, env)?.is_null()))
}

// ----- kg ------------------------------------------------------------------

/// `key(n)`: kg's key of a node.
pub(crate) fn key(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Node(id) => Ok(entity(c.env, *id)?
            .key
            .clone()
            .map_or(Value::Null, Value::String)),
        _ => Err(f.bad_value("a node")),
    }
}

/// `aliases(n)`.
pub(crate) fn aliases(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Node(id) => Ok(strings(
            entity(c.env, *id)?.aliases.iter().map(|a| a.text.clone()),
        )),
        _ => Err(f.bad_value("a node")),
    }
}

/// `sources(x)`: citations as maps.
pub(crate) fn sources(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Node(id) => Ok(sources_value(&entity(c.env, *id)?.sources)),
        Value::Relationship(id) => Ok(sources_value(&relation(c.env, *id)?.sources)),
        _ => Err(f.bad_value("a node or a relationship")),
    }
}

// ----- lists ---------------------------------------------------------------

/// `size(x)`.
pub(crate) fn size(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::List(l) => Ok(Value::Int(l.len() as i64)),
        Value::String(s) => Ok(Value::Int(s.chars().count() as i64)),
        _ => Err(f.bad_type("a list or a string")),
    }
}

/// `isEmpty(x)`.
pub(crate) fn is_empty(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::List(l) => Ok(Value::Bool(l.is_empty())),
        Value::String(s) => Ok(Value::Bool(s.is_empty())),
        Value::Map(m) => Ok(Value::Bool(m.is_empty())),
        _ => Err(f.bad_type("a list, a string or a map")),
    }
}

/// `head(list)`.
pub(crate) fn head(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::List(l) => Ok(l.first().cloned().unwrap_or(Value::Null)),
        _ => Err(f.bad_type("a list")),
    }
}

/// `last(list)`.
pub(crate) fn last(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::List(l) => Ok(l.last().cloned().unwrap_or(Value::Null)),
        _ => Err(f.bad_type("a list")),
    }
}

/// `tail(list)`.
pub(crate) fn tail(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::List(l) => Ok(Value::List(l.iter().skip(1).cloned().collect())),
        _ => Err(f.bad_type("a list")),
    }
}

/// `reverse(x)`.
pub(crate) fn reverse(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::List(l) => Ok(Value::List(l.iter().rev().cloned().collect())),
        Value::String(s) => Ok(Value::String(s.chars().rev().collect())),
        _ => Err(f.bad_type("a list or a string")),
    }
}

/// `range(start, end[, step])`.
pub(crate) fn range(c: &ScalarCall) -> Result<Value> {
    range_list(c.args, c.env.guard())
}

/// `coalesce(a, b, ...)`: later arguments are not evaluated once a value
/// is found.
pub(crate) fn coalesce(args: &[Expr], env: &dyn Env) -> Result<Value> {
    for a in args {
        let v = eval_expr(a, env)?;
        if !v.is_null() {
            return Ok(v);
        }
    }
    Ok(Value::Null)
}

// ----- conversion ----------------------------------------------------------

/// `toInteger(x)`.
pub(crate) fn to_integer(c: &ScalarCall) -> Result<Value> {
    to_integer_of(&c.one())
}

/// `toIntegerOrNull(x)`.
pub(crate) fn to_integer_or_null(c: &ScalarCall) -> Result<Value> {
    Ok(to_integer_of(&c.one()).unwrap_or(Value::Null))
}

/// `toFloat(x)`.
pub(crate) fn to_float(c: &ScalarCall) -> Result<Value> {
    to_float_of(&c.one())
}

/// `toFloatOrNull(x)`.
pub(crate) fn to_float_or_null(c: &ScalarCall) -> Result<Value> {
    Ok(to_float_of(&c.one()).unwrap_or(Value::Null))
}

/// `toString(x)`.
pub(crate) fn to_string(c: &ScalarCall) -> Result<Value> {
    to_string_of(&c.one())
}

/// `toStringOrNull(x)`.
pub(crate) fn to_string_or_null(c: &ScalarCall) -> Result<Value> {
    Ok(to_string_of(&c.one()).unwrap_or(Value::Null))
}

/// `toBoolean(x)`.
pub(crate) fn to_boolean(c: &ScalarCall) -> Result<Value> {
    to_boolean_of(&c.one())
}

/// `toBooleanOrNull(x)`.
pub(crate) fn to_boolean_or_null(c: &ScalarCall) -> Result<Value> {
    Ok(to_boolean_of(&c.one()).unwrap_or(Value::Null))
}

/// `toIntegerList(list)`.
pub(crate) fn to_integer_list(c: &ScalarCall) -> Result<Value> {
    convert_list(c, to_integer_of)
}

/// `toFloatList(list)`.
pub(crate) fn to_float_list(c: &ScalarCall) -> Result<Value> {
    convert_list(c, to_float_of)
}

/// `toStringList(list)`.
pub(crate) fn to_string_list(c: &ScalarCall) -> Result<Value> {
    convert_list(c, to_string_of)
}

/// `toBooleanList(list)`.
pub(crate) fn to_boolean_list(c: &ScalarCall) -> Result<Value> {
    convert_list(c, to_boolean_of)
}

/// Converts every element of a list, `null` for those that do not convert.
fn convert_list(c: &ScalarCall, conv: fn(&Fn1) -> Result<Value>) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::List(items) => Ok(Value::List(
            items
                .iter()
                .map(|v| {
                    conv(&Fn1 {
                        name: c.name,
                        arg: v,
                    })
                    .unwrap_or(Value::Null)
                })
                .collect(),
        )),
        _ => Err(f.bad_value("a list")),
    }
}

// ----- strings -------------------------------------------------------------

/// `toUpper(s)` and `upper(s)`.
pub(crate) fn to_upper(c: &ScalarCall) -> Result<Value> {
    c.one().string(|s| Ok(Value::String(s.to_uppercase())))
}

/// `toLower(s)` and `lower(s)`.
pub(crate) fn to_lower(c: &ScalarCall) -> Result<Value> {
    c.one().string(|s| Ok(Value::String(s.to_lowercase())))
}

/// `trim(s)`.
pub(crate) fn trim(c: &ScalarCall) -> Result<Value> {
    c.one().string(|s| Ok(Value::String(s.trim().to_string())))
}

/// `ltrim(s)`.
pub(crate) fn ltrim(c: &ScalarCall) -> Result<Value> {
    c.one()
        .string(|s| Ok(Value::String(s.trim_start().to_string())))
}

/// `rtrim(s)`.
pub(crate) fn rtrim(c: &ScalarCall) -> Result<Value> {
    c.one()
        .string(|s| Ok(Value::String(s.trim_end().to_string())))
}

/// `replace(s, from, to)`: the result must fit the memory budget.
pub(crate) fn replace(c: &ScalarCall) -> Result<Value> {
    let (display, args) = (c.name, c.args);
    let (Some(s), Some(from), Some(to)) = (
        string_arg(display, args, 0)?,
        string_arg(display, args, 1)?,
        string_arg(display, args, 2)?,
    ) else {
        return Ok(Value::Null);
    };
    if let Some(g) = c.env.guard() {
        // At most one replacement per character (or per match).
        let places = if from.is_empty() {
            s.len() + 1
        } else {
            s.len() / from.len()
        };
        let most = s.len() as u64 + (places as u64).saturating_mul(to.len() as u64);
        if to.len() > from.len() && g.fits(most).is_err() {
            // The bound is far off when there are few matches: count them.
            let n = if from.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(from).count()
            };
            g.before_building(s.len() as u64 + (n as u64).saturating_mul(to.len() as u64))?;
        }
    }
    Ok(Value::String(if from.is_empty() {
        // Java semantics: the replacement goes between every character.
        let mut out = String::from(to);
        for ch in s.chars() {
            out.push(ch);
            out.push_str(to);
        }
        out
    } else {
        s.replace(from, to)
    }))
}

/// `substring(s, start[, length])`.
pub(crate) fn substring(c: &ScalarCall) -> Result<Value> {
    let (display, args) = (c.name, c.args);
    let Some(s) = string_arg(display, args, 0)? else {
        return Ok(Value::Null);
    };
    let Some(start) = int_arg(display, args, 1)? else {
        return Ok(Value::Null);
    };
    let len = match args.get(2) {
        Some(_) => match int_arg(display, args, 2)? {
            Some(l) => Some(l),
            None => return Ok(Value::Null),
        },
        None => None,
    };
    if start < 0 {
        return Err(argument(
            "NumberOutOfRange",
            format!("substring: the start index must not be negative, got {start}"),
        ));
    }
    if let Some(l) = len {
        if l < 0 {
            return Err(argument(
                "NumberOutOfRange",
                format!("substring: the length must not be negative, got {l}"),
            ));
        }
    }
    let chars = s.chars().skip(start as usize);
    Ok(Value::String(match len {
        Some(l) => chars.take(l as usize).collect(),
        None => chars.collect(),
    }))
}

/// `left(s, n)`.
pub(crate) fn left(c: &ScalarCall) -> Result<Value> {
    left_or_right(c, true)
}

/// `right(s, n)`.
pub(crate) fn right(c: &ScalarCall) -> Result<Value> {
    left_or_right(c, false)
}

fn left_or_right(c: &ScalarCall, left: bool) -> Result<Value> {
    let (display, args) = (c.name, c.args);
    let Some(s) = string_arg(display, args, 0)? else {
        return Ok(Value::Null);
    };
    let n = match int_arg(display, args, 1)? {
        Some(n) => n,
        None => {
            return Err(argument(
                "InvalidArgumentValue",
                format!("{display}: the length must not be null"),
            ))
        }
    };
    if n < 0 {
        return Err(argument(
            "NumberOutOfRange",
            format!("{display}: the length must not be negative, got {n}"),
        ));
    }
    let count = s.chars().count();
    let n = (n as usize).min(count);
    Ok(Value::String(if left {
        s.chars().take(n).collect()
    } else {
        s.chars().skip(count - n).collect()
    }))
}

/// `split(s, separator)`: the pieces must fit the memory budget.
pub(crate) fn split(c: &ScalarCall) -> Result<Value> {
    let (display, args) = (c.name, c.args);
    let Some(s) = string_arg(display, args, 0)? else {
        return Ok(Value::Null);
    };
    let Some(sep) = string_arg(display, args, 1)? else {
        return Ok(Value::Null);
    };
    if let Some(g) = c.env.guard() {
        // One string per piece: at most one per character, or per separator.
        let pieces = if sep.is_empty() {
            s.len()
        } else {
            s.len() / sep.len() + 1
        };
        g.before_building(s.len() as u64 + pieces as u64 * VALUE_SLOT)?;
    }
    if sep.is_empty() {
        return Ok(strings(s.chars().map(String::from)));
    }
    Ok(strings(s.split(sep).map(String::from)))
}

// ----- numbers -------------------------------------------------------------

/// `abs(x)`: an integer stays an integer.
pub(crate) fn abs(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Int(i) => i.checked_abs().map(Value::Int).ok_or_else(|| {
            arithmetic(
                "IntegerOverflow",
                format!("abs({i}) does not fit in a 64-bit integer"),
            )
        }),
        Value::Float(x) => Ok(Value::Float(x.abs())),
        _ => Err(f.bad_type("a number")),
    }
}

/// `sign(x)`.
pub(crate) fn sign(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Int(i) => Ok(Value::Int(i.signum())),
        Value::Float(x) => Ok(Value::Int(if *x > 0.0 {
            1
        } else if *x < 0.0 {
            -1
        } else {
            0
        })),
        _ => Err(f.bad_type("a number")),
    }
}

/// `ceil(x)`.
pub(crate) fn ceil(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::ceil)
}

/// `floor(x)`.
pub(crate) fn floor(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::floor)
}

/// `round(x)`: half up (towards positive infinity), as Java's Math.round.
pub(crate) fn round(c: &ScalarCall) -> Result<Value> {
    c.one().float(|x| {
        // `x - floor(x)` is exact, so 0.49999999999999994 rounds down.
        let fl = x.floor();
        if x - fl >= 0.5 {
            fl + 1.0
        } else {
            fl
        }
    })
}

/// `sqrt(x)`.
pub(crate) fn sqrt(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::sqrt)
}

/// `log(x)`: the natural logarithm.
pub(crate) fn log(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::ln)
}

/// `log10(x)`.
pub(crate) fn log10(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::log10)
}

/// `exp(x)`.
pub(crate) fn exp(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::exp)
}

/// `sin(x)`.
pub(crate) fn sin(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::sin)
}

/// `cos(x)`.
pub(crate) fn cos(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::cos)
}

/// `tan(x)`.
pub(crate) fn tan(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::tan)
}

/// `cot(x)`.
pub(crate) fn cot(c: &ScalarCall) -> Result<Value> {
    c.one().float(|x| 1.0 / x.tan())
}

/// `asin(x)`.
pub(crate) fn asin(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::asin)
}

/// `acos(x)`.
pub(crate) fn acos(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::acos)
}

/// `atan(x)`.
pub(crate) fn atan(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::atan)
}

/// `degrees(x)`.
pub(crate) fn degrees(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::to_degrees)
}

/// `radians(x)`.
pub(crate) fn radians(c: &ScalarCall) -> Result<Value> {
    c.one().float(f64::to_radians)
}

/// `isNaN(x)`.
pub(crate) fn is_nan(c: &ScalarCall) -> Result<Value> {
    let f = c.one();
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Int(_) => Ok(Value::Bool(false)),
        Value::Float(x) => Ok(Value::Bool(x.is_nan())),
        _ => Err(f.bad_type("a number")),
    }
}

/// `atan2(y, x)`.
pub(crate) fn atan2(c: &ScalarCall) -> Result<Value> {
    let (y, x) = (c.first(), c.args.get(1).unwrap_or(&Value::Null));
    if y.is_null() || x.is_null() {
        return Ok(Value::Null);
    }
    for v in [y, x] {
        if !matches!(v, Value::Int(_) | Value::Float(_)) {
            return Err(invalid_type(format!(
                "atan2() needs numbers, got {}",
                describe(v)
            )));
        }
    }
    Ok(Value::Float(as_f64(y).atan2(as_f64(x))))
}

/// `e()`.
pub(crate) fn e(_: &ScalarCall) -> Result<Value> {
    Ok(Value::Float(std::f64::consts::E))
}

/// `pi()`.
pub(crate) fn pi(_: &ScalarCall) -> Result<Value> {
    Ok(Value::Float(std::f64::consts::PI))
}

/// `rand()`.
pub(crate) fn rand(_: &ScalarCall) -> Result<Value> {
    Ok(Value::Float(random()))
}

// ----- dates ---------------------------------------------------------------

/// `date([x])`: today without an argument.
pub(crate) fn date(c: &ScalarCall) -> Result<Value> {
    match c.args.first() {
        None => Ok(Value::Date(dates::today())),
        Some(v) => dates::date(v),
    }
}

/// `date.truncate(unit, date[, fields])`.
pub(crate) fn date_truncate(c: &ScalarCall) -> Result<Value> {
    dates::truncate(c.args)
}

/// One argument of a one-argument function, for building messages.
struct Fn1<'a> {
    name: &'a str,
    arg: &'a Value,
}

impl Fn1<'_> {
    /// `TypeError: InvalidArgumentValue` (what the TCK expects from
    /// conversion and graph functions).
    fn bad_value(&self, expected: &str) -> crate::error::Error {
        invalid_value(format!(
            "{}() needs {expected}, got {}",
            self.name,
            describe(self.arg)
        ))
    }

    /// `TypeError: InvalidArgumentType`.
    fn bad_type(&self, expected: &str) -> crate::error::Error {
        invalid_type(format!(
            "{}() needs {expected}, got {}",
            self.name,
            describe(self.arg)
        ))
    }

    /// A string function: `null` in, `null` out.
    fn string(&self, f: impl FnOnce(&str) -> Result<Value>) -> Result<Value> {
        match self.arg {
            Value::Null => Ok(Value::Null),
            Value::String(s) => f(s),
            _ => Err(self.bad_type("a string")),
        }
    }

    /// A float-valued numeric function: `null` in, `null` out.
    fn float(&self, f: impl FnOnce(f64) -> f64) -> Result<Value> {
        match self.arg {
            Value::Null => Ok(Value::Null),
            Value::Int(i) => Ok(Value::Float(f(*i as f64))),
            Value::Float(x) => Ok(Value::Float(f(*x))),
            _ => Err(self.bad_type("a number")),
        }
    }
}

fn strings(items: impl Iterator<Item = String>) -> Value {
    Value::List(items.map(Value::String).collect())
}

fn string_arg<'a>(name: &str, args: &'a [Value], i: usize) -> Result<Option<&'a str>> {
    match args.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(invalid_type(format!(
            "{name}(): argument {} must be a string, got {}",
            i + 1,
            describe(other)
        ))),
    }
}

fn int_arg(name: &str, args: &[Value], i: usize) -> Result<Option<i64>> {
    match args.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(n)) => Ok(Some(*n)),
        Some(other) => Err(invalid_type(format!(
            "{name}(): argument {} must be an integer, got {}",
            i + 1,
            describe(other)
        ))),
    }
}

/// The integers `range(start, end[, step])` yields, without building them:
/// what `UNWIND range(...)` walks through.
#[derive(Debug, Clone)]
pub struct IntRange {
    next: i128,
    step: i128,
    left: u128,
}

impl IntRange {
    /// The range of already evaluated arguments: `None` when one is null;
    /// an error for a non-integer or a zero step.
    pub fn new(args: &[Value]) -> Result<Option<IntRange>> {
        let mut ints = [0i64, 0, 1];
        for (i, v) in args.iter().enumerate().take(3) {
            match v {
                Value::Int(n) => ints[i] = *n,
                Value::Null => return Ok(None),
                other => {
                    return Err(argument(
                        "InvalidArgumentType",
                        format!(
                            "range(): argument {} must be an integer, got {}",
                            i + 1,
                            describe(other)
                        ),
                    ))
                }
            }
        }
        let [start, end, step] = ints;
        if step == 0 {
            return Err(argument(
                "NumberOutOfRange",
                "range(): the step must not be 0",
            ));
        }
        let (start, end, step) = (i128::from(start), i128::from(end), i128::from(step));
        let left = if (step > 0 && start > end) || (step < 0 && start < end) {
            0
        } else {
            ((end - start) / step + 1) as u128
        };
        Ok(Some(IntRange {
            next: start,
            step,
            left,
        }))
    }

    /// How many integers are left.
    pub fn len(&self) -> u128 {
        self.left
    }

    /// True when no integer is left.
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }
}

impl Iterator for IntRange {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let x = self.next;
        self.next += self.step;
        // Every yielded value lies between start and end, both i64.
        Some(x as i64)
    }
}

/// How many integers a `range()` list may hold when no memory budget
/// applies (evaluation outside a statement).
const RANGE_LIMIT_UNGUARDED: u128 = 100_000_000;

/// `range(start, end[, step])` as a list: integers only; a zero step is an
/// error; the list must fit in the statement's memory budget.
fn range_list(args: &[Value], guard: Option<&Guard>) -> Result<Value> {
    let Some(ints) = IntRange::new(args)? else {
        return Ok(Value::Null);
    };
    let count = ints.len();
    match guard {
        Some(g) => {
            g.before_building((count.min(u128::from(u64::MAX)) as u64).saturating_mul(VALUE_SLOT))?
        }
        None if count > RANGE_LIMIT_UNGUARDED => {
            return Err(argument(
                "NumberOutOfRange",
                format!(
                    "range(): {count} elements is more than the limit of {RANGE_LIMIT_UNGUARDED}"
                ),
            ))
        }
        None => {}
    }
    let mut out = Vec::with_capacity(count.min(1 << 24) as usize);
    for (i, x) in ints.enumerate() {
        if i % 65_536 == 65_535 {
            if let Some(g) = guard {
                g.check_now()?;
            }
        }
        out.push(Value::Int(x));
    }
    Ok(Value::List(out))
}

fn to_integer_of(f: &Fn1) -> Result<Value> {
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Int(_) => Ok(f.arg.clone()),
        Value::Bool(b) => Ok(Value::Int(i64::from(*b))),
        Value::Float(x) => float_to_int(*x).ok_or_else(|| {
            argument(
                "NumberOutOfRange",
                format!(
                    "toInteger(): {} does not fit in a 64-bit integer",
                    format_float(*x)
                ),
            )
        }),
        Value::String(s) => {
            if let Ok(i) = s.parse::<i64>() {
                return Ok(Value::Int(i));
            }
            Ok(parse_float(s).and_then(float_to_int).unwrap_or(Value::Null))
        }
        _ => Err(f.bad_value("a number, a boolean or a string")),
    }
}

/// Truncates towards zero; `None` for NaN or out of range.
fn float_to_int(x: f64) -> Option<Value> {
    let t = x.trunc();
    if t.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&t) {
        return None;
    }
    Some(Value::Int(t as i64))
}

/// Parses a decimal float (`1.5`, `-2e3`, ` 4 `); rejects `inf`/`nan` spellings.
fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    t.parse::<f64>().ok()
}

fn to_float_of(f: &Fn1) -> Result<Value> {
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Float(_) => Ok(f.arg.clone()),
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::String(s) => Ok(parse_float(s).map_or(Value::Null, Value::Float)),
        _ => Err(f.bad_value("a number or a string")),
    }
}

fn to_string_of(f: &Fn1) -> Result<Value> {
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::String(_) => Ok(f.arg.clone()),
        Value::Int(i) => Ok(Value::String(i.to_string())),
        Value::Float(x) => Ok(Value::String(format_float(*x))),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        Value::Date(d) => Ok(Value::String(d.to_string())),
        _ => Err(f.bad_value("a number, a boolean, a string or a date")),
    }
}

fn to_boolean_of(f: &Fn1) -> Result<Value> {
    match f.arg {
        Value::Null => Ok(Value::Null),
        Value::Bool(_) => Ok(f.arg.clone()),
        Value::Int(i) => Ok(Value::Bool(*i != 0)),
        Value::String(s) => Ok(match s.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Null,
        }),
        _ => Err(f.bad_value("a boolean, an integer or a string")),
    }
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0) };
}

/// A uniform float in [0, 1) from a per-thread xorshift generator seeded
/// from the clock.
fn random() -> f64 {
    RNG.with(|state| {
        let mut x = state.get();
        if x == 0 {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64);
            x = nanos | 1;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}
