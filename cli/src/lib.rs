//! The library behind the `infisical-oci-auth` command: a reviewed YAML file of many machine
//! identities' OCI Auth ([`DesiredFile`]), every mistake in it with its line
//! ([`FileError`]), and plan and apply over the whole file with bounded concurrency
//! ([`plan_file`], [`apply_file`]).
//!
//! The command is the product; this library is what it is made of, for tools that want the
//! same file format. What one identity should have, and the one converge, are the
//! `infisical-oci-auth` crate's (`infisical_oci_auth::desired`).
//!
//! ```
//! use infisical_oci_auth_cli::DesiredFile;
//!
//! let file = DesiredFile::parse(
//!     "identities:\n  6511e966-169d-4653-a191-c559fe230086:\n    tenancyOcid: ocid1.tenancy.oc1..aaaa\n",
//!     "identities.yaml",
//! )?;
//! assert_eq!(file.entries().len(), 1);
//! # Ok::<(), infisical_oci_auth_cli::FileError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod file;
mod mistake;
mod parse;
mod run;
mod yaml;

pub use file::{DesiredFile, EntryOutcome, Summary};
pub use mistake::{FileError, Mistake};
pub use run::{apply_file, plan_file};
