//! A file of many identities' desired OCI Auth, planned and applied with bounded
//! concurrency.
//!
//! The format is YAML, for people who review it: one mapping `identities`, keyed by identity
//! id, each value either an OCI Auth configuration in the wire field names (those not given
//! take attach's defaults) or `absent` (revoke it):
//!
//! ```yaml
//! identities:
//!   6511e966-169d-4653-a191-c559fe230086:
//!     tenancyOcid: ocid1.tenancy.oc1..aaaa
//!     allowedUsernames: [alice, bob]     # or one text: alice, bob
//!     accessTokenTrustedIps: [10.0.0.0/8]
//!     accessTokenTTL: 1800
//!     accessTokenMaxTTL: 3600
//!   0b3c0d6e-66a4-4d5a-9f0e-4d2cbbd2d1a7: absent
//! ```
//!
//! The whole file is validated before any request: every mistake of every identity, in file
//! order (up to 50, the rest counted), each with its line and field path; nothing is sent.

use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use infisical_oci_auth::IdentityId;
use infisical_oci_auth::desired::{Applied, DesiredState, Plan};

use crate::mistake::{FileError, Mistake};

/// A validated file of desired states, in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredFile {
    name: String,
    entries: Vec<(IdentityId, DesiredState)>,
}

/// The result for one identity of [`plan_file`](crate::plan_file) or
/// [`apply_file`](crate::apply_file).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EntryOutcome {
    /// The identity.
    pub identity: IdentityId,
    /// The plan and configuration (for a plan, the current one; nothing was written), or
    /// what went wrong for this identity alone.
    pub result: Result<Applied, infisical_oci_auth::Error>,
}

/// How many identities each action concerned, and how many failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Attached (or to attach).
    pub attach: usize,
    /// Updated (or to update).
    pub update: usize,
    /// Revoked (or to revoke).
    pub revoke: usize,
    /// Already as desired.
    pub unchanged: usize,
    /// Failed.
    pub failed: usize,
}

impl Summary {
    /// Counts `outcomes`.
    pub fn of(outcomes: &[EntryOutcome]) -> Self {
        let mut s = Summary::default();
        for outcome in outcomes {
            match &outcome.result {
                Err(_) => s.failed += 1,
                Ok(applied) => match applied.plan {
                    Plan::Attach(_) => s.attach += 1,
                    Plan::Update(_) => s.update += 1,
                    Plan::Revoke(_) => s.revoke += 1,
                    Plan::Unchanged => s.unchanged += 1,
                    // A kind of change newer than this command: counted as an update.
                    _ => s.update += 1,
                },
            }
        }
        s
    }

    /// Whether anything would change (or did).
    pub fn changes_anything(&self) -> bool {
        self.attach + self.update + self.revoke > 0
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} attach, {} update, {} revoke, {} unchanged, {} failed",
            self.attach, self.update, self.revoke, self.unchanged, self.failed
        )
    }
}

impl DesiredFile {
    /// Reads and validates the file at `path`.
    ///
    /// # Errors
    /// A [`FileError`] when it cannot be read, is not YAML of this format, or a value
    /// breaks a server rule: every mistake (up to 20) with its line and field path
    /// (`identities.<id>.<field>`).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, FileError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            let cannot = Mistake::new(None, "", format!("cannot read it: {e}"));
            FileError::new(&name, vec![cannot], 0)
        })?;
        Self::parse(&text, &name)
    }

    /// Validates `text`, a file called `name` in errors.
    ///
    /// ```
    /// use infisical_oci_auth_cli::DesiredFile;
    ///
    /// let file = DesiredFile::parse(
    ///     "identities:\n  6511e966-169d-4653-a191-c559fe230086:\n    tenancyOcid: ocid1.tenancy.oc1..aaaa\n",
    ///     "identities.yaml",
    /// )?;
    /// assert_eq!(file.entries().len(), 1);
    ///
    /// let err = DesiredFile::parse(
    ///     "identities:\n  6511e966-169d-4653-a191-c559fe230086:\n    tenancyOcid: ocid1.tenancy.oc1..aaaa\n    accessTokenTTL: -1\n",
    ///     "identities.yaml",
    /// ).unwrap_err();
    /// assert!(err.to_string().contains("identities.6511e966-169d-4653-a191-c559fe230086.accessTokenTTL"));
    /// # Ok::<(), infisical_oci_auth_cli::FileError>(())
    /// ```
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub fn parse(text: &str, name: &str) -> Result<Self, FileError> {
        Ok(DesiredFile {
            name: name.to_owned(),
            entries: crate::parse::entries(text, name)?,
        })
    }

    /// The file's name, as given to [`load`](Self::load) or [`parse`](Self::parse).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The identities and what the file wants for each, in the file's order.
    pub fn entries(&self) -> &[(IdentityId, DesiredState)] {
        &self.entries
    }

    /// The JSON Schema of the format, for editors; the repository keeps it as
    /// `schema/desired-state.schema.json`.
    pub fn json_schema() -> Value {
        let mut generator = schemars::SchemaGenerator::default();
        let config = generator.subschema_for::<infisical_oci_auth::AttachOciAuth>();
        let mut defs: serde_json::Map<String, Value> =
            generator.take_definitions(true).into_iter().collect();
        // A file may also say `accessTokenMaxTTL: 0` (no max), which an update stores.
        if let Some(max) = defs
            .values_mut()
            .find_map(|d| d.pointer_mut("/properties/accessTokenMaxTTL"))
        {
            max["minimum"] = 0.into();
            max["description"] =
                "Maximum access-token lifetime in seconds; 0 for none (set by an update).".into();
        }
        // It may list usernames as a YAML list, and trusted IPs as plain addresses.
        if let Some(names) = defs.get_mut("AllowedUsernames") {
            let text = names.take();
            *names = serde_json::json!({
                "anyOf": [text, {"type": "array", "items": {"type": "string", "pattern": "^[a-zA-Z0-9._@-]+$"}}]
            });
        }
        if let Some(ip) = defs.get_mut("TrustedIp") {
            let entry = ip.take();
            *ip = serde_json::json!({
                "anyOf": [{"type": "string", "description": "An IPv4 or IPv6 address or CIDR range."}, entry]
            });
        }
        serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "infisical-oci-auth desired state",
            "description": "OCI Auth per machine identity: a configuration in the wire field names (absent fields take attach's defaults), or \"absent\" to revoke it.",
            "type": "object",
            "required": ["identities"],
            "additionalProperties": false,
            "properties": {
                "identities": {
                    "type": "object",
                    "propertyNames": {
                        "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
                    },
                    "additionalProperties": {
                        "oneOf": [config, {"const": "absent"}]
                    }
                }
            },
            "$defs": defs
        })
    }
}
