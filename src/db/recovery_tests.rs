//! The graph file under damage, mismatched files, links, FIFOs and a reader
//! racing a writer's checkpoints: acknowledged statements are never lost,
//! damage is never reset, and refused files are left exactly as they were.

use std::path::Path;
use std::sync::atomic::Ordering;

use super::tests::scratch;
use super::*;
use crate::engine::Engine;
use crate::eval::Params;

/// A graph at `path` with `n` logged statements `CREATE (:W {i: i})` and no
/// checkpoint (as after a SIGKILL). Returns the graph.
fn logged(path: &Path, n: i64) -> Graph {
    let mut o = Db::open(path, false).unwrap();
    let mut engine = Engine::with_graph(o.graph);
    for i in 0..n {
        let r = engine
            .run(&format!("CREATE (:W {{i: {i}}})"), &Params::new())
            .unwrap();
        o.db.log(&r.mutations).unwrap();
    }
    drop(o.db);
    engine.graph().clone()
}

fn files(path: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(path).unwrap(),
        std::fs::read(wal::path_for(path)).unwrap(),
    )
}

#[test]
fn a_flipped_bit_in_the_first_record_refuses_writing_and_keeps_both_files() {
    let dir = scratch("flip40");
    let path = dir.join("g.kgdb");
    let full = logged(&path, 100);
    let wal_path = wal::path_for(&path);
    let mut bytes = std::fs::read(&wal_path).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&wal_path, &bytes).unwrap();
    let before = files(&path);
    let e = Db::open(&path, false).unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Corrupt);
    assert!(e.message.contains("g.kgdb.wal"), "{}", e.message);
    assert!(e.message.contains("offset 32"), "{}", e.message);
    assert!(
        e.message.contains("99 whole statement(s) follow"),
        "{}",
        e.message
    );
    assert_eq!(files(&path), before, "nothing changed on disk");
    // A reader shows the state up to the damage, with a warning.
    let r = Db::open(&path, true).unwrap();
    assert_eq!(r.graph.entity_count(), 0);
    assert!(
        r.warnings[0].contains("damaged at offset 32"),
        "{:?}",
        r.warnings
    );
    assert_eq!(files(&path), before);
    assert_eq!(full.entity_count(), 100);
}

#[test]
fn no_single_bit_flip_anywhere_in_the_log_loses_a_statement_silently() {
    let dir = scratch("flips");
    let path = dir.join("g.kgdb");
    let full = logged(&path, 24);
    let wal_path = wal::path_for(&path);
    let good = std::fs::read(&wal_path).unwrap();
    let snap = std::fs::read(&path).unwrap();
    let mut refused = 0;
    for at in 0..good.len() {
        let mut bytes = good.clone();
        bytes[at] ^= 1 << (at % 8);
        std::fs::write(&wal_path, &bytes).unwrap();
        match Db::open(&path, false) {
            Ok(o) => assert!(
                o.graph == full,
                "a flip at byte {at} was accepted with {} of {} entities",
                o.graph.entity_count(),
                full.entity_count()
            ),
            Err(_) => {
                refused += 1;
                assert_eq!(
                    std::fs::read(&wal_path).unwrap(),
                    bytes,
                    "flip at {at}: log changed"
                );
                assert_eq!(
                    std::fs::read(&path).unwrap(),
                    snap,
                    "flip at {at}: graph changed"
                );
            }
        }
        // Put the good log back (the writer may have rewritten nothing, but
        // an accepted open may have cut or replaced it).
        std::fs::write(&wal_path, &good).unwrap();
    }
    assert!(
        refused > good.len() * 9 / 10,
        "{refused} of {} refused",
        good.len()
    );
}

#[test]
fn a_flipped_bit_in_the_log_header_is_never_taken_for_an_empty_log() {
    let dir = scratch("header");
    let path = dir.join("g.kgdb");
    logged(&path, 50);
    let wal_path = wal::path_for(&path);
    for at in 8..wal::HEADER_LEN as usize {
        let mut bytes = std::fs::read(&wal_path).unwrap();
        bytes[at] ^= 0x10;
        std::fs::write(&wal_path, &bytes).unwrap();
        let before = files(&path);
        let e = Db::open(&path, false).unwrap_err();
        assert_eq!(e.kind, DbErrorKind::Corrupt, "byte {at}: {}", e.message);
        assert_eq!(files(&path), before, "byte {at}");
        bytes[at] ^= 0x10;
        std::fs::write(&wal_path, &bytes).unwrap();
    }
    assert_eq!(Db::open(&path, false).unwrap().graph.entity_count(), 50);
}

