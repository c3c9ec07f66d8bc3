//! What the command prints: plans and results in file order (text, JSON, Markdown), and
//! exported desired-state files.

use infisical_oci_auth::{IdentityId, IdentityOciAuth};
use infisical_oci_auth_cli::{EntryOutcome, Summary};

use crate::words::say;

/// Progress on stderr, for people: a line per identity as it finishes when asked for
/// (`--progress`), or in a terminal one status line replaced as the run goes on and cleared
/// at its end, so that nothing stays on screen twice. Otherwise nothing.
pub(crate) struct Progress {
    mode: ProgressMode,
    total: usize,
    finished: usize,
}

#[derive(PartialEq, Eq)]
enum ProgressMode {
    Off,
    Lines,
    Status,
}

impl Progress {
    pub(crate) fn new(asked: bool, terminal: bool, total: usize) -> Self {
        let mode = match (asked, terminal) {
            (true, _) => ProgressMode::Lines,
            (false, true) => ProgressMode::Status,
            (false, false) => ProgressMode::Off,
        };
        Progress {
            mode,
            total,
            finished: 0,
        }
    }

    pub(crate) fn finished(&mut self, outcome: &EntryOutcome) {
        self.finished += 1;
        match self.mode {
            ProgressMode::Off => {}
            ProgressMode::Lines => eprintln!("{}", progress_line(outcome)),
            ProgressMode::Status => eprint!(
                "\r\x1b[2K[{}/{}] {}",
                self.finished,
                self.total,
                progress_line(outcome)
            ),
        }
    }

    /// Clears the status line.
    pub(crate) fn done(&self) {
        if self.mode == ProgressMode::Status && self.finished > 0 {
            eprint!("\r\x1b[2K");
        }
    }
}

/// One line on stderr as an identity finishes.
fn progress_line(outcome: &EntryOutcome) -> String {
    match &outcome.result {
        Ok(applied) => format!("{}: {}", outcome.identity, applied.plan.action()),
        Err(_) => format!("{}: failed", outcome.identity),
    }
}

/// One block per identity, in file order, then `plan: …` or `apply: …` with the counts.
pub(crate) fn text(command: &str, outcomes: &[EntryOutcome], summary: &Summary) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        match &outcome.result {
            Ok(applied) => {
                let plan = applied.plan.to_string().replace('\n', "\n  ");
                out.push_str(&format!("{}: {plan}\n", outcome.identity));
            }
            Err(e) => out.push_str(&format!("{}: error: {}\n", outcome.identity, say(e))),
        }
    }
    out.push_str(&format!("{command}: {summary}\n"));
    out
}

/// One JSON document: the command, the file, each identity in file order, the summary.
pub(crate) fn json(
    command: &str,
    file: &str,
    outcomes: &[EntryOutcome],
    summary: &Summary,
) -> String {
    let doc = serde_json::json!({
        "command": command,
        "file": file,
        "identities": outcomes.iter().map(outcome_json).collect::<Vec<_>>(),
        "summary": summary,
    });
    format!("{doc}\n")
}

/// One outcome as JSON: `{identity, action, changes, error}`.
fn outcome_json(outcome: &EntryOutcome) -> serde_json::Value {
    match &outcome.result {
        Ok(applied) => serde_json::json!({
            "identity": outcome.identity,
            "action": applied.plan.action(),
            "changes": applied.plan.changes(),
            "error": null
        }),
        Err(e) => serde_json::json!({
            "identity": outcome.identity,
            "action": null,
            "changes": [],
            "error": say(e)
        }),
    }
}

/// For a pull-request comment: a summary line, then one section per identity that changes
/// or failed, in file order.
pub(crate) fn markdown(
    command: &str,
    file: &str,
    outcomes: &[EntryOutcome],
    summary: &Summary,
) -> String {
    let mut out = format!("**infisical-oci-auth {command}** `{file}`: {summary}\n");
    for outcome in outcomes {
        match &outcome.result {
            Ok(applied) if !applied.plan.changes_anything() => {}
            Ok(applied) => out.push_str(&format!(
                "\n### `{}`: {}\n\n```diff\n{}\n```\n",
                outcome.identity,
                applied.plan.action(),
                applied.plan
            )),
            Err(e) => out.push_str(&format!(
                "\n### `{}`: failed\n\n```text\n{}\n```\n",
                outcome.identity,
                say(e)
            )),
        }
    }
    out
}

/// A desired-state file of `configs` as the server holds them: `absent` for `None`.
pub(crate) fn export(configs: &[(IdentityId, Option<IdentityOciAuth>)]) -> String {
    let mut out = String::from(
        "# Written by `infisical-oci-auth export`: OCI Auth as the server held it.\nidentities:\n",
    );
    for (identity, config) in configs {
        let Some(config) = config else {
            out.push_str(&format!("  {identity}: absent\n"));
            continue;
        };
        out.push_str(&format!("  {identity}:\n"));
        out.push_str(&format!(
            "    tenancyOcid: {}\n",
            quoted(&config.tenancy_ocid)
        ));
        if let Some(usernames) = &config.allowed_usernames {
            out.push_str(&format!("    allowedUsernames: {}\n", quoted(usernames)));
        }
        out.push_str("    accessTokenTrustedIps:\n");
        for ip in &config.access_token_trusted_ips {
            out.push_str(&format!("      - {}\n", quoted(&ip.to_request_form())));
        }
        out.push_str(&format!(
            "    accessTokenTTL: {}\n",
            config.access_token_ttl
        ));
        out.push_str(&format!(
            "    accessTokenMaxTTL: {}\n",
            config.access_token_max_ttl
        ));
        out.push_str(&format!(
            "    accessTokenNumUsesLimit: {}\n",
            config.access_token_num_uses_limit
        ));
    }
    out
}

/// A YAML string scalar, double-quoted and escaped as JSON (JSON strings are YAML).
fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}
