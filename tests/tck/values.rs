//! The TCK value model: the notation used in expected-result cells and
//! parameter tables (RUNNER.md §6), its parser, a canonical rendering, and
//! the comparison rules of RUNNER.md §5.
//!
//! Graph elements have no identity here: a node is its label set and its
//! property map, a relationship its type and property map, a path its start
//! node followed by (relationship, direction, node) steps.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A value in the TCK's model.
#[derive(Debug, Clone)]
pub enum TValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer (distinct from a float of the same magnitude).
    Int(i64),
    /// A float; `NaN` is a float too.
    Float(f64),
    /// A string.
    String(String),
    /// A list (ordered, unless the comparison ignores list order).
    List(Vec<TValue>),
    /// A map, compared by key set and per-key values.
    Map(BTreeMap<String, TValue>),
    /// A node.
    Node(TNode),
    /// A relationship.
    Rel(TRel),
    /// A path.
    Path(TPath),
}

/// A node: labels (order irrelevant) and properties.
#[derive(Debug, Clone, PartialEq)]
pub struct TNode {
    /// The label set.
    pub labels: BTreeSet<String>,
    /// The properties.
    pub props: BTreeMap<String, TValue>,
}

/// A relationship: type and properties.
#[derive(Debug, Clone, PartialEq)]
pub struct TRel {
    /// The relationship type.
    pub rel_type: String,
    /// The properties.
    pub props: BTreeMap<String, TValue>,
}

/// One step of a path: the relationship, whether it is traversed from its
/// start to its end (`-[]->`) or backwards (`<-[]-`), and the node reached.
#[derive(Debug, Clone, PartialEq)]
pub struct TStep {
    /// The relationship.
    pub rel: TRel,
    /// True for `-[..]->`, false for `<-[..]-`.
    pub forward: bool,
    /// The node reached.
    pub node: TNode,
}

/// A path: a start node and zero or more steps.
#[derive(Debug, Clone, PartialEq)]
pub struct TPath {
    /// The first node.
    pub start: TNode,
    /// The steps, in walk order.
    pub steps: Vec<TStep>,
}

impl PartialEq for TValue {
    /// TCK equality: integers and floats never equal each other, `-0.0 == 0.0`,
    /// `NaN` equals `NaN` (the expected side can only say `NaN` with the token).
    fn eq(&self, other: &TValue) -> bool {
        use TValue::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (String(a), String(b)) => a == b,
            (List(a), List(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (Node(a), Node(b)) => a == b,
            (Rel(a), Rel(b)) => a == b,
            (Path(a), Path(b)) => a == b,
            _ => false,
        }
    }
}

// ----- rendering -----------------------------------------------------------

/// Writes a string in TCK notation: single quotes, `\` and `'` escaped.
fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("'")?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\'' => f.write_str("\\'")?,
            '\n' => f.write_str("\\n")?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("'")
}

fn write_props(f: &mut fmt::Formatter<'_>, props: &BTreeMap<String, TValue>) -> fmt::Result {
    f.write_str("{")?;
    for (i, (k, v)) in props.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{k}: {v}")?;
    }
    f.write_str("}")
}

/// Renders a float so that the value parser reads it back as the same float.
fn write_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        f.write_str("NaN")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "Inf" } else { "-Inf" })
    } else {
        // `{:?}` is the shortest text that reads back exactly, and always has a
        // `.` or an exponent: `1.0`, `1e-305`, `1.2635418652381264e305`.
        write!(f, "{x:?}")
    }
}

impl fmt::Display for TNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for l in &self.labels {
            write!(f, ":{l}")?;
        }
        if !self.props.is_empty() {
            if !self.labels.is_empty() {
                f.write_str(" ")?;
            }
            write_props(f, &self.props)?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for TRel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[:{}", self.rel_type)?;
        if !self.props.is_empty() {
            f.write_str(" ")?;
            write_props(f, &self.props)?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for TPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}", self.start)?;
        for s in &self.steps {
            if s.forward {
                write!(f, "-{}->{}", s.rel, s.node)?;
            } else {
                write!(f, "<-{}-{}", s.rel, s.node)?;
            }
        }
        f.write_str(">")
    }
}

