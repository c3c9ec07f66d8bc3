//! `FakeInfisical`: an in-process Infisical server for tests (cargo feature `testing`).
//!
//! It serves the five OCI Auth operations on `127.0.0.1` (a port of its own) with the
//! semantics measured on a real Infisical server: bearer-token checks, the route schemas'
//! 422 `ValidationFailure` issues, the TTL check against stored values, the plan restriction
//! on IP ranges, the answers of its database (500 for over-long values), a PATCH clearing an
//! omitted allow-list, and OCI login, where the signed request is checked against OCI users
//! registered with the fake instead of Oracle's identity service. It also records every
//! request and can be told to misbehave ([`Fault`]).
//!
//! ```
//! use infisical_oci_auth::testing::FakeInfisical;
//! use infisical_oci_auth::{AttachOciAuth, UpdateOciAuth};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = FakeInfisical::start().await?;
//! let identity = fake.create_identity();
//! let client = fake.client_builder().build()?;
//!
//! client.attach_oci_auth(&identity, &AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa").build()?).await?;
//! let update = UpdateOciAuth::builder()
//!     .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
//!     .allowed_usernames("alice")
//!     .build()?;
//! let config = client.update_oci_auth(&identity, &update).await?;
//! assert_eq!(config.allowed_usernames.as_deref(), Some("alice"));
//! assert_eq!(fake.requests().len(), 2);
//! # Ok(()) }
//! ```
//!
//! Differences from a real server, on purpose: one organization; tokens are opaque strings,
//! not JWTs; the instance-admin token may do everything, a token issued by OCI login acts with
//! a member role (it may read and update, not revoke), and [`FakeInfisical::token_without_access`]
//! may do nothing; OCI replay failures (unknown user, bad signature, stale date) answer 500 as
//! the real server does when Oracle refuses the request.

mod login;
mod server;
mod state;
mod zod;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use uuid::Uuid;

use crate::client::ClientBuilder;
use crate::model::{IdentityId, IdentityOciAuth};
use state::{Identity, OciUser, Principal, State, Token};

/// A fake Infisical server on `127.0.0.1`, stopped when dropped.
pub struct FakeInfisical {
    addr: SocketAddr,
    admin_token: String,
    shared: server::Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for FakeInfisical {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeInfisical")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Misbehaviour for the next requests, whatever they ask; see [`FakeInfisical::inject`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer this status with an Infisical error body, and a `Retry-After` header if given
    /// (seconds or an HTTP date).
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` value.
        retry_after: Option<String>,
    },
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Announce a 512-byte JSON body, send a few bytes, then drop the connection.
    CloseMidBody,
    /// Answer exactly this status, content type and body.
    Raw {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type`.
        content_type: String,
        /// The body.
        body: Vec<u8>,
    },
}

