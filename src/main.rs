//! The `kg` command line: the shell (REPL), scripted queries, DOT export,
//! graph statistics and grounding checks.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use kg::error::locate;
use kg::facts::{self, check};
use kg::io::output_path::{self, Links};
use kg::output::sink::{self, Stream};
use kg::output::{dot, Format};
use kg::shell::repl;
use kg::shell::session::{Flow, Session};
use kg::{Engine, ErrorKind, Graph};

/// kg: a knowledge graph with per-fact provenance and multilingual aliases.
#[derive(Parser, Debug)]
#[command(
    name = "kg",
    version,
    about,
    after_help = "GRAPH is a kg graph file; without it kg works on the built-in seed graph \
                  (or --facts FILE) in memory. A GRAPH that does not exist is created only when \
                  its name says it is a graph file: a .kgdb extension, a path with a `/` \
                  (./graph), or --create; a bare word such as `exprot` is refused (a mistyped \
                  command must not leave a graph file behind).\n\
                  Options of the shell and of queries (-c, -f, -P, --format, ...) go before \
                  or after GRAPH, never with a subcommand; a subcommand takes its GRAPH after \
                  its name (kg stats g.kgdb, kg dot g.kgdb -c QUERY).\n\
                  Without GRAPH the shell and queries also take --facts FILE (a fact file in \
                  place of the seed) and --corpus DIR (the articles `:sources` reads); kg \
                  stats, dot and check take --facts, kg check and sentences --corpus.\n\
                  Exit codes: 0 ok (also when the reader closes the output early, as `| head` \
                  does: kg then stops quietly), 1 query or file error or output that cannot be \
                  written (e.g. a full disk), 2 usage error, 130 interrupted."
)]
struct Cli {
    /// The graph file to open (created empty when it does not exist and its
    /// name ends in .kgdb or has a `/`, or with --create); default: the
    /// built-in seed graph (or --facts), in memory.
    #[arg(value_name = "GRAPH")]
    graph: Option<PathBuf>,

    /// Create GRAPH when it does not exist, whatever its name.
    #[arg(long)]
    create: bool,

    /// The shell and queries on this fact file instead of the built-in seed.
    /// Not listed in `kg --help` (the after-help text names it); `kg stats`,
    /// `kg dot` and `kg check` have their own, and one given before their
    /// name is moved there.
    #[arg(long, value_name = "FILE", hide = true)]
    facts: Option<PathBuf>,

    /// Run this query (repeatable) instead of opening the shell.
    #[arg(short = 'c', long = "command", value_name = "QUERY")]
    queries: Vec<String>,

    /// Run the statements of this script (`-` = standard input).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,

    /// Output format: table, json, jsonl, csv, tsv, markdown (default: table
    /// on a terminal, jsonl otherwise).
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,

    /// Keep running a script after an error (the exit code is still 1).
    #[arg(long = "continue")]
    keep_going: bool,

    /// Refuse statements that write; open GRAPH without locking it for writing.
    #[arg(long)]
    readonly: bool,

    /// Bind the query parameter $NAME (repeatable). VALUE is a Cypher literal
    /// (42, 2.5, 'text', [1, 2], {a: 1}, true, null) or else a plain string.
    #[arg(short = 'P', long = "param", value_name = "NAME=VALUE")]
    param: Vec<String>,

    /// Bind the query parameters of a JSON object file ({"name": value, ...}).
    #[arg(long = "params", value_name = "FILE.json")]
    params_file: Option<PathBuf>,

    /// Checkpoint GRAPH when its log grows past this many bytes.
    #[arg(long, value_name = "BYTES", hide = true)]
    wal_limit: Option<u64>,

    /// Print each statement's time on standard error.
    #[arg(long)]
    timing: bool,

    /// Run every plan as built: no optimizer rule and no data-dependent fast
    /// path (for comparing answers; EXPLAIN VERBOSE shows what the rules do).
    #[arg(long)]
    no_optimize: bool,

    /// Do not print notifications (unknown labels, relation types, property
    /// keys and aliases, with a did-you-mean) on standard error.
    #[arg(short = 'q', long)]
    quiet: bool,

    /// Stop a statement that needs more memory than SIZE (estimated), e.g.
    /// 512MB, 4GB [default: 80% of the memory kg may use].
    #[arg(long, value_name = "SIZE", value_parser = kg::limits::parse_size)]
    max_memory: Option<u64>,

    /// Stop a statement that runs longer than DURATION, e.g. 100ms, 30s, 5m,
    /// off [default: off; Ctrl-C cancels a statement in the shell].
    #[arg(long, value_name = "DURATION", value_parser = kg::limits::TimeLimit::parse)]
    timeout: Option<kg::limits::TimeLimit>,

    /// The shell's history file, or `off`.
    #[arg(long, value_name = "PATH|off")]
    history: Option<String>,

