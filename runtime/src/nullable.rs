//! Serde support for optional, nullable properties, held as `Option<Option<T>>`: absent is
//! `None`, `null` is `Some(None)`, a value is `Some(Some(value))`.

use serde::{Deserialize, Deserializer};

/// Reads a present property, `null` included, as `Some(_)`; serde's `default` covers the
/// absent case.
#[allow(dead_code)] // Used by the models of API descriptions that have such properties.
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
