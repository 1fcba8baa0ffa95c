//! The rules an upload body must follow, as data, and the checks that apply them.
//!
//! From FACTS.md: `entityType` is `USERS`; at most 200 profiles; `externalId` at most 512
//! characters; the standard attributes' lengths, formats and nullability below; a custom
//! attribute is any other key and must have a string value. A body that is not JSON, or whose
//! structure is not the operation's (say `profiles` is not an array), is refused with E0000003
//! as Okta refuses bodies it cannot read; a body that reads but breaks a rule is refused with
//! E0000001, one cause per broken rule. Unknown top-level fields are ignored, as Okta does.
//!
//! Where neither FACTS.md nor Okta's documents say, the emulator refuses, with E0000001,
//! what no import could apply: an upload of no profiles, an entry without an `externalId`
//! (a user is known by it) and an upsert's entry without a `profile`. It has no schema of
//! the source's custom attributes: any name is taken (Okta takes those its schema defines).
//! A field of the body or of an entry given twice is refused as malformed, as serde_json
//! refuses a struct's; an attribute given twice in a profile is taken from its last, as
//! serde_json takes a map's key (neither FACTS.md nor Okta's documents say).

use crate::batch::{BatchBuilder, Pending};
use crate::error::OktaError;
use crate::limits::Limits;
use crate::session::{Change, ChangeKind};
use crate::wire::{self, Attribute, BodySink, KnownKeys};

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

/// The standard attributes' names, in the order of [`PROFILE_FIELDS`].
pub(crate) const STANDARD_NAMES: [&str; PROFILE_FIELDS.len()] = {
    let mut names = [""; PROFILE_FIELDS.len()];
    let mut at = 0;
    while at < names.len() {
        names[at] = PROFILE_FIELDS[at].name;
        at += 1;
    }
    names
};

/// The standard attributes' names, found by their first byte and one compare of sixteen bytes:
/// the keys the reader of bodies looks for in a profile, and the names the rules look up.
pub(crate) const STANDARD_ATTRIBUTES: KnownKeys = KnownKeys::new(&STANDARD_NAMES);

/// The place in [`PROFILE_FIELDS`] of the standard attribute called `name`, if it is one.
#[inline]
fn standard_field(name: &[u8]) -> Option<usize> {
    STANDARD_ATTRIBUTES.find(name)
}

/// The longest `externalId` (FACTS.md).
pub(crate) const MAX_EXTERNAL_ID_CHARS: usize = 512;

/// The only `entityType` the service accepts.
pub(crate) const ENTITY_TYPE: &str = "USERS";

/// Checks a bulk-upsert body as it is read, once; the change it makes, with the users it
/// carries and the body they are kept in.
pub(crate) fn check_upsert<B: Into<Vec<u8>>>(
    body: B,
    limits: &Limits,
) -> Result<Change, OktaError> {
    check::<true>(body.into(), limits)
}

/// Checks a bulk-delete body as it is read, once; the change it makes, with the users it
/// names and the body they are kept in.
pub(crate) fn check_delete<B: Into<Vec<u8>>>(
    body: B,
    limits: &Limits,
) -> Result<Change, OktaError> {
    check::<false>(body.into(), limits)
}

/// The body is checked to be UTF-8 once as a whole, which is faster than serde_json checking
/// each string of a byte slice.
fn check<const UPSERT: bool>(body: Vec<u8>, limits: &Limits) -> Result<Change, OktaError> {
    let body = String::from_utf8(body).map_err(|_| OktaError::malformed())?;
    let mut check = Check::<UPSERT>::new(&body, limits);
    wire::read(&body, &mut check).ok_or_else(OktaError::malformed)?;
    let users = check.finish()?;
    let kind = if UPSERT {
        ChangeKind::Upsert
    } else {
        ChangeKind::Deactivate
    };
    Ok(Change {
        kind,
        users: users.into_batch(body),
    })
}

