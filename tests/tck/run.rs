//! Running one expanded scenario against a fresh `kg::Engine` (RUNNER.md
//! §2-§7): step dispatch on the step text, parameters, result tables, errors,
//! and side effects from before/after snapshots of the graph.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use kg::error::Phase;
use kg::store::{EntityId, RelationId};
use kg::{Engine, Error, ErrorKind, Graph, Params, QueryResult, RunOptions, Value};

use crate::features::{Scenario, Step};
use crate::values::{self, TNode, TRel, TStep, TValue, TableMode};

/// The time limit of every query the runner executes.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every step succeeded.
    Pass,
    /// A step failed (the reason says which and why).
    Fail,
    /// Not run (the reason says why).
    Skip,
    /// The engine panicked.
    Panic,
    /// A query hit its time limit, or the scenario ran past the runner's hard limit.
    Hang,
}

/// The outcome of one scenario.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// The first failing reason, or the skip reason.
    pub reason: String,
    /// The scenario expects an error (T6).
    pub expects_error: bool,
    /// The query raised an error where one was expected (lenient match:
    /// any error kind, phase and detail, except internal errors and timeouts).
    pub error_raised: bool,
}

impl Outcome {
    /// An outcome of `status` with a reason.
    pub fn new(status: Status, reason: impl Into<String>) -> Outcome {
        Outcome {
            status,
            reason: reason.into(),
            expects_error: false,
            error_raised: false,
        }
    }
}

/// What the runner does with a step, by its text (never its keyword).
#[derive(Debug, PartialEq)]
enum StepKind<'a> {
    EmptyGraph,
    AnyGraph,
    NamedGraph(&'a str),
    HavingExecuted,
    Parameters,
    Procedure(&'a str),
    Query,
    ControlQuery,
    Result(TableMode),
    ResultEmpty,
    Error {
        kind: &'a str,
        phase: &'a str,
        detail: &'a str,
    },
    NoSideEffects,
    SideEffects,
    CsvFile,
}

fn classify(text: &str) -> Option<StepKind<'_>> {
    let mode = |ordered, ignore_list_order| {
        StepKind::Result(TableMode {
            ordered,
            ignore_list_order,
        })
    };
    Some(match text {
        "an empty graph" => StepKind::EmptyGraph,
        "any graph" => StepKind::AnyGraph,
        "having executed:" => StepKind::HavingExecuted,
        "parameters are:" => StepKind::Parameters,
        "executing query:" => StepKind::Query,
        "executing control query:" => StepKind::ControlQuery,
        "the result should be, in any order:" => mode(false, false),
        "the result should be, in order:" => mode(true, false),
        "the result should be (ignoring element order for lists):" => mode(false, true),
        "the result should be, in order (ignoring element order for lists):" => mode(true, true),
        "the result should be empty" => StepKind::ResultEmpty,
        "no side effects" => StepKind::NoSideEffects,
        "the side effects should be:" => StepKind::SideEffects,
        _ => {
            if let Some(rest) = text.strip_prefix("there exists a procedure ") {
                return rest
                    .strip_suffix(':')
                    .map(|s| StepKind::Procedure(s.trim()));
            }
            if text.starts_with("there exists a CSV file with URL as $") {
                return Some(StepKind::CsvFile);
            }
            if let Some(rest) = text.strip_prefix("an ").or_else(|| text.strip_prefix("a ")) {
                if let Some((kind, after)) = rest.split_once(" should be raised at ") {
                    let (phase, detail) = after.split_once(": ")?;
                    return Some(StepKind::Error {
                        kind: kind.trim(),
                        phase: phase.trim(),
                        detail: detail.trim(),
                    });
                }
            }
            let name = text.strip_prefix("the ")?.strip_suffix(" graph")?;
            StepKind::NamedGraph(name)
        }
    })
}

/// Why the scenario cannot be run at all, checked before running it.
pub fn skip_reason(sc: &Scenario) -> Option<String> {
    if sc.ignored {
        return Some("tagged @ignore".into());
    }
    for step in &sc.steps {
        match classify(&step.text) {
            Some(StepKind::NamedGraph(name)) => {
                return Some(format!("needs the named graph `{name}` (not available)"))
            }
            Some(StepKind::Procedure(sig)) => {
                return Some(format!(
                    "needs the test procedure `{sig}` (kg has no procedure hook)"
                ))
            }
            Some(StepKind::CsvFile) => return Some("needs a CSV file (not supported)".into()),
            _ => {}
        }
    }
    None
}

// ----- snapshots and side effects --------------------------------------------

