//! What generated code names and users do not: request descriptions and serde helpers.
//! Not part of the stable API.

pub use crate::call::{joined, PathSegment, Request};
pub use crate::query::ObjectStyle;
pub use reqwest::Method;

/// Serde support for optional, nullable properties.
pub mod nullable {
    pub use crate::nullable::deserialize;
}

/// Serde support for tagged unions, and for unions whose members are tried in turn.
pub mod tagged {
    pub use crate::tagged::{decoded, serialize, tag, variant};
}
