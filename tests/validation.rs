//! Every value that breaks a server rule is an `Error::Validation` naming the field, and the
//! server receives nothing.

mod common;

use common::{Canned, Server, identity};
use infisical_oci_auth::{AttachOciAuth, Error, UpdateOciAuth};
use serde_json::json;

fn base() -> infisical_oci_auth::model::UpdateOciAuthBuilder {
    UpdateOciAuth::builder()
        .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
        .allow_any_username()
}

fn field_of(err: impl Into<Error>) -> String {
    match err.into() {
        Error::Validation(e) => {
            assert!(!e.reason().is_empty());
            e.field().to_owned()
        }
        other => panic!("not a validation error: {other:?}"),
    }
}

/// (case, builder result, wire JSON that the server rejects, expected field)
fn update_cases() -> Vec<(
    &'static str,
    Result<UpdateOciAuth, infisical_oci_auth::model::ValidationError>,
    serde_json::Value,
    &'static str,
)> {
    vec![
        (
            "tenancy missing (05, 08)",
            UpdateOciAuth::builder().allow_any_username().build(),
            json!({"accessTokenTTL": 1200}),
            "tenancyOcid",
        ),
        (
            "tenancy bad (09)",
            base().tenancy_ocid("ocid1.user.oc1..aaaa").build(),
            json!({"tenancyOcid": "ocid1.user.oc1..aaaa"}),
            "tenancyOcid",
        ),
        (
            "tenancy empty (10)",
            base().tenancy_ocid("   ").build(),
            json!({"tenancyOcid": "   "}),
            "tenancyOcid",
        ),
        (
            "tenancy over 255",
            base()
                .tenancy_ocid(format!("ocid1.tenancy.oc1..{}", "a".repeat(300)))
                .build(),
            json!({"tenancyOcid": format!("ocid1.tenancy.oc1..{}", "a".repeat(300))}),
            "tenancyOcid",
        ),
        (
            "tenancy with NUL",
            base().tenancy_ocid("ocid1.tenancy.oc1..a\0").build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..a\u{0}"}),
            "tenancyOcid",
        ),
        (
            "ttl over max (11)",
            base().access_token_ttl(315_360_001).build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "accessTokenTTL": 315360001}),
            "accessTokenTTL",
        ),
        (
            "max ttl over max",
            base().access_token_max_ttl(315_360_001).build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "accessTokenMaxTTL": 315360001}),
            "accessTokenMaxTTL",
        ),
        (
            "ttl > max ttl in body (13)",
            base()
                .access_token_ttl(7200)
                .access_token_max_ttl(3600)
                .build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "accessTokenTTL": 7200, "accessTokenMaxTTL": 3600}),
            "accessTokenTTL",
        ),
        (
            "trusted IPs empty (15)",
            base()
                .access_token_trusted_ips(Vec::<String>::new())
                .build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "accessTokenTrustedIps": []}),
            "accessTokenTrustedIps",
        ),
        (
            "trusted IP not an IP (16)",
            base()
                .access_token_trusted_ips(["::/0", "not-an-ip"])
                .build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "accessTokenTrustedIps": [{"ipAddress": "::/0"}, {"ipAddress": "not-an-ip"}]}),
            "accessTokenTrustedIps[1].ipAddress",
        ),
        (
            "username with space (18)",
            base().allowed_usernames("bob smith").build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "allowedUsernames": "bob smith"}),
            "allowedUsernames",
        ),
        (
            "username with ! (19)",
            base().allowed_usernames("bob!").build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "allowedUsernames": "bob!"}),
            "allowedUsernames",
        ),
        (
            "usernames 501 chars (20)",
            base().allowed_usernames("a".repeat(501)).build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "allowedUsernames": "a".repeat(501)}),
            "allowedUsernames",
        ),
        (
            "usernames stored over 255 (21, 27)",
            base().allowed_usernames("a".repeat(256)).build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "allowedUsernames": "a".repeat(256)}),
            "allowedUsernames",
        ),
        (
            "num uses over 2^53-1",
            base().access_token_num_uses_limit(1 << 53).build(),
            json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "accessTokenNumUsesLimit": 9007199254740992u64}),
            "accessTokenNumUsesLimit",
        ),
        (
            "usernames not chosen",
            UpdateOciAuth::builder()
                .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
                .build(),
            json!(null),
            "allowedUsernames",
        ),
    ]
}

#[test]
fn invalid_updates_cannot_be_built_or_read() {
    for (case, built, wire, field) in update_cases() {
        let err = built.expect_err(case);
        assert_eq!(field_of(err), field, "{case}");
        if !wire.is_null() {
            let err = serde_json::from_value::<UpdateOciAuth>(wire).expect_err(case);
            assert!(err.to_string().contains(field), "{case}: {err}");
        }
    }
}

#[tokio::test]
async fn an_invalid_edit_in_modify_sends_no_update() {
    let current = common::transcript("02-get");
    let stub = Server::canned([Canned::json(200, current.response_body.clone())]).await;
    let err = stub
        .client()
        .modify_oci_auth(&identity(), |edit| {
            edit.access_token_trusted_ips(["10.0.0.0/8", "bogus"])
        })
        .await
        .unwrap_err();
    assert_eq!(field_of(err), "accessTokenTrustedIps[1].ipAddress");
    let methods: Vec<_> = stub
        .requests()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["GET"], "only the read was sent");
}

