//! Property tests: whatever a server answers and whatever JSON a config holds, the crate
//! returns a value or a typed error, never a panic.
#![cfg(feature = "testing")]

use std::sync::OnceLock;

use infisical_oci_auth::model::{AllowedUsernames, IdentityOciAuth, TenancyOcid, TrustedIp};
use infisical_oci_auth::raw::types;
use infisical_oci_auth::testing::{FakeInfisical, Fault};
use infisical_oci_auth::{AttachOciAuth, Client, Error, IdentityId, RetryPolicy, UpdateOciAuth};
use proptest::prelude::*;
use serde_json::Value;

struct World {
    runtime: tokio::runtime::Runtime,
    fake: FakeInfisical,
    client: Client,
    identity: IdentityId,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let fake = runtime.block_on(FakeInfisical::start()).unwrap();
        let identity = fake.create_identity();
        let client = fake
            .client_builder()
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        World {
            runtime,
            fake,
            client,
            identity,
        }
    })
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
        "ocid1\\.tenancy\\.oc1\\..{0,10}".prop_map(Value::String),
        "[0-9a-f:./]{0,20}".prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("tenancyOcid".to_owned()),
        Just("allowedUsernames".to_owned()),
        Just("accessTokenTrustedIps".to_owned()),
        Just("ipAddress".to_owned()),
        Just("accessTokenTTL".to_owned()),
        Just("accessTokenMaxTTL".to_owned()),
        Just("accessTokenNumUsesLimit".to_owned()),
        Just("identityOciAuth".to_owned()),
        Just("message".to_owned()),
        Just("path".to_owned()),
        ".{0,8}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..7)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        json().prop_map(|v| v.to_string().into_bytes()),
        json().prop_map(|v| serde_json::json!({"identityOciAuth": v})
            .to_string()
            .into_bytes()),
        json().prop_map(|v| {
            serde_json::json!({"statusCode": 422, "error": "ValidationFailure", "message": v})
                .to_string()
                .into_bytes()
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_is_a_value_or_a_typed_error(
        status in prop::sample::select(vec![200u16, 201, 204, 400, 401, 403, 404, 422, 429, 500, 502, 503]),
        body in body(),
    ) {
        let w = world();
        w.fake.inject(Fault::Raw { status, content_type: "application/json".into(), body }, 1);
        let result = w.runtime.block_on(w.client.get_oci_auth(&w.identity));
        match result {
            Ok(_) => prop_assert_eq!(status, 200),
            Err(e @ (Error::Api(_) | Error::Decode(_))) => {
                prop_assert_eq!(e.status().map(|s| s.as_u16()), Some(status))
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    #[test]
    fn any_json_is_read_or_refused_by_every_deserialize(value in json()) {
        let _ = serde_json::from_value::<UpdateOciAuth>(value.clone());
        let _ = serde_json::from_value::<AttachOciAuth>(value.clone());
        let _ = serde_json::from_value::<IdentityOciAuth>(value.clone());
        let _ = serde_json::from_value::<TenancyOcid>(value.clone());
        let _ = serde_json::from_value::<AllowedUsernames>(value.clone());
        let _ = serde_json::from_value::<TrustedIp>(value.clone());
        let _ = serde_json::from_value::<IdentityId>(value.clone());
        let _ = serde_json::from_value::<types::IdentityOciAuthResponse>(value.clone());
        let _ = serde_json::from_value::<types::ErrorBody>(value.clone());
        let _ = serde_json::from_value::<types::LoginOciAuthResponse>(value);
    }

    #[test]
    fn any_bytes_are_read_or_refused_as_keys(text in ".{0,200}", passphrase in prop::option::of(".{0,12}")) {
        let label = "ENCRYPTED PRIVATE KEY";
        let pem = format!("-----BEGIN {label}-----\n{text}\n-----END {label}-----\n");
        let _ = infisical_oci_auth::oci::PrivateKey::from_pem(&pem, passphrase.as_deref());
        let _ = infisical_oci_auth::oci::PrivateKey::from_pem(&text, passphrase.as_deref());
    }
}
