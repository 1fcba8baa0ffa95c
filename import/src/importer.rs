//! The entry point: plan (a dry run) or run an import.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};

use futures_util::future::{Either, select};
use okta_identity_source::IdentitySourceApi;

use crate::context::{Context, lock};
use crate::error::{Failure, ImportError, InvalidInput};
use crate::event::Event;
use crate::options::{OnInvalid, Options};
use crate::payload::{Payload, Payloads};
use crate::plan::Plan;
use crate::preflight;
use crate::record::{Deactivation, InvalidRecord, UserRecord};
use crate::report::Report;
use crate::session;

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
    pub fn plan<U, D>(&self, users: U, deactivations: D) -> Result<Plan, InvalidInput>
    where
        U: IntoIterator<Item = Result<UserRecord, InvalidRecord>>,
        D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    {
        plan(users, deactivations, &self.options)
    }

    /// Checks every record, then runs the plan's sessions one after the other: create,
    /// upload, start, poll until the import ends, the cool-down, the next. `on_event` hears
    /// of each step.
    ///
    /// With [`OnInvalid::Fail`] nothing is sent when any record is invalid. An import that
    /// ends in `ERROR` does not stop the others: the report says which. Dropping the
    /// future cancels this run's session if it was not started yet (the cancellation is
    /// sent from a task spawned on the current Tokio runtime).
    pub async fn run<U, D>(
        &self,
        users: U,
        deactivations: D,
        on_event: impl FnMut(Event) + Send,
    ) -> Result<Report, ImportError>
    where
        U: IntoIterator<Item = Result<UserRecord, InvalidRecord>>,
        D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    {
        self.run_until(users, deactivations, on_event, std::future::pending())
            .await
    }

    /// [`run`](Self::run), stopping when `stop` completes (Ctrl-C, a shutdown signal): the
    /// untriggered session, if any, is cancelled, and the error's report says what was
    /// done. A session already started can't be stopped; its import goes on in Okta.
    pub async fn run_until<U, D>(
        &self,
        users: U,
        deactivations: D,
        mut on_event: impl FnMut(Event) + Send,
        stop: impl Future<Output = ()>,
    ) -> Result<Report, ImportError>
    where
        U: IntoIterator<Item = Result<UserRecord, InvalidRecord>>,
        D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    {
        let (plan, sessions) = self.prepare(users, deactivations);
        let ctx = Context::new(
            self.api.clone(),
            self.source.clone(),
            self.options.clone(),
            &mut on_event,
        );
        if let Err(failure) = self.planned(&ctx, plan) {
            return Err(fail(&ctx, failure));
        }
        let guard = CancelOnDrop {
            api: self.api.clone(),
            source: self.source.clone(),
            open: ctx.open_session.clone(),
        };
        let outcome = self.run_sessions(&ctx, sessions, stop).await;
        drop(guard);
        match outcome {
            Ok(()) => Ok(ctx.take_report()),
            Err(failure) => Err(fail(&ctx, failure)),
        }
    }

    /// Checks and plans every record, keeping the upload bodies of each session.
    fn prepare<U, D>(&self, users: U, deactivations: D) -> (Plan, Vec<Vec<Payload>>)
    where
        U: IntoIterator<Item = Result<UserRecord, InvalidRecord>>,
        D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    {
        let mut payloads = Payloads::default();
        let checked = preflight::check(users, deactivations, &self.options, &mut payloads);
        let sessions = payloads.into_sessions(&checked.places, checked.plan.sessions.len());
        (checked.plan, sessions)
    }

    /// Tells the caller about the plan and starts the report with its problems; with
    /// [`OnInvalid::Fail`], any invalid record stops the import here.
    fn planned(&self, ctx: &Context<'_>, plan: Plan) -> Result<(), Failure> {
        ctx.emit(Event::Planned {
            sessions: plan.sessions.len(),
            users: plan.users,
            deactivations: plan.deactivations,
            invalid: plan.invalid.len(),
        });
        let invalid = plan.invalid.len();
        let mut report = ctx.report();
        report.invalid = plan.invalid;
        report.warnings = plan.warnings;
        if invalid > 0 && self.options.on_invalid == OnInvalid::Fail {
            return Err(Failure::InvalidRecords { count: invalid });
        }
        Ok(())
    }

    /// The sessions one after the other, until done, failed, stopped or out of time; an
    /// untriggered session is cancelled on the way out.
    async fn run_sessions(
        &self,
        ctx: &Context<'_>,
        sessions: Vec<Vec<Payload>>,
        stop: impl Future<Output = ()>,
    ) -> Result<(), Failure> {
        let work = pin!(async {
            for (number, payloads) in sessions.into_iter().enumerate() {
                session::run(ctx, number, payloads).await?;
            }
            Ok(())
        });
        let deadline = tokio::time::sleep(self.options.deadline);
        let stop = pin!(async {
            match select(pin!(stop), pin!(deadline)).await {
                Either::Left(_) => Failure::Stopped,
                Either::Right(_) => Failure::Deadline(self.options.deadline),
            }
        });
        let outcome = match select(work, stop).await {
            Either::Left((outcome, _)) => outcome,
            Either::Right((failure, _)) => Err(failure),
        };
        if outcome.is_err() {
            let open = lock(&ctx.open_session).clone();
            if let Some(id) = open {
                let number = ctx.report().sessions.len().saturating_sub(1);
                session::cancel_own(ctx, number, &id).await;
            }
        }
        outcome
    }
}

fn fail(ctx: &Context<'_>, failure: Failure) -> ImportError {
    ImportError {
        failure,
        report: Box::new(ctx.take_report()),
    }
}

/// A dry run: reads and checks every record and lays out the sessions and uploads, keeping
/// only the external ids seen (about 70 bytes a record), never the profiles. Sends nothing.
///
/// With [`OnInvalid::Fail`] any invalid record makes it an error listing all of them;
/// with [`OnInvalid::Skip`] they are in [`Plan::invalid`].
pub fn plan<U, D>(users: U, deactivations: D, options: &Options) -> Result<Plan, InvalidInput>
where
    U: IntoIterator<Item = Result<UserRecord, InvalidRecord>>,
    D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
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

/// Cancels the run's untriggered session when the run's future is dropped before it ends.
struct CancelOnDrop {
    api: IdentitySourceApi,
    source: String,
    open: Arc<Mutex<Option<String>>>,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let Some(id) = lock(&self.open).take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(session = %id, "no runtime to cancel the import session on; it stays open");
            return;
        };
        let (api, source) = (self.api.clone(), self.source.clone());
        runtime.spawn(async move {
            if let Err(error) = api.delete_identity_source_session(&source, &id).await {
                tracing::warn!(session = %id, %error, "the import session could not be cancelled; it stays open");
            }
        });
    }
}
