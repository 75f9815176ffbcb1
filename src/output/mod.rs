//! Stage 5: formatters. Rows of [`crate::value::Value`]s (with the graph they
//! refer to) → table, JSON, JSON lines, CSV, TSV, Markdown, or Graphviz DOT.
