//! The sentence splitter that numbers the sentences of an article, so a fact
//! can cite `article#sentence`.
//!
//! The rules (also in `seeds/README.md`):
//!
//! 1. Every line break ends a sentence; blank lines are skipped (a line is a
//!    paragraph in the articles kg reads).
//! 2. Inside a line, a sentence ends after a run of `.`, `!`, `?`, `؟` or `…`,
//!    plus any closing quotes or brackets right after it, when white space
//!    follows.
//! 3. A `.` after a known abbreviation (`M.`, `MM.`, `Mme.`, `Dr.`, `St.`, ...)
//!    or after a single capital letter (an initial, `J. Smith`) ends nothing.
//! 4. Sentences are trimmed; empty ones are skipped; numbering starts at 1 and
//!    runs over the whole article (a repeated passage gets new numbers).

use crate::error::Span;

/// One numbered sentence of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence<'a> {
    /// The 1-based sentence number.
    pub number: u32,
    /// The sentence, trimmed.
    pub text: &'a str,
    /// Where it is in the article.
    pub span: Span,
}

/// Words that a `.` follows without ending the sentence (French and English titles).
const ABBREVIATIONS: &[&str] = &[
    "M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Me", "Mgr", "Dr", "Pr", "Prof", "St", "Ste", "Mr",
    "Mrs", "Ms", "Jr", "Sr", "Gen", "Gén", "Col", "Cdt", "No", "art", "av", "cf", "vol", "p",
];

/// Characters that end a sentence.
fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '؟' | '…')
}

/// Characters that may follow a terminator and still belong to the sentence.
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '}' | '“' | '›'
    )
}

/// Splits `text` into numbered sentences (see the module rules).
pub fn split(text: &str) -> Vec<Sentence<'_>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        split_line(text, line_start, line, &mut out);
        line_start += line.len();
    }
    out
}

fn split_line<'a>(text: &'a str, offset: usize, line: &str, out: &mut Vec<Sentence<'a>>) {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if !is_terminator(c) {
            i += 1;
            continue;
        }
        // The run of terminators and closers.
        let mut j = i;
        while j < chars.len() && is_terminator(chars[j].1) {
            j += 1;
        }
        // French closing guillemets come after a (narrow) space: `oui. »`.
        let mut k = j;
        while k < chars.len() && matches!(chars[k].1, ' ' | '\u{a0}' | '\u{202f}') {
            k += 1;
        }
        if k < chars.len() && chars[k].1 == '»' {
            j = k;
        }
        while j < chars.len() && is_closer(chars[j].1) {
            j += 1;
        }
        let followed_by_space = j >= chars.len() || chars[j].1.is_whitespace();
        let single_period = c == '.' && j == i + 1;
        if followed_by_space && !(single_period && is_abbreviation(&line[start..at])) {
            let end = chars.get(j).map_or(line.len(), |(b, _)| *b);
            push(text, offset + start, offset + end, out);
            start = end;
        }
        i = j.max(i + 1);
    }
    push(text, offset + start, offset + line.len(), out);
}

/// True when the word just before a `.` is an abbreviation or an initial.
fn is_abbreviation(before: &str) -> bool {
    let word_start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[word_start..];
    if word.is_empty() {
        return false;
    }
    let mut cs = word.chars();
    let single_capital = matches!((cs.next(), cs.next()), (Some(c), None) if c.is_uppercase());
    single_capital || ABBREVIATIONS.contains(&word)
}

fn push<'a>(text: &'a str, start: usize, end: usize, out: &mut Vec<Sentence<'a>>) {
    let raw = &text[start..end];
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return;
    }
    let lead = raw.len() - raw.trim_start().len();
    let s = start + lead;
    out.push(Sentence {
        number: out.len() as u32 + 1,
        text: trimmed,
        span: Span::new(s, s + trimmed.len()),
    });
}

#[cfg(test)]
mod tests {
    use super::split;

    fn texts(t: &str) -> Vec<&str> {
        split(t).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn periods_and_lines_end_sentences() {
        assert_eq!(
            texts("One. Two!  Three?\n\nFour\nFive."),
            ["One.", "Two!", "Three?", "Four", "Five."]
        );
    }

    #[test]
    fn abbreviations_and_initials_do_not_end() {
        assert_eq!(
            texts("M. Chekkori a parlé. J. Doe aussi. Il a dit."),
            ["M. Chekkori a parlé.", "J. Doe aussi.", "Il a dit."]
        );
        assert_eq!(texts("Mme. X est là."), ["Mme. X est là."]);
    }

    #[test]
    fn arabic_question_mark_and_closers() {
        assert_eq!(texts("هل هذا؟ نعم."), ["هل هذا؟", "نعم."]);
        assert_eq!(
            texts("Il a dit « oui. » Puis non."),
            ["Il a dit « oui. »", "Puis non."]
        );
    }

    #[test]
    fn no_space_no_break() {
        assert_eq!(
            texts("Version 3.5 est sortie."),
            ["Version 3.5 est sortie."]
        );
        assert_eq!(texts("fin..."), ["fin..."]);
    }

    #[test]
    fn numbers_and_spans_are_consistent() {
        let t = "  A b.  C d.\nE";
        for (i, s) in split(t).iter().enumerate() {
            assert_eq!(s.number as usize, i + 1);
            assert_eq!(&t[s.span.start..s.span.end], s.text);
        }
    }
}
