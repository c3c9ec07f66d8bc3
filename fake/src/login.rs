//! The fake's `POST /api/v1/auth/oci-auth/login` (upstream `identity-oci-auth-router.ts`
//! and `-service.ts`): the route schema, the identity lookup, the host check, in place of
//! Oracle's identity service a check of the signed request against the OCI users
//! registered with the fake, then the tenancy, usernames and (2026) organization checks.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::answer::{Answer, error, error_with, json_ok, refused, something_went_wrong};
use super::json::{Json, plain};
use super::state::{Principal, State, Store, Token, lock};
use super::zod::{Issues, type_name};
use infisical_oci_auth::model::AllowedUsernames;

/// The longest a 2026 server lets a login token live (FACTS.md "The 2026 server": 90 days).
const MAX_JWT_LIFETIME: u64 = 7_776_000;

/// The login body after the route schema.
struct Login {
    identity_id: String,
    user_ocid: String,
    headers: Value,
    organization_slug: Option<String>,
}

/// The login route; `body` as the route's schema sees it.
pub(super) fn login(shared: &Store, body: &Value) -> Answer {
    let (require_x_date, release_2026) = {
        let state = lock(shared);
        (
            state.require_x_date || !state.release.is_2026(),
            state.release.is_2026(),
        )
    };
    let login = match schema(body, require_x_date, release_2026) {
        Ok(login) => login,
        Err(answer) => return answer,
    };
    let mut state = lock(shared);
    let Ok(id) = Uuid::try_parse(&login.identity_id) else {
        return error(500, "FindOne", "Something went wrong");
    };
    let Some(config) = state.identities.get(&id).and_then(|i| i.oci_auth.clone()) else {
        return error(
            404,
            "NotFound",
            "OCI auth method not found for identity, did you configure OCI auth?",
        );
    };
    if let Err(answer) = replay(&state, &login) {
        return answer;
    }
    if let Err(answer) = check_user(&state, &login, &config, release_2026) {
        return answer;
    }
    if release_2026 && let Err(answer) = check_organization(&state, id, &login) {
        return answer;
    }
    issue(&mut state, id, &config, release_2026)
}

/// upstream router: the body's schema. 2025: `headers` needs `x-date`; 2026: `date` or
/// `x-date`, and `organizationSlug` is a slug (`slugSchema`, 1–64 characters).
fn schema(body: &Value, require_x_date: bool, release_2026: bool) -> Result<Login, Answer> {
    let mut issues = Issues::default();
    let Some(body) = body.as_object() else {
        issues.wrong_type(json!([]), "object", type_name(Some(body)));
        return Err(match issues.into_result(()) {
            Err(refusal) => refused(refusal),
            Ok(()) => something_went_wrong("InternalServerError"),
        });
    };
    let field = |name: &str| body.get(name);
    for name in ["identityId", "userOcid"] {
        if !matches!(field(name), Some(Value::String(_))) {
            issues.wrong_type(json!([name]), "string", type_name(field(name)));
        }
    }
    match field("headers") {
        Some(Value::Object(h)) => login_headers(h, require_x_date, &mut issues),
        other => issues.wrong_type(json!(["headers"]), "object", type_name(other)),
    }
    let slug = organization_slug(field("organizationSlug"), release_2026, &mut issues);
    issues.into_result(()).map_err(refused)?;
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    Ok(Login {
        identity_id: text(field("identityId")),
        user_ocid: text(field("userOcid")),
        headers: field("headers").cloned().unwrap_or(Value::Null),
        organization_slug: slug,
    })
}

/// The signed headers: `authorization` and `host` strings, and the date.
fn login_headers(h: &Map<String, Value>, require_x_date: bool, issues: &mut Issues) {
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
    if require_x_date {
        if !matches!(h.get("x-date"), Some(Value::String(_))) {
            issues.wrong_type(
                json!(["headers", "x-date"]),
                "string",
                type_name(h.get("x-date")),
            );
        }
    } else if !has("date") && !has("x-date") {
        // FACTS.md "The 2026 server": the refine sits on the nested headers object, so
        // zod reports the path twice.
        issues.custom(
            json!(["headers", "headers", "date"]),
            "Either date or x-date must be provided",
        );
    }
}

/// `organizationSlug: slugSchema().optional()` (upstream router; 2026 `slugSchema`: trim,
/// `min(1)`, `max(64)`, and equal to its own slugified form). 2025 checks its type only.
fn organization_slug(
    value: Option<&Value>,
    release_2026: bool,
    issues: &mut Issues,
) -> Option<String> {
    let slug = match value {
        None => return None,
        Some(Value::String(s)) => infisical_oci_auth::model::rules::js_trim(s).to_owned(),
        other => {
            issues.wrong_type(json!(["organizationSlug"]), "string", type_name(other));
            return None;
        }
    };
    if !release_2026 {
        return Some(slug);
    }
    let path = || json!(["organizationSlug"]);
    let length = slug.encode_utf16().count() as u64;
    if length < 1 {
        issues.too_small(
            path(),
            "string",
            1,
            "Slug field must be at least 1 lowercase character".into(),
        );
    }
    if length > 64 {
        issues.too_big(
            path(),
            "string",
            64,
            "Slug field must be at most 64 lowercase characters".into(),
        );
    }
    if !slug.is_empty() && !infisical_oci_auth::model::rules::is_slug(&slug) {
        issues.custom(
            path(),
            "Slug field can only contain lowercase letters, numbers, and hyphens",
        );
    }
    Some(slug)
}

