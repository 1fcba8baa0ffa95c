//! The HTTP routes: the seven operations and the token endpoint, each a thin handler that
//! reads the request, asks the [`Service`](crate::service::Service) and writes its answer.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Instant, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use percent_encoding::percent_decode_str;

use crate::auth::{Access, Caller, Unauthenticated};

use crate::batch;
use crate::error::OktaError;
use crate::oauth::OAuthError;
use crate::rules;
use crate::session::{Change, SessionView};
use crate::state::Shared;

const SESSIONS: &str = "/api/v1/identity-sources/{source}/sessions";
const SESSION: &str = "/api/v1/identity-sources/{source}/sessions/{session}";
/// The token endpoint's path (FACTS.md).
pub(crate) const TOKEN_PATH: &str = "/oauth2/v1/token";

type AppState = State<Arc<Shared>>;

/// The ids in a path (`/api/v1/identity-sources/{source}/sessions/{session}/…`: its
/// segments 4 and 6), percent-decoded; one that does not decode to UTF-8 is kept as it was
/// sent (`%FF`), so that it is looked up, found to name nothing and reported as written,
/// in the order Okta looks (the source first).
struct Ids<const N: usize>([String; N]);

/// Where the ids are among a path's `/`-separated segments (the first is empty).
const ID_SEGMENTS: [usize; 2] = [4, 6];

impl<S: Send + Sync, const N: usize> FromRequestParts<S> for Ids<N> {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let path = parts.uri.path();
        Ok(Ids(std::array::from_fn(|index| {
            id_in(path, index).unwrap_or_default()
        })))
    }
}

/// The id `index` (0: the source's, 1: the session's) of an API path, percent-decoded (kept
/// as written when it does not decode to UTF-8); `None` when the path is too short to hold it.
fn id_in(path: &str, index: usize) -> Option<String> {
    let id = path.split('/').nth(*ID_SEGMENTS.get(index)?)?;
    Some(match percent_decode_str(id).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => id.to_owned(),
    })
}

/// The identity source an API request's path names, if it names one.
pub(crate) fn source_named(path: &str) -> Option<String> {
    path.starts_with("/api/v1/identity-sources/")
        .then(|| id_in(path, 0))
        .flatten()
}

/// The routes. The API's are admitted ([`admit`]) only once routed, so that a path the
/// API does not have is a 404 and a method it does not take a 405 whoever asks.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(SESSIONS, get(list).post(create))
        .route(SESSION, get(get_one).delete(cancel))
        .route(&format!("{SESSION}/start-import"), post(start_import))
        .route(&format!("{SESSION}/bulk-upsert"), post(bulk_upsert))
        .route(&format!("{SESSION}/bulk-delete"), post(bulk_delete))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&shared), admit))
        .route(TOKEN_PATH, post(token))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

/// An API request its caller (authenticated before it was routed) may make: its token has
/// the operation's scope, else 403 E0000006, and its `Accept` takes JSON, else 400 E0000021.
async fn admit(State(shared): AppState, request: Request, next: Next) -> Response {
    let access = Access::of_method(request.method());
    match request.extensions().get::<Caller>() {
        Some(caller) if caller.may(access) => {}
        // Every API request is authenticated first; one that was not is refused.
        None => return unauthenticated(&shared, Unauthenticated::Token, &request),
        Some(_) => {
            let mut answer = error_answer(&OktaError::forbidden());
            let challenge = Challenge {
                error: "insufficient_scope",
                description: "The access token provided does not contain the required scopes.",
                scope: access.scope(),
            };
            challenge.add_to(&mut answer, &shared, request.uri());
            return answer;
        }
    }
    if !accepts_json(request.headers()) {
        return error_answer(&OktaError::media_type());
    }
    next.run(request).await
}

/// The answer to `request`, whose `Authorization` was refused: 401 E0000011, with RFC 6750's
/// challenge for a `Bearer` token.
pub(crate) fn unauthenticated<B>(
    shared: &Shared,
    refused: Unauthenticated,
    request: &axum::http::Request<B>,
) -> Response {
    let mut answer = error_answer(&OktaError::invalid_token());
    if let Unauthenticated::Bearer { expired } = refused {
        let challenge = Challenge {
            error: "invalid_token",
            description: match expired {
                true => "The token has expired.",
                false => "The access token is invalid.",
            },
            scope: Access::of_method(request.method()).scope(),
        };
        challenge.add_to(&mut answer, shared, request.uri());
    }
    answer
}

/// RFC 6750's `WWW-Authenticate: Bearer …` challenge, with the parameters Okta's carries
/// (`authorization_uri`, `realm`, `scope`, `error`, `error_description`, `resource`).
struct Challenge {
    error: &'static str,
    description: &'static str,
    /// The scope the request's method needs.
    scope: &'static str,
}

