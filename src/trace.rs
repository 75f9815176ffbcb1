//! Phase timings for loading and importing large graphs, printed to
//! standard error when the environment variable `KG_TRACE` is set (for
//! profiling; off by default, and then costs one cached check).

use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

/// True when `KG_TRACE` is set.
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("KG_TRACE").is_some())
}

/// Prints `kg trace: WHAT N ms` (time since `since`) when tracing is on.
pub fn phase(what: &str, since: Instant) {
    if enabled() {
        let _ = writeln!(
            crate::output::sink::stderr(),
            "kg trace: {what} {:.1} ms",
            since.elapsed().as_secs_f64() * 1e3
        );
    }
}
