//! How many 200-profile bulk-upserts per second the emulator accepts on loopback:
//! `cargo bench -p okta-identity-source-emulator --bench uploads`.
//!
//! The client side is kept as small as it can be, so the emulator is what is measured: the
//! bodies are serialised beforehand (one 200-profile body of 47 KB, the shape of the README's
//! client benchmark) and sent with reqwest. The emulator runs on a runtime of its own, with
//! as many worker threads as the machine has cores; every request goes through everything a
//! real one does (rate limit, SSWS check, body limit, JSON parsing, every rule, the session
//! state, recording, headers).
//!
//! - `import_one_source`: one session: create, 50 uploads of 200 profiles (10,000 users),
//!   start-import, one client connection.
//! - `import_four_sources`: the same on four identity sources at once, four connections.
//!
//! Without `--bench` (as under `cargo test --benches`) each runs once with 2 uploads a session.

use std::sync::OnceLock;

use bytes::Bytes;
use divan::Bencher;
use divan::counter::ItemsCount;
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

fn fixture() -> Fixture {
    let runtime = tokio::runtime::Builder::new_multi_thread()
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
    let fixture = fixture();
    bencher
        .counter(ItemsCount::new(uploads()))
        .bench_local(|| fixture.runtime.block_on(import(&fixture, SOURCES[0])));
}

#[divan::bench]
fn import_four_sources(bencher: Bencher) {
    let fixture = fixture();
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
