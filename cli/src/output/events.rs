//! The engine's events, told to the user through the progress display.

use std::collections::HashMap;

use okta_identity_source::models::IdentitySourceSessionStatus;
use okta_identity_source_import::{Event, Report, is_final};

use super::outcome::Planned;
use super::progress::Progress;
use super::summary::count;
use crate::stop_signal::{IN_PROCESS, Signal};

/// What to tell when a create whose answer never came may have made a session that could not
/// be looked up.
pub const LOST_CREATE: &str = "a session being created may have been made but was not found to cancel it: okta-import sessions list, then okta-import sessions cancel ID for a CREATED one";

/// Follows an import's events: which session of how many, uploads, waits.
pub struct EventDisplay<'a> {
    progress: &'a Progress,
    sessions: usize,
    /// The id of each session created, by its number in the plan.
    ids: HashMap<usize, String>,
    /// The last session and status shown, so that polls that change nothing add no line.
    last_status: Option<(usize, String)>,
    /// The sessions of this import that the engine cancelled, in order.
    cancelled: Vec<String>,
    /// The records planned, once the engine has told them (before its first request).
    planned: Option<Planned>,
    /// Whether the service is an emulator of this process (the demo): what a stop leaves
    /// behind ends with it, and no session is to be looked at later.
    in_process: bool,
}

impl<'a> EventDisplay<'a> {
    /// Shows events on `progress`, of an import into an emulator of this process when
    /// `in_process` (the demo).
    pub fn new(progress: &'a Progress, in_process: bool) -> Self {
        Self {
            progress,
            sessions: 0,
            ids: HashMap::new(),
            last_status: None,
            cancelled: Vec::new(),
            planned: None,
            in_process,
        }
    }

    /// The users and deactivations planned, once the engine has told them: an import of a
    /// file read twice plans before its first request.
    pub fn planned(&self) -> Option<Planned> {
        self.planned
    }

    /// Shows one event.
    pub fn show(&mut self, event: Event) {
        let progress = self.progress;
        match event {
            Event::Planned {
                sessions,
                users,
                deactivations,
                invalid,
            } => {
                self.sessions = sessions;
                self.planned = Some(Planned {
                    users,
                    deactivations,
                });
                progress.start(users, deactivations);
                let invalid = if invalid > 0 {
                    format!("; {} left out", count(invalid as u64, "invalid record"))
                } else {
                    String::new()
                };
                progress.step(&format!(
                    "Importing {} and {} in {}{invalid}",
                    count(users, "user"),
                    count(deactivations, "deactivation"),
                    count(sessions as u64, "session"),
                ));
            }
            Event::ActiveSessionFound { session } => {
                progress.step(&format!("Another session is active: {session}"))
            }
            Event::OtherSessionCancelled { id } => {
                progress.step(&format!("Cancelled session {id} of an earlier run"))
            }
            Event::CreateRefused { error } => progress.step(&format!(
                "Okta refused to create a session, and no other session is active: taken for \
                 the cool-down after an import was started, and waited out: {error}"
            )),
            Event::CreateUnanswered { error } => progress.step(&format!(
                "No answer to creating a session ({error}): looking whether Okta made one; \
                 if it did, the import stops and cancels it, else it creates one again"
            )),
            Event::Waiting { reason, until } => progress.waiting(&reason.to_string(), until),
            Event::SessionCreated { session, id } => {
                // A session that resends uploads whose answer was unclear comes after the plan's.
                self.sessions = self.sessions.max(session + 1);
                self.status(session, &id, "created");
                self.ids.insert(session, id);
            }
            Event::BatchUploaded { records, .. } => progress.uploaded(u64::from(records)),
            Event::BatchRejected {
                session,
                records,
                error,
            } => progress.step(&format!(
                "Session {}: Okta refused an upload of {}: {error}",
                session + 1,
                count(u64::from(records), "record")
            )),
            Event::UploadPutAside {
                session,
                records,
                error,
            } => progress.step(&format!(
                "Session {}: an upload of {} is sent again in a session of its own after the \
                 others, as its answer did not say whether Okta took it: {error}",
                session + 1,
                count(u64::from(records), "record")
            )),
            Event::ImportStarted { session, id } => self.status(session, &id, "import started"),
            // A final status is told by SessionFinished, which follows.
            Event::StatusPolled { session, status } if !is_final(&status) => {
                let id = self.ids.get(&session).cloned().unwrap_or_default();
                self.status(session, &id, status.as_str())
            }
            Event::SessionCancelled { session, id } => {
                progress.step(&self.session(session, &id, "cancelled"));
                self.cancelled.push(id);
            }
            Event::SessionFinished {
                session,
                id,
                status,
            } => progress.step(&self.session(session, &id, status.as_str())),
            _ => {}
        }
    }

