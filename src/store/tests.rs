use super::*;
use crate::value::{Date, Value, ValueMap};

fn cite(n: u32) -> Vec<Citation> {
    vec![Citation {
        article: "000_test.txt".into(),
        sentence: n,
    }]
}

fn alias(text: &str, lang: &str) -> Alias {
    Alias {
        text: text.into(),
        lang: Some(lang.into()),
    }
}

fn country(g: &mut Graph, key: &str, name: &str, aliases: &[(&str, &str)]) -> EntityId {
    let mut props = ValueMap::default();
    props.insert("name", Value::from(name));
    g.add_entity(NewEntity {
        key: Some(key.into()),
        labels: vec!["Country".into()],
        props,
        aliases: aliases.iter().map(|(t, l)| alias(t, l)).collect(),
        sources: cite(1),
    })
    .unwrap()
}

fn sample() -> (Graph, EntityId, EntityId, RelationId) {
    let mut g = Graph::new();
    let ma = country(
        &mut g,
        "morocco",
        "Morocco",
        &[
            ("Maroc", "fr"),
            ("Royaume du Maroc", "fr"),
            ("المغرب", "ar"),
        ],
    );
    let nl = country(
        &mut g,
        "netherlands",
        "Netherlands",
        &[("Pays-Bas", "fr"), ("هولندا", "ar")],
    );
    let mut props = ValueMap::default();
    props.insert("since", Value::Date(Date::parse("2016").unwrap()));
    let r = g
        .add_relation(ma, nl, "COOPERATES_WITH", props, cite(2))
        .unwrap();
    (g, ma, nl, r)
}

#[test]
fn aliases_resolve_in_every_language() {
    let (g, ma, nl, _) = sample();
    for name in [
        "Maroc",
        "MAROC",
        "maroc",
        "Royaume du Maroc",
        "royaume du maroc",
        "المغرب",
        "Morocco",
        "morocco",
    ] {
        assert_eq!(g.resolve(name), vec![ma], "{name}");
    }
    assert_eq!(g.resolve("pays bas"), vec![nl]);
    assert_eq!(g.resolve("PAYS-BAS"), vec![nl]);
    assert!(g.resolve("France").is_empty());
    g.check_indexes().unwrap();
}

#[test]
fn shared_alias_is_ambiguous() {
    let (mut g, ma, _, _) = sample();
    let other = country(&mut g, "maroc-club", "Maroc Club", &[("Maroc", "fr")]);
    let mut hits = g.resolve("maroc");
    hits.sort();
    assert_eq!(hits, vec![ma, other]);
}

#[test]
fn ids_are_never_reused_after_delete() {
    let (mut g, ma, nl, r) = sample();
    assert!(matches!(
        g.remove_entity(nl),
        Err(StoreError::HasRelations(_, 1))
    ));
    g.remove_relation(r).unwrap();
    g.remove_entity(nl).unwrap();
    let fr = country(&mut g, "france", "France", &[]);
    assert_ne!(fr, nl);
    assert!(g.entity(nl).is_none());
    assert_eq!(g.entity(fr).unwrap().key.as_deref(), Some("france"));
    assert_eq!(g.entity(ma).unwrap().key.as_deref(), Some("morocco"));
    assert!(g.resolve("Pays-Bas").is_empty());
    let r2 = g
        .add_relation(ma, fr, "X", ValueMap::default(), vec![])
        .unwrap();
    assert_ne!(r2, r);
    g.check_indexes().unwrap();
}

