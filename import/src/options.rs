//! What the caller decides: how strict to be, how to treat a session left by another run,
//! how fast to go and how long to wait.

use std::time::Duration;

use crate::plan::Limits;

/// What to do with records that break Okta's rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnInvalid {
    /// Refuse the whole import: nothing is sent when any record is invalid.
    #[default]
    Fail,
    /// Leave invalid records out, report them, and import the rest.
    Skip,
}

/// What to do when the same `externalId` comes twice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Duplicates {
    /// The later record is invalid.
    #[default]
    Fail,
    /// The later record replaces the earlier one, with a warning for each.
    LastWins,
}

/// What to do when another session of the identity source is still active (left by an
/// earlier run, or started by someone else).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ActiveSession {
    /// Stop and report it (id, status, created).
    #[default]
    Report,
    /// Wait for a `TRIGGERED` session to finish; report a `CREATED` or `IN_PROGRESS` one.
    WaitIfTriggered,
    /// Cancel a `CREATED` or `IN_PROGRESS` session (its uploads are lost) that has not
    /// been updated for [`Options::stale_after`], so is taken for one an earlier run left;
    /// report one updated more recently, which another run may still be uploading to. Wait
    /// for a `TRIGGERED` one, which can't be cancelled.
    Cancel,
}

/// What to do when Okta refuses a batch for good (400).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RejectedBatch {
    /// Cancel the session and stop the import.
    #[default]
    Cancel,
    /// Report the batch's records and go on without them.
    Continue,
}

/// How an import behaves. `Options::default()` is strict and patient; each setter returns
/// the options changed, so they chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub(crate) on_invalid: OnInvalid,
    pub(crate) duplicates: Duplicates,
    pub(crate) active_session: ActiveSession,
    pub(crate) rejected_batch: RejectedBatch,
    pub(crate) limits: Limits,
    pub(crate) concurrency: usize,
    pub(crate) deadline: Duration,
    pub(crate) poll_initial: Duration,
    pub(crate) poll_max: Duration,
    pub(crate) cool_down: Duration,
    pub(crate) max_cool_down_wait: Duration,
    pub(crate) max_rate_limit_wait: Duration,
    pub(crate) cancel_timeout: Duration,
    pub(crate) max_rate_limit_refusals: u32,
    pub(crate) stale_after: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            on_invalid: OnInvalid::Fail,
            duplicates: Duplicates::Fail,
            active_session: ActiveSession::Report,
            rejected_batch: RejectedBatch::Cancel,
            limits: Limits::default(),
            concurrency: DEFAULT_CONCURRENCY,
            deadline: Duration::from_secs(6 * 60 * 60),
            poll_initial: Duration::from_secs(1),
            poll_max: Duration::from_secs(30),
            cool_down: Duration::from_secs(5 * 60),
            max_cool_down_wait: Duration::from_secs(10 * 60),
            max_rate_limit_wait: Duration::from_secs(2 * 60),
            cancel_timeout: Duration::from_secs(10),
            max_rate_limit_refusals: 10,
            stale_after: Duration::from_secs(5 * 60),
        }
    }
}

/// Uploads in flight at once, per session. Against the emulator on loopback, 4 gets
/// nearly all of the gain of more (see the README's Performance section), and it is a
/// small share of even the lowest published rate limit (100 requests a minute).
pub const DEFAULT_CONCURRENCY: usize = 4;

impl Options {
    /// What to do with invalid records (default [`OnInvalid::Fail`]).
    pub fn on_invalid(mut self, on_invalid: OnInvalid) -> Self {
        self.on_invalid = on_invalid;
        self
    }

    /// What to do with a repeated `externalId` (default [`Duplicates::Fail`]).
    pub fn duplicates(mut self, duplicates: Duplicates) -> Self {
        self.duplicates = duplicates;
        self
    }

    /// What to do with another active session (default [`ActiveSession::Report`]).
    pub fn active_session(mut self, active_session: ActiveSession) -> Self {
        self.active_session = active_session;
        self
    }

    /// How long another `CREATED` or `IN_PROGRESS` session must have gone without an
    /// update before [`ActiveSession::Cancel`] cancels it (default 5 minutes: longer than
    /// a running import goes between uploads, rate-limit waits included). Its `lastUpdated`
    /// (or `created`) is compared with Okta's clock, as the `Date` of its last answer tells
    /// it (this machine's when the two are within two seconds).
    pub fn stale_after(mut self, idle: Duration) -> Self {
        self.stale_after = idle;
        self
    }

