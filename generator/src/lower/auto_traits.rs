//! `Send` and `Sync`, which the compiler proves for a type field by field wherever they are
//! needed: in the generated crate, and again in every crate that holds one of its values
//! across an `.await` in a spawned task. Each field, `Option`, `Vec` or `Box` on the way is
//! a level of that proof, and past 128 levels (the default `recursion_limit`) the compiler
//! gives up: `overflow evaluating the requirement`. A document whose types nest deeply, or
//! hold each other in large cycles (Stripe's), goes past it, and
//! the user's crate fails to compile for it. Where a type's proof would go deeper than
//! [`BUDGET`] levels, its fields are proved once, beside it, and the two traits are stated
//! for it (an `unsafe impl`, which that proof makes sound), so that every proof ends there.
//!
//! The levels, measured on rustc 1.95 with chains of structs: a field holding a struct
//! takes one, `Option` one more, `Box` two, `Vec` three; a map no more than the struct.

use super::cycles::strongly_connected;
use crate::ir::{self, Field, TypeDef, TypeKind, TypeRef};

/// The deepest proof left to the compiler: half the default limit, so that what a user's
/// crate adds around a value (an `async` block, a task, a tuple) has room.
const BUDGET: u32 = 64;

/// The levels of a type from outside the document (`String`, `serde_json::Value`, chrono's),
/// more than any of them takes.
const FOREIGN: u32 = 8;

/// A type's reference to another, or to a foreign type (`to` is `None`), and the levels it
/// takes to reach it.
#[derive(Debug, Clone, Copy)]
struct Edge {
    to: Option<usize>,
    levels: u32,
}

/// Marks the types whose `Send` and `Sync` are to be stated rather than proved at each use.
pub(super) fn state_where_deep(types: &mut [TypeDef]) {
    let edges: Vec<Vec<Edge>> = types.iter().map(|def| edges(types, def)).collect();
    // An alias can have no impl of its own, and an enum of text needs none.
    let can_state: Vec<bool> = types
        .iter()
        .map(|def| matches!(def.kind, TypeKind::Struct(_) | TypeKind::Union(_)))
        .collect();
    for (def, stated) in types.iter_mut().zip(stated(&edges, &can_state)) {
        def.states_send_sync = stated;
    }
}

/// The references a type's proof follows: those of its fields, variants and map of other
/// properties. An alias is followed through to what it names, as the compiler does.
fn edges(types: &[TypeDef], def: &TypeDef) -> Vec<Edge> {
    let mut edges = Vec::new();
    let mut reach = |ty: &TypeRef, levels| references(types, ty, levels, &mut edges, &mut vec![]);
    match &def.kind {
        TypeKind::Struct(s) => {
            for Field { ty, presence, .. } in &s.fields {
                reach(ty, presence.options());
            }
            if let Some(additional) = &s.additional {
                reach(&additional.value, 1);
            }
        }
        TypeKind::Union(u) => u.variants.iter().for_each(|variant| reach(&variant.ty, 0)),
        // Its variants hold text.
        TypeKind::Enum(_) => reach(&TypeRef::String, 0),
        TypeKind::Alias(target) => reach(target, 0),
    }
    edges
}

/// Adds the references `ty` makes, `levels` deep already, to `edges`; `aliases` are those
/// being followed (a cycle of aliases alone never gets this far, but is not followed twice).
fn references(
    types: &[TypeDef],
    ty: &TypeRef,
    levels: u32,
    edges: &mut Vec<Edge>,
    aliases: &mut Vec<usize>,
) {
    match ty {
        TypeRef::Named(name) => match ir::type_position(types, name) {
            Some(to) => match &types[to].kind {
                TypeKind::Alias(target) if !aliases.contains(&to) => {
                    aliases.push(to);
                    references(types, target, levels, edges, aliases);
                    aliases.pop();
                }
                TypeKind::Alias(_) => {}
                _ => edges.push(Edge {
                    to: Some(to),
                    levels: levels + 1,
                }),
            },
            None => edges.push(Edge {
                to: None,
                levels: levels + FOREIGN,
            }),
        },
        TypeRef::Nullable(inner) | TypeRef::Map(inner) => {
            references(types, inner, levels + 1, edges, aliases)
        }
        TypeRef::Boxed(inner) => references(types, inner, levels + 2, edges, aliases),
        TypeRef::List(inner) => references(types, inner, levels + 3, edges, aliases),
        TypeRef::String
        | TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::U64
        | TypeRef::F32
        | TypeRef::F64
        | TypeRef::DateTime
        | TypeRef::Date
        | TypeRef::Json
        | TypeRef::Bytes => edges.push(Edge {
            to: None,
            levels: levels + FOREIGN,
        }),
    }
}

