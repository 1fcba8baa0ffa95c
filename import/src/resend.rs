//! Uploads whose fate is unknown, sent again in sessions of their own. A 504 or a connection
//! closed after the body went out leaves open whether Okta took an upload: sending it again
//! in the same session could put the same users in it twice, which Okta documents as a
//! cause of inaccurate data (and count one more of its 50 uploads), so the session goes on
//! without it, and once the planned sessions have run, the uploads put aside are sent again
//! in sessions after them, within the same limits. In another session an upload applied
//! twice does no harm: an upsert or a deactivation is the same the second time.

use std::collections::VecDeque;

use crate::error::Failure;
use crate::payload::{Feed, Payload};
use crate::plan::{Limits, Plan};

/// A feed, and after its sessions, sessions of the uploads put aside while they ran.
pub struct Resending<F> {
    feed: F,
    limits: Limits,
    /// The uploads put aside, in order, not yet in a session.
    aside: Vec<Payload>,
    /// The first session that resends, once the feed has no more.
    first_resending: Option<usize>,
    /// Each resending session's uploads not yet taken, and how many it has.
    resending: Vec<(u32, VecDeque<Payload>)>,
}

impl<F: Feed> Resending<F> {
    /// `feed`, whose sessions hold at most what `limits` allow; resending sessions do too.
    pub fn new(feed: F, limits: Limits) -> Self {
        Self {
            feed,
            limits,
            aside: Vec::new(),
            first_resending: None,
            resending: Vec::new(),
        }
    }

    /// Whether an upload of `session` whose fate is unknown may be put aside: not one of a
    /// resending session, which was put aside once already.
    pub fn may_put_aside(&self, session: usize) -> bool {
        self.first_resending.is_none_or(|first| session < first)
    }

    /// Puts `payload` aside, to send again after the planned sessions.
    pub fn put_aside(&mut self, payload: Payload) {
        self.aside.push(payload);
    }

    /// The uploads put aside, grouped into sessions within the limits.
    fn group_aside(&mut self) {
        let mut current: VecDeque<Payload> = VecDeque::new();
        let mut records = 0;
        for payload in self.aside.drain(..) {
            let full = current.len() as u32 >= self.limits.max_session_requests
                || records + payload.records() > self.limits.max_session_records;
            if full && !current.is_empty() {
                self.resending
                    .push((current.len() as u32, std::mem::take(&mut current)));
                records = 0;
            }
            records += payload.records();
            current.push_back(payload);
        }
        if !current.is_empty() {
            self.resending.push((current.len() as u32, current));
        }
    }

    /// The resending session `session` is, if it is one.
    fn resending(&self, session: usize) -> Option<usize> {
        session.checked_sub(self.first_resending?)
    }
}

impl<F: Feed> Feed for Resending<F> {
    fn has_session(&mut self, session: usize) -> Result<bool, Failure> {
        if self.first_resending.is_none() {
            if self.feed.has_session(session)? {
                return Ok(true);
            }
            self.first_resending = Some(session);
            self.group_aside();
        }
        Ok(self
            .resending(session)
            .is_some_and(|at| at < self.resending.len()))
    }

    fn next_batch(&mut self, session: usize) -> Result<Option<Payload>, Failure> {
        match self.resending(session) {
            Some(at) => Ok(self
                .resending
                .get_mut(at)
                .and_then(|(_, uploads)| uploads.pop_front())),
            None => self.feed.next_batch(session),
        }
    }

    fn uploads(&self, session: usize) -> u32 {
        match self.resending(session) {
            Some(at) => self.resending.get(at).map_or(0, |(uploads, _)| *uploads),
            None => self.feed.uploads(session),
        }
    }

    fn work_ahead(&mut self) -> bool {
        self.feed.work_ahead()
    }

    fn take_plan(&mut self) -> Option<(Plan, bool)> {
        self.feed.take_plan()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Held;
    use crate::record::Position;

    /// An upload of `records` records, numbered from `first`.
    fn upload(first: u64, records: u64) -> Payload {
        let positions = (first..first + records).map(Position::record).collect();
        Payload::Upsert(
            okta_identity_source::JsonBody::from_serialized(&b"{}"[..]),
            positions,
        )
    }

    fn firsts(feed: &mut Resending<Held>, session: usize) -> Vec<u64> {
        std::iter::from_fn(|| feed.next_batch(session).unwrap())
            .map(|payload| payload.positions()[0].index)
            .collect()
    }

    #[test]
    fn uploads_put_aside_come_after_the_planned_sessions_within_the_limits() {
        let limits = Limits {
            max_session_requests: 2,
            max_session_records: 250,
            ..Limits::default()
        };
        let planned = Held::new(vec![vec![upload(1, 100), upload(101, 100)]]);
        let mut feed = Resending::new(planned, limits);
        assert!(feed.has_session(0).unwrap());
        assert_eq!(firsts(&mut feed, 0), [1, 101]);
        assert!(feed.may_put_aside(0));
        // Three uploads, two too many records for one session, then a third upload.
        for (first, records) in [(1, 100), (101, 200), (301, 10), (311, 10)] {
            feed.put_aside(upload(first, records));
        }
        assert!(feed.has_session(1).unwrap());
        assert!(!feed.may_put_aside(1));
        assert_eq!(feed.uploads(1), 1);
        assert_eq!(firsts(&mut feed, 1), [1]);
        assert!(feed.has_session(2).unwrap());
        assert_eq!(feed.uploads(2), 2);
        assert_eq!(firsts(&mut feed, 2), [101, 301]);
        assert!(feed.has_session(3).unwrap());
        assert_eq!(firsts(&mut feed, 3), [311]);
        assert!(!feed.has_session(4).unwrap());
    }

    #[test]
    fn with_nothing_put_aside_the_planned_sessions_are_all() {
        let planned = Held::new(vec![vec![upload(1, 10)]]);
        let mut feed = Resending::new(planned, Limits::default());
        assert!(feed.has_session(0).unwrap());
        assert_eq!(firsts(&mut feed, 0), [1]);
        assert!(!feed.has_session(1).unwrap());
    }
}
