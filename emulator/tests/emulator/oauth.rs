//! OAuth 2.0 end to end: the client's service app gets tokens from the emulator's token
//! endpoint and calls the API; wrong keys, expired or replayed assertions and missing scopes
//! are refused as Okta refuses them.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use okta_identity_source::{Client, Error, IdentitySourceApi, OAuthError, PrivateKey, RetryPolicy};
use okta_identity_source_emulator::{self as emulator, Emulator, SCOPE_READ};
use serde_json::{Value, json};

use crate::support::{SOURCE, builder, refusal, start, started_import};

const CLIENT_ID: &str = "0oa-service-app";
const RSA_PRIVATE: &[u8] = include_bytes!("../../../tests/fixtures/oauth/rsa-private.pem");
const RSA_PUBLIC: &[u8] = include_bytes!("../../../tests/fixtures/oauth/rsa-public.pem");
const EC_PRIVATE: &[u8] = include_bytes!("../../../tests/fixtures/oauth/ec-private.pem");
const EC_PUBLIC: &[u8] = include_bytes!("../../../tests/fixtures/oauth/ec-public.pem");
const EC384_PRIVATE: &[u8] = include_bytes!("../../../tests/fixtures/oauth/ec384-private.pem");
const EC384_PUBLIC: &[u8] = include_bytes!("../../../tests/fixtures/oauth/ec384-public.pem");

/// The client's service app signing with `private_key`, asking for `scopes` (or the default).
fn client(emulator: &Emulator, private_key: &[u8], scopes: Option<&[&str]>) -> IdentitySourceApi {
    let mut app = okta_identity_source::auth::oauth2_service_app(
        CLIENT_ID,
        PrivateKey::from_pem(private_key).expect("test key"),
    );
    if let Some(scopes) = scopes {
        app = app.scopes(scopes.iter().copied());
    }
    let client = Client::builder(emulator.base_url())
        .service_app(app)
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a loopback client");
    IdentitySourceApi::new(client)
}

async fn emulator_with_app(app: emulator::ServiceApp) -> Emulator {
    start(builder().service_app(app)).await
}

fn oauth_error(error: Error) -> OAuthError {
    let Error::TokenSource(source) = &error else {
        panic!("not a token error: {error}");
    };
    source
        .downcast_ref::<OAuthError>()
        .expect("an OAuthError")
        .clone()
}

#[tokio::test]
async fn a_service_app_with_an_rsa_or_ec_key_gets_a_token_and_imports() {
    for (private, public) in [(RSA_PRIVATE, RSA_PUBLIC), (EC_PRIVATE, EC_PUBLIC)] {
        let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, public)).await;
        let api = client(&emulator, private, None);
        started_import(&api, 0..3).await;
        assert_eq!(emulator.users(SOURCE).len(), 3);
        let requests = emulator.requests();
        let tokens = requests
            .iter()
            .filter(|r| r.path == "/oauth2/v1/token")
            .count();
        assert_eq!(tokens, 1, "one token serves every call");
        let api_call = requests
            .iter()
            .find(|r| r.path.starts_with("/api/"))
            .unwrap();
        assert_eq!(api_call.header("authorization"), Some("Bearer <redacted>"));
    }
}

#[tokio::test]
async fn an_assertion_signed_with_another_key_is_refused() {
    let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC)).await;
    let api = client(&emulator, EC_PRIVATE, None);
    let error = oauth_error(api.list_identity_source_sessions(SOURCE).await.unwrap_err());
    assert_eq!(
        (error.status, error.error.as_deref()),
        (401, Some("invalid_client"))
    );
}

#[tokio::test]
async fn an_assertion_naming_another_key_id_than_the_apps_is_refused() {
    let app = emulator::ServiceApp::new(CLIENT_ID, EC_PUBLIC).key_id("kid-1");
    let emulator = emulator_with_app(app).await;
    for (kid, taken) in [(Some("kid-1"), true), (None, true), (Some("kid-2"), false)] {
        let mut app = okta_identity_source::auth::oauth2_service_app(
            CLIENT_ID,
            PrivateKey::from_pem(EC_PRIVATE).expect("test key"),
        );
        if let Some(kid) = kid {
            app = app.key_id(kid);
        }
        let client = Client::builder(emulator.base_url())
            .service_app(app)
            .retry_policy(RetryPolicy::never())
            .build()
            .expect("a loopback client");
        let listed = IdentitySourceApi::new(client)
            .list_identity_source_sessions(SOURCE)
            .await;
        match (taken, listed) {
            (true, listed) => assert!(listed.is_ok(), "{kid:?}: {listed:?}"),
            (false, listed) => {
                let error = oauth_error(listed.unwrap_err());
                assert_eq!(
                    (error.status, error.error.as_deref()),
                    (401, Some("invalid_client"))
                );
            }
        }
    }
}

