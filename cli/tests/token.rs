//! `infisical-oci-auth token`: an OCI login against the fake, and the token it issued on
//! stdout in each format, masked for GitHub Actions; a refused login says why.

mod common;

use common::{Scratch, run, stderr, stdout};
use infisical_oci_auth::AttachOciAuth;
use infisical_oci_auth::oci::public_key_fingerprint;
use infisical_oci_auth_fake::FakeInfisical;

const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaatesttenancy";
const USER: &str = "ocid1.user.oc1..bbbb";

fn key_fixture(name: &str) -> String {
    format!(
        "{}/../tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A fake with an identity whose OCI Auth allows `usernames`, an OCI user "alice" signing
/// with the test key, and the OCI config file that logs in as her.
async fn setup(usernames: &str) -> (FakeInfisical, String, Scratch, String) {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = fake.create_identity();
    let attach = AttachOciAuth::builder(TENANCY)
        .allowed_usernames(usernames)
        .build()
        .unwrap();
    let admin = fake.client_builder().build().unwrap();
    admin.attach_oci_auth(&identity, &attach).await.unwrap();
    let public = std::fs::read_to_string(key_fixture("public.pem")).unwrap();
    fake.register_oci_user(USER, TENANCY, "alice", &public)
        .unwrap();
    let dir = Scratch::new();
    let config = dir.write(
        "config",
        &format!(
            "[DEFAULT]\nuser={USER}\nfingerprint={}\nkey_file={}\ntenancy={TENANCY}\nregion=us-ashburn-1\n",
            public_key_fingerprint(&public).unwrap(),
            key_fixture("pkcs1.pem")
        ),
    );
    (fake, identity.to_string(), dir, config)
}

async fn token(
    fake: &FakeInfisical,
    identity: &str,
    config: &str,
    args: &[&str],
    extra: &[(&str, &str)],
) -> std::process::Output {
    let url = fake.base_url();
    let mut env = vec![
        ("INFISICAL_API_URL", url.as_str()),
        ("INFISICAL_OCI_IDENTITY_ID", identity),
        ("OCI_CLI_CONFIG_FILE", config),
    ];
    env.extend_from_slice(extra);
    let mut all = vec!["token"];
    all.extend_from_slice(args);
    run(None, &all, &env).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_prints_the_token_the_server_issued_in_each_format() {
    let (fake, identity, _dir, config) = setup("alice").await;
    let o = token(&fake, &identity, &config, &[], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let raw = stdout(&o);
    let issued = fake.issued_login_tokens();
    assert_eq!(
        raw,
        format!("{}\n", issued.last().unwrap()),
        "the token alone, one line"
    );
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));

    let o = token(&fake, &identity, &config, &["--format", "env"], &[]).await;
    let issued = fake.issued_login_tokens();
    assert_eq!(
        stdout(&o),
        format!("INFISICAL_TOKEN={}\n", issued.last().unwrap())
    );

    let o = token(&fake, &identity, &config, &["--format", "json"], &[]).await;
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        doc["accessToken"],
        fake.issued_login_tokens().last().unwrap().as_str()
    );
    assert_eq!(doc["expiresIn"], 2_592_000);
    assert!(doc["lifetime"].as_u64().unwrap() > 0);

    // On GitHub Actions the runner is told to mask it first.
    let o = token(
        &fake,
        &identity,
        &config,
        &[],
        &[("GITHUB_ACTIONS", "true")],
    )
    .await;
    let issued = fake.issued_login_tokens();
    let secret = issued.last().unwrap();
    assert_eq!(stdout(&o), format!("::add-mask::{secret}\n{secret}\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_login_exits_1_with_the_reason() {
    let (fake, identity, _dir, config) = setup("bob").await;
    let o = token(&fake, &identity, &config, &[], &[]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    let said = stderr(&o);
    assert!(
        said.starts_with("error: Infisical refused the OCI login"),
        "{said}"
    );
    assert!(said.contains("INFISICAL_OCI_IDENTITY_ID"), "{said}");
    assert!(said.contains("reason: username_not_allowed"), "{said}");
    // No identity to log in as: a usage error naming the variable.
    let o = run(
        None,
        &["token"],
        &[("OCI_CLI_CONFIG_FILE", config.as_str())],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("INFISICAL_OCI_IDENTITY_ID") || stderr(&o).contains("--identity"),
        "{}",
        stderr(&o)
    );
}
