//! Validated values and request types: every rule of the server, each in one place.
//!
//! Each newtype has a private field and one way in, `new`, which runs the type's rule;
//! `FromStr`, `TryFrom` and `Deserialize` all go through it, and `Display`/`Serialize`
//! write the normalised wire form. The request types, [`UpdateOciAuth`] and [`AttachOciAuth`],
//! are built only from these values (through their builders or a validating `Deserialize` of
//! the camelCase wire JSON), so a body the server would reject, or could not store, cannot
//! be represented.

mod attach;
mod identity_id;
mod identity_oci_auth;
mod numbers;
mod organization_slug;
pub mod rules;
#[cfg(feature = "schemars")]
mod schema;
mod tenancy;
mod trusted_ip;
mod update;
mod usernames;
mod validation;
mod wire;

pub use attach::{AttachOciAuth, AttachOciAuthBuilder};
pub use identity_id::IdentityId;
pub use identity_oci_auth::{IdentityOciAuth, TrustedIpEntry};
pub use numbers::{AccessTokenTtl, NumUsesLimit};
pub use organization_slug::OrganizationSlug;
pub use tenancy::TenancyOcid;
pub use trusted_ip::TrustedIp;
pub use update::{UpdateOciAuth, UpdateOciAuthBuilder};
pub use usernames::AllowedUsernames;
pub use validation::{Rule, ValidationError};

pub(crate) use numbers::{check_ttl_against_stored, check_ttl_within_max};
pub(crate) use usernames::parse_allowed_usernames;
