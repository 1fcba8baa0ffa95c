//! Each rule of the service, refused the way Okta refuses it.

use std::time::Duration;

use okta_identity_source::models::{
    BulkDeleteRequestBody, BulkUpsertRequestBody, IdentitySourceEntityType,
    IdentitySourceSessionStatus as Status, IdentitySourceUserForUpsert,
    IdentitySourceUserProfileForDelete,
};
use okta_identity_source_emulator::Limits;
use serde_json::{Value, json};

use crate::support::{
    SOURCE, TOKEN, api, builder, delete, eventually, refusal, start, started_import, upsert, user,
};

/// Sends `body` as it is to the session's bulk-upsert, for what the client cannot send.
async fn raw_upsert(base_url: &str, session: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let url = format!("{base_url}/api/v1/identity-sources/{SOURCE}/sessions/{session}/bulk-upsert");
    let response = reqwest::Client::new()
        .post(url)
        .header("authorization", format!("SSWS {TOKEN}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("a body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON")
    };
    (status, body)
}

#[tokio::test]
async fn uploads_to_a_session_that_is_not_created_or_in_progress_are_refused() {
    let refused = |emulator: &okta_identity_source_emulator::Emulator, id: String| {
        let api = api(emulator);
        async move {
            for deactivating in [false, true] {
                let sent = match deactivating {
                    false => {
                        api.upload_identity_source_data_for_upsert(SOURCE, &id, &upsert(0..1))
                            .await
                    }
                    true => {
                        api.upload_identity_source_data_for_delete(SOURCE, &id, &delete(0..1))
                            .await
                    }
                };
                let (status, code, causes) = refusal(sent);
                assert_eq!((status, code.as_str()), (400, "E0000001"));
                assert!(causes[0].contains("CREATED or IN_PROGRESS"), "{causes:?}");
            }
        }
    };
    // CLOSED.
    let emulator = start(builder()).await;
    let client = api(&emulator);
    let closed = client.create_identity_source_session(SOURCE).await.unwrap();
    client
        .delete_identity_source_session(SOURCE, &closed.id)
        .await
        .unwrap();
    refused(&emulator, closed.id).await;
    // TRIGGERED (for a minute), then COMPLETED.
    for processing in [Duration::from_secs(60), Duration::ZERO] {
        let emulator = start(builder().processing_time(processing)).await;
        let client = api(&emulator);
        let session = started_import(&client, 0..1).await;
        let status = client
            .get_identity_source_session(SOURCE, &session.id)
            .await
            .unwrap()
            .status;
        let expected = match processing.is_zero() {
            true => Status::Completed,
            false => Status::Triggered,
        };
        assert_eq!(status, expected);
        refused(&emulator, session.id).await;
    }
    // EXPIRED.
    let emulator = start(builder().session_expiry(Duration::from_millis(20))).await;
    let idle = api(&emulator)
        .create_identity_source_session(SOURCE)
        .await
        .unwrap();
    eventually(|| emulator.sessions(SOURCE)[0].status.as_str() == "EXPIRED").await;
    refused(&emulator, idle.id).await;
}

#[tokio::test]
async fn an_upload_needs_one_to_200_profiles() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    for range in [0..0, 0..201] {
        let (status, code, causes) = refusal(
            api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &upsert(range))
                .await,
        );
        assert_eq!((status, code.as_str()), (400, "E0000001"));
        assert!(causes[0].contains("between 1 and 200"), "{causes:?}");
    }
    let (status, _, causes) = refusal(
        api.upload_identity_source_data_for_delete(SOURCE, &session.id, &delete(0..201))
            .await,
    );
    assert_eq!(status, 400);
    assert!(causes[0].contains("between 1 and 200"), "{causes:?}");
    api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &upsert(0..200))
        .await
        .unwrap();
    assert_eq!(emulator.sessions(SOURCE)[0].upload_requests, 1);
}

