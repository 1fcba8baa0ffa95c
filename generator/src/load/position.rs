//! The line and column of a place in the document's text, found by reading the text down
//! to it: the tree the document is changed in has no positions, and openapiv3 reads some
//! parts (path items, parameters, responses) as a whole, so the reader's own error
//! positions point at where that part started, not at what failed in it.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::json_text;

/// The first character of `text` that YAML does not allow in a document, with its line and
/// column (from 1, in characters): a control character other than tab, line feed, carriage
/// return and NEL (U+0085), or U+FFFE or U+FFFF (YAML 1.2, §5.1). serde_yaml refuses one
/// with its byte offset alone.
pub(super) fn first_unprintable(text: &str) -> Option<(char, usize, usize)> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || !(c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}'))
    };
    let (offset, found) = text.char_indices().find(|&(_, c)| !allowed(c))?;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    Some((found, line, before[line_start..].chars().count() + 1))
}

/// What the walk stops with when it reaches the place: the reader then says where it is.
const FOUND: &str = "the place is found";

/// The line and column (from 1) in `text` where the value at `tokens` (a JSON pointer's
/// reference tokens) starts; `None` when the text has no such place.
pub(super) fn of(text: &str, tokens: &[String]) -> Option<(usize, usize)> {
    let seek = Seek { tokens };
    match json_text(text) {
        Some(json) => {
            let error = seek
                .deserialize(&mut serde_json::Deserializer::from_str(json))
                .err()?;
            error
                .to_string()
                .contains(FOUND)
                .then(|| (error.line(), error.column()))
        }
        None => {
            let error = seek
                .deserialize(serde_yaml::Deserializer::from_str(text))
                .err()?;
            let location = error.location()?;
            error
                .to_string()
                .contains(FOUND)
                .then(|| (location.line(), location.column()))
        }
    }
}

/// Reads a value, going into the entry or item that the first token names.
struct Seek<'t> {
    tokens: &'t [String],
}

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.tokens.is_empty() {
            // Reading the value's start gives the error its position.
            return deserializer.deserialize_any(Found);
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping or a list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (first, rest) = self.tokens.split_first().ok_or_else(not_here)?;
        while let Some(Key(key)) = map.next_key()? {
            if key == *first {
                return map.next_value_seed(Seek { tokens: rest });
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (first, rest) = self.tokens.split_first().ok_or_else(not_here)?;
        let Ok(index) = first.parse::<usize>() else {
            return Ok(());
        };
        for _ in 0..index {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        seq.next_element_seed(Seek { tokens: rest }).map(drop)
    }

    // A scalar has no entries: the place is not in the text.
    visit_scalars!(E => Ok(()));
}

/// Never expected: [`Seek`] only visits with tokens left.
fn not_here<E: de::Error>() -> E {
    E::custom("no place to go to")
}

/// The value at the place: stops the walk with [`FOUND`].
struct Found;

impl<'de> Visitor<'de> for Found {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(FOUND))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(FOUND))
    }
    visit_scalars!(E => Err(E::custom(FOUND)));
}

/// A mapping key as pointer text: a string as it is, a number or a boolean as written.
struct Key(String);

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyVisitor).map(Key)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key")
    }

    fn visit_str<E>(self, key: &str) -> Result<String, E> {
        Ok(key.to_owned())
    }
    fn visit_bool<E>(self, key: bool) -> Result<String, E> {
        Ok(key.to_string())
    }
    fn visit_i64<E>(self, key: i64) -> Result<String, E> {
        Ok(key.to_string())
    }
    fn visit_u64<E>(self, key: u64) -> Result<String, E> {
        Ok(key.to_string())
    }
    fn visit_f64<E>(self, key: f64) -> Result<String, E> {
        Ok(key.to_string())
    }
    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_character_yaml_does_not_allow_is_found_by_its_line_and_column() {
        assert_eq!(
            first_unprintable("a: 1\nb: \"é\u{1}\"\n"),
            Some(('\u{1}', 2, 6))
        );
        assert_eq!(first_unprintable("\u{7f}"), Some(('\u{7f}', 1, 1)));
        assert_eq!(first_unprintable("a:\r\n\tb\u{9f}"), Some(('\u{9f}', 2, 3)));
        assert_eq!(
            first_unprintable("a: \u{feff}\u{fffe}"),
            Some(('\u{fffe}', 1, 5))
        );
        assert_eq!(first_unprintable("a:\t\u{85}b\r\n"), None);
    }

    fn tokens(pointer: &[&str]) -> Vec<String> {
        pointer.iter().map(|token| (*token).to_owned()).collect()
    }

    #[test]
    fn the_place_of_a_value_is_its_line_and_column_in_yaml_and_json() {
        let yaml = "a:\n  b: [1, {c: x}]\n  200:\n    d: true\n";
        assert_eq!(of(yaml, &tokens(&["a", "b", "1", "c"])), Some((2, 14)));
        assert_eq!(of(yaml, &tokens(&["a", "200", "d"])), Some((4, 8)));
        assert_eq!(of(yaml, &tokens(&["a", "b", "2"])), None);
        assert_eq!(of(yaml, &tokens(&["a", "e"])), None);
        let json = "{\"a\": {\n \"b\": [1, {\"c\": \"x\"}]}}";
        assert_eq!(
            of(json, &tokens(&["a", "b", "1", "c"])).map(|(line, _)| line),
            Some(2)
        );
    }
}
