//! Planning cost grows about linearly with the size of a query, and huge or
//! deeply nested queries end with a clear error, never a stack overflow or a
//! hang (issue 14, item 10).
//!
//! The growth tests time the same shape at N and 4N parts and require the
//! ratio to stay well below quadratic: under 8 for 4x the input, where
//! quadratic work gives 16 and the old cubic planning of `MATCH (a0), (a1),
//! ...` gave 64. They measure the thread's CPU time (not wall time, which
//! other processes disturb on a shared machine), take the best of several
//! runs, and run one at a time.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use kg::semantic::MAX_STATEMENT_SIZE;
use kg::value::{Value, ValueMap};
use kg::{Engine, Graph, Params};

/// Parses, checks, plans and renders `query` (what `EXPLAIN` does).
fn compile(query: &str) -> String {
    let statement = kg::syntax::parse(query).unwrap_or_else(|e| panic!("{}", e.message));
    kg::semantic::check(&statement).unwrap_or_else(|e| panic!("{}", e.message));
    let plan =
        kg::plan::build(&statement, &Graph::new()).unwrap_or_else(|e| panic!("{}", e.message));
    kg::plan::explain::render(&plan.root, &plan.columns, None)
}

/// One timing test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// The CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill in.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime failed");
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The best of seven CPU timings of `f`.
fn best_time(mut f: impl FnMut()) -> Duration {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    (0..7)
        .map(|_| {
            let t = thread_cpu_time();
            f();
            thread_cpu_time().saturating_sub(t)
        })
        .min()
        .unwrap_or_default()
}

/// Asserts that `make(4n)` takes less than 8 times as long as `make(n)`.
fn grows_linearly(what: &str, n: usize, make: impl Fn(usize) -> String) {
    let (small, large) = (make(n), make(4 * n));
    compile(&small);
    let t1 = best_time(|| {
        compile(&small);
    });
    let t4 = best_time(|| {
        compile(&large);
    });
    let ratio = t4.as_secs_f64() / t1.as_secs_f64().max(1e-6);
    assert!(
        ratio < 8.0,
        "{what}: {n} parts took {t1:?}, {} parts {t4:?} (x{ratio:.1}); planning is super-linear",
        4 * n
    );
}

fn comma_pattern(n: usize) -> String {
    let parts: Vec<String> = (0..n).map(|i| format!("(a{i})")).collect();
    format!("MATCH {} RETURN count(*)", parts.join(", "))
}

fn hop_chain(n: usize) -> String {
    format!("MATCH (a){} RETURN count(*)", "-->()".repeat(n))
}

#[test]
fn comma_separated_pattern_plans_in_linear_time() {
    grows_linearly("MATCH (a0), (a1), ...", 240, comma_pattern);
}

#[test]
fn long_hop_chain_plans_in_linear_time() {
    grows_linearly("MATCH (a)-->()-->()...", 120, hop_chain);
}

#[test]
fn named_chain_with_where_plans_in_linear_time() {
    grows_linearly("MATCH (a0)-[r0]->(a1)... WHERE", 120, |n| {
        let mut q = String::from("MATCH (a0)");
        for i in 0..n {
            q.push_str(&format!("-[r{i}]->(a{})", i + 1));
        }
        q + " WHERE a0.x = 1 AND a1.y = 2 RETURN a0"
    });
}

#[test]
fn many_return_items_check_in_linear_time() {
    grows_linearly("RETURN 0 AS c0, 1 AS c1, ...", 400, |n| {
        let items: Vec<String> = (0..n).map(|i| format!("{i} AS c{i}")).collect();
        format!("RETURN {}", items.join(", "))
    });
}

#[test]
fn explain_of_a_deep_plan_grows_linearly() {
    // Indentation stops growing past a depth, so the text of a plan of
    // thousands of operators is not quadratic in size.
    let text = compile(&hop_chain(450));
    assert!(text.lines().count() > 450, "{text}");
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest < 300, "a line of {widest} characters");
}

