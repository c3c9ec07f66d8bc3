use std::fmt;

use super::validation::{Rule, ValidationError, js_len, js_trim, shown, string_newtype_impls};

/// A non-empty allow-list of OCI usernames, in the form the server stores.
///
/// Input is a comma-separated list. The server trims it (at most 500 characters after
/// trimming), splits it on `,`, trims each name, drops empty ones, requires each to match
/// `^[a-zA-Z0-9._@-]+$`, and stores the names joined with `", "` in a `varchar(255)` column:
/// a joined list longer than 255 characters makes it answer 500, so it is refused here.
/// An empty list means "any username"; it is not an `AllowedUsernames` but `None` in the
/// request types. Wire form: the joined string, e.g. `"alice, bob"`.
///
/// ```
/// use infisical_oci_auth::model::AllowedUsernames;
///
/// let names = AllowedUsernames::new(" alice , bob,,carol ").unwrap();
/// assert_eq!(names.as_str(), "alice, bob, carol");
/// assert_eq!(names.iter().collect::<Vec<_>>(), ["alice", "bob", "carol"]);
/// assert!(AllowedUsernames::new("bob smith").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AllowedUsernames(String);

const FIELD: &str = "allowedUsernames";
/// zod `.max(500)` on the trimmed input, counted in UTF-16 units.
pub(crate) const MAX_INPUT: usize = 500;
/// The server stores the joined list in a `varchar(255)` column.
const MAX_STORED: usize = 255;
const SEPARATOR: &str = ", ";

/// The server's rule for `allowedUsernames`: the input trimmed and at most 500 characters,
/// split on `,`, items trimmed and empties dropped, each of letters, digits and `. _ @ -`,
/// stored joined by `", "` in at most 255 characters. `Ok(None)` means any username is
/// allowed (nothing left after trimming).
///
/// ```
/// use infisical_oci_auth::model::rules::parse_allowed_usernames;
///
/// let list = parse_allowed_usernames(" alice,bob ,, ")?.unwrap();
/// assert_eq!(list.as_str(), "alice, bob");
/// assert_eq!(parse_allowed_usernames(" ")?, None);
/// assert!(parse_allowed_usernames("al ice").is_err());
/// # Ok::<(), infisical_oci_auth::model::ValidationError>(())
/// ```
///
/// # Errors
/// A [`ValidationError`] for `allowedUsernames` naming the rule broken.
pub fn parse_allowed_usernames(raw: &str) -> Result<Option<AllowedUsernames>, ValidationError> {
    let trimmed = js_trim(raw);
    let len = js_len(trimmed);
    if len > MAX_INPUT {
        return Err(ValidationError::new(
            FIELD,
            format!("must be at most {MAX_INPUT} characters, got {len}"),
        )
        .with_kind(Rule::TooLong));
    }
    let mut joined = String::with_capacity(trimmed.len());
    for name in trimmed.split(',').map(js_trim).filter(|n| !n.is_empty()) {
        if !is_valid_username(name) {
            return Err(ValidationError::new(
                FIELD,
                format!(
                    "username {} is invalid: names may hold only letters, digits and . _ @ -",
                    shown(name)
                ),
            ));
        }
        if !joined.is_empty() {
            joined.push_str(SEPARATOR);
        }
        joined.push_str(name);
    }
    if joined.is_empty() {
        return Ok(None);
    }
    if joined.len() > MAX_STORED {
        return Err(ValidationError::new(
            FIELD,
            format!(
                "the list is stored as {:?}-separated names in at most {MAX_STORED} characters, \
                 got {}",
                SEPARATOR,
                joined.len()
            ),
        )
        .with_kind(Rule::Storage));
    }
    Ok(Some(AllowedUsernames(joined)))
}

fn is_valid_username(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'))
}

impl AllowedUsernames {
    /// Validates and normalises a comma-separated list of usernames.
    ///
    /// # Errors
    /// A [`ValidationError`] for `allowedUsernames` when a name holds a character other than
    /// letters, digits and `. _ @ -`, the trimmed input is over 500 characters, the stored
    /// form would be over 255, or the list is empty (use `allow_any_username()` on the
    /// builders for that).
    pub fn new(list: &str) -> Result<Self, ValidationError> {
        parse_allowed_usernames(list)?.ok_or_else(|| {
            ValidationError::new(
                FIELD,
                "the list is empty; to allow any username, use allow_any_username()",
            )
        })
    }

    /// Builds the list from separate names.
    ///
    /// # Errors
    /// As [`AllowedUsernames::new`]; a name containing `,` is refused.
    pub fn from_names<I, S>(names: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list = String::new();
        for name in names {
            let name = name.as_ref();
            if name.contains(',') {
                return Err(ValidationError::new(
                    FIELD,
                    format!("username {} must not contain ','", shown(name)),
                ));
            }
            list.push_str(name);
            list.push(',');
        }
        Self::new(&list)
    }

    /// The stored form: the names joined with `", "`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split(SEPARATOR)
    }

    /// Whether `username` is on the list, compared as the server does at login.
    pub fn allows(&self, username: &str) -> bool {
        self.iter().any(|n| n == username)
    }
}

impl fmt::Display for AllowedUsernames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_newtype_impls!(AllowedUsernames);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_the_server() {
        // Transcript 04: "alice, bob ,carol" is stored as "alice, bob, carol".
        assert_eq!(
            AllowedUsernames::new("alice, bob ,carol").unwrap().as_str(),
            "alice, bob, carol"
        );
        assert_eq!(parse_allowed_usernames("").unwrap(), None);
        assert_eq!(parse_allowed_usernames(" , ,").unwrap(), None);
        assert!(
            AllowedUsernames::new("a.b_c@d-e")
                .unwrap()
                .allows("a.b_c@d-e")
        );
    }

    #[test]
    fn rejects_invalid_names() {
        for bad in ["bob smith", "bob!", "é", "a\0"] {
            let e = AllowedUsernames::new(bad).unwrap_err();
            assert_eq!(e.field(), "allowedUsernames");
            assert!(e.reason().contains("invalid"), "{bad}: {}", e.reason());
        }
    }

    #[test]
    fn input_limit_is_500_after_trimming() {
        // Transcript 21: 500 characters pass validation (and then overflow the column).
        let padded = format!("  {}  ", "a,".repeat(250));
        assert_eq!(js_trim(&padded).len(), 500);
        let e = AllowedUsernames::new(&format!("{}a", "a,".repeat(250))).unwrap_err();
        assert!(e.reason().contains("at most 500"));
    }

    #[test]
    fn stored_limit_is_255() {
        // Transcripts 26/27: 255 stored characters work, 256 make the server answer 500.
        let ok = "a".repeat(255);
        assert!(AllowedUsernames::new(&ok).is_ok());
        let e = AllowedUsernames::new(&format!("{ok}a")).unwrap_err();
        assert!(e.reason().contains("at most 255"));
        // Separators grow the list once stored: 65 names of 2 take 195 input characters
        // but 258 stored ones.
        let e = AllowedUsernames::new(&"ab,".repeat(65)).unwrap_err();
        assert!(e.reason().contains("got 258"), "{}", e.reason());
        assert!(AllowedUsernames::new(&"ab,".repeat(64)).is_ok());
    }

    #[test]
    fn from_names_joins() {
        let n = AllowedUsernames::from_names(["alice", " bob "]).unwrap();
        assert_eq!(n.as_str(), "alice, bob");
        assert!(AllowedUsernames::from_names(["a,b"]).is_err());
        assert!(AllowedUsernames::from_names(Vec::<String>::new()).is_err());
    }
}
