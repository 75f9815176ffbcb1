//! Structure-aware invariants on any text that parses:
//! 1. printing the AST gives text that parses again, to the same tree
//!    (positions aside), and prints the same (a fixpoint);
//! 2. the static checks accept the printed form exactly when they accept
//!    the original;
//! 3. run read-only on the seed graph, both give the same rows (as a
//!    multiset), unless the query is nondeterministic or hit the time cap.
#![no_main]

use kg::engine::RunOptions;
use kg_fuzz::{params, seed_graph, shape, EXEC_TIMEOUT, MAX_EXEC_QUERY};
use libfuzzer_sys::fuzz_target;

/// Functions whose results differ between two runs.
const NONDETERMINISTIC: [&str; 5] = ["rand", "uuid", "date", "time", "now"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ast) = kg::syntax::parse(text) else {
        return;
    };
    let printed = ast.to_string();
    let again = match kg::syntax::parse(&printed) {
        Ok(a) => a,
        Err(e) => panic!(
            "the printed form does not parse\noriginal: {text}\nprinted:  {printed}\n{}",
            e.render("printed", &printed)
        ),
    };
    assert_eq!(
        shape(&ast),
        shape(&again),
        "print → parse changed the tree\noriginal: {text}\nprinted:  {printed}"
    );
    assert_eq!(
        printed,
        again.to_string(),
        "printing is not a fixpoint\noriginal: {text}"
    );
    let checked = kg::semantic::check(&ast).map_err(|e| e.code);
    let checked_again = kg::semantic::check(&again).map_err(|e| e.code);
    assert_eq!(
        checked.is_ok(),
        checked_again.is_ok(),
        "the static checks disagree ({checked:?} vs {checked_again:?})\noriginal: {text}\nprinted:  {printed}"
    );
    if checked.is_err() || text.len() > MAX_EXEC_QUERY {
        return;
    }
    let lower = printed.to_lowercase();
    if NONDETERMINISTIC.iter().any(|f| lower.contains(f)) {
        return;
    }
    let options = RunOptions {
        timeout: Some(EXEC_TIMEOUT),
        readonly: true,
        ..RunOptions::default()
    };
    let run = |q: &str| {
        let mut engine = kg::Engine::with_graph(seed_graph().clone());
        engine.run_with(q, &params(), &options).map(|r| {
            let mut rows: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
            rows.sort_unstable();
            rows
        })
    };
    let (first, second) = (run(text), run(&printed));
    let timed_out = |r: &kg::error::Result<Vec<String>>| matches!(r, Err(e) if e.kind == kg::ErrorKind::Timeout);
    if timed_out(&first) || timed_out(&second) {
        return;
    }
    match (&first, &second) {
        (Ok(a), Ok(b)) => assert_eq!(
            a, b,
            "different rows\noriginal: {text}\nprinted:  {printed}"
        ),
        (Err(a), Err(b)) => assert_eq!(
            a.code, b.code,
            "different errors\noriginal: {text}\nprinted:  {printed}"
        ),
        _ => panic!(
            "one form fails, the other runs\noriginal: {text} → {:?}\nprinted:  {printed} → {:?}",
            first.as_ref().map(|r| r.len()).map_err(|e| e.to_string()),
            second.as_ref().map(|r| r.len()).map_err(|e| e.to_string())
        ),
    }
});
