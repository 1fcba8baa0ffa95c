//! The upload bodies of a real run, and where a session takes them from ([`Feed`]).
//!
//! Each record is serialised once, as it is checked, and its JSON goes straight into its
//! upload's body ([`Body`]): the plan needs its exact size anyway, and the client sends the
//! finished bytes as they are ([`JsonBody::from_serialized`]), without serialising again.
//!
//! With [`OnInvalid::Fail`](crate::OnInvalid::Fail) nothing may be sent before the last
//! record is checked. An input that can be read again ([`Source`](crate::Source)) is, and
//! its bodies are written one at a time as uploads go out
//! ([`Reread`](crate::reread::Reread)). An iterator can't be read twice, so a run over
//! iterators keeps the JSON of every valid record until it is sent ([`Payloads`],
//! [`Held`]), which takes less memory than the records themselves.
//!
//! With [`OnInvalid::Skip`](crate::OnInvalid::Skip) and
//! [`Duplicates::Fail`](crate::Duplicates::Fail), no later record can change an upload
//! already written, so a run over iterators streams: each body goes out as soon as it is
//! full ([`Outbox`]), while the next records are checked.

use std::collections::VecDeque;
use std::sync::OnceLock;

use okta_identity_source::JsonBody;
use okta_identity_source::models::{
    BulkDeleteRequestBody, BulkUpsertRequestBody, IdentitySourceEntityType,
};

use crate::error::Failure;
use crate::plan::{BatchId, BatchKind, Limits, Plan};
use crate::positions::At;
use crate::preflight::Keep;
use crate::record::Position;

/// One upload's body, ready to send, and where its records came from.
#[derive(Debug, Clone)]
pub enum Payload {
    /// Users to create or update.
    Upsert(JsonBody<BulkUpsertRequestBody>, Vec<Position>),
    /// Users to deactivate.
    Deactivate(JsonBody<BulkDeleteRequestBody>, Vec<Position>),
}

impl Payload {
    /// How many records it carries.
    pub fn records(&self) -> u32 {
        self.positions().len() as u32
    }

    /// Where its records came from.
    pub fn positions(&self) -> &[Position] {
        match self {
            Self::Upsert(_, positions) | Self::Deactivate(_, positions) => positions,
        }
    }

    /// Its JSON.
    #[cfg(test)]
    pub fn json(&self) -> &[u8] {
        let json = match self {
            Self::Upsert(body, _) => body.as_bytes(),
            Self::Deactivate(body, _) => body.as_bytes(),
        };
        json.unwrap_or_default()
    }

    /// What it sends, and from where.
    #[cfg(test)]
    pub fn sent(&self) -> (Vec<u8>, Vec<Position>) {
        (self.json().to_vec(), self.positions().to_vec())
    }
}

/// The JSON an upload body of `kind` starts and ends with around its records:
/// `{"entityType":"USERS","profiles":[` and `]}`, as the client's own types serialise.
pub fn envelope(kind: BatchKind) -> (&'static [u8], &'static [u8]) {
    static UPSERT: OnceLock<Vec<u8>> = OnceLock::new();
    static DEACTIVATE: OnceLock<Vec<u8>> = OnceLock::new();
    let empty = match kind {
        BatchKind::Upsert => UPSERT.get_or_init(|| {
            let body = BulkUpsertRequestBody {
                entity_type: IdentitySourceEntityType::Users,
                profiles: Vec::new(),
            };
            serde_json::to_vec(&body).unwrap_or_default()
        }),
        BatchKind::Deactivate => DEACTIVATE.get_or_init(|| {
            let body = BulkDeleteRequestBody {
                entity_type: IdentitySourceEntityType::Users,
                profiles: Vec::new(),
            };
            serde_json::to_vec(&body).unwrap_or_default()
        }),
    };
    // The empty list of profiles is the only `[]` in it; its records go in between.
    let split = empty
        .windows(2)
        .position(|pair| pair == b"[]")
        .map_or(empty.len(), |at| at + 1);
    empty.split_at(split)
}

/// An upload body being written: the envelope's start, then each record's JSON after a
/// comma. A record taken back out leaves a hole, closed when the body is finished.
#[derive(Debug)]
pub struct Body {
    kind: BatchKind,
    json: Vec<u8>,
    /// Each record's number and where its JSON is in `json`, in order.
    records: Vec<Span>,
    positions: Vec<Position>,
    holes: bool,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    ordinal: u32,
    start: u32,
    end: u32,
}

impl Body {
    /// An empty body of `kind`, with room for `records` records like `first` and a
    /// quarter more, so that records a little longer than the first fill it without moving
    /// it, but never for more than `max_bytes`, the most a body can hold; what is left over
    /// is given back when it is finished.
    pub fn new(kind: BatchKind, records: usize, first: &[u8], max_bytes: usize) -> Self {
        let (start, end) = envelope(kind);
        let room = records
            .saturating_mul(first.len() + first.len() / 4 + 1)
            .min(max_bytes);
        let mut json = Vec::with_capacity(start.len() + room + end.len());
        json.extend_from_slice(start);
        Self {
            kind,
            json,
            records: Vec::with_capacity(records),
            positions: Vec::with_capacity(records),
            holes: false,
        }
    }

