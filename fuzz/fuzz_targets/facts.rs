//! Any fact-file text: parse, load into a graph, check citations against a
//! one-article corpus, render every error. An accepted file's graph must
//! answer queries.
#![no_main]

use kg::facts::check::{check, Corpus};
use kg_fuzz::{check_error, query_imported};
use libfuzzer_sys::fuzz_target;

/// A small corpus so citation checks run (article 000 of the seed file).
const ARTICLE: &str =
    "Morocco hosted the meeting in Rabat. The Netherlands and the United Nations took part. \
    Le Maroc a accueilli la réunion.";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (file, parse_errors) = kg::facts::parse(text);
    for e in &parse_errors {
        check_error(e, text);
    }
    let corpus = Corpus::from_texts([("000_82e1541b34cdbfbf.txt", ARTICLE)]);
    let _ = check(&file, text, &corpus);
    match kg::facts::load(text) {
        Ok(graph) => query_imported(graph),
        Err(errors) => {
            assert!(!errors.is_empty(), "a failed load without errors");
            for e in &errors {
                check_error(e, text);
            }
            let _ = kg::facts::render_errors("fuzz.kg", text, &errors);
        }
    }
});
