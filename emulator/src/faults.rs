//! Faults on demand: what the next requests (or imports) suffer, in the order injected.

use std::collections::VecDeque;
use std::time::Duration;

/// A fault to inject with [`Emulator::inject`](crate::Emulator::inject) (or, aimed at one
/// identity source, [`Emulator::inject_for`](crate::Emulator::inject_for)). Request faults
/// apply to the next API requests (paths under `/api/`), not to the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The next `count` API requests are carried out and answered as usual: what a fault
    /// injected after this one waits for (the create to go through, then the upload fail).
    Pass {
        /// How many requests.
        count: u32,
    },
    /// The next `count` API requests are answered with `status` (say 503 or 504) and the
    /// Okta error body that comes with it (E0000010 for 503, E0000006 for 403, E0000009 for
    /// other server errors, ...), without being carried out. A 429 is Okta's rate-limit
    /// refusal: E0000047, `X-Rate-Limit-Remaining: 0` and the current window's reset (see
    /// [`EmulatorBuilder::rate_limit`](crate::EmulatorBuilder::rate_limit)).
    Status {
        /// The HTTP status to answer: an error's, 400 to 599 (any other is taken as 500).
        status: u16,
        /// How many requests.
        count: u32,
    },
    /// The next `count` API requests are carried out, then answered with `status` and its
    /// Okta error body instead of their own answer: a gateway's 504 (or 502) after the
    /// service behind it did the work, so a client can't tell from the answer what was done.
    StatusAfterCarryingOut {
        /// The HTTP status to answer, as for [`Fault::Status`].
        status: u16,
        /// How many requests.
        count: u32,
    },
    /// The connections of the next `count` API requests are closed without an answer.
    DropConnection {
        /// How many requests.
        count: u32,
    },
    /// The next `count` API requests are carried out at once but answered only after
    /// `delay`: a client that gives up (or is dropped) first never learns what was done.
    Delay {
        /// How long to wait before answering.
        delay: Duration,
        /// How many requests.
        count: u32,
    },
    /// The next `count` API requests are carried out only after `delay`, then answered: a
    /// slow service. A client that gives up or goes away meanwhile does not stop them; they
    /// are carried out all the same, as a service does with a request it has read.
    Slow {
        /// How long to wait before carrying out.
        delay: Duration,
        /// How many requests.
        count: u32,
    },
    /// The next `count` imports started (on any identity source, or on the one
    /// [`Emulator::inject_for`](crate::Emulator::inject_for) names) end in `ERROR`, and
    /// change no user.
    ImportError {
        /// How many imports.
        count: u32,
    },
}

/// What a request suffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestFault {
    Pass,
    Status(u16),
    StatusAfter(u16),
    Drop,
    Delay(Duration),
    Slow(Duration),
}

/// The request faults still to be suffered, oldest first, each with how many times and
/// the identity source whose requests it is aimed at (`None`: any request).
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    pending: VecDeque<(RequestFault, u32, Option<String>)>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, fault: RequestFault, count: u32, source: Option<String>) {
        if count > 0 {
            self.pending.push_back((fault, count, source));
        }
    }

    /// The fault the next request suffers, if any: the oldest aimed at any request or at
    /// the identity source it names (`source`, asked only when a fault is pending).
    pub(crate) fn take(&mut self, source: impl FnOnce() -> Option<String>) -> Option<RequestFault> {
        if self.pending.is_empty() {
            return None;
        }
        let source = source();
        let at = self
            .pending
            .iter()
            .position(|(_, _, aimed)| aimed.is_none() || *aimed == source)?;
        let (fault, left, _) = &mut self.pending[at];
        let fault = *fault;
        *left -= 1;
        if *left == 0 {
            self.pending.remove(at);
        }
        Some(fault)
    }

    /// How many requests are still to suffer a fault.
    pub(crate) fn left(&self) -> u64 {
        self.pending
            .iter()
            .map(|(_, count, _)| u64::from(*count))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_suffered_in_order_each_as_many_times_as_asked() {
        let mut queue = FaultQueue::default();
        queue.push(RequestFault::Status(503), 2, None);
        queue.push(RequestFault::Drop, 0, None);
        queue.push(RequestFault::Drop, 1, None);
        let taken: Vec<_> = std::iter::from_fn(|| queue.take(|| Some("0oa1".into()))).collect();
        assert_eq!(
            taken,
            [
                RequestFault::Status(503),
                RequestFault::Status(503),
                RequestFault::Drop
            ]
        );
    }

    #[test]
    fn a_fault_aimed_at_a_source_is_suffered_only_by_its_requests() {
        let mut queue = FaultQueue::default();
        queue.push(RequestFault::Status(503), 1, Some("0oa2".into()));
        queue.push(RequestFault::Drop, 1, None);
        let named = |source: &str| Some(source.to_owned());
        assert_eq!(queue.take(|| named("0oa1")), Some(RequestFault::Drop));
        assert_eq!(queue.take(|| None), None, "a path that names no source");
        assert_eq!(queue.take(|| named("0oa1")), None);
        assert_eq!(queue.left(), 1);
        assert_eq!(
            queue.take(|| named("0oa2")),
            Some(RequestFault::Status(503))
        );
        assert_eq!(queue.left(), 0);
        assert_eq!(
            queue.take(|| unreachable!("asked with no fault pending")),
            None
        );
    }
}
