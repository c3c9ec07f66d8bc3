//! Replays the requests recorded from a real Infisical server, in their order, against
//! `FakeInfisical`, and checks that it answers the same status, error and message (and,
//! for successes, the same configuration).

use infisical_oci_auth_fake::{FakeInfisical, Release, Transcript};

/// The identity the transcripts were recorded with.
const IDENTITY: &str = "6511e966-169d-4653-a191-c559fe230086";
use serde_json::Value;

/// Recorded with placeholder signatures against a stand-in for OCI that accepted any;
/// the fake checks signatures, so these are covered by signed-login tests instead
/// (the library's tests/oci_login.rs): tenancy mismatch, username not allowed, success, OCI refusing.
const SIGNED_BY_PLACEHOLDER: [&str; 4] = [
    "59-login-fake-oci-tenancy-mismatch",
    "61-login-fake-oci-success",
    "63-login-fake-oci-username-not-allowed",
    "65-login-fake-oci-returns-401",
];

/// The transcripts were recorded on Infisical of 2025-06-22.
fn old_server(fake: &FakeInfisical) {
    fake.set_release(Release::V2025_06_22);
}

fn case_number(name: &str) -> u32 {
    name[..2].parse().unwrap()
}

/// What to compare in a success answer: everything the request could have set.
fn config_of(body: &Value) -> Value {
    let mut c = body["identityOciAuth"].clone();
    if let Some(o) = c.as_object_mut() {
        for volatile in ["id", "createdAt", "updatedAt"] {
            o.remove(volatile);
        }
    }
    c
}

fn issues_of(message: &Value) -> Value {
    match message {
        Value::Array(issues) => Value::Array(
            issues
                .iter()
                .map(|i| serde_json::json!({"message": i["message"], "path": i["path"], "code": i["code"]}))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[tokio::test]
async fn the_fake_answers_every_recorded_request_as_infisical_did() {
    let fake = FakeInfisical::start().await.unwrap();
    old_server(&fake);
    fake.create_identity_with_id(IDENTITY.parse().unwrap());
    let member_token = fake.identity_token(&IDENTITY.parse().unwrap());
    let no_access_token = fake.token_without_access();
    let http = infisical_oci_auth::http_client_builder().build().unwrap();
    let mut replayed = 0;

    for name in Transcript::names().unwrap() {
        if SIGNED_BY_PLACEHOLDER.contains(&name.as_str()) {
            continue;
        }
        let t = Transcript::read(&name).unwrap();
        let mut request = http.request(
            t.method.parse().unwrap(),
            format!("{}{}", fake.base_url(), t.path),
        );
        for (header, value) in &t.request_headers {
            let value = match (header.as_str(), case_number(&name)) {
                ("authorization", 66..=68) => format!("Bearer {member_token}"),
                ("authorization", 69..=70) => format!("Bearer {no_access_token}"),
                ("authorization", _) if value == "Bearer eyJhbGciOiJIUzI..." => {
                    format!("Bearer {}", fake.admin_token())
                }
                ("host" | "content-length" | "user-agent" | "accept", _) => continue,
                _ => value.clone(),
            };
            request = request.header(header, value);
        }
        let response = request.body(t.request_body.clone()).send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        let recorded = t.response_json();

        assert_eq!(status, t.status, "{name}: status; fake answered {body}");
        if status == 200 {
            if recorded.get("identityOciAuth").is_some() {
                assert_eq!(
                    config_of(&body),
                    config_of(&recorded),
                    "{name}: configuration"
                );
            }
        } else {
            assert_eq!(body["error"], recorded["error"], "{name}: error");
            assert_eq!(
                issues_of(&body["message"]),
                issues_of(&recorded["message"]),
                "{name}: message"
            );
            assert_eq!(body["statusCode"], recorded["statusCode"], "{name}");
            assert!(
                body["reqId"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("req-")),
                "{name}"
            );
        }
        replayed += 1;
    }
    assert_eq!(replayed, 76 - SIGNED_BY_PLACEHOLDER.len());
}
