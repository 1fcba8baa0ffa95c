//! The rules an upload body must follow, as data, and the checks that apply them.
//!
//! From FACTS.md: `entityType` is `USERS`; 1 to 200 profiles; `externalId` at most 512
//! characters; the standard attributes' lengths, formats and nullability below; a custom
//! attribute is any other key and must have a string value. A body that is not JSON, or whose
//! structure is not the operation's (say `profiles` is not an array), is refused with E0000003
//! as Okta refuses bodies it cannot read; a body that reads but breaks a rule is refused with
//! E0000001, one cause per broken rule. Unknown top-level fields are ignored, as Okta does.

use serde_json::{Map, Value};

use crate::error::OktaError;
use crate::limits::Limits;

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

/// One user of a bulk-upsert.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UpsertUser {
    pub external_id: String,
    pub profile: Map<String, Value>,
}

/// A bulk-upsert body that follows the rules.
pub(crate) fn parse_upsert(body: &[u8], limits: &Limits) -> Result<Vec<UpsertUser>, OktaError> {
    let profiles = parse_envelope(body, limits)?;
    let mut causes = Vec::new();
    let mut users = Vec::with_capacity(profiles.len());
    for (index, entry) in profiles.into_iter().enumerate() {
        let Value::Object(mut entry) = entry else {
            return Err(OktaError::malformed());
        };
        let external_id = external_id(&mut entry, index, &mut causes)?;
        let profile = match entry.remove("profile") {
            Some(Value::Object(profile)) => profile,
            None | Some(Value::Null) => {
                causes.push(format!("profiles[{index}].profile: is required"));
                Map::new()
            }
            Some(_) => return Err(OktaError::malformed()),
        };
        check_profile(&profile, index, &mut causes);
        users.push(UpsertUser {
            external_id,
            profile,
        });
    }
    finish(users, causes)
}

/// The external ids of a bulk-delete body that follows the rules.
pub(crate) fn parse_delete(body: &[u8], limits: &Limits) -> Result<Vec<String>, OktaError> {
    let profiles = parse_envelope(body, limits)?;
    let mut causes = Vec::new();
    let mut ids = Vec::with_capacity(profiles.len());
    for (index, entry) in profiles.into_iter().enumerate() {
        let Value::Object(mut entry) = entry else {
            return Err(OktaError::malformed());
        };
        ids.push(external_id(&mut entry, index, &mut causes)?);
    }
    finish(ids, causes)
}

fn finish<T>(items: Vec<T>, causes: Vec<String>) -> Result<Vec<T>, OktaError> {
    if causes.is_empty() {
        Ok(items)
    } else {
        Err(OktaError::validation("profiles", causes))
    }
}

