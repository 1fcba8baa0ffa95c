//! Authentication from the document's `securitySchemes`, and the vendor profile: what the
//! generator makes of them, and what the generated crate exposes.

use generator::ir::{
    ClientAuth, ClientCredentialsFlow, KeyLocation, Profile, SchemeKind, Security,
};
use generator::{Options, load, lower};

/// A document with one operation per tag (`a`, `b`) and the given `components` text.
fn document(extra_root: &str, components: &str) -> String {
    format!(
        "openapi: 3.0.3
info: {{title: t, version: '1'}}
{extra_root}
paths:
  /a:
    get:
      operationId: readA
      tags: [a]
      security:
        - oauth: [read, shared]
        - key: []
      responses:
        '204': {{description: ok}}
  /b:
    post:
      operationId: writeB
      tags: [b]
      security:
        - oauth: [write, shared]
      responses:
        '204': {{description: ok}}
components:
  securitySchemes:
{components}"
    )
}

const SCHEMES: &str = "    key: {type: apiKey, in: header, name: Authorization}
    query_key: {type: apiKey, in: query, name: api_key, description: The key.}
    cookie_key: {type: apiKey, in: cookie, name: session}
    bearer: {type: http, scheme: Bearer, bearerFormat: JWT}
    basic: {type: http, scheme: basic}
    digest: {type: http, scheme: digest}
    spaced_key: {type: apiKey, in: header, name: 'X Api Key:'}
    spaced_cookie: {type: apiKey, in: cookie, name: 'a session'}
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: 'https://auth.example.com/token', scopes: {read: r, write: w, shared: s, unused: u}}
        implicit: {authorizationUrl: 'https://auth.example.com/authorize', scopes: {}}
    oidc: {type: openIdConnect, openIdConnectUrl: 'https://auth.example.com/.well-known/openid-configuration'}
";

fn security(text: &str, options: &Options) -> Result<(Security, Vec<String>), String> {
    let document = load::load(text).map_err(|error| error.to_string())?;
    let api = lower::lower(&document, options).map_err(|error| error.to_string())?;
    let warnings = api.warnings.iter().map(ToString::to_string).collect();
    Ok((api.security, warnings))
}

fn kinds(security: &Security) -> Vec<(&str, &str, &SchemeKind)> {
    security
        .schemes
        .iter()
        .map(|scheme| {
            (
                scheme.name.as_str(),
                scheme.rust_name.as_str(),
                &scheme.kind,
            )
        })
        .collect()
}

fn flow(scopes: &[&str], client_auth: ClientAuth) -> SchemeKind {
    SchemeKind::OAuth2 {
        client_credentials: Some(ClientCredentialsFlow {
            token_url: "https://auth.example.com/token".into(),
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
            client_auth,
        }),
    }
}

#[test]
fn each_scheme_kind_lowers_and_an_unusable_one_is_left_out_with_a_warning() {
    let (security, warnings) =
        security(&document("", SCHEMES), &Options::default()).expect("lowers");
    assert_eq!(security.profile, None);
    let header = |name: &str| SchemeKind::ApiKey {
        location: KeyLocation::Header,
        name: name.into(),
    };
    assert_eq!(
        kinds(&security),
        [
            ("key", "key", &header("Authorization")),
            (
                "query_key",
                "query_key",
                &SchemeKind::ApiKey {
                    location: KeyLocation::Query,
                    name: "api_key".into()
                }
            ),
            (
                "cookie_key",
                "cookie_key",
                &SchemeKind::ApiKey {
                    location: KeyLocation::Cookie,
                    name: "session".into()
                }
            ),
            ("bearer", "bearer", &SchemeKind::Bearer),
            ("basic", "basic", &SchemeKind::Basic),
            (
                "oauth",
                "oauth",
                &flow(&["read", "shared", "write"], ClientAuth::ClientSecret)
            ),
            (
                "oidc",
                "oidc",
                &SchemeKind::OAuth2 {
                    client_credentials: None
                }
            ),
        ]
    );
    assert_eq!(security.schemes[1].description.as_deref(), Some("The key."));
    assert_eq!(
        warnings,
        [
            "at #/components/securitySchemes/digest: the HTTP authentication scheme `digest` is not supported (only `bearer` and `basic` are); the security scheme is left out (authenticate with another scheme of the document)",
            "at #/components/securitySchemes/spaced_key: `X Api Key:` is not a header name HTTP can carry (ASCII letters, digits and `!#$%&'*+-.^_`|~`, with no spaces); the security scheme is left out (authenticate with another scheme of the document)",
            "at #/components/securitySchemes/spaced_cookie: `a session` is not a cookie name HTTP can carry (ASCII letters, digits and `!#$%&'*+-.^_`|~`, with no spaces); the security scheme is left out (authenticate with another scheme of the document)",
        ]
    );
    assert_eq!(security.runtime_features(), ["oauth"]);
}

