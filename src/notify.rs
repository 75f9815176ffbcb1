//! Notifications: Neo4j-style warnings about names a statement reads that
//! the graph does not have (a label, a relationship type, a property key,
//! an alias), with a "did you mean" from the graph's own names.
//!
//! They never change a result or an exit code: `MATCH (n:Contry)` still
//! returns no rows; the notification only says why. Names the statement
//! itself writes (`CREATE (:NewLabel)`, `SET n.fresh = 1`) are not
//! unknown, and an empty graph gets no notifications at all.

use std::collections::HashSet;

use crate::error::{Error, ErrorKind, Phase, Span};
use crate::store::alias::normalize;
use crate::store::Graph;
use crate::syntax::ast::{
    Clause, ClauseKind, ExistsBody, Expr, ExprKind, Ident, Literal, NodePattern, Pattern,
    PatternElement, Query, RelPattern, RemoveItem, SetItem, Statement,
};

/// One notification about a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// What kind: `UnknownLabel`, `UnknownRelationshipType`,
    /// `UnknownPropertyKey`, `UnknownAlias` or `AliasIsNotAProperty`.
    pub code: &'static str,
    /// What was noticed, e.g. "the label `Contry` is not in the graph".
    pub message: String,
    /// A suggestion, e.g. "did you mean `Country`?".
    pub help: Option<String>,
    /// Where in the statement.
    pub span: Option<Span>,
}

impl Notification {
    /// The notification as a warning with the statement line and a caret,
    /// like an error (`source_name` is what the statement is called).
    pub fn render(&self, source_name: &str, source: &str) -> String {
        let mut e = Error::new(ErrorKind::Semantic, Phase::Compile, self.code, "");
        if let Some(span) = self.span {
            e = e.at(span);
        }
        if let Some(help) = &self.help {
            e = e.with_help(help.clone());
        }
        let rendered = e.render(source_name, source);
        let rest = rendered.split_once('\n').map_or("", |(_, r)| r);
        format!("warning: {}\n{rest}", self.message)
    }
}

/// Property names every entity answers without storing them.
const VIRTUAL_KEYS: &[&str] = &["key", "aliases", "sources"];

/// The notifications for `statement` (parsed and checked) over `graph`.
pub fn analyze(statement: &Statement, graph: &Graph) -> Vec<Notification> {
    if graph.entity_count() == 0 {
        return Vec::new();
    }
    let mut walk = Walk::default();
    walk.query(&statement.query);
    walk.report(graph)
}

/// What a statement reads and writes, gathered from its syntax tree.
#[derive(Default)]
struct Walk {
    read_labels: Vec<Ident>,
    read_types: Vec<Ident>,
    /// Keys of read pattern maps (`MATCH (n {nmae: 1})`).
    read_keys: Vec<Ident>,
    /// `variable.key` with a plain variable on the left.
    accesses: Vec<(String, Ident)>,
    /// `{alias: 'text'}` in a read pattern.
    aliases: Vec<(String, Span)>,
    written_labels: HashSet<String>,
    written_types: HashSet<String>,
    written_keys: HashSet<String>,
    /// Variables bound by patterns (nodes and relationships).
    pattern_vars: HashSet<String>,
    /// Variables bound to anything else (UNWIND, WITH ... AS, list
    /// comprehensions, CALL ... YIELD).
    other_vars: HashSet<String>,
}

impl Walk {
    fn query(&mut self, q: &Query) {
        let parts = std::iter::once(&q.first).chain(q.unions.iter().map(|(_, s)| s));
        for sq in parts {
            for c in &sq.clauses {
                self.clause(c);
            }
        }
    }

