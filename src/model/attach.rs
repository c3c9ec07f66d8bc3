use serde::{Deserialize, Serialize};

use super::numbers::ATTACH_MIN_MAX_TTL;
use super::trusted_ip::{DEFAULT_TRUSTED_IPS, parse_trusted_ips, wire_list};
use super::validation::Rule;
use super::wire::RequestWire;
use super::{
    AccessTokenTtl, AllowedUsernames, NumUsesLimit, TenancyOcid, TrustedIp, ValidationError,
    check_ttl_within_max, parse_allowed_usernames,
};

/// The body of *Attach OCI Auth* (`POST /api/v1/auth/oci-auth/identities/{identityId}`),
/// valid by construction.
///
/// Only the tenancy is required; the rest takes the server's defaults: trusted IPs
/// `0.0.0.0/0` and `::/0`, TTL and max TTL 2592000 s (30 days), no use limit, any username.
/// The max TTL must be at least 1 and the TTL may not exceed it.
///
/// Wire form (camelCase JSON): `Serialize` writes every field, defaults included;
/// `Deserialize` reads the wire form with the server's rules and defaults and refuses
/// unknown fields.
///
/// ```
/// use infisical_oci_auth::AttachOciAuth;
///
/// let attach = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
///     .access_token_ttl(3600)
///     .build()?;
/// assert_eq!(attach.access_token_max_ttl().get(), 2_592_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachOciAuth {
    tenancy_ocid: TenancyOcid,
    allowed_usernames: Option<AllowedUsernames>,
    #[serde(serialize_with = "wire_list::serialize")]
    access_token_trusted_ips: Vec<TrustedIp>,
    #[serde(rename = "accessTokenTTL")]
    access_token_ttl: AccessTokenTtl,
    #[serde(rename = "accessTokenMaxTTL")]
    access_token_max_ttl: AccessTokenTtl,
    access_token_num_uses_limit: NumUsesLimit,
}

impl AttachOciAuth {
    /// Starts a builder for the given tenancy OCID.
    pub fn builder(tenancy_ocid: impl Into<String>) -> AttachOciAuthBuilder {
        AttachOciAuthBuilder {
            tenancy_ocid: Some(tenancy_ocid.into()),
            ..AttachOciAuthBuilder::default()
        }
    }

    /// The tenancy OCID.
    pub fn tenancy_ocid(&self) -> &TenancyOcid {
        &self.tenancy_ocid
    }

    /// The allow-list; `None` allows any username.
    pub fn allowed_usernames(&self) -> Option<&AllowedUsernames> {
        self.allowed_usernames.as_ref()
    }

    /// The trusted IPs.
    pub fn access_token_trusted_ips(&self) -> &[TrustedIp] {
        &self.access_token_trusted_ips
    }

    /// The TTL.
    pub fn access_token_ttl(&self) -> AccessTokenTtl {
        self.access_token_ttl
    }

    /// The max TTL.
    pub fn access_token_max_ttl(&self) -> AccessTokenTtl {
        self.access_token_max_ttl
    }

    /// The use limit.
    pub fn access_token_num_uses_limit(&self) -> NumUsesLimit {
        self.access_token_num_uses_limit
    }
}

/// Builds an [`AttachOciAuth`]; values are checked by [`build`](Self::build).
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct AttachOciAuthBuilder {
    tenancy_ocid: Option<String>,
    allowed_usernames: Option<String>,
    access_token_trusted_ips: Option<Vec<String>>,
    access_token_ttl: Option<u64>,
    access_token_max_ttl: Option<u64>,
    access_token_num_uses_limit: Option<u64>,
}

impl AttachOciAuthBuilder {
    /// Restricts login to a comma-separated list of usernames (`"alice, bob"`). Default: any.
    pub fn allowed_usernames(mut self, list: impl Into<String>) -> Self {
        self.allowed_usernames = Some(list.into());
        self
    }

    /// The trusted IPs (addresses or CIDR ranges; at least one). Default: `0.0.0.0/0`, `::/0`.
    pub fn access_token_trusted_ips<I, S>(mut self, ips: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.access_token_trusted_ips = Some(ips.into_iter().map(Into::into).collect());
        self
    }

    /// The access-token lifetime in seconds (0 to 315360000). Default: 2592000.
    pub fn access_token_ttl(mut self, seconds: u64) -> Self {
        self.access_token_ttl = Some(seconds);
        self
    }

