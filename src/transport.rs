//! What happens to every request: the progenitor hooks (wire work only: the bearer header
//! they are handed, no `api-version`, the answer-size cap, marks on answers whose facts
//! progenitor's error would lose), the attempt loop under one deadline, and the one place
//! where a failed attempt becomes an [`Error`] (with the client's secrets scrubbed from
//! whatever the server wrote).

use std::fmt;
#[cfg(feature = "oci")]
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use tokio::time::Instant;

use crate::error::{ApiError, ApiIssue, Cause, DecodeError, Error, TransportError};
use crate::generated::{self, types};
use crate::model::IdentityId;
use crate::operations::{self, Operation};
use crate::retry::{Failure, RetryPolicy};

/// The header progenitor adds to every request; Infisical has no use for it.
static API_VERSION: reqwest::header::HeaderName =
    reqwest::header::HeaderName::from_static("api-version");
/// Why an error answer's body could not be read as Infisical's error.
const NOT_INFISICAL_JSON: &str = "the error body is not Infisical's JSON error";
/// How much of a body an error quotes.
const SNIPPET_CHARS: usize = 200;
/// What a secret in the server's text becomes.
const REDACTED: &str = "<redacted>";

/// The state every generated call can see (progenitor's "inner type").
#[derive(Clone)]
pub(crate) struct Shared {
    /// The bearer header the hooks put on management calls.
    pub(crate) auth: Auth,
    /// The largest answer body read, in bytes.
    pub(crate) max_body: usize,
    /// When to send a request again, and the operation's deadline.
    pub(crate) retry: RetryPolicy,
    /// Who reads the answers: [`call`], or a user of the raw client.
    pub(crate) mode: Mode,
    /// The timeout of one request. A client this crate built has it as its own; on a
    /// user-given one the hooks set it on each request.
    pub(crate) request_timeout: Duration,
    /// Whether the HTTP client is user-given: it may follow redirects (answers are then
    /// checked to come from the URL requested) and has a timeout of its own (replaced by
    /// `request_timeout` on each request).
    pub(crate) given_client: bool,
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

/// The bearer header of management calls.
#[derive(Clone)]
pub(crate) enum Auth {
    /// No Authorization header.
    None,
    /// `Bearer <token>`, marked sensitive.
    Static(HeaderValue),
    /// Whatever token the OCI session last put in the slot.
    #[cfg(feature = "oci")]
    Session(Arc<BearerSlot>),
}

impl Auth {
    /// The header the hooks send now.
    fn header(&self) -> Option<HeaderValue> {
        match self {
            Auth::None => None,
            Auth::Static(value) => Some(value.clone()),
            #[cfg(feature = "oci")]
            Auth::Session(slot) => slot.current(),
        }
    }

    /// Every token this client sends or has sent lately, to scrub from server text.
    pub(crate) fn scrubber(&self) -> Scrubber {
        let mut secrets = Vec::new();
        match self {
            Auth::None => {}
            Auth::Static(value) => secrets.extend(token_of(value)),
            #[cfg(feature = "oci")]
            Auth::Session(slot) => {
                let held = slot.read();
                secrets.extend(held.current.as_ref().and_then(token_of));
                secrets.extend(held.previous.as_ref().and_then(token_of));
            }
        }
        Scrubber(secrets)
    }
}

/// The token in `Bearer <token>`.
fn token_of(value: &HeaderValue) -> Option<String> {
    let text = String::from_utf8_lossy(value.as_bytes());
    let token = text.strip_prefix("Bearer ").unwrap_or(&text).trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// Where the OCI session hands the hooks its current bearer header. The hooks only read
/// it; the session alone writes it.
#[cfg(feature = "oci")]
#[derive(Default)]
pub(crate) struct BearerSlot(RwLock<Held>);

#[cfg(feature = "oci")]
#[derive(Default)]
struct Held {
    current: Option<HeaderValue>,
    /// The one before, still scrubbed from errors of requests that sent it.
    previous: Option<HeaderValue>,
}

#[cfg(feature = "oci")]
impl BearerSlot {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Held> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The header to send now.
    pub(crate) fn current(&self) -> Option<HeaderValue> {
        self.read().current.clone()
    }

    /// Makes `header` the one to send.
    pub(crate) fn set(&self, header: HeaderValue) {
        let mut held = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let old = held.current.replace(header);
        if old.is_some() {
            held.previous = old;
        }
    }

    /// Stops sending `header`, if it is still the current one.
    pub(crate) fn clear(&self, header: &HeaderValue) {
        let mut held = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if held.current.as_ref() == Some(header) {
            held.previous = held.current.take();
        }
    }
}

/// Replaces the client's tokens in text a server wrote.
pub(crate) struct Scrubber(Vec<String>);

impl Scrubber {
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.0 {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), REDACTED);
            }
        }
        text
    }

    /// The length of the longest secret, in characters.
    fn longest(&self) -> usize {
        self.0.iter().map(|s| s.chars().count()).max().unwrap_or(0)
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            Auth::None => "none",
            Auth::Static(_) => "Bearer <redacted>",
            #[cfg(feature = "oci")]
            Auth::Session(_) => "OCI login",
        };
        f.debug_struct("Shared")
            .field("auth", &auth)
            .field("max_body", &self.max_body)
            .field("retry", &self.retry)
            .field("mode", &self.mode)
            .field("request_timeout", &self.request_timeout)
            .field("given_client", &self.given_client)
            .finish()
    }
}

