//! The entry point: plan (a dry run) or run an import.

use std::borrow::Borrow;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures_util::future::{Either, select};
use okta_identity_source::{CallProgress, IdentitySourceApi};

use crate::cleanup_time::CleanupTime;
use crate::context::{Context, Creates, lock, may_pass};
use crate::error::{Failure, ImportError, InvalidInput, PlanError};
use crate::event::Event;
use crate::options::{Duplicates, OnInvalid, Options};
use crate::payload::{Feed, Held, Payloads};
use crate::plan::Plan;
use crate::preflight::{self, Checked, Streamed};
use crate::record::{Deactivation, InvalidRecord, UserRecord};
use crate::report::Report;
use crate::reread::Reread;
use crate::resend::Resending;
use crate::server_clock::ServerClock;
use crate::session;
use crate::source::Source;
use crate::source_check::check_source;

/// Imports users into one identity source, within Okta's rules.
#[derive(Debug, Clone)]
pub struct Importer {
    api: IdentitySourceApi,
    source: String,
    options: Options,
}

impl Importer {
    /// An importer into the identity source `identity_source_id` (`0oa…`) through `api`.
    pub fn new(
        api: IdentitySourceApi,
        identity_source_id: impl Into<String>,
        options: Options,
    ) -> Self {
        Self {
            api,
            source: identity_source_id.into(),
            options,
        }
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// A dry run: checks every record and returns the plan; sends nothing. See [`plan`].
    pub fn plan<U, D, R>(&self, users: U, deactivations: D) -> Result<Plan, InvalidInput>
    where
        U: IntoIterator<Item = Result<R, InvalidRecord>>,
        D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
        R: Borrow<UserRecord>,
    {
        plan(users, deactivations, &self.options)
    }

    /// Checks the records and runs the plan's sessions one after the other: create,
    /// upload, start, poll until the import ends, the cool-down, the next. `on_event` hears
    /// of each step.
    ///
    /// With [`OnInvalid::Fail`] (the default) or [`Duplicates::LastWins`], every record is
    /// checked before anything is sent: a record at the end can make the whole input
    /// invalid, or take an earlier one out of its upload. An iterator can be read only once,
    /// so the run keeps every valid record, as its upload's body, until it is sent: about
    /// as much memory as the records' JSON. An input that can be read more than once (a
    /// file) goes through [`run_source`](Self::run_source), which holds only the uploads in
    /// flight.
    ///
    /// With [`OnInvalid::Skip`] and [`Duplicates::Fail`] the run streams: no later record
    /// can change an upload already written (a repeated id makes the later record invalid;
    /// `deactivations` are read first, so a user who is also deactivated is known when it
    /// is read). Each upload is sent as soon as it is full, while the next records are
    /// checked, and a session is created when its first upload is written, so an input
    /// with no valid record creates none. The records are placed in the same uploads and
    /// sessions, and found invalid for the same reasons, as when checked first. It holds
    /// the deactivations, the ids seen and the uploads in flight, not the valid records;
    /// [`Event::Planned`] comes at the end, once every session has run, and the report's
    /// invalid records are those read before the run ended. The iterators are held while
    /// the run goes on, so its future is `Send` when they are.
    ///
    /// The users may be given (`users.into_iter().map(Ok)`) or lent (`users.iter().map(Ok)`
    /// over a `Vec<UserRecord>`; over a `Vec<Result<UserRecord, InvalidRecord>>`,
    /// `users.iter().map(|user| user.as_ref().map_err(Clone::clone))`). Given, each record
    /// is freed once it is checked and written, during the check or, when the run streams,
    /// while the uploads are in flight; lent, the records stay the caller's, to free after
    /// the run, and the run's future borrows them (so it can't be spawned as `'static`).
    /// The deactivations are given: they are few, and a streamed run holds them anyway. An
    /// input with no users at all written as `std::iter::empty()` needs its item type:
    /// `std::iter::empty::<Result<UserRecord, InvalidRecord>>()`.
    ///
    /// An import that ends in `ERROR` does not stop the others: the report says which.
    /// Dropping the future cancels this run's session if it was not started yet, from a
    /// task spawned on the current Tokio runtime (the session's id is logged at warn level
    /// first): a runtime that shuts down right after never sends it. To stop on Ctrl-C, use
    /// [`run_until`](Self::run_until) with the signal instead, which cancels before it
    /// returns.
    pub async fn run<U, D, R>(
        &self,
        users: U,
        deactivations: D,
        on_event: impl FnMut(Event) + Send,
    ) -> Result<Report, ImportError>
    where
        U: IntoIterator<Item = Result<R, InvalidRecord>>,
        D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
        R: Borrow<UserRecord>,
    {
        self.run_until(users, deactivations, on_event, std::future::pending())
            .await
    }

    /// [`run`](Self::run), stopping when `stop` completes (Ctrl-C, a shutdown signal): the
    /// untriggered session, if any, is cancelled, and the error's report says what was
    /// done. A stop that completed before the first request (during the check) sends
    /// nothing. A session already started can't be stopped; its import goes on in Okta.
    ///
    /// This is the way to stop on Ctrl-C (`tokio::signal::ctrl_c()`, its result ignored):
    /// a stop while a session is being created looks for the session the create made and
    /// cancels it too.
    pub async fn run_until<U, D, R>(
        &self,
        users: U,
        deactivations: D,
        on_event: impl FnMut(Event) + Send,
        stop: impl Future<Output = ()>,
    ) -> Result<Report, ImportError>
    where
        U: IntoIterator<Item = Result<R, InvalidRecord>>,
        D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
        R: Borrow<UserRecord>,
    {
        let started = Instant::now();
        if self.streams() {
            let feed = Streamed::new(users.into_iter(), deactivations, &self.options);
            return self.execute(started, None, Ok(feed), on_event, stop).await;
        }
        let mut payloads = Payloads::new(&self.options.limits);
        let checked = preflight::check(users, deactivations, &self.options, &mut payloads);
        let sessions = payloads.into_sessions(&checked.places, checked.plan.sessions.len());
        let feed = Ok(Held::new(sessions));
        self.execute(started, Some(checked.plan), feed, on_event, stop)
            .await
    }

    /// Whether a run over iterators sends each upload as soon as it is written: when no
    /// later record can change it.
    fn streams(&self) -> bool {
        self.options.on_invalid == OnInvalid::Skip && self.options.duplicates == Duplicates::Fail
    }

    /// [`run`](Self::run) over an input read twice ([`Source`]): once to check and plan
    /// every record, then again as the uploads go out, each upload's body built when a
    /// request can take it; three times when some ids may repeat (see [`plan_source`]).
    /// It holds a few bits a record (the census of ids, which records are in the plan) and
    /// the uploads in flight, never the whole input, nor every id.
    ///
    /// A record that differs from the read that made the plan (a file changed meanwhile)
    /// stops the import with [`Failure::InputChanged`], and an input that can't be read
    /// again with [`Failure::Read`]; the session under way is cancelled, and those before
    /// stand.
    pub async fn run_source<S: Source>(
        &self,
        source: S,
        on_event: impl FnMut(Event) + Send,
    ) -> Result<Report, ImportError> {
        self.run_source_until(source, on_event, std::future::pending())
            .await
    }

    /// [`run_source`](Self::run_source), stopping when `stop` completes, as
    /// [`run_until`](Self::run_until) does.
    pub async fn run_source_until<S: Source>(
        &self,
        mut source: S,
        on_event: impl FnMut(Event) + Send,
        stop: impl Future<Output = ()>,
    ) -> Result<Report, ImportError> {
        let started = Instant::now();
        let Checked {
            plan,
            places,
            placed,
        } = match check_source(&mut source, &self.options) {
            Ok(checked) => checked,
            Err(failure) => {
                let report = Report {
                    elapsed: started.elapsed(),
                    ..Report::default()
                };
                return Err(ImportError {
                    failure,
                    report: Box::new(report),
                });
            }
        };
        let feed = Reread::new(source, places, placed, &plan);
        self.execute(started, Some(plan), feed, on_event, stop)
            .await
    }

    /// Runs the sessions `feed` gives, of `plan` when it was made first (a streamed feed
    /// gives its plan at the end), of a run that began at `started`.
    async fn execute(
        &self,
        started: Instant,
        plan: Option<Plan>,
        feed: Result<impl Feed, Failure>,
        mut on_event: impl FnMut(Event) + Send,
        stop: impl Future<Output = ()>,
    ) -> Result<Report, ImportError> {
        let ctx = Context::new(
            self.api.clone(),
            self.source.clone(),
            self.options.clone(),
            started,
            &mut on_event,
        );
        if let Some(plan) = plan
            && let Err(failure) = self.planned(&ctx, plan)
        {
            return Err(fail(&ctx, failure));
        }
        let mut feed = match feed {
            Ok(feed) => Resending::new(feed, *self.options.planning_limits()),
            Err(failure) => return Err(fail(&ctx, failure)),
        };
        let guard = CancelOnDrop {
            api: self.api.clone(),
            source: self.source.clone(),
            open: ctx.open_session.clone(),
            creates: ctx.creates.clone(),
            server_clock: ctx.server_clock.clone(),
            time: ctx.cleanup_time(),
        };
        let outcome = self.run_sessions(&ctx, &mut feed, stop).await;
        drop(guard);
        if let Some((plan, complete)) = feed.take_plan() {
            streamed(&ctx, plan, complete && outcome.is_ok());
        }
        match outcome {
            Ok(()) => Ok(ctx.take_report()),
            Err(failure) => Err(fail(&ctx, failure)),
        }
    }

    /// Starts the report with the plan's problems and tells the caller about the plan;
    /// with [`OnInvalid::Fail`], any invalid record stops the import here, before any
    /// word of a plan that will not run.
    fn planned(&self, ctx: &Context<'_>, plan: Plan) -> Result<(), Failure> {
        let (sessions, users, deactivations) =
            (plan.sessions.len(), plan.users, plan.deactivations);
        let invalid = plan.invalid.len();
        {
            let mut report = ctx.report();
            report.invalid = plan.invalid;
            report.warnings = plan.warnings;
        }
        if invalid > 0 && self.options.on_invalid == OnInvalid::Fail {
            return Err(Failure::InvalidRecords { count: invalid });
        }
        ctx.emit(Event::Planned {
            sessions,
            users,
            deactivations,
            invalid,
        });
        Ok(())
    }

    /// The sessions one after the other, until done, failed, stopped or out of time; an
    /// untriggered session is cancelled on the way out.
    async fn run_sessions(
        &self,
        ctx: &Context<'_>,
        feed: &mut Resending<impl Feed>,
        stop: impl Future<Output = ()>,
    ) -> Result<(), Failure> {
        // Boxed, to be dropped before the clean-up: a wait it is in ends (and is recorded)
        // when the run stops, and its uploads in flight no longer count for the rate limit.
        let work = Box::pin(async {
            let mut number = 0;
            while feed.has_session(number)? {
                session::run(ctx, number, feed).await?;
                number += 1;
            }
            Ok(())
        });
        // The deadline the waits are measured against too.
        let deadline = async {
            match ctx.deadline() {
                // Past already (a zero deadline): the timer would still wait for its next
                // tick, and a create be sent meanwhile.
                Some(deadline) if deadline <= Instant::now() => {}
                Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                None => std::future::pending().await,
            }
        };
        let stop = pin!(async {
            match select(pin!(stop), pin!(deadline)).await {
                Either::Left(_) => Failure::Stopped,
                Either::Right(_) => Failure::Deadline(self.options.deadline),
            }
        });
        // The stop first: one that came during the check sends nothing, not even a create.
        let outcome = match select(stop, work).await {
            Either::Left((failure, work)) => {
                drop(work);
                Err(failure)
            }
            Either::Right((outcome, _)) => outcome,
        };
        if outcome.is_err() {
            // The session and the creates stay noted until dealt with: should this future be
            // dropped meanwhile, its `CancelOnDrop` takes over.
            let open = lock(&ctx.open_session).clone();
            if let Some(id) = open {
                let number = ctx.report().sessions.len().saturating_sub(1);
                session::cancel_own(ctx, number, &id).await;
            } else if let Some(since) = ctx.creates.unfound_since() {
                session::cancel_unlearned(ctx, since).await;
            }
            ctx.creates.forget();
        }
        outcome
    }
}

/// Puts the problems a streamed run found in the report, and tells the caller its plan once
/// every record was read and every session ran (`done`).
fn streamed(ctx: &Context<'_>, plan: Plan, done: bool) {
    {
        let mut report = ctx.report();
        report.invalid = plan.invalid;
        report.warnings = plan.warnings;
    }
    if done {
        let invalid = ctx.report().invalid.len();
        ctx.emit(Event::Planned {
            sessions: plan.sessions.len(),
            users: plan.users,
            deactivations: plan.deactivations,
            invalid,
        });
    }
}

fn fail(ctx: &Context<'_>, failure: Failure) -> ImportError {
    ImportError {
        failure,
        report: Box::new(ctx.take_report()),
    }
}

/// A dry run: reads and checks every record and lays out the sessions and uploads, keeping
/// only the external ids seen (about 30 bytes a record), never the profiles. Sends nothing.
///
/// With [`OnInvalid::Fail`] any invalid record makes it an error listing all of them;
/// with [`OnInvalid::Skip`] they are in [`Plan::invalid`]. The users may be given or lent,
/// as to [`Importer::run`].
pub fn plan<U, D, R>(users: U, deactivations: D, options: &Options) -> Result<Plan, InvalidInput>
where
    U: IntoIterator<Item = Result<R, InvalidRecord>>,
    D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    R: Borrow<UserRecord>,
{
    let checked = preflight::check(users, deactivations, options, &mut ());
    let plan = checked.plan;
    if options.on_invalid == OnInvalid::Fail && !plan.invalid.is_empty() {
        return Err(InvalidInput {
            records: plan.invalid,
        });
    }
    Ok(plan)
}

/// A dry run over an input it can read again ([`Source`]), in memory that does not grow with
/// the input: the same plan as [`plan`] gives, keeping neither the records nor their ids.
///
/// The first read checks and plans every record as if no id repeated, and notes each id in
/// a census: exactly while there are at most 114,688, then in a Bloom filter that grows
/// in stages (at most about 5 bytes an id, 2.7 MB at a million). An id the census may
/// have seen before is a candidate: every repeated id is one, and so are the filter's
/// false positives (about 1 % of the ids, under 2 %). With no candidate the plan is done. Otherwise a second read checks
/// everything again keeping the candidates only, which finds every repeat exactly: an
/// input whose ids changed between the two reads is a [`Failure::InputChanged`].
pub fn plan_source<S: Source>(mut source: S, options: &Options) -> Result<Plan, PlanError> {
    let plan = check_source(&mut source, options)?.plan;
    if options.on_invalid == OnInvalid::Fail && !plan.invalid.is_empty() {
        return Err(PlanError::Invalid(InvalidInput {
            records: plan.invalid,
        }));
    }
    Ok(plan)
}

/// Cancels the run's untriggered session when the run's future is dropped before it ends,
/// from a task spawned on the current runtime; the session's id is logged first, since
/// a runtime that shuts down right after never runs that task.
struct CancelOnDrop {
    api: IdentitySourceApi,
    source: String,
    open: Arc<Mutex<Option<String>>>,
    creates: Creates,
    server_clock: Arc<Mutex<ServerClock>>,
    time: CleanupTime,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let open = lock(&self.open).take();
        let creating = self.creates.unfound_since();
        self.creates.forget();
        if open.is_none() && creating.is_none() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(session = ?open, "the import was dropped with no runtime to cancel its session on; it stays open");
            return;
        };
        let (api, source) = (self.api.clone(), self.source.clone());
        match (open, creating) {
            (Some(id), _) => {
                tracing::warn!(session = %id, "the import was dropped; its session is being cancelled by a spawned task");
                runtime.spawn(cancel_dropped(api, source, id, self.time.clone()));
            }
            (None, Some(since)) => {
                tracing::warn!(
                    "the import was dropped while creating a session; a spawned task looks for it to cancel it"
                );
                let clock = *lock(&self.server_clock);
                let look = cancel_lost_create(api, source, since, clock, self.time.clone());
                runtime.spawn(look);
            }
            (None, None) => {}
        }
    }
}

