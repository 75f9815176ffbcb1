//! The command line as a daily driver (issue 16): a GRAPH named before a
//! subcommand is used or refused, never ignored; a mistyped subcommand is
//! an unknown command, not a new graph file; notifications about unknown
//! names go to standard error and change nothing else.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const KG: &str = env!("CARGO_BIN_EXE_kg");

/// An empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-daily-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Runs kg with `args` in `dir` (standard input empty); returns (exit code,
/// stdout, stderr).
fn kg_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(KG)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("kg runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the scratch directory")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// A graph file `g.kgdb` in `dir` holding one entity, `(:Zed {name: 'Zorro'})`.
fn small_graph(dir: &Path) {
    let (code, _, err) = kg_in(dir, &["g.kgdb", "-c", "CREATE (:Zed {name: 'Zorro'})"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_graph_before_a_subcommand_is_the_one_used() {
    let dir = scratch("before");
    small_graph(&dir);
    let (code, out, err) = kg_in(&dir, &["g.kgdb", "stats"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("entities: 1\n"), "{out}");
    assert!(out.contains(":Zed"), "{out}");
    let (code, out, err) = kg_in(&dir, &["--readonly", "g.kgdb", "dot"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Zorro"), "{out}");
    assert!(!out.contains("Morocco"), "not the seed graph: {out}");
    let (code, out, err) = kg_in(&dir, &["g.kgdb", "export", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Zorro"), "{out}");
    assert!(!out.contains("Morocco"), "not the seed graph: {out}");
    // Without a graph, the seed.
    let (code, out, _) = kg_in(&dir, &["stats"]);
    assert_eq!(code, 0);
    assert!(out.contains(":Country"), "{out}");
}

#[test]
fn what_a_subcommand_would_ignore_is_a_usage_error() {
    let dir = scratch("ignored");
    small_graph(&dir);
    for (args, says) in [
        (
            &["g.kgdb", "-c", "RETURN 1", "stats"][..],
            "-c is an option of the shell and queries, not of `kg stats`",
        ),
        (&["-c", "RETURN 1", "dot"][..], "kg dot -c"),
        (&["--format", "csv", "stats"][..], "--format"),
        (
            &["g.kgdb", "stats", "other.kgdb"][..],
            "two graphs given, g.kgdb before `stats` and other.kgdb after it",
        ),
        (
            &["g.kgdb", "import", "x.csv"][..],
            "`kg import` does not take a GRAPH",
        ),
    ] {
        let (code, out, err) = kg_in(&dir, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: no answer from other data: {out}");
    }
    assert_eq!(listing(&dir), vec!["g.kgdb", "g.kgdb.wal"]);
}

#[test]
fn a_mistyped_subcommand_leaves_no_graph_file() {
    let dir = scratch("typo");
    for (typed, meant) in [("exprot", "export"), ("statz", "stats"), ("dott", "dot")] {
        let (code, out, err) = kg_in(&dir, &[typed, "--format", "jsonl"]);
        assert_eq!(code, 2, "{typed}: {err}");
        assert!(
            err.contains(&format!(
                "unknown command `{typed}`; did you mean `{meant}`?"
            )),
            "{typed}: {err}"
        );
        assert!(out.is_empty(), "{out}");
    }
    // Not near any subcommand: a bare new name needs to say it is a graph.
    let (code, _, err) = kg_in(&dir, &["mygraph", "-c", "RETURN 1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no graph file `mygraph`"), "{err}");
    assert!(err.contains(".kgdb") && err.contains("--create"), "{err}");
    assert!(listing(&dir).is_empty(), "{:?}", listing(&dir));
}

#[test]
fn a_new_graph_file_needs_a_name_that_says_so() {
    let dir = scratch("create");
    for args in [
        &["new.kgdb", "-c", "RETURN 1 AS x"][..],
        &["./plain", "-c", "RETURN 1 AS x"][..],
        &["--create", "other", "-c", "RETURN 1 AS x"][..],
    ] {
        let (code, out, err) = kg_in(&dir, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_eq!(out.trim(), r#"{"x":1}"#, "{args:?}");
        assert!(err.contains("created a new graph file"), "{args:?}: {err}");
    }
    // An existing file with any name opens.
    let (code, out, err) = kg_in(&dir, &["other", "-c", "RETURN 2 AS x"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"{"x":2}"#);
    let (code, out, _) = kg_in(&dir, &["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--create") && out.contains(".kgdb"), "{out}");
}

#[test]
fn misspelled_names_get_notifications_that_change_nothing_else() {
    let dir = scratch("notes");
    let cases = [
        ("MATCH (n:Contry) RETURN n.name", "did you mean `Country`?"),
        (
            "MATCH (a)-[:COCHAIRS]->(b) RETURN a.name",
            "did you mean `CO_CHAIRS`?",
        ),
        (
            "MATCH (n {alais: 'GCTF'}) RETURN n.name",
            "did you mean `alias`?",
        ),
        ("MATCH (n:Country) RETURN n.nme", "did you mean `name`?"),
        ("MATCH (m {alias: 'Marocco'}) RETURN m.name", "`Morocco`"),
        (
            "MATCH (m) WHERE m.alias = 'Maroc' RETURN m.name",
            "pattern map",
        ),
    ];
    for (query, hint) in cases {
        let (code, out, err) = kg_in(&dir, &["-c", query]);
        assert_eq!(code, 0, "{query}: {err}");
        assert!(err.starts_with("warning: "), "{query}: {err}");
        assert!(err.contains(hint), "{query}: {err}");
        // Silenced: the same answer, nothing on standard error.
        let (quiet_code, quiet_out, quiet_err) = kg_in(&dir, &["--quiet", "-c", query]);
        assert_eq!(
            (quiet_code, quiet_out.as_str()),
            (0, out.as_str()),
            "{query}"
        );
        assert_eq!(quiet_err, "", "{query}");
    }
    // In a script, `:warnings off` silences the statements after it.
    let script = dir.join("s.kgq");
    std::fs::write(
        &script,
        "MATCH (n:Contry) RETURN n;\n:warnings off\nMATCH (n:Persn) RETURN n;\n",
    )
    .expect("write the script");
    let (code, _, err) = kg_in(&dir, &["-f", "s.kgq"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("`Contry`"), "{err}");
    assert!(!err.contains("`Persn`"), "{err}");
    // Known names: no notification.
    let (code, _, err) = kg_in(
        &dir,
        &[
            "-c",
            "MATCH (c:Country)-[r:CO_CHAIRS]->(f) RETURN c.name, r.sources, f.key",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(err, "");
}

#[test]
fn dot_of_a_result_without_graph_elements_says_so() {
    let dir = scratch("dot-empty");
    let (code, out, err) = kg_in(&dir, &["dot", "-c", "RETURN 1 AS one"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("digraph"), "{out}");
    assert!(
        err.contains("no nodes, relationships or paths (1 row)"),
        "{err}"
    );
    let (code, _, err) = kg_in(&dir, &["dot", "-c", "MATCH (c:Country) RETURN c"]);
    assert_eq!(code, 0);
    assert_eq!(err, "");
}

#[test]
fn export_of_a_result_without_graph_elements_says_so() {
    let dir = scratch("export-empty");
    // Values only: three rows, nothing to export, said on standard error.
    let (code, out, err) = kg_in(
        &dir,
        &["export", "-c", "MATCH (c:Country) RETURN c.name LIMIT 3"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "", "an empty JSON lines export");
    assert!(
        err.contains("kg export: the query returned no nodes, relationships or paths (3 rows)"),
        "{err}"
    );
    // No row at all, into a file: the same note, and the file is written.
    let (code, _, err) = kg_in(
        &dir,
        &[
            "export",
            "-c",
            "MATCH (c:Nothing) RETURN c",
            "--format",
            "graphml",
            "-o",
            "empty.graphml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(0 rows)"), "{err}");
    let written = std::fs::read_to_string(dir.join("empty.graphml")).expect("the file");
    assert!(written.contains("<graphml"), "{written}");
    // A result with nodes: no note, and the nodes are exported.
    let (code, out, err) = kg_in(&dir, &["export", "-c", "MATCH (c:Country) RETURN c"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("no nodes"), "{err}");
    assert_eq!(out.lines().count(), 6, "{out}");
}

#[test]
fn shell_commands_in_a_data_format_stay_out_of_the_stream() {
    let dir = scratch("jsonl-commands");
    std::fs::write(
        dir.join("s.kgq"),
        "MATCH (c:Country) RETURN c.name AS name LIMIT 2;\n:stats\n:params\n:timing\n\
         RETURN 1 AS one;\n",
    )
    .expect("write the script");
    let (code, out, err) = kg_in(&dir, &["-f", "s.kgq", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for l in lines {
        serde_json::from_str::<serde_json::Value>(l)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {l}\n{out}"));
    }
    assert!(err.contains("entities:"), "{err}");
    assert!(err.contains("timing: off"), "{err}");
}

#[test]
fn a_parameter_that_looks_like_a_literal_but_is_not_is_noted() {
    let dir = scratch("params");
    let (code, out, err) = kg_in(
        &dir,
        &[
            "-c",
            "RETURN $y AS y, $x AS x, $w AS w, $n AS n",
            "-P",
            "y=007",
            "-P",
            "x='unterminated",
            "-P",
            "w=Ada",
            "-P",
            "n=7",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        r#"{"y":"007","x":"'unterminated","w":"Ada","n":7}"#
    );
    assert!(err.contains("-P y: `007` is not a Cypher literal"), "{err}");
    assert!(
        err.contains("-P x: `'unterminated` is not a closed string"),
        "{err}"
    );
    assert!(!err.contains("-P w") && !err.contains("-P n"), "{err}");
}

/// The shared corpus directory, or `None` (with the reason printed) when it
/// is absent and KG_REQUIRE_TOOLS is not 1.
fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("KG_SHARED_DIR")
        .map(|d| PathBuf::from(d).join("seeds"))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("KG_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("no corpus at {} (KG_REQUIRE_TOOLS=1)", dir.display());
    }
    eprintln!("skipping: no corpus at {}", dir.display());
    None
}

#[test]
fn stats_and_check_agree_on_how_citations_are_counted() {
    let Some(corpus) = corpus() else { return };
    let dir = scratch("citations");
    let (code, stats, err) = kg_in(&dir, &["stats"]);
    assert_eq!(code, 0, "{err}");
    let line = stats
        .lines()
        .find(|l| l.starts_with("citations: "))
        .unwrap_or_else(|| panic!("{stats}"));
    let sentences: usize = line["citations: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(line.contains("cited sentences"), "{line}");
    let corpus = corpus.to_string_lossy().to_string();
    let (code, check, err) = kg_in(&dir, &["check", "--corpus", &corpus]);
    assert_eq!(code, 0, "{err}");
    let summary = check.lines().last().unwrap_or("");
    assert!(
        summary.contains(&format!(
            "{sentences} cited sentences as kg stats counts them"
        )),
        "stats says {sentences}: {summary}"
    );
    // The JSON form has the same figures.
    let (code, json, err) = kg_in(&dir, &["stats", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).expect("one JSON object");
    assert_eq!(v["citations"], sentences);
    assert_eq!(v["labels"]["Country"], 6);
    assert_eq!(v["entities"], 67);
}

#[test]
fn sentences_finds_an_article_by_the_name_citations_use() {
    let Some(corpus) = corpus() else { return };
    let dir = scratch("sentences");
    let name = "000_82e1541b34cdbfbf.txt";
    let corpus = corpus.to_string_lossy().to_string();
    let (code, out, err) = kg_in(&dir, &["sentences", name, "--corpus", &corpus]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().nth(1).is_some_and(|l| l.starts_with("[1] ")),
        "{out}"
    );
    let (code, _, err) = kg_in(&dir, &["sentences", "nope.txt", "--corpus", &corpus]);
    assert_eq!(code, 1);
    assert!(err.contains("nor in the corpus"), "{err}");
}

#[test]
fn an_unknown_option_gets_no_far_fetched_suggestion() {
    let dir = scratch("bogus");
    let (code, _, err) = kg_in(&dir, &["--bogus"]);
    assert_eq!(code, 2);
    assert!(err.contains("unexpected argument '--bogus'"), "{err}");
    assert!(!err.contains("--corpus"), "{err}");
    // A real typo still gets its tip.
    let (code, _, err) = kg_in(&dir, &["--readonli"]);
    assert_eq!(code, 2);
    assert!(err.contains("--readonly"), "{err}");
}

/// The option lines of a `--help` text: the indented lines of its
/// `Options:` section that start with `-` (the prose after the section may
/// name options too).
fn option_lines(help: &str) -> Vec<&str> {
    help.lines()
        .skip_while(|l| *l != "Options:")
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && l.trim_start().starts_with('-'))
        .collect()
}

#[test]
fn facts_and_corpus_show_only_where_they_matter() {
    let dir = scratch("local-options");
    let listed = |args: &[&str], option: &str| {
        let (code, out, err) = kg_in(&dir, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        option_lines(&out)
            .iter()
            .any(|l| l.trim_start().starts_with(option) || l.contains(&format!(", {option}")))
    };
    for option in ["--facts", "--corpus"] {
        assert!(!listed(&["--help"], option), "kg --help lists {option}");
        for sub in ["import", "export", "batch", "generate"] {
            assert!(
                !listed(&[sub, "--help"], option),
                "kg {sub} --help lists {option}"
            );
        }
    }
    for sub in ["stats", "dot", "check"] {
        assert!(listed(&[sub, "--help"], "--facts"), "kg {sub} --help");
    }
    for sub in ["check", "sentences"] {
        assert!(listed(&[sub, "--help"], "--corpus"), "kg {sub} --help");
    }
    assert!(!listed(&["sentences", "--help"], "--facts"));
    assert!(!listed(&["stats", "--help"], "--corpus"));
    // The shell's own use is still accepted, and `kg --help` says so in prose.
    let (_, help, _) = kg_in(&dir, &["--help"]);
    assert!(help.contains("--facts FILE") && help.contains("--corpus DIR"));
    std::fs::write(dir.join("f.kg"), kg::facts::SEED).expect("write a fact file");
    let (code, out, err) = kg_in(
        &dir,
        &[
            "--facts",
            "f.kg",
            "-c",
            "MATCH (c:Country) RETURN count(c) AS n",
        ],
    );
    assert_eq!((code, out.trim()), (0, "{\"n\":6}"), "{err}");
    // Given before a subcommand that takes it (as old scripts do), it is moved
    // there; before one that does not, a usage error names where it belongs.
    let (code, out, err) = kg_in(&dir, &["--facts", "f.kg", "stats"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("entities: 67"), "{out}");
    let (code, out, err) = kg_in(&dir, &["stats", "--facts", "f.kg", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"entities\":67"), "{out}");
    let (code, _, err) = kg_in(&dir, &["--facts", "f.kg", "export"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--facts is not an option of `kg export`") && err.contains("kg stats"),
        "{err}"
    );
    let (code, _, err) = kg_in(&dir, &["--corpus", ".", "dot"]);
    assert_eq!(code, 2);
    assert!(err.contains("kg sentences"), "{err}");
    let (code, _, err) = kg_in(&dir, &["--facts", "f.kg", "dot", "--facts", "f.kg"]);
    assert_eq!(code, 2);
    assert!(err.contains("--facts given twice"), "{err}");
    // `kg sentences` takes its own --corpus.
    let corpus = scratch("local-options-corpus");
    std::fs::write(corpus.join("a.txt"), "One sentence. Two sentences.").expect("an article");
    let corpus = corpus.to_string_lossy().to_string();
    for args in [
        ["sentences", "a.txt", "--corpus", &corpus],
        ["--corpus", &corpus, "sentences", "a.txt"],
    ] {
        let (code, out, err) = kg_in(&dir, &args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("[2] Two sentences."), "{out}");
    }
}

#[test]
fn completions_and_a_man_page_are_generated() {
    let dir = scratch("completions");
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = kg_in(&dir, &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for word in ["stats", "export", "readonly", "create"] {
            assert!(out.contains(word), "{shell} completion lacks {word}");
        }
    }
    let (code, out, err) = kg_in(&dir, &["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(".TH kg 1"), "{out}");
    assert!(out.contains("create"), "{out}");
    assert!(listing(&dir).is_empty(), "{:?}", listing(&dir));
}

#[test]
fn import_help_examples_write_graph_files() {
    let dir = scratch("import_help");
    let (code, out, _) = kg_in(&dir, &["import", "--help"]);
    assert_eq!(code, 0);
    let outs: Vec<&str> = out
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] == "--out" && !w[1].starts_with('<'))
        .map(|w| w[1])
        .collect();
    assert!(!outs.is_empty(), "examples with --out: {out}");
    for file in outs {
        assert!(file.ends_with(".kgdb"), "{file} in {out}");
    }
}
