//! One deadline per operation: slow answers, a user-given client's own timeout, and a hanging
//! OCI login end every call at its deadline. Servers written here, on paused time.

mod common;

use std::time::Duration;

use infisical_oci_auth::{Client, Error, RetryPolicy};
use tokio::time::Instant;

use common::identity;
use common::server::*;

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
