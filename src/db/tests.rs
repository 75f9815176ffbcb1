use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::engine::Engine;
use crate::eval::Params;

/// A fresh, empty directory for one test.
pub(super) fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "kg-db-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn seed() -> Graph {
    read_graph(None).unwrap()
}

/// Runs a write statement and logs it, as the shell does.
fn write(engine: &mut Engine, db: &mut Db, q: &str) {
    let r = engine.run(q, &Params::new()).unwrap();
    db.log(&r.mutations).unwrap();
}

#[test]
fn snapshot_round_trips_the_seed_graph() {
    let dir = scratch("seed");
    let path = dir.join("g.kg");
    let g = seed();
    write_snapshot(&g, &path).unwrap();
    let back = read_snapshot(&path).unwrap();
    assert!(back == g, "the reloaded graph differs");
    assert_eq!(back.next_ids(), g.next_ids());
    back.check_indexes().unwrap();
    assert!(is_snapshot(&path));
    assert!(!is_snapshot(&dir.join("missing")));
}

#[test]
fn ids_survive_deletes_and_replay() {
    let dir = scratch("ids");
    let path = dir.join("g.kg");
    let mut o = Db::open(&path, false).unwrap();
    assert!(o.created);
    let mut engine = Engine::with_graph(o.graph);
    write(
        &mut engine,
        &mut o.db,
        "CREATE (:A {i: 1}), (:A {i: 2}), (:A {i: 3})",
    );
    write(&mut engine, &mut o.db, "MATCH (a:A {i: 3}) DELETE a");
    write(
        &mut engine,
        &mut o.db,
        "MATCH (a:A {i: 1}), (b:A {i: 2}) CREATE (a)-[:R {w: 0.5}]->(b) SET a.name = 'x', a:B REMOVE b:A",
    );
    let expected = engine.graph().clone();
    drop(o.db);
    // Replay from the log alone (no checkpoint happened).
    let o = Db::open(&path, false).unwrap();
    assert!(o.graph == expected);
    assert_eq!(o.graph.next_ids(), expected.next_ids());
    o.graph.check_indexes().unwrap();
    let mut db = o.db;
    let mut engine = Engine::with_graph(o.graph);
    write(&mut engine, &mut db, "CREATE (:A {i: 4})");
    let ids: Vec<u64> = engine.graph().entities().map(|e| e.id.0).collect();
    assert_eq!(ids, vec![0, 1, 3], "the deleted id 2 is not reused");
    // Checkpoint, then the log is empty and the graph the same.
    db.checkpoint(engine.graph()).unwrap();
    assert_eq!(db.wal_len(), wal::HEADER_LEN);
    assert!(!db.has_unsaved_log());
    drop(db);
    let o = Db::open(&path, true).unwrap();
    assert!(o.graph == *engine.graph());
    assert_eq!(o.graph.next_ids(), engine.graph().next_ids());
}

#[test]
fn torn_tail_is_dropped_with_a_warning() {
    let dir = scratch("torn");
    let path = dir.join("g.kg");
    let mut o = Db::open(&path, false).unwrap();
    let mut engine = Engine::with_graph(o.graph);
    write(&mut engine, &mut o.db, "CREATE (:A {i: 1})");
    let after_one = engine.graph().clone();
    let len_one = o.db.wal_len();
    write(&mut engine, &mut o.db, "CREATE (:A {i: 2})");
    let full = o.db.wal_len();
    drop(o.db);
    let wal_path = wal::path_for(&path);
    // Cut the second record in the middle (a crash while appending).
    let f = File::options().write(true).open(&wal_path).unwrap();
    f.set_len((len_one + full) / 2).unwrap();
    drop(f);
    // A reader sees the first statement and leaves the file alone.
    let before = std::fs::read(&wal_path).unwrap();
    let r = Db::open(&path, true).unwrap();
    assert!(r.graph == after_one);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(std::fs::read(&wal_path).unwrap(), before);
    // A writer also cuts the tail from the file, so new records follow the good ones.
    let mut o = Db::open(&path, false).unwrap();
    assert!(o.graph == after_one);
    assert_eq!(o.warnings.len(), 1, "{:?}", o.warnings);
    assert!(
        o.warnings[0].contains(&format!("offset {len_one}")),
        "{:?}",
        o.warnings
    );
    assert_eq!(o.db.wal_len(), len_one);
    assert_eq!(std::fs::metadata(&wal_path).unwrap().len(), len_one);
    let mut engine = Engine::with_graph(o.graph);
    write(&mut engine, &mut o.db, "CREATE (:A {i: 3})");
    drop(o.db);
    let o = Db::open(&path, true).unwrap();
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
    assert!(o.graph == *engine.graph());
}