/// For each type, whether its traits are stated. The types are settled sinks first (each
/// strongly connected component after those it refers to), and a reference to a type whose
/// proof would then go past [`BUDGET`] ends at that type, which states its traits. Inside a
/// cycle, the proof may go through each of its types once: a cycle too deep for that has
/// the type most of it refers to state its traits, and what is left is settled again.
fn stated(edges: &[Vec<Edge>], can_state: &[bool]) -> Vec<bool> {
    let mut proof = Proof {
        edges,
        can_state,
        depth: vec![0; edges.len()],
        stated: vec![false; edges.len()],
    };
    let mut tasks = vec![Task::Graph((0..edges.len()).collect())];
    while let Some(task) = tasks.pop() {
        match task {
            Task::Graph(nodes) => {
                // Pushed sources first, so that sinks come off the stack first.
                let mut cycles = proof.strongly_connected(&nodes);
                while let Some(cycle) = cycles.pop() {
                    tasks.push(Task::Cycle(cycle));
                }
            }
            Task::Cycle(members) => {
                let Some(hub) = proof.settle(&members) else {
                    continue;
                };
                proof.stated[hub] = true;
                tasks.push(Task::Type(hub));
                let rest = members.into_iter().filter(|&node| node != hub).collect();
                tasks.push(Task::Graph(rest));
            }
            Task::Type(node) => {
                let depth = edges[node].iter().map(|edge| proof.through(edge)).max();
                proof.depth[node] = depth.unwrap_or(0);
            }
        }
    }
    proof.stated
}

/// What is left to settle, innermost last.
enum Task {
    /// Types, each settled after those it refers to among them.
    Graph(Vec<usize>),
    /// A strongly connected component of them, whatever it refers to outside settled.
    Cycle(Vec<usize>),
    /// A type that states its traits, whatever it refers to settled.
    Type(usize),
}

/// The proofs settled so far: how deep each type's goes, and which types state their traits.
struct Proof<'e> {
    edges: &'e [Vec<Edge>],
    /// Whether each type can state its traits: a struct or a union.
    can_state: &'e [bool],
    depth: Vec<u32>,
    stated: Vec<bool>,
}

