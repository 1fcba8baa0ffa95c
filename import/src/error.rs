//! Why an import stopped, with what it had done by then.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::plural;
use crate::record::InvalidRecord;
use crate::report::{Report, SessionInfo, WaitReason, to_the_second};
use crate::source::ReadError;
use crate::step::Step;

/// Records that break Okta's rules, found before anything was sent
/// ([`OnInvalid::Fail`](crate::OnInvalid::Fail)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}; nothing was sent (first: {})", plural::count(.records.len() as u64, "invalid record"), first(.records))]
pub struct InvalidInput {
    /// Every invalid record, in input order, with its reasons.
    pub records: Vec<InvalidRecord>,
}

fn first(records: &[InvalidRecord]) -> String {
    records.first().map(ToString::to_string).unwrap_or_default()
}

/// Why a dry run over a [`Source`](crate::Source) ([`plan_source`](crate::plan_source))
/// gives no plan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Some records are invalid and [`OnInvalid::Fail`](crate::OnInvalid::Fail) is in force.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// The input could not be read again ([`Failure::Read`]) or changed between its reads
    /// ([`Failure::InputChanged`]).
    #[error(transparent)]
    Failed(#[from] Failure),
}

/// What made an import stop early.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// Some records are invalid and [`OnInvalid::Fail`](crate::OnInvalid::Fail) is in force:
    /// nothing was sent. The report lists them.
    #[error("{}; nothing was sent", plural::count(*.count as u64, "invalid record"))]
    InvalidRecords {
        /// How many.
        count: usize,
    },
    /// Another session is active and the options do not allow waiting for it or
    /// cancelling it.
    #[error("another session of the identity source is active: {0}")]
    ActiveSession(SessionInfo),
    /// Another session is active and was updated too recently to be taken for one an
    /// earlier run left ([`Options::stale_after`](crate::Options::stale_after)), or Okta did
    /// not say when: another run may still be uploading to it, so it was not cancelled.
    #[error(
        "another session of the identity source is active and {}, so another run may be using it; it was not cancelled: {session}",
        last_update(session, stale_after)
    )]
    SessionInUse {
        /// The session.
        session: SessionInfo,
        /// How long it must go without an update to be cancelled.
        stale_after: Duration,
    },
    /// Okta still refused to open a session when the cool-down wait ran out.
    #[error(
        "Okta still refuses new sessions after waiting {}s for the cool-down: {error}",
        waited.as_secs()
    )]
    CoolDown {
        /// How long was waited.
        waited: Duration,
        /// Okta's last answer.
        error: okta_identity_source::Error,
    },
    /// The rate-limit window resets later than the longest allowed wait.
    #[error(
        "the rate limit resets at {}, later than the longest allowed wait",
        to_the_second(*until)
    )]
    RateLimit {
        /// When it resets.
        until: DateTime<Utc>,
    },
    /// Okta refused an upload for good, and the session was to be cancelled
    /// ([`RejectedBatch::Cancel`](crate::RejectedBatch::Cancel)); the report says whether
    /// it was ([`Report::left_open`](crate::Report::left_open) when it could not be).
    #[error("Okta refused an upload to session {session_id}: {error}")]
    Rejected {
        /// The session.
        session_id: String,
        /// Okta's answer.
        error: okta_identity_source::Error,
    },
    /// The session no longer took uploads (an upload was refused, or a start whose answer
    /// was lost found it so): another client cancelled or started it, or it expired. It is
    /// reported with the status it had.
    #[error(
        "session {session_id} no longer takes uploads ({status}: another client cancelled or started it, or it expired): {error}"
    )]
    SessionEnded {
        /// The session.
        session_id: String,
        /// Its status when the refusal was looked into.
        status: okta_identity_source::models::IdentitySourceSessionStatus,
        /// Okta's answer.
        error: okta_identity_source::Error,
    },
    /// A session none of whose uploads was taken (each was put aside or refused) could
    /// not be cancelled: it is still open, and Okta creates no other session while it is.
    #[error(
        "session {session_id} took none of its uploads and could not be cancelled: it is still open, and no other session can be created while it is"
    )]
    NotCancelled {
        /// The session.
        session_id: String,
    },
    /// Okta answered a create with a session id that is not one of its ids (letters and
    /// digits): no URL the client makes from it would name that session, and printed it
    /// could pass for other text. Nothing was sent to it; the session made is looked for
    /// among the source's and cancelled, as one whose answer was lost, when the listing
    /// names it by an Okta id (else the report's `lost_create` tells when it was made).
    #[error(
        "creating a session answered the id {}, which is not an Okta id (letters and digits); nothing was sent to it, and the session it made is cancelled if the listing names it by an Okta id",
        quoted_start(session_id)
    )]
    NotAnOktaId {
        /// The id, as the answer gave it.
        session_id: String,
    },
    /// A call failed after the client's retries.
    #[error("{step} failed: {error}")]
    Call {
        /// What the importer was doing.
        step: Step,
        /// The client's error.
        #[source]
        error: okta_identity_source::Error,
    },
    /// The overall deadline ran out.
    #[error("the import did not finish within {0:?}")]
    Deadline(Duration),
    /// A wait would have ended past the overall deadline: the import stopped at once
    /// instead of waiting in vain.
    #[error(
        "the import cannot finish within {deadline:?}: it would wait for {reason} until {}, past that deadline",
        to_the_second(*until)
    )]
    PastDeadline {
        /// The deadline ([`Options::deadline`](crate::Options::deadline)).
        deadline: Duration,
        /// What it would have waited for.
        reason: WaitReason,
        /// Until when.
        until: DateTime<Utc>,
    },
    /// The input could not be read ([`Source`](crate::Source)); when it was read the second
    /// time, what was sent before stands.
    #[error("the records could not be read: {0}")]
    Read(#[source] ReadError),
    /// The input read again is not what was read before ([`Source`](crate::Source)): a file
    /// changed during the import so that an id, a record's place or size differs, or a
    /// record breaks a rule. What was sent before stands.
    #[error("the input changed after it was checked: {0}")]
    InputChanged(String),
    /// The caller asked the import to stop.
    #[error("the import was stopped")]
    Stopped,
}

/// An import that stopped early: why, and what it had done (sessions, counts, the
/// invalid records, a session left open).
#[derive(Debug, thiserror::Error)]
#[error("{failure}")]
pub struct ImportError {
    /// Why it stopped.
    pub failure: Failure,
    /// What it had done by then.
    pub report: Box<Report>,
}

/// The first 64 characters of `text`, quoted with its control characters escaped, and `…`
/// when there are more.
fn quoted_start(text: &str) -> String {
    let start: String = text.chars().take(64).collect();
    let more = if start.len() < text.len() { "…" } else { "" };
    format!("{start:?}{more}")
}

/// When a session in use was last updated, as far as Okta said.
fn last_update(session: &SessionInfo, stale_after: &Duration) -> String {
    match session.last_updated.or(session.created) {
        Some(_) => format!("was updated less than {stale_after:?} ago"),
        None => "Okta did not say when it was last updated".into(),
    }
}
