//! How an import ended, as its report file tells it: a top-level `outcome` (`completed`,
//! `incomplete`, `failed` or `stopped`) with the error or the signal, and how many planned
//! records were never sent, beside the engine's report. A dry run's report says how its
//! plan came out the same way, beside the plan.

use chrono::{DateTime, SecondsFormat, Utc};
use okta_identity_source_import::Report;
use serde::{Serialize, Serializer};

use crate::failure::Failure;

/// The users and deactivations an import planned, from its plan (when the engine told it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Planned {
    /// Users to create or update.
    pub users: u64,
    /// Users to deactivate.
    pub deactivations: u64,
}

/// The records of the plan that were never uploaded.
#[derive(Debug, Serialize)]
struct NotSent {
    users: u64,
    deactivations: u64,
}

/// What an import's report says of the run it comes from, for whoever reads it later: the
/// tool, where it imported to, from which files, and when (no credential).
#[derive(Debug, Clone, Serialize)]
pub struct RunContext {
    /// `okta-import` and its version.
    tool: &'static str,
    /// The org's URL.
    org_url: String,
    /// The identity source's id.
    identity_source: String,
    /// The users file (as given).
    users_file: String,
    /// The deactivations file, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    deactivations_file: Option<String>,
    /// When the command started, in UTC.
    #[serde(serialize_with = "to_the_millisecond")]
    started_at: DateTime<Utc>,
}

impl RunContext {
    /// A run starting now, importing `users_file` (and `deactivations_file`) into the
    /// identity source `source` of the org at `org_url`.
    pub fn starting(
        org_url: String,
        source: String,
        users_file: String,
        deactivations_file: Option<String>,
    ) -> Self {
        Self {
            tool: concat!("okta-import ", env!("CARGO_PKG_VERSION")),
            org_url,
            identity_source: source,
            users_file,
            deactivations_file,
            started_at: Utc::now(),
        }
    }
}

/// A time as RFC 3339, to the millisecond, in UTC (`2026-11-28T02:30:00.123Z`).
fn to_the_millisecond<S: Serializer>(time: &DateTime<Utc>, to: S) -> Result<S::Ok, S::Error> {
    to.serialize_str(&time.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// An import's report as written to `--report FILE`: the run it comes from, how it ended,
/// then the engine's report.
#[derive(Debug, Serialize)]
pub struct EndedReport<'a> {
    /// The run, and when it ended.
    run: &'a RunContext,
    #[serde(serialize_with = "to_the_millisecond")]
    finished_at: DateTime<Utc>,
    /// `completed` (everything imported), `incomplete` (it ran to its end but left records
    /// out, or Okta refused some or ended a session otherwise than `COMPLETED`), `failed` or
    /// `stopped`.
    outcome: &'static str,
    /// What failed, when the import failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The signal that stopped it (`SIGINT`, `SIGTERM`, `SIGHUP`), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    signal: Option<&'static str>,
    /// The planned records Okta did not take (never uploaded, or refused), when the plan
    /// is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_sent: Option<NotSent>,
    #[serde(flatten)]
    report: &'a Report,
}

impl<'a> EndedReport<'a> {
    /// The report of the import `run` that came to `result` now, having planned `planned`.
    pub fn new(
        run: &'a RunContext,
        report: &'a Report,
        result: &Result<(), Failure>,
        planned: Option<Planned>,
    ) -> Self {
        let (outcome, error, signal) = match result {
            Ok(()) => ("completed", None, None),
            Err(Failure::Incomplete(_)) => ("incomplete", None, None),
            Err(Failure::Interrupted { signal, .. }) => ("stopped", None, Some(signal.name())),
            Err(failure) => ("failed", Some(failure.to_string()), None),
        };
        let not_sent = planned.map(|planned| NotSent {
            users: planned.users.saturating_sub(report.users_sent),
            deactivations: planned
                .deactivations
                .saturating_sub(report.users_deactivated),
        });
        Self {
            run,
            finished_at: Utc::now(),
            outcome,
            error,
            signal,
            not_sent,
            report,
        }
    }
}

/// A dry run's report as written to `--report FILE`: `"dry_run": true`, how the plan came
/// out, then the plan (or the invalid records that left no plan).
#[derive(Debug, Serialize)]
pub struct DryRunReport<'a, T> {
    dry_run: bool,
    /// `planned` (every record would be sent), `incomplete` (invalid records would be left
    /// out) or `failed` (with the error: invalid records, and nothing would be sent).
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(flatten)]
    plan: &'a T,
}

impl<'a, T: Serialize> DryRunReport<'a, T> {
    /// The report of a dry run: its plan (or the invalid records), how it came out and the
    /// error that says why it failed.
    pub fn new(plan: &'a T, outcome: &'static str, error: Option<&'a str>) -> Self {
        Self {
            dry_run: true,
            outcome,
            error,
            plan,
        }
    }
}