#[test]
fn wire_only_rules_name_the_field() {
    // Transcripts 12, 22, 23, 24: negative, fractional and string numbers.
    for (wire, field) in [
        (
            json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenTTL": -1}),
            "accessTokenTTL",
        ),
        (
            json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenNumUsesLimit": -1}),
            "accessTokenNumUsesLimit",
        ),
        (
            json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenTTL": 1.5}),
            "accessTokenTTL",
        ),
        (
            json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenTTL": "1800"}),
            "accessTokenTTL",
        ),
        (
            json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenMaxTTL": null}),
            "accessTokenMaxTTL",
        ),
    ] {
        let err = serde_json::from_value::<UpdateOciAuth>(wire.clone()).unwrap_err();
        assert!(err.to_string().contains(field), "{wire}: {err}");
    }
    // A typo is an error, not a silent no-op (the server would drop it).
    let err = serde_json::from_value::<UpdateOciAuth>(
        json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenTtl": 5}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("accessTokenTtl"), "{err}");
}

#[test]
fn what_the_server_accepts_is_accepted() {
    for wire in [
        json!({"tenancyOcid": "ocid1.tenancy.oc1..a"}),
        json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "allowedUsernames": ""}),
        json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "allowedUsernames": "a".repeat(255)}),
        json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenTTL": 1800.0}),
        json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenTTL": 7200, "accessTokenMaxTTL": 0}),
        json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenTTL": 0, "accessTokenMaxTTL": 60}),
        json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "accessTokenTrustedIps": [{"ipAddress": "10.0.0.0/8"}, {"ipAddress": " 2001:db8::1 "}]}),
    ] {
        serde_json::from_value::<UpdateOciAuth>(wire.clone())
            .unwrap_or_else(|e| panic!("{wire}: {e}"));
    }
}

#[test]
fn an_omitted_allow_list_on_the_wire_means_clear() {
    let u: UpdateOciAuth =
        serde_json::from_value(json!({"tenancyOcid": "ocid1.tenancy.oc1..a"})).unwrap();
    assert_eq!(u.allowed_usernames(), None);
    assert_eq!(
        serde_json::to_value(&u).unwrap(),
        json!({"tenancyOcid": "ocid1.tenancy.oc1..a", "allowedUsernames": null})
    );
}

#[test]
fn invalid_attaches_cannot_be_built_or_read() {
    for (case, built, field) in [
        (
            "ttl > max ttl (49)",
            AttachOciAuth::builder("ocid1.tenancy.oc1..a")
                .access_token_ttl(7200)
                .access_token_max_ttl(3600)
                .build(),
            "accessTokenTTL",
        ),
        (
            "max ttl zero (50)",
            AttachOciAuth::builder("ocid1.tenancy.oc1..a")
                .access_token_max_ttl(0)
                .build(),
            "accessTokenMaxTTL",
        ),
        (
            "ttl above default max",
            AttachOciAuth::builder("ocid1.tenancy.oc1..a")
                .access_token_ttl(2_592_001)
                .build(),
            "accessTokenTTL",
        ),
        (
            "tenancy bad",
            AttachOciAuth::builder("tenancy").build(),
            "tenancyOcid",
        ),
        (
            "bad ip",
            AttachOciAuth::builder("ocid1.tenancy.oc1..a")
                .access_token_trusted_ips(["1.2.3.4/40"])
                .build(),
            "accessTokenTrustedIps[0].ipAddress",
        ),
    ] {
        assert_eq!(field_of(built.expect_err(case)), field, "{case}");
    }
    // Transcript 51: tenancy missing on the wire.
    let err = serde_json::from_value::<AttachOciAuth>(json!({"accessTokenTTL": 60})).unwrap_err();
    assert!(err.to_string().contains("tenancyOcid"), "{err}");
}

#[test]
fn identity_ids_must_be_uuids() {
    // Transcripts 38, 40: the server answers 500 to a non-UUID.
    let err = "not-a-uuid"
        .parse::<infisical_oci_auth::IdentityId>()
        .unwrap_err();
    assert_eq!(err.field(), "identityId");
}

/// The server's schema types `accessTokenTrustedIps` as an optional array, not a nullable
/// one: `null` is a 422 there, so it is refused here, on attach and update alike; absent
/// stays "not given" (update) or the default (attach).
#[test]
fn null_trusted_ips_are_refused_as_the_server_refuses_them() {
    let wire = json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa", "accessTokenTrustedIps": null});
    let update = serde_json::from_value::<UpdateOciAuth>(wire.clone()).unwrap_err();
    assert!(
        update.to_string().contains("accessTokenTrustedIps"),
        "{update}"
    );
    let attach = serde_json::from_value::<AttachOciAuth>(wire).unwrap_err();
    assert!(
        attach.to_string().contains("accessTokenTrustedIps"),
        "{attach}"
    );

    let absent = json!({"tenancyOcid": "ocid1.tenancy.oc1..aaaa"});
    let update: UpdateOciAuth = serde_json::from_value(absent.clone()).unwrap();
    assert!(update.access_token_trusted_ips().is_none());
    let attach: AttachOciAuth = serde_json::from_value(absent).unwrap();
    assert_eq!(attach.access_token_trusted_ips().len(), 2);
}

#[test]
fn an_attach_default_in_a_ttl_conflict_is_named_as_such() {
    let err = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
        .access_token_max_ttl(3600)
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "accessTokenTTL");
    assert!(
        err.reason().contains("attach's default (2592000 s)"),
        "{err}"
    );
    assert!(err.reason().contains("access_token_ttl"), "{err}");

    let err = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
        .access_token_ttl(3_000_000)
        .build()
        .unwrap_err();
    assert!(err.reason().contains("access_token_max_ttl"), "{err}");
    // Both given: no word about defaults.
    let err = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
        .access_token_ttl(7200)
        .access_token_max_ttl(3600)
        .build()
        .unwrap_err();
    assert!(!err.reason().contains("default"), "{err}");
}
