//! The auth layer: which bearer a management call carries, and what happens when the
//! server refuses one.
//!
//! The transport's attempt loop asks [`Auth::bearer`] for the bearer of each attempt (with
//! OCI login this may wait for a login, under the operation's deadline). That bearer, and
//! nothing read later, is what the attempt's request carries, and what the loop reports to
//! [`Auth::refused`] when the server refuses it; the session then logs in again on the next
//! ask. Nothing here sends a request itself: the session's login is handed to it by the
//! client.

#[cfg(feature = "oci")]
mod session;

use std::sync::Arc;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::error::Error;

#[cfg(feature = "oci")]
pub(crate) use session::{LoginFn, OciSession};

/// A bearer token, as a secret and as the ready `Authorization: Bearer …` header (marked
/// sensitive), made once so that no call formats or parses it again.
pub(crate) struct Bearer {
    secret: SecretString,
    header: HeaderValue,
}

impl Bearer {
    /// The bearer for `token`; `None` when the token holds characters an HTTP header cannot
    /// carry.
    pub(crate) fn new(token: SecretString) -> Option<Self> {
        let mut header = HeaderValue::try_from(format!("Bearer {}", token.expose_secret())).ok()?;
        header.set_sensitive(true);
        Some(Self {
            secret: token,
            header,
        })
    }

    /// The token itself.
    pub(crate) fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// The ready `Authorization` header, marked sensitive.
    pub(crate) fn header(&self) -> &HeaderValue {
        &self.header
    }
}

/// Why [`Auth::bearer`] has no bearer to give (only an OCI session can fail to give one).
#[cfg_attr(not(feature = "oci"), allow(dead_code))]
pub(crate) enum NoBearer {
    /// The deadline passed while an OCI login was under way.
    Deadline,
    /// The OCI login failed with this error.
    LoginFailed(Error),
}

/// How a client authenticates its management calls.
#[derive(Clone, Default)]
pub(crate) enum Auth {
    /// No Authorization header.
    #[default]
    None,
    /// One fixed token.
    Static(Arc<Bearer>),
    /// OCI login: a token kept fresh by the session.
    #[cfg(feature = "oci")]
    Session(Arc<OciSession>),
}

impl Auth {
    /// The bearer of one attempt: `Ok(None)` when calls carry no token. With OCI login this
    /// may wait for a login, until `deadline` (the login goes on for later callers).
    #[cfg_attr(not(feature = "oci"), allow(unused_variables))]
    pub(crate) async fn bearer(&self, deadline: Instant) -> Result<Option<Arc<Bearer>>, NoBearer> {
        match self {
            Auth::None => Ok(None),
            Auth::Static(bearer) => Ok(Some(bearer.clone())),
            #[cfg(feature = "oci")]
            Auth::Session(session) => match Box::pin(session.bearer(deadline)).await {
                Some(Ok(bearer)) => Ok(Some(bearer)),
                Some(Err(error)) => Err(NoBearer::LoginFailed(error)),
                None => Err(NoBearer::Deadline),
            },
        }
    }

    /// Whether [`bearer`](Self::bearer) may wait for a login.
    pub(crate) fn logs_in(&self) -> bool {
        match self {
            Auth::None | Auth::Static(_) => false,
            #[cfg(feature = "oci")]
            Auth::Session(_) => true,
        }
    }

    /// The server refused `sent`, the bearer an attempt carried. `true` when a new one may
    /// be had (an OCI session logs in again on the next ask); `false` for a fixed token.
    pub(crate) fn refused(&self, sent: &Arc<Bearer>) -> bool {
        match self {
            Auth::None => false,
            // A fixed token has no successor: another is had only if it is not the one sent.
            Auth::Static(bearer) => !Arc::ptr_eq(bearer, sent),
            #[cfg(feature = "oci")]
            Auth::Session(session) => {
                session.refused(sent);
                true
            }
        }
    }

    /// The bearer header for a request sent outside the attempt loop (the raw client): the
    /// current token, fresh or not; no login.
    pub(crate) fn current_header(&self) -> Option<HeaderValue> {
        match self {
            Auth::None => None,
            Auth::Static(bearer) => Some(bearer.header.clone()),
            #[cfg(feature = "oci")]
            Auth::Session(session) => session.current().map(|b| b.header.clone()),
        }
    }

    /// Every token this client sends or sent lately, for scrubbing from server text.
    pub(crate) fn recent_tokens(&self) -> Vec<SecretString> {
        match self {
            Auth::None => Vec::new(),
            Auth::Static(bearer) => vec![bearer.secret.clone()],
            #[cfg(feature = "oci")]
            Auth::Session(session) => session.recent().map(|b| b.secret.clone()).collect(),
        }
    }

    /// A word for `Debug`: never the token.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::Static(_) => "Bearer <redacted>",
            #[cfg(feature = "oci")]
            Auth::Session(_) => "OCI login",
        }
    }
}
