//! A `readOnly` property that is `required` is required only in responses (OpenAPI 3.0.3,
//! 4.7.25.1: the server sets it, and a request leaves it out). In a type a request sends
//! (a body, a part, an object parameter, or a type one of them holds), such a field is an
//! `Option`, so that a caller building a request has no value to make up; a type only ever
//! received keeps it required. This is the mirror of a required `writeOnly` property, which
//! is an `Option` in every type, as a response never has it.
//!
//! A member of a union keeps it required: which member a response decodes as, and whether
//! the union is told by a constant property, is read from what each member requires.

use crate::ir::{self, Access, TypeDef, TypeKind, TypeRef};

/// Makes the required `readOnly` fields of the types `sent` reaches optional (and a struct
/// whose every field is then optional gets `Default`).
pub(super) fn optional_in_requests<'a>(
    types: &mut [TypeDef],
    sent: impl IntoIterator<Item = &'a TypeRef>,
) {
    let mut reached = vec![false; types.len()];
    let mut pending: Vec<&TypeRef> = sent.into_iter().collect();
    let mut found = Vec::new();
    while let Some(ty) = pending.pop() {
        match ty {
            TypeRef::Named(name) => {
                if let Some(at) = ir::type_position(types, name)
                    && !std::mem::replace(&mut reached[at], true)
                {
                    found.push(at);
                    held(&types[at].kind, &mut pending);
                }
            }
            TypeRef::Nullable(inner)
            | TypeRef::Boxed(inner)
            | TypeRef::List(inner)
            | TypeRef::Map(inner) => pending.push(inner),
            _ => {}
        }
    }
    let members = union_members(types);
    for at in found {
        if members.get(at).copied().unwrap_or(false) {
            continue;
        }
        let TypeKind::Struct(s) = &mut types[at].kind else {
            continue;
        };
        let mut relaxed = false;
        for field in &mut s.fields {
            if field.access != Access::ReadOnly {
                continue;
            }
            field.presence = field.presence.optional();
            relaxed = true;
        }
        if relaxed {
            s.derive_default = super::types::derives_default(&s.fields);
        }
    }
}

/// For each type, whether it is a member of a union (directly, or through aliases).
fn union_members(types: &[TypeDef]) -> Vec<bool> {
    let mut members = vec![false; types.len()];
    let variants = types.iter().filter_map(|def| match &def.kind {
        TypeKind::Union(u) => Some(u.variants.iter().map(|variant| &variant.ty)),
        _ => None,
    });
    let mut pending: Vec<&TypeRef> = variants.flatten().collect();
    while let Some(ty) = pending.pop() {
        match ty {
            TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => pending.push(inner),
            TypeRef::Named(name) => {
                if let Some(at) = ir::type_position(types, name)
                    && !std::mem::replace(&mut members[at], true)
                    && let TypeKind::Alias(target) = &types[at].kind
                {
                    pending.push(target);
                }
            }
            _ => {}
        }
    }
    members
}

/// The types `kind` holds, added to `pending`.
fn held<'t>(kind: &'t TypeKind, pending: &mut Vec<&'t TypeRef>) {
    match kind {
        TypeKind::Struct(s) => {
            pending.extend(s.fields.iter().map(|field| &field.ty));
            pending.extend(s.additional.iter().map(|additional| &additional.value));
        }
        TypeKind::Union(u) => pending.extend(u.variants.iter().map(|variant| &variant.ty)),
        TypeKind::Alias(target) => pending.push(target),
        TypeKind::Enum(_) => {}
    }
}
