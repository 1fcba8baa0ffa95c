//! Rate limits as Okta sends them, and faults on demand.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeDelta, Utc};

use okta_identity_source::models::IdentitySourceSession;
use okta_identity_source::models::IdentitySourceSessionStatus as Status;
use okta_identity_source::{Client, Error, IdentitySourceApi, RetryPolicy};
use okta_identity_source_emulator::{Emulator, Fault, SessionStatus};
use tokio::task::JoinHandle;

use crate::support::{
    SOURCE, TOKEN, api, api_retrying, builder, refusal, start, started_import, upsert,
};

#[tokio::test]
async fn every_answer_carries_the_rate_limit_headers_a_request_id_and_a_date() {
    let emulator = start(builder().rate_limit(10, Duration::from_secs(60))).await;
    let api = api(&emulator);
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ok = api
        .list_identity_source_sessions(SOURCE)
        .send()
        .await
        .unwrap();
    let refused = api
        .get_identity_source_session(SOURCE, "apsNone")
        .await
        .unwrap_err();
    for (meta, remaining) in [(ok.meta(), 9), (refused.meta().unwrap(), 8)] {
        assert_eq!(meta.rate_limit.limit, Some(10));
        assert_eq!(meta.rate_limit.remaining, Some(remaining));
        let reset = meta.rate_limit.reset.unwrap();
        assert!(
            (before + 60..=before + 62).contains(&reset),
            "{reset} vs {before}"
        );
        assert!(meta.date.is_some(), "exactly one parsable Date header");
        assert_eq!(meta.request_id.as_ref().map(String::len), Some(27));
    }
    assert_ne!(ok.meta().request_id, refused.meta().unwrap().request_id);
}

#[tokio::test]
async fn past_the_limit_of_the_window_answers_429_e0000047_until_it_resets() {
    let emulator = start(builder().rate_limit(3, Duration::from_secs(60))).await;
    let api = api(&emulator);
    for _ in 0..3 {
        api.list_identity_source_sessions(SOURCE).await.unwrap();
    }
    let (status, code, _) = refusal(api.list_identity_source_sessions(SOURCE).await);
    assert_eq!((status, code.as_str()), (429, "E0000047"));
    let error = api.list_identity_source_sessions(SOURCE).await.unwrap_err();
    assert_eq!(error.meta().unwrap().rate_limit.remaining, Some(0));

    // A window of 50 ms: whatever the second request met, one a window later is let through.
    let emulator = start(builder().rate_limit(1, Duration::from_millis(50))).await;
    let api = crate::support::api(&emulator);
    api.list_identity_source_sessions(SOURCE).await.unwrap();
    let _ = api.list_identity_source_sessions(SOURCE).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    api.list_identity_source_sessions(SOURCE).await.unwrap();
}

#[tokio::test]
async fn injected_503_and_504_answer_the_next_requests_then_service_resumes() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    emulator.inject(Fault::Status {
        status: 503,
        count: 2,
    });
    emulator.inject(Fault::Status {
        status: 504,
        count: 1,
    });
    for expected in [503, 503, 504] {
        let error = api
            .create_identity_source_session(SOURCE)
            .await
            .unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(expected));
    }
    assert!(
        emulator.sessions(SOURCE).is_empty(),
        "a faulted request is not carried out"
    );
    api.create_identity_source_session(SOURCE).await.unwrap();
    let statuses: Vec<_> = emulator.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(504), Some(201)]);
}

#[tokio::test]
async fn a_request_carried_out_then_answered_504_has_done_its_work() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    emulator.inject(Fault::StatusAfterCarryingOut {
        status: 504,
        count: 1,
    });
    let answer = refusal(api.create_identity_source_session(SOURCE).await);
    assert_eq!((answer.0, answer.1.as_str()), (504, "E0000009"));
    let sessions = emulator.sessions(SOURCE);
    assert_eq!(sessions.len(), 1, "the session was made all the same");
    assert_eq!(sessions[0].status, SessionStatus::Created);
}

#[tokio::test]
async fn an_injected_status_comes_with_the_error_code_okta_sends_with_it() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let expected = [
        (400, "E0000001"),
        (401, "E0000011"),
        (403, "E0000006"),
        (404, "E0000007"),
        (500, "E0000009"),
        (503, "E0000010"),
        (504, "E0000009"),
    ];
    for (status, _) in expected {
        emulator.inject(Fault::Status { status, count: 1 });
    }
    for (status, code) in expected {
        let answer = refusal(api.list_identity_source_sessions(SOURCE).await);
        assert_eq!((answer.0, answer.1.as_str()), (status, code));
    }
    // A status that is no error's is a server error, not a success with an error's body.
    for status in [200, 302, 99, 1000] {
        emulator.inject(Fault::Status { status, count: 1 });
        let answer = refusal(api.list_identity_source_sessions(SOURCE).await);
        assert_eq!((answer.0, answer.1.as_str()), (500, "E0000009"), "{status}");
    }
}

