//! Rendering: expressions back to Cypher text, and plans as trees for
//! `EXPLAIN` / `PROFILE`.
//!
//! ```text
//! Produce results: name
//! └─ Projection: n.name AS name
//!    └─ Expand: (n)-[:KNOWS]->(m)
//!       └─ Label scan: (n:Person)
//!          └─ Unit
//! ```

use std::fmt::Write;
use std::time::Duration;

use super::{CreateItem, Dir, Expand, NodeCheck, Op, Plan, PropSpec, Seek, SetOp};
use crate::syntax::ast::{
    BinaryOp, Direction, ExistsBody, Expr, ExprKind, Literal, NodePattern, PatternElement,
    Quantifier, RelPattern, UnaryOp,
};

/// Per-operator figures from a `PROFILE` run, indexed by plan id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpFigures {
    /// Rows produced.
    pub rows: u64,
    /// Time spent inside the operator, its inputs included.
    pub time: Duration,
}

/// Renders a plan as an indented tree; with figures, each line ends with
/// the operator's rows and time.
pub fn render(plan: &Plan, columns: &[String], figures: Option<&[OpFigures]>) -> String {
    let mut out = String::new();
    let head = if columns.is_empty() {
        "Produce results (none)".to_string()
    } else {
        format!("Produce results: {}", columns.join(", "))
    };
    out.push_str(&head);
    out.push('\n');
    node(plan, "", true, figures, &mut out);
    out
}

/// The kind of expansion, with the choices the rules made for it.
fn expand_kind(spec: &Expand) -> String {
    let mut kind = match spec.var {
        None => "Expand",
        Some(v) if v.bfs => "Var-length expand (BFS, distinct ends)",
        Some(_) => "Var-length expand",
    }
    .to_string();
    if spec.to_bound {
        kind.push_str(" (into)");
    }
    if spec.dedupe.is_some() {
        kind.push_str(" (distinct ends)");
    }
    if spec.fetch_far {
        kind.push_str(" (prefetch far nodes)");
    }
    if spec.first_only {
        kind.push_str(" (exists)");
    }
    kind
}

/// The pattern an expansion follows, what its far node is checked for,
/// and its folded filter.
fn expand_text(spec: &Expand) -> String {
    let mut text = spec.text.clone();
    if !spec.check.is_empty() {
        text.push_str(&format!(", far node{}", check_text(&spec.check)));
    }
    if let Some(each) = &spec.each_rel {
        text.push_str(&format!(
            ", each relationship: {}",
            expr_text(&each.predicate)
        ));
    }
    if let Some(f) = &spec.filter {
        text.push_str(&format!(" WHERE {}", expr_text(f)));
    }
    text
}

fn node(plan: &Plan, prefix: &str, last: bool, figures: Option<&[OpFigures]>, out: &mut String) {
    crate::syntax::with_stack(|| node_here(plan, prefix, last, figures, out))
}

/// The deepest level of the tree that is indented further; deeper
/// operators are drawn at this indentation, so that the text of a very deep
/// plan grows linearly with it, not quadratically.
const MAX_INDENT_LEVELS: usize = 40;

fn node_here(
    plan: &Plan,
    prefix: &str,
    last: bool,
    figures: Option<&[OpFigures]>,
    out: &mut String,
) {
    let (branch, mut next_prefix) = if last {
        ("└─ ", format!("{prefix}   "))
    } else {
        ("├─ ", format!("{prefix}│  "))
    };
    if prefix.chars().count() >= 3 * MAX_INDENT_LEVELS {
        next_prefix = prefix.to_string();
    }
    let _ = write!(out, "{prefix}{branch}{}", describe(&plan.op));
    if let Some(f) = figures.and_then(|f| f.get(plan.id)) {
        let _ = write!(
            out,
            "  [rows={}, time={:.3} ms]",
            f.rows,
            f.time.as_secs_f64() * 1000.0
        );
    }
    out.push('\n');
    let children = plan.op.children();
    let n = children.len();
    for (i, c) in children.into_iter().enumerate() {
        node(c, &next_prefix, i + 1 == n, figures, out);
    }
}

