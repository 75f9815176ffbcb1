//! Query parameters from the command line: `-P name=value` (the value is a
//! Cypher literal, or a plain string). `--params FILE.json` is read by
//! [`crate::json_params`].

use crate::engine::Engine;
use crate::eval::Params;
use crate::syntax::ast::{ClauseKind, Expr, ExprKind, UnaryOp};
use crate::value::Value;

/// The value of `-P name=VALUE`: a Cypher literal (number, string, list, map,
/// `true`, `false`, `null`, possibly negative); anything else, such as a bare
/// word, is taken as a string.
pub fn parse_value(text: &str) -> Value {
    let query = format!("RETURN {text} AS v");
    let literal = crate::syntax::parse(&query).ok().is_some_and(|s| {
        let clauses = &s.query.first.clauses;
        s.query.unions.is_empty()
            && clauses.len() == 1
            && matches!(&clauses[0].kind, ClauseKind::Return(p)
                if p.items.len() == 1 && !p.star && p.order_by.is_empty()
                    && p.skip.is_none() && p.limit.is_none()
                    && is_literal(&p.items[0].expr))
    });
    if literal {
        if let Ok(r) = Engine::new().run(&query, &Params::new()) {
            if let Some(v) = r.rows.first().and_then(|row| row.first()) {
                return v.clone();
            }
        }
    }
    Value::String(text.to_string())
}

fn is_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Literal(_) => true,
        ExprKind::List(items) => items.iter().all(is_literal),
        ExprKind::Map(entries) => entries.iter().all(|(_, v)| is_literal(v)),
        ExprKind::Unary(UnaryOp::Neg | UnaryOp::Plus, inner) => {
            matches!(inner.kind, ExprKind::Literal(_))
        }
        _ => false,
    }
}

/// Parses `name=value` (see [`parse_value`]); the name may start with `$`.
pub fn parse_assignment(arg: &str) -> Result<(String, Value), String> {
    let Some((name, value)) = arg.split_once('=') else {
        return Err(format!(
            "-P `{arg}`: expected name=value, e.g. -P country=Morocco or -P 'ids=[1, 2]'"
        ));
    };
    let name = name.trim().trim_start_matches('$');
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!(
            "-P `{arg}`: `{name}` is not a parameter name (letters, digits and `_`)"
        ));
    }
    Ok((name.to_string(), parse_value(value.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_bare_words() {
        assert_eq!(parse_value("42"), Value::Int(42));
        assert_eq!(parse_value("-7"), Value::Int(-7));
        assert_eq!(parse_value("2.5"), Value::Float(2.5));
        assert_eq!(parse_value("'Maroc'"), Value::String("Maroc".into()));
        assert_eq!(parse_value("\"a b\""), Value::String("a b".into()));
        assert_eq!(parse_value("true"), Value::Bool(true));
        assert_eq!(parse_value("null"), Value::Null);
        assert_eq!(
            parse_value("[1, 'x']"),
            Value::List(vec![Value::Int(1), Value::String("x".into())])
        );
        let Value::Map(m) = parse_value("{a: 1, b: [true]}") else {
            panic!("not a map")
        };
        assert_eq!(m.get("a"), Some(&Value::Int(1)));
        // Not literals: strings as written.
        assert_eq!(parse_value("Morocco"), Value::String("Morocco".into()));
        assert_eq!(parse_value("1 + 2"), Value::String("1 + 2".into()));
        assert_eq!(parse_value("rand()"), Value::String("rand()".into()));
        assert_eq!(parse_value(""), Value::String("".into()));
        assert_eq!(parse_value("[1,"), Value::String("[1,".into()));
    }

    #[test]
    fn assignments() {
        assert_eq!(
            parse_assignment("$n=3"),
            Ok(("n".to_string(), Value::Int(3)))
        );
        assert_eq!(
            parse_assignment("q=a=b"),
            Ok(("q".to_string(), Value::String("a=b".into())))
        );
        assert!(parse_assignment("novalue").is_err());
        assert!(parse_assignment("bad name=1").is_err());
    }
}
