//! Reading every record once: numbering, Okta's rules, repeated ids, sizes, and placing
//! each valid record in the plan. Each valid record is written as JSON once
//! ([`record_json`](crate::record_json)), which gives its exact size; what is kept of its
//! JSON is up to a [`Keep`]: a dry run keeps nothing, a run writes it into its upload's
//! body. A streamed run ([`Streamed`]) reads the records as its uploads go out.

use std::borrow::Borrow;
use std::iter::Zip;
use std::ops::RangeFrom;
use std::sync::Arc;
use std::vec;

use crate::census::{Candidates, Census};
use crate::error::Failure;
use crate::options::{Duplicates, Options};
use crate::payload::{Feed, Outbox, Payload, envelope};
use crate::placed::{Placed, mark};
use crate::plan::{BatchId, BatchKind, Plan, Planner, SessionPlan, TooLarge};
use crate::positions::{At, Positions};
use crate::record::{Deactivation, Input, InvalidRecord, Position, UserRecord};
use crate::record_json::{write_deactivation, write_user};
use crate::report::Warning;
use crate::rules;
use crate::seen::{Fingerprint, Fingerprinter, Seen};

/// What is kept of each placed record.
pub trait Keep {
    /// Record `ordinal` of `kind`, whose JSON is `json`, placed in `batch`.
    fn place(&mut self, kind: BatchKind, batch: BatchId, ordinal: u32, json: &[u8], at: At<'_>);
    /// Record `ordinal` taken back out of `batch`.
    fn remove(&mut self, batch: BatchId, ordinal: u32);
}

/// Keeps nothing: a dry run.
impl Keep for () {
    fn place(&mut self, _: BatchKind, _: BatchId, _: u32, _: &[u8], _: At<'_>) {}
    fn remove(&mut self, _: BatchId, _: u32) {}
}

/// The plan, and what a second read of the input needs to find each placed record's upload.
pub struct Checked {
    pub plan: Plan,
    /// For each batch id handed to the [`Keep`], the session and position it ended at
    /// (`None` when every record in it was taken back out).
    pub places: Vec<Option<(usize, usize)>>,
    pub placed: Placed,
}

/// Which ids a check keeps exactly, and whether it notes them all in a census.
pub struct Tracking {
    /// The keys ids are fingerprinted with.
    pub ids: Fingerprinter,
    /// The only ids kept, when not every one is: every other id must occur once at most.
    pub only: Option<Arc<Candidates>>,
    /// Where every id that could repeat is noted.
    pub census: Census,
    /// Whether the records placed are marked for a second read ([`Checked::placed`]).
    pub marks: bool,
}

impl Tracking {
    /// Keeps every id; finds no candidates; marks nothing (an input read once).
    pub fn every() -> Self {
        Self {
            ids: Fingerprinter::default(),
            only: None,
            census: Census::default(),
            marks: false,
        }
    }
}

/// Reads every record, checks it and places the valid ones, keeping every id.
pub fn check<U, D, R>(
    users: U,
    deactivations: D,
    options: &Options,
    keep: &mut impl Keep,
) -> Checked
where
    U: IntoIterator<Item = Result<R, InvalidRecord>>,
    D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    R: Borrow<UserRecord>,
{
    check_tracking(users, deactivations, options, keep, Tracking::every()).0
}

/// [`check`], marking the records placed for a second read, as a check of a
/// [`Source`](crate::Source) does.
#[cfg(test)]
pub fn check_marking<U, D, R>(
    users: U,
    deactivations: D,
    options: &Options,
    keep: &mut impl Keep,
) -> Checked
where
    U: IntoIterator<Item = Result<R, InvalidRecord>>,
    D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    R: Borrow<UserRecord>,
{
    let tracking = Tracking {
        marks: true,
        ..Tracking::every()
    };
    check_tracking(users, deactivations, options, keep, tracking).0
}

/// [`check`], keeping the ids `tracking` says, and the census of the ids it noted.
pub fn check_tracking<U, D, R>(
    users: U,
    deactivations: D,
    options: &Options,
    keep: &mut impl Keep,
    tracking: Tracking,
) -> (Checked, Census)
where
    U: IntoIterator<Item = Result<R, InvalidRecord>>,
    D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    R: Borrow<UserRecord>,
{
    let mut run = Preflight::new(options, tracking);
    let users = users.into_iter();
    run.reserve(users.size_hint().0);
    for (number, user) in (1..).zip(users) {
        run.read_user(number, user, keep);
    }
    for (number, deactivation) in (1..).zip(deactivations) {
        run.read_deactivation(number, deactivation, keep);
    }
    run.finish()
}

/// The most ids made room for ahead of reading them (about 35 MB).
const MAX_RESERVED: usize = 1 << 20;

/// Numbers records from 0, users first, then deactivations: `None` past `u32::MAX`.
#[derive(Debug, Default)]
pub struct Ordinals(u64);

impl Ordinals {
    /// How many records were numbered so far.
    pub fn count(&self) -> u64 {
        self.0
    }

