//! The service's state machine: identity sources, their sessions and directories, and the
//! lifecycle rules. No HTTP here: every operation takes the current [`Instant`], so the rules
//! are tested with made-up time.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::TimeDelta;

use crate::directory::{self, Directory};
use crate::error::OktaError;
use crate::ids;
use crate::limits::{Limits, Timings};
use crate::session::{Change, DirectoryUser, Session, SessionStatus, SessionView};

/// Ties the monotonic clock the rules run on to the service's wall-clock time: the
/// timestamps, `Date`, `X-Rate-Limit-Reset` and the times of OAuth.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    instant: Instant,
    system: SystemTime,
    /// Whether the service's clock differs from this machine's.
    skewed: bool,
}

impl Clock {
    /// The service's clock, `skew` ahead of this machine's (behind when negative).
    pub(crate) fn start(skew: TimeDelta) -> Self {
        let now = SystemTime::now();
        let magnitude = skew.abs().to_std().unwrap_or_default();
        let system = match skew < TimeDelta::zero() {
            false => now.checked_add(magnitude),
            true => now.checked_sub(magnitude),
        };
        Self {
            instant: Instant::now(),
            system: system.unwrap_or(now),
            skewed: !skew.is_zero(),
        }
    }

    /// Whether the service's clock differs from this machine's (its answers then carry a
    /// `Date` of their own, not hyper's).
    pub(crate) fn is_skewed(&self) -> bool {
        self.skewed
    }

    /// The wall-clock time of `at`.
    pub(crate) fn system(&self, at: Instant) -> SystemTime {
        self.system + at.saturating_duration_since(self.instant)
    }
}

/// One identity source: its sessions (oldest first), its users, its cool-down, and how
/// many of its next imports are to end in `ERROR` (a fault aimed at it).
#[derive(Debug, Default)]
struct Source {
    sessions: Vec<Session>,
    directory: Directory,
    cool_down_until: Option<Instant>,
    failing_imports: u32,
}

/// The whole service.
#[derive(Debug)]
pub(crate) struct Service {
    limits: Limits,
    timings: Timings,
    clock: Clock,
    sources: BTreeMap<String, Source>,
    failing_imports: u32,
    finished_kept: usize,
}

/// How many finished sessions each source keeps by default.
pub(crate) const FINISHED_SESSIONS_KEPT: usize = 1000;

