//! Turns an OpenAPI 3.0 document into a typed Rust API client crate.
//!
//! The pipeline runs one way: [`load`](load::load) the document, [`lower`](lower::lower) it
//! into a small [IR](ir), [`emit`](emit::emit) Rust from the IR, and [`write`] the files,
//! all in memory until the last step.

pub mod diagnostic;
pub mod emit;
pub mod ir;
pub mod load;
pub mod lower;
mod templates;
pub mod write;

pub use diagnostic::{Diagnostic, Pointer};

/// One file of the generated crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The path relative to the crate root, with `/` separators.
    pub path: String,
    pub contents: String,
}

/// What to generate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Keep only the operations with one of these tags; all operations when empty.
    pub tags: Vec<String>,
    /// How the generated files name the document they came from, e.g. `spec/api.yaml`.
    pub source_name: String,
}

/// Every file of the client crate generated from `document` (YAML or JSON text).
pub fn generate(document: &str, options: &Options) -> Result<Vec<GeneratedFile>, Diagnostic> {
    let document = load::load(document)?;
    let api = lower::lower(&document, &options.tags)?;
    emit::emit(&api, &options.source_name)
}
