//! Stage 3: AST → logical plan (anchor choice and predicate push-down
//! happen while building), then the optimizer's named rewrite rules.
//!
//! A plan is a tree of [`Plan`] nodes, each an operator ([`Op`]) over the
//! rows of its input. Rows are vectors of values; variables are resolved at
//! planning time to *slots* (indexes into the row), recorded in each node's
//! output [`Scope`]. Expressions stay AST expressions (the evaluator reads
//! them) but are evaluated against the scope of the node that holds them.
//!
//! - [`build`] turns a checked [`crate::syntax::ast::Statement`] into a plan,
//! - [`optimize`] runs the ordered list of named rewrite rules (each one
//!   file; `EXPLAIN VERBOSE` shows the plan after each that changed it),
//! - [`explain`] renders a plan as a tree for `EXPLAIN` and `PROFILE`.

pub mod build;
pub mod estimate;
pub mod explain;
pub mod expr;
pub mod index_seek;
pub mod optimize;

use std::sync::Arc;

use indexmap::IndexMap;

use crate::error::Span;
use crate::syntax::ast::Expr;

pub use build::build;

/// An index into a row.
pub type Slot = usize;

/// The prefix of names the planner invents (anonymous pattern elements,
/// aggregate results). No query can spell it, so they never clash with
/// user variables, and they are never shown.
pub const HIDDEN: char = '\u{0}';

/// True for names the planner invented.
pub fn is_hidden(name: &str) -> bool {
    name.starts_with(HIDDEN)
}

/// The variables visible in the rows an operator produces, and the row width.
///
/// The operators of one MATCH extend each other's scopes, so they share one
/// map: a scope sees the first `len` entries of `vars` (a prefix view), and
/// [`Scope::prefix`] makes such a view in constant time. Planning a pattern
/// of N parts thus costs O(N), not the O(N²) of a copy per operator.
#[derive(Clone, Default)]
pub struct Scope {
    vars: Arc<IndexMap<String, Slot, crate::eval::compare::FxBuild>>,
    /// How many entries of `vars` this scope sees.
    len: usize,
    width: usize,
}

impl Scope {
    /// An empty scope (rows of width 0).
    pub fn new() -> Scope {
        Scope::default()
    }

    /// The slot holding `name`, if it is in scope.
    pub fn slot(&self, name: &str) -> Option<Slot> {
        match self.vars.get_full(name) {
            Some((i, _, &slot)) if i < self.len => Some(slot),
            _ => None,
        }
    }

    /// The row width.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Adds a new slot at the end of the row, bound to `name` (shadowing
    /// any earlier variable of that name); returns it.
    pub fn push(&mut self, name: &str) -> Slot {
        let slot = self.width;
        self.width += 1;
        if self.len != self.vars.len() {
            // A view of a longer scope: copy what it sees.
            let own = self
                .vars
                .iter()
                .take(self.len)
                .map(|(n, s)| (n.clone(), *s))
                .collect();
            self.vars = Arc::new(own);
        }
        let vars = Arc::make_mut(&mut self.vars);
        vars.shift_remove(name);
        vars.insert(name.to_string(), slot);
        self.len = vars.len();
        slot
    }

    /// The number of variables in scope.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// This scope as it was when it had `len` variables and rows of
    /// `width`, sharing the map (valid when nothing was shadowed since).
    pub(crate) fn prefix(&self, len: usize, width: usize) -> Scope {
        Scope {
            vars: Arc::clone(&self.vars),
            len: len.min(self.len),
            width,
        }
    }

    /// Every variable with its slot, in the order they were added.
    pub fn vars(&self) -> impl Iterator<Item = (&str, Slot)> + '_ {
        self.vars
            .iter()
            .take(self.len)
            .map(|(n, s)| (n.as_str(), *s))
    }

    /// The variables a user can see (not invented by the planner), in the
    /// order they were added.
    pub fn visible(&self) -> impl Iterator<Item = (&str, Slot)> + '_ {
        self.vars().filter(|(n, _)| !is_hidden(n))
    }

    /// True when `name` is in scope.
    pub fn contains(&self, name: &str) -> bool {
        self.slot(name).is_some()
    }
}

impl PartialEq for Scope {
    fn eq(&self, other: &Scope) -> bool {
        self.width == other.width && self.vars().eq(other.vars())
    }
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("vars", &self.vars().collect::<Vec<_>>())
            .field("width", &self.width)
            .finish()
    }
}

