// Copied by `cargo xtask codegen` from templates/src/runtime/oauth.rs. Do not edit.

//! OAuth 2.0 for service apps: the client-credentials grant with `private_key_jwt` client
//! authentication, and a shared cache of the access token it yields.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Url;
use serde::{Deserialize, Serialize};

use super::client::{BoxError, TokenFuture, TokenSource};
use super::error::{Error, Result};

/// The scopes asked for when none are configured: everything this API needs.
pub const DEFAULT_SCOPES: &[&str] = &["okta.identitySources.manage", "okta.identitySources.read"];

/// How long a client assertion is valid. Okta accepts at most an hour.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// A token is renewed when less than this part of its lifetime is left (and at most a
/// minute before it expires).
const RENEW_FRACTION: u32 = 5;
const RENEW_AT_MOST: Duration = Duration::from_secs(60);

/// A service app's private key (PEM, RSA or EC P-256), used to sign client assertions with
/// RS256 or ES256. Its `Debug` shows only the algorithm.
#[derive(Clone)]
pub struct PrivateKey {
    key: EncodingKey,
    algorithm: Algorithm,
}

impl PrivateKey {
    /// Reads a PEM private key: RSA (PKCS#1 or PKCS#8) or EC P-256 (PKCS#8).
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        let candidates = [
            (Algorithm::RS256, EncodingKey::from_rsa_pem(pem)),
            (Algorithm::ES256, EncodingKey::from_ec_pem(pem)),
        ];
        for (algorithm, key) in candidates {
            let Ok(key) = key else { continue };
            // Parsing alone does not tell an RSA key from an EC one in PKCS#8: sign once.
            let probe = jsonwebtoken::encode(&Header::new(algorithm), &serde_json::json!({}), &key);
            if probe.is_ok() {
                return Ok(Self { key, algorithm });
            }
        }
        Err(Error::Config(
            "the service app's private key is not a PEM RSA or EC P-256 private key".into(),
        ))
    }

    /// Reads a PEM private key from a file.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let pem = std::fs::read(path).map_err(|error| {
            Error::Config(format!(
                "the service app's private key {} could not be read: {error}",
                path.display()
            ))
        })?;
        Self::from_pem(&pem)
    }

    /// `RS256` or `ES256`.
    pub fn algorithm(&self) -> &'static str {
        match self.algorithm {
            Algorithm::ES256 => "ES256",
            _ => "RS256",
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, <redacted>)", self.algorithm())
    }
}

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
    #[serde(default)]
    expires_in: Option<u64>,
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
}

impl OAuthError {
    fn describe(&self) -> String {
        match (&self.error, &self.description) {
            (Some(error), Some(description)) => format!("{error} ({description})"),
            (Some(error), None) => error.clone(),
            (None, _) => "no OAuth error in the body".to_owned(),
        }
    }
}

struct CachedToken {
    token: Arc<str>,
    renew_at: Instant,
}

/// The longest token lifetime believed; a larger `expires_in` is taken as this.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Gets access tokens for a [`ServiceApp`] and caches the current one for every clone of
/// the client: a token is fetched once however many requests want it at the same moment,
/// renewed shortly before it expires, and dropped when the API rejects it.
pub(crate) struct ServiceAppTokens {
    app: ServiceApp,
    token_url: Url,
    http: reqwest::Client,
    timeout: Duration,
    /// The current token; never locked across an `.await`.
    current: std::sync::Mutex<Option<CachedToken>>,
    /// Held while fetching, so concurrent callers wait for one fetch instead of each making
    /// their own.
    fetching: tokio::sync::Mutex<()>,
}

impl ServiceAppTokens {
    pub(crate) fn new(
        app: ServiceApp,
        base_url: &Url,
        http: reqwest::Client,
        timeout: Duration,
    ) -> Self {
        let mut token_url = base_url.clone();
        token_url.set_path(&format!(
            "{}/oauth2/v1/token",
            base_url.path().trim_end_matches('/')
        ));
        Self {
            app,
            token_url,
            http,
            timeout,
            current: std::sync::Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The cached token, if it is not due for renewal.
    fn cached(&self) -> Option<Arc<str>> {
        let current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        current
            .as_ref()
            .filter(|cached| Instant::now() < cached.renew_at)
            .map(|cached| cached.token.clone())
    }

    async fn current_token(&self) -> std::result::Result<Arc<str>, BoxError> {
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let _fetching = self.fetching.lock().await;
        // Someone else may have fetched while this call waited.
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let fetched_at = Instant::now();
        let response = self.fetch().await?;
        let lifetime = Duration::from_secs(response.expires_in.unwrap_or(0)).min(MAX_LIFETIME);
        let renew_before = (lifetime / RENEW_FRACTION).min(RENEW_AT_MOST);
        let token: Arc<str> = response.access_token.into();
        let cached = CachedToken {
            token: token.clone(),
            renew_at: fetched_at + (lifetime - renew_before),
        };
        *self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(cached);
        Ok(token)
    }

    async fn fetch(&self) -> std::result::Result<TokenResponse, BoxError> {
        let assertion = self.assertion()?;
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
        let response = self
            .http
            .post(self.token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|error| format!("the token endpoint could not be reached: {error}"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|error| format!("the token endpoint's answer could not be read: {error}"))?;
        if !status.is_success() {
            let parsed = serde_json::from_slice::<TokenErrorBody>(&body).ok();
            return Err(Box::new(OAuthError {
                status: status.as_u16(),
                error: parsed.as_ref().map(|body| body.error.clone()),
                description: parsed.and_then(|body| body.error_description),
            }));
        }
        serde_json::from_slice::<TokenResponse>(&body).map_err(|error| {
            format!("the token endpoint's answer has no access token: {error}").into()
        })
    }

    /// A freshly signed client assertion.
    fn assertion(&self) -> std::result::Result<String, BoxError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = Claims {
            iss: &self.app.client_id,
            sub: &self.app.client_id,
            aud: self.token_url.as_str(),
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
            jti: format!("{:032x}", fastrand::u128(..)),
        };
        let mut header = Header::new(self.app.key.algorithm);
        header.kid = self.app.key_id.clone();
        jsonwebtoken::encode(&header, &claims, &self.app.key.key)
            .map_err(|error| format!("the client assertion could not be signed: {error}").into())
    }
}

impl TokenSource for ServiceAppTokens {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move { self.current_token().await.map(|token| token.to_string()) })
    }

    fn rejected(&self, token: &str) {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if current
            .as_ref()
            .is_some_and(|cached| &*cached.token == token)
        {
            *current = None;
        }
    }
}
