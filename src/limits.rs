//! Per-statement resource limits: cancellation (Ctrl-C), a time limit and a
//! memory budget, all carried by one [`Guard`].
//!
//! The executor checks the guard between rows; the evaluator checks it
//! inside long expression loops (`range`, comprehensions, `reduce`, list
//! and string building), so a statement stops soon after its time is up
//! even in the middle of one huge expression.
//!
//! Memory is accounted approximately, by estimated value sizes
//! ([`value_size`]), where big values are built or kept:
//! - [`Guard::fits`]: a value about to be built (a concatenated string, a
//!   range, a list) must fit beside what the statement already keeps;
//! - [`Guard::charge`] / [`Guard::release`]: what operators keep for a
//!   while (sort buffers, groups and collected values, buffered rows, the
//!   result rows).
//!
//! Going over the budget ends the statement with an
//! [`ErrorKind::MemoryLimit`] error instead of exhausting the machine.
//! The default budget ([`default_memory_limit`]) is 80% of the memory the
//! process may use, as DuckDB's `memory_limit` defaults to 80% of RAM.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// Stops a statement that runs too long, is cancelled, or needs too much
/// memory. One per statement; not shared between threads.
#[derive(Debug)]
pub struct Guard {
    cancel: Option<Arc<AtomicBool>>,
    deadline: Option<Instant>,
    timeout: Option<Duration>,
    ticks: Cell<u32>,
    memory_limit: u64,
    memory_used: Cell<u64>,
}

impl Default for Guard {
    /// No cancel flag, no time limit, no memory limit.
    fn default() -> Guard {
        Guard::new(None, None)
    }
}

/// From this many bytes on, building a value reads the clock too (the
/// work is large enough to make a clock read negligible).
const CLOCK_FROM_BYTES: u64 = 1 << 20;

impl Guard {
    /// A guard for a statement starting now, without a memory limit.
    pub fn new(cancel: Option<Arc<AtomicBool>>, timeout: Option<Duration>) -> Guard {
        Guard {
            cancel,
            deadline: timeout.and_then(|t| Instant::now().checked_add(t)),
            timeout,
            ticks: Cell::new(0),
            memory_limit: u64::MAX,
            memory_used: Cell::new(0),
        }
    }

    /// The same guard with a memory budget of `bytes`.
    pub fn with_memory_limit(mut self, bytes: u64) -> Guard {
        self.memory_limit = bytes;
        self
    }

    /// The memory budget in bytes (`u64::MAX`: none).
    pub fn memory_limit(&self) -> u64 {
        self.memory_limit
    }

    /// What the statement keeps now, as charged (bytes).
    pub fn memory_used(&self) -> u64 {
        self.memory_used.get()
    }

    /// Fails with `Cancelled` or `Timeout` when the statement must stop.
    /// Cheap: the clock is read every 256 calls.
    pub fn check(&self) -> Result<()> {
        self.check_cancel()?;
        if self.deadline.is_some() {
            let t = self.ticks.get().wrapping_add(1);
            self.ticks.set(t);
            if t.is_multiple_of(256) {
                return self.check_clock();
            }
        }
        Ok(())
    }

    /// Like [`Guard::check`], but reads the clock now (after a large piece
    /// of work).
    pub fn check_now(&self) -> Result<()> {
        self.check_cancel()?;
        self.check_clock()
    }

    fn check_cancel(&self) -> Result<()> {
        if let Some(c) = &self.cancel {
            if c.load(Ordering::Relaxed) {
                return Err(Error::runtime(
                    ErrorKind::Cancelled,
                    "Cancelled",
                    "the query was cancelled",
                ));
            }
        }
        Ok(())
    }

    fn check_clock(&self) -> Result<()> {
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => {
                let limit = self.timeout.map_or_else(String::new, format_duration);
                Err(Error::runtime(
                    ErrorKind::Timeout,
                    "Timeout",
                    format!("the query ran longer than its time limit ({limit})"),
                )
                .with_help(
                    "narrow the pattern, add a LIMIT, or raise the time limit \
                     (--timeout, `:set timeout` in the shell)",
                ))
            }
            _ => Ok(()),
        }
    }

    /// Fails with `MemoryLimit` when a value of `bytes` cannot be built
    /// beside what the statement keeps already. Nothing is charged: the
    /// value is a temporary (charge it when it is kept).
    pub fn fits(&self, bytes: u64) -> Result<()> {
        if self.memory_used.get().saturating_add(bytes) > self.memory_limit {
            return Err(self.over_budget());
        }
        Ok(())
    }

    /// [`Guard::fits`] for a value about to be built in one go; a big one
    /// (a megabyte or more) also reads the clock and the cancel flag
    /// first, since building it takes a while.
    pub fn before_building(&self, bytes: u64) -> Result<()> {
        self.fits(bytes)?;
        if bytes >= CLOCK_FROM_BYTES {
            self.check_now()?;
        }
        Ok(())
    }

    /// Adds `bytes` to what the statement keeps; fails with `MemoryLimit`
    /// when that goes over the budget.
    pub fn charge(&self, bytes: u64) -> Result<()> {
        let used = self.memory_used.get().saturating_add(bytes);
        self.memory_used.set(used);
        if used > self.memory_limit {
            return Err(self.over_budget());
        }
        Ok(())
    }

    /// Takes `bytes` back from what the statement keeps (a buffer was
    /// given up).
    pub fn release(&self, bytes: u64) {
        self.memory_used
            .set(self.memory_used.get().saturating_sub(bytes));
    }

    fn over_budget(&self) -> Error {
        Error::runtime(
            ErrorKind::MemoryLimit,
            "MemoryLimitExceeded",
            format!(
                "the query needs more than {} of memory",
                format_size(self.memory_limit)
            ),
        )
        .with_help(
            "raise --max-memory (`:set max-memory SIZE` in the shell), \
             or narrow the query (a LIMIT, fewer rows collected)",
        )
    }
}