/// A relationship direction, relative to the expansion (from → to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// From the source node to the target node.
    Out,
    /// From the target node to the source node.
    In,
    /// Either way.
    Both,
}

impl Dir {
    /// The same direction seen from the other end.
    pub fn reverse(self) -> Dir {
        match self {
            Dir::Out => Dir::In,
            Dir::In => Dir::Out,
            Dir::Both => Dir::Both,
        }
    }
}

/// A property constraint from a pattern's `{...}`.
#[derive(Debug, Clone, PartialEq)]
pub enum PropSpec {
    /// `key: expr`.
    Key(String, Expr),
    /// A whole map given as an expression (`$param`).
    Map(Expr),
}

/// What a node must satisfy to match a node pattern.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeCheck {
    /// Every label it must carry.
    pub labels: Vec<String>,
    /// The property constraints (`key` and `alias` go through the store's
    /// key and alias indexes unless the entity has such a property).
    pub props: Vec<PropSpec>,
}

impl NodeCheck {
    /// True when the check accepts every node.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.props.is_empty()
    }
}

/// A relationship slot that a new relationship must differ from
/// (relationship uniqueness within one MATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelRef {
    /// The slot.
    pub slot: Slot,
    /// The slot holds a list of relationships (variable length).
    pub list: bool,
    /// The types the relationship may have.
    pub types: TypeSet,
}

impl RelRef {
    /// True when the relationship in this slot may be one of `types`
    /// (otherwise a relationship of `types` can never repeat it).
    pub fn may_be(&self, types: TypeSet) -> bool {
        self.types.may_share(types)
    }
}

/// A set of relationship types, as 63 bits of their names' hashes (or any
/// type): two sets that share no bit share no type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeSet(u64);

impl TypeSet {
    const ANY: u64 = 1 << 63;

    /// The set of `types` (empty: any type).
    pub fn of(types: &[String]) -> TypeSet {
        if types.is_empty() {
            return TypeSet(Self::ANY);
        }
        TypeSet(types.iter().fold(0, |bits, t| {
            // FNV-1a: stable across runs and platforms.
            let h = t.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            bits | 1 << (h % 63)
        }))
    }

    /// False only when no type can be in both.
    pub fn may_share(self, other: TypeSet) -> bool {
        (self.0 | other.0) & Self::ANY != 0 || self.0 & other.0 != 0
    }
}

/// The relationships an expansion must not repeat: a prefix of a list
/// shared by the expansions of one MATCH (each sees those placed before
/// it), so that a pattern of N relationships holds O(N) of them, not O(N²).
#[derive(Clone, Default)]
pub struct RelRefs {
    all: Arc<Vec<RelRef>>,
    len: usize,
}

impl RelRefs {
    /// The first `len` relationships of `all`.
    pub fn prefix(all: &Arc<Vec<RelRef>>, len: usize) -> RelRefs {
        RelRefs {
            all: Arc::clone(all),
            len: len.min(all.len()),
        }
    }
}

impl std::ops::Deref for RelRefs {
    type Target = [RelRef];

    fn deref(&self) -> &[RelRef] {
        &self.all[..self.len]
    }
}

impl PartialEq for RelRefs {
    fn eq(&self, other: &RelRefs) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for RelRefs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// How an index seek finds its nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum Seek {
    /// Through the key index (`{key: ...}`).
    Key(Expr),
    /// Through the alias index (`{alias: ...}`), normalized.
    Alias(Expr),
    /// Through the alias index, which also holds every string `name`
    /// (`{name: ...}`); the node check then compares the name exactly.
    Name(Expr),
}

/// A relationship index seek: `(left)-[rel:TYPE]->(right)` (or `<-`,
/// or undirected) started at the relationships an index finds.
#[derive(Debug, Clone, PartialEq)]
pub struct RelSeek {
    /// The index and the keys looked up.
    pub seek: index_seek::IndexSeek,
    /// The slot of the left node.
    pub left: Slot,
    /// The slot of the relationship.
    pub rel: Slot,
    /// The slot of the right node.
    pub right: Slot,
    /// The direction from left to right (`Both`: each relationship both
    /// ways round, a self-loop once).
    pub dir: Dir,
    /// The relationship's property constraints.
    pub rel_props: Vec<PropSpec>,
    /// What the left node must satisfy.
    pub left_check: NodeCheck,
    /// What the right node must satisfy.
    pub right_check: NodeCheck,
    /// Relationships of the same MATCH bound before, which this one must
    /// differ from.
    pub unique: RelRefs,
    /// The pattern text.
    pub text: String,
}

