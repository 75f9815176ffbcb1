use super::ast::{Item, LiteralKind};
use super::check::{check, mentions, Corpus};
use super::*;
use crate::store::{normalize, Citation};
use crate::value::{Date, Value};

const SMALL: &str = r#"
// a comment
article 000 = "000_test.txt"   // trailing comment
entity morocco :Country "Morocco"
  aka fr "Maroc", "Royaume du Maroc"
  aka ar "المغرب"
  iso = "MA"
  area = 446.55
  members = [1, "two", 2018-09]
  active = true
  @000#1 @000_test.txt#2,3
entity gctf :Organization:Forum "Global Counterterrorism Forum" aka en "GCTF" @000#1-2
rel morocco -[CO_CHAIRS]-> gctf
  since = date(2016)
  until = 2023-03-20
  @000#1+3
"#;

fn codes(text: &str) -> Vec<&'static str> {
    match load(text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.code).collect(),
    }
}

#[test]
fn loads_entities_relations_and_typed_properties() {
    let g = load(SMALL).unwrap();
    assert_eq!(g.entity_count(), 2);
    assert_eq!(g.relation_count(), 1);
    let ma = g.entity(g.entity_by_key("morocco").unwrap()).unwrap();
    assert_eq!(ma.name(), Some("Morocco"));
    assert_eq!(ma.props["iso"], Value::from("MA"));
    assert_eq!(ma.props["area"], Value::Float(446.55));
    assert_eq!(ma.props["active"], Value::Bool(true));
    assert_eq!(
        ma.props["members"],
        Value::List(vec![
            Value::Int(1),
            Value::from("two"),
            Value::Date(Date::parse("2018-09").unwrap())
        ])
    );
    assert_eq!(ma.aliases.len(), 3);
    assert_eq!(ma.aliases[2].lang.as_deref(), Some("ar"));
    let sentences: Vec<u32> = ma.sources.iter().map(|c| c.sentence).collect();
    assert_eq!(sentences, [1, 2, 3]);
    assert!(ma.sources.iter().all(|c| c.article == "000_test.txt"));
    let gctf = g.entity(g.entity_by_key("gctf").unwrap()).unwrap();
    assert_eq!(gctf.labels, ["Organization", "Forum"]);
    let r = g.relations().next().unwrap();
    assert_eq!(r.rel_type, "CO_CHAIRS");
    assert_eq!(r.props["since"], Value::Date(Date::parse("2016").unwrap()));
    assert_eq!(
        r.sources.to_vec(),
        [1, 3].map(|n| Citation {
            article: "000_test.txt".into(),
            sentence: n
        })
    );
    g.check_indexes().unwrap();
}

#[test]
fn aliases_resolve_across_case_and_script() {
    let g = load(SMALL).unwrap();
    let id = g.entity_by_key("morocco").unwrap();
    for name in [
        "Maroc",
        "MAROC",
        "maroc",
        "Morocco",
        "المغرب",
        "royaume du maroc",
    ] {
        assert_eq!(g.resolve(name), [id], "{name}");
    }
}

