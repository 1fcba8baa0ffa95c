//! Reading an OpenAPI 3.0 or 3.1 document from YAML or JSON text.

/// The `visit_*` methods of a serde `Visitor` of `()` for every scalar, each giving
/// `$result`: the walks of the text that look at its mappings alone (the keys, a pointer's
/// place) do the same with any scalar. `$error` names the error type in `$result`.
macro_rules! visit_scalars {
    ($error:ident => $result:expr) => {
        fn visit_bool<$error: serde::de::Error>(self, _: bool) -> Result<(), $error> {
            $result
        }
        visit_scalars!(but_bool: $error => $result);
    };
    (but_bool: $error:ident => $result:expr) => {
        fn visit_i64<$error: serde::de::Error>(self, _: i64) -> Result<(), $error> {
            $result
        }
        fn visit_u64<$error: serde::de::Error>(self, _: u64) -> Result<(), $error> {
            $result
        }
        fn visit_i128<$error: serde::de::Error>(self, _: i128) -> Result<(), $error> {
            $result
        }
        fn visit_u128<$error: serde::de::Error>(self, _: u128) -> Result<(), $error> {
            $result
        }
        fn visit_f64<$error: serde::de::Error>(self, _: f64) -> Result<(), $error> {
            $result
        }
        fn visit_str<$error: serde::de::Error>(self, _: &str) -> Result<(), $error> {
            $result
        }
        fn visit_bytes<$error: serde::de::Error>(self, _: &[u8]) -> Result<(), $error> {
            $result
        }
        fn visit_unit<$error: serde::de::Error>(self) -> Result<(), $error> {
            $result
        }
    };
}

mod failure;
mod keys;
mod keywords;
mod merge;
mod nesting;
mod openapi31;
mod position;
mod references;
mod tolerated;
mod tree;

use std::collections::BTreeMap;

use openapiv3::OpenAPI;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::diagnostic::{Diagnostic, Pointer};
use keys::PathKeys;
pub(crate) use openapi31::{MUTUAL_TLS, unconvertible};

/// A document read, and what the reader noted about it (parts it leaves out).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub document: OpenAPI,
    /// Warnings about what the reader did or left out (3.1 webhooks, a path read with the
    /// `/` it lacks).
    pub notes: Vec<Diagnostic>,
    /// What is not generated because the reader does not know it (a path item's `GET`):
    /// an error, unless what is unsupported is skipped.
    pub ignored: Vec<Diagnostic>,
    /// The references to schemas in place that [`read_with_references_moved`] cannot follow
    /// (to nothing, or round a cycle), left as they are, each with why: for
    /// [`crate::lower::lower_with_unfollowed`], which reports one only where a generated
    /// operation uses it. Always empty from [`read`].
    pub unfollowed: BTreeMap<String, Diagnostic>,
}

/// Parses `text` (YAML or JSON) as an OpenAPI 3.0.x or 3.1.x document.
///
/// Errors name the place in the document where reading stopped, as a JSON pointer, and say
/// which OpenAPI version was found when it is neither 3.0 nor 3.1. A key that a mapping
/// holds twice is an error too, naming the key, its place and line, rather than one of the
/// two dropped.
pub fn load(text: &str) -> Result<OpenAPI, Diagnostic> {
    read(text).map(|loaded| loaded.document)
}

/// Like [`load`], with the reader's notes. A 3.1 document is converted to the 3.0 model
/// first: `type` lists with `"null"` are `nullable`, `const` is a one-value `enum`, a `$ref`
/// with keywords beside it is an `allOf`, and so on; a schema with no 3.0 form is kept as
/// one that lowering reports as unsupported, at the place of what has no 3.0 form.
/// What the 3.0 model cannot hold in a valid document (an integer bound outside 64 bits, a
/// callback given by `$ref`) is changed so it can, with a warning.
pub fn read(text: &str) -> Result<Loaded, Diagnostic> {
    let text = without_byte_order_mark(text);
    shallow_enough(text)?;
    let keys = keys::scan(text)?;
    match parse::<OpenAPI>(text) {
        Ok(mut document)
            if is_3_0(&document.openapi) && keys.slashless.is_empty() && !keys.merges =>
        {
            let mut notes = keys.not_statuses.clone();
            if !keys.nullable_refs.is_empty() {
                match tolerated::nullable_beside_refs_in_model(&mut document, &keys.nullable_refs) {
                    Some(note) => notes.push(note),
                    // Rare: read as a tree, changed there.
                    None => return read_tree(text, keys, false),
                }
            }
            return Ok(Loaded {
                document,
                notes,
                ignored: keys.unknown,
                unfollowed: BTreeMap::new(),
            });
        }
        Ok(document) => check_version(&document.openapi)?,
        Err(()) => match version_of(text)? {
            Version::OpenApi(version) => check_version(&version)?,
            Version::Unknown => return Err(locate::<OpenAPI>(text).into_diagnostic()),
        },
    }
    read_tree(text, keys, false)
}

