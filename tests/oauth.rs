//! OAuth 2.0 service apps against a local token endpoint that checks every client
//! assertion: its signature against the app's public key, and its claims.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use okta_identity_source::{
    Client, Error, IdentitySourceApi, OAuthError, PrivateKey, RetryPolicy, ServiceApp, auth,
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
    auth::oauth2_service_app(CLIENT_ID, key).key_id("kid-rsa-1")
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
    let app = auth::oauth2_service_app(CLIENT_ID, key).scopes(["okta.identitySources.read"]);

    api_for(&server, app)
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect("authorised");
    assert_eq!(endpoint.issued(), 1);
    let forms = endpoint.forms.lock().expect("not poisoned").clone();
    assert!(forms[0].contains(&("scope".to_owned(), "okta.identitySources.read".to_owned())));
}

/// An RSA key in PKCS#1 (`BEGIN RSA PRIVATE KEY`) signs assertions the endpoint verifies
/// with the same public key as its PKCS#8 form.
#[tokio::test]
async fn a_pkcs1_rsa_key_signs_assertions_the_endpoint_verifies() {
    let (server, endpoint) = rsa_org(&["at-1"]).await;
    let key = PrivateKey::from_pem(&read_fixture("rsa-private-pkcs1.pem")).expect("PKCS#1 key");
    assert_eq!(key.algorithm(), "RS256");

    api_for(&server, auth::oauth2_service_app(CLIENT_ID, key))
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect("authorised");
    assert_eq!(endpoint.issued(), 1);
}

/// An encrypted key, PKCS#8 or the older PEM form, is refused with how to decrypt it.
#[test]
fn an_encrypted_key_is_a_config_error_that_says_how_to_decrypt_it() {
    for name in [
        "rsa-private-encrypted.pem",
        "rsa-private-pkcs1-encrypted.pem",
    ] {
        let error = PrivateKey::from_pem_file(fixture(name)).expect_err("encrypted");
        let said = error.to_string();
        assert!(
            said.contains("it is encrypted, and encrypted keys are not supported")
                && said.contains("openssl pkey -in key.pem -out plain.pem"),
            "{name}: {said}"
        );
        let pem = String::from_utf8(read_fixture(name)).expect("text");
        let body = pem.lines().filter(|line| line.len() > 40);
        assert!(body.clone().count() > 10, "{pem}");
        assert!(body.clone().all(|line| !said.contains(line)), "{said}");
    }
}

/// An EC key must be PKCS#8; the error says so, and shows nothing of the key.
#[test]
fn an_ec_key_in_sec1_form_is_a_config_error_that_asks_for_pkcs8() {
    let pem = read_fixture("ec-private-sec1.pem");
    let error = PrivateKey::from_pem(&pem).expect_err("SEC1 is not read");
    assert!(!error.message().is_empty(), "{error:?}");
    assert!(error.to_string().contains("PKCS#8"), "{error}");
    assert!(
        error
            .to_string()
            .contains("openssl pkcs8 -topk8 -nocrypt -in KEY"),
        "{error}"
    );
    let pem = String::from_utf8(pem).expect("text");
    let key_line = pem.lines().nth(1).expect("a base64 line");
    assert!(!error.to_string().contains(key_line), "{error}");
}

/// An RSA key too small for Okta is said to be, in PKCS#8 (openssl's default) as in PKCS#1:
/// the PKCS#8 one was said to be "neither an RSA nor an EC P-256 key".
#[test]
fn an_rsa_key_under_2048_bits_is_refused_as_too_small_in_either_form() {
    for name in ["rsa-private-1024.pem", "rsa-private-1024-pkcs1.pem"] {
        let error = PrivateKey::from_pem(&read_fixture(name)).expect_err("too small");
        assert!(
            error
                .to_string()
                .ends_with("an RSA key must be 2048 bits or more"),
            "{name}: {error}"
        );
    }
}

