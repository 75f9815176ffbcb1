//! Unit tests on values and hand-built expressions (the parser-driven tables
//! live in `tests/eval.rs`).

use std::cmp::Ordering;
use std::collections::HashSet;

use indexmap::IndexMap;

use super::*;
use crate::error::{ErrorKind, Span};
use crate::store::{Alias, Citation, EntityId, NewEntity};
use crate::syntax::ast::{BinaryOp, ExprKind, FunctionName, Ident, Literal, Quantifier, UnaryOp};
use crate::value::{Date, ValueMap};

// ----- a small environment ------------------------------------------------

struct TestEnv {
    graph: Graph,
    params: Params,
    vars: IndexMap<String, Value>,
    /// What `match_pattern` returns.
    matches: Vec<Vec<(String, Value)>>,
}

impl TestEnv {
    fn new() -> TestEnv {
        TestEnv {
            graph: Graph::new(),
            params: Params::new(),
            vars: IndexMap::new(),
            matches: Vec::new(),
        }
    }

    /// A graph with (a:Person {name:'Ann', age:30}) -[:KNOWS {since:2001}]-> (b:Person:Admin {name:'Bob'}).
    fn with_graph() -> (TestEnv, EntityId, EntityId, RelationId) {
        let mut env = TestEnv::new();
        let mut props = ValueMap::default();
        props.insert("name", Value::from("Ann"));
        props.insert("age", Value::Int(30));
        let a = env
            .graph
            .add_entity(NewEntity {
                key: Some("ann".into()),
                labels: vec!["Person".into()],
                props,
                aliases: vec![Alias {
                    text: "Annie".into(),
                    lang: None,
                }],
                sources: vec![Citation {
                    article: "a.txt".into(),
                    sentence: 3,
                }],
            })
            .unwrap();
        let mut props = ValueMap::default();
        props.insert("name", Value::from("Bob"));
        props.insert("key", Value::from("real-key-prop"));
        let b = env
            .graph
            .add_entity(NewEntity {
                key: Some("bob".into()),
                labels: vec!["Person".into(), "Admin".into()],
                props,
                ..NewEntity::default()
            })
            .unwrap();
        let mut props = ValueMap::default();
        props.insert("since", Value::Int(2001));
        let r = env
            .graph
            .add_relation(
                a,
                b,
                "KNOWS",
                props,
                vec![Citation {
                    article: "b.txt".into(),
                    sentence: 7,
                }],
            )
            .unwrap();
        env.vars.insert("a".into(), Value::Node(a));
        env.vars.insert("b".into(), Value::Node(b));
        env.vars.insert("r".into(), Value::Relationship(r));
        (env, a, b, r)
    }
}

impl Env for TestEnv {
    fn graph(&self) -> &Graph {
        &self.graph
    }
    fn params(&self) -> &Params {
        &self.params
    }
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }
    fn match_pattern(
        &self,
        _pattern: &PatternElement,
        _path_variable: Option<&str>,
        scope: &dyn Env,
    ) -> Result<Vec<Vec<(String, Value)>>> {
        // Prove the scope carries local variables: a bound `skip` drops all matches.
        if scope.lookup("skip") == Some(&Value::Bool(true)) {
            return Ok(Vec::new());
        }
        Ok(self.matches.clone())
    }
    fn exists(&self, _body: &ExistsBody, _scope: &dyn Env) -> Result<bool> {
        Ok(!self.matches.is_empty())
    }
}

// ----- expression builders ----------------------------------------------

fn sp() -> Span {
    Span::new(0, 0)
}

fn e(kind: ExprKind) -> Expr {
    Expr::new(kind, sp())
}

fn int(i: i64) -> Expr {
    e(ExprKind::Literal(Literal::Int(i)))
}

fn flt(f: f64) -> Expr {
    e(ExprKind::Literal(Literal::Float(f)))
}

fn st(s: &str) -> Expr {
    e(ExprKind::Literal(Literal::String(s.into())))
}

fn bool_(b: bool) -> Expr {
    e(ExprKind::Literal(Literal::Bool(b)))
}

fn null() -> Expr {
    e(ExprKind::Literal(Literal::Null))
}

fn var(n: &str) -> Expr {
    e(ExprKind::Variable(n.into()))
}

fn id(n: &str) -> Ident {
    Ident {
        name: n.into(),
        span: sp(),
    }
}

fn list(items: Vec<Expr>) -> Expr {
    e(ExprKind::List(items))
}

fn bin(op: BinaryOp, a: Expr, b: Expr) -> Expr {
    e(ExprKind::Binary(op, Box::new(a), Box::new(b)))
}

fn prop(target: Expr, key: &str) -> Expr {
    e(ExprKind::Property(Box::new(target), id(key)))
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    e(ExprKind::Function {
        name: FunctionName::new(vec![id(name)]),
        distinct: false,
        args,
    })
}

fn ev(expr: &Expr) -> Result<Value> {
    eval(expr, &TestEnv::new())
}

fn v(expr: &Expr) -> Value {
    match ev(expr) {
        Ok(v) => v,
        Err(err) => panic!("{expr:?} failed: {err}"),
    }
}

fn err(expr: &Expr) -> crate::error::Error {
    match ev(expr) {
        Ok(v) => panic!("{expr:?} should fail, gave {v:?}"),
        Err(e) => e,
    }
}

fn ilist(xs: &[i64]) -> Value {
    Value::List(xs.iter().map(|x| Value::Int(*x)).collect())
}

