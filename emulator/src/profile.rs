//! A user's profile as the directory stores it: a slot for each standard attribute and a
//! list of custom ones ([`CustomAttributes`]), so an upsert replaces a value in place with
//! no lookup by name for the standard attributes, and no JSON value per attribute. A value,
//! or a custom attribute's name, of up to [`INLINE`] bytes (most of them) is kept in its
//! slot, which takes no more room than a `Vec<u8>`: storing it allocates nothing, and a new
//! value that fits too is copied over it. Shown as a JSON object only when read.

use serde_json::{Map, Value};

use crate::batch::{Attributes, Name};
use crate::custom_attributes::CustomAttributes;
use crate::rules::{PROFILE_FIELDS, STANDARD_NAMES};

/// The longest string kept in its slot, which takes no more room than a `Vec<u8>`.
const INLINE: usize = 22;

/// The bytes of a UTF-8 string: in its slot when short, else on the heap. Equal when their
/// bytes are (what a slot holds past them is not compared).
#[derive(Debug, Clone)]
pub(crate) struct CompactBytes(Repr);

#[derive(Debug, Clone)]
enum Repr {
    /// `len` is at most [`INLINE`].
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Heap(Box<[u8]>),
}

const _: () = assert!(size_of::<Option<CompactBytes>>() == size_of::<Vec<u8>>());

impl PartialEq for CompactBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for CompactBytes {}

impl CompactBytes {
    /// The bytes, kept.
    #[inline]
    pub(crate) fn new(text: &[u8]) -> Self {
        let mut bytes = [0; INLINE];
        match (bytes.get_mut(..text.len()), u8::try_from(text.len())) {
            (Some(inline), Ok(len)) => {
                copy(inline, text);
                Self(Repr::Inline { len, bytes })
            }
            _ => Self(Repr::Heap(text.into())),
        }
    }

    /// The bytes.
    #[inline(always)]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Repr::Heap(bytes) => bytes,
        }
    }

    /// Replaces the bytes with `text`: copied over them when both fit in the slot or when
    /// they have its length; else kept anew.
    #[inline(always)]
    pub(crate) fn replace(&mut self, text: &[u8]) {
        match &mut self.0 {
            Repr::Inline { len, bytes } => {
                match (bytes.get_mut(..text.len()), u8::try_from(text.len())) {
                    (Some(inline), Ok(new_len)) => {
                        *len = new_len;
                        copy(inline, text);
                    }
                    _ => *self = Self::new(text),
                }
            }
            Repr::Heap(bytes) if bytes.len() == text.len() => copy(bytes, text),
            Repr::Heap(_) => *self = Self::new(text),
        }
    }
}

/// Copies `source` over `target`, of the same length. Most values are short: up to 32
/// bytes they are copied with two loads and stores, which may overlap, rather than with a
/// call to `memcpy`.
#[inline(always)]
fn copy(target: &mut [u8], source: &[u8]) {
    fn halves<const N: usize>(target: &mut [u8], source: &[u8]) {
        let last = source.len() - N;
        target[..N].copy_from_slice(&source[..N]);
        target[last..].copy_from_slice(&source[last..]);
    }
    debug_assert_eq!(target.len(), source.len());
    match source.len() {
        len if len != target.len() => {}
        0 => {}
        1..=3 => {
            target[0] = source[0];
            target[source.len() / 2] = source[source.len() / 2];
            target[source.len() - 1] = source[source.len() - 1];
        }
        4..=8 => halves::<4>(target, source),
        9..=16 => halves::<8>(target, source),
        17..=32 => halves::<16>(target, source),
        _ => target.copy_from_slice(source),
    }
}

