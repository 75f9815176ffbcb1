//! Table tests for the expression evaluator: each case is the text of an
//! expression, evaluated as `RETURN <expr>` through the real parser and
//! `kg::eval::eval`, and compared with an expected value (itself written as a
//! Cypher literal) or an expected error.
//!
//! Values are compared strictly: `1` and `1.0` differ, list order matters,
//! `NaN` is matched by the text `NaN`.

use indexmap::IndexMap;

use kg::error::ErrorKind;
use kg::eval::{self, Env, Params};
use kg::store::{Alias, Citation, NewEntity, Relation, RelationId};
use kg::syntax::ast::{ClauseKind, ExistsBody, Expr, PatternElement};
use kg::value::ValueMap;
use kg::{Graph, Value};

/// A row of variables over a small graph:
/// `(ann:Person {name: 'Ann', age: 30})-[knows:KNOWS {since: 2001}]->(bob:Person:Admin {name: 'Bob'})`.
struct TestEnv {
    graph: Graph,
    params: Params,
    vars: IndexMap<String, Value>,
}

impl TestEnv {
    fn new() -> TestEnv {
        let mut graph = Graph::new();
        let mut props = ValueMap::default();
        props.insert("name", Value::from("Ann"));
        props.insert("age", Value::Int(30));
        let ann = graph
            .add_entity(NewEntity {
                key: Some("ann".into()),
                labels: vec!["Person".into()],
                props,
                aliases: vec![
                    Alias {
                        text: "Annie".into(),
                        lang: Some("en".into()),
                    },
                    Alias {
                        text: "آن".into(),
                        lang: Some("ar".into()),
                    },
                ],
                sources: vec![Citation {
                    article: "000_a.txt".into(),
                    sentence: 4,
                }],
            })
            .expect("add ann");
        let mut props = ValueMap::default();
        props.insert("name", Value::from("Bob"));
        let bob = graph
            .add_entity(NewEntity {
                key: Some("bob".into()),
                labels: vec!["Person".into(), "Admin".into()],
                props,
                ..NewEntity::default()
            })
            .expect("add bob");
        let mut props = ValueMap::default();
        props.insert("since", Value::Int(2001));
        let knows = graph
            .add_relation(
                ann,
                bob,
                "KNOWS",
                props,
                vec![
                    Citation {
                        article: "001_b.txt".into(),
                        sentence: 2,
                    },
                    Citation {
                        article: "001_b.txt".into(),
                        sentence: 9,
                    },
                ],
            )
            .expect("add knows");
        let mut vars = IndexMap::new();
        vars.insert("ann".to_string(), Value::Node(ann));
        vars.insert("bob".to_string(), Value::Node(bob));
        vars.insert("knows".to_string(), Value::Relationship(knows));
        vars.insert(
            "p".to_string(),
            Value::Path(Box::new(kg::value::Path {
                nodes: vec![ann, bob],
                rels: vec![knows],
            })),
        );
        vars.insert("nothing".to_string(), Value::Null);
        // So that an expected value can be written `NaN`.
        vars.insert("NaN".to_string(), Value::Float(f64::NAN));
        let mut params = Params::new();
        params.insert("one".into(), Value::Int(1));
        params.insert(
            "list".into(),
            Value::List(vec![Value::Int(1), Value::Int(2)]),
        );
        params.insert("map".into(), {
            let mut m = ValueMap::default();
            m.insert("name", Value::from("Apa"));
            Value::Map(m)
        });
        TestEnv {
            graph,
            params,
            vars,
        }
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
        _scope: &dyn Env,
    ) -> kg::error::Result<Vec<Vec<(String, Value)>>> {
        Ok(Vec::new())
    }
    fn exists(&self, _body: &ExistsBody, _scope: &dyn Env) -> kg::error::Result<bool> {
        Ok(false)
    }
    fn deleted_relation(&self, _id: RelationId) -> Option<&Relation> {
        None
    }
}

/// The expression of `RETURN <text>`.
fn parse_expr(text: &str) -> Expr {
    let query = format!("RETURN {text}");
    let stmt = match kg::syntax::parse(&query) {
        Ok(s) => s,
        Err(e) => panic!("`{query}` does not parse: {}", e.render("query", &query)),
    };
    let clause = stmt.query.first.clauses.into_iter().last();
    match clause.map(|c| c.kind) {
        Some(ClauseKind::Return(p)) if !p.items.is_empty() => {
            p.items.into_iter().next().map(|i| i.expr).expect("an item")
        }
        other => panic!("`{query}` is not a single RETURN: {other:?}"),
    }
}

fn eval_text(env: &TestEnv, text: &str) -> kg::error::Result<Value> {
    eval::eval(&parse_expr(text), env)
}

/// Strict equality for test expectations (NaN equals NaN here).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => (x.is_nan() && y.is_nan()) || x == y,
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        (Value::Map(xs), Value::Map(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, x)| ys.get(k).is_some_and(|y| same(x, y)))
        }
        _ => a == b,
    }
}

