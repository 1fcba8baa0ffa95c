//! Everything the HTTP layer shares between requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::faults::FaultQueue;
use crate::limits::Limits;
use crate::oauth::TokenIssuer;
use crate::rate_limit::RateWindow;
use crate::recording::Recorder;
use crate::service::{Clock, Service};

/// The mutable state, behind one lock that is never held across an `.await`.
pub(crate) struct State {
    pub service: Service,
    /// The API's window of requests.
    pub rate: RateWindow,
    /// The token endpoint's, which Okta counts apart from the API's.
    pub token_rate: RateWindow,
    pub issuer: TokenIssuer,
    pub faults: FaultQueue,
    pub recorder: Recorder,
}

/// The state and the settings that never change while the emulator runs.
pub(crate) struct Shared {
    state: Mutex<State>,
    pub api_tokens: Vec<String>,
    pub limits: Limits,
    /// The longest a request body may take to arrive.
    pub body_timeout: Duration,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The service's clock (the service's state keeps a copy).
    pub clock: Clock,
    /// How many requests arrived so far.
    arrivals: AtomicU64,
    /// Turns true once the emulator has stopped serving.
    closed: watch::Sender<bool>,
    /// The requests a slow fault holds back, each in a task of its own.
    slow: Mutex<JoinSet<()>>,
}

impl Shared {
    pub(crate) fn new(
        state: State,
        api_tokens: Vec<String>,
        body_timeout: Duration,
        base_url: String,
        clock: Clock,
    ) -> Self {
        let limits = *state.service.limits();
        Self {
            state: Mutex::new(state),
            api_tokens,
            limits,
            body_timeout,
            base_url,
            clock,
            arrivals: AtomicU64::new(0),
            closed: watch::Sender::new(false),
            slow: Mutex::new(JoinSet::new()),
        }
    }

    /// Runs `work` (a request a slow fault holds back) in a task of its own, which the
    /// client going away does not end, and [`Self::end_slow_work`] does.
    pub(crate) fn spawn_slow(&self, work: impl Future<Output = ()> + Send + 'static) {
        let mut slow = self.slow.lock().unwrap_or_else(PoisonError::into_inner);
        // The tasks that ended, let go of.
        while slow.try_join_next().is_some() {}
        slow.spawn(work);
    }

    /// Ends the slow work still under way, and waits for it to be over.
    pub(crate) async fn end_slow_work(&self) {
        let mut slow = {
            let mut slow = self.slow.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::take(&mut *slow)
        };
        slow.shutdown().await;
    }

    /// Marks the emulator stopped: what waits in [`Self::closed`] ends.
    pub(crate) fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Ready once the emulator has stopped serving.
    pub(crate) async fn closed(&self) {
        let mut closed = self.closed.subscribe();
        let _ = closed.wait_for(|closed| *closed).await;
    }

    /// The place of a request arriving now in the order of arrival.
    pub(crate) fn arrival(&self) -> u64 {
        self.arrivals.fetch_add(1, Ordering::Relaxed)
    }

    /// The state. A panic while it was held (there should be none) does not take the
    /// emulator down with it.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
