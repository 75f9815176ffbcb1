//! The checker on very deep queries: it must answer (accept, or reject with
//! a located error), never overflow the stack, on the 2 MiB stack of a test
//! thread. The ASTs are built directly, four times deeper than the parser's
//! nesting limit, so that the checker is tested on its own.

use kg::error::Span;
use kg::syntax::ast::*;

const DEPTH: usize = 1000;

fn sp() -> Span {
    Span::new(0, 1)
}

fn id(name: &str) -> Ident {
    Ident {
        name: name.into(),
        span: sp(),
    }
}

fn lit(l: Literal) -> Expr {
    Expr::new(ExprKind::Literal(l), sp())
}

fn var(name: &str) -> Expr {
    Expr::new(ExprKind::Variable(name.into()), sp())
}

fn node(name: &str) -> NodePattern {
    NodePattern {
        variable: Some(id(name)),
        labels: vec![],
        properties: None,
        span: sp(),
    }
}

/// `(n)-->()`
fn element(name: &str) -> PatternElement {
    PatternElement {
        start: node(name),
        chain: vec![(
            RelPattern {
                variable: None,
                types: vec![],
                direction: Direction::Outgoing,
                length: None,
                properties: None,
                span: sp(),
            },
            NodePattern {
                variable: None,
                labels: vec![],
                properties: None,
                span: sp(),
            },
        )],
        span: sp(),
    }
}

fn clause(kind: ClauseKind) -> Clause {
    Clause { kind, span: sp() }
}

/// `MATCH (n) WHERE <where> RETURN <ret> AS x`
fn query(where_: Option<Expr>, ret: Expr) -> Query {
    let pattern = Pattern {
        parts: vec![PatternPart {
            variable: None,
            kind: PathKind::Normal,
            element: PatternElement {
                start: node("n"),
                chain: vec![],
                span: sp(),
            },
            span: sp(),
        }],
        span: sp(),
    };
    let projection = Projection {
        distinct: false,
        star: false,
        items: vec![ProjectionItem {
            expr: ret,
            alias: Some(id("x")),
            text: "x".into(),
        }],
        order_by: vec![],
        skip: None,
        limit: None,
        where_: None,
    };
    Query {
        first: SingleQuery {
            clauses: vec![
                clause(ClauseKind::Match(Match {
                    optional: false,
                    pattern,
                    where_,
                })),
                clause(ClauseKind::Return(projection)),
            ],
            span: sp(),
        },
        unions: vec![],
        span: sp(),
    }
}

fn statement(q: Query) -> Statement {
    Statement {
        mode: StatementMode::Run,
        query: q,
        span: sp(),
    }
}

fn nest<T>(depth: usize, leaf: T, wrap: impl Fn(T) -> T) -> T {
    (0..depth).fold(leaf, |e, _| wrap(e))
}

fn deep_statements() -> Vec<(&'static str, Statement)> {
    let one = || lit(Literal::Int(1));
    let yes = || lit(Literal::Bool(true));
    let b = Box::new;
    let ret = |e: Expr| statement(query(None, e));
    vec![
        (
            "sums",
            ret(nest(DEPTH, one(), |e| {
                Expr::new(ExprKind::Binary(BinaryOp::Add, b(e), b(one())), sp())
            })),
        ),
        (
            "nots",
            ret(nest(DEPTH, yes(), |e| {
                Expr::new(ExprKind::Unary(UnaryOp::Not, b(e)), sp())
            })),
        ),
        (
            "lists",
            ret(nest(DEPTH, one(), |e| {
                Expr::new(ExprKind::List(vec![e]), sp())
            })),
        ),
        (
            "maps",
            ret(nest(DEPTH, one(), |e| {
                Expr::new(ExprKind::Map(vec![(id("a"), e)]), sp())
            })),
        ),
        (
            "properties",
            ret(nest(DEPTH, var("n"), |e| {
                Expr::new(ExprKind::Property(b(e), id("a")), sp())
            })),
        ),
        (
            "comprehensions",
            ret(nest(DEPTH, var("n"), |e| {
                Expr::new(
                    ExprKind::ListComprehension {
                        variable: id("y"),
                        list: b(Expr::new(ExprKind::List(vec![one()]), sp())),
                        predicate: Some(b(yes())),
                        projection: Some(b(e)),
                    },
                    sp(),
                )
            })),
        ),
        (
            "cases",
            ret(nest(DEPTH, one(), |e| {
                Expr::new(
                    ExprKind::Case {
                        subject: None,
                        whens: vec![(yes(), e)],
                        otherwise: None,
                    },
                    sp(),
                )
            })),
        ),
        (
            "aggregate in a deep expression",
            ret(nest(DEPTH, Expr::new(ExprKind::CountStar, sp()), |e| {
                Expr::new(ExprKind::Binary(BinaryOp::Mul, b(e), b(one())), sp())
            })),
        ),
        (
            "exists subqueries",
            statement(nest(
                DEPTH / 4,
                query(
                    Some(Expr::new(ExprKind::Pattern(Box::new(element("n"))), sp())),
                    var("n"),
                ),
                |q| {
                    let exists = Expr::new(ExprKind::Exists(ExistsBody::Query(Box::new(q))), sp());
                    query(Some(exists), var("n"))
                },
            )),
        ),
    ]
}

#[test]
fn deep_queries_do_not_overflow_the_stack() {
    for (name, s) in deep_statements() {
        match kg::semantic::check(&s) {
            Ok(()) => {}
            Err(e) => panic!("{name}: a valid deep query was rejected: {e}"),
        }
    }
}

#[test]
fn deep_errors_are_still_found() {
    // A variable that is not defined, at the bottom of a deep expression.
    let s = statement(query(
        None,
        nest(DEPTH, var("missing"), |e| {
            Expr::new(
                ExprKind::Binary(BinaryOp::Add, Box::new(lit(Literal::Int(1))), Box::new(e)),
                sp(),
            )
        }),
    ));
    let e = kg::semantic::check(&s).expect_err("the undefined variable must be found");
    assert_eq!(e.code, "UndefinedVariable");
}
