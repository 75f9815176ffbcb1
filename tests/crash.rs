//! Crash safety the hard way: run the `kg` binary writing to a graph file,
//! kill it with SIGKILL at random moments (while it writes, replays, or
//! checkpoints), reopen the graph and check that every acknowledged write is
//! there and that no statement is half-applied.
//!
//! Seed: `KG_CRASH_SEED=N cargo test --test crash -- --nocapture` replays a run.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kg::store::Graph;
use kg::Value;

const KG: &str = env!("CARGO_BIN_EXE_kg");

/// A small xorshift generator (no dependencies, reproducible from its seed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("crash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// What the graph must show, from the acknowledgements read so far.
#[derive(Default)]
struct Expect {
    /// Creation statements acknowledged (by their number).
    created: BTreeSet<u64>,
    /// Property statements acknowledged: node number → the value set.
    set: BTreeMap<u64, u64>,
}

/// The number out of an acknowledgement line such as `{"ack":"c:17"}`.
fn parse_ack(line: &str) -> Option<(char, u64, u64)> {
    let start = line.find("\"ack\":\"")? + 7;
    let rest = &line[start..];
    let body = &rest[..rest.find('"')?];
    let mut parts = body.split(':');
    let kind = parts.next()?.chars().next()?;
    let a = parts.next()?.parse().ok()?;
    let b = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    Some((kind, a, b))
}

fn int_prop(g: &Graph, props: &kg::value::ValueMap, key: &str) -> Option<u64> {
    let _ = g;
    match props.get(key) {
        Some(Value::Int(i)) => Some(*i as u64),
        _ => None,
    }
}

/// Checks the reopened graph against what was acknowledged; returns the
/// number of acknowledged writes missing (must be 0) and panics on
/// half-applied statements.
fn verify(g: &Graph, expect: &Expect) -> usize {
    g.check_indexes().expect("indexes consistent");
    let mut t: BTreeMap<u64, (kg::store::EntityId, Option<u64>, Option<u64>)> = BTreeMap::new();
    let mut u: BTreeMap<u64, kg::store::EntityId> = BTreeMap::new();
    for e in g.entities() {
        let Some(i) = int_prop(g, &e.props, "i") else {
            continue;
        };
        if e.has_label("T") {
            let prev = t.insert(
                i,
                (e.id, int_prop(g, &e.props, "a"), int_prop(g, &e.props, "b")),
            );
            assert!(prev.is_none(), "T {i} created twice");
        } else if e.has_label("U") {
            assert!(u.insert(i, e.id).is_none(), "U {i} created twice");
        }
    }
    let mut r: BTreeMap<u64, (kg::store::EntityId, kg::store::EntityId)> = BTreeMap::new();
    for rel in g.relations() {
        if let Some(i) = int_prop(g, &rel.props, "i") {
            assert!(r.insert(i, (rel.from, rel.to)).is_none(), "R {i} twice");
        }
    }
    // All or nothing: a T, its U and the R between them.
    let all: BTreeSet<u64> = t.keys().chain(u.keys()).chain(r.keys()).copied().collect();
    for i in &all {
        let (tid, a, b) = t
            .get(i)
            .copied()
            .unwrap_or_else(|| panic!("half-applied: no T {i}"));
        let uid = u
            .get(i)
            .copied()
            .unwrap_or_else(|| panic!("half-applied: no U {i}"));
        assert_eq!(r.get(i), Some(&(tid, uid)), "half-applied: R {i}");
        assert_eq!(a, b, "half-applied SET on T {i}");
    }
    let mut lost = 0;
    for i in &expect.created {
        if !t.contains_key(i) {
            eprintln!("LOST: acknowledged CREATE {i}");
            lost += 1;
        }
    }
    for (i, v) in &expect.set {
        // A later SET of the same node (higher serial) may have been applied
        // without its acknowledgement reaching us.
        if t.get(i).and_then(|x| x.1).is_none_or(|a| a < *v) {
            eprintln!("LOST: acknowledged SET on {i} = {v}");
            lost += 1;
        }
    }
    lost
}

