//! What the request path says: each error layer speaks once, and the bearer it sends is the
//! one access_token hands out.

mod common;

use std::time::Duration;

use infisical_oci_auth::{Client, Error, ExposeSecret, RetryPolicy};

use common::identity;
use common::server::*;

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
