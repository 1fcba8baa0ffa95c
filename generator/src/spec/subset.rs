//! The part of an OpenAPI document that some operations need: those operations (by
//! operationId), the components they reach through `$ref`s and security requirements, the
//! tags they use, and the document's head. Order is the document's, except that responses
//! are sorted by status code, so the result is the same whatever order corrections add them in.

use std::collections::BTreeSet;

use serde_yaml::{Mapping, Value};

use crate::diagnostic::{Diagnostic, Pointer};

/// The document-level fields kept; the rest (`x-tagGroups`, `externalDocs`, webhooks…)
/// describes what is left out.
const KEPT_FIELDS: [&str; 7] = [
    "openapi",
    "info",
    "servers",
    "security",
    "tags",
    "paths",
    "components",
];

/// The keys of a path item that are operations.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `document` cut down to the operations named in `operation_ids` and what they reach.
///
/// Each id must name an operation of the document, or the error names the missing ones.
pub fn keep_operations(document: &Value, operation_ids: &[&str]) -> Result<Value, Diagnostic> {
    let Some(root) = document.as_mapping() else {
        return Err(Diagnostic::document(
            "the document is not a YAML or JSON object",
        ));
    };
    let (paths, found) = kept_paths(root.get("paths"), operation_ids);
    let missing: Vec<&str> = operation_ids
        .iter()
        .copied()
        .filter(|id| !found.contains(*id))
        .collect();
    if !missing.is_empty() {
        return Err(Diagnostic::at(
            &Pointer::root().push("paths"),
            format!("no operation has the operationId {}", missing.join(", ")),
        )
        .with_help("the list of operations we ship names an operation this document lacks"));
    }
    let mut kept = Mapping::new();
    for (key, value) in root {
        match key.as_str() {
            Some("paths") => kept.insert(key.clone(), Value::Mapping(paths.clone())),
            Some(name) if KEPT_FIELDS.contains(&name) => kept.insert(key.clone(), value.clone()),
            _ => None,
        };
    }
    Ok(keep_reached(Value::Mapping(kept)))
}

/// The path items holding the named operations, with only those operations, and the ids found.
fn kept_paths(paths: Option<&Value>, operation_ids: &[&str]) -> (Mapping, BTreeSet<String>) {
    let mut kept = Mapping::new();
    let mut found = BTreeSet::new();
    let items = paths.and_then(Value::as_mapping).into_iter().flatten();
    for (path, item) in items {
        let Some(item) = item.as_mapping() else {
            continue;
        };
        let mut kept_item = Mapping::new();
        let mut any = false;
        for (key, value) in item {
            let is_method = key.as_str().is_some_and(|key| METHODS.contains(&key));
            let id = value.get("operationId").and_then(Value::as_str);
            match id.filter(|id| operation_ids.contains(id)) {
                Some(id) if is_method => {
                    found.insert(id.to_owned());
                    any = true;
                }
                _ if is_method => continue,
                _ => {}
            }
            kept_item.insert(key.clone(), value.clone());
        }
        if any {
            kept.insert(path.clone(), Value::Mapping(kept_item));
        }
    }
    (kept, found)
}

/// `document` without the components, security schemes and tags that nothing reaches, and
/// with each operation's responses in status order.
pub fn keep_reached(mut document: Value) -> Value {
    sort_responses(&mut document);
    let reached = reached_components(&document);
    let schemes = security_schemes(&document);
    let tags = used_tags(&document);
    if let Some(Value::Mapping(components)) = document.get_mut("components") {
        for (kind, members) in components.iter_mut() {
            let kind = kind.as_str().unwrap_or_default().to_owned();
            if let Value::Mapping(members) = members {
                members.retain(|name, _| {
                    let name = name.as_str().unwrap_or_default();
                    if kind == "securitySchemes" {
                        schemes.contains(name)
                    } else {
                        reached.contains(&(kind.clone(), name.to_owned()))
                    }
                });
            }
        }
        components.retain(|_, members| members.as_mapping().is_none_or(|m| !m.is_empty()));
    }
    if let Some(Value::Sequence(list)) = document.get_mut("tags") {
        list.retain(|tag| {
            tag.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| tags.contains(n))
        });
    }
    document
}

/// Every `(kind, name)` of `#/components/{kind}/{name}` reached from outside the components,
/// following `$ref`s inside the components too.
fn reached_components(document: &Value) -> BTreeSet<(String, String)> {
    let mut reached = BTreeSet::new();
    let mut pending = Vec::new();
    if let Some(root) = document.as_mapping() {
        for (key, value) in root {
            if key.as_str() != Some("components") {
                collect_refs(value, &mut pending);
            }
        }
    }
    while let Some(target) = pending.pop() {
        if !reached.insert(target.clone()) {
            continue;
        }
        let (kind, name) = &target;
        if let Some(component) = document
            .get("components")
            .and_then(|components| components.get(kind.as_str()))
            .and_then(|members| members.get(name.as_str()))
        {
            collect_refs(component, &mut pending);
        }
    }
    reached
}

