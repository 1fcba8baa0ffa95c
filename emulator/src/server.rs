//! The server: accepts connections, and wraps every request in what Okta does around each
//! operation: faults on demand, the rate limit, authentication, the `X-Rate-Limit-*` and
//! `X-Okta-Request-Id` headers (hyper adds `Date`), and the record of requests.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response, header};
use chrono::{DateTime, Utc};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::auth;
use crate::error::OktaError;
use crate::faults::RequestFault;
use crate::http::{self, TOKEN_PATH, error_answer};
use crate::ids;
use crate::rate_limit::RateStatus;
use crate::read_to_end;
use crate::recording::{RecordedRequest, recorded_value};
use crate::service::Clock;
use crate::state::Shared;

/// How connections are bounded, so that slow or many clients can't exhaust the emulator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// The longest the headers of a request may take to arrive, and an answer may wait for
    /// the client to take more of it (a client that sends requests and never reads the
    /// answers would otherwise hold its connection, and the answers' memory, for good). The
    /// body's own timeout is the service's.
    pub request_timeout: Duration,
    /// How long open connections get to finish at shutdown.
    pub shutdown_grace: Duration,
}

/// The connection of a request whose fault is a dropped connection: hyper closes it
/// without an answer when the service fails.
#[derive(Debug)]
struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose (an injected fault)")
    }
}

impl std::error::Error for DroppedConnection {}

/// Serves connections until `stop` turns true, then lets open ones finish within the
/// grace, and ends those that did not (and the requests a slow fault still holds back).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) {
    let router = crate::http::router(shared.clone());
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = JoinSet::new();
    loop {
        // The tasks of connections that ended, let go of.
        while connections.try_join_next().is_some() {}
        // Waiting for a free slot must not keep a stop from being heard.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = stop.changed() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(limits.request_timeout));
        let stream = Box::pin(stream);
        let shared = shared.clone();
        let router = router.clone();
        let service = hyper::service::service_fn(move |request| {
            handle(shared.clone(), router.clone(), request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.request_timeout)
            .max_buf_size(64 * 1024)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await;
    shared.close();
    connections.shutdown().await;
    shared.end_slow_work().await;
}

/// One request, from its arrival to its answer.
async fn handle(
    shared: Arc<Shared>,
    router: Router,
    request: Request<Incoming>,
) -> Result<Response<Body>, DroppedConnection> {
    let record = RecordedRequest {
        method: request.method().as_str().to_owned(),
        path: request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path(), |path| path.as_str())
            .to_owned(),
        headers: request
            .headers()
            .iter()
            .map(|(name, value)| {
                let name = name.as_str();
                (name.to_owned(), recorded_value(name, value.as_bytes()))
            })
            .collect(),
        status: None,
        request_id: None,
        arrival: shared.arrival(),
    };
    // Recorded however the request ends, its client gone before the answer (a delay) too.
    let mut record = Recording {
        shared: &shared,
        request: Some(record),
    };
    let (request, read_to_end) = read_to_end::watch(request);
    let answer = if request.uri().path().starts_with("/api/") {
        api_request(&shared, router, request).await
    } else if request.uri().path() == TOKEN_PATH {
        // The token endpoint has a window of its own, as at Okta; its 429 is Okta's too.
        let rate = shared.lock().token_rate.take(Instant::now());
        match rate.allowed {
            true => Ok((into_response(router.oneshot(request).await), rate)),
            false => Ok((error_answer(&OktaError::rate_limited()), rate)),
        }
    } else {
        let rate = shared.lock().rate.peek(Instant::now());
        let response = router.oneshot(request).await;
        Ok((into_response(response), rate))
    };
    let Ok((response, rate)) = answer else {
        return Err(DroppedConnection);
    };
    let mut response = read_to_end.answer(response);
    let request_id = add_headers(&mut response, &rate, &shared.clock);
    record.answered(response.status().as_u16(), request_id);
    Ok(response)
}

/// A request being handled, recorded when it is answered or, should it end otherwise (a
/// dropped connection, or its client gone while its answer waited), with no status.
struct Recording<'s> {
    shared: &'s Shared,
    request: Option<RecordedRequest>,
}

impl Recording<'_> {
    fn answered(&mut self, status: u16, request_id: String) {
        if let Some(request) = &mut self.request {
            request.status = Some(status);
            request.request_id = Some(request_id);
        }
    }
}

impl Drop for Recording<'_> {
    fn drop(&mut self) {
        if let Some(request) = self.request.take() {
            self.shared.lock().recorder.push(request);
        }
    }
}

