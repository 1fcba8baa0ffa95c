//! Checking a [`Source`] in memory that does not grow with it: one read when no id may
//! repeat, two when some may.
//!
//! The first read keeps no id: it checks and plans every record as if none repeated, and
//! notes each id in a [`Census`]. When the census found no candidate, that plan is the
//! plan. Otherwise a second read checks everything again, keeping only the candidates
//! exactly ([`Seen::only`](crate::seen::Seen::only)): every other id occurs once, so this
//! finds each repeat, with its first and later positions, as keeping every id would. The
//! second read must note the same ids in the same order as the first, or the input
//! changed in between and the check stops.

use std::sync::Arc;

use crate::census::{Candidates, Census, CensusLimits};
use crate::error::Failure;
use crate::options::Options;
use crate::preflight::{self, Checked, Tracking};
use crate::seen::Fingerprinter;
use crate::source::Source;

/// Checks and plans every record of `source`, placing them without keeping them.
pub fn check_source<S: Source>(source: &mut S, options: &Options) -> Result<Checked, Failure> {
    check_source_within(source, options, CensusLimits::default())
}

/// [`check_source`] with a census held within `limits`.
pub fn check_source_within<S: Source>(
    source: &mut S,
    options: &Options,
    limits: CensusLimits,
) -> Result<Checked, Failure> {
    let ids = Fingerprinter::default();
    let first_read = Tracking {
        ids,
        only: Some(Arc::new(Candidates::new())),
        census: Census::finding(limits),
        marks: true,
    };
    let (checked, census) = read_and_check(source, options, first_read)?;
    let sequence = census.sequence();
    let candidates = census.into_candidates();
    if candidates.is_empty() {
        return Ok(checked);
    }
    drop(checked);
    tracing::debug!(
        candidates = candidates.len(),
        "some ids may repeat: reading the input again to tell"
    );
    let second_read = Tracking {
        ids,
        only: Some(Arc::new(candidates)),
        census: Census::default(),
        marks: true,
    };
    let (checked, census) = read_and_check(source, options, second_read)?;
    if census.sequence() != sequence {
        return Err(Failure::InputChanged(
            "its ids are not those of the read before".to_owned(),
        ));
    }
    Ok(checked)
}

