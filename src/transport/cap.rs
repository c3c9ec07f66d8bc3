//! Reading an answer's body within the size limit.

use bytes::{Bytes, BytesMut};

use super::context::mark;
use super::verdict::Verdict;
use crate::generated::types;

/// Reads an error answer whole; one that is not Infisical's JSON error is marked with its
/// headers (for `Retry-After`).
pub(super) async fn read_error_answer(
    mut response: reqwest::Response,
    max: usize,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = match read_capped(response, max).await? {
        Ok(response) => response.bytes().await?,
        Err(received) => return Ok(mark(Verdict::TooLarge { status, received }, headers)),
    };
    if serde_json::from_slice::<types::ErrorBody>(&body).is_ok() {
        let mut answer = http::Response::new(body);
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        return Ok(reqwest::Response::from(answer));
    }
    Ok(mark(Verdict::NotInfisicalJson { status, body }, headers))
}

/// Reads the whole body, refusing more than `max` bytes (`Err(received so far)`), and gives
/// back a response that holds it.
pub(super) async fn read_capped(
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
}
