//! External ids to deactivate: one per line, or the `externalId` column of a CSV file.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use super::bounded_lines::{BoundedLines, LineError};
use super::columns::{separated_otherwise, shown_names};
use super::csv_users::{
    CsvFile, REPEATED_HEADER, check_quotes, csv_with_header, holds_line_break, invalid_utf8,
    repeats_header,
};
use super::separator_line;
use super::{
    DeactivationRow, Delimiter, InputError, Location, RecordError, SEPARATORS, display_name,
    is_csv_file, open, refuse_a_stream,
};
use crate::output::summary::count;

/// The ids of a deactivation file, one at a time.
pub type Deactivations = Box<dyn Iterator<Item = Result<DeactivationRow, RecordError>> + Send>;

/// Opens a deactivation file. A `.csv` or `.tsv` file is read as CSV and its `externalId`
/// column used (matched case-insensitively), its fields separated by `delimiter` unless its
/// header shows another separator; any other file holds one external id per line, where
/// blank lines, lines starting with `#` and a first line `externalId` are skipped.
pub fn read_deactivations(path: &Path, delimiter: Delimiter) -> Result<Deactivations, InputError> {
    let file: Arc<str> = display_name(path).into();
    refuse_a_stream(path)?;
    let reader = open(path)?;
    // The first lines, looked at once: Excel's `sep=;`, then a header.
    let mut first_lines = open(path)?;
    let separator_line = separator_line::take(&mut first_lines)
        .map_err(|e| InputError::in_header(&file, e.to_string()))?;
    let header_separator = separator_of_header(first_lines);
    if is_csv_file(path) {
        // Only its externalId column is read: the separator its header shows is taken.
        let delimiter = header_separator.map_or(delimiter, Delimiter);
        from_csv(reader, file, delimiter)
    } else {
        refuse_a_separator_line(separator_line, &file)?;
        refuse_a_csv_header(header_separator, &file)?;
        Ok(Box::new(from_lines(reader, file)))
    }
}

/// Refuses a list of ids whose first line is Excel's `sep=;` (`separator_line`): the file
/// is a CSV export, and its lines would be taken whole for ids.
fn refuse_a_separator_line(
    separator_line: Option<Delimiter>,
    file: &Arc<str>,
) -> Result<(), InputError> {
    match separator_line {
        Some(Delimiter(separator)) => Err(InputError::in_header(
            file,
            format!(
                "the first line `sep={}` names the delimiter of a CSV file, but the file is \
                 read as one external id per line: name it .csv (or .tsv), or keep only the ids",
                char::from(separator).escape_default()
            ),
        )),
        None => Ok(()),
    }
}

/// The separator of a first line that is a CSV header with an `externalId` column and at
/// least one other: `,`, `;`, a tab or `|`.
fn separator_of_header(reader: impl BufRead) -> Option<u8> {
    let first = BoundedLines::any_ending(reader).next()?.ok()?;
    let first = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&first);
    let first = String::from_utf8_lossy(first);
    SEPARATORS.into_iter().find(|&separator| {
        let mut names = first.split(char::from(separator));
        let is_external_id = |name: &str| {
            name.trim()
                .trim_matches('"')
                .eq_ignore_ascii_case("externalId")
        };
        first.contains(char::from(separator)) && names.any(is_external_id)
    })
}

/// Refuses a list of ids whose first line is a CSV header (`externalId,reason`): every line
/// would be taken whole for an id (`e1,left`), and no one deactivated.
fn refuse_a_csv_header(header_separator: Option<u8>, file: &Arc<str>) -> Result<(), InputError> {
    match header_separator {
        Some(_) => Err(InputError::in_header(
            file,
            "the first line is a CSV header with an externalId column, but the file is read as \
             one external id per line: name it .csv (or .tsv), or keep only the ids"
                .into(),
        )),
        None => Ok(()),
    }
}

/// One id per line.
fn from_lines<R: BufRead + Send + 'static>(
    reader: R,
    file: Arc<str>,
) -> impl Iterator<Item = Result<DeactivationRow, RecordError>> + Send {
    let mut index = 0;
    let mut failed = false;
    // Whether a line other than a blank one or a comment was read: the column's name can
    // come only before.
    let mut content = false;
    // A lone `\r` ends a line too: such a file was read as one id holding the others, and
    // deactivated no one.
    BoundedLines::any_ending(reader)
        .enumerate()
        // A read error repeats forever: stop after the first one.
        .take_while(move |(_, bytes)| {
            !std::mem::replace(&mut failed, matches!(bytes, Err(LineError::Failed(_))))
        })
        .filter_map(move |(number, bytes)| {
            let location = Location::line(&file, number as u64 + 1);
            // A line that can't be read is a record too, with its own index.
            let mut refused = |message: String, rest_unread: bool| {
                content = true;
                index += 1;
                let error = match rest_unread {
                    true => RecordError::ending_the_file(location.clone(), index - 1, message),
                    false => RecordError::new(location.clone(), index - 1, message),
                };
                Some(Err(error))
            };
            let bytes = match bytes {
                Ok(bytes) => bytes,
                Err(e @ LineError::Failed(_)) => return refused(e.message("an external id"), true),
                Err(e) => return refused(e.message("an external id"), false),
            };
            let bytes = if number == 0 {
                bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)
            } else {
                &bytes
            };
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => text.trim(),
                Err(e) => return refused(invalid_utf8(&e, "the external id"), false),
            };
            if text.is_empty() || text.starts_with('#') {
                return None;
            }
            // The first line with content may name the column, after blank lines and
            // comments too; named again later, it is lists joined one after the other.
            let named_again = text.eq_ignore_ascii_case("externalId");
            if !std::mem::replace(&mut content, true) && named_again {
                return None;
            }
            index += 1;
            if named_again {
                let message = "the column's name, externalId, after other lines (lists joined \
                               one after the other?); it is no id";
                return Some(Err(RecordError::new(location, index - 1, message.into())));
            }
            if let Some(problem) = not_an_id(text) {
                return Some(Err(RecordError::new(location, index - 1, problem.into())));
            }
            Some(Ok(DeactivationRow {
                external_id: text.to_string(),
                location,
                index: index - 1,
            }))
        })
}

