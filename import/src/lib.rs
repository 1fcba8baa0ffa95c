//! # Importing a whole directory into an Okta Custom Identity Source
//!
//! Give it users to create or update and external ids to deactivate, from iterators or
//! from a [`Source`] it can read twice (a file), and it gets them into Okta within the service's rules: at most 200 profiles and about
//! 200 KB per upload, 50 uploads and 10,000 users per session, one active session at a
//! time, a cool-down after each start, polling until each import ends.
//!
//! 1. Every record is checked first ([`plan`] and [`plan_source`] stop there: a dry run
//!    that sends nothing), and every problem is reported at once with the record's
//!    [`Position`].
//! 2. The valid records are laid out in sessions and uploads ([`Plan`]).
//! 3. [`Importer::run`] (iterators: the valid records are kept until sent) or
//!    [`Importer::run_source`] (read again as the uploads go out: only those in flight are
//!    held) runs the sessions one after the other, telling the caller of each step
//!    ([`Event`]), and returns a [`Report`].
//!
//! With [`OnInvalid::Skip`] and [`Duplicates::Fail`], where no record can change an upload
//! written before it, [`Importer::run`] streams instead: each upload is sent as soon as it
//! is full while the next records are checked, and the sessions, uploads and invalid
//! records are those the same input checked first gives.
//!
//! The engine uses the generated client ([`okta_identity_source`]) for every call, so its
//! retries, rate-limit waits and authentication apply.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod census;
mod cleanup_time;
mod context;
mod error;
mod event;
mod growing_filter;
mod importer;
mod options;
mod payload;
mod placed;
mod plan;
pub mod plural;
mod positions;
mod preflight;
mod record;
mod record_json;
mod report;
mod reread;
mod resend;
mod rules;
mod seen;
mod server_clock;
mod session;
mod source;
mod source_check;
mod step;
#[cfg(test)]
mod test_records;

pub use error::{Failure, ImportError, InvalidInput, PlanError};
pub use event::Event;
pub use importer::{Importer, plan, plan_source};
pub use options::{
    ActiveSession, DEFAULT_CONCURRENCY, Duplicates, OnInvalid, Options, RejectedBatch,
};
pub use plan::{BatchKind, BatchPlan, Limits, Plan, SessionPlan};
pub use record::{Deactivation, Input, InvalidRecord, Position, UserRecord};
pub use report::{
    PutAsideUpload, RejectedUpload, Report, SessionInfo, SessionReport, Wait, WaitReason, Warning,
};
pub use rules::MAX_EXTERNAL_ID_CHARS;
pub use session::{LONGEST_OKTA_ID, is_final, is_okta_id};
pub use source::{ReadError, Source};
pub use step::Step;
