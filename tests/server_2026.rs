//! The 2026 server (FACTS.md "The 2026 server"): the fake's answers and the client's handling
//! of them — renewal from the login JWT's `exp`, organization slugs, the login `date`,
//! `details.reasonCode`, the changed messages, and the stored TTLs compared as text.

mod common;

use std::time::Duration;

use infisical_oci_auth::model::Rule;
use infisical_oci_auth::{AttachOciAuth, Client, Error, IdentityId, UpdateOciAuth};
use infisical_oci_auth_fake::{Endpoint, FakeInfisical, Release, Role};
use serde_json::{Value, json};

use common::{
    OCI_TENANCY as TENANCY, OCI_USER as USER, oci_client, oci_fake as setup, unauthenticated,
};

fn credentials() -> infisical_oci_auth::oci::OciCredentials {
    common::oci_credentials("pkcs1.pem")
}

/// A client of `fake` acting as `identity`, with a token of its own.
fn client_as(fake: &FakeInfisical, identity: &IdentityId) -> Client {
    Client::builder()
        .base_url(fake.base_url())
        .token(fake.identity_token(identity))
        .build()
        .unwrap()
}

/// Requests to `endpoint`'s path that the fake received.
fn count(fake: &FakeInfisical, method: &str, path_end: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == method && r.path.ends_with(path_end))
        .count()
}

