//! Unit tests of the checker on hand-built ASTs (the TCK-driven tests in
//! `tests/semantic*.rs` go through the parser).

use super::check;
use crate::error::{ErrorKind, Phase, Span};
use crate::syntax::ast::*;

/// Spans are made unique per call so that errors can be located.
fn sp(at: usize) -> Span {
    Span::new(at, at + 1)
}

fn id(name: &str) -> Ident {
    Ident {
        name: name.into(),
        span: sp(0),
    }
}

fn var_at(name: &str, at: usize) -> Expr {
    Expr::new(ExprKind::Variable(name.into()), sp(at))
}

fn var(name: &str) -> Expr {
    var_at(name, 0)
}

fn int(i: i64) -> Expr {
    Expr::new(ExprKind::Literal(Literal::Int(i)), sp(0))
}

fn boolean(b: bool) -> Expr {
    Expr::new(ExprKind::Literal(Literal::Bool(b)), sp(0))
}

fn bin(op: BinaryOp, a: Expr, b: Expr) -> Expr {
    Expr::new(ExprKind::Binary(op, Box::new(a), Box::new(b)), sp(0))
}

fn prop(e: Expr, key: &str) -> Expr {
    Expr::new(ExprKind::Property(Box::new(e), id(key)), sp(0))
}

fn func(name: &str, args: Vec<Expr>) -> Expr {
    Expr::new(
        ExprKind::Function {
            name: FunctionName::new(vec![id(name)]),
            distinct: false,
            args,
        },
        sp(0),
    )
}

fn count_star() -> Expr {
    Expr::new(ExprKind::CountStar, sp(0))
}

fn node(v: Option<&str>) -> NodePattern {
    NodePattern {
        variable: v.map(id),
        labels: vec![],
        properties: None,
        span: sp(0),
    }
}

fn rel(v: Option<&str>, types: &[&str], direction: Direction) -> RelPattern {
    RelPattern {
        variable: v.map(id),
        types: types.iter().map(|t| id(t)).collect(),
        direction,
        length: None,
        properties: None,
        span: sp(0),
    }
}

fn part(
    path: Option<&str>,
    start: NodePattern,
    chain: Vec<(RelPattern, NodePattern)>,
) -> PatternPart {
    PatternPart {
        variable: path.map(id),
        kind: PathKind::Normal,
        element: PatternElement {
            start,
            chain,
            span: sp(0),
        },
        span: sp(0),
    }
}

fn pattern(parts: Vec<PatternPart>) -> Pattern {
    Pattern { parts, span: sp(0) }
}

fn clause(kind: ClauseKind) -> Clause {
    Clause { kind, span: sp(0) }
}

fn match_(parts: Vec<PatternPart>, where_: Option<Expr>) -> Clause {
    clause(ClauseKind::Match(Match {
        optional: false,
        pattern: pattern(parts),
        where_,
    }))
}

fn create(parts: Vec<PatternPart>) -> Clause {
    clause(ClauseKind::Create(pattern(parts)))
}

fn projection(items: Vec<(Expr, Option<&str>)>) -> Projection {
    Projection {
        distinct: false,
        star: false,
        items: items
            .into_iter()
            .map(|(expr, alias)| {
                let text = match &expr.kind {
                    ExprKind::Variable(v) => v.clone(),
                    _ => "expr".into(),
                };
                ProjectionItem {
                    expr,
                    alias: alias.map(id),
                    text,
                }
            })
            .collect(),
        order_by: vec![],
        skip: None,
        limit: None,
        where_: None,
    }
}

fn ret(items: Vec<(Expr, Option<&str>)>) -> Clause {
    clause(ClauseKind::Return(projection(items)))
}

fn with(items: Vec<(Expr, Option<&str>)>) -> Clause {
    clause(ClauseKind::With(projection(items)))
}

fn single(clauses: Vec<Clause>) -> SingleQuery {
    SingleQuery {
        clauses,
        span: sp(0),
    }
}