#[tokio::test]
async fn the_client_retries_through_injected_faults_with_retry_headers() {
    let emulator = start(builder()).await;
    let api = api_retrying(&emulator);
    emulator.inject(Fault::Status {
        status: 503,
        count: 1,
    });
    emulator.inject(Fault::Status {
        status: 504,
        count: 1,
    });
    let response = api
        .list_identity_source_sessions(SOURCE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.meta().attempts, 3);
    let requests = emulator.requests();
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(503), Some(504), Some(200)]
    );
    assert_eq!(requests[2].header("x-okta-retry-count"), Some("2"));
    // Each retry names the answer before it by the request id it was given.
    let answered = |n: usize| requests[n].request_id.as_deref();
    assert!(answered(0).is_some_and(|id| id.len() == 27), "{requests:?}");
    assert_eq!(requests[1].header("x-okta-retry-for"), answered(0));
    assert_eq!(requests[2].header("x-okta-retry-for"), answered(1));
}

/// A create sent in a task of its own that suffers `fault`, once the emulator has taken it.
async fn create_suffering(
    emulator: &Emulator,
    fault: Fault,
) -> JoinHandle<Result<IdentitySourceSession, Error>> {
    emulator.inject(fault);
    let create = tokio::spawn({
        let api = api(emulator);
        async move { api.create_identity_source_session(SOURCE).await }
    });
    while emulator.request_faults_left() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    create
}

/// A fault aimed at one identity source falls on its requests and imports only: tests that
/// share an emulator, each with a source of its own, do not suffer each other's.
#[tokio::test]
async fn a_fault_aimed_at_a_source_spares_the_others() {
    let emulator = start(builder().identity_source("0oa2")).await;
    emulator.inject_for(
        "0oa2",
        Fault::Status {
            status: 503,
            count: 1,
        },
    );
    emulator.inject_for("0oa2", Fault::ImportError { count: 1 });
    let api = api(&emulator);
    // Another source's requests and import pass it by.
    let imported = started_import(&api, 0..3).await;
    let done = api
        .get_identity_source_session(SOURCE, &imported.id)
        .await
        .unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(emulator.request_faults_left(), 1);
    let refused = refusal(api.list_identity_source_sessions("0oa2").await);
    assert_eq!((refused.0, refused.1.as_str()), (503, "E0000010"));
    // Its own import ends in ERROR.
    let session = api.create_identity_source_session("0oa2").await.unwrap();
    api.upload_identity_source_data_for_upsert("0oa2", &session.id, &upsert(0..3))
        .await
        .unwrap();
    api.start_import_from_identity_source("0oa2", &session.id)
        .await
        .unwrap();
    let failed = api
        .get_identity_source_session("0oa2", &session.id)
        .await
        .unwrap();
    assert_eq!(failed.status, Status::Error);
    assert!(emulator.users("0oa2").is_empty());
    assert_eq!(emulator.users(SOURCE).len(), 3);
}

/// The requests read back in the order they arrived, not the order they were answered.
#[tokio::test]
async fn requests_are_recorded_in_the_order_they_arrived() {
    let emulator = start(builder()).await;
    let late = create_suffering(
        &emulator,
        Fault::Delay {
            delay: Duration::from_millis(300),
            count: 1,
        },
    )
    .await;
    api(&emulator)
        .list_identity_source_sessions(SOURCE)
        .await
        .unwrap();
    late.await.unwrap().unwrap();
    let methods: Vec<_> = emulator
        .requests()
        .into_iter()
        .map(|request| (request.method, request.status))
        .collect();
    assert_eq!(
        methods,
        [
            ("POST".to_owned(), Some(201)),
            ("GET".to_owned(), Some(200))
        ]
    );
}

/// A shutdown ends what is still under way once its grace is over: a request a slow fault
/// holds back is never carried out, and its client learns that it was not answered.
#[tokio::test]
async fn a_shutdown_ends_the_work_still_under_way_after_its_grace() {
    let emulator = start(builder().shutdown_grace(Duration::from_millis(100))).await;
    let slow = create_suffering(
        &emulator,
        Fault::Slow {
            delay: Duration::from_secs(30),
            count: 1,
        },
    )
    .await;
    emulator.shutdown().await;
    let answer = tokio::time::timeout(Duration::from_secs(10), slow)
        .await
        .expect("the client hears of the shutdown, not of a create 30 s later")
        .unwrap();
    assert!(answer.is_err(), "{answer:?}");
}

