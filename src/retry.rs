//! When and how long to wait before sending a request again.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};

/// How the client retries a request that failed in a way that may pass.
///
/// Retried: connection failures (nothing reached the server), 429 (after `Retry-After`,
/// in seconds or as an HTTP date, capped), and 502/503/504, whatever the body (a proxy's
/// HTML page counts as much as Infisical's JSON error). Attach (`POST`) and revoke
/// (`DELETE`), whose repetition is not harmless, are retried only where the server cannot
/// have acted: connection failures, 429 and 503. Validation, authentication and other 4xx
/// answers are final. Between attempts the client waits an exponential backoff with jitter
/// (or what `Retry-After` asks), and gives up when the next wait would take the whole
/// operation past [`max_elapsed`](Self::max_elapsed). Each retry is a `tracing` event.
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

    /// The longest an operation may take with its retries: no retry is started whose wait
    /// would go past it. Default: 60 s.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    pub(crate) fn elapsed_limit(&self) -> Duration {
        self.max_elapsed
    }

    /// The wait before attempt `attempt + 1`, or `None` when the outcome is final.
    pub(crate) fn wait_after(
        &self,
        attempt: u32,
        method: &Method,
        outcome: Outcome<'_>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let acted_maybe = !matches!(*method, Method::POST | Method::DELETE);
        match outcome {
            Outcome::ConnectFailed => Some(self.backoff(attempt)),
            Outcome::Status(status, retry_after) => match status.as_u16() {
                429 | 503 => Some(
                    retry_after
                        .and_then(parse_retry_after)
                        .map_or_else(|| self.backoff(attempt), |d| d.min(self.max_retry_after)),
                ),
                502 | 504 if acted_maybe => Some(self.backoff(attempt)),
                _ => None,
            },
            Outcome::OtherFailure => None,
        }
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

/// What came of one attempt, as far as retrying goes.
pub(crate) enum Outcome<'a> {
    /// The connection could not be made: the server saw nothing.
    ConnectFailed,
    /// An answer, with its `Retry-After` header if any.
    Status(StatusCode, Option<&'a str>),
    /// Anything else (a timeout, a broken connection): not retried.
    OtherFailure,
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

    fn wait(
        policy: &RetryPolicy,
        attempt: u32,
        method: Method,
        status: u16,
        after: Option<&str>,
    ) -> Option<Duration> {
        policy.wait_after(
            attempt,
            &method,
            Outcome::Status(StatusCode::from_u16(status).unwrap(), after),
        )
    }

    #[test]
    fn what_is_retried() {
        let p = RetryPolicy::default();
        for status in [429, 502, 503, 504] {
            assert!(
                wait(&p, 1, Method::PATCH, status, None).is_some(),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 422, 500, 501] {
            assert!(
                wait(&p, 1, Method::PATCH, status, None).is_none(),
                "{status}"
            );
        }
        // Attach and revoke: only where the server cannot have acted.
        for method in [Method::POST, Method::DELETE] {
            assert!(wait(&p, 1, method.clone(), 429, None).is_some());
            assert!(wait(&p, 1, method.clone(), 503, None).is_some());
            assert!(wait(&p, 1, method.clone(), 502, None).is_none());
            assert!(wait(&p, 1, method.clone(), 504, None).is_none());
            assert!(p.wait_after(1, &method, Outcome::ConnectFailed).is_some());
        }
        assert!(
            p.wait_after(1, &Method::GET, Outcome::OtherFailure)
                .is_none()
        );
        assert!(
            wait(&p, 3, Method::GET, 503, None).is_none(),
            "attempts are bounded"
        );
        assert!(wait(&RetryPolicy::none(), 1, Method::GET, 503, None).is_none());
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            wait(&p, 1, Method::GET, 429, Some("7")),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            wait(&p, 1, Method::GET, 429, Some("3600")),
            Some(Duration::from_secs(30))
        );
        let in_five = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
        let d = wait(&p, 1, Method::GET, 503, Some(&in_five)).unwrap();
        assert!(
            d <= Duration::from_secs(5) && d >= Duration::from_secs(3),
            "{d:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(
            wait(&p, 1, Method::GET, 503, Some(&past)),
            Some(Duration::ZERO)
        );
        // Garbage falls back to the backoff.
        let d = wait(&p, 1, Method::GET, 429, Some("soon")).unwrap();
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
