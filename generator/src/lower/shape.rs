//! What a schema becomes, decided in one place: a named definition (a struct, an enum, a
//! union) or a type without a name of its own (a scalar, a list, a map, another schema).
//! Lowering asks [`shape`] once per schema and lowers what it answers, so the decision to
//! define a type and the definition made cannot disagree.

use openapiv3::{
    AdditionalProperties, AnySchema, IntegerFormat, NumberFormat, ObjectType, ReferenceOr, Schema,
    SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use crate::diagnostic::Diagnostic;
use crate::ir::TypeRef;

/// What a schema is lowered as.
pub(super) enum Shape<'d> {
    /// A type of its own, named after the component or the place of the schema.
    Defined(Definition<'d>),
    /// A type written in place.
    Unnamed(Unnamed<'d>),
}

/// The schemas that become named types.
pub(super) enum Definition<'d> {
    /// A string `enum`: an open enum of its text values.
    Enum(Vec<&'d str>),
    /// An object with properties or a `discriminator`: a struct, or when it is the base of
    /// the subtypes its `discriminator` maps to, a tagged union of them.
    Object(ObjectSource<'d>),
    /// An `allOf` of several members: one merged struct, or a constrained scalar.
    AllOf(&'d [ReferenceOr<Schema>]),
    /// A `oneOf` or `anyOf` of several members.
    Union {
        keyword: &'static str,
        members: &'d [ReferenceOr<Schema>],
    },
}

/// Where an object's own properties are.
pub(super) enum ObjectSource<'d> {
    /// `type: object`.
    Typed(&'d ObjectType),
    /// Properties without `type: object`, or beside `allOf` members (merged first).
    Untyped(&'d AnySchema),
}

/// The schemas written in place.
pub(super) enum Unnamed<'d> {
    Scalar(TypeRef),
    /// A list of `items` (any JSON without).
    Array(Option<&'d ReferenceOr<Box<Schema>>>),
    /// A map of `additionalProperties` (any JSON without).
    Map(Option<&'d AdditionalProperties>),
    /// The one member of a `keyword` that says something about the type: it is that member.
    Member {
        keyword: &'static str,
        index: usize,
        member: &'d ReferenceOr<Schema>,
    },
    /// A schema with keywords of another type than it declares, read as `read_as` (a
    /// scalar type or `array`), with a warning.
    Mixed {
        any: &'d AnySchema,
        read_as: &'static str,
    },
    Json,
    /// `type: object` with an `enum` of objects, which no Rust enum holds: an object (a map
    /// of `additionalProperties`) whose values are not checked, with a warning.
    ObjectEnum(Option<&'d AdditionalProperties>),
    /// A `type` that is none of OpenAPI's types (`int`, or a schema's name).
    UnknownType(&'d str),
    /// What has no Rust form yet: the words for it in an error.
    Unsupported(&'static str),
    /// A schema of an OpenAPI 3.1 document with no 3.0 form: the error it holds.
    Unconvertible(Diagnostic),
}

impl Shape<'_> {
    pub(super) fn is_definition(&self) -> bool {
        matches!(self, Shape::Defined(_))
    }
}

/// Whether lowering `schema` can name a type after the place it is in: a `$ref` has its
/// own name, and a scalar or any JSON needs none.
pub(super) fn may_need_name(schema: &ReferenceOr<Schema>) -> bool {
    match schema {
        ReferenceOr::Reference { .. } => false,
        ReferenceOr::Item(schema) => !matches!(
            shape(schema),
            Shape::Unnamed(Unnamed::Scalar(_) | Unnamed::Json)
        ),
    }
}

/// What `schema` is lowered as.
pub(super) fn shape(schema: &Schema) -> Shape<'_> {
    if let Some(error) = crate::load::unconvertible(schema).or_else(|| unconvertible_member(schema))
    {
        return Shape::Unnamed(Unnamed::Unconvertible(error));
    }
    let texts = enum_texts(schema);
    if !texts.is_empty() {
        return Shape::Defined(Definition::Enum(texts));
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            Shape::Unnamed(Unnamed::Scalar(match string.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
                VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
                _ => TypeRef::String,
            }))
        }
        SchemaKind::Type(Type::Integer(integer)) => {
            Shape::Unnamed(Unnamed::Scalar(match &integer.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                VariantOrUnknownOrEmpty::Unknown(format) if format == "uint64" => TypeRef::U64,
                _ => TypeRef::I64,
            }))
        }
        SchemaKind::Type(Type::Number(number)) => {
            Shape::Unnamed(Unnamed::Scalar(match number.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            }))
        }
        SchemaKind::Type(Type::Boolean(_)) => Shape::Unnamed(Unnamed::Scalar(TypeRef::Bool)),
        SchemaKind::Type(Type::Array(array)) => {
            Shape::Unnamed(Unnamed::Array(array.items.as_ref()))
        }
        SchemaKind::Type(Type::Object(object))
            if !object.properties.is_empty() || schema.schema_data.discriminator.is_some() =>
        {
            Shape::Defined(Definition::Object(ObjectSource::Typed(object)))
        }
        SchemaKind::Type(Type::Object(object)) => {
            Shape::Unnamed(Unnamed::Map(object.additional_properties.as_ref()))
        }
        SchemaKind::AllOf { all_of: members } => members_shape("allOf", members),
        SchemaKind::OneOf { one_of: members } => members_shape("oneOf", members),
        SchemaKind::AnyOf { any_of: members } => members_shape("anyOf", members),
        SchemaKind::Any(any) if *any == AnySchema::default() => Shape::Unnamed(Unnamed::Json),
        SchemaKind::Any(any) if is_object_like(any) => object_like_shape(any),
        SchemaKind::Any(any) => Shape::Unnamed(mixed_shape(any)),
        SchemaKind::Not { .. } => Shape::Unnamed(Unnamed::Unsupported("`not`")),
    }
}

/// The error of the first inline `allOf`, `oneOf` or `anyOf` member of `schema` that has
/// no 3.0 form: the schema that holds it is unsupported as a whole, the member never
/// merged as nothing or left out. (A member given by `$ref` fails where it is followed.)
fn unconvertible_member(schema: &Schema) -> Option<Diagnostic> {
    let lists: [&[ReferenceOr<Schema>]; 3] = match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => [all_of, &[], &[]],
        SchemaKind::OneOf { one_of } => [one_of, &[], &[]],
        SchemaKind::AnyOf { any_of } => [any_of, &[], &[]],
        SchemaKind::Any(any) => [&any.all_of, &any.one_of, &any.any_of],
        _ => return None,
    };
    lists
        .into_iter()
        .flatten()
        .filter_map(ReferenceOr::as_item)
        .find_map(crate::load::unconvertible)
}

/// An `allOf`, `oneOf` or `anyOf`: of one typed member, that member; of several, a type.
fn members_shape<'d>(keyword: &'static str, members: &'d [ReferenceOr<Schema>]) -> Shape<'d> {
    let members_that_count = match keyword {
        "allOf" => typed_members(members),
        _ => union_members(members),
    };
    match members_that_count.as_slice() {
        [] => Shape::Unnamed(Unnamed::Json),
        [(index, member)] => Shape::Unnamed(Unnamed::Member {
            keyword,
            index: *index,
            member,
        }),
        _ if keyword == "allOf" => Shape::Defined(Definition::AllOf(members)),
        _ => Shape::Defined(Definition::Union { keyword, members }),
    }
}

/// A schema with object keywords only (`properties`, `additionalProperties`, members),
/// with or without `type: object`.
fn object_like_shape(any: &AnySchema) -> Shape<'_> {
    let all_of = typed_members(&any.all_of);
    let one_of = union_members(&any.one_of);
    let any_of = union_members(&any.any_of);
    if one_of.len() > 1 {
        return Shape::Defined(Definition::Union {
            keyword: "oneOf",
            members: &any.one_of,
        });
    }
    if any_of.len() > 1 {
        return Shape::Defined(Definition::Union {
            keyword: "anyOf",
            members: &any.any_of,
        });
    }
    if !any.properties.is_empty()
        || all_of.len() + usize::from(any.additional_properties.is_some()) > 1
    {
        return Shape::Defined(Definition::Object(ObjectSource::Untyped(any)));
    }
    let typed: Vec<_> = [("allOf", all_of), ("oneOf", one_of), ("anyOf", any_of)]
        .into_iter()
        .flat_map(|(keyword, members)| {
            members
                .into_iter()
                .map(move |(index, member)| (keyword, index, member))
        })
        .collect();
    Shape::Unnamed(match typed.as_slice() {
        [(keyword, index, member)] => Unnamed::Member {
            keyword,
            index: *index,
            member,
        },
        [] if any.additional_properties.is_some() || any.typ.is_some() => {
            Unnamed::Map(any.additional_properties.as_ref())
        }
        [] => Unnamed::Json,
        _ => Unnamed::Unsupported(
            "a schema with one member under each of several of `allOf`, `oneOf` and `anyOf`",
        ),
    })
}

/// A schema with keywords of several types (`type: string` with `properties`, say): the
/// type it declares; `type: object` with `items` is an array, as its data is.
fn mixed_shape(any: &AnySchema) -> Unnamed<'_> {
    match any.typ.as_deref() {
        Some("string") => Unnamed::Mixed {
            any,
            read_as: "string",
        },
        Some("integer") => Unnamed::Mixed {
            any,
            read_as: "integer",
        },
        Some("number") => Unnamed::Mixed {
            any,
            read_as: "number",
        },
        Some("boolean") => Unnamed::Mixed {
            any,
            read_as: "boolean",
        },
        Some("array") => Unnamed::Mixed {
            any,
            read_as: "array",
        },
        Some("object") if any.items.is_some() => Unnamed::Mixed {
            any,
            read_as: "array",
        },
        Some("object") if !any.enumeration.is_empty() && is_object_like_but_enum(any) => {
            Unnamed::ObjectEnum(any.additional_properties.as_ref())
        }
        None if any.items.is_some() => Unnamed::Array(any.items.as_ref()),
        // An `enum` without a type whose values are not all text (those are an enum): any
        // JSON.
        None if !any.enumeration.is_empty() => Unnamed::Json,
        Some(other) if !TYPES.contains(&other) => Unnamed::UnknownType(other),
        _ => Unnamed::Unsupported("a schema that mixes keywords of several types"),
    }
}

