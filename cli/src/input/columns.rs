//! What each column of a CSV file holds: the header matched against the profile's attributes
//! (case-insensitively), after the renames of a `--map` file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use okta_identity_source::models::IdentitySourceUserProfileForUpsert;

use super::csv_users::{check_quotes, invalid_utf8};
use super::line_breaks::LineBreaks;
use super::{Delimiter, InputError, Location, SEPARATORS, display_name, open};
use crate::output::summary::count;
use crate::output::terminal;

/// The columns with a meaning of their own; every other column is a custom attribute.
pub(super) const KNOWN_COLUMNS: &[(&str, Column)] = &[
    ("externalId", Column::ExternalId),
    ("userName", Column::UserName),
    ("email", Column::Email),
    ("secondEmail", Column::SecondEmail),
    ("firstName", Column::FirstName),
    ("lastName", Column::LastName),
    ("mobilePhone", Column::MobilePhone),
    ("homeAddress", Column::HomeAddress),
];

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Column {
    ExternalId,
    UserName,
    Email,
    SecondEmail,
    FirstName,
    LastName,
    MobilePhone,
    HomeAddress,
    /// A custom attribute of the identity source's schema, by its name.
    Custom(String),
    /// Dropped by the map file.
    Dropped,
}

impl Column {
    /// The column that a header name (already renamed) stands for.
    fn named(name: &str) -> Self {
        KNOWN_COLUMNS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map_or_else(
                || Column::Custom(name.to_string()),
                |(_, column)| column.clone(),
            )
    }

    /// The attribute's name as Okta spells it.
    pub(crate) fn name(&self) -> &str {
        match self {
            Column::Custom(name) => name,
            Column::Dropped => "",
            known => KNOWN_COLUMNS
                .iter()
                .find(|(_, c)| c == known)
                .map_or("", |(n, _)| n),
        }
    }

    /// Puts a cell's value into the profile. An empty cell, or one of whitespace only (a
    /// blank a spreadsheet left), is left out, or sent as null when `empty_as_null` and the
    /// attribute can be null; any other value is sent as it is.
    pub(crate) fn apply(
        &self,
        profile: &mut IdentitySourceUserProfileForUpsert,
        value: &str,
        empty_as_null: bool,
    ) {
        let blank = value.trim().is_empty();
        if blank && !empty_as_null {
            return;
        }
        let text = || (!blank).then(|| value.to_string());
        match self {
            Column::UserName => profile.user_name = text(),
            Column::Email => profile.email = text(),
            Column::SecondEmail => profile.second_email = text(),
            Column::FirstName => profile.first_name = Some(text()),
            Column::LastName => profile.last_name = Some(text()),
            Column::MobilePhone => profile.mobile_phone = Some(text()),
            Column::HomeAddress => profile.home_address = Some(text()),
            Column::Custom(name) if !blank => {
                profile
                    .additional_properties
                    .insert(name.clone(), value.to_string());
            }
            Column::Custom(_) | Column::ExternalId | Column::Dropped => {}
        }
    }
}

/// Column renames from a `--map` file: a CSV file with the header `column,attribute` and one
/// row per input column to rename; an empty attribute drops the column. Column names are
/// matched case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    renames: HashMap<String, String>,
    /// Each row of the map file: where it is, and the column it names.
    rows: Vec<(Location, String)>,
    /// Whether the rows naming a column the input does not have were told: once, at the
    /// first read (an import reads its file again, with the same header).
    told: Arc<AtomicBool>,
}