/// The status of an answer that carries a [`Verdict`]. No operation documents it, so the
/// generated code hands the answer back untouched (`UnexpectedResponse`) for [`call`] to read.
const MARKED: StatusCode = StatusCode::NOT_EXTENDED;

/// What `exec` found that progenitor's error cannot carry (typed mode only), as plain data;
/// [`classify`] turns it into an [`Error`]. Travels in the extensions of a [`MARKED`] answer,
/// whose headers are the server's (for `Retry-After`).
#[derive(Clone, Debug)]
enum Verdict {
    /// The body is larger than the limit.
    TooLarge { status: StatusCode, received: usize },
    /// An error answer whose body is not Infisical's JSON error.
    NotInfisicalJson { status: StatusCode, body: Bytes },
    /// A redirect, not followed.
    Redirect {
        status: StatusCode,
        location: Option<String>,
    },
    /// The HTTP client followed a redirect: the answer is from another URL.
    Redirected { status: StatusCode, url: String },
}

impl Verdict {
    /// The status the server sent.
    fn status(&self) -> StatusCode {
        match self {
            Verdict::TooLarge { status, .. }
            | Verdict::NotInfisicalJson { status, .. }
            | Verdict::Redirect { status, .. }
            | Verdict::Redirected { status, .. } => *status,
        }
    }

    /// An answer with [`MARKED`] status carrying this verdict and `headers`.
    fn into_answer(self, headers: HeaderMap) -> reqwest::Response {
        let mut answer = http::Response::new(Bytes::new());
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
        let shared = self.inner();
        if shared.given_client {
            *request.timeout_mut() = Some(shared.request_timeout);
        }
        if info.operation_id != operations::LOGIN.generated
            && let Some(bearer) = shared.auth.header()
        {
            request.headers_mut().insert(AUTHORIZATION, bearer);
        }
        Ok(())
    }

    /// Sends at once, without keeping the request in the returned future (it is hundreds of
    /// bytes, and progenitor's future already holds a copy).
    fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        let shared = self.inner();
        let sent_to =
            (shared.given_client && shared.mode == Mode::Typed).then(|| request.url().clone());
        let pending = self.client().execute(request);
        async move {
            let mut response = pending.await?;
            let status = response.status();
            if shared.mode == Mode::Raw {
                return match read_capped(response, shared.max_body).await? {
                    Ok(response) => Ok(response),
                    // An empty answer with the same status: it cannot pass for the real one.
                    Err(_) => Ok(empty_answer(status)),
                };
            }
            if let Some(sent_to) = sent_to
                && response.url() != &sent_to
            {
                let url = response.url().to_string();
                return Ok(Verdict::Redirected { status, url }.into_answer(HeaderMap::new()));
            }
            if status.is_success() {
                // `call` reads only the body; progenitor would copy the headers for nothing.
                drop(std::mem::take(response.headers_mut()));
                return match read_capped(response, shared.max_body).await? {
                    Ok(response) => Ok(response),
                    Err(received) => {
                        Ok(Verdict::TooLarge { status, received }.into_answer(HeaderMap::new()))
                    }
                };
            }
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                return Ok(Verdict::Redirect { status, location }.into_answer(HeaderMap::new()));
            }
            // Error answers are rare: read them here, so that one whose body is not
            // Infisical's JSON error keeps its status (progenitor would drop it).
            Box::pin(read_error_answer(response, shared.max_body)).await
        }
    }
}

