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
mod position;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code for "the input is unusable" (unreadable, not OpenAPI 3.0, unreachable URL).
const UNUSABLE: u8 = 2;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  spec pull [--from URL|FILE]    pin the OCI Auth part of Infisical's published spec in
                                 openapi/upstream/ (default: https://us.infisical.com/api/docs/json)
  spec check [--upstream URL|FILE] [--format text|json|github]
                                 compare openapi/infisical-oci-auth.yaml with upstream (default:
                                 the pin; a URL or file is extracted as by pull, the pin is not
                                 touched) and check that progenitor generates from it; each
                                 finding with its line; exit 0 clean, 1 drift, 2 bad input
  codegen [--out FILE]           write the formatted generated client (default: stdout)
  bench                          measure, in one release run: the typed client against the
                                 generated method alone, a hand-written reqwest call and raw
                                 hyper on a loopback server (concurrency 1 and 16),
                                 validate+serialize, OCI signing
                                 (BENCH_REQUESTS, BENCH_ROUNDS set the size)
  deps [--build]                 count a downstream app's crates, build dependencies
                                 included (default features; rustls only) against the
                                 budgets; check that no dependency needs a newer Rust than
                                 the crate's rust-version; and that beside reqwest 0.13's
                                 defaults the crate adds no second crypto library (ring,
                                 rsa). --build also times clean builds (CPU seconds)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["spec", "pull", rest @ ..] => option(rest, "--from").and_then(|from| spec::pull(from)),
        ["spec", "check", rest @ ..] => options(rest, &["--upstream", "--format"]).and_then(|o| {
            let format = o[1].map_or(Ok(spec::Format::Text), spec::Format::parse)?;
            spec::check(o[0], format)
        }),
        ["bench"] => bench(),
        ["deps"] => deps::run(false),
        ["deps", "--build"] => deps::run(true),
        ["codegen", rest @ ..] => {
            option(rest, "--out").and_then(|out| codegen::run(out.map(Path::new)))
        }
        [] | ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!("unknown command {:?}\n\n{USAGE}", args.join(" "))),
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

/// Reads any of `--name VALUE` for `names` from `rest`, each at most once, in `names`' order;
/// anything else is a usage error.
fn options<'a>(rest: &[&'a str], names: &[&str]) -> Result<Vec<Option<&'a str>>, String> {
    let mut values = vec![None; names.len()];
    let mut rest = rest.iter();
    while let Some(flag) = rest.next() {
        let i = names
            .iter()
            .position(|n| n == flag)
            .ok_or_else(|| format!("unexpected {flag:?}\n\n{USAGE}"))?;
        let value = rest
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))?;
        if values[i].replace(*value).is_some() {
            return Err(format!("{flag} given twice"));
        }
    }
    Ok(values)
}

/// Reads `--name VALUE` (or nothing) from `rest`; anything else is a usage error.
fn option<'a>(rest: &[&'a str], name: &str) -> Result<Option<&'a str>, String> {
    match rest {
        [] => Ok(None),
        [flag, value] if *flag == name => Ok(Some(value)),
        _ => Err(format!(
            "expected at most `{name} VALUE`, got {:?}\n\n{USAGE}",
            rest.join(" ")
        )),
    }
}

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}
