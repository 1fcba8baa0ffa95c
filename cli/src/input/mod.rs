//! Reading the input files: users (CSV or JSON Lines) and external ids to deactivate.
//!
//! Readers stream: they hold one record at a time, so memory does not grow with the file.
//! An import reads its files more than once ([`Input`]): to check every record (twice when
//! an id may repeat), then to send.
//! A problem with a file as a whole (it can't be opened, its header has no external id) is an
//! [`InputError`]; a problem with one record is a [`RecordError`] that names its place, and the
//! caller decides whether to stop or skip.

mod bounded_lines;
mod columns;
mod csv_users;
mod deactivations;
mod external_id;
mod jsonl_users;
mod line_breaks;
mod location;
mod quoting;
mod records;
mod separator_line;
mod source;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use okta_identity_source::models::IdentitySourceUserProfileForUpsert;

use crate::args::Format;

pub use columns::ColumnMap;
pub use deactivations::{Deactivations, read_deactivations};
pub use location::Location;
pub use records::{deactivation_records, user_records};
pub use source::{Input, Reopen};

/// The longest record (a CSV record, a line) read: a user's record is far shorter (its
/// profile's JSON must fit in one upload of about 200 KB), so a longer one is a quote
/// never closed or a file that is not what it is named, and holding it would only grow
/// memory with the file.
pub(crate) const MAX_RECORD_BYTES: usize = 4 << 20;

/// One user read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    /// The user's id in the source system.
    pub external_id: String,
    /// The attributes to send.
    pub profile: IdentitySourceUserProfileForUpsert,
    /// Where the record is.
    pub location: Location,
    /// The record's position among the file's records, from 0.
    pub index: u64,
}

/// One external id to deactivate, read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeactivationRow {
    /// The user's id in the source system.
    pub external_id: String,
    /// Where it is.
    pub location: Location,
    /// Its position among the file's ids, from 0.
    pub index: u64,
}

/// A record that can't be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct RecordError {
    /// Where the record is.
    pub location: Location,
    /// The record's position among the file's records, from 0.
    pub index: u64,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Whether the file could not be read past it (a quote never closed, a read that
    /// failed): its records from there on are not read, so the file can't be imported,
    /// skipping invalid records or not.
    pub rest_unread: bool,
    /// The record's `externalId`, when it could be told despite the problem.
    pub external_id: Option<String>,
}

impl RecordError {
    /// What is wrong with record `index`, at `location`; the records after it are read.
    pub fn new(location: Location, index: u64, message: String) -> Self {
        Self {
            location,
            index,
            message,
            rest_unread: false,
            external_id: None,
        }
    }

    /// The same, of the record whose `externalId` is `external_id`.
    pub fn of(self, external_id: Option<String>) -> Self {
        Self {
            external_id,
            ..self
        }
    }

    /// The same, and nothing after it could be read.
    pub fn ending_the_file(location: Location, index: u64, message: String) -> Self {
        Self {
            rest_unread: true,
            ..Self::new(location, index, message)
        }
    }
}

