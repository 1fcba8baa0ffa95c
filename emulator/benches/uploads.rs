//! How many 200-profile bulk-upserts per second the emulator accepts on loopback, next to how
//! many the generated client can make and send to a server that does nothing:
//! `cargo bench -p okta-identity-source-emulator --bench uploads`.
//!
//! The emulator's side is measured with the client kept as small as it can be: the body is
//! serialised beforehand (200 users with six attributes each, 35 KB) and sent with reqwest,
//! its headers and its address made once.
//! Every request goes through everything a real one does (rate limit, SSWS check, body
//! limit, JSON reading, every rule, the session state, the record, the headers), and each
//! import's 10,000 users are applied to the directory.
//!
//! - `import_one_source`: create, 50 uploads of 200 profiles (10,000 users), start-import,
//!   on one connection; the emulator and the client take turns on the benchmark's thread,
//!   so the time is the work of both, with no waiting for another thread to wake up.
//! - `accept_one_source`: the same with the session cancelled (deleted) instead of started:
//!   the emulator accepts and keeps the uploads, and drops them without applying them (the
//!   applying is Okta's processing, which comes after the last upload).
//! - `import_one_source_generated_client`: the same sent by the generated client, which
//!   serialises each body as it sends it.
//! - `import_two_sources`: the same on two identity sources at once, on two connections,
//!   with the emulator and the client on a worker thread per core.
//! - `idle_server::*`: the 50 uploads alone sent to a server that reads each body and answers
//!   202 without looking at it, by the generated client (`generated_client_*`: what the
//!   client can send) and by reqwest with the body serialised beforehand (`bare_*`: what
//!   loopback HTTP itself costs), on one thread or on two connections as above. The emulator
//!   accepts uploads faster than the client sends them when `accept_one_source` (bare client,
//!   emulator) takes less time per upload than `generated_client_one_thread` (generated
//!   client, idle server); `scripts/emulator-cpu.sh` measures both.
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
const SOURCES: [&str; 2] = ["0oaBench1", "0oaBench2"];

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
        http: bare_client(),
        body: body(),
    }
}

/// reqwest with the headers of every request made once: the bare client.
fn bare_client() -> reqwest::Client {
    use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
    let authorization = HeaderValue::from_str(&format!("SSWS {TOKEN}")).expect("a header");
    let headers = HeaderMap::from_iter([
        (AUTHORIZATION, authorization),
        (CONTENT_TYPE, HeaderValue::from_static("application/json")),
    ]);
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}

/// `url`, parsed.
fn parsed(url: &str) -> reqwest::Url {
    reqwest::Url::parse(url).expect("a URL")
}

/// How a session of [`uploads`] ends.
#[derive(Clone, Copy)]
enum End {
    /// Start-import: the emulator applies its users (as Okta's processing does).
    Import,
    /// Delete (cancel): its uploads are accepted, checked and kept, then dropped unapplied.
    Cancel,
}

/// One session on `source`: create, the uploads, then `end`. Panics on any refusal.
async fn upload_session(fixture: &Fixture, source: &str, end: End) {
    let sessions = format!(
        "{}/api/v1/identity-sources/{source}/sessions",
        fixture.emulator.base_url()
    );
    let send = |request: reqwest::RequestBuilder| async {
        let response = request.send().await.expect("an answer");
        assert!(response.status().is_success(), "{}", response.status());
        response.bytes().await.expect("a body")
    };
    let created = send(fixture.http.post(&sessions)).await;
    let created: serde_json::Value = serde_json::from_slice(&created).expect("a session");
    let session = format!("{sessions}/{}", created["id"].as_str().expect("an id"));
    let upload = parsed(&format!("{session}/bulk-upsert"));
    for _ in 0..uploads() {
        send(fixture.http.post(upload.clone()).body(fixture.body.clone())).await;
    }
    match end {
        End::Import => send(fixture.http.post(format!("{session}/start-import"))).await,
        End::Cancel => send(fixture.http.delete(session)).await,
    };
}

#[divan::bench]
fn import_one_source(bencher: Bencher) {
    let fixture = fixture(Threads::One);
    bencher.counter(ItemsCount::new(uploads())).bench_local(|| {
        let import = upload_session(&fixture, SOURCES[0], End::Import);
        fixture.runtime.block_on(import)
    });
}

