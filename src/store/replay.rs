//! Redo for the write-ahead log and bulk construction for snapshots (owned by
//! the `db` module's author): [`Graph::apply`] replays a recorded
//! [`Mutation`] so that a graph rebuilt from a snapshot plus its log holds
//! the same entities and relations under the same ids.

use super::{Entity, Graph, Mutation, Relation, StoreError};

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
        if let Some(k) = &e.key {
            if self.by_key.contains_key(k.as_str()) {
                return Err(format!("duplicate entity key `{k}`"));
            }
        }
        self.attach_entity(e);
        Ok(())
    }

    /// Adds a stored relation (id kept) while loading a snapshot; like
    /// `attach_relation`, without allocating a type name per relation.
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
        match self.by_type.get_mut(r.rel_type.as_str()) {
            Some(set) => {
                set.insert(id);
            }
            None => {
                self.by_type
                    .entry(r.rel_type.to_string())
                    .or_default()
                    .insert(id);
            }
        }
        let ix = self.inner.add_edge(a, b, r);
        self.relations[slot] = Some(ix);
        self.relation_count += 1;
        Ok(())
    }

    /// Reserves room for this many entities and relations (a hint).
    pub(crate) fn bulk_reserve(&mut self, entities: usize, relations: usize) {
        self.inner.reserve_nodes(entities);
        self.inner.reserve_edges(relations);
    }

    fn note(&mut self, m: &Mutation) {
        if self.journal.is_some() {
            self.record(m.clone());
        }
    }
}
