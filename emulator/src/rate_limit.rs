//! The rate-limit window: at most `limit` API requests per window, counted from the first
//! request of the window, as Okta's `X-Rate-Limit-*` headers describe it.

use std::time::Instant;

use crate::limits::RateLimit;

/// Where the window stands after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateStatus {
    /// Whether the request is within the limit.
    pub allowed: bool,
    /// `X-Rate-Limit-Limit`.
    pub limit: u32,
    /// `X-Rate-Limit-Remaining`.
    pub remaining: u32,
    /// When the window resets (`X-Rate-Limit-Reset`, once turned into epoch seconds).
    pub reset: Instant,
}

/// A fixed window of requests.
#[derive(Debug)]
pub(crate) struct RateWindow {
    config: RateLimit,
    started: Option<Instant>,
    used: u32,
}

impl RateWindow {
    pub(crate) fn new(config: RateLimit) -> Self {
        Self {
            config,
            started: None,
            used: 0,
        }
    }

    /// Counts one request at `now`.
    pub(crate) fn take(&mut self, now: Instant) -> RateStatus {
        let reset = self.roll(now);
        let allowed = self.used < self.config.limit;
        if allowed {
            self.used += 1;
        }
        self.status(allowed, reset)
    }

    /// The window at `now` without counting a request.
    pub(crate) fn peek(&mut self, now: Instant) -> RateStatus {
        let reset = self.roll(now);
        self.status(true, reset)
    }

    /// Starts a new window when the current one is over; returns its end.
    fn roll(&mut self, now: Instant) -> Instant {
        let window = self.config.window;
        match self.started {
            Some(started) if now < started + window => started + window,
            _ => {
                self.started = Some(now);
                self.used = 0;
                now + window
            }
        }
    }

    fn status(&self, allowed: bool, reset: Instant) -> RateStatus {
        RateStatus {
            allowed,
            limit: self.config.limit,
            remaining: self.config.limit.saturating_sub(self.used),
            reset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_limit_holds_within_a_window_and_a_new_window_starts_afresh() {
        let mut window = RateWindow::new(RateLimit {
            limit: 2,
            window: Duration::from_secs(60),
        });
        let start = Instant::now();
        let first = window.take(start);
        assert_eq!((first.allowed, first.remaining), (true, 1));
        assert_eq!(first.reset, start + Duration::from_secs(60));
        let second = window.take(start + Duration::from_secs(1));
        assert_eq!((second.allowed, second.remaining), (true, 0));
        let third = window.take(start + Duration::from_secs(59));
        assert_eq!((third.allowed, third.remaining), (false, 0));
        assert_eq!(third.reset, first.reset);
        let later = window.take(start + Duration::from_secs(60));
        assert_eq!((later.allowed, later.remaining), (true, 1));
        assert_eq!(later.reset, start + Duration::from_secs(120));
    }
}
