//! Every write point of a workload, failed in turn (EIO, ENOSPC, or the
//! process stopping right there), then recovered twice: every acknowledged
//! statement is present, none is half applied or applied twice, and the
//! files always open.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::fault::{self, Fault};
use super::Db;
use crate::shell::session::Session;
use crate::store::Graph;
use crate::value::Value;

/// A fresh directory, in memory when the system has one (faults are
/// simulated in the process, so the file system's durability is not what
/// is tested here, and fsync on disk would make the walk slow).
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!(
        "kg-fault-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Statement `i` of the workload: a node, a relation and a second node in
/// one statement, or a property set on an earlier node.
fn statement(i: i64) -> String {
    if i % 4 == 3 {
        format!("MATCH (w:W {{i: {}}}) SET w.touched = {i}", i - 1)
    } else {
        format!("CREATE (:W {{i: {i}}})-[:N {{i: {i}}}]->(:V {{i: {i}}})")
    }
}

const STATEMENTS: i64 = 12;

/// Runs the workload on a new graph at `path` with the shell's own code
/// path (log before acknowledging, reopen when the log fails, automatic
/// checkpoints, one explicit checkpoint, a checkpoint when closing).
/// Returns the statements acknowledged.
fn workload(path: &Path) -> Vec<i64> {
    let mut acked = Vec::new();
    let Ok(opened) = Db::open(path, false) else {
        return acked;
    };
    let mut session = Session::with_db(opened);
    if let Some(db) = session.db.as_mut() {
        db.checkpoint_bytes = 400;
    }
    for i in 0..STATEMENTS {
        if session.execute(&statement(i)).is_ok() {
            acked.push(i);
        }
        if i == 6 && !fault::stopped() {
            let _ = session.checkpoint();
        }
        if fault::stopped() {
            // The process is gone: nothing more runs, not even a close.
            drop(session.db.take());
            return acked;
        }
    }
    let _ = session.close();
    acked
}

fn int_prop(g: &Graph, e: &crate::store::Entity, key: &str) -> Option<i64> {
    let _ = g;
    match e.props.get(key) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

/// Checks the recovered graph against the acknowledged statements.
fn check(g: &Graph, acked: &[i64], what: &str) {
    g.check_indexes()
        .unwrap_or_else(|e| panic!("{what}: indexes: {e}"));
    let mut w = vec![0; STATEMENTS as usize];
    let mut v = vec![0; STATEMENTS as usize];
    let mut touched = vec![false; STATEMENTS as usize];
    for e in g.entities() {
        if e.labels.iter().any(|l| l.as_str() == "After") {
            continue;
        }
        let Some(i) = int_prop(g, e, "i") else {
            panic!("{what}: an entity without i");
        };
        if e.labels.iter().any(|l| l.as_str() == "W") {
            w[i as usize] += 1;
            if let Some(t) = int_prop(g, e, "touched") {
                assert_eq!(t, i + 1, "{what}");
                touched[t as usize] = true;
            }
        } else {
            v[i as usize] += 1;
        }
    }
    let mut n = vec![0; STATEMENTS as usize];
    for r in g.relations() {
        match r.props.get("i") {
            Some(Value::Int(i)) => n[*i as usize] += 1,
            _ => panic!("{what}: a relation without i"),
        }
    }
    for i in 0..STATEMENTS {
        let k = i as usize;
        if i % 4 == 3 {
            if acked.contains(&i) && w[k - 1] == 1 {
                assert!(touched[k], "{what}: acknowledged SET {i} lost");
            }
            continue;
        }
        assert!(w[k] <= 1, "{what}: statement {i} applied {} times", w[k]);
        assert!(
            w[k] == v[k] && v[k] == n[k],
            "{what}: statement {i} half applied ({} W, {} V, {} N)",
            w[k],
            v[k],
            n[k]
        );
        if acked.contains(&i) {
            assert_eq!(w[k], 1, "{what}: acknowledged statement {i} lost");
        }
    }
}

/// Opens the graph after a fault, twice, and writes once more.
fn recover(path: &Path, acked: &[i64], what: &str) {
    let o = Db::open(path, false).unwrap_or_else(|e| panic!("{what}: reopen: {e}"));
    check(&o.graph, acked, what);
    let first = o.graph.clone();
    drop(o);
    let o = Db::open(path, false).unwrap_or_else(|e| panic!("{what}: second reopen: {e}"));
    assert!(o.graph == first, "{what}: the second recovery differs");
    let mut session = Session::with_db(o);
    session
        .execute("CREATE (:After)")
        .unwrap_or_else(|e| panic!("{what}: write after recovery: {e}"));
    if let Some(w) = session.close() {
        panic!("{what}: close after recovery: {w}");
    }
    let o = Db::open(path, true).unwrap_or_else(|e| panic!("{what}: third reopen: {e}"));
    assert_eq!(
        o.graph.entity_count(),
        first.entity_count() + 1,
        "{what}: the write after recovery"
    );
}

/// The number of `:After` nodes (written by recoveries).
fn after_count(g: &Graph) -> usize {
    g.entities()
        .filter(|e| e.labels.iter().any(|l| l.as_str() == "After"))
        .count()
}

/// A recovery as a user would run it: open for writing, one statement,
/// close. Returns whether the statement was acknowledged.
fn recovery_session(path: &Path) -> bool {
    let Ok(o) = Db::open(path, false) else {
        return false;
    };
    let mut session = Session::with_db(o);
    let acked = session.execute("CREATE (:After)").is_ok();
    if fault::stopped() {
        drop(session.db.take());
    } else {
        let _ = session.close();
    }
    acked
}

#[test]
fn a_crash_during_recovery_loses_nothing_either() {
    let mut runs = 0;
    let mut points_total = 0;
    let dir = scratch("count2");
    fault::arm(None);
    workload(&dir.join("g.kgdb"));
    let points = fault::count();
    fault::disarm();
    // A crash at every third point of the workload, then a crash at every
    // point of the recovery after it, then a clean recovery.
    for at in (0..points).step_by(3) {
        let dir = scratch("first");
        let path = dir.join("g.kgdb");
        fault::arm(Some((at, Fault::Crash)));
        let acked = workload(&path);
        fault::disarm();
        let saved = dir.join("saved");
        std::fs::create_dir_all(&saved).unwrap();
        let copy = |from: &Path, to: &Path| {
            for name in ["g.kgdb", "g.kgdb.wal"] {
                let _ = std::fs::remove_file(to.join(name));
                if from.join(name).exists() {
                    std::fs::copy(from.join(name), to.join(name)).unwrap();
                }
            }
        };
        copy(&dir, &saved);
        fault::arm(None);
        recovery_session(&path);
        let recovery_points = fault::count();
        fault::disarm();
        points_total += recovery_points;
        for second in 0..recovery_points {
            copy(&saved, &dir);
            fault::arm(Some((second, Fault::Crash)));
            let after_acked = recovery_session(&path);
            fault::disarm();
            let what = format!("crash at {at}, then at {second} of the recovery");
            let o = Db::open(&path, false).unwrap_or_else(|e| panic!("{what}: reopen: {e}"));
            check(&o.graph, &acked, &what);
            let after = after_count(&o.graph);
            assert!(after <= 1, "{what}: the recovery's statement applied twice");
            if after_acked {
                assert_eq!(
                    after, 1,
                    "{what}: the recovery's acknowledged statement lost"
                );
            }
            drop(o);
            runs += 1;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(points_total > 0);
    eprintln!("fault injection during recovery: {runs} runs");
}

#[test]
fn every_fault_point_keeps_every_acknowledged_write() {
    // Count the points of a fault-free run.
    let dir = scratch("count");
    fault::arm(None);
    let acked = workload(&dir.join("g.kgdb"));
    let points = fault::count();
    fault::disarm();
    assert_eq!(acked.len() as i64, STATEMENTS);
    assert!(points > 40, "only {points} fault points");
    let mut runs = 0;
    for fault_kind in [Fault::Eio, Fault::NoSpace, Fault::Crash] {
        for at in 0..points {
            let dir = scratch("walk");
            let path = dir.join("g.kgdb");
            fault::arm(Some((at, fault_kind)));
            let acked = workload(&path);
            fault::disarm();
            let what = format!("{fault_kind:?} at point {at} of {points}");
            recover(&path, &acked, &what);
            let _ = std::fs::remove_dir_all(&dir);
            runs += 1;
        }
    }
    eprintln!("fault injection: {points} points, {runs} runs");
}
