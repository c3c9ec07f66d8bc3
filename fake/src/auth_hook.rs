//! The global auth hook (upstream `inject-identity.ts`, an `onRequest` hook on every route):
//! who a bearer token acts as, or the answer that refuses it.

use axum::http::{HeaderMap, HeaderValue, header};

use super::answer::{Answer, error};
use super::state::{Principal, Store, lock};

/// The global auth hook (upstream `inject-identity.ts`): `Ok(None)` when the request carries
/// no credential; an error answer when it carries one that is refused.
pub(super) fn identify(shared: &Store, headers: &HeaderMap) -> Result<Option<Principal>, Answer> {
    // `if (!authHeader) return`: an absent or empty header is no credential.
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    // `authHeader.slice(7)`: the scheme word is not looked at, whatever it is (FACTS.md
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
    let release_2026 = state.release.is_2026();
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
    // FACTS.md "Authorization": the JWT's own expiry is checked first and answers 403
    // TokenError; a revoked one is refused with 401.
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
    // FACTS.md "The 2026 server": a revoked token, and one whose OCI Auth was revoked, have
    // messages of their own; the 2025 server finds neither.
    let revoked = match (release_2026, entry.revoked, entry.method_revoked) {
        (_, false, false) => None,
        (false, _, _) => Some("No identity access token found"),
        (true, _, true) => Some("Failed to authorize: auth method has been revoked"),
        (true, true, false) => Some("Failed to authorize: token has been revoked"),
    };
    if let Some(message) = revoked {
        return Err(error(401, "UnauthorizedError", message));
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
