//! One `kg batch` request line, checked field by field: anything a program
//! (or a hostile peer) might send is either a valid request or a refusal
//! whose message names the field, never a panic.

use std::time::Duration;

use serde_json::Value as Json;

use crate::eval::Params;
use crate::json_params::{self, Overflow, Step};

/// The fields a request may have.
pub const FIELDS: [&str; 5] = ["id", "query", "params", "timeout_ms", "optimize"];

/// The longest `timeout_ms` accepted: 365 days (longer limits are no limit;
/// leave the field out for that).
pub const MAX_TIMEOUT_MS: u64 = 365 * 24 * 60 * 60 * 1000;

/// A checked request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The caller's id, echoed in the answer (`null` when absent).
    pub id: Json,
    /// The statement to run.
    pub query: String,
    /// Its time limit, if any.
    pub timeout: Option<Duration>,
    /// Its `$parameters`.
    pub params: Params,
    /// Run the optimized plan (`"optimize": false`: the plan as built,
    /// without fast paths).
    pub optimize: bool,
}

/// A request that cannot be run, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    /// The id to answer with (`null` when the id itself is the problem).
    pub id: Json,
    /// What is wrong, naming the field.
    pub message: String,
}

/// Checks the request line `line`.
pub fn parse(line: &str) -> Result<Request, Refused> {
    let refuse = |id: &Json, message: String| Refused {
        id: id.clone(),
        message,
    };
    let request: Json = serde_json::from_str(line)
        .map_err(|e| refuse(&Json::Null, format!("the request is not JSON: {e}")))?;
    let Json::Object(fields) = &request else {
        return Err(refuse(
            &Json::Null,
            format!(
                "the request must be a JSON object like {{\"id\": 1, \"query\": \"RETURN 1\"}}, \
                 not {}",
                kind(&request)
            ),
        ));
    };
    // Integers too big for 64 bits, which serde_json turns into floats,
    // are found in the text, under the field they belong to.
    let overflow_in = |field: &str| {
        let key = Step::Key(field.to_string());
        json_params::find_overflow_where(line, &|o| o.path.first() == Some(&key))
    };
    // An id above i64 but within u64 is kept exactly; only a bigger one
    // (parsed as a float) would be echoed changed.
    if fields.get("id").is_some_and(Json::is_f64) {
        if let Some(o) = overflow_in("id") {
            return Err(refuse(&Json::Null, format!("\"id\": {}", o.problem())));
        }
    }
    let id = match fields.get("id") {
        None => Json::Null,
        Some(id @ (Json::Null | Json::String(_) | Json::Number(_))) => id.clone(),
        Some(other) => {
            return Err(refuse(
                &Json::Null,
                format!("\"id\" must be a string or a number, not {}", kind(other)),
            ))
        }
    };
    let unknown: Vec<&str> = fields
        .keys()
        .map(String::as_str)
        .filter(|k| !FIELDS.contains(k))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|k| shorten(&format!("{k:?}"))).collect();
        return Err(refuse(
            &id,
            format!(
                "unknown field{} {} (a request has the fields id, query, params, timeout_ms, optimize)",
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
        ));
    }
    let query = match fields.get("query") {
        Some(Json::String(q)) => q.clone(),
        None | Some(Json::Null) => {
            return Err(refuse(&id, "the request has no \"query\" string".into()))
        }
        Some(other) => {
            return Err(refuse(
                &id,
                format!("\"query\" must be a string, not {}", kind(other)),
            ))
        }
    };
    let timeout = timeout(fields.get("timeout_ms")).map_err(|m| refuse(&id, m))?;
    let params = match fields.get("params") {
        None | Some(Json::Null) => Params::new(),
        Some(Json::Object(members)) => {
            if let Some(o) = overflow_in("params") {
                return Err(refuse(&id, params_overflow(&o)));
            }
            members
                .iter()
                .map(|(k, v)| (k.clone(), json_params::to_value(v)))
                .collect()
        }
        Some(other) => {
            return Err(refuse(
                &id,
                format!(
                    "\"params\" must be an object of parameters, not {}",
                    kind(other)
                ),
            ))
        }
    };
    let optimize = match fields.get("optimize") {
        None | Some(Json::Null) => true,
        Some(Json::Bool(b)) => *b,
        Some(other) => {
            return Err(refuse(
                &id,
                format!("\"optimize\" must be true or false, not {}", kind(other)),
            ))
        }
    };
    Ok(Request {
        id,
        query,
        timeout,
        params,
        optimize,
    })
}

/// The time limit of `timeout_ms` (absent or `null`: none).
fn timeout(field: Option<&Json>) -> Result<Option<Duration>, String> {
    let ms = match field {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Number(n)) => n,
        Some(other) => {
            return Err(format!(
                "\"timeout_ms\" must be a number of milliseconds, not {}",
                kind(other)
            ))
        }
    };
    let too_big = || {
        format!(
            "\"timeout_ms\" must be at most {MAX_TIMEOUT_MS} (365 days), not {ms}; \
             leave it out for no limit"
        )
    };
    if let Some(whole) = ms.as_u64() {
        return if whole <= MAX_TIMEOUT_MS {
            Ok(Some(Duration::from_millis(whole)))
        } else {
            Err(too_big())
        };
    }
    match ms.as_f64() {
        Some(f) if f < 0.0 => Err(format!("\"timeout_ms\" must not be negative, not {ms}")),
        // Small enough (and never NaN: JSON has no NaN) to convert exactly.
        Some(f) if f <= MAX_TIMEOUT_MS as f64 => Ok(Some(Duration::from_secs_f64(f / 1000.0))),
        _ => Err(too_big()),
    }
}

