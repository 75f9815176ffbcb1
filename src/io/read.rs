//! Reading graphs: CSV (plain and Neo4j admin headers), APOC JSON lines,
//! fact files and kg's Cypher scripts, into a [`Graph`] built directly
//! through the store API (no transaction, so no journal).

use std::collections::HashMap;
use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::cypher_names::CypherNames;
use super::ids::{IdMap, NodeIds};
use super::SOURCES_PROP;
use super::{parse_aliases, parse_sources, RowError, ALIASES_PROP, KEY_PROP};
use crate::store::{Alias, Citation, EntityId, Graph, NewEntity, StoreError, HINT_FAR, HINT_NEAR};
use crate::value::{Date, Value, ValueMap};

/// An input format of `kg import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Neo4j admin-import CSV (`:ID`, `:LABEL`, `:START_ID`, `:END_ID`, `:TYPE`, typed headers).
    Neo4j,
    /// Plain CSV: `id,label,...` nodes, `src,dst,type,...` edges, inferred types.
    Csv,
    /// APOC-style JSON lines.
    Jsonl,
    /// A kg fact file.
    Facts,
    /// A Cypher script written by `kg export --format cypher`.
    Cypher,
}

impl InputFormat {
    /// Parses a `--format` value.
    pub fn parse(s: &str) -> Result<InputFormat, String> {
        match s.to_ascii_lowercase().as_str() {
            "neo4j" => Ok(InputFormat::Neo4j),
            "csv" => Ok(InputFormat::Csv),
            "jsonl" | "json" | "ndjson" | "apoc" => Ok(InputFormat::Jsonl),
            "facts" | "kg" => Ok(InputFormat::Facts),
            "cypher" | "cypherl" => Ok(InputFormat::Cypher),
            _ => Err(format!(
                "kg import: unknown format `{s}`; expected neo4j, csv, jsonl, facts or cypher"
            )),
        }
    }
}

/// What an input file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Nodes (CSV).
    Nodes,
    /// Relationships (CSV).
    Edges,
    /// Decided from the file (its header, or both kinds for JSON lines).
    Any,
}

/// One input file of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The file.
    pub path: PathBuf,
    /// Nodes, edges or either.
    pub role: Role,
    /// The format, or `None` to infer it from the extension and header.
    pub format: Option<InputFormat>,
}

impl Input {
    /// A node file.
    pub fn nodes(path: &Path, format: Option<InputFormat>) -> Input {
        Input {
            path: path.to_path_buf(),
            role: Role::Nodes,
            format,
        }
    }

    /// A relationship file.
    pub fn edges(path: &Path, format: Option<InputFormat>) -> Input {
        Input {
            path: path.to_path_buf(),
            role: Role::Edges,
            format,
        }
    }

    /// A file whose role is read from it.
    pub fn any(path: &Path, format: Option<InputFormat>) -> Input {
        Input {
            path: path.to_path_buf(),
            role: Role::Any,
            format,
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Plain CSV: no type inference, every value a string.
    pub strings: bool,
    /// Skip bad rows instead of failing.
    pub skip_bad: bool,
    /// The CSV field delimiter.
    pub delimiter: u8,
    /// The delimiter inside `:LABEL`, `label` and array fields.
    pub array_delimiter: u8,
    /// Show a progress bar for large inputs when standard error is a terminal.
    pub progress: bool,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            strings: false,
            skip_bad: false,
            delimiter: b',',
            array_delimiter: b';',
            progress: false,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Entities added.
    pub entities: usize,
    /// Relations added.
    pub relations: usize,
    /// Bad rows skipped (with `skip_bad`).
    pub skipped: usize,
    /// The first skipped rows' errors (at most 100).
    pub errors: Vec<RowError>,
}

/// Why an import failed; the graph it was given is dropped unchanged from the
/// caller's point of view (imports work on a graph they own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportFailure {
    /// A file could not be read, or its header or format is unusable.
    Input(String),
    /// Bad rows (the first 100 of them) and how many there were.
    Rows {
        /// The first bad rows.
        errors: Vec<RowError>,
        /// How many bad rows there were.
        total: usize,
    },
}

impl fmt::Display for ImportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportFailure::Input(m) => f.write_str(m),
            ImportFailure::Rows { errors, total } => {
                for e in errors.iter().take(20) {
                    writeln!(f, "{e}")?;
                }
                if *total > 20 {
                    writeln!(f, "... and {} more", total - 20)?;
                }
                write!(
                    f,
                    "kg import: {total} bad row{}; nothing was imported (--skip-bad skips bad rows)",
                    if *total == 1 { "" } else { "s" }
                )
            }
        }
    }
}

const KEEP_ERRORS: usize = 100;

/// The import state: the graph being built, node ids seen per id space, errors.
struct Ctx<'o> {
    graph: Graph,
    opts: &'o ImportOptions,
    /// id space → node id → entity (Neo4j CSV and JSON lines).
    ids: NodeIds,
    errors: Vec<RowError>,
    bad: usize,
    entities: usize,
    relations: usize,
    pending: Vec<PendingRel>,
}

/// A JSON-lines relationship waiting for every node to be read.
struct PendingRel {
    file: String,
    line: u64,
    start: String,
    end: String,
    rel_type: String,
    props: ValueMap,
    sources: Vec<Citation>,
}

impl Ctx<'_> {
    fn bad(&mut self, e: RowError) {
        self.bad += 1;
        if self.errors.len() < KEEP_ERRORS {
            self.errors.push(e);
        }
    }

    fn add_entity(&mut self, new: NewEntity) -> Result<EntityId, StoreError> {
        let id = self.graph.add_entity(new)?;
        self.entities += 1;
        Ok(id)
    }

    fn remember(&mut self, space: &str, id: &str, eid: EntityId) {
        self.ids.insert(space, id, eid);
    }

    fn lookup(&self, space: &str, id: &str) -> Option<EntityId> {
        self.ids.get(space, id).or_else(|| {
            if space.is_empty() {
                self.graph.entity_by_key(id)
            } else {
                None
            }
        })
    }
}

