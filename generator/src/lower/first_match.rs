//! The order of a union whose received value is the first variant it decodes as: a variant
//! that takes every value of a later one would leave that one unreachable (`string` before
//! `format: date-time`, `number` before `integer`, an object with fewer required properties
//! before one with more), so the narrower variant is moved before it. Otherwise the
//! document's order is kept. A struct variant of a union that also takes arrays is tried
//! only for objects. Where several variants are structs, an object is the first of them
//! that keeps all its properties before the first variant that takes it at all: a struct
//! drops the properties it does not declare.

use std::collections::{HashMap, HashSet};

use crate::ir::{
    Field, Keeps, Presence, Selection, Struct, TypeDef, TypeKind, TypeRef, resolved, struct_of,
    type_named,
};

/// Orders the variants of every first-match union in `types` (sorted by name).
pub(super) fn order_first_match_unions(types: &mut [TypeDef]) {
    for at in 0..types.len() {
        let TypeKind::Union(union) = &types[at].kind else {
            continue;
        };
        if !matches!(union.selection, Selection::FirstMatch) {
            continue;
        }
        let mut ordered: Vec<usize> = Vec::with_capacity(union.variants.len());
        for (index, variant) in union.variants.iter().enumerate() {
            let before = ordered.iter().position(|&earlier| {
                let earlier = &union.variants[earlier].ty;
                takes_all_of(types, earlier, &variant.ty)
                    && !takes_all_of(types, &variant.ty, earlier)
            });
            ordered.insert(before.unwrap_or(ordered.len()), index);
        }
        if ordered.iter().enumerate().all(|(at, &index)| at == index) {
            continue;
        }
        if let TypeKind::Union(union) = &mut types[at].kind {
            let mut variants: Vec<_> = std::mem::take(&mut union.variants)
                .into_iter()
                .map(Some)
                .collect();
            union.variants = ordered
                .iter()
                .filter_map(|&index| variants[index].take())
                .collect();
        }
    }
}

/// Marks the struct variants of every first-match union in `types` (sorted by name) that
/// has a variant taking arrays as tried only for objects.
pub(super) fn guard_structs_from_arrays(types: &mut [TypeDef]) {
    for at in 0..types.len() {
        let TypeKind::Union(union) = &types[at].kind else {
            continue;
        };
        if !matches!(union.selection, Selection::FirstMatch)
            || !union
                .variants
                .iter()
                .any(|variant| takes_arrays(types, &variant.ty, &mut HashSet::new()))
        {
            continue;
        }
        let structs: Vec<bool> = union
            .variants
            .iter()
            .map(|variant| struct_of(types, resolved(types, &variant.ty)).is_some())
            .collect();
        if let TypeKind::Union(union) = &mut types[at].kind {
            for (variant, is_struct) in union.variants.iter_mut().zip(structs) {
                variant.objects_only = is_struct;
            }
        }
    }
}

/// Notes which properties each struct variant keeps, in every first-match union (of
/// `types`, sorted by name) without constants where a struct that drops undeclared
/// properties is one of several structs. A map or any JSON value is left to the order of
/// the union: an object a struct takes with a property the server added later stays that
/// struct.
pub(super) fn note_kept_properties(types: &mut [TypeDef]) {
    for at in 0..types.len() {
        let TypeKind::Union(union) = &types[at].kind else {
            continue;
        };
        if !matches!(union.selection, Selection::FirstMatch)
            || union
                .variants
                .iter()
                .any(|variant| !variant.constants.is_empty())
        {
            continue;
        }
        let keeps: Vec<Keeps> = union
            .variants
            .iter()
            .map(|variant| Keeps::of(types, &variant.ty))
            .collect();
        let structs = keeps
            .iter()
            .filter(|keeps| **keeps != Keeps::Unknown)
            .count();
        let drops = keeps.iter().any(|keeps| matches!(keeps, Keeps::Only(_)));
        if structs < 2 || !drops {
            continue;
        }
        if let TypeKind::Union(union) = &mut types[at].kind {
            for (variant, keeps) in union.variants.iter_mut().zip(keeps) {
                variant.keeps = keeps;
            }
        }
    }
}

/// Whether some array decodes as `ty`: a list, any JSON value, or a union with such a
/// variant. Each union is looked into once (`seen`): one met again, round a cycle or by
/// another path, has no variant that was not looked at, so the time grows with the unions,
/// not with the paths between them.
fn takes_arrays<'t>(types: &'t [TypeDef], ty: &'t TypeRef, seen: &mut HashSet<&'t str>) -> bool {
    match resolved(types, ty) {
        TypeRef::List(_) | TypeRef::Json => true,
        TypeRef::Named(name) => match type_named(types, name).map(|def| &def.kind) {
            Some(TypeKind::Union(union)) if seen.insert(name) => union
                .variants
                .iter()
                .any(|variant| takes_arrays(types, &variant.ty, seen)),
            _ => false,
        },
        _ => false,
    }
}

