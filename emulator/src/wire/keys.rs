//! The keys an object of a body is expected to have, found without scanning their text: a
//! key written plainly (no escapes) is recognised by its first byte and one compare of its
//! bytes, as its JSON string is then exactly those bytes.

/// A set of up to 32 plain keys whose first bytes differ in their low five bits.
#[derive(Debug)]
pub(crate) struct KnownKeys {
    keys: &'static [&'static str],
    /// The place in `keys` of the key that begins with each first byte (by its low five
    /// bits), or `NONE`.
    by_first_byte: [u8; 32],
}

const NONE: u8 = u8::MAX;

impl KnownKeys {
    /// The set of `keys`; fails to compile when two share a slot, or one is empty or
    /// longer than 16 bytes, or has a byte JSON would escape.
    pub(crate) const fn new(keys: &'static [&'static str]) -> Self {
        let mut by_first_byte = [NONE; 32];
        let mut at = 0;
        while at < keys.len() {
            let key = keys[at].as_bytes();
            assert!(
                !key.is_empty() && key.len() <= 16,
                "a known key is 1 to 16 bytes"
            );
            let mut byte = 0;
            while byte < key.len() {
                let plain = key[byte] >= 0x20 && key[byte] != b'"' && key[byte] != b'\\';
                assert!(plain, "a known key is written without escapes");
                byte += 1;
            }
            let slot = (key[0] & 31) as usize;
            assert!(
                by_first_byte[slot] == NONE,
                "two known keys share a first byte"
            );
            by_first_byte[slot] = at as u8;
            at += 1;
        }
        Self {
            keys,
            by_first_byte,
        }
    }

    /// The place of `text` among the keys, if it is one.
    #[inline]
    pub(crate) fn find(&self, text: &[u8]) -> Option<usize> {
        let at = self.candidate(*text.first()?)?;
        let key = self.keys.get(at)?.as_bytes();
        same_short_text(key, text).then_some(at)
    }

    /// The only key that can begin with `first`, if any: its place.
    #[inline]
    fn candidate(&self, first: u8) -> Option<usize> {
        let at = self.by_first_byte[usize::from(first & 31)];
        (at != NONE).then_some(usize::from(at))
    }

    /// The key the text `rest` begins with, if it is followed by a quote: its length.
    #[inline]
    pub(crate) fn prefix_of(&self, rest: &[u8]) -> Option<usize> {
        let key = self.keys.get(self.candidate(*rest.first()?)?)?.as_bytes();
        let (text, after) = (rest.get(..key.len())?, rest.get(key.len())?);
        (*after == b'"' && same_short_text(key, text)).then_some(key.len())
    }
}

/// Whether `a` and `b` are the same, compared as two overlapping words (both ends) when
/// they are 4 to 16 bytes long, as keys are: no call to `memcmp` for a dozen bytes.
#[inline]
fn same_short_text(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && same_ends(a, b).unwrap_or(false)
}

/// [`same_short_text`] for two texts of the same length.
#[inline]
fn same_ends(a: &[u8], b: &[u8]) -> Option<bool> {
    Some(match a.len() {
        8..=16 => {
            a.first_chunk::<8>()? == b.first_chunk::<8>()?
                && a.last_chunk::<8>()? == b.last_chunk::<8>()?
        }
        4..=7 => {
            a.first_chunk::<4>()? == b.first_chunk::<4>()?
                && a.last_chunk::<4>()? == b.last_chunk::<4>()?
        }
        _ => a == b,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: KnownKeys = KnownKeys::new(&["userName", "email", "a", "secondEmail"]);

    #[test]
    fn keys_are_found_whole_and_nothing_else_is() {
        for (at, key) in ["userName", "email", "a", "secondEmail"].iter().enumerate() {
            assert_eq!(KEYS.find(key.as_bytes()), Some(at));
            assert_eq!(
                KEYS.prefix_of(format!("{key}\",").as_bytes()),
                Some(key.len())
            );
            assert_eq!(KEYS.prefix_of(format!("{key}x\"").as_bytes()), None);
            assert_eq!(KEYS.prefix_of(key.as_bytes()), None, "no closing quote");
            let mut longer = key.to_string();
            longer.push('x');
            assert_eq!(KEYS.find(longer.as_bytes()), None);
            assert_eq!(KEYS.find(&key.as_bytes()[..key.len() - 1]), None);
        }
        for text in [
            "",
            "usrName",
            "userNamf",
            "fserName",
            "Email",
            "emaik",
            "secondEmaim",
        ] {
            assert_eq!(KEYS.find(text.as_bytes()), None, "{text:?}");
        }
        assert_eq!(KEYS.prefix_of(br#"user\u004eame""#), None);
    }
}
