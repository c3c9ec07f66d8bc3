//! The fake server's request handling: routing, auth, bodies, the OCI Auth operations and
//! login, each answering as Infisical does.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};
use uuid::Uuid;

use super::state::{self, Identity, Principal, State};
use super::zod::{self, Refusal};
use super::{Fault, ReceivedRequest};
use crate::model::{IdentityId, IdentityOciAuth, TrustedIp, TrustedIpEntry};

pub(super) type Shared = Arc<Mutex<State>>;

const IDENTITIES: &str = "/api/v1/auth/oci-auth/identities/";
pub(super) const LOGIN: &str = "/api/v1/auth/oci-auth/login";

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

fn error_with(status: u16, error: &str, message: Value, details: Option<Value>) -> Answer {
    let mut body = json!({
        "reqId": state::req_id(), "statusCode": status, "message": message, "error": error
    });
    if let Some(details) = details {
        body["details"] = details;
    }
    Answer { status, body }
}

pub(super) fn json_ok(body: Value) -> Answer {
    Answer { status: 200, body }
}

fn something_went_wrong(error: &str) -> Answer {
    self::error(500, error, "Something went wrong")
}

pub(super) fn refused(refusal: Refusal) -> Answer {
    match refusal {
        Refusal::Issues(issues) => error_with(422, "ValidationFailure", Value::Array(issues), None),
        Refusal::ServerError => something_went_wrong("InternalServerError"),
    }
}

pub(super) async fn handle(
    AxumState(shared): AxumState<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
            body: body.to_vec(),
        });
        state.faults.pop_front()
    };
    match fault {
        None => {}
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(fault) => return fault_response(fault),
    }
    route(&shared, &method, uri.path(), &headers, &body).into()
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

fn route(shared: &Shared, method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> Answer {
    if path == LOGIN && method == Method::POST {
        return match parse_body(headers, body) {
            Ok(value) => super::login::login(shared, &value),
            Err(response) => response,
        };
    }
    let Some(id) = path
        .strip_prefix(IDENTITIES)
        .filter(|id| !id.is_empty() && !id.contains('/'))
    else {
        return not_found(method, path);
    };
    let op = match *method {
        Method::POST => Op::Attach,
        Method::PATCH => Op::Update,
        Method::GET => Op::Get,
        Method::DELETE => Op::Revoke,
        _ => return not_found(method, path),
    };
    let principal = match authenticate(shared, headers) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let parsed = match op {
        Op::Attach | Op::Update => match parse_body(headers, body)
            .and_then(|v| zod::body(&v, op == Op::Attach).map_err(refused))
        {
            Ok(b) => Some(b),
            Err(response) => return response,
        },
        Op::Get | Op::Revoke => None,
    };
    let Ok(id) = Uuid::try_parse(id) else {
        return something_went_wrong("FindOne");
    };
    let mut state = lock(shared);
    operate(&mut state, principal, op, id, parsed)
}

fn not_found(method: &Method, path: &str) -> Answer {
    error(
        404,
        "Not Found",
        &format!("Route {method}:{path} not found"),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Attach,
    Update,
    Get,
    Revoke,
}

/// The bearer-token check every management route runs first.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Principal, Answer> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(error(401, "UnauthorizedError", "Token missing"));
    };
    let token = value.strip_prefix("Bearer ").unwrap_or(value).trim();
    let mut state = lock(shared);
    let Some(entry) = state.tokens.get_mut(token) else {
        let message = if token.split('.').count() == 3 {
            "invalid signature"
        } else {
            "The provided access token is malformed. Please use a valid token or generate a new one and try again."
        };
        return Err(error(403, "TokenError", message));
    };
    // DESIGN ("What a real server does"): the JWT's own expiry is checked first and
    // answers 403 TokenError; a revoked token is not found (401).
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
    // A spent use limit revokes the token: 401 now, "not found" after (issue 11's run
    // against a real server).
    if entry.uses_limit > 0 && entry.uses >= entry.uses_limit {
        entry.revoked = true;
        return Err(error(
            401,
            "UnauthorizedError",
            "Unable to renew because access token number of uses limit reached",
        ));
    }
    entry.uses += 1;
    Ok(entry.principal)
}

/// Reads a body as Fastify does for the content type, before the schema runs.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, Answer> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match content_type.as_str() {
        "application/json" => {
            serde_json::from_slice(body).map_err(|_| something_went_wrong("InternalServerError"))
        }
        "text/plain" => Ok(Value::String(String::from_utf8_lossy(body).into_owned())),
        "application/x-www-form-urlencoded" => Ok(Value::Object(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )),
        _ => Err(something_went_wrong("InternalServerError")),
    }
}

