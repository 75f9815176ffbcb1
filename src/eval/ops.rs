//! Operators on values: arithmetic, concatenation, three-valued logic,
//! string predicates, regular expressions and list membership.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::Regex;

use crate::error::Result;
use crate::syntax::ast::BinaryOp;
use crate::value::Value;

use super::compare::{compare_op, describe, equals};
use super::errors::{argument, arithmetic, invalid_type};

/// Applies a binary operator to two already evaluated operands. `AND`, `OR`
/// and `XOR` are handled here too (without short-circuit; the evaluator
/// short-circuits before calling this).
pub fn binary(op: BinaryOp, a: &Value, b: &Value) -> Result<Value> {
    match op {
        BinaryOp::And => and(a, b),
        BinaryOp::Or => or(a, b),
        BinaryOp::Xor => xor(a, b),
        BinaryOp::Eq => Ok(opt_bool(equals(a, b))),
        BinaryOp::Ne => Ok(opt_bool(equals(a, b).map(|x| !x))),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => compare_op(op, a, b),
        BinaryOp::In => in_list(a, b),
        BinaryOp::StartsWith => Ok(string_pred(a, b, |s, t| s.starts_with(t))),
        BinaryOp::EndsWith => Ok(string_pred(a, b, |s, t| s.ends_with(t))),
        BinaryOp::Contains => Ok(string_pred(a, b, |s, t| s.contains(t))),
        BinaryOp::Regex => regex_match(a, b),
        BinaryOp::Add => add(a, b),
        BinaryOp::Sub => arith(op, a, b),
        BinaryOp::Mul => arith(op, a, b),
        BinaryOp::Div => arith(op, a, b),
        BinaryOp::Mod => arith(op, a, b),
        BinaryOp::Pow => pow(a, b),
    }
}

fn opt_bool(b: Option<bool>) -> Value {
    b.map_or(Value::Null, Value::Bool)
}

/// A boolean operand of `AND`/`OR`/`XOR`/`NOT`: `Some(b)`, `None` for null.
pub(crate) fn logic_operand(v: &Value, op: &str) -> Result<Option<bool>> {
    match v {
        Value::Bool(b) => Ok(Some(*b)),
        Value::Null => Ok(None),
        other => Err(invalid_type(format!(
            "`{op}` needs Boolean operands, got {}",
            describe(other)
        ))),
    }
}

/// Three-valued `AND`.
pub fn and(a: &Value, b: &Value) -> Result<Value> {
    let (x, y) = (logic_operand(a, "AND")?, logic_operand(b, "AND")?);
    Ok(match (x, y) {
        (Some(false), _) | (_, Some(false)) => Value::Bool(false),
        (Some(true), Some(true)) => Value::Bool(true),
        _ => Value::Null,
    })
}

/// Three-valued `OR`.
pub fn or(a: &Value, b: &Value) -> Result<Value> {
    let (x, y) = (logic_operand(a, "OR")?, logic_operand(b, "OR")?);
    Ok(match (x, y) {
        (Some(true), _) | (_, Some(true)) => Value::Bool(true),
        (Some(false), Some(false)) => Value::Bool(false),
        _ => Value::Null,
    })
}

/// Three-valued `XOR`.
pub fn xor(a: &Value, b: &Value) -> Result<Value> {
    let (x, y) = (logic_operand(a, "XOR")?, logic_operand(b, "XOR")?);
    Ok(match (x, y) {
        (Some(x), Some(y)) => Value::Bool(x != y),
        _ => Value::Null,
    })
}

/// Three-valued `NOT`.
pub fn not(a: &Value) -> Result<Value> {
    Ok(opt_bool(logic_operand(a, "NOT")?.map(|b| !b)))
}

/// Unary minus.
pub fn negate(a: &Value) -> Result<Value> {
    match a {
        Value::Null => Ok(Value::Null),
        Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(|| {
            arithmetic(
                "IntegerOverflow",
                format!("-({i}) does not fit in a 64-bit integer"),
            )
        }),
        Value::Float(f) => Ok(Value::Float(-f)),
        other => Err(invalid_type(format!(
            "unary `-` needs a number, got {}",
            describe(other)
        ))),
    }
}

/// Unary plus: numbers only.
pub fn plus(a: &Value) -> Result<Value> {
    match a {
        Value::Null | Value::Int(_) | Value::Float(_) => Ok(a.clone()),
        other => Err(invalid_type(format!(
            "unary `+` needs a number, got {}",
            describe(other)
        ))),
    }
}

/// `x IN list`: `true` if some element equals `x`; otherwise `null` if some
/// comparison was unknown; otherwise `false`.
pub fn in_list(x: &Value, list: &Value) -> Result<Value> {
    let items = match list {
        Value::Null => return Ok(Value::Null),
        Value::List(items) => items,
        other => {
            return Err(invalid_type(format!(
                "the right side of `IN` must be a list, got {}",
                describe(other)
            )))
        }
    };
    let mut unknown = false;
    for item in items {
        match equals(x, item) {
            Some(true) => return Ok(Value::Bool(true)),
            None => unknown = true,
            Some(false) => {}
        }
    }
    Ok(if unknown {
        Value::Null
    } else {
        Value::Bool(false)
    })
}

