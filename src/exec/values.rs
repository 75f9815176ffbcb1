//! Value helpers the operators need, from the evaluator ([`crate::eval`]):
//! Cypher equality for pattern properties, grouping / distinct keys, the
//! ORDER BY order, and aggregate accumulators. One place to call them.

use std::cmp::Ordering;

use crate::value::Value;

pub use crate::eval::aggregate::Aggregator;

/// Cypher `=`: `Some(true)` / `Some(false)`, or `None` when the answer is
/// `null` (a null somewhere).
pub fn equal(a: &Value, b: &Value) -> Option<bool> {
    crate::eval::compare::equals(a, b)
}

/// A hashable key with Cypher *equivalence* (DISTINCT and grouping):
/// `null` equals `null`, `1` equals `1.0`, NaN equals NaN.
pub type HashKey = crate::eval::compare::HashKey;

/// The key of a group: the value itself for one grouping key (no list to
/// build), else the tuple.
pub fn group_key(mut values: Vec<Value>) -> HashKey {
    match values.len() {
        1 => HashKey::new(values.pop().unwrap_or(Value::Null)),
        _ => key(values),
    }
}

/// The key of a tuple of values.
pub fn key(values: Vec<Value>) -> HashKey {
    HashKey::new(Value::List(values))
}

/// The ORDER BY order: a total order over all values, `null` last.
pub fn order(a: &Value, b: &Value) -> Ordering {
    crate::eval::compare::order(a, b)
}
