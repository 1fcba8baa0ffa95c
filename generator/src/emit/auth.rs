//! The auth module: one constructor per security scheme of the document, so that a
//! credential is built with the header name, token URL and scopes the document gives.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::tokens::{docs, ident};
use crate::ir::{
    ACCESS_TOKEN, CLIENT_CREDENTIALS, ClientAuth, ClientCredentialsFlow, KeyLocation, SERVICE_APP,
    SchemeKind, Security, SecurityScheme,
};

/// `auth.rs`, or `None` when the document declares no scheme the client can use.
pub fn auth_module(security: &Security) -> Option<TokenStream> {
    if security.schemes.is_empty() {
        return None;
    }
    let functions = security.schemes.iter().map(scheme);
    let scopes = security.schemes.iter().filter_map(scopes);
    Some(quote! {
        //! Credentials for the security schemes of the API description: build one with a
        //! function of this module and pass it to
        //! [`ClientBuilder::auth`](crate::ClientBuilder::auth).

        #(#functions)*
        #(#scopes)*
    })
}

/// The functions (and scopes) of one scheme.
fn scheme(scheme: &SecurityScheme) -> TokenStream {
    let name = ident(&scheme.rust_name);
    let origin = format!("Scheme `{}` of the API description.", scheme.name);
    let described = scheme.description.as_deref().unwrap_or_default();
    match &scheme.kind {
        SchemeKind::ApiKey {
            location,
            name: key,
        } => {
            let (place, location) = match location {
                KeyLocation::Header => ("header", quote!(Header)),
                KeyLocation::Query => ("query parameter", quote!(Query)),
                KeyLocation::Cookie => ("cookie", quote!(Cookie)),
            };
            let how = format!("An API key, sent as the `{key}` {place}.");
            let docs = docs([how.as_str(), described, &origin]);
            quote! {
                #docs
                pub fn #name(key: impl Into<String>) -> crate::Auth {
                    crate::Auth::api_key(crate::ApiKeyLocation::#location, #key, key)
                }
            }
        }
        SchemeKind::VendorToken => {
            let docs = docs([
                "An API token, sent as `Authorization: SSWS <token>`.",
                described,
                &origin,
            ]);
            quote! {
                #docs
                pub fn #name(token: impl Into<String>) -> crate::Auth {
                    crate::Auth::api_token(token)
                }
            }
        }
        SchemeKind::Bearer => {
            let docs = docs([
                "A token, sent as `Authorization: Bearer <token>`.",
                described,
                &origin,
            ]);
            quote! {
                #docs
                pub fn #name(token: impl Into<String>) -> crate::Auth {
                    crate::Auth::access_token(token)
                }
            }
        }
        SchemeKind::Basic => {
            let docs = docs([
                "A user name and password, sent as `Authorization: Basic …`.",
                described,
                &origin,
            ]);
            quote! {
                #docs
                pub fn #name(user: impl Into<String>, password: impl Into<String>) -> crate::Auth {
                    crate::Auth::basic(user, password)
                }
            }
        }
        SchemeKind::OAuth2 { client_credentials } => {
            let stem = scheme.rust_name.trim_start_matches("r#");
            let access_token = format_ident!("{stem}{ACCESS_TOKEN}");
            let docs = docs([
                "An OAuth 2.0 access token you already have, sent as\n`Authorization: Bearer <token>`.",
                described,
                &origin,
            ]);
            let flow = client_credentials
                .as_ref()
                .map(|flow| client_credentials_flow(scheme, flow));
            quote! {
                #docs
                pub fn #access_token(token: impl Into<String>) -> crate::Auth {
                    crate::Auth::access_token(token)
                }

                #flow
            }
        }
    }
}

/// The name of the constant that holds the scopes of a scheme's client-credentials flow.
fn scopes_name(scheme: &SecurityScheme) -> proc_macro2::Ident {
    let stem = scheme.rust_name.trim_start_matches("r#");
    format_ident!("{}_SCOPES", stem.to_ascii_uppercase())
}

/// The scopes a scheme's client-credentials flow asks for by default, if it has one.
fn scopes(scheme: &SecurityScheme) -> Option<TokenStream> {
    let SchemeKind::OAuth2 {
        client_credentials: Some(flow),
    } = &scheme.kind
    else {
        return None;
    };
    let name = scopes_name(scheme);
    let scopes = &flow.scopes;
    let text = format!(
        "The OAuth 2.0 scopes of scheme `{}` that the operations of this crate require:\nwhat a token is asked for unless other scopes are set.",
        scheme.name
    );
    let docs = docs([text.as_str()]);
    Some(quote! {
        #docs
        pub const #name: &[&str] = &[#(#scopes),*];
    })
}

/// The function that starts a scheme's client-credentials flow.
fn client_credentials_flow(scheme: &SecurityScheme, flow: &ClientCredentialsFlow) -> TokenStream {
    let stem = scheme.rust_name.trim_start_matches("r#");
    let scopes_name = scopes_name(scheme);
    let token_url = &flow.token_url;
    let (text, function) = match flow.client_auth {
        ClientAuth::ClientSecret => {
            let function = format_ident!("{stem}{CLIENT_CREDENTIALS}");
            let text = format!(
                "OAuth 2.0 client credentials: access tokens from `{token_url}` for a client id\nand secret, asking for [`{scopes_name}`], cached and renewed. The secret is sent\nwith HTTP Basic authentication (`client_secret_basic`), or in the form with\n[`client_secret_post`](crate::ClientCredentials::client_secret_post)."
            );
            let function = quote! {
                pub fn #function(client_id: impl Into<String>, client_secret: impl Into<String>) -> crate::ClientCredentials {
                    crate::ClientCredentials::new(#token_url, client_id, client_secret).scopes(#scopes_name.iter().copied())
                }
            };
            (text, function)
        }
        ClientAuth::PrivateKeyJwt => {
            let function = format_ident!("{stem}{SERVICE_APP}");
            let text = format!(
                "An OAuth 2.0 service app: access tokens from `{token_url}` with a client assertion\nsigned by the app's private key (`private_key_jwt`), asking for [`{scopes_name}`],\ncached and renewed."
            );
            let function = quote! {
                #[cfg(feature = "private-key-jwt")]
                pub fn #function(client_id: impl Into<String>, key: crate::PrivateKey) -> crate::ServiceApp {
                    crate::ServiceApp::new(#token_url, client_id, key).scopes(#scopes_name.iter().copied())
                }
            };
            (text, function)
        }
    };
    let origin = format!("Scheme `{}` of the API description.", scheme.name);
    let docs = docs([text.as_str(), &origin]);
    quote! {
        #docs
        #function
    }
}
