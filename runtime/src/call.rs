//! One call: the request the generated code describes, sending it with retries, and the
//! decoded response with its metadata.

use std::borrow::Cow;
use std::fmt::Display;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use super::auth::Credentials;
use super::client::{Client, RetryPolicy};
use super::conventions;
use super::decode;
use super::error::{is_retryable_status, redact_echoed, Error, ErrorBody, Result};
use super::exchange::exchange;
use super::form::form_text;
use super::json_body::JsonBody;
use super::multipart::{FilePart, Parts};
use super::query::{object_items, object_pairs, value_pairs, DeepItems, ObjectStyle};
use super::reached::Reached;

/// Everything but RFC 3986's unreserved characters is escaped in a path parameter, so a
/// value is always exactly one path segment, and in a query parameter's name and value (a
/// space is `%20`, which every server reads as one, where `+` is one only to a form's).
pub(crate) const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A query parameter's value.
#[derive(Debug)]
enum QueryValue {
    /// Text, percent-encoded when the URL is made.
    Text(String),
    /// Text written for the query already (a list whose separators are not escaped).
    Written(String),
}

/// A request as the generated code describes it; built into an HTTP request on sending.
pub struct Request {
    method: Method,
    operation: &'static str,
    /// The path template, for traces.
    path_template: &'static str,
    /// The path, its parameters' values percent-encoded.
    path: String,
    query: Vec<(Cow<'static, str>, QueryValue)>,
    headers: Vec<(&'static str, String)>,
    /// The media type and the bytes of the body, serialised once and shared by every
    /// attempt.
    body: Option<(Cow<'static, str>, Bytes)>,
    /// The parts of a `multipart/form-data` body, made into `body` when it is sent.
    parts: Option<Parts>,
    /// The server the operation is sent to, as the API description gives it, when it is not
    /// the client's base URL ([`ClientBuilder::server_url`](crate::ClientBuilder::server_url)
    /// may send it elsewhere), and whether its URL has variables, which only that can give.
    server: Option<(&'static str, bool)>,
    /// The media type asked for with `Accept`.
    accept: &'static str,
    /// Whether sending it twice does no more than sending it once, so that it may be
    /// retried after an answer that does not say whether it was processed (a 504).
    idempotent: bool,
    /// Whether it carries the client's credentials; not when the operation needs none.
    authenticated: bool,
    /// What an earlier call of the same request left, when this one sends it again
    /// ([`Call::retry_of`]): its retry headers count on from there.
    earlier: RetryHeaders,
    /// Where the call tells what it has done so far ([`Call::progress`]).
    progress: Option<CallProgress>,
    /// Whether a 2xx body means nothing to the call (an operation that answers none): one
    /// larger than the client reads is then cut short, not an error, as the request was
    /// carried out all the same.
    ignores_answer: bool,
    /// The first thing that went wrong while describing the request, reported on sending.
    error: Option<String>,
}

/// A piece of a request's path, as the generator split the path template.
pub enum PathSegment<'a> {
    /// Text sent as it is.
    Literal(&'static str),
    /// The value of the path parameter of this name, percent-encoded.
    Param(&'static str, &'a dyn Display),
    /// The items of the list path parameter of this name, each percent-encoded already
    /// and joined by their separator ([`path_list`]), which stays as it is.
    ParamList(&'static str, &'a str),
}

// Which of these an API description needs depends on its parameters. Named by generated
// code only (through `codegen`), never by users.
#[allow(missing_docs)]
impl Request {
    pub fn new(method: Method, operation: &'static str, path_template: &'static str) -> Self {
        Self {
            method,
            operation,
            path_template,
            path: String::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            parts: None,
            server: None,
            accept: "application/json",
            idempotent: false,
            authenticated: true,
            earlier: RetryHeaders::default(),
            progress: None,
            ignores_answer: false,
            error: None,
        }
    }

    /// Writes the path from its segments, each parameter's value percent-encoded so that
    /// it is exactly one path segment.
    pub fn path(mut self, segments: &[PathSegment<'_>]) -> Self {
        self.path.reserve(self.path_template.len() + 32);
        for segment in segments {
            match segment {
                PathSegment::Literal(text) => self.path.push_str(text),
                PathSegment::Param(name, value) => {
                    let value = value.to_string();
                    self.check_segment(name, &value);
                    self.path
                        .extend(utf8_percent_encode(&value, NOT_UNRESERVED));
                }
                PathSegment::ParamList(name, items) => {
                    self.check_segment(name, items);
                    self.path.push_str(items);
                }
            }
        }
        self
    }

    /// Fails the request when the value of the path parameter `name` is no path segment of
    /// its own (empty, `.` or `..`).
    fn check_segment(&mut self, name: &str, value: &str) {
        if value.is_empty() || value == "." || value == ".." {
            self.fail(format!(
                "the path parameter `{name}` must not be empty, `.` or `..` (got {value:?})"
            ));
        }
    }

    /// Sends the request to `server`, the operation's own, rather than to the client's
    /// base URL.
    pub fn server(mut self, server: &'static str) -> Self {
        self.server = Some((server, false));
        self
    }

    /// Sends the request to the URL the client was given for `server`, the operation's own
    /// with variables in it (`https://{region}.example.com`), and fails it without one.
    pub fn templated_server(mut self, server: &'static str) -> Self {
        self.server = Some((server, true));
        self
    }

    /// Marks the request as safe to send twice (see [`RetryPolicy`]).
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Sends the request without the client's credentials, for an operation whose API
    /// description requires no authentication.
    pub fn without_credentials(mut self) -> Self {
        self.authenticated = false;
        self
    }

    pub fn query(mut self, name: &'static str, value: impl Display) -> Self {
        self.query
            .push((Cow::Borrowed(name), QueryValue::Text(value.to_string())));
        self
    }

    /// The parameter once per value: `?name=a&name=b`.
    pub fn query_each(mut self, name: &'static str, values: &[impl Display]) -> Self {
        self.query.extend(
            values
                .iter()
                .map(|value| (Cow::Borrowed(name), QueryValue::Text(value.to_string()))),
        );
        self
    }

    /// The parameter once, its values joined by `separator`, each percent-encoded: with
    /// `,` (`form` style), `a b` and `c,d` are `?name=a%20b,c%2Cd`, the separator written
    /// as it is so that an item's own comma is told from it (RFC 6570's `{?name}`); `|`
    /// and a space are escaped as OpenAPI's `pipeDelimited` and `spaceDelimited` examples
    /// write them (`a%7Cb`, `a%20b`). An empty list is left out, as RFC 6570 leaves an
    /// empty list out and as a repeated parameter with no value is.
    #[allow(dead_code)] // Used by API descriptions that have joined list parameters.
    pub fn query_joined(
        mut self,
        name: &'static str,
        values: &[impl Display],
        separator: char,
    ) -> Self {
        if values.is_empty() {
            return self;
        }
        let mut written = [0; 4];
        let separator: Cow<'_, str> = match &*separator.encode_utf8(&mut written) {
            "," => Cow::Borrowed(","),
            other => utf8_percent_encode(other, NOT_UNRESERVED)
                .to_string()
                .into(),
        };
        let text = join(values, &separator, |text, value| {
            text.extend(utf8_percent_encode(value, NOT_UNRESERVED));
        });
        self.query
            .push((Cow::Borrowed(name), QueryValue::Written(text)));
        self
    }

    /// The parameter once per value, each named with its index: `?name[0]=a&name[1]=b`.
    #[allow(dead_code)] // Used by API descriptions that have deepObject list parameters.
    pub fn query_indexed(mut self, name: &'static str, values: &[impl Display]) -> Self {
        self.query
            .extend(values.iter().enumerate().map(|(index, value)| {
                let name = Cow::Owned(format!("{name}[{index}]"));
                (name, QueryValue::Text(value.to_string()))
            }));
        self
    }

    /// The parameter holding an object (or a list of objects), written in `style`.
    #[allow(dead_code)] // Used by API descriptions that have object query parameters.
    pub fn query_object(
        mut self,
        name: &'static str,
        value: &(impl Serialize + ?Sized),
        style: ObjectStyle,
    ) -> Self {
        if style == ObjectStyle::Form {
            return match object_items(name, value) {
                Ok(items) => self.query_joined(name, &items, ','),
                Err(message) => {
                    self.fail(message);
                    self
                }
            };
        }
        match object_pairs(name, value, style) {
            Ok(pairs) => self.query.extend(
                pairs
                    .into_iter()
                    .map(|(name, value)| (Cow::Owned(name), QueryValue::Text(value))),
            ),
            Err(message) => self.fail(message),
        }
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Display) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    /// The header once, its values joined by `separator` (`simple` style: `X-Ids: a,b`),
    /// as they are: a header has no escape for an item's own separator. An empty list is
    /// left out, as RFC 6570 leaves out an empty list, rather than sent as an empty value.
    #[allow(dead_code)] // Used by API descriptions that have list headers.
    pub fn header_joined(
        mut self,
        name: &'static str,
        values: &[impl Display],
        separator: char,
    ) -> Self {
        if !values.is_empty() {
            let mut written = [0; 4];
            let separator = separator.encode_utf8(&mut written);
            self.headers
                .push((name, join(values, separator, String::push_str)));
        }
        self
    }

    /// Sets what `set` does with `value`, if there is one: for optional bodies.
    pub fn with<T>(self, value: Option<T>, set: impl FnOnce(Self, T) -> Self) -> Self {
        match value {
            Some(value) => set(self, value),
            None => self,
        }
    }

    /// A typed JSON body, serialised now: for optional bodies.
    pub fn json_body<B: Serialize + ?Sized>(self, media_type: &'static str, body: &B) -> Self {
        self.serialized_json_body(media_type, JsonBody::new(body))
    }

    /// A JSON body serialised already (or that could not be), sent without another copy.
    pub fn serialized_json_body<B: ?Sized>(
        mut self,
        media_type: &'static str,
        body: JsonBody<B>,
    ) -> Self {
        match body.into_json() {
            Ok(json) => self.body = Some((Cow::Borrowed(media_type), json)),
            Err(message) => self.fail(message),
        }
        self
    }

    /// A form body, every property in the default style (`form`, exploded).
    pub fn form_body<B: Serialize + ?Sized>(self, media_type: &'static str, body: &B) -> Self {
        self.styled_form_body(media_type, body, &[])
    }

    /// A form body, the properties named in `styles` written in that style.
    pub fn styled_form_body<B: Serialize + ?Sized>(
        mut self,
        media_type: &'static str,
        body: &B,
        styles: &[(&str, ObjectStyle)],
    ) -> Self {
        match form_text(body, styles) {
            Ok(text) => self.body = Some((Cow::Borrowed(media_type), Bytes::from(text))),
            Err(message) => self.fail(message),
        }
        self
    }

    /// A text or binary body, sent as it is.
    pub fn raw_body(
        mut self,
        media_type: &'static str,
        body: &(impl AsRef<[u8]> + ?Sized),
    ) -> Self {
        self.body = Some((
            Cow::Borrowed(media_type),
            Bytes::copy_from_slice(body.as_ref()),
        ));
        self
    }

    /// A `multipart/form-data` body, sent even if no part is set (the body is required).
    pub fn multipart(mut self) -> Self {
        self.parts.get_or_insert_with(Parts::default).required = true;
        self
    }

    /// The parts of the property at `place` among the body's properties, those it had
    /// before taken out: setting a property again replaces it.
    fn parts_at(&mut self, place: u16) -> &mut Parts {
        let parts = self.parts.get_or_insert_with(Parts::default);
        parts.remove(place);
        parts
    }

    /// A text part, at `place` among the body's properties.
    pub fn part_text(mut self, place: u16, name: &'static str, value: impl Display) -> Self {
        self.parts_at(place)
            .text(place, Cow::Borrowed(name), value.to_string());
        self
    }

    /// A text part for each of `values`, all named `name`.
    pub fn part_texts(mut self, place: u16, name: &'static str, values: &[impl Display]) -> Self {
        let parts = self.parts_at(place);
        for value in values {
            parts.text(place, Cow::Borrowed(name), value.to_string());
        }
        self
    }

    /// A part holding an object (or a list of them, or any JSON): its JSON in
    /// `ObjectStyle::Json` (none for `null`), otherwise the text parts that `style` writes
    /// (`meta[key]`, a list's items by their index), `null` properties left out.
    pub fn part_value(
        mut self,
        place: u16,
        name: &'static str,
        value: &(impl Serialize + ?Sized),
        style: ObjectStyle,
    ) -> Self {
        let Some(value) = self.part_json(name, value) else {
            return self;
        };
        let parts = self.parts_at(place);
        match style {
            _ if value.is_null() => {}
            ObjectStyle::Json => parts.json(place, name, value.to_string().into_bytes()),
            style => {
                for (name, text) in value_pairs(name, &value, style, DeepItems::Indexed) {
                    parts.text(place, Cow::Owned(name), text);
                }
            }
        }
        self
    }

    /// A JSON part for each of `values`, the items of a list property, all named `name`;
    /// none for a `null` item.
    pub fn part_json_each(
        mut self,
        place: u16,
        name: &'static str,
        values: &[impl Serialize],
    ) -> Self {
        let mut json = Vec::with_capacity(values.len());
        for value in values {
            let Some(value) = self.part_json(name, value) else {
                return self;
            };
            if !value.is_null() {
                json.push(value.to_string().into_bytes());
            }
        }
        let parts = self.parts_at(place);
        for json in json {
            parts.json(place, name, json);
        }
        self
    }

    /// The JSON of the part `name`'s `value`; `None`, and the request failed, when it
    /// can't be written.
    fn part_json(
        &mut self,
        name: &str,
        value: &(impl Serialize + ?Sized),
    ) -> Option<serde_json::Value> {
        crate::json_value::to_value(value)
            .map_err(|error| self.fail(format!("the part `{name}` could not be written: {error}")))
            .ok()
    }

    /// A file part, labelled `media_type` unless the file says its own.
    pub fn part_file(
        self,
        place: u16,
        name: &'static str,
        file: FilePart,
        media_type: &'static str,
    ) -> Self {
        self.part_files(place, name, vec![file], media_type)
    }

    /// A file part for each of `files`, all named `name`.
    pub fn part_files(
        mut self,
        place: u16,
        name: &'static str,
        files: Vec<FilePart>,
        media_type: &'static str,
    ) -> Self {
        let parts = self.parts_at(place);
        for file in files {
            parts.file(place, name, file, media_type);
        }
        self
    }

    /// Asks for a response body of `media_type` rather than JSON.
    pub fn accept(mut self, media_type: &'static str) -> Self {
        self.accept = media_type;
        self
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// The full URL under `base`.
    fn url(&self, base: &Url) -> Url {
        let mut url = base.clone();
        url.set_path(&format!(
            "{}{}",
            base.path().trim_end_matches('/'),
            self.path
        ));
        if !self.query.is_empty() {
            let mut query = url.query().unwrap_or_default().to_owned();
            for (name, value) in &self.query {
                if !query.is_empty() {
                    query.push('&');
                }
                query.extend(utf8_percent_encode(name, NOT_UNRESERVED));
                query.push('=');
                match value {
                    QueryValue::Text(text) => {
                        query.extend(utf8_percent_encode(text, NOT_UNRESERVED));
                    }
                    QueryValue::Written(text) => query.push_str(text),
                }
            }
            url.set_query(Some(&query));
        }
        url
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
        let media_type = |value: &str| {
            HeaderValue::from_str(value).map_err(|_| format!("`{value}` is not a valid media type"))
        };
        headers.insert(header::ACCEPT, media_type(self.accept)?);
        if let Some((content_type, _)) = &self.body {
            headers.insert(header::CONTENT_TYPE, media_type(content_type)?);
        }
        Ok(headers)
    }
}

/// The items of a list path parameter, each percent-encoded, joined by `separator`, which
/// is not: `a b` and `c,d` joined by `,` are `a%20b,c%2Cd`, so that an item's own comma is
/// told from the separator.
pub fn path_list(values: &[impl Display], separator: char) -> String {
    join(values, separator.encode_utf8(&mut [0; 4]), |text, value| {
        text.extend(utf8_percent_encode(value, NOT_UNRESERVED));
    })
}

/// `values` written one after the other by `write`, `separator` between them.
fn join(
    values: &[impl Display],
    separator: &str,
    mut write: impl FnMut(&mut String, &str),
) -> String {
    let mut text = String::new();
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            text.push_str(separator);
        }
        write(&mut text, &value.to_string());
    }
    text
}

/// What a response said besides its body: status, request id and rate-limit headers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// The HTTP status.
    pub status: StatusCode,
    /// The server's id of the request, for its support: `X-Okta-Request-Id` with the
    /// `okta` feature, `X-Request-Id` otherwise.
    pub request_id: Option<String>,
    /// The rate-limit headers.
    pub rate_limit: RateLimit,
    /// `Retry-After`: how long the server asks to wait before trying again.
    pub retry_after: Option<Duration>,
    /// The `Date` header, when there is one and it parses.
    pub date: Option<SystemTime>,
    /// How many attempts the call took, retries included.
    pub attempts: u32,
    /// The retries the client made before this response.
    pub retries: Retries,
}

/// The retries a call made: how many, how many of them followed a `429 Too Many
/// Requests`, and how long the client waited before them. A request sent again with a new
/// token after a `401` is not a retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Retries {
    /// Every retry.
    pub total: u32,
    /// The retries that followed a `429`.
    pub rate_limited: u32,
    /// The waits before the retries, in all.
    pub waited: Duration,
}

/// The rate-limit headers of a response; each is `None` when missing or garbled. With the
/// `okta` feature they are `X-Rate-Limit-Limit`, `-Remaining` and `-Reset`; otherwise the
/// `RateLimit` and `RateLimit-Policy` fields (`q`, `r` and `t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed in the window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// When the window resets, in UTC epoch seconds.
    pub reset: Option<u64>,
}

