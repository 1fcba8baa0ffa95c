//! The conventions a response and a retried request follow: where the request id is, what
//! says how long to wait before trying again, which headers a retry carries. Okta's with the
//! `okta` feature; otherwise the standards': `Retry-After` (RFC 9110) and the `RateLimit` and
//! `RateLimit-Policy` fields of the IETF's rate-limit headers draft.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
#[cfg(feature = "okta")]
use reqwest::header::HeaderValue;
use reqwest::StatusCode;

use crate::call::{RateLimit, ResponseMeta};
use crate::error::{ApiError, ErrorBody};

/// The name of the span each call is traced in.
#[cfg(feature = "okta")]
pub(crate) const SPAN: &str = "okta_request";
#[cfg(not(feature = "okta"))]
pub(crate) const SPAN: &str = "api_request";

/// The header that carries the server's id of a request.
#[cfg(feature = "okta")]
const REQUEST_ID: &str = "x-okta-request-id";
#[cfg(not(feature = "okta"))]
const REQUEST_ID: &str = "x-request-id";

/// The id the server gave the request, for its support; none when longer than
/// [`MAX_REQUEST_ID_BYTES`], which no id is (Okta's have some twenty characters) and
/// which a retry would send back.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    single_header(headers, REQUEST_ID)
        .filter(|id| id.len() <= MAX_REQUEST_ID_BYTES)
        .map(str::to_owned)
}

/// The longest request id kept.
const MAX_REQUEST_ID_BYTES: usize = 256;

/// The rate-limit headers of a response, `date` being when it was sent.
#[cfg(feature = "okta")]
pub(crate) fn rate_limit(headers: &HeaderMap, _date: Option<SystemTime>) -> RateLimit {
    let number = |name: &str| single_header(headers, name).and_then(count);
    RateLimit {
        limit: number("x-rate-limit-limit"),
        remaining: number("x-rate-limit-remaining"),
        reset: number("x-rate-limit-reset"),
    }
}

/// The rate-limit headers of a response, `date` being when it was sent (now, when it does
/// not say): `RateLimit: "name";r=REMAINING;t=SECONDS` and `RateLimit-Policy:
/// "name";q=QUOTA;w=WINDOW`, or the earlier drafts' `limit=`, `remaining=` and `reset=`.
#[cfg(not(feature = "okta"))]
pub(crate) fn rate_limit(headers: &HeaderMap, date: Option<SystemTime>) -> RateLimit {
    let fields = single_header(headers, "ratelimit").unwrap_or_default();
    let policy = single_header(headers, "ratelimit-policy").unwrap_or_default();
    let reset_after = parameter(fields, &["t", "reset"]);
    let sent = date.unwrap_or_else(SystemTime::now);
    let epoch = sent
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|since| since.as_secs());
    RateLimit {
        limit: parameter(policy, &["q"]).or_else(|| parameter(fields, &["limit"])),
        remaining: parameter(fields, &["r", "remaining"]),
        reset: reset_after
            .zip(epoch)
            .map(|(after, now)| now.saturating_add(after)),
    }
}

/// The first `name=number` parameter of a structured header field among `names`.
#[cfg(not(feature = "okta"))]
fn parameter(field: &str, names: &[&str]) -> Option<u64> {
    field
        .split([';', ','])
        .filter_map(|item| item.trim().split_once('='))
        .find(|(name, _)| names.contains(&name.trim()))
        .and_then(|(_, value)| count(value))
}

/// `Retry-After`: a number of seconds, or an HTTP date measured against the response's
/// `Date` (now, when it has none).
pub(crate) fn retry_after(headers: &HeaderMap, date: Option<SystemTime>) -> Option<Duration> {
    let value = single_header(headers, "retry-after")?;
    if let Some(seconds) = count(value) {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value.trim()).ok()?;
    let sent = date.unwrap_or_else(SystemTime::now);
    Some(at.duration_since(sent).unwrap_or(Duration::ZERO))
}

/// How long the server asks to wait before `error` is tried again, when it says: after a
/// `429`, until `X-Rate-Limit-Reset` (measured against the response's `Date`, or this
/// machine's clock when it has none), else its `Retry-After`; after a `503`, its
/// `Retry-After` (Okta sends none; a proxy in front of it may).
#[cfg(feature = "okta")]
pub(crate) fn server_wait<E: ErrorBody>(error: &ApiError<E>) -> Option<Duration> {
    let meta = &error.meta;
    match meta.status {
        StatusCode::TOO_MANY_REQUESTS => until_reset(meta).or(meta.retry_after),
        StatusCode::SERVICE_UNAVAILABLE => meta.retry_after,
        _ => None,
    }
}

