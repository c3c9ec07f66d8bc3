//! `FakeInfisical`: a fake Infisical server for OCI Auth, in-process for Rust tests, and as
//! the binary `infisical-oci-auth-fake` for people and any language's CI.
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
//! use infisical_oci_auth_fake::FakeInfisical;
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
//! It answers as the real server does where a client can tell: the `Authorization` header as
//! Infisical reads it (any scheme word, empty and `st.` service tokens), expired (403
//! `TokenError`), revoked and spent (401) tokens, the permission errors of each [`Role`],
//! trailing slashes, fastify's route-404 body, its body parsing (JSON with BOM, plain text,
//! forms, the 1 MiB limit, prototype keys, DELETE bodies, no content type), the database's
//! error names, JavaScript number rounding, and answers with the server's key order and
//! millisecond timestamps. Every behaviour cites its source in the code.
//!
//! It answers as Infisical of 2026-06-30 by default, and as 2025-06-22 after
//! [`FakeInfisical::set_release`] ([`Release`] lists what differs): login tokens are JWTs
//! whose `exp` follows the 2026 server's cap, login scopes to `organizationSlug` (see
//! [`FakeInfisical::create_sub_organization`]), and refusals carry the 2026 messages.
//!
//! Differences from a real server, on purpose: tokens are looked up, not verified, and
//! expire on tokio's clock (pause it in tests to move time); the admin token acts as an
//! organization admin; there are no service tokens, API keys or project identities; a
//! token's trusted IPs are not checked against the caller's address; OCI replay failures
//! (unknown user, bad signature, stale date) answer 500 as the real server does when Oracle
//! refuses the request. Login checks the signer as Infisical PR #8215 will (on by default,
//! see [`FakeInfisical::strict_signer_check`]).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod answer;
mod auth_hook;
mod body;
mod faults;
mod json;
mod login;
mod oci;
mod release;
mod router;
mod service;
mod state;
mod transcript;
mod zod;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use uuid::Uuid;

use infisical_oci_auth::ClientBuilder;
use infisical_oci_auth::model::{IdentityId, IdentityOciAuth};
pub use release::Release;
use state::OciUser;
use state::{Identity, Principal, State, Token, lock};
pub use transcript::Transcript;

/// What [`FakeInfisical::on_answer`] calls: method, path, status.
#[derive(Clone)]
struct Observer(Arc<ObserverFn>);

/// method, path, status.
type ObserverFn = dyn Fn(&str, &str, u16) + Send + Sync;

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

/// The organization role of a machine identity, which its access tokens act with.
///
/// The permissions on identities are Infisical's built-in roles': an admin may do
/// everything, a member may read, attach, update and delete but not revoke an auth method
/// (`revoke-auth`, checked as a privilege boundary), and no-access may do nothing.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use infisical_oci_auth_fake::{FakeInfisical, Role};
/// use infisical_oci_auth::{AttachOciAuth, Client};
///
/// let fake = FakeInfisical::start().await?;
/// let identity = fake.create_identity();
/// let admin = fake.client_builder().build()?;
/// admin.attach_oci_auth(&identity, &AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa").build()?).await?;
///
/// let reader = fake.create_identity_with_role(Role::NoAccess);
/// let client = Client::builder().base_url(fake.base_url()).token(fake.identity_token(&reader)).build()?;
/// let err = client.get_oci_auth(&identity).await.unwrap_err();
/// assert_eq!(err.as_api().map(|e| e.message()), Some("You are not allowed to read on identity"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// The built-in `admin` role: every action.
    Admin,
    /// The built-in `member` role: read, create, edit and delete identities' auth methods,
    /// not `revoke-auth`.
    Member,
    /// The built-in `no-access` role: nothing.
    NoAccess,
}

impl Role {
    /// Whether the role may `action` (CASL action name) on the `identity` subject.
    fn may(self, action: &str) -> bool {
        match self {
            Role::Admin => true,
            Role::Member => matches!(action, "read" | "create" | "edit" | "delete"),
            Role::NoAccess => false,
        }
    }
}

/// Lifetime and use limit of a token made with [`FakeInfisical::identity_token_with`].
///
/// ```
/// use std::time::Duration;
/// use infisical_oci_auth_fake::TokenOptions;
///
/// let options = TokenOptions::new().expires_in(Duration::from_secs(60)).uses_limit(3);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenOptions {
    expires_in: Option<Duration>,
    uses_limit: u64,
}

