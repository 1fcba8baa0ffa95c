//! Lowering schemas into type references and named type definitions.

use openapiv3::{
    AdditionalProperties, ArrayType, IntegerFormat, NumberFormat, ObjectType, ReferenceOr, Schema,
    SchemaKind, StringFormat, StringType, Type, VariantOrUnknownOrEmpty,
};

use super::names::{self, camel, snake};
use super::{Lowerer, component_name, resolve};
use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::{Additional, Enum, Field, Presence, Struct, TypeDef, TypeKind, TypeRef, Variant};

impl<'d> Lowerer<'d> {
    /// The type of `schema`; inline objects and enums become named types called `hint`.
    pub(super) fn schema_type<S: AsSchema>(
        &mut self,
        schema: &'d ReferenceOr<S>,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        match schema {
            ReferenceOr::Reference { reference } => self.component_type(reference, pointer),
            ReferenceOr::Item(schema) => self.inline_type(schema.as_schema(), pointer, hint),
        }
    }

    /// The type a `#/components/schemas/NAME` reference names, lowering it on first use.
    fn component_type(
        &mut self,
        reference: &str,
        pointer: &Pointer,
    ) -> Result<TypeRef, Diagnostic> {
        let name = component_name(reference, "schemas", pointer)?;
        let schemas = self.schemas();
        let Some((key, schema)) = schemas.and_then(|schemas| schemas.get_key_value(&name)) else {
            return Err(
                Diagnostic::at(pointer, format!("`$ref: {reference}` points at nothing"))
                    .with_help(format!("define `{name}` under #/components/schemas")),
            );
        };
        let rust_name = self
            .component_names
            .get(key.as_str())
            .cloned()
            .unwrap_or_else(|| names::type_name(key));
        if self.alias_chain.contains(&key.as_str()) {
            return Err(Diagnostic::at(
                pointer,
                format!(
                    "`$ref: {reference}` is part of a cycle of references with no object in it"
                ),
            )
            .with_help("a type can only contain itself through an object's property"));
        }
        if self.lowered_components.insert(key.as_str()) {
            let at = Pointer::root().push("components").push("schemas").push(key);
            let kind = match schema {
                ReferenceOr::Item(schema) if needs_definition(schema) => {
                    self.definition(&rust_name, schema, &at)?
                }
                // An alias is only defined once its target is: a cycle of aliases has none.
                alias => {
                    self.alias_chain.push(key.as_str());
                    let target = match alias {
                        ReferenceOr::Reference { reference } => self.component_type(reference, &at),
                        ReferenceOr::Item(schema) => self.unnamed_type(schema, &at, &rust_name),
                    };
                    self.alias_chain.pop();
                    TypeKind::Alias(target?)
                }
            };
            let description = match schema {
                ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            self.types.insert(
                rust_name.clone(),
                TypeDef {
                    name: rust_name.clone(),
                    source: at.to_string(),
                    description,
                    kind,
                },
            );
        }
        Ok(TypeRef::Named(rust_name))
    }

    /// The type of an inline schema, defining a named type for objects and enums.
    fn inline_type(
        &mut self,
        schema: &'d Schema,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        if !needs_definition(schema) {
            return self.unnamed_type(schema, pointer, hint);
        }
        let name = self.type_names.claim(names::type_name(hint));
        let kind = self.definition(&name, schema, pointer)?;
        let description = schema.schema_data.description.clone();
        self.types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                source: pointer.to_string(),
                description,
                kind,
            },
        );
        Ok(TypeRef::Named(name))
    }

    /// The type of a schema that needs no definition of its own: scalars, arrays and maps.
    fn unnamed_type(
        &mut self,
        schema: &'d Schema,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => Ok(string_type(string)),
            SchemaKind::Type(Type::Integer(integer)) => Ok(match integer.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                _ => TypeRef::I64,
            }),
            SchemaKind::Type(Type::Number(number)) => Ok(match number.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            }),
            SchemaKind::Type(Type::Boolean(_)) => Ok(TypeRef::Bool),
            SchemaKind::Type(Type::Array(array)) => self.array_type(array, pointer, hint),
            SchemaKind::Type(Type::Object(object)) => self.map_type(object, pointer, hint),
            SchemaKind::Any(any) if *any == Default::default() => Ok(TypeRef::Json),
            SchemaKind::Any(any) if is_untyped_object(any) => {
                let value = self
                    .additional_type(any.additional_properties.as_ref(), pointer, hint)?
                    .unwrap_or(TypeRef::Json);
                Ok(TypeRef::Map(Box::new(value)))
            }
            SchemaKind::Any(_) => Err(unsupported(
                pointer,
                "a schema that mixes keywords of several types",
            )),
            // `allOf: [X]` only adds a description or such to X: it is X.
            SchemaKind::AllOf { all_of } => match typed_members(all_of).as_slice() {
                [(index, member)] => {
                    self.schema_type(member, &pointer.push("allOf").push(index), hint)
                }
                _ => Err(Diagnostic::at(
                    pointer,
                    "internal error: an `allOf` of several members is defined as a type",
                )),
            },
            SchemaKind::OneOf { .. } => Err(unsupported(pointer, "`oneOf`")),
            SchemaKind::AnyOf { .. } => Err(unsupported(pointer, "`anyOf`")),
            SchemaKind::Not { .. } => Err(unsupported(pointer, "`not`")),
        }
    }

    fn array_type(
        &mut self,
        array: &'d ArrayType,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let item = match &array.items {
            Some(items) => {
                self.schema_type(items, &pointer.push("items"), &format!("{hint}Item"))?
            }
            None => TypeRef::Json,
        };
        Ok(TypeRef::List(Box::new(item)))
    }

    /// An object without declared properties: a map of its additional properties.
    fn map_type(
        &mut self,
        object: &'d ObjectType,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let value = self
            .additional_type(object.additional_properties.as_ref(), pointer, hint)?
            .unwrap_or(TypeRef::Json);
        Ok(TypeRef::Map(Box::new(value)))
    }

    /// The value type of `additionalProperties`, `None` when there may be none.
    fn additional_type(
        &mut self,
        additional: Option<&'d AdditionalProperties>,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<Option<TypeRef>, Diagnostic> {
        match additional {
            None | Some(AdditionalProperties::Any(false)) => Ok(None),
            Some(AdditionalProperties::Any(true)) => Ok(Some(TypeRef::Json)),
            Some(AdditionalProperties::Schema(schema)) => self
                .schema_type(
                    schema.as_ref(),
                    &pointer.push("additionalProperties"),
                    &format!("{hint}Value"),
                )
                .map(Some),
        }
    }

    /// The definition of a named object or enum type.
    fn definition(
        &mut self,
        name: &str,
        schema: &'d Schema,
        pointer: &Pointer,
    ) -> Result<TypeKind, Diagnostic> {
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => Ok(TypeKind::Enum(string_enum(string))),
            SchemaKind::Type(Type::Object(object)) => self
                .object(name, ObjectParts::of(object, pointer), pointer)
                .map(TypeKind::Struct),
            SchemaKind::AllOf { all_of } => {
                let parts = self.all_of_parts(all_of, pointer, 0)?;
                self.object(name, parts, pointer).map(TypeKind::Struct)
            }
            SchemaKind::Any(any) => self
                .object(name, ObjectParts::of_any(any, pointer), pointer)
                .map(TypeKind::Struct),
            _ => Err(Diagnostic::at(
                pointer,
                "internal error: only objects and enums are defined",
            )),
        }
    }

    fn object(
        &mut self,
        name: &str,
        parts: ObjectParts<'d>,
        pointer: &Pointer,
    ) -> Result<Struct, Diagnostic> {
        let mut field_names = names::Scope::default();
        let mut fields = Vec::with_capacity(parts.properties.len());
        for (wire_name, property, at) in &parts.properties {
            let ty = self.schema_type(*property, at, &format!("{name}{}", camel(wire_name)))?;
            let inline = property.as_item().map(|schema| schema.as_ref());
            let target = match property {
                ReferenceOr::Item(schema) => Some(schema.as_ref()),
                ReferenceOr::Reference { reference } => self.component_schema(reference),
            };
            let nullable = target.is_some_and(|schema| schema.schema_data.nullable);
            let presence = match (parts.required.contains(wire_name), nullable) {
                (true, false) => Presence::Required,
                (true, true) => Presence::RequiredNullable,
                (false, false) => Presence::Optional,
                (false, true) => Presence::OptionalNullable,
            };
            fields.push(Field {
                wire_name: (*wire_name).to_owned(),
                rust_name: field_names.claim(snake(wire_name)),
                ty,
                presence,
                read_only: inline.is_some_and(|schema| schema.schema_data.read_only),
                description: Some(
                    target
                        .and_then(|schema| schema.schema_data.description.clone())
                        .unwrap_or_else(|| format!("The `{wire_name}` property.")),
                ),
                limits: inline.map(limits).unwrap_or_default(),
            });
        }
        for wire_name in &parts.required {
            if !parts
                .properties
                .iter()
                .any(|(name, _, _)| name == wire_name)
            {
                return Err(Diagnostic::at(
                    &pointer.push("required"),
                    format!("`{wire_name}` is required but not among the properties"),
                ));
            }
        }
        let additional = match parts.additional {
            Some((additional, at)) => self.additional_type(Some(additional), &at, name)?,
            None => None,
        }
        .map(|value| Additional {
            rust_name: field_names.claim("additional_properties".into()),
            value,
        });
        // Only objects whose every property may be left out get `Default`: a required
        // property defaulted to "" or [] would be sent as if it were meant.
        let derive_default = fields
            .iter()
            .all(|field| field.presence != Presence::Required);
        Ok(Struct {
            fields,
            additional,
            derive_default,
        })
    }

    /// The properties, required names and additional properties of every member of an
    /// `allOf`, merged: a later member's property replaces an earlier one of the same name.
    fn all_of_parts(
        &self,
        members: &'d [ReferenceOr<Schema>],
        pointer: &Pointer,
        depth: usize,
    ) -> Result<ObjectParts<'d>, Diagnostic> {
        let schemas = self.schemas();
        let mut merged = ObjectParts::default();
        for (index, member) in members.iter().enumerate() {
            let (schema, at) = resolve(
                schemas,
                "schemas",
                member,
                &pointer.push("allOf").push(index),
            )?;
            let parts = match &schema.schema_kind {
                SchemaKind::Type(Type::Object(object)) => ObjectParts::of(object, &at),
                SchemaKind::AllOf { all_of } if depth < MAX_ALL_OF_DEPTH => {
                    self.all_of_parts(all_of, &at, depth + 1)?
                }
                SchemaKind::Any(any) if is_untyped_object(any) || *any == Default::default() => {
                    ObjectParts::of_any(any, &at)
                }
                _ => {
                    return Err(unsupported(&at, "an `allOf` member that is not an object"));
                }
            };
            merged.merge(parts);
        }
        Ok(merged)
    }

    /// The component schema a reference names, if it is one (not another reference).
    /// Follows `$ref`s through the components as far as [`resolve`] does.
    fn component_schema(&self, reference: &str) -> Option<&'d Schema> {
        let schemas = self.schemas();
        let name = component_name(reference, "schemas", &Pointer::root()).ok()?;
        let target = schemas?.get(&name)?;
        resolve(schemas, "schemas", target, &Pointer::root())
            .ok()
            .map(|(schema, _)| schema)
    }

    /// The document's component schemas.
    fn schemas(&self) -> Option<&'d indexmap::IndexMap<String, ReferenceOr<Schema>>> {
        self.document
            .components
            .as_ref()
            .map(|components| &components.schemas)
    }

    /// All types defined, sorted by name.
    pub(super) fn finish_types(self) -> Vec<TypeDef> {
        self.types.into_values().collect()
    }
}

