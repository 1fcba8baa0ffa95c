//! The command line: subcommands, flags and their help text (clap derive).
// The doc comments here are the `--help` text, where a URL is written as it is typed.
#![allow(rustdoc::bare_urls)]

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use okta_identity_source_import::DEFAULT_CONCURRENCY;

use crate::input::Delimiter;
use okta_identity_source_import::{LONGEST_OKTA_ID, is_okta_id};

const AFTER_HELP: &str = "\
Authentication: the API token is read from the environment variable OKTA_API_TOKEN, never from a
flag; or use an OAuth 2.0 service app with --client-id and --private-key (and --key-id).

Exit codes: 0 everything was imported; 1 a record was invalid or the import failed (the summary
and the report say what); 2 a usage, configuration or input-file error (nothing was sent); 3
another import session was open, so nothing was sent (a later run may succeed as it is); 130
stopped by Ctrl-C (SIGINT), 143 by SIGTERM, 129 by SIGHUP (the command ends by the signal,
which a shell reports as 128 + its number).";

/// Import users from a CSV or JSON Lines file into an Okta Custom Identity Source.
#[derive(Debug, Parser)]
#[command(
    name = "okta-import",
    version,
    propagate_version = true,
    after_help = AFTER_HELP,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Log each step and request to standard error (-vv for more detail).
    #[arg(short, long, action = ArgAction::Count, global = true, help_heading = "Output")]
    pub verbose: u8,
    /// Print no progress, only errors and the summary.
    #[arg(
        short,
        long,
        global = true,
        help_heading = "Output",
        conflicts_with = "verbose"
    )]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate, plan and import the users of a file (and deactivate those of another).
    #[command(after_help = AFTER_HELP)]
    Users(UsersArgs),
    /// Look at and cancel import sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Import a bundled sample of made-up employees into an emulator started in this process;
    /// needs no account and no network.
    Demo,
}

/// `okta-import users`.
#[derive(Debug, Args)]
pub struct UsersArgs {
    /// The users to create or update: a CSV file with a header row, or JSON Lines.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Users to deactivate: one external id per line, or a CSV file with an externalId column.
    #[arg(long, value_name = "FILE")]
    pub deactivate: Option<PathBuf>,
    /// The format of FILE; by default taken from its extension (.csv, .tsv, .jsonl or
    /// .ndjson).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// A CSV file of `column,attribute` rows that renames the input's columns (an empty
    /// attribute drops the column).
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
    /// What separates the fields of a CSV file (FILE, and a --deactivate file ending in .csv
    /// or .tsv): one character such as ';' or '|', or tab; by default a comma, or a tab in a
    /// file ending in .tsv.
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<Delimiter>,
    /// Send an empty CSV cell as null, which clears the attribute in Okta (only firstName,
    /// lastName, mobilePhone and homeAddress can be cleared); by default an empty cell is left
    /// out and the attribute keeps its value.
    #[arg(long)]
    pub empty_as_null: bool,
    /// Validate the files and print the plan (sessions, requests, users); send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// What to do with an invalid record: stop before sending anything, or skip it.
    #[arg(long, value_enum, default_value_t = OnInvalid::Fail, value_name = "WHAT")]
    pub on_invalid: OnInvalid,
    /// What to do when an external id appears more than once: take the later records as
    /// invalid, or keep the last one.
    #[arg(long, value_enum, default_value_t = Duplicates::Fail, value_name = "WHAT")]
    pub duplicates: Duplicates,
    /// What to do when Okta refuses an upload for good (400): cancel the session and stop
    /// (none of its uploads is imported), or go on without that upload's records (the
    /// report lists them).
    #[arg(long, value_enum, default_value_t = OnRefusedUpload::Cancel, value_name = "WHAT")]
    pub on_refused_upload: OnRefusedUpload,
    /// Cancel an import session left open by an earlier run instead of stopping: one not
    /// updated for --stale-after; a more recent one may be another run's and stops the import.
    #[arg(long)]
    pub cancel_stale_session: bool,
    /// How many uploads to send at the same time, from 1 to 32.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_CONCURRENCY as u16,
        value_parser = clap::value_parser!(u16).range(1..=32)
    )]
    pub concurrency: u16,
    /// Write the import's report (or the dry run's plan) to this JSON file, which must not
    /// exist yet.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// How long Okta refuses a new session after an import is started; the next session is
    /// opened after it. Like 300ms, 20s or 5m.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration, help_heading = "Timing")]
    pub cool_down: Duration,
    /// How soon a started import is first checked (at least 100ms); then twice as long each
    /// time, up to 30s.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_poll_interval, help_heading = "Timing")]
    pub poll_interval: Duration,
    /// How long an open session must go without an update before --cancel-stale-session
    /// takes it for one an earlier run left. Like 90s or 10m.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration, help_heading = "Timing")]
    pub stale_after: Duration,
    /// How long the sessions may take in all, waits and polling included; past it the import
    /// stops (a session not yet started is cancelled, a started one goes on in Okta), and a
    /// wait that would end past it stops the import at once. Like 45m or 2h.
    #[arg(long, value_name = "DURATION", default_value = "6h", value_parser = parse_duration, help_heading = "Timing")]
    pub deadline: Duration,
    /// Where to import to and how to sign in.
    #[command(flatten, next_help_heading = "Connection")]
    pub connection: Connection,
}

