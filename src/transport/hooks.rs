//! progenitor's hooks: wire work only. They put on each request the bearer header the
//! attempt loop resolved for it, drop `api-version`, cap the answer's size, and mark answers
//! whose facts progenitor's error would lose (see [`Verdict`]); bearer and mark travel in
//! the per-attempt context. They never log in or retry.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderMap, LOCATION};

use super::cap::{read_capped, read_error_answer};
use super::context::{self, empty_answer, mark};
use super::state::{Mode, Shared};
use super::verdict::Verdict;
use crate::generated;
use crate::operations;

/// The header progenitor adds to every request; Infisical has no use for it.
static API_VERSION: reqwest::header::HeaderName =
    reqwest::header::HeaderName::from_static("api-version");

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
        // Inside the attempt loop, the bearer it resolved for this attempt; outside it (the
        // raw client), the current one.
        let bearer = match context::bearer() {
            Some(bearer) => bearer,
            None if info.operation_id != operations::LOGIN.generated => {
                shared.auth.current_header()
            }
            None => None,
        };
        if let Some(bearer) = bearer {
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
                return Ok(mark(Verdict::Redirected { status, url }, HeaderMap::new()));
            }
            if status.is_success() {
                // `call` reads only the body; progenitor would copy the headers for nothing.
                drop(std::mem::take(response.headers_mut()));
                return match read_capped(response, shared.max_body).await? {
                    Ok(response) => Ok(response),
                    Err(received) => Ok(mark(
                        Verdict::TooLarge { status, received },
                        HeaderMap::new(),
                    )),
                };
            }
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                return Ok(mark(
                    Verdict::Redirect { status, location },
                    HeaderMap::new(),
                ));
            }
            // Error answers are rare: read them here, so that one whose body is not
            // Infisical's JSON error keeps its status (progenitor would drop it).
            Box::pin(read_error_answer(response, shared.max_body)).await
        }
    }
}