/// Finds the session a create sent at `since` made and cancels it, listing the source's
/// sessions until one it made is listed (the create may be carried out after the run was
/// dropped), within `time`, and the cancel as long again; `clock` is the service's as the
/// run knew it, unless a listing's answer tells it anew.
async fn cancel_lost_create(
    api: IdentitySourceApi,
    source: String,
    since: DateTime<Utc>,
    clock: ServerClock,
    time: CleanupTime,
) {
    let (clock, calls) = (Mutex::new(clock), CallProgress::new());
    let look = |_| async {
        let list = api.list_identity_source_sessions(&source).progress(&calls);
        let listed = list.send().await?;
        let (sessions, meta) = listed.into_parts();
        time.record(&meta);
        let mut known = lock(&clock);
        *known = ServerClock::of(&meta).unwrap_or(*known);
        let made = session::made_by_lost_create(sessions, known.no_later_than(since));
        Ok::<_, okta_identity_source::Error>(made)
    };
    let listed = time
        .bound(&calls, session::until_some(look, may_pass))
        .await;
    let id = match listed {
        Some(Ok(id)) => id,
        Some(Err(error)) => {
            tracing::warn!(%error, "a session created as the import was dropped may stay open");
            return;
        }
        None => {
            tracing::warn!(
                timeout = ?time.timeout(),
                "no session made by the create under way as the import was dropped was listed within the cancel timeout; one may stay open"
            );
            return;
        }
    };
    tracing::warn!(session = %id, "cancelling the session created as the import was dropped");
    cancel_dropped(api, source, id, time).await;
}

