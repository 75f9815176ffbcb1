//! Query parameters written as JSON (`--params FILE.json`, the `params` of a
//! `kg batch` request): JSON values as kg values, refusing integers that do
//! not fit in 64 bits instead of quietly turning them into floats.
//!
//! serde_json keeps an integer above `i64::MAX` as a `u64` and one beyond
//! `u64` as an `f64`, so the [`serde_json::Value`] alone cannot tell
//! `1e20` (a float, fine) from `100000000000000000000` (an integer that
//! would lose its value). [`find_overflow`] therefore reads the JSON text:
//! a number written without `.`, `e` or `E` is an integer and must fit in
//! an `i64`.

use std::fmt;
use std::path::Path;

use crate::eval::Params;
use crate::value::Value;

/// One step of the way to a value inside a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object member.
    Key(String),
    /// An array element (from 0).
    Index(usize),
}

/// An integer in JSON text that does not fit in a 64-bit signed integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    /// Where it is: the object keys and array indexes leading to it.
    pub path: Vec<Step>,
    /// The number as written.
    pub literal: String,
}

impl Overflow {
    /// The path from the `skip`-th step on, as `name.inner[2]`.
    pub fn path_from(&self, skip: usize) -> String {
        let mut s = String::new();
        for step in self.path.iter().skip(skip) {
            match step {
                Step::Key(k) if s.is_empty() => s.push_str(k),
                Step::Key(k) => {
                    s.push('.');
                    s.push_str(k);
                }
                Step::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }

    /// What is wrong, without where: `the integer N is outside ...`.
    pub fn problem(&self) -> String {
        let shown = if self.literal.len() > 40 {
            format!(
                "{}... ({} digits)",
                &self.literal[..40],
                self.literal.trim_start_matches('-').len()
            )
        } else {
            self.literal.clone()
        };
        format!(
            "the integer {shown} is outside the 64-bit range ({} to {}); write it as a \
             float (with a `.0`) or as a string to keep it",
            i64::MIN,
            i64::MAX
        )
    }
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at `{}`: {}", self.path_from(0), self.problem())
    }
}

/// How deep [`find_overflow`] follows nested arrays and objects (serde_json
/// refuses more than 128 levels, so valid documents are never cut short).
const MAX_DEPTH: usize = 512;

/// The first integer in the JSON text `text` that does not fit in an
/// `i64`, if any. Meant for text serde_json has accepted; on anything else
/// it stops early, never panics.
pub fn find_overflow(text: &str) -> Option<Overflow> {
    find_overflow_where(text, &|_| true)
}

/// The first integer too big for an `i64` in `text` for which `wanted`
/// holds (e.g. one under a given key), skipping the others.
pub fn find_overflow_where(text: &str, wanted: &dyn Fn(&Overflow) -> bool) -> Option<Overflow> {
    let mut scan = Scanner {
        bytes: text.as_bytes(),
        pos: 0,
        path: Vec::new(),
        wanted,
    };
    scan.value(0).err()
}

/// A cursor over JSON text, with the path to the value it is in.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: Vec<Step>,
    wanted: &'a dyn Fn(&Overflow) -> bool,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Reads one value; every call consumes at least one byte unless the
    /// text has ended, so the loops below always make progress.
    fn value(&mut self, depth: usize) -> Result<(), Overflow> {
        self.skip_space();
        if depth > MAX_DEPTH {
            self.pos = self.bytes.len();
            return Ok(());
        }
        match self.peek() {
            None => Ok(()),
            Some(b'{') => {
                self.pos += 1;
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'"') => {
                            let key = self.string();
                            self.skip_space();
                            if self.peek() == Some(b':') {
                                self.pos += 1;
                            }
                            self.path.push(Step::Key(key));
                            self.value(depth + 1)?;
                            self.path.pop();
                        }
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Ok(()),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut index = 0;
                loop {
                    self.skip_space();
                    match self.peek() {
                        None => return Ok(()),
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        Some(b',') => {
                            self.pos += 1;
                            index += 1;
                        }
                        Some(_) => {
                            self.path.push(Step::Index(index));
                            self.value(depth + 1)?;
                            self.path.pop();
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string();
                Ok(())
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                while matches!(
                    self.peek(),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.pos += 1;
                }
                let token = String::from_utf8_lossy(&self.bytes[start..self.pos]);
                let integer = !token.contains(['.', 'e', 'E']);
                let too_big = token.parse::<i64>().is_err_and(|e| {
                    matches!(
                        e.kind(),
                        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                    )
                });
                if integer && too_big {
                    let found = Overflow {
                        path: self.path.clone(),
                        literal: token.into_owned(),
                    };
                    if (self.wanted)(&found) {
                        return Err(found);
                    }
                }
                Ok(())
            }
            Some(_) => {
                // true, false, null (or anything else: skip a byte).
                self.pos += 1;
                while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
                    self.pos += 1;
                }
                Ok(())
            }
        }
    }

    /// Reads a string (at its opening quote) and returns its text, escapes
    /// decoded when they are valid.
    fn string(&mut self) -> String {
        let start = self.pos;
        self.pos += 1;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => self.pos += 1,
                b'"' => break,
                _ => {}
            }
        }
        let end = self.pos.min(self.bytes.len());
        let raw = &self.bytes[start..end];
        std::str::from_utf8(raw)
            .ok()
            .and_then(|s| serde_json::from_str::<String>(s).ok())
            .unwrap_or_else(|| String::from_utf8_lossy(raw).into_owned())
    }
}

