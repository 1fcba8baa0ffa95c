//! Okta's rules for one record, as a table of fields and the checks that read it.

use okta_identity_source::models::IdentitySourceUserProfileForUpsert as Profile;

/// The longest `externalId` Okta accepts, in characters.
pub const MAX_EXTERNAL_ID_CHARS: usize = 512;

/// What a standard profile attribute must look like.
struct FieldRule {
    /// The attribute's name on the wire.
    name: &'static str,
    /// `None` when the attribute is left out or sent as `null`.
    value: fn(&Profile) -> Option<&str>,
    /// The fewest characters allowed.
    min_chars: usize,
    /// The most characters allowed.
    max_chars: usize,
    /// Whether the value must be shaped like an email address.
    email: bool,
}

const fn rule(
    name: &'static str,
    value: fn(&Profile) -> Option<&str>,
    min_chars: usize,
    max_chars: usize,
    email: bool,
) -> FieldRule {
    FieldRule {
        name,
        value,
        min_chars,
        max_chars,
        email,
    }
}

/// The standard attributes and their limits, from Okta's schema.
const FIELD_RULES: &[FieldRule] = &[
    rule("userName", |p| p.user_name.as_deref(), 0, 100, false),
    rule("email", |p| p.email.as_deref(), 5, 100, true),
    rule("secondEmail", |p| p.second_email.as_deref(), 5, 100, true),
    rule(
        "firstName",
        |p| p.first_name.as_ref()?.as_deref(),
        1,
        50,
        false,
    ),
    rule(
        "lastName",
        |p| p.last_name.as_ref()?.as_deref(),
        1,
        50,
        false,
    ),
    rule(
        "mobilePhone",
        |p| p.mobile_phone.as_ref()?.as_deref(),
        0,
        100,
        false,
    ),
    rule(
        "homeAddress",
        |p| p.home_address.as_ref()?.as_deref(),
        0,
        4096,
        false,
    ),
];

/// Every problem with an `externalId`, one sentence each.
pub fn check_external_id(external_id: &str, reasons: &mut Vec<String>) {
    if external_id.is_empty() {
        reasons.push("externalId is missing".to_owned());
        return;
    }
    if external_id.trim().is_empty() {
        reasons.push("externalId is blank".to_owned());
        return;
    }
    if external_id.len() <= MAX_EXTERNAL_ID_CHARS {
        return;
    }
    let chars = external_id.chars().count();
    if chars > MAX_EXTERNAL_ID_CHARS {
        reasons.push(format!(
            "externalId is {chars} characters long; at most {MAX_EXTERNAL_ID_CHARS} are allowed"
        ));
    }
}

/// Every problem with a profile, one sentence each.
pub fn check_profile(profile: &Profile, reasons: &mut Vec<String>) {
    for rule in FIELD_RULES {
        if let Some(value) = (rule.value)(profile) {
            check_field(rule, value, reasons);
        }
    }
    for name in profile.additional_properties.keys() {
        if name.chars().all(char::is_whitespace) {
            reasons.push("a custom attribute has an empty name".to_owned());
        } else if FIELD_RULES.iter().any(|rule| rule.name == name) {
            reasons.push(format!(
                "{name} is given twice, as a standard and as a custom attribute"
            ));
        }
    }
}

fn check_field(rule: &FieldRule, value: &str, reasons: &mut Vec<String>) {
    let name = rule.name;
    // A character is 1 to 4 bytes, so most values need no counting.
    let bytes = value.len();
    let surely_fits = bytes <= rule.max_chars && bytes >= rule.min_chars * 4;
    let chars = if surely_fits {
        rule.min_chars
    } else {
        value.chars().count()
    };
    if chars < rule.min_chars {
        let shortest = match rule.min_chars {
            1 => "empty".to_owned(),
            min => {
                let unit = if chars == 1 {
                    "character"
                } else {
                    "characters"
                };
                format!("{chars} {unit} long; at least {min} are needed")
            }
        };
        reasons.push(format!("{name} is {shortest}"));
    } else if chars > rule.max_chars {
        reasons.push(format!(
            "{name} is {chars} characters long; at most {} are allowed",
            rule.max_chars
        ));
    } else if rule.email && !is_email_shaped(value) {
        // The value is personal data: the reason names the field only, and what to mend.
        let spaces = value.trim() != value && is_email_shaped(value.trim());
        let hint = if spaces {
            " (it would be without the spaces at its ends)"
        } else {
            ""
        };
        reasons.push(format!("{name} is not an email address{hint}"));
    }
}