#[test]
fn flipped_bytes_in_a_record_are_detected() {
    let dir = scratch("flip");
    let path = dir.join("g.kg");
    let mut o = Db::open(&path, false).unwrap();
    let mut engine = Engine::with_graph(o.graph);
    let before = engine.graph().clone();
    write(&mut engine, &mut o.db, "CREATE (:A {name: 'abcdefgh'})");
    drop(o.db);
    let wal_path = wal::path_for(&path);
    let mut bytes = std::fs::read(&wal_path).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x20;
    std::fs::write(&wal_path, &bytes).unwrap();
    let r = Db::open(&path, true).unwrap();
    assert!(r.graph == before);
    assert!(r.warnings[0].contains("checksum"), "{:?}", r.warnings);
    // A writer refuses it and changes nothing.
    let e = Db::open(&path, false).unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Corrupt);
    assert!(e.message.contains("damaged at offset"), "{}", e.message);
    assert_eq!(std::fs::read(&wal_path).unwrap(), bytes);
}

#[test]
fn a_log_the_snapshot_absorbed_is_not_replayed_twice() {
    let dir = scratch("stale");
    let path = dir.join("g.kg");
    let mut o = Db::open(&path, false).unwrap();
    let mut engine = Engine::with_graph(o.graph);
    write(&mut engine, &mut o.db, "CREATE (:A {i: 1})");
    let wal_path = wal::path_for(&path);
    let old_log = std::fs::read(&wal_path).unwrap();
    o.db.checkpoint(engine.graph()).unwrap();
    drop(o.db);
    // As if the crash came after the rename and before the log reset.
    std::fs::write(&wal_path, &old_log).unwrap();
    let r = Db::open(&path, false).unwrap();
    assert_eq!(r.graph.entity_count(), 1, "the record is not applied twice");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.db.wal_len(), wal::HEADER_LEN);
}

#[test]
fn corrupt_and_foreign_snapshots_are_refused_and_kept() {
    let dir = scratch("corrupt");
    let path = dir.join("g.kg");
    write_snapshot(&seed(), &path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    for readonly in [true, false] {
        let e = Db::open(&path, readonly).unwrap_err();
        assert_eq!(e.kind, DbErrorKind::Corrupt);
        assert!(e.message.contains("g.kg"), "{}", e.message);
        assert!(e.message.contains("checksum"), "{}", e.message);
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "never overwritten");
    // A damaged header.
    bytes[mid] ^= 1;
    bytes[20] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        Db::open(&path, false).unwrap_err().kind,
        DbErrorKind::Corrupt
    );
    // Truncated.
    bytes[20] ^= 0x40;
    std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    let e = Db::open(&path, false).unwrap_err();
    assert!(e.message.contains("truncated"), "{}", e.message);
    // A text file, random bytes.
    let text = dir.join("facts.kgf");
    std::fs::write(&text, "entity morocco: Country\n").unwrap();
    let e = Db::open(&text, false).unwrap_err();
    assert_eq!(e.kind, DbErrorKind::FactFile);
    assert!(e.message.contains("--facts"), "{}", e.message);
    assert!(!wal::path_for(&text).exists(), "no log created beside it");
    let junk = dir.join("junk.bin");
    std::fs::write(&junk, [0xffu8, 0, 1, 2, 0xfe, 9, 9, 9, 9, 9]).unwrap();
    assert_eq!(
        Db::open(&junk, true).unwrap_err().kind,
        DbErrorKind::Foreign
    );
    // write_snapshot never replaces a foreign file.
    let e = write_snapshot(&seed(), &text).unwrap_err();
    assert!(e.message.contains("refusing to overwrite"), "{}", e.message);
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "entity morocco: Country\n"
    );
    // A newer format version (3 is a graph with declared indexes).
    let v4 = dir.join("v4.kg");
    let (mut b, _) = snapshot::encode(&Graph::new(), 1, Lineage::default());
    b[8] = 4;
    let crc = crc32fast::hash(&b[..60]);
    b[60..64].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&v4, &b).unwrap();
    assert_eq!(Db::open(&v4, true).unwrap_err().kind, DbErrorKind::Version);
}

#[test]
fn a_second_writer_is_locked_out_and_readers_are_not() {
    let dir = scratch("lock");
    let path = dir.join("g.kg");
    let mut o = Db::open(&path, false).unwrap();
    let mut engine = Engine::with_graph(o.graph);
    write(&mut engine, &mut o.db, "CREATE (:A)");
    let e = Db::open(&path, false).unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Locked);
    assert!(e.message.contains("locked"), "{}", e.message);
    let r = Db::open(&path, true).unwrap();
    assert_eq!(r.graph.entity_count(), 1);
    assert!(r.db.is_readonly());
    let e = write_snapshot(&Graph::new(), &path).unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Locked);
    drop(o.db);
    assert!(
        Db::open(&path, false).is_ok(),
        "free once the writer is gone"
    );
}

