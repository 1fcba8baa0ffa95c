// Copied by `cargo xtask codegen` from templates/src/runtime/call.rs. Do not edit.

//! One call: the request the generated code describes, sending it with retries, and the
//! decoded response with its metadata.

use std::fmt::Display;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use super::client::Client;
use super::error::{is_retryable_status, snippet, ApiError, Error, Result};

/// Everything but RFC 3986's unreserved characters is escaped in a path parameter, so a
/// value is always exactly one path segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A request as the generated code describes it; built into an HTTP request on sending.
pub(crate) struct Request {
    method: Method,
    operation: &'static str,
    path_template: &'static str,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    /// The first thing that went wrong while describing the request, reported on sending.
    error: Option<String>,
}

// Which of these an API description needs depends on its parameters.
#[allow(dead_code)]
impl Request {
    pub(crate) fn new(
        method: Method,
        operation: &'static str,
        path_template: &'static str,
    ) -> Self {
        Self {
            method,
            operation,
            path_template,
            path_params: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            error: None,
        }
    }

    pub(crate) fn path_param(mut self, name: &'static str, value: impl Display) -> Self {
        self.path_params.push((name, value.to_string()));
        self
    }

    pub(crate) fn query(mut self, name: &'static str, value: impl Display) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    pub(crate) fn optional_query(self, name: &'static str, value: Option<impl Display>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Display) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    pub(crate) fn optional_header(self, name: &'static str, value: Option<impl Display>) -> Self {
        match value {
            Some(value) => self.header(name, value),
            None => self,
        }
    }

    pub(crate) fn json_body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes),
            Err(error) => self.fail(format!("the request body could not be serialised: {error}")),
        }
        self
    }

    pub(crate) fn optional_json_body<B: Serialize + ?Sized>(self, body: Option<&B>) -> Self {
        match body {
            Some(body) => self.json_body(body),
            None => self,
        }
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// The path with every `{name}` replaced by its percent-encoded value.
    fn path(&self) -> std::result::Result<String, String> {
        let mut path = String::with_capacity(self.path_template.len() + 32);
        let mut rest = self.path_template;
        while let Some(start) = rest.find('{') {
            path.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("malformed path template {}", self.path_template))?;
            let name = &after[..end];
            let value = self
                .path_params
                .iter()
                .find(|(param, _)| *param == name)
                .map(|(_, value)| value.as_str())
                .ok_or_else(|| format!("no value for the path parameter `{name}`"))?;
            if value.is_empty() || value == "." || value == ".." {
                return Err(format!(
                    "the path parameter `{name}` must not be empty, `.` or `..` (got {value:?})"
                ));
            }
            path.extend(utf8_percent_encode(value, PATH_SEGMENT));
            rest = &after[end + 1..];
        }
        path.push_str(rest);
        Ok(path)
    }

    /// The full URL under `base`.
    fn url(&self, base: &Url) -> std::result::Result<Url, String> {
        let mut url = base.clone();
        url.set_path(&format!(
            "{}{}",
            base.path().trim_end_matches('/'),
            self.path()?
        ));
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }

    fn headers(&self) -> std::result::Result<HeaderMap, String> {
        let mut headers = HeaderMap::with_capacity(self.headers.len() + 2);
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("`{name}` is not a valid header name"))?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                format!("the header `{name}` has characters not allowed in a header")
            })?;
            headers.append(name, value);
        }
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if self.body.is_some() {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        Ok(headers)
    }
}

/// What a response said besides its body: status, request id and rate-limit headers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// The HTTP status.
    pub status: StatusCode,
    /// `X-Okta-Request-Id`, for Okta support.
    pub request_id: Option<String>,
    /// The `X-Rate-Limit-*` headers.
    pub rate_limit: RateLimit,
    /// The `Date` header, when there is one and it parses.
    pub date: Option<SystemTime>,
    /// How many attempts the call took, retries included.
    pub attempts: u32,
}

/// The rate-limit headers of a response; each is `None` when missing or garbled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-Rate-Limit-Limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`: when the window resets, in UTC epoch seconds.
    pub reset: Option<u64>,
}

impl RateLimit {
    fn from_headers(headers: &HeaderMap) -> Self {
        let number =
            |name: &str| single_header(headers, name).and_then(|value| value.trim().parse().ok());
        Self {
            limit: number("x-rate-limit-limit"),
            remaining: number("x-rate-limit-remaining"),
            reset: number("x-rate-limit-reset"),
        }
    }

