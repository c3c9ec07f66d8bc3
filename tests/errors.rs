//! Every class of error answer maps to the right variant, with the server's details.

mod common;

use common::{Canned, Server, all_transcripts, identity, transcript};
use infisical_oci_auth::{Error, UpdateOciAuth};

fn update() -> UpdateOciAuth {
    UpdateOciAuth::builder()
        .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
        .allow_any_username()
        .build()
        .unwrap()
}

async fn answer(canned: Canned) -> Error {
    let stub = Server::canned([canned]).await;
    stub.client()
        .update_oci_auth(&identity(), &update())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn every_recorded_error_answer_becomes_an_api_error() {
    let mut seen = std::collections::BTreeSet::new();
    for name in all_transcripts() {
        let t = transcript(&name);
        if t.status < 400 {
            continue;
        }
        let body = t.response_json();
        let err = answer(Canned::json(t.status, t.response_body.clone())).await;
        let Error::Api(api) = &err else {
            panic!("{name}: {err:?}");
        };
        let (message, issues) = (api.message(), api.issues());
        assert_eq!(api.operation(), "updateOciAuth");
        assert_eq!(api.status().as_u16(), t.status, "{name}");
        assert_eq!(api.error(), body["error"].as_str().unwrap(), "{name}");
        assert_eq!(api.req_id(), body["reqId"].as_str(), "{name}");
        if let Some(req_id) = api.req_id() {
            assert!(
                err.to_string().contains(req_id),
                "Display names the reqId: {err}"
            );
        }
        assert_eq!(err.status().map(|s| s.as_u16()), Some(t.status));
        match &body["message"] {
            serde_json::Value::String(m) => {
                assert_eq!(message, m, "{name}");
                assert!(issues.is_empty());
            }
            serde_json::Value::Array(raw) => {
                assert_eq!(issues.len(), raw.len(), "{name}");
                for (issue, raw) in issues.iter().zip(raw) {
                    assert_eq!(issue.message, raw["message"].as_str().unwrap());
                }
            }
            other => panic!("{name}: {other}"),
        }
        seen.insert(t.status);
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [400, 401, 403, 404, 422, 500]
    );
}

#[tokio::test]
async fn validation_failure_keeps_the_issue_paths() {
    let t = transcript("58-login-missing-fields");
    let err = answer(Canned::json(422, t.response_body.clone())).await;
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    let (issues, message) = (api.issues(), api.message());
    let paths: Vec<_> = issues.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths, ["identityId", "userOcid", "headers"]);
    assert_eq!(issues[0].code.as_deref(), Some("invalid_type"));
    assert_eq!(
        message,
        "identityId: Required; userOcid: Required; headers: Required"
    );
}

#[tokio::test]
async fn permission_boundary_error_with_details_is_an_api_error() {
    let t = transcript("68-delete-with-oci-issued-member-token");
    let err = answer(Canned::json(403, t.response_body.clone())).await;
    assert!(
        matches!(&err, Error::Api(api) if api.error() == "PermissionBoundaryError"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_proxy_html_502_is_a_decode_error_that_keeps_the_status() {
    let err = answer(Canned::raw(
        502,
        "text/html",
        "<html><body>Bad Gateway</body></html>",
    ))
    .await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    let (status, body_snippet) = (decode.status(), decode.body_snippet());
    assert_eq!(status.map(|s| s.as_u16()), Some(502));
    assert!(body_snippet.contains("Bad Gateway"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_non_json_error_body_with_a_declared_status_keeps_the_status() {
    let err = answer(Canned::raw(500, "text/plain", "upstream exploded")).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    let (status, body_snippet) = (decode.status(), decode.body_snippet());
    assert_eq!(status.map(|s| s.as_u16()), Some(500));
    assert_eq!(body_snippet, "upstream exploded");
}

#[tokio::test]
async fn a_truncated_success_body_is_a_decode_error() {
    let full = transcript("04-patch-valid-full").response_body;
    let err = answer(Canned::json(200, &full[..full.len() / 2])).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    let (status, reason) = (decode.status(), decode.reason());
    assert_eq!(status.map(|s| s.as_u16()), Some(200));
    assert!(reason.contains("EOF"), "{reason}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_empty_success_body_is_a_decode_error() {
    let err = answer(Canned::json(200, "")).await;
    assert!(
        matches!(&err, Error::Decode(d) if d.reason() == "the body is empty"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_wrongly_typed_success_body_is_a_decode_error() {
    let err = answer(Canned::json(200, r#"{"identityOciAuth":{"id":5}}"#)).await;
    assert!(matches!(&err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn an_undeclared_status_with_infisical_json_is_an_api_error() {
    let err = answer(Canned::json(
        503,
        r#"{"statusCode":503,"error":"ServiceUnavailable","message":"later"}"#,
    ))
    .await;
    assert!(
        matches!(&err, Error::Api(api) if api.status().as_u16() == 503),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let stub = Server::canned([Canned::json(200, format!("\"{}\"", "x".repeat(2 << 20)))]).await;
    let err = stub
        .client()
        .update_oci_auth(&identity(), &update())
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    let (status, reason) = (decode.status(), decode.reason());
    assert_eq!(status.map(|s| s.as_u16()), Some(200));
    assert!(reason.contains("1048576-byte limit"), "{reason}");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = infisical_oci_auth::Client::builder()
        .base_url(format!("http://{addr}"))
        .build()
        .unwrap();
    let err = client.get_oci_auth(&identity()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn the_raw_client_sees_answers_as_the_server_sent_them() {
    let full = transcript("04-patch-valid-full").response_body;
    let stub = Server::canned([
        Canned::json(200, full),
        Canned::raw(500, "text/plain", "upstream exploded"),
    ])
    .await;
    let client = stub.client();
    let id = identity();
    let ok = client
        .raw()
        .update_oci_auth(id.as_uuid(), &update())
        .await
        .unwrap();
    assert_eq!(
        ok.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    // progenitor's own error for an error body it cannot decode, not a marked answer.
    let err = client
        .raw()
        .update_oci_auth(id.as_uuid(), &update())
        .await
        .unwrap_err();
    assert!(
        matches!(err, progenitor_client::Error::InvalidResponsePayload(..)),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_raw_client_keeps_the_size_limit() {
    let stub = Server::canned([Canned::json(200, format!("\"{}\"", "x".repeat(2 << 20)))]).await;
    let err = stub
        .client()
        .raw()
        .update_oci_auth(identity().as_uuid(), &update())
        .await
        .unwrap_err();
    match err {
        progenitor_client::Error::InvalidResponsePayload(body, _) => assert!(body.is_empty()),
        other => panic!("{other:?}"),
    }
}
