//! OCI API signing keys: PEM in every form OCI users meet, the OCI fingerprint, signing.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, PublicEncryptingKey};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use zeroize::Zeroizing;

/// The smallest RSA key accepted, in bits: what OCI accepts for an API key, and what
/// aws-lc-rs signs with.
const MIN_BITS: usize = 2048;

/// An RSA private key for OCI request signing.
///
/// Read from PEM blocks labelled `RSA PRIVATE KEY` (PKCS#1), `PRIVATE KEY` (PKCS#8),
/// `ENCRYPTED PRIVATE KEY` (encrypted PKCS#8) and legacy OpenSSL encryption (`Proc-Type:
/// 4,ENCRYPTED` with `DEK-Info` AES-128/192/256-CBC or DES-EDE3-CBC), with CRLF line endings
/// and the `OCI_API_KEY` label line of OCI Console downloads tolerated. The key material is
/// zeroized on drop and never printed: `Debug` shows the fingerprint only.
///
/// ```
/// use infisical_oci_auth::oci::PrivateKey;
///
/// let pem = std::fs::read_to_string("tests/fixtures/keys/pkcs8.pem")?;
/// let key = PrivateKey::from_pem(&pem, None)?;
/// assert_eq!(key.fingerprint().len(), 47); // "aa:bb:…", 16 bytes
/// assert!(!format!("{key:?}").contains("PRIVATE"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PrivateKey {
    /// aws-lc-rs keeps the key in its own memory and clears it on drop.
    key: KeyPair,
    fingerprint: String,
    public_der: Vec<u8>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// Why a key could not be read; the caller says where it came from.
pub(crate) type KeyError = String;

impl PrivateKey {
    /// Reads a PEM private key; `passphrase` is needed only for an encrypted one.
    ///
    /// # Errors
    /// [`Error::Credentials`](crate::Error::Credentials) when the text holds no PEM block, a
    /// public key, an unsupported format, a key smaller than 1024 bits, or an encrypted key
    /// without its passphrase or with a wrong one. The error never holds key material.
    pub fn from_pem(pem: &str, passphrase: Option<&str>) -> Result<Self, crate::Error> {
        Self::parse(pem, passphrase).map_err(|reason| crate::Error::Credentials {
            location: "private key".into(),
            reason,
        })
    }

    pub(crate) fn parse(pem: &str, passphrase: Option<&str>) -> Result<Self, KeyError> {
        let block = Pem::parse(pem)?;
        let key = match block.label.as_str() {
            "RSA PRIVATE KEY" => match block.header("DEK-Info") {
                None => pkcs1(&block.der)
                    .map_err(|e| format!("not a valid PKCS#1 RSA private key: {e}"))?,
                Some(dek) => {
                    let pass =
                        passphrase.ok_or("the key is encrypted and no passphrase was given")?;
                    let der = legacy_decrypt(dek, pass, &block.der)?;
                    pkcs1(&der).map_err(|e| decrypted_key_error(&e))?
                }
            },
            "PRIVATE KEY" => {
                pkcs8(&block.der).map_err(|e| format!("not a valid PKCS#8 RSA private key: {e}"))?
            }
            "ENCRYPTED PRIVATE KEY" => {
                let pass = passphrase.ok_or("the key is encrypted and no passphrase was given")?;
                let der = decrypt_pkcs8(&block.der, pass)?;
                pkcs8(der.as_bytes()).map_err(|e| decrypted_key_error(&e))?
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return Err("this is a public key; signing needs the private key".into());
            }
            other => {
                return Err(format!(
                    "unsupported PEM block {other:?}; expected an RSA private key"
                ));
            }
        };
        let public_der = key
            .public_key()
            .as_der()
            .map_err(|_| "cannot encode the public key".to_owned())?
            .as_ref()
            .to_vec();
        Ok(Self {
            fingerprint: fingerprint_of(&public_der),
            key,
            public_der,
        })
    }