/// OpenAPI 3.1's `mutualTLS` scheme (the client's certificate, set up on the connection) is
/// left out with a warning, as another scheme the client can't send is: the whole document
/// was refused (`unknown variant mutualTLS`).
#[test]
fn a_mutual_tls_scheme_is_left_out_with_a_warning() {
    let text = document("", "    key: {type: apiKey, in: header, name: X-Key}\n    mtls: {type: mutualTLS, description: the client's certificate}\n")
        .replace("openapi: 3.0.3", "openapi: 3.1.0")
        .replace("- oauth: [read, shared]\n        - key: []", "- mtls: []\n        - key: []")
        .replace("- oauth: [write, shared]", "- key: []");
    let (security, warnings) = security(&text, &Options::default()).expect("lowers");
    assert_eq!(
        warnings,
        [
            "at #/components/securitySchemes/mtls: mutual TLS is set up on the connection, with the client's certificate, not sent by the generated client; the security scheme is left out (authenticate with another scheme of the document)"
        ]
    );
    let names: Vec<&str> = security.schemes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["key"]);
}

#[test]
fn a_token_asks_for_the_scopes_of_the_generated_operations_only() {
    let text = document("", SCHEMES);
    for (tag, scopes) in [("a", ["read", "shared"]), ("b", ["shared", "write"])] {
        let options = Options {
            tags: vec![tag.into()],
            ..Options::default()
        };
        let (security, _) = security(&text, &options).expect("lowers");
        let oauth = security
            .schemes
            .iter()
            .find(|scheme| scheme.name == "oauth")
            .expect("the OAuth scheme");
        assert_eq!(oauth.kind, flow(&scopes, ClientAuth::ClientSecret), "{tag}");
    }
}

#[test]
fn the_okta_profile_makes_authorization_keys_ssws_tokens_and_service_apps_sign() {
    let schemes = "    key: {type: apiKey, in: header, name: Authorization}
    other_key: {type: apiKey, in: header, name: X-Key}
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: 'https://auth.example.com/token', scopes: {}}
";
    let expected = |security: &Security| {
        assert_eq!(security.profile, Some(Profile::Okta));
        assert_eq!(security.schemes[0].kind, SchemeKind::VendorToken);
        assert_eq!(
            security.schemes[1].kind,
            SchemeKind::ApiKey {
                location: KeyLocation::Header,
                name: "X-Key".into()
            }
        );
        assert_eq!(
            security.schemes[2].kind,
            flow(&["read", "shared", "write"], ClientAuth::PrivateKeyJwt)
        );
        assert_eq!(security.runtime_features(), ["okta", "private-key-jwt"]);
    };
    let from_document = document("x-client-profile: okta", schemes);
    expected(
        &security(&from_document, &Options::default())
            .expect("lowers")
            .0,
    );
    let chosen = Options {
        profile: Some(Profile::Okta),
        ..Options::default()
    };
    expected(&security(&document("", schemes), &chosen).expect("lowers").0);

    let (standard, _) = security(&document("", schemes), &Options::default()).expect("lowers");
    assert_eq!(standard.profile, None);
    assert_eq!(
        standard.schemes[0].kind,
        SchemeKind::ApiKey {
            location: KeyLocation::Header,
            name: "Authorization".into()
        }
    );
    assert_eq!(standard.runtime_features(), ["oauth"]);
}