/// The types of OpenAPI 3.0.
pub(super) const TYPES: [&str; 6] = ["string", "number", "integer", "boolean", "array", "object"];

/// The members of an `allOf` that say something about the type, with their index: members
/// that only annotate (`{description: …}`, `{readOnly: true}`) are left out.
pub(super) fn typed_members(members: &[ReferenceOr<Schema>]) -> Vec<(usize, &ReferenceOr<Schema>)> {
    members
        .iter()
        .enumerate()
        .filter(|(_, member)| match member {
            ReferenceOr::Item(
                schema @ Schema {
                    schema_kind: SchemaKind::Any(any),
                    ..
                },
            ) => *any != AnySchema::default() || crate::load::unconvertible(schema).is_some(),
            _ => true,
        })
        .collect()
}

/// The members of a `oneOf` or `anyOf`, with their index: all of them, as one that only
/// annotates (`{}`, `{description: …}`) takes any value, and so does the union.
pub(super) fn union_members(members: &[ReferenceOr<Schema>]) -> Vec<(usize, &ReferenceOr<Schema>)> {
    members.iter().enumerate().collect()
}

/// A schema without keywords of a type other than object (`items`, `enum`, `not`), whether
/// or not it says `type: object`: properties, `additionalProperties` and members.
pub(super) fn is_object_like(any: &AnySchema) -> bool {
    any.typ.as_deref().is_none_or(|typ| typ == "object")
        && any.items.is_none()
        && any.enumeration.is_empty()
        && any.not.is_none()
}

