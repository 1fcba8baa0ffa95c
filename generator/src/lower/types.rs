//! Lowering schemas into type references and named type definitions.

use std::collections::{BTreeSet, HashSet};

use openapiv3::{
    AdditionalProperties, Discriminator, ObjectType, ReferenceOr, Schema, SchemaKind, Type,
};

use super::names::{self, camel, snake};
use super::shape::{
    Definition, ObjectSource, Shape, Unnamed, is_object_like, shape, typed_members, union_members,
};
use super::{Lowerer, component_name, resolve, subtypes};
use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::{
    Access, Additional, Enum, Field, Keeps, Presence, Selection, Struct, TypeDef, TypeKind,
    TypeRef, Union, UnionVariant, Variant,
};

impl<'d> Lowerer<'d> {
    /// The type of `schema`; inline objects and enums become named types called `hint`.
    /// `Option<T>` when the schema is `nullable` (or `$ref`s a component that is): the
    /// one place where `null` is decided, for items, map values, aliases and bodies alike.
    pub(super) fn schema_type<S: AsSchema>(
        &mut self,
        schema: &'d ReferenceOr<S>,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let ty = self.value_type(schema, pointer, hint)?;
        Ok(if self.admits_null(schema) {
            ty.or_null()
        } else {
            ty
        })
    }

    /// Whether `schema` allows `null`: its own `nullable`, or that of the component schema
    /// a `$ref` names, followed through components that are `$ref`s themselves (an alias
    /// is what it names, defined without the `null`).
    fn admits_null<S: AsSchema>(&self, schema: &ReferenceOr<S>) -> bool {
        match schema {
            ReferenceOr::Item(schema) => schema.as_schema().schema_data.nullable,
            ReferenceOr::Reference { reference } => self
                .component_schema(reference)
                .is_some_and(|schema| schema.schema_data.nullable),
        }
    }

