//! The graph store: a petgraph `StableDiGraph` of entities and relations, with
//! stable public ids and indexes kept consistent by every mutation.
//!
//! Indexes (all `indexmap`, so iteration order is deterministic):
//! key → entity, label → entities, relation type → relations, normalized
//! alias → entities. Every mutation goes through [`Graph`]'s methods, which
//! keep the indexes in step and, inside a transaction, record a [`Mutation`]
//! so the transaction can be rolled back ([`Graph::rollback`]) or its effects
//! handed to a write-ahead log ([`Graph::commit`]).

pub mod adjacency;
pub mod alias;
mod idset;
pub mod index;
pub mod labels;
mod model;
mod ordered;
mod reltype;
mod replay;
mod serde_doc;
pub mod stats;

pub use ordered::OrderedIds;

use indexmap::IndexMap;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::Direction;
use thiserror::Error;

pub use alias::normalize;
pub use idset::IdSet;
pub use index::{IndexDef, IndexKey, IndexTarget, KeyRange};
pub use model::{Alias, Citation, Entity, EntityId, NewEntity, Relation, RelationId};
pub use reltype::RelType;
pub(crate) use replay::{HINT_FAR, HINT_NEAR};

use crate::value::{Value, ValueMap};

/// The hasher of the store's indexes: fast on ids and short strings (a local
/// store: speed matters more than resistance to crafted collisions).
type Fx = crate::eval::compare::FxBuild;

/// Why a store mutation was refused. The graph is unchanged when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// No entity has this id (never created, or deleted).
    #[error("entity {0} does not exist")]
    NoEntity(EntityId),
    /// No relation has this id.
    #[error("relation {0} does not exist")]
    NoRelation(RelationId),
    /// Another entity already has this key.
    #[error("an entity with key `{0}` already exists")]
    DuplicateKey(String),
    /// An entity cannot be deleted while relations touch it.
    #[error("entity {0} still has {1} relation(s); delete them first (DETACH DELETE)")]
    HasRelations(EntityId, usize),
    /// Property values must be scalars, dates or lists of those.
    #[error("property `{0}` cannot hold a value of type {1}")]
    NotStorable(String, &'static str),
    /// An index with this name exists already.
    #[error("there already exists an index called `{0}`")]
    IndexNameTaken(String),
    /// An index on the same label (or type) and property exists already
    /// (its name, its schema).
    #[error("there already exists an index {1}: `{0}`")]
    IndexExists(String, String),
    /// No index has this name.
    #[error("there is no index called `{0}`")]
    NoIndex(String),
}

/// One recorded change, enough to undo it or to replay it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Mutation {
    /// An entity was created (holds the created entity).
    AddEntity(Entity),
    /// An entity was removed (holds it as it was).
    RemoveEntity(Entity),
    /// A relation was created.
    AddRelation(Relation),
    /// A relation was removed (holds it as it was).
    RemoveRelation(Relation),
    /// An entity property changed; `None` means absent.
    SetEntityProp {
        /// The entity.
        id: EntityId,
        /// The property key.
        key: String,
        /// The value before.
        old: Option<Value>,
        /// The value after.
        new: Option<Value>,
    },
    /// A relation property changed; `None` means absent.
    SetRelationProp {
        /// The relation.
        id: RelationId,
        /// The property key.
        key: String,
        /// The value before.
        old: Option<Value>,
        /// The value after.
        new: Option<Value>,
    },
    /// A label was added to an entity.
    AddLabel(EntityId, String),
    /// A label was removed from an entity (at this position).
    RemoveLabel(EntityId, String, usize),
    /// An alias was added to an entity.
    AddAlias(EntityId, Alias),
    /// A property index was declared (its contents are built from the data).
    CreateIndex(IndexDef),
    /// A property index was dropped (holds its definition).
    DropIndex(IndexDef),
}

/// The knowledge graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Entities are boxed so that petgraph's node array stays small (16
    /// bytes a node): inserting relations touches two nodes each, and a
    /// small array stays in cache on big graphs.
    inner: StableDiGraph<Box<Entity>, Relation>,
    /// `EntityId(n)` lives at `entities[n]`; `None` once deleted.
    entities: Vec<Option<NodeIndex>>,
    relations: Vec<Option<EdgeIndex>>,
    entity_count: usize,
    relation_count: usize,
    by_key: IndexMap<crate::value::Key, EntityId, Fx>,
    /// Per label, its entities in id (= creation) order.
    by_label: IndexMap<String, OrderedIds<EntityId>, Fx>,
    /// Per relation type, its relations in id (= creation) order.
    by_type: IndexMap<String, OrderedIds<RelationId>, Fx>,
    /// Interned relation type ([`RelType::index`]) → its position in
    /// `by_type` plus one (0: not there yet), so that indexing a relation
    /// hashes no name. Types are never removed from `by_type`.
    type_slots: Vec<u32>,
    /// Normalized name → entities; built on the first alias lookup (loading
    /// a big graph does not pay for it), then kept in step with changes.
    by_alias: std::sync::OnceLock<AliasIndex>,
    journal: Option<Vec<Mutation>>,
    /// The compact adjacency layout, once built (dropped by relation changes).
    adjacency: std::sync::OnceLock<adjacency::Adjacency>,
    /// Entities by the string value of one property, per label (built on
    /// demand, dropped by any change to entities).
    prop_indexes: PropIndexes,
    /// Relation counts per type and end label, once the planner asked
    /// (then kept exact under every change).
    rel_stats: std::sync::OnceLock<stats::RelStats>,
    /// Integer columns of relationship properties (built on demand,
    /// dropped by any change to relations).
    rel_columns: RelColumns,
    /// The declared property indexes, in creation order, kept in step with
    /// every change (see [`index`]).
    indexes: Vec<index::PropertyIndex>,
}