#[test]
fn an_older_snapshot_beside_a_newer_log_is_refused() {
    let dir = scratch("restore");
    let path = dir.join("g.kgdb");
    let mut o = Db::open(&path, false).unwrap();
    let mut engine = Engine::with_graph(o.graph);
    let r = engine.run("CREATE (:W {i: 0})", &Params::new()).unwrap();
    o.db.log(&r.mutations).unwrap();
    o.db.checkpoint(engine.graph()).unwrap();
    let old_copy = std::fs::read(&path).unwrap();
    for i in 1..52 {
        let r = engine
            .run(&format!("CREATE (:W {{i: {i}}})"), &Params::new())
            .unwrap();
        o.db.log(&r.mutations).unwrap();
        if i == 20 {
            o.db.checkpoint(engine.graph()).unwrap();
        }
    }
    drop(o.db);
    std::fs::write(&path, &old_copy).unwrap();
    let before = files(&path);
    for readonly in [false, true] {
        let e = Db::open(&path, readonly).unwrap_err();
        assert!(e.message.contains("does not belong"), "{}", e.message);
        assert_eq!(files(&path), before);
    }
    // The graph file deleted, its log kept: no new graph over the log.
    std::fs::remove_file(&path).unwrap();
    let log = std::fs::read(wal::path_for(&path)).unwrap();
    let e = Db::open(&path, false).unwrap_err();
    assert!(
        e.message.contains("does not exist, but its log"),
        "{}",
        e.message
    );
    assert!(!path.exists());
    assert_eq!(std::fs::read(wal::path_for(&path)).unwrap(), log);
    let e = write_snapshot(&Graph::new(), &path).unwrap_err();
    assert!(e.message.contains("its log"), "{}", e.message);
}

#[test]
fn a_checkpoint_cut_short_after_the_rename_loses_nothing_later() {
    // The snapshot was replaced but the new log never started: statements
    // appended to the old log afterwards are still replayed.
    let dir = scratch("cutshort");
    let path = dir.join("g.kgdb");
    let mut o = Db::open(&path, false).unwrap();
    let mut engine = Engine::with_graph(o.graph);
    let run = |engine: &mut Engine, db: &mut Db, q: &str| {
        let r = engine.run(q, &Params::new()).unwrap();
        db.log(&r.mutations).unwrap();
    };
    run(&mut engine, &mut o.db, "CREATE (:W {i: 1})");
    let wal_path = wal::path_for(&path);
    let old_log = std::fs::read(&wal_path).unwrap();
    let snap_before = std::fs::read(&path).unwrap();
    o.db.checkpoint(engine.graph()).unwrap();
    let new_snap = std::fs::read(&path).unwrap();
    drop(o.db);
    // As if the log reset never happened, and a later session appended.
    std::fs::write(&wal_path, &old_log).unwrap();
    let mut o = Db::open(&path, false).unwrap();
    assert_eq!(o.graph.entity_count(), 1);
    let mut engine = Engine::with_graph(o.graph);
    run(&mut engine, &mut o.db, "CREATE (:W {i: 2})");
    drop(o.db);
    let o = Db::open(&path, true).unwrap();
    assert_eq!(o.graph.entity_count(), 2);
    assert_ne!(snap_before, new_snap);
}

