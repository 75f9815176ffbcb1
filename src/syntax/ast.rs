//! The openCypher abstract syntax tree.
//!
//! Independent of pest: the parser ([`super::parse`]) builds it from pest
//! pairs, and everything after it (semantic checks, planning, evaluation)
//! reads only these types. Every node that can be the subject of an error
//! carries a [`Span`] into the query text.

use crate::error::Span;

/// A name written in the query (variable, label, type, key, function), with
/// where it was written. Backquoted names are stored unquoted.
#[derive(Debug, Clone)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it appears.
    pub span: Span,
}

impl PartialEq for Ident {
    /// Identifiers compare by name only.
    fn eq(&self, other: &Ident) -> bool {
        self.name == other.name
    }
}

impl Eq for Ident {}

/// The name of a called function as written (dotted parts, case kept) and
/// the registry entry it names, looked up once when the name is built: the
/// checker reports a name without an entry, the evaluator calls the entry
/// without looking at the name again. Reads as the slice of its parts.
#[derive(Clone)]
pub struct FunctionName {
    parts: Vec<Ident>,
    text: String,
    function: Option<&'static crate::builtins::Function>,
}

impl FunctionName {
    /// The name made of `parts`, resolved in the registry of functions
    /// (case-insensitively).
    pub fn new(parts: Vec<Ident>) -> FunctionName {
        let text = parts
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let function = crate::builtins::functions::lookup(&text);
        FunctionName {
            parts,
            text,
            function,
        }
    }

    /// The name as written, dotted parts joined with `.`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The registry entry, when the name is a known function.
    pub fn function(&self) -> Option<&'static crate::builtins::Function> {
        self.function
    }

    /// The dotted parts.
    pub fn as_slice(&self) -> &[Ident] {
        &self.parts
    }
}

impl std::ops::Deref for FunctionName {
    type Target = [Ident];

    fn deref(&self) -> &[Ident] {
        &self.parts
    }
}

impl PartialEq for FunctionName {
    /// Function names compare by their parts (the entry follows from them).
    fn eq(&self, other: &FunctionName) -> bool {
        self.parts == other.parts
    }
}

impl std::fmt::Debug for FunctionName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.parts.fmt(f)
    }
}

/// A whole statement: an optional `EXPLAIN`/`PROFILE` prefix and a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Plain, `EXPLAIN` or `PROFILE`.
    pub mode: StatementMode,
    /// The query.
    pub query: Query,
    /// The whole statement.
    pub span: Span,
}

/// How a statement is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementMode {
    /// Run it and return rows.
    Run,
    /// Plan it and return the plan, without running it.
    Explain,
    /// `EXPLAIN VERBOSE`: the plan as built, then after each optimizer rule
    /// that changed it.
    ExplainVerbose,
    /// Run it and return the plan with per-operator rows and time.
    Profile,
}

/// A query: one single query, or several joined by `UNION [ALL]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The first part.
    pub first: SingleQuery,
    /// The following parts, each with `true` for `UNION ALL`, `false` for `UNION`.
    pub unions: Vec<(bool, SingleQuery)>,
    /// The whole query.
    pub span: Span,
}

/// A sequence of clauses (no `UNION`).
#[derive(Debug, Clone, PartialEq)]
pub struct SingleQuery {
    /// The clauses, in order.
    pub clauses: Vec<Clause>,
    /// The whole part.
    pub span: Span,
}

/// One clause with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// What clause it is.
    pub kind: ClauseKind,
    /// From its keyword to its end.
    pub span: Span,
}

/// The clauses of openCypher.
#[derive(Debug, Clone, PartialEq)]
pub enum ClauseKind {
    /// `[OPTIONAL] MATCH pattern [WHERE expr]`
    Match(Match),
    /// `UNWIND expr AS var`
    Unwind(Unwind),
    /// `WITH [DISTINCT] items [ORDER BY] [SKIP] [LIMIT] [WHERE]`
    With(Projection),
    /// `RETURN [DISTINCT] items [ORDER BY] [SKIP] [LIMIT]`
    Return(Projection),
    /// `CREATE pattern`
    Create(Pattern),
    /// `MERGE pattern-part [ON CREATE SET ...] [ON MATCH SET ...]`
    Merge(Merge),
    /// `SET item, ...`
    Set(Vec<SetItem>),
    /// `REMOVE item, ...`
    Remove(Vec<RemoveItem>),
    /// `[DETACH] DELETE expr, ...`
    Delete(Delete),
    /// `CALL proc(args) [YIELD ...]`
    Call(Call),
}

