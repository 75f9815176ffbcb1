//! `kg batch`: a JSON-lines request/response loop over one loaded graph, for
//! benchmark harnesses and other programs.

use std::process::ExitCode;

/// The arguments of `kg batch`.
#[derive(clap::Args, Debug)]
pub struct BatchArgs {}

/// `kg batch` (work in progress).
pub fn run(_args: &BatchArgs) -> Result<ExitCode, String> {
    Err("kg batch: not available yet".into())
}
