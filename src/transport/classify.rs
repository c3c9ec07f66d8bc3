//! The one place where a failed attempt becomes an [`Error`]: progenitor's error, or the
//! [`Verdict`] the hooks left in the attempt's context. The client's tokens are scrubbed from
//! whatever the server wrote before it reaches an error.

use http::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::deadline::Target;
use super::scrub::Scrubber;
use super::state::Shared;
use super::verdict::Verdict;
use crate::error::{ApiError, ApiIssue, Cause, DecodeError, Error, TransportError};
use crate::generated::types;
use crate::operations::{self, Operation};
use crate::retry::Failure;

/// Why an error answer's body could not be read as Infisical's JSON error.
const NOT_INFISICAL_JSON: &str = "the error body is not Infisical's JSON error";
/// How much of a body an error quotes.
const SNIPPET_CHARS: usize = 200;

/// A failed attempt: the error it ends in, and what the retry policy needs to know.
pub(super) struct FailedAttempt {
    pub(super) error: Error,
    pub(super) status: Option<StatusCode>,
    pub(super) failure: Failure,
    pub(super) retry_after: Option<String>,
}

impl FailedAttempt {
    /// An answer with `status` that ends in `error`.
    fn answered(error: Error, status: StatusCode, headers: &HeaderMap) -> Self {
        FailedAttempt {
            error,
            status: Some(status),
            failure: Failure::Status(status),
            retry_after: headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }

    /// No usable answer, for `cause`.
    fn transport(
        op: &'static Operation,
        target: Target<'_>,
        cause: Cause,
        status: Option<StatusCode>,
    ) -> Self {
        FailedAttempt {
            error: Error::Transport(TransportError::new(
                op,
                op.method.clone(),
                target.url(op),
                cause,
                None,
            )),
            status,
            failure: Failure::Other,
            retry_after: None,
        }
    }

    /// reqwest failed: no answer, or one whose body could not be read.
    fn reqwest(
        op: &'static Operation,
        shared: &Shared,
        target: Target<'_>,
        source: reqwest::Error,
    ) -> Self {
        let status = source.status();
        let error = reqwest_error(op, shared, target, source);
        let failure = match &error {
            Error::Transport(e) => e.failure(),
            _ => Failure::Other,
        };
        FailedAttempt {
            status,
            error,
            failure,
            retry_after: None,
        }
    }
}

/// Classifies progenitor's error for one attempt.
pub(super) async fn classify(
    op: &'static Operation,
    shared: &Shared,
    target: Target<'_>,
    error: progenitor_client::Error<types::ErrorBody>,
) -> FailedAttempt {
    use progenitor_client::Error as P;
    match error {
        P::ErrorResponse(value) => {
            let status = value.status();
            let headers = value.headers().clone();
            let scrubber = Scrubber::of(&shared.auth);
            let error = api_error(op, status, value.into_inner(), &scrubber);
            FailedAttempt::answered(error, status, &headers)
        }
        P::UnexpectedResponse(response) => {
            let (status, headers) = (response.status(), response.headers().clone());
            let error = unexpected_answer(op, shared, target, response).await;
            FailedAttempt::answered(error, status, &headers)
        }
        P::CommunicationError(source)
        | P::ResponseBodyError(source)
        | P::InvalidUpgrade(source) => FailedAttempt::reqwest(op, shared, target, source),
        // The hooks mark every error answer that is not Infisical's JSON error, so a body
        // that does not decode here came with the success status.
        P::InvalidResponsePayload(body, e) => {
            let status = StatusCode::OK;
            FailedAttempt {
                error: decode_error(
                    op,
                    shared,
                    Some(status),
                    &body,
                    Reason::Parser(&e.to_string()),
                ),
                status: Some(status),
                failure: Failure::Other,
                retry_after: None,
            }
        }
        P::InvalidRequest(reason) | P::Custom(reason) => FailedAttempt::transport(
            op,
            target,
            Cause::Other(format!("the request could not be built: {reason}")),
            None,
        ),
    }
}

/// What the hooks found in an answer: too large, not Infisical's JSON, a redirect.
pub(super) fn from_verdict(
    op: &'static Operation,
    shared: &Shared,
    target: Target<'_>,
    verdict: Verdict,
    headers: &HeaderMap,
) -> FailedAttempt {
    let status = verdict.status();
    match verdict {
        Verdict::TooLarge { received, .. } => {
            let reason = format!(
                "the answer is larger than the {}-byte limit (at least {received} bytes)",
                shared.max_body
            );
            let error = Error::Decode(DecodeError::new(op, Some(status), reason, String::new()));
            FailedAttempt::answered(error, status, headers)
        }
        Verdict::NotInfisicalJson { body, .. } => {
            let error = decode_error(
                op,
                shared,
                Some(status),
                &body,
                Reason::Own(NOT_INFISICAL_JSON),
            );
            FailedAttempt::answered(error, status, headers)
        }
        Verdict::Redirect { location, .. } => {
            let location = location.map(|l| Scrubber::of(&shared.auth).clean(&l));
            FailedAttempt::transport(
                op,
                target,
                Cause::Redirect { status, location },
                Some(status),
            )
        }
        Verdict::Redirected { url, .. } => {
            let url = Scrubber::of(&shared.auth).clean(&url);
            FailedAttempt::transport(op, target, Cause::Redirected { status, url }, Some(status))
        }
    }
}

fn reqwest_error(
    op: &'static Operation,
    shared: &Shared,
    target: Target<'_>,
    source: reqwest::Error,
) -> Error {
    let url = source
        .url()
        .map_or_else(|| target.url(op), ToString::to_string);
    Error::Transport(TransportError::from_reqwest(
        op,
        op.method.clone(),
        url,
        source,
        shared.request_timeout,
        shared.proxy.clone(),
    ))
}

/// An answer with a status the operation does not define.
async fn unexpected_answer(
    op: &'static Operation,
    shared: &Shared,
    target: Target<'_>,
    response: reqwest::Response,
) -> Error {
    let status = response.status();
    match response.bytes().await {
        Err(source) => reqwest_error(op, shared, target, source),
        Ok(body) => match serde_json::from_slice::<types::ErrorBody>(&body) {
            Ok(parsed) if !status.is_success() => {
                api_error(op, status, parsed, &Scrubber::of(&shared.auth))
            }
            _ if status.is_success() => decode_error(
                op,
                shared,
                Some(status),
                &body,
                Reason::Own("the API defines no such success status"),
            ),
            _ => decode_error(
                op,
                shared,
                Some(status),
                &body,
                Reason::Own(NOT_INFISICAL_JSON),
            ),
        },
    }
}

/// Why an answer could not be decoded: the crate's own words, never scrubbed, or the JSON
/// parser's, which may quote what the server sent.
#[derive(Clone, Copy)]
enum Reason<'a> {
    Own(&'static str),
    Parser(&'a str),
}

fn decode_error(
    op: &'static Operation,
    shared: &Shared,
    status: Option<StatusCode>,
    body: &[u8],
    reason: Reason<'_>,
) -> Error {
    decode_error_with(op, &Scrubber::of(&shared.auth), status, body, reason)
}

fn decode_error_with(
    op: &'static Operation,
    scrubber: &Scrubber,
    status: Option<StatusCode>,
    body: &[u8],
    reason: Reason<'_>,
) -> Error {
    let quotes_token = *op == operations::LOGIN && status.is_some_and(|s| s.is_success());
    let body_snippet = if quotes_token {
        String::new()
    } else {
        // Scrub before cutting, so that no part of a token is left at the cut.
        let start: String = String::from_utf8_lossy(body)
            .chars()
            .take(SNIPPET_CHARS + scrubber.longest())
            .collect();
        scrubber.clean(&start).chars().take(SNIPPET_CHARS).collect()
    };
    let reason = match reason {
        _ if body.is_empty() => "the body is empty".to_owned(),
        Reason::Own(text) => text.to_owned(),
        Reason::Parser(text) => scrubber.clean(text),
    };
    Error::Decode(DecodeError::new(op, status, reason, body_snippet))
}

fn api_error(
    op: &'static Operation,
    status: StatusCode,
    body: types::ErrorBody,
    scrubber: &Scrubber,
) -> Error {
    let clean = |text: &str| scrubber.clean(text);
    let (message, issues) = match body.message {
        None => (String::new(), Vec::new()),
        Some(types::ErrorMessage::String(message)) => (clean(&message), Vec::new()),
        Some(types::ErrorMessage::Array(raw)) => issues_of(raw, scrubber),
    };
    let reason_code = body
        .details
        .as_ref()
        .and_then(|details| details.get("reasonCode"))
        .and_then(serde_json::Value::as_str)
        .map(clean);
    Error::Api(
        ApiError::new(
            op,
            status,
            clean(body.error.as_deref().unwrap_or_default()),
            message,
            body.req_id.as_deref().map(clean),
            issues,
        )
        .with_reason_code(reason_code),
    )
}

/// zod's issues of a 422, and the message they make together (`path: message; …`).
fn issues_of(raw: Vec<types::ValidationIssue>, scrubber: &Scrubber) -> (String, Vec<ApiIssue>) {
    let clean = |text: &str| scrubber.clean(text);
    let issues: Vec<ApiIssue> = raw
        .into_iter()
        .map(|issue| ApiIssue {
            path: clean(
                &issue
                    .path
                    .iter()
                    .map(|p| match p {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("."),
            ),
            message: clean(issue.message.as_deref().unwrap_or_default()),
            code: issue.code.as_deref().map(clean),
        })
        .collect();
    let message = issues
        .iter()
        .map(|i| {
            if i.path.is_empty() {
                i.message.clone()
            } else {
                format!("{}: {}", i.path, i.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    (message, issues)
}

/// Decodes an answer body as a management call does: the configuration for a success, an
/// API error for Infisical's JSON error, a decode error otherwise.
#[cfg(feature = "fuzzing")]
pub(crate) fn decode_answer(
    status: u16,
    body: &[u8],
) -> Result<crate::model::IdentityOciAuth, Error> {
    let op = &operations::GET;
    let scrubber = Scrubber::none();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_success() {
        let answer: types::IdentityOciAuthResponse = serde_json::from_slice(body).map_err(|e| {
            decode_error_with(
                op,
                &scrubber,
                Some(status),
                body,
                Reason::Parser(&e.to_string()),
            )
        })?;
        Ok(answer.identity_oci_auth)
    } else {
        match serde_json::from_slice::<types::ErrorBody>(body) {
            Ok(parsed) => Err(api_error(op, status, parsed, &scrubber)),
            Err(e) => Err(decode_error_with(
                op,
                &scrubber,
                Some(status),
                body,
                Reason::Parser(&e.to_string()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_cut_by_the_snippet_is_still_scrubbed() {
        let token = "tok-0123456789abcdef";
        let scrubber = Scrubber::of_tokens(&[token]);
        let body = format!("{}{token}", "x".repeat(SNIPPET_CHARS - 5));
        let error = decode_error_with(
            &operations::GET,
            &scrubber,
            None,
            body.as_bytes(),
            Reason::Own("r"),
        );
        let Error::Decode(e) = error else { panic!() };
        assert!(!e.body_snippet().contains("tok-"), "{}", e.body_snippet());
        assert_eq!(e.body_snippet().chars().count(), SNIPPET_CHARS);
        assert!(e.body_snippet().ends_with("<reda"), "{}", e.body_snippet());
    }
}
