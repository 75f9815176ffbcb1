//! Leaves and node scans: `Unit` / `Argument`, all-nodes and label scans,
//! key / alias index seeks, and node checks.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::values::{equal, HashKey};
use super::{BoxOp, Ctx, Operator, Row};
use crate::error::{Error, ErrorKind, Result};
use crate::plan::{NodeCheck, PropSpec, Scope, Seek, Slot};
use crate::store::{Entity, EntityId};
use crate::value::Value;

/// Produces one given row, once.
pub struct Once {
    row: Option<Row>,
}

impl Once {
    /// An operator producing `row`.
    pub fn new(row: Row) -> Once {
        Once { row: Some(row) }
    }
}

impl Operator for Once {
    fn next(&mut self, _ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        Ok(self.row.take())
    }
}

/// A node check with its expressions evaluated for one input row.
#[derive(Debug, Default)]
pub struct Resolved {
    labels: Vec<String>,
    props: Vec<(String, Value, Option<HashSet<EntityId>>)>,
    impossible: bool,
    /// The labels as bits of the graph's label bitmap, on large read-only
    /// graphs (see [`crate::store::Graph::label_mask`]).
    mask: Option<u64>,
    /// When every property constraint is an integer and the graph has an
    /// integer column for its key (large read-only graphs): the columns
    /// and values, and the entity generation they were read at. The check
    /// then reads no node record.
    int_props: Option<(u64, Vec<(IntColumn, i64)>)>,
}

/// An integer property column of the graph.
type IntColumn = std::sync::Arc<crate::store::labels::PropColumn>;

/// Evaluates the property expressions of `check` against `row`.
pub fn resolve(ctx: &Ctx<'_>, scope: &Scope, row: &[Value], check: &NodeCheck) -> Result<Resolved> {
    let graph = ctx.graph();
    let mask = if check.labels.is_empty() || ctx.adjacency().is_none() {
        None
    } else {
        graph.label_mask().mask(&check.labels)
    };
    let mut r = Resolved {
        labels: check.labels.clone(),
        mask,
        ..Resolved::default()
    };
    let add = |k: &str, v: Value, r: &mut Resolved| {
        let set = if k == "alias" {
            Some(match &v {
                Value::String(s) => ctx.graph().resolve(s).into_iter().collect(),
                _ => HashSet::new(),
            })
        } else {
            None
        };
        r.props.push((k.to_string(), v, set));
    };
    for p in &check.props {
        match p {
            PropSpec::Key(k, e) => {
                let v = ctx.eval(scope, row, e)?;
                add(k, v, &mut r);
            }
            PropSpec::Map(e) => match ctx.eval(scope, row, e)? {
                Value::Map(m) => {
                    for (k, v) in m {
                        add(&k, v, &mut r);
                    }
                }
                Value::Null => r.impossible = true,
                other => {
                    return Err(Error::runtime(
                        ErrorKind::Type,
                        "InvalidArgumentType",
                        format!(
                            "pattern properties must be a map, not a value of type {}",
                            other.type_name()
                        ),
                    )
                    .at(e.span))
                }
            },
        }
    }
    if mask.is_some() || r.labels.is_empty() {
        r.int_props = int_columns(ctx, &r.props);
    }
    Ok(r)
}

/// The integer columns answering `props`, when there is one for each and
/// every value is an integer.
fn int_columns(
    ctx: &Ctx<'_>,
    props: &[(String, Value, Option<HashSet<EntityId>>)],
) -> Option<(u64, Vec<(IntColumn, i64)>)> {
    if props.is_empty() {
        return None;
    }
    ctx.adjacency()?;
    let graph = ctx.graph();
    let generation = graph.entity_generation();
    let mut cols = Vec::with_capacity(props.len());
    for (k, v, set) in props {
        let (Value::Int(v), None) = (v, set) else {
            return None;
        };
        cols.push((graph.prop_column(k)?, *v));
    }
    Some((generation, cols))
}

impl Resolved {
    /// True when the node `id` satisfies the check.
    pub fn accepts(&self, ctx: &Ctx<'_>, id: EntityId) -> bool {
        if self.impossible {
            return false;
        }
        if let Some(mask) = self.mask {
            if !ctx.graph().label_mask().has(id, mask) {
                return false;
            }
            if self.props.is_empty() {
                return true;
            }
        }
        if let Some((generation, cols)) = &self.int_props {
            if *generation == ctx.graph().entity_generation() {
                // Labels were tested above (or there are none); an absent
                // value, or a deleted node, fails.
                return cols.iter().all(|(c, v)| c.get(id) == Some(*v));
            }
        }
        let Some(e) = ctx.graph().entity(id) else {
            return false;
        };
        self.labels.iter().all(|l| e.has_label(l)) && self.props_match(e)
    }

    fn props_match(&self, e: &Entity) -> bool {
        self.props.iter().all(|(k, v, set)| {
            if let Some(actual) = e.props.get(k) {
                return equal(actual, v) == Some(true);
            }
            match (k.as_str(), set) {
                ("key", _) => matches!((v, &e.key), (Value::String(s), Some(key)) if s == key),
                ("alias", Some(set)) => set.contains(&e.id),
                _ => false,
            }
        })
    }
}

