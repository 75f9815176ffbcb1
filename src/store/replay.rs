//! Redo for the write-ahead log and bulk construction for snapshots (owned by
//! the `db` module's author): [`Graph::apply`] replays a recorded
//! [`Mutation`] so that a graph rebuilt from a snapshot plus its log holds
//! the same entities and relations under the same ids.

use petgraph::stable_graph::NodeIndex;

use super::{Entity, EntityId, Graph, Mutation, Relation, StoreError};
use crate::hint::prefetch;

impl Graph {
    /// Redoes one recorded mutation (as returned by [`Graph::commit`]),
    /// reproducing its ids. Fails, leaving the graph unchanged, when the
    /// mutation does not fit the graph (an id taken or missing), which means
    /// the log does not belong to this graph state.
    pub fn apply(&mut self, m: &Mutation) -> Result<(), StoreError> {
        match m {
            Mutation::AddEntity(e) => {
                if self.entity(e.id).is_some() {
                    return Err(StoreError::DuplicateKey(format!("entity id {}", e.id)));
                }
                if let Some(k) = &e.key {
                    if self.by_key.contains_key(k.as_str()) {
                        return Err(StoreError::DuplicateKey(k.clone()));
                    }
                }
                self.note(m);
                self.attach_entity(e.clone());
            }
            Mutation::RemoveEntity(e) => {
                let ix = self.node_ix(e.id).ok_or(StoreError::NoEntity(e.id))?;
                let degree = self
                    .inner
                    .edges_directed(ix, petgraph::Direction::Outgoing)
                    .count()
                    + self
                        .inner
                        .edges_directed(ix, petgraph::Direction::Incoming)
                        .count();
                if degree > 0 {
                    return Err(StoreError::HasRelations(e.id, degree));
                }
                self.detach_entity(e.id)?;
                self.note(m);
            }
            Mutation::AddRelation(r) => {
                if self.relation(r.id).is_some() {
                    return Err(StoreError::DuplicateKey(format!("relation id {}", r.id)));
                }
                self.attach_relation(r.clone())?;
                self.note(m);
            }
            Mutation::RemoveRelation(r) => {
                self.detach_relation(r.id)?;
                self.note(m);
            }
            Mutation::SetEntityProp { id, key, new, .. } => {
                let ix = self.node_ix(*id).ok_or(StoreError::NoEntity(*id))?;
                self.write_entity_prop(ix, key, new.clone());
                self.note(m);
            }
            Mutation::SetRelationProp { id, key, new, .. } => {
                let ix = self.edge_ix(*id).ok_or(StoreError::NoRelation(*id))?;
                let props = &mut self.inner[ix].props;
                match new {
                    Some(v) => {
                        props.insert(key.clone(), v.clone());
                    }
                    None => {
                        props.shift_remove(key);
                    }
                }
                self.note(m);
            }
            Mutation::AddLabel(id, label) => {
                self.add_label(*id, label)?;
            }
            Mutation::RemoveLabel(id, label, _) => {
                self.remove_label(*id, label)?;
            }
            Mutation::AddAlias(id, alias) => {
                self.add_alias(*id, alias.clone())?;
            }
            Mutation::CreateIndex(def) => self.create_index(def.clone())?,
            Mutation::DropIndex(def) => {
                self.drop_index(&def.name)?;
            }
        }
        Ok(())
    }

    /// One past the highest entity id and relation id ever assigned (what a
    /// snapshot must keep so that ids are never reused).
    pub fn next_ids(&self) -> (u64, u64) {
        (self.entities.len() as u64, self.relations.len() as u64)
    }

    /// An empty graph ready for [`Graph::bulk_entity`] and
    /// [`Graph::bulk_relation`] with ids below these bounds.
    pub(crate) fn bulk_start(next_entity: u64, next_relation: u64) -> Graph {
        let mut g = Graph::new();
        g.entities.resize(next_entity as usize, None);
        g.relations.resize(next_relation as usize, None);
        g
    }

    /// Adds a stored entity (id kept) while loading a snapshot.
    pub(crate) fn bulk_entity(&mut self, e: Entity) -> Result<(), String> {
        if e.id.0 as usize >= self.entities.len() || self.entity(e.id).is_some() {
            return Err(format!("entity id {} is duplicated or out of range", e.id));
        }
        self.try_attach_entity(e)
            .map_err(|k| format!("duplicate entity key `{k}`"))
    }

