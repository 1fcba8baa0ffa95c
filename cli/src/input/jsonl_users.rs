//! Users from a JSON Lines file: one `{"externalId": …, "profile": {…}}` per line.

use std::io::BufRead;
use std::sync::Arc;

use okta_identity_source::models::IdentitySourceUserProfileForUpsert;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::bounded_lines::{BoundedLines, LineError};
use super::columns::{Column, KNOWN_COLUMNS};
use super::{Location, RecordError, UserRow, external_id};

/// One line of the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Line {
    external_id: String,
    #[serde(default)]
    profile: Profile,
}

/// A line's profile, read attribute by attribute so that a problem names its attribute (a
/// custom one too) and a `null` that can't clear anything is refused, not dropped.
#[derive(Default)]
struct Profile(IdentitySourceUserProfileForUpsert);

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ProfileVisitor)
    }
}

struct ProfileVisitor;

impl<'de> Visitor<'de> for ProfileVisitor {
    type Value = Profile;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of attributes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Profile, A::Error> {
        let mut profile = IdentitySourceUserProfileForUpsert::default();
        while let Some(name) = map.next_key::<String>()? {
            if let Some(standard) = standard_in_other_case(&name) {
                return Err(de::Error::custom(format_args!(
                    "`{name}` is written `{standard}`{IN_OTHER_CASE}"
                )));
            }
            // Each would be sent as a custom attribute of its own, which is never what is
            // meant.
            if name.trim() != name {
                return Err(de::Error::custom(format_args!(
                    "the attribute name `{name}`{BLANKS_AROUND}"
                )));
            }
            if name.eq_ignore_ascii_case("externalId") {
                return Err(de::Error::custom(format_args!("`{name}`{NOT_IN_PROFILE}")));
            }
            let p = &mut profile;
            let taken = match name.as_str() {
                "userName" => set(&mut p.user_name, not_null(&name, map.next_value()?)?),
                "email" => set(&mut p.email, not_null(&name, map.next_value()?)?),
                "secondEmail" => set(&mut p.second_email, not_null(&name, map.next_value()?)?),
                "firstName" => set(&mut p.first_name, map.next_value()?),
                "lastName" => set(&mut p.last_name, map.next_value()?),
                "mobilePhone" => set(&mut p.mobile_phone, map.next_value()?),
                "homeAddress" => set(&mut p.home_address, map.next_value()?),
                _ => {
                    let value = map.next_value()?;
                    p.additional_properties
                        .insert(name.clone(), value)
                        .is_some()
                }
            };
            if taken {
                return Err(de::Error::custom(format_args!("duplicate field `{name}`")));
            }
        }
        Ok(Profile(profile))
    }
}

/// The standard attribute `name` is, written in other letter case (`Email`), if it is one
/// (`None` for the standard name as written).
fn standard_in_other_case(name: &str) -> Option<&'static str> {
    KNOWN_COLUMNS
        .iter()
        .filter(|(_, column)| *column != Column::ExternalId)
        .map(|(standard, _)| *standard)
        .find(|standard| standard.eq_ignore_ascii_case(name) && *standard != name)
}

/// Sets `slot` to `value`; whether it held one already.
fn set<T>(slot: &mut Option<T>, value: T) -> bool {
    slot.replace(value).is_some()
}

/// The value of attribute `name`, which can't be `null`.
fn not_null<E: de::Error>(name: &str, value: Option<String>) -> Result<String, E> {
    value.ok_or_else(|| E::custom(format_args!("{name}{CANT_BE_NULL}")))
}

/// The end of the message for a standard attribute's name written in other letter case.
const IN_OTHER_CASE: &str = ": names are matched as written, and a custom attribute can't \
     differ from a standard one in letter case alone";

/// The end of the message for an attribute name with blanks around it.
const BLANKS_AROUND: &str = " has blanks around it: names are matched as written";

/// The end of the message for an `externalId` inside the profile.
const NOT_IN_PROFILE: &str =
    " is not an attribute of the profile: the user's id is the `externalId` beside `profile`";

