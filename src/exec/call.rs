//! The `CALL` operator and the built-in procedures the registry of
//! procedures ([`crate::builtins::procedures`]) points to:
//! `db.labels()`, `db.relationshipTypes()`, `db.propertyKeys()`.

use std::collections::VecDeque;

use indexmap::IndexSet;

use super::{BoxOp, Ctx, Operator, Row};
use crate::error::Result;
use crate::plan::Procedure;
use crate::store::Graph;
use crate::value::Value;

/// Calls a procedure for each input row, one output row per result record.
pub struct CallOp<'p> {
    input: BoxOp<'p>,
    procedure: Procedure,
    yields: &'p [usize],
    ready: VecDeque<Row>,
}

impl<'p> CallOp<'p> {
    /// Calls `procedure`, binding the outputs at `yields`.
    pub fn new(input: BoxOp<'p>, procedure: Procedure, yields: &'p [usize]) -> Self {
        CallOp {
            input,
            procedure,
            yields,
            ready: VecDeque::new(),
        }
    }
}

/// The records a procedure returns, one value per output column.
pub fn records(graph: &Graph, p: Procedure) -> Vec<Vec<Value>> {
    p.records(graph)
}

fn one(s: &str) -> Vec<Value> {
    vec![Value::String(s.to_string())]
}

/// `db.labels()`: one record per label in use.
pub fn labels(graph: &Graph) -> Vec<Vec<Value>> {
    graph.labels().map(one).collect()
}

/// `db.relationshipTypes()`: one record per relationship type in use.
pub fn relationship_types(graph: &Graph) -> Vec<Vec<Value>> {
    graph.relation_types().map(one).collect()
}

/// `db.propertyKeys()`: one record per property key of nodes and
/// relationships, in first-seen order.
pub fn property_keys(graph: &Graph) -> Vec<Vec<Value>> {
    let mut keys: IndexSet<&str> = IndexSet::new();
    for e in graph.entities() {
        keys.extend(e.props.keys().map(|k| k.as_str()));
    }
    for r in graph.relations() {
        keys.extend(r.props.keys().map(|k| k.as_str()));
    }
    keys.into_iter().map(one).collect()
}

impl Operator for CallOp<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            if let Some(r) = self.ready.pop_front() {
                return Ok(Some(r));
            }
            let Some(row) = self.input.next(ctx)? else {
                return Ok(None);
            };
            for rec in records(ctx.graph(), self.procedure) {
                let mut out = row.clone();
                for &i in self.yields {
                    out.push(rec.get(i).cloned().unwrap_or(Value::Null));
                }
                self.ready.push_back(out);
            }
        }
    }
}
