//! Prints the AST back as Cypher (`Display`), with the fewest parentheses
//! that keep the structure: `parse(x.to_string())` gives back the same tree
//! (spans aside). Unaliased projection items print their expression in this
//! normalized form, so their column names follow it.

use std::fmt::{self, Display, Formatter, Write as _};

use super::ast::*;
use super::errors::RESERVED;

/// Binding strength of an expression when printed, loosest first.
fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => match op {
            BinaryOp::Or => 1,
            BinaryOp::Xor => 2,
            BinaryOp::And => 3,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 5,
            BinaryOp::In
            | BinaryOp::StartsWith
            | BinaryOp::EndsWith
            | BinaryOp::Contains
            | BinaryOp::Regex => 6,
            BinaryOp::Add | BinaryOp::Sub => 7,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 8,
            BinaryOp::Pow => 9,
        },
        ExprKind::Unary(UnaryOp::Not, _) => 4,
        ExprKind::IsNull(..) => 6,
        ExprKind::Unary(..) => 10,
        ExprKind::Property(..)
        | ExprKind::Index(..)
        | ExprKind::Slice(..)
        | ExprKind::HasLabels(..) => 11,
        _ => 12,
    }
}

/// Prints `e`, in parentheses if it binds looser than `min`.
fn sub(f: &mut Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if level(e) < min {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

fn binary_symbol(op: BinaryOp) -> &'static str {
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

/// A name, backquoted unless it is a plain identifier and not reserved.
struct Name<'a>(&'a str);

impl Display for Name<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut chars = s.chars();
        let plain = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s));
        if plain {
            f.write_str(s)
        } else {
            write!(f, "`{}`", s.replace('`', "``"))
        }
    }
}

fn string_literal(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\'' => f.write_str("\\'")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{8}' => f.write_str("\\b")?,
            '\u{c}' => f.write_str("\\f")?,
            c if c.is_control() => write!(f, "\\u{:04X}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('\'')
}

fn comma_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{x}")?;
    }
    Ok(())
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(Literal::Null) => f.write_str("null"),
            ExprKind::Literal(Literal::Bool(b)) => write!(f, "{b}"),
            ExprKind::Literal(Literal::Int(i)) => write!(f, "{i}"),
            ExprKind::Literal(Literal::Float(x)) => write!(f, "{x:?}"),
            ExprKind::Literal(Literal::String(s)) => string_literal(f, s),
            ExprKind::Parameter(p) => {
                if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) {
                    write!(f, "${p}")
                } else {
                    write!(f, "${}", Name(p))
                }
            }
            ExprKind::Variable(v) => write!(f, "{}", Name(v)),
            ExprKind::List(items) => {
                f.write_char('[')?;
                comma_list(f, items)?;
                f.write_char(']')
            }
            ExprKind::Map(entries) => {
                f.write_char('{')?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {v}", Name(&k.name))?;
                }
                f.write_char('}')
            }
            ExprKind::Property(x, k) => {
                sub(f, x, 11)?;
                write!(f, ".{}", Name(&k.name))
            }
            ExprKind::Index(x, i) => {
                sub(f, x, 11)?;
                write!(f, "[{i}]")
            }
            ExprKind::Slice(x, a, b) => {
                sub(f, x, 11)?;
                f.write_char('[')?;
                if let Some(a) = a {
                    write!(f, "{a}")?;
                }
                f.write_str("..")?;
                if let Some(b) = b {
                    write!(f, "{b}")?;
                }
                f.write_char(']')
            }
            ExprKind::HasLabels(x, labels) => {
                sub(f, x, 11)?;
                for l in labels {
                    write!(f, ":{}", Name(&l.name))?;
                }
                Ok(())
            }
            ExprKind::Unary(op, x) => {
                match op {
                    UnaryOp::Not => f.write_str("NOT ")?,
                    // The space keeps `- 1` a negation rather than the literal -1.
                    UnaryOp::Neg => f.write_str("- ")?,
                    UnaryOp::Plus => f.write_str("+ ")?,
                }
                sub(f, x, level(self))
            }
            ExprKind::Binary(op, a, b) => {
                let l = level(self);
                // Comparisons never chain when printed: `a < b < c` would
                // parse back as `a < b AND b < c`.
                let (lmin, rmin) = if l == 5 { (6, 6) } else { (l, l + 1) };
                sub(f, a, lmin)?;
                write!(f, " {} ", binary_symbol(*op))?;
                sub(f, b, rmin)
            }
            ExprKind::IsNull(x, not) => {
                sub(f, x, 6)?;
                f.write_str(if *not { " IS NOT NULL" } else { " IS NULL" })
            }
            ExprKind::Function {
                name,
                distinct,
                args,
            } => {
                for (i, n) in name.iter().enumerate() {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    write!(f, "{}", Name(&n.name))?;
                }
                f.write_char('(')?;
                if *distinct {
                    f.write_str("DISTINCT ")?;
                }
                comma_list(f, args)?;
                f.write_char(')')
            }
            ExprKind::CountStar => f.write_str("count(*)"),
            ExprKind::Case {
                subject,
                whens,
                otherwise,
            } => {
                f.write_str("CASE")?;
                if let Some(s) = subject {
                    write!(f, " {s}")?;
                }
                for (w, t) in whens {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(o) = otherwise {
                    write!(f, " ELSE {o}")?;
                }
                f.write_str(" END")
            }
            ExprKind::ListComprehension {
                variable,
                list,
                predicate,
                projection,
            } => {
                write!(f, "[{} IN {list}", Name(&variable.name))?;
                if let Some(p) = predicate {
                    write!(f, " WHERE {p}")?;
                }
                if let Some(p) = projection {
                    write!(f, " | {p}")?;
                }
                f.write_char(']')
            }
            ExprKind::PatternComprehension {
                variable,
                pattern,
                predicate,
                projection,
            } => {
                f.write_char('[')?;
                if let Some(v) = variable {
                    write!(f, "{} = ", Name(&v.name))?;
                }
                write!(f, "{pattern}")?;
                if let Some(p) = predicate {
                    write!(f, " WHERE {p}")?;
                }
                write!(f, " | {projection}]")
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
                write!(f, "{q}({} IN {list}", Name(&variable.name))?;
                if let Some(p) = predicate {
                    write!(f, " WHERE {p}")?;
                }
                f.write_char(')')
            }
            ExprKind::Reduce {
                accumulator,
                init,
                variable,
                list,
                expr,
            } => write!(
                f,
                "reduce({} = {init}, {} IN {list} | {expr})",
                Name(&accumulator.name),
                Name(&variable.name)
            ),
            ExprKind::Pattern(p) => write!(f, "{p}"),
            ExprKind::Exists(ExistsBody::Pattern(p, w)) => {
                write!(f, "EXISTS {{ {p}")?;
                if let Some(w) = w {
                    write!(f, " WHERE {w}")?;
                }
                f.write_str(" }")
            }
            ExprKind::Exists(ExistsBody::Query(q)) => write!(f, "EXISTS {{ {q} }}"),
        }
    }
}

