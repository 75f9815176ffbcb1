//! The fact AST: what a fact file says, with a [`Span`] on everything a
//! message may point at. Built by [`super::parse`], consumed by
//! [`super::load`] and [`super::check`].

use crate::error::Span;
use crate::value::Date;

/// A parsed fact file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactFile {
    /// The items, in file order.
    pub items: Vec<Item>,
    /// Entity keys and article short names that items with a syntax error
    /// seem to declare: references to them are not reported again.
    pub unparsed_names: Vec<String>,
}

/// One top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `article 000 = "000_82e1541b34cdbfbf.txt"`.
    Article(ArticleDecl),
    /// `entity key :Label "Name" ...`.
    Entity(EntityDecl),
    /// `rel a -[TYPE]-> b ...`.
    Relation(RelationDecl),
}

/// A word with its position: a key, a label, a property name, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The text as written.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A string literal, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The value, escapes decoded.
    pub value: String,
    /// Where the literal is, quotes included.
    pub span: Span,
}

/// A short name for an article: citations may use `@000#3` instead of the
/// full file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleDecl {
    /// The short name (`000`).
    pub short: Ident,
    /// The article's file name.
    pub file: Text,
    /// The whole item.
    pub span: Span,
}

/// An entity.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityDecl {
    /// The unique key.
    pub key: Ident,
    /// The labels, first one primary.
    pub labels: Vec<Ident>,
    /// The canonical name (stored as the `name` property).
    pub name: Text,
    /// Other names.
    pub aliases: Vec<AliasDecl>,
    /// Typed properties.
    pub props: Vec<Property>,
    /// Citations.
    pub citations: Vec<CitationRef>,
    /// The header (`entity key :Label "Name"`), where item-level errors point.
    pub head: Span,
    /// The whole item.
    pub span: Span,
}

/// One alias, with its language tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasDecl {
    /// `fr`, `ar`, `en`, ... when given.
    pub lang: Option<Ident>,
    /// The name.
    pub text: Text,
}

/// A relation between two entities, by key.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationDecl {
    /// The source entity's key.
    pub from: Ident,
    /// The relation type (UPPER_SNAKE_CASE).
    pub rel_type: Ident,
    /// The target entity's key.
    pub to: Ident,
    /// Typed properties, including temporal qualifiers.
    pub props: Vec<Property>,
    /// Citations.
    pub citations: Vec<CitationRef>,
    /// The header (`rel a -[TYPE]-> b`), where item-level errors point.
    pub head: Span,
    /// The whole item.
    pub span: Span,
}

/// `key = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The property name.
    pub key: Ident,
    /// The value.
    pub value: Literal,
    /// The whole clause.
    pub span: Span,
}

/// A typed literal value.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The value.
    pub kind: LiteralKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of literal values.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralKind {
    /// `"text"`.
    String(String),
    /// `42`.
    Int(i64),
    /// `4.5`.
    Float(f64),
    /// `true`, `false`.
    Bool(bool),
    /// `date(2016)`, `2018-09`, `2023-03-20`.
    Date(Date),
    /// `[a, b]` of scalars.
    List(Vec<Literal>),
    /// A literal that failed to parse (its error was reported); kept so the
    /// rest of the file can still be checked.
    Invalid,
}

/// `@000#3`, `@000#3,7`, `@000#3-4`: an article and one or more sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationRef {
    /// The article as written: a short name or a file name.
    pub article: Ident,
    /// The sentence passages cited.
    pub passages: Vec<Passage>,
    /// The whole citation.
    pub span: Span,
}

/// A sentence, or up to three sentences read as one passage: a range `3-4`
/// or a join `3+7`, for a fact stated in one sentence whose subject is named
/// in another ("ce dialogue" in sentence 3, named in sentence 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// The sentence numbers (1-based), in the order written, no repeats.
    pub sentences: Vec<u32>,
    /// Where it is written.
    pub span: Span,
}

impl Passage {
    /// `3`, `3-4` or `3+7`, for messages.
    pub fn label(&self) -> String {
        let n: Vec<String> = self.sentences.iter().map(u32::to_string).collect();
        if n.len() == 1 {
            format!("sentence {}", n[0])
        } else {
            format!("sentences {}", n.join("+"))
        }
    }
}

impl Item {
    /// The whole item's span.
    pub fn span(&self) -> Span {
        match self {
            Item::Article(a) => a.span,
            Item::Entity(e) => e.span,
            Item::Relation(r) => r.span,
        }
    }
}
