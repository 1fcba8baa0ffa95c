//! What every step of a run shares: the API, the options, the report being written, the
//! event callback, and the pacing of requests against the rate limit.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use okta_identity_source::reqwest::StatusCode;
use okta_identity_source::{
    Call, CallProgress, Error, IdentitySourceApi, Progress, ResponseMeta, models,
};

use crate::cleanup_time::CleanupTime;
use crate::error::Failure;
use crate::event::Event;
use crate::options::Options;
use crate::report::{Report, Wait, WaitReason, before};
use crate::server_clock::ServerClock;
use crate::step::Step;

/// The event callback, shared by the steps of a run.
pub type EventSink<'e> = Mutex<&'e mut (dyn FnMut(Event) + Send)>;

/// A run's shared state.
pub struct Context<'e> {
    pub api: IdentitySourceApi,
    pub source: String,
    pub options: Options,
    /// When the run began, its input's check included: the report's elapsed time counts
    /// from then.
    pub started: Instant,
    /// When the overall deadline runs out; `None` when it is beyond any instant.
    deadline: Option<Instant>,
    report: Mutex<Report>,
    events: EventSink<'e>,
    /// What the answers said of the rate-limit window; shared with the clean-ups
    /// ([`Self::cleanup_time`]), a dropped run's too.
    pacer: Arc<Mutex<Pacer>>,
    /// The session of this run that is created but not triggered, if any: what must be
    /// cancelled if the run stops.
    pub open_session: Arc<Mutex<Option<String>>>,
    /// The creates this run sent that may have made a session it has not learned of.
    pub creates: Creates,
    /// When this run last started an import: the cool-down runs from then.
    pub last_trigger: Mutex<Option<Instant>>,
    /// The end of the latest rate-limit wait announced: uploads in flight together wait
    /// for the same reset, which is told and counted once.
    rate_limit_wait: Mutex<Option<Instant>>,
    /// The service's clock, as the last answer with a believable `Date` told it; shared
    /// with the clean-up of a dropped run.
    pub server_clock: Arc<Mutex<ServerClock>>,
}

/// A create under way: when it was sent, and what its calls did so far.
#[derive(Debug, Clone)]
pub struct Creating {
    pub since: DateTime<Utc>,
    pub progress: CallProgress,
}

impl Creating {
    /// Whether it may have made a session: a request of it may have been carried out (one
    /// refused with a 429 and waiting to be sent again was not).
    pub fn may_have_made_one(&self) -> bool {
        self.progress.get().may_have_been_carried_out()
    }
}

/// The creates of a run that may have made a session whose id it never learned: if the
/// run stops, it looks for that session. Shared with the clean-up of a dropped run.
#[derive(Debug, Clone, Default)]
pub struct Creates(Arc<Mutex<CreatesState>>);

#[derive(Debug, Default)]
struct CreatesState {
    /// The create under way, or whose answer was lost.
    under_way: Option<Creating>,
    /// When an earlier create whose answer was lost was sent, its session not listed as it
    /// was looked for: Okta may still carry it out, until a create of this run succeeds
    /// (while that session is active, Okta refuses any other).
    unanswered: Option<DateTime<Utc>>,
}

impl Creates {
    /// `creating` is sent.
    pub fn begin(&self, creating: Creating) {
        lock(&self.0).under_way = Some(creating);
    }

    /// The create under way, or whose answer was lost.
    pub fn under_way(&self) -> Option<Creating> {
        lock(&self.0).under_way.clone()
    }

    /// The create under way made no session (it was refused, or never reached Okta).
    pub fn made_no_session(&self) {
        lock(&self.0).under_way = None;
    }

    /// The create under way, whose answer was lost, made no session that could be listed
    /// yet: it is remembered as unanswered, as another create is sent.
    pub fn unlisted(&self) {
        let mut state = lock(&self.0);
        if let Some(creating) = state.under_way.take() {
            state.unanswered = Some(creating.since);
        }
    }

    /// When the unanswered create was sent, if one is remembered.
    pub fn unanswered(&self) -> Option<DateTime<Utc>> {
        lock(&self.0).unanswered
    }

