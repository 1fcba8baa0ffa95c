//! OAuth 2.0 client credentials: one token request at a time, the client authenticated
//! with a client secret (`oauth`) or with a client assertion signed by its private key
//! (`private_key_jwt`, with `private-key-jwt`). The token is cached and shared in
//! `token_cache`.

use std::fmt;
use std::sync::Arc;
#[cfg(feature = "private-key-jwt")]
use std::time::UNIX_EPOCH;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
#[cfg(feature = "private-key-jwt")]
use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;
#[cfg(feature = "private-key-jwt")]
use serde::Serialize;

use crate::auth::{authorization, BoxError};
use crate::client::{RetryPolicy, Transport};
use crate::error::{shortened, ApiError, ConfigError, Error};
use crate::exchange::exchange;
#[cfg(feature = "private-key-jwt")]
use crate::private_key::PrivateKey;

/// How long a client assertion is valid. Okta accepts at most an hour.
#[cfg(feature = "private-key-jwt")]
const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// OAuth 2.0 client credentials with a client secret: the token endpoint, the client id and
/// secret, and the scopes to ask for. The secret is sent with HTTP Basic authentication
/// (`client_secret_basic`) unless [`client_secret_post`](Self::client_secret_post) says.
#[derive(Clone)]
pub struct ClientCredentials {
    token_url: String,
    client_id: String,
    client_secret: String,
    in_form: bool,
    scopes: Vec<String>,
}

impl ClientCredentials {
    /// The client `client_id` with `client_secret`, getting tokens from `token_url`
    /// (absolute, or relative to the client's base URL) without asking for scopes.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            in_form: false,
            scopes: Vec::new(),
        }
    }

    /// The scopes to ask for; none leaves them to the authorization server.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sends the client id and secret in the token request's form (`client_secret_post`)
    /// rather than with HTTP Basic authentication.
    pub fn client_secret_post(mut self) -> Self {
        self.in_form = true;
        self
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &format_args!("<redacted>"))
            .field("in_form", &self.in_form)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// An OAuth 2.0 service app: its token endpoint, client id, private key, optional key id
/// and scopes.
#[cfg(feature = "private-key-jwt")]
#[derive(Clone, Debug)]
pub struct ServiceApp {
    token_url: String,
    client_id: String,
    key: PrivateKey,
    key_id: Option<String>,
    scopes: Vec<String>,
}

#[cfg(feature = "private-key-jwt")]
impl ServiceApp {
    /// The app `client_id` signing with `key`, getting tokens from `token_url` (absolute, or
    /// relative to the client's base URL) without asking for scopes.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        key: PrivateKey,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            key,
            key_id: None,
            scopes: Vec::new(),
        }
    }

    /// The `kid` of the key, as registered with the app.
    pub fn key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }

    /// The scopes to ask for; none leaves them to the authorization server.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
}

/// The client of a client-credentials grant, and how it proves who it is.
pub(crate) enum Grant {
    Secret(ClientCredentials),
    #[cfg(feature = "private-key-jwt")]
    Signed(ServiceApp),
}

impl From<ClientCredentials> for Grant {
    fn from(credentials: ClientCredentials) -> Self {
        Self::Secret(credentials)
    }
}

#[cfg(feature = "private-key-jwt")]
impl From<ServiceApp> for Grant {
    fn from(app: ServiceApp) -> Self {
        Self::Signed(app)
    }
}

impl Grant {
    fn token_url(&self) -> &str {
        match self {
            Self::Secret(credentials) => &credentials.token_url,
            #[cfg(feature = "private-key-jwt")]
            Self::Signed(app) => &app.token_url,
        }
    }

    fn scopes(&self) -> &[String] {
        match self {
            Self::Secret(credentials) => &credentials.scopes,
            #[cfg(feature = "private-key-jwt")]
            Self::Signed(app) => &app.scopes,
        }
    }
}

