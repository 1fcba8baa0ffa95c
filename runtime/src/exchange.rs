//! One HTTP exchange with the org: a request sent once, and its answer read within the
//! client's limits. API calls and token requests both go through it.

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, Url};

use super::base_url;
use super::call::{ResponseMeta, Retries};
use super::client::Transport;
use super::error::{redact, ApiError, Error, ErrorBody, Result};

/// Sends one HTTP request through `transport` (its User-Agent, request timeout and body
/// limit) and reads the answer: the 2xx metadata and body, or the error, which shows no
/// `secret` (the credential in `headers` or elsewhere in the request) its body may echo.
///
/// The body can be sent only once, so no redirect resends it anywhere, and an answer
/// from another origin than the request's (an injected client that follows redirects)
/// is refused unread. A 2xx body larger than the limit is an error, unless the caller
/// `ignores_answer`: it is then cut there.
pub(crate) async fn exchange<E: ErrorBody>(
    transport: &Transport,
    method: Method,
    url: &Url,
    (headers, secret): (HeaderMap, Option<&str>),
    body: Option<Bytes>,
    operation: &'static str,
    (attempt, ignores_answer): (u32, bool),
) -> Result<(ResponseMeta, Vec<u8>), Error<E>> {
    let failed = |source| transport_error(source, operation, transport);
    let response = http_request(transport, method, url, headers, body)
        .send()
        .await
        .map_err(failed)?;
    if !base_url::same_origin(response.url(), url) {
        return Err(Error::Redirected {
            operation,
            origin: response.url().origin().ascii_serialization(),
        });
    }
    let status = response.status();
    let mut meta = ResponseMeta::from_response(status, response.headers(), attempt);
    // The request id is shown with errors and handed to the caller: a server may echo the
    // secret there.
    if let (Some(id), Some(secret)) = (meta.request_id.as_mut(), secret) {
        redact(id, secret);
    }
    let limit = transport.max_response_bytes;
    let read = match status.is_success() {
        true => limit,
        false => limit.min(MAX_ERROR_BODY_BYTES),
    };
    let (body, cut) = read_capped(response, read, status.is_success() && !ignores_answer)
        .await
        .map_err(|error| match error {
            Some(source) => failed(source),
            None => Error::BodyTooLarge {
                operation,
                meta: Box::new(meta.clone()),
                limit,
            },
        })?;
    if status.is_success() {
        Ok((meta, body))
    } else {
        let error = ApiError::new(operation, meta, (&body, cut), secret);
        Err(Error::Api(Box::new(error)))
    }
}

/// The request as reqwest sends it: the client's User-Agent and timeout, and the body in
/// a form that cannot be replayed (reqwest follows a 307 or 308 only with a body it can
/// send again).
fn http_request(
    transport: &Transport,
    method: Method,
    url: &Url,
    mut headers: HeaderMap,
    body: Option<Bytes>,
) -> reqwest::RequestBuilder {
    headers.insert(header::USER_AGENT, transport.user_agent.header());
    let body = match body {
        Some(body) => Some(reqwest::Body::wrap(http_body_util::Full::new(body))),
        // Some proxies answer 411 to a POST without a length.
        None if matches!(method, Method::POST | Method::PUT | Method::PATCH) => {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(0));
            None
        }
        None => None,
    };
    let request = transport
        .http
        .request(method, url.clone())
        .headers(headers)
        .timeout(transport.request_timeout);
    match body {
        Some(body) => request.body(body),
        None => request,
    }
}

/// What reqwest reported, as the client's error. A connect timeout is a failure to
/// connect (nothing was sent, so it is retried like a refused connection), not the
/// request timeout running out.
fn transport_error<E: ErrorBody>(
    source: reqwest::Error,
    operation: &'static str,
    transport: &Transport,
) -> Error<E> {
    let retries = Retries::default();
    if source.is_timeout() && !source.is_connect() {
        Error::Timeout {
            operation,
            timeout: transport.request_timeout,
            retries,
        }
    } else {
        Error::Transport {
            operation,
            source,
            retries,
        }
    }
}

/// The most of an error body read: Okta's largest errors (a cause for each field of 200
/// profiles) are a few hundred kilobytes, and an error shows only its start, so a larger
/// body (a server that sends without end) is cut here rather than at the limit of a 2xx
/// body, which a caller may raise for long lists.
const MAX_ERROR_BODY_BYTES: usize = 1024 * 1024;

/// The body of `response`, at most `limit` bytes, and whether it was cut there: a larger
/// one is an error (`None`) when `refuse_larger`, and is cut at `limit` otherwise (an
/// error stays an error, and is retried as one; only its body is cut short).
async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
    refuse_larger: bool,
) -> std::result::Result<(Vec<u8>, bool), Option<reqwest::Error>> {
    if refuse_larger
        && response
            .content_length()
            .is_some_and(|length| length > limit as u64)
    {
        return Err(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Some)? {
        if body.len() + chunk.len() > limit {
            if refuse_larger {
                return Err(None);
            }
            body.extend_from_slice(&chunk[..limit - body.len()]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}
