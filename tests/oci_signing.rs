//! OCI keys and request signing: Oracle's published vectors, every key format, bad keys.
#![cfg(feature = "oci")]

use infisical_oci_auth::Error;
use infisical_oci_auth::oci::{PrivateKey, sign_request, signing_string};

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

const ORACLE_GET_PATH: &str = "/20160918/instances?availabilityDomain=Pjwf%3A%20PHX-AD-1&compartmentId=ocid1.compartment.oc1..aaaaaaaam3we6vgnherjq5q2idnccdflvjsnog7mlr6rtdb25gilchfeyjxa&displayName=TeamXInstances&volumeId=ocid1.volume.oc1.phx.abyhqljrgvttnlx73nmrwfaux7kcvzfs3s66izvxf2h4lgvyndsdsnoiwr5q";
const ORACLE_GET_SIGNATURE: &str = "GBas7grhyrhSKHP6AVIj/h5/Vp8bd/peM79H9Wv8kjoaCivujVXlpbKLjMPeDUhxkFIWtTtLBj3sUzaFj34XE6YZAHc9r2DmE4pMwOAy/kiITcZxa1oHPOeRheC0jP2dqbTll8fmTZVwKZOKHYPtrLJIJQHJjNvxFWeHQjMaR7M=";
const ORACLE_POST_SIGNATURE: &str = "Mje8vIDPlwIHmD/cTDwRxE7HaAvBg16JnVcsuqaNRim23fFPgQfLoOOxae6WqKb1uPjYEl0qIdazWaBy/Ml8DRhqlocMwoSXv0fbukP8J5N80LCmzT/FFBvIvTB91XuXI3hYfP9Zt1l7S6ieVadHUfqBedWH0itrtPJBgKmrWso=";

fn oracle_get_headers() -> [(&'static str, &'static str); 3] {
    [
        ("date", ORACLE_DATE),
        ("(request-target)", "ignored"),
        ("host", ORACLE_HOST),
    ]
}

fn oracle_post_headers() -> [(&'static str, &'static str); 6] {
    [
        ("date", ORACLE_DATE),
        ("(request-target)", ""),
        ("host", ORACLE_HOST),
        ("content-length", "316"),
        ("content-type", "application/json"),
        (
            "x-content-sha256",
            "V9Z20UJTvkvpJ50flBzKE32+6m2zJjweHpDMX/U4Uy0=",
        ),
    ]
}

/// Whether Oracle's published `signature` verifies over `message` with the public key of
/// their RSA-1024 test key: then `message` is, byte for byte, the string Oracle signed.
fn oracle_signed(message: &str, signature: &str) -> bool {
    use aws_lc_rs::signature::{RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, UnparsedPublicKey};
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let pem = fixture("oracle-test-vector-public.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = b64.decode(body).unwrap();
    let signature = b64.decode(signature).unwrap();
    UnparsedPublicKey::new(&RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, der)
        .verify(message.as_bytes(), &signature)
        .is_ok()
}

#[test]
fn oracle_get_vector() {
    let message = signing_string("GET", ORACLE_GET_PATH, &oracle_get_headers());
    assert!(oracle_signed(&message, ORACLE_GET_SIGNATURE), "{message}");
    assert!(!oracle_signed(
        &message.replace("get", "GET"),
        ORACLE_GET_SIGNATURE
    ));

    // The header around the signature is Oracle's; the signature, for this crate's 2048-bit
    // test key, is what `openssl dgst -sha256 -sign pkcs1.pem` gives for the same string.
    let key = PrivateKey::from_pem(&fixture("pkcs1.pem"), None).unwrap();
    let auth = sign_request(
        &key,
        ORACLE_KEY_ID,
        "GET",
        ORACLE_GET_PATH,
        &oracle_get_headers(),
    )
    .unwrap();
    assert_eq!(
        auth,
        format!(
            "Signature version=\"1\",headers=\"date (request-target) host\",keyId=\"{ORACLE_KEY_ID}\",algorithm=\"rsa-sha256\",signature=\"{OPENSSL_GET_SIGNATURE}\""
        )
    );
}

/// `openssl dgst -sha256 -sign tests/fixtures/keys/pkcs1.pem` over the signing string of
/// Oracle's GET vector, base64.
const OPENSSL_GET_SIGNATURE: &str = "hhZJjGPZLX+mbUpSmPv/SLDWNpCwiGCTx5TpmFVGCFQhles8zvdAZoYEIsGb2z365SM09U3RTEso07Cscu8uT2cODG20b5Z1yHxjQMqyCloJaW4fdhqV4Ci4L+RQkaBR+bDpu5VGQj/U5HyQs2kqn7XC7gFpc9OlcycHR/cLlKXDZUfZucObyn9I8dhrJFs5l35EY6Vq+gBCUq6KhvNTGZIdA/VlbMTbqRXFtsUj2joMrUUYyPUfxnrEfm0Ir40FBfgtjk6Zn3MdtCoemxGFLObg88A80atj8Sn7fRuYHmpo6ayPsV7OBy4XY22lekEj2oHYEev35zYEIPY5ETM8MQ==";

#[test]
fn oracle_post_vector_with_body_headers() {
    let path = "/20160918/volumeAttachments";
    let message = signing_string("POST", path, &oracle_post_headers());
    assert!(oracle_signed(&message, ORACLE_POST_SIGNATURE), "{message}");
    let key = PrivateKey::from_pem(&fixture("pkcs8.pem"), None).unwrap();
    let auth = sign_request(&key, ORACLE_KEY_ID, "POST", path, &oracle_post_headers()).unwrap();
    assert!(auth.starts_with(&format!(
        "Signature version=\"1\",headers=\"date (request-target) host content-length content-type x-content-sha256\",keyId=\"{ORACLE_KEY_ID}\",algorithm=\"rsa-sha256\",signature=\""
    )));
}

#[test]
fn a_key_under_2048_bits_is_refused_as_oci_refuses_it() {
    let reason = key_error(&fixture("oracle-test-vector.pem"), None);
    assert!(reason.contains("fewer than 2048 bits"), "{reason}");
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
