//! The seed graph: aliases in three languages, provenance, serde round trip,
//! index consistency, and the modelling rules of `seeds/README.md`.

use kg::facts;
use kg::store::{EntityId, Graph};
use kg::Value;

fn seed() -> Graph {
    match facts::seed_graph() {
        Ok(g) => g,
        Err(errors) => panic!(
            "{}",
            facts::render_errors(facts::SEED_NAME, facts::SEED, &errors)
        ),
    }
}

fn id(g: &Graph, key: &str) -> EntityId {
    g.entity_by_key(key)
        .unwrap_or_else(|| panic!("no entity `{key}`"))
}

#[test]
fn morocco_is_one_entity_in_french_english_and_arabic() {
    let g = seed();
    let ma = id(&g, "morocco");
    for name in [
        "Maroc",
        "MAROC",
        "maroc",
        "Morocco",
        "المغرب",
        "المَغْرِب",
        "Royaume du Maroc",
        "royaume",
        "المملكة",
    ] {
        assert_eq!(g.resolve(name), [ma], "{name}");
    }
}

#[test]
fn other_multilingual_aliases_resolve() {
    let g = seed();
    let cases = [
        ("GCTF", "gctf"),
        ("GCFTF", "gctf"),
        ("Forum mondial de lutte contre le terrorisme", "gctf"),
        ("المنتدى العالمي لمكافحة الإرهاب", "gctf"),
        ("ONUCT", "unoct"),
        ("UNOCT", "unoct"),
        ("Union européenne", "eu"),
        ("الاتحاد الأوروبي", "eu"),
        ("Pays-Bas", "netherlands"),
        ("هولندا", "netherlands"),
        ("Koweït", "kuwait"),
        ("koweit", "kuwait"),
        ("Tadjikistan", "tajikistan"),
        ("Etats-Unis", "usa"),
        ("هداية", "hedayah"),
        ("شكوري", "chekkori"),
        ("Ismail Chekkori", "chekkori"),
        ("Processus de Douchanbé", "dushanbe_process"),
        ("Plateforme de Marrakech", "marrakech_platform"),
        ("Afrique", "africa"),
        ("إفريقيا", "africa"),
        ("أفريقيا", "africa"),
    ];
    for (name, key) in cases {
        assert_eq!(g.resolve(name), [id(&g, key)], "{name}");
    }
}

#[test]
fn serde_json_round_trip() {
    let g = seed();
    let json = serde_json::to_string(&g).unwrap();
    let back: Graph = serde_json::from_str(&json).unwrap();
    assert!(back == g);
    back.check_indexes().unwrap();
    assert_eq!(back.resolve("المغرب"), g.resolve("Maroc"));
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
}

#[test]
fn indexes_are_consistent() {
    seed().check_indexes().unwrap();
}

#[test]
fn the_seed_covers_the_required_vocabulary() {
    let g = seed();
    for label in [
        "Country",
        "Organization",
        "Person",
        "Event",
        "Place",
        "Initiative",
        "Office",
        "Document",
    ] {
        assert!(g.label_count(label) > 0, "no {label}");
    }
    for t in [
        "CO_CHAIRS",
        "HOSTS",
        "PARTICIPATES_IN",
        "LAUNCHED_BY",
        "MEMBER_OF",
        "LED_BY",
        "LOCATED_IN",
        "PART_OF",
        "HOLDS_OFFICE",
        "REPRESENTS",
        "ORGANIZED_BY",
        "PARTNER_OF",
    ] {
        assert!(g.type_count(t) > 0, "no {t}");
    }
    for key in [
        "morocco",
        "gctf",
        "eu",
        "netherlands",
        "canada",
        "kuwait",
        "tajikistan",
        "usa",
        "un",
        "unoct",
        "unoct_rabat",
        "un_compact",
        "hedayah",
        "gcerf",
        "iij",
        "unsc",
        "unga",
        "coalition_africa_group",
        "gctf_working_groups",
        "mfa_morocco",
        "ministry_interior",
        "embassy_kuwait",
        "chekkori",
        "ben_issa",
        "zekkari",
        "berrada",
        "kuwait_crown_prince",
        "rahmon",
        "voronkov",
        "mohammed_vi",
        "bourita",
        "gctf_dialogue_5",
        "compact_consultation_9",
        "kuwait_conference",
        "dushanbe_process",
        "marrakech_platform",
        "morocco_unoct_dialogue",
        "maritime_security_conference",
        "atlantic_process",
        "beneficiaries_forum",
        "rabat_meeting_2018",
        "domestic_terrorism_initiative",
        "rabat_washington_good_practices",
        "inaugural_meeting_2017",
        "expert_workshops_2018",
        "gctf_ministerial_2018",
        "rabat",
        "marrakech",
        "new_york",
        "africa",
    ] {
        id(&g, key);
    }
}