#[test]
fn every_error_kind_has_its_code() {
    assert_eq!(codes("entity x :country \"X\" @a.txt#1"), ["FactSyntax"]);
    assert_eq!(
        codes("entity x :C \"X\" @a.txt#1\nentity x :C \"Y\" @a.txt#1"),
        ["DuplicateKey"]
    );
    assert_eq!(
        codes("entity x :C \"X\" @a.txt#1\nrel x -[R]-> y @a.txt#1"),
        ["UnknownEntity"]
    );
    assert_eq!(
        codes("entity x :C \"X\" d = 2018-02-30 @a.txt#1"),
        ["BadDate"]
    );
    assert_eq!(codes("entity x :C \"X\" n = 1.2.3 @a.txt#1"), ["BadNumber"]);
    assert_eq!(codes("entity x :C \"X\""), ["MissingCitation"]);
    assert_eq!(codes("entity x :C \"X\" @nope#1"), ["UnknownArticle"]);
    assert_eq!(codes("entity x :C \"X\" @a.txt#0"), ["BadSentence"]);
    assert_eq!(codes("entity x :C \"X\" @a.txt#1-9"), ["BadSentence"]);
    assert_eq!(
        codes("entity x :C \"X\" s = \"\\q\" @a.txt#1"),
        ["BadEscape"]
    );
    assert_eq!(
        codes("entity x :C \"X\" a = 1 a = 2 @a.txt#1"),
        ["DuplicateProperty"]
    );
    assert_eq!(
        codes("entity x :C \"X\" name = \"Y\" @a.txt#1"),
        ["ReservedProperty"]
    );
    assert_eq!(
        codes("article a = \"a.txt\"\narticle a = \"b.txt\"\nentity x :C \"X\" @a#1"),
        ["DuplicateArticle"]
    );
    assert_eq!(
        codes("entity x :C \"X\" @a.txt#1\nrel x -[R]-> x @a.txt#1\nrel x -[R]-> x @a.txt#2"),
        ["DuplicateRelation"]
    );
}

#[test]
fn all_errors_are_collected_in_one_run() {
    let text = "entity a :C \"A\" @x.txt#1\n\
                entity a :C \"A again\" @x.txt#1\n\
                entity b :c \"bad label\" @x.txt#1\n\
                rel a -[R]-> bb @x.txt#1\n\
                rel a -[R]-> c\n\
                entity d :C \"D\" when = 2018-13 @x.txt#1\n";
    let errors = load(text).unwrap_err();
    let got: Vec<&str> = errors.iter().map(|e| e.code).collect();
    assert_eq!(
        got,
        [
            "DuplicateKey",
            "FactSyntax",
            "UnknownEntity",
            "MissingCitation", // points at the start of `rel a -[R]-> c`
            "UnknownEntity",
            "BadDate"
        ]
    );
    // In file order, each with a span.
    let starts: Vec<usize> = errors.iter().map(|e| e.span.unwrap().start).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    assert!(errors.iter().all(|e| e.kind == crate::ErrorKind::Data));
}

#[test]
fn a_syntax_error_does_not_cascade() {
    // `b` fails to parse; the relation naming it is not reported again.
    let text = "article s = \"s.txt\"\nentity b :bad \"B\" @s#1\nentity a :C \"A\" @s#1\nrel a -[R]-> b @s#1\n";
    let errors = load(text).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "FactSyntax");
}

#[test]
fn unknown_entities_get_suggestions() {
    let text = "entity morocco :C \"Morocco\" aka fr \"Maroc\" @a.txt#1\n\
                rel morocco -[R]-> moroco @a.txt#1\n\
                rel maroc -[R]-> morocco @a.txt#1\n";
    let errors = load(text).unwrap_err();
    assert_eq!(errors[0].help.as_deref(), Some("did you mean `morocco`?"));
    assert!(errors[1]
        .help
        .as_deref()
        .unwrap()
        .contains("is a name of `morocco`"));
}

#[test]
fn syntax_errors_use_plain_words() {
    let errors = load("entity a :C \"A\" @a.txt#1\nrel a -[co_chairs]-> a @a.txt#1").unwrap_err();
    let msg = &errors[0].message;
    assert!(msg.contains("relation type in UPPER_SNAKE_CASE"), "{msg}");
    assert!(!msg.contains("rel_type"), "{msg}");
    let errors = load("entiti a :C \"A\" @a.txt#1").unwrap_err();
    assert_eq!(errors[0].help.as_deref(), Some("did you mean `entity`?"));
}

