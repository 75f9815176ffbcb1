//! The `kg` command line: graph summary, statistics, grounding checks.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use kg::error::locate;
use kg::facts::{self, check};
use kg::Graph;

/// kg: a knowledge graph with per-fact provenance and multilingual aliases.
#[derive(Parser, Debug)]
#[command(name = "kg", version, about)]
struct Cli {
    /// Load this fact file instead of the built-in seed.
    #[arg(long, global = true, value_name = "FILE")]
    facts: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Entities per label, relations per type, alias and citation counts.
    Stats,
    /// Verify that every citation points at an existing article sentence that
    /// names what it grounds.
    Check {
        /// The fact file to check (default: `--facts`, else the built-in seed).
        file: Option<PathBuf>,
        /// The directory of articles (default: ../shared/seeds when present).
        #[arg(long, value_name = "DIR")]
        corpus: Option<PathBuf>,
    },
    /// Print an article's sentences with the numbers citations use.
    Sentences {
        /// Article files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
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

fn load(src: &Source) -> Result<Graph, String> {
    facts::load_named(&src.name, &src.text)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        None => read_source(cli.facts.as_deref()).and_then(|s| {
            load(&s).map(|g| {
                print!("{}", summary(&s.name, &g));
                ExitCode::SUCCESS
            })
        }),
        Some(Command::Stats) => read_source(cli.facts.as_deref()).and_then(|s| {
            load(&s).map(|g| {
                print!("{}", stats(&g));
                ExitCode::SUCCESS
            })
        }),
        Some(Command::Check { file, corpus }) => {
            run_check(file.as_deref().or(cli.facts.as_deref()), corpus.as_deref())
        }
        Some(Command::Sentences { files }) => sentences(files),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprint!("{msg}");
            if !msg.ends_with('\n') {
                eprintln!();
            }
            ExitCode::FAILURE
        }
    }
}

/// One paragraph: what the graph holds.
fn summary(name: &str, g: &Graph) -> String {
    let (aliases, citations) = counts(g);
    let mut out = format!(
        "kg: {name}: {} entities, {} relations, {aliases} aliases, {citations} citations\n",
        g.entity_count(),
        g.relation_count()
    );
    let labels: Vec<String> = g
        .labels()
        .map(|l| format!("{l} {}", g.label_count(l)))
        .collect();
    out.push_str(&format!("labels: {}\n", labels.join(", ")));
    let types: Vec<String> = g
        .relation_types()
        .map(|t| format!("{t} {}", g.type_count(t)))
        .collect();
    out.push_str(&format!("relation types: {}\n", types.join(", ")));
    out
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
        "citations: {citations} ({entity_cites} on entities, {} on relations) from {} articles\n",
        citations - entity_cites,
        articles.len()
    ));
    out
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
    let (_, more) = facts::load::build(&file, &src.text);
    let mut all = errors;
    all.extend(more);
    if !all.is_empty() {
        all.sort_by_key(|e| e.span.map(|s| s.start));
        return Err(facts::render_errors(&src.name, &src.text, &all));
    }
    let report = check::check(&file, &src.text, &corpus);
    for f in &report.failures {
        let (line, col, text) = locate(&src.text, f.span.start);
        println!("{}:{line}:{col}: {}", src.name, f.message);
        println!("    | {}", text.trim_end());
    }
    for (name, cited, total) in &report.coverage {
        println!("  {name}: {cited} of {total} sentences cited");
    }
    let n = report.failures.len();
    let summary = format!(
        "kg check: {} citations ({} entity, {} relation) against {} articles in {}: {n} failure{}",
        report.entity_citations + report.relation_citations,
        report.entity_citations,
        report.relation_citations,
        corpus.articles.len(),
        dir.display(),
        if n == 1 { "" } else { "s" }
    );
    println!("{summary}");
    Ok(if n == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `kg sentences`: an article's sentences, numbered as citations count them.
fn sentences(files: &[PathBuf]) -> Result<ExitCode, String> {
    for f in files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| format!("kg: cannot read {}: {e}", f.display()))?;
        println!("== {}", f.display());
        for s in facts::sentences::split(&text) {
            println!("[{}] {}", s.number, s.text);
        }
    }
    Ok(ExitCode::SUCCESS)
}