    /// The next record's number.
    pub fn next(&mut self) -> Option<u32> {
        let ordinal = u32::try_from(self.0).ok();
        self.0 += 1;
        ordinal
    }
}

struct Preflight<'o> {
    options: &'o Options,
    planner: Planner,
    ids: Fingerprinter,
    users: Seen,
    deactivated: Seen,
    /// The ids of deactivations read ahead of the users ([`Streamed`]): a user with one of
    /// them is placed, as it will be taken out again, but never written.
    withheld: Option<Seen>,
    census: Census,
    placed: Placed,
    marks: bool,
    positions: Positions,
    ordinals: Ordinals,
    invalid: Vec<InvalidRecord>,
    warnings: Vec<Warning>,
    /// The JSON of the record being placed.
    json: Vec<u8>,
}

impl<'o> Preflight<'o> {
    fn new(options: &'o Options, tracking: Tracking) -> Self {
        let seen = || tracking.only.clone().map_or_else(Seen::default, Seen::only);
        Self {
            options,
            planner: Planner::new(options.limits, envelope_bytes()),
            ids: tracking.ids,
            users: seen(),
            deactivated: seen(),
            withheld: None,
            census: tracking.census,
            placed: Placed::new(tracking.ids),
            marks: tracking.marks,
            positions: Positions::default(),
            ordinals: Ordinals::default(),
            invalid: Vec::new(),
            warnings: Vec::new(),
            json: Vec::new(),
        }
    }

    /// Makes room for as many users as the input says it has at least, so that neither
    /// the set of ids nor the plan grows.
    fn reserve(&mut self, users: usize) {
        let users = users.min(MAX_RESERVED);
        self.users.reserve(users);
        self.planner.reserve(users);
    }

    /// Reads user `number` (counted from 1) of the input.
    fn read_user<R: Borrow<UserRecord>>(
        &mut self,
        number: u64,
        user: Result<R, InvalidRecord>,
        keep: &mut impl Keep,
    ) {
        let input = Input::Users;
        match self.with_ordinal(number, user, input, |user: &UserRecord| &user.position) {
            Some((Ok(user), ordinal)) => {
                let user = user.borrow();
                self.user(user, At::new(&user.position, number, input), ordinal, keep);
            }
            // A record its reader refused still has its id, when the reader could tell it:
            // a later record or a deactivation of that id must find it.
            Some((Err(refused), ordinal)) if refused.external_id.is_some() => {
                self.refused_user(refused, number, ordinal, keep);
            }
            Some((Err(refused), _)) => self.invalid.push(numbered(refused, number, input)),
            None => {}
        }
    }

    /// Reads deactivation `number` (counted from 1) of the input, after every user.
    fn read_deactivation(
        &mut self,
        number: u64,
        deactivation: Result<Deactivation, InvalidRecord>,
        keep: &mut impl Keep,
    ) {
        let input = Input::Deactivations;
        match self.with_ordinal(number, deactivation, input, |d: &Deactivation| &d.position) {
            Some((Ok(deactivation), ordinal)) => {
                let at = At::new(&deactivation.position, number, input);
                self.deactivation(&deactivation, at, ordinal, keep);
            }
            Some((Err(refused), _)) => self.invalid.push(numbered(refused, number, input)),
            None => {}
        }
    }

    /// Record `number` of `input`, read or refused by its reader, and its ordinal; `None`,
    /// with the reason noted, for one past the last ordinal. The record may be the caller's,
    /// borrowed: its position is numbered only where it is reported, in a copy.
    fn with_ordinal<R: Borrow<T>, T>(
        &mut self,
        number: u64,
        record: Result<R, InvalidRecord>,
        input: Input,
        position: impl FnOnce(&T) -> &Position,
    ) -> Option<(Result<R, InvalidRecord>, u32)> {
        let Some(ordinal) = self.ordinals.next() else {
            let invalid = match record {
                Ok(record) => too_many(position(record.borrow()).clone(), number, input),
                Err(invalid) => numbered(invalid, number, input),
            };
            self.invalid.push(invalid);
            return None;
        };
        Some((record, ordinal))
    }

    /// Notes the ids of `deactivations`, read before the users: every user with one of
    /// them will be taken out by its deactivation, so it is placed but never written.
    fn withhold<'d>(&mut self, deactivations: impl IntoIterator<Item = &'d Deactivation>) {
        let mut withheld = Seen::default();
        let mut reasons = Vec::new();
        for deactivation in deactivations {
            rules::check_external_id(&deactivation.external_id, &mut reasons);
            if reasons.is_empty() {
                withheld.insert(self.ids.of(&deactivation.external_id), 0, 0);
            }
            reasons.clear();
        }
        self.withheld = Some(withheld);
    }

    fn is_withheld(&self, id: Fingerprint) -> bool {
        self.withheld
            .as_ref()
            .is_some_and(|withheld| withheld.get(id).is_some())
    }

