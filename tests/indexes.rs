//! Declared property indexes as Neo4j 5 users write them: `CREATE INDEX`,
//! `DROP INDEX`, `SHOW INDEXES`, their errors, the seeks EXPLAIN shows,
//! their upkeep under every kind of write and rollback, and their life in
//! graph files (snapshots, the log, a crash).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kg::engine::{Engine, RunOptions};
use kg::eval::Params;
use kg::store::{IndexDef, IndexTarget};
use kg::value::Value;

const KG: &str = env!("CARGO_BIN_EXE_kg");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("indexes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn run(e: &mut Engine, q: &str) -> kg::engine::QueryResult {
    e.run(q, &Params::new())
        .unwrap_or_else(|err| panic!("{q}: {}", err.message))
}

fn fails(e: &mut Engine, q: &str) -> kg::error::Error {
    match e.run(q, &Params::new()) {
        Ok(r) => panic!("{q} should fail, gave {:?}", r.rows),
        Err(err) => err,
    }
}

fn explain(e: &mut Engine, q: &str, plain: bool) -> String {
    let options = RunOptions {
        no_optimize: plain,
        ..RunOptions::default()
    };
    e.run_with(&format!("EXPLAIN {q}"), &Params::new(), &options)
        .unwrap_or_else(|err| panic!("{q}: {}", err.message))
        .plan
        .unwrap_or_default()
}

/// People with ages and names, and KNOWS relationships with a `since`.
fn people() -> Engine {
    let mut e = Engine::new();
    run(
        &mut e,
        "UNWIND range(1, 60) AS i \
         CREATE (p:Person {age: i % 30, name: 'p' + toString(i)}) \
         CREATE (c:City {name: 'c' + toString(i % 5)}) \
         CREATE (p)-[:KNOWS {since: 2000 + i % 20}]->(c)",
    );
    e
}

fn names(e: &mut Engine) -> Vec<String> {
    run(e, "SHOW INDEXES")
        .rows
        .iter()
        .map(|r| match &r[1] {
            Value::String(s) => s.clone(),
            other => panic!("name column: {other:?}"),
        })
        .collect()
}

#[test]
fn show_indexes_lists_what_was_created_in_neo4j_columns() {
    let mut e = people();
    assert!(run(&mut e, "SHOW INDEXES").rows.is_empty());
    let r = run(&mut e, "CREATE INDEX person_age FOR (p:Person) ON (p.age)");
    assert_eq!(r.stats.indexes_added, 1);
    assert_eq!(r.mutations.len(), 1, "one logged change");
    run(&mut e, "CREATE INDEX FOR ()-[k:KNOWS]->() ON (k.since)");
    let r = run(&mut e, "SHOW INDEXES");
    for c in [
        "name",
        "type",
        "entityType",
        "labelsOrTypes",
        "properties",
        "state",
    ] {
        assert!(
            r.columns.iter().any(|x| x == c),
            "column {c}: {:?}",
            r.columns
        );
    }
    let generated = IndexDef::generated_name(IndexTarget::Relationship, "KNOWS", "since");
    let col = |name: &str| r.columns.iter().position(|c| c == name).expect("column");
    let row = r
        .rows
        .iter()
        .find(|row| row[col("name")] == Value::String(generated.clone()))
        .expect("the unnamed index under its generated name");
    assert_eq!(row[col("entityType")], Value::String("RELATIONSHIP".into()));
    assert_eq!(
        row[col("labelsOrTypes")],
        Value::List(vec![Value::String("KNOWS".into())])
    );
    assert_eq!(
        row[col("properties")],
        Value::List(vec![Value::String("since".into())])
    );
    assert_eq!(row[col("state")], Value::String("ONLINE".into()));
    assert_eq!(names(&mut e).len(), 2);
    assert_eq!(run(&mut e, "SHOW INDEX").rows.len(), 2);
    assert_eq!(run(&mut e, "show all indexes;").rows.len(), 2);
}