/// Imports `inputs` into `base`: node files first, then relationship files,
/// then the relationships of JSON-lines files. Fails on the first unreadable
/// file, or after reading everything when a row was bad (unless
/// `opts.skip_bad`).
pub fn import(
    base: Graph,
    inputs: &[Input],
    opts: &ImportOptions,
) -> Result<(Graph, ImportReport), ImportFailure> {
    let mut ctx = Ctx {
        graph: base,
        opts,
        ids: NodeIds::default(),
        errors: Vec::new(),
        bad: 0,
        entities: 0,
        relations: 0,
        pending: Vec::new(),
    };
    // Resolve formats and roles first, so an unreadable header fails fast.
    let mut plan = Vec::new();
    // Every input is held whole while importing: refuse inputs larger than
    // the memory kg may use, instead of running out of memory.
    let budget = crate::limits::default_memory_limit();
    let mut held = 0u64;
    for input in inputs {
        let name = input.path.display().to_string();
        held = held.saturating_add(std::fs::metadata(&input.path).map_or(0, |m| m.len()));
        if held > budget {
            return Err(ImportFailure::Input(format!(
                "kg import: the inputs up to {name} are {} in all, more than the memory kg may use ({}); import fewer or smaller files at a time",
                crate::limits::format_size(held),
                crate::limits::format_size(budget)
            )));
        }
        let data = std::fs::read(&input.path)
            .map_err(|e| ImportFailure::Input(format!("kg import: cannot read {name}: {e}")))?;
        let format = match input.format {
            Some(f) => f,
            None => detect_format(&input.path, &data, opts.delimiter),
        };
        let role = match (format, input.role) {
            (InputFormat::Csv | InputFormat::Neo4j, Role::Any) => {
                detect_role(&name, &data, opts.delimiter)?
            }
            (_, r) => r,
        };
        plan.push((name, data, format, role));
    }
    // Nodes (and whole-graph formats) first, then edges.
    let t0 = std::time::Instant::now();
    for pass in [Role::Nodes, Role::Edges] {
        if pass == Role::Edges {
            crate::trace::phase("import: nodes read", t0);
            ctx.ids.compact();
            crate::trace::phase("import: node ids compacted", t0);
        }
        for (name, data, format, role) in &plan {
            let this_pass = match format {
                InputFormat::Csv | InputFormat::Neo4j => *role == pass,
                _ => pass == Role::Nodes,
            };
            if !this_pass {
                continue;
            }
            match format {
                InputFormat::Csv | InputFormat::Neo4j => {
                    read_csv(&mut ctx, name, data, *format == InputFormat::Neo4j, pass)?
                }
                InputFormat::Jsonl => read_jsonl(&mut ctx, name, data),
                InputFormat::Facts => read_facts(&mut ctx, name, data)?,
                InputFormat::Cypher => read_cypher(&mut ctx, name, data)?,
            }
        }
    }
    crate::trace::phase("import: relations read", t0);
    let pending = std::mem::take(&mut ctx.pending);
    for p in pending {
        let (Some(from), Some(to)) = (ctx.lookup("", &p.start), ctx.lookup("", &p.end)) else {
            let missing = if ctx.lookup("", &p.start).is_none() {
                &p.start
            } else {
                &p.end
            };
            ctx.bad(RowError {
                file: p.file,
                line: p.line,
                column: None,
                message: format!("unknown node id `{missing}`"),
            });
            continue;
        };
        match ctx
            .graph
            .add_relation(from, to, &p.rel_type, p.props, p.sources)
        {
            Ok(_) => ctx.relations += 1,
            Err(e) => ctx.bad(RowError {
                file: p.file,
                line: p.line,
                column: None,
                message: e.to_string(),
            }),
        }
    }
    if ctx.bad > 0 && !opts.skip_bad {
        return Err(ImportFailure::Rows {
            errors: ctx.errors,
            total: ctx.bad,
        });
    }
    let report = ImportReport {
        entities: ctx.entities,
        relations: ctx.relations,
        skipped: ctx.bad,
        errors: ctx.errors,
    };
    Ok((ctx.graph, report))
}

fn detect_format(path: &Path, data: &[u8], delimiter: u8) -> InputFormat {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "jsonl" | "json" | "ndjson" => return InputFormat::Jsonl,
        "kg" => return InputFormat::Facts,
        "cypher" | "cypherl" | "cql" => return InputFormat::Cypher,
        _ => {}
    }
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return InputFormat::Jsonl;
    }
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut rec = csv::StringRecord::new();
    if !rdr.read_record(&mut rec).unwrap_or(false) {
        return InputFormat::Csv;
    }
    let fields: Vec<&str> = rec
        .iter()
        .map(|f| f.trim_matches(['\u{feff}', ' ']))
        .collect();
    // A column typed or tagged the Neo4j way (`name:int`, `:ID`) means Neo4j
    // headers; other names may hold `:` (`schema:name`) in plain CSV.
    let typed = fields
        .iter()
        .any(|f| split_header(f).1.is_some_and(is_header_type));
    if typed {
        InputFormat::Neo4j
    } else {
        InputFormat::Csv
    }
}

fn detect_role(name: &str, data: &[u8], delimiter: u8) -> Result<Role, ImportFailure> {
    let header = data.split(|b| *b == b'\n').next().unwrap_or(b"");
    let header = String::from_utf8_lossy(header);
    for f in header.split(delimiter as char) {
        let f = f.trim_matches(['"', '\r', ' ']).to_ascii_lowercase();
        if f.contains(":start_id") || matches!(f.as_str(), "src" | "source" | "from" | "start") {
            return Ok(Role::Edges);
        }
        if f.contains(":id") || f.contains(":label") || matches!(f.as_str(), "id" | "label") {
            return Ok(Role::Nodes);
        }
    }
    Err(ImportFailure::Input(format!(
        "{name}:1: cannot tell whether this CSV file holds nodes (`id`, `:ID`) or \
         relationships (`src`, `:START_ID`); use --nodes or --edges"
    )))
}

// ----- CSV -------------------------------------------------------------------

/// A property type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    Float,
    Bool,
    Str,
    Date,
}

/// What a CSV column means.
#[derive(Debug, Clone, PartialEq)]
enum Col {
    /// The node id in an id space; `prop` also stores it as a property.
    Id {
        space: String,
        prop: Option<(String, Ty)>,
    },
    Labels,
    Start(String),
    End(String),
    Type,
    Key,
    Aliases,
    Sources,
    Prop {
        name: String,
        ty: Ty,
        array: bool,
    },
    Ignore,
}

fn neo4j_type(t: &str) -> Option<(Ty, bool)> {
    let lower = t.trim().to_ascii_lowercase();
    let (base, array) = match lower.strip_suffix("[]") {
        Some(b) => (b.to_string(), true),
        None => (lower, false),
    };
    let ty = match base.as_str() {
        "int" | "long" | "short" | "byte" | "integer" => Ty::Int,
        "float" | "double" => Ty::Float,
        "boolean" | "bool" => Ty::Bool,
        "string" | "char" => Ty::Str,
        "date" => Ty::Date,
        _ => return None,
    };
    Some((ty, array))
}

