//! Parses every Cypher query of the openCypher TCK feature files
//! (`executing query`, `having executed`, `executing control query`):
//! queries of scenarios that expect no error, or an error the parser does not
//! own (undefined variables, type errors, ...), must parse; queries of
//! scenarios expecting a syntax error the parser owns (`UnexpectedSyntax`,
//! literal errors, ...) must be rejected with that code.
//!
//! The features are read from `$KG_TCK_DIR` or `<crate>/../shared/tck/features`;
//! without them the test is skipped with a message, unless `KG_REQUIRE_SHARED=1`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kg::syntax::parse;
use regex::Regex;

/// The AST's debug form without positions and verbatim column texts, which
/// legitimately change when a query is printed back.
fn shape(s: &kg::syntax::ast::Statement, spans: &Regex, texts: &Regex) -> String {
    let d = format!("{s:?}");
    let d = spans.replace_all(&d, "");
    texts.replace_all(&d, "").into_owned()
}

/// Error codes the parser itself raises.
const PARSER_CODES: &[&str] = &[
    "UnexpectedSyntax",
    "IntegerOverflow",
    "FloatingPointOverflow",
    "InvalidNumberLiteral",
    "InvalidUnicodeLiteral",
    "InvalidUnicodeCharacter",
    "InvalidRelationshipPattern",
];

/// One query found in a feature file.
struct TckQuery {
    /// `file [N] name #row`.
    id: String,
    /// The step that runs it.
    step: String,
    /// The query text, outline placeholders substituted.
    text: String,
    /// `(type, detail)` when the scenario expects an error from this query.
    error: Option<(String, String)>,
}

fn features_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("KG_TCK_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tck/features");
    d.is_dir().then_some(d)
}

fn feature_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            feature_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "feature") {
            out.push(p);
        }
    }
}

struct Step {
    text: String,
    doc: Option<String>,
}

struct Scenario {
    name: String,
    steps: Vec<Step>,
    examples: Vec<Vec<String>>,
}

fn split_cells(line: &str) -> Vec<String> {
    let inner = line.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

/// A small reader for the Gherkin subset the TCK uses.
fn read_feature(text: &str) -> (Vec<Step>, Vec<Scenario>) {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut background: Vec<Step> = Vec::new();
    let mut scenarios: Vec<Scenario> = Vec::new();
    let mut in_background = false;
    let mut in_examples = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if t.starts_with('#') || t.starts_with('@') || t.is_empty() {
        } else if t.starts_with("Background:") {
            in_background = true;
            in_examples = false;
        } else if t.starts_with("Scenario") {
            in_background = false;
            in_examples = false;
            scenarios.push(Scenario {
                name: t.to_string(),
                steps: Vec::new(),
                examples: Vec::new(),
            });
        } else if t.starts_with("Examples:") {
            in_examples = true;
        } else if t.starts_with('|') {
            if in_examples {
                if let Some(s) = scenarios.last_mut() {
                    s.examples.push(split_cells(t));
                }
            }
        } else if t == "\"\"\"" {
            let col = line.find("\"\"\"").unwrap_or(0);
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && lines[i].trim() != "\"\"\"" {
                let l = lines[i];
                let strip = l
                    .char_indices()
                    .take(col)
                    .take_while(|(_, c)| c.is_whitespace())
                    .map(|(k, c)| k + c.len_utf8())
                    .last()
                    .unwrap_or(0);
                body.push(&l[strip..]);
                i += 1;
            }
            let doc = body.join("\n");
            let steps = if in_background {
                &mut background
            } else {
                match scenarios.last_mut() {
                    Some(s) => &mut s.steps,
                    None => &mut background,
                }
            };
            if let Some(st) = steps.last_mut() {
                st.doc = Some(doc);
            }
        } else if let Some((kw, rest)) = t.split_once(' ') {
            if ["Given", "When", "Then", "And", "But"].contains(&kw) {
                let step = Step {
                    text: rest.to_string(),
                    doc: None,
                };
                if in_background {
                    background.push(step);
                } else if let Some(s) = scenarios.last_mut() {
                    s.steps.push(step);
                }
            }
        }
        i += 1;
    }
    (background, scenarios)
}

fn expected_error(steps: &[Step]) -> Option<(String, String)> {
    steps.iter().find_map(|s| {
        let rest = s
            .text
            .strip_prefix("a ")
            .or_else(|| s.text.strip_prefix("an "))?;
        let (ty, rest) = rest.split_once(" should be raised at ")?;
        let (_, detail) = rest.split_once(": ")?;
        Some((ty.to_string(), detail.trim().to_string()))
    })
}

