//! OpenAPI 3.1 documents, read by converting them to the OpenAPI 3.0 model before the
//! reader sees them: JSON Schema 2020-12 keywords become their 3.0 equivalents. A schema
//! that has none is replaced by one that only holds the located error (see [`MARKER`]), so
//! that lowering, which knows which schemas the generated operations use, decides whether it
//! is an error or, with unsupported parts skipped, a warning.

use serde_yaml::{Mapping, Value};

use crate::diagnostic::{Diagnostic, Pointer};

/// The OpenAPI version a converted document says it follows.
const CONVERTED_VERSION: &str = "3.0.3";

/// The extension that marks a schema with no OpenAPI 3.0 form. Its value holds the error
/// that lowering reports when a generated operation uses the schema:
/// `{pointer: "#/…", message: "…", help: "…"}`.
pub(crate) const MARKER: &str = "x-no-3-0-form";

/// Keywords of a schema whose values are schemas, converted in turn.
const SUBSCHEMA_KEYWORDS: &[&str] = &["items", "not", "additionalProperties"];

/// Keywords of a schema whose values are lists of schemas.
const SUBSCHEMA_LIST_KEYWORDS: &[&str] = &["allOf", "oneOf", "anyOf"];

/// Keywords of a schema whose values are maps of schemas.
const SUBSCHEMA_MAP_KEYWORDS: &[&str] = &["properties", "patternProperties"];

/// JSON Schema keywords that shape a value in a way OpenAPI 3.0 cannot say, and why.
const UNCONVERTIBLE_KEYWORDS: &[(&str, &str)] = &[
    ("prefixItems", "a tuple (`prefixItems`)"),
    ("if", "a conditional schema (`if`/`then`/`else`)"),
    ("dependentSchemas", "`dependentSchemas`"),
    ("$dynamicRef", "`$dynamicRef`"),
];

