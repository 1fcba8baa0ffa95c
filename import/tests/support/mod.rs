//! What the tests against the emulator share: an emulator with millisecond timings, a
//! client and an importer pointed at it, and the events an import emitted.

#![allow(dead_code)] // Each test binary uses a part.

pub mod directory;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use okta_identity_source::models::IdentitySourceSessionStatus;
use okta_identity_source::{Client, IdentitySourceApi, RetryPolicy};
use okta_identity_source_emulator::{Emulator, EmulatorBuilder, Fault, SessionStatus};
use okta_identity_source_import::{
    Event, Failure, ImportError, Importer, InvalidRecord, Limits, Options, Report, UserRecord,
    WaitReason,
};

pub const SOURCE: &str = "0oa1import";
pub const TOKEN: &str = "00importTestToken";
/// The emulator's cool-down, and the importer's idea of it.
pub const COOL_DOWN: Duration = Duration::from_millis(50);

/// An emulator with no processing delay and a 50 ms cool-down.
pub fn emulator() -> EmulatorBuilder {
    Emulator::builder()
        .identity_source(SOURCE)
        .api_token(TOKEN)
        .processing_time(Duration::ZERO)
        .cool_down(COOL_DOWN)
}

/// Retries as by default, but backing off for milliseconds instead of seconds.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::with_max_retries(3).backoff(Duration::from_millis(1), Duration::from_millis(10))
}

/// The API through a client of the emulator with `retries`.
pub fn api(emulator: &Emulator, retries: RetryPolicy) -> IdentitySourceApi {
    let client = Client::builder(emulator.base_url())
        .api_token(TOKEN)
        .retry_policy(retries)
        .build()
        .expect("a valid client configuration");
    IdentitySourceApi::new(client)
}

/// Options with millisecond waits matching the emulator's.
pub fn options() -> Options {
    Options::default()
        .cool_down(COOL_DOWN)
        .polling(Duration::from_millis(2), Duration::from_millis(20))
        .max_cool_down_wait(Duration::from_secs(5))
        .deadline(Duration::from_secs(60))
}

/// An importer into the emulator's source.
pub fn importer(emulator: &Emulator, options: Options) -> Importer {
    Importer::new(api(emulator, quick_retries()), SOURCE, options)
}

/// A cool-down longer than polling a 10,000-user import takes in a debug build.
pub const LONG_COOL_DOWN: Duration = Duration::from_millis(300);

/// An emulator with [`LONG_COOL_DOWN`] whose directory already holds the 300 users
/// `employees(25_000..25_300)` (the leavers of the big imports), imported and cooled down.
pub async fn emulator_with_leavers() -> Result<Emulator, okta_identity_source_import::ImportError> {
    let emulator = emulator()
        .cool_down(LONG_COOL_DOWN)
        .start()
        .await
        .expect("the emulator starts");
    importer(&emulator, options().cool_down(LONG_COOL_DOWN))
        .run(
            directory::employees(25_000..25_300),
            directory::leavers(0..0),
            |_| {},
        )
        .await?;
    tokio::time::sleep(LONG_COOL_DOWN).await;
    Ok(emulator)
}

/// Every answer 20 ms late, for a while: time to act while an import is under way.
pub fn slow_down(emulator: &Emulator) {
    emulator.inject(Fault::Delay {
        delay: Duration::from_millis(20),
        count: 1_000,
    });
}

