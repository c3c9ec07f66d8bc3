//! The wall clock token expiry is judged on.

use std::fmt;
use std::time::SystemTime;

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
