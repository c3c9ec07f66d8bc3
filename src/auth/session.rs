//! The OCI login session: one token at a time, renewed shortly before the server would
//! refuse it, one login in flight whose outcome every waiting caller receives, and failed
//! logins spaced out (1 s, doubling to 30 s) so that callers neither storm the server nor
//! queue behind one another.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::time::Instant;

use super::Bearer;
use crate::error::{Cause, DecodeError, Error, TransportError};
use crate::oci::{AccessToken, Clock};
use crate::operations;

/// The longest a token is renewed ahead of its expiry.
const MAX_RENEW_AHEAD: Duration = Duration::from_secs(60);
/// The server's token is issued at whole seconds (`iat`): it can expire up to this much
/// earlier than the client's clock, started before sending, says.
const ISSUED_AT_ROUNDING: Duration = Duration::from_secs(1);
/// The wait after a first failed login before another is tried; it doubles with each
/// failure in a row, up to [`MAX_LOGIN_BACKOFF`].
const FIRST_LOGIN_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between failed logins.
const MAX_LOGIN_BACKOFF: Duration = Duration::from_secs(30);

/// One OCI login, sent by the client's transport under its own deadline.
pub(crate) type LoginFn =
    Box<dyn Fn() -> Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send>> + Send + Sync>;

/// A client's OCI login session.
pub(crate) struct OciSession {
    login: LoginFn,
    /// The login URL, for the error of a login that stopped half-way.
    login_url: String,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

/// What one login flight ends in, for every caller waiting on it.
type Outcome = Option<Result<Arc<Bearer>, Error>>;

#[derive(Default)]
struct State {
    token: Option<Fresh>,
    /// The token before, still scrubbed from errors of requests that sent it.
    previous: Option<Arc<Bearer>>,
    /// The login under way, if any.
    flight: Option<watch::Receiver<Outcome>>,
    /// Failed logins in a row.
    failures: u32,
    /// The last failure, given to callers until the backoff ends.
    failed: Option<(Instant, Error)>,
}

struct Fresh {
    bearer: Arc<Bearer>,
    /// When to log in again, on both clocks; `None` for a token that does not expire.
    renew_at: Option<(Instant, SystemTime)>,
}

impl OciSession {
    pub(crate) fn new(login: LoginFn, login_url: String, clock: Arc<dyn Clock>) -> Self {
        Self {
            login,
            login_url,
            clock,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The token the hooks send now, fresh or not.
    pub(crate) fn current(&self) -> Option<Arc<Bearer>> {
        self.lock().token.as_ref().map(|t| t.bearer.clone())
    }

    /// The current token and the one before it.
    pub(crate) fn recent(&self) -> impl Iterator<Item = Arc<Bearer>> {
        let state = self.lock();
        let current = state.token.as_ref().map(|t| t.bearer.clone());
        current.into_iter().chain(state.previous.clone())
    }

    /// The bearer to send, logging in first when there is no fresh token. `None` when
    /// `deadline` passes first (the login goes on for later callers).
    pub(crate) async fn bearer(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Option<Result<Arc<Bearer>, Error>> {
        let mut flight = {
            let mut state = self.lock();
            if let Some(token) = &state.token
                && self.is_fresh(token)
            {
                return Some(Ok(token.bearer.clone()));
            }
            if let Some((until, error)) = &state.failed
                && Instant::now() < *until
            {
                return Some(Err(error.clone()));
            }
            match &state.flight {
                Some(flight) if flight.has_changed().is_ok() => flight.clone(),
                _ => self.start_login(&mut state),
            }
        };
        let outcome = tokio::time::timeout_at(deadline, flight.wait_for(Option::is_some)).await;
        match outcome {
            Err(_elapsed) => None,
            Ok(Ok(outcome)) => outcome.clone(),
            // The login task was dropped (its runtime shut down): the next caller starts one.
            Ok(Err(_closed)) => {
                self.lock().flight = None;
                let op = &operations::LOGIN;
                Some(Err(Error::Transport(TransportError::new(
                    op,
                    op.method.clone(),
                    self.login_url.clone(),
                    Cause::Other(
                        "the login stopped before it ended (its tokio runtime shut down)".into(),
                    ),
                    None,
                ))))
            }
        }
    }

    /// Starts a login in a task of its own, so that it ends (within its own deadline)
    /// whichever callers stop waiting.
    fn start_login(self: &Arc<Self>, state: &mut State) -> watch::Receiver<Outcome> {
        let (tx, rx) = watch::channel(None);
        state.flight = Some(rx.clone());
        let session = self.clone();
        let run = async move {
            let outcome = session.log_in().await;
            let _ = tx.send(Some(outcome));
        };
        // `bearer` is only called from async code on tokio (reqwest needs it); without a
        // runtime the sender is dropped here, and the callers get an error, not a panic.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(run);
        }
        rx
    }

    /// One login, and what it leaves in the state.
    async fn log_in(&self) -> Result<Arc<Bearer>, Error> {
        let sent = (Instant::now(), self.clock.now());
        let result = (self.login)().await.and_then(|token| {
            let lifetime = token.lifetime();
            let bearer = Bearer::new(token.token().clone()).ok_or_else(|| {
                Error::Decode(DecodeError::new(
                    &operations::LOGIN,
                    Some(http::StatusCode::OK),
                    "the access token holds characters an HTTP header cannot carry".into(),
                    String::new(),
                ))
            })?;
            Ok((Arc::new(bearer), renewal(sent, lifetime)))
        });
        let mut state = self.lock();
        state.flight = None;
        match result {
            Ok((bearer, renew_at)) => {
                tracing::debug!(
                    operation = operations::LOGIN.id,
                    renew_in_s =
                        renew_at.map(|(at, _)| at.saturating_duration_since(sent.0).as_secs()),
                    "logged in with OCI"
                );
                let old = state.token.replace(Fresh {
                    bearer: bearer.clone(),
                    renew_at,
                });
                if let Some(old) = old {
                    state.previous = Some(old.bearer);
                }
                state.failures = 0;
                state.failed = None;
                Ok(bearer)
            }
            Err(error) => {
                state.failures = state.failures.saturating_add(1);
                let backoff = login_backoff(state.failures);
                tracing::warn!(
                    operation = operations::LOGIN.id,
                    failures = state.failures,
                    backoff_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX),
                    error = %error,
                    "OCI login failed"
                );
                state.failed = Some((Instant::now() + backoff, error.clone()));
                Err(error)
            }
        }
    }

    fn is_fresh(&self, token: &Fresh) -> bool {
        token
            .renew_at
            .is_none_or(|(mono, wall)| Instant::now() < mono && self.clock.now() < wall)
    }

    /// The server refused `used`: forget it if it is still the current token, so that the
    /// next ask logs in again.
    pub(crate) fn refused(&self, used: &Arc<Bearer>) {
        let mut state = self.lock();
        if state
            .token
            .as_ref()
            .is_some_and(|t| Arc::ptr_eq(&t.bearer, used))
        {
            state.previous = state.token.take().map(|t| t.bearer);
        }
    }
}

/// When to log in again after a login sent at `sent` (both clocks) whose token lives
/// `lifetime`: its end on the server's clock (issued at whole seconds, so up to a second
/// before the client's), less a margin for clock skew and the time a call takes (a tenth
/// of the lifetime, at most a minute). `None` for a token that does not expire.
pub(crate) fn renewal(
    sent: (Instant, SystemTime),
    lifetime: Duration,
) -> Option<(Instant, SystemTime)> {
    if lifetime.is_zero() {
        return None;
    }
    let usable = lifetime.saturating_sub(ISSUED_AT_ROUNDING + renew_ahead(lifetime));
    Some((sent.0 + usable, sent.1 + usable))
}

/// The skew margin: a tenth of the lifetime, at most a minute.
fn renew_ahead(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_RENEW_AHEAD)
}

/// The wait after `failures` failed logins in a row.
fn login_backoff(failures: u32) -> Duration {
    let factor = 1u32
        .checked_shl(failures.saturating_sub(1))
        .unwrap_or(u32::MAX);
    FIRST_LOGIN_BACKOFF
        .saturating_mul(factor)
        .min(MAX_LOGIN_BACKOFF)
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn renewal_comes_before_the_servers_expiry() {
        let now = (Instant::now(), SystemTime::now());
        // 3600 s: the server's end can be 1 s early; 60 s margin.
        let (mono, wall) = renewal(now, Duration::from_secs(3600)).unwrap();
        assert_eq!(mono - now.0, Duration::from_secs(3539));
        assert_eq!(
            wall.duration_since(now.1).unwrap(),
            Duration::from_secs(3539)
        );
        // 5 s: 1 s rounding, 0.5 s margin.
        let (mono, _) = renewal(now, Duration::from_secs(5)).unwrap();
        assert_eq!(mono - now.0, Duration::from_millis(3500));
        // A token too short to plan for is renewed on every use; 0 never expires.
        assert_eq!(renewal(now, Duration::from_secs(1)).unwrap().0, now.0);
        assert_eq!(renewal(now, Duration::ZERO), None);
    }

    /// A session whose logins hand out "t1", "t2", … (an hour each).
    fn numbered_session() -> Arc<OciSession> {
        let count = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let login: LoginFn = Box::new(move || {
            let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            Box::pin(async move {
                let hour = Duration::from_secs(3600);
                Ok(AccessToken::new(format!("t{n}"), hour, hour))
            })
        });
        let clock = Arc::new(crate::oci::SystemClock);
        Arc::new(OciSession::new(
            login,
            "http://127.0.0.1/login".into(),
            clock,
        ))
    }

    async fn next(session: &Arc<OciSession>) -> Arc<Bearer> {
        let far = Instant::now() + Duration::from_secs(60);
        session.bearer(far).await.unwrap().unwrap()
    }

    /// A refusal counts for the bearer that was sent: when another caller's refusal has
    /// already brought a new token, a late refusal of the old one leaves the new one be.
    #[tokio::test]
    async fn a_refusal_is_reported_for_the_bearer_sent() {
        let session = numbered_session();
        let first = next(&session).await;
        assert_eq!(first.secret().expose_secret(), "t1");
        session.refused(&first);
        let second = next(&session).await;
        assert_eq!(second.secret().expose_secret(), "t2");
        // A second caller's attempt sent "t1" too, and is refused after "t2" came.
        session.refused(&first);
        assert_eq!(next(&session).await.secret().expose_secret(), "t2");
        session.refused(&second);
        assert_eq!(next(&session).await.secret().expose_secret(), "t3");
    }

    #[test]
    fn failed_logins_back_off() {
        let waits: Vec<u64> = (1..=7).map(|n| login_backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(login_backoff(u32::MAX), MAX_LOGIN_BACKOFF);
    }
}
