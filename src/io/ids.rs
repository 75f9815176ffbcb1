//! Node id → entity maps used while importing: relationship rows name their
//! ends by the node ids of the input files, and every row looks up two.
//!
//! Ids shaped like `prefix` + decimal number (`person_17`, `42`), the usual
//! shape of generated and exported ids, go to a dense array indexed by the
//! number: a lookup then reads one slot of an array that stays in cache (4
//! bytes a node) instead of a hash bucket and a key, which miss the cache
//! on graphs of a million nodes. Other ids, and ids read too far out of
//! number order, wait in a hash map; [`NodeIds::compact`] moves what fits
//! into the array once the node files are read.

use std::collections::HashMap;

use crate::eval::compare::FxBuild;
use crate::store::EntityId;
use crate::value::Key;

/// The ids of every id space (Neo4j CSV `:ID(space)`; the default space is `""`).
#[derive(Default)]
pub(crate) struct NodeIds {
    spaces: HashMap<String, IdMap>,
}

impl NodeIds {
    /// The map of one id space, if any node was read in it.
    pub(crate) fn space(&self, space: &str) -> Option<&IdMap> {
        self.spaces.get(space)
    }

    /// The entity of node `id` in `space`.
    pub(crate) fn get(&self, space: &str, id: &str) -> Option<EntityId> {
        self.space(space).and_then(|m| m.get(id))
    }

    /// Records node `id` of `space` (the caller has checked it is new).
    pub(crate) fn insert(&mut self, space: &str, id: &str, eid: EntityId) {
        let map = match self.spaces.get_mut(space) {
            Some(m) => m,
            None => self.spaces.entry(space.to_string()).or_default(),
        };
        map.insert(id, eid);
    }

    /// Moves the ids of every space that fit the dense layout into it (call
    /// once the node files are read; lookups give the same answers before
    /// and after).
    pub(crate) fn compact(&mut self) {
        for map in self.spaces.values_mut() {
            map.compact();
        }
    }
}

/// The ids of one id space: a dense array for `prefix` + number ids (once
/// compacted), a hash map for the others.
#[derive(Default)]
pub(crate) struct IdMap {
    dense: Dense,
    rest: HashMap<Key, EntityId, FxBuild>,
}

impl IdMap {
    /// The entity of node `id`.
    pub(crate) fn get(&self, id: &str) -> Option<EntityId> {
        if let Some(e) = self.dense.get(id) {
            return Some(e);
        }
        if self.rest.is_empty() {
            return None;
        }
        self.rest.get(id).copied()
    }

    /// Numbers below this get a slot: up to twice the id count (plus some
    /// room), so the array is never much larger than a map of the same ids.
    fn bound(&self) -> usize {
        (self.rest.len() + self.dense.len).saturating_mul(2) + 1024
    }

    fn insert(&mut self, id: &str, eid: EntityId) {
        // Ids read in number order go straight to their slot; the others
        // wait in the map for `compact`.
        if !self.dense.try_insert(id, eid, self.bound()) {
            self.rest.insert(id.into(), eid);
        }
    }

    fn compact(&mut self) {
        if self.rest.is_empty() {
            return;
        }
        let bound = self.bound();
        // In entity order, so that which of two colliding ids gets the
        // slot does not depend on hash order.
        let mut entries: Vec<(&Key, EntityId)> = self.rest.iter().map(|(k, e)| (k, *e)).collect();
        entries.sort_unstable_by_key(|&(_, e)| e);
        let mut rest = HashMap::default();
        for (id, eid) in entries {
            if !self.dense.try_insert(id, eid, bound) {
                rest.insert(id.clone(), eid);
            }
        }
        self.rest = rest;
    }
}

/// Ids `prefix` + canonical decimal number, in one array indexed by the
/// number. A 4-byte slot holds the prefix's tag + 1 (top 4 bits; 0 =
/// empty) and the entity id (low 28 bits), so one read of an array of 4
/// bytes a node answers a lookup. Ids whose number is taken by another
/// prefix, and entity ids of 2^28 and more, stay in the hash map.
#[derive(Default)]
struct Dense {
    /// Prefix → tag, in the order first seen.
    prefixes: Vec<Box<str>>,
    slots: Vec<u32>,
    len: usize,
}

/// Bits of a slot holding the entity id; the 4 bits above hold the
/// prefix's tag + 1 (0: empty slot), so a slot is 4 bytes.
const ID_BITS: u32 = 28;
const ID_MASK: u32 = (1 << ID_BITS) - 1;

/// Ids with more digits than this are left to the hash map.
const MAX_DIGITS: usize = 9;

/// Splits `id` into its prefix and its trailing decimal number, when the
/// number is written canonically (no leading zero, at most nine digits).
fn split_number(id: &str) -> Option<(&str, usize)> {
    let b = id.as_bytes();
    let mut start = b.len();
    while start > 0 && b[start - 1].is_ascii_digit() {
        start -= 1;
    }
    let digits = &b[start..];
    if digits.is_empty() || digits.len() > MAX_DIGITS || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    let n = digits
        .iter()
        .fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
    Some((&id[..start], n))
}

