//! One session of a run: open it (past the cool-down and any other active session),
//! upload its batches, start the import, and poll until it ends.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use futures_util::FutureExt;
use futures_util::stream::{FuturesUnordered, StreamExt};
use okta_identity_source::models::{IdentitySourceSession, IdentitySourceSessionStatus as Status};
use okta_identity_source::reqwest::StatusCode;
use okta_identity_source::{CallProgress, Error};

use crate::context::{Context, Creating, Pacing, SendError, later, lock};
use crate::error::Failure;
use crate::event::Event;
use crate::options::{ActiveSession, RejectedBatch};
use crate::payload::{Feed, Payload};
use crate::plan::BatchKind;
use crate::report::{PutAsideUpload, RejectedUpload, SessionInfo, SessionReport, WaitReason};
use crate::resend::Resending;
use crate::step::Step;

/// Runs session `number` of the plan, its bodies taken from `feed`; the report's entry
/// for it is kept up to date as it goes, so it stands whatever happens.
pub async fn run(
    ctx: &Context<'_>,
    number: usize,
    feed: &mut Resending<impl Feed>,
) -> Result<(), Failure> {
    let session = open(ctx).await?;
    let id = session.id;
    ctx.report()
        .sessions
        .push(SessionReport::new(id.clone(), session.status));
    ctx.emit(Event::SessionCreated {
        session: number,
        id: id.clone(),
    });
    let accepted = upload(ctx, number, &id, feed).await?;
    if accepted == 0 {
        // Every upload was refused (and the caller chose to go on) or put aside: nothing to
        // start. A session left open would keep the next from being created: the run stops.
        cancel_own(ctx, number, &id).await;
        if ctx.report().left_open.as_ref() == Some(&id) {
            return Err(Failure::NotCancelled { session_id: id });
        }
        return Ok(());
    }
    start(ctx, number, &id).await?;
    let status = poll(ctx, number, &id).await?;
    ctx.emit(Event::SessionFinished {
        session: number,
        id,
        status,
    });
    Ok(())
}

/// Whether a session has ended: in these statuses it will not change any more.
pub fn is_final(status: &Status) -> bool {
    matches!(
        status,
        Status::Completed | Status::Error | Status::Expired | Status::Closed
    )
}

/// The statuses that keep another session from being created.
fn is_active(status: &Status) -> bool {
    matches!(
        status,
        Status::Created | Status::InProgress | Status::Triggered
    )
}

fn set_status(ctx: &Context<'_>, id: &str, status: Status) {
    if let Some(session) = ctx.report().sessions.iter_mut().find(|s| s.id == id) {
        session.status = status;
    }
}

/// Creates a session, after this run's own cool-down; deals with a refusal as the options
/// say.
async fn open(ctx: &Context<'_>) -> Result<IdentitySourceSession, Failure> {
    let last_trigger = *lock(&ctx.last_trigger);
    if let Some(triggered) = last_trigger {
        let until = later(triggered, ctx.options.cool_down);
        if until > Instant::now() {
            ctx.wait(WaitReason::CoolDown, until).await?;
        }
    }
    // When the cool-down first refused a create: the time waited for it counts from there,
    // not from before a wait for another session.
    let mut first_refusal = None;
    let (mut refusals, mut created_again) = (0, false);
    // What the client said of a create whose answer was lost and whose session was not
    // listed: Okta may still be carrying it out (`Creates::unanswered`), and one sent
    // again may be refused for the session it makes (`deal_with_active`).
    let mut lost: Option<Error> = None;
    loop {
        let error = match create(ctx).await {
            Ok(session) => return Ok(session),
            Err(SendError::Call(error)) if error.status() == Some(StatusCode::BAD_REQUEST) => error,
            // A create whose answer was lost that made no session (the connection dropped
            // before it reached Okta) is sent once more; one that did is cancelled as the
            // run stops.
            Err(SendError::Call(error)) if !created_again && error.may_have_been_carried_out() => {
                ctx.emit(Event::CreateUnanswered {
                    error: error.to_string(),
                });
                // Looked for unless it never reached Okta; no longer once none is found.
                if let Some(creating) = ctx.creates.under_way() {
                    if !made_nothing(ctx, creating.since).await {
                        return Err(SendError::Call(error).during(Step::CreatingSession));
                    }
                    ctx.creates.unlisted();
                    lost = Some(error);
                }
                created_again = true;
                ctx.report().retries += 1;
                continue;
            }
            Err(error) => return Err(error.during(Step::CreatingSession)),
        };
        if deal_with_active(ctx, &mut lost).await? {
            // The create refused is sent again: a retry of the importer's.
            ctx.report().retries += 1;
            continue;
        }
        // No other session is active: Okta's cool-down after an earlier start (its words
        // are not published, so any other 400 is taken for it too: said where it is seen).
        if refusals == 0 {
            tracing::warn!(%error, "no other session is active: taken for the cool-down after a start");
            ctx.emit(Event::CreateRefused {
                error: error.to_string(),
            });
        }
        refusals += 1;
        let waited = first_refusal.get_or_insert_with(Instant::now).elapsed();
        let delay = ctx.options.backoff(refusals);
        if waited.saturating_add(delay) > ctx.options.max_cool_down_wait {
            return Err(Failure::CoolDown { waited, error });
        }
        ctx.wait(WaitReason::CoolDown, later(Instant::now(), delay))
            .await?;
        ctx.report().retries += 1;
    }
}

