//! Helpers shared by the integration tests: the recorded transcripts of a real Infisical
//! server, and a loopback stub that records requests and answers canned responses.
#![allow(dead_code)]

pub mod server;
#[cfg(feature = "rustls")]
pub mod tls;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;

pub const IDENTITY: &str = "6511e966-169d-4653-a191-c559fe230086";
pub const TOKEN: &str = "test-token-0123456789";

pub use infisical_oci_auth_fake::Transcript;

/// Reads the transcript `name` of a real Infisical server (the fake crate's `transcripts/`).
pub fn transcript(name: &str) -> Transcript {
    Transcript::read(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every transcript name listed in its INDEX.md.
pub fn all_transcripts() -> Vec<String> {
    Transcript::names().unwrap()
}

/// A request as the stub received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Canned {
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type: "application/json; charset=utf-8",
            body: body.into().into_bytes(),
        }
    }

    pub fn raw(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
        }
    }
}

/// A loopback HTTP server that records every request and answers the queued responses in
/// order (the last one repeats).
pub struct Stub {
    pub addr: SocketAddr,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    answers: Arc<Mutex<VecDeque<Canned>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Stub {
    pub async fn start(answers: impl IntoIterator<Item = Canned>) -> Self {
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let answers = Arc::new(Mutex::new(answers.into_iter().collect::<VecDeque<_>>()));
        let (rec, ans) = (recorded.clone(), answers.clone());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (rec, ans) = (rec.clone(), ans.clone());
                async move {
                    rec.lock().unwrap().push(Recorded {
                        method,
                        path: uri.to_string(),
                        headers,
                        body,
                    });
                    let canned = {
                        let mut q = ans.lock().unwrap();
                        if q.len() > 1 {
                            q.pop_front().unwrap()
                        } else {
                            q.front().cloned().unwrap()
                        }
                    };
                    Response::builder()
                        .status(StatusCode::from_u16(canned.status).unwrap())
                        .header("content-type", canned.content_type)
                        .body(Body::from(canned.body))
                        .unwrap()
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Stub {
            addr,
            recorded,
            answers,
            _task: task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }

    pub fn client(&self) -> infisical_oci_auth::Client {
        // Retries are tested on their own (tests/reliability.rs).
        infisical_oci_auth::Client::builder()
            .base_url(self.url())
            .token(TOKEN)
            .retry(infisical_oci_auth::RetryPolicy::none())
            .build()
            .unwrap()
    }
}

pub fn identity() -> infisical_oci_auth::IdentityId {
    IDENTITY.parse().unwrap()
}

/// Every event logged at any level while it lives, as text: a TRACE subscriber for the
/// current thread, writing into memory.
pub struct CapturedLogs {
    buffer: Captured,
    _guard: tracing::subscriber::DefaultGuard,
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    pub fn start() -> Self {
        let buffer = Captured::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        CapturedLogs {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.0.lock().unwrap()).into_owned()
    }
}

/// A test key or certificate from `tests/fixtures/keys/`.
pub fn key_fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The tenancy of the OCI user the tests log in as.
pub const OCI_TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaatesttenancy";
/// The OCI user the tests log in as ("alice", with the key `pkcs1.pem` and its formats).
pub const OCI_USER: &str = "ocid1.user.oc1..bbbb";

/// OCI credentials of [`OCI_USER`] with the key fixture `key_file`.
pub fn oci_credentials(key_file: &str) -> infisical_oci_auth::oci::OciCredentials {
    let key = infisical_oci_auth::oci::PrivateKey::from_pem(&key_fixture(key_file), None).unwrap();
    infisical_oci_auth::oci::OciCredentials::new(OCI_TENANCY, OCI_USER, "us-ashburn-1", key)
        .unwrap()
}

/// A fake with an identity whose OCI Auth trusts [`OCI_TENANCY`] with tokens of `ttl` and
/// `max_ttl` seconds (allowing `usernames`, or anyone), and the OCI user "alice"
/// registered with the public key of `pkcs1.pem`.
pub async fn oci_fake(
    ttl: u64,
    max_ttl: u64,
    usernames: Option<&str>,
) -> (
    infisical_oci_auth_fake::FakeInfisical,
    infisical_oci_auth::IdentityId,
) {
    let fake = infisical_oci_auth_fake::FakeInfisical::start()
        .await
        .unwrap();
    let identity = fake.create_identity();
    let mut attach = infisical_oci_auth::AttachOciAuth::builder(OCI_TENANCY)
        .access_token_ttl(ttl)
        .access_token_max_ttl(max_ttl);
    if let Some(u) = usernames {
        attach = attach.allowed_usernames(u);
    }
    fake.client_builder()
        .build()
        .unwrap()
        .attach_oci_auth(&identity, &attach.build().unwrap())
        .await
        .unwrap();
    fake.register_oci_user(OCI_USER, OCI_TENANCY, "alice", &key_fixture("public.pem"))
        .unwrap();
    (fake, identity)
}

/// A client of `fake` that logs in with OCI as `identity` (key `pkcs1.pem`).
pub fn oci_client(
    fake: &infisical_oci_auth_fake::FakeInfisical,
    identity: infisical_oci_auth::IdentityId,
) -> infisical_oci_auth::Client {
    infisical_oci_auth::Client::builder()
        .base_url(fake.base_url())
        .oci_login(oci_credentials("pkcs1.pem"), identity)
        .build()
        .unwrap()
}

/// A client of `fake` with no credential, for logging in by hand.
pub fn unauthenticated(
    fake: &infisical_oci_auth_fake::FakeInfisical,
) -> infisical_oci_auth::Client {
    infisical_oci_auth::Client::builder()
        .base_url(fake.base_url())
        .build()
        .unwrap()
}

/// The last login request `fake` received.
pub fn login_request(
    fake: &infisical_oci_auth_fake::FakeInfisical,
) -> infisical_oci_auth_fake::ReceivedRequest {
    fake.requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/login"))
        .unwrap()
}
