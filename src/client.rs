//! The client: configuration and the OCI Auth operations.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
#[cfg(feature = "oci")]
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::generated;
use crate::model::{
    AttachOciAuth, IdentityId, IdentityOciAuth, UpdateOciAuth, UpdateOciAuthBuilder,
    check_ttl_against_stored,
};
#[cfg(feature = "oci")]
use crate::oci::{self, AccessToken, Clock, OciCredentials, OciSession};
use crate::operations::{self, Operation};
use crate::retry::RetryPolicy;
pub(crate) use crate::transport::Shared;
use crate::transport::{self, Auth, Deadline, Target};

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

/// The generated client twice, over the same connection pool and settings, and the OCI
/// session if the client logs in.
struct Generated {
    /// Its answers go to [`transport::call`], which reads the marks its hooks leave.
    typed: generated::Client,
    /// Handed out by [`Client::raw`]: answers as the server sent them.
    raw: generated::Client,
    /// With [`ClientBuilder::oci_login`]: the token, kept fresh.
    #[cfg(feature = "oci")]
    session: Option<Arc<OciSession>>,
    /// The fixed bearer token, for [`Client::access_token`].
    token: Option<SecretString>,
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

/// Configures a [`Client`]. Setters never fail; [`build`](Self::build) reports bad values.
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    token: Option<SecretString>,
    http_client: Option<reqwest::Client>,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
    retry: RetryPolicy,
    /// [`from_env`](Self::from_env) was called: `build` then insists on a credential.
    from_env: bool,
    #[cfg(feature = "oci")]
    oci_login: Option<(OciCredentials, IdentityId)>,
    #[cfg(feature = "oci")]
    oci_organization_slug: Option<String>,
    #[cfg(feature = "oci")]
    oci_clock: Arc<dyn Clock>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("ClientBuilder");
        f.field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("http_client", &self.http_client.is_some())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("from_env", &self.from_env);
        #[cfg(feature = "oci")]
        f.field("oci_login", &self.oci_login)
            .field("oci_organization_slug", &self.oci_organization_slug);
        f.finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            token: None,
            http_client: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry: RetryPolicy::default(),
            from_env: false,
            #[cfg(feature = "oci")]
            oci_login: None,
            #[cfg(feature = "oci")]
            oci_organization_slug: None,
            #[cfg(feature = "oci")]
            oci_clock: Arc::new(oci::SystemClock),
        }
    }
}

