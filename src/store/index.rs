//! Declared property indexes (`CREATE INDEX ... FOR (n:Label) ON (n.prop)`):
//! per (label, property) or (relationship type, property), an ordered map
//! from the property's value to the ids that hold it.
//!
//! Only the definitions ([`IndexDef`]) are stored (in snapshots and the
//! write-ahead log); the contents are built from the data when an index is
//! created or a graph is opened, then kept in step by every change
//! [`super::Graph`] makes, rollbacks included.
//!
//! Keys are ordered so that equality, `IN`, ranges and `STARTS WITH` are
//! ranges of the map: booleans, then numbers (integers and floats compared
//! by exact value, as Cypher compares them: `1` and `1.0` are one key),
//! then strings. Other values (lists, dates, NaN) are not indexed: a seek
//! for such a value is answered by a scan instead (see
//! [`IndexKey::of`]).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;

use super::{Mutation, OrderedIds, StoreError};
use crate::value::Value;

/// What an index covers: nodes with a label, or relationships of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum IndexTarget {
    /// Nodes carrying the label.
    Node,
    /// Relationships of the type.
    Relationship,
}

/// A declared index: its name and what it covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct IndexDef {
    /// The index name (given, or generated: see [`IndexDef::generated_name`]).
    pub name: String,
    /// Nodes or relationships.
    pub target: IndexTarget,
    /// The label (nodes) or relationship type.
    pub token: String,
    /// The indexed property.
    pub property: String,
}

impl IndexDef {
    /// True when both cover the same label or type and property.
    pub fn same_schema(&self, other: &IndexDef) -> bool {
        self.target == other.target && self.token == other.token && self.property == other.property
    }

    /// The schema as Neo4j writes it in messages: `(:Label {prop})` or
    /// `()-[:TYPE {prop}]-()`.
    pub fn schema_text(&self) -> String {
        match self.target {
            IndexTarget::Node => format!("(:{} {{{}}})", self.token, self.property),
            IndexTarget::Relationship => format!("()-[:{} {{{}}}]-()", self.token, self.property),
        }
    }

    /// The name of an unnamed index: `index_` and eight hex digits of a
    /// hash (FNV-1a, 32 bits) of its schema text, so the same definition
    /// always gets the same name.
    pub fn generated_name(target: IndexTarget, token: &str, property: &str) -> String {
        let text = IndexDef {
            name: String::new(),
            target,
            token: token.to_string(),
            property: property.to_string(),
        }
        .schema_text();
        let mut h: u32 = 0x811c_9dc5;
        for b in text.bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        format!("index_{h:08x}")
    }
}

/// An indexed value: a boolean, a number or a string, in that order.
#[derive(Debug, Clone)]
pub enum IndexKey {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (never NaN).
    Float(f64),
    /// A string.
    Str(String),
}

impl IndexKey {
    /// The key of a value, or `None` for values the index does not hold
    /// (null, NaN, lists, dates, maps, graph elements).
    pub fn of(v: &Value) -> Option<IndexKey> {
        Some(match v {
            Value::Bool(b) => IndexKey::Bool(*b),
            Value::Int(i) => IndexKey::Int(*i),
            Value::Float(f) if !f.is_nan() => IndexKey::Float(*f),
            Value::String(s) => IndexKey::Str(s.clone()),
            _ => return None,
        })
    }

    /// The group of the key: values of different groups never compare.
    fn group(&self) -> u8 {
        match self {
            IndexKey::Bool(_) => 0,
            IndexKey::Int(_) | IndexKey::Float(_) => 1,
            IndexKey::Str(_) => 2,
        }
    }

    /// The lowest and highest possible keys of this key's group, as bounds.
    fn group_bounds(&self) -> (Bound<IndexKey>, Bound<IndexKey>) {
        match self.group() {
            0 => (
                Bound::Included(IndexKey::Bool(false)),
                Bound::Included(IndexKey::Bool(true)),
            ),
            1 => (
                Bound::Included(IndexKey::Float(f64::NEG_INFINITY)),
                Bound::Included(IndexKey::Float(f64::INFINITY)),
            ),
            _ => (
                Bound::Included(IndexKey::Str(String::new())),
                Bound::Unbounded,
            ),
        }
    }
}

