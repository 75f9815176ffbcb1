//! Rule `var_length_bfs`: a variable-length expansion whose rows only
//! matter up to their distinct far nodes searches breadth-first.
//!
//! A variable-length expansion enumerates every relationship trail, which
//! explodes on dense graphs. When the operators above read neither the
//! relationship list nor the trail count (a `DISTINCT`, `count(DISTINCT
//! x)`, `min`/`max`), a breadth-first search with a visited set finds each
//! far node once instead. It applies when the expansion starts at most one
//! hop out, binds a new end and a new (unread) relationship list, and no
//! other relationship of its MATCH must differ from the ones it follows.
//!
//! ```text
//! before                                   after
//! Aggregate: count(DISTINCT x)             Aggregate: count(DISTINCT x)
//! └─ Filter: x <> s                        └─ Filter: x <> s
//!    └─ Expand: (s)-[*1..4]->(x)              └─ Expand: (s)-[*1..4]->(x) (breadth-first, distinct ends)
//!       └─ ...                                   └─ ...
//! ```

use std::collections::BTreeSet;

use super::analysis::{each_expand, repeatable, walk_needed};
use super::Rule;
use crate::plan::{Plan, Slot};

/// See the module documentation.
pub struct VarLengthBfs;

impl Rule for VarLengthBfs {
    fn name(&self) -> &'static str {
        "var_length_bfs"
    }

    fn rewrite(&self, mut plan: Plan) -> Plan {
        // Relationship lists another expansion must not repeat.
        let mut guarded: BTreeSet<Slot> = BTreeSet::new();
        each_expand(&plan, &mut |spec| {
            guarded.extend(repeatable(spec));
        });
        walk_needed(&mut plan, &mut |spec, needed, _| {
            let needed = needed.all;
            let Some(var) = &mut spec.var else { return };
            if var.min <= 1
                && !needed.contains(&spec.rel)
                && spec.unique.is_empty()
                && !guarded.contains(&spec.rel)
            {
                var.bfs = true;
            }
        });
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expands, planned};
    use super::*;

    fn bfs_flags(q: &str) -> Vec<bool> {
        let plan = VarLengthBfs.rewrite(planned(q));
        expands(&plan)
            .iter()
            .filter_map(|e| e.var.map(|v| v.bfs))
            .collect()
    }

    #[test]
    fn distinct_far_nodes_search_breadth_first() {
        for q in [
            "MATCH (s)-[*1..4]->(x) WHERE x <> s RETURN count(DISTINCT x)",
            "MATCH (s)-[*]-(x) RETURN DISTINCT x",
            "MATCH (s:A)-[:R*0..3]->(x) RETURN DISTINCT x.name",
            "MATCH (s)-[*..3]->(x) RETURN max(x.v)",
            "MATCH (s)-[*]->(x) WITH DISTINCT x RETURN x",
            // A computed distinct column, sorted.
            "MATCH (a:D {i: 1})-[:L*]->(b) RETURN DISTINCT b.i AS i ORDER BY i",
            "MATCH (a)-[*..2]-(b) WITH DISTINCT b.v + 1 AS v RETURN v SKIP 1",
            // Distinct over every column, whatever comes after.
            "MATCH (s)-[*]->(x) WITH DISTINCT x, s RETURN x.v LIMIT 1",
        ] {
            assert_eq!(bfs_flags(q), [true], "{q}");
        }
    }

    #[test]
    fn trails_stay_when_they_can_be_seen() {
        for q in [
            // Every trail counts.
            "MATCH (s)-[*1..4]->(x) RETURN count(x)",
            "MATCH (s)-[*]->(x) RETURN x",
            // The list is read.
            "MATCH (s)-[r*]->(x) RETURN DISTINCT x, size(r)",
            "MATCH p = (s)-[*]->(x) RETURN DISTINCT x",
            // More than one hop before the first far node.
            "MATCH (s)-[*2..3]->(x) RETURN DISTINCT x",
            // Another relationship must differ from the trail's.
            "MATCH (s)-[*]->(x)-->(y) RETURN DISTINCT y",
            "MATCH (s)-->(m)-[*]->(x) RETURN DISTINCT x",
            // Rows are limited before they are made distinct.
            "MATCH (s)-[*]->(x) WITH x LIMIT 3 RETURN DISTINCT x",
            // Rows are counted before they are made distinct.
            "MATCH (s)-[*]->(x) WITH x, count(*) AS c RETURN DISTINCT x",
        ] {
            let flags = bfs_flags(q);
            assert!(
                !flags.is_empty() && flags.iter().all(|b| !b),
                "{q}: {flags:?}"
            );
        }
    }
}
