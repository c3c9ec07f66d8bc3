use std::fmt;

use super::validation::{Rule, ValidationError};

/// A token lifetime in seconds, `0..=315360000` (ten years), as the server accepts it.
///
/// Used for both `accessTokenTTL` and `accessTokenMaxTTL`. On update, 0 means "not set" in
/// the server's TTL ≤ max TTL checks; on attach the max TTL must be at least 1.
///
/// ```
/// use infisical_oci_auth::model::AccessTokenTtl;
///
/// assert_eq!(AccessTokenTtl::new(3600).unwrap().get(), 3600);
/// assert!(AccessTokenTtl::new(315_360_001).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct AccessTokenTtl(u32);

impl AccessTokenTtl {
    /// The largest lifetime the server accepts: 315360000 s (ten years).
    pub const MAX: Self = Self(315_360_000);
    /// The default TTL and max TTL of attach: 2592000 s (30 days).
    pub const DEFAULT: Self = Self(2_592_000);
    /// The smallest lifetime: 0 (for the TTL, "the max TTL"; for the max TTL on update,
    /// unlimited).
    pub const MIN: Self = Self(0);

    /// Validates a TTL in seconds for `accessTokenTTL`.
    ///
    /// # Errors
    /// A [`ValidationError`] for `accessTokenTTL` above 315360000.
    pub fn new(seconds: u64) -> Result<Self, ValidationError> {
        Self::for_field("accessTokenTTL", seconds)
    }

    pub(crate) fn for_field(field: &str, seconds: u64) -> Result<Self, ValidationError> {
        match u32::try_from(seconds) {
            Ok(s) if s <= Self::MAX.0 => Ok(Self(s)),
            _ => Err(ValidationError::new(
                field,
                format!("must be from 0 to {} seconds, got {seconds}", Self::MAX.0),
            )
            .with_kind(Rule::AboveMaximum)),
        }
    }

    /// The lifetime in seconds.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The lifetime, or `None` for 0, which the server treats as "not given" when it
    /// compares TTLs on update.
    fn nonzero(self) -> Option<u32> {
        (self.0 != 0).then_some(self.0)
    }
}

impl fmt::Display for AccessTokenTtl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0)
    }
}

/// How many times an access token may be used; 0 means unlimited.
///
/// The server takes any non-negative integer but answers 500 beyond 2^63, and JSON numbers
/// are exact only up to 2^53 − 1, so that is the largest value accepted.
///
/// ```
/// use infisical_oci_auth::model::NumUsesLimit;
///
/// assert_eq!(NumUsesLimit::new(5).unwrap().get(), 5);
/// assert!(NumUsesLimit::new(1 << 53).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
#[serde(transparent)]
pub struct NumUsesLimit(u64);

impl NumUsesLimit {
    /// No limit: 0.
    pub const UNLIMITED: Self = Self(0);
    /// Attach's default: [`UNLIMITED`](Self::UNLIMITED).
    pub const DEFAULT: Self = Self::UNLIMITED;
    /// 2^53 − 1, the largest integer a JSON number carries exactly.
    pub const MAX: Self = Self((1 << 53) - 1);

    /// Validates a use limit.
    ///
    /// # Errors
    /// A [`ValidationError`] for `accessTokenNumUsesLimit` above 2^53 − 1.
    pub fn new(uses: u64) -> Result<Self, ValidationError> {
        if uses > Self::MAX.0 {
            return Err(ValidationError::new(
                "accessTokenNumUsesLimit",
                format!("must be from 0 (unlimited) to {}, got {uses}", Self::MAX.0),
            )
            .with_kind(Rule::AboveMaximum));
        }
        Ok(Self(uses))
    }

