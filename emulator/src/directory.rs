//! An identity source's directory of users, and how a completed import changes it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::session::{Change, DirectoryUser};

/// The users of one identity source, by external id.
pub(crate) type Directory = BTreeMap<String, DirectoryUser>;

/// Applies a session's changes in the order they were uploaded.
pub(crate) fn apply(directory: &mut Directory, changes: Vec<Change>) {
    for change in changes {
        match change {
            Change::Upsert(users) => {
                for user in users {
                    let entry =
                        directory
                            .entry(user.external_id)
                            .or_insert_with(|| DirectoryUser {
                                profile: serde_json::Map::new(),
                                active: true,
                            });
                    entry.active = true;
                    for (name, value) in user.profile {
                        if value == Value::Null {
                            entry.profile.remove(&name);
                        } else {
                            entry.profile.insert(name, value);
                        }
                    }
                }
            }
            Change::Deactivate(ids) => {
                for id in ids {
                    if let Some(user) = directory.get_mut(&id) {
                        user.active = false;
                    }
                }
            }
        }
    }
}
