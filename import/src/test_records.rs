//! Records for the unit tests of the reads: users `u{id}`, some unreadable and some with a
//! bad address, and leavers.

use okta_identity_source::models::IdentitySourceUserProfileForUpsert as Profile;

use crate::record::{Deactivation, InvalidRecord, Position, UserRecord};

pub type Users = Vec<Result<UserRecord, InvalidRecord>>;
pub type Leavers = Vec<Result<Deactivation, InvalidRecord>>;

/// Users `u{id}` (every 37th unreadable, every 41st with a bad address), named `name` long.
pub fn users(rows: &[(u32, usize)]) -> Users {
    rows.iter()
        .map(|&(id, name)| {
            if id % 37 == 0 {
                return Err(InvalidRecord::new(Position::default(), vec!["bad".into()]));
            }
            let profile = Profile {
                email: Some(if id % 41 == 0 { "no address" } else { "a@b.co" }.into()),
                first_name: Some(Some("n".repeat(name))),
                ..Profile::default()
            };
            Ok(UserRecord::new(format!("u{id}"), profile))
        })
        .collect()
}

/// Leavers `u{id}`.
pub fn leavers(ids: &[u32]) -> Leavers {
    ids.iter()
        .map(|id| Ok(Deactivation::new(format!("u{id}"))))
        .collect()
}
