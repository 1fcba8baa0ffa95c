//! The HTTP runtime every operation goes through: configuration and auth, request
//! building, retries, response decoding and errors. It does not depend on the API
//! description; the generated modules only describe each request.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod additional;
mod auth;
mod base_url;
mod call;
mod client;
#[doc(hidden)]
pub mod codegen;
mod conventions;
mod decode;
mod error;
mod exchange;
mod form;
mod json_body;
mod json_value;
mod multipart;
mod nullable;
#[cfg(feature = "oauth")]
mod oauth;
#[cfg(feature = "private-key-jwt")]
mod private_key;
mod query;
mod reached;
mod tagged;
mod tls;
#[cfg(feature = "oauth")]
mod token_cache;
mod user_agent;

pub use auth::{ApiKeyLocation, Auth, BoxError, TokenFuture, TokenSource};
pub use call::{Call, CallProgress, Progress, RateLimit, Response, ResponseMeta, Retries};
pub use client::{Client, ClientBuilder, RetryPolicy, Retrying};
pub use error::{ApiError, ConfigError, Error, ErrorBody, Result};
pub use json_body::JsonBody;
pub use multipart::FilePart;
#[cfg(feature = "private-key-jwt")]
pub use oauth::ServiceApp;
#[cfg(feature = "oauth")]
pub use oauth::{ClientCredentials, OAuthError};
#[cfg(feature = "private-key-jwt")]
pub use private_key::PrivateKey;
/// The HTTP client the runtime is built on, re-exported so an injected client
/// ([`ClientBuilder::http_client`]) has the same version.
pub use reqwest;
pub use tls::http_client_builder;
