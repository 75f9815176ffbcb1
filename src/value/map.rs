//! [`ValueMap`]: the small, insertion-ordered map behind properties and map
//! values.
//!
//! Property maps are small (a handful of keys) and there are millions of them
//! in a big graph, so the map is one boxed slice of `(key, value)` pairs
//! (16 bytes inline, no spare capacity) searched linearly, and keys are
//! [`Key`]s, which hold names of up to 24 bytes without a heap allocation. A
//! map with one property costs one 56-byte allocation, against about 200
//! bytes for a hash-indexed map. Adding or removing a key reallocates, which
//! is cheap for maps this small; bulk builders go through [`FromIterator`].
//!
//! Equality ignores order, as Cypher's map equality does.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Value;

/// A property name or map key: a string stored inline up to 24 bytes.
pub type Key = compact_str::CompactString;

/// A map of property or map-literal values, in insertion order.
#[derive(Clone, Default)]
pub struct ValueMap {
    entries: Box<[(Key, Value)]>,
}

impl ValueMap {
    /// Cache hints for reading these properties: the entries, then (once
    /// the entries are cached, on a later call) the bytes of string values.
    pub fn prefetch(&self, strings: bool) {
        if strings {
            for (_, v) in self.entries.iter() {
                if let Value::String(s) = v {
                    crate::hint::prefetch(s.as_ptr());
                }
            }
        } else if !self.entries.is_empty() {
            let p = self.entries.as_ptr();
            crate::hint::prefetch(p);
            crate::hint::prefetch(p.cast::<u8>().wrapping_add(64));
        }
    }

    /// An empty map.
    pub fn new() -> ValueMap {
        ValueMap::default()
    }

    /// An empty map (the capacity hint is accepted for symmetry with other
    /// maps; a `ValueMap` never holds spare room).
    pub fn with_capacity(_n: usize) -> ValueMap {
        ValueMap::default()
    }

    /// Applies `f` to the entries as a vector, then boxes them again.
    fn edit<T>(&mut self, f: impl FnOnce(&mut Vec<(Key, Value)>) -> T) -> T {
        let mut v = std::mem::take(&mut self.entries).into_vec();
        let out = f(&mut v);
        self.entries = v.into_boxed_slice();
        out
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of `key`, if present.
    pub fn get_index_of(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    /// The value under `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    /// The entry at position `i`.
    pub fn get_index(&self, i: usize) -> Option<(&Key, &Value)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get_index_of(key).is_some()
    }

    /// Sets `key` to `value`, keeping the key's position when it was present;
    /// returns the value it replaced.
    pub fn insert(&mut self, key: impl Into<Key>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.get_index_of(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.edit(|v| {
                    v.reserve_exact(1);
                    v.push((key, value))
                });
                None
            }
        }
    }

    /// Removes `key`, keeping the order of the others; returns its value.
    pub fn shift_remove(&mut self, key: &str) -> Option<Value> {
        let i = self.get_index_of(key)?;
        Some(self.edit(|v| v.remove(i)).1)
    }

    /// Removes `key`, moving the last entry into its place; returns its value.
    pub fn swap_remove(&mut self, key: &str) -> Option<Value> {
        let i = self.get_index_of(key)?;
        Some(self.edit(|v| v.swap_remove(i)).1)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries = Box::default();
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&Key, &mut Value) -> bool) {
        self.edit(|e| e.retain_mut(|(k, v)| keep(k, v)));
    }

    /// Sorts the entries by key.
    pub fn sort_keys(&mut self) {
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Key> + DoubleEndedIterator + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values, in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> + DoubleEndedIterator + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values, in order, mutably.
    pub fn values_mut(&mut self) -> impl ExactSizeIterator<Item = &mut Value> + '_ {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The entries, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The entries, in order, with mutable values.
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (&Key, &mut Value)> + '_ {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }
}

