//! OCI request signatures (signature version 1, draft-cavage-http-signatures-08).

use base64::Engine as _;

use super::PrivateKey;

/// The Authorization header value that signs exactly `headers`, in their order.
///
/// Each `(name, value)` becomes a `name: value` line of the signing string, names
/// lowercased. The pseudo-header `(request-target)` is computed as the lowercase `method`,
/// a space and `path_and_query`; the value given with it is ignored. The result is
///
/// ```text
/// Signature version="1",headers="<names>",keyId="<key_id>",algorithm="rsa-sha256",signature="<base64>"
/// ```
///
/// with an RSASSA-PKCS1-v1_5 SHA-256 signature. `key_id` is
/// `<tenancy OCID>/<user OCID>/<key fingerprint>`.
///
/// ```
/// use infisical_oci_auth::oci::{PrivateKey, sign_request};
///
/// let key = PrivateKey::from_pem(&std::fs::read_to_string("tests/fixtures/keys/pkcs1.pem")?, None)?;
/// let auth = sign_request(
///     &key,
///     "ocid1.tenancy.oc1..aaaa/ocid1.user.oc1..bbbb/aa:bb",
///     "GET",
///     "/20160918/users/ocid1.user.oc1..bbbb",
///     &[("x-date", "Thu, 27 Nov 2026 00:00:00 GMT"), ("(request-target)", ""), ("host", "identity.us-ashburn-1.oraclecloud.com")],
/// )?;
/// assert!(auth.starts_with(r#"Signature version="1",headers="x-date (request-target) host",keyId="#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Credentials`](crate::Error::Credentials) if the key cannot sign (which a key
/// accepted by [`PrivateKey::from_pem`] does not do).
pub fn sign_request(
    key: &PrivateKey,
    key_id: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> Result<String, crate::Error> {
    let (names, signing_string) = names_and_lines(method, path_and_query, headers);
    let signature =
        key.sign(signing_string.as_bytes())
            .map_err(|reason| crate::Error::Credentials {
                location: "private key".into(),
                reason,
            })?;
    let signature = base64::engine::general_purpose::STANDARD.encode(signature);
    Ok(format!(
        "Signature version=\"1\",headers=\"{names}\",keyId=\"{key_id}\",algorithm=\"rsa-sha256\",signature=\"{signature}\""
    ))
}

/// The signing string that [`sign_request`] signs for the same arguments: one
/// `name: value` line per header, names lowercased, `(request-target)` computed. For
/// checking a signature, e.g. in a test server that verifies what a client signed.
///
/// ```
/// let text = infisical_oci_auth::oci::signing_string(
///     "GET",
///     "/20160918/users/u",
///     &[("X-Date", "d"), ("(request-target)", ""), ("host", "h")],
/// );
/// assert_eq!(text, "x-date: d\n(request-target): get /20160918/users/u\nhost: h");
/// ```
pub fn signing_string(method: &str, path_and_query: &str, headers: &[(&str, &str)]) -> String {
    names_and_lines(method, path_and_query, headers).1
}

/// The space-separated header names and the signing string.
fn names_and_lines(
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> (String, String) {
    let mut names = String::new();
    let mut lines = String::new();
    for (i, (name, value)) in headers.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        if i > 0 {
            names.push(' ');
            lines.push('\n');
        }
        names.push_str(&name);
        lines.push_str(&name);
        lines.push_str(": ");
        if name == "(request-target)" {
            lines.push_str(&method.to_ascii_lowercase());
            lines.push(' ');
            lines.push_str(path_and_query);
        } else {
            lines.push_str(value);
        }
    }
    (names, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_target_is_computed() {
        let (names, s) = names_and_lines(
            "GET",
            "/a?b=c",
            &[
                ("Date", "d"),
                ("(request-target)", "ignored"),
                ("host", "h"),
            ],
        );
        assert_eq!(names, "date (request-target) host");
        assert_eq!(s, "date: d\n(request-target): get /a?b=c\nhost: h");
    }
}
