use std::fmt;

use uuid::Uuid;

use super::validation::{ValidationError, js_trim, shown, string_newtype_impls};

/// The ID of a machine identity: a UUID.
///
/// The server answers 500 to a path that is not a UUID, so any other value is refused here.
/// Wire form: the hyphenated lowercase UUID.
///
/// ```
/// use infisical_oci_auth::model::IdentityId;
///
/// let id: IdentityId = "6511E966-169D-4653-A191-C559FE230086".parse().unwrap();
/// assert_eq!(id.to_string(), "6511e966-169d-4653-a191-c559fe230086");
/// assert!("not-a-uuid".parse::<IdentityId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentityId(Uuid);

impl IdentityId {
    /// Parses an identity ID.
    ///
    /// # Errors
    /// A [`ValidationError`] for `identityId` when the trimmed text is not a UUID.
    pub fn new(value: &str) -> Result<Self, ValidationError> {
        let value = js_trim(value);
        Uuid::try_parse(value).map(Self).map_err(|_| {
            ValidationError::new(
                "identityId",
                format!(
                    "{} is not a UUID (e.g. 6511e966-169d-4653-a191-c559fe230086)",
                    shown(value)
                ),
            )
        })
    }

    /// The UUID.
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl From<Uuid> for IdentityId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl fmt::Display for IdentityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

string_newtype_impls!(IdentityId);
