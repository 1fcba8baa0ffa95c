//! The spec-independent files of the generated crate, embedded from `templates/` at build
//! time so the generator needs nothing beside itself at run time.

/// A file copied as it is into the generated crate.
pub struct Template {
    /// Its path, both under `templates/` and in the generated crate.
    pub path: &'static str,
    pub contents: &'static str,
}

macro_rules! templates {
    ($($path:literal),* $(,)?) => {
        &[$(Template { path: $path, contents: include_str!(concat!("../../templates/", $path)) }),*]
    };
}

/// Every template, in path order.
pub const TEMPLATES: &[Template] = templates![
    "Cargo.toml",
    "rustfmt.toml",
    "src/runtime/base_url.rs",
    "src/runtime/call.rs",
    "src/runtime/client.rs",
    "src/runtime/error.rs",
    "src/runtime/exchange.rs",
    "src/runtime/mod.rs",
    "src/runtime/nullable.rs",
    "src/runtime/oauth.rs",
    "src/runtime/private_key.rs",
    "src/runtime/query.rs",
    "src/runtime/tagged.rs",
    "src/runtime/tls.rs",
    "src/runtime/token_cache.rs",
];
