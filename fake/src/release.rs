//! Which Infisical release the fake answers as.

use super::zod::Dialect;

/// The Infisical server release whose answers [`FakeInfisical`](super::FakeInfisical)
/// gives. The OCI Auth routes' requests and stored configuration are the same in both; what
/// differs is listed on each variant. Default: the newest.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use infisical_oci_auth_fake::{FakeInfisical, Release};
///
/// // For code that talks to a self-hosted server of 2025.
/// let fake = FakeInfisical::start().await?;
/// fake.set_release(Release::V2025_06_22);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Release {
    /// Infisical of 2025-06-22 (zod 3.24): login requires `x-date` and ignores the
    /// organization slug's sub-organizations; login tokens expire after `expiresIn` and a
    /// JWT without `exp` when it is 0; a revoked token is "No identity access token found";
    /// an over-long allow-list is a 500.
    V2025_06_22,
    /// Infisical of 2026-06-30 (zod 3.25): login takes `date` or `x-date` and scopes the
    /// session to `organizationSlug`; login JWTs carry `exp` (TTL capped at 90 days, or the
    /// max TTL for TTL 0); revoked tokens and revoked auth methods have their own 401
    /// messages; failed logins carry `details.reasonCode`; an over-long allow-list is a 422.
    #[default]
    V2026_06_30,
}

impl Release {
    /// How its zod reads attach and update bodies.
    pub(super) fn zod_dialect(self) -> Dialect {
        Dialect {
            usernames_checked_first: self == Release::V2026_06_30,
        }
    }

    /// The query whose failure a non-UUID identity id surfaces as (FACTS.md "Paths").
    pub(super) fn identity_lookup_query(self) -> &'static str {
        match self {
            Release::V2025_06_22 => "FindOne",
            Release::V2026_06_30 => "MembershipGetByIdentityId",
        }
    }

    /// Whether this release is the 2026 one.
    pub(super) fn is_2026(self) -> bool {
        self == Release::V2026_06_30
    }
}

/// A release by its date, as the binary's `--release` takes it: `2025-06-22` or
/// `2026-06-30`.
impl std::str::FromStr for Release {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "2025-06-22" => Ok(Release::V2025_06_22),
            "2026-06-30" => Ok(Release::V2026_06_30),
            other => Err(format!(
                "unknown release {other:?}; the releases are 2025-06-22 and 2026-06-30"
            )),
        }
    }
}