    /// Where the articles are, for the shell's `:sources` (default:
    /// ../shared/seeds when present). Not listed in `kg --help` (the
    /// after-help text names it); `kg check` and `kg sentences` have their
    /// own, and one given before their name is moved there.
    #[arg(long, value_name = "DIR", hide = true)]
    corpus: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Entities per label, relations per type, alias and citation counts.
    Stats {
        /// The graph file or fact file (default: `--facts`, else the built-in seed).
        #[arg(value_name = "GRAPH")]
        graph: Option<PathBuf>,
        /// Load this fact file instead of the built-in seed.
        #[arg(long, value_name = "FILE")]
        facts: Option<PathBuf>,
        /// text (for people) or json (one object, for programs).
        #[arg(long, default_value = "text", value_name = "text|json")]
        format: String,
    },
    /// Verify that every citation points at an existing article sentence that
    /// names what it grounds.
    Check {
        /// The fact file to check (default: `--facts`, else the built-in seed).
        file: Option<PathBuf>,
        /// The fact file to check (the same as FILE).
        #[arg(long, value_name = "FILE", conflicts_with = "file")]
        facts: Option<PathBuf>,
        /// The directory of articles (default: ../shared/seeds when present).
        #[arg(long, value_name = "DIR")]
        corpus: Option<PathBuf>,
    },
    /// Write the graph, or a query's result, as Graphviz DOT.
    Dot {
        /// The graph file or fact file (default: `--facts`, else the built-in seed).
        #[arg(value_name = "GRAPH")]
        graph: Option<PathBuf>,
        /// Load this fact file instead of the built-in seed.
        #[arg(long, value_name = "FILE")]
        facts: Option<PathBuf>,
        /// The subgraph of this query's result instead of the whole graph.
        #[arg(short = 'c', long = "command", value_name = "QUERY")]
        query: Option<String>,
        /// Add the neighbours this many hops out of the result.
        #[arg(long, default_value_t = 0, value_name = "N")]
        expand: usize,
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also render with Graphviz: svg, png or pdf (next to -o, or to standard output).
        #[arg(long, value_name = "svg|png|pdf")]
        render: Option<String>,
        /// Layout direction: LR or TB.
        #[arg(long, default_value = "LR", value_name = "LR|TB")]
        rankdir: String,
        /// Group nodes in boxes: label or none.
        #[arg(long, default_value = "none", value_name = "label|none")]
        cluster_by: String,
        /// Refuse graphs with more nodes than this.
        #[arg(long, default_value_t = 500, value_name = "N")]
        max_nodes: usize,
        /// Graphviz layout engine: dot (layered; no edge label covers a node
        /// or another label), fdp (force-directed, more compact, but edge
        /// labels may cover each other), neato, sfdp or circo.
        #[arg(long, default_value = "dot", value_name = "ENGINE")]
        layout: String,
    },
    /// Load a graph from CSV, JSON lines or fact files into a graph file.
    Import(kg::io::ImportArgs),
    /// Write a graph, or a query's result, as CSV, JSON lines, GraphML,
    /// N-Triples or a Cypher script.
    Export(kg::io::ExportArgs),
    /// Answer JSON-line query requests on standard input (for programs).
    Batch(kg::batch::BatchArgs),
    /// Write a synthetic graph of the seed graph's shape (for benchmarks).
    Generate(kg::generate::GenerateArgs),
    /// Print a shell completion script: kg completions bash > ~/.local/share/bash-completion/completions/kg
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print kg's manual page (roff): kg man > kg.1; man ./kg.1
    Man,
    /// Print an article's sentences with the numbers citations use.
    Sentences {
        /// Article files, or article names as citations give them (looked up
        /// in the corpus).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The directory of articles (default: ../shared/seeds when present).
        #[arg(long, value_name = "DIR")]
        corpus: Option<PathBuf>,
    },
}

/// A fact file's name (for messages) and text.
struct Source {
    name: String,
    text: String,
}

fn read_source(path: Option<&Path>) -> Result<Source, String> {
    match path {
        None => Ok(Source {
            name: facts::SEED_NAME.to_string(),
            text: facts::SEED.to_string(),
        }),
        Some(p) => std::fs::read_to_string(p)
            .map(|text| Source {
                name: p.display().to_string(),
                text,
            })
            .map_err(|e| format!("kg: cannot read {}: {e}", p.display())),
    }
}

/// The graph of a read-only subcommand: GRAPH, else `--facts`, else the seed.
fn read_graph(graph: Option<&Path>, facts: Option<&Path>) -> Result<Graph, String> {
    if graph.is_some() && facts.is_some() {
        return Err("kg: give either GRAPH or --facts FILE, not both".into());
    }
    kg::db::read_graph(graph.or(facts))
}