/// The claims of a client assertion (RFC 7523).
#[cfg(feature = "private-key-jwt")]
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

/// A successful token response. Not `Debug`: it holds the access token.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Any JSON, so that a lifetime that is not a positive whole number is refused by
    /// name rather than as a parse error.
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// An error response of the token endpoint (RFC 6749, section 5.2).
#[derive(Deserialize)]
struct TokenErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// The token endpoint refused to issue a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the token endpoint answered {status}: {}{}", self.describe(), self.clock_note())]
#[non_exhaustive]
pub struct OAuthError {
    /// The HTTP status of the token endpoint's answer.
    pub status: u16,
    /// The OAuth error code, e.g. `invalid_client`, when the body had one.
    pub error: Option<String>,
    /// The OAuth error description, when the body had one.
    pub description: Option<String>,
    /// The body when it was JSON but not an OAuth error (a `429`'s, for one).
    pub body: Option<serde_json::Value>,
    /// The start of the body when it was not JSON, with the credential it echoed (the
    /// client assertion, say) shown as `[redacted]`.
    pub raw_body: Option<String>,
    /// The request id the token endpoint gave its answer, for its support.
    pub request_id: Option<String>,
    /// How far the token endpoint's clock (its `Date`) is ahead of this machine's, in
    /// seconds (behind when negative), when a minute or more and the request carried a
    /// client assertion: that is dated by this machine's clock, and one from a clock
    /// minutes off is refused as expired or not yet valid.
    pub clock_difference: Option<i64>,
}

impl OAuthError {
    /// The answer's OAuth error; from the start of the body the client kept instead of
    /// decoding it (one that echoes the credential) when that start is JSON. With the
    /// clock difference when the request carried an `assertion`.
    fn from_api(api: &ApiError, assertion: bool) -> Self {
        let body = api.body.clone().or_else(|| {
            let raw = api.raw_body.as_deref()?;
            serde_json::from_str(raw).ok()
        });
        let oauth = body
            .as_ref()
            .and_then(|body| TokenErrorBody::deserialize(body).ok());
        Self {
            status: api.meta.status.as_u16(),
            error: oauth.as_ref().map(|body| body.error.clone()),
            description: oauth
                .as_ref()
                .and_then(|body| body.error_description.clone()),
            raw_body: api.raw_body.clone().filter(|_| body.is_none()),
            body: body.filter(|_| oauth.is_none()),
            request_id: api.meta.request_id.clone(),
            clock_difference: api
                .meta
                .date
                .filter(|_| assertion)
                .and_then(|date| clock_difference(date, SystemTime::now())),
        }
    }

    /// What the clock difference is, when there is one to tell.
    fn clock_note(&self) -> String {
        let Some(seconds) = self.clock_difference else {
            return String::new();
        };
        let size = match seconds.unsigned_abs() {
            under if under < 120 => format!("{under} s"),
            seconds => format!("{} min", (seconds + 30) / 60),
        };
        let way = if seconds > 0 { "behind" } else { "ahead of" };
        format!(
            "; this machine's clock is {size} {way} the token endpoint's (its Date header), \
             and the client assertion is dated by it, which may be why it was refused"
        )
    }

    fn describe(&self) -> String {
        match (&self.error, &self.description, &self.body, &self.raw_body) {
            (Some(error), Some(description), ..) => {
                format!("{} ({})", shortened(error), shortened(description))
            }
            (Some(error), None, ..) => shortened(error).into_owned(),
            (None, _, Some(body), _) => {
                format!(
                    "no OAuth error in the body {}",
                    shortened(&body.to_string())
                )
            }
            (None, _, None, Some(raw)) => {
                format!(
                    "no OAuth error in the body, which starts with {:?}",
                    shortened(raw)
                )
            }
            (None, _, None, None) => "no OAuth error in the body".to_owned(),
        }
    }
}

