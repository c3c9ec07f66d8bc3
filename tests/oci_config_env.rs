//! `~` in key paths and the OCI CLI's environment variables. One test in its own process,
//! since it sets environment variables.
#![cfg(feature = "oci")]

use std::path::Path;

use infisical_oci_auth::oci::OciCredentials;

#[test]
fn home_and_environment_are_honoured() {
    let temp = tempfile::tempdir().unwrap();
    let home = temp.path();
    std::fs::create_dir_all(home.join(".oci")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys/pkcs1.pem"),
        home.join(".oci/key.pem"),
    )
    .unwrap();
    let config = "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nfingerprint=fd:92:9f:b8:ac:60:ec:e5:07:ec:b5:22:f1:a7:3f:75\nkey_file=~/.oci/key.pem\ntenancy=ocid1.tenancy.oc1..tttt\nregion=us-ashburn-1\n\n[OTHER]\nregion=eu-frankfurt-1\n";
    std::fs::write(home.join(".oci/config"), config).unwrap();
    std::fs::write(
        home.join("elsewhere.ini"),
        config.replace("us-ashburn-1", "uk-london-1"),
    )
    .unwrap();

    // SAFETY: this test binary has this one test; no other thread reads the environment.
    unsafe {
        std::env::set_var("HOME", home);
        std::env::remove_var("OCI_CLI_CONFIG_FILE");
        std::env::remove_var("OCI_CLI_PROFILE");
    }
    let creds = OciCredentials::from_default_config().unwrap();
    assert_eq!(
        creds.region().as_str(),
        "us-ashburn-1",
        "~/.oci/config, profile DEFAULT, ~ in key_file"
    );

    unsafe { std::env::set_var("OCI_CLI_PROFILE", "OTHER") };
    assert_eq!(
        OciCredentials::from_default_config()
            .unwrap()
            .region()
            .as_str(),
        "eu-frankfurt-1"
    );

    unsafe {
        std::env::set_var("OCI_CLI_CONFIG_FILE", "~/elsewhere.ini");
        std::env::remove_var("OCI_CLI_PROFILE");
    }
    assert_eq!(
        OciCredentials::from_default_config()
            .unwrap()
            .region()
            .as_str(),
        "uk-london-1"
    );
}
