//! Snapshot speed at 100k entities / 1M relations. Ignored by default (it
//! needs a release build to mean anything):
//! `cargo test --release --test db_perf -- --ignored --nocapture`.

use std::time::Instant;

use kg::store::{Citation, Graph, NewEntity};
use kg::value::ValueMap;
use kg::Value;

#[test]
#[ignore]
fn snapshot_of_100k_entities_and_1m_relations() {
    let started = Instant::now();
    let mut g = Graph::new();
    let labels = ["Country", "Organization", "Person", "Event", "Document"];
    let types = [
        "MEMBER_OF",
        "CO_CHAIRS",
        "PARTICIPATED_IN",
        "LOCATED_IN",
        "CITES",
    ];
    let mut ids = Vec::with_capacity(100_000);
    for i in 0..100_000u64 {
        let mut props = ValueMap::default();
        props.insert("name", Value::String(format!("entity {i}")));
        props.insert("rank", Value::Int(i as i64));
        ids.push(
            g.add_entity(NewEntity {
                key: Some(format!("e{i}")),
                labels: vec![labels[(i % 5) as usize].into()],
                props,
                aliases: Vec::new(),
                sources: vec![Citation {
                    article: format!("{:03}_article.txt", i % 5),
                    sentence: (i % 90) as u32 + 1,
                }],
            })
            .expect("entity"),
        );
    }
    let mut x = 88172645463325252u64;
    for i in 0..1_000_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let a = ids[(x % 100_000) as usize];
        let b = ids[((x >> 20) % 100_000) as usize];
        let mut props = ValueMap::default();
        if i % 4 == 0 {
            props.insert("since", Value::Int(1990 + (i % 30) as i64));
        }
        g.add_relation(a, b, types[(i % 5) as usize], props, Vec::new())
            .expect("relation");
    }
    eprintln!("built in {:.2} s", started.elapsed().as_secs_f64());
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("db-perf");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("big.kg");
    let _ = std::fs::remove_file(&path);
    let t = Instant::now();
    kg::db::write_snapshot(&g, &path).expect("write");
    let write = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).expect("meta").len();
    let t = Instant::now();
    let back = kg::db::read_snapshot(&path).expect("read");
    let read = t.elapsed().as_secs_f64();
    eprintln!(
        "snapshot: {} entities, {} relations, {:.1} MB; write {write:.2} s, read {read:.2} s",
        back.entity_count(),
        back.relation_count(),
        size as f64 / 1e6
    );
    assert!(back == g);
    let _ = std::fs::remove_file(&path);
}