#[tokio::test]
async fn a_body_over_200_kib_is_refused() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    let mut body = upsert(0..60);
    for profile in &mut body.profiles {
        profile.profile.home_address = Some(Some("x".repeat(4000)));
    }
    let (status, code, causes) = refusal(
        api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &body)
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "E0000001"));
    assert_eq!(
        causes,
        [format!(
            "The request body must be at most {} bytes.",
            200 * 1024
        )]
    );
    body.profiles.truncate(45);
    api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &body)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_session_takes_at_most_50_upload_requests() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    for n in 0..50 {
        if n % 2 == 0 {
            api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &upsert(n..n + 1))
                .await
        } else {
            api.upload_identity_source_data_for_delete(SOURCE, &session.id, &delete(n..n + 1))
                .await
        }
        .unwrap();
    }
    let (status, code, causes) = refusal(
        api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &upsert(50..51))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "E0000001"));
    assert!(causes[0].contains("at most 50 bulk requests"), "{causes:?}");
}

#[tokio::test]
async fn a_session_takes_at_most_its_limit_of_users() {
    // With Okta's limits, 50 requests of 200 users are exactly 10,000 users: the user limit
    // can only be reached first with a smaller one.
    let limits = Limits {
        max_users_per_session: 300,
        ..Limits::OKTA
    };
    let emulator = start(builder().limits(limits)).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &upsert(0..200))
        .await
        .unwrap();
    let (status, code, causes) = refusal(
        api.upload_identity_source_data_for_delete(SOURCE, &session.id, &delete(0..101))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "E0000001"));
    assert!(causes[0].contains("at most 300 users"), "{causes:?}");
    api.upload_identity_source_data_for_delete(SOURCE, &session.id, &delete(0..100))
        .await
        .unwrap();
}

#[tokio::test]
async fn profile_attributes_over_their_limits_or_of_the_wrong_format_are_refused() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    let mut bad = user(1);
    bad.external_id = "e".repeat(513);
    bad.profile.email = Some("not an email".into());
    bad.profile.second_email = Some("a@b".into());
    bad.profile.first_name = Some(Some("f".repeat(51)));
    bad.profile.user_name = Some("u".repeat(101));
    let body = BulkUpsertRequestBody {
        entity_type: IdentitySourceEntityType::Users,
        profiles: vec![user(0), bad],
    };
    let (status, code, causes) = refusal(
        api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &body)
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "E0000001"));
    // One cause per bad field, in the order the body gives them.
    let mut fields: Vec<_> = causes
        .iter()
        .map(|c| c.split(':').next().unwrap_or_default())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "profiles[1].externalId",
            "profiles[1].profile.email",
            "profiles[1].profile.firstName",
            "profiles[1].profile.secondEmail",
            "profiles[1].profile.userName",
        ],
        "{causes:?}"
    );
    assert_eq!(
        emulator.sessions(SOURCE)[0].upload_requests,
        0,
        "nothing of a refused body is kept"
    );
}

#[tokio::test]
async fn a_custom_attribute_must_be_a_string_and_unknown_fields_are_ignored() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    let url = emulator.base_url();
    for (value, kind) in [
        (json!(7), "number"),
        (json!(["a"]), "array"),
        (json!(null), "null"),
    ] {
        let body = json!({ "entityType": "USERS", "profiles": [
            { "externalId": "e1", "profile": { "email": "a@b.co", "level": value } }
        ] });
        let (status, error) = raw_upsert(url, &session.id, body.to_string()).await;
        assert_eq!(
            (status, error["errorCode"].as_str()),
            (400, Some("E0000001")),
            "{kind}"
        );
        assert_eq!(
            error["errorCauses"][0]["errorSummary"],
            "profiles[0].profile.level: is a custom attribute and must be a string"
        );
    }
    let body = json!({ "entityType": "USERS", "batch": 1, "profiles": [
        { "externalId": "e1", "note": true, "profile": { "email": "a@b.co", "level": "7" } }
    ] });
    assert_eq!(
        raw_upsert(url, &session.id, body.to_string()).await,
        (202, Value::Null)
    );
    // An attribute given twice in a profile is taken from its last, as a map's key is; a
    // field of the body or of an entry given twice is malformed.
    let twice = r#"{"entityType":"USERS","profiles":[{"externalId":"e2","profile":{"email":"a@b.co","level":"1","email":"c@d.co"}}]}"#;
    assert_eq!(
        raw_upsert(url, &session.id, twice).await,
        (202, Value::Null)
    );
    let twice =
        r#"{"entityType":"USERS","profiles":[{"externalId":"e3","externalId":"e4","profile":{}}]}"#;
    let (status, error) = raw_upsert(url, &session.id, twice).await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (400, Some("E0000003"))
    );
    api.start_import_from_identity_source(SOURCE, &session.id)
        .await
        .unwrap();
    eventually(|| emulator.users(SOURCE).contains_key("e2")).await;
    let users = emulator.users(SOURCE);
    assert_eq!(users["e2"].profile["email"], "c@d.co", "{:?}", users["e2"]);
    assert_eq!(users["e1"].profile["level"], "7");
}

