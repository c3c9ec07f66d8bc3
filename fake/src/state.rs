//! What the fake server remembers: identities, their OCI Auth, tokens, OCI users, faults and
//! the request log.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, SubsecRound, Utc};
use tokio::time::Instant;
use uuid::Uuid;

use infisical_oci_auth::model::IdentityId;

/// Who a bearer token acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Principal {
    /// A user with the organization's admin role (the fake's admin token).
    Admin,
    /// A machine identity, with the role it holds in the organization.
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
    /// Issued by OCI login for an OCI Auth that was revoked since: refused with 401.
    pub(super) method_revoked: bool,
    /// Issued by OCI login: revoking the identity's OCI Auth revokes it.
    pub(super) from_oci_login: bool,
}

impl Token {
    pub(super) fn new(principal: Principal) -> Self {
        Token {
            principal,
            expires_at: None,
            uses_limit: 0,
            uses: 0,
            revoked: false,
            method_revoked: false,
            from_oci_login: false,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Identity {
    pub(super) role: super::Role,
    pub(super) oci_auth: Option<OciAuthRow>,
    /// The sub-organization the identity was created in; `None`: the root organization.
    pub(super) sub_org: Option<String>,
}

impl Identity {
    pub(super) fn new(role: super::Role) -> Self {
        Identity {
            role,
            oci_auth: None,
            sub_org: None,
        }
    }
}

/// A user of the fake OCI identity service that login requests are checked against.
#[derive(Debug, Clone)]
pub(super) struct OciUser {
    pub(super) tenancy_ocid: String,
    pub(super) name: String,
    /// The OCI key fingerprint and the public key (SubjectPublicKeyInfo DER).
    pub(super) keys: Vec<(String, Vec<u8>)>,
}

/// An identity's OCI Auth as the server's table `identity_oci_auths` holds it: what every
/// operation answers (rendered by `answer::config_answer`).
#[derive(Debug, Clone)]
pub(super) struct OciAuthRow {
    pub(super) id: Uuid,
    pub(super) identity_id: IdentityId,
    pub(super) auth_type: String,
    pub(super) tenancy_ocid: String,
    pub(super) allowed_usernames: Option<String>,
    pub(super) access_token_ttl: u64,
    pub(super) access_token_max_ttl: u64,
    pub(super) access_token_num_uses_limit: u64,
    pub(super) access_token_trusted_ips: Vec<IpEntry>,
    pub(super) access_token_period: u64,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

/// A trusted IP as upstream `extractIPDetails` stores it: the address, its family, and the
/// prefix for a range.
#[derive(Debug, Clone)]
pub(super) struct IpEntry {
    pub(super) ip_address: String,
    pub(super) family: String,
    pub(super) prefix: Option<u8>,
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
    /// Infisical PR #8215's signer check at login.
    pub(super) strict_signer: bool,
    /// Faults waiting for a request, each for one endpoint or (`None`) for any.
    pub(super) faults: std::collections::VecDeque<(Option<super::Endpoint>, super::Fault)>,
    /// The release whose answers the fake gives.
    pub(super) release: super::Release,
    /// The root organization's slug.
    pub(super) org_slug: String,
    /// Sub-organizations of the root organization by slug, with the identities that are
    /// members of each.
    pub(super) sub_orgs: HashMap<String, HashSet<Uuid>>,
    /// Every request received, while `record` is on.
    pub(super) log: Vec<super::ReceivedRequest>,
    /// Whether requests are kept in `log` (on by default; a long-running server turns it
    /// off).
    pub(super) record: bool,
    /// Told of each answer: method, path and status.
    pub(super) observer: Option<super::Observer>,
}

/// The state the fake's handlers share: what the real server keeps in its database.
pub(super) type Store = Arc<Mutex<State>>;

/// Locks the state; a panic in another handler does not make it unusable.
pub(super) fn lock(shared: &Store) -> MutexGuard<'_, State> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Now, at the millisecond precision the real server stores.
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// A token's expiry for a TTL in seconds; 0 never expires.
pub(super) fn expiry(ttl: u64) -> Option<Instant> {
    (ttl > 0).then(|| Instant::now() + std::time::Duration::from_secs(ttl))
}

/// A request id in the server's format, `req-` and 14 characters.
pub(super) fn req_id() -> String {
    let id = Uuid::new_v4().simple().to_string();
    format!("req-{}", &id[..14])
}
