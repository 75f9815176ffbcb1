//! Running schema commands: `CREATE INDEX`, `DROP INDEX` and
//! `SHOW INDEXES`, as Neo4j 5 users write them.
//!
//! Creating and dropping are store mutations ([`Mutation::CreateIndex`],
//! [`Mutation::DropIndex`]): they are written to the write-ahead log like
//! any change, kept in snapshots, and undone with a failed statement.
//!
//! [`Mutation::CreateIndex`]: crate::store::Mutation::CreateIndex
//! [`Mutation::DropIndex`]: crate::store::Mutation::DropIndex

use crate::engine::{QueryResult, QueryStats};
use crate::error::{Error, ErrorKind, Phase, Result};
use crate::exec::store_error;
use crate::store::{Graph, IndexDef, IndexTarget};
use crate::syntax::ast::SchemaCommand;
use crate::value::Value;

/// The columns of `SHOW INDEXES`, as Neo4j names them.
pub const SHOW_COLUMNS: [&str; 9] = [
    "id",
    "name",
    "state",
    "populationPercent",
    "type",
    "entityType",
    "labelsOrTypes",
    "properties",
    "indexProvider",
];

/// Runs `cmd` inside the graph's open transaction; fills in the result's
/// columns, rows and counters (the caller commits, or rolls back on error).
pub fn run(graph: &mut Graph, cmd: &SchemaCommand, readonly: bool) -> Result<QueryResult> {
    let mut result = QueryResult::default();
    match cmd {
        SchemaCommand::ShowIndexes => {
            result.columns = SHOW_COLUMNS.iter().map(|c| c.to_string()).collect();
            let mut defs: Vec<(usize, &IndexDef)> = graph.index_defs().enumerate().collect();
            defs.sort_by(|a, b| a.1.name.cmp(&b.1.name));
            result.rows = defs.into_iter().map(|(i, d)| show_row(i + 1, d)).collect();
        }
        SchemaCommand::CreateIndex(c) => {
            refuse_readonly(readonly)?;
            let target = if c.relationship {
                IndexTarget::Relationship
            } else {
                IndexTarget::Node
            };
            let name = match &c.name {
                Some(n) => n.name.clone(),
                None => IndexDef::generated_name(target, &c.token.name, &c.property.name),
            };
            let def = IndexDef {
                name,
                target,
                token: c.token.name.clone(),
                property: c.property.name.clone(),
            };
            let exists = graph.index_named(&def.name).is_some()
                || graph.index_defs().any(|d| d.same_schema(&def));
            if !(c.if_not_exists && exists) {
                let span = c.name.as_ref().map_or(c.token.span, |n| n.span);
                graph
                    .create_index(def)
                    .map_err(|e| store_error(e, Some(span)))?;
                result.stats = QueryStats {
                    indexes_added: 1,
                    ..QueryStats::default()
                };
            }
        }
        SchemaCommand::DropIndex { name, if_exists } => {
            refuse_readonly(readonly)?;
            if graph.index_named(&name.name).is_some() || !if_exists {
                graph
                    .drop_index(&name.name)
                    .map_err(|e| store_error(e, Some(name.span)))?;
                result.stats = QueryStats {
                    indexes_removed: 1,
                    ..QueryStats::default()
                };
            }
        }
    }
    Ok(result)
}

/// One row of `SHOW INDEXES`.
fn show_row(id: usize, d: &IndexDef) -> Vec<Value> {
    let entity = match d.target {
        IndexTarget::Node => "NODE",
        IndexTarget::Relationship => "RELATIONSHIP",
    };
    vec![
        Value::Int(id as i64),
        Value::String(d.name.clone()),
        Value::String("ONLINE".into()),
        Value::Float(100.0),
        Value::String("RANGE".into()),
        Value::String(entity.into()),
        Value::List(vec![Value::String(d.token.clone())]),
        Value::List(vec![Value::String(d.property.clone())]),
        Value::String("range-1.0".into()),
    ]
}

fn refuse_readonly(readonly: bool) -> Result<()> {
    if readonly {
        return Err(Error::new(
            ErrorKind::Semantic,
            Phase::Compile,
            "ReadOnlyViolation",
            "creating or dropping an index writes to the graph, but the session is read-only",
        )
        .with_help("run without read-only mode"));
    }
    Ok(())
}
