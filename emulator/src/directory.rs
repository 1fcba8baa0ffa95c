//! An identity source's directory of users, and how a completed import changes it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::session::{Change, ChangeKind, DirectoryUser};
use crate::wire::{self, Attribute, DeleteBody, Object, Text, UpsertBody};

/// The users of one identity source, by external id.
pub(crate) type Directory = BTreeMap<String, DirectoryUser>;

/// Applies a session's changes in the order they were uploaded. The bodies were checked
/// when they were accepted, so they read.
pub(crate) fn apply(directory: &mut Directory, changes: Vec<Change>) {
    for change in changes {
        match change.kind {
            ChangeKind::Upsert => upsert(directory, &change.body),
            ChangeKind::Deactivate => deactivate(directory, &change.body),
        }
    }
}

/// Creates or updates each user and activates it: attributes sent replace the stored ones,
/// those sent as `null` are removed, the others are kept.
fn upsert(directory: &mut Directory, body: &[u8]) {
    let Some(Object(UpsertBody {
        profiles: Some(profiles),
        ..
    })) = wire::read(body)
    else {
        return;
    };
    for Object(entry) in profiles {
        let Some(Text(external_id)) = entry.external_id else {
            continue;
        };
        // Look up by the borrowed id first: most upserts update a user already there.
        let user = match directory.get_mut(external_id.as_ref()) {
            Some(user) => user,
            None => directory
                .entry(external_id.into_owned())
                .or_insert(DirectoryUser {
                    profile: serde_json::Map::new(),
                    active: true,
                }),
        };
        user.active = true;
        for (Text(name), value) in entry.profile.unwrap_or_default().0 {
            set_attribute(&mut user.profile, name, value);
        }
    }
}

/// Sets (or with `null`, removes) one attribute, reusing the stored string when there is one.
fn set_attribute(
    profile: &mut serde_json::Map<String, Value>,
    name: Cow<'_, str>,
    value: Attribute<'_>,
) {
    match (profile.get_mut(name.as_ref()), value) {
        (Some(Value::String(stored)), Attribute::Text(text)) => {
            stored.clear();
            stored.push_str(&text);
        }
        (_, Attribute::Text(text)) => {
            profile.insert(name.into_owned(), Value::String(text.into_owned()));
        }
        (_, Attribute::Null | Attribute::Other(_)) => {
            profile.remove(name.as_ref());
        }
    }
}

/// Deactivates each user there is; unknown external ids are ignored (FACTS.md).
fn deactivate(directory: &mut Directory, body: &[u8]) {
    let Some(Object(DeleteBody {
        profiles: Some(profiles),
        ..
    })) = wire::read(body)
    else {
        return;
    };
    for Object(entry) in profiles {
        if let Some(user) = entry
            .external_id
            .and_then(|id| directory.get_mut(id.0.as_ref()))
        {
            user.active = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::rules::{check_delete, check_upsert};
    use bytes::Bytes;

    #[test]
    fn upserts_merge_profiles_nulls_remove_and_deletes_deactivate_known_users() {
        let first: &[u8] = br#"{"entityType":"USERS","profiles":[
            {"externalId":"e\u0031","profile":{"email":"a@b.co","mobilePhone":"1","dept":"R\u0026D"}},
            {"externalId":"e2","profile":{}}]}"#;
        let second: &[u8] = br#"{"entityType":"USERS","profiles":[
            {"externalId":"e1","profile":{"email":"new@b.co","mobilePhone":null}}]}"#;
        let delete: &[u8] =
            br#"{"entityType":"USERS","profiles":[{"externalId":"e2"},{"externalId":"nobody"}]}"#;
        let changes = vec![
            check_upsert(Bytes::from_static(first), &Limits::OKTA).unwrap(),
            check_delete(Bytes::from_static(delete), &Limits::OKTA).unwrap(),
            check_upsert(Bytes::from_static(second), &Limits::OKTA).unwrap(),
        ];
        let mut directory = Directory::new();
        apply(&mut directory, changes);
        assert_eq!(directory.len(), 2);
        let e1 = &directory["e1"];
        assert!(e1.active);
        assert_eq!(
            Value::Object(e1.profile.clone()),
            serde_json::json!({ "email": "new@b.co", "dept": "R&D" })
        );
        assert!(!directory["e2"].active);
    }
}
