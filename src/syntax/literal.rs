//! Number and string literals: range checks and escape decoding, with the
//! openCypher TCK's error codes (`IntegerOverflow`, `FloatingPointOverflow`,
//! `InvalidNumberLiteral`, `InvalidUnicodeLiteral`).

use crate::error::{Error, Result, Span};

/// The base an integer literal is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Radix {
    /// `123`
    Decimal,
    /// `0x7B`
    Hex,
    /// `0o173`
    Octal,
}

/// The value of an integer literal written as `digits` (without the `0x`/`0o`
/// prefix) in `radix`, negated when `negative`. `span` covers the literal
/// including its sign.
pub(crate) fn integer(digits: &str, radix: Radix, negative: bool, span: Span) -> Result<i64> {
    if radix == Radix::Decimal && digits.len() > 1 && digits.starts_with('0') {
        return Err(Error::syntax(
            "InvalidNumberLiteral",
            format!("invalid number `{digits}`: a decimal integer cannot start with 0"),
            span,
        )
        .with_help({
            let trimmed = match digits.trim_start_matches('0') {
                "" => "0",
                t => t,
            };
            format!("write `{trimmed}`, or `0o{trimmed}` for an octal number")
        }));
    }
    let base = match radix {
        Radix::Decimal => 10,
        Radix::Hex => 16,
        Radix::Octal => 8,
    };
    let overflow = || {
        Error::syntax(
            "IntegerOverflow",
            "integer literal is out of range: integers are 64-bit, from -9223372036854775808 to 9223372036854775807",
            span,
        )
    };
    let magnitude = u64::from_str_radix(digits, base).map_err(|_| overflow())?;
    if negative {
        if magnitude > 1u64 << 63 {
            return Err(overflow());
        }
        Ok((magnitude as i128).wrapping_neg() as i64)
    } else {
        i64::try_from(magnitude).map_err(|_| overflow())
    }
}

/// The value of a float literal `text` (digits, `.`, exponent), negated when
/// `negative`.
pub(crate) fn float(text: &str, negative: bool, span: Span) -> Result<f64> {
    let value: f64 = text.parse().map_err(|_| {
        Error::syntax(
            "InvalidNumberLiteral",
            format!("invalid number `{text}`"),
            span,
        )
    })?;
    if value.is_infinite() {
        return Err(Error::syntax(
            "FloatingPointOverflow",
            "float literal is out of range: floats are 64-bit, at most about 1.8e308",
            span,
        ));
    }
    Ok(if negative { -value } else { value })
}

/// Decodes the escapes in the body of a string literal. `start` is the byte
/// offset of `body` in the query, for error positions.
pub(crate) fn string(body: &str, start: usize) -> Result<String> {
    if !body.contains('\\') {
        return Ok(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err(Error::syntax(
                "UnexpectedSyntax",
                "a string cannot end with a lone `\\`",
                Span::new(start + i, start + i + 1),
            ));
        };
        match e {
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'b' | 'B' => out.push('\u{8}'),
            'f' | 'F' => out.push('\u{c}'),
            'n' | 'N' => out.push('\n'),
            'r' | 'R' => out.push('\r'),
            't' | 'T' => out.push('\t'),
            'u' | 'U' => {
                let want = if e == 'u' { 4 } else { 8 };
                let mut hex = String::new();
                while hex.len() < want {
                    match chars.peek() {
                        Some(&(_, h)) if h.is_ascii_hexdigit() => {
                            hex.push(h);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                let end = start + i + 2 + hex.len();
                let bad = |msg: String| {
                    Error::syntax("InvalidUnicodeLiteral", msg, Span::new(start + i, end)).with_help(
                        "write `\\u` followed by 4 hex digits (`\\u00e9`) or `\\U` followed by 8 (`\\U0001F600`)",
                    )
                };
                if hex.len() < want {
                    return Err(bad(format!(
                        "invalid unicode escape `\\{e}{hex}`: expected {want} hex digits"
                    )));
                }
                let code = u32::from_str_radix(&hex, 16)
                    .map_err(|_| bad(format!("invalid unicode escape `\\{e}{hex}`")))?;
                let ch = char::from_u32(code).ok_or_else(|| {
                    bad(format!(
                        "invalid unicode escape `\\{e}{hex}`: U+{code:X} is not a character"
                    ))
                })?;
                out.push(ch);
            }
            other => {
                return Err(Error::syntax(
                    "UnexpectedSyntax",
                    format!("unknown escape sequence `\\{other}` in a string"),
                    Span::new(start + i, start + i + 1 + other.len_utf8()),
                )
                .with_help("write `\\\\` for a backslash"));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp() -> Span {
        Span::new(0, 1)
    }

    #[test]
    fn integer_bounds() {
        assert_eq!(
            integer("9223372036854775807", Radix::Decimal, false, sp()).ok(),
            Some(i64::MAX)
        );
        assert_eq!(
            integer("9223372036854775808", Radix::Decimal, true, sp()).ok(),
            Some(i64::MIN)
        );
        let e = integer("9223372036854775808", Radix::Decimal, false, sp()).unwrap_err();
        assert_eq!(e.code, "IntegerOverflow");
        let e = integer("9223372036854775809", Radix::Decimal, true, sp()).unwrap_err();
        assert_eq!(e.code, "IntegerOverflow");
        assert_eq!(
            integer("8000000000000000", Radix::Hex, true, sp()).ok(),
            Some(i64::MIN)
        );
        assert_eq!(integer("777", Radix::Octal, false, sp()).ok(), Some(511));
        let e = integer("0123", Radix::Decimal, false, sp()).unwrap_err();
        assert_eq!(e.code, "InvalidNumberLiteral");
        assert_eq!(integer("0", Radix::Decimal, true, sp()).ok(), Some(0));
    }

    #[test]
    fn floats() {
        assert_eq!(float(".5", true, sp()).ok(), Some(-0.5));
        assert_eq!(float("1e308", false, sp()).ok(), Some(1e308));
        assert_eq!(
            float("1.34E999", false, sp()).unwrap_err().code,
            "FloatingPointOverflow"
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(
            string(r#"a\\b\'c\"d\ne\tf\u00e9\U0001F600"#, 0)
                .ok()
                .as_deref(),
            Some("a\\b'c\"d\ne\tfé😀")
        );
        assert_eq!(string(r"\uH", 0).unwrap_err().code, "InvalidUnicodeLiteral");
        assert_eq!(
            string(r"\uD800", 0).unwrap_err().code,
            "InvalidUnicodeLiteral"
        );
        assert_eq!(string(r"\q", 0).unwrap_err().code, "UnexpectedSyntax");
    }
}
