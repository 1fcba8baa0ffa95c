//! The upload bodies of a real run, and where a session takes them from ([`Feed`]).
//!
//! With [`OnInvalid::Fail`](crate::OnInvalid::Fail) nothing may be sent before the last
//! record is checked. An input that can be read again ([`Source`](crate::Source)) is, and
//! its bodies are built one at a time as uploads go out
//! ([`Reread`](crate::reread::Reread)). An iterator can't be read twice, so a run over
//! iterators keeps every valid record until it is sent ([`Payloads`], [`Held`]): as the
//! request bodies themselves, each record moved (not copied) into its batch's body. Either
//! way each body is serialized once, by the client, as it is sent.

use okta_identity_source::models::{
    BulkDeleteRequestBody, BulkUpsertRequestBody, IdentitySourceEntityType,
    IdentitySourceUserForUpsert, IdentitySourceUserProfileForDelete,
};

use crate::error::Failure;
use crate::plan::BatchId;
use crate::preflight::Keep;
use crate::record::Position;

/// One upload's body and where its records came from.
#[derive(Debug, Clone)]
pub enum Payload {
    /// Users to create or update.
    Upsert(BulkUpsertRequestBody, Vec<Position>),
    /// Users to deactivate.
    Deactivate(BulkDeleteRequestBody, Vec<Position>),
}

impl Payload {
    /// How many records it carries.
    pub fn records(&self) -> u32 {
        let count = match self {
            Self::Upsert(body, _) => body.profiles.len(),
            Self::Deactivate(body, _) => body.profiles.len(),
        };
        count as u32
    }

    /// Where its records came from.
    pub fn positions(&self) -> &[Position] {
        match self {
            Self::Upsert(_, positions) | Self::Deactivate(_, positions) => positions,
        }
    }
}

/// Where a run takes its upload bodies from, one at a time, in the plan's order.
pub trait Feed {
    /// The next body of session `session` (counted from 0 in the plan); `None` once that
    /// session has no more.
    fn next_batch(&mut self, session: usize) -> Result<Option<Payload>, Failure>;
}

/// The bodies of every session, built while the records were checked.
#[derive(Debug)]
pub struct Held(Vec<std::vec::IntoIter<Payload>>);

impl Held {
    /// The bodies, grouped by session in plan order.
    pub fn new(sessions: Vec<Vec<Payload>>) -> Self {
        Self(sessions.into_iter().map(Vec::into_iter).collect())
    }
}

impl Feed for Held {
    fn next_batch(&mut self, session: usize) -> Result<Option<Payload>, Failure> {
        Ok(self.0.get_mut(session).and_then(Iterator::next))
    }
}

/// Every batch's body, by batch id.
#[derive(Debug, Default)]
pub struct Payloads {
    bodies: Vec<Payload>,
    /// The records a body is made room for at once, so that filling it moves none.
    batch_records: usize,
}

impl Payloads {
    /// Bodies of up to `batch_records` records.
    pub fn new(batch_records: u32) -> Self {
        Self {
            bodies: Vec::new(),
            batch_records: batch_records as usize,
        }
    }

    fn slot(&mut self, batch: BatchId, empty: impl Fn() -> Payload) -> &mut Payload {
        let index = batch.0 as usize;
        // Batches are numbered in order and get their first record at once; filling any
        // gap keeps this safe whatever the order.
        while self.bodies.len() <= index {
            self.bodies.push(empty());
        }
        &mut self.bodies[index]
    }

    /// The bodies grouped by session, in plan order, from the places the plan gave each
    /// batch id; batches that ended empty are dropped.
    pub fn into_sessions(
        self,
        places: &[Option<(usize, usize)>],
        sessions: usize,
    ) -> Vec<Vec<Payload>> {
        let mut grouped: Vec<Vec<Payload>> = (0..sessions).map(|_| Vec::new()).collect();
        for (payload, place) in self.bodies.into_iter().zip(places) {
            if let Some((session, _)) = place {
                grouped[*session].push(payload);
            }
        }
        grouped
    }
}

impl Keep for Payloads {
    fn user(&mut self, batch: BatchId, user: IdentitySourceUserForUpsert, position: Position) {
        let capacity = self.batch_records;
        let empty = || {
            let body = BulkUpsertRequestBody {
                entity_type: IdentitySourceEntityType::Users,
                profiles: Vec::with_capacity(capacity),
            };
            Payload::Upsert(body, Vec::with_capacity(capacity))
        };
        if let Payload::Upsert(body, positions) = self.slot(batch, empty) {
            body.profiles.push(user);
            positions.push(position);
        }
    }

    fn deactivation(&mut self, batch: BatchId, external_id: String, position: Position) {
        let capacity = self.batch_records;
        let empty = || {
            let body = BulkDeleteRequestBody {
                entity_type: IdentitySourceEntityType::Users,
                profiles: Vec::with_capacity(capacity),
            };
            Payload::Deactivate(body, Vec::with_capacity(capacity))
        };
        if let Payload::Deactivate(body, positions) = self.slot(batch, empty) {
            body.profiles
                .push(IdentitySourceUserProfileForDelete { external_id });
            positions.push(position);
        }
    }

    fn remove(&mut self, batch: BatchId, external_id: &str) {
        let Some(payload) = self.bodies.get_mut(batch.0 as usize) else {
            return;
        };
        let found = match payload {
            Payload::Upsert(body, _) => body
                .profiles
                .iter()
                .position(|user| user.external_id == external_id),
            Payload::Deactivate(body, _) => body
                .profiles
                .iter()
                .position(|user| user.external_id == external_id),
        };
        let Some(found) = found else {
            return;
        };
        match payload {
            Payload::Upsert(body, positions) => {
                body.profiles.remove(found);
                positions.remove(found);
            }
            Payload::Deactivate(body, positions) => {
                body.profiles.remove(found);
                positions.remove(found);
            }
        }
    }
}