/// The graph state that side effects are computed from (RUNNER.md §3).
#[derive(Debug, Default)]
pub struct Snapshot {
    nodes: HashSet<u64>,
    rels: HashSet<u64>,
    labels: HashSet<String>,
    /// (is relationship, id, key, value rendered with `{:?}`).
    props: HashSet<(bool, u64, String, String)>,
}

/// Takes a snapshot of the graph through its public API.
pub fn snapshot(g: &Graph) -> Snapshot {
    let mut s = Snapshot::default();
    for e in g.entities() {
        s.nodes.insert(e.id.0);
        for (k, v) in &e.props {
            s.props
                .insert((false, e.id.0, k.to_string(), format!("{v:?}")));
        }
    }
    for r in g.relations() {
        s.rels.insert(r.id.0);
        for (k, v) in &r.props {
            s.props
                .insert((true, r.id.0, k.to_string(), format!("{v:?}")));
        }
    }
    s.labels = g.labels().map(str::to_string).collect();
    s
}

/// The 8 side-effect counters, in the TCK's key names.
pub const SIDE_EFFECT_KEYS: [&str; 8] = [
    "+nodes",
    "-nodes",
    "+relationships",
    "-relationships",
    "+properties",
    "-properties",
    "+labels",
    "-labels",
];

/// The side effects between two snapshots, keyed as in [`SIDE_EFFECT_KEYS`].
pub fn diff(before: &Snapshot, after: &Snapshot) -> BTreeMap<&'static str, usize> {
    fn plus_minus<T: Eq + std::hash::Hash>(a: &HashSet<T>, b: &HashSet<T>) -> (usize, usize) {
        (b.difference(a).count(), a.difference(b).count())
    }
    let (pn, mn) = plus_minus(&before.nodes, &after.nodes);
    let (pr, mr) = plus_minus(&before.rels, &after.rels);
    let (pp, mp) = plus_minus(&before.props, &after.props);
    let (pl, ml) = plus_minus(&before.labels, &after.labels);
    SIDE_EFFECT_KEYS
        .iter()
        .copied()
        .zip([pn, mn, pr, mr, pp, mp, pl, ml])
        .collect()
}

fn render_effects(m: &BTreeMap<&'static str, usize>) -> String {
    let parts: Vec<String> = SIDE_EFFECT_KEYS
        .iter()
        .filter_map(|k| m.get(k).filter(|v| **v != 0).map(|v| format!("{k} {v}")))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

// ----- values ------------------------------------------------------------------

fn tck_node(g: &Graph, id: EntityId) -> Result<TNode, String> {
    let e = g
        .entity(id)
        .ok_or_else(|| format!("the result holds node {id}, which is not in the graph"))?;
    Ok(TNode {
        labels: e.labels.iter().cloned().collect(),
        props: props(g, &e.props)?,
    })
}

fn tck_rel(g: &Graph, id: RelationId) -> Result<(TRel, EntityId, EntityId), String> {
    let r = g
        .relation(id)
        .ok_or_else(|| format!("the result holds relationship {id}, which is not in the graph"))?;
    Ok((
        TRel {
            rel_type: r.rel_type.to_string(),
            props: props(g, &r.props)?,
        },
        r.from,
        r.to,
    ))
}

fn props(g: &Graph, m: &kg::value::ValueMap) -> Result<BTreeMap<String, TValue>, String> {
    m.iter()
        .map(|(k, v)| Ok((k.to_string(), to_tck(g, v)?)))
        .collect()
}

/// Converts a kg value (from a result row) to the TCK model, resolving graph
/// elements against `g`. Dates become their `toString()` text.
pub fn to_tck(g: &Graph, v: &Value) -> Result<TValue, String> {
    Ok(match v {
        Value::Null => TValue::Null,
        Value::Bool(b) => TValue::Bool(*b),
        Value::Int(i) => TValue::Int(*i),
        Value::Float(x) => TValue::Float(*x),
        Value::String(s) => TValue::String(s.clone()),
        Value::Date(d) => TValue::String(d.to_string()),
        Value::List(items) => TValue::List(
            items
                .iter()
                .map(|v| to_tck(g, v))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => TValue::Map(props(g, m)?),
        Value::Node(id) => TValue::Node(tck_node(g, *id)?),
        Value::Relationship(id) => TValue::Rel(tck_rel(g, *id)?.0),
        Value::Path(p) => {
            if p.nodes.len() != p.rels.len() + 1 {
                return Err(format!(
                    "a path with {} nodes and {} relationships",
                    p.nodes.len(),
                    p.rels.len()
                ));
            }
            let start = tck_node(g, p.nodes[0])?;
            let mut steps = Vec::with_capacity(p.rels.len());
            for (i, rid) in p.rels.iter().enumerate() {
                let (rel, from, to) = tck_rel(g, *rid)?;
                let (a, b) = (p.nodes[i], p.nodes[i + 1]);
                let forward = if from == a && to == b {
                    true
                } else if from == b && to == a {
                    false
                } else {
                    return Err(format!(
                        "path step {}: relationship {rid} does not join nodes {a} and {b}",
                        i + 1
                    ));
                };
                steps.push(TStep {
                    rel,
                    forward,
                    node: tck_node(g, b)?,
                });
            }
            TValue::Path(values::TPath { start, steps })
        }
    })
}

/// Converts a parameter value (no graph elements) to a kg value.
pub fn to_kg(v: &TValue) -> Result<Value, String> {
    Ok(match v {
        TValue::Null => Value::Null,
        TValue::Bool(b) => Value::Bool(*b),
        TValue::Int(i) => Value::Int(*i),
        TValue::Float(x) => Value::Float(*x),
        TValue::String(s) => Value::String(s.clone()),
        TValue::List(items) => Value::List(items.iter().map(to_kg).collect::<Result<_, _>>()?),
        TValue::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), to_kg(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        TValue::Node(_) | TValue::Rel(_) | TValue::Path(_) => {
            return Err(format!("a graph element cannot be a parameter: {v}"))
        }
    })
}

// ----- errors --------------------------------------------------------------------

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Compile => "compile time",
        Phase::Runtime => "runtime",
    }
}

