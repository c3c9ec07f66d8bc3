//! What happens to every request: the progenitor hooks (auth header, no `api-version`),
//! reading the answer within the size cap, and turning progenitor's errors into [`Error`].

use std::cell::Cell;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};

use crate::error::{ApiIssue, Error};
use crate::generated::{self, types};
use crate::retry::{Outcome, RetryPolicy};
use crate::session::OciSession;
use http::Method;
use std::time::Duration;

/// The operation whose answers carry a token: never sent a bearer header, never quoted in
/// errors.
const LOGIN_OPERATION: &str = "login_with_oci_auth";
/// The header progenitor adds to every request; Infisical has no use for it.
static API_VERSION: reqwest::header::HeaderName =
    reqwest::header::HeaderName::from_static("api-version");
/// How much of a body an error quotes.
const SNIPPET_CHARS: usize = 200;

/// The state every generated call can see (progenitor's "inner type").
#[derive(Clone)]
pub(crate) struct Shared {
    /// How management calls authenticate.
    pub(crate) auth: Auth,
    /// The largest answer body read, in bytes.
    pub(crate) max_body: usize,
    /// When to send a request again.
    pub(crate) retry: RetryPolicy,
}

/// How management calls authenticate.
#[derive(Clone)]
pub(crate) enum Auth {
    /// No Authorization header.
    None,
    /// `Bearer <token>`, marked sensitive.
    Static(HeaderValue),
    /// A token from OCI login, renewed before it expires.
    Oci(Arc<OciSession>),
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            Auth::None => "none",
            Auth::Static(_) => "Bearer <redacted>",
            Auth::Oci(_) => "OCI login",
        };
        f.debug_struct("Shared")
            .field("auth", &auth)
            .field("max_body", &self.max_body)
            .field("retry", &self.retry)
            .finish()
    }
}

tokio::task_local! {
    /// What the hooks learn about the call in progress, for the error mapping.
    static CALL: CallContext;
}

/// Kept small: it is swapped in and out of a thread-local at every poll.
#[derive(Default)]
struct CallContext {
    /// The status of the answer, for decode errors that progenitor reports without it.
    status: Cell<Option<StatusCode>>,
    /// An error found by a hook; it wins over what progenitor makes of the answer.
    failure: Cell<Option<Box<Error>>>,
    /// The bearer the pre-hook sent with OCI login, to forget it after a 401.
    used_auth: Cell<Option<Box<HeaderValue>>>,
}

/// Records an error found by a hook for the call in progress.
fn fail(error: Error) {
    let _ = CALL.try_with(|c| c.failure.set(Some(Box::new(error))));
}

impl ClientHooks<Shared> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove(&API_VERSION);
        if info.operation_id == LOGIN_OPERATION {
            return Ok(());
        }
        let auth = match &self.inner().auth {
            Auth::None => return Ok(()),
            Auth::Static(value) => value.clone(),
            Auth::Oci(session) => match session.bearer().await {
                Ok(value) => {
                    let _ = CALL.try_with(|c| c.used_auth.set(Some(Box::new(value.clone()))));
                    value
                }
                Err(error) => {
                    fail(error);
                    return Err(progenitor_client::Error::Custom("OCI login failed".into()));
                }
            },
        };
        request.headers_mut().insert(AUTHORIZATION, auth);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        let status = response.status();
        let _ = CALL.try_with(|c| c.status.set(Some(status)));
        let max = self.inner().max_body;
        match read_capped(response, max).await? {
            Ok(response) => Ok(response),
            Err(received) => {
                fail(Error::Decode {
                    operation: operation_name(info.operation_id),
                    status: Some(status),
                    reason: format!(
                        "the answer is larger than the {max}-byte limit (at least {received} bytes)"
                    ),
                    body_snippet: String::new(),
                });
                // An empty answer with the same status: the error above wins.
                Ok(http::Response::builder()
                    .status(status)
                    .body(Bytes::new())
                    .map(reqwest::Response::from)
                    .unwrap_or_else(|_| http::Response::new(Bytes::new()).into()))
            }
        }
    }
}

/// Reads the whole body, refusing more than `max` bytes (`Err(received so far)`), and gives
/// back a response that holds it.
async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
) -> reqwest::Result<Result<reqwest::Response, usize>> {
    if let Some(len) = response.content_length() {
        // hyper stops a body at its declared length: within the limit, leave it be.
        return Ok(if len > max as u64 {
            Err(usize::try_from(len).unwrap_or(usize::MAX))
        } else {
            Ok(response)
        });
    }
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        let received = first.as_ref().map_or(0, Bytes::len) + rest.len() + chunk.len();
        if received > max {
            return Ok(Err(received));
        }
        match &first {
            None => first = Some(chunk),
            Some(_) => rest.extend_from_slice(&chunk),
        }
    }
    let body = match first {
        None => Bytes::new(),
        Some(first) if rest.is_empty() => first,
        Some(first) => {
            let mut all = BytesMut::with_capacity(first.len() + rest.len());
            all.extend_from_slice(&first);
            all.extend_from_slice(&rest);
            all.freeze()
        }
    };
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = response.status();
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = std::mem::take(response.headers_mut());
    Ok(Ok(reqwest::Response::from(rebuilt)))
}

