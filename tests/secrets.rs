//! No bearer token, private key or passphrase ever reaches `Debug`, `Display`, an error or a
//! log line, whatever the crate is asked to do.

mod common;

use infisical_oci_auth::oci::{OciCredentials, PrivateKey};
use infisical_oci_auth::{AttachOciAuth, Client, UpdateOciAuth};
use infisical_oci_auth_fake::{FakeInfisical, Fault};
use secrecy::ExposeSecret;

const PASSPHRASE: &str = "test-passphrase";
const TENANCY: &str = "ocid1.tenancy.oc1..aaaa";
const USER: &str = "ocid1.user.oc1..bbbb";

fn fixture(name: &str) -> String {
    common::key_fixture(name)
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_debug_display_errors_or_logs() {
    let logs = common::CapturedLogs::start();
    let mut seen = Vec::<String>::new();

    // Management with a static token, including failures and retries.
    let fake = FakeInfisical::start().await.unwrap();
    let identity = fake.create_identity();
    let builder = fake.client_builder();
    seen.push(format!("{builder:?}"));
    let client = builder.build().unwrap();
    seen.push(format!("{client:?}"));
    let attach = AttachOciAuth::builder(TENANCY)
        .access_token_ttl(600)
        .build()
        .unwrap();
    seen.push(format!(
        "{:?}",
        client.attach_oci_auth(&identity, &attach).await
    ));
    fake.inject(
        Fault::Status {
            status: 503,
            retry_after: Some("0".into()),
        },
        1,
    );
    let update = UpdateOciAuth::builder()
        .tenancy_ocid(TENANCY)
        .allow_any_username()
        .build()
        .unwrap();
    seen.push(format!(
        "{:?}",
        client.update_oci_auth(&identity, &update).await
    ));
    for result in [
        client.get_oci_auth(&fake.create_identity()).await,
        Client::builder()
            .base_url(fake.base_url())
            .token("not-a-real-token-9f8e7d")
            .build()
            .unwrap()
            .get_oci_auth(&identity)
            .await,
    ] {
        let err = result.unwrap_err();
        seen.push(format!("{err} {err:?}"));
    }

    // OCI login with an encrypted key read from a config file.
    fake.register_oci_user(USER, TENANCY, "alice", &fixture("public.pem"))
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("secrets-test");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("key.pem"), fixture("pkcs8-encrypted.pem")).unwrap();
    std::fs::write(
        dir.join("config"),
        format!("[DEFAULT]\nuser={USER}\nfingerprint=fd:92:9f:b8:ac:60:ec:e5:07:ec:b5:22:f1:a7:3f:75\nkey_file=key.pem\ntenancy={TENANCY}\nregion=us-ashburn-1\npass_phrase={PASSPHRASE}\n"),
    )
    .unwrap();
    let credentials = OciCredentials::from_config_file(dir.join("config"), None).unwrap();
    seen.push(format!("{credentials:?}"));
    let key = PrivateKey::from_pem(&fixture("pkcs8-encrypted.pem"), Some(PASSPHRASE)).unwrap();
    seen.push(format!("{key:?}"));
    seen.push(format!(
        "{}",
        PrivateKey::from_pem(&fixture("pkcs8-encrypted.pem"), Some("nope")).unwrap_err()
    ));
    let plain = Client::builder().base_url(fake.base_url()).build().unwrap();
    let token = plain.login(&credentials, &identity, None).await.unwrap();
    seen.push(format!("{token:?}"));
    let oci = Client::builder()
        .base_url(fake.base_url())
        .oci_login(credentials.clone(), identity)
        .build()
        .unwrap();
    seen.push(format!("{oci:?}"));
    seen.push(format!("{:?}", oci.get_oci_auth(&identity).await));
    fake.expire_identity_tokens();
    seen.push(format!("{:?}", oci.get_oci_auth(&identity).await));

    // Every secret that was in play.
    let mut secrets = vec![
        fake.admin_token().to_owned(),
        PASSPHRASE.to_owned(),
        token.token().expose_secret().to_owned(),
    ];
    for request in fake.requests() {
        if let Some(bearer) = request
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
        {
            secrets.push(bearer.to_owned());
        }
    }
    for file in ["pkcs1.pem", "pkcs8.pem", "pkcs8-encrypted.pem"] {
        // Whole base64 lines of the key (the short last line could match anything).
        secrets.extend(
            fixture(file)
                .lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 32)
                .map(str::to_owned),
        );
    }
    assert!(secrets.len() > 40);

    let logs = logs.text();
    assert!(
        logs.contains("updateOciAuth") && logs.contains("retrying"),
        "spans and retry events are logged:\n{logs}"
    );
    assert!(logs.contains("loginWithOciAuth"));
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret is in the logs: {secret}"
        );
        for text in &seen {
            assert!(!text.contains(secret.as_str()), "{secret:?} is in {text}");
        }
    }
}
