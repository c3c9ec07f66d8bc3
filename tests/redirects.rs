//! The request path and redirects: none is followed, and none passes for the answer of a
//! write, also with a user-given client that follows them. Servers written here, not the fake.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use infisical_oci_auth::{Client, Error};

use common::server::*;

/// A server answering `status` with `Location: /elsewhere`, where a 200 waits.
async fn redirecting(status: u16) -> Server {
    Server::start(move |_, path, _| {
        if path == "/elsewhere" {
            Answer::Now(json(200, config_answer()))
        } else {
            Answer::Now(
                Response::builder()
                    .status(status)
                    .header("location", "/elsewhere")
                    .body(Body::empty())
                    .unwrap(),
            )
        }
    })
    .await
}

#[tokio::test]
async fn no_redirect_is_followed_and_none_passes_for_success() {
    for status in [301u16, 302, 303, 307, 308] {
        let server = redirecting(status).await;
        let client = Client::builder()
            .base_url(&server.url)
            .token(common::TOKEN)
            .build()
            .unwrap();
        for (method, result) in every_operation(&client).await {
            let err = result.expect_err(&format!("{status} {method} reported done"));
            let Error::Transport(transport) = &err else {
                panic!("{status} {method}: {err:?}")
            };
            assert_eq!(
                transport.redirect(),
                Some((StatusCode::from_u16(status).unwrap(), Some("/elsewhere"))),
                "{status} {method}"
            );
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
            assert!(!err.is_retryable());
            assert!(
                err.to_string().contains("redirects are not followed"),
                "{err}"
            );
        }
        assert_eq!(
            server.count("/elsewhere"),
            0,
            "{status}: a redirect was followed"
        );
        assert_eq!(server.total(), 4, "{status}: one request per operation");
    }
}

#[tokio::test]
async fn a_user_client_that_follows_redirects_cannot_pass_a_read_for_a_write() {
    for status in [301u16, 302, 303, 307, 308] {
        let server = redirecting(status).await;
        // A client of the user's own, which follows redirects.
        let provider =
            std::sync::Arc::new(infisical_oci_auth::rustls::crypto::aws_lc_rs::default_provider());
        let tls = infisical_oci_auth::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(infisical_oci_auth::rustls::RootCertStore::empty())
            .with_no_client_auth();
        let following = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .unwrap();
        let client = Client::builder()
            .base_url(&server.url)
            .token(common::TOKEN)
            .http_client(following)
            .build()
            .unwrap();
        for (method, result) in every_operation(&client).await {
            let err = result.expect_err(&format!("{status} {method} reported done"));
            assert!(
                matches!(err, Error::Transport(_)),
                "{status} {method}: {err:?}"
            );
            assert!(
                err.to_string()
                    .contains("followed a redirect to http://127.0.0.1"),
                "{err}"
            );
        }
        assert_eq!(
            server.count("/elsewhere"),
            4,
            "{status}: the client did follow"
        );
    }
}
