//! Unit tests of the parser: AST shapes for precedence and the tricky forms,
//! rendered as compact S-expressions.

use super::ast::*;
use super::parse;

/// Renders an expression as an S-expression, e.g. `(+ 1 (* 2 3))`.
fn sx(e: &Expr) -> String {
    fn bin(op: BinaryOp) -> &'static str {
        match op {
            BinaryOp::Or => "or",
            BinaryOp::Xor => "xor",
            BinaryOp::And => "and",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::StartsWith => "starts",
            BinaryOp::EndsWith => "ends",
            BinaryOp::Contains => "contains",
            BinaryOp::Regex => "=~",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
        }
    }
    let list = |es: &[Expr]| es.iter().map(sx).collect::<Vec<_>>().join(" ");
    match &e.kind {
        ExprKind::Literal(Literal::Null) => "null".into(),
        ExprKind::Literal(Literal::Bool(b)) => b.to_string(),
        ExprKind::Literal(Literal::Int(i)) => i.to_string(),
        ExprKind::Literal(Literal::Float(f)) => format!("{f:?}"),
        ExprKind::Literal(Literal::String(s)) => format!("{s:?}"),
        ExprKind::Parameter(p) => format!("${p}"),
        ExprKind::Variable(v) => v.clone(),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", k.name, sx(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Property(x, k) => format!("(. {} {})", sx(x), k.name),
        ExprKind::Index(a, b) => format!("(idx {} {})", sx(a), sx(b)),
        ExprKind::Slice(a, b, c) => format!(
            "(slice {} {} {})",
            sx(a),
            b.as_deref().map_or("_".into(), sx),
            c.as_deref().map_or("_".into(), sx)
        ),
        ExprKind::Unary(op, x) => {
            let o = match op {
                UnaryOp::Not => "not",
                UnaryOp::Neg => "neg",
                UnaryOp::Plus => "pos",
            };
            format!("({o} {})", sx(x))
        }
        ExprKind::Binary(op, a, b) => format!("({} {} {})", bin(*op), sx(a), sx(b)),
        ExprKind::IsNull(x, not) => {
            format!("({} {})", if *not { "notnull" } else { "isnull" }, sx(x))
        }
        ExprKind::HasLabels(x, ls) => format!(
            "(labels {} {})",
            sx(x),
            ls.iter()
                .map(|l| l.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::Function {
            name,
            distinct,
            args,
        } => format!(
            "({}{}{}{})",
            name.iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
            if *distinct { " distinct" } else { "" },
            if args.is_empty() { "" } else { " " },
            list(args)
        ),
        ExprKind::CountStar => "(count *)".into(),
        ExprKind::Case {
            subject,
            whens,
            otherwise,
        } => {
            let mut s = "(case".to_string();
            if let Some(x) = subject {
                s += &format!(" {}", sx(x));
            }
            for (w, t) in whens {
                s += &format!(" (when {} {})", sx(w), sx(t));
            }
            if let Some(o) = otherwise {
                s += &format!(" (else {})", sx(o));
            }
            s + ")"
        }
        ExprKind::ListComprehension {
            variable,
            list,
            predicate,
            projection,
        } => format!(
            "(lc {} {} {} {})",
            variable.name,
            sx(list),
            predicate.as_deref().map_or("_".into(), sx),
            projection.as_deref().map_or("_".into(), sx)
        ),
        ExprKind::PatternComprehension {
            variable,
            pattern,
            predicate,
            projection,
        } => format!(
            "(pc {} {} {} {})",
            variable.as_ref().map_or("_", |v| v.name.as_str()),
            pattern.chain.len(),
            predicate.as_deref().map_or("_".into(), sx),
            sx(projection)
        ),
        ExprKind::Quantified {
            quantifier,
            variable,
            list,
            predicate,
        } => format!(
            "({:?} {} {} {})",
            quantifier,
            variable.name,
            sx(list),
            predicate.as_deref().map_or("_".into(), sx)
        ),
        ExprKind::Reduce {
            accumulator,
            init,
            variable,
            list,
            expr,
        } => format!(
            "(reduce {} {} {} {} {})",
            accumulator.name,
            sx(init),
            variable.name,
            sx(list),
            sx(expr)
        ),
        ExprKind::Pattern(p) => format!("(pattern {})", p.chain.len()),
        ExprKind::Exists(ExistsBody::Pattern(p, w)) => format!(
            "(exists-pattern {} {})",
            p.parts.len(),
            w.as_deref().map_or("_".into(), sx)
        ),
        ExprKind::Exists(ExistsBody::Query(q)) => {
            format!("(exists-query {})", q.first.clauses.len())
        }
    }
}

fn stmt(text: &str) -> Statement {
    parse(text).unwrap_or_else(|e| panic!("{}", e.render("q", text)))
}

fn proj(text: &str) -> Projection {
    let s = stmt(text);
    match s.query.first.clauses.last().map(|c| &c.kind) {
        Some(ClauseKind::Return(p)) => p.clone(),
        other => panic!("not a RETURN: {other:?}"),
    }
}

/// The first RETURN item of `RETURN <e>`, as an S-expression.
fn e(expr: &str) -> String {
    sx(&proj(&format!("RETURN {expr}")).items[0].expr)
}

fn err_code(text: &str) -> &'static str {
    match parse(text) {
        Ok(s) => panic!("parsed: {text}\n{s:?}"),
        Err(e) => e.code,
    }
}

