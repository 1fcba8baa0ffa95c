//! The dry run through the public API: validation with positions, repeated ids, the modes.

use std::sync::Arc;

use okta_identity_source::models::IdentitySourceUserProfileForUpsert as Profile;
use okta_identity_source_import::{
    Deactivation, Duplicates, InvalidRecord, Limits, OnInvalid, Options, Position, UserRecord, plan,
};

fn user(id: &str, line: u64) -> Result<UserRecord, InvalidRecord> {
    let profile = Profile {
        email: Some(format!("{id}@example.com")),
        first_name: Some(Some("Ada".into())),
        ..Profile::default()
    };
    let file: Arc<str> = Arc::from("users.csv");
    Ok(UserRecord::new(id, profile).at(Position::in_file(file, line, line - 1)))
}

fn leaver(id: &str) -> Result<Deactivation, InvalidRecord> {
    Ok(Deactivation::new(id))
}

fn no_leavers() -> Vec<Result<Deactivation, InvalidRecord>> {
    Vec::new()
}

#[test]
fn every_problem_is_reported_at_its_place_and_nothing_is_planned_in_fail_mode() {
    let mut bad_email = user("e-3", 4).unwrap();
    bad_email.profile.email = Some("nobody".into());
    bad_email.profile.first_name = Some(Some(String::new()));
    let unreadable = InvalidRecord::new(
        Position::in_file(Arc::from("users.csv"), 5, 4),
        vec!["the row has 3 fields; the header has 4".into()],
    );
    let users = vec![
        user("e-1", 2),
        user("", 3),
        Ok(bad_email),
        Err(unreadable),
        user("e-1", 6),
    ];
    let error = plan(
        users,
        vec![leaver("e-1"), leaver("x".repeat(513).as_str())],
        &Options::default(),
    )
    .unwrap_err();
    let lines: Vec<String> = error.records.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "users.csv:3: externalId is missing; email is not an email address",
            "users.csv:4: externalId \"e-3\": email is not an email address; firstName is empty",
            "users.csv:5: the row has 3 fields; the header has 4",
            "users.csv:6: externalId \"e-1\": externalId also at users.csv:2",
            "deactivation 1: externalId \"e-1\": externalId is also a user to create or update, at users.csv:2",
            &format!(
                "deactivation 2: externalId {:?}… (513 characters): externalId is 513 characters long; at most 512 are allowed",
                "x".repeat(40)
            ),
        ]
    );
}

#[test]
fn skip_mode_plans_the_valid_records_and_lists_the_rest() {
    let users = vec![user("e-1", 2), user("", 3), user("e-2", 4), user("e-3", 5)];
    let options = Options::default().on_invalid(OnInvalid::Skip);
    let plan = plan(users, vec![leaver("e-3"), leaver("e-9")], &options).unwrap();
    // e-3 is both a user and a leaver: neither is sent.
    assert_eq!((plan.users, plan.deactivations), (2, 1));
    let positions: Vec<String> = plan
        .invalid
        .iter()
        .map(|r| r.position.to_string())
        .collect();
    assert_eq!(positions, ["users.csv:3", "users.csv:5", "deactivation 1"]);
    assert_eq!(plan.sessions.len(), 1);
    assert_eq!(
        plan.to_string(),
        "2 users to create or update and 1 to deactivate: 1 session, 2 uploads; 3 invalid records left out"
    );
}

#[test]
fn last_wins_keeps_the_later_record_with_a_warning() {
    let users = vec![user("e-1", 2), user("e-2", 3), user("e-1", 4)];
    let options = Options::default().duplicates(Duplicates::LastWins);
    let plan = plan(users, vec![leaver("e-7"), leaver("e-7")], &options).unwrap();
    assert_eq!((plan.users, plan.deactivations), (2, 1));
    let warnings: Vec<String> = plan.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "users.csv:4: externalId \"e-1\" also at users.csv:2; this later record replaces it",
            "deactivation 2: externalId \"e-7\" also deactivated at deactivation 1; sent once",
        ]
    );
    // Given three times: each replaces the one before, and the last is the one sent.
    let users = vec![user("e-1", 2), user("e-1", 4), user("e-1", 7)];
    let thrice = okta_identity_source_import::plan(users, vec![], &options).unwrap();
    let warnings: Vec<String> = thrice.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "users.csv:4: externalId \"e-1\" also at users.csv:2; this later record replaces it",
            "users.csv:7: externalId \"e-1\" also at users.csv:4; this later record replaces it",
        ]
    );
}

#[test]
fn a_record_too_large_for_any_upload_is_invalid() {
    let mut huge = user("e-1", 2).unwrap();
    huge.profile.additional_properties = (0..40)
        .map(|n| (format!("attribute{n}"), "x".repeat(4_000)))
        .collect();
    let options = Options::default()
        .on_invalid(OnInvalid::Skip)
        .max_batch_bytes(100_000);
    let plan = plan(vec![Ok(huge), user("e-2", 3)], no_leavers(), &options).unwrap();
    assert_eq!(plan.users, 1);
    let reasons = &plan.invalid[0].reasons;
    assert!(
        reasons[0].starts_with("the record alone makes an upload of 160")
            && reasons[0].ends_with("at most 100000 are allowed"),
        "{reasons:?}"
    );
}

#[test]
fn records_without_positions_are_numbered_in_input_order() {
    let users = (0..3).map(|n| {
        Ok(UserRecord::new(
            if n == 1 { "" } else { "e" },
            Profile::default(),
        ))
    });
    let error = plan(users, no_leavers(), &Options::default()).unwrap_err();
    let positions: Vec<String> = error
        .records
        .iter()
        .map(|r| r.position.to_string())
        .collect();
    assert_eq!(positions, ["user 2", "user 3"]);
}

#[test]
fn limits_above_okta_s_are_lowered_to_okta_s() {
    let options = Options::default().limits(Limits {
        max_batch_records: 250,
        max_batch_bytes: 1_000_000,
        max_session_requests: 80,
        max_session_records: 20_000,
    });
    assert_eq!(*options.planning_limits(), Limits::OKTA);
    let options = Options::default().max_batch_bytes(10_000_000);
    assert_eq!(options.planning_limits().max_batch_bytes, 200_000);
    let small = Limits {
        max_batch_records: 0,
        max_batch_bytes: 5_000,
        max_session_requests: 3,
        max_session_records: 100,
    };
    let options = Options::default().limits(small);
    assert_eq!(
        *options.planning_limits(),
        Limits {
            max_batch_records: 1,
            ..small
        }
    );
}
