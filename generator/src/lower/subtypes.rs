//! The subtypes of a base whose `discriminator` maps nothing: the component schemas that
//! extend it through `allOf` `$ref`s, directly or through one another, and the tag each is
//! sent with when the document says it. OpenAPI's implicit mapping would take each
//! subtype's name for its tag, but most documents that leave the mapping out tag their
//! subtypes otherwise (in the APIs.guru directory, 199 of 272 such bases; 43 by the names),
//! so a tag is taken only from what the document writes:
//! - the subtype's `x-ms-discriminator-value` (AutoRest's, as Azure's documents have it);
//!   where a subtype of a base whose other subtypes have one has none, its name, as
//!   AutoRest takes it;
//! - a property of the subtype's own part named by the discriminator, with an enum of one
//!   value (or a 3.1 `const`);
//! - the base's property with an enum that lists the subtype's name.

use std::collections::HashSet;

use indexmap::IndexMap;
use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

use super::{component_name, resolve};
use crate::diagnostic::Pointer;

/// The components' schemas.
type Schemas = IndexMap<String, ReferenceOr<Schema>>;

/// AutoRest's extension that names a subtype's tag.
const TAG_EXTENSION: &str = "x-ms-discriminator-value";

/// The component schemas that extend `base` through `allOf` `$ref`s, directly or through
/// one another, in the document's order, each with its name.
pub(super) fn descendants<'d>(
    schemas: Option<&'d Schemas>,
    base: &'d Schema,
) -> Vec<(&'d str, &'d Schema)> {
    let Some(components) = schemas else {
        return Vec::new();
    };
    // The base and the schemas found so far, by address.
    let mut family: HashSet<*const Schema> = HashSet::from([std::ptr::from_ref(base)]);
    let mut found: Vec<usize> = Vec::new();
    loop {
        let known = found.len();
        for (index, (_, item)) in components.iter().enumerate() {
            let Some(schema) = item.as_item() else {
                continue;
            };
            if !family.contains(&std::ptr::from_ref(schema))
                && extends_one_of(schemas, schema, &family)
            {
                family.insert(schema);
                found.push(index);
            }
        }
        if found.len() == known {
            break;
        }
    }
    found.sort_unstable();
    found
        .into_iter()
        .filter_map(|index| {
            let (name, item) = components.get_index(index)?;
            Some((name.as_str(), item.as_item()?))
        })
        .collect()
}

/// The `allOf` of `schema`: its whole, or beside its own properties (as Azure's documents
/// write a subtype).
fn all_of(schema: &Schema) -> &[ReferenceOr<Schema>] {
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of,
        SchemaKind::Any(any) => &any.all_of,
        _ => &[],
    }
}

/// Whether `schema` has an `allOf` with a `$ref` to one of `family`.
fn extends_one_of(
    schemas: Option<&Schemas>,
    schema: &Schema,
    family: &HashSet<*const Schema>,
) -> bool {
    all_of(schema).iter().any(|part| {
        part.as_item().is_none()
            && resolve(schemas, "schemas", part, &Pointer::root())
                .is_ok_and(|(resolved, _)| family.contains(&std::ptr::from_ref(resolved)))
    })
}

/// The tag of each of `descendants` of `base` by its `property`, as the document writes
/// it; `None` when one has none written, or two have the same.
pub(super) fn documented_tags(
    schemas: Option<&Schemas>,
    base: &Schema,
    descendants: &[(&str, &Schema)],
    property: &str,
) -> Option<Vec<String>> {
    let by_extension = descendants
        .iter()
        .any(|(_, schema)| extension_tag(schema).is_some());
    let base_values = one_property(schemas, base, property)
        .map(string_values)
        .unwrap_or_default();
    let mut tags: Vec<String> = Vec::with_capacity(descendants.len());
    for (name, schema) in descendants {
        let tag = extension_tag(schema)
            .or_else(|| own_constant(schemas, schema, property))
            .or_else(|| {
                let named = by_extension || base_values.iter().any(|value| value == name);
                named.then(|| (*name).to_owned())
            })?;
        if tags.contains(&tag) {
            return None;
        }
        tags.push(tag);
    }
    Some(tags)
}

/// The subtype's `x-ms-discriminator-value`, when it is text.
fn extension_tag(schema: &Schema) -> Option<String> {
    let value = schema.schema_data.extensions.get(TAG_EXTENSION)?;
    value.as_str().map(str::to_owned)
}

/// The one value of the enum of `property` in a part of the subtype's own (not one it
/// takes by `$ref`).
fn own_constant(schemas: Option<&Schemas>, schema: &Schema, property: &str) -> Option<String> {
    let own = all_of(schema).iter().filter_map(ReferenceOr::as_item);
    std::iter::once(schema).chain(own).find_map(|part| {
        let values = string_values(one_property(schemas, part, property)?);
        match &values[..] {
            [value] => Some(value.clone()),
            _ => None,
        }
    })
}

/// The schema of `property` among the properties `schema` declares itself (with or
/// without `type: object`).
fn one_property<'d>(
    schemas: Option<&'d Schemas>,
    schema: &'d Schema,
    property: &str,
) -> Option<&'d Schema> {
    let properties = match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => &object.properties,
        SchemaKind::Any(any) => &any.properties,
        _ => return None,
    };
    let reference = match properties.get(property)? {
        ReferenceOr::Item(boxed) => return Some(boxed),
        ReferenceOr::Reference { reference } => reference,
    };
    let name = component_name(reference, "schemas", &Pointer::root()).ok()?;
    let item = schemas?.get(&name)?;
    resolve(schemas, "schemas", item, &Pointer::root())
        .ok()
        .map(|(schema, _)| schema)
}

/// The values of a string schema's enum.
fn string_values(schema: &Schema) -> Vec<String> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            string.enumeration.iter().flatten().cloned().collect()
        }
        _ => Vec::new(),
    }
}
