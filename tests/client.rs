//! The generated client against a local wiremock server: what goes on the wire for each
//! operation, how responses and Okta errors are decoded, retries after rate limits and
//! server errors, timeouts, body limits, path encoding, redaction and base URL checks.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use okta_identity_source::models::{
    BulkDeleteRequestBody, BulkUpsertRequestBody, IdentitySourceEntityType,
    IdentitySourceSessionStatus, IdentitySourceUserForUpsert, IdentitySourceUserProfileForDelete,
    IdentitySourceUserProfileForUpsert,
};
use okta_identity_source::{
    ApiError, Auth, BoxError, CallProgress, Client, ClientBuilder, Error, IdentitySourceApi,
    JsonBody, Progress, RetryPolicy, Retrying, models,
};
use serde_json::{Value, json};
use wiremock::http::HeaderValue;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const TOKEN: &str = "tok";
const SESSIONS: &str = "/api/v1/identity-sources/0oa1/sessions";
const SESSION: &str = "/api/v1/identity-sources/0oa1/sessions/aps1";
/// The `Date` the rate-limit responses carry, and the same instant in epoch seconds.
const HTTP_DATE: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
const HTTP_DATE_EPOCH: u64 = 784_111_777;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn session_json(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "identitySourceId": "0oa1",
        "status": status,
        "importType": "INCREMENTAL",
        "created": "2022-04-04T15:56:05.000Z",
        "lastUpdated": "2022-04-04T15:57:06.000Z",
    })
}

fn okta_error(code: &str, summary: &str, causes: &[&str]) -> Value {
    json!({
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": format!("oae-{code}"),
        "errorCauses": causes.iter().map(|cause| json!({ "errorSummary": cause })).collect::<Vec<_>>(),
    })
}

/// Backoffs of a few milliseconds and a 50 ms margin after a rate-limit reset.
fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy::with_max_retries(max_retries)
        .backoff(Duration::from_millis(2), Duration::from_millis(10))
        .rate_limit_wait(Duration::from_millis(50), Duration::from_secs(5))
}

fn api(server: &MockServer) -> IdentitySourceApi {
    api_with(server, fast_retries(2))
}

fn api_with(server: &MockServer, policy: RetryPolicy) -> IdentitySourceApi {
    let client = Client::builder(server.uri())
        .api_token(TOKEN)
        .retry_policy(policy)
        .build()
        .expect("the client builds");
    IdentitySourceApi::new(client)
}

/// An API on the client `builder` builds.
fn api_from(builder: ClientBuilder) -> Result<IdentitySourceApi, Error> {
    Ok(IdentitySourceApi::new(builder.build()?))
}

/// A server answering every request with `response`.
async fn server_answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// A server answering with each of `first` once, in turn, and with `then` ever after.
async fn server_answering_in_turn(
    first: impl IntoIterator<Item = ResponseTemplate>,
    then: ResponseTemplate,
) -> MockServer {
    let server = MockServer::start().await;
    let mut priority = 1;
    for response in first {
        Mock::given(any())
            .respond_with(response)
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(&server)
            .await;
        priority += 1;
    }
    Mock::given(any())
        .respond_with(then)
        .with_priority(priority)
        .mount(&server)
        .await;
    server
}

/// Answers `verb` requests to `route` with `response`.
async fn mount_route(server: &MockServer, verb: &str, route: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(response)
        .mount(server)
        .await;
}

/// A 200 carrying one session.
fn session_response(id: &str, status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(session_json(id, status))
}

/// Getting session `aps1` of `0oa1`, which must fail.
async fn get_session_error(api: &IdentitySourceApi) -> Error {
    api.get_identity_source_session("0oa1", "aps1")
        .await
        .unwrap_err()
}

/// The request a client configured by `configure` sends to delete a session, answered 204.
async fn delete_sent_by(
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Result<Request, Error> {
    let server = server_answering(ResponseTemplate::new(204)).await;
    api_from(configure(Client::builder(server.uri())))?
        .delete_identity_source_session("0oa1", "aps1")
        .await?;
    Ok(only_request(&server).await)
}

async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

/// The one request the server received.
async fn only_request(server: &MockServer) -> Request {
    let mut requests = received(server).await;
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request: {requests:?}"
    );
    requests.remove(0)
}

/// The one request the server received, checked to be `verb` to `route` with the standard
/// headers.
async fn only_request_for(server: &MockServer, verb: &str, route: &str, has_body: bool) -> Request {
    let request = only_request(server).await;
    assert_eq!(request.method.as_str(), verb);
    assert_eq!(request.url.path(), route);
    assert_standard_headers(&request, has_body);
    request
}

/// Every value of the header `name`, as text.
fn header_values<'r>(request: &'r Request, name: &str) -> Vec<&'r str> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|value| value.to_str().expect("an ASCII header value"))
        .collect()
}

/// The value of a header sent at most once.
fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    let values = header_values(request, name);
    assert!(
        values.len() <= 1,
        "`{name}` was sent {} times: {values:?}",
        values.len()
    );
    values.first().copied()
}

fn body_json(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("the request body is JSON")
}

/// The headers every first attempt carries; `Content-Type` exactly when there is a body.
fn assert_standard_headers(request: &Request, has_body: bool) {
    assert_eq!(header_values(request, "authorization"), ["SSWS tok"]);
    let agent = header(request, "user-agent").expect("a User-Agent");
    assert_eq!(
        agent, "okta-identity-source/0.1.0",
        "the crate's name and version"
    );
    assert_eq!(header_values(request, "accept"), ["application/json"]);
    assert_eq!(
        header(request, "transfer-encoding"),
        None,
        "sent with a length"
    );
    if has_body {
        assert_eq!(header_values(request, "content-type"), ["application/json"]);
        assert!(!request.body.is_empty());
        let length = request.body.len().to_string();
        assert_eq!(header(request, "content-length"), Some(length.as_str()));
    } else {
        // A POST without a body still says so, as some proxies require (411 otherwise).
        let length = (request.method.as_str() == "POST").then_some("0");
        assert_eq!(header(request, "content-length"), length);
        assert_eq!(
            header(request, "content-type"),
            None,
            "no body, so no Content-Type"
        );
        assert!(
            request.body.is_empty(),
            "unexpected body {:?}",
            String::from_utf8_lossy(&request.body)
        );
    }
    assert_eq!(header(request, "x-okta-retry-for"), None);
    assert_eq!(header(request, "x-okta-retry-count"), None);
}

fn expect_api_error(error: &Error) -> &ApiError<models::Error> {
    match error {
        Error::Api(api) => api,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

fn upsert_body() -> BulkUpsertRequestBody {
    BulkUpsertRequestBody {
        entity_type: IdentitySourceEntityType::Users,
        profiles: vec![
            IdentitySourceUserForUpsert {
                external_id: "ext-1".into(),
                profile: IdentitySourceUserProfileForUpsert {
                    user_name: Some("ada@example.com".into()),
                    email: Some("ada@example.com".into()),
                    first_name: Some(None),
                    last_name: Some(Some("Lovelace".into())),
                    additional_properties: BTreeMap::from([(
                        "department".to_owned(),
                        "Engineering".to_owned(),
                    )]),
                    ..Default::default()
                },
            },
            IdentitySourceUserForUpsert {
                external_id: "ext-2".into(),
                profile: IdentitySourceUserProfileForUpsert {
                    second_email: Some("grace@example.org".into()),
                    mobile_phone: Some(Some("+1 555 0100".into())),
                    home_address: Some(None),
                    ..Default::default()
                },
            },
        ],
    }
}

fn upsert_json() -> Value {
    json!({
        "entityType": "USERS",
        "profiles": [
            {
                "externalId": "ext-1",
                "profile": {
                    "userName": "ada@example.com",
                    "email": "ada@example.com",
                    "firstName": null,
                    "lastName": "Lovelace",
                    "department": "Engineering",
                },
            },
            {
                "externalId": "ext-2",
                "profile": {
                    "secondEmail": "grace@example.org",
                    "mobilePhone": "+1 555 0100",
                    "homeAddress": null,
                },
            },
        ],
    })
}

fn delete_body() -> BulkDeleteRequestBody {
    BulkDeleteRequestBody {
        entity_type: IdentitySourceEntityType::Users,
        profiles: vec![
            IdentitySourceUserProfileForDelete {
                external_id: "ext-1".into(),
            },
            IdentitySourceUserProfileForDelete {
                external_id: "ext-2".into(),
            },
        ],
    }
}

/// A 429 with Okta's rate-limit headers, its `Date` being [`HTTP_DATE`].
fn rate_limited(request_id: &str, reset: u64) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("date", HTTP_DATE)
        .insert_header("x-okta-request-id", request_id)
        .insert_header("x-rate-limit-limit", "600")
        .insert_header("x-rate-limit-remaining", "0")
        .insert_header("x-rate-limit-reset", reset.to_string())
        .set_body_json(okta_error(
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
            &[],
        ))
}

/// A token source that counts how often it was asked, i.e. how many attempts were made.
fn counting_token_source() -> (Auth, Arc<AtomicU32>) {
    let asked = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&asked);
    let auth = Auth::token_source(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move { Ok::<_, BoxError>(format!("t{n}")) }
    });
    (auth, asked)
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("a local address").port()
}

// ---------------------------------------------------------------------------------------
// The seven operations on the wire
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn create_posts_without_body_and_accepts_201() -> TestResult {
    let server = MockServer::start().await;
    mount_route(
        &server,
        "POST",
        SESSIONS,
        ResponseTemplate::new(201)
            .insert_header("date", HTTP_DATE)
            .insert_header("x-okta-request-id", "req-create")
            .insert_header("x-rate-limit-limit", "100")
            .insert_header("x-rate-limit-remaining", "99")
            .insert_header("x-rate-limit-reset", (HTTP_DATE_EPOCH + 60).to_string())
            .set_body_json(session_json("aps1", "CREATED")),
    )
    .await;

    let response = api(&server)
        .create_identity_source_session("0oa1")
        .send()
        .await?;
    let session = response.body();
    assert_eq!(session.id, "aps1");
    assert_eq!(session.identity_source_id.as_deref(), Some("0oa1"));
    assert_eq!(session.status, IdentitySourceSessionStatus::Created);
    assert_eq!(session.import_type.as_deref(), Some("INCREMENTAL"));
    assert_eq!(session.created.map(|t| t.timestamp()), Some(1_649_087_765));
    assert_eq!(
        session.last_updated.map(|t| t.timestamp()),
        Some(1_649_087_826)
    );

    let meta = response.meta();
    assert_eq!(meta.status.as_u16(), 201);
    assert_eq!(meta.request_id.as_deref(), Some("req-create"));
    assert_eq!(meta.rate_limit.limit, Some(100));
    assert_eq!(meta.rate_limit.remaining, Some(99));
    assert_eq!(meta.rate_limit.reset, Some(HTTP_DATE_EPOCH + 60));
    assert_eq!(
        meta.rate_limit.reset_at(),
        Some(UNIX_EPOCH + Duration::from_secs(HTTP_DATE_EPOCH + 60))
    );
    assert_eq!(
        meta.date,
        Some(UNIX_EPOCH + Duration::from_secs(HTTP_DATE_EPOCH))
    );
    assert_eq!(meta.attempts, 1);

    let request = only_request_for(&server, "POST", SESSIONS, false).await;
    assert_eq!(request.url.query(), None);
    Ok(())
}

#[tokio::test]
async fn list_gets_sessions_as_a_vec() -> TestResult {
    let server = MockServer::start().await;
    mount_route(
        &server,
        "GET",
        SESSIONS,
        ResponseTemplate::new(200).set_body_json(json!([
            session_json("aps1", "COMPLETED"),
            session_json("aps2", "IN_PROGRESS")
        ])),
    )
    .await;

    let sessions = api(&server).list_identity_source_sessions("0oa1").await?;
    let summary: Vec<_> = sessions
        .iter()
        .map(|s| (s.id.as_str(), s.status.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("aps1", IdentitySourceSessionStatus::Completed),
            ("aps2", IdentitySourceSessionStatus::InProgress)
        ]
    );

    let request = only_request_for(&server, "GET", SESSIONS, false).await;
    assert_eq!(request.url.query(), None);
    Ok(())
}

