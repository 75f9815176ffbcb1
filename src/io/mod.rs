//! Moving graphs in and out: `kg import` and `kg export`.
//!
//! Import formats ([`read`]): Neo4j admin-import CSV, plain CSV
//! (`id,label,...` nodes and `src,dst,type,...` edges, with per-column type
//! inference), APOC-style JSON lines, kg fact files and Cypher scripts
//! written by `kg export --format cypher`. Export formats ([`write`]): the
//! same CSV pair (plain or with Neo4j headers), JSON lines, GraphML,
//! N-Triples and a Cypher script.
//!
//! kg's own data (entity keys, aliases with their languages, citations) is
//! carried by every format that can: as `_key`, `_aliases` and `_sources`
//! columns or properties (the last two hold JSON arrays), as top-level
//! `key`, `aliases` and `sources` fields in JSON lines, as extra keys in
//! GraphML and as triples in N-Triples. See `LOSSES` for what each format
//! cannot carry.

pub mod cypher_names;
mod ids;
pub mod output_path;
pub mod read;
pub mod write;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::store::{Alias, Citation, Graph};

pub use read::{import, merge_graph, ImportFailure, ImportOptions, ImportReport, Input};
pub use write::{export, export_csv, ExportFormat, Selection};

/// The property holding an entity's key in formats without a key field.
pub const KEY_PROP: &str = "_key";
/// The property holding an entity's aliases as a JSON array of
/// `{"text": .., "lang": ..}` objects.
pub const ALIASES_PROP: &str = "_aliases";
/// The property holding citations as a JSON array of
/// `{"article": .., "sentence": ..}` objects.
pub const SOURCES_PROP: &str = "_sources";
/// The temporary node property the Cypher script matches nodes by (another
/// name when the graph uses this one, see [`cypher_names`]).
pub const KGID_PROP: &str = "_kgid";

/// What each export format cannot carry (printed by `kg export --losses`).
pub const LOSSES: &str = "\
jsonl     nothing for kg graphs (dates are strings listed under `dates`; NaN and
          infinite floats become null).
neo4j     empty strings and empty lists (an empty field means no property); list
          elements containing the array delimiter (`;`, see --array-delimiter)
          are split (a label containing it is refused: choose another); lists mixing Integer and Float read back as Float lists,
          other mixed lists as string lists. A property with values of several
          types gets one column per type (`since:long` and `since:date`).
          Labels and property names lose surrounding whitespace.
csv       (plain) what `neo4j` loses, plus types: one column per property, read back by
          inference (see `kg import --help`), so strings that look like
          numbers become numbers, booleans and dates become strings, lists are
          written as JSON text and read back as strings; an entity without a
          key gets the key `_<id>`; a multi-label entity's labels are joined
          with `;`; properties named like its own columns (`id`, `label`,
          `labels`, `src`, `dst`, `type` and their aliases, in any case, and
          `_key`, `_aliases`, `_sources`) are read as those columns; a file
          with a name ending in a Neo4j type or tag (`n:int`, `x:ID`) is taken
          for Neo4j headers unless imported with --format csv.
cypher    nothing when read back by `kg import --format cypher`; in Neo4j the
          partial dates `2018` and `2018-09` become full dates (first day),
          `_key`, `_aliases` and `_sources` stay plain properties (when the graph
          itself uses one of these names, or `_kgid` or `:_KgImport`, the script
          picks free ones and declares them in its `// kg-names:` line).
graphml   written only (kg does not read GraphML): control characters other
          than tab, newline and carriage return are dropped (XML cannot hold
          them); lists are JSON text (attr.type string, attr.list the element
          type; NaN and infinities as NaN, Infinity, -Infinity); labels are
          one `:A:B` string; kg's keys (labels, _key, _aliases, _sources,
          label) take a `_N` suffix when a property has their name.
ntriples  written only: list order and duplicates (one triple per element),
          entity and relation ids (entities are named by key), property types
          other than integer, double, boolean, date, string.
";

