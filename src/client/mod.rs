//! The client: the OCI Auth operations ([`Client`]), its configuration ([`ClientBuilder`],
//! in `builder`), its HTTP and TLS set-up (`http`) and OCI login (`login`).

mod builder;
mod env;
mod http;
#[cfg(feature = "oci")]
mod login;
mod proxy;
mod tls_setup;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tracing::Instrument;

pub use builder::ClientBuilder;
pub use http::{HttpClientBuilder, http_client_builder};

use crate::error::{Error, Result};
use crate::generated;
use crate::model::{
    AttachOciAuth, IdentityId, IdentityOciAuth, UpdateOciAuth, UpdateOciAuthBuilder,
    check_ttl_against_stored,
};
#[cfg(feature = "oci")]
use crate::oci::{AccessToken, OciCredentials};
use crate::operations::{self, Operation};
use crate::transport::{self, Deadline, Shared, Target};

/// Infisical Cloud (US), the default base URL.
pub const DEFAULT_BASE_URL: &str = "https://us.infisical.com";
/// Infisical Cloud (EU).
pub const EU_BASE_URL: &str = "https://eu.infisical.com";
/// The default limit on a whole request, connection included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default limit on establishing a connection: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit on an answer's body: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// A client for Infisical's OCI Auth API.
///
/// Cheap to clone (one `Arc`); clones share the connection pool. Build one with
/// [`Client::builder`].
///
/// ```no_run
/// use infisical_oci_auth::{Client, IdentityId, UpdateOciAuth};
///
/// # async fn run() -> Result<(), infisical_oci_auth::Error> {
/// let client = Client::builder()
///     .base_url("https://infisical.example.com")
///     .token(std::env::var("INFISICAL_TOKEN").unwrap_or_default())
///     .build()?;
/// let identity: IdentityId = "6511e966-169d-4653-a191-c559fe230086".parse()?;
/// let update = UpdateOciAuth::builder()
///     .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
///     .allowed_usernames("alice, bob")
///     .access_token_ttl(1800)
///     .build()?;
/// let config = client.update_oci_auth(&identity, &update).await?;
/// println!("token TTL is now {} s", config.access_token_ttl);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    generated: Arc<Generated>,
}

