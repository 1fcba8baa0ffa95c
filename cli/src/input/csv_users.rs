//! Users from a CSV file with a header row.

use std::io::{BufRead, Read};
use std::sync::Arc;

use csv::ByteRecord;
use okta_identity_source::models::IdentitySourceUserProfileForUpsert;

use super::columns::{Column, Header, other_separator};
use super::external_id;
use super::line_breaks::LineBreaks;
use super::quoting::QuoteError;
use super::separator_line;
use super::{Delimiter, InputError, Location, ReadOptions, RecordError, UserRow, Users};
use crate::output::summary::count;

/// A CSV file being read: the reader, its header row, where that is, and the delimiter.
pub(super) struct CsvFile<R> {
    pub reader: csv::Reader<LineBreaks<R>>,
    pub names: ByteRecord,
    pub header: Location,
    pub delimiter: Delimiter,
}

/// A CSV reader of `reader`, its fields separated by `delimiter` (rows may differ in length;
/// each is checked where it is read), its header row, and where that is in `file`: line 1,
/// or line 2 after a first line `sep=;` (as Excel writes it), which names the delimiter
/// instead. An error at the header when it can't be read, or when a quote opened in it is
/// never closed (the header would be the whole file).
pub(super) fn csv_with_header<R: BufRead>(
    mut reader: R,
    file: &Arc<str>,
    delimiter: Delimiter,
) -> Result<CsvFile<R>, InputError> {
    let named = separator_line::take(&mut reader)
        .map_err(|e| InputError::in_header(file, e.to_string()))?;
    let lines_before = u64::from(named.is_some());
    let header = Location::line(file, lines_before + 1);
    let delimiter = named.unwrap_or(delimiter);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter.0)
        .from_reader(LineBreaks::after_lines(reader, lines_before));
    let names = match reader.byte_headers() {
        Ok(names) => names.clone(),
        Err(e) => return Err(InputError::at_header(&header, e.to_string())),
    };
    // The first line's delimiter is taken over --delimiter, so the flag can't mend this.
    if let Some(named) = named
        && let Some(separator) = other_separator(
            &names
                .iter()
                .map(String::from_utf8_lossy)
                .collect::<Vec<_>>(),
            named,
        )
    {
        let message = format!(
            "the first line `sep={}` names {} as the delimiter, but the header is a single \
             column holding {}: correct that line, or remove it",
            char::from(named.0).escape_default(),
            named.plural(),
            separator.plural()
        );
        return Err(InputError::at_header(&header, message));
    }
    if let Some(column) = names.iter().position(holds_line_break) {
        let message = format!(
            "a quote opened in the header at line {} is never closed where its column name ends",
            header.line
        );
        let at = header.clone().at_column(column as u64 + 1);
        return Err(InputError::at_header(&at, message));
    }
    let start = names.position().map_or(0, csv::Position::byte);
    let quoting = reader
        .get_ref()
        .quoting(start, reader.position().byte(), delimiter.0);
    if let Some(Err(QuoteError::TextAfterClosing { field, .. })) = quoting {
        let message = "text follows the closing quote of a quoted column name (a quote inside a quoted name is written twice: \"\")".to_owned();
        let at = header.clone().at_column(field as u64 + 1);
        return Err(InputError::at_header(&at, message));
    }
    Ok(CsvFile {
        reader,
        names,
        header,
        delimiter,
    })
}

