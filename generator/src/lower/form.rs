//! Form bodies (`application/x-www-form-urlencoded`): the style each property is written in,
//! from the media type's `encoding`, and the shapes a form can carry.

use openapiv3::{MediaType, QueryStyle};

use super::Lowerer;
use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::{ObjectStyle, TypeKind, TypeRef};

/// What may be written as the value of a form property in `style: form`: the rest needs
/// `deepObject`.
const FORM_STYLE_HELP: &str = "give the property `style: deepObject` in the media type's `encoding`, or describe the body as JSON";

impl Lowerer<'_> {
    /// The properties of a form body of type `ty` (described by `media` at `at`) written in
    /// another style than `form` exploded, in the order of its `encoding`. An error for a
    /// body that is not an object, an `encoding` style a form cannot have, or a property
    /// that its style cannot write (in `form`, anything but a scalar, a list of scalars or
    /// an object of scalars); an `encoding` of a property the body does not have is ignored
    /// with a warning.
    pub(super) fn form_styles(
        &mut self,
        ty: &TypeRef,
        media: &MediaType,
        at: &Pointer,
    ) -> Result<Vec<(String, ObjectStyle)>, Diagnostic> {
        let schema_at = at.push("schema");
        let properties = self.form_properties(ty, &schema_at)?;
        let mut styles = Vec::new();
        for (name, encoding) in &media.encoding {
            let encoding_at = at.push("encoding").push(name);
            if let Some(properties) = &properties
                && !properties.iter().any(|(wire, _)| wire == name)
            {
                self.warnings.push(
                    Diagnostic::at(
                        &encoding_at,
                        format!("the body has no property `{name}`; its encoding is ignored"),
                    )
                    .with_help("name a property of the body's schema")
                    .warning(),
                );
                continue;
            }
            let style = encoding_style(encoding, &encoding_at)?;
            if style != ObjectStyle::FormExploded {
                styles.push((name.clone(), style));
            }
        }
        for (name, ty) in properties.iter().flatten() {
            let styled = styles.iter().any(|(styled, _)| styled == name);
            if !styled && !self.is_form_value(ty) {
                let place = match media.encoding.contains_key(name) {
                    true => at.push("encoding").push(name),
                    false => schema_at.clone(),
                };
                return Err(Diagnostic::at(
                    &place,
                    format!("the form property `{name}` is a list of objects or lists, or an object holding them, which `style: form` cannot write"),
                )
                .with_help(FORM_STYLE_HELP));
            }
        }
        Ok(styles)
    }

    /// The declared properties of a form body of type `ty`, by wire name; `None` when its
    /// type does not say (any JSON, a union). An error when it is not an object, or when
    /// the values of its additional properties cannot be written in `style: form`.
    fn form_properties(
        &self,
        ty: &TypeRef,
        at: &Pointer,
    ) -> Result<Option<Vec<(String, TypeRef)>>, Diagnostic> {
        let (declared, additional) = match self.without_aliases(ty.clone()) {
            TypeRef::Json => return Ok(None),
            TypeRef::Map(value) => (Vec::new(), Some(*value)),
            TypeRef::Named(name) => match self.types.get(&name).map(|def| &def.kind) {
                Some(TypeKind::Struct(object)) => (
                    object
                        .fields
                        .iter()
                        .map(|field| (field.wire_name.clone(), field.ty.clone()))
                        .collect(),
                    object.additional.as_ref().map(|map| map.value.clone()),
                ),
                Some(TypeKind::Union(_)) | None => return Ok(None),
                Some(TypeKind::Enum(_) | TypeKind::Alias(_)) => {
                    return Err(not_an_object(at, "text"));
                }
            },
            TypeRef::List(_) => return Err(not_an_object(at, "a list")),
            _ => return Err(not_an_object(at, "a scalar")),
        };
        if let Some(value) = additional
            && !self.is_form_value(&value)
        {
            return Err(Diagnostic::at(
                at,
                "the additional properties of the form body are lists of objects or lists, or objects holding them, which `style: form` cannot write",
            )
            .with_help("describe the body as JSON"));
        }
        Ok(Some(declared))
    }

    /// Whether `style: form` writes a value of type `ty`: a scalar, a list of scalars, or an
    /// object or map of scalars. Any JSON and unions are taken as scalars: what they hold
    /// is known when the request is sent.
    pub(super) fn is_form_value(&self, ty: &TypeRef) -> bool {
        match self.form_type(ty) {
            TypeRef::List(item) | TypeRef::Map(item) => self.is_form_scalar(&item),
            TypeRef::Named(name) => match self.types.get(&name).map(|def| &def.kind) {
                Some(TypeKind::Struct(object)) => {
                    object
                        .fields
                        .iter()
                        .all(|field| self.is_form_scalar(&field.ty))
                        && object
                            .additional
                            .as_ref()
                            .is_none_or(|map| self.is_form_scalar(&map.value))
                }
                _ => true,
            },
            _ => true,
        }
    }

    /// Whether a value of type `ty` is one pair of a form: not a list, a map or an object.
    fn is_form_scalar(&self, ty: &TypeRef) -> bool {
        match self.form_type(ty) {
            TypeRef::List(_) | TypeRef::Map(_) => false,
            TypeRef::Named(name) => !matches!(
                self.types.get(&name).map(|def| &def.kind),
                Some(TypeKind::Struct(_))
            ),
            _ => true,
        }
    }

    /// `ty` without its aliases, `null` and boxes: the shape written into a form.
    fn form_type(&self, ty: &TypeRef) -> TypeRef {
        let mut ty = self.without_aliases(ty.clone());
        while let TypeRef::Boxed(inner) = ty {
            ty = self.without_aliases(*inner);
        }
        ty
    }
}

/// The style an `encoding` entry gives its property: JSON for a JSON `contentType` without
/// a style, `form` exploded unless `deepObject` is said. openapiv3 reads a missing
/// `explode` as `false`, so `explode` cannot be told from its default and `form` is always
/// exploded, as OpenAPI's default for it is.
pub(super) fn encoding_style(
    encoding: &openapiv3::Encoding,
    at: &Pointer,
) -> Result<ObjectStyle, Diagnostic> {
    let json = encoding
        .content_type
        .as_deref()
        .is_some_and(|content_type| {
            super::operations::media_encoding(content_type) == crate::ir::Encoding::Json
        });
    match &encoding.style {
        None if json => Ok(ObjectStyle::Json),
        None | Some(QueryStyle::Form) => Ok(ObjectStyle::FormExploded),
        Some(QueryStyle::DeepObject) => Ok(ObjectStyle::DeepObject),
        Some(style) => Err(Diagnostic::at(
            &at.push("style"),
            format!(
                "a form property in style `{}` is not supported yet",
                super::operations::query_style_name(style)
            ),
        )
        .with_help("use `style: form` or `style: deepObject`")),
    }
}

/// The error for a form body whose schema (at `at`) is `what` rather than an object.
fn not_an_object(at: &Pointer, what: &str) -> Diagnostic {
    Diagnostic::at(
        at,
        format!("a form body must be an object of properties, and this one is {what}"),
    )
    .with_help("describe the body as an object, or as JSON")
}
