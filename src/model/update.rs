use serde::{Deserialize, Serialize, Serializer};

use super::trusted_ip::{parse_trusted_ips, wire_list};
use super::validation::Rule;
use super::wire::RequestWire;
use super::{
    AccessTokenTtl, AllowedUsernames, IdentityOciAuth, NumUsesLimit, TenancyOcid, TrustedIp,
    ValidationError, check_ttl_within_max, parse_allowed_usernames,
};

/// The body of *Update OCI Auth* (`PATCH /api/v1/auth/oci-auth/identities/{identityId}`),
/// valid by construction.
///
/// The tenancy is required. The allow-list of usernames is always sent, because the server
/// **clears it when the field is omitted**: the builder makes you choose
/// ([`allowed_usernames`](UpdateOciAuthBuilder::allowed_usernames) to replace it,
/// [`allow_any_username`](UpdateOciAuthBuilder::allow_any_username) to clear it), and
/// [`Client::modify_oci_auth`](crate::Client::modify_oci_auth) keeps the current one. Trusted
/// IPs, TTLs and the use limit are optional; an omitted one is left unchanged.
///
/// Wire form (camelCase JSON): `Serialize` writes it normalised; `Deserialize` reads it with
/// the server's rules (an absent `allowedUsernames` means "clear", as on the server) and
/// refuses unknown fields, so a typo in a config file is an error rather than a no-op.
///
/// ```
/// use infisical_oci_auth::UpdateOciAuth;
///
/// let update = UpdateOciAuth::builder()
///     .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
///     .allowed_usernames("alice, bob")
///     .access_token_ttl(1800)
///     .access_token_max_ttl(3600)
///     .build()?;
/// assert_eq!(
///     serde_json::to_string(&update)?,
///     r#"{"tenancyOcid":"ocid1.tenancy.oc1..aaaa","allowedUsernames":"alice, bob","accessTokenTTL":1800,"accessTokenMaxTTL":3600}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOciAuth {
    tenancy_ocid: TenancyOcid,
    allowed_usernames: Option<AllowedUsernames>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_ips"
    )]
    access_token_trusted_ips: Option<Vec<TrustedIp>>,
    #[serde(rename = "accessTokenTTL", skip_serializing_if = "Option::is_none")]
    access_token_ttl: Option<AccessTokenTtl>,
    #[serde(rename = "accessTokenMaxTTL", skip_serializing_if = "Option::is_none")]
    access_token_max_ttl: Option<AccessTokenTtl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token_num_uses_limit: Option<NumUsesLimit>,
}

fn serialize_ips<S: Serializer>(ips: &Option<Vec<TrustedIp>>, s: S) -> Result<S::Ok, S::Error> {
    wire_list::serialize(ips.as_deref().unwrap_or_default(), s)
}

impl UpdateOciAuth {
    /// The update that makes a configuration equal to `desired`: every field given, so
    /// nothing is cleared or kept by omission.
    pub(crate) fn to_match(desired: &super::AttachOciAuth) -> Self {
        Self {
            tenancy_ocid: desired.tenancy_ocid().clone(),
            allowed_usernames: desired.allowed_usernames().cloned(),
            access_token_trusted_ips: Some(desired.access_token_trusted_ips().to_vec()),
            access_token_ttl: Some(desired.access_token_ttl()),
            access_token_max_ttl: Some(desired.access_token_max_ttl()),
            access_token_num_uses_limit: Some(desired.access_token_num_uses_limit()),
        }
    }

    /// The same update with `max` as the max TTL.
    pub(crate) fn with_max_ttl(mut self, max: AccessTokenTtl) -> Self {
        self.access_token_max_ttl = Some(max);
        self
    }

    /// Starts a builder.
    pub fn builder() -> UpdateOciAuthBuilder {
        UpdateOciAuthBuilder::default()
    }

    /// The tenancy OCID.
    pub fn tenancy_ocid(&self) -> &TenancyOcid {
        &self.tenancy_ocid
    }

    /// The allow-list; `None` allows any username.
    pub fn allowed_usernames(&self) -> Option<&AllowedUsernames> {
        self.allowed_usernames.as_ref()
    }

    /// The new trusted IPs, if they change.
    pub fn access_token_trusted_ips(&self) -> Option<&[TrustedIp]> {
        self.access_token_trusted_ips.as_deref()
    }

    /// The new TTL, if it changes.
    pub fn access_token_ttl(&self) -> Option<AccessTokenTtl> {
        self.access_token_ttl
    }

    /// The new max TTL, if it changes.
    pub fn access_token_max_ttl(&self) -> Option<AccessTokenTtl> {
        self.access_token_max_ttl
    }

    /// The new use limit, if it changes.
    pub fn access_token_num_uses_limit(&self) -> Option<NumUsesLimit> {
        self.access_token_num_uses_limit
    }
}

/// Builds an [`UpdateOciAuth`]; values are checked by [`build`](Self::build).
///
/// Setters take plain values and never fail; `build` reports the first broken rule.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct UpdateOciAuthBuilder {
    tenancy_ocid: Option<String>,
    /// `None`: no choice made yet; `Some(None)`: allow any username.
    allowed_usernames: Option<Option<String>>,
    access_token_trusted_ips: Option<Vec<String>>,
    access_token_ttl: Option<u64>,
    access_token_max_ttl: Option<u64>,
    access_token_num_uses_limit: Option<u64>,
}

