//! The boxed table ("duckbox" style): header, a row of column types,
//! box-drawing borders, alignment by display width, head+tail truncation.

use std::io::{self, Write};

use crate::engine::QueryResult;
use crate::store::Graph;
use crate::value::Value;

use super::text::{escape_controls, render_top, ValueType};
use super::width::display_width;
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
            width: display_width(&text),
            text,
            align,
            style,
        }
    }
}

use super::width::truncate;

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

/// The row footer, plus "12 columns (5 shown)" when columns were hidden.
fn full_footer(total: usize, shown: usize, columns: usize, kept: usize) -> String {
    let rows = footer(total, shown);
    if kept < columns {
        format!("{rows}, {columns} columns ({kept} shown)")
    } else {
        rows
    }
}

/// Columns are not shrunk below this many cells (or their own width) before
/// columns start to be hidden.
const MIN_COLUMN: usize = 8;

/// Which columns a table shows, and how wide each is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    /// The shown columns, in order, with their widths.
    columns: Vec<(usize, usize)>,
    /// Where the `…` column stands for the hidden ones (an index into
    /// `columns`: it comes before that column), if any are hidden.
    gap: Option<usize>,
}

/// The drawn width of a table with these column widths (and a `…` column).
fn drawn_width(widths: impl Iterator<Item = usize>, gap: bool) -> usize {
    1 + widths.map(|w| w + 3).sum::<usize>() + if gap { 4 } else { 0 }
}

