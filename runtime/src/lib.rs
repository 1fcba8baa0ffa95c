//! The HTTP runtime every operation goes through: configuration and auth, request
//! building, retries, response decoding and errors. It does not depend on the API
//! description; the generated modules only describe each request.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod base_url;
mod call;
mod client;
#[doc(hidden)]
pub mod codegen;
mod error;
mod exchange;
mod nullable;
#[cfg(feature = "private-key-jwt")]
mod oauth;
#[cfg(feature = "private-key-jwt")]
mod private_key;
mod query;
mod tagged;
mod tls;
#[cfg(feature = "private-key-jwt")]
mod token_cache;
mod user_agent;

pub use call::{Call, RateLimit, Response, ResponseMeta, Retries};
pub use client::{Auth, BoxError, Client, ClientBuilder, RetryPolicy, TokenFuture, TokenSource};
pub use error::{ApiError, ConfigError, Error, ErrorBody, Result};
#[cfg(feature = "private-key-jwt")]
pub use oauth::{OAuthError, ServiceApp, DEFAULT_SCOPES};
#[cfg(feature = "private-key-jwt")]
pub use private_key::PrivateKey;
/// The HTTP client the runtime is built on, re-exported so an injected client
/// ([`ClientBuilder::http_client`]) has the same version.
pub use reqwest;
pub use tls::http_client_builder;
