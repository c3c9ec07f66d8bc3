//! The command's test kit: one runner with a clean environment, a scratch folder that is
//! removed on drop, and the library's TLS servers and CAs (`tls`, the same file as the
//! library's tests use, not a copy).
#![allow(dead_code)]

#[path = "../../../tests/common/tls.rs"]
pub mod tls;

use std::path::{Path, PathBuf};
use std::process::Output;

use infisical_oci_auth_fake::FakeInfisical;

/// A scratch folder for one test, removed on drop (also when the test panics).
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    pub fn new() -> Self {
        Scratch(tempfile::tempdir().unwrap())
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `text` to `name` in the folder; its path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

/// The command with `args`, an environment of `env` alone (nothing inherited but `PATH`),
/// and with `fake`'s URL and admin token.
pub async fn run(fake: Option<&FakeInfisical>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_infisical-oci-auth"));
    cmd.args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    if let Some(fake) = fake {
        cmd.env("INFISICAL_API_URL", fake.base_url())
            .env("INFISICAL_TOKEN", fake.admin_token());
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A desired-state file that wants `body` (YAML lines of one identity's fields, or
/// `absent`) for each identity.
pub fn file_of(entries: &[(infisical_oci_auth::IdentityId, &str)]) -> String {
    let mut text = String::from("identities:\n");
    for (id, body) in entries {
        if *body == "absent" {
            text.push_str(&format!("  {id}: absent\n"));
        } else {
            text.push_str(&format!("  {id}:\n"));
            for line in body.lines() {
                text.push_str(&format!("    {line}\n"));
            }
        }
    }
    text
}

/// The path of the fake's binary, built beside this test's by `cargo test --workspace`.
pub fn fake_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| {
            dir.join(format!(
                "infisical-oci-auth-fake{}",
                std::env::consts::EXE_SUFFIX
            ))
        })
        .unwrap();
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace` (or `cargo build -p infisical-oci-auth-fake`)",
        bin.display()
    );
    bin
}