/// How many seconds `date`, a server's `Date`, is ahead of `now` (behind when negative), when
/// a minute or more: `Date` is whole seconds, and an answer takes time to arrive.
fn clock_difference(date: SystemTime, now: SystemTime) -> Option<i64> {
    let seconds = match date.duration_since(now) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).ok()?,
        Err(behind) => -i64::try_from(behind.duration().as_secs()).ok()?,
    };
    (seconds.abs() >= 60).then_some(seconds)
}

/// Why no token could be had; cloned for every caller that waited for the same fetch.
#[derive(Debug, Clone)]
pub(crate) enum TokenError {
    /// The token endpoint answered outside 2xx.
    Refused(Box<OAuthError>),
    /// Anything else: the endpoint could not be reached, its answer was unusable, or no
    /// assertion could be signed.
    Failed(String),
}

impl TokenError {
    pub(crate) fn boxed(&self) -> BoxError {
        match self {
            Self::Refused(error) => error.clone(),
            Self::Failed(message) => message.clone().into(),
        }
    }
}

impl TokenError {
    /// Why a token request that ended in `error` got no token; a refusal of one that
    /// carried a client assertion (`assertion`) tells the clock difference.
    pub(crate) fn of(error: &Error, assertion: bool) -> Self {
        match error {
            Error::Api(api) => Self::Refused(Box::new(OAuthError::from_api(api, assertion))),
            other => Self::Failed(other.to_string()),
        }
    }
}

/// A token and how long it lives, from a token endpoint's answer.
pub(crate) struct IssuedToken {
    pub(crate) token: Arc<str>,
    pub(crate) lifetime: Duration,
}

/// The lifetime taken when the token endpoint does not say (`expires_in` missing or
/// `null`): an hour, a common default for access tokens (Okta's among them).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The longest token lifetime believed; a larger `expires_in` is taken as this.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The token in a 2xx answer of the token endpoint, checked: a token that can be sent in
/// a header, and a lifetime that is a positive whole number of seconds (or none).
///
/// No text of the answer is quoted when it is refused, serde_json's words included: any
/// string in it may be the token, or an echo of the assertion.
fn issued_token(body: &[u8]) -> std::result::Result<IssuedToken, TokenError> {
    let failed = |why: String| TokenError::Failed(format!("the token endpoint's answer {why}"));
    let response = serde_json::from_slice::<TokenResponse>(body).map_err(|error| {
        let what = match error.classify() {
            serde_json::error::Category::Data => "not an object with an `access_token` string",
            serde_json::error::Category::Eof => "cut short",
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => "not JSON",
        };
        failed(format!(
            "has no access token: it is {what} (line {}, column {})",
            error.line(),
            error.column()
        ))
    })?;
    let token = response.access_token;
    if token.is_empty() || !token.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(failed(
            "has an access token that is empty or holds characters other than visible ASCII".into(),
        ));
    }
    let lifetime = match response.expires_in {
        None | Some(serde_json::Value::Null) => DEFAULT_LIFETIME,
        Some(seconds) => match seconds.as_u64().filter(|seconds| *seconds > 0) {
            Some(seconds) => Duration::from_secs(seconds).min(MAX_LIFETIME),
            None => {
                let shown = match seconds {
                    serde_json::Value::Number(number) => number.to_string(),
                    serde_json::Value::String(_) => "a string".into(),
                    serde_json::Value::Bool(_) => "a boolean".into(),
                    serde_json::Value::Array(_) => "an array".into(),
                    serde_json::Value::Object(_) => "an object".into(),
                    serde_json::Value::Null => "null".into(),
                };
                return Err(failed(format!(
                    "has `expires_in` {shown}, not a positive whole number of seconds"
                )));
            }
        },
    };
    Ok(IssuedToken {
        token: token.into(),
        lifetime,
    })
}

/// Asks a token endpoint for access tokens: one request per [`request`](Self::request),
/// with the client's secret or a freshly signed client assertion.
pub(crate) struct TokenEndpoint {
    grant: Grant,
    url: Url,
    transport: Transport,
}

