//! Lowering: from openapiv3's general shapes to the IR. All `$ref` resolution, naming and
//! response classification happen here.

mod names;
mod operations;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use openapiv3::{OpenAPI, ReferenceOr};

use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::{Api, TypeDef};

pub use names::{camel, snake, type_name};

/// Lowers `document` into the IR, keeping the operations tagged with one of `tags` (all
/// operations when `tags` is empty) and the types they use.
pub fn lower(document: &OpenAPI, tags: &[String]) -> Result<Api, Diagnostic> {
    let mut lowerer = Lowerer::new(document);
    let groups = lowerer.operations(tags)?;
    let types = lowerer.finish_types();
    Ok(Api {
        title: document.info.title.clone(),
        version: document.info.version.clone(),
        description: document.info.description.clone(),
        groups,
        types,
    })
}

/// The state of one lowering run: the document, and the types defined so far.
struct Lowerer<'d> {
    document: &'d OpenAPI,
    /// The Rust name of every component schema, given up front so inline types can't take them.
    component_names: BTreeMap<&'d str, String>,
    /// Component schemas already lowered (or being lowered, for recursive types).
    lowered_components: BTreeSet<&'d str>,
    /// The components being lowered as aliases, innermost last, to refuse alias cycles.
    alias_chain: Vec<&'d str>,
    /// Every type name handed out.
    type_names: names::Scope,
    /// The types defined so far, by Rust name.
    types: BTreeMap<String, TypeDef>,
}

impl<'d> Lowerer<'d> {
    fn new(document: &'d OpenAPI) -> Self {
        let mut type_names = names::Scope::default();
        let component_names = document
            .components
            .iter()
            .flat_map(|components| components.schemas.keys())
            .map(|name| (name.as_str(), type_names.claim(type_name(name))))
            .collect();
        Self {
            document,
            component_names,
            lowered_components: BTreeSet::new(),
            alias_chain: Vec::new(),
            type_names,
            types: BTreeMap::new(),
        }
    }
}

/// The longest chain of `$ref`s to `$ref`s followed before giving up.
const MAX_REF_HOPS: usize = 32;

/// Follows `item` through `$ref`s into `#/components/{kind}/…` until it reaches a value.
/// Returns the value and the pointer to where it is defined.
fn resolve<'d, T>(
    components: Option<&'d IndexMap<String, ReferenceOr<T>>>,
    kind: &str,
    item: &'d ReferenceOr<T>,
    pointer: &Pointer,
) -> Result<(&'d T, Pointer), Diagnostic> {
    let mut item = item;
    let mut pointer = pointer.clone();
    for _ in 0..MAX_REF_HOPS {
        let reference = match item {
            ReferenceOr::Item(value) => return Ok((value, pointer)),
            ReferenceOr::Reference { reference } => reference,
        };
        let name = component_name(reference, kind, &pointer)?;
        let target = components.and_then(|map| map.get(&name)).ok_or_else(|| {
            Diagnostic::at(&pointer, format!("`$ref: {reference}` points at nothing"))
                .with_help(format!("define `{name}` under #/components/{kind}"))
        })?;
        pointer = Pointer::root().push("components").push(kind).push(&name);
        item = target;
    }
    Err(Diagnostic::at(
        &pointer,
        format!("more than {MAX_REF_HOPS} `$ref`s in a row (a cycle?)"),
    ))
}

/// The `NAME` of a `#/components/{kind}/NAME` reference, with JSON pointer escapes undone.
fn component_name(reference: &str, kind: &str, pointer: &Pointer) -> Result<String, Diagnostic> {
    let prefix = format!("#/components/{kind}/");
    match reference.strip_prefix(&prefix) {
        Some(name) if !name.is_empty() && !name.contains('/') => {
            Ok(name.replace("~1", "/").replace("~0", "~"))
        }
        _ if !reference.starts_with('#') => Err(Diagnostic::at(
            pointer,
            format!("`$ref: {reference}` points into another file, and only references within the document are supported"),
        )
        .with_help("bundle the document into one file first, e.g. with `redocly bundle`")),
        _ => Err(Diagnostic::at(
            pointer,
            format!("`$ref: {reference}` must point at {prefix}NAME here"),
        )),
    }
}
