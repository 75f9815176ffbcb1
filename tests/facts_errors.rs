//! Snapshots of every kind of fact-file error, rendered as users see them.

use kg::facts;

/// Loads `text` and renders all its errors against `bad.kg`.
fn render(text: &str) -> String {
    match facts::load(text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(errors) => {
            for e in &errors {
                assert_eq!(e.kind, kg::ErrorKind::Data);
                assert!(e.span.is_some(), "{e:?} has no span");
                // Never a pest rule name in a message.
                for rule in [
                    "rel_type",
                    "prop_key",
                    "str_close",
                    "EOI",
                    "kw_",
                    "sentence_no",
                ] {
                    assert!(!e.message.contains(rule), "{}", e.message);
                }
            }
            facts::render_errors("bad.kg", text, &errors)
        }
    }
}

const HEAD: &str = "article 000 = \"000_a.txt\"\nentity morocco :Country \"Morocco\" aka fr \"Maroc\" @000#1\nentity gctf :Organization \"GCTF\" @000#1\n";

fn with_head(rest: &str) -> String {
    format!("{HEAD}{rest}")
}

#[test]
fn syntax_bad_relation_type() {
    insta::assert_snapshot!(render(&with_head(
        "rel morocco -[Co_chairs]-> gctf @000#1\n"
    )));
}

#[test]
fn syntax_bad_label() {
    insta::assert_snapshot!(render("entity un :organization \"UN\" @000_a.txt#1\n"));
}

#[test]
fn syntax_unclosed_string() {
    insta::assert_snapshot!(render(
        "entity un :Organization \"United Nations\n  @000_a.txt#1\n"
    ));
}

#[test]
fn syntax_misspelt_keyword() {
    insta::assert_snapshot!(render(&with_head("entiy un :Organization \"UN\" @000#1\n")));
}

#[test]
fn syntax_property_without_equals() {
    insta::assert_snapshot!(render(&with_head(
        "entity un :Organization \"UN\"\n  founded: 1945\n  @000#1\n"
    )));
}

#[test]
fn unknown_entity_with_suggestion() {
    insta::assert_snapshot!(render(&with_head(
        "rel morocco -[CO_CHAIRS]-> gtcf @000#1\n"
    )));
}

#[test]
fn unknown_entity_named_by_alias() {
    insta::assert_snapshot!(render(&with_head("rel maroc -[CO_CHAIRS]-> gctf @000#1\n")));
}

#[test]
fn duplicate_key() {
    insta::assert_snapshot!(render(&with_head(
        "entity morocco :Country \"Maroc\" @000#2\n"
    )));
}

#[test]
fn bad_date() {
    insta::assert_snapshot!(render(&with_head(
        "rel morocco -[CO_CHAIRS]-> gctf\n  since = 2016-13\n  @000#1\n"
    )));
}

#[test]
fn bad_year_only_date() {
    insta::assert_snapshot!(render(&with_head(
        "rel morocco -[CO_CHAIRS]-> gctf since = date(16) @000#1\n"
    )));
}

#[test]
fn bad_number() {
    insta::assert_snapshot!(render(&with_head(
        "entity un :Organization \"UN\" members = 193x @000#1\nentity eu :Organization \"EU\" members = 99999999999999999999 @000#1\n"
    )));
}

#[test]
fn missing_citation() {
    insta::assert_snapshot!(render(&with_head(
        "rel morocco -[CO_CHAIRS]-> gctf\n  since = date(2016)\n"
    )));
}

#[test]
fn unknown_article() {
    insta::assert_snapshot!(render(&with_head("entity un :Organization \"UN\" @00#1\n")));
}

#[test]
fn bad_sentence_numbers() {
    insta::assert_snapshot!(render(&with_head(
        "entity un :Organization \"UN\" @000#0 @000#5-2 @000#1-7\n"
    )));
}

#[test]
fn bad_escape() {
    insta::assert_snapshot!(render(&with_head(
        "entity un :Organization \"U\\N\" @000#1\n"
    )));
}

#[test]
fn duplicate_property_and_reserved_name() {
    insta::assert_snapshot!(render(&with_head(
        "entity un :Organization \"UN\"\n  name = \"United Nations\"\n  founded = date(1945)\n  founded = date(1946)\n  @000#1\n"
    )));
}

#[test]
fn duplicate_relation() {
    insta::assert_snapshot!(render(&with_head(
        "rel morocco -[CO_CHAIRS]-> gctf @000#1\nrel morocco -[CO_CHAIRS]-> gctf @000#2\n"
    )));
}

#[test]
fn duplicate_article() {
    insta::assert_snapshot!(render(&with_head("article 000 = \"000_b.txt\"\n")));
}

#[test]
fn many_errors_in_one_run() {
    let text = with_head(
        "entity gctf :Organization \"GCTF again\" @000#1\n\
         rel morocco -[co_chairs]-> gctf @000#1\n\
         rel morocco -[CO_CHAIRS]-> gctff\n\
         entity un :Organization \"UN\" founded = 1945-00 @000#1\n",
    );
    let out = render(&text);
    assert!(out.ends_with("bad.kg: 5 errors\n"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn caret_under_arabic_text() {
    insta::assert_snapshot!(render(&with_head(
        "entity maghrib :Country \"المغرب\" aka ar \"المملكة\" x = 1.5e999 @000#1\n"
    )));
}