fn vlist(xs: Vec<Value>) -> Value {
    Value::List(xs)
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

// ----- comparison and equality ------------------------------------------

#[test]
fn equality_is_ternary_and_deep() {
    use Value::*;
    assert_eq!(equals(&Int(1), &Float(1.0)), Some(true));
    assert_eq!(equals(&String("1".into()), &Int(1)), Some(false));
    assert_eq!(equals(&Null, &Null), None);
    assert_eq!(equals(&Float(f64::NAN), &Float(f64::NAN)), Some(false));
    assert_eq!(equals(&ilist(&[1, 2]), &ilist(&[1])), Some(false));
    assert_eq!(
        equals(&vlist(vec![Int(1), Int(2)]), &vlist(vec![Null, Int(2)])),
        None
    );
    assert_eq!(
        equals(
            &vlist(vec![Int(1), Int(2)]),
            &vlist(vec![Null, String("foo".into())])
        ),
        Some(false)
    );
    assert_eq!(
        equals(&map(&[("k", Null)]), &map(&[("k", Null)])),
        None,
        "{{k: null}} = {{k: null}} is unknown"
    );
    assert_eq!(equals(&map(&[]), &map(&[("k", Null)])), Some(false));
    assert_eq!(
        equals(
            &map(&[("k", Int(1)), ("l", Null)]),
            &map(&[("k", Null), ("l", Int(1))])
        ),
        None
    );
    // Large integers compare exactly with floats.
    assert_eq!(
        equals(&Int(9_007_199_254_740_993), &Float(9_007_199_254_740_992.0)),
        Some(false)
    );
}

#[test]
fn comparison_rules() {
    use Value::*;
    let lt = |a: &Value, b: &Value| compare::compare_op(BinaryOp::Lt, a, b).unwrap();
    let ge = |a: &Value, b: &Value| compare::compare_op(BinaryOp::Ge, a, b).unwrap();
    assert_eq!(lt(&Int(1), &Float(1.5)), Bool(true));
    assert_eq!(lt(&String("1".into()), &Int(1)), Null);
    assert_eq!(lt(&Float(f64::NAN), &Int(1)), Bool(false));
    assert_eq!(ge(&Float(f64::NAN), &Float(f64::NAN)), Bool(false));
    assert_eq!(lt(&Float(f64::NAN), &String("a".into())), Null);
    assert_eq!(ge(&ilist(&[1, 0]), &ilist(&[1])), Bool(true));
    assert_eq!(ge(&vlist(vec![Int(1), Null]), &ilist(&[1])), Bool(true));
    assert_eq!(ge(&ilist(&[1, 2]), &vlist(vec![Int(1), Null])), Null);
    assert_eq!(ge(&ilist(&[1, 2]), &vlist(vec![Int(3), Null])), Bool(false));
    assert_eq!(lt(&map(&[]), &map(&[])), Null);
    assert_eq!(lt(&Bool(false), &Bool(true)), Bool(true));
    let d = |s: &str| Date(crate::value::Date::parse(s).unwrap());
    assert_eq!(lt(&d("2018-09"), &d("2018-10-01")), Bool(true));
    assert_eq!(compare(&Int(2), &Int(1)), Some(Ordering::Greater));
    assert_eq!(compare(&Null, &Int(1)), None);
}

#[test]
fn total_order_across_types() {
    use Value::*;
    let p = crate::value::Path {
        nodes: vec![EntityId(0), EntityId(1)],
        rels: vec![RelationId(0)],
    };
    let ascending = vec![
        map(&[("a", String("map".into()))]),
        Node(EntityId(0)),
        Relationship(RelationId(0)),
        vlist(vec![String("list".into())]),
        Path(Box::new(p)),
        Date(crate::value::Date::parse("2020").unwrap()),
        String("text".into()),
        Bool(false),
        Int(1),
        Float(1.5),
        Float(f64::NAN),
        Null,
    ];
    let mut shuffled = ascending.clone();
    shuffled.reverse();
    shuffled.swap(2, 7);
    shuffled.sort_by(order);
    for (a, b) in shuffled.iter().zip(&ascending) {
        assert_eq!(order(a, b), Ordering::Equal, "{a:?} vs {b:?}");
    }
    // Lists: element by element, then length; null sorts last inside lists too.
    let lists = [
        vlist(vec![]),
        vlist(vec![String("a".into())]),
        vlist(vec![String("a".into()), Int(1)]),
        ilist(&[1]),
        vlist(vec![Int(1), String("a".into())]),
        vlist(vec![Int(1), Null]),
        vlist(vec![Null, Int(1)]),
        vlist(vec![Null, Int(2)]),
    ];
    for w in lists.windows(2) {
        assert_eq!(
            order(&w[0], &w[1]),
            Ordering::Less,
            "{:?} < {:?}",
            w[0],
            w[1]
        );
    }
    assert_eq!(order(&Int(1), &Float(1.0)), Ordering::Equal);
    assert_eq!(order(&Float(-0.5), &Int(0)), Ordering::Less);
}

#[test]
fn hash_keys_follow_equivalence() {
    use Value::*;
    let mut set = HashSet::new();
    assert!(set.insert(HashKey::new(Null)));
    assert!(!set.insert(HashKey::new(Null)), "null ~ null");
    assert!(set.insert(HashKey::new(Int(1))));
    assert!(!set.insert(HashKey::new(Float(1.0))), "1 ~ 1.0");
    assert!(set.insert(HashKey::new(Float(1.5))));
    assert!(set.insert(HashKey::new(Float(f64::NAN))));
    assert!(!set.insert(HashKey::new(Float(f64::NAN))), "NaN ~ NaN");
    assert!(set.insert(HashKey::new(vlist(vec![Int(1), Null]))));
    assert!(!set.insert(HashKey::new(vlist(vec![Float(1.0), Null]))));
    assert!(set.insert(HashKey::new(map(&[("a", Int(1)), ("b", Int(2))]))));
    assert!(
        !set.insert(HashKey::new(map(&[("b", Int(2)), ("a", Int(1))]))),
        "maps regardless of key order"
    );
    assert!(set.insert(HashKey::new(String("1".into()))));
    assert_eq!(set.len(), 7);
}

#[test]
fn truthiness() {
    assert!(truthy(&Value::Bool(true)).unwrap());
    assert!(!truthy(&Value::Null).unwrap());
    assert_eq!(truthy(&Value::Int(1)).unwrap_err().kind, ErrorKind::Type);
}

// ----- operators ------------------------------------------------------

#[test]
fn three_valued_logic() {
    use BinaryOp::*;
    let t = || bool_(true);
    let f = || bool_(false);
    let cases = [
        (And, t(), null(), Value::Null),
        (And, f(), null(), Value::Bool(false)),
        (And, null(), f(), Value::Bool(false)),
        (Or, null(), t(), Value::Bool(true)),
        (Or, f(), null(), Value::Null),
        (Xor, t(), f(), Value::Bool(true)),
        (Xor, t(), null(), Value::Null),
    ];
    for (op, a, b, want) in cases {
        assert_eq!(v(&bin(op, a, b)), want, "{op:?}");
    }
    assert_eq!(
        v(&e(ExprKind::Unary(UnaryOp::Not, Box::new(null())))),
        Value::Null
    );
    let bad = err(&bin(And, bool_(true), int(1)));
    assert_eq!(
        (bad.kind, bad.code),
        (ErrorKind::Type, "InvalidArgumentType")
    );
    // Short-circuit: the right side is not evaluated.
    assert_eq!(
        v(&bin(And, bool_(false), bin(Div, int(1), int(0)))),
        Value::Bool(false)
    );
}

#[test]
fn arithmetic() {
    use BinaryOp::*;
    assert_eq!(v(&bin(Add, int(1), int(2))), Value::Int(3));
    assert_eq!(v(&bin(Add, int(1), flt(0.5))), Value::Float(1.5));
    assert_eq!(v(&bin(Div, int(7), int(2))), Value::Int(3));
    assert_eq!(v(&bin(Div, int(-7), int(2))), Value::Int(-3));
    assert_eq!(v(&bin(Mod, int(-7), int(2))), Value::Int(-1));
    assert_eq!(v(&bin(Pow, int(2), int(3))), Value::Float(8.0));
    assert_eq!(v(&bin(Div, flt(1.0), int(0))), Value::Float(f64::INFINITY));
    assert!(matches!(v(&bin(Div, flt(0.0), flt(0.0))), Value::Float(x) if x.is_nan()));
    assert_eq!(v(&bin(Sub, int(1), null())), Value::Null);
    let over = err(&bin(Add, int(i64::MAX), int(1)));
    assert_eq!(
        (over.kind, over.code),
        (ErrorKind::Arithmetic, "IntegerOverflow")
    );
    let over = err(&bin(Mul, int(i64::MIN), int(-1)));
    assert_eq!(over.code, "IntegerOverflow");
    let over = err(&e(ExprKind::Unary(UnaryOp::Neg, Box::new(int(i64::MIN)))));
    assert_eq!(over.code, "IntegerOverflow");
    let zero = err(&bin(Div, int(1), int(0)));
    assert_eq!(
        (zero.kind, zero.code),
        (ErrorKind::Arithmetic, "DivisionByZero")
    );
    assert_eq!(err(&bin(Mod, int(1), int(0))).code, "DivisionByZero");
    let bad = err(&bin(Sub, st("a"), int(1)));
    assert_eq!(
        (bad.kind, bad.code),
        (ErrorKind::Type, "InvalidArgumentType")
    );
}

#[test]
fn concatenation() {
    use BinaryOp::*;
    assert_eq!(v(&bin(Add, st("a"), st("b"))), Value::from("ab"));
    assert_eq!(v(&bin(Add, st("a"), int(1))), Value::from("a1"));
    assert_eq!(v(&bin(Add, flt(1.5), st("x"))), Value::from("1.5x"));
    assert_eq!(
        v(&bin(Add, list(vec![int(1)]), list(vec![int(2), int(3)]))),
        ilist(&[1, 2, 3])
    );
    assert_eq!(v(&bin(Add, list(vec![int(1)]), int(2))), ilist(&[1, 2]));
    assert_eq!(v(&bin(Add, int(0), list(vec![int(1)]))), ilist(&[0, 1]));
}

#[test]
fn membership() {
    use BinaryOp::In;
    let l = |xs: Vec<Expr>| list(xs);
    assert_eq!(
        v(&bin(In, int(3), l(vec![int(1), null(), int(3)]))),
        Value::Bool(true)
    );
    assert_eq!(
        v(&bin(In, int(4), l(vec![int(1), null(), int(3)]))),
        Value::Null
    );
    assert_eq!(v(&bin(In, null(), l(vec![]))), Value::Bool(false));
    assert_eq!(v(&bin(In, null(), l(vec![int(1)]))), Value::Null);
    assert_eq!(
        v(&bin(
            In,
            l(vec![int(1), int(2)]),
            l(vec![int(1), l(vec![int(1), int(2)])])
        )),
        Value::Bool(true)
    );
    assert_eq!(
        v(&bin(
            In,
            l(vec![int(1), int(2)]),
            l(vec![l(vec![null(), st("foo")])])
        )),
        Value::Bool(false)
    );
    assert_eq!(v(&bin(In, l(vec![]), l(vec![]))), Value::Bool(false));
    assert_eq!(v(&bin(In, int(1), null())), Value::Null);
    assert_eq!(err(&bin(In, int(1), int(1))).code, "InvalidArgumentType");
}

#[test]
fn string_predicates_and_regex() {
    use BinaryOp::*;
    assert_eq!(v(&bin(StartsWith, st("abc"), st("ab"))), Value::Bool(true));
    assert_eq!(v(&bin(EndsWith, st("abc"), st("bc"))), Value::Bool(true));
    assert_eq!(v(&bin(Contains, st("abc"), st(""))), Value::Bool(true));
    assert_eq!(v(&bin(Contains, st("abc"), null())), Value::Null);
    assert_eq!(v(&bin(StartsWith, int(1), int(1))), Value::Null);
    assert_eq!(v(&bin(Regex, st("abc"), st("a.c"))), Value::Bool(true));
    assert_eq!(
        v(&bin(Regex, st("abcd"), st("a.c"))),
        Value::Bool(false),
        "full match"
    );
    assert_eq!(v(&bin(Regex, st("x|y"), st("x|y"))), Value::Bool(false));
    assert_eq!(v(&bin(Regex, st("y"), st("x|y"))), Value::Bool(true));
    assert_eq!(err(&bin(Regex, st("a"), st("("))).kind, ErrorKind::Argument);
}

// ----- access -------------------------------------------------------

#[test]
fn lists_index_and_slice() {
    let l = || list(vec![int(1), int(2), int(3)]);
    let idx = |i: Expr| e(ExprKind::Index(Box::new(l()), Box::new(i)));
    assert_eq!(v(&idx(int(0))), Value::Int(1));
    assert_eq!(v(&idx(int(-1))), Value::Int(3));
    assert_eq!(v(&idx(int(3))), Value::Null);
    assert_eq!(v(&idx(null())), Value::Null);
    assert_eq!(err(&idx(st("1"))).kind, ErrorKind::Type);
    let sl = |a: Option<Expr>, b: Option<Expr>| {
        e(ExprKind::Slice(
            Box::new(l()),
            a.map(Box::new),
            b.map(Box::new),
        ))
    };
    assert_eq!(v(&sl(Some(int(1)), None)), ilist(&[2, 3]));
    assert_eq!(v(&sl(None, Some(int(2)))), ilist(&[1, 2]));
    assert_eq!(v(&sl(Some(int(-3)), Some(int(-1)))), ilist(&[1, 2]));
    assert_eq!(v(&sl(Some(int(3)), Some(int(1)))), ilist(&[]));
    assert_eq!(v(&sl(Some(int(-5)), Some(int(5)))), ilist(&[1, 2, 3]));
    assert_eq!(v(&sl(Some(null()), None)), Value::Null);
    // Indexing a non-list.
    let bad = err(&e(ExprKind::Index(Box::new(int(100)), Box::new(int(0)))));
    assert_eq!(
        (bad.kind, bad.code),
        (ErrorKind::Type, "InvalidArgumentType")
    );
}

#[test]
fn maps_static_and_dynamic_access() {
    let m = || {
        e(ExprKind::Map(vec![
            (id("name"), st("Mats")),
            (id("Name"), st("Pontus")),
        ]))
    };
    assert_eq!(v(&prop(m(), "Name")), Value::from("Pontus"));
    assert_eq!(v(&prop(m(), "nAMe")), Value::Null);
    assert_eq!(v(&prop(null(), "x")), Value::Null);
    let dynamic = |k: Expr| e(ExprKind::Index(Box::new(m()), Box::new(k)));
    assert_eq!(v(&dynamic(st("name"))), Value::from("Mats"));
    let bad = err(&dynamic(int(0)));
    assert_eq!(
        (bad.kind, bad.code),
        (ErrorKind::Type, "MapElementAccessByNonString")
    );
    let bad = err(&prop(int(123), "num"));
    assert_eq!(
        (bad.kind, bad.code),
        (ErrorKind::Type, "InvalidArgumentType")
    );
}

#[test]
fn graph_properties_and_virtual_properties() {
    let (env, _a, _b, _r) = TestEnv::with_graph();
    let ev = |x: &Expr| eval(x, &env).unwrap();
    assert_eq!(ev(&prop(var("a"), "name")), Value::from("Ann"));
    assert_eq!(ev(&prop(var("a"), "missing")), Value::Null);
    assert_eq!(ev(&prop(var("a"), "key")), Value::from("ann"));
    assert_eq!(
        ev(&prop(var("b"), "key")),
        Value::from("real-key-prop"),
        "a real property wins over the virtual one"
    );
    assert_eq!(
        ev(&prop(var("a"), "aliases")),
        vlist(vec![Value::from("Annie")])
    );
    assert_eq!(
        ev(&prop(var("a"), "sources")),
        vlist(vec![map(&[
            ("article", Value::from("a.txt")),
            ("sentence", Value::Int(3))
        ])])
    );
    assert_eq!(ev(&prop(var("r"), "since")), Value::Int(2001));
    assert_eq!(
        ev(&prop(var("r"), "sources")),
        vlist(vec![map(&[
            ("article", Value::from("b.txt")),
            ("sentence", Value::Int(7))
        ])])
    );
    let dynamic = e(ExprKind::Index(
        Box::new(var("a")),
        Box::new(bin(BinaryOp::Add, st("na"), st("me"))),
    ));
    assert_eq!(ev(&dynamic), Value::from("Ann"));
    let labels = |names: &[&str]| {
        e(ExprKind::HasLabels(
            Box::new(var("b")),
            names.iter().map(|n| id(n)).collect(),
        ))
    };
    assert_eq!(ev(&labels(&["Admin", "Person"])), Value::Bool(true));
    assert_eq!(ev(&labels(&["Admin", "Robot"])), Value::Bool(false));
    assert_eq!(
        ev(&call("labels", vec![var("b")])),
        vlist(vec![Value::from("Person"), Value::from("Admin")])
    );
    assert_eq!(ev(&call("type", vec![var("r")])), Value::from("KNOWS"));
    assert_eq!(ev(&call("key", vec![var("a")])), Value::from("ann"));
    assert_eq!(
        ev(&call("aliases", vec![var("a")])),
        vlist(vec![Value::from("Annie")])
    );
    assert_eq!(
        ev(&call("keys", vec![var("a")])),
        vlist(vec![Value::from("name"), Value::from("age")])
    );
    assert_eq!(
        ev(&call("startNode", vec![var("r")])),
        env.vars["a"].clone()
    );
    assert_eq!(ev(&call("endnode", vec![var("r")])), env.vars["b"].clone());
    assert!(matches!(ev(&call("id", vec![var("a")])), Value::Int(_)));
}

#[test]
fn deleted_entities_cannot_be_read() {
    let (mut env, _a, b, r) = TestEnv::with_graph();
    env.graph.remove_relation(r).unwrap();
    env.graph.remove_entity(b).unwrap();
    for x in [
        prop(var("b"), "name"),
        prop(var("r"), "since"),
        call("labels", vec![var("b")]),
    ] {
        let err = eval(&x, &env).unwrap_err();
        assert_eq!(
            (err.kind, err.code),
            (ErrorKind::EntityNotFound, "DeletedEntityAccess")
        );
    }
    // type() of a deleted relationship works when the executor remembers it.
    struct Remembering<'a>(&'a TestEnv, Relation);
    impl Env for Remembering<'_> {
        fn graph(&self) -> &Graph {
            self.0.graph()
        }
        fn params(&self) -> &Params {
            self.0.params()
        }
        fn lookup(&self, name: &str) -> Option<&Value> {
            self.0.lookup(name)
        }
        fn match_pattern(
            &self,
            p: &PatternElement,
            v: Option<&str>,
            s: &dyn Env,
        ) -> Result<Vec<Vec<(String, Value)>>> {
            self.0.match_pattern(p, v, s)
        }
        fn exists(&self, b: &ExistsBody, s: &dyn Env) -> Result<bool> {
            self.0.exists(b, s)
        }
        fn deleted_relation(&self, id: RelationId) -> Option<&Relation> {
            (id == self.1.id).then_some(&self.1)
        }
    }
    let rel = Relation {
        id: r,
        from: EntityId(0),
        to: b,
        rel_type: "KNOWS".into(),
        props: ValueMap::default(),
        sources: Box::default(),
    };
    let remembering = Remembering(&env, rel);
    assert_eq!(
        eval(&call("type", vec![var("r")]), &remembering).unwrap(),
        Value::from("KNOWS")
    );
}

