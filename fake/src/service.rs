//! The service behind the four management routes (upstream `identity-oci-auth-service.ts`),
//! one function per operation, in the order its checks run.

use uuid::Uuid;

use super::Endpoint;
use super::Role;
use super::answer::{Answer, config_answer, error, error_with, something_went_wrong};
use super::json::{Json, plain};
use super::state::{IpEntry, OciAuthRow, Principal, State};
use super::zod;
use infisical_oci_auth::model::rules::{
    DEFAULT_TRUSTED_IPS, is_free_plan_range, update_refused_by_stored_ttls,
};
use infisical_oci_auth::model::{AccessTokenTtl, IdentityId, NumUsesLimit, TrustedIp};

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

/// Runs `op` on identity `id` (`raw_id` as the request gave it) for `principal`.
pub(super) fn operate(
    state: &mut State,
    principal: Principal,
    op: Endpoint,
    id: Uuid,
    raw_id: &str,
    body: Option<zod::Body>,
) -> Answer {
    let role = role_of(state, principal);
    if let Some(refused) = find_identity(state, principal, id, raw_id) {
        return refused;
    }
    match (op, body) {
        (Endpoint::Get, _) => get(state, id, role),
        (Endpoint::Revoke, _) => revoke(state, id, role),
        (Endpoint::Attach, Some(body)) => attach(state, id, role, body),
        (Endpoint::Update, Some(body)) => update(state, id, role, body),
        _ => something_went_wrong("InternalServerError"),
    }
}

/// upstream service: the identity is looked up among the actor's organization's members (a
/// sub-organization's actor sees its members only): 404 when it is not one, naming the id
/// as given (trimmed on POST); 403 ForbiddenError when it is a member from another
/// organization (FACTS.md "The 2026 server"; upstream `lib/errors` names the error).
fn find_identity(state: &State, principal: Principal, id: Uuid, raw_id: &str) -> Option<Answer> {
    let not_found = || {
        error(
            404,
            "NotFound",
            &format!("Failed to find identity with ID {raw_id}"),
        )
    };
    let Some(target) = state.identities.get(&id) else {
        return Some(not_found());
    };
    let actor_org = match principal {
        Principal::Admin => None,
        Principal::Identity(actor) => state.identities.get(&actor).and_then(|a| a.sub_org.clone()),
    };
    match &actor_org {
        None if target.sub_org.is_none() => None,
        Some(org) if target.sub_org.as_ref() == Some(org) => None,
        None => Some(not_found()),
        Some(org) if state.sub_orgs.get(org).is_some_and(|m| m.contains(&id)) => Some(error(
            403,
            "ForbiddenError",
            "Sub organization not authorized to access this identity",
        )),
        Some(_) => Some(not_found()),
    }
}

fn get(state: &State, id: Uuid, role: Role) -> Answer {
    match state.identities.get(&id).and_then(|i| i.oci_auth.as_ref()) {
        None => error(
            400,
            "BadRequest",
            "The identity does not have OCI Auth attached",
        ),
        Some(config) => denied(role, "read").unwrap_or_else(|| config_answer(config)),
    }
}

fn revoke(state: &mut State, id: Uuid, role: Role) -> Answer {
    let no_auth = || error(400, "BadRequest", "The identity does not have OCI auth");
    if state
        .identities
        .get(&id)
        .is_none_or(|i| i.oci_auth.is_none())
    {
        return no_auth();
    }
    // upstream service: `edit` first, then the privilege boundary, which (new privilege
    // system) asks for `revoke-auth` itself (transcript 68).
    if let Some(denied) = denied(role, "edit") {
        return denied;
    }
    if !role.may("revoke-auth") {
        return boundary_error(state.release.is_2026());
    }
    let Some(config) = state
        .identities
        .get_mut(&id)
        .and_then(|i| i.oci_auth.take())
    else {
        return no_auth();
    };
    // upstream service: revoking deletes the identity's OCI-login access tokens (2026:
    // `revokeTokensForIdentityAuthMethod`, refused as "auth method has been revoked").
    for token in state.tokens.values_mut() {
        if token.from_oci_login && token.principal == Principal::Identity(id) {
            token.method_revoked = true;
        }
    }
    config_answer(&config)
}