    /// User `ordinal`, `at` its position.
    fn user(&mut self, user: &UserRecord, at: At<'_>, ordinal: u32, keep: &mut impl Keep) {
        let UserRecord {
            external_id,
            profile,
            position: _,
        } = user;
        let mut reasons = Vec::new();
        rules::check_external_id(external_id, &mut reasons);
        let id_is_valid = reasons.is_empty();
        rules::check_profile(profile, &mut reasons);
        if !id_is_valid {
            self.invalid.push(invalid_record(at, external_id, reasons));
            return;
        }
        let valid = reasons.is_empty();
        let id = self.noted_user(external_id, at, valid, keep, &mut reasons);
        if reasons.is_empty() {
            self.json.clear();
            write_user(&mut self.json, external_id, profile);
            match self.place(BatchKind::Upsert, ordinal) {
                Ok((batch, bytes)) => {
                    self.users.insert(id, ordinal, bytes);
                    self.mark(ordinal, batch, mark(id, ordinal, bytes));
                    self.positions.push(ordinal, at);
                    if !self.is_withheld(id) {
                        keep.place(BatchKind::Upsert, batch, ordinal, &self.json, at);
                    }
                    return;
                }
                Err(reason) => reasons.push(reason),
            }
        }
        self.unplaced_user(id, ordinal, at, external_id, reasons);
    }

    /// User `ordinal`, refused by its reader, which could tell its id.
    fn refused_user(
        &mut self,
        refused: InvalidRecord,
        number: u64,
        ordinal: u32,
        keep: &mut impl Keep,
    ) {
        let InvalidRecord {
            position,
            external_id,
            mut reasons,
        } = refused;
        let at = At::new(&position, number, Input::Users);
        let external_id = external_id.unwrap_or_default();
        let mut id_reasons = Vec::new();
        rules::check_external_id(&external_id, &mut id_reasons);
        if !id_reasons.is_empty() {
            self.invalid.push(invalid_record(at, &external_id, reasons));
            return;
        }
        let id = self.noted_user(&external_id, at, false, keep, &mut reasons);
        self.unplaced_user(id, ordinal, at, &external_id, reasons);
    }

    /// The fingerprint of a user's valid id, noted in the census, an earlier record of the
    /// same id dealt with ([`Self::repeated_user`]; `valid`: whether this one is so far).
    fn noted_user(
        &mut self,
        external_id: &str,
        at: At<'_>,
        valid: bool,
        keep: &mut impl Keep,
        reasons: &mut Vec<String>,
    ) -> Fingerprint {
        let id = self.ids.of(external_id);
        self.census.note(id);
        self.repeated_user(external_id, id, at, valid, keep, reasons);
        id
    }

    /// Invalid user `ordinal`, whose id is valid: noted (out of the plan), so that a later
    /// record or a deactivation of the same id finds it, as it would a valid one; unless
    /// an earlier record of the id is in the plan, which they must find instead.
    fn unplaced_user(
        &mut self,
        id: Fingerprint,
        ordinal: u32,
        at: At<'_>,
        external_id: &str,
        reasons: Vec<String>,
    ) {
        if !self.users.get(id).is_some_and(|earlier| earlier.placed) {
            self.users.insert(id, ordinal, 0);
            self.users.unplace(id);
            self.positions.push(ordinal, at);
        }
        self.invalid.push(invalid_record(at, external_id, reasons));
    }

    /// A user whose id came before, in a valid record or not (`valid`: whether this one is
    /// so far). With [`Duplicates::Fail`] it is invalid. With [`Duplicates::LastWins`] the
    /// earlier record is taken out, even when this one is invalid: the last record of an
    /// id is the one meant, and an earlier one is never sent in its place.
    fn repeated_user(
        &mut self,
        external_id: &str,
        id: Fingerprint,
        at: At<'_>,
        valid: bool,
        keep: &mut impl Keep,
        reasons: &mut Vec<String>,
    ) {
        let Some(earlier) = self.users.get(id) else {
            return;
        };
        let earlier_at = self.positions.get(earlier.ordinal);
        if self.options.duplicates == Duplicates::Fail {
            reasons.push(format!("externalId also at {earlier_at}"));
            return;
        }
        if earlier.placed {
            let batch = self.planner.batch_of(earlier.ordinal);
            self.planner.remove(batch, earlier.bytes);
            let earlier_mark = mark(id, earlier.ordinal, earlier.bytes);
            self.unmark(earlier.ordinal, batch, earlier_mark);
            keep.remove(batch, earlier.ordinal);
            self.users.unplace(id);
        }
        let message = match (valid, earlier.placed) {
            // Each repeat replaces the record before it: the last one is what is sent.
            (true, _) => format!("also at {earlier_at}; this later record replaces it"),
            (false, true) => format!(
                "also at {earlier_at}, which is not sent either: this later record replaces it, and it is invalid"
            ),
            // Both are invalid, and each is reported as such.
            (false, false) => return,
        };
        self.warnings.push(Warning {
            position: at.to_position(),
            external_id: external_id.to_owned(),
            message,
        });
    }

