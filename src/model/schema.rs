//! JSON Schema for the request types (feature `schemars`), so that a configuration format
//! built on them can publish its schema. Every bound comes from the model's own constants.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::numbers::ATTACH_MIN_MAX_TTL;
use super::trusted_ip::{DEFAULT_TRUSTED_IPS, MIN_TRUSTED_IPS};
use super::{
    AccessTokenTtl, AllowedUsernames, AttachOciAuth, IdentityId, NumUsesLimit, TenancyOcid,
    TrustedIp, UpdateOciAuth, tenancy, usernames,
};

impl JsonSchema for TenancyOcid {
    fn schema_name() -> Cow<'static, str> {
        "TenancyOcid".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": tenancy::MAX_CHARS,
            "pattern": "^\\s*ocid1\\.tenancy\\.oc1\\..+$",
            "description": "The OCID of the tenancy: ocid1.tenancy.oc1.<id>."
        })
    }
}

impl JsonSchema for AllowedUsernames {
    fn schema_name() -> Cow<'static, str> {
        "AllowedUsernames".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "null"],
            "maxLength": usernames::MAX_INPUT,
            "pattern": "^[\\s,]*([a-zA-Z0-9._@-]+[\\s,]*)*$",
            "description": "Comma-separated OCI usernames; empty or null allows any username. \
                            Stored joined with \", \" in at most 255 characters."
        })
    }
}

impl JsonSchema for TrustedIp {
    fn schema_name() -> Cow<'static, str> {
        "TrustedIp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "required": ["ipAddress"],
            "additionalProperties": false,
            "properties": {
                "ipAddress": {
                    "type": "string",
                    "description": "An IPv4 or IPv6 address or CIDR range."
                }
            }
        })
    }
}

impl JsonSchema for IdentityId {
    fn schema_name() -> Cow<'static, str> {
        "IdentityId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "uuid" })
    }
}

fn seconds(min: u32, description: &str) -> Schema {
    json_schema!({
        "type": "integer",
        "minimum": min,
        "maximum": AccessTokenTtl::MAX.get(),
        "description": description
    })
}

fn num_uses() -> Schema {
    json_schema!({
        "type": "integer",
        "minimum": NumUsesLimit::UNLIMITED.get(),
        "maximum": NumUsesLimit::MAX.get(),
        "description": "How many times a token may be used; 0 is unlimited."
    })
}

fn trusted_ips(generator: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "minItems": MIN_TRUSTED_IPS,
        "items": generator.subschema_for::<TrustedIp>(),
        "description": "The IPs or CIDR ranges that access tokens can be used from."
    })
}

impl JsonSchema for UpdateOciAuth {
    fn schema_name() -> Cow<'static, str> {
        "UpdateOciAuth".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "The body of Update OCI Auth. An absent allowedUsernames clears the list.",
            "required": ["tenancyOcid"],
            "additionalProperties": false,
            "properties": {
                "tenancyOcid": generator.subschema_for::<TenancyOcid>(),
                "allowedUsernames": generator.subschema_for::<AllowedUsernames>(),
                "accessTokenTrustedIps": trusted_ips(generator),
                "accessTokenTTL": seconds(AccessTokenTtl::MIN.get(), "Access-token lifetime in seconds."),
                "accessTokenMaxTTL": seconds(
                    AccessTokenTtl::MIN.get(),
                    "Maximum access-token lifetime in seconds; 0 is unlimited."
                ),
                "accessTokenNumUsesLimit": num_uses()
            }
        })
    }
}

impl JsonSchema for AttachOciAuth {
    fn schema_name() -> Cow<'static, str> {
        "AttachOciAuth".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut ips = trusted_ips(generator);
        let default_ips = DEFAULT_TRUSTED_IPS
            .iter()
            .map(|ip| serde_json::json!({"ipAddress": ip.to_string()}))
            .collect();
        ips.insert("default".into(), serde_json::Value::Array(default_ips));
        let mut ttl = seconds(
            AccessTokenTtl::MIN.get(),
            "Access-token lifetime in seconds.",
        );
        ttl.insert("default".into(), AccessTokenTtl::DEFAULT.get().into());
        let mut max = seconds(
            ATTACH_MIN_MAX_TTL,
            "Maximum access-token lifetime in seconds.",
        );
        max.insert("default".into(), AccessTokenTtl::DEFAULT.get().into());
        let mut uses = num_uses();
        uses.insert("default".into(), NumUsesLimit::DEFAULT.get().into());
        json_schema!({
            "type": "object",
            "description": "The body of Attach OCI Auth.",
            "required": ["tenancyOcid"],
            "additionalProperties": false,
            "properties": {
                "tenancyOcid": generator.subschema_for::<TenancyOcid>(),
                "allowedUsernames": generator.subschema_for::<AllowedUsernames>(),
                "accessTokenTrustedIps": ips,
                "accessTokenTTL": ttl,
                "accessTokenMaxTTL": max,
                "accessTokenNumUsesLimit": uses
            }
        })
    }
}
