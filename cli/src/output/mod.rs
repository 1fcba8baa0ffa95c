//! What the user sees: tables, progress and the summary.

pub mod table;
