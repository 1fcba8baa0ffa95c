//! The rules an upload body must follow, as data, and the checks that apply them.
//!
//! From FACTS.md: `entityType` is `USERS`; 1 to 200 profiles; `externalId` at most 512
//! characters; the standard attributes' lengths, formats and nullability below; a custom
//! attribute is any other key and must have a string value. A body that is not JSON, or whose
//! structure is not the operation's (say `profiles` is not an array), is refused with E0000003
//! as Okta refuses bodies it cannot read; a body that reads but breaks a rule is refused with
//! E0000001, one cause per broken rule. Unknown top-level fields are ignored, as Okta does.

use bytes::Bytes;

use crate::error::OktaError;
use crate::limits::Limits;
use crate::session::{Change, ChangeKind};
use crate::wire::{self, Attribute, Attributes, DeleteBody, Object, Text, UpsertBody};

/// How a standard profile attribute is checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldRule {
    pub name: &'static str,
    pub min_chars: usize,
    pub max_chars: usize,
    pub nullable: bool,
    pub email: bool,
}

const fn rule(name: &'static str, min_chars: usize, max_chars: usize, nullable: bool) -> FieldRule {
    FieldRule {
        name,
        min_chars,
        max_chars,
        nullable,
        email: false,
    }
}

const fn email(name: &'static str) -> FieldRule {
    FieldRule {
        email: true,
        ..rule(name, 5, 100, false)
    }
}

/// `IdentitySourceUserProfileForUpsert`'s attributes (FACTS.md, "Schemas").
pub(crate) const PROFILE_FIELDS: &[FieldRule] = &[
    rule("userName", 0, 100, false),
    email("email"),
    email("secondEmail"),
    rule("firstName", 1, 50, true),
    rule("lastName", 1, 50, true),
    rule("mobilePhone", 0, 100, true),
    rule("homeAddress", 0, 4096, true),
];

/// The longest `externalId` (FACTS.md).
pub(crate) const MAX_EXTERNAL_ID_CHARS: usize = 512;

/// The only `entityType` the service accepts.
pub(crate) const ENTITY_TYPE: &str = "USERS";

/// Checks a bulk-upsert body; the change it makes, keeping the body as it came.
pub(crate) fn check_upsert(body: Bytes, limits: &Limits) -> Result<Change, OktaError> {
    let Object(parsed): Object<UpsertBody<'_>> =
        wire::read(&body).ok_or_else(OktaError::malformed)?;
    let profiles = check_envelope(parsed.entity_type, parsed.profiles, limits)?;
    let mut causes = Vec::new();
    for (index, Object(entry)) in profiles.iter().enumerate() {
        check_external_id(entry.external_id.as_ref(), index, &mut causes);
        match &entry.profile {
            Some(profile) => check_profile(profile, index, &mut causes),
            None => causes.push(format!("profiles[{index}].profile: is required")),
        }
    }
    let users = profiles.len();
    finish(causes)?;
    Ok(Change {
        kind: ChangeKind::Upsert,
        users,
        body,
    })
}

/// Checks a bulk-delete body; the change it makes, keeping the body as it came.
pub(crate) fn check_delete(body: Bytes, limits: &Limits) -> Result<Change, OktaError> {
    let Object(parsed): Object<DeleteBody<'_>> =
        wire::read(&body).ok_or_else(OktaError::malformed)?;
    let profiles = check_envelope(parsed.entity_type, parsed.profiles, limits)?;
    let mut causes = Vec::new();
    for (index, Object(entry)) in profiles.iter().enumerate() {
        check_external_id(entry.external_id.as_ref(), index, &mut causes);
    }
    let users = profiles.len();
    finish(causes)?;
    Ok(Change {
        kind: ChangeKind::Deactivate,
        users,
        body,
    })
}

fn finish(causes: Vec<String>) -> Result<(), OktaError> {
    if causes.is_empty() {
        Ok(())
    } else {
        Err(OktaError::validation("profiles", causes))
    }
}