/// The bounds and strategy of a variable-length expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarLength {
    /// The fewest hops.
    pub min: u64,
    /// The most hops (`None`: unbounded).
    pub max: Option<u64>,
    /// Breadth-first with a visited set: each far node once. Only used when
    /// rows are later made distinct, so path multiplicity does not matter.
    pub bfs: bool,
}

/// One relationship hop (or a variable-length run of them).
#[derive(Debug, Clone, PartialEq)]
pub struct Expand {
    /// The bound node to expand from.
    pub from: Slot,
    /// The relationship (or relationship list) slot.
    pub rel: Slot,
    /// The node at the far end.
    pub to: Slot,
    /// The direction, from `from` to `to`.
    pub dir: Dir,
    /// Allowed types (empty: any).
    pub types: Vec<String>,
    /// Constraints on every relationship traversed.
    pub rel_props: Vec<PropSpec>,
    /// `to` is already bound: only check that it is reached.
    pub to_bound: bool,
    /// `rel` is already bound: only check that it joins the two nodes.
    pub rel_bound: bool,
    /// What the far node must satisfy (when not already bound).
    pub check: NodeCheck,
    /// Relationships already matched in the same MATCH.
    pub unique: RelRefs,
    /// Variable length, when given.
    pub var: Option<VarLength>,
    /// The relationship list is stored in pattern order, which is the
    /// reverse of expansion order.
    pub reverse: bool,
    /// Set by the rule [`optimize::distinct_ends`] when rows matter downstream
    /// only up to duplicates of these input slots and the far node: the
    /// expansion may then drop a row that repeats, within a run of input
    /// rows agreeing on these slots, a far node it already produced.
    pub dedupe: Option<Vec<Slot>>,
    /// Set by the rule [`optimize::prefetch_far_nodes`] when the operators right above
    /// read properties of the far node: the expansion then fetches the far
    /// nodes' records into the cache a few rows ahead.
    pub fetch_far: bool,
    /// Set by the rule [`optimize::exists_hop`] when neither the far node
    /// nor the relationship is read above and repeated rows go unnoticed:
    /// the expansion produces each input row at most once, with the first
    /// candidate that passes (a semi-join).
    pub first_only: bool,
    /// Set by the rule [`optimize::path_predicate_into_expand`] on a
    /// variable-length expansion: every relationship of a trail must
    /// satisfy this predicate, so trails are cut at the first one that
    /// does not.
    pub each_rel: Option<EachRel>,
    /// A predicate each produced row must satisfy, tested on the candidate
    /// before its row is built (set by the rule
    /// [`optimize::filter_into_expand`] for single hops; it reads the
    /// expansion's output scope).
    pub filter: Option<Expr>,
    /// The pattern text, for EXPLAIN.
    pub text: String,
}

/// A predicate on each relationship a variable-length expansion follows
/// (from `all(r IN relationships(path) WHERE ...)`).
#[derive(Debug, Clone, PartialEq)]
pub struct EachRel {
    /// The predicate.
    pub predicate: Expr,
    /// Its scope: the expansion's input scope, then the relationship's
    /// variable.
    pub scope: Scope,
}

/// One step of a named path, in pattern order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStep {
    /// One relationship, then the node after it.
    Single(Slot, Slot),
    /// A list of relationships (variable length), then the node after them.
    Multi(Slot, Slot),
}

/// `shortestPath` / `allShortestPaths`.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortest {
    /// The start node (bound).
    pub from: Slot,
    /// The end node (bound).
    pub to: Slot,
    /// The relationship list slot.
    pub rel: Slot,
    /// The path slot.
    pub path: Slot,
    /// The direction, from `from` to `to`.
    pub dir: Dir,
    /// Allowed types.
    pub types: Vec<String>,
    /// Constraints on every relationship.
    pub rel_props: Vec<PropSpec>,
    /// The fewest hops (0 or 1).
    pub min: u64,
    /// The most hops.
    pub max: Option<u64>,
    /// Every shortest path rather than one.
    pub all: bool,
    /// The pattern text, for EXPLAIN.
    pub text: String,
}