#[test]
fn parameters() {
    let mut env = TestEnv::new();
    env.params.insert("p".into(), Value::Int(5));
    assert_eq!(
        eval(&e(ExprKind::Parameter("p".into())), &env).unwrap(),
        Value::Int(5)
    );
    let err = eval(&e(ExprKind::Parameter("q".into())), &env).unwrap_err();
    assert_eq!(
        (err.kind, err.code),
        (ErrorKind::ParameterMissing, "MissingParameter")
    );
}

// ----- local variables ------------------------------------------------

#[test]
fn comprehensions_quantifiers_reduce() {
    let xs = || list(vec![int(1), int(2), int(3), int(4)]);
    let comp = e(ExprKind::ListComprehension {
        variable: id("x"),
        list: Box::new(xs()),
        predicate: Some(Box::new(bin(
            BinaryOp::Eq,
            bin(BinaryOp::Mod, var("x"), int(2)),
            int(0),
        ))),
        projection: Some(Box::new(bin(BinaryOp::Mul, var("x"), int(10)))),
    });
    assert_eq!(v(&comp), ilist(&[20, 40]));
    let q = |quantifier, items: Vec<Expr>| {
        e(ExprKind::Quantified {
            quantifier,
            variable: id("x"),
            list: Box::new(list(items)),
            predicate: Some(Box::new(bin(BinaryOp::Eq, var("x"), int(2)))),
        })
    };
    use Quantifier::*;
    assert_eq!(v(&q(All, vec![])), Value::Bool(true));
    assert_eq!(v(&q(Any, vec![])), Value::Bool(false));
    assert_eq!(v(&q(Single, vec![])), Value::Bool(false));
    assert_eq!(v(&q(None, vec![null()])), Value::Null);
    assert_eq!(v(&q(None, vec![int(2), null()])), Value::Bool(false));
    assert_eq!(v(&q(Any, vec![int(0), null()])), Value::Null);
    assert_eq!(v(&q(Any, vec![null(), int(2)])), Value::Bool(true));
    assert_eq!(v(&q(All, vec![int(2), null()])), Value::Null);
    assert_eq!(v(&q(All, vec![int(1), null()])), Value::Bool(false));
    assert_eq!(v(&q(Single, vec![int(2), null()])), Value::Null);
    assert_eq!(
        v(&q(Single, vec![int(2), int(2), null()])),
        Value::Bool(false)
    );
    assert_eq!(v(&q(Single, vec![int(1), int(2)])), Value::Bool(true));
    let red = e(ExprKind::Reduce {
        accumulator: id("acc"),
        init: Box::new(int(0)),
        variable: id("x"),
        list: Box::new(xs()),
        expr: Box::new(bin(BinaryOp::Add, var("acc"), var("x"))),
    });
    assert_eq!(v(&red), Value::Int(10));
    // A local variable shadows the row's.
    let mut env = TestEnv::new();
    env.vars.insert("x".into(), Value::from("outer"));
    assert_eq!(eval(&comp, &env).unwrap(), ilist(&[20, 40]));
    assert_eq!(eval(&var("x"), &env).unwrap(), Value::from("outer"));
    // A null list gives null; a non-list is a type error.
    let on = |l: Expr| {
        e(ExprKind::ListComprehension {
            variable: id("x"),
            list: Box::new(l),
            predicate: Option::None,
            projection: Option::None,
        })
    };
    assert_eq!(v(&on(null())), Value::Null);
    assert_eq!(err(&on(int(1))).kind, ErrorKind::Type);
}

