//! Real imports into the emulator, which enforces every limit and rule of the service.

mod support;

use std::time::Duration;

use chrono::TimeDelta;

use okta_identity_source::models::IdentitySourceSessionStatus as Status;
use okta_identity_source_emulator::{Fault, Limits as EmulatorLimits, SessionStatus};
use okta_identity_source_import::{
    ActiveSession, Duplicates, Event, Failure, InvalidRecord, Limits, OnInvalid, Position,
    RejectedBatch, Step, WaitReason,
};
use serde_json::json;
use support::directory::{employee, employees, leavers};
use support::{
    Events, LONG_COOL_DOWN, SOURCE, api, assert_dropping_mid_upload_leaves_no_open_session,
    assert_the_next_session_waits_for_the_cool_down, emulator, emulator_with_leavers, eventually,
    importer, lent, open_sessions, options, positions, quick_retries, statuses,
    stop_after_an_upload, stop_at,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_five_thousand_users_and_three_hundred_leavers_in_three_sessions() -> TestResult {
    // The leavers are in the directory from an earlier import.
    let emulator = emulator_with_leavers().await?;
    let options = || options().cool_down(LONG_COOL_DOWN);
    let before = emulator.requests().len();

    let events = Events::default();
    let report = importer(&emulator, options())
        .run(
            employees(0..25_000),
            leavers(25_000..25_300),
            events.recorder(),
        )
        .await?;

    let statuses = statuses(&report);
    assert_eq!(
        statuses,
        [Status::Completed, Status::Completed, Status::Completed]
    );
    let counts: Vec<(u64, u64)> = report
        .sessions
        .iter()
        .map(|s| (s.users, s.deactivations))
        .collect();
    assert_eq!(counts, [(10_000, 0), (10_000, 0), (5_000, 300)]);
    assert_eq!((report.users_sent, report.users_deactivated), (25_000, 300));
    assert!(report.is_complete_success(), "{report}");
    let refused: Vec<_> = emulator.requests()[before..]
        .iter()
        .filter(|request| request.status.is_none_or(|status| status >= 400))
        .cloned()
        .collect();
    assert!(refused.is_empty(), "refused: {refused:?}");
    // The emulator refuses a create during the cool-down: none was refused.
    assert_eq!(report.requests as usize, emulator.requests().len() - before);

    let directory = emulator.users(SOURCE);
    assert_eq!(directory.len(), 25_300);
    for n in [0, 9_999, 10_000, 24_999] {
        let user = &directory[&support::directory::employee_id(n)];
        assert!(user.active);
        let expected = serde_json::to_value(employee(n).profile)?;
        assert_eq!(serde_json::Value::Object(user.profile.clone()), expected);
    }
    let active = directory.values().filter(|user| user.active).count();
    assert_eq!(active, 25_000);
    assert!(!directory[&support::directory::employee_id(25_123)].active);

    let events = events.all();
    assert!(matches!(
        events[0],
        Event::Planned {
            sessions: 3,
            users: 25_000,
            deactivations: 300,
            invalid: 0
        }
    ));
    let uploads = events
        .iter()
        .filter(|e| matches!(e, Event::BatchUploaded { .. }))
        .count();
    assert_eq!(uploads, 50 + 50 + 27);
    let finished = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::SessionFinished {
                    status: Status::Completed,
                    ..
                }
            )
        })
        .count();
    assert_eq!(finished, 3);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_session_waits_for_the_cool_down() {
    assert_the_next_session_waits_for_the_cool_down(options()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_s_cool_down_unknown_to_the_run_is_waited_out_and_its_refusal_said_once() -> TestResult
{
    // Okta's cool-down is longer than the run knows of: its creates are refused.
    let emulator = emulator()
        .cool_down(Duration::from_millis(300))
        .start()
        .await?;
    let small_sessions = Limits {
        max_session_records: 5,
        ..Limits::default()
    };
    let options = options()
        .cool_down(Duration::ZERO)
        .polling(Duration::from_millis(20), Duration::from_millis(40))
        .limits(small_sessions);
    let events = Events::default();
    let report = importer(&emulator, options)
        .run(employees(0..10), leavers(0..0), events.recorder())
        .await?;
    assert!(report.is_complete_success(), "{report}");
    let refusals: Vec<String> = events
        .all()
        .into_iter()
        .filter_map(|event| match event {
            Event::CreateRefused { error } => Some(error),
            _ => None,
        })
        .collect();
    // Said once for the second session, however many times it was refused.
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(refusals[0].contains("400"), "{refusals:?}");
    let refused_creates = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.status == Some(400))
        .count();
    assert!(refused_creates >= 1, "{refused_creates}");
    // Each create sent again after a refusal is a retry.
    assert_eq!(report.retries, refused_creates as u64, "{report}");
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_session_left_by_an_earlier_run_is_reported_then_cancelled_once_idle()
-> TestResult {
    let emulator = emulator().start().await?;
    let client = api(&emulator, quick_retries());
    let stale = client.create_identity_source_session(SOURCE).await?;

    let error = importer(&emulator, options())
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("another session is active");
    let Failure::ActiveSession(found) = &error.failure else {
        panic!("not an active-session failure: {error}");
    };
    assert_eq!(
        (found.id.as_str(), &found.status),
        (stale.id.as_str(), &Status::Created)
    );
    assert!(found.created.is_some());
    assert_eq!(error.report.found_active, std::slice::from_ref(found));
    assert!(error.report.sessions.is_empty());
    assert!(error.to_string().contains(&stale.id), "{error}");

    // Updated a moment ago, it may be another run's: not cancelled.
    let error = importer(&emulator, options().active_session(ActiveSession::Cancel))
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the other session is recent");
    let Failure::SessionInUse { session, .. } = &error.failure else {
        panic!("not a session-in-use failure: {error}");
    };
    assert_eq!(session.id, stale.id);
    assert!(error.report.cancelled_others.is_empty());
    assert_eq!(emulator.sessions(SOURCE)[0].status, SessionStatus::Created);

    // Idle for longer than `stale_after`, it is taken for one an earlier run left.
    let idle = Duration::from_millis(50);
    tokio::time::sleep(2 * idle).await;
    let events = Events::default();
    let cancel = options()
        .active_session(ActiveSession::Cancel)
        .stale_after(idle);
    let report = importer(&emulator, cancel)
        .run(employees(0..10), leavers(0..0), events.recorder())
        .await?;
    assert_eq!(report.cancelled_others, std::slice::from_ref(&stale.id));
    assert_eq!(report.sessions[0].status, Status::Completed);
    assert!(events.all().contains(&Event::OtherSessionCancelled {
        id: stale.id.clone()
    }));
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions[0].status, SessionStatus::Closed);
    assert_eq!(sessions[1].status, SessionStatus::Completed);
    assert_eq!(emulator.users(SOURCE).len(), 10);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whether_a_session_is_idle_is_told_by_the_services_clock_not_this_machines() -> TestResult {
    // The service's clock is known to the second (`Date`), so the idle time is seconds long.
    let idle = Duration::from_secs(1);
    let cancel = || options().active_session(ActiveSession::Cancel);
    // Ten minutes or three hours (a time zone set wrong) behind: by this machine's clock, a
    // session updated now was updated long ago, more than the default `stale_after`; it may
    // be another run's.
    for skew in [TimeDelta::minutes(-10), TimeDelta::hours(-3)] {
        let behind = emulator().clock_skew(skew).start().await?;
        let other = api(&behind, quick_retries())
            .create_identity_source_session(SOURCE)
            .await?;
        let error = importer(&behind, cancel())
            .run(employees(0..10), leavers(0..0), |_| {})
            .await
            .expect_err("the other session is recent");
        assert!(
            matches!(&error.failure, Failure::SessionInUse { session, .. } if session.id == other.id),
            "{skew}: {error}"
        );
        assert_eq!(behind.sessions(SOURCE)[0].status, SessionStatus::Created);
        behind.shutdown().await;
    }
    // Ten minutes ahead: a session left idle for longer than `stale_after` was updated "in
    // ten minutes" by this machine's clock; it is an earlier run's, and cancelled.
    let ahead = emulator()
        .clock_skew(TimeDelta::minutes(10))
        .start()
        .await?;
    let left = api(&ahead, quick_retries())
        .create_identity_source_session(SOURCE)
        .await?;
    // The service's time is known to within a second below: three seconds are more than
    // the idle time whatever the rounding.
    tokio::time::sleep(idle * 3).await;
    let report = importer(&ahead, cancel().stale_after(idle))
        .run(employees(0..10), leavers(0..0), |_| {})
        .await?;
    assert_eq!(report.cancelled_others, [left.id]);
    // The create refused while the other session was open, sent again: a retry.
    assert_eq!(report.retries, 1, "{report}");
    assert_eq!(ahead.sessions(SOURCE)[0].status, SessionStatus::Closed);
    ahead.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_the_cool_down_keeps_the_wait_and_every_request_in_the_report() -> TestResult
{
    let emulator = emulator()
        .cool_down(Duration::from_secs(30))
        .start()
        .await?;
    importer(&emulator, options())
        .run(employees(0..10), leavers(0..0), |_| {})
        .await?;
    let before = emulator.requests().len();
    // A new run does not know of the earlier start: Okta's refusal tells it, and the run
    // backs off for 5 s, which the stop cuts short.
    let options = options()
        .polling(Duration::from_secs(5), Duration::from_secs(5))
        .max_cool_down_wait(Duration::from_secs(60));
    // Stopped once the wait has begun.
    let (on_event, waiting) = stop_at(|event| matches!(event, Event::Waiting { .. }));
    let error = importer(&emulator, options)
        .run_until(employees(10..20), leavers(0..0), on_event, waiting)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    let waits = &error.report.waits;
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert_eq!(waits[0].reason, WaitReason::CoolDown);
    assert!(waits[0].waited < Duration::from_secs(5), "{waits:?}");
    let sent = emulator.requests().len() - before;
    assert_eq!(error.report.requests, sent as u64, "{:?}", error.report);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_triggered_session_of_another_run_is_waited_for() -> TestResult {
    let emulator = emulator()
        .processing_time(Duration::from_millis(400))
        .start()
        .await?;
    let other = importer(&emulator, options());
    let mut first = Box::pin(other.run(employees(0..10), leavers(0..0), |_| {}));
    // Let the other run start its import, then leave it running in Okta.
    let mut started = false;
    while !started {
        tokio::select! {
            outcome = &mut first => panic!("the other import ended first: {outcome:?}"),
            _ = tokio::time::sleep(Duration::from_millis(5)) => {
                started = emulator.sessions(SOURCE).iter().any(|s| s.status == SessionStatus::Triggered);
            }
        }
    }
    drop(first);

    let report = importer(
        &emulator,
        options().active_session(ActiveSession::WaitIfTriggered),
    )
    .run(employees(10..20), leavers(0..0), |_| {})
    .await?;
    assert_eq!(report.found_active[0].status, Status::Triggered);
    assert!(
        report
            .waits
            .iter()
            .any(|w| w.reason == WaitReason::ActiveSession)
    );
    assert_eq!(report.sessions[0].status, Status::Completed);
    assert_eq!(emulator.users(SOURCE).len(), 20);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_429s_the_client_retries_itself_are_in_the_report() -> TestResult {
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_millis(200))
        .start()
        .await?;
    // The client waits for the reset and retries each 429 itself, up to 3 times a call.
    let importer = okta_identity_source_import::Importer::new(
        api(&emulator, quick_retries()),
        SOURCE,
        options().concurrency(4),
    );
    let on_event = |event: Event| {
        if matches!(event, Event::SessionCreated { .. }) {
            emulator.inject(Fault::Status {
                status: 429,
                count: 8,
            });
        }
    };
    let report = importer
        .run(employees(0..2_000), leavers(0..0), on_event)
        .await?;
    assert_eq!(report.sessions[0].status, Status::Completed);
    assert_eq!(emulator.users(SOURCE).len(), 2_000);
    let statuses: Vec<Option<u16>> = emulator.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == Some(429)).count(), 8);
    assert_eq!(report.rate_limited, 8);
    assert_eq!(report.retries, 8);
    assert_eq!(report.requests, statuses.len() as u64);
    // The client's waits for the reset are the report's too, one for each request retried.
    let client_waits: Vec<Duration> = report
        .waits
        .iter()
        .filter(|wait| wait.reason == WaitReason::ClientRetry)
        .map(|wait| wait.waited)
        .collect();
    assert!(
        (1..=8).contains(&client_waits.len()) && client_waits.iter().all(|w| !w.is_zero()),
        "{client_waits:?}"
    );
    assert!(report.waited() <= report.elapsed, "{report:?}");
    emulator.shutdown().await;
    Ok(())
}

/// A request the importer sends again after a 429 says it is a retry, as the client's own
/// retries do (Okta asks for it): the request id of the refusal and the count so far.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_again_after_a_429_says_it_is_a_retry() -> TestResult {
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_millis(200))
        .start()
        .await?;
    // The client sends each request once; the importer sends a refused one again.
    let importer = okta_identity_source_import::Importer::new(
        api(&emulator, okta_identity_source::RetryPolicy::never()),
        SOURCE,
        options(),
    );
    emulator.inject(Fault::Status {
        status: 429,
        count: 2,
    });
    let report = importer
        .run(employees(0..10), leavers(0..0), |_| {})
        .await?;
    assert_eq!(report.sessions[0].status, Status::Completed);
    let requests = emulator.requests();
    let creates: Vec<(Option<u16>, Option<&str>, bool)> = requests
        .iter()
        .filter(|request| request.method == "POST" && request.path.ends_with("/sessions"))
        .map(|request| {
            let retry_for = request.header("x-okta-retry-for");
            (
                request.status,
                request.header("x-okta-retry-count"),
                retry_for.is_some_and(|id| !id.is_empty()),
            )
        })
        .collect();
    assert_eq!(
        creates,
        [
            (Some(429), None, false),
            (Some(429), Some("1"), true),
            (Some(201), Some("2"), true)
        ]
    );
    assert_eq!((report.rate_limited, report.retries), (2, 2));
    emulator.shutdown().await;
    Ok(())
}