#[test]
fn duplicate_names_and_definitions_are_refused_unless_if_not_exists() {
    let mut e = people();
    run(&mut e, "CREATE INDEX ix FOR (n:Person) ON (n.age)");
    let err = fails(&mut e, "CREATE INDEX ix FOR (n:City) ON (n.name)");
    assert!(err.message.contains("`ix`"), "{}", err.message);
    let err = fails(&mut e, "CREATE INDEX other FOR (n:Person) ON (n.age)");
    assert!(
        err.message.contains("`ix`") && err.message.contains("(:Person {age})"),
        "{}",
        err.message
    );
    let r = run(
        &mut e,
        "CREATE INDEX ix IF NOT EXISTS FOR (n:City) ON (n.name)",
    );
    assert_eq!(r.stats.indexes_added, 0);
    assert!(r.mutations.is_empty());
    run(
        &mut e,
        "CREATE INDEX other IF NOT EXISTS FOR (n:Person) ON (n.age)",
    );
    assert_eq!(names(&mut e), vec!["ix".to_string()]);
    // The same property of a relationship type is another schema.
    run(&mut e, "CREATE INDEX FOR ()<-[r:Person]-() ON (r.age)");
    assert_eq!(names(&mut e).len(), 2);
}

#[test]
fn drop_index_names_a_missing_index_and_if_exists_is_quiet() {
    let mut e = people();
    let err = fails(&mut e, "DROP INDEX nope");
    assert!(err.message.contains("`nope`"), "{}", err.message);
    let r = run(&mut e, "DROP INDEX nope IF EXISTS");
    assert!(r.mutations.is_empty());
    run(&mut e, "CREATE INDEX `odd name` FOR (n:Nothing) ON (n.x)");
    assert_eq!(names(&mut e), vec!["odd name".to_string()]);
    let r = run(&mut e, "DROP INDEX `odd name`");
    assert_eq!(r.stats.indexes_removed, 1);
    assert!(names(&mut e).is_empty());
}

#[test]
fn bad_index_statements_say_what_is_wrong() {
    let mut e = people();
    let err = fails(&mut e, "CREATE INDEX FOR (n:Person) ON (n.age, n.name)");
    assert!(err.message.contains("composite"), "{}", err.message);
    let err = fails(&mut e, "CREATE INDEX FOR (n:Person) ON (m.age)");
    assert!(err.message.contains("`n`"), "{}", err.message);
    let err = fails(&mut e, "CREATE INDEX FOR (n) ON (n.age)");
    assert_eq!(err.code, "UnexpectedSyntax", "{}", err.message);
    let err = e
        .run_with(
            "CREATE INDEX FOR (n:Person) ON (n.age)",
            &Params::new(),
            &RunOptions {
                readonly: true,
                ..RunOptions::default()
            },
        )
        .expect_err("read-only");
    assert_eq!(err.code, "ReadOnlyViolation");
    assert!(names(&mut e).is_empty());
}

