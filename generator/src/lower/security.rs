//! Lowering `securitySchemes` and the vendor profile: what the client can authenticate
//! with, and whose conventions it follows.

use openapiv3::{APIKeyLocation, SecurityRequirement, SecurityScheme as OpenApiScheme};

use super::names::{self, snake};
use super::{Lowerer, resolve};
use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::{
    ClientAuth, ClientCredentialsFlow, KeyLocation, Profile, SchemeKind, Security, SecurityScheme,
};

/// The document-level extension that names the vendor profile.
pub const PROFILE_EXTENSION: &str = "x-client-profile";

impl Lowerer<'_> {
    /// The profile (`chosen`, else the document's) and every scheme the client supports;
    /// a scheme it cannot use is left out with a warning, as the others still work.
    pub(super) fn security(&mut self, chosen: Option<Profile>) -> Result<Security, Diagnostic> {
        let profile = match chosen {
            Some(profile) => Some(profile),
            None => self.document_profile()?,
        };
        if profile.is_none() {
            self.suggest_okta_profile();
        }
        let at = Pointer::root().push("components").push("securitySchemes");
        let components = self.document.components.as_ref();
        let declared = components.map(|components| &components.security_schemes);
        let mut schemes = Vec::new();
        let mut rust_names = names::Scope::with_reserved(&["self", "crate", "super"]);
        for (name, scheme) in declared.into_iter().flatten() {
            let scheme_at = at.push(name);
            let (scheme, scheme_at) = resolve(declared, "securitySchemes", scheme, &scheme_at)?;
            match self.scheme_kind(name, scheme, profile) {
                // A scheme's functions are named after it: all of them must be free.
                Ok(kind) => schemes.push(SecurityScheme {
                    name: name.clone(),
                    rust_name: rust_names.claim_stem(snake(name), kind.function_endings()),
                    description: description(scheme).map(str::to_owned),
                    kind,
                }),
                Err(why) => self.warnings.push(
                    Diagnostic::at(&scheme_at, why)
                        .with_help("authenticate with another scheme of the document")
                        .warning(),
                ),
            }
        }
        Ok(Security { profile, schemes })
    }

    /// Warns when the document's server is an Okta org's and no profile was chosen: without
    /// Okta's conventions an API token is sent bare, not as `SSWS <token>`, and Okta refuses it.
    fn suggest_okta_profile(&mut self) {
        let okta = self.document.servers.iter().position(|server| {
            let url = server.url.to_ascii_lowercase();
            url.contains("okta.com") || url.contains("{youroktadomain}")
        });
        if let Some(index) = okta {
            self.warnings.push(
                Diagnostic::at(
                    &Pointer::root().push("servers").push(index.to_string()),
                    "this is an Okta org's server, but the client is made without Okta's conventions: an API token would be sent without `SSWS`",
                )
                .with_help(format!("pass `--profile okta`, or set `{PROFILE_EXTENSION}: okta` in the document"))
                .warning(),
            );
        }
    }

    /// The profile `x-client-profile` names, if the document has one.
    fn document_profile(&self) -> Result<Option<Profile>, Diagnostic> {
        let Some(value) = self.document.extensions.get(PROFILE_EXTENSION) else {
            return Ok(None);
        };
        let at = Pointer::root().push(PROFILE_EXTENSION);
        let known = || {
            let names: Vec<&str> = Profile::ALL.iter().map(|(name, _)| *name).collect();
            format!("the known profiles are: {}", names.join(", "))
        };
        let name = value.as_str().ok_or_else(|| {
            Diagnostic::at(&at, format!("`{PROFILE_EXTENSION}` must be a string"))
                .with_help(known())
        })?;
        Profile::named(name).map(Some).ok_or_else(|| {
            Diagnostic::at(&at, format!("`{name}` is not a client profile")).with_help(known())
        })
    }

    /// What the scheme `name` is, or why the client cannot use it.
    fn scheme_kind(
        &self,
        name: &str,
        scheme: &OpenApiScheme,
        profile: Option<Profile>,
    ) -> Result<SchemeKind, String> {
        match scheme {
            OpenApiScheme::APIKey {
                location: location @ (APIKeyLocation::Header | APIKeyLocation::Cookie),
                name: key,
                ..
            } if !super::operations::is_header_name(key) => Err(format!(
                "`{}` is not a {} name HTTP can carry (ASCII letters, digits and `!#$%&'*+-.^_`|~`, with no spaces); the security scheme is left out",
                key.escape_debug(),
                if matches!(location, APIKeyLocation::Header) {
                    "header"
                } else {
                    "cookie"
                },
            )),
            OpenApiScheme::APIKey {
                location,
                name: key,
                ..
            } => Ok(api_key(location, key, profile)),
            OpenApiScheme::HTTP { scheme, .. } => match scheme.to_ascii_lowercase().as_str() {
                "bearer" => Ok(SchemeKind::Bearer),
                "basic" => Ok(SchemeKind::Basic),
                _ if scheme == crate::load::MUTUAL_TLS => Err(
                    "mutual TLS is set up on the connection, with the client's certificate, not sent by the generated client; the security scheme is left out".to_owned(),
                ),
                other => Err(format!(
                    "the HTTP authentication scheme `{other}` is not supported (only `bearer` and `basic` are); the security scheme is left out"
                )),
            },
            OpenApiScheme::OAuth2 { flows, .. } => {
                let client_credentials =
                    flows
                        .client_credentials
                        .as_ref()
                        .map(|flow| ClientCredentialsFlow {
                            token_url: flow.token_url.clone(),
                            scopes: self.scopes_used(name),
                            client_auth: match profile {
                                Some(Profile::Okta) => ClientAuth::PrivateKeyJwt,
                                None => ClientAuth::ClientSecret,
                            },
                        });
                Ok(SchemeKind::OAuth2 { client_credentials })
            }
            // The token an OpenID Connect provider issues is sent as a bearer token.
            OpenApiScheme::OpenIDConnect { .. } => Ok(SchemeKind::OAuth2 {
                client_credentials: None,
            }),
        }
    }

    /// The scopes the generated operations require of the scheme `name`, sorted.
    fn scopes_used(&self, name: &str) -> Vec<String> {
        self.scopes_by_scheme
            .get(name)
            .map(|scopes| scopes.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// Whether an operation with these security requirements (its own, or else the document's)
/// is sent with the client's credentials: not when none of them names a scheme
/// (`security: []`, `[{}]`), as the operation requires none. Where an empty requirement
/// stands beside others (`[{}, {bearer: []}]`), authentication is optional and the client's
/// credentials go with the request, since signing in may give more (private data, higher
/// limits). A document that says nothing leaves them on, as most documents that declare
/// schemes and forget the top-level `security` mean.
pub(super) fn sends_credentials<'r>(
    requirements: Option<impl IntoIterator<Item = &'r SecurityRequirement>>,
) -> bool {
    requirements.is_none_or(|requirements| {
        requirements
            .into_iter()
            .any(|requirement| !requirement.is_empty())
    })
}

/// An API key: Okta's `Authorization` header holds its own token scheme (`SSWS`).
fn api_key(location: &APIKeyLocation, name: &str, profile: Option<Profile>) -> SchemeKind {
    let location = match location {
        APIKeyLocation::Header => KeyLocation::Header,
        APIKeyLocation::Query => KeyLocation::Query,
        APIKeyLocation::Cookie => KeyLocation::Cookie,
    };
    let authorization =
        location == KeyLocation::Header && name.eq_ignore_ascii_case("authorization");
    match profile {
        Some(Profile::Okta) if authorization => SchemeKind::VendorToken,
        _ => SchemeKind::ApiKey {
            location,
            name: name.to_owned(),
        },
    }
}

fn description(scheme: &OpenApiScheme) -> Option<&str> {
    match scheme {
        OpenApiScheme::APIKey { description, .. }
        | OpenApiScheme::HTTP { description, .. }
        | OpenApiScheme::OAuth2 { description, .. }
        | OpenApiScheme::OpenIDConnect { description, .. } => description.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirements(json: &str) -> Vec<SecurityRequirement> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn credentials_are_left_off_only_where_no_requirement_names_a_scheme() {
        assert!(sends_credentials(None::<&Vec<SecurityRequirement>>));
        assert!(sends_credentials(Some(&requirements(
            r#"[{"bearer": []}]"#
        ))));
        assert!(sends_credentials(Some(&requirements(
            r#"[{"apiKey": []}, {"oauth2": ["read"]}]"#
        ))));
        assert!(!sends_credentials(Some(&requirements("[]"))));
        assert!(!sends_credentials(Some(&requirements("[{}]"))));
        assert!(sends_credentials(Some(&requirements(
            r#"[{"bearer": []}, {}]"#
        ))));
    }
}
