//! CSV, TSV and Markdown tables.
//!
//! Cells: strings as they are, numbers and dates as text (floats as `1.0`,
//! `NaN`), booleans `true`/`false`, nested values (lists, maps, nodes,
//! relationships, paths) as their compact JSON text. A null is an empty
//! field in CSV, `\N` in TSV (as in PostgreSQL and MySQL text dumps) and
//! `NULL` in Markdown.

use std::io::{self, Write};

use crate::engine::QueryResult;
use crate::store::Graph;
use crate::value::Value;

use super::json::to_json;
use super::text::{format_float, render_top};

/// A cell's text for the delimited formats; `None` for null.
fn cell(graph: &Graph, v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Float(x) => Some(format_float(*x)),
        Value::Bool(_) | Value::Int(_) | Value::Date(_) => Some(render_top(graph, v)),
        Value::List(_)
        | Value::Map(_)
        | Value::Node(_)
        | Value::Relationship(_)
        | Value::Path(_) => Some(to_json(graph, v)),
    }
}

/// RFC 4180 quoting: a field holding a comma, a quote, CR or LF is quoted,
/// with its quotes doubled. An empty string is written `""` so that it differs
/// from a null (an empty field).
fn csv_field(s: Option<&str>) -> String {
    match s {
        None => String::new(),
        Some("") => "\"\"".to_string(),
        Some(s) if s.contains([',', '"', '\r', '\n']) => {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        Some(s) => s.to_string(),
    }
}

/// TSV escaping: `\` → `\\`, tab → `\t`, LF → `\n`, CR → `\r`; null → `\N`.
fn tsv_field(s: Option<&str>) -> String {
    let Some(s) = s else {
        return "\\N".to_string();
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown cell escaping: `\` and `|` backslash-escaped, `&` `<` `>` as
/// entities (no raw HTML gets through), line breaks as `<br>`, tab → space,
/// other control characters dropped.
fn md_field(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("<br>");
                }
            }
            '\n' => out.push_str("<br>"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn write_rows(
    graph: &Graph,
    result: &QueryResult,
    sep: &str,
    field: fn(Option<&str>) -> String,
    out: &mut dyn Write,
) -> io::Result<()> {
    let header: Vec<String> = result.columns.iter().map(|c| field(Some(c))).collect();
    writeln!(out, "{}", header.join(sep))?;
    for r in &result.rows {
        let fields: Vec<String> = (0..result.columns.len())
            .map(|i| field(cell(graph, r.get(i).unwrap_or(&Value::Null)).as_deref()))
            .collect();
        writeln!(out, "{}", fields.join(sep))?;
    }
    Ok(())
}

/// Writes `result` as CSV (header row, LF line ends).
pub(crate) fn write_csv(
    graph: &Graph,
    result: &QueryResult,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_rows(graph, result, ",", csv_field, out)
}

/// Writes `result` as TSV (header row, escapes instead of quoting).
pub(crate) fn write_tsv(
    graph: &Graph,
    result: &QueryResult,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_rows(graph, result, "\t", tsv_field, out)
}

/// Writes `result` as a GitHub-flavoured Markdown pipe table; numeric
/// columns are right-aligned.
pub(crate) fn write_markdown(
    graph: &Graph,
    result: &QueryResult,
    out: &mut dyn Write,
) -> io::Result<()> {
    if result.columns.is_empty() {
        return Ok(());
    }
    let cells = |vals: Vec<String>| format!("| {} |", vals.join(" | "));
    writeln!(
        out,
        "{}",
        cells(result.columns.iter().map(|c| md_field(c)).collect())
    )?;
    let rules = (0..result.columns.len())
        .map(|i| {
            let mut values = result
                .rows
                .iter()
                .filter_map(|r| r.get(i))
                .filter(|v| !v.is_null());
            let first = values.next();
            let numeric = first.is_some()
                && first
                    .into_iter()
                    .chain(values)
                    .all(|v| matches!(v, Value::Int(_) | Value::Float(_)));
            if numeric { "---:" } else { "---" }.to_string()
        })
        .collect();
    writeln!(out, "{}", cells(rules))?;
    for r in &result.rows {
        let vals = (0..result.columns.len())
            .map(|i| match r.get(i).unwrap_or(&Value::Null) {
                Value::Null => "NULL".to_string(),
                v => md_field(&render_top(graph, v)),
            })
            .collect();
        writeln!(out, "{}", cells(vals))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field(Some("plain")), "plain");
        assert_eq!(csv_field(Some("a,b")), "\"a,b\"");
        assert_eq!(csv_field(Some("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field(Some("two\nlines")), "\"two\nlines\"");
        assert_eq!(csv_field(Some("cr\r")), "\"cr\r\"");
        assert_eq!(csv_field(Some("")), "\"\"");
        assert_eq!(csv_field(None), "");
    }

    #[test]
    fn tsv_escaping() {
        assert_eq!(tsv_field(Some("a\tb\nc\\d\r")), "a\\tb\\nc\\\\d\\r");
        assert_eq!(tsv_field(None), "\\N");
        assert_eq!(tsv_field(Some("\\N")), "\\\\N");
    }

    #[test]
    fn markdown_escaping() {
        assert_eq!(md_field("a|b"), "a\\|b");
        assert_eq!(md_field("a\\|b"), "a\\\\\\|b");
        assert_eq!(md_field("x\r\ny\nz\u{1b}"), "x<br>y<br>z");
        assert_eq!(md_field("<b>&"), "&lt;b&gt;&amp;");
    }
}
