//! OpenAPI Overlay 1.0: a list of actions, each a JSONPath target (RFC 9535) with an `update`
//! to merge into every node it selects or `remove: true` to delete them.
//!
//! The merge follows the Overlay specification: an object update is merged into an object
//! member by member, recursively; any other value in the update replaces the one in the
//! document; an update aimed at an array is appended to it. An action whose target selects
//! nothing is an error naming the action, so a correction never stops applying in silence
//! when the document it corrects changes.

use serde::Deserialize;
use serde_json_path::{JsonPath, PathElement};
use serde_yaml::Value;

use crate::diagnostic::{Diagnostic, Pointer};

/// An Overlay document.
#[derive(Debug, Clone, Deserialize)]
pub struct Overlay {
    /// The Overlay specification version, `1.0.x`.
    pub overlay: String,
    pub info: OverlayInfo,
    /// The actions, applied in order.
    pub actions: Vec<Action>,
}

/// The Overlay document's title and version.
#[derive(Debug, Clone, Deserialize)]
pub struct OverlayInfo {
    pub title: String,
    pub version: String,
}

/// One change: what it selects and what it does there.
#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    /// A JSONPath query selecting the nodes to change.
    pub target: String,
    /// Why the change is made.
    pub description: Option<String>,
    /// The value merged into each selected node.
    pub update: Option<Value>,
    /// Whether the selected nodes are removed.
    #[serde(default)]
    pub remove: bool,
}

impl Action {
    /// How a message names the action: its description, else its target.
    fn name(&self) -> String {
        match &self.description {
            Some(description) => format!("`{}` (target `{}`)", description.trim(), self.target),
            None => format!("with target `{}`", self.target),
        }
    }
}

/// Reads an Overlay 1.0 document from YAML or JSON text.
pub fn parse(text: &str) -> Result<Overlay, Diagnostic> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let overlay: Overlay = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let mut pointer = Pointer::root();
        for segment in error.path().iter() {
            pointer = pointer.push(segment.to_string());
        }
        Diagnostic::at(
            &pointer,
            format!("not an Overlay document: {}", error.inner()),
        )
    })?;
    if !overlay.overlay.starts_with("1.0") {
        return Err(Diagnostic::at(
            &Pointer::root().push("overlay"),
            format!(
                "the overlay is version {}, and only Overlay 1.0 is supported",
                overlay.overlay
            ),
        ));
    }
    Ok(overlay)
}

/// Applies every action of `overlay` to `document`, in order.
///
/// Errors name the action (as a pointer into the overlay, `#/actions/3`, and by its
/// description): a target that is not JSONPath, one that selects nothing, an action that
/// neither updates nor removes, an attempt to remove the whole document.
pub fn apply(document: &mut Value, overlay: &Overlay) -> Result<(), Diagnostic> {
    for (index, action) in overlay.actions.iter().enumerate() {
        let at = Pointer::root().push("actions").push(index);
        apply_action(document, action).map_err(|message| Diagnostic::at(&at, message))?;
    }
    Ok(())
}

/// One step from a node to one of its children.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

fn apply_action(document: &mut Value, action: &Action) -> Result<(), String> {
    let path = JsonPath::parse(&action.target).map_err(|error| {
        format!(
            "the action {} has no valid JSONPath: {error}",
            action.name()
        )
    })?;
    let mut locations = locate(document, &path)?;
    if locations.is_empty() {
        return Err(format!(
            "the action {} matches nothing in the document: what it corrects was renamed, \
             moved or fixed; change or drop the action",
            action.name()
        ));
    }
    match (&action.update, action.remove) {
        (_, true) => {
            if locations.iter().any(Vec::is_empty) {
                return Err(format!(
                    "the action {} would remove the whole document",
                    action.name()
                ));
            }
            // The last first, so that removing an array item leaves the indices still to
            // visit where they were.
            locations.sort();
            for location in locations.iter().rev() {
                remove(document, location);
            }
        }
        (Some(update), false) => {
            for location in &locations {
                if let Some(node) = node_mut(document, location) {
                    update_node(node, update);
                }
            }
        }
        (None, false) => {
            return Err(format!(
                "the action {} neither updates nor removes",
                action.name()
            ));
        }
    }
    Ok(())
}

/// Where `path` selects nodes in `document`, each as the steps from the root.
fn locate(document: &Value, path: &JsonPath) -> Result<Vec<Vec<Step>>, String> {
    let json = serde_json::to_value(document)
        .map_err(|error| format!("the document cannot be queried as JSON: {error}"))?;
    let mut located = path.query_located(&json);
    located.dedup_in_place();
    let steps = located
        .locations()
        .map(|location| {
            location
                .iter()
                .map(|element| match element {
                    PathElement::Name(name) => Step::Key((*name).to_owned()),
                    PathElement::Index(index) => Step::Index(*index),
                })
                .collect()
        })
        .collect();
    Ok(steps)
}

