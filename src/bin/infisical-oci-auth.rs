//! `infisical-oci-auth plan|apply FILE`: converge identities' OCI Auth to a reviewed YAML
//! file (feature `cli`). See `infisical_oci_auth::desired::DesiredFile` for the format.
//!
//! Exit codes: 0 no changes (plan) or applied (apply); 2 `plan` found changes; 1 an error
//! (a bad file, bad settings, or any identity that failed — the others are still reported).

use std::process::ExitCode;

use infisical_oci_auth::Client;
use infisical_oci_auth::desired::{DesiredFile, EntryOutcome, Summary};

const USAGE: &str = "usage: infisical-oci-auth <plan|apply> FILE [--json] [--concurrency N]

  plan FILE    show what apply would change; exit 0 none, 2 some, 1 error
  apply FILE   make each identity's OCI Auth as FILE says; exit 0 done, 1 error
  --json       print one JSON document on stdout (progress goes to stderr)
  --concurrency N
               identities worked on at once (default 8)

The server and credential come from the environment: INFISICAL_API_URL (default
https://us.infisical.com) and INFISICAL_TOKEN; or, without a token, OCI login as
INFISICAL_OCI_IDENTITY_ID with ~/.oci/config (OCI_CLI_CONFIG_FILE, OCI_CLI_PROFILE).";

struct Args {
    apply: bool,
    file: String,
    json: bool,
    concurrency: usize,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut rest = args.iter();
    let apply = match rest.next().map(String::as_str) {
        Some("plan") => false,
        Some("apply") => true,
        Some("-h" | "--help" | "help") | None => return Err(USAGE.into()),
        Some(other) => return Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    let mut file = None;
    let mut json = false;
    let mut concurrency = 8;
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--concurrency" => {
                concurrency = rest
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--concurrency needs a number of at least 1")?;
            }
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n\n{USAGE}"));
            }
            path if file.is_none() => file = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument {extra:?}\n\n{USAGE}")),
        }
    }
    Ok(Args {
        apply,
        file: file.ok_or_else(|| format!("missing FILE\n\n{USAGE}"))?,
        json,
        concurrency,
    })
}

fn client() -> Result<Client, infisical_oci_auth::Error> {
    #[cfg(feature = "oci")]
    if !std::env::var("INFISICAL_TOKEN").is_ok_and(|t| !t.trim().is_empty())
        && let Ok(identity) = std::env::var("INFISICAL_OCI_IDENTITY_ID")
    {
        let credentials = infisical_oci_auth::oci::OciCredentials::from_default_config()?;
        let builder = Client::builder();
        let builder = match std::env::var("INFISICAL_API_URL") {
            Ok(url) if !url.trim().is_empty() => builder.base_url(url),
            _ => builder,
        };
        return builder.oci_login(credentials, identity.parse()?).build();
    }
    Client::builder().from_env().build()
}

fn line(outcome: &EntryOutcome) -> String {
    match &outcome.result {
        Ok(applied) => {
            let plan = applied.plan.to_string().replace('\n', "\n  ");
            format!("{}: {plan}", outcome.identity)
        }
        Err(e) => format!("{}: error: {e}", outcome.identity),
    }
}

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let prepared = DesiredFile::load(&args.file).and_then(|file| Ok((file, client()?)));
    let (file, client) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = args.json;
    let progress = |outcome: &EntryOutcome| {
        if json {
            eprintln!("{}", line(outcome).lines().next().unwrap_or_default());
        } else {
            println!("{}", line(outcome));
        }
    };
    let outcomes = if args.apply {
        client.apply_file(&file, args.concurrency, progress).await
    } else {
        client.plan_file(&file, args.concurrency, progress).await
    };
    let summary = Summary::of(&outcomes);
    let verb = if args.apply { "applied" } else { "plan" };
    if json {
        let doc = serde_json::json!({
            "command": if args.apply { "apply" } else { "plan" },
            "file": file.name(),
            "identities": outcomes.iter().map(EntryOutcome::to_json).collect::<Vec<_>>(),
            "summary": summary,
        });
        println!("{doc}");
    } else {
        println!("{verb}: {summary}");
    }
    if summary.failed > 0 {
        ExitCode::FAILURE
    } else if !args.apply && summary.changes_anything() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse_args(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn arguments_are_read_strictly() {
        let a = args(&["apply", "f.yaml", "--json", "--concurrency", "3"]).unwrap();
        assert!(a.apply && a.json && a.concurrency == 3 && a.file == "f.yaml");
        assert!(args(&["plan"]).is_err());
        assert!(args(&["plan", "a", "b"]).is_err());
        assert!(args(&["plan", "a", "--concurrency", "0"]).is_err());
        assert!(args(&["plan", "a", "--yes"]).is_err());
        assert!(args(&["destroy", "a"]).is_err());
    }
}
