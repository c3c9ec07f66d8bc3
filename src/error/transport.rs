//! [`TransportError`]: a request that did not complete, said in this crate's words.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};

use crate::operations::Operation;
use crate::retry::Failure;

/// A request that did not complete. `Display` names the operation, the method, the URL (no
/// query), what happened in this crate's words (`connection refused`, `timed out after 30
/// s`, `the server's certificate is not trusted …`, `the proxy … did not open a tunnel`,
/// a redirect) and the attempts made; the underlying `reqwest::Error`, where there is one,
/// is the [`source`](std::error::Error::source), with the details.
///
/// ```
/// # async fn run() {
/// use infisical_oci_auth::{Client, Error, RetryPolicy};
///
/// let client = Client::builder().base_url("http://127.0.0.1:9").token("t").retry(RetryPolicy::none()).build().unwrap();
/// let id = "6511e966-169d-4653-a191-c559fe230086".parse().unwrap();
/// let Err(Error::Transport(e)) = client.get_oci_auth(&id).await else { panic!() };
/// assert!(e.is_connect());
/// assert_eq!(
///     e.to_string(),
///     "getOciAuth: GET http://127.0.0.1:9/api/v1/auth/oci-auth/identities/6511e966-169d-4653-a191-c559fe230086: connection refused (1 attempt)"
/// );
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TransportError(Box<TransportErrorInner>);

#[derive(Debug, Clone)]
struct TransportErrorInner {
    operation: &'static Operation,
    method: Method,
    url: String,
    cause: Cause,
    attempts: u32,
    source: Option<Arc<reqwest::Error>>,
}

/// What went wrong in reqwest, as this crate says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpFailure {
    /// The request timed out after this long.
    TimedOut(Duration),
    /// Nothing listens at the address.
    Refused,
    /// The host name does not resolve.
    NoSuchHost,
    /// The server's certificate is not trusted (unknown issuer, wrong name, expired).
    UntrustedCertificate,
    /// The server asked for a client certificate and got none it accepts.
    ClientCertificateRequired,
    /// The TLS handshake failed otherwise.
    Tls,
    /// The proxy refused or failed the tunnel.
    Proxy,
    /// No connection could be made, for another reason.
    Connect,
    /// The answer's body could not be read.
    Body,
    /// Anything else on the way.
    Send,
}

impl HttpFailure {
    /// Classifies a reqwest error from its kind and the texts of its source chain.
    fn of(error: &reqwest::Error, timeout: Duration) -> Self {
        if error.is_timeout() {
            return HttpFailure::TimedOut(timeout);
        }
        let mut texts = String::new();
        let mut refused = false;
        let mut next = std::error::Error::source(error);
        while let Some(cause) = next {
            if let Some(io) = cause.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::ConnectionRefused
            {
                refused = true;
            }
            texts.push_str(&cause.to_string().to_ascii_lowercase());
            texts.push('\n');
            next = cause.source();
        }
        let has = |word: &str| texts.contains(word);
        if has("certificaterequired") || has("certificate required") {
            HttpFailure::ClientCertificateRequired
        } else if has("invalid peer certificate") || has("certificate verify failed") {
            HttpFailure::UntrustedCertificate
        } else if has("tunnel") {
            HttpFailure::Proxy
        } else if refused {
            HttpFailure::Refused
        } else if has("tls") || has("handshake") || has("received fatal alert") {
            HttpFailure::Tls
        } else if has("dns error") || has("failed to lookup address") {
            HttpFailure::NoSuchHost
        } else if error.is_connect() {
            HttpFailure::Connect
        } else if error.is_body() || error.is_decode() {
            HttpFailure::Body
        } else {
            HttpFailure::Send
        }
    }

    /// Whether sending again cannot help: the same certificate or handshake fails the same
    /// way.
    fn is_tls(self) -> bool {
        matches!(
            self,
            HttpFailure::UntrustedCertificate
                | HttpFailure::ClientCertificateRequired
                | HttpFailure::Tls
        )
    }

    /// Whether it happened while connecting, where a proxy would be involved.
    fn is_connecting(self) -> bool {
        matches!(
            self,
            HttpFailure::Refused
                | HttpFailure::NoSuchHost
                | HttpFailure::Connect
                | HttpFailure::Proxy
        )
    }
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpFailure::TimedOut(after) => write!(f, "timed out after {}", seconds(*after)),
            HttpFailure::Refused => f.write_str("connection refused"),
            HttpFailure::NoSuchHost => f.write_str("the host name does not resolve"),
            HttpFailure::UntrustedCertificate => f.write_str(
                "the server's certificate is not trusted (unknown issuer, another host name, \
                 or expired): if the server uses a private CA, add it with \
                 HttpClientBuilder::tls_certs_merge(Certificate::from_file(…)) or SSL_CERT_FILE",
            ),
            HttpFailure::ClientCertificateRequired => f.write_str(
                "the server requires a client certificate: set one with HttpClientBuilder::client_certificate",
            ),
            HttpFailure::Tls => f.write_str("the TLS handshake failed"),
            HttpFailure::Proxy => f.write_str("the proxy did not open a tunnel to the server"),
            HttpFailure::Connect => f.write_str("no connection could be made"),
            HttpFailure::Body => f.write_str("the answer could not be read"),
            HttpFailure::Send => f.write_str("the request could not be sent"),
        }
    }
}

