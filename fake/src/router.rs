//! The fake's routes, in the real server's order: fastify's router (paths, trailing slash,
//! percent-decoding, its own 404), the global auth hook, the route's auth check, fastify's
//! body parser, the route schema (zod), then the service.
//!
//! Sources cited in this module and its siblings: "upstream" is Infisical's backend (the
//! pinned release and, where it changed, the 2026 one); `FACTS.md "Section"` is a section
//! of this crate's [`facts`](crate::facts); "transcript NN" is a recording of a real server
//! in this crate's `transcripts/` ([`Transcript`](crate::Transcript)).

use axum::body::Body;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use uuid::Uuid;

use super::answer::{Answer, error, refused, something_went_wrong};
use super::body::{BODY_LIMIT, Request, read_body, schema_input};
use super::json::{Json, plain};
use super::state::{Store, lock};
use super::{Endpoint, Fault, ReceivedRequest, auth_hook, faults, service, zod};
use infisical_oci_auth::model::rules::js_trim;

pub(super) const IDENTITIES: &str = "/api/v1/auth/oci-auth/identities/";
pub(super) const LOGIN: &str = "/api/v1/auth/oci-auth/login";

pub(super) async fn handle(
    AxumState(shared): AxumState<Store>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Reads one byte past the limit, so that "over the limit" can be told apart.
    let body = axum::body::to_bytes(body, BODY_LIMIT + 1).await.ok();
    let body = body.filter(|b| b.len() <= BODY_LIMIT);
    let (fault, observer) = {
        let mut state = lock(&shared);
        let received = ReceivedRequest {
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
        };
        if state.record {
            state.log.push(received);
        }
        let fault = faults::take(&mut state, endpoint(&method, uri.path()));
        (fault, state.observer.clone())
    };
    let response = match fault {
        None => None,
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            None
        }
        Some(fault) => Some(faults::fault_response(fault)),
    };
    let response = response.unwrap_or_else(|| {
        let request = Request {
            method: &method,
            uri: &uri,
            headers: &headers,
            body: body.as_deref(),
        };
        route(&shared, &request).into()
    });
    if let Some(observer) = observer {
        (observer.0)(method.as_str(), uri.path(), response.status().as_u16());
    }
    response
}

/// fastify `ignoreTrailingSlash: true` (upstream `server/app.ts`; FACTS.md "Paths"): one
/// trailing slash is dropped before the route is matched.
fn route_path(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(stripped) if !stripped.is_empty() => stripped,
        _ => path,
    }
}

/// The operation a request is routed to, if any.
pub(super) fn endpoint(method: &Method, path: &str) -> Option<Endpoint> {
    let path = route_path(path);
    if path == LOGIN {
        return (*method == Method::POST).then_some(Endpoint::Login);
    }
    path.strip_prefix(IDENTITIES)
        .filter(|id| !id.is_empty() && !id.contains('/'))?;
    match *method {
        Method::POST => Some(Endpoint::Attach),
        Method::PATCH => Some(Endpoint::Update),
        // fastify answers HEAD with the GET route (`exposeHeadRoutes`), without the body.
        Method::GET | Method::HEAD => Some(Endpoint::Get),
        Method::DELETE => Some(Endpoint::Revoke),
        _ => None,
    }
}

fn route(shared: &Store, request: &Request<'_>) -> Answer {
    let path = route_path(request.uri.path());
    match endpoint(request.method, path) {
        None => route_not_found(request),
        Some(Endpoint::Login) => login_route(shared, request),
        Some(op) => {
            let segment = path.strip_prefix(IDENTITIES).unwrap_or_default();
            // find-my-way decodes a path parameter; one that does not decode is fastify's 400.
            let Ok(decoded) = percent_decode(segment) else {
                return bad_url(request);
            };
            // The route schemas: `identityId: z.string().trim()` on POST only (upstream router).
            let identity_id = if op == Endpoint::Attach {
                js_trim(&decoded).to_owned()
            } else {
                decoded
            };
            identity_route(shared, request, op, &identity_id)
        }
    }
}

/// `POST …/login`: the global auth hook runs on it too (upstream `inject-identity.ts` is an
/// `onRequest` hook), so a bad bearer token is refused here as well.
fn login_route(shared: &Store, request: &Request<'_>) -> Answer {
    if let Err(refused) = auth_hook::identify(shared, request.headers) {
        return refused;
    }
    match read_body(request) {
        Ok(body) => super::login::login(shared, &schema_input(body)),
        Err(refused) => refused,
    }
}

/// The four management routes: auth, body, schema, then the service.
fn identity_route(
    shared: &Store,
    request: &Request<'_>,
    op: Endpoint,
    identity_id: &str,
) -> Answer {
    let principal = match auth_hook::identify(shared, request.headers) {
        Ok(Some(principal)) => principal,
        // upstream `verify-auth.ts`: no accepted credential at all.
        Ok(None) => return error(401, "UnauthorizedError", "Token missing"),
        Err(refused) => return refused,
    };
    let dialect = lock(shared).release.zod_dialect();
    let parsed = match op {
        Endpoint::Attach | Endpoint::Update => match read_body(request).and_then(|v| {
            zod::body(&schema_input(v), op == Endpoint::Attach, dialect).map_err(refused)
        }) {
            Ok(b) => Some(b),
            Err(refused) => return refused,
        },
        // GET never has its body read; DELETE's is read (and must parse) only with a
        // content type, and no schema looks at it.
        Endpoint::Get | Endpoint::Login => None,
        Endpoint::Revoke => match read_body(request) {
            Ok(_) => None,
            Err(refused) => return refused,
        },
    };
    let mut state = lock(shared);
    let Some(id) = postgres_uuid(identity_id) else {
        // Postgres refuses the text as a uuid inside the first identity query: "FindOne"
        // in 2025 (transcripts 38, 40), "MembershipGetByIdentityId" in 2026 (FACTS.md "The
        // 2026 server").
        return something_went_wrong(state.release.identity_lookup_query());
    };
    service::operate(&mut state, principal, op, id, identity_id, parsed)
}

/// fastify's own 404 (`lib/fourOhFour.js`): no `reqId`, keys in this order (FACTS.md "Paths").
fn route_not_found(request: &Request<'_>) -> Answer {
    Answer {
        status: 404,
        body: Json::Object(vec![
            (
                "message",
                plain(format!(
                    "Route {}:{} not found",
                    request.method, request.uri
                )),
            ),
            ("error", plain("Not Found")),
            ("statusCode", plain(404)),
        ]),
    }
}

/// fastify's answer to a path that does not percent-decode (`lib/route.js`, `onBadUrl`).
fn bad_url(request: &Request<'_>) -> Answer {
    Answer {
        status: 400,
        body: Json::Object(vec![
            ("error", plain("Bad Request")),
            (
                "message",
                plain(format!(
                    "'{}' is not a valid url component",
                    request.uri.path()
                )),
            ),
            ("statusCode", plain(400)),
        ]),
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