impl Display for NodePattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        if let Some(v) = &self.variable {
            write!(f, "{}", Name(&v.name))?;
        }
        for l in &self.labels {
            write!(f, ":{}", Name(&l.name))?;
        }
        if let Some(p) = &self.properties {
            if self.variable.is_some() || !self.labels.is_empty() {
                f.write_char(' ')?;
            }
            write!(f, "{p}")?;
        }
        f.write_char(')')
    }
}

impl Display for RelPattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.direction == Direction::Incoming {
            "<-["
        } else {
            "-["
        })?;
        if let Some(v) = &self.variable {
            write!(f, "{}", Name(&v.name))?;
        }
        for (i, t) in self.types.iter().enumerate() {
            f.write_str(if i == 0 { ":" } else { "|" })?;
            write!(f, "{}", Name(&t.name))?;
        }
        if let Some(r) = &self.length {
            f.write_char('*')?;
            match (r.min, r.max) {
                (None, None) => {}
                (Some(a), Some(b)) if a == b => write!(f, "{a}")?,
                (a, b) => {
                    if let Some(a) = a {
                        write!(f, "{a}")?;
                    }
                    f.write_str("..")?;
                    if let Some(b) = b {
                        write!(f, "{b}")?;
                    }
                }
            }
        }
        if let Some(p) = &self.properties {
            write!(f, " {p}")?;
        }
        f.write_str(if self.direction == Direction::Outgoing {
            "]->"
        } else {
            "]-"
        })
    }
}

impl Display for PatternElement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.start)?;
        for (r, n) in &self.chain {
            write!(f, "{r}{n}")?;
        }
        Ok(())
    }
}

impl Display for PatternPart {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(v) = &self.variable {
            write!(f, "{} = ", Name(&v.name))?;
        }
        match self.kind {
            PathKind::Normal => write!(f, "{}", self.element),
            PathKind::Shortest => write!(f, "shortestPath({})", self.element),
            PathKind::AllShortest => write!(f, "allShortestPaths({})", self.element),
        }
    }
}

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        comma_list(f, &self.parts)
    }
}

impl Display for ProjectionItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if let Some(a) = &self.alias {
            write!(f, " AS {}", Name(&a.name))?;
        }
        Ok(())
    }
}

