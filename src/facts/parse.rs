//! Fact-file text → [`FactFile`], reporting every syntax error (one per item)
//! and every bad literal, in plain words.

use pest::iterators::Pair;
use pest::Parser;

use super::ast::*;
use super::data_error;
use crate::error::{Error, Span};
use crate::value::Date;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/facts.pest"]
struct FactParser;

/// The keywords that start an item, for cutting a file into chunks.
const ITEM_KEYWORDS: &[&str] = &["article", "entity", "rel"];

/// Parses a fact file. Returns the AST of everything that parsed, and the
/// errors (syntax errors, bad numbers, dates and escapes) in file order.
pub fn parse(text: &str) -> (FactFile, Vec<Error>) {
    let mut file = FactFile::default();
    let mut errors = Vec::new();
    // One pass over a valid file; cut it into items only to report errors.
    if let Ok(pairs) = FactParser::parse(Rule::file, text) {
        let mut b = Builder {
            offset: 0,
            errors: &mut errors,
        };
        for top in pairs {
            for pair in top.into_inner() {
                if let Some(item) = b.item(pair) {
                    file.items.push(item);
                }
            }
        }
        return (file, errors);
    }
    for (start, end) in chunks(text) {
        let chunk = &text[start..end];
        match FactParser::parse(Rule::file, chunk) {
            Ok(mut pairs) => {
                let mut b = Builder {
                    offset: start,
                    errors: &mut errors,
                };
                if let Some(top) = pairs.next() {
                    for pair in top.into_inner() {
                        if let Some(item) = b.item(pair) {
                            file.items.push(item);
                        }
                    }
                }
            }
            Err(e) => {
                errors.push(syntax_error(text, start, &e));
                declared_names(chunk, &mut file.unparsed_names);
            }
        }
    }
    (file, errors)
}

/// Cuts `text` at every line whose first word is an item keyword, so one
/// syntax error does not hide the next ones (an item never spans such a line:
/// strings end on their line and keys cannot be keywords).
fn chunks(text: &str) -> Vec<(usize, usize)> {
    let mut cuts = vec![0];
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let starts_item = ITEM_KEYWORDS.iter().any(|k| {
            trimmed.strip_prefix(k).is_some_and(|rest| {
                !rest
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        });
        if starts_item && pos > 0 {
            cuts.push(pos);
        }
        pos += line.len();
    }
    cuts.push(text.len());
    cuts.windows(2).map(|w| (w[0], w[1])).collect()
}

/// The words after `entity` and `article` in a chunk that failed to parse.
fn declared_names(chunk: &str, out: &mut Vec<String>) {
    let mut words = chunk.split_whitespace();
    while let Some(w) = words.next() {
        if w == "entity" || w == "article" {
            if let Some(name) = words.next() {
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
                    .collect();
                out.push(name);
            }
        }
    }
}

// ----- syntax errors in plain words ----------------------------------------

/// What a rule is, in words, for "expected ..." messages. Exhaustive on
/// purpose: a new grammar rule does not compile until it has a name.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::file => "a fact file",
        Rule::WHITESPACE => "white space",
        Rule::COMMENT => "a comment",
        Rule::item => "a new `entity`, `rel` or `article`",
        Rule::ident_char => "a letter, digit or `_`",
        Rule::keyword => "a keyword",
        Rule::entity_clause => "an alias, a property or a citation",
        Rule::rel_clause => "a property or a citation",
        Rule::value => "a value",
        Rule::scalar => "a value",
        Rule::kw_article => "`article`",
        Rule::kw_entity => "`entity`",
        Rule::kw_rel => "`rel`",
        Rule::kw_aka => "`aka`",
        Rule::article => "an article declaration",
        Rule::short_name => "a short name for the article (like `000`)",
        Rule::entity => "an entity",
        Rule::labels => "a label like `:Country`",
        Rule::relation => "a relation",
        Rule::key => "an entity key (letters, digits and `_`, like `morocco`)",
        Rule::label => "a label in PascalCase (like `Country`)",
        Rule::rel_type => "a relation type in UPPER_SNAKE_CASE (like `CO_CHAIRS`)",
        Rule::colon => "`:` and a label",
        Rule::eq => "`=`",
        Rule::comma => "`,`",
        Rule::arrow_open => "`-[` and a relation type",
        Rule::arrow_close => "`]->` to close the relation type",
        Rule::aka => "an alias (`aka fr \"...\"`)",
        Rule::lang => "a language tag (like `fr`, `ar`, `en`)",
        Rule::property => "a property (`key = value`)",
        Rule::prop_key => "a property (`key = value`)",
        Rule::citation => "a citation (like `@000#3`)",
        Rule::article_ref => "an article name after `@`",
        Rule::hash => "`#` and a sentence number",
        Rule::sentences => "a sentence number",
        Rule::list => "a list",
        Rule::list_open => "a value",
        Rule::list_close => "`]` to close the list",
        Rule::boolean => "a value",
        Rule::date_fn => "a value",
        Rule::date_body => "a date (YYYY, YYYY-MM or YYYY-MM-DD)",
        Rule::close_paren => "`)`",
        Rule::date => "a value",
        Rule::number => "a value",
        Rule::string => "a string in double quotes",
        Rule::str_inner => "the rest of the string",
        Rule::str_close => "a closing `\"` (strings end on their line)",
    }
}