/// A problem with an input file as a whole: nothing can be read from it.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file can't be opened or read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file's header (or the map file) is not usable.
    #[error("{location}: {message}")]
    Header {
        /// Where.
        location: Location,
        /// What is wrong and what to do.
        message: String,
    },
    /// The path is a directory or another thing that is not a regular file.
    #[error("cannot read {path}: it is not a regular file")]
    NotAFile {
        /// The path.
        path: String,
    },
    /// The file is UTF-16 (a spreadsheet's "Unicode text"), as its byte-order mark says.
    #[error(
        "cannot read {path}: it is UTF-16 (its first bytes say so), and okta-import reads \
         UTF-8; save it as UTF-8 (a spreadsheet's \"CSV UTF-8\")"
    )]
    Utf16 {
        /// The path.
        path: String,
    },
    /// The file has NUL bytes near its start, which no UTF-8 text has: UTF-16 or UTF-32
    /// text, or a binary file (a spreadsheet, an archive).
    #[error(
        "cannot read {path}: it has NUL bytes, so it is not UTF-8 text (UTF-16 or UTF-32, or \
         a file such as a spreadsheet or an archive); okta-import reads UTF-8 (a spreadsheet's \
         \"CSV UTF-8\")"
    )]
    NotText {
        /// The path.
        path: String,
    },
    /// The files hold no record at all: nothing to import (an export that failed, most
    /// often).
    #[error("{} no records: nothing to import", holds(.paths))]
    NoRecords {
        /// The files read.
        paths: Vec<String>,
    },
    /// The path is standard input (`-`), a pipe or a device: a stream, which can't be read
    /// twice.
    #[error(
        "cannot read {path}: {what}, and okta-import needs a regular file: it reads the file \
         twice, to check every record before anything is sent, then to send them; save the \
         stream to a file first (… > users.csv) and pass that file"
    )]
    Stream {
        /// The path.
        path: String,
        /// What it is: `it is standard input`, `it is a pipe`.
        what: &'static str,
    },
    /// The format can't be told from the file's name.
    #[error(
        "cannot tell the format of {path} from its extension: name it .csv, .tsv, .jsonl or \
         .ndjson, or pass --format csv|jsonl"
    )]
    UnknownFormat {
        /// The file.
        path: String,
    },
}

/// `hr.csv holds`, `hr.csv and leavers.txt hold`.
fn holds(paths: &[String]) -> String {
    match paths {
        [one] => format!("{one} holds"),
        _ => format!("{} hold", paths.join(" and ")),
    }
}

impl InputError {
    /// A problem with the header row (line 1) of `file`.
    fn in_header(file: &Arc<str>, message: String) -> Self {
        Self::at_header(&Location::line(file, 1), message)
    }

    /// An error in the header row, which is at `header`.
    fn at_header(header: &Location, message: String) -> Self {
        Self::Header {
            location: header.clone(),
            message,
        }
    }
}

/// The separators a spreadsheet exports with, told apart when a header shows one.
const SEPARATORS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Whether `path` names a CSV file (`.csv`, or `.tsv` separated by tabs), by its extension.
pub fn is_csv_file(path: &Path) -> bool {
    matches!(format_of(path), Ok(Format::Csv))
}

/// The byte between the fields of a CSV file: a comma unless `--delimiter` says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiter(pub u8);

impl Default for Delimiter {
    fn default() -> Self {
        Self(b',')
    }
}

impl Delimiter {
    /// The delimiter of a CSV file named `path` when none is given: a tab for a `.tsv` file,
    /// else a comma.
    pub fn of_file(path: &Path) -> Self {
        let extension = path.extension().and_then(|e| e.to_str());
        match extension.is_some_and(|e| e.eq_ignore_ascii_case("tsv")) {
            true => Self(b'\t'),
            false => Self::default(),
        }
    }

    /// What a file separated by it holds between its fields: `semicolons (;)`.
    pub(crate) fn plural(self) -> String {
        match self.0 {
            b'\t' => "tabs".into(),
            b' ' => "spaces".into(),
            b',' => "commas (,)".into(),
            b';' => "semicolons (;)".into(),
            b'|' => "vertical bars (|)".into(),
            other => format!("`{}`", char::from(other)),
        }
    }

    /// How `--delimiter` is given it: `';'`, `tab`.
    fn flag(self) -> String {
        match self.0 {
            b'\t' => "tab".into(),
            other => format!("'{}'", char::from(other)),
        }
    }
}

/// How to read a users file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The format, or `None` to take it from the extension.
    pub format: Option<Format>,
    /// Column renames (`--map`).
    pub columns: ColumnMap,
    /// Send empty CSV cells of nullable attributes as null.
    pub empty_as_null: bool,
    /// What separates the fields of a CSV file.
    pub delimiter: Delimiter,
}