/// Whether the quotes of `record` pair up, when it has any: an error at `location` when a
/// quote opened is never closed (the rest of the file was read as one field: nothing past
/// it is read) or a closing quote has text after it (on one line, a quote inside a quoted
/// value not written twice, which the csv crate would drop; over several lines, a quote
/// opened earlier was not closed where it should be, and the lines between were read as
/// one record).
pub(super) fn check_quotes<R: std::io::Read>(
    reader: &csv::Reader<LineBreaks<R>>,
    record: &ByteRecord,
    delimiter: Delimiter,
    location: &Location,
    index: u64,
) -> Result<(), RecordError> {
    let Some(start) = record.position() else {
        return Ok(());
    };
    let (start, end) = (start.byte(), reader.position().byte());
    let lines = reader.get_ref();
    let at = |field: usize| location.clone().at_column(field as u64 + 1);
    let problem = match lines.quoting(start, end, delimiter.0) {
        Some(Ok(())) => return Ok(()),
        Some(Err(problem)) => problem,
        // The record's bytes are kept until the next record is asked about, so this is not
        // to happen; if it does, the record is not taken unchecked.
        None => {
            let message = "its quotes could not be checked, as its bytes were no longer kept";
            return Err(RecordError::new(at(0), index, message.to_owned()));
        }
    };
    let line = location.line;
    Err(match problem {
        QuoteError::NeverClosed { field } => match lines.line_ending_at(end) {
            last if last > line => {
                let message = format!(
                    "a quote opened at line {line} is never closed: the rest of the file, to line {last}, was read as one field, and nothing after it can be read"
                );
                RecordError::ending_the_file(at(field), index, message)
            }
            _ => {
                let message = "a quote opened here is never closed before the file ends";
                RecordError::new(at(field), index, message.to_owned())
            }
        },
        QuoteError::TextAfterClosing {
            offset,
            opening,
            field,
        } => {
            // Asked in order: the opening quote's line before the closing one's.
            let opened = lines.line_of(start + opening as u64);
            match lines.line_of(start + offset as u64) {
                // The quote at fault opened on a later line of a record that rightly runs
                // over several (a home address): no quote was left open before it.
                closing if closing > line && opened == closing => {
                    let message = format!(
                        "on line {closing}, text follows the closing quote of a quoted value (a \
                         quote inside a quoted value is written twice: \"\")"
                    );
                    RecordError::new(at(field), index, message)
                }
                closing if closing > line => {
                    let message = format!(
                        "text follows a closing quote at line {closing}: a quote opened at line {opened} is not closed where it should be, and lines {line} to {closing} were read as one record"
                    );
                    RecordError::new(at(field), index, message)
                }
                _ => {
                    let message = "text follows the closing quote of a quoted value (a quote inside a quoted value is written twice: \"\")";
                    RecordError::new(at(field), index, message.to_owned())
                }
            }
        }
    })
}

