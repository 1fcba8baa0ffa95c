//! The second read of a [`Source`]: the records the plan kept, built into upload bodies one
//! at a time as the uploads go out.
//!
//! The check numbered every record (users first, then deactivations) and marked those in
//! the plan ([`Placed`]). Reading again in the same order, a record is sent when it is
//! marked; the plan placed records in the order of their numbers, so each upload's records
//! come one after the other: besides the uploads in flight, only the one being built is
//! held. Each record kept is checked again against Okta's rules, and each upload must get
//! as many records as planned, with the same ids, numbers and sizes (the sum of their
//! marks): an input that changed in between stops the import rather than send what was not
//! checked.

use std::borrow::Borrow;

use crate::error::Failure;
use crate::payload::{Body, Feed, Payload};
use crate::placed::{Placed, mark};
use crate::plan::{BatchId, BatchKind, BatchPlan, Plan};
use crate::positions::At;
use crate::preflight::{Ordinals, number_position};
use crate::record::{Deactivation, Input, InvalidRecord, Position, UserRecord};
use crate::record_json::{write_deactivation, write_user};
use crate::rules;
use crate::source::Source;

/// A record the plan kept, read again, with the upload it goes to. Its JSON is in
/// [`Reread::json`] until the next record is read.
struct Kept {
    /// The session and the upload within it.
    place: (usize, usize),
    /// The batch it was placed in, and its mark.
    batch: BatchId,
    mark: u64,
    kind: BatchKind,
    ordinal: u32,
    position: Position,
}

enum Reading<U, D> {
    Users(U, u64),
    Deactivations(D, u64),
    Done,
}

/// The upload bodies of a run over a [`Source`], read again as they are needed.
pub struct Reread<S: Source> {
    source: S,
    reading: Reading<S::Users, S::Deactivations>,
    ordinals: Ordinals,
    placed: Placed,
    places: Vec<Option<(usize, usize)>>,
    /// The planned uploads of each session, to check each body against.
    batches: Vec<Vec<BatchPlan>>,
    /// The session and upload of the next body.
    next: (usize, usize),
    /// A record read ahead: the first of the next upload.
    ahead: Option<Kept>,
    /// The JSON of the last record read that the plan kept.
    json: Vec<u8>,
}

impl<S: Source> Reread<S> {
    /// Reads `source` again for `plan`, made of its first read, which placed each batch
    /// id at `places` and `placed` the records.
    pub fn new(
        mut source: S,
        places: Vec<Option<(usize, usize)>>,
        placed: Placed,
        plan: &Plan,
    ) -> Result<Self, Failure> {
        let users = source.users().map_err(Failure::Read)?;
        Ok(Self {
            source,
            reading: Reading::Users(users, 0),
            ordinals: Ordinals::default(),
            placed,
            places,
            batches: plan
                .sessions
                .iter()
                .map(|session| session.batches.clone())
                .collect(),
            next: (0, 0),
            ahead: None,
            json: Vec::new(),
        })
    }

    /// The next record the plan kept, if any is left.
    fn next_kept(&mut self) -> Result<Option<Kept>, Failure> {
        loop {
            match &mut self.reading {
                Reading::Users(users, number) => {
                    let Some(user) = users.next() else {
                        let deactivations = self.source.deactivations().map_err(Failure::Read)?;
                        self.reading = Reading::Deactivations(deactivations, 0);
                        continue;
                    };
                    *number += 1;
                    let number = *number;
                    if let Some(kept) = self.user(user, number)? {
                        return Ok(Some(kept));
                    }
                }
                Reading::Deactivations(deactivations, number) => {
                    let Some(deactivation) = deactivations.next() else {
                        self.reading = Reading::Done;
                        // Records added at the end were never checked, nor placed.
                        if self.ordinals.count() > self.placed.records_read() {
                            return Err(Failure::InputChanged(format!(
                                "it has {} more records than were checked",
                                self.ordinals.count() - self.placed.records_read()
                            )));
                        }
                        continue;
                    };
                    *number += 1;
                    let number = *number;
                    if let Some(kept) = self.deactivation(deactivation, number)? {
                        return Ok(Some(kept));
                    }
                }
                Reading::Done => return Ok(None),
            }
        }
    }

