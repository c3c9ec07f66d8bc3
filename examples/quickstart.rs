//! `cargo run --example quickstart`: attach, update, read, refuse and revoke OCI Auth.
//!
//! With `INFISICAL_API_URL`, `INFISICAL_TOKEN` and `INFISICAL_IDENTITY_ID` set, it runs against
//! that server (`INFISICAL_OCI_TENANCY` sets the tenancy OCID). With none set, it starts an
//! in-process fake Infisical and says so.

use std::process::ExitCode;

use infisical_oci_auth::testing::FakeInfisical;
use infisical_oci_auth::{
    AttachOciAuth, Client, Error, IdentityId, IdentityOciAuth, UpdateOciAuth,
};

const VARS: [&str; 3] = [
    "INFISICAL_API_URL",
    "INFISICAL_TOKEN",
    "INFISICAL_IDENTITY_ID",
];

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

fn show(step: &str, config: &IdentityOciAuth) {
    let ips: Vec<_> = config
        .access_token_trusted_ips
        .iter()
        .map(|ip| ip.to_request_form())
        .collect();
    println!("{step}");
    println!("    tenancy:        {}", config.tenancy_ocid);
    println!(
        "    usernames:      {}",
        config.allowed_usernames.as_deref().unwrap_or("(any)")
    );
    println!(
        "    token TTL:      {} s (max {} s)",
        config.access_token_ttl, config.access_token_max_ttl
    );
    println!(
        "    token uses:     {}",
        match config.access_token_num_uses_limit {
            0 => "unlimited".to_owned(),
            n => n.to_string(),
        }
    );
    println!("    trusted IPs:    {}", ips.join(", "));
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let set: Vec<_> = VARS
        .iter()
        .filter(|v| std::env::var(v).is_ok_and(|v| !v.is_empty()))
        .collect();
    let mut _fake = None;
    let (client, identity) = if set.len() == VARS.len() {
        let identity: IdentityId = std::env::var("INFISICAL_IDENTITY_ID")?.parse()?;
        let client = Client::builder().from_env().build()?;
        println!("Using {} as identity {identity}.", client.base_url());
        (client, identity)
    } else if set.is_empty() {
        let fake = FakeInfisical::start().await?;
        let identity = fake.create_identity();
        let client = fake.client_builder().build()?;
        println!(
            "No {} set: using an in-process fake Infisical at {}.",
            VARS.join("/"),
            fake.base_url()
        );
        _fake = Some(fake);
        (client, identity)
    } else {
        return Err(format!(
            "set all of {} or none (only {:?} are set)",
            VARS.join(", "),
            set
        )
        .into());
    };
    let tenancy = std::env::var("INFISICAL_OCI_TENANCY")
        .unwrap_or_else(|_| "ocid1.tenancy.oc1..aaaaexample".into());

    // 1. Attach OCI Auth with the server's defaults.
    let attach = AttachOciAuth::builder(&tenancy).build()?;
    match client.attach_oci_auth(&identity, &attach).await {
        Ok(config) => show("1. Attached OCI Auth:", &config),
        Err(Error::Api(api))
            if api.status().as_u16() == 400 && api.message().contains("already configured") =>
        {
            println!("1. OCI Auth is already attached; going on.");
        }
        Err(e) => return Err(e.into()),
    }

    // 2. Update it: the heart of the crate.
    let update = UpdateOciAuth::builder()
        .tenancy_ocid(&tenancy)
        .allowed_usernames("alice, bob")
        .access_token_trusted_ips(["0.0.0.0/0", "::/0"])
        .access_token_ttl(1800)
        .access_token_max_ttl(3600)
        .build()?;
    show(
        "2. Updated (PATCH):",
        &client.update_oci_auth(&identity, &update).await?,
    );

    // 3. Read it back.
    show("3. Read back:", &client.get_oci_auth(&identity).await?);

    // 4. An invalid update never leaves the process.
    let refused = UpdateOciAuth::builder()
        .tenancy_ocid(&tenancy)
        .allowed_usernames("bob smith")
        .build()
        .map_err(Error::from);
    match refused {
        Err(e @ Error::Validation { .. }) => println!("4. Refused before sending: {e}"),
        other => return Err(format!("expected a validation error, got {other:?}").into()),
    }

    // 5. Change one thing, keep the rest (GET, then PATCH).
    let config = client
        .modify_oci_auth(&identity, |edit| edit.access_token_num_uses_limit(10))
        .await?;
    show("5. Limited token uses, kept everything else:", &config);

    // 6. Revoke.
    client.revoke_oci_auth(&identity).await?;
    println!("6. Revoked OCI Auth from identity {identity}.");
    Ok(())
}