#[test]
fn pattern_comprehension_sees_local_variables() {
    let mut env = TestEnv::new();
    env.matches = vec![
        vec![("m".into(), Value::Int(1))],
        vec![("m".into(), Value::Int(2))],
    ];
    let pattern = PatternElement {
        start: crate::syntax::ast::NodePattern {
            variable: Some(id("m")),
            labels: vec![],
            properties: Option::None,
            span: sp(),
        },
        chain: vec![],
        span: sp(),
    };
    let pc = e(ExprKind::PatternComprehension {
        variable: Option::None,
        pattern: Box::new(pattern.clone()),
        predicate: Option::None,
        projection: Box::new(bin(BinaryOp::Mul, var("m"), int(3))),
    });
    assert_eq!(eval(&pc, &env).unwrap(), ilist(&[3, 6]));
    // Inside a comprehension binding `skip = true`, the scope passed to the
    // matcher carries it, and the (test) matcher returns nothing.
    let outer = e(ExprKind::ListComprehension {
        variable: id("skip"),
        list: Box::new(list(vec![bool_(false), bool_(true)])),
        predicate: Option::None,
        projection: Some(Box::new(call("size", vec![pc.clone()]))),
    });
    assert_eq!(eval(&outer, &env).unwrap(), ilist(&[2, 0]));
    let pred = e(ExprKind::Pattern(Box::new(pattern)));
    assert_eq!(eval(&pred, &env).unwrap(), Value::Bool(true));
    assert_eq!(
        eval(&call("exists", vec![pred.clone()]), &TestEnv::new()).unwrap(),
        Value::Bool(false)
    );
}