/// Like [`read`], with every schema that a `$ref` points at outside
/// `#/components/schemas/NAME` (`#/paths/…/schema`, say) moved there under a name of its
/// own, its old place and the references to it pointing at the new one. Slower than
/// [`read`], so only for a document that [`read`] has read and that has such references.
pub fn read_with_references_moved(text: &str) -> Result<Loaded, Diagnostic> {
    let text = without_byte_order_mark(text);
    shallow_enough(text)?;
    read_tree(text, keys::scan(text)?, true)
}

/// An error when the flow collections of a YAML text nest deeper than the YAML reader
/// takes, found before that reader takes a time quadratic in their depth to say so.
fn shallow_enough(text: &str) -> Result<(), Diagnostic> {
    if json_text(text).is_some() {
        return Ok(());
    }
    match nesting::too_deep(text) {
        Some((line, column)) => Err(Diagnostic::document(format!(
            "the document could not be read (line {line}, column {column}): its `[…]` and `{{…}}` nest more than {} deep",
            nesting::DEEPEST
        ))),
        None => Ok(()),
    }
}

/// A document that needs changes before openapiv3 reads it (a 3.1 document, paths
/// without their `/`, schemas referenced in place, keys that YAML reads as numbers, values
/// the 3.0 model cannot hold): read as a tree, changed, then read as 3.0.
fn read_tree(text: &str, keys: PathKeys, move_references: bool) -> Result<Loaded, Diagnostic> {
    let mut tree = tree::read(text).map_err(ParseError::into_diagnostic)?;
    tree::keys_as_text(&mut tree);
    if keys.merges {
        merge::apply(&mut tree, text)?;
    }
    if let Some(serde_yaml::Value::Number(number)) = tree.get("openapi") {
        return Err(version_as_number(number));
    }
    let version = tree.get("openapi").and_then(serde_yaml::Value::as_str);
    let converted = version.is_some_and(openapi31::is_version);
    let mut notes = keys.not_statuses;
    if converted {
        notes.append(&mut openapi31::convert(&mut tree)?);
    }
    notes.append(&mut add_slashes(&mut tree, &keys.slashless)?);
    notes.append(&mut tolerated::relax(&mut tree));
    if !keys.nullable_refs.is_empty() {
        // A path's key in them is as written, without the `/` it was given.
        let mut at = keys.nullable_refs;
        for tokens in &mut at {
            if let [paths, path, ..] = tokens.as_mut_slice()
                && paths == "paths"
                && keys.slashless.contains(path)
            {
                path.insert(0, '/');
            }
        }
        notes.append(&mut tolerated::nullable_beside_refs(&mut tree, &at));
    }
    let unfollowed = if move_references {
        references::hoist(&mut tree)
    } else {
        BTreeMap::new()
    };
    match OpenAPI::deserialize(&tree) {
        Ok(document) => Ok(Loaded {
            document,
            notes,
            ignored: keys.unknown,
            unfollowed,
        }),
        Err(error) => Err(tree_error(text, &tree, converted, &error)),
    }
}

/// Where and why `tree` cannot be read as a document: the first schema keyword of the wrong
/// kind below the place serde names, or else the deepest place below it that fails to read
/// (see [`failure`]), with its line in `text` when it is there. A document that was not
/// converted from 3.1, when serde names its place exactly, is read again as text for the
/// error, which then says the line.
fn tree_error(
    text: &str,
    tree: &serde_yaml::Value,
    converted: bool,
    error: &serde_yaml::Error,
) -> Diagnostic {
    let Err(located) = serde_path_to_error::deserialize::<_, OpenAPI>(tree) else {
        return Diagnostic::document(format!("the document could not be read: {error}"));
    };
    let named = path_tokens(located.path());
    let (tokens, why) = failure::deepest(tree, named.clone(), located.inner().to_string());
    if let Some(error) = keywords::misplaced_value(tree, &tokens) {
        return error;
    }
    if !converted && tokens == named {
        let error = locate::<OpenAPI>(text);
        if error.pointer.is_some() {
            return error.into_diagnostic();
        }
    }
    let message = match position::of(text, &tokens) {
        Some((line, column)) => {
            format!("the document could not be read (line {line}, column {column}): {why}")
        }
        None => format!("the document could not be read: {why}"),
    };
    match tokens_to_pointer(&tokens) {
        Some(pointer) => Diagnostic::at(&pointer, message),
        None => Diagnostic::document(message),
    }
}

