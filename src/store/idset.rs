//! [`IdSet`]: the entities behind one alias, stored without a heap
//! allocation in the common case of a single entity.

use super::EntityId;

/// A set of entity ids in ascending order. Almost every alias names one
/// entity, so that case is held inline; shared names spill to a sorted vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdSet {
    /// Exactly one entity.
    One(EntityId),
    /// Zero or several entities, ascending.
    Many(Vec<EntityId>),
}

impl Default for IdSet {
    fn default() -> IdSet {
        IdSet::Many(Vec::new())
    }
}

impl IdSet {
    /// The ids as a slice, ascending.
    pub fn as_slice(&self) -> &[EntityId] {
        match self {
            IdSet::One(id) => std::slice::from_ref(id),
            IdSet::Many(ids) => ids,
        }
    }

    /// The ids, ascending.
    pub fn iter(&self) -> std::slice::Iter<'_, EntityId> {
        self.as_slice().iter()
    }

    /// The number of ids.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// True when `id` is in the set.
    pub fn contains(&self, id: &EntityId) -> bool {
        self.as_slice().binary_search(id).is_ok()
    }

    /// Adds `id`; returns false when it was already there.
    pub fn insert(&mut self, id: EntityId) -> bool {
        match self {
            IdSet::Many(ids) if ids.is_empty() => {
                *self = IdSet::One(id);
                true
            }
            IdSet::One(one) => {
                if *one == id {
                    return false;
                }
                let mut ids = vec![*one, id];
                ids.sort_unstable();
                *self = IdSet::Many(ids);
                true
            }
            IdSet::Many(ids) => match ids.binary_search(&id) {
                Ok(_) => false,
                Err(at) => {
                    ids.insert(at, id);
                    true
                }
            },
        }
    }

    /// Removes `id`; returns false when it was not there.
    pub fn remove(&mut self, id: &EntityId) -> bool {
        match self {
            IdSet::One(one) if one == id => {
                *self = IdSet::Many(Vec::new());
                true
            }
            IdSet::One(_) => false,
            IdSet::Many(ids) => match ids.binary_search(id) {
                Ok(at) => {
                    ids.remove(at);
                    true
                }
                Err(_) => false,
            },
        }
    }
}

impl<'a> IntoIterator for &'a IdSet {
    type Item = &'a EntityId;
    type IntoIter = std::slice::Iter<'a, EntityId>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_from_one_to_many_and_back() {
        let mut s = IdSet::default();
        assert!(s.is_empty());
        assert!(s.insert(EntityId(5)));
        assert!(matches!(s, IdSet::One(_)));
        assert!(!s.insert(EntityId(5)));
        assert!(s.insert(EntityId(2)));
        assert!(s.insert(EntityId(9)));
        assert_eq!(s.as_slice(), [EntityId(2), EntityId(5), EntityId(9)]);
        assert!(s.contains(&EntityId(9)));
        assert!(s.remove(&EntityId(5)));
        assert!(!s.remove(&EntityId(5)));
        assert_eq!(s.len(), 2);
        assert!(s.remove(&EntityId(2)) && s.remove(&EntityId(9)));
        assert!(s.is_empty());
    }
}
