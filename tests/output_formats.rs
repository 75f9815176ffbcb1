//! JSON, JSON lines, CSV, TSV and Markdown: goldens (insta snapshots) on
//! hostile strings, plus parsing every output back and comparing values.

use kg::output::{to_string, Format, TableOptions};
use kg::store::{Citation, NewEntity};
use kg::value::{Date, Path, ValueMap};
use kg::{Graph, QueryResult, Value};

const HOSTILE: &[&str] = &[
    "plain",
    "comma, inside",
    "say \"hi\"",
    "two\nlines",
    "cr\r\nlf",
    "tab\there",
    "back\\slash",
    "pipe | bar",
    "",
    " padded ",
    "المغرب",
    "😀 emoji",
    "'single'",
    "\u{1b}[31m",
    "<b>x</b> &amp; \\N",
];

fn out(format: Format, g: &Graph, r: &QueryResult) -> String {
    to_string(format, g, r, &TableOptions::default())
}

fn hostile_result() -> QueryResult {
    QueryResult {
        columns: vec!["i".into(), "s".into(), "x, \"col\"".into()],
        rows: HOSTILE
            .iter()
            .enumerate()
            .map(|(i, s)| {
                vec![
                    Value::Int(i as i64),
                    Value::from(*s),
                    if i % 3 == 0 {
                        Value::Null
                    } else {
                        Value::List(vec![Value::from(*s), Value::Float(i as f64)])
                    },
                ]
            })
            .collect(),
        ..QueryResult::default()
    }
}

/// A graph with a node, a relationship and a path, and a result holding them.
fn graph_result() -> (Graph, QueryResult) {
    let mut g = Graph::new();
    let mut props = ValueMap::default();
    props.insert("name", Value::from("Morocco"));
    props.insert("population", Value::Int(37_000_000));
    let a = g
        .add_entity(NewEntity {
            key: Some("morocco".into()),
            labels: vec!["Country".into()],
            props,
            aliases: vec![],
            sources: vec![Citation {
                article: "000_82e1541b34cdbfbf.txt".into(),
                sentence: 1,
            }],
        })
        .expect("entity");
    let b = g
        .add_entity(NewEntity {
            labels: vec!["Organization".into()],
            ..NewEntity::default()
        })
        .expect("entity");
    let mut rp = ValueMap::default();
    rp.insert("since", Value::Date(Date::parse("2016-09").expect("date")));
    let r = g
        .add_relation(a, b, "CO_CHAIRS", rp, vec![])
        .expect("relation");
    let result = QueryResult {
        columns: vec!["n".into(), "r".into(), "p".into(), "f".into(), "d".into()],
        rows: vec![vec![
            Value::Node(a),
            Value::Relationship(r),
            Value::Path(Box::new(Path {
                nodes: vec![a, b],
                rels: vec![r],
            })),
            Value::Float(f64::NAN),
            Value::Date(Date::parse("2023-03-20").expect("date")),
        ]],
        ..QueryResult::default()
    };
    (g, result)
}

/// A minimal RFC 4180 reader: `None` for an empty unquoted field.
fn parse_csv(text: &str) -> Vec<Vec<Option<String>>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        // One field.
        let field = if chars.peek() == Some(&'"') {
            chars.next();
            let mut f = String::new();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        f.push('"');
                    }
                    Some('"') | None => break,
                    Some(c) => f.push(c),
                }
            }
            Some(f)
        } else {
            let mut f = String::new();
            while let Some(&c) = chars.peek() {
                if c == ',' || c == '\n' {
                    break;
                }
                f.push(c);
                chars.next();
            }
            if f.is_empty() {
                None
            } else {
                Some(f)
            }
        };
        row.push(field);
        match chars.next() {
            Some(',') => {}
            Some('\n') => {
                rows.push(std::mem::take(&mut row));
                if chars.peek().is_none() {
                    break;
                }
            }
            _ => {
                rows.push(std::mem::take(&mut row));
                break;
            }
        }
    }
    rows
}

fn tsv_unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn csv_round_trips_hostile_strings() {
    let g = Graph::new();
    let r = hostile_result();
    let text = out(Format::Csv, &g, &r);
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), HOSTILE.len() + 1, "{text}");
    assert_eq!(rows[0][2].as_deref(), Some("x, \"col\""));
    for (i, s) in HOSTILE.iter().enumerate() {
        let row = &rows[i + 1];
        assert_eq!(row.len(), 3, "row {i}: {row:?}");
        assert_eq!(row[0].as_deref(), Some(i.to_string().as_str()));
        // An empty string is `""`, a null is an empty field.
        assert_eq!(row[1].as_deref(), Some(*s), "row {i}");
        if i % 3 == 0 {
            assert_eq!(row[2], None);
        } else {
            // Nested values are their compact JSON text.
            let v: serde_json::Value =
                serde_json::from_str(row[2].as_deref().unwrap_or("")).expect("json cell");
            assert_eq!(v[0].as_str(), Some(*s));
            assert_eq!(v[1].as_f64(), Some(i as f64));
        }
    }
    insta::assert_snapshot!("csv_hostile", text);
}