/// The `profiles` array of a body whose `entityType` is `USERS`, with 1 to 200 entries.
fn parse_envelope(body: &[u8], limits: &Limits) -> Result<Vec<Value>, OktaError> {
    let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(body) else {
        return Err(OktaError::malformed());
    };
    match body.remove("entityType") {
        Some(Value::String(kind)) if kind == ENTITY_TYPE => {}
        Some(Value::String(_)) | Some(Value::Null) | None => {
            return Err(OktaError::validation(
                "entityType",
                vec![format!("entityType: must be {ENTITY_TYPE}")],
            ));
        }
        Some(_) => return Err(OktaError::malformed()),
    }
    let profiles = match body.remove("profiles") {
        Some(Value::Array(profiles)) => profiles,
        Some(Value::Null) | None => Vec::new(),
        Some(_) => return Err(OktaError::malformed()),
    };
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

/// Takes `externalId` out of an entry; a missing or too long one adds a cause.
fn external_id(
    entry: &mut Map<String, Value>,
    index: usize,
    causes: &mut Vec<String>,
) -> Result<String, OktaError> {
    match entry.remove("externalId") {
        Some(Value::String(id)) => {
            let chars = id.chars().count();
            if chars == 0 || chars > MAX_EXTERNAL_ID_CHARS {
                causes.push(format!(
                    "profiles[{index}].externalId: must be 1 to {MAX_EXTERNAL_ID_CHARS} characters, not {chars}"
                ));
            }
            Ok(id)
        }
        None | Some(Value::Null) => {
            causes.push(format!("profiles[{index}].externalId: is required"));
            Ok(String::new())
        }
        Some(_) => Err(OktaError::malformed()),
    }
}

/// Checks every attribute of a profile: the standard ones against [`PROFILE_FIELDS`], any
/// other (a custom attribute) for a string value.
fn check_profile(profile: &Map<String, Value>, index: usize, causes: &mut Vec<String>) {
    for (name, value) in profile {
        let rule = PROFILE_FIELDS.iter().find(|rule| rule.name == name);
        let problem = match (rule, value) {
            (Some(rule), Value::Null) if rule.nullable => None,
            (Some(_), Value::Null) => Some("must not be null".to_owned()),
            (Some(rule), Value::String(text)) => check_text(rule, text),
            (Some(_), _) => Some("must be a string".to_owned()),
            (None, Value::String(_)) => None,
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
    use serde_json::json;

    fn upsert(body: Value) -> Result<Vec<UpsertUser>, OktaError> {
        parse_upsert(body.to_string().as_bytes(), &Limits::OKTA)
    }

    fn user(profile: Value) -> Value {
        json!({ "entityType": "USERS", "profiles": [{ "externalId": "e1", "profile": profile }] })
    }

    fn causes(result: Result<Vec<UpsertUser>, OktaError>) -> Vec<String> {
        match result {
            Err(error) => {
                assert_eq!((error.status, error.code), (400, "E0000001"));
                error.causes
            }
            Ok(users) => panic!("accepted: {users:?}"),
        }
    }

    #[test]
    fn a_valid_upsert_keeps_every_attribute_and_ignores_unknown_top_level_fields() {
        let body = json!({
            "entityType": "USERS", "unknown": 1,
            "profiles": [{ "externalId": "e1", "extra": true,
                "profile": { "email": "a@b.co", "firstName": null, "dept": "R&D" } }]
        });
        let users = upsert(body).expect("valid");
        assert_eq!(users[0].external_id, "e1");
        assert_eq!(users[0].profile["dept"], "R&D");
        assert_eq!(users[0].profile["firstName"], Value::Null);
    }

    #[test]
    fn each_broken_field_rule_is_a_cause() {
        let long = "x".repeat(101);
        let found = causes(upsert(user(json!({
            "userName": long, "email": "not-an-email", "secondEmail": null,
            "firstName": "", "homeAddress": 5, "custom": ["a"]
        }))));
        assert_eq!(found.len(), 6, "{found:?}");
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
                .any(|c| c.contains("homeAddress: must be a string"))
        );
        assert!(
            found
                .iter()
                .any(|c| c.contains("custom: is a custom attribute"))
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
        let body = json!({ "entityType": "USERS", "profiles": vec![entry; 200] });
        assert_eq!(upsert(body).expect("200 is allowed").len(), 200);
    }

    #[test]
    fn entity_type_other_than_users_is_a_validation_error() {
        let body = json!({ "entityType": "GROUPS", "profiles": [{ "externalId": "e" }] });
        let error = parse_delete(body.to_string().as_bytes(), &Limits::OKTA).unwrap_err();
        assert_eq!(error.summary, "Api validation failed: entityType");
    }

    #[test]
    fn bodies_that_do_not_read_are_malformed() {
        for body in [
            &b"{"[..],
            b"[]",
            b"\xff\xfe",
            br#"{"entityType":"USERS","profiles":{}}"#,
            br#"{"entityType":"USERS","profiles":[{"externalId":7}]}"#,
        ] {
            let error = parse_delete(body, &Limits::OKTA).unwrap_err();
            assert_eq!(error.code, "E0000003", "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn external_ids_are_required_and_at_most_512_characters() {
        let body = json!({ "entityType": "USERS", "profiles": [
            { "externalId": "é".repeat(512) }, { "externalId": "x".repeat(513) }, {}
        ] });
        let error = parse_delete(body.to_string().as_bytes(), &Limits::OKTA).unwrap_err();
        assert_eq!(error.causes.len(), 2, "{:?}", error.causes);
        assert!(error.causes[0].starts_with("profiles[1].externalId"));
        assert!(error.causes[1].starts_with("profiles[2].externalId: is required"));
    }
}
