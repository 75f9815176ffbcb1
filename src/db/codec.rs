//! The binary encoding shared by snapshots and the write-ahead log:
//! LEB128 varints, length-prefixed UTF-8 strings, tagged values.
//!
//! In a snapshot, labels, relation types, property keys, article names and
//! alias languages are written as indexes into a symbol table at the start of
//! the body; in the log they are written inline (each record stands alone).

use indexmap::IndexSet;

use crate::store::{
    Alias, Citation, Entity, EntityId, IndexDef, IndexTarget, Mutation, RelType, Relation,
    RelationId,
};
use crate::value::{Date, Path, Value, ValueMap};

/// The little-endian `u32` at the start of `b` (at least 4 bytes).
pub(crate) fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

/// The little-endian `u64` at the start of `b` (at least 8 bytes).
pub(crate) fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// Writes the encoding into a byte buffer.
pub(crate) struct Enc {
    /// The bytes written so far.
    pub buf: Vec<u8>,
    /// The symbol table (snapshots) or `None` (symbols written inline).
    pub syms: Option<IndexSet<String>>,
}

impl Enc {
    /// An encoder writing symbols inline.
    pub fn inline() -> Enc {
        Enc {
            buf: Vec::new(),
            syms: None,
        }
    }

    /// An encoder collecting symbols into a table.
    pub fn with_symbols() -> Enc {
        Enc {
            buf: Vec::new(),
            syms: Some(IndexSet::new()),
        }
    }

    pub fn u8(&mut self, b: u8) {
        self.buf.push(b);
    }

    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub fn zigzag(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    pub fn str(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// A string that repeats a lot (labels, types, keys, articles).
    pub fn sym(&mut self, s: &str) {
        match &mut self.syms {
            None => self.str(s),
            Some(table) => {
                let ix = match table.get_index_of(s) {
                    Some(ix) => ix,
                    None => table.insert_full(s.to_string()).0,
                };
                self.varint(ix as u64);
            }
        }
    }

    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.u8(0),
            Value::Bool(false) => self.u8(1),
            Value::Bool(true) => self.u8(2),
            Value::Int(i) => {
                self.u8(3);
                self.zigzag(*i);
            }
            Value::Float(f) => {
                self.u8(4);
                self.buf.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            Value::String(s) => {
                self.u8(5);
                self.str(s);
            }
            Value::Date(d) => {
                self.u8(6);
                self.zigzag(i64::from(d.year));
                self.u8(d.month.unwrap_or(0));
                self.u8(d.day.unwrap_or(0));
            }
            Value::List(items) => {
                self.u8(7);
                self.varint(items.len() as u64);
                for it in items {
                    self.value(it);
                }
            }
            Value::Map(m) => {
                self.u8(8);
                self.varint(m.len() as u64);
                for (k, v) in m {
                    self.str(k);
                    self.value(v);
                }
            }
            Value::Node(id) => {
                self.u8(9);
                self.varint(id.0);
            }
            Value::Relationship(id) => {
                self.u8(10);
                self.varint(id.0);
            }
            Value::Path(p) => {
                self.u8(11);
                self.varint(p.nodes.len() as u64);
                for n in &p.nodes {
                    self.varint(n.0);
                }
                self.varint(p.rels.len() as u64);
                for r in &p.rels {
                    self.varint(r.0);
                }
            }
        }
    }

    fn opt_value(&mut self, v: &Option<Value>) {
        match v {
            None => self.u8(ABSENT),
            Some(v) => self.value(v),
        }
    }

    fn props(&mut self, props: &ValueMap) {
        self.varint(props.len() as u64);
        for (k, v) in props {
            self.sym(k);
            self.value(v);
        }
    }

    fn sources(&mut self, sources: &[Citation]) {
        self.varint(sources.len() as u64);
        for c in sources {
            self.sym(&c.article);
            self.varint(u64::from(c.sentence));
        }
    }

    fn alias(&mut self, a: &Alias) {
        self.str(&a.text);
        match &a.lang {
            None => self.u8(0),
            Some(l) => {
                self.u8(1);
                self.sym(l);
            }
        }
    }

    pub fn entity(&mut self, e: &Entity) {
        self.varint(e.id.0);
        match &e.key {
            None => self.u8(0),
            Some(k) => {
                self.u8(1);
                self.str(k);
            }
        }
        self.varint(e.labels.len() as u64);
        for l in &e.labels {
            self.sym(l);
        }
        self.props(&e.props);
        self.varint(e.aliases.len() as u64);
        for a in &e.aliases {
            self.alias(a);
        }
        self.sources(&e.sources);
    }

    pub fn relation(&mut self, r: &Relation) {
        self.varint(r.id.0);
        self.varint(r.from.0);
        self.varint(r.to.0);
        self.sym(&r.rel_type);
        self.props(&r.props);
        self.sources(&r.sources);
    }

    pub fn mutation(&mut self, m: &Mutation) {
        match m {
            Mutation::AddEntity(e) => {
                self.u8(0);
                self.entity(e);
            }
            Mutation::RemoveEntity(e) => {
                self.u8(1);
                self.entity(e);
            }
            Mutation::AddRelation(r) => {
                self.u8(2);
                self.relation(r);
            }
            Mutation::RemoveRelation(r) => {
                self.u8(3);
                self.relation(r);
            }
            Mutation::SetEntityProp { id, key, old, new } => {
                self.u8(4);
                self.varint(id.0);
                self.sym(key);
                self.opt_value(old);
                self.opt_value(new);
            }
            Mutation::SetRelationProp { id, key, old, new } => {
                self.u8(5);
                self.varint(id.0);
                self.sym(key);
                self.opt_value(old);
                self.opt_value(new);
            }
            Mutation::AddLabel(id, l) => {
                self.u8(6);
                self.varint(id.0);
                self.sym(l);
            }
            Mutation::RemoveLabel(id, l, pos) => {
                self.u8(7);
                self.varint(id.0);
                self.sym(l);
                self.varint(*pos as u64);
            }
            Mutation::AddAlias(id, a) => {
                self.u8(8);
                self.varint(id.0);
                self.alias(a);
            }
            Mutation::CreateIndex(def) => {
                self.u8(9);
                self.index_def(def);
            }
            Mutation::DropIndex(def) => {
                self.u8(10);
                self.index_def(def);
            }
        }
    }

    /// An index definition: name, target (0 nodes, 1 relationships), label
    /// or type, property.
    pub fn index_def(&mut self, def: &IndexDef) {
        self.str(&def.name);
        self.u8(match def.target {
            IndexTarget::Node => 0,
            IndexTarget::Relationship => 1,
        });
        self.sym(&def.token);
        self.sym(&def.property);
    }
}

/// The tag of an absent optional value (a property that was or became unset).
const ABSENT: u8 = 0xff;

/// How deep lists and maps may nest in stored data (a guard against crafted
/// files blowing the stack).
const MAX_DEPTH: usize = 64;

/// Reads the encoding from a byte slice; errors name the offset (relative to
/// `base`, the slice's position in its file).
pub(crate) struct Dec<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
    /// The symbol table, when decoding a snapshot body.
    pub syms: Option<Vec<crate::value::Key>>,
    /// Relation types already interned, by symbol index.
    rel_types: Vec<Option<RelType>>,
}