/// An aggregate function call, computed per group.
#[derive(Debug, Clone, PartialEq)]
pub struct AggCall {
    /// The function name, lower case (`count`, `collect`, ...; `count(*)` is `count` with no args).
    pub name: String,
    /// `DISTINCT`.
    pub distinct: bool,
    /// The arguments.
    pub args: Vec<Expr>,
    /// The call's text, for EXPLAIN and errors.
    pub text: String,
    /// Where the call is written.
    pub span: Span,
}

/// What one aggregate of [`Op::GroupCountExpand`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// `count(*)`, or `count(x)` of the far node (never null): every row.
    Rows,
    /// `count(DISTINCT x)` of the far node.
    DistinctEnds,
}

/// A node or relationship to create.
#[derive(Debug, Clone, PartialEq)]
pub enum CreateItem {
    /// A new node into `slot`.
    Node {
        /// Its slot.
        slot: Slot,
        /// Its labels.
        labels: Vec<String>,
        /// Its properties (a map literal or a map expression).
        props: Option<Expr>,
        /// Where it is written.
        span: Span,
    },
    /// A new relationship into `slot`, between two bound nodes.
    Rel {
        /// Its slot.
        slot: Slot,
        /// The source node slot.
        from: Slot,
        /// The target node slot.
        to: Slot,
        /// The type.
        rel_type: String,
        /// Its properties.
        props: Option<Expr>,
        /// Where it is written.
        span: Span,
    },
    /// A named path over slots already filled.
    Path {
        /// The path slot.
        slot: Slot,
        /// The first node.
        start: Slot,
        /// The steps.
        steps: Vec<PathStep>,
    },
}

/// One assignment of SET, REMOVE or MERGE's ON CREATE / ON MATCH.
#[derive(Debug, Clone, PartialEq)]
pub enum SetOp {
    /// `target.key = value` (`REMOVE target.key` is a `null` value).
    Prop {
        /// The entity expression.
        target: Expr,
        /// The key.
        key: String,
        /// The value (`None`: remove).
        value: Option<Expr>,
        /// Where it is written.
        span: Span,
    },
    /// `var = map` / `var += map`.
    Props {
        /// The entity slot.
        slot: Slot,
        /// The map (or entity).
        value: Expr,
        /// `+=`.
        merge: bool,
        /// Where it is written.
        span: Span,
    },
    /// `var:A:B` (added or removed).
    Labels {
        /// The entity slot.
        slot: Slot,
        /// The labels.
        labels: Vec<String>,
        /// Add (SET) or remove (REMOVE).
        add: bool,
        /// Where it is written.
        span: Span,
    },
}

/// A built-in procedure: an entry of the registry of procedures.
pub use crate::builtins::Procedure;

/// A plan node: an operator and the scope of the rows it produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The operator.
    pub op: Op,
    /// The variables of its output rows.
    pub scope: Scope,
    /// A number unique within the statement (for PROFILE figures).
    pub id: usize,
}

