//! `okta-import demo`: an emulator of the Identity Source service in this process, the bundled
//! sample of made-up employees imported into it, and what its directory holds afterwards.

use std::io::{Cursor, Write};
use std::time::Duration;

use okta_identity_source_emulator::Emulator;
use okta_identity_source_import::Options;

use crate::args::{Connection, Format};
use crate::commands::users;
use crate::config::{ConfigError, TOKEN_VARIABLE};
use crate::failure::Failure;
use crate::input::{self, Input, ReadOptions, Reopen};
use crate::output::outcome::RunContext;
use crate::output::progress::Mode;
use crate::output::table;
use crate::stop_signal::StopSignal;

/// The bundled sample: 300 made-up employees with custom attributes.
const SAMPLE: &str = include_str!("../../examples/users.csv");
/// The sample's name, as its records' places and the report name it.
const SAMPLE_NAME: &str = "examples/users.csv";
/// The identity source the emulator serves.
const SOURCE: &str = "0oaDEMO0000000000001";
/// The emulator's API token; it exists only inside this process.
const TOKEN: &str = "demo-token";
/// How many users of the directory are shown.
const SHOWN: usize = 5;

/// Runs the demo.
pub async fn run(quiet: bool, out: &mut impl Write) -> Result<(), Failure> {
    let emulator = Emulator::builder()
        .identity_source(SOURCE)
        .api_token(TOKEN)
        .processing_time(Duration::from_millis(300))
        .cool_down(Duration::from_millis(300))
        .start()
        .await
        .map_err(|e| ConfigError::new(format!("cannot start the emulator: {e}")))?;
    writeln!(
        out,
        "An emulator of Okta's Identity Source service, a local stand-in for an Okta org, is \
         listening on {} with one Custom Identity Source, {SOURCE}.",
        emulator.base_url()
    )?;
    writeln!(
        out,
        "Importing cli/examples/users.csv (built into the binary): 300 made-up employees with \
         custom attributes. An import opens a session, uploads the users in batches, starts \
         it (TRIGGERED) and waits while Okta applies them (COMPLETED).\n"
    )?;
    let result = import_sample(&emulator, quiet, out).await;
    if result.is_ok() {
        show_directory(&emulator, out)?;
    }
    emulator.shutdown().await;
    result
}

/// The sample, imported into the emulator as `okta-import users` would.
async fn import_sample(
    emulator: &Emulator,
    quiet: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let connection = Connection {
        org: Some(emulator.base_url().to_string()),
        source: Some(SOURCE.to_string()),
        ..Connection::default()
    };
    let target = connection.target(
        |name| {
            (name == TOKEN_VARIABLE)
                .then(|| TOKEN.to_string())
                .ok_or(std::env::VarError::NotPresent)
        },
        quiet,
    )?;
    let sample: Reopen<_> = Box::new(|| {
        input::users_from_reader(
            Cursor::new(SAMPLE.as_bytes()),
            SAMPLE_NAME.into(),
            Format::Csv,
            &ReadOptions::default(),
        )
    });
    let input = Input::open(sample, None)?;
    let options = Options::default()
        .cool_down(Duration::from_millis(300))
        .polling(Duration::from_millis(100), Duration::from_secs(1));
    let context = RunContext::starting(
        target.org.clone(),
        target.source.clone(),
        SAMPLE_NAME.into(),
        None,
    );
    let run = users::Run {
        mode: Mode::detect(quiet),
        report_file: None,
        stop: StopSignal::listen().in_process(),
        context,
    };
    users::import(target, input, options, run, out).await
}

/// A few users as the emulator's directory holds them now.
fn show_directory(emulator: &Emulator, out: &mut impl Write) -> std::io::Result<()> {
    let directory = emulator.users(SOURCE);
    let active = directory.values().filter(|u| u.active).count();
    writeln!(
        out,
        "\nThe emulator's directory now holds {} users ({active} active); the first {SHOWN}:\n",
        directory.len()
    )?;
    let text = |user: &okta_identity_source_emulator::DirectoryUser, key: &str| {
        user.profile
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let rows: Vec<[String; 5]> = directory
        .iter()
        .take(SHOWN)
        .map(|(id, user)| {
            let name = format!("{} {}", text(user, "firstName"), text(user, "lastName"));
            [
                id.clone(),
                name,
                text(user, "email"),
                text(user, "department"),
                text(user, "title"),
            ]
        })
        .collect();
    table::write(
        out,
        &["EXTERNAL ID", "NAME", "EMAIL", "DEPARTMENT", "TITLE"],
        &rows,
    )?;
    writeln!(
        out,
        "\nTo import into your own org: okta-import users --help (from the repository: cargo \
         run -p okta-import-cli -- users --help)"
    )
}
