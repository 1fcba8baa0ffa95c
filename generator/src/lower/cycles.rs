//! Types that hold each other by value (a struct field, a union variant) would have infinite
//! size: every struct field inside such a cycle is boxed. A cycle left without a struct
//! field in it (unions and aliases alone) is refused: decoding a value would go round it
//! without ever going into the value, until the stack overflows.
//!
//! A long chain of types each holding the next by value is finite, but the compiler works
//! out a type's layout, and whether it needs dropping, through every type it holds, one
//! level of its queries a struct or `Option` on the way: past 128 levels (the default
//! `recursion_limit`) the crate does not compile (`queries overflow the depth limit!`,
//! E0320), and neither does a user's crate that holds the first type. A field whose chain
//! would go deeper than [`MAX_LEVELS_BY_VALUE`] is boxed, as a `Box` needs neither.

use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::{self, TypeDef, TypeKind, TypeRef};

/// Boxes the struct fields that close cycles of types holding each other by value (a
/// reference through `Vec` or a map already is indirect), as `Option<Box<T>>` is the usual
/// shape of a recursive field; an error when a cycle is left that goes through union
/// variants alone. A cycle of aliases alone never gets here.
pub(super) fn box_cycles(types: &mut [TypeDef]) -> Result<(), Diagnostic> {
    // Looked up once, as boxing the fields only takes references out of the look for what
    // is left.
    let targets = by_value_targets(types);
    let component = strongly_connected(&edges(types, &targets));
    for (from, def) in types.iter_mut().enumerate() {
        let TypeKind::Struct(s) = &mut def.kind else {
            continue;
        };
        // A reference inside one component closes a cycle (a self-reference included).
        let fields = s.fields.iter_mut().map(|field| &mut field.ty);
        for (ty, to) in fields.zip(&targets[from]) {
            if to.is_some_and(|to| component[to] == component[from]) {
                box_held(ty);
            }
        }
    }
    // A boxed field is no longer held by value: what is left of a cycle has no field in it.
    let component = strongly_connected(&edges(types, &targets));
    for (from, def) in types.iter().enumerate() {
        if !matches!(def.kind, TypeKind::Union(_)) {
            continue;
        }
        let members = by_value(&def.kind).zip(&targets[from]);
        let named = members.filter(|(ty, _)| matches!(held(ty), TypeRef::Named(_)));
        if let Some(to) = named
            .filter_map(|(_, to)| *to)
            .find(|&to| component[to] == component[from])
        {
            let at = Pointer::parse(&def.source).unwrap_or_default();
            let member = &types[to].name;
            return Err(Diagnostic::at(
                &at,
                format!(
                    "the type `{name}` has `{member}` among its `oneOf`/`anyOf` members, and `{member}` comes back to `{name}` through members and `$ref`s alone, with no array, map or object between: decoding a value could go round them without end",
                    name = def.name
                ),
            )
            .with_help("leave out the member that comes back, or put an array or an object between"));
        }
    }
    Ok(())
}

/// The deepest chain of types held by value left to the compiler, in levels of its queries:
/// half the default limit, as a user's crate adds levels around a value (an `async` block, a
/// tuple) and proving `Send` takes them too ([`auto_traits`](super::auto_traits)).
const MAX_LEVELS_BY_VALUE: u32 = 64;