/// The operators. Every operator except the leaves (`Unit`, `Argument`)
/// reads rows from its `input` and produces rows; most extend each input
/// row with new slots.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// One empty row.
    Unit,
    /// One row: the argument of the enclosing apply (OPTIONAL MATCH, MERGE,
    /// pattern predicates).
    Argument,
    /// Every node, into a new slot.
    AllNodes {
        /// The input.
        input: Box<Plan>,
        /// The new slot.
        slot: Slot,
        /// What the node must satisfy.
        check: NodeCheck,
        /// The node pattern text.
        text: String,
    },
    /// The nodes with a label, into a new slot.
    LabelScan {
        /// The input.
        input: Box<Plan>,
        /// The new slot.
        slot: Slot,
        /// The label scanned.
        label: String,
        /// What the node must also satisfy.
        check: NodeCheck,
        /// The node pattern text.
        text: String,
    },
    /// The nodes found through the key or alias index, into a new slot.
    NodeSeek {
        /// The input.
        input: Box<Plan>,
        /// The new slot.
        slot: Slot,
        /// The index and the looked-up value.
        seek: Seek,
        /// What the node must also satisfy.
        check: NodeCheck,
        /// The node pattern text.
        text: String,
    },
    /// The nodes found through a declared property index (`CREATE
    /// INDEX`), into a new slot: `n.p = e`, `IN`, ranges, `STARTS WITH`.
    NodeIndexSeek {
        /// The input.
        input: Box<Plan>,
        /// The new slot.
        slot: Slot,
        /// The index and the keys looked up.
        seek: index_seek::IndexSeek,
        /// What the node must also satisfy (the whole node pattern).
        check: NodeCheck,
        /// The node pattern text.
        text: String,
    },
    /// The relationships found through a declared property index, with
    /// both ends, into three new slots.
    RelIndexSeek {
        /// The input.
        input: Box<Plan>,
        /// The seek and the pattern it binds.
        spec: Box<RelSeek>,
    },
    /// Keeps rows whose (already bound) node satisfies a check.
    CheckNode {
        /// The input.
        input: Box<Plan>,
        /// The node slot.
        slot: Slot,
        /// The check.
        check: NodeCheck,
        /// The node pattern text.
        text: String,
    },
    /// Follows relationships from a bound node.
    Expand {
        /// The input.
        input: Box<Plan>,
        /// What to follow.
        spec: Box<Expand>,
    },
    /// Shortest paths between two bound nodes.
    ShortestPath {
        /// The input.
        input: Box<Plan>,
        /// What to search.
        spec: Box<Shortest>,
    },
    /// Builds a named path from slots filled by the match.
    BuildPath {
        /// The input.
        input: Box<Plan>,
        /// The new slot.
        slot: Slot,
        /// The first node.
        start: Slot,
        /// The steps.
        steps: Vec<PathStep>,
        /// The path variable, for EXPLAIN.
        name: String,
    },
    /// Keeps rows for which the predicate is true.
    Filter {
        /// The input.
        input: Box<Plan>,
        /// The predicate.
        predicate: Expr,
    },
    /// OPTIONAL MATCH: for each input row, the rows of `inner` (run with the
    /// row as its argument), or the row extended with nulls when there are none.
    Optional {
        /// The input.
        input: Box<Plan>,
        /// The optional part, starting from `Argument`.
        inner: Box<Plan>,
    },
    /// For each input row, a new row of the items' values.
    Project {
        /// The input.
        input: Box<Plan>,
        /// The items, with their names.
        items: Vec<(String, Expr)>,
    },
    /// Appends the values of expressions to each row.
    Extend {
        /// The input.
        input: Box<Plan>,
        /// The expressions, with the names they are bound to.
        items: Vec<(String, Expr)>,
    },
    /// Keeps some slots, in the given order.
    Select {
        /// The input.
        input: Box<Plan>,
        /// The slots kept.
        slots: Vec<Slot>,
    },
    /// Groups rows by `keys` and computes aggregates per group. Each output
    /// row is the first input row of its group followed by the aggregates.
    Aggregate {
        /// The input.
        input: Box<Plan>,
        /// The grouping keys.
        keys: Vec<Expr>,
        /// The aggregates.
        aggs: Vec<AggCall>,
    },
    /// Drops rows equal (on `slots`) to an earlier row.
    Distinct {
        /// The input.
        input: Box<Plan>,
        /// The slots compared.
        slots: Vec<Slot>,
    },
    /// Sorts all rows.
    Sort {
        /// The input.
        input: Box<Plan>,
        /// The sort keys, `true` for descending.
        keys: Vec<(Expr, bool)>,
    },
    /// The first rows in sort order, without sorting them all: `ORDER BY
    /// ... [SKIP s] LIMIT k` keeps the best `s + k` rows in a heap (rule
    /// [`optimize::top_k`]); ties keep their input order, as a stable sort
    /// does.
    TopK {
        /// The input.
        input: Box<Plan>,
        /// The sort keys, `true` for descending.
        keys: Vec<(Expr, bool)>,
        /// How many rows to skip first (evaluated once).
        skip: Option<Expr>,
        /// How many rows to keep (evaluated once).
        limit: Expr,
    },
    /// Skips the first rows.
    Skip {
        /// The input.
        input: Box<Plan>,
        /// How many (evaluated once).
        count: Expr,
    },
    /// Stops after some rows.
    Limit {
        /// The input.
        input: Box<Plan>,
        /// How many (evaluated once).
        count: Expr,
        /// Keep pulling (and dropping) rows after the limit, because an
        /// earlier clause writes and must see every row.
        drain: bool,
    },
    /// One row per list element.
    Unwind {
        /// The input.
        input: Box<Plan>,
        /// The list.
        expr: Expr,
        /// The new slot.
        slot: Slot,
    },
    /// The rows of several queries, made distinct unless `all`.
    Union {
        /// The queries.
        parts: Vec<Plan>,
        /// `UNION ALL`.
        all: bool,
    },
    /// Reads every input row before producing any.
    Eager {
        /// The input.
        input: Box<Plan>,
    },
    /// CREATE.
    Create {
        /// The input.
        input: Box<Plan>,
        /// What to create, in order.
        items: Vec<CreateItem>,
    },
    /// MERGE: match the pattern, or create it when there is no match.
    Merge {
        /// The input.
        input: Box<Plan>,
        /// The match part, starting from `Argument`.
        matcher: Box<Plan>,
        /// What to create when nothing matches (into the same slots).
        create: Vec<CreateItem>,
        /// Property expressions that must not be null (`MergeReadOwnWrites`).
        not_null: Vec<(String, Expr)>,
        /// ON CREATE SET.
        on_create: Vec<SetOp>,
        /// ON MATCH SET.
        on_match: Vec<SetOp>,
    },
    /// SET / REMOVE.
    Set {
        /// The input.
        input: Box<Plan>,
        /// The assignments, in order.
        ops: Vec<SetOp>,
    },
    /// [DETACH] DELETE.
    Delete {
        /// The input.
        input: Box<Plan>,
        /// What to delete.
        exprs: Vec<Expr>,
        /// DETACH.
        detach: bool,
    },
    /// `count` of one label's nodes, read from the label index (rule
    /// [`optimize::count_label`]). One row: the aggregate's shape, nulls
    /// then the count.
    CountLabel {
        /// The input (always `Unit`).
        input: Box<Plan>,
        /// The label counted.
        label: String,
    },
    /// `count(*)` of the rows a single-hop expansion (with its filter)
    /// would produce, counted without building them (rule
    /// [`optimize::count_expand_rows`]). One row: nulls, then the count.
    CountExpandRows {
        /// The expansion's input.
        input: Box<Plan>,
        /// The hop (its `filter` applies).
        spec: Box<Expand>,
        /// The scope of the rows the hop would produce (its filter reads it).
        hop_scope: Scope,
    },
    /// Grouped counts over a single hop whose grouping keys read only what
    /// the hop starts from: each input row's far nodes are counted into its
    /// group (rule [`optimize::group_count_expand`]). Rows shaped as an
    /// aggregate's: the group's first row of the hop's scope, then the counts.
    GroupCountExpand {
        /// The expansion's input.
        input: Box<Plan>,
        /// The hop (its `filter` applies).
        spec: Box<Expand>,
        /// The scope of the rows the hop would produce.
        hop_scope: Scope,
        /// The grouping keys (over `hop_scope`).
        keys: Vec<Expr>,
        /// What each aggregate counts.
        counted: Vec<Counted>,
        /// Each aggregate's text, for EXPLAIN.
        agg_texts: Vec<String>,
    },
    /// `count(DISTINCT x)` of the far nodes of one expansion (a single hop,
    /// or a breadth-first variable-length one), over all its input rows,
    /// counted without rows (rule [`optimize::count_distinct_ends`]). One
    /// row: nulls, then the count.
    CountDistinctEnds {
        /// The expansion's input.
        input: Box<Plan>,
        /// The expansion.
        spec: Box<Expand>,
        /// `x <> s`: the start node itself is never counted.
        exclude_start: bool,
    },
    /// A hop that binds a new node, closed on an already bound node by a
    /// second hop: the new node's candidates from both bound ends are
    /// intersected before any row is built (rule
    /// [`optimize::expand_intersect`]), as a worst-case-optimal join does
    /// for cycles. Rows are those of `closing` over `first`.
    ExpandIntersect {
        /// The input (binds `first.from` and `closing.to`).
        input: Box<Plan>,
        /// The hop binding the new node (its `filter` reads `first_scope`).
        first: Box<Expand>,
        /// The scope of the rows `first` would produce.
        first_scope: Scope,
        /// The hop from the new node into the bound node (`to_bound`; its
        /// `filter` reads this operator's rows).
        closing: Box<Expand>,
    },
    /// CALL of a built-in procedure.
    Call {
        /// The input.
        input: Box<Plan>,
        /// The procedure.
        procedure: Procedure,
        /// For each yielded output column, its index in the outputs.
        yields: Vec<usize>,
    },
}