/// A one-line description of an operator.
pub fn describe(op: &Op) -> String {
    match op {
        Op::Unit => "Unit".into(),
        Op::Argument => "Argument".into(),
        Op::AllNodes { text, .. } => format!("All nodes scan: {text}"),
        Op::LabelScan { label, text, .. } => format!("Label scan :{label}: {text}"),
        Op::NodeSeek { seek, text, .. } => match seek {
            Seek::Key(e) => format!("Key index seek ({}): {text}", expr_text(e)),
            Seek::Alias(e) => format!("Alias index seek ({}): {text}", expr_text(e)),
            Seek::Name(e) => format!("Name index seek ({}): {text}", expr_text(e)),
        },
        Op::NodeIndexSeek { seek, text, .. } => {
            format!("Node index seek {}: {text}", seek_text(seek))
        }
        Op::RelIndexSeek { spec, .. } => format!(
            "Relationship index seek {}: {}",
            seek_text(&spec.seek),
            spec.text
        ),
        Op::CheckNode { text, check, .. } => format!("Node check: {text}{}", check_text(check)),
        Op::Expand { spec, .. } => format!("{}: {}", expand_kind(spec), expand_text(spec)),
        Op::ShortestPath { spec, .. } => {
            let kind = if spec.all {
                "All shortest paths"
            } else {
                "Shortest path"
            };
            format!("{kind}: {}", spec.text)
        }
        Op::BuildPath { name, .. } => format!("Build path: {name}"),
        Op::Filter { predicate, .. } => format!("Filter: {}", expr_text(predicate)),
        Op::Optional { .. } => "Optional (left outer apply)".into(),
        Op::Project { items, .. } => format!("Projection: {}", items_text(items)),
        Op::Extend { items, .. } => format!("Compute: {}", items_text(items)),
        Op::Select { .. } => "Select columns".into(),
        Op::Aggregate { keys, aggs, .. } => {
            let keys: Vec<String> = keys.iter().map(expr_text).collect();
            let aggs: Vec<&str> = aggs.iter().map(|a| a.text.as_str()).collect();
            if keys.is_empty() {
                format!("Aggregate: {}", aggs.join(", "))
            } else {
                format!(
                    "Aggregate: {} grouped by {}",
                    aggs.join(", "),
                    keys.join(", ")
                )
            }
        }
        Op::Distinct { .. } => "Distinct".into(),
        Op::CountLabel { label, .. } => format!("Count label (from the label index): {label}"),
        Op::CountExpandRows { spec, .. } => {
            format!(
                "Count expand rows: count(*) of {}: {}",
                expand_kind(spec),
                expand_text(spec)
            )
        }
        Op::GroupCountExpand {
            spec,
            keys,
            agg_texts,
            ..
        } => {
            let keys: Vec<String> = keys.iter().map(expr_text).collect();
            format!(
                "Group count expand: {} grouped by {} of {}: {}",
                agg_texts.join(", "),
                keys.join(", "),
                expand_kind(spec),
                expand_text(spec)
            )
        }
        Op::CountDistinctEnds {
            spec,
            exclude_start,
            ..
        } => {
            let excluded = if *exclude_start {
                " (start excluded)"
            } else {
                ""
            };
            format!(
                "Count distinct ends{excluded} of {}: {}",
                expand_kind(spec),
                expand_text(spec)
            )
        }
        Op::ExpandIntersect { first, closing, .. } => format!(
            "Expand intersect: {} and {}",
            expand_text(first),
            expand_text(closing)
        ),
        Op::Sort { keys, .. } => {
            let keys: Vec<String> = keys
                .iter()
                .map(|(e, d)| format!("{}{}", expr_text(e), if *d { " DESC" } else { "" }))
                .collect();
            format!("Sort: {}", keys.join(", "))
        }
        Op::TopK {
            keys, skip, limit, ..
        } => {
            let keys: Vec<String> = keys
                .iter()
                .map(|(e, d)| format!("{}{}", expr_text(e), if *d { " DESC" } else { "" }))
                .collect();
            let skip = skip
                .as_ref()
                .map(|s| format!(" (skip {})", expr_text(s)))
                .unwrap_or_default();
            format!("Top {}{skip}: {}", expr_text(limit), keys.join(", "))
        }
        Op::Skip { count, .. } => format!("Skip: {}", expr_text(count)),
        Op::Limit { count, .. } => format!("Limit: {}", expr_text(count)),
        Op::Unwind { expr, .. } => format!("Unwind: {}", expr_text(expr)),
        Op::Union { all, .. } => if *all { "Union all" } else { "Union" }.into(),
        Op::Eager { .. } => "Eager".into(),
        Op::Create { items, .. } => format!("Create: {} element(s)", create_count(items)),
        Op::Merge { .. } => "Merge".into(),
        Op::Set { ops, .. } => {
            let any_remove = ops.iter().any(|o| {
                matches!(
                    o,
                    SetOp::Labels { add: false, .. } | SetOp::Prop { value: None, .. }
                )
            });
            format!(
                "{}: {} item(s)",
                if any_remove { "Remove" } else { "Set" },
                ops.len()
            )
        }
        Op::Delete { detach, exprs, .. } => {
            let e: Vec<String> = exprs.iter().map(expr_text).collect();
            format!(
                "{}: {}",
                if *detach { "Detach delete" } else { "Delete" },
                e.join(", ")
            )
        }
        Op::Call { procedure, .. } => format!("Procedure call: {}()", procedure.name()),
    }
}