#[cfg(unix)]
#[test]
fn links_share_one_lock_and_checkpoints_keep_the_link() {
    let dir = scratch("links");
    let a = dir.join("A");
    let b = dir.join("B");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let real = a.join("real.kgdb");
    let link = b.join("link.kgdb");
    drop(Db::open(&real, false).unwrap());
    std::os::unix::fs::symlink("../A/real.kgdb", &link).unwrap();
    let mut o = Db::open(&real, false).unwrap();
    let e = Db::open(&link, false).unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Locked, "{}", e.message);
    let mut engine = Engine::with_graph(o.graph);
    let r = engine.run("CREATE (:W)", &Params::new()).unwrap();
    o.db.log(&r.mutations).unwrap();
    drop(o.db);
    // Through the link: the log is the real file's, and a checkpoint
    // replaces the real file, not the link.
    let mut o = Db::open(&link, false).unwrap();
    assert_eq!(o.graph.entity_count(), 1);
    assert_eq!(
        o.db.wal_path(),
        wal::path_for(&std::fs::canonicalize(&real).unwrap())
    );
    let e = Db::open(&real, false).unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Locked);
    let mut engine = Engine::with_graph(o.graph);
    let r = engine.run("CREATE (:W)", &Params::new()).unwrap();
    o.db.log(&r.mutations).unwrap();
    o.db.checkpoint(engine.graph()).unwrap();
    drop(o.db);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!wal::path_for(&link).exists(), "no log beside the link");
    assert_eq!(Db::open(&real, true).unwrap().graph.entity_count(), 2);
    // A hard link: writing is refused (a checkpoint would split the names).
    let hard = b.join("hard.kgdb");
    std::fs::hard_link(&real, &hard).unwrap();
    let e = Db::open(&hard, false).unwrap_err();
    assert!(e.message.contains("hard links"), "{}", e.message);
    let e = Db::open(&real, false).unwrap_err();
    assert!(e.message.contains("hard links"), "{}", e.message);
    assert_eq!(Db::open(&hard, true).unwrap().graph.entity_count(), 2);
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    let dir = scratch("fifo");
    let fifo = dir.join("pipe.kgdb");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo not available");
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let f2 = fifo.clone();
    std::thread::spawn(move || {
        let r = (
            Db::open(&f2, false).map(|_| ()),
            Db::open(&f2, true).map(|_| ()),
            write_snapshot(&Graph::new(), &f2),
            read_graph(Some(&f2)).map(|_| ()),
        );
        let _ = tx.send(r);
    });
    let (w, r, s, g) = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("opening a FIFO blocked");
    for e in [w.unwrap_err(), r.unwrap_err(), s.unwrap_err()] {
        assert!(e.message.contains("a FIFO"), "{}", e.message);
    }
    assert!(g.unwrap_err().contains("a FIFO"));
    // A FIFO as the log.
    let path = dir.join("g.kgdb");
    drop(Db::open(&path, false).unwrap());
    let wal_path = wal::path_for(&path);
    std::fs::remove_file(&wal_path).unwrap();
    std::process::Command::new("mkfifo")
        .arg(&wal_path)
        .status()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let p2 = path.clone();
    std::thread::spawn(move || {
        let _ = tx.send((
            Db::open(&p2, false).map(|_| ()),
            Db::open(&p2, true).map(|_| ()),
        ));
    });
    let (w, r) = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("a FIFO log blocked");
    for e in [w.unwrap_err(), r.unwrap_err()] {
        assert!(e.message.contains("a FIFO"), "{}", e.message);
    }
    // Devices: /dev/null is never replaced, /dev/zero never read as text.
    if Path::new("/dev/zero").exists() {
        let e = Db::open(Path::new("/dev/zero"), true).unwrap_err();
        assert!(e.message.contains("character device"), "{}", e.message);
        let e = read_graph(Some(Path::new("/dev/zero"))).unwrap_err();
        assert!(e.contains("character device"), "{e}");
        let e = write_snapshot(&Graph::new(), Path::new("/dev/null")).unwrap_err();
        assert!(e.message.contains("character device"), "{}", e.message);
    }
}

#[test]
fn a_refused_or_failed_open_creates_nothing_beside_the_file() {
    let dir = scratch("nothing");
    let path = dir.join("g.kgdb");
    std::fs::write(&path, b"\x89KGSNAP\ngarbage").unwrap();
    assert!(Db::open(&path, false).is_err());
    assert!(!wal::path_for(&path).exists());
}