    /// Deactivation `ordinal`, `at` its position.
    fn deactivation(
        &mut self,
        deactivation: &Deactivation,
        at: At<'_>,
        ordinal: u32,
        keep: &mut impl Keep,
    ) {
        let external_id = &deactivation.external_id;
        let mut reasons = Vec::new();
        rules::check_external_id(external_id, &mut reasons);
        let id = self.ids.of(external_id);
        if reasons.is_empty() {
            self.census.note(id);
            self.conflicts(external_id, id, keep, &mut reasons);
        }
        if reasons.is_empty()
            && let Some(earlier) = self.deactivated.get(id)
        {
            let message = format!(
                "also deactivated at {}",
                self.positions.get(earlier.ordinal)
            );
            if self.options.duplicates == Duplicates::Fail {
                reasons.push(format!("externalId {message}"));
            } else {
                let message = format!("{message}; sent once");
                self.warnings.push(Warning {
                    position: at.to_position(),
                    external_id: external_id.clone(),
                    message,
                });
                return;
            }
        }
        if reasons.is_empty() {
            self.json.clear();
            write_deactivation(&mut self.json, external_id);
            match self.place(BatchKind::Deactivate, ordinal) {
                Ok((batch, bytes)) => {
                    self.deactivated.insert(id, ordinal, bytes);
                    self.mark(ordinal, batch, mark(id, ordinal, bytes));
                    self.positions.push(ordinal, at);
                    keep.place(BatchKind::Deactivate, batch, ordinal, &self.json, at);
                    return;
                }
                Err(reason) => reasons.push(reason),
            }
        }
        self.invalid.push(invalid_record(at, external_id, reasons));
    }

    /// An id both upserted and deactivated: the deactivation is invalid, and in skip mode
    /// the user is taken out too, as nobody can tell which was meant. The id stays
    /// conflicting: every later deactivation of it is invalid as well, even once the user
    /// is out.
    fn conflicts(
        &mut self,
        external_id: &str,
        id: Fingerprint,
        keep: &mut impl Keep,
        reasons: &mut Vec<String>,
    ) {
        let Some(user) = self.users.get(id) else {
            return;
        };
        let at = self.positions.get(user.ordinal);
        reasons.push(format!(
            "externalId is also a user to create or update, at {at}"
        ));
        if user.placed && self.options.on_invalid == crate::OnInvalid::Skip {
            let batch = self.planner.batch_of(user.ordinal);
            self.planner.remove(batch, user.bytes);
            self.unmark(user.ordinal, batch, mark(id, user.ordinal, user.bytes));
            keep.remove(batch, user.ordinal);
            self.users.unplace(id);
            self.invalid.push(InvalidRecord {
                position: at,
                external_id: Some(external_id.to_owned()),
                reasons: vec!["externalId is also a user to deactivate".to_owned()],
            });
        }
    }

    /// Marks record `ordinal` as placed in `batch`, for a second read.
    fn mark(&mut self, ordinal: u32, batch: BatchId, mark: u64) {
        if self.marks {
            self.placed.place(ordinal, batch, mark);
        }
    }

    fn unmark(&mut self, ordinal: u32, batch: BatchId, mark: u64) {
        if self.marks {
            self.placed.unplace(ordinal, batch, mark);
        }
    }

    /// Places the valid record whose JSON is in `self.json` by its size: its batch and
    /// its size, or why it can't be placed.
    fn place(&mut self, kind: BatchKind, ordinal: u32) -> Result<(BatchId, usize), String> {
        let bytes = self.json.len();
        self.planner
            .place(kind, bytes, ordinal)
            .map(|batch| (batch, bytes))
            .map_err(too_large_reason)
    }

    fn finish(mut self) -> (Checked, Census) {
        if self.marks {
            self.placed.set_firsts(self.planner.firsts().to_vec());
            self.placed.set_records_read(self.ordinals.count());
        }
        let (sessions, places) = self.planner.finish();
        let checked = Checked {
            plan: plan_of(sessions, self.invalid, self.warnings),
            places,
            placed: self.placed,
        };
        (checked, self.census)
    }

    /// The plan of the records read so far, taking their problems out.
    fn take_plan(&mut self) -> Plan {
        let (sessions, _) = self.planner.clone().finish();
        let invalid = std::mem::take(&mut self.invalid);
        plan_of(sessions, invalid, std::mem::take(&mut self.warnings))
    }
}

fn plan_of(
    sessions: Vec<SessionPlan>,
    invalid: Vec<InvalidRecord>,
    warnings: Vec<Warning>,
) -> Plan {
    let users = sessions.iter().map(|session| session.users()).sum();
    let deactivations = sessions.iter().map(|session| session.deactivations()).sum();
    Plan {
        sessions,
        users,
        deactivations,
        invalid,
        warnings,
    }
}

/// The finished bodies a streamed run checks ahead of the uploads in flight, so that a
/// slot that frees takes one at once.
const AHEAD_BODIES: usize = 2;

