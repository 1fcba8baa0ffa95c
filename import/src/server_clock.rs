//! The service's clock, as the `Date` of its answers tells it. A time measured on this
//! machine is turned into the service's before it is compared with one the service gave (a
//! session's `created` or `lastUpdated`), so that a machine whose clock is off neither misses
//! the session its own create made nor takes another run's for one left idle.

use chrono::{DateTime, TimeDelta, Utc};
use okta_identity_source::ResponseMeta;

/// How far apart a `Date` can put two clocks that agree: it has whole seconds, and is read a
/// moment after it was written.
pub const RESOLUTION: TimeDelta = TimeDelta::seconds(2);

/// How far the service's clock runs ahead of this machine's (behind when negative): none
/// until an answer with a `Date` says, or when they are within [`RESOLUTION`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerClock {
    ahead: TimeDelta,
}

impl ServerClock {
    /// As the answer just received with `meta` says; `None` when it has no `Date`.
    pub fn of(meta: &ResponseMeta) -> Option<Self> {
        let told = DateTime::<Utc>::from(meta.date?);
        Some(Self::told(told, Utc::now()))
    }

    /// As a `Date` of `told` read at `now` says.
    fn told(told: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        let ahead = told.signed_duration_since(now);
        Self {
            ahead: if ahead.abs() < RESOLUTION {
                TimeDelta::zero()
            } else {
                ahead
            },
        }
    }

    /// `local`, a time on this machine's clock, on the service's.
    pub fn service_time(self, local: DateTime<Utc>) -> DateTime<Utc> {
        local.checked_add_signed(self.ahead).unwrap_or(local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_within_its_resolution_says_the_clocks_agree() {
        let now = DateTime::from_timestamp(1_800_000_000, 900_000_000).unwrap_or_default();
        let whole_second = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(ServerClock::told(whole_second, now), ServerClock::default());
        let minute = TimeDelta::minutes(1);
        for ahead in [minute, -minute] {
            let clock = ServerClock::told(whole_second + ahead, now);
            let turned = clock.service_time(now);
            assert!(
                (turned - (now + ahead)).abs() < TimeDelta::seconds(1),
                "{ahead}: {turned}"
            );
        }
        assert_eq!(ServerClock::default().service_time(now), now);
    }
}
