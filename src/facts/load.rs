//! Fact AST → [`Graph`], collecting every error: duplicate keys, unknown
//! entities (with "did you mean"), unknown articles, missing citations,
//! duplicate properties and relations.

use indexmap::IndexMap;

use super::ast::*;
use super::{data_error, suggest};
use crate::error::{locate, Error, Span};
use crate::store::{Alias, Citation, EntityId, Graph, NewEntity};
use crate::value::{Value, ValueMap};

/// The article table: short name → (file name, where it was declared).
pub type Articles = IndexMap<String, (String, Span)>;

/// Builds the article table, reporting duplicate short names.
pub fn articles(file: &FactFile, text: &str, errors: &mut Vec<Error>) -> Articles {
    let mut table = Articles::new();
    for item in &file.items {
        let Item::Article(a) = item else { continue };
        if let Some((_, first)) = table.get(&a.short.text) {
            errors.push(
                data_error(
                    "DuplicateArticle",
                    format!("article `{}` is declared twice", a.short.text),
                    a.short.span,
                )
                .with_help(format!(
                    "the first declaration is at line {}",
                    locate(text, first.start).0
                )),
            );
            continue;
        }
        table.insert(a.short.text.clone(), (a.file.value.clone(), a.span));
    }
    table
}

/// The article file a citation names: a declared short name, or a file name
/// (anything with a `.`) used as is.
pub fn resolve_article(articles: &Articles, c: &CitationRef) -> Result<String, Error> {
    resolve_article_in(articles, c, &[])
}

/// [`resolve_article`], quiet about names in `unparsed` (declared by an item
/// that failed to parse): those come back as `Ok` of the short name.
fn resolve_article_in(
    articles: &Articles,
    c: &CitationRef,
    unparsed: &[String],
) -> Result<String, Error> {
    if unparsed.contains(&c.article.text) {
        return Ok(c.article.text.clone());
    }
    if let Some((file, _)) = articles.get(&c.article.text) {
        return Ok(file.clone());
    }
    if c.article.text.contains('.') {
        return Ok(c.article.text.clone());
    }
    let mut err = data_error(
        "UnknownArticle",
        format!("unknown article `{}`", c.article.text),
        c.article.span,
    );
    let shorts: Vec<&str> = articles.keys().map(String::as_str).collect();
    err = match suggest(&c.article.text, shorts.iter().copied()) {
        Some(s) => err.with_help(format!("did you mean `{s}`?")),
        None => err.with_help(
            "declare it first (`article 000 = \"000_name.txt\"`) or cite the full file name",
        ),
    };
    Err(err)
}

/// Loads a parsed fact file into a new graph. `text` is the file's text (for
/// "first defined at line N" hints).
pub fn build(file: &FactFile, text: &str) -> (Graph, Vec<Error>) {
    let mut errors = Vec::new();
    let articles = articles(file, text, &mut errors);
    let mut graph = Graph::new();
    let mut keys: IndexMap<&str, (EntityId, Span)> = IndexMap::new();

    for item in &file.items {
        let Item::Entity(e) = item else { continue };
        if let Some((_, first)) = keys.get(e.key.text.as_str()) {
            errors.push(
                data_error(
                    "DuplicateKey",
                    format!("duplicate key `{}`", e.key.text),
                    e.key.span,
                )
                .with_help(format!(
                    "`{}` is first defined at line {}; merge the two entries or pick another key",
                    e.key.text,
                    locate(text, first.start).0
                )),
            );
            continue;
        }
        let mut props = ValueMap::default();
        props.insert("name", Value::String(e.name.value.clone()));
        properties(&e.props, &mut props, &mut errors);
        let mut aliases: Vec<Alias> = Vec::new();
        for a in &e.aliases {
            let alias = Alias {
                text: a.text.value.clone(),
                lang: a.lang.as_ref().map(|l| l.text.clone()),
            };
            if !aliases.contains(&alias) {
                aliases.push(alias);
            }
        }
        let sources = citations(&articles, file, &e.citations, e.head, "entity", &mut errors);
        let new = NewEntity {
            key: Some(e.key.text.clone()),
            labels: e.labels.iter().map(|l| l.text.clone()).collect(),
            props,
            aliases,
            sources,
        };
        match graph.add_entity(new) {
            Ok(id) => {
                keys.insert(e.key.text.as_str(), (id, e.key.span));
            }
            Err(err) => errors.push(data_error("Store", err.to_string(), e.head)),
        }
    }

    let mut seen: IndexMap<(EntityId, &str, EntityId, String), Span> = IndexMap::new();
    for item in &file.items {
        let Item::Relation(r) = item else { continue };
        let from = endpoint(&graph, &keys, file, &r.from, &mut errors);
        let to = endpoint(&graph, &keys, file, &r.to, &mut errors);
        let mut props = ValueMap::default();
        properties(&r.props, &mut props, &mut errors);
        let sources = citations(
            &articles,
            file,
            &r.citations,
            r.head,
            "relation",
            &mut errors,
        );
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let fingerprint = (from, r.rel_type.text.as_str(), to, format!("{props:?}"));
        if let Some(first) = seen.get(&fingerprint) {
            errors.push(
                data_error(
                    "DuplicateRelation",
                    format!(
                        "duplicate relation `{} -[{}]-> {}` with the same properties",
                        r.from.text, r.rel_type.text, r.to.text
                    ),
                    r.head,
                )
                .with_help(format!(
                    "the same relation is at line {}; add the citations there instead",
                    locate(text, first.start).0
                )),
            );
            continue;
        }
        seen.insert(fingerprint, r.head);
        if let Err(err) = graph.add_relation(from, to, &r.rel_type.text, props, sources) {
            errors.push(data_error("Store", err.to_string(), r.head));
        }
    }
    errors.sort_by_key(|e| e.span.map(|s| s.start));
    (graph, errors)
}