/// A private key whose PEM block was damaged (a line cut short, a character changed) is
/// said to be one, not "no private key"; and nothing of it is shown.
#[test]
fn a_damaged_private_key_block_is_said_to_be_one() {
    let pem = String::from_utf8(read_fixture("rsa-private.pem")).expect("text");
    let body_line = pem.lines().nth(3).expect("a line of the body").to_owned();
    for damaged in [
        pem.replacen(&body_line, &body_line[..body_line.len() - 3], 1),
        pem.replacen(
            &body_line,
            &format!("{}*{}", &body_line[..10], &body_line[11..]),
            1,
        ),
    ] {
        let error = PrivateKey::from_pem(damaged.as_bytes()).expect_err("damaged");
        let said = error.to_string();
        assert!(
            said.ends_with("its private key block does not read as PEM (cut short, or changed?)"),
            "{said}"
        );
        assert!(!said.contains(&body_line[..20]), "{said}");
    }
    let error = PrivateKey::from_pem(b"nothing here").expect_err("no key");
    assert!(error.to_string().ends_with("no private key"), "{error}");
}

/// A file of two private keys (an old and a new one) is refused: which one signs would be
/// a guess.
#[test]
fn a_file_of_two_private_keys_is_refused() {
    let both = [
        read_fixture("rsa-private.pem"),
        read_fixture("ec-private.pem"),
    ]
    .concat();
    // With Windows' line ends too.
    let crlf = String::from_utf8(both.clone())
        .unwrap()
        .replace('\n', "\r\n");
    for pem in [both, crlf.into_bytes()] {
        let error = PrivateKey::from_pem(&pem).expect_err("two keys");
        assert!(
            error
                .to_string()
                .ends_with("it holds 2 private keys; give the file of the service app's one"),
            "{error}"
        );
    }
}

/// A public key given for the private one is named as such.
#[test]
fn a_public_key_is_refused_as_one() {
    for name in ["rsa-public.pem", "ec-public.pem"] {
        let error = PrivateKey::from_pem(&read_fixture(name)).expect_err("not a private key");
        assert!(
            error
                .to_string()
                .ends_with("it is a public key; the service app signs with its private key"),
            "{name}: {error}"
        );
    }
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
    assert_eq!(error.error_code(), Some("E0000011"));
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

/// Everything logged on this thread while the second value (the subscriber's guard) lives.
fn capture_logs() -> (Logs, impl Sized) {
    // `tracing` caches per call site, for the whole process, whether anyone listens. With a
    // single subscriber installed, another test's thread (which has none) registering a call
    // site first caches "nobody", and this test's logs come back empty. A second, global,
    // subscriber that discards everything keeps every call site asked per event.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_writer(std::io::sink)
        .try_init();
    let logs = Logs::default();
    let writer = logs.clone();
    let guard = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .set_default();
    (logs, guard)
}

#[tokio::test]
async fn keys_assertions_and_tokens_are_never_shown() {
    let (logs, _subscriber) = capture_logs();
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
    assert!(!error.message().is_empty(), "{error:?}");
    assert!(!error.to_string().contains("bm9wZQ"), "{error}");
    let public = PrivateKey::from_pem(&read_fixture("rsa-public.pem")).expect_err("a public key");
    assert!(!public.message().is_empty());
    let missing = PrivateKey::from_pem_file("/no/such/key.pem").expect_err("no file");
    assert!(
        missing.to_string().contains("/no/such/key.pem"),
        "{missing}"
    );
    let public_file = fixture("rsa-public.pem");
    let error = PrivateKey::from_pem_file(&public_file).expect_err("a public key");
    let named = format!("private key {} is not a PEM", public_file.display());
    assert!(error.message().contains(&named), "{error}");
    // A device that never ends is read no further than a key file can be long.
    #[cfg(unix)]
    {
        let endless = PrivateKey::from_pem_file("/dev/zero").expect_err("not a key");
        assert!(endless.message().contains("larger than 1 MiB"), "{endless}");
    }
}

// ---------------------------------------------------------------------------------------
// A token endpoint that misbehaves
// ---------------------------------------------------------------------------------------

/// Answers token requests with each of `first` once, in turn, and with `then` ever after.
async fn mount_token_answers(
    server: &MockServer,
    first: impl IntoIterator<Item = ResponseTemplate>,
    then: ResponseTemplate,
) {
    let mut priority = 1;
    for answer in first {
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(answer)
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(server)
            .await;
        priority += 1;
    }
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(then)
        .with_priority(priority)
        .mount(server)
        .await;
}

/// A token answer with these fields.
fn token_answer(fields: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fields)
}

/// An org whose token endpoint answers `first` in turn, then `then`, and whose API
/// accepts `at-1`.
async fn org_answering(
    first: impl IntoIterator<Item = ResponseTemplate>,
    then: ResponseTemplate,
) -> MockServer {
    let server = MockServer::start().await;
    mount_token_answers(&server, first, then).await;
    mount_api_accepting(&server, &["at-1"]).await;
    server
}