/// Whether two strings are equal. Most external ids and attribute names are short: up to 16
/// bytes they are compared with two loads each, which may overlap, rather than with a call
/// to `memcmp`.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    fn word<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
        bytes.get(at..at + N)?.try_into().ok()
    }
    fn halves<const N: usize>(a: &[u8], b: &[u8]) -> bool {
        let last = a.len() - N;
        word::<N>(a, 0) == word::<N>(b, 0) && word::<N>(a, last) == word::<N>(b, last)
    }
    match a.len() {
        len if len != b.len() => false,
        0 => true,
        1..=3 => {
            a.first() == b.first()
                && a.get(a.len() / 2) == b.get(a.len() / 2)
                && a.last() == b.last()
        }
        4..=8 => halves::<4>(a, b),
        9..=16 => halves::<8>(a, b),
        _ => a == b,
    }
}

/// The attributes of one user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Profile {
    /// The standard attributes, in the order of [`PROFILE_FIELDS`]; `None` when not set.
    standard: [Option<CompactBytes>; PROFILE_FIELDS.len()],
    /// The custom attributes, name and value, in the order they were first set.
    custom: CustomAttributes,
}

impl Profile {
    /// Sets the attributes sent in an upsert, one after the other: a value replaces the
    /// stored one, `null` removes it, attributes not sent are kept.
    #[inline]
    pub(crate) fn update(&mut self, mut attributes: Attributes<'_>) {
        while let Some((name, value)) = attributes.next_bytes() {
            self.set(name, value);
        }
    }

    /// Sets an attribute from the bytes of its UTF-8 string, reusing the stored value when
    /// there is one, or with `None` (sent as `null`) removes it.
    #[inline(always)]
    fn set(&mut self, name: Name<'_>, value: Option<&[u8]>) {
        let slot = match name {
            Name::Standard(field) => match self.standard.get_mut(field) {
                Some(slot) => slot,
                None => return,
            },
            Name::Custom(name) => return self.custom.set(name, value),
        };
        match (slot, value) {
            (Some(stored), Some(text)) => stored.replace(text),
            (slot, Some(text)) => *slot = Some(CompactBytes::new(text)),
            (slot, None) => *slot = None,
        }
    }

    /// Each attribute's name and value: the standard ones in the order of
    /// [`PROFILE_FIELDS`], then the custom ones in the order they were first set.
    pub(crate) fn attributes(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let standard = STANDARD_NAMES.iter().zip(&self.standard);
        let standard = standard.filter_map(|(name, value)| {
            let value = value.as_ref()?;
            Some((name.as_bytes(), value.as_bytes()))
        });
        standard.chain(self.custom.iter())
    }

    /// The profile as a JSON object, as the API would show it.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let attributes = self.attributes();
        let attributes = attributes.map(|(name, value)| (text(name), Value::String(text(value))));
        attributes.collect()
    }
}

/// A stored string as text; every one was UTF-8 when stored.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_move_between_the_slot_and_the_heap_as_their_length_changes() {
        let lengths = [0, 1, 3, 4, 8, 9, 16, 17, INLINE, INLINE + 1, 32, 33, 300];
        let texts: Vec<Vec<u8>> = lengths
            .iter()
            .map(|&len| (0..len).map(|at| b'a' + (at % 26) as u8).collect())
            .collect();
        for first in &texts {
            let mut bytes = CompactBytes::new(first);
            assert_eq!(bytes.as_bytes(), first.as_slice());
            let in_slot = matches!(bytes.0, Repr::Inline { .. });
            assert_eq!(in_slot, first.len() <= INLINE, "{} bytes", first.len());
            for next in &texts {
                let mut next = next.clone();
                next.reverse();
                bytes.replace(&next);
                assert_eq!(bytes.as_bytes(), next.as_slice());
                assert_eq!(bytes, CompactBytes::new(&next), "equal as their bytes are");
                assert_eq!(bytes.clone(), bytes);
            }
        }
    }

    #[test]
    fn strings_are_the_same_only_byte_for_byte() {
        let texts: [&[u8]; 8] = [
            b"",
            b"a",
            b"ab",
            b"abc",
            b"abcd",
            b"department",
            b"user1@example.com",
            b"a custom attribute with a long name",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same(a, b), a == b);
            }
            for at in 0..a.len() {
                let mut other = a.to_vec();
                other[at] ^= 1;
                assert!(!same(a, &other), "{a:?} at {at}");
            }
        }
    }
}
