//! Any `kg batch` input: each line a request, answered on one engine over
//! a fresh copy of the seed graph. Each answer is one line of JSON.
//! Requests without `timeout_ms` get the same time cap as `cypher_exec`'s
//! statements (`kg batch --timeout`), so a slow query is a timeout answer,
//! not a fuzzer timeout.
#![no_main]

use kg_fuzz::{fresh_engine, EXEC_TIMEOUT, MAX_EXEC_QUERY};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > 4 * MAX_EXEC_QUERY {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut engine = fresh_engine();
    let served = kg::batch::Served {
        timeout: Some(EXEC_TIMEOUT),
        ..kg::batch::Served::default()
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(8) {
        let answer = kg::batch::answer(&mut engine, line, &served);
        assert!(
            !answer.contains('\n'),
            "an answer of more than one line: {answer}"
        );
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&answer) {
            panic!("an answer that is not JSON ({e}): {answer}");
        }
    }
});