    /// What it carries.
    pub fn kind(&self) -> BatchKind {
        self.kind
    }

    /// How many records it has.
    pub fn records(&self) -> usize {
        self.records.len()
    }

    /// Adds record `ordinal` (numbered higher than those before), whose JSON is `json`.
    pub fn push(&mut self, ordinal: u32, json: &[u8], position: Position) {
        if !self.records.is_empty() {
            self.json.push(b',');
        }
        let start = self.json.len();
        self.json.extend_from_slice(json);
        self.records.push(Span {
            ordinal,
            start: start as u32,
            end: self.json.len() as u32,
        });
        self.positions.push(position);
    }

    /// Takes record `ordinal` back out, if it is here.
    pub fn remove(&mut self, ordinal: u32) {
        if let Ok(found) = self
            .records
            .binary_search_by_key(&ordinal, |span| span.ordinal)
        {
            self.records.remove(found);
            self.positions.remove(found);
            self.holes = true;
        }
    }

    /// The finished body, ready to send.
    pub fn finish(self) -> Payload {
        let (start, end) = envelope(self.kind);
        let mut json = if self.holes {
            let mut json = Vec::with_capacity(self.json.len());
            json.extend_from_slice(start);
            for (index, span) in self.records.iter().enumerate() {
                if index > 0 {
                    json.push(b',');
                }
                json.extend_from_slice(&self.json[span.start as usize..span.end as usize]);
            }
            json
        } else {
            self.json
        };
        json.extend_from_slice(end);
        json.shrink_to_fit();
        match self.kind {
            BatchKind::Upsert => Payload::Upsert(JsonBody::from_serialized(json), self.positions),
            BatchKind::Deactivate => {
                Payload::Deactivate(JsonBody::from_serialized(json), self.positions)
            }
        }
    }
}

/// Where a run takes its sessions and their upload bodies from, one at a time, in the
/// plan's order.
///
/// A planned run knows every session before the first request ([`Held`],
/// [`Reread`](crate::reread::Reread)); a streamed one ([`Streamed`](crate::preflight::Streamed))
/// checks the records as the uploads go out, and learns of a session when its first
/// upload is written.
pub trait Feed {
    /// Whether there is a session `session` (counted from 0), asked once per session in
    /// order, after the one before has run.
    fn has_session(&mut self, session: usize) -> Result<bool, Failure>;

    /// The next body of session `session`; `None` once that session has no more.
    fn next_batch(&mut self, session: usize) -> Result<Option<Payload>, Failure>;

    /// The uploads of session `session` known so far: every one of a planned run's, those
    /// taken so far of a streamed run's.
    fn uploads(&self, session: usize) -> u32;

    /// Does a little of the work for the bodies to come (a streamed run checks a few more
    /// records) while the uploads are in flight; false when there is nothing to do ahead.
    fn work_ahead(&mut self) -> bool {
        false
    }

    /// A streamed run's plan, as far as the records were read, and whether they were read
    /// to the end; `None` for a planned run, whose plan came first.
    fn take_plan(&mut self) -> Option<(Plan, bool)> {
        None
    }
}

/// The bodies of every session, written while the records were checked.
#[derive(Debug)]
pub struct Held(Vec<(u32, std::vec::IntoIter<Payload>)>);

impl Held {
    /// The bodies, grouped by session in plan order.
    pub fn new(sessions: Vec<Vec<Payload>>) -> Self {
        Self(
            sessions
                .into_iter()
                .map(|bodies| (bodies.len() as u32, bodies.into_iter()))
                .collect(),
        )
    }
}

impl Feed for Held {
    fn has_session(&mut self, session: usize) -> Result<bool, Failure> {
        Ok(session < self.0.len())
    }

    fn next_batch(&mut self, session: usize) -> Result<Option<Payload>, Failure> {
        Ok(self
            .0
            .get_mut(session)
            .and_then(|(_, bodies)| bodies.next()))
    }

    fn uploads(&self, session: usize) -> u32 {
        self.0.get(session).map_or(0, |(uploads, _)| *uploads)
    }
}

/// The bodies of a streamed run: the one being written, and those finished and not yet
/// sent, in order, each with the batch it was placed as.
#[derive(Debug, Default)]
pub struct Outbox {
    writing: Option<(BatchId, Body)>,
    finished: VecDeque<(BatchId, Body)>,
    /// The records a body is made room for at once.
    batch_records: usize,
    /// The most bytes a body is made room for.
    batch_bytes: usize,
}

impl Outbox {
    /// Bodies within `limits`.
    pub fn new(limits: &Limits) -> Self {
        Self {
            batch_records: limits.max_batch_records as usize,
            batch_bytes: limits.max_batch_bytes,
            ..Self::default()
        }
    }

    /// The batch whose body is being written.
    pub fn writing(&self) -> Option<BatchId> {
        self.writing.as_ref().map(|(batch, _)| *batch)
    }

