//! `okta-import users FILE [--deactivate FILE]`: read and check the files, then plan (dry run)
//! or import with progress, a summary and a report.

use std::io::Write;
use std::time::Duration;

use okta_identity_source_import::{
    ActiveSession, Duplicates, Importer, OnInvalid, Options, PlanError, RejectedBatch, Report,
    plan_source,
};

use crate::args::{self, UsersArgs};
use crate::config::{ConfigError, Target};
use crate::failure::Failure;
use crate::input::{self, ColumnMap, Delimiter, Input, InputError, ReadOptions, Reopen};
use crate::output::events::EventDisplay;
use crate::output::outcome::{DryRunReport, EndedReport, RunContext};
use crate::output::progress::{Mode, Progress};
use crate::output::report_file::ReportFile;
use crate::output::summary::{self, FullList};
use crate::output::terminal;
use crate::stop_signal::{Signal, StopSignal};

/// Runs `okta-import users`.
pub async fn run(
    args: &UsersArgs,
    quiet: bool,
    read_env: impl Fn(&str) -> Result<String, std::env::VarError>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let target = if args.dry_run {
        None
    } else {
        Some(args.connection.target(read_env, quiet)?)
    };
    // Listened for from now on, so that a signal sent while the files are read stops the
    // command. A dry run sends nothing, so a signal stops it at once, its report's
    // temporary file removed.
    let stop = StopSignal::listen();
    let input = open_input(args)?;
    let probe_report = || args.report.as_deref().map(ReportFile::create).transpose();
    let report_file = stop.uninterrupted(probe_report)?;
    let options = options(args);
    match target {
        None => dry_run(input, &options, report_file, out),
        Some(target) => {
            let context = RunContext::starting(
                target.org.clone(),
                target.source.clone(),
                input::display_name(&args.file),
                args.deactivate.as_deref().map(input::display_name),
            );
            let run = Run {
                mode: Mode::detect(quiet),
                report_file,
                stop,
                context,
            };
            import(target, input, options, run, out).await
        }
    }
}

/// Opens the users file and the deactivation file, checking their headers; an import reads
/// them again from the start to send what the first read checked.
fn open_input(args: &UsersArgs) -> Result<Input, Failure> {
    refuse_csv_flags_for_json_lines(args)?;
    let columns = args
        .map
        .as_deref()
        .map(ColumnMap::read)
        .transpose()?
        .unwrap_or_default();
    let read = ReadOptions {
        format: args.format,
        columns,
        empty_as_null: args.empty_as_null,
        delimiter: args
            .delimiter
            .unwrap_or_else(|| Delimiter::of_file(&args.file)),
    };
    let path = args.file.clone();
    let users: Reopen<_> = Box::new(move || input::read_users(&path, &read));
    let deactivations = args.deactivate.clone().map(|path| {
        let delimiter = args.delimiter.unwrap_or_else(|| Delimiter::of_file(&path));
        let reopen: Reopen<_> = Box::new(move || input::read_deactivations(&path, delimiter));
        reopen
    });
    let input = Input::open(users, deactivations)?;
    if input.holds_nothing() {
        let paths = std::iter::once(&args.file)
            .chain(&args.deactivate)
            .map(|path| input::display_name(path))
            .collect();
        return Err(InputError::NoRecords { paths }.into());
    }
    Ok(input)
}

/// Refuses the flags that shape how a CSV users file is read when it is JSON Lines, which
/// would silently take no notice of them; `--delimiter` still serves a CSV deactivation file.
fn refuse_csv_flags_for_json_lines(args: &UsersArgs) -> Result<(), Failure> {
    let format = match args.format {
        Some(format) => format,
        None => match input::format_of(&args.file) {
            Ok(format) => format,
            // Said when the file is read.
            Err(_) => return Ok(()),
        },
    };
    if format != args::Format::Jsonl {
        return Ok(());
    }
    let csv_deactivations = args.deactivate.as_deref().is_some_and(input::is_csv_file);
    let flag = if args.map.is_some() {
        Some("--map")
    } else if args.empty_as_null {
        Some("--empty-as-null")
    } else if args.delimiter.is_some() && !csv_deactivations {
        Some("--delimiter")
    } else {
        None
    };
    match flag {
        Some(flag) => Err(ConfigError::new(format!(
            "{flag} applies to a CSV users file, and {} is JSON Lines (where a null clears an \
             attribute and each attribute has its own name)",
            input::display_name(&args.file)
        ))
        .into()),
        None => Ok(()),
    }
}

