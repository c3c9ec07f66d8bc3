//! Desired state against the fake: plan and apply for one identity.

use infisical_oci_auth::desired::Plan;
use infisical_oci_auth::{AttachOciAuth, Error, UpdateOciAuth};
use infisical_oci_auth_fake::FakeInfisical;
use serde_json::json;

const TENANCY: &str = "ocid1.tenancy.oc1..aaaa";

fn desired() -> AttachOciAuth {
    AttachOciAuth::builder(TENANCY)
        .allowed_usernames("alice, bob")
        .access_token_trusted_ips(["0.0.0.0/0", "::/0"])
        .access_token_ttl(1800)
        .access_token_max_ttl(3600)
        .build()
        .unwrap()
}

/// A fake, an admin client, and an identity with `desired()` applied.
async fn applied() -> (
    FakeInfisical,
    infisical_oci_auth::Client,
    infisical_oci_auth::IdentityId,
) {
    let fake = FakeInfisical::start().await.unwrap();
    let client = fake.client_builder().build().unwrap();
    let identity = fake.create_identity();
    client.apply_oci_auth(&identity, &desired()).await.unwrap();
    (fake, client, identity)
}

fn writes(fake: &FakeInfisical) -> usize {
    fake.requests().iter().filter(|r| r.method != "GET").count()
}

#[tokio::test]
async fn apply_attaches_then_a_second_apply_writes_nothing() {
    let fake = FakeInfisical::start().await.unwrap();
    let client = fake.client_builder().build().unwrap();
    let identity = fake.create_identity();

    let plan = client.plan_oci_auth(&identity, &desired()).await.unwrap();
    assert!(matches!(plan, Plan::Attach(_)), "{plan}");
    assert_eq!(writes(&fake), 0, "plan writes nothing");

    let applied = client.apply_oci_auth(&identity, &desired()).await.unwrap();
    assert!(matches!(applied.plan, Plan::Attach(_)));
    assert_eq!(applied.config.unwrap().access_token_ttl, 1800);
    assert_eq!(writes(&fake), 1);

    let again = client.apply_oci_auth(&identity, &desired()).await.unwrap();
    assert_eq!(again.plan, Plan::Unchanged);
    assert_eq!(writes(&fake), 1, "the second apply sent no write");
}

#[tokio::test]
async fn a_change_made_by_someone_else_shows_as_exactly_that_field() {
    let (fake, client, identity) = applied().await;
    client
        .modify_oci_auth(&identity, |edit| edit.access_token_ttl(600))
        .await
        .unwrap();

    let plan = client.plan_oci_auth(&identity, &desired()).await.unwrap();
    assert_eq!(plan.changes().len(), 1, "{plan}");
    let change = &plan.changes()[0];
    assert_eq!(change.field, "accessTokenTTL");
    assert_eq!(change.current, Some(json!(600)));
    assert_eq!(change.desired, Some(json!(1800)));
    assert_eq!(
        plan.to_string(),
        "~ update OCI Auth\n    ~ accessTokenTTL: 600 → 1800"
    );

    // The update carries every field, so an allow-list cleared by someone's PATCH comes back.
    // (That PATCH names its TTL: without one the server compares the stored TTLs as text,
    // "600" > "2592000", and refuses it; the fake's FACTS.md "The 2026 server".)
    client
        .update_oci_auth(
            &identity,
            &UpdateOciAuth::builder()
                .tenancy_ocid(TENANCY)
                .allow_any_username()
                .access_token_ttl(600)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let applied = client.apply_oci_auth(&identity, &desired()).await.unwrap();
    let fields: Vec<_> = applied.plan.changes().iter().map(|c| c.field).collect();
    assert_eq!(fields, ["allowedUsernames", "accessTokenTTL"]);
    let patch = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.json().unwrap(),
        json!({
            "tenancyOcid": TENANCY,
            "allowedUsernames": "alice, bob",
            "accessTokenTrustedIps": [{"ipAddress": "0.0.0.0/0"}, {"ipAddress": "::/0"}],
            "accessTokenTTL": 1800,
            "accessTokenMaxTTL": 3600,
            "accessTokenNumUsesLimit": 0
        })
    );
    assert_eq!(
        client.plan_oci_auth(&identity, &desired()).await.unwrap(),
        Plan::Unchanged
    );
}

#[tokio::test]
async fn spacing_and_spelling_the_server_normalises_are_no_change() {
    let fake = FakeInfisical::start().await.unwrap();
    fake.set_paid_plan(true);
    let client = fake.client_builder().build().unwrap();
    let identity = fake.create_identity();
    let first = AttachOciAuth::builder(TENANCY)
        .allowed_usernames("alice, bob")
        .access_token_trusted_ips(["10.0.0.0/8", "203.0.113.7"])
        .build()
        .unwrap();
    client.apply_oci_auth(&identity, &first).await.unwrap();
    let respelled = AttachOciAuth::builder(TENANCY)
        .allowed_usernames(" alice ,bob,, ")
        .access_token_trusted_ips(["203.0.113.7/32", " 10.0.0.0/8"])
        .build()
        .unwrap();
    assert_eq!(
        client.plan_oci_auth(&identity, &respelled).await.unwrap(),
        Plan::Unchanged
    );
}

#[tokio::test]
async fn an_update_the_stored_ttl_would_refuse_is_refused_before_sending() {
    let (fake, client, identity) = applied().await;
    // TTL 0 on update means "keep the stored 1800", which exceeds the new max of 60.
    let zero = AttachOciAuth::builder(TENANCY)
        .allowed_usernames("alice, bob")
        .access_token_ttl(0)
        .access_token_max_ttl(60)
        .build()
        .unwrap();
    let before = writes(&fake);
    let err = client.apply_oci_auth(&identity, &zero).await.unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref e) if e.field() == "accessTokenTTL"),
        "{err}"
    );
    assert_eq!(writes(&fake), before);
}
