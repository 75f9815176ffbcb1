//! The openCypher TCK runner (`cargo test --test tck`).
//!
//! Reads the feature files from `$KG_TCK_DIR` (default
//! `<crate>/../shared/tck/features`), expands every scenario, and runs each on
//! a fresh `kg::Engine` in its own thread, under `catch_unwind` and a time
//! limit. The step vocabulary, value notation and comparison rules are those
//! of `shared/tck/RUNNER.md`.
//!
//! Options (environment, or arguments after `--`):
//! - `--nocapture` or `KG_TCK_VERBOSE=1`: per-directory and per-feature counts;
//!   `KG_TCK_VERBOSE=2` adds every failing and skipped scenario with its first
//!   reason.
//! - `KG_TCK_FILTER=substring` (or a positional argument): run only the
//!   scenarios whose id contains it.
//! - `KG_TCK_UPDATE=1`: rewrite `tests/tck-passing.txt` with the passing set.
//! - `KG_TCK_THREADS=N`: scenarios run at once (default: the cores, at most 4).
//! - `KG_TCK_DUMP=1`: print the selected scenarios' expanded steps and stop.
//! - `KG_REQUIRE_SHARED=1`: fail (instead of skipping) when the features are absent.
//!
//! The test fails when a scenario listed in `tests/tck-passing.txt` does not
//! pass, when any scenario panics, or when a feature file cannot be parsed.

#[path = "tck/features.rs"]
mod features;
#[path = "tck/run.rs"]
mod run;
#[path = "tck/values.rs"]
mod values;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use features::Scenario;
use run::{Outcome, Status};

/// A scenario still running after this long is abandoned and counted as hung
/// (each query has its own 10 s limit inside the engine; this is the backstop).
const HARD_LIMIT: Duration = Duration::from_secs(30);

/// Thread-name prefix that tells the panic hook to stay quiet.
const THREAD_PREFIX: &str = "tck-scenario";

thread_local! {
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

struct Config {
    dir: PathBuf,
    verbose: u8,
    filter: Option<String>,
    update: bool,
    require_shared: bool,
    baseline: PathBuf,
    threads: usize,
}

fn env_flag(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn config() -> Result<Config, ExitCode> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut verbose: u8 = env_flag("KG_TCK_VERBOSE")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut filter = env_flag("KG_TCK_FILTER");
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--nocapture" | "--show-output" => verbose = verbose.max(1),
            "--list" => {
                println!("tck: test");
                return Err(ExitCode::SUCCESS);
            }
            a if a.starts_with('-') => {}
            a => {
                if filter.is_none() {
                    filter = Some(a.to_string());
                }
            }
        }
    }
    Ok(Config {
        dir: env_flag("KG_TCK_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| manifest.join("../shared/tck/features")),
        verbose,
        filter,
        update: env_flag("KG_TCK_UPDATE").is_some_and(|v| v != "0"),
        require_shared: env_flag("KG_REQUIRE_SHARED").is_some_and(|v| v != "0"),
        baseline: manifest.join("tests/tck-passing.txt"),
        threads: env_flag("KG_TCK_THREADS")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get().min(4))),
    })
}

fn install_panic_hook() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let quiet = thread::current()
            .name()
            .is_some_and(|n| n.starts_with(THREAD_PREFIX));
        if !quiet {
            default(info);
            return;
        }
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(non-text panic payload)".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{payload}{at}")));
    }));
}