/// Whether every non-null JSON value that decodes as `narrow` also decodes as `wide`, as
/// far as the types tell (a struct ignores properties it does not declare).
fn takes_all_of(types: &[TypeDef], wide: &TypeRef, narrow: &TypeRef) -> bool {
    Comparison {
        types,
        structs: HashMap::new(),
    }
    .takes_all_of(wide, narrow)
}

/// [`takes_all_of`], remembering what it found of each pair of structs: each pair is
/// compared once (a pair met again while it is compared, round a cycle, is taken to hold),
/// so the time grows with the pairs, not with the paths between them.
struct Comparison<'t> {
    types: &'t [TypeDef],
    structs: HashMap<(&'t str, &'t str), bool>,
}

impl<'t> Comparison<'t> {
    fn takes_all_of(&mut self, wide: &'t TypeRef, narrow: &'t TypeRef) -> bool {
        let types = self.types;
        let (wide, narrow) = (resolved(types, wide), resolved(types, narrow));
        match (wide, narrow) {
            (TypeRef::Json, _) => true,
            (TypeRef::String, TypeRef::String | TypeRef::DateTime | TypeRef::Date) => true,
            (
                TypeRef::F64 | TypeRef::F32,
                TypeRef::F64 | TypeRef::F32 | TypeRef::I64 | TypeRef::I32 | TypeRef::U64,
            ) => true,
            (TypeRef::I64, TypeRef::I64 | TypeRef::I32)
            | (TypeRef::I32, TypeRef::I32)
            | (TypeRef::U64, TypeRef::U64) => true,
            (TypeRef::List(wide), TypeRef::List(narrow))
            | (TypeRef::Map(wide), TypeRef::Map(narrow)) => self.takes_all_of(wide, narrow),
            (TypeRef::Map(values), TypeRef::Named(_)) => {
                matches!(**values, TypeRef::Json) && struct_of(types, narrow).is_some()
            }
            (TypeRef::Named(wide_name), TypeRef::Named(narrow_name)) => {
                if wide_name == narrow_name {
                    return true;
                }
                let (Some(wide), Some(narrow)) = (struct_of(types, wide), struct_of(types, narrow))
                else {
                    return false;
                };
                let pair = (wide_name.as_str(), narrow_name.as_str());
                if let Some(&found) = self.structs.get(&pair) {
                    return found;
                }
                self.structs.insert(pair, true);
                let found = self.struct_takes_all_of(wide, narrow);
                self.structs.insert(pair, found);
                found
            }
            (wide, narrow) => wide == narrow,
        }
    }

    /// Whether every object that decodes as `narrow` decodes as `wide`: each property
    /// `wide` declares may be left out or be `null` only where `wide` allows it, and takes
    /// every value `narrow`'s does, and any other property of `wide`
    /// (`additionalProperties`) may be any JSON value.
    fn struct_takes_all_of(&mut self, wide: &'t Struct, narrow: &'t Struct) -> bool {
        let types = self.types;
        let any_other = wide
            .additional
            .as_ref()
            .is_none_or(|additional| additional.value == TypeRef::Json);
        any_other
            && wide.fields.iter().all(|field| {
                match narrow
                    .fields
                    .iter()
                    .find(|n| n.wire_name == field.wire_name)
                {
                    Some(same) => {
                        (takes_null(types, &field.ty) || !takes_null(types, &same.ty))
                            && (may_be_null(field) || !may_be_null(same))
                            && (field.presence.may_be_absent() || !same.presence.may_be_absent())
                            && self.takes_all_of(&field.ty, &same.ty)
                    }
                    None => field.presence.may_be_absent(),
                }
            })
    }
}

/// Whether `null` decodes as `ty`.
fn takes_null<'t>(types: &'t [TypeDef], mut ty: &'t TypeRef) -> bool {
    for _ in 0..=types.len() {
        ty = match ty {
            TypeRef::Nullable(_) | TypeRef::Json => return true,
            TypeRef::Boxed(inner) => inner,
            TypeRef::Named(name) => match type_named(types, name).map(|def| &def.kind) {
                Some(TypeKind::Alias(target)) => target,
                _ => return false,
            },
            _ => return false,
        };
    }
    false
}

/// Whether the property may be `null` (an optional one's `Option` takes `null` too).
fn may_be_null(field: &Field) -> bool {
    field.presence != Presence::Required
}
