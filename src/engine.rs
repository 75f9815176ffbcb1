//! The engine: a graph plus the query pipeline
//! (parse → check → plan → execute), all-or-nothing per statement.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Phase, Result};
use crate::eval::Params;
use crate::exec::{Ctx, Guard};
use crate::plan::explain::render;
use crate::plan::QueryPlan;
use crate::store::{Graph, Mutation};
use crate::syntax::ast::StatementMode;
use crate::value::Value;

/// From this many relations on, read-only statements traverse through the
/// compact adjacency layout (built on first use, dropped by writes).
pub const ADJACENCY_MIN_RELATIONS: usize = 4096;

/// Options for one statement.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Set to `true` from another thread (e.g. on Ctrl-C) to stop the query.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Stop the query with a `Timeout` error after this long.
    pub timeout: Option<Duration>,
    /// Refuse statements that write.
    pub readonly: bool,
    /// Stop the query with a `MemoryLimit` error when it needs more than
    /// this many bytes (estimated); `None`: the default budget,
    /// [`crate::limits::default_memory_limit`]; `Some(u64::MAX)`: no limit.
    pub max_memory: Option<u64>,
    /// Run the plan as built: no optimizer rule and none of the executor's
    /// data-dependent fast paths (`kg --no-optimize`; the oracle the
    /// optimized path is tested against).
    pub no_optimize: bool,
}

/// What a statement changed (the counters Neo4j and the TCK report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryStats {
    /// Entities created.
    pub nodes_created: usize,
    /// Entities deleted.
    pub nodes_deleted: usize,
    /// Relations created.
    pub relationships_created: usize,
    /// Relations deleted.
    pub relationships_deleted: usize,
    /// Properties set (including removals).
    pub properties_set: usize,
    /// Labels added.
    pub labels_added: usize,
    /// Labels removed.
    pub labels_removed: usize,
    /// Indexes created (`CREATE INDEX`).
    pub indexes_added: usize,
    /// Indexes dropped (`DROP INDEX`).
    pub indexes_removed: usize,
}

/// How long each stage of a statement took.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Parsing the text into an AST.
    pub parse: Duration,
    /// Static checks and building the plan.
    pub plan: Duration,
    /// Running the plan (rows collected, transaction committed).
    pub execute: Duration,
}

/// The outcome of a statement: columns and rows, plus what it changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// The rows; each has one value per column.
    pub rows: Vec<Vec<Value>>,
    /// What the statement changed.
    pub stats: QueryStats,
    /// The plan, for `EXPLAIN` and `PROFILE` (rendered as a tree).
    pub plan: Option<String>,
    /// The store mutations the statement made, in order (for the write-ahead log).
    pub mutations: Vec<Mutation>,
    /// How long parsing, planning and execution took.
    pub timings: Timings,
    /// Notifications about names the statement reads that the graph does
    /// not have (see [`crate::notify`]); they never change the result.
    pub notifications: Vec<crate::notify::Notification>,
}

/// A graph and the query pipeline over it.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    graph: Graph,
    /// Whether any entity has a real `key` / `alias` property (see
    /// [`Ctx::has_index_props`]), kept between statements that do not write.
    index_props: Option<(bool, bool)>,
    /// Plans of recent statements by their text, reused while the graph is
    /// unchanged (a plan depends on the text and the graph, never on
    /// parameter values); cleared by any write.
    /// Keyed by whether the plan is optimized, and the text.
    plans: std::collections::HashMap<(bool, String), Arc<CachedPlan>>,
}

/// A planned statement: its mode, plan and notifications.
type CachedPlan = (StatementMode, QueryPlan, Vec<crate::notify::Notification>);

/// How many plans an engine keeps before it starts over.
const PLAN_CACHE_SIZE: usize = 256;

impl Engine {
    /// An engine over an empty graph.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// An engine over `graph`.
    pub fn with_graph(graph: Graph) -> Engine {
        Engine {
            graph,
            index_props: None,
            plans: std::collections::HashMap::new(),
        }
    }

