//! The TLS of a client this crate builds, per client and without process-wide state: with
//! the `rustls` feature a rustls configuration over aws-lc-rs with the post-quantum key
//! exchange first (the platform's verifier, with extra roots, or only the roots given; a
//! client identity); with `native-tls` alone, reqwest's own settings.

use crate::error::{Error, Result};
use crate::tls::{Certificate, Identity};

/// The TLS settings of a client: extra roots (or only these) and a client identity.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsSettings {
    pub(crate) roots: Vec<Certificate>,
    pub(crate) only: bool,
    pub(crate) identity: Option<Identity>,
}

impl TlsSettings {
    /// Trusts `certs` besides the roots already trusted.
    pub(crate) fn merge(&mut self, certs: impl IntoIterator<Item = Certificate>) {
        self.roots.extend(certs);
    }

    /// Trusts `certs` alone.
    pub(crate) fn only(&mut self, certs: impl IntoIterator<Item = Certificate>) {
        self.roots = certs.into_iter().collect();
        self.only = true;
    }
}

fn config(reason: String) -> Error {
    Error::Config { reason }
}

/// `builder` with `tls` applied.
#[cfg(feature = "rustls")]
pub(super) fn apply(
    builder: reqwest::ClientBuilder,
    tls: &TlsSettings,
) -> Result<reqwest::ClientBuilder> {
    Ok(builder.tls_backend_preconfigured(rustls_config(tls)?))
}

/// rustls over aws-lc-rs (X25519MLKEM768 offered first, then the classical groups), HTTP/1.1
/// ALPN, the server verified by the platform's verifier (which reads
/// `SSL_CERT_FILE`/`SSL_CERT_DIR` on Linux) with the extra roots, or by the roots given
/// alone.
#[cfg(feature = "rustls")]
fn rustls_config(tls: &TlsSettings) -> Result<rustls::ClientConfig> {
    use std::sync::Arc;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| config(format!("cannot set up TLS: {e}")))?;
    let roots = tls.roots.iter().map(|c| c.der().clone());
    let builder = if tls.only {
        let mut store = rustls::RootCertStore::empty();
        for root in roots {
            store
                .add(root)
                .map_err(|e| config(format!("a trusted certificate cannot be used: {e}")))?;
        }
        builder.with_root_certificates(store)
    } else {
        let verifier = if tls.roots.is_empty() {
            rustls_platform_verifier::Verifier::new(provider)
        } else {
            rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider)
        }
        .map_err(|e| {
            config(format!(
                "cannot set up the platform's certificate verifier: {e}"
            ))
        })?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
    };
    let mut config = match &tls.identity {
        None => builder.with_no_client_auth(),
        Some(identity) => builder
            .with_client_auth_cert(identity.chain().to_vec(), identity.key())
            .map_err(|e| config(format!("the client identity cannot be used: {e}")))?,
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `builder` with `tls` applied through reqwest's own settings.
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
pub(super) fn apply(
    builder: reqwest::ClientBuilder,
    tls: &TlsSettings,
) -> Result<reqwest::ClientBuilder> {
    if tls.identity.is_some() {
        return Err(config(
            "a client identity needs the rustls feature of infisical-oci-auth".into(),
        ));
    }
    let certs = tls
        .roots
        .iter()
        .map(|c| reqwest::Certificate::from_der(c.der()))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| config(format!("a trusted certificate cannot be used: {e}")))?;
    Ok(if tls.only {
        builder.tls_certs_only(certs)
    } else {
        builder.tls_certs_merge(certs)
    })
}

/// Without a TLS feature only `http://` works; TLS settings cannot be honoured.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
pub(super) fn apply(
    builder: reqwest::ClientBuilder,
    tls: &TlsSettings,
) -> Result<reqwest::ClientBuilder> {
    if tls.is_set() {
        return Err(config(
            "TLS settings need the rustls or native-tls feature of infisical-oci-auth".into(),
        ));
    }
    Ok(builder)
}
