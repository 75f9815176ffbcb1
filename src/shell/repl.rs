//! The interactive loop: rustyline with history, completion and
//! highlighting; statements end with `;` and may span lines (continuation
//! prompt), Ctrl-C clears the input or cancels a running query, Ctrl-D leaves.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustyline::error::ReadlineError;
use rustyline::history::{FileHistory, History};
use rustyline::{
    Cmd, CompletionType, ConditionalEventHandler, Config, Editor, Event, EventContext,
    EventHandler, KeyEvent, RepeatCount,
};

use crate::error::ErrorKind;
use crate::output::sink;
use crate::script::{completeness, split, Completeness, PieceKind};
use crate::shell::helper::{KgHelper, Schema};
use crate::shell::session::{Flow, Session, OUTPUT_FAILED};

/// The first-line prompt.
pub const PROMPT: &str = "kg> ";
/// The prompt for the following lines of an unfinished statement.
pub const CONTINUATION: &str = " -> ";

/// Where the history file lives by default: `$XDG_DATA_HOME/kg/history`, or
/// `~/.local/share/kg/history`.
pub fn default_history_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("kg").join("history"))
}

/// Whether to use colour on standard output: a terminal and no `NO_COLOR`.
pub fn color_wanted() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The banner printed when the shell starts.
pub fn banner(session: &Session) -> String {
    let g = session.engine.graph();
    format!(
        "kg {} — {} entities, {} relations, {} labels, {} relation types\n\
         Statements end with `;`. Type :help for help, :quit or Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION"),
        g.entity_count(),
        g.relation_count(),
        g.labels().count(),
        g.relation_types().count()
    )
}

/// Ctrl-C at the prompt, as a key binding: it ends the line as Enter does
/// and raises a flag that tells the loop to drop the input.
///
/// rustyline's own Ctrl-C (`Cmd::Interrupt`) makes `command::execute` return
/// `ReadlineError::Interrupted`, and `Editor::readline_edit` passes that on
/// with `?` before it takes back the reader's read-ahead buffer
/// (`self.buffer = rdr.unbuffer()`, rustyline 19.0.0 `src/lib.rs`): the
/// reader is dropped with whatever was typed after the Ctrl-C in the same
/// burst. Ending the line normally keeps that buffer for the next prompt.
struct CtrlC {
    /// Set when Ctrl-C ended the line.
    pressed: Arc<AtomicBool>,
}

impl ConditionalEventHandler for CtrlC {
    fn handle(
        &self,
        _evt: &Event,
        _n: RepeatCount,
        _positive: bool,
        _ctx: &EventContext,
    ) -> Option<Cmd> {
        self.pressed.store(true, Ordering::SeqCst);
        Some(Cmd::AcceptLine)
    }
}

