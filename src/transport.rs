//! What happens to every request: the progenitor hooks (auth header, no `api-version`,
//! reading the answer within the size cap, marking answers whose facts progenitor's error
//! would lose), the retry loop, and turning progenitor's errors into [`Error`].

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};

use crate::error::{ApiIssue, Error};
use crate::generated::{self, types};
use crate::retry::{Outcome, RetryPolicy};
use crate::session::OciSession;
use http::Method;

/// The operation whose answers carry a token: never sent a bearer header, never quoted in
/// errors.
const LOGIN_OPERATION: &str = "login_with_oci_auth";
/// The header progenitor adds to every request; Infisical has no use for it.
static API_VERSION: reqwest::header::HeaderName =
    reqwest::header::HeaderName::from_static("api-version");
/// Why an error answer's body could not be read as Infisical's error.
const NOT_INFISICAL_JSON: &str = "the error body is not Infisical's JSON error";
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
    /// Who reads the answers: [`call`], or a user of the raw client.
    pub(crate) mode: Mode,
}

/// Who reads what a generated call returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// [`call`]: the hooks mark answers that progenitor's error cannot describe (see
    /// [`Verdict`]) and leave out what `call` never reads.
    Typed,
    /// A user of `Client::raw`: answers arrive as the server sent them.
    Raw,
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
            .field("mode", &self.mode)
            .finish()
    }
}

/// The status of an answer that carries a [`Verdict`]. No operation documents it, so the
/// generated code hands the answer back untouched (`UnexpectedResponse`) for [`call`] to read.
const MARKED: StatusCode = StatusCode::NOT_EXTENDED;

/// What `exec` found that progenitor's error cannot carry (typed mode only): an error that
/// wins over the answer, and the status the server really sent. Travels to [`call`] in the
/// extensions of a [`MARKED`] answer.
#[derive(Clone)]
struct Verdict {
    /// The status the server sent; none when nothing was sent.
    status: Option<StatusCode>,
    /// Taken once, by [`call`]; shared only because extensions must be `Clone`.
    error: Arc<Mutex<Option<Error>>>,
}

impl Verdict {
    fn new(status: Option<StatusCode>, error: Error) -> Self {
        Self {
            status,
            error: Arc::new(Mutex::new(Some(error))),
        }
    }

    fn take(&self) -> Option<Error> {
        self.error.lock().ok().and_then(|mut error| error.take())
    }

    /// An answer with [`MARKED`] status carrying this verdict, `headers` and `body`.
    fn into_answer(self, headers: HeaderMap, body: Bytes) -> reqwest::Response {
        let mut answer = http::Response::new(body);
        *answer.status_mut() = MARKED;
        *answer.headers_mut() = headers;
        answer.extensions_mut().insert(self);
        reqwest::Response::from(answer)
    }
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
        let shared = self.inner();
        let auth = match &shared.auth {
            Auth::None => return Ok(()),
            Auth::Static(value) => value.clone(),
            // In typed mode `exec` logs in, where a failure can keep its type.
            Auth::Oci(_) if shared.mode == Mode::Typed => return Ok(()),
            Auth::Oci(session) => session.bearer().await.map_err(|error| {
                progenitor_client::Error::Custom(format!("OCI login failed: {error}"))
            })?,
        };
        request.headers_mut().insert(AUTHORIZATION, auth);
        Ok(())
    }

    /// Sends at once, without keeping the request in the returned future (it is hundreds of
    /// bytes, and progenitor's future already holds a copy); only a typed call with OCI
    /// login waits for the token first.
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        let shared = self.inner();
        let session = match &shared.auth {
            Auth::Oci(session) if info.operation_id != LOGIN_OPERATION => Some(session),
            _ => None,
        };
        let sending = match session {
            Some(session) if shared.mode == Mode::Typed => {
                Sending::AfterLogin(Box::pin(send_logged_in(self.client(), session, request)))
            }
            _ => Sending::Now(self.client().execute(request)),
        };
        async move {
            let (mut response, sent_bearer) = match sending {
                Sending::Now(pending) => (pending.await?, None),
                Sending::AfterLogin(sent) => match sent.await? {
                    Ok(sent) => sent,
                    Err(refused) => return Ok(refused),
                },
            };
            let status = response.status();
            if let Some(session) = session
                && status == StatusCode::UNAUTHORIZED
            {
                // The token was revoked or expired early: the next request logs in again.
                session.invalidate(sent_bearer.as_ref()).await;
            }
            let operation = || operation_name(info.operation_id);
            if shared.mode == Mode::Raw {
                return match read_capped(response, shared.max_body).await? {
                    Ok(response) => Ok(response),
                    // An empty answer with the same status: it cannot pass for the real one.
                    Err(_) => Ok(empty_answer(status)),
                };
            }
            if status.is_success() {
                // `call` reads only the body; progenitor would copy the headers for nothing.
                drop(std::mem::take(response.headers_mut()));
                return match read_capped(response, shared.max_body).await? {
                    Ok(response) => Ok(response),
                    Err(received) => Ok(too_large(operation(), status, shared.max_body, received)),
                };
            }
            // Error answers are rare: read them here, so that one whose body is not
            // Infisical's JSON error keeps its status (progenitor would drop it).
            Box::pin(read_error_answer(operation(), response, shared.max_body)).await
        }
    }
}

