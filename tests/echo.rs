//! A server that echoes the token never gets it printed: not in errors, not in logs. A
//! binary of its own: it captures logs, and tracing decides per callsite whether anyone
//! listens, which a test on another thread without a subscriber could make it decide "no".

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use infisical_oci_auth::oci::OciCredentials;
use infisical_oci_auth::{Client, Error, RetryPolicy};

use common::server::*;
use common::{identity, oci_credentials};

fn credentials() -> OciCredentials {
    oci_credentials("pkcs1.pem")
}

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
