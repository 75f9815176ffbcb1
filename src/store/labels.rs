//! A label bitmap for fast label checks during traversals: one `u64` per
//! entity slot, one bit per label (the first 64 labels of the graph).
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
    bits: Vec<u64>,
    names: HashMap<String, u64, crate::eval::compare::FxBuild>,
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

/// One entity property as a dense column: the stored value of every entity
/// slot (`Null` where absent), for fast reads during large scans.
#[derive(Debug, Clone, Default)]
pub struct PropColumn {
    values: Vec<Value>,
}

impl PropColumn {
    /// Builds the column of property `key` for `graph`.
    pub fn build(graph: &Graph, key: &str) -> PropColumn {
        let mut values = vec![Value::Null; graph.entities.len()];
        for e in graph.entities() {
            if let (Some(v), Some(slot)) = (e.props.get(key), values.get_mut(e.id.0 as usize)) {
                *slot = v.clone();
            }
        }
        PropColumn { values }
    }

    /// The stored value for entity `id` (`Null` when absent or deleted).
    pub fn get(&self, id: EntityId) -> &Value {
        self.values.get(id.0 as usize).unwrap_or(&Value::Null)
    }
}