/// Sends a create, remembering meanwhile that one is under way and, once it is made, that
/// the session is this run's to cancel if the run stops. A create that may have been
/// carried out without its answer reaching the run stays remembered: it may have made a
/// session, which the run looks for as it stops.
async fn create(ctx: &Context<'_>) -> Result<IdentitySourceSession, SendError> {
    let creating = Creating {
        since: Utc::now(),
        progress: CallProgress::new(),
    };
    ctx.creates.begin(creating.clone());
    let created = ctx
        .send_with(
            || ctx.api.create_identity_source_session(&ctx.source),
            Pacing::Paced,
            &creating.progress,
        )
        .await;
    let session = match created {
        Ok(session) => session,
        Err(error) => {
            if !creating.may_have_made_one() {
                ctx.creates.made_no_session();
            }
            return Err(error);
        }
    };
    if !is_okta_id(&session.id) {
        // A session was made under an id no request can name: it stays remembered as one
        // whose answer was lost, looked for among the source's and cancelled as the run
        // stops.
        return Err(SendError::Failure(Failure::NotAnOktaId {
            session_id: session.id,
        }));
    }
    ctx.creates.forget();
    *lock(&ctx.open_session) = Some(session.id.clone());
    Ok(session)
}

/// The longest Okta id taken (of an identity source, a session): Okta's have 20 characters.
pub const LONGEST_OKTA_ID: usize = 64;