/// `entityType` must be `USERS`, and there must be 1 to 200 profiles.
fn check_envelope<T>(
    entity_type: Option<Text<'_>>,
    profiles: Option<Vec<T>>,
    limits: &Limits,
) -> Result<Vec<T>, OktaError> {
    if entity_type.is_none_or(|kind| kind.0 != ENTITY_TYPE) {
        return Err(OktaError::validation(
            "entityType",
            vec![format!("entityType: must be {ENTITY_TYPE}")],
        ));
    }
    let profiles = profiles.unwrap_or_default();
    let max = limits.max_profiles_per_request;
    if profiles.is_empty() || profiles.len() > max {
        return Err(OktaError::validation(
            "profiles",
            vec![format!(
                "profiles: must contain between 1 and {max} items, not {}",
                profiles.len()
            )],
        ));
    }
    Ok(profiles)
}

/// A missing or too long `externalId` adds a cause.
fn check_external_id(id: Option<&Text<'_>>, index: usize, causes: &mut Vec<String>) {
    let Some(id) = id else {
        causes.push(format!("profiles[{index}].externalId: is required"));
        return;
    };
    let chars = id.0.chars().count();
    if chars == 0 || chars > MAX_EXTERNAL_ID_CHARS {
        causes.push(format!(
            "profiles[{index}].externalId: must be 1 to {MAX_EXTERNAL_ID_CHARS} characters, not {chars}"
        ));
    }
}

/// Checks every attribute of a profile: the standard ones against [`PROFILE_FIELDS`], any
/// other (a custom attribute) for a string value.
fn check_profile(profile: &Attributes<'_>, index: usize, causes: &mut Vec<String>) {
    for (name, value) in &profile.0 {
        let name = name.0.as_ref();
        let rule = PROFILE_FIELDS.iter().find(|rule| rule.name == name);
        let problem = match (rule, value) {
            (Some(rule), Attribute::Null) if rule.nullable => None,
            (Some(_), Attribute::Null) => Some("must not be null".to_owned()),
            (Some(rule), Attribute::Text(text)) => check_text(rule, text),
            (Some(_), Attribute::Other(kind)) => Some(format!("must be a string, not {kind}")),
            (None, Attribute::Text(_)) => None,
            (None, _) => Some("is a custom attribute and must be a string".to_owned()),
        };
        if let Some(problem) = problem {
            causes.push(format!("profiles[{index}].profile.{name}: {problem}"));
        }
    }
}

fn check_text(rule: &FieldRule, text: &str) -> Option<String> {
    let chars = text.chars().count();
    if chars < rule.min_chars || chars > rule.max_chars {
        return Some(format!(
            "must be {} to {} characters, not {chars}",
            rule.min_chars, rule.max_chars
        ));
    }
    if rule.email && !is_email(text) {
        return Some("is not a valid email address".to_owned());
    }
    None
}