fn create_count(items: &[CreateItem]) -> usize {
    items
        .iter()
        .filter(|i| !matches!(i, CreateItem::Path { .. }))
        .count()
}

fn items_text(items: &[(String, Expr)]) -> String {
    let parts: Vec<String> = items
        .iter()
        .filter(|(n, _)| !super::is_hidden(n))
        .map(|(n, e)| {
            let t = expr_text(e);
            if t == *n {
                t
            } else {
                format!("{t} AS {n}")
            }
        })
        .collect();
    parts.join(", ")
}

fn check_text(check: &NodeCheck) -> String {
    let mut s = String::new();
    for l in &check.labels {
        let _ = write!(s, " :{l}");
    }
    for p in &check.props {
        match p {
            PropSpec::Key(k, e) => {
                let _ = write!(s, " {k}={}", expr_text(e));
            }
            PropSpec::Map(e) => {
                let _ = write!(s, " {}", expr_text(e));
            }
        }
    }
    s
}

/// The arrow for a relationship pattern in direction `dir` (left to right).
pub fn arrow(dir: Dir, inner: &str) -> String {
    if inner.is_empty() {
        return match dir {
            Dir::Out => "-->".into(),
            Dir::In => "<--".into(),
            Dir::Both => "--".into(),
        };
    }
    match dir {
        Dir::Out => format!("-[{inner}]->"),
        Dir::In => format!("<-[{inner}]-"),
        Dir::Both => format!("-[{inner}]-"),
    }
}

