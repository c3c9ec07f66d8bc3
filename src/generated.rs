//! The client progenitor generates from `openapi/infisical-oci-auth.yaml` (see build.rs).
//! Never edited; behaviour changes go through the spec, the settings in build.rs or the
//! hooks in `transport.rs`.
#![allow(
    missing_docs,
    unused_imports,
    clippy::all,
    clippy::pedantic,
    unreachable_pub,
    dead_code,
    private_interfaces
)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