impl TokenOptions {
    /// No expiry, no use limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// The token expires this long from now, on tokio's clock (403 `TokenError` after).
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = Some(lifetime);
        self
    }

    /// The token may be used this many times (401 after); 0 is unlimited.
    pub fn uses_limit(mut self, uses: u64) -> Self {
        self.uses_limit = uses;
        self
    }
}

/// A fake Infisical server on `127.0.0.1`, stopped when dropped.
pub struct FakeInfisical {
    addr: SocketAddr,
    admin_token: String,
    shared: state::Store,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for FakeInfisical {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeInfisical")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// An operation of the OCI Auth API, as the fake routes it; see [`FakeInfisical::inject_on`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /api/v1/auth/oci-auth/identities/{identityId}`.
    Attach,
    /// `PATCH /api/v1/auth/oci-auth/identities/{identityId}`.
    Update,
    /// `GET` (and `HEAD`) `/api/v1/auth/oci-auth/identities/{identityId}`.
    Get,
    /// `DELETE /api/v1/auth/oci-auth/identities/{identityId}`.
    Revoke,
    /// `POST /api/v1/auth/oci-auth/login`.
    Login,
}

/// Misbehaviour for the next requests (all, or one endpoint's); see
/// [`FakeInfisical::inject`] and [`FakeInfisical::inject_on`].
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
        Self::start_on(SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts a fake listening on `addr` (port 0 picks a free one; [`base_url`](Self::base_url)
    /// tells which), on the current tokio runtime.
    ///
    /// # Errors
    /// When `addr` cannot be bound.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        let admin_token = format!("fake-admin-{}", Uuid::new_v4().simple());
        let mut state = State {
            strict_signer: true,
            record: true,
            org_slug: "fake-org".to_owned(),
            ..State::default()
        };
        state
            .tokens
            .insert(admin_token.clone(), Token::new(Principal::Admin));
        let shared: state::Store = Arc::new(Mutex::new(state));
        let app = axum::Router::new()
            .fallback(router::handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(addr).await?;
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

    /// The base URL to give a [`Client`](infisical_oci_auth::Client): `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A token that may do everything (the instance administrator's).
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// A client builder for this fake, with the admin token.
    pub fn client_builder(&self) -> ClientBuilder {
        infisical_oci_auth::Client::builder()
            .base_url(self.base_url())
            .token(self.admin_token.clone())
    }

    /// Creates a machine identity with the [`Role::Member`] role (without OCI Auth) and
    /// returns its ID.
    pub fn create_identity(&self) -> IdentityId {
        self.create_identity_with_role(Role::Member)
    }

    /// Creates a machine identity with `role` (without OCI Auth) and returns its ID.
    pub fn create_identity_with_role(&self, role: Role) -> IdentityId {
        let id = IdentityId::from(Uuid::new_v4());
        self.create_identity_with_id_and_role(id, role);
        id
    }

    /// Creates a member machine identity with the given ID (without OCI Auth), e.g. to
    /// replay recorded requests.
    pub fn create_identity_with_id(&self, id: IdentityId) {
        self.create_identity_with_id_and_role(id, Role::Member);
    }

    fn create_identity_with_id_and_role(&self, id: IdentityId, role: Role) {
        lock(&self.shared)
            .identities
            .insert(*id.as_uuid(), Identity::new(role));
    }

    /// Changes the role of `identity`; its tokens act with the new role from their next
    /// request. Returns whether the fake knew the identity.
    pub fn set_role(&self, identity: &IdentityId, role: Role) -> bool {
        lock(&self.shared)
            .identities
            .get_mut(identity.as_uuid())
            .map(|i| i.role = role)
            .is_some()
    }

    /// An access token of `identity`, acting with its role: no expiry, no use limit.
    pub fn identity_token(&self, identity: &IdentityId) -> String {
        self.identity_token_with(identity, TokenOptions::new())
    }

    /// An access token of `identity` with a lifetime and use limit.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use infisical_oci_auth_fake::{FakeInfisical, TokenOptions};
    ///
    /// let fake = FakeInfisical::start().await?;
    /// let identity = fake.create_identity();
    /// let token = fake.identity_token_with(&identity, TokenOptions::new().uses_limit(1));
    /// let client = infisical_oci_auth::Client::builder().base_url(fake.base_url()).token(token).build()?;
    /// let first = client.get_oci_auth(&identity).await.unwrap_err(); // no OCI Auth yet: 400
    /// assert_eq!(first.status().map(|s| s.as_u16()), Some(400));
    /// let second = client.get_oci_auth(&identity).await.unwrap_err(); // use limit spent: 401
    /// assert_eq!(second.status().map(|s| s.as_u16()), Some(401));
    /// # Ok(()) }
    /// ```
    pub fn identity_token_with(&self, identity: &IdentityId, options: TokenOptions) -> String {
        let token = format!("fake-oci-{}", Uuid::new_v4().simple());
        lock(&self.shared).tokens.insert(
            token.clone(),
            Token {
                expires_at: options.expires_in.map(|d| tokio::time::Instant::now() + d),
                uses_limit: options.uses_limit,
                ..Token::new(Principal::Identity(*identity.as_uuid()))
            },
        );
        token
    }

    /// Makes every token issued by OCI login (or [`identity_token`](Self::identity_token))
    /// expire now: its next use answers 403 `TokenError` "Your token has expired. Please
    /// re-authenticate.", as an expired token does on the real server.
    pub fn expire_identity_tokens(&self) {
        let now = tokio::time::Instant::now();
        for token in lock(&self.shared).tokens.values_mut() {
            if let Principal::Identity(_) = token.principal {
                token.expires_at = Some(now);
            }
        }
    }

    /// Makes `token` expire now (403 `TokenError` from then on). Returns whether the fake
    /// knew the token.
    pub fn expire_token(&self, token: &str) -> bool {
        let now = tokio::time::Instant::now();
        lock(&self.shared)
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
    /// use infisical_oci_auth_fake::FakeInfisical;
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
        lock(&self.shared)
            .tokens
            .get_mut(token)
            .map(|t| t.revoked = true)
            .is_some()
    }

    /// Every token the fake issued through OCI login, oldest first.
    pub fn issued_login_tokens(&self) -> Vec<String> {
        lock(&self.shared).login_tokens.clone()
    }

    /// A valid token that has no permission on identities (answers 403 PermissionDenied):
    /// the token of a new identity with [`Role::NoAccess`].
    pub fn token_without_access(&self) -> String {
        let identity = self.create_identity_with_role(Role::NoAccess);
        self.identity_token(&identity)
    }

    /// The OCI Auth configuration of `identity` as stored, if any.
    pub fn oci_auth(&self, identity: &IdentityId) -> Option<IdentityOciAuth> {
        let row = lock(&self.shared)
            .identities
            .get(identity.as_uuid())
            .and_then(|i| i.oci_auth.clone())?;
        // Read as a client reads the server's answer.
        let answer: serde_json::Value =
            serde_json::from_str(&answer::config_answer(&row).text()).ok()?;
        serde_json::from_value(answer.get("identityOciAuth")?.clone()).ok()
    }

    /// Whether the organization is on a paid plan, which allows IP ranges other than
    /// `0.0.0.0/0` and `::/0`. Default: free.
    pub fn set_paid_plan(&self, paid: bool) {
        lock(&self.shared).paid_plan = paid;
    }

    /// Require `x-date` in login headers and refuse `date` alone, as servers of 2025 do
    /// (also with [`Release::V2025_06_22`]). Default: either is accepted.
    pub fn require_x_date(&self, required: bool) {
        lock(&self.shared).require_x_date = required;
    }

    /// Whether login checks the signer as Infisical PR #8215 does: the `Authorization`
    /// header parsed strictly (400 when malformed) and the keyId's user equal to `userOcid`
    /// (401 otherwise). On by default; this crate's signer passes it. Off, login accepts a
    /// request signed by any registered user, as OCI itself does.
    pub fn strict_signer_check(&self, strict: bool) {
        lock(&self.shared).strict_signer = strict;
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
    ) -> Result<(), infisical_oci_auth::Error> {
        let (fingerprint, der) = infisical_oci_auth::oci::read_public_key(public_key_pem)?;
        let mut state = lock(&self.shared);
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

    /// Whether every request is kept for [`requests`](Self::requests). On by default; a
    /// server that runs for long turns it off, so that memory does not grow.
    pub fn record_requests(&self, record: bool) {
        let mut state = lock(&self.shared);
        state.record = record;
        if !record {
            state.log = Vec::new();
        }
    }

    /// Calls `observer` with the method, path and status of each answer, as it is sent: for
    /// a request log. Paths carry no tokens; headers and bodies are not passed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = infisical_oci_auth_fake::FakeInfisical::start().await?;
    /// fake.on_answer(|method, path, status| eprintln!("{method} {path} {status}"));
    /// # Ok(()) }
    /// ```
    pub fn on_answer(&self, observer: impl Fn(&str, &str, u16) + Send + Sync + 'static) {
        lock(&self.shared).observer = Some(Observer(Arc::new(observer)));
    }

    /// Makes the next `times` requests misbehave as `fault` says.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut state = lock(&self.shared);
        state
            .faults
            .extend(std::iter::repeat_n((None, fault), times));
    }

    /// Makes the next `times` requests to `endpoint` misbehave as `fault` says; requests to
    /// other endpoints are answered as usual.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use infisical_oci_auth_fake::{Endpoint, Fault, FakeInfisical};
    ///
    /// let fake = FakeInfisical::start().await?;
    /// let id = fake.create_identity();
    /// let client = fake.client_builder().retry(infisical_oci_auth::RetryPolicy::none()).build()?;
    /// fake.inject_on(Endpoint::Update, Fault::Status { status: 503, retry_after: None }, 1);
    /// // The read is not touched by the fault: it answers 400 (no OCI Auth yet).
    /// assert_eq!(client.get_oci_auth(&id).await.unwrap_err().status().map(|s| s.as_u16()), Some(400));
    /// # Ok(()) }
    /// ```
    pub fn inject_on(&self, endpoint: Endpoint, fault: Fault, times: usize) {
        let mut state = lock(&self.shared);
        state
            .faults
            .extend(std::iter::repeat_n((Some(endpoint), fault), times));
    }

    /// Answers as `release` does from the next request on. Default: [`Release::default`],
    /// the newest.
    pub fn set_release(&self, release: Release) {
        lock(&self.shared).release = release;
    }

    /// The slug of the fake's (root) organization: an OCI login with it as
    /// `organizationSlug` stays in the identity's own organization.
    pub fn organization_slug(&self) -> String {
        lock(&self.shared).org_slug.clone()
    }

    /// Creates a sub-organization of the root organization with `slug` (no members).
    pub fn create_sub_organization(&self, slug: &str) {
        lock(&self.shared)
            .sub_orgs
            .entry(slug.to_owned())
            .or_default();
    }

    /// Makes `identity` a member of the sub-organization `slug`, so that it may log in to
    /// it; returns whether both exist.
    pub fn add_to_sub_organization(&self, identity: &IdentityId, slug: &str) -> bool {
        let mut state = lock(&self.shared);
        if !state.identities.contains_key(identity.as_uuid()) {
            return false;
        }
        match state.sub_orgs.get_mut(slug) {
            Some(members) => {
                members.insert(*identity.as_uuid());
                true
            }
            None => false,
        }
    }

    /// Creates a member machine identity in the sub-organization `slug` (created if
    /// needed): its logins stay in that sub-organization whatever slug they name.
    pub fn create_identity_in_sub_organization(&self, slug: &str) -> IdentityId {
        let id = IdentityId::from(Uuid::new_v4());
        let mut state = lock(&self.shared);
        state
            .sub_orgs
            .entry(slug.to_owned())
            .or_default()
            .insert(*id.as_uuid());
        let mut identity = Identity::new(Role::Member);
        identity.sub_org = Some(slug.to_owned());
        state.identities.insert(*id.as_uuid(), identity);
        id
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.shared).log.clone()
    }

    /// How many logins succeeded or were tried (requests to the login route).
    pub fn login_count(&self) -> usize {
        lock(&self.shared)
            .log
            .iter()
            .filter(|r| r.path == router::LOGIN)
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

/// What the fake imitates, each fact with its source (`FACTS.md` in the crate): the
/// comments in the fake cite its sections.
#[doc = include_str!("../FACTS.md")]
pub mod facts {}

/// The README's example, compiled as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