/// From this many candidates on, a scan with a string property constraint
/// goes through the graph's property index.
const PROP_INDEX_MIN_NODES: usize = 512;

enum Mode<'p> {
    All,
    Label(&'p str),
    Seek(&'p Seek),
    /// Through a declared property index (see [`super::index_seek`]).
    Index(&'p crate::plan::index_seek::IndexSeek),
}

/// Binds a new slot to every node found by a scan or a seek, for each input row.
pub struct NodeScan<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    slot: Slot,
    mode: Mode<'p>,
    check: &'p NodeCheck,
    cur: Option<(Row, Resolved)>,
    cands: Rc<Vec<EntityId>>,
    cached: Option<Rc<Vec<EntityId>>>,
    pos: usize,
    /// Input rows seen so far.
    rows: usize,
    /// For scans repeated over many input rows with a property
    /// constraint: the scanned nodes by the value of that property.
    index: Option<PropIndex>,
}

/// Nodes by the value of one property (Cypher equivalence), built once per
/// scan operator from its (fixed) candidate list.
struct PropIndex {
    /// Which of the check's property constraints it serves.
    at: usize,
    map: HashMap<HashKey, Rc<Vec<EntityId>>>,
}

impl<'p> NodeScan<'p> {
    fn new(
        input: BoxOp<'p>,
        scope: &'p Scope,
        slot: Slot,
        mode: Mode<'p>,
        check: &'p NodeCheck,
    ) -> Self {
        NodeScan {
            input,
            scope,
            slot,
            mode,
            check,
            cur: None,
            cands: Rc::new(Vec::new()),
            cached: None,
            pos: 0,
            rows: 0,
            index: None,
        }
    }

    /// Every node.
    pub fn all(input: BoxOp<'p>, scope: &'p Scope, slot: Slot, check: &'p NodeCheck) -> Self {
        Self::new(input, scope, slot, Mode::All, check)
    }

    /// The nodes with `label`.
    pub fn label(
        input: BoxOp<'p>,
        scope: &'p Scope,
        slot: Slot,
        label: &'p str,
        check: &'p NodeCheck,
    ) -> Self {
        Self::new(input, scope, slot, Mode::Label(label), check)
    }

    /// The nodes an index seek finds.
    pub fn seek(
        input: BoxOp<'p>,
        scope: &'p Scope,
        slot: Slot,
        seek: &'p Seek,
        check: &'p NodeCheck,
    ) -> Self {
        Self::new(input, scope, slot, Mode::Seek(seek), check)
    }

    /// The nodes a declared property index finds.
    pub fn index_seek(
        input: BoxOp<'p>,
        scope: &'p Scope,
        slot: Slot,
        seek: &'p crate::plan::index_seek::IndexSeek,
        check: &'p NodeCheck,
    ) -> Self {
        Self::new(input, scope, slot, Mode::Index(seek), check)
    }

    /// The candidates through a property index, once the scan has been
    /// repeated for a few input rows (all-nodes and label scans only, on a
    /// property other than `key` / `alias`).
    fn indexed(&mut self, ctx: &Ctx<'_>, check: &Resolved) -> Result<Option<Rc<Vec<EntityId>>>> {
        let fixed = self
            .check
            .props
            .iter()
            .all(|p| matches!(p, PropSpec::Key(..)));
        if matches!(self.mode, Mode::Seek(_) | Mode::Index(_)) || self.rows < 3 || !fixed {
            return Ok(None);
        }
        if self.index.is_none() {
            let Some(at) = check
                .props
                .iter()
                .position(|(k, _, _)| k != "key" && k != "alias")
            else {
                return Ok(None);
            };
            let key = check.props[at].0.clone();
            let all = self.candidates(ctx, &[])?;
            let mut map: HashMap<HashKey, Vec<EntityId>> = HashMap::new();
            for id in all.iter() {
                ctx.guard.check()?;
                if let Some(v) = ctx.graph().entity(*id).and_then(|e| e.props.get(&key)) {
                    map.entry(HashKey::new(v.clone())).or_default().push(*id);
                }
            }
            self.index = Some(PropIndex {
                at,
                map: map.into_iter().map(|(k, v)| (k, Rc::new(v))).collect(),
            });
        }
        let Some(index) = &self.index else {
            return Ok(None);
        };
        let Some((_, v, _)) = check.props.get(index.at) else {
            return Ok(None);
        };
        Ok(Some(
            index
                .map
                .get(&HashKey::new(v.clone()))
                .cloned()
                .unwrap_or_default(),
        ))
    }

    /// All-nodes and label scans with a string property constraint (other
    /// than `key` / `alias`) on a large enough graph: the candidates through
    /// the graph's property index.
    fn string_seek(&self, ctx: &Ctx<'_>, check: &Resolved) -> Option<Rc<Vec<EntityId>>> {
        let label = match self.mode {
            Mode::All => None,
            Mode::Label(l) => Some(l),
            Mode::Seek(_) | Mode::Index(_) => return None,
        };
        let g = ctx.graph();
        let size = label.map_or(g.entity_count(), |l| g.label_count(l));
        if size < PROP_INDEX_MIN_NODES {
            return None;
        }
        let (k, v) = check.props.iter().find_map(|(k, v, _)| match v {
            Value::String(s) if k != "key" && k != "alias" => Some((k, s)),
            _ => None,
        })?;
        Some(Rc::new(g.find_by_string_prop(label, k, v)))
    }

    fn candidates(&mut self, ctx: &Ctx<'_>, row: &[Value]) -> Result<Rc<Vec<EntityId>>> {
        let all =
            |ctx: &Ctx<'_>| -> Vec<EntityId> { ctx.graph().entities().map(|e| e.id).collect() };
        Ok(match self.mode {
            Mode::All => {
                if let Some(c) = &self.cached {
                    return Ok(Rc::clone(c));
                }
                let c = Rc::new(all(ctx));
                self.cached = Some(Rc::clone(&c));
                c
            }
            Mode::Label(l) => {
                if let Some(c) = &self.cached {
                    return Ok(Rc::clone(c));
                }
                let c = Rc::new(ctx.graph().entities_with_label(l).collect());
                self.cached = Some(Rc::clone(&c));
                c
            }
            Mode::Index(seek) => Rc::new(
                super::index_seek::seek_ids(
                    ctx,
                    self.scope,
                    row,
                    crate::store::IndexTarget::Node,
                    seek,
                )?
                .into_iter()
                .map(EntityId)
                .collect(),
            ),
            Mode::Seek(seek) => {
                Rc::new(match seek {
                    Seek::Key(e) => {
                        if ctx.has_index_props().0 {
                            all(ctx)
                        } else {
                            match ctx.eval(self.scope, row, e)? {
                                Value::String(s) => {
                                    ctx.graph().entity_by_key(&s).into_iter().collect()
                                }
                                _ => Vec::new(),
                            }
                        }
                    }
                    Seek::Name(e) => match ctx.eval(self.scope, row, e)? {
                        // Every string name is in the alias index, under
                        // its normalized form (unless that is empty).
                        Value::String(s) if !crate::store::normalize(&s).is_empty() => {
                            ctx.graph().resolve(&s)
                        }
                        _ => all(ctx),
                    },
                    Seek::Alias(e) => {
                        if ctx.has_index_props().1 {
                            all(ctx)
                        } else {
                            match ctx.eval(self.scope, row, e)? {
                                Value::String(s) => ctx.graph().resolve(&s),
                                _ => Vec::new(),
                            }
                        }
                    }
                })
            }
        })
    }
}

impl Operator for NodeScan<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        loop {
            if let Some((row, check)) = &self.cur {
                // A label scan's candidates carry the label already (unless
                // this statement deleted nodes or removed labels since).
                let trivial = match self.mode {
                    Mode::Label(l) => {
                        !check.impossible
                            && check.props.is_empty()
                            && check.labels.iter().all(|x| x == l)
                            && ctx.stats.nodes_deleted == 0
                            && ctx.stats.labels_removed == 0
                    }
                    _ => false,
                };
                while self.pos < self.cands.len() {
                    ctx.guard.check()?;
                    let id = self.cands[self.pos];
                    self.pos += 1;
                    if trivial || check.accepts(ctx, id) {
                        let mut out = Vec::with_capacity(row.len().max(self.slot + 1));
                        out.extend_from_slice(row);
                        out.resize(self.slot + 1, Value::Null);
                        out[self.slot] = Value::Node(id);
                        return Ok(Some(out));
                    }
                }
            }
            self.cur = None;
            let Some(row) = self.input.next(ctx)? else {
                return Ok(None);
            };
            let check = resolve(ctx, self.scope, &row, self.check)?;
            self.rows += 1;
            self.cands = match self.indexed(ctx, &check)? {
                Some(c) => c,
                None => match self.string_seek(ctx, &check) {
                    Some(c) => c,
                    None => self.candidates(ctx, &row)?,
                },
            };
            self.pos = 0;
            self.cur = Some((row, check));
        }
    }
}

/// Keeps rows whose node in `slot` satisfies a check.
pub struct CheckNode<'p> {
    input: BoxOp<'p>,
    scope: &'p Scope,
    slot: Slot,
    check: &'p NodeCheck,
}

impl<'p> CheckNode<'p> {
    /// Checks the node in `slot` of each row.
    pub fn new(input: BoxOp<'p>, scope: &'p Scope, slot: Slot, check: &'p NodeCheck) -> Self {
        CheckNode {
            input,
            scope,
            slot,
            check,
        }
    }
}

impl Operator for CheckNode<'_> {
    fn next(&mut self, ctx: &mut Ctx<'_>) -> Result<Option<Row>> {
        while let Some(row) = self.input.next(ctx)? {
            ctx.guard.check()?;
            let Some(Value::Node(id)) = row.get(self.slot) else {
                continue;
            };
            let id = *id;
            if resolve(ctx, self.scope, &row, self.check)?.accepts(ctx, id) {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}
