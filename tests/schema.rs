//! The published JSON Schema states the same bounds as the model.
#![cfg(feature = "schemars")]

use infisical_oci_auth::{AttachOciAuth, UpdateOciAuth};
use serde_json::{Value, json};

fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap()
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => root.pointer(r.trim_start_matches('#')).unwrap(),
        None => node,
    }
}

#[test]
fn update_schema_bounds_match_the_model() {
    let s = schema_of::<UpdateOciAuth>();
    let p = &s["properties"];
    assert_eq!(s["required"], json!(["tenancyOcid"]));
    assert_eq!(p["accessTokenTTL"]["maximum"], json!(315_360_000));
    assert_eq!(p["accessTokenTTL"]["minimum"], json!(0));
    assert_eq!(p["accessTokenMaxTTL"]["maximum"], json!(315_360_000));
    assert_eq!(
        p["accessTokenNumUsesLimit"]["maximum"],
        json!(9_007_199_254_740_991u64)
    );
    assert_eq!(p["accessTokenTrustedIps"]["minItems"], json!(1));
    assert_eq!(resolve(&s, &p["allowedUsernames"])["maxLength"], json!(500));
    assert_eq!(resolve(&s, &p["tenancyOcid"])["maxLength"], json!(255));
}

#[test]
fn attach_schema_states_defaults_and_the_max_ttl_minimum() {
    let s = schema_of::<AttachOciAuth>();
    let p = &s["properties"];
    assert_eq!(p["accessTokenMaxTTL"]["minimum"], json!(1));
    assert_eq!(p["accessTokenTTL"]["default"], json!(2_592_000));
    assert_eq!(
        p["accessTokenTrustedIps"]["default"],
        json!([{"ipAddress": "0.0.0.0/0"}, {"ipAddress": "::/0"}])
    );
}

#[test]
fn the_schema_accepts_what_the_builder_produces() {
    let update = UpdateOciAuth::builder()
        .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
        .allowed_usernames("alice, bob")
        .access_token_trusted_ips(["10.0.0.0/8"])
        .access_token_ttl(60)
        .build()
        .unwrap();
    let body = serde_json::to_value(&update).unwrap();
    let s = schema_of::<UpdateOciAuth>();
    for (key, _) in body.as_object().unwrap() {
        assert!(s["properties"].get(key).is_some(), "{key} is in the schema");
    }
}
