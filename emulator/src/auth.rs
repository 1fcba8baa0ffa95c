//! Who may call what: `SSWS` API tokens may call everything; `Bearer` tokens issued by the
//! token endpoint may call what their scopes allow (FACTS.md: `.read` for reads, `.manage`
//! for writes). A `.manage` scope reads too, as Okta's `.manage` permissions include their
//! `.read` (its permissions catalog); neither FACTS.md nor the spec, which lists only `.read`
//! on list and get, says so of scopes.
//! Anything else is 401 E0000011.

use std::time::Instant;

use crate::error::OktaError;
use crate::oauth::{SCOPE_MANAGE, SCOPE_READ, TokenIssuer};

/// What an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// list and get.
    Read,
    /// create, delete, uploads, start-import.
    Manage,
}

impl Access {
    /// GET and HEAD read; every other method writes.
    pub(crate) fn of_method(method: &axum::http::Method) -> Self {
        if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
            Self::Read
        } else {
            Self::Manage
        }
    }
}

/// Checks the `Authorization` header (its raw bytes, if any).
pub(crate) fn authorize(
    header: Option<&[u8]>,
    access: Access,
    api_tokens: &[String],
    issuer: &TokenIssuer,
    now: Instant,
) -> Result<(), OktaError> {
    let header = header
        .and_then(|value| std::str::from_utf8(value).ok())
        .ok_or_else(OktaError::invalid_token)?;
    if let Some(token) = header.strip_prefix("SSWS ") {
        return if api_tokens.iter().any(|known| known == token) {
            Ok(())
        } else {
            Err(OktaError::invalid_token())
        };
    }
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(OktaError::invalid_token)?;
    let grant = issuer
        .grant(token, now)
        .ok_or_else(OktaError::invalid_token)?;
    let allowed = match access {
        Access::Read => grant.scopes.contains(SCOPE_READ) || grant.scopes.contains(SCOPE_MANAGE),
        Access::Manage => grant.scopes.contains(SCOPE_MANAGE),
    };
    if allowed {
        Ok(())
    } else {
        Err(OktaError::forbidden())
    }
}