/// An empty answer with `status`.
fn empty_answer(status: StatusCode) -> reqwest::Response {
    let mut answer = http::Response::new(Bytes::new());
    *answer.status_mut() = status;
    reqwest::Response::from(answer)
}

/// Reads an error answer whole; one that is not Infisical's JSON error comes back marked,
/// with its headers (for `Retry-After`).
async fn read_error_answer(
    mut response: reqwest::Response,
    max: usize,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = match read_capped(response, max).await? {
        Ok(response) => response.bytes().await?,
        Err(received) => return Ok(Verdict::TooLarge { status, received }.into_answer(headers)),
    };
    if serde_json::from_slice::<types::ErrorBody>(&body).is_ok() {
        let mut answer = http::Response::new(body);
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        return Ok(reqwest::Response::from(answer));
    }
    Ok(Verdict::NotInfisicalJson { status, body }.into_answer(headers))
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

/// Where a call goes, for error messages: built only when an error needs it.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) identity: Option<&'a IdentityId>,
}

impl Target<'_> {
    fn url(&self, op: &Operation) -> String {
        let identity = self.identity.map(ToString::to_string);
        op.url(self.base_url, identity.as_deref())
    }
}

/// The error for a call that stopped before an answer, for the reason `text`.
#[cfg(feature = "oci")]
pub(crate) fn stopped_error(op: &'static Operation, target: Target<'_>, text: &str) -> Error {
    Error::Transport(TransportError::new(
        op.id,
        op.method.clone(),
        target.url(op),
        Cause::Other(text.to_owned()),
        None,
    ))
}

/// When an operation started and when its deadline passes: one reading of the clock per
/// call on the happy path.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    /// When the call (or its current phase) started.
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

    /// The same deadline, for a phase starting now.
    #[cfg(feature = "oci")]
    pub(crate) fn restarted(self) -> Self {
        Self {
            started: Instant::now(),
            at: self.at,
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
        op.id,
        op.method.clone(),
        target.url(op),
        cause,
        None,
    ))
}

/// The span of one operation on `identity`: the fields [`call`] fills in as it goes.
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