/// How long until the rate-limit window resets, as a response says: its reset (epoch
/// seconds) less when it was sent (its `Date`, or now when it has none).
fn until_reset(meta: &ResponseMeta) -> Option<Duration> {
    let reset = meta.rate_limit.reset?;
    let sent = meta.date.unwrap_or_else(SystemTime::now);
    let now = sent.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

/// How long the server asks to wait before `error` is tried again, when it says: after a
/// `429` or a `503`, its `Retry-After`, else (a `429`) until the `RateLimit` window resets.
#[cfg(not(feature = "okta"))]
pub(crate) fn server_wait<E: ErrorBody>(error: &ApiError<E>) -> Option<Duration> {
    let meta = &error.meta;
    match meta.status {
        StatusCode::TOO_MANY_REQUESTS => meta.retry_after.or_else(|| until_reset(meta)),
        StatusCode::SERVICE_UNAVAILABLE => meta.retry_after,
        _ => None,
    }
}

/// What a retried request says about the attempt before: Okta asks for
/// `X-Okta-Retry-Count` (how many retries this is) and `X-Okta-Retry-For` (the request id
/// of the failed response).
#[cfg(feature = "okta")]
pub(crate) fn mark_retry(headers: &mut HeaderMap, count: u32, retry_for: Option<&str>) {
    if count == 0 {
        return;
    }
    headers.insert("x-okta-retry-count", HeaderValue::from(count));
    if let Some(request_id) = retry_for.and_then(|id| HeaderValue::from_str(id).ok()) {
        headers.insert("x-okta-retry-for", request_id);
    }
}

/// What a retried request says about the attempt before: nothing, by the standards.
#[cfg(not(feature = "okta"))]
pub(crate) fn mark_retry(_headers: &mut HeaderMap, _count: u32, _retry_for: Option<&str>) {}

/// A whole number of digits; one too large for `u64` reads as `u64::MAX` (a reset that far
/// away is as far away as any other beyond the longest wait).
fn count(text: &str) -> Option<u64> {
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// The value of a header that appears exactly once, as text.
pub(crate) fn single_header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    reqwest::header::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn retry_after_is_seconds_or_a_date_against_the_response_date() {
        let date = Some(httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap());
        let wait = |value| retry_after(&headers(&[("retry-after", value)]), date);
        assert_eq!(wait("120"), Some(Duration::from_secs(120)));
        assert_eq!(wait(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            wait("Wed, 21 Oct 2015 07:28:30 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(wait("Wed, 21 Oct 2015 07:27:00 GMT"), Some(Duration::ZERO));
        assert_eq!(wait("-1"), None);
        assert_eq!(wait("soon"), None);
        assert_eq!(retry_after(&HeaderMap::new(), date), None);
    }

    #[cfg(not(feature = "okta"))]
    #[test]
    fn ratelimit_fields_of_each_draft_are_read() {
        let current = headers(&[
            ("ratelimit", "\"default\";r=7;t=30"),
            ("ratelimit-policy", "\"default\";q=100;w=60"),
        ]);
        assert_eq!(
            rate_limit(&current, Some(at(1_000))),
            RateLimit {
                limit: Some(100),
                remaining: Some(7),
                reset: Some(1_030),
            }
        );
        let earlier = headers(&[("ratelimit", "limit=10, remaining=0, reset=5")]);
        assert_eq!(
            rate_limit(&earlier, Some(at(50))),
            RateLimit {
                limit: Some(10),
                remaining: Some(0),
                reset: Some(55),
            }
        );
        assert_eq!(
            rate_limit(&headers(&[("x-rate-limit-reset", "99")]), None),
            RateLimit::default()
        );
        assert_eq!(
            request_id(&headers(&[("x-request-id", "abc")])).as_deref(),
            Some("abc")
        );
        let mut marked = HeaderMap::new();
        mark_retry(&mut marked, 2, Some("abc"));
        assert!(marked.is_empty());
    }

    #[cfg(feature = "okta")]
    #[test]
    fn okta_reads_its_own_headers_and_marks_retries() {
        let okta = headers(&[
            ("x-rate-limit-limit", "600"),
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1700000060"),
            ("x-okta-request-id", "req-1"),
        ]);
        assert_eq!(
            rate_limit(&okta, Some(at(1))),
            RateLimit {
                limit: Some(600),
                remaining: Some(0),
                reset: Some(1_700_000_060),
            }
        );
        assert_eq!(request_id(&okta).as_deref(), Some("req-1"));
        let mut marked = HeaderMap::new();
        mark_retry(&mut marked, 0, Some("req-1"));
        assert!(marked.is_empty());
        mark_retry(&mut marked, 2, Some("req-1"));
        assert_eq!(marked["x-okta-retry-count"], "2");
        assert_eq!(marked["x-okta-retry-for"], "req-1");
    }
}
