//! The registry of functions: one [`Function`] entry per name a query can
//! call, looked up case-insensitively by [`lookup`].

use crate::error::Result;
use crate::eval::functions as f;
use crate::eval::{AggregateKind, Env};
use crate::syntax::ast::Expr;
use crate::value::Value;

use super::{Arity, CypherType};

/// What sort of function an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// One value from the arguments of one row.
    Scalar,
    /// One value from the argument values of a group of rows.
    Aggregate,
    /// `all`, `any`, `none`, `single`: a predicate over a list, written
    /// `all(x IN list WHERE p)` and parsed as its own expression.
    ListPredicate,
    /// `reduce(acc = init, x IN list | step)`, parsed as its own expression.
    ListFold,
    /// `shortestPath(...)`, `allShortestPaths(...)`: a path search over a
    /// pattern, planned as a search.
    PathSearch,
}

impl FunctionKind {
    /// The kind in one word, for listings.
    pub fn word(self) -> &'static str {
        match self {
            FunctionKind::Scalar => "scalar",
            FunctionKind::Aggregate => "aggregate",
            FunctionKind::ListPredicate => "list predicate",
            FunctionKind::ListFold => "list fold",
            FunctionKind::PathSearch => "path search",
        }
    }
}

/// The type of a function's result (always possibly `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// A value of this type.
    Type(CypherType),
    /// A value of this type, which the checker does not assume: it has
    /// always typed these results as unknown, and assuming the type would
    /// turn queries that now give `null` (`toInteger(null) AND true`) into
    /// compile-time errors.
    Unchecked(CypherType),
    /// A value of its first argument's type (`tail`, `reverse`, `min`).
    FirstArgument,
    /// An element of its first argument, a list (`head`, `last`).
    ElementOfFirst,
    /// A list of its first argument's values (`collect`).
    ListOfFirst,
}

impl std::fmt::Display for Returns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Returns::Type(t) | Returns::Unchecked(t) => write!(f, "{t}"),
            Returns::FirstArgument => f.write_str("type of the argument"),
            Returns::ElementOfFirst => f.write_str("element of the list"),
            Returns::ListOfFirst => f.write_str("LIST of the argument's values"),
        }
    }
}

/// A scalar function being called: its name as written (for messages), its
/// evaluated arguments (as many as its [`Arity`] allows) and what the
/// expression can see.
pub struct ScalarCall<'a> {
    /// The name as written in the query, dotted parts joined.
    pub name: &'a str,
    /// The evaluated arguments.
    pub args: &'a [Value],
    /// The graph, parameters and resource guard of the evaluation.
    pub env: &'a dyn Env,
}

/// A scalar function of its evaluated arguments.
pub type ScalarFn = fn(&ScalarCall<'_>) -> Result<Value>;

/// A scalar function of its unevaluated arguments (it evaluates them
/// itself, in `env`).
pub type LazyFn = fn(args: &[Expr], env: &dyn Env) -> Result<Value>;

/// How a function is computed.
#[derive(Clone, Copy)]
pub enum Implementation {
    /// From its evaluated arguments.
    Scalar(ScalarFn),
    /// From its arguments as written: `coalesce` stops at the first
    /// non-null one, `exists` also takes a pattern.
    Lazy(LazyFn),
    /// Folded over a group's rows by an [`Aggregator`](crate::eval::Aggregator)
    /// of this kind.
    Aggregate(AggregateKind),
    /// Nothing to call: the parser reads it as its own expression, or the
    /// planner turns it into a search.
    Syntax,
}

impl std::fmt::Debug for Implementation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Implementation::Scalar(_) => f.write_str("Scalar"),
            Implementation::Lazy(_) => f.write_str("Lazy"),
            Implementation::Aggregate(k) => write!(f, "Aggregate({k:?})"),
            Implementation::Syntax => f.write_str("Syntax"),
        }
    }
}