    /// The OCI fingerprint of the public key: MD5 of its DER SubjectPublicKeyInfo, as
    /// colon-separated lowercase hex (`20:3b:97:…`).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The public key as PEM (`BEGIN PUBLIC KEY`), e.g. to upload to OCI.
    pub fn public_key_pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.public_der);
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message` (deterministic: no randomness is used).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut signature = vec![0; self.key.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key
            .sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
            .map_err(|_| "signing failed".to_owned())?;
        Ok(signature)
    }
}

const WRONG_PASSPHRASE: &str = "cannot decrypt the key: wrong passphrase, or a damaged key";

/// A key aws-lc-rs refused, said in this crate's words.
enum Refused {
    /// Not an RSA private key of that encoding.
    Malformed,
    /// Fewer bits than [`MIN_BITS`].
    TooSmall,
    /// More bits than aws-lc-rs signs with (8192).
    TooLarge,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Malformed => f.write_str("the DER does not encode an RSA private key"),
            Refused::TooSmall => write!(f, "the key has fewer than {MIN_BITS} bits"),
            Refused::TooLarge => f.write_str("the key has more than 8192 bits"),
        }
    }
}

fn refused(e: &aws_lc_rs::error::KeyRejected) -> Refused {
    match e.description_() {
        "TooSmall" => Refused::TooSmall,
        "TooLarge" => Refused::TooLarge,
        _ => Refused::Malformed,
    }
}

/// An RSA private key in PKCS#1 DER (`RSAPrivateKey`).
fn pkcs1(der: &[u8]) -> Result<KeyPair, Refused> {
    KeyPair::from_der(der).map_err(|e| refused(&e))
}

/// An RSA private key in PKCS#8 DER (`PrivateKeyInfo`).
fn pkcs8(der: &[u8]) -> Result<KeyPair, Refused> {
    KeyPair::from_pkcs8(der).map_err(|e| refused(&e))
}

/// What a key that decrypted but does not load says: a wrong passphrase decrypts to
/// garbage, while a key of the wrong size decrypted fine.
fn decrypted_key_error(e: &Refused) -> KeyError {
    match e {
        Refused::Malformed => WRONG_PASSPHRASE.to_owned(),
        other => other.to_string(),
    }
}

/// Decrypts an encrypted PKCS#8 key (PBES2: PBKDF2 or scrypt with AES-CBC) to its
/// `PrivateKeyInfo` DER, cleared on drop.
fn decrypt_pkcs8(der: &[u8], passphrase: &str) -> Result<pkcs8::SecretDocument, KeyError> {
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der)
        .map_err(|e| format!("not a valid encrypted PKCS#8 key: {e}"))?;
    info.decrypt(passphrase.as_bytes())
        .map_err(|_| WRONG_PASSPHRASE.to_owned())
}

fn fingerprint_of(spki_der: &[u8]) -> String {
    use md5::Digest as _;
    let digest = md5::Md5::digest(spki_der);
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The OCI fingerprint (MD5 of the SubjectPublicKeyInfo DER, as `aa:bb:…`) of a PEM
/// public key (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`): what the OCI Console shows
/// for an API key, and the last part of a signature's keyId.
///
/// ```
/// use infisical_oci_auth::oci::{PrivateKey, public_key_fingerprint};
///
/// let public = std::fs::read_to_string("tests/fixtures/keys/public.pem")?;
/// let private = PrivateKey::from_pem(&std::fs::read_to_string("tests/fixtures/keys/pkcs8.pem")?, None)?;
/// assert_eq!(public_key_fingerprint(&public)?, private.fingerprint());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Credentials`](crate::Error::Credentials) when the text is not an RSA public key
/// in PEM.
pub fn public_key_fingerprint(pem: &str) -> Result<String, crate::Error> {
    read_public_key(pem).map(|(fingerprint, _)| fingerprint)
}

