//! The registries are consistent with themselves and with the modules that
//! implement them.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::functions::{self, lookup, FUNCTIONS};
use super::procedures::{self, Procedure, PROCEDURES};
use super::{Arity, FunctionKind, Implementation, ScalarCall};
use crate::error::Span;
use crate::eval::{AggregateKind, Aggregator, Env, Params};
use crate::store::Graph;
use crate::syntax::ast::{Expr, ExprKind, Literal, PatternElement};
use crate::value::Value;

/// An environment over an empty graph, with no variables.
struct Empty {
    graph: Graph,
    params: Params,
}

impl Env for Empty {
    fn graph(&self) -> &Graph {
        &self.graph
    }
    fn params(&self) -> &Params {
        &self.params
    }
    fn lookup(&self, _: &str) -> Option<&Value> {
        None
    }
    fn match_pattern(
        &self,
        _: &PatternElement,
        _: Option<&str>,
        _: &dyn Env,
    ) -> crate::error::Result<Vec<Vec<(String, Value)>>> {
        Ok(Vec::new())
    }
    fn exists(
        &self,
        _: &crate::syntax::ast::ExistsBody,
        _: &dyn Env,
    ) -> crate::error::Result<bool> {
        Ok(false)
    }
}

fn empty() -> Empty {
    Empty {
        graph: Graph::new(),
        params: Params::default(),
    }
}

/// The argument counts worth trying: the minimum, the maximum (or one
/// more than the minimum for a variadic function).
fn counts(a: Arity) -> Vec<usize> {
    let mut v = vec![a.min, a.max.unwrap_or(a.min + 1)];
    v.dedup();
    v
}

#[test]
fn names_are_unique_case_insensitively() {
    let mut seen = HashSet::new();
    for f in FUNCTIONS {
        assert!(
            seen.insert(f.name.to_ascii_lowercase()),
            "{} is listed twice",
            f.name
        );
        assert!(std::ptr::eq(lookup(&f.name.to_uppercase()).unwrap(), f));
        assert!(!f.description.is_empty(), "{} has no description", f.name);
    }
    let mut seen = HashSet::new();
    for p in PROCEDURES {
        assert!(seen.insert(p.name), "{} is listed twice", p.name);
        assert_eq!(
            Procedure::by_name(p.name).map(Procedure::name),
            Some(p.name)
        );
    }
    assert!(lookup("nope").is_none());
    assert!(Procedure::by_name("db.nope").is_none());
}

#[test]
fn kinds_match_implementations() {
    for f in FUNCTIONS {
        let fits = matches!(
            (f.kind, f.implementation),
            (
                FunctionKind::Scalar,
                Implementation::Scalar(_) | Implementation::Lazy(_)
            ) | (FunctionKind::Aggregate, Implementation::Aggregate(_))
                | (
                    FunctionKind::ListPredicate | FunctionKind::ListFold | FunctionKind::PathSearch,
                    Implementation::Syntax,
                )
        );
        assert!(
            fits,
            "{}: kind {:?}, {:?}",
            f.name, f.kind, f.implementation
        );
        assert_eq!(
            f.is_callable(),
            !matches!(f.implementation, Implementation::Syntax)
        );
        if let Some(max) = f.arity.max {
            assert!(max >= f.arity.min, "{}", f.name);
        }
    }
}

#[test]
fn every_scalar_takes_nulls_without_panicking() {
    let env = empty();
    for f in FUNCTIONS {
        for n in counts(f.arity) {
            let outcome = catch_unwind(AssertUnwindSafe(|| match f.implementation {
                Implementation::Scalar(call) => {
                    let args = vec![Value::Null; n];
                    Some(call(&ScalarCall {
                        name: f.name,
                        args: &args,
                        env: &env,
                    }))
                }
                Implementation::Lazy(call) => {
                    let args =
                        vec![Expr::new(ExprKind::Literal(Literal::Null), Span::new(0, 4)); n];
                    Some(call(&args, &env))
                }
                _ => None,
            }));
            let Ok(result) = outcome else {
                panic!("{}() with {n} null arguments panicked", f.name);
            };
            // Null in, null out, except where the function says otherwise.
            if let Some(r) = result {
                match (f.name, r) {
                    ("exists", Ok(v)) => assert_eq!(v, Value::Bool(false)),
                    ("left" | "right", Ok(v)) => assert_eq!(v, Value::Null),
                    (_, Ok(Value::Null)) => {}
                    (name, Ok(v)) if n == 0 => assert!(!v.is_null(), "{name}()"),
                    (name, other) => panic!("{name}() with {n} nulls gave {other:?}"),
                }
            }
        }
    }
}

