//! fastify's body handling, with the parsers Infisical registers.

use axum::http::{HeaderMap, Method, Uri, header};
use serde_json::Value;

use super::answer::{Answer, something_went_wrong};

/// fastify's default `bodyLimit` (1 MiB), which Infisical keeps (upstream `server/app.ts`).
pub(super) const BODY_LIMIT: usize = 1024 * 1024;

/// A request as the handlers see it.
pub(super) struct Request<'a> {
    pub(super) method: &'a Method,
    pub(super) uri: &'a Uri,
    pub(super) headers: &'a HeaderMap,
    /// `None` when the body was over [`BODY_LIMIT`].
    pub(super) body: Option<&'a [u8]>,
}

/// fastify 4's body handling (`lib/handleRequest.js`, `lib/contentTypeParser.js`) with the
/// parsers Infisical has: JSON (secure-json-parse), plain text, and `@fastify/formbody`.
/// `Ok(None)`: no body was read (the schema then sees `undefined`).
pub(super) fn read_body(request: &Request<'_>) -> Result<Option<Value>, Answer> {
    let headers = request.headers;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let has_length = headers.contains_key(header::CONTENT_LENGTH);
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    let read = match *request.method {
        Method::GET | Method::HEAD => false,
        // DELETE and OPTIONS: parsed only with a content type and a framed body.
        Method::DELETE | Method::OPTIONS => content_type.is_some() && (has_length || chunked),
        _ => {
            content_type.is_some()
                || chunked
                || headers
                    .get(header::CONTENT_LENGTH)
                    .is_some_and(|v| v.as_bytes() != b"0")
        }
    };
    if !read {
        return Ok(None);
    }
    // With a body but no content type, fastify looks for a parser for "" and has none
    // (415), which Infisical's error handler answers 500.
    let Some(media_type) = content_type.as_deref().and_then(media_type) else {
        return Err(something_went_wrong("InternalServerError"));
    };
    // Over `bodyLimit`: fastify's 413, answered 500.
    let Some(body) = request.body else {
        return Err(something_went_wrong("InternalServerError"));
    };
    match media_type.as_str() {
        "application/json" => parse_json(body).map(Some),
        "text/plain" => Ok(Some(Value::String(
            String::from_utf8_lossy(body).into_owned(),
        ))),
        // transcripts 31 and 31b: form fields arrive as strings.
        "application/x-www-form-urlencoded" => Ok(Some(Value::Object(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        ))),
        // upstream `server/app.ts` registers a parser for SCIM's type: plain `JSON.parse`
        // (no prototype-key check), and an empty body is no body.
        "application/scim+json" => {
            if body.is_empty() {
                return Ok(None);
            }
            serde_json::from_slice(body)
                .map(Some)
                .map_err(|_| something_went_wrong("InternalServerError"))
        }
        // transcript 30b: no parser for the type.
        _ => Err(something_went_wrong("InternalServerError")),
    }
}

/// What a route's body schema sees: fastify's validation (`lib/validation.js`) hands it
/// `null` for a body that was not read, so zod answers "Expected object, received null".
pub(super) fn schema_input(body: Option<Value>) -> Value {
    body.unwrap_or(Value::Null)
}

/// The `type/subtype` of a `Content-Type`, lowercased, as fastify's `content-type` parse
/// reads it; `None` when the header does not parse (fastify then has no parser).
fn media_type(value: &str) -> Option<String> {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+.^_`|~-".contains(&b))
    };
    let mut parts = value.split(';');
    let essence = parts.next()?.trim();
    let (kind, subtype) = essence.split_once('/')?;
    if !token(kind) || !token(subtype) {
        return None;
    }
    for parameter in parts {
        let (name, _) = parameter.split_once('=')?;
        if !token(name.trim()) {
            return None;
        }
    }
    Some(essence.to_ascii_lowercase())
}

/// fastify's JSON parser: an empty body is an error; the bytes are read as UTF-8 with
/// replacement, as Node's `Buffer#toString` does; secure-json-parse drops a leading BOM and
/// refuses `__proto__` keys and `constructor.prototype` (its default `protoAction` and
/// `constructorAction` are "error"). Every refusal answers 500.
fn parse_json(body: &[u8]) -> Result<Value, Answer> {
    if body.is_empty() {
        return Err(something_went_wrong("InternalServerError"));
    }
    let text = String::from_utf8_lossy(body);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let value: Value =
        serde_json::from_str(text).map_err(|_| something_went_wrong("InternalServerError"))?;
    if has_prototype_keys(&value) {
        return Err(something_went_wrong("InternalServerError"));
    }
    Ok(value)
}

/// secure-json-parse's `filter`: an object with an own `__proto__` key, or a `constructor`
/// key whose value has an own `prototype` (an object with that key; `null` makes its
/// `hasOwnProperty` call throw, with the same result).
fn has_prototype_keys(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.contains_key("__proto__")
                || match map.get("constructor") {
                    Some(Value::Object(c)) => c.contains_key("prototype"),
                    Some(Value::Null) => true,
                    _ => false,
                }
                || map.values().any(has_prototype_keys)
        }
        Value::Array(items) => items.iter().any(has_prototype_keys),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_parse_as_fastify_reads_them() {
        assert_eq!(
            media_type("Application/JSON; charset=utf-8").as_deref(),
            Some("application/json")
        );
        assert_eq!(media_type("application/json;"), None);
        assert_eq!(media_type("json"), None);
        assert_eq!(media_type(""), None);
    }
}