impl RateLimit {
    /// When the window resets.
    pub fn reset_at(&self) -> Option<SystemTime> {
        self.reset
            .and_then(|seconds| UNIX_EPOCH.checked_add(Duration::from_secs(seconds)))
    }
}

impl ResponseMeta {
    pub(crate) fn from_response(status: StatusCode, headers: &HeaderMap, attempts: u32) -> Self {
        let date = conventions::single_header(headers, "date")
            .and_then(|date| httpdate::parse_http_date(date).ok());
        Self {
            status,
            request_id: conventions::request_id(headers),
            rate_limit: conventions::rate_limit(headers, date),
            retry_after: conventions::retry_after(headers, date),
            date,
            attempts,
            retries: Retries::default(),
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

type Decode<T> = fn(&[u8]) -> Result<T, decode::Failure>;

/// A call to one operation, ready to send. `.await` it for the decoded body, or
/// [`send`](Self::send) it for the body together with the response's
/// [metadata](ResponseMeta) (rate limits, request id). `E` is the type of the operation's
/// error bodies.
#[must_use = "a call does nothing until it is awaited or sent"]
pub struct Call<T, E: ErrorBody = serde_json::Value> {
    client: Client,
    request: Request,
    decode: Decode<T>,
    /// Whether the credential is blanked out of a 2xx body before it is decoded: not in
    /// bytes returned as they came (a file, an image), which must stay whole.
    blanks_echoes: bool,
    error: PhantomData<fn() -> E>,
}

impl<T, E: ErrorBody> Call<T, E> {
    fn new(client: Client, request: Request, decode: Decode<T>) -> Self {
        Self {
            client,
            request,
            decode,
            blanks_echoes: true,
            error: PhantomData,
        }
    }

    /// Changes the request before it is sent: how a call type sets an optional parameter.
    #[doc(hidden)]
    pub fn map_request(mut self, change: impl FnOnce(Request) -> Request) -> Self {
        self.request = change(self.request);
        self
    }

    /// Sends the request again after earlier calls of it were refused, `sent` requests in
    /// all, the last answered with the request id `request_id`: with the `okta` feature its
    /// requests carry `X-Okta-Retry-For` and `X-Okta-Retry-Count` counting on from there,
    /// as the client's own retries do. For a caller that retries past the client's
    /// [`RetryPolicy`](crate::RetryPolicy) (after a `429` that outlasted it, say); the
    /// policy's bounds start again for this call.
    pub fn retry_of(mut self, request_id: Option<&str>, sent: u32) -> Self {
        self.request.earlier = RetryHeaders {
            retry_for: request_id.map(str::to_owned),
            count: sent,
        };
        self
    }

    /// Tells `progress` what the call does as it goes: for a caller that may drop the call
    /// midway (a stop, a deadline) and must then know whether it may have been carried
    /// out, and what its retries were. Calls made one after the other may tell the same
    /// `progress`, which then adds them up; calls under way at once need one each.
    pub fn progress(mut self, progress: &CallProgress) -> Self {
        self.request.progress = Some(progress.clone());
        self
    }
}

/// What calls have done so far, told by each call given it ([`Call::progress`]) as it goes,
/// and readable meanwhile or once the calls were dropped. Cloning gives another handle on
/// the same record.
#[derive(Debug, Clone, Default)]
pub struct CallProgress(Arc<Mutex<ProgressState>>);

/// What the calls told, and whether the client of the last one ever reached a server.
#[derive(Debug, Default)]
struct ProgressState {
    progress: Progress,
    /// `None` before a call, or when its client's connections can't be seen (an injected
    /// HTTP client).
    reached: Option<Reached>,
}

impl CallProgress {
    /// A record of nothing done yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// What was done so far.
    pub fn get(&self) -> Progress {
        let told = self.lock();
        Progress {
            ever_connected: told.reached.as_ref().is_none_or(Reached::get),
            ..told.progress
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ProgressState> {
        // The record stays whole whatever a panic interrupted.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn update(progress: Option<&Self>, change: impl FnOnce(&mut Progress)) {
        if let Some(progress) = progress {
            change(&mut progress.lock().progress);
        }
    }

    /// Follows the connections of `reached`'s client, which makes the calls told next.
    fn follow(progress: Option<&Self>, reached: Option<&Reached>) {
        if let Some(progress) = progress {
            progress.lock().reached = reached.cloned();
        }
    }
}

/// What calls did so far (see [`CallProgress`]), all of them added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// The requests sent, or being sent.
    pub requests: u32,
    /// Of those, the ones sent again by the client after a failure.
    pub retries: u32,
    /// The `429 Too Many Requests` answers received.
    pub rate_limited: u32,
    /// Whether a request is out, its answer not in yet.
    pub in_flight: bool,
    /// Whether the client of the calls ever made a connection, as it was when this was
    /// read (always, for an injected HTTP client, whose connections can't be seen): a
    /// request in flight on a client that never connected is still connecting, and has not
    /// reached a server.
    pub ever_connected: bool,
    /// Whether an answered request may have been carried out: it succeeded, or failed
    /// as [`Error::may_have_been_carried_out`] says.
    pub answered_maybe_carried_out: bool,
    /// The waits before retries that ended.
    pub waited: Duration,
    /// When the wait under way before a retry began, if one is.
    pub waiting_since: Option<Instant>,
    /// When the last wait before a retry ends, or ended, if the server asked for it: a
    /// `429` until its rate-limit window resets, a `Retry-After` (with the policy's
    /// margin). Kept once the wait is over, so that it tells a request sent again after
    /// it; a wait of the policy's own clears it.
    pub asked_to_wait_until: Option<Instant>,
}

impl Progress {
    /// Whether a request may have been carried out: one is in flight on a client that has
    /// reached a server, or one's answer did not say it was not.
    pub fn may_have_been_carried_out(&self) -> bool {
        (self.in_flight && self.ever_connected) || self.answered_maybe_carried_out
    }

    /// How long was spent waiting before retries, the wait under way included (up to now:
    /// that of a call dropped while it waited goes on counting).
    pub fn waiting(&self) -> Duration {
        let current = self.waiting_since.map(|since| since.elapsed());
        self.waited.saturating_add(current.unwrap_or_default())
    }
}

// Which of these an API description needs depends on its responses.
#[allow(dead_code)]
impl<T: DeserializeOwned, E: ErrorBody> Call<T, E> {
    /// A call whose 2xx body is JSON decoded as `T`.
    #[doc(hidden)]
    pub fn json(client: Client, request: Request) -> Self {
        Self::new(client, request, decode::json)
    }
}

// Which of these an API description needs depends on its responses.
#[allow(dead_code)]
impl<T: DeserializeOwned, E: ErrorBody> Call<Option<T>, E> {
    /// A call whose 2xx body is JSON decoded as `T`, or empty (`None`).
    #[doc(hidden)]
    pub fn optional_json(client: Client, request: Request) -> Self {
        Self::new(client, request, |body| match body {
            [] => Ok(None),
            body => decode::json(body).map(Some),
        })
    }
}

// Which of these an API description needs depends on its responses.
#[allow(dead_code)]
impl<E: ErrorBody> Call<String, E> {
    /// A call whose 2xx body is text, which must be UTF-8.
    #[doc(hidden)]
    pub fn text(client: Client, request: Request) -> Self {
        Self::new(client, request, |body| {
            String::from_utf8(body.to_vec()).map_err(|error| {
                decode::Failure::from(<serde_json::Error as serde::de::Error>::custom(format!(
                    "the text body is not UTF-8: {error}"
                )))
            })
        })
    }
}

// Which of these an API description needs depends on its responses.
#[allow(dead_code)]
impl<E: ErrorBody> Call<Vec<u8>, E> {
    /// A call whose 2xx body is returned as bytes, as they came: a file that happens to hold
    /// the credential's text is not changed.
    #[doc(hidden)]
    pub fn bytes(client: Client, request: Request) -> Self {
        Self {
            blanks_echoes: false,
            ..Self::new(client, request, |body| Ok(body.to_vec()))
        }
    }
}

// Which of these an API description needs depends on its responses.
#[allow(dead_code)]
impl<E: ErrorBody> Call<(), E> {
    /// A call whose 2xx response has no body worth reading.
    #[doc(hidden)]
    pub fn empty(client: Client, request: Request) -> Self {
        let request = Request {
            ignores_answer: true,
            ..request
        };
        Self::new(client, request, |_| Ok(()))
    }
}

impl<T, E: ErrorBody> Call<T, E> {
    /// Sends the request (retrying as the client's [`RetryPolicy`](crate::RetryPolicy)
    /// says) and returns the decoded body with the response's metadata.
    pub async fn send(self) -> Result<Response<T>, Error<E>> {
        let Self {
            client,
            request,
            decode,
            blanks_echoes,
            ..
        } = self;
        let operation = request.operation;
        let span = tracing::debug_span!(
            conventions::SPAN,
            operation,
            method = %request.method,
            path = request.path_template,
        );
        let (meta, mut body, token) = execute(&client, request).instrument(span).await?;
        let secret = client.inner.credentials.secret(token.as_deref());
        if blanks_echoes && redact_echoed(&mut body, secret) {
            tracing::warn!(
                operation,
                "the answer repeats the credential the request sent; it is blanked out of it"
            );
        }
        match decode(&body) {
            Ok(body) => Ok(Response { body, meta }),
            Err(failure) => Err(Error::undecoded(operation, meta, &body, failure, secret)),
        }
    }
}

impl<T: Send + 'static, E: ErrorBody> IntoFuture for Call<T, E> {
    type Output = Result<T, Error<E>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, Error<E>>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.send().await.map(Response::into_body) })
    }
}