    /// The limit; 0 is unlimited.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Attach's `accessTokenMaxTTL` is at least 1 (zod `.min(1)`); update's may be 0.
pub const ATTACH_MIN_MAX_TTL: u32 = 1;

/// How the server reads a JSON integer: as a JavaScript number, so one beyond 2^53 is
/// rounded to the nearest double before it is checked and stored.
pub fn as_javascript_number(n: u64) -> u64 {
    n as f64 as u64
}

/// The request-body rule: TTL ≤ max TTL. On update (`zero_means_unset`) it applies only when
/// both are given and non-zero; on attach always.
pub(crate) fn check_ttl_within_max(
    ttl: Option<AccessTokenTtl>,
    max: Option<AccessTokenTtl>,
    zero_means_unset: bool,
) -> Result<(), ValidationError> {
    match (ttl, max) {
        (Some(t), Some(m)) if ttl_exceeds_max(t.0.into(), m.0.into(), zero_means_unset) => {
            Err(ttl_over_max(t.0, m.0))
        }
        _ => Ok(()),
    }
}

/// The server's TTL ≤ max TTL comparison, on raw numbers: on update a zero on
/// either side means "not given" and nothing is compared.
/// Numbers are JavaScript's, as the server compares them (the fake passes values that
/// failed their own checks, e.g. `-1` or `1.5`).
pub fn ttl_exceeds_max(ttl: f64, max: f64, zero_means_unset: bool) -> bool {
    if zero_means_unset && (ttl == 0.0 || max == 0.0) {
        return false;
    }
    ttl > max
}

/// The server's second check on update, against what it has stored: a given non-zero value
/// replaces the stored one, and the TTL may not exceed a non-zero max TTL (the server
/// answers 400).
pub(crate) fn check_ttl_against_stored(
    ttl: Option<AccessTokenTtl>,
    max: Option<AccessTokenTtl>,
    stored_ttl: u64,
    stored_max: u64,
) -> Result<(), ValidationError> {
    let ttl = ttl
        .and_then(AccessTokenTtl::nonzero)
        .map_or(stored_ttl, u64::from);
    let max = max
        .and_then(AccessTokenTtl::nonzero)
        .map_or(stored_max, u64::from);
    if max > 0 && ttl > max {
        return Err(ttl_over_max(ttl, max));
    }
    Ok(())
}

/// The server's check of an update against its stored TTLs, as its JavaScript runs it:
/// `(maxTTL || storedMax) > 0 && (ttl || storedTtl) > (maxTTL || storedMax)`, where a zero
/// or absent value in the body falls back to the stored one and the stored values are the
/// database's bigint columns, which arrive as **text**. When neither side comes from the
/// body the comparison is between two strings: stored 200 and 1000 compare as
/// `"200" > "1000"`, true, and the update is refused (400 "Access token TTL cannot be
/// greater than max TTL") although 200 ≤ 1000. With either TTL in the body it is numeric.
///
/// `true` when the server refuses the update. (Seen on Infisical of 2025-06-22 and
/// 2026-06-30.) An update that sends both TTLs, as
/// [`Client::modify_oci_auth`](crate::Client::modify_oci_auth) does, is never refused
/// for text's sake.
///
/// ```
/// use infisical_oci_auth::model::rules::update_refused_by_stored_ttls;
///
/// assert!(update_refused_by_stored_ttls(None, None, 200, 1000));
/// assert!(!update_refused_by_stored_ttls(Some(200), None, 200, 1000));
/// assert!(!update_refused_by_stored_ttls(None, Some(1000), 200, 1000));
/// assert!(update_refused_by_stored_ttls(Some(2000), None, 200, 1000));
/// ```
pub fn update_refused_by_stored_ttls(
    ttl: Option<u64>,
    max: Option<u64>,
    stored_ttl: u64,
    stored_max: u64,
) -> bool {
    let ttl = ttl.filter(|t| *t != 0);
    let max = max.filter(|m| *m != 0);
    let max_value = max.unwrap_or(stored_max);
    if max_value == 0 {
        return false;
    }
    match (ttl, max) {
        (None, None) => stored_ttl.to_string() > stored_max.to_string(),
        (ttl, _) => ttl.unwrap_or(stored_ttl) > max_value,
    }
}

fn ttl_over_max(ttl: impl fmt::Display, max: impl fmt::Display) -> ValidationError {
    ValidationError::new(
        "accessTokenTTL",
        format!("must not exceed accessTokenMaxTTL ({max} s), got {ttl} s"),
    )
    .with_kind(Rule::TtlAboveMax)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> Option<AccessTokenTtl> {
        Some(AccessTokenTtl::new(s).unwrap())
    }

    #[test]
    fn ttl_range() {
        assert!(AccessTokenTtl::new(0).is_ok());
        assert!(AccessTokenTtl::new(315_360_000).is_ok());
        let e = AccessTokenTtl::new(315_360_001).unwrap_err();
        assert_eq!(e.field(), "accessTokenTTL");
        assert!(AccessTokenTtl::new(u64::MAX).is_err());
        assert_eq!(
            AccessTokenTtl::for_field("accessTokenMaxTTL", 1 << 40)
                .unwrap_err()
                .field(),
            "accessTokenMaxTTL"
        );
    }

    #[test]
    fn body_rule_update_ignores_zero() {
        assert!(check_ttl_within_max(t(7200), t(3600), true).is_err());
        assert!(check_ttl_within_max(t(7200), t(0), true).is_ok());
        assert!(check_ttl_within_max(t(0), t(60), true).is_ok());
        assert!(check_ttl_within_max(t(7200), None, true).is_ok());
        assert!(check_ttl_within_max(t(60), t(60), true).is_ok());
    }

    #[test]
    fn body_rule_attach_always() {
        assert!(check_ttl_within_max(t(1), t(0), false).is_err());
        assert!(check_ttl_within_max(t(0), t(1), false).is_ok());
    }

    #[test]
    fn stored_rule_matches_the_server() {
        // Transcript 14: TTL above the stored max TTL.
        assert!(check_ttl_against_stored(t(7200), None, 1800, 3600).is_err());
        // TTL 0 with max 60 is compared with the stored TTL.
        assert!(check_ttl_against_stored(t(0), t(60), 1800, 3600).is_err());
        assert!(check_ttl_against_stored(t(0), t(60), 30, 3600).is_ok());
        // After max TTL 0 is stored, any TTL passes.
        assert!(check_ttl_against_stored(t(9000), None, 1800, 0).is_ok());
    }

    #[test]
    fn num_uses_limit_range() {
        assert!(NumUsesLimit::new((1 << 53) - 1).is_ok());
        assert_eq!(
            NumUsesLimit::new(1 << 53).unwrap_err().field(),
            "accessTokenNumUsesLimit"
        );
    }
}