/// Imports 5,000 users with `options` (one upload at a time, answers slowed down), drops the
/// import once an upload was accepted, and checks that its session ends `CLOSED`.
pub async fn assert_dropping_mid_upload_leaves_no_open_session(
    emulator: &Emulator,
    options: Options,
) {
    slow_down(emulator);
    let importer = importer(emulator, options.concurrency(1));
    let events = Events::default();
    let users = directory::employees(0..5_000);
    let mut run = Box::pin(importer.run(users, directory::leavers(0..0), events.recorder()));
    loop {
        tokio::select! {
            outcome = &mut run => panic!("the import ended first: {outcome:?}"),
            _ = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        if events
            .all()
            .iter()
            .any(|e| matches!(e, Event::BatchUploaded { .. }))
        {
            break;
        }
    }
    assert_eq!(open_sessions(emulator).len(), 1);
    drop(run);
    for _ in 0..200 {
        if open_sessions(emulator).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(open_sessions(emulator), Vec::<String>::new());
    assert_eq!(emulator.sessions(SOURCE)[0].status, SessionStatus::Closed);
}

/// Imports `users` with `options` (one upload at a time, answers slowed down) and stops the
/// import once an upload was accepted: the error it ends with, checked to be the stop.
pub async fn stop_after_an_upload(
    emulator: &Emulator,
    options: Options,
    users: impl IntoIterator<Item = Result<UserRecord, InvalidRecord>>,
) -> ImportError {
    slow_down(emulator);
    let (on_event, uploaded) = stop_at(|event| matches!(event, Event::BatchUploaded { .. }));
    let error = importer(emulator, options.concurrency(1))
        .run_until(users, directory::leavers(0..0), on_event, uploaded)
        .await
        .expect_err("stopped");
    assert!(matches!(error.failure, Failure::Stopped), "{error}");
    error
}

/// Imports 10 users with `options` in sessions of 5 into an emulator with a 1 s cool-down,
/// and checks that the second session waits for it, says so between the first session's
/// end and its own creation, and that no request is refused.
pub async fn assert_the_next_session_waits_for_the_cool_down(options: Options) {
    let cool_down = Duration::from_secs(1);
    let emulator = emulator()
        .cool_down(cool_down)
        .start()
        .await
        .expect("the emulator starts");
    let small_sessions = Limits {
        max_session_records: 5,
        ..Limits::default()
    };
    let events = Events::default();
    let options = options.cool_down(cool_down).limits(small_sessions);
    let users = directory::employees(0..10);
    let report = importer(&emulator, options)
        .run(users, directory::leavers(0..0), events.recorder())
        .await
        .expect("the import runs");
    assert_eq!(report.sessions.len(), 2);
    assert!(report.is_complete_success(), "{report}");
    let waits: Vec<WaitReason> = report.waits.iter().map(|w| w.reason).collect();
    assert_eq!(waits, [WaitReason::CoolDown]);
    let refused = emulator
        .requests()
        .iter()
        .filter(|r| !matches!(r.status, Some(200..=202)))
        .count();
    assert_eq!(refused, 0, "no create is refused for the cool-down");
    let events = events.all();
    let position = |wanted: fn(&Event) -> bool| events.iter().position(wanted);
    let finished = position(|e| matches!(e, Event::SessionFinished { session: 0, .. }));
    let waiting = position(|e| {
        matches!(
            e,
            Event::Waiting {
                reason: WaitReason::CoolDown,
                ..
            }
        )
    });
    let created = position(|e| matches!(e, Event::SessionCreated { session: 1, .. }));
    assert!(finished < waiting && waiting < created, "{events:?}");
    emulator.shutdown().await;
}

/// Collects the events of an import.
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<Vec<Event>>>);

impl Events {
    /// A callback that records each event.
    pub fn recorder(&self) -> impl FnMut(Event) + Send + 'static {
        let events = self.0.clone();
        move |event| events.lock().expect("not poisoned").push(event)
    }

    /// The events so far.
    pub fn all(&self) -> Vec<Event> {
        self.0.lock().expect("not poisoned").clone()
    }
}

/// A record of the caller's, lent to the importer rather than given: `records.iter().map(lent)`.
pub fn lent<T>(record: &Result<T, InvalidRecord>) -> Result<&T, InvalidRecord> {
    record.as_ref().map_err(Clone::clone)
}

/// Where each of `invalid` is, as reported (`record 2`, `users.csv:3`).
pub fn positions(invalid: &[InvalidRecord]) -> Vec<String> {
    invalid.iter().map(|r| r.position.to_string()).collect()
}

/// The final status of each session of `report`, in order.
pub fn statuses(report: &Report) -> Vec<IdentitySourceSessionStatus> {
    report.sessions.iter().map(|s| s.status.clone()).collect()
}

/// The emulator's sessions that are still open for uploads.
pub fn open_sessions(emulator: &Emulator) -> Vec<String> {
    emulator
        .sessions(SOURCE)
        .into_iter()
        .filter(|session| {
            matches!(
                session.status,
                SessionStatus::Created | SessionStatus::InProgress
            )
        })
        .map(|session| session.id)
        .collect()
}

/// An event callback that passes each event to `on_event` and, at the first one `on_event`
/// answers `true` to, ends the future returned beside it: the stop of a `run_until`.
pub fn stop_at(
    mut on_event: impl FnMut(&Event) -> bool + Send,
) -> (
    impl FnMut(Event) + Send,
    impl std::future::Future<Output = ()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut stop = Some(stop);
    let events = move |event: Event| {
        if on_event(&event)
            && let Some(stop) = stop.take()
        {
            let _ = stop.send(());
        }
    };
    (events, async move {
        let _ = stopped.await;
    })
}

/// Waits until `done` holds, looking every millisecond; fails the test when `what` has not
/// happened within 10 s.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("{what} did not happen within 10 s");
}
