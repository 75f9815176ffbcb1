//! The fact-file format (`grammar/facts.pest`, `seeds/*.kg`): text → pest
//! pairs → fact AST ([`ast`]) → [`crate::store::Graph`] ([`load`]), with
//! every error reported at once; [`check`] verifies that each citation's
//! sentence ([`sentences`]) names what it grounds.
//!
//! ```
//! let g = kg::facts::load(r#"
//!     article 000 = "000_example.txt"
//!     entity morocco :Country "Morocco"
//!       aka fr "Maroc"
//!       @000#1
//! "#).unwrap();
//! assert_eq!(g.resolve("MAROC").len(), 1);
//! ```

pub mod ast;
pub mod check;
pub mod load;
mod parse;
pub mod sentences;

pub use parse::parse;

use crate::error::{Error, ErrorKind, Phase, Span};
use crate::store::Graph;

/// The seed fact file, compiled into the binary.
pub const SEED: &str = include_str!("../../seeds/morocco-ct.kg");

/// The seed file's path in the repository, for messages.
pub const SEED_NAME: &str = "seeds/morocco-ct.kg";

/// The seed graph built from [`SEED`]. The first call parses and loads the
/// file; later calls return a copy of that graph (a clone costs a fraction
/// of a build).
pub fn seed_graph() -> Result<Graph, Vec<Error>> {
    static SEED_GRAPH: std::sync::OnceLock<Result<Graph, Vec<Error>>> = std::sync::OnceLock::new();
    SEED_GRAPH.get_or_init(|| load(SEED)).clone()
}

/// Parses and loads a fact file. On failure, returns every error found
/// (syntax, literals, keys, references, citations), in file order.
pub fn load(text: &str) -> Result<Graph, Vec<Error>> {
    let (file, mut errors) = parse(text);
    let (graph, more) = load::build(&file, text);
    errors.extend(more);
    if errors.is_empty() {
        Ok(graph)
    } else {
        errors.sort_by_key(|e| e.span.map(|s| s.start));
        Err(errors)
    }
}

/// Like [`load`], with the errors rendered against `name` (`file:line:col`,
/// the line, a caret) and followed by a count.
pub fn load_named(name: &str, text: &str) -> Result<Graph, String> {
    load(text).map_err(|errors| render_errors(name, text, &errors))
}

/// Renders errors against their file, followed by a count line.
pub fn render_errors(name: &str, text: &str, errors: &[Error]) -> String {
    let mut out = String::new();
    for e in errors {
        out.push_str(&e.render(name, text));
        out.push('\n');
    }
    let n = errors.len();
    out.push_str(&format!(
        "{name}: {n} error{}\n",
        if n == 1 { "" } else { "s" }
    ));
    out
}

/// A data error (kind [`ErrorKind::Data`]) at `span`.
pub(crate) fn data_error(code: &'static str, message: impl Into<String>, span: Span) -> Error {
    Error::new(ErrorKind::Data, Phase::Compile, code, message).at(span)
}

pub use crate::error::edit_distance;

/// The closest candidate to `word` when it is close enough to be a typo
/// (at most 2 edits, or a third of the word).
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = 2.max(word.chars().count() / 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= limit && *d < word.chars().count().max(c.chars().count()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests;