/// `[OPTIONAL] MATCH`.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// `OPTIONAL MATCH`.
    pub optional: bool,
    /// The pattern.
    pub pattern: Pattern,
    /// The `WHERE` predicate.
    pub where_: Option<Expr>,
}

/// `UNWIND expr AS variable`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unwind {
    /// The list.
    pub expr: Expr,
    /// The variable bound to each element.
    pub variable: Ident,
}

/// The body of `WITH` and `RETURN`.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// `DISTINCT`.
    pub distinct: bool,
    /// `*` was written (possibly followed by more items: `RETURN *, x`).
    pub star: bool,
    /// The items after `*` (or all of them).
    pub items: Vec<ProjectionItem>,
    /// `ORDER BY` items.
    pub order_by: Vec<SortItem>,
    /// `SKIP`.
    pub skip: Option<Expr>,
    /// `LIMIT`.
    pub limit: Option<Expr>,
    /// `WHERE` (only `WITH` has one).
    pub where_: Option<Expr>,
}

/// `expr [AS alias]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionItem {
    /// The value.
    pub expr: Expr,
    /// `AS alias`.
    pub alias: Option<Ident>,
    /// The expression's verbatim source text: the column name when there is
    /// no alias (`count(*)`, `n.name`, `aVg(    n.aGe     )`).
    pub text: String,
}

impl ProjectionItem {
    /// The column name: the alias, or the verbatim expression text.
    pub fn column_name(&self) -> &str {
        match &self.alias {
            Some(a) => &a.name,
            None => &self.text,
        }
    }
}

/// `expr [ASC|DESC]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortItem {
    /// The sort key.
    pub expr: Expr,
    /// `DESC` / `DESCENDING`.
    pub descending: bool,
}

/// `MERGE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    /// The single pattern part to match or create.
    pub part: PatternPart,
    /// `ON CREATE SET` / `ON MATCH SET`, in written order.
    pub actions: Vec<MergeAction>,
}

/// `ON CREATE SET ...` or `ON MATCH SET ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeAction {
    /// `true` for `ON CREATE`, `false` for `ON MATCH`.
    pub on_create: bool,
    /// The assignments.
    pub items: Vec<SetItem>,
}

/// One `SET` assignment.
#[derive(Debug, Clone, PartialEq)]
pub enum SetItem {
    /// `target.key = value` (target is usually a variable, but may be any
    /// expression, e.g. `(n).key` or `n.a.key`).
    Property {
        /// The entity (or map-valued) expression.
        target: Expr,
        /// The property key.
        key: Ident,
        /// The new value (`null` removes).
        value: Expr,
        /// The whole item.
        span: Span,
    },
    /// `var = map` (replace all properties) or `var += map` (merge).
    Variable {
        /// The entity variable.
        variable: Ident,
        /// The map (or entity whose properties are copied).
        value: Expr,
        /// `+=` rather than `=`.
        merge: bool,
        /// The whole item.
        span: Span,
    },
    /// `var:Label:Other`.
    Labels {
        /// The entity variable.
        variable: Ident,
        /// The labels to add.
        labels: Vec<Ident>,
        /// The whole item.
        span: Span,
    },
}

/// One `REMOVE` item.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoveItem {
    /// `target.key`.
    Property {
        /// The entity expression.
        target: Expr,
        /// The key.
        key: Ident,
        /// The whole item.
        span: Span,
    },
    /// `var:Label:Other`.
    Labels {
        /// The entity variable.
        variable: Ident,
        /// The labels to remove.
        labels: Vec<Ident>,
        /// The whole item.
        span: Span,
    },
}

/// `[DETACH] DELETE expr, ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// `DETACH DELETE`.
    pub detach: bool,
    /// What to delete (nodes, relationships, paths, or lists of those).
    pub exprs: Vec<Expr>,
}

