//! What an import did: sessions and their outcome, counts, problems, waits and time.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use okta_identity_source::models::IdentitySourceSessionStatus;
use serde::Serialize;

use crate::plural::count;
use crate::record::{InvalidRecord, Position};

/// Something worth knowing that did not stop a record: a repeated `externalId` whose
/// later record replaced the earlier one ([`Duplicates::LastWins`](crate::Duplicates)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The record that won.
    pub position: Position,
    /// The `externalId` given twice.
    pub external_id: String,
    /// What happened.
    pub message: String,
}

/// `users.csv:40: externalId "e-1" also at users.csv:12; this later record replaces it`.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: externalId {:?} {}",
            self.position, self.external_id, self.message
        )
    }
}

/// A session another run or someone else left active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// Its id (`aps…`).
    pub id: String,
    /// Its status when it was found.
    pub status: IdentitySourceSessionStatus,
    /// When it was created, if Okta said.
    pub created: Option<DateTime<Utc>>,
    /// When it was last updated, if Okta said.
    pub last_updated: Option<DateTime<Utc>>,
}

/// `aps123 (IN_PROGRESS, created 2026-01-02T03:04:05Z, last updated 2026-01-02T03:09:00Z)`.
impl fmt::Display for SessionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.id, self.status)?;
        if let Some(created) = self.created {
            write!(f, ", created {}", to_the_second(created))?;
        }
        if let Some(updated) = self.last_updated.filter(|&at| Some(at) != self.created) {
            write!(f, ", last updated {}", to_the_second(updated))?;
        }
        f.write_str(")")
    }
}

/// A time as the report's texts tell it: RFC 3339, to the second (`2026-01-02T03:04:05Z`).
pub(crate) fn to_the_second(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One session of this import and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionReport {
    /// Its id (`aps…`).
    pub id: String,
    /// Its last known status: `COMPLETED`, `ERROR`, `EXPIRED`, `CLOSED` (cancelled), or
    /// `TRIGGERED`/`CREATED`/`IN_PROGRESS` when the import stopped before it ended.
    pub status: IdentitySourceSessionStatus,
    /// Users uploaded to create or update.
    pub users: u64,
    /// Users uploaded to deactivate.
    pub deactivations: u64,
    /// Uploads accepted.
    pub uploads: u32,
    /// Uploads that went out but whose answer never came, as the run stopped or failed
    /// while they were in flight (or after their request timed out): Okta may have taken
    /// them. Not counted in `users`, `deactivations` or `uploads`.
    pub uploads_unanswered: u32,
    /// The records of those uploads.
    pub records_unanswered: u64,
}

impl SessionReport {
    /// What became of the uploads whose answer never came, in words: Okta may have taken
    /// them, unless the session ended without an import (cancelled or expired), which
    /// imported none of them either way.
    pub fn unanswered_fate(&self) -> &'static str {
        match self.status {
            IdentitySourceSessionStatus::Closed => {
                "the session was cancelled, so none of them is imported"
            }
            IdentitySourceSessionStatus::Expired => {
                "the session expired, so none of them is imported"
            }
            _ => "Okta may have taken them",
        }
    }

    /// A session just made, in `status`, nothing uploaded yet.
    pub(crate) fn new(id: String, status: IdentitySourceSessionStatus) -> Self {
        Self {
            id,
            status,
            users: 0,
            deactivations: 0,
            uploads: 0,
            uploads_unanswered: 0,
            records_unanswered: 0,
        }
    }
}

/// A batch Okta refused for good, and the records it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedUpload {
    /// The session it was sent to.
    pub session_id: String,
    /// Okta's answer: status, code, summary and causes.
    pub error: String,
    /// Okta's error causes, one sentence each.
    pub causes: Vec<String>,
    /// Where the batch's records are.
    pub positions: Vec<Position>,
}

