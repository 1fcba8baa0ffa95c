//! The time a clean-up has (the cancel of the session a stopped run leaves, the search for
//! the session a lost create made): the options' cancel timeout, and on top, while the
//! rate-limit window is known to be used up (the run's last answer said so, or a 429 the
//! client waits to send again after), the wait for it to reset. A request sent before the
//! reset may be refused whatever it is, so that wait is not the clean-up's doing, and
//! giving up during it would leave the session open when a few more seconds would have
//! closed it.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use okta_identity_source::{CallProgress, ResponseMeta};

use crate::context::{Pacer, later, lock};

/// How long a clean-up may take: see the module's documentation.
#[derive(Debug, Clone)]
pub struct CleanupTime {
    /// The clean-up's own time (the options' cancel timeout).
    timeout: Duration,
    /// The longest it waits for the window on top (the options' longest rate-limit wait).
    max_wait: Duration,
    /// What the run's answers said of the window, up to now.
    pacer: Arc<Mutex<Pacer>>,
}

impl CleanupTime {
    pub fn new(timeout: Duration, max_wait: Duration, pacer: Arc<Mutex<Pacer>>) -> Self {
        Self {
            timeout,
            max_wait,
            pacer,
        }
    }

    /// Notes what an answer to a clean-up's request that went around the run's pacing (a
    /// dropped run's) says of the window.
    pub fn record(&self, meta: &ResponseMeta) {
        lock(&self.pacer).record(meta);
    }

    /// The clean-up's own time, without the wait for the window.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs `work`, whose calls tell `calls` what they do, for at most the timeout. When
    /// it runs out and the window was used up, or a call waited to be sent again when the
    /// service asked, and that wait ends (or ended) within the longest wait from the start
    /// and less than the timeout ago, `work` has the timeout again from the wait's end: a
    /// request sent again then may be under way. `None` when the time ran out first.
    pub async fn bound<T>(&self, calls: &CallProgress, work: impl Future<Output = T>) -> Option<T> {
        let started = Instant::now();
        let latest_end = later(started, self.max_wait);
        let mut deadline = later(started, self.timeout);
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                done = &mut work => return Some(done),
                () = tokio::time::sleep_until(deadline.into()) => {}
            }
            let asked = calls.get().asked_to_wait_until;
            let reset = lock(&self.pacer).used_up_reset();
            match reset.max(asked) {
                Some(end) if end <= latest_end && later(end, self.timeout) > deadline => {
                    deadline = later(end, self.timeout);
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(pacer: Pacer) -> CleanupTime {
        let (timeout, max_wait) = (Duration::from_millis(50), Duration::from_secs(1));
        CleanupTime::new(timeout, max_wait, Arc::new(Mutex::new(pacer)))
    }

    fn used_up_for(length: Duration) -> Pacer {
        Pacer::used_up(later(Instant::now(), length))
    }

    #[tokio::test]
    async fn work_that_takes_longer_than_the_timeout_is_given_up() {
        let slow = tokio::time::sleep(Duration::from_millis(300));
        let calls = CallProgress::new();
        assert_eq!(time(Pacer::default()).bound(&calls, slow).await, None);
    }

    #[tokio::test]
    async fn a_used_up_window_adds_the_wait_for_its_reset_and_the_timeout_after_it() {
        // Needs the 200 ms to the reset and a little after: twice the timeout alone.
        let time = time(used_up_for(Duration::from_millis(200)));
        let calls = CallProgress::new();
        let work = tokio::time::sleep(Duration::from_millis(220));
        assert_eq!(time.bound(&calls, work).await, Some(()));
        let late = tokio::time::sleep(Duration::from_millis(300));
        let given_up = Instant::now();
        assert_eq!(time.bound(&calls, late).await, None);
        // The reset has passed: the timeout alone.
        assert!(
            given_up.elapsed() < Duration::from_millis(200),
            "{:?}",
            given_up.elapsed()
        );
    }

    #[tokio::test]
    async fn a_reset_just_before_the_timeout_runs_out_gives_the_timeout_from_the_reset() {
        // The reset comes 180 ms in, 20 ms before a timeout of 200 ms runs out: the request
        // sent again at the reset has 200 ms from there (to 380 ms), not 20.
        let pacer = used_up_for(Duration::from_millis(180));
        let time = CleanupTime::new(
            Duration::from_millis(200),
            Duration::from_secs(1),
            Arc::new(Mutex::new(pacer)),
        );
        let calls = CallProgress::new();
        let work = tokio::time::sleep(Duration::from_millis(260));
        assert_eq!(time.bound(&calls, work).await, Some(()));
    }

    #[tokio::test]
    async fn a_reset_beyond_the_longest_wait_adds_nothing() {
        // Even one less than the timeout beyond it: the wait would leave it no time. A
        // timeout of 400 ms, the longest wait 1 s.
        for reset in [Duration::from_secs(5), Duration::from_millis(1_200)] {
            let time = CleanupTime::new(
                Duration::from_millis(400),
                Duration::from_secs(1),
                Arc::new(Mutex::new(used_up_for(reset))),
            );
            let started = Instant::now();
            let calls = CallProgress::new();
            assert_eq!(time.bound(&calls, std::future::pending::<()>()).await, None);
            assert!(
                started.elapsed() < Duration::from_millis(1_000),
                "{reset:?}: {:?}",
                started.elapsed()
            );
        }
    }
}