/// However long the polling interval, the wait after a 429 is worked out without an
/// overflow of the clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_interval_too_long_for_the_clock_survives_a_429() -> TestResult {
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_millis(200))
        .start()
        .await?;
    let client_retries = quick_retries().rate_limit_wait(Duration::ZERO, Duration::ZERO);
    let options = options().polling(Duration::MAX, Duration::MAX);
    let importer =
        okta_identity_source_import::Importer::new(api(&emulator, client_retries), SOURCE, options);
    // The create goes through; the upload is refused once.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Status {
        status: 429,
        count: 1,
    });
    let (on_event, uploaded) = stop_at(|event| matches!(event, Event::BatchUploaded { .. }));
    let error = importer
        .run_until(employees(0..10), leavers(0..0), on_event, uploaded)
        .await
        .expect_err("stopped once uploaded");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    assert_eq!(error.report.rate_limited, 1);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_and_503s_are_survived() -> TestResult {
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_millis(200))
        .start()
        .await?;
    emulator.inject(Fault::Status {
        status: 503,
        count: 3,
    });
    // The client hands every 429 to the importer at once; the importer waits for the reset.
    let client_retries = quick_retries().rate_limit_wait(Duration::ZERO, Duration::ZERO);
    let importer = okta_identity_source_import::Importer::new(
        api(&emulator, client_retries),
        SOURCE,
        options().concurrency(4),
    );
    // The storm starts with the uploads: every upload in flight is refused, twice.
    let on_event = |event: Event| {
        if matches!(event, Event::SessionCreated { .. }) {
            emulator.inject(Fault::Status {
                status: 429,
                count: 8,
            });
        }
    };
    let report = importer
        .run(employees(0..2_000), leavers(0..0), on_event)
        .await?;
    assert_eq!(report.sessions[0].status, Status::Completed);
    assert_eq!(report.sessions[0].uploads, 10);
    assert_eq!(emulator.users(SOURCE).len(), 2_000);
    assert_eq!(report.rate_limited, 8);
    assert_eq!(report.retries, 3 + 8);
    assert!(
        report
            .waits
            .iter()
            .any(|w| w.reason == WaitReason::RateLimit)
    );
    // The client's backoff before it sent the 503s' requests again.
    assert!(
        report
            .waits
            .iter()
            .any(|w| w.reason == WaitReason::ClientRetry)
    );
    // Waits at the same time count once: the time spent waiting is part of the run's.
    assert!(report.waited() <= report.elapsed, "{report}");
    let statuses: Vec<Option<u16>> = emulator.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == Some(429)).count(), 8);
    assert_eq!(statuses.iter().filter(|s| **s == Some(503)).count(), 3);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_that_ends_in_error_is_reported_and_the_others_stand() -> TestResult {
    let emulator = emulator().start().await?;
    emulator.inject(Fault::ImportError { count: 1 });
    let report = importer(&emulator, options())
        .run(employees(0..12_000), leavers(0..0), |_| {})
        .await?;
    let statuses = statuses(&report);
    assert_eq!(statuses, [Status::Error, Status::Completed]);
    assert!(!report.is_complete_success());
    assert!(
        report
            .to_string()
            .contains(&format!("session {}: ERROR", report.sessions[0].id))
    );
    assert_eq!(emulator.users(SOURCE).len(), 2_000);
    emulator.shutdown().await;
    Ok(())
}

