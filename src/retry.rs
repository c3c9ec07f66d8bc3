//! When and how long to wait before sending a request again.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::operations::Operation;

/// How the client retries a request that failed in a way that may pass.
///
/// Retried: connection failures (nothing reached the server), 429 (after `Retry-After`,
/// in seconds or as an HTTP date, capped), and 502/503/504, whatever the body (a proxy's
/// HTML page counts as much as Infisical's JSON error). Attach (`POST`) and revoke
/// (`DELETE`), whose repetition is not harmless, are retried only where the server cannot
/// have acted: connection failures, 429 and 503. Validation, authentication and other 4xx
/// answers are final; so are timeouts and connections broken mid-answer (the server may
/// have acted) and redirects (never followed). Between attempts the client waits an
/// exponential backoff with jitter (or what `Retry-After` asks).
///
/// [`max_elapsed`](Self::max_elapsed) is the operation's deadline: every attempt, every
/// wait and any wait for an OCI login fit in it. Each attempt's timeout is the smaller of
/// the request timeout and the time left; no retry starts whose wait would end past the
/// deadline. Each retry is a `tracing` event.
///
/// Defaults: 3 attempts, backoff from 250 ms doubling up to 5 s, `Retry-After` honoured up
/// to 30 s, at most 60 s in all.
///
/// ```
/// use std::time::Duration;
/// use infisical_oci_auth::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .retry(RetryPolicy::default().max_attempts(5).max_elapsed(Duration::from_secs(120)))
///     .build()?;
/// let no_retries = Client::builder().retry(RetryPolicy::none()).build()?;
/// # Ok::<(), infisical_oci_auth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// How many times a request may be sent in all (at least 1). Default: 3.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff; each later one doubles, up to [`max_backoff`](Self::max_backoff).
    /// Default: 250 ms.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest backoff. Default: 5 s.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest wait a `Retry-After` header may ask for; a longer one is cut to this.
    /// Default: 30 s.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The deadline of a whole operation, from the call to its result: all attempts, the
    /// waits between them and any wait for an OCI login. When it passes, the call ends with
    /// an [`Error::Transport`](crate::Error::Transport) whose
    /// [`is_timeout`](crate::TransportError::is_timeout) is true. Default: 60 s.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    pub(crate) fn elapsed_limit(&self) -> Duration {
        self.max_elapsed
    }

    /// The wait before attempt `attempt + 1` of `operation`, or `None` when the failure is
    /// final or the attempts are used up. `retry_after` is the answer's `Retry-After`.
    pub(crate) fn wait_after(
        &self,
        attempt: u32,
        operation: &Operation,
        failure: &Failure,
        retry_after: Option<&str>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts || !is_retryable(operation, failure) {
            return None;
        }
        let asked = match failure {
            Failure::Status(status) if matches!(status.as_u16(), 429 | 503) => {
                retry_after.and_then(parse_retry_after)
            }
            _ => None,
        };
        Some(asked.map_or_else(|| self.backoff(attempt), |d| d.min(self.max_retry_after)))
    }

    /// Exponential backoff with "equal jitter": between half and all of the nominal delay.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let nominal = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let jitter = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let fraction = 0.5 + (jitter % 1000) as f64 / 2000.0;
        nominal.mul_f64(fraction)
    }
}

/// What a failed attempt tells about retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection could not be made: the server saw nothing.
    ConnectFailed,
    /// An answer with this status.
    Status(StatusCode),
    /// Anything else (a timeout, a broken connection, a redirect): the server may have
    /// acted, or trying again cannot help.
    Other,
}

/// The one rule of what is retried, read by [`RetryPolicy`] and
/// [`Error::is_retryable`](crate::Error::is_retryable): connection failures, 429 and 503
/// (the server did not process the request), and 502/504 (a gateway lost the request or
/// its answer) only where sending twice is harmless.
pub(crate) fn is_retryable(operation: &Operation, failure: &Failure) -> bool {
    match failure {
        Failure::ConnectFailed => true,
        Failure::Status(status) => match status.as_u16() {
            429 | 503 => true,
            502 | 504 => operation.idempotent,
            _ => false,
        },
        Failure::Other => false,
    }
}

/// `Retry-After`: delay-seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::operations::{self, ATTACH, GET, REVOKE, UPDATE};

    fn wait(
        policy: &RetryPolicy,
        attempt: u32,
        op: &Operation,
        status: u16,
        after: Option<&str>,
    ) -> Option<Duration> {
        let failure = Failure::Status(StatusCode::from_u16(status).unwrap());
        policy.wait_after(attempt, op, &failure, after)
    }

    #[test]
    fn what_is_retried() {
        let p = RetryPolicy::default();
        for status in [429, 502, 503, 504] {
            assert!(wait(&p, 1, &UPDATE, status, None).is_some(), "{status}");
        }
        for status in [400, 401, 403, 404, 422, 500, 501, 301, 302] {
            assert!(wait(&p, 1, &UPDATE, status, None).is_none(), "{status}");
        }
        // Attach and revoke: only where the server cannot have acted.
        for op in [&ATTACH, &REVOKE, &operations::LOGIN] {
            assert!(wait(&p, 1, op, 429, None).is_some());
            assert!(wait(&p, 1, op, 503, None).is_some());
            assert!(wait(&p, 1, op, 502, None).is_none());
            assert!(wait(&p, 1, op, 504, None).is_none());
            assert!(p.wait_after(1, op, &Failure::ConnectFailed, None).is_some());
        }
        assert!(p.wait_after(1, &GET, &Failure::Other, None).is_none());
        assert!(
            wait(&p, 3, &GET, 503, None).is_none(),
            "attempts are bounded"
        );
        assert!(wait(&RetryPolicy::none(), 1, &GET, 503, None).is_none());
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            wait(&p, 1, &GET, 429, Some("7")),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            wait(&p, 1, &GET, 429, Some("3600")),
            Some(Duration::from_secs(30))
        );
        let in_five = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
        let d = wait(&p, 1, &GET, 503, Some(&in_five)).unwrap();
        assert!(
            d <= Duration::from_secs(5) && d >= Duration::from_secs(3),
            "{d:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(wait(&p, 1, &GET, 503, Some(&past)), Some(Duration::ZERO));
        // Garbage falls back to the backoff.
        let d = wait(&p, 1, &GET, 429, Some("soon")).unwrap();
        assert!(
            d >= Duration::from_millis(125) && d <= Duration::from_millis(250),
            "{d:?}"
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let p = RetryPolicy::default().max_attempts(10);
        for attempt in 1..=9 {
            let nominal =
                Duration::from_millis(250 * (1 << (attempt - 1))).min(Duration::from_secs(5));
            let d = p.backoff(attempt);
            assert!(d >= nominal / 2 && d <= nominal, "attempt {attempt}: {d:?}");
        }
    }
}
