//! `SSL_CERT_FILE` trusts a private CA through the platform's verifier (which reads it on
//! Linux). Its own binary: it sets a process-wide variable before any client exists.
#![cfg(all(feature = "rustls", target_os = "linux"))]

mod common;
#[path = "common/tls.rs"]
mod tls_support;

use infisical_oci_auth::Client;
use tls_support::{TestCa, TlsServer};

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
    let dir = std::env::temp_dir().join(format!("ssl-cert-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("ca.pem");
    std::fs::write(&bundle, ca.pem()).unwrap();
    // SAFETY: this test binary has one test, which sets the variable before any thread
    // reads the environment.
    unsafe { std::env::set_var("SSL_CERT_FILE", &bundle) };
    let client = Client::builder()
        .base_url(format!("https://localhost:{}", server.addr.port()))
        .token(common::TOKEN)
        .build()
        .unwrap();
    let result = client.get_oci_auth(&common::identity()).await;
    let _ = std::fs::remove_dir_all(&dir);
    result.unwrap();
}