#[test]
fn case_expressions() {
    let simple = |subject: Expr| {
        e(ExprKind::Case {
            subject: Some(Box::new(subject)),
            whens: vec![(int(1), st("one")), (int(2), st("two"))],
            otherwise: Some(Box::new(st("other"))),
        })
    };
    assert_eq!(v(&simple(int(2))), Value::from("two"));
    assert_eq!(v(&simple(flt(1.0))), Value::from("one"));
    assert_eq!(v(&simple(st("1"))), Value::from("other"));
    assert_eq!(v(&simple(null())), Value::from("other"));
    let generic = e(ExprKind::Case {
        subject: Option::None,
        whens: vec![
            (null(), st("null")),
            (bin(BinaryOp::Gt, int(2), int(1)), st("yes")),
        ],
        otherwise: Option::None,
    });
    assert_eq!(v(&generic), Value::from("yes"));
}

#[test]
fn errors_carry_the_innermost_span() {
    let inner = Expr::new(
        ExprKind::Binary(BinaryOp::Div, Box::new(int(1)), Box::new(int(0))),
        Span::new(10, 15),
    );
    let outer = Expr::new(
        ExprKind::Binary(BinaryOp::Add, Box::new(int(1)), Box::new(inner)),
        Span::new(5, 15),
    );
    assert_eq!(ev(&outer).unwrap_err().span, Some(Span::new(10, 15)));
}

