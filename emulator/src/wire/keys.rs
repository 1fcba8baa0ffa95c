//! The keys an object of a body is expected to have, found without scanning their text: a
//! key written plainly (no escapes) is recognised by its first byte and one compare of the
//! sixteen bytes from its start with the key and its closing quote, as its JSON string is
//! then exactly its bytes. The sixteen bytes are loaded before the key is known, so that
//! the load does not wait for the key's length.

/// A set of up to 32 plain keys of 1 to 15 bytes whose first bytes differ in their low five
/// bits.
#[derive(Debug)]
pub(crate) struct KnownKeys {
    /// The key that begins with each first byte (by its low five bits).
    by_first_byte: [Entry; 32],
}

/// A key as it is compared: its length, its place in the set, and its bytes followed by a
/// quote as a little-endian number, with the mask of the bytes they take.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// 0 where no key begins.
    length: usize,
    place: usize,
    quoted: u128,
    mask: u128,
}

const NO_ENTRY: Entry = Entry {
    length: 0,
    place: 0,
    quoted: 0,
    mask: 0,
};

/// How many bytes are compared at once: a key of at most 15 and its closing quote.
const WIDTH: usize = 16;

impl KnownKeys {
    /// The set of `keys`; fails to compile when two share a slot, or one is empty or longer
    /// than 15 bytes, or has a byte JSON would escape.
    pub(crate) const fn new(keys: &[&str]) -> Self {
        let mut by_first_byte = [NO_ENTRY; 32];
        let mut place = 0;
        while place < keys.len() {
            let key = keys[place].as_bytes();
            let length = key.len();
            assert!(
                length >= 1 && length < WIDTH,
                "a known key is 1 to 15 bytes"
            );
            let (mut quoted, mut mask) = (0, 0);
            let mut at = 0;
            while at <= length {
                let byte = if at < length { key[at] } else { b'"' };
                let plain = at == length || (byte >= 0x20 && byte != b'"' && byte != b'\\');
                assert!(plain, "a known key is written without escapes");
                quoted |= (byte as u128) << (at * 8);
                mask |= 0xff << (at * 8);
                at += 1;
            }
            let slot = (key[0] & 31) as usize;
            assert!(
                by_first_byte[slot].length == 0,
                "two known keys share a slot"
            );
            by_first_byte[slot] = Entry {
                length,
                place,
                quoted,
                mask,
            };
            place += 1;
        }
        Self { by_first_byte }
    }

    /// The place of `text` among the keys, if it is one.
    #[inline]
    pub(crate) fn find(&self, text: &[u8]) -> Option<usize> {
        let entry = self.entry(*text.first()?);
        if entry.length != text.len() {
            return None;
        }
        let mut quoted = [0; WIDTH];
        quoted.get_mut(..text.len())?.copy_from_slice(text);
        *quoted.get_mut(text.len())? = b'"';
        entry.begins(quoted).then_some(entry.place)
    }

    /// The key the text `rest` begins with when a quote follows it: its length and place.
    #[inline]
    pub(crate) fn prefix_of(&self, rest: &[u8]) -> Option<(usize, usize)> {
        let bytes = match rest.first_chunk::<WIDTH>() {
            Some(bytes) => *bytes,
            // Near the end of the text: what is past it is zeros, which no key has.
            None => {
                let mut bytes = [0; WIDTH];
                bytes[..rest.len()].copy_from_slice(rest);
                bytes
            }
        };
        let entry = self.entry(bytes[0]);
        entry.begins(bytes).then_some((entry.length, entry.place))
    }

    #[inline]
    fn entry(&self, first: u8) -> &Entry {
        &self.by_first_byte[usize::from(first & 31)]
    }
}

impl Entry {
    /// Whether `bytes` begin with this key and a quote.
    #[inline]
    fn begins(&self, bytes: [u8; WIDTH]) -> bool {
        let differs = (u128::from_le_bytes(bytes) ^ self.quoted) & self.mask;
        differs == 0 && self.length > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 5] = [
        "userName",
        "email",
        "abcd",
        "secondEmail",
        "f23456789abcdef",
    ];
    const KEYS: KnownKeys = KnownKeys::new(&NAMES);

    #[test]
    fn keys_are_found_whole_and_nothing_else_is() {
        for (place, key) in NAMES.iter().enumerate() {
            let found = Some((key.len(), place));
            assert_eq!(KEYS.find(key.as_bytes()), Some(place));
            assert_eq!(KEYS.prefix_of(format!("{key}\",").as_bytes()), found);
            let far_from_the_end = format!("{key}\":\"{}\"", "x".repeat(WIDTH));
            assert_eq!(KEYS.prefix_of(far_from_the_end.as_bytes()), found);
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
        let near_keys = ["f23456789abcdeF", "f23456789abcdef0", "secondEmail1234567"];
        for text in ["", "a", "abc", "usrName", "Email", "department", "\u{0}"]
            .into_iter()
            .chain(near_keys)
        {
            assert_eq!(KEYS.find(text.as_bytes()), None, "{text:?}");
            assert_eq!(KEYS.prefix_of(format!("{text}\"").as_bytes()), None);
        }
        assert_eq!(KEYS.prefix_of(br#"user\u004eame""#), None);
    }
}
