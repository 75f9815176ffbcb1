//! [`OrderedIds`]: the ids of one label or one relation type, in ascending
//! order, for the label and type indexes.
//!
//! Ids are handed out in increasing order, so almost every insert is an
//! append. Those go to a sorted vector (one write, no tree node); only an
//! insert below the vector's end or a removal inside it moves ids into the
//! B-tree that holds the rest. A graph loaded from a snapshot or an import
//! therefore keeps each index as one plain vector: 8 bytes an id, and
//! loading 10 million relations does no tree insert.

use std::collections::BTreeSet;

/// A set of ids in ascending order: every id of `tail` (sorted) is greater
/// than every id of `tree`.
#[derive(Debug, Clone)]
pub struct OrderedIds<T> {
    tree: BTreeSet<T>,
    tail: Vec<T>,
}

impl<T> Default for OrderedIds<T> {
    fn default() -> Self {
        OrderedIds {
            tree: BTreeSet::new(),
            tail: Vec::new(),
        }
    }
}

impl<T: Ord + Copy> OrderedIds<T> {
    /// How many ids.
    pub fn len(&self) -> usize {
        self.tree.len() + self.tail.len()
    }

    /// True when there is no id.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty() && self.tail.is_empty()
    }

    /// True when `id` is in the set.
    pub fn contains(&self, id: &T) -> bool {
        match self.tail.first() {
            Some(first) if id >= first => self.tail.binary_search(id).is_ok(),
            _ => self.tree.contains(id),
        }
    }

    /// The ids in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.into_iter()
    }

    /// Adds `id`; returns false when it was there already.
    pub fn insert(&mut self, id: T) -> bool {
        let top = self.tail.last().or_else(|| self.tree.last());
        if top.is_none_or(|top| id > *top) {
            self.tail.push(id);
            return true;
        }
        if self.tail.first().is_some_and(|first| id >= *first) {
            if self.tail.binary_search(&id).is_ok() {
                return false;
            }
            self.flush();
        }
        self.tree.insert(id)
    }

    /// Removes `id`; returns false when it was not there.
    pub fn remove(&mut self, id: &T) -> bool {
        if self.tail.last() == Some(id) {
            self.tail.pop();
            return true;
        }
        match self.tail.first() {
            Some(first) if id >= first => {
                if self.tail.binary_search(id).is_err() {
                    return false;
                }
                self.flush();
                self.tree.remove(id)
            }
            _ => self.tree.remove(id),
        }
    }

    /// Moves the vector into the tree: one by one when it is small next to
    /// the tree, else by a linear merge, which then costs O(1) per id moved
    /// (the vector holds at least an eighth of the ids).
    fn flush(&mut self) {
        if self.tail.len() * 8 < self.tree.len() {
            self.tree.extend(self.tail.drain(..));
        } else {
            let mut moved: BTreeSet<T> = self.tail.drain(..).collect();
            self.tree.append(&mut moved);
        }
    }
}

impl<'a, T: Ord + Copy> IntoIterator for &'a OrderedIds<T> {
    type Item = &'a T;
    type IntoIter =
        std::iter::Chain<std::collections::btree_set::Iter<'a, T>, std::slice::Iter<'a, T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.tree.iter().chain(self.tail.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic mix of appends, inserts below the end, removals
    /// anywhere and repeats, checked after each step against a `BTreeSet`.
    #[test]
    fn behaves_like_a_btreeset() {
        let mut ids = OrderedIds::default();
        let mut model = BTreeSet::new();
        let mut x: u64 = 0x9e37_79b9;
        let mut next = 0u32;
        for step in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let pick = (x % 1000) as u32;
            let r = x >> 20;
            match r % 8 {
                0..=3 => {
                    next += 1 + (r % 3) as u32;
                    assert_eq!(ids.insert(next), model.insert(next), "step {step}");
                }
                4 => assert_eq!(ids.insert(pick), model.insert(pick), "step {step}"),
                5 => assert_eq!(ids.remove(&pick), model.remove(&pick), "step {step}"),
                6 => {
                    let last = model.last().copied().unwrap_or(0);
                    assert_eq!(ids.remove(&last), model.remove(&last), "step {step}");
                }
                _ => {
                    let v = next.saturating_sub(pick % 50);
                    assert_eq!(ids.remove(&v), model.remove(&v), "step {step}");
                }
            }
            assert_eq!(ids.len(), model.len());
            assert_eq!(ids.contains(&pick), model.contains(&pick));
            if step % 97 == 0 {
                assert!(ids.iter().copied().eq(model.iter().copied()), "step {step}");
            }
        }
        assert!(ids.iter().copied().eq(model.iter().copied()));
        assert!(!ids.is_empty());
    }

    #[test]
    fn appends_stay_in_the_vector() {
        let mut ids = OrderedIds::default();
        for i in 0..1000u64 {
            assert!(ids.insert(i * 2));
        }
        assert!(!ids.insert(10));
        assert!(ids.tree.is_empty());
        assert_eq!(ids.tail.len(), 1000);
        assert!(ids.remove(&1998));
        assert!(ids.tree.is_empty(), "removing the last id keeps the vector");
        assert!(ids.remove(&500));
        assert_eq!(ids.len(), 998);
        assert!(ids.tail.is_empty(), "a removal inside moved it to the tree");
        assert!(ids.insert(5000));
        assert_eq!(ids.tail, vec![5000]);
        assert!(!ids.contains(&500) && ids.contains(&502) && ids.contains(&5000));
    }
}
