//! `-v`: tracing events (the client's requests, the engine's steps, their warnings) to
//! standard error, above the progress bar; none without it.

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt;
use tracing_subscriber::layer::SubscriberExt;

use crate::output::terminal::AboveBars;

/// The crates whose events `-v` shows: the command's, the engine's, the client's and its
/// runtime's (a target is matched by its start, so `okta_identity_source` takes in the
/// engine and the emulator of the demo too).
const OUR_CRATES: [&str; 3] = [
    "okta_identity_source",
    "okta_import_cli",
    "api_client_runtime",
];

/// Installs the subscriber with `-v`: the debug events of our crates (each request, each
/// step) and the warnings of any, with `-vv` their trace events and the debug events of the
/// HTTP stack beneath (hyper's connection pool, say). Without `-v` none is installed: the
/// command prints its own messages only, and what an event warns of (a session left open)
/// is in the summary and the report.
pub fn init(verbose: u8) {
    let (ours, others) = match verbose {
        0 => return,
        1 => (Level::DEBUG, Level::WARN),
        _ => (Level::TRACE, Level::DEBUG),
    };
    let targets = Targets::new()
        .with_default(others)
        .with_targets(OUR_CRATES.map(|name| (name, ours)));
    let subscriber = fmt()
        .with_max_level(ours)
        .with_writer(AboveBars::stderr)
        .with_target(true)
        // A standard error that can't be written loses the event, as it loses any line
        // ([`crate::output::terminal::say`]), rather than the process panicking.
        .log_internal_errors(false)
        .finish()
        .with(targets);
    // Only the first call installs one; a second (in a test) keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
