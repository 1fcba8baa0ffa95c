//! The summary at the end: a table of sessions and the counts, on standard output; the records
//! that were left out, on standard error.

use std::fmt::{self, Display};
use std::io::{self, Write};
use std::path::Path;

use okta_identity_source::models::IdentitySourceSessionStatus;
pub use okta_identity_source_import::plural::count;
use okta_identity_source_import::{InvalidRecord, Plan, Report, SessionReport, Warning, is_final};

use super::events::LOST_CREATE;
use super::table;
use super::terminal::one_line;

/// How many invalid records are listed before "… and N more".
const LISTED_PROBLEMS: usize = 20;
/// How many sessions of a plan are listed before "… and N more".
const LISTED_SESSIONS: usize = 20;

/// Where every item of a list the summary cuts short can be read.
#[derive(Debug, Clone, Copy)]
pub enum FullList<'a> {
    /// In the report written to this file.
    Report(&'a Path),
    /// In a report, had one been asked for (`--report FILE`).
    NotAsked,
    /// Nowhere: the report asked for could not be written (as its error says).
    Lost,
}

impl<'a> FullList<'a> {
    /// In the report written to `path`, if one was.
    pub fn of(path: Option<&'a Path>) -> Self {
        path.map_or(FullList::NotAsked, FullList::Report)
    }
}

/// Written after "… and N more".
impl Display for FullList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FullList::Report(path) => write!(
                f,
                " (the report {} lists them all)",
                one_line(&path.display().to_string())
            ),
            FullList::NotAsked => f.write_str(" (--report FILE lists them all)"),
            FullList::Lost => Ok(()),
        }
    }
}

/// The outcome of an import: its sessions, the counts and what went wrong. An import that
/// `stopped` before its end says so first, and counts only what it did; what stopped it is
/// the command's error, said once, on standard error.
pub fn write_report(out: &mut impl Write, report: &Report, stopped: bool) -> io::Result<()> {
    if stopped {
        writeln!(out, "The import did not finish; the error says why.\n")?;
    }
    write_sessions(out, report)?;
    let mut rows = count_rows(report, stopped);
    rows.push([
        "requests".into(),
        format!(
            "{} ({} retried, {} rate-limited)",
            report.requests, report.retries, report.rate_limited
        ),
    ]);
    rows.push([
        "time".into(),
        format!(
            "{:.1} s ({:.1} s waiting)",
            report.elapsed.as_secs_f64(),
            report.waited().as_secs_f64()
        ),
    ]);
    table::write_without_header(out, &rows)?;
    for (session, cancelled) in report.others_found() {
        match cancelled {
            true => writeln!(out, "Cancelled another active session: {session}")?,
            false => writeln!(out, "Found another active session: {session}")?,
        }
    }
    if let Some(id) = &report.left_open {
        writeln!(
            out,
            "Session {id} could not be cancelled and is still open: okta-import sessions cancel {id}"
        )?;
    }
    if report.lost_create.is_some() {
        writeln!(out, "Warning: {LOST_CREATE}")?;
    }
    Ok(())
}

/// What an import that imported everything did: `every user was imported`, or of
/// deactivations, or of both.
pub fn all_imported(report: &Report) -> &'static str {
    match (report.users_sent, report.users_deactivated) {
        (0, 1..) => "every deactivation was imported",
        (1.., 1..) => "every user and every deactivation was imported",
        _ => "every user was imported",
    }
}

/// What an import that ran to its end did not import, in a few words: the sessions that
/// took uploads and ended otherwise than `COMPLETED` (with what they held), the records left
/// out and the uploads refused; what to do about it.
pub fn not_imported(report: &Report) -> String {
    let mut parts: Vec<String> = report
        .sessions
        .iter()
        .filter(|s| ended_otherwise(s))
        .map(|s| {
            let held = match (s.users, s.deactivations) {
                (users, 0) => count(users, "user"),
                (0, deactivations) => count(deactivations, "deactivation"),
                (users, deactivations) => format!(
                    "{} and {}",
                    count(users, "user"),
                    count(deactivations, "deactivation")
                ),
            };
            let ended = match s.status {
                IdentitySourceSessionStatus::Closed => "was cancelled".to_string(),
                IdentitySourceSessionStatus::Expired => "expired".to_string(),
                ref status => format!("ended in {status}"),
            };
            format!(
                "session {} {ended} with {held}, none of them imported",
                s.id
            )
        })
        .collect();
    if !report.invalid.is_empty() {
        let invalid = count(report.invalid.len() as u64, "invalid record");
        parts.push(format!("{invalid} left out"));
    }
    if !report.rejected.is_empty() {
        let refused = count(report.rejected.len() as u64, "upload");
        parts.push(format!("{refused} refused by Okta"));
    }
    if parts.is_empty() {
        return "see the summary above".into();
    }
    let causes_said = report
        .rejected
        .iter()
        .any(|upload| !upload.causes.is_empty());
    let fix = if !report.invalid.is_empty() || causes_said {
        "fix the records said above and "
    } else if !report.rejected.is_empty() {
        "see above why Okta refused the uploads, then "
    } else {
        ""
    };
    let again = match report.users_imported + report.deactivations_imported {
        0 => "",
        _ => " (the users already imported are updated again, which does no harm)",
    };
    format!("{}; {fix}run the import again{again}", parts.join("; "))
}

