//! OCI login through the transport, and the session that logs in with it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tracing::Instrument;

use crate::auth::{LoginFn, OciSession};
use crate::error::{DecodeError, Error};
use crate::generated::{self, types};
use crate::model::{IdentityId, OrganizationSlug};
use crate::oci::{AccessToken, Clock, OciCredentials};
use crate::operations;
use crate::transport::{self, Deadline, Target};

/// Logs in with `credentials` as `identity` and returns the token.
pub(crate) async fn login(
    raw: &generated::Client,
    credentials: &OciCredentials,
    identity: &IdentityId,
    organization_slug: Option<&str>,
    deadline: Deadline,
) -> Result<AccessToken, Error> {
    let op = &operations::LOGIN;
    // The server's `slugSchema`, before anything is signed or sent.
    let organization_slug = organization_slug.map(OrganizationSlug::new).transpose()?;
    let span = transport::operation_span(op, identity);
    async {
        // OCI checks the signed date against its own clock: always the real time.
        let headers = credentials.login_headers(SystemTime::now())?;
        let body = types::LoginOciAuthRequest {
            headers: types::LoginOciAuthRequestHeaders {
                authorization: headers.authorization,
                date: None,
                host: headers.host,
                x_date: Some(headers.x_date),
            },
            identity_id: *identity.as_uuid(),
            organization_slug,
            user_ocid: credentials.user_ocid().to_owned(),
        };
        let shared = progenitor_client::ClientInfo::inner(raw);
        let target = Target {
            base_url: progenitor_client::ClientInfo::baseurl(raw),
            identity: None,
        };
        let answer = transport::call(
            op,
            shared,
            target,
            deadline,
            &span,
            || raw.login_with_oci_auth(&body),
            |answer| answer,
        )
        .await?;
        let seconds = |field: &str, v: i64| {
            u64::try_from(v).map(Duration::from_secs).map_err(|_| {
                Error::Decode(DecodeError::new(
                    op,
                    Some(http::StatusCode::OK),
                    format!("{field} is negative ({v})"),
                    String::new(),
                ))
            })
        };
        Ok(AccessToken::new(
            answer.access_token,
            seconds("expiresIn", answer.expires_in)?,
            seconds("accessTokenMaxTTL", answer.access_token_max_ttl)?,
        ))
    }
    .instrument(span.clone())
    .await
}

/// The session of a client built with `oci_login`: each of its logins is one [`login`]
/// with `login_client` (no bearer), under the client's deadline.
pub(super) fn session(
    login_client: generated::Client,
    credentials: OciCredentials,
    identity: IdentityId,
    organization_slug: Option<String>,
    clock: Arc<dyn Clock>,
) -> OciSession {
    let login_url =
        operations::LOGIN.url(progenitor_client::ClientInfo::baseurl(&login_client), None);
    let parts = Arc::new((login_client, credentials, identity, organization_slug));
    let login: LoginFn = Box::new(move || {
        let parts = parts.clone();
        Box::pin(async move {
            let (client, credentials, identity, slug) = &*parts;
            let limit = progenitor_client::ClientInfo::inner(client)
                .retry
                .elapsed_limit();
            login(
                client,
                credentials,
                identity,
                slug.as_deref(),
                Deadline::after(limit),
            )
            .await
        })
    });
    OciSession::new(login, login_url, clock)
}
