//! Semantic comparison of two OpenAPI 3.0 documents, operation by operation.
//!
//! Operations are matched by method and path. For each, the comparison covers: the
//! operation itself and its operationId; path and query parameters; the JSON request body
//! (properties, required, nullable, type/format, minimum/maximum, minLength/maxLength,
//! minItems/maxItems, pattern, enum, default, recursively); the response status codes; and
//! the properties and required lists of success responses. Error bodies are compared by
//! status code only: this crate deliberately uses one permissive error schema.
//!
//! Each finding is one line: `METHOD PATH WHERE ASPECT: ours X, upstream Y`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const ASPECTS: [&str; 13] = [
    "type",
    "format",
    "nullable",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "enum",
    "default",
    "required",
];

/// Every difference between `ours` and `upstream`, sorted.
pub(crate) fn compare(ours: &Value, upstream: &Value) -> Vec<String> {
    let mut out = Findings::default();
    let (a, b) = (operations(ours), operations(upstream));
    for key in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
        let op = format!("{} {}", key.0.to_uppercase(), key.1);
        match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) => compare_operation(&op, (ours, *x), (upstream, *y), &mut out),
            (x, y) => out.add(&op, "", "operation", present(x), present(y)),
        }
    }
    out.0.into_iter().collect()
}

#[derive(Default)]
struct Findings(BTreeSet<String>);

impl Findings {
    fn add(&mut self, op: &str, place: &str, aspect: &str, ours: String, upstream: String) {
        let place = if place.is_empty() {
            String::new()
        } else {
            format!(" {place}")
        };
        self.0.insert(format!(
            "{op}{place} {aspect}: ours {ours}, upstream {upstream}"
        ));
    }

    fn differ(
        &mut self,
        op: &str,
        place: &str,
        aspect: &str,
        a: Option<&Value>,
        b: Option<&Value>,
    ) {
        if a != b {
            self.add(op, place, aspect, show(a), show(b));
        }
    }
}

fn present<T>(v: Option<T>) -> String {
    if v.is_some() {
        "present".into()
    } else {
        "absent".into()
    }
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "none".into(), Value::to_string)
}

/// An operation and the parameters declared on its path item.
type Operations<'a> = BTreeMap<(String, String), (&'a Value, Option<&'a Value>)>;

fn operations(doc: &Value) -> Operations<'_> {
    let mut ops = BTreeMap::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    ops.insert(
                        (method.to_owned(), path.clone()),
                        (op, item.get("parameters")),
                    );
                }
            }
        }
    }
    ops
}

/// Follows a local `$ref` (`#/components/...`), repeatedly.
fn resolve<'a>(root: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => v = target,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

fn compare_operation(
    op: &str,
    (ra, (a, path_a)): (&Value, (&Value, Option<&Value>)),
    (rb, (b, path_b)): (&Value, (&Value, Option<&Value>)),
    out: &mut Findings,
) {
    out.differ(
        op,
        "",
        "operationId",
        a.get("operationId"),
        b.get("operationId"),
    );

    let (pa, pb) = (parameters(ra, a, path_a), parameters(rb, b, path_b));
    for key in pa.keys().chain(pb.keys()).collect::<BTreeSet<_>>() {
        let place = format!("parameter.{}.{}", key.0, key.1);
        match (pa.get(key), pb.get(key)) {
            (Some(x), Some(y)) => {
                out.differ(op, &place, "required", x.get("required"), y.get("required"));
                let (sx, sy) = (
                    x.get("schema").map(|s| resolve(ra, s)),
                    y.get("schema").map(|s| resolve(rb, s)),
                );
                for aspect in ["type", "format"] {
                    out.differ(
                        op,
                        &place,
                        aspect,
                        sx.and_then(|s| s.get(aspect)),
                        sy.and_then(|s| s.get(aspect)),
                    );
                }
            }
            (x, y) => out.add(op, &place, "parameter", present(x), present(y)),
        }
    }

    let (ba, bb) = (
        a.get("requestBody").map(|r| resolve(ra, r)),
        b.get("requestBody").map(|r| resolve(rb, r)),
    );
    out.differ(
        op,
        "requestBody",
        "required",
        ba.and_then(|r| r.get("required")),
        bb.and_then(|r| r.get("required")),
    );
    compare_schema(
        op,
        "request",
        (
            ra,
            ba.and_then(|r| r.pointer("/content/application~1json/schema")),
        ),
        (
            rb,
            bb.and_then(|r| r.pointer("/content/application~1json/schema")),
        ),
        out,
    );

    let (sa, sb) = (responses(a), responses(b));
    for code in sa.keys().chain(sb.keys()).collect::<BTreeSet<_>>() {
        let place = format!("response.{code}");
        match (sa.get(code), sb.get(code)) {
            (Some(x), Some(y)) if code.starts_with('2') => {
                let (x, y) = (resolve(ra, x), resolve(rb, y));
                compare_schema(
                    op,
                    &place,
                    (ra, x.pointer("/content/application~1json/schema")),
                    (rb, y.pointer("/content/application~1json/schema")),
                    out,
                );
            }
            (Some(_), Some(_)) => {}
            (x, y) => out.add(op, &place, "status", present(x), present(y)),
        }
    }
}