impl fmt::Display for TValue {
    /// The value in TCK notation (canonical: labels and map keys sorted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TValue::Null => f.write_str("null"),
            TValue::Bool(b) => write!(f, "{b}"),
            TValue::Int(i) => write!(f, "{i}"),
            TValue::Float(x) => write_float(f, *x),
            TValue::String(s) => write_string(f, s),
            TValue::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            TValue::Map(m) => write_props(f, m),
            TValue::Node(n) => write!(f, "{n}"),
            TValue::Rel(r) => write!(f, "{r}"),
            TValue::Path(p) => write!(f, "{p}"),
        }
    }
}

// ----- parsing -------------------------------------------------------------

/// Parses one value in TCK notation (the whole text, blanks around allowed).
pub fn parse_value(text: &str) -> Result<TValue, String> {
    let mut p = Parser { s: text, pos: 0 };
    let v = p.value()?;
    p.ws();
    if p.pos != text.len() {
        return Err(p.err("unexpected text after the value"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> String {
        format!("{what} at offset {} in `{}`", self.pos, self.s)
    }

    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Consumes `tok` (after blanks) if it is next.
    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.rest().starts_with(tok) {
            self.pos += tok.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &str) -> Result<(), String> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.err(&format!("expected `{tok}`")))
        }
    }

    fn value(&mut self) -> Result<TValue, String> {
        self.ws();
        match self.peek() {
            None => Err(self.err("expected a value")),
            Some(b'(') => Ok(TValue::Node(self.node()?)),
            Some(b'<') => self.path(),
            Some(b'{') => Ok(TValue::Map(self.map()?)),
            Some(b'\'') => Ok(TValue::String(self.string()?)),
            Some(b'[') => {
                let after = self.s[self.pos + 1..].trim_start();
                if after.starts_with(':') {
                    Ok(TValue::Rel(self.rel()?))
                } else {
                    self.list()
                }
            }
            Some(b'-' | b'.' | b'0'..=b'9') => self.number(),
            Some(c) if c.is_ascii_alphabetic() => {
                let word = self.name().to_string();
                match word.as_str() {
                    "true" => Ok(TValue::Bool(true)),
                    "false" => Ok(TValue::Bool(false)),
                    "null" => Ok(TValue::Null),
                    "NaN" => Ok(TValue::Float(f64::NAN)),
                    _ => Err(format!("unknown word `{word}` in `{}`", self.s)),
                }
            }
            Some(_) => Err(self.err("expected a value")),
        }
    }

    /// `[A-Za-z0-9$_]*` at the current position (no blanks skipped).
    fn name(&mut self) -> &str {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'$' || c == b'_')
        {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn nonempty_name(&mut self, what: &str) -> Result<String, String> {
        let n = self.name().to_string();
        if n.is_empty() {
            Err(self.err(&format!("expected {what}")))
        } else {
            Ok(n)
        }
    }

    fn string(&mut self) -> Result<String, String> {
        // The opening quote.
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.s[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, '\'')) => out.push('\''),
                    Some((_, '\\')) => out.push('\\'),
                    // Any other backslash is kept as written.
                    Some((_, other)) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        Err(self.err("unterminated string"))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<TValue, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_digits = self.digits();
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("expected digits after `.`"));
            }
            is_float = true;
        } else if int_digits == 0 {
            return Err(self.err("expected a number"));
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'-' | b'+')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("expected digits in the exponent"));
            }
            is_float = true;
        }
        let text = &self.s[start..self.pos];
        if is_float {
            text.parse::<f64>()
                .map(TValue::Float)
                .map_err(|e| format!("bad float `{text}`: {e}"))
        } else {
            text.parse::<i64>()
                .map(TValue::Int)
                .map_err(|e| format!("bad integer `{text}`: {e}"))
        }
    }

    fn list(&mut self) -> Result<TValue, String> {
        self.expect("[")?;
        let mut items = Vec::new();
        if self.eat("]") {
            return Ok(TValue::List(items));
        }
        loop {
            items.push(self.value()?);
            if self.eat(",") {
                continue;
            }
            self.expect("]")?;
            return Ok(TValue::List(items));
        }
    }

    fn map(&mut self) -> Result<BTreeMap<String, TValue>, String> {
        self.expect("{")?;
        let mut m = BTreeMap::new();
        if self.eat("}") {
            return Ok(m);
        }
        loop {
            self.ws();
            let key = self.nonempty_name("a map key")?;
            self.expect(":")?;
            let v = self.value()?;
            if m.insert(key.clone(), v).is_some() {
                return Err(format!("duplicate key `{key}` in `{}`", self.s));
            }
            if self.eat(",") {
                continue;
            }
            self.expect("}")?;
            return Ok(m);
        }
    }

    fn node(&mut self) -> Result<TNode, String> {
        self.expect("(")?;
        let mut labels = BTreeSet::new();
        while self.eat(":") {
            labels.insert(self.nonempty_name("a label")?);
        }
        self.ws();
        let props = if self.peek() == Some(b'{') {
            self.map()?
        } else {
            BTreeMap::new()
        };
        self.expect(")")?;
        Ok(TNode { labels, props })
    }

    fn rel(&mut self) -> Result<TRel, String> {
        self.expect("[")?;
        self.expect(":")?;
        let rel_type = self.nonempty_name("a relationship type")?;
        self.ws();
        let props = if self.peek() == Some(b'{') {
            self.map()?
        } else {
            BTreeMap::new()
        };
        self.expect("]")?;
        Ok(TRel { rel_type, props })
    }

    fn path(&mut self) -> Result<TValue, String> {
        self.expect("<")?;
        let start = self.node()?;
        let mut steps = Vec::new();
        loop {
            if self.eat(">") {
                return Ok(TValue::Path(TPath { start, steps }));
            }
            if self.eat("<-") {
                let rel = self.rel()?;
                self.expect("-")?;
                let node = self.node()?;
                steps.push(TStep {
                    rel,
                    forward: false,
                    node,
                });
            } else if self.eat("-") {
                let rel = self.rel()?;
                self.expect("->")?;
                let node = self.node()?;
                steps.push(TStep {
                    rel,
                    forward: true,
                    node,
                });
            } else {
                return Err(self.err("expected `-[`, `<-[` or `>` in a path"));
            }
        }
    }
}

