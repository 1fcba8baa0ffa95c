//! Who may call what: `SSWS` API tokens may call everything; `Bearer` tokens issued by the
//! token endpoint may call what their scopes allow (FACTS.md: `.read` for reads, `.manage`
//! for writes). A `.manage` scope reads too, as Okta's `.manage` permissions include their
//! `.read` (its permissions catalog); neither FACTS.md nor the spec, which lists only `.read`
//! on list and get, says so of scopes.
//! Anything else is 401 E0000011.
//!
//! The token is checked before the request is routed ([`authenticate`]); its scopes after,
//! as Okta's are set per operation ([`Caller::may`]): a path the API does not have is a 404
//! and a method it does not take a 405 whatever the token's scopes.

use std::time::Instant;

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

    /// The scope an access token needs for it.
    pub(crate) fn scope(self) -> &'static str {
        match self {
            Self::Read => SCOPE_READ,
            Self::Manage => SCOPE_MANAGE,
        }
    }
}

/// Who sent a request, as its `Authorization` header proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    /// An API token (`SSWS`): every operation.
    ApiToken,
    /// An access token the token endpoint issued (`Bearer`), with what its scopes allow.
    ServiceApp { read: bool, manage: bool },
}

impl Caller {
    /// Whether the caller may do what needs `access`.
    pub(crate) fn may(self, access: Access) -> bool {
        match (self, access) {
            (Self::ApiToken, _) => true,
            (Self::ServiceApp { read, manage }, Access::Read) => read || manage,
            (Self::ServiceApp { manage, .. }, Access::Manage) => manage,
        }
    }
}

/// Why a request's `Authorization` was refused: 401 E0000011 either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unauthenticated {
    /// No token, one of a scheme the API does not take, an unknown API token, or more
    /// than one `Authorization` header.
    Token,
    /// A `Bearer` token not issued here, or expired: its answer carries RFC 6750's
    /// challenge (`WWW-Authenticate`), as Okta's does.
    Bearer { expired: bool },
}

/// Checks the `Authorization` headers (their raw bytes, in order).
pub(crate) fn authenticate<'h>(
    mut headers: impl Iterator<Item = &'h [u8]>,
    api_tokens: &[String],
    issuer: &TokenIssuer,
    now: Instant,
) -> Result<Caller, Unauthenticated> {
    let header = headers.next().ok_or(Unauthenticated::Token)?;
    // Two credentials name no one caller.
    if headers.next().is_some() {
        return Err(Unauthenticated::Token);
    }
    let header = std::str::from_utf8(header).map_err(|_| Unauthenticated::Token)?;
    if let Some(token) = header.strip_prefix("SSWS ") {
        return match api_tokens.iter().any(|known| known == token) {
            true => Ok(Caller::ApiToken),
            false => Err(Unauthenticated::Token),
        };
    }
    let token = header
        .strip_prefix("Bearer ")
        .ok_or(Unauthenticated::Token)?;
    let grant = issuer
        .grant(token)
        .ok_or(Unauthenticated::Bearer { expired: false })?;
    if now >= grant.expires {
        return Err(Unauthenticated::Bearer { expired: true });
    }
    Ok(Caller::ServiceApp {
        read: grant.scopes.contains(SCOPE_READ),
        manage: grant.scopes.contains(SCOPE_MANAGE),
    })
}