/// The size of one [`Value`] slot (the part every value has).
pub const VALUE_SLOT: u64 = std::mem::size_of::<Value>() as u64;

/// An estimate of the memory `v` holds, in bytes: its slot plus what it
/// owns (string bytes, list elements, map entries, path steps).
pub fn value_size(v: &Value) -> u64 {
    match v {
        Value::String(s) => VALUE_SLOT + s.len() as u64,
        Value::List(_) | Value::Map(_) => {
            // An explicit stack: lists may be nested very deeply.
            let mut total = 0u64;
            let mut stack = vec![v];
            while let Some(x) = stack.pop() {
                total = total.saturating_add(VALUE_SLOT);
                match x {
                    Value::String(s) => total = total.saturating_add(s.len() as u64),
                    Value::List(items) => stack.extend(items.iter()),
                    Value::Map(m) => {
                        for (k, item) in m.iter() {
                            total = total.saturating_add(24 + k.len() as u64);
                            stack.push(item);
                        }
                    }
                    Value::Path(p) => total = total.saturating_add(path_bytes(p)),
                    _ => {}
                }
            }
            total
        }
        Value::Path(p) => VALUE_SLOT + path_bytes(p),
        _ => VALUE_SLOT,
    }
}

fn path_bytes(p: &crate::value::Path) -> u64 {
    8 * (p.nodes.len() + p.rels.len()) as u64 + 48
}

/// An estimate of the memory a row holds.
pub fn row_size(row: &[Value]) -> u64 {
    row.iter().map(value_size).sum::<u64>() + 24
}

/// The memory budget a statement gets when none is given: 80% of the
/// memory this process may use (physical memory, lowered by a cgroup
/// limit), and at most half of an address-space limit (`ulimit -v`, which
/// also counts the graph and the program). Computed once.
pub fn default_memory_limit() -> u64 {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        let physical = physical_memory().unwrap_or(8 << 30);
        let usable = match cgroup_memory() {
            Some(c) => physical.min(c),
            None => physical,
        };
        let mut limit = usable / 10 * 8;
        if let Some(space) = address_space_limit() {
            limit = limit.min(space / 2);
        }
        limit.max(64 << 20)
    })
}

/// Total physical memory, from `/proc/meminfo`.
fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// The memory limit of this process's cgroup (v2 or v1), when it has one.
fn cgroup_memory() -> Option<u64> {
    for path in [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ] {
        if let Ok(text) = std::fs::read_to_string(path) {
            // "max" (v2) or a huge number (v1) mean no limit.
            if let Ok(n) = text.trim().parse::<u64>() {
                if n < (1 << 60) {
                    return Some(n);
                }
            }
        }
    }
    None
}

/// The address-space limit (`ulimit -v`), when one is set.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn address_space_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut lim) };
    (rc == 0 && lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn address_space_limit() -> Option<u64> {
    None
}

/// Parses a memory size: a number with an optional unit, `B`, `KB`, `MB`,
/// `GB`, `TB` (powers of 1024, as DuckDB and Neo4j read them; `KiB`,
/// `MiB`, ... and the bare `K`, `M`, `G`, `T` mean the same), e.g. `512MB`,
/// `4GB`, `1.5G`, `1000000`.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad =
        || format!("`{text}` is not a memory size (examples: 512MB, 4GB, 1.5G, 1000000 for bytes)");
    let n: f64 = number.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(bad()),
    };
    let bytes = n * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(format!(
            "`{text}` is not a usable memory size (give at least 1 byte)"
        ));
    }
    Ok(bytes as u64)
}

