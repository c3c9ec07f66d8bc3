//! OCI login and the token a client keeps fresh with it.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;
use secrecy::ExposeSecret;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::Error;
use crate::generated::{self, types};
use crate::model::IdentityId;
use crate::oci::{AccessToken, OciCredentials};
use crate::transport;

/// The longest a token is renewed ahead of its expiry.
const MAX_RENEW_AHEAD: Duration = Duration::from_secs(60);

/// Logs in with `credentials` as `identity` and returns the token.
pub(crate) async fn login(
    raw: &generated::Client,
    credentials: &OciCredentials,
    identity: &IdentityId,
    organization_slug: Option<&str>,
) -> Result<AccessToken, Error> {
    let span = tracing::info_span!(
        "infisical_oci_auth",
        operation = "loginWithOciAuth",
        identity_id = %identity,
        status = tracing::field::Empty,
        attempts = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    async move {
        let headers = credentials.login_headers(SystemTime::now())?;
        let body = types::LoginOciAuthRequest {
            headers: types::LoginOciAuthRequestHeaders {
                authorization: headers.authorization,
                date: None,
                host: headers.host,
                x_date: Some(headers.x_date),
            },
            identity_id: *identity.as_uuid(),
            organization_slug: organization_slug.map(str::to_owned),
            user_ocid: credentials.user_ocid().to_owned(),
        };
        let answer = transport::call(
            "loginWithOciAuth",
            http::Method::POST,
            progenitor_client::ClientInfo::inner(raw),
            tracing::Span::current(),
            || raw.login_with_oci_auth(&body),
            |answer| answer,
        )
        .await?;
        let seconds = |field: &str, v: i64| {
            u64::try_from(v)
                .map(Duration::from_secs)
                .map_err(|_| Error::Decode {
                    operation: "loginWithOciAuth",
                    status: Some(http::StatusCode::OK),
                    reason: format!("{field} is negative ({v})"),
                    body_snippet: String::new(),
                })
        };
        Ok(AccessToken::new(
            answer.access_token,
            seconds("expiresIn", answer.expires_in)?,
            seconds("accessTokenMaxTTL", answer.access_token_max_ttl)?,
        ))
    }
    .instrument(span)
    .await
}

/// A client's OCI login: one token at a time, renewed shortly before it expires; callers
/// that need a token while a login is under way wait for that login.
pub(crate) struct OciSession {
    login_client: generated::Client,
    credentials: OciCredentials,
    identity: IdentityId,
    organization_slug: Option<String>,
    current: Mutex<Option<Cached>>,
}

struct Cached {
    header: HeaderValue,
    /// When to log in again; `None` for a token that does not expire.
    renew_at: Option<Instant>,
}

impl OciSession {
    pub(crate) fn new(
        login_client: generated::Client,
        credentials: OciCredentials,
        identity: IdentityId,
        organization_slug: Option<String>,
    ) -> Self {
        Self {
            login_client,
            credentials,
            identity,
            organization_slug,
            current: Mutex::new(None),
        }
    }

    /// The Authorization value to send, logging in first when there is no fresh token.
    pub(crate) async fn bearer(&self) -> Result<HeaderValue, Error> {
        let mut current = self.current.lock().await;
        if let Some(cached) = current.as_ref()
            && cached.renew_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(cached.header.clone());
        }
        let started = Instant::now();
        // Boxed: login runs the hooks, which may call back here.
        let token = Box::pin(login(
            &self.login_client,
            &self.credentials,
            &self.identity,
            self.organization_slug.as_deref(),
        ))
        .await?;
        let mut header = HeaderValue::try_from(format!("Bearer {}", token.token().expose_secret()))
            .map_err(|_| Error::Decode {
                operation: "loginWithOciAuth",
                status: None,
                reason: "the access token holds characters an HTTP header cannot carry".into(),
                body_snippet: String::new(),
            })?;
        header.set_sensitive(true);
        let lifetime = token.expires_in();
        let renew_at = (!lifetime.is_zero()).then(|| started + lifetime - renew_ahead(lifetime));
        *current = Some(Cached {
            header: header.clone(),
            renew_at,
        });
        Ok(header)
    }

    /// Forgets the token if it is still `used` (a 401 showed it is no longer valid).
    pub(crate) async fn invalidate(&self, used: Option<&HeaderValue>) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|c| Some(&c.header) == used) {
            *current = None;
        }
    }
}

/// How long before expiry to log in again: a tenth of the lifetime, at most a minute.
fn renew_ahead(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_RENEW_AHEAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_margin() {
        assert_eq!(
            renew_ahead(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        assert_eq!(
            renew_ahead(Duration::from_secs(100)),
            Duration::from_secs(10)
        );
    }
}

#[cfg(all(test, feature = "testing"))]
mod lifecycle_tests {
    use super::*;
    use crate::model::AttachOciAuth;
    use crate::oci::PrivateKey;
    use crate::testing::FakeInfisical;
    use crate::transport::{Auth, Shared};

    const TENANCY: &str = "ocid1.tenancy.oc1..aaaa";
    const USER: &str = "ocid1.user.oc1..bbbb";

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).unwrap()
    }

    #[tokio::test]
    async fn renews_when_the_renewal_time_comes_and_not_before() {
        let fake = FakeInfisical::start().await.unwrap();
        let identity = fake.create_identity();
        let attach = AttachOciAuth::builder(TENANCY)
            .access_token_ttl(3600)
            .build()
            .unwrap();
        let admin = fake.client_builder().build().unwrap();
        admin.attach_oci_auth(&identity, &attach).await.unwrap();
        fake.register_oci_user(USER, TENANCY, "alice", &fixture("public.pem"))
            .unwrap();
        let key = PrivateKey::from_pem(&fixture("pkcs8.pem"), None).unwrap();
        let credentials = OciCredentials::new(TENANCY, USER, "eu-frankfurt-1", key).unwrap();
        let shared = Shared {
            auth: Auth::None,
            max_body: 1 << 20,
            retry: Default::default(),
            mode: crate::transport::Mode::Typed,
        };
        let raw =
            generated::Client::new_with_client(&fake.base_url(), reqwest::Client::new(), shared);
        let session = OciSession::new(raw, credentials, identity, None);

        let before = Instant::now();
        let first = session.bearer().await.unwrap();
        assert_eq!(session.bearer().await.unwrap(), first);
        assert_eq!(fake.login_count(), 1);

        let renew_at = session
            .current
            .lock()
            .await
            .as_ref()
            .unwrap()
            .renew_at
            .unwrap();
        let ahead = renew_at.duration_since(before);
        // 3600 s lifetime, renewed 60 s ahead.
        assert!(
            ahead >= Duration::from_secs(3540) && ahead < Duration::from_secs(3545),
            "{ahead:?}"
        );

        // Just before the renewal time nothing happens; at it, one new login.
        if let Some(c) = session.current.lock().await.as_mut() {
            c.renew_at = Some(Instant::now() + Duration::from_secs(5));
        }
        assert_eq!(session.bearer().await.unwrap(), first);
        assert_eq!(fake.login_count(), 1);
        if let Some(c) = session.current.lock().await.as_mut() {
            c.renew_at = Some(Instant::now());
        }
        let renewed = session.bearer().await.unwrap();
        assert_ne!(renewed, first);
        assert_eq!(fake.login_count(), 2);
    }
}