    /// The type of the values of `schema` other than `null`.
    fn value_type<S: AsSchema>(
        &mut self,
        schema: &'d ReferenceOr<S>,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        if let Some(ty) = self.lowered_component(schema) {
            return Ok(ty);
        }
        if self.depth >= MAX_SCHEMA_DEPTH {
            return Err(Diagnostic::at(
                pointer,
                format!("schemas nest more than {MAX_SCHEMA_DEPTH} deep here, through properties, items and `$ref`s"),
            )
            .with_help("a real schema is never this deep; is the document generated wrongly?"));
        }
        self.depth += 1;
        let ty = match schema {
            ReferenceOr::Reference { reference } => self.component_type(reference, pointer),
            ReferenceOr::Item(schema) => self.inline_type(schema.as_schema(), pointer, hint),
        };
        self.depth -= 1;
        ty
    }

    /// What [`Self::schema_type`] answers for a plain `$ref` to a component schema already
    /// lowered, found without the pointer that only an error would need; `None` otherwise.
    pub(super) fn lowered_component<S: AsSchema>(
        &self,
        schema: &ReferenceOr<S>,
    ) -> Option<TypeRef> {
        let ReferenceOr::Reference { reference } = schema else {
            return None;
        };
        let name = reference.strip_prefix("#/components/schemas/")?;
        let plain = !name.contains(['/', '~', '%']);
        let settled = self.lowered_components.contains(name) && !self.alias_chain.contains(&name);
        if !(plain && settled && self.depth < MAX_SCHEMA_DEPTH) {
            return None;
        }
        self.component_names
            .get(name)
            .map(|rust_name| TypeRef::Named(rust_name.clone()))
    }

    /// The type a `#/components/schemas/NAME` reference names, lowering it on first use.
    fn component_type(
        &mut self,
        reference: &str,
        pointer: &Pointer,
    ) -> Result<TypeRef, Diagnostic> {
        let in_components = reference
            .strip_prefix("#/components/schemas/")
            .is_some_and(|name| !name.contains('/'));
        if reference.starts_with("#/") && !in_components {
            self.references_elsewhere = true;
        }
        if let Some(why) = self.unfollowed.get(reference) {
            return Err(Diagnostic {
                pointer: Some(pointer.clone()),
                ..why.clone()
            });
        }
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
        if let Some(start) = self
            .alias_chain
            .iter()
            .position(|link| *link == key.as_str())
        {
            // A cycle of aliases: it has a finite form only through an array or a map, which
            // then gets a type of its own (see `alias_kind`).
            let cycle = self.alias_chain[start..].to_vec();
            self.cyclic_aliases.extend(cycle);
            return Ok(TypeRef::Named(rust_name));
        }
        if self.start_component(key.as_str()) {
            let at = Pointer::root().push("components").push("schemas").push(key);
            let kind = match schema {
                ReferenceOr::Item(schema) => match shape(schema) {
                    Shape::Defined(definition) => {
                        self.definition(&rust_name, schema, definition, &at)?
                    }
                    Shape::Unnamed(unnamed) => self.alias(key, &rust_name, &at, |this| {
                        this.unnamed_type(unnamed, &at, &rust_name)
                    })?,
                },
                reference => self.alias(key, &rust_name, &at, |this| {
                    this.value_type(reference, &at, &rust_name)
                })?,
            };
            let description = match schema {
                ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            self.define(TypeDef {
                name: rust_name.clone(),
                source: at.to_string(),
                description,
                kind,
                states_send_sync: false,
            });
        }
        Ok(TypeRef::Named(rust_name))
    }

    /// The definition of the component `key` when it is an alias of what `target` lowers.
    /// An alias is only defined once its target is: a cycle of aliases has none.
    fn alias(
        &mut self,
        key: &'d str,
        name: &str,
        at: &Pointer,
        target: impl FnOnce(&mut Self) -> Result<TypeRef, Diagnostic>,
    ) -> Result<TypeKind, Diagnostic> {
        self.alias_chain.push(key);
        let target = target(self);
        self.alias_chain.pop();
        self.alias_kind(key, name, target?, at)
    }

    /// What the component `key`, an alias of `target`, is defined as: an alias, or when it
    /// is part of a cycle of aliases and `target` is an array or a map, an untagged enum of
    /// one variant that holds it (a Rust alias cannot refer to itself). An error for a
    /// cycle of aliases alone, which no value can fill.
    fn alias_kind(
        &self,
        key: &str,
        name: &str,
        target: TypeRef,
        at: &Pointer,
    ) -> Result<TypeKind, Diagnostic> {
        if !self.cyclic_aliases.contains(key) {
            return Ok(TypeKind::Alias(target));
        }
        match target {
            TypeRef::List(_) | TypeRef::Map(_) => Ok(TypeKind::Union(Union {
                variants: vec![UnionVariant {
                    rust_name: variant_word(&target).to_owned(),
                    ty: target,
                    tags: Vec::new(),
                    constants: Vec::new(),
                    objects_only: false,
                    keeps: Keeps::Unknown,
                }],
                selection: Selection::FirstMatch,
            })),
            target if self.aliases_back_to(name, &target) => Err(Diagnostic::at(
                at,
                format!("`{key}` refers to itself through `$ref`s alone, with no array, map or object between"),
            )
            .with_help("a type can only contain itself through an array, a map or an object's property")),
            target => Ok(TypeKind::Alias(target)),
        }
    }

    /// Whether `target`, followed through the aliases defined so far, is the type `name`.
    fn aliases_back_to(&self, name: &str, target: &TypeRef) -> bool {
        let mut ty = target;
        for _ in 0..super::MAX_REF_HOPS {
            let TypeRef::Named(next) = ty else {
                return false;
            };
            if next == name {
                return true;
            }
            match self.types.get(next).map(|def| &def.kind) {
                Some(TypeKind::Alias(target)) => ty = target,
                _ => return false,
            }
        }
        true
    }

    /// The type of an inline schema, defining a named type for objects and enums.
    fn inline_type(
        &mut self,
        schema: &'d Schema,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let definition = match shape(schema) {
            // A string enum none of whose values is text has no values left: any text.
            Shape::Unnamed(
                unnamed @ Unnamed::Mixed {
                    read_as: "string", ..
                },
            ) => {
                self.warn_values_not_text(schema, pointer, true);
                return self.unnamed_type(unnamed, pointer, hint);
            }
            Shape::Unnamed(unnamed) => return self.unnamed_type(unnamed, pointer, hint),
            Shape::Defined(definition) => definition,
        };
        let name = self.type_names.claim(names::type_name(hint));
        self.journal.push(super::Added::TypeName(name.clone()));
        let kind = self.definition(&name, schema, definition, pointer)?;
        let description = schema.schema_data.description.clone();
        self.define(TypeDef {
            name: name.clone(),
            source: pointer.to_string(),
            description,
            kind,
            states_send_sync: false,
        });
        Ok(TypeRef::Named(name))
    }

    /// The type of a schema that needs no definition of its own: scalars, arrays, maps and
    /// what a single member says.
    fn unnamed_type(
        &mut self,
        unnamed: Unnamed<'d>,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        match unnamed {
            Unnamed::Scalar(ty) => Ok(ty),
            Unnamed::Json => Ok(TypeRef::Json),
            Unnamed::Array(items) => self.array_type(items, pointer, hint),
            Unnamed::Map(additional) => {
                let value = self
                    .additional_type(additional, pointer, hint)?
                    .unwrap_or(TypeRef::Json);
                Ok(TypeRef::Map(Box::new(value)))
            }
            // `allOf: [X]` (or `oneOf: [X]`) only adds a description or such to X: it is X.
            Unnamed::Member {
                keyword,
                index,
                member,
            } => self.schema_type(member, &pointer.push(keyword).push(index), hint),
            Unnamed::Mixed { any, read_as } => {
                self.warn_mixed(any, read_as, pointer);
                match read_as {
                    "string" => Ok(TypeRef::String),
                    "integer" => Ok(TypeRef::I64),
                    "number" => Ok(TypeRef::F64),
                    "boolean" => Ok(TypeRef::Bool),
                    _ => self.array_type(any.items.as_ref(), pointer, hint),
                }
            }
            Unnamed::ObjectEnum(additional) => {
                self.warnings.push(
                    Diagnostic::at(
                        &pointer.push("enum"),
                        "an `enum` of objects has no Rust enum: it is read as an object whose values are not checked",
                    )
                    .warning(),
                );
                let value = self
                    .additional_type(additional, pointer, hint)?
                    .unwrap_or(TypeRef::Json);
                Ok(TypeRef::Map(Box::new(value)))
            }
            Unnamed::UnknownType(name) => Err(self.unknown_type(name, pointer)),
            Unnamed::Unsupported(what) => Err(unsupported(pointer, what)),
            Unnamed::Unconvertible(error) => Err(error),
        }
    }

    /// The error for a `type` that is none of OpenAPI's, with what was likely meant: the
    /// schema of that name, or the type a name from a programming language stands for.
    fn unknown_type(&self, name: &str, pointer: &Pointer) -> Diagnostic {
        let types = super::shape::TYPES.join(", ");
        let error = Diagnostic::at(
            &pointer.push("type"),
            format!("`{name}` is not a type: OpenAPI's are {types}"),
        );
        let lower = name.to_ascii_lowercase();
        let meant = match lower.as_str() {
            "int" | "int32" | "int64" | "long" | "short" | "uint" => Some("integer"),
            "float" | "double" | "decimal" | "real" => Some("number"),
            "bool" => Some("boolean"),
            "str" | "text" | "char" | "date" | "datetime" | "uuid" => Some("string"),
            "list" | "sequence" => Some("array"),
            "map" | "dict" | "dictionary" | "hash" => Some("object"),
            _ => None,
        };
        if let Some(meant) = meant {
            return error.with_help(format!(
                "write `type: {meant}`, with a `format` if one is meant"
            ));
        }
        if lower == "null" {
            return error.with_help("`null` is a type of OpenAPI 3.1 alone: write `nullable: true`, or declare `openapi: 3.1.0`");
        }
        if self
            .schemas()
            .is_some_and(|schemas| schemas.contains_key(name))
        {
            return error.with_help(format!(
                "to use the schema `{name}`, write `$ref: '#/components/schemas/{name}'`"
            ));
        }
        error.with_help("write one of them, or `$ref` to a schema")
    }

    /// Warns of the values of a string enum that are not text (YAML reads `enum: [1, 2]`
    /// as numbers): they are left out of the enum, whose `Unknown` takes them as text; when
    /// they are all of its values (`all`), it is read as any text.
    fn warn_values_not_text(&mut self, schema: &Schema, pointer: &Pointer, all: bool) {
        let SchemaKind::Any(any) = &schema.schema_kind else {
            return;
        };
        let others: Vec<String> = any
            .enumeration
            .iter()
            .filter(|value| !value.is_string() && !value.is_null())
            .map(ToString::to_string)
            .collect();
        let Some(first) = others.first() else {
            return;
        };
        let (values, are, them, variants) = match others.split_last() {
            Some((last, rest)) if !rest.is_empty() => (
                format!("`{}` and `{last}`", rest.join("`, `")),
                "are",
                "them",
                "variants",
            ),
            _ => (format!("`{first}`"), "is", "it", "a variant"),
        };
        let what = match all {
            true => "it has no values left and is read as any text (`String`)".to_owned(),
            false => format!("received as text (`\"{first}\"`), such a value is `Unknown`"),
        };
        let warning = Diagnostic::at(
            &pointer.push("enum"),
            format!("{values} {are} not text, so the string enum leaves {them} out; {what}"),
        )
        .with_help(format!(
            "quote {them} in YAML, `'{first}'`, to make {them} {variants}"
        ))
        .warning();
        self.warn_once(warning);
    }

    /// Warns that `any`, read as a `read_as`, has keywords of another type.
    fn warn_mixed(&mut self, any: &openapiv3::AnySchema, read_as: &str, pointer: &Pointer) {
        let declared = any.typ.as_deref().unwrap_or(read_as);
        let foreign = foreign_keywords(any, declared);
        // A schema merged into several `allOf`s is read once for each: one warning.
        let warned = self
            .warnings
            .iter()
            .any(|warning| warning.pointer.as_ref() == Some(pointer));
        if foreign.is_empty() || warned {
            return;
        }
        self.warnings.push(
            Diagnostic::at(
                pointer,
                format!(
                    "this `type: {declared}` schema also has {}, which belong to another type; it is read as {}",
                    foreign
                        .iter()
                        .map(|keyword| format!("`{keyword}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    article(read_as)
                ),
            )
            .with_help("remove the keywords of the other type, or fix `type`")
            .warning(),
        );
    }

    /// A list of `items` (any JSON when the schema does not say).
    fn array_type(
        &mut self,
        items: Option<&'d ReferenceOr<Box<Schema>>>,
        pointer: &Pointer,
        hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let item = match items {
            Some(items) => {
                self.schema_type(items, &pointer.push("items"), &format!("{hint}Item"))?
            }
            None => TypeRef::Json,
        };
        Ok(TypeRef::List(Box::new(item)))
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

    /// The definition of a named object, enum or union type.
    fn definition(
        &mut self,
        name: &str,
        schema: &'d Schema,
        definition: Definition<'d>,
        pointer: &Pointer,
    ) -> Result<TypeKind, Diagnostic> {
        match definition {
            Definition::Enum(texts) => {
                self.warn_values_not_text(schema, pointer, false);
                Ok(TypeKind::Enum(string_enum(&texts)))
            }
            Definition::Object(source) => {
                if let Some(union) = self.subtypes(schema, &source, pointer)? {
                    return Ok(TypeKind::Union(union));
                }
                let parts = match source {
                    ObjectSource::Typed(object) => ObjectParts::of(object, pointer),
                    ObjectSource::Untyped(any) => self.any_parts(any, pointer, &[])?,
                };
                self.object(name, parts).map(TypeKind::Struct)
            }
            Definition::AllOf(all_of) => {
                self.refuse_unconvertible_members(all_of)?;
                if let Some(index) = self.scalar_member(all_of) {
                    let at = pointer.push("allOf").push(index);
                    return Ok(TypeKind::Alias(self.schema_type(
                        &all_of[index],
                        &at,
                        name,
                    )?));
                }
                let parts = self.all_of_parts(all_of, pointer, &[])?;
                self.object(name, parts).map(TypeKind::Struct)
            }
            Definition::Union { keyword, members } => {
                self.refuse_unconvertible_members(members)?;
                self.warn_of_what_a_union_leaves_out(keyword, schema, pointer);
                self.union(name, keyword, members, schema, pointer)
                    .map(TypeKind::Union)
            }
        }
    }

    /// A union is its members: what the schema says beside them (`properties` some member
    /// does not hold too, an `allOf` but one of properties every member holds,
    /// `additionalProperties`, the other kind of union)
    /// is left out, with a warning. Properties that every member holds (a discriminator's,
    /// most often) lose nothing, and are passed over in silence.
    fn warn_of_what_a_union_leaves_out(&mut self, keyword: &str, schema: &Schema, at: &Pointer) {
        let SchemaKind::Any(any) = &schema.schema_kind else {
            return;
        };
        let members = if keyword == "oneOf" {
            &any.one_of
        } else {
            &any.any_of
        };
        let (other, other_keyword) = match keyword {
            "oneOf" => (&any.any_of, "anyOf"),
            _ => (&any.one_of, "oneOf"),
        };
        let held_by_every_member = |names: &BTreeSet<String>| {
            typed_members(members).into_iter().all(|(_, member)| {
                let held = self.property_names(member);
                names.iter().all(|name| held.contains(name))
            })
        };
        let own: BTreeSet<String> = any.properties.keys().cloned().collect();
        let shared: BTreeSet<String> = typed_members(&any.all_of)
            .into_iter()
            .flat_map(|(_, member)| self.property_names(member))
            .collect();
        let beside = [
            (!own.is_empty() && !held_by_every_member(&own), "properties"),
            (
                !typed_members(&any.all_of).is_empty()
                    && (shared.is_empty() || !held_by_every_member(&shared)),
                "allOf",
            ),
            (any.additional_properties.is_some(), "additionalProperties"),
            (!typed_members(other).is_empty(), other_keyword),
        ];
        let beside: Vec<String> = beside
            .into_iter()
            .filter(|(left_out, _)| *left_out)
            .map(|(_, keyword)| format!("`{keyword}`"))
            .collect();
        if beside.is_empty() {
            return;
        }
        let message = format!(
            "{} beside `{keyword}` {} left out: the type is the union of its members alone",
            beside.join(" and "),
            if beside.len() == 1 { "is" } else { "are" },
        );
        let help = format!(
            "let each member of `{keyword}` hold what they share: an `allOf` of it and the member's own part"
        );
        self.warn_once(Diagnostic::at(at, message).with_help(help).warning());
    }

    /// The names of the properties `schema` gives an object, its `allOf` members' included,
    /// through `$ref`s (to a depth of 16; a cycle gives what was found).
    fn property_names(&self, schema: &ReferenceOr<Schema>) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        self.add_property_names(schema, 0, &mut names, &mut HashSet::new());
        names
    }

    /// Adds to `names` those of [`Lowerer::property_names`], each schema looked into once
    /// for each depth (`seen`): one met again by another path adds nothing new, so the
    /// time grows with the schemas, not with the paths between them.
    fn add_property_names(
        &self,
        schema: &ReferenceOr<Schema>,
        depth: usize,
        names: &mut BTreeSet<String>,
        seen: &mut HashSet<(*const Schema, usize)>,
    ) {
        let Ok((schema, _)) = resolve(self.schemas(), "schemas", schema, &Pointer::root()) else {
            return;
        };
        if depth > 16 || !seen.insert((std::ptr::from_ref(schema), depth)) {
            return;
        }
        let all_of: &[ReferenceOr<Schema>] = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                names.extend(object.properties.keys().cloned());
                &[]
            }
            SchemaKind::Any(any) => {
                names.extend(any.properties.keys().cloned());
                &any.all_of
            }
            SchemaKind::AllOf { all_of } => all_of,
            _ => &[],
        };
        for member in all_of {
            self.add_property_names(member, depth + 1, names, seen);
        }
    }

    /// The error of the first member that is, or `$ref`s, a 3.1 schema with no 3.0 form:
    /// the `allOf` or union that holds it fails as a whole, the member never dropped,
    /// merged as nothing or read as any JSON alone.
    fn refuse_unconvertible_members(
        &self,
        members: &'d [ReferenceOr<Schema>],
    ) -> Result<(), Diagnostic> {
        let schemas = self.schemas();
        for member in members {
            if let Ok((schema, _)) = resolve(schemas, "schemas", member, &Pointer::root())
                && let Some(error) = crate::load::unconvertible(schema)
            {
                return Err(error);
            }
        }
        Ok(())
    }

    /// A `oneOf` or `anyOf`: tagged by its `discriminator` when every member is a `$ref`
    /// (the names of inline members are unknown), otherwise the first member that matches.
    fn union(
        &mut self,
        name: &str,
        keyword: &str,
        members: &'d [ReferenceOr<Schema>],
        schema: &'d Schema,
        pointer: &Pointer,
    ) -> Result<Union, Diagnostic> {
        let members = union_members(members);
        if let Some(discriminator) = &schema.schema_data.discriminator {
            for (value, target) in &discriminator.mapping {
                self.mapped_schema(value, target, pointer)?;
            }
        }
        let discriminator = schema
            .schema_data
            .discriminator
            .as_ref()
            .or_else(|| self.inherited_discriminator(&members))
            .filter(|_| members.iter().all(|(_, member)| member.as_item().is_none()));
        if let Some(discriminator) = discriminator {
            for (index, member) in &members {
                self.taggable(member, &pointer.push(keyword).push(*index), discriminator)?;
            }
        }
        let mut variant_names = names::Scope::default();
        let mut variants = Vec::with_capacity(members.len());
        for (index, member) in members {
            let hint = format!("{name}Variant{}", index + 1);
            let ty = self
                .attempt(
                    || format!("member {index} of `{name}` is `serde_json::Value`"),
                    |this| this.schema_type(member, &pointer.push(keyword).push(index), &hint),
                )?
                .unwrap_or(TypeRef::Json);
            // A tagged value is an object, never `null`.
            let ty = match discriminator {
                Some(_) => ty.without_null().0,
                None => ty,
            };
            let rust_name = match (member, &ty) {
                (ReferenceOr::Item(_), TypeRef::Named(_)) => format!("Variant{}", index + 1),
                (ReferenceOr::Item(_), TypeRef::Nullable(inner))
                    if matches!(**inner, TypeRef::Named(_)) =>
                {
                    format!("Variant{}", index + 1)
                }
                _ => variant_name(&ty),
            };
            let tags = match (discriminator, member) {
                (Some(discriminator), ReferenceOr::Reference { reference }) => {
                    tags_of(discriminator, reference)
                }
                _ => Vec::new(),
            };
            variants.push(UnionVariant {
                rust_name: variant_names.claim(rust_name),
                ty,
                tags,
                constants: Vec::new(),
                objects_only: false,
                keeps: Keeps::Unknown,
            });
        }
        let selection = match discriminator {
            Some(discriminator) => tagged(discriminator, &mut variant_names),
            None => Selection::FirstMatch,
        };
        Ok(Union {
            variants,
            selection,
        })
    }

    /// The `discriminator` the members of a union without one of its own inherit: each
    /// member is a `$ref` to an `allOf` that includes, by `$ref`, a base with a
    /// `discriminator`: the same base for all, or bases that name the same property and map
    /// nothing (the Cat and Dog of a Pet, as OpenAPI's own example has them).
    fn inherited_discriminator(
        &self,
        members: &[(usize, &'d ReferenceOr<Schema>)],
    ) -> Option<&'d Discriminator> {
        let mut inherited: Option<&'d Discriminator> = None;
        for (_, member) in members {
            member.as_item().is_none().then_some(())?;
            let (schema, _) = resolve(self.schemas(), "schemas", *member, &Pointer::root()).ok()?;
            let SchemaKind::AllOf { all_of } = &schema.schema_kind else {
                return None;
            };
            let base = all_of.iter().find_map(|part| {
                part.as_item().is_none().then_some(())?;
                let (base, _) = resolve(self.schemas(), "schemas", part, &Pointer::root()).ok()?;
                base.schema_data.discriminator.as_ref()
            })?;
            let agrees = |known: &Discriminator| {
                std::ptr::eq(known, base)
                    || (known.property_name == base.property_name
                        && known.mapping.is_empty()
                        && base.mapping.is_empty())
            };
            match inherited {
                Some(known) if !agrees(known) => return None,
                _ => inherited = Some(base),
            }
        }
        inherited
    }

    /// An object with a `discriminator` mapping is the base of the types it maps to: a
    /// value of it is one of them, so it becomes a tagged union of them. `None` when the
    /// object is not such a base, or when one of its subtypes is the base itself (or not an
    /// object), where it stays a struct.
    fn subtypes(
        &mut self,
        schema: &'d Schema,
        source: &ObjectSource<'d>,
        pointer: &Pointer,
    ) -> Result<Option<Union>, Diagnostic> {
        let is_object = match source {
            ObjectSource::Typed(_) => true,
            ObjectSource::Untyped(any) => any.one_of.is_empty() && any.any_of.is_empty(),
        };
        let Some(discriminator) = schema.schema_data.discriminator.as_ref() else {
            return Ok(None);
        };
        if !is_object {
            return Ok(None);
        }
        if discriminator.mapping.is_empty() {
            return self.documented_subtypes(schema, discriminator, pointer);
        }
        let at = pointer.push("discriminator").push("mapping");
        let mut subtypes: Vec<(String, Pointer, Vec<String>)> = Vec::new();
        for (value, target) in &discriminator.mapping {
            let reference = mapping_reference(target);
            let member = self.mapped_schema(value, target, pointer)?;
            let (target_schema, _) = resolve(self.schemas(), "schemas", member, &at.push(value))?;
            if std::ptr::eq(target_schema, schema) || !shape(target_schema).is_definition() {
                return Ok(None);
            }
            if !subtypes.iter().any(|(known, ..)| *known == reference) {
                let tags = tags_of(discriminator, &reference);
                subtypes.push((reference, at.push(value), tags));
            }
        }
        self.union_of_subtypes(discriminator, subtypes).map(Some)
    }

    /// The tagged union of `subtypes`, each a `$ref`, where it is named, and its tags.
    fn union_of_subtypes(
        &mut self,
        discriminator: &Discriminator,
        subtypes: Vec<(String, Pointer, Vec<String>)>,
    ) -> Result<Union, Diagnostic> {
        let mut variant_names = names::Scope::default();
        let mut variants = Vec::with_capacity(subtypes.len());
        for (reference, at, tags) in subtypes {
            let ty = self.component_type(&reference, &at)?;
            variants.push(UnionVariant {
                rust_name: variant_names.claim(variant_name(&ty)),
                ty,
                tags,
                constants: Vec::new(),
                objects_only: false,
                keeps: Keeps::Unknown,
            });
        }
        Ok(Union {
            variants,
            selection: tagged(discriminator, &mut variant_names),
        })
    }

    /// The object `base`, at `pointer`, whose `discriminator` maps nothing, as the tagged
    /// union of the schemas that extend it when the document writes the tag of each
    /// ([`subtypes`](super::subtypes)); else `None`, warned of when it has subtypes.
    fn documented_subtypes(
        &mut self,
        base: &'d Schema,
        discriminator: &Discriminator,
        pointer: &Pointer,
    ) -> Result<Option<Union>, Diagnostic> {
        // One that is the base or another of them under its own name (`allOf` of it alone)
        // adds nothing: a value of it is kept as received, in the catch-all variant.
        let mut descendants = subtypes::descendants(self.schemas(), base);
        descendants.retain(|(_, schema)| shape(schema).is_definition());
        if descendants.is_empty() {
            return Ok(None);
        }
        let property = &discriminator.property_name;
        let Some(tags) = subtypes::documented_tags(self.schemas(), base, &descendants, property)
        else {
            self.warn_of_unmapped_subtypes(&descendants, discriminator, pointer);
            return Ok(None);
        };
        let subtypes = descendants
            .iter()
            .zip(tags)
            .map(|((name, _), tag)| {
                let at = Pointer::root()
                    .push("components")
                    .push("schemas")
                    .push(name);
                (at.to_string(), at, vec![tag])
            })
            .collect();
        self.union_of_subtypes(discriminator, subtypes).map(Some)
    }

    /// Warns that the object at `pointer`, whose `discriminator` maps nothing, stays a
    /// struct though `descendants` extend it, since the document writes no tag for one of
    /// them: what they add is lost where it is used.
    fn warn_of_unmapped_subtypes(
        &mut self,
        descendants: &[(&str, &Schema)],
        discriminator: &Discriminator,
        pointer: &Pointer,
    ) {
        let Some((first, _)) = descendants.first() else {
            return;
        };
        const LISTED: usize = 5;
        let mut listed = descendants
            .iter()
            .take(LISTED)
            .map(|(name, _)| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if descendants.len() > LISTED {
            listed.push_str(&format!(" and {} more", descendants.len() - LISTED));
        }
        let property = &discriminator.property_name;
        let (extend, them) = match descendants.len() {
            1 => ("1 schema extends".to_owned(), "it"),
            n => (format!("{n} schemas extend"), "them"),
        };
        let warning = Diagnostic::at(
            &pointer.push("discriminator"),
            format!(
                "the `discriminator` has no `mapping`, and {extend} this schema ({listed}) without a tag of {them} written, so it stays a struct: where it is used, a value of one of them is read and sent as this schema, and what it adds is lost"
            ),
        )
        .with_help(format!(
            "map each value of `{property}` to its schema (`mapping: {{VALUE: '#/components/schemas/{first}'}}`), or give each its value as an enum of one on `{property}`, to make this schema a union of them"
        ))
        .warning();
        self.warn_once(warning);
    }

    /// The component schema the `discriminator` mapping of the schema at `pointer` maps
    /// `value` to; an error when `target` names none.
    fn mapped_schema(
        &self,
        value: &str,
        target: &str,
        pointer: &Pointer,
    ) -> Result<&'d ReferenceOr<Schema>, Diagnostic> {
        let at = pointer.push("discriminator").push("mapping").push(value);
        let name = component_name(&mapping_reference(target), "schemas", &at)?;
        self.schemas()
            .and_then(|schemas| schemas.get(&name))
            .ok_or_else(|| {
                Diagnostic::at(
                    &at,
                    format!("`{target}` names no schema under #/components/schemas"),
                )
                .with_help(format!(
                    "define `{name}`, or remove `{value}` from the mapping"
                ))
            })
    }

    /// An error when `member`, at `at`, of a union tagged by `discriminator` is not an
    /// object: its value could hold no tag, so no value would ever be read as it.
    fn taggable(
        &self,
        member: &'d ReferenceOr<Schema>,
        at: &Pointer,
        discriminator: &Discriminator,
    ) -> Result<(), Diagnostic> {
        // A member that does not resolve fails where it is lowered, with its own error.
        let Ok((schema, _)) = resolve(self.schemas(), "schemas", member, at) else {
            return Ok(());
        };
        let object = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(_))
            | SchemaKind::AllOf { .. }
            | SchemaKind::OneOf { .. }
            | SchemaKind::AnyOf { .. } => true,
            SchemaKind::Any(any) => is_object_like(any),
            _ => false,
        };
        if !object {
            return Err(Diagnostic::at(
                at,
                format!(
                    "this member is not an object, so the `discriminator` property `{}` can never select it",
                    discriminator.property_name
                ),
            )
            .with_help("make every member an object, or remove the `discriminator`"));
        }
        // A discriminator's values are text: a property of another type never holds one.
        let properties = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => Some(&object.properties),
            SchemaKind::Any(any) => Some(&any.properties),
            _ => None,
        };
        let property =
            properties.and_then(|properties| properties.get(&discriminator.property_name));
        let kind = match property
            .and_then(ReferenceOr::as_item)
            .map(|schema| &schema.schema_kind)
        {
            Some(SchemaKind::Type(Type::Integer(_))) => "an integer",
            Some(SchemaKind::Type(Type::Number(_))) => "a number",
            Some(SchemaKind::Type(Type::Boolean(_))) => "a boolean",
            Some(SchemaKind::Type(Type::Array(_))) => "an array",
            Some(SchemaKind::Type(Type::Object(_))) => "an object",
            _ => return Ok(()),
        };
        Err(Diagnostic::at(
            at,
            format!(
                "the `discriminator` property `{}` is {kind} in this member, and a discriminator's values are text, so it can never select it",
                discriminator.property_name
            ),
        )
        .with_help("declare the property `type: string` (with an `enum` of its values), or remove the `discriminator`"))
    }

    fn object(&mut self, name: &str, mut parts: ObjectParts<'d>) -> Result<Struct, Diagnostic> {
        // A schema merged into several `allOf`s is merged once for each: one warning.
        for conflict in parts.conflicts.drain(..) {
            self.warn_once(conflict);
        }
        let mut field_names = names::Scope::default();
        let wire_names = parts.properties.iter().map(|property| property.name);
        let rust_names =
            field_names.claim_each(wire_names.map(|wire_name| (wire_name, snake(wire_name))));
        let mut fields = Vec::with_capacity(parts.properties.len());
        for (
            Property {
                name: wire_name,
                schema: property,
                at,
                owner,
            },
            rust_name,
        ) in parts.properties.iter().zip(rust_names)
        {
            // Only an inline schema can need a name; a reference has its own. One defined in
            // a component is one type, whichever component's `allOf` merges it in.
            let hint = match property {
                ReferenceOr::Item(_) => {
                    format!("{}{}", owner.as_deref().unwrap_or(name), camel(wire_name))
                }
                ReferenceOr::Reference { .. } => String::new(),
            };
            let in_component = at.to_string().starts_with("#/components/schemas/");
            let ty = self
                .attempt(
                    || format!("the property `{wire_name}` of `{name}` is `serde_json::Value`"),
                    |this| match property {
                        ReferenceOr::Item(_) if in_component => this
                            .lowered_once(at.to_string(), |this| {
                                this.schema_type(*property, at, &hint)
                            }),
                        _ => this.schema_type(*property, at, &hint),
                    },
                )?
                .unwrap_or(TypeRef::Json);
            let inline = property.as_item().map(|schema| schema.as_ref());
            let target = match property {
                ReferenceOr::Item(schema) => Some(schema.as_ref()),
                ReferenceOr::Reference { reference } => self.component_schema(reference),
            };
            let (ty, nullable_type) = ty.without_null();
            let nullable =
                nullable_type || target.is_some_and(|schema| schema.schema_data.nullable);
            let access = match inline.map(|schema| &schema.schema_data) {
                Some(data) if data.read_only => Access::ReadOnly,
                Some(data) if data.write_only => Access::WriteOnly,
                _ => Access::ReadWrite,
            };
            // `required` holds only the way a property travels (OpenAPI 3.0.3, 4.7.25.1): a
            // `writeOnly` one never comes back, and a response without it must decode.
            let required = access != Access::WriteOnly
                && parts.required.iter().any(|(name, _)| name == wire_name);
            let presence = match (required, nullable) {
                (true, false) => Presence::Required,
                (true, true) => Presence::RequiredNullable,
                (false, false) => Presence::Optional,
                (false, true) => Presence::OptionalNullable,
            };
            fields.push(Field {
                wire_name: (*wire_name).to_owned(),
                rust_name,
                ty,
                presence,
                access,
                description: Some(
                    target
                        .and_then(|schema| schema.schema_data.description.clone())
                        .filter(|description| !description.trim().is_empty())
                        .unwrap_or_else(|| format!("The `{wire_name}` property.")),
                ),
                limits: inline.map(limits).unwrap_or_default(),
            });
        }
        for (wire_name, required_at) in &parts.required {
            if !parts
                .properties
                .iter()
                .any(|property| property.name == *wire_name)
            {
                self.warnings.push(
                    Diagnostic::at(
                        required_at,
                        format!("`{wire_name}` is required but not among the properties of `{name}`; ignored"),
                    )
                    .warning(),
                );
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
        Ok(Struct {
            derive_default: derives_default(&fields),
            fields,
            additional,
        })
    }

    /// The properties, required names and additional properties of every member of an
    /// `allOf`, merged: a later member's property replaces an earlier one of the same name.
    /// `trail` holds where each `allOf` being merged is, outermost first. Each `allOf` is
    /// merged once for each depth it is met at ([`Lowerer::merged_all_ofs`]): a schema that
    /// several members merge in, at each of several levels, would otherwise be merged again
    /// on every path to it, which grows exponentially with the levels. What was merged
    /// holds no cycle (one is an error), so the trail above it changes nothing but its depth.
    fn all_of_parts(
        &self,
        members: &'d [ReferenceOr<Schema>],
        pointer: &Pointer,
        trail: &[Pointer],
    ) -> Result<ObjectParts<'d>, Diagnostic> {
        let key = (pointer.to_string(), trail.len());
        if let Some(parts) = self.merged_all_ofs.borrow().get(&key) {
            return Ok(parts.clone());
        }
        let parts = self.merge_all_of(members, pointer, trail)?;
        self.merged_all_ofs.borrow_mut().insert(key, parts.clone());
        Ok(parts)
    }

    /// [`Lowerer::all_of_parts`], merged now.
    fn merge_all_of(
        &self,
        members: &'d [ReferenceOr<Schema>],
        pointer: &Pointer,
        trail: &[Pointer],
    ) -> Result<ObjectParts<'d>, Diagnostic> {
        let schemas = self.schemas();
        let mut merged = ObjectParts::default();
        let trail = [trail, std::slice::from_ref(pointer)].concat();
        for (index, member) in members.iter().enumerate() {
            let member_at = pointer.push("allOf").push(index);
            let (schema, at) = resolve(schemas, "schemas", member, &member_at)?;
            if let Some(error) = crate::load::unconvertible(schema) {
                return Err(error);
            }
            let nests = matches!(schema.schema_kind, SchemaKind::AllOf { .. })
                || matches!(&schema.schema_kind, SchemaKind::Any(any) if !any.all_of.is_empty());
            if nests && trail.contains(&at) {
                return Err(Diagnostic::at(
                    &member_at,
                    format!("this `allOf` member is {at}, which is already being merged: a cycle of `allOf`s"),
                )
                .with_help("a schema cannot include itself through `allOf`"));
            }
            if nests && trail.len() > MAX_ALL_OF_DEPTH {
                return Err(unsupported(
                    &member_at,
                    &format!("`allOf` nested more than {MAX_ALL_OF_DEPTH} deep"),
                ));
            }
            let parts = match &schema.schema_kind {
                SchemaKind::Type(Type::Object(object)) => ObjectParts::of(object, &at),
                SchemaKind::AllOf { all_of } => self.all_of_parts(all_of, &at, &trail)?,
                SchemaKind::Any(any)
                    if is_object_like(any) && any.one_of.is_empty() && any.any_of.is_empty() =>
                {
                    self.any_parts(any, &at, &trail)?
                }
                _ => {
                    return Err(unsupported(&at, "an `allOf` member that is not an object"));
                }
            };
            let owner = match member {
                ReferenceOr::Reference { reference } => reference
                    .strip_prefix("#/components/schemas/")
                    .and_then(|name| self.component_names.get(name)),
                ReferenceOr::Item(_) => None,
            };
            self.merge_parts(
                &mut merged,
                match owner {
                    Some(owner) => parts.owned_by(owner),
                    None => parts,
                },
            );
        }
        Ok(merged)
    }

    /// When an `allOf` merges a scalar (or a string enum) with constraints only (`maxLength`,
    /// `enum`, …), the index of the first scalar member: the merged type is that scalar.
    fn scalar_member(&self, members: &'d [ReferenceOr<Schema>]) -> Option<usize> {
        let mut scalar = None;
        for (index, member) in typed_members(members) {
            let (schema, _) = resolve(self.schemas(), "schemas", member, &Pointer::root()).ok()?;
            match &schema.schema_kind {
                SchemaKind::Type(
                    Type::String(_) | Type::Integer(_) | Type::Number(_) | Type::Boolean(_),
                ) => {
                    scalar.get_or_insert(index);
                }
                SchemaKind::Any(any)
                    if any.typ.as_deref().is_some_and(|typ| {
                        matches!(typ, "string" | "integer" | "number" | "boolean")
                    }) && constraints_only(any) =>
                {
                    scalar.get_or_insert(index);
                }
                SchemaKind::Any(any) if any.typ.is_none() && constraints_only(any) => {}
                _ => return None,
            }
        }
        scalar
    }

    /// The merged parts of an object schema that also has an `allOf`: the members first,
    /// then its own properties.
    fn any_parts(
        &self,
        any: &'d openapiv3::AnySchema,
        pointer: &Pointer,
        trail: &[Pointer],
    ) -> Result<ObjectParts<'d>, Diagnostic> {
        let mut parts = if any.all_of.is_empty() {
            ObjectParts::default()
        } else {
            self.all_of_parts(&any.all_of, pointer, trail)?
        };
        self.merge_parts(&mut parts, ObjectParts::of_any(any, pointer));
        Ok(parts)
    }

    /// `later` merged into `parts`, a warning kept in `parts` for each property that
    /// `later` gives a type no value of the earlier one's can have (a `string` and an
    /// `integer`): the later one is taken, as for any property merged twice.
    fn merge_parts(&self, parts: &mut ObjectParts<'d>, later: ObjectParts<'d>) {
        for property in &later.properties {
            let Some(earlier) = parts.properties.iter().find(|p| p.name == property.name) else {
                continue;
            };
            let types = [earlier.schema, property.schema].map(|schema| self.json_type(schema));
            if let [Some(earlier_type), Some(later_type)] = types
                && !compatible(earlier_type, later_type)
            {
                parts.conflict(
                    Diagnostic::at(
                        &property.at,
                        format!(
                            "the property `{}` is {} in one `allOf` member (at {}) and {} here, and no value is both; the last member's type is taken",
                            property.name,
                            a_type(earlier_type),
                            earlier.at,
                            a_type(later_type),
                        ),
                    )
                    .with_help("give the property one type in every member")
                    .warning(),
                );
            }
        }
        parts.merge(later);
    }

    /// The JSON type a property's schema declares, through `$ref`s and an `allOf` of one
    /// member; `None` when it declares none.
    fn json_type<S: AsSchema>(&self, schema: &'d ReferenceOr<S>) -> Option<&'d str> {
        let mut schema = match schema {
            ReferenceOr::Item(schema) => schema.as_schema(),
            ReferenceOr::Reference { reference } => self.component_schema(reference)?,
        };
        // A cycle of one-member `allOf`s declares none (it is an error where it is lowered).
        for _ in 0..=MAX_ALL_OF_DEPTH {
            let SchemaKind::AllOf { all_of } = &schema.schema_kind else {
                break;
            };
            schema = match all_of.as_slice() {
                [ReferenceOr::Item(member)] => member,
                [ReferenceOr::Reference { reference }] => self.component_schema(reference)?,
                _ => return None,
            };
        }
        Some(match &schema.schema_kind {
            SchemaKind::Type(Type::String(_)) => "string",
            SchemaKind::Type(Type::Integer(_)) => "integer",
            SchemaKind::Type(Type::Number(_)) => "number",
            SchemaKind::Type(Type::Boolean(_)) => "boolean",
            SchemaKind::Type(Type::Object(_)) => "object",
            SchemaKind::Type(Type::Array(_)) => "array",
            SchemaKind::Any(any) => any.typ.as_deref()?,
            _ => return None,
        })
    }

    /// The component schema a reference names, if it is one (not another reference).
    /// Follows `$ref`s through the components as far as [`resolve`] does.
    pub(super) fn component_schema(&self, reference: &str) -> Option<&'d Schema> {
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

    /// All types defined, sorted by name (in those `sent` reaches, what requests send, a
    /// required `readOnly` field is optional); an error for a union that holds itself with
    /// nothing between.
    pub(super) fn finish_types(&mut self, sent: &[&TypeRef]) -> Result<Vec<TypeDef>, Diagnostic> {
        let mut types: Vec<TypeDef> = std::mem::take(&mut self.types).into_values().collect();
        super::read_only::optional_in_requests(&mut types, sent.iter().copied());
        super::cycles::box_cycles(&mut types)?;
        super::cycles::box_deep_chains(&mut types);
        super::constant_tags::tag_by_constants(&mut types);
        super::tag_variants::one_variant_per_tag(&mut types);
        super::first_match::order_first_match_unions(&mut types);
        super::first_match::guard_structs_from_arrays(&mut types);
        super::first_match::note_kept_properties(&mut types);
        super::auto_traits::state_where_deep(&mut types);
        Ok(types)
    }
}

