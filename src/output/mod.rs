//! Stage 5: formatters. Rows of [`crate::value::Value`]s (with the graph they
//! refer to) → table, JSON, JSON lines, CSV, TSV, Markdown, or Graphviz DOT.
//!
//! Formatters do not run queries: they take the [`Graph`] the values refer
//! to and a [`QueryResult`] (column names and rows).
//!
//! ```
//! use kg::output::{write, Format, TableOptions};
//! use kg::{Graph, QueryResult, Value};
//!
//! let result = QueryResult {
//!     columns: vec!["name".into(), "members".into()],
//!     rows: vec![vec![Value::from("GCTF"), Value::Int(30)]],
//!     ..QueryResult::default()
//! };
//! let format: Format = "csv".parse().unwrap();
//! let mut out = Vec::new();
//! write(format, &Graph::new(), &result, &TableOptions::default(), &mut out).unwrap();
//! assert_eq!(String::from_utf8(out).unwrap(), "name,members\nGCTF,30\n");
//! ```
//!
//! - [`Format::Table`]: a boxed table with a type row, aligned by display
//!   width, truncated per [`TableOptions`] (for people);
//! - [`Format::Json`] / [`Format::Jsonl`]: typed values, never truncated
//!   (see [`json`] for the shapes of nodes, relationships and paths);
//! - [`Format::Csv`] / [`Format::Tsv`] / [`Format::Markdown`]: see the
//!   functions' docs for quoting rules;
//! - [`dot`]: Graphviz export of the whole graph or of a result's subgraph.
//!
//! Cypher-style text for single values lives in [`text`]; kg's standard
//! streams, and what happens when writing to them fails, in [`sink`].

mod delimited;
pub mod dot;
pub mod json;
pub mod sink;
mod table;
pub mod text;
pub mod width;

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use crate::engine::QueryResult;
use crate::store::Graph;

/// An output format for query results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// A boxed table for people (DuckDB "duckbox" style). Names: `table`, `box`.
    #[default]
    Table,
    /// One JSON array of row objects. Name: `json`.
    Json,
    /// One JSON object per line. Names: `jsonl`, `jsonlines`, `ndjson`.
    Jsonl,
    /// RFC 4180 CSV with a header row. Name: `csv`.
    Csv,
    /// Tab-separated values with backslash escapes. Name: `tsv`.
    Tsv,
    /// A GitHub-flavoured Markdown pipe table. Names: `markdown`, `md`.
    Markdown,
}

impl Format {
    /// Every format, in the order they are listed to users.
    pub const ALL: [Format; 6] = [
        Format::Table,
        Format::Json,
        Format::Jsonl,
        Format::Csv,
        Format::Tsv,
        Format::Markdown,
    ];

    /// The canonical name (`table`, `json`, `jsonl`, `csv`, `tsv`, `markdown`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Markdown => "markdown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown format name; its message lists the valid names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFormatError(pub String);

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        write!(
            f,
            "unknown output format `{}`; valid formats: {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for ParseFormatError {}

impl FromStr for Format {
    type Err = ParseFormatError;

    /// Parses a format name, case-insensitively, accepting the aliases
    /// `box`, `jsonlines`, `ndjson` and `md`.
    fn from_str(s: &str) -> Result<Format, ParseFormatError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" | "box" | "duckbox" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "jsonl" | "jsonlines" | "ndjson" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "markdown" | "md" => Ok(Format::Markdown),
            _ => Err(ParseFormatError(s.to_string())),
        }
    }
}

/// How [`Format::Table`] is drawn. The other formats ignore these options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableOptions {
    /// Use ANSI colour (bold header, dim types and `NULL`). Off by default;
    /// callers turn it on for terminals that want it (and respect `NO_COLOR`).
    pub color: bool,
    /// Show at most this many rows (the first half and the last half, with a
    /// `…` row between); 0 means no limit. Default 40.
    pub max_rows: usize,
    /// Cut cells wider than this many terminal columns, ending them with `…`;
    /// 0 means no limit. Default 60.
    pub max_width: usize,
    /// Fit the whole table into this many terminal columns (narrowing the
    /// widest columns, then hiding middle ones); 0 means no limit. Default 0:
    /// callers set it to the terminal's width (see [`width::terminal_width`]).
    pub width: usize,
}

impl Default for TableOptions {
    fn default() -> TableOptions {
        TableOptions {
            color: false,
            max_rows: 40,
            max_width: 60,
            width: 0,
        }
    }
}

/// Writes `result` (whose nodes and relationships refer to `graph`) in
/// `format` to `out`. Only I/O errors can fail it.
pub fn write(
    format: Format,
    graph: &Graph,
    result: &QueryResult,
    opts: &TableOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write_table(graph, result, opts, out),
        Format::Json => {
            if result.rows.is_empty() {
                return writeln!(out, "[]");
            }
            writeln!(out, "[")?;
            let last = result.rows.len() - 1;
            for (i, r) in result.rows.iter().enumerate() {
                let sep = if i < last { "," } else { "" };
                writeln!(
                    out,
                    "  {}{sep}",
                    json::row_to_json(graph, &result.columns, r)
                )?;
            }
            writeln!(out, "]")
        }
        Format::Jsonl => {
            for r in &result.rows {
                writeln!(out, "{}", json::row_to_json(graph, &result.columns, r))?;
            }
            Ok(())
        }
        Format::Csv => delimited::write_csv(graph, result, out),
        Format::Tsv => delimited::write_tsv(graph, result, out),
        Format::Markdown => delimited::write_markdown(graph, result, out),
    }
}

/// [`write`] into a `String` (for tests and the REPL's `:last`).
pub fn to_string(
    format: Format,
    graph: &Graph,
    result: &QueryResult,
    opts: &TableOptions,
) -> String {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write(format, graph, result, opts, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string().to_uppercase().parse::<Format>(), Ok(f));
        }
        assert_eq!("box".parse::<Format>(), Ok(Format::Table));
        assert_eq!("ndjson".parse::<Format>(), Ok(Format::Jsonl));
        assert_eq!("md".parse::<Format>(), Ok(Format::Markdown));
    }

    #[test]
    fn unknown_format_lists_valid_names() {
        let err = "xml".parse::<Format>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown output format `xml`; valid formats: table, json, jsonl, csv, tsv, markdown"
        );
    }
}