/// `local@domain.tld`: one `@`, something before it, a dot inside the domain, no spaces or
/// control characters. `@` and `.` are ASCII, so they are looked for among the bytes.
fn is_email_shaped(value: &str) -> bool {
    let bytes = value.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    let dotted = domain
        .iter()
        .position(|&b| b == b'.')
        .is_some_and(|dot| dot > 0 && dot + 1 < domain.len());
    !local.is_empty()
        && !domain.contains(&b'@')
        && domain.last() != Some(&b'.')
        && dotted
        && !has_space_or_control(value)
}

/// Whether `value` has a whitespace or control character, looking at bytes while they are
/// ASCII (a space or below, and DEL).
fn has_space_or_control(value: &str) -> bool {
    for &b in value.as_bytes() {
        if b <= b' ' || b == 0x7f {
            return true;
        }
        if !b.is_ascii() {
            return value.chars().any(|c| c.is_whitespace() || c.is_control());
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(profile: &Profile) -> Vec<String> {
        let mut reasons = Vec::new();
        check_profile(profile, &mut reasons);
        reasons
    }

    #[test]
    fn a_complete_profile_passes() {
        let profile = Profile {
            user_name: Some("ada@example.com".into()),
            email: Some("ada@example.com".into()),
            second_email: Some("a.l@mail.example.org".into()),
            first_name: Some(Some("Ada".into())),
            last_name: Some(None),
            mobile_phone: Some(Some("+44 20 7946 0000".into())),
            home_address: Some(Some("12 St James's Square, London".into())),
            additional_properties: [("department".to_owned(), String::new())].into(),
        };
        assert_eq!(reasons(&profile), Vec::<String>::new());
        assert_eq!(reasons(&Profile::default()), Vec::<String>::new());
    }

    /// An address with spaces around it (a cell of a spreadsheet) says what to mend; one
    /// with a space inside does not.
    #[test]
    fn an_address_with_spaces_at_its_ends_says_so() {
        let profile = Profile {
            email: Some(" ada@example.com ".into()),
            second_email: Some("ada @example.com".into()),
            ..Profile::default()
        };
        assert_eq!(
            reasons(&profile),
            [
                "email is not an email address (it would be without the spaces at its ends)",
                "secondEmail is not an email address",
            ]
        );
    }

    #[test]
    fn every_limit_is_reported() {
        let profile = Profile {
            user_name: Some("u".repeat(101)),
            email: Some("a@b".into()),
            second_email: Some("not-an-address".into()),
            first_name: Some(Some(String::new())),
            last_name: Some(Some("é".repeat(51))),
            mobile_phone: Some(Some("1".repeat(101))),
            home_address: Some(Some("x".repeat(4097))),
            additional_properties: [
                (" ".to_owned(), "x".to_owned()),
                ("email".to_owned(), "y".to_owned()),
            ]
            .into(),
        };
        assert_eq!(
            reasons(&profile),
            [
                "userName is 101 characters long; at most 100 are allowed",
                "email is 3 characters long; at least 5 are needed",
                "secondEmail is not an email address",
                "firstName is empty",
                "lastName is 51 characters long; at most 50 are allowed",
                "mobilePhone is 101 characters long; at most 100 are allowed",
                "homeAddress is 4097 characters long; at most 4096 are allowed",
                "a custom attribute has an empty name",
                "email is given twice, as a standard and as a custom attribute",
            ]
        );
    }

    #[test]
    fn one_character_is_said_so() {
        let profile = Profile {
            email: Some("@".into()),
            ..Profile::default()
        };
        assert_eq!(
            reasons(&profile),
            ["email is 1 character long; at least 5 are needed"]
        );
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let profile = Profile {
            first_name: Some(Some("é".repeat(50))),
            ..Profile::default()
        };
        assert!(reasons(&profile).is_empty());
        let mut id_reasons = Vec::new();
        check_external_id(&"é".repeat(512), &mut id_reasons);
        assert!(id_reasons.is_empty());
        check_external_id(&"x".repeat(513), &mut id_reasons);
        check_external_id("", &mut id_reasons);
        check_external_id(" \t ", &mut id_reasons);
        check_external_id(" padded ", &mut id_reasons);
        assert_eq!(
            id_reasons,
            [
                "externalId is 513 characters long; at most 512 are allowed",
                "externalId is missing",
                "externalId is blank"
            ]
        );
    }

    #[test]
    fn email_shapes() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "é@ü.co",
            "a@b.c.d",
        ] {
            assert!(is_email_shaped(good), "{good}");
        }
        for bad in [
            "ab.co",
            "@b.co",
            "a@b",
            "a@.co",
            "a@b.",
            "a@b@c.co",
            "a b@c.co",
            "a\u{b}b@c.co",
            "é\u{a0}@c.co",
            "a\u{1}b@c.co",
            "a@c.co\u{7f}",
            "a\u{9f}@c.co",
        ] {
            assert!(!is_email_shaped(bad), "{bad}");
        }
    }
}
