//! Retries, timeouts and hostile answers, on the fake server's fault injection.

use std::time::Duration;

use infisical_oci_auth::{AttachOciAuth, Client, Error, IdentityId, RetryPolicy, UpdateOciAuth};
use infisical_oci_auth_fake::{FakeInfisical, Fault};
use tokio::time::Instant;

/// A fake with an identity that has OCI Auth, and a client whose timeouts are far enough
/// away not to interfere with paused time.
async fn setup(retry: RetryPolicy) -> (FakeInfisical, IdentityId, Client) {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = fake.create_identity();
    let client = fake
        .client_builder()
        .retry(retry)
        .timeout(Duration::from_secs(3600))
        .connect_timeout(Duration::from_secs(3600))
        .build()
        .unwrap();
    let attach = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
        .build()
        .unwrap();
    client.attach_oci_auth(&identity, &attach).await.unwrap();
    (fake, identity, client)
}

fn update() -> UpdateOciAuth {
    UpdateOciAuth::builder()
        .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
        .allow_any_username()
        .access_token_ttl(60)
        .build()
        .unwrap()
}

fn count(fake: &FakeInfisical, method: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == method)
        .count()
}

fn status(err: &Error) -> u16 {
    err.status().map(|s| s.as_u16()).unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let (fake, identity, client) = setup(RetryPolicy::default()).await;
    fake.inject(
        Fault::Status {
            status: 429,
            retry_after: Some("7".into()),
        },
        1,
    );
    let started = Instant::now();
    let config = client.update_oci_auth(&identity, &update()).await.unwrap();
    assert_eq!(config.access_token_ttl, 60);
    assert_eq!(count(&fake, "PATCH"), 2, "one refused, one accepted");
    assert!(
        started.elapsed() >= Duration::from_secs(7),
        "{:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_is_honoured() {
    let (fake, identity, client) = setup(RetryPolicy::default()).await;
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(4));
    fake.inject(
        Fault::Status {
            status: 503,
            retry_after: Some(at),
        },
        1,
    );
    let started = Instant::now();
    client.get_oci_auth(&identity).await.unwrap();
    assert_eq!(count(&fake, "GET"), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_503_storm_stops_at_the_attempt_cap() {
    let (fake, identity, client) = setup(RetryPolicy::default()).await;
    fake.inject(
        Fault::Status {
            status: 503,
            retry_after: None,
        },
        10,
    );
    let err = client.get_oci_auth(&identity).await.unwrap_err();
    assert_eq!(status(&err), 503);
    assert!(err.is_retryable());
    assert_eq!(
        count(&fake, "GET"),
        3,
        "the default policy sends three times"
    );
}

#[tokio::test(start_paused = true)]
async fn no_retry_starts_past_the_time_cap() {
    let policy = RetryPolicy::default().max_elapsed(Duration::from_secs(10));
    let (fake, identity, client) = setup(policy).await;
    fake.inject(
        Fault::Status {
            status: 429,
            retry_after: Some("20".into()),
        },
        1,
    );
    let started = Instant::now();
    let err = client.get_oci_auth(&identity).await.unwrap_err();
    assert_eq!(status(&err), 429);
    assert_eq!(count(&fake, "GET"), 1);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn attach_is_retried_only_where_the_server_cannot_have_acted() {
    let (fake, _, client) = setup(RetryPolicy::default()).await;
    let attach = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
        .build()
        .unwrap();

    let identity = fake.create_identity();
    fake.inject(
        Fault::Status {
            status: 502,
            retry_after: None,
        },
        1,
    );
    let err = client
        .attach_oci_auth(&identity, &attach)
        .await
        .unwrap_err();
    assert_eq!(status(&err), 502);
    assert_eq!(
        count(&fake, "POST"),
        2,
        "the setup's attach and one 502, not repeated"
    );

    fake.inject(
        Fault::Status {
            status: 503,
            retry_after: None,
        },
        1,
    );
    client.attach_oci_auth(&identity, &attach).await.unwrap();
    assert_eq!(count(&fake, "POST"), 4, "503: not processed, so sent again");
}

#[tokio::test(start_paused = true)]
async fn validation_and_auth_answers_are_never_retried() {
    let (fake, identity, client) = setup(RetryPolicy::default().max_attempts(5)).await;
    for fault in [400, 401, 403, 404, 422, 500] {
        fake.inject(
            Fault::Status {
                status: fault,
                retry_after: Some("1".into()),
            },
            1,
        );
        let before = count(&fake, "GET");
        let err = client.get_oci_auth(&identity).await.unwrap_err();
        assert_eq!(status(&err), fault);
        assert_eq!(count(&fake, "GET"), before + 1, "{fault}");
    }
}

#[tokio::test(start_paused = true)]
async fn retries_can_be_switched_off() {
    let (fake, identity, client) = setup(RetryPolicy::none()).await;
    fake.inject(
        Fault::Status {
            status: 503,
            retry_after: None,
        },
        1,
    );
    assert_eq!(
        status(&client.get_oci_auth(&identity).await.unwrap_err()),
        503
    );
    assert_eq!(count(&fake, "GET"), 1);
}

#[tokio::test]
async fn a_connection_closed_mid_body_is_a_transport_error() {
    let (fake, identity, client) = setup(RetryPolicy::default()).await;
    fake.inject(Fault::CloseMidBody, 1);
    let err = client.get_oci_auth(&identity).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(
        count(&fake, "GET"),
        1,
        "the server may have acted: not retried"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_hits_the_timeout() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = fake.create_identity();
    let client = fake
        .client_builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    fake.inject(Fault::Delay(Duration::from_secs(30)), 1);
    let started = Instant::now();
    let err = client.get_oci_auth(&identity).await.unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert!(transport.is_timeout(), "{transport:?}");
    assert!(err.to_string().contains("timed out after 2 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn a_2_mib_body_is_refused_without_reading_it_all() {
    let (fake, identity, client) = setup(RetryPolicy::none()).await;
    let huge = format!("{{\"identityOciAuth\":\"{}\"}}", "x".repeat(2 << 20));
    fake.inject(
        Fault::Raw {
            status: 200,
            content_type: "application/json".into(),
            body: huge.into_bytes(),
        },
        1,
    );
    let err = client.get_oci_auth(&identity).await.unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    let (status, reason) = (decode.status(), decode.reason());
    assert_eq!(status.map(|s| s.as_u16()), Some(200));
    assert!(reason.contains("limit"), "{reason}");

    let small = fake
        .client_builder()
        .max_response_bytes(64)
        .build()
        .unwrap();
    let err = small.get_oci_auth(&identity).await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.reason().contains("64-byte")),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_from_a_proxy_without_infisical_json_is_retried() {
    let (fake, identity, client) = setup(RetryPolicy::default()).await;
    fake.inject(
        Fault::Raw {
            status: 429,
            content_type: "text/html".into(),
            body: b"<html>Too Many Requests</html>".to_vec(),
        },
        1,
    );
    let config = client.update_oci_auth(&identity, &update()).await.unwrap();
    assert_eq!(config.access_token_ttl, 60);
    assert_eq!(count(&fake, "PATCH"), 2, "one refused, one accepted");
}

#[tokio::test]
async fn non_utf8_bodies_are_decode_errors_that_keep_the_status() {
    let (fake, identity, client) = setup(RetryPolicy::none()).await;
    for status in [200, 500] {
        fake.inject(
            Fault::Raw {
                status,
                content_type: "application/json".into(),
                body: vec![0xff, 0xfe, b'{', 0x80],
            },
            1,
        );
        let err = client.get_oci_auth(&identity).await.unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{err:?}")
        };
        let (got, body_snippet) = (decode.status(), decode.body_snippet());
        assert_eq!(got.map(|s| s.as_u16()), Some(status));
        assert!(body_snippet.contains('\u{fffd}'), "{body_snippet:?}");
    }
}

#[tokio::test]
async fn garbage_and_wrongly_typed_bodies_are_decode_errors() {
    let (fake, identity, client) = setup(RetryPolicy::none()).await;
    for body in [
        &b"<html>oops</html>"[..],
        b"{\"identityOciAuth\": []}",
        b"null",
        b"{\"identityOciAuth\":{\"id\":\"x\"}}",
    ] {
        fake.inject(
            Fault::Raw {
                status: 200,
                content_type: "application/json".into(),
                body: body.to_vec(),
            },
            1,
        );
        let err = client.get_oci_auth(&identity).await.unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
    }
}