/// The message for an integer beyond 64 bits inside `params`.
fn params_overflow(o: &Overflow) -> String {
    format!("\"params\": {}", json_params::describe_parameter(o, 1))
}

/// A JSON value's kind, for messages: `an array`, `a string`, ...
fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A name for a message, cut to a readable length.
fn shorten(name: &str) -> String {
    const MAX: usize = 60;
    match name.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...", &name[..at]),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn refused(line: &str) -> Refused {
        match parse(line) {
            Ok(r) => panic!("accepted {line}: {r:?}"),
            Err(r) => r,
        }
    }

    #[test]
    fn a_full_request() {
        let r = parse(
            r#"{"id": "a", "query": "RETURN $x", "timeout_ms": 1500, "params": {"x": [1, 2.5]}}"#,
        )
        .unwrap();
        assert_eq!(r.id, Json::String("a".into()));
        assert_eq!(r.query, "RETURN $x");
        assert_eq!(r.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(
            r.params.get("x"),
            Some(&Value::List(vec![Value::Int(1), Value::Float(2.5)]))
        );
        let r = parse(r#"{"query": "RETURN 1", "timeout_ms": 0.5, "params": null}"#).unwrap();
        assert_eq!(r.id, Json::Null);
        assert_eq!(r.timeout, Some(Duration::from_micros(500)));
        assert!(r.params.is_empty());
    }

    #[test]
    fn hostile_timeouts_name_the_field() {
        for t in [
            "1e300",
            "-3",
            "-0.5",
            "18446744073709551615",
            "31536000001",
            "1e19",
        ] {
            let r = refused(&format!(
                r#"{{"id": 1, "query": "RETURN 1", "timeout_ms": {t}}}"#
            ));
            assert_eq!(r.id, Json::from(1));
            assert!(
                r.message.starts_with("\"timeout_ms\""),
                "{t}: {}",
                r.message
            );
        }
        for t in [r#""100""#, "true", "[1]", "{}"] {
            let r = refused(&format!(r#"{{"query": "RETURN 1", "timeout_ms": {t}}}"#));
            assert!(
                r.message.contains("number of milliseconds"),
                "{t}: {}",
                r.message
            );
        }
        let r = parse(r#"{"query": "RETURN 1", "timeout_ms": 31536000000}"#).unwrap();
        assert_eq!(r.timeout, Some(Duration::from_millis(MAX_TIMEOUT_MS)));
    }

    #[test]
    fn hostile_shapes_and_fields() {
        for line in ["[1, 2]", "\"RETURN 1\"", "42", "null", "true"] {
            let r = refused(line);
            assert!(
                r.message.contains("must be a JSON object"),
                "{line}: {}",
                r.message
            );
        }
        let r = refused(r#"{"id": [1], "query": "RETURN 1"}"#);
        assert!(r.message.starts_with("\"id\" must be"), "{}", r.message);
        let r = refused(r#"{"id": 99999999999999999999, "query": "RETURN 1"}"#);
        assert_eq!(r.id, Json::Null);
        assert!(
            r.message.starts_with("\"id\": the integer"),
            "{}",
            r.message
        );
        let r = refused(r#"{"id": 2, "query": 5}"#);
        assert!(
            r.message.contains("\"query\" must be a string"),
            "{}",
            r.message
        );
        let r = refused(r#"{"id": 2, "query": "RETURN 1", "timeout": 5}"#);
        assert_eq!(r.id, Json::from(2));
        assert!(
            r.message.contains("unknown field \"timeout\""),
            "{}",
            r.message
        );
        let r = refused(r#"{"id": 2, "query": "RETURN 1", "params": [1]}"#);
        assert!(
            r.message.contains("\"params\" must be an object"),
            "{}",
            r.message
        );
    }

    #[test]
    fn big_integers_in_params_are_refused_by_name() {
        let r = refused(r#"{"id": 3, "query": "RETURN $n", "params": {"n": 9223372036854775808}}"#);
        assert_eq!(r.id, Json::from(3));
        assert!(
            r.message
                .starts_with("\"params\": parameter `n`: the integer 9223372036854775808"),
            "{}",
            r.message
        );
        let r =
            refused(r#"{"query": "RETURN $m", "params": {"m": {"k": [-100000000000000000000]}}}"#);
        assert!(
            r.message.contains("parameter `m` (at m.k[0])"),
            "{}",
            r.message
        );
        let r = parse(
            r#"{"id": 18446744073709551615, "query": "RETURN $n", "params": {"n": 9223372036854775807, "f": 1e30}}"#,
        )
        .unwrap();
        assert_eq!(r.params.get("n"), Some(&Value::Int(i64::MAX)));
        assert_eq!(r.params.get("f"), Some(&Value::Float(1e30)));
        assert_eq!(r.id.to_string(), "18446744073709551615");
    }
}
