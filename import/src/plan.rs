//! The plan: which records go in which upload of which session, within Okta's limits.
//!
//! [`Planner`] is pure bookkeeping over sizes and counts: it never sees a profile, so the
//! same code lays out a dry run (which keeps no profiles) and a real run.

use std::fmt;

use serde::Serialize;

use crate::plural::count;
use crate::record::InvalidRecord;
use crate::report::Warning;

/// The limits a plan keeps to. The defaults are Okta's, with a margin under the ~200 KB
/// body limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// The most profiles (or external ids) in one upload (Okta: 200).
    pub max_batch_records: u32,
    /// The largest upload body, in bytes of JSON (default 180,000).
    pub max_batch_bytes: usize,
    /// The most uploads in one session (Okta: 50).
    pub max_session_requests: u32,
    /// The most users in one session, upserted and deactivated together (Okta: 10,000).
    pub max_session_records: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_batch_records: 200,
            max_batch_bytes: 180_000,
            max_session_requests: 50,
            max_session_records: 10_000,
        }
    }
}

impl Limits {
    /// Okta's own limits: the highest the importer plans for. The body limit is "about
    /// 200 KB" in Okta's guide, taken as 200,000 bytes.
    pub const OKTA: Limits = Limits {
        max_batch_records: 200,
        max_batch_bytes: 200_000,
        max_session_requests: 50,
        max_session_records: 10_000,
    };

    /// These limits with each one above Okta's lowered to Okta's, and each zero raised
    /// to one.
    pub fn within_okta(self) -> Self {
        let okta = Self::OKTA;
        Self {
            max_batch_records: self.max_batch_records.clamp(1, okta.max_batch_records),
            max_batch_bytes: self.max_batch_bytes.clamp(1, okta.max_batch_bytes),
            max_session_requests: self
                .max_session_requests
                .clamp(1, okta.max_session_requests),
            max_session_records: self.max_session_records.clamp(1, okta.max_session_records),
        }
    }
}

/// What an upload carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    /// Users to create or update (`bulk-upsert`).
    Upsert,
    /// External ids to deactivate (`bulk-delete`).
    Deactivate,
}

/// One upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BatchPlan {
    /// What it carries.
    pub kind: BatchKind,
    /// How many profiles or external ids.
    pub records: u32,
    /// The size of its JSON body.
    pub bytes: usize,
}

/// One session: its uploads, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SessionPlan {
    /// The uploads.
    pub batches: Vec<BatchPlan>,
}

impl SessionPlan {
    /// Users it creates or updates.
    pub fn users(&self) -> u64 {
        self.count(BatchKind::Upsert)
    }

    /// Users it deactivates.
    pub fn deactivations(&self) -> u64 {
        self.count(BatchKind::Deactivate)
    }

    fn count(&self, kind: BatchKind) -> u64 {
        self.batches
            .iter()
            .filter(|batch| batch.kind == kind)
            .map(|batch| u64::from(batch.records))
            .sum()
    }
}

/// What an import will do, computed before anything is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The sessions, in the order they will run.
    pub sessions: Vec<SessionPlan>,
    /// Users to create or update.
    pub users: u64,
    /// Users to deactivate.
    pub deactivations: u64,
    /// Records left out (with [`OnInvalid::Skip`](crate::OnInvalid::Skip)), with reasons.
    pub invalid: Vec<InvalidRecord>,
    /// Records replaced by a later one with the same `externalId`.
    pub warnings: Vec<Warning>,
}

impl Plan {
    /// Uploads in all sessions.
    pub fn uploads(&self) -> usize {
        self.sessions
            .iter()
            .map(|session| session.batches.len())
            .sum()
    }
}

/// `25000 users to create or update and 300 to deactivate: 3 sessions, 127 uploads`.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} to create or update and {} to deactivate: {}, {}",
            count(self.users, "user"),
            self.deactivations,
            count(self.sessions.len() as u64, "session"),
            count(self.uploads() as u64, "upload"),
        )?;
        if !self.invalid.is_empty() {
            let invalid = count(self.invalid.len() as u64, "invalid record");
            write!(f, "; {invalid} left out")?;
        }
        if !self.warnings.is_empty() {
            write!(f, "; {}", count(self.warnings.len() as u64, "warning"))?;
        }
        Ok(())
    }
}

/// Where a record was placed: its session and the upload within it, counted from 0 across
/// the whole plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatchId(pub(crate) u32);

/// The batch placed record `ordinal` went to, from the number of each batch's first record.
pub fn batch_of(firsts: &[u32], ordinal: u32) -> BatchId {
    let after = firsts.partition_point(|&first| first <= ordinal);
    BatchId(after.saturating_sub(1) as u32)
}

/// Why a record can't be placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    /// The body a batch of only this record would make.
    pub bytes: usize,
    /// The largest body allowed.
    pub max: usize,
}

