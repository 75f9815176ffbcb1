//! Plan rewrites that depend on what follows a MATCH.
//!
//! A variable-length expansion normally enumerates every relationship
//! trail, which can explode on dense graphs. When the rows are later made
//! distinct (`RETURN DISTINCT b`, `count(DISTINCT b)`, `min`/`max`), how many
//! trails reach a node does not matter, and a breadth-first search with a
//! visited set finds each far node once instead.

use super::expr::{children, is_aggregate_call};
use crate::syntax::ast::{Clause, ClauseKind, Expr, ExprKind, Projection};

/// True when the rows produced before `rest` only matter up to duplicates:
/// the next projection is `DISTINCT` or aggregates only with functions
/// that ignore duplicates, and nothing in between counts or limits rows.
pub fn distinct_downstream(rest: &[Clause]) -> bool {
    for clause in rest {
        match &clause.kind {
            ClauseKind::Match(_) | ClauseKind::Unwind(_) => continue,
            ClauseKind::With(p) | ClauseKind::Return(p) => {
                let mut aggs = Vec::new();
                for it in &p.items {
                    collect_aggs(&it.expr, &mut aggs);
                }
                for s in &p.order_by {
                    collect_aggs(&s.expr, &mut aggs);
                }
                if !aggs.is_empty() {
                    return aggs.iter().all(|a| duplicate_insensitive(a));
                }
                if p.distinct {
                    return true;
                }
                if matches!(clause.kind, ClauseKind::With(_)) && passes_rows_through(p) {
                    continue;
                }
                return false;
            }
            _ => return false,
        }
    }
    false
}

fn passes_rows_through(p: &Projection) -> bool {
    p.skip.is_none() && p.limit.is_none()
}

fn collect_aggs<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    if is_aggregate_call(e) {
        out.push(e);
        return;
    }
    for c in children(e) {
        collect_aggs(c, out);
    }
}

fn duplicate_insensitive(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Function { name, distinct, .. } => {
            *distinct
                || name
                    .first()
                    .is_some_and(|n| matches!(n.name.to_lowercase().as_str(), "min" | "max"))
        }
        _ => false,
    }
}