#[test]
fn tsv_round_trips_hostile_strings() {
    let g = Graph::new();
    let r = hostile_result();
    let text = out(Format::Tsv, &g, &r);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), HOSTILE.len() + 1);
    for (i, s) in HOSTILE.iter().enumerate() {
        let fields: Vec<&str> = lines[i + 1].split('\t').collect();
        assert_eq!(fields.len(), 3, "{:?}", lines[i + 1]);
        assert_eq!(tsv_unescape(fields[1]), *s);
        // A null is `\N`, distinct from any escaped string.
        assert_eq!(fields[2] == "\\N", i % 3 == 0, "{:?}", fields[2]);
    }
    insta::assert_snapshot!("tsv_hostile", text);
}

#[test]
fn json_and_jsonl_are_typed_and_round_trip() {
    let g = Graph::new();
    let r = hostile_result();
    let text = out(Format::Json, &g, &r);
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), HOSTILE.len());
    for (i, s) in HOSTILE.iter().enumerate() {
        assert_eq!(rows[i]["i"].as_i64(), Some(i as i64));
        assert_eq!(rows[i]["s"].as_str(), Some(*s));
        if i % 3 == 0 {
            assert!(rows[i]["x, \"col\""].is_null());
        } else {
            assert!(rows[i]["x, \"col\""][1].is_f64());
        }
    }
    insta::assert_snapshot!("json_hostile", text);

    let lines = out(Format::Jsonl, &g, &r);
    let parsed: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("one object per line"))
        .collect();
    assert_eq!(parsed.len(), HOSTILE.len());
    assert_eq!(&parsed, rows);
    // Column order is kept.
    assert!(lines.starts_with("{\"i\":0,\"s\":\"plain\",\"x, \\\"col\\\"\":null}\n"));
}

#[test]
fn json_graph_elements() {
    let (g, r) = graph_result();
    let text = out(Format::Jsonl, &g, &r);
    let v: serde_json::Value = serde_json::from_str(text.trim_end()).expect("json");
    assert_eq!(v["n"]["key"], "morocco");
    assert_eq!(v["n"]["labels"][0], "Country");
    assert_eq!(
        v["n"]["properties"]["population"].as_i64(),
        Some(37_000_000)
    );
    assert_eq!(v["n"]["sources"][0]["sentence"], 1);
    assert_eq!(v["r"]["type"], "CO_CHAIRS");
    assert_eq!(v["r"]["start"], v["n"]["id"]);
    assert_eq!(v["r"]["properties"]["since"], "2016-09");
    assert_eq!(v["p"]["nodes"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["p"]["relationships"][0]["id"], v["r"]["id"]);
    assert_eq!(v["f"], "NaN");
    assert_eq!(v["d"], "2023-03-20");
    insta::assert_snapshot!("jsonl_graph_elements", text);
    // Never truncated, whatever the table options say.
    let tiny = TableOptions {
        max_rows: 1,
        max_width: 3,
        color: true,
        width: 10,
    };
    assert_eq!(to_string(Format::Jsonl, &g, &r, &tiny), text);
}

#[test]
fn csv_nested_values_are_json() {
    let (g, r) = graph_result();
    let text = out(Format::Csv, &g, &r);
    let rows = parse_csv(&text);
    let node: serde_json::Value =
        serde_json::from_str(rows[1][0].as_deref().unwrap_or("")).expect("node json");
    assert_eq!(node["properties"]["name"], "Morocco");
    assert_eq!(rows[1][3].as_deref(), Some("NaN"));
    assert_eq!(rows[1][4].as_deref(), Some("2023-03-20"));
}

#[test]
fn markdown_escapes_pipes() {
    let g = Graph::new();
    let r = hostile_result();
    let text = out(Format::Markdown, &g, &r);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), HOSTILE.len() + 2, "one line per row:\n{text}");
    assert_eq!(lines[1], "| ---: | --- | --- |");
    for l in &lines {
        // Unescaped pipes: exactly the 4 cell borders.
        let mut count = 0;
        let mut prev_backslashes = 0;
        for c in l.chars() {
            if c == '|' && prev_backslashes % 2 == 0 {
                count += 1;
            }
            prev_backslashes = if c == '\\' { prev_backslashes + 1 } else { 0 };
        }
        assert_eq!(count, 4, "{l}");
    }
    assert!(text.contains("pipe \\| bar"));
    assert!(text.contains("two<br>lines"));
    assert!(
        text.contains("&lt;b&gt;x&lt;/b&gt; &amp;amp; \\\\N"),
        "{text}"
    );
    insta::assert_snapshot!("markdown_hostile", text);
}

#[test]
fn empty_results() {
    let g = Graph::new();
    let r = QueryResult {
        columns: vec!["a".into(), "b".into()],
        ..QueryResult::default()
    };
    assert_eq!(out(Format::Json, &g, &r), "[]\n");
    assert_eq!(out(Format::Jsonl, &g, &r), "");
    assert_eq!(out(Format::Csv, &g, &r), "a,b\n");
    assert_eq!(out(Format::Tsv, &g, &r), "a\tb\n");
    assert_eq!(out(Format::Markdown, &g, &r), "| a | b |\n| --- | --- |\n");
}
