//! One loopback server driven by a closure, for the request-path tests: it answers each
//! request as the handler says (now, after a delay, or never) and counts requests per path;
//! with the management answers and the OCI login answer those tests need.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use infisical_oci_auth::{AttachOciAuth, Client, Error, RetryPolicy, UpdateOciAuth};

use super::{OCI_TENANCY as TENANCY, identity, oci_credentials};

/// The access token the servers' OCI login hands out.
pub const OCI_TOKEN: &str = "oci-login-token-7f3a9c1e5b";

/// What a test server answers, given the request.
pub type Handler = Arc<dyn Fn(&Method, &str, &HeaderMap) -> Answer + Send + Sync>;

pub enum Answer {
    Now(Response),
    After(Duration, Response),
    Never,
}

/// A loopback server answering as `handler` says, counting requests per path.
pub struct Server {
    pub url: String,
    log: Arc<Mutex<Vec<(Method, String)>>>,
}

impl Server {
    pub async fn start(
        handler: impl Fn(&Method, &str, &HeaderMap) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let handler: Handler = Arc::new(handler);
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = log.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, _body: Bytes| {
                let (handler, seen) = (handler.clone(), seen.clone());
                async move {
                    seen.lock()
                        .unwrap()
                        .push((method.clone(), uri.path().to_owned()));
                    match handler(&method, uri.path(), &headers) {
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
        Server { url, log }
    }

    pub fn count(&self, path_end: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, p)| p.ends_with(path_end))
            .count()
    }

    pub fn total(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

pub fn json(status: u16, body: impl Into<String>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(body.into()))
        .unwrap()
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
