//! The command line of `cargo xtask`, declared in one place.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::spec::Format;

/// The repository's maintenance commands.
#[derive(Parser, Debug)]
#[command(name = "cargo xtask")]
pub(crate) struct Xtask {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Infisical's published spec: pin its OCI Auth part, or compare ours with it.
    #[command(subcommand)]
    Spec(Spec),
    /// Write the formatted generated client for review.
    Codegen {
        /// Write it here (default: stdout).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Measure the client against raw reqwest and hyper, validation, signing.
    ///
    /// In one release run: the typed client against the generated method alone, a
    /// hand-written reqwest call and raw hyper on a loopback server (concurrency 1 and 16),
    /// validate+serialize, OCI signing (BENCH_REQUESTS, BENCH_ROUNDS set the size).
    Bench,
    /// Check the downstream dependency budgets and MSRVs.
    ///
    /// Counts a downstream app's crates, build dependencies included (default features;
    /// rustls only) against the budgets; checks that no dependency needs a newer Rust than
    /// the crate's rust-version; and that beside reqwest 0.13's defaults the crate adds no
    /// second crypto library (ring, rsa).
    Deps {
        /// Also time clean builds of an app with reqwest alone and with the crate (CPU
        /// seconds).
        #[arg(long)]
        build: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum Spec {
    /// Pin the OCI Auth part of Infisical's published spec in openapi/upstream/.
    Pull {
        /// A URL or a file (default: `https://us.infisical.com/api/docs/json`).
        #[arg(long, value_name = "URL|FILE")]
        from: Option<String>,
    },
    /// Compare our spec with upstream (exit 1 on drift).
    ///
    /// Compares openapi/infisical-oci-auth.yaml with upstream and checks that progenitor
    /// generates from it; each finding with its line; exit 0 clean, 1 drift, 2 bad input.
    Check {
        /// A URL or a file, extracted as by pull without touching the pin (default: the pin).
        #[arg(long, value_name = "URL|FILE")]
        upstream: Option<String>,
        /// How to print the findings.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}
