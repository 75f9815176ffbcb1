//! Shell commands: the `:`-prefixed lines of the REPL and of scripts.
//!
//! [`Command::parse`] is pure, so every command and every mistake is
//! unit-tested without a terminal.

use std::fmt;

/// One shell command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `:help [command]`
    Help(Option<String>),
    /// `:quit` / `:exit`
    Quit,
    /// `:schema`: labels with counts, relation types with endpoint labels, property keys with types.
    Schema,
    /// `:stats`: graph size.
    Stats,
    /// `:format table|json|jsonl|csv|tsv|markdown` (no argument: show the current one).
    Format(Option<String>),
    /// `:maxrows N` (0 = no limit; no argument: show).
    MaxRows(Option<usize>),
    /// `:maxwidth N`: fit tables into N columns (0 = the terminal's width;
    /// no argument: show).
    MaxWidth(Option<usize>),
    /// `:timing on|off` (no argument: show).
    Timing(Option<bool>),
    /// `:warnings on|off`: notifications about unknown names (no argument: show).
    Warnings(Option<bool>),
    /// `:param name => expression`
    Param(String, String),
    /// `:param {name: expression, ...}` (cypher-shell 5): set several.
    ParamMap(String),
    /// `:param name`: show one parameter.
    ParamShow(String),
    /// `:params`: list parameters.
    Params,
    /// `:param clear`
    ParamClear,
    /// `:source FILE`: run a script.
    Source(String),
    /// `:dot [QUERY] [> FILE]`: DOT of the last result or of a query.
    Dot {
        /// The query; `None` means the last result.
        query: Option<String>,
        /// Where to write; `None` means standard output.
        file: Option<String>,
    },
    /// `:save [FILE]`: write a snapshot of the graph to FILE, or checkpoint
    /// the session's graph file.
    Save(Option<String>),
    /// `:open FILE`: replace the graph with a snapshot or fact file.
    Open(String),
    /// `:explain QUERY`
    Explain(String),
    /// `:sources`: the citations of the last result, with sentence text when the corpus is available.
    Sources,
    /// `:set NAME VALUE`: a per-statement limit (no argument: show them).
    Set(Option<Setting>),
}

/// A per-statement limit set with `:set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// `:set timeout DURATION|off`: the time limit (`None`: none).
    Timeout(Option<std::time::Duration>),
    /// `:set max-memory SIZE|default`: the memory budget in bytes
    /// (`None`: the default, a share of the machine's memory).
    MaxMemory(Option<u64>),
}

/// The names `:set` knows.
const SETTINGS: &[&str] = &["timeout", "max-memory"];

impl Setting {
    /// Parses `NAME VALUE` (or `NAME=VALUE`).
    fn parse(text: &str) -> Result<Setting, CommandError> {
        let usage = || Some(format!("usage: {}", usage("set").unwrap_or(":set")));
        let (name, value) = match text.split_once(|c: char| c == '=' || c.is_whitespace()) {
            Some((n, v)) => (n.trim(), v.trim().trim_start_matches('=').trim()),
            None => (text.trim(), ""),
        };
        let lower = name.to_ascii_lowercase().replace('_', "-");
        if value.is_empty() && SETTINGS.contains(&lower.as_str()) {
            return Err(CommandError {
                message: format!(":set {lower} needs a value"),
                help: usage(),
            });
        }
        let bad = |message: String| CommandError {
            message,
            help: usage(),
        };
        match lower.as_str() {
            "timeout" => crate::limits::parse_duration(value)
                .map(Setting::Timeout)
                .map_err(bad),
            "max-memory" | "maxmemory" | "memory" => {
                if value.eq_ignore_ascii_case("default") {
                    return Ok(Setting::MaxMemory(None));
                }
                crate::limits::parse_size(value)
                    .map(|n| Setting::MaxMemory(Some(n)))
                    .map_err(bad)
            }
            _ => Err(CommandError {
                message: format!("unknown setting `{name}`"),
                help: Some(match did_you_mean(&lower, SETTINGS.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the settings are {}", SETTINGS.join(", ")),
                }),
            }),
        }
    }
}

