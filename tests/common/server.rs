//! The one loopback test server: it records every request and answers as a closure says
//! (now, after a delay, or never), or from a queue of canned answers; with the management
//! answers and the OCI login answer the request-path tests need.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use infisical_oci_auth::{AttachOciAuth, Client, Error, RetryPolicy, UpdateOciAuth};

use super::{OCI_TENANCY as TENANCY, TOKEN, identity, oci_credentials};

/// The access token the servers' OCI login hands out.
pub const OCI_TOKEN: &str = "oci-login-token-7f3a9c1e5b";

/// What a test server answers, given the request's method, path and headers.
pub type Handler = Arc<dyn Fn(&Method, &str, &HeaderMap) -> Answer + Send + Sync>;

pub enum Answer {
    Now(Response),
    After(Duration, Response),
    Never,
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    /// The path with its query, as sent.
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
        Self::raw(status, "application/json; charset=utf-8", body.into())
    }

    pub fn raw(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
        }
    }

    fn response(self) -> Response {
        Response::builder()
            .status(self.status)
            .header("content-type", self.content_type)
            .body(Body::from(self.body))
            .unwrap()
    }
}

/// A loopback server on port 0 that records every request and answers as its handler says.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    /// Answers each request as `handler` says.
    pub async fn start(
        handler: impl Fn(&Method, &str, &HeaderMap) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let handler: Handler = Arc::new(handler);
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let seen = recorded.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (handler, seen) = (handler.clone(), seen.clone());
                async move {
                    let answer = handler(&method, uri.path(), &headers);
                    seen.lock().unwrap().push(Recorded {
                        method,
                        path: uri.to_string(),
                        headers,
                        body,
                    });
                    match answer {
                        Answer::Now(response) => response,
                        Answer::After(delay, response) => {
                            tokio::time::sleep(delay).await;
                            response
                        }
                        Answer::Never => std::future::pending().await,
                    }
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { url, recorded }
    }

    /// Answers the queued answers in order; the last one repeats.
    pub async fn canned(answers: impl IntoIterator<Item = Canned>) -> Self {
        let queue = Mutex::new(answers.into_iter().collect::<VecDeque<_>>());
        Self::start(move |_, _, _| {
            let mut queue = queue.lock().unwrap();
            let canned = if queue.len() > 1 {
                queue.pop_front()
            } else {
                queue.front().cloned()
            };
            Answer::Now(canned.expect("at least one canned answer").response())
        })
        .await
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }

    /// Requests whose path ends with `path_end`.
    pub fn count(&self, path_end: &str) -> usize {
        self.recorded
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.split('?').next().unwrap().ends_with(path_end))
            .count()
    }

    pub fn total(&self) -> usize {
        self.recorded.lock().unwrap().len()
    }

    /// A client with a management token and no retries (retries are tested on their own).
    pub fn client(&self) -> Client {
        Client::builder()
            .base_url(&self.url)
            .token(TOKEN)
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    }
}

pub fn json(status: u16, body: impl Into<String>) -> Response {
    Canned::json(status, body).response()
}

pub fn config_answer() -> String {
    super::transcript("04-patch-valid-full").response_body
}

pub fn login_answer(ttl: u64) -> Response {
    json(
        200,
        format!(
            r#"{{"accessToken":"{OCI_TOKEN}","expiresIn":{ttl},"accessTokenMaxTTL":{ttl},"tokenType":"Bearer"}}"#
        ),
    )
}

pub fn update() -> UpdateOciAuth {
    UpdateOciAuth::builder()
        .tenancy_ocid(TENANCY)
        .allow_any_username()
        .build()
        .unwrap()
}

pub fn attach() -> AttachOciAuth {
    AttachOciAuth::builder(TENANCY).build().unwrap()
}

/// Each operation once, with `client`.
pub async fn every_operation(client: &Client) -> Vec<(&'static str, Result<(), Error>)> {
    let id = identity();
    vec![
        (
            "PATCH",
            client.update_oci_auth(&id, &update()).await.map(drop),
        ),
        (
            "POST",
            client.attach_oci_auth(&id, &attach()).await.map(drop),
        ),
        ("GET", client.get_oci_auth(&id).await.map(drop)),
        ("DELETE", client.revoke_oci_auth(&id).await.map(drop)),
    ]
}

/// A client of `server` that logs in with OCI, with the given timeouts.
pub fn oci_client(server: &Server, timeout: Duration, max_elapsed: Duration) -> Client {
    Client::builder()
        .base_url(&server.url)
        .timeout(timeout)
        .retry(RetryPolicy::default().max_elapsed(max_elapsed))
        .oci_login(oci_credentials("pkcs1.pem"), identity())
        .build()
        .unwrap()
}

/// A server that logs in with [`OCI_TOKEN`] (TTL `ttl`) and answers management calls as
/// `manage` says; counts logins.
pub async fn login_server(
    ttl: u64,
    manage: impl Fn(&HeaderMap) -> Response + Send + Sync + 'static,
) -> Server {
    Server::start(move |_, path, headers| {
        if path.ends_with("/login") {
            Answer::Now(login_answer(ttl))
        } else {
            Answer::Now(manage(headers))
        }
    })
    .await
}