#[test]
fn duplicate_key_is_refused() {
    let (mut g, ..) = sample();
    let err = g
        .add_entity(NewEntity {
            key: Some("morocco".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err, StoreError::DuplicateKey("morocco".into()));
    assert_eq!(g.entity_count(), 2);
}

#[test]
fn relation_to_missing_entity_is_refused() {
    let (mut g, ma, nl, _) = sample();
    let r = g
        .add_relation(ma, nl, "Y", ValueMap::default(), vec![])
        .unwrap();
    g.remove_relation(r).unwrap();
    assert!(g
        .add_relation(ma, EntityId(99), "Y", ValueMap::default(), vec![])
        .is_err());
    g.check_indexes().unwrap();
    assert_eq!(g.relation_count(), 1);
}

#[test]
fn rollback_undoes_everything() {
    let (mut g, ma, nl, r) = sample();
    let before = g.clone();
    g.begin();
    g.set_entity_prop(ma, "name", Some(Value::from("Kingdom of Morocco")))
        .unwrap();
    g.set_entity_prop(ma, "population", Some(Value::Int(37)))
        .unwrap();
    g.add_label(ma, "Kingdom").unwrap();
    g.remove_label(nl, "Country").unwrap();
    g.add_alias(nl, alias("Holland", "en")).unwrap();
    g.set_relation_prop(r, "since", None).unwrap();
    g.remove_relation(r).unwrap();
    g.remove_entity(nl).unwrap();
    let x = country(&mut g, "x", "X", &[]);
    g.add_relation(ma, x, "Z", ValueMap::default(), vec![])
        .unwrap();
    assert!(g.resolve("Kingdom of Morocco") == vec![ma]);
    g.check_indexes().unwrap();
    g.rollback();
    assert_eq!(g, before);
    g.check_indexes().unwrap();
    assert!(g.resolve("Kingdom of Morocco").is_empty());
    assert!(g.resolve("Holland").is_empty());
    assert_eq!(g.resolve("Pays-Bas"), vec![nl]);
    assert_eq!(g.label_count("Country"), 2);
    assert_eq!(g.label_count("Kingdom"), 0);
}

#[test]
fn commit_returns_the_journal() {
    let (mut g, ma, ..) = sample();
    g.begin();
    g.set_entity_prop(ma, "a", Some(Value::Int(1))).unwrap();
    g.set_entity_prop(ma, "a", Some(Value::Int(1))).unwrap(); // no change, not recorded
    g.add_label(ma, "Country").unwrap(); // already there, not recorded
    let journal = g.commit();
    assert_eq!(journal.len(), 1);
    assert!(!g.in_transaction());
}

#[test]
fn maps_are_not_storable() {
    let (mut g, ma, ..) = sample();
    let err = g
        .set_entity_prop(ma, "m", Some(Value::Map(ValueMap::default())))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotStorable(..)));
}

#[test]
fn serde_round_trip_gives_an_equal_graph() {
    let (mut g, _, nl, r) = sample();
    g.remove_relation(r).unwrap();
    g.remove_entity(nl).unwrap(); // a hole in the id space must survive
    let json = serde_json::to_string(&g).unwrap();
    let back: Graph = serde_json::from_str(&json).unwrap();
    assert_eq!(back, g);
    back.check_indexes().unwrap();
    let mut back = back;
    let fr = country(&mut back, "france", "France", &[]);
    assert_eq!(fr.0, 2, "the next id continues after the hole");
}

#[test]
fn corrupt_documents_are_refused() {
    let bad = r#"{"next_entity":1,"next_relation":1,"entities":[],"relations":[{"id":0,"from":0,"to":0,"rel_type":"X"}]}"#;
    assert!(serde_json::from_str::<Graph>(bad).is_err());
    let dup = r#"{"next_entity":2,"next_relation":0,"entities":[{"id":0,"labels":[]},{"id":0,"labels":[]}],"relations":[]}"#;
    assert!(serde_json::from_str::<Graph>(dup).is_err());
}

