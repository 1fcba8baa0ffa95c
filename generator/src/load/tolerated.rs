//! Valid documents that openapiv3's model cannot hold as they are, changed so that it can,
//! each change with a warning: integers outside the 64-bit range where the model keeps a
//! 64-bit integer, a `$ref` standing in for a callback, a number as the API's version,
//! `nullable: true` beside a `$ref`.

use std::collections::BTreeMap;

use openapiv3::OpenAPI;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use super::keys::METHODS;
use crate::diagnostic::{Diagnostic, Pointer};

/// Bounds the model keeps as 64-bit signed integers in an integer schema.
const INTEGER_BOUNDS: &[&str] = &["minimum", "maximum", "multipleOf"];

/// Sizes the model keeps as unsigned integers, in a schema of any type.
const SIZES: &[&str] = &[
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
];

/// Changes what the model cannot hold in `tree`, and says what it changed.
pub(super) fn relax(tree: &mut Value) -> Vec<Diagnostic> {
    let mut notes = Vec::new();
    version_as_text(tree, &mut notes);
    drop_referenced_callbacks(tree, &mut notes);
    out_of_range_bounds(tree, &Pointer::root(), &mut notes);
    notes
}

/// Makes `nullable: true` beside a `$ref` mean what it is written for: each
/// `{$ref: X, nullable: true}` at `at` (the tokens of the places where the key scan found
/// one) becomes `{allOf: [{$ref: X}], nullable: true}`, what else is beside the `$ref`
/// left out, as OpenAPI 3.0 ignores it; with one warning for them all.
pub(super) fn nullable_beside_refs(tree: &mut Value, at: &[Vec<String>]) -> Vec<Diagnostic> {
    let made: Vec<&Vec<String>> = at
        .iter()
        .filter(|tokens| make_nullable(tree, tokens).is_some())
        .collect();
    made.first()
        .map(|first| nullable_refs_note(first, made.len()))
        .into_iter()
        .collect()
}

/// The same change made in a document openapiv3 has read, which kept each of those
/// mappings as the `$ref` alone. Each component or path item that has some is written out
/// as a tree, changed and read again, once; `None` (the document maybe changed in part)
/// when one can't be, so the caller reads the document as a tree instead.
pub(super) fn nullable_beside_refs_in_model(
    document: &mut OpenAPI,
    at: &[Vec<String>],
) -> Option<Diagnostic> {
    // The places, by the component or path item they are in: its first tokens.
    let mut parts: BTreeMap<&[String], Vec<&[String]>> = BTreeMap::new();
    for tokens in at {
        let part = match tokens.first().map(String::as_str) {
            Some("paths") => 2,
            Some("components") => 3,
            _ => return None,
        };
        let (part, rest) = (tokens.get(..part)?, tokens.get(part..)?);
        parts.entry(part).or_default().push(rest);
    }
    for (part, places) in parts {
        let [kind, name] = match part {
            [paths, path] if paths == "paths" => {
                nullable_refs_in(document.paths.paths.get_mut(path)?, &places)?;
                continue;
            }
            [_, kind, name] => [kind.as_str(), name.as_str()],
            _ => return None,
        };
        let components = document.components.as_mut()?;
        match kind {
            "schemas" => nullable_refs_in(components.schemas.get_mut(name)?, &places),
            "responses" => nullable_refs_in(components.responses.get_mut(name)?, &places),
            "parameters" => nullable_refs_in(components.parameters.get_mut(name)?, &places),
            "requestBodies" => nullable_refs_in(components.request_bodies.get_mut(name)?, &places),
            "headers" => nullable_refs_in(components.headers.get_mut(name)?, &places),
            _ => None,
        }?;
    }
    let first = at.first()?;
    Some(nullable_refs_note(first, at.len()))
}

/// Makes the `$ref`s at `places` inside `part` nullable, through one tree of it.
fn nullable_refs_in<T: Serialize + DeserializeOwned>(
    part: &mut T,
    places: &[&[String]],
) -> Option<()> {
    let mut tree = serde_yaml::to_value(&*part).ok()?;
    for place in places {
        make_nullable(&mut tree, place)?;
    }
    *part = serde_yaml::from_value(tree).ok()?;
    Some(())
}

/// Makes the `$ref` at `place` (its tokens) below `tree` nullable; `None` when there is
/// no `$ref` there.
fn make_nullable(tree: &mut Value, place: &[String]) -> Option<()> {
    let slot = super::references::locate(tree, place)?;
    let reference = slot.get("$ref")?.clone();
    *slot = nullable_ref(reference);
    Some(())
}

/// `{allOf: [{$ref: reference}], nullable: true}`, which OpenAPI 3.0 reads as meant.
fn nullable_ref(reference: Value) -> Value {
    let mut target = Mapping::new();
    target.insert("$ref".into(), reference);
    let mut meant = Mapping::new();
    meant.insert(
        "allOf".into(),
        Value::Sequence(vec![Value::Mapping(target)]),
    );
    meant.insert("nullable".into(), Value::Bool(true));
    Value::Mapping(meant)
}

/// The one warning for `count` schemas with `nullable: true` beside `$ref`, the first at
/// the place of `first`'s tokens.
fn nullable_refs_note(first: &[String], count: usize) -> Diagnostic {
    let first = Pointer::of_tokens(first);
    let schemas = if count == 1 {
        "a schema has".to_owned()
    } else {
        format!("{count} schemas have")
    };
    Diagnostic::at(
        &first,
        format!("{schemas} `nullable: true` beside `$ref`, which OpenAPI 3.0 ignores; it is taken as meant: `null` or the schema referred to"),
    )
    .with_help("write `allOf: [{$ref: …}]` beside `nullable: true`, which OpenAPI 3.0 reads so")
    .warning()
}