/// Whether a struct of `fields` gets `Default`: only if every property may be left out, as
/// a required one defaulted to "" or [] (or `null`, when it is nullable) would be sent as
/// if it were meant.
pub(super) fn derives_default(fields: &[Field]) -> bool {
    fields.iter().all(|field| field.presence.may_be_absent())
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

/// The name of a union variant that holds `ty`: the type's own name, or a word for a type
/// without one.
fn variant_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::Nullable(inner) => variant_name(inner),
        other => variant_word(other).to_owned(),
    }
}

/// Selection by `discriminator`, with the catch-all variant named in `variant_names`.
fn tagged(discriminator: &Discriminator, variant_names: &mut names::Scope) -> Selection {
    Selection::Tagged {
        property: discriminator.property_name.clone(),
        unknown_variant: variant_names.claim("Unknown".into()),
    }
}

/// A word for the kind of a type without a name of its own.
fn variant_word(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::String => "String",
        TypeRef::Bool => "Boolean",
        TypeRef::I32 | TypeRef::I64 | TypeRef::U64 => "Integer",
        TypeRef::F32 | TypeRef::F64 => "Number",
        TypeRef::DateTime => "DateTime",
        TypeRef::Date => "Date",
        TypeRef::Json => "Value",
        TypeRef::List(_) | TypeRef::Bytes => "List",
        TypeRef::Map(_) => "Map",
        TypeRef::Named(_) | TypeRef::Boxed(_) => "Object",
        TypeRef::Nullable(inner) => variant_word(inner),
    }
}