#[test]
fn an_unknown_profile_is_an_error_that_names_the_known_ones() {
    for (root, message) in [
        (
            "x-client-profile: acme",
            "at #/x-client-profile: `acme` is not a client profile (the known profiles are: okta)",
        ),
        (
            "x-client-profile: [okta]",
            "at #/x-client-profile: `x-client-profile` must be a string (the known profiles are: okta)",
        ),
    ] {
        let error = security(&document(root, SCHEMES), &Options::default()).expect_err(root);
        assert_eq!(error, message);
    }
}

#[test]
fn a_document_without_schemes_has_no_auth_module_and_needs_no_runtime_feature() {
    let text = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      operationId: a
      responses:
        '204': {description: ok}
";
    let (security, warnings) = security(text, &Options::default()).expect("lowers");
    assert_eq!(security, Security::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    let files = tests::generate_test_document(text).expect("generates");
    assert!(!files.iter().any(|file| file.path == "src/auth.rs"));
    let lib = files
        .iter()
        .find(|file| file.path == "src/lib.rs")
        .expect("lib.rs");
    assert!(!lib.contents.contains("pub mod auth"), "{}", lib.contents);
}

/// The public API documents of `tests/fixtures/specs/`, and the crate each generates.
const PUBLIC_APIS: &[(&str, &str)] = &[
    ("typesense", "typesense-api"),
    ("digitalocean", "digitalocean-api"),
    ("paypal", "paypal-products"),
];

/// Without the Okta profile a generated crate holds nothing of Okta: no name, code path or
/// runtime feature; its manifest turns on only the runtime features its schemes need.
#[test]
fn crates_generated_without_the_okta_profile_hold_nothing_of_okta() {
    for ((fixture, crate_name), features) in PUBLIC_APIS.iter().zip(["[]", "[]", "[\"oauth\"]"]) {
        let files = public_api_crate(fixture, crate_name);
        let manifest = &files
            .iter()
            .find(|file| file.path == "Cargo.toml")
            .expect("a manifest")
            .contents;
        assert!(
            manifest.contains(&format!("name = \"{crate_name}\"")),
            "{manifest}"
        );
        assert!(
            manifest.contains(&format!(
                "default-features = false, features = {features} }}"
            )),
            "{fixture}: {manifest}"
        );
        assert!(!manifest.contains("[features]"), "{fixture}: {manifest}");
    }
}

/// Generates a crate from each public API document, with its own name, beside a test crate
/// (`tests/fixtures/clients/calls.rs`) that calls each against a local server checking its
/// credentials, user agent and error bodies; builds them all with warnings denied, in the
/// target directory the fixture compile check shares, and runs the calls.
#[test]
fn crates_generated_from_public_apis_authenticate_as_their_documents_say() {
    let target = tests::workspace_root().join("target/generated-check");
    let root = target.join("public-apis");
    let _ = std::fs::remove_dir_all(&root);
    let mut members = Vec::new();
    for (fixture, crate_name) in PUBLIC_APIS {
        let files = public_api_crate(fixture, crate_name);
        let manifest = files
            .iter()
            .find(|file| file.path == "Cargo.toml")
            .expect("a manifest");
        assert!(
            !manifest.contents.to_ascii_lowercase().contains("okta"),
            "{fixture}: {}",
            manifest.contents
        );
        generator::write::write(&root.join(crate_name), &files).expect("write the crate");
        members.push(format!("{crate_name:?}"));
    }
    let calls = root.join("calls");
    std::fs::create_dir_all(calls.join("tests")).expect("the test crate's directory");
    std::fs::create_dir_all(calls.join("src")).expect("the test crate's directory");
    std::fs::write(calls.join("src/lib.rs"), "").expect("the test crate's library");
    std::fs::copy(
        tests::workspace_root().join("tests/fixtures/clients/calls.rs"),
        calls.join("tests/calls.rs"),
    )
    .expect("copy the calls");
    let dependencies: String = PUBLIC_APIS
        .iter()
        .map(|(_, name)| format!("{name} = {{ path = \"../{name}\" }}\n"))
        .collect();
    std::fs::write(
        calls.join("Cargo.toml"),
        format!(
            "[package]\nname = \"calls\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{dependencies}serde_json = \"1\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\nwiremock = \"0.6\"\n"
        ),
    )
    .expect("write the test crate's manifest");
    members.push("\"calls\"".into());
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n[patch.crates-io]\napi-client-runtime = {{ path = {:?} }}\n",
            members.join(", "),
            tests::workspace_root().join("runtime")
        ),
    )
    .expect("write the workspace manifest");
    std::fs::copy(
        tests::workspace_root().join("Cargo.lock"),
        root.join("Cargo.lock"),
    )
    .expect("copy Cargo.lock");

    tests::cargo_succeeds(
        &root,
        &target.join("target"),
        &["test", "--workspace", "--test", "calls"],
        "the calls failed",
    );
}

