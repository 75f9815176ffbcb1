//! Equality, comparison, the total order and equivalence of values.
//!
//! openCypher has four related notions, all implemented here:
//!
//! - **equality** (`=`, `<>`, `IN`): ternary; `null` makes it unknown, lists
//!   and maps compare deeply, `1 = 1.0`, NaN equals nothing ([`equals`]);
//! - **comparison** (`<`, `<=`, `>`, `>=`): only between numbers, strings,
//!   booleans, dates and lists of comparable values; anything else is `null`
//!   ([`compare`], [`compare_op`]);
//! - **the total order** used by `ORDER BY`, `min` and `max`: every value has
//!   a place, types ordered map < node < relationship < list < path < date <
//!   string < boolean < number < null, with NaN above every number ([`order`]);
//! - **equivalence** used by `DISTINCT` and grouping: like equality, but
//!   `null` is equivalent to `null` and NaN to NaN ([`HashKey`]).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use crate::error::Result;
use crate::syntax::ast::BinaryOp;
use crate::value::Value;

use super::errors::invalid_type;

/// Compares an integer with a float exactly (no rounding of large integers).
/// `None` when the float is NaN.
pub(crate) fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // 2^63 as f64; every float >= it is above every i64.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f >= TWO_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_63 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    // t is in [-2^63, 2^63), so the cast is exact.
    let ti = t as i64;
    match i.cmp(&ti) {
        Ordering::Equal => {
            if f > t {
                Some(Ordering::Less)
            } else if f < t {
                Some(Ordering::Greater)
            } else {
                Some(Ordering::Equal)
            }
        }
        other => Some(other),
    }
}

/// Numeric comparison: `None` when either side is NaN.
fn cmp_numbers(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Float(y)) => cmp_int_float(*x, *y),
        (Value::Float(x), Value::Int(y)) => cmp_int_float(*y, *x).map(Ordering::reverse),
        _ => None,
    }
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_))
}