/// A discriminator mapping's target as a reference: a bare name is a component schema.
fn mapping_reference(target: &str) -> String {
    if target.starts_with('#') || target.contains('/') {
        target.to_owned()
    } else {
        format!("#/components/schemas/{target}")
    }
}

/// The tag values that select the schema `reference` names: the mapping's keys that point
/// at it, or else the schema's own name.
fn tags_of(discriminator: &Discriminator, reference: &str) -> Vec<String> {
    let mapped: Vec<String> = discriminator
        .mapping
        .iter()
        .filter(|(_, target)| mapping_reference(target) == reference)
        .map(|(value, _)| value.clone())
        .collect();
    if mapped.is_empty() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        vec![super::pointer_token(name).unwrap_or_else(|| name.to_owned())]
    } else {
        mapped
    }
}

/// How deep schemas may nest (each property, item, member and `$ref` is a level), so that
/// lowering stays well within a small thread stack.
const MAX_SCHEMA_DEPTH: usize = 256;

/// How deep `allOf`s inside `allOf`s are followed.
const MAX_ALL_OF_DEPTH: usize = 16;

/// A property of an object schema.
#[derive(Clone)]
struct Property<'d> {
    name: &'d str,
    schema: &'d ReferenceOr<Box<Schema>>,
    /// Where it is defined.
    at: Pointer,
    /// The Rust name of the component it is defined in, when that is another one merged in
    /// by `allOf`: its inline types are that component's.
    owner: Option<String>,
}

