//! Loading the TCK feature files: the Literals6 workaround, parsing with the
//! `gherkin` crate, outline expansion, Background prepending, scenario ids
//! and the core subset (RUNNER.md §1, CATALOG.md "core subset").

use std::path::{Path, PathBuf};

use gherkin::{Feature, GherkinEnv};

/// One step, placeholders substituted, doc string trimmed, cells unescaped and trimmed.
#[derive(Debug, Clone)]
pub struct Step {
    /// The text after the keyword (`executing query:`).
    pub text: String,
    /// The doc string, if any.
    pub doc: Option<String>,
    /// The data table rows, if any.
    pub table: Option<Vec<Vec<String>>>,
}

/// One expanded scenario: a plain scenario or one Examples row of an outline.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Stable id: `<path> [N] name` plus ` #row` for outline rows.
    pub id: String,
    /// The feature file, relative to the features directory, with `/`.
    pub feature: String,
    /// Tagged `@ignore`.
    pub ignored: bool,
    /// Background steps followed by the scenario's own steps.
    pub steps: Vec<Step>,
    /// In the core subset of CATALOG.md.
    pub core: bool,
}

/// The core subset (CATALOG.md, "core subset"): an entry ending in `/`
/// covers every file under it.
pub const CORE: &[&str] = &[
    "clauses/match/",
    "clauses/match-where/",
    "clauses/return/",
    "clauses/return-orderby/",
    "clauses/return-skip-limit/",
    "clauses/with/",
    "clauses/with-where/",
    "clauses/with-orderBy/",
    "clauses/with-skip-limit/",
    "clauses/unwind/",
    "clauses/create/",
    "clauses/merge/",
    "clauses/set/",
    "clauses/delete/",
    "clauses/remove/",
    "expressions/aggregation/Aggregation1.feature",
    "expressions/aggregation/Aggregation2.feature",
    "expressions/aggregation/Aggregation3.feature",
    "expressions/aggregation/Aggregation4.feature",
    "expressions/aggregation/Aggregation5.feature",
    "expressions/aggregation/Aggregation8.feature",
    "expressions/boolean/",
    "expressions/comparison/",
    "expressions/literals/",
    "expressions/null/",
    "expressions/string/",
    "expressions/list/",
    "expressions/map/",
    "expressions/mathematical/",
    "expressions/precedence/",
    "expressions/graph/Graph3.feature",
    "expressions/graph/Graph4.feature",
    "expressions/graph/Graph6.feature",
];

/// True when the feature file (relative path) is in the core subset.
pub fn is_core(feature: &str) -> bool {
    CORE.iter().any(|entry| {
        if entry.ends_with('/') {
            feature.starts_with(entry)
        } else {
            feature == *entry
        }
    })
}

/// Every `.feature` file under `dir`, sorted by relative path.
pub fn feature_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
                .path();
            if path.is_dir() {
                walk(&path, out)?;
            } else if path.extension().is_some_and(|x| x == "feature") {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    let mut files: Vec<(String, PathBuf)> = paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap_or(&p);
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            (rel.join("/"), p)
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The Literals6 workaround (RUNNER.md §10): in table lines, a backslash not
/// starting one of the escapes the `gherkin` crate knows (`\\`, `\|`, `\n`) is
/// doubled, so that the crate yields what the official parser yields (it
/// keeps unknown escapes as written). Escapes are read in pairs.
pub fn escape_table_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        if !line.trim_start().starts_with('|') || !line.contains('\\') {
            out.push_str(line);
            continue;
        }
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.peek() {
                Some(&next @ ('\\' | '|' | 'n')) => {
                    out.push('\\');
                    out.push(next);
                    chars.next();
                }
                _ => out.push_str("\\\\"),
            }
        }
    }
    out
}

/// Replaces `<name>` placeholders by the row's values, in one pass (a value
/// containing `<...>` is not substituted again).
pub fn substitute(text: &str, header: &[String], row: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let hit = after.find('>').and_then(|close| {
            let name = &after[..close];
            header
                .iter()
                .position(|h| h == name)
                .map(|i| (close, row.get(i).map_or("", String::as_str)))
        });
        match hit {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn convert_step(step: &gherkin::Step, header: &[String], row: &[String]) -> Step {
    let sub = |s: &str| substitute(s, header, row);
    Step {
        text: sub(step.value.trim()),
        doc: step.docstring.as_ref().map(|d| sub(d.trim())),
        table: step.table.as_ref().map(|t| {
            t.rows
                .iter()
                .map(|r| r.iter().map(|c| sub(c.trim())).collect())
                .collect()
        }),
    }
}

/// Parses one feature file's text and expands it into scenarios.
pub fn expand(feature_path: &str, text: &str) -> Result<Vec<Scenario>, String> {
    // The official parser splits lines on any line ending; so do we.
    let text = escape_table_lines(&text.replace("\r\n", "\n"));
    let feature = Feature::parse(&text, GherkinEnv::default())
        .map_err(|e| format!("{feature_path}: cannot parse: {e}"))?;
    let core = is_core(feature_path);
    let mut out = Vec::new();
    let mut groups: Vec<(Vec<&gherkin::Step>, &gherkin::Scenario)> = Vec::new();
    let feature_bg: Vec<&gherkin::Step> = feature
        .background
        .iter()
        .flat_map(|b| b.steps.iter())
        .collect();
    for sc in &feature.scenarios {
        groups.push((feature_bg.clone(), sc));
    }
    for rule in &feature.rules {
        let mut bg = feature_bg.clone();
        bg.extend(rule.background.iter().flat_map(|b| b.steps.iter()));
        for sc in &rule.scenarios {
            groups.push((bg.clone(), sc));
        }
    }
    for (bg, sc) in groups {
        let ignored = sc.tags.iter().any(|t| t == "ignore" || t == "@ignore");
        let name = sc.name.trim();
        if sc.examples.is_empty() {
            let steps = bg
                .iter()
                .copied()
                .chain(sc.steps.iter())
                .map(|s| convert_step(s, &[], &[]))
                .collect();
            out.push(Scenario {
                id: format!("{feature_path} {name}"),
                feature: feature_path.to_string(),
                ignored,
                steps,
                core,
            });
            continue;
        }
        let mut row_no = 0;
        for ex in &sc.examples {
            let Some(table) = &ex.table else { continue };
            let Some((header, rows)) = table.rows.split_first() else {
                continue;
            };
            let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
            for row in rows {
                row_no += 1;
                let row: Vec<String> = row.iter().map(|c| c.trim().to_string()).collect();
                let steps = bg
                    .iter()
                    .copied()
                    .chain(sc.steps.iter())
                    .map(|s| convert_step(s, &header, &row))
                    .collect();
                let ex_ignored = ex.tags.iter().any(|t| t == "ignore" || t == "@ignore");
                out.push(Scenario {
                    id: format!(
                        "{feature_path} {} #{row_no}",
                        substitute(name, &header, &row)
                    ),
                    feature: feature_path.to_string(),
                    ignored: ignored || ex_ignored,
                    steps,
                    core,
                });
            }
        }
    }
    Ok(out)
}

/// Loads every feature under `dir`. Returns the scenarios and the files that
/// could not be read or parsed (with reasons).
pub fn load(dir: &Path) -> Result<(Vec<Scenario>, Vec<String>), String> {
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for (rel, path) in feature_files(dir)? {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{rel}: cannot read: {e}"));
                continue;
            }
        };
        match expand(&rel, &text) {
            Ok(mut s) => scenarios.append(&mut s),
            Err(e) => problems.push(e),
        }
    }
    Ok((scenarios, problems))
}
