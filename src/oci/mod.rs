//! OCI API-key credentials, request signing and the values of OCI login.
//!
//! Workloads on Oracle Cloud log in to Infisical by signing
//! `GET https://identity.<region>.oraclecloud.com/20160918/users/<user OCID>` with their OCI
//! API key; Infisical replays the signed request to OCI and checks the user's tenancy and
//! name. [`Client::login`](crate::Client::login) does this once;
//! [`ClientBuilder::oci_login`](crate::ClientBuilder::oci_login) makes a client that logs in
//! on first use and again shortly before the token expires.
//!
//! ```no_run
//! use infisical_oci_auth::Client;
//! use infisical_oci_auth::oci::OciCredentials;
//!
//! # async fn run() -> Result<(), infisical_oci_auth::Error> {
//! // ~/.oci/config, profile DEFAULT (or OCI_CLI_CONFIG_FILE / OCI_CLI_PROFILE).
//! let credentials = OciCredentials::from_default_config()?;
//! let identity = "6511e966-169d-4653-a191-c559fe230086".parse()?;
//! let client = Client::builder().oci_login(credentials, identity).build()?;
//! let config = client.get_oci_auth(&identity).await?;
//! # Ok(()) }
//! ```

mod clock;
mod config;
mod key;
mod sign;
mod token;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

pub use clock::{Clock, SystemClock};
pub(crate) use config::expand_home;
#[cfg(feature = "fuzzing")]
pub(crate) use config::parse_text as parse_config_text;
pub use key::PrivateKey;
pub use key::{public_key_fingerprint, read_public_key};
pub use sign::{sign_request, signing_string};
pub use token::AccessToken;

use crate::error::Error;
use crate::model::{TenancyOcid, ValidationError};

/// An OCI region identifier as Infisical accepts it (`us-ashburn-1`, `eu-frankfurt-1`):
/// `^[a-z]{2}-[a-z]+-[1-9]$`.
///
/// ```
/// use infisical_oci_auth::oci::Region;
///
/// assert_eq!(Region::new("us-ashburn-1")?.identity_host(), "identity.us-ashburn-1.oraclecloud.com");
/// assert!(Region::new("US-ASHBURN-1").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(String);

impl Region {
    /// Checks a region identifier against the server's host rule.
    ///
    /// # Errors
    /// A [`ValidationError`] for `region` when it does not match `^[a-z]{2}-[a-z]+-[1-9]$`.
    pub fn new(region: &str) -> Result<Self, ValidationError> {
        let region = region.trim();
        let ok = {
            let mut parts = region.splitn(3, '-');
            let geo = parts.next().unwrap_or_default();
            let city = parts.next().unwrap_or_default();
            let number = parts.next().unwrap_or_default();
            geo.len() == 2
                && geo.bytes().all(|b| b.is_ascii_lowercase())
                && !city.is_empty()
                && city.bytes().all(|b| b.is_ascii_lowercase())
                && number.len() == 1
                && number.bytes().all(|b| (b'1'..=b'9').contains(&b))
        };
        if !ok {
            return Err(ValidationError::new(
                "region",
                format!(
                    "{region:?} is not an OCI region Infisical accepts; expected the form us-ashburn-1"
                ),
            ));
        }
        Ok(Self(region.to_owned()))
    }

    /// The region identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `identity.<region>.oraclecloud.com`, the host whose request is signed.
    pub fn identity_host(&self) -> String {
        format!("identity.{}.oraclecloud.com", self.0)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an OCI login signs with: tenancy, user, region and API key.
///
/// The key is shared (`Arc`) between clones and never printed.
#[derive(Clone)]
pub struct OciCredentials {
    tenancy: TenancyOcid,
    user: String,
    region: Region,
    key: Arc<PrivateKey>,
}

impl fmt::Debug for OciCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OciCredentials")
            .field("tenancy", &self.tenancy.as_str())
            .field("user", &self.user)
            .field("region", &self.region.as_str())
            .field("fingerprint", &self.key.fingerprint())
            .finish()
    }
}