/// An API request: its fault, the rate limit and authentication come before the operation.
async fn api_request(
    shared: &Arc<Shared>,
    router: Router,
    request: Request<Body>,
) -> Result<(Response<Body>, RateStatus), DroppedConnection> {
    let path = request.uri().path();
    let fault = shared.lock().faults.take(|| http::source_named(path));
    if let Some(RequestFault::Slow(delay)) = fault {
        // A task of its own, which the client going away does not end; the emulator
        // stopping does.
        let (answer, answered) = oneshot::channel();
        let held = Arc::clone(shared);
        shared.spawn_slow(async move {
            let carried_out = tokio::select! {
                () = tokio::time::sleep(delay) => carry_out(&held, router, request, None).await,
                () = held.closed() => Err(DroppedConnection),
            };
            let _ = answer.send(carried_out);
        });
        return answered.await.unwrap_or(Err(DroppedConnection));
    }
    let answer = carry_out(shared, router, request, fault).await;
    match fault {
        // The request is carried out at once; only its answer is late, so a client that
        // gives up first never learns what was done.
        Some(RequestFault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            answer
        }
        // Done, but answered as a gateway that stopped waiting would.
        Some(RequestFault::StatusAfter(status)) => {
            answer.map(|(_, rate)| (error_answer(&OktaError::with_status(status)), rate))
        }
        _ => answer,
    }
}

/// The request, past its fault, the rate limit and authentication.
async fn carry_out(
    shared: &Shared,
    router: Router,
    mut request: Request<Body>,
    fault: Option<RequestFault>,
) -> Result<(Response<Body>, RateStatus), DroppedConnection> {
    if fault == Some(RequestFault::Drop) {
        return Err(DroppedConnection);
    }
    let now = Instant::now();
    let refusal = {
        let mut state = shared.lock();
        let mut rate = state.rate.take(now);
        let refusal = match fault {
            // Okta's 429: its error, and a window with nothing left until it resets.
            Some(RequestFault::Status(429)) => {
                rate.remaining = 0;
                Some(error_answer(&OktaError::rate_limited()))
            }
            Some(RequestFault::Status(status)) => {
                Some(error_answer(&OktaError::with_status(status)))
            }
            _ if !rate.allowed => Some(error_answer(&OktaError::rate_limited())),
            _ => {
                let authorizations = request.headers().get_all(header::AUTHORIZATION);
                let caller = auth::authenticate(
                    authorizations.iter().map(HeaderValue::as_bytes),
                    &shared.api_tokens,
                    &state.issuer,
                    now,
                );
                match caller {
                    // Its scopes are checked once the request is routed.
                    Ok(caller) => {
                        request.extensions_mut().insert(caller);
                        None
                    }
                    Err(refused) => Some(http::unauthenticated(shared, refused, &request)),
                }
            }
        };
        (refusal, rate)
    };
    match refusal {
        (Some(answer), rate) => Ok((answer, rate)),
        (None, rate) => {
            let response = router.oneshot(request).await;
            Ok((into_response(response), rate))
        }
    }
}

fn into_response(response: Result<Response<Body>, Infallible>) -> Response<Body> {
    match response {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The names of the headers every answer carries (FACTS.md), made once.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-okta-request-id");
const RATE_LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
const RATE_REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const RATE_RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");

/// `X-Okta-Request-Id` and the `X-Rate-Limit-*` headers, on every answer (FACTS.md); the
/// request id. `Date` is written by hyper on every answer, from this machine's clock, which
/// it formats once a second; when the service's clock is set apart from it, `Date` and the
/// reset are the service clock's.
fn add_headers(response: &mut Response<Body>, rate: &RateStatus, clock: &Clock) -> String {
    let now = Instant::now();
    let wall_now = match clock.is_skewed() {
        true => clock.system(now),
        false => SystemTime::now(),
    };
    let reset = wall_now + rate.reset.saturating_duration_since(now);
    let reset_epoch = reset.duration_since(UNIX_EPOCH).map_or(0, |since| {
        since.as_secs() + u64::from(since.subsec_nanos() > 0)
    });
    let headers = response.headers_mut();
    if clock.is_skewed() {
        let date = DateTime::<Utc>::from(wall_now).format("%a, %d %b %Y %H:%M:%S GMT");
        if let Ok(date) = HeaderValue::from_str(&date.to_string()) {
            headers.insert(header::DATE, date);
        }
    }
    let id = ids::request_id_bytes();
    if let Ok(value) = HeaderValue::from_bytes(&id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(RATE_LIMIT, HeaderValue::from(rate.limit));
    headers.insert(RATE_REMAINING, HeaderValue::from(rate.remaining));
    headers.insert(RATE_RESET, HeaderValue::from(reset_epoch));
    String::from_utf8_lossy(&id).into_owned()
}