impl ColumnMap {
    /// Reads a map file.
    pub fn read(path: &Path) -> Result<Self, InputError> {
        let file: Arc<str> = display_name(path).into();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(LineBreaks::new(open(path)?));
        let header_error = |message: String| InputError::in_header(&file, message);
        let headers = reader.headers().map_err(|e| header_error(e.to_string()))?;
        let expected = ["column", "attribute"];
        if headers.len() != 2
            || !headers
                .iter()
                .zip(expected)
                .all(|(h, e)| h.eq_ignore_ascii_case(e))
        {
            return Err(header_error(
                "a map file starts with the header `column,attribute`".into(),
            ));
        }
        let mut renames = HashMap::new();
        let mut rows = Vec::new();
        let mut record = csv::ByteRecord::new();
        for index in 0.. {
            let read = reader.read_byte_record(&mut record);
            let at = |position| Location::in_csv(&file, &reader, position, None);
            let error = |location, message| InputError::Header { location, message };
            match read {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(error(at(e.position()), e.to_string())),
            }
            let location = at(record.position());
            // A quote never closed would take the rows after it into this one's attribute.
            check_quotes(&reader, &record, Delimiter(b','), &location, index)
                .map_err(|e| error(e.location, e.message))?;
            let mut fields = Vec::with_capacity(2);
            for (column, field) in record.iter().enumerate() {
                let field = std::str::from_utf8(field).map_err(|e| {
                    let at = location.clone().at_column(column as u64 + 1);
                    error(at, invalid_utf8(&e, "the field"))
                })?;
                fields.push(field);
            }
            let [from, to] = fields[..] else {
                let message = format!(
                    "{}; a row of a map file is `column,attribute`",
                    count(fields.len() as u64, "field")
                );
                return Err(error(location, message));
            };
            for (column, name) in [from, to].into_iter().enumerate() {
                if let Some(message) = in_quotes(name) {
                    return Err(error(
                        location.clone().at_column(column as u64 + 1),
                        message,
                    ));
                }
            }
            if to.contains(char::is_control) {
                let message = format!(
                    "the attribute {to:?} has a control character (a line break?); an \
                     attribute's name is text on one line"
                );
                return Err(error(location.at_column(2), message));
            }
            if renames
                .insert(from.to_lowercase(), to.to_string())
                .is_some()
            {
                let message = format!("the column `{from}` is mapped twice");
                return Err(error(location, message));
            }
            rows.push((location, from.to_string()));
        }
        Ok(Self {
            renames,
            rows,
            told: Arc::default(),
        })
    }

    /// A warning for each row of the map file that names a column `names` (a header row)
    /// does not have: a typo would otherwise go unnoticed.
    pub fn unmatched(&self, names: &[&str], file: &str) -> Vec<String> {
        if self.rows.is_empty() {
            return Vec::new();
        }
        let present: std::collections::HashSet<String> = names
            .iter()
            .map(|name| name.trim().to_lowercase())
            .collect();
        self.rows
            .iter()
            .filter(|(_, column)| !present.contains(&column.to_lowercase()))
            .map(|(location, column)| {
                format!(
                    "warning: {location}: {file} has no column `{column}`; this row of the map \
                     is ignored"
                )
            })
            .collect()
    }

    /// Tells [`unmatched`](Self::unmatched) on standard error, the first time only.
    fn tell_unmatched(&self, names: &[&str], file: &str) {
        if self.told.swap(true, Ordering::Relaxed) {
            return;
        }
        for warning in self.unmatched(names, file) {
            terminal::say(format_args!("{warning}"));
        }
    }

    /// A map from `(column, attribute)` pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let renames = pairs
            .into_iter()
            .map(|(f, t)| (f.to_lowercase(), t.to_string()))
            .collect();
        Self {
            renames,
            ..Self::default()
        }
    }

    /// What a header name stands for, after renaming.
    fn column(&self, header: &str) -> Column {
        match self.renames.get(&header.to_lowercase()) {
            Some(to) if to.is_empty() => Column::Dropped,
            Some(to) => Column::named(to),
            None => Column::named(header),
        }
    }
}

/// What to say of a name in a header or a map file that is in quotes once trimmed: quotes
/// after a blank (`Mail, "email"`, which a map file's trimmed look invites) are text in CSV,
/// as a quote opens a quoted field only as its first character, so the name would keep
/// them and be sent as an attribute of its own; no attribute's name holds them.
fn in_quotes(name: &str) -> Option<String> {
    let name = name.trim();
    let quoted = name.len() >= 2 && name.starts_with('"') && name.ends_with('"');
    quoted.then(|| {
        format!(
            "the name {name} keeps its quotes, as CSV reads a quote after a space, or one \
             written twice, as text: write the name without them"
        )
    })
}