/// Turns a pest error into an [`Error`] with a plain-words message.
fn syntax_error(text: &str, offset: usize, e: &pest::error::Error<Rule>) -> Error {
    use pest::error::{ErrorVariant, InputLocation};
    let at = offset
        + match e.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
    let (found, found_span) = found_at(text, at);
    let mut help = None;
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let item_kws = [Rule::kw_article, Rule::kw_entity, Rule::kw_rel];
            // At the very start pest names the whole-file rule: an item is expected.
            let all_item_kws =
                item_kws.iter().all(|r| positives.contains(r)) || positives.contains(&Rule::file);
            let mut phrases: Vec<&str> = Vec::new();
            for r in positives {
                if all_item_kws && (item_kws.contains(r) || matches!(r, Rule::EOI | Rule::file)) {
                    continue;
                }
                let p = describe(*r);
                if !phrases.contains(&p) {
                    phrases.push(p);
                }
            }
            if all_item_kws {
                phrases.push("a new `entity`, `rel` or `article`");
                help = keyword_hint(&found);
            }
            if positives.as_slice() == [Rule::eq] {
                // `entiy un :Label` reads as a property `entiy` of the item above.
                if let Some(prev) = previous_word(text, at) {
                    help = keyword_hint(prev)
                        .map(|h| format!("{h} (`{prev}` was read as a property name)"));
                }
            }
            if positives.contains(&Rule::rel_type) && !found.is_empty() {
                help = Some(format!(
                    "relation types are written in UPPER_SNAKE_CASE, like `{}`",
                    upper_snake(&found)
                ));
            } else if positives.contains(&Rule::label) && !found.is_empty() {
                help = Some("labels are written in PascalCase, like `Country`".into());
            }
            format!(
                "expected {}, found {}",
                join_or(&phrases),
                describe_found(&found)
            )
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let mut err = data_error("FactSyntax", message, found_span);
    if let Some(h) = help {
        err = err.with_help(h);
    }
    err
}

/// The token at `at` (up to white space), and its span.
fn found_at(text: &str, at: usize) -> (String, Span) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let rest = &text[at..];
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let len = match rest.chars().next() {
        None => 0,
        Some(c) if c.is_whitespace() => 0,
        Some(c) if word(c) => rest
            .char_indices()
            .find(|(_, c)| !word(*c))
            .map_or(rest.len(), |(i, _)| i),
        Some(c) => c.len_utf8(),
    };
    let token: String = rest[..len].chars().take(30).collect();
    (token, Span::new(at, at + len))
}