/// Lays records out into batches and sessions as they come, from their serialized sizes.
#[derive(Debug, Clone)]
pub struct Planner {
    limits: Limits,
    /// The bytes of an upload body with no records: `{"entityType":"USERS","profiles":[]}`.
    envelope: usize,
    /// Every batch so far, with the session it belongs to.
    batches: Vec<(u32, BatchPlan)>,
    /// The number of each batch's first record: records are placed in the order of their
    /// numbers, so these tell which batch any placed record is in.
    firsts: Vec<u32>,
    /// Per session: uploads and records.
    sessions: Vec<(u32, u32)>,
}

impl Planner {
    /// An empty plan under `limits`, for bodies of `envelope` bytes plus their records.
    pub fn new(limits: Limits, envelope: usize) -> Self {
        Self {
            limits,
            envelope,
            batches: Vec::new(),
            firsts: Vec::new(),
            sessions: Vec::new(),
        }
    }

    /// Makes room for the batches and sessions of `records` more records, so that placing
    /// them moves nothing.
    pub fn reserve(&mut self, records: usize) {
        let batches = records.div_ceil(self.limits.max_batch_records.max(1) as usize);
        self.batches.reserve(batches);
        self.firsts.reserve(batches);
        let sessions = records.div_ceil(self.limits.max_session_records.max(1) as usize);
        self.sessions.reserve(sessions);
    }

    /// Places record `ordinal` (numbered higher than any placed before) of `kind`, whose
    /// JSON is `bytes` long; says which batch it went to.
    pub fn place(
        &mut self,
        kind: BatchKind,
        bytes: usize,
        ordinal: u32,
    ) -> Result<BatchId, TooLarge> {
        let alone = self.envelope + bytes;
        if alone > self.limits.max_batch_bytes {
            return Err(TooLarge {
                bytes: alone,
                max: self.limits.max_batch_bytes,
            });
        }
        if !self.fits_last_batch(kind, bytes) {
            self.open_batch(kind);
            self.firsts.push(ordinal);
        }
        let last = self.batches.len() - 1;
        let (session, batch) = &mut self.batches[last];
        // A comma before every record but the first.
        batch.bytes += bytes + usize::from(batch.records > 0);
        batch.records += 1;
        self.sessions[*session as usize].1 += 1;
        Ok(BatchId(last as u32))
    }

    /// The batch placed record `ordinal` went to.
    pub fn batch_of(&self, ordinal: u32) -> BatchId {
        batch_of(&self.firsts, ordinal)
    }

    /// The session (counted from 0 among those the planner opened, empty ones included)
    /// that `batch` belongs to.
    pub fn session_of(&self, batch: BatchId) -> Option<u32> {
        self.batches
            .get(batch.0 as usize)
            .map(|(session, _)| *session)
    }

    /// The last batch, while it can take one more record of its kind; `None` once it is
    /// full (by count, or by its session's count of records), or before any batch.
    pub fn last_open(&self) -> Option<BatchId> {
        let (session, batch) = self.batches.last()?;
        let session_records = self.sessions[*session as usize].1;
        let open = batch.records < self.limits.max_batch_records
            && session_records < self.limits.max_session_records;
        open.then(|| BatchId(self.batches.len() as u32 - 1))
    }

    /// The number of each batch's first record, by batch id.
    pub fn firsts(&self) -> &[u32] {
        &self.firsts
    }

    /// Takes a record of `bytes` back out of `batch` (it was replaced by a later one).
    pub fn remove(&mut self, batch: BatchId, bytes: usize) {
        let Some((session, plan)) = self.batches.get_mut(batch.0 as usize) else {
            return;
        };
        if plan.records == 0 {
            return;
        }
        plan.records -= 1;
        plan.bytes -= bytes + usize::from(plan.records > 0);
        self.sessions[*session as usize].1 -= 1;
    }

    fn fits_last_batch(&self, kind: BatchKind, bytes: usize) -> bool {
        let Some((session, batch)) = self.batches.last() else {
            return false;
        };
        let session_records = self.sessions[*session as usize].1;
        batch.kind == kind
            && batch.records < self.limits.max_batch_records
            && batch.bytes + 1 + bytes <= self.limits.max_batch_bytes
            && session_records < self.limits.max_session_records
    }

    fn open_batch(&mut self, kind: BatchKind) {
        let full = self.sessions.last().is_none_or(|&(requests, records)| {
            requests >= self.limits.max_session_requests
                || records >= self.limits.max_session_records
        });
        if full {
            self.sessions.push((0, 0));
        }
        let session = self.sessions.len() - 1;
        self.sessions[session].0 += 1;
        let batch = BatchPlan {
            kind,
            records: 0,
            bytes: self.envelope,
        };
        self.batches.push((session as u32, batch));
    }

