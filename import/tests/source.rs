//! Runs over an input read twice ([`Source`]) into the emulator: what they hold, and that they
//! send what the first read checked and nothing else.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use okta_identity_source::models::IdentitySourceSessionStatus as Status;
use okta_identity_source_import::{
    DEFAULT_CONCURRENCY, Deactivation, Duplicates, Event, Failure, InvalidRecord, Limits,
    OnInvalid, PlanError, Position, ReadError, Source, UserRecord, plan, plan_source,
};
use support::directory::{employee, employee_id, employees, leavers};
use support::{
    LONG_COOL_DOWN, SOURCE, emulator, emulator_with_leavers, importer, lent, open_sessions, options,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Employees `0..users` and leavers `users..users + leavers`, counting how many records the
/// reads after the first have yielded.
#[derive(Clone)]
struct Counted {
    users: u64,
    leavers: u64,
    reads: Arc<AtomicUsize>,
    reread: Arc<AtomicU64>,
}

impl Counted {
    fn new(users: u64, leavers: u64) -> Self {
        Self {
            users,
            leavers,
            reads: Arc::default(),
            reread: Arc::default(),
        }
    }

    /// Counts the records of `records` when this is not the first read.
    fn count<T, I: Iterator<Item = T>>(
        &self,
        records: I,
        first: bool,
    ) -> impl Iterator<Item = T> + use<T, I> {
        let reread = self.reread.clone();
        records.inspect(move |_| {
            if !first {
                reread.fetch_add(1, Ordering::Relaxed);
            }
        })
    }
}

impl Source for Counted {
    type User = UserRecord;
    type Users = Box<dyn Iterator<Item = Result<UserRecord, InvalidRecord>> + Send>;
    type Deactivations = Box<dyn Iterator<Item = Result<Deactivation, InvalidRecord>> + Send>;

    fn users(&mut self) -> Result<Self::Users, ReadError> {
        let first = self.reads.fetch_add(1, Ordering::Relaxed) == 0;
        Ok(Box::new(self.count(employees(0..self.users), first)))
    }

    fn deactivations(&mut self) -> Result<Self::Deactivations, ReadError> {
        let first = self.reads.load(Ordering::Relaxed) == 1;
        let range = self.users..self.users + self.leavers;
        Ok(Box::new(self.count(leavers(range), first)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_over_a_source_holds_only_the_uploads_in_flight() -> TestResult {
    let emulator = emulator_with_leavers().await?;
    let options = || options().cool_down(LONG_COOL_DOWN);

    let source = Counted::new(25_000, 300);
    let reread = source.reread.clone();
    let (mut uploaded, mut most_held) = (0u64, 0u64);
    let report = importer(&emulator, options())
        .run_source(source.clone(), |event| {
            if let Event::BatchUploaded { records, .. } = event {
                // Read again but not yet uploaded: the uploads in flight and the one being built.
                most_held = most_held.max(reread.load(Ordering::Relaxed) - uploaded);
                uploaded += u64::from(records);
            }
        })
        .await?;

    let concurrency = DEFAULT_CONCURRENCY as u64;
    assert!(
        most_held <= (concurrency + 1) * 200 + 1,
        "{most_held} records held at once"
    );
    assert!(
        most_held >= 200,
        "{most_held}: the uploads were not counted"
    );
    assert_eq!(source.reads.load(Ordering::Relaxed), 2);
    assert_eq!(source.reread.load(Ordering::Relaxed), 25_300);
    let counts: Vec<(u64, u64, Status)> = report
        .sessions
        .iter()
        .map(|s| (s.users, s.deactivations, s.status.clone()))
        .collect();
    assert_eq!(
        counts,
        [
            (10_000, 0, Status::Completed),
            (10_000, 0, Status::Completed),
            (5_000, 300, Status::Completed)
        ]
    );
    assert!(report.is_complete_success(), "{report}");
    let directory = emulator.users(SOURCE);
    assert_eq!(directory.len(), 25_300);
    assert_eq!(
        directory.values().filter(|user| user.active).count(),
        25_000
    );
    for n in [0, 10_000, 24_999] {
        let expected = serde_json::to_value(employee(n).profile)?;
        assert_eq!(
            serde_json::Value::Object(directory[&employee_id(n)].profile.clone()),
            expected
        );
    }
    emulator.shutdown().await;
    Ok(())
}

/// A run over a source whose readers can be sent can be spawned on a multi-threaded runtime
/// (checked when compiling).
#[allow(dead_code)]
fn the_run_future_is_send(importer: &okta_identity_source_import::Importer) {
    fn spawnable<T: Send>(_: T) {}
    spawnable(importer.run_source(Counted::new(1, 1), |_| {}));
}

/// Repeated ids, an invalid row, an unreadable one and an id both upserted and deactivated.
fn tangled_users() -> Vec<Result<UserRecord, InvalidRecord>> {
    let mut users: Vec<_> = employees(0..450).collect();
    let mut later = employee(3);
    later.profile.first_name = Some(Some("Later".into()));
    users.push(Ok(later));
    users.push(Ok(employee(400)));
    if let Some(Ok(user)) = users.get_mut(10) {
        user.profile.email = Some("not an address".into());
    }
    users.insert(
        20,
        Err(InvalidRecord::new(
            Position::default(),
            vec!["unreadable".into()],
        )),
    );
    users
}

fn tangled_leavers() -> Vec<Result<Deactivation, InvalidRecord>> {
    vec![
        Ok(Deactivation::new(employee_id(7))),
        Ok(Deactivation::new(employee_id(900))),
        Ok(Deactivation::new(employee_id(900))),
    ]
}

/// Given or lent (each read borrowing the caller's users again), a source sends and reports
/// what a run over iterators does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_sends_and_reports_exactly_what_iterators_do() -> TestResult {
    let options = || {
        options()
            .on_invalid(OnInvalid::Skip)
            .duplicates(Duplicates::LastWins)
            .limits(Limits {
                max_batch_records: 50,
                ..Limits::default()
            })
    };
    let held = emulator().start().await?;
    let held_report = importer(&held, options())
        .run(tangled_users(), tangled_leavers(), |_| {})
        .await?;
    let streamed = emulator().start().await?;
    let streamed_report = importer(&streamed, options())
        .run_source((tangled_users, tangled_leavers), |_| {})
        .await?;
    let users = tangled_users();
    let lent_into = emulator().start().await?;
    let lent_report = importer(&lent_into, options())
        .run_source((|| users.iter().map(lent), tangled_leavers), |_| {})
        .await?;
    assert_eq!(lent_report.invalid, held_report.invalid);
    assert_eq!(lent_report.warnings, held_report.warnings);
    assert_eq!(lent_into.users(SOURCE), held.users(SOURCE));
    lent_into.shutdown().await;

    assert_eq!(streamed_report.invalid, held_report.invalid);
    assert_eq!(streamed_report.warnings, held_report.warnings);
    let sent = |report: &okta_identity_source_import::Report| {
        (report.users_sent, report.users_deactivated)
    };
    assert_eq!(sent(&streamed_report), sent(&held_report));
    // 450 users, less the invalid one, the one in conflict and two repeated ones (replaced).
    assert_eq!(sent(&streamed_report), (448, 1));
    assert_eq!(streamed.users(SOURCE), held.users(SOURCE));
    let directory = streamed.users(SOURCE);
    assert_eq!(directory[&employee_id(3)].profile["firstName"], "Later");
    assert!(!directory.contains_key(&employee_id(7)));
    assert!(!directory.contains_key(&employee_id(10)));
    let warnings: Vec<String> = streamed_report
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.position, w.message))
        .collect();
    assert_eq!(
        warnings,
        [
            "user 452: also at user 4; this later record replaces it",
            "user 453: also at user 402; this later record replaces it",
            "deactivation 3: also deactivated at deactivation 2; sent once",
        ]
    );
    held.shutdown().await;
    streamed.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_changed_between_its_reads_stops_the_import_and_cancels_the_session() -> TestResult
{
    let emulator = emulator().start().await?;
    let reads = AtomicUsize::new(0);
    let users = || {
        let first = reads.fetch_add(1, Ordering::Relaxed) == 0;
        employees(0..1_000).map(move |user| {
            let mut user = user?;
            if !first && user.external_id == employee_id(700) {
                // As long as before, but no address: size alone would not tell.
                user.profile.email = Some("emp-0000700#example.com".into());
            }
            Ok(user)
        })
    };
    let error = importer(&emulator, options())
        .run_source((users, || leavers(0..0)), |_| {})
        .await
        .expect_err("the input changed");
    match &error.failure {
        Failure::InputChanged(message) => assert_eq!(
            message,
            "the record at user 701 is not the one that was checked"
        ),
        other => panic!("{other}"),
    }
    assert!(open_sessions(&emulator).is_empty());
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert!(emulator.users(SOURCE).is_empty(), "nothing was imported");
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_that_shrank_grew_or_cannot_be_read_again_sends_nothing_of_it() -> TestResult {
    let emulator = emulator().start().await?;
    let reads = AtomicUsize::new(0);
    let shrinking = || {
        let first = reads.fetch_add(1, Ordering::Relaxed) == 0;
        employees(0..if first { 300 } else { 250 })
    };
    let error = importer(&emulator, options())
        .run_source((shrinking, || leavers(0..0)), |_| {})
        .await
        .expect_err("the input shrank");
    assert!(
        matches!(&error.failure, Failure::InputChanged(message)
            if message == "upload 2 of session 1 does not have the records that were checked"),
        "{}",
        error.failure
    );
    assert!(open_sessions(&emulator).is_empty());

    // Records added at the end were never checked: not one of them is sent.
    let reads = AtomicUsize::new(0);
    let growing = || {
        let first = reads.fetch_add(1, Ordering::Relaxed) == 0;
        employees(0..if first { 300 } else { 350 })
    };
    let error = importer(&emulator, options())
        .run_source((growing, || leavers(0..0)), |_| {})
        .await
        .expect_err("the input grew");
    assert_eq!(
        error.failure.to_string(),
        "the input changed after it was checked: it has 50 more records than were checked"
    );
    assert!(open_sessions(&emulator).is_empty());

    let gone = GoneOnSecondRead(0);
    let error = importer(&emulator, options())
        .run_source(gone, |_| {})
        .await
        .expect_err("the input is gone");
    assert_eq!(
        error.failure.to_string(),
        "the records could not be read: users.csv: no such file"
    );
    assert!(error.report.sessions.is_empty());
    assert!(emulator.users(SOURCE).is_empty(), "nothing was imported");
    emulator.shutdown().await;
    Ok(())
}

/// Users that can be read once only.
struct GoneOnSecondRead(usize);

impl Source for GoneOnSecondRead {
    type User = UserRecord;
    type Users = std::vec::IntoIter<Result<UserRecord, InvalidRecord>>;
    type Deactivations = std::iter::Empty<Result<Deactivation, InvalidRecord>>;

    fn users(&mut self) -> Result<Self::Users, ReadError> {
        self.0 += 1;
        if self.0 > 1 {
            return Err("users.csv: no such file".into());
        }
        Ok(employees(0..10).collect::<Vec<_>>().into_iter())
    }

    fn deactivations(&mut self) -> Result<Self::Deactivations, ReadError> {
        Ok(std::iter::empty())
    }
}

/// Employees `0..300` and a later record of employee 5, counting the reads.
fn with_a_later_record(reads: &AtomicUsize) -> Vec<Result<UserRecord, InvalidRecord>> {
    reads.fetch_add(1, Ordering::Relaxed);
    let mut later = employee(5);
    later.profile.first_name = Some(Some("Later".into()));
    employees(0..300).chain([Ok(later)]).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_wins_across_sessions_sends_the_later_record_once_as_iterators_do() -> TestResult {
    // Sessions of 100 users: the earlier record is in the first, the later one in the fourth.
    let options = || {
        options().duplicates(Duplicates::LastWins).limits(Limits {
            max_batch_records: 20,
            max_session_records: 100,
            ..Limits::default()
        })
    };
    let held = emulator().start().await?;
    let held_report = importer(&held, options())
        .run(
            with_a_later_record(&AtomicUsize::new(0)),
            leavers(0..0),
            |_| {},
        )
        .await?;
    let streamed = emulator().start().await?;
    let reads = AtomicUsize::new(0);
    let streamed_report = importer(&streamed, options())
        .run_source((|| with_a_later_record(&reads), || leavers(0..0)), |_| {})
        .await?;

    // One read to check, one to tell the repeat exactly, one to send.
    assert_eq!(reads.load(Ordering::Relaxed), 3);
    assert_eq!(streamed_report.warnings, held_report.warnings);
    let warnings: Vec<String> = streamed_report
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.position, w.message))
        .collect();
    assert_eq!(
        warnings,
        ["user 301: also at user 6; this later record replaces it"]
    );
    let per_session = |report: &okta_identity_source_import::Report| -> Vec<u64> {
        report.sessions.iter().map(|s| s.users).collect()
    };
    assert_eq!(per_session(&streamed_report), [99, 100, 100, 1]);
    assert_eq!(per_session(&streamed_report), per_session(&held_report));
    assert_eq!(streamed_report.users_sent, 300);
    assert_eq!(streamed.users(SOURCE), held.users(SOURCE));
    assert_eq!(
        streamed.users(SOURCE)[&employee_id(5)].profile["firstName"],
        "Later"
    );
    held.shutdown().await;
    streamed.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_changed_after_the_check_stops_the_upload_that_has_it() -> TestResult {
    let emulator = emulator().start().await?;
    let reads = AtomicUsize::new(0);
    let users = || {
        let first = reads.fetch_add(1, Ordering::Relaxed) == 0;
        employees(0..500).map(move |user| {
            let mut user = user?;
            if !first && user.external_id == employee_id(450) {
                // Another id, as long, of a user that breaks no rule: only the id tells.
                user.external_id = employee_id(9_450);
            }
            Ok(user)
        })
    };
    let error = importer(&emulator, options())
        .run_source((users, || leavers(0..0)), |_| {})
        .await
        .expect_err("the input changed");
    assert_eq!(
        error.failure.to_string(),
        "the input changed after it was checked: upload 3 of session 1 does not have the \
         records that were checked"
    );
    assert_eq!(error.report.sessions[0].status, Status::Closed);
    assert!(open_sessions(&emulator).is_empty());
    assert!(emulator.users(SOURCE).is_empty(), "nothing was imported");
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_changed_between_the_two_checking_reads_stop_before_any_session() -> TestResult {
    let emulator = emulator().start().await?;
    let reads = AtomicUsize::new(0);
    let users = || {
        let mut users = with_a_later_record(&reads);
        if reads.load(Ordering::Relaxed) > 1 {
            // One more repeat, which the first read did not see.
            users[200] = Ok(employee(100));
        }
        users
    };
    let error = importer(&emulator, options().duplicates(Duplicates::LastWins))
        .run_source((users, || leavers(0..0)), |_| {})
        .await
        .expect_err("the input changed");
    assert_eq!(
        error.failure.to_string(),
        "the input changed after it was checked: its ids are not those of the read before"
    );
    assert_eq!(reads.load(Ordering::Relaxed), 2);
    assert!(error.report.sessions.is_empty());
    assert!(
        emulator.sessions(SOURCE).is_empty(),
        "no session was created"
    );
    emulator.shutdown().await;
    Ok(())
}

#[test]
fn a_dry_run_over_a_source_plans_what_one_over_iterators_does() {
    let limits = Limits {
        max_batch_records: 50,
        ..Limits::default()
    };
    let skip = options()
        .on_invalid(OnInvalid::Skip)
        .duplicates(Duplicates::LastWins)
        .limits(limits);
    let from_iterators = plan(tangled_users(), tangled_leavers(), &skip).expect("skip mode");
    let from_source = plan_source((tangled_users, tangled_leavers), &skip).expect("skip mode");
    assert_eq!(from_source, from_iterators);
    assert_eq!(from_source.warnings.len(), 3);

    let fail = options().limits(limits);
    match (
        plan(tangled_users(), tangled_leavers(), &fail),
        plan_source((tangled_users, tangled_leavers), &fail),
    ) {
        (Err(from_iterators), Err(PlanError::Invalid(from_source))) => {
            assert_eq!(from_source, from_iterators);
            // The invalid row, the unreadable one, two repeated users, the id both upserted
            // and deactivated, and a repeated deactivation.
            assert_eq!(from_source.records.len(), 6, "{from_source}");
        }
        other => panic!("{other:?}"),
    }
}

/// The report's elapsed time counts from the run's start, the check of its input included:
/// a slow first read (a large file) was left out of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_elapsed_time_counts_the_check_of_the_input() -> TestResult {
    let emulator = emulator().start().await?;
    let check = std::time::Duration::from_millis(300);
    let mut reads = 0;
    let users = move || {
        reads += 1;
        if reads == 1 {
            std::thread::sleep(check);
        }
        employees(0..10)
    };
    let started = std::time::Instant::now();
    let report = importer(&emulator, options())
        .run_source((users, || leavers(0..0)), |_| {})
        .await?;
    assert!(report.is_complete_success(), "{report}");
    assert!(report.elapsed >= check, "{:?}", report.elapsed);
    assert!(report.elapsed <= started.elapsed());
    emulator.shutdown().await;
    Ok(())
}