mod props {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        AddEntity(u8, u8),
        RemoveEntity(u8),
        AddRelation(u8, u8, u8),
        RemoveRelation(u8),
        SetName(u8, u8),
        AddLabel(u8, u8),
        RemoveLabel(u8, u8),
        AddAlias(u8, u8),
        Begin,
        Rollback,
        Commit,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::AddEntity(a, b)),
            any::<u8>().prop_map(Op::RemoveEntity),
            (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c)| Op::AddRelation(a, b, c)),
            any::<u8>().prop_map(Op::RemoveRelation),
            (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::SetName(a, b)),
            (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::AddLabel(a, b)),
            (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::RemoveLabel(a, b)),
            (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::AddAlias(a, b)),
            Just(Op::Begin),
            Just(Op::Rollback),
            Just(Op::Commit),
        ]
    }

    const NAMES: [&str; 5] = ["Maroc", "MAROC", "المغرب", "Pays-Bas", "Kuwait"];
    const LABELS: [&str; 3] = ["Country", "Org", "Event"];

    proptest! {
        #[test]
        fn indexes_stay_consistent(ops in proptest::collection::vec(op(), 1..80)) {
            let mut g = Graph::new();
            // Relation statistics are kept from now on (and checked below).
            let _ = g.rel_stats();
            let mut snapshot: Option<Graph> = None;
            for op in ops {
                let ent = |g: &Graph, n: u8| g.entities().nth(n as usize % g.entity_count().max(1)).map(|e| e.id);
                match op {
                    Op::AddEntity(k, l) => {
                        let _ = g.add_entity(NewEntity {
                            key: Some(format!("k{}", k % 16)),
                            labels: vec![LABELS[l as usize % 3].into()],
                            ..Default::default()
                        });
                    }
                    Op::RemoveEntity(n) => if let Some(id) = ent(&g, n) { let _ = g.remove_entity(id); },
                    Op::AddRelation(a, b, t) => {
                        if let (Some(x), Some(y)) = (ent(&g, a), ent(&g, b)) {
                            let _ = g.add_relation(x, y, LABELS[t as usize % 3], ValueMap::default(), vec![]);
                        }
                    }
                    Op::RemoveRelation(n) => {
                        let r = g.relations().nth(n as usize % g.relation_count().max(1)).map(|r| r.id);
                        if let Some(r) = r { let _ = g.remove_relation(r); }
                    }
                    Op::SetName(n, v) => if let Some(id) = ent(&g, n) {
                        let value = if v % 4 == 0 { None } else { Some(Value::from(NAMES[v as usize % 5])) };
                        let _ = g.set_entity_prop(id, "name", value);
                    },
                    Op::AddLabel(n, l) => if let Some(id) = ent(&g, n) { let _ = g.add_label(id, LABELS[l as usize % 3]); },
                    Op::RemoveLabel(n, l) => if let Some(id) = ent(&g, n) { let _ = g.remove_label(id, LABELS[l as usize % 3]); },
                    Op::AddAlias(n, a) => if let Some(id) = ent(&g, n) {
                        let _ = g.add_alias(id, Alias { text: NAMES[a as usize % 5].into(), lang: None });
                    },
                    Op::Begin => if !g.in_transaction() { snapshot = Some(g.clone()); g.begin(); },
                    Op::Rollback => if g.in_transaction() {
                        g.rollback();
                        if let Some(s) = snapshot.take() { prop_assert!(g == s, "rollback restores the graph"); }
                    },
                    Op::Commit => { g.commit(); snapshot = None; }
                }
                prop_assert_eq!(g.check_indexes(), Ok(()));
            }
        }
    }
}

#[test]
fn adjacency_matches_the_relation_lists() {
    let g = crate::generate::to_graph(&crate::generate::generate(500, 3000, 3)).expect("valid");
    assert!(g.adjacency().is_none());
    let adj = g.prepare_adjacency().expect("fits");
    for e in g.entities() {
        let mut want: Vec<(crate::store::RelType, EntityId, RelationId)> =
            g.outgoing(e.id).map(|r| (r.rel_type, r.to, r.id)).collect();
        let mut got: Vec<(crate::store::RelType, EntityId, RelationId)> = adj
            .outgoing(e.id)
            .iter()
            .map(|a| {
                let r = g.relation(a.rel_id()).expect("exists");
                assert_eq!(adj.symbol(&r.rel_type), Some(a.ty));
                (r.rel_type, a.other_id(), a.rel_id())
            })
            .collect();
        want.sort();
        got.sort();
        assert_eq!(want, got);
        let ins: Vec<EntityId> = adj.incoming(e.id).iter().map(|a| a.other_id()).collect();
        assert_eq!(ins.len(), g.incoming(e.id).count());
        if let Some(sym) = adj.symbol("participates_in") {
            let typed = super::adjacency::Adjacency::of_type(adj.outgoing(e.id), sym);
            assert_eq!(
                typed.len(),
                g.outgoing(e.id)
                    .filter(|r| r.rel_type == "participates_in")
                    .count()
            );
        }
    }
    // A change to the relations drops the layout.
    let mut g = g;
    let ids: Vec<EntityId> = g.entities().take(2).map(|e| e.id).collect();
    g.add_relation(ids[0], ids[1], "x", Default::default(), Vec::new())
        .expect("added");
    assert!(g.adjacency().is_none());
}