fn describe_error(e: &Error) -> String {
    format!(
        "{} at {}: {} ({})",
        e.kind.tck_name(),
        phase_name(e.phase),
        e.code,
        e.message
    )
}

/// True for errors that say something about kg rather than about the query:
/// they never satisfy an expected error, not even leniently.
fn is_engine_failure(e: &Error) -> bool {
    matches!(
        e.kind,
        ErrorKind::Internal | ErrorKind::Timeout | ErrorKind::Cancelled | ErrorKind::MemoryLimit
    )
}

/// RUNNER.md §7: each of type, phase and detail matches exactly or through
/// its wildcard (`Error`, `any time`, `*`) on either side.
pub fn error_matches(e: &Error, kind: &str, phase: &str, detail: &str) -> bool {
    let ok = |a: &str, b: &str, wild: &str| a == b || a == wild || b == wild;
    !is_engine_failure(e)
        && ok(e.kind.tck_name(), kind, "Error")
        && ok(phase_name(e.phase), phase, "any time")
        && ok(e.code, detail, "*")
}

// ----- running -------------------------------------------------------------------

struct Run<'a> {
    sc: &'a Scenario,
    engine: Engine,
    params: Params,
    before: Option<Snapshot>,
    last: Option<Result<QueryResult, Error>>,
    outcome: Outcome,
    /// Some query stopped with a `Timeout` error.
    timed_out: bool,
}

