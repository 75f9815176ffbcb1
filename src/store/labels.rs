//! A label bitmap for fast label checks during traversals: one word per
//! entity slot (8 to 64 bits wide), one bit per label (the first 64 labels
//! of the graph).
//!
//! Also entity properties as dense columns ([`PropColumn`]). Both are built
//! on demand in O(entities) and dropped by any change to entities (see
//! [`super::Graph::label_mask`], [`super::Graph::prop_column`]).

use std::collections::HashMap;

use super::{EntityId, Graph};
use crate::value::Value;

/// The labels of every entity as bits.
#[derive(Debug, Clone, Default)]
pub struct LabelMask {
    bits: Bits,
    names: HashMap<String, u64, crate::eval::compare::FxBuild>,
}

/// One word per entity slot, as narrow as the number of labels allows (a
/// graph with 8 labels takes one byte per entity: the bitmap stays in cache
/// during traversals).
#[derive(Debug, Clone)]
enum Bits {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
}

impl Default for Bits {
    fn default() -> Bits {
        Bits::U8(Vec::new())
    }
}

impl Bits {
    fn get(&self, slot: usize) -> Option<u64> {
        match self {
            Bits::U8(v) => v.get(slot).map(|b| u64::from(*b)),
            Bits::U16(v) => v.get(slot).map(|b| u64::from(*b)),
            Bits::U32(v) => v.get(slot).map(|b| u64::from(*b)),
            Bits::U64(v) => v.get(slot).copied(),
        }
    }
}

impl LabelMask {
    /// Builds the bitmap for `graph`.
    pub fn build(graph: &Graph) -> LabelMask {
        let mut bits = vec![0u64; graph.entities.len()];
        let mut names = HashMap::default();
        for (i, (label, ids)) in graph.by_label.iter().enumerate().take(64) {
            let bit = 1u64 << i;
            names.insert(label.clone(), bit);
            for id in ids {
                if let Some(b) = bits.get_mut(id.0 as usize) {
                    *b |= bit;
                }
            }
        }
        // The casts keep every bit: there are at most that many labels.
        let bits = match names.len() {
            0..=8 => Bits::U8(bits.iter().map(|b| *b as u8).collect()),
            9..=16 => Bits::U16(bits.iter().map(|b| *b as u16).collect()),
            17..=32 => Bits::U32(bits.iter().map(|b| *b as u32).collect()),
            _ => Bits::U64(bits),
        };
        LabelMask { bits, names }
    }

    /// The bits that an entity carrying every one of `labels` has set:
    /// `Some(0)` when some label is carried by no entity (no entity can
    /// match), `None` when a label has no bit (more than 64 labels).
    pub fn mask<S: AsRef<str>>(&self, labels: &[S]) -> Option<u64> {
        let mut mask = 0;
        for l in labels {
            match self.names.get(l.as_ref()) {
                Some(b) => mask |= b,
                None if self.names.len() < 64 => return Some(0),
                None => return None,
            }
        }
        Some(mask)
    }

    /// True when entity `id` has every bit of `mask` (a `mask` from
    /// [`LabelMask::mask`]; a mask of 0 matches nothing).
    pub fn has(&self, id: EntityId, mask: u64) -> bool {
        mask != 0
            && self
                .bits
                .get(id.0 as usize)
                .is_some_and(|b| b & mask == mask)
    }
}

/// One integer entity property as a dense column (8 bytes per entity
/// slot), for fast reads and comparisons during large scans. Only built
/// when every stored value of the property is an integer. Absent values
/// are `i64::MIN`; when some entity really holds `i64::MIN`, a presence
/// bitmap tells the two apart.
#[derive(Debug, Clone, Default)]
pub struct PropColumn {
    ints: Vec<i64>,
    present: Option<Vec<u64>>,
}

impl PropColumn {
    /// The marker of an absent value.
    const ABSENT: i64 = i64::MIN;

    /// Builds the column of property `key` for `graph`; `None` when some
    /// entity holds a value other than an integer there.
    pub fn build(graph: &Graph, key: &str) -> Option<PropColumn> {
        let values = graph.entities().map(|e| (e.id.0, e.props.get(key)));
        Self::from_values(graph.entities.len(), values)
    }

    /// Builds the column of relationship property `key` for `graph`, by
    /// relation id; `None` when some relation holds a value other than an
    /// integer there.
    pub fn build_relations(graph: &Graph, key: &str) -> Option<PropColumn> {
        let values = graph.relations().map(|r| (r.id.0, r.props.get(key)));
        Self::from_values(graph.relations.len(), values)
    }

    /// The column of `slots` slots holding `values` (slot, value if any);
    /// `None` when a value is not an integer.
    fn from_values<'a>(
        slots: usize,
        values: impl Iterator<Item = (u64, Option<&'a Value>)>,
    ) -> Option<PropColumn> {
        let mut ints = vec![Self::ABSENT; slots];
        let mut present = vec![0u64; slots.div_ceil(64)];
        let mut ambiguous = false;
        for (slot, value) in values {
            let slot = slot as usize;
            match value {
                None => {}
                Some(Value::Int(v)) if slot < slots => {
                    ints[slot] = *v;
                    present[slot / 64] |= 1 << (slot % 64);
                    ambiguous |= *v == Self::ABSENT;
                }
                Some(_) => return None,
            }
        }
        Some(PropColumn {
            ints,
            present: ambiguous.then_some(present),
        })
    }

    /// The number of entity slots covered.
    pub fn len(&self) -> usize {
        self.ints.len()
    }

    /// True when the column covers no entity slot.
    pub fn is_empty(&self) -> bool {
        self.ints.is_empty()
    }

    /// The value for entity `id`: `None` when absent (or deleted).
    pub fn get(&self, id: EntityId) -> Option<i64> {
        self.at(id.0 as usize)
    }

    /// The value at slot `slot` (an entity's or a relation's id): `None`
    /// when absent (or deleted).
    pub fn at(&self, slot: usize) -> Option<i64> {
        let v = *self.ints.get(slot)?;
        if v != Self::ABSENT {
            return Some(v);
        }
        let present = self.present.as_ref()?;
        let word = present.get(slot / 64)?;
        (word & (1 << (slot % 64)) != 0).then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewEntity;

    #[test]
    fn int_columns_tell_absent_from_the_smallest_integer() {
        let mut g = Graph::new();
        let mut ids = Vec::new();
        for v in [Some(5), None, Some(i64::MIN), Some(-1)] {
            let mut props = crate::value::ValueMap::new();
            if let Some(v) = v {
                props.insert("n", Value::Int(v));
            }
            ids.push(
                g.add_entity(NewEntity {
                    props,
                    ..NewEntity::default()
                })
                .expect("added"),
            );
        }
        let col = PropColumn::build(&g, "n").expect("all integers");
        let got: Vec<Option<i64>> = ids.iter().map(|id| col.get(*id)).collect();
        assert_eq!(got, [Some(5), None, Some(i64::MIN), Some(-1)]);
        assert_eq!(col.get(EntityId(99)), None);
        let mut props = crate::value::ValueMap::new();
        props.insert("n", Value::from("text"));
        g.add_entity(NewEntity {
            props,
            ..NewEntity::default()
        })
        .expect("added");
        assert!(PropColumn::build(&g, "n").is_none());
    }
}
