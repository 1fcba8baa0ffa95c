//! How fast the import engine is: `cargo bench -p okta-identity-source-import`.
//!
//! `import` sends 10,000 users (one session of 50 uploads of 200) into the emulator on
//! loopback, with no processing delay and no cool-down, end to end: checking and planning
//! the records, create, the uploads, start-import and polling until `COMPLETED`. The
//! baseline is hand-written reqwest making the same requests with the same concurrency,
//! with the upload bodies serialized beforehand (the same profiles in the same batches,
//! serialized by serde_json as the client does) and shared, never copied, by the requests.
//! The engine's records are lent to it, made before the clock starts and freed after it
//! stops, as the baseline's bodies are made before; the `*_given` benchmarks give them
//! instead, for the engine to free. The emulator and the engine share a runtime of two
//! worker threads (the engine on the benchmark's thread); `apart_*` give the emulator a
//! thread of its own and the engine a runtime of one thread, so that on two cores each
//! side can have one. `import_source` runs `import::4` through `run_source`, lending the
//! users to each read. `distant`, `distant_skip` and
//! `distant_baseline` do the same against an emulator that answers each request 10 ms
//! late, like a distant service. `dry_run` checks and plans 1,000,000 users from an
//! iterator, and `directory` only makes those users, to tell the planning from the making;
//! `plan_import_users` is the part of `import` before its first request.
//!
//! Without `--bench` (as under `cargo test --benches`) every benchmark runs once on 400
//! users (10,000 for the dry run) so the run stays short.

use std::borrow::Borrow;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use okta_identity_source::models::{
    BulkUpsertRequestBody, IdentitySourceEntityType, IdentitySourceSession,
    IdentitySourceSessionStatus, IdentitySourceUserForUpsert,
};
use okta_identity_source::{Client, IdentitySourceApi};
use okta_identity_source_emulator::{Emulator, Fault};
use okta_identity_source_import::{
    Importer, InvalidRecord, OnInvalid, Options, Report, UserRecord, plan,
};
use tokio::runtime::Runtime;

#[path = "../tests/support/directory.rs"]
#[allow(
    dead_code,
    reason = "the tests' directory: the benchmarks make users only"
)]
mod directory;

const SOURCE: &str = "0oa1bench";
const TOKEN: &str = "00benchmarkToken";

fn main() {
    divan::main();
}

/// Whether this is `cargo bench` rather than a single test run.
fn measuring() -> bool {
    static MEASURING: OnceLock<bool> = OnceLock::new();
    *MEASURING.get_or_init(|| std::env::args().any(|arg| arg == "--bench"))
}

/// Users the import sends: 10,000, or 400 in a test run.
fn import_users() -> u64 {
    if measuring() { 10_000 } else { 400 }
}

/// Users the dry run plans: 1,000,000, or 10,000 in a test run.
fn dry_run_users() -> u64 {
    if measuring() { 1_000_000 } else { 10_000 }
}

/// A runtime with two worker threads and an emulator on it, shared by the benchmarks; a
/// second emulator answers every request 10 ms late, like a distant service.
struct Setup {
    runtime: Runtime,
    emulator: Emulator,
    client: Client,
    distant: Emulator,
    distant_client: Client,
}

/// The latency of the distant emulator.
const LATENCY: Duration = Duration::from_millis(10);

fn start_emulator(runtime: &Runtime) -> Emulator {
    runtime.block_on(emulator_here())
}

/// An emulator on the current runtime.
async fn emulator_here() -> Emulator {
    Emulator::builder()
        .identity_source(SOURCE)
        .api_token(TOKEN)
        .processing_time(Duration::ZERO)
        .cool_down(Duration::ZERO)
        .rate_limit(1_000_000, Duration::from_secs(60))
        .record_limit(1)
        .start()
        .await
        .expect("the emulator starts")
}

fn client(emulator: &Emulator) -> Client {
    Client::builder(emulator.base_url())
        .api_token(TOKEN)
        .build()
        .expect("a client")
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let emulator = start_emulator(&runtime);
        let distant = start_emulator(&runtime);
        distant.inject(Fault::Delay {
            delay: LATENCY,
            count: u32::MAX,
        });
        Setup {
            client: client(&emulator),
            distant_client: client(&distant),
            runtime,
            emulator,
            distant,
        }
    })
}

/// The emulator alone on a thread of its own (a Tokio runtime of one thread), and the
/// engine or the baseline on the benchmark's thread (a runtime of one thread too): on two
/// cores, each side has one, as when the service runs on another machine.
struct Apart {
    runtime: Runtime,
    emulator: Emulator,
    client: Client,
}

fn apart() -> &'static Apart {
    static APART: OnceLock<Apart> = OnceLock::new();
    APART.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        // The thread lives as long as the process: the emulator is never shut down.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                sender
                    .send(emulator_here().await)
                    .expect("the benchmark waits for the emulator");
                std::future::pending::<()>().await
            })
        });
        let emulator = receiver.recv().expect("the emulator starts");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        Apart {
            client: client(&emulator),
            runtime,
            emulator,
        }
    })
}

