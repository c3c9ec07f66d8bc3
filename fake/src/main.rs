//! `infisical-oci-auth-fake`: the fake Infisical as a server, for people trying the command
//! and for any language's CI.
//!
//! It prints the environment a client needs as `export` lines on stdout (so that
//! `infisical-oci-auth-fake > fake.env &` then `. fake.env` works), logs each request on
//! stderr (method, path, status; never a token), and serves until SIGINT or SIGTERM, then
//! exits 0. A bad flag is a usage error with exit 1.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use infisical_oci_auth::IdentityId;
use infisical_oci_auth_fake::{FakeInfisical, Release};
use serde::Deserialize;

/// A fake Infisical server for OCI Auth, answering as a real one does.
#[derive(Parser, Debug)]
#[command(name = "infisical-oci-auth-fake", version, after_help = AFTER_HELP)]
struct Args {
    /// The address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Machine identities to create (without OCI Auth). The i-th has the id
    /// 00000000-0000-4000-8000-00000000000i (in hex), the same on every start.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(0..=4096))]
    identities: u16,
    /// The Infisical release to answer as: 2025-06-22 or 2026-06-30.
    #[arg(long, value_name = "DATE", default_value = "2026-06-30")]
    release: Release,
    /// The organization is on a paid plan: IP ranges other than 0.0.0.0/0 and ::/0 are allowed.
    #[arg(long)]
    paid_plan: bool,
    /// OCI users that logins may be signed by: a JSON object of user OCID to
    /// {"tenancy", "username", "publicKey" (PEM) or "publicKeyFile"}.
    #[arg(long, value_name = "FILE")]
    oci_users: Option<PathBuf>,
}

const AFTER_HELP: &str = "\
Prints on stdout, one per line:
  export INFISICAL_API_URL=http://ADDR
  export INFISICAL_TOKEN=<an admin token>
  export INFISICAL_IDENTITY_ID=<the first identity>
  export INFISICAL_IDENTITY_IDS=\"<all identities, space-separated>\"

--oci-users FILE, for OCI login:
  {\"ocid1.user.oc1..aaaa\": {\"tenancy\": \"ocid1.tenancy.oc1..bbbb\", \"username\": \"alice\",
                             \"publicKeyFile\": \"oci_api_key_public.pem\"}}
  (publicKeyFile is read relative to FILE; \"publicKey\" takes the PEM itself.)";

/// The id before the first identity's: version 4, variant 1, so that it is a valid UUID.
const FIRST_ID: u128 = 0x0000_0000_0000_4000_8000_0000_0000_0000;

/// One OCI user of `--oci-users`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OciUser {
    tenancy: String,
    username: String,
    public_key: Option<String>,
    public_key_file: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

async fn serve(args: Args) -> Result<(), String> {
    let users = match &args.oci_users {
        Some(path) => read_users(path)?,
        None => Vec::new(),
    };
    let fake = FakeInfisical::start_on(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    fake.record_requests(false);
    fake.set_release(args.release);
    fake.set_paid_plan(args.paid_plan);
    for (ocid, user, pem) in &users {
        fake.register_oci_user(ocid, &user.tenancy, &user.username, pem)
            .map_err(|e| format!("--oci-users: {ocid}: {e}"))?;
    }
    let identities: Vec<String> = (1..=args.identities)
        .map(|i| {
            let id = IdentityId::from(uuid::Uuid::from_u128(FIRST_ID + u128::from(i)));
            fake.create_identity_with_id(id);
            id.to_string()
        })
        .collect();
    let mut out = std::io::stdout().lock();
    let mut lines = format!(
        "export INFISICAL_API_URL={}\nexport INFISICAL_TOKEN={}\n",
        fake.base_url(),
        fake.admin_token()
    );
    if let Some(first) = identities.first() {
        lines.push_str(&format!("export INFISICAL_IDENTITY_ID={first}\n"));
    }
    lines.push_str(&format!(
        "export INFISICAL_IDENTITY_IDS=\"{}\"\n",
        identities.join(" ")
    ));
    out.write_all(lines.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(out);
    fake.on_answer(|method, path, status| eprintln!("{method} {path} {status}"));
    eprintln!(
        "serving as Infisical {} on {} (Ctrl-C to stop)",
        release_name(args.release),
        fake.base_url()
    );
    stopped().await;
    Ok(())
}

fn release_name(release: Release) -> &'static str {
    match release {
        Release::V2025_06_22 => "2025-06-22",
        _ => "2026-06-30",
    }
}

/// The users of an `--oci-users` file, each with its public key's PEM.
fn read_users(path: &Path) -> Result<Vec<(String, OciUser, String)>, String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("--oci-users {name}: {e}"))?;
    let users: BTreeMap<String, OciUser> =
        serde_json::from_str(&text).map_err(|e| format!("--oci-users {name}: {e}"))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    users
        .into_iter()
        .map(|(ocid, user)| {
            let pem = match (&user.public_key, &user.public_key_file) {
                (Some(pem), None) => pem.clone(),
                (None, Some(file)) => std::fs::read_to_string(dir.join(file))
                    .map_err(|e| format!("--oci-users {name}: {ocid}: {}: {e}", file.display()))?,
                _ => {
                    return Err(format!(
                        "--oci-users {name}: {ocid}: give one of publicKey and publicKeyFile"
                    ));
                }
            };
            Ok((ocid, user, pem))
        })
        .collect()
}

/// Waits for SIGINT or (on Unix) SIGTERM.
async fn stopped() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