impl TokenEndpoint {
    /// Whether its requests carry a client assertion (dated by this machine's clock).
    pub(crate) fn sends_assertion(&self) -> bool {
        match self.grant {
            Grant::Secret(_) => false,
            #[cfg(feature = "private-key-jwt")]
            Grant::Signed(_) => true,
        }
    }

    /// The endpoint of `grant`: its token URL, absolute or under the base URL.
    pub(crate) fn new(grant: Grant, transport: Transport) -> Result<Self, ConfigError> {
        let url = token_url(&transport.base_url, grant.token_url())?;
        Ok(Self {
            grant,
            url,
            transport,
        })
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.transport.retry
    }

    /// One token request, sent as API calls are (User-Agent, timeout, body limit, no
    /// redirect). The outer error is for the retry policy to judge (an answer outside 2xx
    /// is an [`Error::Api`], a refused connection an [`Error::Transport`]); the inner one
    /// is final (a 2xx answer without a usable token, or no assertion could be signed).
    pub(crate) async fn request(
        &self,
        attempt: u32,
    ) -> std::result::Result<std::result::Result<IssuedToken, TokenError>, Error> {
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let scope = self.grant.scopes().join(" ");
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if !scope.is_empty() {
            form.push(("scope", scope));
        }
        if let Err(error) = self.authenticate(&mut form, &mut headers) {
            return Ok(Err(error));
        }
        let body = serde_urlencoded::to_string(&form).map_err(|error| Error::InvalidRequest {
            operation: TOKEN_REQUEST,
            message: format!("the token request could not be written as a form: {error}"),
        })?;
        // What an error page that echoes the request must not show.
        let secret = match &self.grant {
            Grant::Secret(client) => Some(client.client_secret.as_str()),
            #[cfg(feature = "private-key-jwt")]
            Grant::Signed(_) => form
                .iter()
                .find(|(name, _)| *name == "client_assertion")
                .map(|(_, assertion)| assertion.as_str()),
        };
        let (_, body) = exchange(
            &self.transport,
            Method::POST,
            &self.url,
            (headers, secret),
            Some(body.into()),
            TOKEN_REQUEST,
            (attempt, false),
        )
        .await?;
        Ok(issued_token(&body))
    }

    /// Adds what proves the client's identity: its id and secret (in `Authorization` or
    /// in the form), or a signed client assertion.
    fn authenticate(
        &self,
        form: &mut Vec<(&'static str, String)>,
        headers: &mut HeaderMap,
    ) -> std::result::Result<(), TokenError> {
        match &self.grant {
            Grant::Secret(client) if client.in_form => {
                form.push(("client_id", client.client_id.clone()));
                form.push(("client_secret", client.client_secret.clone()));
            }
            Grant::Secret(client) => {
                let value = basic_credentials(&client.client_id, &client.client_secret)
                    .map_err(|error| TokenError::Failed(error.to_string()))?;
                headers.insert(header::AUTHORIZATION, value);
            }
            #[cfg(feature = "private-key-jwt")]
            Grant::Signed(app) => {
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ));
                form.push(("client_assertion", self.assertion(app)?));
            }
        }
        Ok(())
    }

    /// A freshly signed client assertion.
    #[cfg(feature = "private-key-jwt")]
    fn assertion(&self, app: &ServiceApp) -> std::result::Result<String, TokenError> {
        let failed = |why: String| TokenError::Failed(format!("the client assertion {why}"));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = Claims {
            iss: &app.client_id,
            sub: &app.client_id,
            aud: self.url.as_str(),
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
            jti: assertion_id()
                .map_err(|_| failed("has no id: the OS random number generator failed".into()))?,
        };
        app.key
            .sign_jwt(app.key_id.as_deref(), &claims)
            .map_err(|why| failed(format!("could not be signed: {why}")))
    }
}

