//! `cargo xtask spec check` end to end: the report formats, exit codes, and bad upstreams.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

const ITEM: &str = "/paths/~1api~1v1~1auth~1oci-auth~1identities~1{identityId}";

fn pinned() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../openapi/upstream/infisical-openapi-oci-auth.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs `spec check --upstream <doc written to a file> extra…`: exit code and stdout.
fn check(name: &str, upstream: &[u8], extra: &[&str]) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("xtask-check-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("upstream.json");
    std::fs::write(&file, upstream).unwrap();
    let pin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../openapi/upstream/infisical-openapi-oci-auth.json");
    let pin_before = std::fs::read(&pin).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "check", "--upstream"])
        .arg(&file)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        std::fs::read(&pin).unwrap(),
        pin_before,
        "the pin is never rewritten"
    );
    let _ = std::fs::remove_dir_all(&dir);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The pin with one finding of each kind the check compares beyond schemas (security,
/// parameter location, media types, a schema bound), and one stale accepted difference.
fn mutated() -> Vec<u8> {
    let mut d = pinned();
    let patch = d.pointer_mut(&format!("{ITEM}/patch")).unwrap();
    patch.as_object_mut().unwrap().remove("security");
    patch["parameters"][0]["in"] = json!("query");
    // Upstream now says what we said: our accepted difference about it goes stale.
    patch["parameters"][0]["schema"]["format"] = json!("uuid");
    let content = patch["requestBody"]["content"].as_object_mut().unwrap();
    let body = content["application/json"].clone();
    content.insert("text/plain".into(), body);
    d.pointer_mut(&format!("{ITEM}/get/responses/200/content/application~1json/schema/properties/identityOciAuth/properties/accessTokenTTL"))
        .unwrap()["minimum"] = json!(1);
    serde_json::to_vec(&d).unwrap()
}

#[test]
fn the_pin_itself_is_clean() {
    let (code, out, _) = check("clean", &serde_json::to_vec(&pinned()).unwrap(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 new, 60 accepted, 0 stale"), "{out}");
}

#[test]
fn text_reports_name_the_line_and_the_summary_counts() {
    let (code, out, _) = check("text", &mutated(), &[]);
    assert_eq!(code, 1, "{out}");
    println!("{out}");
    let drift: Vec<&str> = out.lines().filter(|l| l.contains(": drift: ")).collect();
    assert_eq!(drift.len(), 4, "{out}");
    for line in &drift {
        let (place, _) = line.split_once(": drift: ").unwrap();
        let mut parts = place.split(':');
        assert_eq!(
            parts.next(),
            Some("openapi/infisical-oci-auth.yaml"),
            "{line}"
        );
        assert!(
            parts.next().unwrap().parse::<usize>().unwrap() > 0,
            "{line}"
        );
    }
    assert!(
        out.lines().any(|l| l.starts_with("openapi/accepted-drift.txt:")
            && l.contains("stale: accepted but no longer differs: PATCH /api/v1/auth/oci-auth/identities/{identityId} parameter.path.identityId format")),
        "{out}"
    );
    assert!(out.contains("4 new, 59 accepted, 1 stale"), "{out}");
}

#[test]
fn github_reports_are_workflow_annotations() {
    let (code, out, _) = check("github", &mutated(), &["--format", "github"]);
    assert_eq!(code, 1);
    println!("{out}");
    assert!(
        out.lines().any(|l| l.starts_with("::error file=openapi/infisical-oci-auth.yaml,line=")
            && l.contains(",title=spec drift::PATCH /api/v1/auth/oci-auth/identities/{identityId} security: ")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error file=openapi/accepted-drift.txt,line=")),
        "{out}"
    );
}

#[test]
fn json_reports_are_one_document() {
    let (code, out, _) = check("json", &mutated(), &["--format", "json"]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(doc["new"].as_array().unwrap().len(), 4);
    assert!(
        doc["new"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["line"].as_u64().is_some())
    );
    assert_eq!(doc["accepted"], 59);
    assert_eq!(doc["stale"].as_array().unwrap().len(), 1);
    assert!(doc["stale"][0]["line"].as_u64().is_some());
}

#[test]
fn unusable_upstreams_exit_2_and_say_why() {
    let mut no_oci = pinned();
    no_oci["paths"] =
        json!({"/api/v1/secrets": {"get": {"responses": {"200": {"description": "x"}}}}});
    for (name, doc, needle) in [
        ("notjson", b"{ nope".to_vec(), "neither JSON nor YAML"),
        (
            "swagger",
            br#"{"swagger": "2.0"}"#.to_vec(),
            "not an OpenAPI 3.0 document",
        ),
        (
            "nooci",
            serde_json::to_vec(&no_oci).unwrap(),
            "no paths under /api/v1/auth/oci-auth/",
        ),
    ] {
        let (code, _, err) = check(name, &doc, &[]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "spec",
            "check",
            "--upstream",
            "http://127.0.0.1:1/api/docs/json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot fetch"));
    let big = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "check", "--upstream"])
        .arg(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../openapi/upstream/infisical-openapi-oci-auth.json"),
        )
        .env("SPEC_MAX_BYTES", "100")
        .output()
        .unwrap();
    assert_eq!(big.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&big.stderr).contains("over the 100-byte limit"));
    let bad_format = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "check", "--format", "xml"])
        .output()
        .unwrap();
    assert_eq!(bad_format.status.code(), Some(2));
}
