//! Types that hold each other by value (a struct field, a union variant) would have infinite
//! size: every such reference inside a cycle is boxed.

use std::collections::BTreeMap;

use crate::ir::{TypeDef, TypeKind, TypeRef};

/// Boxes the references that close cycles of types holding each other by value. A
/// reference through `Vec` or a map already is indirect. Struct fields are boxed first, as
/// `Option<Box<T>>` is the usual shape of a recursive field; union variants are boxed only
/// in the cycles that remain. An alias holds its target by value but cannot be boxed
/// itself, and a cycle of aliases alone never gets here.
pub(super) fn box_cycles(types: &mut BTreeMap<String, TypeDef>) {
    let index: BTreeMap<String, usize> = types
        .keys()
        .enumerate()
        .map(|(i, name)| (name.clone(), i))
        .collect();
    for pass in [Holder::Field, Holder::Variant] {
        let edges: Vec<Vec<usize>> = types
            .values()
            .map(|def| {
                by_value(&def.kind)
                    .filter_map(|ty| match ty {
                        TypeRef::Named(name) => index.get(name.as_str()).copied(),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let component = strongly_connected(&edges);
        for (from, def) in types.values_mut().enumerate() {
            // A reference inside one component closes a cycle (a self-reference included).
            let box_it = |ty: &mut TypeRef| {
                let to = match ty {
                    TypeRef::Named(name) => index.get(name.as_str()).copied(),
                    _ => None,
                };
                if to.is_some_and(|to| component[to] == component[from]) {
                    *ty = TypeRef::Boxed(Box::new(std::mem::replace(ty, TypeRef::Json)));
                }
            };
            match (&mut def.kind, pass) {
                (TypeKind::Struct(s), Holder::Field) => {
                    s.fields.iter_mut().for_each(|field| box_it(&mut field.ty));
                }
                (TypeKind::Union(u), Holder::Variant) => {
                    u.variants
                        .iter_mut()
                        .for_each(|variant| box_it(&mut variant.ty));
                }
                _ => {}
            }
        }
    }
}

/// The kinds of reference boxed, one pass each.
#[derive(Clone, Copy)]
enum Holder {
    Field,
    Variant,
}

/// The types a definition holds by value (a boxed one is no longer held by value).
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