/// Runs one scenario in a new thread, catching panics; the outcome is sent
/// on `tx` with the scenario's index.
fn spawn_scenario(
    sc: &Arc<Scenario>,
    index: usize,
    tx: mpsc::Sender<(usize, Outcome)>,
) -> Result<(), String> {
    let sc = Arc::clone(sc);
    thread::Builder::new()
        .name(format!("{THREAD_PREFIX}-{index}"))
        .stack_size(64 << 20)
        .spawn(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(|| run::run_scenario(&sc)));
            let outcome = match result {
                Ok(o) => o,
                Err(_) => {
                    let msg = PANIC_MESSAGE
                        .with(|m| m.borrow_mut().take())
                        .unwrap_or_else(|| "unknown panic".into());
                    let mut o = Outcome::new(Status::Panic, format!("panicked: {msg}"));
                    o.expects_error = sc
                        .steps
                        .iter()
                        .any(|s| s.text.contains(" should be raised at "));
                    o
                }
            };
            let _ = tx.send((index, outcome));
        })
        .map(drop)
        .map_err(|e| format!("cannot start a thread: {e}"))
}

/// Runs every scenario, each in its own thread, at most `parallel` at a
/// time. A scenario still running after [`HARD_LIMIT`] is recorded as hung
/// and its thread abandoned. Returns the outcomes and run times, by index.
fn run_all(scenarios: &[Arc<Scenario>], parallel: usize) -> (Vec<Outcome>, Vec<Duration>) {
    let n = scenarios.len();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; n];
    let mut times = vec![Duration::ZERO; n];
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let mut in_flight: BTreeMap<usize, Instant> = BTreeMap::new();
    let mut next = 0;
    let mut done = 0;
    while done < n {
        while in_flight.len() < parallel.max(1) && next < n {
            match spawn_scenario(&scenarios[next], next, tx.clone()) {
                Ok(()) => {
                    in_flight.insert(next, Instant::now());
                }
                Err(e) => {
                    outcomes[next] = Some(Outcome::new(Status::Fail, e));
                    done += 1;
                }
            }
            next += 1;
        }
        let Some(oldest) = in_flight.values().min().copied() else {
            continue;
        };
        let wait = HARD_LIMIT.saturating_sub(oldest.elapsed());
        match rx.recv_timeout(wait) {
            Ok((i, o)) => {
                // A result from an abandoned thread comes too late: ignore it.
                if let Some(start) = in_flight.remove(&i) {
                    times[i] = start.elapsed();
                    outcomes[i] = Some(o);
                    done += 1;
                }
            }
            Err(_) => {
                let late: Vec<usize> = in_flight
                    .iter()
                    .filter(|(_, t)| t.elapsed() >= HARD_LIMIT)
                    .map(|(i, _)| *i)
                    .collect();
                for i in late {
                    in_flight.remove(&i);
                    times[i] = HARD_LIMIT;
                    outcomes[i] = Some(Outcome::new(
                        Status::Hang,
                        format!("still running after {}s; abandoned", HARD_LIMIT.as_secs()),
                    ));
                    done += 1;
                }
            }
        }
    }
    let outcomes = outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::new(Status::Fail, "no outcome recorded")))
        .collect();
    (outcomes, times)
}

/// Pass/fail/skip counts, with error-scenario figures.
#[derive(Default, Clone, Copy)]
struct Counts {
    total: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    expect_error: usize,
    error_strict: usize,
    error_raised: usize,
}

impl Counts {
    fn add(&mut self, o: &Outcome) {
        self.total += 1;
        match o.status {
            Status::Pass => self.passed += 1,
            Status::Skip => self.skipped += 1,
            Status::Fail | Status::Panic | Status::Hang => self.failed += 1,
        }
        if o.expects_error && o.status != Status::Skip {
            self.expect_error += 1;
            if o.status == Status::Pass {
                self.error_strict += 1;
            }
            if o.error_raised {
                self.error_raised += 1;
            }
        }
    }

    fn line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped of {} scenarios",
            self.passed, self.failed, self.skipped, self.total
        )
    }

    fn errors_line(&self) -> String {
        format!(
            "{} pass strictly, {} raise an error (lenient) of {} expecting an error",
            self.error_strict, self.error_raised, self.expect_error
        )
    }
}

