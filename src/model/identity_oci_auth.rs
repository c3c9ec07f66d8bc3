use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AllowedUsernames, IdentityId, parse_allowed_usernames};
use crate::generated::types;

/// The OCI Auth configuration of an identity, as the server answers it.
///
/// Values come from the server and are kept as it sent them (they are not re-validated):
/// a server with older rules may hold values this crate would refuse to send.
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
    pub allowed_usernames: Option<String>,
    /// Access-token lifetime in seconds.
    #[serde(rename = "accessTokenTTL")]
    pub access_token_ttl: u64,
    /// Maximum access-token lifetime in seconds; 0 is unlimited.
    #[serde(rename = "accessTokenMaxTTL")]
    pub access_token_max_ttl: u64,
    /// How many times a token may be used; 0 is unlimited.
    pub access_token_num_uses_limit: u64,
    /// Where tokens may be used from.
    pub access_token_trusted_ips: Vec<TrustedIpEntry>,
    /// The token period in seconds; 0 for none.
    pub access_token_period: u64,
    /// When the configuration was attached.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
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

fn non_negative(field: &str, value: i64) -> Result<u64, String> {
    u64::try_from(value).map_err(|_| format!("{field} is negative ({value})"))
}

impl TryFrom<types::IdentityOciAuth> for IdentityOciAuth {
    type Error = String;

    fn try_from(raw: types::IdentityOciAuth) -> Result<Self, String> {
        let access_token_trusted_ips = raw
            .access_token_trusted_ips
            .into_iter()
            .map(|ip| {
                let prefix = ip
                    .prefix
                    .map(|p| {
                        u8::try_from(p)
                            .map_err(|_| format!("trusted IP prefix {p} is out of range"))
                    })
                    .transpose()?;
                Ok(TrustedIpEntry {
                    ip_address: ip.ip_address,
                    family: ip.type_,
                    prefix,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Self {
            id: raw.id,
            identity_id: IdentityId::from(raw.identity_id),
            auth_type: raw.type_,
            tenancy_ocid: raw.tenancy_ocid,
            allowed_usernames: raw.allowed_usernames,
            access_token_ttl: non_negative("accessTokenTTL", raw.access_token_ttl)?,
            access_token_max_ttl: non_negative("accessTokenMaxTTL", raw.access_token_max_ttl)?,
            access_token_num_uses_limit: non_negative(
                "accessTokenNumUsesLimit",
                raw.access_token_num_uses_limit,
            )?,
            access_token_trusted_ips,
            access_token_period: non_negative("accessTokenPeriod", raw.access_token_period)?,
            created_at: raw.created_at,
            updated_at: raw.updated_at,
        })
    }
}
