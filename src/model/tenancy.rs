use std::fmt;

use super::validation::{Rule, ValidationError, js_trim, shown, string_newtype_impls};

/// The OCID of an Oracle Cloud tenancy, as the server accepts and can store it.
///
/// Invariant: trimmed (as JavaScript trims), of the form `ocid1.tenancy.oc1.<id>` with a
/// non-empty `<id>` holding no line feed, at most 255 characters (the size of the server's
/// column; a longer value makes it answer 500), and no NUL character (Postgres refuses it).
/// Wire form: the string itself.
///
/// ```
/// use infisical_oci_auth::model::TenancyOcid;
///
/// let ocid = TenancyOcid::new("  ocid1.tenancy.oc1..aaaa ").unwrap();
/// assert_eq!(ocid.as_str(), "ocid1.tenancy.oc1..aaaa");
/// assert!(TenancyOcid::new("ocid1.user.oc1..aaaa").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenancyOcid(String);

/// The wire name of the field.
const FIELD: &str = "tenancyOcid";
const PREFIX: &str = "ocid1.tenancy.oc1.";
/// The server stores the OCID in a `varchar(255)` column.
pub(crate) const MAX_CHARS: usize = 255;

impl TenancyOcid {
    /// Validates and normalises a tenancy OCID.
    ///
    /// # Errors
    /// A [`ValidationError`] for `tenancyOcid` when the trimmed value is empty, does not have
    /// the `ocid1.tenancy.oc1.` form, is longer than 255 characters or holds a NUL.
    pub fn new(value: &str) -> Result<Self, ValidationError> {
        let value = js_trim(value);
        if value.is_empty() {
            return Err(ValidationError::new(
                FIELD,
                "must not be empty; expected ocid1.tenancy.oc1.<id>",
            )
            .with_kind(Rule::Empty));
        }
        let id = value.strip_prefix(PREFIX).unwrap_or_default();
        if id.is_empty() || id.contains('\n') {
            return Err(ValidationError::new(
                FIELD,
                format!(
                    "must have the form ocid1.tenancy.oc1.<id>, got {}",
                    shown(value)
                ),
            ));
        }
        if value.contains('\0') {
            return Err(
                ValidationError::new(FIELD, "must not contain a NUL character")
                    .with_kind(Rule::Storage),
            );
        }
        let chars = value.chars().count();
        if chars > MAX_CHARS {
            return Err(ValidationError::new(
                FIELD,
                format!(
                    "must be at most {MAX_CHARS} characters (the server's column size), got {chars}"
                ),
            )
            .with_kind(Rule::Storage));
        }
        Ok(Self(value.to_owned()))
    }

    /// The OCID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenancyOcid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TenancyOcid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(TenancyOcid);

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(s: &str) -> String {
        let e = TenancyOcid::new(s).unwrap_err();
        assert_eq!(e.field(), "tenancyOcid");
        e.reason().to_owned()
    }

    #[test]
    fn accepts_and_trims() {
        assert_eq!(
            TenancyOcid::new("\tocid1.tenancy.oc1..bbbb\n")
                .unwrap()
                .as_str(),
            "ocid1.tenancy.oc1..bbbb"
        );
        assert_eq!(
            TenancyOcid::new("ocid1.tenancy.oc1.x").unwrap().to_string(),
            "ocid1.tenancy.oc1.x"
        );
    }

    #[test]
    fn rejects_what_the_server_rejects() {
        assert!(reason("   ").contains("must not be empty"));
        assert!(reason("ocid1.tenancy.oc1.").contains("form"));
        assert!(reason("ocid1.user.oc1..aaaa").contains("form"));
        assert!(reason("ocid1.tenancy.oc1..a\nb").contains("form"));
        assert!(reason("ocid1.tenancy.oc1..a\0b").contains("NUL"));
    }

    #[test]
    fn length_limit_is_the_column_size() {
        let ok = format!("ocid1.tenancy.oc1..{}", "a".repeat(255 - 19));
        assert_eq!(ok.len(), 255);
        assert!(TenancyOcid::new(&ok).is_ok());
        assert!(reason(&format!("{ok}a")).contains("at most 255"));
    }

    #[test]
    fn serde_round_trip_validates() {
        let t: TenancyOcid = serde_json::from_str("\" ocid1.tenancy.oc1..b \"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"ocid1.tenancy.oc1..b\""
        );
        assert!(serde_json::from_str::<TenancyOcid>("\"nope\"").is_err());
    }
}