/// Parses a time limit: a number with a unit, `ms`, `s`, `m` (minutes),
/// `h`; a bare number is seconds; `0`, `off` or `none` mean no limit
/// (`None`). Examples: `100ms`, `30s`, `5m`, `1.5h`.
pub fn parse_duration(text: &str) -> std::result::Result<Option<Duration>, String> {
    let t = text.trim();
    if matches!(t.to_ascii_lowercase().as_str(), "off" | "none" | "0") {
        return Ok(None);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || format!("`{text}` is not a duration (examples: 100ms, 30s, 5m, 1h, off)");
    let n: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit.trim().to_ascii_lowercase().as_str() {
        "ms" => n / 1000.0,
        "" | "s" | "sec" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad()),
    };
    if seconds == 0.0 {
        return Ok(None);
    }
    Duration::try_from_secs_f64(seconds)
        .map(Some)
        .map_err(|_| format!("`{text}` is not a usable duration"))
}

/// A time limit given as text (`--timeout`): a duration, or `None` for no
/// limit (`off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeLimit(pub Option<Duration>);

impl TimeLimit {
    /// Parses a time limit as [`parse_duration`] does.
    pub fn parse(text: &str) -> std::result::Result<TimeLimit, String> {
        parse_duration(text).map(TimeLimit)
    }
}

/// A byte count for people: `64 MB`, `1.5 GB`, `512 bytes`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u32); 4] = [("TB", 40), ("GB", 30), ("MB", 20), ("KB", 10)];
    for (name, shift) in UNITS {
        let unit = 1u64 << shift;
        if bytes >= unit {
            let x = bytes as f64 / unit as f64;
            return if (x - x.round()).abs() < 0.05 {
                format!("{} {name}", x.round())
            } else {
                format!("{x:.1} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// A duration for people: `100 ms`, `2.5 s`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{} ms", ms.round())
    } else {
        format!("{} s", (ms / 100.0).round() / 10.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("64MB"), Ok(64 << 20));
        assert_eq!(parse_size("4 GB"), Ok(4 << 30));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size("2048"), Ok(2048));
        assert_eq!(parse_size("10KiB"), Ok(10 << 10));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("99999999999TB").is_err());
    }

    #[test]
    fn durations_parse_with_units_and_off() {
        assert_eq!(
            parse_duration("100ms"),
            Ok(Some(Duration::from_millis(100)))
        );
        assert_eq!(parse_duration("30s"), Ok(Some(Duration::from_secs(30))));
        assert_eq!(parse_duration("2"), Ok(Some(Duration::from_secs(2))));
        assert_eq!(parse_duration("5m"), Ok(Some(Duration::from_secs(300))));
        assert_eq!(parse_duration("off"), Ok(None));
        assert_eq!(parse_duration("0"), Ok(None));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("1e400s").is_err());
    }

    #[test]
    fn sizes_and_durations_print_for_people() {
        assert_eq!(format_size(64 << 20), "64 MB");
        assert_eq!(format_size(3 << 29), "1.5 GB");
        assert_eq!(format_size(100), "100 bytes");
        assert_eq!(format_duration(Duration::from_millis(100)), "100 ms");
        assert_eq!(format_duration(Duration::from_millis(2500)), "2.5 s");
    }

    #[test]
    fn value_sizes_grow_with_content() {
        let small = value_size(&Value::Int(1));
        let s = value_size(&Value::String("x".repeat(1000)));
        assert!(s >= 1000 && s > small);
        let list = Value::List(vec![Value::String("x".repeat(1000)); 10]);
        assert!(value_size(&list) >= 10_000);
        // Deep nesting does not recurse.
        let mut deep = Value::Null;
        for _ in 0..100_000 {
            deep = Value::List(vec![deep]);
        }
        assert!(value_size(&deep) >= 100_000 * VALUE_SLOT);
        // Drop iteratively-ish: unwrap layer by layer to avoid a deep drop.
        let mut cur = deep;
        while let Value::List(mut items) = cur {
            cur = items.pop().unwrap_or(Value::Null);
        }
    }

    #[test]
    fn the_budget_refuses_what_does_not_fit() {
        let g = Guard::default().with_memory_limit(1000);
        assert!(g.fits(900).is_ok());
        assert!(g.charge(600).is_ok());
        let e = g.fits(500).unwrap_err();
        assert_eq!(e.kind, ErrorKind::MemoryLimit);
        assert!(e.to_string().contains("needs more than"), "{e}");
        g.release(600);
        assert!(g.fits(500).is_ok());
        assert_eq!(g.charge(2000).unwrap_err().kind, ErrorKind::MemoryLimit);
    }

    #[test]
    fn the_default_budget_is_positive_and_below_physical_memory() {
        let limit = default_memory_limit();
        assert!(limit >= 64 << 20);
        if let Some(p) = physical_memory() {
            assert!(limit <= p);
        }
    }

    #[test]
    fn a_past_deadline_times_out_on_check_now() {
        let g = Guard::new(None, Some(Duration::from_nanos(1)));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(g.check_now().unwrap_err().kind, ErrorKind::Timeout);
        let flag = Arc::new(AtomicBool::new(true));
        let g = Guard::new(Some(flag), None);
        assert_eq!(g.check().unwrap_err().kind, ErrorKind::Cancelled);
    }
}
