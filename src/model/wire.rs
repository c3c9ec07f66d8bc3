//! Reading request bodies as the server reads them: helpers for the validating `Deserialize`.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::ValidationError;
use super::validation::Rule;

/// Keeps an explicit `null` apart from an absent field: absent is `None`, present is
/// `Some(value)` (including `Value::Null`). Use with `#[serde(default)]`.
pub(crate) fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// A JSON number as zod's `z.number().int().min(0)` reads it: a whole number (`1800` or
/// `1800.0`), never a string or `null`.
pub fn whole_number(field: &str, value: &Value) -> Result<u64, ValidationError> {
    let wrong = |what: &str, kind: Rule| {
        ValidationError::new(
            field,
            format!("must be a whole number of at least 0, got {what}"),
        )
        .with_kind(kind)
    };
    let received = match value {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Ok(u);
            }
            let f = n.as_f64().unwrap_or(f64::NAN);
            return if f.fract() != 0.0 || f.is_nan() {
                Err(wrong(&n.to_string(), Rule::NotInteger))
            } else if f < 0.0 {
                Err(wrong(&n.to_string(), Rule::BelowMinimum))
            } else if f <= u64::MAX as f64 {
                Ok(f as u64)
            } else {
                Err(wrong(&n.to_string(), Rule::AboveMaximum))
            };
        }
        other => zod_type_name(Some(other)),
    };
    Err(wrong(
        &format!("a value of type {received}"),
        Rule::WrongType(received),
    ))
}

/// The type of a JSON value as zod's `getParsedType` names it in `invalid_type` issues
/// (`received`); an absent value is `undefined`.
pub fn zod_type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

/// Reads an optional number field, validating it when present.
pub(crate) fn optional_whole_number(
    field: &str,
    value: Option<&Value>,
) -> Result<Option<u64>, ValidationError> {
    value.map(|v| whole_number(field, v)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_numbers_as_javascript_sees_them() {
        assert_eq!(whole_number("f", &json!(1800)).unwrap(), 1800);
        assert_eq!(whole_number("f", &json!(1800.0)).unwrap(), 1800);
        for bad in [
            json!(-1),
            json!(1.5),
            json!("1800"),
            json!(null),
            json!(true),
            json!([]),
            json!({}),
        ] {
            let e = whole_number("accessTokenTTL", &bad).unwrap_err();
            assert_eq!(e.field(), "accessTokenTTL", "{bad}");
        }
    }
}

/// The body of attach or update as received, before the rules run.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RequestWire {
    pub(crate) tenancy_ocid: Option<String>,
    #[serde(default)]
    pub(crate) allowed_usernames: Option<String>,
    #[serde(default, deserialize_with = "list_not_null")]
    pub(crate) access_token_trusted_ips: Option<Vec<super::trusted_ip::wire_list::RawEntry>>,
    #[serde(rename = "accessTokenTTL", default, deserialize_with = "present")]
    access_token_ttl: Option<Value>,
    #[serde(rename = "accessTokenMaxTTL", default, deserialize_with = "present")]
    access_token_max_ttl: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    access_token_num_uses_limit: Option<Value>,
}

/// `accessTokenTrustedIps` as zod reads it: absent is "not given", but `null` is refused
/// (422 "Expected array, received null"), unlike `allowedUsernames`, which is nullable.
fn list_not_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<super::trusted_ip::wire_list::RawEntry>>, D::Error> {
    Option::<Vec<_>>::deserialize(d)?.map(Some).ok_or_else(|| {
        serde::de::Error::custom(ValidationError::new(
            "accessTokenTrustedIps",
            "must be an array of {\"ipAddress\": …} entries, got null; omit the field instead",
        ))
    })
}

/// TTL, max TTL and use limit, as read from the wire.
pub(crate) type Numbers = (Option<u64>, Option<u64>, Option<u64>);

impl RequestWire {
    /// The TTL, max TTL and use limit, each checked to be a whole number when present.
    pub(crate) fn numbers(&self) -> Result<Numbers, ValidationError> {
        Ok((
            optional_whole_number("accessTokenTTL", self.access_token_ttl.as_ref())?,
            optional_whole_number("accessTokenMaxTTL", self.access_token_max_ttl.as_ref())?,
            optional_whole_number(
                "accessTokenNumUsesLimit",
                self.access_token_num_uses_limit.as_ref(),
            )?,
        ))
    }
}