/// Neo4j column types kg cannot hold yet (temporal and spatial values).
fn unsupported_type(t: &str) -> bool {
    let lower = t.trim().to_ascii_lowercase();
    let base = lower.strip_suffix("[]").unwrap_or(&lower);
    matches!(
        base,
        "datetime" | "localdatetime" | "time" | "localtime" | "duration" | "point"
    )
}

/// `:ID(Space)` → Some("Space"); `:ID` → Some("").
fn with_space<'a>(field: &'a str, tag: &str) -> Option<&'a str> {
    let upper = field.to_ascii_uppercase();
    if !upper.starts_with(tag) {
        return None;
    }
    let rest = &field[tag.len()..];
    if rest.is_empty() {
        return Some("");
    }
    rest.strip_prefix('(').and_then(|r| r.strip_suffix(')'))
}

/// True when `t` is what may follow the name's `:` in a Neo4j header: a
/// column tag (`ID`, `LABEL`, ...) or a property type.
fn is_header_type(t: &str) -> bool {
    ["ID", "START_ID", "END_ID"]
        .iter()
        .any(|tag| with_space(t, tag).is_some())
        || ["LABEL", "TYPE", "IGNORE"]
            .iter()
            .any(|tag| t.eq_ignore_ascii_case(tag))
        || neo4j_type(t).is_some()
}

/// A Neo4j header `name:type` split at the last `:` that is followed by a
/// type or tag (a property name may hold `:`), else at the first `:`.
fn split_header(h: &str) -> (&str, Option<&str>) {
    let colons: Vec<usize> = h.match_indices(':').map(|(i, _)| i).collect();
    let at = colons
        .iter()
        .rev()
        .find(|&&i| is_header_type(&h[i + 1..]))
        .or(colons.first());
    match at {
        Some(&i) => (&h[..i], Some(&h[i + 1..])),
        None => (h, None),
    }
}

fn header_error(name: &str, column: &str, message: String) -> ImportFailure {
    ImportFailure::Input(
        RowError {
            file: name.to_string(),
            line: 1,
            column: Some(column.to_string()),
            message,
        }
        .to_string(),
    )
}

fn neo4j_columns(name: &str, headers: &[String], role: Role) -> Result<Vec<Col>, ImportFailure> {
    let mut cols = Vec::with_capacity(headers.len());
    for h in headers {
        let (prop, typ) = split_header(h);
        let col = match typ {
            Some(t) if with_space(t, "ID").is_some() => Col::Id {
                space: with_space(t, "ID").unwrap_or("").to_string(),
                prop: (!prop.is_empty()).then(|| (prop.to_string(), Ty::Str)),
            },
            Some(t) if t.eq_ignore_ascii_case("LABEL") => Col::Labels,
            Some(t) if with_space(t, "START_ID").is_some() => {
                Col::Start(with_space(t, "START_ID").unwrap_or("").to_string())
            }
            Some(t) if with_space(t, "END_ID").is_some() => {
                Col::End(with_space(t, "END_ID").unwrap_or("").to_string())
            }
            Some(t) if t.eq_ignore_ascii_case("TYPE") => Col::Type,
            Some(t) if t.eq_ignore_ascii_case("IGNORE") => Col::Ignore,
            // Only the untyped columns carry kg's data: `_key:string` is a property.
            None if prop == KEY_PROP => Col::Key,
            None if prop == ALIASES_PROP => Col::Aliases,
            None if prop == SOURCES_PROP => Col::Sources,
            None => Col::Prop {
                name: prop.to_string(),
                ty: Ty::Str,
                array: false,
            },
            Some(t) if unsupported_type(t) => {
                return Err(header_error(
                    name,
                    h,
                    format!(
                        "column type `{t}` is not supported: kg has no such values; \
                         declare the column `string` to keep its text"
                    ),
                ))
            }
            Some(t) => match neo4j_type(t) {
                Some((ty, array)) if !prop.is_empty() => Col::Prop {
                    name: prop.to_string(),
                    ty,
                    array,
                },
                _ => {
                    return Err(header_error(
                        name,
                        h,
                        format!(
                            "unknown column type `{t}`; expected int, long, float, double, \
                             boolean, string, date (with [] for arrays), or :ID, :LABEL, \
                             :START_ID, :END_ID, :TYPE, :IGNORE"
                        ),
                    ))
                }
            },
        };
        cols.push(col);
    }
    check_columns(name, &cols, role)?;
    Ok(cols)
}

fn plain_columns(name: &str, headers: &[String], role: Role) -> Result<Vec<Col>, ImportFailure> {
    let mut cols = Vec::with_capacity(headers.len());
    for h in headers {
        let lower = h.to_ascii_lowercase();
        let col = match (role, lower.as_str()) {
            (Role::Nodes, "id") => Col::Id {
                space: String::new(),
                prop: Some((h.clone(), Ty::Str)),
            },
            (Role::Nodes, "label" | "labels") => Col::Labels,
            (Role::Edges, "src" | "source" | "from" | "start") => Col::Start(String::new()),
            (Role::Edges, "dst" | "target" | "to" | "end") => Col::End(String::new()),
            (Role::Edges, "type") => Col::Type,
            _ if h == KEY_PROP => Col::Key,
            _ if h == ALIASES_PROP => Col::Aliases,
            _ if h == SOURCES_PROP => Col::Sources,
            _ => Col::Prop {
                name: h.clone(),
                ty: Ty::Str,
                array: false,
            },
        };
        cols.push(col);
    }
    check_columns(name, &cols, role)?;
    Ok(cols)
}

fn check_columns(name: &str, cols: &[Col], role: Role) -> Result<(), ImportFailure> {
    let has = |f: &dyn Fn(&Col) -> bool| cols.iter().filter(|c| f(c)).count();
    let fail = |m: &str| {
        Err(ImportFailure::Input(format!(
            "{name}:1: {m} (header: see kg import --help)"
        )))
    };
    match role {
        Role::Edges => {
            if has(&|c| matches!(c, Col::Start(_))) != 1 {
                return fail("a relationship file needs exactly one `src` / `:START_ID` column");
            }
            if has(&|c| matches!(c, Col::End(_))) != 1 {
                return fail("a relationship file needs exactly one `dst` / `:END_ID` column");
            }
            if has(&|c| matches!(c, Col::Type)) != 1 {
                return fail("a relationship file needs exactly one `type` / `:TYPE` column");
            }
        }
        _ => {
            if has(&|c| matches!(c, Col::Id { .. })) > 1 {
                return fail("a node file may have only one `id` / `:ID` column");
            }
            if has(&|c| matches!(c, Col::Labels)) > 1 {
                return fail("a node file may have only one `label` / `:LABEL` column");
            }
        }
    }
    Ok(())
}

