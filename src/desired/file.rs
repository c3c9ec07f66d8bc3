//! A file of many identities' desired OCI Auth (feature `cli`), planned and applied with
//! bounded concurrency.
//!
//! The format is YAML, for people who review it: one mapping `identities`, keyed by identity
//! id, each value either an OCI Auth configuration in the wire field names (those not given
//! take attach's defaults) or `absent` (revoke it):
//!
//! ```yaml
//! identities:
//!   6511e966-169d-4653-a191-c559fe230086:
//!     tenancyOcid: ocid1.tenancy.oc1..aaaa
//!     allowedUsernames: alice, bob
//!     accessTokenTTL: 1800
//!     accessTokenMaxTTL: 3600
//!   0b3c0d6e-66a4-4d5a-9f0e-4d2cbbd2d1a7: absent
//! ```
//!
//! The whole file is validated before any request: a broken entry is an error naming the
//! file, the entry and the field, and nothing is sent.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::{Applied, DesiredState, Plan};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::{AttachOciAuth, IdentityId};

/// A validated file of desired states, in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredFile {
    name: String,
    entries: Vec<(IdentityId, DesiredState)>,
}

/// The result for one identity of [`Client::plan_file`] or [`Client::apply_file`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EntryOutcome {
    /// The identity.
    pub identity: IdentityId,
    /// The plan and configuration (for a plan, the current one; nothing was written), or
    /// what went wrong for this identity alone.
    pub result: Result<Applied>,
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
    /// [`Error::Config`] when it cannot be read or is not YAML of this format (with the
    /// line); [`Error::Validation`] naming `identities.<id>.<field>`, with the file and the
    /// entry's line, when a value breaks a server rule.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            reason: format!("cannot read {}: {e}", path.display()),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Validates `text`, a file called `name` in errors.
    ///
    /// ```
    /// use infisical_oci_auth::desired::DesiredFile;
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
    /// # Ok::<(), infisical_oci_auth::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub fn parse(text: &str, name: &str) -> Result<Self> {
        let doc: serde_norway::Value = serde_norway::from_str(text).map_err(|e| Error::Config {
            reason: match e.location() {
                Some(at) => format!("{name}, line {}: {e}", at.line()),
                None => format!("{name}: {e}"),
            },
        })?;
        let identities = identities_of(doc).map_err(|reason| Error::Config {
            reason: format!("{name}: {reason}"),
        })?;
        let mut seen: HashMap<IdentityId, String> = HashMap::new();
        let mut entries = Vec::with_capacity(identities.len());
        for (key, value) in identities {
            let key = scalar(&key);
            let at = |field: &str, reason: String| Error::Validation {
                field: if field.is_empty() {
                    format!("identities.{key}")
                } else {
                    format!("identities.{key}.{field}")
                },
                reason: format!("{reason} (in {name}{})", line_of(text, &key)),
            };
            let identity = IdentityId::new(&key).map_err(|e| {
                at(
                    "",
                    format!("the key must be an identity id: {}", e.reason()),
                )
            })?;
            if let Some(first) = seen.insert(identity, key.clone()) {
                return Err(at(
                    "",
                    format!("the identity is listed twice (also as {first})"),
                ));
            }
            let state = desired_state(value).map_err(|(field, reason)| at(&field, reason))?;
            entries.push((identity, state));
        }
        Ok(DesiredFile {
            name: name.to_owned(),
            entries,
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

    /// The JSON Schema of the format (feature `schemars` too), for editors; the repository
    /// keeps it as `schema/desired-state.schema.json`.
    #[cfg(feature = "schemars")]
    pub fn json_schema() -> Value {
        let mut generator = schemars::SchemaGenerator::default();
        let config = generator.subschema_for::<AttachOciAuth>();
        let defs: serde_json::Map<String, Value> =
            generator.take_definitions(true).into_iter().collect();
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

/// The `identities` mapping of a file's document, or what is wrong with its shape.
fn identities_of(doc: serde_norway::Value) -> std::result::Result<serde_norway::Mapping, String> {
    let serde_norway::Value::Mapping(top) = doc else {
        return Err("expected a mapping with one key, `identities`".into());
    };
    let mut identities = None;
    for (key, value) in top {
        match key.as_str() {
            Some("identities") => identities = Some(value),
            _ => {
                return Err(format!(
                    "unknown top-level key {}; the only one is `identities`",
                    scalar(&key)
                ));
            }
        }
    }
    match identities {
        Some(serde_norway::Value::Mapping(m)) => Ok(m),
        Some(serde_norway::Value::Null) => Ok(serde_norway::Mapping::new()),
        Some(_) => Err("`identities` must be a mapping of identity id to configuration".into()),
        None => Err("missing `identities`".into()),
    }
}

/// One entry's value: a configuration in the wire field names, or `absent`. An error names
/// the field (empty for the entry itself) and what is wrong.
fn desired_state(
    value: serde_norway::Value,
) -> std::result::Result<DesiredState, (String, String)> {
    let whole = |reason: String| (String::new(), reason);
    match value {
        serde_norway::Value::String(s) if s == "absent" => Ok(DesiredState::Absent),
        serde_norway::Value::Mapping(_) => {
            let json = serde_json::to_value(&value).map_err(|e| whole(e.to_string()))?;
            let wire: crate::model::RequestWire =
                serde_json::from_value(json).map_err(|e| whole(e.to_string()))?;
            AttachOciAuth::try_from(wire)
                .map(DesiredState::Present)
                .map_err(|e| (e.field().to_owned(), e.reason().to_owned()))
        }
        other => Err(whole(format!(
            "expected an OCI Auth mapping or `absent`, got {}",
            scalar(&other)
        ))),
    }
}

/// A YAML scalar as text (keys and values in messages).
fn scalar(v: &serde_norway::Value) -> String {
    match v {
        serde_norway::Value::String(s) => s.clone(),
        other => serde_norway::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_else(|_| "a value".into()),
    }
}

/// `, line N` for the line where the entry `key` starts, when it can be found.
fn line_of(text: &str, key: &str) -> String {
    text.lines()
        .position(|line| {
            let line = line.trim_start().trim_start_matches(['"', '\'']);
            line.starts_with(key)
        })
        .map(|i| format!(", line {}", i + 1))
        .unwrap_or_default()
}

impl Client {
    /// Plans every entry of `file` (one GET each, at most `concurrency` at a time; nothing
    /// is written), calling `progress` as each finishes. The outcomes come back in the
    /// file's order; one identity's failure is its own outcome and does not stop the rest.
    pub async fn plan_file(
        &self,
        file: &DesiredFile,
        concurrency: usize,
        progress: impl FnMut(&EntryOutcome),
    ) -> Vec<EntryOutcome> {
        self.run_file(file, concurrency, false, progress).await
    }

    /// Applies every entry of `file` (a GET each, then a write where needed, at most
    /// `concurrency` identities at a time), calling `progress` as each finishes. As
    /// [`plan_file`](Self::plan_file) for order and failures. Not atomic: each identity is
    /// read, then written.
    pub async fn apply_file(
        &self,
        file: &DesiredFile,
        concurrency: usize,
        progress: impl FnMut(&EntryOutcome),
    ) -> Vec<EntryOutcome> {
        self.run_file(file, concurrency, true, progress).await
    }

    async fn run_file(
        &self,
        file: &DesiredFile,
        concurrency: usize,
        apply: bool,
        mut progress: impl FnMut(&EntryOutcome),
    ) -> Vec<EntryOutcome> {
        let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        let mut index_of = HashMap::new();
        for (index, (identity, state)) in file.entries.iter().cloned().enumerate() {
            let client = self.clone();
            let permits = permits.clone();
            let task = tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let result = client.converge(&identity, &state, apply).await;
                EntryOutcome { identity, result }
            });
            index_of.insert(task.id(), (index, identity));
        }
        let mut outcomes: Vec<Option<EntryOutcome>> = vec![None; file.entries.len()];
        while let Some(joined) = tasks.join_next_with_id().await {
            let (id, outcome) = match joined {
                Ok((id, outcome)) => (id, outcome),
                Err(e) => {
                    let Some(&(_, identity)) = index_of.get(&e.id()) else {
                        continue;
                    };
                    let outcome = EntryOutcome {
                        identity,
                        result: Err(Error::Config {
                            reason: format!("the task for identity {identity} failed: {e}"),
                        }),
                    };
                    (e.id(), outcome)
                }
            };
            progress(&outcome);
            if let Some(&(index, _)) = index_of.get(&id) {
                outcomes[index] = Some(outcome);
            }
        }
        outcomes.into_iter().flatten().collect()
    }
}

impl EntryOutcome {
    /// The outcome as JSON: `{identity, action, changes, error}`.
    pub fn to_json(&self) -> Value {
        match &self.result {
            Ok(applied) => serde_json::json!({
                "identity": self.identity,
                "action": applied.plan.action(),
                "changes": applied.plan.changes(),
                "error": null
            }),
            Err(e) => serde_json::json!({
                "identity": self.identity,
                "action": null,
                "changes": [],
                "error": e.to_string()
            }),
        }
    }
}