/// What an object schema (or several, merged) says about its properties.
#[derive(Default, Clone)]
pub(super) struct ObjectParts<'d> {
    /// Each property, in order.
    properties: Vec<Property<'d>>,
    /// Each name required, with where the list that requires it is (the schema itself or
    /// the `allOf` member it comes from).
    required: Vec<(&'d str, Pointer)>,
    additional: Option<(&'d AdditionalProperties, Pointer)>,
    /// A warning for each property merged with types no value has at once.
    conflicts: Vec<Diagnostic>,
}

/// Whether a value can be of both JSON types (an integer is a number).
fn compatible(a: &str, b: &str) -> bool {
    a == b || matches!((a, b), ("integer", "number") | ("number", "integer"))
}

/// A JSON type's name with its article: `an integer`, `a string`.
fn a_type(name: &str) -> String {
    match name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => format!("an {name}"),
        false => format!("a {name}"),
    }
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
                .map(|(name, schema)| Property {
                    name,
                    schema,
                    at: at.push(name),
                    owner: None,
                })
                .collect(),
            required: {
                let at = pointer.push("required");
                required
                    .iter()
                    .map(|name| (name.as_str(), at.clone()))
                    .collect()
            },
            additional: additional.map(|additional| (additional, pointer.clone())),
            conflicts: Vec::new(),
        }
    }

    /// These parts, defined in the component of Rust name `owner` (unless they were in
    /// another one further in).
    fn owned_by(mut self, owner: &str) -> Self {
        for property in &mut self.properties {
            property.owner.get_or_insert_with(|| owner.to_owned());
        }
        self
    }

    fn merge(&mut self, other: Self) {
        for property in other.properties {
            match self
                .properties
                .iter_mut()
                .find(|existing| existing.name == property.name)
            {
                Some(existing) => *existing = property,
                None => self.properties.push(property),
            }
        }
        for (name, at) in other.required {
            if !self.required.iter().any(|(known, _)| *known == name) {
                self.required.push((name, at));
            }
        }
        if other.additional.is_some() {
            self.additional = other.additional;
        }
        for conflict in other.conflicts {
            self.conflict(conflict);
        }
    }

    /// Notes a property merged with types no value has at once, unless noted already: a
    /// schema that several members merge in brings its own each time, and they would
    /// multiply level after level.
    fn conflict(&mut self, conflict: Diagnostic) {
        if !self.conflicts.contains(&conflict) {
            self.conflicts.push(conflict);
        }
    }
}