/// Whether `session` took uploads and ended otherwise than `COMPLETED` (cancelled, expired,
/// `ERROR`): none of what it took was imported.
fn ended_otherwise(session: &SessionReport) -> bool {
    session.uploads > 0
        && is_final(&session.status)
        && session.status != IdentitySourceSessionStatus::Completed
}

/// The table of an import's sessions, if it opened any.
fn write_sessions(out: &mut impl Write, report: &Report) -> io::Result<()> {
    if report.sessions.is_empty() {
        return Ok(());
    }
    let rows: Vec<[String; 5]> = report
        .sessions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            [
                format!("{} {}", i + 1, s.id),
                s.status.to_string(),
                s.users.to_string(),
                s.deactivations.to_string(),
                s.uploads.to_string(),
            ]
        })
        .collect();
    table::write(
        out,
        &["SESSION", "STATUS", "USERS", "DEACTIVATIONS", "UPLOADS"],
        &rows,
    )?;
    for (i, s) in report.sessions.iter().enumerate() {
        if s.uploads_unanswered > 0 {
            writeln!(
                out,
                "Session {} also got {} of {} whose answer never came, as the import stopped: \
                 {}.",
                i + 1,
                count(u64::from(s.uploads_unanswered), "upload"),
                count(s.records_unanswered, "record"),
                s.unanswered_fate(),
            )?;
        }
    }
    writeln!(out)
}

/// What was sent, imported, left out and warned about: what was imported, of what was
/// sent, when a session that took uploads ended otherwise than `COMPLETED` (cancelled,
/// expired, `ERROR`), or when some of it was (a session's import still going on in Okta
/// as the import stopped: of one that is, alone, nothing is said); duplicates, refused
/// uploads and those put aside when there are some; after a failure, only the counts that
/// are not zero (and `none` when nothing was sent).
fn count_rows(report: &Report, failed: bool) -> Vec<[String; 2]> {
    let (users, deactivations) = (report.users_sent, report.users_deactivated);
    let imported = (report.users_imported, report.deactivations_imported);
    let ended_otherwise = report.sessions.iter().any(ended_otherwise);
    let some_of = |imported: u64, sent: u64| ended_otherwise || (0 < imported && imported < sent);
    let [invalid, duplicates, refused, put_aside] = [
        report.invalid.len(),
        report.warnings.len(),
        report.rejected.len(),
        report.put_aside.len(),
    ]
    .map(|n| n as u64);
    let unless_failed = |n: u64| !failed || n > 0;
    let counts = [
        ("users sent", users, unless_failed(users)),
        (
            "deactivations sent",
            deactivations,
            unless_failed(deactivations),
        ),
        ("invalid records", invalid, unless_failed(invalid)),
        (
            "users imported",
            imported.0,
            users > 0 && some_of(imported.0, users),
        ),
        (
            "deactivations imported",
            imported.1,
            deactivations > 0 && some_of(imported.1, deactivations),
        ),
        ("records replaced (last wins)", duplicates, duplicates > 0),
        ("uploads refused", refused, refused > 0),
        ("uploads put aside", put_aside, put_aside > 0),
    ];
    let mut rows: Vec<[String; 2]> = counts
        .into_iter()
        .filter(|&(_, _, shown)| shown)
        .map(|(what, n, _)| [what.to_string(), n.to_string()])
        .collect();
    if failed && report.users_sent + report.users_deactivated == 0 {
        rows.insert(0, ["records sent".into(), "none".into()]);
    }
    rows
}