/// The org, the identity source and the service app, from flags or the environment.
#[derive(Debug, Args, Clone, Default)]
pub struct Connection {
    /// The Okta org, e.g. https://dev-123456.okta.com.
    #[arg(
        long,
        env = "OKTA_ORG_URL",
        value_name = "URL",
        hide_env_values = true,
        value_parser = Utf8("--org or OKTA_ORG_URL")
    )]
    pub org: Option<String>,
    /// The id of the Custom Identity Source (0oa…).
    #[arg(
        long,
        env = "OKTA_IDENTITY_SOURCE_ID",
        value_name = "ID",
        hide_env_values = true,
        value_parser = Utf8("--source or OKTA_IDENTITY_SOURCE_ID")
    )]
    pub source: Option<String>,
    /// Sign in as this OAuth 2.0 service app instead of with OKTA_API_TOKEN.
    #[arg(long, value_name = "ID", requires = "private_key")]
    pub client_id: Option<String>,
    /// The service app's private key (PEM, RSA or EC P-256).
    #[arg(long, value_name = "FILE", requires = "client_id")]
    pub private_key: Option<PathBuf>,
    /// The key's id in the service app, if it has one.
    #[arg(long, value_name = "KID", requires = "client_id")]
    pub key_id: Option<String>,
    /// How long to wait for each answer, e.g. 20s (default 60s); one that doesn't come in
    /// time is sent again when that is safe.
    #[arg(long, value_name = "DURATION", value_parser = parse_request_timeout)]
    pub request_timeout: Option<Duration>,
}

/// `okta-import sessions …`.
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List the identity source's import sessions.
    List {
        /// Where to look and how to sign in.
        #[command(flatten, next_help_heading = "Connection")]
        connection: Connection,
    },
    /// Show one import session.
    Get {
        /// The session's id (aps…).
        #[arg(value_name = "ID", value_parser = session_id)]
        id: String,
        /// Where to look and how to sign in.
        #[command(flatten, next_help_heading = "Connection")]
        connection: Connection,
    },
    /// Cancel an import session that has not been started (status CREATED or IN_PROGRESS).
    Cancel {
        /// The session's id (aps…).
        #[arg(value_name = "ID", value_parser = session_id)]
        id: String,
        /// Where to look and how to sign in.
        #[command(flatten, next_help_heading = "Connection")]
        connection: Connection,
    },
}

/// The format of a users file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line: {"externalId": …, "profile": {…}}.
    Jsonl,
}

/// `--on-invalid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnInvalid {
    /// Stop before sending anything.
    Fail,
    /// Leave the record out and go on (the report lists it).
    Skip,
}

/// `--duplicates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Duplicates {
    /// Take each record after the first with that external id as invalid: stop before
    /// sending anything, or with --on-invalid skip leave it out and import the first.
    Fail,
    /// Import the last record with that external id.
    LastWins,
}

