//! How requests are authenticated: the credentials a user gives ([`Auth`]), and what each
//! request carries for them (a header, a query pair, or a token asked for per request).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use base64::Engine as _;
use reqwest::header::{self, HeaderName, HeaderValue};
use reqwest::Url;

use crate::client::Transport;
use crate::error::{ConfigError, Error, ErrorBody};
#[cfg(feature = "oauth")]
use crate::oauth::ClientCredentials;
#[cfg(feature = "private-key-jwt")]
use crate::oauth::ServiceApp;
#[cfg(feature = "oauth")]
use crate::token_cache::CachedTokens;

/// The error type a [`TokenSource`] may fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<String, BoxError>> + Send + 'a>>;

/// Supplies OAuth 2.0 access tokens, asked once per request, so tokens can be cached and
/// refreshed outside the client. Any `Fn() -> impl Future<Output = Result<String, BoxError>>`
/// is one.
pub trait TokenSource: Send + Sync {
    /// The access token to send as `Authorization: Bearer <token>`.
    fn token(&self) -> TokenFuture<'_>;

    /// Told when the API answered `401 Unauthorized` to `token`, before the request is
    /// sent once more with a new [`token`](Self::token): a caching source drops it here.
    fn rejected(&self, token: &str) {
        let _ = token;
    }
}

impl<F, Fut> TokenSource for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = std::result::Result<String, BoxError>> + Send + 'static,
{
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self())
    }
}

/// Where an API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// As a request header.
    Header,
    /// As a query parameter.
    Query,
    /// As a cookie.
    Cookie,
}

/// How requests are authenticated. The generated crate's `auth` module builds one for each
/// security scheme of its API description. Non-exhaustive: some variants exist only with
/// the runtime's features that need them.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// No credentials: requests are sent as they are. See [`Auth::none`].
    None,
    /// An API key, sent as the header, query parameter or cookie `name`.
    ApiKey {
        /// Where the key is sent.
        location: ApiKeyLocation,
        /// The name of the header, query parameter or cookie.
        name: String,
        /// The key.
        key: String,
    },
    /// A user name and password, sent as `Authorization: Basic <base64(user:password)>`.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: String,
    },
    /// An Okta API token, sent as `Authorization: SSWS <token>`.
    #[cfg(feature = "okta")]
    ApiToken(String),
    /// An OAuth 2.0 access token (or any bearer token), sent as
    /// `Authorization: Bearer <token>`.
    AccessToken(String),
    /// OAuth 2.0 access tokens from a [`TokenSource`], asked before every request.
    TokenSource(Arc<dyn TokenSource>),
    /// OAuth 2.0 client credentials with a client secret: access tokens fetched from the
    /// token endpoint, cached and renewed.
    #[cfg(feature = "oauth")]
    ClientCredentials(ClientCredentials),
    /// An OAuth 2.0 service app: access tokens from the client-credentials grant with a
    /// client assertion signed by the app's private key, cached and renewed.
    #[cfg(feature = "private-key-jwt")]
    ServiceApp(ServiceApp),
}

impl Auth {
    /// No credentials, for an API that needs none (one whose description declares no
    /// security scheme) or to call only the operations that need none.
    ///
    /// A client is never built without credentials by default: [`ClientBuilder::build`]
    /// refuses a builder that was given no [`auth`](crate::ClientBuilder::auth), so that credentials
    /// forgotten are an error when the client is built rather than a `401` on its first
    /// call. This is how to say that none are meant. Operations whose description requires
    /// no authentication (`security: []`) are sent without credentials whatever the client
    /// was built with.
    ///
    /// [`ClientBuilder::build`]: crate::ClientBuilder::build
    /// [`ClientBuilder::auth`]: crate::ClientBuilder::auth
    pub fn none() -> Self {
        Self::None
    }

    /// An API key sent as the header, query parameter or cookie `name`.
    pub fn api_key(
        location: ApiKeyLocation,
        name: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        Self::ApiKey {
            location,
            name: name.into(),
            key: key.into(),
        }
    }

