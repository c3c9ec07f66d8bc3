//! `infisical-oci-auth token`: an OCI login, and the Infisical access token it gives on
//! stdout, for tools that take a token but cannot log in with OCI themselves (the Infisical
//! CLI, Agent and Kubernetes operator).

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use infisical_oci_auth::oci::{AccessToken, OciCredentials};
use infisical_oci_auth::{Client, ExposeSecret as _, IdentityId};
use serde_json::json;

use crate::connect::Connection;
use crate::words;

pub(crate) const AFTER_HELP: &str = "\
The OCI API key comes from the OCI CLI's config: ~/.oci/config, or OCI_CLI_CONFIG_FILE,
profile DEFAULT or OCI_CLI_PROFILE. The server is INFISICAL_API_URL (default
https://us.infisical.com). With GITHUB_ACTIONS=true, `::add-mask::<token>` is printed
first, so that the runner masks the token in its logs.

  infisical export --token \"$(infisical-oci-auth token)\" --env=prod

Exit codes: 0 the token was printed, 1 error (the login's refusal and its reason).";

/// What `token` takes.
#[derive(Args, Debug)]
pub(crate) struct TokenArgs {
    /// The machine identity to log in as.
    #[arg(long, value_name = "ID", env = "INFISICAL_OCI_IDENTITY_ID")]
    identity: IdentityId,
    /// The organization (or sub-organization) to log in to; Infisical of 2026.
    #[arg(long, value_name = "SLUG", env = "INFISICAL_ORGANIZATION_SLUG")]
    organization_slug: Option<String>,
    /// How to print the token.
    #[arg(long, value_enum, default_value_t = TokenFormat::Raw)]
    format: TokenFormat,
    #[command(flatten)]
    connection: Connection,
}

/// How `token` prints the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TokenFormat {
    /// The token alone, on one line.
    Raw,
    /// `INFISICAL_TOKEN=<token>`, for an env file or `export`.
    Env,
    /// `{"accessToken", "expiresIn", "lifetime"}` (seconds).
    Json,
}

pub(crate) async fn run(args: TokenArgs) -> ExitCode {
    match login(&args).await {
        Ok(token) => {
            print!("{}", render(&token, args.format, github_actions()));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn login(args: &TokenArgs) -> Result<AccessToken, String> {
    let credentials = OciCredentials::from_default_config().map_err(|e| words::say(&e))?;
    let mut builder = args.connection.tls(Client::builder())?;
    if let Some(url) = std::env::var("INFISICAL_API_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        builder = builder.base_url(url);
    }
    let client = builder.build().map_err(|e| words::say(&e))?;
    let slug = args.organization_slug.as_deref();
    client
        .login(&credentials, &args.identity, slug)
        .await
        .map_err(|e| words::refused_credential(&e).unwrap_or_else(|| words::say(&e)))
}

fn github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// What `token` prints: the token as `format` says, after the runner's mask command when
/// `mask` is set.
fn render(token: &AccessToken, format: TokenFormat, mask: bool) -> String {
    let secret = token.token().expose_secret();
    let mut out = if mask {
        format!("::add-mask::{secret}\n")
    } else {
        String::new()
    };
    match format {
        TokenFormat::Raw => out.push_str(&format!("{secret}\n")),
        TokenFormat::Env => out.push_str(&format!("INFISICAL_TOKEN={secret}\n")),
        TokenFormat::Json => {
            let doc = json!({
                "accessToken": secret,
                "expiresIn": token.expires_in().as_secs(),
                "lifetime": token.lifetime().as_secs(),
            });
            out.push_str(&format!("{doc}\n"));
        }
    }
    out
}
