//! The one error type of the client.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use super::call::ResponseMeta;

/// The result of every call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How much of a body that is not an Okta error is kept in [`ApiError::raw_body`], and of a
/// body that could not be decoded in [`Error::Decode`].
pub(crate) const BODY_SNIPPET_BYTES: usize = 4096;

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status outside 2xx.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request could not be sent or its response not received.
    #[error("{operation}: the request failed: {}", causes(source))]
    Transport {
        /// The operationId of the call.
        operation: &'static str,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// An attempt took longer than the request timeout.
    #[error("{operation}: no response within {timeout:?}")]
    Timeout {
        /// The operationId of the call.
        operation: &'static str,
        /// The request timeout that ran out.
        timeout: Duration,
    },
    /// A 2xx response's body is not what the API description says.
    #[error("{operation}: the {} response could not be decoded: {source}; the body starts with {snippet:?}", meta.status)]
    Decode {
        /// The operationId of the call.
        operation: &'static str,
        /// Status, request id and rate-limit headers.
        meta: Box<ResponseMeta>,
        /// The start of the body (up to 4 KiB, lossy UTF-8).
        snippet: String,
        /// What serde_json reported.
        #[source]
        source: serde_json::Error,
    },
    /// A response body was larger than the configured limit.
    #[error("{operation}: the {} response body is larger than the limit of {limit} bytes", meta.status)]
    BodyTooLarge {
        /// The operationId of the call.
        operation: &'static str,
        /// Status, request id and rate-limit headers.
        meta: Box<ResponseMeta>,
        /// The configured limit.
        limit: usize,
    },
    /// The answer came from another origin than the base URL's: an injected HTTP client
    /// followed a redirect. The answer is not read.
    #[error("{operation}: the answer came from {origin}, not from the base URL's origin (a redirect was followed); it was not read")]
    Redirected {
        /// The operationId of the call.
        operation: &'static str,
        /// The origin (scheme, host and port) the answer came from.
        origin: String,
    },
    /// The request could not be built from the arguments.
    #[error("{operation}: {message}")]
    InvalidRequest {
        /// The operationId of the call.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The client is misconfigured.
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// The token source failed to produce a token.
    #[error("the token source failed: {0}")]
    TokenSource(#[source] crate::BoxError),
}

impl Error {
    /// The HTTP status of the response this error is about, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        self.meta().map(|meta| meta.status)
    }

    /// Okta's error code (e.g. `E0000047`), when the server sent an Okta error body.
    pub fn okta_error_code(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.body.as_ref()?.error_code.as_deref(),
            _ => None,
        }
    }

    /// The `X-Okta-Request-Id` of the response, for Okta support.
    pub fn request_id(&self) -> Option<&str> {
        self.meta()?.request_id.as_deref()
    }

    /// What the response said about the rate limit, if there was a response.
    pub fn meta(&self) -> Option<&ResponseMeta> {
        match self {
            Self::Api(api) => Some(&api.meta),
            Self::Decode { meta, .. } | Self::BodyTooLarge { meta, .. } => Some(meta),
            _ => None,
        }
    }

    /// Whether the same request may succeed later: rate limits (429), 503, 504 and failures
    /// to connect. A [`Error::Timeout`] is not, because the server may have acted on the
    /// request; nor is a 504 proof that it did not, so the client retries a 504 only for
    /// operations that are safe to send twice (see [`RetryPolicy`](crate::RetryPolicy)).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(api) => is_retryable_status(api.meta.status),
            Self::Transport { source, .. } => source.is_connect(),
            _ => false,
        }
    }
}

pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// A response with a status outside 2xx.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The operationId of the call.
    pub operation: &'static str,
    /// Status, request id and rate-limit headers.
    pub meta: ResponseMeta,
    /// The Okta error body, when the body was one.
    pub body: Option<ErrorBody>,
    /// The start of the body when it was not an Okta error (up to 4 KiB, lossy UTF-8);
    /// `None` when the body was empty or an Okta error.
    pub raw_body: Option<String>,
}

impl ApiError {
    pub(crate) fn new(operation: &'static str, meta: ResponseMeta, body: &[u8]) -> Self {
        let parsed = serde_json::from_slice::<ErrorBody>(body)
            .ok()
            .filter(ErrorBody::is_okta_error);
        let raw_body = match (&parsed, body.is_empty()) {
            (None, false) => Some(snippet(body)),
            _ => None,
        };
        Self {
            operation,
            meta,
            body: parsed,
            raw_body,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.meta.status;
        write!(
            f,
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Unknown Status")
        )?;
        match (&self.body, &self.raw_body) {
            (Some(body), _) => {
                if let Some(code) = &body.error_code {
                    write!(f, " ({code})")?;
                }
                if let Some(summary) = &body.error_summary {
                    write!(f, ": {summary}")?;
                }
                let causes: Vec<&str> = body
                    .error_causes
                    .iter()
                    .filter_map(|c| c.error_summary.as_deref())
                    .collect();
                if !causes.is_empty() {
                    write!(f, " [{}]", causes.join("; "))?;
                }
            }
            (None, Some(raw)) => write!(
                f,
                ": the body is not an Okta error ({} bytes shown)",
                raw.len()
            )?,
            (None, None) => write!(f, " with an empty body")?,
        }
        if let Some(id) = &self.meta.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The body of an Okta error response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorBody {
    /// Okta's code for the kind of error, e.g. `E0000007`.
    #[serde(default)]
    pub error_code: Option<String>,
    /// What went wrong, as a sentence.
    #[serde(default)]
    pub error_summary: Option<String>,
    /// A link or code for the error.
    #[serde(default)]
    pub error_link: Option<String>,
    /// The id of this occurrence, for Okta support.
    #[serde(default)]
    pub error_id: Option<String>,
    /// The individual causes.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub error_causes: Vec<ErrorCause>,
}

impl ErrorBody {
    fn is_okta_error(&self) -> bool {
        self.error_code.is_some() || self.error_summary.is_some()
    }
}

/// One cause of an Okta error.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorCause {
    /// What this cause is, as a sentence.
    #[serde(default)]
    pub error_summary: Option<String>,
}

/// Reads `null` like an absent list.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ErrorCause>, D::Error> {
    Ok(Option::<Vec<ErrorCause>>::deserialize(deserializer)?.unwrap_or_default())
}

/// An error and its causes, e.g. `error sending request: connection refused`.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The start of `body` as text, for errors.
pub(crate) fn snippet(body: &[u8]) -> String {
    let end = body.len().min(BODY_SNIPPET_BYTES);
    String::from_utf8_lossy(&body[..end]).into_owned()
}