    /// When the window resets.
    pub fn reset_at(&self) -> Option<SystemTime> {
        self.reset
            .and_then(|seconds| UNIX_EPOCH.checked_add(Duration::from_secs(seconds)))
    }
}

/// The value of a header that appears exactly once, as text.
fn single_header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()
}

impl ResponseMeta {
    fn from_response(status: StatusCode, headers: &HeaderMap, attempts: u32) -> Self {
        Self {
            status,
            request_id: single_header(headers, "x-okta-request-id").map(str::to_owned),
            rate_limit: RateLimit::from_headers(headers),
            date: single_header(headers, "date")
                .and_then(|date| httpdate::parse_http_date(date).ok()),
            attempts,
        }
    }
}

/// A decoded response body with the response's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    body: T,
    meta: ResponseMeta,
}

impl<T> Response<T> {
    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// Status, request id and rate-limit headers.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// The decoded body, dropping the metadata.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The body and the metadata.
    pub fn into_parts(self) -> (T, ResponseMeta) {
        (self.body, self.meta)
    }
}

type Decode<T> = fn(&[u8]) -> serde_json::Result<T>;

/// A call to one operation, ready to send. `.await` it for the decoded body, or
/// [`send`](Self::send) it for the body together with the response's
/// [metadata](ResponseMeta) (rate limits, request id).
#[must_use = "a call does nothing until it is awaited or sent"]
pub struct Call<T> {
    client: Client,
    request: Request,
    decode: Decode<T>,
}

impl<T: DeserializeOwned> Call<T> {
    /// A call whose 2xx body is JSON decoded as `T`.
    pub(crate) fn json(client: Client, request: Request) -> Self {
        Self {
            client,
            request,
            decode: |body| serde_json::from_slice(body),
        }
    }
}

impl Call<()> {
    /// A call whose 2xx response has no body worth reading.
    pub(crate) fn empty(client: Client, request: Request) -> Self {
        Self {
            client,
            request,
            decode: |_| Ok(()),
        }
    }
}

impl<T> Call<T> {
    /// Sends the request (retrying as the client's [`RetryPolicy`](crate::RetryPolicy)
    /// says) and returns the decoded body with the response's metadata.
    pub async fn send(self) -> Result<Response<T>> {
        let Self {
            client,
            request,
            decode,
        } = self;
        let operation = request.operation;
        let span = tracing::debug_span!(
            "okta_request",
            operation,
            method = %request.method,
            path = request.path_template,
        );
        let (meta, body) = execute(&client, request).instrument(span).await?;
        match decode(&body) {
            Ok(body) => Ok(Response { body, meta }),
            Err(source) => Err(Error::Decode {
                operation,
                meta: Box::new(meta),
                snippet: snippet(&body),
                source,
            }),
        }
    }
}

impl<T: Send + 'static> IntoFuture for Call<T> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.send().await.map(Response::into_body) })
    }
}

