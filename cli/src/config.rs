//! Where to import to and how to sign in: flags first, then the environment. The API token
//! comes only from the environment (`OKTA_API_TOKEN`), so that `ps` never shows it.

use std::env::VarError;

use okta_identity_source::{Auth, Client, IdentitySourceApi, PrivateKey, auth};
use okta_identity_source_import::{LONGEST_OKTA_ID, is_okta_id};

use crate::args::Connection;
use crate::output::{retrying, terminal};

/// The environment variable that holds the API token.
pub const TOKEN_VARIABLE: &str = "OKTA_API_TOKEN";

/// A configuration that can't be used; the message says what to set.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl ConfigError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// An org and identity source to talk to, signed in.
#[derive(Clone)]
pub struct Target {
    /// The client for the Identity Source API.
    pub api: IdentitySourceApi,
    /// The org's URL, as the client reaches it.
    pub org: String,
    /// The identity source's id.
    pub source: String,
}

impl Connection {
    /// Builds the client from the flags, the environment (`read_env`: `std::env::var`, or a
    /// stand-in) and the private key file; unless `quiet`, it says when it waits a second or
    /// more to retry a request (a rate limit's reset can be a minute away).
    pub fn target(
        &self,
        read_env: impl Fn(&str) -> Result<String, VarError>,
        quiet: bool,
    ) -> Result<Target, ConfigError> {
        let org = self.org.clone().filter(|o| !o.trim().is_empty()).ok_or_else(|| {
            ConfigError("no Okta org: pass --org URL or set OKTA_ORG_URL (e.g. https://dev-123456.okta.com)".into())
        })?;
        // The API's paths begin with `/api/v1` already: an org URL with it (or a whole API
        // URL pasted) would double it.
        let path = org.split_once("://").map_or(org.as_str(), |(_, rest)| rest);
        if path.trim_end_matches('/').ends_with("/api/v1") || path.contains("/api/v1/") {
            return Err(ConfigError(
                "the org URL (--org or OKTA_ORG_URL) holds the API's path /api/v1: give the org \
                 alone, like https://dev-123456.okta.com"
                    .into(),
            ));
        }
        // Trimmed as the org URL and the token are (a line of a `.env` file may end in CR).
        let source = self
            .source
            .as_deref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ConfigError(
                    "no identity source: pass --source ID or set OKTA_IDENTITY_SOURCE_ID (0oa…)"
                        .into(),
                )
            })?;
        // It goes into every path of the API; anything but an Okta id (`..`, which the
        // client refuses later, or a typo) is said now.
        if !is_okta_id(&source) {
            return Err(ConfigError(format!(
                "the identity source id (--source or OKTA_IDENTITY_SOURCE_ID) is not an Okta id: \
                 those are letters and digits (at most {LONGEST_OKTA_ID}), like \
                 0oa1qqonvr2SZv6o70h8"
            )));
        }
        let auth = self.auth(&read_env)?;
        let token_set = read_env(TOKEN_VARIABLE).is_ok_and(|token| !token.trim().is_empty());
        if self.client_id.is_some() && token_set && !quiet {
            terminal::say(format_args!(
                "note: signing in as the service app of --client-id; {TOKEN_VARIABLE} is set \
                 too and is not used"
            ));
        }
        let mut client = Client::builder(org)
            .base_url_name("org URL (--org or OKTA_ORG_URL)")
            .auth(auth)
            .user_agent_suffix(concat!("okta-import/", env!("CARGO_PKG_VERSION")));
        if !quiet {
            client = client.on_retry(retrying::tell);
        }
        if let Some(timeout) = self.request_timeout {
            client = client.request_timeout(timeout);
        }
        let client = client
            .build()
            .map_err(|e| ConfigError(e.message().to_owned()))?;
        Ok(Target {
            org: client.base_url().as_str().trim_end_matches('/').to_owned(),
            api: IdentitySourceApi::new(client),
            source,
        })
    }

    /// The service app when `--client-id` is given, else the API token from the environment.
    fn auth(
        &self,
        read_env: &impl Fn(&str) -> Result<String, VarError>,
    ) -> Result<Auth, ConfigError> {
        if let (Some(client_id), Some(key_file)) = (&self.client_id, &self.private_key) {
            let client_id = client_id.trim();
            if client_id.is_empty() || client_id.contains(char::is_control) {
                return Err(ConfigError(
                    "the --client-id is empty or has a control character: give the service \
                     app's client id as Okta shows it (0oa…)"
                        .into(),
                ));
            }
            let key =
                PrivateKey::from_pem_file(key_file).map_err(|e| ConfigError(e.to_string()))?;
            warn_if_others_can_read(key_file);
            let mut app = auth::oauth2_service_app(client_id.to_owned(), key);
            if let Some(key_id) = &self.key_id {
                app = app.key_id(key_id.clone());
            }
            return Ok(Auth::service_app(app));
        }
        match read_env(TOKEN_VARIABLE) {
            Ok(token) if has_scheme(&token) => Err(ConfigError(format!(
                "{TOKEN_VARIABLE} begins with the SSWS scheme: set it to the token alone, as \
                 okta-import writes `SSWS ` before it"
            ))),
            // Not shown: only what is wrong with it.
            Ok(token) if token.trim().contains(char::is_control) => Err(ConfigError(format!(
                "{TOKEN_VARIABLE} has a control character (a line break?) inside it: set it to \
                 the API token alone, on one line"
            ))),
            Ok(token) if !token.trim().is_empty() => Ok(Auth::api_token(token.trim().to_string())),
            // The value is a secret: never shown, not even in part.
            Err(VarError::NotUnicode(_)) => Err(ConfigError(format!(
                "{TOKEN_VARIABLE} is not valid UTF-8: set it to the API token as Okta shows it"
            ))),
            Ok(_) | Err(VarError::NotPresent) => Err(ConfigError(format!(
                "no credentials: set {TOKEN_VARIABLE} to an API token, or pass --client-id and \
                 --private-key of a service app (and --key-id when its key has one)"
            ))),
        }
    }
}

/// Warns when users other than its owner can read the private key file `path`, as ssh does.
fn warn_if_others_can_read(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(metadata) = std::fs::metadata(path) else {
            return;
        };
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            terminal::say(format_args!(
                "warning: other users can read the private key {} (mode {mode:o}); \
                 `chmod 600` it",
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Whether an API token was given with its scheme (`SSWS 00abc…`), as it appears in an
/// `Authorization` header.
fn has_scheme(token: &str) -> bool {
    token
        .trim()
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("ssws "))
}
