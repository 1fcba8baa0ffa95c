//! A record's JSON, byte for byte as the client's own types serialise it, written without
//! going through serde: every valid record is written once as it is checked, and serde's
//! general path (the flattened custom attributes as a map, every key escaped, a call
//! per value) was a third of the check's time. A value with nothing to escape (nearly
//! all) is copied as it is; one with something to escape goes through serde_json.

use okta_identity_source::models::IdentitySourceUserProfileForUpsert as Profile;

/// Appends the JSON of a user to create or update (`IdentitySourceUserForUpsert`).
pub fn write_user(json: &mut Vec<u8>, external_id: &str, profile: &Profile) {
    // Every field named: one added to the client's type must be written here too.
    let Profile {
        email,
        first_name,
        home_address,
        last_name,
        mobile_phone,
        second_email,
        user_name,
        additional_properties,
    } = profile;
    json.extend_from_slice(br#"{"externalId":"#);
    write_str(json, external_id);
    json.extend_from_slice(br#","profile":{"#);
    let mut fields = Fields { json, first: true };
    fields.optional(br#""email":"#, email.as_deref());
    fields.nullable(
        br#""firstName":"#,
        first_name.as_ref().map(Option::as_deref),
    );
    fields.nullable(
        br#""homeAddress":"#,
        home_address.as_ref().map(Option::as_deref),
    );
    fields.nullable(br#""lastName":"#, last_name.as_ref().map(Option::as_deref));
    fields.nullable(
        br#""mobilePhone":"#,
        mobile_phone.as_ref().map(Option::as_deref),
    );
    fields.optional(br#""secondEmail":"#, second_email.as_deref());
    fields.optional(br#""userName":"#, user_name.as_deref());
    for (name, value) in additional_properties {
        fields.key(name);
        write_str(fields.json, value);
    }
    json.extend_from_slice(b"}}");
}

/// Appends the JSON of a user to deactivate (`IdentitySourceUserProfileForDelete`).
pub fn write_deactivation(json: &mut Vec<u8>, external_id: &str) {
    json.extend_from_slice(br#"{"externalId":"#);
    write_str(json, external_id);
    json.push(b'}');
}

/// The members of an object being written.
struct Fields<'j> {
    json: &'j mut Vec<u8>,
    first: bool,
}

impl Fields<'_> {
    fn comma(&mut self) {
        if !self.first {
            self.json.push(b',');
        }
        self.first = false;
    }

    /// A member named by any text.
    fn key(&mut self, name: &str) {
        self.comma();
        write_str(self.json, name);
        self.json.push(b':');
    }

    /// A member left out when `None`; `key` is its name, quoted, and the colon.
    #[inline(always)]
    fn optional(&mut self, key: &[u8], value: Option<&str>) {
        if let Some(value) = value {
            self.comma();
            self.json.extend_from_slice(key);
            write_str(self.json, value);
        }
    }

    /// A member left out when `None`, `null` when `Some(None)`.
    #[inline(always)]
    fn nullable(&mut self, key: &[u8], value: Option<Option<&str>>) {
        match value {
            None => {}
            Some(None) => {
                self.comma();
                self.json.extend_from_slice(key);
                self.json.extend_from_slice(b"null");
            }
            Some(Some(value)) => self.optional(key, Some(value)),
        }
    }
}

/// Appends `value` as a JSON string.
fn write_str(json: &mut Vec<u8>, value: &str) {
    if needs_escaping(value.as_bytes()) {
        // Writing a string into a vector can't fail.
        let _ = serde_json::to_writer(&mut *json, value);
        return;
    }
    json.reserve(value.len() + 2);
    json.push(b'"');
    json.extend_from_slice(value.as_bytes());
    json.push(b'"');
}

/// Whether JSON escapes any of `bytes`: a quote, a backslash or a control character.
/// Looks at eight bytes at a time, the last eight overlapping those before.
fn needs_escaping(bytes: &[u8]) -> bool {
    let word = |eight: &[u8]| {
        let eight: [u8; 8] = eight.try_into().unwrap_or([b'a'; 8]);
        word_needs_escaping(u64::from_le_bytes(eight))
    };
    match bytes.len().checked_sub(8) {
        None => bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\'),
        Some(last) => bytes.chunks_exact(8).any(word) || word(&bytes[last..]),
    }
}

/// Whether any byte of `word` is under 0x20, a quote or a backslash: the bit tricks
/// that tell whether a word has a zero byte, or one less than some value.
fn word_needs_escaping(word: u64) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let below = |word: u64, bound: u8| word.wrapping_sub(ONES * u64::from(bound)) & !word & HIGHS;
    let control = below(word, 0x20);
    let quote = below(word ^ (ONES * u64::from(b'"')), 1);
    let backslash = below(word ^ (ONES * u64::from(b'\\')), 1);
    (control | quote | backslash) != 0
}

#[cfg(test)]
mod tests {
    use okta_identity_source::models::{
        IdentitySourceUserForUpsert, IdentitySourceUserProfileForDelete,
    };
    use proptest::prelude::*;

    use super::*;

    /// Text with what JSON escapes, and what it does not.
    fn text() -> impl Strategy<Value = String> {
        "[a-zé\"\\\\\n\t\u{1}\u{7f}\u{2028} @.]{0,12}"
    }

    fn nullable() -> impl Strategy<Value = Option<Option<String>>> {
        prop::option::of(prop::option::of(text()))
    }

    prop_compose! {
        fn profiles()(
            email in prop::option::of(text()),
            first_name in nullable(),
            home_address in nullable(),
            last_name in nullable(),
            mobile_phone in nullable(),
            second_email in prop::option::of(text()),
            user_name in prop::option::of(text()),
            additional_properties in prop::collection::btree_map(text(), text(), 0..4),
        ) -> Profile {
            Profile {
                email,
                first_name,
                home_address,
                last_name,
                mobile_phone,
                second_email,
                user_name,
                additional_properties,
            }
        }
    }

    proptest! {
        /// Whatever the attributes, the JSON is exactly what serde_json makes of the
        /// client's types.
        #[test]
        fn a_user_is_written_as_serde_json_writes_it(external_id in text(), profile in profiles()) {
            let mut json = b"[".to_vec();
            write_user(&mut json, &external_id, &profile);
            let user = IdentitySourceUserForUpsert { external_id, profile };
            let expected = serde_json::to_vec(&user).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&json[1..], &expected[..]);
        }

        #[test]
        fn a_deactivation_is_written_as_serde_json_writes_it(external_id in text()) {
            let mut json = Vec::new();
            write_deactivation(&mut json, &external_id);
            let expected = serde_json::to_vec(&IdentitySourceUserProfileForDelete { external_id })
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(json, expected);
        }
    }

    #[test]
    fn every_byte_that_needs_escaping_is_found_wherever_it_is() {
        for len in 0..20 {
            assert!(!needs_escaping(&vec![b'x'; len]));
            assert!(!needs_escaping("é\u{7f}\u{2028} ~!".repeat(len).as_bytes()));
            for at in 0..len {
                for byte in (0..0x20).chain([b'"', b'\\']) {
                    let mut bytes = vec![0xc3; len];
                    bytes[at] = byte;
                    assert!(needs_escaping(&bytes), "{byte} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn a_custom_attribute_named_like_a_standard_one_is_written_twice_as_serde_does() {
        let profile = Profile {
            email: Some("a@b.co".into()),
            first_name: Some(None),
            additional_properties: [("email".to_owned(), "c@d.co".to_owned())].into(),
            ..Profile::default()
        };
        let mut json = Vec::new();
        write_user(&mut json, "x", &profile);
        assert_eq!(
            String::from_utf8_lossy(&json),
            r#"{"externalId":"x","profile":{"email":"a@b.co","firstName":null,"email":"c@d.co"}}"#
        );
    }
}
