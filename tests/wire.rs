//! The exact request on the wire and the decoded answer, for each management operation,
//! against a loopback stub answering bodies recorded from a real Infisical server.

mod common;

use common::{Canned, IDENTITY, Server, TOKEN, identity, transcript};
use infisical_oci_auth::{AttachOciAuth, Error, UpdateOciAuth};
use serde_json::json;

/// The one request `stub` received, checked to be `method` on the identity's path with the
/// headers every management request carries.
/// A stub that answers the transcript `name`'s answer once.
async fn answering(name: &str) -> Server {
    Server::canned([Canned::json(200, transcript(name).response_body)]).await
}

fn the_request(stub: &Server, method: &str) -> common::Recorded {
    let [r] = stub.requests().try_into().unwrap();
    assert_eq!(r.method, method);
    assert_eq!(
        r.path,
        format!("/api/v1/auth/oci-auth/identities/{IDENTITY}")
    );
    assert_common_headers(&r);
    r
}

fn assert_common_headers(r: &common::Recorded) {
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(
        r.header("user-agent"),
        Some(concat!("infisical-oci-auth/", env!("CARGO_PKG_VERSION")))
    );
    assert!(
        r.header("api-version").is_none(),
        "progenitor's api-version header is dropped"
    );
}

#[tokio::test]
async fn update_sends_the_normalised_body_and_decodes_the_answer() {
    let stub = answering("04-patch-valid-full").await;
    let update = UpdateOciAuth::builder()
        .tenancy_ocid(" ocid1.tenancy.oc1..bbbb ")
        .allowed_usernames("alice, bob ,carol")
        .access_token_ttl(1800)
        .access_token_max_ttl(3600)
        .access_token_num_uses_limit(5)
        .access_token_trusted_ips(["0.0.0.0/0", " ::/0"])
        .build()
        .unwrap();

    let config = stub
        .client()
        .update_oci_auth(&identity(), &update)
        .await
        .unwrap();

    let r = the_request(&stub, "PATCH");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "tenancyOcid": "ocid1.tenancy.oc1..bbbb",
            "allowedUsernames": "alice, bob, carol",
            "accessTokenTrustedIps": [{"ipAddress": "0.0.0.0/0"}, {"ipAddress": "::/0"}],
            "accessTokenTTL": 1800,
            "accessTokenMaxTTL": 3600,
            "accessTokenNumUsesLimit": 5
        })
    );
    // The same body the real server accepted in the transcript.
    let sent: UpdateOciAuth =
        serde_json::from_value(transcript("04-patch-valid-full").request_json()).unwrap();
    assert_eq!(sent, update);

    assert_eq!(config.identity_id.to_string(), IDENTITY);
    assert_eq!(config.tenancy_ocid, "ocid1.tenancy.oc1..bbbb");
    assert_eq!(
        config.allowed_usernames.as_deref(),
        Some("alice, bob, carol")
    );
    assert_eq!(
        (config.access_token_ttl, config.access_token_max_ttl),
        (1800, 3600)
    );
    assert_eq!(config.access_token_num_uses_limit, 5);
    assert_eq!(config.auth_type, "iam");
    assert_eq!(config.access_token_trusted_ips.len(), 2);
    assert_eq!(config.access_token_trusted_ips[1].ip_address, "::");
    assert_eq!(
        config.access_token_trusted_ips[1].family.as_deref(),
        Some("ipv6")
    );
    assert_eq!(config.access_token_trusted_ips[1].prefix, Some(0));
    assert_eq!(
        config.updated_at.to_rfc3339(),
        "2026-11-27T00:52:33.045+00:00"
    );
}

#[tokio::test]
async fn update_that_clears_usernames_sends_null() {
    let stub = answering("29-patch-usernames-null").await;
    let update = UpdateOciAuth::builder()
        .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
        .allow_any_username()
        .build()
        .unwrap();
    let config = stub
        .client()
        .update_oci_auth(&identity(), &update)
        .await
        .unwrap();
    let [r] = stub.requests().try_into().unwrap();
    assert_eq!(
        r.json(),
        json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "allowedUsernames": null})
    );
    assert_eq!(config.allowed_usernames, None);
}

#[tokio::test]
async fn attach_sends_every_default_explicitly() {
    let stub = answering("46-attach-minimal-defaults").await;
    let attach = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
        .build()
        .unwrap();
    let config = stub
        .client()
        .attach_oci_auth(&identity(), &attach)
        .await
        .unwrap();
    let r = the_request(&stub, "POST");
    assert_eq!(
        r.json(),
        json!({
            "tenancyOcid": "ocid1.tenancy.oc1..aaaa",
            "allowedUsernames": null,
            "accessTokenTrustedIps": [{"ipAddress": "0.0.0.0/0"}, {"ipAddress": "::/0"}],
            "accessTokenTTL": 2592000,
            "accessTokenMaxTTL": 2592000,
            "accessTokenNumUsesLimit": 0
        })
    );
    assert_eq!(config.access_token_ttl, 2_592_000);
    assert_eq!(config.allowed_usernames, None);
}

