//! Several `kg` processes on one graph file: readers while a writer commits
//! and checkpoints see only whole committed states; a second writer is
//! refused (through any name of the file) and gets in once the first one
//! dies; SIGKILLs that land in checkpoints lose no acknowledged write.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const KG: &str = env!("CARGO_BIN_EXE_kg");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("concurrency-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn kg(args: &[&str]) -> Output {
    Command::new(KG).args(args).output().expect("run kg")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "kg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A writer process running a script given on its standard input; its
/// acknowledgement lines (one per statement, flushed as each commits)
/// arrive on a channel.
struct Writer {
    child: Child,
    acks: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Writer {
    fn start(graph: &Path, extra: &[&str], script: String) -> Writer {
        let mut child = Command::new(KG)
            .arg(graph)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kg");
        let mut stdin = child.stdin.take().expect("stdin");
        std::thread::spawn(move || {
            let _ = stdin.write_all(script.as_bytes());
        });
        let stdout = child.stdout.take().expect("stdout");
        let (tx, acks) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().expect("stderr");
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Writer {
            child,
            acks,
            stderr,
        }
    }

    /// Waits for the next acknowledgement line.
    fn ack(&self) -> String {
        self.acks
            .recv_timeout(Duration::from_secs(60))
            .expect("an acknowledgement")
    }

    /// True once the process has ended.
    fn done(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_some()
    }

    fn finish(mut self) -> String {
        let status = self.child.wait().expect("wait");
        let stderr = self.stderr.join().unwrap_or_default();
        assert!(status.success(), "writer failed: {stderr}");
        stderr
    }
}

/// The number in an acknowledgement line such as `{"ack":17}`.
fn ack_number(line: &str) -> Option<u64> {
    line.split(':')
        .nth(1)
        .and_then(|s| s.trim().trim_end_matches('}').parse().ok())
}

/// `{"s":1000,"n":10}` → (1000, 10).
fn sum_and_count(line: &str) -> (i64, i64) {
    let v: serde_json::Value = serde_json::from_str(line.trim()).expect("a JSON line");
    (v["s"].as_i64().expect("s"), v["n"].as_i64().expect("n"))
}

#[test]
fn readers_see_only_whole_committed_states_while_a_writer_checkpoints() {
    let dir = scratch("readers");
    let graph = dir.join("bank.kgdb");
    let g = graph.to_str().expect("utf-8 path");
    ok(&kg(&[
        g,
        "-c",
        "UNWIND range(0, 9) AS i CREATE (:Acct {id: i, bal: 100})",
    ]));
    // Every statement keeps the sum of balances at 1000; a small log limit
    // makes the writer checkpoint every few statements.
    let total = 300;
    let mut script = String::new();
    let mut created = 0;
    for k in 0..total {
        let a = k % 10;
        let b = (k * 7 + 3) % 10;
        if k % 10 == 9 {
            script.push_str(&format!("CREATE (:Acct {{id: {}, bal: 0}});\n", 100 + k));
            created += 1;
        } else if a != b {
            script.push_str(&format!(
                "MATCH (a:Acct {{id: {a}}}), (b:Acct {{id: {b}}}) \
                 SET a.bal = a.bal - 7, b.bal = b.bal + 7;\n"
            ));
        }
    }
    let mut writer = Writer::start(&graph, &["--wal-limit", "1500"], script);
    let mut last_n = 0;
    let mut reads = 0;
    loop {
        let finished = writer.done();
        let out = kg(&[
            "--readonly",
            g,
            "-c",
            "MATCH (a:Acct) RETURN sum(a.bal) AS s, count(a) AS n",
        ]);
        let stdout = ok(&out);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !stderr.contains("warning") && !stderr.contains("panicked"),
            "a reader was told: {stderr}"
        );
        let (s, n) = sum_and_count(&stdout);
        assert_eq!(s, 1000, "a reader saw a partial state (n = {n})");
        assert!(n >= last_n, "a reader went back in time: {last_n} then {n}");
        last_n = n;
        reads += 1;
        if finished {
            break;
        }
    }
    writer.finish();
    let (s, n) = sum_and_count(&ok(&kg(&[
        "--readonly",
        g,
        "-c",
        "MATCH (a:Acct) RETURN sum(a.bal) AS s, count(a) AS n",
    ])));
    assert_eq!((s, n), (1000, 10 + created));
    eprintln!("concurrency: {reads} reads during {total} writes, all consistent");
    assert!(reads >= 3, "only {reads} reads");
}