/// Path-item parameters, overridden by the operation's own (as OpenAPI specifies).
fn parameters<'a>(
    root: &'a Value,
    op: &'a Value,
    path_level: Option<&'a Value>,
) -> BTreeMap<(String, String), &'a Value> {
    let mut all = BTreeMap::new();
    let lists = [path_level, op.get("parameters")];
    for p in lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
    {
        let p = resolve(root, p);
        let key = (
            p.get("in")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned(),
            p.get("name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned(),
        );
        all.insert(key, p);
    }
    all
}

fn responses(op: &Value) -> BTreeMap<String, &Value> {
    op.get("responses")
        .and_then(Value::as_object)
        .map(|r| r.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

fn compare_schema(
    op: &str,
    place: &str,
    (ra, a): (&Value, Option<&Value>),
    (rb, b): (&Value, Option<&Value>),
    out: &mut Findings,
) {
    let (a, b) = match (a.map(|s| resolve(ra, s)), b.map(|s| resolve(rb, s))) {
        (Some(a), Some(b)) => (a, b),
        (None, None) => return,
        (a, b) => return out.add(op, place, "schema", present(a), present(b)),
    };
    for aspect in ASPECTS {
        let (x, y) = (a.get(aspect), b.get(aspect));
        if aspect == "required" {
            let sorted = |v: Option<&Value>| {
                v.and_then(Value::as_array).map(|r| {
                    let mut r: Vec<_> = r.iter().filter_map(Value::as_str).collect();
                    r.sort_unstable();
                    Value::from(r)
                })
            };
            out.differ(op, place, aspect, sorted(x).as_ref(), sorted(y).as_ref());
        } else if aspect == "nullable" {
            let (x, y) = (
                x.filter(|v| **v != Value::Bool(false)),
                y.filter(|v| **v != Value::Bool(false)),
            );
            out.differ(op, place, aspect, x, y);
        } else {
            out.differ(op, place, aspect, x, y);
        }
    }
    let props = |s: &Value| {
        s.get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (pa, pb) = (props(a), props(b));
    for name in pa.keys().chain(pb.keys()).collect::<BTreeSet<_>>() {
        let inner = format!("{place}.{name}");
        match (pa.get(name), pb.get(name)) {
            (Some(x), Some(y)) => compare_schema(op, &inner, (ra, Some(x)), (rb, Some(y)), out),
            (x, y) => out.add(op, &inner, "property", present(x), present(y)),
        }
    }
    if a.get("items").is_some() || b.get("items").is_some() {
        compare_schema(
            op,
            &format!("{place}[]"),
            (ra, a.get("items")),
            (rb, b.get("items")),
            out,
        );
    }
}

#[cfg(test)]
mod tests {
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
}