/// The most causes a refusal lists: an upload of 200 profiles, each with every standard
/// attribute wrong, has 1,800; one with tens of thousands of custom attributes that are not
/// strings would have as many, and an answer ten times the size of its request. Okta's own
/// bound, if it has one, is not known (FACTS.md is silent); the rest are counted in a last
/// cause.
const MAX_CAUSES: usize = 2_000;

/// What checking a body has found so far: the state of the one pass over it.
struct Check<'b, const UPSERT: bool> {
    max_profiles: usize,
    /// Whether `entityType` is `USERS`.
    entity_type_ok: bool,
    /// How many entries `profiles` has had so far.
    profiles: usize,
    /// Where the current entry's causes begin in `causes`.
    entry_causes: usize,
    /// At most [`MAX_CAUSES`].
    causes: Vec<String>,
    /// The causes found past [`MAX_CAUSES`], not written down.
    causes_left_out: usize,
    /// The users of a body with no cause so far.
    batch: BatchBuilder<'b>,
}

impl<'b, const UPSERT: bool> Check<'b, UPSERT> {
    fn new(body: &'b str, limits: &Limits) -> Self {
        let max_profiles = limits.max_profiles_per_request;
        // An attribute takes 8 bytes of JSON at least, about 30 in real bodies.
        let attributes = if UPSERT { body.len() / 24 } else { 0 };
        let users = max_profiles.min(body.len() / 16);
        Self {
            max_profiles,
            entity_type_ok: false,
            profiles: 0,
            entry_causes: 0,
            causes: Vec::new(),
            causes_left_out: 0,
            batch: BatchBuilder::new(body, users, attributes),
        }
    }

    /// Whether the current entry is to be checked: past the limit of profiles the body is
    /// refused for its count, whatever its entries hold.
    fn checking(&self) -> bool {
        self.profiles <= self.max_profiles
    }

    /// Checks an attribute (a standard one has its place in [`PROFILE_FIELDS`]), and keeps
    /// it while the body has no cause.
    #[inline(always)]
    fn check_attribute(&mut self, field: Option<usize>, name: &[u8], value: Attribute<'_>) {
        if !self.checking() {
            return;
        }
        let rule = field.and_then(|at| PROFILE_FIELDS.get(at));
        if let Some(problem) = attribute_problem(rule, &value) {
            self.refuse_attribute(name, problem);
        } else if self.causes.is_empty() {
            let value = match &value {
                Attribute::Text(text) => Some(&**text),
                Attribute::Null | Attribute::Other(_) => None,
            };
            self.batch.push_attribute(field, name, value);
        }
    }

    /// Writes down what is wrong with an attribute of the current entry.
    #[cold]
    fn refuse_attribute(&mut self, name: &[u8], problem: Problem) {
        let index = self.profiles - 1;
        let name = String::from_utf8_lossy(name);
        let cause = format!("profiles[{index}].profile.{name}: {problem}");
        self.add_cause(self.causes.len(), cause);
    }

    /// Writes down `cause` at `at` among the causes, unless [`MAX_CAUSES`] are there
    /// already: then the last one is left out.
    fn add_cause(&mut self, at: usize, cause: String) {
        self.causes.insert(at, cause);
        if self.causes.len() > MAX_CAUSES {
            self.causes.pop();
            self.causes_left_out += 1;
        }
    }

    /// The users, once the whole body has read, or the refusal: `entityType` first, then
    /// the count of profiles, then every cause of every entry.
    fn finish(self) -> Result<Pending, OktaError> {
        if !self.entity_type_ok {
            return Err(OktaError::validation(
                "entityType",
                vec![format!("entityType: must be {ENTITY_TYPE}")],
            ));
        }
        let max = self.max_profiles;
        if self.profiles == 0 || self.profiles > max {
            return Err(OktaError::validation(
                "profiles",
                vec![format!(
                    "profiles: must contain between 1 and {max} items, not {}",
                    self.profiles
                )],
            ));
        }
        if !self.causes.is_empty() {
            let mut causes = self.causes;
            if self.causes_left_out > 0 {
                causes.push(format!(
                    "and {} more causes, not listed (the emulator lists at most {MAX_CAUSES})",
                    self.causes_left_out
                ));
            }
            return Err(OktaError::validation("profiles", causes));
        }
        Ok(self.batch.finish())
    }
}

