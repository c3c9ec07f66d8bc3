//! Company networks: a private CA trusted each documented way, mutual TLS and an HTTP
//! CONNECT proxy, against servers written here on 127.0.0.1 with certificates from a CA
//! made in the test.
#![cfg(feature = "rustls")]

mod common;

use common::tls::{Proxy, TestCa, TlsServer};
use infisical_oci_auth::tls::{Certificate, Identity};
use infisical_oci_auth::{
    Client, ClientBuilder, Error, HttpClientBuilder, RetryPolicy, http_client_builder,
};

fn answer() -> String {
    common::transcript("02-get").response_body
}

fn builder(server: &TlsServer) -> ClientBuilder {
    Client::builder()
        .base_url(format!("https://localhost:{}", server.addr.port()))
        .token(common::TOKEN)
}

fn ca_cert(ca: &TestCa) -> Certificate {
    Certificate::from_pem(ca.pem().as_bytes()).unwrap()
}

/// HTTP settings that trust `ca` beside the platform's roots.
fn trusting(ca: &TestCa) -> HttpClientBuilder {
    http_client_builder().add_root_certificate(ca_cert(ca))
}

#[tokio::test]
async fn a_private_ca_is_trusted_through_the_builder_and_the_http_client_builder() {
    let ca = TestCa::new("Company CA");
    let server = TlsServer::start(&ca, &["localhost"], None, answer()).await;
    // The crate's HTTP settings, handed to the builder.
    let client = builder(&server).http(trusting(&ca)).build().unwrap();
    client.get_oci_auth(&common::identity()).await.unwrap();
    // Only this CA.
    let only = http_client_builder().tls_certs_only([ca_cert(&ca)]);
    let client = builder(&server).http(only).build().unwrap();
    client.get_oci_auth(&common::identity()).await.unwrap();
    // A client built by http_client_builder(), given to the builder.
    let http = http_client_builder()
        .tls_certs_merge(Certificate::from_pem_bundle(ca.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let client = builder(&server).http_client(http).build().unwrap();
    client.get_oci_auth(&common::identity()).await.unwrap();
    // The last of `http` and `http_client` is used: neither is refused for the other.
    let plain = http_client_builder().build().unwrap();
    let client = builder(&server)
        .http_client(plain)
        .http(trusting(&ca))
        .build()
        .unwrap();
    client.get_oci_auth(&common::identity()).await.unwrap();
    // A rustls configuration of the user's own, in a client of their own.
    use infisical_oci_auth::rustls::{
        self,
        pki_types::{CertificateDer, pem::PemObject},
    };
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.pem().as_bytes()).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let http = infisical_oci_auth::reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(infisical_oci_auth::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = builder(&server).http_client(http).build().unwrap();
    client.get_oci_auth(&common::identity()).await.unwrap();
}

#[tokio::test]
async fn an_untrusted_certificate_says_what_to_do_and_costs_one_connection() {
    let ca = TestCa::new("Company CA");
    let server = TlsServer::start(&ca, &["localhost"], None, answer()).await;
    // Default retries: a certificate error is not retried.
    let client = builder(&server).build().unwrap();
    let err = client.get_oci_auth(&common::identity()).await.unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert!(transport.is_tls(), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(server.connections(), 1, "one connection attempt: {err}");
    assert!(
        err.to_string().contains(
            "the server's certificate is not trusted (unknown issuer, another host name, or \
             expired): if the server uses a private CA, add it with \
             HttpClientBuilder::tls_certs_merge(Certificate::from_file(…)) or SSL_CERT_FILE (1 attempt)"
        ),
        "{err}"
    );
    assert!(transport.is_untrusted_certificate());
    assert!(!transport.is_client_certificate_required());
    println!("untrusted certificate: {err}");
}

#[tokio::test]
async fn a_certificate_for_another_host_name_is_refused() {
    let ca = TestCa::new("Company CA");
    let server = TlsServer::start(&ca, &["infisical.other.example"], None, answer()).await;
    let client = builder(&server).http(trusting(&ca)).build().unwrap();
    let err = client.get_oci_auth(&common::identity()).await.unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.is_tls()), "{err:?}");
    assert!(err.to_string().contains("not trusted"), "{err}");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_server_that_requires_a_client_certificate_gets_the_identity() {
    let ca = TestCa::new("Company CA");
    let clients = TestCa::new("Client CA");
    let server = TlsServer::start(&ca, &["localhost"], Some(&clients), answer()).await;
    let (cert, key) = clients.issue(&["workload.example"]);
    let identity = Identity::from_pem_parts(cert.as_bytes(), key.as_bytes()).unwrap();
    assert!(!format!("{identity:?}").contains("PRIVATE"));
    let client = builder(&server)
        .http(trusting(&ca).client_certificate(identity))
        .build()
        .unwrap();
    client.get_oci_auth(&common::identity()).await.unwrap();

    // Without one: a readable error, not retried.
    let client = builder(&server)
        .http(trusting(&ca))
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    let before = server.connections();
    let err = client.get_oci_auth(&common::identity()).await.unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.is_tls()), "{err:?}");
    assert!(
        err.to_string().contains(
            "the server requires a client certificate: set one with \
             HttpClientBuilder::client_certificate"
        ),
        "{err}"
    );
    assert_eq!(server.connections() - before, 1);
}

#[tokio::test]
async fn requests_go_through_a_connect_proxy_and_a_refusing_one_is_named() {
    let ca = TestCa::new("Company CA");
    let server = TlsServer::start(&ca, &["localhost"], None, answer()).await;
    let proxy = Proxy::start(false).await;
    let client = builder(&server)
        .http(trusting(&ca).proxy(&proxy.url))
        .build()
        .unwrap();
    client.get_oci_auth(&common::identity()).await.unwrap();
    assert_eq!(
        proxy.connects.lock().unwrap().as_slice(),
        [format!("CONNECT localhost:{} HTTP/1.1", server.addr.port())]
    );

    let refusing = Proxy::start(true).await;
    let client = builder(&server)
        .http(trusting(&ca).proxy(&refusing.url))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.get_oci_auth(&common::identity()).await.unwrap_err();
    assert!(
        err.to_string().ends_with(&format!(
            ": the proxy {} did not open a tunnel to the server (1 attempt)",
            refusing.url
        )),
        "{err}"
    );
    println!("refused proxy: {err}");
    assert_eq!(
        server.connections(),
        1,
        "only the first client reached the server"
    );
}