/// Tunes glibc's allocator for query work: large blocks come from the heap
/// instead of fresh `mmap`s (which the kernel zero-fills on every query) and
/// freed memory is kept for reuse instead of trimmed after each statement.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    let code = match Cli::try_parse() {
        Ok(mut cli) => match place_graph(&mut cli) {
            Ok(()) => run(&cli),
            Err(msg) => {
                print_err(&format!("kg: {msg}"));
                ExitCode::from(2)
            }
        },
        Err(e) => clap_exit(&e),
    };
    // A failed write to standard output or error decides the exit here.
    sink::finish(code)
}

/// Prints clap's help, version or usage error (on the stream clap chose)
/// and gives its exit code (0 for help and version, 2 for usage errors).
fn clap_exit(e: &clap::Error) -> ExitCode {
    if let Some(text) = without_far_suggestion(e) {
        print_err(&text);
        return ExitCode::from(2);
    }
    if let Err(io) = e.print() {
        let stream = if e.use_stderr() {
            Stream::Error
        } else {
            Stream::Output
        };
        sink::record(stream, &io);
    }
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}

/// The subcommands' names, for "did you mean" on a mistyped one.
const SUBCOMMANDS: &[&str] = &[
    "stats",
    "check",
    "dot",
    "import",
    "export",
    "batch",
    "generate",
    "sentences",
    "completions",
    "man",
];

/// Gives a subcommand the GRAPH named before it (`kg g.kgdb stats` is `kg
/// stats g.kgdb`), and refuses what would otherwise be ignored: a second
/// graph, the shell's options with a subcommand, or a GRAPH the subcommand
/// does not take. The error is a usage message.
fn place_graph(cli: &mut Cli) -> Result<(), String> {
    let Some(command) = cli.command.as_mut() else {
        return Ok(());
    };
    let name = match command {
        Command::Stats { .. } => "stats",
        Command::Check { .. } => "check",
        Command::Dot { .. } => "dot",
        Command::Import(_) => "import",
        Command::Export(_) => "export",
        Command::Batch(_) => "batch",
        Command::Generate(_) => "generate",
        Command::Sentences { .. } => "sentences",
        Command::Completions { .. } => "completions",
        Command::Man => "man",
    };
    let shell_options = [
        (!cli.queries.is_empty(), "-c"),
        (cli.file.is_some(), "-f"),
        (cli.format.is_some(), "--format"),
        (!cli.param.is_empty(), "-P"),
        (cli.params_file.is_some(), "--params"),
        (cli.keep_going, "--continue"),
        (cli.timing, "--timing"),
        (cli.history.is_some(), "--history"),
        (cli.max_memory.is_some(), "--max-memory"),
        (cli.timeout.is_some(), "--timeout"),
        (cli.create, "--create"),
        (
            cli.readonly && matches!(name, "import" | "generate"),
            "--readonly",
        ),
    ];
    if let Some((_, option)) = shell_options.iter().find(|(given, _)| *given) {
        let hint = match (*option, name) {
            ("-c", "dot" | "export") | ("--format", "export") => {
                format!("; write it after the subcommand: kg {name} {option} ...")
            }
            _ => String::new(),
        };
        return Err(format!(
            "{option} is an option of the shell and queries, not of `kg {name}`{hint}"
        ));
    }
    move_option("--facts", &mut cli.facts, facts_slot(command), name)?;
    move_option("--corpus", &mut cli.corpus, corpus_slot(command), name)?;
    let Some(graph) = cli.graph.take() else {
        return Ok(());
    };
    let slot = match command {
        Command::Stats { graph, .. } | Command::Dot { graph, .. } => graph,
        Command::Export(args) => &mut args.graph,
        Command::Batch(args) => &mut args.snapshot,
        _ => {
            return Err(format!(
                "`kg {name}` does not take a GRAPH before its name (see kg {name} --help)"
            ))
        }
    };
    match slot {
        Some(other) => Err(format!(
            "two graphs given, {} before `{name}` and {} after it",
            graph.display(),
            other.display()
        )),
        None => {
            *slot = Some(graph);
            Ok(())
        }
    }
}

/// Where `kg NAME` keeps its `--facts`, if it takes one.
fn facts_slot(command: &mut Command) -> Option<&mut Option<PathBuf>> {
    match command {
        Command::Stats { facts, .. } | Command::Dot { facts, .. } => Some(facts),
        Command::Check { file, facts, .. } => Some(if file.is_some() { file } else { facts }),
        _ => None,
    }
}

/// Where `kg NAME` keeps its `--corpus`, if it takes one.
fn corpus_slot(command: &mut Command) -> Option<&mut Option<PathBuf>> {
    match command {
        Command::Check { corpus, .. } | Command::Sentences { corpus, .. } => Some(corpus),
        _ => None,
    }
}

