//! The service's clock, as the `Date` of its answers tells it. A time measured on this
//! machine is turned into the service's before it is compared with one the service gave (a
//! session's `created` or `lastUpdated`), so that a machine whose clock is off neither misses
//! the session its own create made nor takes another run's for one left idle.

use chrono::{DateTime, TimeDelta, Utc};
use okta_identity_source::ResponseMeta;

/// How far apart a `Date` can put two clocks that agree: it has whole seconds, and is read a
/// moment after it was written.
const RESOLUTION: TimeDelta = TimeDelta::seconds(2);

/// How far the service's clock runs ahead of this machine's (behind when negative), as an
/// answer's `Date` measured it: never more than it is, by up to a second (the `Date` is
/// rounded down to the second, and read after it was written). None until an answer with a
/// `Date` says. However far off, it is believed: the times it is compared with come from the
/// same clock (a machine an hour off, a time zone set wrong, is the case that matters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerClock {
    ahead: TimeDelta,
}

impl ServerClock {
    /// As the answer just received with `meta` says; `None` when it has no `Date`.
    pub fn of(meta: &ResponseMeta) -> Option<Self> {
        Some(Self::told(DateTime::<Utc>::from(meta.date?), Utc::now()))
    }

    /// As a `Date` of `told` read at `now` says.
    fn told(told: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self {
            ahead: told.signed_duration_since(now),
        }
    }

    /// `local`, a time on this machine's clock, on the service's, or up to a second before:
    /// a bound a time the service gave after `local` is never below.
    pub fn no_later_than(self, local: DateTime<Utc>) -> DateTime<Utc> {
        local.checked_add_signed(self.ahead).unwrap_or(local)
    }

    /// The service's time now, as near as a `Date` tells it: this machine's when the two are
    /// within what a `Date` can tell apart, so that a time the service gave a moment ago is
    /// not put in the future.
    pub fn now(self) -> DateTime<Utc> {
        let now = Utc::now();
        match self.ahead.abs() < RESOLUTION {
            true => now,
            false => self.no_later_than(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, nanos: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, nanos).unwrap_or_default()
    }

    #[test]
    fn a_time_turned_is_never_later_than_the_services() {
        // Read at .9 s, the `Date` says the second began: the service is taken to be 0.9 s
        // behind, never ahead of what it is.
        let clock = ServerClock::told(at(1_800_000_000, 0), at(1_800_000_000, 900_000_000));
        let local = at(1_800_000_100, 0);
        assert!(clock.no_later_than(local) <= local);
        assert!(local - clock.no_later_than(local) < TimeDelta::seconds(1));
        // A minute or a day apart, either way (a time zone set wrong is hours).
        for ahead in [TimeDelta::minutes(1), TimeDelta::days(1)] {
            for ahead in [ahead, -ahead] {
                let now = at(1_800_000_000, 500_000_000);
                let clock = ServerClock::told(at(1_800_000_000, 0) + ahead, now);
                let turned = clock.no_later_than(now);
                assert!(turned <= now + ahead, "{ahead}: {turned}");
                assert!(
                    now + ahead - turned < TimeDelta::seconds(1),
                    "{ahead}: {turned}"
                );
            }
        }
    }
}