/// An open enum of the text values among `values` (a `null`, a number or a repeat is left
/// out: the open enum keeps whatever is received anyway).
fn string_enum(values: &[&str]) -> Enum {
    let mut variant_names = names::Scope::default();
    let mut seen = std::collections::BTreeSet::new();
    let values: Vec<&str> = values
        .iter()
        .copied()
        .filter(|value| seen.insert(*value))
        .collect();
    // The values' own names first: `Empty` for the empty text is taken only if free.
    let texts = values.iter().filter(|value| !value.is_empty());
    let mut claimed = variant_names
        .claim_each(texts.map(|value| (*value, camel(value))))
        .into_iter();
    let names: Vec<Option<String>> = values
        .iter()
        .map(|value| (!value.is_empty()).then(|| claimed.next()).flatten())
        .collect();
    let variants: Vec<Variant> = values
        .iter()
        .zip(names)
        .map(|(value, name)| Variant {
            wire_value: (*value).to_owned(),
            rust_name: name.unwrap_or_else(|| variant_names.claim("Empty".into())),
            description: None,
        })
        .collect();
    Enum {
        variants,
        unknown_variant: variant_names.claim("Unknown".into()),
    }
}

/// The length and size limits of a schema, as sentences for the docs.
pub(super) fn limits(schema: &Schema) -> Vec<String> {
    let range = |min: Option<usize>, max: Option<usize>, unit: &str| match (min, max) {
        (Some(min), Some(max)) => Some(format!("{min} to {max} {unit}.")),
        (Some(min), None) => Some(format!("At least {min} {unit}.")),
        (None, Some(max)) => Some(format!("At most {max} {unit}.")),
        (None, None) => None,
    };
    let range = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => range(s.min_length, s.max_length, "characters"),
        SchemaKind::Type(Type::Array(a)) => range(a.min_items, a.max_items, "items"),
        _ => None,
    };
    let default = schema
        .schema_data
        .default
        .as_ref()
        .map(|value| format!("The server's default: `{value}`."));
    range
        .into_iter()
        .chain(values(schema))
        .chain(default)
        .collect()
}