/// Cancels session `id` of a dropped run, sending the cancel again while it fails in a way
/// that may pass, within `time`. A cancel refused (400) is read back: an earlier one whose
/// answer was lost may be what closed the session.
async fn cancel_dropped(api: IdentitySourceApi, source: String, id: String, time: CleanupTime) {
    let calls = CallProgress::new();
    let cancel = |_| async {
        let cancel = api.delete_identity_source_session(&source, &id);
        cancel.progress(&calls).await.map(Some)
    };
    let error = match time
        .bound(&calls, session::until_some(cancel, may_pass))
        .await
    {
        Some(Ok(())) => return,
        Some(Err(error)) => error,
        None => {
            tracing::warn!(session = %id, timeout = ?time.timeout(), "the import session could not be cancelled within the cancel timeout; it stays open");
            return;
        }
    };
    let refused = error.status() == Some(okta_identity_source::reqwest::StatusCode::BAD_REQUEST);
    let read = match refused {
        true => api.get_identity_source_session(&source, &id).await.ok(),
        false => None,
    };
    match read {
        Some(session) if !session::takes_uploads(&session.status) => {
            tracing::info!(session = %id, status = %session.status, "the import session is no longer open");
        }
        _ => {
            tracing::warn!(session = %id, %error, "the import session could not be cancelled; it stays open");
        }
    }
}
