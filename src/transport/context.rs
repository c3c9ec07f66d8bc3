//! The per-attempt context: what the attempt loop hands the hooks for one request (the
//! bearer it resolved), and what the hooks hand back (a [`Verdict`] on the answer).
//!
//! It lives in a task-local scoped around one generated call, so the hooks of that call,
//! and only they, see it. Nothing reads the session between the loop's resolving a bearer
//! and the request's carrying it: the bearer a refusal is reported for is the one sent.

use std::cell::Cell;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};

use super::verdict::Verdict;
use crate::auth::Bearer;

tokio::task_local! {
    static ATTEMPT: Attempt;
}

/// One attempt's context; small, as the task-local moves it in and out on every poll.
struct Attempt {
    /// The bearer the request carries, if any.
    bearer: Option<Arc<Bearer>>,
    /// What `exec` found in the answer, with the answer's headers (for `Retry-After`).
    verdict: Cell<Option<Box<Marked>>>,
}

/// A verdict and the headers of the answer it is on.
pub(super) type Marked = (Verdict, HeaderMap);

/// Runs `call`, one generated call, with `bearer` on its request, and gives back its
/// outcome with the verdict `exec` left, if any. A verdict outranks the outcome:
/// progenitor saw only the empty stand-in answer. The caller pins the call where it
/// stands, so that its state (over a kilobyte) is not copied into the scope.
pub(super) async fn scoped<F: Future>(
    bearer: Option<Arc<Bearer>>,
    call: Pin<&mut F>,
) -> (F::Output, Option<Box<Marked>>) {
    let attempt = Attempt {
        bearer,
        verdict: Cell::new(None),
    };
    let mut scope = std::pin::pin!(ATTEMPT.scope(attempt, call));
    let outcome = scope.as_mut().await;
    let verdict = scope
        .as_mut()
        .take_value()
        .and_then(|attempt| attempt.verdict.into_inner());
    (outcome, verdict)
}

/// The bearer header of the attempt under way: `Some(header)` inside [`scoped`] (whose
/// header may be `None`), `None` outside the attempt loop (the raw client).
pub(super) fn bearer() -> Option<Option<HeaderValue>> {
    ATTEMPT
        .try_with(|a| a.bearer.as_ref().map(|b| b.header().clone()))
        .ok()
}

/// Leaves `verdict` for the attempt loop and gives progenitor an empty answer with the
/// same status in its place.
pub(super) fn mark(verdict: Verdict, headers: HeaderMap) -> reqwest::Response {
    let status = verdict.status();
    // `exec` marks answers in typed mode only, which runs inside `scoped`; outside it the
    // empty answer still fails to decode as the operation's answer.
    let _ = ATTEMPT.try_with(|a| a.verdict.set(Some(Box::new((verdict, headers)))));
    empty_answer(status)
}

/// An empty answer with `status`.
pub(super) fn empty_answer(status: http::StatusCode) -> reqwest::Response {
    let mut answer = http::Response::new(Bytes::new());
    *answer.status_mut() = status;
    reqwest::Response::from(answer)
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;

    #[tokio::test]
    async fn the_hooks_see_the_attempts_bearer_and_the_loop_gets_their_verdict() {
        let resolved = Arc::new(Bearer::new("t1".into()).unwrap());
        let header = resolved.header().clone();
        let (seen, verdict) = scoped(
            Some(resolved),
            std::pin::pin!(async {
                let seen = bearer();
                let answer = mark(
                    Verdict::Redirect {
                        status: StatusCode::FOUND,
                        location: None,
                    },
                    HeaderMap::new(),
                );
                (seen, answer.status())
            }),
        )
        .await;
        assert_eq!(seen, (Some(Some(header)), StatusCode::FOUND));
        assert!(matches!(
            verdict.as_deref(),
            Some((Verdict::Redirect { .. }, _))
        ));
        // An attempt that sends no bearer says so; outside the loop there is no attempt.
        assert_eq!(
            scoped(None, std::pin::pin!(async { bearer() })).await.0,
            Some(None)
        );
        assert_eq!(bearer(), None);
    }
}
