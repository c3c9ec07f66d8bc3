//! `SSL_CERT_FILE` trusts a private CA through the platform's verifier (which reads it on
//! Linux). Its own binary: it sets a process-wide variable before any client exists.
#![cfg(all(feature = "rustls", target_os = "linux"))]

mod common;

use common::tls::{TestCa, TlsServer};
use infisical_oci_auth::Client;

#[tokio::test]
async fn a_ca_bundle_named_by_ssl_cert_file_is_trusted() {
    let ca = TestCa::new("Company CA");
    let server = TlsServer::start(
        &ca,
        &["localhost"],
        None,
        common::transcript("02-get").response_body,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca.pem");
    std::fs::write(&bundle, ca.pem()).unwrap();
    // SAFETY: this test binary has one test, which sets the variable before any thread
    // reads the environment.
    unsafe { std::env::set_var("SSL_CERT_FILE", &bundle) };
    let client = Client::builder()
        .base_url(format!("https://localhost:{}", server.addr.port()))
        .token(common::TOKEN)
        .build()
        .unwrap();
    client.get_oci_auth(&common::identity()).await.unwrap();
}
