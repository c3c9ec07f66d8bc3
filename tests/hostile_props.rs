//! Property tests: whatever a server answers and whatever JSON a config holds, the crate
//! returns a value or a typed error, never a panic.

use std::sync::OnceLock;

use infisical_oci_auth::model::{AllowedUsernames, IdentityOciAuth, TenancyOcid, TrustedIp};
use infisical_oci_auth::raw::types;
use infisical_oci_auth::{AttachOciAuth, Client, Error, IdentityId, RetryPolicy, UpdateOciAuth};
use infisical_oci_auth_fake::{FakeInfisical, Fault};
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

    #[cfg(feature = "oci")]
    #[test]
    fn any_bytes_are_read_or_refused_as_keys(text in ".{0,200}", passphrase in prop::option::of(".{0,12}")) {
        let label = "ENCRYPTED PRIVATE KEY";
        let pem = format!("-----BEGIN {label}-----\n{text}\n-----END {label}-----\n");
        let _ = infisical_oci_auth::oci::PrivateKey::from_pem(&pem, passphrase.as_deref());
        let _ = infisical_oci_auth::oci::PrivateKey::from_pem(&text, passphrase.as_deref());
    }
}

/// A fake of its own (faults injected above would answer these requests otherwise), on the
/// shared runtime, with one identity that has OCI Auth.
fn fake_for_requests() -> &'static (FakeInfisical, IdentityId) {
    static FAKE: OnceLock<(FakeInfisical, IdentityId)> = OnceLock::new();
    FAKE.get_or_init(|| {
        let w = world();
        w.runtime.block_on(async {
            let fake = FakeInfisical::start().await.unwrap();
            let identity = fake.create_identity();
            fake.client_builder()
                .build()
                .unwrap()
                .attach_oci_auth(
                    &identity,
                    &AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
                        .build()
                        .unwrap(),
                )
                .await
                .unwrap();
            (fake, identity)
        })
    })
}

/// Writes one request byte for byte and returns the status line's code, if any.
async fn raw_status(fake: &FakeInfisical, request: Vec<u8>) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = fake.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    stream.write_all(&request).await.ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.ok()?;
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Whatever a test sends, the fake answers with one of the statuses the real server uses
    /// (or hyper's 400 for a request that is not HTTP), and keeps answering.
    #[test]
    fn any_request_gets_an_answer_from_the_fake(
        method in prop::sample::select(vec!["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"]),
        suffix in prop::sample::select(vec!["", "/", "%20", "%zz", "/x", "%00"]),
        login in any::<bool>(),
        authorization in prop::option::of(prop_oneof![
            Just("Bearer ".to_owned()),
            Just("Bearer st.".to_owned()),
            "[ -~]{0,24}",
        ]),
        content_type in prop::option::of(prop::sample::select(vec![
            "application/json", "text/plain", "application/x-www-form-urlencoded",
            "application/json; charset=utf-8", "application/json;", "x/y", "",
        ])),
        body in body(),
    ) {
        let (fake, identity) = fake_for_requests();
        let path = if login {
            format!("/api/v1/auth/oci-auth/login{suffix}")
        } else {
            format!("/api/v1/auth/oci-auth/identities/{identity}{suffix}")
        };
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if let Some(a) = &authorization {
            request.push_str(&format!("Authorization: {a}\r\n"));
        }
        if let Some(ct) = content_type {
            request.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(&body);
        let status = world().runtime.block_on(raw_status(fake, bytes));
        prop_assert!(
            matches!(status, Some(200 | 400 | 401 | 403 | 404 | 422 | 500)),
            "{:?}", status
        );
        // The fake still answers a well-formed request.
        let get = world().runtime.block_on(
            fake.client_builder().build().unwrap().get_oci_auth(identity)
        );
        prop_assert!(get.is_ok() || get.as_ref().err().and_then(|e| e.status()).is_some());
    }
}
