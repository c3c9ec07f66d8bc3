use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AllowedUsernames, IdentityId, parse_allowed_usernames};

/// The OCI Auth configuration of an identity, as the server answers it.
///
/// Values come from the server and are kept as it sent them (they are not re-validated):
/// a server with older rules may hold values this crate would refuse to send. The generated
/// client decodes answers straight into this type (see `REPLACED_TYPES` in build.rs): fields
/// the spec gives defaults take them when absent, and a negative number or an out-of-range
/// prefix is a decode error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IdentityOciAuth {
    /// The ID of this configuration.
    pub id: Uuid,
    /// The identity it belongs to.
    pub identity_id: IdentityId,
    /// The kind of OCI authentication; `iam`.
    #[serde(rename = "type")]
    pub auth_type: String,
    /// The tenancy whose users may log in.
    pub tenancy_ocid: String,
    /// The allow-list as stored (`"alice, bob"`); `None` allows any username.
    #[serde(default)]
    pub allowed_usernames: Option<String>,
    /// Access-token lifetime in seconds.
    #[serde(rename = "accessTokenTTL", default = "default_ttl")]
    pub access_token_ttl: u64,
    /// Maximum access-token lifetime in seconds; 0 is unlimited.
    #[serde(rename = "accessTokenMaxTTL", default = "default_ttl")]
    pub access_token_max_ttl: u64,
    /// How many times a token may be used; 0 is unlimited.
    #[serde(default)]
    pub access_token_num_uses_limit: u64,
    /// Where tokens may be used from.
    #[serde(default)]
    pub access_token_trusted_ips: Vec<TrustedIpEntry>,
    /// The token period in seconds; 0 for none.
    #[serde(default)]
    pub access_token_period: u64,
    /// When the configuration was attached.
    #[serde(deserialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(deserialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// A trusted IP as the server stores and answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TrustedIpEntry {
    /// The address, without prefix (`10.0.0.0`).
    pub ip_address: String,
    /// `ipv4` or `ipv6`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The prefix length; `None` for a single address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<u8>,
}

impl TrustedIpEntry {
    /// The entry in request form: `address/prefix`, or the address alone.
    pub fn to_request_form(&self) -> String {
        match self.prefix {
            Some(p) => format!("{}/{p}", self.ip_address),
            None => self.ip_address.clone(),
        }
    }
}

impl IdentityOciAuth {
    /// The allow-list, parsed; `Ok(None)` allows any username.
    ///
    /// # Errors
    /// A [`ValidationError`](super::ValidationError) if the stored list breaks today's rules.
    pub fn allowed_usernames_list(
        &self,
    ) -> Result<Option<AllowedUsernames>, super::ValidationError> {
        parse_allowed_usernames(self.allowed_usernames.as_deref().unwrap_or_default())
    }
}

/// The spec's default for the TTLs of an answer.
fn default_ttl() -> u64 {
    7200
}

/// An RFC 3339 timestamp, read with chrono's strict RFC 3339 parser (several times faster
/// than its generic `FromStr`, which matters on every answer).
fn rfc3339<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| serde::de::Error::custom(format_args!("invalid timestamp {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_decode_with_the_spec_defaults() {
        let minimal = serde_json::json!({
            "id": "05ecb3db-8fef-46a6-b010-a95ce0a94b01",
            "identityId": "6511e966-169d-4653-a191-c559fe230086",
            "type": "iam",
            "tenancyOcid": "ocid1.tenancy.oc1..aaaa",
            "createdAt": "2026-11-27T00:52:28.855Z",
            "updatedAt": "2026-11-27T00:52:33+01:00"
        });
        let c: IdentityOciAuth = serde_json::from_value(minimal.clone()).unwrap();
        assert_eq!((c.access_token_ttl, c.access_token_max_ttl), (7200, 7200));
        assert_eq!(c.allowed_usernames, None);
        assert_eq!(c.updated_at.to_rfc3339(), "2026-11-26T23:52:33+00:00");
        for (field, bad) in [
            ("accessTokenTTL", serde_json::json!(-1)),
            ("createdAt", serde_json::json!("yesterday")),
        ] {
            let mut v = minimal.clone();
            v[field] = bad;
            assert!(
                serde_json::from_value::<IdentityOciAuth>(v).is_err(),
                "{field}"
            );
        }
    }
}
