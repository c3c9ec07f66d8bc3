//! The one error type of the crate.

use std::fmt;

use http::StatusCode;

use crate::model::ValidationError;
use crate::operations::Operation;
use crate::retry::{self, Failure};

mod transport;

pub(crate) use transport::Cause;
pub use transport::TransportError;

/// Everything that can go wrong, by phase: before sending ([`Validation`](Error::Validation),
/// [`Config`](Error::Config), [`Credentials`](Error::Credentials)), on the way
/// ([`Transport`](Error::Transport)), or in the answer ([`Api`](Error::Api),
/// [`Decode`](Error::Decode)).
///
/// No variant ever holds a bearer token, a private key or a passphrase, also when a server
/// sends one back (the client's tokens are replaced by `<redacted>` in whatever the server
/// wrote): `Display` and `Debug` are safe to log. Payloads are boxed, so an `Error` is small
/// (48 bytes on 64-bit targets) and cheap to move; it is `Clone`, `Send` and `Sync`.
///
/// ```
/// use infisical_oci_auth::{Error, UpdateOciAuth};
///
/// let err: Error = UpdateOciAuth::builder().tenancy_ocid("nope").allow_any_username().build().unwrap_err().into();
/// match &err {
///     Error::Validation(e) => {
///         assert_eq!(e.field(), "tenancyOcid");
///         assert!(e.reason().contains("ocid1.tenancy.oc1"));
///         assert_eq!(e.rule(), infisical_oci_auth::model::Rule::Invalid);
///     }
///     other => panic!("unexpected {other}"),
/// }
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// A value breaks one of the server's rules; nothing was sent. The error names the
    /// field (its wire name), what is wrong and what is allowed, and the rule.
    Validation(ValidationError),

    /// The client is configured wrongly (base URL, token, TLS set-up, a missing setting);
    /// found by [`ClientBuilder::build`](crate::ClientBuilder::build), before any request.
    Config {
        /// What is wrong and what to set.
        reason: String,
    },

    /// OCI credentials could not be loaded or used: a config file, profile, entry or key is
    /// missing or wrong. Never holds key material or a passphrase.
    Credentials {
        /// Where: the file, profile and entry, or `private key`.
        location: String,
        /// What is wrong.
        reason: String,
    },

    /// Infisical answered with an error status and its JSON error body.
    Api(ApiError),

    /// The request did not complete: no connection, a timeout, the operation's deadline, a
    /// redirect (never followed), a broken answer.
    Transport(TransportError),

    /// An answer arrived but is not what the API promises: not JSON, truncated, of the
    /// wrong shape, or too large.
    Decode(DecodeError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Validation(e) => e.fmt(f),
            Error::Config { reason } => write!(f, "invalid client configuration: {reason}"),
            Error::Credentials { location, reason } => {
                write!(f, "OCI credentials: {location}: {reason}")
            }
            Error::Api(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
        }
    }
}

/// The boxed kinds are transparent: their own `source` is the error's.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Api(e) => e.source(),
            Error::Transport(e) => e.source(),
            Error::Decode(e) => e.source(),
            Error::Validation(_) | Error::Config { .. } | Error::Credentials { .. } => None,
        }
    }
}

