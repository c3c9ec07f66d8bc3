//! The request path against servers written here, not the fake: redirects, one deadline per
//! operation, a hanging OCI login, servers that echo the token, and token renewal on the
//! server's terms (403 `TokenError` for an expired token, wall-clock expiry).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use infisical_oci_auth::oci::{Clock, OciCredentials, PrivateKey};
use infisical_oci_auth::{
    AttachOciAuth, Client, Error, ExposeSecret, IdentityId, RetryPolicy, UpdateOciAuth,
};
use infisical_oci_auth_fake::FakeInfisical;
use tokio::time::Instant;

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaatesttenancy";
const USER: &str = "ocid1.user.oc1..bbbb";
const OCI_TOKEN: &str = "oci-login-token-7f3a9c1e5b";

/// What a test server answers, given the request.
type Handler = Arc<dyn Fn(&Method, &str, &HeaderMap) -> Answer + Send + Sync>;

enum Answer {
    Now(Response),
    After(Duration, Response),
    Never,
}

/// A loopback server answering as `handler` says, counting requests per path.
struct Server {
    url: String,
    log: Arc<Mutex<Vec<(Method, String)>>>,
}

impl Server {
    async fn start(
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

    fn count(&self, path_end: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, p)| p.ends_with(path_end))
            .count()
    }

    fn total(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

fn json(status: u16, body: impl Into<String>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(body.into()))
        .unwrap()
}

fn config_answer() -> String {
    common::transcript("04-patch-valid-full").response_body
}

fn login_answer(ttl: u64) -> Response {
    json(
        200,
        format!(
            r#"{{"accessToken":"{OCI_TOKEN}","expiresIn":{ttl},"accessTokenMaxTTL":{ttl},"tokenType":"Bearer"}}"#
        ),
    )
}

fn fixture(name: &str) -> String {
    common::key_fixture(name)
}

fn credentials() -> OciCredentials {
    let key = PrivateKey::from_pem(&fixture("pkcs1.pem"), None).unwrap();
    OciCredentials::new(TENANCY, USER, "us-ashburn-1", key).unwrap()
}

fn identity() -> IdentityId {
    common::identity()
}

fn update() -> UpdateOciAuth {
    UpdateOciAuth::builder()
        .tenancy_ocid(TENANCY)
        .allow_any_username()
        .build()
        .unwrap()
}

fn attach() -> AttachOciAuth {
    AttachOciAuth::builder(TENANCY).build().unwrap()
}

