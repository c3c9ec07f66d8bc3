//! The client the command uses: the server and credential from the environment (as the
//! library's `from_env` reads them), and the company-network flags.

use std::path::PathBuf;

use clap::Args;
use infisical_oci_auth::tls::{Certificate, Identity};
use infisical_oci_auth::{Client, ClientBuilder, http_client_builder};

use crate::words;

/// How to reach the server: a private CA, a client certificate.
#[derive(Args, Debug)]
pub(crate) struct Connection {
    /// A PEM bundle of CAs to trust besides the platform's (a self-hosted server's private CA).
    #[arg(long, value_name = "FILE", env = "INFISICAL_CA_FILE")]
    ca_file: Option<PathBuf>,
    /// A client certificate (PEM, the chain leaf first) for a server that requires mutual
    /// TLS; its private key may be in the same file.
    #[arg(long, value_name = "FILE", env = "INFISICAL_CLIENT_CERT")]
    client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM), when it is not in --client-cert's file.
    #[arg(
        long,
        value_name = "FILE",
        env = "INFISICAL_CLIENT_KEY",
        requires = "client_cert"
    )]
    client_key: Option<PathBuf>,
}

/// The credential variables, one of which must be set.
const CREDENTIALS: [&str; 2] = ["INFISICAL_TOKEN", "INFISICAL_OCI_IDENTITY_ID"];

impl Connection {
    /// The client, or what is wrong in the command's words.
    pub(crate) fn client(&self) -> Result<Client, String> {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        if !CREDENTIALS.iter().any(|name| set(name)) {
            return Err("no credential: set INFISICAL_TOKEN to an access token, or \
                        INFISICAL_OCI_IDENTITY_ID to log in with OCI (with ~/.oci/config, or \
                        OCI_CLI_CONFIG_FILE and OCI_CLI_PROFILE)"
                .into());
        }
        self.tls(Client::builder().from_env())?
            .build()
            .map_err(|e| words::say(&e))
    }

    /// `builder` with the TLS flags applied.
    pub(crate) fn tls(&self, builder: ClientBuilder) -> Result<ClientBuilder, String> {
        let mut http = http_client_builder();
        if let Some(path) = &self.ca_file {
            http = http.tls_certs_merge(Certificate::from_file(path).map_err(|e| words::say(&e))?);
        }
        if let Some(cert) = &self.client_cert {
            let identity =
                Identity::from_file(cert, self.client_key.as_ref()).map_err(|e| words::say(&e))?;
            http = http.client_certificate(identity);
        }
        Ok(builder.http(http))
    }
}
