//! The seven operations: the real service's statuses and bodies, and the golden path.

use okta_identity_source::models::IdentitySourceSessionStatus as Status;
use okta_identity_source_emulator::SessionStatus;
use serde_json::Value;

use crate::support::{SOURCE, api, builder, delete, refusal, start, upsert};

#[tokio::test]
async fn golden_path_imports_600_users_then_a_delete_session_deactivates_some() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    assert_eq!(api.list_identity_source_sessions(SOURCE).await.unwrap(), []);

    let created = api
        .create_identity_source_session(SOURCE)
        .send()
        .await
        .unwrap();
    assert_eq!(created.meta().status.as_u16(), 201);
    let session = created.into_body();
    assert_eq!(session.status, Status::Created);
    assert_eq!(session.identity_source_id.as_deref(), Some(SOURCE));
    assert_eq!(session.import_type.as_deref(), Some("INCREMENTAL"));
    assert!(session.created.is_some() && session.last_updated.is_some());

    for batch in 0..3 {
        let body = upsert(batch * 200..(batch + 1) * 200);
        let sent = api
            .upload_identity_source_data_for_upsert(SOURCE, &session.id, &body)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.meta().status.as_u16(), 202);
    }
    let current = api
        .get_identity_source_session(SOURCE, &session.id)
        .await
        .unwrap();
    assert_eq!(current.status, Status::InProgress);

    let started = api
        .start_import_from_identity_source(SOURCE, &session.id)
        .await
        .unwrap();
    assert_eq!(started.status, Status::Triggered);
    let done = api
        .get_identity_source_session(SOURCE, &session.id)
        .await
        .unwrap();
    assert_eq!(done.status, Status::Completed);

    let users = emulator.users(SOURCE);
    assert_eq!(users.len(), 600);
    let first = &users["emp-0"];
    assert!(first.active);
    assert_eq!(first.profile["email"], "user0@example.com");
    assert_eq!(first.profile["department"], "R&D");

    let second = api.create_identity_source_session(SOURCE).await.unwrap();
    api.upload_identity_source_data_for_delete(SOURCE, &second.id, &delete(0..10))
        .await
        .unwrap();
    api.start_import_from_identity_source(SOURCE, &second.id)
        .await
        .unwrap();
    let users = emulator.users(SOURCE);
    assert_eq!(users.len(), 600);
    assert_eq!(users.values().filter(|user| !user.active).count(), 10);
    assert!(!users["emp-9"].active && users["emp-10"].active);

    let views = emulator.sessions(SOURCE);
    assert_eq!(views.len(), 2);
    assert_eq!(
        (views[0].upload_requests, views[0].users_in_session),
        (3, 600)
    );
    assert_eq!(views[1].status, SessionStatus::Completed);
    emulator.shutdown().await;
}

#[tokio::test]
async fn list_returns_every_session_and_delete_closes_one_that_stays_readable() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    let deleted = api
        .delete_identity_source_session(SOURCE, &session.id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.meta().status.as_u16(), 204);
    let closed = api
        .get_identity_source_session(SOURCE, &session.id)
        .await
        .unwrap();
    assert_eq!(closed.status, Status::Closed);
    let listed = api.list_identity_source_sessions(SOURCE).await.unwrap();
    assert_eq!(listed, [closed]);
}

#[tokio::test]
async fn a_session_body_carries_all_six_fields_in_okta_formats() {
    let emulator = start(builder()).await;
    let url = format!(
        "{}/api/v1/identity-sources/{SOURCE}/sessions",
        emulator.base_url()
    );
    let response = reqwest::Client::new()
        .post(&url)
        .header("authorization", "SSWS test-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    let object = body.as_object().unwrap();
    let mut keys: Vec<_> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "created",
            "id",
            "identitySourceId",
            "importType",
            "lastUpdated",
            "status"
        ]
    );
    assert!(body["id"].as_str().unwrap().starts_with("aps"));
    assert_eq!(body["id"].as_str().unwrap().len(), 20);
    assert_eq!(body["identitySourceId"], SOURCE);
    assert_eq!(body["importType"], "INCREMENTAL");
    assert_eq!(body["status"], "CREATED");
    for field in ["created", "lastUpdated"] {
        // 2022-04-04T15:56:05.000Z
        let at = body[field].as_str().unwrap();
        assert_eq!(at.len(), 24, "{field}: {at}");
        assert!(
            at.ends_with('Z') && at.as_bytes()[19] == b'.',
            "{field}: {at}"
        );
        let parsed = chrono::DateTime::parse_from_rfc3339(at).unwrap();
        let age = chrono::Utc::now().signed_duration_since(parsed);
        assert!(age.abs() < chrono::TimeDelta::minutes(1), "{field}: {at}");
    }
}