/// Moves an option given before a subcommand's name (`kg --facts F stats`,
/// as scripts wrote when it was global) to the subcommand that takes it;
/// a usage error when the subcommand does not take it or has its own too.
fn move_option(
    option: &str,
    given: &mut Option<PathBuf>,
    slot: Option<&mut Option<PathBuf>>,
    name: &str,
) -> Result<(), String> {
    let Some(value) = given.take() else {
        return Ok(());
    };
    let takers = if option == "--facts" {
        "the shell, kg stats, kg dot and kg check"
    } else {
        "the shell, kg check and kg sentences"
    };
    match slot {
        None => Err(format!(
            "{option} is not an option of `kg {name}`; it is one of {takers}"
        )),
        Some(Some(other)) => Err(format!(
            "{option} given twice, {} before `{name}` and {} after it",
            value.display(),
            other.display()
        )),
        Some(slot) => {
            *slot = Some(value);
            Ok(())
        }
    }
}

/// Refuses to create a graph file whose name does not say it is one: a bare
/// word that does not exist is most likely a mistyped subcommand.
fn check_new_graph(path: &Path, create: bool) -> Result<(), String> {
    if create || path.exists() {
        return Ok(());
    }
    let text = path.to_string_lossy();
    let is_graph_name = path.extension().is_some_and(|e| e == "kgdb") || text.contains('/');
    if is_graph_name {
        return Ok(());
    }
    if let Some(s) = kg::shell::command::did_you_mean(&text, SUBCOMMANDS.iter().copied()) {
        return Err(format!("unknown command `{text}`; did you mean `{s}`?"));
    }
    Err(format!(
        "no graph file `{text}`; to create one, name it with a .kgdb extension \
         ({text}.kgdb), give a path (./{text}), or add --create"
    ))
}

/// clap's "unexpected argument" message without its tip when the suggested
/// option is not a plausible typo (clap offers `--corpus` for `--bogus`);
/// `None` to print clap's message as it is.
fn without_far_suggestion(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    if e.kind() != clap::error::ErrorKind::UnknownArgument {
        return None;
    }
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => v.first().cloned(),
        _ => None,
    };
    let typed = text(ContextKind::InvalidArg)?;
    let offered = text(ContextKind::SuggestedArg)?;
    let (a, b) = (
        typed.trim_start_matches('-'),
        offered.trim_start_matches('-'),
    );
    let limit = (a.chars().count().max(b.chars().count()) / 3).max(1);
    if kg::notify::osa_distance(a, b) <= limit {
        return None;
    }
    let usage = <Cli as clap::CommandFactory>::command().render_usage();
    Some(format!(
        "error: unexpected argument '{typed}' found\n\n{usage}\n\nFor more information, try '--help'."
    ))
}

/// Runs the command `cli` names; its error message goes to standard error.
fn run(cli: &Cli) -> ExitCode {
    let result = match &cli.command {
        None => run_queries(cli),
        Some(Command::Dot {
            graph,
            facts,
            query,
            expand,
            output,
            render,
            rankdir,
            cluster_by,
            max_nodes,
            layout,
        }) => run_dot(DotArgs {
            graph: graph.as_deref(),
            facts: facts.as_deref(),
            query: query.as_deref(),
            expand: *expand,
            output: output.as_deref(),
            render: render.as_deref(),
            rankdir,
            cluster_by,
            max_nodes: *max_nodes,
            layout,
        }),
        Some(Command::Stats {
            graph,
            facts,
            format,
        }) => match format.as_str() {
            "text" | "json" => read_graph(graph.as_deref(), facts.as_deref())
                .and_then(|g| {
                    print_out(&if format == "json" {
                        stats_json(&g)
                    } else {
                        stats(&g)
                    })
                })
                .map(|()| ExitCode::SUCCESS),
            other => usage_error(&format!(
                "kg stats: unknown format `{other}`; choose text or json"
            )),
        },
        Some(Command::Check {
            file,
            facts,
            corpus,
        }) => run_check(file.as_deref().or(facts.as_deref()), corpus.as_deref()),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "kg", &mut text);
            print_out(&String::from_utf8_lossy(&text)).map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut text)
                .map_err(|e| format!("kg man: {e}"))
                .and_then(|()| print_out(&String::from_utf8_lossy(&text)))
                .map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Sentences { files, corpus }) => sentences(files, corpus.as_deref()),
        Some(Command::Import(args)) => kg::io::run_import(args),
        Some(Command::Export(args)) => kg::io::run_export(args),
        Some(Command::Batch(args)) => kg::batch::run(args),
        Some(Command::Generate(args)) => kg::generate::run(args),
    };
    match result {
        Ok(code) => code,
        // After a failed write the message is only its echo: the failure
        // itself is reported by `sink::finish`.
        Err(_) if sink::failed() => ExitCode::FAILURE,
        Err(mut msg) => {
            if !msg.ends_with('\n') {
                msg.push('\n');
            }
            let _ = sink::stderr().print(&msg);
            ExitCode::FAILURE
        }
    }
}

