//! Token renewal on the server's terms and the one re-login: 403 `TokenError` for an expired
//! token, wall-clock expiry, and the span and error of a call that logged in again.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use infisical_oci_auth::oci::{Clock, OciCredentials};
use infisical_oci_auth::{Client, ExposeSecret};
use infisical_oci_auth_fake::FakeInfisical;

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
