//! The org authorization server's token endpoint, `/oauth2/v1/token`: the client-credentials
//! grant with `private_key_jwt` client authentication (FACTS.md, "Base URL and auth"), and
//! the access tokens it issued.
//!
//! The assertion is checked as Okta documents it: signed with the app's registered key
//! (RS256 or ES256), `iss` = `sub` = the client id, `aud` = the token URL, not expired, at
//! most one hour long, with a `jti` never used before. Errors follow RFC 6749 (`error`,
//! `error_description`); the descriptions are the emulator's own wording.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::StartError;
use crate::ids;

/// The read scope (FACTS.md): list and get.
pub const SCOPE_READ: &str = "okta.identitySources.read";
/// The write scope (FACTS.md): every other operation; it also allows reads.
pub const SCOPE_MANAGE: &str = "okta.identitySources.manage";

/// The assertion type RFC 7523 names for `private_key_jwt`.
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Okta refuses assertions that expire more than an hour after they are used.
const MAX_ASSERTION_LIFETIME_SECS: u64 = 3600;
/// How many `jti`s and access tokens are remembered at most; past it the oldest go.
const MAX_REMEMBERED: usize = 100_000;

/// An OAuth 2.0 service app the emulator knows: its client id, the public key its assertions
/// are checked with, and the scopes granted to it.
#[derive(Clone)]
pub struct ServiceApp {
    client_id: String,
    public_key_pem: Vec<u8>,
    key_id: Option<String>,
    scopes: BTreeSet<String>,
}

impl std::fmt::Debug for ServiceApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceApp")
            .field("client_id", &self.client_id)
            .field("key_id", &self.key_id)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ServiceApp {
    /// The app `client_id` whose assertions are signed by the private half of
    /// `public_key_pem` (an RSA or EC public key in PEM: one key), granted both scopes.
    pub fn new(client_id: impl Into<String>, public_key_pem: impl AsRef<[u8]>) -> Self {
        Self {
            client_id: client_id.into(),
            public_key_pem: public_key_pem.as_ref().to_vec(),
            key_id: None,
            scopes: [SCOPE_READ, SCOPE_MANAGE].map(String::from).into(),
        }
    }

    /// The key's id (`kid`) in the app's JSON Web Key Set: an assertion whose header names
    /// another `kid` is refused, as Okta finds no key of that id; one that names none is
    /// checked against the key. Default none: any `kid` is taken for this key.
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// The scopes granted to the app instead of both.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The app's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Whether the PEM holds more than one key (of which only the first would be read).
    pub(crate) fn has_several_keys(&self) -> bool {
        let begin = b"-----BEGIN ";
        self.public_key_pem
            .windows(begin.len())
            .filter(|window| window == begin)
            .count()
            > 1
    }

    /// The key to check assertions with, and the algorithms it checks: those Okta takes for
    /// `private_key_jwt` of the key's kind (RS256, RS384, RS512; ES256, ES384, each for its
    /// curve: an assertion signed for another curve does not check).
    pub(crate) fn key(&self) -> Option<(DecodingKey, &'static [Algorithm])> {
        // A private key's PEM reads as a key too, but no signature checks against it.
        let label = b"PRIVATE KEY-----";
        if self
            .public_key_pem
            .windows(label.len())
            .any(|window| window == label)
        {
            return None;
        }
        if let Ok(key) = DecodingKey::from_rsa_pem(&self.public_key_pem) {
            return Some((key, &[Algorithm::RS256, Algorithm::RS384, Algorithm::RS512]));
        }
        DecodingKey::from_ec_pem(&self.public_key_pem)
            .ok()
            .map(|key| (key, &[Algorithm::ES256, Algorithm::ES384][..]))
    }
}

/// A refusal of the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    /// A request the endpoint can't read (RFC 6749's `invalid_request`).
    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    fn client(description: impl Into<String>) -> Self {
        Self::new(401, "invalid_client", description)
    }

    pub(crate) fn body(&self) -> Vec<u8> {
        json!({ "error": self.error, "error_description": self.description })
            .to_string()
            .into_bytes()
    }
}

/// What an access token grants.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub scopes: BTreeSet<String>,
    pub expires: Instant,
}

struct RegisteredApp {
    client_id: String,
    key_id: Option<String>,
    key: DecodingKey,
    algorithms: &'static [Algorithm],
    scopes: BTreeSet<String>,
}

/// The claims read from an assertion.
#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    exp: Option<u64>,
    /// Not before: optional, and when given, the assertion is refused until then.
    nbf: Option<u64>,
    jti: Option<String>,
}