impl<const UPSERT: bool> BodySink for Check<'_, UPSERT> {
    const READS_PROFILES: bool = UPSERT;

    fn entity_type(&mut self, entity_type: Option<&[u8]>) {
        self.entity_type_ok = entity_type == Some(ENTITY_TYPE.as_bytes());
    }

    fn entry_start(&mut self, index: usize) {
        self.profiles = index + 1;
        self.entry_causes = self.causes.len();
    }

    /// Checks the attribute, and keeps it while the body has no cause.
    #[inline]
    fn attribute(&mut self, name: &[u8], value: Attribute<'_>) {
        self.check_attribute(standard_field(name), name, value);
    }

    #[inline]
    fn standard_attribute(&mut self, field: usize, name: &[u8], value: Attribute<'_>) {
        self.check_attribute(Some(field), name, value);
    }

    /// The entry's `externalId` cause goes before its profile's; a profile is required of
    /// an upsert.
    fn entry_end(&mut self, external_id: Option<&[u8]>, has_profile: bool) {
        if !self.checking() {
            return;
        }
        let index = self.profiles - 1;
        if let Some(cause) = external_id_problem(external_id, index) {
            self.add_cause(self.entry_causes.min(self.causes.len()), cause);
        }
        if UPSERT && !has_profile {
            self.add_cause(
                self.causes.len(),
                format!("profiles[{index}].profile: is required"),
            );
        }
        if let (true, Some(id)) = (self.causes.is_empty(), external_id) {
            self.batch.push_user(id);
        }
    }
}

/// What is wrong with an entry's `externalId`, if anything: missing, or too long.
fn external_id_problem(id: Option<&[u8]>, index: usize) -> Option<String> {
    let Some(id) = id else {
        return Some(format!("profiles[{index}].externalId: is required"));
    };
    // A character takes one to four bytes: 1 to 512 bytes are 1 to 512 characters.
    if (1..=MAX_EXTERNAL_ID_CHARS).contains(&id.len()) {
        return None;
    }
    let chars = char_count(id);
    (chars == 0 || chars > MAX_EXTERNAL_ID_CHARS).then(|| {
        format!(
            "profiles[{index}].externalId: must be 1 to {MAX_EXTERNAL_ID_CHARS} characters, not {chars}"
        )
    })
}

/// What can be wrong with a profile attribute.
#[derive(Debug, Clone, Copy)]
enum Problem {
    Null,
    Length {
        rule: &'static FieldRule,
        chars: usize,
    },
    Email,
    NotAString(&'static str),
    CustomNotAString,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Null => f.write_str("must not be null"),
            Self::Length { rule, chars } => write!(
                f,
                "must be {} to {} characters, not {chars}",
                rule.min_chars, rule.max_chars
            ),
            Self::Email => f.write_str("is not a valid email address"),
            Self::NotAString(kind) => write!(f, "must be a string, not {kind}"),
            Self::CustomNotAString => f.write_str("is a custom attribute and must be a string"),
        }
    }
}

/// What is wrong with a profile attribute, if anything: a standard one (its `rule`) is
/// checked against [`PROFILE_FIELDS`], any other (a custom attribute) for a string value.
#[inline]
fn attribute_problem(rule: Option<&'static FieldRule>, value: &Attribute<'_>) -> Option<Problem> {
    match (rule, value) {
        (Some(rule), Attribute::Text(text)) => check_text(rule, text),
        (None, Attribute::Text(_)) => None,
        (Some(rule), Attribute::Null) if rule.nullable => None,
        (Some(_), Attribute::Null) => Some(Problem::Null),
        (Some(_), Attribute::Other(kind)) => Some(Problem::NotAString(kind)),
        (None, _) => Some(Problem::CustomNotAString),
    }
}

