//! OAuth 2.0 service apps against a local token endpoint that checks every client
//! assertion: its signature against the app's public key, and its claims.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use okta_identity_source::{
    Client, Error, IdentitySourceApi, OAuthError, PrivateKey, RetryPolicy, ServiceApp,
};
use serde_json::{Value, json};
use tests::Logs;
use tracing_subscriber::util::SubscriberInitExt;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CLIENT_ID: &str = "0oa-service-app";
const TOKEN_PATH: &str = "/oauth2/v1/token";
const SESSION: &str = "/api/v1/identity-sources/0oa1/sessions/aps1";

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/oauth")
        .join(name)
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("test key fixture")
}

/// A token endpoint that verifies client assertions and hands out `at-1`, `at-2`, ….
struct TokenEndpoint {
    key: DecodingKey,
    algorithm: Algorithm,
    token_url: String,
    expires_in: u64,
    issued: AtomicU32,
    jtis: Mutex<HashSet<String>>,
    /// Every form the endpoint received, for the tests to inspect.
    forms: Mutex<Vec<Vec<(String, String)>>>,
}

impl TokenEndpoint {
    fn new(
        server: &MockServer,
        public_key: &str,
        algorithm: Algorithm,
        expires_in: u64,
    ) -> Arc<Self> {
        let pem = read_fixture(public_key);
        let key = match algorithm {
            Algorithm::ES256 => DecodingKey::from_ec_pem(&pem),
            _ => DecodingKey::from_rsa_pem(&pem),
        }
        .expect("public key fixture");
        Arc::new(Self {
            key,
            algorithm,
            token_url: format!("{}{TOKEN_PATH}", server.uri()),
            expires_in,
            issued: AtomicU32::new(0),
            jtis: Mutex::new(HashSet::new()),
            forms: Mutex::new(Vec::new()),
        })
    }

    fn issued(&self) -> u32 {
        self.issued.load(Ordering::SeqCst)
    }

    fn check(&self, form: &[(String, String)]) -> Result<Value, String> {
        let field = |name: &str| {
            form.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
                .ok_or(format!("no {name}"))
        };
        if field("grant_type")? != "client_credentials" {
            return Err("grant_type".into());
        }
        if field("client_assertion_type")?
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        {
            return Err("client_assertion_type".into());
        }
        let mut validation = Validation::new(self.algorithm);
        validation.set_audience(&[&self.token_url]);
        validation.set_issuer(&[CLIENT_ID]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud"]);
        validation.leeway = 0;
        let token =
            jsonwebtoken::decode::<Value>(field("client_assertion")?, &self.key, &validation)
                .map_err(|error| format!("assertion rejected: {error}"))?;
        let claims = token.claims;
        if claims["sub"] != CLIENT_ID {
            return Err("sub is not the client id".into());
        }
        let lifetime = claims["exp"]
            .as_u64()
            .unwrap_or(0)
            .saturating_sub(claims["iat"].as_u64().unwrap_or(0));
        if !(1..=3600).contains(&lifetime) {
            return Err(format!("assertion lifetime {lifetime}s"));
        }
        let jti = claims["jti"].as_str().ok_or("no jti")?.to_owned();
        if !self.jtis.lock().expect("not poisoned").insert(jti) {
            return Err("jti reused".into());
        }
        Ok(json!({ "header_kid": token.header.kid, "scope": field("scope")? }))
    }
}

impl TokenEndpoint {
    fn answer(&self, request: &Request) -> ResponseTemplate {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        let checked = self.check(&form);
        self.forms.lock().expect("not poisoned").push(form);
        match checked {
            Ok(_) => {
                let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
                ResponseTemplate::new(200).set_body_json(json!({
                    "token_type": "Bearer",
                    "expires_in": self.expires_in,
                    "access_token": format!("at-{n}"),
                    "scope": "okta.identitySources.manage okta.identitySources.read"
                }))
            }
            Err(reason) => ResponseTemplate::new(401)
                .set_body_json(json!({ "error": "invalid_client", "error_description": reason })),
        }
    }
}

/// An org whose token endpoint knows `public_key` and answers after `delay` with tokens
/// valid for `expires_in` seconds, and whose API accepts the `accepted` tokens.
async fn org(
    public_key: &str,
    algorithm: Algorithm,
    expires_in: u64,
    delay: Duration,
    accepted: &[&str],
) -> (MockServer, Arc<TokenEndpoint>) {
    let server = MockServer::start().await;
    let endpoint = TokenEndpoint::new(&server, public_key, algorithm, expires_in);
    mount_token_endpoint(&server, &endpoint, delay).await;
    mount_api_accepting(&server, accepted).await;
    (server, endpoint)
}

/// The usual org: an RSA key, hour-long tokens handed out at once.
async fn rsa_org(accepted: &[&str]) -> (MockServer, Arc<TokenEndpoint>) {
    org(
        "rsa-public.pem",
        Algorithm::RS256,
        3600,
        Duration::ZERO,
        accepted,
    )
    .await
}

async fn mount_token_endpoint(server: &MockServer, endpoint: &Arc<TokenEndpoint>, delay: Duration) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(Answering(endpoint.clone(), delay))
        .mount(server)
        .await;
}