/// [`is_object_like`] but for its `enum`.
fn is_object_like_but_enum(any: &AnySchema) -> bool {
    any.items.is_none() && any.not.is_none()
}

/// The text values of a string schema's `enum`, or of an `enum` without a `type` whose
/// values are all text.
fn enum_texts(schema: &Schema) -> Vec<&str> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => string
            .enumeration
            .iter()
            .flatten()
            .map(String::as_str)
            .collect(),
        SchemaKind::Any(any) if any.typ.as_deref() == Some("string") => any
            .enumeration
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect(),
        SchemaKind::Any(any)
            if any.typ.is_none()
                && any.items.is_none()
                && any.enumeration.iter().all(serde_json::Value::is_string) =>
        {
            any.enumeration
                .iter()
                .filter_map(serde_json::Value::as_str)
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use openapiv3::{ReferenceOr, Schema};

    use super::may_need_name;

    fn schema(yaml: &str) -> ReferenceOr<Schema> {
        serde_yaml::from_str(yaml).expect("a schema")
    }

    #[test]
    fn only_inline_schemas_that_can_define_a_type_need_a_name() {
        for unnamed in [
            "$ref: '#/components/schemas/User'",
            "type: string",
            "{type: integer, format: int32}",
            "{}",
        ] {
            assert!(!may_need_name(&schema(unnamed)), "{unnamed}");
        }
        for named in [
            "{type: string, enum: [ACTIVE, SUSPENDED]}",
            "{type: object, properties: {id: {type: string}}}",
            "{type: array, items: {type: string, enum: [a, b]}}",
            "{type: object, additionalProperties: {type: string}}",
        ] {
            assert!(may_need_name(&schema(named)), "{named}");
        }
    }
}