fn stmt(clauses: Vec<Clause>) -> Statement {
    Statement {
        mode: StatementMode::Run,
        query: Query {
            first: single(clauses),
            unions: vec![],
            span: sp(0),
        },
        span: sp(0),
    }
}

/// The detail code of the error, or "ok".
fn code(s: &Statement) -> &'static str {
    match check(s) {
        Ok(()) => "ok",
        Err(e) => {
            assert_eq!(e.phase, Phase::Compile);
            e.code
        }
    }
}

#[test]
fn undefined_variable_points_at_it_and_suggests_a_name() {
    let s = stmt(vec![
        match_(vec![part(None, node(Some("n")), vec![])], None),
        ret(vec![(var_at("m", 17), None)]),
    ]);
    let e = check(&s).unwrap_err();
    assert_eq!(e.code, "UndefinedVariable");
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert_eq!(e.span, Some(sp(17)));
    assert_eq!(e.help.as_deref(), Some("did you mean `n`?"));
}

#[test]
fn a_relationship_cannot_be_matched_as_a_node() {
    let s = stmt(vec![
        match_(
            vec![part(
                None,
                node(None),
                vec![(rel(Some("r"), &[], Direction::Both), node(None))],
            )],
            None,
        ),
        match_(vec![part(None, node(Some("r")), vec![])], None),
        ret(vec![(var("r"), None)]),
    ]);
    assert_eq!(code(&s), "VariableTypeConflict");
}

#[test]
fn a_path_variable_must_be_new() {
    // MATCH p = (p)-->() RETURN p
    let s = stmt(vec![
        match_(
            vec![part(
                Some("p"),
                node(Some("p")),
                vec![(rel(None, &[], Direction::Outgoing), node(None))],
            )],
            None,
        ),
        ret(vec![(var("p"), None)]),
    ]);
    assert_eq!(code(&s), "VariableAlreadyBound");
}

#[test]
fn a_relationship_cannot_repeat_in_one_pattern() {
    let s = stmt(vec![
        match_(
            vec![part(
                None,
                node(Some("a")),
                vec![
                    (rel(Some("r"), &[], Direction::Outgoing), node(None)),
                    (rel(Some("r"), &[], Direction::Outgoing), node(Some("a"))),
                ],
            )],
            None,
        ),
        ret(vec![(var("r"), None)]),
    ]);
    assert_eq!(code(&s), "RelationshipUniquenessViolation");
}

#[test]
fn create_rules() {
    // MATCH (a) CREATE (a)
    let s = stmt(vec![
        match_(vec![part(None, node(Some("a")), vec![])], None),
        create(vec![part(None, node(Some("a")), vec![])]),
    ]);
    assert_eq!(code(&s), "VariableAlreadyBound");
    // MATCH (a) CREATE (a)-[:T]->(b) is fine
    let s = stmt(vec![
        match_(vec![part(None, node(Some("a")), vec![])], None),
        create(vec![part(
            None,
            node(Some("a")),
            vec![(rel(None, &["T"], Direction::Outgoing), node(Some("b")))],
        )]),
    ]);
    assert_eq!(code(&s), "ok");
    let untyped = stmt(vec![create(vec![part(
        None,
        node(None),
        vec![(rel(None, &[], Direction::Outgoing), node(None))],
    )])]);
    assert_eq!(code(&untyped), "NoSingleRelationshipType");
    let undirected = stmt(vec![create(vec![part(
        None,
        node(None),
        vec![(rel(None, &["T"], Direction::Both), node(None))],
    )])]);
    assert_eq!(code(&undirected), "RequiresDirectedRelationship");
}