#[tokio::test]
async fn an_entity_type_other_than_users_is_refused() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    let mut body = upsert(0..1);
    body.entity_type = IdentitySourceEntityType::Unknown("GROUPS".into());
    let (status, code, causes) = refusal(
        api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &body)
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "E0000001"));
    assert_eq!(causes, ["entityType: must be USERS"]);
}

#[tokio::test]
async fn malformed_json_is_e0000003() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    for body in [
        &b"{\"entityType\": \"USERS\", "[..],
        b"\x00\xff garbage",
        b"[1,2]",
    ] {
        let (status, error) = raw_upsert(emulator.base_url(), &session.id, body.to_vec()).await;
        assert_eq!(status, 400);
        assert_eq!(error["errorCode"], "E0000003");
        assert_eq!(
            error["errorSummary"],
            "The request body was not well-formed."
        );
        assert_eq!(error["errorLink"], "E0000003");
        assert!(
            error["errorId"]
                .as_str()
                .is_some_and(|id| id.starts_with("oae"))
        );
        assert_eq!(error["errorCauses"], json!([]));
    }
}

#[tokio::test]
async fn a_second_active_session_is_refused() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let first = api.create_identity_source_session(SOURCE).await.unwrap();
    let (status, code, causes) = refusal(api.create_identity_source_session(SOURCE).await);
    assert_eq!((status, code.as_str()), (400, "E0000001"));
    assert!(causes[0].contains(&first.id), "{causes:?}");
    api.delete_identity_source_session(SOURCE, &first.id)
        .await
        .unwrap();
    api.create_identity_source_session(SOURCE).await.unwrap();
}

#[tokio::test]
async fn a_create_within_the_cool_down_after_a_trigger_is_refused() {
    let emulator = start(builder().cool_down(Duration::from_secs(3600))).await;
    let api = api(&emulator);
    started_import(&api, 0..1).await;
    let (status, code, causes) = refusal(api.create_identity_source_session(SOURCE).await);
    assert_eq!((status, code.as_str()), (400, "E0000001"));
    let wait: u64 = causes[0]
        .split("try again in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("{causes:?}"));
    assert!((3500..=3600).contains(&wait), "{causes:?}");
}

#[tokio::test]
async fn the_cool_down_ends() {
    let emulator = start(builder().cool_down(Duration::from_millis(20))).await;
    let api = api(&emulator);
    started_import(&api, 0..1).await;
    tokio::time::sleep(Duration::from_millis(25)).await;
    api.create_identity_source_session(SOURCE).await.unwrap();
}

#[tokio::test]
async fn start_import_needs_an_upload_and_delete_needs_an_open_session() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    let (status, code, causes) = refusal(
        api.start_import_from_identity_source(SOURCE, &session.id)
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "E0000001"));
    assert!(causes[0].contains("no data to import"), "{causes:?}");
    api.upload_identity_source_data_for_delete(SOURCE, &session.id, &delete(0..1))
        .await
        .unwrap();
    api.start_import_from_identity_source(SOURCE, &session.id)
        .await
        .unwrap();
    let (status, code, causes) = refusal(
        api.delete_identity_source_session(SOURCE, &session.id)
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "E0000001"));
    assert_eq!(
        causes,
        ["Only a session that is in CREATED or IN_PROGRESS status can be canceled."]
    );
}

