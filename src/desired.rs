//! Desired state: compare an identity's OCI Auth with the configuration it should have,
//! and converge it — for configurations kept in reviewed files and applied by CI.
//!
//! The desired configuration is an [`AttachOciAuth`]: every field, attach's defaults for
//! those not given. [`Client::plan_oci_auth`] reads the current one and compares the two as
//! the server stores them; [`Client::apply_oci_auth`] then sends nothing, one attach, or
//! one update carrying every field (so nothing is cleared or kept by omission). Revoking
//! is explicit: [`Client::revoke_oci_auth`], or [`DesiredState::Absent`] (`absent` in a
//! file of the `infisical-oci-auth` command).
//!
//! Plan and apply are separate requests, not a transaction: a change someone makes between
//! the read and the write is overwritten by the write.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let fake = infisical_oci_auth_fake::FakeInfisical::start().await?;
//! # let client = fake.client_builder().build()?;
//! # let identity = fake.create_identity();
//! use infisical_oci_auth::{AttachOciAuth, desired::Plan};
//!
//! let desired = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
//!     .allowed_usernames("alice, bob")
//!     .access_token_ttl(1800)
//!     .build()?;
//! let plan = client.plan_oci_auth(&identity, &desired).await?;
//! println!("{plan}"); // + attach OCI Auth, then each field
//! let applied = client.apply_oci_auth(&identity, &desired).await?;
//! assert!(matches!(applied.plan, Plan::Attach(_)));
//! // Converged: a second run changes nothing and sends no write.
//! assert_eq!(client.plan_oci_auth(&identity, &desired).await?, Plan::Unchanged);
//! # Ok(()) }
//! ```

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::{
    AccessTokenTtl, AttachOciAuth, IdentityId, IdentityOciAuth, TrustedIp, UpdateOciAuth,
    check_ttl_against_stored,
};

/// What [`Client::converge`] does after reading: only plan, or carry the plan out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Converge {
    /// Compare and report; write nothing.
    Plan,
    /// Compare, then send the write the plan names.
    Apply,
}

/// What one identity should have: OCI Auth with a configuration, or none.
///
/// ```
/// use infisical_oci_auth::{AttachOciAuth, desired::DesiredState};
///
/// let present = DesiredState::Present(AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa").build()?.into());
/// let absent = DesiredState::Absent;
/// assert_ne!(present, absent);
/// # Ok::<(), infisical_oci_auth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DesiredState {
    /// OCI Auth attached with this configuration (every field; attach's defaults for those
    /// not given).
    Present(DesiredOciAuth),
    /// No OCI Auth: revoke it if attached.
    Absent,
}

/// The configuration an identity's OCI Auth should have: an [`AttachOciAuth`] (every field,
/// attach's defaults for those not given), or one with no max TTL
/// (`accessTokenMaxTTL: 0`), which the server stores only through an update.
///
/// ```
/// use infisical_oci_auth::{AttachOciAuth, desired::DesiredOciAuth};
///
/// let attach = AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa").access_token_ttl(600).build()?;
/// let unlimited = DesiredOciAuth::from(attach).without_max_ttl();
/// assert_eq!(unlimited.access_token_max_ttl(), 0);
/// # Ok::<(), infisical_oci_auth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredOciAuth {
    attach: AttachOciAuth,
    no_max_ttl: bool,
}

impl From<AttachOciAuth> for DesiredOciAuth {
    fn from(attach: AttachOciAuth) -> Self {
        DesiredOciAuth {
            attach,
            no_max_ttl: false,
        }
    }
}

impl DesiredOciAuth {
    /// The same configuration with no max TTL (`accessTokenMaxTTL: 0`). Applying it to an
    /// identity without OCI Auth attaches with the largest max TTL, then updates it to 0:
    /// two writes, as attach refuses 0.
    #[must_use]
    pub fn without_max_ttl(mut self) -> Self {
        self.no_max_ttl = true;
        self
    }

    /// The configuration as attach sends it.
    pub fn attach(&self) -> &AttachOciAuth {
        &self.attach
    }

    /// The max TTL the server should hold, in seconds; 0 for none.
    pub fn access_token_max_ttl(&self) -> u32 {
        if self.no_max_ttl {
            0
        } else {
            self.attach.access_token_max_ttl().get()
        }
    }

    /// The update that makes a configuration equal to this one: every field given.
    fn update(&self) -> UpdateOciAuth {
        let update = UpdateOciAuth::to_match(&self.attach);
        if self.no_max_ttl {
            update.with_max_ttl(AccessTokenTtl::MIN)
        } else {
            update
        }
    }
}

