//! Typed values: what properties hold and what queries return.
//!
//! One `Value` type serves the store (property values) and the query engine
//! (row cells). Graph elements inside rows are references by id
//! ([`Value::Node`], [`Value::Relationship`], [`Value::Path`]); formatters
//! resolve them against the [`crate::store::Graph`] they came from.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::store::{EntityId, RelationId};

mod map;

pub use map::{Key, ValueMap};

/// A typed value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    /// The absent value.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A Unicode string.
    String(String),
    /// An ISO 8601 calendar date, possibly partial (year, or year-month).
    Date(Date),
    /// An ordered list.
    List(Vec<Value>),
    /// A string-keyed map.
    Map(ValueMap),
    /// A reference to an entity (a node).
    Node(EntityId),
    /// A reference to a relation (a relationship).
    Relationship(RelationId),
    /// A path: alternating nodes and relationships.
    Path(Box<Path>),
}

/// A path through the graph: `nodes.len() == rels.len() + 1`.
///
/// `rels[i]` joins `nodes[i]` and `nodes[i + 1]`, in either direction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Path {
    /// The nodes in walk order.
    pub nodes: Vec<EntityId>,
    /// The relationships in walk order.
    pub rels: Vec<RelationId>,
}

/// A calendar date with optional month and day (`2018`, `2018-09`, `2018-09-12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Date {
    /// The year (may be negative for BCE years, as in ISO 8601).
    pub year: i32,
    /// The month, 1 to 12, when stated.
    pub month: Option<u8>,
    /// The day of the month, when stated (requires `month`).
    pub day: Option<u8>,
}

/// Why a date string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError(pub String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DateError {}

impl Date {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking month and day ranges
    /// (including leap years).
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let parts: Vec<&str> = text.split('-').collect();
        let num = |s: &str, what: &str| -> Result<u32, DateError> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DateError(format!("`{text}`: {what} must be digits")));
            }
            s.parse::<u32>()
                .map_err(|_| DateError(format!("`{text}`: {what} is out of range")))
        };
        if parts.is_empty() || parts.len() > 3 || parts[0].len() != 4 {
            return Err(DateError(format!(
                "`{text}` is not a date: expected YYYY, YYYY-MM or YYYY-MM-DD"
            )));
        }
        let year = num(parts[0], "the year")? as i32;
        let mut date = Date {
            year,
            month: None,
            day: None,
        };
        if let Some(m) = parts.get(1) {
            if m.len() != 2 {
                return Err(DateError(format!(
                    "`{text}`: the month must have two digits"
                )));
            }
            let month = num(m, "the month")?;
            if !(1..=12).contains(&month) {
                return Err(DateError(format!("`{text}`: month {month} is not 1 to 12")));
            }
            date.month = Some(month as u8);
        }
        if let Some(d) = parts.get(2) {
            if d.len() != 2 {
                return Err(DateError(format!("`{text}`: the day must have two digits")));
            }
            let day = num(d, "the day")?;
            let max = days_in_month(year, date.month.unwrap_or(1));
            if day < 1 || day > max as u32 {
                return Err(DateError(format!(
                    "`{text}`: day {day} is not in 1 to {max} for that month"
                )));
            }
            date.day = Some(day as u8);
        }
        Ok(date)
    }
}

/// The number of days in `month` of `year` (proleptic Gregorian calendar).
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Value {
    /// The Cypher type name of this value, as used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "Integer",
            Value::Float(_) => "Float",
            Value::String(_) => "String",
            Value::Date(_) => "Date",
            Value::List(_) => "List",
            Value::Map(_) => "Map",
            Value::Node(_) => "Node",
            Value::Relationship(_) => "Relationship",
            Value::Path(_) => "Path",
        }
    }

    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True when the value may be stored as a property: scalars, dates, and
    /// lists of those. Maps and graph elements are not storable (as in Cypher).
    pub fn is_storable(&self) -> bool {
        match self {
            Value::Null | Value::Map(_) | Value::Node(_) | Value::Relationship(_) => false,
            Value::Path(_) => false,
            Value::List(items) => items
                .iter()
                .all(|v| !matches!(v, Value::List(_)) && v.is_storable()),
            _ => true,
        }
    }

    /// The string inside a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl Default for Value {
    /// `Null`.
    fn default() -> Value {
        Value::Null
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Date> for Value {
    fn from(d: Date) -> Value {
        Value::Date(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_partial_and_full() {
        assert_eq!(Date::parse("2018").unwrap().to_string(), "2018");
        assert_eq!(Date::parse("2018-09").unwrap().to_string(), "2018-09");
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
    }

    #[test]
    fn bad_dates_are_rejected() {
        for bad in [
            "18",
            "2018-9",
            "2018-13",
            "2023-02-29",
            "2018-00",
            "x018",
            "2018-01-32",
            "",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn storable_values() {
        assert!(Value::Int(1).is_storable());
        assert!(Value::List(vec![Value::Int(1), Value::String("a".into())]).is_storable());
        assert!(!Value::List(vec![Value::List(vec![])]).is_storable());
        assert!(!Value::Map(ValueMap::default()).is_storable());
        assert!(!Value::Null.is_storable());
    }
}