/// An upload whose answer did not say whether Okta took it (a 504, a connection closed
/// after the body went out), put aside to be sent again in a session after the planned
/// ones rather than twice in one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PutAsideUpload {
    /// The session it was first sent to.
    pub session_id: String,
    /// What came back instead of an answer.
    pub error: String,
    /// Where the upload's records are.
    pub positions: Vec<Position>,
    /// The session that took it when it was sent again, once one did.
    pub sent_again_in: Option<String>,
}

/// Why the import waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// The rate-limit window was used up.
    RateLimit,
    /// Okta refuses new sessions for a while after an import is started.
    CoolDown,
    /// Another session was running.
    ActiveSession,
    /// The client waited before sending a request again (its `RetryPolicy`: after a `429`,
    /// a `503` or `504`, or a failure to connect); recorded once the request is done with
    /// (answered, or cut short by a stop), as one wait for all its retries, and as one with
    /// the waits of other requests it overlaps (uploads in flight at once wait for the same
    /// reset).
    ClientRetry,
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RateLimit => "the rate limit",
            Self::CoolDown => "the cool-down after a start",
            Self::ActiveSession => "another session",
            Self::ClientRetry => "the client's retries",
        })
    }
}

/// One wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Wait {
    /// Why.
    pub reason: WaitReason,
    /// When it began.
    pub started: DateTime<Utc>,
    /// Until when it was meant to last (a stop may have cut it short).
    pub until: DateTime<Utc>,
    /// How long it lasted.
    #[serde(rename = "waited_ms", serialize_with = "millis")]
    pub waited: Duration,
}

/// `at` less `length`, or the first date a `DateTime` holds.
pub(crate) fn before(at: DateTime<Utc>, length: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(length)
        .ok()
        .and_then(|length| at.checked_sub_signed(length))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Everything an import did. Serializable (for logs and machines); `Display` is a short
/// summary for people.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// This import's sessions, in order.
    pub sessions: Vec<SessionReport>,
    /// Users uploaded to create or update, in all sessions.
    pub users_sent: u64,
    /// Users uploaded to deactivate, in all sessions.
    pub users_deactivated: u64,
    /// Users uploaded (answered 202) to create or update in the sessions that completed:
    /// fewer than [`users_sent`](Self::users_sent) when a session was cancelled, expired,
    /// ended in `ERROR` or was not waited for to the end. An upload put aside counts in the
    /// session it was sent again to, not in the one whose answer was unclear.
    pub users_imported: u64,
    /// Deactivations uploaded in the sessions that completed, as
    /// [`users_imported`](Self::users_imported) counts users.
    pub deactivations_imported: u64,
    /// Records not imported because they break a rule, with reasons.
    pub invalid: Vec<InvalidRecord>,
    /// Repeated external ids resolved by "last one wins".
    pub warnings: Vec<Warning>,
    /// Batches Okta refused for good.
    pub rejected: Vec<RejectedUpload>,
    /// Uploads put aside, their answer unclear, to be sent again in a session after the
    /// planned ones (which a run that stops first never reaches).
    pub put_aside: Vec<PutAsideUpload>,
    /// Sessions found active when creating one (left by an earlier run, or by someone else).
    pub found_active: Vec<SessionInfo>,
    /// Sessions of other runs this import cancelled, or sent a cancel that may have been
    /// carried out (the run stopped while it was in flight, or its answer was lost).
    pub cancelled_others: Vec<String>,
    /// An untriggered session of this import that could not be cancelled: the next run
    /// finds it active.
    pub left_open: Option<String>,
    /// When a create whose answer never came was sent, if the session it may have made was
    /// not found to cancel it (the sessions could not be listed, or listed none it made,
    /// within the cancel timeout): a `CREATED` session from then on may be this import's,
    /// still open.
    pub lost_create: Option<DateTime<Utc>>,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests sent again after a failure (by the client or by the importer).
    pub retries: u64,
    /// `429 Too Many Requests` answers: those the client retried itself, those that
    /// reached the importer, and one a stop cut short the wait after.
    pub rate_limited: u64,
    /// Every wait: the importer's, for a rate limit (a `429` the client handed over, or a
    /// window with nothing left), the cool-down or another session, and the client's before
    /// its own retries (its `RetryPolicy`), one for each request that was retried.
    pub waits: Vec<Wait>,
    /// How long the import took.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: Duration,
}

