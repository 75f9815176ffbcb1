//! The boxed table ("duckbox" style): header, a row of column types,
//! box-drawing borders, alignment by display width, head+tail truncation.

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::engine::QueryResult;
use crate::store::Graph;
use crate::value::Value;

use super::text::{escape_controls, render_top, ValueType};
use super::TableOptions;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";
/// LEFT-TO-RIGHT MARK: keeps a bidi-aware terminal from reordering cells.
const LRM: char = '\u{200E}';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
    Center,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Bold,
    Dim,
}

struct Cell {
    text: String,
    width: usize,
    align: Align,
    style: Style,
}

impl Cell {
    fn new(text: &str, max_width: usize, align: Align, style: Style) -> Cell {
        let text = escape_controls(text);
        let text = if max_width > 0 {
            truncate(&text, max_width)
        } else {
            text
        };
        Cell {
            width: text.width(),
            text,
            align,
            style,
        }
    }
}

/// Cuts `s` to at most `max` columns of display width, ending in `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let budget = max - 1;
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    // Never end on a joiner (half an emoji sequence), and make sure the
    // sequence-aware string width agrees with the budget.
    while out.ends_with('\u{200D}') || out.width() > budget {
        if out.pop().is_none() {
            break;
        }
    }
    out.push('…');
    out
}

/// True for characters of right-to-left scripts (Hebrew, Arabic, Syriac, ...).
fn is_rtl(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
}

fn styled(style: Style, color: bool) -> (&'static str, &'static str) {
    match (style, color) {
        (Style::Bold, true) => (BOLD, RESET),
        (Style::Dim, true) => (DIM, RESET),
        _ => ("", ""),
    }
}

fn line(
    out: &mut dyn Write,
    widths: &[usize],
    left: &str,
    mid: &str,
    right: &str,
) -> io::Result<()> {
    let mut s = String::from(left);
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            s.push_str(mid);
        }
        s.push_str(&"─".repeat(w + 2));
    }
    s.push_str(right);
    writeln!(out, "{s}")
}

fn row(out: &mut dyn Write, widths: &[usize], cells: &[Cell], color: bool) -> io::Result<()> {
    let mut s = String::from("│");
    for (cell, w) in cells.iter().zip(widths) {
        let pad = w.saturating_sub(cell.width);
        let (before, after) = match cell.align {
            Align::Left => (0, pad),
            Align::Right => (pad, 0),
            Align::Center => (pad / 2, pad - pad / 2),
        };
        let (on, off) = styled(cell.style, color);
        s.push(' ');
        s.push_str(&" ".repeat(before));
        s.push_str(on);
        // Wrap right-to-left text in LRMs (zero width) so a bidi-aware
        // terminal keeps it inside its cell.
        let rtl = cell.text.chars().any(is_rtl);
        if rtl {
            s.push(LRM);
        }
        s.push_str(&cell.text);
        if rtl {
            s.push(LRM);
        }
        s.push_str(off);
        s.push_str(&" ".repeat(after));
        s.push_str(" │");
    }
    writeln!(out, "{s}")
}

/// "1 row", "12 rows", "100 rows (40 shown)".
fn footer(total: usize, shown: usize) -> String {
    let noun = if total == 1 { "row" } else { "rows" };
    if shown < total {
        format!("{total} {noun} ({shown} shown)")
    } else {
        format!("{total} {noun}")
    }
}

/// Writes `result` as a boxed table.
pub(crate) fn write_table(
    graph: &Graph,
    result: &QueryResult,
    opts: &TableOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let total = result.rows.len();
    let ncols = result.columns.len();
    let truncated = opts.max_rows > 0 && total > opts.max_rows;
    let (head, tail) = if truncated {
        (opts.max_rows.div_ceil(2), opts.max_rows / 2)
    } else {
        (total, 0)
    };
    let shown = head + tail;
    if ncols == 0 {
        return writeln!(out, "{}", footer(total, shown.min(total)));
    }

    // Column types over every row, not only the shown ones.
    let mut types = vec![ValueType::Nothing; ncols];
    for r in &result.rows {
        for (t, v) in types.iter_mut().zip(r) {
            *t = std::mem::replace(t, ValueType::Nothing).merge(ValueType::of(v));
        }
    }
    let numeric: Vec<bool> = types.iter().map(ValueType::is_numeric).collect();

    let header: Vec<Cell> = result
        .columns
        .iter()
        .map(|c| Cell::new(c, opts.max_width, Align::Center, Style::Bold))
        .collect();
    let type_row: Vec<Cell> = types
        .iter()
        .map(|t| {
            // No rows: nothing is known about the column.
            let name = if *t == ValueType::Nothing {
                ValueType::Any.to_string()
            } else {
                t.to_string()
            };
            Cell::new(&name, opts.max_width, Align::Center, Style::Dim)
        })
        .collect();

    let make_row = |r: &[Value]| -> Vec<Cell> {
        (0..ncols)
            .map(|i| {
                let v = r.get(i).unwrap_or(&Value::Null);
                let right = numeric[i] || matches!(v, Value::Int(_) | Value::Float(_));
                let align = if right { Align::Right } else { Align::Left };
                match v {
                    Value::Null => Cell::new("NULL", opts.max_width, align, Style::Dim),
                    v => Cell::new(&render_top(graph, v), opts.max_width, align, Style::Plain),
                }
            })
            .collect()
    };
    let mut body: Vec<Vec<Cell>> = Vec::with_capacity(shown + 1);
    for r in result.rows.iter().take(head) {
        body.push(make_row(r));
    }
    if truncated {
        body.push(
            (0..ncols)
                .map(|_| Cell::new("…", 0, Align::Center, Style::Dim))
                .collect(),
        );
        for r in result.rows.iter().skip(total - tail) {
            body.push(make_row(r));
        }
    }

    let mut widths = vec![1usize; ncols];
    for cells in std::iter::once(&header)
        .chain(std::iter::once(&type_row))
        .chain(body.iter())
    {
        for (w, c) in widths.iter_mut().zip(cells) {
            *w = (*w).max(c.width);
        }
    }

    line(out, &widths, "┌", "┬", "┐")?;
    row(out, &widths, &header, opts.color)?;
    row(out, &widths, &type_row, opts.color)?;
    line(out, &widths, "├", "┼", "┤")?;
    for cells in &body {
        row(out, &widths, cells, opts.color)?;
    }
    line(out, &widths, "└", "┴", "┘")?;
    writeln!(out, "{}", footer(total, shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_display_width() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("中文中文", 5), "中文…");
        assert_eq!(truncate("中文中文", 4), "中…");
        assert_eq!(truncate("abc", 1), "…");
        for (s, max) in [("é́é́é́", 2), ("👩‍👩‍👧 family", 3), ("المغرب العربي", 6)]
        {
            let t = truncate(s, max);
            assert!(t.width() <= max, "{t:?} is wider than {max}");
            assert!(t.ends_with('…'));
        }
    }

    #[test]
    fn footers() {
        assert_eq!(footer(1, 1), "1 row");
        assert_eq!(footer(0, 0), "0 rows");
        assert_eq!(footer(100, 40), "100 rows (40 shown)");
    }

    #[test]
    fn rtl_detection() {
        assert!("المغرب".chars().any(is_rtl));
        assert!("שלום".chars().any(is_rtl));
        assert!(!"Maroc é 中".chars().any(is_rtl));
    }
}
