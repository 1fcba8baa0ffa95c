//! `-v`: tracing events (the client's requests, the engine's steps) to standard error, above
//! the progress bar.

use tracing_subscriber::fmt;

use crate::output::terminal::AboveBars;

/// Installs the subscriber: warnings by default, debug with `-v`, trace with `-vv`.
pub fn init(verbose: u8) {
    let level = match verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let subscriber = fmt()
        .with_max_level(level)
        .with_writer(AboveBars::stderr)
        .with_target(true)
        // A standard error that can't be written loses the event, as it loses any line
        // ([`crate::output::terminal::say`]), rather than the process panicking.
        .log_internal_errors(false)
        .finish();
    // Only the first call installs one; a second (in a test) keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