/// Resolves a relation end by key, with "did you mean" when it is unknown.
fn endpoint(
    graph: &Graph,
    keys: &IndexMap<&str, (EntityId, Span)>,
    file: &FactFile,
    key: &Ident,
    errors: &mut Vec<Error>,
) -> Option<EntityId> {
    if let Some((id, _)) = keys.get(key.text.as_str()) {
        return Some(*id);
    }
    if file.unparsed_names.contains(&key.text) {
        return None; // its item has a syntax error, already reported
    }
    let mut err = data_error(
        "UnknownEntity",
        format!("unknown entity `{}`", key.text),
        key.span,
    );
    // An alias typed where a key belongs is the likeliest slip.
    let by_alias: Vec<&str> = graph
        .resolve(&key.text)
        .into_iter()
        .filter_map(|id| graph.entity(id).and_then(|e| e.key.as_deref()))
        .collect();
    if let [only] = by_alias.as_slice() {
        err = err.with_help(format!(
            "`{}` is a name of `{only}`; relations use entity keys",
            key.text
        ));
    } else if let Some(s) = suggest(&key.text, keys.keys().copied()) {
        err = err.with_help(format!("did you mean `{s}`?"));
    } else {
        err = err.with_help("relations name entities by their key (`entity KEY :Label ...`)");
    }
    errors.push(err);
    None
}

/// Converts property clauses into values, reporting duplicates and the
/// reserved `name`.
fn properties(props: &[Property], out: &mut ValueMap, errors: &mut Vec<Error>) {
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for p in props {
        if p.key.text == "name" {
            errors.push(
                data_error(
                    "ReservedProperty",
                    "`name` is set by the entity header".to_string(),
                    p.key.span,
                )
                .with_help("write the canonical name after the labels: `entity key :Label \"Name\"`; other names go in `aka`"),
            );
            continue;
        }
        if seen.iter().any(|(k, _)| *k == p.key.text) {
            errors.push(
                data_error(
                    "DuplicateProperty",
                    format!("property `{}` is set twice", p.key.text),
                    p.key.span,
                )
                .with_help("use a list (`key = [a, b]`) for several values"),
            );
            continue;
        }
        seen.push((&p.key.text, p.key.span));
        if let Some(v) = value(&p.value) {
            out.insert(p.key.text.clone(), v);
        }
    }
}

/// The value of a literal; `None` for an invalid one (already reported).
fn value(lit: &Literal) -> Option<Value> {
    Some(match &lit.kind {
        LiteralKind::String(s) => Value::String(s.clone()),
        LiteralKind::Int(i) => Value::Int(*i),
        LiteralKind::Float(x) => Value::Float(*x),
        LiteralKind::Bool(b) => Value::Bool(*b),
        LiteralKind::Date(d) => Value::Date(*d),
        LiteralKind::List(items) => Value::List(items.iter().map(value).collect::<Option<_>>()?),
        LiteralKind::Invalid => return None,
    })
}

/// Resolves citations into store citations (one per sentence), reporting
/// unknown articles and a missing citation.
fn citations(
    articles: &Articles,
    file: &FactFile,
    refs: &[CitationRef],
    head: Span,
    what: &str,
    errors: &mut Vec<Error>,
) -> Vec<Citation> {
    if refs.is_empty() {
        errors.push(
            data_error(
                "MissingCitation",
                format!("this {what} has no citation"),
                head,
            )
            .with_help("every fact cites its source: add `@ARTICLE#SENTENCE`, like `@000#3`"),
        );
    }
    let mut out: Vec<Citation> = Vec::new();
    for c in refs {
        match resolve_article_in(articles, c, &file.unparsed_names) {
            Ok(article) => {
                for p in &c.passages {
                    for sentence in &p.sentences {
                        let cite = Citation {
                            article: article.clone(),
                            sentence: *sentence,
                        };
                        if !out.contains(&cite) {
                            out.push(cite);
                        }
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    out
}
