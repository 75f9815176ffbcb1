//! `kg generate`: a synthetic knowledge graph of the seed graph's shape, for
//! benchmarks.

use std::process::ExitCode;

/// The arguments of `kg generate`.
#[derive(clap::Args, Debug)]
pub struct GenerateArgs {}

/// `kg generate` (work in progress).
pub fn run(_args: &GenerateArgs) -> Result<ExitCode, String> {
    Err("kg generate: not available yet".into())
}