/// Writes `text` to standard output. A failure is recorded by the sink
/// (reported once, at the end); the `Err` only stops the command.
fn print_out(text: &str) -> Result<(), String> {
    sink::stdout().print(text).map_err(|e| e.to_string())
}

/// Writes `text` and a newline to standard error (a failure is recorded by
/// the sink and reported at the end).
fn print_err(text: &str) {
    let _ = writeln!(sink::stderr(), "{text}");
}

/// A usage error: the message on standard error, exit code 2 (like clap's own).
fn usage_error(msg: &str) -> Result<ExitCode, String> {
    print_err(&format!("kg: {msg}"));
    Ok(ExitCode::from(2))
}

/// The query parameters of `--params FILE` and `-P` (which wins).
fn cli_params(cli: &Cli) -> Result<Result<kg::Params, String>, String> {
    let mut params = match &cli.params_file {
        Some(f) => kg::json_params::read_file(f)?,
        None => kg::Params::new(),
    };
    for p in &cli.param {
        match kg::db::params::parse_assignment(p) {
            Ok((k, v)) => {
                if let Some(note) = plain_string_note(p, &k, &v) {
                    print_err(&note);
                }
                params.insert(k, v);
            }
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(params))
}

/// A notice for `-P name=VALUE` when VALUE looks like a Cypher literal
/// (a number, a quoted string, a list or map) but was not one, and so was
/// taken as a plain string: `-P y=007`, `-P "x='unterminated"`.
fn plain_string_note(arg: &str, name: &str, value: &kg::Value) -> Option<String> {
    let raw = arg.split_once('=').map_or("", |(_, v)| v).trim();
    let kg::Value::String(s) = value else {
        return None;
    };
    let looks_literal = raw
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || "'\"[{-+.".contains(c));
    if !looks_literal || s != raw {
        return None;
    }
    Some(if raw.starts_with(['\'', '"']) {
        format!(
            "kg: note: -P {name}: `{raw}` is not a closed string literal, so it was taken \
             as plain text, quote included"
        )
    } else {
        format!(
            "kg: note: -P {name}: `{raw}` is not a Cypher literal, so it was taken as the \
             string '{raw}' (quote it to say so: -P \"{name}='{raw}'\")"
        )
    })
}

/// The shell, a script, or `-c` queries, on GRAPH, the seed graph or `--facts`.
fn run_queries(cli: &Cli) -> Result<ExitCode, String> {
    let params = match cli_params(cli)? {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    let mut session = match &cli.graph {
        Some(_) if cli.facts.is_some() => {
            return usage_error(
                "give either GRAPH or --facts FILE, not both (to make a graph from a fact file: kg import)",
            )
        }
        Some(path) => {
            if let Err(msg) = check_new_graph(path, cli.create) {
                return usage_error(&msg);
            }
            let opened = kg::db::Db::open(path, cli.readonly).map_err(String::from)?;
            for w in &opened.warnings {
                print_err(&format!("kg: warning: {w}"));
            }
            if opened.created {
                print_err(&format!("kg: created a new graph file {}", path.display()));
            }
            let mut session = Session::with_db(opened);
            if let (Some(n), Some(db)) = (cli.wal_limit, session.db.as_mut()) {
                db.checkpoint_bytes = n;
            }
            session
        }
        None => Session::new(Engine::with_graph(kg::db::read_graph(cli.facts.as_deref())?)),
    };
    session.params = params;
    session.readonly = session.readonly || cli.readonly;
    session.timing = cli.timing;
    session.warnings = !cli.quiet;
    session.timeout = cli.timeout.and_then(|t| t.0);
    session.max_memory = cli.max_memory;
    session.no_optimize = cli.no_optimize;
    session.corpus = cli.corpus.clone().or_else(check::default_corpus_dir);
    let interactive_out = std::io::stdout().is_terminal();
    session.format = match &cli.format {
        Some(f) => match f.parse::<Format>() {
            Ok(f) => f,
            Err(e) => return usage_error(&e.to_string()),
        },
        None if interactive_out => Format::Table,
        None => Format::Jsonl,
    };
    if cli.file.is_some() && !cli.queries.is_empty() {
        return usage_error("give either -c QUERY or -f FILE, not both");
    }
    if interactive_out {
        session.follow_terminal = true;
    } else {
        session.table.max_rows = 0;
        session.table.max_width = 0;
    }
    // `-c` takes Cypher only (README: "one query"); shell commands such as
    // `:source` or `:save` belong to the shell and to `-f` scripts.
    if cli.queries.iter().any(|q| kg::script::has_command(q)) {
        return usage_error("shell commands are not allowed in -c; use the shell or -f");
    }
    let script: Option<(String, String)> = if !cli.queries.is_empty() {
        Some(("-c".into(), cli.queries.join(";\n")))
    } else if let Some(file) = &cli.file {
        let mut text = String::new();
        if file.as_os_str() == "-" {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("kg: cannot read standard input: {e}"))?;
            Some(("<stdin>".into(), text))
        } else {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("kg: cannot read {}: {e}", file.display()))?;
            Some((file.display().to_string(), text))
        }
    } else if !std::io::stdin().is_terminal() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("kg: cannot read standard input: {e}"))?;
        Some(("<stdin>".into(), text))
    } else {
        None
    };
    match script {
        None => {
            let history = match cli.history.as_deref() {
                Some("off") => None,
                Some(p) => Some(PathBuf::from(p)),
                None => repl::default_history_path(),
            };
            repl::run(session, history).map_err(|e| format!("kg: {e}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Some((name, text)) => {
            let result = session.run_script(
                &name,
                &text,
                cli.keep_going,
                &mut sink::stdout(),
                &mut sink::stderr(),
            );
            let _ = sink::stdout().flush();
            // A clean end (a closed output pipe included): checkpoint the
            // graph file.
            if let Some(w) = session.close() {
                print_err(&w);
            }
            Ok(match result {
                Ok(Flow::Continue) | Ok(Flow::Quit) => ExitCode::SUCCESS,
                Err(r) if r.kind == ErrorKind::Cancelled => ExitCode::from(130),
                Err(_) => ExitCode::from(1),
            })
        }
    }
}

/// The options of `kg dot`.
struct DotArgs<'a> {
    graph: Option<&'a Path>,
    facts: Option<&'a Path>,
    query: Option<&'a str>,
    expand: usize,
    output: Option<&'a Path>,
    render: Option<&'a str>,
    rankdir: &'a str,
    cluster_by: &'a str,
    max_nodes: usize,
    layout: &'a str,
}