impl Dense {
    fn tag(&self, prefix: &str) -> Option<u32> {
        self.prefixes
            .iter()
            .position(|p| &**p == prefix)
            .map(|t| t as u32)
    }

    fn get(&self, id: &str) -> Option<EntityId> {
        if self.len == 0 {
            return None;
        }
        let (prefix, n) = split_number(id)?;
        let slot = *self.slots.get(n)?;
        let tag = self.tag(prefix)?;
        (slot >> ID_BITS == tag + 1).then_some(EntityId(u64::from(slot & ID_MASK)))
    }

    /// Stores `id` when it has the dense shape, its number is below `bound`
    /// and free, and the entity id fits [`ID_BITS`] bits.
    fn try_insert(&mut self, id: &str, eid: EntityId, bound: usize) -> bool {
        /// More prefixes than this and a linear tag search would cost more
        /// than the hash lookup it replaces.
        const MAX_PREFIXES: usize = (1 << (32 - ID_BITS)) - 1;
        let Some((prefix, n)) = split_number(id) else {
            return false;
        };
        if n >= bound || eid.0 > u64::from(ID_MASK) {
            return false;
        }
        let tag = match self.tag(prefix) {
            Some(t) => t,
            None if self.prefixes.len() < MAX_PREFIXES => {
                self.prefixes.push(prefix.into());
                (self.prefixes.len() - 1) as u32
            }
            None => return false,
        };
        if self.slots.len() <= n {
            self.slots.resize(n + 1, 0);
        }
        if self.slots[n] != 0 {
            return false;
        }
        self.slots[n] = ((tag + 1) << ID_BITS) | eid.0 as u32;
        self.len += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_split_only_when_canonical() {
        assert_eq!(split_number("person_17"), Some(("person_", 17)));
        assert_eq!(split_number("42"), Some(("", 42)));
        assert_eq!(split_number("0"), Some(("", 0)));
        assert_eq!(split_number("a0"), Some(("a", 0)));
        assert_eq!(split_number("person_017"), None);
        assert_eq!(split_number("person_"), None);
        assert_eq!(split_number(""), None);
        assert_eq!(split_number("1234567890"), None);
        assert_eq!(split_number("x_é9"), Some(("x_é", 9)));
    }

    /// Every id answers the same before and after compaction, whichever
    /// layout it ends in, and unknown ids stay unknown.
    #[test]
    fn compaction_keeps_every_answer() {
        let ids: Vec<String> = [
            "person_0",
            "person_1",
            "org_1",
            "org_2",
            "7",
            "07",
            "007",
            "x",
            "person_",
            "a_99999999",
            "p_3",
            "p_03",
            "ünï_5",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain((10..3000).map(|i| format!("event_{i}")))
        .chain((0..40).map(|i| format!("p{i}_{}", i * 3)))
        .collect();
        let mut m = NodeIds::default();
        for (i, id) in ids.iter().enumerate() {
            m.insert("", id, EntityId(i as u64 * 3 + 1));
        }
        m.insert("other", "person_0", EntityId(5));
        let before: Vec<_> = ids.iter().map(|id| m.get("", id)).collect();
        m.compact();
        let after: Vec<_> = ids.iter().map(|id| m.get("", id)).collect();
        assert_eq!(before, after);
        for (i, got) in after.iter().enumerate() {
            assert_eq!(*got, Some(EntityId(i as u64 * 3 + 1)), "{}", ids[i]);
        }
        let map = m.space("").expect("default space");
        assert!(map.dense.len >= 2990, "dense holds {}", map.dense.len);
        assert!(
            map.rest.contains_key("org_1"),
            "org_1 collides with person_1"
        );
        assert!(map.rest.contains_key("a_99999999"), "beyond the bound");
        assert!(map.rest.contains_key("p39_117"), "past the prefix limit");
        for unknown in [
            "person_2",
            "org_0",
            "event_3000",
            "event_9",
            "p_3x",
            "8",
            "000",
        ] {
            assert_eq!(m.get("", unknown), None, "{unknown}");
        }
        assert_eq!(m.get("other", "person_0"), Some(EntityId(5)));
        assert_eq!(m.get("other", "person_1"), None);
        assert_eq!(m.get("none", "person_0"), None);
    }

    #[test]
    fn large_entity_ids_stay_in_the_map() {
        let mut m = NodeIds::default();
        let big = EntityId(u64::from(ID_MASK) + 1);
        m.insert("", "n_1", big);
        m.insert("", "n_2", EntityId(u64::from(ID_MASK)));
        m.compact();
        assert_eq!(m.get("", "n_1"), Some(big));
        assert_eq!(m.get("", "n_2"), Some(EntityId(u64::from(ID_MASK))));
        assert!(m.space("").is_some_and(|s| s.rest.len() == 1));
    }
}