#[tokio::test]
async fn a_token_with_only_the_read_scope_reads_but_cannot_write() {
    let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC)).await;
    let api = client(&emulator, RSA_PRIVATE, Some(&[SCOPE_READ]));
    assert_eq!(api.list_identity_source_sessions(SOURCE).await.unwrap(), []);
    let (status, code, _) = refusal(api.create_identity_source_session(SOURCE).await);
    assert_eq!((status, code.as_str()), (403, "E0000006"));
}

/// Scopes are per operation, checked once the request is routed: a path the API does not
/// have is a 404 and a method it does not take a 405 whatever the token's scopes, and a
/// refused token or scope carries Okta's `WWW-Authenticate` challenge (RFC 6750).
#[tokio::test]
async fn a_token_refused_or_lacking_a_scope_is_told_why_in_a_challenge() {
    let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC)).await;
    let read_only = read_only_token(&emulator).await;
    let base = emulator.base_url();
    let sessions = format!("/api/v1/identity-sources/{SOURCE}/sessions");
    let http = reqwest::Client::new();
    let send = |method: reqwest::Method, path: &str, authorization: &str| {
        http.request(method, format!("{base}{path}"))
            .header("authorization", authorization)
            .send()
    };
    let challenge = |response: &reqwest::Response| {
        response
            .headers()
            .get("www-authenticate")
            .map(|value| value.to_str().unwrap().to_owned())
    };
    let read = send(reqwest::Method::GET, &sessions, &read_only)
        .await
        .unwrap();
    assert_eq!(read.status(), 200);

    let write = send(reqwest::Method::POST, &sessions, &read_only)
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
    assert_eq!(
        challenge(&write).as_deref(),
        Some(
            format!(
                "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", \
                 scope=\"okta.identitySources.manage\", error=\"insufficient_scope\", \
                 error_description=\"The access token provided does not contain the required \
                 scopes.\", resource=\"{sessions}\""
            )
            .as_str()
        )
    );
    let body: Value = write.json().await.unwrap();
    assert_eq!(body["errorCode"], "E0000006");

    for (method, path, status, code) in [
        (
            reqwest::Method::POST,
            "/api/v1/nowhere".to_owned(),
            404,
            "E0000008",
        ),
        (reqwest::Method::PUT, sessions.clone(), 405, "E0000022"),
    ] {
        let answer = send(method, &path, &read_only).await.unwrap();
        assert_eq!(answer.status(), status, "{path}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["errorCode"], code, "{path}");
    }

    // The scope named is the one the request's method needs.
    for (method, scope) in [
        (reqwest::Method::GET, "okta.identitySources.read"),
        (reqwest::Method::POST, "okta.identitySources.manage"),
    ] {
        let unknown = send(method, &sessions, "Bearer not-issued-here")
            .await
            .unwrap();
        assert_eq!(unknown.status(), 401);
        let told = challenge(&unknown).unwrap();
        assert!(
            told.contains(
                r#"error="invalid_token", error_description="The access token is invalid.""#
            ) && told.contains(&format!(r#"scope="{scope}""#)),
            "{told}"
        );
    }
    // An API token is no Bearer token: its refusal carries no challenge.
    let wrong_api_token = send(reqwest::Method::GET, &sessions, "SSWS wrong")
        .await
        .unwrap();
    assert_eq!(wrong_api_token.status(), 401);
    assert_eq!(challenge(&wrong_api_token), None);

    // A token past its lifetime, on an emulator whose tokens live 300 ms.
    let lifetime = std::time::Duration::from_millis(300);
    let short_lived = start(
        builder()
            .service_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC))
            .token_lifetime(lifetime),
    )
    .await;
    let token = read_only_token(&short_lived).await;
    // Issued before its answer came, so expired a lifetime after that.
    let answered = std::time::Instant::now();
    tokio::time::sleep_until((answered + lifetime).into()).await;
    let expired = http
        .get(format!("{}{sessions}", short_lived.base_url()))
        .header("authorization", token)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 401);
    let told = challenge(&expired).unwrap();
    assert!(
        told.contains(r#"error_description="The token has expired.""#),
        "{told}"
    );
}

/// `Bearer` and an access token with only the read scope, from `emulator`'s token endpoint.
async fn read_only_token(emulator: &Emulator) -> String {
    let (status, issued) = token(emulator, &assertion(emulator, json!({}))).await;
    assert_eq!(status, 200, "{issued}");
    format!("Bearer {}", issued["access_token"].as_str().unwrap())
}

