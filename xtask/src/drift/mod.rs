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

mod operation;
mod schema;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use operation::compare_operation;
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
