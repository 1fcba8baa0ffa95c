//! `$ref`s to schemas anywhere in the document (`#/paths/…/schema`, or a property of a
//! component), not only to `#/components/schemas/NAME`: each schema so referenced moves to
//! `#/components/schemas` under a name of its own, and both its old place and every
//! reference to it point there, so that it is one type, generated once.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;
use serde_yaml::{Mapping, Value};

use super::tree::key_token;
use crate::diagnostic::{Diagnostic, Pointer};
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
/// `#/components/schemas`, and points the references there. Returns the references that
/// cannot be followed, left as they are, each with why: a diagnostic at its first `$ref`,
/// for a reference that points at nothing, or not at a schema, or (through references
/// alone) back at itself.
pub(super) fn hoist(tree: &mut Value) -> BTreeMap<String, Diagnostic> {
    let mut references = BTreeMap::new();
    collect(tree, Mode::Keywords, &mut Vec::new(), &mut references);
    let mut targets: Vec<(&String, Vec<String>)> = references
        .keys()
        .filter_map(|reference| Some((reference, deep_schema_tokens(reference)?)))
        .collect();
    targets.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(b.0)));
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    let mut unfollowed = BTreeMap::new();
    for (reference, tokens) in &targets {
        match move_target(tree, tokens) {
            Ok(new_reference) => {
                moved.insert((*reference).clone(), new_reference);
            }
            Err(problem) => {
                let diagnostic = problem.at(reference, &references[*reference]);
                unfollowed.insert((*reference).clone(), diagnostic);
            }
        }
    }
    let (moved, cycles) = follow_chains(moved);
    for reference in cycles {
        let diagnostic = Problem::Cycle.at(&reference, &references[&reference]);
        unfollowed.insert(reference, diagnostic);
    }
    if !moved.is_empty() {
        repoint(tree, Mode::Keywords, &moved);
    }
    unfollowed
}

/// What the keys of a mapping are, for the walks over the document's `$ref`s (here, and
/// [`super::keys`], which refuses a `$ref` that is not text).
#[derive(Clone, Copy)]
pub(super) enum Mode {
    /// The fields of an object (a schema, an operation): `$ref`, `example` and `x-…`
    /// are what they say.
    Keywords,
    /// Names, each of an object (the properties of a schema, the headers of a response):
    /// a property named `examples` or `x-id` is a schema like any other.
    Names,
    /// The fields of `#/components`, each (extensions and examples aside) a map of names.
    Components,
}

/// What the value of a mapping's key is, for the walk over the document's `$ref`s.
enum Entry {
    /// The target of a `$ref`.
    Reference,
    /// Data (an example, an extension), where a `$ref` is not one.
    Data,
    /// A value whose mappings have keys of this kind.
    Walk(Mode),
}

/// Fields whose value maps names (or status codes) to objects: a key there is never a
/// keyword, so `default` among `responses` is a response like any other.
const NAME_MAPS: &[&str] = &[
    "properties",
    "encoding",
    "headers",
    "responses",
    "patternProperties",
    "dependentSchemas",
    "$defs",
];
/// Fields of `#/components` that map names to objects that may hold schemas.
const COMPONENT_MAPS: &[&str] = &[
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
];

/// What the value of `key` is, in a mapping whose keys are of the kind `mode` says.
fn entry(mode: Mode, key: &Value, value: &Value) -> Entry {
    let key = key.as_str();
    if matches!(mode, Mode::Keywords) && key == Some("$ref") && value.is_string() {
        return Entry::Reference;
    }
    match enter(mode, key) {
        Some(mode) => Entry::Walk(mode),
        None => Entry::Data,
    }
}