    fn clause(&mut self, c: &Clause) {
        match &c.kind {
            ClauseKind::Match(m) => {
                self.pattern(&m.pattern, true);
                if let Some(w) = &m.where_ {
                    self.expr(w);
                }
            }
            ClauseKind::Unwind(u) => {
                self.expr(&u.expr);
                self.other_vars.insert(u.variable.name.clone());
            }
            ClauseKind::With(p) | ClauseKind::Return(p) => {
                for it in &p.items {
                    self.expr(&it.expr);
                    if let Some(alias) = &it.alias {
                        let same =
                            matches!(&it.expr.kind, ExprKind::Variable(v) if *v == alias.name);
                        if !same {
                            self.other_vars.insert(alias.name.clone());
                        }
                    }
                }
                for s in &p.order_by {
                    self.expr(&s.expr);
                }
                for e in [&p.skip, &p.limit, &p.where_].into_iter().flatten() {
                    self.expr(e);
                }
            }
            ClauseKind::Create(p) => self.pattern(p, false),
            ClauseKind::Merge(m) => {
                self.element(&m.part.element, false);
                for a in &m.actions {
                    self.set_items(&a.items);
                }
            }
            ClauseKind::Set(items) => self.set_items(items),
            ClauseKind::Remove(items) => {
                for it in items {
                    match it {
                        RemoveItem::Property { target, key, .. } => {
                            self.expr(target);
                            self.written_keys.insert(key.name.clone());
                        }
                        RemoveItem::Labels { labels, .. } => {
                            for l in labels {
                                self.written_labels.insert(l.name.clone());
                            }
                        }
                    }
                }
            }
            ClauseKind::Delete(d) => {
                for e in &d.exprs {
                    self.expr(e);
                }
            }
            ClauseKind::Call(call) => {
                for e in call.args.iter().flatten() {
                    self.expr(e);
                }
                for (name, alias) in &call.yields {
                    self.other_vars
                        .insert(alias.as_ref().unwrap_or(name).name.clone());
                }
                if let Some(w) = &call.where_ {
                    self.expr(w);
                }
            }
        }
    }

    fn set_items(&mut self, items: &[SetItem]) {
        for it in items {
            match it {
                SetItem::Property { key, value, .. } => {
                    self.written_keys.insert(key.name.clone());
                    self.expr(value);
                }
                SetItem::Variable { value, .. } => {
                    if let ExprKind::Map(entries) = &value.kind {
                        for (k, _) in entries {
                            self.written_keys.insert(k.name.clone());
                        }
                    }
                    self.expr(value);
                }
                SetItem::Labels { labels, .. } => {
                    for l in labels {
                        self.written_labels.insert(l.name.clone());
                    }
                }
            }
        }
    }

    fn pattern(&mut self, p: &Pattern, read: bool) {
        for part in &p.parts {
            if let Some(v) = &part.variable {
                self.other_vars.insert(v.name.clone());
            }
            self.element(&part.element, read);
        }
    }

    fn element(&mut self, el: &PatternElement, read: bool) {
        self.node(&el.start, read);
        for (rel, node) in &el.chain {
            self.rel(rel, read);
            self.node(node, read);
        }
    }

    fn node(&mut self, n: &NodePattern, read: bool) {
        if let Some(v) = &n.variable {
            self.pattern_vars.insert(v.name.clone());
        }
        for l in &n.labels {
            if read {
                self.read_labels.push(l.clone());
            } else {
                self.written_labels.insert(l.name.clone());
            }
        }
        self.properties(n.properties.as_ref(), read, true);
    }

    fn rel(&mut self, r: &RelPattern, read: bool) {
        if let Some(v) = &r.variable {
            self.pattern_vars.insert(v.name.clone());
        }
        for t in &r.types {
            if read {
                self.read_types.push(t.clone());
            } else {
                self.written_types.insert(t.name.clone());
            }
        }
        self.properties(r.properties.as_ref(), read, false);
    }

