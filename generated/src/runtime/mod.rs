// Copied by `cargo xtask codegen` from templates/src/runtime/mod.rs. Do not edit.

//! The HTTP runtime every operation goes through: configuration and auth, request
//! building, retries, response decoding and errors. It does not depend on the API
//! description; the generated modules only describe each request.

mod base_url;
mod call;
mod client;
mod error;
mod exchange;
pub(crate) mod nullable;
#[cfg(feature = "service-app")]
mod oauth;
#[cfg(feature = "service-app")]
mod private_key;
mod query;
pub(crate) mod tagged;
mod tls;
#[cfg(feature = "service-app")]
mod token_cache;

#[allow(unused_imports)] // Used by API descriptions that have list parameters.
pub(crate) use call::joined;
pub(crate) use call::{PathSegment, Request};
pub use call::{Call, RateLimit, Response, ResponseMeta, Retries};
pub use client::{Auth, BoxError, Client, ClientBuilder, RetryPolicy, TokenFuture, TokenSource};
pub use error::{ApiError, ConfigError, Error, ErrorBody};
#[cfg(feature = "service-app")]
pub use oauth::{OAuthError, ServiceApp, DEFAULT_SCOPES};
#[cfg(feature = "service-app")]
pub use private_key::PrivateKey;
#[allow(unused_imports)] // Used by API descriptions that have object query parameters.
pub(crate) use query::ObjectStyle;
/// The HTTP client the runtime is built on, re-exported so an injected client
/// ([`ClientBuilder::http_client`]) has the same version.
pub use reqwest;
pub(crate) use reqwest::Method;
pub use tls::http_client_builder;
