//! Progress, as it happens. The importer only emits events; drawing bars or writing logs is
//! the caller's business.

use chrono::{DateTime, Utc};
use okta_identity_source::models::IdentitySourceSessionStatus;

use crate::plan::BatchKind;
use crate::report::{SessionInfo, WaitReason};

/// One step of an import. Sessions are numbered from 0 in plan order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Every record was read and checked; the plan is known and nothing is sent yet (not
    /// said when an invalid record stops the import, with [`OnInvalid::Fail`](crate::OnInvalid::Fail)). In a
    /// streamed run ([`Importer::run`](crate::Importer::run) with
    /// [`OnInvalid::Skip`](crate::OnInvalid::Skip) and
    /// [`Duplicates::Fail`](crate::Duplicates::Fail)), the records are checked as the
    /// uploads go out: this comes last, once every session has run (not when the run
    /// fails or is stopped), with the same totals.
    Planned {
        /// Sessions to run.
        sessions: usize,
        /// Users to create or update.
        users: u64,
        /// Users to deactivate.
        deactivations: u64,
        /// Records left out.
        invalid: usize,
    },
    /// Another session was active when creating one.
    ActiveSessionFound {
        /// The session found.
        session: SessionInfo,
    },
    /// A session of another run was cancelled ([`ActiveSession::Cancel`](crate::ActiveSession)).
    OtherSessionCancelled {
        /// Its id.
        id: String,
    },
    /// Okta refused to create a session (400) while no other session was active: taken for
    /// its cool-down after an import was started (its words for that are not published),
    /// and waited out. Said at the first such refusal of a session, with Okta's answer, as
    /// any other reason for it (say, an identity source that is not active) would only show
    /// when the wait runs out.
    CreateRefused {
        /// Okta's answer.
        error: String,
    },
    /// A create's answer was lost (none came in time, the connection closed, a gateway
    /// answered for Okta) after Okta may have made the session: the importer looks among
    /// the source's sessions; if the create made one, the run stops and cancels it, else it
    /// creates one again (and should that one be refused because the first made a session
    /// meanwhile, the run stops and cancels that session).
    CreateUnanswered {
        /// What the client said.
        error: String,
    },
    /// The importer is waiting, and says until when.
    Waiting {
        /// Why.
        reason: WaitReason,
        /// Until when (for a cool-down or another session, an estimate).
        until: DateTime<Utc>,
    },
    /// A session was opened; or one that a create whose answer never came made was found
    /// (as the run stops), before it is cancelled.
    SessionCreated {
        /// Which session of the plan.
        session: usize,
        /// Its id.
        id: String,
    },
    /// An upload was accepted.
    BatchUploaded {
        /// Which session of the plan.
        session: usize,
        /// What it carried.
        kind: BatchKind,
        /// How many records it carried.
        records: u32,
        /// Uploads of this session accepted so far.
        uploaded: u32,
        /// Uploads this session has; in a streamed run, those sent so far (the
        /// session's last is known once its records are all read).
        uploads: u32,
    },
    /// Okta refused an upload for good.
    BatchRejected {
        /// Which session of the plan.
        session: usize,
        /// How many records it carried.
        records: u32,
        /// Okta's answer.
        error: String,
    },
    /// An upload's answer did not say whether Okta took it (a 504, a connection closed after
    /// the body went out): its records are sent again in a session after the planned ones.
    UploadPutAside {
        /// Which session of the plan.
        session: usize,
        /// How many records it carries.
        records: u32,
        /// What came back instead of an answer.
        error: String,
    },
    /// The import of a session was started.
    ImportStarted {
        /// Which session of the plan.
        session: usize,
        /// Its id.
        id: String,
    },
    /// A started session was read again.
    StatusPolled {
        /// Which session of the plan.
        session: usize,
        /// Its status now.
        status: IdentitySourceSessionStatus,
    },
    /// A session of this import was cancelled (`CLOSED`).
    SessionCancelled {
        /// Which session of the plan.
        session: usize,
        /// Its id.
        id: String,
    },
    /// A session ended: `COMPLETED`, `ERROR`, `EXPIRED` or `CLOSED`.
    SessionFinished {
        /// Which session of the plan.
        session: usize,
        /// Its id.
        id: String,
        /// How it ended.
        status: IdentitySourceSessionStatus,
    },
}