/// Runs a generated call under the deadline, retrying as `shared.retry` allows, maps the
/// outcome into this crate's types (`finish` picks what to return from the answer), and
/// records status, attempts and duration in `span`.
///
/// A retry runs `make` again, so the generated code builds a fresh request: nothing is
/// cloned for an attempt that may never be needed. An attempt is wrapped in a timer only
/// when the deadline comes before the request timeout would.
pub(crate) async fn call<T, U, F, M>(
    op: &'static Operation,
    shared: &Shared,
    target: Target<'_>,
    deadline: Deadline,
    span: &tracing::Span,
    mut make: M,
    finish: fn(T) -> U,
) -> Result<U, Error>
where
    M: FnMut() -> F,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<types::ErrorBody>>>,
{
    let Deadline { started, at } = deadline;
    let mut now = started;
    let mut attempt = 1u32;
    let (result, status) = loop {
        let outcome = if shared.request_timeout < at.saturating_duration_since(now) {
            Some(make().await)
        } else {
            tokio::time::timeout_at(at, make()).await.ok()
        };
        let error = match outcome {
            // The only success status the API defines is 200.
            Some(Ok(value)) => break (Ok(finish(value.into_inner())), Some(StatusCode::OK)),
            Some(Err(error)) => error,
            None => {
                let error = deadline_error(op, &shared.retry, target, "waiting for the answer");
                break (Err(error), None);
            }
        };
        // Boxed: the error path's state stays out of every call's future.
        let failed = Box::pin(classify(op, shared, target, error)).await;
        let wait = shared
            .retry
            .wait_after(attempt, op, &failed.failure, failed.retry_after.as_deref())
            .filter(|wait| Instant::now() + *wait < at);
        let Some(wait) = wait else {
            break (Err(failed.error), failed.status);
        };
        tracing::info!(
            operation = op.id,
            attempt,
            status = failed.status.map(|s| s.as_u16()),
            error = %failed.error,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying"
        );
        tokio::time::sleep(wait).await;
        now = Instant::now();
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
    result.map_err(|mut error| {
        if let Error::Transport(e) = &mut error {
            e.set_attempts(attempt);
        }
        error
    })
}

/// A failed attempt: the error it ends in, and what the retry policy needs to know.
struct Failed {
    error: Error,
    status: Option<StatusCode>,
    failure: Failure,
    retry_after: Option<String>,
}

/// The one place where a failed attempt becomes an [`Error`]: progenitor's error, or the
/// [`Verdict`] the hooks marked an answer with.
async fn classify(
    op: &'static Operation,
    shared: &Shared,
    target: Target<'_>,
    error: progenitor_client::Error<types::ErrorBody>,
) -> Failed {
    use progenitor_client::Error as P;
    let retry_after = |headers: &HeaderMap| {
        headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let answered = |error: Error, status: StatusCode, retry_after: Option<String>| Failed {
        error,
        status: Some(status),
        failure: Failure::Status(status),
        retry_after,
    };
    let transport = |cause: Cause, status: Option<StatusCode>| Failed {
        error: Error::Transport(TransportError::new(
            op.id,
            op.method.clone(),
            target.url(op),
            cause,
            None,
        )),
        status,
        failure: Failure::Other,
        retry_after: None,
    };
    match error {
        P::ErrorResponse(value) => {
            let status = value.status();
            let after = retry_after(value.headers());
            let error = api_error(op, status, value.into_inner(), &shared.auth.scrubber());
            answered(error, status, after)
        }
        P::UnexpectedResponse(response) => {
            let after = retry_after(response.headers());
            let verdict = response.extensions().get::<Verdict>().cloned();
            let Some(verdict) = verdict else {
                let status = response.status();
                let error = unexpected_answer(op, shared, target, response).await;
                return answered(error, status, after);
            };
            let status = verdict.status();
            match verdict {
                Verdict::TooLarge { received, .. } => {
                    let reason = format!(
                        "the answer is larger than the {}-byte limit (at least {received} bytes)",
                        shared.max_body
                    );
                    let error =
                        Error::Decode(DecodeError::new(op.id, Some(status), reason, String::new()));
                    answered(error, status, after)
                }
                Verdict::NotInfisicalJson { body, .. } => {
                    let error = decode_error(op, shared, Some(status), &body, NOT_INFISICAL_JSON);
                    answered(error, status, after)
                }
                Verdict::Redirect { location, .. } => {
                    let location = location.map(|l| shared.auth.scrubber().clean(&l));
                    transport(Cause::Redirect { status, location }, Some(status))
                }
                Verdict::Redirected { url, .. } => {
                    let url = shared.auth.scrubber().clean(&url);
                    transport(Cause::Redirected { status, url }, Some(status))
                }
            }
        }
        P::CommunicationError(source) => {
            let failure = if source.is_connect() {
                Failure::ConnectFailed
            } else {
                Failure::Other
            };
            let status = source.status();
            Failed {
                error: reqwest_error(op, shared, target, source),
                status,
                failure,
                retry_after: None,
            }
        }
        P::ResponseBodyError(source) | P::InvalidUpgrade(source) => Failed {
            status: source.status(),
            error: reqwest_error(op, shared, target, source),
            failure: Failure::Other,
            retry_after: None,
        },
        // The hooks mark every error answer that is not Infisical's JSON error, so a body
        // that does not decode here came with the success status.
        P::InvalidResponsePayload(body, e) => {
            let status = StatusCode::OK;
            let error = decode_error(op, shared, Some(status), &body, &e.to_string());
            Failed {
                error,
                status: Some(status),
                failure: Failure::Other,
                retry_after: None,
            }
        }
        P::InvalidRequest(reason) | P::Custom(reason) => transport(
            Cause::Other(format!("the request could not be built: {reason}")),
            None,
        ),
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
        op.id,
        op.method.clone(),
        url,
        source,
        shared.request_timeout,
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
                api_error(op, status, parsed, &shared.auth.scrubber())
            }
            _ if status.is_success() => decode_error(
                op,
                shared,
                Some(status),
                &body,
                "the API defines no such success status",
            ),
            _ => decode_error(op, shared, Some(status), &body, NOT_INFISICAL_JSON),
        },
    }
}