/// The relations `from -[rel_type]-> to`.
fn rels<'g>(g: &'g Graph, from: &str, rel_type: &str, to: &str) -> Vec<&'g kg::store::Relation> {
    let (a, b) = (id(g, from), id(g, to));
    g.outgoing(a)
        .filter(|r| r.rel_type == rel_type && r.to == b)
        .collect()
}

#[test]
fn french_and_arabic_reports_of_one_meeting_are_merged() {
    let g = seed();
    let r = rels(&g, "morocco", "CO_CHAIRS", "gctf_dialogue_5");
    assert_eq!(r.len(), 1);
    let articles: Vec<&str> = r[0].sources.iter().map(|c| c.article.as_str()).collect();
    assert!(articles.contains(&"000_82e1541b34cdbfbf.txt"));
    assert!(articles.contains(&"002_c4934a5ea7ca29c3.txt"));
    // One entity per meeting, with both articles' names.
    let e = g.entity(id(&g, "gctf_dialogue_5")).unwrap();
    assert!(e.aliases.iter().any(|a| a.lang.as_deref() == Some("ar")));
    assert!(e.aliases.iter().any(|a| a.lang.as_deref() == Some("fr")));
}

#[test]
fn the_repeated_half_of_003_is_never_cited() {
    let g = seed();
    let all = g
        .entities()
        .flat_map(|e| e.sources.iter())
        .chain(g.relations().flat_map(|r| r.sources.iter()));
    for c in all {
        if c.article.starts_with("003_") {
            assert!(c.sentence <= 17, "{c:?} cites the repeated text");
        }
    }
}

#[test]
fn relations_are_not_duplicated() {
    let g = seed();
    let mut seen = std::collections::HashSet::new();
    for r in g.relations() {
        assert!(
            seen.insert((r.from, r.rel_type, r.to)),
            "two {} relations from {:?} to {:?}",
            r.rel_type,
            g.entity(r.from).and_then(|e| e.key.clone()),
            g.entity(r.to).and_then(|e| e.key.clone())
        );
    }
}

#[test]
fn vague_and_conflicting_statements_are_recorded_not_guessed() {
    let g = seed();
    let conf = g.entity(id(&g, "kuwait_conference")).unwrap();
    assert!(conf.props.get("date").is_none(), "001 gives no year");
    assert!(conf.props["stated"]
        .as_str()
        .unwrap()
        .contains("year not stated"));
    let co = rels(&g, "morocco", "CO_CHAIRS", "gctf");
    assert_eq!(co.len(), 1);
    assert_eq!(
        co[0].props["since"],
        Value::Date(kg::value::Date::parse("2016").unwrap())
    );
    let Value::List(stated) = &co[0].props["stated"] else {
        panic!("stated should list each article's version");
    };
    assert!(stated.len() >= 3);
    let launched = rels(&g, "dushanbe_process", "LAUNCHED_BY", "tajikistan");
    assert_eq!(
        launched[0].props["date"],
        Value::Date(kg::value::Date::parse("2018").unwrap())
    );
}

/// The string values of every property except names (names and aliases
/// may quote the articles: they are names).
fn descriptive_strings(g: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    let maps = g
        .entities()
        .map(|e| &e.props)
        .chain(g.relations().map(|r| &r.props));
    for props in maps {
        for (k, v) in props {
            if k == "name" {
                continue;
            }
            match v {
                Value::String(s) => out.push(s.clone()),
                Value::List(items) => {
                    out.extend(items.iter().filter_map(|i| i.as_str().map(String::from)))
                }
                _ => {}
            }
        }
    }
    out
}

#[test]
fn the_seed_quotes_no_article_text() {
    let g = seed();
    let strings = descriptive_strings(&g);
    assert!(strings.len() > 20);
    for s in &strings {
        assert!(
            s.split_whitespace().count() <= 30,
            "too long for a note: {s}"
        );
    }
    // Against the corpus, when present: no 6 words in a row copied.
    let dir = std::env::var_os("KG_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
        .join("seeds");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "skipping the corpus comparison: {} not found",
            dir.display()
        );
        return;
    };
    let mut corpus = String::new();
    for e in entries.flatten() {
        if let Ok(t) = std::fs::read_to_string(e.path()) {
            corpus.push(' ');
            corpus.push_str(&kg::store::normalize(&t));
            corpus.push(' ');
        }
    }
    for s in &strings {
        let words: Vec<String> = kg::store::normalize(s)
            .split(' ')
            .map(String::from)
            .collect();
        for w in words.windows(6) {
            let shingle = format!(" {} ", w.join(" "));
            assert!(!corpus.contains(&shingle), "copied from an article: {s}");
        }
    }
}
