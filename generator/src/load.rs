//! Reading an OpenAPI 3.0 document from YAML or JSON text.

use openapiv3::OpenAPI;
use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Pointer};

/// Parses `text` (YAML or JSON) as an OpenAPI 3.0.x document.
///
/// Errors name the place in the document where reading stopped, as a JSON pointer, and say
/// which OpenAPI version was found when it is not 3.0.
pub fn load(text: &str) -> Result<OpenAPI, Diagnostic> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let document: OpenAPI = match serde_path_to_error::deserialize(deserializer) {
        Ok(document) => document,
        Err(error) => return Err(explain_parse_error(text, error)),
    };
    check_version(&document.openapi)?;
    Ok(document)
}

/// The keys of `paths` that are neither paths (which start with `/`) nor extensions
/// (`x-…`): the reader drops them, so they are reported here, one diagnostic each, located.
/// Reads only the keys of `paths` from `text`, which [`load`] has already read.
pub fn ignored_paths(text: &str) -> Vec<Diagnostic> {
    #[derive(Deserialize)]
    struct Keys {
        #[serde(default)]
        paths: indexmap::IndexMap<String, serde::de::IgnoredAny>,
    }
    let Ok(Keys { paths }) = serde_yaml::from_str::<Keys>(text) else {
        return Vec::new();
    };
    paths
        .keys()
        .filter(|key| !key.starts_with('/') && !key.starts_with("x-"))
        .map(|key| {
            Diagnostic::at(
                &Pointer::root().push("paths").push(key),
                format!(
                    "the path `{key}` does not start with `/`, so its operations are not generated"
                ),
            )
            .with_help(format!("write it as `/{key}`"))
        })
        .collect()
}

fn check_version(version: &str) -> Result<(), Diagnostic> {
    if version.starts_with("3.0.") || version == "3.0" {
        return Ok(());
    }
    Err(Diagnostic::at(
        &Pointer::root().push("openapi"),
        format!("the document is OpenAPI {version}, and only OpenAPI 3.0.x is supported"),
    )
    .with_help("convert the document to OpenAPI 3.0 first"))
}

/// The two fields that tell which specification a document follows.
#[derive(Deserialize)]
struct VersionFields {
    openapi: Option<serde_yaml::Value>,
    swagger: Option<serde_yaml::Value>,
}

fn explain_parse_error(
    text: &str,
    error: serde_path_to_error::Error<serde_yaml::Error>,
) -> Diagnostic {
    // A document of another version usually fails somewhere in the middle; saying which
    // version it is helps more than the first field that did not fit.
    if let Ok(VersionFields { openapi, swagger }) = serde_yaml::from_str::<VersionFields>(text) {
        if let Some(swagger) = swagger {
            return Diagnostic::at(
                &Pointer::root().push("swagger"),
                format!(
                    "the document is Swagger {}, and only OpenAPI 3.0.x is supported",
                    scalar(&swagger)
                ),
            )
            .with_help("convert it to OpenAPI 3.0 first, e.g. with swagger2openapi");
        }
        match openapi {
            None => {
                return Diagnostic::document(
                    "the document has no `openapi` field, so it is not an OpenAPI 3.0 document",
                );
            }
            Some(version) => {
                if let Err(diagnostic) = check_version(&scalar(&version)) {
                    return diagnostic;
                }
            }
        }
    }
    let pointer = path_to_pointer(error.path());
    let inner = error.into_inner();
    let message = match inner.location() {
        Some(location) => format!(
            "the document could not be read (line {}, column {}): {inner}",
            location.line(),
            location.column()
        ),
        None => format!("the document could not be read: {inner}"),
    };
    match pointer {
        Some(pointer) => Diagnostic::at(&pointer, message),
        None => Diagnostic::document(message),
    }
}

fn scalar(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(text) => text.clone(),
        serde_yaml::Value::Number(number) => number.to_string(),
        other => format!("{other:?}"),
    }
}

/// The JSON pointer of serde's path to the failing value; `None` at the root.
fn path_to_pointer(path: &serde_path_to_error::Path) -> Option<Pointer> {
    use serde_path_to_error::Segment;
    let mut pointer = Pointer::root();
    let mut any = false;
    for segment in path.iter() {
        pointer = match segment {
            Segment::Seq { index } => pointer.push(index),
            Segment::Map { key } => pointer.push(key),
            Segment::Enum { variant } => pointer.push(variant),
            Segment::Unknown => continue,
        };
        any = true;
    }
    any.then_some(pointer)
}