fn is_int(f: &[u8]) -> bool {
    let d = match f.first() {
        Some(b'-' | b'+') => &f[1..],
        _ => f,
    };
    !d.is_empty() && d.len() <= 18 && d.iter().all(u8::is_ascii_digit)
        || std::str::from_utf8(f).is_ok_and(|s| s.parse::<i64>().is_ok())
}

fn is_number(f: &[u8]) -> bool {
    let mut i = 0;
    if matches!(f.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < f.len() && f[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    let mut n = digits(&mut i);
    if i < f.len() && f[i] == b'.' {
        i += 1;
        n += digits(&mut i);
    }
    if n == 0 {
        return false;
    }
    if i < f.len() && (f[i] == b'e' || f[i] == b'E') {
        i += 1;
        if i < f.len() && (f[i] == b'-' || f[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == f.len()
}

fn parse_scalar(ty: Ty, s: &str) -> Result<Value, String> {
    match ty {
        Ty::Str => Ok(Value::String(s.to_string())),
        Ty::Int => s
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("`{s}` is not an integer")),
        Ty::Float => s
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| format!("`{s}` is not a number")),
        Ty::Bool => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{s}` is not a boolean (true or false)")),
        },
        Ty::Date => Date::parse(s.trim())
            .map(Value::Date)
            .map_err(|e| e.to_string()),
    }
}

fn utf8(f: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(f).map_err(|e| format!("not valid UTF-8 ({e})"))
}

fn progress_bar(opts: &ImportOptions, name: &str, len: usize) -> Option<indicatif::ProgressBar> {
    if !opts.progress || len < 16 << 20 || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(name.to_string());
    Some(pb)
}

fn csv_reader<'a>(data: &'a [u8], opts: &ImportOptions) -> csv::Reader<&'a [u8]> {
    csv::ReaderBuilder::new()
        .delimiter(opts.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(data)
}

fn read_csv(
    ctx: &mut Ctx<'_>,
    name: &str,
    data: &[u8],
    neo4j: bool,
    role: Role,
) -> Result<(), ImportFailure> {
    let opts = *ctx.opts;
    let mut rdr = csv_reader(data, &opts);
    let mut rec = ByteRecord::new();
    let read_err = |e: csv::Error| ImportFailure::Input(format!("{name}: {e}"));
    if !rdr.read_byte_record(&mut rec).map_err(read_err)? {
        return Err(ImportFailure::Input(format!(
            "{name}: empty file (no header)"
        )));
    }
    let mut headers = Vec::with_capacity(rec.len());
    for (i, f) in rec.iter().enumerate() {
        let mut h = utf8(f)
            .map_err(|m| header_error(name, &format!("{}", i + 1), m))?
            .trim()
            .to_string();
        if i == 0 {
            h = h.trim_start_matches('\u{feff}').to_string();
        }
        headers.push(h);
    }
    for (i, h) in headers.iter().enumerate() {
        if let Some(j) = headers[..i].iter().position(|x| x == h) {
            return Err(header_error(
                name,
                h,
                format!(
                    "column {} repeats column {} (each column may appear once)",
                    i + 1,
                    j + 1
                ),
            ));
        }
    }
    let mut cols = if neo4j {
        neo4j_columns(name, &headers, role)?
    } else {
        plain_columns(name, &headers, role)?
    };
    if !neo4j && !opts.strings {
        let t0 = std::time::Instant::now();
        infer_types(&mut cols, data, &opts);
        crate::trace::phase("import: column types inferred", t0);
    }
    let ncols = cols.len();
    let pb = progress_bar(&opts, name, data.len());
    if role == Role::Edges {
        read_csv_edges(ctx, name, data, &cols, &headers, pb.as_ref());
        if let Some(pb) = pb {
            pb.finish_and_clear();
        }
        return Ok(());
    }
    let mut rows: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                ctx.bad(RowError {
                    file: name.to_string(),
                    line,
                    column: None,
                    message: e.to_string(),
                });
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        rows += 1;
        if rows & 0xffff == 0 {
            if let Some(pb) = &pb {
                pb.set_position(rec.position().map_or(0, |p| p.byte()));
            }
        }
        let line = rec.position().map_or(0, |p| p.line());
        if let Some((e, lost)) = unclosed_quote(name, data, &rec, rdr.position(), &headers) {
            ctx.bad(e);
            ctx.bad += lost - 1;
            break;
        }
        if rec.len() == 1 && rec.get(0).is_some_and(<[u8]>::is_empty) {
            continue; // a blank line
        }
        if rec.len() != ncols {
            ctx.bad(RowError {
                file: name.to_string(),
                line,
                column: None,
                message: format!("expected {ncols} fields, found {}", rec.len()),
            });
            continue;
        }
        if let Err((column, message)) = csv_node(ctx, &cols, &headers, &rec, opts.array_delimiter) {
            ctx.bad(RowError {
                file: name.to_string(),
                line,
                column,
                message,
            });
        }
    }
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    Ok(())
}

/// Plain CSV: sets each property column's type from its values.
fn infer_types(cols: &mut [Col], data: &[u8], opts: &ImportOptions) {
    let n = cols.len();
    // (all integers, all numbers, any value)
    let mut state = vec![(true, true); n];
    let mut rdr = csv_reader(data, opts);
    let mut rec = ByteRecord::new();
    let mut first = true;
    let targets: Vec<usize> = (0..n)
        .filter(|&i| matches!(cols[i], Col::Prop { .. } | Col::Id { .. }))
        .collect();
    while let Ok(true) = rdr.read_byte_record(&mut rec) {
        if first {
            first = false;
            continue;
        }
        for &i in &targets {
            let Some(f) = rec.get(i) else { continue };
            if f.is_empty() {
                continue;
            }
            let s = &mut state[i];
            if s.0 && !is_int(f) {
                s.0 = false;
            }
            if s.1 && !s.0 && !is_number(f) {
                s.1 = false;
            }
        }
    }
    for (i, col) in cols.iter_mut().enumerate() {
        let ty = match state[i] {
            (true, _) => Ty::Int,
            (false, true) => Ty::Float,
            _ => Ty::Str,
        };
        match col {
            Col::Prop { ty: t, .. } => *t = ty,
            Col::Id {
                prop: Some((_, t)), ..
            } => *t = ty,
            _ => {}
        }
    }
}

type ColError = (Option<String>, String);

/// When `rec` is the file's last record and it holds an odd number of
/// quotes, a quoted field opened in it was never closed and swallowed the
/// rest of the file: the error (at the line the record starts) and how many
/// lines were lost.
fn unclosed_quote(
    name: &str,
    data: &[u8],
    rec: &ByteRecord,
    next: &csv::Position,
    headers: &[String],
) -> Option<(RowError, usize)> {
    if (next.byte() as usize) < data.len() {
        return None;
    }
    let start = rec.position()?;
    let raw = data.get(start.byte() as usize..)?;
    if raw.iter().filter(|&&b| b == b'"').count() % 2 == 0 {
        return None;
    }
    let lines = raw
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count()
        .max(1);
    let column = rec
        .len()
        .checked_sub(1)
        .and_then(|i| headers.get(i))
        .cloned();
    let message = format!(
        "a quoted field opened here is never closed, so the rest of the file \
         ({lines} line{}) was read as one field",
        if lines == 1 { "" } else { "s" }
    );
    Some((
        RowError {
            file: name.to_string(),
            line: start.line(),
            column,
            message,
        },
        lines,
    ))
}

fn field_value(ty: Ty, array: bool, s: &str, array_delimiter: u8) -> Result<Value, String> {
    if array {
        let mut items = Vec::new();
        for part in s.split(array_delimiter as char) {
            items.push(parse_scalar(ty, part)?);
        }
        Ok(Value::List(items))
    } else {
        parse_scalar(ty, s)
    }
}

fn csv_node(
    ctx: &mut Ctx<'_>,
    cols: &[Col],
    headers: &[String],
    rec: &ByteRecord,
    array_delimiter: u8,
) -> Result<(), ColError> {
    let mut new = NewEntity::default();
    let mut node_id: Option<(&str, &str)> = None;
    let mut explicit_key = false;
    for (i, col) in cols.iter().enumerate() {
        let raw = rec.get(i).unwrap_or(b"");
        let at = |m: String| (Some(headers[i].clone()), m);
        if raw.is_empty() {
            if let Col::Key = col {
                explicit_key = true;
            }
            continue;
        }
        let s = utf8(raw).map_err(at)?;
        match col {
            Col::Id { space, prop } => {
                node_id = Some((space.as_str(), s));
                if let Some((pname, ty)) = prop {
                    new.props
                        .insert(pname.clone(), parse_scalar(*ty, s).map_err(at)?);
                }
            }
            Col::Labels => {
                for l in s.split(array_delimiter as char) {
                    let l = l.trim();
                    if !l.is_empty() && !new.labels.iter().any(|x| x == l) {
                        new.labels.push(l.to_string());
                    }
                }
            }
            Col::Key => {
                explicit_key = true;
                new.key = Some(s.to_string());
            }
            Col::Aliases => new.aliases = parse_aliases(s).map_err(at)?,
            Col::Sources => new.sources = parse_sources(s).map_err(at)?,
            Col::Prop { name, ty, array } => {
                let v = field_value(*ty, *array, s, array_delimiter).map_err(at)?;
                new.props.insert(name.clone(), v);
            }
            Col::Start(_) | Col::End(_) | Col::Type | Col::Ignore => {}
        }
    }
    let id_col = cols.iter().position(|c| matches!(c, Col::Id { .. }));
    if let Some(i) = id_col {
        let Some((space, id)) = node_id else {
            return Err((Some(headers[i].clone()), "empty node id".into()));
        };
        // Only node ids count here: a key equal to another node's id is fine.
        if ctx.ids.get(space, id).is_some() {
            return Err((
                Some(headers[i].clone()),
                format!("duplicate node id `{id}`"),
            ));
        }
        if !explicit_key && space.is_empty() {
            new.key = Some(id.to_string());
        }
    }
    let key_from_id =
        id_col.filter(|_| !explicit_key && node_id.is_some_and(|(s, _)| s.is_empty()));
    let eid = ctx.add_entity(new).map_err(|e| match e {
        StoreError::DuplicateKey(k) if key_from_id.is_some() => (
            key_from_id.map(|i| headers[i].clone()),
            format!("duplicate node id `{k}`"),
        ),
        StoreError::DuplicateKey(k) => (
            None,
            format!("an entity with key `{k}` already exists (duplicate node id?)"),
        ),
        e => (None, e.to_string()),
    })?;
    if let Some((space, id)) = node_id {
        ctx.remember(space, id, eid);
    }
    Ok(())
}

/// A relationship end: an entity found among the nodes read so far, or an
/// id to look up in the key index of the graph (column index for errors).
enum End {
    Id(EntityId),
    Key(String, usize),
}

/// What the edge parser hands to the graph builder, in file order.
enum EdgeMsg {
    /// A relationship type seen for the first time (its index is the count so far).
    Type(String),
    /// A parsed row.
    Row {
        line: u64,
        from: End,
        to: End,
        ty: u32,
        props: ValueMap,
        sources: Vec<Citation>,
    },
    /// A bad row.
    /// Bad rows: the error of the first and how many rows it stands for.
    Bad(RowError, usize),
}

const EDGE_BATCH: usize = 4096;

/// Reads a relationship CSV file with two threads: one parses rows and finds
/// their ends, the other (this one) adds them to the graph, in file order.
fn read_csv_edges(
    ctx: &mut Ctx<'_>,
    name: &str,
    data: &[u8],
    cols: &[Col],
    headers: &[String],
    pb: Option<&indicatif::ProgressBar>,
) {
    let ids = std::mem::take(&mut ctx.ids);
    let opts = *ctx.opts;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<EdgeMsg>>(16);
    std::thread::scope(|s| {
        let ids = &ids;
        s.spawn(move || parse_edges(name, data, &opts, cols, headers, ids, pb, tx));
        let mut types: Vec<crate::store::RelType> = Vec::new();
        for batch in rx {
            let hints = ctx.graph.prefetcher();
            let ends = |m: Option<&EdgeMsg>| match m {
                Some(EdgeMsg::Row {
                    from: End::Id(a),
                    to: End::Id(b),
                    ..
                }) => Some((*a, *b)),
                _ => None,
            };
            let mut batch = batch.into_iter();
            while let Some(msg) = batch.next() {
                let ahead = batch.as_slice();
                if let Some((a, b)) = ends(ahead.get(HINT_FAR)) {
                    hints.slots(a, b);
                }
                if let Some((a, b)) = ends(ahead.get(HINT_NEAR)) {
                    hints.nodes(&ctx.graph, a, b);
                }
                match msg {
                    EdgeMsg::Type(t) => types.push(t.as_str().into()),
                    EdgeMsg::Bad(e, rows) => {
                        ctx.bad(e);
                        ctx.bad += rows.saturating_sub(1);
                    }
                    EdgeMsg::Row {
                        line,
                        from,
                        to,
                        ty,
                        props,
                        sources,
                    } => {
                        let mut resolve = |end: End| match end {
                            End::Id(id) => Some(id),
                            End::Key(k, col) => {
                                let found = ctx.graph.entity_by_key(&k);
                                if found.is_none() {
                                    ctx.bad(RowError {
                                        file: name.to_string(),
                                        line,
                                        column: Some(headers[col].clone()),
                                        message: format!("unknown node id `{k}`"),
                                    });
                                }
                                found
                            }
                        };
                        let Some(from) = resolve(from) else { continue };
                        let Some(to) = resolve(to) else { continue };
                        let rel_type = types.get(ty as usize).copied().unwrap_or_else(|| "".into());
                        match ctx.graph.add_relation(from, to, rel_type, props, sources) {
                            Ok(_) => ctx.relations += 1,
                            Err(e) => ctx.bad(RowError {
                                file: name.to_string(),
                                line,
                                column: None,
                                message: e.to_string(),
                            }),
                        }
                    }
                }
            }
        }
    });
    ctx.ids = ids;
}

#[allow(clippy::too_many_arguments)]
fn parse_edges(
    name: &str,
    data: &[u8],
    opts: &ImportOptions,
    cols: &[Col],
    headers: &[String],
    ids: &NodeIds,
    pb: Option<&indicatif::ProgressBar>,
    tx: std::sync::mpsc::SyncSender<Vec<EdgeMsg>>,
) {
    let mut rdr = csv_reader(data, opts);
    let mut rec = ByteRecord::new();
    let mut types: HashMap<Vec<u8>, u32> = HashMap::new();
    // Each end column's id map, found once.
    let ends: Vec<Option<&IdMap>> = cols
        .iter()
        .map(|c| match c {
            Col::Start(space) | Col::End(space) => ids.space(space),
            _ => None,
        })
        .collect();
    let mut batch = Vec::with_capacity(EDGE_BATCH);
    let ncols = cols.len();
    let mut rows: u64 = 0;
    let bad = |line: u64, column: Option<String>, message: String| {
        EdgeMsg::Bad(
            RowError {
                file: name.to_string(),
                line,
                column,
                message,
            },
            1,
        )
    };
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let io = matches!(e.kind(), csv::ErrorKind::Io(_));
                batch.push(bad(line, None, e.to_string()));
                if io {
                    break;
                }
                continue;
            }
        }
        rows += 1;
        if rows == 1 {
            continue; // the header
        }
        if rows & 0xffff == 0 {
            if let Some(pb) = pb {
                pb.set_position(rec.position().map_or(0, |p| p.byte()));
            }
        }
        let line = rec.position().map_or(0, |p| p.line());
        if let Some((e, lost)) = unclosed_quote(name, data, &rec, rdr.position(), headers) {
            batch.push(EdgeMsg::Bad(e, lost));
            break;
        }
        if rec.len() == 1 && rec.get(0).is_some_and(<[u8]>::is_empty) {
            continue; // a blank line
        }
        if rec.len() != ncols {
            let m = format!("expected {ncols} fields, found {}", rec.len());
            batch.push(bad(line, None, m));
        } else if let Err((column, message)) = edge_row(
            cols,
            headers,
            &rec,
            &ends,
            &mut types,
            opts.array_delimiter,
            line,
            &mut batch,
        ) {
            batch.push(bad(line, column, message));
        }
        if batch.len() >= EDGE_BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(EDGE_BATCH));
            if tx.send(full).is_err() {
                return;
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
}

#[allow(clippy::too_many_arguments)]
fn edge_row(
    cols: &[Col],
    headers: &[String],
    rec: &ByteRecord,
    ends: &[Option<&IdMap>],
    types: &mut HashMap<Vec<u8>, u32>,
    array_delimiter: u8,
    line: u64,
    out: &mut Vec<EdgeMsg>,
) -> Result<(), ColError> {
    let mut from = None;
    let mut to = None;
    let mut ty = None;
    let mut props = ValueMap::default();
    let mut sources = Vec::new();
    for (i, col) in cols.iter().enumerate() {
        let raw = rec.get(i).unwrap_or(b"");
        let at = |m: String| (Some(headers[i].clone()), m);
        if raw.is_empty() {
            match col {
                Col::Start(_) | Col::End(_) => return Err(at("empty node id".into())),
                Col::Type => return Err(at("empty relationship type".into())),
                _ => continue,
            }
        }
        match col {
            Col::Start(space) | Col::End(space) => {
                let s = utf8(raw).map_err(at)?;
                let end = match ends[i].and_then(|m| m.get(s)) {
                    Some(id) => End::Id(id),
                    None if space.is_empty() => End::Key(s.to_string(), i),
                    None => return Err(at(format!("unknown node id `{s}` in id space {space}"))),
                };
                if matches!(col, Col::Start(_)) {
                    from = Some(end);
                } else {
                    to = Some(end);
                }
            }
            Col::Type => {
                ty = Some(match types.get(raw) {
                    Some(t) => *t,
                    None => {
                        let s = utf8(raw).map_err(at)?;
                        let t = types.len() as u32;
                        types.insert(raw.to_vec(), t);
                        out.push(EdgeMsg::Type(s.to_string()));
                        t
                    }
                })
            }
            Col::Sources => sources = parse_sources(utf8(raw).map_err(at)?).map_err(at)?,
            Col::Prop { name, ty, array } => {
                let s = utf8(raw).map_err(at)?;
                let v = field_value(*ty, *array, s, array_delimiter).map_err(at)?;
                props.insert(name.clone(), v);
            }
            Col::Id { .. } | Col::Labels | Col::Key | Col::Aliases | Col::Ignore => {}
        }
    }
    let (Some(from), Some(to), Some(ty)) = (from, to, ty) else {
        return Err((None, "missing relationship end or type".into()));
    };
    out.push(EdgeMsg::Row {
        line,
        from,
        to,
        ty,
        props,
        sources,
    });
    Ok(())
}

// ----- JSON lines --------------------------------------------------------------

fn json_id(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn json_scalar(v: &serde_json::Value, date: bool) -> Result<Option<Value>, String> {
    Ok(Some(match v {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().ok_or("number out of range")?),
        },
        serde_json::Value::String(s) if date => {
            Value::Date(Date::parse(s).map_err(|e| e.to_string())?)
        }
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(_) => return Err("nested lists cannot be stored".into()),
        serde_json::Value::Object(_) => return Err("maps cannot be stored as properties".into()),
    }))
}

fn json_props(obj: &serde_json::Map<String, serde_json::Value>) -> Result<ValueMap, String> {
    let dates: Vec<&str> = match obj.get("dates") {
        Some(serde_json::Value::Array(a)) => a.iter().filter_map(|d| d.as_str()).collect(),
        _ => Vec::new(),
    };
    let mut props = ValueMap::default();
    let Some(p) = obj.get("properties") else {
        return Ok(props);
    };
    let serde_json::Value::Object(p) = p else {
        return Err("`properties` must be an object".into());
    };
    for (k, v) in p {
        let date = dates.contains(&k.as_str());
        let value = match v {
            serde_json::Value::Array(items) => {
                let mut list = Vec::with_capacity(items.len());
                for it in items {
                    match json_scalar(it, date) {
                        Ok(Some(x)) => list.push(x),
                        Ok(None) => return Err(format!("property `{k}`: null in a list")),
                        Err(e) => return Err(format!("property `{k}`: {e}")),
                    }
                }
                Some(Value::List(list))
            }
            v => json_scalar(v, date).map_err(|e| format!("property `{k}`: {e}"))?,
        };
        if let Some(v) = value {
            props.insert(k.clone(), v);
        }
    }
    Ok(props)
}

fn json_field<T: serde::de::DeserializeOwned>(
    obj: &serde_json::Map<String, serde_json::Value>,
    field: &str,
) -> Result<Option<T>, String> {
    match obj.get(field) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| format!("`{field}`: {e}")),
    }
}

fn read_jsonl(ctx: &mut Ctx<'_>, name: &str, data: &[u8]) {
    for (n, line) in data.split(|b| *b == b'\n').enumerate() {
        let line_no = n as u64 + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Err(message) = jsonl_line(ctx, name, line_no, line) {
            ctx.bad(RowError {
                file: name.to_string(),
                line: line_no,
                column: None,
                message,
            });
        }
    }
}

/// The first integer in a JSON text that does not fit in 64 bits (which
/// serde_json would quietly turn into a float).
fn oversized_integer(text: &[u8]) -> Option<&str> {
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                while i < text.len()
                    && matches!(text[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                {
                    i += 1;
                }
                let token = std::str::from_utf8(&text[start..i]).unwrap_or("");
                let integer = !token.contains(['.', 'e', 'E']);
                if integer && token.parse::<i64>().is_err() {
                    return Some(token);
                }
            }
            _ => i += 1,
        }
    }
    None
}

fn jsonl_line(ctx: &mut Ctx<'_>, name: &str, line_no: u64, line: &[u8]) -> Result<(), String> {
    if let Some(n) = oversized_integer(line) {
        return Err(format!(
            "the integer {n} does not fit in 64 bits (kg integers are -2^63 to 2^63-1); \
             write it as a string or a float"
        ));
    }
    let v: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Object(obj) = v else {
        return Err("expected a JSON object".into());
    };
    let kind = obj.get("type").and_then(|t| t.as_str()).unwrap_or("");
    match kind {
        "node" => {
            let id = json_id(obj.get("id")).ok_or("a node needs an `id` (string or number)")?;
            if ctx.ids.get("", &id).is_some() {
                return Err(format!("duplicate node id `{id}`"));
            }
            let labels: Vec<String> = json_field(&obj, "labels")?.unwrap_or_default();
            let new = NewEntity {
                key: json_field(&obj, "key")?,
                labels,
                props: json_props(&obj)?,
                aliases: json_field::<Vec<Alias>>(&obj, "aliases")?.unwrap_or_default(),
                sources: json_field::<Vec<Citation>>(&obj, "sources")?.unwrap_or_default(),
            };
            let eid = ctx.add_entity(new).map_err(|e| e.to_string())?;
            ctx.remember("", &id, eid);
            Ok(())
        }
        "relationship" => {
            let end = |f: &str| {
                obj.get(f)
                    .and_then(|e| json_id(e.get("id")))
                    .ok_or_else(|| format!("a relationship needs `{f}: {{\"id\": ..}}`"))
            };
            let rel_type = obj
                .get("label")
                .and_then(|l| l.as_str())
                .filter(|l| !l.is_empty())
                .ok_or("a relationship needs a `label` (its type)")?
                .to_string();
            ctx.pending.push(PendingRel {
                file: name.to_string(),
                line: line_no,
                start: end("start")?,
                end: end("end")?,
                rel_type,
                props: json_props(&obj)?,
                sources: json_field::<Vec<Citation>>(&obj, "sources")?.unwrap_or_default(),
            });
            Ok(())
        }
        other => Err(format!(
            "`type` must be \"node\" or \"relationship\", not `{other}`"
        )),
    }
}

// ----- fact files and Cypher scripts ----------------------------------------

fn read_facts(ctx: &mut Ctx<'_>, name: &str, data: &[u8]) -> Result<(), ImportFailure> {
    let text = std::str::from_utf8(data)
        .map_err(|e| ImportFailure::Input(format!("{name}: not valid UTF-8 ({e})")))?;
    let g = crate::facts::load_named(name, text).map_err(ImportFailure::Input)?;
    add_graph(ctx, name, g)
}

fn add_graph(ctx: &mut Ctx<'_>, name: &str, g: Graph) -> Result<(), ImportFailure> {
    let (e, r) = (g.entity_count(), g.relation_count());
    if ctx.graph.entity_count() == 0 && ctx.graph.relation_count() == 0 {
        ctx.graph = g;
    } else {
        merge_graph(&mut ctx.graph, &g)
            .map_err(|m| ImportFailure::Input(format!("{name}: {m}")))?;
    }
    ctx.entities += e;
    ctx.relations += r;
    Ok(())
}

fn read_cypher(ctx: &mut Ctx<'_>, name: &str, data: &[u8]) -> Result<(), ImportFailure> {
    let text = std::str::from_utf8(data)
        .map_err(|e| ImportFailure::Input(format!("{name}: not valid UTF-8 ({e})")))?;
    let g = run_cypher_script(name, text).map_err(ImportFailure::Input)?;
    add_graph(ctx, name, g)
}

/// Runs a Cypher script (as written by `kg export --format cypher`) on an
/// empty graph and turns the properties its `// kg-names:` line declares
/// (by default `_key`, `_aliases` and `_sources`) back into keys, aliases
/// and citations.
pub fn run_cypher_script(name: &str, text: &str) -> Result<Graph, String> {
    let mut engine = crate::Engine::new();
    for piece in crate::script::split(text) {
        if piece.kind != crate::script::PieceKind::Statement {
            return Err(format!(
                "{name}:{}: shell commands are not allowed in an imported script",
                piece.line
            ));
        }
        engine
            .run(&piece.text, &Default::default())
            .map_err(|e| format!("{name}:{}: {}", piece.line, e.message))?;
    }
    lift_kg_props(&engine.into_graph(), &CypherNames::of_script(text))
}

/// A copy of `g` where the key, aliases and citation properties `names`
/// gives become keys, aliases and citations.
pub fn lift_kg_props(g: &Graph, names: &CypherNames) -> Result<Graph, String> {
    let mut out = Graph::new();
    let mut map = HashMap::new();
    for e in g.entities() {
        let mut props = e.props.clone();
        let key = match props.shift_remove(names.key_prop.as_str()) {
            Some(Value::String(k)) => Some(k),
            Some(other) => {
                return Err(format!(
                    "entity {}: `{}` is a {}",
                    e.id,
                    names.key_prop,
                    other.type_name()
                ))
            }
            None => e.key.clone(),
        };
        let mut aliases = e.aliases.clone();
        if let Some(v) = props.shift_remove(names.aliases_prop.as_str()) {
            let s = v
                .as_str()
                .ok_or_else(|| format!("`{}` must be a string", names.aliases_prop))?;
            aliases.extend(parse_aliases(s)?);
        }
        let mut sources = e.sources.clone();
        if let Some(v) = props.shift_remove(names.sources_prop.as_str()) {
            let s = v
                .as_str()
                .ok_or_else(|| format!("`{}` must be a string", names.sources_prop))?;
            sources.extend(parse_sources(s)?);
        }
        let id = out
            .add_entity(NewEntity {
                key,
                labels: e.labels.clone(),
                props,
                aliases,
                sources,
            })
            .map_err(|err| format!("entity {}: {err}", e.id))?;
        map.insert(e.id, id);
    }
    for r in g.relations() {
        let mut props = r.props.clone();
        let mut sources = r.sources.to_vec();
        if let Some(v) = props.shift_remove(names.sources_prop.as_str()) {
            let s = v
                .as_str()
                .ok_or_else(|| format!("`{}` must be a string", names.sources_prop))?;
            sources.extend(parse_sources(s)?);
        }
        let (Some(&a), Some(&b)) = (map.get(&r.from), map.get(&r.to)) else {
            return Err(format!("relation {} dangles", r.id));
        };
        out.add_relation(a, b, r.rel_type, props, sources)
            .map_err(|err| format!("relation {}: {err}", r.id))?;
    }
    Ok(out)
}

/// Adds every entity and relation of `from` to `into` (new ids). Fails on a
/// key that `into` already has; `into` may then be partly extended.
pub fn merge_graph(into: &mut Graph, from: &Graph) -> Result<(), String> {
    let mut map = HashMap::new();
    for e in from.entities() {
        let id = into
            .add_entity(NewEntity {
                key: e.key.clone(),
                labels: e.labels.clone(),
                props: e.props.clone(),
                aliases: e.aliases.clone(),
                sources: e.sources.clone(),
            })
            .map_err(|err| err.to_string())?;
        map.insert(e.id, id);
    }
    for r in from.relations() {
        let (Some(&a), Some(&b)) = (map.get(&r.from), map.get(&r.to)) else {
            return Err(format!("relation {} dangles", r.id));
        };
        into.add_relation(a, b, r.rel_type, r.props.clone(), r.sources.to_vec())
            .map_err(|err| err.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_integers() {
        for s in ["0", "-12", "+7", "9223372036854775807"] {
            assert!(is_int(s.as_bytes()), "{s}");
        }
        for s in ["", "-", "1.0", "9223372036854775808", "1e3", "12a"] {
            assert!(!is_int(s.as_bytes()), "{s}");
        }
        for s in ["1.5", "-.5", "3.", "1e10", "2.5E-3", "7"] {
            assert!(is_number(s.as_bytes()), "{s}");
        }
        for s in ["NaN", "inf", "1e", ".", "1.2.3", "Nan", "e5", "--1"] {
            assert!(!is_number(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn plain_csv_names_may_hold_colons() {
        let p = Path::new("x.csv");
        let detect = |h: &str| detect_format(p, h.as_bytes(), b',');
        assert_eq!(detect("id,label,schema:name,:\n"), InputFormat::Csv);
        assert_eq!(detect("src,dst,type,a:b:c\n"), InputFormat::Csv);
        assert_eq!(detect(":ID,:LABEL,name\n"), InputFormat::Neo4j);
        assert_eq!(detect("id,label,n:int\n"), InputFormat::Neo4j);
        assert_eq!(split_header("a:b:string"), ("a:b", Some("string")));
        assert_eq!(split_header("x:ID(p:q)"), ("x", Some("ID(p:q)")));
        assert_eq!(split_header("::int[]"), (":", Some("int[]")));
        assert_eq!(split_header("plain"), ("plain", None));
    }

    #[test]
    fn json_integers_beyond_64_bits_are_found() {
        assert_eq!(oversized_integer(br#"{"a": 9223372036854775807}"#), None);
        assert_eq!(
            oversized_integer(br#"{"a": -9223372036854775808, "b": 1e400}"#),
            None
        );
        assert_eq!(
            oversized_integer(br#"{"s": "99999999999999999999 \" 1", "a": 9223372036854775808}"#),
            Some("9223372036854775808")
        );
        assert_eq!(
            oversized_integer(br#"[-123456789012345678901234567890]"#),
            Some("-123456789012345678901234567890")
        );
    }

    #[test]
    fn neo4j_headers() {
        assert_eq!(neo4j_type("int[]"), Some((Ty::Int, true)));
        assert_eq!(neo4j_type("Boolean"), Some((Ty::Bool, false)));
        assert_eq!(neo4j_type("blob"), None);
        assert_eq!(with_space("ID(Person)", "ID"), Some("Person"));
        assert_eq!(with_space("ID", "ID"), Some(""));
        assert_eq!(with_space("IDX", "ID"), None);
    }
}
