use std::fmt;

/// A value that breaks one of the server's rules.
///
/// It names the field by its wire name (`accessTokenTTL`, `accessTokenTrustedIps[1].ipAddress`)
/// and says what is wrong and what is allowed. Converts into
/// [`Error::Validation`](crate::Error::Validation).
///
/// ```
/// use infisical_oci_auth::model::AccessTokenTtl;
///
/// let err = AccessTokenTtl::new(315_360_001).unwrap_err();
/// assert_eq!(err.field(), "accessTokenTTL");
/// assert!(err.reason().contains("315360000"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ValidationError(Box<Broken>);

/// What a [`ValidationError`] holds; boxed, so that the error stays one pointer wide.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Broken {
    field: String,
    reason: String,
    kind: Rule,
}

impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidationError")
            .field("field", &self.0.field)
            .field("reason", &self.0.reason)
            .field("rule", &self.0.kind)
            .finish()
    }
}

/// Which of the server's rules a value broke, in the server's terms: what kind of answer
/// Infisical would give it (a 422 issue with zod's code, or a 500 from its database).
///
/// ```
/// use infisical_oci_auth::model::{Rule, TenancyOcid};
///
/// assert_eq!(TenancyOcid::new("").unwrap_err().rule(), Rule::Empty);
/// assert_eq!(TenancyOcid::new("nope").unwrap_err().rule(), Rule::Invalid);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// A format check (zod `custom` issue).
    Invalid,
    /// The field is missing.
    Required,
    /// An empty string where one character is needed (zod `too_small`).
    Empty,
    /// Longer than the server's validator allows (zod `too_big`).
    TooLong,
    /// Passes the server's validator but not its database, which answers 500.
    Storage,
    /// Not of the JSON type expected; holds the type received, as zod names it.
    WrongType(&'static str),
    /// A number with a fraction.
    NotInteger,
    /// A number below the minimum.
    BelowMinimum,
    /// A number above the maximum.
    AboveMaximum,
    /// An array with too few items.
    TooFewItems,
    /// TTL above max TTL (the object-level refine).
    TtlAboveMax,
}

impl ValidationError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self(Box::new(Broken {
            field: field.into(),
            reason: reason.into(),
            kind: Rule::Invalid,
        }))
    }

    /// The same error, tagged with the rule that was broken.
    pub(crate) fn with_kind(mut self, kind: Rule) -> Self {
        self.0.kind = kind;
        self
    }

    /// The same error with another reason (the same field and rule).
    pub(crate) fn with_reason(mut self, reason: String) -> Self {
        self.0.reason = reason;
        self
    }

    /// The rule that was broken.
    pub fn rule(&self) -> Rule {
        self.0.kind
    }

    /// The wire name of the field, e.g. `tenancyOcid`.
    pub fn field(&self) -> &str {
        &self.0.field
    }

    /// What is wrong with the value and what is allowed.
    pub fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The same error for a field nested under `prefix`, e.g. `accessTokenTrustedIps[2]`.
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        self.0.field = format!("{prefix}.{}", self.0.field);
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.0.field, self.0.reason)
    }
}

impl std::error::Error for ValidationError {}

/// Trims like JavaScript's `String.prototype.trim`, which the server applies (zod `.trim()`).
///
/// ```
/// assert_eq!(infisical_oci_auth::model::rules::js_trim("\u{feff} a \u{a0}"), "a");
/// ```
///
/// JavaScript's set differs from Rust's `char::is_whitespace`: it includes U+FEFF and
/// excludes U+0085.
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c == '\u{feff}' || (c.is_whitespace() && c != '\u{85}'))
}

/// The length JavaScript reports (UTF-16 code units), which zod's `max` counts.
pub(crate) fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Shows a user's value in an error message, cut short if long.
pub(crate) fn shown(s: &str) -> String {
    const MAX: usize = 64;
    if s.chars().count() <= MAX {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head:?}…")
    }
}

/// Implements `FromStr`, `TryFrom<&str>`, `TryFrom<String>`, `Serialize` (the `Display` form)
/// and a validating `Deserialize` for a newtype whose only way in is `Self::new(&str)`.
macro_rules! string_newtype_impls {
    ($ty:ty) => {
        impl ::std::str::FromStr for $ty {
            type Err = $crate::model::ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::model::ValidationError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::model::ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(&s)
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(
                    deserializer,
                )?;
                Self::new(&s).map_err(::serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_newtype_impls;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_trim_matches_javascript_whitespace() {
        assert_eq!(js_trim("\u{feff} a \u{a0}\n"), "a");
        assert_eq!(js_trim("\u{85}a"), "\u{85}a");
        assert_eq!(js_trim("\u{3000}\u{2028}a\u{2029}\t"), "a");
    }

    #[test]
    fn js_len_counts_utf16_units() {
        assert_eq!(js_len("a😀"), 3);
    }

    #[test]
    fn within_prefixes_the_field() {
        let e = ValidationError::new("ipAddress", "x").within("accessTokenTrustedIps[1]");
        assert_eq!(e.field(), "accessTokenTrustedIps[1].ipAddress");
        assert_eq!(
            e.to_string(),
            "invalid accessTokenTrustedIps[1].ipAddress: x"
        );
    }
}