impl ClientBuilder {
    /// The server: `https://us.infisical.com` (the default), [`EU_BASE_URL`], or a
    /// self-hosted URL. A trailing `/`, `/api` or `/api/v1` is accepted and dropped.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The bearer token for the management operations (a machine identity's access token
    /// or a user's token). Kept as a secret: never printed, sent marked sensitive.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// Uses `client` as given (proxy, custom root CA, client certificate, its own connect
    /// timeout and user agent). This builder's [`timeout`](Self::timeout) still applies to
    /// each request (it replaces the client's own), so that the operation's deadline holds;
    /// an answer the client got by following a redirect is refused.
    ///
    /// Start from [`http_client_builder`](crate::http_client_builder), which has this
    /// crate's defaults and, with the `rustls` feature, a TLS setup of its own (a plain
    /// `reqwest::Client::builder()` panics without a process-wide rustls provider). For a
    /// self-hosted server with a private CA, give it a rustls configuration that trusts it
    /// (`rustls` is re-exported):
    ///
    /// ```no_run
    /// # #[cfg(feature = "rustls")]
    /// # fn run(pem: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    /// use infisical_oci_auth::rustls::{self, pki_types::{CertificateDer, pem::PemObject}};
    ///
    /// let mut roots = rustls::RootCertStore::empty();
    /// roots.add(CertificateDer::from_pem_slice(pem)?)?;
    /// let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    /// let tls = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth();
    /// let http = infisical_oci_auth::http_client_builder()
    ///     .tls_backend_preconfigured(tls)
    ///     .build()?;
    /// let client = infisical_oci_auth::Client::builder()
    ///     .base_url("https://infisical.internal")
    ///     .http_client(http)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The limit on one request, from connecting to the last byte of the answer; also on a
    /// client given with [`http_client`](Self::http_client). An attempt gets the smaller of
    /// this and the time left before the operation's deadline
    /// ([`RetryPolicy::max_elapsed`]). Default: 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit on establishing a connection. Default: 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// When to send a failed request again; see [`RetryPolicy`] for what is retried.
    /// Default: [`RetryPolicy::default`] (3 attempts); [`RetryPolicy::none`] switches it off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest answer body read; a larger one is an [`Error::Decode`]. Default: 1 MiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Authenticates with OCI login instead of a fixed token: the client logs in as
    /// `identity` with `credentials` on first use and reuses the token.
    ///
    /// - **Renewal** comes before the server's expiry: the token's lifetime counted from
    ///   before the login was sent, less a second (the server issues tokens at whole
    ///   seconds) and a margin for clock skew (a tenth of the lifetime, at most a minute),
    ///   judged on the monotonic clock *and* the wall clock (which goes on while a machine
    ///   sleeps; see [`oci_clock`](Self::oci_clock)).
    /// - **A refused token** (401, or 403 `TokenError`, which is how Infisical answers an
    ///   expired one) is dropped, and the call is sent once more after a new login.
    /// - **One login in flight**: concurrent calls wait for the same login and all receive
    ///   its token or its error; each waits no longer than its own deadline
    ///   ([`RetryPolicy::max_elapsed`]). After a failed login, calls get that error at once
    ///   for a backoff (1 s, doubling up to 30 s) before the next login is tried.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), infisical_oci_auth::Error> {
    /// use infisical_oci_auth::{Client, oci::OciCredentials};
    ///
    /// let client = Client::builder()
    ///     .base_url("https://eu.infisical.com")
    ///     .oci_login(OciCredentials::from_default_config()?, "6511e966-169d-4653-a191-c559fe230086".parse()?)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "oci")]
    #[cfg_attr(docsrs, doc(cfg(feature = "oci")))]
    pub fn oci_login(mut self, credentials: OciCredentials, identity: IdentityId) -> Self {
        self.oci_login = Some((credentials, identity));
        self
    }

