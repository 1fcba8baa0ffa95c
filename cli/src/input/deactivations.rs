//! External ids to deactivate: one per line, or the `externalId` column of a CSV file.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use super::columns::{ColumnMap, Header};
use super::csv_users::invalid_utf8;
use super::{DeactivationRow, InputError, Location, RecordError, display_name, open};

/// The ids of a deactivation file, one at a time.
pub type Deactivations = Box<dyn Iterator<Item = Result<DeactivationRow, RecordError>> + Send>;

/// Opens a deactivation file. A `.csv` file is read as CSV and its `externalId` column used
/// (matched case-insensitively); any other file holds one external id per line, where blank
/// lines, lines starting with `#` and a first line `externalId` are skipped.
pub fn read_deactivations(path: &Path) -> Result<Deactivations, InputError> {
    let file: Arc<str> = display_name(path).into();
    let reader = open(path)?;
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        from_csv(reader, file)
    } else {
        Ok(Box::new(from_lines(reader, file)))
    }
}

/// One id per line.
fn from_lines<R: BufRead + Send + 'static>(
    reader: R,
    file: Arc<str>,
) -> impl Iterator<Item = Result<DeactivationRow, RecordError>> + Send {
    let mut index = 0;
    let mut failed = false;
    reader
        .split(b'\n')
        .enumerate()
        // A read error repeats forever: stop after the first one.
        .take_while(move |(_, bytes)| !std::mem::replace(&mut failed, bytes.is_err()))
        .filter_map(move |(number, bytes)| {
            let location = Location::line(&file, number as u64 + 1);
            let error = |message: String| RecordError {
                location: location.clone(),
                index,
                message,
            };
            let bytes = match bytes {
                Ok(bytes) => bytes,
                Err(e) => return Some(Err(error(format!("cannot read further: {e}")))),
            };
            let bytes = if number == 0 {
                bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)
            } else {
                &bytes
            };
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => text.trim(),
                Err(e) => return Some(Err(error(invalid_utf8(&e, "the external id")))),
            };
            let header = number == 0 && text.eq_ignore_ascii_case("externalId");
            if text.is_empty() || text.starts_with('#') || header {
                return None;
            }
            index += 1;
            Some(Ok(DeactivationRow {
                external_id: text.to_string(),
                location,
                index: index - 1,
            }))
        })
}

/// The `externalId` column of a CSV file.
fn from_csv<R: std::io::Read + Send + 'static>(
    reader: R,
    file: Arc<str>,
) -> Result<Deactivations, InputError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header_error = |message: String| InputError::Header {
        location: Location::line(&file, 1),
        message,
    };
    let names = reader
        .headers()
        .map_err(|e| header_error(e.to_string()))?
        .clone();
    let names: Vec<&str> = names.iter().collect();
    let column = Header::new(&names, &ColumnMap::default(), &file)?.external_id;
    let mut failed = false;
    let rows = reader
        .into_byte_records()
        .enumerate()
        // A read error may repeat forever: stop after the first one.
        .take_while(move |(_, record)| !std::mem::replace(&mut failed, record.is_err()))
        .map(move |(index, record)| {
            let index = index as u64;
            let record = record.map_err(|e| RecordError {
                location: Location::line(&file, e.position().map_or(0, |p| p.line())),
                index,
                message: e.to_string(),
            })?;
            let location = Location::line(&file, record.position().map_or(0, |p| p.line()));
            let value = record.get(column).ok_or_else(|| RecordError {
                location: location.clone(),
                index,
                message: format!(
                    "{} fields, no externalId (field {})",
                    record.len(),
                    column + 1
                ),
            })?;
            let external_id = std::str::from_utf8(value)
                .map_err(|e| RecordError {
                    location: location.clone().at_column(column as u64 + 1),
                    index,
                    message: invalid_utf8(&e, "externalId"),
                })?
                .trim()
                .to_string();
            Ok(DeactivationRow {
                external_id,
                location,
                index,
            })
        });
    Ok(Box::new(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader whose every read fails, as reading a directory does.
    struct Failing;

    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("lasting failure"))
        }
    }

    #[test]
    fn a_lasting_read_error_ends_the_lines_after_one_error() {
        let rows = from_lines(std::io::BufReader::new(Failing), "ids.txt".into());
        let rows: Vec<_> = rows.take(3).collect();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].is_err());
    }
}
