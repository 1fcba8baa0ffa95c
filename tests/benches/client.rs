//! Throughput of the generated client against a server in this process, on loopback, that
//! answers like Okta: `cargo bench -p tests --bench client`.
//!
//! `upload` sends 10,000 users as 50 bulk-upserts of 200 profiles, with the create,
//! start-import and get calls around them (53 requests), once through the generated client
//! and once through a hand-written baseline that uses reqwest directly with the bodies
//! serialised beforehand, sending the same bytes and the same headers; `generated_serialised`
//! is the generated client given those serialised bodies (`JsonBody::from_serialized`).
//! `json` times serialising one 200-profile body and deserialising a list of 1,000
//! sessions.
//!
//! The server runs on the benchmark's thread, taking turns with the client (see
//! [`Loopback`]), and does little more than read each request and answer from bytes made
//! beforehand, so the client side is what differs between the two. Allocation counts are
//! the client's and the server's together; the server's are the same in each.
//!
//! Without `--bench` (as under `cargo test --benches`) every benchmark runs once, and the
//! upload is 2 bulk-upserts instead of 50 so the run stays short.

use std::convert::Infallible;
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use divan::counter::{BytesCount, ItemsCount};
use divan::{AllocProfiler, Bencher, black_box};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use hyper::{Method, StatusCode};
use hyper_util::rt::TokioIo;
use okta_identity_source::models::{
    BulkUpsertRequestBody, IdentitySourceEntityType, IdentitySourceSession,
    IdentitySourceUserForUpsert, IdentitySourceUserProfileForUpsert,
};
use okta_identity_source::{Client, IdentitySourceApi, JsonBody};
use tokio::runtime::Runtime;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

const TOKEN: &str = "00benchmarkToken";
const SOURCE: &str = "0oa1bench";
const SESSION_ID: &str = "aps1bench";
/// Profiles in one bulk-upsert: the most the API takes.
const BATCH: usize = 200;
/// The generated client's `User-Agent`, which the baseline sends too.
const GENERATED_USER_AGENT: &str = "okta-identity-source/0.1.0";

fn main() {
    divan::main();
}

/// Whether this is `cargo bench` rather than a single test run.
fn measuring() -> bool {
    static MEASURING: OnceLock<bool> = OnceLock::new();
    *MEASURING.get_or_init(|| std::env::args().any(|arg| arg == "--bench"))
}

/// How many users the upload sends: 10,000, or 400 in a test run.
fn users() -> usize {
    if measuring() { 10_000 } else { 2 * BATCH }
}

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// What the server received while [`recorded`] runs.
#[derive(Debug, Default, PartialEq)]
struct Received {
    /// Request body bytes.
    body_bytes: usize,
    /// The headers of each bulk-upsert.
    upsert_headers: Vec<HeaderMap>,
}

static RECEIVED: Mutex<Option<Received>> = Mutex::new(None);

/// What the server receives while `run` runs.
fn recorded(run: impl FnOnce()) -> Received {
    *RECEIVED.lock().expect("not poisoned") = Some(Received::default());
    run();
    RECEIVED
        .lock()
        .expect("not poisoned")
        .take()
        .expect("still recording")
}

/// A runtime on the benchmark's thread with the server running on it. Client and server
/// take turns on one thread, so what is measured is the work of the calls, client and server
/// side, not how soon the machine wakes another thread: on a small machine that wake-up
/// varies from run to run more than the client's own costs do.
struct Loopback {
    runtime: Runtime,
    base_url: String,
}

impl Loopback {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port");
        let address = listener.local_addr().expect("bound");
        runtime.spawn(serve(listener));
        Self {
            runtime,
            base_url: format!("http://{address}"),
        }
    }

    fn run<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn generated_api(&self) -> IdentitySourceApi {
        let client = Client::builder(&self.base_url)
            .api_token(TOKEN)
            .build()
            .expect("the client builds");
        IdentitySourceApi::new(client)
    }
}

