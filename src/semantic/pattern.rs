//! Patterns: which variables they bind, and how they may be bound, in
//! `MATCH`, `CREATE`, `MERGE`, pattern predicates, pattern comprehensions
//! and `EXISTS`.

use crate::error::Result;
use crate::syntax::ast::{
    Direction, Expr, ExprKind, Ident, NodePattern, PatternElement, PatternPart, RelPattern,
};

use super::expr::{syntax, Cx};
use super::scope::{Scope, Ty};
use super::Checker;

/// What a pattern is used for, which decides what it may bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatMode {
    /// `MATCH` / `OPTIONAL MATCH`: binds new variables, reuses bound ones.
    Match,
    /// `CREATE`: bound nodes may only be endpoints; relationships are new.
    Create,
    /// `MERGE`: like `CREATE`, but relationships may be undirected.
    Merge,
    /// A pattern predicate in an expression: introduces no variables.
    Predicate,
    /// A pattern comprehension or `EXISTS` pattern: new variables are local.
    Local,
}

impl PatMode {
    fn creates(self) -> bool {
        matches!(self, PatMode::Create | PatMode::Merge)
    }

    fn clause(self) -> &'static str {
        match self {
            PatMode::Create => "CREATE",
            PatMode::Merge => "MERGE",
            _ => "MATCH",
        }
    }
}

/// The node and relationship variables written in an element, with spans.
fn element_variables(el: &PatternElement) -> Vec<&Ident> {
    let mut out: Vec<&Ident> = el.start.variable.iter().collect();
    for (r, n) in &el.chain {
        out.extend(r.variable.iter());
        out.extend(n.variable.iter());
    }
    out
}

impl Checker {
    /// Binds the variables of the parts of a pattern, in order.
    pub(crate) fn bind_pattern(
        &mut self,
        parts: &[PatternPart],
        scope: &mut Scope,
        mode: PatMode,
    ) -> Result<()> {
        let mut rels = Vec::new();
        for part in parts {
            self.bind_element(
                part.variable.as_ref(),
                &part.element,
                scope,
                mode,
                &mut rels,
            )?;
        }
        Ok(())
    }

    /// Binds the variables of one pattern element (and its path variable).
    /// `rels` holds the relationship variables already seen in the same
    /// pattern, which may not be repeated.
    pub(crate) fn bind_element(
        &mut self,
        path: Option<&Ident>,
        el: &PatternElement,
        scope: &mut Scope,
        mode: PatMode,
        rels: &mut Vec<String>,
    ) -> Result<()> {
        if mode != PatMode::Create {
            self.count(1 + 2 * el.chain.len(), el.span)?;
        }
        if let Some(p) = path {
            if scope.contains(&p.name) {
                return Err(syntax(
                    "VariableAlreadyBound",
                    format!(
                        "variable `{}` is already bound; a path needs a new variable",
                        p.name
                    ),
                    p.span,
                ));
            }
            if let Some(inner) = element_variables(el).into_iter().find(|v| v.name == p.name) {
                return Err(syntax(
                    "VariableAlreadyBound",
                    format!(
                        "variable `{}` names the path, so it cannot also name a node or relationship in it",
                        p.name
                    ),
                    inner.span,
                ));
            }
        }
        self.bind_node(&el.start, scope, mode, el.chain.is_empty())?;
        for (rel, node) in &el.chain {
            self.bind_rel(rel, scope, mode, rels)?;
            self.bind_node(node, scope, mode, false)?;
        }
        if let Some(p) = path {
            scope.bind(&p.name, Ty::Path);
        }
        Ok(())
    }

    fn bind_node(
        &mut self,
        node: &NodePattern,
        scope: &mut Scope,
        mode: PatMode,
        lone: bool,
    ) -> Result<()> {
        let Some(v) = &node.variable else {
            return Ok(());
        };
        match scope.get(&v.name).map(|x| x.ty.clone()) {
            Some(t) => {
                if !matches!(t, Ty::Node | Ty::Any | Ty::Null) {
                    return Err(syntax(
                        "VariableTypeConflict",
                        format!(
                            "variable `{}` is {}, so it cannot be used as a node",
                            v.name,
                            t.describe()
                        ),
                        v.span,
                    ));
                }
                if mode.creates() && (lone || !node.labels.is_empty() || node.properties.is_some()) {
                    let what = if node.labels.is_empty() && node.properties.is_none() {
                        format!("{} ({}) would not create anything", mode.clause(), v.name)
                    } else {
                        format!(
                            "{} cannot add labels or properties to an existing node",
                            mode.clause()
                        )
                    };
                    return Err(syntax(
                        "VariableAlreadyBound",
                        format!("variable `{}` is already bound: {what}", v.name),
                        v.span,
                    )
                    .with_help("use SET to change an existing node, or a new variable for a new node"));
                }
                Ok(())
            }
            None if mode == PatMode::Predicate => Err(self
                .undefined(&v.name, v.span, scope)
                .with_help("a pattern predicate cannot introduce new variables; use EXISTS { ... } or MATCH to bind it")),
            None => {
                scope.bind(&v.name, Ty::Node);
                Ok(())
            }
        }
    }