/// Checks every `(expression, expected)` pair; the expected side is
/// evaluated too (use literals there). All failures are reported together.
fn table(cases: &[(&str, &str)]) {
    let env = TestEnv::new();
    let mut failures = Vec::new();
    for (text, expected) in cases {
        let want = match eval_text(&env, expected) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("expected side `{expected}` failed: {e}"));
                continue;
            }
        };
        match eval_text(&env, text) {
            Ok(got) if same(&got, &want) => {}
            Ok(got) => failures.push(format!("{text}\n    got  {got:?}\n    want {want:?}")),
            Err(e) => failures.push(format!("{text}\n    failed: {e} [{}]", e.code)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Checks that every expression fails with the given error kind and code.
fn errors(cases: &[(&str, ErrorKind, &str)]) {
    let env = TestEnv::new();
    let mut failures = Vec::new();
    for (text, kind, code) in cases {
        match eval_text(&env, text) {
            Ok(v) => failures.push(format!("{text}: expected {kind:?}/{code}, got {v:?}")),
            Err(e) if e.kind == *kind && e.code == *code => {
                if e.span.is_none() {
                    failures.push(format!("{text}: error has no span"));
                }
            }
            Err(e) => failures.push(format!(
                "{text}: expected {kind:?}/{code}, got {:?}/{}: {}",
                e.kind, e.code, e.message
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

use ErrorKind::{Argument, Arithmetic, EntityNotFound, ParameterMissing, Type};

#[test]
fn literals_and_parameters() {
    table(&[
        ("1", "1"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("0x1F", "31"),
        ("1.5e3", "1500.0"),
        ("'a\\'b'", "\"a'b\""),
        ("[1, 'a', null, [2]]", "[1, 'a', null, [2]]"),
        ("{a: 1, b: {c: []}}", "{b: {c: []}, a: 1}"),
        ("$one", "1"),
        ("$list[1]", "2"),
        ("$map.name", "'Apa'"),
        ("$map['name']", "'Apa'"),
    ]);
    errors(&[("$missing", ParameterMissing, "MissingParameter")]);
}

#[test]
fn arithmetic_table() {
    table(&[
        ("1 + 2", "3"),
        ("1 + 2.0", "3.0"),
        ("5 - 7", "-2"),
        ("3 * -4", "-12"),
        ("7 / 2", "3"),
        ("-7 / 2", "-3"),
        ("7.0 / 2", "3.5"),
        ("7 % 3", "1"),
        ("-7 % 3", "-1"),
        ("7.5 % 2", "1.5"),
        ("2 ^ 10", "1024.0"),
        ("4 ^ 0.5", "2.0"),
        ("12 / 4 * 3 - 2 * 4", "1"),
        ("12 / 4 * (3 - 2 * 4)", "-15"),
        ("-(3)", "-3"),
        ("+3", "3"),
        ("1 / 0.0", "1.0 / 0.0"),
        ("0.0 / 0.0", "NaN"),
        ("1 + null", "null"),
        ("null * 2", "null"),
        ("-null", "null"),
        ("9223372036854775807 - 1", "9223372036854775806"),
        ("-9223372036854775808 % -1", "0"),
        ("9223372036854775807 + 1.0", "9223372036854775808.0"),
    ]);
    errors(&[
        ("9223372036854775807 + 1", Arithmetic, "IntegerOverflow"),
        ("-9223372036854775808 - 1", Arithmetic, "IntegerOverflow"),
        ("4611686018427387904 * 2", Arithmetic, "IntegerOverflow"),
        ("-(-9223372036854775808)", Arithmetic, "IntegerOverflow"),
        ("1 / 0", Arithmetic, "DivisionByZero"),
        ("1 % 0", Arithmetic, "DivisionByZero"),
        ("1 - 'a'", Type, "InvalidArgumentType"),
        ("true * 2", Type, "InvalidArgumentType"),
        ("[1] - [1]", Type, "InvalidArgumentType"),
        ("{} / 2", Type, "InvalidArgumentType"),
        ("-'a'", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn concatenation_table() {
    table(&[
        ("'ab' + 'cd'", "'abcd'"),
        ("'n' + 1", "'n1'"),
        ("1.5 + 'x'", "'1.5x'"),
        ("[1, 10, 100] + [4, 5]", "[1, 10, 100, 4, 5]"),
        ("[false, true] + false", "[false, true, false]"),
        ("0 + [1]", "[0, 1]"),
        ("[[], []] + [[]]", "[[], [], []]"),
        ("size([[], []] + [[]])", "3"),
        ("'a' + null", "null"),
    ]);
    errors(&[("'a' + true", Type, "InvalidArgumentType")]);
}

#[test]
fn boolean_logic_table() {
    table(&[
        ("true AND null", "null"),
        ("false AND null", "false"),
        ("null AND false", "false"),
        ("null AND null", "null"),
        ("true OR null", "true"),
        ("false OR null", "null"),
        ("null OR true", "true"),
        ("true XOR true", "false"),
        ("true XOR null", "null"),
        ("NOT null", "null"),
        ("NOT NOT true", "true"),
        ("true AND true AND false AND null AND true", "false"),
        ("true OR true AND false", "true"),
        ("(true OR true) AND false", "false"),
        ("true XOR true OR true", "true"),
        ("NOT true = false", "true"),
    ]);
    errors(&[
        ("123 AND true", Type, "InvalidArgumentType"),
        ("true AND 'foo'", Type, "InvalidArgumentType"),
        ("null OR [null]", Type, "InvalidArgumentType"),
        ("{} XOR true", Type, "InvalidArgumentType"),
        ("NOT 0", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn equality_table() {
    table(&[
        ("1 = 1.0", "true"),
        ("'1' = 1", "false"),
        ("null = null", "null"),
        ("null <> null", "null"),
        ("[1, 2] = [1]", "false"),
        ("[null] = [1]", "null"),
        ("['a'] = [1]", "false"),
        ("[[1]] = [[1], [null]]", "false"),
        ("[[1], [2]] = [[1], [null]]", "null"),
        ("[[1], [2, 3]] = [[1], [null]]", "false"),
        ("[1, 2] = 'foo'", "false"),
        ("[1, 2] = [null, 'foo']", "false"),
        ("[1, 2] = [null, 2]", "null"),
        ("{} = {}", "true"),
        ("{k: 1.0} = {k: 1}", "true"),
        ("{} = {k: null}", "false"),
        ("{k: null} = {k: null}", "null"),
        ("{k: 1, l: null} = {k: null, l: 1}", "null"),
        ("{k: null, l: 1} = {l: 1}", "false"),
        ("0.0 / 0.0 = 0.0 / 0.0", "false"),
        ("0.0 / 0.0 <> 0.0 / 0.0", "true"),
        ("0.0 / 0.0 = 'a'", "false"),
        ("ann = ann", "true"),
        ("ann = bob", "false"),
        ("ann <> knows", "true"),
        ("p = p", "true"),
        ("4611686018427387905 = 4611686018427387900", "false"),
    ]);
}

#[test]
fn ordering_comparison_table() {
    table(&[
        ("1 < 3.14", "true"),
        ("3.14 >= 1", "true"),
        ("1 < 1.0", "false"),
        ("1 <= 1.0", "true"),
        ("'1' < 1", "null"),
        ("'a' < 'b'", "true"),
        ("'B' < 'a'", "true"),
        ("'' < ' '", "true"),
        ("false < true", "true"),
        ("true < 1", "null"),
        ("[1, 0] >= [1]", "true"),
        ("[1, null] >= [1]", "true"),
        ("[1, 2] >= [1, null]", "null"),
        ("[1, 'a'] >= [1, null]", "null"),
        ("[1, 2] >= [3, null]", "false"),
        ("0.0 / 0.0 > 1", "false"),
        ("0.0 / 0.0 <= 0.0 / 0.0", "false"),
        ("0.0 / 0.0 < 'a'", "null"),
        ("{} < {}", "null"),
        ("ann < bob", "null"),
        ("knows > knows", "null"),
        ("null < 1", "null"),
        ("1 < 2 < 3", "true"),
        ("1 < 3 < 2", "false"),
        ("date('2018-09') < date('2018-09-01')", "true"),
        ("date('2019') > date('2018-12-31')", "true"),
    ]);
}

#[test]
fn null_predicates_and_membership_table() {
    table(&[
        ("null IS NULL", "true"),
        ("null IS NOT NULL", "false"),
        ("1 IS NULL", "false"),
        ("ann.missing IS NULL", "true"),
        ("nothing.missing IS NULL", "true"),
        ("3 IN [1, 2, 3]", "true"),
        ("3 IN [1, null, 3]", "true"),
        ("4 IN [1, null, 3]", "null"),
        ("null IN [null]", "null"),
        ("null IN []", "false"),
        ("null IN null", "null"),
        ("1 IN ['1', 2]", "false"),
        ("[1] IN [1, 2]", "false"),
        ("[1, 2] IN [1, [1, 2]]", "true"),
        ("[1, 2] IN [1, [2, 1]]", "false"),
        ("[[1, 2], [3, 4]] IN [5, [[1, 2], [3, 4]]]", "true"),
        ("[null] IN [[null]]", "null"),
        ("[1] IN [[1, null]]", "false"),
        ("[1, 2] IN [[null, 'foo']]", "false"),
        ("[1, 2] IN [[null, 2]]", "null"),
        ("[1, 2] IN [[null, 2], [1, 2]]", "true"),
        ("[1, 2, null] IN [1, [1, 2, null]]", "null"),
        ("[] IN [[]]", "true"),
        ("[] IN []", "false"),
        ("[] IN [1, 2, null]", "null"),
        ("3 IN [[1, 2, 3]][0]", "true"),
        ("3 IN [1, 2, 3][0..1]", "false"),
        ("'k' IN keys({k: null})", "true"),
    ]);
    errors(&[
        ("1 IN 123", Type, "InvalidArgumentType"),
        ("1 IN 'foo'", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn string_operators_table() {
    table(&[
        ("'ABCDEF' STARTS WITH 'ABC'", "true"),
        ("'ABCDEF' STARTS WITH ''", "true"),
        ("'ab' STARTS WITH 'abc'", "false"),
        ("'ABCDEF' ENDS WITH 'DEF'", "true"),
        ("'ABCDEF' ENDS WITH 'def'", "false"),
        ("'ABCDEF' CONTAINS 'CD'", "true"),
        ("'Foo\\nFoo' CONTAINS '\\n'", "true"),
        ("'abc' CONTAINS null", "null"),
        ("null STARTS WITH 'a'", "null"),
        ("1 STARTS WITH 1", "null"),
        ("[] ENDS WITH {}", "null"),
        ("NOT 'abc' CONTAINS null", "null"),
        ("'abc' =~ 'a.c'", "true"),
        ("'abcd' =~ 'a.c'", "false"),
        ("'ABC' =~ '(?i)abc'", "true"),
        ("'x' =~ 'x|y'", "true"),
        ("'xy' =~ 'x|y'", "false"),
        ("'a\\nb' =~ 'a.b'", "false"),
        ("1 =~ '1'", "null"),
        ("'a' =~ null", "null"),
    ]);
    errors(&[("'a' =~ '('", Argument, "InvalidArgumentValue")]);
}

#[test]
fn list_access_table() {
    table(&[
        ("[1, 2, 3][0]", "1"),
        ("[[1]][0][0]", "1"),
        ("[1, 2, 3][-1]", "3"),
        ("[1, 2, 3][-4]", "null"),
        ("[1, 2, 3][3]", "null"),
        ("[1, 2, 3][null]", "null"),
        ("null[0]", "null"),
        ("$list[$one]", "2"),
        ("[1, 2, 3, 4, 5][1..3]", "[2, 3]"),
        ("[1, 2, 3][1..]", "[2, 3]"),
        ("[1, 2, 3][..2]", "[1, 2]"),
        ("[1, 2, 3][0..1]", "[1]"),
        ("[1, 2, 3][0..0]", "[]"),
        ("[1, 2, 3][-3..-1]", "[1, 2]"),
        ("[1, 2, 3][3..1]", "[]"),
        ("[1, 2, 3][-5..5]", "[1, 2, 3]"),
        ("[1, 2, 3][null..null]", "null"),
        ("[1, 2, 3][1..null]", "null"),
        ("[1, 2, 3][..null]", "null"),
        ("[1, 2, 3][null..]", "null"),
    ]);
    errors(&[
        ("true[0]", Type, "InvalidArgumentType"),
        ("123[0]", Type, "InvalidArgumentType"),
        ("'1'[0]", Type, "InvalidArgumentType"),
        ("[1, 2][true]", Type, "ListElementAccessByNonInteger"),
        ("[1, 2][4.7]", Type, "ListElementAccessByNonInteger"),
        ("[1, 2]['1']", Type, "ListElementAccessByNonInteger"),
        ("[1, 2][1..'x']", Type, "ListElementAccessByNonInteger"),
        ("'abc'[0..1]", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn map_access_table() {
    table(&[
        ("{existing: 42, notMissing: null}.missing", "null"),
        ("{existing: 42, notMissing: null}.existing", "42"),
        ("{name: 'Mats', Name: 'Pontus'}.Name", "'Pontus'"),
        ("{name: 'Mats', Name: 'Pontus'}.nAMe", "null"),
        ("{null: 'Mats', NULL: 'Pontus'}.`NULL`", "'Pontus'"),
        ("{name: 'Mats'}['name']", "'Mats'"),
        ("{name: 'Mats'}[null]", "null"),
        ("([123, {a: 42}][1]).a", "42"),
        ("nothing.x", "null"),
        (
            "keys({name: 'Alice', age: 38, address: {city: 'London'}})",
            "['name', 'age', 'address']",
        ),
        ("keys({})", "[]"),
        ("keys(null)", "null"),
        (
            "properties({name: 'Popeye', level: 9001})",
            "{name: 'Popeye', level: 9001}",
        ),
    ]);
    errors(&[
        ("{name: 'Apa'}[0]", Type, "MapElementAccessByNonString"),
        ("{name: 'Apa'}[12.3]", Type, "MapElementAccessByNonString"),
        ("(123).num", Type, "InvalidArgumentType"),
        ("'string'.num", Type, "InvalidArgumentType"),
        ("[123, true].num", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn graph_elements_table() {
    table(&[
        ("ann.name", "'Ann'"),
        ("ann['na' + 'me']", "'Ann'"),
        ("ann.missing", "null"),
        ("knows.since", "2001"),
        ("knows['since']", "2001"),
        ("ann:Person", "true"),
        ("bob:Admin:Person", "true"),
        ("ann:Admin", "false"),
        ("ann:Person:Person", "true"),
        ("nothing:Person", "null"),
        ("labels(bob)", "['Person', 'Admin']"),
        ("labels(nothing)", "null"),
        ("labels([ann, 1][0])", "['Person']"),
        ("type(knows)", "'KNOWS'"),
        ("type(nothing)", "null"),
        ("keys(ann)", "['name', 'age']"),
        ("properties(knows)", "{since: 2001}"),
        ("properties(nothing)", "null"),
        ("id(ann) <> id(bob)", "true"),
        ("startNode(knows) = ann", "true"),
        ("endNode(knows) = bob", "true"),
        ("length(p)", "1"),
        ("nodes(p) = [ann, bob]", "true"),
        ("relationships(p) = [knows]", "true"),
        ("size(nodes(p))", "2"),
        ("exists(ann.name)", "true"),
        ("exists(ann.missing)", "false"),
        // kg extensions
        ("key(ann)", "'ann'"),
        ("ann.key", "'ann'"),
        ("aliases(ann)", "['Annie', 'آن']"),
        ("ann.aliases", "['Annie', 'آن']"),
        ("aliases(bob)", "[]"),
        ("sources(ann)", "[{article: '000_a.txt', sentence: 4}]"),
        ("ann.sources", "[{article: '000_a.txt', sentence: 4}]"),
        (
            "knows.sources",
            "[{article: '001_b.txt', sentence: 2}, {article: '001_b.txt', sentence: 9}]",
        ),
        ("size(sources(knows))", "2"),
        ("[s IN knows.sources | s.sentence]", "[2, 9]"),
        ("sources(bob)", "[]"),
        ("key(nothing)", "null"),
    ]);
    errors(&[
        ("labels(1)", Type, "InvalidArgumentValue"),
        ("labels(knows)", Type, "InvalidArgumentValue"),
        ("type(ann)", Type, "InvalidArgumentValue"),
        ("type('')", Type, "InvalidArgumentValue"),
        ("keys(1)", Type, "InvalidArgumentValue"),
        ("nodes(ann)", Type, "InvalidArgumentValue"),
        ("1:Person", Type, "InvalidArgumentType"),
        ("aliases(knows)", Type, "InvalidArgumentValue"),
    ]);
}

#[test]
fn deleted_entities() {
    let mut env = TestEnv::new();
    let Some(Value::Relationship(r)) = env.vars.get("knows").cloned() else {
        panic!("knows is bound");
    };
    let Some(Value::Node(b)) = env.vars.get("bob").cloned() else {
        panic!("bob is bound");
    };
    env.graph.remove_relation(r).expect("remove knows");
    env.graph.remove_entity(b).expect("remove bob");
    for text in [
        "bob.name",
        "knows.since",
        "labels(bob)",
        "bob:Person",
        "keys(knows)",
    ] {
        let err = eval_text(&env, text).expect_err(text);
        assert_eq!(
            (err.kind, err.code),
            (EntityNotFound, "DeletedEntityAccess"),
            "{text}"
        );
    }
    // The id of a deleted node is still known.
    assert!(matches!(eval_text(&env, "id(bob)"), Ok(Value::Int(_))));
}

#[test]
fn case_table() {
    let simple = "CASE {v} WHEN -10 THEN 'minus ten' WHEN 0 THEN 'zero' WHEN 1 THEN 'one' \
                  WHEN 5 THEN 'five' ELSE 'something else' END";
    let cases: Vec<(String, &str)> = [
        ("-10", "'minus ten'"),
        ("0", "'zero'"),
        ("1.0", "'one'"),
        ("5", "'five'"),
        ("3", "'something else'"),
        ("'0'", "'something else'"),
        ("true", "'something else'"),
        ("null", "'something else'"),
    ]
    .iter()
    .map(|(v, want)| (simple.replace("{v}", v), *want))
    .collect();
    let refs: Vec<(&str, &str)> = cases.iter().map(|(t, w)| (t.as_str(), *w)).collect();
    table(&refs);
    table(&[
        ("CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' END", "'b'"),
        ("CASE WHEN null THEN 'a' ELSE 'c' END", "'c'"),
        ("CASE WHEN false THEN 'a' END", "null"),
        ("CASE 1 WHEN 2 THEN 'a' END", "null"),
        ("CASE null WHEN null THEN 'null' ELSE 'not' END", "'not'"),
    ]);
    errors(&[("CASE WHEN 1 THEN 'a' END", Type, "InvalidArgumentType")]);
}

#[test]
fn comprehensions_table() {
    table(&[
        ("[x IN [1, 2, 3] | x * 2]", "[2, 4, 6]"),
        ("[x IN [1, 2, 3] WHERE x > 1]", "[2, 3]"),
        ("[x IN [1, 2, 3] WHERE x > 1 | x + 10]", "[12, 13]"),
        ("[x IN [1, null, 3] WHERE x > 1]", "[3]"),
        ("[x IN [] | x]", "[]"),
        ("[x IN null | x]", "null"),
        (
            "[x IN [[1, 2], [3]] | [y IN x | y * 10]]",
            "[[10, 20], [30]]",
        ),
        (
            "[x IN range(1, 3) | [y IN range(1, x) | x * y]]",
            "[[1], [2, 4], [3, 6, 9]]",
        ),
        ("[ann IN [1, 2] | ann]", "[1, 2]"),
        ("[x IN [ann, bob] | x.name]", "['Ann', 'Bob']"),
        ("reduce(acc = 0, x IN [1, 2, 3] | acc + x)", "6"),
        ("reduce(s = '', x IN ['a', 'b'] | s + x)", "'ab'"),
        ("reduce(acc = 1, x IN [] | acc * x)", "1"),
        ("reduce(acc = 0, x IN null | acc + x)", "null"),
        ("size([x IN [1, 2, 3] WHERE x <> null])", "0"),
    ]);
    errors(&[
        ("[x IN 1 | x]", Type, "InvalidArgumentType"),
        ("[x IN [1] WHERE 1 | x]", Type, "InvalidArgumentType"),
        ("reduce(a = 0, x IN 'abc' | a)", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn quantifiers_table() {
    table(&[
        ("none(x IN [] WHERE true)", "true"),
        ("none(x IN [true, false] WHERE x)", "false"),
        ("none(x IN [1, 3] WHERE x = 2)", "true"),
        ("none(x IN [null] WHERE x = 2)", "null"),
        ("none(x IN [0, null] WHERE x = 2)", "null"),
        ("none(x IN [2, null] WHERE x = 2)", "false"),
        ("none(x IN [34, 10, null, 15, 900] WHERE x < 10)", "null"),
        ("none(x IN [null, null] WHERE x IS NULL)", "false"),
        ("single(x IN [] WHERE true)", "false"),
        ("single(x IN [1, 2, 3] WHERE x = 2)", "true"),
        ("single(x IN [2, 2] WHERE x = 2)", "false"),
        ("single(x IN [2, null] WHERE x = 2)", "null"),
        ("single(x IN [34, 0, null, 5, 900] WHERE x < 10)", "false"),
        ("single(x IN [34, 10, null, 15, 900] WHERE x < 10)", "null"),
        ("single(x IN [1, null, true] WHERE true)", "false"),
        ("any(x IN [] WHERE true)", "false"),
        ("any(x IN [0, null] WHERE x = 2)", "null"),
        ("any(x IN [null, 2] WHERE x = 2)", "true"),
        ("any(x IN [{a: 2, b: 5}, {a: 4}] WHERE x.a = 2)", "true"),
        ("all(x IN [] WHERE false)", "true"),
        ("all(x IN [2, 2] WHERE x = 2)", "true"),
        ("all(x IN [2, null] WHERE x = 2)", "null"),
        ("all(x IN [1, null] WHERE x = 2)", "false"),
        ("all(x IN ['abc', 'ef'] WHERE size(x) = 3)", "false"),
        ("all(x IN null WHERE x)", "null"),
        ("all(x IN [1, null, 'a', [], {}] WHERE true)", "true"),
    ]);
    errors(&[("any(x IN [1] WHERE x)", Type, "InvalidArgumentType")]);
}

#[test]
fn list_functions_table() {
    table(&[
        ("size([1, 2, 3])", "3"),
        ("size('héllo')", "5"),
        ("size(null)", "null"),
        ("head([1, 2])", "1"),
        ("head([])", "null"),
        ("last([1, 2])", "2"),
        ("last([])", "null"),
        ("tail([1, 2, 3])", "[2, 3]"),
        ("tail(tail([1, 2, 3, 4, 5]))", "[3, 4, 5]"),
        ("tail([])", "[]"),
        ("reverse([1, 'a', null])", "[null, 'a', 1]"),
        ("reverse('raksO')", "'Oskar'"),
        ("coalesce(null, null, 3, 4)", "3"),
        ("coalesce(null)", "null"),
        ("range(0, 3)", "[0, 1, 2, 3]"),
        ("range(-1236, -1234)", "[-1236, -1235, -1234]"),
        ("range(0, -123)", "[]"),
        ("range(1381, -3412, -1298)", "[1381, 83, -1215, -2513]"),
        ("range(0, -20, -2)[-1]", "-20"),
        ("range(0, 1, -1)", "[]"),
        ("range(0, 0, -1)", "[0]"),
        ("range(-10, 10, 3)", "[-10, -7, -4, -1, 2, 5, 8]"),
        ("range(-3412, 1381, 1298)", "[-3412, -2114, -816, 482]"),
        ("RANGE(1, 2)", "[1, 2]"),
    ]);
    errors(&[
        ("range(2, 8, 0)", Argument, "NumberOutOfRange"),
        ("range(0, 0, 0)", Argument, "NumberOutOfRange"),
        ("range(true, 1, 1)", Argument, "InvalidArgumentType"),
        ("range(0, 1.1, 1)", Argument, "InvalidArgumentType"),
        ("range(-0.0, 1, 1)", Argument, "InvalidArgumentType"),
        ("range(0, 1, 'xyz')", Argument, "InvalidArgumentType"),
        ("range(0, [1], 1)", Argument, "InvalidArgumentType"),
        ("range(0, 1, {step: 1})", Argument, "InvalidArgumentType"),
        ("head(1)", Type, "InvalidArgumentType"),
        ("size(1)", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn conversion_functions_table() {
    table(&[
        ("toBoolean('true')", "true"),
        ("toBoolean('FALSE')", "false"),
        ("toBoolean('')", "null"),
        ("toBoolean(' tru ')", "null"),
        ("toBoolean('f alse')", "null"),
        ("toBoolean(null)", "null"),
        ("toBoolean(0)", "false"),
        ("toInteger(82.9)", "82"),
        ("toInteger(-82.9)", "-82"),
        ("toInteger('foo')", "null"),
        ("toInteger('')", "null"),
        ("[n IN [2, 2.9, '1.7'] | toInteger(n)]", "[2, 2, 1]"),
        ("toInteger('42')", "42"),
        ("toInteger(1 - $one)", "0"),
        ("toInteger('9223372036854775807')", "9223372036854775807"),
        ("toFloat(3)", "3.0"),
        ("[n IN [3.4, 3, '5'] | toFloat(n)]", "[3.4, 3.0, 5.0]"),
        ("toFloat('foo')", "null"),
        ("toFloat('1e3')", "1000.0"),
        ("toString(42)", "'42'"),
        ("toString(true)", "'true'"),
        ("toString(1 < 0)", "'false'"),
        (
            "[x IN [1, 2.3, true, 'apa'] | toString(x)]",
            "['1', '2.3', 'true', 'apa']",
        ),
        ("toString(1.0)", "'1.0'"),
        ("toString(-0.5)", "'-0.5'"),
        ("toString(1e20)", "'1.0E20'"),
        ("toString(date('2018-09'))", "'2018-09'"),
        ("coalesce(toString(null), 'x')", "'x'"),
        ("toIntegerOrNull([])", "null"),
        ("toFloatOrNull(true)", "null"),
        ("toStringOrNull({})", "null"),
        ("toBooleanOrNull(1.5)", "null"),
        ("toStringList([1, 'a', null])", "['1', 'a', null]"),
        ("toFloatList(['1', 'x'])", "[1.0, null]"),
        ("toBooleanList(['true', 'no'])", "[true, null]"),
    ]);
    errors(&[
        ("toBoolean([])", Type, "InvalidArgumentValue"),
        ("toBoolean({})", Type, "InvalidArgumentValue"),
        ("toBoolean(1.0)", Type, "InvalidArgumentValue"),
        ("toBoolean(ann)", Type, "InvalidArgumentValue"),
        ("toBoolean(p)", Type, "InvalidArgumentValue"),
        ("toInteger([])", Type, "InvalidArgumentValue"),
        ("toInteger(knows)", Type, "InvalidArgumentValue"),
        ("toFloat(true)", Type, "InvalidArgumentValue"),
        ("toFloat({})", Type, "InvalidArgumentValue"),
        ("toString([])", Type, "InvalidArgumentValue"),
        ("toString(ann)", Type, "InvalidArgumentValue"),
        (
            "[x IN [1, '', p] | toString(x)]",
            Type,
            "InvalidArgumentValue",
        ),
        ("toInteger(1e300)", Argument, "NumberOutOfRange"),
    ]);
}

#[test]
fn string_functions_table() {
    table(&[
        ("toUpper('abc')", "'ABC'"),
        ("toLower('ÀBC')", "'àbc'"),
        ("trim('  x y  ')", "'x y'"),
        ("ltrim('  x ')", "'x '"),
        ("rtrim(' x  ')", "' x'"),
        ("replace('hello', 'l', 'L')", "'heLLo'"),
        ("replace('ab', '', '-')", "'-a-b-'"),
        ("replace(null, 'a', 'b')", "null"),
        ("substring('0123456789', 1)", "'123456789'"),
        ("substring('0123456789', 1, 3)", "'123'"),
        ("substring('0123', 9)", "''"),
        ("substring('héllo', 1, 2)", "'él'"),
        ("left('hello', 2)", "'he'"),
        ("right('hello', 2)", "'lo'"),
        ("left('hi', 10)", "'hi'"),
        ("left(null, 1)", "null"),
        ("split('one1two', '1')", "['one', 'two']"),
        ("split('a,b,,c', ',')", "['a', 'b', '', 'c']"),
        ("split('abc', '')", "['a', 'b', 'c']"),
        ("size(split('one1two', '1'))", "2"),
        ("reverse('')", "''"),
        ("toUpper(null)", "null"),
    ]);
    errors(&[
        ("toUpper(1)", Type, "InvalidArgumentType"),
        ("trim([])", Type, "InvalidArgumentType"),
        ("substring('abc', 'x')", Type, "InvalidArgumentType"),
        ("substring('abc', -1)", Argument, "NumberOutOfRange"),
        ("left('abc', -1)", Argument, "NumberOutOfRange"),
        ("split('abc', 1)", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn math_functions_table() {
    table(&[
        ("abs(-1)", "1"),
        ("abs(-1.5)", "1.5"),
        ("abs(null)", "null"),
        ("sqrt(12.96)", "3.6"),
        ("sqrt(-1)", "NaN"),
        ("ceil(1.1)", "2.0"),
        ("ceil(1)", "1.0"),
        ("floor(-1.1)", "-2.0"),
        ("round(2.5)", "3.0"),
        ("round(-2.5)", "-2.0"),
        ("round(2.4)", "2.0"),
        ("sign(-3)", "-1"),
        ("sign(0.0)", "0"),
        ("sign(2.5)", "1"),
        ("exp(0)", "1.0"),
        ("log(e())", "1.0"),
        ("log10(1000)", "3.0"),
        ("log(0)", "-1.0 / 0.0"),
        ("sin(0)", "0.0"),
        ("cos(0)", "1.0"),
        ("tan(0)", "0.0"),
        ("asin(1) = pi() / 2", "true"),
        ("acos(1)", "0.0"),
        ("atan(0)", "0.0"),
        ("atan2(1, 0) = pi() / 2", "true"),
        ("degrees(pi())", "180.0"),
        ("radians(180) = pi()", "true"),
        ("pi() > 3.14 AND pi() < 3.15", "true"),
        ("rand() >= 0.0 AND rand() < 1.0", "true"),
        ("isNaN(0.0 / 0.0)", "true"),
    ]);
    errors(&[
        (
            "abs(-9223372036854775807 - 1)",
            Arithmetic,
            "IntegerOverflow",
        ),
        ("abs('x')", Type, "InvalidArgumentType"),
        ("sqrt(true)", Type, "InvalidArgumentType"),
        ("atan2(1, 'a')", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn date_table() {
    table(&[
        (
            "date('2018-09-12') = date({year: 2018, month: 9, day: 12})",
            "true",
        ),
        ("date('2018').year", "2018"),
        ("date('2018-09').month", "9"),
        ("date('2018-09').day", "null"),
        (
            "toString(date({year: 1984, month: 10, day: 11}))",
            "'1984-10-11'",
        ),
        ("date(null)", "null"),
        ("date(date('2020-02-29')) = date('2020-02-29')", "true"),
        ("date('2018') = date('2018-01-01')", "false"),
        ("date() > date('2020')", "true"),
        ("date({year: 1984, month: 10})", "date('1984-10-01')"),
        ("date({year: 1984})", "date('1984-01-01')"),
        ("date({year: 1984, week: 10, dayOfWeek: 3})", "date('1984-03-07')"),
        ("date({year: 1984, ordinalDay: 202})", "date('1984-07-20')"),
        ("date({year: 1984, quarter: 3, dayOfQuarter: 45})", "date('1984-08-14')"),
        ("date({date: date('1816-12-30'), week: 2, dayOfWeek: 3})", "date('1817-01-08')"),
        ("date('2015-W30-2')", "date('2015-07-21')"),
        ("date({date: date('1984-11-11'), quarter: 3})", "date('1984-08-11')"),
        ("date({date: date('1984-11-11'), year: 28})", "date({year: 28, month: 11, day: 11})"),
        ("date('2015202')", "date('2015-07-21')"),
        ("date('201507') = date('2015-07')", "true"),
        (
            "[f IN ['quarter', 'week', 'weekYear', 'ordinalDay', 'weekDay', 'dayOfQuarter'] | date('1984-10-11')[f]]",
            "[4, 41, 1984, 285, 4, 11]",
        ),
        ("date('1984-01-01').weekYear", "1983"),
        ("date('1984-10').week", "null"),
        ("date('1984-10').quarter", "4"),
        ("date.truncate('decade', date('1984-10-11'), {day: 2})", "date('1980-01-02')"),
        ("date.truncate('weekYear', date('1984-02-01'))", "date('1984-01-02')"),
        ("date.truncate('week', date('1984-10-11'), {dayOfWeek: 2})", "date('1984-10-09')"),
        ("date.truncate('quarter', date('1984-11-11'))", "date('1984-10-01')"),
    ]);
    errors(&[
        ("date('2023-02-29')", Argument, "InvalidArgumentValue"),
        ("date('yesterday')", Argument, "InvalidArgumentValue"),
        ("date({month: 2})", Argument, "InvalidArgumentValue"),
        (
            "date({year: 2020, month: 13})",
            Argument,
            "InvalidArgumentValue",
        ),
        (
            "date({year: 2020, hour: 3})",
            Argument,
            "InvalidArgumentValue",
        ),
        ("date(2020)", Type, "InvalidArgumentType"),
    ]);
}

#[test]
fn functions_are_case_insensitive_and_checked() {
    table(&[
        ("SiZe([1])", "1"),
        ("toupper('a')", "'A'"),
        ("COALESCE(null, 1)", "1"),
    ]);
    errors(&[
        ("nope(1)", ErrorKind::Syntax, "UnknownFunction"),
        ("size(1, 2)", ErrorKind::Syntax, "InvalidNumberOfArguments"),
        ("count(1)", ErrorKind::Syntax, "InvalidAggregation"),
    ]);
}

#[test]
fn errors_point_at_the_failing_subexpression() {
    let env = TestEnv::new();
    let text = "1 + [1, 2][1 / 0]";
    let query = format!("RETURN {text}");
    let err = eval::eval(&parse_expr(text), &env).expect_err("division by zero");
    let span = err.span.expect("a span");
    assert_eq!(&query[span.start..span.end], "1 / 0");
    let text = "toUpper(ann.name) + toUpper(42)";
    let query = format!("RETURN {text}");
    let err = eval::eval(&parse_expr(text), &env).expect_err("bad argument");
    let span = err.span.expect("a span");
    assert_eq!(&query[span.start..span.end], "toUpper(42)");
}

#[test]
fn total_order_of_evaluated_values() {
    // ORDER BY semantics: evaluate a list of mixed values and sort it.
    let env = TestEnv::new();
    let Value::List(mut items) = eval_text(
        &env,
        "[knows, p, 1.5, ['list'], 'text', null, false, 0.0 / 0.0, {a: 'map'}, ann, date('2020'), 1]",
    )
    .expect("list") else {
        panic!("not a list");
    };
    items.sort_by(eval::order);
    let names: Vec<&str> = items.iter().map(Value::type_name).collect();
    assert_eq!(
        names,
        [
            "Map",
            "Node",
            "Relationship",
            "List",
            "Path",
            "Date",
            "String",
            "Boolean",
            "Integer",
            "Float",
            "Float",
            "Null"
        ]
    );
    assert!(
        matches!(items[10], Value::Float(x) if x.is_nan()),
        "NaN after numbers"
    );
    let Value::List(mut lists) = eval_text(
        &env,
        "[[null, 2], [1, 'a'], [], [1], ['a', 1], [null, 1], ['a'], [1, null]]",
    )
    .expect("list") else {
        panic!("not a list");
    };
    lists.sort_by(eval::order);
    let want = eval_text(
        &env,
        "[[], ['a'], ['a', 1], [1], [1, 'a'], [1, null], [null, 1], [null, 2]]",
    )
    .expect("list");
    assert!(same(&Value::List(lists), &want));
}
