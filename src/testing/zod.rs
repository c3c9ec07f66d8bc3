//! Reads request bodies as Infisical's route schemas (zod) do, with the model's rules, and
//! reports problems as the server does: 422 issues, or the 500s its database causes.

use serde_json::{Value, json};

use crate::model::rules::{
    ATTACH_MIN_MAX_TTL, MIN_TRUSTED_IPS, as_javascript_number, js_trim, ttl_exceeds_max,
    whole_number, zod_type_name,
};
use crate::model::{AccessTokenTtl, NumUsesLimit, Rule, TenancyOcid, parse_allowed_usernames};

const TENANCY_FORMAT: &str = "Invalid Tenancy OCID format. Must start with ocid1.tenancy.oc1.";

/// What a validated attach or update body holds.
#[derive(Debug, Default)]
pub(super) struct Body {
    pub(super) tenancy_ocid: String,
    pub(super) allowed_usernames: Option<String>,
    pub(super) trusted_ips: Option<Vec<String>>,
    pub(super) ttl: Option<u64>,
    pub(super) max_ttl: Option<u64>,
    pub(super) num_uses_limit: Option<u64>,
    /// Passes validation but the database refuses it (the server answers 500).
    pub(super) storage_error: bool,
}

/// Why a body was refused.
#[derive(Debug)]
pub(super) enum Refusal {
    /// 422 ValidationFailure with these zod issues.
    Issues(Vec<Value>),
    /// 500 InternalServerError (what the server answers, e.g., to an over-long allow-list).
    ServerError,
}

/// Collects zod issues, each with its keys in the order zod writes them (transcripts). A
/// wrong type aborts the object, so its refinements do not run; a failed check (range,
/// `.int()`, pattern) only marks it dirty, and they run over the values as given.
#[derive(Default)]
pub(super) struct Issues {
    list: Vec<Value>,
    aborted: bool,
}

impl Issues {
    pub(super) fn wrong_type(&mut self, path: Value, expected: &str, received: &str) {
        let message = if received == "undefined" {
            "Required".to_owned()
        } else {
            format!("Expected {expected}, received {received}")
        };
        self.list.push(json!({
            "code": "invalid_type", "expected": expected, "received": received,
            "path": path, "message": message
        }));
        self.aborted = true;
    }

    pub(super) fn custom(&mut self, path: Value, message: &str) {
        self.list
            .push(json!({"code": "custom", "message": message, "path": path}));
    }

    fn too_small(&mut self, path: Value, kind: &str, minimum: u64, message: String) {
        self.list.push(json!({
            "code": "too_small", "minimum": minimum, "type": kind, "inclusive": true,
            "exact": false, "message": message, "path": path
        }));
    }

    fn too_big(&mut self, path: Value, maximum: u64, message: String) {
        self.list.push(json!({
            "code": "too_big", "maximum": maximum, "type": "number", "inclusive": true,
            "exact": false, "message": message, "path": path
        }));
    }

    pub(super) fn into_result<T>(self, value: T) -> Result<T, Refusal> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(Refusal::Issues(self.list))
        }
    }
}

/// The JSON type name as zod reports it (the model's).
pub(super) fn type_name(v: Option<&Value>) -> &'static str {
    zod_type_name(v)
}

