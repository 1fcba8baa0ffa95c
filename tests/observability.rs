//! The client's `tracing` output: one span per call with the operation, events per attempt,
//! and never a token, at every level down to TRACE (reqwest's and hyper's events included).

use std::io::Write;
use std::sync::{Arc, Mutex};

use okta_identity_source::{Client, IdentitySourceApi, RetryPolicy};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::util::SubscriberInitExt;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "secret-token-4711";

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn events_describe_each_attempt_and_never_show_the_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = subscriber.set_default();

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
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

    let output =
        String::from_utf8(captured.0.lock().expect("not poisoned").clone()).expect("utf-8");
    assert!(
        !output.contains(TOKEN),
        "the token leaked into tracing output:\n{output}"
    );
    for expected in [
        "operation=\"deleteIdentitySourceSession\"",
        "method=DELETE",
        "path=\"/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}\"",
        "attempt failed attempt=1 status=503",
        "retrying attempt=1",
        "response attempt=2 status=204",
        "elapsed_ms=",
    ] {
        assert!(
            output.contains(expected),
            "`{expected}` missing from:\n{output}"
        );
    }
}
