//! `cargo xtask deps`: the dependency budgets of a downstream app (DESIGN "Budgets") and the
//! MSRV of everything in it.
//!
//! A downstream app that depends on this crate builds the crate's normal dependency tree
//! plus itself; `cargo tree -e normal` on the library gives that tree (dev-dependencies and
//! their features are not in it). The MSRV check compares each package's `rust-version`
//! (from `cargo metadata`) with the library's own: a dependency that needs a newer compiler
//! than the crate states would break the stated MSRV.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, ExitCode};

use serde_json::Value;

const PACKAGE: &str = "infisical-oci-auth";

/// (what, cargo feature arguments, the most crates a downstream app may build, app included)
const BUDGETS: [(&str, &[&str], usize); 2] = [
    ("default features", &[], 145),
    (
        "default-features = false, features = [\"rustls\"]",
        &["--no-default-features", "--features", "rustls"],
        108,
    ),
];

pub(crate) fn run() -> Result<ExitCode, String> {
    let metadata = metadata()?;
    let msrv = rust_version_of(&metadata, PACKAGE)
        .ok_or_else(|| format!("{PACKAGE} states no rust-version"))?;
    let mut ok = true;
    for (what, features, budget) in BUDGETS {
        let tree = tree(features)?;
        // The app itself is one more crate.
        let count = tree.len() + 1;
        let verdict = if count <= budget { "ok" } else { "OVER" };
        println!("{what}: {count} crates for a downstream app (budget {budget}): {verdict}");
        ok &= count <= budget;
        for (name, version) in &tree {
            let needs = metadata
                .get(&(name.clone(), version.clone()))
                .and_then(|p| p["rust_version"].as_str());
            if let Some(needs) = needs
                && parse_version(needs) > parse_version(&msrv)
            {
                println!("  {name} {version} needs Rust {needs}, above the MSRV {msrv}");
                ok = false;
            }
        }
    }
    println!("MSRV {msrv}: every dependency's rust-version checked");
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Every package of the workspace's resolution, by (name, version).
fn metadata() -> Result<BTreeMap<(String, String), Value>, String> {
    let output = cargo(&["metadata", "--format-version", "1", "--locked"])?;
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

/// The distinct packages in the library's normal dependency tree, itself included.
fn tree(features: &[&str]) -> Result<BTreeSet<(String, String)>, String> {
    let mut args = vec![
        "tree",
        "--locked",
        "--package",
        PACKAGE,
        "--edges",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ];
    args.extend_from_slice(features);
    let output = cargo(&args)?;
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

fn cargo(args: &[&str]) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(crate::root())
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
