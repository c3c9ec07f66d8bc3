//! `spec pull` and `spec check`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::ExitCode;

use serde_json::{Map, Value};

use crate::{codegen, drift, position, root};

/// The pinned extract of Infisical's published document.
pub(crate) const UPSTREAM_FILE: &str = "openapi/upstream/infisical-openapi-oci-auth.json";
/// Differences from upstream that we keep on purpose, each with its reason.
pub(crate) const ACCEPTED_FILE: &str = "openapi/accepted-drift.txt";
/// Where Infisical publishes its document.
pub(crate) const DEFAULT_URL: &str = "https://us.infisical.com/api/docs/json";
/// The paths that make up OCI Auth.
const OCI_PREFIX: &str = "/api/v1/auth/oci-auth/";

/// `cargo xtask spec pull [--from URL|FILE]`.
pub(crate) fn pull(from: Option<&str>) -> Result<ExitCode, String> {
    let source = from.unwrap_or(DEFAULT_URL);
    // The same reading as `spec check --upstream`, so pulled and checked documents agree.
    let doc = parse(&load_upstream(source)?, source)?;
    let extract = extract_oci_auth(&doc).map_err(|e| format!("{source}: {e}"))?;
    let out = root().join(UPSTREAM_FILE);
    let rendered = render(&extract);
    if std::fs::read_to_string(&out).is_ok_and(|old| old == rendered) {
        println!("{UPSTREAM_FILE} is up to date");
    } else {
        std::fs::write(&out, rendered)
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        println!(
            "wrote {UPSTREAM_FILE}; review it with `git diff`, then run `cargo xtask spec check`"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How `spec check` prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// `file:line:col: drift: …` lines and a summary.
    Text,
    /// One JSON document.
    Json,
    /// GitHub workflow annotations (`::error file=…,line=…::…`) and a summary.
    Github,
}

/// The most a fetched or read upstream document may weigh (Infisical's whole document is a
/// few MiB).
const MAX_UPSTREAM_BYTES: u64 = 64 << 20;
/// The size cap, lowered by `SPEC_MAX_BYTES` (for tests of the cap).
fn max_upstream_bytes() -> u64 {
    std::env::var("SPEC_MAX_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(MAX_UPSTREAM_BYTES, |v: u64| v.min(MAX_UPSTREAM_BYTES))
}

/// How long a fetch may take, connecting included.
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Reads an upstream document from a URL or a file, refusing one over the size cap.
fn load_upstream(source: &str) -> Result<String, String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return fetch(source);
    }
    let path = Path::new(source);
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .len();
    let limit = max_upstream_bytes();
    if size > limit {
        return Err(format!(
            "{source} is {size} bytes, over the {limit}-byte limit"
        ));
    }
    read(path)
}

/// `cargo xtask spec check [--upstream URL|FILE] [--format text|json|github]`: compares our
/// document with upstream (the pin by default; a URL or file goes through the same
/// extraction as `spec pull`, and the pin is not touched).
pub(crate) fn check(upstream: Option<&str>, format: Format) -> Result<ExitCode, String> {
    let checked = Checked::run(upstream)?;
    match format {
        Format::Text => checked.print_text(),
        Format::Github => checked.print_github(),
        Format::Json => checked.print_json(),
    }
    Ok(if checked.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What a check found: each new difference with where to edit it, each stale accepted line
/// with its line, and whether progenitor still generates the client.
struct Checked {
    source: String,
    located: Vec<(String, Option<position::Position>)>,
    stale: Vec<(String, Option<usize>)>,
    accepted: usize,
    codegen_error: Option<String>,
}

impl Checked {
    fn run(upstream: Option<&str>) -> Result<Self, String> {
        let ours_path = root().join(codegen::SPEC_PATH);
        let ours_text = read(&ours_path)?;
        let ours = parse(&ours_text, codegen::SPEC_PATH)?;
        let (source, upstream) = match upstream {
            None => {
                let text = read(&root().join(UPSTREAM_FILE))?;
                (UPSTREAM_FILE.to_owned(), parse(&text, UPSTREAM_FILE)?)
            }
            Some(source) => {
                let doc = parse(&load_upstream(source)?, source)?;
                let extract = extract_oci_auth(&doc).map_err(|e| format!("{source}: {e}"))?;
                (source.to_owned(), extract)
            }
        };
        let accepted = parse_accepted(&read(&root().join(ACCEPTED_FILE))?)?;
        let findings = drift::compare_located(&ours, &upstream);
        let texts: Vec<String> = findings.iter().map(|f| f.text.clone()).collect();
        let report = Report::new(&texts, &accepted);
        let positions = position::Positions::of(&ours_text);
        let located = findings
            .iter()
            .filter(|f| !accepted.contains_key(&f.text))
            .map(|f| {
                let at = f.pointer.as_deref().and_then(|p| positions.find(p));
                (f.text.clone(), at)
            })
            .collect();
        let stale = report
            .stale
            .iter()
            .map(|finding| (finding.clone(), accepted.get(finding).copied()))
            .collect();
        Ok(Checked {
            source,
            located,
            stale,
            accepted: texts.len() - report.drift.len(),
            codegen_error: codegen::generate(&ours_path).err(),
        })
    }

    fn is_clean(&self) -> bool {
        self.located.is_empty() && self.stale.is_empty() && self.codegen_error.is_none()
    }

    fn summary(&self) -> String {
        format!(
            "spec check against {}: {} new, {} accepted, {} stale difference(s); {}",
            self.source,
            self.located.len(),
            self.accepted,
            self.stale.len(),
            match &self.codegen_error {
                None => "progenitor generates the client".to_owned(),
                Some(e) => format!("codegen fails: {e}"),
            }
        )
    }

    fn print_text(&self) {
        let spec = codegen::SPEC_PATH;
        for (finding, at) in &self.located {
            match at {
                Some(p) => println!("{spec}:{}:{}: drift: {finding}", p.line, p.col),
                None => println!("{spec}: drift: {finding}"),
            }
        }
        for (finding, line) in &self.stale {
            println!(
                "{ACCEPTED_FILE}:{}: stale: accepted but no longer differs: {finding}",
                line.unwrap_or(0)
            );
        }
        println!("{}", self.summary());
        if !self.located.is_empty() || !self.stale.is_empty() {
            println!(
                "to fix: edit {spec} where shown, or, for a difference we mean to keep, add the \
                 line with its reason to {ACCEPTED_FILE}; remove stale lines"
            );
        }
    }

    fn print_github(&self) {
        let spec = codegen::SPEC_PATH;
        for (finding, at) in &self.located {
            let place = match at {
                Some(p) => format!("file={spec},line={},col={}", p.line, p.col),
                None => format!("file={spec}"),
            };
            println!("::error {place},title=spec drift::{}", annotation(finding));
        }
        for (finding, line) in &self.stale {
            println!(
                "::error file={ACCEPTED_FILE},line={},title=stale accepted drift::{}",
                line.unwrap_or(1),
                annotation(&format!("accepted but no longer differs: {finding}"))
            );
        }
        if let Some(e) = &self.codegen_error {
            println!("::error file={spec},title=codegen::{}", annotation(e));
        }
        println!("{}", self.summary());
    }

    fn print_json(&self) {
        let new: Vec<_> = self
            .located
            .iter()
            .map(|(finding, at)| {
                serde_json::json!({
                    "finding": finding,
                    "file": codegen::SPEC_PATH,
                    "line": at.map(|p| p.line),
                    "column": at.map(|p| p.col),
                })
            })
            .collect();
        let stale: Vec<_> = self
            .stale
            .iter()
            .map(|(finding, line)| {
                serde_json::json!({"finding": finding, "file": ACCEPTED_FILE, "line": line})
            })
            .collect();
        let doc = serde_json::json!({
            "upstream": self.source,
            "new": new,
            "stale": stale,
            "accepted": self.accepted,
            "codegen_error": self.codegen_error,
        });
        println!("{doc}");
    }
}

/// A workflow-command message: `%`, CR and LF escaped as GitHub reads them.
fn annotation(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Findings that are not accepted, and accepted ones that no longer occur.
#[derive(Debug, PartialEq)]
pub(crate) struct Report {
    pub(crate) drift: Vec<String>,
    pub(crate) stale: Vec<String>,
}

impl Report {
    pub(crate) fn new(findings: &[String], accepted: &BTreeMap<String, usize>) -> Self {
        let found: BTreeSet<&String> = findings.iter().collect();
        Report {
            drift: findings
                .iter()
                .filter(|f| !accepted.contains_key(*f))
                .cloned()
                .collect(),
            stale: accepted
                .keys()
                .filter(|a| !found.contains(a))
                .cloned()
                .collect(),
        }
    }

    #[cfg(test)]
    pub(crate) fn is_clean(&self) -> bool {
        self.drift.is_empty() && self.stale.is_empty()
    }
}

/// Reads the accepted-differences file: `<finding> -- <reason>` per line, each finding with
/// its line number; `#` comments and blank lines are skipped. A line without a reason, or a
/// finding listed twice, is refused.
pub(crate) fn parse_accepted(text: &str) -> Result<BTreeMap<String, usize>, String> {
    let mut accepted = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(" -- ") {
            Some((finding, reason)) if !reason.trim().is_empty() => {
                if let Some(first) = accepted.insert(finding.trim().to_owned(), n + 1) {
                    return Err(format!(
                        "{ACCEPTED_FILE}:{}: the same finding as line {first}",
                        n + 1
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "{ACCEPTED_FILE}:{}: expected `<finding> -- <reason>`",
                    n + 1
                ));
            }
        }
    }
    Ok(accepted)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// GETs `url` within [`FETCH_TIMEOUT`], reading at most the size cap.
fn fetch(url: &str) -> Result<String, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(FETCH_TIMEOUT))
        .build()
        .into();
    agent
        .get(url)
        .call()
        .and_then(|mut r| {
            r.body_mut()
                .with_config()
                .limit(max_upstream_bytes())
                .read_to_string()
        })
        .map_err(|e| format!("cannot fetch {url}: {e}"))
}

/// Parses JSON or YAML and requires an OpenAPI 3.0 document.
pub(crate) fn parse(text: &str, source: &str) -> Result<Value, String> {
    let doc: Value = serde_json::from_str(text)
        .or_else(|_| serde_norway::from_str(text))
        .map_err(|e| format!("{source} is neither JSON nor YAML: {e}"))?;
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0.") {
        return Err(format!(
            "{source} is not an OpenAPI 3.0 document (openapi: {version:?})"
        ));
    }
    serde_json::from_value::<openapiv3::OpenAPI>(doc.clone())
        .map_err(|e| format!("{source} is not a valid OpenAPI 3.0 document: {e}"))?;
    Ok(doc)
}

/// The OCI Auth paths of a full document, with the components they reference.
pub(crate) fn extract_oci_auth(doc: &Value) -> Result<Value, String> {
    let paths: Map<String, Value> = doc
        .get("paths")
        .and_then(Value::as_object)
        .map(|p| {
            p.iter()
                .filter(|(k, _)| k.starts_with(OCI_PREFIX))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    if paths.is_empty() {
        return Err(format!("no paths under {OCI_PREFIX}"));
    }
    let mut out = Map::new();
    for key in ["openapi", "info", "servers"] {
        if let Some(v) = doc.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    let mut components = referenced_components(doc, &paths)?;
    add_security_schemes(doc, &paths, &mut components);
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    out.insert("paths".into(), Value::Object(paths));
    Ok(Value::Object(out))
}

/// Every component the paths reference, directly or through other components, by kind.
fn referenced_components(
    doc: &Value,
    paths: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let mut components = Map::new();
    let mut pending: Vec<String> = Vec::new();
    collect_refs(&Value::Object(paths.clone()), &mut pending);
    let mut seen = BTreeSet::new();
    while let Some(r) = pending.pop() {
        if !seen.insert(r.clone()) {
            continue;
        }
        let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p)) else {
            return Err(format!("unresolved reference {r}"));
        };
        collect_refs(target, &mut pending);
        // "#/components/<kind>/<name>"
        let parts: Vec<&str> = r
            .trim_start_matches("#/components/")
            .splitn(2, '/')
            .collect();
        if let [kind, name] = parts[..] {
            let entry = components
                .entry(kind.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(entry) = entry.as_object_mut() {
                entry.insert(name.replace("~1", "/").replace("~0", "~"), target.clone());
            }
        }
    }
    Ok(components)
}

/// The security schemes the paths' operations name (schemes are named, not referenced).
fn add_security_schemes(
    doc: &Value,
    paths: &Map<String, Value>,
    components: &mut Map<String, Value>,
) {
    let mut schemes = BTreeSet::new();
    for item in paths.values() {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            for req in op
                .get("security")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                schemes.extend(req.as_object().into_iter().flat_map(|o| o.keys().cloned()));
            }
        }
    }
    for name in schemes {
        if let Some(s) = doc.pointer(&format!("/components/securitySchemes/{name}")) {
            let entry = components
                .entry("securitySchemes")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(entry) = entry.as_object_mut() {
                entry.insert(name, s.clone());
            }
        }
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                out.push(r.to_owned());
            }
            o.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Sorted keys, two-space indentation, final newline. Keys are sorted here rather than left
/// to serde_json's map, which keeps insertion order when a crate in the same build enables
/// its `preserve_order` feature.
pub(crate) fn render(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(&sorted(v)).unwrap_or_default();
    s.push('\n');
    s
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulling_the_pinned_extract_again_changes_nothing() {
        let pinned = read(&root().join(UPSTREAM_FILE)).unwrap();
        let doc = parse(&pinned, "pinned").unwrap();
        assert_eq!(render(&extract_oci_auth(&doc).unwrap()), pinned);
    }

    #[test]
    fn the_extract_keeps_only_oci_auth_and_what_it_references() {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/api/v1/auth/oci-auth/login": {"post": {"responses": {"200": {"$ref": "#/components/responses/Ok"}}, "security": [{"bearerAuth": []}]}},
                "/api/v1/secrets": {"get": {"responses": {"200": {"$ref": "#/components/responses/Other"}}}}
            },
            "components": {
                "responses": {"Ok": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Token"}}}}, "Other": {"description": "x"}},
                "schemas": {"Token": {"type": "string"}, "Unused": {"type": "string"}},
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}, "apiKey": {"type": "apiKey", "in": "header", "name": "k"}}
            }
        });
        let e = extract_oci_auth(&doc).unwrap();
        assert_eq!(e["paths"].as_object().unwrap().len(), 1);
        assert_eq!(
            e["components"]["schemas"],
            serde_json::json!({"Token": {"type": "string"}})
        );
        assert!(e["components"]["responses"].get("Other").is_none());
        assert_eq!(
            e["components"]["securitySchemes"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["bearerAuth"]
        );
    }

    #[test]
    fn unusable_input_is_refused() {
        assert!(
            parse("not json: [", "x")
                .unwrap_err()
                .contains("neither JSON nor YAML")
        );
        assert!(
            parse(r#"{"openapi": "3.1.0"}"#, "x")
                .unwrap_err()
                .contains("3.0")
        );
        assert!(parse(r#"{"swagger": "2.0"}"#, "x").is_err());
        assert!(extract_oci_auth(&serde_json::json!({"openapi": "3.0.3", "paths": {}})).is_err());
    }
}