#[tokio::test]
async fn list_of_none_is_an_empty_vec() -> TestResult {
    let server = MockServer::start().await;
    mount_route(
        &server,
        "GET",
        SESSIONS,
        ResponseTemplate::new(200).set_body_json(json!([])),
    )
    .await;
    assert!(
        api(&server)
            .list_identity_source_sessions("0oa1")
            .await?
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn get_reads_one_session() -> TestResult {
    let server = MockServer::start().await;
    mount_route(&server, "GET", SESSION, session_response("aps1", "CLOSED")).await;

    let session = api(&server)
        .get_identity_source_session("0oa1", "aps1")
        .await?;
    assert_eq!(session.id, "aps1");
    assert_eq!(session.status, IdentitySourceSessionStatus::Closed);

    only_request_for(&server, "GET", SESSION, false).await;
    Ok(())
}

/// A tolerant reader: only `id` and `status` are required, so a session missing any other
/// field still decodes, and one missing `id` is a decode error.
#[tokio::test]
async fn session_without_optional_fields_decodes() -> TestResult {
    let server = server_answering(
        ResponseTemplate::new(200).set_body_json(json!({"id": "aps1", "status": "TRIGGERED"})),
    )
    .await;
    let session = api(&server)
        .get_identity_source_session("0oa1", "aps1")
        .await?;
    assert_eq!(session.status, IdentitySourceSessionStatus::Triggered);
    assert_eq!((session.import_type, session.last_updated), (None, None));

    let server =
        server_answering(ResponseTemplate::new(200).set_body_json(json!({"status": "CREATED"})))
            .await;
    let error = api(&server)
        .get_identity_source_session("0oa1", "aps1")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    Ok(())
}

#[tokio::test]
async fn delete_sends_delete_and_204_gives_unit() -> TestResult {
    let server = MockServer::start().await;
    mount_route(
        &server,
        "DELETE",
        SESSION,
        ResponseTemplate::new(204).insert_header("x-okta-request-id", "req-del"),
    )
    .await;

    let response = api(&server)
        .delete_identity_source_session("0oa1", "aps1")
        .send()
        .await?;
    let ((), meta) = response.into_parts();
    assert_eq!(meta.status.as_u16(), 204);
    assert_eq!(meta.request_id.as_deref(), Some("req-del"));

    only_request_for(&server, "DELETE", SESSION, false).await;
    Ok(())
}

#[tokio::test]
async fn start_import_posts_without_body() -> TestResult {
    let server = MockServer::start().await;
    let start = format!("{SESSION}/start-import");
    mount_route(
        &server,
        "POST",
        start.as_str(),
        session_response("aps1", "TRIGGERED"),
    )
    .await;

    let session = api(&server)
        .start_import_from_identity_source("0oa1", "aps1")
        .await?;
    assert_eq!(session.status, IdentitySourceSessionStatus::Triggered);

    only_request_for(&server, "POST", &start, false).await;
    Ok(())
}

/// Create and start-import carry no body, and say so with `Content-Length: 0`.
#[tokio::test]
async fn body_less_posts_carry_content_length_zero() -> TestResult {
    let server = server_answering(session_response("aps1", "CREATED")).await;
    let api = api(&server);
    api.create_identity_source_session("0oa1").await?;
    api.start_import_from_identity_source("0oa1", "aps1")
        .await?;
    api.get_identity_source_session("0oa1", "aps1").await?;
    let lengths: Vec<_> = received(&server)
        .await
        .iter()
        .map(|request| header(request, "content-length").map(str::to_owned))
        .collect();
    assert_eq!(lengths, [Some("0".to_owned()), Some("0".to_owned()), None]);
    Ok(())
}

#[tokio::test]
async fn bulk_delete_posts_the_exact_body_and_202_gives_unit() -> TestResult {
    let server = MockServer::start().await;
    let bulk_delete = format!("{SESSION}/bulk-delete");
    mount_route(
        &server,
        "POST",
        bulk_delete.as_str(),
        ResponseTemplate::new(202),
    )
    .await;

    let response = api(&server)
        .upload_identity_source_data_for_delete("0oa1", "aps1", &delete_body())
        .send()
        .await?;
    let ((), meta) = response.into_parts();
    assert_eq!(meta.status.as_u16(), 202);

    let request = only_request_for(&server, "POST", &bulk_delete, true).await;
    assert_eq!(
        body_json(&request),
        json!({ "entityType": "USERS", "profiles": [{ "externalId": "ext-1" }, { "externalId": "ext-2" }] })
    );
    Ok(())
}

#[tokio::test]
async fn bulk_upsert_posts_nulls_omissions_and_custom_attributes() -> TestResult {
    let server = MockServer::start().await;
    let bulk_upsert = format!("{SESSION}/bulk-upsert");
    mount_route(
        &server,
        "POST",
        bulk_upsert.as_str(),
        ResponseTemplate::new(202),
    )
    .await;

    api(&server)
        .upload_identity_source_data_for_upsert("0oa1", "aps1", &upsert_body())
        .await?;

    let request = only_request_for(&server, "POST", &bulk_upsert, true).await;
    // Comparing values also checks that the fields left at `None` were not sent at all.
    assert_eq!(body_json(&request), upsert_json());
    Ok(())
}

#[tokio::test]
async fn each_retry_is_told_before_its_wait() -> TestResult {
    let server = server_answering_in_turn(
        [ResponseTemplate::new(503), ResponseTemplate::new(429)],
        ResponseTemplate::new(200).set_body_json(json!([])),
    )
    .await;
    let told = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = told.clone();
    let client = Client::builder(server.uri())
        .api_token(TOKEN)
        .retry_policy(fast_retries(2))
        .on_retry(move |retrying: &Retrying| record.lock().unwrap().push(retrying.clone()))
        .build()?;
    IdentitySourceApi::new(client)
        .list_identity_source_sessions("0oa1")
        .await?;
    let told = told.lock().unwrap();
    let seen: Vec<_> = told
        .iter()
        .map(|retrying| {
            (
                retrying.operation,
                retrying.retry,
                retrying.status.map(|s| s.as_u16()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("listIdentitySourceSessions", 1, Some(503)),
            ("listIdentitySourceSessions", 2, Some(429)),
        ]
    );
    // The wait each announces is the policy's backoff (a 429 that says no reset has no
    // window to wait for).
    for retrying in told.iter() {
        assert!(retrying.delay <= Duration::from_millis(10), "{retrying:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_body_serialised_beforehand_is_sent_byte_for_byte_on_every_attempt() -> TestResult {
    let server =
        server_answering_in_turn([ResponseTemplate::new(503)], ResponseTemplate::new(202)).await;
    // Not what serde_json writes (spaces, and the fields in another order): the bytes go
    // out as they are, never parsed and written again.
    let json =
        br#"{ "profiles": [{"profile": {}, "externalId": "ext-1"}], "entityType": "USERS" }"#;
    let body = JsonBody::<BulkUpsertRequestBody>::from_serialized(json.as_slice());
    let response = api(&server)
        .upload_identity_source_data_for_upsert("0oa1", "aps1", body.clone())
        .send()
        .await?;
    assert_eq!(response.meta().attempts, 2);
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_standard_headers(&requests[0], true);
    assert_eq!(header(&requests[1], "x-okta-retry-count"), Some("1"));
    for request in &requests {
        assert_eq!(request.url.path(), format!("{SESSION}/bulk-upsert"));
        assert_eq!(header(request, "content-type"), Some("application/json"));
        assert_eq!(request.body, json);
        let length = json.len().to_string();
        assert_eq!(header(request, "content-length"), Some(length.as_str()));
    }
    // The typed body goes through the same parameter, by reference as before.
    let typed = upsert_body();
    api(&server)
        .upload_identity_source_data_for_upsert("0oa1", "aps1", &typed)
        .await?;
    let sent = received(&server).await;
    assert_eq!(sent.last().map(body_json), Some(upsert_json()));
    assert_eq!(body.as_bytes(), Some(json.as_slice()));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Authentication and User-Agent
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn access_token_is_sent_as_bearer() -> TestResult {
    let request = delete_sent_by(|builder| builder.access_token("at-123")).await?;
    assert_eq!(header_values(&request, "authorization"), ["Bearer at-123"]);
    Ok(())
}

#[tokio::test]
async fn token_source_is_sent_as_bearer() -> TestResult {
    let request = delete_sent_by(|builder| {
        builder.auth(Auth::token_source(|| async {
            Ok::<_, BoxError>("t1".to_string())
        }))
    })
    .await?;
    assert_eq!(header_values(&request, "authorization"), ["Bearer t1"]);
    Ok(())
}

#[tokio::test]
async fn token_source_is_asked_before_every_request() -> TestResult {
    let server = server_answering(ResponseTemplate::new(204)).await;
    let (auth, asked) = counting_token_source();
    let api = IdentitySourceApi::new(Client::new(server.uri(), auth)?);
    api.delete_identity_source_session("0oa1", "aps1").await?;
    api.delete_identity_source_session("0oa1", "aps2").await?;
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    let requests = received(&server).await;
    let sent: Vec<_> = requests
        .iter()
        .map(|r| header(r, "authorization").unwrap_or_default())
        .collect();
    assert_eq!(sent, ["Bearer t1", "Bearer t2"]);
    Ok(())
}

#[tokio::test]
async fn failing_token_source_sends_nothing() -> TestResult {
    let server = server_answering(ResponseTemplate::new(204)).await;
    let api = api_from(
        Client::builder(server.uri()).auth(Auth::token_source(|| async {
            Err::<String, BoxError>("the IdP is down".into())
        })),
    )?;
    let error = api
        .delete_identity_source_session("0oa1", "aps1")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::TokenSource(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the token source failed: the IdP is down"
    );
    assert!(!error.is_retryable());
    assert!(received(&server).await.is_empty());
    Ok(())
}

#[tokio::test]
async fn user_agent_suffix_is_appended() -> TestResult {
    let request =
        delete_sent_by(|builder| builder.api_token(TOKEN).user_agent_suffix("hr-sync/2.1")).await?;
    let agent = header(&request, "user-agent").expect("a User-Agent");
    assert_eq!(agent, "okta-identity-source/0.1.0 hr-sync/2.1");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_status_and_unknown_fields_are_tolerated() -> TestResult {
    let server = MockServer::start().await;
    let mut paused = session_json("aps1", "PAUSED");
    paused["_links"] = json!({ "self": { "href": "https://example.okta.com/x" } });
    paused["newField"] = json!([1, 2, { "nested": true }]);
    mount_route(
        &server,
        "GET",
        SESSION,
        ResponseTemplate::new(200).set_body_json(&paused),
    )
    .await;
    mount_route(
        &server,
        "GET",
        SESSIONS,
        ResponseTemplate::new(200).set_body_json(json!([paused, session_json("aps2", "ARCHIVED")])),
    )
    .await;

    let api = api(&server);
    let session = api.get_identity_source_session("0oa1", "aps1").await?;
    assert_eq!(
        session.status,
        IdentitySourceSessionStatus::Unknown("PAUSED".into())
    );
    assert_eq!(session.status.as_str(), "PAUSED");
    assert_eq!(session.id, "aps1");

    let statuses: Vec<_> = api
        .list_identity_source_sessions("0oa1")
        .await?
        .into_iter()
        .map(|s| s.status)
        .collect();
    assert_eq!(
        statuses,
        [
            IdentitySourceSessionStatus::Unknown("PAUSED".into()),
            IdentitySourceSessionStatus::Unknown("ARCHIVED".into())
        ]
    );
    Ok(())
}

#[tokio::test]
async fn undecodable_success_body_is_a_decode_error() -> TestResult {
    let server = MockServer::start().await;
    mount_route(
        &server,
        "GET",
        SESSION,
        ResponseTemplate::new(200)
            .insert_header("x-okta-request-id", "req-bad")
            .set_body_string("<html>oops</html>"),
    )
    .await;
    mount_route(&server, "GET", SESSIONS, ResponseTemplate::new(200)).await;

    let api = api(&server);
    let error = get_session_error(&api).await;
    match &error {
        Error::Decode {
            operation,
            meta,
            snippet,
            ..
        } => {
            assert_eq!(*operation, "getIdentitySourceSession");
            assert_eq!(meta.status.as_u16(), 200);
            assert_eq!(snippet, "<html>oops</html>");
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
    assert_eq!(error.request_id(), Some("req-bad"));
    assert!(!error.is_retryable());
    assert!(std::error::Error::source(&error).is_some());

    // An empty 200 where a list is expected is not an empty list.
    let error = api.list_identity_source_sessions("0oa1").await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert_eq!(
        received(&server).await.len(),
        2,
        "decode errors are not retried"
    );
    Ok(())
}

#[tokio::test]
async fn a_decode_error_says_where_in_the_body_it_failed() -> TestResult {
    let server = MockServer::start().await;
    let mut second = session_json("aps2", "CREATED");
    second["created"] = json!(5);
    let sessions = json!([session_json("aps1", "CREATED"), second]);
    mount_route(
        &server,
        "GET",
        SESSIONS,
        ResponseTemplate::new(200).set_body_json(sessions),
    )
    .await;
    let error = api(&server)
        .list_identity_source_sessions("0oa1")
        .await
        .unwrap_err();
    let Error::Decode { path, .. } = &error else {
        panic!("expected Error::Decode, got {error:?}");
    };
    assert_eq!(path.as_deref(), Some("[1].created"));
    assert!(
        error.to_string().starts_with(
            "listIdentitySourceSessions: the 200 OK response could not be decoded at \
             `[1].created`: invalid type: integer `5`, expected "
        ),
        "{error}"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn okta_errors_keep_status_code_request_id_and_causes() -> TestResult {
    struct Case {
        status: u16,
        code: &'static str,
        summary: &'static str,
        causes: &'static [&'static str],
        request_id: &'static str,
        retryable: bool,
        display: &'static str,
    }
    let cases = [
        Case {
            status: 400,
            code: "E0000001",
            summary: "Api validation failed: importSessionId",
            causes: &["Only a session that is in CREATED or IN_PROGRESS status can be canceled."],
            request_id: "req-400",
            retryable: false,
            display: "getIdentitySourceSession: 400 Bad Request (E0000001): Api validation failed: importSessionId \
                      [Only a session that is in CREATED or IN_PROGRESS status can be canceled.] (request id req-400)",
        },
        Case {
            status: 400,
            code: "E0000003",
            summary: "The request body was not well-formed.",
            causes: &["first cause", "second cause"],
            request_id: "req-400b",
            retryable: false,
            display: "getIdentitySourceSession: 400 Bad Request (E0000003): The request body was not well-formed. \
                      [first cause; second cause] (request id req-400b)",
        },
        Case {
            status: 401,
            code: "E0000011",
            summary: "Invalid token provided",
            causes: &[],
            request_id: "req-401",
            retryable: false,
            display: "getIdentitySourceSession: 401 Unauthorized (E0000011): Invalid token provided (request id req-401)",
        },
        Case {
            status: 403,
            code: "E0000006",
            summary: "You do not have permission to perform the requested action",
            causes: &[],
            request_id: "req-403",
            retryable: false,
            display: "getIdentitySourceSession: 403 Forbidden (E0000006): You do not have permission to perform the requested action \
                      (request id req-403)",
        },
        Case {
            status: 404,
            code: "E0000007",
            summary: "Not found: Resource not found: aps123",
            causes: &[],
            request_id: "oaeXYZ",
            retryable: false,
            display: "getIdentitySourceSession: 404 Not Found (E0000007): Not found: Resource not found: aps123 (request id oaeXYZ)",
        },
        Case {
            status: 429,
            code: "E0000047",
            summary: "API call exceeded rate limit due to too many requests.",
            causes: &[],
            request_id: "req-429",
            retryable: true,
            display: "getIdentitySourceSession: 429 Too Many Requests (E0000047): API call exceeded rate limit due to too many requests. \
                      (request id req-429)",
        },
        Case {
            status: 500,
            code: "E0000009",
            summary: "Internal Server Error",
            causes: &[],
            request_id: "req-500",
            retryable: false,
            display: "getIdentitySourceSession: 500 Internal Server Error (E0000009): Internal Server Error (request id req-500)",
        },
    ];

    for case in cases {
        let server = server_answering(
            ResponseTemplate::new(case.status)
                .insert_header("x-okta-request-id", case.request_id)
                .insert_header("x-rate-limit-remaining", "7")
                .set_body_json(okta_error(case.code, case.summary, case.causes)),
        )
        .await;

        let error = api_with(&server, RetryPolicy::never())
            .get_identity_source_session("0oa1", "aps123")
            .await
            .unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(case.status));
        assert_eq!(error.error_code(), Some(case.code));
        assert_eq!(error.request_id(), Some(case.request_id));
        assert_eq!(error.is_retryable(), case.retryable, "{}", case.status);
        assert_eq!(error.to_string(), case.display);
        let meta = error.meta().expect("a response");
        assert_eq!(meta.attempts, 1);
        assert_eq!(meta.rate_limit.remaining, Some(7));

        let api_error = expect_api_error(&error);
        assert_eq!(api_error.operation, "getIdentitySourceSession");
        assert_eq!(api_error.raw_body, None);
        let body = api_error.body.as_ref().expect("an Okta error body");
        assert_eq!(body.error_code.as_deref(), Some(case.code));
        assert_eq!(body.error_summary.as_deref(), Some(case.summary));
        assert_eq!(body.error_link.as_deref(), Some(case.code));
        assert_eq!(body.error_id, Some(format!("oae-{}", case.code)));
        let causes: Vec<_> = body
            .error_causes
            .iter()
            .flatten()
            .map(|c| c.error_summary.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(causes, case.causes);
        assert_eq!(error.error_causes(), case.causes);
        assert_eq!(error.error_summary(), Some(case.summary));
        assert_eq!(received(&server).await.len(), 1);
    }
    Ok(())
}

#[tokio::test]
async fn every_operation_reports_a_400_as_an_error() -> TestResult {
    let server = server_answering(ResponseTemplate::new(400).set_body_json(okta_error(
        "E0000001",
        "Api validation failed",
        &[],
    )))
    .await;
    let api = api(&server);
    let results: Vec<(&str, Result<(), Error>)> = vec![
        (
            "createIdentitySourceSession",
            api.create_identity_source_session("0oa1").await.map(drop),
        ),
        (
            "listIdentitySourceSessions",
            api.list_identity_source_sessions("0oa1").await.map(drop),
        ),
        (
            "getIdentitySourceSession",
            api.get_identity_source_session("0oa1", "aps1")
                .await
                .map(drop),
        ),
        (
            "deleteIdentitySourceSession",
            api.delete_identity_source_session("0oa1", "aps1").await,
        ),
        (
            "startImportFromIdentitySource",
            api.start_import_from_identity_source("0oa1", "aps1")
                .await
                .map(drop),
        ),
        (
            "uploadIdentitySourceDataForDelete",
            api.upload_identity_source_data_for_delete("0oa1", "aps1", &delete_body())
                .await,
        ),
        (
            "uploadIdentitySourceDataForUpsert",
            api.upload_identity_source_data_for_upsert("0oa1", "aps1", &upsert_body())
                .await,
        ),
    ];
    for (operation, result) in results {
        let error = result.expect_err(operation);
        let api_error = expect_api_error(&error);
        assert_eq!(api_error.operation, operation);
        assert_eq!(error.error_code(), Some("E0000001"));
        assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    }
    assert_eq!(received(&server).await.len(), 7, "400s are not retried");
    Ok(())
}

#[tokio::test]
async fn html_502_keeps_the_raw_body() -> TestResult {
    let html =
        "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";
    let server = server_answering(
        ResponseTemplate::new(502)
            .insert_header("x-okta-request-id", "req-502")
            .set_body_raw(html, "text/html"),
    )
    .await;

    let error = get_session_error(&api(&server)).await;
    let api_error = expect_api_error(&error);
    assert_eq!(api_error.body, None);
    assert_eq!(api_error.raw_body.as_deref(), Some(html));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(error.error_code(), None);
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        format!(
            "getIdentitySourceSession: 502 Bad Gateway: the body says no error code or summary; it starts with {html:?} (request id req-502)"
        )
    );
    assert_eq!(received(&server).await.len(), 1, "502 is not retried");
    Ok(())
}

/// A hostile or broken server's megabyte of summary or causes, or a request id no server
/// gives, is not all repeated in the message (the body keeps it), nor sent back in a retry.
#[tokio::test]
async fn an_error_message_shows_the_start_of_long_texts_and_no_overlong_request_id() -> TestResult {
    let causes: Vec<_> = (0..60)
        .map(|n| json!({ "errorSummary": format!("cause {n}") }))
        .collect();
    let body = json!({
        "errorCode": "E0000001",
        "errorSummary": "s".repeat(5_000),
        "errorLink": "E0000001",
        "errorId": "x",
        "errorCauses": causes,
    });
    let long_id = "i".repeat(1_000);
    let server = server_answering_in_turn(
        [ResponseTemplate::new(503).insert_header("x-okta-request-id", long_id.as_str())],
        ResponseTemplate::new(400)
            .insert_header("x-okta-request-id", long_id.as_str())
            .set_body_json(body),
    )
    .await;
    let error = get_session_error(&api(&server)).await;
    let message = error.to_string();
    let expected = format!(
        "getIdentitySourceSession: 400 Bad Request (E0000001): {}… (4000 more characters) [cause 0; ",
        "s".repeat(1_000)
    );
    assert!(message.starts_with(&expected), "{message}");
    assert!(message.ends_with("; cause 49; and 10 more]"), "{message}");
    assert_eq!(error.request_id(), None);
    let summary = expect_api_error(&error)
        .body
        .as_ref()
        .map(|body| body.error_summary.clone());
    assert_eq!(summary.flatten().map(|s| s.len()), Some(5_000));
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(header(&requests[1], "x-okta-retry-count"), Some("1"));
    assert_eq!(header(&requests[1], "x-okta-retry-for"), None);
    Ok(())
}

/// The `Authorization` header `request` came with, empty without one.
fn authorization(request: &Request) -> &str {
    let value = request.headers.get("authorization");
    value.map_or("", |value| value.to_str().unwrap_or_default())
}

/// A server that answers every request with `answer` of the `Authorization` header it came
/// with: a hostile or debugging server that repeats the credential.
async fn echoing(answer: impl Fn(&str) -> ResponseTemplate + Send + Sync + 'static) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(move |request: &Request| answer(authorization(request)))
        .mount(&server)
        .await;
    server
}

/// A 2xx answer that repeats the token (a hostile or debugging server) has it blanked out
/// before it is decoded: no field the caller prints carries it.
#[tokio::test]
async fn a_success_that_echoes_the_token_has_it_blanked_out() -> TestResult {
    let token = "00aBcD-eFgH_iJkL/mNoP+qRsT";
    let server = echoing(|echoed| {
        let escaped = echoed.replace('/', "\\/");
        let body = format!(
            r#"{{"id": "aps1", "identitySourceId": "{escaped}", "status": "{echoed}", "importType": "x{}"}}"#,
            echoed.replace('/', "%2F").replace('+', "%2B")
        );
        ResponseTemplate::new(200).set_body_raw(body, "application/json")
    })
    .await;
    let client = Client::builder(server.uri()).api_token(token).build()?;
    let session = IdentitySourceApi::new(client)
        .get_identity_source_session("0oa1", "aps1")
        .await?;
    let shown = format!("{session:?}");
    assert!(!shown.contains("00aBcD"), "{shown}");
    assert_eq!(
        session.status,
        IdentitySourceSessionStatus::Unknown("SSWS [redacted]".into())
    );
    assert_eq!(
        session.identity_source_id.as_deref(),
        Some("SSWS [redacted]")
    );
    assert_eq!(session.import_type.as_deref(), Some("xSSWS [redacted]"));
    Ok(())
}

/// Bytes returned as they came (a file, an image) are never rewritten, even where they hold
/// the credential's text: only bodies that are decoded are blanked of it.
#[tokio::test]
async fn a_binary_answer_is_returned_whole_even_when_it_holds_the_token() -> TestResult {
    let token = "00aBcD-eFgH_iJkL/mNoP+qRsT";
    let server = echoing(|echoed| {
        let mut file = vec![0x89, b'P', b'N', b'G', 0];
        file.extend_from_slice(echoed.as_bytes());
        ResponseTemplate::new(200).set_body_raw(file, "application/octet-stream")
    })
    .await;
    let client = Client::builder(server.uri()).api_token(token).build()?;
    let request =
        okta_identity_source::codegen::Request::new(reqwest::Method::GET, "downloadFile", "/file");
    let file = okta_identity_source::Call::<Vec<u8>>::bytes(client, request).await?;
    assert_eq!(file[..5], [0x89, b'P', b'N', b'G', 0]);
    assert_eq!(file[5..], *format!("SSWS {token}").as_bytes());
    Ok(())
}

#[tokio::test]
async fn a_body_that_echoes_the_token_shows_it_blanked_out() -> TestResult {
    let token = "00s3cret-api-token-value-0123456789";
    // A 502 page, a 200 that is no session, Okta's own error body and an echo in capitals:
    // each shows the header blanked out, never decoded from a body that has it.
    type Echo = fn(&str) -> String;
    let bodies: [(u16, Echo); 5] = [
        (502, |echoed| format!("{echoed} was refused")),
        (200, |echoed| format!("{echoed} was refused")),
        // serde_json's words quote a string where an object was expected.
        (200, |echoed| json!(echoed).to_string()),
        (401, |echoed| {
            json!({"errorCode": "E0000011", "errorSummary": format!("Invalid token: {echoed}")})
                .to_string()
        }),
        (502, |echoed| echoed.to_uppercase()),
    ];
    for (status, body) in bodies {
        // The request id echoes it too.
        let server = echoing(move |echoed| {
            ResponseTemplate::new(status)
                .set_body_raw(body(echoed), "text/plain")
                .insert_header("X-Okta-Request-Id", format!("req-{echoed}"))
        })
        .await;
        let client = Client::builder(server.uri())
            .api_token(token)
            .retry_policy(RetryPolicy::never())
            .build()?;
        let error = get_session_error(&IdentitySourceApi::new(client)).await;
        let shown = format!("{error} {error:?}");
        assert!(shown.contains("[redacted]"), "{status}: {shown}");
        assert!(
            !shown.to_lowercase().contains(&token[..8]),
            "{status}: {shown}"
        );
        assert_eq!(
            error.request_id(),
            Some("req-SSWS [redacted]"),
            "{status}: {shown}"
        );
    }

    // An answer too large to read, and one that succeeds, show their request id without it.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(move |request: &Request| {
            let echoed = authorization(request);
            let body = match request.url.path() {
                SESSIONS => "x".repeat(2048),
                _ => session_json("aps1", "CREATED").to_string(),
            };
            ResponseTemplate::new(200)
                .set_body_raw(body, "application/json")
                .insert_header("X-Okta-Request-Id", format!("req-{echoed}"))
        })
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .api_token(token)
        .max_response_bytes(1024)
        .retry_policy(RetryPolicy::never())
        .build()?;
    let api = IdentitySourceApi::new(client);
    let error = api
        .list_identity_source_sessions("0oa1")
        .send()
        .await
        .expect_err("too large");
    assert!(matches!(error, Error::BodyTooLarge { .. }), "{error:?}");
    assert_eq!(error.request_id(), Some("req-SSWS [redacted]"), "{error:?}");
    let session = api
        .get_identity_source_session("0oa1", "aps1")
        .send()
        .await?;
    assert_eq!(
        session.meta().request_id.as_deref(),
        Some("req-SSWS [redacted]")
    );
    Ok(())
}

#[tokio::test]
async fn a_json_error_body_of_another_shape_still_says_its_code_and_summary() -> TestResult {
    let wrapped = json!({"error": {"code": "card_declined", "message": "Declined."}});
    let server = server_answering(ResponseTemplate::new(402).set_body_json(wrapped)).await;
    let error = get_session_error(&api(&server)).await;
    let shown = error.to_string();
    assert!(
        shown.starts_with(
            "getIdentitySourceSession: 402 Payment Required (card_declined): Declined."
        ),
        "{shown}"
    );
    assert!(!shown.contains("says no error code"), "{shown}");
    Ok(())
}

#[tokio::test]
async fn json_that_is_not_an_okta_error_is_kept_raw() -> TestResult {
    let server =
        server_answering(ResponseTemplate::new(400).set_body_json(json!({ "message": "nope" })))
            .await;
    let error = get_session_error(&api(&server)).await;
    let api_error = expect_api_error(&error);
    // It decodes as the declared error body, which says nothing of it: the raw body stays.
    assert_eq!(api_error.body, Some(models::Error::default()));
    assert_eq!(api_error.raw_body.as_deref(), Some(r#"{"message":"nope"}"#));
    assert_eq!(error.error_code(), None);
    Ok(())
}

#[tokio::test]
async fn empty_404_is_an_error_never_success() -> TestResult {
    let server =
        server_answering(ResponseTemplate::new(404).insert_header("x-okta-request-id", "req-404"))
            .await;
    let api = api(&server);

    let error = get_session_error(&api).await;
    let api_error = expect_api_error(&error);
    assert_eq!(api_error.body, None);
    assert_eq!(api_error.raw_body, None);
    assert_eq!(
        error.to_string(),
        "getIdentitySourceSession: 404 Not Found with an empty body (request id req-404)"
    );

    // Operations without a response body must not take an empty 404 for success either.
    for result in [
        api.delete_identity_source_session("0oa1", "aps1").await,
        api.upload_identity_source_data_for_delete("0oa1", "aps1", &delete_body())
            .await,
        api.upload_identity_source_data_for_upsert("0oa1", "aps1", &upsert_body())
            .await,
    ] {
        let error = result.expect_err("an empty 404 is an error");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
        assert_eq!(error.error_code(), None);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn rate_limited_upload_waits_for_the_reset_and_retries_with_okta_headers() -> TestResult {
    let server = MockServer::start().await;
    let bulk_upsert = format!("{SESSION}/bulk-upsert");
    // The reset is the response's own `Date`: the wait is just the margin.
    Mock::given(method("POST"))
        .and(path(bulk_upsert.as_str()))
        .respond_with(rate_limited("req-429", HTTP_DATE_EPOCH))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(bulk_upsert.as_str()))
        .respond_with(
            ResponseTemplate::new(202)
                .insert_header("x-okta-request-id", "req-ok")
                .insert_header("x-rate-limit-limit", "600")
                .insert_header("x-rate-limit-remaining", "599"),
        )
        .with_priority(2)
        .mount(&server)
        .await;

    let started = Instant::now();
    let response = api(&server)
        .upload_identity_source_data_for_upsert("0oa1", "aps1", &upsert_body())
        .send()
        .await?;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(50),
        "waited only {elapsed:?}, less than the margin"
    );
    // The window's minute would be far longer; room is left for a loaded machine.
    assert!(elapsed < Duration::from_secs(10), "waited {elapsed:?}");

    let meta = response.meta();
    assert_eq!(meta.status.as_u16(), 202);
    assert_eq!(meta.attempts, 2);
    assert_eq!(meta.request_id.as_deref(), Some("req-ok"));
    assert_eq!(meta.rate_limit.remaining, Some(599));

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    let (first, retry) = (&requests[0], &requests[1]);
    assert_standard_headers(first, true);
    assert_eq!(header(retry, "x-okta-retry-for"), Some("req-429"));
    assert_eq!(header(retry, "x-okta-retry-count"), Some("1"));
    assert_eq!(header_values(retry, "authorization"), ["SSWS tok"]);
    assert_eq!(header_values(retry, "content-type"), ["application/json"]);
    assert_eq!(retry.url.path(), bulk_upsert);
    assert_eq!(retry.body, first.body, "the retry carries the same body");
    assert_eq!(body_json(retry), upsert_json());
    Ok(())
}

#[tokio::test]
async fn repeated_rate_limits_count_retries_and_name_the_last_request() -> TestResult {
    let server = server_answering_in_turn(
        ["req-a", "req-b"].map(|request_id| rate_limited(request_id, HTTP_DATE_EPOCH)),
        session_response("aps1", "CREATED"),
    )
    .await;

    let response = api(&server)
        .get_identity_source_session("0oa1", "aps1")
        .send()
        .await?;
    assert_eq!(response.meta().attempts, 3);
    let requests = received(&server).await;
    let retry_headers: Vec<_> = requests
        .iter()
        .map(|r| {
            (
                header(r, "x-okta-retry-for"),
                header(r, "x-okta-retry-count"),
            )
        })
        .collect();
    assert_eq!(
        retry_headers,
        [
            (None, None),
            (Some("req-a"), Some("1")),
            (Some("req-b"), Some("2"))
        ]
    );
    Ok(())
}

#[tokio::test]
async fn rate_limit_reset_is_measured_against_the_date_header() -> TestResult {
    // The reset is 100 s after the response's `Date` (which is in 1994, so long past by the
    // local clock): longer than the longest wait, so the 429 is returned at once. The same
    // for a reset so far away that adding it to the epoch nearly overflows.
    for reset in [HTTP_DATE_EPOCH + 100, i64::MAX as u64] {
        let server = server_answering(rate_limited("req-429", reset)).await;

        let started = Instant::now();
        let error = get_session_error(&api(&server)).await;
        // Not the 100 s to the reset.
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
        assert_eq!(error.error_code(), Some("E0000047"));
        assert!(error.is_retryable());
        let meta = error.meta().expect("a response");
        assert_eq!(meta.rate_limit.reset, Some(reset));
        assert_eq!(meta.rate_limit.remaining, Some(0));
        assert_eq!(meta.rate_limit.limit, Some(600));
        assert_eq!(
            meta.date,
            Some(UNIX_EPOCH + Duration::from_secs(HTTP_DATE_EPOCH))
        );
        assert_eq!(received(&server).await.len(), 1, "reset {reset}");
    }
    Ok(())
}

#[tokio::test]
async fn rate_limit_without_usable_headers_falls_back_to_backoff() -> TestResult {
    fn bare_429() -> ResponseTemplate {
        ResponseTemplate::new(429).set_body_json(okta_error("E0000047", "rate limit", &[]))
    }
    let cases: Vec<(&str, ResponseTemplate)> = vec![
        ("no rate-limit headers", bare_429()),
        (
            "reset long before the server's own date",
            bare_429().insert_header("x-rate-limit-reset", HTTP_DATE_EPOCH.to_string()),
        ),
        (
            "garbled reset and date",
            bare_429()
                .insert_header("x-rate-limit-reset", "soon")
                .insert_header("date", "yesterday"),
        ),
        (
            "negative reset",
            bare_429()
                .insert_header("date", HTTP_DATE)
                .insert_header("x-rate-limit-reset", "-5"),
        ),
        (
            "fractional reset",
            bare_429()
                .insert_header("date", HTTP_DATE)
                .insert_header("x-rate-limit-reset", "784111777.5"),
        ),
        (
            "reset before the date",
            bare_429()
                .insert_header("date", HTTP_DATE)
                .insert_header("x-rate-limit-reset", (HTTP_DATE_EPOCH - 30).to_string()),
        ),
        (
            "duplicated reset",
            bare_429()
                .insert_header("date", HTTP_DATE)
                .append_header("x-rate-limit-reset", HTTP_DATE_EPOCH.to_string())
                .append_header("x-rate-limit-reset", (HTTP_DATE_EPOCH + 1).to_string()),
        ),
        (
            "duplicated date",
            bare_429()
                .append_header("date", HTTP_DATE)
                .append_header("date", "Mon, 07 Nov 1994 08:49:37 GMT")
                .insert_header("x-rate-limit-reset", HTTP_DATE_EPOCH.to_string()),
        ),
        (
            "non-ASCII header values",
            bare_429()
                .insert_header(
                    "x-okta-request-id",
                    HeaderValue::from_bytes(b"req-\xff").expect("obs-text is allowed"),
                )
                .insert_header(
                    "x-rate-limit-reset",
                    HeaderValue::from_bytes(b"\xe2\x82\xac").expect("obs-text"),
                )
                .insert_header("x-rate-limit-limit", "many"),
        ),
    ];

    for (name, template) in cases {
        let server =
            server_answering_in_turn([template], session_response("aps1", "CREATED")).await;

        let started = Instant::now();
        let response = api(&server)
            .get_identity_source_session("0oa1", "aps1")
            .send()
            .await;
        let response = response.unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name}: waited {:?}",
            started.elapsed()
        );
        assert_eq!(response.meta().attempts, 2, "{name}");
        let requests = received(&server).await;
        assert_eq!(requests.len(), 2, "{name}");
        assert_eq!(
            header(&requests[1], "x-okta-retry-count"),
            Some("1"),
            "{name}"
        );
        assert_eq!(
            header(&requests[1], "x-okta-retry-for"),
            None,
            "{name}: the 429 had no usable request id"
        );
    }
    Ok(())
}

/// A reset too far away to wait for is returned at once, however far: a year away,
/// `u64::MAX` seconds (past what `SystemTime` holds) or more digits than `u64` holds.
#[tokio::test]
async fn far_future_rate_limit_resets_are_returned_at_once_however_large() -> TestResult {
    let year = HTTP_DATE_EPOCH + 365 * 24 * 60 * 60;
    for reset in [
        year.to_string(),
        u64::MAX.to_string(),
        "99999999999999999999999".to_owned(),
    ] {
        let server = server_answering_in_turn(
            [ResponseTemplate::new(429)
                .insert_header("date", HTTP_DATE)
                .insert_header("x-rate-limit-reset", reset.as_str())
                .set_body_json(okta_error("E0000047", "rate limit", &[]))],
            session_response("aps1", "CREATED"),
        )
        .await;
        let error = get_session_error(&api(&server)).await;
        assert_eq!(error.status().map(|s| s.as_u16()), Some(429), "{reset}");
        assert_eq!(received(&server).await.len(), 1, "{reset}: not retried");
    }
    Ok(())
}

/// How long a server asks to wait is taken wherever it says it: a 429's reset without a
/// `Date` is measured by this machine's clock, and a `Retry-After` (which a proxy in front
/// of Okta may send) counts after a 429 without a reset and after a 503. A wait longer than
/// the policy's longest is not waited: the error comes back at once, where a backoff would
/// have sent the request again within a second.
#[tokio::test]
async fn a_wait_the_server_asks_for_is_read_from_each_header_that_says_it() -> TestResult {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let policy = || fast_retries(2).rate_limit_wait(Duration::ZERO, Duration::from_secs(60));
    // Hyper writes a `Date` on every answer: a server of its own writes none.
    let (port, requests) = answering_every_request(format!(
        "HTTP/1.1 429 Too Many Requests\r\nx-rate-limit-reset: {}\r\n\
         content-length: 0\r\nconnection: close\r\n\r\n",
        now + 3_600
    ))
    .await?;
    let api = api_from(
        Client::builder(format!("http://127.0.0.1:{port}"))
            .api_token(TOKEN)
            .retry_policy(policy()),
    )?;
    let error = get_session_error(&api).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(error.meta().and_then(|meta| meta.date), None);
    assert_eq!(requests.load(Ordering::SeqCst), 1, "a reset an hour away");
    let cases = [
        (
            "a 429 with only Retry-After: an hour",
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_json(okta_error("E0000047", "rate limit", &[])),
            1,
        ),
        (
            "a 503 with Retry-After: an hour",
            ResponseTemplate::new(503).insert_header("retry-after", "3600"),
            1,
        ),
        (
            "a 503 with Retry-After: 0",
            ResponseTemplate::new(503).insert_header("retry-after", "0"),
            2,
        ),
    ];
    for (name, template, requests) in cases {
        let server =
            server_answering_in_turn([template], session_response("aps1", "CREATED")).await;
        let sent = api_with(&server, policy())
            .get_identity_source_session("0oa1", "aps1")
            .await;
        assert_eq!(received(&server).await.len(), requests, "{name}: {sent:?}");
        assert_eq!(sent.is_ok(), requests == 2, "{name}: {sent:?}");
    }
    Ok(())
}

/// A custom attribute named like a standard one would put the name in the profile twice
/// (which Okta takes is unspecified): the upload is refused before anything is sent.
#[tokio::test]
async fn a_custom_attribute_named_like_a_standard_one_is_never_sent() -> TestResult {
    let server = server_answering(ResponseTemplate::new(202)).await;
    let mut body = upsert_body();
    body.profiles[0]
        .profile
        .additional_properties
        .insert("email".to_owned(), "other@example.com".to_owned());
    let error = api(&server)
        .upload_identity_source_data_for_upsert("0oa1", "aps1", &body)
        .await
        .expect_err("a name given twice");
    match &error {
        Error::InvalidRequest { message, .. } => assert!(
            message.contains("`email` is a declared property, given as an additional one too"),
            "{message}"
        ),
        other => panic!("expected Error::InvalidRequest, got {other:?}"),
    }
    assert!(received(&server).await.is_empty(), "nothing is sent");
    Ok(())
}

/// A loopback server that answers every request with `answer` (a whole HTTP response) and
/// counts them: its port and the count.
async fn answering_every_request(answer: String) -> std::io::Result<(u16, Arc<AtomicU32>)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let requests = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0; 4096];
            if stream.read(&mut request).await.is_ok_and(|read| read > 0) {
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(answer.as_bytes()).await;
            }
        }
    });
    Ok((port, requests))
}

#[tokio::test]
async fn garbled_and_duplicated_headers_read_as_none() -> TestResult {
    let server = server_answering(
        ResponseTemplate::new(429)
            .append_header("x-okta-request-id", "one")
            .append_header("x-okta-request-id", "two")
            .append_header("x-rate-limit-limit", "10")
            .append_header("x-rate-limit-limit", "20")
            .insert_header("x-rate-limit-remaining", "a lot")
            .insert_header("x-rate-limit-reset", "")
            .insert_header("date", "not a date"),
    )
    .await;
    let error = get_session_error(&api_with(&server, RetryPolicy::never())).await;
    let meta = error.meta().expect("a response");
    assert_eq!(meta.request_id, None);
    assert_eq!(
        (
            meta.rate_limit.limit,
            meta.rate_limit.remaining,
            meta.rate_limit.reset
        ),
        (None, None, None)
    );
    assert_eq!(meta.rate_limit.reset_at(), None);
    assert_eq!(meta.date, None);
    assert_eq!(
        error.to_string(),
        "getIdentitySourceSession: 429 Too Many Requests with an empty body"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Server errors and retry policy
// ---------------------------------------------------------------------------------------

/// A 503 says the server did not handle the request, so even a create is retried.
/// What the import engine counts: the client's own retries, those that followed a 429, and
/// the waits before them, on the response that ends a call and on the error that ends one.
#[tokio::test]
async fn responses_and_errors_count_the_retries_and_those_after_a_429() -> TestResult {
    let server = server_answering_in_turn(
        [
            rate_limited("req-1", HTTP_DATE_EPOCH),
            ResponseTemplate::new(503),
            rate_limited("req-2", HTTP_DATE_EPOCH),
        ],
        session_response("aps1", "CREATED"),
    )
    .await;
    let response = api_with(&server, fast_retries(5))
        .get_identity_source_session("0oa1", "aps1")
        .send()
        .await?;
    let retries = response.meta().retries;
    assert_eq!((retries.total, retries.rate_limited), (3, 2));
    assert_eq!(response.meta().attempts, 4);
    // Each 429 waits for its reset (now) and the 50 ms margin; the 503 a backoff of 1 to 2 ms.
    assert!(
        (Duration::from_millis(100)..Duration::from_secs(2)).contains(&retries.waited),
        "{retries:?}"
    );

    let server = server_answering(ResponseTemplate::new(200)).await;
    let response = api(&server)
        .delete_identity_source_session("0oa1", "aps1")
        .send()
        .await?;
    let retries = response.meta().retries;
    assert_eq!((retries.total, retries.rate_limited), (0, 0));
    assert_eq!(retries.waited, Duration::ZERO);

    let server = server_answering_in_turn(
        [rate_limited("req-1", HTTP_DATE_EPOCH)],
        ResponseTemplate::new(503),
    )
    .await;
    let error = api_with(&server, fast_retries(2))
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect_err("503 after the retries");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    let retries = error.retries();
    assert_eq!((retries.total, retries.rate_limited), (2, 1));
    assert!(retries.waited >= Duration::from_millis(51), "{retries:?}");
    assert_eq!(received(&server).await.len(), 3);
    Ok(())
}

/// A server that answers a 503 (request id `req-unavailable`), then creates `aps9`.
async fn unavailable_once_then_created() -> MockServer {
    server_answering_in_turn(
        [ResponseTemplate::new(503).insert_header("x-okta-request-id", "req-unavailable")],
        ResponseTemplate::new(201).set_body_json(session_json("aps9", "CREATED")),
    )
    .await
}

#[tokio::test]
async fn service_unavailable_then_success_is_retried() -> TestResult {
    let server = unavailable_once_then_created().await;

    let response = api(&server)
        .create_identity_source_session("0oa1")
        .send()
        .await?;
    assert_eq!(response.body().id, "aps9");
    assert_eq!(response.meta().attempts, 2);
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(
        header(&requests[1], "x-okta-retry-for"),
        Some("req-unavailable")
    );
    assert_eq!(header(&requests[1], "x-okta-retry-count"), Some("1"));
    assert_eq!(requests[1].url.path(), SESSIONS);
    assert_eq!(header(&requests[1], "content-type"), None);
    Ok(())
}

/// What a create answered by `server` (with quick retries) told its progress.
async fn progress_of_a_create(server: &MockServer) -> Result<Progress, Error> {
    let progress = CallProgress::new();
    api_with(server, fast_retries(5))
        .create_identity_source_session("0oa1")
        .progress(&progress)
        .send()
        .await?;
    Ok(progress.get())
}

/// A call given a `CallProgress` tells it what it does as it goes: requests, retries, 429s,
/// waits, and whether a request may have been carried out, also when it is dropped midway.
#[tokio::test]
async fn a_call_tells_its_progress_as_it_goes_and_when_dropped() -> TestResult {
    let server = server_answering_in_turn(
        [
            rate_limited("req-1", HTTP_DATE_EPOCH),
            ResponseTemplate::new(503),
        ],
        ResponseTemplate::new(201).set_body_json(session_json("aps9", "CREATED")),
    )
    .await;
    let done = progress_of_a_create(&server).await?;
    assert_eq!((done.requests, done.retries, done.rate_limited), (3, 2, 1));
    assert!(done.may_have_been_carried_out() && !done.in_flight);
    assert!(
        done.waited >= Duration::from_millis(51) && done.waiting_since.is_none(),
        "{done:?}"
    );
    // The 503's wait was the policy's own, after the 429's.
    assert_eq!(done.asked_to_wait_until, None);

    // The end of a wait the server asked for is kept once it is over: the request sent
    // again followed it.
    let server = server_answering_in_turn(
        [rate_limited("req-1", HTTP_DATE_EPOCH)],
        ResponseTemplate::new(201).set_body_json(session_json("aps9", "CREATED")),
    )
    .await;
    let started = std::time::Instant::now();
    let done = progress_of_a_create(&server).await?;
    let asked = done.asked_to_wait_until.expect("the 429's wait");
    assert!(
        asked > started && asked <= std::time::Instant::now(),
        "{done:?}"
    );

    // Refused with a 429 that resets in a minute, and dropped while it waits to send again.
    let server = server_answering(rate_limited("req-2", HTTP_DATE_EPOCH + 60)).await;
    let patient =
        RetryPolicy::with_max_retries(2).rate_limit_wait(Duration::ZERO, Duration::from_secs(90));
    let cut = progress_when_dropped(&api_with(&server, patient)).await;
    assert_eq!((cut.requests, cut.retries, cut.rate_limited), (1, 0, 1));
    assert!(!cut.may_have_been_carried_out(), "{cut:?}");
    assert!(
        cut.waiting_since.is_some() && cut.waiting() >= Duration::from_millis(200),
        "{cut:?}"
    );
    // The server asked for that wait, and said until when: a minute after its Date.
    let asked = cut
        .asked_to_wait_until
        .expect("a wait the server asked for");
    let left = asked.saturating_duration_since(std::time::Instant::now());
    assert!(
        left > Duration::from_secs(50) && left <= Duration::from_secs(60),
        "{left:?}"
    );
    // A wait of the policy's own, after a 503 that says nothing, was not asked for.
    let server = server_answering(ResponseTemplate::new(503)).await;
    let backing_off =
        RetryPolicy::with_max_retries(2).backoff(Duration::from_secs(60), Duration::from_secs(60));
    let cut = progress_when_dropped(&api_with(&server, backing_off)).await;
    assert!(cut.waiting_since.is_some(), "{cut:?}");
    assert_eq!(cut.asked_to_wait_until, None);
    Ok(())
}

/// A call dropped while its request is still connecting, on a client that never made a
/// connection, has not reached a server: it was not carried out. One dropped while its
/// request waits for an answer may have been.
#[tokio::test]
async fn a_call_dropped_while_it_connects_was_not_carried_out() -> TestResult {
    let (address, _listener) = unreachable_listener().await?;
    let api = api_from(
        Client::builder(format!("http://{address}"))
            .api_token(TOKEN)
            .connect_timeout(Duration::from_secs(30))
            .retry_policy(RetryPolicy::never()),
    )?;
    let connecting = progress_when_dropped(&api).await;
    assert!(
        connecting.in_flight && !connecting.ever_connected,
        "{connecting:?}"
    );
    assert!(!connecting.may_have_been_carried_out(), "{connecting:?}");

    // A server that takes the request and never answers.
    let silent = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(30)))
        .mount(&silent)
        .await;
    let waiting = progress_when_dropped(&api_with(&silent, RetryPolicy::never())).await;
    assert!(waiting.in_flight && waiting.ever_connected, "{waiting:?}");
    assert!(waiting.may_have_been_carried_out(), "{waiting:?}");
    Ok(())
}

/// A listener with a full accept queue that never accepts: the kernel drops further SYNs,
/// so a connection to it hangs until its timeout. Its address, and what keeps it so (the
/// listener and the connections queued; how many fill the queue differs between kernels).
async fn unreachable_listener() -> std::io::Result<(
    std::net::SocketAddr,
    (tokio::net::TcpListener, Vec<tokio::net::TcpStream>),
)> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind("127.0.0.1:0".parse().expect("an address"))?;
    let address = socket.local_addr()?;
    let listener = socket.listen(0)?;
    let mut queued = Vec::new();
    for _ in 0..4 {
        match tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(address),
        )
        .await
        {
            Ok(Ok(stream)) => queued.push(stream),
            _ => break,
        }
    }
    Ok((address, (listener, queued)))
}

/// What a create told of its progress when it was dropped, unanswered, 300 ms after it began.
async fn progress_when_dropped(api: &IdentitySourceApi) -> okta_identity_source::Progress {
    let progress = CallProgress::new();
    let call = api
        .create_identity_source_session("0oa1")
        .progress(&progress)
        .send();
    let dropped = tokio::time::timeout(Duration::from_millis(300), call).await;
    assert!(dropped.is_err(), "answered: {dropped:?}");
    progress.get()
}

/// A call that sends again what earlier calls sent says so from its first request, and
/// its own retries count on from there.
#[tokio::test]
async fn a_call_sent_as_a_retry_of_earlier_ones_counts_on_from_them() -> TestResult {
    let server = unavailable_once_then_created().await;
    let response = api(&server)
        .create_identity_source_session("0oa1")
        .retry_of(Some("req-refused"), 3)
        .send()
        .await?;
    assert_eq!(response.meta().retries.total, 1);
    let requests = received(&server).await;
    let marks: Vec<_> = requests
        .iter()
        .map(|request| {
            (
                header(request, "x-okta-retry-count"),
                header(request, "x-okta-retry-for"),
            )
        })
        .collect();
    assert_eq!(
        marks,
        [
            (Some("3"), Some("req-refused")),
            (Some("4"), Some("req-unavailable"))
        ]
    );
    Ok(())
}

/// Each operation, answered 504 once and then its success, and whether it is retried.
async fn calls_after_a_504(
    call: impl AsyncFnOnce(IdentitySourceApi) -> Result<(), Error>,
    success: ResponseTemplate,
) -> (Result<(), Error>, usize) {
    let server = server_answering_in_turn([ResponseTemplate::new(504)], success).await;
    let outcome = call(api(&server)).await;
    (outcome, received(&server).await.len())
}

/// A 504 leaves open whether the request was processed: only operations that are safe to
/// send twice are retried (GET and DELETE by HTTP's rules); a create, a start-import or an
/// upload (the same users twice in one session make Okta's data inaccurate) is returned as
/// the error.
#[tokio::test]
async fn a_504_is_retried_only_for_idempotent_operations() -> TestResult {
    let outcomes = [
        (
            "create",
            calls_after_a_504(
                async |api| api.create_identity_source_session("0oa1").await.map(drop),
                session_response("aps1", "CREATED"),
            )
            .await,
        ),
        (
            "start-import",
            calls_after_a_504(
                async |api| {
                    api.start_import_from_identity_source("0oa1", "aps1")
                        .await
                        .map(drop)
                },
                session_response("aps1", "CREATED"),
            )
            .await,
        ),
        (
            "list",
            calls_after_a_504(
                async |api| api.list_identity_source_sessions("0oa1").await.map(drop),
                ResponseTemplate::new(200).set_body_json(json!([])),
            )
            .await,
        ),
        (
            "get",
            calls_after_a_504(
                async |api| {
                    api.get_identity_source_session("0oa1", "aps1")
                        .await
                        .map(drop)
                },
                session_response("aps1", "CREATED"),
            )
            .await,
        ),
        (
            "delete",
            calls_after_a_504(
                async |api| api.delete_identity_source_session("0oa1", "aps1").await,
                ResponseTemplate::new(204),
            )
            .await,
        ),
        (
            "bulk-upsert",
            calls_after_a_504(
                async |api| {
                    api.upload_identity_source_data_for_upsert("0oa1", "aps1", &upsert_body())
                        .await
                },
                ResponseTemplate::new(202),
            )
            .await,
        ),
        (
            "bulk-delete",
            calls_after_a_504(
                async |api| {
                    api.upload_identity_source_data_for_delete("0oa1", "aps1", &delete_body())
                        .await
                },
                ResponseTemplate::new(202),
            )
            .await,
        ),
    ];
    for (name, (outcome, requests)) in outcomes {
        if matches!(
            name,
            "create" | "start-import" | "bulk-upsert" | "bulk-delete"
        ) {
            let error = outcome.expect_err(name);
            assert_eq!(error.status().map(|s| s.as_u16()), Some(504), "{name}");
            assert_eq!(requests, 1, "{name} is not sent twice");
        } else {
            outcome.unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(requests, 2, "{name} is retried");
        }
    }
    Ok(())
}

/// A 429 and a refused connection prove the request was not acted on: a create is retried.
#[tokio::test]
async fn a_create_is_retried_after_a_rate_limit_or_a_refused_connection() -> TestResult {
    let server = server_answering_in_turn(
        [rate_limited("req-429", HTTP_DATE_EPOCH)],
        ResponseTemplate::new(201).set_body_json(session_json("aps9", "CREATED")),
    )
    .await;
    let response = api(&server)
        .create_identity_source_session("0oa1")
        .send()
        .await?;
    assert_eq!(response.meta().attempts, 2);
    assert_eq!(received(&server).await.len(), 2);

    let (auth, asked) = counting_token_source();
    let api = api_from(
        Client::builder(format!("http://127.0.0.1:{}", closed_port()))
            .auth(auth)
            .retry_policy(fast_retries(2)),
    )?;
    let error = api
        .create_identity_source_session("0oa1")
        .await
        .expect_err("nothing listens");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(asked.load(Ordering::SeqCst), 3, "three attempts to connect");
    Ok(())
}

#[tokio::test]
async fn exhausted_retries_return_the_last_error() -> TestResult {
    let server = server_answering(
        ResponseTemplate::new(503)
            .insert_header("x-okta-request-id", "req-503")
            .insert_header("x-rate-limit-limit", "600")
            .insert_header("x-rate-limit-remaining", "42")
            .insert_header("x-rate-limit-reset", "1700000000")
            .set_body_json(okta_error("E0000010", "Service is in read only mode", &[])),
    )
    .await;

    let policy =
        RetryPolicy::default().backoff(Duration::from_millis(2), Duration::from_millis(10));
    assert_eq!(policy.max_retries, 2, "the default is two retries");
    let error = get_session_error(&api_with(&server, policy)).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.error_code(), Some("E0000010"));
    assert_eq!(error.request_id(), Some("req-503"));
    assert!(error.is_retryable());
    let meta = error.meta().expect("a response");
    assert_eq!(meta.attempts, 3);
    assert_eq!(meta.rate_limit.limit, Some(600));
    assert_eq!(meta.rate_limit.remaining, Some(42));
    assert_eq!(meta.rate_limit.reset, Some(1_700_000_000));

    let requests = received(&server).await;
    let counts: Vec<_> = requests
        .iter()
        .map(|r| header(r, "x-okta-retry-count"))
        .collect();
    assert_eq!(counts, [None, Some("1"), Some("2")]);
    Ok(())
}

