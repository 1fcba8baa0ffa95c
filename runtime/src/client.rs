//! The client: base URL, authentication, timeouts, retry policy, and the shared connection
//! pool.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use ring::rand::{SecureRandom, SystemRandom};

use super::auth::{Auth, Credentials};
use super::error::{ConfigError, Result};
#[cfg(feature = "private-key-jwt")]
use super::oauth::ServiceApp;
use super::reached::Reached;
use super::user_agent::UserAgent;
use super::{base_url, tls};

/// When and how often failed requests are tried again.
///
/// A `429 Too Many Requests` is retried after the wait the server asks for plus
/// [`rate_limit_margin`](Self::rate_limit_margin): until `X-Rate-Limit-Reset` (measured
/// against the response's `Date`, or this machine's clock when it has none), else its
/// `Retry-After`, with the `okta` feature; its `Retry-After` or the reset of its
/// `RateLimit` window otherwise. A `503` with `Retry-After` waits as long too. A wait
/// longer than [`max_rate_limit_wait`](Self::max_rate_limit_wait) is not waited: the
/// error is returned at once.
/// Other `503`s and failures to connect are retried after an exponential backoff with
/// jitter, as is a 429 without a usable wait. A `504`, a connection closed or reset before
/// the answer and a request timeout are retried the same way only for an operation that
/// is safe to send twice (a GET, PUT or DELETE, or one the API description
/// marks `x-idempotent`), as the server may have acted on the request all the same; a
/// POST such as a create is never sent twice after one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt; `0` turns retrying off. Default 2 (3 attempts).
    pub max_retries: u32,
    /// No retry starts later than this after the first attempt. Default 2 minutes.
    pub max_elapsed: Duration,
    /// A 429 whose reset is further away than this is returned, not waited for. Default 70 s.
    pub max_rate_limit_wait: Duration,
    /// Added to the wait until `X-Rate-Limit-Reset`. Default 1 s, as Okta's SDKs do.
    pub rate_limit_margin: Duration,
    /// The first backoff; each retry doubles it. Default 500 ms.
    pub initial_backoff: Duration,
    /// The longest backoff. Default 30 s.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            max_elapsed: Duration::from_secs(120),
            max_rate_limit_wait: Duration::from_secs(70),
            rate_limit_margin: Duration::from_secs(1),
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The default policy with `max_retries` retries.
    pub fn with_max_retries(max_retries: u32) -> Self {
        Self {
            max_retries,
            ..Self::default()
        }
    }

    /// This policy with other backoff bounds.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// This policy with another margin after a rate-limit reset and another longest wait.
    pub fn rate_limit_wait(mut self, margin: Duration, max_wait: Duration) -> Self {
        self.rate_limit_margin = margin;
        self.max_rate_limit_wait = max_wait;
        self
    }

    /// This policy with another bound on the total time spent retrying.
    pub fn max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// The backoff before retry number `retry` (1 for the first): a random duration between
    /// half and all of `initial_backoff * 2^(retry-1)`, capped at `max_backoff`.
    pub(crate) fn backoff_delay(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max_backoff);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        // Jitter needs no secrecy, but the OS generator is already here; should it ever
        // fail, the wait is the ceiling.
        let mut random = [0; 8];
        let half = millis / 2;
        let offset = match SystemRandom::new().fill(&mut random) {
            Ok(()) => u64::from_le_bytes(random) % (millis - half + 1),
            Err(_) => millis - half,
        };
        Duration::from_millis(half + offset)
    }
}

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Builds a [`Client`]; start with [`Client::builder`].
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    base_url_name: Option<String>,
    auth: Option<Auth>,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    request_timeout: Duration,
    user_agent_suffix: Option<String>,
    retry: RetryPolicy,
    max_response_bytes: usize,
    on_retry: Option<OnRetry>,
    /// Where the operations of other servers than the base URL's are sent instead: each
    /// server as the API description gives it, and the URL.
    servers: Vec<(String, String)>,
}

