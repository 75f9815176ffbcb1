//! A compact adjacency layout for traversals: per direction, every node's
//! relations in one contiguous slice (CSR: offsets + entries), each entry
//! 12 bytes (relation type symbol, other end, relation id), sorted by type
//! and then by the other end so that a typed step reads only its run.
//!
//! Built from the petgraph store in one pass (O(nodes + relations)) and
//! thrown away by any change to the relations ([`super::Graph`] drops it in
//! `attach_relation` / `detach_relation`); readers fall back to the
//! petgraph lists while it is absent.

use std::collections::HashMap;

use super::{EntityId, Graph, RelationId};

/// One relation as seen from one of its ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Adj {
    /// The relation type's symbol (see [`Adjacency::symbol`]).
    pub ty: u32,
    /// The entity at the other end (its `EntityId`).
    pub other: u32,
    /// The relation (its `RelationId`).
    pub rel: u32,
}

impl Adj {
    /// The other end's id.
    pub fn other_id(self) -> EntityId {
        EntityId(u64::from(self.other))
    }

    /// The relation's id.
    pub fn rel_id(self) -> RelationId {
        RelationId(u64::from(self.rel))
    }
}

/// Outgoing and incoming relations of every entity, in CSR layout.
#[derive(Debug, Clone, Default)]
pub struct Adjacency {
    out_off: Vec<u32>,
    out: Vec<Adj>,
    in_off: Vec<u32>,
    inc: Vec<Adj>,
    symbols: HashMap<String, u32, crate::eval::compare::FxBuild>,
}

impl Adjacency {
    /// Builds the layout for `graph`; `None` when ids do not fit in 32 bits.
    /// The outgoing and incoming halves are built on two threads.
    pub fn build(graph: &Graph) -> Option<Adjacency> {
        let slots = graph.entities.len();
        if slots >= u32::MAX as usize || graph.relations.len() >= u32::MAX as usize {
            return None;
        }
        let mut symbols: HashMap<String, u32, crate::eval::compare::FxBuild> = HashMap::default();
        // Symbol by interned type, so no relation's type name is hashed.
        let mut by_type: Vec<u32> = Vec::new();
        for (i, t) in graph.by_type.keys().enumerate() {
            symbols.insert(t.clone(), i as u32);
            let ix = super::RelType::new(t).index();
            if by_type.len() <= ix {
                by_type.resize(ix + 1, u32::MAX);
            }
            by_type[ix] = i as u32;
        }
        let (out, inc) = std::thread::scope(|scope| {
            let outgoing = scope.spawn(|| half(graph, slots, &by_type, true));
            let incoming = half(graph, slots, &by_type, false);
            (outgoing.join().ok().flatten(), incoming)
        });
        let ((out_off, out), (in_off, inc)) = (out?, inc?);
        Some(Adjacency {
            out_off,
            out,
            in_off,
            inc,
            symbols,
        })
    }

    /// The symbol of a relation type (`None`: no relation has it).
    pub fn symbol(&self, rel_type: &str) -> Option<u32> {
        self.symbols.get(rel_type).copied()
    }

    /// The relations leaving `id`, sorted by type then other end.
    pub fn outgoing(&self, id: EntityId) -> &[Adj] {
        slice(&self.out_off, &self.out, id)
    }

    /// The relations entering `id`, sorted by type then other end.
    pub fn incoming(&self, id: EntityId) -> &[Adj] {
        slice(&self.in_off, &self.inc, id)
    }

    /// The run of `list` (one node's slice) with type `ty`.
    pub fn of_type(list: &[Adj], ty: u32) -> &[Adj] {
        let lo = list.partition_point(|a| a.ty < ty);
        let hi = lo + list[lo..].partition_point(|a| a.ty == ty);
        &list[lo..hi]
    }

    /// The entries of `run` (entries of one type, sorted by other end)
    /// whose other end is `other`: a binary search, so closing a pattern
    /// on a node of a million relations costs a few dozen comparisons.
    pub fn with_other(run: &[Adj], other: EntityId) -> &[Adj] {
        let Ok(other) = u32::try_from(other.0) else {
            return &[];
        };
        let lo = run.partition_point(|a| a.other < other);
        let hi = lo + run[lo..].partition_point(|a| a.other == other);
        &run[lo..hi]
    }

    /// The runs of `list` (one node's slice), one per relation type, in
    /// order.
    pub fn type_runs(list: &[Adj]) -> impl Iterator<Item = &[Adj]> {
        let mut rest = list;
        std::iter::from_fn(move || {
            let first = rest.first()?;
            let end = rest.partition_point(|a| a.ty == first.ty);
            let (run, tail) = rest.split_at(end);
            rest = tail;
            Some(run)
        })
    }

    /// How many entity slots the layout covers (ids at or above have no
    /// relations in it).
    pub fn slots(&self) -> usize {
        self.out_off.len().saturating_sub(1)
    }
}

fn slice<'a>(off: &[u32], list: &'a [Adj], id: EntityId) -> &'a [Adj] {
    let i = id.0 as usize;
    match (off.get(i), off.get(i + 1)) {
        (Some(&a), Some(&b)) => list.get(a as usize..b as usize).unwrap_or(&[]),
        _ => &[],
    }
}

/// One direction of the layout: offsets per entity slot and the entries,
/// each node's run sorted by type then other end. `None` when a relation's
/// type has no symbol (the indexes disagree).
fn half(
    graph: &Graph,
    slots: usize,
    by_type: &[u32],
    outgoing: bool,
) -> Option<(Vec<u32>, Vec<Adj>)> {
    let ends = |r: &super::Relation| {
        if outgoing {
            (r.from.0 as usize, r.to.0 as u32)
        } else {
            (r.to.0 as usize, r.from.0 as u32)
        }
    };
    let mut off = vec![0u32; slots + 1];
    let mut count = 0usize;
    for r in graph.relations() {
        off[ends(r).0 + 1] += 1;
        count += 1;
    }
    for i in 0..slots {
        off[i + 1] += off[i];
    }
    let blank = Adj {
        ty: 0,
        other: 0,
        rel: 0,
    };
    let mut list = vec![blank; count];
    let mut pos: Vec<u32> = off[..slots].to_vec();
    for r in graph.relations() {
        let ty = *by_type
            .get(r.rel_type.index())
            .filter(|t| **t != u32::MAX)?;
        let (at, other) = ends(r);
        list[pos[at] as usize] = Adj {
            ty,
            other,
            rel: r.id.0 as u32,
        };
        pos[at] += 1;
    }
    for i in 0..slots {
        list[off[i] as usize..off[i + 1] as usize].sort_unstable();
    }
    Some((off, list))
}
