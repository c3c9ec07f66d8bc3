use std::fmt;

use super::validation::{Rule, ValidationError, js_len, js_trim, shown, string_newtype_impls};

/// The slug of an Infisical organization or sub-organization, as OCI login's
/// `organizationSlug` accepts it (Infisical's `slugSchema`, servers of 2026).
///
/// Invariant: trimmed (as JavaScript trims), 1 to 64 characters, lowercase ASCII letters
/// and digits in runs joined by single hyphens (`my-org`, `team-2`): a value equal to its
/// own slugified form. Wire form: the string itself.
///
/// ```
/// use infisical_oci_auth::model::OrganizationSlug;
///
/// assert_eq!(OrganizationSlug::new(" platform-team ").unwrap().as_str(), "platform-team");
/// let err = OrganizationSlug::new("Platform Team").unwrap_err();
/// assert_eq!(err.field(), "organizationSlug");
/// assert!(err.reason().contains("lowercase letters, numbers, and hyphens"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrganizationSlug(String);

/// The wire name of the field.
const FIELD: &str = "organizationSlug";
/// The longest slug, in characters (`slugSchema`'s `max(64)`).
pub(crate) const MAX_CHARS: usize = 64;

impl OrganizationSlug {
    /// Validates and normalises (trims) an organization slug.
    ///
    /// # Errors
    /// A [`ValidationError`] for `organizationSlug` when the trimmed value is empty, longer
    /// than 64 characters, or not of lowercase letters, digits and single inner hyphens.
    pub fn new(value: &str) -> Result<Self, ValidationError> {
        let value = js_trim(value);
        if value.is_empty() {
            return Err(ValidationError::new(
                FIELD,
                "must not be empty; expected a slug such as my-org",
            )
            .with_kind(Rule::Empty));
        }
        let length = js_len(value);
        if length > MAX_CHARS {
            return Err(ValidationError::new(
                FIELD,
                format!("must be at most {MAX_CHARS} characters, got {length}"),
            )
            .with_kind(Rule::TooLong));
        }
        if !is_slug(value) {
            return Err(ValidationError::new(
                FIELD,
                format!(
                    "may contain only lowercase letters, numbers, and hyphens between them \
                     (e.g. my-org), got {}",
                    shown(value)
                ),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `s` equals its own slugified form as Infisical's `slugSchema` checks it
/// (`slugify(s, { lowercase: true }) === s`): runs of lowercase ASCII letters and digits
/// joined by single hyphens, no hyphen first or last. Length is not checked here.
///
/// ```
/// use infisical_oci_auth::model::rules::is_slug;
///
/// assert!(is_slug("team-2"));
/// assert!(!is_slug("team--2") && !is_slug("-team") && !is_slug("Team") && !is_slug(""));
/// ```
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|run| {
            !run.is_empty()
                && run
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

impl fmt::Display for OrganizationSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for OrganizationSlug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(OrganizationSlug);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_server_accepts() {
        for ok in ["a", "my-org", "team-2", "0", &"a".repeat(64)] {
            assert_eq!(OrganizationSlug::new(ok).unwrap().as_str(), ok);
        }
        assert_eq!(
            OrganizationSlug::new("\tmy-org ").unwrap().as_str(),
            "my-org"
        );
    }

    #[test]
    fn refuses_what_the_server_refuses_naming_field_and_rule() {
        for (bad, rule) in [
            ("", Rule::Empty),
            ("  ", Rule::Empty),
            (&*"a".repeat(65), Rule::TooLong),
            ("My-Org", Rule::Invalid),
            ("my org", Rule::Invalid),
            ("my--org", Rule::Invalid),
            ("-org", Rule::Invalid),
            ("org-", Rule::Invalid),
            ("my_org", Rule::Invalid),
            ("straße", Rule::Invalid),
        ] {
            let e = OrganizationSlug::new(bad).unwrap_err();
            assert_eq!((e.field(), e.rule()), ("organizationSlug", rule), "{bad:?}");
        }
    }

    #[test]
    fn serde_validates() {
        let s: OrganizationSlug = serde_json::from_str("\" my-org \"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"my-org\"");
        assert!(serde_json::from_str::<OrganizationSlug>("\"My Org\"").is_err());
    }
}
