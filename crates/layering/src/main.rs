//! `layering [DIR]`: checks that every module of every crate in the workspace at `DIR` (default:
//! the current folder), or of the crate at `DIR`, uses only modules declared above it. Prints one
//! line per violation and a summary; exits 1 on a violation, 2 when the check cannot run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("layering: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the check; `Ok(true)` when the rule holds.
fn run() -> anyhow::Result<bool> {
    let mut args = std::env::args_os().skip(1);
    let dir = args
        .next()
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    anyhow::ensure!(
        args.next().is_none(),
        "usage: layering [WORKSPACE_OR_CRATE_DIR]"
    );
    let report = layering::check(&dir)
        .with_context(|| format!("checking module layering in {}", dir.display()))?;
    println!("{report}");
    Ok(report.holds())
}