/// The records checked at a time ahead of the uploads, between looks at their answers (a
/// few tens of microseconds).
const AHEAD_RECORDS: usize = 32;

/// A check that runs as the uploads go out: the [`Feed`] of a streamed run.
///
/// With [`OnInvalid::Skip`](crate::OnInvalid::Skip) and [`Duplicates::Fail`], no record can
/// change an upload written before it: a repeated id makes the later record invalid, and
/// the users whose id is also deactivated, the only ones a later record takes out, are
/// known before the first user is read, as the deactivations are read first (and kept:
/// they are checked after the users, as in a planned run). Such a user is placed, and
/// taken out again when its deactivation is checked, but never written. So the records
/// are checked in the same order, placed in the same uploads and sessions, and found
/// invalid for the same reasons as by [`check`], and each upload is handed over as soon
/// as no record can join it.
pub struct Streamed<'o, U> {
    run: Preflight<'o>,
    outbox: Outbox,
    users: U,
    /// Users read so far.
    read: u64,
    /// The deactivations, with their numbers; checked once the users are.
    deactivations: Zip<RangeFrom<u64>, vec::IntoIter<Result<Deactivation, InvalidRecord>>>,
    users_read: bool,
    /// Whether every record was read.
    done: bool,
    /// The session being fed.
    session: Option<Feeding>,
}

/// The session a streamed check is feeding.
#[derive(Debug, Clone, Copy)]
struct Feeding {
    /// Its number in the run.
    number: usize,
    /// The planner's session whose uploads it takes.
    planned: Option<u32>,
    /// Uploads handed over so far.
    uploads: u32,
}