/// What a line of a list of ids holds instead of an id, when it is plainly something else:
/// a JSON object (a JSON Lines file), columns separated by tabs, commas or semicolons (a
/// spreadsheet's rows pasted or exported, `e2,left company`), or an id in quotes (a
/// spreadsheet's export). An id that holds a comma is given in a CSV file, in quotes.
fn not_an_id(text: &str) -> Option<&'static str> {
    if text.starts_with('{') {
        return Some(
            "a JSON object, not an external id: a deactivation file holds one external id per \
             line, or is a .csv file with an externalId column",
        );
    }
    if text.contains('\t') {
        return Some(
            "a tab inside the external id: columns of a spreadsheet? A deactivation file holds \
             one external id per line, or is a .csv or .tsv file with an externalId column",
        );
    }
    if text.contains([',', ';']) {
        return Some(
            "a comma or semicolon inside the external id: columns of a CSV file? A deactivation \
             file holds one external id per line, or is a .csv file with an externalId column \
             (where an id that holds a comma is written in quotes)",
        );
    }
    if text.contains(char::is_control) {
        return Some("a control character inside the external id, which no id holds");
    }
    let quoted = text.len() >= 2 && text.starts_with('"') && text.ends_with('"');
    quoted.then_some("the external id is in quotes: write it without them")
}

/// The `externalId` column of a CSV file (its name matched case-insensitively); the other
/// columns are not read.
fn from_csv<R: BufRead + Send + 'static>(
    reader: R,
    file: Arc<str>,
    delimiter: Delimiter,
) -> Result<Deactivations, InputError> {
    let CsvFile {
        mut reader,
        names,
        header,
        delimiter: read_with,
    } = csv_with_header(reader, &file, delimiter)?;
    let column = external_id_column(&names, read_with)
        .map_err(|message| InputError::at_header(&header, message))?;
    let mut record = csv::ByteRecord::new();
    let mut index = 0;
    let mut done = false;
    let rows = std::iter::from_fn(move || {
        if done {
            return None;
        }
        let read = reader.read_byte_record(&mut record);
        let at = |position, field| Location::in_csv(&file, &reader, position, field);
        let row = match read {
            Ok(true) => {
                let location = at(record.position(), None);
                let row =
                    check_quotes(&reader, &record, read_with, &location, index).and_then(|()| {
                        if repeats_header(&record, &names) {
                            return Err(RecordError::new(location, index, REPEATED_HEADER.into()));
                        }
                        external_id(&record, column, index, location)
                    });
                reader.get_ref().done_before(reader.position().byte());
                row
            }
            Ok(false) => return None,
            Err(error) => {
                // A read error may repeat forever: stop after the first one.
                done = true;
                // An I/O error has no position: the record being read has its start.
                let position = error.position().or(record.position()).cloned();
                let message = format!("cannot read further: {error}");
                Err(RecordError::ending_the_file(
                    at(position.as_ref(), None),
                    index,
                    message,
                ))
            }
        };
        index += 1;
        Some(row)
    });
    Ok(Box::new(rows))
}

/// The index of the one `externalId` column of a header row.
fn external_id_column(names: &csv::ByteRecord, delimiter: Delimiter) -> Result<usize, String> {
    let is_external_id = |name: &[u8]| {
        String::from_utf8_lossy(name)
            .trim()
            .eq_ignore_ascii_case("externalId")
    };
    let mut found = names.iter().enumerate().filter(|(_, n)| is_external_id(n));
    match (found.next(), found.next()) {
        (Some((column, _)), None) => Ok(column),
        (Some(_), Some(_)) => Err("two columns are named externalId; keep one".into()),
        (None, _) => {
            let names: Vec<_> = names.iter().map(String::from_utf8_lossy).collect();
            if let Some(message) = separated_otherwise(&names, delimiter) {
                return Err(message);
            }
            Err(format!(
                "the header has no externalId column (its columns: {}); a deactivation file \
                 is a CSV file with an externalId column, or holds one external id per line",
                shown_names(&names)
            ))
        }
    }
}

/// The external id in field `column` of a record at `location`.
fn external_id(
    record: &csv::ByteRecord,
    column: usize,
    index: u64,
    location: Location,
) -> Result<DeactivationRow, RecordError> {
    let error = |location: Location, message| RecordError::new(location, index, message);
    if let Some(field) = record.iter().position(holds_line_break) {
        let message = "a field holds a line break (a quoted value over several lines), \
                       which no field of a deactivation file may"
            .to_owned();
        return Err(error(location.at_column(field as u64 + 1), message));
    }
    let Some(value) = record.get(column) else {
        let message = format!(
            "{}, and no externalId in field {}",
            count(record.len() as u64, "field"),
            column + 1
        );
        return Err(error(location.at_column(record.len() as u64 + 1), message));
    };
    let external_id = std::str::from_utf8(value)
        .map_err(|e| {
            error(
                location.clone().at_column(column as u64 + 1),
                invalid_utf8(&e, "externalId"),
            )
        })?
        .trim()
        .to_string();
    Ok(DeactivationRow {
        external_id,
        location,
        index,
    })
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
