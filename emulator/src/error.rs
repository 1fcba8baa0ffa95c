//! Error answers in Okta's shape: `errorCode`, `errorSummary`, `errorLink`, `errorId`,
//! `errorCauses`.

use serde::Serialize;

/// An error answer of the API, as Okta sends it.
///
/// The codes, statuses and summaries come from FACTS.md's table of codes ("Codes seen here")
/// and Okta's published error-code reference; the `errorCauses` sentences of the rules are the
/// emulator's own wording except where FACTS.md quotes the real one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OktaError {
    /// The HTTP status.
    pub status: u16,
    /// Okta's error code, e.g. `E0000001`.
    pub code: &'static str,
    /// The `errorSummary`.
    pub summary: String,
    /// The `errorSummary` of each entry of `errorCauses` (often empty).
    pub causes: Vec<String>,
}

impl OktaError {
    fn new(status: u16, code: &'static str, summary: impl Into<String>) -> Self {
        Self {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
        }
    }

    /// 400 E0000001 "Api validation failed: {field}" with the given causes.
    pub fn validation(field: &str, causes: Vec<String>) -> Self {
        Self {
            causes,
            ..Self::new(400, "E0000001", format!("Api validation failed: {field}"))
        }
    }

    /// 400 E0000003: the body is not JSON, or not of the shape the operation reads.
    pub fn malformed() -> Self {
        Self::new(400, "E0000003", "The request body was not well-formed.")
    }

    /// 400 E0000021: an `Accept` the API can't answer, or a body not sent as JSON (Okta's
    /// error-code reference: "Bad request. Accept and/or Content-Type headers likely do not
    /// match supported values").
    pub fn media_type() -> Self {
        Self::new(
            400,
            "E0000021",
            "Bad request. Accept and/or Content-Type headers likely do not match supported values.",
        )
    }

    /// 403 E0000006: the access token lacks the scope the operation needs.
    pub fn forbidden() -> Self {
        Self::new(
            403,
            "E0000006",
            "You do not have permission to perform the requested action",
        )
    }

    /// 404 E0000007 for a resource of the given kind (`AppInstance`, `IdentitySourceSession`).
    pub fn not_found(id: &str, kind: &str) -> Self {
        Self::new(
            404,
            "E0000007",
            format!("Not found: Resource not found: {id} ({kind})"),
        )
    }

    /// 404 E0000008: a path the API does not have (Okta's error-code reference).
    pub fn path_not_found() -> Self {
        Self::new(404, "E0000008", "The requested path was not found")
    }

    /// 401 E0000011: no credentials, or credentials the emulator does not know.
    pub fn invalid_token() -> Self {
        Self::new(401, "E0000011", "Invalid token provided")
    }

    /// 429 E0000047: past the limit of the rate-limit window.
    pub fn rate_limited() -> Self {
        Self::new(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// 405 E0000022: a known path with a method it does not support (Okta's code for it).
    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
    }

    /// The error Okta answers with `status`, for an injected fault: the codes above for the
    /// statuses they come with (400 is a validation failure with no cause), and for server
    /// errors, which FACTS.md names no body for, Okta's error-code reference: E0000010 for
    /// 503 and E0000009 for the others. Any other status gets E0000009's body too.
    pub fn with_status(status: u16) -> Self {
        match status {
            400 => Self::validation("request", Vec::new()),
            401 => Self::invalid_token(),
            403 => Self::forbidden(),
            404 => Self::new(404, "E0000007", "Not found: Resource not found"),
            405 => Self::method_not_allowed(),
            429 => Self::rate_limited(),
            503 => Self::new(503, "E0000010", "Service is in read only mode"),
            _ => Self::new(status, "E0000009", "Internal Server Error"),
        }
    }

    /// The JSON body, with a fresh `errorId`, its fields in the order of Okta's (FACTS.md's
    /// real example).
    pub fn body(&self) -> Vec<u8> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            error_code: &'a str,
            error_summary: &'a str,
            error_link: &'a str,
            error_id: String,
            error_causes: Vec<Cause<'a>>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Cause<'a> {
            error_summary: &'a str,
        }
        let body = Body {
            error_code: self.code,
            error_summary: &self.summary,
            error_link: self.code,
            error_id: crate::ids::error_id(),
            error_causes: self
                .causes
                .iter()
                .map(|cause| Cause {
                    error_summary: cause,
                })
                .collect(),
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl std::fmt::Display for OktaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.summary)?;
        for cause in &self.causes {
            write!(f, "; {cause}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OktaError {}
