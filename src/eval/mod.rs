//! Expression evaluation: operators, three-valued logic, comparison and
//! ordering, functions and aggregate accumulators, over [`Value`]s.
//!
//! The evaluator knows nothing about clauses or plans. What it needs from the
//! executor (variable bindings, the graph, parameters, pattern matching for
//! pattern predicates and comprehensions) comes through the [`Env`] trait.

use indexmap::IndexMap;

use crate::error::{Error, Result};
use crate::store::Graph;
use crate::syntax::ast::{ExistsBody, Expr, PatternElement};
use crate::value::Value;

/// Query parameters: `$name` → value.
pub type Params = IndexMap<String, Value>;

/// What an expression can see while it is evaluated. Implemented by the
/// executor for its rows; the evaluator wraps it to add local variables
/// (list comprehensions, quantifiers, `reduce`).
pub trait Env {
    /// The graph that node and relationship values refer to.
    fn graph(&self) -> &Graph;
    /// The query parameters.
    fn params(&self) -> &Params;
    /// The value bound to a variable in the current row, if any.
    fn lookup(&self, name: &str) -> Option<&Value>;
    /// Matches `pattern` against the graph, starting from the current
    /// bindings (variables already bound must keep their values). Returns one
    /// entry per match, holding the variables the pattern introduces (and
    /// `path_variable`, if given, bound to the matched path).
    fn match_pattern(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
    ) -> Result<Vec<Vec<(String, Value)>>>;
    /// Evaluates `EXISTS { ... }` from the current bindings.
    fn exists(&self, body: &ExistsBody) -> Result<bool>;
}

/// Evaluates an expression that contains no aggregate function.
pub fn eval(expr: &Expr, _env: &dyn Env) -> Result<Value> {
    Err(Error::internal("the expression evaluator is not built yet").at(expr.span))
}

/// True when `name` (case-insensitive) is an aggregate function
/// (`count`, `sum`, `avg`, `min`, `max`, `collect`, `percentileDisc`, ...).
pub fn is_aggregate(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "count"
            | "sum"
            | "avg"
            | "min"
            | "max"
            | "collect"
            | "percentiledisc"
            | "percentilecont"
            | "stdev"
            | "stdevp"
    )
}

/// The number of arguments a known function takes, as (minimum, maximum;
/// `None` = unbounded), or `None` when no function has that name
/// (case-insensitive; dotted names joined with `.`).
pub fn function_arity(name: &str) -> Option<(usize, Option<usize>)> {
    let _ = name;
    None
}