/// Sessions and errors are written with their fields in the order of Okta's bodies (the
/// spec's examples, FACTS.md's real error), for clients that read them as text.
#[tokio::test]
async fn bodies_have_their_fields_in_the_order_okta_writes_them() {
    let emulator = start(builder()).await;
    let http = reqwest::Client::new();
    let sessions = format!(
        "{}/api/v1/identity-sources/{SOURCE}/sessions",
        emulator.base_url()
    );
    let send = |request: reqwest::RequestBuilder| async move {
        let response = request
            .header("authorization", "SSWS test-token")
            .send()
            .await
            .unwrap();
        response.text().await.unwrap()
    };
    let keys_in_order = |text: &str, keys: &[&str]| {
        let places: Vec<usize> = keys
            .iter()
            .map(|key| text.find(&format!("\"{key}\":")).expect(key))
            .collect();
        assert!(places.is_sorted(), "{keys:?} in {text}");
    };
    let session_fields = [
        "id",
        "identitySourceId",
        "status",
        "importType",
        "created",
        "lastUpdated",
    ];
    let created = send(http.post(&sessions)).await;
    keys_in_order(&created, &session_fields);
    let listed = send(http.get(&sessions)).await;
    keys_in_order(&listed, &session_fields);
    let error = send(http.get(format!("{sessions}/apsNone"))).await;
    keys_in_order(
        &error,
        &[
            "errorCode",
            "errorSummary",
            "errorLink",
            "errorId",
            "errorCauses",
        ],
    );
}

#[tokio::test]
async fn unknown_sources_and_sessions_are_404_e0000007() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let (status, code, _) = refusal(api.list_identity_source_sessions("0oaUnknown").await);
    assert_eq!((status, code.as_str()), (404, "E0000007"));
    let (status, code, _) = refusal(api.get_identity_source_session(SOURCE, "apsNone").await);
    assert_eq!((status, code.as_str()), (404, "E0000007"));
    // An upload to a session that does not exist is a 404 whatever its body: one that
    // breaks a rule (here 201 profiles) is not checked first.
    let upload = api
        .upload_identity_source_data_for_upsert(SOURCE, "apsNone", &upsert(0..201))
        .await;
    let (status, code, _) = refusal(upload);
    assert_eq!((status, code.as_str()), (404, "E0000007"));
    let upload = api
        .upload_identity_source_data_for_delete("0oaUnknown", "apsNone", &delete(0..201))
        .await;
    let (status, code, _) = refusal(upload);
    assert_eq!((status, code.as_str()), (404, "E0000007"));
}

#[tokio::test]
async fn unknown_paths_are_404_e0000008_and_unsupported_methods_405_in_okta_errors() {
    let emulator = start(builder()).await;
    let http = reqwest::Client::new();
    let base = emulator.base_url();
    let answers = [
        (
            reqwest::Method::GET,
            format!("{base}/api/v1/users"),
            404,
            "E0000008",
        ),
        (
            reqwest::Method::PUT,
            format!("{base}/api/v1/identity-sources/{SOURCE}/sessions"),
            405,
            "E0000022",
        ),
        (
            reqwest::Method::GET,
            format!("{base}/api/v1/identity-sources/{SOURCE}/sessions/%FF"),
            404,
            "E0000007",
        ),
    ];
    for (method, url, status, code) in answers {
        let response = http
            .request(method, &url)
            .header("authorization", "SSWS test-token")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{url}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errorCode"], code, "{url}");
    }
    // An id that is not UTF-8 once decoded is looked up as it was written, and named so.
    for (path, summary) in [
        (
            format!("{SOURCE}/sessions/%FF"),
            "Not found: Resource not found: %FF (IdentitySourceSession)",
        ),
        (
            "%FF/sessions/apsX".to_owned(),
            "Not found: Resource not found: %FF (AppInstance)",
        ),
    ] {
        let response = http
            .get(format!("{base}/api/v1/identity-sources/{path}"))
            .header("authorization", "SSWS test-token")
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errorSummary"], summary, "{path}");
    }
    let api = api(&emulator);
    let (status, code, _) = refusal(api.get_identity_source_session(SOURCE, "../sessions").await);
    assert_eq!(
        (status, code.as_str()),
        (404, "E0000007"),
        "an id is one path segment"
    );
}

