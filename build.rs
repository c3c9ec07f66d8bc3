//! Generates the typed client from `openapi/infisical-oci-auth.yaml` with progenitor, with
//! the settings of `openapi/codegen.rs`.
//!
//! The generated code goes to `$OUT_DIR/codegen.rs` and is `include!`d by `src/generated.rs`.

use std::path::Path;

#[path = "openapi/codegen.rs"]
mod codegen;

use codegen::{SPEC_PATH, generate, load_spec};

fn main() {
    println!("cargo:rerun-if-changed={SPEC_PATH}");
    println!("cargo:rerun-if-changed=openapi/codegen.rs");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    let out_dir = std::env::var_os("OUT_DIR").unwrap_or_default();
    let result = load_spec(&Path::new(&manifest_dir).join(SPEC_PATH))
        .and_then(|spec| generate(&spec))
        .and_then(|code| {
            let out = Path::new(&out_dir).join("codegen.rs");
            std::fs::write(&out, code).map_err(|e| format!("cannot write {}: {e}", out.display()))
        });
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}