/// A JSON value as a kg value: integers stay integers, other numbers become
/// floats, arrays lists, objects maps (in the parser's order). Check the
/// text with [`find_overflow`] first: an integer beyond `i64` cannot be kept
/// and would come out as a float here.
pub fn to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(items) => Value::List(items.iter().map(to_value).collect()),
        serde_json::Value::Object(m) => {
            Value::Map(m.iter().map(|(k, v)| (k.as_str(), to_value(v))).collect())
        }
    }
}

/// The parameters of the JSON object text `text` (named `name` in messages):
/// each member is one parameter. Integers beyond 64 bits are refused with
/// the parameter's name.
pub fn parse_object(name: &str, text: &str) -> Result<Params, String> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("{name}:{}:{}: not valid JSON: {e}", e.line(), e.column()))?;
    let serde_json::Value::Object(members) = json else {
        return Err(format!(
            "{name}: expected a JSON object of parameters, e.g. {{\"country\": \"Morocco\"}}"
        ));
    };
    if let Some(o) = find_overflow(text) {
        return Err(format!("{name}: {}", describe_parameter(&o, 0)));
    }
    Ok(members
        .iter()
        .map(|(k, v)| (k.clone(), to_value(v)))
        .collect())
}

/// An overflow inside a parameter whose name is the `at`-th step of its
/// path: `parameter `x` (at x.list[2]): the integer ...`.
pub fn describe_parameter(o: &Overflow, at: usize) -> String {
    let name = match o.path.get(at) {
        Some(Step::Key(k)) => k.clone(),
        _ => String::new(),
    };
    let inner = o.path_from(at);
    if inner == name {
        format!("parameter `{name}`: {}", o.problem())
    } else {
        format!("parameter `{name}` (at {inner}): {}", o.problem())
    }
}

/// Reads `--params FILE.json`: a JSON object whose members are the
/// parameters.
pub fn read_file(path: &Path) -> Result<Params, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("kg: cannot read {}: {e}", path.display()))?;
    parse_object(&path.display().to_string(), &text).map_err(|e| format!("kg: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overflow(text: &str) -> Option<(String, String)> {
        find_overflow(text).map(|o| (o.path_from(0), o.literal))
    }

    #[test]
    fn integers_that_fit_pass_and_floats_are_floats() {
        for text in [
            r#"{"a": 9223372036854775807, "b": -9223372036854775808}"#,
            r#"{"a": 1e20, "b": 100000000000000000000.0, "c": -1E30, "d": 0}"#,
            r#"{"s": "12345678901234567890123", "k\"99999999999999999999": 1}"#,
            r#"[true, false, null, [], {}, "\\", 1.5e-7]"#,
        ] {
            assert_eq!(overflow(text), None, "{text}");
        }
    }

    #[test]
    fn big_integers_are_found_with_their_path() {
        assert_eq!(
            overflow(r#"{"x": 9223372036854775808}"#),
            Some(("x".into(), "9223372036854775808".into()))
        );
        assert_eq!(
            overflow(r#"{"a": 1, "m": {"list": [0, 1, -9223372036854775809]}}"#),
            Some(("m.list[2]".into(), "-9223372036854775809".into()))
        );
        assert_eq!(
            overflow(r#"{"y": [[1], [2, 100000000000000000000000000]]}"#),
            Some(("y[1][1]".into(), "100000000000000000000000000".into()))
        );
        assert_eq!(
            overflow(r#"{"a\"b": 18446744073709551616}"#),
            Some(("a\"b".into(), "18446744073709551616".into()))
        );
    }

    #[test]
    fn malformed_or_deep_text_ends_without_panicking() {
        for text in [
            "",
            "{",
            "[",
            "{\"a\"",
            "{\"a\":",
            "[1,",
            "\"abc",
            "{\"a\" 1}",
            "}}]]",
            "-",
            "\\",
        ] {
            let _ = find_overflow(text);
        }
        let deep = "[".repeat(100_000);
        assert_eq!(find_overflow(&deep), None);
        let deep_big = format!("{}99999999999999999999", "[".repeat(100));
        assert!(find_overflow(&deep_big).is_some());
    }

    #[test]
    fn overflows_can_be_picked_by_place() {
        let text = r#"{"a": 99999999999999999999, "b": [1, 88888888888888888888]}"#;
        let in_b = find_overflow_where(text, &|o| o.path.first() == Some(&Step::Key("b".into())));
        assert_eq!(in_b.map(|o| o.literal), Some("88888888888888888888".into()));
        assert_eq!(find_overflow_where(text, &|_| false), None);
    }

    #[test]
    fn parameters_are_refused_by_name() {
        let e = parse_object("p.json", r#"{"ok": 1, "big": 9223372036854775808}"#).unwrap_err();
        assert!(
            e.starts_with("p.json: parameter `big`: the integer 9223372036854775808"),
            "{e}"
        );
        let e = parse_object("p.json", r#"{"m": {"n": [99999999999999999999]}}"#).unwrap_err();
        assert!(e.contains("parameter `m` (at m.n[0])"), "{e}");
        let p = parse_object("p.json", r#"{"f": 1e20, "i": -5, "l": [1, "x"]}"#).unwrap();
        assert_eq!(p.get("f"), Some(&Value::Float(1e20)));
        assert_eq!(p.get("i"), Some(&Value::Int(-5)));
        assert_eq!(
            p.get("l"),
            Some(&Value::List(vec![Value::Int(1), Value::String("x".into())]))
        );
        assert!(parse_object("p.json", "[1]")
            .unwrap_err()
            .contains("JSON object"));
        assert!(parse_object("p.json", "{")
            .unwrap_err()
            .contains("not valid JSON"));
    }
}
