//! Serde support for the properties an object does not declare, held in a map flattened
//! into it: a key of the map that names a declared property would be sent beside that
//! property's own field, the object then holding the name twice (which one a server takes
//! is unspecified, and the object no longer reads back). Such a map is refused when the
//! object is written, so the request is never sent.

use std::collections::BTreeMap;

use serde::ser::Error as _;
use serde::{Serialize, Serializer};

/// An object with a map of undeclared properties: the names its declared ones have on the
/// wire.
pub trait Declared {
    /// The declared properties' names, as sent.
    const PROPERTIES: &'static [&'static str];
}

/// Writes the undeclared properties of a `T`, refusing a key that names a declared one.
#[allow(dead_code)] // Used by the models of API descriptions that have such objects.
pub fn serialize<T, V, S>(map: &BTreeMap<String, V>, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Declared,
    V: Serialize,
    S: Serializer,
{
    if let Some(name) = map
        .keys()
        .find(|name| T::PROPERTIES.contains(&name.as_str()))
    {
        return Err(S::Error::custom(format!(
            "`{name}` is a declared property, given as an additional one too: set it in its own field"
        )));
    }
    map.serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Profile;

    impl Declared for Profile {
        const PROPERTIES: &'static [&'static str] = &["email", "firstName"];
    }

    #[derive(Serialize)]
    struct Written {
        email: Option<String>,
        #[serde(flatten, serialize_with = "serialize::<Profile, _, _>")]
        additional: BTreeMap<String, String>,
    }

    #[test]
    fn a_key_that_names_a_declared_property_is_refused() {
        let written = |key: &str| {
            let object = Written {
                email: Some("a@example.com".into()),
                additional: [(key.to_owned(), "x".to_owned())].into(),
            };
            serde_json::to_string(&object).map_err(|error| error.to_string())
        };
        assert_eq!(
            written("department"),
            Ok(r#"{"email":"a@example.com","department":"x"}"#.to_owned())
        );
        assert_eq!(
            written("firstName"),
            Err("`firstName` is a declared property, given as an additional one too: set it in its own field".to_owned())
        );
    }
}
