//! What happens to every request, in files by job:
//!
//! | file | job |
//! |---|---|
//! | `state` | [`Shared`], the state every generated call sees (progenitor's inner type) |
//! | `context` | the per-attempt context: the bearer the loop resolved, in; the hooks' verdict on the answer, out |
//! | `hooks` | progenitor's hooks: wire work only (the attempt's bearer header, no `api-version`, the answer cap, verdicts on answers progenitor's error would lose) |
//! | `verdict` | what the hooks find in answers progenitor's error would misreport |
//! | `cap` | reading an answer's body within the size limit |
//! | `deadline` | the operation's deadline, its target URL and its tracing span |
//! | `attempt` | the one attempt loop: bearer, send, classify, re-login or retry |
//! | `classify` | the only mapping from progenitor's outcome to [`crate::Error`] |
//! | `scrub` | the client's tokens taken out of whatever the server wrote |

mod attempt;
mod cap;
mod classify;
mod context;
mod deadline;
mod hooks;
mod scrub;
pub(crate) mod state;
mod verdict;

pub(crate) use attempt::{bearer, call};
#[cfg(feature = "fuzzing")]
pub(crate) use classify::decode_answer;
pub(crate) use deadline::{Deadline, Target, operation_span};
pub(crate) use state::{Mode, Shared};