async fn token_requests(server: &MockServer) -> Vec<Request> {
    let requests = server.received_requests().await.expect("recording is on");
    requests
        .into_iter()
        .filter(|request| request.url.path() == TOKEN_PATH)
        .collect()
}

fn api_with(server: &MockServer, policy: RetryPolicy) -> IdentitySourceApi {
    let client = Client::builder(server.uri())
        .service_app(rsa_app())
        .retry_policy(policy)
        .build()
        .expect("client");
    IdentitySourceApi::new(client)
}

/// Backoffs of a few milliseconds and a 50 ms margin after a rate-limit reset.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::with_max_retries(2)
        .backoff(Duration::from_millis(2), Duration::from_millis(10))
        .rate_limit_wait(Duration::from_millis(50), Duration::from_secs(5))
}

/// The token endpoint's failure behind `error`.
fn oauth_error(error: &Error) -> &OAuthError {
    let Error::TokenSource(source) = error else {
        panic!("expected a token source error, got {error:?}")
    };
    source
        .downcast_ref::<OAuthError>()
        .unwrap_or_else(|| panic!("expected an OAuthError, got {source:?}"))
}

/// `n` calls at the same moment, each one's outcome.
async fn concurrent_calls(api: &IdentitySourceApi, n: usize) -> Vec<Result<(), Error>> {
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..n {
        let api = api.clone();
        calls.spawn(async move {
            api.get_identity_source_session("0oa1", "aps1")
                .await
                .map(drop)
        });
    }
    calls.join_all().await
}

/// The `jti` does not come from the process's general-purpose generator: seeding that one
/// the same way twice still gives two different assertion ids (the endpoint refuses a
/// repeated one).
#[tokio::test]
async fn assertion_ids_come_from_the_os_generator() {
    let (server, endpoint) = rsa_org(&["at-1", "at-2"]).await;
    for _ in 0..2 {
        fastrand::seed(7);
        api_for(&server, rsa_app())
            .get_identity_source_session("0oa1", "aps1")
            .await
            .expect("a fresh assertion id is accepted");
    }
    assert_eq!(endpoint.issued(), 2);
    let jtis = endpoint.jtis.lock().expect("not poisoned").clone();
    assert_eq!(jtis.len(), 2, "{jtis:?}");
    for jti in jtis {
        assert!(
            jti.len() == 32 && jti.bytes().all(|b| b.is_ascii_hexdigit()),
            "128 bits as hex: {jti}"
        );
    }
}

