//! Why a command failed, and the exit code that says so: 1 when something was invalid or the
//! service refused, 2 for a usage, configuration or input-file error (nothing was sent), 3
//! when another import session was open (nothing was sent), 130, 143 or 129 (128 + the
//! signal's number) when Ctrl-C, SIGTERM or SIGHUP stopped an import: where it can, the
//! process then ends by the signal itself, which a shell reports so.

use std::process::ExitCode;

use okta_identity_source_import::Failure as Stop;

use crate::config::ConfigError;
use crate::input::InputError;
use crate::output::report_file::Unwritten;
use crate::output::summary::count;
use crate::stop_signal::Signal;

/// A command that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The flags or the environment can't be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An input file can't be read at all.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The service refused or failed a `sessions` subcommand: what it was doing, and why.
    #[error("{step}: {error}{hint}", hint = access_hint(.error, false))]
    Sessions {
        /// What was being done (`cancelling session aps…`).
        step: String,
        /// The client's error.
        error: okta_identity_source::Error,
    },
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    /// An import's summary could not be written to standard output; `import` says how the
    /// import itself ended.
    #[error("cannot write the summary to standard output: {error}; the import itself {import}")]
    Summary {
        /// What failed.
        error: std::io::Error,
        /// How the import ended (`completed: every user was imported`).
        import: String,
    },
    /// The report file could not be written; `import` says how the import itself ended, when
    /// one ran.
    #[error("{unwritten}{}", .import.as_ref().map(|how| format!("; the import itself {how}")).unwrap_or_default())]
    Report {
        /// The report's path and what failed.
        unwritten: Unwritten,
        /// How the import ended (`completed: every user was imported`).
        import: Option<String>,
    },
    /// The import did not import everything; what happened has been printed.
    #[error("{0}")]
    Import(String),
    /// Another import session of the identity source is open (another run's, or one an
    /// earlier run left), so the import did not start: nothing was sent, and a later run
    /// may succeed as it is.
    #[error("{0}")]
    Blocked(String),
    /// The import ran to its end but left records out, or Okta refused some or ended a
    /// session otherwise than completed: what was not imported
    /// ([`summary::not_imported`](crate::output::summary::not_imported)).
    #[error("not everything was imported: {0}")]
    Incomplete(String),
    /// A signal stopped the import; `told` says what it left behind.
    #[error("{told}")]
    Interrupted {
        /// The signal.
        signal: Signal,
        /// What was done and what was left open.
        told: String,
    },
}

impl Failure {
    /// An import that the engine stopped (other than by a signal), with what to do about it
    /// and what it `left_behind` (a session whose import goes on in Okta, one it could not
    /// cancel); `sent_nothing` when no session of its own was made.
    pub fn stopped(stop: &Stop, left_behind: &[String], sent_nothing: bool) -> Self {
        let told = match stop {
            Stop::InvalidRecords { count: n } => {
                format!("{}; nothing was sent", count(*n as u64, "invalid record"))
            }
            // It may be another run's, under way: the advice must not break that run.
            Stop::ActiveSession(session) => format!(
                "{stop}; if no other run is using it, cancel it with `okta-import sessions \
                 cancel {}`, or pass --cancel-stale-session",
                session.id
            ),
            Stop::SessionInUse { session, .. } => format!(
                "{stop}; if no other run is using it, cancel it with `okta-import sessions \
                 cancel {}`, or pass a shorter --stale-after",
                session.id
            ),
            Stop::Call { error, .. } => {
                format!("{stop}{}", access_hint(error, session_gone(stop)))
            }
            _ => stop.to_string(),
        };
        let left: String = left_behind.iter().map(|what| format!("; {what}")).collect();
        let told = format!("the import stopped: {told}{left}");
        // Before its first session only: a later one's create finding another run's
        // session comes after sessions of its own were sent.
        match stop {
            Stop::ActiveSession(_) | Stop::SessionInUse { .. } if sent_nothing => {
                Failure::Blocked(told)
            }
            _ => Failure::Import(told),
        }
    }

    /// A dry run's report that could not be written.
    pub fn report(unwritten: Unwritten) -> Self {
        Failure::Report {
            unwritten,
            import: None,
        }
    }

    /// The process exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Config(_) | Failure::Input(_) => ExitCode::from(2),
            Failure::Sessions { .. }
            | Failure::Output(_)
            | Failure::Summary { .. }
            | Failure::Report { .. }
            | Failure::Import(_)
            | Failure::Incomplete(_) => ExitCode::from(1),
            Failure::Blocked(_) => ExitCode::from(3),
            Failure::Interrupted { signal, .. } => ExitCode::from(signal.exit_code()),
        }
    }
}

/// Whether the import stopped because Okta no longer finds the session it made: a 404 to
/// a request on that session (not on another run's, nor to a create or a listing).
pub fn session_gone(stop: &Stop) -> bool {
    matches!(stop, Stop::Call { step, error }
        if error.status().map(|status| status.as_u16()) == Some(404) && step.is_on_own_session())
}

/// What to check when Okta refuses the credentials (401) or their rights (403), knows
/// no resource of the id (404: the identity source, or a session given by id, or the
/// session the import made, `gone`), or the URL answers with a redirect (3xx).
fn access_hint(error: &okta_identity_source::Error, gone: bool) -> &'static str {
    match error.status().map(|status| status.as_u16()) {
        // The source and the org URL served the create.
        Some(404) if gone => {
            "; Okta no longer finds the session this import created: another client may have \
             deleted it"
        }
        Some(401) => {
            "; check the API token in OKTA_API_TOKEN, or the service app's --client-id, \
             --private-key and --key-id"
        }
        Some(403) => {
            "; the API token's admin, or the service app, needs the right to manage the identity \
             source (scope okta.identitySources.manage)"
        }
        Some(404) => {
            "; check the identity source's id (--source or OKTA_IDENTITY_SOURCE_ID, 0oa…) and \
             the org URL, and a session's id if one was given"
        }
        // Redirects are not followed: credentials would go wherever they point.
        Some(300..=399) => {
            "; the org URL (--org or OKTA_ORG_URL) answers with a redirect, which is not \
             followed: give the org's own URL (https://dev-123456.okta.com), which answers \
             the API itself"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use okta_identity_source::models::IdentitySourceSessionStatus;
    use okta_identity_source_import::SessionInfo;

    use super::*;

    /// Another run's session met before any session of this run was made is exit code 3
    /// (nothing sent, try again later); met by a later session's create, after sessions of
    /// this run were sent, it is 1 like any other stop.
    #[test]
    fn another_session_open_is_exit_code_3_only_when_nothing_was_sent() {
        let stop = Stop::ActiveSession(SessionInfo {
            id: "aps1".into(),
            status: IdentitySourceSessionStatus::InProgress,
            created: None,
            last_updated: None,
        });
        let code = |sent_nothing| {
            format!(
                "{:?}",
                Failure::stopped(&stop, &[], sent_nothing).exit_code()
            )
        };
        assert_eq!(code(true), format!("{:?}", ExitCode::from(3)));
        assert_eq!(code(false), format!("{:?}", ExitCode::from(1)));
    }
}
