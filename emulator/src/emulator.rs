//! The emulator as a caller meets it: a builder, and a handle to the running server with
//! read access to its state.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::faults::{Fault, FaultQueue, RequestFault};
use crate::limits::{Limits, MAX_CLOCK_SKEW, RateLimit, Timings, bounded};
use crate::oauth::{ServiceApp, TokenIssuer};
use crate::rate_limit::RateWindow;
use crate::recording::{RecordedRequest, Recorder};
use crate::server::{self, ConnectionLimits};
use crate::service::{Clock, FINISHED_SESSIONS_KEPT, Service};
use crate::session::{DirectoryUser, SessionView};
use crate::state::{Shared, State};

/// Why the emulator did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The address could not be bound.
    #[error("could not listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A service app's public key is neither an RSA nor an EC public key in PEM (a private
    /// key is refused too: it would read, but check no signature).
    #[error(
        "the public key of service app {client_id} is not an RSA or EC public key in PEM (for a private key, give its public key: openssl pkey -in KEY.pem -pubout)"
    )]
    PublicKey {
        /// The app's client id.
        client_id: String,
    },
    /// A service app's PEM holds several keys, of which only the first would be read.
    #[error(
        "the public key file of service app {client_id} holds several keys; give it one (its app's)"
    )]
    SeveralKeys {
        /// The app's client id.
        client_id: String,
    },
    /// Two service apps have the same client id: Okta's client ids are unique, and an
    /// assertion would be checked against one key only.
    #[error("service app {client_id} is registered twice; give each client id once")]
    ServiceAppTwice {
        /// The client id.
        client_id: String,
    },
}

/// Configures an [`Emulator`]. Every setting has the real service's default.
#[derive(Clone)]
pub struct EmulatorBuilder {
    sources: Vec<String>,
    api_tokens: Vec<String>,
    apps: Vec<ServiceApp>,
    limits: Limits,
    timings: Timings,
    rate_limit: RateLimit,
    record_limit: usize,
    finished_sessions_kept: usize,
    address: SocketAddr,
    connections: ConnectionLimits,
    body_timeout: Duration,
    clock_skew: TimeDelta,
}

impl std::fmt::Debug for EmulatorBuilder {
    /// Everything but the API tokens, which are secrets: only their number is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("sources", &self.sources)
            .field(
                "api_tokens",
                &format_args!("<{} redacted>", self.api_tokens.len()),
            )
            .field("apps", &self.apps)
            .field("limits", &self.limits)
            .field("timings", &self.timings)
            .field("rate_limit", &self.rate_limit)
            .field("record_limit", &self.record_limit)
            .field("finished_sessions_kept", &self.finished_sessions_kept)
            .field("address", &self.address)
            .field("connections", &self.connections)
            .field("body_timeout", &self.body_timeout)
            .field("clock_skew", &self.clock_skew)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            sources: Vec::new(),
            api_tokens: Vec::new(),
            apps: Vec::new(),
            limits: Limits::OKTA,
            timings: Timings::default(),
            rate_limit: RateLimit::default(),
            record_limit: 1000,
            finished_sessions_kept: FINISHED_SESSIONS_KEPT,
            address: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            connections: ConnectionLimits {
                max_connections: 512,
                request_timeout: Duration::from_secs(30),
                shutdown_grace: Duration::from_secs(5),
            },
            body_timeout: Duration::from_secs(30),
            clock_skew: TimeDelta::zero(),
        }
    }
}

impl EmulatorBuilder {
    /// An identity source (`0oa…`) the emulator knows; others answer 404 E0000007.
    pub fn identity_source(mut self, id: impl Into<String>) -> Self {
        self.sources.push(id.into());
        self
    }

    /// An API token accepted as `Authorization: SSWS <token>`, with access to everything;
    /// taken without the spaces around it, as clients send it.
    pub fn api_token(mut self, token: impl Into<String>) -> Self {
        let token: String = token.into();
        self.api_tokens.push(token.trim().to_owned());
        self
    }

    /// A service app that may get access tokens at `/oauth2/v1/token`.
    pub fn service_app(mut self, app: ServiceApp) -> Self {
        self.apps.push(app);
        self
    }

    /// How long an import stays `TRIGGERED` before it is `COMPLETED`. Default 0: the next
    /// read after start-import sees it completed.
    pub fn processing_time(mut self, duration: Duration) -> Self {
        self.timings.processing_time = bounded(duration);
        self
    }

