//! Where `kg export -o` and `kg dot -o` may write: only regular files (or
//! new paths) are replaced; graph files, their logs, the file being read,
//! FIFOs, devices, directories and planted symbolic links are refused with
//! an error naming the file, and nothing is written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn kg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kg"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kg-out-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Runs kg with `args`, failing the test if it takes over 60 s (a write to a
/// FIFO would block forever).
fn run(args: &[&str], dir: &Path) -> Output {
    let mut child = kg()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kg runs");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("kg {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A graph file `name` in `dir` with two nodes and a relation.
fn make_graph(dir: &Path, name: &str) -> PathBuf {
    // --create: some of these names (out.svg) do not say "graph file".
    let out = run(
        &[
            "--create",
            name,
            "-c",
            "CREATE (:P {name: 'a'})-[:R]->(:P {name: 'b'})",
        ],
        dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join(name)
}

fn refused(out: &Output, names: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a refusal, got success");
    assert!(err.contains("refusing to write"), "{err}");
    assert!(err.contains(names), "the error names {names}: {err}");
}

#[test]
fn export_and_dot_refuse_the_graph_file_itself_and_its_log() {
    let dir = tmpdir("self");
    let g = make_graph(&dir, "g.kgdb");
    let before = std::fs::read(&g).expect("read graph");
    for args in [
        &["export", "g.kgdb", "-o", "g.kgdb"][..],
        &["export", "g.kgdb", "--format", "cypher", "-o", "g.kgdb"],
        &["dot", "g.kgdb", "-o", "g.kgdb"],
        &["export", "g.kgdb", "-o", "g.kgdb.wal"],
        &["dot", "g.kgdb", "-o", "g.kgdb.wal"],
    ] {
        let out = run(args, &dir);
        refused(&out, args[args.len() - 1]);
    }
    assert_eq!(
        std::fs::read(&g).expect("read graph"),
        before,
        "graph untouched"
    );
    // The graph still opens and holds its data.
    let out = run(&["g.kgdb", "-c", "MATCH (n:P) RETURN count(n) AS n"], &dir);
    assert!(String::from_utf8_lossy(&out.stdout).contains('2'));
}

#[test]
fn export_refuses_any_other_graph_file_and_a_new_log_beside_one() {
    let dir = tmpdir("other");
    make_graph(&dir, "g.kgdb");
    let other = make_graph(&dir, "other.kgdb");
    let before = std::fs::read(&other).expect("read");
    let out = run(&["export", "g.kgdb", "-o", "other.kgdb"], &dir);
    refused(&out, "other.kgdb");
    assert!(String::from_utf8_lossy(&out.stderr).contains("graph file"));
    assert_eq!(std::fs::read(&other).expect("read"), before);
    // A log that does not exist yet, beside a graph: creating it would damage the graph.
    let _ = std::fs::remove_file(dir.join("other.kgdb.wal"));
    let out = run(&["dot", "g.kgdb", "-o", "other.kgdb.wal"], &dir);
    refused(&out, "other.kgdb.wal");
    assert!(!dir.join("other.kgdb.wal").exists());
}

#[test]
fn export_refuses_the_fact_file_it_reads_through_another_name() {
    let dir = tmpdir("facts");
    let facts = dir.join("f.kg");
    std::fs::write(&facts, "entity morocco :Country \"Morocco\"\n").expect("write facts");
    let before = std::fs::read(&facts).expect("read");
    std::fs::hard_link(&facts, dir.join("hard.jsonl")).expect("hard link");
    let out = run(&["export", "f.kg", "-o", "hard.jsonl"], &dir);
    refused(&out, "hard.jsonl");
    assert_eq!(std::fs::read(&facts).expect("read"), before);
}

#[cfg(unix)]
#[test]
fn fifos_devices_and_directories_are_refused_without_blocking() {
    let dir = tmpdir("special");
    make_graph(&dir, "g.kgdb");
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo works");
    std::fs::create_dir(dir.join("sub")).expect("mkdir");
    for (args, what) in [
        (&["export", "g.kgdb", "-o", "pipe"][..], "FIFO"),
        (&["dot", "g.kgdb", "-o", "pipe"], "FIFO"),
        (&["export", "g.kgdb", "-o", "/dev/null"], "device"),
        (&["dot", "g.kgdb", "-o", "/dev/null"], "device"),
        (&["export", "g.kgdb", "-o", "sub"], "directory"),
        (
            &["export", "g.kgdb", "--format", "neo4j", "-o", "pipe"],
            "not one",
        ),
    ] {
        let out = run(args, &dir);
        assert!(!out.status.success(), "{args:?} must fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(what) && err.contains(args[args.len() - 1]),
            "{args:?}: {err}"
        );
    }
    // A FIFO in the CSV directory: refused before either file is written.
    let csv = dir.join("csv");
    std::fs::create_dir(&csv).expect("mkdir");
    let made = Command::new("mkfifo").arg(csv.join("edges.csv")).status();
    assert!(made.is_ok_and(|s| s.success()));
    let out = run(&["export", "g.kgdb", "--format", "csv", "-o", "csv"], &dir);
    refused(&out, "edges.csv");
    assert!(!csv.join("nodes.csv").exists(), "nothing written");
}

#[cfg(unix)]
#[test]
fn csv_export_does_not_follow_a_planted_symlink() {
    let dir = tmpdir("symlink");
    make_graph(&dir, "g.kgdb");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious\n").expect("write");
    let csv = dir.join("csv");
    std::fs::create_dir(&csv).expect("mkdir");
    std::os::unix::fs::symlink(&victim, csv.join("nodes.csv")).expect("symlink");
    let out = run(
        &["export", "g.kgdb", "--format", "neo4j", "-o", "csv"],
        &dir,
    );
    refused(&out, "nodes.csv");
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert_eq!(
        std::fs::read_to_string(&victim).expect("read"),
        "precious\n"
    );
    // A link to a graph named by the user is refused as the graph it is.
    std::os::unix::fs::symlink(dir.join("g.kgdb"), dir.join("link.jsonl")).expect("symlink");
    let out = run(&["export", "g.kgdb", "-o", "link.jsonl"], &dir);
    refused(&out, "link.jsonl");
}

#[test]
fn dot_render_target_is_checked_before_anything_is_written() {
    let dir = tmpdir("render");
    make_graph(&dir, "g.kgdb");
    // The rendered file would be out.svg: make that a graph file.
    make_graph(&dir, "out.svg");
    let out = run(&["dot", "g.kgdb", "-o", "out.dot", "--render", "svg"], &dir);
    refused(&out, "out.svg");
    assert!(
        !dir.join("out.dot").exists(),
        "the DOT text was not written either"
    );
}

#[test]
fn regular_files_and_new_paths_are_still_written() {
    let dir = tmpdir("regular");
    make_graph(&dir, "g.kgdb");
    std::fs::write(dir.join("old.jsonl"), "x".repeat(10_000)).expect("write");
    for args in [
        &["export", "g.kgdb", "-o", "old.jsonl"][..],
        &["export", "g.kgdb", "-o", "new.cypher"],
        &["dot", "g.kgdb", "-o", "g.dot"],
        &["export", "g.kgdb", "--format", "csv", "-o", "csvdir"],
        &["export", "g.kgdb", "--format", "csv", "-o", "csvdir"],
    ] {
        let out = run(args, &dir);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let jsonl = std::fs::read_to_string(dir.join("old.jsonl")).expect("read");
    assert_eq!(jsonl.lines().count(), 3, "replaced, not appended: {jsonl}");
    assert!(std::fs::read_to_string(dir.join("g.dot"))
        .expect("read")
        .contains("digraph"));
    assert!(std::fs::read_to_string(dir.join("csvdir/nodes.csv"))
        .expect("read")
        .starts_with("id,label"));
}