/// The token endpoint's state: the apps, the `jti`s already used, the tokens issued.
pub(crate) struct TokenIssuer {
    apps: Vec<RegisteredApp>,
    lifetime: Duration,
    /// The `jti`s of the assertions taken that have not expired, each by its
    /// [`fingerprint`](Self::jti_fingerprint), with when it expires: a `jti` may be as long as
    /// the form allows (hundreds of kilobytes), and what is kept of it stays sixteen bytes.
    used_jtis: HashMap<u128, u64>,
    /// The keys of the fingerprints, random for each issuer.
    jti_keys: [RandomState; 2],
    tokens: HashMap<String, Grant>,
}

impl TokenIssuer {
    /// The issuer for these apps; an error for an app whose key does not read, or whose
    /// client id an earlier app has.
    pub(crate) fn new(apps: &[ServiceApp], lifetime: Duration) -> Result<Self, StartError> {
        let mut client_ids = HashSet::new();
        let apps = apps
            .iter()
            .map(|app| {
                let client_id = || app.client_id.clone();
                if !client_ids.insert(&app.client_id) {
                    return Err(StartError::ServiceAppTwice {
                        client_id: client_id(),
                    });
                }
                if app.has_several_keys() {
                    return Err(StartError::SeveralKeys {
                        client_id: client_id(),
                    });
                }
                let (key, algorithms) = app.key().ok_or_else(|| StartError::PublicKey {
                    client_id: client_id(),
                })?;
                Ok(RegisteredApp {
                    client_id: app.client_id.clone(),
                    key_id: app.key_id.clone(),
                    key,
                    algorithms,
                    scopes: app.scopes.clone(),
                })
            })
            .collect::<Result<_, StartError>>()?;
        Ok(Self {
            apps,
            lifetime,
            used_jtis: HashMap::new(),
            jti_keys: [RandomState::new(), RandomState::new()],
            tokens: HashMap::new(),
        })
    }

    /// The grant of a Bearer token issued here (and not forgotten since), expired or not.
    pub(crate) fn grant(&self, token: &str) -> Option<&Grant> {
        self.tokens.get(token)
    }

