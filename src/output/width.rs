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
