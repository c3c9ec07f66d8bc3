//! Semantic comparison of two OpenAPI 3.0 documents, operation by operation.
//!
//! Operations are matched by method and path. For each, the comparison covers: the
//! operation itself and its operationId; its security requirements (the operation's own or
//! the document's) and the type, scheme and location of each named scheme; parameters by
//! name (location, required, type/format); the request body's required-ness and media types
//! and its JSON schema (properties, required, nullable, type/format, minimum/maximum,
//! minLength/maxLength, minItems/maxItems, pattern, enum, default, recursively); the
//! response status codes and their media types; and the schemas of success responses.
//! Error bodies are compared by status and media type only: this crate deliberately uses one
//! permissive error schema. Descriptions, examples, key order and `info` are not compared.
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

/// One difference, and where the hand-written element it concerns is in our document (a
/// JSON pointer), when it is there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Finding {
    pub(crate) text: String,
    pub(crate) pointer: Option<String>,
}

/// Every difference between `ours` and `upstream`, sorted, as text.
#[cfg(test)]
pub(crate) fn compare(ours: &Value, upstream: &Value) -> Vec<String> {
    compare_located(ours, upstream)
        .into_iter()
        .map(|f| f.text)
        .collect()
}

/// Every difference between `ours` and `upstream`, sorted by text.
pub(crate) fn compare_located(ours: &Value, upstream: &Value) -> Vec<Finding> {
    let mut out = Findings::default();
    let (a, b) = (operations(ours), operations(upstream));
    for key in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
        let op = format!("{} {}", key.0.to_uppercase(), key.1);
        let here = Some(format!("/paths/{}/{}", escape(&key.1), key.0));
        match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) => {
                let sides = Sides { ours, upstream };
                compare_operation(&op, sides, (*x, here), *y, &mut out)
            }
            (x, y) => out.add(
                &op,
                "",
                "operation",
                present(x),
                present(y),
                x.and(here).or(Some(format!("/paths/{}", escape(&key.1)))),
            ),
        }
    }
    out.0
        .into_iter()
        .map(|(text, pointer)| Finding { text, pointer })
        .collect()
}

/// The two documents, for following `$ref`s.
#[derive(Clone, Copy)]
struct Sides<'a> {
    ours: &'a Value,
    upstream: &'a Value,
}

#[derive(Default)]
struct Findings(BTreeMap<String, Option<String>>);

impl Findings {
    fn add(
        &mut self,
        op: &str,
        place: &str,
        aspect: &str,
        ours: String,
        upstream: String,
        pointer: Option<String>,
    ) {
        let place = if place.is_empty() {
            String::new()
        } else {
            format!(" {place}")
        };
        self.0.insert(
            format!("{op}{place} {aspect}: ours {ours}, upstream {upstream}"),
            pointer,
        );
    }

    /// An element only one side has: placed at ours when we have it, else at its parent.
    fn presence<T>(
        &mut self,
        (op, place, aspect): (&str, &str, &str),
        (x, y): (Option<T>, Option<T>),
        (ours, parent): (Option<String>, Option<String>),
    ) {
        let at = if x.is_some() { ours } else { parent };
        self.add(op, place, aspect, present(x), present(y), at);
    }

    fn differ(
        &mut self,
        op: &str,
        place: &str,
        aspect: &str,
        a: Option<&Value>,
        b: Option<&Value>,
        pointer: &Option<String>,
    ) {
        if a != b {
            let at = pointer.as_ref().map(|p| format!("{p}/{}", escape(aspect)));
            self.add(op, place, aspect, show(a), show(b), at);
        }
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn child(pointer: &Option<String>, segments: &[&str]) -> Option<String> {
    pointer.as_ref().map(|p| {
        let mut p = p.clone();
        for s in segments {
            p.push('/');
            p.push_str(&escape(s));
        }
        p
    })
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
fn resolve<'a>(root: &'a Value, v: &'a Value) -> &'a Value {
    resolve_at(root, v, None).0
}

/// As [`resolve`], keeping the JSON pointer of where the node is.
fn resolve_at<'a>(
    root: &'a Value,
    mut v: &'a Value,
    mut pointer: Option<String>,
) -> (&'a Value, Option<String>) {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r
                .strip_prefix('#')
                .and_then(|p| root.pointer(p).map(|t| (p, t)))
            {
                Some((p, target)) => {
                    v = target;
                    pointer = pointer.map(|_| p.to_owned());
                }
                None => return (v, pointer),
            },
            None => return (v, pointer),
        }
    }
    (v, pointer)
}