/// One built-in function.
#[derive(Debug)]
pub struct Function {
    /// The canonical spelling (names are case-insensitive).
    pub name: &'static str,
    /// How many arguments it takes.
    pub arity: Arity,
    /// What sort of function it is.
    pub kind: FunctionKind,
    /// The type of its result.
    pub returns: Returns,
    /// The types its first argument may have; empty when any value is
    /// accepted (or the function checks it when called).
    pub first_argument: &'static [CypherType],
    /// What it does, in one line.
    pub description: &'static str,
    /// How it is computed.
    pub implementation: Implementation,
    /// Its rank among the names people write most (0 first), used to break
    /// ties between equally close suggestions; `None` for the others.
    pub common: Option<u8>,
}

impl Function {
    /// True for an aggregate function.
    pub fn is_aggregate(&self) -> bool {
        self.kind == FunctionKind::Aggregate
    }

    /// True when a query can call it by name (a scalar or an aggregate; the
    /// other kinds are written as their own expressions).
    pub fn is_callable(&self) -> bool {
        matches!(self.kind, FunctionKind::Scalar | FunctionKind::Aggregate)
    }

    /// The aggregate accumulator kind, for an aggregate.
    pub fn aggregate_kind(&self) -> Option<AggregateKind> {
        match self.implementation {
            Implementation::Aggregate(k) => Some(k),
            _ => None,
        }
    }

    /// The signature for listings: `substring(2 to 3 arguments) :: STRING`.
    pub fn signature(&self) -> String {
        let n = self.arity.describe();
        let plural = if n == "1" { "" } else { "s" };
        format!("{}({n} argument{plural}) :: {}", self.name, self.returns)
    }

    const fn with_first_argument(self, types: &'static [CypherType]) -> Function {
        Function {
            first_argument: types,
            ..self
        }
    }

    const fn ranked(self, rank: u8) -> Function {
        Function {
            common: Some(rank),
            ..self
        }
    }
}

const fn scalar(
    name: &'static str,
    arity: Arity,
    returns: Returns,
    description: &'static str,
    implementation: ScalarFn,
) -> Function {
    Function {
        name,
        arity,
        kind: FunctionKind::Scalar,
        returns,
        first_argument: &[],
        description,
        implementation: Implementation::Scalar(implementation),
        common: None,
    }
}

const fn lazy(
    name: &'static str,
    arity: Arity,
    returns: Returns,
    description: &'static str,
    implementation: LazyFn,
) -> Function {
    Function {
        name,
        arity,
        kind: FunctionKind::Scalar,
        returns,
        first_argument: &[],
        description,
        implementation: Implementation::Lazy(implementation),
        common: None,
    }
}

const fn aggregate(
    name: &'static str,
    arity: Arity,
    returns: Returns,
    description: &'static str,
    kind: AggregateKind,
) -> Function {
    Function {
        name,
        arity,
        kind: FunctionKind::Aggregate,
        returns,
        first_argument: &[],
        description,
        implementation: Implementation::Aggregate(kind),
        common: None,
    }
}

const fn syntax(
    name: &'static str,
    kind: FunctionKind,
    returns: Returns,
    description: &'static str,
) -> Function {
    Function {
        name,
        arity: Arity::exactly(1),
        kind,
        returns,
        first_argument: &[],
        description,
        implementation: Implementation::Syntax,
        common: None,
    }
}

use CypherType as T;

const BOOL: Returns = Returns::Type(T::Boolean);
const INT: Returns = Returns::Type(T::Integer);
const STR: Returns = Returns::Type(T::String);
const ANY: Returns = Returns::Type(T::Any);
const DATE: Returns = Returns::Type(T::Date);
const ONE: Arity = Arity::exactly(1);
const TWO: Arity = Arity::exactly(2);

