//! Helpers shared by the integration tests: the recorded transcripts of a real Infisical
//! server, and a loopback stub that records requests and answers canned responses.
#![allow(dead_code)]

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