/// A decoding failure: what was wrong and at which file offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    /// The file offset.
    pub offset: u64,
    /// What was expected.
    pub message: String,
}

type R<T> = Result<T, DecodeError>;

impl<'a> Dec<'a> {
    /// A decoder over `data`, which starts at file offset `base`.
    pub fn new(data: &'a [u8], base: u64) -> Dec<'a> {
        Dec {
            data,
            pos: 0,
            base,
            syms: None,
            rel_types: Vec::new(),
        }
    }

    /// True when every byte was read.
    pub fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// An error at the current position.
    pub fn err<T>(&self, message: impl Into<String>) -> R<T> {
        Err(DecodeError {
            offset: self.base + self.pos as u64,
            message: message.into(),
        })
    }

    pub fn u8(&mut self) -> R<u8> {
        match self.data.get(self.pos) {
            Some(b) => {
                self.pos += 1;
                Ok(*b)
            }
            None => self.err("unexpected end of data"),
        }
    }

    pub fn varint(&mut self) -> R<u64> {
        let mut v: u64 = 0;
        let mut shift = 0;
        loop {
            let b = self.u8()?;
            if shift == 63 && b > 1 {
                return self.err("number too large");
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return self.err("number too large");
            }
        }
    }

    /// A count of items that each take at least one byte (so a corrupt count
    /// cannot make us reserve absurd amounts of memory).
    pub fn count(&mut self) -> R<usize> {
        let n = self.varint()?;
        if n > (self.data.len() - self.pos) as u64 {
            return self.err(format!("count {n} exceeds the remaining data"));
        }
        Ok(n as usize)
    }

    fn zigzag(&mut self) -> R<i64> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    pub fn str(&mut self) -> R<String> {
        let n = self.count()?;
        let bytes = &self.data[self.pos..self.pos + n];
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                self.pos += n;
                Ok(s.to_string())
            }
            Err(_) => self.err("a string is not valid UTF-8"),
        }
    }

    fn sym(&mut self) -> R<crate::value::Key> {
        if self.syms.is_none() {
            return Ok(self.str()?.into());
        }
        let ix = self.varint()?;
        match self.syms.as_ref().and_then(|t| t.get(ix as usize)) {
            Some(s) => Ok(s.clone()),
            None => self.err(format!("symbol {ix} is not in the table")),
        }
    }

    /// A relation type: a symbol, interned once per symbol.
    fn rel_type(&mut self) -> R<RelType> {
        if self.syms.is_none() {
            return Ok(RelType::new(&self.str()?));
        }
        let ix = self.varint()? as usize;
        if let Some(Some(t)) = self.rel_types.get(ix) {
            return Ok(*t);
        }
        let t = match self.syms.as_ref().and_then(|t| t.get(ix)) {
            Some(name) => RelType::new(name),
            None => return self.err(format!("symbol {ix} is not in the table")),
        };
        if self.rel_types.len() <= ix {
            self.rel_types.resize(ix + 1, None);
        }
        self.rel_types[ix] = Some(t);
        Ok(t)
    }

    fn id(&mut self) -> R<u64> {
        self.varint()
    }

    pub fn value(&mut self) -> R<Value> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> R<Value> {
        if depth > MAX_DEPTH {
            return self.err("values nest too deeply");
        }
        let tag = self.u8()?;
        Ok(match tag {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Int(self.zigzag()?),
            4 => {
                if self.data.len() - self.pos < 8 {
                    return self.err("unexpected end of data in a float");
                }
                let mut b = [0u8; 8];
                b.copy_from_slice(&self.data[self.pos..self.pos + 8]);
                self.pos += 8;
                Value::Float(f64::from_bits(u64::from_le_bytes(b)))
            }
            5 => Value::String(self.str()?),
            6 => {
                let year = self.zigzag()?;
                let year = match i32::try_from(year) {
                    Ok(y) => y,
                    Err(_) => return self.err("date year out of range"),
                };
                let month = self.u8()?;
                let day = self.u8()?;
                if month > 12 || day > 31 || (month == 0 && day != 0) {
                    return self.err("invalid date");
                }
                Value::Date(Date {
                    year,
                    month: (month != 0).then_some(month),
                    day: (day != 0).then_some(day),
                })
            }
            7 => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value_at(depth + 1)?);
                }
                Value::List(items)
            }
            8 => {
                let n = self.count()?;
                let mut m = Vec::with_capacity(n.min(4096));
                for _ in 0..n {
                    let k = self.str()?;
                    let v = self.value_at(depth + 1)?;
                    m.push((k, v));
                }
                Value::Map(m.into_iter().collect())
            }
            9 => Value::Node(EntityId(self.id()?)),
            10 => Value::Relationship(RelationId(self.id()?)),
            11 => {
                let n = self.count()?;
                let mut nodes = Vec::with_capacity(n);
                for _ in 0..n {
                    nodes.push(EntityId(self.id()?));
                }
                let n = self.count()?;
                let mut rels = Vec::with_capacity(n);
                for _ in 0..n {
                    rels.push(RelationId(self.id()?));
                }
                Value::Path(Box::new(Path { nodes, rels }))
            }
            t => {
                self.pos -= 1;
                return self.err(format!("unknown value tag {t}"));
            }
        })
    }

    fn opt_value(&mut self) -> R<Option<Value>> {
        if self.data.get(self.pos) == Some(&ABSENT) {
            self.pos += 1;
            return Ok(None);
        }
        self.value().map(Some)
    }

    fn props(&mut self) -> R<ValueMap> {
        let n = self.count()?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let k = self.sym()?;
            let v = self.value()?;
            entries.push((k, v));
        }
        Ok(entries.into_iter().collect())
    }

    fn sources(&mut self) -> R<Vec<Citation>> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let article = String::from(self.sym()?);
            let sentence = self.varint()?;
            let sentence = match u32::try_from(sentence) {
                Ok(s) => s,
                Err(_) => return self.err("sentence number out of range"),
            };
            out.push(Citation { article, sentence });
        }
        Ok(out)
    }

    fn alias(&mut self) -> R<Alias> {
        let text = self.str()?;
        let lang = match self.u8()? {
            0 => None,
            1 => Some(String::from(self.sym()?)),
            t => return self.err(format!("bad alias language tag {t}")),
        };
        Ok(Alias { text, lang })
    }

    pub fn entity(&mut self) -> R<Entity> {
        let id = EntityId(self.id()?);
        let key = match self.u8()? {
            0 => None,
            1 => Some(self.str()?),
            t => return self.err(format!("bad key tag {t}")),
        };
        let n = self.count()?;
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            labels.push(String::from(self.sym()?));
        }
        let props = self.props()?;
        let n = self.count()?;
        let mut aliases = Vec::with_capacity(n);
        for _ in 0..n {
            aliases.push(self.alias()?);
        }
        let sources = self.sources()?;
        Ok(Entity {
            id,
            key,
            labels,
            props,
            aliases,
            sources,
        })
    }

    pub fn relation(&mut self) -> R<Relation> {
        let id = RelationId(self.id()?);
        let from = EntityId(self.id()?);
        let to = EntityId(self.id()?);
        let rel_type = self.rel_type()?;
        let props = self.props()?;
        let sources = self.sources()?;
        Ok(Relation {
            id,
            from,
            to,
            rel_type,
            props,
            sources: sources.into_boxed_slice(),
        })
    }

    /// An index definition (see [`Enc::index_def`]).
    pub fn index_def(&mut self) -> R<IndexDef> {
        let name = self.str()?;
        let target = match self.u8()? {
            0 => IndexTarget::Node,
            1 => IndexTarget::Relationship,
            t => {
                self.pos -= 1;
                return self.err(format!("unknown index target {t}"));
            }
        };
        let token = String::from(self.sym()?);
        let property = String::from(self.sym()?);
        Ok(IndexDef {
            name,
            target,
            token,
            property,
        })
    }

    pub fn mutation(&mut self) -> R<Mutation> {
        let tag = self.u8()?;
        Ok(match tag {
            0 => Mutation::AddEntity(self.entity()?),
            1 => Mutation::RemoveEntity(self.entity()?),
            2 => Mutation::AddRelation(self.relation()?),
            3 => Mutation::RemoveRelation(self.relation()?),
            4 => Mutation::SetEntityProp {
                id: EntityId(self.id()?),
                key: String::from(self.sym()?),
                old: self.opt_value()?,
                new: self.opt_value()?,
            },
            5 => Mutation::SetRelationProp {
                id: RelationId(self.id()?),
                key: String::from(self.sym()?),
                old: self.opt_value()?,
                new: self.opt_value()?,
            },
            6 => Mutation::AddLabel(EntityId(self.id()?), String::from(self.sym()?)),
            7 => {
                let id = EntityId(self.id()?);
                let l = String::from(self.sym()?);
                let pos = self.varint()? as usize;
                Mutation::RemoveLabel(id, l, pos)
            }
            8 => Mutation::AddAlias(EntityId(self.id()?), self.alias()?),
            9 => Mutation::CreateIndex(self.index_def()?),
            10 => Mutation::DropIndex(self.index_def()?),
            t => {
                self.pos -= 1;
                return self.err(format!("unknown change tag {t}"));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let mut m = ValueMap::default();
        m.insert("a", Value::Int(-3));
        let values = vec![
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Int(0),
            Value::Float(-0.5),
            Value::String("Maroc المغرب".into()),
            Value::Date(Date {
                year: -44,
                month: Some(3),
                day: Some(15),
            }),
            Value::Date(Date {
                year: 2018,
                month: None,
                day: None,
            }),
            Value::List(vec![Value::Int(1), Value::String("x".into())]),
            Value::Map(m),
            Value::Node(EntityId(7)),
            Value::Relationship(RelationId(u64::MAX)),
            Value::Path(Box::new(Path {
                nodes: vec![EntityId(1), EntityId(2)],
                rels: vec![RelationId(3)],
            })),
        ];
        for v in values {
            let mut e = Enc::inline();
            e.value(&v);
            let mut d = Dec::new(&e.buf, 0);
            assert_eq!(d.value(), Ok(v.clone()));
            assert!(d.at_end());
            // Every strict prefix fails cleanly.
            for cut in 0..e.buf.len() {
                let mut d = Dec::new(&e.buf[..cut], 0);
                assert!(d.value().is_err(), "{v:?} cut at {cut}");
            }
        }
    }

    #[test]
    fn bad_tags_report_offsets() {
        let mut d = Dec::new(&[3, 2, 77], 100);
        assert_eq!(d.value(), Ok(Value::Int(1)));
        let e = d.value().unwrap_err();
        assert_eq!(e.offset, 102);
        assert!(e.message.contains("unknown value tag 77"));
        let mut d = Dec::new(&[0xff; 11], 0);
        assert!(d.varint().is_err());
        let mut d = Dec::new(&[5, 0xff, 0xff, 0x03], 0);
        assert!(d.value().unwrap_err().message.contains("exceeds"));
    }
}