    /// With [`oci_login`](Self::oci_login), the wall clock that token expiry is judged on.
    /// Default: [`SystemClock`](crate::oci::SystemClock). For tests that act out a
    /// machine that slept (see [`Clock`]).
    #[cfg(feature = "oci")]
    #[cfg_attr(docsrs, doc(cfg(feature = "oci")))]
    pub fn oci_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.oci_clock = clock;
        self
    }

    /// With [`oci_login`](Self::oci_login), the organization or sub-organization to log in
    /// to (`organizationSlug`).
    #[cfg(feature = "oci")]
    #[cfg_attr(docsrs, doc(cfg(feature = "oci")))]
    pub fn oci_organization_slug(mut self, slug: impl Into<String>) -> Self {
        self.oci_organization_slug = Some(slug.into());
        self
    }

    /// Takes the base URL from `INFISICAL_API_URL` and the token from `INFISICAL_TOKEN`,
    /// where they are set and not empty. [`build`](Self::build) then fails unless the client
    /// has a credential: `INFISICAL_TOKEN`, [`token`](Self::token) or OCI login.
    pub fn from_env(self) -> Self {
        self.with_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables.
    fn with_vars(mut self, var: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        self.from_env = true;
        if let Some(url) = var("INFISICAL_API_URL") {
            self = self.base_url(url);
        }
        if let Some(token) = var("INFISICAL_TOKEN") {
            self = self.token(token);
        }
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] for a base URL that is not an absolute `http`/`https` URL, a token
    /// that cannot travel in an HTTP header, both a token and OCI login, no credential at
    /// all after [`from_env`](Self::from_env), or an HTTP client that cannot be built.
    pub fn build(self) -> Result<Client> {
        let base_url = normalize_base_url(&self.base_url)?;
        #[cfg(feature = "oci")]
        let logs_in = self.oci_login.is_some();
        #[cfg(not(feature = "oci"))]
        let logs_in = false;
        if self.from_env && self.token.is_none() && !logs_in {
            return Err(Error::Config {
                reason: if cfg!(feature = "oci") {
                    "no credential: set INFISICAL_TOKEN (or call ClientBuilder::token), or log \
                     in with OCI through ClientBuilder::oci_login"
                } else {
                    "no credential: set INFISICAL_TOKEN (or call ClientBuilder::token)"
                }
                .into(),
            });
        }
        let token = self
            .token
            .as_ref()
            .map(|token| {
                let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose_secret()))
                    .map_err(|_| Error::Config {
                        reason: "the token holds characters that an HTTP header cannot carry"
                            .into(),
                    })?;
                value.set_sensitive(true);
                Ok::<_, Error>(value)
            })
            .transpose()?;
        let given_client = self.http_client.is_some();
        let http = match self.http_client {
            Some(http) => http,
            None => http_client_builder()
                .timeout(self.timeout)
                .connect_timeout(self.connect_timeout)
                .build()
                .map_err(|e| Error::Config {
                    reason: format!("cannot build the HTTP client: {e}"),
                })?,
        };
        let unauthenticated = Shared {
            auth: Auth::None,
            max_body: self.max_response_bytes,
            retry: self.retry,
            mode: transport::Mode::Typed,
            request_timeout: self.timeout,
            given_client,
        };
        #[cfg(not(feature = "oci"))]
        let auth = token.map_or(Auth::None, Auth::Static);
        #[cfg(feature = "oci")]
        let (auth, session) = match (token, self.oci_login) {
            (Some(_), Some(_)) => {
                return Err(Error::Config {
                    reason: "choose either a token or OCI login, not both".into(),
                });
            }
            (Some(token), None) => (Auth::Static(token), None),
            (None, Some((credentials, identity))) => {
                let login_client = generated::Client::new_with_client(
                    &base_url,
                    http.clone(),
                    unauthenticated.clone(),
                );
                let session = Arc::new(OciSession::new(
                    login_client,
                    credentials,
                    identity,
                    self.oci_organization_slug,
                    self.oci_clock,
                ));
                (Auth::Session(session.slot()), Some(session))
            }
            (None, None) => (Auth::None, None),
        };
        let shared = Shared {
            auth,
            ..unauthenticated
        };
        let raw = Shared {
            mode: transport::Mode::Raw,
            ..shared.clone()
        };
        Ok(Client {
            generated: Arc::new(Generated {
                typed: generated::Client::new_with_client(&base_url, http.clone(), shared),
                raw: generated::Client::new_with_client(&base_url, http, raw),
                #[cfg(feature = "oci")]
                session,
                token: self.token,
            }),
        })
    }
}

/// A `reqwest::ClientBuilder` with this crate's defaults (user agent
/// `infisical-oci-auth/<version>`, 30 s timeout, 10 s connect timeout, **no redirects
/// followed**), to customise (proxy, private CA, client certificate) and pass to
/// [`ClientBuilder::http_client`].
///
/// Redirects stay off for a reason: reqwest turns a redirected POST (301, 302) or any
/// redirected request (303) into a GET, whose 200 would pass for the write's answer. An
/// answer a client given to [`ClientBuilder::http_client`] got from another URL than the
/// one requested is refused with [`Error::Transport`] all the same.
///
/// With the `rustls` feature its TLS is set up here, per client: rustls with the ring
/// provider and the platform's certificate verifier (as reqwest's own rustls setup), without
/// installing a process-wide crypto provider. Because that configuration is complete,
/// reqwest's own certificate settings (`tls_certs_merge` and the like) do not apply to it:
/// for a private CA, build a `rustls::ClientConfig` and pass it with
/// `tls_backend_preconfigured`.
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let http = infisical_oci_auth::http_client_builder()
///     .proxy(reqwest::Proxy::https("http://proxy.internal:3128")?)
///     .build()?;
/// let client = infisical_oci_auth::Client::builder().http_client(http).build()?;
/// # Ok(()) }
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    #[cfg(feature = "rustls")]
    let builder = match rustls_config() {
        Some(config) => builder.tls_backend_preconfigured(config),
        None => builder,
    };
    builder
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("infisical-oci-auth/", env!("CARGO_PKG_VERSION")))
        .timeout(DEFAULT_TIMEOUT)
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
}

