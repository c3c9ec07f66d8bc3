//! Faults a test injects: answers no real server gives on purpose, for the client's
//! reliability tests (not a claim about Infisical).

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::answer::error;
use super::state::State;
use super::{Endpoint, Fault};

/// Takes the first fault waiting for a request to `endpoint` (or to any request).
pub(super) fn take(state: &mut State, endpoint: Option<Endpoint>) -> Option<Fault> {
    let at = state
        .faults
        .iter()
        .position(|(target, _)| target.is_none() || *target == endpoint)?;
    state.faults.remove(at).map(|(_, fault)| fault)
}

pub(super) fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => {
            let mut response = Response::from(error(status, "FakeFault", "injected fault"));
            if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Fault::Raw {
            status,
            content_type,
            body,
        } => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            if let Ok(ct) = HeaderValue::from_str(&content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            response
        }
        Fault::CloseMidBody => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"identityOciAuth\":{\"id\":")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "closed mid-body",
                )),
            ];
            let mut response = Response::new(Body::from_stream(futures_stream(chunks)));
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("512"));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            response
        }
        Fault::Delay(_) => error(500, "FakeFault", "unreachable").into(),
    }
}

/// A stream over ready items, without pulling in a futures crate.
fn futures_stream<T: Send + Unpin + 'static>(
    items: Vec<T>,
) -> impl futures_core::Stream<Item = T> + Send {
    struct Iter<T>(std::vec::IntoIter<T>);
    impl<T> futures_core::Stream for Iter<T>
    where
        T: Unpin,
    {
        type Item = T;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<T>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Iter(items.into_iter())
}