/// The token answer is read under the same limit as API answers.
#[tokio::test]
async fn the_token_answer_is_held_to_max_response_bytes() {
    let padding = "x".repeat(64 * 1024);
    let server = org_answering(
        [],
        token_answer(json!({ "access_token": "at-1", "expires_in": 3600, "padding": padding })),
    )
    .await;
    let api = IdentitySourceApi::new(
        Client::builder(server.uri())
            .service_app(rsa_app())
            .max_response_bytes(4096)
            .build()
            .expect("client"),
    );

    let error = api
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect_err("too large");
    assert!(matches!(error, Error::TokenSource(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("larger than the limit of 4096 bytes"),
        "{error}"
    );
    assert!(api_requests(&server).await.is_empty());
}

/// Twenty callers waiting on a slow failing endpoint share its one answer.
#[tokio::test]
async fn callers_waiting_on_a_failing_fetch_share_its_failure() {
    let server = org_answering(
        [],
        ResponseTemplate::new(500)
            .set_body_json(json!({ "error": "server_error" }))
            .set_delay(Duration::from_millis(100)),
    )
    .await;
    let api = api_with(&server, fast_retries());

    for outcome in concurrent_calls(&api, 20).await {
        let error = outcome.expect_err("the endpoint fails");
        let oauth = oauth_error(&error);
        assert_eq!(oauth.status, 500);
        assert_eq!(oauth.error.as_deref(), Some("server_error"));
    }
    assert_eq!(token_requests(&server).await.len(), 1);
    assert!(api_requests(&server).await.is_empty());
}

/// Five callers waiting on a hanging endpoint share its one timeout (a token request timed
/// out is sent again, as it is safe to repeat: not here, with no retries).
#[tokio::test]
async fn callers_waiting_on_a_hanging_fetch_share_its_timeout() {
    let server = org_answering(
        [],
        token_answer(json!({ "access_token": "at-1", "expires_in": 3600 }))
            .set_delay(Duration::from_secs(1)),
    )
    .await;
    let api = IdentitySourceApi::new(
        Client::builder(server.uri())
            .service_app(rsa_app())
            .request_timeout(Duration::from_millis(200))
            .retry_policy(RetryPolicy::never())
            .build()
            .expect("client"),
    );

    for outcome in concurrent_calls(&api, 5).await {
        let error = outcome.expect_err("the endpoint hangs");
        assert!(matches!(error, Error::TokenSource(_)), "{error:?}");
        assert!(
            error.to_string().contains("no response within 200ms"),
            "{error}"
        );
    }
    assert_eq!(token_requests(&server).await.len(), 1);
}

/// After a failed fetch, callers get its failure at once until the next fetch is due (the
/// retry policy's backoff); then a new fetch is made.
#[tokio::test]
async fn after_a_failed_fetch_callers_fail_fast_until_the_next_is_due() {
    let server = org_answering(
        [ResponseTemplate::new(500)],
        token_answer(json!({ "access_token": "at-1", "expires_in": 3600 })),
    )
    .await;
    let policy =
        RetryPolicy::never().backoff(Duration::from_millis(400), Duration::from_millis(400));
    let api = api_with(&server, policy);
    let get = || api.get_identity_source_session("0oa1", "aps1");

    let first = get().await.expect_err("the first fetch fails");
    assert_eq!(oauth_error(&first).status, 500);
    let second = get().await.expect_err("the failure is handed out");
    assert_eq!(oauth_error(&second).status, 500);
    assert_eq!(
        token_requests(&server).await.len(),
        1,
        "no second fetch yet"
    );

    tokio::time::sleep(Duration::from_millis(450)).await;
    get().await.expect("the next fetch is made and succeeds");
    assert_eq!(token_requests(&server).await.len(), 2);
}

/// When renewing the token fails while it has not expired, calls go on with it and the
/// failure is logged (never the token); once it has expired, the failure is the caller's.
#[tokio::test]
async fn a_failed_renewal_falls_back_to_the_token_until_it_expires() {
    let (logs, _subscriber) = capture_logs();
    // A four-second token, renewed when 800 ms of it are left; every renewal fails. The
    // second call comes 150 ms after the renewal is due, with 650 ms to spare before the
    // token expires (room for a loaded machine).
    let server = org_answering(
        [token_answer(
            json!({ "access_token": "at-1", "expires_in": 4 }),
        )],
        ResponseTemplate::new(500).set_body_json(json!({ "error": "server_error" })),
    )
    .await;
    let api = api_with(&server, fast_retries());
    let get = || api.get_identity_source_session("0oa1", "aps1");

    get().await.expect("at-1 is fetched");
    tokio::time::sleep(Duration::from_millis(3350)).await;
    get()
        .await
        .expect("the renewal fails; at-1 has not expired and is used");
    assert!(
        token_requests(&server).await.len() > 1,
        "a renewal was tried"
    );
    assert_eq!(
        authorizations_sent(&server).await,
        ["Bearer at-1", "Bearer at-1"]
    );
    let text = logs.text();
    assert!(
        text.contains("WARN")
            && text.contains("renewing the access token failed; using the current one")
            && text.contains("the token endpoint answered 500: server_error"),
        "{text}"
    );
    assert!(!text.contains("at-1"), "the token is logged: {text}");

    tokio::time::sleep(Duration::from_millis(700)).await;
    let error = get().await.expect_err("at-1 has expired");
    assert_eq!(oauth_error(&error).status, 500);
    assert_eq!(
        api_requests(&server).await.len(),
        2,
        "an expired token is not sent"
    );
}

/// A 503 and a 429 from the token endpoint are retried as API calls are: the 429 after
/// its reset.
#[tokio::test]
async fn an_unavailable_or_rate_limited_token_endpoint_is_retried() {
    let date = "Sun, 06 Nov 1994 08:49:37 GMT";
    let server = org_answering(
        [
            ResponseTemplate::new(503).insert_header("x-okta-request-id", "req-503"),
            ResponseTemplate::new(429)
                .insert_header("date", date)
                .insert_header("x-okta-request-id", "req-429")
                .insert_header("x-rate-limit-reset", "784111777"),
        ],
        token_answer(json!({ "access_token": "at-1", "expires_in": 3600 })),
    )
    .await;

    api_with(&server, fast_retries())
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect("the third token request succeeds");
    assert_eq!(token_requests(&server).await.len(), 3);
    assert_eq!(authorizations_sent(&server).await, ["Bearer at-1"]);
}

/// A 429 whose reset is too far away is reported with Okta's error body.
#[tokio::test]
async fn a_rate_limited_token_request_is_reported_with_okta_s_error_body() {
    let server = org_answering(
        [],
        ResponseTemplate::new(429)
            .insert_header("date", "Sun, 06 Nov 1994 08:49:37 GMT")
            .insert_header("x-okta-request-id", "req-429")
            .insert_header("x-rate-limit-reset", "1784111777")
            .set_body_json(json!({
                "errorCode": "E0000047",
                "errorSummary": "API call exceeded rate limit due to too many requests.",
                "errorLink": "E0000047",
                "errorId": "oae-429",
                "errorCauses": []
            })),
    )
    .await;

    let error = api_with(&server, fast_retries())
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect_err("rate limited");
    let oauth = oauth_error(&error);
    assert_eq!(oauth.status, 429);
    assert_eq!(oauth.request_id.as_deref(), Some("req-429"));
    let body = oauth.body.as_ref().expect("the JSON error body");
    assert_eq!(body["errorCode"], "E0000047");
    assert!(
        error
            .to_string()
            .contains("answered 429: no OAuth error in the body {\"errorCauses\""),
        "{error}"
    );
    assert_eq!(token_requests(&server).await.len(), 1, "not waited for");
}

/// Without `expires_in` a token lives an hour: it is not fetched again for every call.
#[tokio::test]
async fn a_token_without_expires_in_is_kept_for_an_hour() {
    let server = org_answering([], token_answer(json!({ "access_token": "at-1" }))).await;
    let api = api_for(&server, rsa_app());
    for _ in 0..3 {
        api.get_identity_source_session("0oa1", "aps1")
            .await
            .expect("authorised");
    }
    assert_eq!(token_requests(&server).await.len(), 1);
}

/// An `expires_in` that is not a positive whole number of seconds is refused by name, and
/// its token never used.
#[tokio::test]
async fn nonsense_expires_in_is_refused() {
    for expires_in in [json!(0), json!(-5), json!(1.5), json!("3600"), json!(true)] {
        let server = org_answering(
            [],
            token_answer(json!({ "access_token": "at-1", "expires_in": expires_in })),
        )
        .await;
        let error = api_for(&server, rsa_app())
            .get_identity_source_session("0oa1", "aps1")
            .await
            .expect_err("refused");
        assert!(matches!(error, Error::TokenSource(_)), "{error:?}");
        // A number is shown; anything else only by its kind, as it may be a secret.
        let shown = match &expires_in {
            Value::String(_) => "a string".to_owned(),
            Value::Bool(_) => "a boolean".to_owned(),
            number => number.to_string(),
        };
        assert!(
            error.to_string().contains(&format!(
                "has `expires_in` {shown}, not a positive whole number"
            )),
            "{expires_in}: {error}"
        );
        assert!(api_requests(&server).await.is_empty(), "{expires_in}");
    }
}

/// A server whose token endpoint answers what `answer` makes of the client assertion sent.
async fn token_endpoint_answering(
    answer: impl Fn(&str) -> ResponseTemplate + Send + Sync + 'static,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(move |request: &Request| {
            let assertion = url::form_urlencoded::parse(&request.body)
                .find(|(key, _)| key == "client_assertion")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            answer(&assertion)
        })
        .mount(&server)
        .await;
    server
}

