//! `kg GRAPH`: graph files from the command line (creation, -c/-f/stdin,
//! parameters, exit codes, damaged and foreign files, locking, checkpoints).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kg::db::{self, wal};
use kg::shell::session::Session;

const KG: &str = env!("CARGO_BIN_EXE_kg");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-durable-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs kg with `args` and `stdin`; returns (exit code, stdout, stderr).
fn kg(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(KG)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn count(g: &Path) -> String {
    let (code, out, err) = kg(
        &[s(g), "--readonly", "-c", "MATCH (n) RETURN count(n) AS n"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    out.trim().to_string()
}

#[test]
fn graph_positional_with_c_f_and_stdin() {
    let dir = scratch("positional");
    let g = dir.join("g.kg");
    let (code, out, err) = kg(
        &[
            s(&g),
            "-c",
            "CREATE (:A {i: 1})",
            "-c",
            "CREATE (:A {i: 2})",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("created a new graph file"), "{err}");
    assert_eq!(out, "");
    let script = dir.join("s.kgq");
    std::fs::write(
        &script,
        "CREATE (:A {i: 3});\nMATCH (a:A) RETURN count(a) AS n;\n",
    )
    .unwrap();
    let (code, out, err) = kg(&[s(&g), "-f", s(&script)], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"{"n":3}"#);
    let (code, out, err) = kg(
        &[s(&g)],
        "CREATE (:A {i: 4});\nMATCH (a:A) RETURN max(a.i) AS m;",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"{"m":4}"#);
    assert_eq!(count(&g), r#"{"n":4}"#);
    // The read-only subcommands take the graph too.
    let (code, out, _) = kg(&["stats", s(&g)], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("entities: 4"), "{out}");
    let (code, out, _) = kg(&["dot", s(&g)], "");
    assert_eq!(code, 0);
    assert!(out.contains("digraph"), "{out}");
    // The seed graph when no GRAPH is given.
    let (code, out, _) = kg(
        &["-c", "MATCH (c:Country {key: 'morocco'}) RETURN c.key AS k"],
        "",
    );
    assert_eq!(code, 0);
    assert_eq!(out.trim(), r#"{"k":"morocco"}"#);
}

#[test]
fn parameters_from_p_and_json() {
    let dir = scratch("params");
    let q = "RETURN $name AS name, $n + 1 AS n, $l AS l, $m.a AS a, $word AS w";
    let (code, out, err) = kg(
        &[
            "-P",
            "name='Maroc'",
            "-P",
            "n=41",
            "-P",
            "l=[1, 'x']",
            "-P",
            "m={a: true}",
            "-P",
            "word=Morocco",
            "-c",
            q,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        r#"{"name":"Maroc","n":42,"l":[1,"x"],"a":true,"w":"Morocco"}"#
    );
    let json = dir.join("p.json");
    std::fs::write(
        &json,
        r#"{"name": "Tunisie", "n": 1, "l": [], "m": {"a": null}, "word": 2.5}"#,
    )
    .unwrap();
    let (code, out, err) = kg(&["--params", s(&json), "-P", "n=9", "-c", q], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        r#"{"name":"Tunisie","n":10,"l":[],"a":null,"w":2.5}"#,
        "-P wins over --params"
    );
    // Parameters reach statements that write to a graph file.
    let g = dir.join("g.kg");
    let (code, _, err) = kg(&[s(&g), "-P", "k=7", "-c", "CREATE (:K {v: $k})"], "");
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = kg(&[s(&g), "-c", "MATCH (k:K) RETURN k.v AS v"], "");
    assert_eq!(out.trim(), r#"{"v":7}"#);
    // Usage errors: exit code 2.
    let (code, _, err) = kg(&["-P", "novalue", "-c", "RETURN 1"], "");
    assert_eq!(code, 2);
    assert!(err.contains("name=value"), "{err}");
    std::fs::write(&json, "[1, 2]").unwrap();
    let (code, _, err) = kg(&["--params", s(&json), "-c", "RETURN 1"], "");
    assert_eq!(code, 1);
    assert!(err.contains("JSON object"), "{err}");
    // An unbound parameter is a query error: exit code 1.
    let (code, _, _) = kg(&["-c", "RETURN $missing AS x"], "");
    assert_eq!(code, 1);
}

#[test]
fn exit_codes() {
    let dir = scratch("exit");
    let g = dir.join("g.kg");
    let (code, _, _) = kg(&[s(&g), "-c", "MATCH (n RETURN n"], "");
    assert_eq!(code, 1, "query error");
    let (code, _, _) = kg(&[s(&g), "--facts", "x.kgf", "-c", "RETURN 1"], "");
    assert_eq!(code, 2, "GRAPH and --facts");
    let (code, _, _) = kg(&[s(&g), "-c", "RETURN 1", "-f", "x.kgq"], "");
    assert_eq!(code, 2, "-c and -f");
    let (code, _, _) = kg(&["--bogus"], "");
    assert_eq!(code, 2, "unknown flag");
    let (code, _, err) = kg(
        &[s(&dir.join("missing.kg")), "--readonly", "-c", "RETURN 1"],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!dir.join("missing.kg").exists());
    // A failed statement is not applied, the ones before it are kept.
    let (code, _, _) = kg(
        &[s(&g)],
        "CREATE (:A);\nCREATE (:B {x: [[1]]});\nCREATE (:C);",
    );
    assert_eq!(code, 1);
    assert_eq!(count(&g), r#"{"n":1}"#);
    // Read-only sessions refuse writes.
    let (code, _, err) = kg(&[s(&g), "--readonly", "-c", "CREATE (:Z)"], "");
    assert_eq!(code, 1);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(count(&g), r#"{"n":1}"#);
}

#[test]
fn corrupt_and_foreign_files_are_refused_and_unchanged() {
    let dir = scratch("corrupt");
    let g = dir.join("g.kg");
    let (code, _, _) = kg(
        &[s(&g), "-c", "CREATE (:A {name: 'hello world'})-[:R]->(:B)"],
        "",
    );
    assert_eq!(code, 0);
    let mut bytes = std::fs::read(&g).unwrap();
    let at = bytes.len() - 5;
    bytes[at] ^= 0x01;
    std::fs::write(&g, &bytes).unwrap();
    for args in [
        vec![s(&g), "-c", "CREATE (:X)"],
        vec![s(&g), "--readonly", "-c", "RETURN 1"],
        vec!["stats", s(&g)],
    ] {
        let (code, out, err) = kg(&args, "");
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(out, "");
        assert!(err.contains("g.kg") && err.contains("checksum"), "{err}");
    }
    assert_eq!(
        std::fs::read(&g).unwrap(),
        bytes,
        "the damaged file is not overwritten"
    );
    // Random bytes and a text file.
    let junk = dir.join("junk.kg");
    let noise: Vec<u8> = (0..300u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)
        .collect();
    std::fs::write(&junk, &noise).unwrap();
    let (code, _, err) = kg(&[s(&junk), "-c", "RETURN 1"], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("junk.kg") && err.contains("not a kg graph file"),
        "{err}"
    );
    assert_eq!(std::fs::read(&junk).unwrap(), noise);
    assert!(!wal::path_for(&junk).exists(), "nothing created beside it");
    let text = dir.join("facts.kgf");
    std::fs::write(&text, kg::facts::SEED).unwrap();
    let (code, _, err) = kg(&[s(&text), "-c", "RETURN 1"], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("--facts") && err.contains("kg import"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&text).unwrap(), kg::facts::SEED);
    // The fact file itself still works through --facts and `kg stats FILE`.
    let (code, _, _) = kg(&["stats", s(&text)], "");
    assert_eq!(code, 0);
}

#[test]
fn torn_log_tail_is_dropped_with_a_warning() {
    let dir = scratch("torn");
    let g = dir.join("g.kg");
    // Log three statements without a checkpoint (as if the process died).
    let mut o = db::Db::open(&g, false).unwrap();
    let mut session = Session::new(kg::Engine::with_graph(std::mem::take(&mut o.graph)));
    let mut lens = Vec::new();
    for i in 0..3 {
        let r = session.execute(&format!("CREATE (:A {{i: {i}}})")).unwrap();
        o.db.log(&r.mutations).unwrap();
        lens.push(o.db.wal_len());
    }
    drop(o);
    drop(session);
    let wal_path = wal::path_for(&g);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&wal_path)
        .unwrap();
    f.set_len(lens[1] + 5).unwrap();
    drop(f);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&wal_path)
        .unwrap();
    f.write_all(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3]).unwrap();
    drop(f);
    let (code, out, err) = kg(&[s(&g), "-c", "MATCH (a:A) RETURN collect(a.i) AS i"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"{"i":[0,1]}"#);
    assert!(
        err.contains("warning")
            && err.contains("g.kg.wal")
            && err.contains(&format!("offset {}", lens[1])),
        "{err}"
    );
    // The clean exit checkpointed: the log is empty, no warning any more.
    assert_eq!(std::fs::metadata(&wal_path).unwrap().len(), wal::HEADER_LEN);
    let (_, _, err) = kg(&[s(&g), "-c", "RETURN 1"], "");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn a_second_writer_is_locked_out_and_a_reader_is_not() {
    let dir = scratch("lock");
    let g = dir.join("g.kg");
    let (code, _, _) = kg(&[s(&g), "-c", "CREATE (:A)"], "");
    assert_eq!(code, 0);
    // The first writer holds the graph while it waits for its script on stdin.
    let spawn_first = || {
        Command::new(KG)
            .arg(&g)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = spawn_first();
    let started = Instant::now();
    let err = loop {
        // The probe below may take the lock before the first writer does;
        // the first writer is then refused and exits, so start it again.
        if first.try_wait().unwrap().is_some() {
            first = spawn_first();
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        let (code, _, err) = kg(&[s(&g), "-c", "CREATE (:B)"], "");
        if code != 0 {
            break err;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never locked");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        err.contains("g.kg is locked") && err.contains("--readonly"),
        "{err}"
    );
    let before = count(&g);
    let (code, out, err) = kg(
        &[s(&g), "--readonly", "-c", "MATCH (n) RETURN count(n) AS n"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), before);
    let mut stdin = first.stdin.take().unwrap();
    stdin.write_all(b"CREATE (:C);\n").unwrap();
    drop(stdin);
    assert!(first.wait().unwrap().success());
    let (code, _, err) = kg(&[s(&g), "-c", "CREATE (:D)"], "");
    assert_eq!(code, 0, "free again: {err}");
}

#[test]
fn save_checkpoints_and_writes_copies() {
    let dir = scratch("save");
    let g = dir.join("g.kg");
    let o = db::Db::open(&g, false).unwrap();
    let mut session = Session::with_db(o);
    let mut out = Vec::new();
    let mut err = Vec::new();
    session
        .run_script(
            "t",
            "CREATE (:A {i: 1})-[:R]->(:B);\nMATCH (a:A) SET a.x = 2;",
            false,
            &mut out,
            &mut err,
        )
        .unwrap();
    let wal_path = wal::path_for(&g);
    assert!(
        std::fs::metadata(&wal_path).unwrap().len() > wal::HEADER_LEN,
        "logged"
    );
    session
        .run_script("t", ":save\n", false, &mut out, &mut err)
        .unwrap();
    assert_eq!(
        std::fs::metadata(&wal_path).unwrap().len(),
        wal::HEADER_LEN,
        "checkpointed"
    );
    assert!(String::from_utf8_lossy(&err).contains("saved"));
    // :save FILE writes a copy; :save of the own file name checkpoints.
    let copy = dir.join("copy.kg");
    session
        .run_script(
            "t",
            &format!("CREATE (:C);\n:save {}\n", copy.display()),
            false,
            &mut out,
            &mut err,
        )
        .unwrap();
    let expected = session.engine.graph().clone();
    assert!(db::read_snapshot(&copy).unwrap() == expected);
    session
        .run_script(
            "t",
            &format!(":save {}\n", g.display()),
            false,
            &mut out,
            &mut err,
        )
        .unwrap();
    assert_eq!(std::fs::metadata(&wal_path).unwrap().len(), wal::HEADER_LEN);
    // :open switches graphs (checkpointing the old one) and :open of a fact file still works.
    session
        .run_script(
            "t",
            &format!("CREATE (:D);\n:open {}\n", copy.display()),
            false,
            &mut out,
            &mut err,
        )
        .unwrap();
    assert_eq!(session.engine.graph().entity_count(), 3);
    let facts = dir.join("f.kgf");
    std::fs::write(&facts, kg::facts::SEED).unwrap();
    session
        .run_script(
            "t",
            &format!(":open {}\n", facts.display()),
            false,
            &mut out,
            &mut err,
        )
        .unwrap();
    assert!(session.db.is_none());
    assert!(session.engine.graph().entity_count() > 10);
    drop(session);
    let back = db::read_snapshot(&g).unwrap();
    assert_eq!(back.entity_count(), 4, "A, B, C, D");
    assert_eq!(std::fs::metadata(&wal_path).unwrap().len(), wal::HEADER_LEN);
    // :save with no file on an in-memory graph explains itself.
    let mut session = Session::new(kg::Engine::new());
    let mut err = Vec::new();
    assert!(session
        .run_script("t", ":save\n", false, &mut out, &mut err)
        .is_err());
    assert!(String::from_utf8_lossy(&err).contains(":save FILE"));
}

#[test]
fn clean_exit_checkpoints_and_reopens_equal() {
    let dir = scratch("clean");
    let g = dir.join("g.kg");
    let q = "UNWIND range(1, 50) AS i CREATE (:N {i: i, name: 'n' + i})-[:NEXT {w: i * 0.5}]->(:M {d: date('2020-01-02')})";
    let (code, _, err) = kg(
        &[
            s(&g),
            "-c",
            q,
            "-c",
            "MATCH (n:N) WHERE n.i % 2 = 0 DETACH DELETE n",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::metadata(wal::path_for(&g)).unwrap().len(),
        wal::HEADER_LEN
    );
    let a = db::read_snapshot(&g).unwrap();
    assert_eq!(a.entity_count(), 75);
    assert_eq!(a.relation_count(), 25);
    // New ids continue after the deleted ones.
    let (code, out, _) = kg(&[s(&g), "-c", "CREATE (x:X) RETURN id(x) AS id"], "");
    assert_eq!(code, 0);
    assert_eq!(out.trim(), r#"{"id":100}"#);
}
