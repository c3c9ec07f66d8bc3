//! The OCI config file: inheritance, profiles, paths, and errors that say where.
#![cfg(feature = "oci")]

use std::path::{Path, PathBuf};

use infisical_oci_auth::Error;
use infisical_oci_auth::oci::OciCredentials;

const FINGERPRINT: &str = "fd:92:9f:b8:ac:60:ec:e5:07:ec:b5:22:f1:a7:3f:75";

/// A fresh folder with the test keys copied in, removed on drop.
fn workdir() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    for key in ["pkcs1.pem", "pkcs8-encrypted.pem", "public.pem"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/keys")
                .join(key),
            dir.join("keys").join(key),
        )
        .unwrap();
    }
    temp
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config");
    std::fs::write(&path, text).unwrap();
    path
}

fn credentials_error(result: Result<OciCredentials, Error>) -> (String, String) {
    match result {
        Err(Error::Credentials { location, reason }) => (location, reason),
        other => panic!("expected a credentials error, got {other:?}"),
    }
}

#[test]
fn default_profile_with_a_relative_key_path() {
    let temp = workdir();
    let dir = temp.path();
    let config = write_config(
        dir,
        &format!(
            "# comment\n[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nfingerprint={FINGERPRINT}\nkey_file=keys/pkcs1.pem\ntenancy=ocid1.tenancy.oc1..tttt\nregion=us-ashburn-1\n"
        ),
    );
    let creds = OciCredentials::from_config_file(&config, None).unwrap();
    assert_eq!(creds.user_ocid(), "ocid1.user.oc1..aaaa");
    assert_eq!(creds.tenancy_ocid().as_str(), "ocid1.tenancy.oc1..tttt");
    assert_eq!(creds.region().as_str(), "us-ashburn-1");
    assert_eq!(
        creds.key_id(),
        format!("ocid1.tenancy.oc1..tttt/ocid1.user.oc1..aaaa/{FINGERPRINT}")
    );
    assert!(!format!("{creds:?}").contains("PRIVATE"));
}

#[test]
fn named_profiles_inherit_from_default() {
    let temp = workdir();
    let dir = temp.path();
    let config = write_config(
        dir,
        &format!(
            "[DEFAULT]\ntenancy = ocid1.tenancy.oc1..tttt\nregion = us-ashburn-1\nfingerprint = {FINGERPRINT}\n\n\
             [WORK]\nuser = ocid1.user.oc1..work\nregion = eu-frankfurt-1\nkey_file = {}\npass_phrase = test-passphrase\n",
            dir.join("keys/pkcs8-encrypted.pem").display()
        ),
    );
    let creds = OciCredentials::from_config_file(&config, Some("WORK")).unwrap();
    assert_eq!(creds.user_ocid(), "ocid1.user.oc1..work");
    assert_eq!(
        creds.region().as_str(),
        "eu-frankfurt-1",
        "the profile's own value wins"
    );
    assert_eq!(
        creds.tenancy_ocid().as_str(),
        "ocid1.tenancy.oc1..tttt",
        "inherited"
    );
    assert_eq!(creds.fingerprint(), FINGERPRINT);
}

#[test]
fn errors_name_the_file_profile_and_entry() {
    let temp = workdir();
    let dir = temp.path();
    let base = format!(
        "user=ocid1.user.oc1..aaaa\nfingerprint={FINGERPRINT}\ntenancy=ocid1.tenancy.oc1..tttt\nregion=us-ashburn-1\n"
    );

    let config = write_config(dir, &format!("[DEFAULT]\n{base}"));
    let (location, reason) = credentials_error(OciCredentials::from_config_file(&config, None));
    assert!(location.ends_with("[DEFAULT] key_file"), "{location}");
    assert!(reason.contains("missing"));

    let (location, reason) =
        credentials_error(OciCredentials::from_config_file(&config, Some("PROD")));
    assert_eq!(location, config.display().to_string());
    assert!(
        reason.contains("no profile [PROD]") && reason.contains("DEFAULT"),
        "{reason}"
    );

    let config = write_config(
        dir,
        &format!("[DEFAULT]\n{base}key_file=keys/missing.pem\n"),
    );
    let (location, reason) = credentials_error(OciCredentials::from_config_file(&config, None));
    assert!(
        location.contains("missing.pem") && location.contains("[DEFAULT]"),
        "{location}"
    );
    assert!(reason.contains("cannot read"));

    let config = write_config(
        dir,
        &format!("[DEFAULT]\n{base}key_file=keys/pkcs8-encrypted.pem\npass_phrase=not-it\n"),
    );
    let (location, reason) = credentials_error(OciCredentials::from_config_file(&config, None));
    assert!(location.contains("pkcs8-encrypted.pem"), "{location}");
    assert!(
        reason.contains("wrong passphrase") && !reason.contains("not-it"),
        "{reason}"
    );

    let config = write_config(dir, &format!("[DEFAULT]\n{base}key_file=keys/public.pem\n"));
    let (_, reason) = credentials_error(OciCredentials::from_config_file(&config, None));
    assert!(reason.contains("public key"), "{reason}");

    let config = write_config(
        dir,
        &base
            .replace(FINGERPRINT, "aa:bb")
            .replace("user=", "[DEFAULT]\nkey_file=keys/pkcs1.pem\nuser="),
    );
    let (location, reason) = credentials_error(OciCredentials::from_config_file(&config, None));
    assert!(location.ends_with("fingerprint"), "{location}");
    assert!(
        reason.contains("aa:bb") && reason.contains(FINGERPRINT),
        "{reason}"
    );

    let config = write_config(dir, "user=ocid1.user.oc1..aaaa\n");
    let (location, reason) = credentials_error(OciCredentials::from_config_file(&config, None));
    assert!(location.ends_with(":1"), "{location}");
    assert!(reason.contains("before any [profile]"));

    let config = write_config(dir, "[DEFAULT]\nthis line is not an entry\n");
    let (location, _) = credentials_error(OciCredentials::from_config_file(&config, None));
    assert!(location.ends_with(":2"), "{location}");

    let (location, reason) =
        credentials_error(OciCredentials::from_config_file(dir.join("nope"), None));
    assert!(
        location.ends_with("nope") && reason.contains("cannot read"),
        "{location}: {reason}"
    );
}

#[test]
fn a_bad_region_in_the_config_is_a_validation_error() {
    let temp = workdir();
    let dir = temp.path();
    let config = write_config(
        dir,
        &format!(
            "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nfingerprint={FINGERPRINT}\nkey_file=keys/pkcs1.pem\ntenancy=ocid1.tenancy.oc1..tttt\nregion=Phoenix\n"
        ),
    );
    let err = OciCredentials::from_config_file(&config, None).unwrap_err();
    assert!(
        matches!(&err, Error::Validation(e) if e.field() == "region"),
        "{err:?}"
    );
}