#[test]
fn a_reader_racing_checkpoints_never_goes_back_in_time() {
    let dir = scratch("race");
    let path = dir.join("g.kgdb");
    drop(Db::open(&path, false).unwrap());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let path = path.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut o = Db::open(&path, false).unwrap();
            o.db.checkpoint_bytes = 200;
            let mut engine = Engine::with_graph(o.graph);
            for i in 0..300 {
                // Every statement keeps the sum of v at 0.
                let r = engine
                    .run(
                        &format!("CREATE (:W {{v: {i}}}), (:W {{v: -{i}}})"),
                        &Params::new(),
                    )
                    .unwrap();
                o.db.log(&r.mutations).unwrap();
                if o.db.needs_checkpoint() {
                    o.db.checkpoint(engine.graph()).unwrap();
                }
            }
            stop.store(true, Ordering::SeqCst);
        })
    };
    let mut last = 0;
    let mut reads = 0;
    while !stop.load(Ordering::SeqCst) || reads < 5 {
        let o = Db::open(&path, true).unwrap();
        assert!(
            o.warnings.is_empty(),
            "a reader was warned: {:?}",
            o.warnings
        );
        let n = o.graph.entity_count();
        assert!(n >= last, "went back in time: {last} then {n}");
        assert_eq!(n % 2, 0, "half a statement seen");
        last = n;
        reads += 1;
    }
    writer.join().unwrap();
    assert_eq!(Db::open(&path, true).unwrap().graph.entity_count(), 600);
}

#[test]
fn old_format_files_are_read_and_upgraded() {
    // A format 1 snapshot and log, made by hand the way kg 1 wrote them.
    let dir = scratch("v1");
    let path = dir.join("g.kgdb");
    let mut engine = Engine::with_graph(Graph::new());
    let r1 = engine.run("CREATE (:W {i: 1})", &Params::new()).unwrap();
    let r2 = engine.run("CREATE (:W {i: 2})", &Params::new()).unwrap();
    let (v2, _) = snapshot::encode(&Graph::new(), 7, Lineage::default());
    let body = &v2[snapshot::HEADER_LEN..];
    let mut v1 = Vec::new();
    v1.extend_from_slice(&snapshot::MAGIC);
    v1.extend_from_slice(&1u32.to_le_bytes());
    v1.extend_from_slice(&0u32.to_le_bytes());
    v1.extend_from_slice(&7u64.to_le_bytes());
    v1.extend_from_slice(&(body.len() as u64).to_le_bytes());
    v1.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    let hcrc = crc32fast::hash(&v1);
    v1.extend_from_slice(&hcrc.to_le_bytes());
    v1.extend_from_slice(body);
    std::fs::write(&path, &v1).unwrap();
    let mut log = Vec::new();
    log.extend_from_slice(&wal::MAGIC);
    log.extend_from_slice(&1u32.to_le_bytes());
    log.extend_from_slice(&7u64.to_le_bytes());
    let hcrc = crc32fast::hash(&log);
    log.extend_from_slice(&hcrc.to_le_bytes());
    for r in [&r1, &r2] {
        let mut p = codec::Enc::inline();
        p.varint(r.mutations.len() as u64);
        for m in &r.mutations {
            p.mutation(m);
        }
        log.extend_from_slice(&(p.buf.len() as u32).to_le_bytes());
        log.extend_from_slice(&crc32fast::hash(&p.buf).to_le_bytes());
        log.extend_from_slice(&p.buf);
    }
    std::fs::write(wal::path_for(&path), &log).unwrap();
    let r = Db::open(&path, true).unwrap();
    assert!(r.graph == *engine.graph());
    let o = Db::open(&path, false).unwrap();
    assert!(o.graph == *engine.graph());
    drop(o);
    // Now in format 2, with nothing lost.
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[8..12], &2u32.to_le_bytes());
    let wal_bytes = std::fs::read(wal::path_for(&path)).unwrap();
    assert_eq!(&wal_bytes[8..12], &2u32.to_le_bytes());
    assert!(Db::open(&path, false).unwrap().graph == *engine.graph());
}

#[test]
fn fuzzing_helpers_frame_logs_and_snapshots_the_decoders_accept() {
    let mut engine = Engine::with_graph(Graph::new());
    let r = engine.run("CREATE (:W {i: 1})", &Params::new()).unwrap();
    let mut p = codec::Enc::inline();
    p.varint(r.mutations.len() as u64);
    for m in &r.mutations {
        p.mutation(m);
    }
    assert_eq!(
        decode_log_bytes(&log_with_payloads(&[&p.buf, &p.buf])),
        Ok(2)
    );
    // A payload that is not a statement is damage, reported not panicked.
    assert_eq!(
        decode_log_bytes(&log_with_payloads(&[&p.buf, b"xx"])),
        Ok(1)
    );
    let (whole, _) = snapshot::encode(engine.graph(), 5, Lineage::default());
    let g = decode_snapshot_bytes(&snapshot_with_body(&whole[snapshot::HEADER_LEN..])).unwrap();
    assert!(g == *engine.graph());
}
