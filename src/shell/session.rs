//! A shell session: an engine plus settings (format, parameters, timing),
//! running statements and `:commands` and writing results. Shared by the REPL
//! and scripts (`:source`, `kg -f`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indexmap::IndexMap;

use crate::db::{Db, Opened};
use crate::engine::{Engine, QueryResult, RunOptions};
use crate::error::{Error, ErrorKind, Phase};
use crate::eval::Params;
use crate::output::{self, dot, sink, Format, TableOptions};
use crate::script::{split, PieceKind};
use crate::shell::command::{Command, Setting, COMMANDS};
use crate::value::Value;

/// What the caller should do after a piece ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// The user asked to leave.
    Quit,
}

/// A failure already reported to the error stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported {
    /// The kind of the error, for exit codes.
    pub kind: ErrorKind,
}

/// The shell's state.
pub struct Session {
    /// The engine and its graph.
    pub engine: Engine,
    /// How results are printed.
    pub format: Format,
    /// Table drawing options.
    pub table: TableOptions,
    /// Print timings after each statement.
    pub timing: bool,
    /// Print notifications (unknown labels, relationship types, property
    /// keys and aliases) on standard error after each statement.
    pub warnings: bool,
    /// `$parameters`.
    pub params: Params,
    /// The last successful result (for `:dot` and `:sources`).
    pub last: Option<QueryResult>,
    /// Where the articles are, for `:sources` (sentence text).
    pub corpus: Option<PathBuf>,
    /// Set by Ctrl-C to cancel the running statement.
    pub cancel: Arc<AtomicBool>,
    /// Refuse writes.
    pub readonly: bool,
    /// Per-statement time limit.
    pub timeout: Option<Duration>,
    /// Per-statement memory budget in bytes (`None`: the default,
    /// [`crate::limits::default_memory_limit`]).
    pub max_memory: Option<u64>,
    /// Run plans as built, without the optimizer (`--no-optimize`).
    pub no_optimize: bool,
    /// The graph file this session works on (`None`: the graph lives in
    /// memory only). Every write statement is logged to it before it is
    /// reported; see [`crate::db`].
    pub db: Option<Db>,
    /// The width tables are fitted into, set with `:maxwidth N` (`None`:
    /// the terminal's width when [`Session::follow_terminal`], else no limit).
    pub table_width: Option<usize>,
    /// Fit tables to the width of the terminal on standard output (the
    /// shell, and scripts whose output is a terminal).
    pub follow_terminal: bool,
    /// The in-memory graph (no graph file) has changes that were not
    /// written anywhere with `:save FILE`.
    pub unsaved: bool,
    /// How deep `:source` calls are nested (to stop runaway recursion).
    depth: usize,
}

/// How deep `:source` may nest.
const MAX_SOURCE_DEPTH: usize = 16;

/// The [`Error::code`] of a statement whose result could not be written.
/// The session does not report it: whoever owns the output stream does
/// (for kg's own streams, [`crate::output::sink`]).
pub const OUTPUT_FAILED: &str = "OutputFailed";

/// The error for a result that could not be written to its stream.
fn output_failed(e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Io,
        Phase::Runtime,
        OUTPUT_FAILED,
        format!("cannot write the result: {e}"),
    )
}

impl Session {
    /// A session over an engine, printing tables.
    pub fn new(engine: Engine) -> Session {
        Session {
            engine,
            format: Format::Table,
            table: TableOptions::default(),
            timing: false,
            warnings: true,
            params: Params::new(),
            last: None,
            corpus: None,
            cancel: Arc::new(AtomicBool::new(false)),
            readonly: false,
            timeout: None,
            max_memory: None,
            no_optimize: false,
            db: None,
            table_width: None,
            follow_terminal: false,
            unsaved: false,
            depth: 0,
        }
    }

    /// A session on an opened graph file: writes are logged and the graph is
    /// checkpointed when the session ends (or is dropped).
    pub fn with_db(opened: Opened) -> Session {
        let readonly = opened.db.is_readonly();
        let mut s = Session::new(Engine::with_graph(opened.graph));
        s.db = Some(opened.db);
        s.readonly = readonly;
        s
    }

