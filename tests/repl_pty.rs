//! The interactive shell at a real terminal: the `kg` binary is started on a
//! pseudo-terminal (expectrl) with no arguments, and driven key by key as a
//! user would: multi-line statements, Tab completion, errors, Ctrl-C, Ctrl-D,
//! `:commands`.
//!
//! Every test starts its own shell, with `HOME` in a temporary directory and
//! `--history off` (or a temporary history file), so nothing touches the
//! user's history. Output is matched with ANSI escapes and carriage returns
//! removed; every wait is for a piece of output (the `kg> ` prompt, a
//! result), with a generous time limit for a loaded CI machine.
//!
//! When no pseudo-terminal can be opened the tests say so and pass, unless
//! `KG_REQUIRE_TOOLS=1`, when they fail.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::Session;
use kg::shell::helper::{KgHelper, Schema};
use kg::Graph;

/// Time allowed for the first prompt (a debug binary on a busy machine).
const START: Duration = Duration::from_secs(60);
/// Time allowed for any other expected output.
const WAIT: Duration = Duration::from_secs(20);
/// The prompt as it appears at the start of a line.
const PROMPT: &str = "\nkg> ";
/// The continuation prompt as it appears at the start of a line.
const CONTINUATION: &str = "\n -> ";

const CTRL_C: &str = "\x03";
const CTRL_D: &str = "\x04";
const TAB: &str = "\t";
const UP: &str = "\x1b[A";

/// A `kg` shell on a pseudo-terminal.
struct Shell {
    session: OsSession,
    /// Raw bytes read but not yet cleaned (a cut escape or UTF-8 sequence).
    pending: Vec<u8>,
    /// Everything the terminal showed, escapes and `\r` removed.
    text: String,
    /// How much of `text` the expectations have consumed.
    seen: usize,
    eof: bool,
    home: PathBuf,
}