async fn serve(listener: tokio::net::TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        stream.set_nodelay(true).expect("TCP_NODELAY");
        tokio::spawn(async move {
            let service = hyper::service::service_fn(answer);
            // A connection ends when the client drops it; nothing to report.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A session in `status`, as Okta sends it.
fn session_json(status: &str) -> Bytes {
    Bytes::from(format!(
        r#"{{"id":"{SESSION_ID}","identitySourceId":"{SOURCE}","status":"{status}","importType":"INCREMENTAL","created":"2026-06-01T09:30:00.000Z","lastUpdated":"2026-06-01T09:30:02.000Z"}}"#
    ))
}

/// The headers Okta puts on every response.
fn okta_headers() -> &'static HeaderMap {
    static HEADERS: OnceLock<HeaderMap> = OnceLock::new();
    HEADERS.get_or_init(|| {
        let mut headers = HeaderMap::new();
        let mut set = |name: &'static str, value: &'static str| {
            headers.insert(name, HeaderValue::from_static(value));
        };
        set("x-okta-request-id", "aHR0cHM6Ly9iZW5jaG1hcms");
        set("x-rate-limit-limit", "600");
        set("x-rate-limit-remaining", "599");
        set("x-rate-limit-reset", "1780306260");
        headers
    })
}

/// Create answers 201 with the new session, bulk-upsert 202 with no body, start-import 200
/// with the triggered session, get 200 with the session.
async fn answer(
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    static CREATED: OnceLock<Bytes> = OnceLock::new();
    static TRIGGERED: OnceLock<Bytes> = OnceLock::new();
    let (parts, body) = request.into_parts();
    let body_bytes = match body.collect().await {
        Ok(body) => body.to_bytes().len(),
        Err(_) => 0,
    };
    let path = parts.uri.path();
    if let Some(received) = RECEIVED.lock().expect("not poisoned").as_mut() {
        received.body_bytes += body_bytes;
        if path.ends_with("/bulk-upsert") {
            received.upsert_headers.push(parts.headers.clone());
        }
    }
    let created = || CREATED.get_or_init(|| session_json("CREATED")).clone();
    let triggered = || TRIGGERED.get_or_init(|| session_json("TRIGGERED")).clone();
    let (status, body) = match parts.method {
        Method::POST if path.ends_with("/sessions") => (StatusCode::CREATED, Some(created())),
        Method::POST if path.ends_with("/bulk-upsert") => (StatusCode::ACCEPTED, None),
        Method::POST if path.ends_with("/start-import") => (StatusCode::OK, Some(triggered())),
        Method::GET => (StatusCode::OK, Some(triggered())),
        _ => (StatusCode::NOT_FOUND, None),
    };
    let mut response = hyper::Response::new(Full::new(body.clone().unwrap_or_default()));
    *response.status_mut() = status;
    *response.headers_mut() = okta_headers().clone();
    if body.is_some() {
        let json = HeaderValue::from_static("application/json");
        response.headers_mut().insert(CONTENT_TYPE, json);
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// What is uploaded
// ---------------------------------------------------------------------------------------

fn user(index: usize) -> IdentitySourceUserForUpsert {
    let email = format!("user{index:05}@example.com");
    IdentitySourceUserForUpsert {
        external_id: format!("emp-{index:05}"),
        profile: IdentitySourceUserProfileForUpsert {
            user_name: Some(email.clone()),
            email: Some(email),
            first_name: Some(Some(format!("First{index}"))),
            last_name: Some(Some(format!("Last{index}"))),
            mobile_phone: Some(Some(format!("+1 555 01{:02}", index % 100))),
            additional_properties: [
                ("department".to_owned(), format!("Dept {}", index % 40)),
                ("employeeNumber".to_owned(), index.to_string()),
            ]
            .into(),
            ..Default::default()
        },
    }
}

/// The upload's bodies, 200 profiles each, and the same bodies serialised.
fn uploads() -> &'static (Vec<BulkUpsertRequestBody>, Vec<Bytes>) {
    static UPLOADS: OnceLock<(Vec<BulkUpsertRequestBody>, Vec<Bytes>)> = OnceLock::new();
    UPLOADS.get_or_init(|| {
        let users: Vec<_> = (0..users()).map(user).collect();
        let bodies: Vec<_> = users
            .chunks(BATCH)
            .map(|profiles| BulkUpsertRequestBody {
                entity_type: IdentitySourceEntityType::Users,
                profiles: profiles.to_vec(),
            })
            .collect();
        let bytes = bodies
            .iter()
            .map(|body| Bytes::from(serde_json::to_vec(body).expect("bodies serialise")))
            .collect();
        (bodies, bytes)
    })
}

/// Requests in one upload: create, the bulk-upserts, start-import and get.
fn requests() -> usize {
    uploads().0.len() + 3
}

/// Bytes sent in one upload's request bodies.
fn upload_bytes() -> usize {
    uploads().1.iter().map(Bytes::len).sum()
}

// ---------------------------------------------------------------------------------------
// The two clients
// ---------------------------------------------------------------------------------------

/// Through the generated client, typed bodies or bodies serialised beforehand.
async fn upload_generated<B>(api: &IdentitySourceApi, bodies: impl IntoIterator<Item = B>)
where
    B: Into<JsonBody<BulkUpsertRequestBody>>,
{
    let session = api
        .create_identity_source_session(SOURCE)
        .await
        .expect("created");
    for body in bodies {
        api.upload_identity_source_data_for_upsert(SOURCE, &session.id, body)
            .await
            .expect("uploaded");
    }
    let started = api
        .start_import_from_identity_source(SOURCE, &session.id)
        .await
        .expect("started");
    let session = api
        .get_identity_source_session(SOURCE, &started.id)
        .await
        .expect("read");
    black_box(session);
}

/// What a hand-written client does: reqwest with the headers set once and the bodies
/// serialised beforehand; the session id read from the first response.
struct Baseline {
    http: reqwest::Client,
    sessions: String,
}

impl Baseline {
    fn new(base_url: &str) -> Self {
        let mut headers = HeaderMap::new();
        let mut authorization =
            HeaderValue::from_str(&format!("SSWS {TOKEN}")).expect("a header value");
        authorization.set_sensitive(true);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(GENERATED_USER_AGENT));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("a reqwest client");
        let sessions = format!("{base_url}/api/v1/identity-sources/{SOURCE}/sessions");
        Self { http, sessions }
    }

    /// Sends `request` and returns the body of its 2xx response.
    async fn send(request: reqwest::RequestBuilder) -> Bytes {
        let response = request.send().await.expect("sent");
        let response = response.error_for_status().expect("a 2xx");
        response.bytes().await.expect("a body")
    }

    async fn session_id(request: reqwest::RequestBuilder) -> String {
        let body = Self::send(request).await;
        let session: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        session["id"].as_str().expect("an id").to_owned()
    }

    /// Uploads `bodies`, each taken from the iterator just before it is sent.
    async fn upload(&self, bodies: impl IntoIterator<Item = Bytes>) {
        let id = Self::session_id(self.http.post(&self.sessions)).await;
        let session = format!("{}/{id}", self.sessions);
        let upsert = format!("{session}/bulk-upsert");
        for body in bodies {
            let request = self
                .http
                .post(&upsert)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
            Self::send(request).await;
        }
        let id = Self::session_id(self.http.post(format!("{session}/start-import"))).await;
        black_box(Self::send(self.http.get(format!("{}/{id}", self.sessions))).await);
    }
}

/// `serialised` as bodies the generated client sends as they are.
fn given(serialised: &[Bytes]) -> impl Iterator<Item = JsonBody<BulkUpsertRequestBody>> + '_ {
    serialised.iter().cloned().map(JsonBody::from_serialized)
}

/// Checks, once, that both clients send the same bodies and bulk-upsert headers.
fn check_same_requests() {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| {
        let loopback = Loopback::start();
        let (bodies, serialised) = uploads();
        let api = loopback.generated_api();
        let generated = recorded(|| loopback.run(upload_generated(&api, bodies)));
        let given_json = recorded(|| loopback.run(upload_generated(&api, given(serialised))));
        let baseline = Baseline::new(&loopback.base_url);
        let by_hand = recorded(|| loopback.run(baseline.upload(serialised.iter().cloned())));
        assert_eq!(generated.body_bytes, upload_bytes());
        assert_eq!(
            generated, by_hand,
            "the two clients send different requests"
        );
        assert_eq!(
            given_json, by_hand,
            "the generated client given JSON sends other requests"
        );
    });
}