    /// What a stop by `signal` (Ctrl-C, SIGTERM, SIGHUP) left behind, as the events and the report tell
    /// it: the sessions cancelled, the one that could not be, the ones whose import goes on in
    /// Okta.
    pub fn after_stop(&self, report: &Report, signal: Signal) -> String {
        let mut told = self.left_behind(report);
        if told.is_empty() {
            told.push(match report.sessions.len() {
                0 => "no session had been opened".into(),
                _ => "no session was left open".into(),
            });
        }
        format!("{}; {}", signal.stopped(), told.join("; "))
    }

    /// What an import that stopped early left behind, as the events and the report tell it:
    /// the sessions it cancelled, the one it could not, the ones whose import goes on in
    /// Okta, a create that may have made one; empty when there is nothing to say.
    pub fn left_behind(&self, report: &Report) -> Vec<String> {
        self.left_behind_but(report, None)
    }

    /// [`Self::left_behind`], but for the session `gone`, which Okta no longer finds.
    pub fn left_behind_but(&self, report: &Report, gone: Option<&str>) -> Vec<String> {
        let mut told: Vec<String> = self
            .cancelled
            .iter()
            .map(|id| format!("session {id} was not started and has been cancelled"))
            .collect();
        if let Some(id) = &report.left_open {
            told.push(format!(
                "session {id} could not be cancelled: okta-import sessions cancel {id}"
            ));
        }
        let unfinished = report.sessions.iter().filter(|s| {
            !is_final(&s.status)
                && report.left_open.as_ref() != Some(&s.id)
                && gone != Some(s.id.as_str())
        });
        for session in unfinished {
            let id = &session.id;
            told.push(match session.status {
                IdentitySourceSessionStatus::Triggered => format!(
                    "session {id} was started and its import goes on in Okta: okta-import sessions get {id}"
                ),
                ref status => format!("session {id} is {status}: okta-import sessions get {id}"),
            });
        }
        if report.lost_create.is_some() {
            told.push(LOST_CREATE.into());
        }
        if self.in_process && !told.is_empty() {
            return vec![IN_PROCESS.into()];
        }
        told
    }

    /// Shows a session's status unless it is the one shown last.
    fn status(&mut self, session: usize, id: &str, status: &str) {
        let now = Some((session, status.to_string()));
        if now != self.last_status {
            self.progress.status(self.session(session, id, status));
            self.last_status = now;
        }
    }

    /// `session 2 of 3 (aps…): import started`.
    fn session(&self, number: usize, id: &str, status: &str) -> String {
        let id = if id.is_empty() {
            String::new()
        } else {
            format!(" ({id})")
        };
        format!("session {} of {}{id}: {status}", number + 1, self.sessions)
    }
}

#[cfg(test)]
mod tests {
    use okta_identity_source_import::SessionReport;

    use super::*;
    use crate::output::progress::Mode;

    /// What a stopped import left behind: sessions to look at later in an org, nothing in
    /// an emulator of this process (the demo), which ends with it.
    #[test]
    fn what_is_left_behind_is_told_unless_it_ends_with_this_process() {
        let session = |id: &str, status| SessionReport {
            id: id.into(),
            status,
            users: 10,
            deactivations: 0,
            uploads: 1,
            uploads_unanswered: 0,
            records_unanswered: 0,
        };
        let report = Report {
            sessions: vec![
                session("aps1", IdentitySourceSessionStatus::Completed),
                session("aps2", IdentitySourceSessionStatus::Triggered),
            ],
            left_open: None,
            ..Report::default()
        };
        let progress = Progress::new(Mode::Quiet);
        let told = |in_process| EventDisplay::new(&progress, in_process).left_behind(&report);
        assert_eq!(
            told(false),
            [
                "session aps2 was started and its import goes on in Okta: okta-import sessions get aps2"
            ]
        );
        assert_eq!(told(true), [IN_PROCESS]);
        // Nothing left: nothing said, in either.
        let done = Report {
            sessions: vec![session("aps1", IdentitySourceSessionStatus::Completed)],
            ..Report::default()
        };
        for in_process in [false, true] {
            assert!(
                EventDisplay::new(&progress, in_process)
                    .left_behind(&done)
                    .is_empty()
            );
        }
    }
}
