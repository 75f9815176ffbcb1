//! Alias normalization: the key under which a name is found in the alias index.
//!
//! `Maroc`, `MAROC`, `maroc`, `Morocco` and `المغرب` are different strings; the
//! first three normalize to the same key. Normalization is:
//! NFKC, then canonical decomposition with every combining mark removed (Latin
//! diacritics and Arabic tashkeel alike), case folding, Arabic letter
//! unification (alef forms to bare alef, alef maqsura to ya, ta marbuta to ha,
//! tatweel removed), and every run of punctuation or white space collapsed to
//! one space.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Returns the normalized form of `text` used as an alias-index key.
pub fn normalize(text: &str) -> String {
    if text.is_ascii() {
        return normalize_ascii(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkc().collect::<String>().nfd() {
        if is_combining_mark(c) || c == '\u{0640}' {
            continue; // diacritics, tashkeel, tatweel
        }
        let c = match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            c => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            for lower in c.to_lowercase() {
                out.push(lower);
            }
        } else {
            pending_space = true;
        }
    }
    // Folding may produce combining marks again (e.g. 'İ' -> 'i̇'): drop them.
    out.chars().filter(|c| !is_combining_mark(*c)).collect()
}

/// [`normalize`] for ASCII text: no decomposition or letter folding needed.
fn normalize_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(b.to_ascii_lowercase() as char);
        } else {
            pending_space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn latin_case_and_accents() {
        assert_eq!(normalize("Maroc"), "maroc");
        assert_eq!(normalize("MAROC"), "maroc");
        assert_eq!(normalize("Union Européenne"), "union europeenne");
        assert_eq!(normalize("  Pays-Bas "), "pays bas");
        assert_eq!(normalize("l’Union"), "l union");
        assert_eq!(
            normalize("Office of Counter-Terrorism (UNOCT)"),
            "office of counter terrorism unoct"
        );
    }

    #[test]
    fn arabic_forms_unify() {
        // Tashkeel and tatweel vanish; alef forms unify.
        assert_eq!(normalize("المَغْرِب"), normalize("المغرب"));
        assert_eq!(normalize("المغـــرب"), normalize("المغرب"));
        assert_eq!(normalize("إسماعيل"), normalize("اسماعيل"));
        assert_eq!(normalize("أمن"), normalize("امن"));
        assert_eq!(normalize("آمن"), normalize("امن"));
        assert_eq!(normalize("ٱلله"), normalize("الله"));
        // Alef maqsura and ya; ta marbuta and ha.
        assert_eq!(normalize("مصطفى"), normalize("مصطفي"));
        assert_eq!(normalize("هداية"), normalize("هدايه"));
    }

    #[test]
    fn nfkc_compatibility_forms() {
        assert_eq!(normalize("ＧＣＴＦ"), "gctf");
        assert_eq!(normalize("ﬁn"), "fin");
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_general_path() {
        for s in [
            "Pays-Bas",
            "  GCTF  ",
            "U.S.A.",
            "a--b__c",
            "",
            "Morocco (2016)",
        ] {
            let general: String = {
                // Force the general path by appending a non-ASCII space and trimming it away.
                let n = normalize(&format!("{s}\u{00A0}"));
                n.trim_end().to_string()
            };
            assert_eq!(normalize(s), general, "{s}");
        }
    }

    #[test]
    fn punctuation_only_is_empty() {
        assert_eq!(normalize(" -–«»() "), "");
    }
}