/// The node at `location`; keys are compared as text, so `200:` is found by `'200'`.
fn node_mut<'a>(mut node: &'a mut Value, location: &[Step]) -> Option<&'a mut Value> {
    for step in location {
        node = match (node, step) {
            (Value::Mapping(mapping), Step::Key(key)) => mapping
                .iter_mut()
                .find(|(name, _)| key_text(name).as_deref() == Some(key.as_str()))
                .map(|(_, value)| value)?,
            (Value::Sequence(items), Step::Index(index)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(node)
}

fn key_text(key: &Value) -> Option<String> {
    match key {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn remove(document: &mut Value, location: &[Step]) {
    let Some((last, parent)) = location.split_last() else {
        return;
    };
    match (node_mut(document, parent), last) {
        (Some(Value::Mapping(mapping)), Step::Key(key)) => {
            mapping.retain(|name, _| key_text(name).as_deref() != Some(key.as_str()));
        }
        (Some(Value::Sequence(items)), Step::Index(index)) if *index < items.len() => {
            items.remove(*index);
        }
        _ => {}
    }
}

/// An update aimed at a node: appended to an array, merged into an object, else replacing.
fn update_node(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Sequence(items), Value::Sequence(more)) => items.extend(more.iter().cloned()),
        (Value::Sequence(items), one) => items.push(one.clone()),
        (node, update) => merge(node, update),
    }
}

/// Merges objects member by member, recursively; anything else is replaced.
fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Mapping(mapping), Value::Mapping(members)) => {
            for (key, value) in members {
                match mapping.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        mapping.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (node, update) => *node = update.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(document: &str, overlay: &str) -> Result<String, String> {
        let mut document: Value = serde_yaml::from_str(document).expect("a YAML document");
        let overlay = parse(overlay).map_err(|error| error.to_string())?;
        apply(&mut document, &overlay).map_err(|error| error.to_string())?;
        serde_yaml::to_string(&document).map_err(|error| error.to_string())
    }

    const HEAD: &str = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn update_merges_objects_replaces_scalars_and_keeps_order() {
        let document = "a: {x: 1, y: [1, 2], z: {p: 1}}\nb: 2\n";
        let overlay =
            format!("{HEAD}actions:\n- target: $.a\n  update: {{y: [3], z: {{q: 2}}, w: new}}\n");
        assert_eq!(
            run(document, &overlay).unwrap(),
            "a:\n  x: 1\n  y:\n  - 3\n  z:\n    p: 1\n    q: 2\n  w: new\nb: 2\n"
        );
    }

    #[test]
    fn update_of_an_array_appends() {
        let overlay = format!("{HEAD}actions:\n- target: $.tags\n  update: [{{name: b}}]\n");
        assert_eq!(
            run("tags: [{name: a}]\n", &overlay).unwrap(),
            "tags:\n- name: a\n- name: b\n"
        );
    }

    #[test]
    fn remove_deletes_every_selected_node_array_items_included() {
        let document = "list: [a, b, c, d]\nmap: {keep: 1, drop: 2}\n";
        let overlay = format!(
            "{HEAD}actions:\n- target: $.list[0,2]\n  remove: true\n- target: $.map.drop\n  remove: true\n"
        );
        assert_eq!(
            run(document, &overlay).unwrap(),
            "list:\n- b\n- d\nmap:\n  keep: 1\n"
        );
    }

    #[test]
    fn filters_select_by_value_and_numeric_keys_are_found_as_text() {
        let document =
            "paths:\n  /a:\n    get: {operationId: one, responses: {200: {description: x}}}\n";
        let overlay = format!(
            "{HEAD}actions:\n- target: \"$.paths.*[?@.operationId == 'one'].responses['200']\"\n  update: {{description: y}}\n"
        );
        assert!(run(document, &overlay).unwrap().contains("description: y"));
    }

    #[test]
    fn an_action_that_matches_nothing_is_an_error_naming_it() {
        let overlay = format!(
            "{HEAD}actions:\n- target: $.a\n  update: {{b: 1}}\n- target: $.gone\n  description: Fix the gone thing\n  remove: true\n"
        );
        let error = run("a: {}\n", &overlay).unwrap_err();
        assert!(
            error.starts_with(
                "at #/actions/1: the action `Fix the gone thing` (target `$.gone`) matches nothing"
            ),
            "{error}"
        );
    }

    #[test]
    fn bad_targets_and_empty_actions_are_errors() {
        let bad = run(
            "a: 1\n",
            &format!("{HEAD}actions:\n- target: $..[\n  remove: true\n"),
        );
        assert!(bad.unwrap_err().contains("has no valid JSONPath"));
        let empty = run("a: 1\n", &format!("{HEAD}actions:\n- target: $.a\n"));
        assert!(empty.unwrap_err().contains("neither updates nor removes"));
        let root = run(
            "a: 1\n",
            &format!("{HEAD}actions:\n- target: $\n  remove: true\n"),
        );
        assert!(
            root.unwrap_err()
                .contains("would remove the whole document")
        );
        let version = run(
            "a: 1\n",
            "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: []\n",
        );
        assert!(version.unwrap_err().contains("only Overlay 1.0"));
    }
}
