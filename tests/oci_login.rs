//! OCI login against the fake server, whose stand-in for OCI verifies the signature with the
//! registered public key; and the client's token lifecycle.

use std::sync::Arc;

use infisical_oci_auth::oci::{OciCredentials, PrivateKey};
use infisical_oci_auth::{AttachOciAuth, Client, Error, IdentityId};
use infisical_oci_auth_fake::{FakeInfisical, Release};
use secrecy::ExposeSecret;

mod common;

use common::{
    OCI_TENANCY as TENANCY, OCI_USER as USER, key_fixture as fixture, login_request, oci_client,
    oci_credentials as credentials, unauthenticated,
};

/// A fake with an identity whose OCI Auth allows `usernames` with tokens of `ttl` seconds.
async fn setup(usernames: Option<&str>, ttl: u64) -> (FakeInfisical, IdentityId) {
    common::oci_fake(ttl, ttl.max(1), usernames).await
}

#[tokio::test]
async fn login_sends_a_signed_request_and_returns_a_usable_token() {
    let (fake, identity) = setup(Some("alice, bob"), 3600).await;
    let token = unauthenticated(&fake)
        .login(&credentials("pkcs1.pem"), &identity, None)
        .await
        .unwrap();
    assert_eq!(token.expires_in().as_secs(), 3600);
    assert_eq!(token.max_ttl().as_secs(), 3600);
    assert!(!format!("{token:?}").contains(token.token().expose_secret()));

    let login = login_request(&fake);
    assert!(
        login.header("authorization").is_none(),
        "no bearer on login"
    );
    let body = login.json().unwrap();
    assert_eq!(body["identityId"], identity.to_string());
    assert_eq!(body["userOcid"], USER);
    assert_eq!(
        body["headers"]["host"],
        "identity.us-ashburn-1.oraclecloud.com"
    );
    assert!(httpdate::parse_http_date(body["headers"]["x-date"].as_str().unwrap()).is_ok());
    let auth = body["headers"]["authorization"].as_str().unwrap();
    assert!(auth.starts_with(&format!(
        "Signature version=\"1\",headers=\"x-date (request-target) host\",keyId=\"{TENANCY}/{USER}/fd:92:9f:b8:ac:60:ec:e5:07:ec:b5:22:f1:a7:3f:75\",algorithm=\"rsa-sha256\",signature=\""
    )));
    assert!(body.get("organizationSlug").is_none());

    // The token works for management calls.
    let client = Client::builder()
        .base_url(fake.base_url())
        .token(token.token().expose_secret())
        .build()
        .unwrap();
    assert_eq!(
        client.get_oci_auth(&identity).await.unwrap().tenancy_ocid,
        TENANCY
    );
}