/// The records of a users file, one at a time.
pub type Users = Box<dyn Iterator<Item = Result<UserRow, RecordError>> + Send>;

/// Opens a users file and checks its header; the records are read as the iterator is driven.
pub fn read_users(path: &Path, options: &ReadOptions) -> Result<Users, InputError> {
    refuse_a_stream(path)?;
    // Opened first: a file that is missing or a folder is told so, whatever its name.
    let reader = open(path)?;
    let format = match options.format {
        Some(format) => format,
        None => format_of(path)?,
    };
    users_from_reader(reader, display_name(path), format, options)
}

/// Refuses standard input (`-`, unless a file has that name), a pipe (a FIFO, a process
/// substitution) or a device, before opening it (opening a FIFO waits for its writer): an
/// import reads its files twice.
pub(crate) fn refuse_a_stream(path: &Path) -> Result<(), InputError> {
    let what = match std::fs::metadata(path) {
        Err(_) if path.as_os_str() == "-" => "it is standard input",
        Ok(metadata) => match stream_kind(&metadata.file_type()) {
            Some(what) => what,
            None => return Ok(()),
        },
        // Opening it says what is wrong.
        Err(_) => return Ok(()),
    };
    Err(InputError::Stream {
        path: display_name(path),
        what,
    })
}

/// What a file that is a stream is: `it is a pipe`; `None` for a regular file or a folder.
fn stream_kind(file_type: &std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("it is a pipe");
        }
        if file_type.is_char_device() || file_type.is_socket() {
            return Some("it is a device or a socket");
        }
    }
    let _ = file_type;
    None
}

/// Reads users from any reader; `name` is what messages call it.
pub fn users_from_reader<R: std::io::BufRead + Send + 'static>(
    reader: R,
    name: String,
    format: Format,
    options: &ReadOptions,
) -> Result<Users, InputError> {
    match format {
        Format::Csv => csv_users::read(reader, name, options),
        Format::Jsonl => Ok(Box::new(jsonl_users::read(reader, name))),
    }
}

/// The format a file's extension says, case-insensitively.
pub fn format_of(path: &Path) -> Result<Format, InputError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv" | "tsv") => Ok(Format::Csv),
        Some("jsonl" | "ndjson") => Ok(Format::Jsonl),
        _ => Err(InputError::UnknownFormat {
            path: display_name(path),
        }),
    }
}

/// Opens a regular file for buffered reading, with an error that names it.
pub(crate) fn open(path: &Path) -> Result<BufReader<File>, InputError> {
    let read_error = |source| InputError::Read {
        path: display_name(path),
        source,
    };
    // Looked at before it is opened: opening a pipe that nothing writes to waits forever.
    if !std::fs::metadata(path).map_err(read_error)?.is_file() {
        return Err(InputError::NotAFile {
            path: display_name(path),
        });
    }
    let file = File::open(path).map_err(read_error)?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let start = reader.fill_buf().map_err(read_error)?;
    if is_utf16(start) {
        return Err(InputError::Utf16 {
            path: display_name(path),
        });
    }
    if memchr::memchr(0, start).is_some() {
        return Err(InputError::NotText {
            path: display_name(path),
        });
    }
    Ok(reader)
}

/// Whether a file starting with `start` is UTF-16: by its byte-order mark, or without one
/// by its first character, ASCII in UTF-16 (one byte of the two zero), which no text in
/// UTF-8 starts with. UTF-32's little-endian mark begins with UTF-16's: such a file is not.
fn is_utf16(start: &[u8]) -> bool {
    match start {
        [0xFF, 0xFE, 0, 0, ..] => false,
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => true,
        [byte, 0, ..] | [0, byte, ..] => *byte != 0,
        _ => false,
    }
}

/// The name a file is shown by in messages: the path as given.
pub(crate) fn display_name(path: &Path) -> String {
    PathBuf::from(path).display().to_string()
}
