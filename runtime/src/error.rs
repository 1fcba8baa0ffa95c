//! The one error type of the client.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::call::{ResponseMeta, Retries, NOT_UNRESERVED};
use super::decode;

/// The result of every call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How much of an error body is kept in [`ApiError::raw_body`], and of a body that could
/// not be decoded in [`Error::Decode`].
pub(crate) const BODY_SNIPPET_BYTES: usize = 4096;

/// How much of an error body that says no code or summary its error's message shows (all
/// of it is in [`ApiError::raw_body`], up to [`BODY_SNIPPET_BYTES`]).
const SHOWN_BODY_CHARACTERS: usize = 200;

/// How much of an error's summary, and of each of its causes, its message shows (all of
/// them are in [`ApiError::body`]): a server can send a megabyte of either.
const SHOWN_TEXT_CHARACTERS: usize = 1_000;

/// How many of an error's causes its message shows.
const SHOWN_CAUSES: usize = 50;

/// What the client reads from a decoded error body to describe an error. The generated
/// crate implements it for each error body its API declares; any JSON
/// (`serde_json::Value`, an operation's `E` when it declares several error bodies or none)
/// is read by the names APIs commonly give these fields, as the generated models are.
pub trait ErrorBody: DeserializeOwned + fmt::Debug + Send + Sync + 'static {
    /// The API's code for the kind of error, when the body has one.
    fn code(&self) -> Option<&str> {
        None
    }

    /// What went wrong, as a sentence, when the body says.
    fn summary(&self) -> Option<&str> {
        None
    }

    /// What each cause is, as a sentence, when the body lists causes.
    fn causes(&self) -> Vec<&str> {
        Vec::new()
    }
}

/// The fields of a JSON error body that hold its code, most specific first (the generator's
/// `emit::errors` reads models by the same names).
const CODE_FIELDS: &[&str] = &["errorCode", "code", "error", "status"];

/// The fields that hold a sentence saying what went wrong, most specific first.
const SUMMARY_FIELDS: &[&str] = &[
    "errorSummary",
    "message",
    "detail",
    "error_description",
    "title",
    "description",
];

/// The fields that hold a list of causes, each with one of [`SUMMARY_FIELDS`].
const CAUSES_FIELDS: &[&str] = &["errorCauses", "causes", "errors", "details"];

/// The object an API wraps its error in, `{"error": {"code": …, "message": …}}` (Stripe's,
/// Google's), when it does.
fn wrapped(value: &serde_json::Value) -> Option<&serde_json::Value> {
    value.get("error").filter(|error| error.is_object())
}

/// The first of `fields` of `value` that is text.
fn text_of<'v>(value: &'v serde_json::Value, fields: &[&str]) -> Option<&'v str> {
    fields.iter().find_map(|field| value.get(field)?.as_str())
}

impl ErrorBody for serde_json::Value {
    fn code(&self) -> Option<&str> {
        text_of(self, CODE_FIELDS).or_else(|| text_of(wrapped(self)?, CODE_FIELDS))
    }

    fn summary(&self) -> Option<&str> {
        text_of(self, SUMMARY_FIELDS).or_else(|| text_of(wrapped(self)?, SUMMARY_FIELDS))
    }