#[tokio::test]
async fn a_token_request_without_a_grant_type_is_an_invalid_request() {
    let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC)).await;
    let response = reqwest::Client::new()
        .post(format!("{}/oauth2/v1/token", emulator.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("scope=okta.identitySources.read")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn a_scope_not_granted_to_the_app_is_refused_at_the_token_endpoint() {
    let app = emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC).scopes([SCOPE_READ]);
    let emulator = emulator_with_app(app).await;
    let api = client(&emulator, RSA_PRIVATE, None);
    let error = oauth_error(
        api.create_identity_source_session(SOURCE)
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (error.status, error.error.as_deref()),
        (400, Some("invalid_scope"))
    );
}

/// A client assertion made by hand, with `claims` merged over valid ones.
fn assertion(emulator: &Emulator, claims: Value) -> String {
    let key = EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap();
    signed(emulator, claims, Algorithm::RS256, &key)
}

/// [`assertion`], signed with `key` by `algorithm`.
fn signed(emulator: &Emulator, claims: Value, algorithm: Algorithm, key: &EncodingKey) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut all = json!({
        "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": format!("{}/oauth2/v1/token", emulator.base_url()),
        "iat": now, "exp": now + 300, "jti": format!("jti-{}", now),
    });
    for (key, value) in claims.as_object().unwrap() {
        all[key] = value.clone();
    }
    jsonwebtoken::encode(&Header::new(algorithm), &all, key).unwrap()
}

/// Posts a token request with `assertion`; the status and the body.
async fn token(emulator: &Emulator, assertion: &str) -> (u16, Value) {
    let response = token_response(emulator, assertion).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The answer to a token request with `assertion`.
async fn token_response(emulator: &Emulator, assertion: &str) -> reqwest::Response {
    token_sent_as(emulator, assertion, "application/x-www-form-urlencoded").await
}

/// The answer to a token request with `assertion`, its body said to be `content_type`.
async fn token_sent_as(
    emulator: &Emulator,
    assertion: &str,
    content_type: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/oauth2/v1/token", emulator.base_url()))
        .header("content-type", content_type)
        .body(format!(
            "grant_type=client_credentials&scope=okta.identitySources.read\
             &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
             &client_assertion={assertion}"
        ))
        .send()
        .await
        .unwrap()
}

/// The token endpoint counts its requests in a window of its own, as Okta does: the API's
/// used up leaves it whole, and past its own limit it answers Okta's 429.
#[tokio::test]
async fn the_token_endpoint_has_a_rate_limit_of_its_own() {
    let app = emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC);
    let window = std::time::Duration::from_secs(600);
    let emulator = start(builder().service_app(app).rate_limit(3, window)).await;
    let api = crate::support::api(&emulator);
    for _ in 0..3 {
        api.list_identity_source_sessions(SOURCE).await.unwrap();
    }
    let (status, _, _) = refusal(api.list_identity_source_sessions(SOURCE).await);
    assert_eq!(status, 429, "the API's window is used up");

    let remaining = |response: &reqwest::Response| {
        let value = response.headers().get("x-rate-limit-remaining");
        value.and_then(|value| value.to_str().ok()?.parse::<u32>().ok())
    };
    for (n, left) in [(1, 2), (2, 1), (3, 0)] {
        let jti = format!("jti-{n}");
        let response =
            token_response(&emulator, &assertion(&emulator, json!({ "jti": jti }))).await;
        assert_eq!(response.status(), 200, "token request {n}");
        assert_eq!(remaining(&response), Some(left), "token request {n}");
    }
    let response =
        token_response(&emulator, &assertion(&emulator, json!({ "jti": "jti-4" }))).await;
    assert_eq!(response.status(), 429);
    assert_eq!(remaining(&response), Some(0));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errorCode"], "E0000047");
}

/// A `jti` as long as the form allows is remembered (by a hash of it, which keeps what is
/// remembered small) and refused when used again, and one that differs from it in its last
/// character is not: replays are still told apart through the hash.
#[tokio::test]
async fn a_long_jti_is_refused_when_used_again() {
    let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC)).await;
    let long = "j".repeat(100_000);
    let first = assertion(&emulator, json!({ "jti": long }));
    assert_eq!(token(&emulator, &first).await.0, 200);
    let (status, body) = token(&emulator, &first).await;
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("invalid_client")),
        "{body}"
    );
    let other = format!("{}k", &long[1..]);
    let (status, body) = token(&emulator, &assertion(&emulator, json!({ "jti": other }))).await;
    assert_eq!(status, 200, "{body}");
}