/// A standard attribute's UTF-8 text against its rule. A character takes one to four bytes,
/// so `n` bytes are `n / 4` (rounded up) to `n` characters: the length in bytes settles the
/// count when both ends are within the limits (an email address of 17 bytes or more, a name
/// of 1 to 50); an email address is looked at in one pass.
#[inline]
fn check_text(rule: &'static FieldRule, text: &[u8]) -> Option<Problem> {
    let bytes = text.len();
    let settled = bytes <= rule.max_chars && bytes + 3 >= 4 * rule.min_chars;
    if !settled {
        let chars = char_count(text);
        if chars < rule.min_chars || chars > rule.max_chars {
            return Some(Problem::Length { rule, chars });
        }
    }
    (rule.email && !is_email(text)).then_some(Problem::Email)
}

/// How many characters the UTF-8 `text` has: its bytes but those that continue a character
/// (`10xxxxxx`); ASCII text, the common case, is counted faster.
fn char_count(text: &[u8]) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.iter().filter(|&&byte| byte & 0xC0 != 0x80).count()
    }
}

/// The email format as JSON Schema's `format: email` is commonly checked: one `@`, a local
/// part, a domain with a dot, no spaces or control characters. Okta's exact check is not
/// published. `text` is UTF-8; it is looked at eight bytes at a time as ASCII text without
/// whitespace or control characters, the common case, and checked again by its characters
/// when it is not.
fn is_email(text: &[u8]) -> bool {
    let mut words = words(text);
    let mut unusual = 0;
    // The local part, up to the word with the first `@`, and what comes after it there.
    let (at, mut more_ats, mut dots) = loop {
        let Some((start, word)) = words.next() else {
            return false;
        };
        unusual |= unusual_bytes(word);
        let ats = ascii_bytes_equal(word, b'@');
        if ats != 0 {
            let first = ats & ats.wrapping_neg();
            // The bits above the first `@` (none when it is the word's last byte).
            let after = !(first << 1).wrapping_sub(1);
            let at = start + first.trailing_zeros() as usize / 8;
            break (at, ats & after, ascii_bytes_equal(word, b'.') & after);
        }
    };
    for (_, word) in words {
        unusual |= unusual_bytes(word);
        more_ats |= ascii_bytes_equal(word, b'@');
        dots |= ascii_bytes_equal(word, b'.');
    }
    if unusual != 0 {
        return std::str::from_utf8(text).is_ok_and(is_email_text);
    }
    at > 0
        && more_ats == 0
        && dots != 0
        && text.get(at + 1) != Some(&b'.')
        && text.last() != Some(&b'.')
}

/// The words of `text`, eight bytes each from its start (little-endian), the last one padded
/// with letters, each with where it starts.
#[inline]
fn words(text: &[u8]) -> impl Iterator<Item = (usize, u64)> + '_ {
    let words = text.chunks_exact(8);
    let rest = words.remainder();
    let last = (!rest.is_empty()).then(|| last_word(text, rest));
    words
        .map(|word| {
            word.first_chunk::<8>()
                .map_or(0, |word| u64::from_le_bytes(*word))
        })
        .chain(last)
        .enumerate()
        .map(|(index, word)| (index * 8, word))
}

/// Not 0 when a byte of the word is a space or below, DEL (0x7f) or not ASCII: a byte below
/// 0x21 borrows when 0x21 is taken from it, unless a byte before it did (which is then
/// flagged itself), 0x7f becomes 0x80 when 1 is added to it (only a byte of 0xff, flagged
/// itself, carries), and a byte above 0x7f has its high bit. Bytes after such a byte may be
/// flagged too: it tells only whether there is one.
#[inline]
fn unusual_bytes(word: u64) -> u64 {
    (word.wrapping_sub(ONES * 0x21) | word.wrapping_add(ONES) | word) & HIGH_BITS
}