    /// HTTP Basic authentication (`Authorization: Basic …`).
    pub fn basic(user: impl Into<String>, password: impl Into<String>) -> Self {
        Self::Basic {
            user: user.into(),
            password: password.into(),
        }
    }

    /// An Okta API token (`Authorization: SSWS <token>`).
    #[cfg(feature = "okta")]
    pub fn api_token(token: impl Into<String>) -> Self {
        Self::ApiToken(token.into())
    }

    /// An OAuth 2.0 access token or other bearer token (`Authorization: Bearer <token>`).
    pub fn access_token(token: impl Into<String>) -> Self {
        Self::AccessToken(token.into())
    }

    /// OAuth 2.0 access tokens from `source`, asked before every request.
    pub fn token_source(source: impl TokenSource + 'static) -> Self {
        Self::TokenSource(Arc::new(source))
    }

    /// An OAuth 2.0 service app (client credentials with `private_key_jwt`).
    #[cfg(feature = "private-key-jwt")]
    pub fn service_app(app: ServiceApp) -> Self {
        Self::ServiceApp(app)
    }
}

#[cfg(feature = "oauth")]
impl From<ClientCredentials> for Auth {
    fn from(credentials: ClientCredentials) -> Self {
        Self::ClientCredentials(credentials)
    }
}

#[cfg(feature = "private-key-jwt")]
impl From<ServiceApp> for Auth {
    fn from(app: ServiceApp) -> Self {
        Self::ServiceApp(app)
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::ApiKey { location, name, .. } => f
                .debug_struct("ApiKey")
                .field("location", location)
                .field("name", name)
                .field("key", &format_args!("<redacted>"))
                .finish(),
            Self::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &format_args!("<redacted>"))
                .finish(),
            #[cfg(feature = "okta")]
            Self::ApiToken(_) => f.write_str("ApiToken(<redacted>)"),
            Self::AccessToken(_) => f.write_str("AccessToken(<redacted>)"),
            Self::TokenSource(_) => f.write_str("TokenSource(..)"),
            #[cfg(feature = "oauth")]
            Self::ClientCredentials(credentials) => credentials.fmt(f),
            #[cfg(feature = "private-key-jwt")]
            Self::ServiceApp(_) => f.write_str("ServiceApp(..)"),
        }
    }
}

/// What every request carries for the configured [`Auth`].
#[derive(Clone)]
pub(crate) enum Credentials {
    /// Nothing: the client has no credentials, or the operation needs none.
    None,
    /// A header, the same on every request.
    Header(HeaderName, HeaderValue),
    /// A query pair, the same on every request.
    Query(String, String),
    /// `Authorization: Bearer <token>`, the token asked for before every request.
    Source(Arc<dyn TokenSource>),
}

impl Credentials {
    #[cfg_attr(not(feature = "oauth"), allow(unused_variables))]
    pub(crate) fn new(auth: Auth, transport: &Transport) -> Result<Self, ConfigError> {
        match auth {
            Auth::None => Ok(Self::None),
            Auth::ApiKey {
                location,
                name,
                key,
            } => api_key(location, &name, &key),
            Auth::Basic { user, password } => basic(&user, &password).map(Self::authorization),
            #[cfg(feature = "okta")]
            Auth::ApiToken(token) => authorization("SSWS", &token).map(Self::authorization),
            Auth::AccessToken(token) => authorization("Bearer", &token).map(Self::authorization),
            Auth::TokenSource(source) => Ok(Self::Source(source)),
            #[cfg(feature = "oauth")]
            Auth::ClientCredentials(credentials) => {
                let tokens = CachedTokens::new(credentials.into(), transport.clone())?;
                Ok(Self::Source(Arc::new(tokens)))
            }
            #[cfg(feature = "private-key-jwt")]
            Auth::ServiceApp(app) => {
                let tokens = CachedTokens::new(app.into(), transport.clone())?;
                Ok(Self::Source(Arc::new(tokens)))
            }
        }
    }

    fn authorization(value: HeaderValue) -> Self {
        Self::Header(header::AUTHORIZATION, value)
    }

