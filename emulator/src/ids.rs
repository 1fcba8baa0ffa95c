//! Random ids in the shapes Okta uses: 20 characters, a three-letter prefix for the kind.

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn id(prefix: &str, len: usize) -> String {
    let mut id = String::with_capacity(prefix.len() + len);
    id.push_str(prefix);
    for _ in 0..len {
        id.push(char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]));
    }
    id
}

/// A session id, `aps` and 17 characters.
pub(crate) fn session_id() -> String {
    id("aps", 17)
}

/// An `errorId`, `oae` and 22 characters, as in FACTS.md's example.
pub(crate) fn error_id() -> String {
    id("oae", 22)
}

/// An `X-Okta-Request-Id`, as bytes: it goes straight into a header.
pub(crate) fn request_id_bytes() -> [u8; 27] {
    std::array::from_fn(|_| ALPHABET[fastrand::usize(..ALPHABET.len())])
}

/// An opaque access token.
pub(crate) fn access_token() -> String {
    id("emu.", 40)
}
