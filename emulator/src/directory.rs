//! An identity source's directory of users, and how a completed import changes it.

use std::collections::BTreeMap;
use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};

use crate::batch::Batch;
use crate::profile::{CompactBytes, Profile, same, text};
use crate::session::{Change, ChangeKind, DirectoryUser};

/// The users of one identity source, by external id. Hashed rather than ordered: an import
/// looks up every user it carries, and the accessor that shows them sorts them. hashbrown's
/// default hasher (foldhash, seeded per process) hashes an id several times faster than std's
/// SipHash. A user's external id is kept with it, in its slot when short: a user whose id
/// and values are short takes no allocation but the list of its custom attributes.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    users: HashTable<StoredUser>,
    hasher: DefaultHashBuilder,
}

/// A user as the directory keeps it.
#[derive(Debug, Clone)]
struct StoredUser {
    external_id: CompactBytes,
    profile: Profile,
    active: bool,
}

impl Directory {
    /// How many users there are, active or not.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.users.len()
    }

    /// The users as [`Emulator::users`](crate::Emulator::users) shows them.
    pub(crate) fn view(&self) -> BTreeMap<String, DirectoryUser> {
        let users = self.users.iter().map(|user| {
            let view = DirectoryUser {
                profile: user.profile.to_map(),
                active: user.active,
            };
            (text(user.external_id.as_bytes()), view)
        });
        users.collect()
    }

    /// The user with this external id, or the place for it.
    #[inline]
    fn entry(&mut self, external_id: &[u8]) -> Entry<'_, StoredUser> {
        let hash = self.hasher.hash_one(external_id);
        let is_it = |user: &StoredUser| same(user.external_id.as_bytes(), external_id);
        let hasher = &self.hasher;
        let rehash = |user: &StoredUser| hasher.hash_one(user.external_id.as_bytes());
        self.users.entry(hash, is_it, rehash)
    }

    /// The user with this external id; not through [`Directory::entry`], which makes room
    /// for an insert: deactivating an unknown id must not grow the table.
    fn find_mut(&mut self, external_id: &[u8]) -> Option<&mut StoredUser> {
        let hash = self.hasher.hash_one(external_id);
        let is_it = |user: &StoredUser| same(user.external_id.as_bytes(), external_id);
        self.users.find_mut(hash, is_it)
    }
}

/// Applies a session's changes in the order they were uploaded, from what was kept when
/// each was checked: no body is read again.
pub(crate) fn apply(directory: &mut Directory, changes: Vec<Change>) {
    for change in changes {
        match change.kind {
            ChangeKind::Upsert => upsert(directory, &change.users),
            ChangeKind::Deactivate => deactivate(directory, &change.users),
        }
    }
}

/// Creates or updates each user and activates it: attributes sent replace the stored ones,
/// those sent as `null` are removed, the others are kept.
fn upsert(directory: &mut Directory, users: &Batch) {
    for (external_id, attributes) in users.users() {
        match directory.entry(external_id) {
            Entry::Occupied(mut user) => {
                let user = user.get_mut();
                user.active = true;
                user.profile.update(attributes);
            }
            Entry::Vacant(place) => {
                let mut profile = Profile::default();
                profile.update(attributes);
                place.insert(StoredUser {
                    external_id: CompactBytes::new(external_id),
                    profile,
                    active: true,
                });
            }
        }
    }
}