/// What applying a desired state would do to one identity.
///
/// Serialized as `{"action": <action()>, "changes": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Plan {
    /// The identity has no OCI Auth: attach it, with these values (`current` is `None`).
    Attach(Vec<Change>),
    /// The configuration differs in these fields: one update with the whole desired state.
    Update(Vec<Change>),
    /// The configuration is as desired: nothing is sent.
    Unchanged,
    /// A file says `absent` and the identity has OCI Auth: revoke it (`desired` is `None`).
    Revoke(Vec<Change>),
}

impl Plan {
    /// Whether applying it sends a write.
    pub fn changes_anything(&self) -> bool {
        !matches!(self, Plan::Unchanged)
    }

    /// The field changes (empty for [`Plan::Unchanged`]).
    pub fn changes(&self) -> &[Change] {
        match self {
            Plan::Attach(c) | Plan::Update(c) | Plan::Revoke(c) => c,
            Plan::Unchanged => &[],
        }
    }

    /// `attach`, `update`, `unchanged` or `revoke`: the one spelling of each kind, used by
    /// `Display`, `Serialize` and the command's output.
    pub fn action(&self) -> &'static str {
        match self {
            Plan::Attach(_) => "attach",
            Plan::Update(_) => "update",
            Plan::Unchanged => "unchanged",
            Plan::Revoke(_) => "revoke",
        }
    }
}

impl Serialize for Plan {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut plan = serializer.serialize_struct("Plan", 2)?;
        plan.serialize_field("action", self.action())?;
        plan.serialize_field("changes", self.changes())?;
        plan.end()
    }
}

/// One field's change, named by its wire name (`accessTokenTTL`), with the values in the
/// server's stored form (`allowedUsernames` as `"alice, bob"` or `null`, IPs as `a.b.c.d/n`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Change {
    /// The wire name of the field.
    pub field: &'static str,
    /// The value now; `None` when the identity has no OCI Auth.
    pub current: Option<Value>,
    /// The value wanted; `None` when OCI Auth is to be revoked.
    pub desired: Option<Value>,
}

/// What [`Client::apply_oci_auth`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// The plan it carried out.
    pub plan: Plan,
    /// The configuration as the server answered it: after the write, or as read when
    /// unchanged; after a revoke, the configuration that was removed; `None` when a file's
    /// `absent` identity had none.
    pub config: Option<IdentityOciAuth>,
}

