//! The input: users to create or update, external ids to deactivate, where each came from,
//! and records the caller could not even read.

use std::fmt;
use std::sync::Arc;

use okta_identity_source::models::IdentitySourceUserProfileForUpsert;
use serde::Serialize;

use crate::rules::MAX_EXTERNAL_ID_CHARS;

/// Where a record came from, so every problem can be reported at its place.
///
/// `index` is the record's number in its input, counted from 1. The importer numbers
/// records itself when `index` is 0, and says which input a record is in when `input` is
/// `None`, so a caller with nothing better may leave every field at its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Position {
    /// The file the record was read from, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Arc<str>>,
    /// The line of that file the record starts on, counted from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The record's number in its input, counted from 1 (0: not numbered yet).
    pub index: u64,
    /// Which of the import's inputs the record is in: the users or the deactivations
    /// (`None`: not said yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Input>,
}

/// One of an import's two inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The users to create or update.
    Users,
    /// The users to deactivate.
    Deactivations,
}

impl Position {
    /// The `index`th record of an input that is not a file.
    pub fn record(index: u64) -> Self {
        Self {
            index,
            ..Self::default()
        }
    }

    /// The `index`th record of `file`, starting on `line`.
    pub fn in_file(file: Arc<str>, line: u64, index: u64) -> Self {
        Self {
            file: Some(file),
            line: Some(line),
            index,
            input: None,
        }
    }
}

/// `users.csv:12` or `users.csv, record 12` in a file, which tells the input; otherwise
/// `user 12`, `deactivation 12`, or `record 12` when the input is not said, and the same
/// before `line 12`, as in `user at line 12`.
impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let record = match self.input {
            Some(Input::Users) => "user",
            Some(Input::Deactivations) => "deactivation",
            None => "record",
        };
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}"),
            (Some(file), None) => write!(f, "{file}, record {}", self.index),
            (None, Some(line)) => write!(f, "{record} at line {line}"),
            (None, None) => write!(f, "{record} {}", self.index),
        }
    }
}

/// One user to create or update in Okta, keyed by its id in the source system.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    /// The user's unique id in the source system (`externalId`, at most 512 characters).
    pub external_id: String,
    /// The user's attributes; custom attributes go in `additional_properties`.
    pub profile: IdentitySourceUserProfileForUpsert,
    /// Where the record came from.
    pub position: Position,
}

impl UserRecord {
    /// A user at no particular position (the importer numbers it).
    pub fn new(
        external_id: impl Into<String>,
        profile: IdentitySourceUserProfileForUpsert,
    ) -> Self {
        Self {
            external_id: external_id.into(),
            profile,
            position: Position::default(),
        }
    }

    /// The same user, at `position`.
    pub fn at(mut self, position: Position) -> Self {
        self.position = position;
        self
    }
}

/// One user to deactivate in Okta, by its id in the source system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deactivation {
    /// The user's unique id in the source system (`externalId`).
    pub external_id: String,
    /// Where the record came from.
    pub position: Position,
}

impl Deactivation {
    /// A deactivation at no particular position (the importer numbers it).
    pub fn new(external_id: impl Into<String>) -> Self {
        Self {
            external_id: external_id.into(),
            position: Position::default(),
        }
    }

    /// The same deactivation, at `position`.
    pub fn at(mut self, position: Position) -> Self {
        self.position = position;
        self
    }
}

/// A record that cannot be imported, with every reason found.
///
/// Callers yield these for records they could not read (a malformed CSV row); the importer
/// adds the ones that break Okta's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidRecord {
    /// Where the record is.
    pub position: Position,
    /// The record's `externalId`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// What is wrong with it, one sentence each.
    pub reasons: Vec<String>,
}

impl InvalidRecord {
    /// A record at `position` that is wrong for `reasons`.
    pub fn new(position: Position, reasons: Vec<String>) -> Self {
        Self {
            position,
            external_id: None,
            reasons,
        }
    }
}

/// `users.csv:12: email is not an email address; firstName is empty`.
/// How many characters of an external id too long to be one are shown.
const SHOWN_OF_A_LONG_ID: usize = 40;

impl fmt::Display for InvalidRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.position)?;
        if let Some(id) = &self.external_id {
            // One too long to be an id is shown by its start, not megabytes of it.
            match id.char_indices().nth(MAX_EXTERNAL_ID_CHARS) {
                None => write!(f, "externalId {id:?}: ")?,
                Some(_) => {
                    let (cut, _) = id
                        .char_indices()
                        .nth(SHOWN_OF_A_LONG_ID)
                        .unwrap_or_default();
                    let chars = id.chars().count();
                    write!(f, "externalId {:?}… ({chars} characters): ", &id[..cut])?;
                }
            }
        }
        f.write_str(&self.reasons.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_like_places() {
        let file: Arc<str> = Arc::from("users.csv");
        assert_eq!(
            Position::in_file(file.clone(), 12, 11).to_string(),
            "users.csv:12"
        );
        let no_line = Position {
            line: None,
            ..Position::in_file(file, 1, 4)
        };
        assert_eq!(no_line.to_string(), "users.csv, record 4");
        assert_eq!(Position::record(7).to_string(), "record 7");
        let line_only = Position {
            line: Some(3),
            ..Position::record(2)
        };
        assert_eq!(line_only.to_string(), "record at line 3");
        // Not in a file, the input tells a user from a deactivation of the same number.
        let in_input = |input| Position {
            input: Some(input),
            ..Position::record(7)
        };
        assert_eq!(in_input(Input::Users).to_string(), "user 7");
        assert_eq!(in_input(Input::Deactivations).to_string(), "deactivation 7");
        let line_only = Position {
            line: Some(3),
            ..in_input(Input::Deactivations)
        };
        assert_eq!(line_only.to_string(), "deactivation at line 3");
    }

    #[test]
    fn invalid_records_list_every_reason() {
        let mut record = InvalidRecord::new(
            Position::record(2),
            vec!["email is empty".into(), "firstName is empty".into()],
        );
        assert_eq!(
            record.to_string(),
            "record 2: email is empty; firstName is empty"
        );
        record.external_id = Some("e-1".into());
        assert_eq!(
            record.to_string(),
            "record 2: externalId \"e-1\": email is empty; firstName is empty"
        );
        // An id of the longest length is shown whole; a longer one by its start.
        record.external_id = Some("é".repeat(MAX_EXTERNAL_ID_CHARS));
        assert!(
            record
                .to_string()
                .contains(&"é".repeat(MAX_EXTERNAL_ID_CHARS))
        );
        record.external_id = Some("é".repeat(3_000_000));
        let shown = format!(
            "record 2: externalId \"{}\"… (3000000 characters): email",
            "é".repeat(40)
        );
        assert!(record.to_string().starts_with(&shown), "{record}");
    }
}