/// Boxes the struct fields through which a type would hold a chain of types by value deeper
/// than [`MAX_LEVELS_BY_VALUE`] levels: of a long chain of types each holding the next, one
/// field in every 32 to 64 (by the `Option`s around them). Runs after [`box_cycles`], when
/// the types held by value make no cycle.
pub(super) fn box_deep_chains(types: &mut [TypeDef]) {
    let targets = by_value_targets(types);
    let mut levels: Vec<u32> = vec![0; types.len()];
    for at in held_first(&edges(types, &targets)) {
        let is_struct = matches!(types[at].kind, TypeKind::Struct(_));
        // What the type holds, in the order of `by_value`, each with the `Option` around it.
        let held: Vec<(u32, &mut TypeRef)> = match &mut types[at].kind {
            TypeKind::Struct(s) => {
                let fields = s.fields.iter_mut();
                fields
                    .map(|field| (field.presence.options(), &mut field.ty))
                    .collect()
            }
            TypeKind::Union(u) => u
                .variants
                .iter_mut()
                .map(|variant| (0, &mut variant.ty))
                .collect(),
            TypeKind::Alias(target) => vec![(0, target)],
            TypeKind::Enum(_) => Vec::new(),
        };
        let mut deepest = 0;
        for ((option, ty), to) in held.into_iter().zip(&targets[at]) {
            let Some(to) = *to else { continue };
            let chain = 1 + option + nullable_levels(ty) + levels[to];
            if is_struct && chain > MAX_LEVELS_BY_VALUE {
                box_held(ty);
            } else {
                deepest = deepest.max(chain);
            }
        }
        levels[at] = deepest;
    }
}

/// The `Option`s of a nullable type around what it holds.
fn nullable_levels(ty: &TypeRef) -> u32 {
    match ty {
        TypeRef::Nullable(inner) => 1 + nullable_levels(inner),
        _ => 0,
    }
}

/// The nodes of an acyclic graph, each after every node its edges reach (a post-order,
/// without recursion, so a chain of thousands of types cannot overflow the stack).
fn held_first(edges: &[Vec<usize>]) -> Vec<usize> {
    let mut order = Vec::with_capacity(edges.len());
    let mut seen = vec![false; edges.len()];
    for root in 0..edges.len() {
        if std::mem::replace(&mut seen[root], true) {
            continue;
        }
        let mut frames = vec![(root, 0)];
        while let Some(&mut (node, ref mut next)) = frames.last_mut() {
            match edges[node].get(*next) {
                Some(&to) => {
                    *next += 1;
                    if !std::mem::replace(&mut seen[to], true) {
                        frames.push((to, 0));
                    }
                }
                None => {
                    order.push(node);
                    frames.pop();
                }
            }
        }
    }
    order
}

