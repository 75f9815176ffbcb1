//! The built-in functions and procedures, each described once.
//!
//! - [`functions`]: every function a query can call (scalar, aggregate,
//!   and the list predicates and path searches written like calls), with
//!   its arity, kind, result type, description and implementation;
//! - [`procedures`]: every procedure `CALL` can run, with its arguments,
//!   yielded columns, description and implementation.
//!
//! The parser resolves a call's name here once (see
//! [`FunctionName`](crate::syntax::ast::FunctionName)); the checker reports
//! unknown names and wrong arities from these entries; the evaluator calls
//! the resolved entry directly; the planner binds `CALL` to a procedure
//! entry; the shell completes and highlights the names listed here.

pub mod functions;
pub mod procedures;

use std::fmt;

pub use functions::{Function, FunctionKind, Implementation, Returns, ScalarCall};
pub use procedures::{Procedure, ProcedureDef};

/// A Cypher value type, as the registry describes arguments and results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CypherType {
    /// Any value: the type depends on the input or is not pinned down.
    Any,
    /// `BOOLEAN`.
    Boolean,
    /// `INTEGER`.
    Integer,
    /// `FLOAT`.
    Float,
    /// `STRING`.
    String,
    /// `DATE`.
    Date,
    /// `MAP`.
    Map,
    /// `NODE`.
    Node,
    /// `RELATIONSHIP`.
    Relationship,
    /// `PATH`.
    Path,
    /// `LIST<element>`.
    List(&'static CypherType),
}

impl fmt::Display for CypherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self {
            CypherType::Any => "ANY",
            CypherType::Boolean => "BOOLEAN",
            CypherType::Integer => "INTEGER",
            CypherType::Float => "FLOAT",
            CypherType::String => "STRING",
            CypherType::Date => "DATE",
            CypherType::Map => "MAP",
            CypherType::Node => "NODE",
            CypherType::Relationship => "RELATIONSHIP",
            CypherType::Path => "PATH",
            CypherType::List(elem) => return write!(f, "LIST<{elem}>"),
        };
        f.write_str(word)
    }
}

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arity {
    /// The fewest.
    pub min: usize,
    /// The most; `None` when any number from `min` on is accepted.
    pub max: Option<usize>,
}

impl Arity {
    /// Exactly `n` arguments.
    pub const fn exactly(n: usize) -> Arity {
        Arity {
            min: n,
            max: Some(n),
        }
    }

    /// From `min` to `max` arguments.
    pub const fn between(min: usize, max: usize) -> Arity {
        Arity {
            min,
            max: Some(max),
        }
    }

    /// At least `min` arguments.
    pub const fn at_least(min: usize) -> Arity {
        Arity { min, max: None }
    }

    /// True when a call with `n` arguments is well-formed.
    pub fn accepts(self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }

    /// The accepted counts in words: `1`, `2 to 3`, `at least 1`.
    pub fn describe(self) -> String {
        match self.max {
            Some(m) if m == self.min => format!("{m}"),
            Some(m) => format!("{} to {m}", self.min),
            None => format!("at least {}", self.min),
        }
    }
}

#[cfg(test)]
mod tests;