// ----- comparison ----------------------------------------------------------

/// The value with every list (nested ones too, and lists inside maps and
/// properties) sorted by a total order, for "ignoring element order for
/// lists" comparisons. Equal values give equal results.
pub fn sort_lists(v: &TValue) -> TValue {
    rebuild(v, &|v| match v {
        TValue::List(mut items) => {
            items.sort_by(total_cmp);
            TValue::List(items)
        }
        other => other,
    })
}

/// A total order consistent with TCK equality (equal values compare `Equal`):
/// by the canonical rendering, with `-0.0` rendered as `0.0` and every NaN alike.
pub fn total_cmp(a: &TValue, b: &TValue) -> Ordering {
    sort_key(a).cmp(&sort_key(b))
}

fn sort_key(v: &TValue) -> String {
    rebuild(v, &|v| match v {
        // A float pattern compares with `==`, so this also matches -0.0.
        TValue::Float(0.0) => TValue::Float(0.0),
        TValue::Float(x) if x.is_nan() => TValue::Float(f64::NAN),
        other => other,
    })
    .to_string()
}

/// Rebuilds a value bottom-up, applying `f` to every value inside it (children
/// first, then the value itself). Graph elements' properties are included.
fn rebuild(v: &TValue, f: &dyn Fn(TValue) -> TValue) -> TValue {
    let props = |m: &BTreeMap<String, TValue>| -> BTreeMap<String, TValue> {
        m.iter().map(|(k, v)| (k.clone(), rebuild(v, f))).collect()
    };
    let node = |n: &TNode| TNode {
        labels: n.labels.clone(),
        props: props(&n.props),
    };
    let rel = |r: &TRel| TRel {
        rel_type: r.rel_type.clone(),
        props: props(&r.props),
    };
    let inner = match v {
        TValue::List(items) => TValue::List(items.iter().map(|v| rebuild(v, f)).collect()),
        TValue::Map(m) => TValue::Map(props(m)),
        TValue::Node(n) => TValue::Node(node(n)),
        TValue::Rel(r) => TValue::Rel(rel(r)),
        TValue::Path(p) => TValue::Path(TPath {
            start: node(&p.start),
            steps: p
                .steps
                .iter()
                .map(|s| TStep {
                    rel: rel(&s.rel),
                    forward: s.forward,
                    node: node(&s.node),
                })
                .collect(),
        }),
        other => other.clone(),
    };
    f(inner)
}

