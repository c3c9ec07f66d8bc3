//! What stops a run before any identity is worked on (a file's mistakes, a setting, a
//! refused credential), in the format asked for: text on stderr; JSON or Markdown on
//! stdout, so that a workflow that posts stdout shows them. Exit 1 in all three.

use std::process::ExitCode;

use infisical_oci_auth_cli::FileError;
use serde_json::json;

use crate::Format;

/// One thing that stops the run: where in the file (when it is the file's), and what.
pub(crate) struct Problem {
    line: Option<usize>,
    path: String,
    message: String,
}

impl Problem {
    /// A problem of the run as a whole, not of a place in the file.
    pub(crate) fn whole(message: String) -> Self {
        Problem {
            line: None,
            path: String::new(),
            message,
        }
    }
}

/// Each mistake of a file; mistakes past the listed ones are one more problem.
fn mistakes(e: &FileError) -> Vec<Problem> {
    let mut all: Vec<Problem> = e
        .mistakes()
        .iter()
        .map(|m| Problem {
            line: m.line,
            path: m.field.clone(),
            message: m.reason.clone(),
        })
        .collect();
    if e.more() > 0 {
        all.push(Problem::whole(format!("… and {} more mistakes", e.more())));
    }
    all
}

/// Prints the mistakes of a file as `format` says, and exits 1.
pub(crate) fn file_error(format: Format, command: &str, e: &FileError) -> ExitCode {
    if format == Format::Text {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    fail(format, command, e.file(), &mistakes(e))
}

/// Prints `problems` of `command` on `file` as `format` says, and exits 1.
pub(crate) fn fail(format: Format, command: &str, file: &str, problems: &[Problem]) -> ExitCode {
    match format {
        Format::Text => eprint!("{}", text(file, problems)),
        Format::Json => println!("{}", self::json(command, file, problems)),
        Format::Markdown => print!("{}", markdown(command, file, problems)),
    }
    ExitCode::FAILURE
}

fn place(p: &Problem) -> String {
    let line = p.line.map_or_else(String::new, |l| format!("line {l}: "));
    let path = if p.path.is_empty() {
        String::new()
    } else {
        format!("{}: ", p.path)
    };
    format!("{line}{path}")
}

fn text(file: &str, problems: &[Problem]) -> String {
    match problems {
        [one] if one.line.is_none() => format!("error: {}\n", one.message),
        all => {
            let mut out = String::new();
            for p in all {
                out.push_str(&format!("error: {file}: {}{}\n", place(p), p.message));
            }
            out
        }
    }
}

fn json(command: &str, file: &str, problems: &[Problem]) -> String {
    let errors: Vec<_> = problems
        .iter()
        .map(|p| json!({"line": p.line, "path": p.path, "message": p.message}))
        .collect();
    json!({"command": command, "file": file, "errors": errors}).to_string()
}

fn markdown(command: &str, file: &str, problems: &[Problem]) -> String {
    let mut out = format!("**infisical-oci-auth {command}** `{file}`: cannot run\n\n");
    for p in problems {
        let line = p.line.map_or_else(String::new, |l| format!("line {l}: "));
        let path = if p.path.is_empty() {
            String::new()
        } else {
            format!("`{}`: ", p.path)
        };
        out.push_str(&format!("- {line}{path}{}\n", p.message));
    }
    out
}