/// Bytes repeated in every byte of a word, and the high bits of its bytes.
const ONES: u64 = u64::MAX / 255;
const HIGH_BITS: u64 = ONES << 7;

/// The last bytes of `text`, `rest` (fewer than eight), as a little-endian word padded with
/// letters: shifted out of the text's last eight bytes when it has eight.
#[inline]
fn last_word(text: &[u8], rest: &[u8]) -> u64 {
    match text.last_chunk::<8>() {
        Some(last) if !rest.is_empty() => {
            let shift = (8 - rest.len()) * 8;
            u64::from_le_bytes(*last) >> shift | (ONES * u64::from(b'a')) << (64 - shift)
        }
        _ => padded_word(rest),
    }
}

/// Up to eight bytes as a little-endian word, padded with letters.
fn padded_word(chunk: &[u8]) -> u64 {
    let mut word = [b'a'; 8];
    for (slot, &byte) in word.iter_mut().zip(chunk) {
        *slot = byte;
    }
    u64::from_le_bytes(word)
}

/// The high bit of each byte of an ASCII `word` that is the ASCII `byte`, and of no other:
/// a byte that differs leaves a difference below 0x80, to which adding 0x7f sets the high
/// bit and carries into no other byte. In a word with bytes above 0x7f a byte may carry
/// into the next, but a byte that carries is flagged itself, so a word that holds `byte` is
/// never all clear; the rest of what is flagged there is not to be used ([`is_email`] checks
/// such a text again by its characters).
#[inline]
fn ascii_bytes_equal(word: u64, byte: u8) -> u64 {
    let diff = word ^ (ONES * u64::from(byte));
    !diff.wrapping_add(ONES * 0x7f) & HIGH_BITS
}

/// [`is_email`] for any text.
fn is_email_text(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !has_space_or_control(text)
}