#[test]
fn aggregates_are_looked_up_in_the_env() {
    struct Agg(TestEnv);
    impl Env for Agg {
        fn graph(&self) -> &Graph {
            self.0.graph()
        }
        fn params(&self) -> &Params {
            self.0.params()
        }
        fn lookup(&self, name: &str) -> Option<&Value> {
            self.0.lookup(name)
        }
        fn match_pattern(
            &self,
            p: &PatternElement,
            v: Option<&str>,
            s: &dyn Env,
        ) -> Result<Vec<Vec<(String, Value)>>> {
            self.0.match_pattern(p, v, s)
        }
        fn exists(&self, b: &ExistsBody, s: &dyn Env) -> Result<bool> {
            self.0.exists(b, s)
        }
        fn aggregate(&self, expr: &Expr) -> Option<Value> {
            matches!(expr.kind, ExprKind::CountStar).then_some(Value::Int(41))
        }
    }
    let x = bin(BinaryOp::Add, e(ExprKind::CountStar), int(1));
    assert_eq!(eval(&x, &Agg(TestEnv::new())).unwrap(), Value::Int(42));
    assert_eq!(err(&x).code, "InvalidAggregation");
    assert_eq!(aggregates_in(&x).len(), 1);
    let nested = call(
        "size",
        vec![call("collect", vec![call("count", vec![var("x")])])],
    );
    assert_eq!(aggregates_in(&nested).len(), 1, "outermost aggregate only");
    assert!(!contains_aggregate(&call("size", vec![var("x")])));
}

// ----- functions -------------------------------------------------------

fn f(name: &str, args: Vec<Expr>) -> Value {
    v(&call(name, args))
}

fn ferr(name: &str, args: Vec<Expr>) -> (ErrorKind, &'static str) {
    let e = err(&call(name, args));
    (e.kind, e.code)
}

#[test]
fn list_functions() {
    let l = || list(vec![int(1), int(2), int(3)]);
    assert_eq!(f("size", vec![l()]), Value::Int(3));
    assert_eq!(f("SIZE", vec![st("héllo")]), Value::Int(5));
    assert_eq!(f("size", vec![null()]), Value::Null);
    assert_eq!(f("head", vec![l()]), Value::Int(1));
    assert_eq!(f("head", vec![list(vec![])]), Value::Null);
    assert_eq!(f("last", vec![l()]), Value::Int(3));
    assert_eq!(f("tail", vec![l()]), ilist(&[2, 3]));
    assert_eq!(f("tail", vec![list(vec![])]), ilist(&[]));
    assert_eq!(f("reverse", vec![l()]), ilist(&[3, 2, 1]));
    assert_eq!(f("reverse", vec![st("raksO")]), Value::from("Oskar"));
    assert_eq!(f("coalesce", vec![null(), int(2), int(3)]), Value::Int(2));
    assert_eq!(f("range", vec![int(0), int(3)]), ilist(&[0, 1, 2, 3]));
    assert_eq!(
        f("range", vec![int(10), int(-10), int(-3)]),
        ilist(&[10, 7, 4, 1, -2, -5, -8])
    );
    assert_eq!(f("range", vec![int(0), int(-1)]), ilist(&[]));
    assert_eq!(f("range", vec![int(0), int(1), int(2)]), ilist(&[0]));
    assert_eq!(
        ferr("range", vec![int(2), int(8), int(0)]),
        (ErrorKind::Argument, "NumberOutOfRange")
    );
    assert_eq!(
        ferr("range", vec![flt(0.0), int(1)]),
        (ErrorKind::Argument, "InvalidArgumentType")
    );
    assert_eq!(
        f(
            "keys",
            vec![e(ExprKind::Map(vec![(id("k"), null()), (id("l"), int(1))]))]
        ),
        vlist(vec![Value::from("k"), Value::from("l")])
    );
}

#[test]
fn conversion_functions() {
    assert_eq!(f("toInteger", vec![flt(82.9)]), Value::Int(82));
    assert_eq!(f("toInteger", vec![flt(-2.9)]), Value::Int(-2));
    assert_eq!(f("toInteger", vec![st("42")]), Value::Int(42));
    assert_eq!(f("toInteger", vec![st("1.7")]), Value::Int(1));
    assert_eq!(f("toInteger", vec![st("foo")]), Value::Null);
    assert_eq!(f("toInteger", vec![st("")]), Value::Null);
    assert_eq!(f("toInteger", vec![bool_(true)]), Value::Int(1));
    assert_eq!(
        ferr("toInteger", vec![list(vec![])]),
        (ErrorKind::Type, "InvalidArgumentValue")
    );
    assert_eq!(f("toIntegerOrNull", vec![list(vec![])]), Value::Null);
    assert_eq!(f("toFloat", vec![int(3)]), Value::Float(3.0));
    assert_eq!(f("toFloat", vec![st("5")]), Value::Float(5.0));
    assert_eq!(f("toFloat", vec![st("inf")]), Value::Null);
    assert_eq!(
        ferr("toFloat", vec![bool_(true)]),
        (ErrorKind::Type, "InvalidArgumentValue")
    );
    assert_eq!(f("toString", vec![int(42)]), Value::from("42"));
    assert_eq!(f("toString", vec![flt(2.3)]), Value::from("2.3"));
    assert_eq!(f("toString", vec![flt(1.0)]), Value::from("1.0"));
    assert_eq!(f("toString", vec![flt(1e7)]), Value::from("1.0E7"));
    assert_eq!(f("toString", vec![flt(1.5e-4)]), Value::from("1.5E-4"));
    assert_eq!(f("toString", vec![bool_(false)]), Value::from("false"));
    assert_eq!(
        ferr("toString", vec![list(vec![])]),
        (ErrorKind::Type, "InvalidArgumentValue")
    );
    assert_eq!(f("toBoolean", vec![st("true")]), Value::Bool(true));
    assert_eq!(f("toBoolean", vec![st(" tru ")]), Value::Null);
    assert_eq!(
        ferr("toBoolean", vec![flt(1.0)]),
        (ErrorKind::Type, "InvalidArgumentValue")
    );
    assert_eq!(
        f(
            "toIntegerList",
            vec![list(vec![st("1"), st("x"), flt(2.5)])]
        ),
        vlist(vec![Value::Int(1), Value::Null, Value::Int(2)])
    );
}

