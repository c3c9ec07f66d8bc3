//! `cargo xtask`: the repository's maintenance commands.
//!
//! ```text
//! cargo xtask spec pull [--from URL|FILE]   refresh openapi/upstream/ from Infisical's spec
//! cargo xtask spec check [--upstream URL|FILE] [--format text|json|github]
//!                                           compare our spec with upstream (exit 1 on drift)
//! cargo xtask codegen [--out FILE]          write the generated client for review
//! cargo xtask bench                         measure the client against raw reqwest and hyper
//! cargo xtask deps [--build]                downstream crate budgets, dependency MSRVs, and
//!                                           what the crate adds beside reqwest
//! ```

mod codegen;
mod deps;
mod drift;
mod flags;
mod position;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser as _;
use flags::{Command, Spec, Xtask};

/// Exit code for "the input is unusable" (unreadable, not OpenAPI 3.0, unreachable URL).
const UNUSABLE: u8 = 2;

fn main() -> ExitCode {
    let flags = match Xtask::try_parse() {
        Ok(flags) => flags,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { UNUSABLE } else { 0 });
        }
    };
    let result = match flags.command {
        Command::Spec(Spec::Pull { from }) => spec::pull(from.as_deref()),
        Command::Spec(Spec::Check { upstream, format }) => spec::check(upstream.as_deref(), format),
        Command::Codegen { out } => codegen::run(out.as_deref()),
        Command::Bench => bench(),
        Command::Deps { build } => deps::run(build),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(UNUSABLE)
        }
    }
}

/// `cargo xtask bench`: the release benchmark in `benches/throughput.rs`.
fn bench() -> Result<ExitCode, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args([
            "bench",
            "--quiet",
            "--package",
            "infisical-oci-auth",
            "--bench",
            "throughput",
        ])
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}
