//! `multipart/form-data` bodies: each property of the body's schema is a part, passed as a
//! parameter of its own (`ParamLocation::Part`): a required one as an argument of the
//! method, an optional one as a setter of its call. A binary string is a file
//! (`FilePart`), a list of them several parts of one name; a scalar or a list of scalars is
//! text; an object is JSON, or the text parts its `encoding`'s `style` writes (Stripe's
//! `file_link_data[create]`), as OpenAPI's defaults for multipart bodies say.

use openapiv3::{
    Encoding, MediaType, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use super::names::{self, camel, snake};
use super::{Lowerer, form};
use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::{ListStyle, ObjectStyle, ParamLocation, Parameter, TypeRef};

/// The media type of a file whose part names none, nor the file itself.
const OCTET_STREAM: &str = "application/octet-stream";

impl<'d> Lowerer<'d> {
    /// The parts of a `multipart/form-data` body described by `media` (at `at`), in the
    /// order of the schema's properties, named in `names` with the operation's other
    /// parameters. An error for a body that is not an object of properties; an optional
    /// property that cannot be sent is left out when skipping, as an optional parameter is.
    pub(super) fn multipart_parts(
        &mut self,
        media: &'d MediaType,
        at: &Pointer,
        type_hint: &str,
        names: &mut names::Scope,
    ) -> Result<Vec<Parameter>, Diagnostic> {
        let schema_at = at.push("schema");
        let Some(schema) = &media.schema else {
            return Err(not_an_object(at, "without a schema"));
        };
        let ((properties, required), object_at) = self.multipart_object(schema, &schema_at)?;
        let mut parts = Vec::with_capacity(properties.len());
        for (name, property) in properties {
            let property_at = object_at.push("properties").push(name);
            let resolved = match property {
                ReferenceOr::Item(schema) => Some(&**schema),
                ReferenceOr::Reference { reference } => self.component_schema(reference),
            };
            if resolved.is_some_and(|schema| schema.schema_data.read_only) {
                // Only ever sent by the server.
                continue;
            }
            let required = required.contains(name);
            let encoding = media.encoding.get(name);
            let encoding = encoding.map(|encoding| (encoding, at.push("encoding").push(name)));
            let lower = |this: &mut Self| {
                let property = (property, resolved, &property_at);
                this.part(name, property, required, encoding.as_ref(), type_hint)
            };
            let part = if required {
                Some(lower(self)?)
            } else {
                self.attempt(|| format!("the optional part `{name}` is left out"), lower)?
            };
            parts.extend(part.map(|mut part| {
                part.rust_name =
                    names.claim(super::operations::clear_of_call_methods(&part.rust_name));
                part
            }));
        }
        Ok(parts)
    }

    /// Whether the multipart body `media` describes is an object of properties, its parts.
    pub(super) fn is_object_of_parts(&self, media: &'d MediaType) -> bool {
        media
            .schema
            .as_ref()
            .is_some_and(|schema| self.multipart_object(schema, &Pointer::root()).is_ok())
    }

    /// The properties and the required ones of the object a multipart body's `schema` is
    /// (`type: object`, or `properties` without a type), through `$ref`s to components, and
    /// where it is.
    fn multipart_object(
        &self,
        schema: &'d ReferenceOr<Schema>,
        at: &Pointer,
    ) -> Result<(Properties<'d>, Pointer), Diagnostic> {
        let (schema, at) = match schema {
            ReferenceOr::Item(schema) => (schema, at.clone()),
            ReferenceOr::Reference { reference } => {
                let schema = self.component_schema(reference).ok_or_else(|| {
                    Diagnostic::at(at, format!("`$ref: {reference}` names no component schema"))
                        .with_help("a multipart body's schema is an object, inline or under #/components/schemas")
                })?;
                let name = super::component_name(reference, "schemas", at)?;
                let at = Pointer::root()
                    .push("components")
                    .push("schemas")
                    .push(name);
                (schema, at)
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) if !object.properties.is_empty() => {
                Ok(((&object.properties, &object.required), at))
            }
            SchemaKind::Any(any) if !any.properties.is_empty() => {
                Ok(((&any.properties, &any.required), at))
            }
            SchemaKind::Type(Type::Object(_)) => {
                Err(not_an_object(&at, "an object that declares no properties"))
            }
            SchemaKind::AllOf { .. } | SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
                Err(not_an_object(&at, "a combination of schemas"))
            }
            _ => Err(not_an_object(&at, "not an object")),
        }
    }

    /// The part of the property `name`: its schema, the same through its `$ref`, and
    /// where it is; its entry in the media type's `encoding` and where that is.
    fn part(
        &mut self,
        name: &str,
        (property, resolved, at): (&'d ReferenceOr<Box<Schema>>, Option<&'d Schema>, &Pointer),
        required: bool,
        encoding: Option<&(&'d Encoding, Pointer)>,
        type_hint: &str,
    ) -> Result<Parameter, Diagnostic> {
        let description = resolved.and_then(|schema| schema.schema_data.description.as_deref());
        let part = Parameter {
            wire_name: name.to_owned(),
            rust_name: snake(name),
            location: ParamLocation::Part,
            ty: TypeRef::Bytes,
            required,
            description: super::operations::with_limits(description, resolved),
            list_style: None,
            object_style: None,
            file_media_type: None,
        };
        match resolved.and_then(|schema| self.file_shape(schema)) {
            Some(files) => Ok(file_part(part, files, encoding)),
            None => {
                let hint = format!("{type_hint}{}", camel(name));
                self.value_part(part, property, at, encoding, &hint)
            }
        }
    }

    /// `part` as text, texts, or an object in the style its `encoding` gives (JSON
    /// without one), from the type of its schema `property` (at `at`).
    fn value_part(
        &mut self,
        mut part: Parameter,
        property: &'d ReferenceOr<Box<Schema>>,
        at: &Pointer,
        encoding: Option<&(&'d Encoding, Pointer)>,
        hint: &str,
    ) -> Result<Parameter, Diagnostic> {
        let ty = self.schema_type(property, at, hint)?.without_null().0;
        let scalar = match self.without_aliases(ty.clone()) {
            TypeRef::List(item) => self
                .parameter_type(self.without_aliases(*item))
                .map(|item| TypeRef::List(Box::new(item))),
            ty => self.parameter_type(ty),
        };
        if let Some(scalar) = scalar {
            part.list_style = matches!(scalar, TypeRef::List(_)).then_some(ListStyle::Repeated);
            part.ty = scalar;
            return Ok(part);
        }
        let style = match encoding.filter(|(encoding, _)| encoding.style.is_some()) {
            Some((encoding, at)) => form::encoding_style(encoding, at)?,
            None => ObjectStyle::Json,
        };
        if style == ObjectStyle::FormExploded && !self.is_form_value(&ty) {
            return Err(Diagnostic::at(
                at,
                format!("the part `{}` is a list of objects or lists, or an object holding them, which `style: form` cannot write", part.wire_name),
            )
            .with_help("give it `style: deepObject` in the media type's `encoding`, or no style, to send it as JSON"));
        }
        part.ty = ty;
        part.object_style = Some(style);
        Ok(part)
    }

    /// Whether `schema` is a file (`Some(false)`: a binary string) or a list of files
    /// (`Some(true)`), through `$ref`s to components; `None` when it is neither.
    fn file_shape(&self, schema: &'d Schema) -> Option<bool> {
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => (string.format
                == VariantOrUnknownOrEmpty::Item(StringFormat::Binary))
            .then_some(false),
            SchemaKind::Type(Type::Array(array)) => {
                let items = match array.items.as_ref()? {
                    ReferenceOr::Item(items) => &**items,
                    ReferenceOr::Reference { reference } => self.component_schema(reference)?,
                };
                (self.file_shape(items) == Some(false)).then_some(true)
            }
            _ => None,
        }
    }
}

/// `part` as a file (`files`: a list of them), labelled with the one media type its
/// `encoding` names, else `application/octet-stream`; a list of types there (`image/png,
/// image/jpeg`) is written in its docs, for the caller to say which.
fn file_part(
    mut part: Parameter,
    files: bool,
    encoding: Option<&(&Encoding, Pointer)>,
) -> Parameter {
    let listed = encoding
        .and_then(|(encoding, _)| encoding.content_type.as_deref())
        .map(str::trim)
        .filter(|listed| !listed.is_empty());
    let single = listed.filter(|listed| !listed.contains([',', '*']));
    part.file_media_type = Some(single.unwrap_or(OCTET_STREAM).to_owned());
    if let Some(listed) = listed.filter(|_| single.is_none()) {
        let sentence =
            format!("Its media type is one of `{listed}`: say which with `FilePart::media_type`.");
        part.description = Some(match part.description.take() {
            Some(text) => format!("{} {sentence}", text.trim_end()),
            None => sentence,
        });
    }
    part.ty = match files {
        true => TypeRef::List(Box::new(TypeRef::Bytes)),
        false => TypeRef::Bytes,
    };
    part
}

/// An object's properties, and the names of those it requires.
type Properties<'d> = (
    &'d indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
    &'d [String],
);

/// The error for a multipart body whose schema (at `at`) is `what` rather than an object
/// of properties.
fn not_an_object(at: &Pointer, what: &str) -> Diagnostic {
    Diagnostic::at(
        at,
        format!("a multipart body must be an object whose properties are its parts, and this one is {what}"),
    )
    .with_help("describe the body as an object, each property a part: a file (`type: string, format: binary`), text or an object")
}
