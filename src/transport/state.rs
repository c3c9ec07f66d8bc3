//! The state every generated call can see: progenitor's inner type, named by `build.rs`.

use std::fmt;
use std::time::Duration;

use crate::auth::Auth;
use crate::retry::RetryPolicy;

/// The state every generated call can see (progenitor's "inner type").
#[derive(Clone)]
pub(crate) struct Shared {
    /// Who the management calls are sent as.
    pub(crate) auth: Auth,
    /// The largest answer body read, in bytes.
    pub(crate) max_body: usize,
    /// When to send a request again, and the operation's deadline.
    pub(crate) retry: RetryPolicy,
    /// Who reads the answers: the attempt loop, or a user of the raw client.
    pub(crate) mode: Mode,
    /// The timeout of one request. A client this crate built has it as its own; on a
    /// user-given one the hooks set it on each request.
    pub(crate) request_timeout: Duration,
    /// Whether the HTTP client is user-given: it may follow redirects (answers are then
    /// checked to come from the URL requested) and has a timeout of its own (replaced by
    /// `request_timeout` on each request).
    pub(crate) given_client: bool,
    /// The proxy a client this crate built sends through (credentials left out), for
    /// errors; `None` when there is none or the client is user-given.
    pub(crate) proxy: Option<std::sync::Arc<str>>,
}

/// Who reads what a generated call returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The attempt loop: the hooks mark answers that progenitor's error cannot describe
    /// and leave out what the loop never reads.
    Typed,
    /// A user of `Client::raw`: answers arrive as the server sent them.
    Raw,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("auth", &self.auth.describe())
            .field("max_body", &self.max_body)
            .field("retry", &self.retry)
            .field("mode", &self.mode)
            .field("request_timeout", &self.request_timeout)
            .field("given_client", &self.given_client)
            .field("proxy", &self.proxy)
            .finish()
    }
}
