//! What generated code names and users do not: request descriptions and serde helpers.
//! Not part of the stable API.

pub use crate::call::{path_list, PathSegment, Request};
pub use crate::query::ObjectStyle;
pub use reqwest::Method;

/// Compiles only where `T` is `Send` and `Sync`: the proof of what a generated type holds,
/// beside a type that states the two traits rather than leave the compiler to prove them at
/// each use (which goes too deep through large graphs of types).
pub const fn assert_send_sync<T: ?Sized + Send + Sync>() {}

/// Serde support for the properties an object does not declare.
pub mod additional {
    pub use crate::additional::{serialize, Declared};
}

/// Serde support for optional, nullable properties.
pub mod nullable {
    pub use crate::nullable::deserialize;
}

/// Serde support for tagged unions, and for unions whose members are tried in turn.
pub mod tagged {
    pub use crate::tagged::{declares_all, decoded, serialize, tag, variant};
}
