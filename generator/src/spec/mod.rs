//! Deriving our spec from an official OpenAPI document: keep the operations we ship and what
//! they reach ([`subset`]), apply our corrections ([`overlay`]), and write the result as YAML
//! in a stable order, so the same inputs always give the same bytes.

pub mod overlay;
pub mod subset;

use serde_yaml::Value;

use crate::diagnostic::Diagnostic;

/// What to derive a spec from.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// The official document's text (YAML or JSON).
    pub official: &'a str,
    /// The text of the Overlay 1.0 document of corrections.
    pub overlay: &'a str,
    /// The operations to keep, by operationId.
    pub operation_ids: &'a [&'a str],
    /// The line that opens the output, naming how it was made (written as a YAML comment).
    pub preamble: &'a str,
}

/// Where a derivation failed: in the official document or in the overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeriveError {
    /// The official document cannot be read or lacks an operation.
    Official(Diagnostic),
    /// The overlay cannot be read, or one of its actions cannot be applied.
    Overlay(Diagnostic),
    /// The result is not an OpenAPI 3.0 document the generator can load.
    Result(Diagnostic),
}

impl std::fmt::Display for DeriveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Official(diagnostic) => write!(f, "in the official document, {diagnostic}"),
            Self::Overlay(diagnostic) => write!(f, "in the overlay, {diagnostic}"),
            Self::Result(diagnostic) => write!(f, "in the derived spec, {diagnostic}"),
        }
    }
}

impl std::error::Error for DeriveError {}

/// Our spec, as YAML text: the official document cut down to the operations, with the
/// overlay applied.
pub fn derive(sources: &Sources<'_>) -> Result<String, DeriveError> {
    let official: Value = serde_yaml::from_str(sources.official).map_err(|error| {
        DeriveError::Official(Diagnostic::document(format!("not YAML or JSON: {error}")))
    })?;
    let mut document =
        subset::keep_operations(&official, sources.operation_ids).map_err(DeriveError::Official)?;
    drop(official);
    let corrections = overlay::parse(sources.overlay).map_err(DeriveError::Overlay)?;
    overlay::apply(&mut document, &corrections).map_err(DeriveError::Overlay)?;
    let document = subset::keep_reached(document);
    let body = serde_yaml::to_string(&document).map_err(|error| {
        DeriveError::Result(Diagnostic::document(format!(
            "cannot be written as YAML: {error}"
        )))
    })?;
    let text = format!("# {}\n{body}", sources.preamble);
    crate::load::load(&text).map_err(DeriveError::Result)?;
    Ok(text)
}