/// `Authorization: Basic` for a client id and secret, each form-encoded first as RFC 6749
/// (section 2.3.1) asks.
fn basic_credentials(client_id: &str, secret: &str) -> Result<HeaderValue, ConfigError> {
    let encode = |text: &str| {
        serde_urlencoded::to_string([("", text)])
            .map(|pair| pair.trim_start_matches('=').to_owned())
            .unwrap_or_default()
    };
    let pair = format!("{}:{}", encode(client_id), encode(secret));
    authorization(
        "Basic",
        &base64::engine::general_purpose::STANDARD.encode(pair),
    )
}

/// The token endpoint: `token_url` when it is absolute (https://, or http:// to a loopback
/// host), else that path under the base URL.
fn token_url(base: &Url, token_url: &str) -> Result<Url, ConfigError> {
    if Url::parse(token_url).is_ok() {
        return crate::base_url::parse_as(token_url, "token URL");
    }
    let mut url = base.clone();
    let path = token_url.trim_start_matches('/');
    url.set_path(&format!("{}/{path}", base.path().trim_end_matches('/')));
    Ok(url)
}

/// How token requests are named in errors and traces.
const TOKEN_REQUEST: &str = "token request";

/// 128 bits from the OS random number generator, as hex: a client assertion's `jti`.
#[cfg(feature = "private-key-jwt")]
fn assertion_id() -> std::result::Result<String, ring::error::Unspecified> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_difference_is_told_from_a_minute_in_seconds_then_in_whole_minutes() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let off = |seconds: i64| {
            let date = match seconds >= 0 {
                true => now + Duration::from_secs(seconds.unsigned_abs()),
                false => now - Duration::from_secs(seconds.unsigned_abs()),
            };
            clock_difference(date, now)
        };
        assert_eq!([off(0), off(59), off(-59)], [None; 3]);
        assert_eq!(
            [off(60), off(-60), off(-3600)],
            [Some(60), Some(-60), Some(-3600)]
        );
        let note = |seconds| {
            let error = OAuthError {
                status: 401,
                error: Some("invalid_client".into()),
                description: None,
                body: None,
                raw_body: None,
                request_id: None,
                clock_difference: Some(seconds),
            };
            error.clock_note()
        };
        let said = |what: &str| {
            format!(
                "; this machine's clock is {what} the token endpoint's (its Date header), and \
                 the client assertion is dated by it, which may be why it was refused"
            )
        };
        assert_eq!(note(119), said("119 s behind"));
        assert_eq!(note(120), said("2 min behind"));
        assert_eq!(note(-149), said("2 min ahead of"));
        assert_eq!(note(150), said("3 min behind"));
    }

    #[test]
    fn token_urls_are_absolute_or_under_the_base_url() {
        let base = Url::parse("https://api.example.com/prefix").unwrap();
        let url = |text| token_url(&base, text).map(String::from);
        assert_eq!(
            url("/v1/oauth2/token").unwrap(),
            "https://api.example.com/prefix/v1/oauth2/token"
        );
        assert_eq!(
            url("https://auth.example.com/token").unwrap(),
            "https://auth.example.com/token"
        );
        assert_eq!(
            url("http://127.0.0.1:8080/token").unwrap(),
            "http://127.0.0.1:8080/token"
        );
        let refused = url("http://auth.example.com/token")
            .unwrap_err()
            .to_string();
        assert!(refused.contains("token URL"), "{refused}");
    }

    #[test]
    fn client_secret_basic_form_encodes_then_base64_encodes() {
        let value = basic_credentials("client:1", "s p").unwrap();
        // base64("client%3A1:s+p")
        assert_eq!(value, "Basic Y2xpZW50JTNBMTpzK3A=");
        assert!(value.is_sensitive());
        let shown = format!("{:?}", ClientCredentials::new("/t", "id", "hush"));
        assert!(!shown.contains("hush"), "{shown}");
    }
}
