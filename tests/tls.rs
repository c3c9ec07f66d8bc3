//! The crate changes no process-wide state for TLS: clients get their rustls setup per
//! client, so an application that installs its own crypto provider afterwards (often with
//! `.expect()`) does not panic. Its own binary, so that no other test installs one first.
#![cfg(feature = "rustls")]

use infisical_oci_auth::rustls;

#[test]
fn building_clients_installs_no_process_wide_crypto_provider() {
    infisical_oci_auth::Client::builder()
        .base_url("https://infisical.example.com")
        .build()
        .unwrap();
    infisical_oci_auth::http_client_builder().build().unwrap();
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    rustls::crypto::aws_lc_rs::default_provider()
        .install_default()
        .expect("the application's provider is the first one");
}
