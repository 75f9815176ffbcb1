//! The boxed table: snapshots (wide characters, truncation, the type row)
//! plus checks that every line of a box has the same display width.

use kg::output::width::display_width;
use kg::output::{to_string, Format, TableOptions};
use kg::store::NewEntity;
use kg::value::{Date, Path, ValueMap};
use kg::{Graph, QueryResult, Value};

fn result(columns: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
    QueryResult {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        ..QueryResult::default()
    }
}

fn table(g: &Graph, r: &QueryResult, opts: &TableOptions) -> String {
    to_string(Format::Table, g, r, opts)
}

fn date(s: &str) -> Value {
    Value::Date(Date::parse(s).expect("date"))
}

fn s(x: &str) -> Value {
    Value::from(x)
}

/// Every line from the top border to the bottom border has the same
/// display width, and none contains a raw control character.
fn assert_box_aligned(text: &str) {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '├', '└']))
        .collect();
    assert!(lines.len() >= 4, "no box in\n{text}");
    let width = display_width(lines[0]);
    for l in &lines {
        assert_eq!(display_width(l), width, "misaligned line {l:?} in\n{text}");
        assert!(
            !l.chars().any(char::is_control),
            "control character in {l:?}"
        );
    }
}

fn wide_result() -> QueryResult {
    let mut m = ValueMap::default();
    m.insert("a", Value::Int(1));
    result(
        &[
            "name", "native", "members", "score", "founded", "tags", "extra", "nothing",
        ],
        vec![
            vec![
                s("Morocco"),
                s("المغرب"),
                Value::Int(37),
                Value::Float(1.0),
                date("1956-03-02"),
                Value::List(vec![s("Maghreb")]),
                Value::Int(1),
                Value::Null,
            ],
            vec![
                s("Union Européenne"),
                s("الاتحاد الأوروبي"),
                Value::Int(27),
                Value::Float(0.5),
                date("1993-11-01"),
                Value::List(vec![]),
                s("x"),
                Value::Null,
            ],
            vec![
                s("Japan"),
                s("日本"),
                Value::Int(1),
                Value::Float(f64::NAN),
                date("1947"),
                Value::List(vec![s("東京"), s("🗾")]),
                Value::Bool(true),
                Value::Null,
            ],
            vec![
                s("Family"),
                s("👩\u{200D}👩\u{200D}👧 família"),
                Value::Int(-5),
                Value::Float(1e16),
                Value::Null,
                Value::Null,
                Value::List(vec![Value::Int(1), Value::Int(2)]),
                Value::Null,
            ],
            vec![
                s("Zoë"),
                s("Ελλάδα e\u{301}"),
                Value::Int(0),
                Value::Float(f64::NEG_INFINITY),
                date("2018-09"),
                Value::List(vec![s("it's")]),
                Value::Map(m),
                Value::Null,
            ],
        ],
    )
}

#[test]
fn wide_characters_line_up() {
    let g = Graph::new();
    let out = table(&g, &wide_result(), &TableOptions::default());
    assert_box_aligned(&out);
    // The type row names a common type, ANY when mixed, NULL when all null.
    let types = out.lines().nth(2).expect("type row");
    for t in [
        "STRING",
        "INTEGER",
        "FLOAT",
        "DATE",
        "LIST<STRING>",
        "ANY",
        "NULL",
    ] {
        assert!(types.contains(t), "{t} missing from {types}");
    }
    assert!(out.ends_with("5 rows\n"), "{out}");
    // Arabic cells are wrapped in LEFT-TO-RIGHT MARKs for bidi terminals.
    assert!(out.contains("\u{200E}المغرب\u{200E}"));
    insta::assert_snapshot!("table_wide_characters", out);
}

#[test]
fn numbers_are_right_aligned_and_nulls_shown() {
    let g = Graph::new();
    let r = result(
        &["n", "label"],
        vec![
            vec![Value::Int(5), s("five")],
            vec![Value::Int(12345), Value::Null],
            vec![Value::Null, s("")],
        ],
    );
    let out = table(&g, &r, &TableOptions::default());
    assert_box_aligned(&out);
    assert!(out.contains("│       5 │ five   │"), "{out}");
    assert!(out.contains("│   12345 │ NULL   │"), "{out}");
    assert!(out.contains("│    NULL │        │"), "{out}");
    insta::assert_snapshot!("table_numbers_and_nulls", out);
}

#[test]
fn long_results_show_head_and_tail() {
    let g = Graph::new();
    let rows = (1..=100)
        .map(|i| vec![Value::Int(i), s(&format!("row {i}"))])
        .collect();
    let r = result(&["i", "text"], rows);
    let opts = TableOptions {
        max_rows: 6,
        ..TableOptions::default()
    };
    let out = table(&g, &r, &opts);
    assert_box_aligned(&out);
    for shown in [
        "row 1 ", "row 2 ", "row 3 ", "row 98 ", "row 99 ", "row 100 ",
    ] {
        assert!(out.contains(shown), "{shown} missing in\n{out}");
    }
    assert!(!out.contains("row 4 ") && !out.contains("row 97 "), "{out}");
    assert!(out.contains('…'));
    assert!(out.ends_with("100 rows (6 shown)\n"), "{out}");
    insta::assert_snapshot!("table_head_and_tail", out);

    // Default: 40 rows shown; max_rows 0: everything.
    let out = table(&g, &r, &TableOptions::default());
    assert!(out.ends_with("100 rows (40 shown)\n"));
    let all = TableOptions {
        max_rows: 0,
        ..TableOptions::default()
    };
    let out = table(&g, &r, &all);
    assert!(out.contains("row 50 ") && out.ends_with("100 rows\n"));
}

