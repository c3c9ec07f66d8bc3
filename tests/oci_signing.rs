//! OCI keys and request signing: Oracle's published vectors, every key format, bad keys.
#![cfg(feature = "oci")]

use infisical_oci_auth::Error;
use infisical_oci_auth::oci::{PrivateKey, sign_request};

const FINGERPRINT: &str = "fd:92:9f:b8:ac:60:ec:e5:07:ec:b5:22:f1:a7:3f:75";
const PASSPHRASE: &str = "test-passphrase";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

// Oracle's vectors (oracle/oci-go-sdk common/http_signer_test.go).
const ORACLE_KEY_ID: &str = "ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq/ocid1.user.oc1..aaaaaaaat5nvwcna5j6aqzjcaty5eqbb6qt2jvpkanghtgdaqedqw3rynjq/20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34";
const ORACLE_DATE: &str = "Thu, 05 Jan 2014 21:31:40 GMT";
const ORACLE_HOST: &str = "iaas.us-phoenix-1.oraclecloud.com";

#[test]
fn oracle_get_vector() {
    let key = PrivateKey::from_pem(&fixture("oracle-test-vector.pem"), None).unwrap();
    let path = "/20160918/instances?availabilityDomain=Pjwf%3A%20PHX-AD-1&compartmentId=ocid1.compartment.oc1..aaaaaaaam3we6vgnherjq5q2idnccdflvjsnog7mlr6rtdb25gilchfeyjxa&displayName=TeamXInstances&volumeId=ocid1.volume.oc1.phx.abyhqljrgvttnlx73nmrwfaux7kcvzfs3s66izvxf2h4lgvyndsdsnoiwr5q";
    let auth = sign_request(
        &key,
        ORACLE_KEY_ID,
        "GET",
        path,
        &[
            ("date", ORACLE_DATE),
            ("(request-target)", "ignored"),
            ("host", ORACLE_HOST),
        ],
    )
    .unwrap();
    assert_eq!(
        auth,
        format!(
            "Signature version=\"1\",headers=\"date (request-target) host\",keyId=\"{ORACLE_KEY_ID}\",algorithm=\"rsa-sha256\",signature=\"GBas7grhyrhSKHP6AVIj/h5/Vp8bd/peM79H9Wv8kjoaCivujVXlpbKLjMPeDUhxkFIWtTtLBj3sUzaFj34XE6YZAHc9r2DmE4pMwOAy/kiITcZxa1oHPOeRheC0jP2dqbTll8fmTZVwKZOKHYPtrLJIJQHJjNvxFWeHQjMaR7M=\""
        )
    );
}

#[test]
fn oracle_post_vector_with_body_headers() {
    let key = PrivateKey::from_pem(&fixture("oracle-test-vector.pem"), None).unwrap();
    let auth = sign_request(
        &key,
        ORACLE_KEY_ID,
        "POST",
        "/20160918/volumeAttachments",
        &[
            ("date", ORACLE_DATE),
            ("(request-target)", ""),
            ("host", ORACLE_HOST),
            ("content-length", "316"),
            ("content-type", "application/json"),
            (
                "x-content-sha256",
                "V9Z20UJTvkvpJ50flBzKE32+6m2zJjweHpDMX/U4Uy0=",
            ),
        ],
    )
    .unwrap();
    assert_eq!(
        auth,
        format!(
            "Signature version=\"1\",headers=\"date (request-target) host content-length content-type x-content-sha256\",keyId=\"{ORACLE_KEY_ID}\",algorithm=\"rsa-sha256\",signature=\"Mje8vIDPlwIHmD/cTDwRxE7HaAvBg16JnVcsuqaNRim23fFPgQfLoOOxae6WqKb1uPjYEl0qIdazWaBy/Ml8DRhqlocMwoSXv0fbukP8J5N80LCmzT/FFBvIvTB91XuXI3hYfP9Zt1l7S6ieVadHUfqBedWH0itrtPJBgKmrWso=\""
        )
    );
}