/// The email format as JSON Schema's `format: email` is commonly checked: one `@`, a local
/// part, a domain with a dot, no spaces. Okta's exact check is not published.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn upsert(body: Value) -> Result<Change, OktaError> {
        check_upsert(Bytes::from(body.to_string()), &Limits::OKTA)
    }

    fn delete(body: &[u8]) -> Result<Change, OktaError> {
        check_delete(Bytes::copy_from_slice(body), &Limits::OKTA)
    }

    fn user(profile: Value) -> Value {
        json!({ "entityType": "USERS", "profiles": [{ "externalId": "e1", "profile": profile }] })
    }

    fn causes(result: Result<Change, OktaError>) -> Vec<String> {
        match result {
            Err(error) => {
                assert_eq!((error.status, error.code), (400, "E0000001"));
                error.causes
            }
            Ok(change) => panic!("accepted: {change:?}"),
        }
    }

    #[test]
    fn a_valid_upsert_is_kept_as_sent_and_unknown_fields_are_ignored() {
        let body: &[u8] = br#"{"entityType":"USERS","unknown":[1,{"a":2}],"profiles":[
            {"externalId":"e\u0031","extra":true,
             "profile":{"email":"a@b.co","firstName":null,"dept":"R\u0026D"}}]}"#;
        let change = check_upsert(Bytes::from_static(body), &Limits::OKTA).expect("valid");
        assert_eq!((change.kind, change.users), (ChangeKind::Upsert, 1));
        assert_eq!(change.body, body);
    }

    #[test]
    fn each_broken_field_rule_is_a_cause() {
        let long = "x".repeat(101);
        let found = causes(upsert(user(json!({
            "userName": long, "email": "not-an-email", "secondEmail": null,
            "firstName": "", "homeAddress": 5, "custom": ["a"], "flag": {"a": 1}
        }))));
        assert_eq!(found.len(), 7, "{found:?}");
        assert!(
            found
                .iter()
                .any(|c| c.contains("userName: must be 0 to 100"))
        );
        assert!(
            found
                .iter()
                .any(|c| c.contains("email: is not a valid email"))
        );
        assert!(
            found
                .iter()
                .any(|c| c.contains("secondEmail: must not be null"))
        );
        assert!(
            found
                .iter()
                .any(|c| c.contains("firstName: must be 1 to 50"))
        );
        assert!(
            found
                .iter()
                .any(|c| c.contains("homeAddress: must be a string, not a number"))
        );
        assert!(
            found
                .iter()
                .any(|c| c.contains("custom: is a custom attribute"))
        );
        assert!(
            found
                .iter()
                .any(|c| c.contains("flag: is a custom attribute"))
        );
    }

    #[test]
    fn profile_counts_outside_one_to_the_limit_are_refused() {
        let entry = json!({ "externalId": "e", "profile": {} });
        for count in [0, 201] {
            let body = json!({ "entityType": "USERS", "profiles": vec![entry.clone(); count] });
            let found = causes(upsert(body));
            assert!(found[0].contains("between 1 and 200"), "{found:?}");
        }
        let found = causes(upsert(json!({ "entityType": "USERS" })));
        assert!(found[0].ends_with("items, not 0"), "{found:?}");
        let body = json!({ "entityType": "USERS", "profiles": vec![entry; 200] });
        assert_eq!(upsert(body).expect("200 is allowed").users, 200);
    }

    #[test]
    fn entity_type_other_than_users_is_a_validation_error() {
        for body in [
            &br#"{"entityType":"GROUPS","profiles":[{"externalId":"e"}]}"#[..],
            br#"{"profiles":[{"externalId":"e"}]}"#,
        ] {
            let error = delete(body).unwrap_err();
            assert_eq!(error.summary, "Api validation failed: entityType");
        }
    }

    #[test]
    fn bodies_that_do_not_read_are_malformed() {
        for body in [
            &b"{"[..],
            b"[]",
            b"\xff\xfe",
            b"{\"entityType\":\"USERS\"} trailing",
            br#"{"entityType":7,"profiles":[]}"#,
            br#"{"entityType":"USERS","profiles":{}}"#,
            br#"{"entityType":"USERS","profiles":[{"externalId":7}]}"#,
            br#"{"entityType":"USERS","profiles":[3]}"#,
            br#"{"entityType":"USERS","profiles":[["e1"]]}"#,
        ] {
            let error = delete(body).unwrap_err();
            assert_eq!(error.code, "E0000003", "{}", String::from_utf8_lossy(body));
        }
        let error = upsert(
            json!({ "entityType": "USERS", "profiles": [{ "externalId": "e", "profile": [] }] }),
        );
        assert_eq!(error.unwrap_err().code, "E0000003");
    }

    #[test]
    fn external_ids_are_required_and_at_most_512_characters() {
        let body = json!({ "entityType": "USERS", "profiles": [
            { "externalId": "é".repeat(512) }, { "externalId": "x".repeat(513) }, {}, { "externalId": null }
        ] });
        let error = delete(body.to_string().as_bytes()).unwrap_err();
        assert_eq!(error.causes.len(), 3, "{:?}", error.causes);
        assert!(error.causes[0].starts_with("profiles[1].externalId"));
        assert!(error.causes[1].starts_with("profiles[2].externalId: is required"));
        assert!(error.causes[2].starts_with("profiles[3].externalId: is required"));
    }
}
