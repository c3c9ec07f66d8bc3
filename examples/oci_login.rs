//! `cargo run --example oci_login`: from an OCI API key to managing identities.
//!
//! With `INFISICAL_API_URL` and `INFISICAL_IDENTITY_ID` set, it logs in to that server with the
//! OCI CLI's config (`~/.oci/config`, or `OCI_CLI_CONFIG_FILE` and `OCI_CLI_PROFILE`). With
//! neither set, it starts an in-process fake Infisical and signs with a test key.

use std::process::ExitCode;

use infisical_oci_auth::oci::{OciCredentials, PrivateKey};
use infisical_oci_auth::{AttachOciAuth, Client, IdentityId};
use infisical_oci_auth_fake::FakeInfisical;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut _fake = None;
    let (base_url, identity, credentials) = match (
        std::env::var("INFISICAL_API_URL"),
        std::env::var("INFISICAL_IDENTITY_ID"),
    ) {
        (Ok(url), Ok(id)) => (
            url,
            id.parse::<IdentityId>()?,
            OciCredentials::from_default_config()?,
        ),
        _ => {
            let fake = FakeInfisical::start().await?;
            println!(
                "No INFISICAL_API_URL/INFISICAL_IDENTITY_ID set: using an in-process fake at {}.",
                fake.base_url()
            );
            let key_pem = std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/keys/pkcs1.pem"
            ))?;
            let key = PrivateKey::from_pem(&key_pem, None)?;
            let (tenancy, user) = (
                "ocid1.tenancy.oc1..aaaaexample",
                "ocid1.user.oc1..aaaaexample",
            );
            fake.register_oci_user(user, tenancy, "alice", &key.public_key_pem())?;
            let identity = fake.create_identity();
            let admin = fake.client_builder().build()?;
            admin
                .attach_oci_auth(
                    &identity,
                    &AttachOciAuth::builder(tenancy)
                        .access_token_ttl(3600)
                        .build()?,
                )
                .await?;
            let url = fake.base_url();
            _fake = Some(fake);
            (
                url,
                identity,
                OciCredentials::new(tenancy, user, "us-ashburn-1", key)?,
            )
        }
    };
    println!(
        "Signing as {} (key {}).",
        credentials.user_ocid(),
        credentials.fingerprint()
    );

    // One call: log in explicitly and look at the token.
    let token = Client::builder()
        .base_url(&base_url)
        .build()?
        .login(&credentials, &identity, None)
        .await?;
    println!(
        "Logged in: token valid for {} s (max {} s).",
        token.expires_in().as_secs(),
        token.max_ttl().as_secs()
    );

    // Or let the client log in on first use and renew before expiry.
    let client = Client::builder()
        .base_url(&base_url)
        .oci_login(credentials, identity)
        .build()?;
    let config = client.get_oci_auth(&identity).await?;
    println!(
        "Identity {identity} trusts tenancy {}.",
        config.tenancy_ocid
    );
    Ok(())
}