    /// Answers a token request (an `application/x-www-form-urlencoded` body) whose
    /// assertion must name one of `audiences`; `unix_now` is the wall clock in epoch seconds.
    pub(crate) fn issue(
        &mut self,
        form: &[u8],
        audiences: &[String],
        now: Instant,
        unix_now: u64,
    ) -> Result<Value, OAuthError> {
        let form: HashMap<String, String> =
            url::form_urlencoded::parse(form).into_owned().collect();
        let field = |name: &str| form.get(name).map(String::as_str);
        if field("grant_type").is_none() {
            return Err(OAuthError::invalid_request(
                "The request is missing the grant_type parameter.",
            ));
        }
        if field("grant_type") != Some("client_credentials") {
            return Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].",
            ));
        }
        if field("client_assertion_type") != Some(ASSERTION_TYPE) {
            return Err(OAuthError::client(format!(
                "client_assertion_type must be {ASSERTION_TYPE}."
            )));
        }
        let assertion = field("client_assertion")
            .ok_or_else(|| OAuthError::client("The client_assertion is missing."))?;
        let app_scopes = self.verify(assertion, field("client_id"), audiences, unix_now)?;
        let scopes = requested_scopes(field("scope"), &app_scopes)?;
        Ok(self.grant_token(scopes, now))
    }

    /// Checks the assertion; returns the scopes granted to the app.
    fn verify(
        &mut self,
        assertion: &str,
        client_id: Option<&str>,
        audiences: &[String],
        unix_now: u64,
    ) -> Result<BTreeSet<String>, OAuthError> {
        let unverified: Claims = jsonwebtoken::dangerous::insecure_decode_claims(assertion)
            .map_err(|_| OAuthError::client("The client_assertion is not a valid JWT."))?;
        let issuer = unverified.iss.unwrap_or_default();
        if client_id.is_some_and(|id| id != issuer) {
            return Err(OAuthError::client(
                "client_id does not match the client_assertion's iss.",
            ));
        }
        let app = self
            .apps
            .iter()
            .find(|app| app.client_id == issuer)
            .ok_or_else(|| {
                OAuthError::client("The client_assertion's iss is not a known client.")
            })?;
        let kid = jsonwebtoken::decode_header(assertion)
            .map_err(|_| OAuthError::client("The client_assertion is not a valid JWT."))?
            .kid;
        if let (Some(registered), Some(kid)) = (&app.key_id, &kid)
            && registered != kid
        {
            return Err(OAuthError::client(
                "The client_assertion's kid names no key of the client.",
            ));
        }
        let mut validation = Validation::new(app.algorithms[0]);
        validation.algorithms = app.algorithms.to_vec();
        validation.set_audience(audiences);
        validation.set_issuer(&[&app.client_id]);
        validation.sub = Some(app.client_id.clone());
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        validation.leeway = 0;
        // Checked below against the service's clock, which may be set apart from this
        // machine's (jsonwebtoken reads this machine's).
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Claims>(assertion, &app.key, &validation)
            .map_err(|error| {
                OAuthError::client(format!("The client_assertion was refused: {error}."))
            })?
            .claims;
        let exp = claims.exp.unwrap_or(0);
        if exp <= unix_now {
            return Err(OAuthError::client("The client_assertion has expired."));
        }
        if exp.saturating_sub(unix_now) > MAX_ASSERTION_LIFETIME_SECS {
            return Err(OAuthError::client(
                "The client_assertion expires more than an hour from now.",
            ));
        }
        if claims.nbf.is_some_and(|nbf| nbf > unix_now) {
            return Err(OAuthError::client(
                "The client_assertion is not valid yet (its nbf is in the future).",
            ));
        }
        let scopes = app.scopes.clone();
        self.use_jti(claims.jti, exp, unix_now)?;
        Ok(scopes)
    }

    /// Remembers an assertion's `jti` until the assertion expires; one seen before is refused.
    fn use_jti(&mut self, jti: Option<String>, exp: u64, unix_now: u64) -> Result<(), OAuthError> {
        let jti = jti.ok_or_else(|| OAuthError::client("The client_assertion has no jti."))?;
        let jti = self.jti_fingerprint(&jti);
        self.used_jtis.retain(|_, expires| *expires >= unix_now);
        if self.used_jtis.contains_key(&jti) {
            return Err(OAuthError::client(
                "The client_assertion's jti was already used.",
            ));
        }
        if self.used_jtis.len() >= MAX_REMEMBERED {
            return Err(OAuthError::new(
                503,
                "temporarily_unavailable",
                "Too many client assertions are in use.",
            ));
        }
        self.used_jtis.insert(jti, exp);
        Ok(())
    }

    /// A `jti`'s 128-bit keyed hash: std's SipHash-1-3 under two keys of the process's random
    /// ones (the second's follow from the first's, which only an attacker who knows them
    /// could use). Two `jti`s that differ share one by chance alone; a false replay among
    /// the 100,000 remembered at most is as likely as guessing those keys.
    fn jti_fingerprint(&self, jti: &str) -> u128 {
        let [high, low] = &self.jti_keys;
        u128::from(high.hash_one(jti)) << 64 | u128::from(low.hash_one(jti))
    }

    fn grant_token(&mut self, scopes: BTreeSet<String>, now: Instant) -> Value {
        self.tokens.retain(|_, grant| now < grant.expires);
        if self.tokens.len() >= MAX_REMEMBERED
            && let Some(oldest) = self
                .tokens
                .iter()
                .min_by_key(|(_, grant)| grant.expires)
                .map(|(token, _)| token.clone())
        {
            self.tokens.remove(&oldest);
        }
        let token = ids::access_token();
        let scope = scopes.iter().cloned().collect::<Vec<_>>().join(" ");
        self.tokens.insert(
            token.clone(),
            Grant {
                scopes,
                expires: now + self.lifetime,
            },
        );
        json!({
            "token_type": "Bearer",
            "expires_in": self.lifetime.as_secs(),
            "access_token": token,
            "scope": scope,
        })
    }
}

/// The scopes asked for, each of which the app must have been granted.
fn requested_scopes(
    scope: Option<&str>,
    granted: &BTreeSet<String>,
) -> Result<BTreeSet<String>, OAuthError> {
    let requested: BTreeSet<String> = scope
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if requested.is_empty() {
        // Okta's answer when the org authorization server is asked for no scope.
        return Err(OAuthError::new(
            400,
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
        ));
    }
    let refused: Vec<_> = requested.difference(granted).cloned().collect();
    if !refused.is_empty() {
        return Err(OAuthError::new(
            400,
            "invalid_scope",
            format!(
                "The following scopes are not granted to the client: {}.",
                refused.join(" ")
            ),
        ));
    }
    Ok(requested)
}
