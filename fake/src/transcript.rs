//! The recordings the fake is measured against: request/answer pairs of a real Infisical
//! server (2025-06-22), one file each in `transcripts/` of this crate, listed in its
//! `INDEX.md`. A comment "transcript NN" in the fake cites one of them.

use std::io;
use std::path::PathBuf;

/// One request and the real server's answer to it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transcript {
    /// The file's name without `.txt`, e.g. `02-get`.
    pub name: String,
    /// The request's method.
    pub method: String,
    /// The request's path and query.
    pub path: String,
    /// The request's headers, names in lowercase.
    pub request_headers: Vec<(String, String)>,
    /// The request's body (empty when it had none).
    pub request_body: String,
    /// The answer's status.
    pub status: u16,
    /// The answer's body.
    pub response_body: String,
}

impl Transcript {
    /// Reads the transcript `name` (e.g. `"02-get"`).
    ///
    /// ```
    /// let get = infisical_oci_auth_fake::Transcript::read("02-get")?;
    /// assert_eq!((get.method.as_str(), get.status), ("GET", 200));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the file cannot be read or is not a transcript.
    pub fn read(name: &str) -> io::Result<Self> {
        let path = dir().join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&path)?;
        parse(name, &text).ok_or_else(|| {
            let reason = format!("{} is not a transcript", path.display());
            io::Error::new(io::ErrorKind::InvalidData, reason)
        })
    }

    /// The names of every transcript, in the order of `INDEX.md`.
    ///
    /// # Errors
    /// When the index cannot be read.
    pub fn names() -> io::Result<Vec<String>> {
        let index = std::fs::read_to_string(dir().join("INDEX.md"))?;
        Ok(index
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(" |").next())
            .filter(|n| n.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .map(str::to_owned)
            .collect())
    }

    /// The request's body as JSON (`null` when it is not JSON).
    pub fn request_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.request_body).unwrap_or(serde_json::Value::Null)
    }

    /// The answer's body as JSON (`null` when it is not JSON).
    pub fn response_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.response_body).unwrap_or(serde_json::Value::Null)
    }
}

fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/transcripts"))
}

/// A transcript's text: `=== REQUEST ===`, the request line, headers and body, then
/// `=== RESPONSE (…)`, a status line, headers and body.
fn parse(name: &str, text: &str) -> Option<Transcript> {
    let (request, rest) = text.split_once("=== RESPONSE (")?;
    let request = request.split_once("=== REQUEST ===\n")?.1;
    let mut parts = request.lines().next()?.split(' ');
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let (head, body) = request.split_once("\n\n").unwrap_or((request, ""));
    let request_headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    let response = rest.split_once(')')?.1;
    let status = response.lines().nth(1)?.split(' ').nth(1)?.parse().ok()?;
    let response_body = response
        .split_once("\n\n")
        .and_then(|(_, b)| b.split("=== RESPONSE BODY").next())
        .map(|b| b.trim().to_owned())
        .unwrap_or_default();
    Some(Transcript {
        name: name.to_owned(),
        method,
        path,
        request_headers,
        request_body: body.trim().to_owned(),
        status,
        response_body,
    })
}