impl UpdateOciAuthBuilder {
    /// A builder that keeps the tenancy and allow-list of `current`, for read-modify-write.
    /// A builder holding the stored tenancy, allow-list and both TTLs: an update built
    /// from it always sends both TTLs, so the server compares them as numbers (without
    /// them it compares its stored values as text; see
    /// [`update_refused_by_stored_ttls`](super::rules::update_refused_by_stored_ttls)).
    pub(crate) fn from_current(current: &IdentityOciAuth) -> Self {
        Self {
            tenancy_ocid: Some(current.tenancy_ocid.clone()),
            allowed_usernames: Some(current.allowed_usernames.clone()),
            access_token_ttl: Some(current.access_token_ttl),
            access_token_max_ttl: Some(current.access_token_max_ttl),
            ..Self::default()
        }
    }

    /// The tenancy OCID (required): `ocid1.tenancy.oc1.<id>`, at most 255 characters.
    pub fn tenancy_ocid(mut self, ocid: impl Into<String>) -> Self {
        self.tenancy_ocid = Some(ocid.into());
        self
    }

    /// Replaces the allow-list with a comma-separated list of usernames (`"alice, bob"`).
    /// An empty list allows any username.
    pub fn allowed_usernames(mut self, list: impl Into<String>) -> Self {
        self.allowed_usernames = Some(Some(list.into()));
        self
    }

    /// Clears the allow-list: any username of the tenancy may log in.
    pub fn allow_any_username(mut self) -> Self {
        self.allowed_usernames = Some(None);
        self
    }

    /// Replaces the trusted IPs (addresses or CIDR ranges; at least one).
    pub fn access_token_trusted_ips<I, S>(mut self, ips: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.access_token_trusted_ips = Some(ips.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the access-token lifetime in seconds (0 to 315360000).
    pub fn access_token_ttl(mut self, seconds: u64) -> Self {
        self.access_token_ttl = Some(seconds);
        self
    }

    /// Sets the maximum access-token lifetime in seconds (0 to 315360000).
    pub fn access_token_max_ttl(mut self, seconds: u64) -> Self {
        self.access_token_max_ttl = Some(seconds);
        self
    }

    /// Sets how many times a token may be used (0 = unlimited, at most 2^53 − 1).
    pub fn access_token_num_uses_limit(mut self, uses: u64) -> Self {
        self.access_token_num_uses_limit = Some(uses);
        self
    }

    /// Checks every value against the server's rules.
    ///
    /// # Errors
    /// A [`ValidationError`] naming the first field that breaks a rule: a missing tenancy,
    /// no choice made for the allow-list, a value out of range, or a TTL above the max TTL
    /// (when both are given and non-zero).
    pub fn build(self) -> Result<UpdateOciAuth, ValidationError> {
        let tenancy_ocid = TenancyOcid::new(self.tenancy_ocid.as_deref().ok_or_else(|| {
            ValidationError::new("tenancyOcid", "is required on update").with_kind(Rule::Required)
        })?)?;
        let allowed_usernames = match self.allowed_usernames {
            None => {
                return Err(ValidationError::new(
                    "allowedUsernames",
                    "must be chosen: the server clears the allow-list when it is omitted; call \
                     allowed_usernames(..) to replace it, allow_any_username() to clear it, or \
                     use Client::modify_oci_auth to keep it",
                ));
            }
            Some(None) => None,
            Some(Some(list)) => parse_allowed_usernames(&list)?,
        };
        let access_token_trusted_ips = self
            .access_token_trusted_ips
            .map(parse_trusted_ips)
            .transpose()?;
        let access_token_ttl = self.access_token_ttl.map(AccessTokenTtl::new).transpose()?;
        let access_token_max_ttl = self
            .access_token_max_ttl
            .map(|s| AccessTokenTtl::for_field("accessTokenMaxTTL", s))
            .transpose()?;
        let access_token_num_uses_limit = self
            .access_token_num_uses_limit
            .map(NumUsesLimit::new)
            .transpose()?;
        check_ttl_within_max(access_token_ttl, access_token_max_ttl, true)?;
        Ok(UpdateOciAuth {
            tenancy_ocid,
            allowed_usernames,
            access_token_trusted_ips,
            access_token_ttl,
            access_token_max_ttl,
            access_token_num_uses_limit,
        })
    }
}

impl TryFrom<RequestWire> for UpdateOciAuth {
    type Error = ValidationError;

    fn try_from(w: RequestWire) -> Result<Self, ValidationError> {
        let (access_token_ttl, access_token_max_ttl, access_token_num_uses_limit) = w.numbers()?;
        UpdateOciAuthBuilder {
            tenancy_ocid: w.tenancy_ocid,
            // Absent and null both clear the list, as on the server.
            allowed_usernames: Some(w.allowed_usernames),
            access_token_trusted_ips: w
                .access_token_trusted_ips
                .map(|ips| ips.into_iter().map(|e| e.ip_address).collect()),
            access_token_ttl,
            access_token_max_ttl,
            access_token_num_uses_limit,
        }
        .build()
    }
}

impl<'de> Deserialize<'de> for UpdateOciAuth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RequestWire::deserialize(d)?
            .try_into()
            .map_err(serde::de::Error::custom)
    }
}