/// Lets [`Lowerer::schema_type`] take both `ReferenceOr<Schema>` and `ReferenceOr<Box<Schema>>`.
pub(super) trait AsSchema {
    fn as_schema(&self) -> &Schema;
}

impl AsSchema for Schema {
    fn as_schema(&self) -> &Schema {
        self
    }
}

impl AsSchema for Box<Schema> {
    fn as_schema(&self) -> &Schema {
        self
    }
}

/// Objects with declared properties and string enums become named types.
fn needs_definition(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => string.enumeration.iter().any(Option::is_some),
        SchemaKind::Type(Type::Object(object)) => !object.properties.is_empty(),
        SchemaKind::AllOf { all_of } => typed_members(all_of).len() > 1,
        SchemaKind::Any(any) => is_untyped_object(any) && !any.properties.is_empty(),
        _ => false,
    }
}

/// The members of an `allOf` that say something about the type, with their index: members
/// that only annotate (`{description: …}`, `{readOnly: true}`) are left out.
fn typed_members(members: &[ReferenceOr<Schema>]) -> Vec<(usize, &ReferenceOr<Schema>)> {
    members
        .iter()
        .enumerate()
        .filter(|(_, member)| {
            !matches!(member, ReferenceOr::Item(Schema { schema_kind: SchemaKind::Any(any), .. }) if *any == Default::default())
        })
        .collect()
}