/// Why a command line was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    /// What is wrong.
    pub message: String,
    /// A suggestion, e.g. "did you mean `:schema`?".
    pub help: Option<String>,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.help {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// Every command name with its usage and a one-line description, for `:help`
/// and completion.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (
        "help",
        ":help [command]",
        "list the commands, or explain one",
    ),
    ("quit", ":quit", "leave the shell (also :exit, Ctrl-D)"),
    (
        "schema",
        ":schema",
        "labels, relation types with their endpoints, property keys with types",
    ),
    (
        "stats",
        ":stats",
        "how many entities, relations, aliases and citations",
    ),
    (
        "format",
        ":format table|json|jsonl|csv|tsv|markdown",
        "how results are printed",
    ),
    (
        "maxrows",
        ":maxrows N",
        "rows shown in tables before head+tail truncation (0 = all)",
    ),
    (
        "maxwidth",
        ":maxwidth N",
        "fit tables into N columns (0 = the terminal's width, the default)",
    ),
    (
        "timing",
        ":timing on|off",
        "print parse, plan and execute times after each query",
    ),
    (
        "warnings",
        ":warnings on|off",
        "notifications about unknown labels, relation types, property keys and aliases",
    ),
    (
        "param",
        ":param name => expr | :param {name: expr, ...} | :param name | :param clear",
        "set a $parameter (or several), show one, or clear them all",
    ),
    ("params", ":params", "list the parameters"),
    (
        "source",
        ":source FILE",
        "run the statements and commands of a script",
    ),
    (
        "dot",
        ":dot [QUERY] [> FILE]",
        "Graphviz DOT of the last result or of a query",
    ),
    (
        "save",
        ":save [FILE]",
        "write a snapshot of the graph to FILE, or checkpoint the open graph file",
    ),
    (
        "open",
        ":open FILE",
        "open a graph file (created when missing) or load a fact file, in place of the graph",
    ),
    (
        "explain",
        ":explain [verbose] QUERY",
        "show the plan of a query without running it (verbose: as built, then after each optimizer rule that changed it)",
    ),
    (
        "sources",
        ":sources",
        "the citations behind the last result, with the sentences: of the nodes, relationships and paths it returned, and of x.sources values",
    ),
    (
        "set",
        ":set timeout DURATION|off | :set max-memory SIZE|default",
        "per-statement limits: time (100ms, 30s, 5m, off) and memory (512MB, 4GB); no argument: show them",
    ),
];