fn operate(
    state: &mut State,
    principal: Principal,
    op: Op,
    id: Uuid,
    body: Option<zod::Body>,
) -> Answer {
    let paid_plan = state.paid_plan;
    let Some(identity) = state.identities.get_mut(&id) else {
        return error(
            404,
            "NotFound",
            &format!("Failed to find identity with ID {id}"),
        );
    };
    match op {
        Op::Get => match &identity.oci_auth {
            None => error(
                400,
                "BadRequest",
                "The identity does not have OCI Auth attached",
            ),
            Some(config) => permitted(principal, id, "read").unwrap_or_else(|| answer(config)),
        },
        Op::Revoke => {
            if identity.oci_auth.is_none() {
                return error(400, "BadRequest", "The identity does not have OCI auth");
            }
            if let Principal::Identity(_) = principal {
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
            if let Some(denied) = permitted(principal, id, "revoke-auth") {
                return denied;
            }
            match identity.oci_auth.take() {
                Some(config) => answer(&config),
                None => error(400, "BadRequest", "The identity does not have OCI auth"),
            }
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
            if let Some(denied) = permitted(principal, id, "create") {
                return denied;
            }
            let ips = body
                .trusted_ips
                .clone()
                .unwrap_or_else(|| vec!["0.0.0.0/0".into(), "::/0".into()]);
            let ips = match trusted_ips(&ips, paid_plan) {
                Ok(ips) => ips,
                Err(response) => return response,
            };
            if body.storage_error {
                return something_went_wrong("Create");
            }
            let now = state::now();
            let default = u64::from(crate::model::AccessTokenTtl::DEFAULT.get());
            let config = IdentityOciAuth {
                id: Uuid::new_v4(),
                identity_id: IdentityId::from(id),
                auth_type: "iam".into(),
                tenancy_ocid: body.tenancy_ocid,
                allowed_usernames: body.allowed_usernames,
                access_token_ttl: body.ttl.unwrap_or(default),
                access_token_max_ttl: body.max_ttl.unwrap_or(default),
                access_token_num_uses_limit: body.num_uses_limit.unwrap_or(0),
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
            let ttl = body
                .ttl
                .map(crate::model::AccessTokenTtl::new)
                .transpose()
                .ok()
                .flatten();
            let max = body
                .max_ttl
                .map(|t| crate::model::AccessTokenTtl::for_field("accessTokenMaxTTL", t))
                .transpose()
                .ok()
                .flatten();
            if crate::model::check_ttl_against_stored(
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
            if let Some(denied) = permitted(principal, id, "edit") {
                return denied;
            }
            let ips = match body
                .trusted_ips
                .as_deref()
                .map(|ips| trusted_ips(ips, paid_plan))
                .transpose()
            {
                Ok(ips) => ips,
                Err(response) => return response,
            };
            if body.storage_error {
                return something_went_wrong("Update by id");
            }
            config.tenancy_ocid = body.tenancy_ocid;
            // An omitted allow-list clears it, as on the real server.
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

/// `None` when `principal` may `action` on identities; otherwise the 403 answer.
fn permitted(principal: Principal, _identity: Uuid, action: &str) -> Option<Answer> {
    match principal {
        Principal::Admin | Principal::Identity(_) => None,
        Principal::NoAccess => Some(error_with(
            403,
            "PermissionDenied",
            json!(format!("You are not allowed to {action} on identity")),
            Some(json!([])),
        )),
    }
}

/// The plan check, then the syntax check, then the stored form, in the server's order.
fn trusted_ips(ips: &[String], paid_plan: bool) -> Result<Vec<TrustedIpEntry>, Answer> {
    ips.iter()
        .map(|ip| {
            if !paid_plan && ip != "0.0.0.0/0" && ip != "::/0" {
                return Err(error(
                    400,
                    "BadRequest",
                    "Failed to add IP access range to access token due to plan restriction. Upgrade plan to add IP access range.",
                ));
            }
            let parsed = TrustedIp::new(ip)
                .map_err(|_| error(400, "BadRequest", "The IP is not a valid IPv4, IPv6, or CIDR block"))?;
            Ok(TrustedIpEntry {
                ip_address: parsed.addr().to_string(),
                family: Some(parsed.family().to_owned()),
                prefix: parsed.prefix(),
            })
        })
        .collect()
}

fn answer(config: &IdentityOciAuth) -> Answer {
    json_ok(json!({ "identityOciAuth": config }))
}

impl Identity {
    pub(super) fn new() -> Self {
        Identity { oci_auth: None }
    }
}
