//! Stage 1: query text → pest pairs → [`ast::Statement`].
//!
//! The grammar is `grammar/cypher.pest`. Errors name the line and column and
//! say what was expected in words a user knows, never pest rule names.
//! The AST prints back as Cypher (`Display`, in `print.rs`).

pub mod ast;
mod errors;
mod expr;
mod literal;
mod parser;
mod print;
mod schema;

#[cfg(test)]
mod tests;

pub(crate) use expr::with_stack;

use crate::error::Result;

/// Parses one openCypher statement (optionally prefixed by `EXPLAIN` or
/// `PROFILE`; a trailing `;` is allowed).
pub fn parse(text: &str) -> Result<ast::Statement> {
    parser::parse_statement(text)
}

/// True when `text` is a schema command (`CREATE INDEX`, `DROP INDEX`,
/// `SHOW INDEXES`) rather than a query: parse it with [`parse_schema`].
pub fn is_schema_command(text: &str) -> bool {
    schema::is_schema(text)
}

/// Parses a schema command (see [`is_schema_command`]).
pub fn parse_schema(text: &str) -> Result<ast::SchemaCommand> {
    schema::parse(text)
}