impl Report {
    /// The other active sessions found, each with whether this run cancelled it.
    pub fn others_found(&self) -> impl Iterator<Item = (&SessionInfo, bool)> {
        self.found_active
            .iter()
            .map(|session| (session, self.cancelled_others.contains(&session.id)))
    }

    /// Whether every session that took an upload completed and no record was left out or
    /// refused (a session whose uploads were all put aside, and so cancelled, took none: they
    /// went into a later one).
    pub fn is_complete_success(&self) -> bool {
        self.sessions
            .iter()
            .filter(|session| session.uploads > 0)
            .all(|session| session.status == IdentitySourceSessionStatus::Completed)
            && self.invalid.is_empty()
            && self.rejected.is_empty()
            && self.left_open.is_none()
            && self.lost_create.is_none()
    }

    /// Sets [`users_imported`](Self::users_imported) and
    /// [`deactivations_imported`](Self::deactivations_imported) from the sessions.
    pub(crate) fn count_imported(&mut self) {
        let completed = self
            .sessions
            .iter()
            .filter(|session| session.status == IdentitySourceSessionStatus::Completed);
        (self.users_imported, self.deactivations_imported) =
            completed.fold((0, 0), |(users, deactivations), session| {
                (users + session.users, deactivations + session.deactivations)
            });
    }

    /// Records that a call ended at `ended` after its client had waited `waited` before its
    /// retries: a wait of its own, or, when it overlaps the last such wait (calls in flight
    /// at once, each waiting for the same reset), that one made longer to cover both.
    pub(crate) fn add_client_wait(&mut self, waited: Duration, ended: DateTime<Utc>) {
        let wait = Wait {
            reason: WaitReason::ClientRetry,
            started: before(ended, waited),
            until: ended,
            waited,
        };
        let last = self
            .waits
            .iter_mut()
            .rev()
            .find(|wait| wait.reason == WaitReason::ClientRetry);
        match last {
            Some(last) if wait.started <= last.until => {
                let (start, end) = (wait.started.min(last.started), ended.max(last.until));
                last.waited = (end - start).to_std().unwrap_or(waited);
                last.started = start;
                last.until = end;
            }
            _ => self.waits.push(wait),
        }
    }

    /// How long was spent waiting, in all: waits at the same time (a request the client
    /// retries while the run waits for the rate limit's reset) count once.
    pub fn waited(&self) -> Duration {
        let mut spans: Vec<_> = self
            .waits
            .iter()
            .map(|wait| {
                let end = chrono::Duration::from_std(wait.waited)
                    .ok()
                    .and_then(|length| wait.started.checked_add_signed(length))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
                (wait.started, end)
            })
            .collect();
        spans.sort_unstable();
        let mut waited = Duration::ZERO;
        let mut open: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
        for (start, end) in spans {
            open = match open {
                Some((from, to)) if start <= to => Some((from, to.max(end))),
                done => {
                    waited += done.map_or(Duration::ZERO, length);
                    Some((start, end))
                }
            };
        }
        waited + open.map_or(Duration::ZERO, length)
    }
}

