//! An identity source's directory of users, and how a completed import changes it.

use hashbrown::HashMap;

use crate::batch::Batch;
use crate::profile::Profile;
use crate::session::{Change, ChangeKind, DirectoryUser};

/// The users of one identity source, by external id. Hashed rather than ordered: an import
/// looks up every user it carries, and the accessor that shows them sorts them. hashbrown's
/// default hasher (foldhash, seeded per process) hashes an id several times faster than std's
/// SipHash.
pub(crate) type Directory = HashMap<String, StoredUser>;

/// A user as the directory keeps it.
#[derive(Debug, Clone, Default)]
pub(crate) struct StoredUser {
    profile: Profile,
    active: bool,
}

impl StoredUser {
    /// The user as [`Emulator::users`](crate::Emulator::users) shows it.
    pub(crate) fn view(&self) -> DirectoryUser {
        DirectoryUser {
            profile: self.profile.to_map(),
            active: self.active,
        }
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
        // Look up first: most upserts update a user already there.
        let user = match directory.get_mut(external_id) {
            Some(user) => user,
            None => directory.entry(external_id.to_owned()).or_default(),
        };
        user.active = true;
        for (name, value) in attributes.into_bytes() {
            user.profile.set_bytes(name, value);
        }
    }
}

/// Deactivates each user there is; unknown external ids are ignored (FACTS.md).
fn deactivate(directory: &mut Directory, users: &Batch) {
    for (external_id, _) in users.users() {
        if let Some(user) = directory.get_mut(external_id) {
            user.active = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::rules::{check_delete, check_upsert};
    use serde_json::{Value, json};

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
        let mut directory = Directory::new();
        apply(&mut directory, changes);
        assert_eq!(directory.len(), 2);
        let e1 = directory["e1"].view();
        assert!(e1.active);
        assert_eq!(
            Value::Object(e1.profile),
            json!({ "email": "new@b.co", "dept": "R&D" })
        );
        assert!(!directory["e2"].view().active);
    }
}
