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

/// What the reader drops without a word, one located diagnostic each: keys of `paths`
/// that are neither paths (which start with `/`) nor extensions (`x-…`), and keys of a path
/// item that it does not know (`GET` for `get`, say), so their operations are not lost
/// silently. Reads only these keys from `text`, which [`load`] has already read.
pub fn ignored_paths(text: &str) -> Vec<Diagnostic> {
    #[derive(Deserialize)]
    struct Keys {
        #[serde(default)]
        paths: indexmap::IndexMap<String, MapKeys>,
    }
    let Ok(Keys { paths }) = serde_yaml::from_str::<Keys>(text) else {
        return Vec::new();
    };
    let mut ignored = Vec::new();
    for (path, MapKeys(item)) in &paths {
        let at = Pointer::root().push("paths").push(path);
        if path.starts_with("x-") {
            continue;
        }
        if !path.starts_with('/') {
            ignored.push(
                Diagnostic::at(
                    &at,
                    format!("the path `{path}` does not start with `/`, so its operations are not generated"),
                )
                .with_help(format!("write it as `/{path}`")),
            );
            continue;
        }
        for key in item.iter().filter(|key| !is_path_item_key(key)) {
            ignored.push(
                Diagnostic::at(
                    &at.push(key),
                    format!("`{key}` is not a field of a path item, so it is not generated"),
                )
                .with_help("HTTP methods are lower case: get, put, post, delete, options, head, patch, trace"),
            );
        }
    }
    ignored
}

/// The keys of a mapping, read without its values; nothing for any other value.
struct MapKeys(Vec<String>);

impl<'de> Deserialize<'de> for MapKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = MapKeys;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any value")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<MapKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, serde::de::IgnoredAny)) = map.next_entry::<String, _>()? {
                    keys.push(key);
                }
                Ok(MapKeys(keys))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<MapKeys, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(MapKeys(Vec::new()))
            }

            fn visit_str<E>(self, _: &str) -> Result<MapKeys, E> {
                Ok(MapKeys(Vec::new()))
            }

            fn visit_bool<E>(self, _: bool) -> Result<MapKeys, E> {
                Ok(MapKeys(Vec::new()))
            }

            fn visit_i64<E>(self, _: i64) -> Result<MapKeys, E> {
                Ok(MapKeys(Vec::new()))
            }

            fn visit_u64<E>(self, _: u64) -> Result<MapKeys, E> {
                Ok(MapKeys(Vec::new()))
            }

            fn visit_f64<E>(self, _: f64) -> Result<MapKeys, E> {
                Ok(MapKeys(Vec::new()))
            }

            fn visit_unit<E>(self) -> Result<MapKeys, E> {
                Ok(MapKeys(Vec::new()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The fields of an OpenAPI 3.0 path item, and its extensions.
fn is_path_item_key(key: &str) -> bool {
    const FIELDS: &[&str] = &[
        "$ref",
        "summary",
        "description",
        "get",
        "put",
        "post",
        "delete",
        "options",
        "head",
        "patch",
        "trace",
        "servers",
        "parameters",
    ];
    FIELDS.contains(&key) || key.starts_with("x-")
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