/// A name as written in Cypher, backquoted when needed.
pub fn name_text(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

fn string_literal(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn binary_text(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Or => "OR",
        BinaryOp::Xor => "XOR",
        BinaryOp::And => "AND",
        BinaryOp::Eq => "=",
        BinaryOp::Ne => "<>",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::In => "IN",
        BinaryOp::StartsWith => "STARTS WITH",
        BinaryOp::EndsWith => "ENDS WITH",
        BinaryOp::Contains => "CONTAINS",
        BinaryOp::Regex => "=~",
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
        BinaryOp::Pow => "^",
    }
}

/// Cypher text for an expression, fully parenthesised where precedence
/// could matter. Two expressions that differ only in spans or spacing get
/// the same text, so it also serves as a structural key.
pub fn expr_text(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Literal(l) => match l {
            Literal::Null => "null".into(),
            Literal::Bool(b) => b.to_string(),
            Literal::Int(i) => i.to_string(),
            Literal::Float(f) => format!("{f:?}"),
            Literal::String(s) => string_literal(s),
        },
        ExprKind::Parameter(p) => format!("${p}"),
        ExprKind::Variable(v) => {
            if super::is_hidden(v) {
                v.trim_start_matches(super::HIDDEN).to_string()
            } else {
                name_text(v)
            }
        }
        ExprKind::List(items) => {
            let v: Vec<String> = items.iter().map(expr_text).collect();
            format!("[{}]", v.join(", "))
        }
        ExprKind::Map(entries) => {
            let v: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", name_text(&k.name), expr_text(v)))
                .collect();
            format!("{{{}}}", v.join(", "))
        }
        ExprKind::Property(t, k) => format!("{}.{}", atom(t), name_text(&k.name)),
        ExprKind::Index(a, b) => format!("{}[{}]", atom(a), expr_text(b)),
        ExprKind::Slice(a, b, c) => format!(
            "{}[{}..{}]",
            atom(a),
            b.as_deref().map(expr_text).unwrap_or_default(),
            c.as_deref().map(expr_text).unwrap_or_default()
        ),
        ExprKind::Unary(op, a) => match op {
            UnaryOp::Not => format!("NOT {}", atom(a)),
            UnaryOp::Neg => format!("-{}", atom(a)),
            UnaryOp::Plus => format!("+{}", atom(a)),
        },
        ExprKind::Binary(op, a, b) => {
            format!("{} {} {}", atom(a), binary_text(*op), atom(b))
        }
        ExprKind::IsNull(a, not) => {
            format!("{} IS {}NULL", atom(a), if *not { "NOT " } else { "" })
        }
        ExprKind::HasLabels(a, labels) => {
            let mut s = atom(a);
            for l in labels {
                let _ = write!(s, ":{}", name_text(&l.name));
            }
            s
        }
        ExprKind::Function {
            name,
            distinct,
            args,
        } => {
            let n: Vec<&str> = name.iter().map(|i| i.name.as_str()).collect();
            let a: Vec<String> = args.iter().map(expr_text).collect();
            format!(
                "{}({}{})",
                n.join("."),
                if *distinct { "DISTINCT " } else { "" },
                a.join(", ")
            )
        }
        ExprKind::CountStar => "count(*)".into(),
        ExprKind::Case {
            subject,
            whens,
            otherwise,
        } => {
            let mut s = String::from("CASE");
            if let Some(x) = subject {
                let _ = write!(s, " {}", expr_text(x));
            }
            for (w, t) in whens {
                let _ = write!(s, " WHEN {} THEN {}", expr_text(w), expr_text(t));
            }
            if let Some(o) = otherwise {
                let _ = write!(s, " ELSE {}", expr_text(o));
            }
            s.push_str(" END");
            s
        }
        ExprKind::ListComprehension {
            variable,
            list,
            predicate,
            projection,
        } => {
            let mut s = format!("[{} IN {}", name_text(&variable.name), expr_text(list));
            if let Some(p) = predicate {
                let _ = write!(s, " WHERE {}", expr_text(p));
            }
            if let Some(p) = projection {
                let _ = write!(s, " | {}", expr_text(p));
            }
            s.push(']');
            s
        }
        ExprKind::PatternComprehension {
            variable,
            pattern,
            predicate,
            projection,
        } => {
            let mut s = String::from("[");
            if let Some(v) = variable {
                let _ = write!(s, "{} = ", name_text(&v.name));
            }
            s.push_str(&element_text(pattern));
            if let Some(p) = predicate {
                let _ = write!(s, " WHERE {}", expr_text(p));
            }
            let _ = write!(s, " | {}]", expr_text(projection));
            s
        }
        ExprKind::Quantified {
            quantifier,
            variable,
            list,
            predicate,
        } => {
            let q = match quantifier {
                Quantifier::All => "all",
                Quantifier::Any => "any",
                Quantifier::None => "none",
                Quantifier::Single => "single",
            };
            let mut s = format!("{q}({} IN {}", name_text(&variable.name), expr_text(list));
            if let Some(p) = predicate {
                let _ = write!(s, " WHERE {}", expr_text(p));
            }
            s.push(')');
            s
        }
        ExprKind::Reduce {
            accumulator,
            init,
            variable,
            list,
            expr,
        } => format!(
            "reduce({} = {}, {} IN {} | {})",
            name_text(&accumulator.name),
            expr_text(init),
            name_text(&variable.name),
            expr_text(list),
            expr_text(expr)
        ),
        ExprKind::Pattern(p) => element_text(p),
        ExprKind::Exists(body) => match body {
            ExistsBody::Pattern(p, w) => {
                let parts: Vec<String> = p.parts.iter().map(|x| element_text(&x.element)).collect();
                let mut s = format!("EXISTS {{ {}", parts.join(", "));
                if let Some(w) = w {
                    let _ = write!(s, " WHERE {}", expr_text(w));
                }
                s.push_str(" }");
                s
            }
            ExistsBody::Query(_) => "EXISTS { ... }".into(),
        },
    }
}

/// Text of an operand: parenthesised unless it is atomic.
fn atom(e: &Expr) -> String {
    let t = expr_text(e);
    match &e.kind {
        ExprKind::Binary(..)
        | ExprKind::Unary(..)
        | ExprKind::IsNull(..)
        | ExprKind::HasLabels(..) => format!("({t})"),
        _ => t,
    }
}

