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

#[cfg(all(test, feature = "oci"))]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::Instant;

    use super::super::context::Scoped;
    use super::super::state::{Mode, Shared};
    use crate::auth::{Auth, LoginFn, OciSession};
    use crate::oci::{AccessToken, SystemClock};
    use crate::retry::RetryPolicy;

    /// A raw loopback server that answers one request with 503 and hands back its head.
    async fn one_request() -> (String, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let head = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let (mut head, mut buf) = (Vec::new(), [0; 1024]);
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                head.extend_from_slice(&buf[..n]);
            }
            let answer = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n";
            stream.write_all(answer.as_bytes()).await.unwrap();
            String::from_utf8_lossy(&head).to_ascii_lowercase()
        });
        (url, head)
    }

    /// The race of a shared OCI session, in order: this caller resolves "t1"; another
    /// caller's refusal of "t1" empties the session; only then does this request go out.
    /// It carries "t1", the bearer resolved for it (a second read of the session, as the
    /// hooks once did, finds none and sends the request bare).
    #[tokio::test]
    async fn a_request_carries_its_bearer_after_another_callers_refusal_emptied_the_session() {
        let (url, head) = one_request().await;
        let hour = Duration::from_secs(3600);
        let login: LoginFn = Box::new(move || {
            Box::pin(async move { Ok(AccessToken::new("t1".into(), hour, hour)) })
        });
        let session = OciSession::new(login, format!("{url}/login"), Arc::new(SystemClock));
        let shared = Shared {
            auth: Auth::Session(Arc::new(session)),
            max_body: 1 << 20,
            retry: RetryPolicy::none(),
            mode: Mode::Typed,
            request_timeout: hour,
            given_client: false,
            proxy: None,
        };
        let http = crate::http_client_builder().no_proxy().build().unwrap();
        let client = crate::generated::Client::new_with_client(&url, http, shared.clone());

        let Ok(resolved) = shared.auth.bearer(Instant::now() + hour).await else {
            panic!("the login gives t1");
        };
        let sent = resolved.clone().unwrap();
        assert!(shared.auth.refused(&sent), "another caller's 401 for t1");
        assert!(
            shared.auth.current_header().is_none(),
            "the session holds no token"
        );

        let identity = uuid::Uuid::nil();
        let mut call = std::pin::pin!(client.get_oci_auth(&identity));
        let _ = Scoped::new(resolved, call.as_mut()).await;
        let head = head.await.unwrap();
        assert!(head.contains("\r\nauthorization: bearer t1\r\n"), "{head}");
    }
}
