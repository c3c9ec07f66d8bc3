//! Planning and applying a whole file, a bounded number of identities at a time.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use infisical_oci_auth::desired::Converge;
use infisical_oci_auth::{Client, Error};

use crate::file::{DesiredFile, EntryOutcome};

/// Plans every entry of `file` (one GET each, at most `concurrency` at a time; nothing is
/// written), calling `progress` as each finishes. The outcomes come back in the file's
/// order; one identity's failure is its own outcome and does not stop the rest, except a
/// refused credential (401, or 403 `TokenError`): then no identity is started after it,
/// and those not started have no outcome.
pub async fn plan_file(
    client: &Client,
    file: &DesiredFile,
    concurrency: usize,
    progress: impl FnMut(&EntryOutcome),
) -> Vec<EntryOutcome> {
    run_file(client, file, concurrency, Converge::Plan, progress).await
}

/// Applies every entry of `file` (a GET each, then a write where needed, at most
/// `concurrency` identities at a time), calling `progress` as each finishes. As
/// [`plan_file`] for order and failures. Not atomic: each identity is read, then written.
pub async fn apply_file(
    client: &Client,
    file: &DesiredFile,
    concurrency: usize,
    progress: impl FnMut(&EntryOutcome),
) -> Vec<EntryOutcome> {
    run_file(client, file, concurrency, Converge::Apply, progress).await
}

async fn run_file(
    client: &Client,
    file: &DesiredFile,
    concurrency: usize,
    mode: Converge,
    mut progress: impl FnMut(&EntryOutcome),
) -> Vec<EntryOutcome> {
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let refused = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    let mut index_of = HashMap::new();
    for (index, (identity, state)) in file.entries().iter().cloned().enumerate() {
        let (client, permits, refused) = (client.clone(), permits.clone(), refused.clone());
        let task = tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            // Another identity's credential was refused: this one's would be too.
            if refused.load(Ordering::SeqCst) {
                return None;
            }
            let result = client.converge(&identity, &state, mode).await;
            if result.as_ref().is_err_and(Error::is_token_refused) {
                refused.store(true, Ordering::SeqCst);
            }
            Some(EntryOutcome { identity, result })
        });
        index_of.insert(task.id(), (index, identity));
    }
    let mut outcomes: Vec<Option<EntryOutcome>> = vec![None; file.entries().len()];
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, outcome) = match joined {
            Ok((_, None)) => continue,
            Ok((id, Some(outcome))) => (id, outcome),
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