fn read_and_check<S: Source>(
    source: &mut S,
    options: &Options,
    tracking: Tracking,
) -> Result<(Checked, Census), Failure> {
    let users = source.users().map_err(Failure::Read)?;
    let deactivations = source.deactivations().map_err(Failure::Read)?;
    Ok(preflight::check_tracking(
        users,
        deactivations,
        options,
        &mut (),
        tracking,
    ))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use okta_identity_source::models::IdentitySourceUserProfileForUpsert as Profile;
    use proptest::prelude::*;

    use super::*;
    use crate::options::{Duplicates, OnInvalid};
    use crate::payload::{Feed, Payload, Payloads};
    use crate::plan::Limits;
    use crate::preflight::check;
    use crate::record::UserRecord;
    use crate::reread::Reread;
    use crate::test_records::{Leavers, Users, leavers, users};

    /// A filter so small that many of the ids it is asked of are false positives.
    const TINY: CensusLimits = CensusLimits {
        exact_ids: 0,
        first_stage: 64,
        false_positives: 0.5,
    };

    /// Checks `users` and `leavers` as a source within `limits`, and every id kept: the
    /// plans, then the uploads a read after the check builds and those kept records make,
    /// must be the same. Says how many reads the check took.
    fn same_as_keeping_every_id(
        users: &Users,
        leavers: &Leavers,
        options: &Options,
        limits: CensusLimits,
    ) -> Result<usize, TestCaseError> {
        let mut payloads = Payloads::new(&options.limits);
        let held = check(users.clone(), leavers.clone(), options, &mut payloads);
        let held_sessions = payloads.into_sessions(&held.places, held.plan.sessions.len());
        let reads = Cell::new(0);
        let mut source = (
            || {
                reads.set(reads.get() + 1);
                users.clone()
            },
            || leavers.clone(),
        );
        let checked = check_source_within(&mut source, options, limits)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&checked.plan, &held.plan);
        let checks = reads.get();
        let mut reread = Reread::new(source, checked.places, checked.placed, &checked.plan)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (session, bodies) in held_sessions.iter().enumerate() {
            for body in bodies {
                let read = reread
                    .next_batch(session)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(read.as_ref().map(Payload::sent), Some(body.sent()));
            }
            prop_assert!(matches!(reread.next_batch(session), Ok(None)));
        }
        Ok(checks)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the records, repeats, conflicts, limits and the census's size (down to
        /// a filter that errs half the time), checking a source gives the plan and the
        /// uploads that keeping every id does.
        #[test]
        fn a_census_of_any_size_gives_the_plan_of_keeping_every_id(
            rows in prop::collection::vec((0u32..300, 1usize..50), 0..300),
            gone in prop::collection::vec(0u32..400, 0..60),
            max_batch_records in 1u32..=20,
            max_session_records in 1u32..=60,
            last_wins in any::<bool>(),
            skip in any::<bool>(),
            exact_ids in 0usize..40,
            first_stage in 1usize..200,
            false_positives in 0.01f64..0.5,
        ) {
            let limits = Limits { max_batch_records, max_session_records, ..Limits::default() };
            let options = Options::default()
                .limits(limits)
                .on_invalid(if skip { OnInvalid::Skip } else { OnInvalid::Fail })
                .duplicates(if last_wins { Duplicates::LastWins } else { Duplicates::Fail });
            let census = CensusLimits { exact_ids, first_stage, false_positives };
            let checks = same_as_keeping_every_id(&users(&rows), &leavers(&gone), &options, census)?;
            prop_assert!(checks == 1 || checks == 2, "{} reads", checks);
        }
    }

    /// Valid users `u{id}`, named `name` long.
    fn valid_users(rows: impl IntoIterator<Item = (u32, usize)>) -> Users {
        rows.into_iter()
            .map(|(id, name)| {
                let profile = Profile {
                    first_name: Some(Some("n".repeat(name))),
                    ..Profile::default()
                };
                Ok(UserRecord::new(format!("u{id}"), profile))
            })
            .collect()
    }

    #[test]
    fn repeats_are_found_among_the_false_positives_of_a_tiny_filter() {
        // 2,000 distinct users, then a repeat of the 3rd, across sessions of 500.
        let users = valid_users((1..=2_000).map(|id| (id + 1_000, 5)).chain([(1_003, 9)]));
        let gone = leavers(&[1_500, 4_000]);
        let ids = Fingerprinter::default();
        let mut census = Census::finding(TINY);
        for user in users.iter().flatten() {
            census.note(ids.of(&user.external_id));
        }
        let candidates = census.into_candidates().len();
        assert!(
            candidates > 100,
            "{candidates}: the filter is not tiny enough"
        );
        let limits = Limits {
            max_session_records: 500,
            ..Limits::default()
        };
        for duplicates in [Duplicates::LastWins, Duplicates::Fail] {
            let options = Options::default()
                .limits(limits)
                .on_invalid(OnInvalid::Skip)
                .duplicates(duplicates);
            let checks = same_as_keeping_every_id(&users, &gone, &options, TINY).unwrap();
            assert_eq!(checks, 2, "the candidates are resolved by a second read");
        }
        let options = Options::default()
            .limits(limits)
            .on_invalid(OnInvalid::Skip)
            .duplicates(Duplicates::LastWins);
        let plan = check_source_within(&mut (|| users.clone(), || gone.clone()), &options, TINY)
            .unwrap()
            .plan;
        let warnings: Vec<String> = plan.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("user 2001") && warnings[0].contains("also at user 3"),
            "{warnings:?}"
        );
        let invalid: Vec<String> = plan.invalid.iter().map(ToString::to_string).collect();
        assert_eq!(
            invalid,
            [
                "user 500: externalId \"u1500\": externalId is also a user to deactivate",
                "deactivation 1: externalId \"u1500\": externalId is also a user to create or update, at user 500"
            ]
        );
    }

    #[test]
    fn an_input_without_repeats_held_exactly_is_read_once() {
        let users = valid_users((1..=2_000).map(|id| (id + 1_000, 5)));
        let options = Options::default();
        let checks =
            same_as_keeping_every_id(&users, &Vec::new(), &options, CensusLimits::default())
                .unwrap();
        assert_eq!(checks, 1);
    }

    #[test]
    fn ids_changed_between_the_two_checks_stop_it() {
        let reads = Cell::new(0);
        let users = || {
            reads.set(reads.get() + 1);
            let mut rows: Vec<(u32, usize)> = (1..=100).map(|id| (id + 1_000, 5)).collect();
            // A repeat, so that there is a second read; in it, one more.
            rows.push((1_050, 5));
            if reads.get() > 1 {
                rows[70].0 = 1_020;
            }
            valid_users(rows)
        };
        let error = check_source(&mut (users, Vec::new), &Options::default())
            .err()
            .map(|failure| failure.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "the input changed after it was checked: its ids are not those of the read before"
            )
        );
    }
}