/// Deactivates each user there is; unknown external ids are ignored (FACTS.md).
fn deactivate(directory: &mut Directory, users: &Batch) {
    for (external_id, _) in users.users() {
        if let Some(user) = directory.find_mut(external_id) {
            user.active = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::batch::{BatchBuilder, Name};
    use crate::limits::Limits;
    use crate::rules::{PROFILE_FIELDS, STANDARD_NAMES, check_delete, check_upsert};

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
            check_upsert(first, &Limits::OKTA).unwrap(),
            check_delete(delete, &Limits::OKTA).unwrap(),
            check_upsert(second, &Limits::OKTA).unwrap(),
        ];
        let mut directory = Directory::default();
        apply(&mut directory, changes);
        assert_eq!(directory.len(), 2);
        let users = directory.view();
        let e1 = &users["e1"];
        assert!(e1.active);
        assert_eq!(
            Value::Object(e1.profile.clone()),
            json!({ "email": "new@b.co", "dept": "R&D" })
        );
        assert!(!users["e2"].active);
    }

    /// A session of 50 bulk-upserts of 200 users each, `user-0` to `user-9999`, with every
    /// standard attribute but one, a `null` and a custom attribute; `tag` is in every value.
    fn ten_thousand_users(tag: &str) -> Vec<Change> {
        let upload = |first: usize| {
            let profiles: Vec<_> = (first..first + 200)
                .map(|n| {
                    json!({ "externalId": format!("user-{n}"), "profile": {
                        "userName": format!("user{n}{tag}@example.com"),
                        "email": format!("user{n}{tag}@example.com"),
                        "firstName": format!("First{n}{tag}"), "lastName": "Last",
                        "mobilePhone": null, "department": format!("R&D{tag}")
                    }})
                })
                .collect();
            let body = json!({ "entityType": "USERS", "profiles": profiles }).to_string();
            check_upsert(body, &Limits::OKTA).expect("a valid body")
        };
        (0..50).map(|upload_at| upload(upload_at * 200)).collect()
    }

    #[test]
    fn ten_thousand_new_users_are_stored_then_updated_with_longer_values() {
        let mut directory = Directory::default();
        apply(&mut directory, ten_thousand_users(""));
        assert_eq!(directory.len(), 10_000);
        apply(&mut directory, ten_thousand_users("-updated"));
        let users = directory.view();
        assert_eq!(users.len(), 10_000);
        assert!(users.values().all(|user| user.active));
        let last = json!({
            "userName": "user9999-updated@example.com", "email": "user9999-updated@example.com",
            "firstName": "First9999-updated", "lastName": "Last", "department": "R&D-updated"
        });
        assert_eq!(Value::Object(users["user-9999"].profile.clone()), last);
    }

    /// A user's attributes as an upsert sends them: name, and value or `None` for `null`.
    type Sent = Vec<(Name<'static>, Option<String>)>;

    /// What a session applies, as the model sees it.
    #[derive(Debug, Clone)]
    enum Step {
        Upsert(Vec<(String, Sent)>),
        Deactivate(Vec<String>),
    }

    /// A user as the model keeps it: the attributes in the order the directory shows them,
    /// the standard ones by their place, the custom ones in the order they were first set.
    #[derive(Debug, Default)]
    struct ModelUser {
        active: bool,
        standard: [Option<String>; PROFILE_FIELDS.len()],
        custom: Vec<(String, String)>,
    }

    impl ModelUser {
        /// Sets or, with `None`, removes one attribute: the plain reading of an upsert.
        fn set(&mut self, name: Name<'_>, value: Option<&str>) {
            let value = value.map(str::to_owned);
            match name {
                Name::Standard(field) => self.standard[field] = value,
                Name::Custom(name) => {
                    let name = std::str::from_utf8(name).expect("a UTF-8 name");
                    let at = self.custom.iter().position(|(stored, _)| stored == name);
                    match (at, value) {
                        (Some(at), Some(value)) => self.custom[at].1 = value,
                        (None, Some(value)) => self.custom.push((name.to_owned(), value)),
                        (Some(at), None) => drop(self.custom.remove(at)),
                        (None, None) => {}
                    }
                }
            }
        }

        fn attributes(&self) -> Vec<(String, String)> {
            let standard = STANDARD_NAMES.iter().zip(&self.standard);
            let standard = standard
                .filter_map(|(name, value)| Some((name.to_string(), value.clone()?)))
                .collect::<Vec<_>>();
            standard.into_iter().chain(self.custom.clone()).collect()
        }
    }

    fn model_step(model: &mut HashMap<String, ModelUser>, step: &Step) {
        match step {
            Step::Upsert(users) => {
                for (external_id, sent) in users {
                    let user = model.entry(external_id.clone()).or_default();
                    user.active = true;
                    for (name, value) in sent {
                        user.set(*name, value.as_deref());
                    }
                }
            }
            Step::Deactivate(external_ids) => {
                for external_id in external_ids {
                    if let Some(user) = model.get_mut(external_id) {
                        user.active = false;
                    }
                }
            }
        }
    }

    /// The step as a checked change would carry it.
    fn change(step: &Step) -> Change {
        let no_attributes = Vec::new();
        let (kind, users) = match step {
            Step::Upsert(users) => (
                ChangeKind::Upsert,
                users
                    .iter()
                    .map(|(id, sent)| (id, sent))
                    .collect::<Vec<_>>(),
            ),
            Step::Deactivate(ids) => (
                ChangeKind::Deactivate,
                ids.iter().map(|id| (id, &no_attributes)).collect(),
            ),
        };
        let mut builder = BatchBuilder::new("", users.len(), 0);
        for (external_id, sent) in users {
            for (name, value) in sent {
                let value = value.as_deref().map(str::as_bytes);
                match *name {
                    Name::Standard(field) => builder.push_attribute(Some(field), b"", value),
                    Name::Custom(name) => builder.push_attribute(None, name, value),
                }
            }
            builder.push_user(external_id.as_bytes());
        }
        let users = builder.finish().into_batch(String::new());
        Change { kind, users }
    }

    fn name() -> impl Strategy<Value = Name<'static>> {
        const CUSTOM: [&str; 5] = [
            "dept",
            "team",
            "é",
            "a custom attribute with a long name",
            "",
        ];
        prop_oneof![
            (0..PROFILE_FIELDS.len()).prop_map(Name::Standard),
            proptest::sample::select(&CUSTOM[..]).prop_map(|name| Name::Custom(name.as_bytes())),
        ]
    }

    fn sent() -> impl Strategy<Value = Sent> {
        // Values of every length a slot holds, some just too long for it, and long ones.
        let value = prop_oneof![4 => "[a-zé&]{0,6}", 3 => "[a-zé]{12,30}", 1 => "[a-z]{120,300}"];
        let attribute = (name(), proptest::option::weighted(0.8, value));
        proptest::collection::vec(attribute, 0..8)
    }

    fn step() -> impl Strategy<Value = Step> {
        let external_id = prop_oneof![
            (0..40u8).prop_map(|n| format!("e{n}")),
            (0..4u8).prop_map(|n| format!("an external id too long for its slot {n}")),
            Just("é".to_owned())
        ];
        let upsert = proptest::collection::vec((external_id.clone(), sent()), 1..12);
        let deactivate = proptest::collection::vec(external_id, 1..6);
        prop_oneof![
            4 => upsert.prop_map(Step::Upsert),
            1 => deactivate.prop_map(Step::Deactivate),
        ]
    }

    proptest! {
        /// The directory holds what applying each attribute one after the other gives, in
        /// the same order, whatever the upserts (repeated users and attributes, nulls, long
        /// values) and deactivations.
        #[test]
        fn the_directory_holds_what_applying_each_attribute_in_turn_gives(
            steps in proptest::collection::vec(step(), 1..12),
        ) {
            let mut model = HashMap::new();
            let mut directory = Directory::default();
            for step in &steps {
                model_step(&mut model, step);
                apply(&mut directory, vec![change(step)]);
            }
            let expected: HashMap<_, _> = model
                .iter()
                .map(|(id, user)| (id.clone(), (user.active, user.attributes())))
                .collect();
            let stored: HashMap<_, _> = directory.users.iter().map(|user| {
                let attributes = user.profile.attributes();
                let attributes = attributes.map(|(name, value)| (text(name), text(value)));
                (text(user.external_id.as_bytes()), (user.active, attributes.collect::<Vec<_>>()))
            }).collect();
            prop_assert_eq!(&stored, &expected);
            let view = directory.view();
            prop_assert_eq!(view.len(), expected.len());
            for (id, (active, attributes)) in expected {
                let profile: Map<String, Value> = attributes
                    .into_iter()
                    .map(|(name, value)| (name, Value::String(value)))
                    .collect();
                prop_assert_eq!(view[&id].active, active);
                prop_assert_eq!(&view[&id].profile, &profile);
            }
        }
    }
}