/// A few lines: counts, each session's outcome, problems.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} and {} sent in {}; {} ({}, {} rate-limited), {:.1} s ({:.1} s waiting)",
            count(self.users_sent, "user"),
            count(self.users_deactivated, "deactivation"),
            count(self.sessions.len() as u64, "session"),
            count(self.requests, "request"),
            count(self.retries, "retry"),
            self.rate_limited,
            self.elapsed.as_secs_f64(),
            self.waited().as_secs_f64(),
        )?;
        for session in &self.sessions {
            writeln!(
                f,
                "  session {}: {} ({}, {})",
                session.id,
                session.status,
                count(session.users, "user"),
                count(session.deactivations, "deactivation")
            )?;
            if session.uploads_unanswered > 0 {
                writeln!(
                    f,
                    "    and {} of {} whose answer never came ({})",
                    count(u64::from(session.uploads_unanswered), "upload"),
                    count(session.records_unanswered, "record"),
                    session.unanswered_fate()
                )?;
            }
        }
        if (self.users_imported, self.deactivations_imported)
            != (self.users_sent, self.users_deactivated)
        {
            writeln!(
                f,
                "  imported: {} and {} (the others' sessions did not complete)",
                count(self.users_imported, "user"),
                count(self.deactivations_imported, "deactivation")
            )?;
        }
        if !self.invalid.is_empty() {
            let invalid = count(self.invalid.len() as u64, "invalid record");
            writeln!(f, "  {invalid} left out")?;
        }
        if !self.warnings.is_empty() {
            let duplicates = count(self.warnings.len() as u64, "duplicate external id");
            writeln!(f, "  {duplicates} (the later record used)")?;
        }
        if !self.rejected.is_empty() {
            let refused = count(self.rejected.len() as u64, "upload");
            writeln!(f, "  {refused} refused by Okta")?;
        }
        if !self.put_aside.is_empty() {
            let put_aside = count(self.put_aside.len() as u64, "upload");
            let not_sent = self
                .put_aside
                .iter()
                .filter(|upload| upload.sent_again_in.is_none())
                .count();
            let sent = match not_sent {
                0 => "and sent again in a later session".to_owned(),
                n => format!(
                    "to send again in a later session ({} not sent again)",
                    count(n as u64, "upload")
                ),
            };
            writeln!(
                f,
                "  {put_aside} put aside {sent}: the answer did not say whether Okta took it"
            )?;
        }
        for (session, cancelled) in self.others_found() {
            match cancelled {
                true => writeln!(f, "  cancelled another active session: {session}")?,
                false => writeln!(f, "  found another active session: {session}")?,
            }
        }
        if let Some(id) = &self.left_open {
            writeln!(f, "  session {id} could not be cancelled and is still open")?;
        }
        if let Some(sent) = self.lost_create {
            writeln!(
                f,
                "  a session created at {} may still be open: it was not found to cancel it",
                sent.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )?;
        }
        Ok(())
    }
}

/// How long the span from `.0` to `.1` is.
fn length((from, to): (DateTime<Utc>, DateTime<Utc>)) -> Duration {
    (to - from).to_std().unwrap_or(Duration::MAX)
}

fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_waits_of_calls_in_flight_at_once_are_one_wait() {
        let at = |seconds: i64| DateTime::<Utc>::from_timestamp(1_700_000_000 + seconds, 0);
        let mut report = Report::default();
        let (Some(ten), Some(eleven), Some(twenty)) = (at(10), at(11), at(20)) else {
            panic!("dates in range");
        };
        // Two calls waiting for the same reset, 6 s to 10 s and 7 s to 11 s, then one alone.
        report.add_client_wait(Duration::from_secs(4), ten);
        report.add_client_wait(Duration::from_secs(4), eleven);
        report.add_client_wait(Duration::from_secs(1), twenty);
        let waits: Vec<_> = report.waits.iter().map(|w| (w.until, w.waited)).collect();
        assert_eq!(
            waits,
            [
                (eleven, Duration::from_secs(5)),
                (twenty, Duration::from_secs(1))
            ]
        );
        assert_eq!(report.waited(), Duration::from_secs(6));
        // The run's own wait for the reset, 5 s to 12 s, which the first two overlap: the
        // time spent waiting counts each moment once.
        report.waits.push(Wait {
            reason: WaitReason::RateLimit,
            started: at(5).unwrap_or_default(),
            until: at(12).unwrap_or_default(),
            waited: Duration::from_secs(7),
        });
        assert_eq!(report.waited(), Duration::from_secs(8));
        report.waits.pop();
        // A wait said to have started before any date: from the first date on.
        report.add_client_wait(Duration::MAX, twenty);
        assert_eq!(report.waits.len(), 2);
        assert!(report.waits[1].waited > Duration::from_secs(1 << 40));
    }

    fn report() -> Report {
        let mut report = Report {
            sessions: vec![SessionReport {
                id: "aps1".into(),
                status: IdentitySourceSessionStatus::Completed,
                users: 3,
                deactivations: 1,
                uploads: 2,
                uploads_unanswered: 0,
                records_unanswered: 0,
            }],
            users_sent: 3,
            users_deactivated: 1,
            requests: 6,
            retries: 1,
            elapsed: Duration::from_millis(2_500),
            waits: vec![Wait {
                reason: WaitReason::CoolDown,
                started: DateTime::from_timestamp_millis(1_699_999_999_500).unwrap_or_default(),
                until: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
                waited: Duration::from_millis(500),
            }],
            ..Report::default()
        };
        report.count_imported();
        report
    }

    #[test]
    fn the_summary_is_short_and_complete() {
        assert_eq!(
            report().to_string(),
            "3 users and 1 deactivation sent in 1 session; 6 requests (1 retry, 0 rate-limited), 2.5 s (0.5 s waiting)\n  session aps1: COMPLETED (3 users, 1 deactivation)\n"
        );
        assert!(report().is_complete_success());
    }

    #[test]
    fn uploads_unanswered_are_said_possibly_taken_only_where_an_import_may_come() {
        use IdentitySourceSessionStatus as Status;
        let fate = |status| SessionReport::new("aps1".into(), status).unanswered_fate();
        for status in [Status::InProgress, Status::Triggered, Status::Completed] {
            assert_eq!(fate(status.clone()), "Okta may have taken them", "{status}");
        }
        assert_eq!(
            fate(Status::Closed),
            "the session was cancelled, so none of them is imported"
        );
        assert_eq!(
            fate(Status::Expired),
            "the session expired, so none of them is imported"
        );
    }

    #[test]
    fn another_session_found_is_said_cancelled_when_this_run_cancelled_it() {
        let mut report = report();
        let other = |id: &str| SessionInfo {
            id: id.into(),
            status: IdentitySourceSessionStatus::InProgress,
            created: None,
            last_updated: None,
        };
        report.found_active = vec![other("aps7"), other("aps8")];
        report.cancelled_others = vec!["aps8".into()];
        let summary = report.to_string();
        assert!(
            summary.ends_with(
                "\n  found another active session: aps7 (IN_PROGRESS)\n  cancelled another active session: aps8 (IN_PROGRESS)\n"
            ),
            "{summary}"
        );
    }

    #[test]
    fn only_the_sessions_that_completed_count_as_imported() {
        let mut report = report();
        report.sessions.push(SessionReport {
            id: "aps2".into(),
            status: IdentitySourceSessionStatus::Closed,
            users: 200,
            deactivations: 0,
            uploads: 1,
            uploads_unanswered: 0,
            records_unanswered: 0,
        });
        report.users_sent += 200;
        report.count_imported();
        assert_eq!(
            (report.users_imported, report.deactivations_imported),
            (3, 1)
        );
        let summary = report.to_string();
        assert!(
            summary.contains(
                "\n  imported: 3 users and 1 deactivation (the others' sessions did not complete)\n"
            ),
            "{summary}"
        );
        assert!(!report.is_complete_success());
    }

    #[test]
    fn the_report_serializes_with_wire_statuses_and_milliseconds() {
        let json = serde_json::to_value(report()).unwrap();
        assert_eq!(json["sessions"][0]["status"], "COMPLETED");
        assert_eq!(json["elapsed_ms"], 2_500);
        assert_eq!(json["users_imported"], 3);
        assert_eq!(json["deactivations_imported"], 1);
        assert_eq!(json["waits"][0]["reason"], "cool_down");
        assert_eq!(json["waits"][0]["until"], "2023-11-14T22:13:20Z");
        assert_eq!(json["waits"][0]["waited_ms"], 500);
    }
}
