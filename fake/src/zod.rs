//! Reads request bodies as Infisical's route schemas (zod) do, with the model's rules, and
//! reports problems as the server does: 422 issues, or the 500s its database causes.

use serde_json::{Map, Value, json};

use super::json::{Json, plain};
use infisical_oci_auth::model::rules::parse_allowed_usernames;
use infisical_oci_auth::model::rules::{
    ATTACH_MIN_MAX_TTL, MIN_TRUSTED_IPS, as_javascript_number, js_trim, ttl_exceeds_max,
    whole_number, zod_type_name,
};
use infisical_oci_auth::model::{AccessTokenTtl, NumUsesLimit, Rule, TenancyOcid};

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
    Issues(Vec<Json>),
    /// 500 InternalServerError (what the server answers, e.g., to an over-long allow-list).
    ServerError,
    /// A number zod passes that the database's bigint cannot hold; the service answers the
    /// 500 of its query (`Create`, `Update by id`), as for any value it cannot store.
    Unstorable,
}

/// Collects zod issues, each with its keys in the order zod writes them (transcripts). A
/// wrong type aborts the object, so its refinements do not run; a failed check (range,
/// `.int()`, pattern) only marks it dirty, and they run over the values as given.
#[derive(Default)]
pub(super) struct Issues {
    list: Vec<Json>,
    aborted: bool,
}

impl Issues {
    pub(super) fn wrong_type(&mut self, path: Value, expected: &str, received: &str) {
        let message = if received == "undefined" {
            "Required".to_owned()
        } else {
            format!("Expected {expected}, received {received}")
        };
        self.list.push(Json::Object(vec![
            ("code", plain("invalid_type")),
            ("expected", plain(expected)),
            ("received", plain(received)),
            ("path", Json::Plain(path)),
            ("message", plain(message)),
        ]));
        self.aborted = true;
    }

    pub(super) fn custom(&mut self, path: Value, message: &str) {
        self.list.push(Json::Object(vec![
            ("code", plain("custom")),
            ("message", plain(message)),
            ("path", Json::Plain(path)),
        ]));
    }

    pub(super) fn too_small(&mut self, path: Value, kind: &str, minimum: u64, message: String) {
        self.list.push(Json::Object(vec![
            ("code", plain("too_small")),
            ("minimum", plain(minimum)),
            ("type", plain(kind)),
            ("inclusive", plain(true)),
            ("exact", plain(false)),
            ("message", plain(message)),
            ("path", Json::Plain(path)),
        ]));
    }

    pub(super) fn too_big(&mut self, path: Value, kind: &str, maximum: u64, message: String) {
        self.list.push(Json::Object(vec![
            ("code", plain("too_big")),
            ("maximum", plain(maximum)),
            ("type", plain(kind)),
            ("inclusive", plain(true)),
            ("exact", plain(false)),
            ("message", plain(message)),
            ("path", Json::Plain(path)),
        ]));
    }

    /// zod's `.int()` on a number with a fraction.
    fn not_integer(&mut self, path: Value) {
        self.list.push(Json::Object(vec![
            ("code", plain("invalid_type")),
            ("expected", plain("integer")),
            ("received", plain("float")),
            ("message", plain("Expected integer, received float")),
            ("path", Json::Plain(path)),
        ]));
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

/// How the server's zod release reads the fields whose handling changed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Dialect {
    /// zod 3.25 (servers of 2026): `allowedUsernames` over 500 characters is a `too_big`
    /// issue, and the cross-field TTL refine is not reported beside failed usernames.
    pub(super) usernames_checked_first: bool,
}

/// Reads an attach (`attach = true`) or update body, as the route's schema sees it.
pub(super) fn body(raw: &Value, attach: bool, dialect: Dialect) -> Result<Body, Refusal> {
    let mut issues = Issues::default();
    let Some(obj) = raw.as_object() else {
        issues.wrong_type(json!([]), "object", type_name(Some(raw)));
        return issues.into_result(Body::default());
    };
    let mut body = Body::default();
    tenancy(obj, &mut body, &mut issues);
    let usernames_failed = usernames(obj, &mut body, &mut issues, dialect)?;
    trusted_ips(obj, &mut body, &mut issues);
    let seen = numbers(obj, attach, &mut body, &mut issues)?;
    // upstream router (2026): the usernames' `superRefine` fails the object before the
    // TTL refine runs.
    if !(usernames_failed && dialect.usernames_checked_first) {
        ttl_refine(seen, attach, &mut issues);
    }
    issues.into_result(body)
}

/// `tenancyOcid`: `z.string().trim().min(1)` and the OCID pattern (upstream router).
fn tenancy(obj: &Map<String, Value>, body: &mut Body, issues: &mut Issues) {
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
}

/// `allowedUsernames`: optional, nullable, the model's list rule. `Ok(true)` when the
/// usernames failed validation.
fn usernames(
    obj: &Map<String, Value>,
    body: &mut Body,
    issues: &mut Issues,
    dialect: Dialect,
) -> Result<bool, Refusal> {
    const PATH: &str = "allowedUsernames";
    match obj.get(PATH) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::String(s)) => match parse_allowed_usernames(s) {
            Ok(list) => {
                body.allowed_usernames = list.map(|l| l.as_str().to_owned());
                Ok(false)
            }
            Err(e) => match e.rule() {
                // FACTS.md "The 2026 server": zod 3.25's `max(500)` issue; zod 3.24's check
                // threw, which the error handler answered 500.
                Rule::TooLong if dialect.usernames_checked_first => {
                    issues.too_big(
                        json!([PATH]),
                        "string",
                        500,
                        "Input exceeds the maximum limit of 500 characters".into(),
                    );
                    Ok(true)
                }
                Rule::TooLong => Err(Refusal::ServerError),
                Rule::Storage => {
                    body.storage_error = true;
                    Ok(false)
                }
                _ => {
                    issues.custom(json!([PATH]), "One or more usernames are invalid");
                    Ok(true)
                }
            },
        },
        other => {
            issues.wrong_type(json!([PATH]), "string", type_name(other));
            Ok(true)
        }
    }
}