#[test]
fn aggregation_rules() {
    // MATCH (a) WHERE count(a) > 10 RETURN a
    let s = stmt(vec![
        match_(
            vec![part(None, node(Some("a")), vec![])],
            Some(bin(BinaryOp::Gt, func("count", vec![var("a")]), int(10))),
        ),
        ret(vec![(var("a"), None)]),
    ]);
    assert_eq!(code(&s), "InvalidAggregation");
    // RETURN count(count(*))
    let s = stmt(vec![ret(vec![(func("count", vec![count_star()]), None)])]);
    assert_eq!(code(&s), "NestedAggregation");
    // MATCH (me)--(you) RETURN me.age + count(you.age)
    let m = match_(
        vec![part(
            None,
            node(Some("me")),
            vec![(rel(None, &[], Direction::Both), node(Some("you")))],
        )],
        None,
    );
    let s = stmt(vec![
        m.clone(),
        ret(vec![(
            bin(
                BinaryOp::Add,
                prop(var("me"), "age"),
                func("count", vec![prop(var("you"), "age")]),
            ),
            None,
        )]),
    ]);
    assert_eq!(code(&s), "AmbiguousAggregationExpression");
    // ... RETURN me.age, me.age + count(you.age) groups by me.age: fine
    let s = stmt(vec![
        m,
        ret(vec![
            (prop(var("me"), "age"), None),
            (
                bin(
                    BinaryOp::Add,
                    prop(var("me"), "age"),
                    func("count", vec![prop(var("you"), "age")]),
                ),
                Some("total"),
            ),
        ]),
    ]);
    assert_eq!(code(&s), "ok");
}

#[test]
fn projection_rules() {
    let s = stmt(vec![ret(vec![(int(1), Some("a")), (int(2), Some("a"))])]);
    assert_eq!(code(&s), "ColumnNameConflict");
    let s = stmt(vec![
        match_(vec![part(None, node(Some("a")), vec![])], None),
        with(vec![(var("a"), None), (count_star(), None)]),
        ret(vec![(var("a"), None)]),
    ]);
    assert_eq!(code(&s), "NoExpressionAlias");
    // After WITH, only the projected names remain.
    let s = stmt(vec![
        match_(vec![part(None, node(Some("a")), vec![])], None),
        with(vec![(int(1), Some("x"))]),
        ret(vec![(var("a"), None)]),
    ]);
    let e = check(&s).unwrap_err();
    assert_eq!(e.code, "UndefinedVariable");
    assert!(e.help.unwrap_or_default().contains("not carried over"));
}

#[test]
fn literal_types_are_checked() {
    let s = stmt(vec![ret(vec![(
        bin(BinaryOp::And, int(123), boolean(true)),
        None,
    )])]);
    assert_eq!(code(&s), "InvalidArgumentType");
    // WITH 123 AS x RETURN x.num is a type error at compile time
    let s = stmt(vec![
        with(vec![(int(123), Some("x"))]),
        ret(vec![(prop(var("x"), "num"), None)]),
    ]);
    let e = check(&s).unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Type, "InvalidArgumentType"));
}

#[test]
fn skip_and_limit_take_constant_non_negative_integers() {
    let mut p = projection(vec![(var("n"), None)]);
    p.skip = Some(int(-1));
    let s = stmt(vec![
        match_(vec![part(None, node(Some("n")), vec![])], None),
        clause(ClauseKind::Return(p.clone())),
    ]);
    assert_eq!(code(&s), "NegativeIntegerArgument");
    p.skip = Some(prop(var("n"), "count"));
    let s = stmt(vec![
        match_(vec![part(None, node(Some("n")), vec![])], None),
        clause(ClauseKind::Return(p)),
    ]);
    assert_eq!(code(&s), "NonConstantExpression");
}

#[test]
fn union_parts_must_agree() {
    let mut s = stmt(vec![ret(vec![(int(1), Some("a"))])]);
    s.query
        .unions
        .push((false, single(vec![ret(vec![(int(2), Some("b"))])])));
    assert_eq!(code(&s), "DifferentColumnsInUnion");
    s.query.unions[0] = (false, single(vec![ret(vec![(int(2), Some("a"))])]));
    assert_eq!(code(&s), "ok");
    s.query
        .unions
        .push((true, single(vec![ret(vec![(int(3), Some("a"))])])));
    assert_eq!(code(&s), "InvalidClauseComposition");
}

