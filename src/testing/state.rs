//! What the fake server remembers: identities, their OCI Auth, tokens, OCI users, faults and
//! the request log.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use tokio::time::Instant;
use uuid::Uuid;

use crate::model::IdentityOciAuth;

/// What a bearer token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Principal {
    /// The instance administrator: everything.
    Admin,
    /// A valid token without permissions on identities (403 PermissionDenied).
    NoAccess,
    /// A token issued by OCI login to this identity (member role).
    Identity(Uuid),
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) principal: Principal,
    /// `None`: never expires.
    pub(super) expires_at: Option<Instant>,
    /// 0: unlimited.
    pub(super) uses_limit: u64,
    pub(super) uses: u64,
    /// Revoked (or its use limit spent): refused with 401.
    pub(super) revoked: bool,
}

impl Token {
    pub(super) fn new(principal: Principal) -> Self {
        Token {
            principal,
            expires_at: None,
            uses_limit: 0,
            uses: 0,
            revoked: false,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Identity {
    pub(super) oci_auth: Option<IdentityOciAuth>,
}

/// A user of the fake OCI identity service that login requests are checked against.
#[derive(Debug, Clone)]
pub(super) struct OciUser {
    pub(super) tenancy_ocid: String,
    pub(super) name: String,
    /// The OCI key fingerprint and the public key (SubjectPublicKeyInfo DER).
    pub(super) keys: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) identities: HashMap<Uuid, Identity>,
    pub(super) tokens: HashMap<String, Token>,
    /// The tokens issued by login, in order.
    pub(super) login_tokens: Vec<String>,
    pub(super) oci_users: HashMap<String, OciUser>,
    pub(super) paid_plan: bool,
    pub(super) require_x_date: bool,
    pub(super) faults: VecDeque<super::Fault>,
    pub(super) log: Vec<super::ReceivedRequest>,
}

/// Now, at the millisecond precision the real server stores.
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// A token's expiry for a TTL in seconds; 0 never expires.
pub(super) fn expiry(ttl: u64) -> Option<Instant> {
    (ttl > 0).then(|| Instant::now() + Duration::from_secs(ttl))
}

/// A request id in the server's format, `req-` and 14 characters.
pub(super) fn req_id() -> String {
    let id = Uuid::new_v4().simple().to_string();
    format!("req-{}", &id[..14])
}