// --- Renewal from the token itself ---

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn with_ttl_0_and_max_ttl_5_the_client_renews_before_the_jwt_expires() {
    // `expiresIn: 0` says "never", but the JWT lives the max TTL, 5 s.
    let (fake, identity) = setup(0, 5, None).await;
    let client = oci_client(&fake, identity);
    let token = unauthenticated(&fake)
        .login(&credentials(), &identity, None)
        .await
        .unwrap();
    assert_eq!(token.expires_in(), Duration::ZERO);
    assert_eq!(token.lifetime(), Duration::from_secs(5));
    let logins_before = fake.login_count();

    // A call every 2 s for 12 s: the token is renewed 3.5 s after each login (5 s less 1 s
    // for the whole-second `iat` and a tenth as margin), so none is sent expired.
    for _ in 0..7 {
        client.get_oci_auth(&identity).await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let identities = format!("/identities/{identity}");
    assert_eq!(
        count(&fake, "GET", &identities),
        7,
        "no call was refused and sent again"
    );
    assert_eq!(
        fake.login_count() - logins_before,
        4,
        "logins at 0, 4, 8 and 12 s"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_ttl_beyond_90_days_is_renewed_at_the_jwts_90_day_cap() {
    let ttl = 315_360_000;
    let (fake, identity) = setup(ttl, ttl, None).await;
    let client = oci_client(&fake, identity);
    client.get_oci_auth(&identity).await.unwrap();
    assert_eq!(fake.login_count(), 1);
    // 7,776,000 s less 61 s: still the first token.
    tokio::time::advance(Duration::from_secs(7_775_900)).await;
    client.get_oci_auth(&identity).await.unwrap();
    assert_eq!(fake.login_count(), 1);
    // Past the renewal point, before the cap: a new login, and no call refused.
    tokio::time::advance(Duration::from_secs(60)).await;
    client.get_oci_auth(&identity).await.unwrap();
    assert_eq!(fake.login_count(), 2);
    let identities = format!("/identities/{identity}");
    assert_eq!(count(&fake, "GET", &identities), 3);
}

#[tokio::test]
async fn the_2025_server_issues_opaque_tokens_that_live_expires_in() {
    let (fake, identity) = setup(3600, 3600, None).await;
    fake.set_release(Release::V2025_06_22);
    let token = unauthenticated(&fake)
        .login(&credentials(), &identity, None)
        .await
        .unwrap();
    assert_eq!(token.lifetime(), Duration::from_secs(3600));
    assert!(fake.issued_login_tokens()[0].starts_with("fake-oci-"));
}

// --- Organization slugs ---

#[tokio::test]
async fn login_scopes_to_the_organization_slug_as_the_2026_server_does() {
    let (fake, identity) = setup(3600, 3600, None).await;
    let client = unauthenticated(&fake);
    let login = |slug: &'static str| {
        let client = client.clone();
        async move { client.login(&credentials(), &identity, Some(slug)).await }
    };
    // The identity's own organization.
    let own = fake.organization_slug();
    client
        .login(&credentials(), &identity, Some(&own))
        .await
        .unwrap();
    // Not a sub-organization of the root organization.
    let err = login("elsewhere").await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(
        (api.status().as_u16(), api.message()),
        (404, "Sub organization with slug elsewhere not found")
    );
    // A sub-organization the identity is not a member of.
    fake.create_sub_organization("team-a");
    let err = login("team-a").await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(
        (api.status().as_u16(), api.message()),
        (
            401,
            "Identity not authorized to access sub organization team-a"
        )
    );
    assert_eq!(api.reason_code(), Some("sub_org_unauthorized"));
    // A member may.
    assert!(fake.add_to_sub_organization(&identity, "team-a"));
    login("team-a").await.unwrap();
    // An identity created in a sub-organization ignores the slug.
    let inside = fake.create_identity_in_sub_organization("team-b");
    // Managed from its own sub-organization, by an admin there.
    let team_admin = fake.create_identity_in_sub_organization("team-b");
    assert!(fake.set_role(&team_admin, Role::Admin));
    client_as(&fake, &team_admin)
        .attach_oci_auth(&inside, &AttachOciAuth::builder(TENANCY).build().unwrap())
        .await
        .unwrap();
    client
        .login(&credentials(), &inside, Some("elsewhere"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_bad_organization_slug_is_a_validation_error_and_nothing_is_sent() {
    let (fake, identity) = setup(3600, 3600, None).await;
    let client = unauthenticated(&fake);
    for (slug, rule) in [
        ("Team A", Rule::Invalid),
        ("", Rule::Empty),
        (&*"a".repeat(65), Rule::TooLong),
    ] {
        let err = client
            .login(&credentials(), &identity, Some(slug))
            .await
            .unwrap_err();
        let Error::Validation(e) = &err else {
            panic!("{err:?}")
        };
        let (field, reason) = (e.field(), e.reason());
        assert_eq!(field, "organizationSlug", "{slug:?}");
        assert!(!reason.is_empty());
        assert_eq!(
            infisical_oci_auth::model::OrganizationSlug::new(slug)
                .unwrap_err()
                .rule(),
            rule
        );
    }
    let err = Client::builder()
        .base_url(fake.base_url())
        .oci_login(credentials(), identity)
        .oci_organization_slug("Not A Slug")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(e) if e.field() == "organizationSlug"),
        "{err:?}"
    );
    assert_eq!(fake.login_count(), 0, "nothing was sent");
}

/// Sends `body` as JSON to `path` on the fake as given (with `bearer`, if any): the
/// status and the answer.
async fn send(
    fake: &FakeInfisical,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut request = infisical_oci_auth::http_client_builder()
        .build()
        .unwrap()
        .request(method, format!("{}{path}", fake.base_url()))
        .json(&body);
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

/// A login body as given, signature checks aside.
async fn raw_login(fake: &FakeInfisical, body: Value) -> (u16, Value) {
    send(
        fake,
        reqwest::Method::POST,
        "/api/v1/auth/oci-auth/login",
        None,
        body,
    )
    .await
}

#[tokio::test]
async fn the_login_schema_is_the_2026_one() {
    let (fake, identity) = setup(3600, 3600, None).await;
    let body = |headers: Value, slug: Option<&str>| {
        let mut body = json!({"identityId": identity, "userOcid": USER, "headers": headers});
        if let Some(slug) = slug {
            body["organizationSlug"] = json!(slug);
        }
        body
    };
    let signed =
        json!({"authorization": "Signature x", "host": "identity.us-ashburn-1.oraclecloud.com"});
    // Neither `date` nor `x-date`.
    let (status, answer) = raw_login(&fake, body(signed.clone(), None)).await;
    assert_eq!(status, 422);
    assert_eq!(
        answer["message"],
        json!([{"code": "custom", "message": "Either date or x-date must be provided", "path": ["headers", "headers", "date"]}])
    );
    // A slug that is not one.
    let mut dated = signed.clone();
    dated["date"] = json!("Thu, 03 Dec 2026 00:00:00 GMT");
    let (status, answer) = raw_login(&fake, body(dated.clone(), Some("Team A"))).await;
    assert_eq!(status, 422);
    assert_eq!(
        answer["message"][0]["message"],
        "Slug field can only contain lowercase letters, numbers, and hyphens"
    );
    assert_eq!(answer["message"][0]["path"], json!(["organizationSlug"]));
    // The 2025 server wanted `x-date` and read the slug's type only.
    fake.set_release(Release::V2025_06_22);
    let (status, answer) = raw_login(&fake, body(dated, Some("Team A"))).await;
    assert_eq!(status, 422);
    assert_eq!(answer["message"][0]["path"], json!(["headers", "x-date"]));
    assert_eq!(answer["message"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn failed_logins_carry_a_reason_code() {
    let (fake, identity) = setup(3600, 3600, Some("bob")).await;
    let client = unauthenticated(&fake);
    let reason = async || {
        let err = client
            .login(&credentials(), &identity, None)
            .await
            .unwrap_err();
        err.as_api().unwrap().reason_code().map(str::to_owned)
    };
    assert_eq!(reason().await.as_deref(), Some("username_not_allowed"));
    let public = common::key_fixture("public.pem");
    fake.register_oci_user(USER, "ocid1.tenancy.oc1..other", "bob", &public)
        .unwrap();
    assert_eq!(reason().await.as_deref(), Some("tenancy_not_allowed"));
    fake.set_release(Release::V2025_06_22);
    assert_eq!(reason().await, None, "2025 sent no details");
}

#[tokio::test]
async fn a_sub_organizations_identity_cannot_manage_one_of_the_root_organization() {
    let (fake, root_identity) = setup(3600, 3600, None).await;
    let actor = fake.create_identity_in_sub_organization("team-a");
    assert!(fake.set_role(&actor, Role::Admin));
    let client = client_as(&fake, &actor);
    // Not a member of the actor's sub-organization: not found from there.
    let err = client.get_oci_auth(&root_identity).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
    // A member, but of another organization: refused.
    assert!(fake.add_to_sub_organization(&root_identity, "team-a"));
    let err = client.get_oci_auth(&root_identity).await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(
        (api.status().as_u16(), api.error(), api.message()),
        (
            403,
            "ForbiddenError",
            "Sub organization not authorized to access this identity"
        )
    );
    // Its own sub-organization's identities it manages.
    let sibling = fake.create_identity_in_sub_organization("team-a");
    fake.client_builder()
        .build()
        .unwrap()
        .attach_oci_auth(&sibling, &AttachOciAuth::builder(TENANCY).build().unwrap())
        .await
        .unwrap_err();
    client
        .attach_oci_auth(&sibling, &AttachOciAuth::builder(TENANCY).build().unwrap())
        .await
        .unwrap();
}

// --- Answers that changed ---

async fn patch(fake: &FakeInfisical, identity: &IdentityId, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/auth/oci-auth/identities/{identity}");
    send(
        fake,
        reqwest::Method::PATCH,
        &path,
        Some(fake.admin_token()),
        body,
    )
    .await
}

#[tokio::test]
async fn an_over_long_allow_list_is_a_422_and_hides_the_ttl_refine() {
    let (fake, identity) = setup(3600, 3600, None).await;
    let long = vec!["u"; 260].join(",");
    let (status, answer) = patch(
        &fake,
        &identity,
        json!({"tenancyOcid": TENANCY, "allowedUsernames": long}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        answer["message"],
        json!([{"code": "too_big", "maximum": 500, "type": "string", "inclusive": true, "exact": false,
                "message": "Input exceeds the maximum limit of 500 characters", "path": ["allowedUsernames"]}])
    );
    // Bad usernames and a TTL above the max: only the usernames' issue in 2026.
    let bad = json!({"tenancyOcid": TENANCY, "allowedUsernames": "a b", "accessTokenTTL": 10, "accessTokenMaxTTL": 5});
    let (_, answer) = patch(&fake, &identity, bad.clone()).await;
    assert_eq!(
        answer["message"].as_array().map(Vec::len),
        Some(1),
        "{answer}"
    );
    fake.set_release(Release::V2025_06_22);
    let (status, _) = patch(
        &fake,
        &identity,
        json!({"tenancyOcid": TENANCY, "allowedUsernames": long}),
    )
    .await;
    assert_eq!(status, 500, "zod 3.24 threw");
    let (_, answer) = patch(&fake, &identity, bad).await;
    assert_eq!(
        answer["message"].as_array().map(Vec::len),
        Some(2),
        "{answer}"
    );
}

#[tokio::test]
async fn a_members_revoke_names_the_permission_as_the_2026_server_does() {
    let (fake, identity) = setup(3600, 3600, None).await;
    let member = fake.create_identity_with_role(Role::Member);
    let client = client_as(&fake, &member);
    let err = client.revoke_oci_auth(&identity).await.unwrap_err();
    assert_eq!(
        err.as_api().unwrap().message(),
        "Failed to revoke OCI auth of identity with more privileged role. Permission denied: \
         revoke-auth on identity. Check that the actor's role grants this permission and that \
         all permission conditions are met."
    );
}

// --- The server's text comparison of stored TTLs ---

#[tokio::test]
async fn an_update_without_ttls_is_refused_for_stored_200_and_1000_but_modify_and_apply_pass() {
    let (fake, identity) = setup(200, 1000, None).await;
    let admin = fake.client_builder().build().unwrap();
    let bare = UpdateOciAuth::builder()
        .tenancy_ocid(TENANCY)
        .allow_any_username()
        .build()
        .unwrap();
    let err = admin.update_oci_auth(&identity, &bare).await.unwrap_err();
    assert_eq!(
        err.as_api().map(|a| (a.status().as_u16(), a.message())),
        Some((400, "Access token TTL cannot be greater than max TTL"))
    );
    // With a TTL in the body the comparison is numeric.
    let with_ttl = UpdateOciAuth::builder()
        .tenancy_ocid(TENANCY)
        .allow_any_username()
        .access_token_ttl(200)
        .build()
        .unwrap();
    admin.update_oci_auth(&identity, &with_ttl).await.unwrap();
    // modify_oci_auth and apply send both TTLs.
    let config = admin
        .modify_oci_auth(&identity, |edit| edit.allowed_usernames("alice"))
        .await
        .unwrap();
    assert_eq!(config.allowed_usernames.as_deref(), Some("alice"));
    let desired = AttachOciAuth::builder(TENANCY)
        .access_token_ttl(200)
        .access_token_max_ttl(1000)
        .allowed_usernames("bob")
        .build()
        .unwrap();
    let applied = admin.apply_oci_auth(&identity, &desired).await.unwrap();
    assert_eq!(
        applied.config.unwrap().allowed_usernames.as_deref(),
        Some("bob")
    );
    let last_patch = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PATCH")
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (
            last_patch["accessTokenTTL"].clone(),
            last_patch["accessTokenMaxTTL"].clone()
        ),
        (json!(200), json!(1000))
    );
}

#[tokio::test]
async fn a_fault_can_target_one_endpoint() {
    let (fake, identity) = setup(3600, 3600, None).await;
    let client = fake
        .client_builder()
        .retry(infisical_oci_auth::RetryPolicy::none())
        .build()
        .unwrap();
    fake.inject_on(
        Endpoint::Update,
        infisical_oci_auth_fake::Fault::Status {
            status: 503,
            retry_after: None,
        },
        1,
    );
    client.get_oci_auth(&identity).await.unwrap();
    let err = client
        .modify_oci_auth(&identity, |edit| edit.access_token_ttl(60))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    client
        .modify_oci_auth(&identity, |edit| edit.access_token_ttl(60))
        .await
        .unwrap();
}
