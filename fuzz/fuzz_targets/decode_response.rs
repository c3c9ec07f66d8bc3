//! Any status and body: decoding an answer returns a value or an error, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, &[u8])| {
    infisical_oci_auth::fuzzing::decode_answer(input.0, input.1);
});