async fn login_error(
    fake: &FakeInfisical,
    creds: &OciCredentials,
    identity: &IdentityId,
) -> (u16, String) {
    match unauthenticated(fake).login(creds, identity, None).await {
        Err(Error::Api(api)) => (api.status().as_u16(), api.message().to_owned()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn login_refusals_match_the_server() {
    let (fake, identity) = setup(Some("bob"), 3600).await;
    // Transcript 63: the OCI user's name is not on the allow-list.
    assert_eq!(
        login_error(&fake, &credentials("pkcs1.pem"), &identity).await,
        (
            401,
            "Access denied: OCI account username not allowed.".into()
        )
    );
    // Transcript 65: OCI refuses the signature (signed with another key): the server answers 500.
    assert_eq!(
        login_error(&fake, &credentials("other.pem"), &identity)
            .await
            .0,
        500
    );
    // Transcript 56: no OCI Auth on the identity.
    let other = fake.create_identity();
    assert_eq!(
        login_error(&fake, &credentials("pkcs1.pem"), &other)
            .await
            .0,
        404
    );

    // Transcript 59: the user belongs to another tenancy.
    let (fake, identity) = setup(None, 3600).await;
    fake.register_oci_user(
        USER,
        "ocid1.tenancy.oc1..elsewhere",
        "alice",
        &fixture("public.pem"),
    )
    .unwrap();
    assert_eq!(
        login_error(&fake, &credentials("pkcs1.pem"), &identity).await,
        (
            401,
            "Access denied: OCI account isn't part of tenancy.".into()
        )
    );
}

#[tokio::test]
async fn organization_slug_is_sent_when_given() {
    let (fake, identity) = setup(None, 3600).await;
    // A 2026 server logs in to a sub-organization only for its members.
    fake.create_sub_organization("my-org");
    assert!(fake.add_to_sub_organization(&identity, "my-org"));
    unauthenticated(&fake)
        .login(&credentials("pkcs1.pem"), &identity, Some("my-org"))
        .await
        .unwrap();
    let login = login_request(&fake);
    assert_eq!(login.json().unwrap()["organizationSlug"], "my-org");
}

#[tokio::test]
async fn a_bad_region_is_refused_before_sending() {
    let key = PrivateKey::from_pem(&fixture("pkcs1.pem"), None).unwrap();
    let err = OciCredentials::new(TENANCY, USER, "example.com", key).unwrap_err();
    assert!(
        matches!(&err, Error::Validation(e) if e.field() == "region"),
        "{err:?}"
    );
    let key = PrivateKey::from_pem(&fixture("pkcs1.pem"), None).unwrap();
    let err =
        OciCredentials::new(TENANCY, "ocid1.tenancy.oc1..x", "us-ashburn-1", key).unwrap_err();
    assert!(
        matches!(&err, Error::Validation(e) if e.field() == "userOcid"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_oci_login_client_logs_in_once_and_reuses_the_token() {
    let (fake, identity) = setup(None, 3600).await;
    let client = oci_client(&fake, identity);
    assert_eq!(fake.login_count(), 0, "no login before first use");
    client.get_oci_auth(&identity).await.unwrap();
    client.get_oci_auth(&identity).await.unwrap();
    client.clone().get_oci_auth(&identity).await.unwrap();
    assert_eq!(fake.login_count(), 1);
    let gets: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(gets.len(), 3);
    assert!(
        gets.windows(2)
            .all(|w| w[0].header("authorization") == w[1].header("authorization"))
    );
}

#[tokio::test]
async fn concurrent_callers_share_one_login() {
    let (fake, identity) = setup(None, 3600).await;
    let client = Arc::new(oci_client(&fake, identity));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_oci_auth(&identity).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(fake.login_count(), 1);
}

#[tokio::test]
async fn a_401_makes_the_client_log_in_again_once() {
    let (fake, identity) = setup(None, 3600).await;
    let client = oci_client(&fake, identity);
    client.get_oci_auth(&identity).await.unwrap();
    fake.expire_identity_tokens();
    client.get_oci_auth(&identity).await.unwrap();
    assert_eq!(fake.login_count(), 2);
    let gets = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 3, "first call, refused call, repeated call");
}

#[tokio::test]
async fn a_login_failure_is_the_error_of_the_call() {
    let (fake, identity) = setup(Some("bob"), 3600).await;
    let err = oci_client(&fake, identity)
        .get_oci_auth(&identity)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.operation() == "loginWithOciAuth" && api.status().as_u16() == 401),
        "{err:?}"
    );
    assert_eq!(
        fake.requests().iter().filter(|r| r.method == "GET").count(),
        0
    );
}

#[tokio::test]
async fn token_and_oci_login_together_are_a_config_error() {
    let err = Client::builder()
        .token("t")
        .oci_login(
            credentials("pkcs1.pem"),
            "6511e966-169d-4653-a191-c559fe230086".parse().unwrap(),
        )
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
}

#[tokio::test]
async fn the_client_logs_in_to_the_configured_organization() {
    let (fake, identity) = setup(None, 3600).await;
    fake.create_sub_organization("sub-org");
    assert!(fake.add_to_sub_organization(&identity, "sub-org"));
    let client = Client::builder()
        .oci_organization_slug("sub-org")
        .base_url(fake.base_url())
        .oci_login(credentials("pkcs1.pem"), identity)
        .build()
        .unwrap();
    client.get_oci_auth(&identity).await.unwrap();
    let login = login_request(&fake);
    assert_eq!(login.json().unwrap()["organizationSlug"], "sub-org");
}

/// A login body for `user_ocid`, signed by `signer` (another OCI user) with `pkcs1.pem`.
fn login_signed_by(signer: &str, user_ocid: &str, identity: &IdentityId) -> serde_json::Value {
    let key = PrivateKey::from_pem(&fixture("pkcs1.pem"), None).unwrap();
    let host = "identity.us-ashburn-1.oraclecloud.com";
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let key_id = format!("{TENANCY}/{signer}/{}", key.fingerprint());
    let authorization = infisical_oci_auth::oci::sign_request(
        &key,
        &key_id,
        "GET",
        &format!("/20160918/users/{user_ocid}"),
        &[("x-date", &date), ("(request-target)", ""), ("host", host)],
    )
    .unwrap();
    serde_json::json!({
        "identityId": identity.to_string(),
        "userOcid": user_ocid,
        "headers": {"authorization": authorization, "host": host, "x-date": date}
    })
}

async fn post_login(fake: &FakeInfisical, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let http = infisical_oci_auth::http_client_builder().build().unwrap();
    let response = http
        .post(format!("{}/api/v1/auth/oci-auth/login", fake.base_url()))
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_strict_signer_check_refuses_a_request_signed_by_another_user() {
    let (fake, identity) = setup(Some("alice"), 3600).await;
    // Bob may read users in the tenancy, so OCI itself answers Alice's record to his
    // signature (Infisical PR #8215's scenario).
    let bob = "ocid1.user.oc1..bob";
    fake.register_oci_user(bob, TENANCY, "bob", &fixture("public.pem"))
        .unwrap();
    let body = login_signed_by(bob, USER, &identity);

    let (status, answer) = post_login(&fake, &body).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["error"], "UnauthorizedError");

    fake.strict_signer_check(false);
    let (status, answer) = post_login(&fake, &body).await;
    assert_eq!(
        status, 200,
        "without the check, OCI's answer is trusted: {answer}"
    );

    // A malformed Authorization header is a 400 under the check.
    fake.strict_signer_check(true);
    let mut malformed = body.clone();
    malformed["headers"]["authorization"] = "Signature keyId=\"a/b/c\",keyId=\"a/b/c\"".into();
    assert_eq!(post_login(&fake, &malformed).await.0, 400);
    malformed["headers"]["authorization"] = "Signature keyId=\"only/two\"".into();
    assert_eq!(post_login(&fake, &malformed).await.0, 400);

    // This crate's own signer passes the check.
    assert!(
        unauthenticated(&fake)
            .login(&credentials("pkcs1.pem"), &identity, None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn revoking_oci_auth_revokes_the_tokens_its_logins_issued() {
    let (fake, identity) = setup(None, 3600).await;
    let token = unauthenticated(&fake)
        .login(&credentials("pkcs1.pem"), &identity, None)
        .await
        .unwrap();
    let admin = fake.client_builder().build().unwrap();
    admin.revoke_oci_auth(&identity).await.unwrap();
    let with_token = Client::builder()
        .base_url(fake.base_url())
        .token(token.token().expose_secret())
        .build()
        .unwrap();
    let err = with_token.get_oci_auth(&identity).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        err.as_api().map(|e| e.message()),
        Some("Failed to authorize: auth method has been revoked")
    );
    // The 2025 server found no token.
    fake.set_release(Release::V2025_06_22);
    let err = with_token.get_oci_auth(&identity).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        err.as_api().map(|e| e.message()),
        Some("No identity access token found")
    );
}

/// 32 callers share one client whose login tokens the server accepts 5 times each: every
/// request a caller sends carries the bearer it resolved for that attempt, even while
/// another caller's refusal makes the session log in again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_use_limited_tokens_every_request_carries_a_bearer() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = fake.create_identity();
    let attach = AttachOciAuth::builder(TENANCY)
        .access_token_num_uses_limit(5)
        .build()
        .unwrap();
    let admin = fake.client_builder().build().unwrap();
    admin.attach_oci_auth(&identity, &attach).await.unwrap();
    fake.register_oci_user(USER, TENANCY, "alice", &fixture("public.pem"))
        .unwrap();
    let client = oci_client(&fake, identity);
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut refused = 0;
                for _ in 0..40 {
                    match client.get_oci_auth(&identity).await {
                        Ok(_) => {}
                        // The new token may be spent by others before this caller's resend.
                        Err(e) if e.status().map(|s| s.as_u16()) == Some(401) => refused += 1,
                        Err(e) => panic!("{e}"),
                    }
                }
                refused
            })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        failed += task.await.unwrap();
    }
    let requests = fake.requests();
    let gets: Vec<_> = requests.iter().filter(|r| r.method == "GET").collect();
    let bare = gets
        .iter()
        .filter(|r| r.header("authorization").is_none())
        .count();
    assert_eq!(bare, 0, "{bare} requests carried no token");
    // No login storm: a call sends at most twice (once more after one re-login), and every
    // login but the first follows a refused request.
    let (calls, succeeded) = (32 * 40, 32 * 40 - failed);
    assert!(
        gets.len() <= 2 * calls,
        "{} requests for {calls} calls",
        gets.len()
    );
    let refusals = gets.len() - succeeded;
    assert!(
        fake.login_count() <= refusals + 1,
        "{} logins for {refusals} refused requests",
        fake.login_count()
    );
}