#[test]
fn every_key_format_reads_to_the_same_key() {
    for (file, passphrase) in [
        ("pkcs1.pem", None),
        ("pkcs8.pem", None),
        ("pkcs8-encrypted.pem", Some(PASSPHRASE)),
        ("legacy-aes128.pem", Some(PASSPHRASE)),
        ("legacy-aes256.pem", Some(PASSPHRASE)),
        ("legacy-des3.pem", Some(PASSPHRASE)),
        ("oci-console-crlf.pem", None),
        // A passphrase given for an unencrypted key is ignored.
        ("pkcs8.pem", Some(PASSPHRASE)),
    ] {
        let key = PrivateKey::from_pem(&fixture(file), passphrase)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.fingerprint(), FINGERPRINT, "{file}");
        assert_eq!(key.public_key_pem(), fixture("public.pem"), "{file}");
    }
}

#[test]
fn the_same_key_signs_the_same_way_in_every_format() {
    let sign = |file: &str, pass| {
        let key = PrivateKey::from_pem(&fixture(file), pass).unwrap();
        sign_request(
            &key,
            "t/u/f",
            "GET",
            "/x",
            &[("(request-target)", ""), ("host", "h")],
        )
        .unwrap()
    };
    let reference = sign("pkcs1.pem", None);
    assert_eq!(sign("legacy-des3.pem", Some(PASSPHRASE)), reference);
    assert_eq!(sign("pkcs8-encrypted.pem", Some(PASSPHRASE)), reference);
}

fn key_error(pem: &str, passphrase: Option<&str>) -> String {
    match PrivateKey::from_pem(pem, passphrase) {
        Err(Error::Credentials { location, reason }) => {
            assert_eq!(location, "private key");
            assert!(
                !reason.contains(PASSPHRASE),
                "the passphrase leaked: {reason}"
            );
            assert!(!reason.contains("MII"), "key material leaked: {reason}");
            reason
        }
        other => panic!("expected a credentials error, got {other:?}"),
    }
}

#[test]
fn bad_keys_are_typed_errors_that_hold_no_secret() {
    assert!(key_error(&fixture("pkcs8-encrypted.pem"), None).contains("no passphrase"));
    assert!(key_error(&fixture("legacy-aes128.pem"), None).contains("no passphrase"));
    assert!(key_error(&fixture("pkcs8-encrypted.pem"), Some("wrong")).contains("wrong passphrase"));
    assert!(key_error(&fixture("legacy-des3.pem"), Some("wrong")).contains("wrong passphrase"));
    assert!(key_error(&fixture("public.pem"), None).contains("public key"));
    assert!(key_error("not a key", None).contains("no PEM block"));
    let pem = |body: &str, end: bool| {
        let label = "PRIVATE KEY";
        let end = if end {
            format!("-----END {label}-----\n")
        } else {
            String::new()
        };
        format!("-----BEGIN {label}-----\n{body}\n{end}")
    };
    assert!(key_error(&pem("AAAA", false), None).contains("END"));
    assert!(key_error(&pem("!!!", true), None).contains("base64"));
    assert!(
        key_error(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            None
        )
        .contains("unsupported")
    );
    let pkcs1 = fixture("pkcs1.pem");
    let truncated: String = pkcs1
        .lines()
        .take(10)
        .chain(["-----END RSA PRIVATE KEY-----"])
        .collect::<Vec<_>>()
        .join("\n");
    assert!(key_error(&truncated, None).contains("PKCS#1"));
}

#[test]
fn debug_shows_only_the_fingerprint() {
    let key = PrivateKey::from_pem(&fixture("pkcs1.pem"), None).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains(FINGERPRINT));
    let body: String = fixture("pkcs1.pem")
        .lines()
        .nth(1)
        .unwrap()
        .chars()
        .take(20)
        .collect();
    assert!(!debug.contains(&body));
}