    /// The graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The graph, for loaders that write to it directly.
    pub fn graph_mut(&mut self) -> &mut Graph {
        self.index_props = None;
        self.plans.clear();
        &mut self.graph
    }

    /// Takes the graph out of the engine.
    pub fn into_graph(self) -> Graph {
        self.graph
    }

    /// Runs one statement with parameters.
    pub fn run(&mut self, query: &str, params: &Params) -> Result<QueryResult> {
        self.run_with(query, params, &RunOptions::default())
    }

    /// Runs one statement with parameters and options. A statement that fails
    /// leaves the graph as it was.
    ///
    /// The pipeline: parse → static checks → plan → execute. `EXPLAIN`
    /// returns the plan without running it; `PROFILE` runs it and adds rows
    /// and time per operator to the rendered plan. Execution happens inside
    /// a store transaction: committed on success (its mutations are
    /// returned), rolled back on any error.
    pub fn run_with(
        &mut self,
        query: &str,
        params: &Params,
        options: &RunOptions,
    ) -> Result<QueryResult> {
        let started = Instant::now();
        let key = (options.no_optimize, query.to_string());
        let (mode, plan, parsed) = match self.plans.get(&key) {
            Some(cached) => (cached.0, Arc::clone(cached), started),
            None => {
                if crate::syntax::is_schema_command(query) {
                    return self.run_schema(query, options, started);
                }
                let mut statement = crate::syntax::parse(query)?;
                trim_item_texts(&mut statement.query);
                let parsed = Instant::now();
                crate::semantic::check(&statement)?;
                let built =
                    crate::plan::build::build_with(&statement, &self.graph, !options.no_optimize)?;
                let notes = crate::notify::analyze(&statement, &self.graph);
                if statement.mode == StatementMode::ExplainVerbose {
                    let mut r = explain_verbose(built, options.no_optimize, started, parsed);
                    r.notifications = notes;
                    return Ok(r);
                }
                let plan = if options.no_optimize {
                    built
                } else {
                    crate::plan::optimize::optimize(built)
                };
                let entry = Arc::new((statement.mode, plan, notes));
                if self.plans.len() >= PLAN_CACHE_SIZE {
                    self.plans.clear();
                }
                self.plans.insert(key, Arc::clone(&entry));
                (statement.mode, entry, parsed)
            }
        };
        let notifications = plan.2.clone();
        let plan = &plan.1;
        let planned = Instant::now();
        let mut timings = Timings {
            parse: parsed - started,
            plan: planned - parsed,
            execute: Duration::ZERO,
        };
        if mode == StatementMode::Explain {
            return Ok(QueryResult {
                columns: plan.columns.clone(),
                plan: Some(render(&plan.root, &plan.columns, None)),
                timings,
                notifications,
                ..QueryResult::default()
            });
        }
        if options.readonly && plan.root.writes() {
            let mut e = Error::new(
                ErrorKind::Semantic,
                Phase::Compile,
                "ReadOnlyViolation",
                "this statement writes to the graph, but the session is read-only",
            )
            .with_help("drop the CREATE / MERGE / SET / REMOVE / DELETE clauses, or run without read-only mode");
            if let Some(span) = plan.first_write {
                e = e.at(span);
            }
            return Err(e);
        }
        if self.graph.relation_count() >= ADJACENCY_MIN_RELATIONS
            && !plan.root.writes()
            && !options.no_optimize
        {
            self.graph.prepare_adjacency();
        }
        let guard = Guard::new(options.cancel.clone(), options.timeout).with_memory_limit(
            options
                .max_memory
                .unwrap_or_else(crate::limits::default_memory_limit),
        );
        let profile = mode == StatementMode::Profile;
        self.graph.begin();
        let (outcome, stats, figures, index_props) = {
            let mut ctx = Ctx::writer(&mut self.graph, params, &guard);
            if options.no_optimize {
                ctx.plain();
            }
            ctx.set_index_props(self.index_props);
            if profile {
                ctx.enable_profile(plan.root.size());
            }
            let rows = crate::exec::run(&plan.root, &mut ctx, plan.returns);
            (rows, ctx.stats, ctx.figures(), ctx.index_props())
        };
        let rows = match outcome {
            Ok(rows) => rows,
            Err(e) => {
                self.graph.rollback();
                return Err(e);
            }
        };
        let mutations = self.graph.commit();
        self.index_props = if mutations.is_empty() {
            index_props
        } else {
            self.plans.clear();
            None
        };
        let (columns, rows) = if plan.returns {
            (plan.columns.clone(), rows)
        } else {
            (Vec::new(), Vec::new())
        };
        let plan_text = if profile {
            Some(render(&plan.root, &plan.columns, figures.as_deref()))
        } else {
            None
        };
        timings.execute = planned.elapsed();
        Ok(QueryResult {
            columns,
            rows,
            stats,
            plan: plan_text,
            mutations,
            timings,
            notifications,
        })
    }
}

