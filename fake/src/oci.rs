//! The fake's side of OCI: what OCI itself checks when Infisical replays a login's signed
//! request (the signature, with the signer's registered key, and the date), and what
//! Infisical checks before replaying it (the host, and with the strict check of Infisical
//! PR #8215 the signer named in the keyId).

use std::time::{Duration, SystemTime};

use base64::Engine as _;

use infisical_oci_auth::oci::Region;

/// Whether `host` is `identity.<region>.oraclecloud.com` for a valid region (upstream
/// `identity-oci-auth-router.ts`, the `host` regex of the login body).
pub(super) fn is_identity_host(host: &str) -> bool {
    host.strip_prefix("identity.")
        .and_then(|h| h.strip_suffix(".oraclecloud.com"))
        .is_some_and(|region| Region::new(region).is_ok_and(|r| r.as_str() == region))
}

/// The user OCID in the `keyId` of an `Authorization: Signature …` value, read as strictly as
/// Infisical PR #8215 reads it (`identity-oci-auth-fns.ts`, `getOciSignerUserOcid`): the
/// scheme word `Signature` in any case, then `name="value"` pairs split on `,` (whitespace
/// around them allowed, names in any case, none twice), and a keyId of exactly three
/// non-empty `/`-separated parts. `None` when any of that fails. Used by the fake server.
pub(super) fn signer_user_ocid(authorization: &str) -> Option<&str> {
    const SCHEME: &str = "signature ";
    let header = authorization.trim();
    let scheme = header.get(..SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let mut params: Vec<(String, &str)> = Vec::new();
    for raw in header[SCHEME.len()..].split(',') {
        let (name, value) = raw.trim().split_once('=')?;
        let name = name.trim_end();
        let value = value.trim_start();
        let value = value.strip_prefix('"')?.strip_suffix('"')?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphabetic()) || value.contains('"')
        {
            return None;
        }
        let name = name.to_ascii_lowercase();
        if params.iter().any(|(n, _)| *n == name) {
            return None;
        }
        params.push((name, value));
    }
    let key_id = params.iter().find(|(n, _)| n == "keyid")?.1;
    let mut segments = key_id.split('/');
    let (tenancy, user, fingerprint) = (segments.next()?, segments.next()?, segments.next()?);
    if segments.next().is_some() || tenancy.is_empty() || user.is_empty() || fingerprint.is_empty()
    {
        return None;
    }
    Some(user)
}

/// Checks a login's signed headers as OCI would on the replayed request: the signature
/// over the listed headers with a registered key of the signer named in the keyId (looked
/// up by `keys_of`, by user OCID), and a date within five minutes. Like OCI, it does not
/// require the signer to be the user asked for. Used by the fake server.
pub(super) fn verify_replayed_request<'k>(
    headers: &serde_json::Value,
    path: &str,
    keys_of: impl Fn(&str) -> Option<&'k [(String, Vec<u8>)]>,
) -> Result<(), String> {
    let header = |name: &str| headers.get(name).and_then(serde_json::Value::as_str);
    let params = header("authorization")
        .and_then(parse_authorization)
        .ok_or("malformed authorization")?;
    if params.algorithm != "rsa-sha256" {
        return Err("unsupported algorithm".into());
    }
    let mut key_id = params.key_id.rsplitn(3, '/');
    let (fingerprint, user) = (
        key_id.next().unwrap_or_default(),
        key_id.next().unwrap_or_default(),
    );
    let (_, der) = keys_of(user)
        .ok_or("unknown signer")?
        .iter()
        .find(|(f, _)| f == fingerprint)
        .ok_or("unknown key fingerprint")?;
    let mut signed = Vec::with_capacity(params.headers.len());
    for name in &params.headers {
        let value = if name == "(request-target)" {
            ""
        } else {
            header(name).ok_or("a signed header is missing")?
        };
        signed.push((name.as_str(), value));
    }
    for required in ["(request-target)", "host"] {
        if !params.headers.iter().any(|h| h == required) {
            return Err("required header not signed".into());
        }
    }
    let date = header("x-date")
        .or_else(|| header("date"))
        .ok_or("no date")?;
    if !params.headers.iter().any(|h| h == "x-date" || h == "date") {
        return Err("date not signed".into());
    }
    let when = httpdate::parse_http_date(date).map_err(|_| "malformed date")?;
    let skew = SystemTime::now()
        .duration_since(when)
        .unwrap_or_else(|e| e.duration());
    if skew > Duration::from_secs(300) {
        return Err("date too far from now".into());
    }
    let signing_string = infisical_oci_auth::oci::signing_string("GET", path, &signed);
    if verify(der, signing_string.as_bytes(), &params.signature) {
        Ok(())
    } else {
        Err("bad signature".into())
    }
}

/// Verifies an RSASSA-PKCS1-v1_5/SHA-256 signature with a SubjectPublicKeyInfo DER key (as
/// OCI does: keys of 2048 bits or more).
fn verify(spki_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki_der)
        .verify(message, signature)
        .is_ok()
}

/// The parameters of a `Signature …` Authorization value.
#[derive(Debug, Default, PartialEq, Eq)]
struct SignatureParams {
    headers: Vec<String>,
    key_id: String,
    algorithm: String,
    signature: Vec<u8>,
}

/// Parses `Signature version="1",headers="…",keyId="…",algorithm="…",signature="…"`.
fn parse_authorization(value: &str) -> Option<SignatureParams> {
    let rest = value.strip_prefix("Signature ")?;
    let mut params = SignatureParams::default();
    let mut version = None;
    let mut signature = None;
    for part in split_params(rest) {
        let (name, quoted) = part.split_once('=')?;
        let value = quoted.trim().strip_prefix('"')?.strip_suffix('"')?;
        match name.trim() {
            "version" => version = Some(value.to_owned()),
            "headers" => params.headers = value.split(' ').map(str::to_owned).collect(),
            "keyId" => params.key_id = value.to_owned(),
            "algorithm" => params.algorithm = value.to_owned(),
            "signature" => signature = base64::engine::general_purpose::STANDARD.decode(value).ok(),
            _ => {}
        }
    }
    if version.as_deref() != Some("1") || params.headers.is_empty() {
        return None;
    }
    params.signature = signature?;
    Some(params)
}

/// Splits on commas outside quotes.
fn split_params(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_parses_back() {
        let p = parse_authorization(r#"Signature version="1",headers="x-date (request-target) host",keyId="t/u/f",algorithm="rsa-sha256",signature="c2ln""#).unwrap();
        assert_eq!(p.headers, ["x-date", "(request-target)", "host"]);
        assert_eq!(p.key_id, "t/u/f");
        assert_eq!(p.signature, b"sig");
        assert!(parse_authorization("Signature x").is_none());
        assert!(
            parse_authorization(r#"Signature version="2",headers="a",signature="c2ln""#).is_none()
        );
    }
}
