//! The registry of procedures: one [`ProcedureDef`] per procedure `CALL`
//! can run, found by [`Procedure::by_name`].

use std::fmt;

use crate::store::Graph;
use crate::value::Value;

use super::CypherType;

/// The records a procedure returns over a graph, one value per yielded
/// column.
pub type ProcedureFn = fn(&Graph) -> Vec<Vec<Value>>;

/// One built-in procedure.
pub struct ProcedureDef {
    /// The dotted name (case-sensitive, as Neo4j's).
    pub name: &'static str,
    /// Its arguments: name and type.
    pub arguments: &'static [(&'static str, CypherType)],
    /// The columns it yields: name and type.
    pub yields: &'static [(&'static str, CypherType)],
    /// What it does, in one line.
    pub description: &'static str,
    /// How it is computed.
    pub implementation: ProcedureFn,
}

/// Every built-in procedure.
pub static PROCEDURES: &[ProcedureDef] = &[
    ProcedureDef {
        name: "db.labels",
        arguments: &[],
        yields: &[("label", CypherType::String)],
        description: "the node labels in use",
        implementation: crate::exec::call::labels,
    },
    ProcedureDef {
        name: "db.relationshipTypes",
        arguments: &[],
        yields: &[("relationshipType", CypherType::String)],
        description: "the relationship types in use",
        implementation: crate::exec::call::relationship_types,
    },
    ProcedureDef {
        name: "db.propertyKeys",
        arguments: &[],
        yields: &[("propertyKey", CypherType::String)],
        description: "the property keys of nodes and relationships",
        implementation: crate::exec::call::property_keys,
    },
    ProcedureDef {
        name: "dbms.functions",
        arguments: &[],
        yields: &[
            ("name", CypherType::String),
            ("signature", CypherType::String),
            ("kind", CypherType::String),
            ("description", CypherType::String),
        ],
        description: "the built-in functions, from the registry of functions",
        implementation: list_functions,
    },
    ProcedureDef {
        name: "dbms.procedures",
        arguments: &[],
        yields: &[
            ("name", CypherType::String),
            ("signature", CypherType::String),
            ("description", CypherType::String),
        ],
        description: "the built-in procedures, from this registry",
        implementation: list_procedures,
    },
];

impl ProcedureDef {
    /// The signature for listings: `db.labels() :: (label :: STRING)`.
    pub fn signature(&self) -> String {
        let typed = |items: &[(&str, CypherType)]| {
            items
                .iter()
                .map(|(n, t)| format!("{n} :: {t}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{}({}) :: ({})",
            self.name,
            typed(self.arguments),
            typed(self.yields)
        )
    }
}

fn text(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

/// `dbms.functions()`: one record per function.
fn list_functions(_: &Graph) -> Vec<Vec<Value>> {
    super::functions::FUNCTIONS
        .iter()
        .map(|f| {
            vec![
                text(f.name),
                text(f.signature()),
                text(f.kind.word()),
                text(f.description),
            ]
        })
        .collect()
}

/// `dbms.procedures()`: one record per procedure.
fn list_procedures(_: &Graph) -> Vec<Vec<Value>> {
    PROCEDURES
        .iter()
        .map(|p| vec![text(p.name), text(p.signature()), text(p.description)])
        .collect()
}

/// A procedure of the registry, as a plan holds it.
#[derive(Clone, Copy)]
pub struct Procedure(&'static ProcedureDef);

impl Procedure {
    /// The procedure with this (case-sensitive, dotted) name.
    pub fn by_name(name: &str) -> Option<Procedure> {
        PROCEDURES.iter().find(|p| p.name == name).map(Procedure)
    }

    /// Its registry entry.
    pub fn def(self) -> &'static ProcedureDef {
        self.0
    }

    /// The dotted name.
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// The names of the output columns.
    pub fn outputs(self) -> Vec<&'static str> {
        self.0.yields.iter().map(|(n, _)| *n).collect()
    }

    /// Runs it over `graph`: one record per result, one value per output.
    pub fn records(self, graph: &Graph) -> Vec<Vec<Value>> {
        (self.0.implementation)(graph)
    }
}

impl PartialEq for Procedure {
    /// Procedures compare by registry entry.
    fn eq(&self, other: &Procedure) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Procedure {}

impl fmt::Debug for Procedure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Procedure({})", self.0.name)
    }
}

/// The names of every procedure, for completion.
pub fn names() -> impl Iterator<Item = &'static str> {
    PROCEDURES.iter().map(|p| p.name)
}

/// The sentence listing the built-in procedures, for the help of an
/// unknown procedure: "the built-in procedures are a(), b() and c()".
pub fn help() -> String {
    let calls: Vec<String> = PROCEDURES.iter().map(|p| format!("{}()", p.name)).collect();
    let list = match calls.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    };
    format!("the built-in procedures are {list}")
}
