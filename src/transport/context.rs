//! The per-attempt context: what the attempt loop hands the hooks for one request (the
//! bearer it resolved), and what the hooks hand back (a [`Verdict`] on the answer).
//!
//! The loop holds it beside the generated call, and lends it to the hooks while the call is
//! polled (a scoped thread-local), so the hooks of that call, and only they, see it. Nothing
//! reads the session between the loop's resolving a bearer and the request's carrying it:
//! the bearer a refusal is reported for is the one sent.

use std::cell::Cell;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};

use super::verdict::Verdict;
use crate::auth::Bearer;

scoped_tls::scoped_thread_local! {
    /// The context of the attempt being polled on this thread, set for each poll only.
    static ATTEMPT: Attempt
}

/// One attempt's context.
struct Attempt {
    /// The bearer the request carries, if any.
    bearer: Option<Arc<Bearer>>,
    /// What `exec` found in the answer, with the answer's headers (for `Retry-After`).
    verdict: Cell<Option<Box<Marked>>>,
}

/// A verdict and the headers of the answer it is on.
pub(super) type Marked = (Verdict, HeaderMap);

/// One generated call with its attempt's context: while it is polled, its hooks see the
/// bearer it was given and can leave a verdict. The context stays where the loop holds it;
/// each poll lends the hooks a reference to it, so nothing is moved or copied per poll.
pub(super) struct Scoped<'a, F> {
    /// The context the hooks see.
    attempt: Attempt,
    /// The call, pinned where the attempt loop holds it (its state is over a kilobyte).
    call: Pin<&'a mut F>,
}

impl<'a, F: Future> Scoped<'a, F> {
    /// `call` with `bearer` on its request.
    pub(super) fn new(bearer: Option<Arc<Bearer>>, call: Pin<&'a mut F>) -> Self {
        let attempt = Attempt {
            bearer,
            verdict: Cell::new(None),
        };
        Scoped { attempt, call }
    }

    /// After the call: the bearer its request carried, and the verdict `exec` left, if any.
    /// A verdict outranks the call's outcome: progenitor saw only the empty stand-in answer.
    pub(super) fn finish(self) -> (Option<Arc<Bearer>>, Option<Box<Marked>>) {
        (self.attempt.bearer, self.attempt.verdict.into_inner())
    }
}

impl<F: Future> Future for Scoped<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        ATTEMPT.set(&this.attempt, || this.call.as_mut().poll(cx))
    }
}

/// The bearer header of the attempt under way: `Some(header)` inside [`Scoped`] (whose
/// header may be `None`), `None` outside the attempt loop (the raw client).
pub(super) fn bearer() -> Option<Option<HeaderValue>> {
    if !ATTEMPT.is_set() {
        return None;
    }
    Some(ATTEMPT.with(|a| a.bearer.as_ref().map(|b| b.header().clone())))
}

/// Leaves `verdict` for the attempt loop and gives progenitor an empty answer with the
/// same status in its place.
pub(super) fn mark(verdict: Verdict, headers: HeaderMap) -> reqwest::Response {
    let status = verdict.status();
    // `exec` marks answers in typed mode only, which runs inside [`Scoped`]; outside it the
    // empty answer still fails to decode as the operation's answer.
    if ATTEMPT.is_set() {
        ATTEMPT.with(|a| a.verdict.set(Some(Box::new((verdict, headers)))));
    }
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
        let mut call = std::pin::pin!(async {
            let seen = bearer();
            // The context holds across polls: `exec` marks the answer after awaiting it.
            tokio::task::yield_now().await;
            let answer = mark(
                Verdict::Redirect {
                    status: StatusCode::FOUND,
                    location: None,
                },
                HeaderMap::new(),
            );
            (seen, answer.status())
        });
        let mut attempt = Scoped::new(Some(resolved.clone()), call.as_mut());
        let seen = (&mut attempt).await;
        assert_eq!(seen, (Some(Some(header)), StatusCode::FOUND));
        let (carried, verdict) = attempt.finish();
        assert!(carried.is_some_and(|b| Arc::ptr_eq(&b, &resolved)));
        assert!(matches!(
            verdict.as_deref(),
            Some((Verdict::Redirect { .. }, _))
        ));
        // An attempt that sends no bearer says so; outside the loop there is no attempt.
        let mut call = std::pin::pin!(async { bearer() });
        assert_eq!(Scoped::new(None, call.as_mut()).await, Some(None));
        assert_eq!(bearer(), None);
    }
}
