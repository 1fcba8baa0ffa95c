//! A made-up HR directory, produced lazily: the input of the tests, the benchmarks and
//! the dry-run example.

use okta_identity_source::models::IdentitySourceUserProfileForUpsert as Profile;
use okta_identity_source_import::{Deactivation, InvalidRecord, UserRecord};

/// The external id of employee `n`.
pub fn employee_id(n: u64) -> String {
    format!("emp-{n:07}")
}

/// Employee `n`: standard attributes and two custom ones, about 240 bytes of JSON.
pub fn employee(n: u64) -> UserRecord {
    let id = employee_id(n);
    let email = format!("{id}@example.com");
    let profile = Profile {
        user_name: Some(email.clone()),
        email: Some(email),
        first_name: Some(Some(format!("First{n}"))),
        last_name: Some(Some(format!("Last{n}"))),
        mobile_phone: Some(Some(format!("+1 555 {:07}", n % 10_000_000))),
        additional_properties: [
            ("department".to_owned(), format!("Department {}", n % 40)),
            ("costCenter".to_owned(), format!("CC-{:04}", n % 1_000)),
        ]
        .into(),
        ..Profile::default()
    };
    UserRecord::new(id, profile)
}

/// Employees `range`, as the importer takes them.
pub fn employees(
    range: std::ops::Range<u64>,
) -> impl Iterator<Item = Result<UserRecord, InvalidRecord>> {
    range.map(|n| Ok(employee(n)))
}

/// Deactivations of employees `range`.
pub fn leavers(
    range: std::ops::Range<u64>,
) -> impl Iterator<Item = Result<Deactivation, InvalidRecord>> {
    range.map(|n| Ok(Deactivation::new(employee_id(n))))
}
