//! Types that hold each other by value (a struct field, a union variant) would have infinite
//! size: every such reference inside a cycle is boxed.

use crate::ir::{self, TypeDef, TypeKind, TypeRef};

/// Boxes the references that close cycles of types holding each other by value. A
/// reference through `Vec` or a map already is indirect. Struct fields are boxed first, as
/// `Option<Box<T>>` is the usual shape of a recursive field; union variants are boxed only
/// in the cycles that remain. An alias holds its target by value but cannot be boxed
/// itself, and a cycle of aliases alone never gets here.
pub(super) fn box_cycles(types: &mut [TypeDef]) {
    // For each type, the position of each type it holds by value, if it is named; looked
    // up once, as boxing in the first pass only takes references out of the second.
    let targets: Vec<Vec<Option<usize>>> = types
        .iter()
        .map(|def| {
            by_value(&def.kind)
                .map(|ty| match held(ty) {
                    TypeRef::Named(name) => ir::type_position(types, name),
                    _ => None,
                })
                .collect()
        })
        .collect();
    for pass in [Holder::Field, Holder::Variant] {
        // A reference boxed by the first pass is no longer held by value.
        let edges: Vec<Vec<usize>> = types
            .iter()
            .zip(&targets)
            .map(|(def, targets)| {
                by_value(&def.kind)
                    .zip(targets)
                    .filter(|(ty, _)| matches!(held(ty), TypeRef::Named(_)))
                    .filter_map(|(_, to)| *to)
                    .collect()
            })
            .collect();
        let component = strongly_connected(&edges);
        for (from, def) in types.iter_mut().enumerate() {
            // A reference inside one component closes a cycle (a self-reference included).
            let box_it = |(ty, to): (&mut TypeRef, &Option<usize>)| {
                if to.is_some_and(|to| component[to] == component[from]) {
                    let ty = held_mut(ty);
                    *ty = TypeRef::Boxed(Box::new(std::mem::replace(ty, TypeRef::Json)));
                }
            };
            let targets = &targets[from];
            match (&mut def.kind, pass) {
                (TypeKind::Struct(s), Holder::Field) => {
                    let fields = s.fields.iter_mut().map(|field| &mut field.ty);
                    fields.zip(targets).for_each(box_it);
                }
                (TypeKind::Union(u), Holder::Variant) => {
                    let variants = u.variants.iter_mut().map(|variant| &mut variant.ty);
                    variants.zip(targets).for_each(box_it);
                }
                _ => {}
            }
        }
    }
}

/// What `ty` holds by value: itself, or what an `Option` holds.
fn held(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Nullable(inner) => held(inner),
        ty => ty,
    }
}

/// [`held`], to box it.
fn held_mut(ty: &mut TypeRef) -> &mut TypeRef {
    match ty {
        TypeRef::Nullable(inner) => held_mut(inner),
        ty => ty,
    }
}

/// The kinds of reference boxed, one pass each.
#[derive(Clone, Copy)]
enum Holder {
    Field,
    Variant,
}

/// The types a definition holds by value (a boxed one is no longer held by value), in the
/// order of its fields or variants.
fn by_value(kind: &TypeKind) -> Box<dyn Iterator<Item = &TypeRef> + '_> {
    match kind {
        TypeKind::Struct(s) => Box::new(s.fields.iter().map(|field| &field.ty)),
        TypeKind::Union(u) => Box::new(u.variants.iter().map(|variant| &variant.ty)),
        TypeKind::Alias(target) => Box::new(std::iter::once(target)),
        TypeKind::Enum(_) => Box::new(std::iter::empty()),
    }
}

/// The strongly connected component of each node (Tarjan's algorithm, without recursion,
/// so a chain of thousands of types cannot overflow the stack).
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut component = vec![UNSEEN; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next_order = 0;
    let mut components = 0;
    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        // Each frame is a node and the index of the next edge to follow.
        let mut frames = vec![(root, 0)];
        order[root] = next_order;
        low[root] = next_order;
        next_order += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut next)) = frames.last_mut() {
            if let Some(&to) = edges[node].get(*next) {
                *next += 1;
                if order[to] == UNSEEN {
                    order[to] = next_order;
                    low[to] = next_order;
                    next_order += 1;
                    stack.push(to);
                    on_stack[to] = true;
                    frames.push((to, 0));
                } else if on_stack[to] {
                    low[node] = low[node].min(order[to]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = components;
                    if member == node {
                        break;
                    }
                }
                components += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::box_cycles;
    use crate::ir::{Field, Presence, Struct, TypeDef, TypeKind, TypeRef};

    fn field(name: &str, ty: TypeRef) -> Field {
        Field {
            wire_name: name.to_owned(),
            rust_name: name.to_owned(),
            ty,
            presence: Presence::Optional,
            read_only: false,
            description: None,
            limits: Vec::new(),
        }
    }

    fn object(name: &str, fields: Vec<Field>) -> TypeDef {
        TypeDef {
            name: name.to_owned(),
            source: format!("#/components/schemas/{name}"),
            description: None,
            kind: TypeKind::Struct(Struct {
                fields,
                additional: None,
                derive_default: false,
            }),
        }
    }

    fn field_types(def: &TypeDef) -> Vec<&TypeRef> {
        match &def.kind {
            TypeKind::Struct(s) => s.fields.iter().map(|field| &field.ty).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn only_references_by_value_inside_a_cycle_are_boxed() {
        let named = |name: &str| TypeRef::Named(name.to_owned());
        let boxed = |name: &str| TypeRef::Boxed(Box::new(named(name)));
        // Sorted by name, as lowering leaves them: A and B hold each other, A holds C,
        // and C holds itself only through a list.
        let mut types = vec![
            object("A", vec![field("b", named("B")), field("c", named("C"))]),
            object("B", vec![field("a", named("A"))]),
            object(
                "C",
                vec![field("children", TypeRef::List(Box::new(named("C"))))],
            ),
        ];
        box_cycles(&mut types);
        assert_eq!(field_types(&types[0]), [&boxed("B"), &named("C")]);
        assert_eq!(field_types(&types[1]), [&boxed("A")]);
        assert_eq!(
            field_types(&types[2]),
            [&TypeRef::List(Box::new(named("C")))]
        );
    }

    #[test]
    fn a_reference_inside_an_option_is_boxed_inside_it() {
        use crate::ir::{Selection, Union, UnionVariant};
        let named = |name: &str| TypeRef::Named(name.to_owned());
        let nullable = |ty: TypeRef| TypeRef::Nullable(Box::new(ty));
        // A union whose variant is `Option<Self>`: an `Option` holds its value inline.
        let mut types = vec![TypeDef {
            name: "U".into(),
            source: "#/components/schemas/U".into(),
            description: None,
            kind: TypeKind::Union(Union {
                variants: vec![UnionVariant {
                    rust_name: "U".into(),
                    ty: nullable(named("U")),
                    tags: Vec::new(),
                    constants: Vec::new(),
                    objects_only: false,
                }],
                selection: Selection::FirstMatch,
            }),
        }];
        box_cycles(&mut types);
        let TypeKind::Union(union) = &types[0].kind else {
            panic!("a union: {:?}", types[0]);
        };
        assert_eq!(
            union.variants[0].ty,
            nullable(TypeRef::Boxed(Box::new(named("U"))))
        );
    }
}