impl<'o, U, R> Streamed<'o, U>
where
    U: Iterator<Item = Result<R, InvalidRecord>>,
    R: Borrow<UserRecord>,
{
    /// A streamed check of `users` and `deactivations`, which reads the deactivations at
    /// once and the users as the uploads are asked for.
    pub fn new<D>(users: U, deactivations: D, options: &'o Options) -> Self
    where
        D: IntoIterator<Item = Result<Deactivation, InvalidRecord>>,
    {
        let mut run = Preflight::new(options, Tracking::every());
        let deactivations: Vec<_> = deactivations.into_iter().collect();
        run.withhold(deactivations.iter().filter_map(|d| d.as_ref().ok()));
        run.reserve(users.size_hint().0);
        Self {
            run,
            outbox: Outbox::new(&options.limits),
            users,
            read: 0,
            deactivations: (1..).zip(deactivations),
            users_read: false,
            done: false,
            session: None,
        }
    }

    /// Reads records until a body is finished or the input ends; the batch of the first
    /// finished body, if any.
    fn next_finished(&mut self) -> Option<BatchId> {
        loop {
            if let Some(batch) = self.outbox.first() {
                return Some(batch);
            }
            if self.done {
                return None;
            }
            self.read_next();
        }
    }

    /// Reads the next record, and finishes the body being written once no record can
    /// join it: while the users are read, as soon as its batch or session is full; then,
    /// only when the next record goes elsewhere or the input ends, since a deactivation
    /// that takes a withheld user out of the last session makes room in it again.
    fn read_next(&mut self) {
        if !self.users_read {
            match self.users.next() {
                Some(user) => {
                    self.read += 1;
                    self.run.read_user(self.read, user, &mut self.outbox);
                }
                None => self.users_read = true,
            }
        } else {
            match self.deactivations.next() {
                Some((number, deactivation)) => {
                    self.run
                        .read_deactivation(number, deactivation, &mut self.outbox);
                }
                None => self.done = true,
            }
        }
        if self.done || (!self.users_read && self.outbox.writing() != self.run.planner.last_open())
        {
            self.outbox.close();
        }
    }
}

impl<U, R> Feed for Streamed<'_, U>
where
    U: Iterator<Item = Result<R, InvalidRecord>>,
    R: Borrow<UserRecord>,
{
    fn has_session(&mut self, session: usize) -> Result<bool, Failure> {
        let Some(batch) = self.next_finished() else {
            return Ok(false);
        };
        self.session = Some(Feeding {
            number: session,
            planned: self.run.planner.session_of(batch),
            uploads: 0,
        });
        Ok(true)
    }

    fn next_batch(&mut self, session: usize) -> Result<Option<Payload>, Failure> {
        let Some(feeding) = self.session else {
            return Ok(None);
        };
        let batch = self.next_finished();
        let planned = batch.and_then(|batch| self.run.planner.session_of(batch));
        if feeding.number != session || planned.is_none() || planned != feeding.planned {
            return Ok(None);
        }
        if let Some(feeding) = &mut self.session {
            feeding.uploads += 1;
        }
        Ok(self.outbox.pop())
    }

    fn work_ahead(&mut self) -> bool {
        if self.done || self.outbox.waiting() >= AHEAD_BODIES {
            return false;
        }
        for _ in 0..AHEAD_RECORDS {
            self.read_next();
            if self.done {
                break;
            }
        }
        true
    }

    fn uploads(&self, session: usize) -> u32 {
        match self.session {
            Some(feeding) if feeding.number == session => feeding.uploads,
            _ => 0,
        }
    }

    fn take_plan(&mut self) -> Option<(Plan, bool)> {
        Some((self.run.take_plan(), self.done))
    }
}

/// Numbers an owned record's position in place and says its input, by the rules of
/// [`At::index`] and [`At::input`].
pub fn number_position(position: &mut Position, number: u64, input: Input) {
    let at = At::new(position, number, input);
    (position.index, position.input) = (at.index(), Some(at.input()));
}

fn numbered(mut invalid: InvalidRecord, number: u64, input: Input) -> InvalidRecord {
    number_position(&mut invalid.position, number, input);
    invalid
}

/// Invalid record `at`, with `external_id` unless it is empty.
fn invalid_record(at: At<'_>, external_id: &str, reasons: Vec<String>) -> InvalidRecord {
    InvalidRecord {
        position: at.to_position(),
        external_id: (!external_id.is_empty()).then(|| external_id.to_owned()),
        reasons,
    }
}

fn too_many(position: Position, number: u64, input: Input) -> InvalidRecord {
    let reason = format!("an import takes at most {} records", u32::MAX);
    numbered(InvalidRecord::new(position, vec![reason]), number, input)
}

fn too_large_reason(too_large: TooLarge) -> String {
    format!(
        "the record alone makes an upload of {} bytes of JSON; at most {} are allowed",
        too_large.bytes, too_large.max
    )
}

/// The bytes of an upload body with no records; the same for both kinds.
fn envelope_bytes() -> usize {
    let (start, end) = envelope(BatchKind::Upsert);
    start.len() + end.len()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use okta_identity_source::models::IdentitySourceUserProfileForUpsert as Profile;
    use okta_identity_source::models::{BulkDeleteRequestBody, BulkUpsertRequestBody};
    use proptest::prelude::*;

    use super::*;
    use crate::options::OnInvalid;
    use crate::payload::{Payload, Payloads};
    use crate::plan::Limits;
    use crate::test_records;

    fn profile(name_chars: usize, attributes: usize, attribute_chars: usize) -> Profile {
        Profile {
            email: Some("someone@example.com".to_owned()),
            first_name: Some(Some(
                "é\"\\\n"
                    .repeat(name_chars / 4 + 1)
                    .chars()
                    .take(name_chars.max(1))
                    .collect(),
            )),
            additional_properties: (0..attributes)
                .map(|n| (format!("custom{n}"), "x\u{1}".repeat(attribute_chars)))
                .collect(),
            ..Profile::default()
        }
    }

    fn limits() -> impl Strategy<Value = Limits> {
        (1u32..=200, 300usize..=20_000, 1u32..=50, 1u32..=2_000).prop_map(
            |(max_batch_records, max_batch_bytes, max_session_requests, max_session_records)| {
                Limits {
                    max_batch_records,
                    max_batch_bytes,
                    max_session_requests,
                    max_session_records,
                }
            },
        )
    }

    /// The external ids a body sends, after checking that it is exactly the JSON the
    /// client's own types make of it.
    fn ids(payload: &Payload) -> Vec<String> {
        fn same_json<T: serde::de::DeserializeOwned + serde::Serialize>(json: &[u8]) -> T {
            let body: T = serde_json::from_slice(json).unwrap();
            assert_eq!(serde_json::to_vec(&body).unwrap(), json);
            body
        }
        match payload {
            Payload::Upsert(..) => same_json::<BulkUpsertRequestBody>(payload.json())
                .profiles
                .into_iter()
                .map(|u| u.external_id)
                .collect(),
            Payload::Deactivate(..) => same_json::<BulkDeleteRequestBody>(payload.json())
                .profiles
                .into_iter()
                .map(|u| u.external_id)
                .collect(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever the sizes and counts, no upload and no session breaks a limit, each
        /// body is exactly as large as planned, and each id is sent once.
        #[test]
        fn the_plan_never_breaks_a_limit(
            limits in limits(),
            users in prop::collection::vec((0u32..400, 1usize..50, 0usize..6, 0usize..400), 0..400),
            leavers in prop::collection::vec(0u32..500, 0..200),
            last_wins in any::<bool>(),
        ) {
            let options = Options::default()
                .limits(limits)
                .on_invalid(OnInvalid::Skip)
                .duplicates(if last_wins { Duplicates::LastWins } else { Duplicates::Fail });
            let records = users.iter().map(|&(id, name, attributes, attribute_chars)| {
                Ok(UserRecord::new(format!("u{id}"), profile(name, attributes, attribute_chars)))
            });
            let deactivations = leavers.iter().map(|id| Ok(Deactivation::new(format!("u{id}"))));
            let mut payloads = Payloads::default();
            let checked = check(records, deactivations, &options, &mut payloads);
            let plan = checked.plan;
            let sessions = payloads.into_sessions(&checked.places, plan.sessions.len());
            prop_assert_eq!(sessions.len(), plan.sessions.len());
            let mut sent = BTreeSet::new();
            for (session, bodies) in plan.sessions.iter().zip(&sessions) {
                prop_assert!(!session.batches.is_empty());
                prop_assert!(session.batches.len() as u32 <= limits.max_session_requests);
                prop_assert!(session.users() + session.deactivations() <= u64::from(limits.max_session_records));
                prop_assert_eq!(session.batches.len(), bodies.len());
                for (batch, body) in session.batches.iter().zip(bodies) {
                    prop_assert!(batch.records >= 1 && batch.records <= limits.max_batch_records);
                    prop_assert_eq!(batch.records, body.records());
                    prop_assert_eq!(batch.bytes, body.json().len());
                    prop_assert!(batch.bytes <= limits.max_batch_bytes);
                    for id in ids(body) {
                        let kind = matches!(body, Payload::Upsert(..));
                        prop_assert!(sent.insert((kind, id.clone())), "{} sent twice", id);
                    }
                }
            }
            let upserted: BTreeSet<_> = sent.iter().filter(|(kind, _)| *kind).map(|(_, id)| id).collect();
            let deactivated: BTreeSet<_> = sent.iter().filter(|(kind, _)| !*kind).map(|(_, id)| id).collect();
            prop_assert!(upserted.is_disjoint(&deactivated));
            prop_assert_eq!(plan.users as usize, upserted.len());
            prop_assert_eq!(plan.deactivations as usize, deactivated.len());
            // Nothing is lost: every id given is sent, or a record of it is left out.
            let left_out: BTreeSet<_> =
                plan.invalid.iter().filter_map(|record| record.external_id.as_ref()).collect();
            let given = users
                .iter()
                .map(|&(id, ..)| id)
                .chain(leavers.iter().copied())
                .map(|id| format!("u{id}"));
            for id in given {
                prop_assert!(
                    upserted.contains(&id) || deactivated.contains(&id) || left_out.contains(&id),
                    "{} was neither sent nor left out", id
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the records, repeats, leavers and limits, and however far the check
        /// runs ahead, a streamed check hands over, session by session, exactly the uploads
        /// (the same bytes, from the same places) a check first writes, and ends with the
        /// same plan.
        #[test]
        fn a_streamed_check_hands_over_the_uploads_a_check_first_writes(
            rows in prop::collection::vec((0u32..120, 1usize..40), 0..300),
            leaver_ids in prop::collection::vec(0u32..160, 0..60),
            ahead in prop::collection::vec(0usize..4, 1..16),
            max_batch_records in 1u32..=12,
            max_batch_bytes in 150usize..=1_500,
            max_session_requests in 1u32..=4,
            max_session_records in 1u32..=40,
        ) {
            let limits = Limits { max_batch_records, max_batch_bytes, max_session_requests, max_session_records };
            let options = Options::default()
                .limits(limits)
                .on_invalid(OnInvalid::Skip)
                .duplicates(Duplicates::Fail);
            let (users, leavers) = (test_records::users(&rows), test_records::leavers(&leaver_ids));
            let mut payloads = Payloads::new(&limits);
            let first = check(users.clone(), leavers.clone(), &options, &mut payloads);
            let sessions = payloads.into_sessions(&first.places, first.plan.sessions.len());
            let mut streamed = Streamed::new(users.into_iter(), leavers, &options);
            let mut turns = ahead.iter().cycle();
            for (session, bodies) in sessions.iter().enumerate() {
                prop_assert!(matches!(streamed.has_session(session), Ok(true)));
                for body in bodies {
                    for _ in 0..*turns.next().unwrap_or(&0) {
                        streamed.work_ahead();
                    }
                    let sent = streamed.next_batch(session).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(sent.as_ref().map(Payload::sent), Some(body.sent()));
                }
                prop_assert!(matches!(streamed.next_batch(session), Ok(None)));
                prop_assert_eq!(streamed.uploads(session), bodies.len() as u32);
            }
            prop_assert!(matches!(streamed.has_session(sessions.len()), Ok(false)));
            prop_assert_eq!(streamed.take_plan(), Some((first.plan, true)));
        }
    }

    /// The ids of each record invalid, with their reasons.
    type Invalid = Vec<(Option<String>, Vec<String>)>;

    /// What `users` and `leavers` send (the ids of each upload, in order), what is invalid,
    /// and the warnings' messages, checked with `options`.
    fn outcome(
        users: Vec<Result<UserRecord, InvalidRecord>>,
        leavers: &[&str],
        options: &Options,
    ) -> (Vec<String>, Invalid, Vec<String>) {
        let leavers = leavers.iter().map(|id| Ok(Deactivation::new(*id)));
        let mut payloads = Payloads::default();
        let checked = check(users, leavers, options, &mut payloads);
        let sessions = payloads.into_sessions(&checked.places, checked.plan.sessions.len());
        let sent = sessions.iter().flatten().flat_map(ids).collect();
        let invalid = checked.plan.invalid.into_iter();
        let invalid = invalid.map(|r| (r.external_id, r.reasons)).collect();
        let warnings = checked
            .plan
            .warnings
            .into_iter()
            .map(|w| w.message)
            .collect();
        (sent, invalid, warnings)
    }

    /// An invalid record of an id still counts as that id's: a deactivation of it, or
    /// another record of it, finds it as it would a valid one.
    #[test]
    fn an_invalid_user_still_holds_its_id_against_repeats_and_deactivations() {
        let valid = |id: &str| Ok(UserRecord::new(id, profile(5, 0, 0)));
        let bad_email = |id: &str| {
            let profile = Profile {
                email: Some("no address".into()),
                ..profile(5, 0, 0)
            };
            Ok(UserRecord::new(id, profile))
        };
        let skip = Options::default().on_invalid(OnInvalid::Skip);
        let last_wins = skip.clone().duplicates(Duplicates::LastWins);

        // Deactivating the id of an invalid user is refused: the two were both meant.
        let (sent, invalid, _) = outcome(vec![bad_email("u1"), valid("u2")], &["u1"], &skip);
        assert_eq!(sent, ["u2"]);
        assert_eq!(invalid.len(), 2, "{invalid:?}");
        assert_eq!(invalid[1].0.as_deref(), Some("u1"));
        assert!(invalid[1].1[0].starts_with("externalId is also a user to create or update, at"));
        // So is a user its reader refused, when it could tell the id.
        let mut refused = InvalidRecord::new(Position::default(), vec!["unreadable".into()]);
        refused.external_id = Some("u1".into());
        let (sent, invalid, _) = outcome(vec![Err(refused), valid("u2")], &["u1"], &skip);
        assert_eq!(sent, ["u2"]);
        assert!(
            invalid[1].1[0].starts_with("externalId is also a user"),
            "{invalid:?}"
        );

        // A repeat is named whichever record of the two is invalid.
        let (sent, invalid, _) = outcome(vec![valid("u1"), bad_email("u1")], &[], &skip);
        assert_eq!(sent, ["u1"]);
        assert!(
            invalid[0]
                .1
                .iter()
                .any(|r| r.starts_with("externalId also at")),
            "{invalid:?}"
        );
        let (sent, invalid, _) = outcome(vec![bad_email("u1"), valid("u1")], &[], &skip);
        assert!(sent.is_empty(), "{sent:?}");
        assert_eq!(invalid.len(), 2);
        assert!(
            invalid[1].1[0].starts_with("externalId also at"),
            "{invalid:?}"
        );

        // With the last record winning, an invalid last record sends neither, and says so;
        // a valid one after an invalid one is sent.
        let (sent, invalid, warnings) =
            outcome(vec![valid("u1"), bad_email("u1")], &[], &last_wins);
        assert!(sent.is_empty(), "{sent:?}");
        assert_eq!(invalid.len(), 1);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].ends_with(
                "which is not sent either: this later record replaces it, and it is invalid"
            ),
            "{warnings:?}"
        );
        let (sent, _, warnings) = outcome(vec![bad_email("u1"), valid("u1")], &[], &last_wins);
        assert_eq!(sent, ["u1"]);
        assert!(
            warnings[0].ends_with("this later record replaces it"),
            "{warnings:?}"
        );
    }

    #[test]
    fn an_id_in_conflict_stays_refused_for_every_later_deactivation() {
        let options = Options::default().on_invalid(OnInvalid::Skip);
        let users = ["x", "y"].map(|id| Ok(UserRecord::new(id, profile(5, 0, 0))));
        let leavers = ["x", "x", "z"].map(|id| Ok(Deactivation::new(id)));
        let mut payloads = Payloads::default();
        let checked = check(users, leavers, &options, &mut payloads);
        let sessions = payloads.into_sessions(&checked.places, checked.plan.sessions.len());
        let sent: Vec<_> = sessions.iter().flatten().flat_map(ids).collect();
        assert_eq!(sent, ["y", "z"]);
        let invalid: Vec<_> = checked
            .plan
            .invalid
            .iter()
            .map(|r| r.external_id.as_deref())
            .collect();
        assert_eq!(invalid, [Some("x"); 3]);
    }

    #[test]
    fn an_unplaceable_record_and_an_unreadable_one_are_both_reported() {
        let options = Options::default()
            .on_invalid(OnInvalid::Skip)
            .max_batch_bytes(200);
        let users = vec![
            Ok(UserRecord::new("big", profile(40, 3, 30))),
            Err(InvalidRecord::new(
                Position::default(),
                vec!["unreadable".into()],
            )),
            Ok(UserRecord::new("small", Profile::default())),
        ];
        let checked = check(users, Vec::new(), &options, &mut ());
        let positions: Vec<u64> = checked
            .plan
            .invalid
            .iter()
            .map(|r| r.position.index)
            .collect();
        assert_eq!(positions, [1, 2]);
        assert_eq!(checked.plan.users, 1);
    }
}