    fn bind_rel(
        &mut self,
        rel: &RelPattern,
        scope: &mut Scope,
        mode: PatMode,
        rels: &mut Vec<String>,
    ) -> Result<()> {
        if let Some(v) = &rel.variable {
            if rels.contains(&v.name) {
                return Err(if mode.creates() {
                    syntax(
                        "VariableAlreadyBound",
                        format!(
                            "relationship variable `{}` is used twice in this pattern",
                            v.name
                        ),
                        v.span,
                    )
                } else {
                    syntax(
                        "RelationshipUniquenessViolation",
                        format!(
                            "relationship variable `{}` is used twice in the same pattern, which can never match",
                            v.name
                        ),
                        v.span,
                    )
                });
            }
            match scope.get(&v.name).map(|x| x.ty.clone()) {
                Some(t) => {
                    if mode.creates() {
                        return Err(syntax(
                            "VariableAlreadyBound",
                            format!(
                                "variable `{}` is already bound; {} needs a new relationship variable",
                                v.name,
                                mode.clause()
                            ),
                            v.span,
                        ));
                    }
                    let fits = if rel.length.is_some() {
                        match &t {
                            Ty::Any | Ty::Null => true,
                            Ty::List(e) => matches!(**e, Ty::Rel | Ty::Any | Ty::Null),
                            _ => false,
                        }
                    } else {
                        matches!(t, Ty::Rel | Ty::Any | Ty::Null)
                    };
                    if !fits {
                        let as_what = if rel.length.is_some() {
                            "a variable-length relationship"
                        } else {
                            "a relationship"
                        };
                        return Err(syntax(
                            "VariableTypeConflict",
                            format!(
                                "variable `{}` is {}, so it cannot be used as {as_what}",
                                v.name,
                                t.describe()
                            ),
                            v.span,
                        ));
                    }
                }
                None if mode == PatMode::Predicate => {
                    return Err(self
                        .undefined(&v.name, v.span, scope)
                        .with_help("a pattern predicate cannot introduce new variables; use EXISTS { ... } or MATCH to bind it"));
                }
                None => {
                    let t = if rel.length.is_some() {
                        Ty::list(Ty::Rel)
                    } else {
                        Ty::Rel
                    };
                    scope.bind(&v.name, t);
                }
            }
            rels.push(v.name.clone());
        }
        if mode.creates() {
            let clause = mode.clause();
            if rel.length.is_some() {
                return Err(syntax(
                    "CreatingVarLength",
                    format!("{clause} cannot use a variable-length relationship"),
                    rel.span,
                ));
            }
            if rel.types.len() != 1 {
                let what = if rel.types.is_empty() {
                    "no type"
                } else {
                    "more than one type"
                };
                return Err(syntax(
                    "NoSingleRelationshipType",
                    format!("a relationship in {clause} must have exactly one type, but this one has {what}"),
                    rel.span,
                )
                .with_help("write the type after a colon, e.g. -[:KNOWS]->"));
            }
            if mode == PatMode::Create && rel.direction == Direction::Both {
                return Err(syntax(
                    "RequiresDirectedRelationship",
                    "a relationship in CREATE must have a direction: use -[...]-> or <-[...]-",
                    rel.span,
                ));
            }
        }
        Ok(())
    }

    /// Checks the property maps of a pattern's parts, once its variables are bound.
    pub(crate) fn pattern_properties(
        &mut self,
        parts: &[PatternPart],
        scope: &Scope,
        mode: PatMode,
    ) -> Result<()> {
        for part in parts {
            self.element_properties(&part.element, scope, mode)?;
        }
        Ok(())
    }

    /// Checks the property maps of one element.
    pub(crate) fn element_properties(
        &mut self,
        el: &PatternElement,
        scope: &Scope,
        mode: PatMode,
    ) -> Result<()> {
        let mut maps: Vec<&Expr> = el.start.properties.iter().collect();
        for (r, n) in &el.chain {
            maps.extend(r.properties.iter());
            maps.extend(n.properties.iter());
        }
        for m in maps {
            if let ExprKind::Parameter(name) = &m.kind {
                if mode != PatMode::Create {
                    return Err(syntax(
                        "InvalidParameterUse",
                        format!(
                            "parameter `${name}` cannot be used as a property map in {}",
                            mode.clause()
                        ),
                        m.span,
                    )
                    .with_help(format!(
                        "match on its entries instead, e.g. WHERE n.key = ${name}.key"
                    )));
                }
            }
            self.expr(m, scope, Cx::value("in a pattern's properties"))?;
        }
        Ok(())
    }
}
