//! `okta-import sessions list | get ID | cancel ID`.

use std::io::Write;

use chrono::{DateTime, Utc};
use okta_identity_source::models::{IdentitySourceSession, IdentitySourceSessionStatus};
use okta_identity_source::reqwest::StatusCode;

use crate::args::SessionsCommand;
use crate::failure::Failure;
use crate::output::terminal;

/// Runs a sessions subcommand, printing to `out`.
pub async fn run(
    command: &SessionsCommand,
    quiet: bool,
    read_env: impl Fn(&str) -> Result<String, std::env::VarError>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    match command {
        SessionsCommand::List { connection } => {
            let target = connection.target(read_env, quiet)?;
            let sessions = target
                .api
                .list_identity_source_sessions(&target.source)
                .await
                .map_err(|error| failed("listing the sessions".into(), error))?;
            let written = match sessions.is_empty() {
                true => writeln!(out, "No import sessions."),
                false => write_table(out, &sessions),
            };
            terminal::unless_closed(written)?;
        }
        SessionsCommand::Get { id, connection } => {
            let target = connection.target(read_env, quiet)?;
            let session = target
                .api
                .get_identity_source_session(&target.source, id)
                .await
                .map_err(|error| failed(format!("reading session {id}"), error))?;
            terminal::unless_closed(write_table(out, std::slice::from_ref(&session)))?;
        }
        SessionsCommand::Cancel { id, connection } => {
            let target = connection.target(read_env, quiet)?;
            let api = &target.api;
            let deleted = api.delete_identity_source_session(&target.source, id).await;
            if let Err(error) = deleted {
                // Okta refuses the cancel of a session that no longer takes uploads.
                let refused = error.status() == Some(StatusCode::BAD_REQUEST);
                // The client sends a DELETE again when its answer was lost: the earlier one
                // may be what closed the session, and then it is cancelled as asked.
                let closed = refused
                    && error.retries().total > 0
                    && api
                        .get_identity_source_session(&target.source, id)
                        .await
                        .is_ok_and(|session| session.status == IdentitySourceSessionStatus::Closed);
                if !closed {
                    let step = match refused {
                        true => format!(
                            "cancelling session {id} (only a CREATED or IN_PROGRESS one can be; \
                             okta-import sessions get {id} shows its status)"
                        ),
                        false => format!("cancelling session {id}"),
                    };
                    return Err(failed(step, error));
                }
            }
            terminal::unless_closed(writeln!(out, "Cancelled import session {id}."))?;
        }
    }
    Ok(())
}

/// A `sessions` subcommand that failed at `step`.
fn failed(step: String, error: okta_identity_source::Error) -> Failure {
    Failure::Sessions { step, error }
}

/// Sessions as an aligned table: id, status, created, last updated.
fn write_table(out: &mut impl Write, sessions: &[IdentitySourceSession]) -> std::io::Result<()> {
    let time = |t: &Option<DateTime<Utc>>| {
        t.map_or_else(
            || "-".to_string(),
            |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
    };
    let rows: Vec<[String; 4]> = sessions
        .iter()
        .map(|s| {
            [
                s.id.clone(),
                s.status.to_string(),
                time(&s.created),
                time(&s.last_updated),
            ]
        })
        .collect();
    crate::output::table::write(
        out,
        &["SESSION", "STATUS", "CREATED", "LAST UPDATED"],
        &rows,
    )
}
