//! How wide text is on a terminal, and how wide the terminal is.
//!
//! [`display_width`] counts the cells a terminal draws, which is not always
//! what `unicode-width` says: it counts an Arabic lam-alef pair (لا, لإ, لأ,
//! لآ) as one cell because fonts draw it as one ligature, but tmux, xterm,
//! VTE and most other terminals give each letter its own cell. Arabic text
//! is therefore measured letter by letter; everything else (CJK, emoji
//! sequences, combining marks) as `unicode-width` measures whole strings.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// True for the Arabic blocks whose letters a terminal draws one per cell.
fn is_arabic(c: char) -> bool {
    matches!(c as u32,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// The number of terminal cells `s` takes (see the module docs).
pub fn display_width(s: &str) -> usize {
    if !s.chars().any(is_arabic) {
        return s.width();
    }
    let mut total = 0;
    let mut run_start = 0;
    for (i, c) in s.char_indices() {
        if is_arabic(c) {
            total += s[run_start..i].width();
            total += c.width().unwrap_or(0);
            run_start = i + c.len_utf8();
        }
    }
    total + s[run_start..].width()
}

/// Cuts `s` to at most `max` terminal cells, ending in `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if display_width(s) <= max {
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
    // sequence-aware width agrees with the budget.
    while out.ends_with('\u{200D}') || display_width(&out) > budget {
        if out.pop().is_none() {
            break;
        }
    }
    out.push('…');
    out
}

/// Wraps every line of `text` wider than `width` cells at spaces. A
/// wrapped line goes on under its own text: under the column after its
/// last gap of two spaces when that is in the left half (a description
/// beside a name, as `:help` lists commands), else under its first word.
/// A word wider than the space left stays whole on its own line.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        if width == 0 || display_width(line) <= width {
            out.push_str(line);
            continue;
        }
        let lead = line.len() - line.trim_start_matches(' ').len();
        let hang = line[lead..]
            .rfind("  ")
            .map(|i| lead + i + 2)
            .filter(|&i| {
                let w = display_width(&line[..i]);
                w < width / 2 && line[i..].starts_with(|c: char| c != ' ')
            })
            .map_or(lead, |i| display_width(&line[..i]));
        let indent = " ".repeat(hang);
        let mut current = String::new();
        let mut used = 0;
        for (i, word) in line[lead..].split(' ').enumerate() {
            let w = display_width(word);
            if i == 0 {
                current.push_str(&line[..lead]);
                current.push_str(word);
                used = display_width(&current);
                continue;
            }
            if used + 1 + w > width && used > hang {
                out.push_str(current.trim_end());
                out.push('\n');
                current = indent.clone();
                used = hang;
                if word.is_empty() {
                    continue;
                }
            } else {
                current.push(' ');
                used += 1;
            }
            current.push_str(word);
            used += w;
        }
        out.push_str(current.trim_end());
    }
    out
}

/// The width of the terminal on standard output in columns, or `None` when
/// standard output is not a terminal (then `$COLUMNS`, when set, is used).
pub fn terminal_width() -> Option<usize> {
    from_tty().or_else(|| {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
    })
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn from_tty() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills a plain C struct for a descriptor; a
    // descriptor that is not a terminal makes it fail, which is checked.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some(usize::from(ws.ws_col))
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn from_tty() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lam_alef_takes_two_cells() {
        for s in ["لا", "لإ", "لأ", "لآ", "لَا"] {
            assert_eq!(display_width(s), 2, "{s}");
        }
        assert_eq!(display_width("الأمم المتحدة"), 13);
        assert_eq!(display_width("Maroc لا 中"), 11);
    }

    #[test]
    fn wrapping_breaks_at_spaces_under_the_text() {
        let help = "  :sources  the citations behind the last result, with the sentences";
        let wrapped = wrap(help, 40);
        for l in wrapped.lines() {
            assert!(display_width(l) <= 40, "{l:?} in\n{wrapped}");
        }
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 1, "{wrapped}");
        assert!(lines[0].starts_with("  :sources  the"), "{wrapped}");
        assert!(
            lines[1].starts_with("            ") && !lines[1].starts_with("             "),
            "{wrapped}"
        );
        // The words are all there, in order.
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(words(&wrapped), words(help));
        // Short lines and widths of 0 are left alone.
        assert_eq!(wrap("a b\nc", 80), "a b\nc");
        assert_eq!(wrap(help, 0), help);
        // A sentence under an indent stays under it.
        let s = format!("        {}", "word ".repeat(30));
        for l in wrap(&s, 50).lines() {
            assert!(l.starts_with("        ") && display_width(l) <= 50, "{l:?}");
        }
    }

    #[test]
    fn other_scripts_keep_unicode_width() {
        assert_eq!(display_width("中文"), 4);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(display_width("👩\u{200D}👩\u{200D}👧"), 2);
        assert_eq!(display_width("abc"), 3);
    }

    #[test]
    fn truncation_respects_display_width() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("中文中文", 5), "中文…");
        assert_eq!(truncate("中文中文", 4), "中…");
        assert_eq!(truncate("abc", 1), "…");
        for (s, max) in [
            ("é́é́é́", 2),
            ("👩‍👩‍👧 family", 3),
            ("المغرب العربي", 6),
            ("لالالالا", 5),
        ] {
            let t = truncate(s, max);
            assert!(display_width(&t) <= max, "{t:?} is wider than {max}");
            assert!(t.ends_with('…'));
        }
    }
}