impl Proof<'_> {
    /// How deep a proof goes through `edge`, its end settled: no deeper than [`BUDGET`], as
    /// the type at its end states its traits when it would, unless it cannot or the edge
    /// alone goes deeper (a field of twenty nested arrays: the compiler's limit of 128
    /// levels still leaves room for about forty).
    fn through(&mut self, edge: &Edge) -> u32 {
        let Some(to) = edge.to else {
            return edge.levels;
        };
        if !self.stated[to] && self.can_state[to] && edge.levels + self.depth[to] > BUDGET {
            self.stated[to] = true;
        }
        match self.stated[to] {
            true => edge.levels,
            false => edge.levels + self.depth[to],
        }
    }

    /// Settles a strongly connected component, whatever it refers to outside settled: every
    /// member's proof goes no deeper than once through each member and then out. `None`
    /// when that is within [`BUDGET`] or no cycle is there to break (one type that does not
    /// refer to itself), else the member that can state its traits that most of the others
    /// refer to (the first of them), which is to state them.
    fn settle(&mut self, members: &[usize]) -> Option<usize> {
        let edges = self.edges;
        let mut way_out = 0;
        let mut way_round = 0;
        let mut referred = vec![0_u32; members.len()];
        for &member in members {
            let mut round = 0;
            for edge in &edges[member] {
                match edge.to.and_then(|to| members.binary_search(&to).ok()) {
                    Some(at) if !self.stated[members[at]] => {
                        round = round.max(edge.levels);
                        referred[at] += 1;
                    }
                    _ => way_out = way_out.max(self.through(edge)),
                }
            }
            way_round += round;
        }
        let candidates = || {
            let referred = members.iter().zip(&referred);
            referred.filter(|&(&member, &count)| count > 0 && self.can_state[member])
        };
        let most = candidates().map(|(_, &count)| count).max();
        let hub = candidates().find(|&(_, &count)| Some(count) == most);
        match hub {
            Some((&hub, _)) if way_round + way_out > BUDGET => Some(hub),
            _ => {
                for &member in members {
                    self.depth[member] = way_round + way_out;
                }
                None
            }
        }
    }

    /// The strongly connected components of `nodes` (sorted), by the edges between them,
    /// sinks first, each sorted.
    fn strongly_connected(&self, nodes: &[usize]) -> Vec<Vec<usize>> {
        let local: Vec<Vec<usize>> = nodes
            .iter()
            .map(|&node| {
                let targets = self.edges[node].iter().filter_map(|edge| edge.to);
                targets
                    .filter_map(|to| nodes.binary_search(&to).ok())
                    .collect()
            })
            .collect();
        let component = strongly_connected(&local);
        let mut components = vec![Vec::new(); component.iter().map(|&c| c + 1).max().unwrap_or(0)];
        for (at, &c) in component.iter().enumerate() {
            components[c].push(nodes[at]);
        }
        components
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(to: usize, levels: u32) -> Edge {
        Edge {
            to: Some(to),
            levels,
        }
    }

    /// The deepest proof of any type, following the edges until a type that states its
    /// traits (whose own proof is one of those measured), with every cycle walked once
    /// round at most: the compiler's proof goes no deeper.
    fn deepest(edges: &[Vec<Edge>], stated: &[bool]) -> u32 {
        fn walk(edges: &[Vec<Edge>], stated: &[bool], node: usize, path: &mut Vec<usize>) -> u32 {
            path.push(node);
            let mut deepest = 0;
            for edge in &edges[node] {
                let below = match edge.to {
                    Some(to) if !stated[to] && !path.contains(&to) => walk(edges, stated, to, path),
                    _ => 0,
                };
                deepest = deepest.max(edge.levels + below);
            }
            path.pop();
            deepest
        }
        (0..edges.len())
            .map(|node| walk(edges, stated, node, &mut Vec::new()))
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_shallow_graph_states_nothing() {
        // A self-reference, a pair holding each other, a short chain.
        let edges = vec![
            vec![edge(0, 3), edge(1, 2)],
            vec![
                edge(2, 5),
                Edge {
                    to: None,
                    levels: FOREIGN,
                },
            ],
            vec![edge(1, 4)],
        ];
        assert_eq!(stated(&edges, &[true; 3]), [false, false, false]);
    }

    #[test]
    fn a_long_chain_is_cut_where_it_would_go_too_deep() {
        // 100 types, each holding the next in an `Option<Vec<_>>`: 5 levels a step.
        let edges: Vec<Vec<Edge>> = (0..100)
            .map(|node| match node {
                99 => vec![Edge {
                    to: None,
                    levels: FOREIGN,
                }],
                _ => vec![edge(node + 1, 5)],
            })
            .collect();
        let stated = stated(&edges, &[true; 100]);
        assert!(deepest(&edges, &stated) <= BUDGET);
        let count = stated.iter().filter(|&&stated| stated).count();
        // As few as the budget allows: one every 12 steps.
        assert!((7..=9).contains(&count), "{count} stated");
    }

    #[test]
    fn a_large_cycle_is_broken_and_no_proof_goes_too_deep() {
        // 60 types in a ring, each holding the next and the one before.
        let n = 60;
        let edges: Vec<Vec<Edge>> = (0..n)
            .map(|node| vec![edge((node + 1) % n, 3), edge((node + n - 1) % n, 2)])
            .collect();
        let stated = stated(&edges, &vec![true; n]);
        assert!(stated.iter().any(|&stated| stated));
        assert!(deepest(&edges, &stated) <= BUDGET, "{stated:?}");
    }

    #[test]
    fn a_type_that_cannot_state_its_traits_is_never_marked() {
        // 0 holds 1 through one edge deeper than the budget; 1 (an enum, say) cannot state
        // its traits, and neither can 2, a type holding itself too deeply.
        let edges = vec![
            vec![edge(1, BUDGET + 5)],
            vec![Edge {
                to: None,
                levels: FOREIGN,
            }],
            vec![edge(2, BUDGET + 1)],
        ];
        assert_eq!(stated(&edges, &[true, false, false]), [false, false, false]);
        // A lone type that holds nothing of its own kind is never a cycle to break.
        let edges = vec![vec![Edge {
            to: None,
            levels: BUDGET + 1,
        }]];
        assert_eq!(stated(&edges, &[true]), [false]);
    }
}