/// Sends `request` until it succeeds or the retry policy says stop; returns the 2xx
/// response's metadata and body.
async fn execute(client: &Client, request: Request) -> Result<(ResponseMeta, Vec<u8>)> {
    let operation = request.operation;
    let invalid = |message: String| Error::InvalidRequest { operation, message };
    if let Some(message) = request.error.clone() {
        return Err(invalid(message));
    }
    let inner = &client.inner;
    let url = request.url(&inner.base_url).map_err(invalid)?;
    let headers = request.headers().map_err(invalid)?;
    let policy = &inner.retry;
    let started = Instant::now();
    let mut retry = RetryHeaders::default();
    let mut attempt = 0;
    let mut retries = 0;
    let mut reauthenticated = false;
    loop {
        attempt += 1;
        let attempt_started = Instant::now();
        let (authorization, token) = inner.credentials.header().await?;
        let outcome = attempt_once(
            client,
            &request,
            &url,
            &headers,
            authorization,
            &retry,
            attempt,
        )
        .await;
        let error = match outcome {
            Ok(success) => {
                tracing::debug!(
                    attempt,
                    status = success.0.status.as_u16(),
                    elapsed_ms = elapsed_ms(attempt_started),
                    "response"
                );
                return Ok(success);
            }
            Err(error) => error,
        };
        tracing::debug!(
            attempt,
            status = error.status().map(|s| s.as_u16()),
            elapsed_ms = elapsed_ms(attempt_started),
            "attempt failed"
        );
        // A token from a token source may have expired early or been revoked: send once
        // more with a new one. This is not a retry in the policy's sense.
        if !reauthenticated
            && error.status() == Some(StatusCode::UNAUTHORIZED)
            && inner.credentials.rejected(token.as_deref())
        {
            reauthenticated = true;
            tracing::debug!(attempt, "token rejected; sending again with a new one");
            continue;
        }
        let Some(delay) = retry_delay(&error, retries + 1, policy) else {
            return Err(error);
        };
        if retries >= policy.max_retries || started.elapsed() + delay > policy.max_elapsed {
            return Err(error);
        }
        retries += 1;
        // A failure without a response (a refused connection) keeps the last request id.
        retry = RetryHeaders {
            retry_for: error.request_id().map(str::to_owned).or(retry.retry_for),
            count: retries,
        };
        tracing::debug!(
            attempt,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "retrying"
        );
        tokio::time::sleep(delay).await;
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The headers Okta asks retried requests to carry.
#[derive(Default)]
struct RetryHeaders {
    /// `X-Okta-Retry-For`: the request id of the failed response.
    retry_for: Option<String>,
    /// `X-Okta-Retry-Count`: how many retries this is; 0 on the first attempt.
    count: u32,
}

/// How long to wait before retry number `retry` after `error`; `None` when it should not
/// be retried.
fn retry_delay(error: &Error, retry: u32, policy: &super::client::RetryPolicy) -> Option<Duration> {
    match error {
        Error::Api(api) if api.meta.status == StatusCode::TOO_MANY_REQUESTS => {
            match api.rate_limit_wait() {
                Some(wait) => {
                    let wait = wait.saturating_add(policy.rate_limit_margin);
                    (wait <= policy.max_rate_limit_wait).then_some(wait)
                }
                None => Some(policy.backoff_delay(retry)),
            }
        }
        Error::Api(api) if is_retryable_status(api.meta.status) => {
            Some(policy.backoff_delay(retry))
        }
        Error::Transport { source, .. } if source.is_connect() => Some(policy.backoff_delay(retry)),
        _ => None,
    }
}

impl ApiError {
    /// How long until `X-Rate-Limit-Reset`, measured against the response's `Date`;
    /// `None` when either header is missing or garbled.
    fn rate_limit_wait(&self) -> Option<Duration> {
        let reset = self.meta.rate_limit.reset_at()?;
        let date = self.meta.date?;
        Some(reset.duration_since(date).unwrap_or(Duration::ZERO))
    }
}

/// One attempt: the 2xx metadata and body, or the error.
async fn attempt_once(
    client: &Client,
    request: &Request,
    url: &Url,
    headers: &HeaderMap,
    authorization: HeaderValue,
    retry: &RetryHeaders,
    attempt: u32,
) -> Result<(ResponseMeta, Vec<u8>)> {
    let inner = &client.inner;
    let operation = request.operation;
    // Set, not appended: a parameter of the same name never doubles these headers.
    let mut headers = headers.clone();
    headers.insert(header::USER_AGENT, inner.user_agent.clone());
    headers.insert(header::AUTHORIZATION, authorization);
    if retry.count > 0 {
        headers.insert("x-okta-retry-count", HeaderValue::from(retry.count));
        if let Some(request_id) = retry
            .retry_for
            .as_deref()
            .and_then(|id| HeaderValue::from_str(id).ok())
        {
            headers.insert("x-okta-retry-for", request_id);
        }
    }
    let mut builder = inner
        .http
        .request(request.method.clone(), url.clone())
        .headers(headers)
        .timeout(inner.request_timeout);
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    // A connect timeout is a failure to connect (nothing was sent, so it is retried like a
    // refused connection), not the request timeout running out.
    let transport = |source: reqwest::Error| {
        if source.is_timeout() && !source.is_connect() {
            Error::Timeout {
                operation,
                timeout: inner.request_timeout,
            }
        } else {
            Error::Transport { operation, source }
        }
    };
    let mut response = builder.send().await.map_err(transport)?;
    let status = response.status();
    let meta = ResponseMeta::from_response(status, response.headers(), attempt);
    let limit = inner.max_response_bytes;
    let too_large = |meta: ResponseMeta| Error::BodyTooLarge {
        operation,
        meta: Box::new(meta),
        limit,
    };
    if status.is_success()
        && response
            .content_length()
            .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large(meta));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > limit {
            if status.is_success() {
                return Err(too_large(meta));
            }
            // An error stays an error (and is retried as one); only its body is cut short.
            body.extend_from_slice(&chunk[..limit - body.len()]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    if status.is_success() {
        Ok((meta, body))
    } else {
        Err(Error::Api(Box::new(ApiError::new(operation, meta, &body))))
    }
}
