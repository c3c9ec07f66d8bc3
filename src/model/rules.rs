//! The server's rules as functions and constants, for code that must judge a value as
//! Infisical does without building a request: the validated types call them, and so does
//! the fake server (crate `infisical-oci-auth-fake`). Each is the one home of its rule.
//!
//! ```
//! use infisical_oci_auth::model::rules;
//!
//! // Update treats a zero TTL as "not given"; attach compares it.
//! assert!(!rules::ttl_exceeds_max(0.0, 60.0, true));
//! assert!(rules::ttl_exceeds_max(120.0, 60.0, false));
//! assert!(rules::is_free_plan_range("::/0"));
//! assert_eq!(rules::as_javascript_number(9_007_199_254_740_993), 9_007_199_254_740_992);
//! ```

pub use super::numbers::{
    ATTACH_MIN_MAX_TTL, as_javascript_number, ttl_exceeds_max, update_refused_by_stored_ttls,
};
pub use super::organization_slug::is_slug;
pub use super::trusted_ip::{DEFAULT_TRUSTED_IPS, MIN_TRUSTED_IPS, is_free_plan_range};
pub use super::usernames::parse_allowed_usernames;
pub use super::validation::js_trim;
pub use super::wire::{whole_number, zod_type_name};