/// Reads an RSA public key in PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`) and returns
/// its OCI fingerprint and its SubjectPublicKeyInfo DER: what a verifier of OCI signatures
/// (such as a fake OCI) needs to know of a registered key.
///
/// ```
/// use infisical_oci_auth::oci::{public_key_fingerprint, read_public_key};
///
/// let pem = std::fs::read_to_string("tests/fixtures/keys/public.pem")?;
/// let (fingerprint, der) = read_public_key(&pem)?;
/// assert_eq!(fingerprint, public_key_fingerprint(&pem)?);
/// assert_eq!(der[0], 0x30); // a DER SEQUENCE
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Credentials`](crate::Error::Credentials) when the text is not an RSA public key
/// in PEM.
pub fn read_public_key(pem: &str) -> Result<(String, Vec<u8>), crate::Error> {
    let parse = || -> Result<(String, Vec<u8>), KeyError> {
        let block = Pem::parse(pem)?;
        if !matches!(block.label.as_str(), "PUBLIC KEY" | "RSA PUBLIC KEY") {
            return Err(format!(
                "expected an RSA public key, got a {:?} block",
                block.label
            ));
        }
        // SubjectPublicKeyInfo or PKCS#1 `RSAPublicKey`; written back as the former.
        let key = PublicEncryptingKey::from_der(&block.der)
            .map_err(|e| format!("not an RSA public key of 2048 to 8192 bits: {e}"))?;
        let der = key
            .as_der()
            .map_err(|_| "cannot encode the public key".to_owned())?
            .as_ref()
            .to_vec();
        Ok((fingerprint_of(&der), der))
    };
    parse().map_err(|reason| crate::Error::Credentials {
        location: "public key".into(),
        reason,
    })
}

/// One PEM block.
struct Pem {
    label: String,
    headers: Vec<(String, String)>,
    der: Zeroizing<Vec<u8>>,
}

impl Pem {
    fn parse(text: &str) -> Result<Self, KeyError> {
        let mut lines = text.lines().map(|l| l.trim_end_matches('\r').trim());
        let label = lines
            .by_ref()
            .find_map(|l| {
                l.strip_prefix("-----BEGIN ")
                    .and_then(|l| l.strip_suffix("-----"))
            })
            .ok_or("no PEM block (-----BEGIN …-----) found")?
            .to_owned();
        let end = format!("-----END {label}-----");
        let mut headers = Vec::new();
        let mut body = Zeroizing::new(String::new());
        let mut ended = false;
        for line in lines {
            if line == end {
                ended = true;
                break;
            }
            match line.split_once(':') {
                Some((name, value)) if body.is_empty() => {
                    headers.push((name.trim().to_owned(), value.trim().to_owned()));
                }
                _ => body.push_str(line),
            }
        }
        if !ended {
            return Err(format!("the PEM block has no {end} line"));
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| "the PEM block is not valid base64".to_owned())?;
        Ok(Self {
            label,
            headers,
            der: Zeroizing::new(der),
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Decrypts a legacy OpenSSL-encrypted PEM body (`DEK-Info: <cipher>,<hex iv>`): the key is
/// OpenSSL's EVP_BytesToKey with MD5, one round, salted with the IV's first 8 bytes.
fn legacy_decrypt(
    dek_info: &str,
    passphrase: &str,
    body: &[u8],
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};

    let (cipher, iv_hex) = dek_info
        .split_once(',')
        .ok_or("malformed DEK-Info header")?;
    let iv = decode_hex(iv_hex.trim()).ok_or("malformed DEK-Info IV")?;
    let key_len = match cipher.trim() {
        "AES-128-CBC" => 16,
        "AES-192-CBC" | "DES-EDE3-CBC" => 24,
        "AES-256-CBC" => 32,
        other => return Err(format!("unsupported PEM encryption {other:?}")),
    };
    if iv.len() < 8 {
        return Err("malformed DEK-Info IV".into());
    }
    let key = evp_bytes_to_key(passphrase.as_bytes(), &iv[..8], key_len);
    let bad = |_| WRONG_PASSPHRASE.to_owned();
    let plain = match cipher.trim() {
        "AES-128-CBC" => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(|_| "malformed DEK-Info IV".to_owned())?
            .decrypt_padded_vec::<Pkcs7>(body)
            .map_err(bad)?,
        "AES-192-CBC" => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(|_| "malformed DEK-Info IV".to_owned())?
            .decrypt_padded_vec::<Pkcs7>(body)
            .map_err(bad)?,
        "AES-256-CBC" => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(|_| "malformed DEK-Info IV".to_owned())?
            .decrypt_padded_vec::<Pkcs7>(body)
            .map_err(bad)?,
        _ => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|_| "malformed DEK-Info IV".to_owned())?
            .decrypt_padded_vec::<Pkcs7>(body)
            .map_err(bad)?,
    };
    Ok(Zeroizing::new(plain))
}

fn evp_bytes_to_key(pass: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    use md5::Digest as _;
    let mut key = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut prev: Option<Vec<u8>> = None;
    while key.len() < len {
        let mut h = md5::Md5::new();
        if let Some(p) = &prev {
            h.update(p);
        }
        h.update(pass);
        h.update(salt);
        let d = h.finalize().to_vec();
        key.extend_from_slice(&d);
        prev = Some(d);
    }
    key.truncate(len);
    key
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