/// The end of the message for a `null` given to an attribute that can't be cleared.
const CANT_BE_NULL: &str = " can't be null (only firstName, lastName, mobilePhone and \
     homeAddress can be cleared); leave it out to keep its value";

/// The users of a JSON Lines file, read as the iterator is driven. Blank lines are skipped; a
/// UTF-8 byte-order mark at the start is too.
pub(super) fn read<R: BufRead + Send + 'static>(reader: R, file: String) -> Lines<R> {
    Lines {
        lines: BoundedLines::new(reader),
        file: file.into(),
        line: 0,
        index: 0,
        done: false,
    }
}

/// The records of a JSON Lines file.
pub(super) struct Lines<R> {
    lines: BoundedLines<R>,
    file: Arc<str>,
    line: u64,
    index: u64,
    done: bool,
}

impl<R: BufRead> Iterator for Lines<R> {
    type Item = Result<UserRow, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let bytes = self.lines.next()?;
            self.line += 1;
            let location = Location::line(&self.file, self.line);
            let (parsed, external_id) = match bytes {
                Ok(bytes) => {
                    let parsed = parse(&bytes, self.line == 1);
                    let refused = matches!(parsed, Some(Err(_)));
                    (parsed, refused.then(|| id_of(&bytes)).flatten())
                }
                Err(error) => {
                    self.done = matches!(error, LineError::Failed(_));
                    (Some(Err((None, error.message("a user record")))), None)
                }
            };
            let Some(parsed) = parsed else { continue };
            let index = self.index;
            self.index += 1;
            return Some(match parsed {
                Ok(Line {
                    external_id,
                    profile,
                }) => Ok(UserRow {
                    external_id,
                    profile: profile.0,
                    location,
                    index,
                }),
                Err((column, message)) => {
                    let location = match column {
                        Some(column) => location.at_column(column),
                        None => location,
                    };
                    let error = if self.done {
                        RecordError::ending_the_file(location, index, message)
                    } else {
                        RecordError::new(location, index, message)
                    };
                    Err(error.of(external_id))
                }
            });
        }
        None
    }
}

/// The `externalId` of a line refused for another reason, when it is a JSON object that has
/// one (once, as a string) and it is valid.
fn id_of(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Id {
        #[serde(rename = "externalId")]
        external_id: String,
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let line = serde_json::from_slice::<Id>(bytes).ok()?;
    external_id::of_refused(&line.external_id)
}

/// One line: `None` when blank, else the user or the column and message of the problem.
fn parse(bytes: &[u8], first: bool) -> Option<Result<Line, (Option<u64>, String)>> {
    let bytes = if first {
        bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
    } else {
        bytes
    };
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let column = text_column(bytes, error.valid_up_to());
            return Some(Err((
                Some(column),
                "invalid UTF-8; save the file as UTF-8".into(),
            )));
        }
    };
    match not_an_object(text) {
        Some(Ok((at, found))) => {
            return Some(Err((
                Some(text_column(bytes, at)),
                format!(
                    "not a user record: a record must be a JSON object \
                     ({{\"externalId\": …, \"profile\": {{…}}}}), found {found}"
                ),
            )));
        }
        Some(Err(error)) => {
            return Some(Err((
                Some(text_column(bytes, error.column().saturating_sub(1))),
                format!("not JSON: {}", strip_position(&error)),
            )));
        }
        None => {}
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let not_a_user_record = |error: &serde_json::Error, problem: &str| {
        (
            // serde_json's column is the offending byte's, from 1.
            Some(text_column(bytes, error.column().saturating_sub(1))),
            format!("not a user record: {problem}"),
        )
    };
    let line = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let problem = match error.inner().classify() {
            serde_json::error::Category::Data => {
                let problem = data_problem(&strip_position(error.inner()));
                // A missing or unknown field names itself; other problems are put at their field.
                match error.path().to_string().as_str() {
                    path if path != "." && problem.starts_with("invalid ") => {
                        format!("{path}: {problem}")
                    }
                    _ => problem,
                }
            }
            // A number no `f64` holds (`1e400`) is refused while its field is read: named too.
            _ => match (strip_position(error.inner()), error.path().to_string()) {
                (problem, path) if problem == "number out of range" && path != "." => {
                    format!("{path}: {problem}")
                }
                (problem, _) => problem,
            },
        };
        not_a_user_record(error.inner(), &problem)
    });
    Some(line.and_then(|line: Line| {
        deserializer
            .end()
            .map_err(|error| not_a_user_record(&error, &strip_position(&error)))?;
        external_id::check(&line.external_id).map_err(|message| (None, message))?;
        Ok(line)
    }))
}