/// What [`ClientBuilder::on_retry`] is given.
pub(crate) type OnRetry = Arc<dyn Fn(&Retrying) + Send + Sync>;

/// A retry the client is about to make, told to [`ClientBuilder::on_retry`]'s callback
/// before the client waits to send the request again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Retrying {
    /// The operationId of the call.
    pub operation: &'static str,
    /// Which retry it is: 1 for the first.
    pub retry: u32,
    /// How long the client waits before sending the request again.
    pub delay: Duration,
    /// The status of the answer that failed the attempt (`429`, `503`), when one came.
    pub status: Option<reqwest::StatusCode>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &base_url::shown_text(&self.base_url))
            .field("base_url_name", &self.base_url_name)
            .field("auth", &self.auth)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("on_retry", &self.on_retry.is_some())
            .field(
                "servers",
                &self
                    .servers
                    .iter()
                    .map(|(server, url)| (server, base_url::shown_text(url)))
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// How requests are authenticated: an [`Auth`], or OAuth 2.0 client credentials or a
    /// service app. Required, so that credentials forgotten fail [`build`](Self::build)
    /// instead of the first call: [`Auth::none()`] builds a client that sends none.
    pub fn auth(mut self, auth: impl Into<Auth>) -> Self {
        self.auth = Some(auth.into());
        self
    }

    /// Authenticates with an Okta API token (`Authorization: SSWS <token>`).
    #[cfg(feature = "okta")]
    pub fn api_token(self, token: impl Into<String>) -> Self {
        self.auth(Auth::api_token(token))
    }

    /// Authenticates with an OAuth 2.0 access token (`Authorization: Bearer <token>`).
    pub fn access_token(self, token: impl Into<String>) -> Self {
        self.auth(Auth::access_token(token))
    }

    /// Authenticates as an OAuth 2.0 service app: access tokens are fetched from its token
    /// URL with a client assertion signed by the app's key, shared by every clone of the
    /// client, and renewed before they expire (the current one used on while renewing fails).
    #[cfg(feature = "private-key-jwt")]
    pub fn service_app(self, app: ServiceApp) -> Self {
        self.auth(Auth::service_app(app))
    }

    /// Sends requests through `client` instead of a new one. The connect timeout is then
    /// the injected client's, and so are its proxies (a client made here reaches a base URL
    /// on this machine directly, whatever proxy the environment names); the request timeout
    /// and the body limit still apply.
    ///
    /// Should `client` follow redirects (reqwest's default does; one started from
    /// [`http_client_builder`](super::http_client_builder) does not), a request body is still
    /// never resent: a `307` or `308` to a call with a body is returned as the error. An
    /// answer that comes from another origin than the base URL's (a followed `301`, `302`
    /// or `303`) fails with [`Error::Redirected`](crate::Error::Redirected), unread. But a credential sent in a header
    /// other than `Authorization` (an API key in a header of its own) goes with the
    /// redirect, as reqwest keeps every other header.
    ///
    /// Start from [`http_client_builder`](super::http_client_builder): reqwest is built
    /// without a TLS crypto provider of its own here.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How long connecting may take. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from sending to the last byte of the response.
    /// Default 60 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// What errors about the base URL call it (default `base URL`): a command names the flag
    /// or variable it came from, e.g. `org URL (--org)`.
    pub fn base_url_name(mut self, name: impl Into<String>) -> Self {
        self.base_url_name = Some(name.into());
        self
    }

    /// Appended to the `User-Agent` header, e.g. `hr-sync/2.1`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// When and how often failed requests are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Calls `told` before each retry, with what is retried and how long the client waits
    /// first (a rate limit's reset can be a minute away): for a program to say why it
    /// is waiting. The callback runs on the task making the call; keep it short.
    pub fn on_retry(mut self, told: impl Fn(&Retrying) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(told));
        self
    }

    /// Sends the operations that the API description puts on `server`, a server of their
    /// own, to `url` instead: a test server, or the host a placeholder in the description
    /// stands for. `server` is written as each such operation's docs name it, variables and
    /// all (`https://uploads.example.com`, `https://{region}.example.com`; the case of its
    /// host and a trailing `/` aside); an operation whose server has variables fails before
    /// it is sent unless given its URL so. `url` is checked as the base URL is, when the
    /// client is built. The client's credentials go with those requests, as the description
    /// gives the operations the API's security.
    pub fn server_url(mut self, server: impl Into<String>, url: impl Into<String>) -> Self {
        let server = server.into();
        self.servers
            .retain(|(known, _)| server_key(known) != server_key(&server));
        self.servers.push((server, url.into()));
        self
    }

    /// The largest response body read; a larger one fails with [`Error::BodyTooLarge`](crate::Error::BodyTooLarge).
    /// Default 16 MiB.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The client, or a [`ConfigError`] saying what is wrong with the configuration: a
    /// builder given no [`auth`](Self::auth) is refused.
    pub fn build(self) -> Result<Client, ConfigError> {
        let name = self.base_url_name.as_deref().unwrap_or("base URL");
        let base_url = base_url::parse_as(&self.base_url, name)?;
        base_url::check_api_host(&base_url, name)?;
        let servers = self
            .servers
            .iter()
            .map(|(server, url)| {
                let name = format!("URL for the server {server}");
                Ok((server_key(server), base_url::parse_as(url, &name)?))
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        let auth = self.auth.ok_or_else(|| {
            ConfigError::new(
                "no authentication was configured; set credentials with `auth`, or `auth(Auth::none())` for an API that needs none",
            )
        })?;

        let user_agent = UserAgent::new(self.user_agent_suffix.as_deref()).ok_or_else(|| {
            ConfigError::new("the user agent suffix has characters not allowed in an HTTP header")
        })?;
        // The connections of an injected client can't be seen.
        let reached = self.http.is_none().then(Reached::default);
        let http = match self.http {
            Some(http) => http,
            // Redirects are not followed (`http_client_builder`): a 3xx is returned as an
            // error, so a body is never resent to another URL (plain http:// among them).
            None => {
                let mut http = tls::http_client_builder()?
                    .connect_timeout(self.connect_timeout)
                    .connector_layer(reached.clone().unwrap_or_default());
                // A proxy of the environment (`HTTP_PROXY`) can't reach this machine's
                // loopback: an emulator or a test server is reached directly, and so is a
                // token URL of the same client (an OAuth server of a test, on another port).
                if base_url::is_on_this_machine(&base_url) {
                    http = http.no_proxy();
                }
                http.build().map_err(|error| {
                    ConfigError::new(format!("the HTTP client could not be built: {error}"))
                })?
            }
        };
        let transport = Transport {
            base_url,
            http,
            user_agent: Arc::new(user_agent),
            request_timeout: self.request_timeout,
            retry: self.retry,
            max_response_bytes: self.max_response_bytes,
            on_retry: self.on_retry,
            reached,
        };
        let credentials = Credentials::new(auth, &transport)?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                credentials,
                servers,
            }),
        })
    }
}

