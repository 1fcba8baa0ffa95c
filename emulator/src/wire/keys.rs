//! The keys an object of a body is expected to have, found without scanning their text: a
//! key written plainly (no escapes) is recognised by its first byte and a compare of two
//! words, as its JSON string is then exactly its bytes.

/// A set of up to 32 plain keys of 4 to 16 bytes whose first bytes differ in their low five
/// bits.
#[derive(Debug)]
pub(crate) struct KnownKeys {
    /// The key that begins with each first byte (by its low five bits).
    by_first_byte: [Entry; 32],
}

/// A key as it is compared: its length, its place in the set, and its first and last four
/// or eight bytes (four when it is shorter than eight), as little-endian words.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// 0 where no key begins.
    length: usize,
    place: usize,
    first: u64,
    last: u64,
}

const NO_ENTRY: Entry = Entry {
    length: 0,
    place: 0,
    first: 0,
    last: 0,
};

impl KnownKeys {
    /// The set of `keys`; fails to compile when two share a slot, or one is shorter than 4
    /// or longer than 16 bytes, or has a byte JSON would escape.
    pub(crate) const fn new(keys: &[&str]) -> Self {
        let mut by_first_byte = [NO_ENTRY; 32];
        let mut place = 0;
        while place < keys.len() {
            let key = keys[place].as_bytes();
            let length = key.len();
            assert!(length >= 4 && length <= 16, "a known key is 4 to 16 bytes");
            let mut at = 0;
            while at < length {
                let plain = key[at] >= 0x20 && key[at] != b'"' && key[at] != b'\\';
                assert!(plain, "a known key is written without escapes");
                at += 1;
            }
            let slot = (key[0] & 31) as usize;
            assert!(
                by_first_byte[slot].length == 0,
                "two known keys share a slot"
            );
            let width = if length >= 8 { 8 } else { 4 };
            by_first_byte[slot] = Entry {
                length,
                place,
                first: word(key, 0, width),
                last: word(key, length - width, width),
            };
            place += 1;
        }
        Self { by_first_byte }
    }

    /// The place of `text` among the keys, if it is one.
    #[inline]
    pub(crate) fn find(&self, text: &[u8]) -> Option<usize> {
        let entry = self.entry(*text.first()?);
        (entry.length == text.len() && entry.matches(text)?).then_some(entry.place)
    }

    /// The key the text `rest` begins with when a quote follows it: its length and place.
    #[inline]
    pub(crate) fn prefix_of(&self, rest: &[u8]) -> Option<(usize, usize)> {
        let entry = self.entry(*rest.first()?);
        let quoted = *rest.get(entry.length)? == b'"' && entry.length > 0;
        (quoted && entry.matches(rest.get(..entry.length)?)?).then_some((entry.length, entry.place))
    }

    #[inline]
    fn entry(&self, first: u8) -> &Entry {
        &self.by_first_byte[usize::from(first & 31)]
    }
}

impl Entry {
    /// Whether `text`, of this key's length, is this key.
    #[inline]
    fn matches(&self, text: &[u8]) -> Option<bool> {
        Some(if self.length >= 8 {
            u64::from_le_bytes(*text.first_chunk::<8>()?) == self.first
                && u64::from_le_bytes(*text.last_chunk::<8>()?) == self.last
        } else {
            u64::from(u32::from_le_bytes(*text.first_chunk::<4>()?)) == self.first
                && u64::from(u32::from_le_bytes(*text.last_chunk::<4>()?)) == self.last
        })
    }
}

/// `width` bytes of `key` from `start`, as a little-endian word.
const fn word(key: &[u8], start: usize, width: usize) -> u64 {
    let mut word = 0;
    let mut at = width;
    while at > 0 {
        at -= 1;
        word = word << 8 | key[start + at] as u64;
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 5] = [
        "userName",
        "email",
        "abcd",
        "secondEmail",
        "f23456789abcdef0",
    ];
    const KEYS: KnownKeys = KnownKeys::new(&NAMES);

    #[test]
    fn keys_are_found_whole_and_nothing_else_is() {
        for (place, key) in NAMES.iter().enumerate() {
            let found = Some((key.len(), place));
            assert_eq!(KEYS.find(key.as_bytes()), Some(place));
            assert_eq!(KEYS.prefix_of(format!("{key}\",").as_bytes()), found);
            assert_eq!(KEYS.prefix_of(format!("{key}x\"").as_bytes()), None);
            assert_eq!(KEYS.prefix_of(key.as_bytes()), None, "no closing quote");
            let mut longer = key.to_string();
            longer.push('x');
            assert_eq!(KEYS.find(longer.as_bytes()), None);
            assert_eq!(KEYS.find(&key.as_bytes()[..key.len() - 1]), None);
            for at in 0..key.len() {
                let mut other = key.as_bytes().to_vec();
                other[at] ^= 0x20;
                assert_eq!(KEYS.find(&other), None, "{key} changed at {at}");
                other.push(b'"');
                assert_eq!(KEYS.prefix_of(&other), None, "{key} changed at {at}");
            }
        }
        for text in ["", "a", "abc", "usrName", "Email", "department", "\u{0}"] {
            assert_eq!(KEYS.find(text.as_bytes()), None, "{text:?}");
            assert_eq!(KEYS.prefix_of(format!("{text}\"").as_bytes()), None);
        }
        assert_eq!(KEYS.prefix_of(br#"user\u004eame""#), None);
    }
}