/// The token endpoint, answering after a delay so concurrent callers overlap.
struct Answering(Arc<TokenEndpoint>, Duration);

impl Respond for Answering {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.answer(request).set_delay(self.1)
    }
}

/// Answers `GET SESSION` with a session to `Bearer <token>` for each of `tokens`, and 401
/// to anything else.
async fn mount_api_accepting(server: &MockServer, tokens: &[&str]) {
    for token in tokens {
        Mock::given(method("GET"))
            .and(path(SESSION))
            .and(header("authorization", format!("Bearer {token}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "id": "aps1", "identitySourceId": "0oa1", "status": "CREATED", "importType": "INCREMENTAL",
                "created": "2022-04-04T15:56:05.000Z", "lastUpdated": "2022-04-04T15:56:05.000Z"
            })))
            .with_priority(1)
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(SESSION))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errorCode": "E0000011", "errorSummary": "Invalid token provided"
        })))
        .with_priority(2)
        .mount(server)
        .await;
}

/// The `Authorization` headers the API received, in order.
async fn authorizations_sent(server: &MockServer) -> Vec<String> {
    api_requests(server)
        .await
        .iter()
        .filter_map(|request| {
            request
                .headers
                .get("authorization")?
                .to_str()
                .ok()
                .map(str::to_owned)
        })
        .collect()
}

fn rsa_app() -> ServiceApp {
    let key = PrivateKey::from_pem(&read_fixture("rsa-private.pem")).expect("RSA key");
    ServiceApp::new(CLIENT_ID, key).key_id("kid-rsa-1")
}

fn api_for(server: &MockServer, app: ServiceApp) -> IdentitySourceApi {
    let client = Client::builder(server.uri())
        .service_app(app)
        .build()
        .expect("client");
    IdentitySourceApi::new(client)
}

async fn api_requests(server: &MockServer) -> Vec<Request> {
    let requests = server.received_requests().await.expect("recording is on");
    requests
        .into_iter()
        .filter(|request| request.url.path() == SESSION)
        .collect()
}

#[tokio::test]
async fn an_rsa_service_app_gets_a_token_and_calls_the_api_with_it() {
    let (server, endpoint) = rsa_org(&["at-1"]).await;
    let api = api_for(&server, rsa_app());

    let session = api
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect("authorised");
    assert_eq!(session.id, "aps1");
    api.get_identity_source_session("0oa1", "aps1")
        .await
        .expect("the cached token is reused");

    assert_eq!(endpoint.issued(), 1);
    let forms = endpoint.forms.lock().expect("not poisoned").clone();
    let scope = forms[0]
        .iter()
        .find(|(key, _)| key == "scope")
        .map(|(_, value)| value.as_str());
    assert_eq!(
        scope,
        Some("okta.identitySources.manage okta.identitySources.read")
    );
    let assertion = forms[0]
        .iter()
        .find(|(key, _)| key == "client_assertion")
        .map(|(_, value)| value.clone());
    let header =
        jsonwebtoken::decode_header(assertion.as_deref().unwrap_or_default()).expect("a JWT");
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some("kid-rsa-1"));
    for request in api_requests(&server).await {
        assert_eq!(
            request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer at-1")
        );
    }
}

#[tokio::test]
async fn an_ec_key_from_a_file_signs_with_es256_and_custom_scopes_are_sent() {
    let (server, endpoint) = org(
        "ec-public.pem",
        Algorithm::ES256,
        3600,
        Duration::ZERO,
        &["at-1"],
    )
    .await;
    let key = PrivateKey::from_pem_file(fixture("ec-private.pem")).expect("EC key");
    assert_eq!(key.algorithm(), "ES256");
    let app = ServiceApp::new(CLIENT_ID, key).scopes(["okta.identitySources.read"]);

    api_for(&server, app)
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect("authorised");
    assert_eq!(endpoint.issued(), 1);
    let forms = endpoint.forms.lock().expect("not poisoned").clone();
    assert!(forms[0].contains(&("scope".to_owned(), "okta.identitySources.read".to_owned())));
}

#[tokio::test]
async fn concurrent_first_calls_fetch_one_token() {
    let (server, endpoint) = org(
        "rsa-public.pem",
        Algorithm::RS256,
        3600,
        Duration::from_millis(150),
        &["at-1"],
    )
    .await;
    let api = api_for(&server, rsa_app());

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let api = api.clone();
        calls.spawn(async move { api.get_identity_source_session("0oa1", "aps1").await });
    }
    while let Some(result) = calls.join_next().await {
        result.expect("the task ran").expect("authorised");
    }
    assert_eq!(
        endpoint.issued(),
        1,
        "one token for twenty concurrent first calls"
    );
    assert_eq!(api_requests(&server).await.len(), 20);
}

