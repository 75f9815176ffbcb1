//! The fact loader never panics: random text, token soup and mutated seed
//! files all come back as `Ok` or `Err`, and every error renders.

use kg::facts::{self, check};
use proptest::prelude::*;

/// Loads `text`; on errors, checks their spans and renders them.
fn load_and_render(text: &str) -> Result<usize, usize> {
    match facts::load(text) {
        Ok(g) => {
            assert!(g.check_indexes().is_ok());
            Ok(g.entity_count())
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                let span = e.span.expect("fact errors carry a span");
                assert!(span.start <= span.end && span.end <= text.len(), "{e:?}");
                let shown = e.render("p.kg", text);
                assert!(shown.contains("p.kg:"));
            }
            Err(errors.len())
        }
    }
}

/// Pieces of fact syntax, good and bad, to build plausible files from.
const TOKENS: &[&str] = &[
    "entity",
    "rel",
    "article",
    "aka",
    "fr",
    "ar",
    "en",
    "morocco",
    "gctf",
    "x",
    ":Country",
    ":Org",
    ":bad",
    "\"Maroc\"",
    "\"المغرب\"",
    "\"",
    "\"unterminated",
    "-[",
    "]->",
    "CO_CHAIRS",
    "Co_chairs",
    "=",
    "date(2016)",
    "date(",
    ")",
    "2018-09",
    "2018-13",
    "42",
    "-7",
    "1.5",
    "1e999",
    "99999999999999999999",
    "true",
    "[",
    "]",
    ",",
    "@000#1",
    "@000#0",
    "@000#3-1",
    "@000#1+2",
    "@x.txt#9",
    "@#",
    "@000#",
    "#",
    "//",
    "// c",
    "\n",
    " ",
    "\t",
    "\\",
    "\\u{",
    "\\u{110000}",
    "\u{FEFF}",
    "é",
    "؟",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|ts| ts.join(" "))
}

/// A char-boundary-safe position in `s` from a fraction.
fn boundary(s: &str, frac: f64) -> usize {
    let mut at = ((s.len() as f64) * frac) as usize;
    at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(f64, usize),
    Insert(f64, String),
    DuplicateLine(f64),
    Truncate(f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0f64, 1usize..40).prop_map(|(f, n)| Mutation::Delete(f, n)),
        (0.0..1.0f64, prop::sample::select(TOKENS))
            .prop_map(|(f, t)| Mutation::Insert(f, t.into())),
        (0.0..1.0f64, "\\PC{0,8}").prop_map(|(f, t)| Mutation::Insert(f, t)),
        (0.0..1.0f64).prop_map(Mutation::DuplicateLine),
        (0.0..1.0f64).prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut s = text.to_string();
    for m in muts {
        match m {
            Mutation::Delete(f, n) => {
                let a = boundary(&s, *f);
                let mut b = (a + n).min(s.len());
                while !s.is_char_boundary(b) {
                    b += 1;
                }
                s.replace_range(a..b, "");
            }
            Mutation::Insert(f, t) => {
                let a = boundary(&s, *f);
                s.insert_str(a, t);
            }
            Mutation::DuplicateLine(f) => {
                let a = boundary(&s, *f);
                let start = s[..a].rfind('\n').map_or(0, |i| i + 1);
                let end = s[a..].find('\n').map_or(s.len(), |i| a + i);
                let line = format!("{}\n", &s[start..end]);
                s.insert_str(start, &line);
            }
            Mutation::Truncate(f) => {
                let a = boundary(&s, *f);
                s.truncate(a);
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = load_and_render(&text);
    }

    #[test]
    fn token_soup_never_panics(text in token_soup()) {
        let _ = load_and_render(&text);
    }

    #[test]
    fn mutated_seed_never_panics(muts in prop::collection::vec(mutation(), 1..6)) {
        let text = apply(facts::SEED, &muts);
        let _ = load_and_render(&text);
        // The grounding check must not panic either, even on odd citations.
        let (file, _) = facts::parse(&text);
        let corpus = check::Corpus::from_texts([("000_82e1541b34cdbfbf.txt", "Le Maroc. Le GCTF.")]);
        let _ = check::check(&file, &text, &corpus);
    }
}

#[test]
fn the_unmutated_seed_loads() {
    assert!(load_and_render(facts::SEED).is_ok());
}

#[test]
fn a_deleted_citation_is_reported_not_panicked() {
    // Strip every citation from the first entity: exactly one MissingCitation.
    let text = facts::SEED.replacen("  @000#1 @001#1 @002#1 @003#1 @004#2\n", "", 1);
    assert_ne!(text, facts::SEED);
    let errors = facts::load(&text).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "MissingCitation");
}