/// 10,000 users (or fewer, in a test run) uploaded in 200-profile bulk-upserts.
mod upload {
    use super::*;

    /// The generated client.
    #[divan::bench(sample_count = 100)]
    fn generated(bencher: Bencher) {
        check_same_requests();
        let loopback = Loopback::start();
        let api = loopback.generated_api();
        let (bodies, _) = uploads();
        bencher
            .counter(ItemsCount::new(requests()))
            .counter(BytesCount::new(upload_bytes()))
            .bench_local(|| loopback.run(upload_generated(&api, bodies)));
    }

    /// The generated client given the bodies serialised beforehand, as the baseline is.
    #[divan::bench(sample_count = 100)]
    fn generated_serialised(bencher: Bencher) {
        check_same_requests();
        let loopback = Loopback::start();
        let api = loopback.generated_api();
        let (_, bodies) = uploads();
        bencher
            .counter(ItemsCount::new(requests()))
            .counter(BytesCount::new(upload_bytes()))
            .bench_local(|| loopback.run(upload_generated(&api, given(bodies))));
    }

    /// The hand-written baseline, with the bodies serialised beforehand.
    #[divan::bench(sample_count = 100)]
    fn baseline(bencher: Bencher) {
        check_same_requests();
        let loopback = Loopback::start();
        let baseline = Baseline::new(&loopback.base_url);
        let (_, bodies) = uploads();
        bencher
            .counter(ItemsCount::new(requests()))
            .counter(BytesCount::new(upload_bytes()))
            .bench_local(|| loopback.run(baseline.upload(bodies.iter().cloned())));
    }