/// How a result table is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableMode {
    /// Rows compare as a sequence (else as a multiset).
    pub ordered: bool,
    /// Every list compares as a multiset.
    pub ignore_list_order: bool,
}

fn render_row(row: &[TValue]) -> String {
    let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
    format!("| {} |", cells.join(" | "))
}

/// Compares an actual result (columns and rows) with an expected one.
/// Returns a one-line description of the first difference.
pub fn compare_table(
    expected_cols: &[String],
    expected: &[Vec<TValue>],
    actual_cols: &[String],
    actual: &[Vec<TValue>],
    mode: TableMode,
) -> Result<(), String> {
    if expected_cols != actual_cols {
        return Err(format!(
            "columns differ: expected {expected_cols:?}, got {actual_cols:?}"
        ));
    }
    let norm = |rows: &[Vec<TValue>]| -> Vec<Vec<TValue>> {
        if mode.ignore_list_order {
            rows.iter()
                .map(|r| r.iter().map(sort_lists).collect())
                .collect()
        } else {
            rows.to_vec()
        }
    };
    let expected = norm(expected);
    let actual = norm(actual);
    if let Some(row) = actual.iter().find(|r| r.len() != expected_cols.len()) {
        return Err(format!(
            "a result row has {} cells for {} columns: {}",
            row.len(),
            expected_cols.len(),
            render_row(row)
        ));
    }
    if mode.ordered {
        for (i, (e, a)) in expected.iter().zip(&actual).enumerate() {
            if e != a {
                return Err(format!(
                    "row {} differs: expected {}, got {}",
                    i + 1,
                    render_row(e),
                    render_row(a)
                ));
            }
        }
        if expected.len() != actual.len() {
            return Err(format!(
                "expected {} rows, got {}",
                expected.len(),
                actual.len()
            ));
        }
        return Ok(());
    }
    // Multiset: TCK equality is an equivalence, so greedy matching is exact.
    let mut used = vec![false; expected.len()];
    let mut unexpected = Vec::new();
    for a in &actual {
        match (0..expected.len()).find(|&i| !used[i] && expected[i] == *a) {
            Some(i) => used[i] = true,
            None => unexpected.push(a),
        }
    }
    let missing: Vec<&Vec<TValue>> = expected
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(r, _)| r)
        .collect();
    if unexpected.is_empty() && missing.is_empty() {
        return Ok(());
    }
    let mut msg = if expected.len() == actual.len() {
        format!(
            "rows differ ({} of {} missing, as many unexpected)",
            missing.len(),
            expected.len()
        )
    } else {
        format!(
            "expected {} rows, got {} ({} missing, {} unexpected)",
            expected.len(),
            actual.len(),
            missing.len(),
            unexpected.len()
        )
    };
    if let Some(m) = missing.first() {
        msg.push_str(&format!("; missing {}", render_row(m)));
    }
    if let Some(u) = unexpected.first() {
        msg.push_str(&format!("; unexpected {}", render_row(u)));
    }
    Err(msg)
}
