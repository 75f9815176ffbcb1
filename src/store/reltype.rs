//! [`RelType`]: a relation type name interned process-wide, so that a
//! relation carries 4 bytes for it instead of a string.
//!
//! Names are interned once and live for the rest of the process (there are
//! few relation types, even in a big graph). Reading a name is lock-free:
//! the table is a list of buckets of doubling size, each filled once.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An interned relation type name (`CO_CHAIRS`); compares and orders as
/// its name, copies as an integer.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RelType(u32);

/// The first bucket's size; bucket `b` holds `FIRST << b` names.
const FIRST: usize = 64;
/// Enough buckets for every `u32` id.
const BUCKETS: usize = 27;

type Bucket = Box<[OnceLock<&'static str>]>;

static TABLE: [OnceLock<Bucket>; BUCKETS] = [const { OnceLock::new() }; BUCKETS];
static LOOKUP: OnceLock<Mutex<HashMap<&'static str, u32>>> = OnceLock::new();

/// Bucket and slot of id `i`.
fn place(i: usize) -> (usize, usize) {
    let j = i / FIRST + 1;
    let b = (usize::BITS - 1 - j.leading_zeros()) as usize;
    (b, i - FIRST * ((1 << b) - 1))
}

impl RelType {
    /// The interned type named `name` (interning it on first use).
    pub fn new(name: &str) -> RelType {
        let lookup = LOOKUP.get_or_init(Default::default);
        let mut map = match lookup.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(&id) = map.get(name) {
            return RelType(id);
        }
        let id = map.len();
        let (b, slot) = place(id);
        let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
        let bucket = TABLE[b.min(BUCKETS - 1)].get_or_init(|| {
            (0..FIRST << b)
                .map(|_| OnceLock::new())
                .collect::<Vec<_>>()
                .into_boxed_slice()
        });
        if let Some(cell) = bucket.get(slot) {
            let _ = cell.set(name);
        }
        map.insert(name, id as u32);
        RelType(id as u32)
    }

    /// The interning number: small, dense, stable for the process.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The type's name.
    pub fn as_str(&self) -> &'static str {
        let (b, slot) = place(self.0 as usize);
        TABLE
            .get(b)
            .and_then(|bucket| bucket.get())
            .and_then(|bucket| bucket.get(slot))
            .and_then(|cell| cell.get())
            .copied()
            .unwrap_or("")
    }
}

impl std::ops::Deref for RelType {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for RelType {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for RelType {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialOrd for RelType {
    fn partial_cmp(&self, other: &RelType) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RelType {
    /// By name.
    fn cmp(&self, other: &RelType) -> std::cmp::Ordering {
        if self.0 == other.0 {
            return std::cmp::Ordering::Equal;
        }
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for RelType {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RelType {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for RelType {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<RelType> for str {
    fn eq(&self, other: &RelType) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<RelType> for &str {
    fn eq(&self, other: &RelType) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<RelType> for String {
    fn eq(&self, other: &RelType) -> bool {
        self == other.as_str()
    }
}

impl From<&str> for RelType {
    fn from(name: &str) -> RelType {
        RelType::new(name)
    }
}

impl From<String> for RelType {
    fn from(name: String) -> RelType {
        RelType::new(&name)
    }
}

impl From<&String> for RelType {
    fn from(name: &String) -> RelType {
        RelType::new(name)
    }
}

impl fmt::Display for RelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for RelType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RelType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RelType, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(RelType::new(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_cover_ids_without_gaps() {
        let mut expected = (0usize, 0usize);
        for i in 0..10_000 {
            let (b, slot) = place(i);
            assert_eq!((b, slot), expected, "id {i}");
            expected.1 += 1;
            if expected.1 == FIRST << expected.0 {
                expected = (expected.0 + 1, 0);
            }
        }
        let (b, _) = place(u32::MAX as usize);
        assert!(b < BUCKETS);
    }

    #[test]
    fn interning_is_stable_and_names_round_trip() {
        let a = RelType::new("CO_CHAIRS");
        let b = RelType::from(String::from("CO_CHAIRS"));
        assert_eq!(a, b);
        assert_eq!(a, "CO_CHAIRS");
        assert_eq!(a.to_string(), "CO_CHAIRS");
        let many: Vec<RelType> = (0..300).map(|i| RelType::new(&format!("T_{i}"))).collect();
        for (i, t) in many.iter().enumerate() {
            assert_eq!(t.as_str(), format!("T_{i}"));
        }
        assert!(RelType::new("A_TYPE") < RelType::new("B_TYPE"));
        assert_eq!(std::mem::size_of::<RelType>(), 4);
    }
}