    fn properties(&mut self, props: Option<&Expr>, read: bool, node: bool) {
        let Some(props) = props else { return };
        if let ExprKind::Map(entries) = &props.kind {
            for (k, v) in entries {
                if !read {
                    self.written_keys.insert(k.name.clone());
                } else if node && k.name == "alias" {
                    if let ExprKind::Literal(Literal::String(s)) = &v.kind {
                        self.aliases.push((s.clone(), v.span));
                    }
                } else if !(node && k.name == "key") {
                    self.read_keys.push(k.clone());
                }
            }
        }
        self.expr(props);
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Literal(_)
            | ExprKind::Parameter(_)
            | ExprKind::Variable(_)
            | ExprKind::CountStar => {}
            ExprKind::List(items) => items.iter().for_each(|x| self.expr(x)),
            ExprKind::Map(entries) => entries.iter().for_each(|(_, x)| self.expr(x)),
            ExprKind::Property(base, key) => {
                if let ExprKind::Variable(v) = &base.kind {
                    self.accesses.push((v.clone(), key.clone()));
                }
                self.expr(base);
            }
            ExprKind::Index(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Slice(a, b, c) => {
                self.expr(a);
                for x in [b, c].into_iter().flatten() {
                    self.expr(x);
                }
            }
            ExprKind::Unary(_, a) | ExprKind::IsNull(a, _) => self.expr(a),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::HasLabels(a, labels) => {
                self.expr(a);
                self.read_labels.extend(labels.iter().cloned());
            }
            ExprKind::Function { args, .. } => args.iter().for_each(|x| self.expr(x)),
            ExprKind::Case {
                subject,
                whens,
                otherwise,
            } => {
                for x in [subject, otherwise].into_iter().flatten() {
                    self.expr(x);
                }
                for (w, t) in whens {
                    self.expr(w);
                    self.expr(t);
                }
            }
            ExprKind::ListComprehension {
                variable,
                list,
                predicate,
                projection,
            } => {
                self.other_vars.insert(variable.name.clone());
                self.expr(list);
                for x in [predicate, projection].into_iter().flatten() {
                    self.expr(x);
                }
            }
            ExprKind::PatternComprehension {
                variable,
                pattern,
                predicate,
                projection,
            } => {
                if let Some(v) = variable {
                    self.other_vars.insert(v.name.clone());
                }
                self.element(pattern, true);
                if let Some(p) = predicate {
                    self.expr(p);
                }
                self.expr(projection);
            }
            ExprKind::Quantified {
                variable,
                list,
                predicate,
                ..
            } => {
                self.other_vars.insert(variable.name.clone());
                self.expr(list);
                if let Some(p) = predicate {
                    self.expr(p);
                }
            }
            ExprKind::Reduce {
                accumulator,
                init,
                variable,
                list,
                expr,
            } => {
                self.other_vars.insert(accumulator.name.clone());
                self.other_vars.insert(variable.name.clone());
                self.expr(init);
                self.expr(list);
                self.expr(expr);
            }
            ExprKind::Pattern(el) => self.element(el, true),
            ExprKind::Exists(ExistsBody::Pattern(p, w)) => {
                self.pattern(p, true);
                if let Some(w) = w {
                    self.expr(w);
                }
            }
            ExprKind::Exists(ExistsBody::Query(q)) => self.query(q),
        }
    }