#[test]
fn string_functions() {
    assert_eq!(f("toUpper", vec![st("abc")]), Value::from("ABC"));
    assert_eq!(f("tolower", vec![st("ABC")]), Value::from("abc"));
    assert_eq!(f("trim", vec![st("  a b  ")]), Value::from("a b"));
    assert_eq!(f("ltrim", vec![st("  a ")]), Value::from("a "));
    assert_eq!(f("rtrim", vec![st(" a  ")]), Value::from(" a"));
    assert_eq!(
        f("replace", vec![st("hello"), st("l"), st("L")]),
        Value::from("heLLo")
    );
    assert_eq!(
        f("substring", vec![st("0123456789"), int(1)]),
        Value::from("123456789")
    );
    assert_eq!(
        f("substring", vec![st("0123456789"), int(1), int(3)]),
        Value::from("123")
    );
    assert_eq!(f("substring", vec![st("abc"), int(10)]), Value::from(""));
    assert_eq!(f("left", vec![st("hello"), int(3)]), Value::from("hel"));
    assert_eq!(f("right", vec![st("hello"), int(3)]), Value::from("llo"));
    assert_eq!(f("right", vec![st("hi"), int(5)]), Value::from("hi"));
    assert_eq!(
        f("split", vec![st("one1two"), st("1")]),
        vlist(vec![Value::from("one"), Value::from("two")])
    );
    assert_eq!(f("toUpper", vec![null()]), Value::Null);
    assert_eq!(
        ferr("toUpper", vec![int(1)]),
        (ErrorKind::Type, "InvalidArgumentType")
    );
    assert_eq!(
        ferr("substring", vec![st("abc"), int(-1)]),
        (ErrorKind::Argument, "NumberOutOfRange")
    );
}

#[test]
fn math_functions() {
    assert_eq!(f("abs", vec![int(-1)]), Value::Int(1));
    assert_eq!(f("abs", vec![flt(-1.5)]), Value::Float(1.5));
    assert_eq!(ferr("abs", vec![int(i64::MIN)]).1, "IntegerOverflow");
    assert_eq!(f("sqrt", vec![flt(12.96)]), Value::Float(3.6));
    assert_eq!(f("ceil", vec![flt(1.2)]), Value::Float(2.0));
    assert_eq!(f("floor", vec![flt(-1.2)]), Value::Float(-2.0));
    assert_eq!(f("round", vec![flt(2.5)]), Value::Float(3.0));
    assert_eq!(f("round", vec![flt(-2.5)]), Value::Float(-2.0));
    assert_eq!(
        f("round", vec![flt(0.49999999999999994)]),
        Value::Float(0.0)
    );
    assert_eq!(f("sign", vec![flt(-0.5)]), Value::Int(-1));
    assert_eq!(f("sign", vec![int(0)]), Value::Int(0));
    assert_eq!(f("log10", vec![int(100)]), Value::Float(2.0));
    assert_eq!(f("exp", vec![int(0)]), Value::Float(1.0));
    assert_eq!(f("pi", vec![]), Value::Float(std::f64::consts::PI));
    assert_eq!(f("degrees", vec![f_pi()]), Value::Float(180.0));
    assert_eq!(f("atan2", vec![int(0), int(1)]), Value::Float(0.0));
    for _ in 0..100 {
        match f("rand", vec![]) {
            Value::Float(x) => assert!((0.0..1.0).contains(&x)),
            other => panic!("rand gave {other:?}"),
        }
    }
    assert_ne!(f("rand", vec![]), f("rand", vec![]));
    assert_eq!(
        ferr("sqrt", vec![st("x")]),
        (ErrorKind::Type, "InvalidArgumentType")
    );
}

fn f_pi() -> Expr {
    call("pi", vec![])
}

#[test]
fn dates() {
    let d = |s: &str| Value::Date(Date::parse(s).unwrap());
    assert_eq!(f("date", vec![st("2018-09")]), d("2018-09"));
    assert_eq!(
        f(
            "date",
            vec![e(ExprKind::Map(vec![
                (id("year"), int(1984)),
                (id("month"), int(10)),
                (id("day"), int(11))
            ]))]
        ),
        d("1984-10-11")
    );
    assert_eq!(ferr("date", vec![st("2018-13")]).0, ErrorKind::Argument);
    assert_eq!(
        ferr(
            "date",
            vec![e(ExprKind::Map(vec![
                (id("year"), int(2023)),
                (id("month"), int(2)),
                (id("day"), int(29))
            ]))]
        )
        .0,
        ErrorKind::Argument
    );
    assert!(matches!(f("date", vec![]), Value::Date(x) if x.year >= 2024 && x.day.is_some()));
    assert_eq!(
        v(&prop(call("date", vec![st("2018-09")]), "month")),
        Value::Int(9)
    );
    assert_eq!(
        v(&prop(call("date", vec![st("2018-09")]), "day")),
        Value::Null
    );
    assert_eq!(
        f("toString", vec![call("date", vec![st("2018-09-01")])]),
        Value::from("2018-09-01")
    );
}

#[test]
fn unknown_functions_and_arity() {
    assert_eq!(ferr("nope", vec![]), (ErrorKind::Syntax, "UnknownFunction"));
    assert_eq!(
        ferr("size", vec![int(1), int(2)]),
        (ErrorKind::Syntax, "InvalidNumberOfArguments")
    );
    assert_eq!(function_arity("COALESCE"), Some((1, None)));
    assert_eq!(function_arity("percentileDisc"), Some((2, Some(2))));
    assert_eq!(function_arity("substring"), Some((2, Some(3))));
    assert_eq!(function_arity("nope"), None);
    assert!(is_aggregate("CoLLect"));
    assert!(!is_aggregate("size"));
    // Every aggregate has an arity and an accumulator.
    for name in function_names().filter(|n| is_aggregate(n)) {
        assert!(function_arity(name).is_some());
        assert!(Aggregator::new(name, false).is_ok(), "{name}");
    }
}

