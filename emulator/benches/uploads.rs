//! How many 200-profile bulk-upserts per second the emulator accepts on loopback:
//! `cargo bench -p okta-identity-source-emulator --bench uploads`.
//!
//! The client side is kept as small as it can be, so the emulator is what is measured: the
//! body is serialised beforehand (200 users with six attributes each, 35 KB) and sent with
//! reqwest. Every request goes through everything a real one does (rate limit, SSWS check,
//! body limit, JSON reading, every rule, the session state, the record, the headers), and
//! each import's 10,000 users are applied to the directory.
//!
//! - `import_one_source`: create, 50 uploads of 200 profiles (10,000 users), start-import,
//!   on one connection; the emulator and the client take turns on the benchmark's thread,
//!   so the time is the work of both, with no waiting for another thread to wake up.
//! - `import_one_source_generated_client`: the same sent by the generated client, which
//!   serialises each body as it sends it.
//! - `import_four_sources`: the same on four identity sources at once, on four connections,
//!   with the emulator on a worker thread per core.
//!
//! Without `--bench` (as under `cargo test --benches`) each runs once with 2 uploads a session.

use std::sync::OnceLock;

use bytes::Bytes;
use divan::Bencher;
use divan::counter::ItemsCount;
use okta_identity_source::models::BulkUpsertRequestBody;
use okta_identity_source::{Client, IdentitySourceApi, RetryPolicy};
use okta_identity_source_emulator::{Emulator, Limits};
use serde_json::json;
use tokio::runtime::Runtime;

const TOKEN: &str = "00benchmarkToken";
const SOURCES: [&str; 4] = ["0oaBench1", "0oaBench2", "0oaBench3", "0oaBench4"];

fn main() {
    divan::main();
}

/// Whether this is `cargo bench` rather than a single test run.
fn measuring() -> bool {
    static MEASURING: OnceLock<bool> = OnceLock::new();
    *MEASURING.get_or_init(|| std::env::args().any(|arg| arg == "--bench"))
}

/// Uploads in one session: 50 (the most a session takes), or 2 in a test run.
fn uploads() -> usize {
    if measuring() { 50 } else { 2 }
}

/// One bulk-upsert body of 200 users with every standard attribute and one custom one.
fn body() -> Bytes {
    let profiles: Vec<_> = (0..Limits::OKTA.max_profiles_per_request)
        .map(|n| {
            json!({ "externalId": format!("emp-{n}"), "profile": {
                "userName": format!("user{n}@example.com"), "email": format!("user{n}@example.com"),
                "firstName": format!("First{n}"), "lastName": "Last", "mobilePhone": null,
                "department": "R&D"
            }})
        })
        .collect();
    Bytes::from(json!({ "entityType": "USERS", "profiles": profiles }).to_string())
}

/// The emulator, its runtime, and a client.
struct Fixture {
    runtime: Runtime,
    emulator: Emulator,
    http: reqwest::Client,
    body: Bytes,
}

/// How the emulator and the client share threads.
#[derive(Clone, Copy)]
enum Threads {
    /// Both on the benchmark's thread, taking turns: the time is the work of both sides,
    /// with no waiting for another thread to wake up.
    One,
    /// A runtime with a worker per core: the emulator serves connections in parallel.
    PerCore,
}

fn fixture(threads: Threads) -> Fixture {
    let runtime = match threads {
        Threads::One => tokio::runtime::Builder::new_current_thread(),
        Threads::PerCore => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
    .expect("a runtime");
    let emulator = runtime.block_on(async {
        let mut builder = Emulator::builder()
            .api_token(TOKEN)
            .cool_down(std::time::Duration::ZERO)
            .rate_limit(u32::MAX, std::time::Duration::from_secs(60))
            .record_limit(100);
        for source in SOURCES {
            builder = builder.identity_source(source);
        }
        builder.start().await.expect("the emulator starts")
    });
    Fixture {
        runtime,
        emulator,
        http: reqwest::Client::new(),
        body: body(),
    }
}

/// One import on `source`: create, the uploads, start-import. Panics on any refusal.
async fn import(fixture: &Fixture, source: &str) {
    let sessions = format!(
        "{}/api/v1/identity-sources/{source}/sessions",
        fixture.emulator.base_url()
    );
    let send = |request: reqwest::RequestBuilder| async {
        let response = request
            .header("authorization", format!("SSWS {TOKEN}"))
            .header("content-type", "application/json")
            .send()
            .await
            .expect("an answer");
        assert!(response.status().is_success(), "{}", response.status());
        response.bytes().await.expect("a body")
    };
    let created = send(fixture.http.post(&sessions)).await;
    let created: serde_json::Value = serde_json::from_slice(&created).expect("a session");
    let session = format!("{sessions}/{}", created["id"].as_str().expect("an id"));
    for _ in 0..uploads() {
        send(
            fixture
                .http
                .post(format!("{session}/bulk-upsert"))
                .body(fixture.body.clone()),
        )
        .await;
    }
    send(fixture.http.post(format!("{session}/start-import"))).await;
}

#[divan::bench]
fn import_one_source(bencher: Bencher) {
    let fixture = fixture(Threads::One);
    bencher
        .counter(ItemsCount::new(uploads()))
        .bench_local(|| fixture.runtime.block_on(import(&fixture, SOURCES[0])));
}

#[divan::bench]
fn import_one_source_generated_client(bencher: Bencher) {
    let fixture = fixture(Threads::One);
    let client = Client::builder(fixture.emulator.base_url())
        .api_token(TOKEN)
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a loopback client");
    let api = IdentitySourceApi::new(client);
    let upload: BulkUpsertRequestBody =
        serde_json::from_slice(&fixture.body).expect("the body reads");
    bencher.counter(ItemsCount::new(uploads())).bench_local(|| {
        fixture.runtime.block_on(async {
            let source = SOURCES[0];
            let session = api
                .create_identity_source_session(source)
                .await
                .expect("created");
            for _ in 0..uploads() {
                api.upload_identity_source_data_for_upsert(source, &session.id, &upload)
                    .await
                    .expect("accepted");
            }
            api.start_import_from_identity_source(source, &session.id)
                .await
                .expect("started");
        })
    });
}

#[divan::bench]
fn import_four_sources(bencher: Bencher) {
    let fixture = fixture(Threads::PerCore);
    bencher
        .counter(ItemsCount::new(uploads() * SOURCES.len()))
        .bench_local(|| {
            fixture.runtime.block_on(async {
                let imports = SOURCES.map(|source| import(&fixture, source));
                let [a, b, c, d] = imports;
                tokio::join!(a, b, c, d);
            })
        });
}