    fn causes(&self) -> Vec<&str> {
        CAUSES_FIELDS
            .iter()
            .find_map(|field| self.get(field)?.as_array())
            .map(|causes| {
                causes
                    .iter()
                    .filter_map(|cause| text_of(cause, SUMMARY_FIELDS))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Everything that can go wrong with a call; `E` is the type of the API's error bodies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E: ErrorBody = serde_json::Value> {
    /// The server answered with a status outside 2xx.
    #[error(transparent)]
    Api(Box<ApiError<E>>),
    /// The request could not be sent or its response not received.
    #[error("{operation}: the request failed: {}", causes(source))]
    Transport {
        /// The operationId of the call.
        operation: &'static str,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
        /// The retries made before this failure.
        retries: Retries,
    },
    /// An attempt took longer than the request timeout.
    #[error(
        "{operation}: no response within {timeout:?}{}",
        after_retries(retries)
    )]
    Timeout {
        /// The operationId of the call.
        operation: &'static str,
        /// The request timeout that ran out.
        timeout: Duration,
        /// The retries made before this failure.
        retries: Retries,
    },
    /// A 2xx response's body is not what the API description says.
    #[error("{operation}: the {} response could not be decoded{}: {source}; the body starts with {snippet:?}", meta.status, at(path))]
    Decode {
        /// The operationId of the call.
        operation: &'static str,
        /// Status, request id and rate-limit headers.
        meta: Box<ResponseMeta>,
        /// Where in a JSON body decoding failed, as its fields and items from the top
        /// (`users[3].profile.email`); `None` at the top (not JSON, another type).
        path: Option<Box<str>>,
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

/// A client configuration that cannot be used; says what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid client configuration: {message}")]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<E: ErrorBody> From<ConfigError> for Error<E> {
    fn from(error: ConfigError) -> Self {
        Self::Config(error.message)
    }
}

impl<E: ErrorBody> Error<E> {
    /// The error without the query of the URL reqwest's errors show: a query may hold an
    /// API key, or a secret the API takes as a parameter (`?token=`, `?api_secret=`).
    pub(crate) fn without_query(mut self) -> Self {
        if let Self::Transport { source, .. } = &mut self {
            if let Some(url) = source.url_mut() {
                url.set_query(None);
            }
        }
        self
    }

    /// The HTTP status of the response this error is about, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        self.meta().map(|meta| meta.status)
    }

    /// The decoded error body, when the server sent one of the declared type.
    pub fn body(&self) -> Option<&E> {
        match self {
            Self::Api(api) => api.body.as_ref(),
            _ => None,
        }
    }

    /// The API's error code (e.g. `E0000047`), when the error body has one: as the API
    /// declares it, or, in a body that is not of the declared type, by a common name
    /// (`errorCode`, `code`, …), as the message shows it.
    pub fn error_code(&self) -> Option<&str> {
        self.api()?.code()
    }

    /// What went wrong, as the error body says (read as [`error_code`](Self::error_code) is).
    pub fn error_summary(&self) -> Option<&str> {
        self.api()?.summary()
    }

    /// What each cause is, as the error body lists them (read as
    /// [`error_code`](Self::error_code) is); empty when it lists none.
    pub fn error_causes(&self) -> Vec<&str> {
        self.api().map(|api| api.causes()).unwrap_or_default()
    }

    fn api(&self) -> Option<&ApiError<E>> {
        match self {
            Self::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The request id of the response, for the API's support.
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

    /// The retries the client made before this error (none when it failed before sending).
    pub fn retries(&self) -> Retries {
        match self {
            Self::Transport { retries, .. } | Self::Timeout { retries, .. } => *retries,
            _ => self.meta().map(|meta| meta.retries).unwrap_or_default(),
        }
    }

    /// A 2xx body that is not what `operation` declares, with `secret` (the credential the
    /// request sent) blanked out of all that quotes it.
    pub(crate) fn undecoded(
        operation: &'static str,
        meta: ResponseMeta,
        body: &[u8],
        failure: decode::Failure,
        secret: Option<&str>,
    ) -> Self {
        let path = failure.path.map(|mut path| {
            if let Some(secret) = secret {
                redact(&mut path, secret);
            }
            if path.len() > LONGEST_PATH {
                path = start_of(path, LONGEST_PATH);
                path.push('…');
            }
            path.into_boxed_str()
        });
        Self::Decode {
            operation,
            meta: Box::new(meta),
            path,
            snippet: snippet(body, secret),
            source: without_secret(failure.source, secret),
        }
    }

    /// Records the retries made before this error.
    pub(crate) fn set_retries(&mut self, made: Retries) {
        match self {
            Self::Api(api) => api.meta.retries = made,
            Self::Decode { meta, .. } | Self::BodyTooLarge { meta, .. } => meta.retries = made,
            Self::Transport { retries, .. } | Self::Timeout { retries, .. } => *retries = made,
            _ => {}
        }
    }

    /// Whether the request never reached the server because no connection could be made
    /// (refused, no route, a failed TLS handshake): the server cannot have acted on it.
    pub fn is_connect(&self) -> bool {
        matches!(self, Self::Transport { source, .. } if source.is_connect())
    }

    /// Whether the request was never sent, so the server cannot have acted on it: it could
    /// not be built (an argument no URL can hold), the client is misconfigured, no token
    /// could be had, or no connection could be made.
    pub fn is_unsent(&self) -> bool {
        match self {
            Self::InvalidRequest { .. } | Self::Config(_) | Self::TokenSource(_) => true,
            Self::Transport { source, .. } => source.is_connect() || source.is_builder(),
            _ => false,
        }
    }

    /// Whether the request may have been carried out all the same: it got no answer (a
    /// timeout, a dropped connection), an answer that could not be read, or a server error
    /// other than 503 (a gateway's 504 or 502 says nothing of what the service did). One
    /// never sent ([`is_unsent`](Self::is_unsent)) was not, nor one refused with a 4xx or
    /// a 503. This says it of the call's last attempt: an operation safe to send twice is
    /// retried after a timeout or a 504 too, so an earlier attempt may have been carried
    /// out (a [`CallProgress`](crate::CallProgress) tells of every attempt).
    pub fn may_have_been_carried_out(&self) -> bool {
        !self.is_unsent()
            && self.status().is_none_or(|status| {
                status.is_success()
                    || status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE
            })
    }

    /// Whether the same request may succeed later: rate limits (429), 503, 504 and failures
    /// to connect. A [`Error::Timeout`] or a connection closed before the answer is not,
    /// because the server may have acted on the request; nor is a 504 proof that it did
    /// not, so the client retries those only for operations that are safe to send twice
    /// (see [`RetryPolicy`](crate::RetryPolicy)).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(api) => is_retryable_status(api.meta.status),
            Self::Transport { .. } => self.is_connect(),
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

/// A response with a status outside 2xx. Its message names the operation, as every other
/// error's does, then the status, the error's code, summary and causes, and the request id:
/// `getIdentitySourceSession: 404 Not Found (E0000007): Not found: … (request id …)`.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError<E = serde_json::Value> {
    /// The operationId of the call.
    pub operation: &'static str,
    /// Status, request id and rate-limit headers.
    pub meta: ResponseMeta,
    /// The error body, when it decoded as the type the API declares.
    pub body: Option<E>,
    /// The start of the body (up to 4 KiB, lossy UTF-8) when it did not decode, or decoded
    /// to a body with neither a code nor a summary; `None` when the body was empty.
    pub raw_body: Option<String>,
    /// Whether the body was longer than the client reads of an error body (1 MiB, or
    /// `max_response_bytes` when lower) and was cut there, so that it could not be decoded.
    pub cut: bool,
    /// The body as any JSON, when it did not decode as `E` (a field of another type than
    /// declared) or says nothing by its fields: it may still say its code, summary and
    /// causes by the names APIs commonly give them.
    json: Option<serde_json::Value>,
}

impl<E: ErrorBody> ApiError<E> {
    /// The error of an answer with `body` (`cut` short at the client's limit, or whole),
    /// to a request that sent `secret` (its credential). A body that echoes the secret (a
    /// debug page, a proxy's error) is not decoded: it is kept only as its start, with the
    /// secret blanked out, so that no message or `Debug` of the error shows it, nor the start
    /// of it a cut body ends in. (`meta`'s request id has had the secret blanked out already.)
    pub(crate) fn new(
        operation: &'static str,
        meta: ResponseMeta,
        (body, cut): (&[u8], bool),
        secret: Option<&str>,
    ) -> Self {
        let (mut shown, mut echoed) = redacted(body, secret);
        if let (true, Some(secret)) = (cut, secret) {
            echoed |= redact_cut_end(&mut shown, secret);
        }
        let decoded = match body {
            [] => None,
            _ if echoed => None,
            body => serde_json::from_slice::<E>(body).ok(),
        };
        let described = decoded
            .as_ref()
            .is_some_and(|body| body.code().is_some() || body.summary().is_some());
        let raw_body =
            (!body.is_empty() && !described).then(|| start_of(shown, BODY_SNIPPET_BYTES));
        let json = match (described, echoed) {
            (true, _) => None,
            (false, false) => serde_json::from_slice(body).ok(),
            // Only what is shown of a body that echoed the secret, which has it blanked out.
            (false, true) => raw_body
                .as_deref()
                .and_then(|raw| serde_json::from_str(raw).ok()),
        };
        Self {
            operation,
            meta,
            body: decoded,
            raw_body,
            cut,
            json,
        }
    }

    /// The error's code: the decoded body's, or else one the body gives by a common name.
    pub fn code(&self) -> Option<&str> {
        let body = self.body.as_ref().and_then(ErrorBody::code);
        body.or_else(|| self.json.as_ref().and_then(ErrorBody::code))
    }

    /// What went wrong: the decoded body's summary, or else one the body gives by a common
    /// name.
    pub fn summary(&self) -> Option<&str> {
        let body = self.body.as_ref().and_then(ErrorBody::summary);
        body.or_else(|| self.json.as_ref().and_then(ErrorBody::summary))
    }

    /// What each cause is: as the decoded body lists them, or else as the body does by a
    /// common name; empty when it lists none.
    pub fn causes(&self) -> Vec<&str> {
        let causes = self
            .body
            .as_ref()
            .map(ErrorBody::causes)
            .unwrap_or_default();
        match causes.is_empty() {
            true => self
                .json
                .as_ref()
                .map(ErrorBody::causes)
                .unwrap_or_default(),
            false => causes,
        }
    }
}

/// Its fields, but not the whole body read as JSON (up to a mebibyte), which its code,
/// summary and causes show.
impl<E: fmt::Debug> fmt::Debug for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("meta", &self.meta)
            .field("body", &self.body)
            .field("raw_body", &self.raw_body)
            .field("cut", &self.cut)
            .finish_non_exhaustive()
    }
}

impl<E: ErrorBody> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.meta.status;
        write!(
            f,
            "{}: {} {}",
            self.operation,
            status.as_u16(),
            status.canonical_reason().unwrap_or("Unknown Status")
        )?;
        let (code, summary) = (self.code(), self.summary());
        if let Some(code) = code {
            write!(f, " ({code})")?;
        }
        if let Some(summary) = summary {
            write!(f, ": {}", shortened(summary))?;
        }
        let causes = self.causes();
        if !causes.is_empty() {
            let shown: Vec<_> = causes
                .iter()
                .take(SHOWN_CAUSES)
                .map(|cause| shortened(cause))
                .collect();
            write!(f, " [{}", shown.join("; "))?;
            if causes.len() > SHOWN_CAUSES {
                write!(f, "; and {} more", causes.len() - SHOWN_CAUSES)?;
            }
            f.write_str("]")?;
        }
        match &self.raw_body {
            Some(_) if self.json.is_some() && (code.is_some() || summary.is_some()) => {}
            Some(raw) => {
                let start: String = raw.chars().take(SHOWN_BODY_CHARACTERS).collect();
                let more = if start.len() < raw.len() { "…" } else { "" };
                let why = match self.cut {
                    true => "the body is longer than the client reads of an error body, so its error code and summary could not be read",
                    false => "the body says no error code or summary",
                };
                write!(f, ": {why}; it starts with {start:?}{more}")?;
            }
            None if self.body.is_none() => write!(f, " with an empty body")?,
            None => {}
        }
        if let Some(id) = &self.meta.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl<E: ErrorBody> std::error::Error for ApiError<E> {}

/// `text`, or its first [`SHOWN_TEXT_CHARACTERS`] and how many more there are.
pub(crate) fn shortened(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(SHOWN_TEXT_CHARACTERS) {
        None => Cow::Borrowed(text),
        Some((end, _)) => {
            let more = text[end..].chars().count();
            Cow::Owned(format!("{}… ({more} more characters)", &text[..end]))
        }
    }
}

/// Where in a body a decode failed, for its message: ` at `users[3].email``.
fn at(path: &Option<Box<str>>) -> String {
    path.as_ref()
        .map(|path| format!(" at `{path}`"))
        .unwrap_or_default()
}

/// The longest path of an [`Error::Decode`], in bytes: the names in it are the server's.
const LONGEST_PATH: usize = 1024;

/// `, after N retries`, when a call was sent more than once: a timeout is its last attempt's,
/// and the call took longer.
fn after_retries(retries: &Retries) -> String {
    match retries.total {
        0 => String::new(),
        1 => ", after 1 retry".to_owned(),
        retries => format!(", after {retries} retries"),
    }
}

/// An error and its causes, e.g. `error sending request: connection refused`.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
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
    if crate::tls::is_answer_without_tls(error) {
        text.push_str(
            " (the server did not answer in TLS, which an https:// URL asks for: a server that \
             speaks plain HTTP, such as a local emulator, is reached with http://)",
        );
    } else if crate::tls::is_certificate_refused(error) {
        text.push_str(
            " (the server's certificate was not accepted: issued by no authority this machine \
             trusts, expired, or for another name; a company's own authority is trusted through \
             SSL_CERT_FILE or SSL_CERT_DIR)",
        );
    } else if text.contains("tunnel error") {
        // A tunnel is what a request to an https URL asks of a proxy: the proxy failed, which
        // its own words don't tell someone who does not know one is in the way.
        text.push_str(
            " (the request went through a proxy, which could not be reached or refused it: \
             HTTPS_PROXY or ALL_PROXY in the environment, or the HTTP client's own)",
        );
    }
    text
}

