//! Import sessions: their statuses, what they hold, and how they look on the wire.

use std::time::{Instant, SystemTime};

use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::{Map, Value};

use crate::batch::Batch;

/// Where a session is in its life (FACTS.md, `IdentitySourceSessionStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// New; data may be uploaded.
    Created,
    /// Data uploaded; more may be uploaded.
    InProgress,
    /// Import queued or running; no more uploads.
    Triggered,
    /// Imported.
    Completed,
    /// The import failed.
    Error,
    /// Idle too long while `CREATED`.
    Expired,
    /// Cancelled by DELETE; still readable.
    Closed,
}

impl SessionStatus {
    /// The value as it is on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "CREATED",
            Self::InProgress => "IN_PROGRESS",
            Self::Triggered => "TRIGGERED",
            Self::Completed => "COMPLETED",
            Self::Error => "ERROR",
            Self::Expired => "EXPIRED",
            Self::Closed => "CLOSED",
        }
    }

    /// CREATED, IN_PROGRESS and TRIGGERED count as active (FACTS.md): one at a time per source.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Created | Self::InProgress | Self::Triggered)
    }

    /// Only CREATED and IN_PROGRESS sessions take uploads and can be cancelled.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Created | Self::InProgress)
    }
}

impl std::fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of change a bulk request makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    /// bulk-upsert: create or update the users (and activate them).
    Upsert,
    /// bulk-delete: deactivate the users; unknown external ids are ignored.
    Deactivate,
}

/// A bulk request a session accepted: the users it carries, checked against the rules and
/// kept in the compact form the import applies when it completes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    pub kind: ChangeKind,
    pub users: Batch,
}

/// A session as the service keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub id: String,
    pub status: SessionStatus,
    pub created: Instant,
    pub last_updated: Instant,
    pub upload_requests: usize,
    pub users: usize,
    pub changes: Vec<Change>,
    /// When a triggered import finishes, and whether it fails.
    pub finishes: Option<(Instant, bool)>,
}

impl Session {
    pub(crate) fn new(id: String, now: Instant) -> Self {
        Self {
            id,
            status: SessionStatus::Created,
            created: now,
            last_updated: now,
            upload_requests: 0,
            users: 0,
            changes: Vec::new(),
            finishes: None,
        }
    }
}

/// A read-only picture of a session, for tests' assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// The session id (`aps…`).
    pub id: String,
    /// The identity source it belongs to.
    pub identity_source_id: String,
    /// Its status.
    pub status: SessionStatus,
    /// When it was created.
    pub created: SystemTime,
    /// When it last changed.
    pub last_updated: SystemTime,
    /// How many bulk-upsert and bulk-delete requests it accepted.
    pub upload_requests: usize,
    /// How many profiles (upserts and deletes) it accepted.
    pub users_in_session: usize,
}

/// The session as the API sends it: all six fields, as real bodies carry them (FACTS.md),
/// in the order of Okta's examples.
impl Serialize for SessionView {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut session = serializer.serialize_struct("IdentitySourceSession", 6)?;
        session.serialize_field("id", &self.id)?;
        session.serialize_field("identitySourceId", &self.identity_source_id)?;
        session.serialize_field("status", self.status.as_str())?;
        session.serialize_field("importType", "INCREMENTAL")?;
        session.serialize_field("created", &timestamp(self.created))?;
        session.serialize_field("lastUpdated", &timestamp(self.last_updated))?;
        session.end()
    }
}

/// `2022-04-04T15:56:05.000Z`, the format of FACTS.md's examples.
fn timestamp(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A user in an identity source's directory, as imports left it.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryUser {
    /// The profile: the attributes of every upsert, merged, later ones winning; an attribute
    /// sent as `null` is removed.
    pub profile: Map<String, Value>,
    /// False once a bulk-delete deactivated the user; an upsert activates it again.
    pub active: bool,
}
