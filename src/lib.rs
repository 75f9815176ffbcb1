//! kg: a knowledge-graph engine with an openCypher query language,
//! per-fact provenance and multilingual entity resolution.
//!
//! The pipeline, one module per stage:
//! text → [`syntax`] (pest pairs → AST) → [`semantic`] (static checks) →
//! [`plan`] (logical plan) → [`exec`] (executor over the [`store`], with
//! [`eval`] for expressions) → rows of [`value::Value`] in a
//! [`engine::QueryResult`] → [`output`] (table, JSON, CSV, DOT).
//! Facts enter through [`facts`].

pub mod batch;
pub mod builtins;
pub mod db;
pub mod engine;
pub mod error;
pub mod eval;
pub mod exec;
pub mod facts;
pub mod generate;
pub mod hint;
pub mod io;
pub mod json_params;
pub mod limits;
pub mod notify;
pub mod output;
pub mod plan;
pub mod schema;
pub mod script;
pub mod semantic;
pub mod shell;
pub mod store;
pub mod syntax;
pub mod trace;
pub mod value;

pub use engine::{Engine, QueryResult, QueryStats, RunOptions, Timings};
pub use error::{Error, ErrorKind, Phase, Span};
pub use eval::Params;
pub use store::Graph;
pub use value::Value;