/// `CALL ns.name(args) [YIELD item, ... [WHERE expr]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The dotted name, e.g. `["db", "labels"]`.
    pub procedure: Vec<Ident>,
    /// The arguments; `None` when written without parentheses (implicit arguments).
    pub args: Option<Vec<Expr>>,
    /// `YIELD *` was written.
    pub yield_star: bool,
    /// The `YIELD` items: output column and optional alias.
    pub yields: Vec<(Ident, Option<Ident>)>,
    /// `WHERE` after `YIELD`.
    pub where_: Option<Expr>,
}

/// A comma-separated list of pattern parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The parts.
    pub parts: Vec<PatternPart>,
    /// The whole pattern.
    pub span: Span,
}

/// `[p =] [shortestPath(] (a)-[r]->(b)... [)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternPart {
    /// The path variable, `p` in `p = (a)-->(b)`.
    pub variable: Option<Ident>,
    /// Plain, `shortestPath(...)` or `allShortestPaths(...)`.
    pub kind: PathKind,
    /// The chain of nodes and relationships.
    pub element: PatternElement,
    /// The whole part.
    pub span: Span,
}

/// How a pattern part is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// Every match.
    Normal,
    /// `shortestPath(...)`: one shortest path per pair of ends.
    Shortest,
    /// `allShortestPaths(...)`: every shortest path per pair of ends.
    AllShortest,
}

/// `(a)-[r]->(b)<-[s]-(c)...`: a start node and a chain of (relationship, node) steps.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternElement {
    /// The first node.
    pub start: NodePattern,
    /// Each relationship and the node after it.
    pub chain: Vec<(RelPattern, NodePattern)>,
    /// The whole element.
    pub span: Span,
}

/// `(var:Label:Other {key: value})`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodePattern {
    /// The variable, if named.
    pub variable: Option<Ident>,
    /// The required labels (all of them).
    pub labels: Vec<Ident>,
    /// An inline map literal or a `$parameter`.
    pub properties: Option<Expr>,
    /// From `(` to `)`.
    pub span: Span,
}

/// `-[var:TYPE|OTHER*1..3 {key: value}]->`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelPattern {
    /// The variable, if named.
    pub variable: Option<Ident>,
    /// Allowed types (any of them); empty means any type.
    pub types: Vec<Ident>,
    /// The direction as written.
    pub direction: Direction,
    /// `*`, `*2`, `*1..3`, `*..4`, `*2..`: variable length.
    pub length: Option<Range>,
    /// An inline map literal or a `$parameter`.
    pub properties: Option<Expr>,
    /// From the first dash to the last.
    pub span: Span,
}

/// The direction of a relationship pattern, relative to the node on its left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `-->`: from the left node to the right node.
    Outgoing,
    /// `<--`: from the right node to the left node.
    Incoming,
    /// `--` (or `<-->`): either way.
    Both,
}

/// The bounds of a variable-length relationship. `*` is `{min: None, max: None}`
/// (meaning 1 to unbounded), `*2` is `{Some(2), Some(2)}`, `*..4` is `{None, Some(4)}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The lower bound, default 1.
    pub min: Option<u64>,
    /// The upper bound, default unbounded.
    pub max: Option<u64>,
}

/// An expression with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What expression it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer (decimal, `0x` hex or `0o` octal), already range-checked.
    /// A minus sign directly before an integer literal is folded into it, so
    /// `-9223372036854775808` is a valid literal.
    Int(i64),
    /// A float, already range-checked.
    Float(f64),
    /// A string, escapes already decoded.
    String(String),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `NOT`
    Not,
    /// `-`
    Neg,
    /// `+`
    Plus,
}

/// Binary operators. Chained comparisons (`a < b <= c`) are desugared by the
/// parser into `a < b AND b <= c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `OR`
    Or,
    /// `XOR`
    Xor,
    /// `AND`
    And,
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `IN`
    In,
    /// `STARTS WITH`
    StartsWith,
    /// `ENDS WITH`
    EndsWith,
    /// `CONTAINS`
    Contains,
    /// `=~`
    Regex,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `^`
    Pow,
}

/// `all`, `any`, `none`, `single`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// `all(x IN list WHERE pred)`
    All,
    /// `any(...)`
    Any,
    /// `none(...)`
    None,
    /// `single(...)`
    Single,
}