/// `STARTS WITH`, `ENDS WITH`, `CONTAINS`: `null` unless both sides are strings.
fn string_pred(a: &Value, b: &Value, f: impl Fn(&str, &str) -> bool) -> Value {
    match (a, b) {
        (Value::String(s), Value::String(t)) => Value::Bool(f(s, t)),
        _ => Value::Null,
    }
}

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// Compiles `pattern` anchored at both ends (full-match semantics), caching
/// recent patterns.
pub(crate) fn full_regex(pattern: &str) -> Result<Regex> {
    if let Some(r) = REGEX_CACHE.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(r);
    }
    let re = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
        argument(
            "InvalidArgumentValue",
            format!("invalid regular expression `{pattern}`: {e}"),
        )
    })?;
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 64 {
            c.clear();
        }
        c.insert(pattern.to_string(), re.clone());
    });
    Ok(re)
}

/// `s =~ pattern`: the whole string must match; `null` unless both are strings.
pub fn regex_match(a: &Value, b: &Value) -> Result<Value> {
    match (a, b) {
        (Value::String(s), Value::String(p)) => Ok(Value::Bool(full_regex(p)?.is_match(s))),
        _ => Ok(Value::Null),
    }
}

/// `+`: numbers, string concatenation (a string with a string or a number),
/// list concatenation, and appending/prepending an element to a list.
pub fn add(a: &Value, b: &Value) -> Result<Value> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::List(xs), Value::List(ys)) => {
            let mut out = Vec::with_capacity(xs.len() + ys.len());
            out.extend(xs.iter().cloned());
            out.extend(ys.iter().cloned());
            Ok(Value::List(out))
        }
        (Value::List(xs), y) => {
            let mut out = xs.clone();
            out.push(y.clone());
            Ok(Value::List(out))
        }
        (x, Value::List(ys)) => {
            let mut out = Vec::with_capacity(ys.len() + 1);
            out.push(x.clone());
            out.extend(ys.iter().cloned());
            Ok(Value::List(out))
        }
        (Value::String(s), Value::String(t)) => Ok(Value::String(format!("{s}{t}"))),
        (Value::String(s), n @ (Value::Int(_) | Value::Float(_))) => {
            Ok(Value::String(format!("{s}{}", number_text(n))))
        }
        (n @ (Value::Int(_) | Value::Float(_)), Value::String(t)) => {
            Ok(Value::String(format!("{}{t}", number_text(n))))
        }
        _ => arith(BinaryOp::Add, a, b),
    }
}

fn number_text(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_float(*f),
        _ => String::new(),
    }
}

fn op_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
        BinaryOp::Pow => "^",
        _ => "?",
    }
}

/// `-`, `*`, `/`, `%` (and numeric `+`): integers stay integers (overflow is
/// an error, as is integer division or modulo by zero); a float on either
/// side makes the result a float (IEEE rules, so `1.0 / 0` is infinity).
pub fn arith(op: BinaryOp, a: &Value, b: &Value) -> Result<Value> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::Int(x), Value::Int(y)) => {
            let (x, y) = (*x, *y);
            let r = match op {
                BinaryOp::Add => x.checked_add(y),
                BinaryOp::Sub => x.checked_sub(y),
                BinaryOp::Mul => x.checked_mul(y),
                BinaryOp::Div | BinaryOp::Mod if y == 0 => {
                    return Err(arithmetic(
                        "DivisionByZero",
                        format!("{x} {} 0: integer division by zero", op_symbol(op)),
                    ))
                }
                BinaryOp::Div => x.checked_div(y),
                // i64::MIN % -1 is 0, not an overflow.
                BinaryOp::Mod => Some(x.checked_rem(y).unwrap_or(0)),
                _ => None,
            };
            r.map(Value::Int).ok_or_else(|| {
                arithmetic(
                    "IntegerOverflow",
                    format!("{x} {} {y} does not fit in a 64-bit integer", op_symbol(op)),
                )
            })
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let (x, y) = (as_f64(a), as_f64(b));
            let r = match op {
                BinaryOp::Add => x + y,
                BinaryOp::Sub => x - y,
                BinaryOp::Mul => x * y,
                BinaryOp::Div => x / y,
                BinaryOp::Mod => x % y,
                _ => x.powf(y),
            };
            Ok(Value::Float(r))
        }
        _ => Err(invalid_type(format!(
            "cannot apply `{}` to {} and {}",
            op_symbol(op),
            describe(a),
            describe(b)
        ))),
    }
}

/// `^`: always a float.
pub fn pow(a: &Value, b: &Value) -> Result<Value> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            Ok(Value::Float(as_f64(a).powf(as_f64(b))))
        }
        _ => Err(invalid_type(format!(
            "cannot apply `^` to {} and {}",
            describe(a),
            describe(b)
        ))),
    }
}

/// A number as f64 (0.0 for non-numbers; callers check types first).
pub(crate) fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// Formats a float the way Cypher's `toString` does: always with a decimal
/// point (`1.0`), scientific notation outside `[1e-3, 1e7)` (`1.0E7`,
/// `1.0E-4`), `NaN`, `Infinity`, `-Infinity`.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let a = f.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        let s = format!("{f}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        // Rust prints the shortest round-trip digits as `1.5e7`.
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_string()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exp}")
    }
}
