//! The comparison of two schemas, recursively.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{ASPECTS, Findings, Sides, child, present, resolve, resolve_at};

/// A schema and, recursively, its properties and items.
pub(super) fn compare_schema(
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
    compare_aspects(op, place, (a, &a_at), b, out);
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

/// The schema's own aspects: type and format, bounds, pattern, enum, default, required
/// (in any order) and nullable (false and absent alike).
fn compare_aspects(
    op: &str,
    place: &str,
    (a, a_at): (&Value, &Option<String>),
    b: &Value,
    out: &mut Findings,
) {
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
                a_at,
            );
        } else if aspect == "nullable" {
            let (x, y) = (
                x.filter(|v| **v != Value::Bool(false)),
                y.filter(|v| **v != Value::Bool(false)),
            );
            out.differ(op, place, aspect, x, y, a_at);
        } else {
            out.differ(op, place, aspect, x, y, a_at);
        }
    }
}