/// `import::4` with the emulator apart.
#[divan::bench]
fn apart_import(bencher: Bencher) {
    let apart = apart();
    run_importer_on(bencher, &apart.runtime, &apart.client, options(4));
}

/// `import_skip` with the emulator apart.
#[divan::bench]
fn apart_skip(bencher: Bencher) {
    let apart = apart();
    let options = options(4).on_invalid(OnInvalid::Skip);
    run_importer_on(bencher, &apart.runtime, &apart.client, options);
}

/// `baseline::4` with the emulator apart.
#[divan::bench]
fn apart_baseline(bencher: Bencher) {
    let apart = apart();
    run_by_hand_on(bencher, &apart.runtime, &apart.emulator, 4);
}

fn users() -> Vec<UserRecord> {
    (0..import_users()).map(directory::employee).collect()
}

fn options(concurrency: usize) -> Options {
    Options::default()
        .concurrency(concurrency)
        .cool_down(Duration::ZERO)
        .polling(Duration::ZERO, Duration::ZERO)
}

/// The engine, from records to `COMPLETED`.
#[divan::bench(args = [1, 4])]
fn import(bencher: Bencher, concurrency: usize) {
    run_importer(bencher, &setup().client, options(concurrency));
}

/// `import::4` with invalid records skipped rather than refused: the same work for an
/// input with none.
#[divan::bench]
fn import_skip(bencher: Bencher) {
    let options = options(4).on_invalid(OnInvalid::Skip);
    run_importer(bencher, &setup().client, options);
}

/// The engine against the distant emulator: how much concurrency gains when each request
/// takes 10 ms more.
#[divan::bench(args = [1, 2, 4, 8], sample_count = 10)]
fn distant(bencher: Bencher, concurrency: usize) {
    run_importer(bencher, &setup().distant_client, options(concurrency));
}

/// `import_skip` (streamed) against the distant emulator, for `distant_baseline`.
#[divan::bench(sample_count = 10)]
fn distant_skip(bencher: Bencher) {
    let options = options(4).on_invalid(OnInvalid::Skip);
    run_importer(bencher, &setup().distant_client, options);
}

/// `baseline::4` against the distant emulator.
#[divan::bench(sample_count = 10)]
fn distant_baseline(bencher: Bencher) {
    run_by_hand(bencher, &setup().distant, 4);
}

/// Imports [`users`] through `client` with `options`, once per iteration.
fn run_importer(bencher: Bencher, client: &Client, options: Options) {
    run_importer_on(bencher, &setup().runtime, client, options)
}

/// Imports [`users`] on `runtime` through `client` with `options`, once per iteration.
/// The records are lent: made before the clock starts and freed after it stops, as the
/// baseline's bodies are made before.
fn run_importer_on(bencher: Bencher, runtime: &Runtime, client: &Client, options: Options) {
    let importer = importer(client, options);
    bencher
        .counter(ItemsCount::new(import_users()))
        .with_inputs(users)
        .bench_local_refs(|users| {
            let report =
                runtime.block_on(importer.run(users.iter().map(Ok), std::iter::empty(), |_| {}));
            check(report);
        });
}

/// `import::4` through `run_source` over the lent users: checked first by one read, then
/// read again as the uploads go out, each body written when a request can take it, rather
/// than every body written before the first request and held.
#[divan::bench]
fn import_source(bencher: Bencher) {
    let setup = setup();
    let importer = importer(&setup.client, options(4));
    bencher
        .counter(ItemsCount::new(import_users()))
        .with_inputs(users)
        .bench_local_refs(|users| {
            let users: &[UserRecord] = users;
            let source = (|| users.iter().map(Ok), std::iter::empty);
            check(setup.runtime.block_on(importer.run_source(source, |_| {})));
        });
}

/// `import::4` with the records given rather than lent: the engine frees each one once it
/// is written, before the first request.
#[divan::bench]
fn import_given(bencher: Bencher) {
    run_importer_given(bencher, options(4));
}

/// `import_skip` with the records given rather than lent: the engine frees each one once
/// it is written, while the uploads are in flight.
#[divan::bench]
fn import_skip_given(bencher: Bencher) {
    run_importer_given(bencher, options(4).on_invalid(OnInvalid::Skip));
}

/// Imports [`users`], given, with `options`, once per iteration.
fn run_importer_given(bencher: Bencher, options: Options) {
    let setup = setup();
    let importer = importer(&setup.client, options);
    bencher
        .counter(ItemsCount::new(import_users()))
        .with_inputs(users)
        .bench_local_values(|users| {
            let users = users.into_iter().map(Ok);
            let run = importer.run(users, std::iter::empty(), |_| {});
            check(setup.runtime.block_on(run));
        });
}

/// The engine over `client` with `options`.
fn importer(client: &Client, options: Options) -> Importer {
    Importer::new(IdentitySourceApi::new(client.clone()), SOURCE, options)
}

