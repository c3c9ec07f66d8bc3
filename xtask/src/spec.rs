//! `spec pull` and `spec check`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use serde_json::{Map, Value};

use crate::{codegen, drift, root};

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
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        fetch(source)?
    } else {
        read(Path::new(source))?
    };
    let doc = parse(&text, source)?;
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

/// `cargo xtask spec check [--upstream FILE]`.
pub(crate) fn check(upstream: Option<&Path>) -> Result<ExitCode, String> {
    let ours_path = root().join(codegen::SPEC_PATH);
    let ours = parse(&read(&ours_path)?, &ours_path.display().to_string())?;
    let upstream_path = upstream.map_or_else(|| root().join(UPSTREAM_FILE), Path::to_path_buf);
    let upstream = parse(&read(&upstream_path)?, &upstream_path.display().to_string())?;
    let accepted = parse_accepted(&read(&root().join(ACCEPTED_FILE))?)?;

    let mut failed = false;
    if let Err(e) = codegen::generate(&ours_path) {
        println!("codegen: {e}");
        failed = true;
    }
    let findings = drift::compare(&ours, &upstream);
    let report = Report::new(&findings, &accepted);
    for finding in &report.drift {
        println!("drift: {finding}");
    }
    for finding in &report.stale {
        println!("stale: accepted in {ACCEPTED_FILE} but no longer differs: {finding}");
    }
    failed |= !report.is_clean();
    if failed {
        println!(
            "spec check failed: fix {} or, for a difference we mean to keep, add the line with \
             its reason to {ACCEPTED_FILE}",
            codegen::SPEC_PATH
        );
        return Ok(ExitCode::from(1));
    }
    println!(
        "spec check: {} differences from {}, all accepted; progenitor generates the client",
        findings.len(),
        upstream_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("upstream")
    );
    Ok(ExitCode::SUCCESS)
}

/// Findings that are not accepted, and accepted ones that no longer occur.
#[derive(Debug, PartialEq)]
pub(crate) struct Report {
    pub(crate) drift: Vec<String>,
    pub(crate) stale: Vec<String>,
}

impl Report {
    pub(crate) fn new(findings: &[String], accepted: &BTreeSet<String>) -> Self {
        let found: BTreeSet<&String> = findings.iter().collect();
        Report {
            drift: findings
                .iter()
                .filter(|f| !accepted.contains(*f))
                .cloned()
                .collect(),
            stale: accepted
                .iter()
                .filter(|a| !found.contains(a))
                .cloned()
                .collect(),
        }
    }

    pub(crate) fn is_clean(&self) -> bool {
        self.drift.is_empty() && self.stale.is_empty()
    }
}

/// Reads the accepted-differences file: `<finding> -- <reason>` per line; `#` comments and
/// blank lines are skipped. A line without a reason is refused.
pub(crate) fn parse_accepted(text: &str) -> Result<BTreeSet<String>, String> {
    let mut accepted = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(" -- ") {
            Some((finding, reason)) if !reason.trim().is_empty() => {
                accepted.insert(finding.trim().to_owned());
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

fn fetch(url: &str) -> Result<String, String> {
    ureq::get(url)
        .call()
        .and_then(|mut r| r.body_mut().read_to_string())
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
    // Security schemes are named, not referenced.
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
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    out.insert("paths".into(), Value::Object(paths));
    Ok(Value::Object(out))
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
/// its `preserve_order` feature (the library's `testing` feature does).
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