impl Command {
    /// Parses a command line (with or without its leading `:`).
    pub fn parse(line: &str) -> Result<Command, CommandError> {
        let line = line
            .trim()
            .trim_start_matches(':')
            .trim_end_matches(';')
            .trim();
        let (name, rest) = match line.find(char::is_whitespace) {
            Some(i) => (&line[..i], line[i..].trim()),
            None => (line, ""),
        };
        let lower = name.to_ascii_lowercase();
        let arg = || (!rest.is_empty()).then(|| rest.to_string());
        let need = |what: &str| -> Result<String, CommandError> {
            arg().ok_or_else(|| CommandError {
                message: format!(":{lower} needs {what}"),
                help: usage(&lower).map(|u| format!("usage: {u}")),
            })
        };
        let number = |what: &str| -> Result<Option<usize>, CommandError> {
            match arg() {
                None => Ok(None),
                Some(a) => a.parse::<usize>().map(Some).map_err(|_| CommandError {
                    message: format!("`{a}` is not a number of {what}"),
                    help: usage(&lower).map(|u| format!("usage: {u}")),
                }),
            }
        };
        match lower.as_str() {
            "help" | "h" | "?" => Ok(Command::Help(
                arg().map(|a| a.trim_start_matches(':').to_string()),
            )),
            "quit" | "exit" | "q" => Ok(Command::Quit),
            "schema" => Ok(Command::Schema),
            "stats" => Ok(Command::Stats),
            "format" | "mode" => Ok(Command::Format(arg())),
            "maxrows" => Ok(Command::MaxRows(number("rows")?)),
            "maxwidth" => Ok(Command::MaxWidth(number("columns")?)),
            "timing" | "timer" => match rest.to_ascii_lowercase().as_str() {
                "" => Ok(Command::Timing(None)),
                "on" | "true" | "1" => Ok(Command::Timing(Some(true))),
                "off" | "false" | "0" => Ok(Command::Timing(Some(false))),
                other => Err(CommandError {
                    message: format!("`{other}` is not on or off"),
                    help: Some("usage: :timing on|off".into()),
                }),
            },
            "warnings" | "warning" => match rest.to_ascii_lowercase().as_str() {
                "" => Ok(Command::Warnings(None)),
                "on" | "true" | "1" => Ok(Command::Warnings(Some(true))),
                "off" | "false" | "0" => Ok(Command::Warnings(Some(false))),
                other => Err(CommandError {
                    message: format!("`{other}` is not on or off"),
                    help: Some("usage: :warnings on|off".into()),
                }),
            },
            "param" => {
                if rest.eq_ignore_ascii_case("clear") {
                    return Ok(Command::ParamClear);
                }
                if rest.is_empty() {
                    return Ok(Command::Params);
                }
                if rest.starts_with('{') {
                    return Ok(Command::ParamMap(rest.to_string()));
                }
                let bare = rest.trim_start_matches('$');
                if !bare.is_empty() && bare.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Ok(Command::ParamShow(bare.to_string()));
                }
                let (name, expr) = rest
                    .split_once("=>")
                    .or_else(|| rest.split_once(':'))
                    .ok_or_else(|| CommandError {
                        message: "expected `name => expression`".into(),
                        help: Some("example: :param country => 'Maroc'".into()),
                    })?;
                let name = name.trim().trim_start_matches('$');
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(CommandError {
                        message: format!("`{name}` is not a parameter name"),
                        help: Some("names are letters, digits and `_`".into()),
                    });
                }
                if expr.trim().is_empty() {
                    return Err(CommandError {
                        message: format!("no value given for `{name}`"),
                        help: Some("example: :param country => 'Maroc'".into()),
                    });
                }
                Ok(Command::Param(name.to_string(), expr.trim().to_string()))
            }
            "params" => Ok(Command::Params),
            "source" | "read" => Ok(Command::Source(need("a file name")?)),
            "dot" => {
                let (query, file) = match rest.rsplit_once('>') {
                    Some((q, f)) if !f.trim().is_empty() && !inside_quotes(q) => {
                        (q.trim(), Some(f.trim().to_string()))
                    }
                    _ => (rest, None),
                };
                Ok(Command::Dot {
                    query: (!query.is_empty()).then(|| query.to_string()),
                    file,
                })
            }
            "save" => Ok(Command::Save(arg())),
            "open" => Ok(Command::Open(need("a file name")?)),
            "explain" => Ok(Command::Explain(need("a query")?)),
            "sources" => Ok(Command::Sources),
            "set" => match arg() {
                None => Ok(Command::Set(None)),
                Some(a) => Setting::parse(&a).map(|s| Command::Set(Some(s))),
            },
            "" => Err(CommandError {
                message: "empty command".into(),
                help: Some("type :help for the list of commands".into()),
            }),
            _ => Err(CommandError {
                message: format!("unknown command `:{name}`"),
                help: Some(match did_you_mean(&lower, COMMANDS.iter().map(|c| c.0)) {
                    Some(s) => format!("did you mean `:{s}`?"),
                    None => "type :help for the list of commands".into(),
                }),
            }),
        }
    }
}

/// True when `text` ends inside a quoted string (so a `>` after it is data).
fn inside_quotes(text: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(q) if escaped => {
                let _ = q;
                escaped = false;
            }
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {}
        }
    }
    quote.is_some()
}

/// The usage line of a command.
pub fn usage(name: &str) -> Option<&'static str> {
    COMMANDS.iter().find(|c| c.0 == name).map(|c| c.1)
}

