//! [`ClientBuilder::from_env`]: the server and credential from the environment, as the
//! `infisical-oci-auth` command reads them, and the check that a client built from it has a
//! credential.

use super::ClientBuilder;
use crate::error::{Error, Result};
#[cfg(feature = "oci")]
use crate::model::IdentityId;
#[cfg(feature = "oci")]
use crate::oci::OciCredentials;

impl ClientBuilder {
    /// [`from_env`](Self::from_env) over any source of variables.
    pub(super) fn with_vars(mut self, var: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        self.from_env = true;
        if let Some(url) = var("INFISICAL_API_URL") {
            self = self.base_url(url);
        }
        if let Some(token) = var("INFISICAL_TOKEN") {
            self = self.token(token);
        }
        #[cfg(feature = "oci")]
        if self.token.is_none()
            && self.oci_login.is_none()
            && let Some(identity) = var("INFISICAL_OCI_IDENTITY_ID")
        {
            let path = var("OCI_CLI_CONFIG_FILE").unwrap_or_else(|| "~/.oci/config".into());
            let profile = var("OCI_CLI_PROFILE");
            let login = IdentityId::new(&identity)
                .map_err(|e| Error::Config {
                    reason: format!("INFISICAL_OCI_IDENTITY_ID: {}", e.reason()),
                })
                .and_then(|identity| {
                    let path = crate::oci::expand_home(&path)?;
                    let credentials = OciCredentials::from_config_file(path, profile.as_deref())?;
                    Ok((credentials, identity))
                });
            match login {
                Ok(login) => self.oci_login = Some(login),
                Err(e) => self.env_error = Some(e),
            }
        }
        self
    }

    /// After [`from_env`](Self::from_env), a client must have a credential.
    pub(super) fn check_credential(&self) -> Result<()> {
        if let Some(error) = &self.env_error {
            return Err(error.clone());
        }
        #[cfg(feature = "oci")]
        let logs_in = self.oci_login.is_some();
        #[cfg(not(feature = "oci"))]
        let logs_in = false;
        if self.from_env && self.token.is_none() && !logs_in {
            return Err(Error::Config {
                reason: if cfg!(feature = "oci") {
                    "no credential: set INFISICAL_TOKEN to an access token, or \
                     INFISICAL_OCI_IDENTITY_ID to log in with OCI (with ~/.oci/config, or \
                     OCI_CLI_CONFIG_FILE and OCI_CLI_PROFILE); in code, ClientBuilder::token \
                     or ClientBuilder::oci_login"
                } else {
                    "no credential: set INFISICAL_TOKEN (or call ClientBuilder::token)"
                }
                .into(),
            });
        }
        Ok(())
    }
}