/// What stands in for a secret in the body an error shows.
const REDACTED: &str = "[redacted]";

/// The shortest secret looked for: fewer characters can't be told from text.
const SHORTEST_SECRET: usize = 4;

/// The start of `body` as text, for errors, with `secret` (the credential the request sent)
/// blanked out wherever the body has it, before the text is cut.
fn snippet(body: &[u8], secret: Option<&str>) -> String {
    start_of(redacted(body, secret).0, BODY_SNIPPET_BYTES)
}

/// serde_json's error on a body, with `secret` blanked out of its words, which quote what
/// they could not read (`invalid type: string "…"`): when they had it, made again from
/// those words (a custom error, whose text still names the line and column, though its
/// `line()`, `column()` and `classify()` no longer do).
fn without_secret(source: serde_json::Error, secret: Option<&str>) -> serde_json::Error {
    let Some(secret) = secret else {
        return source;
    };
    let mut words = source.to_string();
    match redact(&mut words, secret) {
        true => serde::de::Error::custom(words),
        false => source,
    }
}

/// `body` as text with `secret` blanked out, and whether it had the secret. A JSON body
/// can hide it behind escapes (`\u002b`): its strings are looked at as read, and the body
/// written again without it.
fn redacted(body: &[u8], secret: Option<&str>) -> (String, bool) {
    let mut text = String::from_utf8_lossy(body).into_owned();
    let Some(secret) = secret else {
        return (text, false);
    };
    if redact(&mut text, secret) {
        return (text, true);
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut json) => match redact_strings(&mut json, secret) {
            true => (json.to_string(), true),
            false => (text, false),
        },
        Err(_) => (text, false),
    }
}