#[test]
fn explain_shows_index_seeks_and_no_optimize_uses_none() {
    let mut e = people();
    run(&mut e, "CREATE INDEX FOR (p:Person) ON (p.age)");
    run(&mut e, "CREATE INDEX FOR (p:Person) ON (p.name)");
    run(&mut e, "CREATE INDEX FOR ()-[k:KNOWS]-() ON (k.since)");
    let cases = [
        (
            "MATCH (p:Person) WHERE p.age = 3 RETURN p",
            ":Person(age) = 3",
        ),
        ("MATCH (p:Person {age: $a}) RETURN p", ":Person(age) = $a"),
        (
            "MATCH (p:Person) WHERE p.age IN [1, 2] RETURN p",
            ":Person(age) IN [1, 2]",
        ),
        (
            "MATCH (p:Person) WHERE p.age > 3 RETURN p",
            ":Person(age) > 3",
        ),
        (
            "MATCH (p:Person) WHERE 3 <= p.age AND p.age < 5 RETURN p",
            ":Person(age) >= 3 AND < 5",
        ),
        (
            "MATCH (p:Person) WHERE p.name STARTS WITH 'p1' RETURN p",
            ":Person(name) STARTS WITH 'p1'",
        ),
        (
            "MATCH (a)-[k:KNOWS]->(b) WHERE k.since = 2005 RETURN a, b",
            "Relationship index seek :KNOWS(since) = 2005",
        ),
    ];
    for (q, shown) in cases {
        let plan = explain(&mut e, q, false);
        assert!(
            plan.contains("index seek") && plan.contains(shown),
            "{q}:\n{plan}"
        );
        let plain = explain(&mut e, q, true);
        assert!(
            !plain.contains("Node index seek") && !plain.contains("Relationship index seek"),
            "{q} without optimizing:\n{plain}"
        );
    }
    // No index on City.age: a label scan.
    let plan = explain(&mut e, "MATCH (c:City) WHERE c.age = 1 RETURN c", false);
    assert!(!plan.contains("index seek"), "{plan}");
    // The seek picks the more selective index.
    let plan = explain(
        &mut e,
        "MATCH (p:Person) WHERE p.age >= 0 AND p.name STARTS WITH 'p7' RETURN p",
        false,
    );
    assert!(plan.contains(":Person(name) STARTS WITH 'p7'"), "{plan}");
    // Dropping the index changes the plan of the same text.
    let q = "MATCH (p:Person) WHERE p.age = 3 RETURN p.name";
    let before = run(&mut e, q).rows;
    let name = IndexDef::generated_name(IndexTarget::Node, "Person", "age");
    run(&mut e, &format!("DROP INDEX {name}"));
    assert!(!explain(&mut e, q, false).contains(":Person(age)"));
    let mut after = run(&mut e, q).rows;
    let mut before = before;
    before.sort_by_key(|r| format!("{r:?}"));
    after.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(before, after);
    assert_eq!(after.len(), 2);
}

#[test]
fn seeks_compare_values_as_cypher_does() {
    let mut e = Engine::new();
    run(
        &mut e,
        "UNWIND [1, 1.0, 2.5, 'a', 'ab', true, null, [1], -0.0, 0] AS v CREATE (:N {v: v})",
    );
    run(&mut e, "CREATE INDEX FOR (n:N) ON (n.v)");
    let count = |e: &mut Engine, cond: &str| -> i64 {
        let q = format!("MATCH (n:N) WHERE {cond} RETURN count(*) AS c");
        assert!(explain(e, &q, false).contains("index seek"), "{q}");
        match run(e, &q).rows[0][0] {
            Value::Int(c) => c,
            ref other => panic!("{other:?}"),
        }
    };
    assert_eq!(count(&mut e, "n.v = 1"), 2);
    assert_eq!(count(&mut e, "n.v = 1.0"), 2);
    assert_eq!(count(&mut e, "n.v = 0"), 2, "-0.0 = 0");
    assert_eq!(count(&mut e, "n.v = null"), 0);
    assert_eq!(count(&mut e, "n.v IN [1, 'a', null]"), 3);
    assert_eq!(count(&mut e, "n.v > 0"), 3);
    assert_eq!(count(&mut e, "n.v >= 'a'"), 2);
    assert_eq!(count(&mut e, "n.v < 0.0 / 0.0"), 0);
    assert_eq!(count(&mut e, "n.v STARTS WITH 'a'"), 2);
    assert_eq!(count(&mut e, "n.v = [1]"), 1, "a list is found by a scan");
    assert_eq!(count(&mut e, "n.v = true"), 1);
}

