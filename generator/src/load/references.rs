//! `$ref`s to schemas anywhere in the document (`#/paths/…/schema`, or a property of a
//! component), not only to `#/components/schemas/NAME`: each schema so referenced moves to
//! `#/components/schemas` under a name of its own, and both its old place and every
//! reference to it point there, so that it is one type, generated once.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use serde_yaml::{Mapping, Value};

use crate::lower::pointer_token;

/// Pointer tokens that say where a schema is rather than what it is, left out of its name.
const PLACES: &[&str] = &[
    "paths",
    "components",
    "schemas",
    "schema",
    "content",
    "responses",
    "requestBody",
    "requestBodies",
    "parameters",
    "properties",
    "items",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
];

/// How many of a pointer's last meaningful tokens make a hoisted schema's name.
const NAME_TOKENS: usize = 3;

/// Moves every schema that a `$ref` points at outside `#/components/schemas/NAME` into
/// `#/components/schemas`, and points the references there. Returns how many moved.
pub(super) fn hoist(tree: &mut Value) -> usize {
    let mut references = Vec::new();
    collect(tree, &mut references);
    let mut targets: Vec<(String, Vec<String>)> = references
        .into_iter()
        .filter_map(|reference| {
            let tokens = deep_schema_tokens(&reference)?;
            Some((reference, tokens))
        })
        .collect();
    targets.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    targets.dedup_by(|a, b| a.0 == b.0);
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    for (reference, tokens) in &targets {
        if let Some(new_reference) = move_target(tree, tokens) {
            moved.insert(reference.clone(), new_reference);
        }
    }
    if !moved.is_empty() {
        repoint(tree, &moved);
    }
    moved.len()
}

/// Every `$ref` in the document outside examples and extensions (which hold data).
fn collect(value: &Value, references: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                match key.as_str() {
                    Some("$ref") => {
                        if let Some(reference) = child.as_str() {
                            references.push(reference.to_owned());
                        }
                    }
                    Some("example" | "examples") => {}
                    Some(key) if key.starts_with("x-") => {}
                    _ => collect(child, references),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| collect(item, references)),
        _ => {}
    }
}

/// The decoded tokens of a local reference to a schema that is not a component schema of
/// its own: under `#/components/schemas/NAME/…`, or anywhere under a `schema` field.
fn deep_schema_tokens(reference: &str) -> Option<Vec<String>> {
    let pointer = reference.strip_prefix("#/")?;
    let tokens: Vec<String> = pointer
        .split('/')
        .map(pointer_token)
        .collect::<Option<_>>()?;
    let component = tokens.len() == 3 && tokens[0] == "components";
    let nested_component = tokens.len() > 3 && tokens[0] == "components" && tokens[1] == "schemas";
    let under_schema = tokens.iter().any(|token| token == "schema");
    (!component && (nested_component || under_schema)).then_some(tokens)
}

/// Moves the schema at `tokens` into `#/components/schemas` (unless it is a reference
/// already, which is followed instead) and leaves a reference in its place. The new
/// reference; `None` when the pointer leads nowhere.
fn move_target(tree: &mut Value, tokens: &[String]) -> Option<String> {
    let target = locate(tree, tokens)?;
    if let Some(reference) = lone_reference(target) {
        return Some(reference);
    }
    if !target.is_mapping() {
        return None;
    }
    let target = target.clone();
    let wanted = target_name(tree, &target, tokens);
    let name = free_name(tree, wanted);
    let reference = format!("#/components/schemas/{}", escape(&name));
    let target = locate(tree, tokens)?;
    let mut stand_in = Mapping::new();
    stand_in.insert("$ref".into(), reference.clone().into());
    let schema = std::mem::replace(target, Value::Mapping(stand_in));
    schemas(tree)?.insert(name.into(), schema);
    Some(reference)
}