#[tokio::test]
async fn a_token_is_renewed_shortly_before_it_expires() {
    // A one-second token is renewed when a fifth of its life is left: after 800 ms.
    let (server, endpoint) = org(
        "rsa-public.pem",
        Algorithm::RS256,
        1,
        Duration::ZERO,
        &["at-1", "at-2"],
    )
    .await;
    let api = api_for(&server, rsa_app());

    api.get_identity_source_session("0oa1", "aps1")
        .await
        .expect("authorised");
    api.get_identity_source_session("0oa1", "aps1")
        .await
        .expect("still the first token");
    tokio::time::sleep(Duration::from_millis(850)).await;
    api.get_identity_source_session("0oa1", "aps1")
        .await
        .expect("the renewed token");
    assert_eq!(
        authorizations_sent(&server).await,
        ["Bearer at-1", "Bearer at-1", "Bearer at-2"]
    );
    assert_eq!(endpoint.issued(), 2);
}

#[tokio::test]
async fn a_rejected_token_is_fetched_again_once() {
    let (server, endpoint) = rsa_org(&["at-2"]).await;
    let api = api_for(&server, rsa_app());

    let response = api
        .get_identity_source_session("0oa1", "aps1")
        .send()
        .await
        .expect("at-2 is accepted");
    assert_eq!(endpoint.issued(), 2, "at-1 was rejected and replaced once");
    assert_eq!(response.meta().attempts, 2);
    let sent: Vec<String> = api_requests(&server)
        .await
        .iter()
        .filter_map(|request| {
            request
                .headers
                .get("authorization")?
                .to_str()
                .ok()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(sent, ["Bearer at-1", "Bearer at-2"]);
}

#[tokio::test]
async fn a_token_rejected_again_is_not_fetched_a_third_time() {
    let (server, endpoint) = rsa_org(&[]).await;
    let api = IdentitySourceApi::new(
        Client::builder(server.uri())
            .service_app(rsa_app())
            .retry_policy(RetryPolicy::never())
            .build()
            .expect("client"),
    );

    let error = api
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect_err("always 401");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(401));
    assert_eq!(error.okta_error_code(), Some("E0000011"));
    assert_eq!(endpoint.issued(), 2);
    assert_eq!(api_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn invalid_client_is_a_clear_error_and_nothing_reaches_the_api() {
    // The endpoint knows the EC public key; the app signs with its RSA key.
    let (server, _) = org(
        "ec-public.pem",
        Algorithm::ES256,
        3600,
        Duration::ZERO,
        &["at-1"],
    )
    .await;

    let error = api_for(&server, rsa_app())
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect_err("refused");
    let Error::TokenSource(source) = &error else {
        panic!("expected a token source error, got {error:?}")
    };
    let oauth = source.downcast_ref::<OAuthError>().expect("an OAuthError");
    assert_eq!(oauth.status, 401);
    assert_eq!(oauth.error.as_deref(), Some("invalid_client"));
    let message = error.to_string();
    assert!(
        message.contains("the token endpoint answered 401: invalid_client (assertion rejected"),
        "{message}"
    );
    assert!(api_requests(&server).await.is_empty());
}

#[tokio::test]
async fn keys_assertions_and_tokens_are_never_shown() {
    let logs = Logs::default();
    let writer = logs.clone();
    let _subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .set_default();
    let (server, endpoint) = rsa_org(&[]).await;
    let builder = Client::builder(server.uri())
        .service_app(rsa_app())
        .retry_policy(RetryPolicy::never());
    let builder_debug = format!("{builder:?}");
    let client = builder.build().expect("client");
    let error = IdentitySourceApi::new(client.clone())
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect_err("401");

    let forms = endpoint.forms.lock().expect("not poisoned").clone();
    let assertion = forms[0]
        .iter()
        .find(|(key, _)| key == "client_assertion")
        .map(|(_, value)| value.clone())
        .expect("sent");
    let pem = String::from_utf8(read_fixture("rsa-private.pem")).expect("text");
    let key_line = pem.lines().nth(1).expect("a base64 line");
    assert!(
        logs.text().contains("getIdentitySourceSession"),
        "the subscriber saw the call"
    );
    let shown = [
        logs.text(),
        builder_debug,
        format!("{client:?}"),
        format!("{:?}", rsa_app()),
        format!("{error:?}"),
        error.to_string(),
    ];
    for text in shown {
        for secret in [key_line, assertion.as_str(), "at-1", "at-2"] {
            assert!(!text.contains(secret), "`{secret}` shown in: {text}");
        }
    }
}

#[test]
fn a_key_that_is_not_a_pem_private_key_is_a_config_error() {
    let error =
        PrivateKey::from_pem(b"-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----\n")
            .expect_err("not a key");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(!error.to_string().contains("bm9wZQ"), "{error}");
    let public = PrivateKey::from_pem(&read_fixture("rsa-public.pem")).expect_err("a public key");
    assert!(matches!(public, Error::Config(_)));
    let missing = PrivateKey::from_pem_file("/no/such/key.pem").expect_err("no file");
    assert!(
        missing.to_string().contains("/no/such/key.pem"),
        "{missing}"
    );
}