impl Run<'_> {
    fn execute(&mut self, query: &str) -> Result<QueryResult, Error> {
        let options = RunOptions {
            timeout: Some(QUERY_TIMEOUT),
            ..RunOptions::default()
        };
        let result = self.engine.run_with(query, &self.params, &options);
        if matches!(&result, Err(e) if e.kind == ErrorKind::Timeout) {
            self.timed_out = true;
        }
        result
    }

    fn doc<'s>(&self, step: &'s Step) -> Result<&'s str, String> {
        step.doc
            .as_deref()
            .ok_or_else(|| format!("step `{}` has no doc string", step.text))
    }

    fn table<'s>(&self, step: &'s Step) -> Result<&'s [Vec<String>], String> {
        step.table
            .as_deref()
            .ok_or_else(|| format!("step `{}` has no table", step.text))
    }

    fn result(&self) -> Result<&QueryResult, String> {
        match &self.last {
            None => Err("no query was executed before the result step".into()),
            Some(Err(e)) => Err(format!("the query failed: {}", describe_error(e))),
            Some(Ok(r)) => Ok(r),
        }
    }

    fn check_side_effects(&self, expected: &BTreeMap<&'static str, usize>) -> Result<(), String> {
        let before = self
            .before
            .as_ref()
            .ok_or("no query was executed before the side-effects step")?;
        let actual = diff(before, &snapshot(self.engine.graph()));
        if &actual != expected {
            return Err(format!(
                "side effects: expected {}, got {}",
                render_effects(expected),
                render_effects(&actual)
            ));
        }
        Ok(())
    }

    fn no_effects() -> BTreeMap<&'static str, usize> {
        SIDE_EFFECT_KEYS.iter().map(|k| (*k, 0)).collect()
    }

    fn step(&mut self, step: &Step) -> Result<(), String> {
        let kind = classify(&step.text).ok_or_else(|| format!("unknown step `{}`", step.text))?;
        match kind {
            StepKind::EmptyGraph | StepKind::AnyGraph => {}
            StepKind::NamedGraph(_) | StepKind::Procedure(_) | StepKind::CsvFile => {
                return Err(format!("unsupported step `{}`", step.text));
            }
            StepKind::HavingExecuted => {
                let q = self.doc(step)?;
                if let Err(e) = self.execute(q) {
                    return Err(format!("setup query failed: {}", describe_error(&e)));
                }
            }
            StepKind::Parameters => {
                for row in self.table(step)? {
                    let [name, text] = row.as_slice() else {
                        return Err(format!("a parameter row has {} cells", row.len()));
                    };
                    let v = values::parse_value(text)
                        .and_then(|v| to_kg(&v))
                        .map_err(|e| format!("parameter `{name}`: {e}"))?;
                    self.params.insert(name.clone(), v);
                }
            }
            StepKind::Query => {
                let q = self.doc(step)?;
                self.before = Some(snapshot(self.engine.graph()));
                self.last = Some(self.execute(q));
            }
            StepKind::ControlQuery => {
                let q = self.doc(step)?;
                self.last = Some(self.execute(q));
            }
            StepKind::Result(mode) => {
                let table = self.table(step)?;
                let (header, rows) = table
                    .split_first()
                    .ok_or("the expected table has no header row")?;
                let expected = rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|c| values::parse_value(c))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("cannot read an expected cell: {e}"))?;
                let r = self.result()?;
                let g = self.engine.graph();
                let actual = r
                    .rows
                    .iter()
                    .map(|row| row.iter().map(|v| to_tck(g, v)).collect())
                    .collect::<Result<Vec<Vec<TValue>>, String>>()?;
                values::compare_table(header, &expected, &r.columns, &actual, mode)?;
            }
            StepKind::ResultEmpty => {
                let r = self.result()?;
                if !r.rows.is_empty() || !r.columns.is_empty() {
                    return Err(format!(
                        "expected an empty result, got {} rows and columns {:?}",
                        r.rows.len(),
                        r.columns
                    ));
                }
            }
            StepKind::Error {
                kind,
                phase,
                detail,
            } => {
                self.outcome.expects_error = true;
                let expected = format!("{kind} at {phase}: {detail}");
                match &self.last {
                    None => return Err("no query was executed before the error step".into()),
                    Some(Ok(r)) => {
                        return Err(format!(
                            "expected {expected}, but the query succeeded ({} rows)",
                            r.rows.len()
                        ))
                    }
                    Some(Err(e)) => {
                        self.outcome.error_raised = !is_engine_failure(e);
                        if !error_matches(e, kind, phase, detail) {
                            return Err(format!("expected {expected}, got {}", describe_error(e)));
                        }
                    }
                }
                // The reference runner asserts "no side effects" after an error.
                self.check_side_effects(&Self::no_effects())?;
            }
            StepKind::NoSideEffects => self.check_side_effects(&Self::no_effects())?,
            StepKind::SideEffects => {
                let mut expected = Self::no_effects();
                for row in self.table(step)? {
                    let [key, n] = row.as_slice() else {
                        return Err(format!("a side-effects row has {} cells", row.len()));
                    };
                    let slot = SIDE_EFFECT_KEYS
                        .iter()
                        .find(|k| **k == key.as_str())
                        .ok_or_else(|| format!("unknown side effect `{key}`"))?;
                    let n: usize = n
                        .parse()
                        .map_err(|_| format!("side effect `{key}`: `{n}` is not a count"))?;
                    expected.insert(slot, n);
                }
                self.check_side_effects(&expected)?;
            }
        }
        Ok(())
    }
}

/// Runs one scenario on a fresh engine. Panics from the engine propagate
/// (the caller catches them).
pub fn run_scenario(sc: &Scenario) -> Outcome {
    if let Some(reason) = skip_reason(sc) {
        return Outcome::new(Status::Skip, reason);
    }
    let mut run = Run {
        sc,
        engine: Engine::new(),
        params: Params::new(),
        before: None,
        last: None,
        outcome: Outcome::new(Status::Pass, ""),
        timed_out: false,
    };
    for (i, step) in run.sc.steps.iter().enumerate() {
        if let Err(reason) = run.step(step) {
            let mut o = run.outcome.clone();
            o.status = if run.timed_out {
                Status::Hang
            } else {
                Status::Fail
            };
            o.reason = format!("step {} `{}`: {reason}", i + 1, step.text);
            // A lenient error pass is only known once the error step was reached;
            // mark expectation from the remaining steps too.
            o.expects_error |= run.sc.steps[i..]
                .iter()
                .any(|s| matches!(classify(&s.text), Some(StepKind::Error { .. })));
            return o;
        }
    }
    run.outcome
}
