//! `kg -c` / `kg -f` and `:source` on input that is not what they expect:
//! each ends with a clear error that quotes nothing from a foreign file.

use std::process::Command;

fn kg(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kg"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run kg: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kg-cli-script-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn shell_commands_are_refused_in_dash_c() {
    let (code, out, err) = kg(&["-c", ":source /etc/passwd"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("shell commands are not allowed in -c"),
        "{err}"
    );
    // A label on a continuation line is Cypher, not a command.
    let (code, out, err) = kg(&["-c", "MATCH (n\n:Person) RETURN count(n) > 0 AS any"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("true"), "{out}");
}

#[test]
fn sourcing_a_foreign_file_names_it_without_quoting_it() {
    let secret = "secret-line:x:0:0:do-not-echo\nmore\n";
    let text = temp("passwd", secret.as_bytes());
    let binary = temp("binary", &[0x7f, b'E', b'L', b'F', 0xff, 0xfe, 0, 1]);
    let nul = temp("nul", b"RETURN 1\0");
    for file in [&text, &binary, &nul] {
        let script = temp(
            "source.kgq",
            format!(":source {}\n", file.display()).as_bytes(),
        );
        let (code, out, err) = kg(&["-f", &script.display().to_string()]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(err.contains("is not a kg script"), "{err}");
        assert!(
            !err.contains("secret-line") && !err.contains("do-not-echo"),
            "{err}"
        );
    }
    // A real script still runs.
    let good = temp("good.kgq", b"// a comment\nRETURN 41 + 1 AS n;\n");
    let script = temp(
        "source2.kgq",
        format!(":source {}\n", good.display()).as_bytes(),
    );
    let (code, out, err) = kg(&["-f", &script.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("42"), "{out}");
}

#[test]
fn an_unclosed_comment_in_a_script_is_an_error_at_its_line() {
    let script = temp(
        "unclosed.kgq",
        b"RETURN 1 AS a;\n\n/* never closed;\nRETURN 2 AS b;\n",
    );
    let (code, out, err) = kg(&["-f", &script.display().to_string()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("never closed"), "{err}");
    assert!(err.contains(":3:1"), "{err}");
    assert!(!out.contains("\"b\""), "{out}");
}
