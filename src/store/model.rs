//! The data model: ids, entities, relations, aliases and citations.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::value::ValueMap;

/// The stable public id of an entity (a node). Never reused, even after deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityId(pub u64);

/// The stable public id of a relation (a relationship). Never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RelationId(pub u64);

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a fact comes from: an article (its file name) and a sentence number
/// in that article, counted by kg's sentence splitter (see `seeds/README.md`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Citation {
    /// The article's file name, e.g. `000_82e1541b34cdbfbf.txt`.
    pub article: String,
    /// The 1-based sentence number within the article.
    pub sentence: u32,
}

/// A name of an entity in some language or script.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Alias {
    /// The name as written.
    pub text: String,
    /// An ISO 639-1 language tag (`fr`, `ar`, `en`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// A node of the knowledge graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// The stable id.
    pub id: EntityId,
    /// A unique, human-readable key (`morocco`, `gctf`); entities created by
    /// queries may have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The labels, first one primary (`Country`, `Organization`, ...).
    pub labels: Vec<String>,
    /// Typed properties; the canonical name is the `name` property.
    #[serde(default)]
    pub props: ValueMap,
    /// Other names, in every language and script the sources use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Alias>,
    /// The citations that ground this entity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Citation>,
}

impl Entity {
    /// The canonical name: the `name` property when it is a string, else the key.
    pub fn name(&self) -> Option<&str> {
        match self.props.get("name") {
            Some(crate::value::Value::String(s)) => Some(s),
            _ => self.key.as_deref(),
        }
    }

    /// True when the entity carries `label`.
    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l == label)
    }
}

/// An edge of the knowledge graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// The stable id.
    pub id: RelationId,
    /// The source entity.
    pub from: EntityId,
    /// The target entity.
    pub to: EntityId,
    /// The relation type, in UPPER_SNAKE_CASE (`CO_CHAIRS`).
    pub rel_type: super::RelType,
    /// Typed properties, including temporal qualifiers (`since`, `date`, ...).
    #[serde(default)]
    pub props: ValueMap,
    /// The citations that ground this relation.
    #[serde(default, skip_serializing_if = "<[Citation]>::is_empty")]
    pub sources: Box<[Citation]>,
}

impl Relation {
    /// The endpoint opposite to `id` (the target when `id` is the source).
    pub fn other(&self, id: EntityId) -> EntityId {
        if self.from == id {
            self.to
        } else {
            self.from
        }
    }
}

/// What a new entity is made of; its id is assigned by the graph.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewEntity {
    /// See [`Entity::key`].
    pub key: Option<String>,
    /// See [`Entity::labels`].
    pub labels: Vec<String>,
    /// See [`Entity::props`].
    pub props: ValueMap,
    /// See [`Entity::aliases`].
    pub aliases: Vec<Alias>,
    /// See [`Entity::sources`].
    pub sources: Vec<Citation>,
}