#[test]
fn arithmetic_precedence() {
    assert_eq!(e("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(e("1 - 2 - 3"), "(- (- 1 2) 3)");
    assert_eq!(e("4 ^ 3 * 2 ^ 3"), "(* (^ 4 3) (^ 2 3))");
    assert_eq!(e("2 ^ 3 ^ 2"), "(^ (^ 2 3) 2)");
    assert_eq!(e("-3 ^ 2"), "(^ -3 2)");
    assert_eq!(e("- x ^ 2"), "(^ (neg x) 2)");
    assert_eq!(e("-x.a"), "(neg (. x a))");
    assert_eq!(e("1 % 2 / 3"), "(/ (% 1 2) 3)");
    assert_eq!(e("x-1"), "(- x 1)");
    assert_eq!(e("x - -1"), "(- x -1)");
    assert_eq!(e("+1"), "(pos 1)");
}

#[test]
fn boolean_precedence() {
    assert_eq!(e("a OR b XOR c"), "(or a (xor b c))");
    assert_eq!(e("a XOR b AND c"), "(xor a (and b c))");
    assert_eq!(e("NOT a AND b"), "(and (not a) b)");
    assert_eq!(e("NOT a = b"), "(not (= a b))");
    assert_eq!(e("a OR b = c"), "(or a (= b c))");
    assert_eq!(e("NOT NOT a"), "(not (not a))");
}

#[test]
fn predicate_precedence() {
    assert_eq!(e("a = b IS NULL"), "(= a (isnull b))");
    assert_eq!(e("NOT a IS NOT NULL"), "(not (notnull a))");
    assert_eq!(e("a = b IN c"), "(= a (in b c))");
    assert_eq!(e("[1]+2 IN [3]+4"), "(in (+ [1] 2) (+ [3] 4))");
    assert_eq!(e("a + b IS NULL"), "(isnull (+ a b))");
    assert_eq!(
        e("'abc' STARTS WITH 'a' OR x ENDS WITH 'c'"),
        "(or (starts \"abc\" \"a\") (ends x \"c\"))"
    );
    assert_eq!(e("a CONTAINS b =~ c"), "(=~ (contains a b) c)");
    assert_eq!(e("n:A:B AND m:C"), "(and (labels n A B) (labels m C))");
}

#[test]
fn chained_comparisons_are_desugared() {
    assert_eq!(e("a < b < c"), "(and (< a b) (< b c))");
    assert_eq!(
        e("1 < x <= 3 <> y"),
        "(and (and (< 1 x) (<= x 3)) (<> 3 y))"
    );
    assert_eq!(e("(a < b) < c"), "(< (< a b) c)");
    assert_eq!(e("a = b = c"), "(and (= a b) (= b c))");
    assert_eq!(e("a < b + 1 < c"), "(and (< a (+ b 1)) (< (+ b 1) c))");
}

#[test]
fn postfix_forms() {
    assert_eq!(e("a[1]"), "(idx a 1)");
    assert_eq!(e("a[1..2]"), "(slice a 1 2)");
    assert_eq!(e("a[..2]"), "(slice a _ 2)");
    assert_eq!(e("a[1..]"), "(slice a 1 _)");
    assert_eq!(e("a[-1]"), "(idx a -1)");
    assert_eq!(e("n.a.b"), "(. (. n a) b)");
    assert_eq!(
        e("[1, 2][0] + [3][0..1]"),
        "(+ (idx [1 2] 0) (slice [3] 0 1))"
    );
    assert_eq!(e("{a: 1}.a"), "(. {a: 1} a)");
    assert_eq!(e("n.`weird name`"), "(. n weird name)");
}

#[test]
fn literals() {
    assert_eq!(e("-9223372036854775808"), "-9223372036854775808");
    assert_eq!(e("9223372036854775807"), "9223372036854775807");
    assert_eq!(e("0x1A2b"), "6699");
    assert_eq!(e("-0x8000000000000000"), "-9223372036854775808");
    assert_eq!(e("0o777"), "511");
    assert_eq!(e(".5"), "0.5");
    assert_eq!(e("-.5"), "(neg 0.5)");
    assert_eq!(e("1e3"), "1000.0");
    assert_eq!(e("1.5E-3"), "0.0015");
    assert_eq!(e("'a\\'b'"), "\"a'b\"");
    assert_eq!(e("\"a\\\"b\\u0041\""), "\"a\\\"bA\"");
    assert_eq!(e("TRUE"), "true");
    assert_eq!(e("NuLL"), "null");
    assert_eq!(e("$p"), "$p");
    assert_eq!(e("$0"), "$0");
    assert_eq!(e("$`a b`"), "$a b");
    assert_eq!(e("{}"), "{}");
    assert_eq!(e("[]"), "[]");
    assert_eq!(e("{`k`: [1, {x: null}]}"), "{k: [1 {x: null}]}");
}

#[test]
fn literal_errors() {
    assert_eq!(err_code("RETURN 9223372036854775808"), "IntegerOverflow");
    assert_eq!(err_code("RETURN -9223372036854775809"), "IntegerOverflow");
    assert_eq!(err_code("RETURN 0x8000000000000000"), "IntegerOverflow");
    assert_eq!(
        err_code("RETURN 0o1000000000000000000000"),
        "IntegerOverflow"
    );
    assert_eq!(err_code("RETURN 1.34E999"), "FloatingPointOverflow");
    assert_eq!(err_code("RETURN 0x"), "InvalidNumberLiteral");
    assert_eq!(err_code("RETURN 0x12G"), "InvalidNumberLiteral");
    assert_eq!(err_code("RETURN 12abc"), "InvalidNumberLiteral");
    assert_eq!(err_code("RETURN 0123"), "InvalidNumberLiteral");
    assert_eq!(err_code("RETURN '\\uH'"), "InvalidUnicodeLiteral");
    assert_eq!(err_code("RETURN 42 — 41"), "InvalidUnicodeCharacter");
    assert_eq!(err_code("RETURN {1a: 1}"), "UnexpectedSyntax");
    assert_eq!(err_code("RETURN [1, ]"), "UnexpectedSyntax");
}

#[test]
fn functions_and_special_forms() {
    assert_eq!(e("count(*)"), "(count *)");
    assert_eq!(e("cOuNt( * )"), "(count *)");
    assert_eq!(e("count(DISTINCT x)"), "(count distinct x)");
    assert_eq!(e("date.truncate('day', d)"), "(date.truncate \"day\" d)");
    assert_eq!(e("rand()"), "(rand)");
    assert_eq!(
        e("CASE x WHEN 1 THEN 'a' ELSE 'b' END"),
        "(case x (when 1 \"a\") (else \"b\"))"
    );
    assert_eq!(e("CASE WHEN x > 1 THEN 1 END"), "(case (when (> x 1) 1))");
    assert_eq!(
        e("[x IN list WHERE x > 1 | x * 2]"),
        "(lc x list (> x 1) (* x 2))"
    );
    assert_eq!(e("[x IN list]"), "(lc x list _ _)");
    assert_eq!(e("[x IN [1] | x]"), "(lc x [1] _ x)");
    assert_eq!(e("[p = (a)-->(b) WHERE b.x | p]"), "(pc p 1 (. b x) p)");
    assert_eq!(e("[(a)-[:T*]->()<--(c) | c]"), "(pc _ 2 _ c)");
    assert_eq!(e("all(x IN l WHERE x > 0)"), "(All x l (> x 0))");
    assert_eq!(e("none(x IN l WHERE x)"), "(None x l x)");
    assert_eq!(e("single(x IN l WHERE x)"), "(Single x l x)");
    assert_eq!(e("any(x IN l WHERE x)"), "(Any x l x)");
    assert_eq!(
        e("reduce(acc = 0, x IN l | acc + x)"),
        "(reduce acc 0 x l (+ acc x))"
    );
    assert_eq!(
        e("EXISTS { (n)-->(m) WHERE m.x }"),
        "(exists-pattern 1 (. m x))"
    );
    assert_eq!(e("exists { MATCH (n)-->(m) RETURN m }"), "(exists-query 2)");
}

#[test]
fn projection_text_is_verbatim() {
    let p = proj("RETURN aVg(    n.aGe     ), cOuNt( * ) AS c, n.x IS NULL, {a: 1, b: 'foo'}");
    let names: Vec<&str> = p.items.iter().map(|i| i.column_name()).collect();
    assert_eq!(
        names,
        [
            "aVg(    n.aGe     )",
            "c",
            "n.x IS NULL",
            "{a: 1, b: 'foo'}"
        ]
    );
}

#[test]
fn projection_options() {
    let p =
        proj("MATCH (n) RETURN DISTINCT *, n.x AS x ORDER BY x DESC, n.y ASCENDING SKIP 1 LIMIT 2");
    assert!(p.distinct && p.star);
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.order_by.len(), 2);
    assert!(p.order_by[0].descending && !p.order_by[1].descending);
    assert!(p.skip.is_some() && p.limit.is_some());
    let s = stmt("MATCH (n) WITH n, count(*) AS c WHERE c > 1 RETURN n");
    match &s.query.first.clauses[1].kind {
        ClauseKind::With(w) => assert!(w.where_.is_some()),
        other => panic!("{other:?}"),
    }
}

fn first_match(text: &str) -> Match {
    match &stmt(text).query.first.clauses[0].kind {
        ClauseKind::Match(m) => m.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn patterns() {
    let m = first_match("OPTIONAL MATCH p = (a:A:B {x: 1})-[r:T|:U*1..3 {k: $v}]->(b)<-[:S]-(c)--(d)<-->(e) RETURN p");
    assert!(m.optional);
    let part = &m.pattern.parts[0];
    assert_eq!(part.variable.as_ref().map(|v| v.name.as_str()), Some("p"));
    let el = &part.element;
    assert_eq!(el.start.labels.len(), 2);
    assert!(el.start.properties.is_some());
    let dirs: Vec<Direction> = el.chain.iter().map(|(r, _)| r.direction).collect();
    assert_eq!(
        dirs,
        [
            Direction::Outgoing,
            Direction::Incoming,
            Direction::Both,
            Direction::Both
        ]
    );
    let r = &el.chain[0].0;
    assert_eq!(r.types.len(), 2);
    assert_eq!(
        r.length,
        Some(Range {
            min: Some(1),
            max: Some(3)
        })
    );
    assert!(matches!(
        r.properties.as_ref().map(|p| &p.kind),
        Some(ExprKind::Map(_))
    ));

    let lens =
        |q: &str| -> Option<Range> { first_match(q).pattern.parts[0].element.chain[0].0.length };
    assert_eq!(
        lens("MATCH ()-[*]->() RETURN 1"),
        Some(Range {
            min: None,
            max: None
        })
    );
    assert_eq!(
        lens("MATCH ()-[*2]->() RETURN 1"),
        Some(Range {
            min: Some(2),
            max: Some(2)
        })
    );
    assert_eq!(
        lens("MATCH ()-[*..4]->() RETURN 1"),
        Some(Range {
            min: None,
            max: Some(4)
        })
    );
    assert_eq!(
        lens("MATCH ()-[* 2 ..]->() RETURN 1"),
        Some(Range {
            min: Some(2),
            max: None
        })
    );
    assert_eq!(lens("MATCH ()-->() RETURN 1"), None);

    let m = first_match(
        "MATCH p = shortestPath((a)-[*]-(b)), q = allShortestPaths((a)-->(b)), (x) RETURN p",
    );
    let kinds: Vec<PathKind> = m.pattern.parts.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [PathKind::Shortest, PathKind::AllShortest, PathKind::Normal]
    );

    assert_eq!(
        err_code("MATCH (a)-[:LIKES..]->(c) RETURN c"),
        "InvalidRelationshipPattern"
    );
    assert_eq!(
        err_code("MATCH (a)-[:LIKES*-2]->(c) RETURN c"),
        "InvalidRelationshipPattern"
    );
}

#[test]
fn pattern_predicates_only_where_allowed() {
    let m = first_match("MATCH (n) WHERE (n)-->() AND NOT (n)<-[:T]-(:A) RETURN n");
    assert_eq!(
        m.where_.as_ref().map(sx).as_deref(),
        Some("(and (pattern 1) (not (pattern 1)))")
    );
    assert_eq!(err_code("MATCH (n) RETURN (n)-[]->()"), "UnexpectedSyntax");
    assert_eq!(
        err_code("MATCH (n) WITH (n)-->() AS x RETURN x"),
        "UnexpectedSyntax"
    );
    assert_eq!(
        err_code("MATCH (a) RETURN size((a)-->())"),
        "UnexpectedSyntax"
    );
    // A parenthesized expression is not a pattern.
    assert_eq!(e("(n)"), "n");
    assert_eq!(e("(n:A)"), "(labels n A)");
}

#[test]
fn updating_clauses() {
    let s = stmt(
        "MATCH (n) SET n.x = 1, n = {a: 1}, n += $m, n:A:B, (n).y = 2, n.a.b = 3 \
         REMOVE n.x, n:A DETACH DELETE n, m",
    );
    let cl = &s.query.first.clauses;
    match &cl[1].kind {
        ClauseKind::Set(items) => {
            assert_eq!(items.len(), 6);
            assert!(matches!(&items[0], SetItem::Property { key, .. } if key.name == "x"));
            assert!(matches!(&items[1], SetItem::Variable { merge: false, .. }));
            assert!(matches!(&items[2], SetItem::Variable { merge: true, .. }));
            assert!(matches!(&items[3], SetItem::Labels { labels, .. } if labels.len() == 2));
            assert!(
                matches!(&items[5], SetItem::Property { target, key, .. } if key.name == "b" && sx(target) == "(. n a)")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&cl[2].kind, ClauseKind::Remove(items) if items.len() == 2));
    assert!(matches!(&cl[3].kind, ClauseKind::Delete(d) if d.detach && d.exprs.len() == 2));

    let s = stmt("MERGE (a:A {k: 1}) ON CREATE SET a.c = 1 ON MATCH SET a.m = 2 RETURN a");
    match &s.query.first.clauses[0].kind {
        ClauseKind::Merge(m) => {
            assert_eq!(m.actions.len(), 2);
            assert!(m.actions[0].on_create && !m.actions[1].on_create);
        }
        other => panic!("{other:?}"),
    }
    let s = stmt("UNWIND [1, 2] AS x CREATE (:A {x: x})-[:T]->(b) RETURN b");
    assert!(matches!(&s.query.first.clauses[1].kind, ClauseKind::Create(p) if p.parts.len() == 1));
}

#[test]
fn call_and_union() {
    let s = stmt("CALL db.labels() YIELD label AS l WHERE l <> 'x' RETURN l");
    match &s.query.first.clauses[0].kind {
        ClauseKind::Call(c) => {
            assert_eq!(c.procedure.len(), 2);
            assert_eq!(c.args.as_ref().map(Vec::len), Some(0));
            assert_eq!(c.yields.len(), 1);
            assert!(c.where_.is_some());
        }
        other => panic!("{other:?}"),
    }
    let s = stmt("CALL test.proc");
    assert!(matches!(&s.query.first.clauses[0].kind, ClauseKind::Call(c) if c.args.is_none()));
    let s = stmt("CALL test.proc('a') YIELD *");
    assert!(matches!(&s.query.first.clauses[0].kind, ClauseKind::Call(c) if c.yield_star));
    assert_eq!(
        err_code("CALL test.proc('a') YIELD * RETURN x"),
        "UnexpectedSyntax"
    );

    let s = stmt("RETURN 1 AS a UNION ALL RETURN 2 AS a UNION RETURN 3 AS a;");
    let alls: Vec<bool> = s.query.unions.iter().map(|(a, _)| *a).collect();
    assert_eq!(alls, [true, false]);
}

#[test]
fn statement_prefixes_comments_and_case() {
    assert_eq!(
        stmt("EXPLAIN MATCH (n) RETURN n").mode,
        StatementMode::Explain
    );
    assert_eq!(
        stmt("profile match (n) return n").mode,
        StatementMode::Profile
    );
    let s = stmt("// leading\nMATCH (n) /* inline */ RETURN n // trailing");
    assert_eq!(s.query.first.clauses.len(), 2);
    let p = proj("mAtCh (`my var`:`My Label`) ReTuRn `my var`.name AS `the name`");
    assert_eq!(p.items[0].column_name(), "the name");
    assert_eq!(sx(&p.items[0].expr), "(. my var name)");
}

#[test]
fn parenthesized_spans_include_the_parentheses() {
    let text = "RETURN (a + b) * c";
    let p = proj(text);
    let sp = p.items[0].expr.span;
    assert_eq!(&text[sp.start..sp.end], "(a + b) * c");
}

#[test]
fn spans_point_into_the_text() {
    let text = "MATCH (n) RETURN n.name AS x";
    let p = proj(text);
    let sp = p.items[0].expr.span;
    assert_eq!(&text[sp.start..sp.end], "n.name");
    let alias = p.items[0].alias.as_ref().map(|a| a.span);
    assert_eq!(alias.map(|s| &text[s.start..s.end]), Some("x"));
}

#[test]
fn deep_input_is_refused_not_crashing() {
    let deep = format!("RETURN {}1{}", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(err_code(&deep), "UnexpectedSyntax");
    let nots = format!("RETURN {}true", "NOT ".repeat(5000));
    assert_eq!(err_code(&nots), "UnexpectedSyntax");
    let long = format!("RETURN {}1", "1 + ".repeat(5000));
    assert_eq!(err_code(&long), "UnexpectedSyntax");
    let props = format!("RETURN n{}", ".a".repeat(5000));
    assert_eq!(err_code(&props), "UnexpectedSyntax");
    let cases = format!(
        "RETURN {}1{}",
        "CASE WHEN true THEN ".repeat(3000),
        " END".repeat(3000)
    );
    assert!(parse(&cases).is_err());
}

#[test]
fn nesting_within_the_limits_parses() {
    let n = 100;
    let shapes = [
        format!("RETURN {}{}", "[".repeat(n), "]".repeat(n)),
        format!("RETURN {}1{}", "(".repeat(n), ")".repeat(n)),
        format!("RETURN {}1{}", "{a: ".repeat(n), "}".repeat(n)),
        format!("RETURN {}1{}", "f(".repeat(n), ")".repeat(n)),
        format!("RETURN {}1{}", "[x IN ".repeat(n), "]".repeat(n)),
        format!(
            "RETURN {}1{}",
            "CASE WHEN true THEN ".repeat(n),
            " END".repeat(n)
        ),
        format!(
            "RETURN {}1{}",
            "reduce(a = 0, x IN ".repeat(n),
            " | 1)".repeat(n)
        ),
        format!(
            "MATCH (n) WHERE {}true{} RETURN 1",
            "EXISTS { MATCH (m) WHERE ".repeat(n / 2),
            " }".repeat(n / 2)
        ),
        format!("RETURN 1{}", ".a".repeat(200)),
        format!("RETURN {}1", "-".repeat(60)),
    ];
    for s in &shapes {
        if let Err(e) = parse(s) {
            panic!("{}", e.render("q", s));
        }
    }
}

/// Parses `text` and prints it back.
fn printed(text: &str) -> String {
    stmt(text).to_string()
}

#[test]
fn printing_back_keeps_the_structure() {
    assert_eq!(
        printed("match (a:A {x: 1})<-[r:T|U*2..]-(b) where a.x < b.y < 3 return a.x as x"),
        "MATCH (a:A {x: 1})<-[r:T|U*2..]-(b) WHERE a.x < b.y AND b.y < 3 RETURN a.x AS x"
    );
    assert_eq!(
        printed("RETURN (1 + 2) * 3, 1 + 2 * 3, -(2 ^ 2), - 1, -1"),
        "RETURN (1 + 2) * 3, 1 + 2 * 3, - (2 ^ 2), - 1, -1"
    );
    assert_eq!(
        printed("RETURN (a < b) < c, NOT (a OR b), (NOT a) = b"),
        "RETURN (a < b) < c, NOT (a OR b), (NOT a) = b"
    );
    assert_eq!(
        printed("RETURN 'a\\'b\\n', `my var`, $`p 1`, {`k k`: 1}"),
        "RETURN 'a\\'b\\n', `my var`, $`p 1`, {`k k`: 1}"
    );
    assert_eq!(
        printed("MERGE (n) ON CREATE SET n.x = 1 ON MATCH SET n += {y: 2}, n:L RETURN *"),
        "MERGE (n) ON CREATE SET n.x = 1 ON MATCH SET n += {y: 2}, n:L RETURN *"
    );
    assert_eq!(
        printed("CALL db.labels() YIELD label WHERE label <> 'x' RETURN label UNION ALL RETURN 1 AS label"),
        "CALL db.labels() YIELD label WHERE label <> 'x' RETURN label UNION ALL RETURN 1 AS label"
    );
}

#[test]
fn unclosed_nesting_does_not_backtrack_exponentially() {
    // Each of these took seconds to minutes at 16 levels before the grammar
    // stopped retrying the same text as another form.
    for p in [
        "[x IN ",
        "all(x IN ",
        "reduce(a = 0, x IN ",
        "n.x[",
        "$p[",
        "[x IN [1] | ",
    ] {
        let q = format!("RETURN {}1", p.repeat(16));
        assert_eq!(err_code(&q), "UnexpectedSyntax", "{q}");
    }
}

#[test]
fn large_data_literal_parses() {
    // About 110 KB in one statement: well within pest's call budget.
    let items: Vec<String> = (0..2000)
        .map(|i| format!("{{name: 'person number {i}', age: {i}, tags: ['a', 'b']}}"))
        .collect();
    let q = format!(
        "UNWIND [{}] AS row CREATE (:P {{name: row.name}})",
        items.join(", ")
    );
    let s = stmt(&q);
    match &s.query.first.clauses[0].kind {
        ClauseKind::Unwind(u) => {
            assert!(matches!(&u.expr.kind, ExprKind::List(items) if items.len() == 2000))
        }
        other => panic!("{other:?}"),
    }
}