/// The values a schema allows, when its type does not say them: an `enum` of numbers, of
/// booleans, or of values of several kinds, which are not made an enum type of their own.
fn values(schema: &Schema) -> Option<String> {
    const SHOWN: usize = 20;
    fn texts<T: ToString>(values: &[Option<T>]) -> Vec<String> {
        let text = |value: &Option<T>| {
            value
                .as_ref()
                .map_or_else(|| "null".to_owned(), T::to_string)
        };
        values.iter().map(text).collect()
    }
    let values: Vec<String> = match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(integer)) => texts(&integer.enumeration),
        SchemaKind::Type(Type::Number(number)) => texts(&number.enumeration),
        SchemaKind::Type(Type::Boolean(boolean)) => texts(&boolean.enumeration),
        // A string enum with values of other kinds is an enum type all the same.
        SchemaKind::Any(any)
            if any.typ.as_deref() != Some("string")
                && !any.enumeration.iter().all(serde_json::Value::is_string) =>
        {
            any.enumeration.iter().map(ToString::to_string).collect()
        }
        _ => return None,
    };
    let (shown, more) = match values.len() {
        0 => return None,
        count if count > SHOWN => (&values[..SHOWN], format!(", and {} more", count - SHOWN)),
        _ => (&values[..], String::new()),
    };
    // A value with a backtick in it is fenced with two.
    let shown: Vec<String> = shown
        .iter()
        .map(|value| match value.contains('`') {
            true => format!("`` {value} ``"),
            false => format!("`{value}`"),
        })
        .collect();
    Some(format!("One of {}{more}.", shown.join(", ")))
}

