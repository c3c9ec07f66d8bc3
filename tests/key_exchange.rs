//! The key exchange of the default TLS: rustls over aws-lc-rs offers the post-quantum hybrid
//! X25519MLKEM768 first and the classical groups after it, so a server that accepts only
//! one of them is reached either way. Servers: rustls over aws-lc-rs on 127.0.0.1, TLS 1.3,
//! each accepting exactly one group; the group is read on the server's side.
#![cfg(feature = "rustls")]

mod common;

use common::tls::{TestCa, TlsServer};
use infisical_oci_auth::rustls::NamedGroup;
use infisical_oci_auth::tls::Certificate;
use infisical_oci_auth::{Client, http_client_builder};

/// Reads an identity's OCI Auth from a server that accepts `group` alone (or every group);
/// the groups the server negotiated.
async fn reach(group: Option<NamedGroup>) -> Vec<NamedGroup> {
    let ca = TestCa::new("Key exchange CA");
    let answer = common::transcript("02-get").response_body;
    let server = match group {
        Some(group) => TlsServer::only_group(&ca, &["localhost"], answer, group).await,
        None => TlsServer::start(&ca, &["localhost"], None, answer).await,
    };
    let client = Client::builder()
        .base_url(format!("https://localhost:{}", server.addr.port()))
        .token(common::TOKEN)
        .http(
            http_client_builder()
                .tls_certs_only([Certificate::from_pem(ca.pem().as_bytes()).unwrap()]),
        )
        .build()
        .unwrap();
    client.get_oci_auth(&common::identity()).await.unwrap();
    server.groups.lock().unwrap().clone()
}

#[tokio::test]
async fn a_server_that_accepts_only_x25519mlkem768_is_reached_with_it() {
    assert_eq!(
        reach(Some(NamedGroup::X25519MLKEM768)).await,
        [NamedGroup::X25519MLKEM768]
    );
}

#[tokio::test]
async fn a_server_that_accepts_only_x25519_is_reached_with_it() {
    assert_eq!(reach(Some(NamedGroup::X25519)).await, [NamedGroup::X25519]);
}

#[tokio::test]
async fn the_post_quantum_group_is_chosen_when_the_server_accepts_every_group() {
    assert_eq!(reach(None).await, [NamedGroup::X25519MLKEM768]);
}
