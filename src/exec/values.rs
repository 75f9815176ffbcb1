//! Value helpers the operators need: Cypher equality for pattern
//! properties, grouping/distinct keys, sort order, and aggregates.
//!
//! These are thin adapters so the operators have one place to call; the
//! semantics are the evaluator's ([`crate::eval`]).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// Cypher `=`: `Some(true)` / `Some(false)`, or `None` when the answer is
/// `null` (a null somewhere).
pub fn equal(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => {
            Some((*x as f64) == *y)
        }
        (Value::Float(x), Value::Float(y)) => Some(x == y),
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut unknown = false;
            for (a, b) in x.iter().zip(y) {
                match equal(a, b) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() || x.keys().any(|k| !y.contains_key(k)) {
                return Some(false);
            }
            let mut unknown = false;
            for (k, a) in x {
                match y.get(k).and_then(|b| equal(a, b)) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        _ => {
            if std::mem::discriminant(a) != std::mem::discriminant(b) {
                Some(false)
            } else {
                Some(a == b)
            }
        }
    }
}

/// A hashable key with Cypher *equivalence* (used by DISTINCT and grouping):
/// `null` equals `null`, `1` equals `1.0`, NaN equals NaN.
#[derive(Debug, Clone)]
pub struct HashKey(Vec<Value>);

impl HashKey {
    /// The key of a tuple of values.
    pub fn new(values: Vec<Value>) -> HashKey {
        HashKey(values)
    }
}

fn equivalent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Float(x), Value::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equivalent(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| equivalent(a, b)))
        }
        _ => a == b,
    }
}

fn hash_value<H: Hasher>(v: &Value, h: &mut H) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => {
            1u8.hash(h);
            b.hash(h);
        }
        Value::Int(i) => {
            2u8.hash(h);
            (*i as f64).to_bits().hash(h);
        }
        Value::Float(f) => {
            2u8.hash(h);
            if f.is_nan() {
                f64::NAN.to_bits().hash(h);
            } else if *f == 0.0 {
                0f64.to_bits().hash(h);
            } else {
                f.to_bits().hash(h);
            }
        }
        Value::String(s) => {
            3u8.hash(h);
            s.hash(h);
        }
        Value::Date(d) => {
            4u8.hash(h);
            d.hash(h);
        }
        Value::List(items) => {
            5u8.hash(h);
            items.len().hash(h);
            for i in items {
                hash_value(i, h);
            }
        }
        Value::Map(m) => {
            6u8.hash(h);
            m.len().hash(h);
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for k in keys {
                k.hash(h);
                if let Some(v) = m.get(k) {
                    hash_value(v, h);
                }
            }
        }
        Value::Node(id) => {
            7u8.hash(h);
            id.hash(h);
        }
        Value::Relationship(id) => {
            8u8.hash(h);
            id.hash(h);
        }
        Value::Path(p) => {
            9u8.hash(h);
            p.hash(h);
        }
    }
}

impl PartialEq for HashKey {
    fn eq(&self, other: &HashKey) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| equivalent(a, b))
    }
}

impl Eq for HashKey {}

impl Hash for HashKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        for v in &self.0 {
            hash_value(v, h);
        }
    }
}

fn type_rank(v: &Value) -> u8 {
    match v {
        Value::Map(_) => 0,
        Value::Node(_) => 1,
        Value::Relationship(_) => 2,
        Value::List(_) => 3,
        Value::Path(_) => 4,
        Value::Date(_) => 5,
        Value::String(_) => 6,
        Value::Bool(_) => 7,
        Value::Int(_) | Value::Float(_) => 8,
        Value::Null => 9,
    }
}