/// Why a request did not complete.
#[derive(Debug, Clone)]
pub(crate) enum Cause {
    /// reqwest failed: what happened, in this crate's words (reqwest's error, with the
    /// details, is the `source`).
    Http {
        failure: HttpFailure,
        connect: bool,
        status: Option<StatusCode>,
        /// The proxy the request went through, when the client knows it.
        proxy: Option<Arc<str>>,
    },
    /// The operation's deadline passed (all attempts, waits and any login).
    Deadline {
        limit: Duration,
        during: &'static str,
    },
    /// The server answered a redirect, which is not followed.
    Redirect {
        status: StatusCode,
        location: Option<String>,
    },
    /// A user-given HTTP client followed a redirect: the answer is not the request's.
    Redirected { status: StatusCode, url: String },
    /// Anything else, said in full.
    Other(String),
}

impl TransportError {
    pub(crate) fn new(
        operation: &'static Operation,
        method: Method,
        url: String,
        cause: Cause,
        source: Option<reqwest::Error>,
    ) -> Self {
        let mut url = url;
        if let Some(at) = url.find('?') {
            url.truncate(at);
        }
        Self(Box::new(TransportErrorInner {
            operation,
            method,
            url,
            cause,
            attempts: 1,
            source: source.map(Arc::new),
        }))
    }

    /// A reqwest failure; `timeout` is the per-request timeout in force, `proxy` the proxy
    /// the client sends through, if known.
    pub(crate) fn from_reqwest(
        operation: &'static Operation,
        method: Method,
        url: String,
        source: reqwest::Error,
        timeout: Duration,
        proxy: Option<Arc<str>>,
    ) -> Self {
        let failure = HttpFailure::of(&source, timeout);
        let cause = Cause::Http {
            failure,
            connect: source.is_connect(),
            status: source.status(),
            proxy: proxy.filter(|_| failure.is_connecting()),
        };
        Self::new(operation, method, url, cause, Some(source))
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        self.0.attempts = attempts;
    }

    /// The operation, e.g. `updateOciAuth`.
    pub fn operation(&self) -> &'static str {
        self.0.operation.id
    }

    /// The operation itself, for the retry rule.
    pub(crate) fn op(&self) -> &'static Operation {
        self.0.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.0.method
    }

    /// The URL, without its query.
    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// How many times the request was sent.
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// Whether no connection could be made: the server saw nothing.
    pub fn is_connect(&self) -> bool {
        matches!(self.0.cause, Cause::Http { connect: true, .. })
    }

    /// Whether the TLS handshake failed: a certificate the client does not trust, a client
    /// certificate the server wants, or another handshake failure. Never retried: the same
    /// handshake fails the same way.
    pub fn is_tls(&self) -> bool {
        matches!(&self.0.cause, Cause::Http { failure, .. } if failure.is_tls())
    }

    /// Whether the server's certificate is not trusted: an unknown issuer (a private CA the
    /// client was not given), another host name, or expired.
    pub fn is_untrusted_certificate(&self) -> bool {
        matches!(
            &self.0.cause,
            Cause::Http {
                failure: HttpFailure::UntrustedCertificate,
                ..
            }
        )
    }

    /// Whether the server asked for a client certificate that the client did not present.
    pub fn is_client_certificate_required(&self) -> bool {
        matches!(
            &self.0.cause,
            Cause::Http {
                failure: HttpFailure::ClientCertificateRequired,
                ..
            }
        )
    }

    /// What the retry policy makes of it: a connection that failed before the server saw
    /// anything, unless TLS refused it.
    pub(crate) fn failure(&self) -> Failure {
        if self.is_connect() && !self.is_tls() {
            Failure::ConnectFailed
        } else {
            Failure::Other
        }
    }

    /// Whether a request timed out, or the operation's deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.0.cause,
            Cause::Http {
                failure: HttpFailure::TimedOut(_),
                ..
            } | Cause::Deadline { .. }
        )
    }

    /// For a redirect the client did not follow: the status and `Location`.
    pub fn redirect(&self) -> Option<(StatusCode, Option<&str>)> {
        match &self.0.cause {
            Cause::Redirect { status, location } => Some((*status, location.as_deref())),
            _ => None,
        }
    }

    /// The status of an answer that arrived but could not be used (a redirect), if any.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.0.cause {
            Cause::Http { status, .. } => *status,
            Cause::Redirect { status, .. } | Cause::Redirected { status, .. } => Some(*status),
            Cause::Deadline { .. } | Cause::Other(_) => None,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(f, "{}: {} {}: ", e.operation.id, e.method, e.url)?;
        match &e.cause {
            Cause::Http {
                proxy: Some(proxy),
                failure: HttpFailure::Proxy,
                ..
            } => write!(f, "the proxy {proxy} did not open a tunnel to the server")?,
            Cause::Http {
                proxy: Some(proxy), ..
            } => write!(f, "the proxy {proxy} could not be reached")?,
            Cause::Http { failure, .. } => failure.fmt(f)?,
            Cause::Deadline { limit, during } => write!(
                f,
                "the operation's deadline of {} passed {during}",
                seconds(*limit)
            )?,
            Cause::Redirect { status, location } => {
                write!(f, "the server answered {status}")?;
                if let Some(location) = location {
                    write!(f, " redirecting to {location}")?;
                }
                f.write_str(
                    "; redirects are not followed (they turn writes into reads): use the final \
                     URL as the base URL",
                )?;
            }
            Cause::Redirected { status, url } => write!(
                f,
                "the HTTP client followed a redirect to {url} (answer {status}); the answer is \
                 not the request's: turn redirects off on the client"
            )?,
            Cause::Other(text) => f.write_str(text)?,
        }
        let plural = if e.attempts == 1 { "" } else { "s" };
        write!(f, " ({} attempt{plural})", e.attempts)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// `30 s`, `1.5 s`, `250 ms`.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_millis(250)), "250 ms");
    }
}