/// Reads the header now and the records as the iterator is driven. A UTF-8 byte-order mark
/// before the header is skipped.
pub(super) fn read<R: BufRead + Send + 'static>(
    reader: R,
    file: String,
    options: &ReadOptions,
) -> Result<Users, InputError> {
    let file: Arc<str> = file.into();
    let CsvFile {
        reader,
        names,
        header: header_at,
        delimiter,
    } = csv_with_header(reader, &file, options.delimiter)?;
    if names.is_empty() {
        let message = "the file is empty; it must start with a header row";
        return Err(InputError::at_header(&header_at, message.into()));
    }
    let header_names = names.clone();
    let names = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            std::str::from_utf8(name).map_err(|e| InputError::Header {
                location: Location::in_csv(&file, &reader, names.position(), Some(i)),
                message: invalid_utf8(&e, "the header"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let header = Header::new(&names, &options.columns, &header_at, delimiter)?;
    let rows = Rows {
        reader,
        header,
        header_names,
        delimiter,
        file,
        empty_as_null: options.empty_as_null,
        index: 0,
        done: false,
    };
    Ok(Box::new(rows))
}

/// The records after the header.
struct Rows<R> {
    reader: csv::Reader<LineBreaks<R>>,
    header: Header,
    /// The header row as written.
    header_names: ByteRecord,
    delimiter: Delimiter,
    file: Arc<str>,
    empty_as_null: bool,
    index: u64,
    done: bool,
}

impl<R: Read> Iterator for Rows<R> {
    type Item = Result<UserRow, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut record = ByteRecord::new();
        let read = self.reader.read_byte_record(&mut record);
        let index = self.index;
        self.index += 1;
        match read {
            Ok(true) => {
                let user = self.user(&record, index);
                let end = self.reader.position().byte();
                self.reader.get_ref().done_before(end);
                Some(user)
            }
            Ok(false) => None,
            Err(error) => {
                self.done = true;
                // An I/O error has no position: the record being read has its start.
                let position = error.position().or(record.position());
                Some(Err(RecordError::ending_the_file(
                    Location::in_csv(&self.file, &self.reader, position, None),
                    index,
                    format!("cannot read further: {error}"),
                )))
            }
        }
    }
}

impl<R: Read> Rows<R> {
    /// The `externalId` of a record refused for another reason, when its field is there,
    /// on one line, and valid.
    fn external_id(&self, record: &ByteRecord) -> Option<String> {
        let column = self
            .header
            .columns
            .iter()
            .position(|c| *c == Column::ExternalId)?;
        let field = record
            .get(column)
            .filter(|field| !holds_line_break(field))?;
        external_id::of_refused(std::str::from_utf8(field).ok()?)
    }

    /// One record as a user, or what is wrong with it.
    fn user(&self, record: &ByteRecord, index: u64) -> Result<UserRow, RecordError> {
        let at = |field| Location::in_csv(&self.file, &self.reader, record.position(), field);
        let location = at(None);
        // A record refused for a field other than its id still names its id when it has a
        // valid one there.
        let with_id = |error: RecordError| {
            let column = self
                .header
                .columns
                .iter()
                .position(|c| *c == Column::ExternalId);
            let in_id =
                column.is_some_and(|column| error.location.column == Some(column as u64 + 1));
            let id = if in_id {
                None
            } else {
                self.external_id(record)
            };
            error.of(id)
        };
        let error = |field: usize, message: String| {
            with_id(RecordError::new(at(Some(field)), index, message))
        };
        // Before the count of fields, which a quote never closed upsets too.
        check_quotes(&self.reader, record, self.delimiter, &location, index).map_err(with_id)?;
        // Most records have no line break, and need no look at each field.
        if holds_line_break(record.as_slice()) {
            let columns = self
                .header
                .columns
                .iter()
                .map(Some)
                .chain(std::iter::repeat(None));
            for (i, (bytes, column)) in record.iter().zip(columns).enumerate() {
                if column != Some(&Column::HomeAddress) && holds_line_break(bytes) {
                    let what = column.map_or("a field beyond the header's", |column| column.name());
                    let message = format!(
                        "{what} holds a line break (a quoted value over several lines), which only homeAddress may"
                    );
                    return Err(error(i, message));
                }
            }
        }
        let expected = self.header.columns.len();
        if record.len() != expected {
            let column = record.len().min(expected);
            let fields = count(record.len() as u64, "field");
            let message = format!("{fields} where the header has {expected}");
            return Err(error(column, message));
        }
        if repeats_header(record, &self.header_names) {
            return Err(RecordError::new(location, index, REPEATED_HEADER.into()));
        }
        let mut profile = IdentitySourceUserProfileForUpsert::default();
        let mut external_id = String::new();
        for (i, (bytes, column)) in record.iter().zip(&self.header.columns).enumerate() {
            let value = std::str::from_utf8(bytes)
                .map_err(|e| error(i, invalid_utf8(&e, column.name())))?;
            match column {
                Column::ExternalId => {
                    external_id::check(value).map_err(|message| error(i, message))?;
                    external_id = value.to_string();
                }
                column => column.apply(&mut profile, value, self.empty_as_null),
            }
        }
        Ok(UserRow {
            external_id,
            profile,
            location,
            index,
        })
    }
}

/// What a record that [`repeats_header`] is refused with.
pub(super) const REPEATED_HEADER: &str =
    "the record repeats the header row (files joined one after the other?); it is no user";

/// Whether `record` is the header row `names` again (its fields trimmed, a byte-order mark
/// before the first left out), as in files joined one after the other: it would be taken
/// for a user whose external id is `externalId`.
pub(super) fn repeats_header(record: &ByteRecord, names: &ByteRecord) -> bool {
    fn trimmed(field: &[u8]) -> &[u8] {
        field
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(field)
            .trim_ascii()
    }
    record.len() == names.len() && record.iter().map(trimmed).eq(names.iter().map(trimmed))
}

/// The message for a field (named `field`, or the header's) that is not UTF-8.
pub(super) fn invalid_utf8(error: &std::str::Utf8Error, field: &str) -> String {
    let valid = error.valid_up_to();
    format!("invalid UTF-8 in {field} after {valid} valid bytes; save the file as UTF-8")
}

/// Whether a CSV field (or a whole record's bytes) holds a line break: the sign of a quote
/// never closed.
pub(super) fn holds_line_break(field: &[u8]) -> bool {
    memchr::memchr2(b'\n', b'\r', field).is_some()
}
