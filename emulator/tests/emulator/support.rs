//! What the tests share: an emulator with one source and one token, a client without
//! retries, bodies of made-up users, and reading Okta errors.

use std::time::Duration;

use okta_identity_source::models::{
    BulkDeleteRequestBody, BulkUpsertRequestBody, IdentitySourceEntityType,
    IdentitySourceUserForUpsert, IdentitySourceUserProfileForDelete,
    IdentitySourceUserProfileForUpsert,
};
use okta_identity_source::{Client, Error, IdentitySourceApi, RetryPolicy};
use okta_identity_source_emulator::{Emulator, EmulatorBuilder};

pub const SOURCE: &str = "0oa1";
pub const TOKEN: &str = "test-token";

/// An emulator knowing [`SOURCE`] and [`TOKEN`], without cool-down.
pub fn builder() -> EmulatorBuilder {
    Emulator::builder()
        .identity_source(SOURCE)
        .api_token(TOKEN)
        .cool_down(Duration::ZERO)
}

pub async fn start(builder: EmulatorBuilder) -> Emulator {
    builder.start().await.expect("the emulator starts")
}

/// A client of `emulator` with [`TOKEN`] that never retries, so every refusal is seen.
pub fn api(emulator: &Emulator) -> IdentitySourceApi {
    api_with(emulator, TOKEN)
}

/// The client as [`api`] makes it, but retrying (3 times, backing off for milliseconds).
pub fn api_retrying(emulator: &Emulator) -> IdentitySourceApi {
    let client = Client::builder(emulator.base_url())
        .api_token(TOKEN)
        .retry_policy(
            RetryPolicy::with_max_retries(3)
                .backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .expect("a loopback client");
    IdentitySourceApi::new(client)
}

pub fn api_with(emulator: &Emulator, token: &str) -> IdentitySourceApi {
    let client = Client::builder(emulator.base_url())
        .api_token(token)
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a loopback client");
    IdentitySourceApi::new(client)
}

/// A user with every standard attribute and one custom attribute.
pub fn user(n: usize) -> IdentitySourceUserForUpsert {
    IdentitySourceUserForUpsert {
        external_id: format!("emp-{n}"),
        profile: IdentitySourceUserProfileForUpsert {
            user_name: Some(format!("user{n}@example.com")),
            email: Some(format!("user{n}@example.com")),
            first_name: Some(Some(format!("First{n}"))),
            last_name: Some(Some("Last".into())),
            additional_properties: [("department".to_string(), "R&D".to_string())].into(),
            ..Default::default()
        },
    }
}

/// An upsert of users `range`.
pub fn upsert(range: std::ops::Range<usize>) -> BulkUpsertRequestBody {
    BulkUpsertRequestBody {
        entity_type: IdentitySourceEntityType::Users,
        profiles: range.map(user).collect(),
    }
}

/// A delete of users `range`.
pub fn delete(range: std::ops::Range<usize>) -> BulkDeleteRequestBody {
    BulkDeleteRequestBody {
        entity_type: IdentitySourceEntityType::Users,
        profiles: range
            .map(|n| IdentitySourceUserProfileForDelete {
                external_id: format!("emp-{n}"),
            })
            .collect(),
    }
}

/// The status, Okta error code and causes of a refused call.
pub fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, String, Vec<String>) {
    let error = result.expect_err("the call is refused");
    let Error::Api(api) = &error else {
        panic!("not an API error: {error}");
    };
    assert!(api.body.is_some(), "an Okta error body: {error}");
    let causes = error
        .error_causes()
        .into_iter()
        .map(str::to_owned)
        .collect();
    (
        api.meta.status.as_u16(),
        error.error_code().unwrap_or_default().to_owned(),
        causes,
    )
}

/// Waits (polling every millisecond, at most 5 s) until `done` holds.
pub async fn eventually(mut done: impl FnMut() -> bool) {
    for _ in 0..5000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("the condition did not hold within 5 s");
}

/// A session of `api`'s source holding an upload of users `range`, its import started: the
/// start's answer.
pub async fn started_import(
    api: &IdentitySourceApi,
    range: std::ops::Range<usize>,
) -> okta_identity_source::models::IdentitySourceSession {
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &upsert(range))
        .await
        .unwrap();
    api.start_import_from_identity_source(SOURCE, &session.id)
        .await
        .unwrap()
}