/// The cache of relationship property columns, and how many times the
/// relations changed (see [`Graph::relation_generation`]).
#[derive(Debug, Default)]
struct RelColumns(
    std::sync::Mutex<std::collections::HashMap<String, Option<std::sync::Arc<labels::PropColumn>>>>,
    u64,
);

impl Clone for RelColumns {
    /// A copy starts empty (columns are rebuilt on demand).
    fn clone(&self) -> RelColumns {
        RelColumns(Default::default(), self.1)
    }
}

impl RelColumns {
    fn clear(&mut self) {
        self.1 = self.1.wrapping_add(1);
        if let Ok(m) = self.0.get_mut() {
            if !m.is_empty() {
                m.clear();
            }
        }
    }
}

/// Normalized names (keys, `name` properties, aliases) → entities.
type AliasIndex = IndexMap<crate::value::Key, IdSet, Fx>;

/// Nodes by the string value of one property.
type PropIndex = std::collections::HashMap<String, Vec<EntityId>>;

/// Which property index: (label or none, property).
type PropIndexKey = (Option<String>, String);

/// The cache of property indexes, keyed by (label or none, property), and
/// of the label bitmap: everything derived from the entities.
#[derive(Debug, Default)]
struct PropIndexes(
    std::sync::Mutex<std::collections::HashMap<PropIndexKey, std::sync::Arc<PropIndex>>>,
    std::sync::OnceLock<labels::LabelMask>,
    std::sync::Mutex<std::collections::HashMap<String, Option<std::sync::Arc<labels::PropColumn>>>>,
    /// How many times the entities changed (see [`Graph::entity_generation`]).
    u64,
);

impl Clone for PropIndexes {
    /// A copy starts empty (indexes are rebuilt on demand).
    fn clone(&self) -> PropIndexes {
        PropIndexes(
            Default::default(),
            Default::default(),
            Default::default(),
            self.3,
        )
    }
}

impl PropIndexes {
    fn clear(&mut self) {
        self.3 = self.3.wrapping_add(1);
        self.1.take();
        if let Ok(m) = self.2.get_mut() {
            m.clear();
        }
        if let Ok(m) = self.0.get_mut() {
            if !m.is_empty() {
                m.clear();
            }
        }
    }
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    // ----- reading -------------------------------------------------------

    /// The number of entities.
    pub fn entity_count(&self) -> usize {
        self.entity_count
    }

    /// The number of relations.
    pub fn relation_count(&self) -> usize {
        self.relation_count
    }

    /// The entity with this id, if it exists.
    pub fn entity(&self, id: EntityId) -> Option<&Entity> {
        let ix = (*self.entities.get(id.0 as usize)?)?;
        self.inner.node_weight(ix).map(|e| &**e)
    }

    /// The relation with this id, if it exists.
    pub fn relation(&self, id: RelationId) -> Option<&Relation> {
        let ix = (*self.relations.get(id.0 as usize)?)?;
        self.inner.edge_weight(ix)
    }

    /// Cache hints for reading entity `id` soon, in three steps a few ids
    /// apart (each step reads what the previous one fetched): 0 its record,
    /// 1 its property entries, 2 the bytes of its string properties.
    pub fn prefetch_entity(&self, id: EntityId, step: u8) {
        let Some(e) = self.entity(id) else {
            return;
        };
        match step {
            0 => crate::hint::prefetch(e),
            1 => e.props.prefetch(false),
            _ => e.props.prefetch(true),
        }
    }