#[test]
fn map_literal_builds_in_linear_time() {
    let entries = |n: usize| -> Vec<(String, Value)> {
        (0..n)
            .map(|i| (format!("k{i}"), Value::Int(i as i64)))
            .collect()
    };
    let build = |entries: &[(String, Value)]| {
        let map: ValueMap = entries.iter().cloned().collect();
        assert_eq!(map.len(), entries.len());
    };
    let (small, large) = (entries(10_000), entries(40_000));
    let t1 = best_time(|| build(&small));
    let t4 = best_time(|| build(&large));
    let ratio = t4.as_secs_f64() / t1.as_secs_f64().max(1e-6);
    assert!(ratio < 8.0, "10k keys {t1:?}, 40k keys {t4:?}");
}

#[test]
fn big_map_literal_keeps_the_last_of_duplicate_keys() {
    let mut keys: Vec<String> = (0..200).map(|i| format!("k{i}: {i}")).collect();
    keys.push("k5: 'last'".into());
    let q = format!("RETURN {{{}}} AS m", keys.join(", "));
    let r = Engine::new()
        .run(&q, &Params::default())
        .unwrap_or_else(|e| panic!("{}", e.message));
    let Some(Value::Map(m)) = r.rows.first().and_then(|row| row.first()) else {
        panic!("{:?}", r.rows)
    };
    assert_eq!(m.len(), 200);
    assert_eq!(m.get("k5"), Some(&Value::String("last".into())));
    assert_eq!(m.get_index(199).map(|(k, _)| k.as_str()), Some("k199"));
}

/// The error code of `query`, which must fail within a few seconds.
fn refused(query: &str) -> &'static str {
    let t = Instant::now();
    let e = match Engine::new().run(query, &Params::default()) {
        Ok(r) => panic!("accepted: {:?}", r.rows),
        Err(e) => e,
    };
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "took {:?}",
        t.elapsed()
    );
    assert!(e.span.is_some(), "{} has no position", e.message);
    e.code
}

#[test]
fn oversized_statements_are_refused_with_a_clear_error() {
    assert_eq!(refused(&hop_chain(20_000)), "StatementTooLarge");
    assert_eq!(refused(&comma_pattern(3_200)), "StatementTooLarge");
    let withs = format!("WITH 1 AS a {}RETURN a", "WITH a ".repeat(20_000));
    assert_eq!(refused(&withs), "StatementTooLarge");
    let predicate = format!("MATCH (a) WHERE (a){} RETURN a", "-->()".repeat(5_000));
    assert_eq!(refused(&predicate), "StatementTooLarge");
}

#[test]
fn a_statement_at_the_size_limit_runs() {
    // Clauses count one each: this is just under the limit, and its plan is
    // a chain of about as many operators, walked recursively later on.
    let n = MAX_STATEMENT_SIZE - 2;
    let withs = format!("WITH 1 AS a {}RETURN a", "WITH a ".repeat(n));
    let r = Engine::new()
        .run(&withs, &Params::default())
        .unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(r.rows, vec![vec![Value::Int(1)]]);
    let explain = format!("EXPLAIN {}", hop_chain((MAX_STATEMENT_SIZE - 4) / 2));
    assert!(Engine::new().run(&explain, &Params::default()).is_ok());
    // CREATE patterns make one operator whatever their size.
    let create = format!("CREATE (a){}", "-[:T]->()".repeat(3 * MAX_STATEMENT_SIZE));
    let mut engine = Engine::new();
    let r = engine
        .run(&create, &Params::default())
        .unwrap_or_else(|e| panic!("{}", e.message));
    assert_eq!(r.stats.relationships_created, 3 * MAX_STATEMENT_SIZE);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let n = 100_000;
    let cases = [
        format!("RETURN {}1{}", "(".repeat(n), ")".repeat(n)),
        format!("RETURN {}1{}", "[".repeat(n), "]".repeat(n)),
        format!("RETURN {}true", "NOT ".repeat(n)),
        format!("RETURN {}1", "-".repeat(n)),
        format!("RETURN {}", vec!["1"; n].join(" + ")),
        format!("WITH 1 AS a RETURN {}", vec!["a"; n].join(" + ")),
        format!(
            "MATCH (a) WHERE {} RETURN a",
            vec!["a.x = 1"; n].join(" AND ")
        ),
        format!("RETURN {}1{}", "{a: ".repeat(n), "}".repeat(n)),
    ];
    for q in &cases {
        let code = refused(q);
        assert!(
            code == "UnexpectedSyntax" || code.contains("Deep") || code.contains("Nest"),
            "{}...: {code}",
            &q[..40]
        );
    }
}