/// Runs the shell until the user leaves, or until its output cannot be
/// written (the failure is left to [`sink::finish`]). `history` is the
/// history file (`None`: history in memory only).
pub fn run(mut session: Session, history: Option<PathBuf>) -> io::Result<()> {
    let color = color_wanted();
    session.table.color = color;
    session.follow_terminal = io::stdout().is_terminal();
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)
        .map_err(io::Error::other)?
        .max_history_size(10_000)
        .map_err(io::Error::other)?
        // Tab completes what all candidates share and lists them (as bash
        // does), instead of cycling through them (which made a second Tab
        // undo a unique completion).
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<KgHelper, FileHistory> =
        Editor::with_config(config).map_err(io::Error::other)?;
    let ctrl_c = Arc::new(AtomicBool::new(false));
    editor.bind_sequence(
        KeyEvent::ctrl('C'),
        EventHandler::Conditional(Box::new(CtrlC {
            pressed: ctrl_c.clone(),
        })),
    );
    editor.set_helper(Some(KgHelper::new(
        Schema::of(session.engine.graph()),
        color,
    )));
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if path.exists() {
            if let Err(e) = editor.load_history(path) {
                say(&format!(
                    "warning: cannot read history {}: {e}",
                    path.display()
                ));
            }
        }
    }
    // Ctrl-C while a query runs: the terminal is in normal mode then, so the
    // signal arrives here and cancels the query; at the prompt rustyline reads
    // Ctrl-C as a key and clears the line.
    let cancel = session.cancel.clone();
    if let Err(e) = ctrlc::set_handler(move || cancel.store(true, Ordering::SeqCst)) {
        say(&format!("warning: Ctrl-C will not cancel queries: {e}"));
    }
    say(&banner(&session));
    let mut buffer = String::new();
    // Whether leaving with unsaved changes was already warned about.
    let mut warned = false;
    loop {
        let prompt = if buffer.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        if let Some(h) = editor.helper_mut() {
            h.context.clone_from(&buffer);
        }
        ctrl_c.store(false, Ordering::SeqCst);
        let read = editor.readline(prompt);
        // Ctrl-C ends the line (see `CtrlC`); the input is dropped, as
        // rustyline's `Interrupted` would have it.
        let read = match read {
            Ok(_) if ctrl_c.swap(false, Ordering::SeqCst) => Err(ReadlineError::Interrupted),
            other => other,
        };
        match read {
            Ok(line) => {
                if !buffer.is_empty() && is_quit(&line) {
                    // `:quit` on a continuation line leaves; the unfinished
                    // statement is dropped (and kept in the history).
                    let _ = editor.history_mut().add(buffer.trim());
                    say("(the unfinished statement was not run)");
                    buffer.clear();
                    if may_leave(&session, &mut warned) {
                        break;
                    }
                    continue;
                }
                if !buffer.is_empty() {
                    buffer.push('\n');
                }
                buffer.push_str(&line);
                if completeness(&buffer) == Completeness::Incomplete {
                    continue;
                }
            }
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => {
                if buffer.trim().is_empty() {
                    if may_leave(&session, &mut warned) {
                        break;
                    }
                    continue;
                }
                // EOF ends the last statement.
            }
            Err(e) => {
                say(&format!("error: {e}"));
                break;
            }
        }
        let text = std::mem::take(&mut buffer);
        if text.trim().is_empty() {
            continue;
        }
        let _ = editor.history_mut().add(text.trim());
        let mut quit = false;
        let mut wrote = false;
        session.begin_input();
        for piece in split(&text) {
            let mut out = sink::stdout();
            let mut err = sink::stderr();
            let flow = match piece.kind {
                PieceKind::Command => session.run_command_line(&piece.text, &mut out, &mut err),
                PieceKind::Statement => {
                    wrote = true;
                    match session.run_statement(&piece.text, &mut out) {
                        Ok(()) => Ok(Flow::Continue),
                        // Left for the sink to report; the loop ends below.
                        Err(e) if e.code == OUTPUT_FAILED => Ok(Flow::Continue),
                        Err(e) => {
                            if e.kind == ErrorKind::Cancelled {
                                // After the `^C` the terminal echoed.
                                let _ = writeln!(err);
                            }
                            let _ = write!(err, "{}", e.render("query", &piece.text));
                            Ok(Flow::Continue)
                        }
                    }
                }
            };
            let _ = out.flush();
            if sink::failed() || flow == Ok(Flow::Quit) && may_leave(&session, &mut warned) {
                quit = true;
                break;
            }
        }
        if wrote {
            if let Some(h) = editor.helper_mut() {
                h.schema = Schema::of(session.engine.graph());
            }
        }
        if quit {
            break;
        }
    }
    if let Some(path) = &history {
        if let Err(e) = editor.save_history(path) {
            say(&format!(
                "warning: cannot write history {}: {e}",
                path.display()
            ));
        }
    }
    Ok(())
}

/// Whether the shell may end now: not while the in-memory graph holds
/// changes nobody saved, the first time (the warning says how to keep
/// them; leaving again leaves).
fn may_leave(session: &Session, warned: &mut bool) -> bool {
    if !session.unsaved || *warned {
        return true;
    }
    *warned = true;
    say(
        "warning: the graph in memory has changes that are not saved anywhere and will be \
         lost: :save FILE keeps them (then kg FILE opens them); :quit or Ctrl-D again leaves \
         without saving",
    );
    false
}

/// True for a line that is only `:quit`, `:exit` or `:q`.
fn is_quit(line: &str) -> bool {
    let word = line.trim().trim_end_matches(';').trim();
    matches!(word, ":quit" | ":exit" | ":q")
}

/// Writes a line to standard error (a failure is recorded by the sink).
fn say(line: &str) {
    let _ = writeln!(sink::stderr(), "{line}");
}