fn is_3_0(version: &str) -> bool {
    version.starts_with("3.0.") || version == "3.0"
}

/// Where reading stopped, and why.
struct ParseError {
    pointer: Option<Pointer>,
    message: String,
}

impl ParseError {
    fn into_diagnostic(self) -> Diagnostic {
        let message = failure::in_openapi_terms(self.message);
        match self.pointer {
            Some(pointer) => Diagnostic::at(&pointer, message),
            None => Diagnostic::document(message),
        }
    }
}

/// Reads `text` as a `T`: JSON with serde_json and anything else as YAML, without keeping
/// track of the place (which costs a tenth of the time); [`locate`] says where it failed.
fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ()> {
    match json_text(text) {
        Some(json) => serde_json::from_str(json).map_err(drop),
        None => serde_yaml::from_str(text).map_err(drop),
    }
}

/// Reads `text` as a `T` again, following the place, to say where and why it fails.
fn locate<T: DeserializeOwned>(text: &str) -> ParseError {
    match json_text(text) {
        Some(json) => {
            let mut deserializer = serde_json::Deserializer::from_str(json);
            match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
                // What follows the document (`}]`, a second document, a comment).
                Ok(_) => match deserializer.end() {
                    Ok(()) => ParseError::unlocated(),
                    Err(error) => json_located(None, &error),
                },
                Err(error) => json_error(error),
            }
        }
        None => {
            match serde_path_to_error::deserialize::<_, T>(serde_yaml::Deserializer::from_str(text))
            {
                Ok(_) => ParseError::unlocated(),
                Err(error) => yaml_error(error, text),
            }
        }
    }
}

impl ParseError {
    /// A failure that a second reading does not find (never expected).
    fn unlocated() -> Self {
        ParseError {
            pointer: None,
            message: "the document could not be read".into(),
        }
    }
}