/// Assertions are checked with the algorithms Okta takes for the app's kind of key, each
/// for its own curve.
#[tokio::test]
async fn assertions_signed_by_each_algorithm_of_the_keys_kind_are_taken() {
    let rsa = EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap();
    let p256 = EncodingKey::from_ec_pem(EC_PRIVATE).unwrap();
    let p384 = EncodingKey::from_ec_pem(EC384_PRIVATE).unwrap();
    let cases: [(&[u8], Algorithm, &EncodingKey, u16); 7] = [
        (RSA_PUBLIC, Algorithm::RS256, &rsa, 200),
        (RSA_PUBLIC, Algorithm::RS384, &rsa, 200),
        (RSA_PUBLIC, Algorithm::RS512, &rsa, 200),
        (EC_PUBLIC, Algorithm::ES256, &p256, 200),
        (EC384_PUBLIC, Algorithm::ES384, &p384, 200),
        // Another curve's algorithm does not check.
        (EC384_PUBLIC, Algorithm::ES256, &p256, 401),
        (EC_PUBLIC, Algorithm::ES384, &p384, 401),
    ];
    for (n, (public, algorithm, key, status)) in cases.into_iter().enumerate() {
        let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, public)).await;
        let assertion = signed(&emulator, json!({ "jti": format!("j{n}") }), algorithm, key);
        let (answered, body) = token(&emulator, &assertion).await;
        assert_eq!(answered, status, "{algorithm:?}: {body}");
    }
}

/// The token endpoint reads a form only when it is said to be one (RFC 6749, 4.4.2).
#[tokio::test]
async fn a_token_request_not_sent_as_a_form_is_refused() {
    let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC)).await;
    for content_type in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        let assertion = assertion(&emulator, json!({ "jti": content_type }));
        let response = token_sent_as(&emulator, &assertion, content_type).await;
        assert_eq!(response.status(), 400, "{content_type}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{content_type}: {body}");
    }
    let with_charset = "application/x-www-form-urlencoded; charset=UTF-8";
    let assertion = assertion(&emulator, json!({ "jti": "form" }));
    let response = token_sent_as(&emulator, &assertion, with_charset).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn expired_replayed_or_misaddressed_assertions_are_refused() {
    let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC)).await;
    let fresh = assertion(&emulator, json!({ "jti": "one" }));
    let (status, body) = token(&emulator, &fresh).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], SCOPE_READ);
    assert_eq!(body["expires_in"], 3600);

    let refused = [
        ("replayed", fresh),
        (
            "expired",
            assertion(&emulator, json!({ "jti": "two", "exp": 1_000_000 })),
        ),
        (
            "other audience",
            assertion(
                &emulator,
                json!({ "jti": "three", "aud": "https://x.okta.com/oauth2/v1/token" }),
            ),
        ),
        (
            "sub is not iss",
            assertion(&emulator, json!({ "jti": "four", "sub": "someone" })),
        ),
        (
            "unknown client",
            assertion(
                &emulator,
                json!({ "jti": "five", "iss": "0oa-other", "sub": "0oa-other" }),
            ),
        ),
        ("no jti", assertion(&emulator, json!({ "jti": null }))),
        (
            "a day long",
            assertion(&emulator, json!({ "jti": "six", "exp": 4_000_000_000u64 })),
        ),
        (
            "not valid yet",
            assertion(
                &emulator,
                json!({ "jti": "seven", "nbf": chrono::Utc::now().timestamp() + 600 }),
            ),
        ),
    ];
    for (case, assertion) in refused {
        let (status, body) = token(&emulator, &assertion).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{case}: {body}"
        );
    }
}

/// The assertion's expiry is judged by the service's clock: ten minutes ahead of this
/// machine's, an assertion good for five minutes by this machine's has expired.
#[tokio::test]
async fn an_assertion_expires_by_the_services_clock() {
    let app = emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC);
    for (minutes, taken) in [(0, true), (10, false)] {
        let skew = chrono::TimeDelta::minutes(minutes);
        let emulator = start(builder().service_app(app.clone()).clock_skew(skew)).await;
        let assertion = assertion(&emulator, json!({ "jti": "skewed" }));
        let (status, body) = token(&emulator, &assertion).await;
        match taken {
            true => assert_eq!(status, 200, "{body}"),
            false => assert_eq!(
                (status, body["error_description"].as_str()),
                (401, Some("The client_assertion has expired.")),
                "{body}"
            ),
        }
    }
}