/// Whether `id` is shaped like Okta's ids: letters and digits, at most [`LONGEST_OKTA_ID`].
/// An id goes into the paths of the API.
pub fn is_okta_id(id: &str) -> bool {
    (1..=LONGEST_OKTA_ID).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Whether a create sent at `since`, whose answer was lost, made no session so far: none
/// of the source's is one it could have made (and they could be listed).
async fn made_nothing(ctx: &Context<'_>, since: DateTime<Utc>) -> bool {
    let listed = listed_made_by(ctx, since, Pacing::Paced, &CallProgress::new()).await;
    matches!(listed, Ok(None))
}

/// The `CREATED` session among `sessions` that a create whose answer never came made, sent
/// at `since` on the service's clock (or up to a second before, as its `Date` tells it): one
/// created that second or later (Okta's times may be whole seconds). One session at most
/// can be `CREATED` at a time.
pub fn made_by_lost_create(
    sessions: Vec<IdentitySourceSession>,
    since: DateTime<Utc>,
) -> Option<String> {
    sessions
        .into_iter()
        .find(|session| may_be_made_by_lost_create(session, since))
        .map(|session| session.id)
}

/// Whether `session` may be the one a create whose answer never came, sent at `since`,
/// made: see [`made_by_lost_create`].
fn may_be_made_by_lost_create(session: &IdentitySourceSession, since: DateTime<Utc>) -> bool {
    let since = DateTime::from_timestamp(since.timestamp(), 0).unwrap_or(since);
    session.status == Status::Created && session.created.is_some_and(|created| created >= since)
}

/// After a stop while a create was under way, or a create whose answer never came: finds
/// the session it made, if any, and cancels it; the report names it either way. A create
/// that reached the service may be carried out after the run stopped waiting for it, so
/// the sessions are listed again, more slowly each time, until one it made is listed or
/// the options' cancel timeout runs out (the cancel has as long again); then the report
/// says when that create was sent ([`Report::lost_create`]).
///
/// [`Report::lost_create`]: crate::Report::lost_create
pub async fn cancel_unlearned(ctx: &Context<'_>, since: DateTime<Utc>) {
    let (time, calls) = (ctx.cleanup_time(), CallProgress::new());
    let id = match time
        .bound(&calls, made_by_create_sent(ctx, since, &calls))
        .await
    {
        Some(Ok(id)) => id,
        Some(Err(error)) => {
            let error = error.during(Step::ListingSessions);
            tracing::warn!(%error, "a session created as the import stopped may stay open");
            ctx.report().lost_create = Some(since);
            return;
        }
        None => {
            tracing::warn!(
                timeout = ?time.timeout(),
                "no session made by the create under way was listed within the cancel timeout; one may stay open"
            );
            ctx.report().lost_create = Some(since);
            return;
        }
    };
    if !is_okta_id(&id) {
        // Listed under an id no request can name (as the create answered it): it is not
        // sent to, only told of.
        tracing::warn!(
            "the session a create made is listed under an id that is not Okta's; it may stay open"
        );
        ctx.report().lost_create = Some(since);
        return;
    }
    ctx.report()
        .sessions
        .push(SessionReport::new(id.clone(), Status::Created));
    let number = ctx.report().sessions.len() - 1;
    // Told as any session this run made, before it is told cancelled.
    ctx.emit(Event::SessionCreated {
        session: number,
        id: id.clone(),
    });
    cancel_own(ctx, number, &id).await;
}

/// The id of the session a create sent at `since` made, listing the source's sessions
/// until one is listed; only a listing that fails otherwise than as an outage does ends it
/// sooner.
async fn made_by_create_sent(
    ctx: &Context<'_>,
    since: DateTime<Utc>,
    calls: &CallProgress,
) -> Result<String, SendError> {
    until_some_counted(ctx, || listed_made_by(ctx, since, Pacing::Now, calls)).await
}

/// [`until_some`] for a cleanup of the run's, through failures that may pass: each
/// call sent again after one counts as a retry in the report.
async fn until_some_counted<T, F>(
    ctx: &Context<'_>,
    mut call: impl FnMut() -> F,
) -> Result<T, SendError>
where
    F: Future<Output = Result<Option<T>, SendError>>,
{
    let call = |after_failure| {
        if after_failure {
            ctx.report().retries += 1;
        }
        call()
    };
    until_some(call, SendError::may_pass).await
}

/// The id of the session a create sent at `since` made, if the source's sessions, listed
/// once as `pacing` says, hold it.
async fn listed_made_by(
    ctx: &Context<'_>,
    since: DateTime<Utc>,
    pacing: Pacing,
    calls: &CallProgress,
) -> Result<Option<String>, SendError> {
    let list = || ctx.api.list_identity_source_sessions(&ctx.source);
    let sessions = ctx.send_with(list, pacing, calls).await?;
    Ok(made_by_lost_create(
        sessions,
        ctx.server_clock().no_later_than(since),
    ))
}

/// Calls `call` until it gives something (a session listed, a cancel done) or fails
/// otherwise than as `may_pass` says, pausing between calls (100 ms, then twice as long
/// each time, up to a second); the caller bounds how long. `call` is told whether it is
/// made again after a failure (a retry) rather than after finding nothing yet.
pub async fn until_some<T, E, F>(
    mut call: impl FnMut(bool) -> F,
    may_pass: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    F: Future<Output = Result<Option<T>, E>>,
{
    let mut pause = Duration::from_millis(100);
    let mut after_failure = false;
    loop {
        after_failure = match call(after_failure).await {
            Ok(Some(found)) => return Ok(found),
            Err(error) if !may_pass(&error) => return Err(error),
            Ok(None) => false,
            Err(_) => true,
        };
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// Looks for other active sessions; reports, waits for or cancels them as the options
/// say. `Ok(true)` when one was found and dealt with, so creating may be tried again.
///
/// The session active may be the one a create whose answer was `lost` made after all:
/// the run then stops with that create's error and cancels it, as when it is listed at
/// once.
async fn deal_with_active(ctx: &Context<'_>, lost: &mut Option<Error>) -> Result<bool, Failure> {
    let sessions = ctx
        .send(|| ctx.api.list_identity_source_sessions(&ctx.source))
        .await
        .map_err(|error| error.during(Step::ListingSessions))?;
    let Some(other) = sessions.into_iter().find(|s| is_active(&s.status)) else {
        return Ok(false);
    };
    // Another client's session, unless a create whose answer was lost made it.
    let lost_create_s = ctx.creates.unanswered().is_some_and(|since| {
        may_be_made_by_lost_create(&other, ctx.server_clock().no_later_than(since))
    });
    if lost_create_s && let Some(error) = lost.take() {
        return Err(SendError::Call(error).during(Step::CreatingSession));
    }
    let info = SessionInfo {
        id: other.id,
        status: other.status,
        created: other.created,
        last_updated: other.last_updated,
    };
    ctx.report().found_active.push(info.clone());
    ctx.emit(Event::ActiveSessionFound {
        session: info.clone(),
    });
    let triggered = info.status == Status::Triggered;
    match ctx.options.active_session {
        ActiveSession::Report => Err(Failure::ActiveSession(info)),
        ActiveSession::WaitIfTriggered if !triggered => Err(Failure::ActiveSession(info)),
        ActiveSession::WaitIfTriggered | ActiveSession::Cancel if triggered => {
            wait_for_other(ctx, &info.id).await?;
            // Okta refused a lost create while that import ran (it takes minutes), as any
            // create: a session made once it ended is not the lost create's. (One cancelled
            // instead ends at once, and a lost create still on its way may follow it.)
            if !lost_create_s {
                ctx.creates.forget();
            }
            Ok(true)
        }
        ActiveSession::WaitIfTriggered | ActiveSession::Cancel => {
            let now = ctx.server_clock().now();
            if updated_within(&info, ctx.options.stale_after, now) {
                let stale_after = ctx.options.stale_after;
                return Err(Failure::SessionInUse {
                    session: info,
                    stale_after,
                });
            }
            cancel_other(ctx, info).await?;
            Ok(true)
        }
    }
}

/// Whether `session` was updated (or, when Okta gives no update time, created) less than
/// `idle` before `now`, on the service's clock; when Okta gives neither time, it may have
/// been, and is taken as in use.
fn updated_within(session: &SessionInfo, idle: std::time::Duration, now: DateTime<Utc>) -> bool {
    let Some(last) = session.last_updated.or(session.created) else {
        return true;
    };
    let idle = chrono::TimeDelta::from_std(idle).unwrap_or(chrono::TimeDelta::MAX);
    now.signed_duration_since(last) < idle
}

async fn cancel_other(ctx: &Context<'_>, info: SessionInfo) -> Result<(), Failure> {
    let mut told = MaybeCancelled {
        ctx,
        id: &info.id,
        progress: CallProgress::new(),
        settled: false,
    };
    let delete = || {
        ctx.api
            .delete_identity_source_session(&ctx.source, &info.id)
    };
    match ctx.send_with(delete, Pacing::Paced, &told.progress).await {
        Ok(()) => {}
        // Refused: it ended or was started meanwhile, and is not cancelled (creating again
        // will tell what to do); unless a DELETE sent before, whose answer was lost (the
        // client's retry, or the run's after a 429), closed it.
        Err(SendError::Call(error)) if error.status() == Some(StatusCode::BAD_REQUEST) => {
            let closed = told.progress.get().may_have_been_carried_out()
                && ctx
                    .send(|| ctx.api.get_identity_source_session(&ctx.source, &info.id))
                    .await
                    .is_ok_and(|session| session.status == Status::Closed);
            if !closed {
                told.settled = true;
                return Ok(());
            }
        }
        Err(error) => return Err(error.during(Step::CancellingAnotherSession)),
    }
    told.settled = true;
    drop(told);
    ctx.report().cancelled_others.push(info.id.clone());
    ctx.emit(Event::OtherSessionCancelled { id: info.id });
    Ok(())
}

/// A cancel of another session that ends without an answer saying whether it was carried
/// out (the run stopped while it was in flight, its answer was lost): the report lists the
/// session among those cancelled when a request of it may have been carried out.
struct MaybeCancelled<'c, 'e> {
    ctx: &'c Context<'e>,
    id: &'c str,
    progress: CallProgress,
    /// Whether its answer said what was done (carried out, or refused), which the caller
    /// reports.
    settled: bool,
}

impl Drop for MaybeCancelled<'_, '_> {
    fn drop(&mut self) {
        if !self.settled && self.progress.get().may_have_been_carried_out() {
            self.ctx.report().cancelled_others.push(self.id.to_owned());
        }
    }
}

/// Polls another session until it is no longer active.
async fn wait_for_other(ctx: &Context<'_>, id: &str) -> Result<(), Failure> {
    let mut tries = 0;
    loop {
        tries += 1;
        let delay = ctx.options.backoff(tries);
        ctx.wait(WaitReason::ActiveSession, later(Instant::now(), delay))
            .await?;
        let session = ctx
            .send(|| ctx.api.get_identity_source_session(&ctx.source, id))
            .await
            .map_err(|error| error.during(Step::ReadingAnotherSession))?;
        if !is_active(&session.status) {
            return Ok(());
        }
    }
}

/// Uploads every batch of session `number` to session `id`, `concurrency` at a time; the
/// number accepted.
async fn upload(
    ctx: &Context<'_>,
    number: usize,
    id: &str,
    feed: &mut Resending<impl Feed>,
) -> Result<u32, Failure> {
    let mut in_flight = FuturesUnordered::new();
    let (mut accepted, mut fed) = (0, false);
    // The last refusal, when the run goes on without the batches refused.
    let mut refused = None;
    let send = |payload| upload_one(ctx, id, payload);
    while let Some((payload, outcome)) =
        next_answer(ctx, (number, &mut fed), feed, &mut in_flight, &send).await?
    {
        match outcome {
            Ok(()) => {
                accepted += 1;
                let total = feed.uploads(number);
                uploaded(ctx, number, id, &payload, accepted, total);
            }
            Err(SendError::Call(error)) if error.status() == Some(StatusCode::BAD_REQUEST) => {
                rejected(ctx, number, id, &payload, &error);
                let session_id = id.to_owned();
                if ctx.options.rejected_batch == RejectedBatch::Cancel {
                    // The uploads still in flight go with the session.
                    drop(in_flight);
                    if let Some(status) = cancel_own(ctx, number, id).await {
                        return Err(Failure::SessionEnded {
                            session_id,
                            status,
                            error,
                        });
                    }
                    return Err(Failure::Rejected { session_id, error });
                }
                refused = Some(error);
            }
            Err(SendError::Call(error))
                if error.may_have_been_carried_out() && feed.may_put_aside(number) =>
            {
                put_aside(ctx, number, id, &payload, &error);
                feed.put_aside(payload);
            }
            Err(error) => {
                if let SendError::Call(error) = &error
                    && error.may_have_been_carried_out()
                {
                    unanswered(ctx, id, &payload);
                }
                return Err(error.during(Step::Uploading));
            }
        }
    }
    // Going on without the batches refused made sense only if the session still takes
    // uploads: read once every upload has its answer, none left waiting meanwhile.
    if let Some(error) = refused
        && let Some(status) = ended(ctx, id).await
    {
        lock(&ctx.open_session).take();
        set_status(ctx, id, status.clone());
        return Err(Failure::SessionEnded {
            session_id: id.to_owned(),
            status,
            error,
        });
    }
    Ok(accepted)
}

/// The next answer to an upload of session `number`. Meanwhile each free slot takes a body
/// from `feed` (until it has no more: `fed`) and sends it at once, before the next is
/// taken, and while every slot is busy `feed` works ahead, looking at the answers in
/// between. `None` once every body was sent and answered.
async fn next_answer<F: Future>(
    ctx: &Context<'_>,
    (number, fed): (usize, &mut bool),
    feed: &mut impl Feed,
    in_flight: &mut FuturesUnordered<F>,
    send: impl Fn(Payload) -> F,
) -> Result<Option<F::Output>, Failure> {
    loop {
        if !*fed && in_flight.len() < ctx.options.concurrency {
            match feed.next_batch(number)? {
                Some(payload) => in_flight.push(send(payload)),
                None => *fed = true,
            }
        } else if in_flight.is_empty() || !feed.work_ahead() {
            return Ok(in_flight.next().await);
        }
        if let Some(Some(answer)) = in_flight.next().now_or_never() {
            return Ok(Some(answer));
        }
        // A turn for the runtime: the stop and the deadline are looked at, and on a runtime
        // of one thread the requests in flight go on.
        tokio::task::yield_now().await;
    }
}

async fn upload_one<'a>(
    ctx: &'a Context<'_>,
    id: &'a str,
    payload: Payload,
) -> (Payload, Result<(), SendError>) {
    let source = &ctx.source;
    let mut on_its_way = OnItsWay {
        ctx,
        id,
        payload: &payload,
        progress: CallProgress::new(),
        answered: false,
    };
    let progress = &on_its_way.progress;
    let outcome = match &payload {
        Payload::Upsert(body, _) => {
            let upload = || {
                ctx.api
                    .upload_identity_source_data_for_upsert(source, id, body.clone())
            };
            ctx.send_with(upload, Pacing::Paced, progress).await
        }
        Payload::Deactivate(body, _) => {
            let upload = || {
                ctx.api
                    .upload_identity_source_data_for_delete(source, id, body.clone())
            };
            ctx.send_with(upload, Pacing::Paced, progress).await
        }
    };
    on_its_way.answered = true;
    drop(on_its_way);
    (payload, outcome)
}

/// An upload on its way: dropped unanswered (the run stopped or failed while it was in
/// flight) after a request of it may have been carried out, it is counted in its session's
/// report as one Okta may have taken.
struct OnItsWay<'c, 'e> {
    ctx: &'c Context<'e>,
    id: &'c str,
    payload: &'c Payload,
    progress: CallProgress,
    answered: bool,
}

impl Drop for OnItsWay<'_, '_> {
    fn drop(&mut self) {
        if !self.answered && self.progress.get().may_have_been_carried_out() {
            unanswered(self.ctx, self.id, self.payload);
        }
    }
}

/// Counts `payload` in session `id`'s report as an upload whose answer never came.
fn unanswered(ctx: &Context<'_>, id: &str, payload: &Payload) {
    if let Some(session) = ctx.report().sessions.iter_mut().find(|s| s.id == id) {
        session.uploads_unanswered += 1;
        session.records_unanswered += u64::from(payload.records());
    }
}

fn uploaded(ctx: &Context<'_>, number: usize, id: &str, payload: &Payload, done: u32, total: u32) {
    let records = payload.records();
    let kind = match payload {
        Payload::Upsert(..) => BatchKind::Upsert,
        Payload::Deactivate(..) => BatchKind::Deactivate,
    };
    {
        let mut report = ctx.report();
        match kind {
            BatchKind::Upsert => report.users_sent += u64::from(records),
            BatchKind::Deactivate => report.users_deactivated += u64::from(records),
        }
        // An upload put aside, taken when sent again: its records are its own.
        if let Some(aside) = report
            .put_aside
            .iter_mut()
            .find(|aside| aside.sent_again_in.is_none() && aside.positions == payload.positions())
        {
            aside.sent_again_in = Some(id.to_owned());
        }
        if let Some(session) = report.sessions.iter_mut().find(|s| s.id == id) {
            session.uploads += 1;
            match kind {
                BatchKind::Upsert => session.users += u64::from(records),
                BatchKind::Deactivate => session.deactivations += u64::from(records),
            }
            session.status = Status::InProgress;
        }
    }
    ctx.emit(Event::BatchUploaded {
        session: number,
        kind,
        records,
        uploaded: done,
        uploads: total,
    });
}

/// Tells of an upload sent again after the planned sessions (see [`Resending`]).
fn put_aside(ctx: &Context<'_>, number: usize, id: &str, payload: &Payload, error: &Error) {
    ctx.report().put_aside.push(PutAsideUpload {
        session_id: id.to_owned(),
        error: error.to_string(),
        positions: payload.positions().to_vec(),
        sent_again_in: None,
    });
    ctx.emit(Event::UploadPutAside {
        session: number,
        records: payload.records(),
        error: error.to_string(),
    });
}

fn rejected(ctx: &Context<'_>, number: usize, id: &str, payload: &Payload, error: &Error) {
    let causes = error
        .error_causes()
        .into_iter()
        .map(str::to_owned)
        .collect();
    ctx.report().rejected.push(RejectedUpload {
        session_id: id.to_owned(),
        error: error.to_string(),
        causes,
        positions: payload.positions().to_vec(),
    });
    ctx.emit(Event::BatchRejected {
        session: number,
        records: payload.records(),
        error: error.to_string(),
    });
}

/// Cancels this run's untriggered session `id`, within the options' cancel timeout. When
/// Okta refuses because the session moved on (a start whose answer was lost, a cancel by
/// another client), its real status is recorded and returned; when the session may still
/// be open, the report says so.
pub async fn cancel_own(ctx: &Context<'_>, number: usize, id: &str) -> Option<Status> {
    let progress = CallProgress::new();
    let outcome = ctx
        .cleanup_time()
        .bound(&progress, cancel_or_read(ctx, id, &progress))
        .await;
    lock(&ctx.open_session).take();
    match outcome.flatten() {
        Some(Cancel::Done) => {
            set_status(ctx, id, Status::Closed);
            ctx.emit(Event::SessionCancelled {
                session: number,
                id: id.to_owned(),
            });
            None
        }
        Some(Cancel::Ended(status)) => {
            set_status(ctx, id, status.clone());
            Some(status)
        }
        // Not open, then; what it became is not known.
        Some(Cancel::Refused) => None,
        None => {
            ctx.report().left_open = Some(id.to_owned());
            None
        }
    }
}

/// How a cancel of this run's session went.
enum Cancel {
    /// This run cancelled it.
    Done,
    /// It had ended before (its status then), so Okta refused the cancel.
    Ended(Status),
    /// Okta refused the cancel, as it does once a session is neither `CREATED` nor
    /// `IN_PROGRESS`, and its status could not be read.
    Refused,
}

/// The status of session `id` when it no longer takes uploads (another client cancelled or
/// started it, or it expired); `None` while it does, or when it could not be read.
async fn ended(ctx: &Context<'_>, id: &str) -> Option<Status> {
    match read_back(ctx, id).await {
        ReadBack::Ended(status) => Some(status),
        ReadBack::Open | ReadBack::Unread => None,
    }
}

/// What reading session `id` back says.
enum ReadBack {
    /// It no longer takes uploads (another client cancelled or started it, or it expired).
    Ended(Status),
    /// It still takes uploads.
    Open,
    /// It could not be read.
    Unread,
}

/// Reads session `id` back at once, rate limit or not: it decides a cancel, or what to make
/// of a refused upload.
async fn read_back(ctx: &Context<'_>, id: &str) -> ReadBack {
    let read = ctx
        .send_now(|| ctx.api.get_identity_source_session(&ctx.source, id))
        .await;
    match read {
        Ok(session) if takes_uploads(&session.status) => ReadBack::Open,
        Ok(session) => ReadBack::Ended(session.status),
        Err(_) => ReadBack::Unread,
    }
}

/// Whether a session in `status` takes uploads (and may be cancelled).
pub fn takes_uploads(status: &Status) -> bool {
    matches!(status, Status::Created | Status::InProgress)
}

/// Deletes session `id`, sending the delete again while it fails in a way that may pass
/// (the caller bounds how long), its calls telling `progress`; `None` when the session may
/// still take uploads.
async fn cancel_or_read(ctx: &Context<'_>, id: &str, progress: &CallProgress) -> Option<Cancel> {
    let delete = || async {
        let delete = || ctx.api.delete_identity_source_session(&ctx.source, id);
        ctx.send_with(delete, Pacing::Now, progress).await.map(Some)
    };
    match until_some_counted(ctx, delete).await {
        Ok(()) => Some(Cancel::Done),
        Err(SendError::Call(error)) if error.status() == Some(StatusCode::BAD_REQUEST) => {
            // Okta refuses to cancel a session that is neither `CREATED` nor `IN_PROGRESS`:
            // read back, one still open was refused for another reason.
            let status = match read_back(ctx, id).await {
                ReadBack::Ended(status) => status,
                ReadBack::Open => return None,
                ReadBack::Unread => return Some(Cancel::Refused),
            };
            // The client sends a DELETE again when its answer was lost: the earlier one
            // may be what closed the session (not one refused with a 429 or a 503).
            let ours = status == Status::Closed && progress.get().may_have_been_carried_out();
            Some(if ours {
                Cancel::Done
            } else {
                Cancel::Ended(status)
            })
        }
        Err(_) => None,
    }
}

/// Starts the import of session `id`. A start whose answer did not come may have been
/// carried out: the session says whether it was, and it is sent again only if it was not.
async fn start(ctx: &Context<'_>, number: usize, id: &str) -> Result<(), Failure> {
    let send = || ctx.send(|| ctx.api.start_import_from_identity_source(&ctx.source, id));
    let session = match send().await {
        Ok(session) => session,
        Err(SendError::Call(error)) if error.may_have_been_carried_out() => {
            start_again_unless_started(ctx, id, error).await?
        }
        Err(error) => return Err(error.during(Step::StartingImport)),
    };
    *lock(&ctx.last_trigger) = Some(Instant::now());
    lock(&ctx.open_session).take();
    set_status(ctx, id, session.status);
    ctx.emit(Event::ImportStarted {
        session: number,
        id: id.to_owned(),
    });
    Ok(())
}

/// After a start whose answer was lost (`error`): the session as read when it was started,
/// else as the start sent again answers. A start carried out after the read makes Okta
/// refuse the second (400), and a second read tells.
async fn start_again_unless_started(
    ctx: &Context<'_>,
    id: &str,
    error: Error,
) -> Result<IdentitySourceSession, Failure> {
    let read = || ctx.send(|| ctx.api.get_identity_source_session(&ctx.source, id));
    let session = match read().await {
        Ok(session) => session,
        Err(_) => return Err(SendError::Call(error).during(Step::StartingImport)),
    };
    if was_started(&session.status) {
        return Ok(session);
    }
    if !takes_uploads(&session.status) {
        return Err(Failure::SessionEnded {
            session_id: id.to_owned(),
            status: session.status,
            error,
        });
    }
    ctx.report().retries += 1;
    let again = ctx
        .send(|| ctx.api.start_import_from_identity_source(&ctx.source, id))
        .await;
    match again {
        Ok(session) => Ok(session),
        Err(SendError::Call(refused)) if refused.status() == Some(StatusCode::BAD_REQUEST) => {
            match read().await {
                Ok(session) if was_started(&session.status) => Ok(session),
                _ => Err(SendError::Call(refused).during(Step::StartingImport)),
            }
        }
        Err(again) => Err(again.during(Step::StartingImport)),
    }
}

/// Whether a session in `status` was started: its import queued, running or over.
fn was_started(status: &Status) -> bool {
    matches!(
        status,
        Status::Triggered | Status::Completed | Status::Error
    )
}

/// How many reads of a session in a row may fail with a server error while it is polled.
const FAILED_READS: u32 = 3;

/// Reads the session, backing off, until it ends; its final status. A read that fails
/// with a server error (a 500 or 502 the client does not retry) is tried again, up to
/// [`FAILED_READS`] times in a row: the import goes on in Okta meanwhile.
async fn poll(ctx: &Context<'_>, number: usize, id: &str) -> Result<Status, Failure> {
    let (mut tries, mut failed) = (0, 0);
    loop {
        tries += 1;
        let delay = ctx.options.backoff(tries);
        // A timer rounds up to the next millisecond: no interval, no timer.
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let read = ctx
            .send(|| ctx.api.get_identity_source_session(&ctx.source, id))
            .await;
        let session = match read {
            Ok(session) => session,
            Err(SendError::Call(error))
                if failed < FAILED_READS
                    && error
                        .status()
                        .is_some_and(|status| status.is_server_error()) =>
            {
                failed += 1;
                continue;
            }
            Err(error) => return Err(error.during(Step::ReadingSession)),
        };
        failed = 0;
        set_status(ctx, id, session.status.clone());
        ctx.emit(Event::StatusPolled {
            session: number,
            status: session.status.clone(),
        });
        if is_final(&session.status) {
            return Ok(session.status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created_at(id: &str, status: Status, seconds: i64, millis: u32) -> IdentitySourceSession {
        IdentitySourceSession {
            created: DateTime::from_timestamp(seconds, millis * 1_000_000),
            id: id.into(),
            identity_source_id: None,
            import_type: None,
            last_updated: None,
            status,
        }
    }

    #[test]
    fn a_lost_create_made_the_created_session_of_its_second_or_later_only() {
        let since = DateTime::from_timestamp(1_800_000_010, 700_000_000).unwrap_or_default();
        let made = |sessions| made_by_lost_create(sessions, since);
        // Okta's times may be whole seconds: one made at .7 s may say .0 s.
        let same_second = created_at("aps1", Status::Created, 1_800_000_010, 0);
        assert_eq!(made(vec![same_second.clone()]).as_deref(), Some("aps1"));
        let later = created_at("aps2", Status::Created, 1_800_000_011, 250);
        assert_eq!(made(vec![later]).as_deref(), Some("aps2"));
        // Another run's, made before: never this run's.
        for before in [1_800_000_009, 1_800_000_007] {
            let earlier = created_at("aps3", Status::Created, before, 999);
            assert_eq!(made(vec![earlier]), None, "{before}");
        }
        // Only a CREATED one.
        let started = created_at("aps4", Status::Triggered, 1_800_000_011, 0);
        assert_eq!(made(vec![started]), None);
    }

    #[test]
    fn a_session_is_in_use_unless_its_times_show_it_idle() {
        let now = DateTime::from_timestamp(1_800_000_600, 0).unwrap_or_default();
        let idle = std::time::Duration::from_secs(300);
        let info = |last: Option<i64>| SessionInfo {
            id: "aps1".into(),
            status: Status::Created,
            created: None,
            last_updated: last.and_then(|at| DateTime::from_timestamp(at, 0)),
        };
        assert!(updated_within(&info(Some(1_800_000_400)), idle, now));
        assert!(!updated_within(&info(Some(1_800_000_200)), idle, now));
        // Okta said nothing of when: it may be in use.
        assert!(updated_within(&info(None), idle, now));
        let failure = Failure::SessionInUse {
            session: info(None),
            stale_after: idle,
        };
        assert!(
            failure
                .to_string()
                .contains("active and Okta did not say when it was last updated, so"),
            "{failure}"
        );
    }
}
