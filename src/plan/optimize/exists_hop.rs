//! Rule `exists_hop`: a hop that only tests whether a neighbour exists
//! produces each input row once (a semi-join).
//!
//! When the operators above read neither the hop's relationship nor its
//! far node, and do not notice repeated rows (a `DISTINCT`, or aggregates
//! that ignore duplicates, above; see [`super::analysis::walk_needed`]),
//! every row the hop builds from one input row looks the same to them. The
//! hop then stops at the first candidate that passes its checks and its
//! folded filter (`Expand::first_only`). No other hop may have to differ
//! from its relationship.
//!
//! ```text
//! before                                          after
//! Aggregate: count(DISTINCT p)                    Aggregate: count(DISTINCT p)
//! └─ Expand: (o)<-[m]-(p)                         └─ Expand: (o)<-[m]-(p)
//!    └─ Expand: (o)-[r]->(o2) WHERE r.since < 2000   └─ Expand (exists): (o)-[r]->(o2) WHERE r.since < 2000
//!       └─ Label scan: (o:Organization)                 └─ Label scan: (o:Organization)
//! ```

use std::collections::BTreeSet;

use super::analysis::{each_expand, repeatable, walk_needed};
use super::Rule;
use crate::plan::{Plan, Slot};

/// See the module documentation.
pub struct ExistsHop;

impl Rule for ExistsHop {
    fn name(&self) -> &'static str {
        "exists_hop"
    }

    fn rewrite(&self, mut plan: Plan) -> Plan {
        // Relationships another expansion must differ from.
        let mut guarded: BTreeSet<Slot> = BTreeSet::new();
        each_expand(&plan, &mut |spec| {
            guarded.extend(repeatable(spec));
        });
        walk_needed(&mut plan, &mut |spec, needed, _| {
            if spec.var.is_none()
                && !needed.above.contains(&spec.rel)
                && !needed.above.contains(&spec.to)
                && !guarded.contains(&spec.rel)
            {
                spec.first_only = true;
            }
        });
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::super::filter_into_expand::FilterIntoExpand;
    use super::super::tests::{expands, planned};
    use super::*;

    fn marks(q: &str) -> Vec<bool> {
        let plan = ExistsHop.rewrite(FilterIntoExpand.rewrite(planned(q)));
        expands(&plan).iter().map(|e| e.first_only).collect()
    }

    #[test]
    fn hops_tested_only_for_existence_stop_at_the_first() {
        assert_eq!(
            marks("MATCH (p:P)-[m:M]->(o:O)-[r:R]->(o2) WHERE r.w < 2 RETURN count(DISTINCT p)"),
            // Parents first: the hop to `o2`, then the one to `o`, whose
            // relationship the other must differ from.
            [true, false]
        );
        assert_eq!(
            marks("MATCH (a:A)-[:R]->(b)-[:R]->(c) RETURN DISTINCT a"),
            [true, false]
        );
        assert_eq!(
            marks("MATCH (a:A)-[:R]->(b) RETURN DISTINCT a.name"),
            [true]
        );
        assert_eq!(marks("MATCH (a:A)-[:R]->(b) RETURN min(a.v)"), [true]);
    }

    #[test]
    fn relationships_of_disjoint_types_never_repeat_each_other() {
        use crate::plan::TypeSet;
        let of = |t: &[&str]| TypeSet::of(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(!of(&["member_of"]).may_share(of(&["partner_of"])));
        assert!(of(&["member_of", "led_by"]).may_share(of(&["led_by"])));
        assert!(of(&[]).may_share(of(&["partner_of"])));
        assert!(of(&["partner_of"]).may_share(of(&[])));
    }

    #[test]
    fn hops_whose_rows_are_read_or_counted_keep_them() {
        for q in [
            "MATCH (a:A)-[:R]->(b) RETURN a.name",
            "MATCH (a:A)-[:R]->(b) RETURN count(a)",
            "MATCH (a:A)-[:R]->(b) RETURN DISTINCT b",
            "MATCH (a:A)-[r:R]->(b) RETURN DISTINCT r.w",
            "MATCH (a:A)-[:R*1..2]->(b) RETURN DISTINCT a",
        ] {
            let m = marks(q);
            assert!(m.iter().all(|f| !f), "{q}: {m:?}");
        }
    }
}
