//! TLS servers, CAs and client certificates made in the tests, and an HTTP CONNECT proxy.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A CA made for one test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        TestCa { issuer }
    }

    /// The CA certificate, PEM.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A certificate for `names` (DNS names or IP addresses) and its key, PEM.
    pub fn issue(&self, names: &[&str]) -> (String, String) {
        let params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// A TLS server on 127.0.0.1 answering every request with `body` (200, JSON); counts the
/// TCP connections it accepted and records the key-exchange group of each handshake.
pub struct TlsServer {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicUsize>,
    pub groups: Arc<std::sync::Mutex<Vec<rustls::NamedGroup>>>,
}

impl TlsServer {
    /// Serves a certificate for `names` from `ca`; with `client_ca`, requires a client
    /// certificate issued by it.
    pub async fn start(
        ca: &TestCa,
        names: &[&str],
        client_ca: Option<&TestCa>,
        body: String,
    ) -> Self {
        Self::start_with(ca, names, client_ca, body, None).await
    }

    /// [`start`](Self::start), TLS 1.3 only, accepting the key-exchange `group` alone.
    pub async fn only_group(
        ca: &TestCa,
        names: &[&str],
        body: String,
        group: rustls::NamedGroup,
    ) -> Self {
        Self::start_with(ca, names, None, body, Some(group)).await
    }

    async fn start_with(
        ca: &TestCa,
        names: &[&str],
        client_ca: Option<&TestCa>,
        body: String,
        group: Option<rustls::NamedGroup>,
    ) -> Self {
        let (cert_pem, key_pem) = ca.issue(names);
        let chain = vec![CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap()];
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
        let mut provider = rustls::crypto::aws_lc_rs::default_provider();
        if let Some(group) = group {
            provider.kx_groups.retain(|kx| kx.name() == group);
            assert_eq!(provider.kx_groups.len(), 1, "{group:?} is offered");
        }
        let provider = Arc::new(provider);
        let versions: &[&rustls::SupportedProtocolVersion] = match group {
            Some(_) => &[&rustls::version::TLS13],
            None => rustls::DEFAULT_VERSIONS,
        };
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .unwrap();
        let builder = match client_ca {
            None => builder.with_no_client_auth(),
            Some(client_ca) => {
                let mut roots = rustls::RootCertStore::empty();
                roots
                    .add(CertificateDer::from_pem_slice(client_ca.pem().as_bytes()).unwrap())
                    .unwrap();
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .unwrap();
                builder.with_client_cert_verifier(verifier)
            }
        };
        let config = builder.with_single_cert(chain, key).unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let groups = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (counted, negotiated) = (connections.clone(), groups.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let (acceptor, body) = (acceptor.clone(), body.clone());
                let negotiated = negotiated.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    if let Some(kx) = tls.get_ref().1.negotiated_key_exchange_group() {
                        negotiated.lock().unwrap().push(kx.name());
                    }
                    if read_head(&mut tls).await.is_none() {
                        return;
                    }
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        TlsServer {
            addr,
            connections,
            groups,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Reads up to the end of an HTTP head; `None` when the connection ends first.
async fn read_head(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// An HTTP CONNECT proxy on 127.0.0.1: tunnels each CONNECT to its target, or with `refuse`
/// answers 403. Records the CONNECT lines it received.
pub struct Proxy {
    pub url: String,
    pub connects: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Proxy {
    pub async fn start(refuse: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connects = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = connects.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let Some(head) = read_head(&mut client).await else {
                        return;
                    };
                    let line = head.lines().next().unwrap_or_default().to_owned();
                    seen.lock().unwrap().push(line.clone());
                    let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
                    if refuse || !line.starts_with("CONNECT ") {
                        let _ = client
                            .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                            .await;
                        return;
                    }
                    let Ok(mut upstream) = TcpStream::connect(&target).await else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                        return;
                    };
                    if client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                        .is_ok()
                    {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
            }
        });
        Proxy { url, connects }
    }
}
