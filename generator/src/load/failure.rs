//! Where below the place serde names reading the document fails. openapiv3 reads each
//! path item, `$ref`-or-value (a parameter, a response) and tagged value as a whole, so
//! serde can only say which of them failed (`#/paths`, `…/parameters/0`); reading that part
//! again as the type it holds says what in it failed, and so on down. A schema is read as a
//! whole too (its type is told by its keywords): the schemas it holds (properties, items,
//! members) are read one by one, to find the one that fails.

use openapiv3::{
    Callback, Example, Header, Link, ParameterData, PathItem, RequestBody, Response, Schema,
};
use serde::de::DeserializeOwned;
use serde_yaml::Value;

/// What a part of the document holds, to be read again on its own.
#[derive(Clone, Copy)]
enum Part {
    /// A mapping of path items, or of responses, by path or status code.
    Entries(fn(&Value) -> Option<Failure>),
    /// One value.
    Item(fn(&Value) -> Option<Failure>),
}

/// Where in a part reading fails (reference tokens below it), and why.
type Failure = (Vec<String>, String);

/// The parts read as a whole, by the last token of their place and the one before.
const PARTS: &[(Option<&str>, Option<&str>, Part)] = &[
    (None, Some("paths"), Part::Entries(failure::<PathItem>)),
    (Some("paths"), None, Part::Item(failure::<PathItem>)),
    (None, Some("responses"), Part::Entries(failure::<Response>)),
    (Some("responses"), None, Part::Item(failure::<Response>)),
    (
        Some("parameters"),
        None,
        Part::Item(failure::<ParameterData>),
    ),
    (
        None,
        Some("requestBody"),
        Part::Item(failure::<RequestBody>),
    ),
    (
        Some("requestBodies"),
        None,
        Part::Item(failure::<RequestBody>),
    ),
    (Some("headers"), None, Part::Item(failure::<Header>)),
    (Some("callbacks"), None, Part::Item(failure::<Callback>)),
    (Some("examples"), None, Part::Item(failure::<Example>)),
    (Some("links"), None, Part::Item(failure::<Link>)),
    (Some("schemas"), None, Part::Item(schema_failure)),
    (None, Some("schema"), Part::Item(schema_failure)),
    (Some("properties"), None, Part::Item(schema_failure)),
    (None, Some("items"), Part::Item(schema_failure)),
    (Some("allOf"), None, Part::Item(schema_failure)),
    (Some("oneOf"), None, Part::Item(schema_failure)),
    (Some("anyOf"), None, Part::Item(schema_failure)),
    (
        None,
        Some("additionalProperties"),
        Part::Item(schema_failure),
    ),
    (None, Some("not"), Part::Item(schema_failure)),
];

/// The first schema held by the schema `value` that can't be read, and why; else why
/// `value` itself can't, at its own place.
fn schema_failure(value: &Value) -> Option<Failure> {
    let held = |key: &str| value.get(key).into_iter();
    let named = |key: &'static str| {
        held(key)
            .filter_map(Value::as_mapping)
            .flatten()
            .filter_map(move |(name, schema)| {
                Some((vec![key.to_owned(), name.as_str()?.to_owned()], schema))
            })
    };
    let listed = |key: &'static str| {
        held(key)
            .filter_map(Value::as_sequence)
            .flat_map(|items| items.iter().enumerate())
            .map(move |(index, schema)| (vec![key.to_owned(), index.to_string()], schema))
    };
    let single = |key: &'static str| held(key).map(move |schema| (vec![key.to_owned()], schema));
    let children = named("properties")
        .chain(single("items"))
        .chain(listed("allOf"))
        .chain(listed("oneOf"))
        .chain(listed("anyOf"))
        .chain(single("additionalProperties").filter(|(_, schema)| !schema.is_bool()))
        .chain(single("not"));
    for (tokens, child) in children {
        if child.get("$ref").is_none()
            && let Some((_, why)) = failure::<Schema>(child)
        {
            return Some((tokens, why));
        }
    }
    failure::<Schema>(value)
}

/// The deepest place at or below `tokens` in `tree` where reading fails, and why: `tokens`
/// and `message` when no part below says more.
pub(super) fn deepest(tree: &Value, tokens: Vec<String>, message: String) -> Failure {
    let (mut tokens, mut message) = (tokens, message);
    while let Some(value) = value_at(tree, &tokens)
        && let Some(part) = part_at(&tokens)
        && let Some((below, why)) = part_failure(part, value)
        && !below.is_empty()
    {
        tokens.extend(below);
        message = why;
    }
    (tokens, in_openapi_terms(message))
}

/// serde's words for what openapiv3's types expect, in the document's terms.
pub(super) fn in_openapi_terms(message: String) -> String {
    const TERMS: &[(&str, &str)] = &[
        (
            "no variant of enum ParameterSchemaOrContent found in flattened data",
            "a parameter needs a `schema` or a `content`",
        ),
        (
            "missing field `responses`",
            "missing field `responses`: an OpenAPI 3.0 operation lists its responses (3.1 may leave them out)",
        ),
        (
            "expected struct Schema",
            "expected a schema (a mapping of keywords)",
        ),
    ];
    TERMS.iter().fold(message, |message, (serde, openapi)| {
        message.replace(serde, openapi)
    })
}

/// What the part at `tokens` holds, if it is one openapiv3 reads as a whole.
fn part_at(tokens: &[String]) -> Option<Part> {
    let (last, before) = match tokens {
        [] => return None,
        [last] => (last.as_str(), None),
        [.., before, last] => (last.as_str(), Some(before.as_str())),
    };
    PARTS.iter().find_map(|(parent, key, part)| {
        let fits = match (parent, key) {
            (None, Some(key)) => *key == last && (*key != "paths" || before.is_none()),
            (Some(parent), None) => {
                before == Some(*parent) && (*parent != "paths" || tokens.len() == 2)
            }
            _ => false,
        };
        fits.then_some(*part)
    })
}

fn part_failure(part: Part, value: &Value) -> Option<Failure> {
    if value.get("$ref").is_some() {
        return None;
    }
    match part {
        Part::Item(read) => read(value),
        Part::Entries(read) => value.as_mapping()?.iter().find_map(|(key, item)| {
            let key = key.as_str()?;
            if key.starts_with("x-") || item.get("$ref").is_some() {
                return None;
            }
            let (mut tokens, why) = read(item)?;
            tokens.insert(0, key.to_owned());
            Some((tokens, why))
        }),
    }
}

/// Where and why `value` cannot be read as a `T`.
fn failure<T: DeserializeOwned>(value: &Value) -> Option<Failure> {
    let error = serde_path_to_error::deserialize::<_, T>(value).err()?;
    Some((super::path_tokens(error.path()), error.inner().to_string()))
}

/// The value at `tokens` in `tree`.
fn value_at<'t>(tree: &'t Value, tokens: &[String]) -> Option<&'t Value> {
    tokens.iter().try_fold(tree, |value, token| match value {
        Value::Mapping(mapping) => mapping.get(token.as_str()),
        Value::Sequence(items) => items.get(token.parse::<usize>().ok()?),
        _ => None,
    })
}
