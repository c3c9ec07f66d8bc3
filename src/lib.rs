//! A typed, validated async client for Infisical's **OCI Auth** method for machine identities.
//!
//! The heart is [`Client::update_oci_auth`] (`PATCH /api/v1/auth/oci-auth/identities/{identityId}`);
//! around it stand [`attach`](Client::attach_oci_auth), [`get`](Client::get_oci_auth),
//! [`revoke`](Client::revoke_oci_auth) and the read-modify-write
//! [`modify_oci_auth`](Client::modify_oci_auth).
//!
//! Request bodies are built from validated values ([`model`]): a body that Infisical would
//! reject, or could not store, cannot be represented, so a bad value is an
//! [`Error::Validation`] naming the field before anything is sent.
//!
//! ```no_run
//! use infisical_oci_auth::{Client, IdentityId, UpdateOciAuth};
//!
//! # async fn run() -> Result<(), infisical_oci_auth::Error> {
//! let client = Client::builder().from_env().build()?;
//! let identity: IdentityId = "6511e966-169d-4653-a191-c559fe230086".parse()?;
//! let update = UpdateOciAuth::builder()
//!     .tenancy_ocid("ocid1.tenancy.oc1..aaaa")
//!     .allowed_usernames("alice, bob")
//!     .access_token_trusted_ips(["0.0.0.0/0", "::/0"])
//!     .access_token_ttl(1800)
//!     .access_token_max_ttl(3600)
//!     .build()?;
//! let config = client.update_oci_auth(&identity, &update).await?;
//! assert_eq!(config.allowed_usernames.as_deref(), Some("alice, bob"));
//! # Ok(()) }
//! ```
//!
//! | module | what it holds |
//! |---|---|
//! | [`model`] | the validated values and request types; every server rule, once ([`model::rules`]) |
//! | `oci` | OCI API keys, credentials from `~/.oci/config`, request signing, login tokens (feature `oci`, default) |
//! | [`desired`] | desired state: plan and apply one identity's OCI Auth, the one converge |
//! | [`tls`] | a private CA's certificates and a client certificate for mTLS |
//! | [`raw`] | the generated client, for what this API does not cover (unstable) |
//!
//! Two crates stand beside this one: `infisical-oci-auth-fake`, a fake Infisical for your
//! tests (in-process, or as a server binary for any language's CI), and
//! `infisical-oci-auth-cli`, the `infisical-oci-auth` command that plans and applies a
//! reviewed YAML file of many identities.
//!
//! Failed requests are retried as [`RetryPolicy`] says; every call has a timeout and an
//! answer-size limit ([`ClientBuilder`]); tokens and keys never reach `Debug`, `Display`,
//! errors or logs.
//!
//! The HTTP layer is generated at build time by progenitor from the crate's OpenAPI document
//! (`openapi/infisical-oci-auth.yaml`).
//!
//! # OCI login
//!
//! Workloads on Oracle Cloud log in with their OCI API key (`cargo run --example oci_login`):
//!
//! ```no_run
//! use infisical_oci_auth::{Client, IdentityId, oci::OciCredentials};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), infisical_oci_auth::Error> {
//!     // ~/.oci/config, profile DEFAULT (or OCI_CLI_CONFIG_FILE / OCI_CLI_PROFILE)
//!     let credentials = OciCredentials::from_default_config()?;
//!     let identity: IdentityId = "6511e966-169d-4653-a191-c559fe230086".parse()?;
//!     // Logs in on first use, renews the token before it expires, shares one login.
//!     let client = Client::builder().oci_login(credentials, identity).build()?;
//!     println!("{:?}", client.get_oci_auth(&identity).await?);
//!     Ok(())
//! }
//! ```
//!
//! Keys may be PKCS#1, PKCS#8, encrypted PKCS#8 or legacy encrypted PEM; `oci::sign_request`
//! is the signing primitive (OCI signature version 1), checked against Oracle's published vectors.
//!
//! # Company networks
//!
//! A self-hosted Infisical behind a private CA, a server that wants client certificates, a
//! proxy: each setting applies to every request the client makes, OCI login included, and none
//! is dropped silently (TLS settings beside a client given with `http_client` fail `build()`).
//!
//! ```no_run
//! use infisical_oci_auth::{Client, http_client_builder, tls::{Certificate, Identity}};
//!
//! # fn main() -> Result<(), infisical_oci_auth::Error> {
//! let http = http_client_builder()
//!     // A private CA, trusted beside the platform's roots (`tls_certs_only` for it alone).
//!     .tls_certs_merge(Certificate::from_file("/etc/company/ca-bundle.pem")?)
//!     // Mutual TLS: the certificate chain and its key, PEM (the key may sit in the first file).
//!     .client_certificate(Identity::from_file("/etc/company/client.pem", Some("/etc/company/client.key"))?)
//!     // A proxy; without it HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY apply.
//!     .proxy("http://proxy.internal:3128");
//! let client = Client::builder().base_url("https://infisical.internal").http(http).build()?;
//! # Ok(()) }
//! ```
//!
//! The CA can also come from the environment: on Linux the platform's verifier reads
//! `SSL_CERT_FILE` (a PEM bundle) and `SSL_CERT_DIR`, so `SSL_CERT_FILE=/etc/company/ca-bundle.pem`
//! works without code. Or bring your own TLS configuration, built with the re-exported `rustls`
//! and passed as a client of your own:
//!
//! ```no_run
//! use infisical_oci_auth::{Client, reqwest, rustls};
//! use rustls::pki_types::{CertificateDer, pem::PemObject};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut roots = rustls::RootCertStore::empty();
//! roots.add(CertificateDer::from_pem_file("/etc/company/ca.pem")?)?;
//! let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
//! let tls = rustls::ClientConfig::builder_with_provider(provider)
//!     .with_safe_default_protocol_versions()?
//!     .with_root_certificates(roots)
//!     .with_no_client_auth();
//! let http = reqwest::Client::builder()
//!     .tls_backend_preconfigured(tls)
//!     .redirect(reqwest::redirect::Policy::none())
//!     .build()?;
//! let client = Client::builder().base_url("https://infisical.internal").http_client(http).build()?;
//! # Ok(()) }
//! ```
//!
//! An untrusted certificate is not retried and says what to do (`getOciAuth: GET https://…: the
//! server's certificate is not trusted (unknown issuer, another host name, or expired): if the
//! server uses a private CA, add it with HttpClientBuilder::tls_certs_merge(Certificate::from_file(…))
//! or SSL_CERT_FILE (1 attempt)`); a proxy that fails is named (`the proxy http://proxy.internal:3128 did not open a
//! tunnel to the server`). The crate sets TLS up per client and installs no process-wide crypto
//! provider; with the `rustls` feature it enables reqwest's `rustls-no-provider`, so a program
//! that also builds its own `reqwest::Client::new()` must give its reqwest a TLS feature (e.g.
//! `rustls`) or build those clients with `infisical_oci_auth::http_client_builder()`.
//!
//! # Errors, retries and timeouts
//!
//! One `Error` enum, by phase: `Validation { field, reason }` (nothing was sent), `Config`
//! (found by `build()`), `Credentials` (OCI key or config; says which file, profile and entry),
//! `Api(ApiError)` (status, error, message, `reqId`, 422 issues, a failed login's
//! `reason_code()`), `Transport(TransportError)` (operation, method, URL, what happened and
//! attempts, e.g. `updateOciAuth: PATCH http://127.0.0.1:9/api/v1/auth/oci-auth/identities/…:
//! connection refused (3 attempts)`, with reqwest's error as `source()`), `Decode(DecodeError)`;
//! `is_retryable()` (the same rule the retry policy follows), `is_not_attached()` and `status()`
//! on all. Each error's Display says its own layer, so chain printers (anyhow, eyre) show each
//! cause once. `Error` is `Clone` and 48 bytes.
//!
//! | default | value | change with |
//! |---|---|---|
//! | deadline of a whole operation: every attempt, every wait, any wait for OCI login | 60 s | `RetryPolicy::max_elapsed` |
//! | one attempt (connect to last byte): the smaller of this and the time left | 30 s | `ClientBuilder::timeout` |
//! | connect timeout | 10 s | `ClientBuilder::connect_timeout` |
//! | largest answer read | 1 MiB | `ClientBuilder::max_response_bytes` |
//! | attempts | 3 | `RetryPolicy::max_attempts`, `RetryPolicy::none()` |
//! | backoff | 250 ms doubling to 5 s, with jitter | `RetryPolicy::initial_backoff`, `max_backoff` |
//! | `Retry-After` honoured up to | 30 s | `RetryPolicy::max_retry_after` |
//! | redirects followed | none (a 3xx is an `Error::Transport` with status and `Location`) | — |
//!
//! Retried: connection failures, 429 and 503 (not processed), 502/504 for update and get; attach
//! and revoke only where the server cannot have acted. Never retried: validation, auth and other
//! 4xx answers, timeouts and answers broken mid-body. A redirect is never followed: reqwest would
//! turn a POST or PATCH into a GET whose 200 passes for the write's answer. A client given with
//! `http_client` is used as it is (proxy, private CA, client certificate), but an answer it got by
//! following a redirect is refused; build it with `http_client_builder()`, which has these
//! defaults, no redirects, TLS set up per client, and the company-network settings.
//!
//! With OCI login the client renews before the server's expiry: the token's lifetime (the
//! shorter of `expiresIn` and the JWT's own `exp − iat`, which Infisical of 2026 caps at 90 days,
//! and sets to the max TTL when the TTL is 0) counted from before the login, less a second for the
//! server's whole-second `iat` and a tenth of the lifetime, at most a minute, for clock skew, on
//! the monotonic and the wall clock (which goes on while a machine sleeps). After a refused token
//! (401, or 403 `TokenError`, Infisical's answer to an expired one) it logs in again and resends
//! once, within the same deadline, as one more attempt. One login is in flight at a time: every caller
//! waiting receives its token or its error, each within its own deadline; after a failed login,
//! calls fail fast for a backoff (1 s doubling to 30 s) instead of storming the server.
//! `Client::access_token()` hands out the current token for other Infisical APIs.
//!
//! Tokens, keys and passphrases never appear in `Debug`, `Display`, errors or `tracing` output,
//! also when a server echoes them: the client's tokens become `<redacted>` in everything the
//! server wrote. Each operation is a `tracing` span (operation, identity, status, attempts,
//! duration).
// The crate from the top down (ARCHITECTURE.md has the whole map); data flows one way, no
// module imports one above it:
//
// client/       Client and its operations (mod.rs), ClientBuilder (builder.rs), what
//               from_env reads (env.rs), the HTTP and TLS set-up (http.rs, tls_setup.rs,
//               proxy.rs), OCI login through the transport (login.rs)
// desired.rs    DesiredState, plans and the one converge
// auth/         the bearer each attempt carries: a fixed token, or the OCI session that
//               logs in and renews (session.rs); told when the server refused one
// transport/    what happens to every request: the per-attempt context, the hooks (wire
//               work), the answer cap, the deadline and span, the one attempt loop, the one
//               classification into Error, secret scrubbing; state.rs is the inner type
//               build.rs names
// oci/          credentials, keys, signing, the login token: no server-side code
// tls.rs        certificates for a private CA and mTLS
// operations.rs, retry.rs, error/, model/   below them all
// generated.rs  progenitor's client (include! only); names transport::state::Shared
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
pub mod desired;
mod error;
mod generated;
pub mod model;
#[cfg(feature = "oci")]
#[cfg_attr(docsrs, doc(cfg(feature = "oci")))]
pub mod oci;
mod operations;
mod retry;
pub mod tls;
mod transport;

pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, EU_BASE_URL, HttpClientBuilder, http_client_builder,
};
pub use error::{ApiError, ApiIssue, DecodeError, Error, Result, TransportError};
pub use model::{AttachOciAuth, IdentityId, IdentityOciAuth, UpdateOciAuth};
/// The HTTP client crate this one is built on, for [`ClientBuilder::http_client`] and
/// [`Client::http_client`] without a separate, version-matched dependency.
pub use reqwest;
pub use reqwest::StatusCode;
pub use retry::RetryPolicy;
/// The TLS crate of the `rustls` feature, to configure TLS for [`http_client_builder`]
/// (e.g. a private CA) without a separate, version-matched dependency.
#[cfg(feature = "rustls")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
pub use rustls;
pub use secrecy::{ExposeSecret, SecretString};

/// Entry points for the cargo-fuzz targets in `fuzz/` (feature `fuzzing`; not a public API).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    /// Decodes an answer of the management operations as the client does.
    pub fn decode_answer(status: u16, body: &[u8]) {
        let _ = crate::transport::decode_answer(status, body);
    }

    /// Parses an OCI config file's text and reads its `DEFAULT` profile's entries.
    #[cfg(feature = "oci")]
    pub fn parse_oci_config(text: &str) {
        let _ = crate::oci::parse_config_text(text);
    }
}

/// The generated progenitor client and its types. **Unstable**: it changes with the code
/// generator and the spec; prefer the hand-written API.
pub mod raw {
    pub use crate::generated::{Client, types};
}

/// The README's example, compiled as a doctest so that it stays true.
#[cfg(all(doctest, feature = "oci"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