/// Starts `kg ARGS` on a pseudo-terminal in the crate directory, or `None`
/// (with the reason printed) when no pseudo-terminal is available.
fn spawn(args: &[&str]) -> Option<Shell> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let home = std::env::temp_dir().join(format!(
        "kg-repl-pty-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&home).expect("create a temporary HOME");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kg"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"));
    let session = match Session::spawn(cmd) {
        Ok(s) => s,
        Err(e) => {
            if std::env::var("KG_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
                panic!("cannot open a pseudo-terminal (KG_REQUIRE_TOOLS=1): {e}");
            }
            eprintln!(
                "skipping: cannot open a pseudo-terminal ({e}); set KG_REQUIRE_TOOLS=1 to fail instead"
            );
            let _ = std::fs::remove_dir_all(&home);
            return None;
        }
    };
    Some(Shell {
        session,
        pending: Vec::new(),
        text: String::new(),
        seen: 0,
        eof: false,
        home,
    })
}

/// `spawn` for the usual shell: the seed graph, no history file.
macro_rules! shell {
    () => {
        match spawn(&["--history", "off"]) {
            Some(mut sh) => {
                sh.expect(PROMPT, START);
                sh
            }
            None => return,
        }
    };
}

/// `spawn` for the usual shell in a terminal `cols` columns wide.
fn shell_at(cols: u16) -> Option<Shell> {
    let mut sh = spawn(&["--history", "off"])?;
    sh.resize(cols);
    sh.expect(PROMPT, START);
    Some(sh)
}

impl Shell {
    /// Makes the terminal `cols` columns wide (40 rows).
    fn resize(&mut self, cols: u16) {
        self.session
            .get_process_mut()
            .set_window_size(cols, 40)
            .unwrap_or_else(|e| panic!("cannot resize the terminal: {e}"));
    }

    /// Types `keys` (no Enter).
    fn send(&mut self, keys: &str) {
        self.session
            .write_all(keys.as_bytes())
            .and_then(|_| self.session.flush())
            .unwrap_or_else(|e| panic!("cannot type {keys:?}: {e}\n{}", self.transcript()));
    }

    /// Types `line` and Enter. The terminal is 80 columns wide: lines stay
    /// shorter than that with their prompt, so the editor does not redraw
    /// them wrapped.
    fn line(&mut self, line: &str) {
        assert!(line.chars().count() < 76, "too long for one line: {line}");
        self.send(line);
        self.send("\r");
    }

    /// Waits for `needle` and returns the output up to its end, or `None`
    /// after `timeout` or at end of output.
    fn try_expect(&mut self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.text[self.seen..].find(needle) {
                let end = self.seen + i + needle.len();
                let got = self.text[self.seen..end].to_string();
                self.seen = end;
                return Some(got);
            }
            if self.eof || !self.fill(deadline) {
                return None;
            }
        }
    }

    /// Waits for `needle` and returns the output up to its end; fails with
    /// the transcript when it does not come.
    fn expect(&mut self, needle: &str, timeout: Duration) -> String {
        match self.try_expect(needle, timeout) {
            Some(s) => s,
            None => panic!(
                "expected {needle:?} within {timeout:?}{}; not yet matched output:\n{}\n--- whole transcript:\n{}",
                if self.eof { " (the shell ended)" } else { "" },
                &self.text[self.seen..],
                self.transcript()
            ),
        }
    }

    /// The output up to the next prompt (the prompt not included).
    fn until_prompt(&mut self) -> String {
        let got = self.expect(PROMPT, WAIT);
        got[..got.len() - PROMPT.len()].to_string()
    }

    /// Runs a one-line statement and returns what it printed.
    fn run(&mut self, statement: &str) -> String {
        self.line(statement);
        // The echo of the statement, then the output.
        self.expect(&format!("{statement}\n"), WAIT);
        self.until_prompt()
    }

    fn transcript(&self) -> String {
        self.text.clone()
    }

    /// Reads what the terminal has to show, waiting until `deadline` for
    /// something. False when nothing came in time.
    fn fill(&mut self, deadline: Instant) -> bool {
        let fd = self.session.as_raw_fd();
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd for the pty master the session owns.
        let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
        if ready <= 0 {
            return false;
        }
        let mut buf = [0u8; 8192];
        let mut got = false;
        loop {
            match self.session.try_read(&mut buf) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    got = true;
                    self.pending.extend_from_slice(&buf[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.eof = true;
                    break;
                }
            }
        }
        self.clean();
        got || self.eof
    }

    /// Moves complete text from `pending` to `text`, dropping escape
    /// sequences, `\r` and other control characters (answering a cursor
    /// position request as a terminal would).
    fn clean(&mut self) {
        let bytes = std::mem::take(&mut self.pending);
        let mut i = 0;
        let mut replies = Vec::new();
        while i < bytes.len() {
            if bytes[i] == 0x1b {
                match escape_len(&bytes[i..]) {
                    Some(n) => {
                        if &bytes[i..i + n] == b"\x1b[6n" {
                            replies.push(b"\x1b[1;1R".to_vec());
                        }
                        i += n;
                        continue;
                    }
                    None => break, // cut short: wait for the rest
                }
            }
            let end = bytes[i..]
                .iter()
                .position(|&b| b == 0x1b)
                .map_or(bytes.len(), |p| i + p);
            let chunk = &bytes[i..end];
            let (s, used) = match std::str::from_utf8(chunk) {
                Ok(s) => (s.to_string(), chunk.len()),
                Err(e) if e.error_len().is_none() && end == bytes.len() => {
                    let ok = e.valid_up_to();
                    (String::from_utf8_lossy(&chunk[..ok]).into_owned(), ok)
                }
                Err(_) => (String::from_utf8_lossy(chunk).into_owned(), chunk.len()),
            };
            self.text.extend(
                s.chars()
                    .filter(|c| *c == '\n' || *c == '\t' || !c.is_control()),
            );
            i += used;
            if used < chunk.len() {
                break;
            }
        }
        self.pending = bytes[i..].to_vec();
        for r in replies {
            let _ = self.session.write_all(&r);
        }
    }

    /// Whether the terminal is in the line editor's raw mode (no signals
    /// from Ctrl-C), as opposed to the normal mode a running query has.
    fn raw_mode(&self) -> bool {
        // SAFETY: tcgetattr fills a plain C struct for a valid descriptor.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            libc::tcgetattr(self.session.as_raw_fd(), &mut t) == 0 && t.c_lflag & libc::ISIG == 0
        }
    }

    /// Waits until the line editor has handed the terminal back (a
    /// statement is running), polling the terminal mode.
    fn wait_for_normal_mode(&self) {
        let deadline = Instant::now() + WAIT;
        while self.raw_mode() {
            assert!(
                Instant::now() < deadline,
                "the terminal stayed in raw mode after Enter"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the shell to end (reading its last output) and returns its
    /// exit code.
    fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.session.get_process().status() {
                Ok(WaitStatus::Exited(_, code)) => return code,
                Ok(WaitStatus::Signaled(_, sig, _)) => {
                    panic!("kg was killed by {sig:?}\n{}", self.transcript())
                }
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "kg did not exit; output:\n{}",
                self.transcript()
            );
            if !self.eof {
                self.fill(Instant::now() + Duration::from_millis(50));
            } else {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// The length of the escape sequence at the start of `b` (which starts with
/// ESC), or `None` when it is not complete yet.
fn escape_len(b: &[u8]) -> Option<usize> {
    match b.get(1)? {
        b'[' => {
            // CSI: parameters, then a final byte in @..~
            let end = b[2..].iter().position(|c| (0x40..=0x7e).contains(c))?;
            Some(2 + end + 1)
        }
        b']' => {
            // OSC: up to BEL or ESC \
            let mut j = 2;
            while j < b.len() {
                if b[j] == 0x07 {
                    return Some(j + 1);
                }
                if b[j] == 0x1b && b.get(j + 1) == Some(&b'\\') {
                    return Some(j + 2);
                }
                j += 1;
            }
            None
        }
        b'(' | b')' => b.get(2).map(|_| 3),
        _ => Some(2),
    }
}

fn seed() -> Graph {
    kg::facts::seed_graph().expect("the seed graph loads")
}

/// The names of the entities with `label` in the seed graph, sorted.
fn names_with_label(label: &str) -> Vec<String> {
    let g = seed();
    let mut names: Vec<String> = g
        .entities_with_label(label)
        .filter_map(|id| g.entity(id).and_then(|e| e.name().map(str::to_string)))
        .collect();
    names.sort();
    names
}

/// The cells of a printed table, row by row: the column names, the column
/// types, then the data rows.
fn cells(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .filter(|l| l.starts_with('│'))
        .map(|l| {
            let inner = l.trim_start_matches('│').trim_end_matches('│');
            inner.split('│').map(|c| c.trim().to_string()).collect()
        })
        .collect()
}

/// The data rows of a printed table.
fn data(out: &str) -> Vec<Vec<String>> {
    cells(out).into_iter().skip(2).collect()
}

/// The single value of a one-row, one-column table.
fn single(out: &str) -> String {
    match data(out).as_slice() {
        [row] if row.len() == 1 => row[0].clone(),
        _ => panic!("expected one value in\n{out}"),
    }
}

/// The rows footer of the table printer.
fn footer(n: usize) -> String {
    format!("\n{n} row{}", if n == 1 { "" } else { "s" })
}

// ---------------------------------------------------------------- scenarios

#[test]
fn a_statement_over_several_lines_runs_at_its_semicolon() {
    let mut sh = shell!();
    let countries = names_with_label("Country");
    assert!(countries.len() > 1, "the seed has several countries");
    sh.line("MATCH (c:Country)");
    let first = sh.expect(CONTINUATION, WAIT);
    assert!(first.contains("MATCH (c:Country)"), "echo: {first:?}");
    sh.line("RETURN c.name AS country");
    let second = sh.expect(CONTINUATION, WAIT);
    assert!(
        !second.contains('┌') && !second.contains("rows"),
        "nothing runs before the `;`: {second:?}"
    );
    sh.line("ORDER BY country;");
    sh.expect("ORDER BY country;\n", WAIT);
    let out = sh.until_prompt();
    assert!(out.starts_with('┌'), "a table: {out}");
    let table = cells(&out);
    assert_eq!(table[0], vec!["country"], "the column name heads the table");
    assert_eq!(table[1], vec!["STRING"], "the column type");
    // Every country, in order.
    let shown: Vec<String> = data(&out).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(shown, countries, "{out}");
    assert!(
        out.trim_end().ends_with(&footer(countries.len())),
        "the row count closes the table: {out}"
    );
}

#[test]
fn tab_completes_a_label() {
    let mut sh = shell!();
    sh.send("MATCH (c:Cou");
    sh.send(TAB);
    sh.expect("MATCH (c:Country", WAIT);
    let out = sh.run(") RETURN count(c) AS n;");
    let n = seed().label_count("Country");
    assert_eq!(
        single(&out),
        n.to_string(),
        "the completed label counts the {n} countries:\n{out}"
    );
    assert!(out.trim_end().ends_with(&footer(1)), "{out}");
}

#[test]
fn the_seed_offers_one_completion_for_an_arabic_prefix() {
    // What the pty test below relies on: in the seed graph, `'المغ` has a
    // single candidate, the Arabic alias of Morocco, and the vowelled
    // spelling is found too.
    let helper = KgHelper::new(Schema::of(&seed()), false);
    for typed in ["MATCH (m {alias: 'المغ", "MATCH (m {alias: 'المَغ"] {
        let (start, got) = helper.candidates(typed, typed.len());
        assert_eq!(got, vec!["المغرب'"], "{typed}");
        assert_eq!(start, typed.find('\'').unwrap() + 1);
    }
    // A shorter prefix offers several names, all starting with it.
    let typed = "RETURN 'الم";
    let (_, got) = helper.candidates(typed, typed.len());
    assert!(got.len() > 3, "{got:?}");
    assert!(got.iter().all(|n| n.starts_with("الم")), "{got:?}");
    assert!(got.contains(&"المملكة'".to_string()), "{got:?}");
}

#[test]
fn tab_completes_an_arabic_alias_inside_quotes() {
    let mut sh = shell!();
    sh.send("MATCH (m {alias: 'المغ");
    sh.send(TAB);
    // The alias is completed, closing quote included.
    sh.expect("MATCH (m {alias: 'المغرب'", WAIT);
    let out = sh.run("}) RETURN m.key AS key, m.name AS name;");
    assert_eq!(data(&out), vec![vec!["morocco", "Morocco"]], "{out}");
    assert!(out.trim_end().ends_with(&footer(1)), "{out}");
}

#[test]
fn a_syntax_error_points_at_its_column_and_the_shell_goes_on() {
    let mut sh = shell!();
    let query = "MATCH (n:Country) RETRUN n.name;";
    let out = sh.run(query);
    let col = query.find("RETRUN").unwrap() + 1;
    assert!(
        out.contains(&format!("--> query:1:{col}")),
        "line:column of the mistake:\n{out}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let src = lines
        .iter()
        .position(|l| l.starts_with("1 | "))
        .unwrap_or_else(|| panic!("the line is quoted:\n{out}"));
    let caret_line = lines[src + 1];
    let caret = caret_line.find('^').expect("a caret line");
    assert_eq!(
        &lines[src][caret..caret + "RETRUN".len()],
        "RETRUN",
        "the caret is under the mistake:\n{out}"
    );
    assert_eq!(caret_line.matches('^').count(), "RETRUN".len(), "{out}");
    assert!(out.contains("did you mean `RETURN`?"), "{out}");

    // On the second line of a statement: line 2, and the shell still answers.
    sh.line("MATCH (n:Country)");
    sh.expect(CONTINUATION, WAIT);
    sh.line("  RETRUN n;");
    sh.expect("RETRUN n;\n", WAIT);
    let out = sh.until_prompt();
    assert!(out.contains("--> query:2:3"), "{out}");
    assert!(out.contains("2 |   RETRUN n"), "{out}");

    let out = sh.run("RETURN 40 + 2 AS answer;");
    assert_eq!(single(&out), "42", "{out}");
}

#[test]
fn ctrl_c_cancels_a_long_query_and_the_shell_goes_on() {
    let mut sh = shell!();
    // Billions of rows, each with a string to build: minutes of work that
    // no planner can skip.
    let query = "MATCH (a),(b),(c),(d),(e) WHERE a.name + e.name <> '' RETURN count(*);";
    sh.line(query);
    sh.expect(&format!("{query}\n"), WAIT);
    sh.wait_for_normal_mode();
    let mut presses = 0;
    let mut pressed_at;
    let cancelled = loop {
        sh.send(CTRL_C);
        presses += 1;
        pressed_at = Instant::now();
        if let Some(out) = sh.try_expect("cancelled", Duration::from_secs(10)) {
            break out;
        }
        // A Ctrl-C typed in the instant between Enter and the start of the
        // query is lost (see the report); type it again while it runs.
        assert!(
            presses < 3 && !sh.raw_mode(),
            "Ctrl-C did not cancel the query:\n{}",
            sh.transcript()
        );
        eprintln!("Ctrl-C #{presses} was not seen by the query; pressing again");
    };
    let took = pressed_at.elapsed();
    assert!(took < Duration::from_secs(10), "cancelling took {took:?}");
    assert!(
        !cancelled.contains("rows") && !cancelled.contains('┌'),
        "no result for a cancelled query: {cancelled}"
    );
    let rest = sh.until_prompt();
    assert!(!rest.contains('┌'), "{rest}");
    eprintln!("cancelled {took:?} after Ctrl-C");
    let out = sh.run("RETURN 6 * 7 AS answer;");
    assert_eq!(single(&out), "42", "the shell answers again:\n{out}");
}

#[test]
fn ctrl_c_clears_a_half_typed_line() {
    let mut sh = shell!();
    sh.send("MATCH (n:Coun");
    sh.expect("MATCH (n:Coun", WAIT);
    sh.send(CTRL_C);
    sh.expect(PROMPT, WAIT);
    // Nothing of the cleared line is left: this runs alone.
    let out = sh.run("RETURN 7 AS seven;");
    assert_eq!(single(&out), "7", "{out}");
    assert!(!out.contains("error"), "{out}");

    // Also at a continuation prompt: the whole unfinished statement goes.
    sh.line("MATCH (n)");
    sh.expect(CONTINUATION, WAIT);
    sh.send("WHERE n.x =");
    sh.expect("WHERE n.x =", WAIT);
    sh.send(CTRL_C);
    let after = sh.expect(PROMPT, WAIT);
    assert!(!after.contains(CONTINUATION), "{after:?}");
    let out = sh.run("RETURN 8 AS eight;");
    assert_eq!(single(&out), "8", "{out}");
    assert!(!out.contains("error"), "{out}");
}

#[test]
fn source_runs_an_example_script() {
    let mut sh = shell!();
    let golden = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/gctf-co-chairs.out"),
    )
    .expect("examples/gctf-co-chairs.out");
    // The file name is completed with Tab, as far as the candidates
    // (.kgq and .out) agree.
    sh.send(":source examples/gctf-co");
    sh.send(TAB);
    sh.expect("examples/gctf-co-chairs.", WAIT);
    sh.send("kgq\r");
    sh.expect("\n", WAIT);
    let out = sh.until_prompt();
    assert_eq!(
        out.trim_end(),
        golden.trim_end(),
        "the script prints its stored result"
    );
    // A missing file is an error, and the shell goes on.
    let out = sh.run(":source examples/no-such-file.kgq");
    assert!(
        out.contains("cannot read examples/no-such-file.kgq"),
        "{out}"
    );
    let out = sh.run("RETURN 1 AS one;");
    assert_eq!(single(&out), "1", "{out}");
}

#[test]
fn ctrl_d_on_an_empty_line_leaves_with_status_0_and_saves_history() {
    // The history file lives in the test's own directory.
    let dir = std::env::temp_dir().join(format!("kg-repl-pty-hist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let hist = dir.join("history");
    let hist_arg = hist.to_string_lossy().to_string();
    let Some(mut sh) = spawn(&["--history", &hist_arg]) else {
        return;
    };
    sh.expect(PROMPT, START);
    // Ctrl-D on a continuation line ends the statement; the shell stays.
    sh.line("RETURN 5 AS five");
    sh.expect(CONTINUATION, WAIT);
    sh.send(CTRL_D);
    let out = sh.until_prompt();
    assert_eq!(single(&out), "5", "{out}");
    // On an empty line it leaves.
    sh.send(CTRL_D);
    assert_eq!(sh.exit_code(), 0, "{}", sh.transcript());
    let saved = std::fs::read_to_string(&hist).expect("the history file is written");
    assert!(saved.contains("RETURN 5 AS five"), "{saved}");

    // The next shell recalls it with the Up arrow.
    let mut sh = spawn(&["--history", &hist_arg]).expect("a pty");
    sh.expect(PROMPT, START);
    sh.send(UP);
    sh.expect("RETURN 5 AS five", WAIT);
    sh.send(";\r");
    let out = sh.until_prompt();
    assert_eq!(single(&out), "5", "{out}");
    sh.line(":quit");
    assert_eq!(sh.exit_code(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quit_leaves_with_status_0() {
    let mut sh = shell!();
    sh.line(":quit");
    assert_eq!(sh.exit_code(), 0, "{}", sh.transcript());
    let mut sh = shell!();
    // :exit too, after some work.
    let out = sh.run("RETURN 1 AS one;");
    assert_eq!(single(&out), "1", "{out}");
    sh.line(":exit");
    assert_eq!(sh.exit_code(), 0, "{}", sh.transcript());
}

#[test]
fn timing_on_prints_the_stages() {
    let mut sh = shell!();
    let out = sh.run(":timing on");
    assert!(out.contains("timing: on"), "{out}");
    let out = sh.run("MATCH (c:Country) RETURN count(c) AS n;");
    let re = regex::Regex::new(
        r"time: parse (\d+\.\d+) ms, plan (\d+\.\d+) ms, execute (\d+\.\d+) ms, total (\d+\.\d+) ms",
    )
    .unwrap();
    let caps = re
        .captures(&out)
        .unwrap_or_else(|| panic!("a timing line:\n{out}"));
    let ms = |i: usize| caps[i].parse::<f64>().unwrap();
    assert!(
        ms(1) + ms(2) + ms(3) <= ms(4) + 0.01,
        "the stages fit in the total: {}",
        &caps[0]
    );
    // The timing line follows the table.
    assert!(
        out.find("row").unwrap() < out.find("time:").unwrap(),
        "{out}"
    );
    let out = sh.run(":timing off");
    assert!(out.contains("timing: off"), "{out}");
    let out = sh.run("RETURN 1 AS one;");
    assert!(!out.contains("time:"), "{out}");
}

#[test]
fn a_mistyped_command_gets_a_suggestion_and_schema_lists_labels() {
    let mut sh = shell!();
    let out = sh.run(":shema");
    assert!(out.contains("unknown command `:shema`"), "{out}");
    assert!(out.contains("did you mean `:schema`?"), "{out}");
    let out = sh.run(":schema");
    let g = seed();
    let labels: Vec<&str> = g.labels().collect();
    assert!(labels.len() > 3);
    for l in &labels {
        let want = format!("  :{l} ({})", g.label_count(l));
        assert!(out.lines().any(|line| line == want), "{want:?} in\n{out}");
    }
    assert!(out.contains("relation types:"), "{out}");
    assert!(out.contains("(:Country)-[:CO_CHAIRS]->"), "{out}");
}

#[test]
fn a_semicolon_in_a_string_or_comment_does_not_end_the_statement() {
    let mut sh = shell!();
    sh.line("RETURN 'semi;colon' AS s // not the end;");
    sh.expect(CONTINUATION, WAIT);
    sh.line("/* nor ; this */ ;");
    sh.expect("this */ ;\n", WAIT);
    let out = sh.until_prompt();
    assert_eq!(single(&out), "semi;colon", "{out}");
    // A string left open runs on to the next line.
    sh.line("RETURN 'two");
    sh.expect(CONTINUATION, WAIT);
    sh.line("lines' CONTAINS 'o\\nl' AS multi;");
    sh.expect("AS multi;\n", WAIT);
    let out = sh.until_prompt();
    assert_eq!(single(&out), "true", "{out}");
}

#[test]
fn a_statement_recalled_from_history_runs_again() {
    let dir = std::env::temp_dir().join(format!("kg-repl-pty-recall-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let hist = dir.join("history");
    let hist_arg = hist.to_string_lossy().to_string();
    let Some(mut sh) = spawn(&["--history", &hist_arg]) else {
        return;
    };
    sh.expect(PROMPT, START);
    sh.line("MATCH (c:Country {iso: 'MA'})");
    sh.expect(CONTINUATION, WAIT);
    sh.line("RETURN c.name AS name;");
    sh.expect("AS name;\n", WAIT);
    assert_eq!(single(&sh.until_prompt()), "Morocco");
    // (Ctrl-D: `:quit` would be the last history entry.)
    sh.send(CTRL_D);
    assert_eq!(sh.exit_code(), 0);
    // Saved as one entry of two lines, recalled whole by one Up.
    let mut sh = spawn(&["--history", &hist_arg]).expect("a pty");
    sh.expect(PROMPT, START);
    sh.send(UP);
    sh.expect("RETURN c.name AS name;", WAIT);
    sh.send("\r");
    sh.expect("\n", WAIT);
    let out = sh.until_prompt();
    assert_eq!(single(&out), "Morocco", "{out}");
    sh.send(CTRL_D);
    assert_eq!(sh.exit_code(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The lines of a printed table (its borders, rows and footer), checked to
/// be no wider than `cols` terminal cells and aligned with each other.
fn assert_fits(out: &str, cols: usize) {
    let table: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '├', '└']))
        .collect();
    assert!(
        !table.is_empty(),
        "a table:
{out}"
    );
    let top = kg::output::width::display_width(table[0]);
    for l in &table {
        let w = kg::output::width::display_width(l);
        assert!(
            w <= cols,
            "{w} cells, wider than {cols}: {l}
{out}"
        );
        assert_eq!(w, top, "a line out of line with the border: {l}\n{out}");
    }
    for l in out.lines() {
        assert!(
            kg::output::width::display_width(l) <= cols,
            "a line wider than {cols}: {l}"
        );
    }
}

#[test]
fn tables_fit_the_terminal_at_80_100_and_120_columns() {
    for cols in [80u16, 100, 120] {
        let Some(mut sh) = shell_at(cols) else { return };
        let cols = usize::from(cols);
        sh.run(":maxrows 0");
        let out = sh.run("MATCH (n:Event) RETURN n.key, n.name, n.date LIMIT 3;");
        assert_fits(&out, cols);
        assert_eq!(data(&out).len(), 3, "{out}");
        // Every alias, the Arabic ones with lam-alef pairs (two cells each
        // in a terminal) included.
        let out = sh.run("MATCH (n) RETURN n.name, n.aliases;");
        assert_fits(&out, cols);
        let out = sh.run("MATCH (n) UNWIND n.aliases AS a RETURN n.key, a;");
        assert_fits(&out, cols);
        assert!(out.contains("الأمم المتحدة"), "{out}");
        sh.line(":source examples/kuwait-hosted.kgq");
        sh.expect("\n", WAIT);
        assert_fits(&sh.until_prompt(), cols);
        // Too many columns to narrow: the middle ones are hidden, and the
        // footer says how many.
        let out = sh.run("MATCH (n) RETURN n, n.key, n.name, n.aliases, n.sources, n.iso;");
        assert_fits(&out, cols);
        sh.line("MATCH (n) WITH n AS x LIMIT 2");
        sh.expect(CONTINUATION, WAIT);
        let last = "RETURN x AS a,x AS b,x AS c,x AS d,x AS e,x AS f,x AS g,x AS h,x AS i;";
        let out = sh.run(last);
        assert_fits(&out, cols);
        if cols == 80 {
            assert!(out.contains("2 rows, 9 columns ("), "{out}");
            let header = &cells(&out)[0];
            assert!(header.contains(&"…".to_string()), "{out}");
            assert_eq!(header.first().map(String::as_str), Some("a"), "{out}");
            assert_eq!(header.last().map(String::as_str), Some("i"), "{out}");
        } else {
            assert_eq!(cells(&out)[0].len(), 9, "{out}");
        }
        sh.line(":quit");
        assert_eq!(sh.exit_code(), 0);
    }
}

#[test]
fn maxwidth_sets_the_table_width() {
    let Some(mut sh) = shell_at(120) else { return };
    let out = sh.run(":maxwidth");
    assert!(out.contains("now 120"), "{out}");
    sh.run(":maxwidth 50");
    let out = sh.run("MATCH (n:Event) RETURN n.key, n.name, n.date LIMIT 3;");
    assert_fits(&out, 50);
    assert!(out.contains('…'), "{out}");
    // Back to the terminal's width, which follows a resize.
    sh.run(":maxwidth 0");
    sh.resize(90);
    let out = sh.run("MATCH (n:Event) RETURN n.key, n.name, n.date LIMIT 3;");
    assert_fits(&out, 90);
    let widest = out.lines().map(kg::output::width::display_width).max();
    assert!(widest > Some(80), "uses the width it has: {out}");
}

#[test]
fn lines_typed_ahead_in_one_write_are_all_run() {
    for cols in [80u16, 120] {
        let Some(mut sh) = shell_at(cols) else { return };
        let n = seed().entity_count();
        // No bracketed paste: three lines arrive in one write, as from a
        // fast typist, an `expect` script or `screen`.
        sh.send("MATCH (n)\rRETURN count(n) AS n;\rRETURN 7 AS seven;\r:stats\r");
        let out = sh.expect("citations:", WAIT);
        assert!(out.contains(&format!(" {n} │")), "the count of {n}:\n{out}");
        assert!(out.contains(" 7 │"), "the second statement ran:\n{out}");
        assert_eq!(out.matches("\n1 row\n").count(), 2, "{out}");
        assert!(!out.contains("error"), "{out}");
        // Nothing is left over: the next statement runs alone.
        sh.until_prompt();
        let out = sh.run("RETURN 8 AS eight;");
        assert_eq!(single(&out), "8", "{out}");
        sh.line(":quit");
        assert_eq!(sh.exit_code(), 0);
    }
}

#[test]
fn keys_typed_after_a_ctrl_c_in_the_same_burst_are_kept() {
    for cols in [80u16, 120] {
        let Some(mut sh) = shell_at(cols) else { return };
        // One write: a half-typed line, Ctrl-C, then a whole statement (a
        // fast typist or an `expect` script). The half line goes; the
        // statement after the Ctrl-C runs.
        sh.send(&format!("MATCH (n:Coun{CTRL_C}RETURN 40 + 2 AS answer;\r"));
        let out = sh.expect("\n1 row", WAIT);
        assert!(
            out.contains(" 42 │"),
            "the statement after Ctrl-C ran:\n{out}"
        );
        assert!(!out.contains("error"), "{out}");
        sh.until_prompt();
        // At a continuation prompt: the whole unfinished statement goes, and
        // what follows the Ctrl-C in the same write is kept.
        sh.send(&format!(
            "MATCH (n)\rWHERE n.x ={CTRL_C}RETURN 41 + 2 AS answer;\rRETURN 44 AS more;\r"
        ));
        let out = sh.expect(" 44 │", WAIT);
        assert!(out.contains(" 43 │"), "{out}");
        assert!(!out.contains("error"), "{out}");
        sh.until_prompt();
        // Ctrl-C alone still clears the line, and nothing of it is left.
        sh.send("RETURN 1 AS one");
        sh.expect("RETURN 1 AS one", WAIT);
        sh.send(CTRL_C);
        sh.expect(PROMPT, WAIT);
        let out = sh.run("RETURN 9 AS nine;");
        assert_eq!(single(&out), "9", "{out}");
        sh.line(":quit");
        assert_eq!(sh.exit_code(), 0);
    }
}

#[test]
fn a_misspelled_label_gets_a_notification_until_warnings_are_off() {
    for cols in [80u16, 120] {
        let Some(mut sh) = shell_at(cols) else { return };
        let out = sh.run("MATCH (n:Contry) RETURN n.name AS name;");
        assert!(out.contains("0 rows"), "the result is unchanged:\n{out}");
        assert!(
            out.contains("warning: the label `Contry` is not in the graph"),
            "{out}"
        );
        assert!(out.contains("did you mean `Country`?"), "{out}");
        assert!(
            out.find("0 rows") < out.find("warning:"),
            "after the result:\n{out}"
        );
        sh.run(":warnings off");
        let out = sh.run("MATCH (n:Contry) RETURN n.name AS name;");
        assert!(out.contains("0 rows") && !out.contains("warning"), "{out}");
        sh.line(":quit");
        assert_eq!(sh.exit_code(), 0);
    }
}

#[test]
fn sources_shows_the_citations_a_result_returned_as_values() {
    // The README's first session.
    let g = seed();
    let morocco = g.entity_by_key("morocco").expect("morocco");
    let cited = g
        .outgoing(morocco)
        .find(|r| r.rel_type.as_str() == "CO_CHAIRS")
        .and_then(|r| r.sources.first().cloned())
        .expect("a cited CO_CHAIRS relation from Morocco");
    for cols in [80u16, 120] {
        let Some(mut sh) = shell_at(cols) else { return };
        sh.line("MATCH (m {alias: 'المغرب'})-[r:CO_CHAIRS]->(f {alias: 'GCTF'})");
        sh.expect(CONTINUATION, WAIT);
        let out = sh.run("RETURN r.since, r.sources;");
        assert!(out.contains("1 row"), "{out}");
        let out = sh.run(":sources");
        assert!(out.contains("row 1, r.sources"), "{out}");
        let cite = format!("{}#{}", cited.article, cited.sentence);
        assert!(out.contains(&cite), "{cite} in\n{out}");
        assert!(!out.contains("holds no"), "{out}");
        let help = sh.run(":help sources");
        assert!(help.contains("x.sources"), "{help}");
        sh.line(":quit");
        assert_eq!(sh.exit_code(), 0);
    }
}

#[test]
fn tab_lists_the_candidates_and_a_second_tab_keeps_a_unique_completion() {
    let Some(mut sh) = shell_at(80) else { return };
    // Several labels start with `Co`: Tab shows them instead of cycling.
    sh.send("MATCH (x:Co");
    sh.send(TAB);
    sh.send(TAB);
    let shown = sh.expect("Country", WAIT);
    assert!(shown.contains("Continent"), "{shown}");
    // The line is still there to finish.
    let out = sh.run("ntinent) RETURN count(x) AS n;");
    let n = seed().label_count("Continent");
    assert_eq!(single(&out), n.to_string(), "{out}");
    // A unique completion stays after a second Tab.
    sh.send("MATCH (x:Cou");
    sh.send(TAB);
    sh.expect("MATCH (x:Country", WAIT);
    sh.send(TAB);
    let out = sh.run(") RETURN count(x) AS n;");
    let n = seed().label_count("Country");
    assert_eq!(single(&out), n.to_string(), "{out}");
    // Virtual keys and keys inside a pattern map complete.
    sh.send("MATCH (x {ali");
    sh.send(TAB);
    sh.expect("MATCH (x {alias", WAIT);
    sh.send(": 'Maroc'}) RETURN x.ali");
    sh.send(TAB);
    sh.expect("RETURN x.aliases", WAIT);
    let out = sh.run(" IS NOT NULL AS has;");
    assert_eq!(single(&out), "true", "{out}");
}

#[test]
fn timing_without_an_argument_reports() {
    let Some(mut sh) = shell_at(120) else { return };
    for _ in 0..2 {
        let out = sh.run(":timing");
        assert!(out.contains("timing: off"), "reports, never toggles: {out}");
    }
    sh.run(":timing on");
    let out = sh.run(":timing");
    assert!(out.contains("timing: on"), "{out}");
}

#[test]
fn quit_on_a_continuation_line_leaves() {
    for cols in [80u16, 120] {
        let Some(mut sh) = shell_at(cols) else { return };
        sh.line("MATCH (n)");
        sh.expect(CONTINUATION, WAIT);
        sh.line(":quit");
        assert_eq!(sh.exit_code(), 0, "{}", sh.transcript());
        assert!(
            sh.transcript()
                .contains("the unfinished statement was not run"),
            "{}",
            sh.transcript()
        );
    }
}

#[test]
fn a_semicolon_submits_a_statement_with_a_bracket_left_open() {
    for cols in [80u16, 120] {
        let Some(mut sh) = shell_at(cols) else { return };
        let out = sh.run("MATCH (n RETURN n;");
        assert!(out.contains("syntax error"), "{out}");
        assert!(out.contains("--> query:1:"), "{out}");
        assert!(out.contains('^'), "{out}");
        let out = sh.run("RETURN 3 AS three;");
        assert_eq!(single(&out), "3", "{out}");
    }
}

#[test]
fn help_wraps_at_word_boundaries_within_the_terminal() {
    for cols in [80u16, 120] {
        let Some(mut sh) = shell_at(cols) else { return };
        let out = sh.run(":help");
        for l in out.lines() {
            assert!(
                kg::output::width::display_width(l) <= usize::from(cols),
                "wider than {cols}: {l}"
            );
        }
        // Words are not cut: every description word is whole.
        let words: Vec<&str> = out.split_whitespace().collect();
        assert!(words.contains(&"citations"), "{out}");
        assert!(words.contains(&"checkpoint"), "{out}");
        sh.line(":quit");
        assert_eq!(sh.exit_code(), 0);
    }
}

#[test]
fn param_takes_a_map_and_shows_one_value() {
    let Some(mut sh) = shell_at(80) else { return };
    sh.run(":param {who: 'Canada', n: 2}");
    let out = sh.run(":param who");
    assert!(out.contains("$who => 'Canada'"), "{out}");
    let out = sh.run("MATCH (c {alias: $who}) RETURN c.key AS key, $n AS n;");
    assert_eq!(data(&out), vec![vec!["canada", "2"]], "{out}");
    let out = sh.run(":param nobody");
    assert!(out.contains("no parameter $nobody"), "{out}");
}

#[test]
fn leaving_with_unsaved_changes_warns_once() {
    let Some(mut sh) = shell_at(120) else { return };
    let out = sh.run("CREATE (:Draft {name: 'x'});");
    assert!(out.contains("1 nodes created"), "{out}");
    let out = sh.run(":quit");
    assert!(out.contains("will be lost"), "{out}");
    assert!(out.contains(":save FILE"), "{out}");
    // Still there; :save keeps the changes and lets it leave at once.
    let file = sh.home.join("draft.kgdb");
    let out = sh.run(&format!(":save {}", file.display()));
    assert!(out.contains("wrote"), "{out}");
    sh.line(":quit");
    assert_eq!(sh.exit_code(), 0);
    assert!(file.exists());
    // Without saving, the second :quit leaves.
    let Some(mut sh) = shell_at(80) else { return };
    sh.run("CREATE (:Draft);");
    sh.send(CTRL_D);
    sh.expect("will be lost", WAIT);
    sh.expect(PROMPT, WAIT);
    sh.send(CTRL_D);
    assert_eq!(sh.exit_code(), 0);
    // Reads only: no warning.
    let Some(mut sh) = shell_at(80) else { return };
    sh.run("RETURN 1 AS one;");
    sh.line(":quit");
    assert_eq!(sh.exit_code(), 0);
    assert!(!sh.transcript().contains("will be lost"));
}

#[test]
fn render_png_refuses_to_write_binary_to_a_terminal() {
    let Some(mut sh) = spawn(&["dot", "--render", "png"]) else {
        return;
    };
    let out = sh.expect("-o FILE", START);
    assert!(out.contains("binary"), "{out}");
    assert_eq!(sh.exit_code(), 2);
}

/// The REPL's test for "is this statement finished?" on its own: strings,
/// comments, backquotes and brackets hide a `;`.
mod completeness {
    use kg::script::{completeness, Completeness::*};

    #[test]
    fn strings_hide_semicolons_and_know_their_escapes() {
        assert_eq!(completeness("RETURN 'a;b'"), Incomplete);
        assert_eq!(completeness("RETURN 'a;b';"), Complete);
        assert_eq!(completeness("RETURN \"a;b\";"), Complete);
        assert_eq!(completeness("RETURN 'it\\'s;"), Incomplete);
        assert_eq!(completeness("RETURN 'it\\'s';"), Complete);
        assert_eq!(completeness("RETURN \"it's\";"), Complete);
        assert_eq!(completeness("RETURN '\\\\';"), Complete);
        assert_eq!(completeness("RETURN '\\\\'';"), Incomplete);
        assert_eq!(completeness("RETURN 'two\nlines;"), Incomplete);
        assert_eq!(completeness("RETURN 'two\nlines';"), Complete);
        assert_eq!(completeness("RETURN 'المغرب';"), Complete);
        assert_eq!(completeness("RETURN '/*';"), Complete);
        assert_eq!(completeness("RETURN '//';"), Complete);
        assert_eq!(completeness("RETURN `we;ird`"), Incomplete);
        assert_eq!(completeness("RETURN 1 AS `we;ird`;"), Complete);
        assert_eq!(completeness("RETURN 1 AS `a``b`;"), Complete);
    }

    #[test]
    fn comments_hide_semicolons_and_quotes() {
        assert_eq!(completeness("RETURN 1 // ;"), Incomplete);
        assert_eq!(completeness("RETURN 1 // ;\n;"), Complete);
        assert_eq!(completeness("RETURN 1; // done"), Complete);
        assert_eq!(completeness("RETURN 1 // it's\n;"), Complete);
        assert_eq!(completeness("RETURN 1 /* it's ; */ ;"), Complete);
        assert_eq!(completeness("RETURN 1; /* still open"), Incomplete);
        assert_eq!(completeness("RETURN 1 /* a\n;\n*/"), Incomplete);
        assert_eq!(completeness("// just a comment"), Complete);
        assert_eq!(completeness("/* ; */"), Complete);
    }

    #[test]
    fn a_semicolon_ends_the_statement_even_with_a_bracket_open() {
        // The parser then shows where the bracket is missing.
        assert_eq!(completeness("MATCH (n;"), Complete);
        assert_eq!(completeness("MATCH (n RETURN n;"), Complete);
        assert_eq!(completeness("MATCH (n"), Incomplete);
        assert_eq!(completeness("MATCH (n {a: [1,"), Incomplete);
        assert_eq!(completeness("MATCH (n {a: [1,\n2]})\nRETURN n;"), Complete);
        assert_eq!(completeness("RETURN [x IN [1] | (x)];"), Complete);
        assert_eq!(completeness("RETURN ')' + '(';"), Complete);
        assert_eq!(completeness("RETURN {a: '}'};"), Complete);
        // A stray closer is the parser's to report, not a reason to wait.
        assert_eq!(completeness("RETURN 1);"), Complete);
    }

    #[test]
    fn commands_and_blank_input_are_complete() {
        assert_eq!(completeness(":help"), Complete);
        assert_eq!(completeness("  :schema  "), Complete);
        assert_eq!(completeness(""), Complete);
        assert_eq!(completeness("  \n "), Complete);
        assert_eq!(completeness("RETURN 1 ;   "), Complete);
        assert_eq!(completeness("RETURN 1;;"), Complete);
    }
}