/// How many users a dry run over `users` plans: every one, as every one is valid.
fn planned<R: Borrow<UserRecord>>(
    users: impl IntoIterator<Item = Result<R, InvalidRecord>>,
) -> u64 {
    let plan = plan(users, std::iter::empty(), &Options::default());
    plan.map(|plan| plan.users).expect("every user is valid")
}

fn check(report: Result<Report, okta_identity_source_import::ImportError>) {
    match report {
        Ok(report) if report.is_complete_success() => {}
        Ok(report) => panic!("the import did not complete: {report}"),
        Err(error) => panic!("the import failed: {error}"),
    }
}

/// The bodies of the uploads, serialized; each is shared by the requests that send it,
/// never copied.
fn bodies() -> Vec<Bytes> {
    let profiles: Vec<IdentitySourceUserForUpsert> = users()
        .into_iter()
        .map(|user| IdentitySourceUserForUpsert {
            external_id: user.external_id,
            profile: user.profile,
        })
        .collect();
    profiles
        .chunks(200)
        .map(|chunk| {
            let body = BulkUpsertRequestBody {
                entity_type: IdentitySourceEntityType::Users,
                profiles: chunk.to_vec(),
            };
            Bytes::from(serde_json::to_vec(&body).expect("serializable"))
        })
        .collect()
}

/// Hand-written reqwest: the same requests, bodies serialized beforehand.
#[divan::bench(args = [1, 4])]
fn baseline(bencher: Bencher, concurrency: usize) {
    run_by_hand(bencher, &setup().emulator, concurrency);
}

/// Imports [`bodies`] into `emulator` by hand, once per iteration.
fn run_by_hand(bencher: Bencher, emulator: &Emulator, concurrency: usize) {
    run_by_hand_on(bencher, &setup().runtime, emulator, concurrency)
}

/// Imports [`bodies`] into `emulator` by hand on `runtime`, once per iteration.
fn run_by_hand_on(bencher: Bencher, runtime: &Runtime, emulator: &Emulator, concurrency: usize) {
    let http = reqwest::Client::new();
    let bodies = bodies();
    let sessions = format!(
        "{}/api/v1/identity-sources/{SOURCE}/sessions",
        emulator.base_url()
    );
    bencher
        .counter(ItemsCount::new(import_users()))
        .bench_local(|| {
            runtime
                .block_on(by_hand(&http, &sessions, &bodies, concurrency))
                .expect("the baseline import completes");
        });
}

async fn by_hand(
    http: &reqwest::Client,
    sessions: &str,
    bodies: &[Bytes],
    concurrency: usize,
) -> Result<(), reqwest::Error> {
    let send = |request: reqwest::RequestBuilder| {
        request
            .header("authorization", format!("SSWS {TOKEN}"))
            .header("accept", "application/json")
            .send()
    };
    let created = send(http.post(sessions)).await?.error_for_status()?;
    let session: IdentitySourceSession = decode(&created.bytes().await?);
    let session_url = format!("{sessions}/{}", session.id);
    let upload = format!("{session_url}/bulk-upsert");
    stream::iter(bodies)
        .map(|body| {
            let request = http
                .post(&upload)
                .header("content-type", "application/json")
                .body(body.clone());
            async move { send(request).await?.error_for_status() }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<_>>()
        .await?;
    send(http.post(format!("{session_url}/start-import")))
        .await?
        .error_for_status()?;
    loop {
        let read = send(http.get(&session_url)).await?.error_for_status()?;
        let session: IdentitySourceSession = decode(&read.bytes().await?);
        if session.status == IdentitySourceSessionStatus::Completed {
            return Ok(());
        }
    }
}

fn decode(body: &[u8]) -> IdentitySourceSession {
    serde_json::from_slice(body).expect("a session")
}

/// The part of `import` before the first request: checking and planning the same users
/// (as a dry run: without keeping their bodies).
#[divan::bench]
fn plan_import_users(bencher: Bencher) {
    bencher
        .counter(ItemsCount::new(import_users()))
        .with_inputs(users)
        .bench_local_refs(|users| black_box(planned(users.iter().map(Ok))));
}

/// `plan_import_users` with the records given: the check frees each one.
#[divan::bench]
fn plan_import_users_given(bencher: Bencher) {
    bencher
        .counter(ItemsCount::new(import_users()))
        .with_inputs(users)
        .bench_local_values(|users| black_box(planned(users.into_iter().map(Ok))));
}

/// Checking and planning users from an iterator, keeping only their ids.
#[divan::bench(sample_count = 5)]
fn dry_run(bencher: Bencher) {
    let users = dry_run_users();
    bencher
        .counter(ItemsCount::new(users))
        .bench_local(|| black_box(planned(directory::employees(0..users))));
}

/// Making the users only, for comparison with `dry_run`.
#[divan::bench(sample_count = 5)]
fn directory(bencher: Bencher) {
    let users = dry_run_users();
    bencher.counter(ItemsCount::new(users)).bench_local(|| {
        directory::employees(0..users).for_each(|user| {
            let _ = black_box(user);
        })
    });
}