#[cfg(unix)]
#[test]
fn a_second_writer_is_refused_by_any_name_until_the_first_dies() {
    let dir = scratch("writers");
    let graph = dir.join("g.kgdb");
    let g = graph.to_str().expect("utf-8 path");
    ok(&kg(&[g, "-c", "CREATE (:Start)"]));
    let link = dir.join("link.kgdb");
    std::os::unix::fs::symlink(&graph, &link).expect("symlink");
    // The first writer commits one statement, then runs a query that does
    // not end until it is killed.
    let mut first = Writer::start(
        &graph,
        &[],
        "CREATE (:First) RETURN 1 AS ack;\n\
         UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b \
         WITH a, b WHERE a < 0 RETURN count(*) AS n;\n"
            .into(),
    );
    first.ack();
    for name in [&graph, &link] {
        let out = kg(&[name.to_str().expect("utf-8"), "-c", "CREATE (:Second)"]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("locked"), "{err}");
    }
    let nodes = dir.join("nodes.csv");
    std::fs::write(&nodes, "id,name\n1,x\n").expect("write csv");
    let out = kg(&[
        "import",
        "--force",
        "--out",
        g,
        "--nodes",
        nodes.to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success(), "import over an open graph");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("locked"), "{err}");
    // Readers are never refused.
    let out = ok(&kg(&[
        "--readonly",
        g,
        "-c",
        "MATCH (n) RETURN count(n) AS n",
    ]));
    assert!(out.contains("\"n\":2"), "{out}");
    // The first writer dies; its lock dies with it.
    let _ = first.child.kill();
    let _ = first.child.wait();
    let started = Instant::now();
    ok(&kg(&[
        link.to_str().expect("utf-8"),
        "-c",
        "CREATE (:Second)",
    ]));
    assert!(started.elapsed() < Duration::from_secs(10));
    let out = ok(&kg(&[
        "--readonly",
        g,
        "-c",
        "MATCH (n) RETURN count(n) AS n",
    ]));
    assert!(out.contains("\"n\":3"), "{out}");
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
}

/// A small xorshift generator (reproducible from its seed).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[test]
fn sigkills_during_checkpoints_lose_no_acknowledged_write() {
    let dir = scratch("ckpt-kill");
    let graph = dir.join("g.kgdb");
    let g = graph.to_str().expect("utf-8 path");
    // Enough data that a checkpoint takes a while.
    ok(&kg(&[
        g,
        "-c",
        "UNWIND range(1, 20000) AS i CREATE (:Bulk {i: i, s: 'some text to make the snapshot longer'})",
    ]));
    let seed = std::env::var("KG_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15u64);
    let mut rng = Rng(seed | 1);
    let mut acked: Vec<u64> = Vec::new();
    let mut next = 0u64;
    let kills = 25;
    for _ in 0..kills {
        // A log limit of one byte: a checkpoint after every statement.
        let n = 2 + rng.below(4);
        let mut script = String::new();
        for _ in 0..n {
            script.push_str(&format!(
                "CREATE (:K {{i: {next}}}) RETURN {next} AS ack;\n"
            ));
            next += 1;
        }
        let mut w = Writer::start(&graph, &["--wal-limit", "1"], script);
        let wait_for = rng.below(n);
        for _ in 0..wait_for {
            if let Some(i) = ack_number(&w.ack()) {
                acked.push(i);
            }
        }
        // Somewhere inside the checkpoint after a statement.
        std::thread::sleep(Duration::from_micros(rng.below(20_000)));
        let _ = w.child.kill();
        let _ = w.child.wait();
        acked.extend(w.acks.try_iter().filter_map(|l| ack_number(&l)));
        let out = kg(&["--readonly", g, "-c", "MATCH (k:K) RETURN k.i AS i"]);
        let stdout = ok(&out);
        let present: std::collections::BTreeSet<u64> =
            stdout.lines().filter_map(ack_number).collect();
        for i in &acked {
            assert!(present.contains(i), "acknowledged statement {i} lost");
        }
    }
    // A writer opens it cleanly afterwards.
    let out = ok(&kg(&[g, "-c", "MATCH (b:Bulk) RETURN count(b) AS n"]));
    assert!(out.contains("20000"), "{out}");
    eprintln!(
        "checkpoint kills: {kills} kills, {} statements acknowledged, none lost",
        acked.len()
    );
}
