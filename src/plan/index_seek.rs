//! Index seeks through declared property indexes (`CREATE INDEX`): which
//! conditions of a pattern variable one index can answer, and how many
//! rows it is expected to produce.
//!
//! A node `n` with a label `L` (or a relationship `r` of a single type `T`)
//! can start its pattern at a seek of the index on `(L, p)` (`(T, p)`) for
//! any of these conditions, whose other side reads only variables bound
//! before: `n.p = e` (also `{p: e}` in the pattern), `n.p IN e`, `n.p < e`,
//! `<=`, `>`, `>=` (two of them, one on each side, make a two-sided range)
//! and `n.p STARTS WITH e`. The condition stays in the plan as a filter (or
//! in the node check), so a seek only has to find every entity that may
//! satisfy it; one whose value the index cannot look up (a list, a date,
//! NaN) falls back to a scan of the label or type at run time.
//!
//! Among several candidates the one expected to produce the fewest rows
//! wins: literal values are counted exactly through the index, others
//! estimated from its size and number of distinct values.

use std::collections::{BTreeSet, HashSet};

use super::expr::free_vars;
use super::PropSpec;
use crate::store::{Graph, IndexKey, IndexTarget, KeyRange};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal};
use crate::value::Value;

/// The keys a seek reads, as expressions evaluated for each input row.
#[derive(Debug, Clone, PartialEq)]
pub enum SeekKeys {
    /// `= e`.
    Equal(Expr),
    /// `IN e` (a list).
    In(Expr),
    /// A range: a lower and an upper bound, each with `true` when inclusive.
    Range {
        /// `> e` (`false`) or `>= e` (`true`).
        lower: Option<(Expr, bool)>,
        /// `< e` (`false`) or `<= e` (`true`).
        upper: Option<(Expr, bool)>,
    },
    /// `STARTS WITH e`.
    Prefix(Expr),
}

/// A seek through one declared index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSeek {
    /// The label (node index) or relationship type.
    pub token: String,
    /// The indexed property.
    pub property: String,
    /// What is looked up.
    pub keys: SeekKeys,
}

/// Properties that are not stored properties of an entity (see
/// `eval::expr::property`): never answered through an index.
const VIRTUAL: [&str; 3] = ["key", "sources", "aliases"];

/// The best seek for variable `var` through the declared `target`
/// indexes of one of `tokens`, from its pattern properties `props` and the
/// WHERE conjuncts `pending`, whose other sides read only `bound`
/// variables; with its expected rows.
pub fn best_seek<'a>(
    graph: &Graph,
    target: IndexTarget,
    var: &str,
    tokens: &[String],
    props: &[PropSpec],
    pending: impl Iterator<Item = &'a Expr>,
    bound: &HashSet<String>,
) -> Option<(IndexSeek, f64)> {
    // No declared index at all: nothing to look at.
    graph.index_defs().next()?;
    let ready = |e: &Expr| {
        let mut fv = BTreeSet::new();
        free_vars(e, &mut fv);
        !fv.contains(var) && fv.iter().all(|v| bound.contains(v))
    };
    let mut conds: Vec<(String, Cond)> = Vec::new();
    for p in props {
        if let PropSpec::Key(k, e) = p {
            if ready(e) {
                conds.push((k.clone(), Cond::Eq(e.clone())));
            }
        }
    }
    for c in pending {
        if let Some((prop, cond)) = condition(c, var) {
            let e = match &cond {
                Cond::Eq(e) | Cond::In(e) | Cond::Prefix(e) | Cond::Lower(e, _) => e,
                Cond::Upper(e, _) => e,
            };
            if ready(e) {
                conds.push((prop, cond));
            }
        }
    }
    let mut best: Option<(IndexSeek, f64)> = None;
    for token in tokens {
        let mut props: Vec<&str> = conds.iter().map(|(p, _)| p.as_str()).collect();
        props.dedup();
        for prop in props {
            if VIRTUAL.contains(&prop) {
                continue;
            }
            let Some(index) = graph.property_index(target, token, prop) else {
                continue;
            };
            for keys in seeks_for(conds.iter().filter(|(p, _)| p == prop).map(|(_, c)| c)) {
                let rows = estimate(index, &keys);
                if best.as_ref().is_none_or(|(_, b)| rows < *b) {
                    best = Some((
                        IndexSeek {
                            token: token.clone(),
                            property: prop.to_string(),
                            keys,
                        },
                        rows,
                    ));
                }
            }
        }
    }
    best
}

/// One condition on a property of the variable.
#[derive(Debug, Clone)]
enum Cond {
    Eq(Expr),
    In(Expr),
    Lower(Expr, bool),
    Upper(Expr, bool),
    Prefix(Expr),
}