/// One bad input row: `file:line: message`, with the column when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The input file, as given.
    pub file: String,
    /// The 1-based line where the row starts (0 when unknown).
    pub line: u64,
    /// The column, when the error is about one field.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(c) = &self.column {
            write!(f, "column `{c}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// The arguments of `kg import`.
#[derive(clap::Args, Debug, Default)]
#[command(after_help = IMPORT_HELP)]
pub struct ImportArgs {
    /// Input files whose format is inferred from their extension or header:
    /// `.jsonl`/`.json`/`.ndjson` (APOC JSON lines), `.kg` (fact files),
    /// `.cypher`/`.cypherl` (kg's Cypher export), CSV otherwise.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// A node CSV file (repeatable): `id,label,...` or Neo4j admin headers.
    #[arg(long = "nodes", value_name = "FILE")]
    pub nodes: Vec<PathBuf>,
    /// A relationship CSV file (repeatable): `src,dst,type,...` or Neo4j admin headers.
    #[arg(long = "edges", alias = "relationships", value_name = "FILE")]
    pub edges: Vec<PathBuf>,
    /// The input format: neo4j, csv, jsonl, facts or cypher (default: inferred per file).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Write the graph to this graph file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace `--out` when it exists.
    #[arg(long, conflicts_with = "into_existing")]
    pub force: bool,
    /// Add to the graph already in `--out` instead of refusing.
    #[arg(long)]
    pub into_existing: bool,
    /// Skip bad rows (and count them) instead of failing.
    #[arg(long)]
    pub skip_bad: bool,
    /// Plain CSV: keep every value a string (no type inference).
    #[arg(long)]
    pub strings: bool,
    /// The CSV field delimiter.
    #[arg(long, default_value = ",", value_name = "CHAR")]
    pub delimiter: String,
    /// The delimiter inside `:LABEL` fields and array columns.
    #[arg(long, default_value = ";", value_name = "CHAR")]
    pub array_delimiter: String,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

const IMPORT_HELP: &str = "\
Plain CSV: a node file has the columns `id` (the entity key, also stored as
the property `id`) and `label` (`;`-separated labels), an edge file `src`,
`dst` (node ids) and `type`; every other column is a property. A column is
Integer when every non-empty value is an integer, Float when every value is a
number, else String (`--strings`: always String). An empty field sets no
property. Neo4j admin headers (`:ID`, `:LABEL`, `:START_ID`, `:END_ID`,
`:TYPE`, `name:type`, `name:type[]`) are recognised by themselves.

Examples:
  kg import --nodes nodes.csv --edges edges.csv --out graph.kgdb
  kg import export.jsonl --out graph.kgdb --force
  kg import --format neo4j --nodes people.csv --edges knows.csv --out g.kgdb --skip-bad";

/// The arguments of `kg export`.
#[derive(clap::Args, Debug, Default)]
pub struct ExportArgs {
    /// The graph to export: a graph file or a fact file (default: the built-in seed).
    #[arg(value_name = "GRAPH")]
    pub graph: Option<PathBuf>,
    /// Export the nodes, relationships and paths this query returns.
    #[arg(short = 'c', long = "command", value_name = "QUERY")]
    pub query: Option<String>,
    /// csv, neo4j, jsonl, graphml, ntriples or cypher (default: from -o's
    /// extension, else jsonl).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Output file (csv and neo4j: a directory receiving nodes.csv and
    /// edges.csv); default: standard output.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// The delimiter inside `:LABEL` fields and array columns (csv, neo4j).
    #[arg(long, default_value = ";", value_name = "CHAR")]
    pub array_delimiter: String,
    /// Print what each format cannot carry, and exit.
    #[arg(long)]
    pub losses: bool,
}

fn one_byte(what: &str, s: &str) -> Result<u8, String> {
    match s.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ if s == "\\t" => Ok(b'\t'),
        _ => Err(format!("kg: {what} must be one ASCII character, not `{s}`")),
    }
}