/// Every kind of write keeps the index equal to a fresh build, and a
/// failed statement leaves it as it was.
#[test]
fn writes_and_rollbacks_keep_the_index_in_step() {
    let mut e = people();
    run(&mut e, "CREATE INDEX FOR (p:Person) ON (p.age)");
    run(&mut e, "CREATE INDEX FOR ()-[k:KNOWS]-() ON (k.since)");
    let writes = [
        "CREATE (:Person {age: 100, name: 'new'})",
        "MATCH (p:Person {name: 'p1'}) SET p.age = 101",
        "MATCH (p:Person {name: 'p2'}) REMOVE p.age",
        "MATCH (p:Person {name: 'p3'}) REMOVE p:Person",
        "MATCH (c:City {name: 'c1'}) WITH c LIMIT 1 SET c:Person, c.age = 102",
        "MATCH (p:Person {name: 'p4'}) DETACH DELETE p",
        "MERGE (p:Person {age: 103})",
        "MATCH (p:Person {name: 'p5'}) SET p += {age: 104}",
        "MATCH (p:Person {name: 'p6'}) SET p = {name: 'p6'}",
        "MATCH ()-[k:KNOWS]->() WHERE k.since = 2001 SET k.since = 1999",
        "MATCH ()-[k:KNOWS]->() WHERE k.since = 2002 DELETE k",
        "MATCH (a:Person {name: 'p7'}), (c:City {name: 'c2'}) CREATE (a)-[:KNOWS {since: 1998}]->(c)",
    ];
    for w in writes {
        run(&mut e, w);
        e.graph()
            .check_indexes()
            .unwrap_or_else(|err| panic!("after {w}: {err}"));
    }
    let ages = |e: &mut Engine| {
        run(e, "MATCH (p:Person) WHERE p.age >= 100 RETURN p.age")
            .rows
            .len()
    };
    assert_eq!(ages(&mut e), 5);
    let failing = [
        "MATCH (p:Person) SET p.age = 200 WITH p RETURN 1 / 0",
        "MATCH (p:Person) DETACH DELETE p WITH 1 AS x RETURN 1 / 0",
        "MATCH (p:Person) REMOVE p:Person WITH p RETURN 1 / 0",
        "CREATE (:Person {age: 300}) WITH 1 AS x RETURN 1 / 0",
        "MATCH ()-[k:KNOWS]->() SET k.since = 0 WITH k RETURN 1 / 0",
        "CREATE INDEX gone FOR (n:Person) ON (n.name)",
    ];
    for w in &failing[..5] {
        let before = run(&mut e, "MATCH (p:Person) WHERE p.age > 0 RETURN count(*)").rows;
        fails(&mut e, w);
        e.graph()
            .check_indexes()
            .unwrap_or_else(|err| panic!("after the failed {w}: {err}"));
        let after = run(&mut e, "MATCH (p:Person) WHERE p.age > 0 RETURN count(*)").rows;
        assert_eq!(before, after, "{w}");
    }
    assert_eq!(ages(&mut e), 5);
    // A rolled-back transaction undoes an index creation and a drop.
    run(&mut e, failing[5]);
    let g = e.graph_mut();
    g.begin();
    g.drop_index("gone").expect("drop");
    g.create_index(IndexDef {
        name: "tmp".into(),
        target: IndexTarget::Node,
        token: "City".into(),
        property: "name".into(),
    })
    .expect("create");
    g.rollback();
    let defs: Vec<String> = g.index_defs().map(|d| d.name.clone()).collect();
    assert!(defs.contains(&"gone".to_string()) && !defs.contains(&"tmp".to_string()));
    g.check_indexes().expect("restored index is built");
}

