//! What the user sees: tables, progress and the summary.

pub mod progress;
pub mod report_file;
pub mod table;
