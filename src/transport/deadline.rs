//! An operation's deadline, where it goes (for error messages) and its tracing span.

use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Cause, Error, TransportError};
use crate::model::IdentityId;
use crate::operations::Operation;
use crate::retry::RetryPolicy;

/// Where a call goes, for error messages: built only when an error needs it.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) identity: Option<&'a IdentityId>,
}

impl Target<'_> {
    pub(super) fn url(&self, op: &Operation) -> String {
        let identity = self.identity.map(ToString::to_string);
        op.url(self.base_url, identity.as_deref())
    }
}

/// When an operation started and when its deadline passes: one reading of the clock per
/// call on the happy path.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    /// When the call started.
    pub(crate) started: Instant,
    /// When it must end.
    pub(crate) at: Instant,
}

impl Deadline {
    /// A deadline `limit` from now.
    pub(crate) fn after(limit: Duration) -> Self {
        let started = Instant::now();
        Self {
            started,
            at: started + limit,
        }
    }
}

/// The error for a call whose deadline passed `during` something.
pub(crate) fn deadline_error(
    op: &'static Operation,
    retry: &RetryPolicy,
    target: Target<'_>,
    during: &'static str,
) -> Error {
    let cause = Cause::Deadline {
        limit: retry.elapsed_limit(),
        during,
    };
    Error::Transport(TransportError::new(
        op,
        op.method.clone(),
        target.url(op),
        cause,
        None,
    ))
}

/// The span of one operation on `identity`: the fields the attempt loop fills in as it goes.
pub(crate) fn operation_span(op: &Operation, identity: &IdentityId) -> tracing::Span {
    tracing::info_span!(
        "infisical_oci_auth",
        operation = op.id,
        identity_id = %identity,
        status = tracing::field::Empty,
        attempts = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    )
}