    /// Ends the session's use of its graph file: checkpoints it when the log
    /// holds statements, then releases the lock. Nothing happens for
    /// in-memory graphs. A failed checkpoint loses nothing (the log keeps
    /// every change, and the next session replays it), so it is returned
    /// as a warning to show, not an error.
    pub fn close(&mut self) -> Option<String> {
        let mut db = self.db.take()?;
        if db.has_unsaved_log() {
            if let Err(e) = db.checkpoint(self.engine.graph()) {
                return Some(format!(
                    "kg: warning: checkpoint failed: {e} (the log keeps every change)"
                ));
            }
        }
        None
    }

    /// Checkpoints the session's graph file now.
    pub fn checkpoint(&mut self) -> Result<String, String> {
        let Some(db) = self.db.as_mut() else {
            return Err("the graph is in memory only: give a file, :save FILE".into());
        };
        if db.is_readonly() {
            return Err(format!(
                "{} is open read-only: nothing to save; :save OTHER_FILE writes a copy",
                db.path().display()
            ));
        }
        db.checkpoint(self.engine.graph())
            .map_err(|e| e.to_string())?;
        Ok(format!(
            "saved {} ({})",
            db.path().display(),
            stats_line(&self.engine)
        ))
    }

    /// Logs a committed statement's mutations (fsynced) before it may be
    /// reported; checkpoints when the log has grown too long. When the log
    /// cannot be written the graph is reloaded from the file, so memory never
    /// runs ahead of what is durable.
    fn make_durable(&mut self, result: &QueryResult) -> Result<(), Error> {
        let Some(db) = self.db.as_mut() else {
            self.unsaved |= !result.mutations.is_empty();
            return Ok(());
        };
        if result.mutations.is_empty() {
            return Ok(());
        }
        if let Err(e) = db.log(&result.mutations) {
            let path = db.path().to_path_buf();
            self.db = None;
            let what = match Db::open(&path, false) {
                Ok(o) => {
                    self.engine = Engine::with_graph(o.graph);
                    self.db = Some(o.db);
                    format!("the graph was reloaded from {}", path.display())
                }
                Err(e2) => {
                    // Keep the in-memory graph but refuse further writes.
                    self.readonly = true;
                    format!(
                        "reopening {} failed too ({e2}); the session is now read-only",
                        path.display()
                    )
                }
            };
            return Err(Error::new(
                ErrorKind::Io,
                Phase::Runtime,
                "WriteNotDurable",
                format!("the statement was not saved: {e}; {what}"),
            ));
        }
        if db.needs_checkpoint() {
            if let Err(e) = db.checkpoint(self.engine.graph()) {
                let _ = writeln!(
                    sink::stderr(),
                    "kg: warning: checkpoint failed: {e} (the log keeps every change)"
                );
            }
        }
        Ok(())
    }