/// A client for the API: cheap to clone, `Send + Sync`, and every clone shares one
/// connection pool and configuration.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) transport: Transport,
    pub(crate) credentials: Credentials,
    /// The URLs given to [`ClientBuilder::server_url`], by server ([`server_key`]).
    servers: Vec<(String, Url)>,
}

/// A server as the API description writes it, as it is looked up: without a trailing `/`,
/// its scheme and host in lower case, so that `https://Uploads.example.com/` finds
/// `https://uploads.example.com` (the generator compares servers the same way).
fn server_key(server: &str) -> String {
    let server = server.trim().trim_end_matches('/');
    let host_end = server.find("//").map_or(0, |at| {
        at + 2 + server[at + 2..].find('/').unwrap_or(server.len() - at - 2)
    });
    let (origin, path) = server.split_at(host_end);
    origin.to_ascii_lowercase() + path
}

/// How requests reach the org, for API calls and token requests alike: where, through
/// which HTTP client, as whom, for how long, how often, and how much of an answer is read.
#[derive(Clone)]
pub(crate) struct Transport {
    pub(crate) base_url: Url,
    pub(crate) http: reqwest::Client,
    pub(crate) user_agent: Arc<UserAgent>,
    pub(crate) request_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    /// Told of each retry before it waits.
    pub(crate) on_retry: Option<OnRetry>,
    /// Whether the HTTP client ever made a connection; `None` for an injected one, whose
    /// connections can't be seen.
    pub(crate) reached: Option<Reached>,
}