fn kg(args: &[&str]) -> String {
    let out = Command::new(KG).args(args).output().expect("run kg");
    assert!(
        out.status.success(),
        "kg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn indexes_are_kept_in_the_graph_file_and_old_files_still_open() {
    let dir = scratch("file");
    let path = dir.join("g.kgdb");
    let p = path.to_str().expect("utf-8 path");
    kg(&[p, "-c", "CREATE (:P {v: 1}), (:P {v: 2})"]);
    // No index: the snapshot keeps format version 2 (older kg reads it).
    let bytes = std::fs::read(&path).expect("snapshot");
    assert_eq!(&bytes[8..12], &2u32.to_le_bytes());
    kg(&[p, "-c", "CREATE INDEX pv FOR (n:P) ON (n.v)"]);
    let g = kg::db::read_snapshot(&path).expect("reopen");
    let defs: Vec<&IndexDef> = g.index_defs().collect();
    assert_eq!(defs.len(), 1);
    assert_eq!((defs[0].name.as_str(), defs[0].token.as_str()), ("pv", "P"));
    g.check_indexes().expect("rebuilt from the data");
    // A clean exit checkpoints: the definition is now in the snapshot.
    let bytes = std::fs::read(&path).expect("snapshot");
    assert_eq!(&bytes[8..12], &3u32.to_le_bytes());
    let out = kg(&[
        p,
        "--format",
        "jsonl",
        "-c",
        "MATCH (n:P) WHERE n.v = 2 RETURN n.v AS v",
    ]);
    assert!(out.contains("\"v\":2"), "{out}");
    kg(&[p, "-c", "DROP INDEX pv"]);
    let g = kg::db::read_snapshot(&path).expect("reopen");
    assert_eq!(g.index_defs().count(), 0);
    let bytes = std::fs::read(&path).expect("snapshot");
    assert_eq!(&bytes[8..12], &2u32.to_le_bytes());
}

/// Sends `script` to a kg session on `path`, waits for the line `ack`
/// on its output, then kills it with SIGKILL while a slow query that
/// follows runs (before the checkpoint of a clean exit).
fn run_then_kill(path: &Path, script: &str) {
    let mut child = Command::new(KG)
        .arg(path)
        .args(["--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn kg");
    let mut stdin = child.stdin.take().expect("stdin");
    let slow =
        "MATCH (a), (b), (c), (d), (e) WHERE a.v + b.v + c.v + d.v + e.v = -1 RETURN count(*);\n";
    stdin
        .write_all(format!("{script}{slow}").as_bytes())
        .expect("write script");
    drop(stdin);
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut acked = false;
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(l) if l.contains("\"ack\"") => {
                acked = true;
                break;
            }
            Ok(_) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(acked, "kg acknowledged the script");
}

#[test]
fn index_creation_and_drop_survive_sigkill_after_acknowledgement() {
    let dir = scratch("kill");
    let path = dir.join("g.kgdb");
    let p = path.to_str().expect("utf-8 path");
    kg(&[
        p,
        "-c",
        "UNWIND range(1, 20) AS i CREATE (:P {v: i})-[:R {w: i}]->(:Q)",
    ]);
    run_then_kill(
        &path,
        "CREATE INDEX pv FOR (n:P) ON (n.v);\nCREATE INDEX FOR ()-[r:R]-() ON (r.w);\n\
         CREATE (:P {v: 99});\nRETURN 1 AS ack;\n",
    );
    let wal = std::fs::metadata(kg::db::wal::path_for(&path))
        .expect("log")
        .len();
    assert!(
        wal > kg::db::wal::HEADER_LEN,
        "the changes are only in the log"
    );
    let g = kg::db::read_snapshot(&path).expect("reopen after the kill");
    let names: Vec<&str> = g.index_defs().map(|d| d.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"pv"));
    g.check_indexes().expect("replayed indexes hold the data");
    let out = kg(&[p, "-c", "MATCH (n:P) WHERE n.v = 99 RETURN count(*) AS c"]);
    assert!(out.contains("\"c\":1"), "{out}");
    run_then_kill(&path, "DROP INDEX pv;\nRETURN 1 AS ack;\n");
    let g = kg::db::read_snapshot(&path).expect("reopen after the kill");
    let names: Vec<&str> = g.index_defs().map(|d| d.name.as_str()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(!names.contains(&"pv"));
}