#[test]
fn every_aggregate_has_an_accumulator_that_takes_nulls() {
    let mut kinds = HashSet::new();
    for f in FUNCTIONS.iter().filter(|f| f.is_aggregate()) {
        let kind = f
            .aggregate_kind()
            .expect("an aggregate has an accumulator kind");
        assert!(
            kinds.insert(format!("{kind:?}")),
            "{} repeats {kind:?}",
            f.name
        );
        assert_eq!(AggregateKind::from_name(&f.name.to_lowercase()), Some(kind));
        for distinct in [false, true] {
            let mut acc = Aggregator::of_kind(kind, distinct);
            let args = vec![Value::Null; f.arity.min];
            let done = catch_unwind(AssertUnwindSafe(|| {
                acc.update(&args)?;
                acc.finish()
            }));
            assert!(done.is_ok(), "{} panicked on null", f.name);
        }
    }
    // Every accumulator but count(*) (written `count(*)`, not a name) is
    // reachable by name.
    for kind in [
        AggregateKind::Count,
        AggregateKind::Sum,
        AggregateKind::Avg,
        AggregateKind::Min,
        AggregateKind::Max,
        AggregateKind::Collect,
        AggregateKind::PercentileDisc,
        AggregateKind::PercentileCont,
        AggregateKind::StDev,
        AggregateKind::StDevP,
    ] {
        assert!(
            kinds.contains(&format!("{kind:?}")),
            "{kind:?} has no entry"
        );
    }
}

#[test]
fn the_parser_resolves_every_callable_name_once() {
    for f in FUNCTIONS.iter().filter(|f| f.is_callable()) {
        let args = vec!["1"; f.arity.min].join(", ");
        for written in [f.name.to_string(), f.name.to_uppercase()] {
            let q = format!("RETURN {written}({args}) AS x");
            let st = crate::syntax::parse(&q).unwrap_or_else(|e| panic!("{q}: {e}"));
            let crate::syntax::ast::ClauseKind::Return(p) = &st.query.first.clauses[0].kind else {
                panic!("{q}: not a RETURN");
            };
            let ExprKind::Function { name, .. } = &p.items[0].expr.kind else {
                panic!("{q}: not a call");
            };
            assert_eq!(name.text(), written);
            assert!(std::ptr::eq(name.function().unwrap(), f), "{q}");
        }
    }
}

#[test]
fn suggestions_rank_the_everyday_functions() {
    let mut ranks: Vec<u8> = FUNCTIONS.iter().filter_map(|f| f.common).collect();
    ranks.sort_unstable();
    let expected: Vec<u8> = (0..ranks.len() as u8).collect();
    assert_eq!(ranks, expected, "ranks are 0, 1, 2, ... without gaps");
    assert_eq!(functions::commonness("COUNT"), Some(0));
    assert_eq!(functions::commonness("cot"), None);
}

#[test]
fn procedures_run_and_yield_their_columns() {
    let mut db = crate::engine::Engine::new();
    db.run("CREATE (:A {x: 1})-[:R {y: 2}]->(:B)", &Params::default())
        .expect("create");
    for p in PROCEDURES {
        let q = format!("CALL {}()", p.name);
        let r = db.run(&q, &Params::default()).expect(&q);
        let outputs: Vec<String> = p.yields.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(r.columns, outputs, "{q}");
        assert!(!r.rows.is_empty(), "{q}");
        assert!(r.rows.iter().all(|row| row.len() == outputs.len()), "{q}");
        let direct = Procedure::by_name(p.name)
            .expect(p.name)
            .records(db.graph());
        assert_eq!(direct.len(), r.rows.len(), "{q}");
    }
    assert_eq!(
        procedures::help(),
        "the built-in procedures are db.labels(), db.relationshipTypes(), db.propertyKeys(), \
         dbms.functions() and dbms.procedures()"
    );
    let e = db
        .run("CALL db.nope()", &Params::default())
        .expect_err("unknown procedure");
    assert_eq!(e.code, "ProcedureNotFound");
    assert_eq!(e.help.as_deref(), Some(procedures::help().as_str()));
}

#[test]
fn the_listings_come_from_the_registries() {
    let mut db = crate::engine::Engine::new();
    let r = db
        .run(
            "CALL dbms.functions() YIELD name, signature, kind WHERE name = 'substring' \
             RETURN signature, kind",
            &Params::default(),
        )
        .expect("dbms.functions()");
    assert_eq!(
        r.rows,
        vec![vec![
            Value::from("substring(2 to 3 arguments) :: STRING"),
            Value::from("scalar"),
        ]]
    );
    let r = db
        .run("CALL dbms.functions()", &Params::default())
        .expect("dbms.functions()");
    assert_eq!(r.rows.len(), FUNCTIONS.len());
    let r = db
        .run(
            "CALL dbms.procedures() YIELD name, signature WHERE name = 'db.labels' RETURN signature",
            &Params::default(),
        )
        .expect("dbms.procedures()");
    assert_eq!(
        r.rows,
        vec![vec![Value::from("db.labels() :: (label :: STRING)")]]
    );
}

#[test]
fn every_function_the_evaluator_implements_is_registered() {
    // The evaluator has no other way in than the registry: every public
    // function of its module of functions must be named by an entry.
    let implementations = include_str!("../eval/functions.rs");
    let registry = include_str!("functions.rs");
    let mut found = 0;
    for line in implementations.lines() {
        let Some(rest) = line.strip_prefix("pub(crate) fn ") else {
            continue;
        };
        let Some((name, _)) = rest.split_once('(') else {
            continue;
        };
        found += 1;
        assert!(
            registry.contains(&format!("f::{name},")) || registry.contains(&format!("f::{name})")),
            "eval::functions::{name} is not in the registry"
        );
    }
    assert!(found > 60, "only {found} implementations found");
}
