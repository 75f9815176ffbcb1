//! Any query text run on a fresh copy of the seed graph, with the engine's
//! time cap (500 ms). Long texts are skipped (known slow planning). No
//! memory cap exists in the engine yet: libFuzzer's -rss_limit_mb stands in.
#![no_main]

use kg_fuzz::{capped, fresh_engine, run_and_render, MAX_EXEC_QUERY};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_EXEC_QUERY {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut engine = fresh_engine();
    let before = engine.graph().entity_count();
    if run_and_render(&mut engine, text, &capped()).is_err() {
        // A failed statement leaves the graph as it was.
        assert_eq!(
            engine.graph().entity_count(),
            before,
            "a failed statement changed the graph"
        );
    }
});
