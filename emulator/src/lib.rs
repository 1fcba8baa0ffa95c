//! # An emulator of Okta's Identity Source API
//!
//! A local HTTP server that speaks the wire protocol of Okta's Identity Source import
//! sessions and enforces the real service's rules, so that import code can be tested without
//! an Okta org: the seven operations with the real statuses and bodies, `SSWS` API tokens
//! and OAuth 2.0 service apps (`private_key_jwt`), the limits (200 profiles and about 200 KB
//! a request, 50 requests and 10,000 users a session), the session lifecycle (one active
//! session per source, cool-down after an import, expiry of idle sessions), rate limits with
//! Okta's headers, and faults on demand. Every duration is configurable down to milliseconds.
//!
//! ```no_run
//! use std::time::Duration;
//! use okta_identity_source_emulator::{Emulator, Fault};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::builder()
//!     .identity_source("0oa1")
//!     .api_token("test-token")
//!     .cool_down(Duration::from_millis(50))
//!     .start()
//!     .await?;
//! // Point a client at emulator.base_url() with `Authorization: SSWS test-token`, then:
//! emulator.inject(Fault::Status { status: 503, count: 1 });
//! let sessions = emulator.sessions("0oa1");
//! let users = emulator.users("0oa1");
//! # let _ = (sessions, users);
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The rules live in plain data and a state machine apart from HTTP (`rules`, `service`);
//! the HTTP layer (axum on hyper) only reads requests and writes answers.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod batch;
mod custom_attributes;
mod directory;
mod emulator;
mod error;
mod faults;
mod http;
mod ids;
mod limits;
mod oauth;
mod profile;
mod rate_limit;
mod read_to_end;
mod recording;
mod rules;
mod server;
mod service;
mod session;
mod state;
mod wire;

pub use emulator::{Emulator, EmulatorBuilder, StartError};
pub use faults::Fault;
pub use limits::{Limits, MAX_CLOCK_SKEW};
pub use oauth::{SCOPE_MANAGE, SCOPE_READ, ServiceApp};
pub use recording::RecordedRequest;
pub use session::{DirectoryUser, SessionStatus, SessionView};
