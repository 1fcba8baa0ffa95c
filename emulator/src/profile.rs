//! A user's profile as the directory stores it: a slot for each standard attribute and a
//! short list of custom ones, so an upsert replaces a value in place with no lookup by name
//! for the standard attributes, and no JSON value per attribute. Shown as a JSON object only
//! when read.

use serde_json::{Map, Value};

use crate::batch::Name;
use crate::rules::PROFILE_FIELDS;

/// The attributes of one user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Profile {
    /// The standard attributes, in the order of [`PROFILE_FIELDS`]; `None` when not set.
    standard: [Option<Vec<u8>>; PROFILE_FIELDS.len()],
    /// The custom attributes, in the order they were first set.
    custom: Vec<(Box<str>, Vec<u8>)>,
}

impl Profile {
    /// Sets an attribute from a string, or with `None` removes it.
    #[cfg(test)]
    pub(crate) fn set(&mut self, name: Name<'_>, value: Option<&str>) {
        self.set_bytes(name, value.map(str::as_bytes));
    }

    /// Sets an attribute from the bytes of its UTF-8 string, reusing the stored value when
    /// there is one, or with `None` (sent as `null`) removes it.
    #[inline]
    pub(crate) fn set_bytes(&mut self, name: Name<'_>, value: Option<&[u8]>) {
        debug_assert!(value.is_none_or(|text| std::str::from_utf8(text).is_ok()));
        let slot = match name {
            Name::Standard(field) => match self.standard.get_mut(field) {
                Some(slot) => slot,
                None => return,
            },
            Name::Custom(name) => return self.set_custom(name, value),
        };
        match (slot.as_mut(), value) {
            (Some(stored), Some(text)) => replace(stored, text),
            (None, Some(text)) => *slot = Some(text.to_vec()),
            (_, None) => *slot = None,
        }
    }

    /// Out of line: most attributes are standard ones.
    #[inline(never)]
    fn set_custom(&mut self, name: &str, value: Option<&[u8]>) {
        let found = self.custom.iter().position(|(stored, _)| **stored == *name);
        match (found, value) {
            (Some(at), Some(text)) => replace(&mut self.custom[at].1, text),
            (None, Some(text)) => self.custom.push((name.into(), text.to_vec())),
            (Some(at), None) => {
                self.custom.remove(at);
            }
            (None, None) => {}
        }
    }

    /// The profile as a JSON object, as the API would show it.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let standard = PROFILE_FIELDS.iter().zip(&self.standard);
        let standard = standard.filter_map(|(rule, value)| Some((rule.name, value.as_ref()?)));
        let custom = self.custom.iter().map(|(name, value)| (&**name, value));
        standard
            .chain(custom)
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value).into_owned();
                (name.to_owned(), Value::String(value))
            })
            .collect()
    }
}

fn replace(stored: &mut Vec<u8>, text: &[u8]) {
    stored.clear();
    stored.extend_from_slice(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn standard_and_custom_attributes_are_set_replaced_and_removed() {
        let email = PROFILE_FIELDS.iter().position(|rule| rule.name == "email");
        let email = Name::Standard(email.expect("email is a standard attribute"));
        let mut profile = Profile::default();
        profile.set(email, Some("a@b.co"));
        profile.set(Name::Custom("dept"), Some("R&D"));
        profile.set(Name::Custom("team"), Some("T1"));
        profile.set(Name::Custom("nothing"), None);
        assert_eq!(
            Value::Object(profile.to_map()),
            json!({ "email": "a@b.co", "dept": "R&D", "team": "T1" })
        );
        profile.set(email, Some("new@b.co"));
        profile.set(Name::Custom("dept"), None);
        profile.set(Name::Custom("team"), Some("T2"));
        assert_eq!(
            Value::Object(profile.to_map()),
            json!({ "email": "new@b.co", "team": "T2" })
        );
        profile.set(email, None);
        profile.set(Name::Custom("team"), None);
        assert!(profile.to_map().is_empty());
    }
}
