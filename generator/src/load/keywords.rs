//! Where in a schema the reader stopped: openapiv3 reads schemas and `$ref`s as one untagged
//! enum, so serde can only say which schema failed. Below that, the first keyword whose value
//! has the wrong kind (`pattern: 0`) is the place to name.

use serde_yaml::Value;

use crate::diagnostic::{Diagnostic, Pointer};

/// The kind of value a keyword takes.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Boolean,
    Number,
    Count,
    List,
    TextList,
    Mapping,
    /// A schema: a mapping, or `true`/`false` (`additionalProperties`).
    SchemaOrBoolean,
}

/// The schema keywords whose values have one kind.
const KEYWORDS: &[(&str, Kind)] = &[
    ("type", Kind::Text),
    ("format", Kind::Text),
    ("pattern", Kind::Text),
    ("title", Kind::Text),
    ("description", Kind::Text),
    ("$ref", Kind::Text),
    ("nullable", Kind::Boolean),
    ("readOnly", Kind::Boolean),
    ("writeOnly", Kind::Boolean),
    ("deprecated", Kind::Boolean),
    ("uniqueItems", Kind::Boolean),
    ("exclusiveMinimum", Kind::Boolean),
    ("exclusiveMaximum", Kind::Boolean),
    ("minimum", Kind::Number),
    ("maximum", Kind::Number),
    ("multipleOf", Kind::Number),
    ("minLength", Kind::Count),
    ("maxLength", Kind::Count),
    ("minItems", Kind::Count),
    ("maxItems", Kind::Count),
    ("minProperties", Kind::Count),
    ("maxProperties", Kind::Count),
    ("required", Kind::TextList),
    ("enum", Kind::List),
    ("allOf", Kind::List),
    ("oneOf", Kind::List),
    ("anyOf", Kind::List),
    ("properties", Kind::Mapping),
    ("discriminator", Kind::Mapping),
    ("items", Kind::Mapping),
    ("not", Kind::Mapping),
    ("additionalProperties", Kind::SchemaOrBoolean),
];

/// Keys whose value is one schema.
const SCHEMA_KEYS: &[&str] = &["schema", "items", "not", "additionalProperties"];

/// Keys whose value holds schemas (by name or in a list).
const SCHEMA_HOLDERS: &[&str] = &["schemas", "properties", "allOf", "oneOf", "anyOf"];

/// The first keyword with a value of the wrong kind in a schema at or below `tokens` (the
/// place serde named) in `tree`, as a located error.
pub(super) fn misplaced_value(tree: &Value, tokens: &[String]) -> Option<Diagnostic> {
    let mut value = tree;
    let mut pointer = Pointer::root();
    for token in tokens {
        value = match value {
            Value::Mapping(mapping) => mapping.get(token.as_str())?,
            Value::Sequence(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
        pointer = pointer.push(token);
    }
    let [.., holder, key] = tokens else {
        return search(value, &pointer, tokens.last().map(String::as_str), None);
    };
    search(value, &pointer, Some(key), Some(holder))
}

/// Looks through `value`, at `key` inside `holder`, for a schema keyword of the wrong kind.
fn search(
    value: &Value,
    pointer: &Pointer,
    key: Option<&str>,
    holder: Option<&str>,
) -> Option<Diagnostic> {
    let is_schema = key.is_some_and(|key| SCHEMA_KEYS.contains(&key))
        || holder.is_some_and(|holder| SCHEMA_HOLDERS.contains(&holder));
    match value {
        Value::Mapping(mapping) => {
            if is_schema && let Some(error) = wrong_kind(mapping, pointer) {
                return Some(error);
            }
            mapping.iter().find_map(|(child_key, child)| {
                let child_key = child_key.as_str()?;
                search(child, &pointer.push(child_key), Some(child_key), key)
            })
        }
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, child)| search(child, &pointer.push(index), None, key)),
        _ => None,
    }
}

/// The first keyword of `schema` whose value is not of its kind.
fn wrong_kind(schema: &serde_yaml::Mapping, pointer: &Pointer) -> Option<Diagnostic> {
    KEYWORDS.iter().find_map(|(keyword, kind)| {
        let value = schema.get(*keyword)?;
        let fits = match kind {
            Kind::Text => value.is_string(),
            Kind::Boolean => value.is_bool(),
            Kind::Number => value.is_number(),
            Kind::Count => value.is_u64(),
            Kind::List => value.is_sequence(),
            Kind::TextList => value
                .as_sequence()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            Kind::Mapping => value.is_mapping(),
            Kind::SchemaOrBoolean => value.is_mapping() || value.is_bool(),
        };
        (!fits).then(|| {
            Diagnostic::at(
                &pointer.push(keyword),
                format!(
                    "the document could not be read: `{keyword}` must be {}, not {}",
                    expected(*kind),
                    found(value)
                ),
            )
        })
    })
}

fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "text",
        Kind::Boolean => "`true` or `false`",
        Kind::Number => "a number",
        Kind::Count => "a whole number, 0 or more",
        Kind::List => "a list",
        Kind::TextList => "a list of names",
        Kind::Mapping => "a mapping",
        Kind::SchemaOrBoolean => "a schema, `true` or `false`",
    }
}

/// What a text value is: a number YAML could not read as one (beyond a 64-bit float's
/// range, `1e400`) or a number in quotes (`'5'`) is shown, so the error says why it is
/// text; any other text is not quoted (it may be long, or a secret's).
fn text_found(text: &str) -> String {
    let numeric = text.len() <= 40
        && text.bytes().any(|byte| byte.is_ascii_digit())
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || b"+-.eE_".contains(&byte));
    match text.parse::<f64>() {
        Ok(number) if numeric && number.is_infinite() => {
            format!("{text}, a number beyond the range of a 64-bit float")
        }
        Ok(_) if numeric => format!("the text '{text}' (a number in quotes)"),
        _ => "text".into(),
    }
}

/// What `value` is, for an error that says what was found instead.
pub(super) fn found(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(value) => format!("`{value}`"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => text_found(text),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(_) => "a tagged value".into(),
    }
}