    /// Runs every statement and command of `text` (a script named
    /// `source_name` in messages). With `keep_going`, errors are reported and
    /// the script goes on; otherwise it stops at the first. Returns the first
    /// error, if any. A failure to write `out` or `err` (or kg's standard
    /// streams, see [`sink::failed`]) ends the script at once, keep_going or
    /// not, and is left for the streams' owner to report.
    pub fn run_script(
        &mut self,
        source_name: &str,
        text: &str,
        keep_going: bool,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<Flow, Reported> {
        let mut first_error = None;
        for piece in split(text) {
            let result = match piece.kind {
                PieceKind::Statement => self
                    .run_statement(&piece.text, out)
                    .map(|_| Flow::Continue)
                    .map_err(|e| {
                        if e.code == OUTPUT_FAILED {
                            return Reported { kind: e.kind };
                        }
                        // Point the error at its place in the whole script.
                        let shifted = match e.span {
                            Some(s) => e.clone().at(crate::error::Span::new(
                                s.start + piece.offset,
                                s.end + piece.offset,
                            )),
                            None => e.clone(),
                        };
                        let _ = write!(err, "{}", shifted.render(source_name, text));
                        Reported { kind: e.kind }
                    }),
                PieceKind::Command => self.run_command_line(&piece.text, out, err),
            };
            if sink::failed() {
                return match result {
                    Err(r) => Err(r),
                    Ok(_) => Err(Reported {
                        kind: ErrorKind::Io,
                    }),
                };
            }
            match result {
                Ok(Flow::Quit) => return Ok(Flow::Quit),
                Ok(Flow::Continue) => {}
                Err(r) => {
                    if !keep_going {
                        return Err(r);
                    }
                    first_error.get_or_insert(r);
                }
            }
        }
        match first_error {
            Some(r) => Err(r),
            None => Ok(Flow::Continue),
        }
    }

    /// Runs one statement and prints its result in the current format.
    pub fn run_statement(&mut self, text: &str, out: &mut dyn Write) -> Result<(), Error> {
        let started = Instant::now();
        let result = self.execute(text)?;
        let executed = Instant::now();
        self.print_result(&result, out)?;
        if self.warnings && !result.notifications.is_empty() {
            out.flush().map_err(output_failed)?;
            let mut err = sink::stderr();
            for n in &result.notifications {
                write!(err, "{}", n.render("query", text)).map_err(output_failed)?;
            }
        }
        if self.timing {
            out.flush().map_err(output_failed)?;
            writeln!(
                sink::stderr(),
                "{}",
                timing_line(&result, executed - started, executed.elapsed())
            )
            .map_err(output_failed)?;
        }
        self.last = Some(result);
        Ok(())
    }

    /// Clears a pending Ctrl-C. The REPL calls it once per input, before its
    /// statements run, so that a Ctrl-C pressed while one of them runs (or
    /// between two of them) cancels the rest of that input too.
    pub fn begin_input(&self) {
        self.cancel.store(false, Ordering::SeqCst);
    }

    /// Runs one statement and returns its result (nothing printed). A pending
    /// Ctrl-C (see [`Session::begin_input`]) cancels it at once.
    pub fn execute(&mut self, text: &str) -> Result<QueryResult, Error> {
        let options = RunOptions {
            cancel: Some(self.cancel.clone()),
            timeout: self.timeout,
            readonly: self.readonly,
            max_memory: self.max_memory,
            no_optimize: self.no_optimize,
        };
        let result = self.engine.run_with(text, &self.params, &options)?;
        self.make_durable(&result)?;
        Ok(result)
    }

    /// The per-statement limits, as `:set` shows them.
    fn limits_text(&self) -> String {
        let timeout = self
            .timeout
            .map_or_else(|| "off".to_string(), crate::limits::format_duration);
        let memory = match self.max_memory {
            Some(m) => crate::limits::format_size(m),
            None => format!(
                "{} (default)",
                crate::limits::format_size(crate::limits::default_memory_limit())
            ),
        };
        format!("timeout: {timeout}\nmax-memory: {memory}")
    }

    fn print_result(&self, result: &QueryResult, out: &mut dyn Write) -> Result<(), Error> {
        let io = output_failed;
        if let Some(plan) = &result.plan {
            writeln!(out, "{plan}").map_err(io)?;
            if result.columns.is_empty() {
                return Ok(());
            }
        }
        if result.columns.is_empty() {
            let s = &result.stats;
            let mut parts = Vec::new();
            for (n, what) in [
                (s.nodes_created, "nodes created"),
                (s.nodes_deleted, "nodes deleted"),
                (s.relationships_created, "relationships created"),
                (s.relationships_deleted, "relationships deleted"),
                (s.properties_set, "properties set"),
                (s.labels_added, "labels added"),
                (s.labels_removed, "labels removed"),
                (s.indexes_added, "indexes added"),
                (s.indexes_removed, "indexes removed"),
            ] {
                if n > 0 {
                    parts.push(format!("{n} {what}"));
                }
            }
            if parts.is_empty() {
                parts.push("no changes".into());
            }
            if self.format == Format::Table {
                writeln!(out, "{}", parts.join(", ")).map_err(io)?;
            } else {
                writeln!(sink::stderr(), "{}", parts.join(", ")).map_err(io)?;
            }
            return Ok(());
        }
        let table = TableOptions {
            width: self.table_width_now(),
            ..self.table
        };
        output::write(self.format, self.engine.graph(), result, &table, out).map_err(io)
    }

    /// The width text such as `:help` is wrapped to: the table width, or
    /// 80 columns when there is none.
    fn text_width(&self) -> usize {
        match self.table_width_now() {
            0 => 80,
            n => n,
        }
    }

    /// The width tables are fitted into now: `:maxwidth`, else the
    /// terminal's current width (it may have been resized), else 0 (none).
    pub fn table_width_now(&self) -> usize {
        match self.table_width {
            Some(n) => n,
            None if self.follow_terminal => output::width::terminal_width().unwrap_or(0),
            None => 0,
        }
    }

    /// Parses and runs one `:command` line.
    pub fn run_command_line(
        &mut self,
        line: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<Flow, Reported> {
        match Command::parse(line) {
            Ok(cmd) => self.run_command(cmd, out, err),
            Err(e) => {
                let _ = writeln!(err, "error: {}", e.message);
                if let Some(h) = e.help {
                    let _ = writeln!(err, "  = help: {h}");
                }
                Err(Reported {
                    kind: ErrorKind::Syntax,
                })
            }
        }
    }

    /// Runs a parsed command.
    pub fn run_command(
        &mut self,
        cmd: Command,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<Flow, Reported> {
        // In a data format (JSON lines, CSV, ...) what commands print is not
        // data: it goes to the error stream, never into the results.
        let to_err = self.format != Format::Table;
        let fail = |err: &mut dyn Write, kind: ErrorKind, msg: String| {
            let _ = writeln!(err, "error: {msg}");
            Err(Reported { kind })
        };
        let r = match cmd {
            Command::Quit => return Ok(Flow::Quit),
            Command::Help(topic) => writeln!(
                info(to_err, out, err),
                "{}",
                output::width::wrap(&help_text(topic.as_deref()), self.text_width())
            ),
            Command::Schema => writeln!(info(to_err, out, err), "{}", schema_text(&self.engine)),
            Command::Stats => writeln!(info(to_err, out, err), "{}", stats_text(&self.engine)),
            Command::Format(None) => writeln!(info(to_err, out, err), "format: {}", self.format),
            Command::Format(Some(name)) => match name.parse::<Format>() {
                Ok(f) => {
                    self.format = f;
                    Ok(())
                }
                Err(e) => return fail(err, ErrorKind::Syntax, e.to_string()),
            },
            Command::MaxRows(None) => {
                writeln!(info(to_err, out, err), "maxrows: {}", self.table.max_rows)
            }
            Command::MaxRows(Some(n)) => {
                self.table.max_rows = n;
                writeln!(err, "maxrows: {n}")
            }
            Command::MaxWidth(None) => match (self.table_width, self.table_width_now()) {
                (Some(n), _) => writeln!(info(to_err, out, err), "maxwidth: {n}"),
                (None, 0) => writeln!(
                    info(to_err, out, err),
                    "maxwidth: 0 (no limit: not a terminal)"
                ),
                (None, n) => writeln!(
                    info(to_err, out, err),
                    "maxwidth: 0 (the terminal's width, now {n})"
                ),
            },
            Command::MaxWidth(Some(n)) => {
                self.table_width = (n > 0).then_some(n);
                writeln!(err, "maxwidth: {n}")
            }
            Command::Set(None) => writeln!(info(to_err, out, err), "{}", self.limits_text()),
            Command::Set(Some(Setting::Timeout(t))) => {
                self.timeout = t;
                writeln!(err, "{}", self.limits_text())
            }
            Command::Set(Some(Setting::MaxMemory(m))) => {
                self.max_memory = m;
                writeln!(err, "{}", self.limits_text())
            }
            Command::Warnings(None) => writeln!(
                out,
                "warnings: {}",
                if self.warnings { "on" } else { "off" }
            ),
            Command::Warnings(Some(on)) => {
                self.warnings = on;
                writeln!(err, "warnings: {}", if on { "on" } else { "off" })
            }
            Command::Timing(None) => {
                writeln!(
                    info(to_err, out, err),
                    "timing: {}",
                    if self.timing { "on" } else { "off" }
                )
            }
            Command::Timing(Some(on)) => {
                self.timing = on;
                writeln!(err, "timing: {}", if on { "on" } else { "off" })
            }
            Command::Param(name, expr) => {
                let query = format!("RETURN {expr} AS value");
                match self.execute(&query) {
                    Ok(r) => match r.rows.first().and_then(|row| row.first()) {
                        Some(v) => {
                            self.params.insert(name, v.clone());
                            Ok(())
                        }
                        None => {
                            return fail(
                                err,
                                ErrorKind::Syntax,
                                "the expression gave no value".into(),
                            )
                        }
                    },
                    Err(e) => {
                        let _ = write!(err, "{}", e.render(":param", &query));
                        return Err(Reported { kind: e.kind });
                    }
                }
            }
            Command::ParamMap(expr) => {
                let query = format!("RETURN {expr} AS value");
                match self.execute(&query) {
                    Ok(r) => match r.rows.first().and_then(|row| row.first()) {
                        Some(Value::Map(m)) => {
                            let graph = self.engine.graph();
                            let mut r = Ok(());
                            for (k, v) in m.iter() {
                                let shown = output::text::render(graph, v);
                                r = r.and(writeln!(err, "${k} => {shown}"));
                                self.params.insert(k.to_string(), v.clone());
                            }
                            r
                        }
                        _ => {
                            return fail(
                                err,
                                ErrorKind::Syntax,
                                "expected a map, e.g. :param {who: 'Canada'}".into(),
                            )
                        }
                    },
                    Err(e) => {
                        let _ = write!(err, "{}", e.render(":param", &query));
                        return Err(Reported { kind: e.kind });
                    }
                }
            }
            Command::ParamShow(name) => match self.params.get(&name) {
                Some(v) => {
                    let shown = output::text::render(self.engine.graph(), v);
                    writeln!(info(to_err, out, err), "${name} => {shown}")
                }
                None => {
                    return fail(
                        err,
                        ErrorKind::Syntax,
                        format!("no parameter ${name} (set it with :param {name} => value)"),
                    )
                }
            },
            Command::Params => {
                if self.params.is_empty() {
                    writeln!(
                        info(to_err, out, err),
                        "no parameters (set one with :param name => value)"
                    )
                } else {
                    let graph = self.engine.graph();
                    let mut r = Ok(());
                    for (k, v) in &self.params {
                        r = r.and(writeln!(
                            info(to_err, out, err),
                            "${k} => {}",
                            output::text::render(graph, v)
                        ));
                    }
                    r
                }
            }
            Command::ParamClear => {
                self.params.clear();
                Ok(())
            }
            Command::Source(path) => {
                if self.depth >= MAX_SOURCE_DEPTH {
                    return fail(
                        err,
                        ErrorKind::Io,
                        format!("{path}: :source nested more than {MAX_SOURCE_DEPTH} deep"),
                    );
                }
                let text = match std::fs::read(&path) {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(t) => t,
                        Err(_) => {
                            let why = "it is not UTF-8 text";
                            return fail(
                                err,
                                ErrorKind::Io,
                                format!("{path} is not a kg script: {why}"),
                            );
                        }
                    },
                    Err(e) => return fail(err, ErrorKind::Io, format!("cannot read {path}: {e}")),
                };
                // Never quote a foreign file's content in an error.
                if let Some(why) = crate::script::not_a_script(&text) {
                    return fail(
                        err,
                        ErrorKind::Io,
                        format!("{path} is not a kg script: {why}"),
                    );
                }
                self.depth += 1;
                let r = self.run_script(&path, &text, false, out, err);
                self.depth -= 1;
                return r.map(|_| Flow::Continue);
            }
            Command::Dot { query, file } => {
                let result = match query {
                    Some(q) => match self.execute(&q) {
                        Ok(r) => r,
                        Err(e) => {
                            let _ = write!(err, "{}", e.render("query", &q));
                            return Err(Reported { kind: e.kind });
                        }
                    },
                    None => match &self.last {
                        Some(r) => r.clone(),
                        None => {
                            return fail(
                                err,
                                ErrorKind::Syntax,
                                "no result yet: run a query first, or give one: :dot MATCH ..."
                                    .into(),
                            )
                        }
                    },
                };
                let text = match dot::result_to_dot(
                    self.engine.graph(),
                    &result,
                    &dot::DotOptions::default(),
                ) {
                    Ok(t) => t,
                    Err(e) => return fail(err, ErrorKind::Data, e.to_string()),
                };
                match file {
                    Some(f) => match std::fs::write(&f, text) {
                        Ok(()) => writeln!(err, "wrote {f}"),
                        Err(e) => {
                            return fail(err, ErrorKind::Io, format!("cannot write {f}: {e}"))
                        }
                    },
                    None => write!(out, "{text}"),
                }
            }
            Command::Save(path) => {
                let own = match (&path, &self.db) {
                    (None, _) => true,
                    (Some(p), Some(db)) => same_file(Path::new(p), db.path()),
                    (Some(_), None) => false,
                };
                if own {
                    match self.checkpoint() {
                        Ok(msg) => writeln!(err, "{msg}"),
                        Err(e) => return fail(err, ErrorKind::Io, e),
                    }
                } else {
                    let path = path.unwrap_or_default();
                    match crate::db::write_snapshot(self.engine.graph(), Path::new(&path)) {
                        Ok(()) => {
                            self.unsaved = false;
                            writeln!(
                                err,
                                "wrote {path} ({}); this session goes on with {}",
                                stats_line(&self.engine),
                                match &self.db {
                                    Some(db) => db.path().display().to_string(),
                                    None => "the graph in memory".into(),
                                }
                            )
                        }
                        Err(e) => return fail(err, ErrorKind::Io, e.to_string()),
                    }
                }
            }
            Command::Open(path)
                if crate::db::is_snapshot(Path::new(&path)) || !Path::new(&path).exists() =>
            {
                let p = Path::new(&path);
                // Reopening the session's own file: release it first.
                if self.db.as_ref().is_some_and(|db| same_file(p, db.path())) {
                    if let Some(w) = self.close() {
                        let _ = writeln!(err, "{w}");
                    }
                }
                match Db::open(p, self.readonly) {
                    Ok(opened) => {
                        for w in &opened.warnings {
                            let _ = writeln!(err, "warning: {w}");
                        }
                        let created = opened.created;
                        if let Some(w) = self.close() {
                            let _ = writeln!(err, "{w}");
                        }
                        self.engine = Engine::with_graph(opened.graph);
                        self.db = Some(opened.db);
                        self.last = None;
                        self.unsaved = false;
                        let verb = if created { "created" } else { "opened" };
                        writeln!(err, "{verb} {path}: {}", stats_line(&self.engine))
                    }
                    Err(e) => {
                        let _ = writeln!(err, "error: {e}");
                        let _ = writeln!(err, "the graph is unchanged");
                        return Err(Reported {
                            kind: ErrorKind::Data,
                        });
                    }
                }
            }
            Command::Open(path) => {
                let text = match std::fs::read_to_string(&path) {
                    Ok(t) => t,
                    Err(e) => return fail(err, ErrorKind::Io, format!("cannot read {path}: {e}")),
                };
                match crate::facts::load_named(&path, &text) {
                    Ok(graph) => {
                        if let Some(w) = self.close() {
                            let _ = writeln!(err, "{w}");
                        }
                        self.engine = Engine::with_graph(graph);
                        self.last = None;
                        writeln!(err, "opened {path}: {}", stats_line(&self.engine))
                    }
                    Err(rendered) => {
                        let _ = write!(err, "{rendered}");
                        let _ = writeln!(err, "the graph is unchanged");
                        return Err(Reported {
                            kind: ErrorKind::Data,
                        });
                    }
                }
            }
            Command::Explain(q) => {
                let query = format!("EXPLAIN {q}");
                match self.execute(&query) {
                    Ok(r) => writeln!(info(to_err, out, err), "{}", r.plan.unwrap_or_default()),
                    Err(e) => {
                        let _ = write!(err, "{}", e.render("query", &query));
                        return Err(Reported { kind: e.kind });
                    }
                }
            }
            Command::Sources => match &self.last {
                None => {
                    return fail(
                        err,
                        ErrorKind::Syntax,
                        "no result yet: run a query first".into(),
                    )
                }
                Some(r) => writeln!(
                    out,
                    "{}",
                    output::width::wrap(
                        &sources_text(&self.engine, r, self.corpus.as_deref()),
                        self.text_width()
                    )
                ),
            },
        };
        // A failed write is left for the stream's owner to report (see
        // OUTPUT_FAILED): writing about it to `err` could only add noise.
        r.map(|_| Flow::Continue).map_err(|_| Reported {
            kind: ErrorKind::Io,
        })
    }
}

impl Drop for Session {
    /// A clean end checkpoints the graph file (see [`Session::close`]).
    fn drop(&mut self) {
        if let Some(w) = self.close() {
            let _ = writeln!(sink::stderr(), "{w}");
        }
    }
}

/// Where a command's text goes: the error stream when `to_err`, else `out`.
fn info<'a>(to_err: bool, out: &'a mut dyn Write, err: &'a mut dyn Write) -> &'a mut dyn Write {
    if to_err {
        err
    } else {
        out
    }
}

/// True when `a` and `b` name the same file (compared after resolving
/// links; a file that does not exist yet equals nothing).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `:help` text: the list of commands, or one command's usage.
pub fn help_text(topic: Option<&str>) -> String {
    match topic {
        Some(t) => match COMMANDS.iter().find(|c| c.0.eq_ignore_ascii_case(t)) {
            Some((_, usage, what)) => format!("{usage}\n    {what}"),
            None => match crate::shell::command::did_you_mean(t, COMMANDS.iter().map(|c| c.0)) {
                Some(s) => format!("no command `:{t}`; did you mean `:{s}`?"),
                None => format!("no command `:{t}`; type :help for the list"),
            },
        },
        None => {
            let mut s = String::from(
                "Type openCypher statements ending with `;` (they may span lines), or commands:\n\n",
            );
            // Long usages get their description on the next line.
            let width = 24;
            for (_, usage, what) in COMMANDS {
                if usage.len() <= width {
                    s.push_str(&format!("  {usage:width$}  {what}\n"));
                } else {
                    s.push_str(&format!("  {usage}\n  {:width$}  {what}\n", ""));
                }
            }
            s.push_str(
                "\nKnowledge-graph extensions:\n\
                 \x20 MATCH (m {alias: 'المغرب'})   find entities by any name, any language, any case or accents\n\
                 \x20 MATCH (m {key: 'morocco'})    find an entity by its key\n\
                 \x20 r.sources, n.sources          the citations (article, sentence) of a fact\n\
                 \x20 n.key, n.aliases              an entity's key and its names\n\n\
                 Keys: Tab completes, Ctrl-R searches history, Ctrl-C cancels, Ctrl-D leaves.",
            );
            s
        }
    }
}

fn stats_line(engine: &Engine) -> String {
    let g = engine.graph();
    format!(
        "{} entities, {} relations",
        g.entity_count(),
        g.relation_count()
    )
}

/// `:stats` text.
pub fn stats_text(engine: &Engine) -> String {
    let g = engine.graph();
    let aliases: usize = g.entities().map(|e| e.aliases.len()).sum();
    let citations: usize = g.entities().map(|e| e.sources.len()).sum::<usize>()
        + g.relations().map(|r| r.sources.len()).sum::<usize>();
    format!(
        "entities:       {}\nrelations:      {}\nlabels:         {}\nrelation types: {}\naliases:        {}\ncitations:      {}",
        g.entity_count(),
        g.relation_count(),
        g.labels().count(),
        g.relation_types().count(),
        aliases,
        citations
    )
}

/// `:schema` text: labels with counts, relation types with their endpoint
/// labels, property keys with the types of their values.
pub fn schema_text(engine: &Engine) -> String {
    let g = engine.graph();
    let mut s = String::from("labels:\n");
    for l in g.labels() {
        s.push_str(&format!("  :{l} ({})\n", g.label_count(l)));
    }
    s.push_str("relation types:\n");
    for t in g.relation_types() {
        let mut ends: BTreeMap<(String, String), usize> = BTreeMap::new();
        for id in g.relations_with_type(t) {
            if let Some(r) = g.relation(id) {
                let label = |e| {
                    g.entity(e)
                        .and_then(|e| e.labels.first().cloned())
                        .unwrap_or_default()
                };
                *ends.entry((label(r.from), label(r.to))).or_default() += 1;
            }
        }
        let pairs: Vec<String> = ends
            .iter()
            .map(|((a, b), n)| format!("(:{a})-[:{t}]->(:{b}) {n}"))
            .collect();
        s.push_str(&format!(
            "  :{t} ({})  {}\n",
            g.type_count(t),
            pairs.join(", ")
        ));
    }
    let mut keys: IndexMap<String, IndexMap<&'static str, usize>> = IndexMap::new();
    for e in g.entities() {
        for (k, v) in &e.props {
            *keys
                .entry(k.to_string())
                .or_default()
                .entry(v.type_name())
                .or_default() += 1;
        }
    }
    let mut rel_keys: IndexMap<String, IndexMap<&'static str, usize>> = IndexMap::new();
    for r in g.relations() {
        for (k, v) in &r.props {
            *rel_keys
                .entry(k.to_string())
                .or_default()
                .entry(v.type_name())
                .or_default() += 1;
        }
    }
    for (title, keys) in [
        ("entity property keys:\n", keys),
        ("relation property keys:\n", rel_keys),
    ] {
        s.push_str(title);
        for (k, types) in keys {
            let t: Vec<String> = types.iter().map(|(t, n)| format!("{t} ×{n}")).collect();
            s.push_str(&format!("  {k}: {}\n", t.join(", ")));
        }
    }
    s.trim_end().to_string()
}

/// `:sources` text: each entity and relation of a result with its citations,
/// and the cited sentence when the corpus is at hand.
pub fn sources_text(engine: &Engine, result: &QueryResult, corpus: Option<&Path>) -> String {
    let g = engine.graph();
    let elements = dot::collect_elements(&result.rows);
    let mut articles: IndexMap<String, Option<Vec<String>>> = IndexMap::new();
    let mut sentence = |article: &str, n: u32| -> Option<String> {
        let corpus = corpus?;
        let sentences = articles
            .entry(article.to_string())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(corpus.join(article)).ok()?;
                Some(
                    crate::facts::sentences::split(&text)
                        .iter()
                        .map(|s| s.text.to_string())
                        .collect::<Vec<String>>(),
                )
            })
            .as_ref()?;
        sentences.get((n as usize).checked_sub(1)?).cloned()
    };
    let mut s = String::new();
    let mut cite = |s: &mut String, what: String, sources: &[crate::store::Citation]| {
        s.push_str(&what);
        s.push('\n');
        if sources.is_empty() {
            s.push_str("    (no citation)\n");
        }
        for c in sources {
            s.push_str(&format!("    {}#{}", c.article, c.sentence));
            if let Some(text) = sentence(&c.article, c.sentence) {
                s.push_str(&format!("\n        {text}"));
            }
            s.push('\n');
        }
    };
    for id in &elements.relations {
        if let Some(r) = g.relation(*id) {
            let name = |e| {
                g.entity(e)
                    .and_then(|e| e.name().map(str::to_string))
                    .unwrap_or_default()
            };
            cite(
                &mut s,
                format!("({})-[:{}]->({})", name(r.from), r.rel_type, name(r.to)),
                &r.sources,
            );
        }
    }
    for id in &elements.entities {
        if let Some(e) = g.entity(*id) {
            let what = format!("({}:{})", e.name().unwrap_or(""), e.labels.join(":"));
            cite(&mut s, what, &e.sources);
        }
    }
    // Citations returned as values (`RETURN r.sources`), row by row.
    for (i, row) in result.rows.iter().enumerate() {
        for (column, value) in result.columns.iter().zip(row) {
            let found = citations_in(value);
            if !found.is_empty() {
                cite(&mut s, format!("row {}, {column}", i + 1), &found);
            }
        }
    }
    if s.is_empty() {
        s.push_str(
            "the last result holds no entity, relation or citation \
             (return nodes, relationships, paths or x.sources)",
        );
    } else if corpus.is_none() {
        s.push_str(
            "(start kg with --corpus DIR, or run it next to ../shared/seeds, to see the sentences)",
        );
    }
    s.trim_end().to_string()
}

/// The citations (`{article, sentence}` maps, as `x.sources` gives them)
/// inside a value.
fn citations_in(value: &Value) -> Vec<crate::store::Citation> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::List(items) => stack.extend(items.iter().rev()),
            Value::Map(m) => match (m.get("article"), m.get("sentence")) {
                (Some(Value::String(article)), Some(Value::Int(n))) => {
                    if let Ok(sentence) = u32::try_from(*n) {
                        found.push(crate::store::Citation {
                            article: article.clone(),
                            sentence,
                        });
                    }
                }
                _ => stack.extend(m.values().rev()),
            },
            _ => {}
        }
    }
    found
}

/// Renders a value for messages.
pub fn show(engine: &Engine, v: &Value) -> String {
    output::text::render(engine.graph(), v)
}

/// The `:timing` line: each stage, the whole statement and the printing.
fn timing_line(result: &QueryResult, total: Duration, print: Duration) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let t = &result.timings;
    format!(
        "time: parse {:.3} ms, plan {:.3} ms, execute {:.3} ms, total {:.3} ms (+ output {:.3} ms)",
        ms(t.parse),
        ms(t.plan),
        ms(t.execute),
        ms(total),
        ms(print)
    )
}
