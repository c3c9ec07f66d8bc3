//! The fake server's request handling, in the real server's order: fastify's router, the
//! global auth hook, the route's auth check, fastify's body parser, the route schema (zod),
//! then the service, each answering as Infisical does.
//!
//! Sources cited below: "upstream" is Infisical's backend at the pinned date (2025-06-22);
//! "DESIGN" is the crate's design notes, section "What a real server does"; "transcript NN"
//! is a recording of a real server in `tests/fixtures/transcripts/`.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::state::{self, Identity, Principal, State};
use super::zod::{self, Refusal};
use super::{Fault, ReceivedRequest, Role};
use crate::model::rules::{DEFAULT_TRUSTED_IPS, is_free_plan_range, js_trim};
use crate::model::{
    AccessTokenTtl, IdentityId, IdentityOciAuth, NumUsesLimit, TrustedIp, TrustedIpEntry,
    check_ttl_against_stored,
};

pub(super) type Shared = Arc<Mutex<State>>;

const IDENTITIES: &str = "/api/v1/auth/oci-auth/identities/";
pub(super) const LOGIN: &str = "/api/v1/auth/oci-auth/login";

/// fastify's default `bodyLimit` (1 MiB), which Infisical keeps (upstream `server/app.ts`).
pub(super) const BODY_LIMIT: usize = 1024 * 1024;

/// Locks the state; a panic in another handler does not make it unusable.
pub(super) fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A JSON answer: a status and a body.
pub(super) struct Answer {
    status: u16,
    body: Value,
}

impl From<Answer> for Response {
    fn from(answer: Answer) -> Response {
        let mut response = Response::new(Body::from(answer.body.to_string()));
        *response.status_mut() =
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        response
    }
}

/// An answer with Infisical's JSON error body.
pub(super) fn error(status: u16, error: &str, message: &str) -> Answer {
    error_with(status, error, json!(message), None)
}

/// Infisical's error body, keys in the order the real server writes them (every error
/// transcript): `reqId, statusCode, message, details?, error`.
fn error_with(status: u16, error: &str, message: Value, details: Option<Value>) -> Answer {
    let mut body = Map::new();
    body.insert("reqId".into(), state::req_id().into());
    body.insert("statusCode".into(), status.into());
    body.insert("message".into(), message);
    if let Some(details) = details {
        body.insert("details".into(), details);
    }
    body.insert("error".into(), error.into());
    Answer {
        status,
        body: Value::Object(body),
    }
}

pub(super) fn json_ok(body: Value) -> Answer {
    Answer { status: 200, body }
}

/// upstream `error-handler.ts`: a `DatabaseError` answers 500 "Something went wrong" with the
/// query's name as `error` ("Create", "Update by id", "FindOne"); any error the handler does
/// not know (fastify's own: media type, JSON syntax, empty body, body limit) answers 500
/// `InternalServerError` with the same message.
pub(super) fn something_went_wrong(error: &str) -> Answer {
    self::error(500, error, "Something went wrong")
}

pub(super) fn refused(refusal: Refusal) -> Answer {
    match refusal {
        Refusal::Issues(issues) => error_with(422, "ValidationFailure", Value::Array(issues), None),
        Refusal::ServerError => something_went_wrong("InternalServerError"),
    }
}

/// A request as the handlers see it.
pub(super) struct Request<'a> {
    pub(super) method: &'a Method,
    pub(super) uri: &'a Uri,
    pub(super) headers: &'a HeaderMap,
    /// `None` when the body was over [`BODY_LIMIT`].
    pub(super) body: Option<&'a [u8]>,
}

pub(super) async fn handle(
    AxumState(shared): AxumState<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Reads one byte past the limit, so that "over the limit" can be told apart.
    let body = axum::body::to_bytes(body, BODY_LIMIT + 1).await.ok();
    let body = body.filter(|b| b.len() <= BODY_LIMIT);
    let fault = {
        let mut state = lock(&shared);
        state.log.push(ReceivedRequest {
            method: method.to_string(),
            path: uri.to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.as_deref().map(<[u8]>::to_vec).unwrap_or_default(),
        });
        state.faults.pop_front()
    };
    match fault {
        None => {}
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(fault) => return fault_response(fault),
    }
    let request = Request {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: body.as_deref(),
    };
    route(&shared, &request).into()
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => {
            let mut response = Response::from(error(status, "FakeFault", "injected fault"));
            if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Fault::Raw {
            status,
            content_type,
            body,
        } => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            if let Ok(ct) = HeaderValue::from_str(&content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            response
        }
        Fault::CloseMidBody => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"identityOciAuth\":{\"id\":")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "closed mid-body",
                )),
            ];
            let mut response = Response::new(Body::from_stream(futures_stream(chunks)));
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("512"));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            response
        }
        Fault::Delay(_) => error(500, "FakeFault", "unreachable").into(),
    }
}

