//! The HTTP set-up of a client this crate builds: reqwest with no redirects, the crate's
//! timeouts and user agent, and TLS set up per client; and the base URL's checks.

#[cfg(feature = "rustls")]
use std::sync::Arc;

use super::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use crate::error::{Error, Result};

/// A `reqwest::ClientBuilder` with this crate's defaults (user agent
/// `infisical-oci-auth/<version>`, 30 s timeout, 10 s connect timeout, **no redirects
/// followed**), to customise (proxy, private CA, client certificate) and pass to
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client).
///
/// Redirects stay off for a reason: reqwest turns a redirected POST (301, 302) or any
/// redirected request (303) into a GET, whose 200 would pass for the write's answer. An
/// answer a client given to [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) got from another URL than the
/// one requested is refused with [`Error::Transport`](crate::Error::Transport) all the same.
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