impl Engine {
    /// Runs a schema command (`CREATE INDEX`, `DROP INDEX`, `SHOW
    /// INDEXES`) in a transaction of its own; see [`crate::schema`].
    fn run_schema(
        &mut self,
        query: &str,
        options: &RunOptions,
        started: Instant,
    ) -> Result<QueryResult> {
        let cmd = crate::syntax::parse_schema(query)?;
        let parsed = Instant::now();
        self.graph.begin();
        let mut result = match crate::schema::run(&mut self.graph, &cmd, options.readonly) {
            Ok(r) => r,
            Err(e) => {
                self.graph.rollback();
                return Err(e);
            }
        };
        result.mutations = self.graph.commit();
        if !result.mutations.is_empty() {
            // Plans depend on which indexes exist.
            self.plans.clear();
        }
        result.timings = Timings {
            parse: parsed - started,
            plan: Duration::ZERO,
            execute: parsed.elapsed(),
        };
        Ok(result)
    }
}

/// The answer to `EXPLAIN VERBOSE`: the plan as built, then the plan after
/// each optimizer rule that changed it (none with `no_optimize`).
fn explain_verbose(
    built: QueryPlan,
    no_optimize: bool,
    started: Instant,
    parsed: Instant,
) -> QueryResult {
    let columns = built.columns.clone();
    let mut text = format!("Plan as built:\n{}", render(&built.root, &columns, None));
    if no_optimize {
        text.push_str("\nThe optimizer is off (--no-optimize): this plan runs as built.\n");
    } else {
        let (_, steps) = crate::plan::optimize::optimize_traced(built);
        if steps.is_empty() {
            text.push_str("\nNo rule changed the plan.\n");
        }
        for step in steps {
            text.push_str(&format!(
                "\nAfter rule {}:\n{}",
                step.rule,
                render(&step.plan, &columns, None)
            ));
        }
    }
    QueryResult {
        columns,
        plan: Some(text),
        timings: Timings {
            parse: parsed - started,
            plan: parsed.elapsed(),
            execute: Duration::ZERO,
        },
        ..QueryResult::default()
    }
}

/// Column names are the verbatim text of unaliased projection items; white
/// space after an item is not part of it (`RETURN c  ORDER BY c` has a
/// column `c`). Trims it, whatever the parser kept.
fn trim_item_texts(q: &mut crate::syntax::ast::Query) {
    use crate::syntax::ast::ClauseKind;
    let parts = std::iter::once(&mut q.first).chain(q.unions.iter_mut().map(|(_, s)| s));
    for sq in parts {
        for c in &mut sq.clauses {
            if let ClauseKind::With(p) | ClauseKind::Return(p) = &mut c.kind {
                for it in &mut p.items {
                    let t = it.text.trim();
                    if t.len() != it.text.len() {
                        it.text = t.to_string();
                    }
                }
            }
        }
    }
}
