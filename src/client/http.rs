//! The HTTP set-up of a client this crate builds: [`HttpClientBuilder`] (reqwest with no
//! redirects, the crate's timeouts and user agent, TLS set up per client with the roots and
//! identity given, the proxy it goes through), and the base URL's checks.

use std::sync::Arc;
use std::time::Duration;

use super::proxy;
use super::tls_setup::TlsSettings;
use super::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use crate::error::{Error, Result};
use crate::tls::{Certificate, Identity};

/// Where the client's requests go: as the environment says (`HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY`, `NO_PROXY`), through one proxy, or straight.
#[derive(Clone, Debug, Default)]
pub(crate) enum ProxySetting {
    #[default]
    FromEnv,
    Url(String),
    None,
}

/// Builds the `reqwest::Client` a [`Client`](crate::Client) sends through, with this crate's
/// defaults: user agent `infisical-oci-auth/<version>`, 30 s timeout, 10 s connect timeout,
/// **no redirects followed**, TLS set up per client (with the `rustls` feature: rustls over
/// aws-lc-rs with the platform's verifier, no process-wide crypto provider), and the proxy from
/// `HTTPS_PROXY`/`NO_PROXY` unless told otherwise. Pass what it builds to
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client), e.g. to share one
/// connection pool with your own calls.
///
/// The settings a company network needs are here, and they apply to every request of the
/// client, OCI login included: [`add_root_certificate`](Self::add_root_certificate) and
/// [`tls_certs_merge`](Self::tls_certs_merge) (a private CA beside the platform's roots),
/// [`tls_certs_only`](Self::tls_certs_only), [`client_certificate`](Self::client_certificate)
/// (mutual TLS) and [`proxy`](Self::proxy). They are declared here alone: hand the builder
/// to [`ClientBuilder::http`](crate::ClientBuilder::http), or build the reqwest client and
/// hand that to [`ClientBuilder::http_client`](crate::ClientBuilder::http_client). They
/// are this builder's own rather than reqwest's, because reqwest drops its certificate
/// settings on a client whose TLS is set up beforehand; so none of them can be dropped
/// silently.
///
/// Redirects stay off for a reason: reqwest turns a redirected POST (301, 302) or any
/// redirected request (303) into a GET, whose 200 would pass for the write's answer.
///
/// ```no_run
/// # fn run() -> Result<(), infisical_oci_auth::Error> {
/// use infisical_oci_auth::tls::Certificate;
///
/// let http = infisical_oci_auth::http_client_builder()
///     .proxy("http://proxy.internal:3128")
///     .add_root_certificate(Certificate::from_pem(b"-----BEGIN CERTIFICATE-----\n...")?)
///     .build()?;
/// let client = infisical_oci_auth::Client::builder().http_client(http).build()?;
/// # Ok(()) }
/// ```
#[must_use]
#[derive(Debug)]
pub struct HttpClientBuilder {
    inner: reqwest::ClientBuilder,
    tls: TlsSettings,
    proxy: ProxySetting,
}

/// Starts an [`HttpClientBuilder`] with this crate's defaults.
pub fn http_client_builder() -> HttpClientBuilder {
    HttpClientBuilder {
        inner: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("infisical-oci-auth/", env!("CARGO_PKG_VERSION")))
            .timeout(DEFAULT_TIMEOUT)
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT),
        tls: TlsSettings::default(),
        proxy: ProxySetting::FromEnv,
    }
}

impl HttpClientBuilder {
    /// Trusts `certs` as roots beside the platform's (or beside those of
    /// [`tls_certs_only`](Self::tls_certs_only)).
    pub fn tls_certs_merge(mut self, certs: impl IntoIterator<Item = Certificate>) -> Self {
        self.tls.merge(certs);
        self
    }

    /// Trusts only `certs` as roots: the platform's roots and `SSL_CERT_FILE` are not used.
    pub fn tls_certs_only(mut self, certs: impl IntoIterator<Item = Certificate>) -> Self {
        self.tls.only(certs);
        self
    }

    /// Trusts `cert` as a root beside the others (a private CA).
    pub fn add_root_certificate(self, cert: Certificate) -> Self {
        self.tls_certs_merge([cert])
    }

    /// Presents `identity` (certificate chain and key) when the server asks for a client
    /// certificate (mutual TLS). Needs the `rustls` feature.
    pub fn client_certificate(mut self, identity: Identity) -> Self {
        self.tls.identity = Some(identity);
        self
    }

    /// Sends every request through the HTTP proxy at `url` (`http://host:port`, with
    /// `user:password@` for basic auth), whatever `HTTPS_PROXY` says.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::Url(url.into());
        self
    }

    /// Sends requests straight to the server, whatever `HTTPS_PROXY` says.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::None;
        self
    }

    /// The limit on one request, from connecting to the last byte. Default: 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.inner = self.inner.timeout(timeout);
        self
    }

    /// The limit on establishing a connection (through a proxy: to the proxy). Default: 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.inner = self.inner.connect_timeout(timeout);
        self
    }

    /// The `User-Agent` header. Default: `infisical-oci-auth/<version>`.
    pub fn user_agent(mut self, agent: impl AsRef<str>) -> Self {
        self.inner = self.inner.user_agent(agent.as_ref());
        self
    }

    /// Headers sent with every request.
    pub fn default_headers(mut self, headers: reqwest::header::HeaderMap) -> Self {
        self.inner = self.inner.default_headers(headers);
        self
    }

    /// The local address to connect from.
    pub fn local_address(mut self, address: std::net::IpAddr) -> Self {
        self.inner = self.inner.local_address(address);
        self
    }

    /// How long an idle pooled connection is kept. Default: reqwest's (90 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.inner = self.inner.pool_idle_timeout(timeout);
        self
    }

    /// Builds the HTTP client.
    ///
    /// # Errors
    /// [`Error::Config`] for a proxy URL that cannot be read, a TLS setting the enabled
    /// TLS features cannot carry out, or a client reqwest cannot build.
    pub fn build(self) -> Result<reqwest::Client> {
        self.build_for(None).map(|(client, _)| client)
    }

    /// Builds the client, and names the proxy its requests to `target` go through (for
    /// errors), credentials left out.
    pub(crate) fn build_for(
        self,
        target: Option<&reqwest::Url>,
    ) -> Result<(reqwest::Client, Option<Arc<str>>)> {
        let (mut builder, shown) = match &self.proxy {
            ProxySetting::FromEnv => (self.inner, target.and_then(proxy::from_env)),
            ProxySetting::None => (self.inner.no_proxy(), None),
            ProxySetting::Url(url) => {
                let proxy = reqwest::Proxy::all(url).map_err(|e| Error::Config {
                    reason: format!("the proxy URL {} cannot be used: {e}", proxy::shown(url)),
                })?;
                (self.inner.proxy(proxy), Some(proxy::shown(url)))
            }
        };
        builder = super::tls_setup::apply(builder, &self.tls)?;
        let client = builder.build().map_err(|e| Error::Config {
            reason: format!("cannot build the HTTP client: {e}"),
        })?;
        Ok((client, shown.map(Arc::from)))
    }
}

/// Checks a base URL and brings it to the form the generated paths expect: no trailing
/// `/`, `/api` or `/api/v1`.
pub(super) fn normalize_base_url(raw: &str) -> Result<String> {
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
}
