//! Serde support for tagged unions: a value is an object whose tag property names the type
//! it is, and that object, tag included, is the value of that type.

use serde::de::DeserializeOwned;
use serde::ser::Error as _;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// Serialises `value` with its tag: `property` is set to the first of `tags` unless `value`
/// sets it to one of them (a received value keeps the tag it came with); a value that sets
/// it to anything else (an empty string left in a required field, another variant's tag)
/// is sent with the variant's own, as the variant says what the value is.
#[allow(dead_code)] // Used by the models of API descriptions that have tagged unions.
pub fn serialize<T, S>(
    value: &T,
    property: &str,
    tags: &[&str],
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    T: Serialize,
    S: Serializer,
{
    let mut json = crate::json_value::to_value(value).map_err(S::Error::custom)?;
    if let (Value::Object(object), Some(first)) = (&mut json, tags.first()) {
        let own = object.get(property).and_then(Value::as_str);
        if !own.is_some_and(|own| tags.contains(&own)) {
            object.insert(property.to_owned(), Value::String((*first).to_owned()));
        }
    }
    json.serialize(serializer)
}

/// The tag of a received value: `property` of an object, when it is a string.
#[allow(dead_code)]
pub fn tag<'v>(value: &'v Value, property: &str) -> Option<&'v str> {
    value.get(property)?.as_str()
}

/// Decodes the whole received value as the type its tag names.
#[allow(dead_code)]
pub fn variant<T, E>(value: Value) -> Result<T, E>
where
    T: DeserializeOwned,
    E: serde::de::Error,
{
    crate::decode::value(&value)
}

/// Whether every property of `object` is one of `names`: a struct that declares those
/// alone keeps all of them.
#[allow(dead_code)]
pub fn declares_all(object: &serde_json::Map<String, Value>, names: &[&str]) -> bool {
    object.keys().all(|key| names.contains(&key.as_str()))
}

/// The received value as `T`, if it decodes as one: a variant of a union tried in turn.
#[allow(dead_code)]
pub fn decoded<T: DeserializeOwned>(value: &Value) -> Option<T> {
    serde::Deserialize::deserialize(value).ok()
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::{json, Value};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Cat {
        #[serde(rename = "petType", skip_serializing_if = "Option::is_none")]
        pet_type: Option<String>,
        lives: u8,
    }

    /// A union as the generator emits one.
    #[derive(Debug, PartialEq)]
    enum Pet {
        Cat(Cat),
        Unknown(Value),
    }

    impl Serialize for Pet {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Self::Cat(value) => {
                    super::serialize(value, "petType", &["cat", "kitten"], serializer)
                }
                Self::Unknown(value) => value.serialize(serializer),
            }
        }
    }

    impl<'de> Deserialize<'de> for Pet {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let value = Value::deserialize(deserializer)?;
            match super::tag(&value, "petType") {
                Some("cat" | "kitten") => super::variant(value).map(Self::Cat),
                _ => Ok(Self::Unknown(value)),
            }
        }
    }

    #[test]
    fn the_tag_is_sent_when_the_value_leaves_it_out_and_kept_when_it_is_one_of_the_variant_s() {
        let untagged = Pet::Cat(Cat {
            pet_type: None,
            lives: 9,
        });
        assert_eq!(
            serde_json::to_value(&untagged).unwrap(),
            json!({"petType": "cat", "lives": 9})
        );
        let kitten = Pet::Cat(Cat {
            pet_type: Some("kitten".into()),
            lives: 9,
        });
        assert_eq!(
            serde_json::to_value(&kitten).unwrap(),
            json!({"petType": "kitten", "lives": 9})
        );
    }

    #[test]
    fn an_f32_of_a_variant_is_sent_as_the_decimal_it_is() {
        #[derive(Serialize)]
        struct Weighed {
            weight: f32,
        }
        let json = super::serialize(
            &Weighed { weight: 4.2 },
            "kind",
            &["weighed"],
            serde_json::value::Serializer,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&json).unwrap(),
            r#"{"kind":"weighed","weight":4.2}"#
        );
    }

    #[test]
    fn a_tag_the_variant_does_not_have_is_replaced_by_its_own() {
        for wrong in ["", "dog"] {
            let cat = Pet::Cat(Cat {
                pet_type: Some(wrong.into()),
                lives: 9,
            });
            assert_eq!(
                serde_json::to_value(&cat).unwrap(),
                json!({"petType": "cat", "lives": 9})
            );
        }
    }

    #[test]
    fn the_tag_picks_the_variant_which_keeps_the_tag() {
        let pet: Pet = serde_json::from_value(json!({"petType": "kitten", "lives": 3})).unwrap();
        assert_eq!(
            pet,
            Pet::Cat(Cat {
                pet_type: Some("kitten".into()),
                lives: 3
            })
        );
    }

    #[test]
    fn unknown_missing_or_odd_tags_keep_the_value() {
        for value in [
            json!({"petType": "dragon", "wings": 2}),
            json!({"lives": 3}),
            json!({"petType": 7}),
            json!("cat"),
        ] {
            let pet: Pet = serde_json::from_value(value.clone()).unwrap();
            assert_eq!(pet, Pet::Unknown(value.clone()));
            assert_eq!(serde_json::to_value(&pet).unwrap(), value);
        }
    }

    #[test]
    fn a_known_tag_with_a_wrong_body_is_an_error_that_says_why() {
        let error = serde_json::from_value::<Pet>(json!({"petType": "cat", "lives": "many"}))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("invalid type: string \"many\", expected u8 at `lives`"),
            "{error}"
        );
    }
}