fn with_two_bad_rows() -> Vec<Result<okta_identity_source_import::UserRecord, InvalidRecord>> {
    let mut users: Vec<_> = employees(0..5).collect();
    if let Some(Ok(user)) = users.get_mut(1) {
        user.profile.email = Some("not an address".into());
    }
    users.insert(
        3,
        Err(InvalidRecord::new(
            Position::default(),
            vec!["unreadable row".into()],
        )),
    );
    users
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_records_stop_everything_or_are_skipped_with_their_positions() -> TestResult {
    let emulator = emulator().start().await?;
    let mut events = Vec::new();
    let error = importer(&emulator, options())
        .run(with_two_bad_rows(), leavers(0..0), |event| {
            events.push(event)
        })
        .await
        .expect_err("invalid records");
    assert!(matches!(
        error.failure,
        Failure::InvalidRecords { count: 2 }
    ));
    // No word of a plan that does not run.
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(positions(&error.report.invalid), ["user 2", "user 4"]);
    assert!(emulator.requests().is_empty(), "nothing is sent");

    let report = importer(&emulator, options().on_invalid(OnInvalid::Skip))
        .run(with_two_bad_rows(), leavers(0..0), |_| {})
        .await?;
    assert_eq!(positions(&report.invalid), ["user 2", "user 4"]);
    assert_eq!(report.users_sent, 4);
    let directory = emulator.users(SOURCE);
    assert_eq!(directory.len(), 4);
    assert!(!directory.contains_key(&support::directory::employee_id(1)));
    let json = serde_json::to_value(&report)?;
    assert_eq!(
        json["invalid"][1],
        json!({"position": {"index": 4, "input": "users"}, "reasons": ["unreadable row"]})
    );
    emulator.shutdown().await;
    Ok(())
}

/// Users lent (`iter()`) rather than given import the same, checked first or streamed:
/// the same records invalid and warned of, at the same positions (numbered by the importer
/// for the report, since lent records are not its to number), the same sessions and the
/// same directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_lent_rather_than_given_import_the_same() -> TestResult {
    let mut users = with_two_bad_rows();
    // Record 7 repeats record 3's id.
    users.push(Ok(employee(2)));
    // Employees 7 and 8 were imported earlier; employee 4 (record 6) is also a user.
    let leaving: Vec<_> = leavers(7..9).chain(leavers(4..5)).collect();
    let checked_first = options()
        .on_invalid(OnInvalid::Skip)
        .duplicates(Duplicates::LastWins);
    let streamed = options().on_invalid(OnInvalid::Skip);
    let expected = [
        // The repeat wins, with a warning; the leaver who is also a user takes the user out.
        (
            checked_first,
            vec!["user 2", "user 4", "user 6", "deactivation 3"],
            1,
        ),
        // The repeat is invalid.
        (
            streamed,
            vec!["user 2", "user 4", "user 7", "user 6", "deactivation 3"],
            0,
        ),
    ];
    for (options, invalid_at, warnings) in expected {
        let (lent_into, given_into) = (emulator().start().await?, emulator().start().await?);
        for earlier in [&lent_into, &given_into] {
            let earlier_import = importer(earlier, support::options());
            earlier_import
                .run(employees(7..9), leavers(0..0), |_| {})
                .await?;
        }
        let lent_report = importer(&lent_into, options.clone())
            .run(users.iter().map(lent), leaving.clone(), |_| {})
            .await?;
        let given_report = importer(&given_into, options)
            .run(users.clone(), leaving.clone(), |_| {})
            .await?;
        assert_eq!(positions(&lent_report.invalid), invalid_at);
        assert_eq!(lent_report.invalid, given_report.invalid);
        assert_eq!(lent_report.warnings.len(), warnings);
        assert_eq!(lent_report.warnings, given_report.warnings);
        let sessions = |report: &okta_identity_source_import::Report| {
            let sessions = report.sessions.iter();
            sessions
                .map(|s| (s.status.clone(), s.users, s.deactivations, s.uploads))
                .collect::<Vec<_>>()
        };
        assert_eq!(sessions(&lent_report), sessions(&given_report));
        assert_eq!(
            (lent_report.users_sent, lent_report.users_deactivated),
            (3, 2)
        );
        let directory = lent_into.users(SOURCE);
        let active = directory.values().filter(|user| user.active).count();
        assert_eq!((directory.len(), active), (5, 3));
        assert_eq!(directory, given_into.users(SOURCE));
        lent_into.shutdown().await;
        given_into.shutdown().await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_upload_cancels_the_session_or_is_skipped() -> TestResult {
    // Planning for Okta's 200 profiles an upload, where this service takes 100.
    let emulator = emulator()
        .limits(EmulatorLimits {
            max_profiles_per_request: 100,
            ..EmulatorLimits::OKTA
        })
        .start()
        .await?;
    let error = importer(&emulator, options().concurrency(1))
        .run(employees(0..260), leavers(0..0), |_| {})
        .await
        .expect_err("the first upload is refused");
    let Failure::Rejected {
        session_id,
        error: cause,
    } = &error.failure
    else {
        panic!("not a rejection: {error}");
    };
    assert_eq!(cause.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert_eq!(&error.report.rejected[0].session_id, session_id);
    assert_eq!(error.report.rejected[0].positions.len(), 200);
    assert_eq!(error.report.rejected[0].positions[0].index, 1);
    assert!(open_sessions(&emulator).is_empty());
    tokio::time::sleep(support::COOL_DOWN).await;

    let report = importer(
        &emulator,
        options()
            .concurrency(1)
            .rejected_batch(RejectedBatch::Continue),
    )
    .run(employees(0..260), leavers(0..0), |_| {})
    .await?;
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.sessions[0].status, Status::Completed);
    assert_eq!(report.users_sent, 60);
    assert_eq!(emulator.users(SOURCE).len(), 60);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_import_mid_upload_leaves_no_open_session() -> TestResult {
    let emulator = emulator().start().await?;
    assert_dropping_mid_upload_leaves_no_open_session(&emulator, options()).await;
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_import_cancels_its_session_and_says_so() -> TestResult {
    let emulator = emulator().start().await?;
    let error = stop_after_an_upload(&emulator, options(), employees(0..5_000)).await;
    let session = &error.report.sessions[0];
    assert_eq!(session.status, Status::Closed);
    assert!(session.uploads >= 1);
    assert_eq!(error.report.left_open, None);
    assert!(open_sessions(&emulator).is_empty());
    emulator.shutdown().await;
    Ok(())
}

/// The run's future can be spawned on a multi-threaded runtime (checked when compiling).
#[allow(dead_code)]
fn the_run_future_is_send(importer: &okta_identity_source_import::Importer) {
    fn spawnable<T: Send>(_: T) {}
    spawnable(importer.run(employees(0..1), leavers(0..0), |_| {}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_time_cancels_the_session() -> TestResult {
    let emulator = emulator().start().await?;
    let events = Events::default();
    let slow = |event: Event| {
        if matches!(event, Event::SessionCreated { .. }) {
            emulator.inject(Fault::Delay {
                delay: Duration::from_secs(5),
                count: 1,
            });
        }
    };
    let mut record = events.recorder();
    let error = importer(&emulator, options().deadline(Duration::from_millis(300)))
        .run(employees(0..10), leavers(0..0), |event| {
            slow(event.clone());
            record(event);
        })
        .await
        .expect_err("out of time");
    assert!(matches!(error.failure, Failure::Deadline(_)), "{error}");
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert!(open_sessions(&emulator).is_empty());
    assert!(
        events
            .all()
            .iter()
            .any(|e| matches!(e, Event::SessionCancelled { session: 0, .. }))
    );
    emulator.shutdown().await;
    Ok(())
}

/// A deadline that ran out during the check sends nothing, not even a create.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_past_before_the_first_request_sends_nothing() -> TestResult {
    let emulator = emulator().start().await?;
    for deadline in [Duration::ZERO, Duration::from_nanos(1)] {
        let error = importer(&emulator, options().deadline(deadline))
            .run(employees(0..10), leavers(0..0), |_| {})
            .await
            .expect_err("out of time");
        assert!(matches!(error.failure, Failure::Deadline(_)), "{error}");
        assert_eq!(error.report.requests, 0, "{}", error.report);
    }
    assert_eq!(emulator.requests().len(), 0);
    emulator.shutdown().await;
    Ok(())
}

/// The client's retries spent, a cancel that meets an outage is sent again until its
/// timeout: a short outage does not leave the session open to block the next run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_is_sent_again_through_an_outage_until_its_timeout() -> TestResult {
    let emulator = emulator().start().await?;
    // Okta refuses the first upload; then answers 503 more times than the client retries.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Status {
        status: 400,
        count: 1,
    });
    emulator.inject(Fault::Status {
        status: 503,
        count: 10,
    });
    let error = importer(&emulator, options().concurrency(1))
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the upload was refused");
    assert!(matches!(error.failure, Failure::Rejected { .. }), "{error}");
    assert_eq!(emulator.request_faults_left(), 0);
    assert_eq!(error.report.left_open, None, "{}", error.report);
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert_eq!(open_sessions(&emulator), Vec::<String>::new());
    // Each 503 was followed by the same request sent again, by the client or the importer.
    assert_eq!(
        (error.report.requests, error.report.retries),
        (emulator.requests().len() as u64, 10),
        "{}",
        error.report
    );
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_whose_answer_was_lost_and_sent_again_is_still_this_runs() -> TestResult {
    let emulator = emulator().start().await?;
    // Okta refuses the first upload; the DELETE that follows closes the session, but its
    // answer is a gateway's 504, so the client sends it again and Okta refuses that one.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Status {
        status: 400,
        count: 1,
    });
    let on_event = |event: Event| {
        if matches!(event, Event::BatchRejected { .. }) {
            emulator.inject(Fault::StatusAfterCarryingOut {
                status: 504,
                count: 1,
            });
        }
    };
    let events = Events::default();
    let mut record = events.recorder();
    let error = importer(&emulator, options().concurrency(1))
        .run(employees(0..10), leavers(0..0), |event| {
            on_event(event.clone());
            record(event);
        })
        .await
        .expect_err("the upload was refused");
    assert!(matches!(error.failure, Failure::Rejected { .. }), "{error}");
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert!(
        events
            .all()
            .iter()
            .any(|e| matches!(e, Event::SessionCancelled { session: 0, .. }))
    );
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_cannot_be_cancelled_is_named_in_the_report() -> TestResult {
    let emulator = emulator().start().await?;
    // After the first upload the service stops answering: the next uploads are put aside
    // (their fate unknown), starting the import fails, and so does cancelling the session.
    let on_event = |event: Event| {
        if matches!(event, Event::BatchUploaded { .. }) {
            emulator.inject(Fault::DropConnection { count: 1_000 });
        }
    };
    // The cancel is sent again until its timeout.
    let options = options()
        .concurrency(1)
        .cancel_timeout(Duration::from_millis(300));
    let error = importer(&emulator, options)
        .run(employees(0..1_000), leavers(0..0), on_event)
        .await
        .expect_err("the service stopped answering");
    assert!(
        matches!(
            error.failure,
            Failure::Call {
                step: Step::StartingImport,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.report.put_aside.len(), 4, "{:?}", error.report);
    let id = error.report.sessions[0].id.clone();
    assert_eq!(error.report.left_open, Some(id.clone()));
    assert_eq!(open_sessions(&emulator), std::slice::from_ref(&id));
    assert!(
        error
            .report
            .to_string()
            .contains(&format!("session {id} could not be cancelled"))
    );
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_last_wins_the_later_record_is_the_one_imported() -> TestResult {
    let emulator = emulator().start().await?;
    let mut later = employee(0);
    later.profile.first_name = Some(Some("Later".into()));
    let users = employees(0..3).chain([Ok(later)]);
    let report = importer(&emulator, options().duplicates(Duplicates::LastWins))
        .run(users, leavers(0..0), |_| {})
        .await?;
    assert_eq!(report.users_sent, 3);
    assert_eq!(report.warnings.len(), 1);
    assert_eq!(report.warnings[0].position.index, 4);
    let directory = emulator.users(SOURCE);
    let first = &directory[&support::directory::employee_id(0)];
    assert_eq!(first.profile["firstName"], "Later");
    emulator.shutdown().await;
    Ok(())
}

/// A server that gives every request the same answer, with `X-Rate-Limit-Remaining: 0` and
/// an `X-Rate-Limit-Reset` far beyond any date a clock can show (year ~287,000). No
/// emulator answers that, on purpose; this one only has to say it.
async fn far_reset_server(
    status: &'static str,
    body: &'static str,
    reset: &'static str,
) -> std::io::Result<(String, tokio::task::JoinHandle<()>)> {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            request_head(&mut stream).await;
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                 x-rate-limit-limit: 20\r\nx-rate-limit-remaining: 0\r\n\
                 x-rate-limit-reset: {reset}\r\nx-okta-request-id: far\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    Ok((url, server))
}

/// The head of the request `stream` carries (these requests' bodies are not read).
async fn request_head(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut request = Vec::new();
    let mut buffer = [0; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
    }
    String::from_utf8_lossy(&request).into_owned()
}

/// A server that answers each request by its method and path with `answer`, noting the
/// requests' lines. No emulator answers a create with an id that is not one; this one only
/// has to say it.
async fn routed_server(
    answer: fn(&str, &str) -> (&'static str, &'static str),
) -> std::io::Result<(
    String,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    tokio::task::JoinHandle<()>,
)> {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let noted = seen.clone();
    let server = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let head = request_head(&mut stream).await;
            let line = head.lines().next().unwrap_or_default().to_owned();
            let mut words = line.split(' ');
            let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let (status, body) = answer(method, path);
            noted
                .lock()
                .expect("the list of requests")
                .push(format!("{method} {path}"));
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    Ok((url, seen, server))
}

/// A service whose create answers the id `aps1\n../../x` and whose listing then shows the
/// session made as `listing` says.
fn unusable_create(
    method: &str,
    path: &str,
    listing: &'static str,
) -> (&'static str, &'static str) {
    match (method, path) {
        ("POST", "/api/v1/identity-sources/0oa1import/sessions") => (
            "201 Created",
            r#"{"id":"aps1\n../../x","identitySourceId":"0oa1import","status":"CREATED","importType":"INCREMENTAL"}"#,
        ),
        ("GET", "/api/v1/identity-sources/0oa1import/sessions") => ("200 OK", listing),
        ("DELETE", "/api/v1/identity-sources/0oa1import/sessions/aps7made") => {
            ("204 No Content", "")
        }
        _ => (
            "404 Not Found",
            r#"{"errorCode":"E0000007","errorSummary":"Not found","errorCauses":[]}"#,
        ),
    }
}

/// The session made is cancelled when the listing names it by an Okta id, and never sent to
/// when it names it by the id the create answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_session_whose_id_is_no_okta_id_is_cancelled_only_under_an_okta_id() -> TestResult
{
    fn listed_as_made(method: &str, path: &str) -> (&'static str, &'static str) {
        unusable_create(
            method,
            path,
            r#"[{"id":"aps7made","identitySourceId":"0oa1import","status":"CREATED","importType":"INCREMENTAL","created":"2999-01-01T00:00:00.000Z","lastUpdated":"2999-01-01T00:00:00.000Z"}]"#,
        )
    }
    fn listed_as_answered(method: &str, path: &str) -> (&'static str, &'static str) {
        unusable_create(
            method,
            path,
            r#"[{"id":"aps1\n../../x","identitySourceId":"0oa1import","status":"CREATED","importType":"INCREMENTAL","created":"2999-01-01T00:00:00.000Z","lastUpdated":"2999-01-01T00:00:00.000Z"}]"#,
        )
    }
    let sent = [
        "POST /api/v1/identity-sources/0oa1import/sessions",
        "GET /api/v1/identity-sources/0oa1import/sessions",
        "DELETE /api/v1/identity-sources/0oa1import/sessions/aps7made",
    ];
    for (route, cancelled) in [
        (listed_as_made as fn(&str, &str) -> _, true),
        (listed_as_answered, false),
    ] {
        let (url, seen, server) = routed_server(route).await?;
        let error = importer_at(&url)
            .run(employees(0..10), leavers(0..0), |_| {})
            .await
            .expect_err("no upload can be sent to that id");
        assert!(
            matches!(error.failure, Failure::NotAnOktaId { .. }),
            "{error}"
        );
        assert_eq!(error.report.left_open, None);
        let requests = seen.lock().expect("the list of requests").clone();
        if cancelled {
            assert_eq!(statuses(&error.report), [Status::Closed], "{error}");
            assert_eq!(error.report.sessions[0].id, "aps7made");
            assert_eq!(requests, sent);
        } else {
            assert!(error.report.sessions.is_empty(), "{error}");
            assert!(error.report.lost_create.is_some(), "{error}");
            assert_eq!(requests, sent[..2]);
        }
        server.abort();
    }
    Ok(())
}

/// An importer with the usual options, sending to the service at `url`.
fn importer_at(url: &str) -> okta_identity_source_import::Importer {
    let client = okta_identity_source::Client::builder(url)
        .api_token(support::TOKEN)
        .build()
        .expect("a valid client configuration");
    okta_identity_source_import::Importer::new(
        okta_identity_source::IdentitySourceApi::new(client),
        SOURCE,
        options(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_whose_reset_is_beyond_any_date_stops_the_import_without_panicking() -> TestResult {
    let body = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"far","errorCauses":[]}"#;
    // Beyond any date, and beyond any number of seconds a `u64` holds.
    for reset in ["9000000000000", "99999999999999999999"] {
        let (url, server) = far_reset_server("429 Too Many Requests", body, reset).await?;
        let error = importer_at(&url)
            .run(employees(0..10), leavers(0..0), |_| {})
            .await
            .expect_err("the window never resets in time");
        assert!(
            matches!(error.failure, Failure::RateLimit { .. }),
            "{reset}: {error}"
        );
        // One 429, whose reset (measured by this machine's clock, as it has no `Date`) is
        // too far for the client to wait: the importer gives up at once rather than send
        // again after a backoff.
        assert_eq!(error.report.rate_limited, 1, "{reset}");
        assert_eq!(error.report.requests, 1, "{reset}");
        assert_eq!(error.report.retries, 0, "{reset}");
        server.abort();
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_whose_window_is_used_up_until_beyond_any_date_stops_the_import_without_panicking()
-> TestResult {
    let body = r#"{"id":"aps1far","identitySourceId":"0oa1import","status":"CREATED","importType":"INCREMENTAL","created":"2026-01-01T00:00:00.000Z","lastUpdated":"2026-01-01T00:00:00.000Z"}"#;
    let (url, server) = far_reset_server("201 Created", body, "9000000000000").await?;
    let error = importer_at(&url)
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the window never resets in time");
    assert!(
        matches!(error.failure, Failure::RateLimit { .. }),
        "{error}"
    );
    // Created, then no upload could be sent; the cancel is tried at once all the same (the
    // window used up may be another endpoint's), and this server takes it.
    assert_eq!(error.report.sessions[0].id, "aps1far");
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert_eq!(error.report.left_open, None);
    server.abort();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filling_the_real_rate_limit_window_loses_no_user_and_reports_the_waits() -> TestResult {
    let emulator = emulator()
        .rate_limit(10, Duration::from_secs(1))
        .start()
        .await?;
    // Another client of the same org takes about half of every window, so the importer's
    // idea of what is left is sometimes wrong and real 429s come back. The import's 23
    // requests or more need several windows: it waits for a reset unless each of its
    // requests takes a fifth of a second, even on a loaded machine.
    let other = api(&emulator, okta_identity_source::RetryPolicy::never());
    let neighbour = tokio::spawn(async move {
        loop {
            let _ = other
                .get_identity_source_session(SOURCE, "apsNeighbour")
                .await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    // The client's default policy: it waits for the reset itself, twice at most.
    let importer = okta_identity_source_import::Importer::new(
        api(&emulator, okta_identity_source::RetryPolicy::default()),
        SOURCE,
        options().concurrency(4),
    );
    let report = importer
        .run(employees(0..4_000), leavers(0..0), |_| {})
        .await;
    neighbour.abort();
    let report = report?;
    assert_eq!(report.sessions[0].status, Status::Completed);
    assert_eq!(report.sessions[0].uploads, 20);
    assert_eq!(report.users_sent, 4_000);
    assert_eq!(emulator.users(SOURCE).len(), 4_000);
    assert!(
        report
            .waits
            .iter()
            .any(|w| w.reason == WaitReason::RateLimit),
        "{:?}",
        report.waits
    );
    // Every request of the import is counted, and every refusal it met was sent again.
    let requests: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| !r.path.contains("apsNeighbour"))
        .collect();
    let refused = requests.iter().filter(|r| r.status == Some(429)).count();
    assert_eq!(report.requests, requests.len() as u64);
    assert_eq!(report.retries, refused as u64);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_import_while_its_session_is_created_cancels_that_session() -> TestResult {
    // The service's clock may be behind this machine's: the session is found all the same.
    for skew in [TimeDelta::zero(), TimeDelta::minutes(-1)] {
        let emulator = emulator().clock_skew(skew).start().await?;
        // The create is carried out at once, but its answer comes after the drop.
        emulator.inject(Fault::Delay {
            delay: Duration::from_secs(5),
            count: 1,
        });
        let importer = importer(&emulator, options());
        let run = importer.run(employees(0..10), leavers(0..0), |_| {});
        tokio::select! {
            ended = run => panic!("the import ended first: {ended:?}"),
            () = session_made(&emulator) => {}
        }
        eventually("the session's cancel", || {
            open_sessions(&emulator).is_empty()
        })
        .await;
        let sessions = emulator.sessions(SOURCE);
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].status, SessionStatus::Closed, "{skew}");
        emulator.shutdown().await;
    }
    Ok(())
}

/// Stopped while its create's answer is still to come, the run looks for the session it
/// made; dropped during that look, it still has the session cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_import_while_it_looks_for_its_stopped_create_s_session_cancels_it()
-> TestResult {
    let emulator = emulator().start().await?;
    // The create is carried out at once and answered late; so is the listing after it.
    emulator.inject(Fault::Delay {
        delay: Duration::from_millis(400),
        count: 2,
    });
    let importer = importer(&emulator, options());
    let run = importer.run_until(
        employees(0..10),
        leavers(0..0),
        |_| {},
        session_made(&emulator),
    );
    let looking = async {
        session_made(&emulator).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    tokio::select! {
        ended = run => panic!("the import ended first: {ended:?}"),
        () = looking => {}
    }
    eventually("the session's cancel", || {
        open_sessions(&emulator).is_empty()
    })
    .await;
    assert_eq!(emulator.sessions(SOURCE)[0].status, SessionStatus::Closed);
    emulator.shutdown().await;
    Ok(())
}

/// A session of another client, `IN_PROGRESS` (one user uploaded): the client and its id.
async fn in_progress_elsewhere(
    emulator: &okta_identity_source_emulator::Emulator,
) -> Result<(okta_identity_source::IdentitySourceApi, String), Box<dyn std::error::Error>> {
    use okta_identity_source::models::{
        BulkUpsertRequestBody, IdentitySourceEntityType, IdentitySourceUserForUpsert,
    };
    let client = api(emulator, quick_retries());
    let other = client.create_identity_source_session(SOURCE).await?;
    let body = BulkUpsertRequestBody {
        entity_type: IdentitySourceEntityType::Users,
        profiles: vec![IdentitySourceUserForUpsert {
            external_id: "other-1".into(),
            profile: Default::default(),
        }],
    };
    client
        .upload_identity_source_data_for_upsert(SOURCE, &other.id, &body)
        .await?;
    Ok((client, other.id))
}

/// The wait for another run's import does not count against `max_cool_down_wait`: the
/// cool-down its start began is waited out after it, within that limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wait_for_another_import_does_not_count_against_the_cool_down_wait() -> TestResult {
    let cool_down = Duration::from_millis(700);
    let emulator = emulator()
        .processing_time(Duration::from_millis(600))
        .cool_down(cool_down)
        .start()
        .await?;
    let (client, other) = in_progress_elsewhere(&emulator).await?;
    client
        .start_import_from_identity_source(SOURCE, &other)
        .await?;
    let options = options()
        .active_session(ActiveSession::WaitIfTriggered)
        .cool_down(cool_down)
        .max_cool_down_wait(Duration::from_millis(400));
    let report = importer(&emulator, options)
        .run(employees(0..10), leavers(0..0), |_| {})
        .await?;
    assert_eq!(report.sessions[0].status, Status::Completed);
    emulator.shutdown().await;
    Ok(())
}

/// Another session started between the look at it and its cancel is not cancelled: the
/// refusal is not reported as a cancel, and the run waits for that import instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_session_started_before_its_cancel_is_not_reported_cancelled() -> TestResult {
    let emulator = emulator().start().await?;
    let (client, other) = in_progress_elsewhere(&emulator).await?;
    // The run's create is refused for the other session; the listing that finds it is
    // carried out at once and answered late, and meanwhile the other run starts its import.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Delay {
        delay: Duration::from_millis(300),
        count: 1,
    });
    let start_other = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        client
            .start_import_from_identity_source(SOURCE, &other)
            .await
    };
    let events = Events::default();
    let importer = importer(&emulator, cancelling_any_active());
    let run = importer.run(employees(0..10), leavers(0..0), events.recorder());
    let (report, started) = tokio::join!(run, start_other);
    started?;
    let report = report?;
    assert!(report.cancelled_others.is_empty(), "{report:?}");
    assert!(
        !events
            .all()
            .iter()
            .any(|event| matches!(event, Event::OtherSessionCancelled { .. })),
        "{:?}",
        events.all()
    );
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(
        sessions[0].status,
        SessionStatus::Completed,
        "the other's import"
    );
    assert_eq!(report.sessions[0].status, Status::Completed);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_that_came_during_the_check_sends_nothing() -> TestResult {
    let emulator = emulator().start().await?;
    for on_invalid in [OnInvalid::Fail, OnInvalid::Skip] {
        let error = importer(&emulator, options().on_invalid(on_invalid))
            .run_until(employees(0..10), leavers(0..0), |_| {}, async {})
            .await
            .expect_err("stopped");
        assert!(matches!(error.failure, Failure::Stopped), "{error}");
        assert!(error.report.sessions.is_empty(), "{:?}", error.report);
    }
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_import_while_its_session_is_created_cancels_and_reports_it() -> TestResult {
    let emulator = emulator().start().await?;
    emulator.inject(Fault::Delay {
        delay: Duration::from_secs(5),
        count: 1,
    });
    let error = importer(&emulator, options())
        .run_until(
            employees(0..10),
            leavers(0..0),
            |_| {},
            session_made(&emulator),
        )
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].status, SessionStatus::Closed);
    assert_eq!(error.report.sessions.len(), 1);
    assert_eq!(error.report.sessions[0].id, sessions[0].id);
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert_eq!(error.report.left_open, None);
    emulator.shutdown().await;
    Ok(())
}

/// Stopped before the service carried out its create (a slow service, which carries it out
/// all the same), the run keeps looking for the session until the create has made it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_before_its_create_is_carried_out_still_finds_and_cancels_the_session() -> TestResult
{
    let emulator = emulator().start().await?;
    emulator.inject(Fault::Slow {
        delay: Duration::from_millis(600),
        count: 1,
    });
    let stop = eventually("the create to arrive", || {
        emulator.request_faults_left() == 0
    });
    let events = Events::default();
    let error = importer(&emulator, options())
        .run_until(employees(0..10), leavers(0..0), events.recorder(), stop)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 1, "{:?}", error.report);
    assert_eq!(sessions[0].status, SessionStatus::Closed);
    assert_eq!(error.report.sessions.len(), 1);
    assert_eq!(error.report.sessions[0].id, sessions[0].id);
    // Told as made, then as cancelled.
    let told: Vec<(&str, String)> = events
        .all()
        .into_iter()
        .filter_map(|event| match event {
            Event::SessionCreated { session: 0, id } => Some(("created", id)),
            Event::SessionCancelled { session: 0, id } => Some(("cancelled", id)),
            _ => None,
        })
        .collect();
    let id = &sessions[0].id;
    assert_eq!(told, [("created", id.clone()), ("cancelled", id.clone())]);
    assert_eq!(
        (error.report.left_open.as_ref(), error.report.lost_create),
        (None, None)
    );
    emulator.shutdown().await;
    Ok(())
}

/// Stopped while its create was still connecting, on a client that never reached the
/// service, the run knows no session was made: it looks for none and reports none lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_the_create_still_connects_looks_for_no_session() -> TestResult {
    // A listener with a full accept queue that never accepts: the kernel drops further
    // SYNs, so a connection to it hangs (how many fill the queue differs between kernels).
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind("127.0.0.1:0".parse()?)?;
    let address = socket.local_addr()?;
    let listener = socket.listen(0)?;
    let mut queued = Vec::new();
    while let Ok(Ok(stream)) = tokio::time::timeout(
        Duration::from_millis(100),
        tokio::net::TcpStream::connect(address),
    )
    .await
    {
        queued.push(stream);
        assert!(queued.len() < 8, "the queue never fills");
    }
    let error = importer_at(&format!("http://{address}"))
        .run_until(
            employees(0..10),
            leavers(0..0),
            |_| {},
            tokio::time::sleep(Duration::from_millis(300)),
        )
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    assert_eq!(
        error.report.requests, 1,
        "the create, and no listing: {}",
        error.report
    );
    assert_eq!(error.report.lost_create, None, "{}", error.report);
    assert!(error.report.sessions.is_empty(), "{}", error.report);
    drop((listener, queued));
    Ok(())
}

/// Stopped before the service carried out its create, the run looks for the session it
/// makes through listings that fail, as long as they fail in a way that may pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_a_stopped_create_made_is_looked_for_through_failed_listings() -> TestResult {
    let emulator = emulator().start().await?;
    emulator.inject(Fault::Slow {
        delay: Duration::from_millis(300),
        count: 1,
    });
    emulator.inject(Fault::Status {
        status: 500,
        count: 3,
    });
    let stop = eventually("the create to arrive", || {
        emulator.request_faults_left() == 3
    });
    let error = importer(&emulator, options())
        .run_until(employees(0..10), leavers(0..0), |_| {}, stop)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    assert_eq!(emulator.request_faults_left(), 0);
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 1, "{:?}", error.report);
    assert_eq!(sessions[0].status, SessionStatus::Closed);
    assert_eq!(
        (error.report.left_open.as_ref(), error.report.lost_create),
        (None, None),
        "{}",
        error.report
    );
    emulator.shutdown().await;
    Ok(())
}

/// Dropped before the service carried out its create, the run still has the session it
/// makes cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_import_before_its_create_is_carried_out_cancels_the_session() -> TestResult {
    let emulator = emulator().start().await?;
    emulator.inject(Fault::Slow {
        delay: Duration::from_millis(600),
        count: 1,
    });
    let importer = importer(&emulator, options());
    let run = importer.run(employees(0..10), leavers(0..0), |_| {});
    tokio::select! {
        ended = run => panic!("the import ended first: {ended:?}"),
        () = eventually("the create to arrive", || emulator.request_faults_left() == 0) => {}
    }
    eventually("the session made, then cancelled", || {
        let sessions = emulator.sessions(SOURCE);
        sessions.len() == 1 && sessions[0].status == SessionStatus::Closed
    })
    .await;
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_after_the_start_was_sent_records_the_session_s_real_status() -> TestResult {
    let emulator = emulator().start().await?;
    // The start that follows the only upload is carried out, but its answer is late.
    let (on_event, uploaded) = stop_at(|event| {
        let uploaded = matches!(event, Event::BatchUploaded { .. });
        if uploaded {
            emulator.inject(Fault::Delay {
                delay: Duration::from_secs(5),
                count: 1,
            });
        }
        uploaded
    });
    // Stopped once the start was carried out, its answer still to come.
    let started = async {
        uploaded.await;
        eventually("the start", || {
            let status = emulator.sessions(SOURCE).first().map(|s| s.status);
            matches!(
                status,
                Some(SessionStatus::Triggered | SessionStatus::Completed)
            )
        })
        .await;
    };
    let error = importer(&emulator, options().concurrency(1))
        .run_until(employees(0..10), leavers(0..0), on_event, started)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    let session = &emulator.sessions(SOURCE)[0];
    assert!(matches!(
        session.status,
        SessionStatus::Triggered | SessionStatus::Completed
    ));
    assert_eq!(error.report.left_open, None);
    assert_eq!(
        error.report.sessions[0].status.to_string(),
        session.status.to_string()
    );
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_on_stop_gives_up_after_the_cancel_timeout() -> TestResult {
    let emulator = emulator().start().await?;
    // After the first upload every answer is late, the cancellation's too.
    let (on_event, uploaded) = stop_at(|event| {
        let uploaded = matches!(event, Event::BatchUploaded { .. });
        if uploaded {
            emulator.inject(Fault::Delay {
                delay: Duration::from_secs(2),
                count: 100,
            });
        }
        uploaded
    });
    let options = options()
        .concurrency(1)
        .cancel_timeout(Duration::from_millis(100));
    let error = importer(&emulator, options)
        .run_until(employees(0..1_000), leavers(0..0), on_event, uploaded)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    let id = error.report.sessions[0].id.clone();
    assert_eq!(error.report.left_open, Some(id));
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_refused_for_the_rate_limit_again_and_again_stops_the_import() -> TestResult {
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_millis(100))
        .start()
        .await?;
    let client_retries = quick_retries().rate_limit_wait(Duration::ZERO, Duration::ZERO);
    let importer = okta_identity_source_import::Importer::new(
        api(&emulator, client_retries),
        SOURCE,
        options().max_rate_limit_refusals(2),
    );
    emulator.inject(Fault::Status {
        status: 429,
        count: 100,
    });
    let error = importer
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("refused every time");
    assert!(
        matches!(
            &error.failure,
            Failure::Call { step: Step::CreatingSession, error } if error.status().map(|s| s.as_u16()) == Some(429)
        ),
        "{error}"
    );
    assert_eq!(error.report.rate_limited, 3);
    assert_eq!(error.report.retries, 2);
    let refused = emulator
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count();
    assert_eq!(refused, 3);
    emulator.shutdown().await;
    Ok(())
}

/// Waits as long as a `Duration` holds (say `--cool-down 18446744073709551615s`) are waited
/// as good as forever, not added past the end of time: with a deadline as long, the run
/// waits, and stops when told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cool_down_as_long_as_a_duration_holds_is_waited_until_the_run_is_stopped() -> TestResult
{
    let emulator = emulator().start().await?;
    let (on_event, waiting) = stop_at(|event| matches!(event, Event::Waiting { .. }));
    let options = options()
        .cool_down(Duration::MAX)
        .deadline(Duration::MAX)
        .limits(Limits {
            max_session_records: 10,
            ..Limits::default()
        });
    let error = importer(&emulator, options)
        .run_until(employees(0..20), leavers(0..0), on_event, waiting)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    let statuses = statuses(&error.report);
    assert_eq!(statuses, [Status::Completed], "{}", error.report);
    assert!(open_sessions(&emulator).is_empty());
    emulator.shutdown().await;
    Ok(())
}

/// A wait that would end past the deadline (the cool-down before the next session, here) is
/// not begun: the run stops at once, saying what it would have waited for and until when,
/// and the sessions done stand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_would_end_past_the_deadline_stops_the_run_at_once() -> TestResult {
    let emulator = emulator().start().await?;
    let deadline = Duration::from_secs(30);
    let options = options()
        .cool_down(Duration::from_secs(60))
        .deadline(deadline)
        .limits(Limits {
            max_session_records: 10,
            ..Limits::default()
        });
    let events = Events::default();
    let error = tokio::time::timeout(
        Duration::from_secs(10),
        importer(&emulator, options).run(employees(0..20), leavers(0..0), events.recorder()),
    )
    .await?
    .expect_err("past the deadline");
    let Failure::PastDeadline {
        deadline: told,
        reason,
        until,
    } = &error.failure
    else {
        panic!("{error}");
    };
    assert_eq!((*told, *reason), (deadline, WaitReason::CoolDown));
    let ahead = *until - chrono::Utc::now();
    assert!(ahead > TimeDelta::seconds(50), "{until}");
    assert_eq!(
        error.to_string(),
        format!(
            "the import cannot finish within 30s: it would wait for the cool-down after a start \
             until {}, past that deadline",
            until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    );
    // No wait was begun, nor announced.
    assert!(error.report.waits.is_empty(), "{:?}", error.report.waits);
    assert!(
        !events
            .all()
            .iter()
            .any(|event| matches!(event, Event::Waiting { .. }))
    );
    let statuses = statuses(&error.report);
    assert_eq!(statuses, [Status::Completed], "{}", error.report);
    assert!(open_sessions(&emulator).is_empty());
    emulator.shutdown().await;
    Ok(())
}

/// An upload refused because the session expired meanwhile: Okta then refuses the cancel
/// too, which says the session is not open, even when its status can't be read after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_okta_refuses_to_cancel_is_not_reported_as_left_open() -> TestResult {
    let emulator = emulator()
        .session_expiry(Duration::from_millis(1))
        .start()
        .await?;
    // The create, the upload and the cancel go through; reading the session back fails.
    emulator.inject(Fault::Pass { count: 3 });
    emulator.inject(Fault::Status {
        status: 503,
        count: 100,
    });
    // The session idles past its expiry before the upload goes.
    let idle = |event: Event| {
        if matches!(event, Event::SessionCreated { .. }) {
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let error = importer(&emulator, options())
        .run(employees(0..10), leavers(0..0), idle)
        .await
        .expect_err("the session expired before its upload");
    assert!(matches!(error.failure, Failure::Rejected { .. }), "{error}");
    assert_eq!(error.report.left_open, None);
    let shown = format!("{error}\n{}", error.report);
    assert!(
        !shown.contains("still open") && !shown.contains("cancelled"),
        "{shown}"
    );
    let requests: Vec<_> = emulator
        .requests()
        .iter()
        .take(3)
        .map(|request| (request.method.clone(), request.status))
        .collect();
    assert_eq!(
        requests,
        [
            ("POST".to_owned(), Some(201)),
            ("POST".to_owned(), Some(400)),
            ("DELETE".to_owned(), Some(400))
        ]
    );
    assert!(open_sessions(&emulator).is_empty());
    emulator.shutdown().await;
    Ok(())
}

/// A cancel refused for another reason than the session's state (read back, it still takes
/// uploads) leaves the session open, and the report says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_refused_while_the_session_is_still_open_reports_it_left_open() -> TestResult {
    let emulator = emulator().start().await?;
    // The create goes through; the upload and the cancel are refused; the read-back is not.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Status {
        status: 400,
        count: 2,
    });
    let error = importer(&emulator, options())
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the upload was refused");
    assert!(matches!(error.failure, Failure::Rejected { .. }), "{error}");
    let open = open_sessions(&emulator);
    assert_eq!(open.len(), 1);
    assert_eq!(error.report.left_open.as_ref(), open.first());
    emulator.shutdown().await;
    Ok(())
}

/// A create refused with a 429, which the client waits to send again, made no session:
/// stopped then, the run looks for none, and counts the 429 and the wait it cut short.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_a_refused_create_waits_to_be_sent_again_looks_for_no_session() -> TestResult {
    // Every answer is a 429 whose window resets in a minute, which the client waits for.
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_secs(60))
        .start()
        .await?;
    emulator.inject(Fault::Status {
        status: 429,
        count: 1_000,
    });
    let importer = importer(&emulator, options());
    let run = importer.run_until(
        employees(0..10),
        leavers(0..0),
        |_| {},
        tokio::time::sleep(Duration::from_millis(300)),
    );
    let error = tokio::time::timeout(Duration::from_secs(30), run)
        .await?
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    assert_eq!(error.report.lost_create, None);
    let requests: Vec<_> = emulator
        .requests()
        .iter()
        .map(|request| (request.method.clone(), request.status))
        .collect();
    assert_eq!(requests, [("POST".to_owned(), Some(429))]);
    let report = &error.report;
    assert_eq!(
        (report.requests, report.retries, report.rate_limited),
        (1, 0, 1)
    );
    let waited: Vec<Duration> = report
        .waits
        .iter()
        .filter(|wait| wait.reason == WaitReason::ClientRetry)
        .map(|wait| wait.waited)
        .collect();
    assert!(
        waited.len() == 1
            && waited[0] > Duration::from_millis(100)
            && waited[0] < Duration::from_secs(30),
        "{waited:?}"
    );
    assert!(open_sessions(&emulator).is_empty());
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_a_create_looks_for_its_session_no_longer_than_the_cancel_timeout()
-> TestResult {
    // Every answer after the create is a 429 whose window resets in a minute, which the
    // client would wait for.
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_secs(60))
        .start()
        .await?;
    emulator.inject(Fault::Delay {
        delay: Duration::from_millis(300),
        count: 1,
    });
    emulator.inject(Fault::Status {
        status: 429,
        count: 1_000,
    });
    // A reset further away than the longest rate-limit wait adds nothing to the timeout.
    let options = options()
        .cancel_timeout(Duration::from_millis(100))
        .max_rate_limit_wait(Duration::from_secs(5));
    let importer = importer(&emulator, options);
    let run = importer.run_until(
        employees(0..10),
        leavers(0..0),
        |_| {},
        tokio::time::sleep(Duration::from_millis(100)),
    );
    // Unbounded, the look-up waits out the minute (at least).
    let error = tokio::time::timeout(Duration::from_secs(30), run)
        .await?
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    let sent = error.report.lost_create.expect("the create is told");
    assert!(error.report.sessions.is_empty(), "{:?}", error.report);
    assert!(!error.report.is_complete_success());
    let made = &emulator.sessions(SOURCE)[0];
    let created: chrono::DateTime<chrono::Utc> = made.created.into();
    assert!(created >= sent - chrono::Duration::seconds(1), "{made:?}");
    assert!(
        error
            .report
            .to_string()
            .contains("may still be open: it was not found to cancel it"),
        "{}",
        error.report
    );
    let json = serde_json::to_value(&*error.report)?;
    assert!(json["lost_create"].is_string(), "{json}");
    assert_eq!(open_sessions(&emulator), vec![made.id.clone()]);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_times_out_has_its_session_found_and_cancelled() -> TestResult {
    let emulator = emulator().start().await?;
    // The create is carried out, but its answer comes after the client gave up.
    emulator.inject(Fault::Delay {
        delay: Duration::from_millis(300),
        count: 1,
    });
    let client = okta_identity_source::Client::builder(emulator.base_url())
        .api_token(support::TOKEN)
        .request_timeout(Duration::from_millis(100))
        .retry_policy(okta_identity_source::RetryPolicy::never())
        .build()?;
    let api = okta_identity_source::IdentitySourceApi::new(client);
    let error = okta_identity_source_import::Importer::new(api, SOURCE, options())
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the create timed out");
    assert_the_lost_create_s_session_was_cancelled(&emulator, &error);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_by_a_gateway_error_has_its_session_found_and_cancelled() -> TestResult {
    // A gateway's 504 or 502 after the service made the session; a 503 says it did not. The
    // service's clock may be behind this machine's, or ahead.
    let minute = TimeDelta::minutes(1);
    for (status, skew) in [(504, TimeDelta::zero()), (502, -minute), (504, minute)] {
        let emulator = emulator().clock_skew(skew).start().await?;
        emulator.inject(Fault::StatusAfterCarryingOut { status, count: 1 });
        let error = importer(&emulator, options())
            .run(employees(0..10), leavers(0..0), |_| {})
            .await
            .expect_err("the create failed");
        assert!(
            matches!(
                error.failure,
                Failure::Call {
                    step: Step::CreatingSession,
                    ..
                }
            ),
            "{status}: {error}"
        );
        let sessions = emulator.sessions(SOURCE);
        assert_eq!(sessions.len(), 1, "{status}");
        assert_eq!(sessions[0].status, SessionStatus::Closed, "{status}");
        assert_eq!(error.report.sessions[0].id, sessions[0].id);
        assert_eq!(error.report.sessions[0].status, Status::Closed);
        emulator.shutdown().await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_whose_answer_is_lost_is_read_back_and_sent_again_only_if_not_carried_out()
-> TestResult {
    // Carried out, then a gateway's 504; not carried out, the connection dropped.
    let faults = [
        Fault::StatusAfterCarryingOut {
            status: 504,
            count: 1,
        },
        Fault::DropConnection { count: 1 },
    ];
    for (fault, starts) in faults.into_iter().zip([1, 2]) {
        let emulator = emulator().start().await?;
        let on_event = |event: Event| {
            if matches!(event, Event::BatchUploaded { .. }) {
                emulator.inject(fault.clone());
            }
        };
        let report = importer(&emulator, options())
            .run(employees(0..10), leavers(0..0), on_event)
            .await?;
        assert_eq!(report.sessions[0].status, Status::Completed, "{fault:?}");
        assert_eq!(emulator.users(SOURCE).len(), 10);
        let sent = emulator
            .requests()
            .iter()
            .filter(|request| request.path.ends_with("/start-import"))
            .count();
        assert_eq!(sent, starts, "{fault:?}");
        // A start sent again is a retry of the importer's, counted as the client's are.
        assert_eq!(report.retries, starts as u64 - 1, "{fault:?}");
        emulator.shutdown().await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_while_polling_are_read_through_a_few_times_in_a_row() -> TestResult {
    for (errors, completes) in [(3, true), (4, false)] {
        let emulator = emulator().start().await?;
        let on_event = |event: Event| {
            if matches!(event, Event::ImportStarted { .. }) {
                emulator.inject(Fault::Status {
                    status: 500,
                    count: errors,
                });
            }
        };
        let outcome = importer(&emulator, options())
            .run(employees(0..10), leavers(0..0), on_event)
            .await;
        match outcome {
            Ok(report) if completes => {
                assert_eq!(report.sessions[0].status, Status::Completed);
            }
            Err(error) if !completes => {
                assert!(
                    error
                        .to_string()
                        .contains("reading the session failed: getIdentitySourceSession: 500"),
                    "{error}"
                );
                assert_eq!(error.report.sessions[0].status, Status::Triggered);
            }
            outcome => panic!("{errors} errors: {outcome:?}"),
        }
        emulator.shutdown().await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_whose_fate_is_unclear_is_sent_again_in_a_session_of_its_own() -> TestResult {
    // Taken, then a gateway's 504; not taken, a 502.
    let faults = [
        Fault::StatusAfterCarryingOut {
            status: 504,
            count: 1,
        },
        Fault::Status {
            status: 502,
            count: 1,
        },
    ];
    for fault in faults {
        let emulator = emulator().start().await?;
        let on_event = |event: Event| {
            if matches!(event, Event::SessionCreated { session: 0, .. }) {
                emulator.inject(fault.clone());
            }
        };
        let events = Events::default();
        let mut record = events.recorder();
        let report = importer(&emulator, options().concurrency(1))
            .run(employees(0..450), leavers(0..0), |event| {
                on_event(event.clone());
                record(event);
            })
            .await?;
        // Three uploads planned in one session; the first put aside, then sent alone.
        let statuses = statuses(&report);
        assert_eq!(
            statuses,
            [Status::Completed, Status::Completed],
            "{fault:?}"
        );
        assert_eq!(
            (report.sessions[0].uploads, report.sessions[1].uploads),
            (2, 1)
        );
        assert_eq!(report.put_aside.len(), 1, "{fault:?}");
        assert_eq!(report.put_aside[0].positions.len(), 200);
        assert_eq!(
            report.put_aside[0].sent_again_in.as_ref(),
            Some(&report.sessions[1].id)
        );
        assert!(
            report
                .to_string()
                .contains("1 upload put aside and sent again in a later session: "),
            "{report}"
        );
        assert_eq!(report.users_sent, 450);
        assert!(report.is_complete_success());
        assert!(events.all().iter().any(|event| matches!(
            event,
            Event::UploadPutAside {
                session: 0,
                records: 200,
                ..
            }
        )));
        assert_eq!(emulator.users(SOURCE).len(), 450);
        // Never the same upload twice in one session.
        let sessions = emulator.sessions(SOURCE);
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions[1].users_in_session, 200, "{sessions:?}");
        assert_eq!(sessions[1].upload_requests, 1, "{sessions:?}");
        emulator.shutdown().await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_whose_only_upload_was_put_aside_leaves_the_run_a_success() -> TestResult {
    let emulator = emulator().start().await?;
    // The create goes through; the only upload is taken, then answered 504.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::StatusAfterCarryingOut {
        status: 504,
        count: 1,
    });
    let report = importer(&emulator, options())
        .run(employees(0..10), leavers(0..0), |_| {})
        .await?;
    let statuses = statuses(&report);
    assert_eq!(statuses, [Status::Closed, Status::Completed]);
    assert!(report.is_complete_success(), "{report}");
    assert_eq!(emulator.users(SOURCE).len(), 10);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_whose_only_upload_was_put_aside_and_that_cannot_be_cancelled_stops_the_run()
-> TestResult {
    let emulator = emulator().start().await?;
    // The create goes through; the only upload is taken, then answered 504; every cancel
    // and read of the session after it fails.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::StatusAfterCarryingOut {
        status: 504,
        count: 1,
    });
    emulator.inject(Fault::Status {
        status: 500,
        count: 20,
    });
    // The cancel is sent again until its timeout.
    let options = options().cancel_timeout(Duration::from_millis(300));
    let error = importer(&emulator, options)
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the session can't be cancelled");
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(
        sessions.len(),
        1,
        "no second session is created: {sessions:?}"
    );
    let id = sessions[0].id.clone();
    assert!(
        matches!(&error.failure, Failure::NotCancelled { session_id } if *session_id == id),
        "{error}"
    );
    assert_eq!(error.report.left_open.as_ref(), Some(&id));
    assert!(
        error.to_string().contains(&format!(
            "session {id} took none of its uploads and could not be cancelled"
        )),
        "{error}"
    );
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_cancelled_even_when_the_rate_limit_window_says_nothing_is_left() -> TestResult
{
    // A window of an hour, far from used up; the upload is refused 429 as if it were, with
    // the reset an hour away: the run stops, and its cancel is sent at once all the same.
    let emulator = emulator()
        .rate_limit(600, Duration::from_secs(3600))
        .start()
        .await?;
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Status {
        status: 429,
        count: 1,
    });
    let error = importer(&emulator, options())
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the window resets too late");
    assert!(
        matches!(error.failure, Failure::RateLimit { .. }),
        "{error}"
    );
    assert_eq!(error.report.left_open, None, "{}", error.report);
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].status, SessionStatus::Closed, "{sessions:?}");
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_dropped_before_it_made_a_session_is_sent_again() -> TestResult {
    let emulator = emulator().start().await?;
    emulator.inject(Fault::DropConnection { count: 1 });
    let mut unanswered = Vec::new();
    let report = importer(&emulator, options())
        .run(employees(0..10), leavers(0..0), |event| {
            if let Event::CreateUnanswered { error } = event {
                unanswered.push(error);
            }
        })
        .await?;
    assert_eq!(unanswered.len(), 1, "{unanswered:?}");
    assert!(
        unanswered[0].starts_with("createIdentitySourceSession: "),
        "{unanswered:?}"
    );
    assert_eq!(report.sessions.len(), 1);
    assert_eq!(report.lost_create, None);
    let creates = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/sessions"))
        .count();
    assert_eq!(creates, 2);
    assert_eq!(emulator.users(SOURCE).len(), 10);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_cannot_connect_made_no_session_to_look_for() -> TestResult {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    drop(listener);
    let client = okta_identity_source::Client::builder(url)
        .api_token(support::TOKEN)
        .retry_policy(quick_retries())
        .build()?;
    let api = okta_identity_source::IdentitySourceApi::new(client);
    let error = okta_identity_source_import::Importer::new(api, SOURCE, options())
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("nothing answers");
    assert!(
        matches!(
            &error.failure,
            Failure::Call { step: Step::CreatingSession, error } if error.is_connect()
        ),
        "{error}"
    );
    assert_eq!(error.report.lost_create, None);
    assert!(error.report.sessions.is_empty());
    assert!(
        !error.report.to_string().contains("may still be open"),
        "{}",
        error.report
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_another_client_cancels_is_reported_as_ended_by_it() -> TestResult {
    // Whether a refused batch cancels the session or is left out, an ended session stops.
    for mode in [RejectedBatch::Cancel, RejectedBatch::Continue] {
        let emulator = emulator().start().await?;
        emulator.inject(Fault::Delay {
            delay: Duration::from_millis(20),
            count: u32::MAX,
        });
        let importer = importer(&emulator, options().concurrency(1).rejected_batch(mode));
        let run = importer.run(employees(0..2_000), leavers(0..0), |_| {});
        let mut run = Box::pin(run);
        let other = api(&emulator, quick_retries());
        let mut cancelled = None;
        let error = loop {
            tokio::select! {
                outcome = &mut run => break outcome.expect_err("its session was cancelled"),
                _ = tokio::time::sleep(Duration::from_millis(5)), if cancelled.is_none() => {
                    let uploading = emulator.sessions(SOURCE).into_iter()
                        .find(|s| s.status == SessionStatus::InProgress);
                    if let Some(session) = uploading {
                        other.delete_identity_source_session(SOURCE, &session.id).await?;
                        cancelled = Some(session.id);
                    }
                }
            }
        };
        let cancelled = cancelled.expect("the session was cancelled by the other client");
        let Failure::SessionEnded {
            session_id, status, ..
        } = &error.failure
        else {
            panic!("{mode:?}: not a session-ended failure: {error}");
        };
        assert_eq!((session_id, status), (&cancelled, &Status::Closed));
        assert!(
            error.to_string().contains(
                "no longer takes uploads (CLOSED: another client cancelled or started it, or it expired)"
            ),
            "{error}"
        );
        assert_eq!(error.report.sessions[0].status, Status::Closed);
        assert_eq!(error.report.left_open, None);
        // Cancelling stops at the first refusal; going on, every later upload is refused too
        // before the session is read.
        let rejected = error.report.rejected.len();
        match mode {
            RejectedBatch::Cancel => assert_eq!(rejected, 1),
            _ => assert!(rejected > 1, "{rejected}"),
        }
        emulator.shutdown().await;
    }
    Ok(())
}

/// The import of `employees(users)` stopped after `delay`: the error it ends with.
/// Ends once the emulator has made a session (its create carried out, whatever became of
/// its answer).
async fn session_made(emulator: &okta_identity_source_emulator::Emulator) {
    eventually("a session", || !emulator.sessions(SOURCE).is_empty()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_uploads_are_in_flight_than_the_concurrency_allows() -> TestResult {
    for concurrency in [1, 3] {
        let emulator = emulator().start().await?;
        // The create goes through; the first uploads are carried out at once and answered a
        // second later: until then, no other upload may be sent.
        emulator.inject(Fault::Pass { count: 1 });
        emulator.inject(Fault::Delay {
            delay: Duration::from_secs(1),
            count: concurrency as u32,
        });
        let importer = importer(&emulator, options().concurrency(concurrency));
        let run = importer.run(employees(0..2_000), leavers(0..0), |_| {});
        let uploads = || {
            emulator
                .sessions(SOURCE)
                .first()
                .map_or(0, |session| session.upload_requests)
        };
        let held = async {
            eventually("the first uploads", || uploads() >= concurrency).await;
            // Any upload past the concurrency would be sent at once, and not held.
            tokio::time::sleep(Duration::from_millis(200)).await;
            uploads()
        };
        let (report, held) = tokio::join!(run, held);
        assert_eq!(held, concurrency, "{concurrency} in flight at most");
        assert_eq!(report?.users_sent, 2_000);
        emulator.shutdown().await;
    }
    Ok(())
}

/// Uploads in flight when the run stops, which Okta carried out but whose answers never
/// came, are counted as such in their session's report (they were in no count: a session
/// left open held more users than the report said).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_in_flight_when_the_run_stops_are_reported_as_unanswered() -> TestResult {
    let emulator = emulator().start().await?;
    // Four uploads at once: the first answered, the other three carried out at once and
    // answered late.
    let inject = |event: Event| {
        if matches!(event, Event::SessionCreated { .. }) {
            emulator.inject(Fault::Pass { count: 1 });
            emulator.inject(Fault::Delay {
                delay: Duration::from_secs(5),
                count: 3,
            });
        }
    };
    // The run stops once the service holds all four.
    let held = || {
        emulator
            .sessions(SOURCE)
            .first()
            .map_or(0, |session| session.upload_requests)
    };
    let all_four_held = async {
        while held() < 4 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    let error = tokio::time::timeout(
        Duration::from_secs(4),
        importer(&emulator, options().concurrency(4)).run_until(
            employees(0..800),
            leavers(0..0),
            inject,
            all_four_held,
        ),
    )
    .await?
    .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    let session = &error.report.sessions[0];
    // Cancelled after the stop: what Okta took of them is not imported.
    assert_eq!(session.status, Status::Closed);
    // The answered one is counted as uploaded unless the stop came before it was read.
    assert!(session.uploads_unanswered >= 3, "{:?}", error.report);
    assert_eq!(session.uploads + session.uploads_unanswered, 4);
    assert_eq!(session.users + session.records_unanswered, 800);
    assert!(
        error.report.to_string().contains(
            "whose answer never came (the session was cancelled, so none of them is imported)"
        ),
        "{}",
        error.report
    );
    emulator.shutdown().await;
    Ok(())
}

/// An emulator whose rate-limit window, four requests in 1.5 s, the create and three
/// uploads use up; an importer into it that gives a cancel far less time than that (a
/// cancel's wait for the reset is not counted in it), and what stops the run once it waits
/// for the window.
async fn a_window_used_up_by_an_import() -> Result<
    (
        okta_identity_source_emulator::Emulator,
        okta_identity_source_import::Importer,
        impl FnMut(Event) + Send,
        impl std::future::Future<Output = ()>,
    ),
    Box<dyn std::error::Error>,
> {
    let emulator = emulator()
        .rate_limit(4, Duration::from_millis(1_500))
        .start()
        .await?;
    let (on_event, waiting) = stop_at(|event| {
        matches!(
            event,
            Event::Waiting {
                reason: WaitReason::RateLimit,
                ..
            }
        )
    });
    let options = options()
        .concurrency(1)
        .cancel_timeout(Duration::from_millis(200));
    let client = quick_retries().rate_limit_wait(Duration::from_millis(50), Duration::from_secs(5));
    let importer =
        okta_identity_source_import::Importer::new(api(&emulator, client), SOURCE, options);
    Ok((emulator, importer, on_event, waiting))
}

/// The cancels the emulator received, by the status each was answered: refused while the
/// window was used up, and carried out once it reset.
fn assert_cancelled_once_the_window_reset(emulator: &okta_identity_source_emulator::Emulator) {
    let cancels: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|request| request.method == "DELETE")
        .map(|request| request.status)
        .collect();
    assert_eq!(cancels.first(), Some(&Some(429)), "{cancels:?}");
    assert_eq!(cancels.last(), Some(&Some(204)), "{cancels:?}");
    assert_eq!(emulator.sessions(SOURCE)[0].status, SessionStatus::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_the_rate_limit_window_is_used_up_cancels_once_it_resets() -> TestResult {
    let (emulator, importer, on_event, waiting) = a_window_used_up_by_an_import().await?;
    let error = importer
        .run_until(employees(0..2_000), leavers(0..0), on_event, waiting)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    assert_eq!(error.report.left_open, None, "{error}");
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert_cancelled_once_the_window_reset(&emulator);
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_import_while_the_rate_limit_window_is_used_up_cancels_once_it_resets()
-> TestResult {
    let (emulator, importer, on_event, waiting) = a_window_used_up_by_an_import().await?;
    tokio::select! {
        ended = importer.run(employees(0..2_000), leavers(0..0), on_event) => {
            panic!("the import ended first: {ended:?}")
        }
        () = waiting => {}
    }
    eventually("the session's cancel", || {
        open_sessions(&emulator).is_empty()
    })
    .await;
    assert_cancelled_once_the_window_reset(&emulator);
    emulator.shutdown().await;
    Ok(())
}

/// A stop while an upload waits to be sent again after a 429 the run's pacing did not see
/// coming (another client used the window up): the cancel is refused too, and the client's
/// wait for the reset, which the service asked for, is not counted in the cancel timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_the_client_waits_out_a_429_cancels_once_the_window_resets() -> TestResult {
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_secs(3))
        .start()
        .await?;
    // The create goes through; the first upload and the cancel are refused until the reset.
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(Fault::Status {
        status: 429,
        count: 2,
    });
    let options = options()
        .concurrency(1)
        .cancel_timeout(Duration::from_millis(200));
    let client = quick_retries().rate_limit_wait(Duration::from_millis(50), Duration::from_secs(5));
    let importer =
        okta_identity_source_import::Importer::new(api(&emulator, client), SOURCE, options);
    let stop = tokio::time::sleep(Duration::from_millis(500));
    let error = importer
        .run_until(employees(0..1_000), leavers(0..0), |_| {}, stop)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    assert_eq!(error.report.left_open, None, "{error}");
    assert_cancelled_once_the_window_reset(&emulator);
    emulator.shutdown().await;
    Ok(())
}

/// A create that times out is carried out after the listing that looks for its session:
/// the create sent again is refused for that session, which is then taken for the one the
/// lost create made (not another client's), and cancelled as the run stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_carried_out_after_the_look_for_its_session_is_cancelled() -> TestResult {
    let emulator = emulator().start().await?;
    // The create: read at once, carried out 150 ms later, after the client gave up.
    emulator.inject(Fault::Slow {
        delay: Duration::from_millis(150),
        count: 1,
    });
    // The listing after it: carried out at once (nothing yet), answered 80 ms later.
    emulator.inject(Fault::Delay {
        delay: Duration::from_millis(80),
        count: 1,
    });
    let error = impatient_importer(&emulator, options())?
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the create's answer was lost");
    assert_the_lost_create_s_session_was_cancelled(&emulator, &error);
    assert!(error.report.found_active.is_empty(), "{error}");
    emulator.shutdown().await;
    Ok(())
}

/// A create whose answer was lost, carried out by Okta once its cool-down is over, after
/// the create sent again was refused for the cool-down: the next create is refused for
/// the session it made, which is cancelled as the run's own, not reported as another's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_carried_out_after_a_refusal_for_the_cool_down_is_cancelled() -> TestResult {
    let emulator = emulator()
        .cool_down(Duration::from_millis(300))
        .start()
        .await?;
    // Another client's import, started just now: Okta's cool-down for 300 ms.
    let (other, started) = in_progress_elsewhere(&emulator).await?;
    other
        .start_import_from_identity_source(SOURCE, &started)
        .await?;
    // The run's create: carried out 450 ms after it is read, once the cool-down is over,
    // and after the client gave up on it at 100 ms. The listing then finds nothing, the
    // create sent again is refused for the cool-down, and the next comes 800 ms later.
    emulator.inject(Fault::Slow {
        delay: Duration::from_millis(450),
        count: 1,
    });
    let options = options().polling(Duration::from_millis(800), Duration::from_millis(800));
    let error = impatient_importer(&emulator, options)?
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the create's answer was lost");
    assert!(
        matches!(
            error.failure,
            Failure::Call {
                step: Step::CreatingSession,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.report.found_active.is_empty(), "{error}");
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert_eq!(sessions[1].status, SessionStatus::Closed);
    assert_eq!(error.report.sessions.len(), 1);
    assert_eq!(error.report.sessions[0].id, sessions[1].id);
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    emulator.shutdown().await;
    Ok(())
}

/// The run failed at its create, whose answer was lost, and the one session of the source,
/// which that create made, was found and cancelled as the run's own.
fn assert_the_lost_create_s_session_was_cancelled(
    emulator: &okta_identity_source_emulator::Emulator,
    error: &okta_identity_source_import::ImportError,
) {
    assert!(
        matches!(
            error.failure,
            Failure::Call {
                step: Step::CreatingSession,
                ..
            }
        ),
        "{error}"
    );
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].status, SessionStatus::Closed);
    assert_eq!(error.report.sessions.len(), 1);
    assert_eq!(error.report.sessions[0].id, sessions[0].id);
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    let (left_open, lost_create) = (&error.report.left_open, error.report.lost_create);
    assert_eq!((left_open, lost_create), (&None, None), "{error}");
}

/// Options that cancel another session found open, however recently updated.
fn cancelling_any_active() -> okta_identity_source_import::Options {
    options()
        .active_session(ActiveSession::Cancel)
        .stale_after(Duration::ZERO)
}

/// A client that gives up on an answer after 100 ms, and an importer through it.
fn impatient_importer(
    emulator: &okta_identity_source_emulator::Emulator,
    options: okta_identity_source_import::Options,
) -> Result<okta_identity_source_import::Importer, Box<dyn std::error::Error>> {
    let client = okta_identity_source::Client::builder(emulator.base_url())
        .api_token(support::TOKEN)
        .request_timeout(Duration::from_millis(100))
        .retry_policy(quick_retries())
        .build()?;
    let api = okta_identity_source::IdentitySourceApi::new(client);
    Ok(okta_identity_source_import::Importer::new(
        api, SOURCE, options,
    ))
}

/// Another session's cancel carried out with its answer lost (a gateway's 504), sent again
/// by the client and refused with a 429 it does not wait out, then by the run after the
/// reset and refused as the session is closed: the closing was the run's, and the report
/// says so.
#[tokio::test]
async fn another_session_s_cancel_refused_after_a_lost_answer_and_a_429_is_reported_cancelled()
-> TestResult {
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_millis(200))
        .start()
        .await?;
    let (_other, other_id) = in_progress_elsewhere(&emulator).await?;
    // The create is refused for the other session and the listing finds it.
    emulator.inject(Fault::Pass { count: 2 });
    emulator.inject(Fault::StatusAfterCarryingOut {
        status: 504,
        count: 1,
    });
    emulator.inject(Fault::Status {
        status: 429,
        count: 1,
    });
    let once = okta_identity_source::RetryPolicy::with_max_retries(1)
        .backoff(Duration::from_millis(1), Duration::from_millis(10));
    let options = cancelling_any_active();
    let report = okta_identity_source_import::Importer::new(api(&emulator, once), SOURCE, options)
        .run(employees(0..10), leavers(0..0), |_| {})
        .await?;
    assert_eq!(report.found_active[0].id, other_id);
    assert_eq!(report.cancelled_others, [other_id]);
    assert_eq!(report.rate_limited, 1);
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions[0].status, SessionStatus::Closed);
    assert_eq!(sessions[1].status, SessionStatus::Completed);
    emulator.shutdown().await;
    Ok(())
}

/// A create whose answer was lost and whose session was not listed, then another client's
/// import found under way: Okta refuses every create while that session is active, the lost
/// one's too, so a session made after it is another client's. The run reports it in use
/// and leaves it alone, rather than cancelling it as the lost create's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_made_by_another_client_after_its_import_is_not_taken_for_a_lost_create_s()
-> TestResult {
    let emulator = emulator()
        .processing_time(Duration::from_millis(300))
        .cool_down(Duration::ZERO)
        .start()
        .await?;
    let (other, triggered) = in_progress_elsewhere(&emulator).await?;
    other
        .start_import_from_identity_source(SOURCE, &triggered)
        .await?;
    // The run's first create is lost (not carried out); the one sent again is refused for
    // the other import, which the run waits for, polling every second: it reads the import
    // completed some 700 ms after the other client has made its new session.
    emulator.inject(Fault::DropConnection { count: 1 });
    let options = options()
        .active_session(ActiveSession::WaitIfTriggered)
        .polling(Duration::from_secs(1), Duration::from_secs(1));
    let importer = importer(&emulator, options);
    let run = importer.run(employees(0..10), leavers(0..0), |_| {});
    // As the other import completes, the other client creates a session at once.
    let made_after = async {
        let completed = |emulator: &okta_identity_source_emulator::Emulator| {
            emulator.sessions(SOURCE)[0].status == SessionStatus::Completed
        };
        eventually("the other import completes", || completed(&emulator)).await;
        other.create_identity_source_session(SOURCE).await
    };
    let (run, made_after) = tokio::join!(run, made_after);
    let made_after = made_after?.id;
    let error = run.expect_err("the new session is in use");
    match &error.failure {
        Failure::ActiveSession(info) => assert_eq!(info.id, made_after),
        other => panic!("expected ActiveSession, got {other:?}"),
    }
    assert_eq!(error.report.sessions.len(), 0, "{:?}", error.report);
    assert_eq!(error.report.lost_create, None);
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert_eq!(sessions[1].status, SessionStatus::Created);
    emulator.shutdown().await;
    Ok(())
}

/// The create carried out 300 ms after it is read (after an impatient client gave up), the
/// listing that looks for its session finding nothing yet, then `fault` on the create sent
/// again.
fn a_create_carried_out_late_then(
    emulator: &okta_identity_source_emulator::Emulator,
    fault: Fault,
) {
    emulator.inject(Fault::Slow {
        delay: Duration::from_millis(300),
        count: 1,
    });
    emulator.inject(Fault::Pass { count: 1 });
    emulator.inject(fault);
}

/// A create that times out, not yet carried out when its session is looked for, is still
/// looked for when the create sent again fails otherwise than by a refusal (a 503): the
/// session it makes later is found and cancelled as the run's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_is_looked_for_when_the_create_sent_again_fails() -> TestResult {
    let emulator = emulator().start().await?;
    // The create sent again, and the client's retries of it, answered 503.
    a_create_carried_out_late_then(
        &emulator,
        Fault::Status {
            status: 503,
            count: 4,
        },
    );
    let error = impatient_importer(&emulator, options())?
        .run(employees(0..10), leavers(0..0), |_| {})
        .await
        .expect_err("the create sent again failed");
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].status, SessionStatus::Closed);
    assert_eq!(error.report.sessions.len(), 1, "{error}");
    assert_eq!(error.report.sessions[0].id, sessions[0].id);
    let (left_open, lost_create) = (&error.report.left_open, error.report.lost_create);
    assert_eq!((left_open, lost_create), (&None, None), "{error}");
    emulator.shutdown().await;
    Ok(())
}

/// The same lost create, the run dropped while the create sent again waits out a 429: the
/// dropped run's clean-up finds the session it makes later and cancels it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_import_after_a_lost_create_still_cancels_its_late_session() -> TestResult {
    let emulator = emulator()
        .rate_limit(1_000, Duration::from_secs(2))
        .start()
        .await?;
    a_create_carried_out_late_then(
        &emulator,
        Fault::Status {
            status: 429,
            count: 1,
        },
    );
    let importer = impatient_importer(&emulator, options())?;
    let run = importer.run(employees(0..10), leavers(0..0), |_| {});
    let dropped = tokio::time::timeout(Duration::from_millis(250), run).await;
    assert!(dropped.is_err(), "the import ended first: {dropped:?}");
    eventually("the late session's cancel", || {
        let sessions = emulator.sessions(SOURCE);
        sessions.len() == 1 && sessions[0].status == SessionStatus::Closed
    })
    .await;
    emulator.shutdown().await;
    Ok(())
}

/// A stop while the cancel of another run's session is in flight (carried out, its answer
/// late): the report lists that session among those the run cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_another_session_s_cancel_is_in_flight_reports_it_cancelled() -> TestResult {
    let emulator = emulator().start().await?;
    let (_other, other_id) = in_progress_elsewhere(&emulator).await?;
    // The create is refused for the other session and the listing finds it; the cancel is
    // carried out at once and answered late.
    emulator.inject(Fault::Pass { count: 2 });
    emulator.inject(Fault::Delay {
        delay: Duration::from_millis(300),
        count: 1,
    });
    let error = importer(&emulator, cancelling_any_active())
        .run_until(
            employees(0..10),
            leavers(0..0),
            |_| {},
            tokio::time::sleep(Duration::from_millis(150)),
        )
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    assert_eq!(emulator.sessions(SOURCE)[0].status, SessionStatus::Closed);
    assert_eq!(error.report.cancelled_others, [other_id]);
    emulator.shutdown().await;
    Ok(())
}