/// Whether `any` has no keywords of objects, arrays or members: scalar constraints only.
fn constraints_only(any: &openapiv3::AnySchema) -> bool {
    any.properties.is_empty()
        && any.required.is_empty()
        && any.additional_properties.is_none()
        && any.items.is_none()
        && any.all_of.is_empty()
        && any.one_of.is_empty()
        && any.any_of.is_empty()
        && any.not.is_none()
}

/// The keywords of `any` that shape data of a type other than `typ`.
fn foreign_keywords(any: &openapiv3::AnySchema, typ: &str) -> Vec<&'static str> {
    let typ = if typ == "integer" { "number" } else { typ };
    // Only keywords that shape the data: a stray bound (`maximum` on a string) changes
    // nothing that is generated.
    let present = [
        ("properties", "object", !any.properties.is_empty()),
        (
            "additionalProperties",
            "object",
            any.additional_properties.is_some(),
        ),
        ("items", "array", any.items.is_some()),
    ];
    present
        .into_iter()
        .filter(|(_, owner, present)| *present && *owner != typ)
        .map(|(keyword, _, _)| keyword)
        .collect()
}

/// `a string`, `an array`, `an integer`.
fn article(typ: &str) -> String {
    match typ.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {typ}"),
        _ => format!("a {typ}"),
    }
}

fn unsupported(pointer: &Pointer, what: &str) -> Diagnostic {
    Diagnostic::at(pointer, format!("{what} is not supported yet"))
        .with_help("simplify this schema, or generate only the tags that do not use it with --tag")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_empty_value_is_named_empty_after_the_values_own_names() {
        let names = |values: &[&str]| -> Vec<String> {
            super::string_enum(values)
                .variants
                .into_iter()
                .map(|variant| variant.rust_name)
                .collect()
        };
        assert_eq!(names(&["", "USERNAME"]), ["Empty", "Username"]);
        // `Empty` is the value's own name; `empty` is numbered after it.
        assert_eq!(
            names(&["", "empty", "Empty"]),
            ["Empty3", "Empty2", "Empty"]
        );
        assert_eq!(
            names(&["active", "ACTIVE", "Active"]),
            ["Active2", "Active3", "Active"]
        );
    }
}