/// The value a pointer's tokens lead to.
fn locate<'t>(tree: &'t mut Value, tokens: &[String]) -> Option<&'t mut Value> {
    let mut value = tree;
    for token in tokens {
        value = match value {
            Value::Mapping(map) => map.get_mut(token.as_str())?,
            Value::Sequence(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// The target of a schema that is only a `$ref`.
fn lone_reference(schema: &Value) -> Option<String> {
    let map = schema.as_mapping()?;
    (map.len() == 1)
        .then(|| map.get("$ref")?.as_str().map(str::to_owned))
        .flatten()
}

/// The schema's `title` when it has one, otherwise its place: under an operation, its
/// operationId (or path and method) and the part of it (`GetPetResponse`, `GetPetPetId`
/// for a parameter, `ReplacePetRequest`), then the properties down to the schema;
/// `#/components/schemas/Pet/properties/owner` is `PetOwner`.
fn target_name(tree: &Value, target: &Value, tokens: &[String]) -> String {
    if let Some(title) = target.get("title").and_then(Value::as_str) {
        let name = title.to_upper_camel_case();
        if !name.is_empty() {
            return name;
        }
    }
    let mut words: Vec<String> = Vec::new();
    let mut rest = tokens;
    if let [paths, path, method, after @ ..] = tokens
        && paths == "paths"
    {
        let operation = tree.get("paths").and_then(|paths| paths.get(path.as_str()));
        let operation = operation.and_then(|item| item.get(method.as_str()));
        match operation
            .and_then(|operation| operation.get("operationId"))
            .and_then(Value::as_str)
        {
            Some(id) => words.push(id.to_owned()),
            None => words.extend([path.clone(), method.clone()]),
        }
        rest = after;
        match rest {
            [part, ..] if part == "responses" => words.push("Response".into()),
            [part, ..] if part == "requestBody" => words.push("Request".into()),
            [part, index, ..] if part == "parameters" => {
                let name = operation
                    .and_then(|operation| operation.get("parameters"))
                    .and_then(|parameters| parameters.get(index.parse::<usize>().ok()?))
                    .and_then(|parameter| parameter.get("name"))
                    .and_then(Value::as_str);
                words.extend(name.map(str::to_owned));
            }
            _ => {}
        }
    }
    let meaningful = rest
        .iter()
        .filter(|token| !PLACES.contains(&token.as_str()))
        .filter(|token| !token.chars().all(|c| c.is_ascii_digit()))
        .filter(|token| token.starts_with('/') || !token.contains('/'))
        .cloned();
    words.extend(meaningful);
    let start = words.len().saturating_sub(NAME_TOKENS);
    let name = words[start..].join(" ").to_upper_camel_case();
    if name.is_empty() {
        "Schema".to_owned()
    } else {
        name
    }
}

/// `name`, or `name2`, `name3`, … : the first that is not a component schema yet.
fn free_name(tree: &Value, name: String) -> String {
    let taken = |candidate: &str| {
        tree.get("components")
            .and_then(|components| components.get("schemas"))
            .and_then(|schemas| schemas.get(candidate))
            .is_some()
    };
    if !taken(&name) {
        return name;
    }
    (2..)
        .map(|number| format!("{name}{number}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or(name)
}

/// `#/components/schemas`, made if missing; `None` when something else is in the way.
fn schemas(tree: &mut Value) -> Option<&mut Mapping> {
    let root = tree.as_mapping_mut()?;
    let components = root
        .entry("components".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()))
        .as_mapping_mut()?;
    components
        .entry("schemas".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()))
        .as_mapping_mut()
}

/// A component name as a pointer token.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Points every `$ref` that `moved` lists at the schema's new place.
fn repoint(value: &mut Value, moved: &BTreeMap<String, String>) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map.iter_mut() {
                match key.as_str() {
                    Some("$ref") => {
                        if let Some(new) = child.as_str().and_then(|old| moved.get(old)) {
                            *child = new.clone().into();
                        }
                    }
                    Some("example" | "examples") => {}
                    Some(key) if key.starts_with("x-") => {}
                    _ => repoint(child, moved),
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|item| repoint(item, moved)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_referenced_in_place_move_to_the_components() {
        let mut tree: Value = serde_yaml::from_str(
            "paths:
  /pets:
    get:
      responses:
        '200':
          content:
            application/json:
              schema: {type: object, properties: {name: {type: string}}}
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/paths/~1pets/get/responses/200/content/application~1json/schema'}
components:
  schemas:
    Owner:
      properties:
        pet: {$ref: '#/components/schemas/Pet/properties/friend'}
    Pet:
      properties:
        friend: {title: best friend, type: string}
",
        )
        .expect("YAML");
        assert_eq!(hoist(&mut tree), 2);
        let expected: Value = serde_yaml::from_str(
            "paths:
  /pets:
    get:
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/PetsGetResponse'}
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/PetsGetResponse'}
components:
  schemas:
    Owner:
      properties:
        pet: {$ref: '#/components/schemas/BestFriend'}
    Pet:
      properties:
        friend: {$ref: '#/components/schemas/BestFriend'}
    BestFriend: {title: best friend, type: string}
    PetsGetResponse: {type: object, properties: {name: {type: string}}}
",
        )
        .expect("YAML");
        assert_eq!(tree, expected);
    }
}