/// The crate generated from `tests/fixtures/specs/{fixture}.yaml`, named `crate_name`, and
/// checked to hold nothing of Okta.
fn public_api_crate(fixture: &str, crate_name: &str) -> Vec<generator::GeneratedFile> {
    let path = format!("tests/fixtures/specs/{fixture}.yaml");
    let text = std::fs::read_to_string(tests::workspace_root().join(&path)).expect("readable");
    let options = Options {
        source_name: path,
        crate_name: Some(crate_name.to_owned()),
        ..Options::default()
    };
    let generated = generator::generate(&text, &options).expect("generates");
    assert!(generated.warnings.is_empty(), "{:?}", generated.warnings);
    for file in &generated.files {
        assert!(
            !file.contents.to_ascii_lowercase().contains("okta"),
            "{fixture}: {} mentions Okta",
            file.path
        );
    }
    generated.files
}

/// An API key in the query or a cookie reaches the server there, and a failure to connect
/// does not show the key that was in the URL.
#[tokio::test]
async fn query_and_cookie_keys_reach_the_server_and_stay_out_of_errors() {
    use okta_identity_source::{ApiKeyLocation, Auth, Client, IdentitySourceApi};
    use wiremock::matchers::{header, method, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("api_key", "secret-q"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("cookie", "session=secret-c"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(&server)
        .await;
    for (location, name, key) in [
        (ApiKeyLocation::Query, "api_key", "secret-q"),
        (ApiKeyLocation::Cookie, "session", "secret-c"),
    ] {
        let client =
            Client::new(server.uri(), Auth::api_key(location, name, key)).expect("a client");
        let sessions = IdentitySourceApi::new(client)
            .list_identity_source_sessions("0oa1")
            .await
            .expect("accepted");
        assert!(sessions.is_empty());
    }

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}", closed.local_addr().expect("its address"));
    drop(closed);
    let client = Client::builder(url)
        .auth(Auth::api_key(ApiKeyLocation::Query, "api_key", "secret-q"))
        .retry_policy(okta_identity_source::RetryPolicy::never())
        .build()
        .expect("a client");
    let error = IdentitySourceApi::new(client)
        .list_identity_source_sessions("0oa1")
        .await
        .expect_err("nothing listens");
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("request failed"), "{shown}");
    assert!(!shown.contains("secret-q"), "{shown}");
}
