//! Token renewal on the server's terms and the one re-login: 403 `TokenError` for an expired
//! token, wall-clock expiry, and the span and error of a call that logged in again.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::response::Response;
use infisical_oci_auth::oci::{Clock, OciCredentials};
use infisical_oci_auth::{Client, Error, ExposeSecret};
use infisical_oci_auth_fake::FakeInfisical;
use tokio::time::Instant;

use common::server::*;
use common::{OCI_TENANCY as TENANCY, OCI_USER as USER, identity, oci_credentials};

fn credentials() -> OciCredentials {
    oci_credentials("pkcs1.pem")
}

fn fixture(name: &str) -> String {
    common::key_fixture(name)
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
