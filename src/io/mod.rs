//! Moving graphs in and out: `kg import` and `kg export`.

use std::process::ExitCode;

/// The arguments of `kg import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {}

/// The arguments of `kg export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {}

/// `kg import` (work in progress).
pub fn run_import(_args: &ImportArgs) -> Result<ExitCode, String> {
    Err("kg import: not available yet".into())
}

/// `kg export` (work in progress).
pub fn run_export(_args: &ExportArgs) -> Result<ExitCode, String> {
    Err("kg export: not available yet".into())
}
