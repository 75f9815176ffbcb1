//! Schema commands (`CREATE INDEX`, `DROP INDEX`, `SHOW INDEXES`): told
//! apart from queries by their first words and built into
//! [`SchemaCommand`]s.

use pest::Parser as _;

use super::ast::{CreateIndex, SchemaCommand};
use super::errors;
use super::parser::{ident, name_ident, span, Children, CypherParser, Rule, P};
use crate::error::{Error, Result};

/// True when `text` starts like a schema command (`CREATE INDEX`,
/// `DROP INDEX`, `SHOW INDEXES`, after any comments).
pub(crate) fn is_schema(text: &str) -> bool {
    CypherParser::parse(Rule::schema_head, text).is_ok()
}

/// Parses a whole schema command.
pub(crate) fn parse(text: &str) -> Result<SchemaCommand> {
    errors::precheck(text)?;
    errors::configure_pest();
    let mut pairs = CypherParser::parse(Rule::schema_statement, text)
        .map_err(|e| errors::detailed_error_for(Rule::schema_statement, text, &e))?;
    let stmt = pairs
        .next()
        .ok_or_else(|| Error::internal("schema parser: no statement"))?;
    let mut c = Children::of(stmt);
    let cmd = c.next("schema command")?;
    match cmd.as_rule() {
        Rule::create_index => create(cmd),
        Rule::drop_index => {
            let mut c = Children::of(cmd);
            c.expect(Rule::kw_drop)?;
            c.expect(Rule::kw_index)?;
            let name = name_ident(c.next("index name")?)?;
            let if_exists = c.eat(Rule::if_exists);
            Ok(SchemaCommand::DropIndex { name, if_exists })
        }
        Rule::show_indexes => Ok(SchemaCommand::ShowIndexes),
        other => Err(Error::internal(format!(
            "schema parser: unexpected {other:?}"
        ))),
    }
}

fn create(p: P) -> Result<SchemaCommand> {
    let mut c = Children::of(p);
    c.expect(Rule::kw_create)?;
    c.eat(Rule::kw_range);
    c.expect(Rule::kw_index)?;
    let name = match c.take(Rule::index_name) {
        Some(n) => Some(name_ident(Children::of(n).next("index name")?)?),
        None => None,
    };
    let if_not_exists = c.eat(Rule::if_not_exists);
    c.expect(Rule::kw_for)?;
    let pattern = c.next("index pattern")?;
    let relationship = pattern.as_rule() == Rule::index_rel;
    let mut pc = Children::of(pattern);
    pc.take(Rule::left_arrow);
    let var = ident(pc.expect(Rule::variable)?)?;
    let token = ident(pc.expect(Rule::schema_name)?)?;
    c.expect(Rule::kw_on)?;
    let props: Vec<P> = c.rest().collect();
    if props.len() > 1 {
        return Err(Error::syntax(
            "UnsupportedIndex",
            "an index covers one property: composite indexes (several properties) are not supported",
            span(&props[1]),
        )
        .with_help("create one index per property"));
    }
    let Some(prop) = props.into_iter().next() else {
        return Err(Error::internal("schema parser: no indexed property"));
    };
    let mut prc = Children::of(prop);
    let owner = ident(prc.expect(Rule::variable)?)?;
    let property = ident(prc.expect(Rule::schema_name)?)?;
    if owner.name != var.name {
        return Err(Error::syntax(
            "UndefinedVariable",
            format!(
                "the indexed property must belong to `{}`, the variable of the FOR pattern, not `{}`",
                var.name, owner.name
            ),
            owner.span,
        ));
    }
    Ok(SchemaCommand::CreateIndex(CreateIndex {
        name,
        if_not_exists,
        relationship,
        token,
        property,
    }))
}
