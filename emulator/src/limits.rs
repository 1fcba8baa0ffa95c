//! The limits and durations the service enforces, as data.

use std::time::Duration;

/// The size limits of uploads and sessions. [`Limits::OKTA`] holds the real service's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Profiles (or external ids) in one bulk request: 200 (FACTS.md).
    pub max_profiles_per_request: usize,
    /// Bulk requests (upserts and deletes) in one session: 50 (FACTS.md).
    pub max_requests_per_session: usize,
    /// Users (profiles uploaded, counted over all bulk requests) in one session: 10,000 (FACTS.md).
    pub max_users_per_session: usize,
    /// Bytes in one request body. FACTS.md says "about 200 KB"; the emulator counts 200 KiB.
    pub max_body_bytes: usize,
}

impl Limits {
    /// The real service's limits.
    pub const OKTA: Limits = Limits {
        max_profiles_per_request: 200,
        max_requests_per_session: 50,
        max_users_per_session: 10_000,
        max_body_bytes: 200 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::OKTA
    }
}

/// The longest duration the emulator keeps: 100 years. Longer ones are taken as this, so
/// that adding one to the current time can never overflow.
pub(crate) const LONGEST: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// The most the service's clock may be set apart from this machine's, either way
/// ([`EmulatorBuilder::clock_skew`](crate::EmulatorBuilder::clock_skew)): more than any
/// client's clock is off, and within what dates can be written.
pub const MAX_CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// A duration, at most [`LONGEST`].
pub(crate) fn bounded(duration: Duration) -> Duration {
    duration.min(LONGEST)
}

/// The durations of the session lifecycle. Each is configurable down to milliseconds so that
/// tests never wait for real minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// How long an import stays `TRIGGERED` before it is `COMPLETED` (or `ERROR`). Default 0.
    pub processing_time: Duration,
    /// How long after a start-import a new session of the same source is refused: about
    /// 5 minutes (FACTS.md).
    pub cool_down: Duration,
    /// How long a `CREATED` session may stay idle before it is `EXPIRED`: 24 h (FACTS.md).
    pub session_expiry: Duration,
    /// How long an access token from `/oauth2/v1/token` is valid: 1 h, Okta's default for
    /// the org authorization server.
    pub token_lifetime: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            processing_time: Duration::ZERO,
            cool_down: Duration::from_secs(5 * 60),
            session_expiry: Duration::from_secs(24 * 60 * 60),
            token_lifetime: Duration::from_secs(60 * 60),
        }
    }
}

/// The rate limit: at most `limit` API requests in each window of `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in one window.
    pub limit: u32,
    /// The length of a window.
    pub window: Duration,
}

impl Default for RateLimit {
    /// 600 a minute: FACTS.md gives 100 to 1,200 a minute depending on the plan.
    fn default() -> Self {
        Self {
            limit: 600,
            window: Duration::from_secs(60),
        }
    }
}