/// Fits columns of natural widths `natural` into `limit` cells (0: no
/// limit), as DuckDB's shell does: first the widest columns are narrowed
/// (their cells end in `…`), down to [`MIN_COLUMN`]; when that is not
/// enough, columns are hidden from the middle out and a `…` column stands
/// in for them. At least one column is always shown.
fn fit(natural: &[usize], limit: usize) -> Layout {
    let all: Vec<usize> = (0..natural.len()).collect();
    let full = Layout {
        columns: all.iter().map(|&i| (i, natural[i])).collect(),
        gap: None,
    };
    if limit == 0 || drawn_width(natural.iter().copied(), false) <= limit {
        return full;
    }
    let floor = |i: usize| natural[i].min(MIN_COLUMN);
    let at_floor = |set: &[usize], gap: bool| drawn_width(set.iter().map(|&i| floor(i)), gap);
    // Which columns: all of them if they fit at their floors, else from
    // both ends inwards (first, last, second, second to last, ...).
    let (kept, gap_at) = if at_floor(&all, false) <= limit {
        (all, None)
    } else {
        let n = natural.len();
        let mut left = Vec::new();
        let mut right = Vec::new();
        for k in 0..n {
            let i = if k % 2 == 0 { k / 2 } else { n - 1 - k / 2 };
            let mut trial: Vec<usize> = left.clone();
            if k % 2 == 0 {
                trial.push(i);
            }
            trial.extend(right.iter().rev());
            if k % 2 == 1 {
                trial.push(i);
            }
            if k > 0 && at_floor(&trial, true) > limit {
                break;
            }
            if k % 2 == 0 {
                left.push(i);
            } else {
                right.push(i);
            }
        }
        let gap = left.len();
        let mut kept = left;
        kept.extend(right.iter().rev());
        (kept, Some(gap))
    };
    // How wide: the largest cap on column widths that fits.
    let width_at = |cap: usize, i: usize| natural[i].min(cap.max(floor(i)));
    let widest = kept.iter().map(|&i| natural[i]).max().unwrap_or(1);
    let mut cap = widest;
    while cap > 1 && drawn_width(kept.iter().map(|&i| width_at(cap, i)), gap_at.is_some()) > limit {
        cap -= 1;
    }
    let mut columns: Vec<(usize, usize)> = kept.iter().map(|&i| (i, width_at(cap, i))).collect();
    // A single column wider than the window even at its floor: cut it to fit.
    let over = drawn_width(columns.iter().map(|c| c.1), gap_at.is_some()).saturating_sub(limit);
    if over > 0 {
        if let Some(first) = columns.first_mut() {
            first.1 = first.1.saturating_sub(over).max(1);
        }
    }
    Layout {
        columns,
        gap: gap_at,
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

    let mut natural = vec![1usize; ncols];
    for cells in std::iter::once(&header)
        .chain(std::iter::once(&type_row))
        .chain(body.iter())
    {
        for (w, c) in natural.iter_mut().zip(cells) {
            *w = (*w).max(c.width);
        }
    }
    let layout = fit(&natural, opts.width);
    // The cells of the shown columns, cut to their widths, with the `…`
    // column where columns were hidden.
    let shape = |cells: &[Cell]| -> Vec<Cell> {
        let mut shaped = Vec::with_capacity(layout.columns.len() + 1);
        for (k, &(i, w)) in layout.columns.iter().enumerate() {
            if layout.gap == Some(k) {
                let style = cells.first().map_or(Style::Dim, |c| c.style);
                shaped.push(Cell::new("…", 0, Align::Center, style));
            }
            let c = &cells[i];
            shaped.push(if c.width > w {
                Cell::new(&truncate(&c.text, w), 0, c.align, c.style)
            } else {
                Cell {
                    text: c.text.clone(),
                    width: c.width,
                    align: c.align,
                    style: c.style,
                }
            });
        }
        shaped
    };
    let mut widths: Vec<usize> = Vec::with_capacity(layout.columns.len() + 1);
    for (k, &(_, w)) in layout.columns.iter().enumerate() {
        if layout.gap == Some(k) {
            widths.push(1);
        }
        widths.push(w);
    }

    line(out, &widths, "┌", "┬", "┐")?;
    row(out, &widths, &shape(&header), opts.color)?;
    row(out, &widths, &shape(&type_row), opts.color)?;
    line(out, &widths, "├", "┼", "┤")?;
    for cells in &body {
        row(out, &widths, &shape(cells), opts.color)?;
    }
    line(out, &widths, "└", "┴", "┘")?;
    writeln!(
        out,
        "{}",
        full_footer(total, shown, ncols, layout.columns.len())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footers() {
        assert_eq!(footer(1, 1), "1 row");
        assert_eq!(footer(0, 0), "0 rows");
        assert_eq!(footer(100, 40), "100 rows (40 shown)");
    }

    fn fits(natural: &[usize], limit: usize) -> Layout {
        let l = fit(natural, limit);
        let drawn = drawn_width(l.columns.iter().map(|c| c.1), l.gap.is_some());
        assert!(
            drawn <= limit || limit == 0,
            "{l:?} is {drawn} wide, over {limit}"
        );
        l
    }

    #[test]
    fn a_table_that_fits_is_left_alone() {
        let l = fits(&[5, 10, 20], 80);
        assert_eq!(l.columns, vec![(0, 5), (1, 10), (2, 20)]);
        assert_eq!(l.gap, None);
        assert_eq!(fit(&[500], 0).columns, vec![(0, 500)]);
    }

    #[test]
    fn the_widest_columns_shrink_first() {
        // 1 + (5+3) + (10+3) + (60+3) = 85 > 80: only the widest shrinks.
        let l = fits(&[5, 10, 60], 80);
        assert_eq!(l.columns, vec![(0, 5), (1, 10), (2, 55)]);
        let l = fits(&[40, 40, 40], 80);
        assert!(l.columns.iter().all(|c| c.1 == 23), "{l:?}");
        assert_eq!(l.gap, None);
    }

    #[test]
    fn middle_columns_are_hidden_when_shrinking_is_not_enough() {
        let l = fits(&[30; 12], 80);
        // 1 + 4 (the `…` column) + 6 × (8 + 3) = 71: a seventh would not fit.
        assert_eq!(l.gap, Some(3));
        let shown: Vec<usize> = l.columns.iter().map(|c| c.0).collect();
        assert_eq!(shown, vec![0, 1, 2, 9, 10, 11]);
        // A single enormous column is cut to the window.
        let l = fits(&[300], 40);
        assert_eq!(l.columns, vec![(0, 36)]);
        let l = fits(&[300, 300], 20);
        assert_eq!(l.columns.len(), 1, "{l:?}");
    }

    #[test]
    fn full_footer_counts_hidden_columns() {
        assert_eq!(full_footer(3, 3, 5, 5), "3 rows");
        assert_eq!(full_footer(3, 3, 12, 8), "3 rows, 12 columns (8 shown)");
    }

    #[test]
    fn rtl_detection() {
        assert!("المغرب".chars().any(is_rtl));
        assert!("שלום".chars().any(is_rtl));
        assert!(!"Maroc é 中".chars().any(is_rtl));
    }
}