/// `kg dot`: the whole graph or a query's subgraph as DOT, optionally rendered.
fn run_dot(args: DotArgs<'_>) -> Result<ExitCode, String> {
    let inputs = output_path::Inputs::reading(args.graph.or(args.facts));
    if let Some(path) = args.output {
        output_path::check(path, Links::Follow, &inputs).map_err(|e| format!("kg: {e}"))?;
        if let Some(kind) = args.render {
            let target = path.with_extension(kind);
            output_path::check(&target, Links::Follow, &inputs).map_err(|e| format!("kg: {e}"))?;
        }
    }
    let graph = read_graph(args.graph, args.facts)?;
    let opts = dot::DotOptions {
        rankdir: args.rankdir.parse().map_err(|e| format!("kg: {e}"))?,
        cluster_by: args.cluster_by.parse().map_err(|e| format!("kg: {e}"))?,
        max_nodes: args.max_nodes,
        layout: args.layout.parse().map_err(|e| format!("kg: {e}"))?,
        ..dot::DotOptions::default()
    };
    if matches!(args.render, Some("png" | "pdf"))
        && args.output.is_none()
        && std::io::stdout().is_terminal()
    {
        return usage_error(
            "--render png|pdf writes binary data: give -o FILE, or redirect standard output",
        );
    }
    let mut engine = Engine::with_graph(graph);
    let text = match args.query {
        None => dot::graph_to_dot(engine.graph(), &opts),
        Some(q) => {
            let result = engine
                .run(q, &kg::Params::new())
                .map_err(|e| e.render("query", q))?;
            let mut els = dot::collect_elements(&result.rows);
            if els.entities.is_empty() && els.relations.is_empty() {
                print_err(&format!(
                    "kg dot: the query returned no nodes, relationships or paths \
                     ({} row{}); the drawing is empty",
                    result.rows.len(),
                    if result.rows.len() == 1 { "" } else { "s" }
                ));
            }
            expand(engine.graph(), &mut els, args.expand);
            dot::subgraph_to_dot(engine.graph(), &els.entities, &els.relations, &opts)
        }
    }
    .map_err(|e| format!("kg: {e}"))?;
    match args.render {
        None => match args.output {
            Some(path) => output_path::write(path, Links::Follow, &inputs, text.as_bytes())
                .map_err(|e| format!("kg: {e}"))?,
            None => print_out(&text)?,
        },
        Some(kind) => {
            if !matches!(kind, "svg" | "png" | "pdf") {
                return Err(format!(
                    "kg: cannot render `{kind}`: choose svg, png or pdf"
                ));
            }
            if let Some(path) = args.output {
                output_path::write(path, Links::Follow, &inputs, text.as_bytes())
                    .map_err(|e| format!("kg: {e}"))?;
            }
            let mut cmd = std::process::Command::new("dot");
            cmd.arg(format!("-T{kind}"));
            if let Some(path) = args.output {
                let target = path.with_extension(kind);
                cmd.arg("-o").arg(&target);
                print_err(&format!("kg: rendering {}", target.display()));
            }
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| {
                    format!("kg: cannot run Graphviz `dot` ({e}); install Graphviz (e.g. apt-get install graphviz) or drop --render")
                })?;
            let fed = match child.stdin.take() {
                Some(mut stdin) => stdin.write_all(text.as_bytes()),
                None => Ok(()),
            };
            let status = child.wait().map_err(|e| format!("kg: dot: {e}"))?;
            if killed_by_closed_pipe(&status) {
                // `dot` wrote to kg's standard output and its reader left.
                sink::record(
                    Stream::Output,
                    &std::io::Error::from(std::io::ErrorKind::BrokenPipe),
                );
                return Ok(ExitCode::SUCCESS);
            }
            if !status.success() {
                return Err(format!("kg: dot failed ({status})"));
            }
            fed.map_err(|e| format!("kg: writing to dot: {e}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// True when a child process was killed by SIGPIPE (it wrote to a pipe
/// whose reader had gone).
#[cfg(unix)]
fn killed_by_closed_pipe(status: &std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    const SIGPIPE: i32 = 13;
    status.signal() == Some(SIGPIPE)
}

#[cfg(not(unix))]
fn killed_by_closed_pipe(_: &std::process::ExitStatus) -> bool {
    false
}

/// Adds the entities and relations up to `hops` steps (either direction)
/// from those already in `els`.
fn expand(graph: &Graph, els: &mut dot::Elements, hops: usize) {
    let mut seen: std::collections::BTreeSet<_> = els.entities.iter().copied().collect();
    for r in &els.relations {
        if let Some(r) = graph.relation(*r) {
            seen.insert(r.from);
            seen.insert(r.to);
        }
    }
    let mut rels: std::collections::BTreeSet<_> = els.relations.iter().copied().collect();
    let mut frontier: Vec<_> = seen.iter().copied().collect();
    for _ in 0..hops {
        let mut next = Vec::new();
        for id in frontier {
            for r in graph.outgoing(id).chain(graph.incoming(id)) {
                if rels.insert(r.id) {
                    els.relations.push(r.id);
                }
                let other = r.other(id);
                if seen.insert(other) {
                    els.entities.push(other);
                    next.push(other);
                }
            }
        }
        frontier = next;
    }
}

/// (aliases, citations) over all entities and relations.
fn counts(g: &Graph) -> (usize, usize) {
    let aliases = g.entities().map(|e| e.aliases.len()).sum();
    let citations = g.entities().map(|e| e.sources.len()).sum::<usize>()
        + g.relations().map(|r| r.sources.len()).sum::<usize>();
    (aliases, citations)
}

/// Entities per label, relations per type, alias and citation counts.
fn stats(g: &Graph) -> String {
    let mut out = String::new();
    let mut labels: Vec<(&str, usize)> = g.labels().map(|l| (l, g.label_count(l))).collect();
    labels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    out.push_str(&format!("entities: {}\n", g.entity_count()));
    for (l, n) in labels {
        out.push_str(&format!("  :{l:<22} {n:>4}\n"));
    }
    let mut types: Vec<(&str, usize)> = g.relation_types().map(|t| (t, g.type_count(t))).collect();
    types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    out.push_str(&format!("relations: {}\n", g.relation_count()));
    for (t, n) in types {
        out.push_str(&format!(
            "  [{t}]{:<width$} {n:>4}\n",
            "",
            width = 21usize.saturating_sub(t.len())
        ));
    }
    let (aliases, citations) = counts(g);
    let mut by_lang: Vec<(String, usize)> = Vec::new();
    for a in g.entities().flat_map(|e| e.aliases.iter()) {
        let lang = a.lang.clone().unwrap_or_else(|| "-".into());
        match by_lang.iter_mut().find(|(l, _)| *l == lang) {
            Some((_, n)) => *n += 1,
            None => by_lang.push((lang, 1)),
        }
    }
    by_lang.sort();
    let langs: Vec<String> = by_lang.iter().map(|(l, n)| format!("{l} {n}")).collect();
    out.push_str(&format!("aliases: {aliases} ({})\n", langs.join(", ")));
    let entity_cites: usize = g.entities().map(|e| e.sources.len()).sum();
    let mut articles: Vec<String> = g
        .entities()
        .flat_map(|e| e.sources.iter())
        .chain(g.relations().flat_map(|r| r.sources.iter()))
        .map(|c| c.article.clone())
        .collect();
    articles.sort();
    articles.dedup();
    out.push_str(&format!(
        "citations: {citations} cited sentences ({entity_cites} on entities, {} on relations) \
         from {} articles (kg check counts a passage such as @000#3-4 once)\n",
        citations - entity_cites,
        articles.len()
    ));
    out
}

/// `kg stats --format json`: the same figures as one JSON object.
fn stats_json(g: &Graph) -> String {
    let labels: serde_json::Map<String, serde_json::Value> = g
        .labels()
        .map(|l| (l.to_string(), g.label_count(l).into()))
        .collect();
    let types: serde_json::Map<String, serde_json::Value> = g
        .relation_types()
        .map(|t| (t.to_string(), g.type_count(t).into()))
        .collect();
    let mut by_lang = serde_json::Map::new();
    for a in g.entities().flat_map(|e| e.aliases.iter()) {
        let lang = a.lang.clone().unwrap_or_else(|| "-".into());
        let n = by_lang
            .get(&lang)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        by_lang.insert(lang, (n + 1).into());
    }
    let (aliases, citations) = counts(g);
    let entity_cites: usize = g.entities().map(|e| e.sources.len()).sum();
    let mut articles: Vec<&str> = g
        .entities()
        .flat_map(|e| e.sources.iter())
        .chain(g.relations().flat_map(|r| r.sources.iter()))
        .map(|c| c.article.as_str())
        .collect();
    articles.sort_unstable();
    articles.dedup();
    let value = serde_json::json!({
        "entities": g.entity_count(),
        "labels": labels,
        "relations": g.relation_count(),
        "relation_types": types,
        "aliases": aliases,
        "aliases_by_language": by_lang,
        "citations": citations,
        "entity_citations": entity_cites,
        "relation_citations": citations - entity_cites,
        "articles": articles.len(),
    });
    format!("{value}\n")
}

/// `kg check`: prints each failure and a summary; fails when any citation does.
fn run_check(file: Option<&Path>, corpus: Option<&Path>) -> Result<ExitCode, String> {
    let src = read_source(file)?;
    let dir = match corpus {
        Some(d) => d.to_path_buf(),
        None => check::default_corpus_dir().ok_or(
            "kg check: no corpus directory found (looked for $KG_SHARED_DIR/seeds and \
             ../shared/seeds); pass --corpus DIR\n",
        )?,
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    let corpus = check::Corpus::load_dir(&dir)
        .map_err(|e| format!("kg check: cannot read corpus {}: {e}\n", dir.display()))?;
    let (file, errors) = facts::parse(&src.text);
    let (graph, more) = facts::load::build(&file, &src.text);
    let mut all = errors;
    all.extend(more);
    if !all.is_empty() {
        all.sort_by_key(|e| e.span.map(|s| s.start));
        return Err(facts::render_errors(&src.name, &src.text, &all));
    }
    let report = check::check(&file, &src.text, &corpus);
    let mut out = String::new();
    for f in &report.failures {
        let (line, col, text) = locate(&src.text, f.span.start);
        out.push_str(&format!("{}:{line}:{col}: {}\n", src.name, f.message));
        out.push_str(&format!("    | {}\n", text.trim_end()));
    }
    for (name, cited, total) in &report.coverage {
        out.push_str(&format!("  {name}: {cited} of {total} sentences cited\n"));
    }
    let n = report.failures.len();
    // `kg stats` counts the graph's citations, where a passage (@000#3-4)
    // is one citation per sentence; say both.
    let (_, sentence_citations) = counts(&graph);
    out.push_str(&format!(
        "kg check: {} citations ({} entity, {} relation; {sentence_citations} cited sentences \
         as kg stats counts them, a passage giving one per sentence) against {} articles in \
         {}: {n} failure{}\n",
        report.entity_citations + report.relation_citations,
        report.entity_citations,
        report.relation_citations,
        corpus.articles.len(),
        dir.display(),
        if n == 1 { "" } else { "s" }
    ));
    print_out(&out)?;
    Ok(if n == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `kg sentences`: an article's sentences, numbered as citations count them.
/// A name that is not a file here is looked up in the corpus directory
/// (`--corpus`, else the default), as citations name articles.
fn sentences(files: &[PathBuf], corpus: Option<&Path>) -> Result<ExitCode, String> {
    let corpus = corpus
        .map(Path::to_path_buf)
        .or_else(check::default_corpus_dir);
    for f in files {
        let in_corpus = corpus.as_ref().map(|d| d.join(f)).filter(|p| p.is_file());
        let f = match in_corpus {
            Some(p) if !f.exists() => p,
            _ => f.clone(),
        };
        let text = std::fs::read_to_string(&f).map_err(|e| {
            let looked = match &corpus {
                Some(d) => format!(" (nor in the corpus {})", d.display()),
                None => String::new(),
            };
            format!("kg: cannot read {}: {e}{looked}", f.display())
        })?;
        let mut out = format!("== {}\n", f.display());
        for s in facts::sentences::split(&text) {
            out.push_str(&format!("[{}] {}\n", s.number, s.text));
        }
        print_out(&out)?;
    }
    Ok(ExitCode::SUCCESS)
}