    /// Adds a query credential to `url`.
    pub(crate) fn add_to(&self, url: &mut Url) {
        if let Self::Query(name, key) = self {
            url.query_pairs_mut().append_pair(name, key);
        }
    }

    /// The header for the next request, and the token in it when it came from a token
    /// source (so a 401 can be reported back with [`TokenSource::rejected`]).
    pub(crate) async fn header<E: ErrorBody>(
        &self,
    ) -> Result<(Option<(HeaderName, HeaderValue)>, Option<String>), Error<E>> {
        match self {
            Self::Header(name, value) => Ok((Some((name.clone(), value.clone())), None)),
            Self::None | Self::Query(..) => Ok((None, None)),
            Self::Source(source) => {
                let token = source.token().await.map_err(Error::TokenSource)?;
                let value = authorization("Bearer", &token)?;
                Ok((Some((header::AUTHORIZATION, value)), Some(token)))
            }
        }
    }

    /// The secret these credentials send (`token`: the one a token source gave), which a
    /// server may echo: a header's value less its scheme, or a query parameter's value.
    pub(crate) fn secret<'a>(&'a self, token: Option<&'a str>) -> Option<&'a str> {
        match self {
            Self::Header(_, value) => {
                let value = value.to_str().ok()?;
                Some(value.split_once(' ').map_or(value, |(_, secret)| secret))
            }
            Self::Query(_, key) => Some(key),
            Self::Source(_) => token,
            Self::None => None,
        }
    }

    /// Reports a token the API rejected; `true` when a new token may do better.
    pub(crate) fn rejected(&self, token: Option<&str>) -> bool {
        match (self, token) {
            (Self::Source(source), Some(token)) => {
                source.rejected(token);
                true
            }
            _ => false,
        }
    }

    /// How the credentials show in the client's `Debug`.
    pub(crate) fn shown(&self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Header(..) | Self::Query(..) => "<redacted>",
            Self::Source(_) => "TokenSource(..)",
        }
    }
}

/// `Authorization: Basic <base64(user:password)>`.
fn basic(user: &str, password: &str) -> Result<HeaderValue, ConfigError> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    authorization("Basic", &encoded)
}

/// The credentials of an API key.
fn api_key(location: ApiKeyLocation, name: &str, key: &str) -> Result<Credentials, ConfigError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(ConfigError::new(format!(
            "the API key for `{name}` is empty"
        )));
    }
    let invalid = || {
        ConfigError::new(format!(
            "the API key for `{name}` has characters not allowed in an HTTP header"
        ))
    };
    let (name, value) = match location {
        ApiKeyLocation::Query => return Ok(Credentials::Query(name.to_owned(), key.to_owned())),
        ApiKeyLocation::Header => {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                ConfigError::new(format!(
                    "`{name}` is not a valid header name for an API key"
                ))
            })?;
            (name, HeaderValue::from_str(key).map_err(|_| invalid())?)
        }
        ApiKeyLocation::Cookie => {
            if name.is_empty() || name.contains(['=', ';', ' ']) || key.contains(';') {
                return Err(ConfigError::new(format!(
                    "`{name}` and its key cannot be sent as a cookie"
                )));
            }
            let cookie = HeaderValue::from_str(&format!("{name}={key}")).map_err(|_| invalid())?;
            (header::COOKIE, cookie)
        }
    };
    let mut value = value;
    value.set_sensitive(true);
    Ok(Credentials::Header(name, value))
}