/// `--on-refused-upload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnRefusedUpload {
    /// Cancel the session and stop.
    Cancel,
    /// Leave the upload's records out and go on.
    Continue,
}

/// The shortest poll interval: checking more often only loads the service.
const SHORTEST_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A poll interval: a duration of at least [`SHORTEST_POLL_INTERVAL`].
fn parse_poll_interval(text: &str) -> Result<Duration, String> {
    let interval = parse_duration(text)?;
    if interval < SHORTEST_POLL_INTERVAL {
        return Err(format!(
            "`{text}` is too short: poll every {}ms or more",
            SHORTEST_POLL_INTERVAL.as_millis()
        ));
    }
    Ok(interval)
}

/// A duration as humantime reads it, such as `300ms`, `20s`, `5m`, `1h` or `1m 30s`, at most
/// [`LONGEST_DURATION`].
fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|error| format!("`{text}` is not a duration like 300ms, 20s or 5m: {error}"))?;
    if duration > LONGEST_DURATION {
        return Err(format!("`{text}` is longer than a week, the longest taken"));
    }
    Ok(duration)
}

/// A request timeout: a duration above zero, which would give up on every answer.
fn parse_request_timeout(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err(format!(
            "`{text}` would give up on every answer: give more than 0"
        )),
        timeout => Ok(timeout),
    }
}

/// A CSV file's delimiter: `tab` (or `\t`, or a tab), or one ASCII punctuation character
/// or a space; not the quote, which quotes fields.
fn parse_delimiter(text: &str) -> Result<Delimiter, String> {
    let byte = match text.as_bytes() {
        b"tab" | b"\\t" | b"\t" => b'\t',
        [b'"'] => return Err("the double quote can't separate fields: it quotes them".into()),
        &[byte] if byte.is_ascii_punctuation() || byte == b' ' => byte,
        _ => {
            return Err(format!(
                "{text:?} is not a delimiter: give one ASCII punctuation character such as ';' \
                 or '|', a space, or tab"
            ));
        }
    };
    Ok(Delimiter(byte))
}

/// The longest duration a flag takes: a session left idle expires in a day, and a run waits
/// for minutes, so anything longer is a typing mistake.
const LONGEST_DURATION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// A session id: letters and digits, as Okta's are (`aps1qqonvr2SZv6o70h8`), at most
/// [`LONGEST_OKTA_ID`] of them; anything else is no session to ask Okta about.
fn session_id(id: &str) -> Result<String, String> {
    if id.trim().is_empty() {
        return Err("a session id (aps…) can't be empty".into());
    }
    if !is_okta_id(id) {
        return Err(format!(
            "not a session id: Okta's are letters and digits (at most {LONGEST_OKTA_ID}), like aps1qqonvr2SZv6o70h8"
        ));
    }
    Ok(id.to_string())
}

/// Text from a flag or a variable, named (`--org or OKTA_ORG_URL`) when it is not UTF-8; the
/// value itself is never shown.
#[derive(Debug, Clone, Copy)]
struct Utf8(&'static str);

impl clap::builder::TypedValueParser for Utf8 {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        _: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        value.to_str().map(str::to_owned).ok_or_else(|| {
            let message = format!("{} is not valid UTF-8\n", self.0);
            clap::Error::raw(clap::error::ErrorKind::InvalidUtf8, message).with_cmd(command)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delimiter_is_one_character_or_tab_and_never_the_quote() {
        for (given, byte) in [
            ("tab", b'\t'),
            ("\\t", b'\t'),
            ("\t", b'\t'),
            (";", b';'),
            ("|", b'|'),
            (" ", b' '),
        ] {
            assert_eq!(parse_delimiter(given), Ok(Delimiter(byte)), "{given:?}");
        }
        assert_eq!(
            parse_delimiter("\""),
            Err("the double quote can't separate fields: it quotes them".into())
        );
        for wrong in ["", "ab", "é", "a", "7", "\n"] {
            let error = parse_delimiter(wrong).unwrap_err();
            assert!(
                error.ends_with(
                    "is not a delimiter: give one ASCII punctuation character such as ';' or \
                     '|', a space, or tab"
                ) && !error.contains('\n'),
                "{wrong:?}: {error}"
            );
        }
    }
}
