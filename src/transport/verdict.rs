//! Marks on answers: what the hooks found that progenitor's error cannot carry.

use bytes::Bytes;
use http::StatusCode;
use reqwest::header::HeaderMap;

/// The status of an answer that carries a [`Verdict`]. No operation documents it, so the
/// generated code hands the answer back untouched (`UnexpectedResponse`) for the attempt loop to read.
pub(super) const MARKED: StatusCode = StatusCode::NOT_EXTENDED;

/// What `exec` found that progenitor's error cannot carry (typed mode only), as plain data;
/// the classification turns it into an [`Error`]. Travels in the extensions of a [`MARKED`] answer,
/// whose headers are the server's (for `Retry-After`).
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

    /// An answer with [`MARKED`] status carrying this verdict and `headers`.
    pub(super) fn into_answer(self, headers: HeaderMap) -> reqwest::Response {
        let mut answer = http::Response::new(Bytes::new());
        *answer.status_mut() = MARKED;
        *answer.headers_mut() = headers;
        answer.extensions_mut().insert(self);
        reqwest::Response::from(answer)
    }
}