/// Each operation once, with `client`.
async fn every_operation(client: &Client) -> Vec<(&'static str, Result<(), Error>)> {
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

/// A server answering `status` with `Location: /elsewhere`, where a 200 waits.
async fn redirecting(status: u16) -> Server {
    Server::start(move |_, path, _| {
        if path == "/elsewhere" {
            Answer::Now(json(200, config_answer()))
        } else {
            Answer::Now(
                Response::builder()
                    .status(status)
                    .header("location", "/elsewhere")
                    .body(Body::empty())
                    .unwrap(),
            )
        }
    })
    .await
}

#[tokio::test]
async fn no_redirect_is_followed_and_none_passes_for_success() {
    for status in [301u16, 302, 303, 307, 308] {
        let server = redirecting(status).await;
        let client = Client::builder()
            .base_url(&server.url)
            .token(common::TOKEN)
            .build()
            .unwrap();
        for (method, result) in every_operation(&client).await {
            let err = result.expect_err(&format!("{status} {method} reported done"));
            let Error::Transport(transport) = &err else {
                panic!("{status} {method}: {err:?}")
            };
            assert_eq!(
                transport.redirect(),
                Some((StatusCode::from_u16(status).unwrap(), Some("/elsewhere"))),
                "{status} {method}"
            );
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
            assert!(!err.is_retryable());
            assert!(
                err.to_string().contains("redirects are not followed"),
                "{err}"
            );
        }
        assert_eq!(
            server.count("/elsewhere"),
            0,
            "{status}: a redirect was followed"
        );
        assert_eq!(server.total(), 4, "{status}: one request per operation");
    }
}

#[tokio::test]
async fn a_user_client_that_follows_redirects_cannot_pass_a_read_for_a_write() {
    for status in [301u16, 302, 303, 307, 308] {
        let server = redirecting(status).await;
        // A client of the user's own, which follows redirects.
        let provider =
            std::sync::Arc::new(infisical_oci_auth::rustls::crypto::aws_lc_rs::default_provider());
        let tls = infisical_oci_auth::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(infisical_oci_auth::rustls::RootCertStore::empty())
            .with_no_client_auth();
        let following = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .unwrap();
        let client = Client::builder()
            .base_url(&server.url)
            .token(common::TOKEN)
            .http_client(following)
            .build()
            .unwrap();
        for (method, result) in every_operation(&client).await {
            let err = result.expect_err(&format!("{status} {method} reported done"));
            assert!(
                matches!(err, Error::Transport(_)),
                "{status} {method}: {err:?}"
            );
            assert!(
                err.to_string()
                    .contains("followed a redirect to http://127.0.0.1"),
                "{err}"
            );
        }
        assert_eq!(
            server.count("/elsewhere"),
            4,
            "{status}: the client did follow"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn max_elapsed_bounds_the_whole_operation_with_slow_503s() {
    let server = Server::start(|_, _, _| {
        Answer::After(
            Duration::from_millis(600),
            json(
                503,
                r#"{"statusCode":503,"error":"Unavailable","message":"later"}"#,
            ),
        )
    })
    .await;
    let client = Client::builder()
        .base_url(&server.url)
        .token(common::TOKEN)
        .retry(
            RetryPolicy::default()
                .max_attempts(10)
                .initial_backoff(Duration::from_millis(50))
                .max_elapsed(Duration::from_millis(1500)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.get_oci_auth(&identity()).await.unwrap_err();
    let took = started.elapsed();
    assert!(took <= Duration::from_millis(1500), "{took:?}");
    assert!(took >= Duration::from_millis(1400), "{took:?}");
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert!(transport.is_timeout());
    assert_eq!(transport.attempts(), 3);
    assert!(
        err.to_string()
            .contains("deadline of 1.5 s passed waiting for the answer"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_user_client_with_a_long_timeout_is_still_bounded_by_the_deadline() {
    let server = Server::start(|_, _, _| Answer::Never).await;
    let client = Client::builder()
        .base_url(&server.url)
        .token(common::TOKEN)
        .http_client(
            infisical_oci_auth::http_client_builder()
                .timeout(Duration::from_secs(3600))
                .build()
                .unwrap(),
        )
        .retry(RetryPolicy::default().max_elapsed(Duration::from_secs(2)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .update_oci_auth(&identity(), &update())
        .await
        .unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert!(
        matches!(&err, Error::Transport(t) if t.is_timeout()),
        "{err:?}"
    );
}

/// A server whose login never answers and whose management calls answer 200.
async fn hanging_login() -> Server {
    Server::start(|_, path, _| {
        if path.ends_with("/login") {
            Answer::Never
        } else {
            Answer::Now(json(200, config_answer()))
        }
    })
    .await
}

fn oci_client(server: &Server, timeout: Duration, max_elapsed: Duration) -> Client {
    Client::builder()
        .base_url(&server.url)
        .timeout(timeout)
        .retry(RetryPolicy::default().max_elapsed(max_elapsed))
        .oci_login(credentials(), identity())
        .build()
        .unwrap()
}

async fn concurrent_gets(client: &Client, callers: usize) -> Vec<(Duration, Result<(), Error>)> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let result = client.get_oci_auth(&identity()).await.map(drop);
                (started.elapsed(), result)
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test(start_paused = true)]
async fn a_hanging_login_ends_every_waiting_caller_at_once() {
    for callers in [8, 64] {
        let server = hanging_login().await;
        let client = oci_client(&server, Duration::from_secs(1), Duration::from_secs(60));
        for (took, result) in concurrent_gets(&client, callers).await {
            assert!(took <= Duration::from_millis(1100), "{callers}: {took:?}");
            let err = result.unwrap_err();
            assert!(
                matches!(&err, Error::Transport(t) if t.is_timeout() && t.operation() == "loginWithOciAuth"),
                "{err:?}"
            );
        }
        assert_eq!(server.count("/login"), 1, "{callers}: one login for all");
        assert_eq!(
            server.count(common::IDENTITY),
            0,
            "nothing sent without a token"
        );

        // Within the backoff after the failure: the same error, no new login.
        let err = client.get_oci_auth(&identity()).await.unwrap_err();
        assert!(err.to_string().contains("timed out after 1 s"), "{err}");
        assert_eq!(server.count("/login"), 1);
        // After it (1 s): one more login, shared again.
        tokio::time::sleep(Duration::from_secs(1)).await;
        concurrent_gets(&client, callers).await;
        assert_eq!(server.count("/login"), 2);
        // Then the backoff doubles: nothing for 2 s.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        concurrent_gets(&client, callers).await;
        assert_eq!(server.count("/login"), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn callers_wait_for_a_login_no_longer_than_their_deadline() {
    let server = hanging_login().await;
    let client = oci_client(&server, Duration::from_secs(30), Duration::from_millis(500));
    for (took, result) in concurrent_gets(&client, 64).await {
        assert_eq!(took, Duration::from_millis(500));
        let err = result.unwrap_err();
        assert!(
            err.to_string()
                .starts_with("getOciAuth: GET http://127.0.0.1")
                && err
                    .to_string()
                    .contains("deadline of 500 ms passed waiting for OCI login"),
            "{err}"
        );
    }
    assert_eq!(server.count("/login"), 1);
}

/// A server that logs in with [`OCI_TOKEN`] (TTL `ttl`) and answers management calls as
/// `manage` says; counts logins.
async fn login_server(
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

#[tokio::test]
async fn an_expired_token_403_logs_in_again_exactly_once() {
    // The real server's answer to an expired identity token (the fake's FACTS.md "Authorization").
    let expired = || {
        json(
            403,
            r#"{"reqId":"req-1","statusCode":403,"message":"Your token has expired. Please re-authenticate.","error":"TokenError"}"#,
        )
    };
    let server = login_server(3600, move |_| expired()).await;
    let client = oci_client(&server, Duration::from_secs(30), Duration::from_secs(60));
    let err = client.get_oci_auth(&identity()).await.unwrap_err();
    assert!(err.is_token_refused(), "{err:?}");
    assert_eq!(
        server.count("/login"),
        2,
        "one login, one re-login, no loop"
    );
    assert_eq!(
        server.count(common::IDENTITY),
        2,
        "sent, then sent once more"
    );

    // Against the fake, which now answers expiry as the real server: the call succeeds.
    let fake = FakeInfisical::start().await.unwrap();
    let id = fake.create_identity();
    fake.client_builder()
        .build()
        .unwrap()
        .attach_oci_auth(&id, &attach())
        .await
        .unwrap();
    fake.register_oci_user(USER, TENANCY, "alice", &fixture("public.pem"))
        .unwrap();
    let client = Client::builder()
        .base_url(fake.base_url())
        .oci_login(credentials(), id)
        .build()
        .unwrap();
    client.get_oci_auth(&id).await.unwrap();
    fake.expire_identity_tokens();
    client.get_oci_auth(&id).await.unwrap();
    assert_eq!(fake.login_count(), 2);
    let first = fake.issued_login_tokens()[0].clone();
    assert!(fake.revoke_token(&fake.issued_login_tokens()[1]));
    client.get_oci_auth(&id).await.unwrap();
    assert_eq!(
        fake.login_count(),
        3,
        "a revoked token (401) is renewed too"
    );
    let current = client.access_token().await.unwrap();
    assert_eq!(current.expose_secret(), fake.issued_login_tokens()[2]);
    assert_ne!(current.expose_secret(), first);
}

#[derive(Debug)]
struct ManualClock(Mutex<SystemTime>);

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

#[tokio::test(start_paused = true)]
async fn renewal_follows_the_servers_clock_and_the_wall_clock() {
    let server = login_server(5, |_| json(200, config_answer())).await;
    let clock = Arc::new(ManualClock(Mutex::new(SystemTime::now())));
    let client = Client::builder()
        .base_url(&server.url)
        .oci_clock(clock.clone())
        .oci_login(credentials(), identity())
        .build()
        .unwrap();
    let advance = |d: Duration| *clock.0.lock().unwrap() += d;

    client.get_oci_auth(&identity()).await.unwrap();
    assert_eq!(server.count("/login"), 1);
    // 5 s token issued at whole seconds: due 1 s early, less a 0.5 s margin.
    tokio::time::sleep(Duration::from_millis(3400)).await;
    advance(Duration::from_millis(3400));
    client.get_oci_auth(&identity()).await.unwrap();
    assert_eq!(server.count("/login"), 1, "still fresh at 3.4 s");
    tokio::time::sleep(Duration::from_millis(200)).await;
    advance(Duration::from_millis(200));
    client.get_oci_auth(&identity()).await.unwrap();
    assert_eq!(
        server.count("/login"),
        2,
        "renewed at 3.6 s, before the server's expiry"
    );

    // Asleep for an hour: the monotonic clock stood still, the wall clock did not.
    advance(Duration::from_secs(3600));
    client.get_oci_auth(&identity()).await.unwrap();
    assert_eq!(server.count("/login"), 3, "renewed before use after sleep");
    assert_eq!(
        server.count(common::IDENTITY),
        4,
        "no call was sent with a stale token and refused"
    );
}

/// Every text an error shows: Display, Debug and its source chain.
fn all_texts(err: &Error) -> String {
    let mut text = format!("{err}\n{err:?}\n");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!("{cause}\n{cause:?}\n"));
        source = cause.source();
    }
    text
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_server_that_echoes_the_token_never_gets_it_printed() {
    let logs = common::CapturedLogs::start();

    // Each answer quotes the Authorization header somewhere else.
    let answers: [fn(&str) -> Response; 6] = [
        |auth| {
            json(
                400,
                format!(
                    r#"{{"statusCode":400,"error":"BadRequest","message":"bad header {auth}","reqId":"{auth}"}}"#
                ),
            )
        },
        |auth| {
            json(
                422,
                format!(
                    r#"{{"statusCode":422,"error":"ValidationFailure","message":[{{"code":"custom","message":"got {auth}","path":["{auth}"]}}]}}"#
                ),
            )
        },
        |auth| json(502, format!("<html>proxy saw {auth}</html>")),
        |auth| {
            json(
                503,
                format!(r#"{{"statusCode":503,"error":"{auth}","message":"x"}}"#),
            )
        },
        |auth| json(200, format!(r#"{{"identityOciAuth":{{"id":"{auth}"}}}}"#)),
        |auth| {
            Response::builder()
                .status(302)
                .header("location", format!("/next?t={auth}"))
                .body(Body::empty())
                .unwrap()
        },
    ];
    let which = Arc::new(AtomicUsize::new(0));
    for static_token in [true, false] {
        which.store(0, Ordering::SeqCst);
        let pick = which.clone();
        let server = login_server(3600, move |headers| {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            answers[pick.load(Ordering::SeqCst) % answers.len()](&auth)
        })
        .await;
        let builder = Client::builder()
            .base_url(&server.url)
            .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(10)));
        let (client, secret) = if static_token {
            (builder.token(common::TOKEN).build().unwrap(), common::TOKEN)
        } else {
            (
                builder
                    .oci_login(credentials(), identity())
                    .build()
                    .unwrap(),
                OCI_TOKEN,
            )
        };
        for n in 0..answers.len() {
            which.store(n, Ordering::SeqCst);
            let err = client
                .update_oci_auth(&identity(), &update())
                .await
                .unwrap_err();
            let texts = all_texts(&err);
            assert!(!texts.contains(secret), "answer {n}: {texts}");
            assert!(
                texts.contains("<redacted>"),
                "answer {n} is scrubbed, not dropped: {texts}"
            );
        }
    }
    let logs = logs.text();
    assert!(logs.contains("retrying"), "the retry events were captured");
    assert!(!logs.contains(common::TOKEN), "{logs}");
    assert!(!logs.contains(OCI_TOKEN), "{logs}");
}

#[tokio::test(start_paused = true)]
async fn a_refused_connection_says_operation_method_url_cause_and_attempts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .token(common::TOKEN)
        .build()
        .unwrap();
    let err = client
        .update_oci_auth(&identity(), &update())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "updateOciAuth: PATCH http://{addr}/api/v1/auth/oci-auth/identities/{}: connection refused (3 attempts)",
            common::IDENTITY
        )
    );
    assert!(err.is_retryable());
    assert!(
        std::error::Error::source(&err).is_some(),
        "reqwest's error is the source"
    );
    assert_each_layer_speaks_once(&err);
}

/// A chain printer (anyhow's `{:#}`, eyre) shows each layer's words once: no layer's
/// Display repeats a deeper one's.
fn assert_each_layer_speaks_once(err: &Error) {
    let mut layers = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        layers.push(cause.to_string());
        source = cause.source();
    }
    assert!(layers.len() >= 3, "{layers:#?}");
    for (i, outer) in layers.iter().enumerate() {
        for inner in &layers[i + 1..] {
            assert!(
                !outer.contains(inner.as_str()),
                "{outer:?} repeats {inner:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_connection_closed_before_the_answer_is_said_once_in_the_chain() {
    // A server that reads the request and closes without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
            drop(socket);
        }
    });
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .token(common::TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.get_oci_auth(&identity()).await.unwrap_err();
    assert!(
        err.to_string()
            .ends_with(": the request could not be sent (1 attempt)"),
        "{err}"
    );
    assert_each_layer_speaks_once(&err);
}

#[tokio::test]
async fn access_token_hands_out_the_bearer_it_sends() {
    let server = login_server(3600, |_| json(200, config_answer())).await;
    let client = oci_client(&server, Duration::from_secs(30), Duration::from_secs(60));
    let token = client.access_token().await.unwrap();
    assert_eq!(token.expose_secret(), OCI_TOKEN);
    assert_eq!(server.count("/login"), 1);
    client.get_oci_auth(&identity()).await.unwrap();
    assert_eq!(server.count("/login"), 1, "the call reused the token");

    let fixed = Client::builder().token("fixed-token").build().unwrap();
    assert_eq!(
        fixed.access_token().await.unwrap().expose_secret(),
        "fixed-token"
    );
    let none = Client::builder().build().unwrap();
    assert!(matches!(
        none.access_token().await,
        Err(Error::Config { .. })
    ));
}

/// Span close events, as text: the operation span's fields, recorded when it ends.
fn span_closes() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buffer.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || sink.clone())
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn after_a_re_login_the_span_and_the_error_count_both_requests_and_the_whole_time() {
    let (logs, _guard) = span_closes();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    // Login takes 1 s; the first call is refused after 2 s (a revoked token, 401); the
    // second, after the re-login, ends in a redirect (a transport error) after 3 s.
    let server = Server::start(move |_, path, _| {
        if path.ends_with("/login") {
            return Answer::After(Duration::from_secs(1), login_answer(3600));
        }
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            let refused = r#"{"reqId":"r","statusCode":401,"message":"Failed to authorize: token has been revoked","error":"UnauthorizedError"}"#;
            Answer::After(Duration::from_secs(2), json(401, refused))
        } else {
            let moved = Response::builder()
                .status(302)
                .header("location", "http://127.0.0.1:1/elsewhere")
                .body(Body::empty())
                .unwrap();
            Answer::After(Duration::from_secs(3), moved)
        }
    })
    .await;
    let client = oci_client(&server, Duration::from_secs(30), Duration::from_secs(60));
    let started = Instant::now();
    let err = client.get_oci_auth(&identity()).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(7), "1 + 2 + 1 + 3 s");
    assert_eq!(server.count("/login"), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.attempts(), 2, "both requests sent count: {err}");
    assert!(err.to_string().ends_with("(2 attempts)"), "{err}");
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    let close = text
        .lines()
        .find(|l| l.contains("operation=\"getOciAuth\"") && l.contains("close"))
        .unwrap_or_else(|| panic!("no close event of the operation's span:\n{text}"));
    assert!(close.contains("attempts=2"), "{close}");
    assert!(close.contains("status=302"), "{close}");
    assert!(close.contains("duration_ms=7000"), "{close}");
}