    /// The user, when it is the record the plan kept for its id.
    fn user(
        &mut self,
        user: Result<impl Borrow<UserRecord>, InvalidRecord>,
        number: u64,
    ) -> Result<Option<Kept>, Failure> {
        let Some((ordinal, user)) = self.placed_record(user) else {
            return Ok(None);
        };
        let user = user.borrow();
        let mut reasons = Vec::new();
        rules::check_external_id(&user.external_id, &mut reasons);
        rules::check_profile(&user.profile, &mut reasons);
        self.json.clear();
        write_user(&mut self.json, &user.external_id, &user.profile);
        let valid = reasons.is_empty();
        let position = At::new(&user.position, number, Input::Users).to_position();
        self.written(
            ordinal,
            BatchKind::Upsert,
            &user.external_id,
            valid,
            position,
        )
    }

    /// The deactivation, when it is the record the plan kept for its id.
    fn deactivation(
        &mut self,
        deactivation: Result<Deactivation, InvalidRecord>,
        number: u64,
    ) -> Result<Option<Kept>, Failure> {
        let Some((ordinal, mut deactivation)) = self.placed_record(deactivation) else {
            return Ok(None);
        };
        number_position(&mut deactivation.position, number, Input::Deactivations);
        let mut reasons = Vec::new();
        rules::check_external_id(&deactivation.external_id, &mut reasons);
        self.json.clear();
        write_deactivation(&mut self.json, &deactivation.external_id);
        let valid = reasons.is_empty();
        self.written(
            ordinal,
            BatchKind::Deactivate,
            &deactivation.external_id,
            valid,
            deactivation.position,
        )
    }

    /// The next record's number and the record, when it was read and the plan has it.
    fn placed_record<T>(&mut self, record: Result<T, InvalidRecord>) -> Option<(u32, T)> {
        let ordinal = self.ordinals.next()?;
        let record = record.ok()?;
        self.placed.is_placed(ordinal).then_some((ordinal, record))
    }

    /// Record `ordinal` of `kind`, read again, its JSON written into [`Reread::json`]:
    /// still `valid`, with the upload the plan has it in and its mark.
    fn written(
        &mut self,
        ordinal: u32,
        kind: BatchKind,
        external_id: &str,
        valid: bool,
        position: Position,
    ) -> Result<Option<Kept>, Failure> {
        let id = self.placed.ids.of(external_id);
        let batch = self.placed.batch_of(ordinal);
        let place = self.places.get(batch.0 as usize).copied().flatten();
        let (Some(place), true) = (place, valid) else {
            return Err(changed(&position));
        };
        let bytes = self.json.len();
        Ok(Some(Kept {
            place,
            batch,
            mark: mark(id, ordinal, bytes),
            kind,
            ordinal,
            position,
        }))
    }

    /// The body of upload `next`, as `planned`: its records are read, and their
    /// JSON written into it, until one of a later upload comes; and whether they are those
    /// the plan put there (the sum of their marks is its batch's).
    fn fill(
        &mut self,
        next: (usize, usize),
        planned: BatchPlan,
    ) -> Result<(Option<Body>, bool), Failure> {
        let mut body: Option<Body> = None;
        let mut batch_and_sum: Option<(BatchId, u64)> = None;
        let as_planned = |batch_and_sum: Option<(BatchId, u64)>, placed: &Placed| {
            batch_and_sum.is_none_or(|(batch, sum)| placed.sum(batch) == sum)
        };
        loop {
            let kept = match self.ahead.take() {
                Some(kept) => kept,
                None => match self.next_kept()? {
                    Some(kept) => kept,
                    None => return Ok((body, as_planned(batch_and_sum, &self.placed))),
                },
            };
            if kept.place != next {
                if kept.place < next {
                    return Err(changed(&kept.position));
                }
                self.ahead = Some(kept);
                return Ok((body, as_planned(batch_and_sum, &self.placed)));
            }
            let (_, sum) = batch_and_sum.get_or_insert((kept.batch, 0));
            *sum = sum.wrapping_add(kept.mark);
            let body = body.get_or_insert_with(|| {
                Body::new(
                    kept.kind,
                    planned.records as usize,
                    &self.json,
                    planned.bytes,
                )
            });
            // A plan never puts both kinds in one upload.
            if body.kind() != kept.kind {
                return Err(changed(&kept.position));
            }
            body.push(kept.ordinal, &self.json, kept.position);
        }
    }
}