    /// When the earliest create was sent that may have made a session the run has not
    /// found: the one under way, or whose answer was lost, if it may have reached Okta, or
    /// the unanswered one. Looking from the earlier finds a session either made.
    pub fn unfound_since(&self) -> Option<DateTime<Utc>> {
        let state = lock(&self.0);
        let under_way = state.under_way.as_ref().filter(|c| c.may_have_made_one());
        under_way
            .map(|c| c.since)
            .into_iter()
            .chain(state.unanswered)
            .min()
    }

    /// Forgets them all: a create succeeded, or another client's import was waited for to
    /// its end (while a session is active, Okta refuses any other create, so no earlier one
    /// can make a session any more), or the sessions they may have made were looked for.
    pub fn forget(&self) {
        *lock(&self.0) = CreatesState::default();
    }
}

/// Counts into the report what the calls told `progress` once they are done, however
/// they end (even dropped midway, by a stop or the deadline): the requests sent, the
/// client's retries, the 429s, and the client's waits before its retries.
struct Counted<'c, 'e> {
    ctx: &'c Context<'e>,
    progress: &'c CallProgress,
    /// What `progress` held before: counted already, if anything.
    before: Progress,
}

impl Drop for Counted<'_, '_> {
    fn drop(&mut self) {
        let (done, before) = (self.progress.get(), self.before);
        let mut report = self.ctx.report();
        report.requests += u64::from(done.requests.saturating_sub(before.requests));
        report.retries += u64::from(done.retries.saturating_sub(before.retries));
        report.rate_limited += u64::from(done.rate_limited.saturating_sub(before.rate_limited));
        let waited = done.waiting().saturating_sub(before.waiting());
        if !waited.is_zero() {
            report.add_client_wait(waited, Utc::now());
        }
    }
}

/// Whether a send first waits for the rate-limit window to reset when the last answer said
/// it was used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// After a wait for the window, when the last answer said it was used up.
    Paced,
    /// At once: see [`Context::send_now`].
    Now,
}

/// What the last response said about the rate-limit window.
#[derive(Debug, Default)]
pub struct Pacer {
    remaining: Option<u64>,
    reset: Option<Instant>,
    in_flight: u64,
}

impl Pacer {
    /// When the window resets, if the last response said no request is left in it for
    /// one more (beyond those in flight) and it has not reset by `now`.
    pub fn used_up_until(&self, now: Instant) -> Option<Instant> {
        self.used_up_reset().filter(|reset| *reset > now)
    }

    /// When the window resets or reset, if the last response said no request is left in
    /// it for one more (beyond those in flight).
    pub fn used_up_reset(&self) -> Option<Instant> {
        match (self.remaining, self.reset) {
            (Some(remaining), reset) if remaining <= self.in_flight => reset,
            _ => None,
        }
    }

    /// What `meta`, the last answer, says of the window.
    pub fn record(&mut self, meta: &ResponseMeta) {
        self.remaining = meta.rate_limit.remaining;
        self.reset = reset_instant(meta);
    }

    /// A window used up until `reset`, nothing in flight.
    #[cfg(test)]
    pub fn used_up(reset: Instant) -> Self {
        Self {
            remaining: Some(0),
            reset: Some(reset),
            in_flight: 0,
        }
    }
}

/// One request counted in flight for as long as it lives, however its send ends (even
/// dropped mid-way).
struct InFlight<'p>(&'p Mutex<Pacer>);

impl<'p> InFlight<'p> {
    fn new(pacer: &'p Mutex<Pacer>) -> Self {
        lock(pacer).in_flight += 1;
        Self(pacer)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut pacer = lock(self.0);
        pacer.in_flight = pacer.in_flight.saturating_sub(1);
    }
}