/// The ORDER BY order: a total order over all values, `null` last.
pub fn order(a: &Value, b: &Value) -> Ordering {
    let (ra, rb) = (type_rank(a), type_rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let x = as_f64(a);
            let y = as_f64(b);
            match (x.is_nan(), y.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            }
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::List(x), Value::List(y)) => {
            for (a, b) in x.iter().zip(y) {
                let o = order(a, b);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Map(x), Value::Map(y)) => {
            let mut kx: Vec<&String> = x.keys().collect();
            let mut ky: Vec<&String> = y.keys().collect();
            kx.sort();
            ky.sort();
            for (a, b) in kx.iter().zip(&ky) {
                let o = a.cmp(b);
                if o != Ordering::Equal {
                    return o;
                }
                if let (Some(va), Some(vb)) = (x.get(*a), y.get(*b)) {
                    let o = order(va, vb);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
            }
            kx.len().cmp(&ky.len())
        }
        (Value::Node(x), Value::Node(y)) => x.cmp(y),
        (Value::Relationship(x), Value::Relationship(y)) => x.cmp(y),
        (Value::Path(x), Value::Path(y)) => {
            (x.nodes.clone(), x.rels.clone()).cmp(&(y.nodes.clone(), y.rels.clone()))
        }
        _ => Ordering::Equal,
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

/// An aggregate accumulator.
#[derive(Debug, Clone)]
pub struct Aggregator {
    name: String,
    distinct: bool,
    seen: std::collections::HashSet<HashKey>,
    count: i64,
    values: Vec<Value>,
    param: Option<Value>,
}

impl Aggregator {
    /// A fresh accumulator for `name` (lower case).
    pub fn new(name: &str, distinct: bool) -> Result<Aggregator> {
        match name {
            "count" | "sum" | "avg" | "min" | "max" | "collect" | "percentiledisc"
            | "percentilecont" | "stdev" | "stdevp" => Ok(Aggregator {
                name: name.to_string(),
                distinct,
                seen: Default::default(),
                count: 0,
                values: Vec::new(),
                param: None,
            }),
            _ => Err(Error::runtime(
                ErrorKind::Internal,
                "UnknownFunction",
                format!("`{name}` is not an aggregate function"),
            )),
        }
    }

    /// Adds one row's argument values (empty for `count(*)`).
    pub fn add(&mut self, args: Vec<Value>) -> Result<()> {
        let mut args = args.into_iter();
        let Some(v) = args.next() else {
            self.count += 1;
            return Ok(());
        };
        if let Some(p) = args.next() {
            self.param = Some(p);
        }
        if v.is_null() {
            return Ok(());
        }
        if self.distinct && !self.seen.insert(HashKey::new(vec![v.clone()])) {
            return Ok(());
        }
        self.count += 1;
        if self.name != "count" {
            self.values.push(v);
        }
        Ok(())
    }

    /// The result.
    pub fn finish(self) -> Result<Value> {
        let type_err = |what: &str, v: &Value| {
            Error::runtime(
                ErrorKind::Type,
                "InvalidArgumentType",
                format!(
                    "{what}() cannot aggregate a value of type {}",
                    v.type_name()
                ),
            )
        };
        Ok(match self.name.as_str() {
            "count" => Value::Int(self.count),
            "collect" => Value::List(self.values),
            "min" => self.values.into_iter().min_by(order).unwrap_or(Value::Null),
            "max" => self.values.into_iter().max_by(order).unwrap_or(Value::Null),
            "sum" => {
                let mut int: i64 = 0;
                let mut float: Option<f64> = None;
                for v in &self.values {
                    match v {
                        Value::Int(i) => match float {
                            Some(f) => float = Some(f + *i as f64),
                            None => {
                                int = int.checked_add(*i).ok_or_else(|| {
                                    Error::runtime(
                                        ErrorKind::Arithmetic,
                                        "IntegerOverflow",
                                        "sum() overflowed",
                                    )
                                })?
                            }
                        },
                        Value::Float(x) => float = Some(float.unwrap_or(int as f64) + x),
                        other => return Err(type_err("sum", other)),
                    }
                }
                match float {
                    Some(f) => Value::Float(f),
                    None => Value::Int(int),
                }
            }
            "avg" | "stdev" | "stdevp" => {
                if self.values.is_empty() {
                    return Ok(Value::Null);
                }
                let mut xs = Vec::new();
                for v in &self.values {
                    match v {
                        Value::Int(i) => xs.push(*i as f64),
                        Value::Float(f) => xs.push(*f),
                        other => return Err(type_err(&self.name, other)),
                    }
                }
                let n = xs.len() as f64;
                let mean = xs.iter().sum::<f64>() / n;
                match self.name.as_str() {
                    "avg" => Value::Float(mean),
                    "stdev" if xs.len() < 2 => Value::Float(0.0),
                    name => {
                        let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
                        let d = if name == "stdev" { n - 1.0 } else { n };
                        Value::Float((ss / d).sqrt())
                    }
                }
            }
            _ => {
                // percentiles
                let p = match self.param {
                    Some(Value::Int(i)) => i as f64,
                    Some(Value::Float(f)) => f,
                    _ => 0.0,
                };
                if !(0.0..=1.0).contains(&p) {
                    return Err(Error::runtime(
                        ErrorKind::Argument,
                        "NumberOutOfRange",
                        format!("the percentile must be between 0.0 and 1.0, not {p}"),
                    ));
                }
                let mut xs: Vec<Value> = self.values;
                if xs.is_empty() {
                    return Ok(Value::Null);
                }
                xs.sort_by(order);
                if self.name == "percentiledisc" {
                    let n = xs.len() as f64;
                    let i = ((p * n).ceil() as usize)
                        .saturating_sub(1)
                        .min(xs.len() - 1);
                    xs.swap_remove(i)
                } else {
                    let pos = p * (xs.len() - 1) as f64;
                    let lo = pos.floor() as usize;
                    let hi = pos.ceil() as usize;
                    let frac = pos - lo as f64;
                    let a = as_f64(&xs[lo]);
                    let b = as_f64(&xs[hi.min(xs.len() - 1)]);
                    Value::Float(a + (b - a) * frac)
                }
            }
        })
    }
}