impl<S: Source> Feed for Reread<S> {
    fn has_session(&mut self, session: usize) -> Result<bool, Failure> {
        Ok(session < self.batches.len())
    }

    fn uploads(&self, session: usize) -> u32 {
        self.batches.get(session).map_or(0, |b| b.len() as u32)
    }

    fn next_batch(&mut self, session: usize) -> Result<Option<Payload>, Failure> {
        if self.next.0 != session {
            self.next = (session, 0);
        }
        let Some(planned) = self.batches.get(session).and_then(|b| b.get(self.next.1)) else {
            return Ok(None);
        };
        let planned = *planned;
        let (body, as_planned) = self.fill(self.next, planned)?;
        // With the same records (ids, numbers and sizes), the body is as planned.
        let records = body.as_ref().map_or(0, Body::records);
        if records != planned.records as usize || !as_planned {
            return Err(Failure::InputChanged(format!(
                "upload {} of session {} does not have the records that were checked",
                self.next.1 + 1,
                session + 1
            )));
        }
        self.next.1 += 1;
        Ok(body.map(Body::finish))
    }
}

fn changed(position: &Position) -> Failure {
    Failure::InputChanged(format!(
        "the record at {position} is not the one that was checked"
    ))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::options::{Duplicates, OnInvalid, Options};
    use crate::payload::Payloads;
    use crate::plan::Limits;
    use crate::preflight::{Checked, check, check_marking};
    use crate::test_records::{Leavers, Users, leavers, users};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever the records, repeats, conflicts and limits, reading the input again
        /// builds exactly the uploads that keeping the records does, session by session.
        #[test]
        fn a_second_read_builds_the_uploads_that_keeping_the_records_does(
            rows in prop::collection::vec((0u32..300, 1usize..50), 0..400),
            leaver_ids in prop::collection::vec(0u32..400, 0..100),
            max_batch_records in 1u32..=20,
            max_session_requests in 1u32..=5,
            last_wins in any::<bool>(),
            skip in any::<bool>(),
        ) {
            let limits = Limits { max_batch_records, max_session_requests, ..Limits::default() };
            let options = Options::default()
                .limits(limits)
                .on_invalid(if skip { OnInvalid::Skip } else { OnInvalid::Fail })
                .duplicates(if last_wins { Duplicates::LastWins } else { Duplicates::Fail });
            let (users, leavers): (Users, Leavers) = (users(&rows), leavers(&leaver_ids));
            let mut payloads = Payloads::new(&limits);
            let held = check(users.clone(), leavers.clone(), &options, &mut payloads);
            let held_sessions = payloads.into_sessions(&held.places, held.plan.sessions.len());
            let Checked { plan, places, placed } = check_marking(users.clone(), leavers.clone(), &options, &mut ());
            prop_assert_eq!(&plan, &held.plan);
            let source = (|| users.clone(), || leavers.clone());
            let mut reread = Reread::new(source, places, placed, &plan)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (session, bodies) in held_sessions.iter().enumerate() {
                for body in bodies {
                    let read = reread.next_batch(session).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(read.as_ref().map(Payload::sent), Some(body.sent()));
                }
                prop_assert!(matches!(reread.next_batch(session), Ok(None)));
            }
        }
    }
}
