//! A variant of a tagged union that several tags select (a discriminator mapping whose keys
//! `created` and `restored` both name `Created`), where its type does not keep the tag
//! property: a value would be sent back with the first tag, whatever tag it came with. It
//! becomes one variant for each tag, named after it and sending it.

use super::names;
use crate::ir::{Keeps, Selection, TypeDef, TypeKind, UnionVariant};

/// Splits, in every tagged union of `types` (sorted by name), each variant of several tags
/// whose type does not keep the tag property.
pub(super) fn one_variant_per_tag(types: &mut [TypeDef]) {
    for at in 0..types.len() {
        let TypeKind::Union(union) = &types[at].kind else {
            continue;
        };
        let Selection::Tagged {
            property,
            unknown_variant,
        } = &union.selection
        else {
            continue;
        };
        let split: Vec<bool> = union
            .variants
            .iter()
            .map(|variant| variant.tags.len() > 1 && !keeps(types, variant, property))
            .collect();
        if !split.contains(&true) {
            continue;
        }
        let mut names = names::Scope::default();
        for (variant, split) in union.variants.iter().zip(&split) {
            if !split {
                names.claim(variant.rust_name.clone());
            }
        }
        names.claim(unknown_variant.clone());
        let TypeKind::Union(union) = &mut types[at].kind else {
            continue;
        };
        let variants = std::mem::take(&mut union.variants);
        for (variant, split) in variants.into_iter().zip(split) {
            if !split {
                union.variants.push(variant);
                continue;
            }
            for tag in &variant.tags {
                union.variants.push(UnionVariant {
                    rust_name: names.claim(names::type_name(tag)),
                    tags: vec![tag.clone()],
                    ..variant.clone()
                });
            }
        }
    }
}

/// Whether the type of `variant` keeps the tag `property` of a value it decodes: a struct
/// that declares it, or that collects the properties it does not declare.
fn keeps(types: &[TypeDef], variant: &UnionVariant, property: &str) -> bool {
    Keeps::of(types, &variant.ty).holds(property)
}