impl Client {
    /// Starts configuring a client for the org at `base_url`, e.g.
    /// `https://dev-123456.okta.com`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            base_url_name: None,
            auth: None,
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            user_agent_suffix: None,
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            on_retry: None,
            servers: Vec::new(),
        }
    }

    /// A client for the org at `base_url` with `auth` and the default settings.
    pub fn new(base_url: impl Into<String>, auth: Auth) -> Result<Self, ConfigError> {
        Self::builder(base_url).auth(auth).build()
    }

    /// The org URL requests are sent to.
    pub fn base_url(&self) -> &Url {
        &self.inner.transport.base_url
    }

    /// Where an operation of `server` (a server of its own, as the API description gives
    /// it) is sent: the URL [`ClientBuilder::server_url`] was given for it, else `server`
    /// itself, checked as the base URL is, unless it is `templated` (has variables, whose
    /// defaults are often placeholders); the message of an error names `operation`.
    pub(crate) fn server_url(
        &self,
        server: &str,
        templated: bool,
        operation: &str,
    ) -> std::result::Result<std::borrow::Cow<'_, Url>, ConfigError> {
        let key = server_key(server);
        if let Some((_, url)) = self.inner.servers.iter().find(|(known, _)| *known == key) {
            return Ok(std::borrow::Cow::Borrowed(url));
        }
        if templated {
            return Err(ConfigError::new(format!(
                "the operation `{operation}` is sent to a server of its own, `{server}`, whose URL depends on its variables; give it with `ClientBuilder::server_url({server:?}, url)`"
            )));
        }
        let name = format!("server of the operation `{operation}`");
        base_url::parse_as(server, &name)
            .map(std::borrow::Cow::Owned)
            .map_err(|error| {
                ConfigError::new(format!(
                    "{}; give it a URL with `ClientBuilder::server_url`",
                    error.message()
                ))
            })
    }

    /// Names the crate requests are sent through in their `User-Agent`, as
    /// `<crate-name>/<version>`, before the suffix. Called by the generated API structs; the
    /// first name given is kept for this client and its clones.
    #[doc(hidden)]
    pub fn identify(&self, product: &'static str) {
        self.inner.transport.user_agent.identify(product);
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = self.inner.credentials.shown();
        f.debug_struct("Client")
            .field("base_url", &self.inner.transport.base_url.as_str())
            .field("auth", &format_args!("{auth}"))
            .field("request_timeout", &self.inner.transport.request_timeout)
            .field("retry", &self.inner.transport.retry)
            .field(
                "max_response_bytes",
                &self.inner.transport.max_response_bytes,
            )
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_built_with_credentials_or_with_none_said_on_purpose() {
        let forgotten = Client::builder("https://api.example.com")
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            forgotten.contains("no authentication was configured"),
            "{forgotten}"
        );
        assert!(forgotten.contains("Auth::none()"), "{forgotten}");

        let anonymous = Client::builder("https://api.example.com")
            .auth(Auth::none())
            .build()
            .unwrap();
        assert!(matches!(anonymous.inner.credentials, Credentials::None));
        assert!(
            format!("{anonymous:?}").contains("auth: None"),
            "{anonymous:?}"
        );
        let new = Client::new("https://api.example.com", Auth::none()).unwrap();
        assert!(matches!(new.inner.credentials, Credentials::None));

        let token = Client::builder("https://api.example.com")
            .access_token("secret-token")
            .build()
            .unwrap();
        assert!(matches!(token.inner.credentials, Credentials::Header(..)));
        assert!(!format!("{token:?}").contains("secret-token"));
    }
}