/// Whether `text` has a character that is `char::is_whitespace` or `char::is_control`;
/// ASCII text, the common case, is looked at byte by byte (a space or below, and DEL).
fn has_space_or_control(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes().any(|byte| byte <= b' ' || byte == 0x7f)
    } else {
        text.chars().any(|c| c.is_whitespace() || c.is_control())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Name;
    use serde_json::{Value, json};

    fn upsert(body: Value) -> Result<Change, OktaError> {
        check_upsert(body.to_string().as_bytes(), &Limits::OKTA)
    }

    fn delete(body: &[u8]) -> Result<Change, OktaError> {
        check_delete(body, &Limits::OKTA)
    }

    fn user(profile: Value) -> Value {
        json!({ "entityType": "USERS", "profiles": [{ "externalId": "e1", "profile": profile }] })
    }

    #[test]
    fn a_refusal_lists_at_most_its_bound_of_causes_and_counts_the_rest() {
        let attributes: serde_json::Map<String, Value> = (0..MAX_CAUSES + 500)
            .map(|n| (format!("a{n:05}"), json!(n)))
            .collect();
        let listed = causes(upsert(user(Value::Object(attributes))));
        assert_eq!(listed.len(), MAX_CAUSES + 1);
        assert!(
            listed[0].starts_with("profiles[0].profile.a00000: "),
            "{}",
            listed[0]
        );
        assert_eq!(
            listed[MAX_CAUSES],
            format!("and 500 more causes, not listed (the emulator lists at most {MAX_CAUSES})")
        );
        // An entry's externalId cause still comes first among its own, and takes the last
        // place's cause out.
        let profiles: Vec<Value> = (0..3)
            .map(|n| {
                let attributes: serde_json::Map<String, Value> =
                    (0..900).map(|a| (format!("a{a:03}"), json!(a))).collect();
                json!({ "externalId": if n == 2 { json!(null) } else { json!(format!("e{n}")) }, "profile": attributes })
            })
            .collect();
        let listed = causes(upsert(
            json!({ "entityType": "USERS", "profiles": profiles }),
        ));
        assert_eq!(listed.len(), MAX_CAUSES + 1);
        assert!(
            listed[1800].starts_with("profiles[2].externalId"),
            "{}",
            listed[1800]
        );
        assert!(
            listed[MAX_CAUSES].starts_with("and 701 more causes"),
            "{}",
            listed[MAX_CAUSES]
        );
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
    fn a_valid_upsert_keeps_its_users_unescaped_and_unknown_fields_are_ignored() {
        let body: &[u8] = br#"{"unknown":[1,{"a":2}],"profiles":[
            {"externalId":"e\u0031","extra":true,
             "profile":{"email":"a@b.co","firstName":null,"dept":"R\u0026D"}},
            {"profile":{"lastName":"L"},"externalId":"e2"}],"entityType":"USERS"}"#;
        let change = check_upsert(body, &Limits::OKTA).expect("valid");
        assert_eq!((change.kind, change.users.len()), (ChangeKind::Upsert, 2));
        let users: Vec<(&str, Vec<_>)> = change
            .users
            .users()
            .map(|(id, attributes)| (std::str::from_utf8(id).unwrap(), attributes.collect()))
            .collect();
        let first = vec![
            (Name::Standard(1), Some("a@b.co")),
            (Name::Standard(3), None),
            (Name::Custom(b"dept"), Some("R&D")),
        ];
        let second = vec![(Name::Standard(4), Some("L"))];
        assert_eq!(users, [("e1", first), ("e2", second)]);
    }

    #[test]
    fn an_entry_s_external_id_cause_comes_before_its_profile_s_whatever_the_field_order() {
        let body: &[u8] = br#"{"profiles":[
            {"profile":{"email":"x","firstName":""}},
            {"profile":{"secondEmail":"a b@c.de"},"externalId":""},
            {"externalId":"e3"}],"entityType":"USERS"}"#;
        let found = causes(check_upsert(body, &Limits::OKTA));
        assert_eq!(
            found,
            [
                "profiles[0].externalId: is required",
                "profiles[0].profile.email: must be 5 to 100 characters, not 1",
                "profiles[0].profile.firstName: must be 1 to 50 characters, not 0",
                "profiles[1].externalId: must be 1 to 512 characters, not 0",
                "profiles[1].profile.secondEmail: is not a valid email address",
                "profiles[2].profile: is required",
            ]
        );
    }

    #[test]
    fn a_field_given_twice_is_malformed_and_an_attribute_given_twice_is_kept_twice() {
        for body in [
            &br#"{"entityType":"USERS","entityType":"USERS","profiles":[{"externalId":"e"}]}"#[..],
            br#"{"entityType":"USERS","profiles":[],"profiles":[{"externalId":"e"}]}"#,
            br#"{"entityType":"USERS","profiles":[{"externalId":"e","externalId":null}]}"#,
        ] {
            let error = delete(body).unwrap_err();
            assert_eq!(error.code, "E0000003", "{}", String::from_utf8_lossy(body));
        }
        let twice: &[u8] =
            br#"{"entityType":"USERS","profiles":[{"externalId":"e","profile":{},"profile":{}}]}"#;
        assert_eq!(
            check_upsert(twice, &Limits::OKTA).unwrap_err().code,
            "E0000003"
        );
        let delete_ignores_profiles: &[u8] =
            br#"{"entityType":"USERS","profiles":[{"externalId":"e","profile":{},"profile":7}]}"#;
        assert_eq!(
            delete(delete_ignores_profiles).expect("valid").users.len(),
            1
        );
        let attribute_twice: &[u8] = br#"{"entityType":"USERS","profiles":[
            {"externalId":"e","profile":{"dept":"A","dept":"B"}}]}"#;
        let change = check_upsert(attribute_twice, &Limits::OKTA).expect("valid");
        let (_, attributes) = change.users.users().next().expect("one user");
        assert_eq!(attributes.count(), 2);
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
        assert_eq!(upsert(body).expect("200 is allowed").users.len(), 200);
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
    fn spaces_and_controls_are_found_where_char_finds_them() {
        let unicode = ['\u{85}', '\u{9f}', '\u{a0}', '\u{2003}', '\u{3000}', 'é'];
        for c in (0..=0x7f).filter_map(char::from_u32).chain(unicode) {
            let text = format!("a{c}b@c.de");
            let unusual = c.is_whitespace() || c.is_control();
            assert_eq!(has_space_or_control(&text), unusual, "{c:?}");
            assert_eq!(is_email(text.as_bytes()), !unusual && c != '@', "{c:?}");
        }
    }

    #[test]
    fn emails_are_told_apart_in_one_pass_as_by_their_parts() {
        let texts = [
            "a@b.co",
            "@b.co",
            "a@",
            "a@b",
            "a@.co",
            "a@b.",
            "a@b@c.de",
            "a.b@c",
            "a.b@c.d",
            "a@b..c",
            "ab.c@d.e.f",
            "a@b.c ",
            "a\t@b.c",
            "",
            "@",
            ".@.",
            "a@@b.c",
            "é@b.co",
            "a@é.co",
            "a@b.c\u{a0}",
            "a.@b.c",
            "a\u{7f}@b.co",
            "a@b.co\u{1}",
            "\u{0}a@b.co",
        ];
        for text in texts {
            assert_eq!(is_email(text.as_bytes()), is_email_text(text), "{text:?}");
        }
        assert!(is_email(b"a.b@c.d") && !is_email(b"a@b@c.de"));
        for length in 0..20 {
            for first in 0..length {
                for second in 0..length {
                    for (a, b) in [('@', '.'), ('@', '@'), ('@', ' '), ('@', '\r'), ('.', '.')] {
                        let mut text = vec!['x'; length];
                        text[first] = a;
                        text[second] = b;
                        let text: String = text.into_iter().collect();
                        assert_eq!(is_email(text.as_bytes()), is_email_text(&text), "{text:?}");
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// The shortcuts (lengths settled from byte counts, emails and character counts
        /// looked at a word at a time) against their plain meaning, on text of one- to
        /// four-byte characters around the limits.
        #[test]
        fn lengths_and_emails_are_judged_as_their_characters_judge_them(
            text in "[a@. \t\u{1}\u{7f}\u{e9}\u{2003}\u{1f600}]{0,24}|[a-z]{0,110}",
        ) {
            let bytes = text.as_bytes();
            proptest::prop_assert_eq!(char_count(bytes), text.chars().count());
            proptest::prop_assert_eq!(is_email(bytes), is_email_text(&text));
            for rule in PROFILE_FIELDS {
                let chars = text.chars().count();
                let too_short_or_long = chars < rule.min_chars || chars > rule.max_chars;
                let found = check_text(rule, bytes);
                let length = matches!(found, Some(Problem::Length { .. }));
                proptest::prop_assert_eq!(length, too_short_or_long, "{}", rule.name);
                let email = matches!(found, Some(Problem::Email));
                let bad_email = !too_short_or_long && rule.email && !is_email_text(&text);
                proptest::prop_assert_eq!(email, bad_email, "{}", rule.name);
            }
        }
    }

    #[test]
    fn standard_attributes_are_found_by_name_and_no_other_key_is() {
        for (at, rule) in PROFILE_FIELDS.iter().enumerate() {
            let name = rule.name.as_bytes();
            assert_eq!(standard_field(name), Some(at), "{}", rule.name);
            assert_eq!(standard_field(&[name, b"x"].concat()), None);
            assert_eq!(standard_field(&name[..name.len() - 1]), None);
        }
        for name in ["", "department", "UserName", "e", "\u{0}"] {
            assert_eq!(standard_field(name.as_bytes()), None, "{name:?}");
        }
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
