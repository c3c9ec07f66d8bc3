//! The one attempt loop: for each attempt a bearer from auth (with OCI login, perhaps after
//! a login, under the operation's deadline), the request carrying exactly that bearer (the
//! per-attempt context), and on failure the one classification; then a re-login after a refused login token, a retry as the policy
//! allows, or the end. Every request sent counts as an attempt, and the whole time counts
//! toward the deadline and the span's `duration_ms`.

use std::sync::Arc;

use http::StatusCode;
use progenitor_client::ResponseValue;
use tokio::time::Instant;

use super::classify::{FailedAttempt, classify, from_verdict};
use super::context;
use super::deadline::{Deadline, Target, deadline_error};
use super::state::Shared;
use crate::auth::{Bearer, NoBearer};
use crate::error::Error;
use crate::generated::types;
use crate::operations::Operation;

/// Where the loop stands.
struct Progress {
    /// Requests sent so far.
    sent: u32,
    /// The attempt number the retry policy sees; a resend after a re-login does not use up
    /// a retry.
    tries: u32,
    /// Whether the one re-login after a refused token has happened.
    logged_in_again: bool,
}

/// Runs a generated call under the deadline, retrying as `shared.retry` allows, maps the
/// outcome into this crate's types (`finish` picks what to return from the answer), and
/// records status, attempts and duration in `span`.
///
/// A retry runs `make` again, so the generated code builds a fresh request: nothing is
/// cloned for an attempt that may never be needed. An attempt is wrapped in a timer only
/// when the deadline comes before the request timeout would.
pub(crate) async fn call<T, U, F, M, A>(
    op: &'static Operation,
    shared: &Shared,
    target: Target<'_>,
    deadline: Deadline,
    span: &tracing::Span,
    mut make: M,
    finish: A,
) -> Result<U, Error>
where
    M: FnMut() -> F,
    F: Future<Output = Generated<T>>,
    A: FnOnce(T) -> U,
{
    let at = deadline.at;
    let mut now = deadline.started;
    let mut progress = Progress {
        sent: 0,
        tries: 1,
        logged_in_again: false,
    };
    let (error, status) = loop {
        let bearer = match attempt_bearer(op, shared, target, at, &mut now).await {
            Ok(bearer) => bearer,
            Err(error) => break (error, None),
        };
        progress.sent += 1;
        let call = std::pin::pin!(make());
        let mut attempt = context::Scoped::new(bearer, call);
        let outcome = if shared.request_timeout < at.saturating_duration_since(now) {
            (&mut attempt).await
        } else if let Ok(outcome) = tokio::time::timeout_at(at, &mut attempt).await {
            outcome
        } else {
            let error = deadline_error(op, &shared.retry, target, "waiting for the answer");
            break (error, None);
        };
        let (bearer, marked) = attempt.finish();
        let failed = if let Some(marked) = marked {
            let (verdict, headers) = *marked;
            from_verdict(op, shared, target, verdict, &headers)
        } else {
            match outcome {
                // The only success status the API defines is 200. The answer is returned
                // from here, so that it is not moved through the loop's other exits.
                Ok(value) => {
                    record(span, deadline, progress.sent, Some(StatusCode::OK));
                    return Ok(finish(value.into_inner()));
                }
                // Boxed: the error path's state stays out of every call's future.
                Err(error) => Box::pin(classify(op, shared, target, error)).await,
            }
        };
        match next_step(op, shared, at, &mut progress, bearer.as_ref(), failed).await {
            Ok(()) => now = Instant::now(),
            Err(end) => break end,
        }
    };
    record(span, deadline, progress.sent, status);
    Err(counted(error, progress.sent))
}

/// A transport error that says how many requests were sent.
fn counted(mut error: Error, sent: u32) -> Error {
    if let Error::Transport(e) = &mut error
        && sent > 0
    {
        e.set_attempts(sent);
    }
    error
}

/// The bearer of an attempt at an operation that carries one; the wait for a login counts
/// toward the attempt's time (`now`).
async fn attempt_bearer(
    op: &'static Operation,
    shared: &Shared,
    target: Target<'_>,
    at: Instant,
    now: &mut Instant,
) -> Result<Option<Arc<Bearer>>, Error> {
    if !op.authenticated {
        return Ok(None);
    }
    let bearer = bearer(op, shared, target, at).await?;
    if shared.auth.logs_in() {
        *now = Instant::now();
    }
    Ok(bearer)
}

/// What one generated call returns.
type Generated<T> = Result<ResponseValue<T>, progenitor_client::Error<types::ErrorBody>>;

/// The bearer of one attempt from auth, under the deadline; also what
/// `Client::access_token` hands out, so a login that outlasts the deadline is reported the
/// same way by both.
pub(crate) async fn bearer(
    op: &'static Operation,
    shared: &Shared,
    target: Target<'_>,
    at: Instant,
) -> Result<Option<Arc<Bearer>>, Error> {
    shared.auth.bearer(at).await.map_err(|no| match no {
        NoBearer::LoginFailed(error) => error,
        NoBearer::Deadline => deadline_error(op, &shared.retry, target, "waiting for OCI login"),
    })
}

/// After a failed attempt: `Ok` to send again (after a re-login, or the policy's wait),
/// `Err` with the call's end.
async fn next_step(
    op: &'static Operation,
    shared: &Shared,
    at: Instant,
    progress: &mut Progress,
    bearer: Option<&Arc<Bearer>>,
    failed: FailedAttempt,
) -> Result<(), (Error, Option<StatusCode>)> {
    if let Some(bearer) = bearer
        && !progress.logged_in_again
        && failed.error.is_token_refused()
        && shared.auth.refused(bearer)
    {
        // Revoked (401) or expired (403 TokenError): log in again, once, and resend.
        tracing::debug!(operation = op.id, error = %failed.error, "token refused; logging in again");
        progress.logged_in_again = true;
        return Ok(());
    }
    let wait = shared
        .retry
        .wait_after(
            progress.tries,
            op,
            &failed.failure,
            failed.retry_after.as_deref(),
        )
        .filter(|wait| Instant::now() + *wait < at);
    let Some(wait) = wait else {
        return Err((failed.error, failed.status));
    };
    tracing::info!(
        operation = op.id,
        attempt = progress.sent,
        status = failed.status.map(|s| s.as_u16()),
        error = %failed.error,
        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        "retrying"
    );
    tokio::time::sleep(wait).await;
    progress.tries += 1;
    Ok(())
}

/// Records the call's outcome in its span: requests sent, the last status, and the whole
/// time since the operation started.
fn record(span: &tracing::Span, deadline: Deadline, sent: u32, status: Option<StatusCode>) {
    if span.is_disabled() {
        return;
    }
    span.record("attempts", sent);
    if let Some(status) = status {
        span.record("status", status.as_u16());
    }
    span.record(
        "duration_ms",
        u64::try_from(deadline.started.elapsed().as_millis()).unwrap_or(u64::MAX),
    );
}
