//! [`RelStats`]: how many relations of each type leave and enter the nodes
//! of each label, the counts the planner estimates fan-outs from.
//!
//! These are the counts Neo4j's count store keeps for patterns with one
//! labelled end, `(:L)-[:T]->()` and `()-[:T]->(:L)`. They are built in one
//! pass over the relations the first time the planner asks (loading a graph
//! does not pay for them) and from then on kept exact under every change:
//! a relation added or removed, a label added to or removed from a node
//! with relations, and the undoing of each.

use std::collections::HashMap;

use petgraph::stable_graph::StableDiGraph;
use petgraph::visit::{EdgeRef, IntoEdgeReferences, NodeIndexable};

use super::model::{Entity, Relation};
use super::reltype::RelType;

/// Which end of a relation a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The relation leaves the node.
    Start,
    /// The relation enters the node.
    Finish,
}

impl End {
    fn index(self) -> usize {
        match self {
            End::Start => 0,
            End::Finish => 1,
        }
    }
}

/// Relation counts per (type, label of one end), for each end.
#[derive(Debug, Clone, Default)]
pub struct RelStats {
    /// `[leaving, entering]`: type → label → relations.
    counts: [HashMap<RelType, HashMap<String, u64>>; 2],
}

impl RelStats {
    /// Counts every relation of `graph` in one pass. Nodes are grouped by
    /// their label list and types by their position in `types` (`slot`
    /// gives it), so the pass only adds to a small array; the labels get
    /// their counts at the end.
    pub(super) fn build(
        graph: &StableDiGraph<Box<Entity>, Relation>,
        types: &[RelType],
        slot: impl Fn(RelType) -> Option<usize>,
    ) -> RelStats {
        let mut groups: HashMap<&[String], usize> = HashMap::new();
        let mut group_of = vec![0usize; graph.node_bound()];
        let mut lists: Vec<&[String]> = Vec::new();
        for ix in graph.node_indices() {
            let labels = &graph[ix].labels[..];
            let g = *groups.entry(labels).or_insert_with(|| {
                lists.push(labels);
                lists.len() - 1
            });
            group_of[ix.index()] = g;
        }
        let n = types.len();
        let mut counts = vec![0u64; lists.len() * n * 2];
        for e in graph.edge_references() {
            let Some(t) = slot(e.weight().rel_type).filter(|&t| t < n) else {
                continue;
            };
            counts[(group_of[e.source().index()] * n + t) * 2] += 1;
            counts[(group_of[e.target().index()] * n + t) * 2 + 1] += 1;
        }
        let mut stats = RelStats::default();
        for (g, labels) in lists.iter().enumerate() {
            for (t, ty) in types.iter().enumerate() {
                for (e, end) in [End::Start, End::Finish].into_iter().enumerate() {
                    let c = counts[(g * n + t) * 2 + e];
                    stats.add(*ty, labels, end, c as i64);
                }
            }
        }
        stats
    }

    /// The relations of type `t` whose `end` is a node labelled `label`.
    pub fn count(&self, t: RelType, label: &str, end: End) -> u64 {
        self.counts[end.index()]
            .get(&t)
            .and_then(|m| m.get(label))
            .copied()
            .unwrap_or(0)
    }

    /// True when both hold the same non-zero counts.
    pub fn same_counts(&self, other: &RelStats) -> bool {
        fn nonzero(s: &RelStats) -> Vec<(usize, RelType, &str, u64)> {
            let mut v = Vec::new();
            for (end, m) in s.counts.iter().enumerate() {
                for (t, by_label) in m {
                    for (l, &c) in by_label {
                        if c > 0 {
                            v.push((end, *t, l.as_str(), c));
                        }
                    }
                }
            }
            v.sort_by(|a, b| (a.0, a.1.as_str(), a.2, a.3).cmp(&(b.0, b.1.as_str(), b.2, b.3)));
            v
        }
        nonzero(self) == nonzero(other)
    }

    /// Counts `n` more (or, negative, fewer) relations of type `t` at a node
    /// with `labels` as its `end`.
    pub fn add(&mut self, t: RelType, labels: &[String], end: End, n: i64) {
        if labels.is_empty() || n == 0 {
            return;
        }
        let by_label = self.counts[end.index()].entry(t).or_default();
        for l in labels {
            let c = match by_label.get_mut(l.as_str()) {
                Some(c) => c,
                None => by_label.entry(l.clone()).or_default(),
            };
            *c = c.saturating_add_signed(n);
        }
    }

    /// Counts a relation between nodes labelled `from` and `to`, `n` times.
    pub fn relation(&mut self, rel: &Relation, from: &[String], to: &[String], n: i64) {
        self.add(rel.rel_type, from, End::Start, n);
        self.add(rel.rel_type, to, End::Finish, n);
    }

    /// Counts the relations of a node gaining (`n = 1`) or losing (`-1`)
    /// `label`: `outgoing` and `incoming` are the types of its relations.
    pub fn relabel(
        &mut self,
        label: &str,
        outgoing: impl Iterator<Item = RelType>,
        incoming: impl Iterator<Item = RelType>,
        n: i64,
    ) {
        let one = [label.to_string()];
        for t in outgoing {
            self.add(t, &one, End::Start, n);
        }
        for t in incoming {
            self.add(t, &one, End::Finish, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_additions_and_removals() {
        let t = RelType::new("stats_test_T");
        let mut s = RelStats::default();
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        s.add(t, &l(&["A", "B"]), End::Start, 3);
        s.add(t, &l(&["A"]), End::Start, -1);
        s.add(t, &l(&[]), End::Start, 5);
        assert_eq!(s.count(t, "A", End::Start), 2);
        assert_eq!(s.count(t, "B", End::Start), 3);
        assert_eq!(s.count(t, "A", End::Finish), 0);
        s.relabel("C", [t, t].into_iter(), [t].into_iter(), 1);
        assert_eq!(s.count(t, "C", End::Start), 2);
        assert_eq!(s.count(t, "C", End::Finish), 1);
        s.relabel("C", [t].into_iter(), std::iter::empty(), -1);
        assert_eq!(s.count(t, "C", End::Start), 1);
    }
}