/// The upstream operationId for progenitor's method name.
fn operation_name(method: &str) -> &'static str {
    match method {
        "update_oci_auth" => "updateOciAuth",
        "attach_oci_auth" => "attachOciAuth",
        "get_oci_auth" => "getOciAuth",
        "delete_oci_auth" => "deleteOciAuth",
        LOGIN_OPERATION => "loginWithOciAuth",
        _ => "unknown",
    }
}

/// Runs a generated call, retrying as `shared.retry` allows, and maps the outcome into this
/// crate's types.
///
/// A retry runs `make` again, so the generated code builds a fresh request: nothing is
/// cloned for an attempt that may never be needed. Each call comes boxed, made on the heap
/// where it is created, because its state is kilobytes that every wrapper would otherwise
/// copy (measured: ~3k instructions of memcpy per request, 2% of a loopback PATCH).
pub(crate) async fn call<T, F, M>(
    operation: &'static str,
    method: Method,
    shared: &Shared,
    mut make: M,
) -> Result<T, Error>
where
    M: FnMut() -> Pin<Box<F>>,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<types::ErrorBody>>>,
{
    let started = std::time::Instant::now();
    let session = match &shared.auth {
        Auth::Oci(session) if operation != "loginWithOciAuth" => Some(session),
        _ => None,
    };
    let mut attempt = 1u32;
    let mut logged_in_again = false;
    let (result, status) = loop {
        // Everything that looks at progenitor's (large) result happens inside the scope, so
        // that only the small outcome is moved out.
        let step = CALL
            .scope(CallContext::default(), async {
                let result = make().await;
                let (status, failure, used_auth) = CALL
                    .try_with(|c| (c.status.get(), c.failure.take(), c.used_auth.take()))
                    .unwrap_or_default();
                if let Some(failure) = failure {
                    return Step::Done(Err(*failure), status);
                }
                let error = match result {
                    Ok(value) => return Step::Done(Ok(value.into_inner()), status),
                    Err(error) => error,
                };
                if session.is_some()
                    && !logged_in_again
                    && error.status() == Some(StatusCode::UNAUTHORIZED)
                {
                    return Step::LoginAgain(used_auth.map(|b| *b));
                }
                use progenitor_client::Error as P;
                let outcome = match &error {
                    P::ErrorResponse(value) => {
                        Outcome::Status(value.status(), retry_after(value.headers()))
                    }
                    P::UnexpectedResponse(response) => {
                        Outcome::Status(response.status(), retry_after(response.headers()))
                    }
                    P::CommunicationError(e) if e.is_connect() => Outcome::ConnectFailed,
                    _ => Outcome::OtherFailure,
                };
                let wait = shared
                    .retry
                    .wait_after(attempt, &method, outcome)
                    .filter(|wait| started.elapsed() + *wait <= shared.retry.elapsed_limit());
                // Boxed: the error path's state stays out of every call's future.
                let error = Box::pin(map_error(operation, status, error)).await;
                match wait {
                    Some(wait) => Step::Retry(wait, error, status),
                    None => Step::Done(Err(error), status),
                }
            })
            .await;
        match step {
            Step::Done(result, status) => break (result, status),
            Step::LoginAgain(used_auth) => {
                // With OCI login, a 401 means the token was revoked or expired early: log
                // in again (in the next attempt's pre-hook) and send the request once more.
                logged_in_again = true;
                if let Some(session) = session {
                    session.invalidate(used_auth.as_ref()).await;
                }
                tracing::debug!(operation, "token refused with 401; logging in again");
            }
            Step::Retry(wait, error, status) => {
                tracing::info!(
                    operation,
                    attempt,
                    status = status.map(|s| s.as_u16()),
                    error = %error,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "retrying"
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
    };

    let span = tracing::Span::current();
    span.record("attempts", attempt);
    if let Some(status) = status {
        span.record("status", status.as_u16());
    }
    span.record(
        "duration_ms",
        u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    );
    result
}

/// What one attempt came to.
enum Step<T> {
    /// Final: the value or the error, and the status of the answer if one came.
    Done(Result<T, Error>, Option<StatusCode>),
    /// Log in again and repeat (OCI login, after a 401), forgetting this bearer.
    LoginAgain(Option<HeaderValue>),
    /// Wait, then repeat.
    Retry(Duration, Error, Option<StatusCode>),
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<&str> {
    headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok())
}

async fn map_error(
    operation: &'static str,
    status: Option<StatusCode>,
    error: progenitor_client::Error<types::ErrorBody>,
) -> Error {
    use progenitor_client::Error as P;
    match error {
        P::ErrorResponse(value) => {
            let status = value.status();
            api_error(operation, status, value.into_inner())
        }
        P::CommunicationError(source)
        | P::ResponseBodyError(source)
        | P::InvalidUpgrade(source) => Error::Transport { operation, source },
        P::InvalidResponsePayload(body, e) => {
            decode_error(operation, status, &body, &e.to_string())
        }
        P::UnexpectedResponse(response) => {
            let status = response.status();
            match response.bytes().await {
                Err(source) => Error::Transport { operation, source },
                Ok(body) => match serde_json::from_slice::<types::ErrorBody>(&body) {
                    Ok(parsed) if !status.is_success() => api_error(operation, status, parsed),
                    _ if status.is_success() => decode_error(
                        operation,
                        Some(status),
                        &body,
                        "the API defines no such success status",
                    ),
                    _ => decode_error(
                        operation,
                        Some(status),
                        &body,
                        "the error body is not Infisical's JSON error",
                    ),
                },
            }
        }
        P::InvalidRequest(reason) | P::Custom(reason) => Error::Config { reason },
    }
}

fn decode_error(
    operation: &'static str,
    status: Option<StatusCode>,
    body: &[u8],
    reason: &str,
) -> Error {
    let body_snippet = if operation == "loginWithOciAuth" && status.is_some_and(|s| s.is_success())
    {
        String::new()
    } else {
        String::from_utf8_lossy(body)
            .chars()
            .take(SNIPPET_CHARS)
            .collect()
    };
    let reason = if body.is_empty() {
        "the body is empty".to_owned()
    } else {
        reason.to_owned()
    };
    Error::Decode {
        operation,
        status,
        reason,
        body_snippet,
    }
}

fn api_error(operation: &'static str, status: StatusCode, body: types::ErrorBody) -> Error {
    let (message, issues) = match body.message {
        None => (String::new(), Vec::new()),
        Some(types::ErrorMessage::String(message)) => (message, Vec::new()),
        Some(types::ErrorMessage::Array(raw)) => {
            let issues: Vec<ApiIssue> = raw
                .into_iter()
                .map(|issue| ApiIssue {
                    path: issue
                        .path
                        .iter()
                        .map(|p| match p {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join("."),
                    message: issue.message.unwrap_or_default(),
                    code: issue.code,
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
    };
    Error::Api {
        operation,
        status,
        error: body.error.unwrap_or_default(),
        message,
        req_id: body.req_id,
        issues,
    }
}

/// Decodes an answer body as a management call does: the configuration for a success, an
/// API error for Infisical's JSON error, a decode error otherwise.
#[cfg(feature = "fuzzing")]
pub(crate) fn decode_answer(
    operation: &'static str,
    status: u16,
    body: &[u8],
) -> Result<crate::model::IdentityOciAuth, Error> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_success() {
        let answer: types::IdentityOciAuthResponse = serde_json::from_slice(body)
            .map_err(|e| decode_error(operation, Some(status), body, &e.to_string()))?;
        Ok(answer.identity_oci_auth)
    } else {
        match serde_json::from_slice::<types::ErrorBody>(body) {
            Ok(parsed) => Err(api_error(operation, status, parsed)),
            Err(e) => Err(decode_error(operation, Some(status), body, &e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer whose length is not announced, as with chunked encoding.
    fn streamed(chunks: Vec<&'static [u8]>) -> reqwest::Response {
        let stream = futures_util_stream(chunks);
        let body = reqwest::Body::wrap_stream(stream);
        reqwest::Response::from(http::Response::new(body))
    }

    fn futures_util_stream(
        chunks: Vec<&'static [u8]>,
    ) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send + Sync + 'static
    {
        struct Chunks(std::vec::IntoIter<&'static [u8]>);
        impl futures_core::Stream for Chunks {
            type Item = Result<Bytes, std::io::Error>;
            fn poll_next(
                mut self: Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::task::Poll::Ready(self.0.next().map(|c| Ok(Bytes::from_static(c))))
            }
        }
        Chunks(chunks.into_iter())
    }

    #[tokio::test]
    async fn a_body_of_unannounced_length_is_cut_at_the_limit() {
        let response = streamed(vec![b"0123456789"; 10]);
        assert_eq!(response.content_length(), None);
        match read_capped(response, 64).await.unwrap() {
            Err(received) => assert_eq!(received, 70),
            Ok(_) => panic!("read past the limit"),
        }
    }

    #[tokio::test]
    async fn a_body_of_unannounced_length_within_the_limit_is_kept_whole() {
        let response = streamed(vec![b"{\"a\":", b"1}"]);
        let response = read_capped(response, 64).await.unwrap().unwrap();
        assert_eq!(response.bytes().await.unwrap(), &b"{\"a\":1}"[..]);
    }
}