impl Display for Projection {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.distinct {
            f.write_str("DISTINCT ")?;
        }
        if self.star {
            f.write_char('*')?;
            if !self.items.is_empty() {
                f.write_str(", ")?;
            }
        }
        comma_list(f, &self.items)?;
        for (i, s) in self.order_by.iter().enumerate() {
            f.write_str(if i == 0 { " ORDER BY " } else { ", " })?;
            write!(f, "{}{}", s.expr, if s.descending { " DESC" } else { "" })?;
        }
        if let Some(s) = &self.skip {
            write!(f, " SKIP {s}")?;
        }
        if let Some(l) = &self.limit {
            write!(f, " LIMIT {l}")?;
        }
        if let Some(w) = &self.where_ {
            write!(f, " WHERE {w}")?;
        }
        Ok(())
    }
}

impl Display for SetItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SetItem::Property {
                target, key, value, ..
            } => {
                sub(f, target, 11)?;
                write!(f, ".{} = {value}", Name(&key.name))
            }
            SetItem::Variable {
                variable,
                value,
                merge,
                ..
            } => write!(
                f,
                "{} {} {value}",
                Name(&variable.name),
                if *merge { "+=" } else { "=" }
            ),
            SetItem::Labels {
                variable, labels, ..
            } => {
                write!(f, "{}", Name(&variable.name))?;
                for l in labels {
                    write!(f, ":{}", Name(&l.name))?;
                }
                Ok(())
            }
        }
    }
}

impl Display for RemoveItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            RemoveItem::Property { target, key, .. } => {
                sub(f, target, 11)?;
                write!(f, ".{}", Name(&key.name))
            }
            RemoveItem::Labels {
                variable, labels, ..
            } => {
                write!(f, "{}", Name(&variable.name))?;
                for l in labels {
                    write!(f, ":{}", Name(&l.name))?;
                }
                Ok(())
            }
        }
    }
}

impl Display for Clause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ClauseKind::Match(m) => {
                if m.optional {
                    f.write_str("OPTIONAL ")?;
                }
                write!(f, "MATCH {}", m.pattern)?;
                if let Some(w) = &m.where_ {
                    write!(f, " WHERE {w}")?;
                }
                Ok(())
            }
            ClauseKind::Unwind(u) => write!(f, "UNWIND {} AS {}", u.expr, Name(&u.variable.name)),
            ClauseKind::With(p) => write!(f, "WITH {p}"),
            ClauseKind::Return(p) => write!(f, "RETURN {p}"),
            ClauseKind::Create(p) => write!(f, "CREATE {p}"),
            ClauseKind::Merge(m) => {
                write!(f, "MERGE {}", m.part)?;
                for a in &m.actions {
                    write!(
                        f,
                        " ON {} SET ",
                        if a.on_create { "CREATE" } else { "MATCH" }
                    )?;
                    comma_list(f, &a.items)?;
                }
                Ok(())
            }
            ClauseKind::Set(items) => {
                f.write_str("SET ")?;
                comma_list(f, items)
            }
            ClauseKind::Remove(items) => {
                f.write_str("REMOVE ")?;
                comma_list(f, items)
            }
            ClauseKind::Delete(d) => {
                f.write_str(if d.detach {
                    "DETACH DELETE "
                } else {
                    "DELETE "
                })?;
                comma_list(f, &d.exprs)
            }
            ClauseKind::Call(c) => {
                f.write_str("CALL ")?;
                for (i, n) in c.procedure.iter().enumerate() {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    write!(f, "{}", Name(&n.name))?;
                }
                if let Some(args) = &c.args {
                    f.write_char('(')?;
                    comma_list(f, args)?;
                    f.write_char(')')?;
                }
                if c.yield_star {
                    f.write_str(" YIELD *")?;
                } else if !c.yields.is_empty() {
                    f.write_str(" YIELD ")?;
                    for (i, (field, alias)) in c.yields.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{}", Name(&field.name))?;
                        if let Some(a) = alias {
                            write!(f, " AS {}", Name(&a.name))?;
                        }
                    }
                    if let Some(w) = &c.where_ {
                        write!(f, " WHERE {w}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl Display for SingleQuery {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, c) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first)?;
        for (all, q) in &self.unions {
            write!(f, " UNION {}{q}", if *all { "ALL " } else { "" })?;
        }
        Ok(())
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.mode {
            StatementMode::Run => {}
            StatementMode::Explain => f.write_str("EXPLAIN ")?,
            StatementMode::ExplainVerbose => f.write_str("EXPLAIN VERBOSE ")?,
            StatementMode::Profile => f.write_str("PROFILE ")?,
        }
        write!(f, "{}", self.query)
    }
}
