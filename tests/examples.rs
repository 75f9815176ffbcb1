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
    assert!(scripts.len() >= 5, "expected the example scripts, found {scripts:?}");
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
