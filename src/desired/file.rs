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
use crate::model::IdentityId;

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
    /// [`Error::File`] when it cannot be read, is not YAML of this format, or a value
    /// breaks a server rule: every mistake (up to 20) with its line and field path
    /// (`identities.<id>.<field>`).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            let cannot = crate::error::Mistake::new(None, "", format!("cannot read it: {e}"));
            Error::File(crate::error::FileError::new(&name, vec![cannot], 0))
        })?;
        Self::parse(&text, &name)
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
        Ok(DesiredFile {
            name: name.to_owned(),
            entries: super::parse::entries(text, name)?,
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
        let config = generator.subschema_for::<crate::model::AttachOciAuth>();
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
