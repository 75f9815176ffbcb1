//! The names a Cypher export gives its helpers (a temporary label and node
//! id property) and kg's own data (key, aliases, citations), chosen so that
//! none of them is a label or property name of the exported graph. The
//! script declares them in a comment line that the importer reads back, so
//! a user property `_kgid` or `_key`, or a label `_KgImport`, is carried like
//! any other.

use std::collections::HashSet;

use super::{ALIASES_PROP, KEY_PROP, KGID_PROP, SOURCES_PROP};

/// The label nodes carry while a script runs (removed at its end).
pub const IMPORT_LABEL: &str = "_KgImport";

/// The comment prefix declaring the names of a script.
const DECLARATION: &str = "// kg-names:";

/// The helper and kg-data names of one Cypher script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CypherNames {
    /// The temporary node property relations find their ends by.
    pub id_prop: String,
    /// The temporary label of every created node.
    pub import_label: String,
    /// The property holding an entity's key.
    pub key_prop: String,
    /// The property holding an entity's aliases (JSON).
    pub aliases_prop: String,
    /// The property holding citations (JSON), on entities and relations.
    pub sources_prop: String,
}

impl Default for CypherNames {
    fn default() -> CypherNames {
        CypherNames {
            id_prop: KGID_PROP.into(),
            import_label: IMPORT_LABEL.into(),
            key_prop: KEY_PROP.into(),
            aliases_prop: ALIASES_PROP.into(),
            sources_prop: SOURCES_PROP.into(),
        }
    }
}

/// `base` when it is not taken, else the first free `base_N`.
pub fn fresh_name(base: &str, taken: &HashSet<&str>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (1u64..)
        .map(|n| format!("{base}_{n}"))
        .find(|name| !taken.contains(name.as_str()))
        .unwrap_or_else(|| base.to_string())
}

impl CypherNames {
    /// Names that are none of `labels` (for the label) and none of `props`
    /// (for the properties). The defaults are kept whenever they are free.
    pub fn avoiding<'a>(
        labels: impl IntoIterator<Item = &'a str>,
        props: impl IntoIterator<Item = &'a str>,
    ) -> CypherNames {
        let labels: HashSet<&str> = labels.into_iter().collect();
        let props: HashSet<&str> = props.into_iter().collect();
        let d = CypherNames::default();
        CypherNames {
            id_prop: fresh_name(&d.id_prop, &props),
            import_label: fresh_name(&d.import_label, &labels),
            key_prop: fresh_name(&d.key_prop, &props),
            aliases_prop: fresh_name(&d.aliases_prop, &props),
            sources_prop: fresh_name(&d.sources_prop, &props),
        }
    }

    /// The comment line declaring these names.
    pub fn declaration(&self) -> String {
        format!(
            "{DECLARATION} id={} label={} key={} aliases={} sources={}",
            self.id_prop, self.import_label, self.key_prop, self.aliases_prop, self.sources_prop
        )
    }

    /// The names a script declares in its leading comments, or the defaults
    /// (scripts written before the declaration existed).
    pub fn of_script(text: &str) -> CypherNames {
        let mut names = CypherNames::default();
        let line = text
            .lines()
            .map(str::trim)
            .take_while(|l| l.is_empty() || l.starts_with("//"))
            .find_map(|l| l.strip_prefix(DECLARATION));
        let Some(line) = line else {
            return names;
        };
        for (k, v) in line.split_whitespace().filter_map(|kv| kv.split_once('=')) {
            let slot = match k {
                "id" => &mut names.id_prop,
                "label" => &mut names.import_label,
                "key" => &mut names.key_prop,
                "aliases" => &mut names.aliases_prop,
                "sources" => &mut names.sources_prop,
                _ => continue,
            };
            *slot = v.to_string();
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_names_get_a_free_suffix_and_read_back() {
        let n = CypherNames::avoiding(["_KgImport", "A"], ["_kgid", "_kgid_1", "_key", "x"]);
        assert_eq!(n.id_prop, "_kgid_2");
        assert_eq!(n.import_label, "_KgImport_1");
        assert_eq!(n.key_prop, "_key_1");
        assert_eq!(n.aliases_prop, "_aliases");
        let script = format!("// a comment\n{}\nCREATE ();\n", n.declaration());
        assert_eq!(CypherNames::of_script(&script), n);
        assert_eq!(
            CypherNames::of_script("CREATE ();\n// kg-names: id=x\n"),
            CypherNames::default()
        );
    }
}