/// Every built-in function, grouped by subject.
pub static FUNCTIONS: &[Function] = &[
    // ----- graph ---------------------------------------------------------
    scalar(
        "id",
        ONE,
        Returns::Unchecked(T::Integer),
        "the internal id of a node or relationship",
        f::id,
    )
    .with_first_argument(&[T::Node, T::Relationship])
    .ranked(13),
    scalar(
        "elementId",
        ONE,
        Returns::Unchecked(T::String),
        "the element id of a node (`n1`) or relationship (`r1`)",
        f::element_id,
    )
    .with_first_argument(&[T::Node, T::Relationship]),
    scalar(
        "labels",
        ONE,
        Returns::Type(T::List(&T::String)),
        "the labels of a node",
        f::labels,
    )
    .with_first_argument(&[T::Node])
    .ranked(11),
    scalar("type", ONE, STR, "the type of a relationship", f::rel_type)
        .with_first_argument(&[T::Relationship])
        .ranked(12),
    scalar(
        "keys",
        ONE,
        Returns::Type(T::List(&T::String)),
        "the property keys of a node, relationship or map",
        f::keys,
    )
    .with_first_argument(&[T::Node, T::Relationship, T::Map])
    .ranked(14),
    scalar(
        "properties",
        ONE,
        Returns::Type(T::Map),
        "the properties of a node or relationship as a map",
        f::properties,
    )
    .with_first_argument(&[T::Node, T::Relationship, T::Map]),
    scalar(
        "nodes",
        ONE,
        Returns::Type(T::List(&T::Node)),
        "the nodes of a path",
        f::nodes,
    )
    .with_first_argument(&[T::Path])
    .ranked(17),
    scalar(
        "relationships",
        ONE,
        Returns::Type(T::List(&T::Relationship)),
        "the relationships of a path",
        f::relationships,
    )
    .with_first_argument(&[T::Path])
    .ranked(18),
    scalar(
        "length",
        ONE,
        INT,
        "the number of relationships of a path",
        f::length,
    )
    .with_first_argument(&[T::Path, T::List(&T::Any), T::String])
    .ranked(16),
    scalar(
        "startNode",
        ONE,
        Returns::Type(T::Node),
        "the start node of a relationship",
        f::start_node,
    )
    .with_first_argument(&[T::Relationship]),
    scalar(
        "endNode",
        ONE,
        Returns::Type(T::Node),
        "the end node of a relationship",
        f::end_node,
    )
    .with_first_argument(&[T::Relationship]),
    lazy(
        "exists",
        ONE,
        BOOL,
        "true when a pattern has a match, or a value is not null",
        f::exists,
    )
    .ranked(15),
    // ----- kg --------------------------------------------------------------
    scalar(
        "key",
        ONE,
        Returns::Unchecked(T::String),
        "kg: the key of a node",
        f::key,
    ),
    scalar(
        "aliases",
        ONE,
        Returns::Unchecked(T::List(&T::String)),
        "kg: the aliases of a node",
        f::aliases,
    ),
    scalar(
        "sources",
        ONE,
        Returns::Unchecked(T::List(&T::Map)),
        "kg: the citations of a node or relationship, as {article, sentence} maps",
        f::sources,
    ),
    // ----- lists -----------------------------------------------------------
    scalar(
        "size",
        ONE,
        INT,
        "the number of elements of a list or characters of a string",
        f::size,
    )
    .with_first_argument(&[T::List(&T::Any), T::String])
    .ranked(6),
    scalar(
        "head",
        ONE,
        Returns::ElementOfFirst,
        "the first element of a list",
        f::head,
    ),
    scalar(
        "last",
        ONE,
        Returns::ElementOfFirst,
        "the last element of a list",
        f::last,
    ),
    scalar(
        "tail",
        ONE,
        Returns::FirstArgument,
        "a list without its first element",
        f::tail,
    ),
    scalar(
        "range",
        Arity::between(2, 3),
        Returns::Type(T::List(&T::Integer)),
        "the integers from start to end (inclusive), by step",
        f::range,
    )
    .ranked(19),
    scalar(
        "reverse",
        ONE,
        Returns::FirstArgument,
        "a list or string in reverse order",
        f::reverse,
    ),
    lazy(
        "coalesce",
        Arity::at_least(1),
        ANY,
        "the first argument that is not null",
        f::coalesce,
    )
    .ranked(10),
    scalar(
        "isEmpty",
        ONE,
        BOOL,
        "true for an empty list, string or map",
        f::is_empty,
    ),
    // ----- conversion ------------------------------------------------------
    scalar(
        "toInteger",
        ONE,
        Returns::Unchecked(T::Integer),
        "a number, boolean or string as an integer (null when it cannot be read)",
        f::to_integer,
    )
    .ranked(8),
    scalar(
        "toIntegerOrNull",
        ONE,
        Returns::Unchecked(T::Integer),
        "like toInteger, null instead of an error",
        f::to_integer_or_null,
    ),
    scalar(
        "toFloat",
        ONE,
        Returns::Unchecked(T::Float),
        "a number or string as a float (null when it cannot be read)",
        f::to_float,
    )
    .ranked(9),
    scalar(
        "toFloatOrNull",
        ONE,
        Returns::Unchecked(T::Float),
        "like toFloat, null instead of an error",
        f::to_float_or_null,
    ),
    scalar(
        "toString",
        ONE,
        STR,
        "a number, boolean, string or date as a string",
        f::to_string,
    )
    .ranked(7),
    scalar(
        "toStringOrNull",
        ONE,
        Returns::Unchecked(T::String),
        "like toString, null instead of an error",
        f::to_string_or_null,
    ),
    scalar(
        "toBoolean",
        ONE,
        Returns::Unchecked(T::Boolean),
        "a boolean, integer or string as a boolean",
        f::to_boolean,
    ),
    scalar(
        "toBooleanOrNull",
        ONE,
        Returns::Unchecked(T::Boolean),
        "like toBoolean, null instead of an error",
        f::to_boolean_or_null,
    ),
    scalar(
        "toIntegerList",
        ONE,
        Returns::Unchecked(T::List(&T::Integer)),
        "each element converted with toIntegerOrNull",
        f::to_integer_list,
    ),
    scalar(
        "toFloatList",
        ONE,
        Returns::Unchecked(T::List(&T::Float)),
        "each element converted with toFloatOrNull",
        f::to_float_list,
    ),
    scalar(
        "toStringList",
        ONE,
        Returns::Unchecked(T::List(&T::String)),
        "each element converted with toStringOrNull",
        f::to_string_list,
    ),
    scalar(
        "toBooleanList",
        ONE,
        Returns::Unchecked(T::List(&T::Boolean)),
        "each element converted with toBooleanOrNull",
        f::to_boolean_list,
    ),
    // ----- strings ---------------------------------------------------------
    scalar("toUpper", ONE, STR, "a string in upper case", f::to_upper).ranked(21),
    scalar("toLower", ONE, STR, "a string in lower case", f::to_lower).ranked(20),
    scalar(
        "upper",
        ONE,
        Returns::Unchecked(T::String),
        "a string in upper case (toUpper)",
        f::to_upper,
    ),
    scalar(
        "lower",
        ONE,
        Returns::Unchecked(T::String),
        "a string in lower case (toLower)",
        f::to_lower,
    ),
    scalar(
        "trim",
        ONE,
        STR,
        "a string without leading and trailing whitespace",
        f::trim,
    ),
    scalar(
        "ltrim",
        ONE,
        STR,
        "a string without leading whitespace",
        f::ltrim,
    ),
    scalar(
        "rtrim",
        ONE,
        STR,
        "a string without trailing whitespace",
        f::rtrim,
    ),
    scalar(
        "replace",
        Arity::exactly(3),
        STR,
        "a string with every occurrence of a search string replaced",
        f::replace,
    ),
    scalar(
        "substring",
        Arity::between(2, 3),
        STR,
        "part of a string, from a 0-based start, of a length",
        f::substring,
    )
    .ranked(23),
    scalar(
        "left",
        TWO,
        STR,
        "the first n characters of a string",
        f::left,
    ),
    scalar(
        "right",
        TWO,
        STR,
        "the last n characters of a string",
        f::right,
    ),
    scalar(
        "split",
        TWO,
        Returns::Type(T::List(&T::String)),
        "the pieces of a string between separators",
        f::split,
    )
    .ranked(22),
    // ----- numbers ---------------------------------------------------------
    scalar(
        "abs",
        ONE,
        ANY,
        "the absolute value of a number (integer or float, as given)",
        f::abs,
    ),
    scalar(
        "ceil",
        ONE,
        Returns::Unchecked(T::Float),
        "the smallest integral float not below a number",
        f::ceil,
    ),
    scalar(
        "floor",
        ONE,
        Returns::Unchecked(T::Float),
        "the largest integral float not above a number",
        f::floor,
    ),
    scalar(
        "round",
        ONE,
        Returns::Unchecked(T::Float),
        "a number rounded half up to an integral float",
        f::round,
    ),
    scalar(
        "sign",
        ONE,
        Returns::Unchecked(T::Integer),
        "-1, 0 or 1: the sign of a number",
        f::sign,
    ),
    scalar(
        "sqrt",
        ONE,
        Returns::Unchecked(T::Float),
        "the square root of a number",
        f::sqrt,
    ),
    scalar(
        "rand",
        Arity::exactly(0),
        Returns::Unchecked(T::Float),
        "a random float in [0, 1)",
        f::rand,
    ),
    scalar(
        "log",
        ONE,
        Returns::Unchecked(T::Float),
        "the natural logarithm of a number",
        f::log,
    ),
    scalar(
        "log10",
        ONE,
        Returns::Unchecked(T::Float),
        "the base-10 logarithm of a number",
        f::log10,
    ),
    scalar(
        "exp",
        ONE,
        Returns::Unchecked(T::Float),
        "e raised to a number",
        f::exp,
    ),
    scalar(
        "e",
        Arity::exactly(0),
        Returns::Unchecked(T::Float),
        "the base of the natural logarithm",
        f::e,
    ),
    scalar(
        "pi",
        Arity::exactly(0),
        Returns::Unchecked(T::Float),
        "the ratio of a circle's circumference to its diameter",
        f::pi,
    ),
    scalar(
        "sin",
        ONE,
        Returns::Unchecked(T::Float),
        "the sine of an angle in radians",
        f::sin,
    ),
    scalar(
        "cos",
        ONE,
        Returns::Unchecked(T::Float),
        "the cosine of an angle in radians",
        f::cos,
    ),
    scalar(
        "tan",
        ONE,
        Returns::Unchecked(T::Float),
        "the tangent of an angle in radians",
        f::tan,
    ),
    scalar(
        "cot",
        ONE,
        Returns::Unchecked(T::Float),
        "the cotangent of an angle in radians",
        f::cot,
    ),
    scalar(
        "asin",
        ONE,
        Returns::Unchecked(T::Float),
        "the arcsine of a number, in radians",
        f::asin,
    ),
    scalar(
        "acos",
        ONE,
        Returns::Unchecked(T::Float),
        "the arccosine of a number, in radians",
        f::acos,
    ),
    scalar(
        "atan",
        ONE,
        Returns::Unchecked(T::Float),
        "the arctangent of a number, in radians",
        f::atan,
    ),
    scalar(
        "atan2",
        TWO,
        Returns::Unchecked(T::Float),
        "the angle of the point (x, y) given as (y, x), in radians",
        f::atan2,
    ),
    scalar(
        "degrees",
        ONE,
        Returns::Unchecked(T::Float),
        "radians converted to degrees",
        f::degrees,
    ),
    scalar(
        "radians",
        ONE,
        Returns::Unchecked(T::Float),
        "degrees converted to radians",
        f::radians,
    ),
    scalar(
        "isNaN",
        ONE,
        Returns::Unchecked(T::Boolean),
        "true when a number is not a number (NaN)",
        f::is_nan,
    ),
    // ----- dates -----------------------------------------------------------
    scalar(
        "date",
        Arity::between(0, 1),
        DATE,
        "today, or a date from a string or map (kg keeps year or month precision)",
        f::date,
    ),
    scalar(
        "date.truncate",
        Arity::between(2, 3),
        DATE,
        "a date truncated to a unit ('year', 'month', ...)",
        f::date_truncate,
    ),
    // ----- aggregates ------------------------------------------------------
    aggregate(
        "count",
        ONE,
        INT,
        "the number of non-null values (count(*): of rows)",
        AggregateKind::Count,
    )
    .ranked(0),
    aggregate(
        "sum",
        ONE,
        ANY,
        "the sum of numbers (an integer when all are integers)",
        AggregateKind::Sum,
    )
    .ranked(2),
    aggregate("avg", ONE, ANY, "the mean of numbers", AggregateKind::Avg).ranked(3),
    aggregate(
        "min",
        ONE,
        Returns::FirstArgument,
        "the smallest value",
        AggregateKind::Min,
    )
    .ranked(4),
    aggregate(
        "max",
        ONE,
        Returns::FirstArgument,
        "the largest value",
        AggregateKind::Max,
    )
    .ranked(5),
    aggregate(
        "collect",
        ONE,
        Returns::ListOfFirst,
        "the non-null values as a list, in row order",
        AggregateKind::Collect,
    )
    .ranked(1),
    aggregate(
        "percentileDisc",
        TWO,
        ANY,
        "the value at a percentile (0.0 to 1.0), nearest rank",
        AggregateKind::PercentileDisc,
    ),
    aggregate(
        "percentileCont",
        TWO,
        ANY,
        "the value at a percentile (0.0 to 1.0), interpolated",
        AggregateKind::PercentileCont,
    ),
    aggregate(
        "stDev",
        ONE,
        ANY,
        "the sample standard deviation of numbers",
        AggregateKind::StDev,
    ),
    aggregate(
        "stDevP",
        ONE,
        ANY,
        "the population standard deviation of numbers",
        AggregateKind::StDevP,
    ),
    // ----- written like calls ----------------------------------------------
    syntax(
        "all",
        FunctionKind::ListPredicate,
        BOOL,
        "all(x IN list WHERE p): true when p holds for every element",
    ),
    syntax(
        "any",
        FunctionKind::ListPredicate,
        BOOL,
        "any(x IN list WHERE p): true when p holds for some element",
    ),
    syntax(
        "none",
        FunctionKind::ListPredicate,
        BOOL,
        "none(x IN list WHERE p): true when p holds for no element",
    ),
    syntax(
        "single",
        FunctionKind::ListPredicate,
        BOOL,
        "single(x IN list WHERE p): true when p holds for exactly one element",
    ),
    syntax(
        "reduce",
        FunctionKind::ListFold,
        ANY,
        "reduce(acc = init, x IN list | step): folds a list into one value",
    ),
    syntax(
        "shortestPath",
        FunctionKind::PathSearch,
        Returns::Type(T::Path),
        "a shortest path matching a pattern",
    ),
    syntax(
        "allShortestPaths",
        FunctionKind::PathSearch,
        Returns::Type(T::List(&T::Path)),
        "every shortest path matching a pattern",
    ),
];

/// The function called `name` (case-insensitive; dotted names joined with
/// `.`), if there is one.
pub fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// The rank of `name` among the names people write most (0 first), when it
/// names a function that has one (case-insensitive).
pub fn commonness(name: &str) -> Option<u8> {
    lookup(name).and_then(|f| f.common)
}

/// The names of the functions a query can call by name (scalars and
/// aggregates), for "did you mean" hints.
pub fn callable_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().filter(|f| f.is_callable()).map(|f| f.name)
}

/// Every name in the registry, including those written as their own
/// expressions (`all`, `reduce`, `shortestPath`), for completion.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|f| f.name)
}