    /// The baseline serialising each body as it sends it, as the generated client does:
    /// the difference from `baseline` is serde_json, the rest is the generated runtime's.
    #[divan::bench(sample_count = 100)]
    fn baseline_serialising(bencher: Bencher) {
        check_same_requests();
        let loopback = Loopback::start();
        let baseline = Baseline::new(&loopback.base_url);
        let (bodies, _) = uploads();
        let serialise = |body| Bytes::from(serde_json::to_vec(body).expect("bodies serialise"));
        bencher
            .counter(ItemsCount::new(requests()))
            .counter(BytesCount::new(upload_bytes()))
            .bench_local(|| loopback.run(baseline.upload(bodies.iter().map(serialise))));
    }
}

/// Request and response bodies alone.
mod json {
    use super::*;

    /// One 200-profile bulk-upsert body to JSON, as the generated client does it.
    #[divan::bench]
    fn serialize_200_profiles(bencher: Bencher) {
        let body = &uploads().0[0];
        bencher
            .counter(BytesCount::new(uploads().1[0].len()))
            .bench(|| serde_json::to_vec(black_box(body)).expect("serialises"));
    }

    /// A JSON list of 1,000 sessions to `Vec<IdentitySourceSession>`.
    #[divan::bench]
    fn deserialize_1000_sessions(bencher: Bencher) {
        let statuses = ["CREATED", "IN_PROGRESS", "TRIGGERED", "COMPLETED", "CLOSED"];
        let sessions: Vec<_> = (0..1_000)
            .map(|index| {
                format!(
                    r#"{{"id":"aps{index:017}","identitySourceId":"{SOURCE}","status":"{}","importType":"INCREMENTAL","created":"2026-06-01T09:30:00.000Z","lastUpdated":"2026-06-01T10:{:02}:{:02}.000Z"}}"#,
                    statuses[index % statuses.len()],
                    index / 60 % 60,
                    index % 60
                )
            })
            .collect();
        let json = format!("[{}]", sessions.join(","));
        bencher
            .counter(ItemsCount::new(1_000usize))
            .counter(BytesCount::new(json.len()))
            .bench(|| {
                serde_json::from_str::<Vec<IdentitySourceSession>>(black_box(&json))
                    .expect("sessions")
            });
    }
}