/// The seeks the conditions on one property allow: each equality, `IN`
/// and prefix alone, and the ranges (the first lower with the first upper
/// bound).
fn seeks_for<'a>(conds: impl Iterator<Item = &'a Cond>) -> Vec<SeekKeys> {
    let mut out = Vec::new();
    let (mut lower, mut upper) = (None, None);
    for c in conds {
        match c {
            Cond::Eq(e) => out.push(SeekKeys::Equal(e.clone())),
            Cond::In(e) => out.push(SeekKeys::In(e.clone())),
            Cond::Prefix(e) => out.push(SeekKeys::Prefix(e.clone())),
            Cond::Lower(e, inc) => {
                lower.get_or_insert((e.clone(), *inc));
            }
            Cond::Upper(e, inc) => {
                upper.get_or_insert((e.clone(), *inc));
            }
        }
    }
    if lower.is_some() || upper.is_some() {
        out.push(SeekKeys::Range { lower, upper });
    }
    out
}

/// `var.prop OP e` (or `e OP var.prop`) as a condition on `prop`.
fn condition(c: &Expr, var: &str) -> Option<(String, Cond)> {
    let ExprKind::Binary(op, a, b) = &c.kind else {
        return None;
    };
    let prop_of = |e: &Expr| match &e.kind {
        ExprKind::Property(t, k) => match &t.kind {
            ExprKind::Variable(v) if v == var => Some(k.name.clone()),
            _ => None,
        },
        _ => None,
    };
    let (prop, other, flipped) = match (prop_of(a), prop_of(b)) {
        (Some(p), _) => (p, (**b).clone(), false),
        (None, Some(p)) => (p, (**a).clone(), true),
        _ => return None,
    };
    let cond = match (op, flipped) {
        (BinaryOp::Eq, _) => Cond::Eq(other),
        (BinaryOp::In, false) => Cond::In(other),
        (BinaryOp::StartsWith, false) => Cond::Prefix(other),
        (BinaryOp::Gt, false) | (BinaryOp::Lt, true) => Cond::Lower(other, false),
        (BinaryOp::Ge, false) | (BinaryOp::Le, true) => Cond::Lower(other, true),
        (BinaryOp::Lt, false) | (BinaryOp::Gt, true) => Cond::Upper(other, false),
        (BinaryOp::Le, false) | (BinaryOp::Ge, true) => Cond::Upper(other, true),
        _ => return None,
    };
    Some((prop, cond))
}

/// The value of a literal expression (lists of literals included).
fn literal(e: &Expr) -> Option<Value> {
    match &e.kind {
        ExprKind::Literal(l) => Some(match l {
            Literal::Null => Value::Null,
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Int(i) => Value::Int(*i),
            Literal::Float(f) => Value::Float(*f),
            Literal::String(s) => Value::String(s.clone()),
        }),
        ExprKind::List(items) => items
            .iter()
            .map(literal)
            .collect::<Option<Vec<Value>>>()
            .map(Value::List),
        _ => None,
    }
}

/// The expected rows of a seek: exact for literal keys, else the average
/// number of ids per distinct value (equality), per list item (`IN`), or
/// a third of the index (ranges and prefixes).
fn estimate(index: &crate::store::index::IndexData, keys: &SeekKeys) -> f64 {
    let per_value = index.len() as f64 / index.distinct_keys().max(1) as f64;
    let values = |vals: &[Value]| -> Option<KeyRange> {
        vals.iter()
            .filter(|v| !v.is_null())
            .map(IndexKey::of)
            .collect::<Option<Vec<IndexKey>>>()
            .map(KeyRange::Values)
    };
    let exact = match keys {
        SeekKeys::Equal(e) => literal(e).and_then(|v| values(std::slice::from_ref(&v))),
        SeekKeys::In(e) => match literal(e) {
            Some(Value::List(items)) => values(&items),
            _ => None,
        },
        SeekKeys::Prefix(e) => match literal(e) {
            Some(Value::String(s)) => Some(KeyRange::Prefix(s)),
            _ => None,
        },
        SeekKeys::Range { lower, upper } => {
            let bound = |b: &Option<(Expr, bool)>| match b {
                None => Some(std::ops::Bound::Unbounded),
                Some((e, inc)) => {
                    let k = literal(e).as_ref().and_then(IndexKey::of)?;
                    Some(if *inc {
                        std::ops::Bound::Included(k)
                    } else {
                        std::ops::Bound::Excluded(k)
                    })
                }
            };
            match (bound(lower), bound(upper)) {
                (Some(lo), Some(hi)) => Some(KeyRange::between(lo, hi)),
                _ => None,
            }
        }
    };
    if let Some(range) = exact {
        return index.count(&range) as f64;
    }
    match keys {
        SeekKeys::Equal(_) => per_value,
        SeekKeys::In(e) => match &e.kind {
            ExprKind::List(items) => per_value * items.len() as f64,
            _ => per_value * 3.0,
        },
        SeekKeys::Range { .. } | SeekKeys::Prefix(_) => index.len() as f64 / 3.0,
    }
}