/// What the keys of the mappings in the value of `key` are, in a mapping whose keys are of
/// the kind `mode` says; `None` for data (an example, an extension, a schema's `enum`,
/// `const` or `default`, a link, which holds values and expressions), where a `$ref` is not
/// one.
pub(super) fn enter(mode: Mode, key: Option<&str>) -> Option<Mode> {
    Some(match (mode, key) {
        (Mode::Names, _) => Mode::Keywords,
        (Mode::Keywords, Some("example" | "examples" | "enum" | "const" | "default" | "links"))
        | (Mode::Components, Some("examples" | "links")) => return None,
        (_, Some(key)) if key.starts_with("x-") => return None,
        (Mode::Keywords, Some(key)) if NAME_MAPS.contains(&key) => Mode::Names,
        (Mode::Keywords, Some("components")) => Mode::Components,
        (Mode::Components, Some(key)) if COMPONENT_MAPS.contains(&key) => Mode::Names,
        _ => Mode::Keywords,
    })
}

/// Every `$ref` in the document outside examples and extensions (which hold data), with
/// the place of the first mapping that holds it. `path` is the tokens down to `value`.
fn collect(
    value: &Value,
    mode: Mode,
    path: &mut Vec<String>,
    references: &mut BTreeMap<String, Pointer>,
) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                match entry(mode, key, child) {
                    Entry::Reference => {
                        if let Some(reference) = child.as_str()
                            && !references.contains_key(reference)
                        {
                            let pointer = Pointer::of_tokens(path.iter());
                            references.insert(reference.to_owned(), pointer);
                        }
                    }
                    Entry::Data => {}
                    Entry::Walk(mode) => {
                        path.push(key_token(key));
                        collect(child, mode, path, references);
                        path.pop();
                    }
                }
            }
        }
        Value::Sequence(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(index.to_string());
                collect(item, mode, path, references);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Why a reference to a schema in place cannot be followed.
enum Problem {
    /// The pointer leads nowhere.
    Nothing,
    /// It leads to a value that is not a schema (a list, a string).
    NotASchema,
    /// References alone lead back to it.
    Cycle,
}

impl Problem {
    /// The diagnostic for `reference`, whose first `$ref` is at `pointer`.
    fn at(&self, reference: &str, pointer: &Pointer) -> Diagnostic {
        let (message, help) = match self {
            Problem::Nothing => ("points at nothing", "point it at a schema that is there"),
            Problem::NotASchema => ("does not point at a schema", "point it at a schema"),
            Problem::Cycle => (
                "leads back to itself through references alone, never to a schema (a cycle)",
                "point one of the references at a schema",
            ),
        };
        Diagnostic::at(pointer, format!("`$ref: {reference}` {message}")).with_help(help)
    }
}

/// Each moved reference's final target: a target that was itself a reference moved in turn
/// is followed. The references that lead back to themselves are left out, and returned.
fn follow_chains(moved: BTreeMap<String, String>) -> (BTreeMap<String, String>, Vec<String>) {
    let mut followed = BTreeMap::new();
    let mut cycles = Vec::new();
    for (reference, target) in &moved {
        let mut seen = vec![reference.as_str()];
        let mut target = target.as_str();
        let mut cycle = false;
        while let Some(next) = moved.get(target) {
            if seen.contains(&target) {
                cycle = true;
                break;
            }
            seen.push(target);
            target = next;
        }
        if cycle {
            cycles.push(reference.clone());
        } else {
            followed.insert(reference.clone(), target.to_owned());
        }
    }
    (followed, cycles)
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
/// reference; why not when the pointer leads nowhere or not to a schema.
fn move_target(tree: &mut Value, tokens: &[String]) -> Result<String, Problem> {
    let target = locate(tree, tokens).ok_or(Problem::Nothing)?;
    if let Some(reference) = lone_reference(target) {
        return Ok(reference);
    }
    if !target.is_mapping() {
        return Err(Problem::NotASchema);
    }
    let target = target.clone();
    let wanted = target_name(tree, &target, tokens);
    let name = free_name(tree, wanted);
    let reference = format!("#/components/schemas/{}", escape(&name));
    let target = locate(tree, tokens).ok_or(Problem::Nothing)?;
    let mut stand_in = Mapping::new();
    stand_in.insert("$ref".into(), reference.clone().into());
    let schema = std::mem::replace(target, Value::Mapping(stand_in));
    schemas(tree)
        .ok_or(Problem::NotASchema)?
        .insert(name.into(), schema);
    Ok(reference)
}

/// The value a pointer's tokens lead to.
pub(super) fn locate<'t>(tree: &'t mut Value, tokens: &[String]) -> Option<&'t mut Value> {
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
fn repoint(value: &mut Value, mode: Mode, moved: &BTreeMap<String, String>) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map.iter_mut() {
                match entry(mode, key, child) {
                    Entry::Reference => {
                        if let Some(new) = child.as_str().and_then(|old| moved.get(old)) {
                            *child = new.clone().into();
                        }
                    }
                    Entry::Data => {}
                    Entry::Walk(mode) => repoint(child, mode, moved),
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|item| repoint(item, mode, moved)),
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
        assert_eq!(hoist(&mut tree), BTreeMap::new());
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

    fn hoisted(document: &str) -> Result<Value, String> {
        let mut tree: Value = serde_yaml::from_str(document).expect("YAML");
        match hoist(&mut tree).values().next() {
            Some(unfollowed) => Err(unfollowed.to_string()),
            None => Ok(tree),
        }
    }

    #[test]
    fn properties_named_like_data_or_extensions_are_schemas_whose_references_move() {
        let tree = hoisted(
            "components:
  schemas:
    A:
      properties:
        owner: {type: object, properties: {name: {type: string}}}
        examples: {$ref: '#/components/schemas/A/properties/owner'}
        x-other: {$ref: '#/components/schemas/A/properties/owner'}
        $ref: {items: {$ref: '#/components/schemas/A/properties/owner'}}
      example: {$ref: '#/components/schemas/A/properties/owner'}
      x-note: {$ref: '#/components/schemas/A/properties/owner'}
",
        )
        .expect("moves");
        let expected: Value = serde_yaml::from_str(
            "components:
  schemas:
    A:
      properties:
        owner: {$ref: '#/components/schemas/AOwner'}
        examples: {$ref: '#/components/schemas/AOwner'}
        x-other: {$ref: '#/components/schemas/AOwner'}
        $ref: {items: {$ref: '#/components/schemas/AOwner'}}
      example: {$ref: '#/components/schemas/A/properties/owner'}
      x-note: {$ref: '#/components/schemas/A/properties/owner'}
    AOwner: {type: object, properties: {name: {type: string}}}
",
        )
        .expect("YAML");
        assert_eq!(tree, expected);
    }

    #[test]
    fn a_reference_to_itself_or_to_nothing_says_so_where_it_is() {
        let itself = hoisted(
            "components:\n  schemas:\n    A: {properties: {x: {$ref: '#/components/schemas/A/properties/x'}}}\n",
        );
        assert_eq!(
            itself,
            Err("at #/components/schemas/A/properties/x: `$ref: #/components/schemas/A/properties/x` leads back to itself through references alone, never to a schema (a cycle) (point one of the references at a schema)".into())
        );
        let round = hoisted(
            "components:\n  schemas:\n    A: {properties: {x: {$ref: '#/components/schemas/A/properties/y'}, y: {$ref: '#/components/schemas/A/properties/x'}}}\n",
        );
        assert!(
            round
                .as_ref()
                .is_err_and(|error| error.contains("(a cycle)")),
            "{round:?}"
        );
        let nothing = hoisted(
            "components:\n  schemas:\n    A: {type: array, items: {$ref: '#/components/schemas/A/items/items'}}\n",
        );
        assert_eq!(
            nothing,
            Err("at #/components/schemas/A/items: `$ref: #/components/schemas/A/items/items` points at nothing (point it at a schema that is there)".into())
        );
        let list = hoisted(
            "components:\n  schemas:\n    A: {required: [a], properties: {b: {$ref: '#/components/schemas/A/required'}}}\n",
        );
        assert!(
            list.as_ref()
                .is_err_and(|error| error.contains("does not point at a schema")),
            "{list:?}"
        );
    }
}