/// `<scheme> <token>`, marked sensitive so it is never logged. The token is not repeated
/// in the error.
pub(crate) fn authorization(scheme: &str, token: &str) -> Result<HeaderValue, ConfigError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(ConfigError::new(format!("the {scheme} token is empty")));
    }
    // A token is one word (RFC 6750's `b64token`). One pasted with its scheme would be sent
    // as `SSWS SSWS …` and refused, and the secret the client hides from an echoing server
    // would then be the pair, not the token.
    if let Some((first, _)) = token.split_once(char::is_whitespace) {
        let message = match ["SSWS", "Bearer", "Basic"]
            .iter()
            .find(|known| first.eq_ignore_ascii_case(known))
        {
            Some(written) => format!(
                "the {scheme} token starts with `{written} `: give the token alone, the client writes `{scheme} ` before it"
            ),
            None => format!("the {scheme} token has a space in it; a token is one word"),
        };
        return Err(ConfigError::new(message));
    }
    let mut value = HeaderValue::from_str(&format!("{scheme} {token}")).map_err(|_| {
        ConfigError::new(format!(
            "the {scheme} token has characters not allowed in an HTTP header"
        ))
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_go_where_the_scheme_says() {
        let header = api_key(ApiKeyLocation::Header, "X-API-Key", " k1 ").unwrap();
        assert!(
            matches!(&header, Credentials::Header(name, value) if name == "x-api-key" && value == "k1" && value.is_sensitive())
        );
        let cookie = api_key(ApiKeyLocation::Cookie, "session", "k2").unwrap();
        assert!(
            matches!(&cookie, Credentials::Header(name, value) if name == header::COOKIE && value == "session=k2")
        );
        let query = api_key(ApiKeyLocation::Query, "api_key", "k 3").unwrap();
        let mut url = Url::parse("https://api.example.com/v1/items?page=2").unwrap();
        query.add_to(&mut url);
        assert_eq!(
            url.as_str(),
            "https://api.example.com/v1/items?page=2&api_key=k+3"
        );
    }

    #[test]
    fn unusable_keys_are_config_errors_that_do_not_show_them() {
        for (location, name, key, why) in [
            (
                ApiKeyLocation::Header,
                "X-API-Key",
                "  ",
                "the API key for `X-API-Key` is empty",
            ),
            (
                ApiKeyLocation::Header,
                "X API Key",
                "secret-1",
                "`X API Key` is not a valid header name for an API key",
            ),
            (
                ApiKeyLocation::Header,
                "X-API-Key",
                "secret\n2",
                "the API key for `X-API-Key` has characters not allowed in an HTTP header",
            ),
            (
                ApiKeyLocation::Cookie,
                "a=b",
                "secret-3",
                "`a=b` and its key cannot be sent as a cookie",
            ),
            (
                ApiKeyLocation::Cookie,
                "session",
                "secret;4",
                "`session` and its key cannot be sent as a cookie",
            ),
        ] {
            let error = api_key(location, name, key).err().expect(name).to_string();
            assert_eq!(error, format!("invalid client configuration: {why}"));
        }
    }

    #[test]
    fn a_token_given_with_its_scheme_or_a_space_in_it_is_refused_without_being_shown() {
        for (scheme, token, why) in [
            (
                "SSWS",
                "SSWS 00secret",
                "the SSWS token starts with `SSWS `: give the token alone, the client writes `SSWS ` before it",
            ),
            (
                "Bearer",
                "bearer\teysecret",
                "the Bearer token starts with `Bearer `: give the token alone, the client writes `Bearer ` before it",
            ),
            (
                "SSWS",
                "00sec ret",
                "the SSWS token has a space in it; a token is one word",
            ),
        ] {
            let error = authorization(scheme, token).unwrap_err().to_string();
            assert_eq!(error, format!("invalid client configuration: {why}"));
            assert!(!error.contains("secret"), "{error}");
        }
        assert_eq!(
            authorization("SSWS", " 00secret\n").unwrap(),
            "SSWS 00secret"
        );
    }

    #[test]
    fn basic_credentials_are_base64_and_never_shown() {
        // base64("user:pa:ss")
        assert_eq!(basic("user", "pa:ss").unwrap(), "Basic dXNlcjpwYTpzcw==");
        let auth = Auth::basic("user", "pa:ss");
        assert_eq!(
            format!("{auth:?}"),
            "Basic { user: \"user\", password: <redacted> }"
        );
        let key = Auth::api_key(ApiKeyLocation::Header, "X-Key", "secret");
        assert!(!format!("{key:?}").contains("secret"));
    }
}
