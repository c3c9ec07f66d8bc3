//! The fake's `POST /api/v1/auth/oci-auth/login`: the route schema, the identity lookup, the
//! host check, and in place of Oracle's identity service, a check of the signed request
//! against the OCI users registered with the fake.

use serde_json::{Value, json};
use uuid::Uuid;

use super::server::Answer;
use super::server::{Shared, error, lock};
use super::zod::{Issues, type_name};

/// The login route; `body` is `None` when no body was read.
pub(super) fn login(shared: &Shared, body: Option<&Value>) -> Answer {
    let (require_x_date, strict_signer) = {
        let state = lock(shared);
        (state.require_x_date, state.strict_signer)
    };
    let mut issues = Issues::default();
    let Some(body) = body.filter(|b| b.is_object()) else {
        issues.wrong_type(json!([]), "object", type_name(body));
        return match issues.into_result(()) {
            Err(refusal) => super::server::refused(refusal),
            Ok(()) => super::server::something_went_wrong("InternalServerError"),
        };
    };
    let field = |name: &str| body.get(name);
    for name in ["identityId", "userOcid"] {
        if !matches!(field(name), Some(Value::String(_))) {
            issues.wrong_type(json!([name]), "string", type_name(field(name)));
        }
    }
    match field("headers") {
        Some(Value::Object(h)) => {
            for name in ["authorization", "host"] {
                if !matches!(h.get(name), Some(Value::String(_))) {
                    issues.wrong_type(json!(["headers", name]), "string", type_name(h.get(name)));
                }
            }
            let has = |name: &str| {
                h.get(name)
                    .and_then(Value::as_str)
                    .is_some_and(|v| !v.is_empty())
            };
            if require_x_date && !matches!(h.get("x-date"), Some(Value::String(_))) {
                issues.wrong_type(
                    json!(["headers", "x-date"]),
                    "string",
                    type_name(h.get("x-date")),
                );
            } else if !require_x_date && !has("date") && !has("x-date") {
                issues.custom(
                    json!(["headers", "date"]),
                    "Either date or x-date must be provided",
                );
            }
        }
        other => issues.wrong_type(json!(["headers"]), "object", type_name(other)),
    }
    // upstream router: `organizationSlug: slugSchema().optional()`; only its type is
    // checked here (the slug pattern is not reproduced).
    match field("organizationSlug") {
        None | Some(Value::String(_)) => {}
        other => issues.wrong_type(json!(["organizationSlug"]), "string", type_name(other)),
    }
    if let Err(refusal) = issues.into_result(()) {
        return super::server::refused(refusal);
    }
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let identity_id = text(field("identityId"));
    let user_ocid = text(field("userOcid"));
    let headers = body.get("headers").cloned().unwrap_or(Value::Null);

    let mut state = lock(shared);
    let Ok(id) = Uuid::try_parse(&identity_id) else {
        return error(500, "FindOne", "Something went wrong");
    };
    let Some(config) = state.identities.get(&id).and_then(|i| i.oci_auth.clone()) else {
        return error(
            404,
            "NotFound",
            "OCI auth method not found for identity, did you configure OCI auth?",
        );
    };
    let host = headers
        .get("host")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !super::oci::is_identity_host(host) {
        return error(
            400,
            "BadRequest",
            "Invalid OCI host format. Expected format: identity.<region>.oraclecloud.com",
        );
    }
    // Infisical PR #8215 (DESIGN "Upcoming"): the signer named in the keyId must be the
    // user being logged in. The statuses are the PR's; the messages are the fake's own.
    if strict_signer {
        let authorization = headers
            .get("authorization")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match super::oci::signer_user_ocid(authorization) {
            None => {
                return error(
                    400,
                    "BadRequest",
                    "Invalid OCI signature: expected an OCI user API key signature",
                );
            }
            Some(signer) if signer != user_ocid => {
                return error(
                    401,
                    "UnauthorizedError",
                    "Access denied: the OCI request is not signed by the user being logged in.",
                );
            }
            Some(_) => {}
        }
    }
    // The server replays the signed request to OCI; any refusal there is a 500.
    let Some(user) = state.oci_users.get(&user_ocid).cloned() else {
        return error(500, "InternalServerError", "Something went wrong");
    };
    let path = format!("/20160918/users/{user_ocid}");
    let keys_of = |signer: &str| state.oci_users.get(signer).map(|u| u.keys.as_slice());
    if super::oci::verify_replayed_request(&headers, &path, keys_of).is_err() {
        return error(500, "InternalServerError", "Something went wrong");
    }
    if user.tenancy_ocid != config.tenancy_ocid {
        return error(
            401,
            "UnauthorizedError",
            "Access denied: OCI account isn't part of tenancy.",
        );
    }
    // The stored list is the model's normalised form, so the model's comparison is the
    // server's `split(",").some(name.trim() === user.name)`.
    if let Some(allowed) = config
        .allowed_usernames
        .as_deref()
        .and_then(|list| crate::model::AllowedUsernames::new(list).ok())
        && !allowed.allows(&user.name)
    {
        return error(
            401,
            "UnauthorizedError",
            "Access denied: OCI account username not allowed.",
        );
    }
    let token = format!("fake-oci-{}", Uuid::new_v4().simple());
    state.tokens.insert(
        token.clone(),
        super::state::Token {
            expires_at: super::state::expiry(config.access_token_ttl),
            uses_limit: config.access_token_num_uses_limit,
            from_oci_login: true,
            ..super::state::Token::new(super::state::Principal::Identity(id))
        },
    );
    state.login_tokens.push(token.clone());
    super::server::json_ok(json!({
        "accessToken": token,
        "expiresIn": config.access_token_ttl,
        "accessTokenMaxTTL": config.access_token_max_ttl,
        "tokenType": "Bearer"
    }))
}
