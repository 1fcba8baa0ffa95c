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
    /// `Authorization` are replaced by `<redacted>`: only the scheme is kept.
    pub headers: Vec<(String, String)>,
    /// The status answered, or `None` when the connection was dropped (a fault).
    pub status: Option<u16>,
}

impl RecordedRequest {
    /// The first value of a header, by its lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The last `capacity` requests.
#[derive(Debug)]
pub(crate) struct Recorder {
    capacity: usize,
    requests: VecDeque<RecordedRequest>,
}

impl Recorder {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            requests: VecDeque::with_capacity(capacity.min(1024)),
        }
    }

    pub(crate) fn push(&mut self, request: RecordedRequest) {
        if self.capacity == 0 {
            return;
        }
        if self.requests.len() == self.capacity {
            self.requests.pop_front();
        }
        self.requests.push_back(request);
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.requests.iter().cloned().collect()
    }
}

/// A header value as recorded: lossy UTF-8, credentials of `Authorization` redacted.
pub(crate) fn recorded_value(name: &str, value: &[u8]) -> String {
    let value = String::from_utf8_lossy(value);
    if name == "authorization" {
        match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} <redacted>"),
            None => "<redacted>".to_owned(),
        }
    } else {
        value.into_owned()
    }
}
