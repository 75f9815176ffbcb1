//! Rule `type_filter_into_expand`: a filter on the type of a hop's
//! relationship becomes the hop's list of types.
//!
//! `WHERE type(r) IN ['A', 'B']` (or `type(r) = 'A'`) right above the hop
//! that binds `r` keeps the rows whose relationship has one of those
//! types: the hop follows only relationships of those types instead (with
//! the compact layout, only their runs), intersected with the types the
//! pattern already names.
//!
//! ```text
//! before                                   after
//! Filter: type(r) IN ['A', 'B']            Expand: (s)-[r]-(x) of type A|B
//! └─ Expand: (s)-[r]-(x)                   └─ Node seek: (s)
//!    └─ Node seek: (s)
//! ```

use super::analysis::transform_up;
use super::Rule;
use crate::plan::{Op, Plan, Scope};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal};

/// See the module documentation.
pub struct TypeFilterIntoExpand;

impl Rule for TypeFilterIntoExpand {
    fn name(&self) -> &'static str {
        "type_filter_into_expand"
    }

    fn rewrite(&self, plan: Plan) -> Plan {
        transform_up(plan, &mut |plan| {
            let Some(types) = allowed(&plan) else {
                return plan;
            };
            let Plan { op, scope, id } = plan;
            let Op::Filter { input, predicate } = op else {
                return Plan { op, scope, id };
            };
            let mut hop = *input;
            if let Op::Expand { spec, .. } = &mut hop.op {
                spec.text = format!("{} of type {}", spec.text, types.join("|"));
                spec.types = types;
                return hop;
            }
            // (Not reached: `allowed` checked the shape.)
            Plan {
                op: Op::Filter {
                    input: Box::new(hop),
                    predicate,
                },
                scope,
                id,
            }
        })
    }
}

/// The hop's new list of types, when `plan` is a filter on the type of the
/// relationship of the single hop right below it and some type is left.
fn allowed(plan: &Plan) -> Option<Vec<String>> {
    let Op::Filter { input, predicate } = &plan.op else {
        return None;
    };
    let Op::Expand { spec, .. } = &input.op else {
        return None;
    };
    if spec.var.is_some() || spec.rel_bound || spec.filter.is_some() {
        return None;
    }
    let named = type_test(predicate, &input.scope, spec.rel)?;
    let mut types: Vec<String> = Vec::new();
    for t in named {
        if (spec.types.is_empty() || spec.types.contains(&t)) && !types.contains(&t) {
            types.push(t);
        }
    }
    (!types.is_empty()).then_some(types)
}

/// The types `e` allows for the relationship in `slot`, when `e` is
/// `type(r) IN [string literals]` or `type(r) = 'T'`.
fn type_test(e: &Expr, scope: &Scope, slot: usize) -> Option<Vec<String>> {
    let is_type_of_rel = |e: &Expr| match &e.kind {
        ExprKind::Function {
            name,
            args,
            distinct: false,
        } if name.text().eq_ignore_ascii_case("type") => {
            matches!(args.as_slice(), [Expr { kind: ExprKind::Variable(v), .. }] if scope.slot(v) == Some(slot))
        }
        _ => false,
    };
    let string = |e: &Expr| match &e.kind {
        ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
        _ => None,
    };
    match &e.kind {
        ExprKind::Binary(BinaryOp::In, l, r) if is_type_of_rel(l) => match &r.kind {
            ExprKind::List(items) => items.iter().map(string).collect(),
            _ => None,
        },
        ExprKind::Binary(BinaryOp::Eq, l, r) if is_type_of_rel(l) => string(r).map(|t| vec![t]),
        ExprKind::Binary(BinaryOp::Eq, l, r) if is_type_of_rel(r) => string(l).map(|t| vec![t]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{count_ops, expands, planned};
    use super::*;

    fn types_after(q: &str) -> (Vec<String>, usize) {
        let plan = TypeFilterIntoExpand.rewrite(planned(q));
        let filters = count_ops(&plan, |op| matches!(op, Op::Filter { .. }));
        (expands(&plan)[0].types.clone(), filters)
    }

    #[test]
    fn a_type_filter_becomes_the_hops_types() {
        let (t, f) = types_after("MATCH (s:A)-[r]-(x) WHERE type(r) IN ['P', 'M', 'P'] RETURN x");
        assert_eq!((t, f), (vec!["P".to_string(), "M".to_string()], 0));
        let (t, f) = types_after("MATCH (s:A)-[r:P|Q]->(x) WHERE 'Q' = type(r) RETURN x");
        assert_eq!((t, f), (vec!["Q".to_string()], 0));
    }

    #[test]
    fn other_filters_stay() {
        for q in [
            // No type left: the filter stays (and rejects every row).
            "MATCH (s:A)-[r:P]->(x) WHERE type(r) = 'Q' RETURN x",
            "MATCH (s:A)-[r]->(x) WHERE type(r) IN ['P', 1] RETURN x",
            "MATCH (s:A)-[r]->(x) WHERE type(r) STARTS WITH 'P' RETURN x",
            "MATCH (s:A)-[r*1..2]->(x) WHERE size(r) = 1 RETURN x",
        ] {
            let (_, f) = types_after(q);
            assert_eq!(f, 1, "{q}");
        }
    }
}