/// How `exec` sends a request: already on its way (`reqwest`'s future), or after OCI login
/// ([`send_logged_in`], boxed).
enum Sending<N, L> {
    Now(N),
    AfterLogin(Pin<Box<L>>),
}

/// The answer and the bearer sent, or (`Err`) the marked answer for a failed login.
type SentLoggedIn =
    reqwest::Result<Result<(reqwest::Response, Option<HeaderValue>), reqwest::Response>>;

/// Sends `request` with the OCI session's bearer, logging in first when needed.
async fn send_logged_in(
    http: &reqwest::Client,
    session: &OciSession,
    mut request: reqwest::Request,
) -> SentLoggedIn {
    match session.bearer().await {
        Ok(bearer) => {
            request.headers_mut().insert(AUTHORIZATION, bearer.clone());
            Ok(Ok((http.execute(request).await?, Some(bearer))))
        }
        // Nothing is sent; the login's error is the call's.
        Err(error) => Ok(Err(
            Verdict::new(None, error).into_answer(HeaderMap::new(), Bytes::new())
        )),
    }
}

/// An empty answer with `status`.
fn empty_answer(status: StatusCode) -> reqwest::Response {
    let mut answer = http::Response::new(Bytes::new());
    *answer.status_mut() = status;
    reqwest::Response::from(answer)
}

/// The marked answer for a body over the limit.
fn too_large(
    operation: &'static str,
    status: StatusCode,
    max: usize,
    received: usize,
) -> reqwest::Response {
    let error = Error::Decode {
        operation,
        status: Some(status),
        reason: format!(
            "the answer is larger than the {max}-byte limit (at least {received} bytes)"
        ),
        body_snippet: String::new(),
    };
    Verdict::new(Some(status), error).into_answer(HeaderMap::new(), Bytes::new())
}

/// Reads an error answer whole; one that is not Infisical's JSON error comes back marked,
/// with its headers (for `Retry-After`) and the decode error.
async fn read_error_answer(
    operation: &'static str,
    mut response: reqwest::Response,
    max: usize,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = match read_capped(response, max).await? {
        Ok(response) => response.bytes().await?,
        Err(received) => return Ok(too_large(operation, status, max, received)),
    };
    if serde_json::from_slice::<types::ErrorBody>(&body).is_ok() {
        let mut answer = http::Response::new(body);
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        return Ok(reqwest::Response::from(answer));
    }
    let error = decode_error(operation, Some(status), &body, NOT_INFISICAL_JSON);
    Ok(Verdict::new(Some(status), error).into_answer(headers, body))
}

/// Reads the whole body, refusing more than `max` bytes (`Err(received so far)`), and gives
/// back a response that holds it.
async fn read_capped(
    response: reqwest::Response,
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
    // Boxed: the streaming state stays out of every call's future.
    Box::pin(read_streamed(response, max)).await
}