/// `text` without the byte order mark it may start with, which neither serde_json nor
/// serde_yaml reads past (in YAML it would be the start of the first key).
fn without_byte_order_mark(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The text of a JSON document (an object, after any white space, whose first key is in
/// double quotes, as JSON's are); `None` for YAML, a flow mapping (`{openapi: 3.0.3, …}`)
/// included.
fn json_text(text: &str) -> Option<&str> {
    let inside = text.trim_start().strip_prefix('{')?.trim_start();
    (inside.starts_with('"') || inside.starts_with('}')).then_some(text)
}

/// The error serde_yaml gave reading `text`, located; a character YAML does not allow at
/// its line and column, which serde_yaml gives as a byte offset at line 1, column 1.
fn yaml_error(error: serde_path_to_error::Error<serde_yaml::Error>, text: &str) -> ParseError {
    let pointer = path_to_pointer(error.path());
    let inner = error.into_inner();
    if inner
        .to_string()
        .starts_with("control characters are not allowed")
        && let Some((found, line, column)) = position::first_unprintable(text)
    {
        let code = u32::from(found);
        return ParseError {
            pointer: None,
            message: format!(
                "the document could not be read (line {line}, column {column}): YAML does not allow the character U+{code:04X}; write it escaped in a double-quoted string (`\\u{code:04X}`), or leave it out"
            ),
        };
    }
    let message = match inner.location() {
        Some(location) => format!(
            "the document could not be read (line {}, column {}): {inner}",
            location.line(),
            location.column()
        ),
        None => format!("the document could not be read: {inner}"),
    };
    ParseError { pointer, message }
}

fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> ParseError {
    let pointer = path_to_pointer(error.path());
    json_located(pointer, &error.into_inner())
}

/// serde_json's error `inner` at `pointer`, with its line and column.
fn json_located(pointer: Option<Pointer>, inner: &serde_json::Error) -> ParseError {
    let text = inner.to_string();
    let suffix = format!(" at line {} column {}", inner.line(), inner.column());
    let message = format!(
        "the document could not be read (line {}, column {}): {}",
        inner.line(),
        inner.column(),
        text.strip_suffix(&suffix).unwrap_or(&text)
    );
    ParseError { pointer, message }
}

/// Gives each path in `slashless` its leading `/` in the document tree, with a warning
/// each; an error when the path with the `/` is there already.
fn add_slashes(
    tree: &mut serde_yaml::Value,
    slashless: &[String],
) -> Result<Vec<Diagnostic>, Diagnostic> {
    let Some(serde_yaml::Value::Mapping(paths)) = tree.get_mut("paths") else {
        return Ok(Vec::new());
    };
    let taken: Vec<String> = paths
        .keys()
        .filter_map(|key| key.as_str().map(str::to_owned))
        .collect();
    let mut notes = Vec::new();
    let mut renamed = serde_yaml::Mapping::with_capacity(paths.len());
    for (key, item) in std::mem::take(paths) {
        let key = match key.as_str() {
            Some(path) if slashless.iter().any(|slashless| slashless == path) => {
                let at = Pointer::root().push("paths").push(path);
                let fixed = format!("/{path}");
                if taken.contains(&fixed) {
                    return Err(Diagnostic::at(
                        &at,
                        format!("the path `{path}` does not start with `/`, and `{fixed}` is a path already"),
                    )
                    .with_help("merge the two path items"));
                }
                notes.push(
                    Diagnostic::at(
                        &at,
                        format!(
                            "the path `{path}` does not start with `/`; it is read as `{fixed}`"
                        ),
                    )
                    .with_help(format!("write it as `{fixed}`"))
                    .warning(),
                );
                serde_yaml::Value::String(fixed)
            }
            _ => key,
        };
        renamed.insert(key, item);
    }
    *paths = renamed;
    Ok(notes)
}

fn check_version(version: &str) -> Result<(), Diagnostic> {
    if is_3_0(version) || openapi31::is_version(version) {
        return Ok(());
    }
    Err(Diagnostic::at(
        &Pointer::root().push("openapi"),
        format!(
            "the document is OpenAPI {version}, and only OpenAPI 3.0.x and 3.1.x are supported"
        ),
    )
    .with_help("convert the document to OpenAPI 3.0 or 3.1 first"))
}

/// The two fields that tell which specification a document follows.
#[derive(Deserialize)]
struct VersionFields {
    openapi: Option<serde_yaml::Value>,
    swagger: Option<serde_yaml::Value>,
}

/// Which specification a document says it follows.
enum Version {
    OpenApi(String),
    /// The fields could not be read: the document is not a mapping, or not YAML at all.
    Unknown,
}

/// The version `text` declares; an error for Swagger 2.0 and for a document without one.
fn version_of(text: &str) -> Result<Version, Diagnostic> {
    let Ok(VersionFields { openapi, swagger }) = parse::<VersionFields>(text) else {
        return Ok(Version::Unknown);
    };
    if let Some(swagger) = swagger {
        return Err(Diagnostic::at(
            &Pointer::root().push("swagger"),
            format!(
                "the document is Swagger {}, and only OpenAPI 3.0.x and 3.1.x are supported",
                scalar(&swagger)
            ),
        )
        .with_help("convert it to OpenAPI 3.0 first, e.g. with swagger2openapi"));
    }
    match openapi {
        None => Err(Diagnostic::document(
            "the document has no `openapi` field, so it is not an OpenAPI 3.0 or 3.1 document",
        )),
        Some(serde_yaml::Value::Number(number)) => Err(version_as_number(&number)),
        Some(version @ serde_yaml::Value::String(_)) => Ok(Version::OpenApi(scalar(&version))),
        Some(other) => Err(Diagnostic::at(
            &Pointer::root().push("openapi"),
            format!(
                "the version is {}, where it is text such as `3.0.3`",
                kind(&other)
            ),
        )),
    }
}

/// The error for a version YAML reads as a number (`openapi: 3.1`), where the readers
/// want text.
fn version_as_number(number: &serde_yaml::Number) -> Diagnostic {
    Diagnostic::at(
        &Pointer::root().push("openapi"),
        format!("the version is written as the number {number}, where it is text"),
    )
    .with_help(format!(
        "write it in quotes, with all three parts: `openapi: '{number}.0'`"
    ))
}

fn scalar(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(text) => text.clone(),
        serde_yaml::Value::Number(number) => number.to_string(),
        other => kind(other).to_owned(),
    }
}

/// What kind of value `value` is, in words.
fn kind(value: &serde_yaml::Value) -> &'static str {
    match value {
        serde_yaml::Value::Null => "null",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number",
        serde_yaml::Value::String(_) => "text",
        serde_yaml::Value::Sequence(_) => "a list",
        serde_yaml::Value::Mapping(_) => "a mapping",
        serde_yaml::Value::Tagged(_) => "a tagged value",
    }
}