// ----- aggregates ------------------------------------------------------

fn run(name: &str, distinct: bool, rows: &[Vec<Value>]) -> Result<Value> {
    let mut agg = Aggregator::new(name, distinct)?;
    for r in rows {
        agg.update(r)?;
    }
    agg.finish()
}

fn rows(vals: &[Value]) -> Vec<Vec<Value>> {
    vals.iter().map(|v| vec![v.clone()]).collect()
}

#[test]
fn aggregate_basics() {
    use Value::*;
    let data = rows(&[Int(1), Int(2), Null, Int(2), Float(0.5)]);
    assert_eq!(run("count", false, &data).unwrap(), Int(4));
    assert_eq!(run("count", true, &data).unwrap(), Int(3));
    assert_eq!(run("count(*)", false, &data).unwrap(), Int(5));
    assert_eq!(run("sum", false, &data).unwrap(), Float(5.5));
    assert_eq!(run("sum", false, &rows(&[Int(1), Int(2)])).unwrap(), Int(3));
    assert_eq!(run("sum", false, &[]).unwrap(), Int(0));
    assert_eq!(
        run("avg", false, &rows(&[Int(1), Int(2)])).unwrap(),
        Float(1.5)
    );
    assert_eq!(run("avg", false, &[]).unwrap(), Null);
    assert_eq!(run("min", false, &data).unwrap(), Float(0.5));
    assert_eq!(run("max", false, &data).unwrap(), Int(2));
    assert_eq!(run("max", false, &[]).unwrap(), Null);
    assert_eq!(
        run("collect", false, &data).unwrap(),
        vlist(vec![Int(1), Int(2), Int(2), Float(0.5)])
    );
    assert_eq!(
        run("collect", true, &rows(&[Null, Int(1), Null, Float(1.0)])).unwrap(),
        ilist(&[1])
    );
    // Mixed types: max is the number, min the list.
    let mixed = rows(&[
        Int(1),
        String("a".into()),
        Null,
        ilist(&[1, 2]),
        Float(0.2),
        String("b".into()),
    ]);
    assert_eq!(run("max", false, &mixed).unwrap(), Int(1));
    assert_eq!(run("min", false, &mixed).unwrap(), ilist(&[1, 2]));
    let err = run("sum", false, &rows(&[Int(1), String("x".into())])).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Type);
    let err = run("sum", false, &rows(&[Int(i64::MAX), Int(1)])).unwrap_err();
    assert_eq!(err.code, "IntegerOverflow");
    assert_eq!(
        run("sum", false, &rows(&[Int(i64::MAX), Int(1), Int(-5)])).unwrap(),
        Int(i64::MAX - 4),
        "intermediate overflow is fine"
    );
}

#[test]
fn percentiles_and_deviation() {
    use Value::*;
    let prices = |p: f64| -> Vec<Vec<Value>> {
        [10.0, 30.0, 20.0]
            .iter()
            .map(|x| vec![Float(*x), Float(p)])
            .collect()
    };
    for (p, want) in [(0.0, 10.0), (0.5, 20.0), (1.0, 30.0)] {
        assert_eq!(
            run("percentileDisc", false, &prices(p)).unwrap(),
            Float(want)
        );
        assert_eq!(
            run("percentileCont", false, &prices(p)).unwrap(),
            Float(want)
        );
    }
    assert_eq!(
        run("percentileCont", false, &prices(0.25)).unwrap(),
        Float(15.0)
    );
    let ints: Vec<Vec<Value>> = (1..=4).map(|i| vec![Int(i), Float(0.5)]).collect();
    assert_eq!(run("percentileDisc", false, &ints).unwrap(), Int(2));
    for bad in [Int(1000), Int(-1), Float(1.1)] {
        let err = run("percentileDisc", false, &[vec![Float(1.0), bad.clone()]]).unwrap_err();
        assert_eq!(
            (err.kind, err.code),
            (ErrorKind::Argument, "NumberOutOfRange")
        );
        let err = run("percentileCont", false, &[vec![Null, bad]]).unwrap_err();
        assert_eq!(err.code, "NumberOutOfRange");
    }
    let xs = rows(&[
        Int(2),
        Int(4),
        Int(4),
        Int(4),
        Int(5),
        Int(5),
        Int(7),
        Int(9),
    ]);
    assert_eq!(run("stDevP", false, &xs).unwrap(), Float(2.0));
    match run("stDev", false, &xs).unwrap() {
        Float(x) => assert!((x - 2.138_089_935_299_395).abs() < 1e-12),
        other => panic!("{other:?}"),
    }
    assert_eq!(run("stDev", false, &rows(&[Int(1)])).unwrap(), Float(0.0));
}

#[test]
fn float_formatting() {
    assert_eq!(format_float(0.0), "0.0");
    assert_eq!(format_float(-0.0), "-0.0");
    assert_eq!(format_float(123.456), "123.456");
    assert_eq!(format_float(9_999_999.0), "9999999.0");
    assert_eq!(
        format_float(1.2635418652381264e305),
        "1.2635418652381264E305"
    );
    assert_eq!(format_float(0.001), "0.001");
    assert_eq!(format_float(f64::NAN), "NaN");
    assert_eq!(format_float(f64::NEG_INFINITY), "-Infinity");
}

#[test]
fn value_level_helpers_are_public() {
    let env = TestEnv::new();
    assert_eq!(
        index_value(&ilist(&[1, 2]), &Value::Int(-2), &env).unwrap(),
        Value::Int(1)
    );
    assert_eq!(
        property(&map(&[("a", Value::Int(1))]), "a", &env).unwrap(),
        Value::Int(1)
    );
    assert_eq!(
        slice(&ilist(&[1, 2, 3]), Some(&Value::Int(1)), None).unwrap(),
        ilist(&[2, 3])
    );
    assert_eq!(
        ops::binary(BinaryOp::Add, &Value::Int(1), &Value::Int(2)).unwrap(),
        Value::Int(3)
    );
}