/// A 2xx token answer with no usable token is refused without a word of it quoted, not even
/// in serde_json's: any string of it may be the token, or the assertion echoed.
#[tokio::test]
async fn a_refused_token_answer_is_not_quoted() {
    type Answer = fn(&str) -> Value;
    let answers: [(Answer, &str); 4] = [
        (
            |_| json!("at-SECRET-1"),
            "it is not an object with an `access_token` string (line 1, column 13)",
        ),
        (
            |assertion| json!({ "error": assertion, "access_token": 7 }),
            "it is not an object with an `access_token` string",
        ),
        (
            |assertion| json!({ "access_token": ["at-SECRET-1", assertion] }),
            "it is not an object with an `access_token` string",
        ),
        (
            |assertion| json!({ "access_token": "at-1", "expires_in": assertion }),
            "has `expires_in` a string, not a positive whole number",
        ),
    ];
    for (answer, expected) in answers {
        let server = token_endpoint_answering(move |assertion| {
            ResponseTemplate::new(200).set_body_json(answer(assertion))
        })
        .await;
        mount_api_accepting(&server, &["at-1"]).await;
        let error = api_for(&server, rsa_app())
            .get_identity_source_session("0oa1", "aps1")
            .await
            .expect_err("refused");
        let shown = format!("{error} {error:?}");
        assert!(shown.contains(expected), "{shown}");
        // Every assertion is a JWT, whose text begins `eyJ` (`{"` in base64).
        assert!(
            !shown.contains("SECRET") && !shown.contains("eyJ"),
            "{shown}"
        );
        assert!(api_requests(&server).await.is_empty(), "{shown}");
    }
}

