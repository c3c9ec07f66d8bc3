//! The one error type of the crate.

use std::fmt;

use http::StatusCode;

use crate::model::ValidationError;

/// Everything that can go wrong, by phase: before sending ([`Validation`](Error::Validation),
/// [`Config`](Error::Config)), on the way ([`Transport`](Error::Transport)), or in the
/// answer ([`Api`](Error::Api), [`Decode`](Error::Decode)).
///
/// No variant ever holds a bearer token, a private key or a passphrase: `Display` and
/// `Debug` are safe to log.
///
/// ```
/// use infisical_oci_auth::{Error, UpdateOciAuth};
///
/// let err: Error = UpdateOciAuth::builder().tenancy_ocid("nope").allow_any_username().build().unwrap_err().into();
/// match &err {
///     Error::Validation { field, reason } => {
///         assert_eq!(field, "tenancyOcid");
///         assert!(reason.contains("ocid1.tenancy.oc1"));
///     }
///     other => panic!("unexpected {other}"),
/// }
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value breaks one of the server's rules; nothing was sent.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The field's wire name, e.g. `accessTokenTTL`.
        field: String,
        /// What is wrong and what is allowed.
        reason: String,
    },

    /// The client could not be configured (bad base URL, TLS set-up, missing setting).
    #[error("invalid client configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },

    /// OCI credentials could not be loaded: a config file, profile, entry or key is missing
    /// or wrong. Never holds key material or a passphrase.
    #[error("OCI credentials: {location}: {reason}")]
    Credentials {
        /// Where: the file, profile and entry, or `private key`.
        location: String,
        /// What is wrong.
        reason: String,
    },

    /// Infisical answered with an error status and a JSON error body.
    #[error("{operation}: Infisical answered {status}{}{}", ErrorSummary(.error), MessageSummary(.message))]
    Api {
        /// The operation, e.g. `updateOciAuth`.
        operation: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The error name, e.g. `ValidationFailure`, `NotFound`, `TokenError`.
        error: String,
        /// The message; for `ValidationFailure` the issues joined with `; `.
        message: String,
        /// The server's request ID (`reqId`), for support requests.
        req_id: Option<String>,
        /// For `ValidationFailure` (422), the issues: which field and what was wrong.
        issues: Vec<ApiIssue>,
    },

    /// The request could not be sent or the answer not received (connection, TLS, timeout).
    #[error("{operation}: request failed")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },

    /// An answer arrived but is not what the API promises: not JSON, truncated, of the
    /// wrong shape, or too large.
    #[error("{operation}: could not read the answer{}: {reason}", StatusSummary(*.status))]
    Decode {
        /// The operation.
        operation: &'static str,
        /// The HTTP status, when one was received.
        status: Option<StatusCode>,
        /// What is wrong with the body.
        reason: String,
        /// The start of the body (lossy UTF-8), empty where it could carry a token.
        body_snippet: String,
    },
}

/// One issue of a 422 `ValidationFailure` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiIssue {
    /// The path of the field, joined with `.` (`tenancyOcid`, `headers.date`).
    pub path: String,
    /// The server's message, e.g. `Required`.
    pub message: String,
    /// The zod issue code, e.g. `invalid_type`.
    pub code: Option<String>,
}

struct ErrorSummary<'a>(&'a str);
impl fmt::Display for ErrorSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, " {}", self.0)
        }
    }
}

struct MessageSummary<'a>(&'a str);
impl fmt::Display for MessageSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, ": {}", self.0)
        }
    }
}

struct StatusSummary(Option<StatusCode>);
impl fmt::Display for StatusSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => write!(f, " (status {s})"),
            None => Ok(()),
        }
    }
}

impl Error {
    /// The HTTP status of the answer, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Decode { status, .. } => *status,
            Error::Transport { source, .. } => source.status(),
            Error::Validation { .. } | Error::Config { .. } | Error::Credentials { .. } => None,
        }
    }

    /// Whether trying again later may succeed: connection failures, timeouts, 429 and
    /// 502/503/504. Validation, auth and other 4xx answers are final.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { source, .. } => {
                source.is_connect()
                    || source.is_timeout()
                    || source.is_request()
                    || source.is_body()
            }
            Error::Api { status, .. }
            | Error::Decode {
                status: Some(status),
                ..
            } => is_retryable_status(*status),
            _ => false,
        }
    }

    /// The server's request ID, for an API error.
    pub fn req_id(&self) -> Option<&str> {
        match self {
            Error::Api { req_id, .. } => req_id.as_deref(),
            _ => None,
        }
    }

    /// Whether this is a validation error (nothing was sent).
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::Validation { .. })
    }
}

/// 429 and the gateway errors that mean "not processed, try later".
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Validation {
            field: e.field().to_owned(),
            reason: e.reason().to_owned(),
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(
            std::mem::size_of::<Error>() <= 160,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn api_display_is_readable() {
        let e = Error::Api {
            operation: "updateOciAuth",
            status: StatusCode::NOT_FOUND,
            error: "NotFound".into(),
            message: "Failed to find identity".into(),
            req_id: Some("req-1".into()),
            issues: vec![],
        };
        assert_eq!(
            e.to_string(),
            "updateOciAuth: Infisical answered 404 Not Found NotFound: Failed to find identity"
        );
        assert_eq!(e.req_id(), Some("req-1"));
        assert!(!e.is_retryable());
    }
}