impl Service {
    pub(crate) fn new(
        limits: Limits,
        timings: Timings,
        clock: Clock,
        sources: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            limits,
            timings,
            clock,
            sources: sources
                .into_iter()
                .map(|id| (id, Source::default()))
                .collect(),
            failing_imports: 0,
            finished_kept: FINISHED_SESSIONS_KEPT,
        }
    }

    /// Keeps at most `count` finished sessions per source, forgetting the oldest first.
    pub(crate) fn keep_finished(mut self, count: usize) -> Self {
        self.finished_kept = count;
        self
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The next `count` imports to be started end in `ERROR`.
    pub(crate) fn fail_next_imports(&mut self, count: u32) {
        self.failing_imports = self.failing_imports.saturating_add(count);
    }

    /// The next `count` imports of `source_id` (a source it knows) end in `ERROR`.
    pub(crate) fn fail_next_imports_of(&mut self, source_id: &str, count: u32) {
        if let Some(source) = self.sources.get_mut(source_id) {
            source.failing_imports = source.failing_imports.saturating_add(count);
        }
    }

    /// POST: a new CREATED session, unless another is active or the cool-down runs.
    pub(crate) fn create(
        &mut self,
        source_id: &str,
        now: Instant,
    ) -> Result<SessionView, OktaError> {
        let clock = self.clock;
        let source = self.source(source_id, now)?;
        if let Some(active) = source.sessions.iter().find(|s| s.status.is_active()) {
            return Err(OktaError::validation(
                "identitySourceId",
                vec![format!(
                    "Another session ({}, {}) is active for this identity source; only one session can be active at a time.",
                    active.id, active.status
                )],
            ));
        }
        if let Some(until) = source.cool_down_until.filter(|until| now < *until) {
            let wait = until.saturating_duration_since(now);
            return Err(OktaError::validation(
                "identitySourceId",
                vec![format!(
                    "A new session can't be created this soon after an import was started; try again in {}.",
                    seconds(wait)
                )],
            ));
        }
        let session = Session::new(ids::session_id(), now);
        let created = view(&clock, source_id, &session);
        source.sessions.push(session);
        Ok(created)
    }

    /// GET the list: every session of the source, oldest first.
    pub(crate) fn list(
        &mut self,
        source_id: &str,
        now: Instant,
    ) -> Result<Vec<SessionView>, OktaError> {
        let clock = self.clock;
        let source = self.source(source_id, now)?;
        Ok(source
            .sessions
            .iter()
            .map(|session| view(&clock, source_id, session))
            .collect())
    }

    /// GET one session.
    pub(crate) fn get(
        &mut self,
        source_id: &str,
        session_id: &str,
        now: Instant,
    ) -> Result<SessionView, OktaError> {
        let clock = self.clock;
        let session = self.session(source_id, session_id, now)?;
        Ok(view(&clock, source_id, session))
    }

    /// DELETE: a CREATED or IN_PROGRESS session becomes CLOSED and its uploads are dropped.
    pub(crate) fn cancel(
        &mut self,
        source_id: &str,
        session_id: &str,
        now: Instant,
    ) -> Result<(), OktaError> {
        let session = self.session(source_id, session_id, now)?;
        if !session.status.is_open() {
            // The real answer, quoted in FACTS.md.
            return Err(OktaError::validation(
                "importSessionId",
                vec![
                    "Only a session that is in CREATED or IN_PROGRESS status can be canceled."
                        .into(),
                ],
            ));
        }
        session.status = SessionStatus::Closed;
        session.last_updated = now;
        session.changes = Vec::new();
        Ok(())
    }

    /// bulk-upsert or bulk-delete: the first moves CREATED to IN_PROGRESS.
    pub(crate) fn upload(
        &mut self,
        source_id: &str,
        session_id: &str,
        change: Change,
        now: Instant,
    ) -> Result<(), OktaError> {
        let limits = self.limits;
        let session = self.session(source_id, session_id, now)?;
        let users = change.users.len();
        let refuse = |cause: String| Err(OktaError::validation("importSessionId", vec![cause]));
        if !session.status.is_open() {
            return refuse(format!(
                "Only a session that is in CREATED or IN_PROGRESS status can accept data; this one is {}.",
                session.status
            ));
        }
        if session.upload_requests >= limits.max_requests_per_session {
            return refuse(format!(
                "A session accepts at most {} bulk requests.",
                limits.max_requests_per_session
            ));
        }
        if session.users + users > limits.max_users_per_session {
            return refuse(format!(
                "A session accepts at most {} users; it holds {} and this request adds {users}.",
                limits.max_users_per_session, session.users
            ));
        }
        session.changes.push(change);
        session.upload_requests += 1;
        session.users += users;
        session.status = SessionStatus::InProgress;
        session.last_updated = now;
        Ok(())
    }

    /// start-import: an IN_PROGRESS session becomes TRIGGERED, and the cool-down starts.
    pub(crate) fn start_import(
        &mut self,
        source_id: &str,
        session_id: &str,
        now: Instant,
    ) -> Result<SessionView, OktaError> {
        // A fault aimed at the source first, then one at any.
        let aimed = self
            .sources
            .get(source_id)
            .is_some_and(|source| source.failing_imports > 0);
        let fails = aimed || self.failing_imports > 0;
        let Timings {
            processing_time,
            cool_down,
            ..
        } = self.timings;
        let clock = self.clock;
        let session = self.session(source_id, session_id, now)?;
        let cause = match session.status {
            SessionStatus::InProgress => None,
            SessionStatus::Created => Some(
                "The session has no data to import: upload users with bulk-upsert or bulk-delete first.".to_owned(),
            ),
            other => Some(format!(
                "Only a session that is in IN_PROGRESS status can be started; this one is {other}."
            )),
        };
        if let Some(cause) = cause {
            return Err(OktaError::validation("importSessionId", vec![cause]));
        }
        session.status = SessionStatus::Triggered;
        session.last_updated = now;
        session.finishes = Some((now + processing_time, fails));
        let started = view(&clock, source_id, session);
        if let Some(source) = self.sources.get_mut(source_id) {
            source.cool_down_until = Some(now + cool_down);
            if aimed {
                source.failing_imports -= 1;
            }
        }
        if fails && !aimed {
            self.failing_imports -= 1;
        }
        Ok(started)
    }

    /// Every session of a source, or none for an unknown source.
    pub(crate) fn sessions(&mut self, source_id: &str, now: Instant) -> Vec<SessionView> {
        self.list(source_id, now).unwrap_or_default()
    }

    /// The directory of a source, or an empty one for an unknown source.
    pub(crate) fn users(
        &mut self,
        source_id: &str,
        now: Instant,
    ) -> BTreeMap<String, DirectoryUser> {
        self.source(source_id, now)
            .map(|source| source.directory.view())
            .unwrap_or_default()
    }

    /// A known source, with the sessions whose time has come moved on.
    fn source(&mut self, source_id: &str, now: Instant) -> Result<&mut Source, OktaError> {
        let timings = self.timings;
        let source = self
            .sources
            .get_mut(source_id)
            .ok_or_else(|| OktaError::not_found(source_id, "AppInstance"))?;
        advance(source, &timings, now);
        forget_oldest_finished(source, self.finished_kept);
        Ok(source)
    }

    /// Whether `session_id` of `source_id` is known: the 404 of an upload to a session that
    /// is not, answered before its body is read or checked.
    pub(crate) fn find_session(
        &mut self,
        source_id: &str,
        session_id: &str,
        now: Instant,
    ) -> Result<(), OktaError> {
        self.session(source_id, session_id, now).map(drop)
    }

    fn session(
        &mut self,
        source_id: &str,
        session_id: &str,
        now: Instant,
    ) -> Result<&mut Session, OktaError> {
        self.source(source_id, now)?
            .sessions
            .iter_mut()
            .find(|session| session.id == session_id)
            .ok_or_else(|| OktaError::not_found(session_id, "IdentitySourceSession"))
    }
}