/// The plan of a dry run: each session's uploads and users (the first few; `full` has them
/// all).
pub fn write_plan(out: &mut impl Write, plan: &Plan, full: FullList<'_>) -> io::Result<()> {
    writeln!(out, "Dry run, nothing was sent: {plan}.")?;
    if plan.sessions.is_empty() {
        return Ok(());
    }
    let rows: Vec<[String; 4]> = plan
        .sessions
        .iter()
        .enumerate()
        .take(LISTED_SESSIONS)
        .map(|(i, s)| {
            [
                (i + 1).to_string(),
                s.batches.len().to_string(),
                s.users().to_string(),
                s.deactivations().to_string(),
            ]
        })
        .collect();
    writeln!(out)?;
    table::write(
        out,
        &["SESSION", "UPLOADS", "USERS", "DEACTIVATIONS"],
        &rows,
    )?;
    if let Some(more) = plan
        .sessions
        .len()
        .checked_sub(LISTED_SESSIONS)
        .filter(|n| *n > 0)
    {
        writeln!(out, "… and {}{full}", count(more as u64, "more session"))?;
    }
    Ok(())
}

/// The invalid records, one a line (the first few; `full` has them all).
pub fn write_invalid(
    out: &mut impl Write,
    records: &[InvalidRecord],
    full: FullList<'_>,
) -> io::Result<()> {
    write_listed(out, ("invalid", "invalid record"), records, full)
}

/// The records a later one with the same external id replaced (`--duplicates last-wins`),
/// one a line (the first few; `full` has them all).
pub fn write_warnings(
    out: &mut impl Write,
    warnings: &[Warning],
    full: FullList<'_>,
) -> io::Result<()> {
    write_listed(out, ("warning", "warning"), warnings, full)
}

/// The first [`LISTED_PROBLEMS`] of `items`, one a line after `label`, and how many more
/// `noun`s, and where they are.
fn write_listed<T: Display>(
    out: &mut impl Write,
    (label, noun): (&str, &str),
    items: &[T],
    full: FullList<'_>,
) -> io::Result<()> {
    for item in items.iter().take(LISTED_PROBLEMS) {
        // A record's text (an attribute's name, a file's) can't start a line of its own.
        writeln!(out, "{label}: {}", one_line(&item.to_string()))?;
    }
    if items.len() > LISTED_PROBLEMS {
        let more = count(
            (items.len() - LISTED_PROBLEMS) as u64,
            &format!("more {noun}"),
        );
        writeln!(out, "… and {more}{full}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use okta_identity_source_import::{Position, RejectedUpload};

    use super::*;

    /// Stopped while a session's import ran on in Okta, the import says what was imported
    /// of what was sent: the sessions that completed, not that one; of that one alone,
    /// nothing.
    #[test]
    fn what_was_imported_is_said_when_a_session_that_took_uploads_did_not_complete() {
        let session = |id: &str, status| SessionReport {
            id: id.to_owned(),
            status,
            users: 10_000,
            deactivations: 0,
            uploads: 50,
            uploads_unanswered: 0,
            records_unanswered: 0,
        };
        let mut report = Report {
            sessions: vec![session("aps1", IdentitySourceSessionStatus::Completed)],
            users_sent: 10_000,
            users_imported: 10_000,
            ..Report::default()
        };
        let imported = |report: &Report| {
            count_rows(report, true)
                .into_iter()
                .find(|[what, _]| what == "users imported")
                .map(|[_, n]| n)
        };
        assert_eq!(imported(&report), None, "all sent was imported");
        report
            .sessions
            .push(session("aps2", IdentitySourceSessionStatus::Triggered));
        report.users_sent = 20_000;
        assert_eq!(imported(&report).as_deref(), Some("10000"));
        report.sessions.remove(0);
        (report.users_sent, report.users_imported) = (10_000, 0);
        assert_eq!(imported(&report), None, "its import goes on");
    }

    #[test]
    fn what_was_not_imported_says_what_to_do_about_it_and_only_what_applies() {
        let invalid = InvalidRecord::new(Position::record(2), vec!["email is empty".into()]);
        let refused = |causes: Vec<String>| RejectedUpload {
            session_id: "aps1".into(),
            error: "400".into(),
            causes,
            positions: Vec::new(),
        };
        let mut report = Report {
            invalid: vec![invalid],
            ..Report::default()
        };
        // Nothing imported: nothing to be imported again.
        assert_eq!(
            not_imported(&report),
            "1 invalid record left out; fix the records said above and run the import again"
        );
        report.users_imported = 3;
        assert!(not_imported(&report).ends_with(
            "run the import again (the users already imported are updated again, which does no harm)"
        ));
        report.invalid.clear();
        report.rejected = vec![refused(Vec::new())];
        assert!(
            not_imported(&report).contains("see above why Okta refused the uploads, then run"),
            "{}",
            not_imported(&report)
        );
        report.rejected = vec![refused(vec!["email is invalid".into()])];
        assert!(not_imported(&report).contains("fix the records said above and run"));
    }
}