    /// The maximum access-token lifetime in seconds (1 to 315360000). Default: 2592000.
    pub fn access_token_max_ttl(mut self, seconds: u64) -> Self {
        self.access_token_max_ttl = Some(seconds);
        self
    }

    /// How many times a token may be used (0 = unlimited, the default; at most 2^53 − 1).
    pub fn access_token_num_uses_limit(mut self, uses: u64) -> Self {
        self.access_token_num_uses_limit = Some(uses);
        self
    }

    /// Checks every value against the server's rules.
    ///
    /// # Errors
    /// A [`ValidationError`] naming the first field that breaks a rule.
    pub fn build(self) -> Result<AttachOciAuth, ValidationError> {
        let tenancy_ocid = TenancyOcid::new(self.tenancy_ocid.as_deref().ok_or_else(|| {
            ValidationError::new("tenancyOcid", "is required on attach").with_kind(Rule::Required)
        })?)?;
        let allowed_usernames = self
            .allowed_usernames
            .as_deref()
            .map(parse_allowed_usernames)
            .transpose()?
            .flatten();
        let access_token_trusted_ips = match self.access_token_trusted_ips {
            Some(ips) => parse_trusted_ips(ips)?,
            None => DEFAULT_TRUSTED_IPS.to_vec(),
        };
        let access_token_ttl = self
            .access_token_ttl
            .map(AccessTokenTtl::new)
            .transpose()?
            .unwrap_or(AccessTokenTtl::DEFAULT);
        let access_token_max_ttl = attach_max_ttl(self.access_token_max_ttl)?;
        let access_token_num_uses_limit = self
            .access_token_num_uses_limit
            .map(NumUsesLimit::new)
            .transpose()?
            .unwrap_or(NumUsesLimit::DEFAULT);
        check_ttl_within_max(Some(access_token_ttl), Some(access_token_max_ttl), false)
            .map_err(|e| name_the_default(e, self.access_token_ttl, self.access_token_max_ttl))?;
        Ok(AttachOciAuth {
            tenancy_ocid,
            allowed_usernames,
            access_token_trusted_ips,
            access_token_ttl,
            access_token_max_ttl,
            access_token_num_uses_limit,
        })
    }
}

/// Attach's max TTL: at least 1 (zod `.min(1)`), unlike update's; attach's default when
/// not given.
fn attach_max_ttl(seconds: Option<u64>) -> Result<AccessTokenTtl, ValidationError> {
    match seconds {
        Some(s) if s < u64::from(ATTACH_MIN_MAX_TTL) => Err(ValidationError::new(
            "accessTokenMaxTTL",
            format!(
                "must be from {ATTACH_MIN_MAX_TTL} to {} seconds on attach, got {s}",
                AccessTokenTtl::MAX.get()
            ),
        )
        .with_kind(Rule::BelowMinimum)),
        Some(s) => AccessTokenTtl::for_field("accessTokenMaxTTL", s),
        None => Ok(AccessTokenTtl::DEFAULT),
    }
}

/// A TTL conflict that says which side is the default the user never set, and how to set
/// it.
fn name_the_default(e: ValidationError, ttl: Option<u64>, max: Option<u64>) -> ValidationError {
    let default = AccessTokenTtl::DEFAULT.get();
    let hint = match (ttl, max) {
        (None, _) => format!(
            "; the TTL is attach's default ({default} s) because none was set: set it with \
             access_token_ttl"
        ),
        (_, None) => format!(
            "; the max TTL is attach's default ({default} s) because none was set: set it \
             with access_token_max_ttl"
        ),
        _ => String::new(),
    };
    ValidationError::new(e.field(), format!("{}{hint}", e.reason())).with_kind(e.rule())
}

impl TryFrom<RequestWire> for AttachOciAuth {
    type Error = ValidationError;

    fn try_from(w: RequestWire) -> Result<Self, ValidationError> {
        let (access_token_ttl, access_token_max_ttl, access_token_num_uses_limit) = w.numbers()?;
        AttachOciAuthBuilder {
            tenancy_ocid: w.tenancy_ocid,
            allowed_usernames: w.allowed_usernames,
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

impl<'de> Deserialize<'de> for AttachOciAuth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RequestWire::deserialize(d)?
            .try_into()
            .map_err(serde::de::Error::custom)
    }
}
