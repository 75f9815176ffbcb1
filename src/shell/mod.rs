//! The interactive shell (REPL) and the script runner it shares with the CLI.

pub mod command;
pub mod helper;
pub mod repl;
pub mod session;