impl<'e> Context<'e> {
    /// The context of a run that began at `started`; its deadline runs from now, as the
    /// sessions begin.
    pub fn new(
        api: IdentitySourceApi,
        source: String,
        options: Options,
        started: Instant,
        events: &'e mut (dyn FnMut(Event) + Send),
    ) -> Self {
        Self {
            api,
            source,
            deadline: Instant::now().checked_add(options.deadline),
            options,
            started,
            report: Mutex::new(Report::default()),
            events: Mutex::new(events),
            pacer: Arc::new(Mutex::new(Pacer::default())),
            open_session: Arc::new(Mutex::new(None)),
            creates: Creates::default(),
            last_trigger: Mutex::new(None),
            rate_limit_wait: Mutex::new(None),
            server_clock: Arc::new(Mutex::new(ServerClock::default())),
        }
    }

    /// Tells the caller.
    pub fn emit(&self, event: Event) {
        let mut events = lock(&self.events);
        (*events)(event);
    }

    /// When the overall deadline runs out; `None` when it is beyond any instant.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The report, to change.
    pub fn report(&self) -> MutexGuard<'_, Report> {
        lock(&self.report)
    }

    /// The report as it stands, with the elapsed time and what was imported.
    pub fn take_report(&self) -> Report {
        let mut report = std::mem::take(&mut *self.report());
        report.elapsed = self.started.elapsed();
        report.count_imported();
        report
    }

    /// Waits until `until` for `reason`, telling the caller and recording the wait; fails
    /// at once, without waiting, when the wait would end past the overall deadline: the
    /// run could not go on after it anyway.
    pub async fn wait(&self, reason: WaitReason, until: Instant) -> Result<(), Failure> {
        let now = Instant::now();
        let length = until.saturating_duration_since(now);
        let wall = wall_clock_in(length);
        if self.deadline.is_some_and(|deadline| until > deadline) {
            return Err(Failure::PastDeadline {
                deadline: self.options.deadline,
                reason,
                until: wall,
            });
        }
        if reason == WaitReason::RateLimit && !self.first_to_wait_until(until) {
            tokio::time::sleep_until(until.into()).await;
            return Ok(());
        }
        self.emit(Event::Waiting {
            reason,
            until: wall,
        });
        let _recorded = RecordedWait {
            ctx: self,
            reason,
            until: wall,
            started: now,
        };
        tokio::time::sleep_until(until.into()).await;
        Ok(())
    }

    /// Whether no other step is already waiting for the same reset: one that ends by
    /// `until`, give or take the second that is the headers' precision.
    fn first_to_wait_until(&self, until: Instant) -> bool {
        let mut announced = lock(&self.rate_limit_wait);
        let first = announced.is_none_or(|end| until > end + Duration::from_secs(1));
        if first {
            *announced = Some(until);
        }
        first
    }

    /// Sends the call `make` builds, keeping to the rate limit: waits when the window is
    /// used up, and when a 429 still comes back (after the client's own retries), waits
    /// for the window to reset and sends again, at most `max_rate_limit_refusals` times.
    /// Counts requests, retries and 429s.
    pub async fn send<T>(&self, make: impl Fn() -> Call<T, models::Error>) -> Result<T, SendError> {
        self.send_with(make, Pacing::Paced, &CallProgress::new())
            .await
    }

    /// [`send`](Self::send) without first waiting for the window to reset: a cleanup (the
    /// cancel of a session the run leaves) is tried at once, within its own timeout, as
    /// Okta's limits are counted for each endpoint and the one used up may not be its.
    pub async fn send_now<T>(
        &self,
        make: impl Fn() -> Call<T, models::Error>,
    ) -> Result<T, SendError> {
        self.send_with(make, Pacing::Now, &CallProgress::new())
            .await
    }

    /// [`send`](Self::send) or [`send_now`](Self::send_now), as `pacing` says, its calls
    /// telling `progress` what they do as they go.
    pub async fn send_with<T>(
        &self,
        make: impl Fn() -> Call<T, models::Error>,
        pacing: Pacing,
        progress: &CallProgress,
    ) -> Result<T, SendError> {
        let _counted = Counted {
            ctx: self,
            progress,
            before: progress.get(),
        };
        let mut refusals = 0;
        // The request id of the last answer: a request sent again after a 429 says it is a
        // retry of those sent so far, as the client's own retries do.
        let mut last_id: Option<String> = None;
        loop {
            if pacing == Pacing::Paced {
                self.pace().await?;
            }
            let outcome = {
                let _in_flight = InFlight::new(&self.pacer);
                let call = make().progress(progress);
                match refusals {
                    0 => call.send().await,
                    _ => {
                        let sent = progress.get().requests;
                        call.retry_of(last_id.as_deref(), sent).send().await
                    }
                }
            };
            let error = match outcome {
                Ok(response) => {
                    let (body, meta) = response.into_parts();
                    self.record(&meta);
                    return Ok(body);
                }
                Err(error) => error,
            };
            if let Some(meta) = error.meta() {
                self.record(meta);
            }
            if error.status() != Some(StatusCode::TOO_MANY_REQUESTS) {
                return Err(SendError::Call(error));
            }
            last_id = error.request_id().map(str::to_owned).or(last_id);
            refusals += 1;
            if refusals > self.options.max_rate_limit_refusals {
                return Err(SendError::Call(error));
            }
            self.wait_after_refusal(&error, refusals).await?;
            // Counted once it goes out again, not if the wait ends the send.
            self.report().retries += 1;
        }
    }

    /// After a 429: until the window resets, or without usable headers a backoff that
    /// doubles from the polling interval.
    async fn wait_after_refusal(&self, error: &Error, refusals: u32) -> Result<(), SendError> {
        let now = Instant::now();
        let backoff = self.options.backoff(refusals.saturating_add(1));
        let until = error
            .meta()
            .and_then(reset_instant)
            .filter(|reset| *reset > now)
            .unwrap_or_else(|| later(now, backoff));
        if until - now > self.options.max_rate_limit_wait {
            let until = wall_clock_in(until - now);
            return Err(SendError::Failure(Failure::RateLimit { until }));
        }
        self.wait(WaitReason::RateLimit, until)
            .await
            .map_err(SendError::Failure)
    }

    /// Waits for the rate-limit window to reset when the last response said no request
    /// is left in it for this one.
    async fn pace(&self) -> Result<(), SendError> {
        let now = Instant::now();
        let Some(reset) = lock(&self.pacer).used_up_until(now) else {
            return Ok(());
        };
        if reset - now > self.options.max_rate_limit_wait {
            let until = wall_clock_in(reset - now);
            return Err(SendError::Failure(Failure::RateLimit { until }));
        }
        self.wait(WaitReason::RateLimit, reset)
            .await
            .map_err(SendError::Failure)?;
        let mut pacer = lock(&self.pacer);
        if pacer.reset == Some(reset) {
            pacer.remaining = None;
        }
        Ok(())
    }

    /// What an answer says of the rate-limit window and the service's clock.
    fn record(&self, meta: &ResponseMeta) {
        lock(&self.pacer).record(meta);
        if let Some(clock) = ServerClock::of(meta) {
            *lock(&self.server_clock) = clock;
        }
    }

    /// How long a clean-up of this run may take.
    pub fn cleanup_time(&self) -> CleanupTime {
        let options = &self.options;
        let (timeout, max_wait) = (options.cancel_timeout, options.max_rate_limit_wait);
        CleanupTime::new(timeout, max_wait, self.pacer.clone())
    }

    /// The service's clock, as its last answer told.
    pub fn server_clock(&self) -> ServerClock {
        *lock(&self.server_clock)
    }
}

