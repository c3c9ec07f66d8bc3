//! Verdicts on answers: what the hooks found that progenitor's error cannot carry.

use bytes::Bytes;
use http::StatusCode;

/// What `exec` found that progenitor's error cannot carry (typed mode only), as plain data;
/// the classification turns it into an [`Error`](crate::Error). It reaches the attempt loop
/// through the per-attempt context ([`super::context::mark`]).
#[derive(Clone, Debug)]
pub(super) enum Verdict {
    /// The body is larger than the limit.
    TooLarge { status: StatusCode, received: usize },
    /// An error answer whose body is not Infisical's JSON error.
    NotInfisicalJson { status: StatusCode, body: Bytes },
    /// A redirect, not followed.
    Redirect {
        status: StatusCode,
        location: Option<String>,
    },
    /// The HTTP client followed a redirect: the answer is from another URL.
    Redirected { status: StatusCode, url: String },
}

impl Verdict {
    /// The status the server sent.
    pub(super) fn status(&self) -> StatusCode {
        match self {
            Verdict::TooLarge { status, .. }
            | Verdict::NotInfisicalJson { status, .. }
            | Verdict::Redirect { status, .. }
            | Verdict::Redirected { status, .. } => *status,
        }
    }
}