    /// All entities, in creation order.
    pub fn entities(&self) -> impl Iterator<Item = &Entity> + '_ {
        self.entities
            .iter()
            .filter_map(move |ix| ix.and_then(|ix| self.inner.node_weight(ix).map(|e| &**e)))
    }

    /// All relations, in creation order.
    pub fn relations(&self) -> impl Iterator<Item = &Relation> + '_ {
        self.relations
            .iter()
            .filter_map(move |ix| ix.and_then(|ix| self.inner.edge_weight(ix)))
    }

    /// The entity with this key.
    pub fn entity_by_key(&self, key: &str) -> Option<EntityId> {
        self.by_key.get(key).copied()
    }

    /// The entities carrying `label` (empty when the label is unknown).
    pub fn entities_with_label(&self, label: &str) -> impl Iterator<Item = EntityId> + '_ {
        self.by_label.get(label).into_iter().flatten().copied()
    }

    /// How many entities carry `label`.
    pub fn label_count(&self, label: &str) -> usize {
        self.by_label.get(label).map_or(0, OrderedIds::len)
    }

    /// The relations of type `rel_type`.
    pub fn relations_with_type(&self, rel_type: &str) -> impl Iterator<Item = RelationId> + '_ {
        self.by_type.get(rel_type).into_iter().flatten().copied()
    }

    /// How many relations have type `rel_type`.
    pub fn type_count(&self, rel_type: &str) -> usize {
        self.by_type.get(rel_type).map_or(0, OrderedIds::len)
    }

    /// Relation counts per type and label of one end (built on first use,
    /// in one pass over the relations; exact from then on).
    pub fn rel_stats(&self) -> &stats::RelStats {
        self.rel_stats.get_or_init(|| {
            let types: Vec<RelType> = self.by_type.keys().map(|t| RelType::new(t)).collect();
            stats::RelStats::build(&self.inner, &types, |t| {
                match self.type_slots.get(t.index()) {
                    Some(&slot) if slot > 0 => Some(slot as usize - 1),
                    _ => None,
                }
            })
        })
    }

    /// How many relations of type `rel_type` have a node labelled `label`
    /// as their `end` (see [`Graph::rel_stats`]).
    pub fn rel_count_at(&self, rel_type: &str, label: &str, end: stats::End) -> u64 {
        if self.type_count(rel_type) == 0 {
            return 0;
        }
        self.rel_stats().count(RelType::new(rel_type), label, end)
    }

    /// Every label in use, in first-use order.
    pub fn labels(&self) -> impl Iterator<Item = &str> + '_ {
        self.by_label
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(l, _)| l.as_str())
    }

    /// Every relation type in use, in first-use order.
    pub fn relation_types(&self) -> impl Iterator<Item = &str> + '_ {
        self.by_type
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(t, _)| t.as_str())
    }

    /// The entities an alias resolves to, after normalization (see
    /// [`alias::normalize`]). More than one result means the alias is ambiguous.
    pub fn resolve(&self, name: &str) -> Vec<EntityId> {
        self.aliases()
            .get(normalize(name).as_str())
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Every normalized alias key with its entities (for completion and checks).
    pub fn alias_index(&self) -> impl Iterator<Item = (&str, &IdSet)> + '_ {
        self.aliases().iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The alias index, built now (O(entities)) unless it already is.
    fn aliases(&self) -> &AliasIndex {
        self.by_alias.get_or_init(|| {
            let mut index = AliasIndex::default();
            for e in self.entities() {
                for n in Self::names(e) {
                    index.entry(n.into()).or_default().insert(e.id);
                }
            }
            index
        })
    }

    /// The relations leaving `id` (empty when `id` does not exist).
    pub fn outgoing(&self, id: EntityId) -> impl Iterator<Item = &Relation> + '_ {
        self.edges(id, Direction::Outgoing)
    }

    /// The relations entering `id` (empty when `id` does not exist).
    pub fn incoming(&self, id: EntityId) -> impl Iterator<Item = &Relation> + '_ {
        self.edges(id, Direction::Incoming)
    }

    /// The number of relations touching `id`, in both directions (a self-loop counts once).
    pub fn degree(&self, id: EntityId) -> usize {
        self.outgoing(id).count() + self.incoming(id).filter(|r| r.from != r.to).count()
    }

    fn edges(&self, id: EntityId, dir: Direction) -> impl Iterator<Item = &Relation> + '_ {
        let ix = self.node_ix(id);
        ix.into_iter()
            .flat_map(move |ix| self.inner.edges_directed(ix, dir))
            .map(|e| e.weight())
    }

    /// Counts the relations of node `ix` gaining (`n = 1`) or losing
    /// (`-1`) `label` in the relation statistics, if they are kept.
    fn relabel_stats(&mut self, ix: NodeIndex, label: &str, n: i64) {
        if let Some(s) = self.rel_stats.get_mut() {
            let types = |dir| {
                self.inner
                    .edges_directed(ix, dir)
                    .map(|e| e.weight().rel_type)
            };
            s.relabel(
                label,
                types(Direction::Outgoing),
                types(Direction::Incoming),
                n,
            );
        }
    }

    fn node_ix(&self, id: EntityId) -> Option<NodeIndex> {
        *self.entities.get(id.0 as usize)?
    }

    fn edge_ix(&self, id: RelationId) -> Option<EdgeIndex> {
        *self.relations.get(id.0 as usize)?
    }

    /// The entities (with `label`, or all when `None`) whose property `key`
    /// is the string `value`, through an index built on first use for that
    /// label and property and kept until entities change. Ids in creation
    /// order.
    pub fn find_by_string_prop(
        &self,
        label: Option<&str>,
        key: &str,
        value: &str,
    ) -> Vec<EntityId> {
        match self.string_prop_index(label, key) {
            Some(index) => index.get(value).cloned().unwrap_or_default(),
            None => self.scan_string_prop(label, key, value),
        }
    }

    /// How many entities [`Graph::find_by_string_prop`] would return,
    /// without copying them (for planning estimates).
    pub fn count_by_string_prop(&self, label: Option<&str>, key: &str, value: &str) -> usize {
        match self.string_prop_index(label, key) {
            Some(index) => index.get(value).map_or(0, Vec::len),
            None => self.scan_string_prop(label, key, value).len(),
        }
    }

    /// The index of string property `key` over `label`'s entities (all
    /// entities without a label), built on first use; `None` when the
    /// cache cannot be locked.
    fn string_prop_index(
        &self,
        label: Option<&str>,
        key: &str,
    ) -> Option<std::sync::Arc<PropIndex>> {
        let mut cache = self.prop_indexes.0.lock().ok()?;
        let k = (label.map(str::to_string), key.to_string());
        if let Some(ix) = cache.get(&k) {
            return Some(std::sync::Arc::clone(ix));
        }
        let mut ix = PropIndex::new();
        let ids: Vec<EntityId> = match label {
            Some(l) => self.entities_with_label(l).collect(),
            None => self.entities().map(|e| e.id).collect(),
        };
        for id in ids {
            if let Some(Value::String(v)) = self.entity(id).and_then(|e| e.props.get(key)) {
                ix.entry(v.clone()).or_default().push(id);
            }
        }
        for v in ix.values_mut() {
            v.sort_unstable();
        }
        let ix = std::sync::Arc::new(ix);
        cache.insert(k, std::sync::Arc::clone(&ix));
        Some(ix)
    }

    fn scan_string_prop(&self, label: Option<&str>, key: &str, value: &str) -> Vec<EntityId> {
        self.entities()
            .filter(|e| label.is_none_or(|l| e.has_label(l)))
            .filter(|e| matches!(e.props.get(key), Some(Value::String(v)) if v == value))
            .map(|e| e.id)
            .collect()
    }

    /// A number that changes whenever entities change (labels, properties,
    /// creation, deletion): what is derived from the entities and kept
    /// outside the graph (a bitmap of passing entities, a cached column) is
    /// current only while it is unchanged.
    pub fn entity_generation(&self) -> u64 {
        self.prop_indexes.3
    }

    /// True when entity `id` exists (was created and not deleted).
    pub fn contains_entity(&self, id: EntityId) -> bool {
        usize::try_from(id.0)
            .ok()
            .and_then(|i| self.entities.get(i))
            .is_some_and(Option::is_some)
    }

    /// The compact adjacency layout, when it is built and current.
    pub fn adjacency(&self) -> Option<&adjacency::Adjacency> {
        self.adjacency.get()
    }

    /// Builds the compact adjacency layout unless it is current (O(nodes +
    /// relations)); returns it. Readers then traverse through it until the
    /// next change to the relations.
    pub fn prepare_adjacency(&self) -> Option<&adjacency::Adjacency> {
        if let Some(a) = self.adjacency.get() {
            return Some(a);
        }
        let built = adjacency::Adjacency::build(self)?;
        Some(self.adjacency.get_or_init(|| built))
    }

    /// The label bitmap, built on first use (O(entities)) and kept until
    /// the entities change.
    pub fn label_mask(&self) -> &labels::LabelMask {
        self.prop_indexes
            .1
            .get_or_init(|| labels::LabelMask::build(self))
    }

    /// Integer property `key` of every entity as a dense column, built on
    /// first use (O(entities)) and kept until the entities change; `None`
    /// when the property holds other values too, or is not a stored
    /// property (`key`, `aliases`, `sources`).
    pub fn prop_column(&self, key: &str) -> Option<std::sync::Arc<labels::PropColumn>> {
        if matches!(key, "key" | "aliases" | "sources") {
            return None;
        }
        let mut m = self.prop_indexes.2.lock().ok()?;
        m.entry(key.to_string())
            .or_insert_with(|| labels::PropColumn::build(self, key).map(std::sync::Arc::new))
            .clone()
    }

    /// The integer column of relationship property `key` (see
    /// [`labels::PropColumn::build_relations`]), built on first use and
    /// kept until relations change; `None` when the property holds other
    /// values too.
    pub fn rel_prop_column(&self, key: &str) -> Option<std::sync::Arc<labels::PropColumn>> {
        if key == "sources" {
            return None;
        }
        let mut m = self.rel_columns.0.lock().ok()?;
        m.entry(key.to_string())
            .or_insert_with(|| {
                labels::PropColumn::build_relations(self, key).map(std::sync::Arc::new)
            })
            .clone()
    }

    /// A number that changes whenever relations are added or removed or
    /// their properties change (columns read before are then stale).
    pub fn relation_generation(&self) -> u64 {
        self.rel_columns.1
    }

    /// True when relation `id` exists.
    pub fn contains_relation(&self, id: RelationId) -> bool {
        usize::try_from(id.0)
            .ok()
            .and_then(|i| self.relations.get(i))
            .is_some_and(Option::is_some)
    }

    /// The underlying petgraph graph, for algorithms that want it directly.
    pub fn petgraph(&self) -> &StableDiGraph<Box<Entity>, Relation> {
        &self.inner
    }

    // ----- transactions --------------------------------------------------

    /// Starts recording mutations. Nested calls are not supported: a second
    /// `begin` discards nothing and keeps the same journal.
    pub fn begin(&mut self) {
        if self.journal.is_none() {
            self.journal = Some(Vec::new());
        }
    }

    /// True while a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.journal.is_some()
    }

    /// Ends the transaction, keeping its effects; returns what it did, in order.
    pub fn commit(&mut self) -> Vec<Mutation> {
        self.journal.take().unwrap_or_default()
    }

    /// Ends the transaction, undoing everything it did.
    pub fn rollback(&mut self) {
        let Some(journal) = self.journal.take() else {
            return;
        };
        for m in journal.into_iter().rev() {
            self.undo(m);
        }
    }

    fn record(&mut self, m: Mutation) {
        if let Some(j) = &mut self.journal {
            j.push(m);
        }
    }

    fn undo(&mut self, m: Mutation) {
        self.prop_indexes.clear();
        // Each inverse operation is valid because mutations are undone in reverse order.
        match m {
            Mutation::AddEntity(e) => {
                let _ = self.detach_entity(e.id);
            }
            Mutation::RemoveEntity(e) => self.attach_entity(e),
            Mutation::AddRelation(r) => {
                let _ = self.detach_relation(r.id);
            }
            Mutation::RemoveRelation(r) => {
                let _ = self.attach_relation(r);
            }
            Mutation::SetEntityProp { id, key, old, .. } => {
                if let Some(ix) = self.node_ix(id) {
                    self.write_entity_prop(ix, &key, old);
                }
            }
            Mutation::SetRelationProp { id, key, old, .. } => {
                if let Some(ix) = self.edge_ix(id) {
                    self.write_relation_prop(ix, &key, old);
                }
            }
            Mutation::AddLabel(id, label) => {
                if let Some(ix) = self.node_ix(id) {
                    self.relabel_stats(ix, &label, -1);
                    self.inner[ix].labels.retain(|l| *l != label);
                    if let Some(s) = self.by_label.get_mut(&label) {
                        s.remove(&id);
                    }
                    self.index_label(ix, &label, false);
                }
            }
            Mutation::RemoveLabel(id, label, pos) => {
                if let Some(ix) = self.node_ix(id) {
                    let labels = &mut self.inner[ix].labels;
                    labels.insert(pos.min(labels.len()), label.clone());
                    self.relabel_stats(ix, &label, 1);
                    self.index_label(ix, &label, true);
                    self.by_label.entry(label).or_default().insert(id);
                }
            }
            Mutation::CreateIndex(def) => {
                self.indexes.retain(|i| i.def.name != def.name);
            }
            Mutation::DropIndex(def) => {
                let built = self.build_index(&def);
                self.indexes.push(built);
            }
            Mutation::AddAlias(id, alias) => {
                if let Some(ix) = self.node_ix(id) {
                    let before = self.inner[ix].clone();
                    self.unindex_names(&before);
                    let e = &mut self.inner[ix];
                    if let Some(pos) = e.aliases.iter().rposition(|a| *a == alias) {
                        e.aliases.remove(pos);
                    }
                    let after = e.clone();
                    self.index_names(&after);
                }
            }
        }
    }

    // ----- mutations -----------------------------------------------------

    /// Creates an entity and returns its new id.
    pub fn add_entity(&mut self, new: NewEntity) -> Result<EntityId, StoreError> {
        for (k, v) in &new.props {
            if !v.is_storable() {
                return Err(StoreError::NotStorable(k.to_string(), v.type_name()));
            }
        }
        let id = EntityId(self.entities.len() as u64);
        let mut labels: Vec<String> = Vec::with_capacity(new.labels.len());
        for l in new.labels {
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
        let entity = Entity {
            id,
            key: new.key,
            labels,
            props: new.props,
            aliases: new.aliases,
            sources: new.sources,
        };
        let copy = self.journal.is_some().then(|| entity.clone());
        self.entities.push(None);
        if let Err(key) = self.try_attach_entity(entity) {
            self.entities.pop();
            return Err(StoreError::DuplicateKey(key));
        }
        if let Some(entity) = copy {
            self.record(Mutation::AddEntity(entity));
        }
        Ok(id)
    }

    /// Deletes an entity that has no relations; returns it.
    pub fn remove_entity(&mut self, id: EntityId) -> Result<Entity, StoreError> {
        let ix = self.node_ix(id).ok_or(StoreError::NoEntity(id))?;
        let degree = self.inner.edges_directed(ix, Direction::Outgoing).count()
            + self.inner.edges_directed(ix, Direction::Incoming).count();
        if degree > 0 {
            return Err(StoreError::HasRelations(id, degree));
        }
        let entity = self.detach_entity(id)?;
        self.record(Mutation::RemoveEntity(entity.clone()));
        Ok(entity)
    }

    /// Creates a relation `from -[rel_type]-> to` and returns its id.
    pub fn add_relation(
        &mut self,
        from: EntityId,
        to: EntityId,
        rel_type: impl Into<RelType>,
        props: ValueMap,
        sources: Vec<Citation>,
    ) -> Result<RelationId, StoreError> {
        for (k, v) in &props {
            if !v.is_storable() {
                return Err(StoreError::NotStorable(k.to_string(), v.type_name()));
            }
        }
        let id = RelationId(self.relations.len() as u64);
        let rel = Relation {
            id,
            from,
            to,
            rel_type: rel_type.into(),
            props,
            sources: sources.into_boxed_slice(),
        };
        self.relations.push(None);
        let copy = self.journal.is_some().then(|| rel.clone());
        if let Err(e) = self.attach_relation(rel) {
            self.relations.pop();
            return Err(e);
        }
        if let Some(rel) = copy {
            self.record(Mutation::AddRelation(rel));
        }
        Ok(id)
    }

    /// Deletes a relation; returns it.
    pub fn remove_relation(&mut self, id: RelationId) -> Result<Relation, StoreError> {
        let rel = self.detach_relation(id)?;
        self.record(Mutation::RemoveRelation(rel.clone()));
        Ok(rel)
    }

    /// Sets (`Some`) or removes (`None`, or a `Null` value) an entity property;
    /// returns the previous value.
    pub fn set_entity_prop(
        &mut self,
        id: EntityId,
        key: &str,
        value: Option<Value>,
    ) -> Result<Option<Value>, StoreError> {
        let ix = self.node_ix(id).ok_or(StoreError::NoEntity(id))?;
        let value = value.filter(|v| !v.is_null());
        if let Some(v) = &value {
            if !v.is_storable() {
                return Err(StoreError::NotStorable(key.to_string(), v.type_name()));
            }
        }
        let old = self.write_entity_prop(ix, key, value.clone());
        if old != value {
            self.record(Mutation::SetEntityProp {
                id,
                key: key.to_string(),
                old: old.clone(),
                new: value,
            });
        }
        Ok(old)
    }

    /// Sets or removes a relation property; returns the previous value.
    pub fn set_relation_prop(
        &mut self,
        id: RelationId,
        key: &str,
        value: Option<Value>,
    ) -> Result<Option<Value>, StoreError> {
        let ix = self.edge_ix(id).ok_or(StoreError::NoRelation(id))?;
        let value = value.filter(|v| !v.is_null());
        if let Some(v) = &value {
            if !v.is_storable() {
                return Err(StoreError::NotStorable(key.to_string(), v.type_name()));
            }
        }
        let old = self.write_relation_prop(ix, key, value.clone());
        if old != value {
            self.record(Mutation::SetRelationProp {
                id,
                key: key.to_string(),
                old: old.clone(),
                new: value,
            });
        }
        Ok(old)
    }

    /// Adds a label; returns false when the entity already had it.
    pub fn add_label(&mut self, id: EntityId, label: &str) -> Result<bool, StoreError> {
        let ix = self.node_ix(id).ok_or(StoreError::NoEntity(id))?;
        if self.inner[ix].has_label(label) {
            return Ok(false);
        }
        self.prop_indexes.clear();
        self.inner[ix].labels.push(label.to_string());
        self.relabel_stats(ix, label, 1);
        self.index_label(ix, label, true);
        self.by_label
            .entry(label.to_string())
            .or_default()
            .insert(id);
        self.record(Mutation::AddLabel(id, label.to_string()));
        Ok(true)
    }

    /// Removes a label; returns false when the entity did not have it.
    pub fn remove_label(&mut self, id: EntityId, label: &str) -> Result<bool, StoreError> {
        let ix = self.node_ix(id).ok_or(StoreError::NoEntity(id))?;
        let Some(pos) = self.inner[ix].labels.iter().position(|l| l == label) else {
            return Ok(false);
        };
        self.prop_indexes.clear();
        self.relabel_stats(ix, label, -1);
        self.inner[ix].labels.remove(pos);
        self.index_label(ix, label, false);
        if let Some(s) = self.by_label.get_mut(label) {
            s.remove(&id);
        }
        self.record(Mutation::RemoveLabel(id, label.to_string(), pos));
        Ok(true)
    }

    /// Adds an alias (indexed under its normalized form); returns false when
    /// the entity already had exactly this alias.
    pub fn add_alias(&mut self, id: EntityId, alias: Alias) -> Result<bool, StoreError> {
        let ix = self.node_ix(id).ok_or(StoreError::NoEntity(id))?;
        if self.inner[ix].aliases.contains(&alias) {
            return Ok(false);
        }
        let key = normalize(&alias.text);
        self.inner[ix].aliases.push(alias.clone());
        if let (false, Some(index)) = (key.is_empty(), self.by_alias.get_mut()) {
            index.entry(key.into()).or_default().insert(id);
        }
        self.record(Mutation::AddAlias(id, alias));
        Ok(true)
    }

    /// Adds citations to an entity (not journaled: provenance is set by loaders).
    pub fn cite_entity(&mut self, id: EntityId, sources: &[Citation]) -> Result<(), StoreError> {
        let ix = self.node_ix(id).ok_or(StoreError::NoEntity(id))?;
        let e = &mut self.inner[ix];
        for c in sources {
            if !e.sources.contains(c) {
                e.sources.push(c.clone());
            }
        }
        Ok(())
    }

    /// Adds citations to a relation (not journaled: provenance is set by loaders).
    pub fn cite_relation(
        &mut self,
        id: RelationId,
        sources: &[Citation],
    ) -> Result<(), StoreError> {
        let ix = self.edge_ix(id).ok_or(StoreError::NoRelation(id))?;
        let r = &mut self.inner[ix];
        let mut all = r.sources.to_vec();
        for c in sources {
            if !all.contains(c) {
                all.push(c.clone());
            }
        }
        r.sources = all.into_boxed_slice();
        Ok(())
    }

    // ----- index maintenance ----------------------------------------------

    /// Writes an entity property, keeping the name index in step when the
    /// `name` property changes; returns the previous value.
    fn write_entity_prop(
        &mut self,
        ix: NodeIndex,
        key: &str,
        value: Option<Value>,
    ) -> Option<Value> {
        self.prop_indexes.clear();
        let is_name = key == "name";
        if is_name {
            let before = self.inner[ix].clone();
            self.unindex_names(&before);
        }
        let props = &mut self.inner[ix].props;
        let old = match value {
            Some(v) => props.insert(key.to_string(), v),
            None => props.shift_remove(key),
        };
        if is_name {
            let after = self.inner[ix].clone();
            self.index_names(&after);
        }
        if !self.indexes.is_empty() {
            let e = &self.inner[ix];
            let new = e.props.get(key);
            for pi in &mut self.indexes {
                let d = &pi.def;
                if d.target == IndexTarget::Node && d.property == key && e.has_label(&d.token) {
                    if let Some(v) = &old {
                        pi.data.remove(v, e.id.0);
                    }
                    if let Some(v) = new {
                        pi.data.insert(v, e.id.0);
                    }
                }
            }
        }
        old
    }

    /// Writes a relation property, keeping the declared indexes in step;
    /// returns the previous value.
    fn write_relation_prop(
        &mut self,
        ix: EdgeIndex,
        key: &str,
        value: Option<Value>,
    ) -> Option<Value> {
        self.rel_columns.clear();
        let props = &mut self.inner[ix].props;
        let old = match value {
            Some(v) => props.insert(key.to_string(), v),
            None => props.shift_remove(key),
        };
        if !self.indexes.is_empty() {
            let r = &self.inner[ix];
            let new = r.props.get(key);
            for pi in &mut self.indexes {
                let d = &pi.def;
                if d.target == IndexTarget::Relationship
                    && d.property == key
                    && d.token == r.rel_type.as_str()
                {
                    if let Some(v) = &old {
                        pi.data.remove(v, r.id.0);
                    }
                    if let Some(v) = new {
                        pi.data.insert(v, r.id.0);
                    }
                }
            }
        }
        old
    }

    /// Adds (`add`) or removes the entity at `ix` to or from the indexes
    /// of `label`, after that label was added to it or removed from it.
    fn index_label(&mut self, ix: NodeIndex, label: &str, add: bool) {
        let e = &self.inner[ix];
        for pi in &mut self.indexes {
            let d = &pi.def;
            if d.target == IndexTarget::Node && d.token == label {
                if let Some(v) = e.props.get(&d.property) {
                    if add {
                        pi.data.insert(v, e.id.0);
                    } else {
                        pi.data.remove(v, e.id.0);
                    }
                }
            }
        }
    }

    /// Adds or removes a whole entity to or from the declared indexes.
    fn index_entity(indexes: &mut [index::PropertyIndex], e: &Entity, add: bool) {
        for pi in indexes {
            let d = &pi.def;
            if d.target == IndexTarget::Node && e.has_label(&d.token) {
                if let Some(v) = e.props.get(&d.property) {
                    if add {
                        pi.data.insert(v, e.id.0);
                    } else {
                        pi.data.remove(v, e.id.0);
                    }
                }
            }
        }
    }

    /// Adds or removes a whole relation to or from the declared indexes.
    fn index_relation(indexes: &mut [index::PropertyIndex], r: &Relation, add: bool) {
        for pi in indexes {
            let d = &pi.def;
            if d.target == IndexTarget::Relationship && d.token == r.rel_type.as_str() {
                if let Some(v) = r.props.get(&d.property) {
                    if add {
                        pi.data.insert(v, r.id.0);
                    } else {
                        pi.data.remove(v, r.id.0);
                    }
                }
            }
        }
    }

    fn attach_entity(&mut self, entity: Entity) {
        // Callers have checked the key (one probe here, not two).
        let _ = self.try_attach_entity(entity);
    }

    /// Adds an entity and indexes it, unless its key is taken (then nothing
    /// changes and the key is returned).
    fn try_attach_entity(&mut self, entity: Entity) -> Result<(), String> {
        let id = entity.id;
        if let Some(key) = &entity.key {
            if let Some(other) = self.by_key.insert(key.as_str().into(), id) {
                self.by_key.insert(key.as_str().into(), other);
                return Err(key.clone());
            }
        }
        self.prop_indexes.clear();
        let slot = id.0 as usize;
        if self.entities.len() <= slot {
            self.entities.resize(slot + 1, None);
        }
        for l in &entity.labels {
            match self.by_label.get_mut(l.as_str()) {
                Some(ids) => {
                    ids.insert(id);
                }
                None => {
                    self.by_label.entry(l.clone()).or_default().insert(id);
                }
            }
        }
        self.index_names(&entity);
        Self::index_entity(&mut self.indexes, &entity, true);
        let ix = self.inner.add_node(Box::new(entity));
        self.entities[slot] = Some(ix);
        self.entity_count += 1;
        Ok(())
    }

    fn detach_entity(&mut self, id: EntityId) -> Result<Entity, StoreError> {
        self.prop_indexes.clear();
        let ix = self.node_ix(id).ok_or(StoreError::NoEntity(id))?;
        let entity = *self.inner.remove_node(ix).ok_or(StoreError::NoEntity(id))?;
        self.entities[id.0 as usize] = None;
        self.entity_count -= 1;
        if let Some(key) = &entity.key {
            self.by_key.swap_remove(key.as_str());
        }
        for l in &entity.labels {
            if let Some(s) = self.by_label.get_mut(l) {
                s.remove(&id);
            }
        }
        self.unindex_names(&entity);
        Self::index_entity(&mut self.indexes, &entity, false);
        Ok(entity)
    }

    fn attach_relation(&mut self, rel: Relation) -> Result<(), StoreError> {
        let a = self
            .node_ix(rel.from)
            .ok_or(StoreError::NoEntity(rel.from))?;
        let b = self.node_ix(rel.to).ok_or(StoreError::NoEntity(rel.to))?;
        let id = rel.id;
        let slot = id.0 as usize;
        if self.relations.len() <= slot {
            self.relations.resize(slot + 1, None);
        }
        self.adjacency.take();
        self.rel_columns.clear();
        self.index_type(&rel);
        if let Some(s) = self.rel_stats.get_mut() {
            s.relation(&rel, &self.inner[a].labels, &self.inner[b].labels, 1);
        }
        Self::index_relation(&mut self.indexes, &rel, true);
        let ix = self.inner.add_edge(a, b, rel);
        self.relations[slot] = Some(ix);
        self.relation_count += 1;
        Ok(())
    }

    /// Adds a relation to its type's index (allocating the type's name only
    /// the first time it is seen).
    fn index_type(&mut self, rel: &Relation) {
        let t = rel.rel_type.index();
        let pos = match self.type_slots.get(t) {
            Some(&slot) if slot > 0 => slot as usize - 1,
            _ => {
                let entry = self.by_type.entry(rel.rel_type.to_string());
                let pos = entry.index();
                entry.or_default();
                if self.type_slots.len() <= t {
                    self.type_slots.resize(t + 1, 0);
                }
                self.type_slots[t] = pos as u32 + 1;
                pos
            }
        };
        if let Some((_, ids)) = self.by_type.get_index_mut(pos) {
            ids.insert(rel.id);
        }
    }

    fn detach_relation(&mut self, id: RelationId) -> Result<Relation, StoreError> {
        let ix = self.edge_ix(id).ok_or(StoreError::NoRelation(id))?;
        let rel = self
            .inner
            .remove_edge(ix)
            .ok_or(StoreError::NoRelation(id))?;
        self.relations[id.0 as usize] = None;
        self.relation_count -= 1;
        self.adjacency.take();
        self.rel_columns.clear();
        let ends = (self.node_ix(rel.from), self.node_ix(rel.to));
        if let (Some(s), (Some(a), Some(b))) = (self.rel_stats.get_mut(), ends) {
            s.relation(&rel, &self.inner[a].labels, &self.inner[b].labels, -1);
        }
        if let Some(s) = self.by_type.get_mut(rel.rel_type.as_str()) {
            s.remove(&id);
        }
        Self::index_relation(&mut self.indexes, &rel, false);
        Ok(rel)
    }

    /// The names an entity is found by: key, canonical name, every alias.
    fn names(entity: &Entity) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut push = |s: &str| {
            let n = normalize(s);
            if !n.is_empty() && !names.contains(&n) {
                names.push(n);
            }
        };
        if let Some(k) = &entity.key {
            push(k);
        }
        if let Some(Value::String(n)) = entity.props.get("name") {
            push(n);
        }
        for a in &entity.aliases {
            push(&a.text);
        }
        names
    }

    fn index_names(&mut self, entity: &Entity) {
        let Some(index) = self.by_alias.get_mut() else {
            return;
        };
        for n in Self::names(entity) {
            index.entry(n.into()).or_default().insert(entity.id);
        }
    }

    fn unindex_names(&mut self, entity: &Entity) {
        let Some(index) = self.by_alias.get_mut() else {
            return;
        };
        for n in Self::names(entity) {
            if let Some(s) = index.get_mut(n.as_str()) {
                s.remove(&entity.id);
                if s.is_empty() {
                    index.swap_remove(n.as_str());
                }
            }
        }
    }

    /// Verifies that every index agrees with the entities and relations.
    /// Returns a description of the first inconsistency found. Used by tests.
    pub fn check_indexes(&self) -> Result<(), String> {
        if let Some(kept) = self.rel_stats.get() {
            let mut fresh = stats::RelStats::default();
            for r in self.relations() {
                let labels = |id| self.entity(id).map_or(&[][..], |e| &e.labels[..]);
                fresh.relation(r, labels(r.from), labels(r.to), 1);
            }
            if !kept.same_counts(&fresh) {
                return Err("relation statistics differ from a recount".into());
            }
        }
        let mut entities = 0;
        for e in self.entities() {
            entities += 1;
            if let Some(k) = &e.key {
                if self.by_key.get(k.as_str()) != Some(&e.id) {
                    return Err(format!("key index misses {k}"));
                }
            }
            for l in &e.labels {
                if !self.by_label.get(l).is_some_and(|s| s.contains(&e.id)) {
                    return Err(format!("label index misses {} on {}", l, e.id));
                }
            }
            for n in Self::names(e) {
                if !self
                    .aliases()
                    .get(n.as_str())
                    .is_some_and(|s| s.contains(&e.id))
                {
                    return Err(format!("alias index misses `{n}` for {}", e.id));
                }
            }
        }
        if entities != self.entity_count {
            return Err(format!(
                "entity count {} but {entities} entities",
                self.entity_count
            ));
        }
        for (k, id) in &self.by_key {
            if self.entity(*id).and_then(|e| e.key.as_deref()) != Some(k.as_str()) {
                return Err(format!("key index has stale {k}"));
            }
        }
        for (l, ids) in &self.by_label {
            for id in ids {
                if !self.entity(*id).is_some_and(|e| e.has_label(l)) {
                    return Err(format!("label index has stale {l} on {id}"));
                }
            }
        }
        for (n, ids) in self.aliases() {
            for id in ids {
                if !self
                    .entity(*id)
                    .is_some_and(|e| Self::names(e).iter().any(|x| x == n))
                {
                    return Err(format!("alias index has stale `{n}` on {id}"));
                }
            }
        }
        let mut relations = 0;
        for r in self.relations() {
            relations += 1;
            if !self
                .by_type
                .get(r.rel_type.as_str())
                .is_some_and(|s| s.contains(&r.id))
            {
                return Err(format!("type index misses {}", r.id));
            }
            if self.entity(r.from).is_none() || self.entity(r.to).is_none() {
                return Err(format!("relation {} dangles", r.id));
            }
        }
        if relations != self.relation_count {
            return Err(format!(
                "relation count {} but {relations}",
                self.relation_count
            ));
        }
        for (t, ids) in &self.by_type {
            for id in ids {
                if self.relation(*id).map(|r| r.rel_type.as_str()) != Some(t.as_str()) {
                    return Err(format!("type index has stale {t} on {id}"));
                }
            }
        }
        self.check_property_indexes()
    }
}

impl PartialEq for Graph {
    /// Two graphs are equal when they hold the same entities and relations
    /// under the same ids (indexes are derived and not compared).
    fn eq(&self, other: &Graph) -> bool {
        self.entity_count == other.entity_count
            && self.relation_count == other.relation_count
            && self.entities().all(|e| other.entity(e.id) == Some(e))
            && self.relations().all(|r| other.relation(r.id) == Some(r))
    }
}

#[cfg(test)]
mod tests;