    /// How long after a start-import a new session is refused. Default 5 minutes.
    pub fn cool_down(mut self, duration: Duration) -> Self {
        self.timings.cool_down = bounded(duration);
        self
    }

    /// How long a `CREATED` session may stay idle before it is `EXPIRED`. Default 24 h.
    pub fn session_expiry(mut self, duration: Duration) -> Self {
        self.timings.session_expiry = bounded(duration);
        self
    }

    /// How long an access token is valid. Default 1 h.
    pub fn token_lifetime(mut self, duration: Duration) -> Self {
        self.timings.token_lifetime = bounded(duration);
        self
    }

    /// At most `limit` API requests in each `window` (at least a millisecond). Default 600
    /// a minute. An injected 429 ([`Fault::Status`](crate::Fault::Status)) says the window
    /// resets when the current one ends, so a client that waits for it (as Okta's clients
    /// do) waits up to a window: a test gives a short one.
    pub fn rate_limit(mut self, limit: u32, window: Duration) -> Self {
        self.rate_limit = RateLimit {
            limit,
            window: bounded(window).max(Duration::from_millis(1)),
        };
        self
    }

    /// Other size limits than [`Limits::OKTA`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How many of the latest requests [`Emulator::requests`] keeps. Default 1000.
    pub fn record_limit(mut self, requests: usize) -> Self {
        self.record_limit = requests;
        self
    }

    /// How many finished (`CLOSED`, `COMPLETED`, `ERROR`, `EXPIRED`) sessions each source
    /// keeps; older ones are forgotten (their GET answers 404), so memory stays bounded
    /// however long the emulator runs. Default 1000. With 0 a session is forgotten as it
    /// finishes, so that no client sees it finished: for a test of a client that meets a
    /// session gone (the binary takes at least 1).
    pub fn finished_sessions_kept(mut self, sessions: usize) -> Self {
        self.finished_sessions_kept = sessions;
        self
    }

    /// The address to listen on. Default `127.0.0.1:0` (a free port). With an unspecified
    /// address (`0.0.0.0`, `::`: every address), [`Emulator::base_url`] names loopback.
    pub fn bind(mut self, address: SocketAddr) -> Self {
        self.address = address;
        self
    }

    /// How long a request's headers, and then its body, may take to arrive, and how long an
    /// answer may wait for the client to read more of it. Default 30 s each.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        let timeout = bounded(timeout);
        self.connections.request_timeout = timeout;
        self.body_timeout = timeout;
        self
    }

    /// Runs the service's clock `skew` ahead of this machine's (behind when negative), as a
    /// service's clock may be from a client's: the sessions' times, `Date`,
    /// `X-Rate-Limit-Reset` and the times OAuth checks assertions and tokens against.
    /// Default none; at most a day either way (a larger skew is taken as a day).
    pub fn clock_skew(mut self, skew: TimeDelta) -> Self {
        self.clock_skew = skew.clamp(-MAX_CLOCK_SKEW, MAX_CLOCK_SKEW);
        self
    }

    /// How long [`Emulator::shutdown`] lets open connections finish before it ends them
    /// (and the requests a [`Fault::Slow`](crate::Fault::Slow) holds back). Default 5 s.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.connections.shutdown_grace = bounded(grace);
        self
    }

    /// How many connections are served at once. Default 512.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.connections.max_connections = connections;
        self
    }

    /// Binds the address and starts serving on the current tokio runtime, which must go on
    /// running while it serves: an emulator shared by several tests needs a runtime that
    /// outlives each of them (one of its own, on a thread kept for it), as a
    /// `#[tokio::test]`'s runtime ends with its test.
    pub async fn start(self) -> Result<Emulator, StartError> {
        let issuer = TokenIssuer::new(&self.apps, self.timings.token_lifetime)?;
        let listener =
            TcpListener::bind(self.address)
                .await
                .map_err(|source| StartError::Bind {
                    address: self.address,
                    source,
                })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            address: self.address,
            source,
        })?;
        // A client can't connect to an unspecified address: the URL this machine reaches it at.
        let reachable = match address.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::from((Ipv4Addr::LOCALHOST, address.port()))
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::from((Ipv6Addr::LOCALHOST, address.port()))
            }
            _ => address,
        };
        let base_url = format!("http://{reachable}");
        let clock = Clock::start(self.clock_skew);
        let state = State {
            service: Service::new(self.limits, self.timings, clock, self.sources)
                .keep_finished(self.finished_sessions_kept),
            rate: RateWindow::new(self.rate_limit),
            token_rate: RateWindow::new(self.rate_limit),
            issuer,
            faults: FaultQueue::default(),
            recorder: Recorder::new(self.record_limit),
        };
        let shared = Arc::new(Shared::new(
            state,
            self.api_tokens,
            self.body_timeout,
            base_url.clone(),
            clock,
        ));
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(server::serve(
            listener,
            shared.clone(),
            self.connections,
            stopped,
        ));
        Ok(Emulator {
            shared,
            address,
            base_url,
            stop,
            server: Some(server),
        })
    }
}