impl Op {
    /// The plans this operator reads from.
    pub fn children(&self) -> Vec<&Plan> {
        match self {
            Op::Unit | Op::Argument => vec![],
            Op::Optional { input, inner } => vec![input, inner],
            Op::Merge { input, matcher, .. } => vec![input, matcher],
            Op::Union { parts, .. } => parts.iter().collect(),
            Op::AllNodes { input, .. }
            | Op::LabelScan { input, .. }
            | Op::NodeSeek { input, .. }
            | Op::NodeIndexSeek { input, .. }
            | Op::RelIndexSeek { input, .. }
            | Op::CheckNode { input, .. }
            | Op::Expand { input, .. }
            | Op::ShortestPath { input, .. }
            | Op::BuildPath { input, .. }
            | Op::Filter { input, .. }
            | Op::Project { input, .. }
            | Op::Extend { input, .. }
            | Op::Select { input, .. }
            | Op::Aggregate { input, .. }
            | Op::Distinct { input, .. }
            | Op::Sort { input, .. }
            | Op::TopK { input, .. }
            | Op::Skip { input, .. }
            | Op::Limit { input, .. }
            | Op::Unwind { input, .. }
            | Op::Eager { input }
            | Op::Create { input, .. }
            | Op::Set { input, .. }
            | Op::Delete { input, .. }
            | Op::CountLabel { input, .. }
            | Op::CountExpandRows { input, .. }
            | Op::GroupCountExpand { input, .. }
            | Op::CountDistinctEnds { input, .. }
            | Op::ExpandIntersect { input, .. }
            | Op::Call { input, .. } => vec![input],
        }
    }