/// [`read_capped`] for a body whose length is not announced.
async fn read_streamed(
    mut response: reqwest::Response,
    max: usize,
) -> reqwest::Result<Result<reqwest::Response, usize>> {
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

/// Runs a generated call, retrying as `shared.retry` allows, maps the outcome into this
/// crate's types (`finish` picks what to return from the answer), and records status,
/// attempts and duration in `span`.
///
/// A retry runs `make` again, so the generated code builds a fresh request: nothing is
/// cloned for an attempt that may never be needed. The generated call is awaited in place,
/// not boxed: measured, its ~1.6 KB state costs less in this future than in a fresh heap
/// block per call.
pub(crate) async fn call<T, U, F, M>(
    operation: &'static str,
    method: Method,
    shared: &Shared,
    span: tracing::Span,
    mut make: M,
    finish: fn(T) -> U,
) -> Result<U, Error>
where
    M: FnMut() -> F,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<types::ErrorBody>>>,
{
    let started = std::time::Instant::now();
    let oci_login = matches!(shared.auth, Auth::Oci(_)) && operation != "loginWithOciAuth";
    let mut attempt = 1u32;
    let mut logged_in_again = false;
    let (result, status) = loop {
        let error = match make().await {
            // The only success status the API defines is 200.
            Ok(value) => break (Ok(finish(value.into_inner())), Some(StatusCode::OK)),
            Err(error) => error,
        };
        // Boxed: the error path's state stays out of every call's future.
        let (error, status, outcome) = Box::pin(classify(operation, error)).await;
        if oci_login && !logged_in_again && status == Some(StatusCode::UNAUTHORIZED) {
            // With OCI login, a 401 means the token was revoked or expired early: the hook
            // forgot it, so the next attempt logs in again. Once per call.
            logged_in_again = true;
            tracing::debug!(operation, "token refused with 401; logging in again");
            continue;
        }
        let wait = shared
            .retry
            .wait_after(attempt, &method, outcome.as_outcome())
            .filter(|wait| started.elapsed() + *wait <= shared.retry.elapsed_limit());
        let Some(wait) = wait else {
            break (Err(error), status);
        };
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
    };
    if !span.is_disabled() {
        span.record("attempts", attempt);
        if let Some(status) = status {
            span.record("status", status.as_u16());
        }
        span.record(
            "duration_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
    }
    result
}

/// What a failed attempt tells the retry policy, owned.
enum Failure {
    Status(StatusCode, Option<String>),
    ConnectFailed,
    Other,
}

impl Failure {
    fn as_outcome(&self) -> Outcome<'_> {
        match self {
            Failure::Status(status, retry_after) => {
                Outcome::Status(*status, retry_after.as_deref())
            }
            Failure::ConnectFailed => Outcome::ConnectFailed,
            Failure::Other => Outcome::OtherFailure,
        }
    }
}

/// Turns progenitor's error into this crate's, with the status the server sent and what
/// the retry policy needs to know.
async fn classify(
    operation: &'static str,
    error: progenitor_client::Error<types::ErrorBody>,
) -> (Error, Option<StatusCode>, Failure) {
    use progenitor_client::Error as P;
    let retry_after = |headers: &HeaderMap| {
        headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match error {
        P::ErrorResponse(value) => {
            let status = value.status();
            let failure = Failure::Status(status, retry_after(value.headers()));
            let error = api_error(operation, status, value.into_inner());
            (error, Some(status), failure)
        }
        P::UnexpectedResponse(response) => {
            let verdict = response.extensions().get::<Verdict>().cloned();
            if let Some(verdict) = verdict {
                let error = verdict.take().unwrap_or_else(|| Error::Config {
                    reason: "the request failed in a hook".into(),
                });
                let failure = match verdict.status {
                    Some(status) => Failure::Status(status, retry_after(response.headers())),
                    None => Failure::Other,
                };
                return (error, verdict.status, failure);
            }
            let status = response.status();
            let failure = Failure::Status(status, retry_after(response.headers()));
            let error = unexpected_answer(operation, response).await;
            (error, Some(status), failure)
        }
        P::CommunicationError(source) => {
            let failure = if source.is_connect() {
                Failure::ConnectFailed
            } else {
                Failure::Other
            };
            let status = source.status();
            (Error::Transport { operation, source }, status, failure)
        }
        P::ResponseBodyError(source) | P::InvalidUpgrade(source) => {
            let status = source.status();
            (
                Error::Transport { operation, source },
                status,
                Failure::Other,
            )
        }
        // The hooks mark every error answer that is not Infisical's JSON error, so a body
        // that does not decode here came with the success status.
        P::InvalidResponsePayload(body, e) => {
            let status = Some(StatusCode::OK);
            let error = decode_error(operation, status, &body, &e.to_string());
            (error, status, Failure::Other)
        }
        P::InvalidRequest(reason) | P::Custom(reason) => {
            (Error::Config { reason }, None, Failure::Other)
        }
    }
}

/// An answer with a status the operation does not define.
async fn unexpected_answer(operation: &'static str, response: reqwest::Response) -> Error {
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
            _ => decode_error(operation, Some(status), &body, NOT_INFISICAL_JSON),
        },
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
