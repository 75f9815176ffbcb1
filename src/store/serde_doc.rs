//! Serde for [`Graph`]: a flat document of entities and relations; the
//! indexes are rebuilt on load, so a serialized graph cannot carry a stale index.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Entity, Graph, Relation};

/// The serialized form of a graph.
#[derive(Serialize, Deserialize)]
struct GraphDoc {
    /// One past the highest entity id ever assigned (ids are never reused).
    next_entity: u64,
    /// One past the highest relation id ever assigned.
    next_relation: u64,
    entities: Vec<Entity>,
    relations: Vec<Relation>,
}

impl Serialize for Graph {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        GraphDoc {
            next_entity: self.entities.len() as u64,
            next_relation: self.relations.len() as u64,
            entities: self.entities().cloned().collect(),
            relations: self.relations().cloned().collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Graph {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Graph, D::Error> {
        use serde::de::Error;
        let doc = GraphDoc::deserialize(d)?;
        let mut g = Graph::new();
        for e in doc.entities {
            if e.id.0 >= doc.next_entity || g.entity(e.id).is_some() {
                return Err(D::Error::custom(format!(
                    "entity id {} is duplicated or out of range",
                    e.id
                )));
            }
            if let Some(k) = &e.key {
                if g.by_key.contains_key(k.as_str()) {
                    return Err(D::Error::custom(format!("duplicate entity key `{k}`")));
                }
            }
            g.attach_entity(e);
        }
        g.entities.resize(doc.next_entity as usize, None);
        for r in doc.relations {
            if r.id.0 >= doc.next_relation || g.relation(r.id).is_some() {
                return Err(D::Error::custom(format!(
                    "relation id {} is duplicated or out of range",
                    r.id
                )));
            }
            let id = r.id;
            g.attach_relation(r)
                .map_err(|e| D::Error::custom(format!("relation {id}: {e}")))?;
        }
        g.relations.resize(doc.next_relation as usize, None);
        Ok(g)
    }
}
