//! What the user sees: tables, progress and the summary.

pub mod events;
pub mod outcome;
pub mod progress;
pub mod report_file;
pub mod retrying;
pub mod summary;
pub mod table;
pub mod terminal;