#[test]
fn sigkill_never_loses_an_acknowledged_write() {
    let seed = std::env::var("KG_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    eprintln!("crash test seed {seed} (KG_CRASH_SEED={seed} to replay)");
    let mut rng = Rng(seed);
    let dir = scratch("sigkill");
    let graph = dir.join("crash.kg");
    let mut expect = Expect::default();
    let mut next: u64 = 0;
    let mut serial: u64 = 1;
    let (mut kills, mut acks, mut lost, mut warned) = (0, 0, 0, 0);
    let started = Instant::now();
    let min_kills = 150;
    while kills < min_kills {
        // A script of creations, each followed now and then by a two-property
        // SET on a node made earlier in the same script.
        let mut script = String::new();
        let first = next;
        for _ in 0..60 {
            let i = next;
            next += 1;
            script.push_str(&format!(
                "CREATE (:T {{i: {i}}})-[:R {{i: {i}}}]->(:U {{i: {i}}}) RETURN 'c:{i}' AS ack;\n"
            ));
            if rng.below(3) == 0 {
                let target = first + rng.below(i - first + 1);
                let v = serial;
                serial += 1;
                script.push_str(&format!(
                    "MATCH (t:T {{i: {target}}}) SET t.a = {v}, t.b = {v} RETURN 's:{target}:{v}' AS ack;\n"
                ));
            }
        }
        let mut child = Command::new(KG)
            .arg(&graph)
            .args(["--wal-limit", "3000"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kg");
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(script.as_bytes());
        });
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr = child.stderr.take().expect("stderr");
        let errs = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        // Kill after a random number of acknowledgements (0: during startup
        // and recovery), plus a random few hundred microseconds.
        let target = match rng.below(4) {
            0 => 0,
            _ => rng.below(40),
        };
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while (lines.len() as u64) < target && Instant::now() < deadline {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(l) => lines.push(l),
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        std::thread::sleep(Duration::from_micros(rng.below(if target == 0 {
            40_000
        } else {
            3_000
        })));
        let _ = child.kill(); // SIGKILL on Unix
        let status = child.wait().expect("wait");
        if !status.success() {
            kills += 1;
        }
        let _ = writer.join();
        let _ = reader.join();
        lines.extend(rx.try_iter());
        let stderr = errs.join().unwrap_or_default();
        if stderr.contains("warning") {
            warned += 1;
        }
        assert!(!stderr.contains("panicked"), "kg panicked:\n{stderr}");
        for l in &lines {
            match parse_ack(l) {
                Some(('c', i, _)) => {
                    expect.created.insert(i);
                }
                Some(('s', i, v)) => {
                    expect.set.insert(i, v);
                }
                _ => panic!("unexpected output line {l:?}\nstderr: {stderr}"),
            }
            acks += 1;
        }
        // A kill during the very first start may come before the graph file
        // is created; that is fine as long as nothing was acknowledged.
        if !graph.exists() {
            assert!(
                expect.created.is_empty() && expect.set.is_empty(),
                "writes were acknowledged but there is no graph file"
            );
            continue;
        }
        // Reopen (read-only, in this process) and check.
        let g = kg::db::read_snapshot(&graph)
            .unwrap_or_else(|e| panic!("the graph does not open after a kill: {e}"));
        lost += verify(&g, &expect);
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "too slow: {kills} kills in {:?}",
            started.elapsed()
        );
    }
    // A writer reopens it too (and trims any torn tail), then exits cleanly.
    let out = Command::new(KG)
        .arg(&graph)
        .args(["-c", "MATCH (t:T) RETURN count(t) AS n"])
        .output()
        .expect("run kg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let g = kg::db::read_snapshot(&graph).expect("reopen");
    lost += verify(&g, &expect);
    assert_eq!(
        std::fs::metadata(kg::db::wal::path_for(&graph))
            .map(|m| m.len())
            .ok(),
        Some(kg::db::wal::HEADER_LEN),
        "a clean exit leaves an empty log"
    );
    eprintln!(
        "crash test: {kills} kills, {acks} writes acknowledged, {lost} lost, \
         {} creations and {} property sets in the final graph checked, \
         {warned} runs warned about a torn log tail, {:.1} s",
        expect.created.len(),
        expect.set.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(lost, 0, "acknowledged writes were lost");
    let _ = std::fs::remove_dir_all(&dir);
}