/// The fields the plan compares, in the server's stored form, in wire order.
fn fields_of_desired(desired: &DesiredOciAuth) -> [(&'static str, Value); 6] {
    let max_ttl = desired.access_token_max_ttl();
    let desired = desired.attach();
    [
        ("tenancyOcid", json!(desired.tenancy_ocid().as_str())),
        (
            "allowedUsernames",
            json!(desired.allowed_usernames().map(|u| u.as_str())),
        ),
        (
            "accessTokenTrustedIps",
            ips_value(desired.access_token_trusted_ips().iter().copied()),
        ),
        ("accessTokenTTL", json!(desired.access_token_ttl().get())),
        ("accessTokenMaxTTL", json!(max_ttl)),
        (
            "accessTokenNumUsesLimit",
            json!(desired.access_token_num_uses_limit().get()),
        ),
    ]
}

fn fields_of_current(current: &IdentityOciAuth) -> [(&'static str, Value); 6] {
    // An entry the model would not accept (a server with older rules) stays as text, so
    // that it shows as a change rather than vanishing.
    let ips: Vec<Value> = current
        .access_token_trusted_ips
        .iter()
        .map(|e| {
            let text = e.to_request_form();
            TrustedIp::new(&text).map_or(json!(text), |ip| json!(ip.net().to_string()))
        })
        .collect();
    [
        ("tenancyOcid", json!(current.tenancy_ocid)),
        (
            "allowedUsernames",
            match current.allowed_usernames_list() {
                Ok(list) => json!(list.map(|u| u.as_str().to_owned())),
                Err(_) => json!(current.allowed_usernames),
            },
        ),
        ("accessTokenTrustedIps", sorted(ips)),
        ("accessTokenTTL", json!(current.access_token_ttl)),
        ("accessTokenMaxTTL", json!(current.access_token_max_ttl)),
        (
            "accessTokenNumUsesLimit",
            json!(current.access_token_num_uses_limit),
        ),
    ]
}

/// IPs as networks (`203.0.113.7` and `203.0.113.7/32` are one), sorted: the order of the
/// list does not change which addresses may use a token.
fn ips_value(ips: impl Iterator<Item = TrustedIp>) -> Value {
    sorted(ips.map(|ip| json!(ip.net().to_string())).collect())
}

fn sorted(mut values: Vec<Value>) -> Value {
    values.sort_by_key(Value::to_string);
    values.dedup();
    Value::Array(values)
}

/// The write that carries a plan out, made with the plan in one place: what apply sends is
/// exactly what was planned.
enum Write<'a> {
    /// Nothing to send.
    Nothing,
    /// Attach this configuration (and then, for no max TTL, update it).
    Attach(&'a DesiredOciAuth),
    /// Send this update.
    Update(UpdateOciAuth),
    /// Revoke OCI Auth.
    Revoke,
}

/// The plan and its write; `Err` with the plan when the update it needs would be refused
/// by the server's check against the stored TTL.
fn planned<'a>(
    current: Option<&IdentityOciAuth>,
    desired: &'a DesiredState,
) -> std::result::Result<(Plan, Write<'a>), (Plan, Error)> {
    Ok(match (current, desired) {
        (None, DesiredState::Absent) => (Plan::Unchanged, Write::Nothing),
        (Some(current), DesiredState::Absent) => {
            let changes = fields_of_current(current)
                .into_iter()
                .map(|(field, value)| Change {
                    field,
                    current: Some(value),
                    desired: None,
                })
                .collect();
            (Plan::Revoke(changes), Write::Revoke)
        }
        (None, DesiredState::Present(desired)) => {
            let changes = fields_of_desired(desired)
                .into_iter()
                .map(|(field, value)| Change {
                    field,
                    current: None,
                    desired: Some(value),
                })
                .collect();
            (Plan::Attach(changes), Write::Attach(desired))
        }
        (Some(current), DesiredState::Present(desired)) => {
            let changes: Vec<Change> = fields_of_current(current)
                .into_iter()
                .zip(fields_of_desired(desired))
                .filter(|((_, now), (_, want))| now != want)
                .map(|((field, now), (_, want))| Change {
                    field,
                    current: Some(now),
                    desired: Some(want),
                })
                .collect();
            if changes.is_empty() {
                (Plan::Unchanged, Write::Nothing)
            } else {
                let plan = Plan::Update(changes);
                match update_for(current, desired) {
                    Ok(update) => (plan, Write::Update(update)),
                    Err(e) => return Err((plan, e)),
                }
            }
        }
    })
}

/// The update for a plan, checked against what the server will compare it with: update
/// treats a TTL of 0 as "not given" and checks the stored TTL against the new max TTL.
fn update_for(current: &IdentityOciAuth, desired: &DesiredOciAuth) -> Result<UpdateOciAuth> {
    let update = desired.update();
    check_ttl_against_stored(
        update.access_token_ttl(),
        update.access_token_max_ttl(),
        current.access_token_ttl,
        current.access_token_max_ttl,
    )
    .map_err(|e| {
        let reason = format!(
            "{} (an update reads a TTL or max TTL of 0 as \"keep the stored one\", {} s and {} s): \
             set a TTL",
            e.reason(),
            current.access_token_ttl,
            current.access_token_max_ttl
        );
        Error::Validation(e.with_reason(reason))
    })?;
    Ok(update)
}

impl Client {
    /// Compares the OCI Auth of `identity` with `desired` (one GET; nothing is written).
    ///
    /// Values are compared as the server stores them: usernames normalised (`" alice,bob"`
    /// is `"alice, bob"`), trusted IPs as networks in any order, numbers as numbers.
    ///
    /// # Errors
    /// As [`get_oci_auth`](Self::get_oci_auth), except that a 400 "does not have OCI Auth"
    /// is [`Plan::Attach`]. [`Error::Validation`] when the update would be refused by the
    /// server's check against the stored TTL (a desired TTL of 0 with a max TTL below the
    /// stored TTL).
    pub async fn plan_oci_auth(
        &self,
        identity: &IdentityId,
        desired: &AttachOciAuth,
    ) -> Result<Plan> {
        self.plan_desired(identity, &DesiredState::Present(desired.clone().into()))
            .await
    }

    /// Makes the OCI Auth of `identity` equal to `desired`: reads it, then sends nothing,
    /// one attach, or one update with every field.
    ///
    /// # Errors
    /// As [`plan_oci_auth`](Self::plan_oci_auth), then as the write's operation.
    pub async fn apply_oci_auth(
        &self,
        identity: &IdentityId,
        desired: &AttachOciAuth,
    ) -> Result<Applied> {
        self.apply_desired(identity, &DesiredState::Present(desired.clone().into()))
            .await
    }

    /// [`plan_oci_auth`](Self::plan_oci_auth) for any [`DesiredState`]: with
    /// [`DesiredState::Absent`], [`Plan::Revoke`] when OCI Auth is attached.
    ///
    /// # Errors
    /// As [`plan_oci_auth`](Self::plan_oci_auth).
    pub async fn plan_desired(
        &self,
        identity: &IdentityId,
        desired: &DesiredState,
    ) -> Result<Plan> {
        Ok(self.converge(identity, desired, Converge::Plan).await?.plan)
    }

    /// [`apply_oci_auth`](Self::apply_oci_auth) for any [`DesiredState`]: with
    /// [`DesiredState::Absent`], one revoke when OCI Auth is attached.
    ///
    /// # Errors
    /// As [`apply_oci_auth`](Self::apply_oci_auth), or as
    /// [`revoke_oci_auth`](Self::revoke_oci_auth).
    pub async fn apply_desired(
        &self,
        identity: &IdentityId,
        desired: &DesiredState,
    ) -> Result<Applied> {
        self.converge(identity, desired, Converge::Apply).await
    }

    /// The one converge behind plan and apply: reads the configuration and plans; with
    /// [`Converge::Apply`], carries the plan out. With [`Converge::Plan`], the `config` of
    /// the result is the current one and nothing is written.
    ///
    /// ```no_run
    /// use infisical_oci_auth::desired::{Converge, DesiredState};
    ///
    /// # async fn run(client: infisical_oci_auth::Client, identity: infisical_oci_auth::IdentityId) -> Result<(), infisical_oci_auth::Error> {
    /// let planned = client.converge(&identity, &DesiredState::Absent, Converge::Plan).await?;
    /// println!("{}: {}", planned.plan.action(), planned.plan);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`plan_desired`](Self::plan_desired), and with [`Converge::Apply`] as
    /// [`apply_desired`](Self::apply_desired).
    pub async fn converge(
        &self,
        identity: &IdentityId,
        desired: &DesiredState,
        mode: Converge,
    ) -> Result<Applied> {
        let current = self.find_oci_auth(identity).await?;
        let (plan, write) = planned(current.as_ref(), desired).map_err(|(_, e)| e)?;
        if mode == Converge::Plan {
            return Ok(Applied {
                plan,
                config: current,
            });
        }
        let config = match write {
            Write::Nothing => current,
            Write::Attach(desired) => {
                let attached = self.attach_oci_auth(identity, desired.attach()).await?;
                if desired.no_max_ttl {
                    Some(self.update_oci_auth(identity, &desired.update()).await?)
                } else {
                    Some(attached)
                }
            }
            Write::Update(update) => Some(self.update_oci_auth(identity, &update).await?),
            Write::Revoke => Some(self.revoke_oci_auth(identity).await?),
        };
        Ok(Applied { plan, config })
    }
}

fn show(value: &Option<Value>) -> String {
    match value {
        None => "(none)".into(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(v) => v.to_string(),
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.current, &self.desired) {
            (None, desired) => write!(f, "+ {}: {}", self.field, show(desired)),
            (current, None) => write!(f, "- {}: {}", self.field, show(current)),
            (current, desired) => {
                write!(f, "~ {}: {} → {}", self.field, show(current), show(desired))
            }
        }
    }
}

/// Reads like a Terraform plan: `+ attach OCI Auth`, `~ update OCI Auth`, `- revoke OCI
/// Auth` or `no changes`, then one line per field.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self {
            Plan::Attach(_) => '+',
            Plan::Update(_) => '~',
            Plan::Revoke(_) => '-',
            Plan::Unchanged => return f.write_str("no changes"),
        };
        write!(f, "{sign} {} OCI Auth", self.action())?;
        for change in self.changes() {
            write!(f, "\n    {change}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired() -> AttachOciAuth {
        AttachOciAuth::builder("ocid1.tenancy.oc1..aaaa")
            .allowed_usernames("alice,bob")
            .access_token_trusted_ips(["10.0.0.0/8", "203.0.113.7"])
            .access_token_ttl(1800)
            .access_token_max_ttl(3600)
            .build()
            .unwrap()
    }

    #[test]
    fn display_reads_like_a_terraform_plan() {
        let plan = Plan::Update(vec![Change {
            field: "accessTokenTTL",
            current: Some(json!(3600)),
            desired: Some(json!(1800)),
        }]);
        assert_eq!(
            plan.to_string(),
            "~ update OCI Auth\n    ~ accessTokenTTL: 3600 → 1800"
        );
        assert_eq!(Plan::Unchanged.to_string(), "no changes");
        let present = DesiredState::Present(desired().into());
        let attach = super::planned(None, &present)
            .ok()
            .map(|(plan, _)| plan)
            .unwrap()
            .to_string();
        assert!(
            attach.starts_with("+ attach OCI Auth\n    + tenancyOcid: \"ocid1.tenancy.oc1..aaaa\""),
            "{attach}"
        );
        assert!(
            attach.contains("+ allowedUsernames: \"alice, bob\""),
            "{attach}"
        );
    }
}