/// The body of `EXISTS { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub enum ExistsBody {
    /// `EXISTS { (a)-->(b) [WHERE pred] }`
    Pattern(Pattern, Option<Box<Expr>>),
    /// `EXISTS { MATCH ... RETURN ... }`
    Query(Box<Query>),
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Literal(Literal),
    /// `$name` (or `$0`).
    Parameter(String),
    /// A variable.
    Variable(String),
    /// `[a, b, c]`
    List(Vec<Expr>),
    /// `{key: value, ...}`
    Map(Vec<(Ident, Expr)>),
    /// `expr.key`
    Property(Box<Expr>, Ident),
    /// `expr[index]` (list index or dynamic map/property access).
    Index(Box<Expr>, Box<Expr>),
    /// `expr[from..to]`
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// A unary operator.
    Unary(UnaryOp, Box<Expr>),
    /// A binary operator.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `expr IS NULL` (`false`) or `expr IS NOT NULL` (`true`).
    IsNull(Box<Expr>, bool),
    /// `n:Label:Other` used as a predicate.
    HasLabels(Box<Expr>, Vec<Ident>),
    /// `name(args)` or `ns.name(DISTINCT args)`; the name keeps its case as
    /// written (function names are case-insensitive).
    Function {
        /// The dotted name and the function it names.
        name: FunctionName,
        /// `DISTINCT` inside the parentheses (aggregates).
        distinct: bool,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `count(*)`
    CountStar,
    /// `CASE [subject] WHEN .. THEN .. [ELSE ..] END`
    Case {
        /// The simple form's subject, `None` for the generic form.
        subject: Option<Box<Expr>>,
        /// `WHEN` value/condition and `THEN` result pairs.
        whens: Vec<(Expr, Expr)>,
        /// `ELSE`.
        otherwise: Option<Box<Expr>>,
    },
    /// `[x IN list WHERE pred | projection]`
    ListComprehension {
        /// The element variable.
        variable: Ident,
        /// The list.
        list: Box<Expr>,
        /// `WHERE`.
        predicate: Option<Box<Expr>>,
        /// `| projection`.
        projection: Option<Box<Expr>>,
    },
    /// `[p = (a)-->(b) WHERE pred | projection]`
    PatternComprehension {
        /// The path variable.
        variable: Option<Ident>,
        /// The pattern.
        pattern: Box<PatternElement>,
        /// `WHERE`.
        predicate: Option<Box<Expr>>,
        /// The projection after `|`.
        projection: Box<Expr>,
    },
    /// `all/any/none/single(x IN list WHERE pred)`
    Quantified {
        /// Which quantifier.
        quantifier: Quantifier,
        /// The element variable.
        variable: Ident,
        /// The list.
        list: Box<Expr>,
        /// The predicate (`None` if omitted).
        predicate: Option<Box<Expr>>,
    },
    /// `reduce(acc = init, x IN list | expr)`
    Reduce {
        /// The accumulator variable.
        accumulator: Ident,
        /// Its initial value.
        init: Box<Expr>,
        /// The element variable.
        variable: Ident,
        /// The list.
        list: Box<Expr>,
        /// The step expression.
        expr: Box<Expr>,
    },
    /// A pattern used as a predicate: `WHERE (a)-[:T]->(b)`.
    Pattern(Box<PatternElement>),
    /// `EXISTS { ... }`
    Exists(ExistsBody),
}

impl Expr {
    /// A new expression.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

/// A schema command: `CREATE INDEX`, `DROP INDEX` or `SHOW INDEXES`
/// (parsed by [`super::parse_schema`], apart from queries).
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaCommand {
    /// `CREATE [RANGE] INDEX [name] [IF NOT EXISTS] FOR pattern ON (v.prop)`.
    CreateIndex(CreateIndex),
    /// `DROP INDEX name [IF EXISTS]`.
    DropIndex {
        /// The index name.
        name: Ident,
        /// `IF EXISTS`: dropping a missing index is no error.
        if_exists: bool,
    },
    /// `SHOW [ALL | RANGE] INDEX[ES]`.
    ShowIndexes,
}

/// `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateIndex {
    /// The name, when given.
    pub name: Option<Ident>,
    /// `IF NOT EXISTS`: an existing index of that name or schema is no error.
    pub if_not_exists: bool,
    /// True for `FOR ()-[r:TYPE]-()`, false for `FOR (n:Label)`.
    pub relationship: bool,
    /// The label or relationship type.
    pub token: Ident,
    /// The indexed property.
    pub property: Ident,
}