/// The JSON pointer of serde's path to the failing value; `None` at the root.
fn path_to_pointer(path: &serde_path_to_error::Path) -> Option<Pointer> {
    tokens_to_pointer(&path_tokens(path))
}

/// The JSON pointer of reference tokens; `None` at the root.
fn tokens_to_pointer(tokens: &[String]) -> Option<Pointer> {
    (!tokens.is_empty()).then(|| Pointer::of_tokens(tokens))
}

/// The reference tokens of serde's path to the failing value.
fn path_tokens(path: &serde_path_to_error::Path) -> Vec<String> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_beside_refs_are_changed_in_the_document_read_without_a_tree() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/C', nullable: true}}]\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/C', nullable: true}}}}}\ncomponents:\n  schemas:\n    C: {type: string}\n    D: {$ref: '#/components/schemas/C', nullable: true}\n    E: {type: array, items: {$ref: '#/components/schemas/C', nullable: true}}\n";
        let keys = keys::scan(text).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(keys.nullable_refs.len(), 4);
        let Ok(mut document) = parse::<OpenAPI>(text) else {
            panic!("reads");
        };
        let note = tolerated::nullable_beside_refs_in_model(&mut document, &keys.nullable_refs)
            .expect("each place is found and changed");
        assert!(note.to_string().contains("4 schemas have"), "{note}");
        let tree = tree::read(text).map_err(ParseError::into_diagnostic);
        let mut tree = tree.unwrap_or_else(|error| panic!("{error}"));
        tolerated::nullable_beside_refs(&mut tree, &keys.nullable_refs);
        let from_tree: OpenAPI = OpenAPI::deserialize(&tree).expect("reads");
        assert_eq!(document, from_tree);
    }

    #[test]
    fn keys_yaml_reads_as_numbers_or_booleans_are_read_as_text() {
        for version in ["3.0.3", "3.1.0"] {
            let document = format!(
                "openapi: {version}\ninfo: {{title: t, version: '1', x-codes: {{404: Not found}}}}\npaths: {{}}\ncomponents:\n  schemas:\n    Year:\n      type: object\n      properties: {{2023: {{type: integer}}, true: {{type: string}}}}\n      example: {{2023: 15}}\n"
            );
            let document = load(&document).unwrap_or_else(|error| panic!("{version}: {error}"));
            let Some(openapiv3::ReferenceOr::Item(year)) = document
                .components
                .as_ref()
                .and_then(|components| components.schemas.get("Year"))
            else {
                panic!("{version}: no Year");
            };
            let openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) = &year.schema_kind
            else {
                panic!("{version}: not an object: {year:?}");
            };
            let names: Vec<&String> = object.properties.keys().collect();
            assert_eq!(names, ["2023", "true"], "{version}");
            assert_eq!(document.info.extensions["x-codes"]["404"], "Not found");
        }
    }

    #[test]
    fn a_number_as_the_version_in_json_is_read_as_its_text() {
        let document = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": 2}, "paths": {}}"#;
        assert_eq!(
            load(document).map(|document| document.info.version),
            Ok("2".into())
        );
    }

    #[test]
    fn yaml_with_integers_wider_than_128_bits_or_64_bits_is_read_with_a_note() {
        let document = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Id:\n      type: integer\n      maximum: 18446744073709551615\n      example: 340282366920938463463374607431768211455\n";
        let loaded = read(document).expect("reads");
        let notes: Vec<String> = loaded.notes.iter().map(ToString::to_string).collect();
        assert_eq!(
            notes,
            [
                "at #/components/schemas/Id/maximum: `maximum: 18446744073709551615` is outside the 64-bit range; it is kept in the docs, and not checked"
            ]
        );
        let schemas = &loaded.document.components.expect("components").schemas;
        let id = schemas["Id"].as_item().expect("an inline schema");
        assert_eq!(
            id.schema_data.description.as_deref(),
            Some("`maximum`: 18446744073709551615.")
        );
        assert!(
            id.schema_data
                .example
                .as_ref()
                .is_some_and(serde_json::Value::is_f64)
        );
    }

    #[test]
    fn a_byte_order_mark_is_read_past_in_yaml_as_in_json() {
        let yaml = "\u{feff}openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";
        let json = "\u{feff}{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}}";
        for document in [yaml, json] {
            assert_eq!(
                read(document).map(|loaded| loaded.document.info.title),
                Ok("t".into())
            );
            assert_eq!(
                read_with_references_moved(document).map(|loaded| loaded.document.info.title),
                Ok("t".into())
            );
        }
        let error = read("\u{feff}openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {responses: {'200': {description: []}}}}}\n")
            .expect_err("a list is no description");
        assert!(
            error
                .to_string()
                .starts_with("at #/paths/~1a/get/responses/200/description: the document could not be read (line 3, column 53):"),
            "{error}"
        );
    }

    #[test]
    fn a_character_yaml_does_not_allow_is_located_at_its_line_and_column() {
        let document = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      description: \"a\u{1}b\"\n";
        let error = load(document).expect_err("a control character");
        assert_eq!(
            error.message,
            "the document could not be read (line 6, column 22): YAML does not allow the character U+0001; write it escaped in a double-quoted string (`\\u0001`), or leave it out"
        );
    }

    #[test]
    fn an_operation_without_responses_is_read_in_3_1_and_refused_in_3_0_saying_why() {
        let document = |version: &str| {
            format!(
                "openapi: {version}\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get: {{operationId: a}}\n"
            )
        };
        let read = load(&document("3.1.0")).expect("3.1 may leave responses out");
        let operation = read.paths.paths["/a"]
            .as_item()
            .and_then(|item| item.get.as_ref());
        assert!(operation.is_some_and(|operation| operation.responses.responses.is_empty()));
        let error = load(&document("3.0.3")).expect_err("3.0 may not");
        assert_eq!(
            error.to_string(),
            "at #/paths/~1a/get: the document could not be read (line 5, column 10): missing field `responses`: an OpenAPI 3.0 operation lists its responses (3.1 may leave them out)"
        );
    }

    #[test]
    fn errors_in_json_are_located() {
        let document = "\u{feff}{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"},\n\"paths\": {\"/a\": {\"get\": {\"responses\": {\"200\": {\"description\": []}}}}}}";
        let error = load(document).expect_err("a list is no description");
        assert_eq!(
            error.pointer.map(|pointer| pointer.to_string()).as_deref(),
            Some("#/paths/~1a/get/responses/200/description"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("(line 2, column 6"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_error_in_a_path_item_names_its_place_and_line() {
        let document = "openapi: VERSION
info: {title: x, version: '1'}
paths:
  /a:
    get:
      responses:
        '200': {description: ok}
  /b:
    get:
      parameters:
        - {name: q, in: query, required: maybe, schema: {type: string}}
      responses:
        '200': {description: [ok]}
";
        for version in ["3.0.3", "3.1.0"] {
            let error =
                read(&document.replace("VERSION", version)).expect_err("`maybe` is no boolean");
            assert_eq!(
                error.to_string(),
                "at #/paths/~1b/get/parameters/0/required: the document could not be read (line 11, column 42): invalid type: string \"maybe\", expected a boolean",
                "OpenAPI {version}"
            );
        }
        let fixed = document
            .replace("VERSION", "3.0.3")
            .replace("maybe", "true");
        let error = read(&fixed).expect_err("a list is no description");
        assert_eq!(
            error.to_string(),
            "at #/paths/~1b/get/responses/200/description: the document could not be read (line 13, column 30): invalid type: sequence, expected a string"
        );
    }

    #[test]
    fn a_3_1_document_is_read_with_notes() {
        let document = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "webhooks": {"ping": {"post": {"responses": {"200": {"description": "ok"}}}}}}"#;
        let loaded = read(document).expect("reads");
        assert_eq!(loaded.document.openapi, "3.0.3");
        assert!(loaded.document.paths.paths.is_empty());
        assert_eq!(
            loaded
                .notes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "at #/webhooks: webhooks are requests the API sends, not ones a client makes, so they are not generated"
            ]
        );
    }
}