#[test]
fn read_only_sessions_cannot_create_or_write() {
    let dir = scratch("ro");
    let path = dir.join("new.kg");
    assert_eq!(
        Db::open(&path, true).unwrap_err().kind,
        DbErrorKind::NotFound
    );
    assert!(!path.exists());
    drop(Db::open(&path, false).unwrap());
    let mut r = Db::open(&path, true).unwrap();
    let m = crate::store::Mutation::AddLabel(crate::store::EntityId(0), "A".into());
    assert_eq!(r.db.log(&[m]).unwrap_err().kind, DbErrorKind::ReadOnly);
    assert!(r.db.checkpoint(&r.graph).is_err());
}

#[test]
fn read_graph_opens_snapshots_and_fact_files() {
    let dir = scratch("read");
    let path = dir.join("g.kg");
    let mut g = seed();
    g.add_entity(crate::store::NewEntity {
        labels: vec!["Extra".into()],
        ..Default::default()
    })
    .unwrap();
    write_snapshot(&g, &path).unwrap();
    assert!(read_graph(Some(&path)).unwrap() == g);
    let facts = dir.join("f.kgf");
    std::fs::write(&facts, crate::facts::SEED).unwrap();
    assert!(read_graph(Some(&facts)).unwrap() == seed());
    assert!(read_graph(Some(&dir.join("nope"))).is_err());
}

#[test]
fn random_bytes_never_panic() {
    // Decoding arbitrary damage must fail cleanly, never panic.
    let (good, _) = snapshot::encode(&seed(), 7, Lineage::default());
    let path = Path::new("x.kg");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..300 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut b = good.clone();
        let at = (state % b.len() as u64) as usize;
        b[at] ^= (state >> 32) as u8 | 1;
        let _ = snapshot::decode(path, &b);
        // With the checksums made to match, so the decoder itself is exercised.
        let crc = crc32fast::hash(&b[snapshot::HEADER_LEN..]);
        b[32..36].copy_from_slice(&crc.to_le_bytes());
        b[8..12].copy_from_slice(&snapshot::VERSION.to_le_bytes());
        b[..8].copy_from_slice(&snapshot::MAGIC);
        let hcrc = crc32fast::hash(&b[..60]);
        b[60..64].copy_from_slice(&hcrc.to_le_bytes());
        if let Ok((g, _)) = snapshot::decode(path, &b) {
            g.check_indexes().unwrap();
        }
        let _ = wal::read(path, &b[..(state % 200) as usize]);
    }
}

#[test]
fn damage_among_many_relations_fails_cleanly() {
    // More relations than one decoding batch, so the second thread sends
    // several batches; damage late in the body must end in a clean error
    // (or a consistent graph), never a hang or a panic.
    let g = crate::generate::to_graph(&crate::generate::generate(3000, 20_000, 3)).unwrap();
    let (good, _) = snapshot::encode(&g, 9, Lineage::default());
    let path = Path::new("big.kg");
    let (back, _) = snapshot::decode(path, &good).unwrap();
    assert_eq!(back.relation_count(), g.relation_count());
    back.check_indexes().unwrap();
    let mut errors = 0;
    for k in 1..=20u64 {
        let mut b = good.clone();
        let at = b.len() - 1 - (k as usize * 7919) % (b.len() / 2);
        b[at] ^= 0x5a;
        let crc = crc32fast::hash(&b[snapshot::HEADER_LEN..]);
        b[32..36].copy_from_slice(&crc.to_le_bytes());
        let hcrc = crc32fast::hash(&b[..60]);
        b[60..64].copy_from_slice(&hcrc.to_le_bytes());
        match snapshot::decode(path, &b) {
            Ok((g, _)) => g.check_indexes().unwrap(),
            Err(e) => {
                errors += 1;
                assert!(e.message.contains("big.kg"), "{}", e.message);
            }
        }
    }
    assert!(errors > 0, "some damage must be detected");
}

#[test]
fn io_errors_name_the_graph_and_suggest_readonly_when_refused() {
    let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
    let e = super::io_error(std::path::Path::new("g.kgdb.wal"), "open", denied);
    let text = e.to_string();
    assert!(
        text.contains("the log of graph g.kgdb (g.kgdb.wal)"),
        "{text}"
    );
    assert!(text.contains("--readonly"), "{text}");
    let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
    let text = super::io_error(std::path::Path::new("g.kgdb"), "open", missing).to_string();
    assert!(text.contains("cannot open g.kgdb"), "{text}");
    assert!(!text.contains("--readonly"), "{text}");
}