/// For each type, the position of each type it holds by value (in the order of
/// [`by_value`]), if it is named.
fn by_value_targets(types: &[TypeDef]) -> Vec<Vec<Option<usize>>> {
    types
        .iter()
        .map(|def| {
            by_value(&def.kind)
                .map(|ty| match held(ty) {
                    TypeRef::Named(name) => ir::type_position(types, name),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// Boxes what `ty` holds by value (inside its `Option`, if nullable).
fn box_held(ty: &mut TypeRef) {
    let ty = held_mut(ty);
    *ty = TypeRef::Boxed(Box::new(std::mem::replace(ty, TypeRef::Json)));
}

/// For each type, the positions of the named types it holds by value.
fn edges(types: &[TypeDef], targets: &[Vec<Option<usize>>]) -> Vec<Vec<usize>> {
    types
        .iter()
        .zip(targets)
        .map(|(def, targets)| {
            by_value(&def.kind)
                .zip(targets)
                .filter(|(ty, _)| matches!(held(ty), TypeRef::Named(_)))
                .filter_map(|(_, to)| *to)
                .collect()
        })
        .collect()
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
pub(super) fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
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
    use crate::ir::{Access, Field, Presence, Struct, TypeDef, TypeKind, TypeRef};

    fn field(name: &str, ty: TypeRef) -> Field {
        Field {
            wire_name: name.to_owned(),
            rust_name: name.to_owned(),
            ty,
            presence: Presence::Optional,
            access: Access::ReadWrite,
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
            states_send_sync: false,
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
        box_cycles(&mut types).expect("no union");
        assert_eq!(field_types(&types[0]), [&boxed("B"), &named("C")]);
        assert_eq!(field_types(&types[1]), [&boxed("A")]);
        assert_eq!(
            field_types(&types[2]),
            [&TypeRef::List(Box::new(named("C")))]
        );
    }

    /// A chain of 80 types, each holding the next in an optional field (two levels a link):
    /// the field of `T46` (33 links from the end, 66 levels) is boxed, and that of `T13`, 33
    /// links before it, each boxed link starting a new count.
    #[test]
    fn a_chain_held_by_value_is_boxed_where_it_gets_too_deep() {
        let name = |at: usize| format!("T{at:02}");
        // Sorted by name, as lowering leaves them.
        let mut types: Vec<TypeDef> = (0..80)
            .map(|at| {
                let fields = match at {
                    79 => vec![field("last", TypeRef::String)],
                    _ => vec![field("next", TypeRef::Named(name(at + 1)))],
                };
                object(&name(at), fields)
            })
            .collect();
        super::box_deep_chains(&mut types);
        let boxed: Vec<&str> = types
            .iter()
            .filter(|def| matches!(field_types(def)[..], [TypeRef::Boxed(_)]))
            .map(|def| def.name.as_str())
            .collect();
        assert_eq!(boxed, ["T13", "T46"]);
    }

    fn union(name: &str, members: Vec<TypeRef>) -> TypeDef {
        use crate::ir::{Keeps, Selection, Union, UnionVariant};
        let variants = members
            .into_iter()
            .enumerate()
            .map(|(index, ty)| UnionVariant {
                rust_name: format!("V{index}"),
                ty,
                tags: Vec::new(),
                constants: Vec::new(),
                objects_only: false,
                keeps: Keeps::Unknown,
            })
            .collect();
        TypeDef {
            name: name.to_owned(),
            source: format!("#/components/schemas/{name}"),
            description: None,
            kind: TypeKind::Union(Union {
                variants,
                selection: Selection::FirstMatch,
            }),
            states_send_sync: false,
        }
    }

    fn variant_types(def: &TypeDef) -> Vec<&TypeRef> {
        match &def.kind {
            TypeKind::Union(u) => u.variants.iter().map(|variant| &variant.ty).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn a_union_that_comes_back_to_itself_through_an_object_boxes_the_field_alone() {
        let named = |name: &str| TypeRef::Named(name.to_owned());
        let nullable = |ty: TypeRef| TypeRef::Nullable(Box::new(ty));
        // U is an S or text; S has an optional U.
        let mut types = vec![
            object("S", vec![field("u", nullable(named("U")))]),
            union("U", vec![named("S"), TypeRef::String]),
        ];
        box_cycles(&mut types).expect("a union through an object is fine");
        assert_eq!(
            field_types(&types[0]),
            [&nullable(TypeRef::Boxed(Box::new(named("U"))))]
        );
        assert_eq!(variant_types(&types[1]), [&named("S"), &TypeRef::String]);
    }

    #[test]
    fn a_union_that_comes_back_to_itself_through_members_alone_is_refused() {
        let named = |name: &str| TypeRef::Named(name.to_owned());
        let nullable = |ty: TypeRef| TypeRef::Nullable(Box::new(ty));
        let cases = [
            // U is a U or text.
            vec![union("U", vec![named("U"), TypeRef::String])],
            // U is text or a nullable U, held inline by the `Option`.
            vec![union("U", vec![TypeRef::String, nullable(named("U"))])],
            // A is a B or text, B is an integer or an A.
            vec![
                union("A", vec![named("B"), TypeRef::String]),
                union("B", vec![TypeRef::I64, named("A")]),
            ],
            // The same through an alias.
            vec![
                object("Unrelated", vec![]),
                union("A", vec![named("L"), TypeRef::String]),
                TypeDef {
                    name: "L".into(),
                    source: "#/components/schemas/L".into(),
                    description: None,
                    kind: TypeKind::Alias(named("A")),
                    states_send_sync: false,
                },
            ],
        ];
        for mut types in cases {
            let error = box_cycles(&mut types).expect_err("refused").to_string();
            assert!(error.contains("comes back to"), "{error}");
            assert!(error.contains("#/components/schemas/"), "{error}");
        }
    }
}
