//! Variable scopes and the static types the checker tracks for them.

use indexmap::IndexMap;

use crate::error::edit_distance;

/// What the checker knows statically about a value: enough to tell a node
/// from a relationship, a path or a literal, and nothing more. `Any` means
/// "not known", and is never the cause of an error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    /// Not known statically.
    Any,
    /// The `null` literal.
    Null,
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// A float.
    Float,
    /// A string.
    Str,
    /// A map.
    Map,
    /// A list whose elements have the given type.
    List(Box<Ty>),
    /// A node.
    Node,
    /// A relationship.
    Rel,
    /// A path.
    Path,
}

impl Ty {
    /// A list of `elem`.
    pub(crate) fn list(elem: Ty) -> Ty {
        Ty::List(Box::new(elem))
    }

    /// The element type, when this is a list; `Any` otherwise.
    pub(crate) fn elem(&self) -> Ty {
        match self {
            Ty::List(t) => (**t).clone(),
            _ => Ty::Any,
        }
    }

    /// The most precise type covering both (`null` fits every type).
    pub(crate) fn join(&self, other: &Ty) -> Ty {
        match (self, other) {
            (a, b) if a == b => a.clone(),
            (Ty::Null, b) => b.clone(),
            (a, Ty::Null) => a.clone(),
            (Ty::List(a), Ty::List(b)) => Ty::list(a.join(b)),
            _ => Ty::Any,
        }
    }

    /// True for numbers.
    pub(crate) fn is_number(&self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }

    /// True when the value is known and is not a boolean (nor `null`).
    pub(crate) fn is_known_non_boolean(&self) -> bool {
        !matches!(self, Ty::Any | Ty::Null | Ty::Bool)
    }

    /// The type in words, with an article: "an integer", "a list of nodes".
    pub(crate) fn describe(&self) -> String {
        match self {
            Ty::Any => "a value".into(),
            Ty::Null => "null".into(),
            Ty::Bool => "a boolean".into(),
            Ty::Int => "an integer".into(),
            Ty::Float => "a float".into(),
            Ty::Str => "a string".into(),
            Ty::Map => "a map".into(),
            Ty::List(e) => match **e {
                Ty::Node => "a list of nodes".into(),
                Ty::Rel => "a list of relationships".into(),
                Ty::Path => "a list of paths".into(),
                _ => "a list".into(),
            },
            Ty::Node => "a node".into(),
            Ty::Rel => "a relationship".into(),
            Ty::Path => "a path".into(),
        }
    }
}

/// A variable in scope.
#[derive(Debug, Clone)]
pub(crate) struct Var {
    /// What it holds.
    pub(crate) ty: Ty,
}

/// The variables visible at a point of a query, in the order they were bound.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    vars: IndexMap<String, Var>,
}

impl Scope {
    /// The variable called `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Var> {
        self.vars.get(name)
    }

    /// True when `name` is bound.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// Binds (or rebinds) `name`.
    pub(crate) fn bind(&mut self, name: &str, ty: Ty) {
        self.vars.insert(name.to_string(), Var { ty });
    }

    /// True when no variable is bound.
    pub(crate) fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// The names, in binding order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }

    /// The variables, in binding order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Var)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The names, sorted (the columns of `RETURN *`).
    pub(crate) fn sorted_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.vars.keys().cloned().collect();
        names.sort();
        names
    }
}

/// The closest of `candidates` to `name`, if one is close enough to be a
/// plausible typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match name.chars().count() {
        0..=2 => 1,
        3..=5 => 2,
        _ => 3,
    };
    let lower = name.to_lowercase();
    candidates
        .filter(|c| *c != name)
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, commonness(c)))
        .map(|(_, c)| c)
}

/// Among names equally close to a typo, the ones people write most come
/// first: aggregates and the everyday functions, ranked in the registry of
/// functions (`cout` is `count`, not `cot`). Other names keep their order.
fn commonness(name: &str) -> usize {
    crate::builtins::functions::commonness(name).map_or(usize::MAX, usize::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names_win_ties() {
        let names = ["cot", "count", "cos"];
        assert_eq!(closest("cout", names.iter().copied()), Some("count"));
        assert_eq!(
            closest("colect", ["coalesce", "collect"].iter().copied()),
            Some("collect")
        );
    }

    #[test]
    fn close_names_are_suggested() {
        let names = ["person", "movie", "n"];
        assert_eq!(closest("persn", names.iter().copied()), Some("person"));
        assert_eq!(closest("m", names.iter().copied()), Some("n"));
        assert_eq!(closest("director", names.iter().copied()), None);
    }

    #[test]
    fn join_prefers_the_known_type() {
        assert_eq!(Ty::Null.join(&Ty::Int), Ty::Int);
        assert_eq!(Ty::Int.join(&Ty::Str), Ty::Any);
        assert_eq!(
            Ty::list(Ty::Node).join(&Ty::list(Ty::Null)),
            Ty::list(Ty::Node)
        );
    }
}