/// A stream over ready items, without pulling in a futures crate.
fn futures_stream<T: Send + Unpin + 'static>(
    items: Vec<T>,
) -> impl futures_core::Stream<Item = T> + Send {
    struct Iter<T>(std::vec::IntoIter<T>);
    impl<T> futures_core::Stream for Iter<T>
    where
        T: Unpin,
    {
        type Item = T;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<T>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Iter(items.into_iter())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Attach,
    Update,
    Get,
    Revoke,
}

fn route(shared: &Shared, request: &Request<'_>) -> Answer {
    let method = request.method;
    let path = request.uri.path();
    // fastify `ignoreTrailingSlash: true` (upstream `server/app.ts`; DESIGN "Paths"): one
    // trailing slash is dropped before the route is matched.
    let path = match path.strip_suffix('/') {
        Some(stripped) if !stripped.is_empty() => stripped,
        _ => path,
    };
    if path == LOGIN {
        if method != Method::POST {
            return route_not_found(request);
        }
        // The global auth hook runs on every route, login included (upstream
        // `inject-identity.ts` is an `onRequest` hook): a bad bearer token is refused here too.
        if let Err(refused) = identify(shared, request.headers) {
            return refused;
        }
        return match read_body(request) {
            #[cfg(feature = "oci")]
            Ok(body) => super::login::login(shared, body.as_ref()),
            // Without the `oci` feature the fake cannot check a signature; it answers as
            // the real server does when OCI refuses one.
            #[cfg(not(feature = "oci"))]
            Ok(_) => something_went_wrong("InternalServerError"),
            Err(refused) => refused,
        };
    }
    let Some(segment) = path
        .strip_prefix(IDENTITIES)
        .filter(|id| !id.is_empty() && !id.contains('/'))
    else {
        return route_not_found(request);
    };
    let op = match *method {
        Method::POST => Op::Attach,
        Method::PATCH => Op::Update,
        // fastify answers HEAD with the GET route (`exposeHeadRoutes`), without the body.
        Method::GET | Method::HEAD => Op::Get,
        Method::DELETE => Op::Revoke,
        _ => return route_not_found(request),
    };
    // find-my-way decodes a path parameter; one that does not decode is fastify's 400.
    let Ok(decoded) = percent_decode(segment) else {
        return bad_url(request);
    };
    // The route schemas: `identityId: z.string().trim()` on POST only (upstream router).
    let identity_id = if op == Op::Attach {
        js_trim(&decoded).to_owned()
    } else {
        decoded
    };

    let principal = match identify(shared, request.headers) {
        Ok(Some(principal)) => principal,
        // upstream `verify-auth.ts`: no accepted credential at all.
        Ok(None) => return error(401, "UnauthorizedError", "Token missing"),
        Err(refused) => return refused,
    };
    let parsed = match op {
        Op::Attach | Op::Update => match read_body(request)
            .and_then(|v| zod::body(v.as_ref(), op == Op::Attach).map_err(refused))
        {
            Ok(b) => Some(b),
            Err(refused) => return refused,
        },
        // GET never has its body read; DELETE's is read (and must parse) only with a
        // content type, and no schema looks at it.
        Op::Get => None,
        Op::Revoke => match read_body(request) {
            Ok(_) => None,
            Err(refused) => return refused,
        },
    };
    let Some(id) = postgres_uuid(&identity_id) else {
        // Postgres refuses the text as a uuid inside the identity lookup (transcripts 38, 40).
        return something_went_wrong("FindOne");
    };
    let mut state = lock(shared);
    operate(&mut state, principal, op, id, &identity_id, parsed)
}

/// fastify's own 404 (`lib/fourOhFour.js`): no `reqId`, keys in this order (DESIGN "Paths").
fn route_not_found(request: &Request<'_>) -> Answer {
    Answer {
        status: 404,
        body: json!({
            "message": format!("Route {}:{} not found", request.method, request.uri),
            "error": "Not Found",
            "statusCode": 404
        }),
    }
}

/// fastify's answer to a path that does not percent-decode (`lib/route.js`, `onBadUrl`).
fn bad_url(request: &Request<'_>) -> Answer {
    Answer {
        status: 400,
        body: json!({
            "error": "Bad Request",
            "message": format!("'{}' is not a valid url component", request.uri.path()),
            "statusCode": 400
        }),
    }
}

fn percent_decode(segment: &str) -> Result<String, ()> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(())?;
            let hex = std::str::from_utf8(hex).map_err(|_| ())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

/// The text forms Postgres reads as a `uuid`: hyphenated, without hyphens, or in braces, in
/// either case. (The `urn:uuid:` form the `uuid` crate also reads is not one of them.)
fn postgres_uuid(text: &str) -> Option<Uuid> {
    if text.starts_with("urn:") {
        return None;
    }
    Uuid::try_parse(text).ok()
}

/// The global auth hook (upstream `inject-identity.ts`): `Ok(None)` when the request carries
/// no credential; an error answer when it carries one that is refused.
pub(super) fn identify(shared: &Shared, headers: &HeaderMap) -> Result<Option<Principal>, Answer> {
    // `if (!authHeader) return`: an absent or empty header is no credential.
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    // `authHeader.slice(7)`: the scheme word is not looked at, whatever it is (DESIGN
    // "Authorization": `bearer x` works).
    let token = String::from_utf8_lossy(value.get(7..).unwrap_or_default()).into_owned();
    if token.starts_with("st.") {
        // A service token, looked up by its id, the second `.`-separated part (upstream
        // `service-token-service.ts`, `fnValidateServiceToken`). The fake has none.
        let id = token.split('.').nth(1).unwrap_or_default();
        return Err(error(
            404,
            "NotFound",
            &format!("Service token with ID '{id}' not found"),
        ));
    }
    if token.is_empty() {
        // `jwt.verify("")` throws "jwt must be provided"; the error handler answers 403.
        return Err(error(403, "TokenError", "jwt must be provided"));
    }
    let mut state = lock(shared);
    let Some(entry) = state.tokens.get_mut(&token) else {
        // jsonwebtoken: three dot-separated parts that fail verification (transcript 36),
        // or anything else (transcript 35).
        let message = if token.split('.').count() == 3 {
            "invalid signature"
        } else {
            "The provided access token is malformed. Please use a valid token or generate a new one and try again."
        };
        return Err(error(403, "TokenError", message));
    };
    // DESIGN "Authorization": the JWT's own expiry is checked first and answers 403
    // TokenError; a revoked token is not found (401).
    if entry
        .expires_at
        .is_some_and(|at| tokio::time::Instant::now() >= at)
    {
        return Err(error(
            403,
            "TokenError",
            "Your token has expired. Please re-authenticate.",
        ));
    }
    if entry.revoked {
        return Err(error(
            401,
            "UnauthorizedError",
            "No identity access token found",
        ));
    }
    // upstream `identity-access-token-service.ts`: a spent use limit revokes the token and
    // answers 401; after that it is not found.
    if entry.uses_limit > 0 && entry.uses >= entry.uses_limit {
        entry.revoked = true;
        return Err(error(
            401,
            "UnauthorizedError",
            "Unable to renew because access token number of uses limit reached",
        ));
    }
    entry.uses += 1;
    Ok(Some(entry.principal))
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
        // transcript 30b: no parser for the type.
        _ => Err(something_went_wrong("InternalServerError")),
    }
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

/// The role `principal` acts with: the admin token's, or the identity's own.
fn role_of(state: &State, principal: Principal) -> Role {
    match principal {
        Principal::Admin => Role::Admin,
        Principal::Identity(id) => state
            .identities
            .get(&id)
            .map_or(Role::NoAccess, |identity| identity.role),
    }
}

fn operate(
    state: &mut State,
    principal: Principal,
    op: Op,
    id: Uuid,
    raw_id: &str,
    body: Option<zod::Body>,
) -> Answer {
    let paid_plan = state.paid_plan;
    let role = role_of(state, principal);
    let Some(identity) = state.identities.get_mut(&id) else {
        // upstream service: the message names the id as given (trimmed on POST).
        return error(
            404,
            "NotFound",
            &format!("Failed to find identity with ID {raw_id}"),
        );
    };
    match op {
        Op::Get => match &identity.oci_auth {
            None => error(
                400,
                "BadRequest",
                "The identity does not have OCI Auth attached",
            ),
            Some(config) => denied(role, "read").unwrap_or_else(|| answer(config)),
        },
        Op::Revoke => {
            if identity.oci_auth.is_none() {
                return error(400, "BadRequest", "The identity does not have OCI auth");
            }
            // upstream service: `edit` first, then the privilege boundary, which (new
            // privilege system) asks for `revoke-auth` itself (transcript 68).
            if let Some(denied) = denied(role, "edit") {
                return denied;
            }
            if !role.may("revoke-auth") {
                return error_with(
                    403,
                    "PermissionBoundaryError",
                    json!(
                        "Failed to revoke OCI auth of identity with more privileged role. Actor is missing permission revoke-auth on identity"
                    ),
                    Some(
                        json!({"missingPermissions": [{"action": "revoke-auth", "subject": "identity"}]}),
                    ),
                );
            }
            let Some(config) = identity.oci_auth.take() else {
                return error(400, "BadRequest", "The identity does not have OCI auth");
            };
            // upstream service: revoking deletes the identity's OCI-login access tokens.
            for token in state.tokens.values_mut() {
                if token.from_oci_login && token.principal == Principal::Identity(id) {
                    token.revoked = true;
                }
            }
            answer(&config)
        }
        Op::Attach => {
            let Some(body) = body else {
                return something_went_wrong("InternalServerError");
            };
            if identity.oci_auth.is_some() {
                return error(
                    400,
                    "BadRequest",
                    "Failed to add OCI Auth to already configured identity",
                );
            }
            if let Some(denied) = denied(role, "create") {
                return denied;
            }
            let ips = match body.trusted_ips.as_deref() {
                Some(ips) => trusted_ips(ips, paid_plan),
                None => Ok(DEFAULT_TRUSTED_IPS.iter().map(stored_entry).collect()),
            };
            let ips = match ips {
                Ok(ips) => ips,
                Err(refused) => return refused,
            };
            if body.storage_error {
                return something_went_wrong("Create");
            }
            let now = state::now();
            let config = IdentityOciAuth {
                id: Uuid::new_v4(),
                identity_id: IdentityId::from(id),
                auth_type: "iam".into(),
                tenancy_ocid: body.tenancy_ocid,
                allowed_usernames: body.allowed_usernames,
                // The route schema's `.default(…)`s, from the model.
                access_token_ttl: body.ttl.unwrap_or(AccessTokenTtl::DEFAULT.get().into()),
                access_token_max_ttl: body.max_ttl.unwrap_or(AccessTokenTtl::DEFAULT.get().into()),
                access_token_num_uses_limit: body
                    .num_uses_limit
                    .unwrap_or(NumUsesLimit::DEFAULT.get()),
                access_token_trusted_ips: ips,
                access_token_period: 0,
                created_at: now,
                updated_at: now,
            };
            let response = answer(&config);
            identity.oci_auth = Some(config);
            response
        }
        Op::Update => {
            let Some(body) = body else {
                return something_went_wrong("InternalServerError");
            };
            let Some(config) = identity.oci_auth.as_mut() else {
                return error(
                    404,
                    "NotFound",
                    "The identity does not have OCI Auth attached",
                );
            };
            let ttl = body.ttl.and_then(|t| AccessTokenTtl::new(t).ok());
            let max = body.max_ttl.and_then(|t| AccessTokenTtl::new(t).ok());
            // transcript 14: the TTL is checked against the stored values before permissions.
            if check_ttl_against_stored(
                ttl,
                max,
                config.access_token_ttl,
                config.access_token_max_ttl,
            )
            .is_err()
            {
                return error(
                    400,
                    "BadRequest",
                    "Access token TTL cannot be greater than max TTL",
                );
            }
            if let Some(denied) = denied(role, "edit") {
                return denied;
            }
            let ips = match body
                .trusted_ips
                .as_deref()
                .map(|ips| trusted_ips(ips, paid_plan))
                .transpose()
            {
                Ok(ips) => ips,
                Err(refused) => return refused,
            };
            if body.storage_error {
                return something_went_wrong("Update by id");
            }
            config.tenancy_ocid = body.tenancy_ocid;
            // upstream router: `allowedUsernames: req.body.allowedUsernames || null`, so an
            // omitted allow-list clears it (transcript 05/06).
            config.allowed_usernames = body.allowed_usernames;
            if let Some(ips) = ips {
                config.access_token_trusted_ips = ips;
            }
            if let Some(ttl) = body.ttl {
                config.access_token_ttl = ttl;
            }
            if let Some(max) = body.max_ttl {
                config.access_token_max_ttl = max;
            }
            if let Some(uses) = body.num_uses_limit {
                config.access_token_num_uses_limit = uses;
            }
            config.updated_at = state::now();
            answer(config)
        }
    }
}

/// `None` when `role` may `action` on identities; otherwise CASL's `ForbiddenError` as the
/// error handler answers it (transcripts 69, 70): `details` lists the rules for the action,
/// none for a role without access.
fn denied(role: Role, action: &str) -> Option<Answer> {
    (!role.may(action)).then(|| {
        error_with(
            403,
            "PermissionDenied",
            json!(format!("You are not allowed to {action} on identity")),
            Some(json!([])),
        )
    })
}

/// upstream service, per entry: the plan check on the text first, then the syntax check,
/// then the stored form (transcripts 16, 17).
fn trusted_ips(ips: &[String], paid_plan: bool) -> Result<Vec<TrustedIpEntry>, Answer> {
    ips.iter()
        .map(|ip| {
            if !paid_plan && !is_free_plan_range(ip) {
                return Err(error(
                    400,
                    "BadRequest",
                    "Failed to add IP access range to access token due to plan restriction. Upgrade plan to add IP access range.",
                ));
            }
            let parsed = TrustedIp::new(ip).map_err(|_| {
                error(
                    400,
                    "BadRequest",
                    "The IP is not a valid IPv4, IPv6, or CIDR block",
                )
            })?;
            Ok(stored_entry(&parsed))
        })
        .collect()
}

/// upstream `extractIPDetails`: the address, its family, and the prefix for a range.
fn stored_entry(ip: &TrustedIp) -> TrustedIpEntry {
    TrustedIpEntry {
        ip_address: ip.addr().to_string(),
        family: Some(ip.family().to_owned()),
        prefix: ip.prefix(),
    }
}

/// `{"identityOciAuth": …}` as the real server writes it (transcript 01): its key order,
/// trusted IPs as `{type, prefix?, ipAddress}`, and timestamps always with milliseconds.
fn answer(config: &IdentityOciAuth) -> Answer {
    let ips: Vec<Value> = config
        .access_token_trusted_ips
        .iter()
        .map(|ip| {
            let mut entry = Map::new();
            if let Some(family) = &ip.family {
                entry.insert("type".into(), family.clone().into());
            }
            if let Some(prefix) = ip.prefix {
                entry.insert("prefix".into(), prefix.into());
            }
            entry.insert("ipAddress".into(), ip.ip_address.clone().into());
            Value::Object(entry)
        })
        .collect();
    let timestamp =
        |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    json_ok(json!({
        "identityOciAuth": {
            "id": config.id,
            "accessTokenTTL": config.access_token_ttl,
            "accessTokenMaxTTL": config.access_token_max_ttl,
            "accessTokenNumUsesLimit": config.access_token_num_uses_limit,
            "accessTokenTrustedIps": ips,
            "createdAt": timestamp(&config.created_at),
            "updatedAt": timestamp(&config.updated_at),
            "identityId": config.identity_id,
            "type": config.auth_type,
            "tenancyOcid": config.tenancy_ocid,
            "allowedUsernames": config.allowed_usernames,
            "accessTokenPeriod": config.access_token_period
        }
    }))
}

impl Identity {
    pub(super) fn new(role: Role) -> Self {
        Identity {
            role,
            oci_auth: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_always_carry_milliseconds() {
        // DESIGN "Answers": `.000Z` on a whole second, where chrono's own form drops it.
        let whole = chrono::DateTime::from_timestamp(1_764_204_748, 0).unwrap_or_default();
        let config = IdentityOciAuth {
            id: Uuid::nil(),
            identity_id: IdentityId::from(Uuid::nil()),
            auth_type: "iam".into(),
            tenancy_ocid: "ocid1.tenancy.oc1..aaaa".into(),
            allowed_usernames: None,
            access_token_ttl: 1,
            access_token_max_ttl: 1,
            access_token_num_uses_limit: 0,
            access_token_trusted_ips: Vec::new(),
            access_token_period: 0,
            created_at: whole,
            updated_at: whole,
        };
        let body = answer(&config).body;
        assert_eq!(
            body["identityOciAuth"]["createdAt"],
            "2025-11-27T00:52:28.000Z"
        );
    }

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