/// The word just before `at`, skipping white space.
fn previous_word(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?.trim_end();
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &before[start..];
    (!word.is_empty()).then_some(word)
}

fn describe_found(found: &str) -> String {
    if found.is_empty() {
        "the end of the line".into()
    } else {
        format!("`{found}`")
    }
}

fn keyword_hint(found: &str) -> Option<String> {
    let word: String = found
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if word.is_empty() {
        return None;
    }
    let best = ["entity", "rel", "article", "aka"]
        .into_iter()
        .map(|k| (super::edit_distance(&word, k), k))
        .min()?;
    (best.0 > 0 && best.0 <= 2).then(|| format!("did you mean `{}`?", best.1))
}

fn upper_snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars().take_while(|c| c.is_alphanumeric() || *c == '_') {
        if c.is_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_lowercase();
        out.extend(c.to_uppercase());
    }
    if out.is_empty() {
        "CO_CHAIRS".into()
    } else {
        out
    }
}

fn join_or(phrases: &[&str]) -> String {
    match phrases {
        [] => "something else".into(),
        [one] => (*one).into(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

// ----- pairs → AST ----------------------------------------------------------

struct Builder<'e> {
    offset: usize,
    errors: &'e mut Vec<Error>,
}

impl Builder<'_> {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.offset + s.start(), self.offset + s.end())
    }

    fn ident(&self, p: &Pair<Rule>) -> Ident {
        Ident {
            text: p.as_str().to_string(),
            span: self.span(p),
        }
    }

    fn item(&mut self, pair: Pair<Rule>) -> Option<Item> {
        match pair.as_rule() {
            Rule::article => Some(Item::Article(self.article(pair))),
            Rule::entity => Some(Item::Entity(self.entity(pair))),
            Rule::relation => Some(Item::Relation(self.relation(pair))),
            _ => None, // EOI
        }
    }

    fn article(&mut self, pair: Pair<Rule>) -> ArticleDecl {
        let span = self.span(&pair);
        let mut short = None;
        let mut file = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::short_name => short = Some(self.ident(&p)),
                Rule::string => file = Some(self.string(p)),
                _ => {}
            }
        }
        ArticleDecl {
            short: short.unwrap_or_else(|| empty_ident(span)),
            file: file.unwrap_or_else(|| empty_text(span)),
            span,
        }
    }

    fn entity(&mut self, pair: Pair<Rule>) -> EntityDecl {
        let span = self.span(&pair);
        let mut e = EntityDecl {
            key: empty_ident(span),
            labels: Vec::new(),
            name: empty_text(span),
            aliases: Vec::new(),
            props: Vec::new(),
            citations: Vec::new(),
            head: span,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::key => e.key = self.ident(&p),
                Rule::labels => {
                    for l in p.into_inner().filter(|l| l.as_rule() == Rule::label) {
                        e.labels.push(self.ident(&l));
                    }
                }
                Rule::string => {
                    e.name = self.string(p);
                    e.head = Span::new(span.start, e.name.span.end);
                }
                Rule::aka => self.aka(p, &mut e.aliases),
                Rule::property => e.props.push(self.property(p)),
                Rule::citation => e.citations.push(self.citation(p)),
                _ => {}
            }
        }
        e
    }

    fn relation(&mut self, pair: Pair<Rule>) -> RelationDecl {
        let span = self.span(&pair);
        let mut keys = Vec::new();
        let mut r = RelationDecl {
            from: empty_ident(span),
            rel_type: empty_ident(span),
            to: empty_ident(span),
            props: Vec::new(),
            citations: Vec::new(),
            head: span,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::key => keys.push(self.ident(&p)),
                Rule::rel_type => r.rel_type = self.ident(&p),
                Rule::property => r.props.push(self.property(p)),
                Rule::citation => r.citations.push(self.citation(p)),
                _ => {}
            }
        }
        let mut keys = keys.into_iter();
        if let (Some(a), Some(b)) = (keys.next(), keys.next()) {
            r.head = Span::new(span.start, b.span.end);
            r.from = a;
            r.to = b;
        }
        r
    }

    fn aka(&mut self, pair: Pair<Rule>, out: &mut Vec<AliasDecl>) {
        let mut lang = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::lang => lang = Some(self.ident(&p)),
                Rule::string => out.push(AliasDecl {
                    lang: lang.clone(),
                    text: self.string(p),
                }),
                _ => {}
            }
        }
    }

    fn property(&mut self, pair: Pair<Rule>) -> Property {
        let span = self.span(&pair);
        let mut key = empty_ident(span);
        let mut value = Literal {
            kind: LiteralKind::Invalid,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::prop_key => key = self.ident(&p),
                Rule::eq => {}
                _ => value = self.literal(p),
            }
        }
        Property { key, value, span }
    }

    fn literal(&mut self, p: Pair<Rule>) -> Literal {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::string => LiteralKind::String(self.string(p).value),
            Rule::boolean => LiteralKind::Bool(p.as_str() == "true"),
            Rule::number => self.number(p.as_str(), span),
            Rule::date => self.date(p.as_str(), span),
            Rule::date_fn => {
                let body = p.into_inner().find(|b| b.as_rule() == Rule::date_body);
                match body {
                    Some(b) => {
                        let s = self.span(&b);
                        self.date(b.as_str(), s)
                    }
                    None => LiteralKind::Invalid,
                }
            }
            Rule::list => LiteralKind::List(
                p.into_inner()
                    .filter(|i| {
                        !matches!(
                            i.as_rule(),
                            Rule::list_open | Rule::list_close | Rule::comma
                        )
                    })
                    .map(|i| self.literal(i))
                    .collect(),
            ),
            _ => LiteralKind::Invalid,
        };
        Literal { kind, span }
    }

    fn number(&mut self, raw: &str, span: Span) -> LiteralKind {
        let digits: String = raw.chars().filter(|c| *c != '_').collect();
        let is_float = digits.contains(['.', 'e', 'E']);
        let parsed = if is_float {
            match digits.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(LiteralKind::Float(x)),
                Ok(_) => Err("it is too large for a 64-bit float".to_string()),
                Err(_) => Err("expected an integer like `42` or a float like `4.5`".into()),
            }
        } else {
            match digits.parse::<i64>() {
                Ok(i) => Ok(LiteralKind::Int(i)),
                Err(e) => Err(match e.kind() {
                    std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                        "it is out of range for a 64-bit integer".to_string()
                    }
                    _ => "expected an integer like `42` or a float like `4.5`".into(),
                }),
            }
        };
        parsed.unwrap_or_else(|why| {
            self.errors.push(data_error(
                "BadNumber",
                format!("bad number `{raw}`: {why}"),
                span,
            ));
            LiteralKind::Invalid
        })
    }

    fn date(&mut self, raw: &str, span: Span) -> LiteralKind {
        match Date::parse(raw) {
            Ok(d) => LiteralKind::Date(d),
            Err(e) => {
                self.errors.push(
                    data_error("BadDate", format!("bad date: {e}"), span).with_help(
                        "dates are ISO 8601: `date(2016)` for a year, `2018-09`, `2023-03-20`",
                    ),
                );
                LiteralKind::Invalid
            }
        }
    }

    fn string(&mut self, pair: Pair<Rule>) -> Text {
        let span = self.span(&pair);
        let inner = pair.into_inner().find(|p| p.as_rule() == Rule::str_inner);
        let (raw, base) = match &inner {
            Some(p) => (p.as_str(), self.span(p).start),
            None => ("", span.start),
        };
        Text {
            value: self.unescape(raw, base),
            span,
        }
    }

    fn unescape(&mut self, raw: &str, base: usize) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut it = raw.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = it.next() else { break };
            match e {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'u' => {
                    let rest = &raw[i + 2..];
                    let decoded = rest
                        .strip_prefix('{')
                        .and_then(|r| r.split_once('}'))
                        .and_then(|(hex, _)| {
                            let cp = u32::from_str_radix(hex, 16).ok()?;
                            Some((char::from_u32(cp)?, hex.len() + 2))
                        });
                    match decoded {
                        Some((ch, len)) => {
                            out.push(ch);
                            for _ in 0..len {
                                it.next();
                            }
                        }
                        None => self.errors.push(data_error(
                            "BadEscape",
                            "bad `\\u` escape: expected `\\u{` hex digits of a Unicode scalar `}`",
                            Span::new(base + i, base + i + 2),
                        )),
                    }
                }
                other => self.errors.push(
                    data_error(
                        "BadEscape",
                        format!("unknown escape `\\{other}` in a string"),
                        Span::new(base + i, base + i + 1 + other.len_utf8()),
                    )
                    .with_help("strings know `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`"),
                ),
            }
        }
        out
    }

    fn citation(&mut self, pair: Pair<Rule>) -> CitationRef {
        let span = self.span(&pair);
        let mut article = empty_ident(span);
        let mut passages = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::article_ref => article = self.ident(&p),
                Rule::sentences => {
                    let base = self.span(&p).start;
                    let mut at = base;
                    for item in p.as_str().split(',') {
                        if let Some(passage) = self.passage(item, at) {
                            passages.push(passage);
                        }
                        at += item.len() + 1;
                    }
                }
                _ => {}
            }
        }
        CitationRef {
            article,
            passages,
            span,
        }
    }

    /// One passage: `3`, `3-4`, `3+7` (the grammar guarantees digits
    /// separated by `-` and `+`); `at` is where `item` starts.
    fn passage(&mut self, item: &str, at: usize) -> Option<Passage> {
        let span = Span::new(at, at + item.len());
        let mut sentences: Vec<u32> = Vec::new();
        let mut part_at = at;
        for part in item.split('+') {
            let part_span = Span::new(part_at, part_at + part.len());
            part_at += part.len() + 1;
            let mut nums = Vec::new();
            let mut n_at = part_span.start;
            for n in part.split('-') {
                let s = Span::new(n_at, n_at + n.len());
                n_at += n.len() + 1;
                match n.parse::<u32>() {
                    Ok(v) if v >= 1 => nums.push(v),
                    _ => {
                        self.errors.push(data_error(
                            "BadSentence",
                            format!("bad sentence number `{n}`: sentences are numbered from 1"),
                            s,
                        ));
                        return None;
                    }
                }
            }
            let (first, last) = match nums.as_slice() {
                [one] => (*one, *one),
                [a, b] => (*a, *b),
                _ => {
                    self.errors.push(data_error(
                        "BadSentence",
                        format!("bad sentence range `{part}`: write `3-4`"),
                        part_span,
                    ));
                    return None;
                }
            };
            if last < first {
                self.errors.push(data_error(
                    "BadSentence",
                    format!("bad sentence range {first}-{last}: the range runs backwards"),
                    part_span,
                ));
                return None;
            }
            if last - first >= 3 {
                // Too long either way; checked before expanding a huge range.
                sentences.extend([first, first + 1, first + 2, first + 3]);
                break;
            }
            for n in first..=last {
                if !sentences.contains(&n) {
                    sentences.push(n);
                }
            }
        }
        if sentences.len() > 3 {
            self.errors.push(
                data_error(
                    "BadSentence",
                    "a passage covers at most 3 sentences".to_string(),
                    span,
                )
                .with_help("cite the sentences separately: `@000#3,4,5`"),
            );
            return None;
        }
        Some(Passage { sentences, span })
    }
}

fn empty_ident(span: Span) -> Ident {
    Ident {
        text: String::new(),
        span,
    }
}

fn empty_text(span: Span) -> Text {
    Text {
        value: String::new(),
        span,
    }
}
