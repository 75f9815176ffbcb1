//! `--params FILE.json`: values become parameters, and an integer that does
//! not fit in 64 bits is refused by name instead of becoming a float.

use std::path::{Path, PathBuf};
use std::process::Command;

fn params_file(name: &str, json: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-params-{name}-{}.json", std::process::id()));
    std::fs::write(&path, json).expect("write the parameters");
    path
}

/// Runs `kg --params FILE -c QUERY`: (exit code, stdout, stderr).
fn kg(params: &Path, query: &str) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kg"))
        .arg("--params")
        .arg(params)
        .args(["-c", query])
        .output()
        .expect("kg runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn integers_beyond_64_bits_are_refused_by_name() {
    for (name, json, named) in [
        (
            "u64",
            r#"{"ok": 1, "big": 9223372036854775808}"#,
            "parameter `big`",
        ),
        ("neg", r#"{"low": -9223372036854775809}"#, "parameter `low`"),
        (
            "nested",
            r#"{"m": {"list": [1, 2, 123456789012345678901234567890]}}"#,
            "parameter `m` (at m.list[2])",
        ),
    ] {
        let path = params_file(name, json);
        let (code, stdout, stderr) = kg(&path, "RETURN 1 AS one");
        assert_eq!(code, Some(1), "{json}: {stdout}{stderr}");
        assert!(stderr.contains(named), "{json}: {stderr}");
        assert!(stderr.contains("64-bit range"), "{json}: {stderr}");
        assert!(stdout.is_empty(), "{json}: nothing runs: {stdout}");
    }
}

#[test]
fn integers_floats_and_nested_values_arrive_as_written() {
    let path = params_file(
        "ok",
        r#"{"max": 9223372036854775807, "min": -9223372036854775808, "f": 1e20, "l": [1, "x", {"k": 2.5}]}"#,
    );
    let (code, stdout, stderr) = kg(&path, "RETURN $max AS max, $min AS min, $f AS f, $l AS l");
    assert_eq!(code, Some(0), "{stderr}");
    let row: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(row["max"], serde_json::json!(i64::MAX));
    assert_eq!(row["min"], serde_json::json!(i64::MIN));
    assert_eq!(row["f"].as_f64(), Some(1e20));
    assert_eq!(row["l"], serde_json::json!([1, "x", {"k": 2.5}]));
}