/// A refusal that echoes the assertion is read for its OAuth error all the same, the
/// assertion blanked out; one that is not JSON is shown by its start, blanked out too.
#[tokio::test]
async fn a_refusal_that_echoes_the_assertion_says_its_error_without_it() {
    type Answer = fn(&str) -> String;
    let answers: [(Answer, &str); 2] = [
        (
            |assertion| {
                json!({ "error": "invalid_client", "error_description": format!("bad assertion {assertion}") })
                    .to_string()
            },
            "answered 400: invalid_client (bad assertion [redacted])",
        ),
        (
            |assertion| format!("<html>bad assertion {assertion}</html>"),
            "answered 400: no OAuth error in the body, which starts with \"<html>bad assertion [redacted]</html>\"",
        ),
    ];
    for (answer, expected) in answers {
        let server = token_endpoint_answering(move |assertion| {
            ResponseTemplate::new(400).set_body_string(answer(assertion))
        })
        .await;
        let error = api_for(&server, rsa_app())
            .get_identity_source_session("0oa1", "aps1")
            .await
            .expect_err("refused");
        let shown = format!("{error} {error:?}");
        assert!(shown.contains(expected), "{shown}");
        assert!(!shown.contains("eyJ"), "{shown}");
    }
}

/// An access token that is empty or holds spaces or control characters is refused and
/// never sent, and the refusal does not show it.
#[tokio::test]
async fn a_malformed_access_token_is_refused_and_never_sent() {
    for token in ["", "at-1 extra", "at-1\u{7}", "at-1\n", "\u{e9}t\u{e9}"] {
        let server = org_answering(
            [],
            token_answer(json!({ "access_token": token, "expires_in": 3600 })),
        )
        .await;
        let error = api_for(&server, rsa_app())
            .get_identity_source_session("0oa1", "aps1")
            .await
            .expect_err("refused");
        assert!(
            matches!(error, Error::TokenSource(_)),
            "{token:?}: {error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains("an access token that is empty or holds characters"),
            "{token:?}: {message}"
        );
        assert!(token.is_empty() || !message.contains(token), "{message}");
        assert!(api_requests(&server).await.is_empty(), "{token:?}");
    }
}

/// Token requests carry the client's own User-Agent, suffix included.
#[tokio::test]
async fn the_token_request_carries_the_client_s_user_agent() {
    let (server, _) = rsa_org(&["at-1"]).await;
    let api = IdentitySourceApi::new(
        Client::builder(server.uri())
            .service_app(rsa_app())
            .user_agent_suffix("hr-sync/2.1")
            .build()
            .expect("client"),
    );
    api.get_identity_source_session("0oa1", "aps1")
        .await
        .expect("authorised");

    let requests = server.received_requests().await.expect("recording is on");
    let agents: Vec<(String, Option<&str>)> = requests
        .iter()
        .map(|request| {
            let agent = request.headers.get("user-agent");
            (
                request.url.path().to_owned(),
                agent.and_then(|v| v.to_str().ok()),
            )
        })
        .collect();
    let token_agent = agents[0].1.expect("the token request has a User-Agent");
    assert_eq!(token_agent, "okta-identity-source/0.1.0 hr-sync/2.1");
    assert_eq!(agents[0].0, TOKEN_PATH);
    assert_eq!(
        agents[1],
        (SESSION.to_owned(), Some(token_agent)),
        "as on API calls"
    );
}
