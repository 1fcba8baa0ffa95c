//! The requests the emulator received, the last few kept for tests' assertions.

use std::collections::VecDeque;

/// One request as the emulator received it and how it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The path and query, e.g. `/api/v1/identity-sources/0oa1/sessions`.
    pub path: String,
    /// The request headers, names in lower case, in the order received. The credentials of
    /// `Authorization` and `Proxy-Authorization` are replaced by `<redacted>` (only the
    /// scheme is kept), and so is all of `Cookie`.
    pub headers: Vec<(String, String)>,
    /// The status answered, or `None` when no answer was given: the connection dropped (a
    /// fault), or the client gone before a late answer (a delay).
    pub status: Option<u16>,
    /// The `X-Okta-Request-Id` answered, which a client's retry names in
    /// `X-Okta-Retry-For`; `None` when no answer was given.
    pub request_id: Option<String>,
    /// Its place in the order the requests arrived in.
    pub(crate) arrival: u64,
}

impl RecordedRequest {
    /// The bytes of text it holds.
    fn bytes(&self) -> usize {
        let headers = self.headers.iter();
        let headers: usize = headers.map(|(name, value)| name.len() + value.len()).sum();
        let id = self.request_id.as_ref().map_or(0, String::len);
        self.method.len() + self.path.len() + headers + id
    }

    /// The first value of a header, by its lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The most bytes of text the recorded requests hold together (their paths and headers): a
/// request's headers may be over 100 KB, so a count of requests alone does not bound them.
pub(crate) const MAX_RECORDED_BYTES: usize = 16 << 20;

/// The last `capacity` requests answered (or ended without an answer), as many as fit in
/// [`MAX_RECORDED_BYTES`].
#[derive(Debug)]
pub(crate) struct Recorder {
    capacity: usize,
    requests: VecDeque<RecordedRequest>,
    /// The bytes of text the requests kept hold.
    bytes: usize,
}

impl Recorder {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            requests: VecDeque::with_capacity(capacity.min(1024)),
            bytes: 0,
        }
    }

    pub(crate) fn push(&mut self, request: RecordedRequest) {
        if self.capacity == 0 {
            return;
        }
        self.bytes += request.bytes();
        self.requests.push_back(request);
        while self.requests.len() > self.capacity
            || (self.bytes > MAX_RECORDED_BYTES && self.requests.len() > 1)
        {
            if let Some(oldest) = self.requests.pop_front() {
                self.bytes -= oldest.bytes();
            }
        }
    }

    /// The requests kept, in the order they arrived (a request answered late is recorded
    /// after one that came later and was answered at once).
    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        let mut requests: Vec<_> = self.requests.iter().cloned().collect();
        requests.sort_by_key(|request| request.arrival);
        requests
    }
}

/// A header value as recorded: lossy UTF-8, with credentials redacted.
pub(crate) fn recorded_value(name: &str, value: &[u8]) -> String {
    let value = String::from_utf8_lossy(value);
    match name {
        "authorization" | "proxy-authorization" => match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} <redacted>"),
            None => "<redacted>".to_owned(),
        },
        "cookie" => "<redacted>".to_owned(),
        _ => value.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(header_bytes: usize) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: "/".into(),
            headers: vec![("x-big".into(), "\u{fffd}".repeat(header_bytes / 3))],
            status: Some(404),
            request_id: None,
            arrival: 0,
        }
    }

    #[test]
    fn the_requests_kept_are_bounded_in_number_and_in_bytes() {
        let mut recorder = Recorder::new(3);
        for _ in 0..5 {
            recorder.push(request(30));
        }
        assert_eq!(recorder.all().len(), 3);

        // Requests with headers of a third of a megabyte: 1,000 kept would be 330 MB.
        let mut recorder = Recorder::new(1000);
        for _ in 0..1000 {
            recorder.push(request(330_000));
        }
        let kept = recorder.all();
        let bytes: usize = kept.iter().map(RecordedRequest::bytes).sum();
        assert!(bytes <= MAX_RECORDED_BYTES, "{bytes}");
        assert_eq!(kept.len(), MAX_RECORDED_BYTES / request(330_000).bytes());
        assert_eq!(recorder.bytes, bytes);

        // One request larger than the budget is still kept, alone.
        recorder.push(request(MAX_RECORDED_BYTES + 3));
        assert_eq!(recorder.all().len(), 1);
    }
}