/// The engine's options from the flags.
fn options(args: &UsersArgs) -> Options {
    let on_invalid = match args.on_invalid {
        args::OnInvalid::Fail => OnInvalid::Fail,
        args::OnInvalid::Skip => OnInvalid::Skip,
    };
    let duplicates = match args.duplicates {
        args::Duplicates::Fail => Duplicates::Fail,
        args::Duplicates::LastWins => Duplicates::LastWins,
    };
    let rejected_batch = match args.on_refused_upload {
        args::OnRefusedUpload::Cancel => RejectedBatch::Cancel,
        args::OnRefusedUpload::Continue => RejectedBatch::Continue,
    };
    let active_session = if args.cancel_stale_session {
        ActiveSession::Cancel
    } else {
        ActiveSession::WaitIfTriggered
    };
    Options::default()
        .on_invalid(on_invalid)
        .duplicates(duplicates)
        .rejected_batch(rejected_batch)
        .active_session(active_session)
        .stale_after(args.stale_after)
        .cool_down(args.cool_down)
        .deadline(args.deadline)
        .polling(
            args.poll_interval,
            Duration::from_secs(30).max(args.poll_interval),
        )
        .concurrency(usize::from(args.concurrency))
}

/// Checks every record and prints the plan; sends nothing. The files are read once, or
/// twice when some ids may repeat, and neither the records nor their ids are kept.
fn dry_run(
    input: Input,
    options: &Options,
    report_file: Option<ReportFile>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let read_to_its_end = input.read_to_its_end();
    // Lists are printed once the report is written: a report that can't be is the error.
    let path = report_file.as_ref().map(|file| file.path().to_path_buf());
    let full = FullList::of(path.as_deref());
    match plan_source(input, options) {
        Ok(plan) => {
            // With invalid records skipped, the plan holds the records read before the one
            // past which a file could not be read; the import would stop there.
            if let Some(stopped) = read_to_its_end.error() {
                let error = format!("the import would stop: {stopped}");
                if let Some(file) = report_file {
                    file.write(&DryRunReport::new(&plan, "failed", Some(&error)))
                        .map_err(Failure::report)?;
                }
                summary::write_invalid(&mut terminal::stderr(), &plan.invalid, full)?;
                return Err(Failure::Import(error));
            }
            let left_out = (!plan.invalid.is_empty()).then(|| {
                format!(
                    "{} would be left out",
                    summary::count(plan.invalid.len() as u64, "invalid record")
                )
            });
            if let Some(file) = report_file {
                let outcome = if left_out.is_some() {
                    "incomplete"
                } else {
                    "planned"
                };
                file.write(&DryRunReport::new(&plan, outcome, None))
                    .map_err(Failure::report)?;
            }
            summary::write_invalid(&mut terminal::stderr(), &plan.invalid, full)?;
            summary::write_warnings(&mut terminal::stderr(), &plan.warnings, full)?;
            // The plan's outcome stands when standard output's reader went away.
            terminal::unless_closed(summary::write_plan(out, &plan, full))?;
            left_out.map_or(Ok(()), |left_out| Err(Failure::Import(left_out)))
        }
        Err(PlanError::Invalid(invalid)) => {
            let error = format!(
                "{}; nothing would be sent",
                summary::count(invalid.records.len() as u64, "invalid record")
            );
            if let Some(file) = report_file {
                // Typed, so that each record's fields come in the order of every report's.
                #[derive(serde::Serialize)]
                struct Refused<'a> {
                    invalid: &'a [okta_identity_source_import::InvalidRecord],
                }
                let records = Refused {
                    invalid: &invalid.records,
                };
                file.write(&DryRunReport::new(&records, "failed", Some(&error)))
                    .map_err(Failure::report)?;
            }
            summary::write_invalid(&mut terminal::stderr(), &invalid.records, full)?;
            Err(Failure::Import(error))
        }
        // The input could not be read again, or changed between its reads.
        Err(other) => Err(Failure::Import(format!("the dry run stopped: {other}"))),
    }
}

/// How an import runs: its display, its report and what stops it.
pub struct Run {
    /// How progress is shown.
    pub mode: Mode,
    /// Where the report goes, if anywhere.
    pub report_file: Option<ReportFile>,
    /// Ctrl-C, SIGTERM or SIGHUP, listened for since before the files were read; it knows
    /// whether the service is an emulator of this process (the demo).
    pub stop: StopSignal,
    /// What the report says of the run.
    pub context: RunContext,
}

/// Imports, showing progress; stops cleanly on Ctrl-C, SIGTERM or SIGHUP. Writes the report and prints
/// the summary.
pub async fn import(
    target: Target,
    input: Input,
    options: Options,
    run: Run,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let Run {
        mode,
        report_file,
        mut stop,
        context,
    } = run;
    let progress = Progress::new(mode);
    // The engine's first event comes after its check and before its first request.
    let sending = stop.sending();
    let mut display = EventDisplay::new(&progress, sending.is_in_process());
    let importer = Importer::new(target.api, target.source, options);
    let show = |event| {
        sending.begins();
        sending.follow(&event);
        display.show(event);
    };
    let result = importer
        .run_source_until(input, show, stop.received())
        .await;
    progress.finish();
    let (report, failure) = match result {
        Ok(report) => (report, None),
        Err(error) => (*error.report, Some(error.failure)),
    };
    let ended = Ended {
        failure,
        signal: stop.heard(),
    };
    let report_file = report_file.map(|file| (file, context));
    conclude(report, ended, &display, report_file, out)
}

