//! `cargo xtask deps`: the dependency budgets of a downstream app (ARCHITECTURE.md
//! "Budgets"), the MSRV of everything in it, and what the crate adds to an application
//! that already uses reqwest with its default features.
//!
//! A downstream app that depends on this crate compiles the crate's normal and build
//! dependency trees plus itself; `cargo tree -e normal,build` on the library gives that
//! (dev-dependencies and their features are not in it). The MSRV check compares each
//! package's `rust-version` (from `cargo metadata`) with the library's own.
//!
//! The reqwest comparison builds a scratch application under `target/xtask-deps/`:
//! reqwest 0.13 with its defaults (rustls over aws-lc-rs), then the same with this crate.
//! It must build no second crypto library (`ring`, `rsa`). With `--build`, both are built
//! from clean and the CPU seconds (user + system) each build took are printed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::Value;

const PACKAGE: &str = "infisical-oci-auth";

/// Crates a second crypto library would bring; an app with reqwest's defaults has neither.
const SECOND_CRYPTO: [&str; 2] = ["ring", "rsa"];

/// (what, cargo feature arguments, the most crates a downstream app may compile, app
/// included, build dependencies counted)
const BUDGETS: [(&str, &[&str], usize); 2] = [
    ("default features", &[], 175),
    (
        "default-features = false, features = [\"rustls\"]",
        &["--no-default-features", "--features", "rustls"],
        140,
    ),
];

type Packages = BTreeSet<(String, String)>;

pub(crate) fn run(build: bool) -> Result<ExitCode, String> {
    let metadata = metadata()?;
    let msrv = rust_version_of(&metadata, PACKAGE)
        .ok_or_else(|| format!("{PACKAGE} states no rust-version"))?;
    let mut ok = true;
    for (what, features, budget) in BUDGETS {
        let mut args = vec!["--package", PACKAGE];
        args.extend_from_slice(features);
        let tree = tree(&crate::root(), &args)?;
        // The app itself is one more crate.
        let count = tree.len() + 1;
        let verdict = if count <= budget { "ok" } else { "OVER" };
        println!("{what}: {count} crates for a downstream app (budget {budget}): {verdict}");
        ok &= count <= budget;
        ok &= msrv_holds(&metadata, &tree, &msrv);
    }
    println!("MSRV {msrv}: every dependency's rust-version checked");
    ok &= beside_reqwest(build)?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Whether every package of `tree` builds with Rust `msrv`; each that does not is printed.
fn msrv_holds(metadata: &BTreeMap<(String, String), Value>, tree: &Packages, msrv: &str) -> bool {
    let mut ok = true;
    for (name, version) in tree {
        let needs = metadata
            .get(&(name.clone(), version.clone()))
            .and_then(|p| p["rust_version"].as_str());
        if let Some(needs) = needs
            && parse_version(needs) > parse_version(msrv)
        {
            println!("  {name} {version} needs Rust {needs}, above the MSRV {msrv}");
            ok = false;
        }
    }
    ok
}

/// An app with reqwest 0.13's defaults, without and with this crate: the crates this crate
/// adds, and that none of them is a second crypto library.
fn beside_reqwest(build: bool) -> Result<bool, String> {
    let alone = scratch_app("reqwest-alone", "")?;
    let root = crate::root().display().to_string();
    let with = scratch_app(
        "reqwest-with-crate",
        &format!("infisical-oci-auth = {{ path = {root:?} }}\n"),
    )?;
    let (before, after) = (tree(&alone, &[])?, tree(&with, &[])?);
    let added: Vec<_> = after
        .difference(&before)
        .map(|(n, _)| n.as_str())
        .filter(|n| !n.starts_with("reqwest-"))
        .collect();
    println!(
        "reqwest 0.13 defaults: {} crates; with {PACKAGE}: {} ({} added: {})",
        before.len() - 1,
        after.len() - 1,
        added.len(),
        added.join(" ")
    );
    let second: Vec<_> = after
        .iter()
        .filter(|(n, _)| SECOND_CRYPTO.contains(&n.as_str()))
        .map(|(n, v)| format!("{n} {v}"))
        .collect();
    if !second.is_empty() {
        println!("  a second crypto library: {}", second.join(", "));
    }
    if build {
        let (alone_s, with_s) = (cpu_seconds(&alone)?, cpu_seconds(&with)?);
        println!(
            "clean debug build, CPU seconds (user + system): reqwest alone {alone_s:.0}, \
             with {PACKAGE} {with_s:.0} (+{:.0})",
            with_s - alone_s
        );
    }
    Ok(second.is_empty())
}

/// A scratch binary crate under `target/xtask-deps/NAME` that depends on reqwest 0.13 with
/// its defaults, tokio, and `extra` (a `[dependencies]` line); its lock file starts from
/// the workspace's, so it resolves to the same versions.
fn scratch_app(name: &str, extra: &str) -> Result<PathBuf, String> {
    let dir = crate::root().join("target/xtask-deps").join(name);
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let manifest = format!(
        "[package]\nname = {name:?}\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nreqwest = \"0.13\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\
         {extra}\n[workspace]\n"
    );
    let write = |path: PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), &manifest)?;
    write(
        dir.join("src/main.rs"),
        "#[tokio::main]\nasync fn main() {}\n",
    )?;
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(crate::root().join("Cargo.lock"), dir.join("Cargo.lock"))
            .map_err(|e| format!("Cargo.lock: {e}"))?;
    }
    Ok(dir)
}