/// The alias index is built on the first lookup. Changes made before that
/// and changes made after it (renames, aliases, deletes, rollbacks) must
/// leave the same answers.
#[test]
fn alias_index_built_early_or_late_answers_alike() {
    let changes = |g: &mut Graph, ma: EntityId, nl: EntityId| {
        g.set_entity_prop(ma, "name", Some(Value::from("Kingdom of Morocco")))
            .unwrap();
        g.add_alias(nl, alias("Holland", "en")).unwrap();
        let x = country(g, "x", "Pays-Bas", &[("Équis", "fr")]);
        g.begin();
        country(g, "y", "Maroc", &[]);
        g.set_entity_prop(x, "name", Some(Value::from("Xland")))
            .unwrap();
        g.rollback();
        let r: Vec<RelationId> = g.relations().map(|r| r.id).collect();
        for r in r {
            g.remove_relation(r).unwrap();
        }
        g.remove_entity(nl).unwrap();
    };
    let names = [
        "Morocco",
        "maroc",
        "Kingdom of Morocco",
        "morocco",
        "Holland",
        "Pays-Bas",
        "equis",
        "Xland",
        "y",
        "netherlands",
        "X",
    ];
    let (mut early, ma, nl, _) = sample();
    assert_eq!(early.resolve("Maroc"), vec![ma]);
    changes(&mut early, ma, nl);
    let (mut late, ma2, nl2, _) = sample();
    changes(&mut late, ma2, nl2);
    for n in names {
        assert_eq!(early.resolve(n), late.resolve(n), "{n}");
    }
    assert_eq!(early.resolve("Kingdom of Morocco"), vec![ma]);
    assert!(
        early.resolve("Holland").is_empty(),
        "deleted with its entity"
    );
    assert_eq!(early.resolve("Pays-Bas").len(), 1, "only X is left");
    assert!(early.resolve("Xland").is_empty(), "rolled back");
    early.check_indexes().unwrap();
    late.check_indexes().unwrap();
}

/// Relation types are indexed through their interned ids: counts and
/// lists stay right through adds, removals, clones and new types.
#[test]
fn type_index_follows_relations() {
    let (mut g, ma, nl, r) = sample();
    let mut ids = vec![r];
    for i in 0..50 {
        let t = ["A", "B", "COOPERATES_WITH"][i % 3];
        ids.push(
            g.add_relation(ma, nl, t, ValueMap::default(), vec![])
                .unwrap(),
        );
    }
    let copy = g.clone();
    g.remove_relation(ids[3]).unwrap();
    g.remove_relation(ids[50]).unwrap();
    g.add_relation(nl, ma, "C", ValueMap::default(), vec![])
        .unwrap();
    for (graph, removed) in [(&g, 2), (&copy, 0)] {
        graph.check_indexes().unwrap();
        let total: usize = ["A", "B", "C", "COOPERATES_WITH"]
            .iter()
            .map(|t| graph.type_count(t))
            .sum();
        assert_eq!(total, graph.relation_count());
        assert_eq!(total, 51 - removed + usize::from(removed > 0));
        for t in ["A", "B", "COOPERATES_WITH"] {
            let listed: Vec<RelationId> = graph.relations_with_type(t).collect();
            let expected: Vec<RelationId> = graph
                .relations()
                .filter(|r| r.rel_type == t)
                .map(|r| r.id)
                .collect();
            assert_eq!(listed, expected, "{t}");
        }
    }
    assert_eq!(copy.type_count("C"), 0);
    assert_eq!(g.type_count("C"), 1);
}
