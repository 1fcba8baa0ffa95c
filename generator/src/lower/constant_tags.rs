//! Unions without a discriminator whose members tell themselves apart by a constant: a
//! required property whose schema is an enum of one value (`petType: {enum: [dog]}`, as
//! ASP.NET and others write a subtype). The generated enums are open, so each member's type
//! would take any value there, and the first member every object. When every member has
//! such a constant on one property, each with a value of its own, the union is tagged by
//! that property, as if a discriminator named it; otherwise a member is tried only for a
//! value that has its constants.

use super::names;
use crate::ir::{Presence, Selection, TypeDef, TypeKind, TypeRef, type_named};

/// Tags, or guards with their constants, the first-match unions of `types` (sorted by name)
/// whose members have constants.
pub(super) fn tag_by_constants(types: &mut [TypeDef]) {
    for at in 0..types.len() {
        let TypeKind::Union(union) = &types[at].kind else {
            continue;
        };
        if !matches!(union.selection, Selection::FirstMatch) {
            continue;
        }
        let constants: Vec<Vec<(String, String)>> = union
            .variants
            .iter()
            .map(|variant| constants_of(types, &variant.ty))
            .collect();
        if constants.iter().all(Vec::is_empty) {
            continue;
        }
        let property = common_property(&constants);
        let TypeKind::Union(union) = &mut types[at].kind else {
            continue;
        };
        let Some(property) = property else {
            for (variant, constants) in union.variants.iter_mut().zip(constants) {
                variant.constants = constants;
            }
            continue;
        };
        let mut variant_names = names::Scope::default();
        for (variant, constants) in union.variants.iter_mut().zip(constants) {
            variant_names.claim(variant.rust_name.clone());
            variant.tags = constants
                .into_iter()
                .filter(|(name, _)| *name == property)
                .map(|(_, value)| value)
                .collect();
        }
        union.selection = Selection::Tagged {
            property,
            unknown_variant: variant_names.claim("Unknown".into()),
        };
    }
}

/// The property every member has a constant on, with no value twice.
fn common_property(constants: &[Vec<(String, String)>]) -> Option<String> {
    let first = constants.first()?;
    first.iter().find_map(|(property, _)| {
        let mut values = std::collections::BTreeSet::new();
        constants
            .iter()
            .all(|constants| {
                constants
                    .iter()
                    .find(|(name, _)| name == property)
                    .is_some_and(|(_, value)| values.insert(value))
            })
            .then(|| property.clone())
    })
}

/// The constants of the struct `ty` names (through aliases): its required properties, never
/// `null`, whose type is an enum of one value, as (wire name, value). None for any other
/// type, a nullable one included (it takes `null` too).
fn constants_of<'t>(types: &'t [TypeDef], ty: &'t TypeRef) -> Vec<(String, String)> {
    let Some(TypeKind::Struct(object)) = named_kind(types, ty) else {
        return Vec::new();
    };
    object
        .fields
        .iter()
        .filter(|field| field.presence == Presence::Required)
        .filter_map(|field| match named_kind(types, &field.ty)? {
            TypeKind::Enum(values) if values.variants.len() == 1 => Some((
                field.wire_name.clone(),
                values.variants[0].wire_value.clone(),
            )),
            _ => None,
        })
        .collect()
}

/// What `ty` names, aliases followed.
fn named_kind<'t>(types: &'t [TypeDef], mut ty: &'t TypeRef) -> Option<&'t TypeKind> {
    // An alias cycle never reaches the IR; the bound only keeps a mistake from looping.
    for _ in 0..=types.len() {
        let TypeRef::Named(name) = ty else {
            return None;
        };
        match &type_named(types, name)?.kind {
            TypeKind::Alias(target) => ty = target,
            kind => return Some(kind),
        }
    }
    None
}