/// What a builder is given that no service could do is taken within reach: a token with
/// spaces around it as clients send it, and a clock skew of at most a day.
#[tokio::test]
async fn builder_settings_out_of_reach_are_taken_within_it() {
    let emulator = start(
        builder()
            .api_token("  spaced-token\n")
            .clock_skew(TimeDelta::days(365 * 300_000)),
    )
    .await;
    let listed = crate::support::api_with(&emulator, "spaced-token")
        .list_identity_source_sessions(SOURCE)
        .send()
        .await
        .unwrap();
    let date = listed.meta().date.unwrap();
    let ahead = date.duration_since(SystemTime::now()).unwrap_or_default();
    let day = Duration::from_secs(24 * 60 * 60);
    assert!(
        day - Duration::from_secs(5) <= ahead && ahead <= day + Duration::from_secs(5),
        "{ahead:?} ahead"
    );
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error_retried_only_when_safe() {
    let emulator = start(builder()).await;
    let api = api_retrying(&emulator);
    // A create may have been carried out: it is not sent again.
    emulator.inject(Fault::DropConnection { count: 1 });
    let error = api
        .create_identity_source_session(SOURCE)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error}");
    assert_eq!(error.retries().total, 0);
    // A read is.
    emulator.inject(Fault::DropConnection { count: 1 });
    let response = api
        .list_identity_source_sessions(SOURCE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.meta().attempts, 2);
}

#[tokio::test]
async fn a_delay_holds_the_answer_and_not_the_emulator() {
    let emulator = start(builder()).await;
    emulator.inject(Fault::Delay {
        delay: Duration::from_secs(3600),
        count: 1,
    });
    let client = Client::builder(emulator.base_url())
        .api_token(TOKEN)
        .request_timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let error = IdentitySourceApi::new(client)
        .list_identity_source_sessions(SOURCE)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error}");
    api(&emulator)
        .list_identity_source_sessions(SOURCE)
        .await
        .unwrap();
    // The request whose client gave up is recorded too (once its connection is seen
    // closed), with no status: its answer was never given.
    let mut statuses: Vec<Option<u16>> = Vec::new();
    for _ in 0..500 {
        statuses = emulator.requests().iter().map(|r| r.status).collect();
        if statuses.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    statuses.sort();
    assert_eq!(statuses, [None, Some(200)]);
}

#[tokio::test]
async fn an_injected_import_error_ends_the_next_import_in_error_without_changing_users() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    emulator.inject(Fault::ImportError { count: 1 });
    for expected in [Status::Error, Status::Completed] {
        let session = started_import(&api, 0..5).await;
        let done = api
            .get_identity_source_session(SOURCE, &session.id)
            .await
            .unwrap();
        assert_eq!(done.status, expected);
        let users = if expected == Status::Error { 0 } else { 5 };
        assert_eq!(emulator.users(SOURCE).len(), users);
    }
}

#[tokio::test]
async fn an_injected_429_is_okta_s_rate_limit_refusal_with_the_window_used_up() {
    let emulator = start(builder().rate_limit(10, Duration::from_secs(60))).await;
    let api = api(&emulator);
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    emulator.inject(Fault::Status {
        status: 429,
        count: 1,
    });
    let result = api.list_identity_source_sessions(SOURCE).await;
    let meta = result.as_ref().unwrap_err().meta().unwrap().clone();
    let (status, code, _) = refusal(result);
    assert_eq!((status, code.as_str()), (429, "E0000047"));
    assert_eq!(meta.rate_limit.limit, Some(10));
    assert_eq!(meta.rate_limit.remaining, Some(0));
    let reset = meta.rate_limit.reset.unwrap();
    assert!(
        (before + 60..=before + 62).contains(&reset),
        "{reset} vs {before}"
    );
}

#[tokio::test]
async fn a_clock_set_apart_moves_every_time_the_service_gives() {
    for minutes in [-10, 10] {
        let skew = TimeDelta::minutes(minutes);
        let emulator = start(builder().clock_skew(skew)).await;
        let service_now = Utc::now() + skew;
        let near = |at: DateTime<Utc>| (at - service_now).abs() < TimeDelta::seconds(5);
        let created = api(&emulator)
            .create_identity_source_session(SOURCE)
            .send()
            .await
            .unwrap();
        let (session, meta) = created.into_parts();
        assert!(near(session.created.unwrap()), "{minutes}: {session:?}");
        assert!(
            near(session.last_updated.unwrap()),
            "{minutes}: {session:?}"
        );
        // One `Date`, the service's (the client reads none when there are two).
        assert!(near(meta.date.unwrap().into()), "{minutes}: {meta:?}");
        let reset = DateTime::from_timestamp(meta.rate_limit.reset.unwrap() as i64, 0).unwrap();
        assert!(near(reset - TimeDelta::minutes(1)), "{minutes}: {meta:?}");
        emulator.shutdown().await;
    }
}
