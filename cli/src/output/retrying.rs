//! What the client's retries look like: a line for each wait long enough to be noticed.

use okta_identity_source::Retrying;

use super::terminal;

/// Says that a request is retried after a wait of a second or more, and why; shorter waits
/// pass unsaid.
pub fn tell(retrying: &Retrying) {
    if retrying.delay < std::time::Duration::from_secs(1) {
        return;
    }
    let why = match retrying.status {
        Some(status) => format!(
            "Okta answered {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ),
        None => "the request failed".to_owned(),
    };
    let wait = retrying.delay.as_secs_f64().round();
    terminal::bars().suspend(|| {
        terminal::say(format_args!(
            "{}: {why}; retrying in {wait}s",
            retrying.operation
        ))
    });
}
