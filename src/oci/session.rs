//! OCI login, and the session that keeps a client's token fresh with it.
//!
//! The client's call path drives the session: it asks for a bearer (logging in when there
//! is no fresh token), sends, and after a refused token (401, or 403 `TokenError`) drops it
//! and sends once more. The hooks never log in: the session puts its token in a
//! [`BearerSlot`] they read.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;
use secrecy::ExposeSecret;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument;

use super::{AccessToken, OciCredentials};
use crate::error::{DecodeError, Error};
use crate::generated::{self, types};
use crate::model::IdentityId;
use crate::operations;
use crate::transport::{self, BearerSlot, Deadline, Target};

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

/// Wall-clock time, as the OCI session judges a token's expiry by it. Infisical's tokens
/// expire on the server's wall clock, which goes on while a machine sleeps (the monotonic
/// clock does not); the session renews when either clock says the token is due.
///
/// [`SystemClock`] is the default; tests give their own to
/// [`ClientBuilder::oci_clock`](crate::ClientBuilder::oci_clock), e.g. to act out a laptop
/// that slept for an hour:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::{Duration, SystemTime};
/// use infisical_oci_auth::oci::Clock;
///
/// #[derive(Debug)]
/// struct Manual(Mutex<SystemTime>);
/// impl Clock for Manual {
///     fn now(&self) -> SystemTime {
///         *self.0.lock().unwrap()
///     }
/// }
///
/// let clock = Arc::new(Manual(Mutex::new(SystemTime::now())));
/// *clock.0.lock().unwrap() += Duration::from_secs(3600);
/// # let _ = infisical_oci_auth::Client::builder().oci_clock(clock);
/// ```
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock ([`SystemTime::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Logs in with `credentials` as `identity` and returns the token.
pub(crate) async fn login(
    raw: &generated::Client,
    credentials: &OciCredentials,
    identity: &IdentityId,
    organization_slug: Option<&str>,
    deadline: Deadline,
) -> Result<AccessToken, Error> {
    let op = &operations::LOGIN;
    let span = crate::transport::operation_span(op, identity);
    async {
        // OCI checks the signed date against its own clock: always the real time.
        let headers = credentials.login_headers(SystemTime::now())?;
        let body = types::LoginOciAuthRequest {
            headers: types::LoginOciAuthRequestHeaders {
                authorization: headers.authorization,
                date: None,
                host: headers.host,
                x_date: Some(headers.x_date),
            },
            identity_id: *identity.as_uuid(),
            organization_slug: organization_slug.map(str::to_owned),
            user_ocid: credentials.user_ocid().to_owned(),
        };
        let shared = progenitor_client::ClientInfo::inner(raw);
        let target = Target {
            base_url: progenitor_client::ClientInfo::baseurl(raw),
            identity: None,
        };
        let answer = transport::call(
            op,
            shared,
            target,
            deadline,
            &span,
            || raw.login_with_oci_auth(&body),
            |answer| answer,
        )
        .await?;
        let seconds = |field: &str, v: i64| {
            u64::try_from(v).map(Duration::from_secs).map_err(|_| {
                Error::Decode(DecodeError::new(
                    op.id,
                    Some(http::StatusCode::OK),
                    format!("{field} is negative ({v})"),
                    String::new(),
                ))
            })
        };
        Ok(AccessToken::new(
            answer.access_token,
            seconds("expiresIn", answer.expires_in)?,
            seconds("accessTokenMaxTTL", answer.access_token_max_ttl)?,
        ))
    }
    .instrument(span.clone())
    .await
}

/// A client's OCI login: one token at a time, renewed shortly before it expires, one login
/// in flight whose outcome every caller waiting on it receives, and failed logins spaced
/// out (1 s, doubling to 30 s) so that callers neither storm the server nor queue behind
/// one another.
pub(crate) struct OciSession {
    login_client: generated::Client,
    credentials: OciCredentials,
    identity: IdentityId,
    organization_slug: Option<String>,
    slot: Arc<BearerSlot>,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

/// What one login flight ends in, for every caller waiting on it.
type Outcome = Option<Result<HeaderValue, Error>>;

#[derive(Default)]
struct State {
    token: Option<Fresh>,
    /// The login under way, if any.
    flight: Option<watch::Receiver<Outcome>>,
    /// Failed logins in a row.
    failures: u32,
    /// The last failure, given to callers until the backoff ends.
    failed: Option<(Instant, Error)>,
}

struct Fresh {
    header: HeaderValue,
    /// When to log in again, on both clocks; `None` for a token that does not expire.
    renew_at: Option<(Instant, SystemTime)>,
}

impl OciSession {
    pub(crate) fn new(
        login_client: generated::Client,
        credentials: OciCredentials,
        identity: IdentityId,
        organization_slug: Option<String>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            login_client,
            credentials,
            identity,
            organization_slug,
            slot: Arc::default(),
            clock,
            state: Mutex::default(),
        }
    }

    /// Where the hooks read the token from.
    pub(crate) fn slot(&self) -> Arc<BearerSlot> {
        self.slot.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The Authorization value to send, logging in first when there is no fresh token.
    /// `None` when `deadline` passes first (the login goes on for later callers).
    pub(crate) async fn bearer(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Option<Result<HeaderValue, Error>> {
        let mut flight = {
            let mut state = self.lock();
            if let Some(token) = &state.token
                && self.is_fresh(token)
            {
                return Some(Ok(token.header.clone()));
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
                let state = &mut *self.lock();
                state.flight = None;
                Some(Err(transport::stopped_error(
                    &operations::LOGIN,
                    Target {
                        base_url: progenitor_client::ClientInfo::baseurl(&self.login_client),
                        identity: None,
                    },
                    "the login stopped before it ended (its tokio runtime shut down)",
                )))
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
    async fn log_in(&self) -> Result<HeaderValue, Error> {
        let limit = progenitor_client::ClientInfo::inner(&self.login_client)
            .retry
            .elapsed_limit();
        let deadline = Deadline::after(limit);
        let sent = (deadline.started, self.clock.now());
        let result = login(
            &self.login_client,
            &self.credentials,
            &self.identity,
            self.organization_slug.as_deref(),
            deadline,
        )
        .await
        .and_then(|token| {
            let mut header =
                HeaderValue::try_from(format!("Bearer {}", token.token().expose_secret()))
                    .map_err(|_| {
                        Error::Decode(DecodeError::new(
                            operations::LOGIN.id,
                            Some(http::StatusCode::OK),
                            "the access token holds characters an HTTP header cannot carry".into(),
                            String::new(),
                        ))
                    })?;
            header.set_sensitive(true);
            Ok((header, renewal(sent, token.expires_in())))
        });
        let mut state = self.lock();
        state.flight = None;
        match result {
            Ok((header, renew_at)) => {
                self.slot.set(header.clone());
                state.token = Some(Fresh {
                    header: header.clone(),
                    renew_at,
                });
                state.failures = 0;
                state.failed = None;
                Ok(header)
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

    /// Forgets `used` if it is still the current token (the server refused it).
    pub(crate) fn invalidate(&self, used: &HeaderValue) {
        let mut state = self.lock();
        if state.token.as_ref().is_some_and(|t| t.header == *used) {
            state.token = None;
            self.slot.clear(used);
        }
    }
}

/// When to log in again after a login sent at `sent` (both clocks) whose token lives
/// `lifetime`: its end on the server's clock (issued at whole seconds, so up to a second
/// before the client's), less a margin for clock skew and the time a call takes (a tenth
/// of the lifetime, at most a minute). `None` for a token that does not expire.
fn renewal(sent: (Instant, SystemTime), lifetime: Duration) -> Option<(Instant, SystemTime)> {
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

    #[test]
    fn failed_logins_back_off() {
        let waits: Vec<u64> = (1..=7).map(|n| login_backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(login_backoff(u32::MAX), MAX_LOGIN_BACKOFF);
    }
}
