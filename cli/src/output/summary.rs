//! The summary at the end: a table of sessions and the counts, on standard output; the records
//! that were left out, on standard error.

use std::io::{self, Write};

use okta_identity_source_import::{InvalidRecord, Plan, Report};

use super::table;

/// How many invalid records are listed before "… and N more".
const LISTED_PROBLEMS: usize = 20;
/// How many sessions of a plan are listed before "… and N more".
const LISTED_SESSIONS: usize = 20;

/// The outcome of an import: its sessions, the counts and what went wrong.
pub fn write_report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    if !report.sessions.is_empty() {
        let rows: Vec<[String; 5]> = report
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let status = s.status.to_string();
                [
                    format!("{} {}", i + 1, s.id),
                    status,
                    s.users.to_string(),
                    s.deactivations.to_string(),
                    s.uploads.to_string(),
                ]
            })
            .collect();
        table::write(
            out,
            &["SESSION", "STATUS", "USERS", "DEACTIVATED", "UPLOADS"],
            &rows,
        )?;
        writeln!(out)?;
    }
    let mut rows = vec![
        ["users sent".to_string(), report.users_sent.to_string()],
        [
            "users deactivated".into(),
            report.users_deactivated.to_string(),
        ],
        ["invalid records".into(), report.invalid.len().to_string()],
    ];
    if !report.warnings.is_empty() {
        rows.push([
            "duplicates (last wins)".into(),
            report.warnings.len().to_string(),
        ]);
    }
    if !report.rejected.is_empty() {
        rows.push(["uploads refused".into(), report.rejected.len().to_string()]);
    }
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
    for session in &report.found_active {
        writeln!(out, "Found another active session: {session}")?;
    }
    if let Some(id) = &report.left_open {
        writeln!(
            out,
            "Session {id} could not be cancelled and is still open: okta-import sessions cancel {id}"
        )?;
    }
    Ok(())
}

/// The plan of a dry run: each session's uploads and users.
pub fn write_plan(out: &mut impl Write, plan: &Plan) -> io::Result<()> {
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
        writeln!(
            out,
            "… and {more} more sessions (--report FILE lists them all)"
        )?;
    }
    Ok(())
}

/// The invalid records, one a line (the first few; the report has them all).
pub fn write_invalid(out: &mut impl Write, records: &[InvalidRecord]) -> io::Result<()> {
    for record in records.iter().take(LISTED_PROBLEMS) {
        writeln!(out, "invalid: {record}")?;
    }
    if records.len() > LISTED_PROBLEMS {
        writeln!(
            out,
            "… and {} more (--report FILE lists them all)",
            count((records.len() - LISTED_PROBLEMS) as u64, "invalid record")
        )?;
    }
    Ok(())
}

/// `1 user`, `2 users`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