/// The picture of a session the API and the accessors show.
fn view(clock: &Clock, source_id: &str, session: &Session) -> SessionView {
    SessionView {
        id: session.id.clone(),
        identity_source_id: source_id.to_owned(),
        status: session.status,
        created: in_whole_milliseconds(clock.system(session.created)),
        last_updated: in_whole_milliseconds(clock.system(session.last_updated)),
        upload_requests: session.upload_requests,
        users_in_session: session.users,
    }
}

/// `time` to the millisecond before it, as Okta writes times: what the accessors show is
/// then what a client reads.
fn in_whole_milliseconds(time: SystemTime) -> SystemTime {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    UNIX_EPOCH + Duration::from_millis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

/// Idle CREATED sessions expire; triggered imports whose processing time is over finish,
/// applying their changes to the directory unless they fail. Okta processes triggered
/// sessions one at a time; with one active session per source that holds per source, and
/// the emulator processes the imports of different sources independently.
fn advance(source: &mut Source, timings: &Timings, now: Instant) {
    for session in &mut source.sessions {
        match session.status {
            SessionStatus::Created => {
                let deadline = session.last_updated + timings.session_expiry;
                if now >= deadline {
                    session.status = SessionStatus::Expired;
                    session.last_updated = deadline;
                }
            }
            SessionStatus::Triggered => {
                let Some((at, fails)) = session.finishes.filter(|(at, _)| now >= *at) else {
                    continue;
                };
                let changes = std::mem::take(&mut session.changes);
                if fails {
                    session.status = SessionStatus::Error;
                } else {
                    session.status = SessionStatus::Completed;
                    directory::apply(&mut source.directory, changes);
                }
                session.last_updated = at;
            }
            _ => {}
        }
    }
}

/// Forgets the oldest finished (closed, completed, failed or expired) sessions beyond
/// `kept`, so a long-running emulator's memory stays bounded.
fn forget_oldest_finished(source: &mut Source, kept: usize) {
    let is_finished = |session: &Session| !session.status.is_active();
    let finished = source.sessions.iter().filter(|s| is_finished(s)).count();
    let mut excess = finished.saturating_sub(kept);
    if excess == 0 {
        return;
    }
    source.sessions.retain(|session| {
        let forget = excess > 0 && is_finished(session);
        excess -= usize::from(forget);
        !forget
    });
}

fn seconds(duration: Duration) -> String {
    let seconds = duration.as_secs_f64().ceil() as u64;
    if seconds == 1 {
        "1 second".into()
    } else {
        format!("{seconds} seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{check_delete, check_upsert};
    use serde_json::json;

    const SOURCE: &str = "0oa1";
    const MINUTE: Duration = Duration::from_secs(60);

    fn service(timings: Timings) -> (Service, Instant) {
        let clock = Clock::start(TimeDelta::zero());
        let limits = Limits {
            max_requests_per_session: 3,
            max_users_per_session: 5,
            ..Limits::OKTA
        };
        (
            Service::new(limits, timings, clock, [SOURCE.to_owned()]),
            Instant::now(),
        )
    }

    fn timings() -> Timings {
        Timings {
            processing_time: MINUTE,
            cool_down: 5 * MINUTE,
            session_expiry: 60 * MINUTE,
            ..Timings::default()
        }
    }

    fn upsert(ids: &[&str]) -> Change {
        let profiles: Vec<_> = ids
            .iter()
            .map(|id| json!({ "externalId": id, "profile": { "email": "a@b.co" } }))
            .collect();
        let body = json!({ "entityType": "USERS", "profiles": profiles }).to_string();
        check_upsert(body.as_bytes(), &Limits::OKTA).unwrap()
    }

    fn deactivate(ids: &[&str]) -> Change {
        let profiles: Vec<_> = ids.iter().map(|id| json!({ "externalId": id })).collect();
        let body = json!({ "entityType": "USERS", "profiles": profiles }).to_string();
        check_delete(body.as_bytes(), &Limits::OKTA).unwrap()
    }

    fn cause(error: OktaError) -> String {
        assert_eq!((error.status, error.code), (400, "E0000001"), "{error}");
        error.causes.join(" ")
    }

    #[test]
    fn only_the_latest_finished_sessions_are_kept() {
        let (service, t0) = service(timings());
        let mut service = service.keep_finished(3);
        let mut ids = Vec::new();
        for _ in 0..10 {
            let id = service.create(SOURCE, t0).unwrap().id;
            service.cancel(SOURCE, &id, t0).unwrap();
            ids.push(id);
        }
        let active = service.create(SOURCE, t0).unwrap().id;
        let kept: Vec<_> = service
            .list(SOURCE, t0)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(kept, [&ids[7][..], &ids[8], &ids[9], &active]);
    }

    #[test]
    fn an_import_completes_after_the_processing_time_and_changes_the_directory() {
        let (mut service, t0) = service(timings());
        let id = service.create(SOURCE, t0).unwrap().id;
        service
            .upload(SOURCE, &id, upsert(&["a", "b"]), t0)
            .unwrap();
        service
            .upload(SOURCE, &id, deactivate(&["b", "zz"]), t0)
            .unwrap();
        assert_eq!(
            service.get(SOURCE, &id, t0).unwrap().status,
            SessionStatus::InProgress
        );
        let started = service.start_import(SOURCE, &id, t0).unwrap();
        assert_eq!(started.status, SessionStatus::Triggered);
        let almost = t0 + MINUTE - Duration::from_millis(1);
        assert_eq!(
            service.get(SOURCE, &id, almost).unwrap().status,
            SessionStatus::Triggered
        );
        assert!(service.users(SOURCE, almost).is_empty());
        let done = service.get(SOURCE, &id, t0 + MINUTE).unwrap();
        assert_eq!(done.status, SessionStatus::Completed);
        assert_eq!(
            done.last_updated,
            in_whole_milliseconds(service.clock.system(t0 + MINUTE))
        );
        let users = service.users(SOURCE, t0 + MINUTE);
        assert_eq!(users.len(), 2, "the unknown id zz is ignored");
        assert!(users["a"].active && !users["b"].active);
    }

    #[test]
    fn one_active_session_at_a_time_then_a_cool_down_after_each_trigger() {
        let (mut service, t0) = service(timings());
        let id = service.create(SOURCE, t0).unwrap().id;
        assert!(cause(service.create(SOURCE, t0).unwrap_err()).contains("active"));
        service.upload(SOURCE, &id, upsert(&["a"]), t0).unwrap();
        service.start_import(SOURCE, &id, t0).unwrap();
        // TRIGGERED is still active; once COMPLETED, the cool-down is what refuses.
        assert!(cause(service.create(SOURCE, t0).unwrap_err()).contains("active"));
        let refused = cause(service.create(SOURCE, t0 + 2 * MINUTE).unwrap_err());
        assert!(refused.contains("try again in 180 seconds"), "{refused}");
        assert!(service.create(SOURCE, t0 + 5 * MINUTE).is_ok());
    }

    #[test]
    fn an_idle_created_session_expires_but_one_with_uploads_does_not() {
        let (mut service, t0) = service(timings());
        let idle = service.create(SOURCE, t0).unwrap().id;
        let later = t0 + 60 * MINUTE;
        assert_eq!(
            service.get(SOURCE, &idle, later).unwrap().status,
            SessionStatus::Expired
        );
        let busy = service.create(SOURCE, later).unwrap().id;
        service
            .upload(SOURCE, &busy, upsert(&["a"]), later)
            .unwrap();
        let status = service
            .get(SOURCE, &busy, later + 120 * MINUTE)
            .unwrap()
            .status;
        assert_eq!(status, SessionStatus::InProgress);
    }

    #[test]
    fn request_and_user_limits_of_a_session_are_enforced() {
        let (mut service, t0) = service(timings());
        let id = service.create(SOURCE, t0).unwrap().id;
        service
            .upload(SOURCE, &id, upsert(&["a", "b", "c"]), t0)
            .unwrap();
        let too_many_users = cause(
            service
                .upload(SOURCE, &id, upsert(&["d", "e", "f"]), t0)
                .unwrap_err(),
        );
        assert!(
            too_many_users.contains("at most 5 users"),
            "{too_many_users}"
        );
        service.upload(SOURCE, &id, upsert(&["d"]), t0).unwrap();
        service.upload(SOURCE, &id, upsert(&["e"]), t0).unwrap();
        let too_many_requests = cause(
            service
                .upload(SOURCE, &id, deactivate(&["x"]), t0)
                .unwrap_err(),
        );
        assert!(
            too_many_requests.contains("at most 3 bulk requests"),
            "{too_many_requests}"
        );
        assert_eq!(service.get(SOURCE, &id, t0).unwrap().users_in_session, 5);
    }

    #[test]
    fn start_import_needs_an_upload_and_happens_once() {
        let (mut service, t0) = service(timings());
        let id = service.create(SOURCE, t0).unwrap().id;
        assert!(cause(service.start_import(SOURCE, &id, t0).unwrap_err()).contains("no data"));
        service.upload(SOURCE, &id, upsert(&["a"]), t0).unwrap();
        service.start_import(SOURCE, &id, t0).unwrap();
        assert!(cause(service.start_import(SOURCE, &id, t0).unwrap_err()).contains("TRIGGERED"));
        let upload = service.upload(SOURCE, &id, upsert(&["b"]), t0).unwrap_err();
        assert!(cause(upload).contains("can accept data"));
    }

    #[test]
    fn only_open_sessions_can_be_cancelled_and_a_failing_import_changes_no_user() {
        let (mut service, t0) = service(timings());
        service.fail_next_imports(1);
        let id = service.create(SOURCE, t0).unwrap().id;
        service.upload(SOURCE, &id, upsert(&["a"]), t0).unwrap();
        service.start_import(SOURCE, &id, t0).unwrap();
        let refused = service.cancel(SOURCE, &id, t0).unwrap_err();
        assert_eq!(
            refused.causes,
            ["Only a session that is in CREATED or IN_PROGRESS status can be canceled."]
        );
        let later = t0 + MINUTE;
        assert_eq!(
            service.get(SOURCE, &id, later).unwrap().status,
            SessionStatus::Error
        );
        assert!(service.users(SOURCE, later).is_empty());
        let next = service.create(SOURCE, later + 5 * MINUTE).unwrap().id;
        service.cancel(SOURCE, &next, later + 5 * MINUTE).unwrap();
        assert_eq!(
            service
                .get(SOURCE, &next, later + 5 * MINUTE)
                .unwrap()
                .status,
            SessionStatus::Closed
        );
    }

    #[test]
    fn unknown_sources_and_sessions_are_not_found() {
        let (mut service, t0) = service(timings());
        let error = service.create("0oa2", t0).unwrap_err();
        assert_eq!((error.status, error.code), (404, "E0000007"));
        assert_eq!(
            error.summary,
            "Not found: Resource not found: 0oa2 (AppInstance)"
        );
        let error = service.get(SOURCE, "aps1", t0).unwrap_err();
        assert_eq!(
            error.summary,
            "Not found: Resource not found: aps1 (IdentitySourceSession)"
        );
    }
}