/// The closest candidate to `word` by edit distance, if it is close enough
/// to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&word, &c.to_lowercase());
        let limit = (word.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

pub use crate::error::edit_distance;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command() {
        assert_eq!(Command::parse(":help"), Ok(Command::Help(None)));
        assert_eq!(
            Command::parse(":help :dot"),
            Ok(Command::Help(Some("dot".into())))
        );
        assert_eq!(Command::parse(":quit"), Ok(Command::Quit));
        assert_eq!(Command::parse(":exit;"), Ok(Command::Quit));
        assert_eq!(Command::parse(":schema"), Ok(Command::Schema));
        assert_eq!(
            Command::parse(":format csv"),
            Ok(Command::Format(Some("csv".into())))
        );
        assert_eq!(
            Command::parse(":maxrows 10"),
            Ok(Command::MaxRows(Some(10)))
        );
        assert_eq!(
            Command::parse(":timing on"),
            Ok(Command::Timing(Some(true)))
        );
        assert_eq!(Command::parse(":timing"), Ok(Command::Timing(None)));
        assert_eq!(
            Command::parse(":warnings off"),
            Ok(Command::Warnings(Some(false)))
        );
        assert_eq!(Command::parse(":warnings"), Ok(Command::Warnings(None)));
        assert_eq!(Command::parse(":set"), Ok(Command::Set(None)));
        assert_eq!(
            Command::parse(":set timeout 100ms"),
            Ok(Command::Set(Some(Setting::Timeout(Some(
                std::time::Duration::from_millis(100)
            )))))
        );
        assert_eq!(
            Command::parse(":set timeout off"),
            Ok(Command::Set(Some(Setting::Timeout(None))))
        );
        assert_eq!(
            Command::parse(":set max-memory 64MB"),
            Ok(Command::Set(Some(Setting::MaxMemory(Some(64 << 20)))))
        );
        assert_eq!(
            Command::parse(":set max_memory=2GB"),
            Ok(Command::Set(Some(Setting::MaxMemory(Some(2 << 30)))))
        );
        assert_eq!(
            Command::parse(":set max-memory default"),
            Ok(Command::Set(Some(Setting::MaxMemory(None))))
        );
        assert_eq!(
            Command::parse(":param country => 'Maroc'"),
            Ok(Command::Param("country".into(), "'Maroc'".into()))
        );
        assert_eq!(Command::parse(":param clear"), Ok(Command::ParamClear));
        assert_eq!(Command::parse(":params"), Ok(Command::Params));
        assert_eq!(
            Command::parse(":source ex.kgq"),
            Ok(Command::Source("ex.kgq".into()))
        );
        assert_eq!(
            Command::parse(":dot"),
            Ok(Command::Dot {
                query: None,
                file: None
            })
        );
        assert_eq!(
            Command::parse(":dot MATCH (n) RETURN n > out.dot"),
            Ok(Command::Dot {
                query: Some("MATCH (n) RETURN n".into()),
                file: Some("out.dot".into())
            })
        );
        assert_eq!(
            Command::parse(":dot MATCH (n) WHERE n.name = 'a > b' RETURN n"),
            Ok(Command::Dot {
                query: Some("MATCH (n) WHERE n.name = 'a > b' RETURN n".into()),
                file: None
            })
        );
        assert_eq!(
            Command::parse(":explain MATCH (n) RETURN n"),
            Ok(Command::Explain("MATCH (n) RETURN n".into()))
        );
        assert_eq!(Command::parse(":sources"), Ok(Command::Sources));
        assert_eq!(Command::parse(":save"), Ok(Command::Save(None)));
        assert_eq!(
            Command::parse(":save out.kg"),
            Ok(Command::Save(Some("out.kg".into())))
        );
        assert_eq!(
            Command::parse(":open g.kg"),
            Ok(Command::Open("g.kg".into()))
        );
    }

    #[test]
    fn typos_get_did_you_mean() {
        let e = Command::parse(":shema").unwrap_err();
        assert_eq!(e.message, "unknown command `:shema`");
        assert_eq!(e.help.as_deref(), Some("did you mean `:schema`?"));
        let e = Command::parse(":formt json").unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `:format`?"));
        let e = Command::parse(":zzzzzz").unwrap_err();
        assert_eq!(
            e.help.as_deref(),
            Some("type :help for the list of commands")
        );
    }

    #[test]
    fn bad_arguments_are_explained() {
        assert!(Command::parse(":maxrows many")
            .unwrap_err()
            .message
            .contains("not a number"));
        assert!(Command::parse(":source")
            .unwrap_err()
            .message
            .contains("needs a file name"));
        assert_eq!(
            Command::parse(":param x"),
            Ok(Command::ParamShow("x".into()))
        );
        assert_eq!(
            Command::parse(":param {who: 'Canada'}"),
            Ok(Command::ParamMap("{who: 'Canada'}".into()))
        );
        assert!(Command::parse(":param x y").is_err());
        assert!(Command::parse(":param => 1").is_err());
        assert!(Command::parse(":timing maybe").is_err());
        assert!(Command::parse(":set timeout soon").is_err());
        assert!(Command::parse(":set timeout").is_err());
        assert!(Command::parse(":set max-memory lots").is_err());
        let e = Command::parse(":set timout 5s").unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `timeout`?"));
    }
}