#[tokio::test]
async fn an_idle_created_session_expires() {
    let emulator = start(builder().session_expiry(Duration::from_millis(20))).await;
    let api = api(&emulator);
    let idle = api.create_identity_source_session(SOURCE).await.unwrap();
    eventually(|| emulator.sessions(SOURCE)[0].status.as_str() == "EXPIRED").await;
    let expired = api
        .get_identity_source_session(SOURCE, &idle.id)
        .await
        .unwrap();
    assert_eq!(expired.status, Status::Expired);
    api.create_identity_source_session(SOURCE).await.unwrap();
}

#[tokio::test]
async fn a_triggered_import_completes_after_the_processing_time() {
    for processing in [Duration::from_secs(60), Duration::from_millis(20)] {
        let emulator = start(builder().processing_time(processing)).await;
        let api = api(&emulator);
        let started = started_import(&api, 0..2).await;
        assert_eq!(started.status, Status::Triggered);
        let read = || api.get_identity_source_session(SOURCE, &started.id);
        if processing > Duration::from_secs(1) {
            // Until the processing time has passed, the import is under way and changed
            // no user.
            assert_eq!(read().await.unwrap().status, Status::Triggered);
            assert!(emulator.users(SOURCE).is_empty());
            continue;
        }
        eventually(|| emulator.users(SOURCE).len() == 2).await;
        assert_eq!(read().await.unwrap().status, Status::Completed);
    }
}

/// Each standard attribute's limits as FACTS.md gives them, in characters (a two-byte `é`
/// counts once): the longest accepted, one more refused with a cause that names it.
#[tokio::test]
async fn each_attribute_takes_up_to_its_documented_length_in_characters() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    let text = |chars: usize| "é".repeat(chars);
    let email = |chars: usize| format!("{}@example.com", "é".repeat(chars - 12));
    type Make = fn(usize) -> String;
    type Set = fn(&mut IdentitySourceUserForUpsert, String);
    let limits: [(&str, usize, Make, Set); 8] = [
        ("externalId", 512, text, |u, v| u.external_id = v),
        ("profile.userName", 100, text, |u, v| {
            u.profile.user_name = Some(v)
        }),
        ("profile.email", 100, email, |u, v| {
            u.profile.email = Some(v)
        }),
        ("profile.secondEmail", 100, email, |u, v| {
            u.profile.second_email = Some(v)
        }),
        ("profile.firstName", 50, text, |u, v| {
            u.profile.first_name = Some(Some(v))
        }),
        ("profile.lastName", 50, text, |u, v| {
            u.profile.last_name = Some(Some(v))
        }),
        ("profile.mobilePhone", 100, text, |u, v| {
            u.profile.mobile_phone = Some(Some(v))
        }),
        ("profile.homeAddress", 4096, text, |u, v| {
            u.profile.home_address = Some(Some(v))
        }),
    ];
    for (field, longest, value, set) in limits {
        let upload = |chars: usize| {
            let mut user = user(0);
            set(&mut user, value(chars));
            BulkUpsertRequestBody {
                entity_type: IdentitySourceEntityType::Users,
                profiles: vec![user],
            }
        };
        api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &upload(longest))
            .await
            .unwrap_or_else(|error| panic!("{field} of {longest}: {error}"));
        let (status, code, causes) = refusal(
            api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &upload(longest + 1))
                .await,
        );
        assert_eq!((status, code.as_str()), (400, "E0000001"), "{field}");
        assert!(
            causes.len() == 1 && causes[0].starts_with(&format!("profiles[0].{field}: ")),
            "{field}: {causes:?}"
        );
    }
    // A deactivation's external id too.
    let deactivate = |chars: usize| BulkDeleteRequestBody {
        entity_type: IdentitySourceEntityType::Users,
        profiles: vec![IdentitySourceUserProfileForDelete {
            external_id: text(chars),
        }],
    };
    api.upload_identity_source_data_for_delete(SOURCE, &session.id, &deactivate(512))
        .await
        .unwrap();
    let (status, _, causes) = refusal(
        api.upload_identity_source_data_for_delete(SOURCE, &session.id, &deactivate(513))
            .await,
    );
    assert_eq!(status, 400);
    assert!(
        causes[0].starts_with("profiles[0].externalId: "),
        "{causes:?}"
    );
}