/// For a line that does not begin like an object: where its JSON value starts and what it
/// is (serde would read an array into the record's fields, in their order), or the
/// parser's error when it is no JSON at all (`nope`, `tru`, `[1,`). `None` for a line that
/// begins like an object, whose parser says what is wrong with it, if anything.
fn not_an_object(text: &str) -> Option<Result<(usize, &'static str), serde_json::Error>> {
    let at = text.find(|c: char| !c.is_ascii_whitespace())?;
    let found = match text.as_bytes()[at] {
        b'{' => return None,
        b'[' => "an array",
        b'"' => "a string",
        b'-' | b'0'..=b'9' => "a number",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "",
    };
    Some(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Ok((at, found)),
        Err(error) => Err(error),
    })
}

/// A data error of serde as the kind of problem, without the value it quotes (which may be
/// personal data): `invalid type: string "Ann", expected u8` becomes
/// `invalid type: string, expected u8`.
fn data_problem(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (found, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
            let kind = found.split([' ', '`', '"']).next().unwrap_or_default();
            return match expected {
                "" => format!("{prefix}{kind}"),
                expected => format!("{prefix}{kind}, expected {expected}"),
            };
        }
    }
    let names_a_field = [
        "missing field ",
        "unknown field ",
        "duplicate field ",
        "invalid length ",
    ]
    .iter()
    .any(|start| message.starts_with(start));
    // These messages name an attribute, never its value.
    let names_an_attribute = [CANT_BE_NULL, IN_OTHER_CASE, BLANKS_AROUND, NOT_IN_PROFILE]
        .iter()
        .any(|end| message.ends_with(end));
    if names_a_field || names_an_attribute {
        message.to_string()
    } else {
        "invalid value".to_string()
    }
}

/// The column (in characters, from 1) of the character at a byte offset of a line (one the
/// offset falls within counts as that one).
fn text_column(bytes: &[u8], offset: usize) -> u64 {
    let before = &bytes[..offset.min(bytes.len())];
    let chars: usize = before
        .utf8_chunks()
        .map(|chunk| chunk.valid().chars().count())
        .sum();
    chars as u64 + 1
}

/// serde_json's message without its own " at line 1 column 7" (the location says it).
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(line: &str) -> String {
        match parse(line.as_bytes(), false) {
            Some(Err((_, message))) => message,
            _ => panic!("{line} is refused"),
        }
    }

    #[test]
    fn problems_name_the_field_and_never_quote_its_value() {
        let said = problem(r#"{"externalId":"e1","profile":{"email":["ann.secret@example.com"]}}"#);
        assert_eq!(
            said,
            "not a user record: profile.email: invalid type: sequence, expected a string"
        );
        let said = problem(r#"{"externalId":7341}"#);
        assert_eq!(
            said,
            "not a user record: externalId: invalid type: integer, expected a string"
        );
        assert!(!problem(r#"{"externalId":"x","profile":{"firstName":false}}"#).contains("false"));
        let said = problem(r#"{"externalId":"e1","profile":{"department":1e400}}"#);
        assert_eq!(
            said,
            "not a user record: profile.department: number out of range"
        );
        assert_eq!(
            problem(r#"{"externalId":"e1""#),
            "not a user record: EOF while parsing an object"
        );
        assert_eq!(
            problem(r#"{"externalId":"e1","profile":{"Email":"a@example.com"}}"#),
            "not a user record: `Email` is written `email`: names are matched as \
             written, and a custom attribute can't differ from a standard one in letter case alone"
        );
    }
}