/// `accessTokenTrustedIps`: an array of at least one `{ipAddress: string}`, trimmed.
fn trusted_ips(obj: &Map<String, Value>, body: &mut Body, issues: &mut Issues) {
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
}

/// The TTL and max TTL as given, valid or not, for the refine.
type Seen = (Option<f64>, Option<f64>);

/// The three number fields, in the order the route schema lists them (zod reports issues
/// in it).
fn numbers(
    obj: &Map<String, Value>,
    attach: bool,
    body: &mut Body,
    issues: &mut Issues,
) -> Result<Seen, Refusal> {
    let ttl_min = u64::from(AccessTokenTtl::MIN.get());
    let ttl_max = u64::from(AccessTokenTtl::MAX.get());
    let uses_min = NumUsesLimit::UNLIMITED.get();
    let (ttl, seen_ttl) = number(
        obj.get("accessTokenTTL"),
        "accessTokenTTL",
        ttl_min,
        Some(ttl_max),
        issues,
    )?;
    body.ttl = ttl;
    let mut seen_max_ttl = None;
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
        let (value, seen) = match number(obj.get(name), name, min, max, issues) {
            Err(Refusal::Unstorable) => {
                body.storage_error = true;
                (None, None)
            }
            other => other?,
        };
        if name == "accessTokenMaxTTL" {
            body.max_ttl = value;
            seen_max_ttl = seen;
        } else {
            body.num_uses_limit = value;
        }
    }
    Ok((seen_ttl, seen_max_ttl))
}

/// FACTS.md "Attach": the refine compares the values as given, invalid ones included; a
/// default stands in only for an absent field (transcript 50: max TTL 0 yields its own
/// issue and the refine's). An aborted object is not refined.
fn ttl_refine((seen_ttl, seen_max_ttl): Seen, attach: bool, issues: &mut Issues) {
    if issues.aborted {
        return;
    }
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

/// A `z.number().int().min(min).max(max)` field, read as a JavaScript number (an integer
/// beyond 2^53 is rounded, FACTS.md "Numbers"): the value to store when it is valid, and the
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
    let above = |issues: &mut Issues, max: u64| {
        issues.too_big(
            path.clone(),
            "number",
            max,
            format!("Number must be less than or equal to {max}"),
        );
    };
    match whole_number(name, value).map(as_javascript_number) {
        Ok(n) => {
            if n < min {
                below(issues);
            }
            match max {
                Some(max) if n > max => above(issues, max),
                // Beyond 2^63 the database's bigint overflows.
                None if n > i64::MAX as u64 => return Err(Refusal::Unstorable),
                _ => {}
            }
            Ok(Some(n))
        }
        Err(e) => {
            match e.rule() {
                Rule::WrongType(received) => issues.wrong_type(path.clone(), "number", received),
                Rule::NotInteger => issues.not_integer(path.clone()),
                Rule::BelowMinimum => below(issues),
                // Beyond u64 the database's bigint overflows where no maximum stops it.
                Rule::AboveMaximum => match max {
                    Some(max) => above(issues, max),
                    None => return Err(Refusal::Unstorable),
                },
                _ => return Err(Refusal::ServerError),
            }
            Ok(None)
        }
    }
}