/// Cypher text for a node pattern.
pub fn node_text(n: &NodePattern) -> String {
    let mut s = String::from("(");
    if let Some(v) = &n.variable {
        s.push_str(&name_text(&v.name));
    }
    for l in &n.labels {
        let _ = write!(s, ":{}", name_text(&l.name));
    }
    if let Some(p) = &n.properties {
        let _ = write!(s, " {}", expr_text(p));
    }
    s.push(')');
    s
}

/// Cypher text for a relationship pattern.
pub fn rel_text(r: &RelPattern) -> String {
    let mut inner = String::new();
    if let Some(v) = &r.variable {
        inner.push_str(&name_text(&v.name));
    }
    for (i, t) in r.types.iter().enumerate() {
        inner.push(if i == 0 { ':' } else { '|' });
        inner.push_str(&name_text(&t.name));
    }
    if let Some(len) = r.length {
        inner.push('*');
        match (len.min, len.max) {
            (None, None) => {}
            (Some(a), Some(b)) if a == b => {
                let _ = write!(inner, "{a}");
            }
            (a, b) => {
                if let Some(a) = a {
                    let _ = write!(inner, "{a}");
                }
                inner.push_str("..");
                if let Some(b) = b {
                    let _ = write!(inner, "{b}");
                }
            }
        }
    }
    if let Some(p) = &r.properties {
        let _ = write!(inner, " {}", expr_text(p));
    }
    let dir = match r.direction {
        Direction::Outgoing => Dir::Out,
        Direction::Incoming => Dir::In,
        Direction::Both => Dir::Both,
    };
    if inner.is_empty() {
        match dir {
            Dir::Out => "-->".into(),
            Dir::In => "<--".into(),
            Dir::Both => "--".into(),
        }
    } else {
        arrow(dir, &inner)
    }
}

/// Cypher text for a pattern element.
pub fn element_text(p: &PatternElement) -> String {
    let mut s = node_text(&p.start);
    for (r, n) in &p.chain {
        s.push_str(&rel_text(r));
        s.push_str(&node_text(n));
    }
    s
}

/// A declared-index seek as EXPLAIN shows it: `:Label(prop) = e`,
/// `IN e`, `> a AND <= b`, `STARTS WITH e`.
fn seek_text(seek: &super::index_seek::IndexSeek) -> String {
    use super::index_seek::SeekKeys;
    let keys = match &seek.keys {
        SeekKeys::Equal(e) => format!("= {}", expr_text(e)),
        SeekKeys::In(e) => format!("IN {}", expr_text(e)),
        SeekKeys::Prefix(e) => format!("STARTS WITH {}", expr_text(e)),
        SeekKeys::Range { lower, upper } => {
            let mut parts = Vec::new();
            if let Some((e, inc)) = lower {
                parts.push(format!(
                    "{} {}",
                    if *inc { ">=" } else { ">" },
                    expr_text(e)
                ));
            }
            if let Some((e, inc)) = upper {
                parts.push(format!(
                    "{} {}",
                    if *inc { "<=" } else { "<" },
                    expr_text(e)
                ));
            }
            parts.join(" AND ")
        }
    };
    format!(
        ":{}({}) {keys}",
        name_text(&seek.token),
        name_text(&seek.property)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Span;
    use crate::syntax::ast::Ident;

    fn e(kind: ExprKind) -> Expr {
        Expr::new(kind, Span::default())
    }

    #[test]
    fn expressions_render_as_cypher() {
        let n = e(ExprKind::Variable("n".into()));
        let prop = e(ExprKind::Property(
            Box::new(n),
            Ident {
                name: "name".into(),
                span: Span::default(),
            },
        ));
        let lit = e(ExprKind::Literal(Literal::String("it's".into())));
        let cmp = e(ExprKind::Binary(
            BinaryOp::Eq,
            Box::new(prop),
            Box::new(lit),
        ));
        assert_eq!(expr_text(&cmp), "n.name = 'it\\'s'");
        let not = e(ExprKind::Unary(UnaryOp::Not, Box::new(cmp)));
        assert_eq!(expr_text(&not), "NOT (n.name = 'it\\'s')");
    }

    #[test]
    fn odd_names_are_backquoted() {
        assert_eq!(name_text("a b"), "`a b`");
        assert_eq!(name_text("abc_1"), "abc_1");
        assert_eq!(name_text("1a"), "`1a`");
    }
}