/// Sends `request` until it succeeds or the retry policy says stop; returns the 2xx
/// response's metadata and body, and the token a token source gave for it.
async fn execute<E: ErrorBody>(
    client: &Client,
    request: Request,
) -> Result<(ResponseMeta, Vec<u8>, Option<String>), Error<E>> {
    let operation = request.operation;
    if let Some(message) = request.error.clone() {
        return Err(Error::InvalidRequest { operation, message });
    }
    let mut request = request;
    if let Some(parts) = request.parts.take().filter(Parts::is_sent) {
        let (content_type, body) = parts
            .into_body()
            .map_err(|message| Error::InvalidRequest { operation, message })?;
        request.body = Some((Cow::Owned(content_type), body));
    }
    let transport = &client.inner.transport;
    let no_credentials = Credentials::None;
    let credentials = if request.authenticated {
        &client.inner.credentials
    } else {
        &no_credentials
    };
    let base = match request.server {
        None => Cow::Borrowed(&transport.base_url),
        Some((server, templated)) => client.server_url(server, templated, operation)?,
    };
    let mut url = request.url(&base);
    credentials.add_to(&mut url);
    let headers = request
        .headers()
        .map_err(|message| Error::InvalidRequest { operation, message })?;
    let started = Instant::now();
    let mut retry = RetryHeaders {
        retry_for: request.earlier.retry_for.clone(),
        count: 0,
    };
    let mut retries = Retries::default();
    let mut attempt = 0;
    let mut reauthenticated = false;
    let progress = request.progress.as_ref();
    CallProgress::follow(progress, transport.reached.as_ref());
    // Whether the next request is a retry (not one sent again with a new token).
    let mut retrying = false;
    loop {
        attempt += 1;
        let attempt_started = Instant::now();
        let (authorization, token) = credentials.header().await?;
        CallProgress::update(progress, |progress| {
            progress.requests = progress.requests.saturating_add(1);
            if std::mem::take(&mut retrying) {
                progress.retries = progress.retries.saturating_add(1);
            }
            progress.in_flight = true;
        });
        let outcome = attempt_once(
            client,
            &request,
            &url,
            &headers,
            (authorization, credentials.secret(token.as_deref())),
            &retry,
            attempt,
        )
        .await;
        CallProgress::update(progress, |progress| {
            progress.in_flight = false;
            progress.answered_maybe_carried_out |= match &outcome {
                Ok(_) => true,
                Err(error) => error.may_have_been_carried_out(),
            };
            if matches!(&outcome, Err(error) if error.status() == Some(StatusCode::TOO_MANY_REQUESTS))
            {
                progress.rate_limited = progress.rate_limited.saturating_add(1);
            }
        });
        let mut error = match outcome {
            Ok((mut meta, body)) => {
                tracing::debug!(
                    attempt,
                    status = meta.status.as_u16(),
                    request_id = meta.request_id.as_deref(),
                    elapsed_ms = elapsed_ms(attempt_started),
                    "response"
                );
                meta.retries = retries;
                return Ok((meta, body, token));
            }
            Err(error) => error.without_query(),
        };
        error.set_retries(retries);
        tracing::debug!(
            attempt,
            status = error.status().map(|s| s.as_u16()),
            request_id = error.request_id(),
            elapsed_ms = elapsed_ms(attempt_started),
            "attempt failed"
        );
        // A token from a token source may have expired early or been revoked: send once
        // more with a new one. This is not a retry in the policy's sense.
        if !reauthenticated
            && error.status() == Some(StatusCode::UNAUTHORIZED)
            && credentials.rejected(token.as_deref())
        {
            reauthenticated = true;
            tracing::debug!(attempt, "token rejected; sending again with a new one");
            continue;
        }
        let Some(delay) =
            transport
                .retry
                .next_delay(&error, retry.count, started, request.idempotent)
        else {
            return Err(error);
        };
        // A failure without a response (a refused connection) keeps the last request id.
        retry = RetryHeaders {
            retry_for: error.request_id().map(str::to_owned).or(retry.retry_for),
            count: retry.count + 1,
        };
        retries.total += 1;
        if error.status() == Some(StatusCode::TOO_MANY_REQUESTS) {
            retries.rate_limited += 1;
        }
        retries.waited = retries.waited.saturating_add(delay);
        let asked = transport.retry.rate_limit_reset_wait(&error).is_some();
        CallProgress::update(progress, |progress| {
            let now = Instant::now();
            progress.waiting_since = Some(now);
            progress.asked_to_wait_until = asked.then(|| now.checked_add(delay)).flatten();
        });
        tracing::debug!(
            attempt,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "retrying"
        );
        if let Some(told) = &transport.on_retry {
            told(&crate::client::Retrying {
                operation: request.operation,
                retry: retry.count,
                delay,
                status: error.status(),
            });
        }
        tokio::time::sleep(delay).await;
        retrying = true;
        CallProgress::update(progress, |progress| {
            if let Some(since) = progress.waiting_since.take() {
                progress.waited = progress.waited.saturating_add(since.elapsed());
            }
        });
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What a retry knows of the attempts before it, which Okta asks retried requests to carry
/// (`X-Okta-Retry-For`, `X-Okta-Retry-Count`).
#[derive(Default)]
struct RetryHeaders {
    /// The request id of the failed response.
    retry_for: Option<String>,
    /// How many retries this is; 0 on the first attempt.
    count: u32,
}

impl RetryPolicy {
    /// How long to wait before retrying after `error`, when `retries` retries were made
    /// since `started`; `None` when the error is not retried or the policy's bounds are
    /// reached. An operation that is not `idempotent` is retried only where the answer says
    /// the request was not acted on (a 429, and a 503, which HTTP defines as the server
    /// not handling it) or nothing was sent (a failure to connect); never after a 504.
    pub(crate) fn next_delay<E: ErrorBody>(
        &self,
        error: &Error<E>,
        retries: u32,
        started: Instant,
        idempotent: bool,
    ) -> Option<Duration> {
        if retries >= self.max_retries {
            return None;
        }
        let delay = self.delay_after(error, retries + 1, idempotent)?;
        (started.elapsed().saturating_add(delay) <= self.max_elapsed).then_some(delay)
    }

    /// How long to wait before retry number `retry` after `error`; `None` when it should
    /// not be retried.
    fn delay_after<E: ErrorBody>(
        &self,
        error: &Error<E>,
        retry: u32,
        idempotent: bool,
    ) -> Option<Duration> {
        match error {
            Error::Api(api)
                if api.meta.status == StatusCode::TOO_MANY_REQUESTS
                    || conventions::server_wait(api).is_some() =>
            {
                match self.rate_limit_reset_wait(error) {
                    Some(wait) => (wait <= self.max_rate_limit_wait).then_some(wait),
                    None => Some(self.backoff_delay(retry)),
                }
            }
            // A 504 says a gateway stopped waiting, not that the request was not processed.
            Error::Api(api) if api.meta.status == StatusCode::GATEWAY_TIMEOUT && !idempotent => {
                None
            }
            Error::Api(api) if is_retryable_status(api.meta.status) => {
                Some(self.backoff_delay(retry))
            }
            Error::Transport { source, .. }
                if crate::tls::is_answer_without_tls(source)
                    || crate::tls::is_certificate_refused(source) =>
            {
                None
            }
            Error::Transport { source, .. } if source.is_connect() => {
                Some(self.backoff_delay(retry))
            }
            // A connection closed or reset before the answer (a keep-alive connection the
            // server had dropped), or no answer in time: the request may have been acted on,
            // which only an operation that is safe to send twice may risk.
            Error::Transport { source, .. }
                if idempotent && !source.is_builder() && !source.is_redirect() =>
            {
                Some(self.backoff_delay(retry))
            }
            Error::Timeout { .. } if idempotent => Some(self.backoff_delay(retry)),
            _ => None,
        }
    }

    /// After an answer that says how long to wait (a 429 until the rate limit resets, a
    /// 503 with `Retry-After`, as the `okta` feature or the standards read them): that
    /// wait, plus the margin.
    pub(crate) fn rate_limit_reset_wait<E: ErrorBody>(&self, error: &Error<E>) -> Option<Duration> {
        match error {
            Error::Api(api) => {
                Some(conventions::server_wait(api)?.saturating_add(self.rate_limit_margin))
            }
            _ => None,
        }
    }
}

/// One attempt: the 2xx metadata and body, or the error.
async fn attempt_once<E: ErrorBody>(
    client: &Client,
    request: &Request,
    url: &Url,
    headers: &HeaderMap,
    (authorization, secret): (Option<(HeaderName, HeaderValue)>, Option<&str>),
    retry: &RetryHeaders,
    attempt: u32,
) -> Result<(ResponseMeta, Vec<u8>), Error<E>> {
    let transport = &client.inner.transport;
    // Set, not appended: a parameter of the same name never doubles these headers.
    let mut headers = headers.clone();
    if let Some((name, value)) = authorization {
        headers.insert(name, value);
    }
    let count = request.earlier.count.saturating_add(retry.count);
    conventions::mark_retry(&mut headers, count, retry.retry_for.as_deref());
    let body = request.body.as_ref().map(|(_, body)| body.clone());
    exchange(
        transport,
        request.method.clone(),
        url,
        (headers, secret),
        body,
        request.operation,
        (attempt, request.ignores_answer),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.okta.com/prefix").unwrap()
    }

    #[test]
    fn list_parameters_are_repeated_or_joined() {
        let request = Request::new(Method::GET, "op", "/items/{ids}")
            .path(&[
                PathSegment::Literal("/items/"),
                PathSegment::ParamList("ids", &path_list(&["a b", "c,d", "e"], ',')),
            ])
            .query_each("expand", &["x", "y"])
            .query_joined("ids", &[1, 2, 3], '|');
        assert_eq!(
            request.url(&base()).as_str(),
            "https://example.okta.com/prefix/items/a%20b,c%2Cd,e?expand=x&expand=y&ids=1%7C2%7C3"
        );
        // Joined by commas, an item's own comma is told from the separator; an empty list
        // is left out; a space is `%20` and a plus `%2B` anywhere in the query.
        let request = Request::new(Method::GET, "op", "/items")
            .path(&[PathSegment::Literal("/items")])
            .query_joined("csv", &["a,b", "c", "d e+f"], ',')
            .query_joined("same", &["a", "b", "c", "d e+f"], ',')
            .query_joined("spaces", &["a b", "c"], ' ')
            .query_joined("none", &[] as &[&str], ',')
            .query("q", "x y+z&w=1");
        assert_eq!(
            request.url(&base()).query(),
            Some("csv=a%2Cb,c,d%20e%2Bf&same=a,b,c,d%20e%2Bf&spaces=a%20b%20c&q=x%20y%2Bz%26w%3D1")
        );
        let empty = path_list(&[] as &[u8], ',');
        let request = Request::new(Method::GET, "op", "/items/{ids}").path(&[
            PathSegment::Literal("/items/"),
            PathSegment::ParamList("ids", &empty),
        ]);
        let error = request.error.unwrap_or_default();
        assert!(error.contains("`ids` must not be empty"), "{error}");

        // A header list is joined as it is; an empty one is left out.
        let request = Request::new(Method::GET, "op", "/items")
            .header_joined("X-Flags", &["a", "b c"], ',')
            .header_joined("X-None", &[] as &[&str], ',');
        let headers = request.headers().unwrap();
        assert_eq!(headers["x-flags"], "a,b c");
        assert!(!headers.contains_key("x-none"), "{headers:?}");
    }

    #[test]
    fn odata_templates_and_the_query_of_a_path_key_make_the_url() {
        let request = Request::new(Method::GET, "op", "/items(ids={ids})")
            .path(&[
                PathSegment::Literal("/items(ids="),
                PathSegment::Param("ids", &"a/b,c"),
                PathSegment::Literal(")"),
            ])
            .query("Action", "ListItems")
            .query("Version", "2020-01-01")
            .query("next", "x y");
        assert_eq!(
            request.url(&base()).as_str(),
            "https://example.okta.com/prefix/items(ids=a%2Fb%2Cc)?Action=ListItems&Version=2020-01-01&next=x%20y"
        );
    }

    #[test]
    fn path_parameters_are_one_segment_and_never_empty_or_a_dot() {
        let request = Request::new(Method::GET, "op", "/users/{id}/roles").path(&[
            PathSegment::Literal("/users/"),
            PathSegment::Param("id", &"a/b?c"),
            PathSegment::Literal("/roles"),
        ]);
        assert_eq!(request.error, None);
        assert_eq!(
            request.url(&base()).as_str(),
            "https://example.okta.com/prefix/users/a%2Fb%3Fc/roles"
        );
        for bad in ["", ".", ".."] {
            let request = Request::new(Method::GET, "op", "/users/{id}").path(&[
                PathSegment::Literal("/users/"),
                PathSegment::Param("id", &bad),
            ]);
            let error = request.error.unwrap_or_default();
            assert!(error.contains("`id`"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn object_parameters_are_written_into_the_query_in_their_style() {
        let filter = serde_json::json!({"status": "ACTIVE", "name": "a b&c"});
        let request = Request::new(Method::GET, "op", "/users")
            .path(&[PathSegment::Literal("/users")])
            .query_object("filter", &filter, ObjectStyle::DeepObject)
            .query_object(
                "page",
                &serde_json::json!({"size": 2}),
                ObjectStyle::FormExploded,
            )
            .query_object("q", &filter, ObjectStyle::Json)
            // Joined, as RFC 6570's `{?color}` writes it: an item's own comma is escaped.
            .query_object(
                "color",
                &serde_json::json!({"R": "1,0", "G": 200, "none": null}),
                ObjectStyle::Form,
            )
            .query_object("empty", &serde_json::json!({}), ObjectStyle::Form)
            .query_object("unset", &serde_json::Value::Null, ObjectStyle::Form);
        assert_eq!(
            request.url(&base()).as_str(),
            "https://example.okta.com/prefix/users?filter%5Bname%5D=a%20b%26c&filter%5Bstatus%5D=ACTIVE&size=2&q=%7B%22name%22%3A%22a%20b%26c%22%2C%22status%22%3A%22ACTIVE%22%7D&color=G,200,R,1%2C0"
        );
    }

    #[test]
    fn bodies_carry_their_media_type() {
        #[derive(Serialize)]
        struct Form<'a> {
            grant_type: &'a str,
            scope: Option<&'a str>,
        }
        let form = Request::new(Method::POST, "op", "/token").form_body(
            "application/x-www-form-urlencoded",
            &Form {
                grant_type: "client_credentials",
                scope: Some("a b&c"),
            },
        );
        let (media_type, bytes) = form.body.as_ref().unwrap();
        assert_eq!(*media_type, "application/x-www-form-urlencoded");
        assert_eq!(
            bytes.as_ref(),
            b"grant_type=client_credentials&scope=a+b%26c"
        );
        let headers = form.headers().unwrap();
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(headers[header::ACCEPT], "application/json");

        let text = Request::new(Method::PUT, "op", "/notes")
            .raw_body("text/plain", "héllo")
            .accept("text/plain");
        assert_eq!(text.body.as_ref().unwrap().1, "héllo".as_bytes());
        let headers = text.headers().unwrap();
        assert_eq!(headers[header::CONTENT_TYPE], "text/plain");
        assert_eq!(headers[header::ACCEPT], "text/plain");

        let merge = Request::new(Method::PATCH, "op", "/items")
            .with(Some(&[1, 2]), |request, body| {
                request.json_body("application/merge-patch+json", body)
            })
            .with(None::<&str>, |request, body| {
                request.raw_body("text/plain", body)
            });
        assert_eq!(merge.body.as_ref().unwrap().1, b"[1,2]".as_slice());
        assert_eq!(
            merge.headers().unwrap()[header::CONTENT_TYPE],
            "application/merge-patch+json"
        );
    }

    #[test]
    fn response_bodies_decode_by_kind() {
        let client = Client::builder("https://example.okta.com")
            .access_token("token")
            .build()
            .unwrap();
        let request = || Request::new(Method::GET, "op", "/");
        let optional = Call::<Option<Vec<u8>>>::optional_json(client.clone(), request());
        assert_eq!((optional.decode)(b"").unwrap(), None);
        assert_eq!((optional.decode)(b"[1]").unwrap(), Some(vec![1]));
        let text = Call::<String>::text(client.clone(), request());
        assert_eq!((text.decode)("é".as_bytes()).unwrap(), "é");
        let error = (text.decode)(&[0xff]).unwrap_err().source.to_string();
        assert!(error.contains("not UTF-8"), "{error}");
        let bytes = Call::<Vec<u8>>::bytes(client, request());
        assert_eq!((bytes.decode)(&[0, 0xff]).unwrap(), [0, 0xff]);
    }
}
