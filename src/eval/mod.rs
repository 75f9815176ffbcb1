//! Expression evaluation: operators, three-valued logic, comparison and
//! ordering, functions and aggregate accumulators, over [`Value`]s.
//!
//! The evaluator knows nothing about clauses or plans. What it needs from the
//! executor (variable bindings, the graph, parameters, pattern matching for
//! pattern predicates and comprehensions) comes through the [`Env`] trait.
//!
//! - [`eval`]: the tree-walking evaluator (`expr.rs`), with local variables
//!   laid over the executor's [`Env`];
//! - [`compare`](mod@compare): equality, comparison, the total order and equivalence
//!   ([`HashKey`]) of values, and [`truthy`];
//! - [`ops`]: operators on values (arithmetic, logic, strings, `IN`);
//! - scalar functions (`functions.rs`) and dates (`dates.rs`), which the
//!   registry of functions ([`crate::builtins::functions`]) points to; the
//!   evaluator calls the entry a call's name was resolved to when parsed;
//! - [`aggregate`]: the [`Aggregator`] accumulators and helpers to find
//!   aggregate calls in expressions.
//!
//! kg extensions: `key(n)`, `aliases(n)`, `sources(x)`, and the virtual
//! properties `n.key`, `n.aliases`, `n.sources`, `r.sources` (when no real
//! property has that name). Dates may be partial: `date('2018-09')` keeps
//! the month precision of fact files, while maps and the other ISO forms
//! build full dates.

pub mod aggregate;
pub mod compare;
mod dates;
mod errors;
mod expr;
pub(crate) mod functions;
pub mod ops;

use indexmap::IndexMap;

use crate::error::Result;
use crate::limits::Guard;
use crate::store::{Graph, Relation, RelationId};
use crate::syntax::ast::{ExistsBody, Expr, PatternElement};
use crate::value::Value;

/// Query parameters: `$name` → value.
pub type Params = IndexMap<String, Value>;

/// What an expression can see while it is evaluated. Implemented by the
/// executor for its rows; the evaluator wraps it to add local variables
/// (list comprehensions, quantifiers, `reduce`).
///
/// Pattern matching gets a `scope`: the environment in which bound variables
/// are looked up and inline property expressions are evaluated. It is `self`
/// when the evaluator calls the executor directly, or an evaluator overlay of
/// `self` carrying local variables (as in `[x IN nodes | size([(x)-->() | 1])]`).
/// Implementations must read bindings through `scope`, never through `self`.
pub trait Env {
    /// The graph that node and relationship values refer to.
    fn graph(&self) -> &Graph;
    /// The query parameters.
    fn params(&self) -> &Params;
    /// The value bound to a variable in the current row, if any.
    fn lookup(&self, name: &str) -> Option<&Value>;
    /// Matches `pattern` against the graph, starting from the bindings seen
    /// through `scope` (variables already bound must keep their values).
    /// Returns one entry per match, holding the variables the pattern
    /// introduces (and `path_variable`, if given, bound to the matched path).
    fn match_pattern(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        scope: &dyn Env,
    ) -> Result<Vec<Vec<(String, Value)>>>;
    /// [`Env::match_pattern`], keeping only the matches for which
    /// `predicate` (a comprehension's `WHERE`, over the pattern's variables
    /// and those seen through `scope`) holds. The default tests each match;
    /// the executor plans the predicate into the match instead.
    fn match_pattern_where(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        predicate: Option<&Expr>,
        scope: &dyn Env,
    ) -> Result<Vec<Vec<(String, Value)>>> {
        let matches = self.match_pattern(pattern, path_variable, scope)?;
        match predicate {
            Some(p) => expr::keep_matching(matches, p, scope),
            None => Ok(matches),
        }
    }
    /// How many matches [`Env::match_pattern_where`] would return. The
    /// default collects them; the executor counts without building them.
    fn count_pattern(
        &self,
        pattern: &PatternElement,
        path_variable: Option<&str>,
        predicate: Option<&Expr>,
        scope: &dyn Env,
    ) -> Result<usize> {
        Ok(self
            .match_pattern_where(pattern, path_variable, predicate, scope)?
            .len())
    }
    /// True when `pattern` matches at least once from the bindings seen
    /// through `scope` (a pattern predicate). The default matches them all;
    /// the executor stops at the first.
    fn pattern_exists(&self, pattern: &PatternElement, scope: &dyn Env) -> Result<bool> {
        Ok(!self.match_pattern(pattern, None, scope)?.is_empty())
    }
    /// Evaluates `EXISTS { ... }` from the bindings seen through `scope`.
    fn exists(&self, body: &ExistsBody, scope: &dyn Env) -> Result<bool>;
    /// The value of an aggregate call (`count(*)`, `sum(x)`, ...) already
    /// computed for the current group, when evaluating an expression that
    /// contains aggregates after grouping (`RETURN count(*) + 1`). `expr` is
    /// the aggregate call node itself, as it appears in the AST being
    /// evaluated (identify it by address, `std::ptr::eq`, or by its span).
    /// The default knows none, and evaluating an aggregate then fails.
    fn aggregate(&self, expr: &Expr) -> Option<Value> {
        let _ = expr;
        None
    }
    /// A relationship deleted earlier in the current query. openCypher still
    /// allows `type(r)` on it (property access fails with
    /// `DeletedEntityAccess`). The default knows none.
    fn deleted_relation(&self, id: RelationId) -> Option<&Relation> {
        let _ = id;
        None
    }
    /// The statement's resource guard (time, cancellation, memory), checked
    /// inside long loops and before big values are built. The default has
    /// none: nothing is limited.
    fn guard(&self) -> Option<&Guard> {
        None
    }
}

pub use aggregate::{
    aggregate_call, aggregates_in, contains_aggregate, AggregateCall, AggregateKind, Aggregator,
};
pub use compare::{compare, equals, equivalent, order, truthy, HashKey};
pub use expr::{index_value, property, slice};
pub use functions::IntRange;
pub use ops::format_float;

/// Evaluates an expression. Aggregate calls inside it are looked up with
/// [`Env::aggregate`] (an error when the environment has no value for them).
/// Errors carry the span of the innermost sub-expression that raised them.
pub fn eval(expr: &Expr, env: &dyn Env) -> Result<Value> {
    expr::eval_expr(expr, env)
}

/// True when `name` (case-insensitive) is an aggregate function
/// (`count`, `sum`, `avg`, `min`, `max`, `collect`, `percentileDisc`, ...),
/// as the registry of functions says.
pub fn is_aggregate(name: &str) -> bool {
    crate::builtins::functions::lookup(name).is_some_and(|f| f.is_aggregate())
}

/// The number of arguments a function a query can call takes, as (minimum,
/// maximum; `None` = unbounded), or `None` when no such function has that
/// name (case-insensitive; dotted names joined with `.`).
pub fn function_arity(name: &str) -> Option<(usize, Option<usize>)> {
    crate::builtins::functions::lookup(name)
        .filter(|f| f.is_callable())
        .map(|f| (f.arity.min, f.arity.max))
}

/// The canonical spelling of every function a query can call (scalar and
/// aggregate), for "did you mean" hints.
pub fn function_names() -> impl Iterator<Item = &'static str> {
    crate::builtins::functions::callable_names()
}

#[cfg(test)]
mod tests;