#[test]
fn wide_cells_are_cut_at_max_width() {
    let g = Graph::new();
    let r = result(
        &["a fairly long column name", "text"],
        vec![
            vec![s("short"), s("Forum Global de Lutte contre le Terrorisme")],
            vec![s("ar"), s("المنتدى العالمي لمكافحة الإرهاب")],
            vec![s("cjk"), s("联合国反恐怖主义办公室联合国反恐怖主义办公室")],
            vec![s("emoji"), s("😀😀😀😀😀😀😀😀😀😀😀😀")],
        ],
    );
    let opts = TableOptions {
        max_width: 12,
        ..TableOptions::default()
    };
    let out = table(&g, &r, &opts);
    assert_box_aligned(&out);
    for l in out.lines().filter(|l| l.starts_with('│')) {
        for cell in l.split('│').filter(|c| !c.is_empty()) {
            assert!(
                display_width(cell) <= 14,
                "cell {cell:?} wider than 12 (+2 padding)"
            );
        }
    }
    assert!(out.contains("Forum Globa…"), "{out}");
    assert!(out.contains("a fairly lo…"), "{out}");
    insta::assert_snapshot!("table_max_width", out);
}

#[test]
fn graph_elements_and_their_types() {
    let mut g = Graph::new();
    let mut props = ValueMap::default();
    props.insert("name", s("Morocco"));
    let a = g
        .add_entity(NewEntity {
            key: Some("morocco".into()),
            labels: vec!["Country".into()],
            props,
            ..NewEntity::default()
        })
        .expect("entity");
    let b = g
        .add_entity(NewEntity {
            key: Some("gctf".into()),
            labels: vec!["Organization".into()],
            ..NewEntity::default()
        })
        .expect("entity");
    let mut rp = ValueMap::default();
    rp.insert("since", Value::Int(2016));
    let r = g
        .add_relation(a, b, "CO_CHAIRS", rp, vec![])
        .expect("relation");
    let res = result(
        &["n", "r", "p", "ns"],
        vec![vec![
            Value::Node(a),
            Value::Relationship(r),
            Value::Path(Box::new(Path {
                nodes: vec![b, a],
                rels: vec![r],
            })),
            Value::List(vec![Value::Node(a), Value::Node(b)]),
        ]],
    );
    let out = table(&g, &res, &TableOptions::default());
    assert_box_aligned(&out);
    let types = out.lines().nth(2).expect("type row");
    for t in ["NODE", "RELATIONSHIP", "PATH", "LIST<NODE>"] {
        assert!(types.contains(t), "{t} missing in {types}");
    }
    assert!(out.contains("(morocco:Country {name: 'Morocco'})"), "{out}");
    assert!(out.contains("[:CO_CHAIRS {since: 2016}]"), "{out}");
    assert!(
        out.contains("(gctf:Organization)<-[:CO_CHAIRS {since: 2016}]-(morocco:"),
        "{out}"
    );
    insta::assert_snapshot!("table_graph_elements", out);
}

#[test]
fn zero_rows_and_zero_columns() {
    let g = Graph::new();
    let out = table(
        &g,
        &result(&["name", "n"], vec![]),
        &TableOptions::default(),
    );
    assert_box_aligned(&out);
    assert!(out.lines().nth(1).is_some_and(|l| l.contains("name")));
    assert!(out.ends_with("0 rows\n"));
    insta::assert_snapshot!("table_zero_rows", out);
    let out = table(&g, &result(&[], vec![]), &TableOptions::default());
    assert_eq!(out, "0 rows\n");
}

#[test]
fn colour_only_when_asked_and_never_from_data() {
    let g = Graph::new();
    let r = result(
        &["x"],
        vec![vec![Value::Null], vec![s("evil\u{1b}[31m\nnext")]],
    );
    let plain = table(&g, &r, &TableOptions::default());
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    assert!(plain.contains(r"evil\u001B[31m\nnext"), "{plain}");
    assert_box_aligned(&plain);
    let colour = TableOptions {
        color: true,
        ..TableOptions::default()
    };
    let out = table(&g, &r, &colour);
    assert!(out.contains("\u{1b}[2mNULL\u{1b}[0m"), "{out:?}");
    assert!(out.contains("\u{1b}[1mx\u{1b}[0m"), "{out:?}");
    // Escape codes do not count towards the width.
    let strip = |l: &str| {
        l.replace("\u{1b}[2m", "")
            .replace("\u{1b}[1m", "")
            .replace("\u{1b}[0m", "")
    };
    assert_eq!(strip(&out), plain);
}
