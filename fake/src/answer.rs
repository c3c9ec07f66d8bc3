//! How the fake answers, as Infisical's error handler and routes write their answers
//! (upstream `server/plugins/error-handler.ts`): the JSON error body, the 500s, and the
//! configuration answer, each with the real server's key order.
//!

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::json::{Json, plain};
use super::state;
use super::state::OciAuthRow;
use super::zod::Refusal;

/// A JSON answer: a status and a body.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Json,
}

impl Answer {
    /// The body as the server sends it.
    pub(super) fn text(&self) -> String {
        serde_json::to_string(&self.body).unwrap_or_default()
    }
}

impl From<Answer> for Response {
    fn from(answer: Answer) -> Response {
        let mut response = Response::new(Body::from(answer.text()));
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
    error_with(status, error, plain(message), None)
}

/// Infisical's error body, keys in the order the real server writes them (every error
/// transcript): `reqId, statusCode, message, details?, error`.
pub(super) fn error_with(status: u16, error: &str, message: Json, details: Option<Json>) -> Answer {
    let mut body = vec![
        ("reqId", plain(state::req_id())),
        ("statusCode", plain(status)),
        ("message", message),
    ];
    if let Some(details) = details {
        body.push(("details", details));
    }
    body.push(("error", plain(error)));
    Answer {
        status,
        body: Json::Object(body),
    }
}

/// A 200 with `body`.
pub(super) fn json_ok(body: Json) -> Answer {
    Answer { status: 200, body }
}

/// upstream `error-handler.ts`: a `DatabaseError` answers 500 "Something went wrong" with the
/// query's name as `error` ("Create", "Update by id", "FindOne"); any error the handler does
/// not know (fastify's own: media type, JSON syntax, empty body, body limit) answers 500
/// `InternalServerError` with the same message.
pub(super) fn something_went_wrong(error: &str) -> Answer {
    self::error(500, error, "Something went wrong")
}

/// A body the route schema refused: zod's issues (422), or the database's 500.
pub(super) fn refused(refusal: Refusal) -> Answer {
    match refusal {
        Refusal::Issues(issues) => error_with(422, "ValidationFailure", Json::Array(issues), None),
        Refusal::ServerError | Refusal::Unstorable => something_went_wrong("InternalServerError"),
    }
}

/// `{"identityOciAuth": …}` as the real server writes it (transcript 01): its key order,
/// trusted IPs as `{type, prefix?, ipAddress}`, and timestamps always with milliseconds.
pub(super) fn config_answer(config: &OciAuthRow) -> Answer {
    let ips = config
        .access_token_trusted_ips
        .iter()
        .map(|ip| {
            let mut entry = vec![("type", plain(ip.family.clone()))];
            if let Some(prefix) = ip.prefix {
                entry.push(("prefix", plain(prefix)));
            }
            entry.push(("ipAddress", plain(ip.ip_address.clone())));
            Json::Object(entry)
        })
        .collect();
    let timestamp =
        |t: &chrono::DateTime<chrono::Utc>| plain(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    let config = Json::Object(vec![
        ("id", plain(config.id.to_string())),
        ("accessTokenTTL", plain(config.access_token_ttl)),
        ("accessTokenMaxTTL", plain(config.access_token_max_ttl)),
        (
            "accessTokenNumUsesLimit",
            plain(config.access_token_num_uses_limit),
        ),
        ("accessTokenTrustedIps", Json::Array(ips)),
        ("createdAt", timestamp(&config.created_at)),
        ("updatedAt", timestamp(&config.updated_at)),
        ("identityId", plain(config.identity_id.to_string())),
        ("type", plain(config.auth_type.clone())),
        ("tenancyOcid", plain(config.tenancy_ocid.clone())),
        ("allowedUsernames", plain(config.allowed_usernames.clone())),
        ("accessTokenPeriod", plain(config.access_token_period)),
    ]);
    json_ok(Json::Object(vec![("identityOciAuth", config)]))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use infisical_oci_auth::model::IdentityId;

    #[test]
    fn timestamps_always_carry_milliseconds() {
        // FACTS.md "Answers": `.000Z` on a whole second, where chrono's own form drops it.
        let whole = chrono::DateTime::from_timestamp(1_764_204_748, 0).unwrap_or_default();
        let config = OciAuthRow {
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
        let text = config_answer(&config).text();
        assert!(
            text.contains(r#""createdAt":"2025-11-27T00:52:28.000Z""#),
            "{text}"
        );
    }

    #[test]
    fn objects_keep_the_order_their_keys_were_written_in() {
        let body = error_with(400, "BadRequest", plain("m"), Some(Json::Array(Vec::new())));
        let text = body.text();
        let keys: Vec<usize> = ["reqId", "statusCode", "message", "details", "error"]
            .iter()
            .map(|k| text.find(&format!("\"{k}\"")).unwrap_or(usize::MAX))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{text}");
    }
}