/// The host check, Infisical PR #8215's signer check, and OCI's check of the replayed
/// request (a refusal there is a 500).
fn replay(state: &State, login: &Login) -> Result<(), Answer> {
    let header = |name: &str| {
        login
            .headers
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    if !super::oci::is_identity_host(header("host")) {
        return Err(error(
            400,
            "BadRequest",
            "Invalid OCI host format. Expected format: identity.<region>.oraclecloud.com",
        ));
    }
    // Infisical PR #8215 (FACTS.md "Upcoming (Infisical PR #8215)"): the signer named in the keyId must be the
    // user being logged in. The statuses are the PR's; the messages are the fake's own.
    if state.strict_signer {
        match super::oci::signer_user_ocid(header("authorization")) {
            None => {
                return Err(error(
                    400,
                    "BadRequest",
                    "Invalid OCI signature: expected an OCI user API key signature",
                ));
            }
            Some(signer) if signer != login.user_ocid => {
                return Err(error(
                    401,
                    "UnauthorizedError",
                    "Access denied: the OCI request is not signed by the user being logged in.",
                ));
            }
            Some(_) => {}
        }
    }
    let path = format!("/20160918/users/{}", login.user_ocid);
    let keys_of = |signer: &str| state.oci_users.get(signer).map(|u| u.keys.as_slice());
    if !state.oci_users.contains_key(&login.user_ocid)
        || super::oci::verify_replayed_request(&login.headers, &path, keys_of).is_err()
    {
        return Err(something_went_wrong("InternalServerError"));
    }
    Ok(())
}

/// A failed login's 401; 2026 adds `details.reasonCode` (upstream service).
fn unauthorized(message: &str, reason: &str, release_2026: bool) -> Answer {
    let details = release_2026.then(|| Json::Object(vec![("reasonCode", plain(reason))]));
    error_with(401, "UnauthorizedError", plain(message), details)
}

/// The OCI user's tenancy and name against the stored configuration.
fn check_user(
    state: &State,
    login: &Login,
    config: &super::state::OciAuthRow,
    release_2026: bool,
) -> Result<(), Answer> {
    let Some(user) = state.oci_users.get(&login.user_ocid) else {
        return Err(something_went_wrong("InternalServerError"));
    };
    if user.tenancy_ocid != config.tenancy_ocid {
        return Err(unauthorized(
            "Access denied: OCI account isn't part of tenancy.",
            "tenancy_not_allowed",
            release_2026,
        ));
    }
    // The stored list is the model's normalised form, so the model's comparison is the
    // server's `split(",").some(name.trim() === user.name)`.
    if let Some(allowed) = config
        .allowed_usernames
        .as_deref()
        .and_then(|list| AllowedUsernames::new(list).ok())
        && !allowed.allows(&user.name)
    {
        return Err(unauthorized(
            "Access denied: OCI account username not allowed.",
            "username_not_allowed",
            release_2026,
        ));
    }
    Ok(())
}

/// upstream service (2026): a slug other than the identity's own organization's names a
/// sub-organization of the root organization that the identity must be a member of; an
/// identity created in a sub-organization ignores the slug.
fn check_organization(state: &State, id: Uuid, login: &Login) -> Result<(), Answer> {
    let Some(slug) = login.organization_slug.as_deref() else {
        return Ok(());
    };
    let in_sub_org = state
        .identities
        .get(&id)
        .is_some_and(|i| i.sub_org.is_some());
    if in_sub_org || slug == state.org_slug {
        return Ok(());
    }
    let Some(members) = state.sub_orgs.get(slug) else {
        return Err(error(
            404,
            "NotFound",
            &format!("Sub organization with slug {slug} not found"),
        ));
    };
    if !members.contains(&id) {
        return Err(unauthorized(
            &format!("Identity not authorized to access sub organization {slug}"),
            "sub_org_unauthorized",
            true,
        ));
    }
    Ok(())
}

/// Issues the token: 2026 a JWT whose `exp − iat` is the TTL capped at 90 days, or the max
/// TTL when the TTL is 0 (FACTS.md "The 2026 server"; with both 0 the fake uses the cap);
/// 2025 an opaque token that lives `expiresIn` (0: never).
fn issue(
    state: &mut State,
    id: Uuid,
    config: &super::state::OciAuthRow,
    release_2026: bool,
) -> Answer {
    let ttl = config.access_token_ttl;
    let lifetime = if !release_2026 {
        ttl
    } else if ttl == 0 {
        match config.access_token_max_ttl {
            0 => MAX_JWT_LIFETIME,
            max => max,
        }
    } else {
        ttl.min(MAX_JWT_LIFETIME)
    };
    let token = if release_2026 {
        jwt(id, lifetime)
    } else {
        format!("fake-oci-{}", Uuid::new_v4().simple())
    };
    state.tokens.insert(
        token.clone(),
        Token {
            expires_at: super::state::expiry(lifetime),
            uses_limit: config.access_token_num_uses_limit,
            from_oci_login: true,
            ..Token::new(Principal::Identity(id))
        },
    );
    state.login_tokens.push(token.clone());
    json_ok(Json::Object(vec![
        ("accessToken", plain(token)),
        ("expiresIn", plain(ttl)),
        ("accessTokenMaxTTL", plain(config.access_token_max_ttl)),
        ("tokenType", plain("Bearer")),
    ]))
}

/// A JWT-shaped token with the claims a 2026 login token carries; its signature is a
/// random id (the fake looks tokens up; it verifies no signature).
fn jwt(id: Uuid, lifetime: u64) -> String {
    use base64::Engine as _;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let iat = chrono::Utc::now().timestamp();
    let payload = json!({
        "identityId": id,
        "authMethod": "oci-auth",
        "jti": Uuid::new_v4(),
        "iat": iat,
        "exp": iat.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX)),
    });
    format!(
        "{}.{}.{}",
        b64(&json!({"alg": "HS256", "typ": "JWT"})),
        b64(&payload),
        Uuid::new_v4().simple()
    )
}
