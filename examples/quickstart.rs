//! `cargo run --example quickstart`: attach, update, read, refuse and revoke OCI Auth.
//!
//! With none of `INFISICAL_API_URL`, `INFISICAL_TOKEN` and `INFISICAL_IDENTITY_ID` set, it
//! starts an in-process fake Infisical and says so. With all three set, it runs against that
//! server (`INFISICAL_OCI_TENANCY` sets the tenancy OCID), but only on an identity that has
//! no OCI Auth: it reads the identity first and, if OCI Auth is attached, stops without
//! changing anything. It revokes only the OCI Auth it attached, also when a step fails, so
//! the identity ends as it was.

use std::process::ExitCode;

use infisical_oci_auth::{
    AttachOciAuth, Client, Error, IdentityId, IdentityOciAuth, UpdateOciAuth,
};
use infisical_oci_auth_fake::FakeInfisical;

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
    tour(&client, &identity, &tenancy).await
}

/// The tour, on any server.
async fn tour(
    client: &Client,
    identity: &IdentityId,
    tenancy: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    // 0. Only an identity without OCI Auth: the steps below would overwrite and then revoke
    //    a configuration someone relies on.
    if client.find_oci_auth(identity).await?.is_some() {
        return Err(format!(
            "identity {identity} already has OCI Auth attached; the quickstart changed \
             nothing. Run it on an identity without OCI Auth."
        )
        .into());
    }

    // 1. Attach OCI Auth with the server's defaults. An "already configured" here means
    //    someone attached it since step 0: stop, and leave theirs alone.
    let attach = AttachOciAuth::builder(tenancy).build()?;
    show(
        "1. Attached OCI Auth:",
        &client.attach_oci_auth(identity, &attach).await?,
    );
    let steps = steps(client, identity, tenancy).await;

    // 6. Revoke what step 1 attached, whatever happened in between.
    client.revoke_oci_auth(identity).await?;
    println!("6. Revoked the OCI Auth attached in step 1 from identity {identity}.");
    steps
}

async fn steps(
    client: &Client,
    identity: &IdentityId,
    tenancy: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    // 2. Update it: the heart of the crate.
    let update = UpdateOciAuth::builder()
        .tenancy_ocid(tenancy)
        .allowed_usernames("alice, bob")
        .access_token_trusted_ips(["0.0.0.0/0", "::/0"])
        .access_token_ttl(1800)
        .access_token_max_ttl(3600)
        .build()?;
    show(
        "2. Updated (PATCH):",
        &client.update_oci_auth(identity, &update).await?,
    );

    // 3. Read it back.
    show("3. Read back:", &client.get_oci_auth(identity).await?);

    // 4. An invalid update never leaves the process.
    let refused = UpdateOciAuth::builder()
        .tenancy_ocid(tenancy)
        .allowed_usernames("bob smith")
        .build()
        .map_err(Error::from);
    match refused {
        Err(e @ Error::Validation(_)) => println!("4. Refused before sending: {e}"),
        other => return Err(format!("expected a validation error, got {other:?}").into()),
    }

    // 5. Change one thing, keep the rest (GET, then PATCH).
    let config = client
        .modify_oci_auth(identity, |edit| edit.access_token_num_uses_limit(10))
        .await?;
    show("5. Limited token uses, kept everything else:", &config);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_identity_with_oci_auth_is_left_as_it_was() {
        let fake = FakeInfisical::start().await.unwrap();
        let client = fake.client_builder().build().unwrap();
        let identity = fake.create_identity();
        let theirs = AttachOciAuth::builder("ocid1.tenancy.oc1..theirs")
            .allowed_usernames("carol")
            .build()
            .unwrap();
        client.attach_oci_auth(&identity, &theirs).await.unwrap();
        let before = fake.oci_auth(&identity);

        let err = tour(&client, &identity, "ocid1.tenancy.oc1..aaaa")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("already has OCI Auth"), "{err}");
        assert_eq!(fake.oci_auth(&identity), before);
        let writes = fake.requests().iter().filter(|r| r.method != "GET").count();
        assert_eq!(writes, 1, "only the test's own attach");
    }

    #[tokio::test]
    async fn a_failing_step_still_revokes_what_the_tour_attached() {
        use infisical_oci_auth_fake::Fault;
        let fake = FakeInfisical::start().await.unwrap();
        let client = fake.client_builder().build().unwrap();
        let identity = fake.create_identity();
        // The GET and the attach go through; the update (step 2) gets a 500.
        fake.inject(Fault::Delay(std::time::Duration::ZERO), 2);
        fake.inject(
            Fault::Status {
                status: 500,
                retry_after: None,
            },
            1,
        );
        assert!(
            tour(&client, &identity, "ocid1.tenancy.oc1..aaaa")
                .await
                .is_err()
        );
        assert_eq!(fake.oci_auth(&identity), None, "revoked all the same");
        let methods: Vec<_> = fake.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(methods, ["GET", "POST", "PATCH", "DELETE"]);
    }
}
