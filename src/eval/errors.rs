//! Constructors for the runtime errors the evaluator raises, with the
//! openCypher TCK's error types and detail codes.

use crate::error::{Error, ErrorKind, Phase};

/// `TypeError: InvalidArgumentType`: an operand or argument of the wrong type.
pub(crate) fn invalid_type(message: impl Into<String>) -> Error {
    Error::runtime(ErrorKind::Type, "InvalidArgumentType", message)
}

/// `TypeError: InvalidArgumentValue`: a function got a value of a type it
/// cannot convert or inspect (`toInteger([])`, `labels(1)`).
pub(crate) fn invalid_value(message: impl Into<String>) -> Error {
    Error::runtime(ErrorKind::Type, "InvalidArgumentValue", message)
}

/// `ArgumentError: <code>`: a bad argument value (`range(1, 2, 0)`).
pub(crate) fn argument(code: &'static str, message: impl Into<String>) -> Error {
    Error::runtime(ErrorKind::Argument, code, message)
}

/// `ArithmeticError: <code>`: integer overflow, division by zero.
pub(crate) fn arithmetic(code: &'static str, message: impl Into<String>) -> Error {
    Error::runtime(ErrorKind::Arithmetic, code, message)
}

/// `EntityNotFound: DeletedEntityAccess`.
pub(crate) fn deleted(what: &str) -> Error {
    Error::runtime(
        ErrorKind::EntityNotFound,
        "DeletedEntityAccess",
        format!("{what} was deleted earlier in this query and can no longer be read"),
    )
}

/// `ParameterMissing: MissingParameter` (a compile-time error in the TCK).
pub(crate) fn missing_parameter(name: &str) -> Error {
    Error::new(
        ErrorKind::ParameterMissing,
        Phase::Compile,
        "MissingParameter",
        format!("parameter `${name}` was not given"),
    )
}

/// `SyntaxError: UnknownFunction`.
pub(crate) fn unknown_function(name: &str) -> Error {
    Error::new(
        ErrorKind::Syntax,
        Phase::Compile,
        "UnknownFunction",
        format!("unknown function `{name}`"),
    )
}

/// `SyntaxError: InvalidNumberOfArguments`.
pub(crate) fn arity(name: &str, min: usize, max: Option<usize>, got: usize) -> Error {
    let expected = match max {
        Some(m) if m == min => format!("{min}"),
        Some(m) => format!("{min} to {m}"),
        None => format!("at least {min}"),
    };
    Error::new(
        ErrorKind::Syntax,
        Phase::Compile,
        "InvalidNumberOfArguments",
        format!("`{name}` takes {expected} argument(s), got {got}"),
    )
}