/// `kg import`: reads the inputs into a new graph (or the one in `--out`
/// with `--into-existing`) and writes it to `--out`. Nothing is written
/// when a row is bad, unless `--skip-bad`.
pub fn run_import(args: &ImportArgs) -> Result<ExitCode, String> {
    let forced = match args.format.as_deref() {
        None => None,
        Some(f) => Some(read::InputFormat::parse(f)?),
    };
    let mut inputs = Vec::new();
    for p in &args.nodes {
        inputs.push(Input::nodes(p, forced));
    }
    for p in &args.edges {
        inputs.push(Input::edges(p, forced));
    }
    for p in &args.files {
        inputs.push(Input::any(p, forced));
    }
    if inputs.is_empty() {
        return Err(
            "kg import: no input; give --nodes/--edges files or FILE arguments \
                    (see kg import --help)"
                .into(),
        );
    }
    let base = match &args.out {
        Some(out) if out.exists() => {
            if args.into_existing {
                crate::db::read_graph(Some(out))?
            } else if args.force {
                Graph::new()
            } else {
                return Err(format!(
                    "kg import: {} already exists; use --force to replace it or \
                     --into-existing to add to it",
                    out.display()
                ));
            }
        }
        _ => Graph::new(),
    };
    let opts = ImportOptions {
        strings: args.strings,
        skip_bad: args.skip_bad,
        delimiter: one_byte("--delimiter", &args.delimiter)?,
        array_delimiter: one_byte("--array-delimiter", &args.array_delimiter)?,
        progress: !args.quiet,
    };
    let started = std::time::Instant::now();
    let (graph, report) = import(base, &inputs, &opts).map_err(|f| f.to_string())?;
    if let Some(out) = &args.out {
        write_graph_file(&graph, out)?;
    }
    if !args.quiet {
        use std::io::Write;
        let mut err = crate::output::sink::stderr();
        let _ = writeln!(
            err,
            "imported {} entities and {} relations in {:.2} s{}{}",
            report.entities,
            report.relations,
            started.elapsed().as_secs_f64(),
            if report.skipped > 0 {
                format!("; skipped {} bad rows", report.skipped)
            } else {
                String::new()
            },
            match &args.out {
                Some(out) => format!("; wrote {}", out.display()),
                None => "; no --out given, nothing written".into(),
            }
        );
        for e in report.errors.iter().take(10) {
            let _ = writeln!(err, "  skipped {e}");
        }
        if report.errors.len() > 10 {
            let _ = writeln!(err, "  ... and {} more", report.skipped - 10);
        }
    }
    // The process ends here: freeing a large graph piece by piece only costs time.
    std::mem::forget(graph);
    Ok(ExitCode::SUCCESS)
}

/// Writes `graph` as a graph file at `path` (a snapshot, written atomically).
pub fn write_graph_file(graph: &Graph, path: &Path) -> Result<(), String> {
    crate::db::write_snapshot(graph, path).map_err(|e| format!("kg import: {e}"))
}