#[test]
fn parse_keeps_spans() {
    let (file, errors) = parse(SMALL);
    assert!(errors.is_empty());
    let Some(Item::Entity(e)) = file.items.get(1) else {
        panic!("expected an entity");
    };
    assert_eq!(&SMALL[e.key.span.start..e.key.span.end], "morocco");
    assert_eq!(&SMALL[e.name.span.start..e.name.span.end], "\"Morocco\"");
    let area = e.props.iter().find(|p| p.key.text == "area").unwrap();
    assert!(matches!(area.value.kind, LiteralKind::Float(_)));
    assert_eq!(&SMALL[area.value.span.start..area.value.span.end], "446.55");
}

#[test]
fn string_escapes() {
    let g = load(r#"entity a :C "A \"q\" \\ \u{e9}" @a.txt#1"#).unwrap();
    let e = g.entities().next().unwrap();
    assert_eq!(e.name(), Some("A \"q\" \\ é"));
}

#[test]
fn edit_distance_and_suggest() {
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("gctf", "gctf"), 0);
    assert_eq!(suggest("moroco", ["morocco", "monaco"]), Some("morocco"));
    assert_eq!(suggest("xyz", ["morocco"]), None);
}

#[test]
fn check_finds_names_in_cited_sentences() {
    let text = "article 1 = \"a.txt\"\n\
                entity ma :Country \"Morocco\" aka fr \"Maroc\" @1#1\n\
                entity un :Organization \"United Nations\" aka fr \"ONU\" @1#2\n\
                rel ma -[MEMBER_OF]-> un @1#1+2 @1#1\n";
    let corpus = Corpus::from_texts([("a.txt", "Le Maroc parle. Une ONU forte.")]);
    let (file, errors) = parse(text);
    assert!(errors.is_empty());
    let report = check(&file, text, &corpus);
    // Sentence 1 alone does not name the UN.
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert!(report.failures[0].message.contains("does not name `un`"));
    assert_eq!(report.entity_citations, 2);
    assert_eq!(report.relation_citations, 2);
    assert_eq!(report.coverage, [("a.txt".to_string(), 2, 2)]);
}

#[test]
fn check_reports_missing_articles_and_sentences() {
    let text = "entity ma :Country \"Maroc\" @a.txt#3 @b.txt#1\n";
    let corpus = Corpus::from_texts([("a.txt", "Maroc. Maroc.")]);
    let (file, _) = parse(text);
    let report = check(&file, text, &corpus);
    let msgs: Vec<&str> = report.failures.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(msgs.len(), 2);
    assert!(msgs[0].contains("no sentence 3"), "{msgs:?}");
    assert!(msgs[1].contains("not in the corpus"), "{msgs:?}");
}

#[test]
fn mentions_are_whole_words_in_latin_script() {
    assert!(mentions("le maroc parle", "maroc"));
    assert!(!mentions("les marocains", "maroc"));
    assert!(!mentions("une reunion", "un"));
    assert!(mentions(&normalize("شارك المغرب"), &normalize("المغرب")));
    assert!(mentions(&normalize("وكندا"), &normalize("كندا")));
}

#[test]
fn seed_graph_loads_with_consistent_indexes() {
    let g = match seed_graph() {
        Ok(g) => g,
        Err(errors) => panic!("{}", render_errors(SEED_NAME, SEED, &errors)),
    };
    g.check_indexes().unwrap();
    assert!(g.entity_count() >= 60);
    assert!(g.relation_count() >= 100);
    for e in g.entities() {
        assert!(!e.sources.is_empty(), "{:?} has no citation", e.key);
        assert!(e.name().is_some());
    }
    for r in g.relations() {
        assert!(!r.sources.is_empty(), "relation {} has no citation", r.id);
    }
}

#[test]
fn seed_morocco_resolves_in_three_languages() {
    let g = seed_graph().unwrap();
    let id = g.entity_by_key("morocco").unwrap();
    for name in [
        "Maroc",
        "MAROC",
        "المغرب",
        "Morocco",
        "Royaume du Maroc",
        "المملكة",
    ] {
        assert_eq!(g.resolve(name), [id], "{name}");
    }
}
