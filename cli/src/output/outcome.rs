//! How an import ended, as its report file tells it: a top-level `outcome` (`completed`,
//! `incomplete`, `failed` or `stopped`) with the error or the signal, and how many planned
//! records were never sent, beside the engine's report. A dry run's report says how its
//! plan came out the same way, beside the plan.

use okta_identity_source_import::Report;
use serde::Serialize;

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

/// An import's report as written to `--report FILE`: how it ended, then the engine's report.
#[derive(Debug, Serialize)]
pub struct EndedReport<'a> {
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
    /// The report of an import that came to `result`, having planned `planned`.
    pub fn new(report: &'a Report, result: &Result<(), Failure>, planned: Option<Planned>) -> Self {
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
