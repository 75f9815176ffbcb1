//! Helpers shared by several test files (each includes this with
//! `mod support;` and uses what it needs).
#![allow(dead_code)]

use std::io::Write as _;
use std::process::{Command, Stdio};

/// A small deterministic generator (SplitMix64): the randomized tests
/// replay exactly from their seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// True when Graphviz's `dot` runs; otherwise says the test is skipped,
/// or fails it under `KG_REQUIRE_TOOLS=1`.
pub fn dot_installed() -> bool {
    let found = Command::new("dot")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        if std::env::var("KG_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!("Graphviz `dot` is required (KG_REQUIRE_TOOLS=1) but is not installed");
        }
        eprintln!("skipped: Graphviz `dot` is not installed (KG_REQUIRE_TOOLS=1 makes this fail)");
    }
    found
}

/// `dot -Tsvg` of `dot`: the SVG and what `dot` wrote to standard error
/// (it must succeed).
pub fn render_svg(dot: &str) -> (String, String) {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dot");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(dot.as_bytes())
        .expect("write to dot");
    let out = child.wait_with_output().expect("dot output");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "dot failed: {stderr}");
    (String::from_utf8(out.stdout).expect("SVG is UTF-8"), stderr)
}
