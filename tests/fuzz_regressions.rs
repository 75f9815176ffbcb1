//! Every crash the fuzzers (fuzz/) found, replayed through the same entry
//! point without the fuzzer: the minimised inputs are the files of
//! tests/fuzz-regressions/TARGET/, named after what they broke.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kg::engine::RunOptions;
use kg::{Engine, Params};

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions")
}

/// The inputs of one target under `dir`.
fn cases(dir: &Path, target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = dir.join(target);
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let bytes = std::fs::read(&path).expect("a regression file is readable");
            out.push((path.display().to_string(), bytes));
        }
    }
    out.sort();
    out
}

fn seed_engine() -> Engine {
    Engine::with_graph(kg::facts::seed_graph().expect("the seed graph loads"))
}

/// `kg batch`: every request line gets one answer line of JSON.
fn batch_request(name: &str, input: &[u8]) {
    let text = std::str::from_utf8(input).expect("batch cases are UTF-8");
    let mut engine = seed_engine();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let answer = kg::batch::answer(&mut engine, line, &kg::batch::Served::default());
        assert!(
            !answer.contains('\n'),
            "{name}: a multi-line answer: {answer}"
        );
        let json: serde_json::Value = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("{name}: the answer is not JSON ({e}): {answer}"));
        assert!(
            json.get("error").is_some(),
            "{name}: no error field: {answer}"
        );
    }
}

/// A query runs (with a time cap) or fails with an error inside the text.
fn cypher_exec(name: &str, input: &[u8]) {
    let text = std::str::from_utf8(input).expect("query cases are UTF-8");
    let options = RunOptions {
        timeout: Some(Duration::from_millis(500)),
        ..RunOptions::default()
    };
    let mut engine = seed_engine();
    if let Err(e) = engine.run_with(text, &Params::new(), &options) {
        if let Some(span) = e.span {
            assert!(
                span.end <= text.len(),
                "{name}: span {span:?} outside the text"
            );
        }
        assert!(!e.render(name, text).is_empty());
    }
}

/// A query that parses prints back to text that parses to the same print.
fn print_parse(name: &str, input: &[u8]) {
    let text = std::str::from_utf8(input).expect("query cases are UTF-8");
    if let Ok(ast) = kg::syntax::parse(text) {
        let printed = ast.to_string();
        let again = kg::syntax::parse(&printed)
            .unwrap_or_else(|e| panic!("{name}: printed form fails: {printed}: {e}"));
        assert_eq!(printed, again.to_string(), "{name}: not a fixpoint");
    }
}

/// A fact file loads or fails with errors that render.
fn facts(name: &str, input: &[u8]) {
    let text = std::str::from_utf8(input).expect("fact cases are UTF-8");
    if let Err(errors) = kg::facts::load(text) {
        assert!(!errors.is_empty(), "{name}: a failed load without errors");
        assert!(!kg::facts::render_errors(name, text, &errors).is_empty());
    }
}

/// Replays every input under `dir`; returns how many there were.
fn replay(dir: &Path) -> usize {
    type Check = fn(&str, &[u8]);
    let targets: [(&str, Check); 4] = [
        ("batch_request", batch_request),
        ("cypher_exec", cypher_exec),
        ("print_parse", print_parse),
        ("facts", facts),
    ];
    let mut replayed = 0;
    for (target, check) in targets {
        for (name, bytes) in cases(dir, target) {
            check(&name, &bytes);
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn every_fixed_fuzz_finding_stays_fixed() {
    let dir = regressions_dir();
    assert!(
        replay(&dir) > 0,
        "no regression inputs under {}",
        dir.display()
    );
}

/// batch_request: a `timeout_ms` too big for a `Duration` (or for the
/// clock's deadline) panicked in `Duration::from_secs_f64`; it is now
/// refused with an answer, and big limits within the accepted 365 days still
/// run.
#[test]
fn batch_timeouts_too_big_are_refused() {
    let path = regressions_dir().join("batch_request/timeout-ms-too-big.jsonl");
    let text = std::fs::read_to_string(&path).expect("the regression file is readable");
    let mut engine = seed_engine();
    let errors: Vec<Option<String>> = text
        .lines()
        .map(|line| {
            let answer = kg::batch::answer(&mut engine, line, &kg::batch::Served::default());
            let json: serde_json::Value = serde_json::from_str(&answer).expect("a JSON answer");
            json["error"].as_str().map(str::to_string)
        })
        .collect();
    assert_eq!(errors.len(), 5);
    for e in &errors[..3] {
        let e = e.as_deref().expect("a refused timeout");
        assert!(e.contains("timeout_ms"), "{e}");
    }
    assert_eq!(errors[3..], [None, None], "representable limits run");
}
