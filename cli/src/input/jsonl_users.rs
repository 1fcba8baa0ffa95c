//! Users from a JSON Lines file: one `{"externalId": …, "profile": {…}}` per line.

use std::io::BufRead;
use std::sync::Arc;

use okta_identity_source::models::IdentitySourceUserProfileForUpsert;
use serde::Deserialize;

use super::{Location, RecordError, UserRow};

/// One line of the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Line {
    external_id: String,
    #[serde(default)]
    profile: IdentitySourceUserProfileForUpsert,
}

/// The users of a JSON Lines file, read as the iterator is driven. Blank lines are skipped; a
/// UTF-8 byte-order mark at the start is too.
pub(super) fn read<R: BufRead + Send + 'static>(reader: R, file: String) -> Lines<R> {
    Lines {
        lines: reader.split(b'\n'),
        file: file.into(),
        line: 0,
        index: 0,
        done: false,
    }
}

/// The records of a JSON Lines file.
pub(super) struct Lines<R> {
    lines: std::io::Split<R>,
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
            let parsed = match bytes {
                Ok(bytes) => parse(&bytes, self.line == 1),
                Err(error) => {
                    self.done = true;
                    Some(Err((None, format!("cannot read further: {error}"))))
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
                    profile,
                    location,
                    index,
                }),
                Err((column, message)) => {
                    let location = match column {
                        Some(column) => location.at_column(column),
                        None => location,
                    };
                    Err(RecordError {
                        location,
                        index,
                        message,
                    })
                }
            });
        }
        None
    }
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
    let mut deserializer = serde_json::Deserializer::from_str(text);
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
            _ => strip_position(error.inner()),
        };
        not_a_user_record(error.inner(), &problem)
    });
    Some(line.and_then(|line| {
        deserializer
            .end()
            .map_err(|error| not_a_user_record(&error, &strip_position(&error)))?;
        Ok(line)
    }))
}

/// The column and message of a line that is not a user record.
fn not_a_user_record(error: &serde_json::Error, problem: &str) -> (Option<u64>, String) {
    (
        Some(error.column() as u64),
        format!("not a user record: {problem}"),
    )
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
    if names_a_field {
        message.to_string()
    } else {
        "invalid value".to_string()
    }
}

/// The column (in characters, from 1) of a byte offset in a line whose start is valid UTF-8.
fn text_column(bytes: &[u8], offset: usize) -> u64 {
    std::str::from_utf8(&bytes[..offset]).map_or(offset, |s| s.chars().count()) as u64 + 1
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
    }
}
