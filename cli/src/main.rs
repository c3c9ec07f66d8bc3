//! `infisical-oci-auth`: converge identities' OCI Auth to a reviewed YAML file, start such a
//! file from what a server holds, and log in with OCI for other tools. See
//! `infisical_oci_auth_cli::DesiredFile` for the format.
//!
//! Exit codes: 0 no changes (plan) or done; 2 `plan` found changes; 1 an error (a bad file
//! or arguments, bad settings, a refused credential, or any identity that failed — the
//! others are still reported).

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use infisical_oci_auth::IdentityId;
use infisical_oci_auth::desired::Converge;
use infisical_oci_auth_cli::{DesiredFile, EntryOutcome, Summary, apply_file, plan_file};

mod connect;
mod output;
mod report;
mod token;
mod words;

use connect::Connection;
use report::Problem;

/// The environment the command reads, listed in `--help`.
const ENVIRONMENT: &str = "\
Environment:
  INFISICAL_API_URL          the server (default https://us.infisical.com)
  INFISICAL_TOKEN            an access token for the management calls
  INFISICAL_OCI_IDENTITY_ID  without a token: log in with OCI as this identity
  OCI_CLI_CONFIG_FILE        the OCI config for that login (default ~/.oci/config)
  OCI_CLI_PROFILE            its profile (default DEFAULT)
  INFISICAL_CA_FILE          a PEM bundle of CAs to trust besides the platform's (--ca-file)
  INFISICAL_CLIENT_CERT      a client certificate, PEM, for mutual TLS (--client-cert)
  INFISICAL_CLIENT_KEY       its private key, PEM, unless it is in that file (--client-key)
  SSL_CERT_FILE, SSL_CERT_DIR  the platform's trusted CAs (Linux)
  HTTPS_PROXY, NO_PROXY      the proxy, and the hosts that bypass it

Exit codes: 0 no changes or done, 2 plan found changes, 1 error.";

/// Plan and apply OCI Auth of Infisical machine identities from a reviewed YAML file.
#[derive(Parser, Debug)]
#[command(name = "infisical-oci-auth", version, after_help = ENVIRONMENT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show what apply would change; exit 0 none, 2 some, 1 error. Nothing is written.
    #[command(after_help = ENVIRONMENT)]
    Plan(RunArgs),
    /// Make each identity's OCI Auth as the file says; exit 0 done, 1 error.
    #[command(after_help = ENVIRONMENT)]
    Apply(RunArgs),
    /// Write a desired-state file of the given identities as the server holds them
    /// (`absent` for those without OCI Auth); `plan` on it reports no changes.
    #[command(after_help = ENVIRONMENT)]
    Export(ExportArgs),
    /// Log in with OCI as INFISICAL_OCI_IDENTITY_ID and print the Infisical access token,
    /// for other tools (`infisical export --token "$(infisical-oci-auth token)"`).
    #[command(after_help = token::AFTER_HELP)]
    Token(token::TokenArgs),
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The desired-state file (YAML).
    file: PathBuf,
    /// How to print the result, and a file's mistakes.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Identities worked on at once.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Print a line on stderr as each identity finishes (the default when stderr is a
    /// terminal, where the line is replaced as the run goes on).
    #[arg(long)]
    progress: bool,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// The identities to export, by id.
    #[arg(required = true, value_name = "ID")]
    identities: Vec<IdentityId>,
    /// Write the file here instead of to stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    connection: Connection,
}

/// How `plan` and `apply` print their result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One block per identity, in file order, then a summary line; mistakes on stderr.
    Text,
    /// One JSON document on stdout, mistakes included.
    Json,
    /// A summary line and one section per changed identity, for a pull-request comment;
    /// mistakes too.
    Markdown,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with exit 0; usage errors to stderr with exit 1
            // (2 means "plan found changes").
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(dispatch(cli.command)),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> ExitCode {
    match command {
        Command::Plan(args) => run(args, Converge::Plan).await,
        Command::Apply(args) => run(args, Converge::Apply).await,
        Command::Export(args) => export(args).await,
        Command::Token(args) => token::run(args).await,
    }
}

async fn run(args: RunArgs, mode: Converge) -> ExitCode {
    let format = if args.json { Format::Json } else { args.format };
    let command = match mode {
        Converge::Plan => "plan",
        _ => "apply",
    };
    let name = args.file.display().to_string();
    let fail = |problems: Vec<Problem>| report::fail(format, command, &name, &problems);
    let file = match DesiredFile::load(&args.file) {
        Ok(file) => file,
        Err(e) => return report::file_error(format, command, &e),
    };
    if file.entries().is_empty() {
        eprintln!("warning: {name} lists no identities; nothing to {command}");
    }
    let client = match args.connection.client() {
        Ok(client) => client,
        Err(message) => return fail(vec![Problem::whole(message)]),
    };
    let mut progress = output::Progress::new(
        args.progress,
        std::io::stderr().is_terminal(),
        file.entries().len(),
    );
    let concurrency = usize::from(args.concurrency);
    let on_finish = |outcome: &EntryOutcome| progress.finished(outcome);
    let outcomes = match mode {
        Converge::Plan => plan_file(&client, &file, concurrency, on_finish).await,
        _ => apply_file(&client, &file, concurrency, on_finish).await,
    };
    progress.done();
    if let Some(message) = outcomes
        .iter()
        .find_map(|o| o.result.as_ref().err().and_then(words::refused_credential))
    {
        return fail(vec![Problem::whole(message)]);
    }
    let summary = Summary::of(&outcomes);
    print!(
        "{}",
        match format {
            Format::Text => output::text(command, &outcomes, &summary),
            Format::Json => output::json(command, file.name(), &outcomes, &summary),
            Format::Markdown => output::markdown(command, file.name(), &outcomes, &summary),
        }
    );
    if summary.failed > 0 {
        ExitCode::FAILURE
    } else if mode == Converge::Plan && summary.changes_anything() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

async fn export(args: ExportArgs) -> ExitCode {
    let client = match args.connection.client() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut configs = Vec::with_capacity(args.identities.len());
    for identity in &args.identities {
        match client.find_oci_auth(identity).await {
            Ok(config) => configs.push((*identity, config)),
            Err(e) => {
                let message = words::refused_credential(&e)
                    .unwrap_or_else(|| format!("{identity}: {}", words::say(&e)));
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        }
    }
    let text = output::export(&configs);
    match &args.output {
        None => print!("{text}"),
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