#[tokio::test]
async fn never_sends_exactly_one_request() -> TestResult {
    for status in [429, 503, 504] {
        let server = server_answering(if status == 429 {
            rate_limited("req-429", HTTP_DATE_EPOCH)
        } else {
            ResponseTemplate::new(status)
        })
        .await;
        let error = get_session_error(&api_with(&server, RetryPolicy::never())).await;
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.meta().map(|m| m.attempts), Some(1));
        assert_eq!(received(&server).await.len(), 1, "{status}");
    }
    Ok(())
}

#[tokio::test]
async fn other_errors_are_not_retried() -> TestResult {
    for status in [400, 401, 403, 404, 500, 502] {
        let server = server_answering(ResponseTemplate::new(status)).await;
        let error = get_session_error(&api(&server)).await;
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(received(&server).await.len(), 1, "{status}");
    }
    Ok(())
}

#[tokio::test]
async fn max_elapsed_bounds_retrying() -> TestResult {
    let server = server_answering(ResponseTemplate::new(503)).await;
    let policy = fast_retries(5).max_elapsed(Duration::ZERO);
    let error = get_session_error(&api_with(&server, policy)).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(received(&server).await.len(), 1);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Transport failures, timeouts and body limits
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn refused_connection_is_a_transport_error_retried_per_policy() -> TestResult {
    let base_url = format!("http://127.0.0.1:{}", closed_port());
    for (policy, attempts) in [(fast_retries(2), 3), (RetryPolicy::never(), 1)] {
        // The token source is asked once per attempt, so it counts attempts that never
        // reach a server.
        let (auth, asked) = counting_token_source();
        let api = api_from(Client::builder(&base_url).auth(auth).retry_policy(policy))?;
        let error = get_session_error(&api).await;
        assert!(
            matches!(
                error,
                Error::Transport {
                    operation: "getIdentitySourceSession",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.is_retryable());
        assert_eq!(error.status(), None);
        assert_eq!(error.request_id(), None);
        let message = error.to_string();
        assert!(
            message.starts_with("getIdentitySourceSession: the request failed: "),
            "{message}"
        );
        // The cause is named, not only reqwest's "error sending request".
        assert!(message.to_lowercase().contains("connect"), "{message}");
        assert_eq!(asked.load(Ordering::SeqCst), attempts);
    }
    Ok(())
}

#[tokio::test]
async fn a_proxy_that_cannot_be_reached_is_named_as_what_failed() -> TestResult {
    let proxy = format!("http://127.0.0.1:{}", closed_port());
    let http = okta_identity_source::http_client_builder()?
        .proxy(reqwest::Proxy::all(&proxy)?)
        .build()?;
    let api = api_from(
        Client::builder("https://dev-123456.okta.com")
            .api_token(TOKEN)
            .http_client(http)
            .retry_policy(RetryPolicy::never()),
    )?;
    let error = get_session_error(&api).await;
    let said = error.to_string();
    assert!(said.contains("tunnel error"), "{said}");
    assert!(
        said.ends_with(
            "(the request went through a proxy, which could not be reached or refused it: \
             HTTPS_PROXY or ALL_PROXY in the environment, or the HTTP client's own)"
        ),
        "{said}"
    );
    assert!(!said.contains(TOKEN), "{said}");
    Ok(())
}

#[tokio::test]
async fn an_https_url_to_a_plain_http_server_says_so_and_is_not_retried() -> TestResult {
    let server = server_answering(ResponseTemplate::new(200)).await;
    let plain = server.uri();
    let https = plain.replacen("http://", "https://", 1);
    let api = api_from(
        Client::builder(&https)
            .api_token(TOKEN)
            .retry_policy(fast_retries(2)),
    )?;
    let error = get_session_error(&api).await;
    let said = error.to_string();
    assert!(
        said.ends_with(
            "(the server did not answer in TLS, which an https:// URL asks for: a server that \
             speaks plain HTTP, such as a local emulator, is reached with http://)"
        ),
        "{said}"
    );
    assert_eq!(error.retries().total, 0, "it would only fail again: {said}");
    assert!(!said.contains(TOKEN), "{said}");
    Ok(())
}

#[tokio::test]
async fn connect_timeout_is_a_failure_to_connect_and_retried() -> TestResult {
    let (address, _listener) = unreachable_listener().await?;

    let (auth, asked) = counting_token_source();
    let api = api_from(
        Client::builder(format!("http://{address}"))
            .auth(auth)
            .connect_timeout(Duration::from_millis(100))
            .request_timeout(Duration::from_secs(20))
            .retry_policy(fast_retries(2)),
    )?;
    let started = Instant::now();
    let error = get_session_error(&api).await;
    // Three attempts of the 100 ms connect timeout, not of the 20 s request timeout.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // Not `Error::Timeout`, which would claim the request timeout ran out.
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(
        asked.load(Ordering::SeqCst),
        3,
        "nothing was sent, so the attempt is retried"
    );
    Ok(())
}

#[tokio::test]
async fn slow_server_is_a_timeout() -> TestResult {
    let server =
        server_answering(session_response("aps1", "CREATED").set_delay(Duration::from_secs(20)))
            .await;
    let timeout = Duration::from_millis(300);
    let api = api_from(
        Client::builder(server.uri())
            .api_token(TOKEN)
            .request_timeout(timeout)
            .retry_policy(fast_retries(1)),
    )?;

    let started = Instant::now();
    let error = api
        .create_identity_source_session("0oa1")
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(error, Error::Timeout { timeout: t, .. } if t == timeout),
        "{error:?}"
    );
    // The server may have acted on the request: not safe to retry blindly.
    assert!(!error.is_retryable());
    // Cut at the timeout, not after the answer's 20 s.
    assert!(
        elapsed >= timeout && elapsed < Duration::from_secs(10),
        "took {elapsed:?}"
    );
    assert_eq!(
        error.to_string(),
        "createIdentitySourceSession: no response within 300ms"
    );
    assert_eq!(error.status(), None);
    assert_eq!(
        received(&server).await.len(),
        1,
        "a timed-out create is not sent again"
    );
    // A read is safe to send again.
    let error = get_session_error(&api).await;
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(error.retries().total, 1);
    assert_eq!(
        error.to_string(),
        "getIdentitySourceSession: no response within 300ms, after 1 retry"
    );
    assert_eq!(received(&server).await.len(), 3, "the read is sent twice");
    Ok(())
}

#[tokio::test]
async fn oversized_body_is_refused_and_an_oversized_error_is_cut() -> TestResult {
    let server = MockServer::start().await;
    let big: Vec<Value> = (0..50)
        .map(|i| session_json(&format!("aps{i}"), "COMPLETED"))
        .collect();
    mount_route(
        &server,
        "GET",
        SESSIONS,
        ResponseTemplate::new(200)
            .insert_header("x-okta-request-id", "req-big")
            .set_body_json(&big),
    )
    .await;
    mount_route(
        &server,
        "GET",
        SESSION,
        ResponseTemplate::new(500).set_body_string("x".repeat(10_000)),
    )
    .await;
    let api = api_from(
        Client::builder(server.uri())
            .api_token(TOKEN)
            .max_response_bytes(1024),
    )?;

    let error = api.list_identity_source_sessions("0oa1").await.unwrap_err();
    match &error {
        Error::BodyTooLarge {
            operation,
            meta,
            limit,
        } => {
            assert_eq!(*operation, "listIdentitySourceSessions");
            assert_eq!(meta.status.as_u16(), 200);
            assert_eq!(*limit, 1024);
        }
        other => panic!("expected Error::BodyTooLarge, got {other:?}"),
    }
    assert_eq!(error.request_id(), Some("req-big"));
    assert!(!error.is_retryable());

    let error = get_session_error(&api).await;
    // An oversized error body keeps the error (status and a body cut at the limit).
    match &error {
        Error::Api(api) => {
            assert_eq!(api.meta.status.as_u16(), 500);
            assert_eq!(api.raw_body.as_deref().map(str::len), Some(1024));
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));

    // An upload answers no body: one larger than the limit says nothing the call reads,
    // and the upload was taken, so the call succeeds.
    mount_route(
        &server,
        "POST",
        &format!("{SESSION}/bulk-upsert"),
        ResponseTemplate::new(202).set_body_string("x".repeat(10_000)),
    )
    .await;
    let uploaded = api
        .upload_identity_source_data_for_upsert("0oa1", "aps1", &upsert_body())
        .send()
        .await;
    assert_eq!(uploaded?.meta().status.as_u16(), 202);
    Ok(())
}

/// An error body is read to at most a mebibyte, however high the limit of a 2xx body: a
/// server that sends an error without end holds no more of the client's memory than that.
#[tokio::test]
async fn an_endless_error_body_is_read_only_to_its_own_cap() -> TestResult {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    // Answers a 500 whose chunked body runs on (256 MiB) while the client reads; the bytes
    // of body it could write.
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await?;
        let mut request = [0; 4096];
        let _ = stream.read(&mut request).await?;
        stream
            .write_all(b"HTTP/1.1 500 Internal Server Error\r\ntransfer-encoding: chunked\r\n\r\n")
            .await?;
        let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
        let mut written = 0_usize;
        while written < 256 << 20 && stream.write_all(chunk.as_bytes()).await.is_ok() {
            written += 0x10000;
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
        std::io::Result::Ok(written)
    });
    let api = api_from(
        Client::builder(format!("http://127.0.0.1:{port}"))
            .api_token(TOKEN)
            .max_response_bytes(512 << 20)
            .retry_policy(RetryPolicy::never()),
    )?;

    let error = get_session_error(&api).await;
    match &error {
        Error::Api(api) => {
            assert_eq!(api.meta.status.as_u16(), 500);
            assert!(
                api.raw_body
                    .as_deref()
                    .is_some_and(|body| body.starts_with("xxxx"))
            );
            assert!(api.cut);
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
    assert!(
        error.to_string().contains(": the body is longer than the client reads of an error body, so its error code and summary could not be read; it starts with \"xxx"),
        "{error}"
    );
    drop(api);
    let written = server.await??;
    // A mebibyte read, and what the sockets' buffers took besides: far from the 256 MiB
    // sent when the body is read to the 2xx limit.
    assert!(
        written < 64 << 20,
        "{written} bytes of the error body were taken"
    );
    Ok(())
}

#[tokio::test]
async fn body_at_the_limit_is_read() -> TestResult {
    let body = serde_json::to_vec(&session_json("aps1", "CREATED"))?;
    let limit = body.len();
    let server = server_answering(ResponseTemplate::new(200).set_body_bytes(body)).await;
    let api = api_from(
        Client::builder(server.uri())
            .api_token(TOKEN)
            .max_response_bytes(limit),
    )?;
    let session = api.get_identity_source_session("0oa1", "aps1").await?;
    assert_eq!(session.id, "aps1");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Path parameters
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn path_parameters_are_encoded_as_one_segment() -> TestResult {
    let server = server_answering(session_response("aps1", "CREATED")).await;
    let api = api(&server);
    let cases = [
        ("a/b", "a%2Fb"),
        ("../x", "..%2Fx"),
        ("x/..", "x%2F.."),
        ("...", "..."),
        ("a?b=c", "a%3Fb%3Dc"),
        ("a#frag", "a%23frag"),
        ("with space", "with%20space"),
        ("ünïcødé", "%C3%BCn%C3%AFc%C3%B8d%C3%A9"),
        ("%2e%2e", "%252e%252e"),
        ("a\\b", "a%5Cb"),
        ("a;b&c+d", "a%3Bb%26c%2Bd"),
        ("0oa-_.~1", "0oa-_.~1"),
    ];
    for (raw, encoded) in cases {
        api.get_identity_source_session(raw, raw).await?;
        let mut requests = received(&server).await;
        let request = requests.pop().expect("a request");
        assert_eq!(
            request.url.path(),
            format!("/api/v1/identity-sources/{encoded}/sessions/{encoded}"),
            "{raw:?}"
        );
        assert_eq!(request.url.query(), None, "{raw:?}");
        assert_eq!(request.url.fragment(), None, "{raw:?}");
    }

    api.upload_identity_source_data_for_delete("0oa/1", "aps 1", &delete_body())
        .await?;
    let request = received(&server).await.pop().expect("a request");
    assert_eq!(
        request.url.path(),
        "/api/v1/identity-sources/0oa%2F1/sessions/aps%201/bulk-delete"
    );
    Ok(())
}

#[tokio::test]
async fn empty_dot_and_dot_dot_ids_are_refused_before_sending() -> TestResult {
    let server = server_answering(ResponseTemplate::new(200)).await;
    let (auth, asked) = counting_token_source();
    let api = IdentitySourceApi::new(Client::new(server.uri(), auth)?);

    for bad in ["", ".", ".."] {
        let results: Vec<(&str, Result<(), Error>)> = vec![
            (
                "identitySourceId",
                api.create_identity_source_session(bad).await.map(drop),
            ),
            (
                "identitySourceId",
                api.list_identity_source_sessions(bad).await.map(drop),
            ),
            (
                "identitySourceId",
                api.get_identity_source_session(bad, "aps1").await.map(drop),
            ),
            (
                "sessionId",
                api.get_identity_source_session("0oa1", bad).await.map(drop),
            ),
            (
                "sessionId",
                api.delete_identity_source_session("0oa1", bad).await,
            ),
            (
                "sessionId",
                api.start_import_from_identity_source("0oa1", bad)
                    .await
                    .map(drop),
            ),
            (
                "sessionId",
                api.upload_identity_source_data_for_delete("0oa1", bad, &delete_body())
                    .await,
            ),
            (
                "identitySourceId",
                api.upload_identity_source_data_for_upsert(bad, "aps1", &upsert_body())
                    .await,
            ),
        ];
        for (param, result) in results {
            let error = result.expect_err("an invalid id is refused");
            match &error {
                Error::InvalidRequest { message, .. } => {
                    assert!(message.contains(param), "{bad:?}: {message}");
                }
                other => panic!("{bad:?}: expected Error::InvalidRequest, got {other:?}"),
            }
            assert!(!error.is_retryable());
            assert_eq!(error.status(), None);
        }
    }
    assert!(received(&server).await.is_empty(), "nothing is sent");
    assert_eq!(
        asked.load(Ordering::SeqCst),
        0,
        "no token is even asked for"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Configuration and redaction
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn tokens_never_appear_in_debug_or_display() -> TestResult {
    const SECRET: &str = "00s3cr3t-T0KEN-value";
    let server = server_answering(ResponseTemplate::new(401).set_body_json(okta_error(
        "E0000011",
        "Invalid token provided",
        &[],
    )))
    .await;

    let mut texts = Vec::new();
    for auth in [Auth::api_token(SECRET), Auth::access_token(SECRET)] {
        texts.push(format!("{auth:?}"));
        let builder = Client::builder(server.uri())
            .auth(auth)
            .retry_policy(RetryPolicy::never());
        texts.push(format!("{builder:?}"));
        let client = builder.build()?;
        texts.push(format!("{client:?}"));
        let api = IdentitySourceApi::new(client);
        texts.push(format!("{api:?}"));
        let error = get_session_error(&api).await;
        texts.push(format!("{error:?}"));
        texts.push(error.to_string());
    }
    // A transport error, and configuration errors while a token is set.
    let refused = Client::builder(format!("http://127.0.0.1:{}", closed_port()))
        .api_token(SECRET)
        .retry_policy(RetryPolicy::never())
        .build()?;
    let error = get_session_error(&IdentitySourceApi::new(refused)).await;
    texts.extend([format!("{error:?}"), error.to_string()]);
    let error = Client::builder("http://example.com")
        .api_token(SECRET)
        .build()
        .unwrap_err();
    texts.extend([format!("{error:?}"), error.to_string()]);
    let error = Client::builder(server.uri())
        .api_token(format!("{SECRET}\n{SECRET}"))
        .build()
        .unwrap_err();
    assert!(!error.message().is_empty(), "{error:?}");
    texts.extend([format!("{error:?}"), error.to_string()]);

    for text in &texts {
        assert!(!text.contains(SECRET), "the token leaked into {text:?}");
        assert!(
            !text.contains("T0KEN"),
            "part of the token leaked into {text:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn credentials_in_the_base_url_are_refused_and_never_shown() -> TestResult {
    for url in [
        "https://admin:hunter2@dev-123456.okta.com",
        "https://admin:hunter2@dev-123456.okta.com/prefix@x",
        // The password itself contains `@`: the userinfo ends at the last `@` of the authority.
        "https://admin:hun@ter2@dev-123456.okta.com",
        "http://admin:hunter2@127.0.0.1:8080",
        // Spellings `url` reads as `https://admin:hunter2@dev-123456.okta.com/`.
        "https:///admin:hunter2@dev-123456.okta.com",
        "https:/admin:hunter2@dev-123456.okta.com",
        "https:\\\\admin:hunter2@dev-123456.okta.com",
    ] {
        let builder = Client::builder(url).api_token(TOKEN);
        let debug = format!("{builder:?}");
        let error = builder.build().unwrap_err();
        assert!(!error.message().is_empty(), "{error:?}");
        for text in [debug, error.to_string(), format!("{error:?}")] {
            assert!(
                !text.contains("hun"),
                "{url}: the password leaked into {text}"
            );
            assert!(
                !text.contains("ter2"),
                "{url}: part of the password leaked into {text}"
            );
            assert!(text.contains("<redacted>"), "{url}: {text}");
        }
    }
    Ok(())
}

/// A base URL that does not parse is never shown: its credentials may sit anywhere in it.
#[test]
fn an_unparsable_base_url_is_never_echoed() {
    let url = "https://admin:hunter2/x@dev-123456.okta.com";
    let builder = Client::builder(url).api_token(TOKEN);
    let debug = format!("{builder:?}");
    let error = builder.build().unwrap_err();
    assert!(!error.message().is_empty(), "{error:?}");
    assert!(error.to_string().contains("invalid port number"), "{error}");
    for text in [debug, error.to_string(), format!("{error:?}")] {
        assert!(!text.contains("hunter2"), "the password leaked into {text}");
        assert!(
            !text.contains("dev-123456"),
            "the text was echoed in {text}"
        );
    }
}

#[test]
fn base_urls_are_checked() {
    let build = |url: &str| Client::builder(url).api_token(TOKEN).build();
    for url in [
        "https://dev-123456.okta.com",
        "https://dev-123456.okta.com/",
        "http://127.0.0.1:8080",
        "http://127.0.0.1",
        "http://localhost:3000",
        "http://LOCALHOST",
        "http://[::1]:8080",
        "http://[::ffff:127.0.0.1]:8080",
        "https://example.com/prefix/",
    ] {
        build(url).unwrap_or_else(|error| panic!("{url} is refused: {error}"));
    }
    for url in [
        "http://example.com",
        "http://dev-123456.okta.com/",
        "http://10.0.0.1",
        "http://localhost.example.com",
        "http://localhost.:3000",
        "http://[::ffff:10.0.0.1]",
        "ftp://127.0.0.1",
        "not a url",
        "",
        "https://dev-123456.okta.com/?x=1",
        "https://dev-123456.okta.com/#x",
    ] {
        match build(url) {
            Err(error) => assert!(!error.message().is_empty()),
            other => panic!("{url:?} gave {other:?}, expected a ConfigError"),
        }
    }
    // What the URL shown leaves out is said to be there.
    for url in [
        "https://dev-123456.okta.com/?x=1",
        "https://dev-123456.okta.com#x",
    ] {
        let error = build(url).expect_err(url).to_string();
        assert!(
            error
                .contains("`https://dev-123456.okta.com/` has a query or fragment (not shown here"),
            "{error}"
        );
    }
    match Client::builder("https://dev-123456.okta.com").build() {
        Err(error) => assert!(error.message().contains("authentication"), "{error}"),
        other => panic!("no auth gave {other:?}"),
    }
    match Client::builder("https://dev-123456.okta.com")
        .api_token("  ")
        .build()
    {
        Err(error) => assert!(error.message().contains("empty"), "{error}"),
        other => panic!("a blank token gave {other:?}"),
    }
}

#[tokio::test]
async fn base_url_path_is_kept_as_a_prefix() -> TestResult {
    let server = server_answering(ResponseTemplate::new(200).set_body_json(json!([]))).await;
    for base in [
        format!("{}/prefix/", server.uri()),
        format!("{}/prefix", server.uri()),
    ] {
        let client = Client::builder(&base).api_token(TOKEN).build()?;
        assert_eq!(client.base_url().path(), "/prefix");
        IdentitySourceApi::new(client)
            .list_identity_source_sessions("0oa1")
            .await?;
        let request = received(&server).await.pop().expect("a request");
        assert_eq!(request.url.path(), format!("/prefix{SESSIONS}"), "{base}");
    }
    Ok(())
}

#[tokio::test]
async fn clones_share_one_client_and_run_concurrently() -> TestResult {
    let server = server_answering(session_response("aps1", "CREATED")).await;
    let api = api(&server);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let api = api.clone();
            tokio::spawn(async move {
                api.get_identity_source_session("0oa1", &format!("aps{i}"))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    assert_eq!(received(&server).await.len(), 8);
    Ok(())
}

#[tokio::test]
async fn redirects_never_carry_the_token_to_another_origin() -> TestResult {
    let elsewhere = server_answering(session_response("aps1", "CREATED")).await;
    let server = server_answering(
        ResponseTemplate::new(307)
            .insert_header("location", format!("{}{SESSION}", elsewhere.uri())),
    )
    .await;

    // Redirects are not followed: the 307 is the answer, and the other origin sees nothing
    // (neither the token nor a resent body).
    let error = get_session_error(&api(&server)).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(307));
    assert!(received(&elsewhere).await.is_empty());
    Ok(())
}

/// A client made from `http_client_builder` that follows redirects, as reqwest's do by
/// default.
fn following_redirects() -> Result<okta_identity_source::reqwest::Client, Box<dyn std::error::Error>>
{
    let policy = okta_identity_source::reqwest::redirect::Policy::limited(10);
    Ok(okta_identity_source::http_client_builder()?
        .redirect(policy)
        .build()?)
}

/// An injected client follows redirects, but a body can be sent only once: a 307 from the
/// bulk upload is the answer, and the other origin never sees the personal data.
#[tokio::test]
async fn an_injected_client_never_resends_a_body_across_a_redirect() -> TestResult {
    let elsewhere = server_answering(ResponseTemplate::new(202)).await;
    let upsert = format!("{SESSION}/bulk-upsert");
    let server = server_answering(
        ResponseTemplate::new(307)
            .insert_header("location", format!("{}{upsert}", elsewhere.uri())),
    )
    .await;
    let api = api_from(
        Client::builder(server.uri())
            .api_token(TOKEN)
            .http_client(following_redirects()?),
    )?;

    let error = api
        .upload_identity_source_data_for_upsert("0oa1", "aps1", &upsert_body())
        .await
        .expect_err("a redirect is not a success");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(307), "{error:?}");
    assert!(received(&elsewhere).await.is_empty());
    Ok(())
}

/// An answer an injected client fetched from another origin is refused, not decoded. A
/// client made from `http_client_builder` follows no redirect, as the builder's own: a
/// credential in a header of its own name would go with it to another host.
#[tokio::test]
async fn an_answer_from_another_origin_is_refused_unread() -> TestResult {
    let elsewhere = server_answering(session_response("aps-elsewhere", "CREATED")).await;
    let server = server_answering(
        ResponseTemplate::new(302)
            .insert_header("location", format!("{}{SESSION}", elsewhere.uri())),
    )
    .await;
    let not_following = api_from(
        Client::builder(server.uri())
            .api_token(TOKEN)
            .http_client(okta_identity_source::http_client_builder()?.build()?),
    )?;
    let error = get_session_error(&not_following).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(302), "{error:?}");
    assert!(received(&elsewhere).await.is_empty());

    let api = api_from(
        Client::builder(server.uri())
            .api_token(TOKEN)
            .retry_policy(fast_retries(2))
            .http_client(following_redirects()?),
    )?;

    let error = get_session_error(&api).await;
    let Error::Redirected { operation, origin } = &error else {
        panic!("expected Error::Redirected, got {error:?}");
    };
    assert_eq!(*operation, "getIdentitySourceSession");
    assert_eq!(*origin, elsewhere.uri());
    assert!(
        error.to_string().contains("not from the base URL's origin"),
        "{error}"
    );
    let followed = only_request(&elsewhere).await;
    assert_eq!(header(&followed, "authorization"), None, "reqwest drops it");
    assert_eq!(
        received(&server).await.len(),
        2,
        "each client asked once, and neither retried"
    );
    Ok(())
}

#[tokio::test]
async fn null_error_causes_keep_the_okta_error() -> TestResult {
    let server = server_answering(ResponseTemplate::new(400).set_body_json(json!({
        "errorCode": "E0000001",
        "errorSummary": "Api validation failed",
        "errorCauses": null
    })))
    .await;
    let error = get_session_error(&api(&server)).await;
    assert_eq!(error.error_code(), Some("E0000001"));
    assert_eq!(
        error.to_string(),
        "getIdentitySourceSession: 400 Bad Request (E0000001): Api validation failed"
    );
    Ok(())
}

/// A TLS server on loopback with the self-signed `localhost` certificate of
/// `fixtures/tls`: it accepts one connection and returns how the handshake ended.
async fn self_signed_tls_server()
-> Result<(u16, tokio::task::JoinHandle<std::io::Result<()>>), Box<dyn std::error::Error>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tls");
    let certificate = CertificateDer::from_pem_file(fixtures.join("localhost-cert.pem"))?;
    let key = PrivateKeyDer::from_pem_file(fixtures.join("localhost-key.pem"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let handshake = tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        acceptor.accept(stream).await.map(drop)
    });
    Ok((port, handshake))
}

/// The client's own TLS (rustls on ring, with the platform's verifier) completes no
/// handshake with a server whose certificate no trusted authority issued: the call fails
/// as a transport error naming the certificate, not retried, and the server sees the
/// handshake refused.
#[tokio::test]
async fn a_certificate_from_no_trusted_authority_is_refused() -> TestResult {
    let (port, handshake) = self_signed_tls_server().await?;
    let api = api_from(
        Client::builder(format!("https://localhost:{port}"))
            .api_token(TOKEN)
            .retry_policy(fast_retries(2)),
    )?;

    let error = get_session_error(&api).await;
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    let mut causes = String::new();
    let mut cause: Option<&dyn std::error::Error> = Some(&error);
    while let Some(current) = cause {
        causes.push_str(&format!("{current:?}"));
        cause = current.source();
    }
    assert!(causes.contains("InvalidCertificate"), "{causes}");
    assert_eq!(error.retries().total, 0, "it would only fail again");
    assert!(
        error.to_string().ends_with(
            "(the server's certificate was not accepted: issued by no authority this machine \
             trusts, expired, or for another name; a company's own authority is trusted through \
             SSL_CERT_FILE or SSL_CERT_DIR)"
        ),
        "{error}"
    );
    assert!(
        handshake.await?.is_err(),
        "the server saw a completed handshake"
    );
    Ok(())
}