impl Challenge {
    fn add_to(&self, answer: &mut Response, shared: &Shared, uri: &Uri) {
        let Self {
            error,
            description,
            scope,
        } = self;
        let base = &shared.base_url;
        // A quoted-string may not hold `"` or `\`; a path holds neither unencoded.
        let resource = uri.path().replace(['"', '\\'], "");
        let challenge = format!(
            "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", \
             scope=\"{scope}\", error=\"{error}\", error_description=\"{description}\", \
             resource=\"{resource}\""
        );
        if let Ok(challenge) = HeaderValue::from_str(&challenge) {
            answer
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
    }
}

/// Whether a request's `Accept` (all of its headers) takes `application/json`: no `Accept`
/// at all, or a weight above zero for the most specific range that covers it
/// (`application/json`, else `application/*`, else `*/*`), as RFC 9110 (12.5.1) weighs them.
fn accepts_json(headers: &HeaderMap) -> bool {
    let ranges: Vec<(&str, f32)> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|range| {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let weight = parts
                .filter_map(|parameter| parameter.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, weight)| weight.trim().parse::<f32>().ok());
            (media, weight.unwrap_or(1.0))
        })
        .collect();
    if ranges.is_empty() {
        return true;
    }
    ["application/json", "application/*", "*/*"]
        .iter()
        .find_map(|json| {
            let mut covering = ranges
                .iter()
                .filter(|(media, _)| media.eq_ignore_ascii_case(json));
            covering.next().map(|&(_, weight)| weight > 0.0)
        })
        .unwrap_or(false)
}

/// Whether a body is said to be JSON: `Content-Type: application/json`, with parameters
/// (`charset=UTF-8`) or not.
fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|media| media.eq_ignore_ascii_case("application/json"))
}

/// The media type of a request's `Content-Type`, without its parameters.
fn media_type(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    value.split(';').next().map(str::trim)
}

async fn create(State(shared): AppState, Ids([source]): Ids<1>) -> Response {
    let created = shared.lock().service.create(&source, Instant::now());
    session_answer(StatusCode::CREATED, created)
}

async fn list(State(shared): AppState, Ids([source]): Ids<1>) -> Response {
    match shared.lock().service.list(&source, Instant::now()) {
        Ok(sessions) => json(StatusCode::OK, to_body(&sessions)),
        Err(error) => error_answer(&error),
    }
}

async fn get_one(State(shared): AppState, Ids([source, session]): Ids<2>) -> Response {
    let found = shared.lock().service.get(&source, &session, Instant::now());
    session_answer(StatusCode::OK, found)
}

async fn cancel(State(shared): AppState, Ids([source, session]): Ids<2>) -> Response {
    match shared
        .lock()
        .service
        .cancel(&source, &session, Instant::now())
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error_answer(&error),
    }
}

async fn start_import(State(shared): AppState, Ids([source, session]): Ids<2>) -> Response {
    let started = shared
        .lock()
        .service
        .start_import(&source, &session, Instant::now());
    session_answer(StatusCode::OK, started)
}

async fn bulk_upsert(
    State(shared): AppState,
    Ids([source, session]): Ids<2>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    upload(
        &shared,
        &source,
        &session,
        &headers,
        body,
        rules::check_upsert::<Vec<u8>>,
    )
    .await
}

async fn bulk_delete(
    State(shared): AppState,
    Ids([source, session]): Ids<2>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    upload(
        &shared,
        &source,
        &session,
        &headers,
        body,
        rules::check_delete::<Vec<u8>>,
    )
    .await
}

/// Reads the body (at most `max_body_bytes`), checks it against the rules outside the lock,
/// then hands it to the session: 202 with no body when accepted.
async fn upload(
    shared: &Shared,
    source: &str,
    session: &str,
    headers: &HeaderMap,
    body: Body,
    check: impl FnOnce(Vec<u8>, &crate::Limits) -> Result<Change, OktaError>,
) -> Response {
    // The body is read only when said to be JSON (a media type is checked before the
    // operation is, so before its session is looked up).
    if !is_json(headers) {
        return error_answer(&OktaError::media_type());
    }
    // A path that names no session is answered as such, whatever the body.
    let found = shared
        .lock()
        .service
        .find_session(source, session, Instant::now());
    if let Err(error) = found {
        return error_answer(&error);
    }
    let bytes = match read_body(shared, headers, body).await {
        Ok(bytes) => bytes,
        Err(error) => return error_answer(&error),
    };
    let accepted = check(bytes, &shared.limits).and_then(|change| {
        shared
            .lock()
            .service
            .upload(source, session, change, Instant::now())
    });
    match accepted {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(error) => error_answer(&error),
    }
}