/// Blanks `secret` out of every string of `json`, keys included; whether one had it.
fn redact_strings(json: &mut serde_json::Value, secret: &str) -> bool {
    use serde_json::Value;
    match json {
        Value::String(text) => redact(text, secret),
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |found, item| redact_strings(item, secret) | found),
        Value::Object(members) => {
            let mut found = false;
            for (mut key, mut value) in std::mem::take(members) {
                found |= redact(&mut key, secret);
                found |= redact_strings(&mut value, secret);
                members.insert(key, value);
            }
            found
        }
        _ => false,
    }
}

/// The first `bytes` of `text` (a snippet's [`BODY_SNIPPET_BYTES`]), to a character's end.
fn start_of(mut text: String, bytes: usize) -> String {
    let mut end = text.len().min(bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

/// Blanks `secret` out of `text` in the forms a server may echo it ([`echoed_forms`]), in
/// any letter case. Whether it was there.
pub(crate) fn redact(text: &mut String, secret: &str) -> bool {
    let mut found = false;
    for form in echoed_forms(secret) {
        found |= replace_ignoring_case(text, &form, REDACTED);
    }
    found
}

/// Blanks `secret` (the credential the request sent) out of a 2xx `body` wherever the
/// server repeated it, as it is, percent-encoded or JSON-escaped, so that no caller's
/// output or log carries it; whether it was there. Only these forms, as sent: an error
/// body is looked into further (letters of another case, `\u` escapes), as it is only
/// shown, not decoded.
pub(crate) fn redact_echoed(body: &mut Vec<u8>, secret: Option<&str>) -> bool {
    let Some(secret) = secret else {
        return false;
    };
    let mut found = false;
    for form in echoed_forms(secret) {
        let form = form.as_bytes();
        let mut places = memchr::memmem::find_iter(body, form).peekable();
        if places.peek().is_none() {
            continue;
        }
        let mut blanked = Vec::with_capacity(body.len());
        let mut last = 0;
        for at in places {
            blanked.extend_from_slice(&body[last..at]);
            blanked.extend_from_slice(REDACTED.as_bytes());
            last = at + form.len();
        }
        blanked.extend_from_slice(&body[last..]);
        *body = blanked;
        found = true;
    }
    found
}

/// Blanks out the end of `text`, a body read only up to a limit, when it ends in the middle
/// of `secret` (in one of its [`echoed_forms`]); whether it did.
fn redact_cut_end(text: &mut String, secret: &str) -> bool {
    echoed_forms(secret)
        .iter()
        .any(|form| replace_cut_end(text, form, REDACTED))
}

/// The forms a server may echo `secret` in: as it is, percent-encoded (in a URL: every
/// character but letters and digits, or but RFC 3986's unreserved ones) or with its
/// slashes escaped (in JSON); none for a secret too short to be told from text.
fn echoed_forms(secret: &str) -> Vec<Cow<'_, str>> {
    if secret.len() < SHORTEST_SECRET {
        return Vec::new();
    }
    let encoded = Cow::from(utf8_percent_encode(secret, NON_ALPHANUMERIC));
    let component = Cow::from(utf8_percent_encode(secret, NOT_UNRESERVED));
    let escaped = secret.replace('/', "\\/");
    let mut forms: Vec<Cow<'_, str>> = Vec::with_capacity(4);
    for form in [
        Cow::Borrowed(secret),
        encoded,
        component,
        Cow::Owned(escaped),
    ] {
        if !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

/// Replaces the end of `text` when it is the start of `needle` (at least
/// [`SHORTEST_SECRET`] bytes of it, ASCII letters of either case alike), as a text cut
/// short in the middle of the needle ends; whether it was.
fn replace_cut_end(text: &mut String, needle: &str, with: &str) -> bool {
    let (text_bytes, needle) = (text.as_bytes(), needle.as_bytes());
    let longest = needle.len().saturating_sub(1).min(text_bytes.len());
    let cut = (SHORTEST_SECRET..=longest).rev().find(|&length| {
        let start = text_bytes.len() - length;
        text.is_char_boundary(start) && text_bytes[start..].eq_ignore_ascii_case(&needle[..length])
    });
    match cut {
        Some(length) => {
            text.truncate(text.len() - length);
            text.push_str(with);
            true
        }
        None => false,
    }
}

/// Replaces every `needle` in `text`, ASCII letters of either case alike; whether there was
/// one. Lowering ASCII letters moves no byte, so the places found in the lowered text are
/// places in `text`.
fn replace_ignoring_case(text: &mut String, needle: &str, with: &str) -> bool {
    let lowered = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    if !lowered.contains(&needle) {
        return false;
    }
    let mut replaced = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lowered.match_indices(&needle) {
        replaced.push_str(&text[last..at]);
        replaced.push_str(with);
        last = at + needle.len();
    }
    replaced.push_str(&text[last..]);
    *text = replaced;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What an answer of `status` with no headers of note says.
    fn meta(status: StatusCode) -> ResponseMeta {
        ResponseMeta {
            status,
            request_id: None,
            rate_limit: Default::default(),
            retry_after: None,
            date: None,
            attempts: 1,
            retries: Retries::default(),
        }
    }

    #[test]
    fn a_request_never_sent_is_told_from_one_that_may_have_reached_the_server() {
        type E = Error<serde_json::Value>;
        let invalid = E::InvalidRequest {
            operation: "getThing",
            message: "`..` can't be a path segment".into(),
        };
        assert!(invalid.is_unsent());
        assert!(E::Config("no base URL".into()).is_unsent());
        assert!(E::TokenSource("the token endpoint is down".into()).is_unsent());
        let timeout = E::Timeout {
            operation: "getThing",
            timeout: Duration::from_secs(1),
            retries: Retries::default(),
        };
        assert!(!timeout.is_unsent());
    }

    #[test]
    fn a_decode_error_says_where_without_quoting_the_secret() {
        type Map = std::collections::BTreeMap<String, Vec<u32>>;
        let undecoded = |body: &[u8], secret| {
            let failure = decode::json::<Map>(body).unwrap_err();
            let meta = meta(StatusCode::OK);
            Error::<serde_json::Value>::undecoded("listThings", meta, body, failure, secret)
        };
        let body = br#"{"fine": [1], "key s3cret/Value+1": [2, "x"]}"#;
        let error = undecoded(body, Some("s3cret/Value+1"));
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.starts_with(
                "listThings: the 200 OK response could not be decoded at `key [redacted][1]`: \
                 invalid type: string \"x\", expected u32 at line 1 column 43; \
                 the body starts with \"{\\\"fine\\\": [1], \\\"key [redacted]\\\": [2, \\\"x\\\"]}\""
            ),
            "{shown}"
        );
        let Error::Decode { path, source, .. } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(path.as_deref(), Some("key [redacted][1]"));
        assert_eq!((source.line(), source.column()), (1, 43));

        // A path is cut, as the names in it are the server's.
        let long = format!(r#"{{"{}": ["x"]}}"#, "k".repeat(5_000));
        let Error::Decode { path, .. } = undecoded(long.as_bytes(), None) else {
            panic!("a decode error");
        };
        let path = path.unwrap_or_default();
        assert!(path.len() < 1_100 && path.ends_with('…'), "{}", path.len());

        let error = undecoded(b"<html>", None);
        assert!(
            error.to_string().starts_with(
                "listThings: the 200 OK response could not be decoded: expected value"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_secret_is_blanked_out_in_every_form_a_server_may_echo_it() {
        let secret = "s3cret/Value+1";
        let body = "a s3cret/Value+1, S3CRET/VALUE+1, s3cret%2FValue%2B1 and s3cret\\/Value+1";
        assert_eq!(
            snippet(body.as_bytes(), Some(secret)),
            "a [redacted], [redacted], [redacted] and [redacted]"
        );
        // Blanked out before the text is cut, so no part of it is left at the cut.
        let body = format!("{}{secret}", "x".repeat(BODY_SNIPPET_BYTES - 5));
        let shown = snippet(body.as_bytes(), Some(secret));
        assert_eq!(shown.len(), BODY_SNIPPET_BYTES);
        assert!(shown.ends_with("x[reda"), "{shown}");
        // Three characters are too few to tell a secret from text.
        assert_eq!(snippet(b"ends with s3c", Some("s3c")), "ends with s3c");
        // Behind a JSON escape, in a value or a key.
        let body = br#"{"errorSummary":"bad s3cret\/Value\u002b1","s3cret/Value\u002b1":[1]}"#;
        let shown = snippet(body, Some(secret));
        assert_eq!(
            shown,
            r#"{"[redacted]":[1],"errorSummary":"bad [redacted]"}"#
        );
    }

    #[test]
    fn a_body_cut_in_the_middle_of_the_secret_has_its_start_blanked_out() {
        let secret = "00SECRETtokenVALUE";
        let error = |body: &str, cut| {
            ApiError::<serde_json::Value>::new(
                "op",
                meta(StatusCode::BAD_REQUEST),
                (body.as_bytes(), cut),
                Some(secret),
            )
        };
        let cut = error("error: 00secretTOK", true);
        assert_eq!(cut.raw_body, Some(format!("error: {REDACTED}")));
        // Fewer bytes of it than a secret has are left: they tell nothing.
        let short = error("error: 00S", true);
        assert_eq!(short.raw_body.as_deref(), Some("error: 00S"));
        // A whole body that ends as the secret starts does not hold it.
        let whole = error("error: 00secretTOK", false);
        assert_eq!(whole.raw_body.as_deref(), Some("error: 00secretTOK"));
    }

    #[test]
    fn any_json_is_read_by_the_names_apis_commonly_give_code_summary_and_causes() {
        let body = serde_json::json!({
            "code": "not_found",
            "title": "Not Found",
            "detail": "No pet 7.",
            "errors": [{"message": "petId: no such pet"}, {"field": "x"}],
        });
        assert_eq!(body.code(), Some("not_found"));
        assert_eq!(body.summary(), Some("No pet 7."));
        assert_eq!(body.causes(), ["petId: no such pet"]);
        // Wrapped in an `error` object.
        let wrapped =
            serde_json::json!({"error": {"code": "card_declined", "message": "Declined."}});
        assert_eq!(wrapped.code(), Some("card_declined"));
        assert_eq!(wrapped.summary(), Some("Declined."));
        // Google's: the code a number (the HTTP status), its name in `status`.
        let google = serde_json::json!({"error": {"code": 404, "message": "No such book.", "status": "NOT_FOUND"}});
        assert_eq!(
            (google.code(), google.summary()),
            (Some("NOT_FOUND"), Some("No such book."))
        );
        let oauth = serde_json::json!({"error": "invalid_client", "error_description": "Bad key."});
        assert_eq!(
            (oauth.code(), oauth.summary()),
            (Some("invalid_client"), Some("Bad key."))
        );
        let other = serde_json::json!({"error": {"status": 500}, "errors": "none"});
        assert_eq!((other.code(), other.summary()), (None, None));
        assert!(other.causes().is_empty());
    }

    /// A body whose one field has another type than declared does not decode; its code,
    /// summary and causes are still read by their names, for matching as for the message.
    #[test]
    fn the_code_of_a_body_not_of_the_declared_type_is_still_there_to_match() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Declared {
            #[serde(rename = "errorCode")]
            code: Option<String>,
            #[serde(rename = "errorLink")]
            link: Option<String>,
        }
        impl ErrorBody for Declared {}
        let meta = meta(StatusCode::TOO_MANY_REQUESTS);
        let body = br#"{"errorCode":"E0000047","errorSummary":"Slow down.","errorLink":5,"errorCauses":[{"errorSummary":"too many"}]}"#;
        let error = Error::Api(Box::new(ApiError::<Declared>::new(
            "listThings",
            meta,
            (body, false),
            None,
        )));
        assert!(error.body().is_none());
        assert_eq!(error.error_code(), Some("E0000047"));
        assert_eq!(error.error_summary(), Some("Slow down."));
        assert_eq!(error.error_causes(), ["too many"]);
        assert_eq!(
            error.to_string(),
            "listThings: 429 Too Many Requests (E0000047): Slow down. [too many]"
        );
    }

    #[test]
    fn a_body_that_says_no_code_or_summary_is_shown_in_part() {
        let meta = meta(StatusCode::NOT_FOUND);
        let body = format!("{{\"note\": \"{}\"}}", "é".repeat(300));
        let error =
            ApiError::<serde_json::Value>::new("getThing", meta, (body.as_bytes(), false), None);
        let start: String = body.chars().take(SHOWN_BODY_CHARACTERS).collect();
        assert_eq!(
            error.to_string(),
            format!(
                "getThing: 404 Not Found: the body says no error code or summary; it starts with {start:?}…"
            )
        );
        assert_eq!(error.raw_body.as_deref(), Some(body.as_str()));
    }
}