#[test]
fn a_query_must_end_with_return_or_an_update() {
    let s = stmt(vec![match_(
        vec![part(None, node(Some("n")), vec![])],
        None,
    )]);
    assert_eq!(code(&s), "InvalidClauseComposition");
    let s = stmt(vec![
        ret(vec![(int(1), Some("a"))]),
        ret(vec![(int(1), Some("a"))]),
    ]);
    assert_eq!(code(&s), "InvalidClauseComposition");
}

#[test]
fn arity_comes_from_the_registry() {
    for f in crate::builtins::functions::FUNCTIONS
        .iter()
        .filter(|f| f.is_callable())
    {
        let call = |n: usize| {
            let s = stmt(vec![ret(vec![(func(f.name, vec![int(1); n]), Some("x"))])]);
            check(&s)
        };
        let fewer = f.arity.min.checked_sub(1);
        let more = f.arity.max.map(|m| m + 1);
        for n in [fewer, more].into_iter().flatten() {
            let e = call(n).expect_err(&format!("{}() with {n} arguments", f.name));
            assert_eq!(e.code, "InvalidNumberOfArguments", "{}({n})", f.name);
            assert!(
                e.message.contains(&f.arity.describe()),
                "{}: {}",
                f.name,
                e.message
            );
        }
        // The accepted counts pass the arity check (the argument may
        // still be of the wrong type).
        for n in [f.arity.min, f.arity.max.unwrap_or(f.arity.min + 2)] {
            if let Err(e) = call(n) {
                assert_ne!(e.code, "InvalidNumberOfArguments", "{}({n})", f.name);
            }
        }
    }
}

#[test]
fn unknown_functions_are_suggested_from_the_registry() {
    let s = stmt(vec![ret(vec![(func("toUppr", vec![int(1)]), Some("x"))])]);
    let e = check(&s).unwrap_err();
    assert_eq!(e.code, "UnknownFunction");
    assert_eq!(e.help.as_deref(), Some("did you mean `toUpper`?"));
    // Names the parser reads as their own expressions are not calls.
    let s = stmt(vec![ret(vec![(func("reduce", vec![int(1)]), Some("x"))])]);
    assert_eq!(code(&s), "UnknownFunction");
}

#[test]
fn result_types_come_from_the_registry() {
    // `labels()` of a string is wrong from the text alone; of the result
    // of `toString()` too, since the registry says it is a string.
    let s = stmt(vec![ret(vec![(
        func("labels", vec![func("toString", vec![int(1)])]),
        Some("x"),
    )])]);
    assert_eq!(code(&s), "InvalidArgumentType");
    let s = stmt(vec![ret(vec![(
        func("labels", vec![func("head", vec![int(1)])]),
        Some("x"),
    )])]);
    assert_eq!(code(&s), "ok", "head() of a non-list is not typed");
}

#[test]
fn unchecked_result_types_stay_unknown_to_the_checker() {
    use crate::builtins::Returns;
    let null = || Expr::new(ExprKind::Literal(Literal::Null), sp(0));
    let mut seen = 0;
    for f in crate::builtins::functions::FUNCTIONS
        .iter()
        .filter(|f| f.is_callable() && matches!(f.returns, Returns::Unchecked(_)))
    {
        seen += 1;
        // `toInteger(null) AND true` is null at run time, not an error.
        let call = func(f.name, (0..f.arity.min).map(|_| null()).collect());
        let s = stmt(vec![ret(vec![(
            bin(BinaryOp::And, call, boolean(true)),
            Some("x"),
        )])]);
        assert_eq!(code(&s), "ok", "{}", f.name);
    }
    assert!(seen > 30);
    // A result the checker does type: `size()` is an integer.
    let s = stmt(vec![ret(vec![(
        bin(BinaryOp::And, func("size", vec![null()]), boolean(true)),
        Some("x"),
    )])]);
    assert_eq!(code(&s), "InvalidArgumentType");
}