impl Error {
    /// The HTTP status of the answer, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status()),
            Error::Decode(e) => e.status(),
            Error::Transport(e) => e.status(),
            Error::Validation(_) | Error::Config { .. } | Error::Credentials { .. } => None,
        }
    }

    /// Whether the server said the identity has no OCI Auth: 400 "The identity does not
    /// have OCI Auth attached" from get, 400 "… does not have OCI auth" from revoke, 404
    /// "… does not have OCI Auth attached" from update (upstream service; transcript 43).
    /// [`Client::find_oci_auth`](crate::Client::find_oci_auth) reads it as `None`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let fake = infisical_oci_auth_fake::FakeInfisical::start().await?;
    /// # let client = fake.client_builder().build()?;
    /// let identity = fake.create_identity();
    /// let err = client.get_oci_auth(&identity).await.unwrap_err();
    /// assert!(err.is_not_attached());
    /// # Ok(()) }
    /// ```
    pub fn is_not_attached(&self) -> bool {
        self.as_api().is_some_and(|api| {
            matches!(api.status().as_u16(), 400 | 404)
                && api
                    .message()
                    .to_ascii_lowercase()
                    .contains("does not have oci auth")
        })
    }

    /// Whether sending the same request again later may succeed: exactly what
    /// [`RetryPolicy`](crate::RetryPolicy) retries (connection failures, 429, 503, and
    /// 502/504 for the operations that are safe to repeat).
    pub fn is_retryable(&self) -> bool {
        let (operation, failure) = match self {
            Error::Api(e) => (e.0.operation, Failure::Status(e.status())),
            Error::Decode(e) => match e.status() {
                Some(status) => (e.0.operation, Failure::Status(status)),
                None => return false,
            },
            Error::Transport(e) => (e.op(), e.failure()),
            _ => return false,
        };
        retry::is_retryable(operation, &failure)
    }

    /// The server's request ID (`reqId`), for an API error.
    pub fn req_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.req_id(),
            _ => None,
        }
    }

    /// Whether this is a validation error (nothing was sent).
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::Validation(_))
    }

    /// The API error, if Infisical answered with one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether Infisical refused the bearer token: 401, or 403 `TokenError` (an expired,
    /// malformed or empty token).
    pub fn is_token_refused(&self) -> bool {
        self.as_api().is_some_and(ApiError::is_token_refused)
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Validation(e)
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error answer of Infisical: status, error name, message, `reqId`, and for a 422
/// `ValidationFailure` the issues naming each field.
///
/// ```
/// # fn check(err: infisical_oci_auth::Error) {
/// if let infisical_oci_auth::Error::Api(api) = &err {
///     eprintln!("{} {} (reqId {:?})", api.status(), api.error(), api.req_id());
///     for issue in api.issues() {
///         eprintln!("  {}: {}", issue.path, issue.message);
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ApiError(Box<ApiErrorInner>);

#[derive(Debug, Clone)]
struct ApiErrorInner {
    operation: &'static Operation,
    status: StatusCode,
    error: String,
    message: String,
    req_id: Option<String>,
    issues: Vec<ApiIssue>,
    reason_code: Option<String>,
}

impl ApiError {
    pub(crate) fn new(
        operation: &'static Operation,
        status: StatusCode,
        error: String,
        message: String,
        req_id: Option<String>,
        issues: Vec<ApiIssue>,
    ) -> Self {
        Self(Box::new(ApiErrorInner {
            operation,
            status,
            error,
            message,
            req_id,
            issues,
            reason_code: None,
        }))
    }

    /// The same error with the `details.reasonCode` the server sent.
    pub(crate) fn with_reason_code(mut self, reason_code: Option<String>) -> Self {
        self.0.reason_code = reason_code;
        self
    }

    /// Why a login was refused, as the server's `details.reasonCode` says it (Infisical
    /// of 2026): `tenancy_not_allowed`, `username_not_allowed` or `sub_org_unauthorized`.
    /// `None` when the answer carries none.
    ///
    /// ```
    /// # fn check(err: infisical_oci_auth::Error) {
    /// match err.as_api().and_then(|api| api.reason_code()) {
    ///     Some("username_not_allowed") => eprintln!("add this OCI user to allowedUsernames"),
    ///     Some("tenancy_not_allowed") => eprintln!("the OCI user is in another tenancy"),
    ///     _ => eprintln!("{err}"),
    /// }
    /// # }
    /// ```
    pub fn reason_code(&self) -> Option<&str> {
        self.0.reason_code.as_deref()
    }

    /// The operation, e.g. `updateOciAuth`.
    pub fn operation(&self) -> &'static str {
        self.0.operation.id
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The error name, e.g. `ValidationFailure`, `NotFound`, `TokenError`; empty when the
    /// body had none.
    pub fn error(&self) -> &str {
        &self.0.error
    }

    /// The message; for `ValidationFailure` the issues joined with `; `.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The server's request ID (`reqId`), for support requests.
    pub fn req_id(&self) -> Option<&str> {
        self.0.req_id.as_deref()
    }

    /// For `ValidationFailure` (422), the issues: which field and what was wrong.
    pub fn issues(&self) -> &[ApiIssue] {
        &self.0.issues
    }

    /// Whether the bearer token was refused: 401, or 403 `TokenError`. A real Infisical
    /// answers an expired token with 403 `TokenError`, a revoked one with 401.
    pub fn is_token_refused(&self) -> bool {
        self.0.status == StatusCode::UNAUTHORIZED
            || (self.0.status == StatusCode::FORBIDDEN && self.0.error == "TokenError")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(f, "{}: Infisical answered {}", e.operation.id, e.status)?;
        if !e.error.is_empty() {
            write!(f, " {}", e.error)?;
        }
        if !e.message.is_empty() {
            write!(f, ": {}", e.message)?;
        }
        if let Some(req_id) = &e.req_id {
            write!(f, " (reqId {req_id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

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

/// An answer that arrived but is not what the API promises.
#[derive(Debug, Clone)]
pub struct DecodeError(Box<DecodeErrorInner>);

#[derive(Debug, Clone)]
struct DecodeErrorInner {
    operation: &'static Operation,
    status: Option<StatusCode>,
    reason: String,
    body_snippet: String,
}

impl DecodeError {
    pub(crate) fn new(
        operation: &'static Operation,
        status: Option<StatusCode>,
        reason: String,
        body_snippet: String,
    ) -> Self {
        Self(Box::new(DecodeErrorInner {
            operation,
            status,
            reason,
            body_snippet,
        }))
    }

    /// The operation.
    pub fn operation(&self) -> &'static str {
        self.0.operation.id
    }

    /// The HTTP status, when one was received.
    pub fn status(&self) -> Option<StatusCode> {
        self.0.status
    }

    /// What is wrong with the body.
    pub fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The start of the body (lossy UTF-8, at most 200 characters), empty where it could
    /// carry a token (a login's success answer).
    pub fn body_snippet(&self) -> &str {
        &self.0.body_snippet
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(f, "{}: could not read the answer", e.operation.id)?;
        if let Some(status) = e.status {
            write!(f, " (status {status})")?;
        }
        write!(f, ": {}", e.reason)
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations;

    #[test]
    fn error_is_send_sync_clone_and_small() {
        fn assert_traits<T: Send + Sync + Clone + 'static>() {}
        assert_traits::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), 48);
    }

    #[test]
    fn api_display_is_readable_and_names_the_request_id() {
        let e = Error::Api(ApiError::new(
            &operations::UPDATE,
            StatusCode::NOT_FOUND,
            "NotFound".into(),
            "Failed to find identity".into(),
            Some("req-1".into()),
            vec![],
        ));
        assert_eq!(
            e.to_string(),
            "updateOciAuth: Infisical answered 404 Not Found NotFound: Failed to find identity (reqId req-1)"
        );
        assert_eq!(e.req_id(), Some("req-1"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn retryable_agrees_with_the_policy_per_operation() {
        let api = |op: &'static Operation, status| {
            Error::Api(ApiError::new(
                op,
                StatusCode::from_u16(status).unwrap(),
                String::new(),
                String::new(),
                None,
                vec![],
            ))
        };
        for status in [429, 502, 503, 504] {
            assert!(api(&operations::UPDATE, status).is_retryable(), "{status}");
            assert!(api(&operations::GET, status).is_retryable(), "{status}");
        }
        for op in [&operations::ATTACH, &operations::REVOKE] {
            assert!(api(op, 429).is_retryable());
            assert!(api(op, 503).is_retryable());
            assert!(
                !api(op, 502).is_retryable(),
                "{}: the server may have acted",
                op.id
            );
            assert!(
                !api(op, 504).is_retryable(),
                "{}: the server may have acted",
                op.id
            );
        }
        for status in [400, 401, 403, 404, 422, 500] {
            assert!(!api(&operations::GET, status).is_retryable(), "{status}");
        }
    }
}