/// `length` after `instant`; when that can't be told (a duration given as long as `u64::MAX`
/// seconds), thirty years after it, as good as never.
pub fn later(instant: Instant, length: Duration) -> Instant {
    const AS_GOOD_AS_NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);
    instant
        .checked_add(length)
        .unwrap_or_else(|| instant + AS_GOOD_AS_NEVER)
}

/// The wall-clock time `length` from now; one beyond the last date a `DateTime` can hold
/// (a reset header can say anything) is that last date.
fn wall_clock_in(length: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(length)
        .ok()
        .and_then(|length| Utc::now().checked_add_signed(length))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// When the window the response speaks of resets, on this machine's clock: the reset
/// header measured against the response's `Date`; one beyond any date this machine holds
/// (more digits than a `u64` holds, say) as good as never.
fn reset_instant(meta: &ResponseMeta) -> Option<Instant> {
    meta.rate_limit.reset?;
    let left = match meta.rate_limit.reset_at() {
        Some(reset) => {
            let date = meta.date.unwrap_or_else(SystemTime::now);
            reset.duration_since(date).unwrap_or(Duration::ZERO)
        }
        None => Duration::MAX,
    };
    Some(later(Instant::now(), left))
}

/// Why a call failed: the client's error, or the importer gave up first.
#[derive(Debug)]
pub enum SendError {
    /// The client's error, after its retries.
    Call(Error),
    /// The importer's own reason.
    Failure(Failure),
}

impl SendError {
    /// Whether a cleanup that failed so may do better sent again ([`may_pass`]); never
    /// when the importer gave up.
    pub fn may_pass(&self) -> bool {
        matches!(self, Self::Call(error) if may_pass(error))
    }

    /// As the reason the import stops, for a call made during `step`.
    pub fn during(self, step: Step) -> Failure {
        match self {
            Self::Call(error) => Failure::Call { step, error },
            Self::Failure(failure) => failure,
        }
    }
}

/// Whether a cleanup call (a listing, a cancel) that failed with `error` may do better sent
/// again once the client's own retries are spent, while the cleanup's time lasts: as in an
/// outage, the service was busy or out of reach, answered with a server error, or no
/// answer came (a cancel that was carried out is refused when sent again, and the session
/// read back then says it was). A refusal (4xx), an answer that can't be read or a request
/// that can't be made stays what it is.
pub fn may_pass(error: &Error) -> bool {
    match error {
        Error::Api(api) => {
            api.meta.status.is_server_error() || api.meta.status == StatusCode::TOO_MANY_REQUESTS
        }
        // Any failure to send but one to build the request.
        Error::Transport { source, .. } => !source.is_builder(),
        Error::Timeout { .. } => true,
        _ => false,
    }
}

/// A poisoned lock only means a callback panicked; the data is still whole.
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A wait, recorded in the report when it ends: when its time is up, and also when the
/// import stops or runs out of time during it (then for as long as it lasted).
struct RecordedWait<'c, 'a> {
    ctx: &'c Context<'a>,
    reason: WaitReason,
    until: DateTime<Utc>,
    started: Instant,
}

impl Drop for RecordedWait<'_, '_> {
    fn drop(&mut self) {
        let waited = self.started.elapsed();
        self.ctx.report().waits.push(Wait {
            reason: self.reason,
            started: before(Utc::now(), waited),
            until: self.until,
            waited,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use okta_identity_source::{Client, RetryPolicy};
    use okta_identity_source_emulator::{Emulator, Fault};

    const SOURCE: &str = "0oa1context";
    const TOKEN: &str = "00contextToken";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_send_dropped_in_flight_does_not_count_as_in_flight_forever() {
        let emulator = Emulator::builder()
            .identity_source(SOURCE)
            .api_token(TOKEN)
            .rate_limit(5, Duration::from_secs(60))
            .start()
            .await
            .expect("the emulator starts");
        let client = Client::builder(emulator.base_url())
            .api_token(TOKEN)
            .retry_policy(RetryPolicy::never())
            .build()
            .expect("a valid client configuration");
        let mut events = |_| {};
        let options = Options::default().max_rate_limit_wait(Duration::from_millis(100));
        let ctx = Context::new(
            IdentitySourceApi::new(client),
            SOURCE.into(),
            options,
            Instant::now(),
            &mut events,
        );
        let list = || ctx.api.list_identity_source_sessions(SOURCE);
        // Two sends given up while their answers are late: the window still has them.
        emulator.inject(Fault::Delay {
            delay: Duration::from_millis(200),
            count: 2,
        });
        for _ in 0..2 {
            let dropped = tokio::time::timeout(Duration::from_millis(20), ctx.send(list)).await;
            assert!(dropped.is_err(), "answered early: {dropped:?}");
        }
        // 2 left of 5 and nothing in flight: both may go.
        ctx.send(list).await.expect("within the window");
        ctx.send(list).await.expect("within the window");
        emulator.shutdown().await;
    }
}