/// The effective security of an operation (its own, else the document's), each
/// requirement as its sorted scheme names with scopes.
fn security(root: &Value, op: &Value) -> Value {
    let list = op.get("security").or_else(|| root.get("security"));
    let mut requirements: Vec<Value> = list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|req| {
            let mut schemes: Vec<Value> = req
                .iter()
                .map(|(name, scopes)| {
                    let mut scopes: Vec<String> = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect();
                    scopes.sort();
                    if scopes.is_empty() {
                        Value::from(name.clone())
                    } else {
                        serde_json::json!({ name: scopes })
                    }
                })
                .collect();
            schemes.sort_by_key(Value::to_string);
            Value::Array(schemes)
        })
        .collect();
    requirements.sort_by_key(Value::to_string);
    Value::Array(requirements)
}

/// The scheme names an operation's effective security uses.
fn scheme_names(root: &Value, op: &Value) -> BTreeSet<String> {
    op.get("security")
        .or_else(|| root.get("security"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|req| req.keys().cloned())
        .collect()
}

/// The media types of a `content` map, sorted.
fn media_types(node: Option<&Value>) -> Option<Value> {
    let content = node?.get("content")?.as_object()?;
    let mut types: Vec<&String> = content.keys().collect();
    types.sort();
    Some(Value::from(types.into_iter().cloned().collect::<Vec<_>>()))
}

fn compare_operation(
    op: &str,
    sides: Sides<'_>,
    ((a, path_a), here): ((&Value, Option<&Value>), Option<String>),
    (b, path_b): (&Value, Option<&Value>),
    out: &mut Findings,
) {
    let (ra, rb) = (sides.ours, sides.upstream);
    out.differ(
        op,
        "",
        "operationId",
        a.get("operationId"),
        b.get("operationId"),
        &here,
    );

    // Who may call it: the requirements, and what each named scheme is.
    let (sec_a, sec_b) = (security(ra, a), security(rb, b));
    if sec_a != sec_b {
        let at = if a.get("security").is_some() {
            child(&here, &["security"])
        } else {
            here.clone()
        };
        out.add(op, "", "security", sec_a.to_string(), sec_b.to_string(), at);
    }
    let names = scheme_names(ra, a);
    for name in names.intersection(&scheme_names(rb, b)) {
        let scheme = |root: &Value| {
            root.pointer(&format!("/components/securitySchemes/{}", escape(name)))
                .cloned()
        };
        let (x, y) = (scheme(ra), scheme(rb));
        let place = format!("security.{name}");
        let at = Some(format!("/components/securitySchemes/{}", escape(name)));
        for aspect in ["type", "scheme", "in", "name"] {
            out.differ(
                op,
                &place,
                aspect,
                x.as_ref().and_then(|s| s.get(aspect)),
                y.as_ref().and_then(|s| s.get(aspect)),
                &at,
            );
        }
    }

    let (pa, pb) = (
        parameters(ra, a, path_a, &here),
        parameters(rb, b, path_b, &None),
    );
    for name in pa.keys().chain(pb.keys()).collect::<BTreeSet<_>>() {
        match (pa.get(name), pb.get(name)) {
            (Some((x, at)), Some((y, _))) => {
                let place = format!("parameter.{}.{name}", location(x));
                out.differ(op, &place, "in", x.get("in"), y.get("in"), at);
                out.differ(
                    op,
                    &place,
                    "required",
                    x.get("required"),
                    y.get("required"),
                    at,
                );
                let (sx, sx_at) = match x.get("schema") {
                    Some(s) => {
                        let (s, p) = resolve_at(ra, s, child(at, &["schema"]));
                        (Some(s), p)
                    }
                    None => (None, at.clone()),
                };
                let sy = y.get("schema").map(|s| resolve(rb, s));
                for aspect in ["type", "format"] {
                    out.differ(
                        op,
                        &place,
                        aspect,
                        sx.and_then(|s| s.get(aspect)),
                        sy.and_then(|s| s.get(aspect)),
                        &sx_at,
                    );
                }
            }
            (x, y) => {
                let p = x.or(y).map(|(p, _)| location(p)).unwrap_or("?");
                out.add(
                    op,
                    &format!("parameter.{p}.{name}"),
                    "parameter",
                    present(x),
                    present(y),
                    x.and_then(|(_, at)| at.clone()).or_else(|| here.clone()),
                );
            }
        }
    }

    let (ba, ba_at) = match a.get("requestBody") {
        Some(r) => {
            let (r, p) = resolve_at(ra, r, child(&here, &["requestBody"]));
            (Some(r), p)
        }
        None => (None, here.clone()),
    };
    let bb = b.get("requestBody").map(|r| resolve(rb, r));
    out.differ(
        op,
        "requestBody",
        "required",
        ba.and_then(|r| r.get("required")),
        bb.and_then(|r| r.get("required")),
        &ba_at,
    );
    let (ma, mb) = (media_types(ba), media_types(bb));
    if ma != mb {
        out.add(
            op,
            "requestBody",
            "media types",
            show(ma.as_ref()),
            show(mb.as_ref()),
            child(&ba_at, &["content"]),
        );
    }
    compare_schema(
        op,
        "request",
        sides,
        (
            ba.and_then(|r| r.pointer("/content/application~1json/schema")),
            child(&ba_at, &["content", "application/json", "schema"]),
        ),
        bb.and_then(|r| r.pointer("/content/application~1json/schema")),
        out,
    );

    let (sa, sb) = (responses(a), responses(b));
    for code in sa.keys().chain(sb.keys()).collect::<BTreeSet<_>>() {
        let place = format!("response.{code}");
        let at = child(&here, &["responses", code]);
        match (sa.get(code), sb.get(code)) {
            (Some(x), Some(y)) => {
                let (x, at) = resolve_at(ra, x, at);
                let y = resolve(rb, y);
                let (mx, my) = (media_types(Some(x)), media_types(Some(y)));
                if mx != my {
                    out.add(
                        op,
                        &place,
                        "media types",
                        show(mx.as_ref()),
                        show(my.as_ref()),
                        child(&at, &["content"]),
                    );
                }
                if code.starts_with('2') {
                    compare_schema(
                        op,
                        &place,
                        sides,
                        (
                            x.pointer("/content/application~1json/schema"),
                            child(&at, &["content", "application/json", "schema"]),
                        ),
                        y.pointer("/content/application~1json/schema"),
                        out,
                    );
                }
            }
            (x, y) => out.presence(
                (op, &place, "status"),
                (x, y),
                (at, child(&here, &["responses"])),
            ),
        }
    }
}

fn location(p: &Value) -> &str {
    p.get("in").and_then(Value::as_str).unwrap_or("?")
}

/// Path-item parameters, overridden by the operation's own (as OpenAPI specifies), by name,
/// with where each is in the document when `here` (the operation's pointer) is known.
fn parameters<'a>(
    root: &'a Value,
    op: &'a Value,
    path_level: Option<&'a Value>,
    here: &Option<String>,
) -> BTreeMap<String, (&'a Value, Option<String>)> {
    let mut all = BTreeMap::new();
    let item = here
        .as_ref()
        .and_then(|h| h.rfind('/').map(|i| h[..i].to_owned()));
    let lists = [
        (path_level, item.map(|i| format!("{i}/parameters"))),
        (op.get("parameters"), child(here, &["parameters"])),
    ];
    for (list, at) in lists {
        for (i, p) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (p, at) = resolve_at(root, p, at.as_ref().map(|a| format!("{a}/{i}")));
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            all.insert(name, (p, at));
        }
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
    sides: Sides<'_>,
    (a, a_at): (Option<&Value>, Option<String>),
    b: Option<&Value>,
    out: &mut Findings,
) {
    let (ra, rb) = (sides.ours, sides.upstream);
    let (a, a_at) = match a {
        Some(s) => {
            let (s, p) = resolve_at(ra, s, a_at);
            (Some(s), p)
        }
        None => (None, a_at),
    };
    let (a, b) = match (a, b.map(|s| resolve(rb, s))) {
        (Some(a), Some(b)) => (a, b),
        (None, None) => return,
        (a, b) => return out.add(op, place, "schema", present(a), present(b), a_at),
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
            out.differ(
                op,
                place,
                aspect,
                sorted(x).as_ref(),
                sorted(y).as_ref(),
                &a_at,
            );
        } else if aspect == "nullable" {
            let (x, y) = (
                x.filter(|v| **v != Value::Bool(false)),
                y.filter(|v| **v != Value::Bool(false)),
            );
            out.differ(op, place, aspect, x, y, &a_at);
        } else {
            out.differ(op, place, aspect, x, y, &a_at);
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
        let at = child(&a_at, &["properties", name]);
        match (pa.get(name), pb.get(name)) {
            (Some(x), Some(y)) => compare_schema(op, &inner, sides, (Some(x), at), Some(y), out),
            (x, y) => out.presence(
                (op, &inner, "property"),
                (x, y),
                (at, child(&a_at, &["properties"])),
            ),
        }
    }
    if a.get("items").is_some() || b.get("items").is_some() {
        compare_schema(
            op,
            &format!("{place}[]"),
            sides,
            (a.get("items"), child(&a_at, &["items"])),
            b.get("items"),
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
}