    /// The plans this operator reads from, mutably (same order as
    /// [`Op::children`]).
    pub fn children_mut(&mut self) -> Vec<&mut Plan> {
        match self {
            Op::Unit | Op::Argument => vec![],
            Op::Optional { input, inner } => vec![input, inner],
            Op::Merge { input, matcher, .. } => vec![input, matcher],
            Op::Union { parts, .. } => parts.iter_mut().collect(),
            Op::AllNodes { input, .. }
            | Op::LabelScan { input, .. }
            | Op::NodeSeek { input, .. }
            | Op::NodeIndexSeek { input, .. }
            | Op::RelIndexSeek { input, .. }
            | Op::CheckNode { input, .. }
            | Op::Expand { input, .. }
            | Op::ShortestPath { input, .. }
            | Op::BuildPath { input, .. }
            | Op::Filter { input, .. }
            | Op::Project { input, .. }
            | Op::Extend { input, .. }
            | Op::Select { input, .. }
            | Op::Aggregate { input, .. }
            | Op::Distinct { input, .. }
            | Op::Sort { input, .. }
            | Op::TopK { input, .. }
            | Op::Skip { input, .. }
            | Op::Limit { input, .. }
            | Op::Unwind { input, .. }
            | Op::Eager { input }
            | Op::Create { input, .. }
            | Op::Set { input, .. }
            | Op::Delete { input, .. }
            | Op::CountLabel { input, .. }
            | Op::CountExpandRows { input, .. }
            | Op::GroupCountExpand { input, .. }
            | Op::CountDistinctEnds { input, .. }
            | Op::ExpandIntersect { input, .. }
            | Op::Call { input, .. } => vec![input],
        }
    }

    /// True for operators that change the graph.
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Op::Create { .. } | Op::Merge { .. } | Op::Set { .. } | Op::Delete { .. }
        )
    }
}

impl Plan {
    /// True when this plan or any plan under it changes the graph.
    pub fn writes(&self) -> bool {
        self.op.writes() || self.op.children().iter().any(|c| c.writes())
    }

    /// The number of plan nodes in this tree.
    pub fn size(&self) -> usize {
        1 + self.op.children().iter().map(|c| c.size()).sum::<usize>()
    }

    /// Gives every node of the tree its id (0, 1, ... in pre-order), as
    /// PROFILE figures are indexed.
    pub fn renumber(&mut self) {
        fn number(plan: &mut Plan, next: &mut usize) {
            crate::syntax::with_stack(|| {
                plan.id = *next;
                *next += 1;
                for child in plan.op.children_mut() {
                    number(child, next);
                }
            })
        }
        number(self, &mut 0);
    }
}

/// A planned statement: the plan and the names of its result columns.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPlan {
    /// The root operator.
    pub root: Plan,
    /// The result columns (empty for statements that return nothing).
    pub columns: Vec<String>,
    /// The root's rows are the result (false: run for effects, return no rows).
    pub returns: bool,
    /// Where the first writing clause is written, if any (for read-only refusal).
    pub first_write: Option<Span>,
}
