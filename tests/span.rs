//! The operation's span after a re-login counts both requests and the whole time. A binary
//! of its own: tracing decides per callsite whether anyone listens, and a test on another
//! thread without a subscriber could make it decide "no one".

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use infisical_oci_auth::Error;
use tokio::time::Instant;

use common::server::*;
use common::{CapturedLogs, identity};

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn after_a_re_login_the_span_and_the_error_count_both_requests_and_the_whole_time() {
    let logs = CapturedLogs::span_closes();
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
    let text = logs.text();
    let close = text
        .lines()
        .find(|l| l.contains("operation=\"getOciAuth\"") && l.contains("close"))
        .unwrap_or_else(|| panic!("no close event of the operation's span:\n{text}"));
    assert!(close.contains("attempts=2"), "{close}");
    assert!(close.contains("status=302"), "{close}");
    assert!(close.contains("duration_ms=7000"), "{close}");
}
