//! Where something is in an input file: `file:line` or `file:line:column`.

use std::fmt;
use std::sync::Arc;

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
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(column) = self.column {
            write!(f, ":{column}")?;
        }
        Ok(())
    }
}
