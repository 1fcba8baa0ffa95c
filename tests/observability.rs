//! The client's `tracing` output: one span per call with the operation, events per attempt,
//! and never a token, at every level down to TRACE (reqwest's and hyper's events included).

use okta_identity_source::{Client, IdentitySourceApi, RetryPolicy};
use tests::Logs;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::util::SubscriberInitExt;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "secret-token-4711";

#[tokio::test(flavor = "current_thread")]
async fn events_describe_each_attempt_and_never_show_the_token() {
    let captured = Logs::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = subscriber.set_default();

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).insert_header("x-okta-request-id", "req-503"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204).insert_header("x-okta-request-id", "req-204"))
        .mount(&server)
        .await;
    let policy = RetryPolicy::default().backoff(
        std::time::Duration::from_millis(1),
        std::time::Duration::from_millis(5),
    );
    let client = Client::builder(server.uri())
        .api_token(TOKEN)
        .retry_policy(policy)
        .build()
        .expect("client");
    IdentitySourceApi::new(client)
        .delete_identity_source_session("0oa1", "aps1")
        .await
        .expect("deleted after a retry");

    let output = captured.text();
    assert!(
        !output.contains(TOKEN),
        "the token leaked into tracing output:\n{output}"
    );
    for expected in [
        "operation=\"deleteIdentitySourceSession\"",
        "method=DELETE",
        "path=\"/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}\"",
        // With the request id, which Okta's support asks for.
        "attempt failed attempt=1 status=503 request_id=\"req-503\"",
        "retrying attempt=1",
        "response attempt=2 status=204 request_id=\"req-204\"",
        "elapsed_ms=",
    ] {
        assert!(
            output.contains(expected),
            "`{expected}` missing from:\n{output}"
        );
    }
}