    /// Adds a stored relation (id kept) while loading a snapshot.
    pub(crate) fn bulk_relation(&mut self, r: Relation) -> Result<(), String> {
        let id = r.id;
        let slot = id.0 as usize;
        if slot >= self.relations.len() || self.relations[slot].is_some() {
            return Err(format!("relation id {id} is duplicated or out of range"));
        }
        let a = self
            .node_ix(r.from)
            .ok_or_else(|| format!("relation {id}: {}", StoreError::NoEntity(r.from)))?;
        let b = self
            .node_ix(r.to)
            .ok_or_else(|| format!("relation {id}: {}", StoreError::NoEntity(r.to)))?;
        self.index_type(&r);
        if !self.indexes.is_empty() {
            Self::index_relation(&mut self.indexes, &r, true);
        }
        let ix = self.inner.add_edge(a, b, r);
        self.relations[slot] = Some(ix);
        self.relation_count += 1;
        Ok(())
    }

    /// Adds stored relations (ids kept) while loading a snapshot, with
    /// cache hints a few relations ahead; stops at the first bad one.
    pub(crate) fn bulk_relations(&mut self, rels: Vec<Relation>) -> Result<(), String> {
        let hints = self.prefetcher();
        let mut rels = rels.into_iter();
        while let Some(r) = rels.next() {
            let ahead = rels.as_slice();
            if let Some(far) = ahead.get(HINT_FAR) {
                hints.slots(far.from, far.to);
            }
            if let Some(near) = ahead.get(HINT_NEAR) {
                hints.nodes(self, near.from, near.to);
            }
            self.bulk_relation(r)?;
        }
        Ok(())
    }

    /// Reserves room for this many entities and relations (a hint).
    pub(crate) fn bulk_reserve(&mut self, entities: usize, relations: usize) {
        self.inner.reserve_nodes(entities);
        self.by_key.reserve(entities);
        self.inner.reserve_edges(relations);
    }

    fn note(&mut self, m: &Mutation) {
        if self.journal.is_some() {
            self.record(m.clone());
        }
    }
}

/// Cache hints for inserting many relations: each insert updates the nodes
/// of both ends, found through the id table, at random places of two
/// arrays that outgrow the cache on big graphs. Hinting a few relations
/// ahead overlaps those memory reads. Hints never fault and change no
/// state, so a stale hint only costs its own time.
pub(crate) struct Prefetcher {
    slots: *const Option<NodeIndex>,
    /// The node array, reached through the first node's weight (petgraph
    /// keeps its nodes in one vector of fixed-size entries).
    first: Option<(*const u8, usize)>,
}

/// How far ahead (in relations) the id-table slots are hinted.
pub(crate) const HINT_FAR: usize = 32;
/// How far ahead the nodes are hinted (their slots were hinted earlier).
pub(crate) const HINT_NEAR: usize = 16;

/// The size of one entry of petgraph's node vector.
const NODE_STRIDE: usize =
    std::mem::size_of::<petgraph::graph::Node<Option<Box<Entity>>, petgraph::graph::DefaultIx>>();

impl Prefetcher {
    /// Hints the id-table slots of `a` and `b`.
    pub(crate) fn slots(&self, a: EntityId, b: EntityId) {
        prefetch(self.slots.wrapping_add(a.0 as usize));
        prefetch(self.slots.wrapping_add(b.0 as usize));
    }

    /// Hints the nodes of `a` and `b` (reads their slots, hinted earlier).
    pub(crate) fn nodes(&self, graph: &Graph, a: EntityId, b: EntityId) {
        let Some((base, base_ix)) = self.first else {
            return;
        };
        for id in [a, b] {
            if let Some(ix) = graph.node_ix(id) {
                let offset = (ix.index() as isize - base_ix as isize) * NODE_STRIDE as isize;
                prefetch(base.wrapping_offset(offset));
            }
        }
    }
}

impl Graph {
    /// Cache hints for a run of relation inserts (valid while no entity is
    /// added; a stale one is harmless).
    pub(crate) fn prefetcher(&self) -> Prefetcher {
        let first = self.inner.node_indices().next().and_then(|ix| {
            let weight: *const Box<Entity> = self.inner.node_weight(ix)?;
            Some((weight.cast::<u8>(), ix.index()))
        });
        Prefetcher {
            slots: self.entities.as_ptr(),
            first,
        }
    }
}