impl Ord for IndexKey {
    fn cmp(&self, other: &IndexKey) -> Ordering {
        use crate::eval::compare::cmp_int_float;
        match (self, other) {
            (IndexKey::Bool(a), IndexKey::Bool(b)) => a.cmp(b),
            (IndexKey::Int(a), IndexKey::Int(b)) => a.cmp(b),
            // -0.0 and 0.0 are one key, as Cypher compares them.
            (IndexKey::Float(a), IndexKey::Float(b)) if a == b => Ordering::Equal,
            (IndexKey::Float(a), IndexKey::Float(b)) => a.total_cmp(b),
            (IndexKey::Int(a), IndexKey::Float(b)) => {
                cmp_int_float(*a, *b).unwrap_or(Ordering::Less)
            }
            (IndexKey::Float(a), IndexKey::Int(b)) => {
                cmp_int_float(*b, *a).unwrap_or(Ordering::Less).reverse()
            }
            (IndexKey::Str(a), IndexKey::Str(b)) => a.cmp(b),
            _ => self.group().cmp(&other.group()),
        }
    }
}

impl PartialOrd for IndexKey {
    fn partial_cmp(&self, other: &IndexKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for IndexKey {
    fn eq(&self, other: &IndexKey) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for IndexKey {}

/// Which keys a seek reads.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyRange {
    /// Keys equal to one of these (an `=` or an `IN` list).
    Values(Vec<IndexKey>),
    /// Keys between two bounds, inside the bounds' group (`<`, `>=`, ...).
    Between(Bound<IndexKey>, Bound<IndexKey>),
    /// Strings starting with this prefix.
    Prefix(String),
}

impl KeyRange {
    /// A range from optional lower and upper bounds (at least one); keys
    /// of the other groups are never in it.
    pub fn between(lower: Bound<IndexKey>, upper: Bound<IndexKey>) -> KeyRange {
        let probe = match (&lower, &upper) {
            (Bound::Included(k) | Bound::Excluded(k), _)
            | (_, Bound::Included(k) | Bound::Excluded(k)) => k.clone(),
            (Bound::Unbounded, Bound::Unbounded) => return KeyRange::Values(Vec::new()),
        };
        let (lo, hi) = probe.group_bounds();
        KeyRange::Between(
            if matches!(lower, Bound::Unbounded) {
                lo
            } else {
                lower
            },
            if matches!(upper, Bound::Unbounded) {
                hi
            } else {
                upper
            },
        )
    }
}

/// The contents of one index: key → ids (entity or relation ids as `u64`).
#[derive(Debug, Clone, Default)]
pub struct IndexData {
    map: BTreeMap<IndexKey, OrderedIds<u64>>,
    /// How many ids in all.
    len: usize,
}

impl IndexData {
    /// Adds `id` under the key of `v` (nothing for values not indexed).
    pub fn insert(&mut self, v: &Value, id: u64) {
        if let Some(k) = IndexKey::of(v) {
            if self.map.entry(k).or_default().insert(id) {
                self.len += 1;
            }
        }
    }

    /// Removes `id` from under the key of `v`.
    pub fn remove(&mut self, v: &Value, id: u64) {
        let Some(k) = IndexKey::of(v) else { return };
        if let Some(ids) = self.map.get_mut(&k) {
            if ids.remove(&id) {
                self.len -= 1;
            }
            if ids.is_empty() {
                self.map.remove(&k);
            }
        }
    }

    /// How many ids the index holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the index holds no id.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many distinct keys.
    pub fn distinct_keys(&self) -> usize {
        self.map.len()
    }

    /// The ids whose key is in `range`, sorted and without repeats.
    pub fn ids(&self, range: &KeyRange) -> Vec<u64> {
        let mut out = Vec::new();
        self.visit(range, |ids| out.extend(ids.iter().copied()));
        if !matches!(range, KeyRange::Values(v) if v.len() <= 1) {
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    /// How many ids [`IndexData::ids`] would return (or a little more, when
    /// an `IN` list repeats a value), without collecting them.
    pub fn count(&self, range: &KeyRange) -> usize {
        let mut n = 0;
        self.visit(range, |ids| n += ids.len());
        n
    }

    fn visit(&self, range: &KeyRange, mut f: impl FnMut(&OrderedIds<u64>)) {
        match range {
            KeyRange::Values(keys) => {
                for k in keys {
                    if let Some(ids) = self.map.get(k) {
                        f(ids);
                    }
                }
            }
            KeyRange::Between(lo, hi) => {
                if empty_range(lo, hi) {
                    return;
                }
                for (_, ids) in self.map.range((lo.clone(), hi.clone())) {
                    f(ids);
                }
            }
            KeyRange::Prefix(p) => {
                let from = IndexKey::Str(p.clone());
                for (k, ids) in self.map.range(from..) {
                    match k {
                        IndexKey::Str(s) if s.starts_with(p.as_str()) => f(ids),
                        _ => break,
                    }
                }
            }
        }
    }
}

/// True when no key lies between the bounds (`BTreeMap::range` panics on
/// such bounds).
fn empty_range(lo: &Bound<IndexKey>, hi: &Bound<IndexKey>) -> bool {
    match (lo, hi) {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a) | Bound::Excluded(a), Bound::Excluded(b))
        | (Bound::Excluded(a), Bound::Included(b)) => a >= b,
        _ => false,
    }
}

/// A declared index and its contents.
#[derive(Debug, Clone)]
pub struct PropertyIndex {
    /// The definition.
    pub def: IndexDef,
    /// The contents.
    pub data: IndexData,
}

impl super::Graph {
    /// The declared indexes, in creation order.
    pub fn index_defs(&self) -> impl Iterator<Item = &IndexDef> + '_ {
        self.indexes.iter().map(|i| &i.def)
    }

    /// The contents of the declared index on `token`'s `property` (nodes
    /// with that label, or relationships of that type), if there is one.
    pub fn property_index(
        &self,
        target: IndexTarget,
        token: &str,
        property: &str,
    ) -> Option<&IndexData> {
        self.indexes
            .iter()
            .find(|i| i.def.target == target && i.def.token == token && i.def.property == property)
            .map(|i| &i.data)
    }

    /// The index called `name`, if there is one.
    pub fn index_named(&self, name: &str) -> Option<&IndexDef> {
        self.indexes.iter().map(|i| &i.def).find(|d| d.name == name)
    }

    /// Declares an index and builds its contents from the data. Refused
    /// when the name is taken or an index on the same label (or type) and
    /// property exists.
    pub fn create_index(&mut self, def: IndexDef) -> Result<(), StoreError> {
        if let Some(same) = self.indexes.iter().find(|i| i.def.same_schema(&def)) {
            return Err(StoreError::IndexExists(
                same.def.name.clone(),
                same.def.schema_text(),
            ));
        }
        if self.index_named(&def.name).is_some() {
            return Err(StoreError::IndexNameTaken(def.name));
        }
        let built = self.build_index(&def);
        self.indexes.push(built);
        self.record(Mutation::CreateIndex(def));
        Ok(())
    }

    /// Drops the index called `name`; returns its definition.
    pub fn drop_index(&mut self, name: &str) -> Result<IndexDef, StoreError> {
        let pos = self
            .indexes
            .iter()
            .position(|i| i.def.name == name)
            .ok_or_else(|| StoreError::NoIndex(name.to_string()))?;
        let def = self.indexes.remove(pos).def;
        self.record(Mutation::DropIndex(def.clone()));
        Ok(def)
    }

    /// An index with its contents built from the data.
    pub(super) fn build_index(&self, def: &IndexDef) -> PropertyIndex {
        let mut data = IndexData::default();
        match def.target {
            IndexTarget::Node => {
                for id in self.entities_with_label(&def.token) {
                    if let Some(v) = self.entity(id).and_then(|e| e.props.get(&def.property)) {
                        data.insert(v, id.0);
                    }
                }
            }
            IndexTarget::Relationship => {
                for id in self.relations_with_type(&def.token) {
                    if let Some(v) = self.relation(id).and_then(|r| r.props.get(&def.property)) {
                        data.insert(v, id.0);
                    }
                }
            }
        }
        PropertyIndex {
            def: def.clone(),
            data,
        }
    }

    /// Verifies that every declared index holds exactly what a fresh
    /// build would (used by tests).
    pub fn check_property_indexes(&self) -> Result<(), String> {
        for pi in &self.indexes {
            let fresh = self.build_index(&pi.def);
            let every = |d: &IndexData| -> Vec<(IndexKey, Vec<u64>)> {
                d.map
                    .iter()
                    .map(|(k, ids)| (k.clone(), ids.iter().copied().collect()))
                    .collect()
            };
            if every(&fresh.data) != every(&pi.data) || fresh.data.len() != pi.data.len() {
                return Err(format!(
                    "index `{}` on {} differs from its data",
                    pi.def.name,
                    pi.def.schema_text()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(vals: &[Value]) -> Vec<IndexKey> {
        vals.iter().filter_map(IndexKey::of).collect()
    }

    #[test]
    fn numbers_compare_exactly_across_int_and_float() {
        assert_eq!(IndexKey::Int(1), IndexKey::Float(1.0));
        assert!(IndexKey::Int(1) < IndexKey::Float(1.5));
        assert!(IndexKey::Float(-0.5) < IndexKey::Int(0));
        assert_eq!(IndexKey::Float(0.0), IndexKey::Float(-0.0));
        // 2^53 + 1 is not the float 2^53.
        let big = (1i64 << 53) + 1;
        assert!(IndexKey::Int(big) > IndexKey::Float((1u64 << 53) as f64));
        assert!(IndexKey::Bool(true) < IndexKey::Int(i64::MIN));
        assert!(IndexKey::Float(f64::INFINITY) < IndexKey::Str(String::new()));
        assert!(IndexKey::of(&Value::Float(f64::NAN)).is_none());
        assert!(IndexKey::of(&Value::Null).is_none());
    }

    #[test]
    fn ranges_stay_in_their_group() {
        let mut d = IndexData::default();
        let vals = [
            Value::Int(1),
            Value::Float(2.5),
            Value::Int(3),
            Value::String("a".into()),
            Value::String("ab".into()),
            Value::String("b".into()),
            Value::Bool(true),
            Value::Float(1.0),
        ];
        for (i, v) in vals.iter().enumerate() {
            d.insert(v, i as u64);
        }
        assert_eq!(d.len(), 8);
        let gt1 = KeyRange::between(Bound::Excluded(IndexKey::Int(1)), Bound::Unbounded);
        assert_eq!(d.ids(&gt1), vec![1, 2]);
        let le1 = KeyRange::between(Bound::Unbounded, Bound::Included(IndexKey::Int(1)));
        assert_eq!(d.ids(&le1), vec![0, 7]);
        let strs = KeyRange::between(
            Bound::Included(IndexKey::Str("a".into())),
            Bound::Excluded(IndexKey::Str("b".into())),
        );
        assert_eq!(d.ids(&strs), vec![3, 4]);
        assert_eq!(d.ids(&KeyRange::Prefix("a".into())), vec![3, 4]);
        assert_eq!(d.ids(&KeyRange::Prefix(String::new())), vec![3, 4, 5]);
        assert_eq!(
            d.ids(&KeyRange::Values(keys(&[Value::Float(1.0), Value::Int(3)]))),
            vec![0, 2, 7]
        );
        let empty = KeyRange::between(
            Bound::Excluded(IndexKey::Int(5)),
            Bound::Excluded(IndexKey::Int(2)),
        );
        assert!(d.ids(&empty).is_empty());
        d.remove(&Value::Int(1), 0);
        d.remove(&Value::Int(1), 0);
        assert_eq!(d.len(), 7);
        assert_eq!(d.count(&le1), 1);
    }

    #[test]
    fn generated_names_are_stable_and_differ() {
        let a = IndexDef::generated_name(IndexTarget::Node, "Person", "name");
        assert_eq!(
            a,
            IndexDef::generated_name(IndexTarget::Node, "Person", "name")
        );
        assert!(a.starts_with("index_") && a.len() == 14);
        assert_ne!(
            a,
            IndexDef::generated_name(IndexTarget::Relationship, "Person", "name")
        );
    }
}