/// A schema with object keywords (`properties`, `additionalProperties`) and nothing of
/// another type, whether or not it says `type: object`.
fn is_untyped_object(any: &openapiv3::AnySchema) -> bool {
    (!any.properties.is_empty() || any.additional_properties.is_some())
        && any.typ.as_deref().is_none_or(|typ| typ == "object")
        && any.items.is_none()
        && any.enumeration.is_empty()
        && any.one_of.is_empty()
        && any.any_of.is_empty()
        && any.all_of.is_empty()
        && any.not.is_none()
}

/// How deep `allOf`s inside `allOf`s are followed.
const MAX_ALL_OF_DEPTH: usize = 16;

/// What an object schema (or several, merged) says about its properties.
#[derive(Default)]
struct ObjectParts<'d> {
    /// Each property with where it is defined, in order.
    properties: Vec<(&'d str, &'d ReferenceOr<Box<Schema>>, Pointer)>,
    required: Vec<&'d str>,
    additional: Option<(&'d AdditionalProperties, Pointer)>,
}

impl<'d> ObjectParts<'d> {
    fn of(object: &'d ObjectType, pointer: &Pointer) -> Self {
        Self::new(
            &object.properties,
            &object.required,
            object.additional_properties.as_ref(),
            pointer,
        )
    }