/// The keywords that belong to each type, moved into that type's member when a schema with
/// several types becomes an `anyOf` of one type each.
const TYPE_KEYWORDS: &[(&str, &[&str])] = &[
    (
        "object",
        &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
        ],
    ),
    ("array", &["items", "minItems", "maxItems", "uniqueItems"]),
    ("string", &["format", "pattern", "minLength", "maxLength"]),
    (
        "integer",
        &[
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
    ),
    (
        "number",
        &[
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
    ),
];

/// Keywords that only describe a schema: a member of `anyOf` that has nothing else but
/// `type: "null"` only allows `null`.
const ANNOTATIONS: &[&str] = &["title", "description", "$comment", "deprecated"];

/// Whether `version` (the `openapi` field) is an OpenAPI 3.1 version.
pub(super) fn is_version(version: &str) -> bool {
    version == "3.1" || version.starts_with("3.1.")
}

/// The HTTP scheme a 3.1 `type: mutualTLS` security scheme is read as.
pub(crate) const MUTUAL_TLS: &str = "mutualTLS";

/// Converts an OpenAPI 3.1 `document` to OpenAPI 3.0 in place, returning notes on what was
/// left out (webhooks).
pub(super) fn convert(document: &mut Value) -> Result<Vec<Diagnostic>, Diagnostic> {
    let Value::Mapping(root) = document else {
        return Err(Diagnostic::document(
            "the document is not a mapping of OpenAPI fields",
        ));
    };
    let mut notes = Vec::new();
    root.insert("openapi".into(), CONVERTED_VERSION.into());
    root.shift_remove("jsonSchemaDialect");
    if let Some(webhooks) = root.shift_remove("webhooks")
        && webhooks.as_mapping().is_some_and(|hooks| !hooks.is_empty())
    {
        notes.push(
            Diagnostic::at(
                &Pointer::root().push("webhooks"),
                "webhooks are requests the API sends, not ones a client makes, so they are not generated",
            )
            .warning(),
        );
    }
    let paths = root
        .entry("paths".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    add_responses(paths);
    if let Some(Value::Mapping(callbacks)) = root
        .get_mut("components")
        .and_then(|components| components.get_mut("callbacks"))
    {
        callbacks.values_mut().for_each(add_responses);
    }
    if let Some(Value::Mapping(info)) = root.get_mut("info") {
        convert_info(info);
    }
    let components = Pointer::root().push("components");
    for (key, value) in root.iter_mut() {
        let key = key_text(key);
        if key == "components" {
            convert_components(value, &components, &mut notes)?;
        } else if !key.starts_with("x-") {
            walk(value, &Pointer::root().push(key), &mut notes)?;
        }
    }
    Ok(notes)
}

/// An operation without `responses`, which 3.1 allows, is given none, as 3.0 writes it: its
/// answers are read as empty. `items` maps paths (or a callback's expressions) to path
/// items; the callbacks of their operations are looked into too.
fn add_responses(items: &mut Value) {
    let Value::Mapping(items) = items else {
        return;
    };
    for item in items.values_mut() {
        let Value::Mapping(item) = item else {
            continue;
        };
        for (key, operation) in item.iter_mut() {
            let Value::Mapping(operation) = operation else {
                continue;
            };
            if !super::keys::METHODS.contains(&key_text(key).as_str()) {
                continue;
            }
            operation
                .entry("responses".into())
                .or_insert_with(|| Value::Mapping(Mapping::new()));
            if let Some(Value::Mapping(callbacks)) = operation.get_mut("callbacks") {
                callbacks.values_mut().for_each(add_responses);
            }
        }
    }
}

/// `info.summary` leads the description; `info.license.identifier` (SPDX) becomes its URL.
fn convert_info(info: &mut Mapping) {
    if let Some(Value::Number(version)) = info.get("version") {
        let text = version.to_string();
        info.insert("version".into(), text.into());
    }
    if let Some(Value::String(summary)) = info.shift_remove("summary") {
        let description = match info.get("description").and_then(Value::as_str) {
            Some(description) => format!("{summary}\n\n{description}"),
            None => summary,
        };
        info.insert("description".into(), description.into());
    }
    if let Some(Value::Mapping(license)) = info.get_mut("license")
        && let Some(Value::String(identifier)) = license.shift_remove("identifier")
    {
        license
            .entry("url".into())
            .or_insert_with(|| format!("https://spdx.org/licenses/{identifier}.html").into());
    }
}

/// `components`: its `schemas` are schemas, the rest is walked like any other part.
fn convert_components(
    components: &mut Value,
    at: &Pointer,
    notes: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let Value::Mapping(components) = components else {
        return Ok(());
    };
    for (key, value) in components.iter_mut() {
        let key = key_text(key);
        let at = at.push(&key);
        match (key.as_str(), value) {
            ("schemas", Value::Mapping(schemas)) => {
                for (name, schema) in schemas.iter_mut() {
                    convert_schema(schema, &at.push(key_text(name)), notes)?;
                }
            }
            // 3.0 has no `mutualTLS`: written as an HTTP scheme of that name, which lowering
            // leaves out with a warning of its own.
            ("securitySchemes", Value::Mapping(schemes)) => {
                for scheme in schemes.values_mut() {
                    if let Value::Mapping(scheme) = scheme
                        && scheme.get("type").and_then(Value::as_str) == Some("mutualTLS")
                    {
                        scheme.insert("type".into(), "http".into());
                        scheme.insert("scheme".into(), MUTUAL_TLS.into());
                    }
                }
            }
            (key, _) if key.starts_with("x-") => {}
            (_, value) => walk(value, &at, notes)?,
        }
    }
    Ok(())
}

/// A part of the document that is not a schema: the schemas under it (every `schema`
/// field) are converted. Examples and extensions hold data, not OpenAPI, and are left alone.
fn walk(value: &mut Value, at: &Pointer, notes: &mut Vec<Diagnostic>) -> Result<(), Diagnostic> {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map.iter_mut() {
                match key_text(key).as_str() {
                    "example" | "examples" => {}
                    "schema" => convert_schema(child, &at.push("schema"), notes)?,
                    key if key.starts_with("x-") => {}
                    key => walk(child, &at.push(key), notes)?,
                }
            }
        }
        Value::Sequence(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                walk(item, &at.push(index), notes)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Why a schema was not converted.
enum Refusal {
    /// The document is wrong here (a `type` that is not a name): an error for the whole run.
    Invalid(Diagnostic),
    /// The schema is valid 3.1 with no 3.0 form: it is replaced by a [`MARKER`].
    Unconvertible(Diagnostic),
}

/// One schema, and the schemas inside it; one with no 3.0 form becomes a [`MARKER`] schema
/// that keeps its annotations (title, description).
fn convert_schema(
    schema: &mut Value,
    at: &Pointer,
    notes: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    match try_convert_schema(schema, at, notes) {
        Ok(()) => Ok(()),
        Err(Refusal::Invalid(error)) => Err(error),
        Err(Refusal::Unconvertible(error)) => {
            *schema = marked(schema, &error);
            Ok(())
        }
    }
}

fn try_convert_schema(
    schema: &mut Value,
    at: &Pointer,
    notes: &mut Vec<Diagnostic>,
) -> Result<(), Refusal> {
    let map = match schema {
        Value::Bool(true) => {
            *schema = Value::Mapping(Mapping::new());
            return Ok(());
        }
        Value::Bool(false) => {
            return Err(Refusal::Unconvertible(
                Diagnostic::at(
                    at,
                    "the schema `false` (no value is valid) cannot be converted to OpenAPI 3.0",
                )
                .with_help("remove what it describes, or write the schema it stands for"),
            ));
        }
        Value::Mapping(map) => map,
        // Not a schema: the reader says so, with this place.
        _ => return Ok(()),
    };
    refuse_unconvertible(map, at).map_err(Refusal::Unconvertible)?;
    wrap_reference(map);
    convert_subschemas(map, at, notes).map_err(Refusal::Invalid)?;
    convert_unevaluated_properties(map, at, notes).map_err(Refusal::Invalid)?;
    convert_types(map, at)?;
    drop_null_members(map);
    convert_keywords(map);
    convert_pattern_properties(map, at).map_err(Refusal::Unconvertible)?;
    Ok(())
}

/// A schema that says only `error`, with the annotations of `schema`.
fn marked(schema: &Value, error: &Diagnostic) -> Value {
    let mut marker = Mapping::new();
    if let Some(pointer) = &error.pointer {
        marker.insert("pointer".into(), pointer.to_string().into());
    }
    marker.insert("message".into(), error.message.clone().into());
    if let Some(help) = &error.help {
        marker.insert("help".into(), help.clone().into());
    }
    let mut map = Mapping::new();
    if let Value::Mapping(schema) = schema {
        for keyword in ["title", "description"] {
            if let Some(value @ Value::String(_)) = schema.get(keyword) {
                map.insert(keyword.into(), value.clone());
            }
        }
    }
    map.insert(MARKER.into(), Value::Mapping(marker));
    Value::Mapping(map)
}

/// The error a [`MARKER`] schema holds; `None` for any other schema.
pub(crate) fn unconvertible(schema: &openapiv3::Schema) -> Option<Diagnostic> {
    let marker = schema.schema_data.extensions.get(MARKER)?;
    let text = |field: &str| marker.get(field).and_then(serde_json::Value::as_str);
    let message = text("message")?;
    let error = match text("pointer").and_then(Pointer::parse) {
        Some(pointer) => Diagnostic::at(&pointer, message),
        None => Diagnostic::document(message),
    };
    Some(match text("help") {
        Some(help) => error.with_help(help),
        None => error,
    })
}

fn refuse_unconvertible(map: &Mapping, at: &Pointer) -> Result<(), Diagnostic> {
    for (keyword, what) in UNCONVERTIBLE_KEYWORDS {
        if map.contains_key(*keyword) {
            return Err(Diagnostic::at(
                &at.push(keyword),
                format!("{what} cannot be converted to OpenAPI 3.0"),
            )
            .with_help(
                "simplify this schema, or generate only the tags that do not use it with --tag",
            ));
        }
    }
    Ok(())
}

/// A `$ref` with other keywords beside it: in 3.1 both apply, which 3.0 says as an `allOf`
/// of the reference with the other keywords around it.
fn wrap_reference(map: &mut Mapping) {
    if map.len() < 2 || !map.contains_key("$ref") {
        return;
    }
    let mut reference = Mapping::new();
    if let Some(target) = map.shift_remove("$ref") {
        reference.insert("$ref".into(), target);
    }
    let member = Value::Mapping(reference);
    match map.get_mut("allOf") {
        Some(Value::Sequence(members)) => members.insert(0, member),
        _ => {
            map.insert("allOf".into(), Value::Sequence(vec![member]));
        }
    }
}

fn convert_subschemas(
    map: &mut Mapping,
    at: &Pointer,
    notes: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let required: Vec<String> = map
        .get("required")
        .and_then(Value::as_sequence)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    for (keyword, value) in map.iter_mut() {
        let Some(keyword) = keyword.as_str() else {
            continue;
        };
        let at = at.push(keyword);
        if SUBSCHEMA_KEYWORDS.contains(&keyword) {
            if !(keyword == "additionalProperties" && value.is_bool()) {
                convert_schema(value, &at, notes)?;
            }
        } else if SUBSCHEMA_LIST_KEYWORDS.contains(&keyword) {
            if let Value::Sequence(members) = value {
                for (index, member) in members.iter_mut().enumerate() {
                    if !is_null_schema(member) {
                        convert_schema(member, &at.push(index), notes)?;
                    }
                }
            }
        } else if SUBSCHEMA_MAP_KEYWORDS.contains(&keyword)
            && let Value::Mapping(schemas) = value
        {
            if keyword == "properties" {
                leave_out_never_present(schemas, &required, &at, notes);
            }
            for (name, schema) in schemas.iter_mut() {
                convert_schema(schema, &at.push(key_text(name)), notes)?;
            }
        }
    }
    Ok(())
}

/// A property whose schema is `false` is never present: it is left out, with a warning
/// (rather than made a property of any value, which could be sent). One that is also
/// required is kept, and refused as the schema `false` is: no object is valid.
fn leave_out_never_present(
    properties: &mut Mapping,
    required: &[String],
    at: &Pointer,
    notes: &mut Vec<Diagnostic>,
) {
    properties.retain(|name, schema| {
        let name = key_text(name);
        let never = *schema == Value::Bool(false) && !required.contains(&name);
        if never {
            notes.push(
                Diagnostic::at(
                    &at.push(&name),
                    format!("the property `{name}` is never present (its schema is `false`), so it is left out"),
                )
                .warning(),
            );
        }
        !never
    });
}

/// `unevaluatedProperties`, which OpenAPI 3.0 lacks: what `additionalProperties` says of the
/// properties no other keyword names, as the generator reads it too (it merges an `allOf`'s
/// properties into the object's own). It takes that keyword's place unless the schema has
/// one, its schema converted where it is.
fn convert_unevaluated_properties(
    map: &mut Mapping,
    at: &Pointer,
    notes: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let Some(mut value) = map.shift_remove("unevaluatedProperties") else {
        return Ok(());
    };
    if map.contains_key("additionalProperties") {
        return Ok(());
    }
    if !value.is_bool() {
        convert_schema(&mut value, &at.push("unevaluatedProperties"), notes)?;
    }
    map.insert("additionalProperties".into(), value);
    Ok(())
}

/// `type` as a list: `"null"` among the types is `nullable: true`; one other type is that
/// type; several are an `anyOf` of one type each, each with the keywords of its type.
fn convert_types(map: &mut Mapping, at: &Pointer) -> Result<(), Refusal> {
    let types = match map.get("type") {
        Some(Value::Sequence(types)) => types.clone(),
        Some(Value::String(single)) if single == "null" => vec![Value::from("null")],
        _ => return Ok(()),
    };
    let mut names = Vec::with_capacity(types.len());
    for (index, name) in types.iter().enumerate() {
        match name.as_str() {
            Some(name) => names.push(name),
            None => {
                return Err(Refusal::Invalid(Diagnostic::at(
                    &at.push("type").push(index),
                    "a type must be one of the names string, number, integer, boolean, array, object or null",
                )));
            }
        }
    }
    map.shift_remove("type");
    if names.contains(&"null") {
        map.insert("nullable".into(), true.into());
    }
    let others: Vec<&str> = names.into_iter().filter(|name| *name != "null").collect();
    match others.as_slice() {
        [] => {}
        [single] => {
            map.insert("type".into(), (*single).into());
        }
        several => {
            if map.contains_key("anyOf") || map.contains_key("oneOf") {
                return Err(Refusal::Unconvertible(
                    Diagnostic::at(
                        &at.push("type"),
                        "a schema with several types and an `anyOf` or `oneOf` cannot be converted to OpenAPI 3.0",
                    )
                    .with_help("move the types into the `anyOf` members"),
                ));
            }
            let members = several.iter().map(|name| one_type(map, name)).collect();
            for (_, keywords) in TYPE_KEYWORDS {
                for keyword in *keywords {
                    map.shift_remove(*keyword);
                }
            }
            map.insert("anyOf".into(), Value::Sequence(members));
        }
    }
    Ok(())
}

/// A schema of type `name` with the keywords of `map` that belong to that type.
fn one_type(map: &Mapping, name: &str) -> Value {
    let mut member = Mapping::new();
    member.insert("type".into(), name.into());
    let keywords = TYPE_KEYWORDS
        .iter()
        .find(|(typ, _)| *typ == name)
        .map_or(&[][..], |(_, keywords)| *keywords);
    for keyword in keywords {
        if let Some(value) = map.get(*keyword) {
            member.insert((*keyword).into(), value.clone());
        }
    }
    Value::Mapping(member)
}

/// Whether `schema` allows only `null`: `{"type": "null"}`, perhaps with a title.
fn is_null_schema(schema: &Value) -> bool {
    let Value::Mapping(map) = schema else {
        return false;
    };
    let null_type = match map.get("type") {
        Some(Value::String(name)) => name == "null",
        Some(Value::Sequence(names)) => names.iter().all(|name| name == "null"),
        _ => false,
    };
    null_type
        && map.keys().all(|key| {
            key.as_str()
                .is_some_and(|key| key == "type" || ANNOTATIONS.contains(&key))
        })
}

/// Members of `anyOf`/`oneOf` that allow only `null` make the schema `nullable` instead.
fn drop_null_members(map: &mut Mapping) {
    let mut nullable = false;
    for keyword in ["anyOf", "oneOf"] {
        if let Some(Value::Sequence(members)) = map.get_mut(keyword) {
            let before = members.len();
            members.retain(|member| !is_null_schema(member));
            nullable |= members.len() < before;
        }
    }
    if nullable {
        map.insert("nullable".into(), true.into());
    }
}

/// The keywords that only changed form: `const`, `examples`, numeric exclusive bounds,
/// `contentEncoding` and `contentMediaType`.
fn convert_keywords(map: &mut Mapping) {
    if let Some(value) = map.shift_remove("const") {
        map.entry("enum".into())
            .or_insert_with(|| Value::Sequence(vec![value]));
    }
    if let Some(Value::Sequence(mut examples)) = map.shift_remove("examples")
        && !examples.is_empty()
    {
        let first = examples.swap_remove(0);
        map.entry("example".into()).or_insert(first);
    }
    for (exclusive, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(bound @ Value::Number(_)) = map.get(exclusive).cloned() {
            map.insert(inclusive.into(), bound);
            map.insert(exclusive.into(), true.into());
        }
    }
    let encoding = map.shift_remove("contentEncoding");
    let media_type = map.shift_remove("contentMediaType");
    if map.contains_key("format") {
        return;
    }
    let format = match (encoding.as_ref().and_then(Value::as_str), media_type) {
        (Some("base64" | "base64url"), _) => "byte",
        (None, Some(Value::String(media_type))) if !is_text(&media_type) => "binary",
        _ => return,
    };
    map.insert("format".into(), format.into());
}

/// Whether a `contentMediaType` is text that a string holds as it is.
fn is_text(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence.starts_with("text/") || essence == "application/json" || essence.ends_with("+json")
}

/// `patternProperties` with one pattern and no `additionalProperties`: a map of its values
/// (the pattern on the names is not checked, as no other pattern is).
fn convert_pattern_properties(map: &mut Mapping, at: &Pointer) -> Result<(), Diagnostic> {
    let Some(patterns) = map.shift_remove("patternProperties") else {
        return Ok(());
    };
    let at = at.push("patternProperties");
    let single = match &patterns {
        Value::Mapping(patterns) if patterns.len() == 1 => patterns.values().next(),
        _ => None,
    };
    match single {
        Some(values) if !map.contains_key("additionalProperties") => {
            map.insert("additionalProperties".into(), values.clone());
            Ok(())
        }
        _ => Err(Diagnostic::at(
            &at,
            "`patternProperties` with several patterns, or beside `additionalProperties`, cannot be converted to OpenAPI 3.0",
        )
        .with_help("describe the values with one `additionalProperties` schema")),
    }
}

/// A mapping key as pointer text: a string as it is, a number or a boolean as written.
fn key_text(key: &Value) -> String {
    match key {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn yaml(value: serde_json::Value) -> Value {
        serde_yaml::to_value(value).expect("JSON is YAML")
    }

    fn ok(value: serde_json::Value) -> Result<Value, String> {
        Ok(yaml(value))
    }

    fn schema(value: serde_json::Value) -> Result<Value, String> {
        let mut document = yaml(json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "components": {"schemas": {"S": value}},
        }));
        convert(&mut document).map_err(|error| error.to_string())?;
        Ok(document["components"]["schemas"]["S"].clone())
    }

    #[test]
    fn type_lists_become_nullable_types_or_unions() {
        assert_eq!(
            schema(json!({"type": ["string", "null"], "maxLength": 3})),
            ok(json!({"type": "string", "nullable": true, "maxLength": 3}))
        );
        assert_eq!(
            schema(
                json!({"type": ["integer", "array"], "items": {"type": "string"}, "minimum": 1})
            ),
            ok(json!({"anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "array", "items": {"type": "string"}},
            ]}))
        );
        assert_eq!(
            schema(json!({"type": [1]})),
            Err("at #/components/schemas/S/type/0: a type must be one of the names string, number, integer, boolean, array, object or null".into())
        );
    }

    #[test]
    fn null_members_make_the_schema_nullable() {
        assert_eq!(
            schema(
                json!({"anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}], "title": "T"})
            ),
            ok(
                json!({"anyOf": [{"$ref": "#/components/schemas/T"}], "nullable": true, "title": "T"})
            )
        );
    }

    #[test]
    fn unevaluated_properties_say_what_additional_properties_would() {
        assert_eq!(
            schema(
                json!({"type": "object", "unevaluatedProperties": {"type": ["integer", "null"]}})
            ),
            ok(
                json!({"type": "object", "additionalProperties": {"type": "integer", "nullable": true}})
            )
        );
        assert_eq!(
            schema(json!({"allOf": [{"type": "object"}], "unevaluatedProperties": false})),
            ok(json!({"allOf": [{"type": "object"}], "additionalProperties": false}))
        );
        assert_eq!(
            schema(json!({"additionalProperties": true, "unevaluatedProperties": false})),
            ok(json!({"additionalProperties": true}))
        );
    }

    #[test]
    fn keywords_that_changed_form_take_their_3_0_form() {
        assert_eq!(
            schema(json!({"type": "string", "const": "on", "examples": ["on", "off"]})),
            ok(json!({"type": "string", "enum": ["on"], "example": "on"}))
        );
        assert_eq!(
            schema(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1})),
            ok(
                json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "exclusiveMaximum": true})
            )
        );
        assert_eq!(
            schema(json!({"type": "string", "contentEncoding": "base64"})),
            ok(json!({"type": "string", "format": "byte"}))
        );
        assert_eq!(
            schema(json!({"type": "string", "contentMediaType": "image/png"})),
            ok(json!({"type": "string", "format": "binary"}))
        );
        assert_eq!(
            schema(json!({"type": "string", "contentMediaType": "application/json"})),
            ok(json!({"type": "string"}))
        );
    }

    #[test]
    fn references_with_siblings_become_all_of() {
        assert_eq!(
            schema(json!({"$ref": "#/components/schemas/T", "description": "d"})),
            ok(json!({"allOf": [{"$ref": "#/components/schemas/T"}], "description": "d"}))
        );
        assert_eq!(
            schema(json!({"$ref": "#/components/schemas/T"})),
            ok(json!({"$ref": "#/components/schemas/T"}))
        );
    }

    #[test]
    fn what_has_no_3_0_form_is_kept_as_a_schema_holding_its_located_error() {
        assert_eq!(
            schema(
                json!({"type": "object", "properties": {"p": {"type": "array", "description": "P.", "prefixItems": [{"type": "string"}]}}})
            ),
            ok(
                json!({"type": "object", "properties": {"p": {"description": "P.", MARKER: {
                    "pointer": "#/components/schemas/S/properties/p/prefixItems",
                    "message": "a tuple (`prefixItems`) cannot be converted to OpenAPI 3.0",
                    "help": "simplify this schema, or generate only the tags that do not use it with --tag",
                }}}})
            )
        );
        let mut document = yaml(json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"S": {"type": "object", "properties": {"a": {}, "never": false}}}},
        }));
        let notes = convert(&mut document).expect("converts");
        assert_eq!(
            document["components"]["schemas"]["S"],
            yaml(json!({"type": "object", "properties": {"a": {}}}))
        );
        assert_eq!(
            notes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "at #/components/schemas/S/properties/never: the property `never` is never present (its schema is `false`), so it is left out"
            ]
        );
        assert_eq!(
            schema(
                json!({"type": "object", "required": ["never"], "properties": {"never": false}})
            ),
            ok(
                json!({"type": "object", "required": ["never"], "properties": {"never": {MARKER: {
                    "pointer": "#/components/schemas/S/properties/never",
                    "message": "the schema `false` (no value is valid) cannot be converted to OpenAPI 3.0",
                    "help": "remove what it describes, or write the schema it stands for",
                }}}})
            )
        );
        let marked = schema(json!({"$dynamicRef": "#node"})).expect("converts");
        let read: openapiv3::Schema = serde_yaml::from_value(marked).expect("a 3.0 schema");
        assert_eq!(
            unconvertible(&read)
                .map(|error| error.to_string())
                .as_deref(),
            Some(
                "at #/components/schemas/S/$dynamicRef: `$dynamicRef` cannot be converted to OpenAPI 3.0 (simplify this schema, or generate only the tags that do not use it with --tag)"
            )
        );
    }

    #[test]
    fn the_document_level_fields_are_converted() {
        let mut document = yaml(json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": {"title": "t", "summary": "S.", "version": 2, "license": {"name": "MIT", "identifier": "MIT"}},
            "webhooks": {"ping": {"post": {"responses": {"200": {"description": "ok"}}}}},
            "paths": {"/a": {"summary": "A.", "get": {"operationId": "a"}, "put": {"responses": {"204": {"description": "ok"}}, "callbacks": {"c": {"{$url}": {"post": {}}}}}}},
            "components": {"callbacks": {"C": {"{$url}": {"get": {}}}}},
        }));
        let notes = convert(&mut document).expect("converts");
        assert_eq!(
            document,
            yaml(json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "description": "S.", "version": "2", "license": {"name": "MIT", "url": "https://spdx.org/licenses/MIT.html"}},
                "paths": {"/a": {"summary": "A.", "get": {"operationId": "a", "responses": {}}, "put": {"responses": {"204": {"description": "ok"}}, "callbacks": {"c": {"{$url}": {"post": {"responses": {}}}}}}}},
                "components": {"callbacks": {"C": {"{$url}": {"get": {"responses": {}}}}}},
            }))
        );
        assert_eq!(
            notes
                .iter()
                .map(|note| format!("{}: {note}", note.severity))
                .collect::<Vec<_>>(),
            [
                "warning: at #/webhooks: webhooks are requests the API sends, not ones a client makes, so they are not generated"
            ]
        );
    }
}
