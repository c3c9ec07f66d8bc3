//! [`ClientBuilder`]: the client's configuration, checked once by [`ClientBuilder::build`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::http::{HttpClientBuilder, http_client_builder, normalize_base_url};
use super::{
    Client, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
    Generated,
};
use crate::auth::{Auth, Bearer};
use crate::error::{Error, Result};
use crate::generated;
#[cfg(feature = "oci")]
use crate::model::IdentityId;
#[cfg(feature = "oci")]
use crate::oci::{self, Clock, OciCredentials};
use crate::retry::RetryPolicy;
use crate::transport::{Mode, Shared};

/// Where the client's HTTP client comes from.
#[derive(Debug)]
enum HttpSource {
    /// Built with this crate's defaults.
    Default,
    /// Built from the settings given with [`ClientBuilder::http`].
    Builder(Box<HttpClientBuilder>),
    /// Given whole with [`ClientBuilder::http_client`].
    Given(reqwest::Client),
}

/// Configures a [`Client`]. Setters never fail; [`build`](Self::build) reports bad values.
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    pub(super) token: Option<SecretString>,
    http: HttpSource,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
    retry: RetryPolicy,
    /// [`from_env`](Self::from_env) was called: `build` then insists on a credential.
    pub(super) from_env: bool,
    /// What [`from_env`](Self::from_env) could not use, reported by `build`.
    pub(super) env_error: Option<Error>,
    #[cfg(feature = "oci")]
    pub(super) oci_login: Option<(OciCredentials, IdentityId)>,
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
            .field("http", &self.http)
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
            http: HttpSource::Default,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry: RetryPolicy::default(),
            from_env: false,
            env_error: None,
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
    /// The server: `https://us.infisical.com` (the default), [`EU_BASE_URL`](crate::EU_BASE_URL), or a
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

    /// Uses `client` as given (its own connect timeout, user agent, proxy and TLS), e.g. one
    /// built with [`http_client_builder`](crate::http_client_builder) to share its
    /// connection pool. This builder's [`timeout`](Self::timeout) still applies to
    /// each request (it replaces the client's own), so that the operation's deadline holds;
    /// an answer the client got by following a redirect is refused.
    ///
    /// Most programs need not: [`http`](Self::http) with a private CA, a client certificate
    /// or a proxy covers company networks. To
    /// bring your own TLS configuration, build the reqwest client yourself (`rustls` and
    /// `reqwest` are re-exported; turn redirects off):
    ///
    /// ```no_run
    /// # #[cfg(feature = "rustls")]
    /// # fn run(pem: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    /// use infisical_oci_auth::rustls::{self, pki_types::{CertificateDer, pem::PemObject}};
    ///
    /// let mut roots = rustls::RootCertStore::empty();
    /// roots.add(CertificateDer::from_pem_slice(pem)?)?;
    /// let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    /// let tls = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth();
    /// let http = infisical_oci_auth::reqwest::Client::builder()
    ///     .tls_backend_preconfigured(tls)
    ///     .redirect(infisical_oci_auth::reqwest::redirect::Policy::none())
    ///     .build()?;
    /// let client = infisical_oci_auth::Client::builder()
    ///     .base_url("https://infisical.internal")
    ///     .http_client(http)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = HttpSource::Given(client);
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

    /// The HTTP client this builder makes, as `builder` sets it up: a private CA
    /// ([`tls_certs_merge`](HttpClientBuilder::tls_certs_merge),
    /// [`add_root_certificate`](HttpClientBuilder::add_root_certificate)), only given roots
    /// ([`tls_certs_only`](HttpClientBuilder::tls_certs_only)), a client certificate for
    /// mutual TLS ([`client_certificate`](HttpClientBuilder::client_certificate)), a proxy
    /// ([`proxy`](HttpClientBuilder::proxy), [`no_proxy`](HttpClientBuilder::no_proxy)).
    /// They apply to every request of the client, OCI login included. This builder's
    /// [`timeout`](Self::timeout) and [`connect_timeout`](Self::connect_timeout) apply on
    /// top. Replaces a client given with [`http_client`](Self::http_client), and the other
    /// way round: the last one given is used.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), infisical_oci_auth::Error> {
    /// use infisical_oci_auth::{Client, http_client_builder, tls::Certificate};
    ///
    /// let client = Client::builder()
    ///     .base_url("https://infisical.internal")
    ///     .http(http_client_builder().tls_certs_merge(Certificate::from_file("/etc/company/ca-bundle.pem")?))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn http(mut self, builder: HttpClientBuilder) -> Self {
        self.http = HttpSource::Builder(Box::new(builder));
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
    /// - **Each request carries the token its attempt resolved**, and a refusal is held
    ///   against that token only: a call refused with a token another call has already
    ///   replaced uses the new one without a second login.
    ///
    /// # Tokens with a use limit
    /// With `accessTokenNumUsesLimit` below the number of calls in flight at once, the
    /// concurrent calls spend each new token between them: a call whose resend after its
    /// re-login finds the new token spent too fails with [`Error::Api`] 401. The client
    /// logs in again once per refused call, never more (a login storm would be worse).
    /// Give OCI Auth a use limit at least as high as the client's concurrency, or none
    /// (`0`).
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
    /// to (`organizationSlug`, Infisical of 2026): the identity's own organization, or a
    /// sub-organization it is a member of. [`build`](Self::build) checks it against the
    /// server's rule ([`OrganizationSlug`](crate::model::OrganizationSlug)).
    #[cfg(feature = "oci")]
    #[cfg_attr(docsrs, doc(cfg(feature = "oci")))]
    pub fn oci_organization_slug(mut self, slug: impl Into<String>) -> Self {
        self.oci_organization_slug = Some(slug.into());
        self
    }

    /// Reads the environment, as the `infisical-oci-auth` command does: the base URL from
    /// `INFISICAL_API_URL`, the token from `INFISICAL_TOKEN`; without a token, OCI login as
    /// `INFISICAL_OCI_IDENTITY_ID` with the OCI CLI's config (`~/.oci/config` or
    /// `OCI_CLI_CONFIG_FILE`, profile `DEFAULT` or `OCI_CLI_PROFILE`; feature `oci`).
    /// Variables that are empty count as unset. [`build`](Self::build) then fails unless the
    /// client has a credential, naming these variables, or with the error of a config it
    /// could not read.
    pub fn from_env(self) -> Self {
        self.with_vars(|name| std::env::var(name).ok())
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] for a base URL that is not an absolute `http`/`https` URL, a token
    /// that cannot travel in an HTTP header, both a token and OCI login, no credential at
    /// all after [`from_env`](Self::from_env), or an HTTP client that cannot be built.
    /// [`Error::Validation`] for an organization slug the server would refuse.
    pub fn build(mut self) -> Result<Client> {
        let base_url = normalize_base_url(&self.base_url)?;
        self.check_credential()?;
        #[cfg(feature = "oci")]
        if let Some(slug) = &self.oci_organization_slug {
            crate::model::OrganizationSlug::new(slug)?;
        }
        let given_client = matches!(self.http, HttpSource::Given(_));
        let source = std::mem::replace(&mut self.http, HttpSource::Default);
        let (http, proxy) = self.http_client_from(source, &base_url)?;
        let unauthenticated = Shared {
            auth: Auth::None,
            max_body: self.max_response_bytes,
            retry: self.retry.clone(),
            mode: Mode::Typed,
            request_timeout: self.timeout,
            given_client,
            proxy,
        };
        let auth = self.auth(&base_url, &http, &unauthenticated)?;
        let shared = Shared {
            auth,
            ..unauthenticated
        };
        let raw = Shared {
            mode: Mode::Raw,
            ..shared.clone()
        };
        Ok(Client {
            generated: Arc::new(Generated {
                typed: generated::Client::new_with_client(&base_url, http.clone(), shared),
                raw: generated::Client::new_with_client(&base_url, http, raw),
            }),
        })
    }

    /// The HTTP client: the one given, or one built from the HTTP settings with this
    /// builder's timeouts; and the proxy it sends through, for errors.
    fn http_client_from(
        &self,
        source: HttpSource,
        base_url: &str,
    ) -> Result<(reqwest::Client, Option<Arc<str>>)> {
        let builder = match source {
            HttpSource::Given(http) => return Ok((http, None)),
            HttpSource::Builder(builder) => *builder,
            HttpSource::Default => http_client_builder(),
        };
        let target = reqwest::Url::parse(base_url).ok();
        builder
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build_for(target.as_ref())
    }

    /// How the management calls authenticate: a fixed token, OCI login, or not at all.
    fn auth(
        &self,
        base_url: &str,
        http: &reqwest::Client,
        unauthenticated: &Shared,
    ) -> Result<Auth> {
        let token = match &self.token {
            None => None,
            Some(token) => Some(Bearer::new(token.clone()).ok_or_else(|| Error::Config {
                reason: "the token holds characters that an HTTP header cannot carry".into(),
            })?),
        };
        #[cfg(not(feature = "oci"))]
        let _ = (base_url, http, unauthenticated);
        #[cfg(feature = "oci")]
        if let Some((credentials, identity)) = &self.oci_login {
            if token.is_some() {
                return Err(Error::Config {
                    reason: "choose either a token or OCI login, not both".into(),
                });
            }
            let login_client =
                generated::Client::new_with_client(base_url, http.clone(), unauthenticated.clone());
            let session = super::login::session(
                login_client,
                credentials.clone(),
                *identity,
                self.oci_organization_slug.clone(),
                self.oci_clock.clone(),
            );
            return Ok(Auth::Session(Arc::new(session)));
        }
        Ok(token.map_or(Auth::None, |bearer| Auth::Static(Arc::new(bearer))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[cfg(feature = "oci")]
    #[test]
    fn from_env_logs_in_with_oci_as_infisical_oci_identity_id() {
        let dir = std::env::temp_dir().join(format!("from-env-oci-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config");
        let key = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/pkcs1.pem");
        std::fs::write(
            &config,
            format!(
                "[CI]\nuser=ocid1.user.oc1..aaaa\nfingerprint=fd:92:9f:b8:ac:60:ec:e5:07:ec:b5:22:f1:a7:3f:75\n\
                 key_file={key}\ntenancy=ocid1.tenancy.oc1..tttt\nregion=us-ashburn-1\n"
            ),
        )
        .unwrap();
        let config_path = config.display().to_string();
        let vars = |id: &'static str| {
            let config_path = config_path.clone();
            move |name: &str| match name {
                "INFISICAL_OCI_IDENTITY_ID" => Some(id.to_owned()),
                "OCI_CLI_CONFIG_FILE" => Some(config_path.clone()),
                "OCI_CLI_PROFILE" => Some("CI".to_owned()),
                _ => None,
            }
        };
        let builder = Client::builder().with_vars(vars("6511e966-169d-4653-a191-c559fe230086"));
        assert!(builder.oci_login.is_some());
        assert!(builder.build().is_ok());
        let err = Client::builder()
            .with_vars(vars("not-a-uuid"))
            .build()
            .unwrap_err();
        assert!(
            err.to_string().contains("INFISICAL_OCI_IDENTITY_ID"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
        // Without either variable, the message names both.
        let err = Client::builder().with_vars(|_| None).build().unwrap_err();
        assert!(
            err.to_string().contains("INFISICAL_OCI_IDENTITY_ID"),
            "{err}"
        );
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