/// A running emulator. Dropping it stops the server; [`Emulator::shutdown`] also waits for it.
pub struct Emulator {
    shared: Arc<Shared>,
    address: SocketAddr,
    base_url: String,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// A builder with the real service's defaults.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The size limits it enforces.
    pub fn limits(&self) -> Limits {
        self.shared.limits
    }

    /// Every session of an identity source, oldest first (none for an unknown source).
    pub fn sessions(&self, identity_source: &str) -> Vec<SessionView> {
        self.shared
            .lock()
            .service
            .sessions(identity_source, Instant::now())
    }

    /// The session `id` of an identity source, if it has it (a finished one forgotten, see
    /// [`EmulatorBuilder::finished_sessions_kept`], it no longer has).
    pub fn session(&self, identity_source: &str, id: &str) -> Option<SessionView> {
        let mut state = self.shared.lock();
        state.service.get(identity_source, id, Instant::now()).ok()
    }

    /// The users completed imports left in an identity source's directory, by external id.
    pub fn users(&self, identity_source: &str) -> BTreeMap<String, DirectoryUser> {
        self.shared
            .lock()
            .service
            .users(identity_source, Instant::now())
    }

    /// The latest requests received (see [`EmulatorBuilder::record_limit`]), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().recorder.all()
    }

    /// How many API requests are still to suffer a request fault injected: none once the
    /// last one injected has been taken (a [`Fault::Slow`] or [`Fault::Delay`] request is
    /// then under way).
    pub fn request_faults_left(&self) -> u64 {
        self.shared.lock().faults.left()
    }

    /// Injects a fault; faults of the same kind of target are suffered in the order injected.
    /// A fault injected here falls on the next requests whatever source they name (or the
    /// next imports of any source): tests that share an emulator aim theirs at a source of
    /// their own with [`inject_for`](Self::inject_for).
    pub fn inject(&self, fault: Fault) {
        self.inject_aimed(fault, None);
    }

    /// Injects a fault for the requests (or, for [`Fault::ImportError`], the imports) of one
    /// identity source only: requests that name another source pass it by, so that tests
    /// sharing an emulator, each with a source of its own, do not suffer each other's faults.
    pub fn inject_for(&self, identity_source: &str, fault: Fault) {
        self.inject_aimed(fault, Some(identity_source));
    }

    fn inject_aimed(&self, fault: Fault, source: Option<&str>) {
        // An error answer's status; any other is a server error.
        let error = |status: u16| match status {
            400..=599 => status,
            _ => 500,
        };
        let request_fault = match fault {
            Fault::Status { status, count } => (RequestFault::Status(error(status)), count),
            Fault::Pass { count } => (RequestFault::Pass, count),
            Fault::StatusAfterCarryingOut { status, count } => {
                (RequestFault::StatusAfter(error(status)), count)
            }
            Fault::DropConnection { count } => (RequestFault::Drop, count),
            Fault::Delay { delay, count } => (RequestFault::Delay(delay), count),
            Fault::Slow { delay, count } => (RequestFault::Slow(delay), count),
            Fault::ImportError { count } => {
                let mut state = self.shared.lock();
                match source {
                    Some(source) => state.service.fail_next_imports_of(source, count),
                    None => state.service.fail_next_imports(count),
                }
                return;
            }
        };
        let (fault, count) = request_fault;
        let source = source.map(str::to_owned);
        self.shared.lock().faults.push(fault, count, source);
    }

    /// Stops accepting connections, lets open ones finish (at most 5 s, see
    /// [`EmulatorBuilder::shutdown_grace`]), ends the others, and waits. Nothing is carried
    /// out after it returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