/// `info.version` written as a number (`version: 2` in JSON) is that number's text.
fn version_as_text(tree: &mut Value, notes: &mut Vec<Diagnostic>) {
    let Some(version) = tree
        .get_mut("info")
        .and_then(|info| info.get_mut("version"))
    else {
        return;
    };
    if let Value::Number(number) = version {
        let text = number.to_string();
        notes.push(
            Diagnostic::at(
                &Pointer::root().push("info").push("version"),
                format!("the version is a number, not text; it is read as `{text}`"),
            )
            .warning(),
        );
        *version = Value::String(text);
    }
}

/// Leaves out the callbacks of operations that are a `$ref` (callbacks are requests the API
/// makes, never generated; openapiv3 cannot hold one given by reference).
fn drop_referenced_callbacks(tree: &mut Value, notes: &mut Vec<Diagnostic>) {
    let Some(Value::Mapping(paths)) = tree.get_mut("paths") else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(path) = path.as_str() else { continue };
        for method in METHODS {
            let Some(Value::Mapping(callbacks)) = item
                .get_mut(*method)
                .and_then(|operation| operation.get_mut("callbacks"))
            else {
                continue;
            };
            let at = Pointer::root()
                .push("paths")
                .push(path)
                .push(method)
                .push("callbacks");
            callbacks.retain(|name, callback| {
                if callback.get("$ref").is_none() {
                    return true;
                }
                let name = name.as_str().unwrap_or_default();
                notes.push(
                    Diagnostic::at(
                        &at.push(name),
                        "this callback is a `$ref`; callbacks are requests the API sends, not ones a client makes, so it is left out",
                    )
                    .warning(),
                );
                false
            });
        }
    }
}

/// Takes every bound and size out of the 64-bit range the model holds them in out of its
/// schema, writing it in the schema's description instead, with a warning.
fn out_of_range_bounds(value: &mut Value, pointer: &Pointer, notes: &mut Vec<Diagnostic>) {
    match value {
        Value::Mapping(mapping) => {
            relax_schema(mapping, pointer, notes);
            for (key, child) in mapping.iter_mut() {
                if let Some(key) = key.as_str() {
                    out_of_range_bounds(child, &pointer.push(key), notes);
                }
            }
        }
        Value::Sequence(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                out_of_range_bounds(child, &pointer.push(index), notes);
            }
        }
        _ => {}
    }
}

/// The bounds and sizes of one mapping (a schema, when it has them) the model cannot hold.
fn relax_schema(mapping: &mut Mapping, pointer: &Pointer, notes: &mut Vec<Diagnostic>) {
    let integer = mapping.get("type").and_then(Value::as_str) == Some("integer");
    let bounds = INTEGER_BOUNDS.iter().filter(|_| integer);
    let mut kept = Vec::new();
    for keyword in bounds.chain(SIZES) {
        let outside = match mapping.get(*keyword) {
            Some(Value::Number(number)) if INTEGER_BOUNDS.contains(keyword) => {
                number
                    .as_u64()
                    .is_some_and(|whole| whole > i64::MAX.unsigned_abs())
                    || outside_64_bits(number, i64::MIN as f64, i64::MAX as f64)
            }
            Some(Value::Number(number)) => outside_64_bits(number, 0.0, u64::MAX as f64),
            _ => false,
        };
        if !outside {
            continue;
        }
        if let Some(Value::Number(number)) = mapping.remove(*keyword) {
            notes.push(
                Diagnostic::at(
                    &pointer.push(keyword),
                    format!("`{keyword}: {number}` is outside the 64-bit range; it is kept in the docs, and not checked"),
                )
                .warning(),
            );
            kept.push(format!("`{keyword}`: {number}."));
        }
    }
    if kept.is_empty() {
        return;
    }
    let text = kept.join(" ");
    let description = match mapping.get("description").and_then(Value::as_str) {
        Some(description) => format!("{description}\n\n{text}"),
        None => text,
    };
    mapping.insert("description".into(), Value::String(description));
}

/// Whether `number`, read as a float (it is no 64-bit integer), is a whole number beyond `min` or `max`, the range of the 64-bit type
/// the model keeps it in (a value that is wrong otherwise, `-1` as a length, stays an error).
#[allow(
    clippy::cast_precision_loss,
    reason = "only the bounds of the range matter"
)]
fn outside_64_bits(number: &serde_yaml::Number, min: f64, max: f64) -> bool {
    if number.is_u64() || number.is_i64() {
        return false;
    }
    number
        .as_f64()
        .is_some_and(|value| value.fract() == 0.0 && (value < min || value >= max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_outside_64_bits_move_to_the_description() {
        let mut tree: Value = serde_yaml::from_str(
            "components:\n  schemas:\n    Big: {type: integer, description: Large., maximum: 18446744073709551615, minimum: 0}\n    Long: {type: string, maxLength: 1.0e30}\n",
        )
        .expect("YAML");
        let notes = relax(&mut tree);
        let schemas = &tree["components"]["schemas"];
        assert_eq!(schemas["Big"]["maximum"], Value::Null);
        assert_eq!(schemas["Big"]["minimum"], Value::from(0));
        assert_eq!(
            schemas["Big"]["description"].as_str(),
            Some("Large.\n\n`maximum`: 18446744073709551615.")
        );
        assert!(
            schemas["Long"]["description"]
                .as_str()
                .is_some_and(|text| text.starts_with("`maxLength`: 1"))
        );
        let pointers: Vec<String> = notes
            .iter()
            .filter_map(|note| note.pointer.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(
            pointers,
            [
                "#/components/schemas/Big/maximum",
                "#/components/schemas/Long/maxLength"
            ]
        );
    }
}
