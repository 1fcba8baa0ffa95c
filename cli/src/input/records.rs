//! The readers' rows as the import engine's records.

use okta_identity_source_import::{Deactivation, InvalidRecord, Position, UserRecord};

use super::{DeactivationRow, Location, RecordError, UserRow};

/// The engine's position of a record: file, line and number from 1. The column, which the
/// engine's position has no place for, goes in the reason.
fn position(location: &Location, index: u64) -> Position {
    Position::in_file(location.file.clone(), location.line, index + 1)
}

impl From<UserRow> for UserRecord {
    fn from(row: UserRow) -> Self {
        UserRecord::new(row.external_id, row.profile).at(position(&row.location, row.index))
    }
}

impl From<DeactivationRow> for Deactivation {
    fn from(row: DeactivationRow) -> Self {
        Deactivation::new(row.external_id).at(position(&row.location, row.index))
    }
}

impl From<RecordError> for InvalidRecord {
    fn from(error: RecordError) -> Self {
        let reason = match error.location.column {
            Some(column) => format!("column {column}: {}", error.message),
            None => error.message,
        };
        let mut invalid = InvalidRecord::new(position(&error.location, error.index), vec![reason]);
        invalid.external_id = error.external_id;
        invalid
    }
}

/// A users file as the engine's input.
pub fn user_records(
    users: super::Users,
) -> impl Iterator<Item = Result<UserRecord, InvalidRecord>> + Send {
    users.map(|row| row.map(UserRecord::from).map_err(InvalidRecord::from))
}

/// A deactivation file as the engine's input.
pub fn deactivation_records(
    rows: super::deactivations::Deactivations,
) -> impl Iterator<Item = Result<Deactivation, InvalidRecord>> + Send {
    rows.map(|row| row.map(Deactivation::from).map_err(InvalidRecord::from))
}