/// How many of a header's names an error shows, and how many characters of each: a file
/// without a header has its first record there, personal data included.
const SHOWN_NAMES: usize = 8;
const SHOWN_NAME_CHARS: usize = 40;

/// A header's names for a message: the first few, each cut short and quoted with its control
/// characters escaped (`"id", "email"`).
pub(crate) fn shown_names<S: AsRef<str>>(names: &[S]) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(SHOWN_NAMES)
        .map(|name| {
            let name = name.as_ref();
            match name.char_indices().nth(SHOWN_NAME_CHARS) {
                Some((cut, _)) => format!("{:?}…", &name[..cut]),
                None => format!("{name:?}"),
            }
        })
        .collect();
    if names.len() > SHOWN_NAMES {
        shown.push(format!("… {} more", names.len() - SHOWN_NAMES));
    }
    shown.join(", ")
}

/// What to say of a header read as a single column that holds commas, semicolons, tabs or
/// vertical bars other than `delimiter`: a file separated by them (a spreadsheet's export in some
/// countries uses semicolons), which no column map can help; `None` for any other header.
pub(crate) fn separated_otherwise(
    names: &[impl AsRef<str>],
    delimiter: Delimiter,
) -> Option<String> {
    let separator = other_separator(names, delimiter)?;
    Some(format!(
        "the header is a single column holding {} (its columns: {}): the file looks separated \
         by them, and this run reads fields separated by {}; pass --delimiter {}",
        separator.plural(),
        shown_names(names),
        delimiter.plural(),
        separator.flag(),
    ))
}

/// The separator other than `delimiter` that a header read as a single column holds, if any.
pub(crate) fn other_separator(
    names: &[impl AsRef<str>],
    delimiter: Delimiter,
) -> Option<Delimiter> {
    let [name] = names else { return None };
    let name = name.as_ref().as_bytes();
    SEPARATORS
        .into_iter()
        .filter(|&byte| byte != delimiter.0)
        .find(|&byte| name.contains(&byte))
        .map(Delimiter)
}

/// The meaning of each column of a CSV file; one of them is the external id.
#[derive(Debug)]
pub(crate) struct Header {
    pub(crate) columns: Vec<Column>,
}

impl Header {
    /// Matches a header row, read with `delimiter`; refuses a missing `externalId`, a
    /// nameless column and two columns for the same attribute.
    pub(crate) fn new(
        names: &[&str],
        map: &ColumnMap,
        header: &Location,
        delimiter: Delimiter,
    ) -> Result<Self, InputError> {
        let error = |column: usize, message: String| InputError::Header {
            location: header.clone().at_column(column as u64 + 1),
            message,
        };
        let mut columns: Vec<Column> = Vec::with_capacity(names.len());
        // What the columns so far hold, looked up at once however wide the header.
        let mut held = std::collections::HashSet::with_capacity(names.len());
        for (index, name) in names.iter().enumerate() {
            if let Some(message) = in_quotes(name) {
                return Err(error(index, message));
            }
            let column = map.column(name.trim());
            if name.trim().is_empty() && column != Column::Dropped {
                return Err(error(
                    index,
                    "a column has no name in the header row (empty columns a spreadsheet left \
                     at its end? remove them, or drop them with a --map row `,`)"
                        .into(),
                ));
            }
            if column != Column::Dropped && !held.insert(column.clone()) {
                let message = format!(
                    "two columns hold `{}`; rename or drop one with --map FILE",
                    column.name()
                );
                return Err(error(index, message));
            }
            columns.push(column);
        }
        // Before the check for externalId, which a typo in the map may be the cause of.
        map.tell_unmatched(names, &header.file);
        if !columns.contains(&Column::ExternalId) {
            let message = separated_otherwise(names, delimiter).unwrap_or_else(|| {
                format!(
                    "the header has no externalId column (its columns: {}); add one, or name the \
                     column that holds the users' ids with --map FILE",
                    shown_names(names)
                )
            });
            return Err(InputError::at_header(header, message));
        }
        Ok(Self { columns })
    }
}
