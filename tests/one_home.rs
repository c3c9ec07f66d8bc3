//! One home per rule: the bounds and defaults in the OpenAPI document, in the JSON Schema
//! the model publishes (feature `schemars`), and in the model's own behaviour are the same
//! numbers. The fake server reads them from the model too, so a change to one that is not
//! made to the others fails here.
#![cfg(feature = "schemars")]

use infisical_oci_auth::model::{AccessTokenTtl, NumUsesLimit};
use infisical_oci_auth::{AttachOciAuth, UpdateOciAuth};
use serde_json::{Value, json};

const BOUNDS: [&str; 6] = [
    "minimum",
    "maximum",
    "default",
    "minItems",
    "minLength",
    "maxLength",
];

fn spec_schema(name: &str) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/infisical-oci-auth.yaml"
    ))
    .unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    doc["components"]["schemas"][name].clone()
}

fn model_schema<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap()
}

/// A property with its `$ref` (schemars puts newtypes in `$defs`) resolved.
fn property<'a>(root: &'a Value, schema: &'a Value, name: &str) -> &'a Value {
    let node = &schema["properties"][name];
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => root.pointer(r.trim_start_matches('#')).unwrap_or(node),
        None => node,
    }
}

fn bounds(node: &Value) -> Value {
    BOUNDS
        .iter()
        .filter_map(|k| node.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn assert_same_bounds(spec_name: &str, model: &Value) {
    let spec = spec_schema(spec_name);
    assert_eq!(spec["required"], model["required"], "{spec_name}: required");
    let sorted = |v: &Value| {
        let mut keys: Vec<String> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let names = sorted(&spec);
    assert_eq!(names, sorted(model), "{spec_name}: properties");
    for name in names {
        assert_eq!(
            bounds(property(&spec, &spec, &name)),
            bounds(property(model, model, &name)),
            "{spec_name}.{name}: the spec and the model's schema disagree"
        );
    }
}

#[test]
fn the_spec_and_the_model_schema_state_the_same_bounds_and_defaults() {
    assert_same_bounds("AttachOciAuthRequest", &model_schema::<AttachOciAuth>());
    assert_same_bounds("UpdateOciAuthRequest", &model_schema::<UpdateOciAuth>());
}

#[test]
fn the_spec_states_the_models_behaviour() {
    let attach = spec_schema("AttachOciAuthRequest");
    let p = &attach["properties"];
    // The defaults are what the builder fills in.
    let built = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
        .build()
        .unwrap();
    assert_eq!(
        p["accessTokenTTL"]["default"],
        json!(built.access_token_ttl().get())
    );
    assert_eq!(
        p["accessTokenMaxTTL"]["default"],
        json!(built.access_token_max_ttl().get())
    );
    assert_eq!(
        p["accessTokenNumUsesLimit"]["default"],
        json!(built.access_token_num_uses_limit().get())
    );
    let default_ips: Vec<Value> = built
        .access_token_trusted_ips()
        .iter()
        .map(|ip| json!({"ipAddress": ip.to_string()}))
        .collect();
    assert_eq!(p["accessTokenTrustedIps"]["default"], json!(default_ips));
    // The bounds are where the builder starts refusing.
    let max = p["accessTokenTTL"]["maximum"].as_u64().unwrap();
    assert_eq!(max, u64::from(AccessTokenTtl::MAX.get()));
    assert!(AccessTokenTtl::new(max).is_ok() && AccessTokenTtl::new(max + 1).is_err());
    let min_max_ttl = p["accessTokenMaxTTL"]["minimum"].as_u64().unwrap();
    let with_max = |s| {
        AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
            .access_token_ttl(0)
            .access_token_max_ttl(s)
            .build()
    };
    assert!(with_max(min_max_ttl).is_ok() && with_max(min_max_ttl - 1).is_err());
    let uses = p["accessTokenNumUsesLimit"]["maximum"].as_u64().unwrap();
    assert_eq!(uses, NumUsesLimit::MAX.get());
    assert!(NumUsesLimit::new(uses).is_ok() && NumUsesLimit::new(uses + 1).is_err());
    let update = spec_schema("UpdateOciAuthRequest");
    let no_ips = UpdateOciAuth::builder()
        .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
        .access_token_trusted_ips(Vec::<String>::new())
        .build();
    assert_eq!(
        update["properties"]["accessTokenTrustedIps"]["minItems"],
        json!(1)
    );
    assert!(no_ips.is_err(), "minItems 1 is the builder's rule too");
}