/// The client's assertion refused because this machine's clock is off: the error says by
/// how much, from the token endpoint's `Date`, and which way.
#[tokio::test]
async fn a_refusal_says_how_far_this_machines_clock_is_from_the_services() {
    for (minutes, said) in [(10, "10 min behind"), (-90, "90 min ahead of")] {
        let app = emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC);
        let skew = chrono::TimeDelta::minutes(minutes);
        let emulator = start(builder().service_app(app).clock_skew(skew)).await;
        let api = client(&emulator, RSA_PRIVATE, None);
        let error = oauth_error(api.list_identity_source_sessions(SOURCE).await.unwrap_err());
        let difference = error.clock_difference.expect("told");
        assert!((difference - minutes * 60).abs() <= 2, "{difference}");
        assert!(
            error.to_string().ends_with(&format!(
                "; this machine's clock is {said} the token endpoint's (its Date header), and \
                 the client assertion is dated by it, which may be why it was refused"
            )),
            "{error}"
        );
    }
    // Seconds apart are not told.
    let app = emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC);
    let emulator = emulator_with_app(app).await;
    let api = client(&emulator, EC_PRIVATE, None);
    let error = oauth_error(api.list_identity_source_sessions(SOURCE).await.unwrap_err());
    assert_eq!(error.clock_difference, None);
    assert!(!error.to_string().contains("clock"), "{error}");
}

#[tokio::test]
async fn a_token_request_too_large_to_read_is_refused_in_oauths_shape() {
    let emulator = emulator_with_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC)).await;
    let (status, body) = token(&emulator, &"x".repeat(300 * 1024)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|text| text.contains("must be at most")),
        "{body}"
    );
    assert!(body.get("errorCode").is_none(), "{body}");
}

#[tokio::test]
async fn anything_but_a_known_ssws_or_issued_bearer_token_is_401_e0000011() {
    let emulator = start(builder()).await;
    let url = format!(
        "{}/api/v1/identity-sources/{SOURCE}/sessions",
        emulator.base_url()
    );
    for authorization in [
        None,
        Some("SSWS wrong"),
        Some("SSWStest-token"),
        Some("Bearer made-up"),
        Some("Basic dGVzdA=="),
    ] {
        let mut request = reqwest::Client::new().get(&url);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{authorization:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errorCode"], "E0000011");
        assert_eq!(body["errorSummary"], "Invalid token provided");
    }
}

#[tokio::test]
async fn a_client_id_registered_twice_stops_the_start() {
    let started = Emulator::builder()
        .service_app(emulator::ServiceApp::new("0oaApp", RSA_PUBLIC))
        .service_app(emulator::ServiceApp::new("0oaOther", RSA_PUBLIC))
        .service_app(emulator::ServiceApp::new("0oaApp", EC_PUBLIC))
        .start()
        .await;
    assert_eq!(
        started.unwrap_err().to_string(),
        "service app 0oaApp is registered twice; give each client id once"
    );
}

#[tokio::test]
async fn a_public_key_file_of_several_keys_stops_the_start() {
    let both = [RSA_PUBLIC, EC_PUBLIC].concat();
    let started = Emulator::builder()
        .service_app(emulator::ServiceApp::new("0oa-two", both))
        .start()
        .await;
    let error = started.unwrap_err().to_string();
    assert!(
        error.contains("the public key file of service app 0oa-two holds several keys"),
        "{error}"
    );
}

#[tokio::test]
async fn a_public_key_that_does_not_read_or_is_a_private_key_stops_the_start() {
    let keys: [&[u8]; 3] = [b"not a key", RSA_PRIVATE, EC_PRIVATE];
    for key in keys {
        let started = Emulator::builder()
            .service_app(emulator::ServiceApp::new("0oa-bad", key))
            .start()
            .await;
        let error = started.unwrap_err().to_string();
        assert!(
            error.contains("the public key of service app 0oa-bad"),
            "{error}"
        );
        assert!(
            error.contains("openssl pkey -in KEY.pem -pubout"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn an_access_token_is_refused_once_it_expires() {
    let emulator = start(
        builder()
            .service_app(emulator::ServiceApp::new(CLIENT_ID, RSA_PUBLIC))
            .token_lifetime(std::time::Duration::from_millis(500)),
    )
    .await;
    let (status, body) = token(
        &emulator,
        &assertion(&emulator, json!({ "jti": "lifetime" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    let call = || async {
        reqwest::Client::new()
            .get(format!(
                "{}/api/v1/identity-sources/{SOURCE}/sessions",
                emulator.base_url()
            ))
            .bearer_auth(&access_token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(call().await, 200);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(call().await, 401);
}
