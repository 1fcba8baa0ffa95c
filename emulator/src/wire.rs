//! The shapes of the upload bodies, read in one pass: each thing read is handed at once to
//! a [`BodySink`] (the rules), borrowed from the body's bytes where the JSON allows it, so
//! nothing is built between the JSON and the checks. Strings are handed over as their UTF-8
//! bytes (the body is UTF-8, checked once as a whole, and a string read from it is whole
//! characters). A body that does not read into these
//! shapes (not JSON, or a field of the wrong JSON type, or a field given twice) is malformed.
//! Unknown fields are skipped, as Okta skips them.
//!
//! The reader is made for these shapes alone (a [`Scanner`] over the body, which finds the
//! ends of strings eight bytes at a time, with `memchr` past their first 32), and refuses exactly the bodies that serde_json refuses
//! when it reads them into the operation's types: the tests prove it against serde_json
//! driving visitors of the same shapes (`serde_reader`).

use std::borrow::Cow;

pub(crate) use keys::KnownKeys;
use scanner::Scanner;

use crate::rules::STANDARD_ATTRIBUTES;

mod keys;

mod scanner;
#[cfg(test)]
mod serde_reader;
#[cfg(test)]
mod tests;

/// What a bulk body holds, told as it is read.
pub(crate) trait BodySink {
    /// Whether the entries' `profile` objects are read (bulk-upsert) or skipped (bulk-delete).
    const READS_PROFILES: bool;

    /// `entityType`, or `None` when it is `null`.
    fn entity_type(&mut self, entity_type: Option<&[u8]>);

    /// The entry at `index` of `profiles` begins.
    fn entry_start(&mut self, index: usize);

    /// An attribute of the current entry's profile.
    fn attribute(&mut self, name: &[u8], value: Attribute<'_>);

    /// A standard attribute of the current entry's profile, `name`, with its place in
    /// [`PROFILE_FIELDS`](crate::rules::PROFILE_FIELDS), which the reader found as it read
    /// the name.
    #[inline]
    fn standard_attribute(&mut self, field: usize, name: &[u8], value: Attribute<'_>) {
        let _ = field;
        self.attribute(name, value);
    }

    /// The current entry ends: its `externalId` (`None` when missing or `null`), and whether
    /// it had a `profile` object.
    fn entry_end(&mut self, external_id: Option<&[u8]>, has_profile: bool);
}

/// The value of a profile attribute: a string (its UTF-8 bytes), `null`, or anything else
/// (named by its kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attribute<'a> {
    Text(Cow<'a, [u8]>),
    Null,
    Other(&'static str),
}

/// The keys of a bulk body, `entityType` and `profiles`, by their places.
const BODY_KEYS: KnownKeys = KnownKeys::new(&["entityType", "profiles"]);
const ENTITY_TYPE: Option<usize> = Some(0);
const PROFILES: Option<usize> = Some(1);
/// The keys of an entry of `profiles`, `externalId` and `profile`, by their places.
const ENTRY_KEYS: KnownKeys = KnownKeys::new(&["externalId", "profile"]);
const EXTERNAL_ID: Option<usize> = Some(0);
const PROFILE: Option<usize> = Some(1);
/// No keys known.
const NO_KEYS: KnownKeys = KnownKeys::new(&[]);

/// Reads a bulk body into `sink`; `None` when it does not read.
///
/// `BulkUpsertRequestBody` or `BulkDeleteRequestBody`: an object with `entityType` (a string
/// or `null`) and `profiles` (an array of entries, or `null` as if there were none).
pub(crate) fn read<S: BodySink>(body: &str, sink: &mut S) -> Option<()> {
    let mut scanner = Scanner::new(body);
    let (mut entity_type, mut profiles) = (false, false);
    scanner.object(&BODY_KEYS, |scanner, key| match key.known {
        ENTITY_TYPE => {
            once(&mut entity_type)?;
            let value = scanner.string_or_null()?;
            sink.entity_type(value.as_deref());
            Some(())
        }
        PROFILES => {
            once(&mut profiles)?;
            read_profiles(scanner, sink)
        }
        _ => scanner.skip_value(),
    })?;
    if !entity_type {
        sink.entity_type(None);
    }
    scanner.end()
}

/// Fails the read when a field is given a second time, as serde's derive does.
fn once(seen: &mut bool) -> Option<()> {
    (!std::mem::replace(seen, true)).then_some(())
}

/// `profiles`: an array of entries, or `null`.
fn read_profiles<S: BodySink>(scanner: &mut Scanner<'_>, sink: &mut S) -> Option<()> {
    if scanner.peek()? == b'n' {
        return scanner.literal(b"null");
    }
    let mut index = 0;
    scanner.array(|scanner| {
        read_entry(scanner, sink, index)?;
        index += 1;
        Some(())
    })
}

/// `IdentitySourceUserForUpsert` or `IdentitySourceUserProfileForDelete`: an object with
/// `externalId` (a string or `null`) and, for upserts, `profile`.
fn read_entry<S: BodySink>(scanner: &mut Scanner<'_>, sink: &mut S, index: usize) -> Option<()> {
    if scanner.peek()? != b'{' {
        return None;
    }
    sink.entry_start(index);
    let mut external_id: Option<Option<Cow<'_, [u8]>>> = None;
    let (mut has_profile, mut profile_seen) = (false, false);
    scanner.object(&ENTRY_KEYS, |scanner, key| match key.known {
        EXTERNAL_ID => {
            if external_id.is_some() {
                return None;
            }
            external_id = Some(scanner.string_or_null()?);
            Some(())
        }
        PROFILE if S::READS_PROFILES => {
            once(&mut profile_seen)?;
            has_profile = read_profile(scanner, sink)?;
            Some(())
        }
        _ => scanner.skip_value(),
    })?;
    sink.entry_end(external_id.flatten().as_deref(), has_profile);
    Some(())
}

/// `profile`: an object of attributes, or `null` (as if it were missing). True for an object.
fn read_profile<S: BodySink>(scanner: &mut Scanner<'_>, sink: &mut S) -> Option<bool> {
    if scanner.peek()? == b'n' {
        scanner.literal(b"null")?;
        return Some(false);
    }
    scanner.object(&STANDARD_ATTRIBUTES, |scanner, name| {
        let value = read_attribute(scanner)?;
        match name.known {
            Some(field) => sink.standard_attribute(field, &name.text, value),
            None => sink.attribute(&name.text, value),
        }
        Some(())
    })?;
    Some(true)
}

/// A profile attribute's value, which may be any JSON value. The keys of an object value
/// are read as strings; everything deeper is skipped.
#[inline]
fn read_attribute<'a>(scanner: &mut Scanner<'a>) -> Option<Attribute<'a>> {
    Some(match scanner.peek()? {
        b'"' => Attribute::Text(scanner.peeked_string()?),
        b'n' => {
            scanner.literal(b"null")?;
            Attribute::Null
        }
        b't' | b'f' => {
            scanner
                .literal(b"true")
                .or_else(|| scanner.literal(b"false"))?;
            Attribute::Other("a boolean")
        }
        b'-' | b'0'..=b'9' => {
            scanner.number_value()?;
            Attribute::Other("a number")
        }
        b'[' => {
            scanner.array(Scanner::skip_value)?;
            Attribute::Other("an array")
        }
        b'{' => {
            scanner.object(&NO_KEYS, |scanner, _| scanner.skip_value())?;
            Attribute::Other("an object")
        }
        _ => return None,
    })
}