fn decode_error(
    op: &'static Operation,
    shared: &Shared,
    status: Option<StatusCode>,
    body: &[u8],
    reason: &str,
) -> Error {
    decode_error_with(op, &shared.auth.scrubber(), status, body, reason)
}

fn decode_error_with(
    op: &'static Operation,
    scrubber: &Scrubber,
    status: Option<StatusCode>,
    body: &[u8],
    reason: &str,
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
    let reason = if body.is_empty() {
        "the body is empty".to_owned()
    } else {
        scrubber.clean(reason)
    };
    Error::Decode(DecodeError::new(op.id, status, reason, body_snippet))
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
        Some(types::ErrorMessage::Array(raw)) => {
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
    };
    Error::Api(ApiError::new(
        op.id,
        status,
        clean(body.error.as_deref().unwrap_or_default()),
        message,
        body.req_id.as_deref().map(clean),
        issues,
    ))
}

/// Decodes an answer body as a management call does: the configuration for a success, an
/// API error for Infisical's JSON error, a decode error otherwise.
#[cfg(feature = "fuzzing")]
pub(crate) fn decode_answer(
    status: u16,
    body: &[u8],
) -> Result<crate::model::IdentityOciAuth, Error> {
    let op = &operations::GET;
    let scrubber = Scrubber(Vec::new());
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_success() {
        let answer: types::IdentityOciAuthResponse = serde_json::from_slice(body)
            .map_err(|e| decode_error_with(op, &scrubber, Some(status), body, &e.to_string()))?;
        Ok(answer.identity_oci_auth)
    } else {
        match serde_json::from_slice::<types::ErrorBody>(body) {
            Ok(parsed) => Err(api_error(op, status, parsed, &scrubber)),
            Err(e) => Err(decode_error_with(
                op,
                &scrubber,
                Some(status),
                body,
                &e.to_string(),
            )),
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
                mut self: std::pin::Pin<&mut Self>,
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

    #[test]
    fn a_token_cut_by_the_snippet_is_still_scrubbed() {
        let token = "tok-0123456789abcdef";
        let scrubber = Scrubber(vec![token.to_owned()]);
        let body = format!("{}{token}", "x".repeat(SNIPPET_CHARS - 5));
        let error = decode_error_with(&operations::GET, &scrubber, None, body.as_bytes(), "r");
        let Error::Decode(e) = error else { panic!() };
        assert!(!e.body_snippet().contains("tok-"), "{}", e.body_snippet());
        assert_eq!(e.body_snippet().chars().count(), SNIPPET_CHARS);
        assert!(e.body_snippet().ends_with("<reda"), "{}", e.body_snippet());
    }

    #[cfg(feature = "oci")]
    #[test]
    fn the_slot_keeps_the_previous_token_for_scrubbing() {
        let slot = Arc::new(BearerSlot::default());
        let first = HeaderValue::from_static("Bearer first-token");
        let second = HeaderValue::from_static("Bearer second-token");
        slot.set(first.clone());
        slot.set(second.clone());
        let auth = Auth::Session(slot.clone());
        assert_eq!(auth.header(), Some(second.clone()));
        let cleaned = auth.scrubber().clean("first-token second-token");
        assert_eq!(cleaned, "<redacted> <redacted>");
        slot.clear(&first);
        assert_eq!(
            slot.current(),
            Some(second.clone()),
            "only the current one is cleared"
        );
        slot.clear(&second);
        assert_eq!(slot.current(), None);
    }
}