/// rustls over ring with the platform verifier and HTTP/1.1 ALPN; `None` when the platform
/// verifier cannot be set up (reqwest then reports the missing provider when building).
#[cfg(feature = "rustls")]
fn rustls_config() -> Option<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).ok()?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(config)
}

/// Checks a base URL and brings it to the form the generated paths expect: no trailing
/// `/`, `/api` or `/api/v1`.
fn normalize_base_url(raw: &str) -> Result<String> {
    let trimmed = raw.trim();
    let url = reqwest::Url::parse(trimmed).map_err(|e| Error::Config {
        reason: format!("base URL {trimmed:?} is not an absolute URL: {e}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config {
            reason: format!("base URL {trimmed:?} must be an http:// or https:// URL with a host"),
        });
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(Error::Config {
            reason: format!(
                "base URL {:?} must not carry credentials, a query or a fragment",
                url.origin().ascii_serialization()
            ),
        });
    }
    // The generated paths start with `/api/v1/`: a base URL copied with the API prefix
    // (`…/api` or `…/api/v1`) names the same server.
    let mut s = url.as_str().trim_end_matches('/');
    for suffix in ["/api/v1", "/api"] {
        if let Some(stripped) = s.strip_suffix(suffix) {
            s = stripped;
            break;
        }
    }
    Ok(s.to_owned())
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
    /// tenancy or name is not allowed, 400 for a bad host, 500 when OCI refuses the
    /// signature. [`Error::Credentials`] when the key cannot sign.
    #[cfg(feature = "oci")]
    #[cfg_attr(docsrs, doc(cfg(feature = "oci")))]
    pub async fn login(
        &self,
        credentials: &OciCredentials,
        identity: &IdentityId,
        organization_slug: Option<&str>,
    ) -> Result<AccessToken> {
        let deadline = Deadline::after(self.shared().retry.elapsed_limit());
        oci::login(
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
    /// ([`RetryPolicy::max_elapsed`]) passes first.
    pub async fn access_token(&self) -> Result<SecretString> {
        if let Some(token) = &self.generated.token {
            return Ok(token.clone());
        }
        let no_token = || Error::Config {
            reason: "the client has no token: set ClientBuilder::token (or INFISICAL_TOKEN \
                     with from_env) or ClientBuilder::oci_login"
                .into(),
        };
        #[cfg(feature = "oci")]
        if let Some(session) = &self.generated.session {
            let deadline = Instant::now() + self.shared().retry.elapsed_limit();
            let header = self
                .session_bearer(session, &operations::LOGIN, None, deadline)
                .await?;
            let text = String::from_utf8_lossy(header.as_bytes());
            let token = text.strip_prefix("Bearer ").unwrap_or(&text);
            return Ok(SecretString::from(token.to_owned()));
        }
        Err(no_token())
    }

    fn shared(&self) -> &Shared {
        progenitor_client::ClientInfo::inner(&self.generated.typed)
    }

    /// The session's bearer within `deadline`, for a call of `op`.
    #[cfg(feature = "oci")]
    async fn session_bearer(
        &self,
        session: &Arc<OciSession>,
        op: &'static Operation,
        identity: Option<&IdentityId>,
        deadline: Instant,
    ) -> Result<HeaderValue> {
        match session.bearer(deadline).await {
            Some(bearer) => bearer,
            None => {
                let target = Target {
                    base_url: self.base_url(),
                    identity,
                };
                Err(transport::deadline_error(
                    op,
                    &self.shared().retry,
                    target,
                    "waiting for OCI login",
                ))
            }
        }
    }

    /// One management call for `identity`: in its own span, under one deadline, retried,
    /// mapped to this crate's types. With OCI login: a token first, and after a refused
    /// one a new login and one more try.
    async fn identity_call<F, M>(
        &self,
        op: &'static Operation,
        identity: &IdentityId,
        #[cfg_attr(not(feature = "oci"), allow(unused_mut))] mut make: M,
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
        #[cfg(feature = "oci")]
        if let Some(session) = &self.generated.session {
            return async {
                let mut logged_in_again = false;
                loop {
                    let bearer = self
                        .session_bearer(session, op, Some(identity), deadline.at)
                        .await?;
                    let deadline = deadline.restarted();
                    match transport::call(op, shared, target, deadline, &span, &mut make, answer)
                        .await
                    {
                        Err(error) if !logged_in_again && error.is_token_refused() => {
                            // Revoked (401) or expired (403 TokenError): log in again, once.
                            tracing::debug!(operation = op.id, error = %error, "token refused; logging in again");
                            session.invalidate(&bearer);
                            logged_in_again = true;
                        }
                        result => return result,
                    }
                }
            }
            .instrument(span.clone())
            .await;
        }
        let call = transport::call(op, shared, target, deadline, &span, make, answer);
        // Without a subscriber that wants the span, skip the wrapper.
        if span.is_disabled() {
            call.await
        } else {
            call.instrument(span.clone()).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised() {
        for (given, want) in [
            ("https://us.infisical.com", "https://us.infisical.com"),
            (
                "https://infisical.example.com/",
                "https://infisical.example.com",
            ),
            (
                "https://infisical.example.com/api",
                "https://infisical.example.com",
            ),
            (
                "https://infisical.example.com/api/",
                "https://infisical.example.com",
            ),
            (
                "http://127.0.0.1:8080/infisical/api",
                "http://127.0.0.1:8080/infisical",
            ),
            (
                "https://infisical.example.com/api/v1",
                "https://infisical.example.com",
            ),
            (
                "https://infisical.example.com/api/v1/",
                "https://infisical.example.com",
            ),
        ] {
            assert_eq!(normalize_base_url(given).unwrap(), want, "{given}");
        }
        for bad in [
            "",
            "us.infisical.com",
            "ftp://x",
            "https://u:p@x",
            "https://x/?q=1",
        ] {
            assert!(
                matches!(normalize_base_url(bad), Err(Error::Config { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_from_env_client_without_a_credential_names_infisical_token() {
        let none = |_: &str| None;
        let blank = |_: &str| Some("  ".to_owned());
        for builder in [
            Client::builder().with_vars(none),
            Client::builder().with_vars(blank),
        ] {
            let err = builder.build().unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{err:?}");
            assert!(err.to_string().contains("INFISICAL_TOKEN"), "{err}");
        }
        let with_token = |name: &str| (name == "INFISICAL_TOKEN").then(|| "t".to_owned());
        assert!(Client::builder().with_vars(with_token).build().is_ok());
        // A token given in code satisfies it, and a client without from_env may have none
        // (for OCI login calls, which need no bearer).
        assert!(Client::builder().with_vars(none).token("t").build().is_ok());
        assert!(Client::builder().build().is_ok());
    }

    #[test]
    fn debug_never_shows_the_token() {
        let builder = Client::builder().token("s3cr3t-token");
        assert!(!format!("{builder:?}").contains("s3cr3t"));
        let client = builder.base_url("http://127.0.0.1:1").build().unwrap();
        assert!(!format!("{client:?}").contains("s3cr3t"));
        assert!(!format!("{:?}", client.raw()).contains("s3cr3t"));
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_refused_without_echo() {
        let err = Client::builder().token("bad\ntoken").build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
        assert!(!err.to_string().contains("bad"));
    }
}