/// Reads the baseline: one scenario id per line; blank lines and lines
/// starting with `#` are ignored.
fn read_baseline(path: &Path) -> Result<BTreeSet<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn write_baseline(path: &Path, ids: &BTreeSet<String>) -> Result<(), String> {
    let mut text = String::from(
        "# openCypher TCK scenarios that pass (ratchet for `cargo test --test tck`).\n\
         # One id per line: <feature path> [N] <name>[ #<examples row>]. Sorted.\n\
         # Regenerate with KG_TCK_UPDATE=1 cargo test --test tck.\n",
    );
    for id in ids {
        text.push_str(id);
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn main() -> ExitCode {
    let cfg = match config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    if !cfg.dir.is_dir() {
        let msg = format!(
            "tck: feature directory {} not found (set KG_TCK_DIR)",
            cfg.dir.display()
        );
        if cfg.require_shared {
            eprintln!("{msg}; failing because KG_REQUIRE_SHARED=1");
            return ExitCode::FAILURE;
        }
        println!("{msg}; skipping the TCK");
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let (all, problems) = match features::load(&cfg.dir) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("tck: {e}");
            return ExitCode::FAILURE;
        }
    };
    let parse_time = started.elapsed();
    let mut ok = true;
    for p in &problems {
        eprintln!("tck: feature file problem: {p}");
        ok = false;
    }
    let mut seen = HashSet::new();
    for sc in &all {
        if !seen.insert(sc.id.as_str()) {
            eprintln!("tck: duplicate scenario id `{}`", sc.id);
            ok = false;
        }
    }
    let all_ids: HashSet<String> = all.iter().map(|s| s.id.clone()).collect();
    let scenarios: Vec<Arc<Scenario>> = all
        .into_iter()
        .filter(|s| cfg.filter.as_deref().is_none_or(|f| s.id.contains(f)))
        .map(Arc::new)
        .collect();

    if env_flag("KG_TCK_DUMP").is_some() {
        for sc in &scenarios {
            println!("== {}{}", sc.id, if sc.core { " (core)" } else { "" });
            for step in &sc.steps {
                println!("  {}", step.text);
                if let Some(doc) = &step.doc {
                    println!("    \"\"\"\n{doc}\n    \"\"\"");
                }
                for row in step.table.iter().flatten() {
                    println!("    {row:?}");
                }
            }
        }
        return ExitCode::SUCCESS;
    }

    install_panic_hook();
    let (outcomes, times) = run_all(&scenarios, cfg.threads);
    let mut durations: Vec<(Duration, usize)> = times.into_iter().zip(0..).collect();
    let run_time = started.elapsed() - parse_time;

    // ----- counts ------------------------------------------------------------
    let mut whole = Counts::default();
    let mut core = Counts::default();
    let mut by_feature: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut by_dir: BTreeMap<String, Counts> = BTreeMap::new();
    for (sc, o) in scenarios.iter().zip(&outcomes) {
        whole.add(o);
        if sc.core {
            core.add(o);
        }
        by_feature.entry(sc.feature.as_str()).or_default().add(o);
        let dir = sc
            .feature
            .rsplit_once('/')
            .map_or("", |(d, _)| d)
            .to_string();
        by_dir.entry(dir).or_default().add(o);
    }

    if cfg.verbose >= 1 {
        println!("tck: by directory");
        for (dir, c) in &by_dir {
            println!("  {dir:<40} {}", c.line());
        }
        println!("tck: by feature");
        for (f, c) in &by_feature {
            println!("  {f:<58} {}", c.line());
        }
    }
    if cfg.verbose >= 1 {
        durations.sort_by(|a, b| b.cmp(a));
        println!("tck: slowest scenarios");
        for (d, i) in durations.iter().take(5) {
            println!("  {:>8.3}s {}", d.as_secs_f64(), scenarios[*i].id);
        }
        if env_flag("KG_TCK_TIMES").is_some() {
            let mut by: BTreeMap<&str, f64> = BTreeMap::new();
            for (d, i) in &durations {
                *by.entry(scenarios[*i].feature.as_str()).or_default() += d.as_secs_f64();
            }
            let mut v: Vec<_> = by.into_iter().collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1));
            for (f, t) in v.iter().take(15) {
                println!("  {t:>8.3}s {f}");
            }
        }
    }
    if cfg.verbose >= 2 {
        for (sc, o) in scenarios.iter().zip(&outcomes) {
            let tag = match o.status {
                Status::Pass => continue,
                Status::Fail => "FAIL",
                Status::Skip => "SKIP",
                Status::Panic => "PANIC",
                Status::Hang => "HANG",
            };
            println!("{tag} {}\n    {}", sc.id, o.reason);
        }
    }

    // Panics and hangs are always reported by name.
    for (sc, o) in scenarios.iter().zip(&outcomes) {
        match o.status {
            Status::Panic => {
                eprintln!("tck: PANIC in {}: {}", sc.id, o.reason);
                ok = false;
            }
            Status::Hang => eprintln!("tck: HANG in {}: {}", sc.id, o.reason),
            _ => {}
        }
    }

    // ----- ratchet -----------------------------------------------------------
    let passing: BTreeSet<String> = scenarios
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.status == Status::Pass)
        .map(|(s, _)| s.id.clone())
        .collect();
    let ran: HashSet<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
    match read_baseline(&cfg.baseline) {
        Err(e) => {
            eprintln!("tck: {e}");
            ok = false;
        }
        Ok(listed) => {
            if cfg.update {
                // With a filter, only the scenarios that ran are replaced.
                let mut next: BTreeSet<String> = listed
                    .iter()
                    .filter(|id| !ran.contains(id.as_str()) && all_ids.contains(*id))
                    .cloned()
                    .collect();
                next.extend(passing.iter().cloned());
                match write_baseline(&cfg.baseline, &next) {
                    Ok(()) => println!(
                        "tck: wrote {} ids to {}",
                        next.len(),
                        cfg.baseline.display()
                    ),
                    Err(e) => {
                        eprintln!("tck: {e}");
                        ok = false;
                    }
                }
            } else {
                let outcome_of: BTreeMap<&str, &Outcome> = scenarios
                    .iter()
                    .zip(&outcomes)
                    .map(|(s, o)| (s.id.as_str(), o))
                    .collect();
                let mut regressions = Vec::new();
                for id in &listed {
                    match outcome_of.get(id.as_str()) {
                        Some(o) if o.status == Status::Pass => {}
                        Some(o) => regressions.push(format!("{id}\n    {}", o.reason)),
                        None if cfg.filter.is_none() && !all_ids.contains(id) => regressions
                            .push(format!("{id}\n    listed, but no such scenario exists")),
                        None => {}
                    }
                }
                if !regressions.is_empty() {
                    eprintln!(
                        "tck: {} scenario(s) listed in tests/tck-passing.txt no longer pass:",
                        regressions.len()
                    );
                    for r in &regressions {
                        eprintln!("  {r}");
                    }
                    ok = false;
                }
                let newly: Vec<&String> =
                    passing.iter().filter(|id| !listed.contains(*id)).collect();
                if !newly.is_empty() {
                    println!(
                        "tck: {} newly passing, run with KG_TCK_UPDATE=1",
                        newly.len()
                    );
                    if cfg.verbose >= 2 {
                        for id in newly {
                            println!("  NEW {id}");
                        }
                    }
                }
            }
        }
    }

    println!(
        "tck: parsed in {:.2}s, ran in {:.2}s",
        parse_time.as_secs_f64(),
        run_time.as_secs_f64()
    );
    if let Some(f) = &cfg.filter {
        println!("tck: filter `{f}`");
    }
    println!("tck errors: {}", whole.errors_line());
    println!("tck core errors: {}", core.errors_line());
    println!("tck: {}", whole.line());
    println!("tck core: {}", core.line());
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