/// `kg export`: the whole graph or a query's result in one format.
pub fn run_export(args: &ExportArgs) -> Result<ExitCode, String> {
    if args.losses {
        crate::output::sink::stdout()
            .print(LOSSES)
            .map_err(|e| format!("kg export: {e}"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let format = match (&args.format, &args.output) {
        (Some(f), _) => ExportFormat::parse(f)?,
        (None, Some(o)) => ExportFormat::from_path(o).unwrap_or(ExportFormat::Jsonl),
        (None, None) => ExportFormat::Jsonl,
    };
    let array_delimiter = one_byte("--array-delimiter", &args.array_delimiter)?;
    let inputs = output_path::Inputs::reading(args.graph.as_deref());
    let csv_pair = matches!(format, ExportFormat::Csv | ExportFormat::Neo4j);
    // Refuse a bad output before the (possibly long) read.
    let csv_files = match (&args.output, csv_pair) {
        (None, true) => {
            return Err(format!(
                "kg export: --format {} writes two files; give -o DIR",
                format.name()
            ))
        }
        (Some(dir), true) => {
            let files = [dir.join("nodes.csv"), dir.join("edges.csv")];
            if dir.exists() {
                if !dir.is_dir() {
                    return Err(format!(
                        "kg export: --format {} writes two files into a directory; {} is not one",
                        format.name(),
                        dir.display()
                    ));
                }
                for f in &files {
                    output_path::check(f, output_path::Links::Refuse, &inputs)
                        .map_err(|e| format!("kg export: {e}"))?;
                }
            }
            Some(files)
        }
        (Some(p), false) => {
            output_path::check(p, output_path::Links::Follow, &inputs)
                .map_err(|e| format!("kg export: {e}"))?;
            None
        }
        (None, false) => None,
    };
    let mut graph = crate::db::read_graph(args.graph.as_deref())?;
    let selection = match &args.query {
        None => Selection::all(&graph),
        Some(q) => {
            let mut engine = crate::Engine::with_graph(graph);
            let result = engine
                .run(q, &Default::default())
                .map_err(|e| e.render("<query>", q))?;
            graph = engine.into_graph();
            let selection = Selection::from_rows(&graph, &result.rows);
            if selection.entities.is_empty() && selection.relations.is_empty() {
                // Say so rather than write an empty file silently (as `kg dot
                // -c` does); a failed write to standard error is recorded by
                // the sink and reported at the end.
                let rows = result.rows.len();
                let _ = crate::output::sink::stderr().print(&format!(
                    "kg export: the query returned no nodes, relationships or paths \
                     ({rows} row{}); the export is empty\n",
                    if rows == 1 { "" } else { "s" }
                ));
            }
            selection
        }
    };
    if let (Some([nodes_path, edges_path]), Some(dir)) = (&csv_files, &args.output) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("kg export: cannot create {}: {e}", dir.display()))?;
        let open = |p: &Path| {
            output_path::create(p, output_path::Links::Refuse, &inputs)
                .map(std::io::BufWriter::new)
                .map_err(|e| format!("kg export: {e}"))
        };
        let mut nodes = open(nodes_path)?;
        let mut edges = open(edges_path)?;
        export_csv(
            &graph,
            &selection,
            format == ExportFormat::Neo4j,
            array_delimiter,
            &mut nodes,
            &mut edges,
        )
        .and_then(|()| {
            std::io::Write::flush(&mut nodes)?;
            std::io::Write::flush(&mut edges)
        })
        .map_err(|e| format!("kg export: {e}"))?;
        return Ok(ExitCode::SUCCESS);
    }
    match &args.output {
        Some(p) => {
            let file = output_path::create(p, output_path::Links::Follow, &inputs)
                .map_err(|e| format!("kg export: {e}"))?;
            let mut w = std::io::BufWriter::new(file);
            export(&graph, &selection, format, &mut w)
                .and_then(|()| std::io::Write::flush(&mut w))
                .map_err(|e| format!("kg export: {}: {e}", p.display()))?;
        }
        None => {
            let mut w = std::io::BufWriter::new(crate::output::sink::stdout());
            export(&graph, &selection, format, &mut w)
                .and_then(|()| std::io::Write::flush(&mut w))
                .map_err(|e| format!("kg export: {e}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Encodes aliases as the JSON array stored under [`ALIASES_PROP`].
pub fn aliases_json(aliases: &[Alias]) -> String {
    serde_json::to_string(aliases).unwrap_or_else(|_| "[]".into())
}

/// Encodes citations as the JSON array stored under [`SOURCES_PROP`].
pub fn sources_json(sources: &[Citation]) -> String {
    serde_json::to_string(sources).unwrap_or_else(|_| "[]".into())
}

/// Decodes an [`ALIASES_PROP`] value.
pub fn parse_aliases(text: &str) -> Result<Vec<Alias>, String> {
    serde_json::from_str(text).map_err(|e| {
        format!("`{ALIASES_PROP}` must be a JSON array of {{\"text\", \"lang\"}} objects: {e}")
    })
}

/// Decodes a [`SOURCES_PROP`] value.
pub fn parse_sources(text: &str) -> Result<Vec<Citation>, String> {
    serde_json::from_str(text).map_err(|e| {
        format!(
            "`{SOURCES_PROP}` must be a JSON array of {{\"article\", \"sentence\"}} objects: {e}"
        )
    })
}