/// A request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The method, e.g. `PATCH`.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The headers, in order, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl FakeInfisical {
    /// Starts a fake on `127.0.0.1` on a free port, on the current tokio runtime.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        let admin_token = format!("fake-admin-{}", Uuid::new_v4().simple());
        let mut state = State::default();
        state
            .tokens
            .insert(admin_token.clone(), Token::new(Principal::Admin));
        let shared: server::Shared = Arc::new(Mutex::new(state));
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            admin_token,
            shared,
            shutdown: Some(shutdown),
        })
    }

    /// The base URL to give a [`Client`](crate::Client): `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A token that may do everything (the instance administrator's).
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// A client builder for this fake, with the admin token.
    pub fn client_builder(&self) -> ClientBuilder {
        crate::Client::builder()
            .base_url(self.base_url())
            .token(self.admin_token.clone())
    }

    /// Creates a machine identity (without OCI Auth) and returns its ID.
    pub fn create_identity(&self) -> IdentityId {
        let id = Uuid::new_v4();
        server::lock(&self.shared)
            .identities
            .insert(id, Identity::new());
        IdentityId::from(id)
    }

    /// Creates a machine identity with the given ID (without OCI Auth), e.g. to replay
    /// recorded requests.
    pub fn create_identity_with_id(&self, id: IdentityId) {
        server::lock(&self.shared)
            .identities
            .insert(*id.as_uuid(), Identity::new());
    }

    /// A token like the one OCI login issues to `identity`: member role (it may read and
    /// update OCI Auth, not revoke it), no expiry, no use limit.
    pub fn identity_token(&self, identity: &IdentityId) -> String {
        let token = format!("fake-oci-{}", Uuid::new_v4().simple());
        server::lock(&self.shared).tokens.insert(
            token.clone(),
            Token::new(Principal::Identity(*identity.as_uuid())),
        );
        token
    }

    /// Makes every token issued by OCI login (or [`identity_token`](Self::identity_token))
    /// expire now: its next use answers 403 `TokenError` "Your token has expired. Please
    /// re-authenticate.", as an expired token does on the real server.
    pub fn expire_identity_tokens(&self) {
        let now = tokio::time::Instant::now();
        for token in server::lock(&self.shared).tokens.values_mut() {
            if let Principal::Identity(_) = token.principal {
                token.expires_at = Some(now);
            }
        }
    }

    /// Makes `token` expire now (403 `TokenError` from then on). Returns whether the fake
    /// knew the token.
    pub fn expire_token(&self, token: &str) -> bool {
        let now = tokio::time::Instant::now();
        server::lock(&self.shared)
            .tokens
            .get_mut(token)
            .map(|t| t.expires_at = Some(now))
            .is_some()
    }

    /// Revokes `token`, as revoking an access token does on the real server: its next use
    /// answers 401 `UnauthorizedError` "No identity access token found". Returns whether
    /// the fake knew the token.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use infisical_oci_auth::testing::FakeInfisical;
    ///
    /// let fake = FakeInfisical::start().await?;
    /// let identity = fake.create_identity();
    /// let token = fake.identity_token(&identity);
    /// assert!(fake.revoke_token(&token));
    /// let client = infisical_oci_auth::Client::builder().base_url(fake.base_url()).token(token).build()?;
    /// let err = client.get_oci_auth(&identity).await.unwrap_err();
    /// assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    /// # Ok(()) }
    /// ```
    pub fn revoke_token(&self, token: &str) -> bool {
        server::lock(&self.shared)
            .tokens
            .get_mut(token)
            .map(|t| t.revoked = true)
            .is_some()
    }

    /// Every token the fake issued through OCI login, oldest first.
    pub fn issued_login_tokens(&self) -> Vec<String> {
        server::lock(&self.shared).login_tokens.clone()
    }

    /// A valid token that has no permission on identities (answers 403 PermissionDenied).
    pub fn token_without_access(&self) -> String {
        let token = format!("fake-noaccess-{}", Uuid::new_v4().simple());
        server::lock(&self.shared)
            .tokens
            .insert(token.clone(), Token::new(Principal::NoAccess));
        token
    }

    /// The OCI Auth configuration of `identity` as stored, if any.
    pub fn oci_auth(&self, identity: &IdentityId) -> Option<IdentityOciAuth> {
        server::lock(&self.shared)
            .identities
            .get(identity.as_uuid())
            .and_then(|i| i.oci_auth.clone())
    }

    /// Whether the organization is on a paid plan, which allows IP ranges other than
    /// `0.0.0.0/0` and `::/0`. Default: free.
    pub fn set_paid_plan(&self, paid: bool) {
        server::lock(&self.shared).paid_plan = paid;
    }

    /// Behave as older servers, which require `x-date` in login headers and refuse `date`
    /// alone. Default: newer servers' behaviour (either is accepted).
    pub fn require_x_date(&self, required: bool) {
        server::lock(&self.shared).require_x_date = required;
    }

    /// Registers an OCI user that login requests may be signed by: its OCID, tenancy,
    /// username, and public key (PEM, `-----BEGIN PUBLIC KEY-----`).
    ///
    /// # Errors
    /// When the PEM is not an RSA public key.
    pub fn register_oci_user(
        &self,
        user_ocid: &str,
        tenancy_ocid: &str,
        username: &str,
        public_key_pem: &str,
    ) -> Result<(), crate::Error> {
        let (fingerprint, der) = crate::oci::public_key_fingerprint(public_key_pem)?;
        let mut state = server::lock(&self.shared);
        let user = state
            .oci_users
            .entry(user_ocid.to_owned())
            .or_insert_with(|| OciUser {
                tenancy_ocid: tenancy_ocid.to_owned(),
                name: username.to_owned(),
                keys: Vec::new(),
            });
        user.tenancy_ocid = tenancy_ocid.to_owned();
        user.name = username.to_owned();
        user.keys.push((fingerprint, der));
        Ok(())
    }

    /// Makes the next `times` requests misbehave as `fault` says.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut state = server::lock(&self.shared);
        state.faults.extend(std::iter::repeat_n(fault, times));
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        server::lock(&self.shared).log.clone()
    }

    /// How many logins succeeded or were tried (requests to the login route).
    pub fn login_count(&self) -> usize {
        server::lock(&self.shared)
            .log
            .iter()
            .filter(|r| r.path == server::LOGIN)
            .count()
    }
}

impl Drop for FakeInfisical {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
