//! The comparison of one operation both documents have.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::schema::compare_schema;
use super::{
    Findings, Sides, child, escape, media_types, present, resolve, resolve_at, scheme_names,
    security, show,
};

/// One operation both documents have: its id, who may call it, its parameters, its request
/// body and its responses.
pub(super) fn compare_operation(
    op: &str,
    sides: Sides<'_>,
    ((a, path_a), here): ((&Value, Option<&Value>), Option<String>),
    (b, path_b): (&Value, Option<&Value>),
    out: &mut Findings,
) {
    out.differ(
        op,
        "",
        "operationId",
        a.get("operationId"),
        b.get("operationId"),
        &here,
    );
    compare_security(op, sides, (a, &here), b, out);
    compare_parameters(op, sides, ((a, path_a), &here), (b, path_b), out);
    compare_request(op, sides, (a, &here), b, out);
    compare_responses(op, sides, (a, &here), b, out);
}

/// Who may call it: the requirements, and what each named scheme is.
fn compare_security(
    op: &str,
    sides: Sides<'_>,
    (a, here): (&Value, &Option<String>),
    b: &Value,
    out: &mut Findings,
) {
    let (ra, rb) = (sides.ours, sides.upstream);
    let (sec_a, sec_b) = (security(ra, a), security(rb, b));
    if sec_a != sec_b {
        let at = if a.get("security").is_some() {
            child(here, &["security"])
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
}

/// Parameters by name: location, required-ness, type and format.
fn compare_parameters(
    op: &str,
    sides: Sides<'_>,
    ((a, path_a), here): ((&Value, Option<&Value>), &Option<String>),
    (b, path_b): (&Value, Option<&Value>),
    out: &mut Findings,
) {
    let (ra, rb) = (sides.ours, sides.upstream);
    let (pa, pb) = (
        parameters(ra, a, path_a, here),
        parameters(rb, b, path_b, &None),
    );
    for name in pa.keys().chain(pb.keys()).collect::<BTreeSet<_>>() {
        match (pa.get(name), pb.get(name)) {
            (Some((x, at)), Some((y, _))) => {
                let place = format!("parameter.{}.{name}", location(x));
                for aspect in ["in", "required"] {
                    out.differ(op, &place, aspect, x.get(aspect), y.get(aspect), at);
                }
                let (sx, sx_at) = match x.get("schema") {
                    Some(s) => {
                        let (s, p) = resolve_at(ra, s, child(at, &["schema"]));
                        (Some(s), p)
                    }
                    None => (None, at.clone()),
                };
                let sy = y.get("schema").map(|s| resolve(rb, s));
                for aspect in ["type", "format"] {
                    let (vx, vy) = (
                        sx.and_then(|s| s.get(aspect)),
                        sy.and_then(|s| s.get(aspect)),
                    );
                    out.differ(op, &place, aspect, vx, vy, &sx_at);
                }
            }
            (x, y) => {
                let p = x.or(y).map(|(p, _)| location(p)).unwrap_or("?");
                let at = x.and_then(|(_, at)| at.clone()).or_else(|| here.clone());
                let place = format!("parameter.{p}.{name}");
                out.add(op, &place, "parameter", present(x), present(y), at);
            }
        }
    }
}

/// The request body: required-ness, media types, and its JSON schema.
fn compare_request(
    op: &str,
    sides: Sides<'_>,
    (a, here): (&Value, &Option<String>),
    b: &Value,
    out: &mut Findings,
) {
    let (ba, ba_at) = match a.get("requestBody") {
        Some(r) => {
            let (r, p) = resolve_at(sides.ours, r, child(here, &["requestBody"]));
            (Some(r), p)
        }
        None => (None, here.clone()),
    };
    let bb = b.get("requestBody").map(|r| resolve(sides.upstream, r));
    let required = |r: Option<&Value>| r.and_then(|r| r.get("required")).cloned();
    out.differ(
        op,
        "requestBody",
        "required",
        required(ba).as_ref(),
        required(bb).as_ref(),
        &ba_at,
    );
    let (ma, mb) = (media_types(ba), media_types(bb));
    if ma != mb {
        let at = child(&ba_at, &["content"]);
        out.add(
            op,
            "requestBody",
            "media types",
            show(ma.as_ref()),
            show(mb.as_ref()),
            at,
        );
    }
    let json = "/content/application~1json/schema";
    let (sa, sb) = (
        ba.and_then(|r| r.pointer(json)),
        bb.and_then(|r| r.pointer(json)),
    );
    let at = child(&ba_at, &["content", "application/json", "schema"]);
    compare_schema(op, "request", sides, (sa, at), sb, out);
}

/// Status codes, their media types, and the schemas of successes.
fn compare_responses(
    op: &str,
    sides: Sides<'_>,
    (a, here): (&Value, &Option<String>),
    b: &Value,
    out: &mut Findings,
) {
    let (sa, sb) = (responses(a), responses(b));
    for code in sa.keys().chain(sb.keys()).collect::<BTreeSet<_>>() {
        let place = format!("response.{code}");
        let at = child(here, &["responses", code]);
        let (x, y) = match (sa.get(code), sb.get(code)) {
            (Some(x), Some(y)) => (x, y),
            (x, y) => {
                let parent = child(here, &["responses"]);
                out.presence((op, &place, "status"), (x, y), (at, parent));
                continue;
            }
        };
        let (x, at) = resolve_at(sides.ours, x, at);
        let y = resolve(sides.upstream, y);
        let (mx, my) = (media_types(Some(x)), media_types(Some(y)));
        if mx != my {
            let content = child(&at, &["content"]);
            out.add(
                op,
                &place,
                "media types",
                show(mx.as_ref()),
                show(my.as_ref()),
                content,
            );
        }
        if code.starts_with('2') {
            let schema = "/content/application~1json/schema";
            let x_at = child(&at, &["content", "application/json", "schema"]);
            compare_schema(
                op,
                &place,
                sides,
                (x.pointer(schema), x_at),
                y.pointer(schema),
                out,
            );
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
