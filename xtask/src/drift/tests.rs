use serde_json::json;

use super::*;
use crate::spec::{ACCEPTED_FILE, Report, UPSTREAM_FILE, parse_accepted};

const ITEM: &str = "/paths/~1api~1v1~1auth~1oci-auth~1identities~1{identityId}";
const PATCH: &str = "PATCH /api/v1/auth/oci-auth/identities/{identityId}";

fn extract() -> Value {
    let text = std::fs::read_to_string(crate::root().join(UPSTREAM_FILE)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn patch_body(doc: &mut Value) -> &mut Value {
    doc.pointer_mut(&format!(
        "{ITEM}/patch/requestBody/content/application~1json/schema"
    ))
    .unwrap()
}

/// Compares the real extract with a mutated copy of itself.
fn drift_after(mutate: impl FnOnce(&mut Value)) -> Vec<String> {
    let upstream = extract();
    let mut ours = upstream.clone();
    mutate(&mut ours);
    compare(&ours, &upstream)
}

#[test]
fn the_extract_does_not_drift_from_itself() {
    assert_eq!(compare(&extract(), &extract()), Vec::<String>::new());
}

#[test]
fn operations_added_or_removed() {
    let d = drift_after(|d| {
        d.pointer_mut(ITEM)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove("delete");
    });
    assert_eq!(
        d,
        [
            "DELETE /api/v1/auth/oci-auth/identities/{identityId} operation: ours absent, upstream present"
        ]
    );
}

#[test]
fn path_and_query_parameters() {
    let d = drift_after(|d| {
        let params = d
            .pointer_mut(&format!("{ITEM}/patch/parameters"))
            .unwrap()
            .as_array_mut()
            .unwrap();
        params[0]["schema"]["format"] = json!("uuid");
        params.push(json!({"in": "query", "name": "dryRun", "required": false, "schema": {"type": "boolean"}}));
    });
    assert_eq!(
        d,
        [
            format!("{PATCH} parameter.path.identityId format: ours \"uuid\", upstream none"),
            format!("{PATCH} parameter.query.dryRun parameter: ours present, upstream absent"),
        ]
    );
}

#[test]
fn request_properties_and_required() {
    let d = drift_after(|d| {
        let body = patch_body(d);
        body["properties"]
            .as_object_mut()
            .unwrap()
            .remove("accessTokenNumUsesLimit");
        body["required"] = json!(["tenancyOcid", "allowedUsernames"]);
    });
    assert_eq!(
        d,
        [
            format!(
                "{PATCH} request required: ours [\"allowedUsernames\",\"tenancyOcid\"], upstream [\"tenancyOcid\"]"
            ),
            format!(
                "{PATCH} request.accessTokenNumUsesLimit property: ours absent, upstream present"
            ),
        ]
    );
}

#[test]
fn every_schema_aspect() {
    let cases: [(&str, &str, Value); 10] = [
        ("allowedUsernames", "nullable", json!(false)),
        ("accessTokenTTL", "type", json!("number")),
        ("accessTokenTTL", "format", json!("int32")),
        ("accessTokenTTL", "minimum", json!(1)),
        ("accessTokenTTL", "maximum", json!(100)),
        ("tenancyOcid", "minLength", json!(2)),
        ("allowedUsernames", "maxLength", json!(255)),
        ("accessTokenTrustedIps", "minItems", json!(2)),
        ("accessTokenTrustedIps", "maxItems", json!(5)),
        ("accessTokenTTL", "default", json!(60)),
    ];
    for (prop, aspect, value) in cases {
        let d = drift_after(|d| patch_body(d)["properties"][prop][aspect] = value.clone());
        assert_eq!(d.len(), 1, "{prop} {aspect}: {d:?}");
        assert!(
            d[0].starts_with(&format!("{PATCH} request.{prop} {aspect}: ours ")),
            "{}",
            d[0]
        );
    }
    let d = drift_after(|d| {
        let login = d.pointer_mut("/paths/~1api~1v1~1auth~1oci-auth~1login/post/responses/200/content/application~1json/schema/properties/tokenType").unwrap();
        login["enum"] = json!(["Bearer", "Basic"]);
    });
    assert_eq!(
        d,
        [
            "POST /api/v1/auth/oci-auth/login response.200.tokenType enum: ours [\"Bearer\",\"Basic\"], upstream [\"Bearer\"]"
        ]
    );
}

#[test]
fn nested_items_are_compared() {
    let d = drift_after(|d| {
        patch_body(d)["properties"]["accessTokenTrustedIps"]["items"]["properties"]["ipAddress"]
            ["maxLength"] = json!(64);
    });
    assert_eq!(
        d,
        [format!(
            "{PATCH} request.accessTokenTrustedIps[].ipAddress maxLength: ours 64, upstream none"
        )]
    );
}

#[test]
fn response_properties_required_and_statuses() {
    let d = drift_after(|d| {
        let resp = d.pointer_mut(&format!("{ITEM}/get/responses/200/content/application~1json/schema/properties/identityOciAuth")).unwrap();
        resp["properties"]
            .as_object_mut()
            .unwrap()
            .remove("accessTokenPeriod");
        resp["required"].as_array_mut().unwrap().pop();
        d.pointer_mut(&format!("{ITEM}/get/responses"))
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert("429".into(), json!({"description": "x"}));
    });
    let get = "GET /api/v1/auth/oci-auth/identities/{identityId}";
    assert_eq!(
        d,
        [
            format!(
                "{get} response.200.identityOciAuth required: ours [\"createdAt\",\"id\",\"identityId\",\"type\",\"updatedAt\"], upstream [\"createdAt\",\"id\",\"identityId\",\"tenancyOcid\",\"type\",\"updatedAt\"]"
            ),
            format!(
                "{get} response.200.identityOciAuth.accessTokenPeriod property: ours absent, upstream present"
            ),
            format!("{get} response.429 status: ours present, upstream absent"),
        ]
    );
}

fn remove_patch_security(d: &mut Value) {
    d.pointer_mut(&format!("{ITEM}/patch"))
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("security");
}

#[test]
fn security_requirements_and_their_schemes() {
    let d = drift_after(remove_patch_security);
    assert_eq!(
        d,
        [format!(
            "{PATCH} security: ours [], upstream [[\"bearerAuth\"]]"
        )]
    );
    let d = drift_after(|d| {
        d["components"]["securitySchemes"]["bearerAuth"]["scheme"] = json!("basic");
    });
    assert_eq!(d.len(), 4, "every operation that names the scheme: {d:?}");
    assert!(
        d.contains(&format!(
            "{PATCH} security.bearerAuth scheme: ours \"basic\", upstream \"bearer\""
        )),
        "{d:?}"
    );
    // The document-wide requirement counts for an operation without its own.
    let d = drift_after(|d| {
        remove_patch_security(d);
        d["security"] = json!([{"bearerAuth": []}]);
    });
    assert!(!d.iter().any(|f| f.starts_with(PATCH)), "{d:?}");
}

#[test]
fn request_and_response_media_types() {
    let d = drift_after(|d| {
        let content = d
            .pointer_mut(&format!("{ITEM}/patch/requestBody/content"))
            .unwrap();
        let json = content["application/json"].clone();
        content["application/x-www-form-urlencoded"] = json;
        let ok = d
            .pointer_mut(&format!("{ITEM}/get/responses/200/content"))
            .unwrap()
            .as_object_mut()
            .unwrap();
        let json = ok.remove("application/json").unwrap();
        ok.insert("application/vnd.infisical+json".into(), json);
    });
    let get = "GET /api/v1/auth/oci-auth/identities/{identityId}";
    assert!(
        d.contains(&format!(
            "{PATCH} requestBody media types: ours [\"application/json\",\"application/x-www-form-urlencoded\"], upstream [\"application/json\"]"
        )),
        "{d:?}"
    );
    assert!(
        d.contains(&format!(
            "{get} response.200 media types: ours [\"application/vnd.infisical+json\"], upstream [\"application/json\"]"
        )),
        "{d:?}"
    );
}

#[test]
fn parameter_location_and_requiredness() {
    let d = drift_after(|d| {
        let p = &mut d.pointer_mut(&format!("{ITEM}/patch/parameters")).unwrap()[0];
        p["in"] = json!("query");
        p["required"] = json!(false);
    });
    assert_eq!(
        d,
        [
            format!("{PATCH} parameter.query.identityId in: ours \"query\", upstream \"path\""),
            format!("{PATCH} parameter.query.identityId required: ours false, upstream true"),
        ]
    );
}

#[test]
fn descriptions_key_order_and_info_are_not_findings() {
    fn reorder(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .rev()
                    .map(|(k, v)| (k.clone(), reorder(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(reorder).collect()),
            other => other.clone(),
        }
    }
    fn redescribe(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    if k == "description" || k == "summary" {
                        *v = json!("reworded");
                    } else {
                        redescribe(v);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(redescribe),
            _ => {}
        }
    }
    let d = drift_after(|d| {
        redescribe(d);
        d["info"]["version"] = json!("9.9.9");
        d["info"]["title"] = json!("renamed");
        *d = reorder(d);
    });
    assert_eq!(d, Vec::<String>::new());
}

#[test]
fn a_finding_names_the_line_of_our_yaml_to_edit() {
    let root = crate::root();
    let text = std::fs::read_to_string(root.join(crate::codegen::SPEC_PATH)).unwrap();
    let ours = crate::spec::parse(&text, "ours").unwrap();
    let mut upstream = ours.clone();
    let body = resolve(
        &ours,
        ours.pointer(&format!(
            "{ITEM}/patch/requestBody/content/application~1json/schema"
        ))
        .unwrap(),
    )
    .clone();
    let mut changed = body;
    changed["properties"]["accessTokenTTL"]["maximum"] = json!(100);
    *upstream
        .pointer_mut(&format!(
            "{ITEM}/patch/requestBody/content/application~1json/schema"
        ))
        .unwrap() = changed;
    let findings = compare_located(&ours, &upstream);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let at = crate::position::Positions::of(&text)
        .find(findings[0].pointer.as_deref().unwrap())
        .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[at.line - 1].trim(),
        "maximum: 315360000",
        "line {}",
        at.line
    );
    assert!(
        lines[..at.line]
            .iter()
            .rev()
            .take(4)
            .any(|l| l.trim() == "accessTokenTTL:"),
        "under accessTokenTTL"
    );
    assert!(
        lines[..at.line]
            .iter()
            .rev()
            .any(|l| l.trim() == "UpdateOciAuthRequest:"),
        "in the update body's schema, where the $ref leads"
    );
}

#[test]
fn references_are_followed() {
    let d = drift_after(|d| {
        let body = patch_body(d).take();
        *patch_body(d) = json!({"$ref": "#/components/schemas/Update"});
        d["components"]["schemas"] = json!({"Update": body});
    });
    assert_eq!(d, Vec::<String>::new());
}

#[test]
fn accepted_differences_that_vanished_are_stale() {
    let findings = vec![
        "A: ours 1, upstream 2".to_owned(),
        "B: ours x, upstream y".to_owned(),
    ];
    let accepted = parse_accepted(
        "# why\nA: ours 1, upstream 2 -- reason\nC: ours 3, upstream 4 -- gone now\n",
    )
    .unwrap();
    let report = Report::new(&findings, &accepted);
    assert_eq!(report.drift, ["B: ours x, upstream y"]);
    assert_eq!(report.stale, ["C: ours 3, upstream 4"]);
    assert!(
        parse_accepted("A: ours 1, upstream 2\n").is_err(),
        "a reason is required"
    );
}

#[test]
fn the_repository_spec_is_in_sync() {
    let root = crate::root();
    let ours = crate::spec::parse(
        &std::fs::read_to_string(root.join(crate::codegen::SPEC_PATH)).unwrap(),
        "ours",
    )
    .unwrap();
    let accepted =
        parse_accepted(&std::fs::read_to_string(root.join(ACCEPTED_FILE)).unwrap()).unwrap();
    let report = Report::new(&compare(&ours, &extract()), &accepted);
    assert!(report.is_clean(), "{report:?}");
}
