//! The auth layer: which bearer a management call carries, and what happens when the
//! server refuses one.
//!
//! The transport's attempt loop asks [`Auth`] for a fresh bearer before each attempt (with
//! OCI login this may wait for a login, under the operation's deadline), the hooks put the
//! current one on the request, and after a refused login token the loop tells the session,
//! which logs in again on the next ask. Nothing here sends a request itself: the session's
//! login is handed to it by the client.

#[cfg(feature = "oci")]
mod session;

use std::sync::Arc;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

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
    /// The header the hooks put on a request now.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        match self {
            Auth::None => None,
            Auth::Static(bearer) => Some(bearer.header.clone()),
            #[cfg(feature = "oci")]
            Auth::Session(session) => session.current().map(|b| b.header.clone()),
        }
    }

    /// The session, for the attempt loop: its bearer may need a login first, and a
    /// refused one is reported to it.
    #[cfg(feature = "oci")]
    pub(crate) fn session(&self) -> Option<&Arc<OciSession>> {
        match self {
            Auth::Session(session) => Some(session),
            Auth::None | Auth::Static(_) => None,
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