    fn of_any(any: &'d openapiv3::AnySchema, pointer: &Pointer) -> Self {
        Self::new(
            &any.properties,
            &any.required,
            any.additional_properties.as_ref(),
            pointer,
        )
    }

    fn new(
        properties: &'d indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &'d [String],
        additional: Option<&'d AdditionalProperties>,
        pointer: &Pointer,
    ) -> Self {
        let at = pointer.push("properties");
        Self {
            properties: properties
                .iter()
                .map(|(name, property)| (name.as_str(), property, at.push(name)))
                .collect(),
            required: required.iter().map(String::as_str).collect(),
            additional: additional.map(|additional| (additional, pointer.clone())),
        }
    }

    fn merge(&mut self, other: Self) {
        for property in other.properties {
            match self
                .properties
                .iter_mut()
                .find(|(name, _, _)| *name == property.0)
            {
                Some(existing) => *existing = property,
                None => self.properties.push(property),
            }
        }
        for name in other.required {
            if !self.required.contains(&name) {
                self.required.push(name);
            }
        }
        if other.additional.is_some() {
            self.additional = other.additional;
        }
    }
}

fn string_type(string: &StringType) -> TypeRef {
    match &string.format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
        _ => TypeRef::String,
    }
}

fn string_enum(string: &StringType) -> Enum {
    let mut variant_names = names::Scope::default();
    let mut seen = std::collections::BTreeSet::new();
    let variants: Vec<Variant> = string
        .enumeration
        .iter()
        .flatten()
        .filter(|value| seen.insert(value.as_str()))
        .map(|value| Variant {
            wire_value: value.clone(),
            rust_name: variant_names.claim(camel(value)),
            description: None,
        })
        .collect();
    Enum {
        variants,
        unknown_variant: variant_names.claim("Unknown".into()),
    }
}

/// The length and size limits of a schema, as sentences for the docs.
fn limits(schema: &Schema) -> Vec<String> {
    let range = |min: Option<usize>, max: Option<usize>, unit: &str| match (min, max) {
        (Some(min), Some(max)) => Some(format!("{min} to {max} {unit}.")),
        (Some(min), None) => Some(format!("At least {min} {unit}.")),
        (None, Some(max)) => Some(format!("At most {max} {unit}.")),
        (None, None) => None,
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => range(s.min_length, s.max_length, "characters")
            .into_iter()
            .collect(),
        SchemaKind::Type(Type::Array(a)) => range(a.min_items, a.max_items, "items")
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn unsupported(pointer: &Pointer, what: &str) -> Diagnostic {
    Diagnostic::at(pointer, format!("{what} is not supported yet"))
        .with_help("simplify this schema, or generate only the tags that do not use it with --tag")
}