    /// The finished layout: sessions of non-empty batches, and for each batch placed so
    /// far the session and position it ended at (`None` when it ended empty).
    pub fn finish(self) -> (Vec<SessionPlan>, Vec<Option<(usize, usize)>>) {
        let mut sessions: Vec<SessionPlan> = Vec::new();
        let mut places = Vec::with_capacity(self.batches.len());
        let mut last_session = None;
        for (session, batch) in self.batches {
            if batch.records == 0 {
                places.push(None);
                continue;
            }
            if last_session != Some(session) {
                sessions.push(SessionPlan::default());
                last_session = Some(session);
            }
            let current = sessions.len() - 1;
            places.push(Some((current, sessions[current].batches.len())));
            sessions[current].batches.push(batch);
        }
        (sessions, places)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENVELOPE: usize = 36;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn twenty_five_thousand_users_and_three_hundred_leavers_make_three_sessions() {
        let mut planner = Planner::new(limits(), ENVELOPE);
        for n in 0..25_000 {
            planner.place(BatchKind::Upsert, 200, n).unwrap();
        }
        for n in 25_000..25_300 {
            planner.place(BatchKind::Deactivate, 20, n).unwrap();
        }
        assert_eq!(planner.batch_of(0), BatchId(0));
        assert_eq!(planner.batch_of(24_999), BatchId(124));
        assert_eq!(planner.batch_of(25_000), BatchId(125));
        assert_eq!(planner.batch_of(25_299), BatchId(126));
        let (sessions, _) = planner.finish();
        let shape: Vec<(u64, u64, usize)> = sessions
            .iter()
            .map(|s| (s.users(), s.deactivations(), s.batches.len()))
            .collect();
        assert_eq!(shape, [(10_000, 0, 50), (10_000, 0, 50), (5_000, 300, 27)]);
        let last = &sessions[2].batches;
        assert_eq!(last[25].records, 200);
        assert_eq!(last[26].records, 100);
        assert_eq!(last[26].bytes, ENVELOPE + 100 * 20 + 99);
    }

    #[test]
    fn the_byte_budget_closes_batches_before_the_count_does() {
        let limits = Limits {
            max_batch_bytes: 1_000,
            ..limits()
        };
        let mut planner = Planner::new(limits, ENVELOPE);
        for n in 0..10 {
            planner.place(BatchKind::Upsert, 300, n).unwrap();
        }
        let (sessions, _) = planner.finish();
        let records: Vec<u32> = sessions[0].batches.iter().map(|b| b.records).collect();
        assert_eq!(records, [3, 3, 3, 1]);
        assert!(sessions[0].batches.iter().all(|b| b.bytes <= 1_000));
        assert_eq!(sessions[0].batches[0].bytes, ENVELOPE + 3 * 300 + 2);
    }

    #[test]
    fn a_record_too_large_alone_is_refused() {
        let limits = Limits {
            max_batch_bytes: 1_000,
            ..limits()
        };
        let mut planner = Planner::new(limits, ENVELOPE);
        assert_eq!(
            planner.place(BatchKind::Upsert, 965, 0),
            Err(TooLarge {
                bytes: 1_001,
                max: 1_000
            })
        );
        assert!(planner.place(BatchKind::Upsert, 964, 1).is_ok());
    }

    #[test]
    fn removed_records_leave_no_empty_batches() {
        let limits = Limits {
            max_batch_records: 2,
            ..limits()
        };
        let mut planner = Planner::new(limits, ENVELOPE);
        let first = planner.place(BatchKind::Upsert, 10, 0).unwrap();
        let second = planner.place(BatchKind::Upsert, 12, 1).unwrap();
        let third = planner.place(BatchKind::Upsert, 14, 5).unwrap();
        assert_eq!(first, second);
        assert_eq!(
            [0, 1, 5, 9].map(|ordinal| planner.batch_of(ordinal)),
            [first, first, third, third]
        );
        planner.remove(third, 14);
        planner.remove(first, 10);
        let (sessions, places) = planner.finish();
        assert_eq!(places, [Some((0, 0)), None]);
        assert_eq!(
            sessions[0].batches,
            [BatchPlan {
                kind: BatchKind::Upsert,
                records: 1,
                bytes: ENVELOPE + 12
            }]
        );
    }

    #[test]
    fn deactivations_start_a_batch_of_their_own() {
        let mut planner = Planner::new(limits(), ENVELOPE);
        planner.place(BatchKind::Upsert, 10, 0).unwrap();
        planner.place(BatchKind::Deactivate, 10, 1).unwrap();
        let (sessions, _) = planner.finish();
        let kinds: Vec<BatchKind> = sessions[0].batches.iter().map(|b| b.kind).collect();
        assert_eq!(kinds, [BatchKind::Upsert, BatchKind::Deactivate]);
    }
}
