//! Where something is in an input file: `file:line` or `file:line:column`.

use std::fmt;
use std::sync::Arc;

use super::line_breaks::LineBreaks;

/// A place in an input file, shown as `users.csv:12` or, for a CSV field, `users.csv:12:3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as given on the command line.
    pub file: Arc<str>,
    /// The line, from 1.
    pub line: u64,
    /// The column (the CSV field, or the character in a JSON line), from 1.
    pub column: Option<u64>,
}

impl Location {
    /// A whole line.
    pub fn line(file: &Arc<str>, line: u64) -> Self {
        Self {
            file: Arc::clone(file),
            line,
            column: None,
        }
    }

    /// The same line, at a column.
    pub fn at_column(mut self, column: u64) -> Self {
        self.column = Some(column);
        self
    }

    /// Where a record of a CSV file is, and its field `field` (from 0) if one is meant: the line
    /// of the byte the csv crate's `position` of the record (or of its error) says it starts
    /// at, else, when there is none (an I/O error), the line `reader` had come to.
    pub(crate) fn in_csv<R: std::io::Read>(
        file: &Arc<str>,
        reader: &csv::Reader<LineBreaks<R>>,
        position: Option<&csv::Position>,
        field: Option<usize>,
    ) -> Self {
        let offset = position.unwrap_or(reader.position()).byte();
        let line = reader.get_ref().record_line(offset);
        let location = Self::line(file, line);
        match field {
            Some(field) => location.at_column(field as u64 + 1),
            None => location,
        }
    }
}

/// `file:line`, then `column N` where it is known, as every problem of an input is placed.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(column) = self.column {
            write!(f, ": column {column}")?;
        }
        Ok(())
    }
}
