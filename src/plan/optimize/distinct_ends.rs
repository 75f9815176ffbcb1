//! Rule `distinct_ends`: a single hop whose rows only matter up to
//! duplicates skips far nodes it already produced.
//!
//! When the operators above read only some slots of a row and drop rows
//! that repeat on them (see [`super::analysis::walk_needed`]), and the
//! relationship is not among them, rows agreeing on the needed input slots
//! and the far node are interchangeable. The expansion then drops a row
//! that repeats, within a run of input rows agreeing on those slots, a far
//! node it already produced (`Expand::dedupe`). The `DISTINCT` above still
//! runs; this only saves building rows it would drop.
//!
//! ```text
//! before                                   after
//! Distinct                                 Distinct
//! └─ Projection: b                         └─ Projection: b
//!    └─ Expand: (a)-->(b)                     └─ Expand: (a)-->(b) (distinct ends per ())
//!       └─ Distinct                              └─ Distinct
//!          └─ Expand: (s)-->(a)                     └─ Expand: (s)-->(a) (distinct ends per ())
//! ```

use super::analysis::walk_needed;
use super::Rule;
use crate::plan::{Plan, Slot};

/// See the module documentation.
pub struct DistinctEnds;

impl Rule for DistinctEnds {
    fn name(&self) -> &'static str {
        "distinct_ends"
    }

    fn rewrite(&self, mut plan: Plan) -> Plan {
        walk_needed(&mut plan, &mut |spec, needed, in_width| {
            let needed = needed.all;
            if spec.var.is_some() || needed.contains(&spec.rel) {
                return;
            }
            // Every needed slot other than the new ones comes from the input.
            let group: Vec<Slot> = needed
                .iter()
                .copied()
                .filter(|s| *s != spec.to && *s != spec.rel)
                .collect();
            if group.iter().all(|s| *s < in_width) {
                spec.dedupe = Some(group);
            }
        });
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expands, planned};
    use super::*;

    fn marks(q: &str) -> Vec<Option<usize>> {
        let plan = DistinctEnds.rewrite(planned(q));
        expands(&plan)
            .iter()
            .map(|e| e.dedupe.as_ref().map(Vec::len))
            .collect()
    }

    #[test]
    fn hops_under_distinct_rows_skip_repeats() {
        assert_eq!(
            marks("MATCH (s)-->(a) WITH DISTINCT a MATCH (a)-->(b) RETURN DISTINCT b"),
            [Some(0), Some(0)]
        );
        // The second hop must differ from the first: the first one's
        // relationship is read, so only the second skips repeats.
        assert_eq!(
            marks("MATCH (s)-->(a)-->(b) RETURN DISTINCT b"),
            [Some(0), None]
        );
        // Grouped by the start node: repeats are dropped per start.
        assert_eq!(
            marks("MATCH (s:A)-->(x) RETURN s, count(DISTINCT x)"),
            [Some(1)]
        );
        assert_eq!(marks("MATCH (s)-->(x) RETURN min(x.v)"), [Some(0)]);
        // Distinct over every column: the start's property is needed.
        assert_eq!(
            marks("MATCH (s)-->(b) WITH DISTINCT b, s.v AS v RETURN b LIMIT 2"),
            [Some(1)]
        );
    }

    #[test]
    fn hops_whose_rows_count_keep_them() {
        for q in [
            "MATCH (s)-->(b) RETURN b",
            "MATCH (s)-->(b) RETURN count(b)",
            "MATCH (s)-[r]->(b) RETURN DISTINCT r",
            "MATCH (s)-[r]->(b) WHERE r.w > 1 RETURN DISTINCT b",
            "MATCH (s)-->(b) WITH b, count(*) AS c RETURN DISTINCT b",
        ] {
            let m = marks(q);
            assert!(!m.is_empty() && m.iter().all(Option::is_none), "{q}: {m:?}");
        }
    }
}
