//! Any text as an OCI config file: parsing returns entries or an error, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    infisical_oci_auth::fuzzing::parse_oci_config(text);
});