impl OciCredentials {
    /// Credentials from explicit values.
    ///
    /// # Errors
    /// [`Error::Validation`] for a tenancy OCID, user OCID (`ocid1.user.…`) or region that
    /// Infisical would refuse.
    pub fn new(
        tenancy_ocid: &str,
        user_ocid: &str,
        region: &str,
        key: PrivateKey,
    ) -> Result<Self, Error> {
        let user = user_ocid.trim();
        if !user.starts_with("ocid1.user.")
            || user.contains(|c: char| c.is_whitespace() || c == '/')
        {
            return Err(ValidationError::new(
                "userOcid",
                format!("{user:?} is not a user OCID (ocid1.user.oc1..<id>)"),
            )
            .into());
        }
        Ok(Self {
            tenancy: TenancyOcid::new(tenancy_ocid)?,
            user: user.to_owned(),
            region: Region::new(region).map_err(Error::from)?,
            key: Arc::new(key),
        })
    }

    /// Reads `profile` (default `DEFAULT`) of the OCI config file at `path`.
    ///
    /// The file is INI: `[DEFAULT]` values are inherited by named profiles; the keys are
    /// `user`, `fingerprint`, `key_file`, `tenancy`, `region` and the optional `pass_phrase`.
    /// `key_file` may start with `~`; a relative path is taken relative to the config file's
    /// folder. The configured fingerprint must match the key's.
    ///
    /// # Errors
    /// [`Error::Credentials`] naming the file, profile and key for a missing or unreadable
    /// file, an unknown profile, a missing entry, a key that cannot be read or decrypted, or a
    /// fingerprint that does not match; [`Error::Validation`] for a bad region or OCID.
    pub fn from_config_file(
        path: impl AsRef<std::path::Path>,
        profile: Option<&str>,
    ) -> Result<Self, Error> {
        config::load(path.as_ref(), profile.unwrap_or(config::DEFAULT_PROFILE))
    }

    /// Reads the OCI CLI's config: the file in `OCI_CLI_CONFIG_FILE` or `~/.oci/config`, the
    /// profile in `OCI_CLI_PROFILE` or `DEFAULT`.
    ///
    /// # Errors
    /// As [`from_config_file`](Self::from_config_file).
    pub fn from_default_config() -> Result<Self, Error> {
        let path = config::env("OCI_CLI_CONFIG_FILE").unwrap_or_else(|| "~/.oci/config".into());
        let profile = config::env("OCI_CLI_PROFILE");
        Self::from_config_file(config::expand_home(&path)?, profile.as_deref())
    }

    /// The tenancy OCID.
    pub fn tenancy_ocid(&self) -> &TenancyOcid {
        &self.tenancy
    }

    /// The user OCID.
    pub fn user_ocid(&self) -> &str {
        &self.user
    }

    /// The region.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The key's fingerprint.
    pub fn fingerprint(&self) -> &str {
        self.key.fingerprint()
    }

    /// `<tenancy>/<user>/<fingerprint>`, the signature's `keyId`.
    pub fn key_id(&self) -> String {
        format!("{}/{}/{}", self.tenancy, self.user, self.key.fingerprint())
    }

    /// The headers Infisical's login takes: `authorization` signing `x-date`,
    /// `(request-target)` and `host` of the OCI get-user request, at time `now`.
    pub(crate) fn login_headers(&self, now: SystemTime) -> Result<LoginHeaders, Error> {
        let host = self.region.identity_host();
        let date = httpdate::fmt_http_date(now);
        let path = format!("/20160918/users/{}", self.user);
        let authorization = sign_request(
            &self.key,
            &self.key_id(),
            "GET",
            &path,
            &[("x-date", &date), ("(request-target)", ""), ("host", &host)],
        )?;
        Ok(LoginHeaders {
            authorization,
            host,
            x_date: date,
        })
    }
}

/// The signed headers sent in a login body.
pub(crate) struct LoginHeaders {
    pub(crate) authorization: String,
    pub(crate) host: String,
    pub(crate) x_date: String,
}