    /// Ends the body being written: no more records go into it.
    pub fn close(&mut self) {
        if let Some((batch, body)) = self.writing.take()
            && body.records() > 0
        {
            self.finished.push_back((batch, body));
        }
    }

    /// The batch of the first finished body.
    pub fn first(&self) -> Option<BatchId> {
        self.finished.front().map(|(batch, _)| *batch)
    }

    /// How many finished bodies wait to be sent.
    pub fn waiting(&self) -> usize {
        self.finished.len()
    }

    /// The first finished body, ready to send.
    pub fn pop(&mut self) -> Option<Payload> {
        self.finished.pop_front().map(|(_, body)| body.finish())
    }
}

impl Keep for Outbox {
    fn place(&mut self, kind: BatchKind, batch: BatchId, ordinal: u32, json: &[u8], at: At<'_>) {
        if self.writing() != Some(batch) {
            self.close();
            let body = Body::new(kind, self.batch_records, json, self.batch_bytes);
            self.writing = Some((batch, body));
        }
        if let Some((_, body)) = &mut self.writing {
            body.push(ordinal, json, at.to_position());
        }
    }

    /// Only the body being written can lose a record: those finished may have been sent.
    /// A streamed run (invalid records skipped, repeated ids refused) takes out only users
    /// also deactivated, which it withholds and never writes, so nothing written is lost.
    fn remove(&mut self, batch: BatchId, ordinal: u32) {
        if let Some((writing, body)) = &mut self.writing
            && *writing == batch
        {
            body.remove(ordinal);
        }
    }
}

/// Every batch's body, by batch id, written as the records are checked.
#[derive(Debug, Default)]
pub struct Payloads {
    bodies: Vec<Body>,
    /// The records a body is made room for at once, so that filling it moves none.
    batch_records: usize,
    /// The most bytes a body is made room for.
    batch_bytes: usize,
}

impl Payloads {
    /// Bodies within `limits`.
    pub fn new(limits: &Limits) -> Self {
        Self {
            bodies: Vec::new(),
            batch_records: limits.max_batch_records as usize,
            batch_bytes: limits.max_batch_bytes,
        }
    }

    /// The bodies grouped by session, in plan order, from the places the plan gave each
    /// batch id; batches that ended empty are dropped.
    pub fn into_sessions(
        self,
        places: &[Option<(usize, usize)>],
        sessions: usize,
    ) -> Vec<Vec<Payload>> {
        let mut grouped: Vec<Vec<Payload>> = (0..sessions).map(|_| Vec::new()).collect();
        for (body, place) in self.bodies.into_iter().zip(places) {
            if let Some((session, _)) = place {
                grouped[*session].push(body.finish());
            }
        }
        grouped
    }
}

impl Keep for Payloads {
    fn place(&mut self, kind: BatchKind, batch: BatchId, ordinal: u32, json: &[u8], at: At<'_>) {
        let index = batch.0 as usize;
        // Batches are numbered in order and get their first record at once; filling any
        // gap keeps this safe whatever the order.
        while self.bodies.len() <= index {
            self.bodies
                .push(Body::new(kind, self.batch_records, json, self.batch_bytes));
        }
        self.bodies[index].push(ordinal, json, at.to_position());
    }

    fn remove(&mut self, batch: BatchId, ordinal: u32) {
        if let Some(body) = self.bodies.get_mut(batch.0 as usize) {
            body.remove(ordinal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_its_records_json_in_the_envelope_with_holes_closed() {
        let (start, end) = envelope(BatchKind::Deactivate);
        assert_eq!(start, br#"{"entityType":"USERS","profiles":["#);
        assert_eq!(end, b"]}");
        let mut body = Body::new(BatchKind::Deactivate, 4, br#"{"externalId":"a"}"#, 1_000);
        for (ordinal, id) in [(3, "a"), (5, "b"), (8, "c")] {
            let json = format!(r#"{{"externalId":"{id}"}}"#);
            body.push(
                ordinal,
                json.as_bytes(),
                Position::record(u64::from(ordinal)),
            );
        }
        body.remove(5);
        body.remove(6);
        assert_eq!(body.records(), 2);
        let payload = body.finish();
        assert_eq!(
            payload.json(),
            br#"{"entityType":"USERS","profiles":[{"externalId":"a"},{"externalId":"c"}]}"#
        );
        let indexes: Vec<u64> = payload.positions().iter().map(|p| p.index).collect();
        assert_eq!(indexes, [3, 8]);
        assert!(matches!(payload, Payload::Deactivate(..)));
    }

    #[test]
    fn a_large_first_record_makes_room_for_no_more_than_a_body_can_hold() {
        let first = vec![b' '; 100_000];
        let body = Body::new(BatchKind::Upsert, 200, &first, 180_000);
        let (start, end) = envelope(BatchKind::Upsert);
        assert!(body.json.capacity() <= start.len() + 180_000 + end.len());
        let small = Body::new(BatchKind::Upsert, 200, b"{}", 180_000);
        assert!(small.json.capacity() >= start.len() + 200 * 2 + end.len());
    }
}