/// upstream `permission-fns.ts`, `constructPermissionErrorMessage`: the base message, then
/// the new privilege system's sentence (2026) or the action alone (2025, transcript 68).
fn boundary_error(release_2026: bool) -> Answer {
    let base = "Failed to revoke OCI auth of identity with more privileged role";
    let message = if release_2026 {
        format!(
            "{base}. Permission denied: revoke-auth on identity. Check that the actor's role \
             grants this permission and that all permission conditions are met."
        )
    } else {
        format!("{base}. Actor is missing permission revoke-auth on identity")
    };
    error_with(
        403,
        "PermissionBoundaryError",
        plain(message),
        Some(Json::Object(vec![(
            "missingPermissions",
            Json::Array(vec![Json::Object(vec![
                ("action", plain("revoke-auth")),
                ("subject", plain("identity")),
            ])]),
        )])),
    )
}

fn attach(state: &mut State, id: Uuid, role: Role, body: zod::Body) -> Answer {
    if state
        .identities
        .get(&id)
        .is_some_and(|i| i.oci_auth.is_some())
    {
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
        Some(ips) => trusted_ips(ips, state.paid_plan),
        None => Ok(DEFAULT_TRUSTED_IPS.iter().map(stored_entry).collect()),
    };
    let ips = match ips {
        Ok(ips) => ips,
        Err(refused) => return refused,
    };
    if body.storage_error {
        return something_went_wrong("Create");
    }
    let now = super::state::now();
    let config = OciAuthRow {
        id: Uuid::new_v4(),
        identity_id: IdentityId::from(id),
        auth_type: "iam".into(),
        tenancy_ocid: body.tenancy_ocid,
        allowed_usernames: body.allowed_usernames,
        // The route schema's `.default(…)`s, from the model.
        access_token_ttl: body.ttl.unwrap_or(AccessTokenTtl::DEFAULT.get().into()),
        access_token_max_ttl: body.max_ttl.unwrap_or(AccessTokenTtl::DEFAULT.get().into()),
        access_token_num_uses_limit: body.num_uses_limit.unwrap_or(NumUsesLimit::DEFAULT.get()),
        access_token_trusted_ips: ips,
        access_token_period: 0,
        created_at: now,
        updated_at: now,
    };
    let response = config_answer(&config);
    if let Some(identity) = state.identities.get_mut(&id) {
        identity.oci_auth = Some(config);
    }
    response
}

fn update(state: &mut State, id: Uuid, role: Role, body: zod::Body) -> Answer {
    let paid_plan = state.paid_plan;
    let Some(config) = state
        .identities
        .get_mut(&id)
        .and_then(|i| i.oci_auth.as_mut())
    else {
        return error(
            404,
            "NotFound",
            "The identity does not have OCI Auth attached",
        );
    };
    // transcript 14: the TTLs are checked against the stored values before permissions;
    // FACTS.md "The 2026 server": the stored values compare as text when the body sends
    // neither TTL (both releases).
    if update_refused_by_stored_ttls(
        body.ttl,
        body.max_ttl,
        config.access_token_ttl,
        config.access_token_max_ttl,
    ) {
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
    // upstream router: `allowedUsernames: req.body.allowedUsernames || null`, so an omitted
    // allow-list clears it (transcript 05/06).
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
    config.updated_at = super::state::now();
    config_answer(config)
}

/// `None` when `role` may `action` on identities; otherwise CASL's `ForbiddenError` as the
/// error handler answers it (transcripts 69, 70): `details` lists the rules for the action,
/// none for a role without access.
fn denied(role: Role, action: &str) -> Option<Answer> {
    (!role.may(action)).then(|| {
        error_with(
            403,
            "PermissionDenied",
            plain(format!("You are not allowed to {action} on identity")),
            Some(Json::Array(Vec::new())),
        )
    })
}

/// upstream service, per entry: the plan check on the text first, then the syntax check,
/// then the stored form (transcripts 16, 17).
fn trusted_ips(ips: &[String], paid_plan: bool) -> Result<Vec<IpEntry>, Answer> {
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
fn stored_entry(ip: &TrustedIp) -> IpEntry {
    IpEntry {
        ip_address: ip.addr().to_string(),
        family: ip.family().to_owned(),
        prefix: ip.prefix(),
    }
}