/// Reads an attach (`attach = true`) or update body; `None` when no body was read.
pub(super) fn body(raw: Option<&Value>, attach: bool) -> Result<Body, Refusal> {
    let mut issues = Issues::default();
    let Some(obj) = raw.and_then(Value::as_object) else {
        issues.wrong_type(json!([]), "object", type_name(raw));
        return issues.into_result(Body::default());
    };
    let mut body = Body::default();

    match obj.get("tenancyOcid") {
        Some(Value::String(s)) => match TenancyOcid::new(s) {
            Ok(t) => body.tenancy_ocid = t.as_str().to_owned(),
            Err(e) => match e.rule() {
                Rule::Empty => {
                    issues.too_small(
                        json!(["tenancyOcid"]),
                        "string",
                        1,
                        "Tenancy OCID cannot be empty.".into(),
                    );
                    issues.custom(json!(["tenancyOcid"]), TENANCY_FORMAT);
                }
                Rule::Storage => {
                    body.tenancy_ocid = js_trim(s).to_owned();
                    body.storage_error = true;
                }
                _ => issues.custom(json!(["tenancyOcid"]), TENANCY_FORMAT),
            },
        },
        other => issues.wrong_type(json!(["tenancyOcid"]), "string", type_name(other)),
    }

    match obj.get("allowedUsernames") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => match parse_allowed_usernames(s) {
            Ok(list) => body.allowed_usernames = list.map(|l| l.as_str().to_owned()),
            Err(e) => match e.rule() {
                Rule::TooLong => return Err(Refusal::ServerError),
                Rule::Storage => body.storage_error = true,
                _ => issues.custom(
                    json!(["allowedUsernames"]),
                    "One or more usernames are invalid",
                ),
            },
        },
        other => issues.wrong_type(json!(["allowedUsernames"]), "string", type_name(other)),
    }

    match obj.get("accessTokenTrustedIps") {
        None => {}
        Some(Value::Array(entries)) => {
            if entries.len() < MIN_TRUSTED_IPS {
                issues.too_small(
                    json!(["accessTokenTrustedIps"]),
                    "array",
                    MIN_TRUSTED_IPS as u64,
                    format!("Array must contain at least {MIN_TRUSTED_IPS} element(s)"),
                );
            }
            let mut ips = Vec::with_capacity(entries.len());
            for (i, entry) in entries.iter().enumerate() {
                match entry.get("ipAddress") {
                    Some(Value::String(ip)) => ips.push(js_trim(ip).to_owned()),
                    _ if !entry.is_object() => issues.wrong_type(
                        json!(["accessTokenTrustedIps", i]),
                        "object",
                        type_name(Some(entry)),
                    ),
                    other => issues.wrong_type(
                        json!(["accessTokenTrustedIps", i, "ipAddress"]),
                        "string",
                        type_name(other),
                    ),
                }
            }
            body.trusted_ips = Some(ips);
        }
        other => issues.wrong_type(json!(["accessTokenTrustedIps"]), "array", type_name(other)),
    }

    let ttl_min = u64::from(AccessTokenTtl::MIN.get());
    let ttl_max = u64::from(AccessTokenTtl::MAX.get());
    let uses_min = NumUsesLimit::UNLIMITED.get();
    let (ttl, seen_ttl) = number(
        obj.get("accessTokenTTL"),
        "accessTokenTTL",
        ttl_min,
        Some(ttl_max),
        &mut issues,
    )?;
    body.ttl = ttl;
    let mut seen_max_ttl = None;
    // The route schemas list the fields in this order, and zod reports issues in it.
    let fields: [(&str, u64, Option<u64>); 2] = if attach {
        [
            (
                "accessTokenMaxTTL",
                ATTACH_MIN_MAX_TTL.into(),
                Some(ttl_max),
            ),
            ("accessTokenNumUsesLimit", uses_min, None),
        ]
    } else {
        [
            ("accessTokenNumUsesLimit", uses_min, None),
            ("accessTokenMaxTTL", ttl_min, Some(ttl_max)),
        ]
    };
    for (name, min, max) in fields {
        let (value, seen) = number(obj.get(name), name, min, max, &mut issues)?;
        if name == "accessTokenMaxTTL" {
            body.max_ttl = value;
            seen_max_ttl = seen;
        } else {
            body.num_uses_limit = value;
        }
    }

    // DESIGN "Attach": the refine compares the values as given, invalid ones included; a
    // default stands in only for an absent field (transcript 50: max TTL 0 yields its own
    // issue and the refine's).
    if !issues.aborted {
        let default = f64::from(AccessTokenTtl::DEFAULT.get());
        let exceeds = if attach {
            ttl_exceeds_max(
                seen_ttl.unwrap_or(default),
                seen_max_ttl.unwrap_or(default),
                false,
            )
        } else {
            matches!((seen_ttl, seen_max_ttl), (Some(t), Some(m)) if ttl_exceeds_max(t, m, true))
        };
        if exceeds {
            issues.custom(
                json!([]),
                "Access Token TTL cannot be greater than Access Token Max TTL.",
            );
        }
    }
    issues.into_result(body)
}

/// A `z.number().int().min(min).max(max)` field, read as a JavaScript number (an integer
/// beyond 2^53 is rounded, DESIGN "Numbers"): the value to store when it is valid, and the
/// number as given, valid or not, for the object's refine.
fn number(
    value: Option<&Value>,
    name: &str,
    min: u64,
    max: Option<u64>,
    issues: &mut Issues,
) -> Result<(Option<u64>, Option<f64>), Refusal> {
    let Some(value) = value else {
        return Ok((None, None));
    };
    let seen = value.as_f64();
    number_checks(value, name, min, max, issues).map(|n| (n, seen))
}

fn number_checks(
    value: &Value,
    name: &str,
    min: u64,
    max: Option<u64>,
    issues: &mut Issues,
) -> Result<Option<u64>, Refusal> {
    let path = json!([name]);
    let below = |issues: &mut Issues| {
        issues.too_small(
            path.clone(),
            "number",
            min,
            format!("Number must be greater than or equal to {min}"),
        );
    };
    match whole_number(name, value).map(as_javascript_number) {
        Ok(n) => {
            if n < min {
                below(issues);
            }
            match max {
                Some(max) if n > max => {
                    issues.too_big(
                        path.clone(),
                        max,
                        format!("Number must be less than or equal to {max}"),
                    );
                }
                // Beyond 2^63 the database's bigint overflows.
                None if n > i64::MAX as u64 => return Err(Refusal::ServerError),
                _ => {}
            }
            Ok(Some(n))
        }
        Err(e) => {
            match e.rule() {
                Rule::WrongType(received) => issues.wrong_type(path.clone(), "number", received),
                Rule::NotInteger => {
                    issues.list.push(json!({
                        "code": "invalid_type", "expected": "integer", "received": "float",
                        "message": "Expected integer, received float", "path": path
                    }));
                }
                Rule::BelowMinimum => below(issues),
                // Beyond u64 the database's bigint overflows where no maximum stops it.
                Rule::AboveMaximum => match max {
                    Some(max) => issues.too_big(
                        path.clone(),
                        max,
                        format!("Number must be less than or equal to {max}"),
                    ),
                    None => return Err(Refusal::ServerError),
                },
                _ => return Err(Refusal::ServerError),
            }
            Ok(None)
        }
    }
}
