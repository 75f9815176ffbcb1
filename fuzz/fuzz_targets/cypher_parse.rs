//! Any query text: parse → static checks → plan → EXPLAIN text, the path
//! every statement takes before it runs. Nothing may panic; every error
//! points inside the text.
#![no_main]

use kg_fuzz::{check_error, seed_graph};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let statement = match kg::syntax::parse(text) {
        Ok(s) => s,
        Err(e) => return check_error(&e, text),
    };
    if let Err(e) = kg::semantic::check(&statement) {
        return check_error(&e, text);
    }
    match kg::plan::build(&statement, seed_graph()) {
        Ok(plan) => {
            let _ = kg::plan::explain::render(&plan.root, &plan.columns, None);
        }
        Err(e) => check_error(&e, text),
    }
});