    /// Turns what was gathered into notifications, one per name.
    fn report(&self, graph: &Graph) -> Vec<Notification> {
        let mut out: Vec<Notification> = Vec::new();
        let mut seen: HashSet<(&'static str, String)> = HashSet::new();
        let mut push = |n: Notification, name: &str| {
            if seen.insert((n.code, name.to_string())) {
                out.push(n);
            }
        };
        let labels: Vec<&str> = graph.labels().collect();
        for l in &self.read_labels {
            if graph.label_count(&l.name) == 0 && !self.written_labels.contains(&l.name) {
                push(
                    unknown("UnknownLabel", "label", l, &labels, "labels"),
                    &l.name,
                );
            }
        }
        let types: Vec<&str> = graph.relation_types().collect();
        for t in &self.read_types {
            if graph.type_count(&t.name) == 0 && !self.written_types.contains(&t.name) {
                push(
                    unknown(
                        "UnknownRelationshipType",
                        "relationship type",
                        t,
                        &types,
                        "relationship types",
                    ),
                    &t.name,
                );
            }
        }
        let mut keys = KeySet::default();
        let node_vars = |v: &str| self.pattern_vars.contains(v) && !self.other_vars.contains(v);
        let mut wanted: Vec<&Ident> = self.read_keys.iter().collect();
        for (v, key) in &self.accesses {
            if !node_vars(v) {
                continue;
            }
            if key.name == "alias" && !keys.has(graph, "alias") {
                push(
                    Notification {
                        code: "AliasIsNotAProperty",
                        message: format!(
                            "`{v}.alias` is always null: `alias` finds entities only in a pattern map"
                        ),
                        help: Some(format!(
                            "write MATCH ({v} {{alias: '...'}}), or test the names with \
                             ANY(a IN {v}.aliases WHERE a = '...')"
                        )),
                        span: Some(key.span),
                    },
                    "alias",
                );
                continue;
            }
            wanted.push(key);
        }
        for key in wanted {
            let name = key.name.as_str();
            if VIRTUAL_KEYS.contains(&name)
                || self.written_keys.contains(name)
                || keys.has(graph, name)
            {
                continue;
            }
            let mut candidates: Vec<&str> = keys.all(graph).iter().map(String::as_str).collect();
            candidates.extend(VIRTUAL_KEYS);
            // `alias` works in pattern maps.
            candidates.push("alias");
            push(
                unknown(
                    "UnknownPropertyKey",
                    "property key",
                    key,
                    &candidates,
                    "property keys",
                ),
                name,
            );
        }
        if !keys.has(graph, "alias") {
            for (alias, span) in &self.aliases {
                if graph.resolve(alias).is_empty() {
                    push(unknown_alias(graph, alias, *span), alias);
                }
            }
        }
        out
    }
}

/// A notification for a name the graph does not have.
fn unknown(
    code: &'static str,
    what: &str,
    name: &Ident,
    candidates: &[&str],
    plural: &str,
) -> Notification {
    let near = nearest(&name.name, candidates, 1);
    Notification {
        code,
        message: format!("the {what} `{}` is not in the graph", name.name),
        help: Some(match near.first() {
            Some(s) => format!("did you mean `{s}`?"),
            None if candidates.is_empty() => format!("the graph has no {plural}"),
            None => {
                let mut some: Vec<&str> = candidates.to_vec();
                some.sort_unstable();
                some.truncate(8);
                format!("the graph's {plural} include {}", some.join(", "))
            }
        }),
        span: Some(name.span),
    }
}

/// A notification for an alias no entity has, with the nearest names.
fn unknown_alias(graph: &Graph, alias: &str, span: Span) -> Notification {
    let typed = normalize(alias);
    let mut scored: Vec<(usize, String)> = Vec::new();
    let limit = (typed.chars().count() / 3).max(2);
    for (key, ids) in graph.alias_index() {
        let d = osa_distance(&typed, key);
        if d > limit {
            continue;
        }
        // Show the name as written, not its normalized key.
        let shown = ids
            .iter()
            .filter_map(|id| graph.entity(*id))
            .flat_map(|e| {
                e.name()
                    .into_iter()
                    .map(str::to_string)
                    .chain(e.aliases.iter().map(|a| a.text.clone()))
            })
            .find(|n| normalize(n) == key)
            .unwrap_or_else(|| key.to_string());
        scored.push((d, shown));
    }
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    let names: Vec<String> = scored
        .iter()
        .take(3)
        .map(|(_, s)| format!("`{s}`"))
        .collect();
    Notification {
        code: "UnknownAlias",
        message: format!("no entity has the name or alias `{alias}`"),
        help: (!names.is_empty()).then(|| format!("did you mean {}?", names.join(" or "))),
        span: Some(span),
    }
}

/// The candidates nearest to `word` (case-insensitive optimal string
/// alignment distance: a swap of two letters counts once), closest first,
/// when close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: &[&'a str], max: usize) -> Vec<&'a str> {
    let lower = word.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .filter_map(|c| {
            let d = osa_distance(&lower, &c.to_lowercase());
            let limit = (lower.chars().count().max(c.chars().count()) / 3).max(1);
            (d <= limit && *c != word).then_some((d, *c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(max).map(|(_, c)| c).collect()
}

/// Edit distance with adjacent transpositions (optimal string alignment).
pub fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The property keys of the graph, gathered on first need.
#[derive(Default)]
struct KeySet {
    keys: Option<Vec<String>>,
}

impl KeySet {
    fn all(&mut self, graph: &Graph) -> &Vec<String> {
        self.keys.get_or_insert_with(|| {
            let mut keys: Vec<String> = Vec::new();
            let mut seen: HashSet<&str> = HashSet::new();
            let entity_keys = graph.entities().flat_map(|e| e.props.keys());
            let relation_keys = graph.relations().flat_map(|r| r.props.keys());
            for k in entity_keys.chain(relation_keys) {
                if seen.insert(k.as_ref()) {
                    keys.push(k.to_string());
                }
            }
            keys
        })
    }

    /// Whether any entity or relation has `key` (stops at the first one:
    /// on a large graph a known key is found without a full scan).
    fn has(&mut self, graph: &Graph, key: &str) -> bool {
        match &self.keys {
            Some(keys) => keys.iter().any(|k| k == key),
            None => {
                graph.entities().any(|e| e.props.contains_key(key))
                    || graph.relations().any(|r| r.props.contains_key(key))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes(query: &str) -> Vec<Notification> {
        let graph = crate::facts::seed_graph().expect("the seed graph");
        let statement = crate::syntax::parse(query).expect("parses");
        analyze(&statement, &graph)
    }

    fn codes_and_help(query: &str) -> Vec<(&'static str, Option<String>)> {
        notes(query).into_iter().map(|n| (n.code, n.help)).collect()
    }

    #[test]
    fn misspelled_names_get_a_did_you_mean() {
        let hint = |s: &str| Some(format!("did you mean `{s}`?"));
        assert_eq!(
            codes_and_help("MATCH (n:Contry) RETURN n"),
            vec![("UnknownLabel", hint("Country"))]
        );
        assert_eq!(
            codes_and_help("MATCH (a)-[:COCHAIRS]->(b) RETURN a"),
            vec![("UnknownRelationshipType", hint("CO_CHAIRS"))]
        );
        assert_eq!(
            codes_and_help("MATCH (n:Country) RETURN n.nme"),
            vec![("UnknownPropertyKey", hint("name"))]
        );
        assert_eq!(
            codes_and_help("MATCH (n {alais: 'GCTF'}) RETURN n"),
            vec![("UnknownPropertyKey", hint("alias"))]
        );
    }

    #[test]
    fn an_unknown_alias_suggests_the_nearest_names() {
        let n = notes("MATCH (m {alias: 'Marocco'}) RETURN m");
        assert_eq!(n.len(), 1, "{n:?}");
        assert_eq!(n[0].code, "UnknownAlias");
        let help = n[0].help.clone().unwrap_or_default();
        assert!(
            help.contains("`Morocco`") || help.contains("`Maroc`"),
            "{help}"
        );
        assert!(notes("MATCH (m {alias: 'maroc'}) RETURN m").is_empty());
    }

    #[test]
    fn alias_outside_a_pattern_map_is_explained() {
        let n = notes("MATCH (m) WHERE m.alias = 'Maroc' RETURN m");
        assert_eq!(n.len(), 1, "{n:?}");
        assert_eq!(n[0].code, "AliasIsNotAProperty");
    }

    #[test]
    fn known_and_written_names_are_quiet() {
        for q in [
            "MATCH (n:Country)-[r:CO_CHAIRS]->(f) RETURN n.name, n.key, n.aliases, r.sources",
            "CREATE (n:Brand {fresh: 1}) RETURN n.fresh",
            "MATCH (n:Country) SET n.score = 1 RETURN n.score",
            "UNWIND [{a: 1}] AS m RETURN m.a",
            "MATCH (n) WITH n.sources AS s UNWIND s AS c RETURN c.article",
            "MATCH (n) WITH {x: n.name} AS n RETURN n.x",
            "MERGE (n:Thing {name: 'x'}) RETURN n",
        ] {
            assert_eq!(notes(q), vec![], "{q}");
        }
    }

    #[test]
    fn each_name_is_reported_once_with_its_place() {
        let q = "MATCH (a:Contry), (b:Contry) RETURN a";
        let n = notes(q);
        assert_eq!(n.len(), 1, "{n:?}");
        let span = n[0].span.expect("a place");
        assert_eq!(&q[span.start..span.end], "Contry");
        let text = n[0].render("query", q);
        assert!(
            text.starts_with("warning: the label `Contry` is not in the graph\n"),
            "{text}"
        );
        assert!(text.contains("^^^^^^"), "{text}");
        assert!(text.contains("did you mean `Country`?"), "{text}");
    }

    #[test]
    fn transpositions_count_once() {
        assert_eq!(osa_distance("alais", "alias"), 1);
        assert_eq!(osa_distance("abc", "abc"), 0);
        assert_eq!(osa_distance("", "abc"), 3);
        assert_eq!(
            nearest("cout", &["cot", "count", "collect"], 2),
            vec!["cot", "count"]
        );
    }
}
