//! The shapes of the upload bodies as they are read: borrowed from the body's bytes where
//! the JSON allows it, so that checking 200 profiles allocates little. A body that does not
//! read into these shapes (not JSON, or a field of the wrong JSON type) is malformed.
//! Unknown fields are skipped, as Okta skips them.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Reads a body as `T`, or `None` when it does not read. The body is checked to be UTF-8
/// once as a whole, which is faster than serde_json checking each string of a byte slice.
pub(crate) fn read<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
    let text = std::str::from_utf8(body).ok()?;
    serde_json::from_str(text).ok()
}

/// A JSON string, borrowed from the body unless it has escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub Cow<'a, str>);

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

/// The value of a profile attribute: a string, `null`, or anything else (named by its kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attribute<'a> {
    Text(Cow<'a, str>),
    Null,
    Other(&'static str),
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
        Ok(Attribute::Text(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Attribute::Text(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Attribute::Text(Cow::Owned(value)))
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

/// A profile: its attributes in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Attributes<'a>(pub Vec<(Text<'a>, Attribute<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Attributes<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AttributesVisitor(PhantomData))
    }
}

struct AttributesVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for AttributesVisitor<'a> {
    type Value = Attributes<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of attributes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut attributes = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(entry) = map.next_entry::<Text<'a>, Attribute<'a>>()? {
            attributes.push(entry);
        }
        Ok(Attributes(attributes))
    }
}

/// A `T` read only from a JSON object: serde's derive would take an array too.
#[derive(Debug)]
pub(crate) struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = Object<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Object)
    }
}

/// `BulkUpsertRequestBody`.
#[derive(Debug, Deserialize)]
pub(crate) struct UpsertBody<'a> {
    #[serde(rename = "entityType", default, borrow)]
    pub entity_type: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub profiles: Option<Vec<Object<UpsertEntry<'a>>>>,
}

/// `IdentitySourceUserForUpsert`.
#[derive(Debug, Deserialize)]
pub(crate) struct UpsertEntry<'a> {
    #[serde(rename = "externalId", default, borrow)]
    pub external_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub profile: Option<Attributes<'a>>,
}

/// `BulkDeleteRequestBody`.
#[derive(Debug, Deserialize)]
pub(crate) struct DeleteBody<'a> {
    #[serde(rename = "entityType", default, borrow)]
    pub entity_type: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub profiles: Option<Vec<Object<DeleteEntry<'a>>>>,
}

/// `IdentitySourceUserProfileForDelete`.
#[derive(Debug, Deserialize)]
pub(crate) struct DeleteEntry<'a> {
    #[serde(rename = "externalId", default, borrow)]
    pub external_id: Option<Text<'a>>,
}
