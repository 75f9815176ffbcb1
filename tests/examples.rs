//! Every query script in `examples/` runs on the seed graph and prints
//! exactly the table stored next to it (`NAME.kgq` → `NAME.out`).
//! `KG_UPDATE_GOLDENS=1 cargo test --test examples` rewrites the `.out` files.

use std::path::PathBuf;

use kg::output::Format;
use kg::shell::session::Session;
use kg::Engine;

fn run(script: &str, name: &str) -> String {
    let graph = kg::facts::seed_graph().expect("the seed graph loads");
    let mut session = Session::new(Engine::with_graph(graph));
    session.format = Format::Table;
    session.table.max_rows = 0;
    session.table.max_width = 0;
    let mut out = Vec::new();
    let mut err = Vec::new();
    let result = session.run_script(name, script, false, &mut out, &mut err);
    assert!(
        result.is_ok(),
        "{name} failed:\n{}",
        String::from_utf8_lossy(&err)
    );
    String::from_utf8(out).expect("output is UTF-8")
}

#[test]
fn example_scripts_print_their_expected_output() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let update = std::env::var_os("KG_UPDATE_GOLDENS").is_some();
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "kgq"))
        .collect();
    scripts.sort();
    assert!(
        scripts.len() >= 5,
        "expected the example scripts, found {scripts:?}"
    );
    let mut stale = Vec::new();
    for script in &scripts {
        let text = std::fs::read_to_string(script).expect("read script");
        let name = script.file_name().unwrap().to_string_lossy().to_string();
        let got = run(&text, &name);
        assert!(!got.trim().is_empty(), "{name} printed nothing");
        let golden = script.with_extension("out");
        if update {
            std::fs::write(&golden, &got).expect("write golden");
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Ok(want) if want == got => {}
            Ok(want) => stale.push(format!("{name}: expected\n{want}\ngot\n{got}")),
            Err(_) => stale.push(format!("{name}: no {}", golden.display())),
        }
    }
    assert!(
        stale.is_empty(),
        "examples differ (KG_UPDATE_GOLDENS=1 to accept):\n{}",
        stale.join("\n")
    );
}

/// `examples/` holds only what the README explains: query scripts (each
/// with its expected output, described together), and diagrams and timing
/// programs the README names.
#[test]
fn examples_hold_only_what_the_readme_explains() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    assert!(
        readme.contains("`examples/*.kgq`"),
        "the README describes the scripts"
    );
    let mut unexplained = Vec::new();
    for entry in std::fs::read_dir(root.join("examples")).expect("examples/") {
        let path = entry.expect("an entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let ext = path
            .extension()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let explained = match ext {
            "kgq" => path.with_extension("out").exists(),
            "out" => path.with_extension("kgq").exists(),
            _ => ["`{}`", "examples/{}.", "--example {}"]
                .iter()
                .any(|form| readme.contains(&form.replace("{}", stem))),
        };
        if !explained {
            unexplained.push(path.display().to_string());
        }
    }
    assert!(
        unexplained.is_empty(),
        "not explained by the README: {unexplained:?}"
    );
}
