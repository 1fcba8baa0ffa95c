//! Streamed runs: with invalid records skipped and repeated ids refused, a run over
//! iterators sends each upload as soon as it is written. What it leaves in the emulator and
//! reports must be what the same input planned first leaves and reports.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use okta_identity_source::models::IdentitySourceSessionStatus as Status;
use okta_identity_source_emulator::Emulator;
use okta_identity_source_import::{
    Deactivation, Duplicates, Event, Failure, InvalidRecord, Limits, OnInvalid, Options, Position,
    Report, UserRecord,
};
use proptest::prelude::*;
use support::directory::{employee, employee_id, employees, leavers};
use support::{
    Events, SOURCE, assert_dropping_mid_upload_leaves_no_open_session,
    assert_the_next_session_waits_for_the_cool_down, emulator, importer, lent, open_sessions,
    options, positions, stop_after_an_upload, stop_at,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;
type Users = Vec<Result<UserRecord, InvalidRecord>>;
type Leavers = Vec<Result<Deactivation, InvalidRecord>>;

/// Options that stream: invalid records skipped, repeated ids refused.
fn streaming() -> Options {
    options()
        .on_invalid(OnInvalid::Skip)
        .duplicates(Duplicates::Fail)
}

/// User `n` of a small input: employee `id`, made invalid (a bad email) or unreadable
/// as `shape` says.
fn user(id: u64, shape: u8) -> Result<UserRecord, InvalidRecord> {
    let mut user = employee(id);
    match shape {
        0 => user.profile.email = Some("not an address".into()),
        1 => {
            return Err(InvalidRecord::new(
                Position::default(),
                vec!["unreadable".into()],
            ));
        }
        _ => {}
    }
    Ok(user)
}

/// A leaver: employee `id`, or one with no id at all.
fn leaver(id: Option<u64>) -> Result<Deactivation, InvalidRecord> {
    Ok(Deactivation::new(id.map(employee_id).unwrap_or_default()))
}

/// What two runs must agree on: each session's outcome and counts, the totals, the
/// records left out, where and why, and the warnings.
fn outcome(report: &Report) -> impl PartialEq + std::fmt::Debug {
    let sessions: Vec<_> = report
        .sessions
        .iter()
        .map(|s| (s.status.clone(), s.users, s.deactivations, s.uploads))
        .collect();
    let invalid: Vec<_> = report
        .invalid
        .iter()
        .map(|r| (r.position.clone(), r.external_id.clone(), r.reasons.clone()))
        .collect();
    (
        sessions,
        report.users_sent,
        report.users_deactivated,
        invalid,
        report.warnings.clone(),
    )
}

async fn quick_emulator() -> Emulator {
    emulator()
        .cool_down(Duration::ZERO)
        .rate_limit(1_000_000, Duration::from_secs(60))
        .start()
        .await
        .expect("the emulator starts")
}

fn quick(limits: Limits) -> Options {
    streaming()
        .limits(limits)
        .cool_down(Duration::ZERO)
        .polling(Duration::ZERO, Duration::ZERO)
}

/// Runs `users` and `leavers` streamed (`run`, the users lent or given) into one emulator
/// and planned first (`run_source`, which checks the whole input before the first request)
/// into another; both must end in the same directory with the same report, which is the
/// dry run's plan.
async fn same_as_planned_first(
    users: Users,
    leavers: Leavers,
    limits: Limits,
    lend: bool,
) -> TestResult {
    let (streamed_into, planned_into) = (quick_emulator().await, quick_emulator().await);
    let events = Events::default();
    let streaming = importer(&streamed_into, quick(limits));
    let streamed = if lend {
        let users = users.iter().map(lent);
        streaming
            .run(users, leavers.clone(), events.recorder())
            .await?
    } else {
        streaming
            .run(users.clone(), leavers.clone(), events.recorder())
            .await?
    };
    let source = (|| users.clone(), || leavers.clone());
    let planned = importer(&planned_into, quick(limits))
        .run_source(source, |_| {})
        .await?;
    assert_eq!(outcome(&streamed), outcome(&planned));
    assert_eq!(streamed_into.users(SOURCE), planned_into.users(SOURCE));
    assert!(open_sessions(&streamed_into).is_empty());

    let plan = importer(&streamed_into, quick(limits)).plan(users, leavers)?;
    let shapes: Vec<_> = plan
        .sessions
        .iter()
        .map(|s| (s.users(), s.deactivations(), s.batches.len() as u32))
        .collect();
    let sent: Vec<_> = streamed
        .sessions
        .iter()
        .map(|s| (s.users, s.deactivations, s.uploads))
        .collect();
    assert_eq!(sent, shapes);
    assert_eq!(streamed.invalid, plan.invalid);
    let planned_events: Vec<_> = events
        .all()
        .into_iter()
        .filter(|e| matches!(e, Event::Planned { .. }))
        .collect();
    let totals = Event::Planned {
        sessions: plan.sessions.len(),
        users: plan.users,
        deactivations: plan.deactivations,
        invalid: plan.invalid.len(),
    };
    assert_eq!(planned_events, [totals]);
    streamed_into.shutdown().await;
    planned_into.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_invalid_records_and_leavers_across_session_boundaries_end_as_planned_first()
-> TestResult {
    // 3 users an upload, 2 uploads a session: repeats and leavers fall on both sides of
    // every boundary, and the leaver of user 4 empties an upload of its own.
    let ids_and_shapes = [
        (0, 2),
        (1, 2),
        (2, 0),
        (3, 2),
        (1, 2),
        (4, 2),
        (5, 1),
        (6, 2),
        (7, 2),
        (3, 2),
        (8, 2),
        (9, 2),
        (10, 2),
        (11, 2),
        (12, 0),
        (13, 2),
    ];
    let users: Users = ids_and_shapes
        .iter()
        .map(|&(id, shape)| user(id, shape))
        .collect();
    let leavers: Leavers = [Some(4), Some(9), None, Some(20), Some(9), Some(1), Some(21)]
        .into_iter()
        .map(leaver)
        .collect();
    let limits = Limits {
        max_batch_records: 3,
        max_session_requests: 2,
        ..Limits::default()
    };
    same_as_planned_first(users, leavers, limits, true).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_of_leavers_only_and_an_upload_whose_users_all_leave_end_as_planned_first()
-> TestResult {
    let users: Users = (0..6).map(|id| user(id, 2)).collect();
    // Users 2 and 3 fill the second upload and both leave; the leavers' upload opens a
    // session of its own.
    let leavers: Leavers = [Some(2), Some(3), Some(30)]
        .into_iter()
        .map(leaver)
        .collect();
    let limits = Limits {
        max_batch_records: 2,
        max_session_requests: 3,
        ..Limits::default()
    };
    same_as_planned_first(users, leavers, limits, false).await
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Whatever the repeats, invalid records, leavers and limits, a streamed run leaves the
    /// directory and the report a run planned first does.
    #[test]
    fn a_streamed_run_ends_as_one_planned_first(
        rows in prop::collection::vec((0u64..16, 0u8..8), 0..40),
        leaver_ids in prop::collection::vec(prop::option::weighted(0.9, 0u64..24), 0..10),
        max_batch_records in 1u32..=4,
        max_session_requests in 1u32..=3,
        max_session_records in 2u32..=12,
        lend in any::<bool>(),
    ) {
        let users: Users = rows.iter().map(|&(id, shape)| user(id, shape)).collect();
        let leavers: Leavers = leaver_ids.into_iter().map(leaver).collect();
        let limits = Limits {
            max_batch_records,
            max_session_requests,
            max_session_records,
            ..Limits::default()
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        runtime
            .block_on(same_as_planned_first(users, leavers, limits, lend))
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_upload_goes_out_before_the_last_user_is_read() -> TestResult {
    let emulator = emulator().start().await?;
    let read = Arc::new(AtomicU64::new(0));
    let counted = {
        let read = read.clone();
        employees(0..3_000).inspect(move |_| {
            read.fetch_add(1, Ordering::Relaxed);
        })
    };
    let read_at_first_upload = Arc::new(AtomicU64::new(0));
    let on_event = {
        let (read, at_first) = (read.clone(), read_at_first_upload.clone());
        move |event: Event| {
            if matches!(event, Event::BatchUploaded { uploaded: 1, .. }) {
                at_first.store(read.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        }
    };
    let report = importer(&emulator, streaming().concurrency(1))
        .run(counted, leavers(0..0), on_event)
        .await?;
    assert!(report.is_complete_success(), "{report}");
    assert_eq!(read.load(Ordering::Relaxed), 3_000);
    // One upload in flight, and while it is, a few more checked ahead: far from all.
    let read_first = read_at_first_upload.load(Ordering::Relaxed);
    assert!((200..=800).contains(&read_first), "{read_first} read");
    assert_eq!(emulator.users(SOURCE).len(), 3_000);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_streamed_session_waits_for_the_cool_down() {
    assert_the_next_session_waits_for_the_cool_down(streaming()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_whose_every_record_is_invalid_creates_no_session() -> TestResult {
    let emulator = emulator().start().await?;
    // Bad users, repeats of a bad user, and users that also leave.
    let users: Users = [(0, 0), (1, 1), (0, 0), (2, 2), (3, 2), (2, 2)]
        .into_iter()
        .map(|(id, shape)| user(id, shape))
        .collect();
    let leavers: Leavers = [Some(2), None, Some(3)].into_iter().map(leaver).collect();
    let events = Events::default();
    let report = importer(&emulator, streaming())
        .run(users, leavers, events.recorder())
        .await?;
    assert!(report.sessions.is_empty());
    assert_eq!(report.requests, 0);
    assert!(emulator.requests().is_empty(), "nothing is sent");
    assert_eq!(
        positions(&report.invalid),
        [
            "user 1",
            "user 2",
            "user 3",
            "user 6",
            "user 4",
            "deactivation 1",
            "deactivation 2",
            "user 5",
            "deactivation 3"
        ]
    );
    assert_eq!(
        events.all(),
        [Event::Planned {
            sessions: 0,
            users: 0,
            deactivations: 0,
            invalid: 9
        }]
    );
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_streamed_run_mid_session_cancels_the_session() -> TestResult {
    let emulator = emulator().start().await?;
    let mut users: Users = employees(0..5_000).collect();
    users[3] = user(3, 0);
    let error = stop_after_an_upload(&emulator, streaming(), users).await;
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert_eq!(error.report.left_open, None);
    // The records read before the stop were checked: the bad one is reported.
    let positions: Vec<u64> = error
        .report
        .invalid
        .iter()
        .map(|r| r.position.index)
        .collect();
    assert_eq!(positions, [4]);
    assert!(open_sessions(&emulator).is_empty());
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_run_stopped_after_its_last_upload_tells_no_plan() -> TestResult {
    let emulator = emulator().start().await?;
    let events = Events::default();
    let mut record = events.recorder();
    let (on_event, started) = stop_at(move |event| {
        record(event.clone());
        matches!(event, Event::ImportStarted { .. })
    });
    let error = importer(&emulator, streaming())
        .run_until(employees(0..10), leavers(0..0), on_event, started)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    let events = events.all();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::ImportStarted { .. })),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| matches!(e, Event::Planned { .. })),
        "{events:?}"
    );
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_streamed_run_mid_session_leaves_no_open_session() -> TestResult {
    let emulator = emulator().start().await?;
    assert_dropping_mid_upload_leaves_no_open_session(&emulator, streaming()).await;
    emulator.shutdown().await;
    Ok(())
}