/// Why an import ended early, if it did.
struct Ended {
    /// What stopped it.
    failure: Option<okta_identity_source_import::Failure>,
    /// The signal that arrived, if one did.
    signal: Option<Signal>,
}

/// The summary, the report file (with what it says of the run) and the outcome of an
/// import that ran (or stopped).
fn conclude(
    report: Report,
    ended: Ended,
    display: &EventDisplay<'_>,
    report_file: Option<(ReportFile, RunContext)>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    // Only a signal stops an import; Ctrl-C is the usual one.
    let signal = ended.signal.unwrap_or(Signal::Interrupt);
    let stopped = ended.failure.is_some();
    let outcome = outcome(&report, ended, signal, display);
    // The report first: a closed stdout must not lose it. One that can't be written does not
    // lose the summary or the outcome either: it is said after them.
    let path = report_file
        .as_ref()
        .map(|(file, _)| file.path().to_path_buf());
    let unwritten = report_file.and_then(|(file, run)| {
        file.write(&EndedReport::new(
            &run,
            &report,
            &outcome,
            display.planned(),
        ))
        .err()
    });
    let full = match unwritten {
        Some(_) => FullList::Lost,
        None => FullList::of(path.as_deref()),
    };
    // Lost, as any line is, when standard error can't be written: the report holds them.
    let _ = summary::write_invalid(&mut terminal::stderr(), &report.invalid, full);
    let _ = summary::write_warnings(&mut terminal::stderr(), &report.warnings, full);
    let all_imported = summary::all_imported(&report);
    let printed = summary::write_report(out, &report, stopped).and_then(|()| {
        if outcome.is_ok() {
            let (first, rest) = all_imported.split_at(1);
            writeln!(out, "\n{}{rest}.", first.to_ascii_uppercase())?;
        }
        Ok(())
    });
    // How the import itself ended, for an error of the report or the summary on top of it.
    let import = how_it_ended(&outcome, all_imported);
    let outcome = match unwritten {
        None => outcome,
        Some(unwritten) => {
            let import = Some(import.clone());
            with_error_on_top(outcome, Failure::Report { unwritten, import })
        }
    };
    // A reader that went away is no error ([`terminal::unless_closed`]).
    match terminal::unless_closed(printed) {
        Ok(()) => outcome,
        Err(error) => with_error_on_top(outcome, Failure::Summary { error, import }),
    }
}

/// The outcome of an import whose report or summary could not be written (`error`, which
/// says how the import itself ended): that error, or when the import failed too, its own
/// failure, said after `error`.
fn with_error_on_top(outcome: Result<(), Failure>, error: Failure) -> Result<(), Failure> {
    match outcome {
        Ok(()) => Err(error),
        Err(failure) => {
            terminal::say(format_args!("error: {error}"));
            Err(failure)
        }
    }
}

/// How an import ended, for an error that comes on top of it (`completed: every user was
/// imported`).
fn how_it_ended(outcome: &Result<(), Failure>, all_imported: &str) -> String {
    match outcome {
        Ok(()) => format!("completed: {all_imported}"),
        Err(Failure::Incomplete(_)) => {
            "ran to its end without importing everything, as said next".into()
        }
        Err(Failure::Interrupted { .. }) => "was stopped, as said next".into(),
        Err(_) => "failed, as said next".into(),
    }
}

/// What an import that ran comes to.
fn outcome(
    report: &Report,
    ended: Ended,
    signal: Signal,
    display: &EventDisplay<'_>,
) -> Result<(), Failure> {
    match ended.failure {
        None if report.is_complete_success() => Ok(()),
        None => Err(Failure::Incomplete(summary::not_imported(report))),
        Some(okta_identity_source_import::Failure::Stopped) => Err(Failure::Interrupted {
            signal,
            told: display.after_stop(report, signal),
        }),
        Some(failure) => {
            // The session polled last, when Okta answered that it no longer finds it.
            let gone = crate::failure::session_gone(&failure)
                .then(|| report.sessions.last().map(|session| session.id.as_str()))
                .flatten();
            let left = display.left_behind_but(report, gone);
            let sent_nothing = report.sessions.is_empty() && report.lost_create.is_none();
            Err(Failure::stopped(&failure, &left, sent_nothing))
        }
    }
}