fn collect_refs(value: &Value, found: &mut Vec<(String, String)>) {
    match value {
        Value::Mapping(mapping) => {
            for (key, value) in mapping {
                if key.as_str() == Some("$ref") {
                    let target = value.as_str().and_then(|r| r.strip_prefix("#/components/"));
                    if let Some((kind, name)) = target.and_then(|t| t.split_once('/')) {
                        let name = name.replace("~1", "/").replace("~0", "~");
                        found.push((kind.to_owned(), name));
                    }
                } else {
                    collect_refs(value, found);
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| collect_refs(item, found)),
        _ => {}
    }
}

/// The operations: every method entry of every path item.
fn operations(document: &Value) -> impl Iterator<Item = &Value> {
    document
        .get("paths")
        .and_then(Value::as_mapping)
        .into_iter()
        .flat_map(Mapping::values)
        .filter_map(Value::as_mapping)
        .flat_map(|item| METHODS.iter().filter_map(|method| item.get(*method)))
}

/// The names of the security schemes the document's and the operations' requirements use.
fn security_schemes(document: &Value) -> BTreeSet<String> {
    let requirements = std::iter::once(document).chain(operations(document));
    requirements
        .filter_map(|holder| holder.get("security").and_then(Value::as_sequence))
        .flatten()
        .filter_map(Value::as_mapping)
        .flat_map(Mapping::keys)
        .filter_map(|name| name.as_str().map(str::to_owned))
        .collect()
}

fn used_tags(document: &Value) -> BTreeSet<String> {
    operations(document)
        .filter_map(|operation| operation.get("tags").and_then(Value::as_sequence))
        .flatten()
        .filter_map(|tag| tag.as_str().map(str::to_owned))
        .collect()
}

/// Responses in the order of their status codes (`1XX`… ranges after the codes they
/// cover, `default` last).
fn sort_responses(document: &mut Value) {
    let Some(Value::Mapping(paths)) = document.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_mapping_mut) {
        for method in METHODS {
            if let Some(Value::Mapping(responses)) = item
                .get_mut(method)
                .and_then(|operation| operation.get_mut("responses"))
            {
                let mut entries: Vec<(Value, Value)> =
                    std::mem::take(responses).into_iter().collect();
                entries.sort_by_key(|(status, _)| status_order(status));
                responses.extend(entries);
            }
        }
    }
}

fn status_order(status: &Value) -> (u8, String) {
    match status {
        Value::Number(number) => (0, format!("{number:0>3}")),
        Value::String(text) if text == "default" => (1, String::new()),
        Value::String(text) => (0, text.to_ascii_lowercase().replace('x', "z")),
        _ => (2, String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
x-tagGroups: [{name: all, tags: [a, b]}]
tags: [{name: a}, {name: b}]
paths:
  /things:
    parameters: [{$ref: '#/components/parameters/Shared'}]
    get:
      operationId: listThings
      tags: [a]
      security: [{oauth2: [read]}]
      responses:
        '429': {$ref: '#/components/responses/Busy'}
        default: {description: other}
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
    post:
      operationId: createThing
      tags: [b]
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Other'}}}}}
  /others:
    get: {operationId: listOthers, tags: [b], responses: {'200': {description: ok}}}
components:
  parameters:
    Shared: {name: shared, in: query, schema: {type: string}}
  responses:
    Busy: {description: busy, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
  schemas:
    Thing: {type: object, properties: {part: {$ref: '#/components/schemas/Part'}}}
    Part: {type: string}
    Other: {type: object}
    Error: {type: object}
  securitySchemes:
    oauth2: {type: oauth2, flows: {}}
    apiToken: {type: apiKey, in: header, name: Authorization}
"##;

    fn kept(ids: &[&str]) -> Result<String, Diagnostic> {
        let document: Value = serde_yaml::from_str(DOCUMENT).expect("YAML");
        let kept = keep_operations(&document, ids)?;
        Ok(serde_yaml::to_string(&kept).expect("writes"))
    }

    #[test]
    fn keeps_the_operations_and_what_they_reach_and_nothing_else() {
        let kept = kept(&["listThings"]).expect("kept");
        for present in [
            "listThings",
            "Shared",
            "Busy",
            "Thing:",
            "Part:",
            "Error:",
            "oauth2:",
            "name: a",
        ] {
            assert!(kept.contains(present), "{present} missing from:\n{kept}");
        }
        for absent in [
            "createThing",
            "listOthers",
            "/others",
            "Other:",
            "apiToken",
            "name: b",
            "x-tagGroups",
        ] {
            assert!(!kept.contains(absent), "{absent} kept in:\n{kept}");
        }
    }

    #[test]
    fn responses_are_in_status_order_with_default_last() {
        let kept = kept(&["listThings"]).expect("kept");
        let at = |text: &str| kept.find(text).expect("present");
        assert!(
            at("'200':") < at("'429':") && at("'429':") < at("default:"),
            "{kept}"
        );
    }

    #[test]
    fn an_operation_the_document_lacks_is_named() {
        let error = kept(&["listThings", "deleteThing", "startThing"]).expect_err("missing");
        assert_eq!(
            error.to_string(),
            "at #/paths: no operation has the operationId deleteThing, startThing (the list of operations we ship names an operation this document lacks)"
        );
    }
}
