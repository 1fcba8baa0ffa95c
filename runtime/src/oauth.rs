//! OAuth 2.0 for service apps: the client-credentials grant with `private_key_jwt` client
//! authentication, one token request at a time. The token is cached and shared in
//! `token_cache`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use super::client::{BoxError, RetryPolicy, Transport};
use super::error::{ApiError, Error};
use super::exchange::exchange;
use super::private_key::PrivateKey;

/// The scopes asked for when none are configured: everything this API needs.
pub const DEFAULT_SCOPES: &[&str] = &["okta.identitySources.manage", "okta.identitySources.read"];

/// How long a client assertion is valid. Okta accepts at most an hour.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// An OAuth 2.0 service app: its client id, private key, optional key id and scopes.
#[derive(Clone, Debug)]
pub struct ServiceApp {
    client_id: String,
    key: PrivateKey,
    key_id: Option<String>,
    scopes: Vec<String>,
}

impl ServiceApp {
    /// The app `client_id` signing with `key`, asking for [`DEFAULT_SCOPES`].
    pub fn new(client_id: impl Into<String>, key: PrivateKey) -> Self {
        Self {
            client_id: client_id.into(),
            key,
            key_id: None,
            scopes: DEFAULT_SCOPES
                .iter()
                .map(|scope| (*scope).to_owned())
                .collect(),
        }
    }

    /// The `kid` of the key, as registered with the app.
    pub fn key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }

    /// The scopes to ask for instead of [`DEFAULT_SCOPES`].
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
}

/// The claims of a client assertion (RFC 7523).
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
#[error("the token endpoint answered {status}: {}", self.describe())]
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
    /// `X-Okta-Request-Id`, for Okta support.
    pub request_id: Option<String>,
}

impl OAuthError {
    fn from_api(api: &ApiError) -> Self {
        let oauth = api
            .raw_body
            .as_deref()
            .and_then(|body| serde_json::from_str::<TokenErrorBody>(body).ok());
        Self {
            status: api.meta.status.as_u16(),
            error: oauth.as_ref().map(|body| body.error.clone()),
            description: oauth
                .as_ref()
                .and_then(|body| body.error_description.clone()),
            body: api.body.clone().filter(|_| oauth.is_none()),
            request_id: api.meta.request_id.clone(),
        }
    }

    fn describe(&self) -> String {
        match (&self.error, &self.description, &self.body) {
            (Some(error), Some(description), _) => format!("{error} ({description})"),
            (Some(error), None, _) => error.clone(),
            (None, _, Some(body)) => format!("no OAuth error in the body {body}"),
            (None, _, None) => "no OAuth error in the body".to_owned(),
        }
    }
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

impl From<&Error> for TokenError {
    fn from(error: &Error) -> Self {
        match error {
            Error::Api(api) => Self::Refused(Box::new(OAuthError::from_api(api))),
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
/// `null`): an hour, Okta's default for access tokens.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The longest token lifetime believed; a larger `expires_in` is taken as this.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The token in a 2xx answer of the token endpoint, checked: a token that can be sent in
/// a header, and a lifetime that is a positive whole number of seconds (or none).
fn issued_token(body: &[u8]) -> std::result::Result<IssuedToken, TokenError> {
    let failed = |why: String| TokenError::Failed(format!("the token endpoint's answer {why}"));
    let response = serde_json::from_slice::<TokenResponse>(body)
        .map_err(|error| failed(format!("has no access token: {error}")))?;
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
                return Err(failed(format!(
                    "has `expires_in` {seconds}, not a positive whole number of seconds"
                )))
            }
        },
    };
    Ok(IssuedToken {
        token: token.into(),
        lifetime,
    })
}

/// Asks the token endpoint of an org for access tokens for a [`ServiceApp`]: one request
/// per [`request`](Self::request), with a freshly signed client assertion.
pub(crate) struct TokenEndpoint {
    app: ServiceApp,
    url: Url,
    transport: Transport,
}

impl TokenEndpoint {
    pub(crate) fn new(app: ServiceApp, transport: Transport) -> Self {
        let mut url = transport.base_url.clone();
        url.set_path(&format!(
            "{}/oauth2/v1/token",
            transport.base_url.path().trim_end_matches('/')
        ));
        Self {
            app,
            url,
            transport,
        }
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
        let assertion = match self.assertion() {
            Ok(assertion) => assertion,
            Err(error) => return Ok(Err(error)),
        };
        let scope = self.app.scopes.join(" ");
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", scope.as_str()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
        ];
        let body = serde_urlencoded::to_string(form).map_err(|error| Error::InvalidRequest {
            operation: TOKEN_REQUEST,
            message: format!("the token request could not be written as a form: {error}"),
        })?;
        let mut headers = HeaderMap::with_capacity(2);
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let (_, body) = exchange(
            &self.transport,
            Method::POST,
            &self.url,
            headers,
            Some(body.into()),
            TOKEN_REQUEST,
            attempt,
        )
        .await?;
        Ok(issued_token(&body))
    }

    /// A freshly signed client assertion.
    fn assertion(&self) -> std::result::Result<String, TokenError> {
        let failed = |why: String| TokenError::Failed(format!("the client assertion {why}"));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = Claims {
            iss: &self.app.client_id,
            sub: &self.app.client_id,
            aud: self.url.as_str(),
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
            jti: assertion_id()
                .map_err(|_| failed("has no id: the OS random number generator failed".into()))?,
        };
        self.app
            .key
            .sign_jwt(self.app.key_id.as_deref(), &claims)
            .map_err(|why| failed(format!("could not be signed: {why}")))
    }
}

/// How token requests are named in errors and traces.
const TOKEN_REQUEST: &str = "token request";

/// 128 bits from the OS random number generator, as hex: a client assertion's `jti`.
fn assertion_id() -> std::result::Result<String, ring::error::Unspecified> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}
