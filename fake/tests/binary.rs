//! The `infisical-oci-auth-fake` binary as a person or another language's CI runs it: the
//! environment it prints, the library's operations and an OCI login against it, its request
//! log, a clean stop on SIGTERM, and usage errors.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use infisical_oci_auth::oci::{OciCredentials, PrivateKey};
use infisical_oci_auth::{AttachOciAuth, Client, IdentityId, UpdateOciAuth};

const TENANCY: &str = "ocid1.tenancy.oc1..aaaatesttenancy";
const USER: &str = "ocid1.user.oc1..bbbb";

fn key_fixture(name: &str) -> String {
    let path = format!(
        "{}/../tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A running fake binary and the environment it printed; stopped with SIGTERM on drop.
struct Running {
    child: Child,
    env: Vec<(String, String)>,
}

impl Running {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_infisical-oci-auth-fake"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut env = Vec::new();
        for line in stdout.lines() {
            let line = line.unwrap();
            let (name, value) = line
                .strip_prefix("export ")
                .and_then(|l| l.split_once('='))
                .unwrap_or_else(|| panic!("not an export line: {line}"));
            env.push((name.to_owned(), value.trim_matches('"').to_owned()));
            if name == "INFISICAL_IDENTITY_IDS" {
                break;
            }
        }
        Running { child, env }
    }

    fn var(&self, name: &str) -> &str {
        self.env
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{name} not printed: {:?}", self.env))
    }

    fn client(&self) -> Client {
        Client::builder()
            .base_url(self.var("INFISICAL_API_URL"))
            .token(self.var("INFISICAL_TOKEN").to_owned())
            .build()
            .unwrap()
    }

    /// Stops the server with SIGTERM; its exit status and what it wrote on stderr.
    fn stop(mut self) -> (Option<i32>, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = self.child.wait().unwrap().code();
        let mut log = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        (code, log)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_printed_environment_serves_attach_update_get_and_revoke() {
    let server = Running::start(&["--identities", "2"]);
    assert!(
        server
            .var("INFISICAL_API_URL")
            .starts_with("http://127.0.0.1:")
    );
    let ids: Vec<IdentityId> = server
        .var("INFISICAL_IDENTITY_IDS")
        .split(' ')
        .map(|id| id.parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(server.var("INFISICAL_IDENTITY_ID"), ids[0].to_string());

    let client = server.client();
    let identity = ids[1];
    let attach = AttachOciAuth::builder(TENANCY).build().unwrap();
    client.attach_oci_auth(&identity, &attach).await.unwrap();
    let update = UpdateOciAuth::builder()
        .tenancy_ocid(TENANCY)
        .allowed_usernames("alice")
        .build()
        .unwrap();
    client.update_oci_auth(&identity, &update).await.unwrap();
    let got = client.get_oci_auth(&identity).await.unwrap();
    assert_eq!(got.allowed_usernames.as_deref(), Some("alice"));
    client.revoke_oci_auth(&identity).await.unwrap();
    assert!(client.find_oci_auth(&identity).await.unwrap().is_none());

    let token = server.var("INFISICAL_TOKEN").to_owned();
    let (code, log) = server.stop();
    assert_eq!(code, Some(0), "SIGTERM ends it with exit 0: {log}");
    let path = format!("/api/v1/auth/oci-auth/identities/{identity}");
    for line in [
        format!("POST {path} 200"),
        format!("PATCH {path} 200"),
        format!("GET {path} 200"),
        format!("DELETE {path} 200"),
    ] {
        assert!(log.contains(&line), "{line} not in {log}");
    }
    assert!(!log.contains(&token), "the log shows no token: {log}");
}

#[tokio::test]
async fn a_registered_oci_user_logs_in_with_a_request_signed_by_its_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("public.pem"), key_fixture("public.pem")).unwrap();
    let users = dir.path().join("users.json");
    let json = serde_json::json!({
        USER: {"tenancy": TENANCY, "username": "alice", "publicKeyFile": "public.pem"}
    });
    std::fs::write(&users, json.to_string()).unwrap();
    let server = Running::start(&["--oci-users", users.to_str().unwrap()]);
    let identity: IdentityId = server.var("INFISICAL_IDENTITY_ID").parse().unwrap();
    let attach = AttachOciAuth::builder(TENANCY).build().unwrap();
    server
        .client()
        .attach_oci_auth(&identity, &attach)
        .await
        .unwrap();

    let key = PrivateKey::from_pem(&key_fixture("pkcs1.pem"), None).unwrap();
    let credentials = OciCredentials::new(TENANCY, USER, "us-ashburn-1", key).unwrap();
    let oci = Client::builder()
        .base_url(server.var("INFISICAL_API_URL"))
        .oci_login(credentials, identity)
        .build()
        .unwrap();
    let config = oci.get_oci_auth(&identity).await.unwrap();
    assert_eq!(config.tenancy_ocid, TENANCY);

    // Signed by a key the user did not register: OCI refuses the replay.
    let other = PrivateKey::from_pem(&key_fixture("other.pem"), None).unwrap();
    let credentials = OciCredentials::new(TENANCY, USER, "us-ashburn-1", other).unwrap();
    let refused = Client::builder()
        .base_url(server.var("INFISICAL_API_URL"))
        .build()
        .unwrap()
        .login(&credentials, &identity, None)
        .await;
    assert!(refused.is_err(), "{refused:?}");
}

#[test]
fn a_bad_flag_is_a_usage_error_with_exit_1() {
    for args in [
        &["--listen", "nowhere"][..],
        &["--release", "2024-01-01"],
        &["--no-such-flag"],
        &["--oci-users", "/nonexistent/users.json"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_infisical-oci-auth-fake"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error"), "{args:?}: {err}");
    }
    let help = Command::new(env!("CARGO_BIN_EXE_infisical-oci-auth-fake"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--listen",
        "--identities",
        "--release",
        "--paid-plan",
        "--oci-users",
    ] {
        assert!(text.contains(flag), "{flag} in --help");
    }
}