/// Ternary equality (`=`): `Some(true)`, `Some(false)`, or `None` for `null`
/// (unknown).
///
/// Values of different types are unequal, except integers and floats, which
/// compare by value. Lists are equal when they have the same length and equal
/// elements; maps when they have the same keys and equal values. An unknown
/// element makes the whole comparison unknown unless some other element is
/// definitely unequal. NaN is equal to nothing, itself included. Nodes,
/// relationships and paths compare by identity.
pub fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Int(x), Value::Int(y)) => Some(x == y),
        (Value::Float(x), Value::Float(y)) => Some(x == y),
        (Value::Int(_), Value::Float(_)) | (Value::Float(_), Value::Int(_)) => {
            Some(cmp_numbers(a, b) == Some(Ordering::Equal))
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (Value::Date(x), Value::Date(y)) => Some(x == y),
        (Value::Node(x), Value::Node(y)) => Some(x == y),
        (Value::Relationship(x), Value::Relationship(y)) => Some(x == y),
        (Value::Path(x), Value::Path(y)) => Some(x == y),
        (Value::List(xs), Value::List(ys)) => {
            if xs.len() != ys.len() {
                return Some(false);
            }
            let mut unknown = false;
            for (x, y) in xs.iter().zip(ys) {
                match equals(x, y) {
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
        (Value::Map(xs), Value::Map(ys)) => {
            if xs.len() != ys.len() || xs.keys().any(|k| !ys.contains_key(k)) {
                return Some(false);
            }
            let mut unknown = false;
            for (k, x) in xs {
                let y = ys.get(k).unwrap_or(&Value::Null);
                match equals(x, y) {
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
        _ => Some(false),
    }
}

/// The outcome of comparing two values for `<`, `<=`, `>`, `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    /// An ordinary result.
    Ord(Ordering),
    /// Comparable types, but NaN is involved: every comparison is `false`.
    Unordered,
    /// Incomparable types, or `null`: every comparison is `null`.
    Unknown,
}

fn cmp3(a: &Value, b: &Value) -> Cmp {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Cmp::Unknown,
        _ if is_number(a) && is_number(b) => match cmp_numbers(a, b) {
            Some(o) => Cmp::Ord(o),
            None => Cmp::Unordered,
        },
        (Value::String(x), Value::String(y)) => Cmp::Ord(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Cmp::Ord(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Cmp::Ord(x.cmp(y)),
        (Value::List(xs), Value::List(ys)) => {
            for (x, y) in xs.iter().zip(ys) {
                match cmp3(x, y) {
                    Cmp::Ord(Ordering::Equal) => {}
                    other => return other,
                }
            }
            Cmp::Ord(xs.len().cmp(&ys.len()))
        }
        _ => Cmp::Unknown,
    }
}

/// Comparison for the ordering operators: `None` when the values are not
/// comparable (different types other than two numbers, maps, graph
/// elements, `null`, or NaN involved). Use [`compare_op`] to evaluate an
/// operator: it also gets NaN right (`false`, not `null`).
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match cmp3(a, b) {
        Cmp::Ord(o) => Some(o),
        _ => None,
    }
}

/// Evaluates `a op b` for `op` one of `<`, `<=`, `>`, `>=`: a boolean, or
/// `null` when the values are not comparable. Comparisons involving NaN are
/// `false`.
pub fn compare_op(op: BinaryOp, a: &Value, b: &Value) -> Result<Value> {
    let o = match cmp3(a, b) {
        Cmp::Unknown => return Ok(Value::Null),
        Cmp::Unordered => return Ok(Value::Bool(false)),
        Cmp::Ord(o) => o,
    };
    let r = match op {
        BinaryOp::Lt => o == Ordering::Less,
        BinaryOp::Le => o != Ordering::Greater,
        BinaryOp::Gt => o == Ordering::Greater,
        BinaryOp::Ge => o != Ordering::Less,
        _ => {
            return Err(crate::error::Error::internal(format!(
                "compare_op called with {op:?}"
            )))
        }
    };
    Ok(Value::Bool(r))
}

/// The rank of a value's type in the total order.
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

/// The total order of openCypher (`ORDER BY`, `min`, `max`).
///
/// Across types: map < node < relationship < list < path < date < string <
/// boolean < number < null. Within numbers, integers and floats compare by
/// value and NaN is above every number. Lists compare element by element
/// (then by length), maps by their sorted keys and then the values under
/// them, nodes and relationships by id, paths element by element.
pub fn order(a: &Value, b: &Value) -> Ordering {
    let (ra, rb) = (type_rank(a), type_rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        _ if is_number(a) && is_number(b) => {
            let nan_a = matches!(a, Value::Float(f) if f.is_nan());
            let nan_b = matches!(b, Value::Float(f) if f.is_nan());
            match (nan_a, nan_b) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => cmp_numbers(a, b).unwrap_or(Ordering::Equal),
            }
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::Node(x), Value::Node(y)) => x.cmp(y),
        (Value::Relationship(x), Value::Relationship(y)) => x.cmp(y),
        (Value::List(xs), Value::List(ys)) => order_slices(xs, ys),
        (Value::Path(x), Value::Path(y)) => {
            // Walk order: node, rel, node, rel, ...
            let n = x.nodes.len().min(y.nodes.len());
            for i in 0..n {
                let o = x.nodes[i].cmp(&y.nodes[i]);
                if o != Ordering::Equal {
                    return o;
                }
                if let (Some(rx), Some(ry)) = (x.rels.get(i), y.rels.get(i)) {
                    let o = rx.cmp(ry);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
            }
            x.rels.len().cmp(&y.rels.len())
        }
        (Value::Map(x), Value::Map(y)) => {
            let mut kx: Vec<&str> = x.keys().map(|k| k.as_str()).collect();
            let mut ky: Vec<&str> = y.keys().map(|k| k.as_str()).collect();
            kx.sort();
            ky.sort();
            let o = kx.cmp(&ky);
            if o != Ordering::Equal {
                return o;
            }
            for k in kx {
                let o = order(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
        _ => Ordering::Equal,
    }
}

/// [`order`] applied element by element, then by length.
pub fn order_slices(xs: &[Value], ys: &[Value]) -> Ordering {
    for (x, y) in xs.iter().zip(ys) {
        let o = order(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    xs.len().cmp(&ys.len())
}

/// Equivalence (`DISTINCT`, grouping keys): equality where `null` is
/// equivalent to `null`, NaN to NaN, and lists and maps are equivalent when
/// their elements are.
pub fn equivalent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Node(x), Value::Node(y)) => x == y,
        (Value::Relationship(x), Value::Relationship(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::Float(x), Value::Float(y)) if x.is_nan() && y.is_nan() => true,
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| equivalent(x, y))
        }
        (Value::Map(xs), Value::Map(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| equivalent(x, y)))
        }
        _ => equals(a, b) == Some(true),
    }
}

/// A value usable as a hash-map key under [`equivalent`]: `null` matches
/// `null`, `1` matches `1.0`, NaN matches NaN, lists and maps compare deeply
/// (maps regardless of key order).
#[derive(Debug, Clone)]
pub struct HashKey(pub Value);

impl HashKey {
    /// Wraps a value.
    pub fn new(value: Value) -> HashKey {
        HashKey(value)
    }

    /// The wrapped value.
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_value(self) -> Value {
        self.0
    }
}

impl PartialEq for HashKey {
    fn eq(&self, other: &HashKey) -> bool {
        equivalent(&self.0, &other.0)
    }
}

impl Eq for HashKey {}

impl Hash for HashKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state);
    }
}

fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    match v {
        Value::Null => 0u8.hash(state),
        Value::Bool(b) => {
            1u8.hash(state);
            b.hash(state);
        }
        Value::Int(i) => {
            2u8.hash(state);
            i.hash(state);
        }
        Value::Float(f) => {
            // Integral floats hash like the integer they equal.
            let t = f.trunc();
            if t == *f && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(f) {
                2u8.hash(state);
                (t as i64).hash(state);
            } else if f.is_nan() {
                3u8.hash(state);
            } else {
                4u8.hash(state);
                f.to_bits().hash(state);
            }
        }
        Value::String(s) => {
            5u8.hash(state);
            s.hash(state);
        }
        Value::Date(d) => {
            6u8.hash(state);
            d.hash(state);
        }
        Value::List(xs) => {
            7u8.hash(state);
            xs.len().hash(state);
            for x in xs {
                hash_value(x, state);
            }
        }
        Value::Map(m) => {
            8u8.hash(state);
            m.len().hash(state);
            let mut keys: Vec<&str> = m.keys().map(|k| k.as_str()).collect();
            keys.sort();
            for k in keys {
                k.hash(state);
                if let Some(x) = m.get(k) {
                    hash_value(x, state);
                }
            }
        }
        Value::Node(id) => {
            9u8.hash(state);
            id.hash(state);
        }
        Value::Relationship(id) => {
            10u8.hash(state);
            id.hash(state);
        }
        Value::Path(p) => {
            11u8.hash(state);
            p.hash(state);
        }
    }
}

/// The truth value of a predicate (`WHERE`, `CASE WHEN`, comprehension
/// filters): `true` only for `true`; `null` counts as `false`; any other value
/// is a type error.
pub fn truthy(v: &Value) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        other => Err(invalid_type(format!(
            "expected a Boolean predicate, got {}",
            describe(other)
        ))),
    }
}

/// "a value of type X" for messages.
pub(crate) fn describe(v: &Value) -> String {
    format!("a {}", v.type_name())
}

/// A fast, non-cryptographic hasher (the Fx hash of rustc) for hash sets of
/// query values, where keys are mostly small ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Builds [`FxHasher`]s.
pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;