/// The generated client twice, over the same connection pool and settings (auth
/// included).
struct Generated {
    /// Its answers go to [`transport::call`], which reads the marks its hooks leave.
    typed: generated::Client,
    /// Handed out by [`Client::raw`]: answers as the server sent them.
    raw: generated::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "base_url",
                &progenitor_client::ClientInfo::baseurl(&self.generated.typed),
            )
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a [`ClientBuilder`] with the defaults: `https://us.infisical.com`, no token,
    /// 30 s timeout, 10 s connect timeout, 1 MiB answer limit.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&self.generated.typed)
    }

    /// The HTTP client the requests go through (its connection pool), to call other
    /// Infisical APIs with, e.g. with [`access_token`](Self::access_token). A client built by
    /// this crate follows no redirects and has the builder's timeouts.
    pub fn http_client(&self) -> &reqwest::Client {
        progenitor_client::ClientInfo::client(&self.generated.typed)
    }

    /// The generated client underneath, for what this API does not cover.
    ///
    /// Its calls carry this client's token and size limit, but are not retried and keep
    /// progenitor's own results: answers as the server sent them, except that one over the
    /// size limit arrives with an empty body. With OCI login they carry the current login
    /// token and never log in themselves: call [`access_token`](Self::access_token) first.
    ///
    /// Unstable: its types change with the code generator.
    pub fn raw(&self) -> &crate::raw::Client {
        &self.generated.raw
    }

    /// *Update OCI Auth*: `PATCH /api/v1/auth/oci-auth/identities/{identityId}`.
    ///
    /// Sends `update` as built. The allow-list is always part of the body (see
    /// [`UpdateOciAuth`]); to change some fields and keep the rest, use
    /// [`modify_oci_auth`](Self::modify_oci_auth).
    ///
    /// **Send both TTLs.** When an update gives neither `accessTokenTTL` nor
    /// `accessTokenMaxTTL` (or gives them as 0), Infisical compares the *stored* values as
    /// text: stored 200 and 1000 compare as `"200" > "1000"`, and the update is refused with
    /// 400 "Access token TTL cannot be greater than max TTL" although nothing is wrong
    /// ([`model::rules::update_refused_by_stored_ttls`](crate::model::rules::update_refused_by_stored_ttls)).
    /// Setting either TTL makes the comparison numeric; [`modify_oci_auth`](Self::modify_oci_auth)
    /// and desired-state apply always send both.
    ///
    /// # Errors
    /// [`Error::Api`] for the server's answers: 404 when the identity does not exist or has
    /// no OCI Auth, 400 when the TTL exceeds the stored max TTL or an IP range needs a paid
    /// plan, 401/403 for a missing, invalid or insufficient token. [`Error::Transport`] and
    /// [`Error::Decode`] as for every call.
    pub async fn update_oci_auth(
        &self,
        identity: &IdentityId,
        update: &UpdateOciAuth,
    ) -> Result<IdentityOciAuth> {
        self.identity_call(&operations::UPDATE, identity, || {
            self.generated
                .typed
                .update_oci_auth(identity.as_uuid(), update)
        })
        .await
    }

    /// Read-modify-write: reads the current configuration, applies `edit` to a builder that
    /// already holds the current tenancy and allow-list, checks the TTLs against the stored
    /// values, and sends an update that changes only what `edit` set.
    ///
    /// ```no_run
    /// # async fn run(client: infisical_oci_auth::Client, id: infisical_oci_auth::IdentityId) -> Result<(), infisical_oci_auth::Error> {
    /// // Shorten the token lifetime; tenancy, usernames and IPs stay as they are.
    /// let config = client.modify_oci_auth(&id, |edit| edit.access_token_ttl(900)).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// Two requests, not atomic: a change made by someone else between them to the tenancy
    /// or the allow-list is overwritten.
    ///
    /// # Errors
    /// As [`get_oci_auth`](Self::get_oci_auth) and [`update_oci_auth`](Self::update_oci_auth);
    /// [`Error::Validation`] when the edited values break a rule, including a TTL above the
    /// stored max TTL (nothing is sent then).
    pub async fn modify_oci_auth<F>(
        &self,
        identity: &IdentityId,
        edit: F,
    ) -> Result<IdentityOciAuth>
    where
        F: FnOnce(UpdateOciAuthBuilder) -> UpdateOciAuthBuilder,
    {
        let current = self.get_oci_auth(identity).await?;
        let update = edit(UpdateOciAuthBuilder::from_current(&current)).build()?;
        check_ttl_against_stored(
            update.access_token_ttl(),
            update.access_token_max_ttl(),
            current.access_token_ttl,
            current.access_token_max_ttl,
        )?;
        self.update_oci_auth(identity, &update).await
    }

    /// *Attach OCI Auth*: `POST /api/v1/auth/oci-auth/identities/{identityId}`.
    ///
    /// # Errors
    /// [`Error::Api`] 400 when the identity already has OCI Auth or an IP range needs a paid
    /// plan, 404 when the identity does not exist; otherwise as for every call.
    pub async fn attach_oci_auth(
        &self,
        identity: &IdentityId,
        attach: &AttachOciAuth,
    ) -> Result<IdentityOciAuth> {
        self.identity_call(&operations::ATTACH, identity, || {
            self.generated
                .typed
                .attach_oci_auth(identity.as_uuid(), attach)
        })
        .await
    }

    /// *Get OCI Auth*: `GET /api/v1/auth/oci-auth/identities/{identityId}`.
    ///
    /// # Errors
    /// [`Error::Api`] 400 when the identity has no OCI Auth, 404 when it does not exist.
    pub async fn get_oci_auth(&self, identity: &IdentityId) -> Result<IdentityOciAuth> {
        self.identity_call(&operations::GET, identity, || {
            self.generated.typed.get_oci_auth(identity.as_uuid())
        })
        .await
    }

    /// *Get OCI Auth*, with "no OCI Auth attached" as `None` instead of an error
    /// ([`Error::is_not_attached`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = infisical_oci_auth_fake::FakeInfisical::start().await?;
    /// # let client = fake.client_builder().build()?;
    /// let identity = fake.create_identity();
    /// assert_eq!(client.find_oci_auth(&identity).await?, None);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get_oci_auth`](Self::get_oci_auth), except for that answer.
    pub async fn find_oci_auth(&self, identity: &IdentityId) -> Result<Option<IdentityOciAuth>> {
        match self.get_oci_auth(identity).await {
            Ok(config) => Ok(Some(config)),
            Err(e) if e.is_not_attached() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// *Revoke OCI Auth*: `DELETE /api/v1/auth/oci-auth/identities/{identityId}`; answers
    /// the configuration as it was.
    ///
    /// # Errors
    /// [`Error::Api`] 400 when the identity has no OCI Auth, 403 when the token's role is
    /// less privileged than the identity's.
    pub async fn revoke_oci_auth(&self, identity: &IdentityId) -> Result<IdentityOciAuth> {
        self.identity_call(&operations::REVOKE, identity, || {
            self.generated.typed.delete_oci_auth(identity.as_uuid())
        })
        .await
    }

    /// *Login with OCI Auth*: `POST /api/v1/auth/oci-auth/login`, signed with `credentials`.
    ///
    /// Signs `GET https://identity.<region>.oraclecloud.com/20160918/users/<user>` (headers
    /// `x-date`, `(request-target)`, `host`) and sends the signed headers, the identity and
    /// the optional organization slug. No bearer token is sent. Most programs use
    /// [`ClientBuilder::oci_login`] instead, which calls this when needed.
    ///
    /// # Errors
    /// [`Error::Api`]: 404 when the identity has no OCI Auth, 401 when the OCI user's
    /// tenancy or name is not allowed ([`ApiError::reason_code`](crate::ApiError::reason_code)
    /// says which), 400 for a bad host, 500 when OCI refuses the signature; on servers of
    /// 2026, 404 for an unknown sub-organization and 401 for one the identity is not a
    /// member of. [`Error::Validation`] for an organization slug the server would refuse
    /// (nothing is sent). [`Error::Credentials`] when the key cannot sign.
    #[cfg(feature = "oci")]
    #[cfg_attr(docsrs, doc(cfg(feature = "oci")))]
    pub async fn login(
        &self,
        credentials: &OciCredentials,
        identity: &IdentityId,
        organization_slug: Option<&str>,
    ) -> Result<AccessToken> {
        let deadline = Deadline::after(self.shared().retry.elapsed_limit());
        login::login(
            &self.generated.typed,
            credentials,
            identity,
            organization_slug,
            deadline,
        )
        .await
    }

    /// The bearer token the client sends: the one it was given, or with
    /// `ClientBuilder::oci_login` (feature `oci`) the current login token (logging in or renewing first
    /// when it is due). For calling other Infisical APIs with the same identity.
    ///
    /// ```no_run
    /// use infisical_oci_auth::{Client, ExposeSecret};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// // The same with `.oci_login(credentials, identity)` (feature `oci`): the token is
    /// // the current login token.
    /// let client = Client::builder().from_env().build()?;
    /// let token = client.access_token().await?;
    /// let secrets = client
    ///     .http_client()
    ///     .get(format!("{}/api/v3/secrets/raw?workspaceSlug=backend&environment=prod", client.base_url()))
    ///     .bearer_auth(token.expose_secret())
    ///     .send()
    ///     .await?
    ///     .text()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when the client has neither a token nor OCI login; with OCI login,
    /// the login's error, or [`Error::Transport`] when the deadline
    /// ([`RetryPolicy::max_elapsed`](crate::RetryPolicy::max_elapsed)) passes first.
    pub async fn access_token(&self) -> Result<SecretString> {
        let shared = self.shared();
        let target = Target {
            base_url: self.base_url(),
            identity: None,
        };
        let deadline = tokio::time::Instant::now() + shared.retry.elapsed_limit();
        match transport::bearer(&operations::LOGIN, shared, target, deadline).await? {
            Some(bearer) => Ok(bearer.secret().clone()),
            None => Err(Error::Config {
                reason: "the client has no token: set ClientBuilder::token (or INFISICAL_TOKEN \
                         with from_env) or ClientBuilder::oci_login"
                    .into(),
            }),
        }
    }

    fn shared(&self) -> &Shared {
        progenitor_client::ClientInfo::inner(&self.generated.typed)
    }

    /// One management call for `identity`: in its own span, under one deadline, through
    /// the transport's attempt loop, mapped to this crate's types.
    async fn identity_call<F, M>(
        &self,
        op: &'static Operation,
        identity: &IdentityId,
        make: M,
    ) -> Result<IdentityOciAuth>
    where
        M: FnMut() -> F,
        F: Future<
            Output = std::result::Result<
                progenitor_client::ResponseValue<generated::types::IdentityOciAuthResponse>,
                progenitor_client::Error<generated::types::ErrorBody>,
            >,
        >,
    {
        let span = transport::operation_span(op, identity);
        let shared = self.shared();
        let deadline = Deadline::after(shared.retry.elapsed_limit());
        let target = Target {
            base_url: self.base_url(),
            identity: Some(identity),
        };
        let answer = |answer: generated::types::IdentityOciAuthResponse| answer.identity_oci_auth;
        // Pinned where it is made: moving the loop's state (kilobytes) into the await
        // would copy it.
        let call = std::pin::pin!(transport::call(
            op, shared, target, deadline, &span, make, answer
        ));
        // Without a subscriber that wants the span, skip the wrapper.
        if span.is_disabled() {
            call.await
        } else {
            call.instrument(span.clone()).await
        }
    }
}