/// The body, in a buffer kept from an earlier batch ([`batch::spare`]), refused without
/// reading it all when it is larger than the limit (by its `Content-Length` or as it
/// arrives), or when it does not arrive within the body timeout.
/// FACTS.md names no code for a body that is too large; it is refused like every other
/// broken rule of an upload, 400 E0000001.
pub(crate) async fn read_body(
    shared: &Shared,
    headers: &HeaderMap,
    body: Body,
) -> Result<Vec<u8>, OktaError> {
    let limit = shared.limits.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let collected = match declared.map(usize::try_from) {
        Some(Ok(length)) if length <= limit => {
            tokio::time::timeout(
                shared.body_timeout,
                collect(
                    body,
                    limit,
                    batch::spare::body(length.min(MAX_RESERVED_BODY)),
                ),
            )
            .await
        }
        Some(_) => Ok(Err(BodyRefusal::TooLarge)),
        None => tokio::time::timeout(shared.body_timeout, collect(body, limit, Vec::new())).await,
    };
    match collected {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(BodyRefusal::TooLarge)) => Err(OktaError::validation(
            "body",
            vec![format!("The request body must be at most {limit} bytes.")],
        )),
        Ok(Err(BodyRefusal::Broken)) | Err(_) => Err(OktaError::malformed()),
    }
}

/// Why a body was not read.
enum BodyRefusal {
    TooLarge,
    Broken,
}

/// Room made for a body before its bytes arrive, at most: a `Content-Length` is the client's
/// word, and a limit set very high must not make room for what never comes.
const MAX_RESERVED_BODY: usize = 256 * 1024;

/// The body's bytes, copied once into `bytes`, an empty buffer with room for what
/// `Content-Length` says (at most `limit` and [`MAX_RESERVED_BODY`]); refused as soon as
/// more than `limit` arrive.
async fn collect(mut body: Body, limit: usize, mut bytes: Vec<u8>) -> Result<Vec<u8>, BodyRefusal> {
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyRefusal::Broken)?;
        if let Ok(data) = frame.into_data() {
            if data.len() > limit - bytes.len() {
                return Err(BodyRefusal::TooLarge);
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

/// `POST /oauth2/v1/token`. The assertion's `aud` must be this endpoint's URL, as the
/// client reached it (its `Host`) or as [`Emulator::base_url`](crate::Emulator::base_url) names it.
async fn token(State(shared): AppState, headers: HeaderMap, body: Body) -> Response {
    let issued = match read_body(&shared, &headers, body).await {
        // RFC 6749 (section 4.4.2): the request is a form, and said to be one.
        Ok(_) if !is_form(&headers) => Err(OAuthError::invalid_request(
            "The request must be sent as application/x-www-form-urlencoded.",
        )),
        Ok(form) => issue(&shared, &headers, &form),
        // Refused in OAuth's shape (RFC 6749, section 5.2), as every answer of this endpoint.
        Err(error) => Err(OAuthError::invalid_request(
            error.causes.first().unwrap_or(&error.summary),
        )),
    };
    let (status, body) = match issued {
        Ok(token) => (200, token.to_string().into_bytes()),
        Err(error) => (error.status, error.body()),
    };
    let mut response = json(status_code(status), body);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Whether the request's `Content-Type` is a form's (`application/x-www-form-urlencoded`,
/// with parameters or not).
fn is_form(headers: &HeaderMap) -> bool {
    media_type(headers)
        .is_some_and(|media| media.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// An access token for the client credentials of `form`, or the refusal.
fn issue(
    shared: &Shared,
    headers: &HeaderMap,
    form: &[u8],
) -> Result<serde_json::Value, OAuthError> {
    let mut audiences = vec![format!("{}{TOKEN_PATH}", shared.base_url)];
    if let Some(host) = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
    {
        audiences.push(format!("http://{host}{TOKEN_PATH}"));
    }
    let unix_now = shared
        .clock
        .system(Instant::now())
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    shared
        .lock()
        .issuer
        .issue(form, &audiences, Instant::now(), unix_now)
}

/// A path the API does not have: 404 E0000008. (One it has whose ids are not valid
/// percent-encoded UTF-8 names no resource: 404 E0000007, as for an id that is unknown.)
async fn not_found() -> Response {
    error_answer(&OktaError::path_not_found())
}

async fn method_not_allowed() -> Response {
    error_answer(&OktaError::method_not_allowed())
}

fn session_answer(status: StatusCode, session: Result<SessionView, OktaError>) -> Response {
    match session {
        Ok(session) => json(status, to_body(&session)),
        Err(error) => error_answer(&error),
    }
}

/// An Okta error answer.
pub(crate) fn error_answer(error: &OktaError) -> Response {
    json(status_code(error.status), error.body())
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A body of JSON: sessions, which can always be written.
fn to_body(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

fn json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids are read from the path by position: the positions of the routes' own.
    #[test]
    fn the_ids_are_where_the_routes_put_them() {
        let segments: Vec<&str> = SESSION.split('/').collect();
        let at = |name| segments.iter().position(|segment| *segment == name);
        assert_eq!([at("{source}"), at("{session}")], ID_SEGMENTS.map(Some));
        let in_sessions = SESSIONS
            .split('/')
            .position(|segment| segment == "{source}");
        assert_eq!(in_sessions, Some(ID_SEGMENTS[0]));
    }
}