/// An iterator over a [`ValueMap`]'s entries.
#[derive(Clone)]
pub struct Iter<'a>(std::slice::Iter<'a, (Key, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<'a> IntoIterator for &'a ValueMap {
    type Item = (&'a Key, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for ValueMap {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_vec().into_iter()
    }
}

/// The size from which [`Extend`] looks keys up in a hash index.
const INDEXED_EXTEND: usize = 32;

impl<K: Into<Key>> FromIterator<(K, Value)> for ValueMap {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> ValueMap {
        let mut map = ValueMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Into<Key>> Extend<(K, Value)> for ValueMap {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.edit(|entries| {
            entries.reserve_exact(iter.size_hint().0);
            // Small maps search linearly; a big one (a long map literal)
            // gets a temporary index so that building it stays linear.
            let mut index: Option<std::collections::HashMap<Key, usize>> = None;
            for (k, v) in iter {
                let k = k.into();
                if index.is_none() && entries.len() >= INDEXED_EXTEND {
                    index = Some(
                        entries
                            .iter()
                            .enumerate()
                            .map(|(i, (x, _))| (x.clone(), i))
                            .collect(),
                    );
                }
                let found = match &index {
                    Some(ix) => ix.get(&k).copied(),
                    None => entries.iter().position(|(x, _)| *x == k),
                };
                match found {
                    Some(i) => entries[i].1 = v,
                    None => {
                        if let Some(ix) = &mut index {
                            ix.insert(k.clone(), entries.len());
                        }
                        entries.push((k, v));
                    }
                }
            }
        });
    }
}

impl PartialEq for ValueMap {
    /// Same keys with equal values, in any order.
    fn eq(&self, other: &ValueMap) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for ValueMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for ValueMap {
    type Output = Value;

    /// The value under `key`; panics when absent (use [`ValueMap::get`] on
    /// anything a user can influence).
    fn index(&self, key: &str) -> &Value {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no key `{key}` in the map"),
        }
    }
}

impl Serialize for ValueMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k.as_str(), v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ValueMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ValueMap, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = ValueMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<ValueMap, A::Error> {
                let mut entries: Vec<(String, Value)> =
                    Vec::with_capacity(access.size_hint().unwrap_or(0).min(4096));
                while let Some(entry) = access.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(entries.into_iter().collect())
            }
        }
        d.deserialize_map(MapVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_keeps_position_and_returns_the_old_value() {
        let mut m = ValueMap::new();
        assert_eq!(m.insert("a", Value::Int(1)), None);
        m.insert("b", Value::Int(2));
        assert_eq!(m.insert("a", Value::Int(3)), Some(Value::Int(1)));
        let keys: Vec<&str> = m.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(m.get("a"), Some(&Value::Int(3)));
    }

    #[test]
    fn removal_and_order_insensitive_equality() {
        let a: ValueMap = [
            ("x", Value::Int(1)),
            ("y", Value::Int(2)),
            ("z", Value::Int(3)),
        ]
        .into_iter()
        .collect();
        let mut b: ValueMap = [
            ("z", Value::Int(3)),
            ("y", Value::Int(2)),
            ("x", Value::Int(1)),
        ]
        .into_iter()
        .collect();
        assert_eq!(a, b);
        assert_eq!(b.shift_remove("y"), Some(Value::Int(2)));
        assert_ne!(a, b);
        assert_eq!(b.keys().map(|k| k.as_str()).collect::<Vec<_>>(), ["z", "x"]);
        assert_eq!(b.shift_remove("y"), None);
    }

    #[test]
    fn serde_round_trip_keeps_order() {
        let m: ValueMap = [("b", Value::Int(1)), ("a", Value::from("x"))]
            .into_iter()
            .collect();
        let text = serde_json::to_string(&m).unwrap();
        let back: ValueMap = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(back, m);
    }

    #[test]
    fn small_sizes() {
        assert_eq!(std::mem::size_of::<ValueMap>(), 16);
        assert_eq!(std::mem::size_of::<Key>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 32);
    }
}