fn tck_queries(dir: &Path) -> Vec<TckQuery> {
    let mut files = Vec::new();
    feature_files(dir, &mut files);
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = f.strip_prefix(dir).unwrap_or(&f).display().to_string();
        let (background, scenarios) = read_feature(&text);
        for sc in scenarios {
            let rows: Vec<Option<BTreeMap<String, String>>> = match sc.examples.split_first() {
                Some((header, rows)) => rows
                    .iter()
                    .map(|r| Some(header.iter().cloned().zip(r.iter().cloned()).collect()))
                    .collect(),
                None => vec![None],
            };
            let error = expected_error(&sc.steps);
            for (n, row) in rows.iter().enumerate() {
                for st in background.iter().chain(sc.steps.iter()) {
                    let Some(doc) = &st.doc else { continue };
                    if !matches!(
                        st.text.as_str(),
                        "executing query:" | "having executed:" | "executing control query:"
                    ) {
                        continue;
                    }
                    let mut q = doc.clone();
                    if let Some(row) = row {
                        for (k, v) in row {
                            q = q.replace(&format!("<{k}>"), v);
                        }
                    }
                    out.push(TckQuery {
                        id: format!("{rel} {} #{}", sc.name, n + 1),
                        step: st.text.clone(),
                        text: q,
                        error: if st.text == "executing query:" {
                            error.clone()
                        } else {
                            None
                        },
                    });
                }
            }
        }
    }
    out
}

#[test]
fn tck_queries_parse() {
    let Some(dir) = features_dir() else {
        if std::env::var("KG_REQUIRE_SHARED").as_deref() == Ok("1") {
            panic!("TCK features not found (set KG_TCK_DIR or provide ../shared/tck/features)");
        }
        eprintln!("skipped: TCK features not found (../shared/tck/features or $KG_TCK_DIR)");
        return;
    };
    let queries = tck_queries(&dir);
    assert!(queries.len() > 4000, "only {} queries found", queries.len());

    let mut valid = 0;
    let mut valid_ok = 0;
    let mut reject = 0;
    let mut rejected = 0;
    let mut other_err = 0;
    let mut other_err_ok = 0;
    let mut failures = Vec::new();
    let spans = Regex::new(r"span: Span \{ start: \d+, end: \d+ \}").expect("regex");
    let texts = Regex::new(r#"text: "(?:[^"\\]|\\.)*""#).expect("regex");
    let mut round_trips = 0;
    for q in &queries {
        let res = parse(&q.text);
        // Printing the AST back as Cypher and parsing that gives the same tree.
        if let Ok(ast) = &res {
            let printed = ast.to_string();
            match parse(&printed) {
                Ok(again) if shape(ast, &spans, &texts) == shape(&again, &spans, &texts) => {
                    round_trips += 1
                }
                Ok(_) => failures.push(format!(
                    "{}: printed form parses to a different tree\n{}\n{printed}",
                    q.id, q.text
                )),
                Err(e) => failures.push(format!(
                    "{}: printed form does not parse: {}\n{printed}",
                    q.id,
                    e.render("printed", &printed)
                )),
            }
        }
        match &q.error {
            Some((ty, code)) if ty == "SyntaxError" && PARSER_CODES.contains(&code.as_str()) => {
                reject += 1;
                match res {
                    Err(e) if e.code == code => rejected += 1,
                    Err(e) => failures.push(format!(
                        "{}: expected {code}, got {}: {}\n{}",
                        q.id, e.code, e.message, q.text
                    )),
                    Ok(_) => failures.push(format!(
                        "{}: expected {code}, but it parsed\n{}",
                        q.id, q.text
                    )),
                }
            }
            Some(_) => {
                other_err += 1;
                match res {
                    Ok(_) => other_err_ok += 1,
                    Err(e) => failures.push(format!(
                        "{} ({}): expects a later-stage error, but the parser rejected it: {}\n{}",
                        q.id,
                        q.step,
                        e.render("query", &q.text),
                        q.text
                    )),
                }
            }
            None => {
                valid += 1;
                match res {
                    Ok(_) => valid_ok += 1,
                    Err(e) => failures.push(format!(
                        "{} ({}): {}\n{}",
                        q.id,
                        q.step,
                        e.render("query", &q.text),
                        q.text
                    )),
                }
            }
        }
    }
    eprintln!(
        "TCK queries: {valid_ok}/{valid} valid queries parse; \
         {other_err_ok}/{other_err} queries expecting later-stage errors parse; \
         {rejected}/{reject} queries expecting parser errors are rejected with the right code; \
         {round_trips} print back to Cypher that parses to the same tree"
    );
    for f in failures.iter().take(40) {
        eprintln!("---\n{f}");
    }
    assert!(
        failures.is_empty(),
        "{} TCK parse mismatches",
        failures.len()
    );
}