#[tokio::test]
async fn get_and_revoke_send_no_body() {
    for (name, method) in [("02-get", "GET"), ("42-delete-revoke", "DELETE")] {
        let t = transcript(name);
        let stub = Server::canned([Canned::json(200, t.response_body.clone())]).await;
        let client = stub.client();
        let config = if method == "GET" {
            client.get_oci_auth(&identity()).await
        } else {
            client.revoke_oci_auth(&identity()).await
        }
        .unwrap();
        let r = the_request(&stub, method);
        assert!(r.body.is_empty(), "{name}");
        let want = &t.response_json()["identityOciAuth"];
        assert_eq!(
            config.tenancy_ocid,
            want["tenancyOcid"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            serde_json::to_value(&config).unwrap(),
            *want,
            "{name}: decoded answer re-encodes as sent"
        );
    }
}

#[tokio::test]
async fn modify_keeps_what_it_does_not_change() {
    let current = transcript("02-get");
    let after = transcript("04-patch-valid-full");
    let stub = Server::canned([
        Canned::json(200, current.response_body.clone()),
        Canned::json(200, after.response_body.clone()),
    ])
    .await;
    stub.client()
        .modify_oci_auth(&identity(), |edit| edit.access_token_ttl(1200))
        .await
        .unwrap();
    let [get, patch] = stub.requests().try_into().unwrap();
    assert_eq!(get.method, "GET");
    assert_eq!(patch.method, "PATCH");
    let stored = &current.response_json()["identityOciAuth"];
    assert_eq!(
        patch.json(),
        json!({
            "tenancyOcid": stored["tenancyOcid"],
            "allowedUsernames": stored["allowedUsernames"],
            "accessTokenTTL": 1200,
            // Both TTLs, always: without them the server compares its stored TTLs as text.
            "accessTokenMaxTTL": stored["accessTokenMaxTTL"]
        })
    );
}

#[tokio::test]
async fn modify_checks_the_ttl_against_the_stored_max_before_sending() {
    let current = transcript("02-get");
    let stored_max = current.response_json()["identityOciAuth"]["accessTokenMaxTTL"]
        .as_u64()
        .unwrap();
    let stub = Server::canned([Canned::json(200, current.response_body.clone())]).await;
    let err = stub
        .client()
        .modify_oci_auth(&identity(), |edit| edit.access_token_ttl(stored_max + 1))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(e) if e.field() == "accessTokenTTL"),
        "{err:?}"
    );
    assert_eq!(stub.requests().len(), 1, "only the GET was sent");
}

#[tokio::test]
async fn base_url_with_api_suffix_reaches_the_same_path() {
    let stub = answering("02-get").await;
    let client = infisical_oci_auth::Client::builder()
        .base_url(format!("{}/api/", stub.url))
        .token(TOKEN)
        .build()
        .unwrap();
    client.get_oci_auth(&identity()).await.unwrap();
    assert_eq!(
        stub.requests()[0].path,
        format!("/api/v1/auth/oci-auth/identities/{IDENTITY}")
    );
}

#[tokio::test]
async fn without_a_token_no_authorization_header_is_sent() {
    let t = transcript("34-patch-no-authorization");
    let stub = Server::canned([Canned::json(t.status, t.response_body.clone())]).await;
    let client = infisical_oci_auth::Client::builder()
        .base_url(&stub.url)
        .build()
        .unwrap();
    let err = client.get_oci_auth(&identity()).await.unwrap_err();
    assert!(stub.requests()[0].header("authorization").is_none());
    assert!(
        matches!(&err, Error::Api(api) if api.status().as_u16() == 401 && api.message() == "Token missing")
    );
}

#[tokio::test]
async fn a_client_made_from_http_client_builder_is_used_as_given() {
    let stub = answering("02-get").await;
    let http = infisical_oci_auth::http_client_builder()
        .user_agent("my-service/1.0")
        .build()
        .unwrap();
    let client = infisical_oci_auth::Client::builder()
        .base_url(&stub.url)
        .token(TOKEN)
        .http_client(http)
        .build()
        .unwrap();
    client.get_oci_auth(&identity()).await.unwrap();
    assert_eq!(
        stub.requests()[0].header("user-agent"),
        Some("my-service/1.0")
    );
}
