//! What the importer was doing when a call failed.

use std::fmt;

/// The call the importer was making when it failed ([`Failure::Call`](crate::Failure::Call)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Creating a session.
    CreatingSession,
    /// Listing the identity source's sessions.
    ListingSessions,
    /// Cancelling a session another run left open.
    CancellingAnotherSession,
    /// Reading a session another run left open.
    ReadingAnotherSession,
    /// Uploading to the run's own session.
    Uploading,
    /// Starting the run's own session's import.
    StartingImport,
    /// Reading the run's own session while its import runs.
    ReadingSession,
}

impl Step {
    /// Whether the call was on this run's own session: reading it, uploading to it or
    /// starting its import (not a create, a listing, or another run's session).
    pub fn is_on_own_session(self) -> bool {
        matches!(
            self,
            Step::Uploading | Step::StartingImport | Step::ReadingSession
        )
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::CreatingSession => "creating a session",
            Step::ListingSessions => "listing sessions",
            Step::CancellingAnotherSession => "cancelling another session",
            Step::ReadingAnotherSession => "reading another session",
            Step::Uploading => "uploading",
            Step::StartingImport => "starting the import",
            Step::ReadingSession => "reading the session",
        })
    }
}
