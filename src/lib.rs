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
//! | [`model`] | the validated values and request types; every server rule, once |
//! | `oci` | OCI API keys, credentials from `~/.oci/config`, request signing, login tokens (feature `oci`, default) |
//! | `testing` | `FakeInfisical`, an in-process Infisical for tests (feature `testing`) |
//! | [`raw`] | the generated client, for what this API does not cover (unstable) |
//!
//! Failed requests are retried as [`RetryPolicy`] says; every call has a timeout and an
//! answer-size limit ([`ClientBuilder`]); tokens and keys never reach `Debug`, `Display`,
//! errors or logs.
//!
//! The HTTP layer is generated at build time by progenitor from the crate's OpenAPI document
//! (`openapi/infisical-oci-auth.yaml`).
// The crate from the top down; data flows one way, no module imports one above it:
//
// client/     Client and its operations (mod.rs), ClientBuilder (builder.rs), the HTTP and
//             TLS set-up (http.rs), OCI login through the transport (login.rs)
// desired/    DesiredState, plans and the one converge (desired.rs); the YAML file (file.rs)
// auth/       the bearer each attempt carries: a fixed token, or the OCI session that logs
//             in and renews (session.rs); told when the server refused one
// transport/  what happens to every request: the hooks (wire work), the answer cap, the
//             deadline and span, the one attempt loop, the one classification into Error,
//             secret scrubbing; state.rs is the inner type build.rs names
// oci/        credentials, keys, signing, the login token: no server-side code
// operations.rs, retry.rs, error.rs, model/, generated.rs   below them all
// testing/    the fake Infisical (feature `testing`), organised as the server it imitates;
//             nothing above imports it
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
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod tls;
mod transport;

pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, EU_BASE_URL, HttpClientBuilder, http_client_builder,
};
pub use error::{
    ApiError, ApiIssue, DecodeError, Error, FileError, Mistake, Result, TransportError,
};
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