/// Okta reads JSON and writes JSON: a body said to be anything else, or an `Accept` that
/// takes no JSON, is 400 E0000021, and the upload is not taken.
#[tokio::test]
async fn a_body_not_sent_as_json_or_an_accept_without_json_is_refused_with_e0000021() {
    let emulator = start(builder()).await;
    let session = api(&emulator)
        .create_identity_source_session(SOURCE)
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let base = emulator.base_url();
    let upload = format!(
        "{base}/api/v1/identity-sources/{SOURCE}/sessions/{}/bulk-upsert",
        session.id
    );
    let body = serde_json::to_vec(&upsert(0..1)).unwrap();
    for (content_type, status) in [
        (None, 400),
        (Some("text/plain"), 400),
        (Some("application/x-www-form-urlencoded"), 400),
        (Some("application/jsonx"), 400),
        (Some("Application/JSON; charset=UTF-8"), 202),
    ] {
        let mut request = http
            .post(&upload)
            .header("authorization", "SSWS test-token")
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{content_type:?}");
        if status == 400 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["errorCode"], "E0000021", "{content_type:?}");
        }
    }
    assert_eq!(emulator.sessions(SOURCE)[0].upload_requests, 1);

    let list = format!("{base}/api/v1/identity-sources/{SOURCE}/sessions");
    for (accept, status) in [
        ("application/xml", 400),
        ("text/html, application/xhtml+xml", 400),
        ("application/json;q=0", 400),
        // The most specific range decides.
        ("application/json;q=0, */*", 400),
        ("application/*;q=0, application/json", 200),
        ("application/json, text/plain, */*", 200),
        ("text/html, */*;q=0.1", 200),
        ("application/*", 200),
    ] {
        let response = http
            .get(&list)
            .header("authorization", "SSWS test-token")
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{accept}");
        if status == 400 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["errorCode"], "E0000021", "{accept}");
        }
    }
}

/// Two `Authorization` headers name no one caller: 401, whichever comes first.
#[tokio::test]
async fn a_request_with_two_authorization_headers_is_refused() {
    let emulator = start(builder()).await;
    let list = format!(
        "{}/api/v1/identity-sources/{SOURCE}/sessions",
        emulator.base_url()
    );
    for pair in [
        ["SSWS test-token", "SSWS wrong"],
        ["SSWS wrong", "SSWS test-token"],
    ] {
        let response = reqwest::Client::new()
            .get(&list)
            .header("authorization", pair[0])
            .header("authorization", pair[1])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{pair:?}");
    }
}

/// What the accessors show of a session is what a client reads of it: one session by its
/// id, and its times to the millisecond, as Okta writes them.
#[tokio::test]
async fn a_session_read_by_id_is_the_one_a_client_reads() {
    let emulator = start(builder()).await;
    let created = api(&emulator)
        .create_identity_source_session(SOURCE)
        .await
        .unwrap();
    let view = emulator.session(SOURCE, &created.id).expect("the session");
    assert_eq!(view.status, SessionStatus::Created);
    let millis = |time: std::time::SystemTime| {
        time.duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000
    };
    assert_eq!((millis(view.created), millis(view.last_updated)), (0, 0));
    assert_eq!(
        created.created.map(std::time::SystemTime::from),
        Some(view.created)
    );
    assert_eq!(emulator.session(SOURCE, "apsNone"), None);
    assert_eq!(emulator.session("0oaUnknown", &created.id), None);
}

/// Bound to every address, the emulator is reached at loopback, the URL it gives.
#[tokio::test]
async fn bound_to_every_address_it_gives_a_loopback_url() {
    let emulator = start(builder().bind("0.0.0.0:0".parse().unwrap())).await;
    let port = emulator.address().port();
    assert_eq!(emulator.base_url(), format!("http://127.0.0.1:{port}"));
    api(&emulator)
        .list_identity_source_sessions(SOURCE)
        .await
        .unwrap();
}
