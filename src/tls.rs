//! TLS material for company networks: certificates to trust (a private CA) and a client
//! certificate for mutual TLS, given to [`HttpClientBuilder`](crate::HttpClientBuilder).
//!
//! ```no_run
//! use infisical_oci_auth::{Client, http_client_builder, tls::{Certificate, Identity}};
//!
//! # fn run() -> Result<(), infisical_oci_auth::Error> {
//! let http = http_client_builder()
//!     .tls_certs_merge(Certificate::from_file("/etc/company/ca.pem")?) // beside the platform's roots
//!     .client_certificate(Identity::from_file("/etc/company/client.pem", None::<&str>)?);
//! let client = Client::builder().base_url("https://infisical.internal").http(http).build()?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::Error;

/// An X.509 certificate to trust as a root (a private CA), from PEM or DER.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate(CertificateDer<'static>);

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({} bytes of DER)", self.0.len())
    }
}

fn config(reason: String) -> Error {
    Error::Config { reason }
}

impl Certificate {
    /// The first certificate of a PEM text (`-----BEGIN CERTIFICATE-----`).
    ///
    /// # Errors
    /// [`Error::Config`] when the text holds no PEM certificate.
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        Self::from_pem_bundle(pem)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                config("the text holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into())
            })
    }

    /// Every certificate of a PEM bundle, in order.
    ///
    /// # Errors
    /// [`Error::Config`] when a block is damaged or there is none.
    pub fn from_pem_bundle(pem: &[u8]) -> Result<Vec<Self>, Error> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(Certificate))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| config(format!("the PEM certificate bundle cannot be read: {e}")))?;
        if certs.is_empty() {
            return Err(config(
                "the text holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        Ok(certs)
    }

    /// A DER-encoded certificate.
    ///
    /// # Errors
    /// [`Error::Config`] when the bytes are not a DER sequence.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        if der.len() < 2 || der[0] != 0x30 {
            return Err(config("the bytes are not a DER certificate".into()));
        }
        Ok(Certificate(CertificateDer::from(der.to_vec())))
    }

    /// The certificates of a file: a PEM bundle, or one DER certificate.
    ///
    /// # Errors
    /// [`Error::Config`] naming the file when it cannot be read or holds no certificate.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Vec<Self>, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| config(format!("cannot read the CA file {}: {e}", path.display())))?;
        let parsed = if bytes.first() == Some(&0x30) {
            Self::from_der(&bytes).map(|c| vec![c])
        } else {
            Self::from_pem_bundle(&bytes)
        };
        parsed.map_err(|e| match e {
            Error::Config { reason } => config(format!("CA file {}: {reason}", path.display())),
            other => other,
        })
    }

    pub(crate) fn der(&self) -> &CertificateDer<'static> {
        &self.0
    }
}

/// A client certificate chain and its private key, for servers that require mutual TLS.
/// The key is never printed.
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Identity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("certificates", &self.chain.len())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Identity {
    /// A PEM text holding the certificate chain (leaf first) and the private key (PKCS#8,
    /// PKCS#1 or SEC1), as reqwest's `Identity::from_pem` reads it.
    ///
    /// # Errors
    /// [`Error::Config`] when there is no certificate or no private key; never quotes the
    /// key.
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        let chain = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| config(format!("the client certificate cannot be read: {e}")))?;
        if chain.is_empty() {
            return Err(config(
                "the client identity holds no certificate (-----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(pem).map_err(|_| {
            config(
                "the client identity holds no readable private key (PKCS#8, PKCS#1 or SEC1 PEM)"
                    .into(),
            )
        })?;
        Ok(Identity { chain, key })
    }

    /// The certificate chain and the key from two PEM texts.
    ///
    /// # Errors
    /// As [`from_pem`](Self::from_pem).
    pub fn from_pem_parts(certificates: &[u8], key: &[u8]) -> Result<Self, Error> {
        let mut pem = zeroize::Zeroizing::new(certificates.to_vec());
        pem.push(b'\n');
        pem.extend_from_slice(key);
        Self::from_pem(&pem)
    }

    /// The certificate chain and the key from a PEM file that holds both, or with `key` from
    /// a file of its own. A file that cannot be read is named in the error.
    ///
    /// ```no_run
    /// use infisical_oci_auth::{Client, http_client_builder, tls::Identity};
    ///
    /// let identity = Identity::from_file("/etc/company/client.pem", Some("/etc/company/client.key"))?;
    /// let client = Client::builder()
    ///     .base_url("https://infisical.internal")
    ///     .http(http_client_builder().client_certificate(identity))
    ///     .build()?;
    /// # Ok::<(), infisical_oci_auth::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the file that cannot be read, or as
    /// [`from_pem`](Self::from_pem).
    pub fn from_file(
        certificates: impl AsRef<Path>,
        key: Option<impl AsRef<Path>>,
    ) -> Result<Self, Error> {
        let read = |path: &Path, what: &str| {
            std::fs::read(path)
                .map(zeroize::Zeroizing::new)
                .map_err(|e| config(format!("cannot read the {what} {}: {e}", path.display())))
        };
        let certificates = certificates.as_ref();
        let chain = read(certificates, "client certificate file")?;
        let named = |e: Error, path: &Path| match e {
            Error::Config { reason } => config(format!("{}: {reason}", path.display())),
            other => other,
        };
        match key {
            None => Self::from_pem(&chain).map_err(|e| named(e, certificates)),
            Some(key) => {
                let key = key.as_ref();
                let key_pem = read(key, "client key file")?;
                Self::from_pem_parts(&chain, &key_pem).map_err(|e| named(e, key))
            }
        }
    }

    pub(crate) fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    pub(crate) fn key(&self) -> PrivateKeyDer<'static> {
        self.key.clone_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let key = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/keys/pkcs8.pem"
        ))
        .unwrap();
        let err = Identity::from_pem(key.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("no certificate"), "{err}");
        assert!(!err.to_string().contains("PRIVATE"), "{err}");
        assert!(Certificate::from_pem(b"not pem").is_err());
        assert!(Certificate::from_der(b"\x01\x02").is_err());
    }

    #[test]
    fn a_missing_or_keyless_file_names_itself() {
        let missing = Identity::from_file("/nonexistent/client.pem", None::<&str>).unwrap_err();
        assert!(
            missing.to_string().contains("/nonexistent/client.pem"),
            "{missing}"
        );
        let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");
        let no_cert = Identity::from_file(format!("{keys}/pkcs8.pem"), None::<&str>).unwrap_err();
        assert!(no_cert.to_string().contains("pkcs8.pem"), "{no_cert}");
        assert!(no_cert.to_string().contains("no certificate"), "{no_cert}");
        let key = Identity::from_file(format!("{keys}/pkcs8.pem"), Some("/nonexistent/key.pem"))
            .unwrap_err();
        assert!(
            key.to_string()
                .contains("client key file /nonexistent/key.pem"),
            "{key}"
        );
    }
}