/// `import_one_source` with the session cancelled instead of started: the uploads accepted,
/// without the applying of their users that comes when an import completes.
#[divan::bench]
fn accept_one_source(bencher: Bencher) {
    let fixture = fixture(Threads::One);
    bencher.counter(ItemsCount::new(uploads())).bench_local(|| {
        let accept = upload_session(&fixture, SOURCES[0], End::Cancel);
        fixture.runtime.block_on(accept)
    });
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
fn import_two_sources(bencher: Bencher) {
    let fixture = fixture(Threads::PerCore);
    bencher
        .counter(ItemsCount::new(uploads() * SOURCES.len()))
        .bench_local(|| {
            fixture.runtime.block_on(async {
                let [a, b] = SOURCES.map(|source| upload_session(&fixture, source, End::Import));
                tokio::join!(a, b);
            })
        });
}

/// The same uploads sent to a server that does nothing with them.
mod idle_server {
    use super::*;

    /// A server that reads each request's body and answers 202 with no body; its address.
    fn serve(runtime: &Runtime) -> String {
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            let address = listener.local_addr().expect("an address");
            let app = axum::Router::new()
                .fallback(|_body: Bytes| async { axum::http::StatusCode::ACCEPTED });
            tokio::spawn(async move { axum::serve(listener, app).await });
            format!("http://{address}")
        })
    }

    fn runtime(threads: Threads) -> Runtime {
        match threads {
            Threads::One => tokio::runtime::Builder::new_current_thread(),
            Threads::PerCore => tokio::runtime::Builder::new_multi_thread(),
        }
        .enable_all()
        .build()
        .expect("a runtime")
    }

    /// One or two uploaders at once, each sending [`uploads`] bulk-upserts with the
    /// generated client; the body is serialised for each request, as a real import does.
    fn generated_client(bencher: Bencher, threads: Threads) {
        let runtime = runtime(threads);
        let base_url = serve(&runtime);
        let client = Client::builder(&base_url)
            .api_token(TOKEN)
            .retry_policy(RetryPolicy::never())
            .build()
            .expect("a loopback client");
        let api = IdentitySourceApi::new(client);
        let upload: BulkUpsertRequestBody =
            serde_json::from_slice(&body()).expect("the body reads");
        let send = |source: &'static str| {
            let (api, upload) = (api.clone(), &upload);
            async move {
                for _ in 0..uploads() {
                    api.upload_identity_source_data_for_upsert(source, "aps1", upload)
                        .await
                        .expect("accepted");
                }
            }
        };
        bencher
            .counter(ItemsCount::new(uploads() * connections(threads)))
            .bench_local(|| runtime.block_on(on_each_connection(threads, send)));
    }

    /// The same with reqwest and the body serialised beforehand.
    fn bare(bencher: Bencher, threads: Threads) {
        let runtime = runtime(threads);
        let base_url = serve(&runtime);
        let http = bare_client();
        let body = body();
        let send = |source: &'static str| {
            let url = parsed(&format!(
                "{base_url}/api/v1/identity-sources/{source}/sessions/aps1/bulk-upsert"
            ));
            let (http, body) = (http.clone(), body.clone());
            async move {
                for _ in 0..uploads() {
                    let response = http
                        .post(url.clone())
                        .body(body.clone())
                        .send()
                        .await
                        .expect("an answer");
                    assert_eq!(response.status(), 202);
                    response.bytes().await.expect("a body");
                }
            }
        };
        bencher
            .counter(ItemsCount::new(uploads() * connections(threads)))
            .bench_local(|| runtime.block_on(on_each_connection(threads, send)));
    }

    /// How many connections upload at once: one on one thread, two on a worker per core.
    fn connections(threads: Threads) -> usize {
        match threads {
            Threads::One => 1,
            Threads::PerCore => 2,
        }
    }

    /// Runs `send` for one source, or for two at once.
    async fn on_each_connection<F: Future<Output = ()>>(
        threads: Threads,
        send: impl Fn(&'static str) -> F,
    ) {
        match threads {
            Threads::One => send(SOURCES[0]).await,
            Threads::PerCore => {
                tokio::join!(send(SOURCES[0]), send(SOURCES[1]));
            }
        }
    }

    #[divan::bench]
    fn generated_client_one_thread(bencher: Bencher) {
        generated_client(bencher, Threads::One);
    }

    #[divan::bench]
    fn generated_client_two_connections(bencher: Bencher) {
        generated_client(bencher, Threads::PerCore);
    }

    #[divan::bench]
    fn bare_one_thread(bencher: Bencher) {
        bare(bencher, Threads::One);
    }

    #[divan::bench]
    fn bare_two_connections(bencher: Bencher) {
        bare(bencher, Threads::PerCore);
    }
}
