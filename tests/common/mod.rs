//! Helpers shared by the integration tests: the recorded transcripts of a real Infisical
//! server, the one loopback test server (`server`), the OCI fixture and the TLS kit.
#![allow(dead_code)]

pub mod server;
#[cfg(feature = "rustls")]
pub mod tls;

use std::sync::{Arc, Mutex};

#[allow(unused_imports)]
pub use server::{Canned, Recorded, Server};

pub const IDENTITY: &str = "6511e966-169d-4653-a191-c559fe230086";
pub const TOKEN: &str = "test-token-0123456789";

pub use infisical_oci_auth_fake::Transcript;

/// Reads the transcript `name` of a real Infisical server (the fake crate's `transcripts/`).
pub fn transcript(name: &str) -> Transcript {
    Transcript::read(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every transcript name listed in its INDEX.md.
pub fn all_transcripts() -> Vec<String> {
    Transcript::names().unwrap()
}

pub fn identity() -> infisical_oci_auth::IdentityId {
    IDENTITY.parse().unwrap()
}

/// Every event logged at any level while it lives, as text: a TRACE subscriber for the
/// current thread, writing into memory.
pub struct CapturedLogs {
    buffer: Captured,
    _guard: tracing::subscriber::DefaultGuard,
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    pub fn start() -> Self {
        Self::with(
            tracing::Level::TRACE,
            tracing_subscriber::fmt::format::FmtSpan::NONE,
        )
    }

    /// Span close events (with the span's fields as recorded when it ends) and events at
    /// INFO and above.
    pub fn span_closes() -> Self {
        Self::with(
            tracing::Level::INFO,
            tracing_subscriber::fmt::format::FmtSpan::CLOSE,
        )
    }

    fn with(level: tracing::Level, spans: tracing_subscriber::fmt::format::FmtSpan) -> Self {
        let buffer = Captured::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_span_events(spans)
            .with_writer(move || writer.clone())
            .finish();
        CapturedLogs {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.0.lock().unwrap()).into_owned()
    }
}

/// A test key or certificate from `tests/fixtures/keys/`.
pub fn key_fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The tenancy of the OCI user the tests log in as.
pub const OCI_TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaatesttenancy";
/// The OCI user the tests log in as ("alice", with the key `pkcs1.pem` and its formats).
pub const OCI_USER: &str = "ocid1.user.oc1..bbbb";

/// OCI credentials of [`OCI_USER`] with the key fixture `key_file`.
pub fn oci_credentials(key_file: &str) -> infisical_oci_auth::oci::OciCredentials {
    let key = infisical_oci_auth::oci::PrivateKey::from_pem(&key_fixture(key_file), None).unwrap();
    infisical_oci_auth::oci::OciCredentials::new(OCI_TENANCY, OCI_USER, "us-ashburn-1", key)
        .unwrap()
}

/// A fake with an identity whose OCI Auth trusts [`OCI_TENANCY`] with tokens of `ttl` and
/// `max_ttl` seconds (allowing `usernames`, or anyone), and the OCI user "alice"
/// registered with the public key of `pkcs1.pem`.
pub async fn oci_fake(
    ttl: u64,
    max_ttl: u64,
    usernames: Option<&str>,
) -> (
    infisical_oci_auth_fake::FakeInfisical,
    infisical_oci_auth::IdentityId,
) {
    let fake = infisical_oci_auth_fake::FakeInfisical::start()
        .await
        .unwrap();
    let identity = fake.create_identity();
    let mut attach = infisical_oci_auth::AttachOciAuth::builder(OCI_TENANCY)
        .access_token_ttl(ttl)
        .access_token_max_ttl(max_ttl);
    if let Some(u) = usernames {
        attach = attach.allowed_usernames(u);
    }
    fake.client_builder()
        .build()
        .unwrap()
        .attach_oci_auth(&identity, &attach.build().unwrap())
        .await
        .unwrap();
    fake.register_oci_user(OCI_USER, OCI_TENANCY, "alice", &key_fixture("public.pem"))
        .unwrap();
    (fake, identity)
}

/// A client of `fake` that logs in with OCI as `identity` (key `pkcs1.pem`).
pub fn oci_client(
    fake: &infisical_oci_auth_fake::FakeInfisical,
    identity: infisical_oci_auth::IdentityId,
) -> infisical_oci_auth::Client {
    infisical_oci_auth::Client::builder()
        .base_url(fake.base_url())
        .oci_login(oci_credentials("pkcs1.pem"), identity)
        .build()
        .unwrap()
}

/// A client of `fake` with no credential, for logging in by hand.
pub fn unauthenticated(
    fake: &infisical_oci_auth_fake::FakeInfisical,
) -> infisical_oci_auth::Client {
    infisical_oci_auth::Client::builder()
        .base_url(fake.base_url())
        .build()
        .unwrap()
}

/// The last login request `fake` received.
pub fn login_request(
    fake: &infisical_oci_auth_fake::FakeInfisical,
) -> infisical_oci_auth_fake::ReceivedRequest {
    fake.requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/login"))
        .unwrap()
}
