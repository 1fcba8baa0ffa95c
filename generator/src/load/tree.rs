//! A document read as a tree of values, to be changed before the 3.0 model reads it.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_yaml::{Mapping, Value};

use super::{ParseError, json_text, locate};

/// `text` (JSON with serde_json, YAML with serde_yaml) as a tree. An integer too large for
/// 64 bits, which serde_yaml's values cannot hold, is kept as the nearest `f64`, as
/// serde_json keeps it.
pub(super) fn read(text: &str) -> Result<Value, ParseError> {
    let read = match json_text(text) {
        Some(json) => serde_json::from_str(json).ok(),
        None => serde_yaml::from_str(text)
            .ok()
            .or_else(|| serde_yaml::from_str::<Wide>(text).ok().map(|wide| wide.0)),
    };
    read.ok_or_else(|| locate::<Value>(text))
}

/// A mapping's key as a pointer token: a string as it is, any other scalar as YAML writes
/// it (YAML reads `200:` as a number).
pub(super) fn key_token(key: &Value) -> String {
    match key {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        _ => String::new(),
    }
}

/// Every mapping key written as a number, a boolean or `null` becomes its text, as in JSON
/// and as OpenAPI means it: YAML reads `404:` as a number, in a vendor extension
/// (`x-codes: {404: Not found}`), an example (`{2023: 15}`) or a property's name as much as
/// among responses, where the 3.0 model takes it. Order is kept; a key written both ways
/// (`200` and `"200"`) was refused before, as a key given twice.
pub(super) fn keys_as_text(value: &mut Value) {
    match value {
        Value::Sequence(items) => items.iter_mut().for_each(keys_as_text),
        Value::Mapping(mapping) => {
            if mapping.keys().any(|key| key_text(key).is_some()) {
                *mapping = std::mem::take(mapping)
                    .into_iter()
                    .map(|(key, value)| match key_text(&key) {
                        Some(text) => (Value::String(text), value),
                        None => (key, value),
                    })
                    .collect();
            }
            mapping.values_mut().for_each(keys_as_text);
        }
        Value::Tagged(tagged) => keys_as_text(&mut tagged.value),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// The text of a key that is a scalar but not a string.
fn key_text(key: &Value) -> Option<String> {
    match key {
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null => Some("null".to_owned()),
        _ => None,
    }
}

/// A tree read with integers of any width (one wider than 64 bits kept as the nearest `f64`).
pub(super) struct Wide(pub(super) Value);

impl<'de> Deserialize<'de> for Wide {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WideVisitor).map(Wide)
    }
}

struct WideVisitor;

impl<'de> Visitor<'de> for WideVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    #[allow(
        clippy::cast_precision_loss,
        reason = "kept as the nearest f64, as serde_json does"
    )]
    fn visit_i128<E>(self, value: i128) -> Result<Value, E> {
        Ok(Value::Number((value as f64).into()))
    }

    #[allow(
        clippy::cast_precision_loss,
        reason = "kept as the nearest f64, as serde_json does"
    )]
    fn visit_u128<E>(self, value: u128) -> Result<Value, E> {
        Ok(Value::Number((value as f64).into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Wide::deserialize(deserializer).map(|wide| wide.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Wide(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut mapping = Mapping::new();
        while let Some((Wide(key), Wide(value))) = map.next_entry()? {
            mapping.insert(key, value);
        }
        Ok(Value::Mapping(mapping))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_wider_than_64_bits_are_read() {
        let tree = read("a: 340282366920938463463374607431768211455\nb: -170141183460469231731687303715884105728\nc: 1\n")
            .map_err(|error| error.message)
            .expect("reads");
        assert_eq!(tree["a"].as_f64(), Some(3.402_823_669_209_385e38));
        assert_eq!(tree["b"].as_f64(), Some(-1.701_411_834_604_692_3e38));
        assert_eq!(tree["c"].as_u64(), Some(1));
    }

    #[test]
    fn keys_that_are_numbers_booleans_or_null_become_their_text_in_order() {
        let mut tree = read("x: {404: a, b: {true: 1, ~: 2, 1.5: [{7: c}]}, s: d}\n")
            .map_err(|error| error.message)
            .expect("reads");
        keys_as_text(&mut tree);
        let expected = read("x: {'404': a, b: {'true': 1, 'null': 2, '1.5': [{'7': c}]}, s: d}\n")
            .map_err(|error| error.message)
            .expect("reads");
        assert_eq!(tree, expected);
        let keys: Vec<&Value> = tree["x"].as_mapping().expect("a mapping").keys().collect();
        assert_eq!(keys, ["404", "b", "s"]);
    }
}
