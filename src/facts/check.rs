//! Grounding checks (`kg check`): every citation points at an article of the
//! corpus and a sentence that exists, and that sentence names what it grounds.
//!
//! A sentence *names* an entity when, after [`normalize`], one of the
//! entity's key, canonical name or aliases occurs in the sentence: as whole
//! words for Latin-script names (so `UN` is not found in `une`), as a plain
//! substring for Arabic-script ones (whose words take attached prefixes).
//! An entity citation needs the entity named; a relation citation needs both
//! ends named. A passage `#3-4` is read as one text.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use indexmap::IndexMap;

use super::ast::{CitationRef, EntityDecl, FactFile, Item};
use super::load::{articles, resolve_article};
use super::sentences;
use crate::error::Span;
use crate::store::normalize;

/// One article of the corpus, split into sentences.
#[derive(Debug, Clone)]
pub struct Article {
    /// The normalized text of each sentence (index 0 is sentence 1).
    normalized: Vec<String>,
}

impl Article {
    /// Splits and normalizes an article's text.
    pub fn new(text: &str) -> Article {
        Article {
            normalized: sentences::split(text)
                .iter()
                .map(|s| normalize(s.text))
                .collect(),
        }
    }

    /// The number of sentences.
    pub fn sentence_count(&self) -> usize {
        self.normalized.len()
    }
}

/// The articles citations refer to, by file name.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// File name → article, in file-name order.
    pub articles: IndexMap<String, Article>,
}

impl Corpus {
    /// Reads every `*.txt` file of `dir`.
    pub fn load_dir(dir: &Path) -> io::Result<Corpus> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".txt") && entry.file_type()?.is_file() {
                names.push(name);
            }
        }
        names.sort();
        let mut corpus = Corpus::default();
        for name in names {
            let text = std::fs::read_to_string(dir.join(&name))?;
            corpus.articles.insert(name, Article::new(&text));
        }
        Ok(corpus)
    }

    /// A corpus from (file name, text) pairs.
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Corpus {
        Corpus {
            articles: texts
                .into_iter()
                .map(|(n, t)| (n.to_string(), Article::new(t)))
                .collect(),
        }
    }
}

/// A citation that failed a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Where the citation (or the item) is in the fact file.
    pub span: Span,
    /// What is wrong.
    pub message: String,
}

/// What [`check`] found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The failures, in file order.
    pub failures: Vec<Failure>,
    /// Passages checked for entities.
    pub entity_citations: usize,
    /// Passages checked for relations.
    pub relation_citations: usize,
    /// Per article: (file name, sentences cited, sentences in the article).
    pub coverage: Vec<(String, usize, usize)>,
}

/// Checks every citation of `file` against `corpus`. `text` is the fact
/// file's text (article declarations are resolved as the loader does).
pub fn check(file: &FactFile, text: &str, corpus: &Corpus) -> Report {
    let mut report = Report::default();
    let mut ignored = Vec::new();
    let table = articles(file, text, &mut ignored);
    let entities: HashMap<&str, &EntityDecl> = file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Entity(e) => Some((e.key.text.as_str(), e)),
            _ => None,
        })
        .collect();
    let mut cited: HashMap<&str, Vec<bool>> = corpus
        .articles
        .iter()
        .map(|(n, a)| (n.as_str(), vec![false; a.sentence_count()]))
        .collect();

    for item in &file.items {
        let (ends, refs, what): (Vec<&str>, &[CitationRef], String) = match item {
            Item::Entity(e) => (
                vec![e.key.text.as_str()],
                &e.citations,
                format!("`{}`", e.key.text),
            ),
            Item::Relation(r) => (
                vec![r.from.text.as_str(), r.to.text.as_str()],
                &r.citations,
                format!("`{} -[{}]-> {}`", r.from.text, r.rel_type.text, r.to.text),
            ),
            Item::Article(_) => continue,
        };
        for c in refs {
            let Ok(article_name) = resolve_article(&table, c) else {
                report.failures.push(Failure {
                    span: c.article.span,
                    message: format!("unknown article `{}`", c.article.text),
                });
                continue;
            };
            let Some(article) = corpus.articles.get(&article_name) else {
                report.failures.push(Failure {
                    span: c.article.span,
                    message: format!("article `{article_name}` is not in the corpus"),
                });
                continue;
            };
            for p in &c.passages {
                match item {
                    Item::Relation(_) => report.relation_citations += 1,
                    _ => report.entity_citations += 1,
                }
                let n = article.sentence_count();
                if let Some(bad) = p.sentences.iter().find(|s| **s == 0 || **s as usize > n) {
                    report.failures.push(Failure {
                        span: p.span,
                        message: format!(
                            "`{article_name}` has {n} sentences; there is no sentence {bad}"
                        ),
                    });
                    continue;
                }
                if let Some(flags) = cited.get_mut(article_name.as_str()) {
                    for s in &p.sentences {
                        if let Some(f) = flags.get_mut(*s as usize - 1) {
                            *f = true;
                        }
                    }
                }
                let passage: String = p
                    .sentences
                    .iter()
                    .filter_map(|s| article.normalized.get(*s as usize - 1))
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" ");
                for end in &ends {
                    let names = match entities.get(end) {
                        Some(e) => names_of(e),
                        None => continue, // an unknown entity: the loader reports it
                    };
                    if !names.iter().any(|n| mentions(&passage, n)) {
                        let shown: Vec<String> =
                            names.iter().take(5).map(|n| format!("\"{n}\"")).collect();
                        report.failures.push(Failure {
                            span: p.span,
                            message: format!(
                                "{what}: {} of `{article_name}` does not name `{end}` (looked for {})",
                                p.label(),
                                shown.join(", ")
                            ),
                        });
                    }
                }
            }
        }
    }
    report.failures.sort_by_key(|f| f.span.start);
    report.coverage = corpus
        .articles
        .keys()
        .map(|n| {
            let flags = cited.get(n.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            (n.clone(), flags.iter().filter(|f| **f).count(), flags.len())
        })
        .collect();
    report
}

/// True when normalized `passage` mentions normalized `name`: as whole words
/// for a Latin-script name, anywhere for other scripts (Arabic attaches
/// prefixes such as و, ل, ب to the word that follows).
pub fn mentions(passage: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let latin = name.chars().next().is_some_and(|c| (c as u32) < 0x250);
    if !latin {
        return passage.contains(name);
    }
    passage.match_indices(name).any(|(i, _)| {
        let before_ok = passage[..i].chars().next_back().is_none_or(|c| c == ' ');
        let after_ok = passage[i + name.len()..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ');
        before_ok && after_ok
    })
}

/// The normalized names an entity is found by: key, name, aliases.
fn names_of(e: &EntityDecl) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let all = std::iter::once(e.key.text.as_str())
        .chain(std::iter::once(e.name.value.as_str()))
        .chain(e.aliases.iter().map(|a| a.text.value.as_str()));
    for n in all {
        let n = normalize(n);
        if !n.is_empty() && !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Where the corpus is by default: `$KG_SHARED_DIR/seeds`, then
/// `../shared/seeds` next to the current directory, then next to the crate.
pub fn default_corpus_dir() -> Option<std::path::PathBuf> {
    let mut candidates = Vec::new();
    if let Some(d) = std::env::var_os("KG_SHARED_DIR") {
        candidates.push(Path::new(&d).join("seeds"));
    }
    if let Ok(cwd) = std::env::current_dir() {
        candidates.push(cwd.join("../shared/seeds"));
        candidates.push(cwd.join("shared/seeds"));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds"));
    candidates.into_iter().find(|p| p.is_dir())
}
