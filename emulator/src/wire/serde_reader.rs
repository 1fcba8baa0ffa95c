//! The reference the reader is proved against: serde_json driving visitors of the bulk
//! bodies' shapes into the same [`BodySink`], as the emulator read bodies before it had a
//! reader of its own. Unknown fields are skipped with `IgnoredAny`, a field given twice fails
//! the read as serde's derive does.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Attribute, BodySink};
use crate::rules::PROFILE_FIELDS;

/// Reads a bulk body into `sink` with serde_json; `None` when it does not read.
pub(super) fn read<S: BodySink>(body: &str, sink: &mut S) -> Option<()> {
    let mut deserializer = serde_json::Deserializer::from_str(body);
    BodySeed(sink).deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()
}

/// A JSON string, borrowed from the body unless it has escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(value)))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Attribute<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AttributeVisitor(PhantomData))
    }
}

struct AttributeVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for AttributeVisitor<'a> {
    type Value = Attribute<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Attribute::Text(Cow::Borrowed(value.as_bytes())))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Attribute::Text(Cow::Owned(value.as_bytes().to_vec())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Attribute::Text(Cow::Owned(value.into_bytes())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Attribute::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Attribute::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Attribute::Other("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Attribute::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Attribute::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Attribute::Other("a number"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Attribute::Other("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Attribute::Other("an object"))
    }
}

/// Fails the read when a field is given a second time, as serde's derive does.
fn once<E: de::Error>(seen: &mut bool, field: &'static str) -> Result<(), E> {
    if std::mem::replace(seen, true) {
        Err(E::duplicate_field(field))
    } else {
        Ok(())
    }
}

/// `BulkUpsertRequestBody` or `BulkDeleteRequestBody`: an object with `entityType` and
/// `profiles`.
struct BodySeed<'s, S>(&'s mut S);

impl<'de, S: BodySink> DeserializeSeed<'de> for BodySeed<'_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: BodySink> Visitor<'de> for BodySeed<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with entityType and profiles")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut entity_type, mut profiles) = (false, false);
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "entityType" => {
                    once(&mut entity_type, "entityType")?;
                    let value = map.next_value::<Option<Text<'de>>>()?;
                    self.0
                        .entity_type(value.as_ref().map(|Text(text)| text.as_bytes()));
                }
                "profiles" => {
                    once(&mut profiles, "profiles")?;
                    map.next_value_seed(ProfilesSeed(&mut *self.0))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !entity_type {
            self.0.entity_type(None);
        }
        Ok(())
    }
}

/// `profiles`: an array of entries, or `null` (as if there were none).
struct ProfilesSeed<'s, S>(&'s mut S);

impl<'de, S: BodySink> DeserializeSeed<'de> for ProfilesSeed<'_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, S: BodySink> Visitor<'de> for ProfilesSeed<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of profiles")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(EntrySeed {
                sink: &mut *self.0,
                index,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }
}

/// `IdentitySourceUserForUpsert` or `IdentitySourceUserProfileForDelete`: an object with
/// `externalId` and, for upserts, `profile`.
struct EntrySeed<'s, S> {
    sink: &'s mut S,
    index: usize,
}

impl<'de, S: BodySink> DeserializeSeed<'de> for EntrySeed<'_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: BodySink> Visitor<'de> for EntrySeed<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with externalId")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.sink.entry_start(self.index);
        let mut external_id: Option<Option<Text<'de>>> = None;
        let (mut has_profile, mut profile_seen) = (false, false);
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "externalId" => {
                    if external_id.is_some() {
                        return Err(de::Error::duplicate_field("externalId"));
                    }
                    external_id = Some(map.next_value()?);
                }
                "profile" if S::READS_PROFILES => {
                    once(&mut profile_seen, "profile")?;
                    has_profile = map.next_value_seed(ProfileSeed(&mut *self.sink))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let external_id = external_id.flatten();
        let external_id = external_id.as_ref().map(|Text(text)| text.as_bytes());
        self.sink.entry_end(external_id, has_profile);
        Ok(())
    }
}

/// `profile`: an object of attributes, or `null` (as if it were missing). True for an object.
struct ProfileSeed<'s, S>(&'s mut S);

impl<'de, S: BodySink> DeserializeSeed<'de> for ProfileSeed<'_, S> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, S: BodySink> Visitor<'de> for ProfileSeed<'_, S> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of attributes")
    }

    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while let Some((Text(name), value)) = map.next_entry::<Text<'de>, Attribute<'de>>()? {
            // The place of a standard attribute, found by comparing names.
            match PROFILE_FIELDS.iter().position(|rule| rule.name == &*name) {
                Some(field) => self.0.standard_attribute(field, name.as_bytes(), value),
                None => self.0.attribute(name.as_bytes(), value),
            }
        }
        Ok(true)
    }
}