/// The distinct packages that building in `dir` with `args` compiles (normal and build
/// dependencies of the selected package, itself included).
fn tree(dir: &Path, args: &[&str]) -> Result<Packages, String> {
    let mut all = vec![
        "tree",
        "--edges",
        "normal,build",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ];
    all.extend_from_slice(args);
    let output = cargo(dir, &all)?;
    Ok(output
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?.to_owned();
            let version = words.next()?.trim_start_matches('v').to_owned();
            Some((name, version))
        })
        .collect())
}

/// CPU seconds (user + system, all processes) of a clean debug build in `dir`.
fn cpu_seconds(dir: &Path) -> Result<f64, String> {
    cargo(dir, &["clean", "--quiet"])?;
    let output = Command::new("bash")
        .args([
            "-c",
            "TIMEFORMAT='%U %S'; { time cargo build --quiet >/dev/null 2>&1; } 2>&1",
        ])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let seconds: Vec<f64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match seconds.as_slice() {
        [user, system] if output.status.success() => Ok(user + system),
        _ => Err(format!("the build in {} failed: {text}", dir.display())),
    }
}

/// Every package of the workspace's resolution, by (name, version).
fn metadata() -> Result<BTreeMap<(String, String), Value>, String> {
    let output = cargo(
        &crate::root(),
        &["metadata", "--format-version", "1", "--locked"],
    )?;
    let doc: Value = serde_json::from_str(&output).map_err(|e| format!("cargo metadata: {e}"))?;
    Ok(doc["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p["name"].as_str()?.to_owned();
            let version = p["version"].as_str()?.to_owned();
            Some(((name, version), p.clone()))
        })
        .collect())
}

fn rust_version_of(metadata: &BTreeMap<(String, String), Value>, name: &str) -> Option<String> {
    metadata
        .iter()
        .find(|((n, _), _)| n == name)
        .and_then(|(_, p)| p["rust_version"].as_str().map(str::to_owned))
}

fn cargo(dir: &Path, args: &[&str]) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run cargo {}: {e}", args.join(" ")))?;
    if !output.status.success() {
        return Err(format!(
            "cargo {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("cargo {}: {e}", args[0]))
}

/// `1.88` or `1.88.0` as comparable numbers.
fn parse_version(v: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = v.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    parts.resize(3, 0);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert!(parse_version("1.100") > parse_version("1.88"));
        assert_eq!(parse_version("1.88"), parse_version("1.88.0"));
        assert!(parse_version("1.88.1") > parse_version("1.88"));
    }
}