    /// What to do with a batch Okta refuses (default [`RejectedBatch::Cancel`]).
    pub fn rejected_batch(mut self, rejected_batch: RejectedBatch) -> Self {
        self.rejected_batch = rejected_batch;
        self
    }

    /// The largest upload body in bytes of JSON (default 180,000: a margin under Okta's
    /// ~200 KB). A record that alone makes a larger body is invalid. At most 200,000
    /// ([`Limits::OKTA`]): a larger value is taken as that.
    pub fn max_batch_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_batch_bytes = bytes;
        self.limits = self.limits.within_okta();
        self
    }

    /// All of the planning limits at once (Okta's by default, with a margin on the body
    /// size); for tests and to plan smaller uploads or sessions. Okta refuses more than
    /// [`Limits::OKTA`], so each limit above it is lowered to it ([`Limits::within_okta`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits.within_okta();
        self
    }

    /// Uploads in flight at once (default [`DEFAULT_CONCURRENCY`]; at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// How long the sessions may take in all, counted from when every record has been
    /// checked, or for a streamed run from its start, its reading included (default 6
    /// hours). When it runs out, an untriggered session is cancelled and
    /// the import stops; a triggered one goes on in Okta and is reported as `TRIGGERED`.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How often a triggered session is polled: first after `initial`, then twice as long
    /// each time up to `max` (default 1 s to 30 s).
    pub fn polling(mut self, initial: Duration, max: Duration) -> Self {
        self.poll_initial = initial;
        self.poll_max = max.max(initial);
        self
    }

    /// How long Okta refuses new sessions after an import is started (default 5 minutes).
    /// The next session is created only after it, so no request is refused for it.
    pub fn cool_down(mut self, cool_down: Duration) -> Self {
        self.cool_down = cool_down;
        self
    }

    /// How long to keep retrying a create that is refused for a cool-down the importer
    /// did not expect (default 10 minutes).
    pub fn max_cool_down_wait(mut self, wait: Duration) -> Self {
        self.max_cool_down_wait = wait;
        self
    }

    /// The longest wait for a rate-limit window to reset before giving up (default
    /// 2 minutes).
    pub fn max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// How many times one request is sent again after a 429 reaches the importer (past
    /// the client's own retries) before the import stops with that 429 (default 10).
    pub fn max_rate_limit_refusals(mut self, refusals: u32) -> Self {
        self.max_rate_limit_refusals = refusals;
        self
    }

    /// The longest a stopped or failed run spends cancelling its untriggered session,
    /// retries included (default 10 seconds): a cancel that fails as an outage does (a
    /// 429, a 5xx, no connection, no answer) is sent again, 100 ms later then twice as long
    /// each time up to a second, once the client's own retries are spent. While the last
    /// answer says the rate-limit window is used up, or while the client waits to send
    /// the cancel again after a 429 until the window resets, the timeout counts from the
    /// reset (when that comes within [`max_rate_limit_wait`](Self::max_rate_limit_wait) of
    /// the clean-up's start; the clean-up takes at most the two together): a cancel refused
    /// with a 429 goes through only then. Past it, the report names the
    /// session as left open. When a create's answer
    /// never came, listing the sessions to find the one it made (sent again in the same
    /// way) has as long again; past it, the report says when that create was sent
    /// ([`Report::lost_create`](crate::Report::lost_create)). A dropped run's spawned task
    /// keeps to the same bounds.
    pub fn cancel_timeout(mut self, timeout: Duration) -> Self {
        self.cancel_timeout = timeout;
        self
    }

    /// The wait before try number `tries` (1 for the first) of polling or of asking again:
    /// the initial polling interval, doubled for each earlier try, at most the longest.
    pub(crate) fn backoff(&self, tries: u32) -> Duration {
        let doublings = tries.saturating_sub(1).min(16);
        self.poll_initial
            .saturating_mul(1 << doublings)
            .min(self.poll_max)
    }

    /// The planning limits in force.
    pub fn planning_limits(&self) -> &Limits {
        &self.limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_the_initial_interval_up_to_the_longest() {
        let options =
            Options::default().polling(Duration::from_millis(10), Duration::from_millis(50));
        let waits: Vec<_> = [1, 2, 3, 4, u32::MAX]
            .map(|tries| options.backoff(tries).as_millis())
            .into();
        assert_eq!(waits, [10, 20, 40, 50, 50]);
    }
}
